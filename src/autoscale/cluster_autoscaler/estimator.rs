//! Binpacking estimator: how many new nodes of a group's template the pending pods need.
//!
//! Port of `estimator/binpacking_estimator.go` with the default `DecreasingPodOrderer`:
//! * pods are grouped into equivalence groups (same requests, ports, spread) and the groups
//!   sorted by decreasing score `cpu/nodeCPU + mem/nodeMem` (stable sort here; upstream's
//!   `sort.Slice` leaves ties unspecified);
//! * each pod first tries every node added so far in this estimation (newest first), then the
//!   last added node, then a fresh template node;
//! * a pod that does not fit an *empty* fresh node cannot be helped: binpacking stops;
//! * the node limit (`max-nodes-per-scaleup`, group headroom) stops binpacking early.
//!
//! Returns only nodes that received pods, as upstream (`newNodesWithPods`).

use super::types::{NodeGroup, Pod, Requests, TopologyKey};

/// Result of one estimation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Estimate {
    /// New nodes that received at least one pod.
    pub node_count: u32,
    /// Indices (into the input slice) of the pods placed, in placement order.
    pub scheduled: Vec<usize>,
}

/// A template node added during the estimation.
#[derive(Debug, Clone)]
struct SimNode {
    used: Requests,
    pod_count: u32,
    host_ports: Vec<u16>,
    /// (app, matching pod count) for topology spread.
    apps: Vec<(String, u32)>,
    has_new_pods: bool,
}

impl SimNode {
    fn app_count(&self, app: &str) -> u32 {
        self.apps.iter().find(|(a, _)| a == app).map_or(0, |(_, c)| *c)
    }
}

struct State<'a> {
    group: &'a NodeGroup,
    nodes: Vec<SimNode>,
}

impl State<'_> {
    fn fits(&self, pod: &Pod, idx: usize) -> bool {
        let node = &self.nodes[idx];
        let alloc = &self.group.allocatable;
        let used = node.used.saturating_add(pod.requests);
        if used.milli_cpu > alloc.milli_cpu || used.memory > alloc.memory || node.pod_count + 1 > alloc.pods {
            return false;
        }
        if pod.host_ports.iter().any(|p| node.host_ports.contains(p)) {
            return false;
        }
        if let (Some(spread), Some(app)) = (&pod.spread, &pod.app) {
            let (count, mut min) = match spread.key {
                TopologyKey::Hostname => {
                    let min = self.nodes.iter().map(|n| n.app_count(app)).min().unwrap_or(0);
                    (node.app_count(app), min)
                }
                TopologyKey::Zone => {
                    // All template nodes share the group's zone: one domain.
                    let c: u32 = self.nodes.iter().map(|n| n.app_count(app)).sum();
                    (c, c)
                }
            };
            if let Some(other) = spread.existing_domain_min {
                min = min.min(other);
            }
            if count + 1 - min > spread.max_skew {
                return false;
            }
        }
        true
    }

    fn place(&mut self, pod: &Pod, idx: usize) {
        let node = &mut self.nodes[idx];
        node.used = node.used.saturating_add(pod.requests);
        node.pod_count += 1;
        node.host_ports.extend_from_slice(&pod.host_ports);
        if let Some(app) = &pod.app {
            match node.apps.iter_mut().find(|(a, _)| a == app) {
                Some((_, c)) => *c += 1,
                None => node.apps.push((app.clone(), 1)),
            }
        }
        node.has_new_pods = true;
    }

    fn add_node(&mut self) {
        self.nodes.push(SimNode {
            used: self.group.daemonset_requests,
            pod_count: self.group.daemonset_pods,
            host_ports: Vec::new(),
            apps: Vec::new(),
            has_new_pods: false,
        });
    }
}

/// Pods CA treats as interchangeable for ordering and packing.
fn same_equivalence(a: &Pod, b: &Pod) -> bool {
    a.requests == b.requests && a.host_ports == b.host_ports && a.app == b.app && a.spread == b.spread
}

/// Equivalence groups (indices) in first-appearance order.
pub fn equivalence_groups(pods: &[Pod]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, p) in pods.iter().enumerate() {
        match groups.iter_mut().find(|g| same_equivalence(&pods[g[0]], p)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// `DecreasingPodOrderer` score: bigger pods go first.
pub fn pod_score(pod: &Pod, group: &NodeGroup) -> f64 {
    let mut score = 0.0;
    if group.allocatable.milli_cpu > 0 {
        score += pod.requests.milli_cpu as f64 / group.allocatable.milli_cpu as f64;
    }
    if group.allocatable.memory > 0 {
        score += pod.requests.memory as f64 / group.allocatable.memory as f64;
    }
    score
}

/// Estimates the new nodes of `group` needed for `pods`; `node_limit` caps how many nodes
/// binpacking may add (`None` = unlimited).
pub fn estimate(pods: &[Pod], group: &NodeGroup, node_limit: Option<u32>) -> Estimate {
    let mut groups = equivalence_groups(pods);
    // Stable sort by decreasing score of each group's exemplar.
    groups.sort_by(|a, b| pod_score(&pods[b[0]], group).total_cmp(&pod_score(&pods[a[0]], group)));

    let mut st = State { group, nodes: Vec::new() };
    let mut scheduled = Vec::new();
    let mut added: u32 = 0;

    for eq in &groups {
        // 1. Nodes created so far in this estimation (newest first).
        let mut next = 0;
        while next < eq.len() {
            let pod = &pods[eq[next]];
            let Some(idx) = (0..st.nodes.len()).rev().find(|&i| st.fits(pod, i)) else { break };
            st.place(pod, idx);
            scheduled.push(eq[next]);
            next += 1;
        }
        // 2. The last node, else a new one.
        for &pi in &eq[next..] {
            let pod = &pods[pi];
            let last = st.nodes.len().checked_sub(1);
            if let Some(l) = last
                && st.fits(pod, l)
            {
                st.place(pod, l);
                scheduled.push(pi);
                continue;
            }
            if let Some(l) = last
                && !st.nodes[l].has_new_pods
            {
                break; // it did not fit an empty node: no new node will help
            }
            if node_limit.is_some_and(|lim| added >= lim) {
                break;
            }
            st.add_node();
            added += 1;
            let l = st.nodes.len() - 1;
            if !st.fits(pod, l) {
                break;
            }
            st.place(pod, l);
            scheduled.push(pi);
        }
    }

    let node_count = st.nodes.iter().filter(|n| n.has_new_pods).count() as u32;
    Estimate { node_count, scheduled }
}

/// Whether `pod` fits an empty template node of `group` on its own (the scale-up predicate
/// check that decides which pods a group can help at all).
pub fn fits_template(pod: &Pod, group: &NodeGroup) -> bool {
    if !pod.allowed_on(&group.id) {
        return false;
    }
    let mut st = State { group, nodes: Vec::new() };
    st.add_node();
    st.fits(pod, 0)
}
