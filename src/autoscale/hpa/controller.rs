//! `reconcileAutoscaler` as a pure state machine: the history upstream keeps in memory
//! (recommendations, scale events) lives in `HpaState`, and every sync returns a `Decision`
//! that explains itself.

use std::fmt;
use std::sync::Arc;

use super::calc::{CalcParams, Tolerances};
use super::defaults::{
    DEFAULT_CPU_INITIALIZATION_PERIOD_MS, DEFAULT_DOWNSCALE_STABILIZATION_MS, DEFAULT_INITIAL_READINESS_DELAY_MS,
    DEFAULT_SCALE_UP_LIMIT_FACTOR, DEFAULT_SCALE_UP_LIMIT_MINIMUM, DEFAULT_TOLERANCE, ResolvedBehavior,
};
use super::metrics::{self, MetricError, MetricProposal, MetricValue, MetricsOutcome, fmt_milli};
use super::normalize::{self, Limit, RateArgs, RateRule, Recommendation, ScaleEvent, Stabilization};
use super::observed::Observed;
use super::scratch::CalcScratch;
use super::spec::{HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricSpec, PolicyType, SelectPolicy};

/// kube-controller-manager settings that shape the HPA (flags, not per-object spec).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HpaConfig {
    pub tolerance: f64,
    pub cpu_initialization_period_ms: u64,
    pub initial_readiness_delay_ms: u64,
    /// Window of the legacy path and the default `scaleDown.stabilizationWindowSeconds`.
    pub downscale_stabilization_ms: u64,
    /// Legacy cap `max(factor * current, minimum)`; upstream tests raise the factor to 8.
    pub scale_up_limit_factor: f64,
    pub scale_up_limit_minimum: i32,
}

impl Default for HpaConfig {
    fn default() -> Self {
        Self {
            tolerance: DEFAULT_TOLERANCE,
            cpu_initialization_period_ms: DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
            initial_readiness_delay_ms: DEFAULT_INITIAL_READINESS_DELAY_MS,
            downscale_stabilization_ms: DEFAULT_DOWNSCALE_STABILIZATION_MS,
            scale_up_limit_factor: DEFAULT_SCALE_UP_LIMIT_FACTOR,
            scale_up_limit_minimum: DEFAULT_SCALE_UP_LIMIT_MINIMUM,
        }
    }
}

/// Per-HPA memory. `recommendations == None` means "never synced": the first sync seeds it
/// with the current replica count, which is why a fresh HPA does not scale down at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HpaState {
    pub recommendations: Option<Vec<Recommendation>>,
    pub scale_up_events: Vec<ScaleEvent>,
    pub scale_down_events: Vec<ScaleEvent>,
}

/// The single "why" of a decision, most specific first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Current replicas is 0 and minReplicas > 0: the HPA is parked (how KEDA idles).
    ScalingDisabled,
    /// Current replicas above maxReplicas: set to max, no stabilization or rate limits.
    AboveMaxReplicas,
    /// Current replicas below minReplicas: set to min immediately.
    BelowMinReplicas,
    /// Metrics failed in a way that forbids scaling this sync.
    InvalidMetric,
    /// The winning metric's ratio was inside the tolerance band.
    Tolerance,
    /// A stabilization window held the recommendation.
    StabilizationWindow(Stabilization),
    /// Legacy `max(2×current, 4)` cap.
    ScaleUpLimit,
    /// A behavior policy capped the change.
    Policy {
        up: bool,
        select: SelectPolicy,
        policy: Option<PolicyType>,
    },
    MaxReplicas,
    MinReplicas,
    DesiredWithinRange,
}

