//! The input schema: capsim Scenario files and the real Kubernetes manifests they import.
//! Parsing and validation happen here; everything downstream receives validated, typed values.

pub mod autoscaling;
pub mod deployment;
pub mod distribution;
pub mod scenario;
pub mod units;
pub mod yaml;

pub use deployment::{Deployment, Manifests, Resources, load_manifests};
pub use scenario::{
    CaNodePool, ClusterAutoscalerSetup, CommitmentKind, ExistingCommitment, Fidelity, KarpenterSetup, NodeAutoscaling,
    NodeGroup, Overrides, Scenario, ScenarioCatalog, Scoring, Slo, SpikeEvent, SpotSettings, Workload, karpenter_pod,
    load_scenario, load_scenario_from_str, load_scenario_with,
};
