//! What the controller sees at one sync: the scale subresource, the pod lister and the three
//! metrics APIs. Kept as separate lists, like upstream, so metric samples for pods the lister
//! no longer returns (or pods without samples) are representable.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodPhase {
    Pending,
    #[default]
    Running,
    Succeeded,
    Failed,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerInfo {
    pub name: String,
    /// Requests in milli-units keyed by resource name (`cpu`, `memory`).
    pub requests: BTreeMap<String, i64>,
    /// A restartable init container (sidecar): its requests count like a regular container's.
    pub restartable_init: bool,
}

impl ContainerInfo {
    pub fn new(name: &str, requests: &[(&str, i64)]) -> Self {
        Self {
            name: name.to_string(),
            requests: requests.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            restartable_init: false,
        }
    }
}

/// A pod as the lister returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodInfo {
    pub name: String,
    pub phase: PodPhase,
    /// `deletionTimestamp` is set.
    pub deleting: bool,
    /// The Ready condition: `None` when the pod has no Ready condition yet.
    pub ready: Option<bool>,
    /// `lastTransitionTime` of the Ready condition.
    pub ready_transition_ms: u64,
    /// `status.startTime`; `None` before the kubelet accepted the pod.
    pub start_ms: Option<u64>,
    pub containers: Vec<ContainerInfo>,
}

impl PodInfo {
    /// A running, ready pod started at time 0.
    pub fn running(name: &str, containers: Vec<ContainerInfo>) -> Self {
        Self {
            name: name.to_string(),
            phase: PodPhase::Running,
            deleting: false,
            ready: Some(true),
            ready_transition_ms: 0,
            start_ms: Some(0),
            containers,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerUsage {
    pub name: String,
    pub usage: BTreeMap<String, i64>,
}

impl ContainerUsage {
    pub fn new(name: &str, usage: &[(&str, i64)]) -> Self {
        Self { name: name.to_string(), usage: usage.iter().map(|(k, v)| (k.to_string(), *v)).collect() }
    }
}

/// One metrics-server `PodMetrics` item (resource usage per container).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodResourceMetrics {
    pub pod: String,
    pub timestamp_ms: u64,
    pub window_ms: u64,
    pub containers: Vec<ContainerUsage>,
}

/// One custom-metrics API value for a pod (`Pods` metric source), milli-units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodMetricValue {
    pub metric: String,
    pub pod: String,
    pub value_milli: i64,
}

/// One custom-metrics API value for a described object (`Object` metric source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMetricValue {
    pub metric: String,
    /// Name of the described object; empty matches any.
    pub object: String,
    pub value_milli: i64,
}

/// One external-metrics API series value; several with the same name are summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalMetricValue {
    pub metric: String,
    pub value_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    /// `scale.spec.replicas`: the "current replicas" of every upstream formula.
    pub spec_replicas: i32,
    /// `scale.status.replicas`: only the per-pod Object/External formulas divide by it.
    pub status_replicas: i32,
    pub pods: Vec<PodInfo>,
    /// Identifies `pods` and the pods and containers of `resource_metrics` (which pods, which
    /// containers, which resources each lists): a controller given the same `Some` version as
    /// at its last sync reuses what it derived from them, so only usage values, timestamps
    /// and windows may differ. `None` promises nothing.
    pub pods_version: Option<u64>,
    pub resource_metrics: Vec<PodResourceMetrics>,
    pub pod_metrics: Vec<PodMetricValue>,
    pub object_metrics: Vec<ObjectMetricValue>,
    pub external_metrics: Vec<ExternalMetricValue>,
}