/// The outcome of one sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub now_ms: u64,
    pub current_replicas: i32,
    pub min_replicas: i32,
    pub max_replicas: i32,
    /// Replica count to apply (equals current when `rescale` is false).
    pub desired_replicas: i32,
    pub rescale: bool,
    /// Per-metric results in spec order (empty when metrics were not evaluated).
    pub metrics: Vec<Result<MetricProposal, MetricError>>,
    /// Index of the winning metric.
    pub chosen_metric: Option<usize>,
    /// Max over metric proposals, before normalization.
    pub proposal: Option<i32>,
    /// After stabilization, before rate limits and clamping.
    pub stabilized: Option<i32>,
    pub stabilization: Stabilization,
    pub limit: Limit,
    pub reason: Reason,
    /// First metric error (also set when scaling proceeded on the remaining metrics).
    pub metric_error: Option<MetricError>,
}

impl Default for Decision {
    fn default() -> Self {
        Self::empty()
    }
}

impl Decision {
    /// A decision with nothing decided yet (the fields [`HpaController::sync_into`] resets).
    pub fn empty() -> Self {
        Decision {
            now_ms: 0,
            current_replicas: 0,
            min_replicas: 0,
            max_replicas: 0,
            desired_replicas: 0,
            rescale: false,
            metrics: Vec::new(),
            chosen_metric: None,
            proposal: None,
            stabilized: None,
            stabilization: Stabilization::None,
            limit: Limit::DesiredWithinRange,
            reason: Reason::DesiredWithinRange,
            metric_error: None,
        }
    }

    /// Upstream `AbleToScale` condition reason.
    pub fn able_to_scale_reason(&self) -> &'static str {
        if self.rescale {
            "SucceededRescale"
        } else if self.proposal.is_none() {
            "SucceededGetScale"
        } else {
            self.stabilization.condition_reason()
        }
    }

    /// Upstream `ScalingActive` condition reason.
    pub fn scaling_active_reason(&self) -> &'static str {
        match self.reason {
            Reason::ScalingDisabled => "ScalingDisabled",
            Reason::InvalidMetric => self.metric_error.as_ref().map_or("InvalidMetric", |e| e.reason),
            _ => "ValidMetricFound",
        }
    }

    /// Upstream `ScalingLimited` condition reason.
    pub fn scaling_limited_reason(&self) -> &'static str {
        self.limit.condition_reason()
    }
}

fn fmt_current(v: &MetricValue) -> String {
    match v {
        MetricValue::Utilization { percent, .. } => format!("{percent}%"),
        MetricValue::AverageValue { milli } | MetricValue::Value { milli } => fmt_milli(*milli),
        MetricValue::PerPod { total_milli, .. } => fmt_milli(*total_milli),
    }
}

