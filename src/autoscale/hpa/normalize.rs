//! Turning the metrics' proposal into the replica count to apply: stabilization windows,
//! rate limits and min/max clamping, for both the legacy (no `behavior`) and the behavior path.
//!
//! Timestamps are integer milliseconds; cut-offs are computed in `i64` so a window longer
//! than the elapsed simulation time behaves like Go's negative-time arithmetic.

use super::calc::ceil_i32;
use super::defaults::ScalingRules;
use super::spec::{HpaScalingPolicy, PolicyType, SelectPolicy};

/// A metrics proposal remembered for stabilization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    pub replicas: i32,
    pub timestamp_ms: u64,
}

/// A past rescale, kept per direction to evaluate rate-limit policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    /// Magnitude of the change (always positive).
    pub replica_change: i32,
    pub timestamp_ms: u64,
    /// Older than every policy period of its direction: its slot may be reused.
    pub outdated: bool,
}

fn cutoff(now_ms: u64, window_ms: u64) -> i64 {
    now_ms as i64 - window_ms as i64
}

/// Which stabilization window changed the proposal, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stabilization {
    /// Upstream condition `ReadyForNewScale`.
    None,
    /// Held down by the minimum over the scale-up window.
    ScaleUpStabilized { window_seconds: i32 },
    /// Held up by the maximum over the scale-down window.
    ScaleDownStabilized { window_seconds: i32 },
}

impl Stabilization {
    pub fn condition_reason(self) -> &'static str {
        match self {
            Self::None => "ReadyForNewScale",
            Self::ScaleUpStabilized { .. } => "ScaleUpStabilized",
            Self::ScaleDownStabilized { .. } => "ScaleDownStabilized",
        }
    }
}

/// Legacy `stabilizeRecommendation`: max over the window, then record the proposal in the
/// slot of one out-of-window entry (or append).
pub fn stabilize_recommendation(recs: &mut Vec<Recommendation>, proposal: i32, window_ms: u64, now_ms: u64) -> i32 {
    let cut = cutoff(now_ms, window_ms);
    let mut max = proposal;
    let mut old = None;
    for (i, r) in recs.iter().enumerate() {
        if (r.timestamp_ms as i64) < cut {
            old = Some(i);
        } else if r.replicas > max {
            max = r.replicas;
        }
    }
    let rec = Recommendation { replicas: proposal, timestamp_ms: now_ms };
    match old {
        Some(i) => recs[i] = rec,
        None => recs.push(rec),
    }
    max
}

/// Records `proposal` at `now_ms` as the stabilization functions above do, without
/// stabilizing: it takes the slot of the last recommendation older than `keep_ms` (the longer
/// window), else it is appended. For a caller that only records (see
/// `HpaController::record_recommendation`).
pub fn record_recommendation(recs: &mut Vec<Recommendation>, proposal: i32, keep_ms: u64, now_ms: u64) {
    let cut = cutoff(now_ms, keep_ms);
    let rec = Recommendation { replicas: proposal, timestamp_ms: now_ms };
    match recs.iter().rposition(|r| (r.timestamp_ms as i64) < cut) {
        Some(i) => recs[i] = rec,
        None => recs.push(rec),
    }
}

/// `stabilizeRecommendationWithBehaviors`: clamp `current` between the minimum over the
/// scale-up window and the maximum over the scale-down window (both including the proposal).
pub fn stabilize_with_behavior(
    recs: &mut Vec<Recommendation>,
    current: i32,
    proposal: i32,
    up_window_seconds: i32,
    down_window_seconds: i32,
    now_ms: u64,
) -> (i32, Stabilization) {
    let up_cut = cutoff(now_ms, up_window_seconds.max(0) as u64 * 1000);
    let down_cut = cutoff(now_ms, down_window_seconds.max(0) as u64 * 1000);
    let mut up = proposal;
    let mut down = proposal;
    let mut old = None;
    for (i, r) in recs.iter().enumerate() {
        let ts = r.timestamp_ms as i64;
        if ts > up_cut {
            up = up.min(r.replicas);
        }
        if ts > down_cut {
            down = down.max(r.replicas);
        }
        if ts < up_cut && ts < down_cut {
            old = Some(i);
        }
    }
    let mut result = current;
    if result < up {
        result = up;
    }
    if result > down {
        result = down;
    }
    let rec = Recommendation { replicas: proposal, timestamp_ms: now_ms };
    match old {
        Some(i) => recs[i] = rec,
        None => recs.push(rec),
    }
    let why = if result == proposal {
        Stabilization::None
    } else if proposal >= current {
        Stabilization::ScaleUpStabilized { window_seconds: up_window_seconds }
    } else {
        Stabilization::ScaleDownStabilized { window_seconds: down_window_seconds }
    };
    (result, why)
}

