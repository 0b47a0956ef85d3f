//! Drives the pod autoscalers inside a run: builds what the HPA and KEDA observe from the
//! simulated workloads (through the metrics pipeline), and calls the controller libraries.

use crate::autoscale::hpa::{
    self, ContainerInfo, ContainerUsage, ExternalMetricValue, HpaController, MetricSourceType, ObjectMetricValue,
    Observed, PodInfo, PodMetricValue, PodPhase, PodResourceMetrics, ResourceName,
};
use crate::autoscale::keda::{self, ExecutorInput, ScalerConfig, TriggerReading};
use rand_distr::{Distribution, Poisson};

use crate::engine::{Millis, StreamRng};
use crate::model::Workload;
use crate::model::autoscaling::{PodAutoscaler, Signal};
use crate::traffic::{Growth, RateRange};

use super::pods::{PodSet, PodState};
use super::proposals::{PodsSeen, Proposals, steps_past_count};
use super::signals::{SignalHistory, last_scrape};

/// What controllers may read about one workload.
pub struct View<'a> {
    pub workload: &'a Workload,
    pub pods: &'a PodSet,
    pub history: &'a SignalHistory,
    /// How the workload moves after its last checkpoint, when known in closed form (the fluid
    /// model); else the workload has been brought forward to the reader's instant.
    pub open: Option<Growth>,
    /// The backlog at the last checkpoint.
    pub backlog: f64,
}

impl View<'_> {
    /// Mean (arrivals/s, served/s, CPU cores) over [to - window, to].
    fn rates(&self, to: Millis, window: Millis) -> (f64, f64, f64) {
        self.history.rates(to, window, self.open.as_ref())
    }

    /// The backlog at `now`.
    fn backlog_at(&self, now: Millis) -> f64 {
        match &self.open {
            Some(g) => g.backlog_after(now.saturating_sub(self.history.last_time()) as f64 / 1000.0),
            None => self.backlog,
        }
    }
}

/// Any workload's view, built on demand (a sync reads one or two of a run's workloads).
pub type Views<'v, 'a> = &'v dyn Fn(usize) -> View<'a>;

/// Controller memory kept between syncs for one workload.
pub struct ControllerState {
    pub hpa: HpaController,
    pub last_active: Option<Millis>,
    /// The controller's own stream for reading counted signals.
    pub rng: StreamRng,
    pub observed: ObservedCache,
    /// Scratch for one poll's trigger values and readings, reused so a poll does not allocate.
    values: Vec<(f64, f64)>,
    readings: Vec<TriggerReading>,
    /// The last HPA decision, overwritten by each sync (reusing its buffers).
    decision: hpa::Decision,
    /// What the last HPA sync read (reused buffer).
    reading: Reading,
    /// Proof that the HPA keeps its replicas.
    rest: Rest,
    /// What full syncs proposed, to skip the metric calculation when it is known.
    proposals: Proposals,
    /// Each metric's proposal at the last sync that was not held (reused buffer).
    replicas: Vec<i32>,
    /// Whether the last sync's proposal was known (for `RunStats`).
    pub known: bool,
    /// Proof that the syncs to come keep them too, so they need not run (see [`Sleep`]).
    pub sleep: Option<Sleep>,
    /// Where each HPA metric's value comes from (worked out at the first sync).
    slots: Option<Vec<MetricSlot>>,
}

impl ControllerState {
    /// A controller of an object that has been running before the simulation starts: its
    /// last activity is the start, so KEDA honours the cooldown instead of scaling to zero at once.
    pub fn new(config: hpa::HpaConfig, rng: StreamRng, prove_rest: bool) -> Self {
        ControllerState {
            hpa: HpaController::new(config),
            last_active: Some(0),
            rng,
            observed: ObservedCache::default(),
            values: Vec::new(),
            readings: Vec::new(),
            decision: hpa::Decision::default(),
            reading: Reading::default(),
            rest: Rest { enabled: prove_rest, ..Rest::default() },
            proposals: Proposals::new(prove_rest),
            replicas: Vec::new(),
            known: false,
            sleep: None,
            slots: None,
        }
    }
}

/// The value of `signal` as a controller reading it at `now` sees it: the true signal averaged
/// over its window, as of the last scrape. Queue lengths are counts: the fluid model knows their
/// mean, and a reading is a Poisson draw around it (from the reader's own stream), so a queue
/// that holds 0.3 messages on average reads 0 most of the time and 1 some of the time, as a real
/// one does.
pub fn read_signal(signal: Signal, now: Millis, views: Views<'_, '_>, rng: &mut StreamRng) -> f64 {
    match signal {
        Signal::DemandRps { workload, window_ms } | Signal::ServedRps { workload, window_ms } => {
            let v = views(workload);
            let at = last_scrape(now, v.workload.metrics.scrape_ms);
            let (arrived, served, _) = v.rates(at, window_ms.max(1_000));
            if matches!(signal, Signal::DemandRps { .. }) { arrived } else { served }
        }
        Signal::QueueLength { workload } | Signal::KafkaLag { workload, .. } => {
            let mean = queue_length(&views(workload), now);
            if mean > 1e4 {
                mean.round()
            } else if mean > 0.0 {
                Poisson::new(mean).map_or(mean.round(), |d| d.sample(rng))
            } else {
                0.0
            }
        }
        Signal::Resource => 0.0,
    }
}

/// Mean number of messages waiting plus being processed (Little's law for the ones in service).
fn queue_length(v: &View<'_>, now: Millis) -> f64 {
    let (_, served, _) = v.rates(now, 1_000);
    v.backlog_at(now) + served * v.workload.profile.service_ms / 1000.0
}

fn milli(v: f64) -> i64 {
    (v * 1000.0).round() as i64
}

/// Kafka lag as the scaler reports it: spread evenly over the partitions, capped at
/// lagThreshold × partitions unless idle consumers are allowed. Returns (metric, uncapped).
fn kafka_lag(meta: &keda::KafkaMeta, total: f64, partitions: u32) -> (f64, f64) {
    let total = total.max(0.0) as i64;
    let n = partitions.max(1) as i64;
    let lags: Vec<i64> = (0..n).map(|i| total / n + i64::from(i < total % n)).collect();
    let lag = keda::cap_lag(
        &lags,
        &lags,
        meta.lag_threshold,
        meta.allow_idle_consumers,
        meta.limit_to_partitions_with_lag,
        meta.ensure_even_distribution_of_partitions,
    );
    (lag.total_lag as f64, lag.total_lag_with_persistent as f64)
}

