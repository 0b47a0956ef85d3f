//! NodeResourcesBalancedAllocation (classic, Kubernetes 1.24–1.35): favours nodes whose resource
//! fractions stay close together after placing the pod. Fractions use plain requests (no
//! defaults), capped at 1; score `(1 − std) × 100` truncated, with `std = |f1 − f2| / 2` for two
//! resources. Best-effort pods skip the plugin (score 0 everywhere).
//! Newer upstream master replaced this with a before/after balance formula; capsim keeps the
//! released behaviour.

use super::super::types::MAX_NODE_SCORE;

/// Scores requested/allocatable vectors; resources with zero allocatable are skipped.
pub fn score(requested: &[i64], allocatable: &[i64]) -> i64 {
    let fractions: Vec<f64> = (0..requested.len())
        .filter(|&i| allocatable[i] != 0)
        .map(|i| (requested[i] as f64 / allocatable[i] as f64).min(1.0))
        .collect();
    let std = match fractions.len() {
        0 | 1 => 0.0,
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        n => {
            let mean = fractions.iter().sum::<f64>() / n as f64;
            (fractions.iter().map(|f| (f - mean) * (f - mean)).sum::<f64>() / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
