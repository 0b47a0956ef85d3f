//! A standalone model of kube-scheduler's default profile: filter, score, select, and
//! DefaultPreemption, with upstream's integer arithmetic and messages, so capsim places pods
//! where a real cluster would and reports the same "0/N nodes are available" reasons.
//!
//! Pure library: no I/O, no clocks, no hash-map iteration. Where upstream is random (tie among
//! top-scored nodes, preemption dry-run start offset) capsim is deterministic; see [`TieBreak`]
//! and [`preempt`].
//!
//! Typical use:
//! ```
//! use capsim::cluster::scheduler::*;
//! let nodes = vec![
//!     NodeInfo::new("a", Resources::new(4000, 8 << 30, 110)),
//!     NodeInfo::new("b", Resources::new(4000, 8 << 30, 110)).with_pod(PodInfo::new("x").req(1000, 1 << 30)),
//! ];
//! let pod = PodInfo::new("web").req(500, 512 << 20);
//! let placed = schedule(&pod, &nodes, &Profile::default()).unwrap();
//! assert_eq!(placed.node_name, "a");
//! ```

pub mod filter;
pub mod preempt;
pub mod score;
pub mod selector;
pub mod types;

pub use filter::{
    Code, FilterOutcome, FitError, FitFilterArgs, InsufficientResource, Status, filter_node, filter_nodes,
};
pub use preempt::{Candidate, PreemptionArgs, PreemptionError, preempt, select_victims_on_node};
pub use score::{
    FitArgs, NodeScore, PluginWeights, ResourceSpec, ScoreError, ScoringStrategy, TieBreak, UtilizationShapePoint,
    default_resources, score_nodes, select_node,
};
pub use types::*;

/// Scheduler configuration: the parts of a KubeSchedulerProfile capsim models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// NodeResourcesFit filter options and scoring strategy.
    pub fit: FitArgs,
    /// NodeResourcesBalancedAllocation resources (default cpu, memory).
    pub balanced_allocation: Vec<ResourceSpec>,
    pub weights: PluginWeights,
    pub tie_break: TieBreak,
    pub preemption: PreemptionArgs,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            fit: FitArgs::default(),
            balanced_allocation: default_resources(),
            weights: PluginWeights::default(),
            tie_break: TieBreak::default(),
            preemption: PreemptionArgs::default(),
        }
    }
}

impl Profile {
    /// Upstream argument validation (weights in 1..=100, valid RequestedToCapacityRatio shape).
    pub fn validate(&self) -> Result<(), String> {
        self.fit.validate()?;
        FitArgs { resources: self.balanced_allocation.clone(), ..FitArgs::default() }
            .validate()
            .map_err(|e| e.replace("scoringStrategy.resources", "resources"))
    }
}

/// A successful placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub node_index: usize,
    pub node_name: String,
    /// Scores of all feasible nodes, in node order (empty when only one node was feasible:
    /// upstream skips scoring then).
    pub scores: Vec<NodeScore>,
}

/// Why [`schedule`] placed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// No node passed the filters; preemption may still help (see [`schedule_or_preempt`]).
    Unschedulable(FitError),
    /// A scorer was misconfigured.
    Score(ScoreError),
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScheduleError::Unschedulable(e) => e.fmt(f),
            ScheduleError::Score(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// One scheduling cycle without preemption: filter all nodes, score the feasible ones, pick one.
pub fn schedule(pod: &PodInfo, nodes: &[NodeInfo], profile: &Profile) -> Result<Placement, ScheduleError> {
    let args = &profile.fit.filter;
    let feasible: Vec<usize> = (0..nodes.len()).filter(|&i| filter::passes_filters(pod, &nodes[i], args)).collect();
    if feasible.is_empty() {
        // Only a failure needs every node's status (for the FitError message).
        return place(pod, nodes, &filter_nodes(pod, nodes, args), profile);
    }
    place(pod, nodes, &FilterOutcome { feasible, statuses: Vec::new() }, profile)
}

/// Whether some node passes every filter (no placement, no message).
pub fn fits_somewhere(pod: &PodInfo, nodes: &[NodeInfo], profile: &Profile) -> bool {
    nodes.iter().any(|n| filter::passes_filters(pod, n, &profile.fit.filter))
}

fn place(
    pod: &PodInfo,
    nodes: &[NodeInfo],
    filtered: &FilterOutcome,
    profile: &Profile,
) -> Result<Placement, ScheduleError> {
    match filtered.feasible.as_slice() {
        [] => Err(ScheduleError::Unschedulable(FitError::from_statuses(nodes.len(), &filtered.statuses))),
        [only] => Ok(Placement { node_index: *only, node_name: nodes[*only].name.clone(), scores: Vec::new() }),
        feasible => {
            let scores =
                score_nodes(pod, nodes, feasible, &profile.fit, &profile.balanced_allocation, &profile.weights)
                    .map_err(ScheduleError::Score)?;
            let best = select_node(&scores, profile.tie_break).expect("non-empty scores");
            Ok(Placement { node_index: scores[best].index, node_name: scores[best].name.clone(), scores })
        }
    }
}

/// Outcome of [`schedule_or_preempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Bind the pod to this node.
    Bind(Placement),
    /// Evict `victims` from `node_name`, then retry (upstream sets `nominatedNodeName`).
    Preempt(Candidate),
}

/// A full cycle: schedule, and if nothing fits, run DefaultPreemption. On failure the
/// `FitError` carries the preemption message as upstream's `PostFilterMsg`.
pub fn schedule_or_preempt(
    pod: &PodInfo,
    nodes: &[NodeInfo],
    pdbs: &[PodDisruptionBudget],
    profile: &Profile,
) -> Result<Decision, ScheduleError> {
    let filtered = filter_nodes(pod, nodes, &profile.fit.filter);
    match place(pod, nodes, &filtered, profile) {
        Ok(p) => Ok(Decision::Bind(p)),
        Err(ScheduleError::Unschedulable(mut fit_err)) => {
            match preempt(pod, nodes, &filtered, pdbs, &profile.fit.filter, &profile.preemption) {
                Ok(c) => Ok(Decision::Preempt(c)),
                Err(e) => {
                    fit_err.post_filter_msg = Some(e.to_string());
                    Err(ScheduleError::Unschedulable(fit_err))
                }
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
