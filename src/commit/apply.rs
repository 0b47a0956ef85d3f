//! Pricing an hour with purchased commitments (use-it-or-lose-it).
//!
//! Order, as the providers document it (FINOPS.md §1.3–1.5): reservations first, size-flexible
//! within their group by ratio; then savings plans, 3-year before 1-year, each covering the
//! highest-discount usage first (ties: the lowest plan rate, as AWS says); then on-demand.
//! Spot is never covered. Both optimizers price their answer with [`price`], so what they
//! report is exactly what re-pricing gives.

use serde::{Deserialize, Serialize};

use super::money::{Sum, amount};
use super::usage::{Term, UsageHistory};
use crate::error::{Error, Result};

/// `count` reservations of type `sku` (its ratio sets the capacity in normalized units; its
/// reservation rate sets the price). The capacity covers any type of the same group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReservationPurchase {
    pub sku: usize,
    pub count: u32,
    pub term: Term,
}

/// A savings plan: `hourly_commitment` dollars per hour, charged whether used or not.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavingsPlanPurchase {
    pub hourly_commitment: f64,
    pub term: Term,
}

/// A set of commitments bought together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub reservations: Vec<ReservationPurchase>,
    pub savings_plans: Vec<SavingsPlanPurchase>,
}

impl Purchase {
    /// Nothing bought: the on-demand baseline.
    pub fn none() -> Self {
        Purchase::default()
    }

    /// Hourly price of everything bought (reservation rate × count + plan commitments).
    pub fn hourly_cost(&self, history: &UsageHistory) -> f64 {
        let r = self.reservations.iter().map(|p| reservation_hourly(history, p));
        let s = self.savings_plans.iter().map(|p| p.hourly_commitment);
        Sum::of(r.chain(s))
    }

    /// Checks indices, rates and amounts against the history's catalog.
    pub fn validate(&self, history: &UsageHistory) -> Result<()> {
        for (n, p) in self.reservations.iter().enumerate() {
            let field = format!("reservations[{n}]");
            let ty = history.types().get(p.sku).ok_or_else(|| {
                Error::new(format!("sku {} is not in the catalog of {} types", p.sku, history.types().len()))
                    .at_field(field.clone())
            })?;
            if ty.reservation.get(p.term).is_none() {
                return Err(Error::new(format!("`{}` has no {:?} reservation rate", ty.name, p.term))
                    .at_field(field)
                    .fix("buy a type of the same group that has a reservation offer"));
            }
        }
        for (n, p) in self.savings_plans.iter().enumerate() {
            if !(p.hourly_commitment.is_finite() && p.hourly_commitment >= 0.0) {
                return Err(Error::new(format!("commitment {} $/h is not a non-negative number", p.hourly_commitment))
                    .at_field(format!("savings_plans[{n}]")));
            }
        }
        Ok(())
    }
}

fn reservation_hourly(history: &UsageHistory, p: &ReservationPurchase) -> f64 {
    let rate = history.types()[p.sku].reservation.get(p.term).unwrap_or(f64::NAN);
    amount(f64::from(p.count), rate)
}

/// Cost of one hour (or a horizon) by category, in dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    pub reservation_used: f64,
    pub reservation_unused: f64,
    pub savings_plan_used: f64,
    pub savings_plan_unused: f64,
    pub on_demand: f64,
    pub spot: f64,
}

impl CostBreakdown {
    pub fn total(&self) -> f64 {
        Sum::of([
            self.reservation_used,
            self.reservation_unused,
            self.savings_plan_used,
            self.savings_plan_unused,
            self.on_demand,
            self.spot,
        ])
    }

    /// What the commitments cost, used or not.
    pub fn commitment(&self) -> f64 {
        Sum::of([self.reservation_used, self.reservation_unused, self.savings_plan_used, self.savings_plan_unused])
    }

    /// Commitment paid for and not used (waste).
    pub fn unused(&self) -> f64 {
        Sum::of([self.reservation_unused, self.savings_plan_unused])
    }

    /// Cost of regular (commitment-eligible) usage: commitments plus uncovered on-demand.
    pub fn eligible(&self) -> f64 {
        Sum::of([
            self.reservation_used,
            self.reservation_unused,
            self.savings_plan_used,
            self.savings_plan_unused,
            self.on_demand,
        ])
    }
}

/// How one type's usage in one hour was served, in instance-hours.
/// `reserved + savings_plan + on_demand == usage` (up to rounding), spot is separate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LineCoverage {
    pub usage: f64,
    pub reserved: f64,
    pub savings_plan: f64,
    pub on_demand: f64,
    pub spot: f64,
}

/// One hour, priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourOutcome {
    pub cost: CostBreakdown,
    /// Per type, indexed like the catalog.
    pub lines: Vec<LineCoverage>,
    /// Regular usage at on-demand prices: the cost without any commitment.
    pub on_demand_equivalent: f64,
    /// On-demand value of the usage reservations covered (AWS `OnDemandCostOfRIHoursUsed`).
    pub reservation_covered_value: f64,
    /// On-demand value of the usage savings plans covered.
    pub savings_plan_covered_value: f64,
    /// Normalized units of reservation capacity bought and used this hour.
    pub reserved_units: f64,
    pub reserved_units_used: f64,
}

