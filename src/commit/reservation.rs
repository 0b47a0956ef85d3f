//! Optimal reserved counts: the newsvendor ("level") rule of FINOPS.md §1.1, generalised to
//! size-flexible groups in normalized units (§1.3), and the pay-per-used-hour variant (§1.2).
//!
//! A reserved unit is billed every hour, so the k-th unit pays off iff the on-demand value it
//! would cover over the history exceeds its price: Σ_t value_t(k) > T·r. For one type with whole
//! instances value_t(k) = p·1[u(t) ≥ k], which is the rule N_k/T > r/p.

use serde::{Deserialize, Serialize};

use super::apply::{Purchase, ReservationPurchase};
use super::money::{Sum, amount};
use super::usage::{Term, UsageHistory};

/// The newsvendor decision for one flexibility group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservationChoice {
    pub group: usize,
    pub group_name: String,
    /// Type bought: the group member with the lowest reservation $ per normalized unit (ties:
    /// the smallest ratio, i.e. the finest step, which is what AWS recommends for families).
    pub sku: usize,
    pub count: u32,
    pub term: Term,
    /// Normalized units per reserved instance of `sku`.
    pub unit_capacity: f64,
    /// `marginal_value[k-1]`: on-demand dollars the k-th unit would cover over the history.
    pub marginal_value: Vec<f64>,
    /// T·r: what one unit costs over the history. Unit k is bought iff its value exceeds this.
    pub threshold: f64,
}

impl ReservationChoice {
    pub fn purchase(&self) -> ReservationPurchase {
        ReservationPurchase { sku: self.sku, count: self.count, term: self.term }
    }
}

/// N_k = #{t : u(t) ≥ k} for k = 1..=max u (integer usage; fractional values are floored).
pub fn level_counts(usage: &[f64]) -> Vec<usize> {
    let max = usage.iter().fold(0.0_f64, |m, &u| m.max(u.floor())) as usize;
    (1..=max).map(|k| usage.iter().filter(|&&u| u >= k as f64).count()).collect()
}

/// Single type, single rate: the largest k with Σ_t min(1, (u(t) − k + 1)^+) · p > T·r, which
/// for whole instances is k* = max{k : N_k/T > r/p} (0 if none; indifferent at equality, so the
/// smaller count is kept).
pub fn newsvendor_count(usage: &[f64], on_demand: f64, reserved: f64) -> u32 {
    let values = unit_values(usage.iter().map(|&u| vec![(on_demand, u)]), 1.0);
    let threshold = amount(usage.len() as f64, reserved);
    best_count(&values, threshold)
}

/// Argmin over k of k·threshold − Σ_{j≤k} values[j-1]; the smallest k on ties. With values
/// non-increasing (they are: the greedy fill is concave) this is the newsvendor count.
fn best_count(values: &[f64], threshold: f64) -> u32 {
    let (mut best, mut best_k) = (0.0, 0usize);
    let mut saved = Sum::new();
    for (k, &v) in values.iter().enumerate() {
        saved.add(v - threshold);
        if saved.value() > best {
            best = saved.value();
            best_k = k + 1;
        }
    }
    best_k as u32
}

/// Per hour, a list of (on-demand $ per normalized unit, normalized units) segments in the
/// order reserved capacity fills them; returns the value each successive `step`-sized unit of
/// capacity covers, summed over hours.
fn unit_values(hours: impl Iterator<Item = Vec<(f64, f64)>>, step: f64) -> Vec<f64> {
    let mut values: Vec<Sum> = Vec::new();
    for segments in hours {
        let mut pos = 0.0_f64;
        for (rate, len) in segments {
            if len <= 0.0 {
                continue;
            }
            let (a, b) = (pos, pos + len);
            let mut j = (a / step).floor() as usize;
            while (j as f64) * step < b {
                let lo = a.max(j as f64 * step);
                let hi = b.min((j + 1) as f64 * step);
                if hi > lo {
                    if values.len() <= j {
                        values.resize(j + 1, Sum::new());
                    }
                    values[j].add(amount(hi - lo, rate));
                }
                j += 1;
            }
            pos = b;
        }
    }
    values.iter().map(Sum::value).collect()
}

/// The member of `group` to buy for `term`: lowest reservation $/NU, then smallest ratio,
/// then index. `None` if no member has a reservation offer for the term.
pub fn reservation_sku(history: &UsageHistory, group: usize, term: Term) -> Option<usize> {
    let types = history.types();
    history.groups()[group].members.iter().copied().filter(|&i| types[i].reservation.get(term).is_some()).min_by(
        |&a, &b| {
            let per_unit = |i: usize| types[i].reservation.get(term).unwrap_or(f64::INFINITY) / types[i].ratio;
            per_unit(a).total_cmp(&per_unit(b)).then(types[a].ratio.total_cmp(&types[b].ratio)).then(a.cmp(&b))
        },
    )
}

