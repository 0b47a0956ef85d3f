//! `capsim commit`: what to buy, from hourly usage (one run, an ensemble of runs, or a real
//! billing history in the `usage_hourly.csv` shape), priced with a catalog.
//!
//! Six candidates are sized by [`commit::optimize`]: reservations only, a savings plan only, and
//! both together, each for 1 and 3 years. Over an ensemble the usage of every future is
//! concatenated (equally likely futures: the expected cost is the cost of the concatenation).
//! The recommended purchase is the candidate with the largest net savings.
//!
//! Downside: each candidate is re-priced, unchanged, on every future of the ensemble alone and
//! on the whole ensemble with every usage value multiplied by `downside_scale` (e.g. 0.7 =
//! traffic and nodes 30 % lower; spot usage is scaled too but never covered). The worst of those
//! net savings is the downside.

use serde::Serialize;

use super::usage_csv::{PricedUsage, UsageTable, price_tables};
use super::{Catalog, billing::term_code};
use crate::commit::money::{Sum, amount};
use crate::commit::usage::HOURS_PER_YEAR;
use crate::commit::{
    CommitmentMetrics, OptimizerConfig, Purchase, Term, UsageHistory, evaluate, optimize, optimize_savings_plan,
    savings_plan::cost_curve,
};
use crate::error::{Error, Result};
use crate::report::{CommitmentCurve, CurveLine};

/// Settings of one `capsim commit` run.
#[derive(Debug, Clone)]
pub struct AdviseConfig {
    pub catalog_name: String,
    pub region: Option<String>,
    /// Usage multiplier of the stressed future (0 < scale).
    pub downside_scale: f64,
    /// Share of each commitment paid upfront, for break-even months (1 = all upfront).
    pub upfront_fraction: f64,
}

/// A reservation line in people's terms.
#[derive(Debug, Clone, Serialize)]
pub struct ReservationAdvice {
    pub flex_group: String,
    pub instance_type: String,
    pub count: u32,
    pub normalized_units: f64,
    pub term: &'static str,
    pub usd_per_hour: f64,
}

/// The purchase re-priced on one stressed or single future.
#[derive(Debug, Clone, Serialize)]
pub struct DownsideCase {
    pub future: String,
    pub net_savings: f64,
    pub utilization: Option<f64>,
    pub waste: Option<f64>,
}

/// One candidate purchase and its metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub name: String,
    /// Exactly what was priced (type indices into `instance_types`).
    pub purchase: Purchase,
    pub reservations: Vec<ReservationAdvice>,
    pub savings_plan_usd_per_hour: Option<f64>,
    pub savings_plan_term: Option<&'static str>,
    /// Over the (concatenated) history.
    pub metrics: CommitmentMetrics,
    /// Net savings per year (net savings × 8760 / hours).
    pub net_savings_per_year: f64,
    pub downside: Vec<DownsideCase>,
    /// The lowest net savings among `downside` (negative: the purchase loses money there).
    pub worst_net_savings: f64,
}

/// Everything `capsim commit` reports.
#[derive(Debug, Clone, Serialize)]
pub struct CommitReport {
    pub inputs: Vec<String>,
    pub catalog: String,
    pub region: Option<String>,
    pub currency: &'static str,
    pub futures: usize,
    pub hours: usize,
    /// Type names in the order `purchase` indices refer to.
    pub instance_types: Vec<String>,
    /// Cost of the history with nothing bought.
    pub baseline_cost: f64,
    pub baseline_cost_per_year: f64,
    pub downside_scale: f64,
    pub upfront_fraction: f64,
    pub candidates: Vec<Candidate>,
    /// Index into `candidates` of the largest net savings.
    pub recommended: usize,
}

fn per_year(x: f64, hours: usize) -> f64 {
    if hours == 0 { 0.0 } else { x * HOURS_PER_YEAR / hours as f64 }
}

