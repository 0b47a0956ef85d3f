//! Billing: nodes priced per second of life, hour by hour, with the scenario's commitments.
//!
//! The one place a run's money is computed. Each node's life is cut into whole seconds (from
//! the second it launched to the second it ended, any started second billed) and into the
//! scenario's hours (hour 0 starts at the scenario start). Each hour's usage by instance type
//! and capacity type becomes a [`UsageHistory`] row; [`price_hour_allocated`] applies the
//! commitments (reservations first, size-flexible by ratio, then savings plans by discount,
//! then on-demand; spot never covered), and its allocations are spread over the nodes of each
//! type in node order, splitting a node's hour where one commitment's coverage ends. The
//! writers (`usage_hourly.csv`, `focus.csv`, `summary.json`, cost charts) only format these lines.
//!
//! Karpenter's `reserved` capacity type (capacity reservations) is billed like on-demand and is
//! eligible for commitments, as on AWS and Azure.

use serde::Serialize;

use crate::commit::money::{Sum, amount};
use crate::commit::{
    Allocation, CommitmentRef, HourUsage, InstanceType, Purchase, ReservationPurchase, SavingsPlanPurchase, Term,
    UsageHistory, price_hour_allocated,
};
use crate::error::{Error, Result};
use crate::model::{CommitmentKind, ExistingCommitment, Scenario};
use crate::pricing::{Catalog, CatalogEntry};
use crate::sim::{NodeLife, RunResult};

const HOUR_MS: i64 = 3_600_000;
/// Coverage below this many instance-hours (3.6 µs) is rounding, not a line.
const EPS_HOURS: f64 = 1e-12;

/// How a line was priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineKind {
    OnDemand,
    Spot,
    Reservation,
    SavingsPlan,
}

/// Part of one node's hour, priced one way.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLine {
    pub hour: usize,
    /// Index into [`Billing::nodes`].
    pub node: usize,
    /// Index into [`Billing::types`].
    pub sku: usize,
    pub kind: LineKind,
    /// Index into [`Billing::commitments`] for covered lines.
    pub commitment: Option<usize>,
    pub instance_hours: f64,
    /// At the on-demand (pay-as-you-go) price.
    pub list_cost: f64,
    /// What it costs: on-demand, spot, or its share of the commitment.
    pub effective_cost: f64,
    /// Commitment units consumed: normalized-unit hours (reservation) or plan dollars.
    pub commitment_units: f64,
}

/// A commitment's hour: what it cost and what of it went unused.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentHour {
    pub hour: usize,
    pub commitment: usize,
    /// The hour's charge (count × reservation rate, or the plan's $/h).
    pub cost: f64,
    /// Units bought for the hour: normalized units (reservation) or dollars (plan).
    pub units: f64,
    pub unused_cost: f64,
    pub unused_units: f64,
}

/// A commitment as billed: the scenario's, resolved against the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct BilledCommitment {
    pub spec: ExistingCommitment,
    /// For reservations, the type bought (index into [`Billing::types`]).
    pub sku: Option<usize>,
    /// $ per hour while active.
    pub hourly_cost: f64,
    /// Normalized units (reservation) or dollars (plan) per hour.
    pub hourly_units: f64,
}

impl BilledCommitment {
    pub fn is_reservation(&self) -> bool {
        matches!(self.spec.kind, CommitmentKind::Reservation { .. })
    }
}

/// A node as billed.
#[derive(Debug, Clone, PartialEq)]
pub struct BilledNode {
    pub name: String,
    pub pool: String,
    pub sku: usize,
    pub capacity_type: String,
    pub zone: Option<String>,
}

/// One row of `usage_hourly.csv`: an hour × instance type × capacity type.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub hour: usize,
    pub sku: usize,
    pub capacity_type: String,
    pub nodes: usize,
    pub instance_hours: f64,
    pub normalized_units: f64,
    /// At the on-demand price.
    pub cost_list: f64,
    /// Without commitments: on-demand price, or the spot price for spot.
    pub cost_on_demand: f64,
    /// With the scenario's commitments.
    pub cost_effective: f64,
}

