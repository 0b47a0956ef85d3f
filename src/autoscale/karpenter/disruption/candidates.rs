//! Disruption candidates and their disruption cost (`pkg/controllers/disruption/types.go`,
//! `pkg/utils/disruption`).

use super::{ClusterNode, DisruptionInput};
use crate::autoscale::karpenter::nodepool::{ConsolidationPolicy, NodePool};
use crate::autoscale::karpenter::requirements::Requirements;
use crate::autoscale::karpenter::scheduling::Pod;

/// A node that may be disrupted.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index into `DisruptionInput::nodes`.
    pub node: usize,
    /// Index into `DisruptionInput::nodepools`.
    pub pool: usize,
    /// Index into `DisruptionInput::instance_types`.
    pub instance_type: usize,
    /// Price of the offering it runs on.
    pub price: f64,
    pub disruption_cost: f64,
    /// `consolidateAfter` has elapsed since initialization / the last pod event.
    pub consolidatable: bool,
}

/// `clamp(1 + deletionCost/2^27 + priority/2^25, −10, 10)`.
pub fn eviction_cost(pod: &Pod) -> f64 {
    let cost = 1.0 + pod.deletion_cost / 2f64.powi(27) + f64::from(pod.priority) / 2f64.powi(25);
    cost.clamp(-10.0, 10.0)
}

/// Fraction of the node's lifetime left, in [0, 1] (1 without expireAfter): nodes close to expiry are cheaper to disrupt.
pub fn lifetime_remaining(node: &ClusterNode, now_ms: u64) -> f64 {
    match node.expire_after_ms {
        Some(total) if total > 0 => {
            let age = now_ms.saturating_sub(node.created_at_ms) as f64;
            ((total as f64 - age) / total as f64).clamp(0.0, 1.0)
        }
        _ => 1.0,
    }
}

/// Σ eviction cost of its pods × lifetime remaining.
pub fn disruption_cost(node: &ClusterNode, now_ms: u64) -> f64 {
    node.pods.iter().map(eviction_cost).sum::<f64>() * lifetime_remaining(node, now_ms)
}

fn consolidatable(np: &NodePool, node: &ClusterNode, now_ms: u64) -> bool {
    let (Some(after), Some(init)) = (np.consolidate_after_ms, node.initialized_at_ms) else { return false };
    now_ms >= init.max(node.last_pod_event_ms).saturating_add(after)
}

/// Managed, initialized, not being deleted, not do-not-disrupt (node or pod), with a known instance
/// type / zone / capacity type whose offering has a price. `underutilized` additionally requires the
/// pool's policy to be WhenEmptyOrUnderutilized. Sorted by disruption cost ascending (ties: name).
pub fn get_candidates(input: &DisruptionInput, underutilized: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (ni, n) in input.nodes.iter().enumerate() {
        let Some(pool_name) = &n.nodepool else { continue };
        let Some(pool) = input.nodepools.iter().position(|p| &p.name == pool_name) else { continue };
        let np = &input.nodepools[pool];
        if n.initialized_at_ms.is_none() || n.marked_for_deletion || n.do_not_disrupt {
            continue;
        }
        if n.pods.iter().any(|p| p.do_not_disrupt) {
            continue;
        }
        if np.consolidate_after_ms.is_none() {
            continue;
        }
        if underutilized && !consolidates_underutilized(np) {
            continue;
        }
        let (Some(it_name), Some(zone), Some(ct)) = (&n.instance_type, &n.zone, n.capacity_type) else { continue };
        let Some(it) = input.instance_types.iter().position(|t| &t.name == it_name) else { continue };
        let Some(price) = input.instance_types[it]
            .offerings
            .iter()
            .filter(|o| &o.zone == zone && o.capacity_type == ct)
            .map(|o| o.price)
            .reduce(f64::min)
        else {
            continue;
        };
        out.push(Candidate {
            node: ni,
            pool,
            instance_type: it,
            price,
            disruption_cost: disruption_cost(n, input.now_ms),
            consolidatable: consolidatable(np, n, input.now_ms),
        });
    }
    out.retain(|c| c.consolidatable);
    out.sort_by(|a, b| {
        a.disruption_cost
            .total_cmp(&b.disruption_cost)
            .then_with(|| input.nodes[a.node].name.cmp(&input.nodes[b.node].name))
    });
    out
}

/// Whether the pool consolidates underutilized nodes, not only empty ones.
pub fn consolidates_underutilized(np: &NodePool) -> bool {
    np.consolidation_policy == ConsolidationPolicy::WhenEmptyOrUnderutilized
}

/// Node labels as requirements (to find the candidate's own offering).
pub fn node_requirements(node: &ClusterNode) -> Requirements {
    Requirements::from_labels(&node.labels)
}
