//! `price` expander (`expander/price/price.go`, `preferred.go`; proposal `pricing.md`).
//!
//! For each option: `price_ratio = (n·node_price + stab) / (Σ pod_price + stab)` where `stab`
//! is the price of a 500m / 500 MiB stabilisation pod; `unfitness = max(pref_cpu/cpu,
//! cpu/pref_cpu)` against the preferred node (capacity CPU); it is suppressed for large
//! scale-ups: `(unfitness − 1)·(1 − tanh((n − 1)/15)) + 1`; GPU groups get unfitness 1000;
//! groups that do not exist yet are penalised ×2. `score = suppressed · price_ratio`; the
//! first option with the strictly lowest score wins. Options whose prices are unknown are
//! skipped.

use super::ExpansionOption;
use crate::autoscale::cluster_autoscaler::types::{NodeGroup, Pod, group_by_id};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Penalty for node groups that would have to be created.
pub const NOT_EXIST_COEFFICIENT: f64 = 2.0;
/// Unfitness forced on GPU node groups.
pub const GPU_UNFITNESS_OVERRIDE: f64 = 1000.0;

/// Prices over the next hour, as the cloud provider's `PricingModel`.
pub trait PricingModel {
    /// Price of one node of `group` for one hour; `None` = unknown (option skipped).
    fn node_price(&self, group: &NodeGroup) -> Option<f64>;
    /// Price of running `pod` for one hour; `None` = unknown (option skipped).
    fn pod_price(&self, pod: &Pod) -> Option<f64>;
}

/// Node price = the group's `price_per_hour`; pod price = requested cores × `per_core_hour`
/// + requested GiB × `per_gib_hour` (the GCE model's shape).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearPricing {
    pub per_core_hour: f64,
    pub per_gib_hour: f64,
}

impl PricingModel for LinearPricing {
    fn node_price(&self, group: &NodeGroup) -> Option<f64> {
        group.price_per_hour
    }
    fn pod_price(&self, pod: &Pod) -> Option<f64> {
        Some(
            pod.requests.milli_cpu as f64 / 1000.0 * self.per_core_hour
                + pod.requests.memory as f64 / GIB as f64 * self.per_gib_hour,
        )
    }
}

/// The node shape the cluster "should" be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreferredNode {
    pub milli_cpu: u64,
    pub memory: u64,
}

/// `SimplePreferredNodeProvider`: node size doubles each time the cluster triples.
pub fn simple_preferred_node(cluster_size: usize) -> PreferredNode {
    let (cpu, mem_mb) = match cluster_size {
        0..=2 => (1, 3750),
        3..=6 => (2, 7500),
        7..=20 => (4, 15000),
        21..=60 => (8, 30000),
        61..=200 => (16, 60000),
        _ => (32, 120000),
    };
    PreferredNode { milli_cpu: cpu * 1000, memory: mem_mb * MIB }
}

/// `SimpleNodeUnfitness`: CPU ratio between preferred and evaluated node, ≥ 1.
pub fn simple_node_unfitness(preferred_milli_cpu: u64, evaluated_milli_cpu: u64) -> f64 {
    let p = preferred_milli_cpu as f64;
    let e = evaluated_milli_cpu as f64;
    (p / e).max(e / p)
}

/// The stabilisation pod (500m CPU, 500 MiB).
pub fn stabilization_pod() -> Pod {
    Pod::new("stabilize", 500, 500 * MIB)
}

/// Score of one option (lower is better), or `None` if it must be skipped.
pub fn option_score(
    option: &ExpansionOption,
    group: &NodeGroup,
    pricing: &dyn PricingModel,
    preferred: PreferredNode,
) -> Option<f64> {
    let stab = pricing.pod_price(&stabilization_pod()).unwrap_or(0.0);
    let total_node = pricing.node_price(group)? * option.node_count as f64;
    let mut total_pod = 0.0;
    for p in &option.pods {
        total_pod += pricing.pod_price(p)?;
    }
    let price_ratio = (total_node + stab) / (total_pod + stab);
    let unfitness = simple_node_unfitness(preferred.milli_cpu, group.capacity.milli_cpu);
    let mut suppressed = (unfitness - 1.0) * (1.0 - ((option.node_count as f64 - 1.0) / 15.0).tanh()) + 1.0;
    if group.has_gpu {
        suppressed = GPU_UNFITNESS_OVERRIDE;
    }
    let mut score = suppressed * price_ratio;
    if !group.exists {
        score *= NOT_EXIST_COEFFICIENT;
    }
    Some(score)
}

pub fn best_options(
    options: &[ExpansionOption],
    candidates: &[usize],
    groups: &[NodeGroup],
    pricing: &dyn PricingModel,
    preferred: PreferredNode,
) -> (Vec<usize>, String) {
    let mut best: Option<(usize, f64)> = None;
    for &i in candidates {
        let Some(g) = group_by_id(groups, &options[i].group_id) else { continue };
        let Some(score) = option_score(&options[i], g, pricing, preferred) else { continue };
        if best.is_none_or(|(_, s)| s > score) {
            best = Some((i, score));
        }
    }
    match best {
        Some((i, s)) => (vec![i], format!("price: score {s:.4}")),
        None => (Vec::new(), "price: no option could be priced".to_owned()),
    }
}
