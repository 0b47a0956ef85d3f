//! Score plugins of the default profile that capsim models, their configuration, normalisation,
//! weighting and the final node choice.
//!
//! Weights follow the default profile: TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1,
//! NodeResourcesBalancedAllocation 1 (PodTopologySpread, InterPodAffinity and ImageLocality are
//! not modelled; they would add the same amount to every node for capsim's workloads).

pub mod balanced_allocation;
pub mod least_allocated;
pub mod most_allocated;
pub mod node_affinity;
pub mod requested_to_capacity_ratio;
pub mod resource_allocation;
pub mod taint_toleration;

use super::filter::FitFilterArgs;
use super::types::{CPU, MAX_NODE_SCORE, MEMORY, NodeInfo, PodInfo};

/// A resource and its weight in a resource-based scorer (upstream `config.ResourceSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpec {
    pub name: String,
    pub weight: i64,
}

impl ResourceSpec {
    pub fn new(name: &str, weight: i64) -> Self {
        ResourceSpec { name: name.to_string(), weight }
    }
}

/// Upstream default: cpu and memory, weight 1 each.
pub fn default_resources() -> Vec<ResourceSpec> {
    vec![ResourceSpec::new(CPU, 1), ResourceSpec::new(MEMORY, 1)]
}

/// A point of the RequestedToCapacityRatio shape: utilisation 0..=100 → score 0..=10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtilizationShapePoint {
    pub utilization: i32,
    pub score: i32,
}

impl UtilizationShapePoint {
    pub fn new(utilization: i32, score: i32) -> Self {
        UtilizationShapePoint { utilization, score }
    }
}

/// NodeResourcesFit scoring strategies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ScoringStrategy {
    #[default]
    LeastAllocated,
    MostAllocated,
    RequestedToCapacityRatio(Vec<UtilizationShapePoint>),
}

/// NodeResourcesFit configuration (upstream `NodeResourcesFitArgs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitArgs {
    pub strategy: ScoringStrategy,
    pub resources: Vec<ResourceSpec>,
    pub filter: FitFilterArgs,
}

impl Default for FitArgs {
    fn default() -> Self {
        FitArgs {
            strategy: ScoringStrategy::LeastAllocated,
            resources: default_resources(),
            filter: Default::default(),
        }
    }
}

impl FitArgs {
    /// Upstream validation: weights in 1..=100 and, for RequestedToCapacityRatio, a shape with
    /// strictly increasing utilisation in 0..=100 and scores in 0..=10. Errors name the field like
    /// upstream (`scoringStrategy.resources[0].weight`).
    pub fn validate(&self) -> Result<(), String> {
        validate_resources(&self.resources, "scoringStrategy.resources")?;
        if let ScoringStrategy::RequestedToCapacityRatio(shape) = &self.strategy {
            if shape.is_empty() {
                return Err("scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified".into());
            }
            for (i, p) in shape.iter().enumerate() {
                let path = format!("scoringStrategy.requestedToCapacityRatio.shape[{i}]");
                if !(0..=100).contains(&p.utilization) {
                    return Err(format!(
                        "{path}.utilization: Invalid value: {}: not in valid range [0, 100]",
                        p.utilization
                    ));
                }
                if i > 0 && p.utilization <= shape[i - 1].utilization {
                    return Err(format!(
                        "{path}.utilization: Invalid value: {}: utilization values must be sorted in increasing order",
                        p.utilization
                    ));
                }
                if !(0..=10).contains(&p.score) {
                    return Err(format!("{path}.score: Invalid value: {}: not in valid range [0, 10]", p.score));
                }
            }
        }
        Ok(())
    }
}

fn validate_resources(resources: &[ResourceSpec], path: &str) -> Result<(), String> {
    for (i, r) in resources.iter().enumerate() {
        if !(1..=MAX_NODE_SCORE).contains(&r.weight) {
            return Err(format!(
                "{path}[{i}].weight: Invalid value: {}: resource weight of {} should be in range [1, 100]",
                r.weight, r.name
            ));
        }
    }
    Ok(())
}

/// Plugin weights for the total score (default profile values by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginWeights {
    pub taint_toleration: i64,
    pub node_affinity: i64,
    pub node_resources_fit: i64,
    pub balanced_allocation: i64,
}

impl Default for PluginWeights {
    fn default() -> Self {
        PluginWeights { taint_toleration: 3, node_affinity: 2, node_resources_fit: 1, balanced_allocation: 1 }
    }
}

/// How to choose among nodes with the same top score. Upstream picks uniformly at random
/// (reservoir sampling); capsim must be reproducible, so it either takes the first tied node in
/// node order or samples with a caller-supplied seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieBreak {
    #[default]
    FirstInNodeOrder,
    /// Reservoir sampling driven by a splitmix64 stream from this seed: random-like spreading,
    /// identical on every run with the same seed.
    Seeded(u64),
}

/// Why scoring could not run (upstream returns an Error status and the pod is not scheduled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreError {
    /// Upstream "resources not found": a resource-based scorer with no resources configured.
    ResourcesNotFound,
}

impl std::fmt::Display for ScoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScoreError::ResourcesNotFound => write!(f, "resources not found"),
        }
    }
}

impl std::error::Error for ScoreError {}