/// Costs by pricing category, dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CategoryCost {
    pub on_demand: f64,
    pub spot: f64,
    pub reservation: f64,
    pub savings_plan: f64,
    pub unused_commitment: f64,
}

impl CategoryCost {
    pub fn total(&self) -> f64 {
        Sum::of([self.on_demand, self.spot, self.reservation, self.savings_plan, self.unused_commitment])
    }
}

/// A run's bill.
#[derive(Debug, Clone)]
pub struct Billing {
    pub catalog_name: String,
    pub provider: String,
    pub region: String,
    pub start_ms: i64,
    /// The types in the history, in name order (the history's type table).
    pub types: Vec<InstanceType>,
    pub history: UsageHistory,
    pub nodes: Vec<BilledNode>,
    pub commitments: Vec<BilledCommitment>,
    /// Node lines in (hour, type, node) order.
    pub lines: Vec<NodeLine>,
    /// Commitment hours in (hour, commitment) order, for active commitments.
    pub commitment_hours: Vec<CommitmentHour>,
    pub usage: Vec<UsageRow>,
    /// Per hour, by category.
    pub hourly: Vec<CategoryCost>,
    pub total: CategoryCost,
    /// Every usage line at on-demand prices (spot included).
    pub list_cost: f64,
}

impl Billing {
    pub fn effective_cost(&self) -> f64 {
        self.total.total()
    }

    /// Hour `h`'s start, epoch ms.
    pub fn hour_start(&self, h: usize) -> i64 {
        self.start_ms + h as i64 * HOUR_MS
    }
}

/// The run's bill, or `None` when the scenario names no catalog.
pub fn bill_run(scenario: &Scenario, result: &RunResult) -> Result<Option<Billing>> {
    let Some(cat) = &scenario.catalog else { return Ok(None) };
    let hours = result.duration_ms.div_ceil(HOUR_MS as u64) as usize;
    bill(
        &result.node_lives,
        &cat.catalog,
        &cat.name,
        scenario.region.as_deref(),
        result.start_ms,
        hours,
        &scenario.commitments,
    )
    .map(Some)
    .map_err(|e| e.in_file(&scenario.path))
}

fn find<'a>(catalog: &'a Catalog, region: Option<&str>, name: &str) -> Option<&'a CatalogEntry> {
    match region {
        Some(r) => catalog.get(r, name),
        None => catalog.find(name),
    }
}

/// Whole seconds billed in hour `h` for a life of `[launched_ms, ended_ms)` (ms after start).
pub fn seconds_in_hour(launched_ms: u64, ended_ms: u64, h: usize) -> u64 {
    let from = launched_ms / 1000;
    let to = ended_ms.div_ceil(1000);
    let (h0, h1) = (h as u64 * 3600, (h as u64 + 1) * 3600);
    to.min(h1).saturating_sub(from.max(h0))
}

