//! RequestedToCapacityRatio: a user-shaped utilisation→score curve per resource (upstream
//! `requested_to_capacity_ratio.go` and `helper/shape_score.go`). Shape scores are given on
//! 0..=10 and scaled ×10; the node score is the weighted mean of positive resource scores,
//! rounded (half away from zero, like Go `math.Round`).

use super::super::types::MAX_NODE_SCORE;
use super::{ResourceSpec, UtilizationShapePoint};

/// Upstream `config.MaxCustomPriorityScore`.
pub const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;
const MAX_UTILIZATION: i64 = 100;

/// A shape point after scaling to the 0..=100 score range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionShapePoint {
    pub utilization: i64,
    pub score: i64,
}

/// Upstream `BuildBrokenLinearFunction`: `shape[0].score` below the first point, the last score
/// above the last point, linear (integer division, truncating) in between.
pub fn broken_linear(shape: &[FunctionShapePoint], p: i64) -> i64 {
    for i in 0..shape.len() {
        if p <= shape[i].utilization {
            if i == 0 {
                return shape[0].score;
            }
            let (a, b) = (shape[i - 1], shape[i]);
            return a.score + (b.score - a.score) * (p - a.utilization) / (b.utilization - a.utilization);
        }
    }
    shape.last().map_or(0, |s| s.score)
}

/// Scales user shape points (score 0..=10) to the scheduler's 0..=100 range.
pub fn scaled_shape(shape: &[UtilizationShapePoint]) -> Vec<FunctionShapePoint> {
    shape
        .iter()
        .map(|p| FunctionShapePoint {
            utilization: p.utilization as i64,
            score: p.score as i64 * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE),
        })
        .collect()
}

fn resource_score(shape: &[FunctionShapePoint], requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return broken_linear(shape, MAX_UTILIZATION);
    }
    let util = if requested <= 0 { 0 } else { (requested as i128 * MAX_UTILIZATION as i128 / capacity as i128) as i64 };
    broken_linear(shape, util)
}

/// Scores requested/allocatable vectors; resources with zero allocatable or a zero score are
/// left out of the weighted mean (upstream behaviour).
pub fn score(requested: &[i64], allocatable: &[i64], resources: &[ResourceSpec], shape: &[FunctionShapePoint]) -> i64 {
    let (mut node_score, mut weight_sum) = (0i64, 0i64);
    for i in 0..requested.len() {
        if allocatable[i] == 0 {
            continue;
        }
        let s = resource_score(shape, requested[i], allocatable[i]);
        if s > 0 {
            node_score += s * resources[i].weight;
            weight_sum += resources[i].weight;
        }
    }
    if weight_sum == 0 { 0 } else { (node_score as f64 / weight_sum as f64).round() as i64 }
}
