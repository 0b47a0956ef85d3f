//! Reservations and a savings plan together (FINOPS.md §1.5): reservations sized on the stable
//! base by the newsvendor rule, the plan sized exactly on the residual, then a local search over
//! reservation counts (±1 per group, ±1 on pairs of groups, and a line search over one group's
//! count), re-optimizing the plan exactly after each move (which covers every ± breakpoint move
//! of the plan). A move is taken only if it lowers the priced cost, so the search never ends
//! worse than the heuristic it starts from.

use serde::{Deserialize, Serialize};

use super::apply::{Purchase, ReservationPurchase, SavingsPlanPurchase, price};
use super::money::amount;
use super::reservation::optimize_reservations;
use super::savings_plan::{optimize_savings_plan, with_plan};
use super::usage::{Term, UsageHistory};
use crate::error::Result;

/// Which commitments the optimizer may buy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    /// Buy reservations of this term (`None`: none).
    pub reservation_term: Option<Term>,
    /// Buy one savings plan of this term (`None`: none).
    pub savings_plan_term: Option<Term>,
    /// Bound on accepted local-search moves (each strictly lowers cost).
    pub max_moves: usize,
}

impl OptimizerConfig {
    pub fn new(reservation_term: Option<Term>, savings_plan_term: Option<Term>) -> Self {
        OptimizerConfig { reservation_term, savings_plan_term, max_moves: 10_000 }
    }
}

/// One reservation line of the recommended purchase list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservationLine {
    pub group: String,
    pub sku_name: String,
    pub purchase: ReservationPurchase,
    /// count × reservation rate, $/h.
    pub hourly_cost: f64,
}

/// The optimizer's answer: what to buy and what it saves over the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub purchase: Purchase,
    pub reservations: Vec<ReservationLine>,
    pub savings_plan: Option<SavingsPlanPurchase>,
    /// Cost with nothing bought.
    pub baseline_cost: f64,
    /// Cost of the heuristic (newsvendor reservations + optimal plan) before the local search.
    pub heuristic_cost: f64,
    /// Cost with `purchase`, as [`price`] computes it.
    pub cost: f64,
    /// `baseline_cost − cost`.
    pub savings: f64,
    /// Local-search moves taken.
    pub moves: usize,
}

struct Candidate {
    purchase: Purchase,
    cost: f64,
}

/// Reservation counts per group → best purchase with an exactly sized plan on top.
fn evaluate(
    history: &UsageHistory,
    skus: &[usize],
    counts: &[u32],
    term: Option<Term>,
    plan_term: Option<Term>,
) -> Result<Candidate> {
    let base = Purchase {
        reservations: skus
            .iter()
            .zip(counts)
            .filter(|&(_, &count)| count > 0)
            .map(|(&sku, &count)| ReservationPurchase { sku, count, term: term.unwrap_or(Term::OneYear) })
            .collect(),
        savings_plans: Vec::new(),
    };
    match plan_term {
        Some(pt) => {
            let plan = optimize_savings_plan(history, &base, pt)?;
            Ok(Candidate { purchase: with_plan(&base, plan.hourly_commitment, pt), cost: plan.cost })
        }
        None => {
            let cost = price(history, &base)?.total_cost();
            Ok(Candidate { purchase: base, cost })
        }
    }
}

/// Neighbouring count vectors: ±1 on one group, ±1/±1 on each pair of groups, and every count
/// of one group up to its peak (a line search: the cost need not be convex in the counts when a
/// group's sizes differ in price per unit or plan discount, because the provider's fixed
/// application order is then not the jointly cheapest allocation).
fn neighbours(counts: &[u32], bounds: &[u32]) -> Vec<Vec<u32>> {
    let step = |c: u32, d: i8| -> Option<u32> { if d < 0 { c.checked_sub(1) } else { Some(c + 1) } };
    let mut out = Vec::new();
    for g in 0..counts.len() {
        for d in [-1i8, 1] {
            if let Some(v) = step(counts[g], d) {
                let mut n = counts.to_vec();
                n[g] = v;
                out.push(n);
            }
        }
        for h in g + 1..counts.len() {
            for (dg, dh) in [(-1i8, -1i8), (-1, 1), (1, -1), (1, 1)] {
                if let (Some(a), Some(b)) = (step(counts[g], dg), step(counts[h], dh)) {
                    let mut n = counts.to_vec();
                    n[g] = a;
                    n[h] = b;
                    out.push(n);
                }
            }
        }
        for v in 0..=bounds[g] {
            if v.abs_diff(counts[g]) > 1 {
                let mut n = counts.to_vec();
                n[g] = v;
                out.push(n);
            }
        }
    }
    out
}

