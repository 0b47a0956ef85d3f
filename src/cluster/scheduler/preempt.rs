//! DefaultPreemption (PostFilter): when a pod fits nowhere, find nodes where evicting
//! lower-priority pods makes it fit, keep as many of those pods as possible ("reprieve",
//! highest priority first, PDB-violating ones first), and pick one node by upstream's ordered
//! criteria. Deterministic where upstream is not: nodes are dry-run in node order from offset 0
//! (upstream starts at a random offset and runs in parallel), and the final tie goes to the first
//! candidate in node order.

use std::cmp::Ordering;

use super::filter::{Code, FilterOutcome, FitError, FitFilterArgs, Status, filter_node};
use super::types::{NodeInfo, PodDisruptionBudget, PodInfo, PreemptionPolicy};

/// Status reason for nodes with no lower-priority pods.
pub const ERR_NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// Status reason for nodes that failed an unresolvable filter (taints, affinity).
pub const ERR_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";

/// Upstream `DefaultPreemptionArgs` defaults: dry-run at least 10 % of nodes and at least 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreemptionArgs {
    pub min_candidate_nodes_percentage: usize,
    pub min_candidate_nodes_absolute: usize,
}

impl Default for PreemptionArgs {
    fn default() -> Self {
        PreemptionArgs { min_candidate_nodes_percentage: 10, min_candidate_nodes_absolute: 100 }
    }
}

/// A node where preemption works, with the pods to evict (highest priority first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub node_index: usize,
    pub node_name: String,
    pub victims: Vec<PodInfo>,
    pub num_pdb_violations: i64,
}

/// Why preemption produced no node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreemptionError {
    /// The pod may not preempt (e.g. `preemptionPolicy: Never`); upstream's message.
    NotEligible(String),
    /// No node works even after evictions; per-node reasons as upstream reports them.
    NoCandidates(FitError),
}

impl std::fmt::Display for PreemptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreemptionError::NotEligible(m) => write!(f, "{m}"),
            PreemptionError::NoCandidates(e) => write!(f, "preemption: {e}"),
        }
    }
}

impl std::error::Error for PreemptionError {}

/// Upstream `PodEligibleToPreemptOthers`, reduced to the preemption policy (capsim has no
/// nominated nodes with terminating victims to wait for).
pub fn pod_eligible_to_preempt_others(pod: &PodInfo) -> Result<(), String> {
    if pod.preemption_policy == PreemptionPolicy::Never {
        return Err("not eligible due to preemptionPolicy=Never.".into());
    }
    Ok(())
}

/// Upstream `MoreImportantPod`: higher priority first, then the older pod.
pub fn more_important(a: &PodInfo, b: &PodInfo) -> Ordering {
    b.priority.cmp(&a.priority).then(a.start_time.cmp(&b.start_time))
}

