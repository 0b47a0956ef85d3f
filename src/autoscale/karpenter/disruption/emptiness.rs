//! Emptiness (`emptiness.go`): consolidatable nodes with no reschedulable pods are deleted, as many
//! as the `Empty` budgets allow, for both consolidation policies.

use super::budgets::Reason;
use super::candidates::{Candidate, get_candidates};
use super::consolidation::budgets_for;
use super::{Command, DisruptionInput, Method};

/// The empty nodes to delete now, in disruption-cost order, or `None`.
pub fn emptiness(input: &DisruptionInput) -> Option<Command> {
    emptiness_from(input, &get_candidates(input, false))
}

/// [`emptiness`] over the candidates (of any consolidation policy) the caller computed.
pub fn emptiness_from(input: &DisruptionInput, candidates: &[Candidate]) -> Option<Command> {
    let mut empty = candidates.iter().filter(|c| input.nodes[c.node].pods.is_empty()).peekable();
    empty.peek()?; // most passes: no budget to look up
    let mut budgets = budgets_for(input, Reason::Empty);
    let mut names = Vec::new();
    for c in empty {
        let n = &input.nodes[c.node];
        let Some(left) = budgets.get_mut(&input.nodepools[c.pool].name) else { continue };
        if *left == 0 {
            continue;
        }
        *left -= 1;
        names.push(n.name.clone());
    }
    (!names.is_empty()).then_some(Command {
        method: Method::Emptiness,
        reason: Reason::Empty,
        candidates: names,
        replacement: None,
    })
}
