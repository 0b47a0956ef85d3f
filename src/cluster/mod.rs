//! Nodes and pod placement. Pods are placed by the kube-scheduler library (`scheduler`):
//! filter plugins (resources, node selector and affinity, taints) then scoring
//! (LeastAllocated by default, or MostAllocated for bin-packing).

pub mod allocatable;
pub mod scheduler;

use std::collections::BTreeMap;

pub use scheduler::NodeInfo;
use scheduler::{
    ContainerRequests, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodInfo, Profile,
    ScheduleError, ScoringStrategy, Taint, TaintEffect, Toleration, TolerationOperator,
};

use crate::engine::Millis;
use crate::model::deployment::Placement;
use crate::model::{Deployment, NodeGroup, Resources, Scoring};

/// A node's identity for the whole run (indices shift as nodes come and go; ids never do).
pub type NodeId = u64;

/// What the simulation knows about a node beyond the scheduler's view.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeMeta {
    pub id: NodeId,
    pub pool: String,
    pub instance_type: String,
    pub capacity_type: String,
    pub zone: Option<String>,
    /// The cloud was asked for the VM (billing starts).
    pub launched_ms: Millis,
    /// Ready and initialized; `None` while the VM boots.
    pub ready_at: Option<Millis>,
    /// The NodePool that owns it, for nodes a node autoscaler manages.
    pub managed_by: Option<String>,
    /// Last pod bound to or removed from it (Karpenter's consolidateAfter clock).
    pub last_pod_event_ms: Millis,
    /// Being drained and deleted: no new pods, not a disruption candidate.
    pub deleting: bool,
    /// The offering's price, USD per hour.
    pub price: f64,
}

/// The nodes: the scheduler's views (`infos`, passed to it without copying) and, at the same
/// index, their metadata. Nodes keep creation order, so ids increase with the index.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub infos: Vec<NodeInfo>,
    pub meta: Vec<NodeMeta>,
    profile: Profile,
    next_id: NodeId,
    /// Nodes that are gone, for billing.
    gone: Vec<crate::sim::NodeLife>,
    /// Bumped by every change of nodes or pods, so observers can skip work when nothing moved.
    version: u64,
}

fn effect(name: &str) -> TaintEffect {
    match name {
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        "NoExecute" => TaintEffect::NoExecute,
        _ => TaintEffect::NoSchedule,
    }
}

fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

/// A node to add: its scheduler view and what billing and the autoscalers need.
#[derive(Debug, Clone)]
pub struct NewNode {
    pub info: NodeInfo,
    pub pool: String,
    pub instance_type: String,
    pub capacity_type: String,
    pub zone: Option<String>,
    pub managed_by: Option<String>,
    pub price: f64,
}

impl Cluster {
    /// An empty cluster.
    pub fn new(scoring: Scoring) -> Self {
        let mut profile = Profile::default();
        profile.fit.strategy = match scoring {
            Scoring::LeastAllocated => ScoringStrategy::LeastAllocated,
            Scoring::MostAllocated => ScoringStrategy::MostAllocated,
        };
        Cluster { infos: Vec::new(), meta: Vec::new(), profile, next_id: 0, gone: Vec::new(), version: 0 }
    }

    /// Expands node groups into named, Ready nodes (`<pool>-<n>`), in declaration order,
    /// labelled with the well-known labels a real node carries.
    pub fn from_groups(groups: &[NodeGroup], scoring: Scoring) -> Self {
        let mut c = Cluster::new(scoring);
        for g in groups {
            let instance_type = g.instance_type.clone().unwrap_or_else(|| "unspecified".into());
            for i in 0..g.count {
                let info = group_node_info(g, &format!("{}-{i}", g.pool));
                let id = c.add(
                    NewNode {
                        info,
                        pool: g.pool.clone(),
                        instance_type: instance_type.clone(),
                        capacity_type: "on-demand".into(),
                        zone: None,
                        managed_by: None,
                        price: 0.0,
                    },
                    0,
                );
                c.set_ready(id, 0);
            }
        }
        c
    }

