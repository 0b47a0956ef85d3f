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

use super::pods::{PodSet, PodState};
use super::signals::{SignalHistory, last_scrape};

/// What controllers may read about one workload.
pub struct View<'a> {
    pub workload: &'a Workload,
    pub pods: &'a PodSet,
    pub history: &'a SignalHistory,
    pub backlog: f64,
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
}

impl ControllerState {
    /// A controller of an object that has been running before the simulation starts: its
    /// last activity is the start, so KEDA honours the cooldown instead of scaling to zero at once.
    pub fn new(config: hpa::HpaConfig, rng: StreamRng) -> Self {
        ControllerState {
            hpa: HpaController::new(config),
            last_active: Some(0),
            rng,
            observed: ObservedCache::default(),
            values: Vec::new(),
            readings: Vec::new(),
            decision: hpa::Decision::default(),
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
            let (arrived, served, _) = v.history.rates(at, window_ms.max(1_000));
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
    let (_, served, _) = v.history.rates(now, 1_000);
    v.backlog + served * v.workload.profile.service_ms / 1000.0
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

/// One HPA sync. Returns the controller's decision (kept in `state` until the next sync).
pub fn hpa_sync<'s>(
    a: &PodAutoscaler,
    state: &'s mut ControllerState,
    w: usize,
    now: Millis,
    views: Views<'_, '_>,
) -> &'s hpa::Decision {
    let observed = observe(a, w, now, views, &mut state.rng, &mut state.observed, &mut state.values);
    state.hpa.sync_into(&a.hpa, observed, now, &mut state.decision);
    &state.decision
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

/// Builds the HPA's view: the scale subresource, the pod lister, metrics-server and the
/// custom/external metrics APIs.
fn observe<'c>(
    a: &PodAutoscaler,
    w: usize,
    now: Millis,
    views: Views<'_, '_>,
    rng: &mut StreamRng,
    cache: &'c mut ObservedCache,
    values: &mut Vec<(f64, f64)>,
) -> &'c Observed {
    let v = views(w);
    let wl = v.workload;
    if cache.version != Some(v.pods.version()) {
        rebuild_pods(cache, wl, v.pods, now);
    }
    let scrape = last_scrape(now, wl.metrics.scrape_ms);
    let window = wl.metrics.resource_window_ms;
    // CPU of ready pods over the metrics-server window, shared equally among them; starting
    // pods at idle CPU; each pod's CPU split over its containers by their CPU requests.
    let (_, _, cpu_cores) = v.history.rates(scrape, window);
    let per_ready_pod = cpu_cores / v.pods.ready().max(1) as f64;
    let total_cpu_request: f64 = wl.deployment.containers.iter().map(|c| c.1.cpu).sum();
    let observed = &mut cache.observed;
    observed.spec_replicas = v.pods.desired as i32;
    observed.status_replicas = v.pods.active() as i32;
    for (m, &is_ready) in observed.resource_metrics.iter_mut().zip(&cache.entry_ready) {
        m.timestamp_ms = scrape;
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
    // Custom and external metrics.
    if let Some(k) = &a.keda {
        trigger_values(k, now, views, rng, values);
        // The generated HPA's metrics are the same every sync: their entries are kept and
        // only their values rewritten.
        let mut n = 0;
        for m in &a.hpa.metrics {
            let Some(ext) = &m.external else { continue };
            let name = &ext.metric.name;
            let value = if name == keda::COMPOSITE_METRIC_NAME {
                composite(k, values).unwrap_or(0.0)
            } else {
                match trigger_index(&a.hpa, k, name) {
                    Some(i) => values[i].0,
                    None => continue,
                }
            };
            set_external(&mut observed.external_metrics, n, name, milli(value));
            n += 1;
        }
        observed.external_metrics.truncate(n);
    } else {
        observed.external_metrics.clear();
        for m in &a.hpa.metrics {
            let (name, kind) = match m.type_ {
                MetricSourceType::Pods => (m.pods.as_ref().map(|x| &x.metric.name), 0),
                MetricSourceType::Object => (m.object.as_ref().map(|x| &x.metric.name), 1),
                MetricSourceType::External => (m.external.as_ref().map(|x| &x.metric.name), 2),
                _ => (None, 3),
            };
            let Some(name) = name else { continue };
            let Some(signal) = a.metric_signals.get(name) else { continue };
            let value = read_signal(*signal, now, views, rng);
            match kind {
                0 => {
                    let running: Vec<String> =
                        observed.pods.iter().filter(|p| p.phase == PodPhase::Running).map(|p| p.name.clone()).collect();
                    let per_pod = value / running.len().max(1) as f64;
                    for pod in &running {
                        observed.pod_metrics.push(PodMetricValue {
                            metric: name.clone(),
                            pod: pod.clone(),
                            value_milli: milli(per_pod),
                        });
                    }
                }
                1 => observed.object_metrics.push(ObjectMetricValue {
                    metric: name.clone(),
                    object: String::new(),
                    value_milli: milli(value),
                }),
                _ => observed
                    .external_metrics
                    .push(ExternalMetricValue { metric: name.clone(), value_milli: milli(value) }),
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
