//! Plain data the scheduler works on: nodes, pods, their requests, taints, tolerations and node
//! selectors. Kept independent of the rest of capsim so the scheduler can be tested against
//! upstream tables with upstream units (milli-CPU, bytes).

use std::collections::BTreeMap;

/// Upstream `framework.MaxNodeScore`: every normalised plugin score lies in `0..=100`.
pub const MAX_NODE_SCORE: i64 = 100;
/// Upstream `framework.MinNodeScore`.
pub const MIN_NODE_SCORE: i64 = 0;
/// Upstream `schedutil.DefaultMilliCPURequest`: CPU counted for a container without a CPU request
/// when *scoring* (never when filtering), so best-effort pods still spread.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// Upstream `schedutil.DefaultMemoryRequest` (200 MiB), the memory twin of the above.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Resource names as upstream spells them; anything else is an extended (scalar) resource.
pub const CPU: &str = "cpu";
pub const MEMORY: &str = "memory";

/// A resource vector in upstream units: milli-CPU, bytes, a pod count, and extended resources
/// (e.g. `nvidia.com/gpu`) by name. On a node, `pods` is the allowed pod count; in requests it is 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub pods: i64,
    pub extended: BTreeMap<String, i64>,
}

impl Resources {
    /// CPU, memory and allowed pods, no extended resources.
    pub fn new(milli_cpu: i64, memory: i64, pods: i64) -> Self {
        Resources { milli_cpu, memory, pods, extended: BTreeMap::new() }
    }

    /// Adds (or replaces) one extended resource.
    pub fn with_extended(mut self, name: &str, quantity: i64) -> Self {
        self.extended.insert(name.to_string(), quantity);
        self
    }

    /// The quantity of a resource by its upstream name (`cpu` in milli-units).
    pub fn get(&self, name: &str) -> i64 {
        match name {
            CPU => self.milli_cpu,
            MEMORY => self.memory,
            "pods" => self.pods,
            _ => self.extended.get(name).copied().unwrap_or(0),
        }
    }

    fn add_assign(&mut self, other: &Resources) {
        self.milli_cpu += other.milli_cpu;
        self.memory += other.memory;
        for (k, v) in &other.extended {
            *self.extended.entry(k.clone()).or_insert(0) += v;
        }
    }

    fn sub_assign(&mut self, other: &Resources) {
        self.milli_cpu -= other.milli_cpu;
        self.memory -= other.memory;
        for (k, v) in &other.extended {
            *self.extended.entry(k.clone()).or_insert(0) -= v;
        }
    }

    /// Per-dimension maximum (init containers run one at a time, so they count by max, not sum).
    fn max_assign(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.max(other.milli_cpu);
        self.memory = self.memory.max(other.memory);
        for (k, v) in &other.extended {
            let e = self.extended.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }
}

/// One container's requests. `None` means "not set", which matters: scoring substitutes the
/// non-zero defaults only for a *missing* CPU/memory request, never for an explicit `0`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerRequests {
    pub milli_cpu: Option<i64>,
    pub memory: Option<i64>,
    pub extended: BTreeMap<String, i64>,
}

impl ContainerRequests {
    /// A container requesting both CPU and memory.
    pub fn new(milli_cpu: i64, memory: i64) -> Self {
        ContainerRequests { milli_cpu: Some(milli_cpu), memory: Some(memory), extended: BTreeMap::new() }
    }

    /// A container without any request (best effort).
    pub fn empty() -> Self {
        ContainerRequests::default()
    }

    /// Adds (or replaces) one extended-resource request.
    pub fn with_extended(mut self, name: &str, quantity: i64) -> Self {
        self.extended.insert(name.to_string(), quantity);
        self
    }

    /// Requests as a vector; missing values count as 0 (filter semantics).
    pub fn as_resources(&self) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu.unwrap_or(0),
            memory: self.memory.unwrap_or(0),
            pods: 0,
            extended: self.extended.clone(),
        }
    }

    /// Requests with upstream's non-zero defaults for a missing CPU or memory request.
    pub fn as_non_zero_resources(&self) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu.unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
            memory: self.memory.unwrap_or(DEFAULT_MEMORY_REQUEST),
            pods: 0,
            extended: self.extended.clone(),
        }
    }
}