    /// Adds a node that is booting (cordoned until [`Cluster::set_ready`]); returns its id.
    pub fn add(&mut self, node: NewNode, now: Millis) -> NodeId {
        let id = self.next_id;
        self.next_id += 1;
        let mut info = node.info;
        info.unschedulable = true;
        self.infos.push(info);
        self.meta.push(NodeMeta {
            id,
            pool: node.pool,
            instance_type: node.instance_type,
            capacity_type: node.capacity_type,
            zone: node.zone,
            launched_ms: now,
            ready_at: None,
            managed_by: node.managed_by,
            last_pod_event_ms: now,
            deleting: false,
            price: node.price,
        });
        self.version += 1;
        id
    }

    /// The node is Ready: the scheduler may place pods on it.
    pub fn set_ready(&mut self, id: NodeId, now: Millis) {
        if let Some(i) = self.index_of(id) {
            self.infos[i].unschedulable = false;
            self.meta[i].ready_at = Some(now);
            self.meta[i].last_pod_event_ms = now;
            self.version += 1;
        }
    }

    /// Cordons the node for deletion (`karpenter.sh/disrupted`, a drain, an interruption).
    pub fn mark_deleting(&mut self, id: NodeId) {
        if let Some(i) = self.index_of(id) {
            self.infos[i].unschedulable = true;
            self.meta[i].deleting = true;
            self.version += 1;
        }
    }

    /// Removes the node (its pods must be gone) and records its life for billing.
    pub fn remove(&mut self, id: NodeId, now: Millis) {
        if let Some(i) = self.index_of(id) {
            let info = self.infos.remove(i);
            let m = self.meta.remove(i);
            self.gone.push(life(&info, &m, now));
            self.version += 1;
        }
    }

