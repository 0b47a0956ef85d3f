//! Optimal savings-plan commitment ($/h), exact, by the breakpoints of a convex cost.
//!
//! After reservations, hour t has uncovered eligible lines; at plan rates they cost s_{t,j} and
//! the plan covers them in discount order (FINOPS.md §1.4). The total cost as a function of the
//! commitment c is convex and piecewise linear: its slope is T − Σ_t g_t(c), where g_t(c) is
//! p/s of the line the c-th plan dollar covers in hour t (0 once the hour is saturated), and g
//! falls as c grows. So the optimum is at 0 or at a breakpoint (a prefix sum of s_{t,j} in
//! coverage order), and a sweep over the sorted breakpoints finds where the slope turns ≥ 0.

use serde::{Deserialize, Serialize};

use super::apply::{Purchase, SavingsPlanPurchase, price, savings_plan_order};
use super::money::{Sum, amount};
use super::usage::{Term, UsageHistory};
use crate::error::{Error, Result};

/// The optimal plan on top of a base purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavingsPlanChoice {
    pub term: Term,
    /// $/h; 0 when no plan pays off.
    pub hourly_commitment: f64,
    /// Total cost over the history with the base purchase plus this plan (priced by `price`).
    pub cost: f64,
    /// Number of distinct breakpoints of the cost curve.
    pub breakpoints: usize,
}

impl SavingsPlanChoice {
    /// The plan as a purchase line, `None` for a zero commitment.
    pub fn purchase(&self) -> Option<SavingsPlanPurchase> {
        (self.hourly_commitment > 0.0)
            .then_some(SavingsPlanPurchase { hourly_commitment: self.hourly_commitment, term: self.term })
    }
}

/// `base` plus a plan of `c` $/h (no plan line for c = 0).
pub fn with_plan(base: &Purchase, c: f64, term: Term) -> Purchase {
    let mut p = base.clone();
    if c > 0.0 {
        p.savings_plans.push(SavingsPlanPurchase { hourly_commitment: c, term });
    }
    p
}

/// Per hour, the (p/s, s-priced dollars) segments a new plan would cover, in coverage order.
fn residual_segments(history: &UsageHistory, base: &Purchase, term: Term) -> Result<Vec<Vec<(f64, f64)>>> {
    if !base.savings_plans.is_empty() {
        return Err(Error::new("the base purchase already has savings plans")
            .fix("optimize a plan on top of reservations only; application order between plans is by term"));
    }
    let priced = price(history, base)?;
    let types = history.types();
    let order = savings_plan_order(history, term);
    Ok(priced
        .hours
        .iter()
        .map(|h| {
            order
                .iter()
                .filter_map(|&i| {
                    let rem = h.lines[i].on_demand;
                    let s = types[i].savings_plan.get(term)?;
                    (rem > 0.0).then(|| (types[i].on_demand / s, amount(rem, s)))
                })
                .collect()
        })
        .collect())
}

/// All breakpoints of the plan's cost curve on top of `base`, sorted and distinct, with 0 first.
pub fn breakpoints(history: &UsageHistory, base: &Purchase, term: Term) -> Result<Vec<f64>> {
    let mut points = vec![0.0];
    for segs in residual_segments(history, base, term)? {
        let mut prefix = Sum::new();
        for (_, len) in segs {
            prefix.add(len);
            points.push(prefix.value());
        }
    }
    points.sort_by(f64::total_cmp);
    points.dedup();
    Ok(points)
}

/// Exact optimal commitment for a plan of `term` on top of `base` (reservations only).
pub fn optimize_savings_plan(history: &UsageHistory, base: &Purchase, term: Term) -> Result<SavingsPlanChoice> {
    let segments = residual_segments(history, base, term)?;
    // Slope change events (position, Δslope) and the slope just right of 0.
    let mut events: Vec<(f64, f64)> = Vec::new();
    let mut slope = Sum::new();
    slope.add(history.len() as f64);
    let mut points = vec![0.0];
    for segs in &segments {
        let mut prefix = Sum::new();
        if let Some(&(g, _)) = segs.first() {
            slope.add(-g);
        }
        for (j, &(g, len)) in segs.iter().enumerate() {
            prefix.add(len);
            let next = segs.get(j + 1).map_or(0.0, |&(g2, _)| g2);
            events.push((prefix.value(), g - next));
            points.push(prefix.value());
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.sort_by(f64::total_cmp);
    points.dedup();

    let mut chosen = 0.0;
    if slope.value() < 0.0 {
        let mut k = 0;
        while k < events.len() {
            let pos = events[k].0;
            while k < events.len() && events[k].0 == pos {
                slope.add(events[k].1);
                k += 1;
            }
            chosen = pos;
            if slope.value() >= 0.0 {
                break;
            }
        }
    }
    // The sweep is exact in real arithmetic; price the chosen breakpoint and its neighbours with
    // the real pricing so rounding in the slope cannot pick a worse point. Ties keep the smaller c.
    let idx = points.iter().position(|&p| p == chosen).unwrap_or(0);
    let lo = idx.saturating_sub(1);
    let hi = (idx + 1).min(points.len() - 1);
    let mut best: Option<(f64, f64)> = None;
    for &c in &points[lo..=hi] {
        let cost = price(history, &with_plan(base, c, term))?.total_cost();
        if best.is_none_or(|(_, b)| cost < b) {
            best = Some((c, cost));
        }
    }
    let (hourly_commitment, cost) = best.expect("at least the zero point");
    Ok(SavingsPlanChoice { term, hourly_commitment, cost, breakpoints: points.len() })
}

/// Total cost for each commitment in `commitments` on top of `base` (for curves and checks).
pub fn cost_curve(history: &UsageHistory, base: &Purchase, term: Term, commitments: &[f64]) -> Result<Vec<f64>> {
    commitments.iter().map(|&c| Ok(price(history, &with_plan(base, c, term))?.total_cost())).collect()
}
