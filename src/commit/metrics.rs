//! FinOps metrics of a purchase over a usage history (FINOPS.md §3.3, §5), and the same
//! purchase re-priced on another history for downside risk.
//!
//! Everything is derived from one [`price`] run against the no-purchase baseline, so the
//! identities the vendors state (net savings = on-demand value covered − commitment cost;
//! total = benefit + overage) hold by construction and are checked in the tests.

use serde::{Deserialize, Serialize};

use super::apply::{Priced, Purchase, price};
use super::usage::{HOURS_PER_MONTH, UsageHistory};
use crate::error::Result;

/// Commitment metrics. Ratios are fractions (0.75 = 75 %); `None` where the denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CommitmentMetrics {
    pub hours: usize,
    /// Cost of the history with nothing bought (regular at on-demand, plus spot).
    pub baseline_cost: f64,
    /// Cost with the purchase.
    pub cost: f64,
    /// Regular (eligible) usage at on-demand prices (Azure `costWithoutBenefit`).
    pub on_demand_equivalent: f64,
    /// Commitment cost, used and unused (Azure `benefitCost`, AWS `TotalAmortizedFee`).
    pub commitment_cost: f64,
    /// On-demand cost of the usage left uncovered (Azure `overageCost`).
    pub on_demand_cost: f64,
    /// Commitment paid for and not used (Azure `wastageCost`, AWS `RICostForUnusedHours` +
    /// `UnusedCommitment`).
    pub unused_commitment_cost: f64,
    /// On-demand value of the usage commitments covered (AWS `OnDemandCostOfRIHoursUsed` + SP).
    pub covered_value: f64,
    /// Used commitment cost / commitment cost.
    pub utilization: Option<f64>,
    /// Reservation normalized-unit hours used / bought (AWS RI `UtilizationPercentage`).
    pub reservation_utilization: Option<f64>,
    /// Plan dollars used / committed (AWS SP `UsedCommitment / TotalCommitment`).
    pub savings_plan_utilization: Option<f64>,
    /// Covered value / on-demand equivalent (eligible usage, cost-weighted).
    pub coverage: Option<f64>,
    /// Unused commitment cost / commitment cost (FinOps "commitment discount waste").
    pub waste: Option<f64>,
    /// baseline − cost (= covered value − commitment cost; Azure `savingsAmount`).
    pub net_savings: f64,
    /// Net savings / on-demand equivalent: (on-demand − effective) / on-demand over all eligible
    /// spend, so it penalises both waste and low coverage.
    pub effective_savings_rate: Option<f64>,
    /// Net savings / commitment cost (AWS SP purchase analysis ROI).
    pub roi: Option<f64>,
    /// Months until the upfront payment is earned back; `None` if never.
    pub break_even_months: Option<f64>,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Metrics from an already priced purchase and the baseline cost of the same history.
