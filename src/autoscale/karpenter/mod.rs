//! Karpenter (kubernetes-sigs/karpenter, `karpenter.sh/v1`) decisions as a pure library: NodePool
//! parsing/validation, label-requirement algebra, the provisioner's scheduling simulation, launch
//! choice, disruption (emptiness, single/multi-node consolidation, budgets, expiration, validation)
//! and pod batching. No I/O beyond parsing a YAML string; time is integer ms; iteration is ordered.
//!
//! Submodules, one job each:
//! * [`nodepool`]: spec types, YAML, defaults, validation;
//! * [`requirements`]: In/NotIn/Exists/DoesNotExist/Gt/Lt with minValues;
//! * [`labels`]: well-known label keys (core, AWS, Azure);
//! * [`instance_types`]: instance types, offerings, price ordering, minValues;
//! * [`scheduling`]: the scheduling simulation;
//! * [`launch`]: capacity type and offering choice, truncation;
//! * [`disruption`]: candidates, budgets (+cron), emptiness, consolidation, validation, expiration;
//! * [`batcher`]: 1 s idle / 10 s max batching.
//!
//! Upstream facts are ported (behaviour, constants, test tables), never code; the conformance
//! tests in `tests/conformance_karpenter.rs` cite the upstream test each case comes from.

pub mod batcher;
pub mod disruption;
pub mod instance_types;
pub mod labels;
pub mod launch;
pub mod nodepool;
pub mod requirements;
pub mod scheduling;

pub use batcher::{BATCH_IDLE_MS, BATCH_MAX_MS, Batch, batches};
pub use disruption::{
    Budget, ClusterNode, Command, DisruptionInput, Method, Reason, Validation, disrupt, expired, validate,
};
pub use instance_types::{CapacityType, InstanceType, Offering, Resources, order_by_price, satisfies_min_values};
pub use launch::{LaunchDecision, choose_launch, truncate};
pub use nodepool::{ConsolidationPolicy, Limits, NodePool, Taint, TaintEffect, Toleration, Warning};
pub use requirements::{Operator, Requirement, Requirements};
pub use scheduling::{
    Claim, ExistingNode, NewNodeClaim, Pod, PoolUsage, SchedulingInput, SchedulingResult, Solution, Templates,
    order_by_weight, schedule, schedule_with, solve,
};

#[cfg(test)]
mod tests;