/// Trigger values for a KEDA poll or the metrics adapter, into `out`: (value given to the HPA,
/// value that decides activity) per trigger.
fn trigger_values(
    k: &crate::model::autoscaling::KedaObject,
    now: Millis,
    views: Views<'_, '_>,
    rng: &mut StreamRng,
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    out.extend(k.signals.iter().zip(&k.triggers).map(|(signal, parsed)| {
        let raw = read_signal(*signal, now, views, rng);
        match (&parsed.config, signal) {
            (ScalerConfig::Kafka(meta), Signal::KafkaLag { partitions, .. }) => kafka_lag(meta, raw, *partitions),
            _ => (raw, raw),
        }
    }));
}

/// What KEDA's executor decided at one poll, for the decision log.
pub struct PollOutcome {
    pub set_replicas: Option<u32>,
    pub reason: keda::ScaleReason,
    pub active: bool,
    /// The triggers' activity values; only filled when the poll changes the replicas (the
    /// only time they are logged).
    pub values: Vec<f64>,
}

/// Whether a KEDA poll can be skipped because nothing would see it. The executor only scales to
/// or from zero or idle, or up to minReplicaCount, and reads the last activity only for the
/// cooldown to zero or idle. With minReplicaCount ≥ 1, no idleReplicaCount, no paused-replicas
/// and the replicas at or above the minimum, none of that can happen. With triggers that read
/// deterministic signals (no queue-length draws), skipping the poll leaves every later reading
/// the same.
pub fn keda_poll_is_inert(a: &PodAutoscaler, desired: u32) -> bool {
    let Some(k) = &a.keda else { return false };
    let spec = &k.object.spec;
    let min = spec.min_replica_count.unwrap_or(0);
    min >= 1
        && i64::from(desired) >= i64::from(min)
        && spec.idle_replica_count.is_none()
        && k.object.paused_replicas().is_none()
        && k.signals.iter().all(|s| !matches!(s, Signal::QueueLength { .. } | Signal::KafkaLag { .. }))
}

/// One KEDA poll (`pollingInterval`): activation 0↔1 and cooldown to zero or idle.
pub fn keda_poll(
    a: &PodAutoscaler,
    state: &mut ControllerState,
    w: usize,
    now: Millis,
    views: Views<'_, '_>,
) -> PollOutcome {
    let k = a.keda.as_ref().expect("a KEDA poll needs a ScaledObject");
    trigger_values(k, now, views, &mut state.rng, &mut state.values);
    let values = &state.values;
    state.readings.clear();
    state.readings.extend(values.iter().map(|(_, activity)| TriggerReading::Value(*activity)));
    let activity = keda::evaluate_activity(&k.object, &k.triggers, &state.readings, k.formula.as_ref());
    let (is_active, is_error) = match &activity {
        Ok(act) => (act.is_active, act.is_error),
        Err(_) => (false, true),
    };
    let desired = views(w).pods.desired;
    let input = ExecutorInput {
        current_replicas: desired,
        is_active,
        is_error,
        last_active: state.last_active,
        created_at: 0,
        now,
    };
    let d = keda::request_scale(&k.object, &input);
    if let Some(t) = d.last_active {
        state.last_active = Some(t);
    }
    let logged = d.set_replicas.is_some_and(|to| to != desired);
    PollOutcome {
        set_replicas: d.set_replicas,
        reason: d.reason,
        active: is_active,
        values: if logged { values.iter().map(|v| v.1).collect() } else { Vec::new() },
    }
}

/// One HPA sync. Returns the controller's decision (kept in `state` until the next sync), or
/// `None` when the sync was proved to keep the replicas and only recorded its recommendation
/// (see [`Rest`]).
pub fn hpa_sync<'s>(
    a: &PodAutoscaler,
    state: &'s mut ControllerState,
    w: usize,
    now: Millis,
    views: Views<'_, '_>,
) -> Option<&'s hpa::Decision> {
    if let Some(Sleep { skipped: Some(t), count, .. }) = state.sleep.take() {
        state.hpa.record_recommendation(&a.hpa, count as i32, t);
    }
    let mut reading = std::mem::take(&mut state.reading);
    let slots = state.slots.get_or_insert_with(|| metric_slots(a));
    read(a, w, now, views, &mut state.rng, &mut state.values, slots, &mut reading);
    let v = views(w);
    let init = state.hpa.config.cpu_initialization_period_ms;
    let key = RestKey {
        pods_version: v.pods.version(),
        desired: v.pods.desired,
        active: v.pods.active(),
        regrouped_at: state.rest.regrouping.next_after(v.pods, v.workload, init, now),
    };
    let held = state.rest.covers(key, &reading);
    state.known = false;
    let mut kept = false;
    if held {
        // Exact, or at minReplicas with a proposal at most that: either way the count is as
        // good a record as the proposal (see `Rest`).
        state.hpa.record_recommendation(&a.hpa, v.pods.desired as i32, now);
        state.sleep = Sleep::prove(a, w, &state.rest, key, slots, &reading, &v, now);
    } else {
        let seen = PodsSeen::at(v.pods, &v.workload.metrics, &state.hpa.config, now);
        let replicas = &mut state.replicas;
        let known = state.proposals.known(seen, &a.hpa, &reading.values, replicas);
        state.known = known.is_some();
        let count = reading.desired as i32;
        let (min, max) = (a.hpa.min_replicas_or_default(), a.hpa.max_replicas);
        // What `Rest` proves from bounds, the proposal itself shows: the sync keeps the count,
        // and records it. Without `behavior`, stabilization takes the largest recommendation
        // in the window, which can lie above the count (a scale-up the limit cut short) and
        // scale up a sync that proposes the count; a proof under this key has seen none since.
        let windows_bracket = a.hpa.behavior.is_some() || state.rest.key == Some(key);
        kept = known.is_some_and(|p| {
            windows_bracket && count != 0 && (min..=max).contains(&count) && (p == count || (p < count && count == min))
        });
        if kept {
            state.hpa.record_recommendation(&a.hpa, count, now);
        } else if let Some(proposal) = known {
            state.hpa.sync_known(&a.hpa, count, proposal, now, &mut state.decision);
        }
        // A full sync, or a known one that rescales (its metrics are reported).
        if known.is_none() || (!kept && state.decision.rescale) {
            if state.observed.version != Some(v.pods.version()) {
                rebuild_pods(&mut state.observed, v.workload, v.pods, now);
            }
            let observed = fill(a, v.workload, &reading, &mut state.observed);
            if known.is_some() {
                state.hpa.explain(&a.hpa, observed, now, &mut state.decision);
            } else {
                state.hpa.sync_into(&a.hpa, observed, now, &mut state.decision);
                state.proposals.learn(seen, &state.decision, &reading.values);
                replicas.clear();
                replicas.extend(state.decision.metrics.iter().map_while(|m| m.as_ref().ok().map(|m| m.replicas)));
            }
        }
        let settled = v.pods.active() == v.pods.desired;
        let qualifies = kept || Rest::qualifies(&state.decision);
        state.rest.learn(key, settled && qualifies, &a.hpa, &reading, replicas);
    }
    state.reading = reading;
    (!held && !kept).then_some(&state.decision)
}

