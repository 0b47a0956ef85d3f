//! `random` expander: uniform choice among the candidates (`expander/random`). Also the
//! tie-breaker at the end of every chain.

use rand::RngExt;

use crate::engine::StreamRng;

/// Keeps one candidate chosen uniformly at random (none if there are none).
pub fn best_options(candidates: &[usize], rng: &mut StreamRng) -> (Vec<usize>, String) {
    if candidates.is_empty() {
        return (Vec::new(), "random: no options".into());
    }
    let pick = candidates[rng.random_range(0..candidates.len())];
    (vec![pick], format!("random: picked 1 of {}", candidates.len()))
}
