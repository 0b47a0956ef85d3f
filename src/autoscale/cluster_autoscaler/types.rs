//! The objects Cluster Autoscaler reasons about: node groups (fixed VM size, e.g. an AKS VMSS
//! node pool), their template node, nodes with their pods, and pending pods.
//!
//! Units are integers as in Kubernetes quantities: CPU in millicores, memory in bytes.

use std::collections::BTreeMap;

use crate::engine::Millis;

/// Requested (or allocatable) CPU and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Requests {
    pub milli_cpu: u64,
    /// Bytes.
    pub memory: u64,
}

impl Requests {
    pub const fn new(milli_cpu: u64, memory: u64) -> Self {
        Requests { milli_cpu, memory }
    }

    pub fn saturating_add(self, o: Requests) -> Requests {
        Requests { milli_cpu: self.milli_cpu.saturating_add(o.milli_cpu), memory: self.memory.saturating_add(o.memory) }
    }

    fn max(self, o: Requests) -> Requests {
        Requests { milli_cpu: self.milli_cpu.max(o.milli_cpu), memory: self.memory.max(o.memory) }
    }
}

/// What a node offers to the scheduler: CPU, memory and the pod-count limit (`pods` resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allocatable {
    pub milli_cpu: u64,
    /// Bytes.
    pub memory: u64,
    /// Maximum pods per node (AKS default 30 for kubenet/Azure CNI legacy, 250 for overlay).
    pub pods: u32,
}

impl Allocatable {
    pub const fn new(milli_cpu: u64, memory: u64, pods: u32) -> Self {
        Allocatable { milli_cpu, memory, pods }
    }

    /// CPU and memory as [`Requests`] (for arithmetic with pod requests).
    pub fn requests(&self) -> Requests {
        Requests::new(self.milli_cpu, self.memory)
    }
}

/// One init container. Restartable ones (`restartPolicy: Always`) are sidecars: they keep
/// running, so their requests add to the regular containers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InitContainer {
    pub requests: Requests,
    pub restart_always: bool,
}

/// Effective pod requests per the sidecar KEP (753) formula used by the scheduler and by CA's
/// utilization: `max(Σ containers + Σ sidecars, max_i(init_i + Σ sidecars started before i))`,
/// taken per resource. Lets callers build a [`Pod`] from a container list.
pub fn effective_requests(containers: &[Requests], init_containers: &[InitContainer]) -> Requests {
    let mut sidecars = Requests::default();
    let mut init_peak = Requests::default();
    for ic in init_containers {
        if ic.restart_always {
            sidecars = sidecars.saturating_add(ic.requests);
            init_peak = init_peak.max(sidecars);
        } else {
            init_peak = init_peak.max(ic.requests.saturating_add(sidecars));
        }
    }
    let running = containers.iter().fold(sidecars, |acc, c| acc.saturating_add(*c));
    running.max(init_peak)
}

/// Which controller owns a pod, as far as CA cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodKind {
    /// Deployment/ReplicaSet/StatefulSet/Job pod: can be moved during scale-down.
    #[default]
    Replicated,
    /// DaemonSet pod: runs on every node, never rescheduled; optionally excluded from utilization.
    DaemonSet,
    /// Static (mirror) pod: bound to the node; optionally excluded from utilization.
    Mirror,
}

/// Topology domain used by a spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TopologyKey {
    /// `kubernetes.io/hostname`: each node is a domain.
    Hostname,
    /// `topology.kubernetes.io/zone`: all nodes of one zone form a domain.
    Zone,
}

/// A `DoNotSchedule` topology spread constraint whose selector matches pods with the same `app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologySpread {
    pub key: TopologyKey,
    pub max_skew: u32,
    /// Fewest matching pods in any eligible domain outside the new nodes being simulated
    /// (`Some(0)` when another node/zone with no matching pod exists, `None` when none exists).
    /// Needed because kube-scheduler measures skew against the emptiest domain.
    pub existing_domain_min: Option<u32>,
}

