//! What the controller sees at one sync: the scale subresource, the pod lister and the three
//! metrics APIs. Kept as separate lists, like upstream, so metric samples for pods the lister
//! no longer returns (or pods without samples) are representable.

/// A resource name. The two every pod has are variants, so looking one up in a
/// [`ResourceList`] (per container per sync) compares no strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceName {
    Cpu,
    Memory,
    Other(String),
}

impl ResourceName {
    pub fn new(name: &str) -> Self {
        match name {
            "cpu" => Self::Cpu,
            "memory" => Self::Memory,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Other(name) => name,
        }
    }
}

/// Milli-unit amounts keyed by resource name, with a map's semantics (one amount per name;
/// kept in name order, so equal lists compare equal). A container lists one or two.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceList {
    entries: Vec<(ResourceName, i64)>,
}

impl ResourceList {
    pub fn new(amounts: &[(&str, i64)]) -> Self {
        let mut list = Self::default();
        for (name, v) in amounts {
            list.insert(ResourceName::new(name), *v);
        }
        list
    }

    /// Inserts or overwrites.
    pub fn insert(&mut self, name: ResourceName, value: i64) {
        match self.entries.binary_search_by(|(n, _)| n.as_str().cmp(name.as_str())) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (name, value)),
        }
    }

    pub fn get(&self, name: &ResourceName) -> Option<i64> {
        self.entries.iter().find(|(n, _)| n == name).map(|e| e.1)
    }

    pub fn get_mut(&mut self, name: &ResourceName) -> Option<&mut i64> {
        self.entries.iter_mut().find(|(n, _)| n == name).map(|e| &mut e.1)
    }

    pub fn remove(&mut self, name: &ResourceName) -> Option<i64> {
        let i = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(i).1)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

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
    pub requests: ResourceList,
    /// A restartable init container (sidecar): its requests count like a regular container's.
    pub restartable_init: bool,
}

impl ContainerInfo {
    pub fn new(name: &str, requests: &[(&str, i64)]) -> Self {
        Self { name: name.to_string(), requests: ResourceList::new(requests), restartable_init: false }
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
    pub usage: ResourceList,
}

impl ContainerUsage {
    pub fn new(name: &str, usage: &[(&str, i64)]) -> Self {
        Self { name: name.to_string(), usage: ResourceList::new(usage) }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_list_behaves_like_a_map() {
        let mut l = ResourceList::new(&[("memory", 2), ("cpu", 1), ("nvidia.com/gpu", 3), ("cpu", 4)]);
        assert_eq!(l.get(&ResourceName::Cpu), Some(4));
        assert_eq!(l.get(&ResourceName::new("nvidia.com/gpu")), Some(3));
        assert_eq!(l, ResourceList::new(&[("nvidia.com/gpu", 3), ("cpu", 4), ("memory", 2)]));
        *l.get_mut(&ResourceName::Memory).unwrap() = 5;
        assert_eq!(l.remove(&ResourceName::Memory), Some(5));
        assert_eq!(l.get(&ResourceName::Memory), None);
        assert_eq!(l.get(&ResourceName::new("ephemeral-storage")), None);
    }
}