/// Bills node lives over `hours` hours from `start_ms` with `catalog` prices.
pub fn bill(
    lives: &[NodeLife],
    catalog: &Catalog,
    catalog_name: &str,
    region: Option<&str>,
    start_ms: i64,
    hours: usize,
    commitments: &[ExistingCommitment],
) -> Result<Billing> {
    // The type table: every type a node ran or a reservation bought, by name.
    let mut names: Vec<&str> = lives.iter().map(|l| l.instance_type.as_str()).collect();
    for c in commitments {
        if let CommitmentKind::Reservation { instance_type, .. } = &c.kind {
            names.push(instance_type);
        }
    }
    names.sort_unstable();
    names.dedup();
    let mut entries = Vec::with_capacity(names.len());
    for name in &names {
        let entry = find(catalog, region, name).ok_or_else(|| {
            let node = lives.iter().find(|l| l.instance_type == *name);
            Error::new(format!(
                "instance type {name:?}{} is not in catalog {catalog_name}{}",
                node.map_or(String::new(), |l| format!(" (node {}, pool {})", l.name, l.pool)),
                region.map_or(String::new(), |r| format!(" for region {r}"))
            ))
            .at_field("catalog")
            .fix("use a catalog that has the type (`capsim catalog show <catalog> --type <pattern>`), or add its row")
        })?;
        entries.push(entry);
    }
    let types: Vec<InstanceType> = entries.iter().map(|e| e.to_commit_type()).collect();
    let sku_of = |name: &str| names.binary_search(&name).expect("every name is in the table");

    let mut nodes = Vec::with_capacity(lives.len());
    for l in lives {
        let sku = sku_of(&l.instance_type);
        let spot = match l.capacity_type.as_str() {
            "spot" => true,
            "on-demand" | "reserved" => false,
            other => {
                return Err(Error::new(format!("node {} has capacity type {other:?}", l.name))
                    .fix("capacity types are on-demand, spot or reserved"));
            }
        };
        if spot && types[sku].spot.is_none() {
            return Err(Error::new(format!(
                "node {} runs on spot but catalog {catalog_name} has no spot price for {}",
                l.name, l.instance_type
            ))
            .at_field("catalog")
            .fix("add the spot price to the catalog, or use on-demand capacity"));
        }
        nodes.push(BilledNode {
            name: l.name.clone(),
            pool: l.pool.clone(),
            sku,
            capacity_type: l.capacity_type.clone(),
            zone: l.zone.clone(),
        });
    }

    // Seconds per (hour, node), only where the node lived.
    let mut node_seconds: Vec<Vec<(usize, u64)>> = vec![Vec::new(); hours];
    for (n, l) in lives.iter().enumerate() {
        let first = (l.launched_ms / HOUR_MS as u64) as usize;
        let last = (l.ended_ms.div_ceil(1000) * 1000).div_ceil(HOUR_MS as u64) as usize;
        for (h, slot) in node_seconds.iter_mut().enumerate().take(last.min(hours)).skip(first) {
            let s = seconds_in_hour(l.launched_ms, l.ended_ms, h);
            if s > 0 {
                slot.push((n, s));
            }
        }
    }
    let hour_usage: Vec<HourUsage> = node_seconds
        .iter()
        .map(|slot| {
            let mut regular = vec![Sum::new(); types.len()];
            let mut spot = vec![Sum::new(); types.len()];
            for &(n, s) in slot {
                let q = s as f64 / 3600.0;
                if nodes[n].capacity_type == "spot" { spot[nodes[n].sku].add(q) } else { regular[nodes[n].sku].add(q) }
            }
            HourUsage { regular: regular.iter().map(Sum::value).collect(), spot: spot.iter().map(Sum::value).collect() }
        })
        .collect();
    let history = UsageHistory::new(types.clone(), hour_usage)?;

    let billed: Vec<BilledCommitment> = commitments
        .iter()
        .map(|c| match &c.kind {
            CommitmentKind::Reservation { instance_type, count, .. } => {
                let sku = sku_of(instance_type);
                let rate = types[sku].reservation.get(c.term).unwrap_or(f64::NAN);
                BilledCommitment {
                    spec: c.clone(),
                    sku: Some(sku),
                    hourly_cost: amount(f64::from(*count), rate),
                    hourly_units: amount(f64::from(*count), types[sku].ratio),
                }
            }
            CommitmentKind::SavingsPlan { usd_per_hour } => {
                BilledCommitment { spec: c.clone(), sku: None, hourly_cost: *usd_per_hour, hourly_units: *usd_per_hour }
            }
        })
        .collect();
    // Purchase indices: reservations, then plans, in scenario order.
    let res_idx: Vec<usize> = (0..billed.len()).filter(|&k| billed[k].is_reservation()).collect();
    let plan_idx: Vec<usize> = (0..billed.len()).filter(|&k| !billed[k].is_reservation()).collect();

    let mut lines = Vec::new();
    let mut commitment_hours = Vec::new();
    let mut hourly = Vec::with_capacity(hours);
    for (h, slot) in node_seconds.iter().enumerate() {
        let hour_start = start_ms + h as i64 * HOUR_MS;
        let active: Vec<bool> = billed.iter().map(|b| b.spec.active_at(hour_start)).collect();
        let purchase = Purchase {
            reservations: res_idx
                .iter()
                .map(|&k| {
                    let CommitmentKind::Reservation { count, .. } = &billed[k].spec.kind else { unreachable!() };
                    ReservationPurchase {
                        sku: billed[k].sku.expect("reservations have a type"),
                        count: if active[k] { *count } else { 0 },
                        term: billed[k].spec.term,
                    }
                })
                .collect(),
            savings_plans: plan_idx
                .iter()
                .map(|&k| SavingsPlanPurchase {
                    hourly_commitment: if active[k] { billed[k].hourly_cost } else { 0.0 },
                    term: billed[k].spec.term,
                })
                .collect(),
        };
        let (outcome, allocs) = price_hour_allocated(&history, h, &purchase);
        let owner = |a: &Allocation| match a.commitment {
            CommitmentRef::Reservation(k) => res_idx[k],
            CommitmentRef::SavingsPlan(k) => plan_idx[k],
        };
        let first_line = lines.len();
        spread(&history, &nodes, slot, h, &allocs, &owner, &mut lines);
        // Unused commitment per active commitment.
        for (k, b) in billed.iter().enumerate().filter(|(k, _)| active[*k]) {
            let mine = allocs.iter().filter(|a| owner(a) == k);
            let used_cost = Sum::of(mine.clone().map(|a| a.cost));
            let used_units = if b.is_reservation() {
                Sum::of(mine.map(|a| a.instance_hours * types[a.sku].ratio))
            } else {
                used_cost
            };
            commitment_hours.push(CommitmentHour {
                hour: h,
                commitment: k,
                cost: b.hourly_cost,
                units: b.hourly_units,
                unused_cost: (b.hourly_cost - used_cost).max(0.0),
                unused_units: (b.hourly_units - used_units).max(0.0),
            });
        }
        let c = &outcome.cost;
        hourly.push(CategoryCost {
            on_demand: c.on_demand,
            spot: c.spot,
            reservation: c.reservation_used,
            savings_plan: c.savings_plan_used,
            unused_commitment: c.unused(),
        });
        debug_assert!(lines[first_line..].iter().all(|l| l.hour == h));
    }
    let sum = |f: &dyn Fn(&CategoryCost) -> f64| Sum::of(hourly.iter().map(f));
    let total = CategoryCost {
        on_demand: sum(&|c| c.on_demand),
        spot: sum(&|c| c.spot),
        reservation: sum(&|c| c.reservation),
        savings_plan: sum(&|c| c.savings_plan),
        unused_commitment: sum(&|c| c.unused_commitment),
    };
    let list_cost = Sum::of(lines.iter().map(|l| l.list_cost));
    let usage = usage_rows(&types, &nodes, &node_seconds, &lines);
    Ok(Billing {
        catalog_name: catalog_name.to_string(),
        provider: entries.first().map_or_else(String::new, |e| e.provider.clone()),
        region: region.map(str::to_string).or_else(|| entries.first().map(|e| e.region.clone())).unwrap_or_default(),
        start_ms,
        types,
        history,
        nodes,
        commitments: billed,
        lines,
        commitment_hours,
        usage,
        hourly,
        total,
        list_cost,
    })
}