///
/// `upfront_fraction` (0 = no upfront, 1 = all upfront) of each commitment's whole-term cost is
/// paid on day one; break-even = upfront / (monthly covered value − monthly recurring fee), with
/// monthly figures averaged over the history at 730 h/month. No upfront ⇒ 0 months if it saves.
pub fn metrics_from(
    history: &UsageHistory,
    purchase: &Purchase,
    priced: &Priced,
    baseline_cost: f64,
    upfront_fraction: f64,
) -> CommitmentMetrics {
    let t = &priced.total;
    let commitment_cost = t.commitment();
    let used = t.reservation_used + t.savings_plan_used;
    let cost = priced.total_cost();
    let net_savings = baseline_cost - cost;
    let upfront: f64 = crate::commit::money::Sum::of(
        purchase
            .reservations
            .iter()
            .map(|p| {
                let rate = history.types()[p.sku].reservation.get(p.term).unwrap_or(f64::NAN);
                f64::from(p.count) * rate * p.term.hours()
            })
            .chain(purchase.savings_plans.iter().map(|p| p.hourly_commitment * p.term.hours())),
    ) * upfront_fraction;
    let months = history.len() as f64 / HOURS_PER_MONTH;
    let break_even_months = if months > 0.0 {
        let monthly_gain = (priced.reservation_covered_value + priced.savings_plan_covered_value) / months
            - (1.0 - upfront_fraction) * commitment_cost / months;
        if monthly_gain > 0.0 { Some(upfront / monthly_gain) } else { None }
    } else {
        None
    };
    CommitmentMetrics {
        hours: history.len(),
        baseline_cost,
        cost,
        on_demand_equivalent: priced.on_demand_equivalent,
        commitment_cost,
        on_demand_cost: t.on_demand,
        unused_commitment_cost: t.unused(),
        covered_value: priced.reservation_covered_value + priced.savings_plan_covered_value,
        utilization: ratio(used, commitment_cost),
        reservation_utilization: ratio(priced.reserved_units_used, priced.reserved_units),
        savings_plan_utilization: ratio(t.savings_plan_used, priced.savings_plan_committed),
        coverage: ratio(
            priced.reservation_covered_value + priced.savings_plan_covered_value,
            priced.on_demand_equivalent,
        ),
        waste: ratio(t.unused(), commitment_cost),
        net_savings,
        effective_savings_rate: ratio(net_savings, priced.on_demand_equivalent),
        roi: ratio(net_savings, commitment_cost),
        break_even_months,
    }
}

/// Prices `purchase` and the baseline on `history` and derives the metrics.
pub fn evaluate(history: &UsageHistory, purchase: &Purchase, upfront_fraction: f64) -> Result<CommitmentMetrics> {
    let priced = price(history, purchase)?;
    let baseline = price(history, &Purchase::none())?.total_cost();
    Ok(metrics_from(history, purchase, &priced, baseline, upfront_fraction))
}

/// The purchase on its planning history and on a stressed one (e.g. traffic −30 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DownsideRisk {
    pub planned: CommitmentMetrics,
    pub stressed: CommitmentMetrics,
    /// stressed net savings − planned net savings (negative: money lost if the stress happens).
    pub net_savings_change: f64,
}

/// Re-prices `purchase` on `stressed` (same catalog) to show what a forecast miss costs.
pub fn downside(
    planned: &UsageHistory,
    stressed: &UsageHistory,
    purchase: &Purchase,
    upfront_fraction: f64,
) -> Result<DownsideRisk> {
    let p = evaluate(planned, purchase, upfront_fraction)?;
    let s = evaluate(stressed, purchase, upfront_fraction)?;
    Ok(DownsideRisk { planned: p, stressed: s, net_savings_change: s.net_savings - p.net_savings })
}

/// Azure's savings-benefit summary (BenefitRecommendations API, FINOPS.md §1.6 T5), built from
/// its three inputs so the identities hold by construction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenefitSummary {
    pub cost_without_benefit: f64,
    pub benefit_cost: f64,
    pub overage_cost: f64,
    /// benefit + overage.
    pub total_cost: f64,
    /// cost without benefit − total.
    pub savings_amount: f64,
    /// savings / cost without benefit (a fraction).
    pub savings_percentage: f64,
}

impl BenefitSummary {
    pub fn new(cost_without_benefit: f64, benefit_cost: f64, overage_cost: f64) -> Self {
        let total_cost = benefit_cost + overage_cost;
        let savings_amount = cost_without_benefit - total_cost;
        BenefitSummary {
            cost_without_benefit,
            benefit_cost,
            overage_cost,
            total_cost,
            savings_amount,
            savings_percentage: savings_amount / cost_without_benefit,
        }
    }

    /// The summary of our own pricing of a purchase (spot excluded: it is not eligible).
    pub fn from_metrics(m: &CommitmentMetrics) -> Self {
        BenefitSummary::new(m.on_demand_equivalent, m.commitment_cost, m.on_demand_cost)
    }
}