/// A purchase priced over a whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priced {
    pub hours: Vec<HourOutcome>,
    /// Σ over hours of each category, summed in hour order.
    pub total: CostBreakdown,
    pub on_demand_equivalent: f64,
    pub reservation_covered_value: f64,
    pub savings_plan_covered_value: f64,
    pub reserved_units: f64,
    pub reserved_units_used: f64,
    /// Σ hourly plan commitments (the "TotalCommitment" of SP utilization).
    pub savings_plan_committed: f64,
}

impl Priced {
    pub fn total_cost(&self) -> f64 {
        self.total.total()
    }
}

/// Prices hour `t` of `history` with `purchase`. The purchase must be valid for the history
/// ([`Purchase::validate`]); [`price`] checks it.
pub fn price_hour(history: &UsageHistory, t: usize, purchase: &Purchase) -> HourOutcome {
    let orders = PlanOrders::new(history);
    price_hour_with(history, t, purchase, &orders, None)
}

/// Which purchase line covered some usage: an index into `Purchase::reservations` or
/// `Purchase::savings_plans`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommitmentRef {
    Reservation(usize),
    SavingsPlan(usize),
}

/// Usage of one type that one commitment covered in one hour, and the commitment dollars it
/// consumed (the reservation's hourly cost × its share of the capacity; the plan dollars).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub commitment: CommitmentRef,
    pub sku: usize,
    pub instance_hours: f64,
    pub cost: f64,
}

/// [`price_hour`], plus which commitment covered what, in application order (for cost
/// exports that name the commitment on each row). Same arithmetic, same outcome.
pub fn price_hour_allocated(history: &UsageHistory, t: usize, purchase: &Purchase) -> (HourOutcome, Vec<Allocation>) {
    let orders = PlanOrders::new(history);
    let mut sink = Vec::new();
    let outcome = price_hour_with(history, t, purchase, &orders, Some(&mut sink));
    (outcome, sink)
}

/// Plan coverage orders for both terms, computed once per pricing run.
struct PlanOrders {
    one_year: Vec<usize>,
    three_year: Vec<usize>,
}

impl PlanOrders {
    fn new(history: &UsageHistory) -> Self {
        PlanOrders {
            one_year: savings_plan_order(history, Term::OneYear),
            three_year: savings_plan_order(history, Term::ThreeYear),
        }
    }

    fn get(&self, term: Term) -> &[usize] {
        match term {
            Term::OneYear => &self.one_year,
            Term::ThreeYear => &self.three_year,
        }
    }
}