/// When the HPA's grouping of the pods can next change with time alone, the pods unchanged.
/// For CPU, a pod inside its initialization period (bound less than
/// `--horizontal-pod-autoscaler-cpu-initialization-period` ago) counts only once Ready and
/// once its metric sample starts after it became Ready (the scrape reaches readiness + window);
/// past the period, its grouping is fixed. Every pod change bumps the pods' version, so the
/// instants are computed once per version.
#[derive(Default)]
pub struct Regrouping {
    version: Option<u64>,
    /// Sorted instants at which some pod's grouping may change.
    at: Vec<Millis>,
}

impl Regrouping {
    /// The first instant after `now` at which the grouping may change (`Millis::MAX`: never).
    fn next_after(&mut self, pods: &PodSet, wl: &Workload, init: Millis, now: Millis) -> Millis {
        if self.version != Some(pods.version()) {
            self.version = Some(pods.version());
            self.at.clear();
            let grid = wl.metrics.scrape_ms.max(1);
            for p in pods.pods.iter().filter(|p| p.is_active()) {
                let Some(bound) = p.bound_at else { continue };
                // The initialization period ends (the pod is in it while bound + init > now).
                self.at.push(bound + init);
                if let PodState::Ready { since } = p.state {
                    // The first scrape at or after readiness + window (see `last_scrape`).
                    let sample_after_ready = since + wl.metrics.resource_window_ms;
                    self.at.push(sample_after_ready.div_ceil(grid) * grid);
                }
            }
            self.at.sort_unstable();
        }
        let i = self.at.partition_point(|&t| t <= now);
        self.at.get(i).copied().unwrap_or(Millis::MAX)
    }
}

/// An HPA at rest whose syncs need not run until something they read can move.
///
/// A held sync (see [`Rest`]) records the current count, which is its proposal (exact) or, at
/// minReplicas, a value no later sync can tell from its proposal; it draws nothing. The syncs
/// after it hold too, with the same record, while their key stays (the pods unchanged, and
/// until `until` for their grouping), every metric they read stays at most what held
/// ([`Rest`]'s `upper`), and, above minReplicas, one metric stays at least what proposed
/// exactly the count ([`Rest`]'s `lower`). When every metric is a rate of the workload itself
/// (its CPU, its arrivals or its served requests over a window), that holds while the
/// workload's rates stay within `high` and `floor` at every instant the windows cover, since a
/// window's mean lies between its lowest and highest rates. The fluid model knows each
/// segment's rates ([`Growth::rate_range`]): each skipped sync checks the segments since the
/// last check. Skipped syncs record nothing; the next sync that runs makes the last one's
/// record, which every stabilization window that would hold any of theirs (all the same value)
/// holds too.
#[derive(Debug, Clone)]
pub struct Sleep {
    pods_version: u64,
    until: Millis,
    /// Highest rates (indexed as [`RateRange`]) under which every reading holds.
    high: [f64; 3],
    /// Above minReplicas: a rate, and the lowest it may go for its metric to stay exact.
    floor: Option<(usize, f64)>,
    /// Segments from this instant on have not been checked yet.
    checked_to: Millis,
    /// The last sync skipped.
    skipped: Option<Millis>,
    /// The replicas every skipped sync kept, and recorded.
    count: u32,
}

impl Sleep {
    /// Rates this close to a reading's bound could round past it in a window's mean.
    const MARGIN: f64 = 1e-6;

    /// A proof that the syncs after one held at `now` (having read `reading`) hold too, when
    /// there is one.
    #[allow(clippy::too_many_arguments)]
    fn prove(
        a: &PodAutoscaler,
        w: usize,
        rest: &Rest,
        key: RestKey,
        slots: &[MetricSlot],
        reading: &Reading,
        v: &View<'_>,
        now: Millis,
    ) -> Option<Sleep> {
        let mut high = [f64::INFINITY; 3];
        let mut floor = None;
        let mut exact_forever = false;
        let mut lookback = 0;
        let metrics = v.workload.metrics;
        for (i, slot) in slots.iter().enumerate() {
            let (rate, window) = match *slot {
                MetricSlot::Zero => {
                    exact_forever |= reading.values[i].is_some_and(|x| x >= rest.lower[i]);
                    continue;
                }
                MetricSlot::Cpu => (RateRange::CPU, metrics.resource_window_ms),
                MetricSlot::Trigger(t) => own_rate(a.keda.as_ref()?.signals[t], w)?,
                MetricSlot::Signal(signal) => own_rate(signal, w)?,
                MetricSlot::Composite | MetricSlot::Missing => return None,
            };
            let upper = rest.upper[i];
            high[rate] = high[rate].min(upper - upper.abs() * Self::MARGIN);
            lookback = lookback.max(window);
            let lower = rest.lower[i];
            if floor.is_none() && reading.values[i].is_some_and(|x| x >= lower) {
                floor = Some((rate, lower + lower.abs() * Self::MARGIN + 1e-9));
            }
        }
        if rest.at_min || exact_forever {
            floor = None;
        } else {
            floor?;
        }
        let mut sleep = Sleep {
            pods_version: key.pods_version,
            until: key.regrouped_at,
            high,
            floor,
            // The next reading's window may start a scrape period before this one's.
            checked_to: now.saturating_sub(lookback + metrics.scrape_ms),
            skipped: None,
            count: key.desired,
        };
        let range = v.history.rate_range(sleep.checked_to, v.open.as_ref());
        sleep.checked_to = now;
        sleep.within(range).then_some(sleep)
    }

    fn within(&self, range: Option<RateRange>) -> bool {
        let Some(r) = range else { return false };
        r.high.iter().zip(&self.high).all(|(x, bound)| x <= bound)
            && self.floor.is_none_or(|(rate, bound)| r.low[rate] >= bound)
    }