fn fmt_policy(select: SelectPolicy, p: Option<super::spec::HpaScalingPolicy>) -> String {
    match p {
        Some(p) => {
            let v = match p.type_ {
                PolicyType::Pods => format!("{} pods", p.value),
                PolicyType::Percent => format!("{}%", p.value),
            };
            format!("policy {v}/{}s, selectPolicy {select:?}", p.period_seconds)
        }
        None => format!("selectPolicy {select:?}, recent events"),
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Limit::DesiredWithinRange => write!(f, "within range"),
            Limit::ScaleUpLimit { limit, current, rule: RateRule::Legacy { factor, minimum } } => {
                write!(f, "limited by ScaleUpLimit (max({factor}×{current}, {minimum})={limit})")
            }
            Limit::ScaleUpLimit { limit, rule: RateRule::Policy { select, policy }, .. } => {
                write!(f, "limited by ScaleUpLimit ({}: {limit})", fmt_policy(select, policy))
            }
            Limit::ScaleDownLimit { limit, rule: RateRule::Policy { select, policy }, .. } => {
                write!(f, "limited by ScaleDownLimit ({}: {limit})", fmt_policy(select, policy))
            }
            Limit::ScaleDownLimit { limit, .. } => write!(f, "limited by ScaleDownLimit ({limit})"),
            Limit::TooManyReplicas { max } => {
                write!(f, "limited by TooManyReplicas (maxReplicas={max})")
            }
            Limit::TooFewReplicas { min } => {
                write!(f, "raised by TooFewReplicas (minReplicas={min})")
            }
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::ScalingDisabled => {
                return write!(f, "scaling disabled: current replicas is 0 and minReplicas={}", self.min_replicas);
            }
            Reason::AboveMaxReplicas => {
                return write!(f, "current {} above maxReplicas → {}", self.current_replicas, self.desired_replicas);
            }
            Reason::BelowMinReplicas => {
                return write!(f, "current {} below minReplicas → {}", self.current_replicas, self.desired_replicas);
            }
            Reason::InvalidMetric => {
                let e = self.metric_error.as_ref().map_or_else(|| "no valid metric".to_string(), |e| e.to_string());
                return write!(f, "invalid metric ({e}), keeping {}", self.current_replicas);
            }
            _ => {}
        }
        if let Some(Ok(m)) = self.chosen_metric.and_then(|i| self.metrics.get(i)) {
            write!(f, "{} {}/{} → {}", m.description, fmt_current(&m.current), m.target, m.replicas)?;
            if m.within_tolerance {
                write!(f, " (within tolerance)")?;
            }
        } else if let Some(p) = self.proposal {
            write!(f, "metrics → {p}")?;
        }
        if let (
            Some(s),
            Stabilization::ScaleUpStabilized { window_seconds } | Stabilization::ScaleDownStabilized { window_seconds },
        ) = (self.stabilized, self.stabilization)
        {
            let dir = if matches!(self.stabilization, Stabilization::ScaleUpStabilized { .. }) {
                "scale-up"
            } else {
                "scale-down"
            };
            write!(f, ", {dir} stabilization window ({window_seconds}s) → {s}")?;
        }
        write!(f, ", {}", self.limit)?;
        if self.desired_replicas != self.proposal.unwrap_or(self.desired_replicas) {
            write!(f, " → {}", self.desired_replicas)?;
        }
        Ok(())
    }
}

/// Stabilizes `proposal` and records it (the legacy window, or `behavior`'s two windows), as a
/// sync does; also returns the resolved behavior, if any, for the rate limits that follow.
fn stabilize<'c>(
    config: &HpaConfig,
    cache: &'c mut SpecCache,
    recs: &mut Vec<Recommendation>,
    spec: &HorizontalPodAutoscalerSpec,
    current: i32,
    proposal: i32,
    now_ms: u64,
) -> (i32, Stabilization, Option<&'c ResolvedBehavior>) {
    let default_window = config.downscale_stabilization_ms;
    match &spec.behavior {
        None => {
            let s = normalize::stabilize_recommendation(recs, proposal, default_window, now_ms);
            let why = if s != proposal {
                Stabilization::ScaleDownStabilized { window_seconds: (default_window / 1000) as i32 }
            } else {
                Stabilization::None
            };
            (s, why, None)
        }
        Some(b) => {
            let rules = cache.behavior(b, (default_window / 1000) as i32);
            let (s, why) = normalize::stabilize_with_behavior(
                recs,
                current,
                proposal,
                rules.scale_up.stabilization_window_seconds,
                rules.scale_down.stabilization_window_seconds,
                now_ms,
            );
            (s, why, Some(rules))
        }
    }
}

/// What a controller derives from its spec, rendered once and reused for as long as the spec
/// stays the same (a sync runs every 15 s of a simulated year; re-rendering labels and
/// re-resolving behavior defaults each time was most of its allocations). Not state: it never
/// changes a decision, and two controllers differing only here are equal.
#[derive(Debug, Clone, Default)]
struct SpecCache {
    /// Labels of each effective metric, with the metric they were rendered for.
    labels: Vec<(MetricSpec, Arc<str>, Arc<str>)>,
    /// The resolved behavior, with the behavior and default window it was resolved from.
    behavior: Option<(HorizontalPodAutoscalerBehavior, i32, ResolvedBehavior)>,
}

