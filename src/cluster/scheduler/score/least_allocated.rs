//! LeastAllocated (the default Fit strategy): favours nodes with more free capacity, spreading
//! pods. Per resource `(capacity − requested) × 100 / capacity`, 0 when over-committed; node score
//! is the weighted mean with integer division.

use super::super::types::MAX_NODE_SCORE;
use super::ResourceSpec;

fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// Scores requested/allocatable vectors; resources with zero allocatable are skipped.
pub fn score(requested: &[i64], allocatable: &[i64], resources: &[ResourceSpec]) -> i64 {
    let (mut node_score, mut weight_sum) = (0, 0);
    for i in 0..requested.len() {
        if allocatable[i] == 0 {
            continue;
        }
        node_score += least_requested_score(requested[i], allocatable[i]) * resources[i].weight;
        weight_sum += resources[i].weight;
    }
    if weight_sum == 0 { 0 } else { node_score / weight_sum }
}