    /// The first instant whose segment the next skip must check.
    pub fn checked_to(&self) -> Millis {
        self.checked_to
    }

    /// Whether the sync at `now` may be skipped, given the workload's pods (their version and
    /// the replicas asked for) and the range of its rates since
    /// [`checked_to`](Self::checked_to); if so, it is noted as skipped.
    pub fn skips(&mut self, pods: &PodSet, range: Option<RateRange>, now: Millis) -> bool {
        let same_pods = pods.version() == self.pods_version && pods.desired == self.count;
        let skip = same_pods && now < self.until && self.within(range);
        if skip {
            self.skipped = Some(now);
            self.checked_to = now;
        }
        skip
    }
}

/// Which of its own workload's rates a signal reads, and over what window; `None` for any
/// other signal (another workload's, or a count).
fn own_rate(signal: Signal, w: usize) -> Option<(usize, Millis)> {
    match signal {
        Signal::DemandRps { workload, window_ms } if workload == w => Some((RateRange::ARRIVED, window_ms.max(1_000))),
        Signal::ServedRps { workload, window_ms } if workload == w => Some((RateRange::SERVED, window_ms.max(1_000))),
        _ => None,
    }
}

/// What a proof of rest is tied to: the pods (any change bumps the version), the replica
/// counts the HPA reads from the scale subresource, and the stretch of time over which the
/// HPA groups those pods the same way (it ends at `regrouped_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RestKey {
    pods_version: u64,
    desired: u32,
    active: u32,
    regrouped_at: Millis,
}

/// An exact shortcut for an HPA that keeps its replicas (most syncs of a year).
///
/// With the pods fixed and grouped the same way (ready, unready, missing: fixed until the key's
/// `regrouped_at`, see [`Regrouping`]), a sync's per-metric proposal depends only on that
/// metric's value and never decreases as it grows (a ratio to a fixed target, the tolerance
/// band, a ceiling; unready pods filled in at zero only above the target, missing pods at the
/// target only below it, and a re-computation that flips direction keeping the count). So
/// once full syncs have seen metric `i` propose at most the current replicas at value
/// `upper[i]`, any value up to it does too; and at least the current replicas from `lower[i]`
/// up. One exception: an Object or External Value target proposes, outside its tolerance band,
/// the ratio times the Ready pods, which lies on the other side of the count when the pods
/// Ready are not the count (`proposals::steps_past_count`): for it `lower` is not learned
/// then, nor `upper` while more pods are Ready than the count. A sync whose every metric
/// proposes at most the current count, and at least one exactly
/// it (or the current count is minReplicas), keeps the replicas whatever the stabilization
/// windows and rate limits hold: the windows bracket the current count, the limits apply only
/// to a change, and minReplicas is the floor. Such a sync only records its recommendation, and
/// it records the current count:
///
/// - when some metric proposes exactly the count, that is the proposal;
/// - at minReplicas, the proposal is at most minReplicas, and no later sync can tell such a
///   record from minReplicas. A scale-down window reads it only while the count is above
///   minReplicas, and the count left minReplicas later, at a sync whose own record (at least
///   the new count, still in the window for as long as the older record is) outweighs it. A
///   scale-up window takes the least record, and any record at most minReplicas keeps the
///   recommendation at the count, which is at least minReplicas, whichever its value. Every
///   later decision keeps its replicas, rescales and logged reasons.
#[derive(Default)]
pub struct Rest {
    enabled: bool,
    regrouping: Regrouping,
    key: Option<RestKey>,
    at_min: bool,
    upper: Vec<f64>,
    lower: Vec<f64>,
}

impl Rest {
    /// Whether a sync that read `reading` keeps the replicas: every metric proposes at most
    /// the current count, and one exactly it or the count is minReplicas.
    fn covers(&self, key: RestKey, reading: &Reading) -> bool {
        if !self.enabled || self.key != Some(key) || reading.values.len() != self.upper.len() {
            return false;
        }
        let mut exact = false;
        for ((v, up), lo) in reading.values.iter().zip(&self.upper).zip(&self.lower) {
            let Some(v) = *v else { return false };
            if v > *up {
                return false;
            }
            exact |= v >= *lo;
        }
        exact || self.at_min
    }

    /// Whether a decision may teach the proof: it keeps the replicas, for a reason that went
    /// through the metrics and normalization.
    fn qualifies(d: &hpa::Decision) -> bool {
        !d.rescale
            && d.proposal.is_some()
            && d.metric_error.is_none()
            && matches!(
                d.reason,
                hpa::Reason::Tolerance
                    | hpa::Reason::StabilizationWindow(_)
                    | hpa::Reason::MinReplicas
                    | hpa::Reason::MaxReplicas
                    | hpa::Reason::Policy { .. }
                    | hpa::Reason::ScaleUpLimit
                    | hpa::Reason::DesiredWithinRange
            )
    }

    /// Learns from a sync that was not held, with `replicas` what each metric proposed (all of
    /// them when every metric was valid), settled and [`qualifies`](Self::qualifies) (or kept
    /// the count on a known proposal): widens the proof, or drops it when the sync does not
    /// qualify.
    fn learn(
        &mut self,
        key: RestKey,
        qualifies: bool,
        spec: &hpa::HorizontalPodAutoscalerSpec,
        reading: &Reading,
        replicas: &[i32],
    ) {
        let qualifies =
            qualifies && replicas.len() == reading.values.len() && reading.values.iter().all(Option::is_some);
        if !qualifies {
            self.key = None;
            return;
        }
        if self.key != Some(key) {
            self.key = Some(key);
            self.upper.clear();
            self.upper.resize(reading.values.len(), f64::NEG_INFINITY);
            self.lower.clear();
            self.lower.resize(reading.values.len(), f64::INFINITY);
        }
        let current = reading.desired as i32;
        self.at_min = current == spec.min_replicas_or_default();
        let metrics = spec.effective_metrics();
        for (i, (&proposed, v)) in replicas.iter().zip(&reading.values).enumerate() {
            let Some(v) = v else { continue };
            // A Value target proposes the usage ratio times the Ready pods outside its band:
            // with fewer pods Ready than the count, a larger value can propose less than the
            // count (no value is known to propose exactly it from there up); with more, a
            // smaller value can propose more (none is known to propose at most it below).
            let stepping = metrics.get(i).is_some_and(|m| steps_past_count(m, reading.ready, reading.desired));
            let more_ready = reading.ready > reading.desired;
            if proposed <= current && !(stepping && more_ready) {
                self.upper[i] = self.upper[i].max(*v);
            }
            if proposed >= current && !stepping {
                self.lower[i] = self.lower[i].min(*v);
            }
        }
    }
}