/// Optimal count of `sku` reservations for its group, given no other commitment.
pub fn optimize_group(history: &UsageHistory, group: usize, sku: usize, term: Term) -> ReservationChoice {
    let types = history.types();
    let g = &history.groups()[group];
    let step = types[sku].ratio;
    let hours = history.hours().iter().map(|h| {
        g.reservation_order
            .iter()
            .map(|&i| (types[i].on_demand / types[i].ratio, h.regular[i] * types[i].ratio))
            .collect()
    });
    let marginal_value = unit_values(hours, step);
    let rate = types[sku].reservation.get(term).unwrap_or(f64::INFINITY);
    let threshold = amount(history.len() as f64, rate);
    let count = best_count(&marginal_value, threshold);
    ReservationChoice {
        group,
        group_name: g.name.clone(),
        sku,
        count,
        term,
        unit_capacity: step,
        marginal_value,
        threshold,
    }
}

/// Newsvendor count for every group that has a reservation offer for `term` (groups are
/// independent when only reservations are bought). Groups with count 0 are still listed.
pub fn optimize_reservations(history: &UsageHistory, term: Term) -> Vec<ReservationChoice> {
    (0..history.groups().len())
        .filter_map(|g| reservation_sku(history, g, term).map(|sku| optimize_group(history, g, sku, term)))
        .collect()
}

/// The reservations of `choices` with a positive count, as a purchase.
pub fn reservations_purchase(choices: &[ReservationChoice]) -> Purchase {
    Purchase {
        reservations: choices.iter().filter(|c| c.count > 0).map(ReservationChoice::purchase).collect(),
        savings_plans: Vec::new(),
    }
}

/// The 2013 "light utilization" reservation (FINOPS.md §1.2, Wang et al. ICAC'13): an upfront fee
/// plus a reduced rate for each hour the unit is *used*, so it pays off by usage hours, not by
/// utilization of a billed-every-hour unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PayPerUseReservation {
    pub upfront: f64,
    /// Reserved $ per used hour (α·p).
    pub used_hourly: f64,
    pub on_demand: f64,
}

impl PayPerUseReservation {
    /// α = reserved hourly / on-demand hourly.
    pub fn alpha(&self) -> f64 {
        self.used_hourly / self.on_demand
    }

    /// β = R / ((1 − α)·p): used hours over the term above which one unit pays off.
    pub fn break_even_hours(&self) -> f64 {
        self.upfront / (self.on_demand - self.used_hourly)
    }

    /// 2 − α: the best deterministic online (no-forecast) competitive ratio.
    pub fn deterministic_competitive_ratio(&self) -> f64 {
        2.0 - self.alpha()
    }

    /// e / (e − 1 + α): the best randomised online competitive ratio.
    pub fn randomized_competitive_ratio(&self) -> f64 {
        let e = std::f64::consts::E;
        e / (e - 1.0 + self.alpha())
    }

    /// Offline optimum by level decomposition over one term of hourly usage: reserve the k-th
    /// unit iff N_k > β.
    pub fn optimal_count(&self, usage: &[f64]) -> u32 {
        let beta = self.break_even_hours();
        level_counts(usage).iter().take_while(|&&n| n as f64 > beta).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::usage::InstanceType;

    #[test]
    fn partial_hours_count_by_their_fraction() {
        // u = 1.5 for 2 h: unit 1 covers 2 h, unit 2 covers 2 × 0.5 h.
        assert_eq!(unit_values([vec![(1.0, 1.5)], vec![(1.0, 1.5)]].into_iter(), 1.0), vec![2.0, 1.0]);
        // r/p = 0.6 over 2 h: threshold 1.2, so one unit.
        assert_eq!(newsvendor_count(&[1.5, 1.5], 1.0, 0.6), 1);
        assert_eq!(newsvendor_count(&[1.5, 1.5], 1.0, 0.4), 2);
    }

    #[test]
    fn flexible_group_counts_in_normalized_units_of_the_cheapest_size() {
        // One large (ratio 4) all the time, one small (ratio 1) half the time; buy smalls.
        let types = vec![
            InstanceType::new("large", "m", 4.0, 0.4).with_reservation(Term::OneYear, 0.24),
            InstanceType::new("small", "m", 1.0, 0.1).with_reservation(Term::OneYear, 0.06),
        ];
        let h = UsageHistory::from_regular(types, vec![vec![1.0, 1.0], vec![1.0, 0.0]]).unwrap();
        let c = optimize_reservations(&h, Term::OneYear);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].sku, 1, "same $/NU: the finer step");
        assert_eq!(c[0].count, 4, "the 5th NU is used half the time, below r/p = 0.6");
        assert_eq!(c[0].marginal_value.len(), 5);
    }
}