/// A pod, pending or running. Only scheduling-relevant fields are modelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub name: String,
    /// Effective requests (see [`effective_requests`]).
    pub requests: Requests,
    /// `spec.priority`; pods below `expendable_pods_priority_cutoff` never trigger scale-up.
    pub priority: i32,
    pub kind: PodKind,
    /// The `app` label, used to count pods for topology spread.
    pub app: Option<String>,
    /// Host ports: two pods using the same port cannot share a node.
    pub host_ports: Vec<u16>,
    pub spread: Option<TopologySpread>,
    /// When the pod was created (for `new-pod-scale-up-delay`).
    pub created_at: Millis,
    /// Deletion timestamp and grace period (ms) when the pod is terminating.
    pub deletion: Option<(Millis, Millis)>,
    /// Something blocks eviction (PDB with no budget, local storage, no controller,
    /// `safe-to-evict: false`, kube-system without PDB): the node cannot be drained.
    pub blocks_scale_down: bool,
    /// Node groups (by id) whose nodes pass the pod's non-resource scheduler predicates
    /// (taints, node selector, affinity), evaluated by the caller against each group's template
    /// labels and taints; `None` = every group. CA runs the scheduler's filters on template
    /// nodes; this library checks resources itself and takes the rest as this list.
    pub allowed_groups: Option<Vec<String>>,
}

impl Pod {
    /// Whether the pod may run on a node of `group_id` (predicates other than resources).
    pub fn allowed_on(&self, group_id: &str) -> bool {
        self.allowed_groups.as_ref().is_none_or(|g| g.iter().any(|x| x == group_id))
    }

    /// A replicated pod with the given requests, priority 0, created at time 0.
    pub fn new(name: impl Into<String>, milli_cpu: u64, memory: u64) -> Self {
        Pod {
            name: name.into(),
            requests: Requests::new(milli_cpu, memory),
            priority: 0,
            kind: PodKind::Replicated,
            app: None,
            host_ports: Vec::new(),
            spread: None,
            created_at: 0,
            deletion: None,
            blocks_scale_down: false,
            allowed_groups: None,
        }
    }

    pub fn with_kind(mut self, kind: PodKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub fn with_app(mut self, app: impl Into<String>) -> Self {
        self.app = Some(app.into());
        self
    }

    pub fn with_host_port(mut self, port: u16) -> Self {
        self.host_ports.push(port);
        self
    }

    pub fn with_spread(mut self, spread: TopologySpread) -> Self {
        self.spread = Some(spread);
        self
    }

    pub fn created_at(mut self, t: Millis) -> Self {
        self.created_at = t;
        self
    }

    /// Marks the pod terminating since `at` with the given grace period.
    pub fn deleted_at(mut self, at: Millis, grace: Millis) -> Self {
        self.deletion = Some((at, grace));
        self
    }

    pub fn blocking(mut self) -> Self {
        self.blocks_scale_down = true;
        self
    }

    /// Terminating for longer than its grace period plus 30 s: CA treats it as gone
    /// (`drain.IsPodLongTerminating`).
    pub fn is_long_terminating(&self, now: Millis) -> bool {
        match self.deletion {
            Some((at, grace)) => at + grace + POD_LONG_TERMINATING_EXTRA < now,
            None => false,
        }
    }
}

/// `PodLongTerminatingExtraThreshold` upstream.
pub const POD_LONG_TERMINATING_EXTRA: Millis = 30_000;

/// A node group: VMs of one size that scale together (AKS node pool / VMSS, AWS ASG).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    pub id: String,
    /// VM size, e.g. `Standard_D4s_v5`.
    pub instance_type: String,
    /// Allocatable of a new node (capacity minus kube/system reserved and eviction threshold).
    pub allocatable: Allocatable,
    /// Raw VM capacity; the least-waste expander uses capacity, not allocatable.
    pub capacity: Allocatable,
    pub min_size: u32,
    pub max_size: u32,
    /// Current target size (requested VM count, registered or not).
    pub target_size: u32,
    /// Price per node-hour; `None` when unknown (price expander skips the group).
    pub price_per_hour: Option<f64>,
    pub spot: bool,
    /// Node labels of the template (informational; the priority expander matches on `id`).
    pub labels: BTreeMap<String, String>,
    /// Zone of new nodes (for zonal topology spread).
    pub zone: String,
    /// False for a node group that would be auto-provisioned (price expander penalty ×2).
    pub exists: bool,
    /// GPU nodes get a fixed, very high unfitness in the price expander.
    pub has_gpu: bool,
    /// Σ requests of the DaemonSet pods every new node runs (part of the template node, so
    /// binpacking sees less room than allocatable).
    pub daemonset_requests: Requests,
    /// Number of those DaemonSet pods (they count against `allocatable.pods`).
    pub daemonset_pods: u32,
}

