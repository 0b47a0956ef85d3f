//! Hourly usage by instance type, with each type's flexibility group, ratio and prices.
//!
//! Commitments are sized from an hourly history (the look-back window projected onto the term,
//! FINOPS.md §1.1), so the model is a dense table: one row per hour, one column per type.
//! Vectors, not maps, so every loop runs in the same order on every run.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Hours in a (non-leap) year: a 1-year term and the amortisation period of its upfront fee.
pub const HOURS_PER_YEAR: f64 = 8760.0;
/// Hours in a billing month as AWS and Azure count them (8760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Commitment term. Rates differ by term, so every purchase names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Term {
    OneYear,
    ThreeYear,
}

impl Term {
    pub fn hours(self) -> f64 {
        match self {
            Term::OneYear => HOURS_PER_YEAR,
            Term::ThreeYear => 3.0 * HOURS_PER_YEAR,
        }
    }

    /// Providers apply 3-year commitments before 1-year ones (Azure SP docs, FINOPS.md §1.4).
    pub(crate) fn application_rank(self) -> u8 {
        match self {
            Term::ThreeYear => 0,
            Term::OneYear => 1,
        }
    }
}

/// A rate per term, `None` where the offer does not exist for that type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TermRates {
    pub one_year: Option<f64>,
    pub three_year: Option<f64>,
}

impl TermRates {
    pub fn new(one_year: Option<f64>, three_year: Option<f64>) -> Self {
        TermRates { one_year, three_year }
    }

    /// Only a 1-year offer.
    pub fn one_year(rate: f64) -> Self {
        TermRates { one_year: Some(rate), three_year: None }
    }

    pub fn get(&self, term: Term) -> Option<f64> {
        match term {
            Term::OneYear => self.one_year,
            Term::ThreeYear => self.three_year,
        }
    }
}

/// One instance type (SKU in one region, one OS) and its prices, all in $ per instance-hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceType {
    pub name: String,
    /// Size-flexibility group (Azure ISF group, AWS family in a region). A reservation bought for
    /// any member covers every member, by ratio (FINOPS.md §1.3).
    pub group: String,
    /// Normalized units per instance (Azure ISF ratio, AWS normalized units: large = 4).
    pub ratio: f64,
    /// Pay-as-you-go $/h.
    pub on_demand: f64,
    /// Reservation effective $/h per instance: upfront / term hours + recurring $/h.
    pub reservation: TermRates,
    /// Savings-plan $/h per instance; `None` where the type is not plan-eligible.
    pub savings_plan: TermRates,
    /// Spot $/h. Spot usage is never covered by a commitment.
    pub spot: Option<f64>,
}

impl InstanceType {
    /// A type with only an on-demand price; add offers with the `with_*` builders.
    pub fn new(name: impl Into<String>, group: impl Into<String>, ratio: f64, on_demand: f64) -> Self {
        InstanceType {
            name: name.into(),
            group: group.into(),
            ratio,
            on_demand,
            reservation: TermRates::default(),
            savings_plan: TermRates::default(),
            spot: None,
        }
    }

    pub fn with_reservation(mut self, term: Term, rate: f64) -> Self {
        match term {
            Term::OneYear => self.reservation.one_year = Some(rate),
            Term::ThreeYear => self.reservation.three_year = Some(rate),
        }
        self
    }

    pub fn with_savings_plan(mut self, term: Term, rate: f64) -> Self {
        match term {
            Term::OneYear => self.savings_plan.one_year = Some(rate),
            Term::ThreeYear => self.savings_plan.three_year = Some(rate),
        }
        self
    }

    pub fn with_spot(mut self, rate: f64) -> Self {
        self.spot = Some(rate);
        self
    }

    /// Savings-plan discount vs on-demand, `1 − s/p`: plans cover the highest discount first.
    pub fn savings_plan_discount(&self, term: Term) -> Option<f64> {
        self.savings_plan.get(term).map(|s| 1.0 - s / self.on_demand)
    }
}

/// Usage in one hour, indexed like [`UsageHistory::types`]: instance-hours (fractional for
/// partial hours) on regular (commitment-eligible) capacity and on spot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourUsage {
    pub regular: Vec<f64>,
    pub spot: Vec<f64>,
}

impl HourUsage {
    /// Regular usage only, no spot.
    pub fn regular(regular: Vec<f64>) -> Self {
        let spot = vec![0.0; regular.len()];
        HourUsage { regular, spot }
    }
}

/// A flexibility group and its members (indices into the type table), in first-seen order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub members: Vec<usize>,
    /// Members in the order a reservation's capacity covers them each hour: highest on-demand
    /// $ per normalized unit first (the allocation that saves the most, which makes the saving
    /// concave in capacity and the newsvendor rule exact), then smaller ratio, then index.
    /// With prices proportional to ratio (Azure ISF) every order costs the same.
    pub reservation_order: Vec<usize>,
}

