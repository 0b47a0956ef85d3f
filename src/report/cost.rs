//! The `cost` object of `summary.json`: a run's bill by pricing category and per commitment.

use serde::Serialize;

use crate::commit::money::Sum;
use crate::model::CommitmentKind;
use crate::pricing::billing::{Billing, CategoryCost, term_code};

/// Dollars to 6 decimals, as in the CSV files.
fn usd(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Serialize)]
pub(crate) struct CostJson {
    currency: &'static str,
    catalog: String,
    provider: String,
    region: String,
    hours: usize,
    instance_hours: f64,
    /// Every node-hour at the on-demand (list) price, spot included.
    list: f64,
    /// What the run costs without commitments: on-demand, and spot at spot prices.
    without_commitments: f64,
    /// What it costs with the scenario's commitments (= the sum of `by_category`).
    effective: f64,
    /// without_commitments − effective.
    commitment_savings: f64,
    by_category: CategoryCost,
    commitments: Vec<CommitmentJson>,
}

#[derive(Serialize)]
struct CommitmentJson {
    name: String,
    kind: &'static str,
    term: &'static str,
    instance_type: Option<String>,
    flex_group: Option<String>,
    count: Option<u32>,
    usd_per_hour: f64,
    active_hours: usize,
    cost: f64,
    unused_cost: f64,
    /// Used share of what was paid in the run's hours.
    utilization: Option<f64>,
}

pub(crate) fn cost_json(b: &Billing) -> CostJson {
    let without = Sum::of(b.history.hours().iter().enumerate().map(|(t, _)| {
        let h = &b.history.hours()[t];
        Sum::of(b.types.iter().enumerate().map(|(i, ty)| {
            h.regular[i] * ty.on_demand + if h.spot[i] > 0.0 { h.spot[i] * ty.spot.unwrap_or(f64::NAN) } else { 0.0 }
        }))
    }));
    let r = |c: &CategoryCost| CategoryCost {
        on_demand: usd(c.on_demand),
        spot: usd(c.spot),
        reservation: usd(c.reservation),
        savings_plan: usd(c.savings_plan),
        unused_commitment: usd(c.unused_commitment),
    };
    let commitments = b
        .commitments
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let hours: Vec<_> = b.commitment_hours.iter().filter(|h| h.commitment == k).collect();
            let cost = Sum::of(hours.iter().map(|h| h.cost));
            let unused = Sum::of(hours.iter().map(|h| h.unused_cost));
            let (kind, instance_type, flex_group, count) = match &c.spec.kind {
                CommitmentKind::Reservation { instance_type, flex_group, count } => {
                    ("reservation", Some(instance_type.clone()), flex_group.clone(), Some(*count))
                }
                CommitmentKind::SavingsPlan { .. } => ("savings_plan", None, None, None),
            };
            CommitmentJson {
                name: c.spec.name.clone(),
                kind,
                term: term_code(c.spec.term),
                instance_type,
                flex_group,
                count,
                usd_per_hour: c.hourly_cost,
                active_hours: hours.len(),
                cost: usd(cost),
                unused_cost: usd(unused),
                utilization: (cost > 0.0).then(|| ((cost - unused) / cost * 1e6).round() / 1e6),
            }
        })
        .collect();
    CostJson {
        currency: "USD",
        catalog: b.catalog_name.clone(),
        provider: b.provider.clone(),
        region: b.region.clone(),
        hours: b.history.len(),
        instance_hours: usd(Sum::of(b.lines.iter().map(|l| l.instance_hours))),
        list: usd(b.list_cost),
        without_commitments: usd(without),
        effective: usd(b.effective_cost()),
        commitment_savings: usd(without - b.effective_cost()),
        by_category: r(&b.total),
        commitments,
    }
}