impl PartialEq for SpecCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SpecCache {
    fn labels(&mut self, i: usize, metric: &MetricSpec) -> (Arc<str>, Arc<str>) {
        if let Some((m, d, t)) = self.labels.get(i)
            && m == metric
        {
            return (d.clone(), t.clone());
        }
        let (d, t) = metrics::shared_labels(metric);
        let entry = (metric.clone(), d.clone(), t.clone());
        if i < self.labels.len() {
            self.labels[i] = entry;
        } else {
            self.labels.push(entry);
        }
        (d, t)
    }

    fn behavior(&mut self, b: &HorizontalPodAutoscalerBehavior, default_window_seconds: i32) -> &ResolvedBehavior {
        let fresh = matches!(&self.behavior, Some((cached, w, _)) if cached == b && *w == default_window_seconds);
        if !fresh {
            self.behavior = Some((b.clone(), default_window_seconds, b.resolve(default_window_seconds)));
        }
        &self.behavior.as_ref().expect("just resolved").2
    }
}

/// The calculator's buffers as a controller keeps them: like [`SpecCache`], never part of a
/// controller's identity.
#[derive(Debug, Clone, Default)]
struct Scratch(CalcScratch);

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One HPA's controller: config plus history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HpaController {
    pub config: HpaConfig,
    pub state: HpaState,
    cache: SpecCache,
    scratch: Scratch,
}

impl HpaController {
    pub fn new(config: HpaConfig) -> Self {
        Self { config, state: HpaState::default(), cache: SpecCache::default(), scratch: Scratch::default() }
    }

    /// Tolerances for this spec: per-direction `behavior.*.tolerance`, else the global flag.
    pub fn tolerances(&self, spec: &HorizontalPodAutoscalerSpec) -> Tolerances {
        let mut t = Tolerances::symmetric(self.config.tolerance);
        if let Some(b) = &spec.behavior {
            if let Some(v) = b.scale_up.as_ref().and_then(|r| r.tolerance) {
                t.scale_up = v.as_f64();
            }
            if let Some(v) = b.scale_down.as_ref().and_then(|r| r.tolerance) {
                t.scale_down = v.as_f64();
            }
        }
        t
    }

    pub fn calc_params(&self, spec: &HorizontalPodAutoscalerSpec, now_ms: u64) -> CalcParams {
        CalcParams {
            tolerances: self.tolerances(spec),
            cpu_initialization_period_ms: self.config.cpu_initialization_period_ms,
            initial_readiness_delay_ms: self.config.initial_readiness_delay_ms,
            now_ms,
        }
    }

    /// One reconcile. The caller applies `desired_replicas` when `rescale` is true.
    pub fn sync(&mut self, spec: &HorizontalPodAutoscalerSpec, observed: &Observed, now_ms: u64) -> Decision {
        let mut d = Decision::empty();
        self.sync_into(spec, observed, now_ms, &mut d);
        d
    }

    /// [`sync`](Self::sync) into `d`, overwriting all of it but reusing its buffers: a caller
    /// syncing every 15 s of a simulated year keeps one decision instead of allocating one.
    pub fn sync_into(
        &mut self,
        spec: &HorizontalPodAutoscalerSpec,
        observed: &Observed,
        now_ms: u64,
        d: &mut Decision,
    ) {
        self.decide(spec, observed.spec_replicas, now_ms, d, |hpa, d| hpa.propose(spec, observed, now_ms, d));
    }

    /// [`sync_into`](Self::sync_into) for a caller that knows what the metrics propose (every
    /// metric valid, their largest proposal `proposal`) for a target at `current` replicas:
    /// the same decision and the same state after it, but `d.metrics` and `d.chosen_metric`
    /// are left empty (and a within-tolerance hold is summarized as within range). A caller
    /// that reports the decision fills them in with [`explain`](Self::explain).
    pub fn sync_known(
        &mut self,
        spec: &HorizontalPodAutoscalerSpec,
        current: i32,
        proposal: i32,
        now_ms: u64,
        d: &mut Decision,
    ) {
        self.decide(spec, current, now_ms, d, |_, _| Some(proposal));
    }