/// The HPA's view of one workload, kept between syncs: the pod list and the metric entries
/// are rebuilt only when a pod changed, and otherwise refreshed in place (a sync every 15 s
/// for a simulated year must not allocate per pod).
#[derive(Default)]
pub struct ObservedCache {
    version: Option<u64>,
    observed: Observed,
    /// Per resource-metrics entry: does its pod count as Ready (else it is starting, at idle CPU).
    entry_ready: Vec<bool>,
}

/// Entry `i` of `list`, appended with `new` when the list is shorter. A rebuild overwrites
/// the entries it keeps: their containers are the workload's and never change, so only pods
/// beyond the previous count allocate.
fn entry<T>(list: &mut Vec<T>, i: usize, new: impl FnOnce() -> T) -> &mut T {
    if i == list.len() {
        list.push(new());
    }
    &mut list[i]
}

fn pod_containers(wl: &Workload) -> Vec<ContainerInfo> {
    let containers = wl.deployment.containers.iter();
    containers.map(|(n, r)| ContainerInfo::new(n, &[("cpu", milli(r.cpu)), ("memory", milli(r.memory))])).collect()
}

fn usage_containers(wl: &Workload) -> Vec<ContainerUsage> {
    let containers = wl.deployment.containers.iter();
    containers.map(|(n, r)| ContainerUsage::new(n, &[("cpu", 0), ("memory", milli(r.memory))])).collect()
}

fn rebuild_pods(cache: &mut ObservedCache, wl: &Workload, pods: &PodSet, now: Millis) {
    let o = &mut cache.observed;
    cache.entry_ready.clear();
    let (mut n_pods, mut n_metrics) = (0, 0);
    for p in pods.pods.iter().filter(|p| p.is_active()) {
        let (phase, ready, transition, usage) = match p.state {
            PodState::Pending => (PodPhase::Pending, None, 0, None),
            PodState::Starting { running_at, .. } if now < running_at => (PodPhase::Pending, None, 0, None),
            PodState::Starting { running_at, .. } => (PodPhase::Running, Some(false), running_at, Some(false)),
            PodState::Ready { since } => (PodPhase::Running, Some(true), since, Some(true)),
            PodState::Terminating { .. } => continue,
        };
        let pod = entry(&mut o.pods, n_pods, || PodInfo { containers: pod_containers(wl), ..Default::default() });
        n_pods += 1;
        pod.name.clear();
        super::write_pod_name(&mut pod.name, wl, p.id);
        pod.phase = phase;
        pod.deleting = false;
        pod.ready = ready;
        pod.ready_transition_ms = transition;
        pod.start_ms = p.bound_at;
        if let Some(is_ready) = usage {
            let m = entry(&mut o.resource_metrics, n_metrics, || PodResourceMetrics {
                containers: usage_containers(wl),
                ..Default::default()
            });
            n_metrics += 1;
            m.pod.clone_from(&pod.name);
            m.timestamp_ms = 0;
            m.window_ms = 0;
            for c in &mut m.containers {
                if let Some(u) = c.usage.get_mut(&ResourceName::Cpu) {
                    *u = 0;
                }
            }
            cache.entry_ready.push(is_ready);
        }
    }
    o.pods.truncate(n_pods);
    o.resource_metrics.truncate(n_metrics);
    cache.version = Some(pods.version());
    o.pods_version = cache.version;
}

/// What one HPA sync reads from the scale subresource and the metrics pipeline (every random
/// draw happens here), before it is laid out as the HPA's [`Observed`].
#[derive(Debug, Clone, Default)]
pub struct Reading {
    scrape: Millis,
    /// CPU of the ready pods over the metrics-server window, cores.
    cpu_cores: f64,
    ready: u32,
    desired: u32,
    active: u32,
    /// Per metric of the HPA (in spec order): the value it reports (Resource metrics: CPU cores,
    /// or 0 for memory, which is constant), `None` when nothing serves it.
    values: Vec<Option<f64>>,
}

/// Reads everything a sync of `a` observes at `now` into `out`.
#[allow(clippy::too_many_arguments)]
fn read(
    a: &PodAutoscaler,
    w: usize,
    now: Millis,
    views: Views<'_, '_>,
    rng: &mut StreamRng,
    trigger_scratch: &mut Vec<(f64, f64)>,
    slots: &[MetricSlot],
    out: &mut Reading,
) {
    let v = views(w);
    let wl = v.workload;
    out.scrape = last_scrape(now, wl.metrics.scrape_ms);
    out.cpu_cores = v.rates(out.scrape, wl.metrics.resource_window_ms).2;
    out.ready = v.pods.ready();
    out.desired = v.pods.desired;
    out.active = v.pods.active();
    out.values.clear();
    if let Some(k) = &a.keda {
        trigger_values(k, now, views, rng, trigger_scratch);
    }
    for slot in slots {
        let value = match *slot {
            MetricSlot::Cpu => Some(out.cpu_cores),
            MetricSlot::Zero => Some(0.0),
            MetricSlot::Trigger(i) => Some(trigger_scratch[i].0),
            MetricSlot::Composite => {
                let k = a.keda.as_ref().expect("a composite metric belongs to a ScaledObject");
                Some(composite(k, trigger_scratch).unwrap_or(0.0))
            }
            MetricSlot::Signal(signal) => Some(read_signal(signal, now, views, rng)),
            MetricSlot::Missing => None,
        };
        out.values.push(value);
    }
}

/// Where each metric of an HPA takes its value from, in spec order: worked out once per
/// controller (names are matched here, not at every sync).
#[derive(Debug, Clone, Copy)]
enum MetricSlot {
    /// CPU of the workload's ready pods.
    Cpu,
    /// A resource that does not move (memory).
    Zero,
    /// The value of this ScaledObject trigger.
    Trigger(usize),
    /// The scalingModifiers formula over the triggers.
    Composite,
    /// A simulated signal bound to the metric.
    Signal(Signal),
    /// Nothing serves the metric.
    Missing,
}