/// Best-improvement descent from `counts`; returns the local optimum and the moves taken.
fn descend(
    history: &UsageHistory,
    skus: &[usize],
    bounds: &[u32],
    mut counts: Vec<u32>,
    config: &OptimizerConfig,
) -> Result<(Candidate, usize)> {
    let (rt, pt) = (config.reservation_term, config.savings_plan_term);
    let mut current = evaluate(history, skus, &counts, rt, pt)?;
    let mut moves = 0;
    while moves < config.max_moves {
        let mut best: Option<(Vec<u32>, Candidate)> = None;
        for n in neighbours(&counts, bounds) {
            let cand = evaluate(history, skus, &n, rt, pt)?;
            // Improvements below rounding noise are not moves (they would only trade exact ties).
            let bar = best.as_ref().map_or(current.cost - 1e-12 * (1.0 + current.cost.abs()), |(_, b)| b.cost);
            if cand.cost < bar {
                best = Some((n, cand));
            }
        }
        match best {
            Some((n, cand)) => {
                counts = n;
                current = cand;
                moves += 1;
            }
            None => break,
        }
    }
    Ok((current, moves))
}

/// Recommends reservations and/or a savings plan minimizing the total cost of `history`.
///
/// The descent starts from the newsvendor counts (the FINOPS.md §1.5 heuristic) and, when a plan
/// is allowed, also from no reservations (the plan-only optimum); the cheaper end point wins.
pub fn optimize(history: &UsageHistory, config: &OptimizerConfig) -> Result<Recommendation> {
    let baseline_cost = price(history, &Purchase::none())?.total_cost();
    let choices = match config.reservation_term {
        Some(term) => optimize_reservations(history, term),
        None => Vec::new(),
    };
    let skus: Vec<usize> = choices.iter().map(|c| c.sku).collect();
    // Beyond the group's peak a unit never covers anything.
    let bounds: Vec<u32> = choices.iter().map(|c| c.marginal_value.len() as u32).collect();
    let counts: Vec<u32> = choices.iter().map(|c| c.count).collect();
    let (rt, pt) = (config.reservation_term, config.savings_plan_term);
    let heuristic_cost = evaluate(history, &skus, &counts, rt, pt)?.cost;
    let (mut current, mut moves) = descend(history, &skus, &bounds, counts.clone(), config)?;
    let zero = vec![0; counts.len()];
    if pt.is_some() && counts != zero {
        let (other, m) = descend(history, &skus, &bounds, zero, config)?;
        if other.cost < current.cost - 1e-12 * (1.0 + current.cost.abs()) {
            current = other;
            moves = m;
        }
    }
    let types = history.types();
    let reservations = current
        .purchase
        .reservations
        .iter()
        .map(|p| ReservationLine {
            group: types[p.sku].group.clone(),
            sku_name: types[p.sku].name.clone(),
            purchase: *p,
            hourly_cost: amount(f64::from(p.count), types[p.sku].reservation.get(p.term).unwrap_or(f64::NAN)),
        })
        .collect();
    let savings_plan = current.purchase.savings_plans.first().copied();
    Ok(Recommendation {
        savings: baseline_cost - current.cost,
        purchase: current.purchase,
        reservations,
        savings_plan,
        baseline_cost,
        heuristic_cost,
        cost: current.cost,
        moves,
    })
}
