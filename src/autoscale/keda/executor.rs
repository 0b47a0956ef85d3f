//! KEDA's own scaling decision, taken every `pollingInterval`: activation 0→N, deactivation
//! N→0 (or idle) after the cooldown, and pinning to minReplicaCount. Everything between
//! min and max is left to the HPA. Port of `RequestScale` in
//! `pkg/scaling/executor/scale_scaledobjects.go`.

use crate::engine::Millis;

use super::spec::ScaledObject;

/// What the executor observes at one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutorInput {
    /// `spec.replicas` of the scale target now.
    pub current_replicas: u32,
    /// Any trigger active (or the composite formula above its activation target).
    pub is_active: bool,
    /// At least one scaler returned an error this poll.
    pub is_error: bool,
    /// `status.lastActiveTime`; `None` when never set (e.g. scaled outside KEDA).
    pub last_active: Option<Millis>,
    /// Creation time of the ScaledObject (for `initialCooldownPeriod`).
    pub created_at: Millis,
    pub now: Millis,
}

/// Why the executor did (or did not) act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleReason {
    /// `autoscaling.keda.sh/paused` is set: nothing happens.
    Paused,
    /// `paused-replicas` is set: the target is pinned to that count.
    PausedReplicas,
    /// Active and at 0 (or below min in idle mode): scaled to max(min, 1).
    ActivatedFromZeroOrIdle,
    /// Would activate, but `paused-scale-out` forbids it.
    ScaleOutPaused,
    /// Active, but some trigger errored: Ready=Unknown, no scaling.
    PartialTriggerError,
    /// Active with replicas > 0: lastActiveTime refreshed, the HPA scales 1..N.
    ActiveHpaScaling,
    /// Inactive with errors and fallback replicas configured: the HPA applies the fallback.
    FallbackViaHpa,
    /// Inactive with errors and no fallback: Ready=False, no scaling.
    TriggerError,
    /// Cooldown elapsed: scaled to idleReplicaCount.
    DeactivatedToIdle,
    /// Cooldown elapsed: scaled to minReplicaCount (0 unless set).
    DeactivatedToMin,
    /// Inactive but still within cooldown (or the initial cooldown).
    Cooldown,
    /// Would deactivate, but `paused-scale-in` forbids it.
    ScaleInPaused,
    /// Inactive and below minReplicaCount (idle mode off): raised to min.
    RaisedToMin,
    /// Nothing to do.
    NoChange,
}

/// Decision of one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleDecision {
    /// New `spec.replicas` for the target, if KEDA writes one.
    pub set_replicas: Option<u32>,
    pub reason: ScaleReason,
    /// New `status.lastActiveTime`, when it is refreshed.
    pub last_active: Option<Millis>,
    /// The `Active` condition after this poll (`None` if untouched, as when paused).
    pub active: Option<bool>,
}

impl ScaleDecision {
    fn new(reason: ScaleReason, active: Option<bool>) -> Self {
        Self { set_replicas: None, reason, last_active: None, active }
    }
}

fn clamp_u32(v: i32) -> u32 {
    v.max(0) as u32
}

/// One call of KEDA's `RequestScale`.
pub fn request_scale(so: &ScaledObject, input: &ExecutorInput) -> ScaleDecision {
    // Paused objects skip scaling. paused-replicas takes precedence over paused.
    match so.paused_replicas() {
        Some(Ok(n)) => {
            let n = clamp_u32(n);
            let mut d = ScaleDecision::new(ScaleReason::PausedReplicas, None);
            if input.current_replicas != n {
                d.set_replicas = Some(n);
            }
            return d;
        }
        Some(Err(_)) => return ScaleDecision::new(ScaleReason::Paused, None),
        None if so.paused_by_annotation() => return ScaleDecision::new(ScaleReason::Paused, None),
        None => {}
    }

    let min = so.spec.min_replica_count.unwrap_or(0);
    let current = i64::from(input.current_replicas);
    let idle = so.spec.idle_replica_count;

    if input.is_active || so.force_activation() {
        let mut d = ScaleDecision::new(ScaleReason::ActiveHpaScaling, Some(true));
        if (idle.is_some() && current < i64::from(min)) || current == 0 {
            if so.pause_scale_out() {
                d.reason = ScaleReason::ScaleOutPaused;
                return d;
            }
            d.set_replicas = Some(clamp_u32(min.max(1)));
            d.reason = ScaleReason::ActivatedFromZeroOrIdle;
            d.last_active = Some(input.now);
        } else if input.is_error {
            d.reason = ScaleReason::PartialTriggerError;
        } else {
            d.last_active = Some(input.now);
        }
        return d;
    }

    let mut d = ScaleDecision::new(ScaleReason::NoChange, Some(false));
    let fallback = so.spec.fallback.as_ref();
    if input.is_error && fallback.is_some_and(|f| f.replicas != 0) {
        d.reason = ScaleReason::FallbackViaHpa;
    } else if input.is_error && fallback.is_none() {
        d.reason = ScaleReason::TriggerError;
    } else if idle.is_some_and(|i| current > i64::from(i)) || (current > 0 && min == 0) {
        if so.pause_scale_in() {
            d.reason = ScaleReason::ScaleInPaused;
            return d;
        }
        // Upstream uses time.Before: the period must be strictly exceeded.
        let eligible = match input.last_active {
            None => input.created_at + so.initial_cooldown_period_ms() < input.now,
            Some(t) => t + so.cooldown_period_ms() < input.now,
        };
        if eligible {
            match idle {
                Some(i) => {
                    d.set_replicas = Some(clamp_u32(i));
                    d.reason = ScaleReason::DeactivatedToIdle;
                }
                None => {
                    d.set_replicas = Some(clamp_u32(min));
                    d.reason = ScaleReason::DeactivatedToMin;
                }
            }
        } else {
            d.reason = ScaleReason::Cooldown;
        }
    } else if idle.is_none() && current < i64::from(min) {
        d.set_replicas = Some(clamp_u32(min));
        d.reason = ScaleReason::RaisedToMin;
    }
    d
}
