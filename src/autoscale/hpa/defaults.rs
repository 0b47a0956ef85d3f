//! API defaults (`pkg/apis/autoscaling/v2/defaults.go`) and controller-manager defaults.
//!
//! Defaulting fills a partial `behavior` field by field per direction, so a spec that only
//! sets `scaleDown.stabilizationWindowSeconds` still gets the default policies.

use std::borrow::Cow;

use super::spec::{
    HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, HpaScalingPolicy, HpaScalingRules, MetricSpec,
    SelectPolicy,
};

/// `--horizontal-pod-autoscaler-sync-period`: the caller decides when to call `sync`.
pub const DEFAULT_SYNC_PERIOD_MS: u64 = 15_000;
/// `--horizontal-pod-autoscaler-tolerance`.
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const DEFAULT_CPU_INITIALIZATION_PERIOD_MS: u64 = 5 * 60_000;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const DEFAULT_INITIAL_READINESS_DELAY_MS: u64 = 30_000;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DEFAULT_DOWNSCALE_STABILIZATION_MS: u64 = 5 * 60_000;
/// Legacy (no `behavior`) scale-up cap: `max(factor * current, minimum)`.
pub const DEFAULT_SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
pub const DEFAULT_SCALE_UP_LIMIT_MINIMUM: i32 = 4;
/// `spec.minReplicas` default.
pub const DEFAULT_MIN_REPLICAS: i32 = 1;
/// Target used when `spec.metrics` is empty.
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// One direction's rules after defaulting: every field concrete.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingRules {
    pub stabilization_window_seconds: i32,
    pub select_policy: SelectPolicy,
    pub policies: Vec<HpaScalingPolicy>,
    /// `None`: use the controller-wide tolerance.
    pub tolerance: Option<f64>,
}

impl ScalingRules {
    /// Longest policy period; events older than this can no longer affect any policy.
    pub fn longest_period_seconds(&self) -> i32 {
        self.policies.iter().map(|p| p.period_seconds).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedBehavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

fn merge(from: Option<&HpaScalingRules>, window: i32, policies: Vec<HpaScalingPolicy>) -> ScalingRules {
    let mut out = ScalingRules {
        stabilization_window_seconds: window,
        select_policy: SelectPolicy::Max,
        policies,
        tolerance: None,
    };
    if let Some(r) = from {
        if let Some(w) = r.stabilization_window_seconds {
            out.stabilization_window_seconds = w;
        }
        if let Some(s) = r.select_policy {
            out.select_policy = s;
        }
        if let Some(p) = &r.policies {
            out.policies = p.clone();
        }
        out.tolerance = r.tolerance.map(|q| q.as_f64());
    }
    out
}

/// `GenerateHPAScaleUpRules`: window 0, Max of {4 pods, 100%} per 15 s.
pub fn scale_up_rules(rules: Option<&HpaScalingRules>) -> ScalingRules {
    merge(rules, 0, vec![HpaScalingPolicy::pods(4, 15), HpaScalingPolicy::percent(100, 15)])
}

/// `GenerateHPAScaleDownRules` plus the controller filling a nil window from the
/// downscale-stabilization flag (300 s by default).
pub fn scale_down_rules(rules: Option<&HpaScalingRules>, default_window_seconds: i32) -> ScalingRules {
    merge(rules, default_window_seconds, vec![HpaScalingPolicy::percent(100, 15)])
}

impl HorizontalPodAutoscalerBehavior {
    pub fn resolve(&self, default_scale_down_window_seconds: i32) -> ResolvedBehavior {
        ResolvedBehavior {
            scale_up: scale_up_rules(self.scale_up.as_ref()),
            scale_down: scale_down_rules(self.scale_down.as_ref(), default_scale_down_window_seconds),
        }
    }
}

impl HorizontalPodAutoscalerSpec {
    pub fn min_replicas_or_default(&self) -> i32 {
        self.min_replicas.unwrap_or(DEFAULT_MIN_REPLICAS)
    }

    /// The metrics the controller evaluates: the spec's, or CPU at 80% when empty.
    pub fn effective_metrics(&self) -> Cow<'_, [MetricSpec]> {
        if self.metrics.is_empty() {
            Cow::Owned(vec![MetricSpec::resource_utilization("cpu", DEFAULT_CPU_UTILIZATION)])
        } else {
            Cow::Borrowed(&self.metrics)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_behavior_keeps_other_defaults() {
        let b = HorizontalPodAutoscalerBehavior {
            scale_up: None,
            scale_down: Some(HpaScalingRules { select_policy: Some(SelectPolicy::Min), ..Default::default() }),
        };
        let r = b.resolve(300);
        assert_eq!(r.scale_up.policies.len(), 2);
        assert_eq!(r.scale_up.stabilization_window_seconds, 0);
        assert_eq!(r.scale_down.stabilization_window_seconds, 300);
        assert_eq!(r.scale_down.select_policy, SelectPolicy::Min);
        assert_eq!(r.scale_down.policies, vec![HpaScalingPolicy::percent(100, 15)]);
    }
}
