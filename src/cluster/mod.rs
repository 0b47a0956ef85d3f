//! Nodes and pod placement. Pods are placed by the kube-scheduler library (`scheduler`):
//! filter plugins (resources, node selector and affinity, taints) then scoring
//! (LeastAllocated by default, or MostAllocated for bin-packing).

pub mod allocatable;
pub mod scheduler;

use std::collections::BTreeMap;

use scheduler::{
    ContainerRequests, NodeInfo, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PodInfo, Profile, ScheduleError, ScoringStrategy, Taint, TaintEffect, Toleration, TolerationOperator,
};

use crate::model::deployment::Placement;
use crate::model::{Deployment, NodeGroup, Resources, Scoring};

/// What reports need to know about a node beyond the scheduler's view.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeMeta {
    pub pool: String,
    pub instance_type: String,
    pub capacity_type: String,
}

/// The nodes: the scheduler's views (`infos`, passed to it without copying) and, at the same
/// index, their metadata.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub infos: Vec<NodeInfo>,
    pub meta: Vec<NodeMeta>,
    profile: Profile,
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

impl Cluster {
    /// Expands node groups into named nodes (`<pool>-<n>`), in declaration order, labelled with
    /// the well-known labels a real node carries.
    pub fn from_groups(groups: &[NodeGroup], scoring: Scoring) -> Self {
        let (mut infos, mut meta) = (Vec::new(), Vec::new());
        for g in groups {
            let instance_type = g.instance_type.clone().unwrap_or_else(|| "unspecified".into());
            for i in 0..g.count {
                let name = format!("{}-{i}", g.pool);
                let allocatable = scheduler::Resources::new(
                    milli(g.allocatable.cpu),
                    g.allocatable.memory.round() as i64,
                    g.max_pods as i64,
                );
                let mut info = NodeInfo::new(&name, allocatable)
                    .label("kubernetes.io/hostname", &name)
                    .label("kubernetes.io/os", "linux")
                    .label("kubernetes.azure.com/agentpool", &g.pool)
                    .label("agentpool", &g.pool)
                    .label("node.kubernetes.io/instance-type", &instance_type);
                for (k, v) in &g.labels {
                    info = info.label(k, v);
                }
                for (k, v, e) in &g.taints {
                    info = info.taint(Taint::new(k, v, effect(e)));
                }
                infos.push(info);
                meta.push(NodeMeta {
                    pool: g.pool.clone(),
                    instance_type: instance_type.clone(),
                    capacity_type: "on-demand".into(),
                });
            }
        }
        let mut profile = Profile::default();
        profile.fit.strategy = match scoring {
            Scoring::LeastAllocated => ScoringStrategy::LeastAllocated,
            Scoring::MostAllocated => ScoringStrategy::MostAllocated,
        };
        Cluster { infos, meta, profile }
    }

    /// Schedules `pod`: filter, score, bind. Returns the node index, or the scheduler's
    /// message for why it fits nowhere (`0/5 nodes are available: …`).
    pub fn bind(&mut self, pod: PodInfo) -> Result<usize, String> {
        match scheduler::schedule(&pod, &self.infos, &self.profile) {
            Ok(p) => {
                self.infos[p.node_index].add_pod(pod);
                Ok(p.node_index)
            }
            Err(ScheduleError::Unschedulable(e)) => Err(e.to_string()),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    /// Every node's life so far; nodes still alive end at `end_ms`.
    pub fn lives(&self, end_ms: crate::engine::Millis) -> Vec<crate::sim::NodeLife> {
        self.infos
            .iter()
            .zip(&self.meta)
            .map(|(info, m)| crate::sim::NodeLife {
                name: info.name.clone(),
                pool: m.pool.clone(),
                instance_type: m.instance_type.clone(),
                capacity_type: m.capacity_type.clone(),
                zone: None,
                launched_ms: 0,
                ended_ms: end_ms,
            })
            .collect()
    }

    /// Frees what pod `name` held on node `i` (when it is gone).
    pub fn release(&mut self, i: usize, name: &str) {
        self.infos[i].remove_pod(name);
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

/// The scheduler's view of one pod of `d`, named `name`.
pub fn pod_info(d: &Deployment, name: &str) -> PodInfo {
    let mut pod = PodInfo::new(name);
    pod.containers = d
        .containers
        .iter()
        .map(|(_, r): &(String, Resources)| ContainerRequests::new(milli(r.cpu), r.memory.round() as i64))
        .collect();
    pod.labels = d.labels.clone();
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

    fn pod(name: &str, placement: Placement) -> PodInfo {
        let mut p = PodInfo::new(name).req(1000, 1_000_000_000);
        apply_placement(&mut p, &placement);
        p
    }

    #[test]
    fn least_allocated_spreads_and_most_allocated_packs() {
        let mut spread = Cluster::from_groups(&[group("p", 2, vec![])], Scoring::LeastAllocated);
        assert_eq!(spread.bind(pod("a", Placement::default())), Ok(0));
        assert_eq!(spread.bind(pod("b", Placement::default())), Ok(1));
        let mut pack = Cluster::from_groups(&[group("p", 2, vec![])], Scoring::MostAllocated);
        assert_eq!(pack.bind(pod("a", Placement::default())), Ok(0));
        assert_eq!(pack.bind(pod("b", Placement::default())), Ok(0));
        let err = pack.bind(pod("c", Placement::default())).and_then(|_| pack.bind(pod("d", Placement::default())));
        assert_eq!(err, Ok(1));
        assert!(pack.bind(pod("e", Placement::default())).unwrap_err().contains("Insufficient cpu"));
        pack.release(0, "a");
        assert_eq!(pack.bind(pod("f", Placement::default())), Ok(0));
    }

    #[test]
    fn taints_keep_pods_off_unless_tolerated() {
        let taint = vec![("CriticalAddonsOnly".to_string(), "true".to_string(), "NoSchedule".to_string())];
        let mut c = Cluster::from_groups(&[group("system", 1, taint)], Scoring::LeastAllocated);
        let msg = c.bind(pod("a", Placement::default())).unwrap_err();
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
        assert_eq!(c.bind(pod("b", tolerate)), Ok(0));
    }

    #[test]
    fn node_selector_picks_the_pool() {
        let mut c =
            Cluster::from_groups(&[group("general", 1, vec![]), group("spot", 1, vec![])], Scoring::LeastAllocated);
        let on_spot =
            Placement { node_selector: [("agentpool".to_string(), "spot".to_string())].into(), ..Placement::default() };
        assert_eq!(c.bind(pod("a", on_spot.clone())), Ok(1));
        assert_eq!(c.bind(pod("b", on_spot)), Ok(1));
        assert_eq!(
            c.sample().iter().map(|g| (g.pool.as_str(), g.pods)).collect::<Vec<_>>(),
            vec![("general", 0), ("spot", 2)]
        );
    }
}