/// Taint effects. `PreferNoSchedule` only lowers a node's score; the others filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

impl Taint {
    pub fn new(key: &str, value: &str, effect: TaintEffect) -> Self {
        Taint { key: key.to_string(), value: value.to_string(), effect }
    }
}

/// Toleration operators; upstream's default (empty) operator is `Equal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TolerationOperator {
    #[default]
    Equal,
    Exists,
}

/// A pod toleration. An empty `key` with `Exists` tolerates every taint; `effect: None` matches
/// every effect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Toleration {
    pub key: String,
    pub operator: TolerationOperator,
    pub value: String,
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    /// `key=value:effect` with operator `Equal`.
    pub fn equal(key: &str, value: &str, effect: Option<TaintEffect>) -> Self {
        Toleration { key: key.to_string(), operator: TolerationOperator::Equal, value: value.to_string(), effect }
    }

    /// `key:effect` with operator `Exists`.
    pub fn exists(key: &str, effect: Option<TaintEffect>) -> Self {
        Toleration { key: key.to_string(), operator: TolerationOperator::Exists, value: String::new(), effect }
    }

    /// Upstream `Toleration.ToleratesTaint`.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(e) = self.effect
            && e != taint.effect
        {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Equal => self.value == taint.value,
            TolerationOperator::Exists => true,
        }
    }
}

/// Node-selector operators (`matchExpressions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

/// One requirement: `key <op> values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    pub values: Vec<String>,
}

impl NodeSelectorRequirement {
    pub fn new(key: &str, operator: NodeSelectorOperator, values: &[&str]) -> Self {
        NodeSelectorRequirement {
            key: key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }
}

/// A node-selector term: all expressions (and fields) must hold. Only the `metadata.name` field is
/// supported in `match_fields`, as upstream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<NodeSelectorRequirement>,
    pub match_fields: Vec<NodeSelectorRequirement>,
}

impl NodeSelectorTerm {
    pub fn expressions(match_expressions: Vec<NodeSelectorRequirement>) -> Self {
        NodeSelectorTerm { match_expressions, match_fields: Vec::new() }
    }
}

/// `requiredDuringSchedulingIgnoredDuringExecution`: terms are ORed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeSelector {
    pub terms: Vec<NodeSelectorTerm>,
}

/// One `preferredDuringSchedulingIgnoredDuringExecution` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredSchedulingTerm {
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

/// Whether a pending pod may evict lower-priority pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreemptionPolicy {
    #[default]
    PreemptLowerPriority,
    Never,
}

/// A pod as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub containers: Vec<ContainerRequests>,
    /// Non-restartable init containers: they run one after another before the app containers.
    pub init_containers: Vec<ContainerRequests>,
    /// RuntimeClass pod overhead, added on top of the requests.
    pub overhead: Option<ContainerRequests>,
    pub priority: i32,
    pub preemption_policy: PreemptionPolicy,
    pub node_selector: BTreeMap<String, String>,
    pub required_affinity: Option<NodeSelector>,
    pub preferred_affinity: Vec<PreferredSchedulingTerm>,
    pub tolerations: Vec<Toleration>,
    /// Start time in any monotonic unit (capsim uses simulated nanoseconds); earlier = older.
    /// Preemption uses it to break ties (keep older pods, prefer evicting newer ones).
    pub start_time: i64,
}

impl PodInfo {
    /// A pod with no containers at all (upstream `st.MakePod().Obj()`): it requests nothing, not
    /// even the scoring defaults.
    pub fn new(name: &str) -> Self {
        PodInfo { name: name.to_string(), ..Default::default() }
    }

    /// Appends a container requesting `milli_cpu` and `memory`.
    pub fn req(mut self, milli_cpu: i64, memory: i64) -> Self {
        self.containers.push(ContainerRequests::new(milli_cpu, memory));
        self
    }

    /// Appends an arbitrary container.
    pub fn container(mut self, c: ContainerRequests) -> Self {
        self.containers.push(c);
        self
    }