/// Spreads one hour's coverage of each type over its nodes in node order: commitments in
/// application order first, on-demand for the rest; spot nodes at the spot price.
fn spread(
    history: &UsageHistory,
    nodes: &[BilledNode],
    slot: &[(usize, u64)],
    h: usize,
    allocs: &[Allocation],
    owner: &dyn Fn(&Allocation) -> usize,
    out: &mut Vec<NodeLine>,
) {
    let types = history.types();
    for (i, ty) in types.iter().enumerate() {
        let mine: Vec<(usize, u64)> = slot.iter().copied().filter(|&(n, _)| nodes[n].sku == i).collect();
        // Buckets: (commitment, kind, instance-hours, $ per instance-hour, units per instance-hour).
        let mut buckets: Vec<(Option<usize>, LineKind, f64, f64, f64)> = allocs
            .iter()
            .filter(|a| a.sku == i && a.instance_hours > EPS_HOURS)
            .map(|a| {
                let kind = match a.commitment {
                    CommitmentRef::Reservation(_) => LineKind::Reservation,
                    CommitmentRef::SavingsPlan(_) => LineKind::SavingsPlan,
                };
                let per_unit = match kind {
                    LineKind::Reservation => ty.ratio,
                    _ => a.cost / a.instance_hours,
                };
                (Some(owner(a)), kind, a.instance_hours, a.cost / a.instance_hours, per_unit)
            })
            .collect();
        buckets.push((None, LineKind::OnDemand, f64::INFINITY, ty.on_demand, 0.0));
        let mut b = 0;
        for &(n, secs) in &mine {
            let mut q = secs as f64 / 3600.0;
            if nodes[n].capacity_type == "spot" {
                let spot = ty.spot.unwrap_or(f64::NAN);
                out.push(line(h, n, i, LineKind::Spot, None, q, ty.on_demand, spot, 0.0));
                continue;
            }
            while q > EPS_HOURS {
                let (commitment, kind, left, rate, units) = buckets[b];
                let take = q.min(left);
                out.push(line(h, n, i, kind, commitment, take, ty.on_demand, rate, units));
                q -= take;
                buckets[b].2 -= take;
                if buckets[b].2 <= EPS_HOURS {
                    b += 1;
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn line(
    hour: usize,
    node: usize,
    sku: usize,
    kind: LineKind,
    commitment: Option<usize>,
    q: f64,
    list_rate: f64,
    rate: f64,
    units: f64,
) -> NodeLine {
    NodeLine {
        hour,
        node,
        sku,
        kind,
        commitment,
        instance_hours: q,
        list_cost: amount(q, list_rate),
        effective_cost: amount(q, rate),
        commitment_units: amount(q, units),
    }
}

/// Aggregates node lines into `usage_hourly.csv` rows: (hour, type, capacity type), type by
/// name, capacity types on-demand, reserved, spot.
fn usage_rows(
    types: &[InstanceType],
    nodes: &[BilledNode],
    node_seconds: &[Vec<(usize, u64)>],
    lines: &[NodeLine],
) -> Vec<UsageRow> {
    let mut rows = Vec::new();
    let mut at = 0;
    for (h, slot) in node_seconds.iter().enumerate() {
        let end = at + lines[at..].iter().take_while(|l| l.hour == h).count();
        let hour_lines = &lines[at..end];
        at = end;
        for (i, ty) in types.iter().enumerate() {
            for cap in ["on-demand", "reserved", "spot"] {
                let members: Vec<&(usize, u64)> =
                    slot.iter().filter(|(n, _)| nodes[*n].sku == i && nodes[*n].capacity_type == cap).collect();
                if members.is_empty() {
                    continue;
                }
                let q = Sum::of(members.iter().map(|(_, s)| *s as f64 / 3600.0));
                let of_row = || hour_lines.iter().filter(|l| l.sku == i && nodes[l.node].capacity_type == cap);
                rows.push(UsageRow {
                    hour: h,
                    sku: i,
                    capacity_type: cap.to_string(),
                    nodes: members.len(),
                    instance_hours: q,
                    normalized_units: amount(q, ty.ratio),
                    cost_list: amount(q, ty.on_demand),
                    cost_on_demand: amount(q, if cap == "spot" { ty.spot.unwrap_or(f64::NAN) } else { ty.on_demand }),
                    cost_effective: Sum::of(of_row().map(|l| l.effective_cost)),
                });
            }
        }
    }
    rows
}

/// The commitment term as written in files (`1y`, `3y`).
pub fn term_code(t: Term) -> &'static str {
    match t {
        Term::OneYear => "1y",
        Term::ThreeYear => "3y",
    }
}