fn price_hour_with(
    history: &UsageHistory,
    t: usize,
    purchase: &Purchase,
    orders: &PlanOrders,
    mut sink: Option<&mut Vec<Allocation>>,
) -> HourOutcome {
    let types = history.types();
    let h = &history.hours()[t];
    let n = types.len();
    // Remaining uncovered instance-hours per type.
    let mut rem: Vec<f64> = h.regular.clone();
    let mut lines: Vec<LineCoverage> =
        (0..n).map(|i| LineCoverage { usage: h.regular[i], spot: h.spot[i], ..LineCoverage::default() }).collect();

    // 1. Reservations, 3-year first, then in purchase order.
    let mut res_order: Vec<usize> = (0..purchase.reservations.len()).collect();
    res_order.sort_by_key(|&k| (purchase.reservations[k].term.application_rank(), k));
    let (mut res_used, mut res_unused) = (Sum::new(), Sum::new());
    let (mut units, mut units_used) = (Sum::new(), Sum::new());
    for k in res_order {
        let p = &purchase.reservations[k];
        let capacity = amount(f64::from(p.count), types[p.sku].ratio);
        let cost = reservation_hourly(history, p);
        let mut left = capacity;
        let group = &history.groups()[history.group_of(p.sku)];
        for &i in &group.reservation_order {
            if left <= 0.0 {
                break;
            }
            if rem[i] <= 0.0 {
                continue;
            }
            let ratio = types[i].ratio;
            let need = rem[i] * ratio;
            let covered = if need <= left {
                left -= need;
                rem[i]
            } else {
                let c = left / ratio;
                left = 0.0;
                c
            };
            rem[i] -= covered;
            lines[i].reserved += covered;
            if let Some(sink) = sink.as_deref_mut() {
                let share = cost * (covered * ratio / capacity);
                sink.push(Allocation {
                    commitment: CommitmentRef::Reservation(k),
                    sku: i,
                    instance_hours: covered,
                    cost: share,
                });
            }
        }
        let used_units = capacity - left;
        let used = if capacity > 0.0 { cost * (used_units / capacity) } else { 0.0 };
        res_used.add(used);
        res_unused.add(cost - used);
        units.add(capacity);
        units_used.add(used_units);
    }

    // 2. Savings plans, 3-year first, then in purchase order; highest discount first.
    let mut sp_order: Vec<usize> = (0..purchase.savings_plans.len()).collect();
    sp_order.sort_by_key(|&k| (purchase.savings_plans[k].term.application_rank(), k));
    let (mut sp_used, mut sp_unused) = (Sum::new(), Sum::new());
    for k in sp_order {
        let plan = &purchase.savings_plans[k];
        let mut left = plan.hourly_commitment;
        let mut used = Sum::new();
        for &i in orders.get(plan.term) {
            if left <= 0.0 {
                break;
            }
            if rem[i] <= 0.0 {
                continue;
            }
            let rate = types[i].savings_plan.get(plan.term).expect("ordered types have a rate");
            let need = amount(rem[i], rate);
            let (covered, spent) = if need <= left {
                left -= need;
                (rem[i], need)
            } else {
                let spent = left;
                left = 0.0;
                (spent / rate, spent)
            };
            used.add(spent);
            rem[i] -= covered;
            lines[i].savings_plan += covered;
            if let Some(sink) = sink.as_deref_mut() {
                sink.push(Allocation {
                    commitment: CommitmentRef::SavingsPlan(k),
                    sku: i,
                    instance_hours: covered,
                    cost: spent,
                });
            }
        }
        sp_used.add(used.value());
        sp_unused.add(left);
    }

    // 3. On-demand for the rest, spot at spot prices.
    let mut od = Sum::new();
    let mut spot = Sum::new();
    let (mut odeq, mut res_val, mut sp_val) = (Sum::new(), Sum::new(), Sum::new());
    for i in 0..n {
        lines[i].on_demand = rem[i];
        od.add(amount(rem[i], types[i].on_demand));
        odeq.add(amount(h.regular[i], types[i].on_demand));
        res_val.add(amount(lines[i].reserved, types[i].on_demand));
        sp_val.add(amount(lines[i].savings_plan, types[i].on_demand));
        if h.spot[i] > 0.0 {
            spot.add(amount(h.spot[i], types[i].spot.unwrap_or(f64::NAN)));
        }
    }
    HourOutcome {
        cost: CostBreakdown {
            reservation_used: res_used.value(),
            reservation_unused: res_unused.value(),
            savings_plan_used: sp_used.value(),
            savings_plan_unused: sp_unused.value(),
            on_demand: od.value(),
            spot: spot.value(),
        },
        lines,
        on_demand_equivalent: odeq.value(),
        reservation_covered_value: res_val.value(),
        savings_plan_covered_value: sp_val.value(),
        reserved_units: units.value(),
        reserved_units_used: units_used.value(),
    }
}

/// Plan-eligible types for `term` in the order a plan covers them: discount `1 − s/p`
/// descending, then the lowest plan rate, then catalog index.
pub fn savings_plan_order(history: &UsageHistory, term: Term) -> Vec<usize> {
    let types = history.types();
    let mut order: Vec<usize> = (0..types.len()).filter(|&i| types[i].savings_plan.get(term).is_some()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (types[a].savings_plan.get(term).unwrap_or(0.0), types[b].savings_plan.get(term).unwrap_or(0.0));
        // p/s descending is the same order as discount descending, without the subtraction.
        (types[b].on_demand / sb).total_cmp(&(types[a].on_demand / sa)).then(sa.total_cmp(&sb)).then(a.cmp(&b))
    });
    order
}

/// Prices every hour of `history` with `purchase` and sums the categories in hour order.
pub fn price(history: &UsageHistory, purchase: &Purchase) -> Result<Priced> {
    purchase.validate(history)?;
    let orders = PlanOrders::new(history);
    let hours: Vec<HourOutcome> =
        (0..history.len()).map(|t| price_hour_with(history, t, purchase, &orders, None)).collect();
    let sum = |f: &dyn Fn(&HourOutcome) -> f64| Sum::of(hours.iter().map(f));
    let total = CostBreakdown {
        reservation_used: sum(&|h| h.cost.reservation_used),
        reservation_unused: sum(&|h| h.cost.reservation_unused),
        savings_plan_used: sum(&|h| h.cost.savings_plan_used),
        savings_plan_unused: sum(&|h| h.cost.savings_plan_unused),
        on_demand: sum(&|h| h.cost.on_demand),
        spot: sum(&|h| h.cost.spot),
    };
    let committed = Sum::of(purchase.savings_plans.iter().map(|p| p.hourly_commitment));
    Ok(Priced {
        total,
        on_demand_equivalent: sum(&|h| h.on_demand_equivalent),
        reservation_covered_value: sum(&|h| h.reservation_covered_value),
        savings_plan_covered_value: sum(&|h| h.savings_plan_covered_value),
        reserved_units: sum(&|h| h.reserved_units),
        reserved_units_used: sum(&|h| h.reserved_units_used),
        savings_plan_committed: amount(history.len() as f64, committed),
        hours,
    })
}

/// Total cost of `history` with `purchase` (the number both optimizers minimise).
pub fn total_cost(history: &UsageHistory, purchase: &Purchase) -> Result<f64> {
    Ok(price(history, purchase)?.total_cost())
}