    /// Fills in the per-metric results of a decision made by [`sync_known`](Self::sync_known)
    /// from what the sync observed; changes nothing else (the proposal must be the one the
    /// metrics make).
    pub fn explain(&mut self, spec: &HorizontalPodAutoscalerSpec, observed: &Observed, now_ms: u64, d: &mut Decision) {
        let proposal = self.propose(spec, observed, now_ms, d);
        debug_assert_eq!(proposal, d.proposal, "a known proposal differs from the metrics' own");
    }

    fn decide(
        &mut self,
        spec: &HorizontalPodAutoscalerSpec,
        current: i32,
        now_ms: u64,
        d: &mut Decision,
        propose: impl FnOnce(&mut Self, &mut Decision) -> Option<i32>,
    ) {
        let min = spec.min_replicas_or_default();
        let max = spec.max_replicas;
        if self.state.recommendations.is_none() {
            self.state.recommendations = Some(vec![Recommendation { replicas: current, timestamp_ms: now_ms }]);
        }
        let mut metrics = std::mem::take(&mut d.metrics);
        metrics.clear();
        *d = Decision {
            now_ms,
            current_replicas: current,
            min_replicas: min,
            max_replicas: max,
            desired_replicas: current,
            metrics,
            ..Decision::empty()
        };
        let desired = if current == 0 && min != 0 {
            d.reason = Reason::ScalingDisabled;
            return;
        } else if current > max {
            d.reason = Reason::AboveMaxReplicas;
            d.limit = Limit::TooManyReplicas { max };
            max
        } else if current < min {
            d.reason = Reason::BelowMinReplicas;
            d.limit = Limit::TooFewReplicas { min };
            min
        } else {
            let Some(proposal) = propose(self, d) else {
                d.reason = Reason::InvalidMetric;
                return;
            };
            d.proposal = Some(proposal);
            self.normalize(spec, d, current, proposal, min, max, now_ms)
        };
        d.desired_replicas = desired;
        d.rescale = desired != current;
        if d.rescale {
            self.store_event(spec, current, desired, now_ms);
        } else {
            d.desired_replicas = current;
        }
        if matches!(d.reason, Reason::DesiredWithinRange) {
            d.reason = self.summarize(d);
        }
    }

    /// What the metrics propose at `now_ms`, before stabilization and limits: the step of a
    /// sync that reads `observed` (None when no metric is valid). Fills `d.metrics`,
    /// `d.chosen_metric` and `d.metric_error`; records nothing.
    pub fn propose(
        &mut self,
        spec: &HorizontalPodAutoscalerSpec,
        observed: &Observed,
        now_ms: u64,
        d: &mut Decision,
    ) -> Option<i32> {
        let params = self.calc_params(spec, now_ms);
        let cache = &mut self.cache;
        let MetricsOutcome { per_metric, replicas, chosen, first_error } =
            metrics::compute_replicas_for_metrics_labelled(
                std::mem::take(&mut d.metrics),
                &spec.effective_metrics(),
                observed.spec_replicas,
                observed.status_replicas,
                observed,
                &params,
                &mut self.scratch.0,
                |i, m| cache.labels(i, m),
            );
        d.metrics = per_metric;
        d.metric_error = first_error;
        d.chosen_metric = chosen;
        replicas.map(|r| r.max(0))
    }

    /// Records `proposal` in the recommendation history exactly as a sync at `now_ms` that
    /// reaches stabilization would (same slot reuse), without deciding anything. For a caller
    /// that has proved the sync keeps its replicas: see `sim::controllers::Rest`.
    pub fn record_recommendation(&mut self, spec: &HorizontalPodAutoscalerSpec, proposal: i32, now_ms: u64) {
        let keep_ms = self.recommendation_horizon_ms(spec);
        let recs = self.state.recommendations.get_or_insert_with(Vec::new);
        normalize::record_recommendation(recs, proposal, keep_ms, now_ms);
    }