/// What produced a rate limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateRule {
    /// Legacy path: `max(factor * current, minimum)`.
    Legacy { factor: f64, minimum: i32 },
    /// Behavior path: the policy whose value was selected (None when selectPolicy Disabled or
    /// when the limit was clamped to current replicas).
    Policy { select: SelectPolicy, policy: Option<HpaScalingPolicy> },
}

/// The `ScalingLimited` condition: whether (and by what) the stabilized value was clamped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    DesiredWithinRange,
    ScaleUpLimit { limit: i32, current: i32, rule: RateRule },
    ScaleDownLimit { limit: i32, current: i32, rule: RateRule },
    TooManyReplicas { max: i32 },
    TooFewReplicas { min: i32 },
}

impl Limit {
    pub fn condition_reason(&self) -> &'static str {
        match self {
            Self::DesiredWithinRange => "DesiredWithinRange",
            Self::ScaleUpLimit { .. } => "ScaleUpLimit",
            Self::ScaleDownLimit { .. } => "ScaleDownLimit",
            Self::TooManyReplicas { .. } => "TooManyReplicas",
            Self::TooFewReplicas { .. } => "TooFewReplicas",
        }
    }
}

/// Legacy cap on one sync's growth (guards against bogus usage spikes, upstream #32304).
pub fn legacy_scale_up_limit(current: i32, factor: f64, minimum: i32) -> i32 {
    (factor * f64::from(current)).max(f64::from(minimum)) as i32
}

/// Legacy `convertDesiredReplicasWithRules`.
pub fn convert_desired_replicas_with_rules(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    factor: f64,
    minimum: i32,
) -> (i32, Limit) {
    let cap = legacy_scale_up_limit(current, factor, minimum);
    let (max_allowed, upper) = if max > cap {
        (cap, Limit::ScaleUpLimit { limit: cap, current, rule: RateRule::Legacy { factor, minimum } })
    } else {
        (max, Limit::TooManyReplicas { max })
    };
    if desired < min {
        (min, Limit::TooFewReplicas { min })
    } else if desired > max_allowed {
        (max_allowed, upper)
    } else {
        (desired, Limit::DesiredWithinRange)
    }
}

/// Sum of changes newer than `period_seconds` (strictly after the cut-off).
pub fn replicas_change_per_period(period_seconds: i32, events: &[ScaleEvent], now_ms: u64) -> i32 {
    let cut = cutoff(now_ms, period_seconds.max(0) as u64 * 1000);
    events.iter().filter(|e| e.timestamp_ms as i64 > cut).map(|e| e.replica_change).sum()
}

fn policy_limits(
    current: i32,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now_ms: u64,
    up: bool,
) -> (i32, Option<HpaScalingPolicy>) {
    // For scale-up Max picks the largest limit; for scale-down Max (largest change) picks the
    // smallest resulting count. Min is the opposite in each direction.
    let pick_larger = matches!((up, rules.select_policy), (true, SelectPolicy::Max) | (false, SelectPolicy::Min));
    let mut best: Option<(i32, HpaScalingPolicy)> = None;
    for p in &rules.policies {
        let added = replicas_change_per_period(p.period_seconds, up_events, now_ms);
        let removed = replicas_change_per_period(p.period_seconds, down_events, now_ms);
        let start = current - added + removed;
        let proposed = match (up, p.type_) {
            (true, PolicyType::Pods) => start + p.value,
            (true, PolicyType::Percent) => ceil_i32(f64::from(start) * (1.0 + f64::from(p.value) / 100.0)),
            (false, PolicyType::Pods) => start - p.value,
            (false, PolicyType::Percent) => (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32,
        };
        let better = match best {
            None => true,
            Some((b, _)) => {
                if pick_larger {
                    proposed > b
                } else {
                    proposed < b
                }
            }
        };
        if better {
            best = Some((proposed, *p));
        }
    }
    match best {
        Some((limit, p)) => (limit, Some(p)),
        None => (if pick_larger { i32::MIN } else { i32::MAX }, None),
    }
}

/// `calculateScaleUpLimitWithScalingRules`: highest count the policies allow right now.
pub fn scale_up_limit_with_rules(
    current: i32,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now_ms: u64,
) -> (i32, Option<HpaScalingPolicy>) {
    if rules.select_policy == SelectPolicy::Disabled {
        return (current, None);
    }
    policy_limits(current, up_events, down_events, rules, now_ms, true)
}

/// `calculateScaleDownLimitWithBehaviors`: lowest count the policies allow right now.
pub fn scale_down_limit_with_rules(
    current: i32,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &ScalingRules,
    now_ms: u64,
) -> (i32, Option<HpaScalingPolicy>) {
    if rules.select_policy == SelectPolicy::Disabled {
        return (current, None);
    }
    policy_limits(current, up_events, down_events, rules, now_ms, false)
}

/// Inputs of `convertDesiredReplicasWithBehaviorRate`.
#[derive(Debug, Clone, PartialEq)]
pub struct RateArgs<'a> {
    pub scale_up: &'a ScalingRules,
    pub scale_down: &'a ScalingRules,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub current: i32,
    pub desired: i32,
}