    /// Where node `id` is in `infos`/`meta` (binary search: ids increase with the index).
    pub fn index_of(&self, id: NodeId) -> Option<usize> {
        self.meta.binary_search_by_key(&id, |m| m.id).ok()
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether [`Cluster::bind`] would place `pod` (its name aside) on some node.
    pub fn fits_somewhere(&self, pod: &PodInfo) -> bool {
        scheduler::fits_somewhere(pod, &self.infos, &self.profile)
    }

    /// Schedules `pod`: filter, score, bind. Returns the node, or the scheduler's message for
    /// why it fits nowhere (`0/5 nodes are available: …`).
    pub fn bind(&mut self, pod: PodInfo, now: Millis) -> Result<NodeId, String> {
        match scheduler::schedule(&pod, &self.infos, &self.profile) {
            Ok(p) => {
                self.infos[p.node_index].add_pod(pod);
                self.meta[p.node_index].last_pod_event_ms = now;
                self.version += 1;
                Ok(self.meta[p.node_index].id)
            }
            Err(ScheduleError::Unschedulable(e)) => Err(e.to_string()),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    /// Like [`Cluster::bind`], but when nothing fits the scheduler may pre-empt lower-priority
    /// pods (DefaultPreemption); their names come back and they are already off the node.
    pub fn bind_or_preempt(&mut self, pod: PodInfo, now: Millis) -> Result<(NodeId, Vec<String>), String> {
        match scheduler::schedule_or_preempt(&pod, &self.infos, &[], &self.profile) {
            Ok(scheduler::Decision::Bind(p)) => {
                self.infos[p.node_index].add_pod(pod);
                self.meta[p.node_index].last_pod_event_ms = now;
                self.version += 1;
                Ok((self.meta[p.node_index].id, Vec::new()))
            }
            Ok(scheduler::Decision::Preempt(c)) => {
                let victims: Vec<String> = c.victims.iter().map(|v| v.name.clone()).collect();
                for v in &victims {
                    self.infos[c.node_index].remove_pod(v);
                }
                self.infos[c.node_index].add_pod(pod);
                self.meta[c.node_index].last_pod_event_ms = now;
                self.version += 1;
                Ok((self.meta[c.node_index].id, victims))
            }
            Err(ScheduleError::Unschedulable(e)) => Err(e.to_string()),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    /// Every node's life so far; nodes still alive end at `end_ms`. In launch order.
    pub fn lives(&self, end_ms: Millis) -> Vec<crate::sim::NodeLife> {
        let mut all: Vec<crate::sim::NodeLife> = self.gone.clone();
        all.extend(self.infos.iter().zip(&self.meta).map(|(info, m)| life(info, m, end_ms)));
        all.sort_by_key(|l| l.launched_ms);
        all
    }

    /// Frees what pod `name` held on node `id` (when it is gone).
    pub fn release(&mut self, id: NodeId, name: &str, now: Millis) {
        if let Some(i) = self.index_of(id) {
            self.infos[i].remove_pod(name);
            self.meta[i].last_pod_event_ms = now;
            self.version += 1;
        }
    }

    /// Why `pod` fits on no node right now, in the scheduler's words.
    pub fn why_unschedulable(&self, pod: &PodInfo) -> String {
        match scheduler::schedule(pod, &self.infos, &self.profile) {
            Ok(p) => format!("fits on {}", p.node_name),
            Err(ScheduleError::Unschedulable(e)) => e.to_string(),
            Err(e) => format!("{e:?}"),
        }
    }
}

/// The scheduler's view of a new node `name` of group `g`: its allocatable, the well-known
/// labels a real node carries (AKS's agentpool labels), the group's labels and taints.
pub fn group_node_info(g: &NodeGroup, name: &str) -> NodeInfo {
    let instance_type = g.instance_type.as_deref().unwrap_or("unspecified");
    let allocatable =
        scheduler::Resources::new(milli(g.allocatable.cpu), g.allocatable.memory.round() as i64, g.max_pods as i64);
    let mut info = NodeInfo::new(name, allocatable)
        .label("kubernetes.io/hostname", name)
        .label("kubernetes.io/os", "linux")
        .label("kubernetes.azure.com/agentpool", &g.pool)
        .label("agentpool", &g.pool)
        .label("node.kubernetes.io/instance-type", instance_type);
    for (k, v) in &g.labels {
        info = info.label(k, v);
    }
    for (k, v, e) in &g.taints {
        info = info.taint(Taint::new(k, v, effect(e)));
    }
    info
}

fn life(info: &NodeInfo, m: &NodeMeta, end_ms: Millis) -> crate::sim::NodeLife {
    crate::sim::NodeLife {
        name: info.name.clone(),
        pool: m.pool.clone(),
        instance_type: m.instance_type.clone(),
        capacity_type: m.capacity_type.clone(),
        zone: m.zone.clone(),
        launched_ms: m.launched_ms,
        ended_ms: end_ms,
    }
}

/// The scheduler's view of one pod of `d`, named `name`.
pub fn pod_info(d: &Deployment, name: &str) -> PodInfo {
    let mut pod = PodInfo::new(name);
    pod.containers = d
        .containers
        .iter()
        .map(|(_, r): &(String, Resources)| ContainerRequests::new(milli(r.cpu), r.memory.round() as i64))
        .collect();
    pod.labels = d.labels.clone();
    pod.priority = d.priority;
    apply_placement(&mut pod, &d.placement);
    pod
}

fn apply_placement(pod: &mut PodInfo, p: &Placement) {
    pod.node_selector = p.node_selector.clone();
    pod.tolerations = p
        .tolerations
        .iter()
        .map(|t| Toleration {
            key: t.key.clone(),
            operator: if t.operator.as_deref() == Some("Exists") {
                TolerationOperator::Exists
            } else {
                TolerationOperator::Equal
            },
            value: t.value.clone(),
            effect: t.effect.as_deref().filter(|e| !e.is_empty()).map(effect),
        })
        .collect();
    if !p.required_terms.is_empty() {
        let terms = p
            .required_terms
            .iter()
            .map(|exprs| NodeSelectorTerm {
                match_expressions: exprs
                    .iter()
                    .map(|e| {
                        let op = match e.operator.as_str() {
                            "NotIn" => NodeSelectorOperator::NotIn,
                            "Exists" => NodeSelectorOperator::Exists,
                            "DoesNotExist" => NodeSelectorOperator::DoesNotExist,
                            "Gt" => NodeSelectorOperator::Gt,
                            "Lt" => NodeSelectorOperator::Lt,
                            _ => NodeSelectorOperator::In,
                        };
                        let values: Vec<&str> = e.values.iter().map(String::as_str).collect();
                        NodeSelectorRequirement::new(&e.key, op, &values)
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
        pod.required_affinity = Some(NodeSelector { terms });
    }
}

/// One row of `nodes.csv`: a (pool, instance type, capacity type) group at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroupSample {
    pub pool: String,
    pub instance_type: String,
    pub capacity_type: String,
    pub nodes: u32,
    pub allocatable_cpu: f64,
    pub allocatable_memory: f64,
    pub requested_cpu: f64,
    pub requested_memory: f64,
    pub pods: u32,
}

impl Cluster {
    /// Totals per (pool, instance type, capacity type), in that order.
    pub fn sample(&self) -> Vec<NodeGroupSample> {
        let mut groups: BTreeMap<(String, String, String), NodeGroupSample> = BTreeMap::new();
        for (info, m) in self.infos.iter().zip(&self.meta) {
            let key = (m.pool.clone(), m.instance_type.clone(), m.capacity_type.clone());
            let g = groups.entry(key).or_insert_with(|| NodeGroupSample {
                pool: m.pool.clone(),
                instance_type: m.instance_type.clone(),
                capacity_type: m.capacity_type.clone(),
                nodes: 0,
                allocatable_cpu: 0.0,
                allocatable_memory: 0.0,
                requested_cpu: 0.0,
                requested_memory: 0.0,
                pods: 0,
            });
            g.nodes += 1;
            g.allocatable_cpu += info.allocatable.milli_cpu as f64 / 1000.0;
            g.allocatable_memory += info.allocatable.memory as f64;
            g.requested_cpu += info.requested().milli_cpu as f64 / 1000.0;
            g.requested_memory += info.requested().memory as f64;
            g.pods += info.pods().len() as u32;
        }
        groups.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::deployment::TolerationSpec;

    fn group(pool: &str, count: u32, taints: Vec<(String, String, String)>) -> NodeGroup {
        NodeGroup {
            pool: pool.into(),
            instance_type: Some("Standard_D4s_v5".into()),
            count,
            allocatable: Resources { cpu: 2.0, memory: 4e9 },
            max_pods: 3,
            labels: BTreeMap::new(),
            taints,
            allocatable_note: String::new(),
        }
    }

    impl Cluster {
        fn bind_t(&mut self, pod: PodInfo) -> Result<NodeId, String> {
            self.bind(pod, 0)
        }
    }

    #[test]
    fn nodes_come_and_go_with_stable_ids_and_lives() {
        let mut c = Cluster::from_groups(&[group("p", 2, vec![])], Scoring::LeastAllocated);
        let new = |name: &str| NewNode {
            info: NodeInfo::new(name, scheduler::Resources::new(2000, 4_000_000_000, 3)),
            pool: "k".into(),
            instance_type: "Standard_D2s_v5".into(),
            capacity_type: "spot".into(),
            zone: Some("z-1".into()),
            managed_by: Some("k".into()),
            price: 0.1,
        };
        let booting = c.add(new("k-0"), 5_000);
        assert_eq!(booting, 2);
        // A booting node takes no pods; once Ready it does.
        c.bind_t(pod("a", Placement::default())).unwrap();
        c.bind_t(pod("b", Placement::default())).unwrap();
        c.bind_t(pod("c", Placement::default())).unwrap();
        c.bind_t(pod("d", Placement::default())).unwrap();
        assert!(c.bind_t(pod("e", Placement::default())).is_err());
        c.set_ready(booting, 60_000);
        assert_eq!(c.bind_t(pod("e", Placement::default())), Ok(booting));
        c.remove(0, 100_000);
        assert_eq!(c.index_of(booting), Some(1));
        assert_eq!(c.index_of(0), None);
        c.mark_deleting(booting);
        assert!(c.bind_t(pod("f", Placement::default())).is_err());
        let lives = c.lives(200_000);
        let spans: Vec<(&str, u64, u64)> = lives.iter().map(|l| (l.name.as_str(), l.launched_ms, l.ended_ms)).collect();
        assert_eq!(spans, vec![("p-0", 0, 100_000), ("p-1", 0, 200_000), ("k-0", 5_000, 200_000)]);
        assert_eq!(lives[2].capacity_type, "spot");
    }

    fn pod(name: &str, placement: Placement) -> PodInfo {
        let mut p = PodInfo::new(name).req(1000, 1_000_000_000);
        apply_placement(&mut p, &placement);
        p
    }

    #[test]
    fn least_allocated_spreads_and_most_allocated_packs() {
        let mut spread = Cluster::from_groups(&[group("p", 2, vec![])], Scoring::LeastAllocated);
        assert_eq!(spread.bind_t(pod("a", Placement::default())), Ok(0));
        assert_eq!(spread.bind_t(pod("b", Placement::default())), Ok(1));
        let mut pack = Cluster::from_groups(&[group("p", 2, vec![])], Scoring::MostAllocated);
        assert_eq!(pack.bind_t(pod("a", Placement::default())), Ok(0));
        assert_eq!(pack.bind_t(pod("b", Placement::default())), Ok(0));
        let err = pack.bind_t(pod("c", Placement::default())).and_then(|_| pack.bind_t(pod("d", Placement::default())));
        assert_eq!(err, Ok(1));
        assert!(pack.bind_t(pod("e", Placement::default())).unwrap_err().contains("Insufficient cpu"));
        pack.release(0, "a", 0);
        assert_eq!(pack.bind_t(pod("f", Placement::default())), Ok(0));
    }

    #[test]
    fn taints_keep_pods_off_unless_tolerated() {
        let taint = vec![("CriticalAddonsOnly".to_string(), "true".to_string(), "NoSchedule".to_string())];
        let mut c = Cluster::from_groups(&[group("system", 1, taint)], Scoring::LeastAllocated);
        let msg = c.bind_t(pod("a", Placement::default())).unwrap_err();
        assert!(msg.contains("untolerated taint"), "{msg}");
        let tolerate = Placement {
            tolerations: vec![TolerationSpec {
                key: "CriticalAddonsOnly".into(),
                operator: Some("Exists".into()),
                value: String::new(),
                effect: None,
            }],
            ..Placement::default()
        };
        assert_eq!(c.bind_t(pod("b", tolerate)), Ok(0));
    }

    #[test]
    fn node_selector_picks_the_pool() {
        let mut c =
            Cluster::from_groups(&[group("general", 1, vec![]), group("spot", 1, vec![])], Scoring::LeastAllocated);
        let on_spot =
            Placement { node_selector: [("agentpool".to_string(), "spot".to_string())].into(), ..Placement::default() };
        assert_eq!(c.bind_t(pod("a", on_spot.clone())), Ok(1));
        assert_eq!(c.bind_t(pod("b", on_spot)), Ok(1));
        assert_eq!(
            c.sample().iter().map(|g| (g.pool.as_str(), g.pods)).collect::<Vec<_>>(),
            vec![("general", 0), ("spot", 2)]
        );
    }
}