    /// Appends an init container.
    pub fn init_container(mut self, c: ContainerRequests) -> Self {
        self.init_containers.push(c);
        self
    }

    pub fn priority(mut self, p: i32) -> Self {
        self.priority = p;
        self
    }

    pub fn start_time(mut self, t: i64) -> Self {
        self.start_time = t;
        self
    }

    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.labels.insert(k.to_string(), v.to_string());
        self
    }

    pub fn toleration(mut self, t: Toleration) -> Self {
        self.tolerations.push(t);
        self
    }

    /// The pod's effective request as the Fit *filter* sees it (upstream `resource.PodRequests`):
    /// `max(Σ containers, max(init containers)) + overhead`, missing values as 0.
    pub fn requests(&self) -> Resources {
        self.aggregate(ContainerRequests::as_resources)
    }

    /// The pod's request as *scoring* sees it: same aggregation, but a container with no CPU
    /// (memory) request counts as 100m (200 MiB).
    pub fn non_zero_requests(&self) -> Resources {
        self.aggregate(ContainerRequests::as_non_zero_resources)
    }

    fn aggregate(&self, per_container: fn(&ContainerRequests) -> Resources) -> Resources {
        let mut sum = Resources::default();
        for c in &self.containers {
            sum.add_assign(&per_container(c));
        }
        for c in &self.init_containers {
            sum.max_assign(&per_container(c));
        }
        if let Some(o) = &self.overhead {
            sum.add_assign(&o.as_resources());
        }
        sum
    }
}

/// A node with the pods bound to it. `requested` and `non_zero_requested` are kept in step with
/// `pods` by [`NodeInfo::add_pod`] / [`NodeInfo::remove_pod`], like upstream's NodeInfo cache.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    pub allocatable: Resources,
    pods: Vec<PodInfo>,
    requested: Resources,
    non_zero_requested: Resources,
}

impl NodeInfo {
    pub fn new(name: &str, allocatable: Resources) -> Self {
        NodeInfo { name: name.to_string(), allocatable, ..Default::default() }
    }

    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.labels.insert(k.to_string(), v.to_string());
        self
    }

    pub fn taint(mut self, t: Taint) -> Self {
        self.taints.push(t);
        self
    }

    /// Builder form of [`NodeInfo::add_pod`].
    pub fn with_pod(mut self, pod: PodInfo) -> Self {
        self.add_pod(pod);
        self
    }

    /// Binds a pod to this node (no checks: the caller has filtered).
    pub fn add_pod(&mut self, pod: PodInfo) {
        self.requested.add_assign(&pod.requests());
        self.non_zero_requested.add_assign(&pod.non_zero_requests());
        self.pods.push(pod);
    }

    /// Removes the first pod with this name; returns it if found.
    pub fn remove_pod(&mut self, name: &str) -> Option<PodInfo> {
        let i = self.pods.iter().position(|p| p.name == name)?;
        let pod = self.pods.remove(i);
        self.requested.sub_assign(&pod.requests());
        self.non_zero_requested.sub_assign(&pod.non_zero_requests());
        Some(pod)
    }

    /// Pods bound to the node, in binding order.
    pub fn pods(&self) -> &[PodInfo] {
        &self.pods
    }

    /// Σ of the pods' filter requests.
    pub fn requested(&self) -> &Resources {
        &self.requested
    }

    /// Σ of the pods' scoring requests (non-zero defaults applied to CPU and memory).
    pub fn non_zero_requested(&self) -> &Resources {
        &self.non_zero_requested
    }
}

/// A PodDisruptionBudget reduced to what preemption needs: a `matchLabels` selector and the
/// number of disruptions currently allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodDisruptionBudget {
    pub match_labels: BTreeMap<String, String>,
    pub disruptions_allowed: i32,
}

impl PodDisruptionBudget {
    /// Upstream: an empty selector matches nothing; a pod without labels matches no PDB.
    pub fn matches(&self, pod: &PodInfo) -> bool {
        !self.match_labels.is_empty() && self.match_labels.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
    }
}