/// A validated hourly usage history over a type catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageHistory {
    types: Vec<InstanceType>,
    hours: Vec<HourUsage>,
    groups: Vec<Group>,
    group_of: Vec<usize>,
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn check_rate(rate: Option<f64>, field: &str, i: usize) -> Result<()> {
    match rate {
        Some(r) if !positive(r) => Err(Error::new(format!("rate {r} is not a positive number"))
            .at_field(format!("types[{i}].{field}"))
            .fix("give a positive $/h or leave the offer out")),
        _ => Ok(()),
    }
}

impl UsageHistory {
    /// Validates prices (positive, finite), ratios (positive) and usage (non-negative, one
    /// column per type; spot usage needs a spot price).
    pub fn new(types: Vec<InstanceType>, hours: Vec<HourUsage>) -> Result<Self> {
        for (i, ty) in types.iter().enumerate() {
            if !positive(ty.ratio) {
                return Err(Error::new(format!("ratio {} is not positive", ty.ratio))
                    .at_field(format!("types[{i}].ratio"))
                    .fix("use the normalized-unit ratio of the size, e.g. 1 for the smallest"));
            }
            check_rate(Some(ty.on_demand), "on_demand", i)?;
            for term in [Term::OneYear, Term::ThreeYear] {
                check_rate(ty.reservation.get(term), "reservation", i)?;
                check_rate(ty.savings_plan.get(term), "savings_plan", i)?;
            }
            check_rate(ty.spot, "spot", i)?;
        }
        for (t, h) in hours.iter().enumerate() {
            if h.regular.len() != types.len() || h.spot.len() != types.len() {
                return Err(Error::new(format!(
                    "hour has {} regular and {} spot columns for {} types",
                    h.regular.len(),
                    h.spot.len(),
                    types.len()
                ))
                .at_field(format!("hours[{t}]"))
                .fix("give one value per instance type"));
            }
            for (i, (&q, &s)) in h.regular.iter().zip(&h.spot).enumerate() {
                if !(q.is_finite() && q >= 0.0 && s.is_finite() && s >= 0.0) {
                    return Err(Error::new(format!("usage ({q}, spot {s}) is not a non-negative number"))
                        .at_field(format!("hours[{t}][{i}]")));
                }
                if s > 0.0 && types[i].spot.is_none() {
                    return Err(Error::new(format!("spot usage of `{}` without a spot price", types[i].name))
                        .at_field(format!("hours[{t}][{i}]"))
                        .fix("set the type's spot $/h"));
                }
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of = Vec::with_capacity(types.len());
        for (i, ty) in types.iter().enumerate() {
            let g = match groups.iter().position(|g| g.name == ty.group) {
                Some(g) => g,
                None => {
                    groups.push(Group { name: ty.group.clone(), members: Vec::new(), reservation_order: Vec::new() });
                    groups.len() - 1
                }
            };
            groups[g].members.push(i);
            group_of.push(g);
        }
        for g in &mut groups {
            let mut order = g.members.clone();
            order.sort_by(|&a, &b| {
                let (ta, tb) = (&types[a], &types[b]);
                (tb.on_demand / tb.ratio)
                    .total_cmp(&(ta.on_demand / ta.ratio))
                    .then(ta.ratio.total_cmp(&tb.ratio))
                    .then(a.cmp(&b))
            });
            g.reservation_order = order;
        }
        Ok(UsageHistory { types, hours, groups, group_of })
    }

    /// Regular usage only: `counts[t][i]` instance-hours of type `i` in hour `t`.
    pub fn from_regular(types: Vec<InstanceType>, counts: Vec<Vec<f64>>) -> Result<Self> {
        UsageHistory::new(types, counts.into_iter().map(HourUsage::regular).collect())
    }

    pub fn types(&self) -> &[InstanceType] {
        &self.types
    }

    pub fn hours(&self) -> &[HourUsage] {
        &self.hours
    }

    pub fn len(&self) -> usize {
        self.hours.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hours.is_empty()
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Index into [`UsageHistory::groups`] of type `i`'s group.
    pub fn group_of(&self, i: usize) -> usize {
        self.group_of[i]
    }

    /// Group usage in normalized units in hour `t`: U_g(t) = Σ_i ratio_i · n_i(t) (FINOPS.md §1.3).
    pub fn normalized_units(&self, group: usize, t: usize) -> f64 {
        let h = &self.hours[t];
        crate::commit::money::Sum::of(self.groups[group].members.iter().map(|&i| self.types[i].ratio * h.regular[i]))
    }

    /// The same catalog with every usage value multiplied by `factor` (e.g. 0.7 for traffic
    /// −30 %), to re-price a purchase on a downside scenario.
    pub fn scaled(&self, factor: f64) -> Result<Self> {
        let hours = self
            .hours
            .iter()
            .map(|h| HourUsage {
                regular: h.regular.iter().map(|q| q * factor).collect(),
                spot: h.spot.iter().map(|q| q * factor).collect(),
            })
            .collect();
        UsageHistory::new(self.types.clone(), hours)
    }
}