fn metric_slots(a: &PodAutoscaler) -> Vec<MetricSlot> {
    let slot = |m: &hpa::MetricSpec| match m.type_ {
        MetricSourceType::Resource | MetricSourceType::ContainerResource => {
            let name = m.resource.as_ref().map(|r| &r.name).or(m.container_resource.as_ref().map(|r| &r.name));
            if name.is_some_and(|n| n == "cpu") { MetricSlot::Cpu } else { MetricSlot::Zero }
        }
        _ if a.keda.is_some() => {
            let k = a.keda.as_ref().expect("checked");
            match m.external.as_ref().map(|ext| &ext.metric.name) {
                None => MetricSlot::Missing,
                Some(name) if name == keda::COMPOSITE_METRIC_NAME => MetricSlot::Composite,
                Some(name) => trigger_index(&a.hpa, k, name).map_or(MetricSlot::Missing, MetricSlot::Trigger),
            }
        }
        _ => {
            let name = match m.type_ {
                MetricSourceType::Pods => m.pods.as_ref().map(|x| &x.metric.name),
                MetricSourceType::Object => m.object.as_ref().map(|x| &x.metric.name),
                MetricSourceType::External => m.external.as_ref().map(|x| &x.metric.name),
                _ => None,
            };
            name.and_then(|n| a.metric_signals.get(n)).map_or(MetricSlot::Missing, |s| MetricSlot::Signal(*s))
        }
    };
    a.hpa.effective_metrics().iter().map(slot).collect()
}

/// Lays out `reading` as the HPA's view: the scale subresource, the pod lister (the cached
/// pods), metrics-server and the custom/external metrics APIs.
fn fill<'c>(a: &PodAutoscaler, wl: &Workload, reading: &Reading, cache: &'c mut ObservedCache) -> &'c Observed {
    let window = wl.metrics.resource_window_ms;
    // CPU of ready pods shared equally among them; starting pods at idle CPU; each pod's CPU
    // split over its containers by their CPU requests.
    let per_ready_pod = reading.cpu_cores / reading.ready.max(1) as f64;
    let total_cpu_request: f64 = wl.deployment.containers.iter().map(|c| c.1.cpu).sum();
    let observed = &mut cache.observed;
    observed.spec_replicas = reading.desired as i32;
    observed.status_replicas = reading.active as i32;
    for (m, &is_ready) in observed.resource_metrics.iter_mut().zip(&cache.entry_ready) {
        m.timestamp_ms = reading.scrape;
        m.window_ms = window;
        let cpu = if is_ready { per_ready_pod } else { wl.profile.idle_cpu };
        for (c, (_, r)) in m.containers.iter_mut().zip(&wl.deployment.containers) {
            let share = if total_cpu_request > 0.0 { r.cpu / total_cpu_request } else { 1.0 };
            if let Some(u) = c.usage.get_mut(&ResourceName::Cpu) {
                *u = milli(cpu * share);
            }
        }
    }
    observed.pod_metrics.clear();
    observed.object_metrics.clear();
    let metrics = a.hpa.effective_metrics();
    let values = metrics.iter().zip(&reading.values);
    if a.keda.is_some() {
        // The generated HPA's metrics are the same every sync: their entries are kept and
        // only their values rewritten.
        let mut n = 0;
        for (m, value) in values {
            let (Some(ext), Some(value)) = (&m.external, value) else { continue };
            set_external(&mut observed.external_metrics, n, &ext.metric.name, milli(*value));
            n += 1;
        }
        observed.external_metrics.truncate(n);
    } else {
        observed.external_metrics.clear();
        for (m, value) in values {
            let Some(value) = *value else { continue };
            match m.type_ {
                MetricSourceType::Pods => {
                    let Some(x) = &m.pods else { continue };
                    let running = observed.pods.iter().filter(|p| p.phase == PodPhase::Running);
                    let per_pod = value / running.clone().count().max(1) as f64;
                    let entries: Vec<PodMetricValue> = running
                        .map(|pod| PodMetricValue {
                            metric: x.metric.name.clone(),
                            pod: pod.name.clone(),
                            value_milli: milli(per_pod),
                        })
                        .collect();
                    observed.pod_metrics.extend(entries);
                }
                MetricSourceType::Object => {
                    let Some(x) = &m.object else { continue };
                    observed.object_metrics.push(ObjectMetricValue {
                        metric: x.metric.name.clone(),
                        object: String::new(),
                        value_milli: milli(value),
                    });
                }
                MetricSourceType::External => {
                    let Some(x) = &m.external else { continue };
                    observed
                        .external_metrics
                        .push(ExternalMetricValue { metric: x.metric.name.clone(), value_milli: milli(value) });
                }
                _ => {}
            }
        }
    }
    observed
}

/// Sets entry `i` of the external metrics to (`name`, `value_milli`), reusing its name when
/// it already holds that metric.
fn set_external(list: &mut Vec<ExternalMetricValue>, i: usize, name: &str, value_milli: i64) {
    match list.get_mut(i) {
        Some(e) if e.metric == name => e.value_milli = value_milli,
        _ => {
            list.truncate(i);
            list.push(ExternalMetricValue { metric: name.to_string(), value_milli });
        }
    }
}

/// Which trigger an External metric of the generated HPA reads (metrics are generated in
/// trigger order, cpu/memory triggers becoming Resource metrics).
fn trigger_index(
    spec: &hpa::HorizontalPodAutoscalerSpec,
    k: &crate::model::autoscaling::KedaObject,
    name: &str,
) -> Option<usize> {
    let mut external = spec.metrics.iter().filter_map(|m| m.external.as_ref().map(|e| e.metric.name.as_str()));
    let pos = external.position(|n| n == name)?;
    k.signals.iter().enumerate().filter(|(_, s)| !matches!(s, Signal::Resource)).nth(pos).map(|(i, _)| i)
}

