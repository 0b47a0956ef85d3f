//! `spec.fallback`: what the KEDA metrics adapter hands the HPA when a scaler keeps failing.
//!
//! Upstream does not set replicas directly: it fabricates a metric value that makes the HPA
//! compute the fallback replica count (`pkg/fallback/fallback.go`).

use super::spec::{FallbackBehavior, MetricType, ScaledObject};

/// Per-metric health, as in `status.health[metricName]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthStatus {
    pub number_of_failures: i32,
    pub failing: bool,
}

/// The HPA target of the metric being served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FallbackTarget {
    AverageValue(f64),
    Value(f64),
}

/// What the adapter returns for one metric request.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricOutcome {
    /// The scaler answered; health was reset.
    Value(f64),
    /// Fallback is active: this synthetic value (in milli-units) goes to the HPA.
    Fallback { milli: i64 },
    /// Behavior `scalingModifiers`: the trigger becomes nil in the formula.
    NilForFormula,
    /// The error propagates to the HPA (which then keeps its current replicas).
    Error(String),
}

/// Inputs that upstream reads from the cluster while computing a fallback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallbackContext {
    /// Target type and value of the metric spec (or the composite metric).
    pub target: FallbackTarget,
    /// Current replicas of the scale target (for the current* behaviors).
    pub current_replicas: u32,
    /// Ready pods (only used with Value targets, where the HPA multiplies back).
    pub ready_replicas: u32,
}

/// Upstream `HasValidFallback`: non-negative numbers, and a positive integer modifiers target.
pub fn has_valid_fallback(so: &ScaledObject) -> bool {
    let Some(fb) = &so.spec.fallback else {
        return false;
    };
    let modifiers_ok = match so.scaling_modifiers() {
        Some(sm) => sm.target.trim().parse::<i64>().is_ok_and(|v| v > 0),
        None => true,
    };
    fb.failure_threshold >= 0 && fb.replicas >= 0 && modifiers_ok
}

/// Replicas the fallback asks for, per `fallback.behavior`.
pub fn fallback_replicas(behavior: FallbackBehavior, fallback_replicas: i32, current: u32) -> f64 {
    let fb = i64::from(fallback_replicas);
    let cur = i64::from(current);
    match behavior {
        FallbackBehavior::Static | FallbackBehavior::ScalingModifiers => fb as f64,
        FallbackBehavior::CurrentReplicas => cur as f64,
        FallbackBehavior::CurrentReplicasIfHigher => cur.max(fb) as f64,
        FallbackBehavior::CurrentReplicasIfLower => cur.min(fb) as f64,
    }
}

/// The synthetic metric value (milli-units): `target * replicas`, divided by ready pods for
/// Value targets, so the HPA lands exactly on the fallback replica count.
pub fn fallback_metric_milli(so: &ScaledObject, ctx: &FallbackContext) -> Result<i64, String> {
    let fb = so.spec.fallback.as_ref().ok_or_else(|| "no fallback configured".to_string())?;
    let mut replicas = fallback_replicas(fb.behavior, fb.replicas, ctx.current_replicas);
    let (normalisation, is_value) = match so.scaling_modifiers() {
        Some(sm) => (sm.target.trim().parse::<f64>().unwrap_or(0.0), sm.metric_type == Some(MetricType::Value)),
        None => match ctx.target {
            FallbackTarget::AverageValue(v) => (v, false),
            FallbackTarget::Value(v) => (v, true),
        },
    };
    if is_value {
        if ctx.ready_replicas == 0 {
            return Err("readyReplicas is zero, cannot do fallback".to_string());
        }
        replicas /= f64::from(ctx.ready_replicas);
    }
    Ok((normalisation * 1000.0 * replicas) as i64)
}

/// Upstream `GetMetricsWithFallback` for one metric: update health, then serve the value,
/// the fallback value, or the error. `result` is the scaler's answer (Err = query failed).
pub fn metric_with_fallback(
    so: &ScaledObject,
    health: &mut HealthStatus,
    result: Result<f64, String>,
    ctx: &FallbackContext,
) -> MetricOutcome {
    let configured = so.spec.fallback.is_some() && has_valid_fallback(so);
    let err = match result {
        Ok(v) => {
            if configured {
                *health = HealthStatus { number_of_failures: 0, failing: false };
            }
            return MetricOutcome::Value(v);
        }
        Err(e) => e,
    };
    let Some(fb) = so.spec.fallback.as_ref().filter(|_| configured) else {
        return MetricOutcome::Error(err);
    };
    health.number_of_failures += 1;
    health.failing = true;
    // Strictly greater: the (failureThreshold + 1)-th consecutive failure switches to fallback.
    if health.number_of_failures <= fb.failure_threshold {
        return MetricOutcome::Error(err);
    }
    if fb.behavior == FallbackBehavior::ScalingModifiers {
        return MetricOutcome::NilForFormula;
    }
    match fallback_metric_milli(so, ctx) {
        Ok(milli) => MetricOutcome::Fallback { milli },
        Err(_) => MetricOutcome::Error("error performing fallback".to_string()),
    }
}

/// The `Fallback` condition: true while any metric is failing beyond the threshold.
pub fn fallback_condition<'a>(so: &ScaledObject, health: impl IntoIterator<Item = &'a HealthStatus>) -> bool {
    let Some(fb) = &so.spec.fallback else {
        return false;
    };
    has_valid_fallback(so) && health.into_iter().any(|h| h.failing && h.number_of_failures > fb.failure_threshold)
}
