//! Command validation (`validation.go`): a command computed at `decided_at` executes only if,
//! 15 s later, its candidates are still candidates within budget and re-simulation agrees
//! (same number of replacements; the command's replacement types ⊆ the re-simulated ones).

use std::collections::BTreeSet;

use super::candidates::{Candidate, get_candidates};
use super::consolidation::{budgets_for, simulate, templates};
use super::{Command, DisruptionInput, Method};
use crate::autoscale::karpenter::scheduling::Templates;

/// Upstream `consolidationTTL`.
pub const VALIDATION_TTL_MS: u64 = 15_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// Too early: re-check at this time.
    WaitUntil(u64),
    Valid,
    Invalid(String),
}

/// Re-checks `cmd` against the cluster as it is at `input.now_ms`.
pub fn validate(input: &DisruptionInput, cmd: &Command, decided_at_ms: u64) -> Validation {
    validate_with(input, &templates(input), cmd, decided_at_ms)
}

/// [`validate`] with the NodePools' templates prepared by the caller.
pub fn validate_with(input: &DisruptionInput, templates: &Templates, cmd: &Command, decided_at_ms: u64) -> Validation {
    let due = decided_at_ms + VALIDATION_TTL_MS;
    if input.now_ms < due {
        return Validation::WaitUntil(due);
    }
    let underutilized = cmd.method != Method::Emptiness;
    let all = get_candidates(input, underutilized);
    let wanted: BTreeSet<&str> = cmd.candidates.iter().map(String::as_str).collect();
    let current: Vec<&Candidate> = all.iter().filter(|c| wanted.contains(input.nodes[c.node].name.as_str())).collect();
    if current.len() != wanted.len() {
        return Validation::Invalid("a candidate is no longer a disruption candidate".into());
    }
    let mut budgets = budgets_for(input, cmd.reason);
    for c in &current {
        let left = budgets.entry(input.nodepools[c.pool].name.clone()).or_default();
        if *left == 0 {
            return Validation::Invalid("a candidate can no longer be disrupted without violating budgets".into());
        }
        *left -= 1;
    }
    if cmd.method == Method::Emptiness {
        if current.iter().any(|c| !input.nodes[c.node].pods.is_empty()) {
            return Validation::Invalid("a candidate is no longer empty".into());
        }
        return Validation::Valid;
    }
    let simulation = simulate(input, templates, &current);
    if simulation.stranded().next().is_some() {
        return Validation::Invalid("not all pods would schedule".into());
    }
    let results = simulation.solution;
    match (results.claims.len(), &cmd.replacement) {
        (0, None) => Validation::Valid,
        (1, Some(r)) => {
            let now: BTreeSet<&str> =
                results.claims[0].types.iter().map(|&i| input.instance_types[i].name.as_str()).collect();
            if r.instance_types.iter().all(|t| now.contains(t.name.as_str())) {
                Validation::Valid
            } else {
                Validation::Invalid("scheduling simulation produced new results".into())
            }
        }
        _ => Validation::Invalid("scheduling simulation produced new results".into()),
    }
}
