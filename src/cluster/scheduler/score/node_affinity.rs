//! NodeAffinity scoring: the sum of weights of matching preferred terms, normalised so the best
//! node gets 100. Terms with weight 0 or no requirements never match (upstream skips them).

use super::super::selector::term_matches;
use super::super::types::{NodeInfo, PodInfo};

/// Raw (pre-normalisation) score.
pub fn raw_score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    pod.preferred_affinity
        .iter()
        .filter(|t| t.weight != 0 && term_matches(&t.preference, node))
        .map(|t| t.weight as i64)
        .sum()
}

/// Upstream PreScore returns Skip (plugin contributes 0) when the pod has no preferences.
pub fn skipped(pod: &PodInfo) -> bool {
    pod.preferred_affinity.is_empty()
}