impl NodeGroup {
    /// A group with capacity = allocatable, no price, existing, on-demand, zone `""`.
    pub fn new(
        id: impl Into<String>,
        allocatable: Allocatable,
        min_size: u32,
        max_size: u32,
        target_size: u32,
    ) -> Self {
        let id = id.into();
        NodeGroup {
            instance_type: id.clone(),
            id,
            allocatable,
            capacity: allocatable,
            min_size,
            max_size,
            target_size,
            price_per_hour: None,
            spot: false,
            labels: BTreeMap::new(),
            zone: String::new(),
            exists: true,
            has_gpu: false,
            daemonset_requests: Requests::default(),
            daemonset_pods: 0,
        }
    }

    pub fn with_price(mut self, price: f64) -> Self {
        self.price_per_hour = Some(price);
        self
    }

    pub fn with_capacity(mut self, capacity: Allocatable) -> Self {
        self.capacity = capacity;
        self
    }

    pub fn with_zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = zone.into();
        self
    }

    pub fn with_daemonsets(mut self, requests: Requests, pods: u32) -> Self {
        self.daemonset_requests = requests;
        self.daemonset_pods = pods;
        self
    }

    pub fn with_instance_type(mut self, t: impl Into<String>) -> Self {
        self.instance_type = t.into();
        self
    }
}

/// A registered node with the pods bound to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub group_id: String,
    pub allocatable: Allocatable,
    pub zone: String,
    pub ready: bool,
    pub pods: Vec<Pod>,
    /// `cluster-autoscaler.kubernetes.io/scale-down-disabled: "true"`.
    pub scale_down_disabled: bool,
    /// Deletion already in progress (tainted `ToBeDeletedByClusterAutoscaler`).
    pub being_deleted: bool,
}

impl Node {
    pub fn new(name: impl Into<String>, group_id: impl Into<String>, allocatable: Allocatable) -> Self {
        Node {
            name: name.into(),
            group_id: group_id.into(),
            allocatable,
            zone: String::new(),
            ready: true,
            pods: Vec::new(),
            scale_down_disabled: false,
            being_deleted: false,
        }
    }

    pub fn with_pods(mut self, pods: Vec<Pod>) -> Self {
        self.pods = pods;
        self
    }

    /// Σ requests of the pods the scheduler counts (long-terminating pods excluded).
    pub fn requested(&self, now: Millis) -> Requests {
        self.pods
            .iter()
            .filter(|p| !p.is_long_terminating(now))
            .fold(Requests::default(), |acc, p| acc.saturating_add(p.requests))
    }
}

/// Finds a group by id (groups are few; a linear scan keeps iteration order explicit).
pub fn group_by_id<'a>(groups: &'a [NodeGroup], id: &str) -> Option<&'a NodeGroup> {
    groups.iter().find(|g| g.id == id)
}