/// Upstream `filterPodsWithPDBViolation`: walks pods in order, spending each matching PDB's
/// allowed disruptions; a pod that drives any budget below zero is "violating".
fn split_by_pdb_violation(pods: Vec<PodInfo>, pdbs: &[PodDisruptionBudget]) -> (Vec<PodInfo>, Vec<PodInfo>) {
    let mut allowed: Vec<i32> = pdbs.iter().map(|p| p.disruptions_allowed).collect();
    let (mut violating, mut non_violating) = (Vec::new(), Vec::new());
    for pod in pods {
        let mut violated = false;
        for (i, pdb) in pdbs.iter().enumerate() {
            if pdb.matches(&pod) {
                allowed[i] -= 1;
                if allowed[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated { violating.push(pod) } else { non_violating.push(pod) }
    }
    (violating, non_violating)
}

/// Upstream `SelectVictimsOnNode`: remove every lower-priority pod; if the pod still does not
/// fit, fail with that filter status; otherwise add pods back from most to least important
/// (PDB-violating first) and keep each one that leaves room. Returns the victims (most important
/// first) and how many of them violate a PDB.
pub fn select_victims_on_node(
    pod: &PodInfo,
    node: &NodeInfo,
    pdbs: &[PodDisruptionBudget],
    args: &FitFilterArgs,
) -> Result<(Vec<PodInfo>, i64), Status> {
    let mut trial = node.clone();
    let mut potential: Vec<PodInfo> = Vec::new();
    for p in node.pods() {
        if p.priority < pod.priority {
            potential.push(trial.remove_pod(&p.name).expect("pod listed on node"));
        }
    }
    if potential.is_empty() {
        return Err(Status {
            code: Code::UnschedulableAndUnresolvable,
            plugin: "DefaultPreemption",
            reasons: vec![ERR_NO_VICTIMS.into()],
        });
    }
    let st = filter_node(pod, &trial, args);
    if !st.is_success() {
        return Err(st);
    }
    potential.sort_by(more_important);
    let (violating, non_violating) = split_by_pdb_violation(potential, pdbs);
    let any_violating = !violating.is_empty();
    let any_non_violating = !non_violating.is_empty();
    let mut victims = Vec::new();
    let mut num_violating = 0;
    for (is_violating, p) in
        violating.into_iter().map(|p| (true, p)).chain(non_violating.into_iter().map(|p| (false, p)))
    {
        let name = p.name.clone();
        trial.add_pod(p);
        if !filter_node(pod, &trial, args).is_success() {
            victims.push(trial.remove_pod(&name).expect("just added"));
            if is_violating {
                num_violating += 1;
            }
        }
    }
    if any_violating && any_non_violating {
        victims.sort_by(more_important);
    }
    Ok((victims, num_violating))
}

/// Earliest start time among the highest-priority victims (upstream `GetEarliestPodStartTime`).
fn earliest_start_of_top_victims(victims: &[PodInfo]) -> Option<i64> {
    let top = victims.iter().map(|p| p.priority).max()?;
    victims.iter().filter(|p| p.priority == top).map(|p| p.start_time).min()
}

/// Upstream `pickOneNodeForPreemption`: keep the candidates maximising each criterion in turn —
/// fewest PDB violations, lowest highest-victim priority, smallest sum of (priority + 2³¹),
/// fewest victims, latest earliest-start of the top-priority victims — then the first one left.
/// Returns the position in `candidates`.
pub fn pick_one_node_for_preemption(candidates: &[Candidate]) -> Option<usize> {
    type ScoreFn = fn(&Candidate) -> i64;
    let score_fns: [ScoreFn; 5] = [
        |c| -c.num_pdb_violations,
        |c| -(c.victims.first().map_or(i32::MIN, |p| p.priority) as i64),
        |c| -c.victims.iter().map(|p| p.priority as i64 + i32::MAX as i64 + 1).sum::<i64>(),
        |c| -(c.victims.len() as i64),
        |c| earliest_start_of_top_victims(&c.victims).unwrap_or(i64::MIN),
    ];
    let mut remaining: Vec<usize> = (0..candidates.len()).collect();
    for f in score_fns {
        let best = remaining.iter().map(|&i| f(&candidates[i])).max()?;
        remaining.retain(|&i| f(&candidates[i]) == best);
        if remaining.len() == 1 {
            break;
        }
    }
    remaining.first().copied()
}

/// Candidates plus, for every node that is not one, why (for the failure message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    pub candidates: Vec<Candidate>,
    pub failures: Vec<(usize, Status)>,
}

/// Upstream `findCandidates` + `DryRunPreemption`: skips nodes whose filter failure is
/// unresolvable, dry-runs the rest in node order and stops once it has at least one
/// PDB-respecting candidate and `numCandidates` in total. Non-violating candidates come first.
pub fn dry_run_preemption(
    pod: &PodInfo,
    nodes: &[NodeInfo],
    filtered: &FilterOutcome,
    pdbs: &[PodDisruptionBudget],
    filter_args: &FitFilterArgs,
    args: &PreemptionArgs,
) -> DryRun {
    let mut failures = Vec::new();
    let mut potential = Vec::new();
    for (i, st) in filtered.statuses.iter().enumerate() {
        if st.code == Code::UnschedulableAndUnresolvable {
            let reasons = vec![ERR_NOT_HELPFUL.to_string()];
            failures
                .push((i, Status { code: Code::UnschedulableAndUnresolvable, plugin: "DefaultPreemption", reasons }));
        } else if st.code == Code::Unschedulable {
            potential.push(i);
        }
    }
    let n = potential.len();
    let num_candidates = (n * args.min_candidate_nodes_percentage / 100).max(args.min_candidate_nodes_absolute).min(n);
    let (mut non_violating, mut violating) = (Vec::new(), Vec::new());
    for i in potential {
        match select_victims_on_node(pod, &nodes[i], pdbs, filter_args) {
            Ok((victims, v)) if !victims.is_empty() => {
                let c = Candidate { node_index: i, node_name: nodes[i].name.clone(), victims, num_pdb_violations: v };
                if v == 0 {
                    non_violating.push(c)
                } else {
                    violating.push(c)
                }
                if !non_violating.is_empty() && non_violating.len() + violating.len() >= num_candidates {
                    break;
                }
            }
            Ok(_) => {
                let reasons = vec![format!("expected at least one victim pod on node {:?}", nodes[i].name)];
                failures.push((i, Status { code: Code::Unschedulable, plugin: "DefaultPreemption", reasons }));
            }
            Err(st) => failures.push((i, st)),
        }
    }
    failures.sort_by_key(|(i, _)| *i);
    non_violating.extend(violating);
    DryRun { candidates: non_violating, failures }
}

/// The full PostFilter: eligibility, dry run, node choice. `filtered` is the filter outcome that
/// left the pod unschedulable. The caller evicts the victims and retries the pod on that node.
pub fn preempt(
    pod: &PodInfo,
    nodes: &[NodeInfo],
    filtered: &FilterOutcome,
    pdbs: &[PodDisruptionBudget],
    filter_args: &FitFilterArgs,
    args: &PreemptionArgs,
) -> Result<Candidate, PreemptionError> {
    pod_eligible_to_preempt_others(pod).map_err(PreemptionError::NotEligible)?;
    let dry = dry_run_preemption(pod, nodes, filtered, pdbs, filter_args, args);
    match pick_one_node_for_preemption(&dry.candidates) {
        Some(i) => Ok(dry.candidates[i].clone()),
        None => Err(PreemptionError::NoCandidates(FitError::from_statuses(
            nodes.len(),
            dry.failures.iter().map(|(_, s)| s),
        ))),
    }
}
