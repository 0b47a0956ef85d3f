//! Commitments: reservations and savings plans applied to hourly usage, and the optimizer that
//! sizes them (FINOPS.md §1, §3.3, §5).
//!
//! * [`usage`]: hourly usage by type, with flexibility groups, ratios and prices.
//! * [`apply`]: pricing an hour with purchases (reservations, then plans, then on-demand).
//! * [`reservation`]: newsvendor counts per flexibility group; the pay-per-use variant.
//! * [`savings_plan`]: the exact optimal plan $/h by breakpoints of a convex cost.
//! * [`combined`]: reservations on the stable base, a plan on the residual, then local search.
//! * [`metrics`]: utilization, coverage, ESR, waste, net savings, break-even, ROI, downside.
//!
//! Library only: no I/O, deterministic (vectors, fixed orders, no map iteration), money computed
//! in [`money`].

pub mod apply;
pub mod combined;
pub mod metrics;
pub mod money;
pub mod reservation;
pub mod savings_plan;
pub mod usage;

pub use apply::{
    Allocation, CommitmentRef, CostBreakdown, HourOutcome, LineCoverage, Priced, Purchase, ReservationPurchase,
    SavingsPlanPurchase, price, price_hour, price_hour_allocated, total_cost,
};
pub use combined::{OptimizerConfig, Recommendation, ReservationLine, optimize};
pub use metrics::{BenefitSummary, CommitmentMetrics, DownsideRisk, downside, evaluate};
pub use reservation::{PayPerUseReservation, ReservationChoice, level_counts, newsvendor_count, optimize_reservations};
pub use savings_plan::{SavingsPlanChoice, breakpoints, cost_curve, optimize_savings_plan};
pub use usage::{Group, HourUsage, InstanceType, Term, TermRates, UsageHistory};