/// Sizes and evaluates the candidates for `tables` priced with `catalog`.
pub fn advise(tables: &[UsageTable], catalog: &Catalog, config: &AdviseConfig) -> Result<(CommitReport, PricedUsage)> {
    if !(config.downside_scale.is_finite() && config.downside_scale > 0.0) {
        return Err(Error::new(format!("downside scale {} is not a positive number", config.downside_scale))
            .at_field("--downside-scale")
            .fix("write the usage multiplier of the low future, e.g. 0.7 for 30 % less"));
    }
    if !(0.0..=1.0).contains(&config.upfront_fraction) {
        return Err(Error::new(format!("upfront fraction {} is not in [0, 1]", config.upfront_fraction))
            .at_field("--upfront")
            .fix("write 1 for all upfront, 0 for monthly payments"));
    }
    let usage = price_tables(tables, catalog, &config.catalog_name, config.region.as_deref())?;
    let history = &usage.combined;
    let stressed = history.scaled(config.downside_scale)?;
    let mut futures: Vec<(String, &UsageHistory)> =
        tables.iter().zip(&usage.members).map(|(t, m)| (t.file.display().to_string(), m)).collect();
    let label = format!("all futures × {}", config.downside_scale);
    futures.push((label, &stressed));
    let plans: [(&str, Option<Term>, Option<Term>); 6] = [
        ("1-year reservations", Some(Term::OneYear), None),
        ("3-year reservations", Some(Term::ThreeYear), None),
        ("1-year savings plan", None, Some(Term::OneYear)),
        ("3-year savings plan", None, Some(Term::ThreeYear)),
        ("1-year reservations + savings plan", Some(Term::OneYear), Some(Term::OneYear)),
        ("3-year reservations + savings plan", Some(Term::ThreeYear), Some(Term::ThreeYear)),
    ];
    let types = history.types();
    let mut candidates = Vec::new();
    for (name, rt, pt) in plans {
        let rec = optimize(history, &OptimizerConfig::new(rt, pt))?;
        let metrics = evaluate(history, &rec.purchase, config.upfront_fraction)?;
        let mut downside = Vec::new();
        for (future, h) in &futures {
            let m = evaluate(h, &rec.purchase, config.upfront_fraction)?;
            downside.push(DownsideCase {
                future: future.clone(),
                net_savings: m.net_savings,
                utilization: m.utilization,
                waste: m.waste,
            });
        }
        let worst = downside.iter().map(|d| d.net_savings).fold(f64::INFINITY, f64::min);
        candidates.push(Candidate {
            name: name.to_string(),
            reservations: rec
                .reservations
                .iter()
                .map(|r| ReservationAdvice {
                    flex_group: r.group.clone(),
                    instance_type: r.sku_name.clone(),
                    count: r.purchase.count,
                    normalized_units: amount(f64::from(r.purchase.count), types[r.purchase.sku].ratio),
                    term: term_code(r.purchase.term),
                    usd_per_hour: r.hourly_cost,
                })
                .collect(),
            savings_plan_usd_per_hour: rec.savings_plan.map(|p| p.hourly_commitment),
            savings_plan_term: rec.savings_plan.map(|p| term_code(p.term)),
            net_savings_per_year: per_year(metrics.net_savings, history.len()),
            metrics,
            purchase: rec.purchase,
            downside,
            worst_net_savings: worst,
        });
    }
    let recommended = (0..candidates.len())
        .max_by(|&a, &b| {
            candidates[a].metrics.net_savings.total_cmp(&candidates[b].metrics.net_savings).then(b.cmp(&a))
        })
        .unwrap_or(0);
    let baseline = candidates.first().map_or(0.0, |c| c.metrics.baseline_cost);
    let report = CommitReport {
        inputs: tables.iter().map(|t| t.file.display().to_string()).collect(),
        catalog: config.catalog_name.clone(),
        region: config.region.clone(),
        currency: "USD",
        futures: tables.len(),
        hours: history.len(),
        instance_types: types.iter().map(|t| t.name.clone()).collect(),
        baseline_cost: baseline,
        baseline_cost_per_year: per_year(baseline, history.len()),
        downside_scale: config.downside_scale,
        upfront_fraction: config.upfront_fraction,
        candidates,
        recommended,
    };
    Ok((report, usage))
}

/// The savings-plan curve for both terms: annual cost at 200 commitment levels from 0 to the
/// largest hourly plan-priced spend, with the optimum (exact, by breakpoints) and the break-even
/// level (where committing more starts to cost more than buying nothing).
pub fn savings_plan_curve(history: &UsageHistory, scenario: &str) -> Result<CommitmentCurve> {
    let none = Purchase::none();
    let hours = history.len();
    let baseline = per_year(crate::commit::total_cost(history, &none)?, hours);
    let mut lines = Vec::new();
    for term in [Term::OneYear, Term::ThreeYear] {
        let types = history.types();
        let peak = history
            .hours()
            .iter()
            .map(|h| {
                Sum::of(
                    types.iter().enumerate().filter_map(|(i, t)| t.savings_plan.get(term).map(|s| h.regular[i] * s)),
                )
            })
            .fold(0.0, f64::max);
        if peak <= 0.0 {
            continue;
        }
        let choice = optimize_savings_plan(history, &none, term)?;
        // Past the largest hourly on-demand spend every extra plan dollar is waste, so the
        // cost has crossed the baseline by then: the grid reaches there to show the break-even.
        let od_peak = history
            .hours()
            .iter()
            .map(|h| Sum::of(types.iter().enumerate().map(|(i, t)| h.regular[i] * t.on_demand)))
            .fold(peak, f64::max);
        let mut grid: Vec<f64> = (0..=200).map(|k| od_peak * 1.05 * k as f64 / 200.0).collect();
        grid.push(choice.hourly_commitment);
        grid.sort_by(f64::total_cmp);
        grid.dedup();
        let costs = cost_curve(history, &none, term, &grid)?;
        let points: Vec<(f64, f64)> = grid.iter().zip(&costs).map(|(&c, &y)| (c, per_year(y, hours))).collect();
        // The first level past the optimum where the cost climbs back to the baseline.
        let break_even = points.windows(2).find_map(|w| {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            (x0 >= choice.hourly_commitment && y0 <= baseline && y1 > baseline)
                .then(|| x0 + (baseline - y0) / (y1 - y0) * (x1 - x0))
        });
        let _ = peak;
        lines.push(CurveLine {
            label: format!("{} savings plan", if term == Term::OneYear { "1-year" } else { "3-year" }),
            points,
            optimum: (choice.hourly_commitment, per_year(choice.cost, hours)),
            break_even,
        });
    }
    Ok(CommitmentCurve {
        title: format!("{scenario} — savings-plan commitment: cost per year against $/h committed"),
        subtitle: format!(
            "{hours} h of usage annualized; optimum exact (breakpoint sweep); break-even where the cost returns to \
             nothing-bought; past full coverage every plan costs the same"
        ),
        x_label: "savings-plan commitment (USD per hour)".into(),
        baseline,
        lines,
    })
}