/// The scalingModifiers formula over the trigger values (by trigger name).
fn composite(k: &crate::model::autoscaling::KedaObject, values: &[(f64, f64)]) -> Option<f64> {
    let formula = k.formula.as_ref()?;
    let env: std::collections::BTreeMap<String, Option<f64>> =
        k.object.spec.triggers.iter().zip(values).filter_map(|(t, v)| t.name.clone().map(|n| (n, Some(v.0)))).collect();
    formula.eval_number(&env).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::model::{Overrides, load_scenario_with};
    use crate::sim::signals::Totals;

    const MANIFESTS: &str = include_str!("../../tests/fixtures/windows-and-legacy-hpas.yaml");

    /// Two HPAs on CPU, one with stabilization windows on both sides, one on the legacy path.
    fn scenario(dir: &std::path::Path) -> crate::model::Scenario {
        std::fs::write(dir.join("manifests.yaml"), MANIFESTS).unwrap();
        std::fs::write(dir.join("trace.csv"), "time,rps\n2026-07-04T00:00:00Z,10\n2026-07-05T00:00:00Z,10\n").unwrap();
        let service = "{concurrency: 8, service_time: 50ms, cpu_per_request: 8ms, idle_cpu: 20m, timeout: 20s}";
        let text = format!(
            "kind: Scenario\nname: rest\nstart: 2026-07-04T00:00:00Z\nduration: 1d\nmanifests: [manifests.yaml]\n\
             traces:\n  t: {{file: trace.csv, values: rate}}\nslo: {{latency: 300ms, target: 0.99}}\n\
             cluster:\n  nodes:\n    - {{pool: general, count: 8, allocatable: {{cpu: 15800m, memory: 60Gi, pods: 110}}}}\n\
             workloads:\n  windows:\n    traffic: {{trace: t}}\n    service: {service}\n  \
             legacy:\n    traffic: {{trace: t}}\n    service: {service}\n"
        );
        std::fs::write(dir.join("scenario.yaml"), text).unwrap();
        load_scenario_with(&dir.join("scenario.yaml"), &Overrides::default()).unwrap()
    }

    /// Each metric's proposal in a full sync's decision.
    fn proposed(d: &hpa::Decision) -> Vec<i32> {
        d.metrics.iter().map(|m| m.as_ref().unwrap().replicas).collect()
    }

    /// A Value target above its tolerance band proposes ratio × Ready pods: with 2 of 4 pods
    /// Ready, 105 (in the band) proposes 4 but 140 proposes 3. A reading of 140 between the two
    /// values seen must not be taken to propose exactly the count (found in review: the proof
    /// held it and recorded 4 where a full sync records 3).
    #[test]
    fn a_value_target_with_pods_not_ready_is_not_exact_between_values_seen() {
        use crate::autoscale::hpa::{ExternalMetricValue, MetricSpec, MetricTarget, Quantity};
        let spec = hpa::HorizontalPodAutoscalerSpec {
            min_replicas: Some(1),
            max_replicas: 10,
            metrics: vec![MetricSpec::external("q", MetricTarget::value(Quantity::from_units(100)))],
            ..Default::default()
        };
        let pod = |i: usize, ready: bool| PodInfo {
            name: format!("p{i}"),
            phase: if ready { PodPhase::Running } else { PodPhase::Pending },
            ready: ready.then_some(true),
            ..Default::default()
        };
        let observed = |value: i64| Observed {
            spec_replicas: 4,
            status_replicas: 4,
            pods: (0..4).map(|i| pod(i, i < 2)).collect(),
            external_metrics: vec![ExternalMetricValue { metric: "q".into(), value_milli: value * 1000 }],
            ..Default::default()
        };
        let reading =
            |value: f64| Reading { ready: 2, desired: 4, active: 4, values: vec![Some(value)], ..Default::default() };
        let key = RestKey { pods_version: 1, desired: 4, active: 4, regrouped_at: Millis::MAX };
        let mut hpa = HpaController::default();
        let mut rest = Rest { enabled: true, ..Rest::default() };
        for (t, value) in [(0, 105), (15_000, 150)] {
            let d = hpa.sync(&spec, &observed(value), t);
            assert!(!d.rescale, "the window holds the 4 of the first sync: {d}");
            rest.learn(key, Rest::qualifies(&d), &spec, &reading(value as f64), &proposed(&d));
        }
        let d = hpa.sync(&spec, &observed(140), 30_000);
        assert_eq!(d.proposal, Some(3), "140 proposes ceil(1.4 × 2 Ready pods)");
        assert!(!rest.covers(key, &reading(140.0)), "140 is not known to propose exactly 4");
        // With every pod Ready the proposal grows with the value again, and a value between
        // two that proposed the count is exact.
        let all_ready = |value: i64| Observed { pods: (0..4).map(|i| pod(i, true)).collect(), ..observed(value) };
        let (mut hpa, mut rest) = (HpaController::default(), Rest { enabled: true, ..Rest::default() });
        for (t, value) in [(0, 95), (15_000, 108)] {
            let d = hpa.sync(&spec, &all_ready(value), t);
            assert_eq!(d.proposal, Some(4), "{value} is inside the band");
            rest.learn(key, Rest::qualifies(&d), &spec, &Reading { ready: 4, ..reading(value as f64) }, &proposed(&d));
        }
        assert!(rest.covers(key, &Reading { ready: 4, ..reading(100.0) }));
        // With 6 pods Ready for a count of 4 (here minReplicas, where at most the count holds),
        // 100 (in the band) proposes 4 but 85, below it, proposes ceil(0.85 × 6) = 6: values
        // below one that proposed the count are not known to propose at most it.
        let spec = hpa::HorizontalPodAutoscalerSpec { min_replicas: Some(4), ..spec };
        let six_ready = |value: i64| Observed {
            status_replicas: 6,
            pods: (0..6).map(|i| pod(i, true)).collect(),
            ..observed(value)
        };
        let (mut hpa, mut rest) = (HpaController::default(), Rest { enabled: true, ..Rest::default() });
        let six = |value: f64| Reading { ready: 6, active: 6, ..reading(value) };
        let d = hpa.sync(&spec, &six_ready(100), 0);
        assert_eq!(d.proposal, Some(4), "100 is inside the band");
        rest.learn(key, Rest::qualifies(&d), &spec, &six(100.0), &proposed(&d));
        assert_eq!(hpa.sync(&spec, &six_ready(85), 15_000).proposal, Some(6));
        assert!(!rest.covers(key, &six(85.0)), "85 is not known to propose at most 4");
    }

    /// The recommendations a sync at `now` or later can still read.
    fn readable(state: &ControllerState, horizon: Millis, now: Millis) -> Vec<(u64, i32)> {
        let recs = state.hpa.state.recommendations.iter().flatten();
        recs.filter(|r| r.timestamp_ms + horizon >= now).map(|r| (r.timestamp_ms, r.replicas)).collect()
    }

    /// Two controllers read the same wandering CPU: one may hold syncs, the other syncs fully.
    /// Every full sync of the first rescales as the second does, with the same logged reason,
    /// and every recommendation a later sync can read has the same value, except records of
    /// syncs held at minReplicas, which say minReplicas where the proposal was at most that
    /// (see `Rest`).
    #[test]
    fn held_syncs_leave_the_controller_as_full_syncs_do() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = scenario(dir.path());
        for wl in &scenario.workloads {
            let a = wl.autoscaler.as_ref().expect("both workloads have an HPA");
            let streams = RngStreams::new(5, "rest", 0);
            let mut fast = ControllerState::new(scenario.hpa, streams.stream("fast"), true);
            let mut slow = ControllerState::new(scenario.hpa, streams.stream("slow"), false);
            let horizon = slow.hpa.recommendation_horizon_ms(&a.hpa);
            let min = a.hpa.min_replicas_or_default();
            let mut pods = PodSet::default();
            let mut history = SignalHistory::new(30 * 60_000);
            let mut totals = Totals::default();
            let (mut cores, mut x) = (0.4_f64, 0x2545_f491_4f6c_dd1d_u64);
            let (mut held, mut rescales) = (0, 0);
            let set_replicas = |pods: &mut PodSet, n: u32, now: Millis| {
                while pods.active() < n {
                    let id = pods.create(now);
                    let p = pods.get_mut(id).unwrap();
                    p.bound_at = Some(now);
                    p.state = PodState::Ready { since: now };
                }
                while pods.active() > n {
                    let id = pods.pods.last().unwrap().id;
                    pods.remove(id);
                }
                pods.desired = n;
            };
            set_replicas(&mut pods, 2, 0);
            for k in 1..5_000u64 {
                let now = k * 15_000;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let u = (x % 1_000) as f64 / 1_000.0;
                // A slow walk with bursts: long quiet stretches below the threshold, crossings.
                cores = (cores + (u - 0.5) * 0.2).clamp(0.05, 6.0);
                let burst = if k % 211 < 6 { 4.0 } else { 1.0 };
                totals.cpu_seconds += cores * burst * 15.0;
                history.record(now, totals, None);
                let views = |_: usize| View { workload: wl, pods: &pods, history: &history, open: None, backlog: 0.0 };
                let fast_decision = hpa_sync(a, &mut fast, 0, now, &views).cloned();
                let slow_decision = hpa_sync(a, &mut slow, 0, now, &views).expect("never held").clone();
                match fast_decision {
                    None => {
                        held += 1;
                        assert!(!slow_decision.rescale, "a held sync at {now} ms kept replicas a full sync changed");
                    }
                    Some(d) => {
                        assert_eq!(d.rescale, slow_decision.rescale, "rescale at {now} ms");
                        assert_eq!(d.desired_replicas, slow_decision.desired_replicas, "at {now} ms");
                        if d.rescale {
                            assert_eq!(d.to_string(), slow_decision.to_string(), "logged reason at {now} ms");
                        }
                        let (f, s) = (readable(&fast, horizon, now), readable(&slow, horizon, now));
                        assert_eq!(f.len(), s.len(), "recommendations at {now} ms");
                        for ((tf, vf), (ts, vs)) in f.iter().zip(&s) {
                            assert_eq!(tf, ts, "recommendation times at {now} ms");
                            let stood_in = *vf == min && *vs <= min;
                            assert!(vf == vs || stood_in, "recommendation of {tf} ms at {now} ms: {vf} vs {vs}");
                        }
                    }
                }
                if slow_decision.rescale {
                    rescales += 1;
                    set_replicas(&mut pods, slow_decision.desired_replicas as u32, now);
                }
            }
            assert!(held > 500, "{}: syncs held: {held}", wl.name);
            assert!(rescales > 10, "{}: rescales: {rescales}", wl.name);
        }
    }

    /// A legacy HPA (no behavior) stabilizes over the maximum of its recent recommendations,
    /// so a sync whose own proposal is the count still scales up while a higher recommendation
    /// is in the window: here 17, left by a scale-up from 2 that the scale-up limit cut to 4.
    /// The next sync at 4 replicas, whose proposal of 4 is known from an earlier stretch at 4,
    /// must scale to 8 as a full sync does, not keep 4.
    #[test]
    fn a_known_proposal_at_the_count_scales_up_to_a_higher_legacy_recommendation() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = scenario(dir.path());
        let wl = scenario.workloads.iter().find(|w| w.name == "legacy").unwrap();
        let a = wl.autoscaler.as_ref().unwrap();
        let streams = RngStreams::new(5, "legacy", 0);
        let mut fast = ControllerState::new(scenario.hpa, streams.stream("fast"), true);
        let mut slow = ControllerState::new(scenario.hpa, streams.stream("slow"), false);
        let (mut pods, mut history, mut totals) =
            (PodSet::default(), SignalHistory::new(30 * 60_000), Totals::default());
        // Pods long Ready, so every view of 4 Ready pods is the same.
        let set_replicas = |pods: &mut PodSet, n: u32| {
            while pods.active() < n {
                let id = pods.create(0);
                let p = pods.get_mut(id).unwrap();
                (p.bound_at, p.state) = (Some(0), PodState::Ready { since: 0 });
            }
            while pods.active() > n {
                let id = pods.pods.last().unwrap().id;
                pods.remove(id);
            }
            pods.desired = n;
        };
        // 4 replicas at 1.15 then 1.30 cores (utilization 58 % and 65 % of a 60 % target:
        // both propose 4); then 2 replicas at 5 cores (17, limited to 4); then 4 at 1.2 cores.
        let phases = [(4, 1.15), (4, 1.30), (2, 5.0), (4, 1.2)];
        let mut decided = Vec::new();
        let mut now = 600_000;
        for (replicas, cores) in phases {
            set_replicas(&mut pods, replicas);
            // The CPU window fills with the phase's rate before its first sync.
            for _ in 0..4 {
                totals.cpu_seconds += cores * 15.0;
                history.record(now, totals, None);
                now += 15_000;
            }
            for _ in 0..6 {
                totals.cpu_seconds += cores * 15.0;
                history.record(now, totals, None);
                let views = |_: usize| View { workload: wl, pods: &pods, history: &history, open: None, backlog: 0.0 };
                let fast_decision = hpa_sync(a, &mut fast, 0, now, &views).cloned();
                let slow_decision = hpa_sync(a, &mut slow, 0, now, &views).expect("never held").clone();
                let fast_to = fast_decision.as_ref().filter(|d| d.rescale).map(|d| d.desired_replicas);
                let slow_to = slow_decision.rescale.then_some(slow_decision.desired_replicas);
                assert_eq!(fast_to, slow_to, "rescale at {now} ms");
                if slow_to == Some(8) {
                    assert!(fast.known, "the last scale-up is decided on a known proposal");
                }
                decided.extend(slow_to);
                if let Some(to) = slow_to {
                    set_replicas(&mut pods, to as u32);
                    break;
                }
                now += 15_000;
            }
            now += 15_000;
        }
        assert_eq!(decided, [4, 8], "the scale-up limit, then the window's higher recommendation");
    }
}
