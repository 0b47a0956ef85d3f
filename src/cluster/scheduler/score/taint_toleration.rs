//! TaintToleration scoring: counts `PreferNoSchedule` taints the pod does not tolerate (only its
//! tolerations with that effect or no effect count), then normalises reversed so fewer
//! intolerable taints score higher.

use super::super::selector::tolerations_tolerate;
use super::super::types::{NodeInfo, PodInfo, TaintEffect, Toleration};

/// Raw (pre-normalisation) score: the number of intolerable `PreferNoSchedule` taints.
pub fn raw_score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    let tolerations: Vec<Toleration> = pod
        .tolerations
        .iter()
        .filter(|t| t.effect.is_none() || t.effect == Some(TaintEffect::PreferNoSchedule))
        .cloned()
        .collect();
    node.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule && !tolerations_tolerate(&tolerations, t))
        .count() as i64
}