    /// How long a recorded recommendation can still be read: the longest stabilization window.
    pub fn recommendation_horizon_ms(&mut self, spec: &HorizontalPodAutoscalerSpec) -> u64 {
        let default_window = self.config.downscale_stabilization_ms;
        match &spec.behavior {
            None => default_window,
            Some(b) => {
                let rules = self.cache.behavior(b, (default_window / 1000) as i32);
                let longest =
                    rules.scale_up.stabilization_window_seconds.max(rules.scale_down.stabilization_window_seconds);
                longest.max(0) as u64 * 1000
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn normalize(
        &mut self,
        spec: &HorizontalPodAutoscalerSpec,
        d: &mut Decision,
        current: i32,
        proposal: i32,
        min: i32,
        max: i32,
        now_ms: u64,
    ) -> i32 {
        let recs = self.state.recommendations.get_or_insert_with(Vec::new);
        let (stabilized, stabilization, rules) =
            stabilize(&self.config, &mut self.cache, recs, spec, current, proposal, now_ms);
        let (desired, limit) = match rules {
            None => normalize::convert_desired_replicas_with_rules(
                current,
                stabilized,
                min,
                max,
                self.config.scale_up_limit_factor,
                self.config.scale_up_limit_minimum,
            ),
            Some(rules) => normalize::convert_desired_replicas_with_behavior_rate(
                &RateArgs {
                    scale_up: &rules.scale_up,
                    scale_down: &rules.scale_down,
                    min_replicas: min,
                    max_replicas: max,
                    current,
                    desired: stabilized,
                },
                &self.state.scale_up_events,
                &self.state.scale_down_events,
                now_ms,
            ),
        };
        d.stabilized = Some(stabilized);
        d.stabilization = stabilization;
        d.limit = limit;
        desired
    }

    fn store_event(&mut self, spec: &HorizontalPodAutoscalerSpec, current: i32, desired: i32, now_ms: u64) {
        let Some(b) = &spec.behavior else {
            return; // events only feed behavior policies
        };
        let rules = self.cache.behavior(b, (self.config.downscale_stabilization_ms / 1000) as i32);
        if desired > current {
            normalize::store_scale_event(&mut self.state.scale_up_events, &rules.scale_up, desired - current, now_ms);
        } else {
            normalize::store_scale_event(
                &mut self.state.scale_down_events,
                &rules.scale_down,
                current - desired,
                now_ms,
            );
        }
    }

    fn summarize(&self, d: &Decision) -> Reason {
        match d.limit {
            Limit::ScaleUpLimit { rule: RateRule::Legacy { .. }, .. } => Reason::ScaleUpLimit,
            Limit::ScaleUpLimit { rule: RateRule::Policy { select, policy }, .. } => {
                Reason::Policy { up: true, select, policy: policy.map(|p| p.type_) }
            }
            Limit::ScaleDownLimit { rule: RateRule::Policy { select, policy }, .. } => {
                Reason::Policy { up: false, select, policy: policy.map(|p| p.type_) }
            }
            Limit::ScaleDownLimit { .. } => Reason::DesiredWithinRange,
            Limit::TooManyReplicas { .. } => Reason::MaxReplicas,
            Limit::TooFewReplicas { .. } => Reason::MinReplicas,
            Limit::DesiredWithinRange => {
                if d.stabilization != Stabilization::None {
                    Reason::StabilizationWindow(d.stabilization)
                } else if d.desired_replicas == d.current_replicas
                    && d.chosen_metric
                        .and_then(|i| d.metrics.get(i))
                        .is_some_and(|m| m.as_ref().is_ok_and(|m| m.within_tolerance))
                {
                    Reason::Tolerance
                } else {
                    Reason::DesiredWithinRange
                }
            }
        }
    }
}
