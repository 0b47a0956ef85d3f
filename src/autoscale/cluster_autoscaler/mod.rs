//! Cluster Autoscaler (kubernetes/autoscaler) decisions for node groups of one fixed VM size,
//! as on AKS node pools, as a pure library: no I/O, integer millisecond time, ordered
//! iteration, randomness only from a caller-seeded RNG.
//!
//! Submodules, one job each:
//! * [`types`]: node groups, nodes, pods, effective requests;
//! * [`config`]: upstream flag defaults and the AKS profile;
//! * [`estimator`]: binpacking estimator (how many new nodes);
//! * [`expander`]: least-waste, most-pods, least-nodes, random, priority, price, chained;
//! * [`scale_up`]: the per-loop scale-up decision;
//! * [`utilization`]: node utilization as scale-down computes it;
//! * [`scale_down`]: unneeded tracking, cooldowns, min sizes and deletion budgets;
//! * [`backoff`]: per-group exponential backoff and provisioning timeouts.
//!
//! Upstream facts are ported (behaviour, constants, test tables), not code; the conformance
//! tests in `tests/conformance_cluster_autoscaler.rs` cite the upstream test each case comes from.

pub mod backoff;
pub mod config;
pub mod estimator;
pub mod expander;
pub mod scale_down;
pub mod scale_up;
pub mod types;
pub mod utilization;

pub use backoff::{Backoff, ScaleUpRequest, expire_scale_ups};
pub use config::{AutoscalerConfig, ExpanderKind};
pub use estimator::{Estimate, estimate, fits_template};
pub use expander::{
    Choice, ExpanderContext, ExpansionOption, LinearPricing, PreferredNode, PricingModel, PriorityConfig, choose,
};
pub use scale_down::{NodeToDelete, ScaleDownInput, ScaleDownPlan, ScaleDownState, Unremovable, plan_scale_down};
pub use scale_up::{GroupSkip, ScaleUp, ScaleUpInput, ScaleUpOutcome, scale_up};
pub use types::{
    Allocatable, InitContainer, Node, NodeGroup, Pod, PodKind, Requests, TopologyKey, TopologySpread,
    effective_requests,
};
pub use utilization::{Resource, UtilizationInfo, calculate as node_utilization};

#[cfg(test)]
mod tests;