/// NodeResourcesFit score of one node for the configured strategy (0..=100, no normalisation).
pub fn fit_score(pod: &PodInfo, node: &NodeInfo, args: &FitArgs) -> Result<i64, ScoreError> {
    if args.resources.is_empty() {
        return Err(ScoreError::ResourcesNotFound);
    }
    let pod_req = resource_allocation::pod_requests(pod, &args.resources, false);
    let (req, alloc) = resource_allocation::vectors(node, &args.resources, &pod_req, false);
    Ok(match &args.strategy {
        ScoringStrategy::LeastAllocated => least_allocated::score(&req, &alloc, &args.resources),
        ScoringStrategy::MostAllocated => most_allocated::score(&req, &alloc, &args.resources),
        ScoringStrategy::RequestedToCapacityRatio(shape) => {
            let shape = requested_to_capacity_ratio::scaled_shape(shape);
            requested_to_capacity_ratio::score(&req, &alloc, &args.resources, &shape)
        }
    })
}

/// Whether BalancedAllocation skips this pod (upstream PreScore `Skip` for best-effort pods:
/// all configured requests are 0).
pub fn balanced_allocation_skipped(pod: &PodInfo, resources: &[ResourceSpec]) -> bool {
    resource_allocation::pod_requests(pod, resources, true).iter().all(|r| *r == 0)
}

/// NodeResourcesBalancedAllocation score of one node (0..=100), ignoring the best-effort skip.
pub fn balanced_allocation_score(
    pod: &PodInfo,
    node: &NodeInfo,
    resources: &[ResourceSpec],
) -> Result<i64, ScoreError> {
    if resources.is_empty() {
        return Err(ScoreError::ResourcesNotFound);
    }
    let pod_req = resource_allocation::pod_requests(pod, resources, true);
    let (req, alloc) = resource_allocation::vectors(node, resources, &pod_req, true);
    Ok(balanced_allocation::score(&req, &alloc))
}

/// Upstream `helper.DefaultNormalizeScore`: scales to `0..=max` by the largest raw score
/// (integer division); `reverse` flips it. All-zero raw scores become `max` when reversed.
pub fn default_normalize_score(max: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().max().unwrap_or(0).max(0);
    if max_count == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = max);
        }
        return;
    }
    for s in scores.iter_mut() {
        let v = max * *s / max_count;
        *s = if reverse { max - v } else { v };
    }
}

/// TaintToleration scores for a set of nodes, normalised (fewer intolerable taints → higher).
pub fn taint_toleration_scores(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    let mut s: Vec<i64> = nodes.iter().map(|n| taint_toleration::raw_score(pod, n)).collect();
    default_normalize_score(MAX_NODE_SCORE, true, &mut s);
    s
}

/// NodeAffinity scores for a set of nodes, normalised (best match → 100); all 0 when skipped.
pub fn node_affinity_scores(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    if node_affinity::skipped(pod) {
        return vec![0; nodes.len()];
    }
    let mut s: Vec<i64> = nodes.iter().map(|n| node_affinity::raw_score(pod, n)).collect();
    default_normalize_score(MAX_NODE_SCORE, false, &mut s);
    s
}

/// Per-plugin (normalised, unweighted) scores and the weighted total of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeScore {
    /// Index into the node slice given to the scheduler.
    pub index: usize,
    pub name: String,
    pub taint_toleration: i64,
    pub node_affinity: i64,
    pub node_resources_fit: i64,
    pub balanced_allocation: i64,
    /// Σ weight × plugin score.
    pub total: i64,
}

/// Scores the given (feasible) nodes, returned in the same order as `indices`.
pub fn score_nodes(
    pod: &PodInfo,
    nodes: &[NodeInfo],
    indices: &[usize],
    fit: &FitArgs,
    balanced_resources: &[ResourceSpec],
    weights: &PluginWeights,
) -> Result<Vec<NodeScore>, ScoreError> {
    let picked: Vec<&NodeInfo> = indices.iter().map(|&i| &nodes[i]).collect();
    let tt = taint_toleration_scores(pod, &picked);
    let na = node_affinity_scores(pod, &picked);
    let skip_ba = balanced_allocation_skipped(pod, balanced_resources);
    let mut out = Vec::with_capacity(picked.len());
    for (k, node) in picked.iter().enumerate() {
        let f = fit_score(pod, node, fit)?;
        let b = if skip_ba { 0 } else { balanced_allocation_score(pod, node, balanced_resources)? };
        let total = weights.taint_toleration * tt[k]
            + weights.node_affinity * na[k]
            + weights.node_resources_fit * f
            + weights.balanced_allocation * b;
        out.push(NodeScore {
            index: indices[k],
            name: node.name.clone(),
            taint_toleration: tt[k],
            node_affinity: na[k],
            node_resources_fit: f,
            balanced_allocation: b,
            total,
        });
    }
    Ok(out)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Upstream `selectHost`: the highest total wins; ties per [`TieBreak`]. Returns the position in
/// `scores` (not the node index), or `None` for an empty list.
pub fn select_node(scores: &[NodeScore], tie_break: TieBreak) -> Option<usize> {
    let best = scores.iter().map(|s| s.total).max()?;
    let mut tied = scores.iter().enumerate().filter(|(_, s)| s.total == best).map(|(i, _)| i);
    match tie_break {
        TieBreak::FirstInNodeOrder => tied.next(),
        TieBreak::Seeded(seed) => {
            let mut state = seed;
            let mut chosen = tied.next()?;
            for (seen, i) in (2u64..).zip(tied) {
                // Replace with probability 1/seen, as upstream's reservoir sampling does.
                if splitmix64(&mut state).is_multiple_of(seen) {
                    chosen = i;
                }
            }
            Some(chosen)
        }
    }
}