/// Applies the direction's policies and min/max to the stabilized recommendation.
pub fn convert_desired_replicas_with_behavior_rate(
    a: &RateArgs<'_>,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    now_ms: u64,
) -> (i32, Limit) {
    if a.desired > a.current {
        let (mut limit, mut policy) = scale_up_limit_with_rules(a.current, up_events, down_events, a.scale_up, now_ms);
        if limit < a.current {
            limit = a.current;
            policy = None;
        }
        let (max_allowed, why) = if a.max_replicas > limit {
            (
                limit,
                Limit::ScaleUpLimit {
                    limit,
                    current: a.current,
                    rule: RateRule::Policy { select: a.scale_up.select_policy, policy },
                },
            )
        } else {
            (a.max_replicas, Limit::TooManyReplicas { max: a.max_replicas })
        };
        if a.desired > max_allowed {
            return (max_allowed, why);
        }
    } else if a.desired < a.current {
        let (mut limit, mut policy) =
            scale_down_limit_with_rules(a.current, up_events, down_events, a.scale_down, now_ms);
        if limit > a.current {
            limit = a.current;
            policy = None;
        }
        let (min_allowed, why) = if a.min_replicas < limit {
            (
                limit,
                Limit::ScaleDownLimit {
                    limit,
                    current: a.current,
                    rule: RateRule::Policy { select: a.scale_down.select_policy, policy },
                },
            )
        } else {
            (a.min_replicas, Limit::TooFewReplicas { min: a.min_replicas })
        };
        if a.desired < min_allowed {
            return (min_allowed, why);
        }
    }
    (a.desired, Limit::DesiredWithinRange)
}

/// `storeScaleEvent` for one direction: mark events older than the longest policy period
/// as outdated, then reuse the last outdated slot or append.
pub fn store_scale_event(events: &mut Vec<ScaleEvent>, rules: &ScalingRules, change: i32, now_ms: u64) {
    let cut = cutoff(now_ms, rules.longest_period_seconds().max(0) as u64 * 1000);
    let mut slot = None;
    for (i, e) in events.iter_mut().enumerate() {
        if (e.timestamp_ms as i64) < cut {
            e.outdated = true;
        }
        if e.outdated {
            slot = Some(i);
        }
    }
    let ev = ScaleEvent { replica_change: change, timestamp_ms: now_ms, outdated: false };
    match slot {
        Some(i) => events[i] = ev,
        None => events.push(ev),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_window_keeps_max() {
        let mut recs = vec![
            Recommendation { replicas: 4, timestamp_ms: 880_000 },
            Recommendation { replicas: 5, timestamp_ms: 940_000 },
        ];
        assert_eq!(stabilize_recommendation(&mut recs, 3, 300_000, 1_000_000), 5);
        assert_eq!(recs.len(), 3);
    }

    #[test]
    fn legacy_limit_uses_factor_and_minimum() {
        assert_eq!(legacy_scale_up_limit(1, 2.0, 4), 4);
        assert_eq!(legacy_scale_up_limit(12, 2.0, 4), 24);
    }

    proptest::proptest! {
        /// Recording alone leaves the history exactly as stabilizing does (same slot reused),
        /// with and without behavior windows.
        #[test]
        fn recording_takes_the_slot_stabilizing_takes(
            stamps in proptest::collection::vec((0u64..1_200_000, 0i32..20), 0..40),
            now in 600_000u64..1_800_000,
            up in -5i32..400,
            down in -5i32..400,
            proposal in 0i32..20,
        ) {
            let recs: Vec<Recommendation> =
                stamps.iter().map(|&(t, r)| Recommendation { replicas: r, timestamp_ms: t }).collect();
            let (mut a, mut b) = (recs.clone(), recs.clone());
            stabilize_with_behavior(&mut a, 5, proposal, up, down, now);
            record_recommendation(&mut b, proposal, up.max(down).max(0) as u64 * 1000, now);
            proptest::prop_assert_eq!(&a, &b);
            let (mut a, mut b) = (recs.clone(), recs);
            stabilize_recommendation(&mut a, proposal, 300_000, now);
            record_recommendation(&mut b, proposal, 300_000, now);
            proptest::prop_assert_eq!(a, b);
        }
    }
}
