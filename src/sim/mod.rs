//! One run: wires the trace, pods, controllers, the cluster and the service model together.
//!
//! A run is single-threaded and deterministic: the same scenario and seed give the same
//! [`RunResult`], bit for bit.

mod cluster_autoscaler;
mod controllers;
mod karpenter;
mod nodes;
mod pods;
mod proposals;
mod result;
mod signals;

pub use pods::{Pod, PodSet, PodState};
pub use result::{
    Decision, LatencySummary, NodeLife, NodeSample, RunResult, RunStats, Series, SpikeSummary, Unschedulable,
    WorkloadResult, WorkloadSummary,
};
pub use signals::{SignalHistory, Totals};

use controllers::{ControllerState, View};
use rand::RngExt;

use crate::cluster::{Cluster, NodeId};
use crate::engine::{EventQueue, Lane, LaneSet, Millis, RngStreams, StreamRng};
use crate::error::Result;
use crate::model::{Fidelity, Scenario, Workload};
use crate::trace::Trace;
use crate::traffic::{FluidQueue, Growth, LatencyHistogram, Load, RequestQueue, ServiceProfile, StepStats};

/// Events in the heap. At the same millisecond they fire in this order (the priority), then
/// in scheduling order; periodic controller loops run after them.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A workload's demand moves to its next trace segment.
    Demand(usize),
    /// A pod's containers start (its phase becomes Running).
    PodRunning(usize, u64),
    /// A pod passes its readiness probe.
    PodReady(usize, u64),
    /// A terminating pod is gone and frees its node.
    PodGone(usize, u64),
    /// Karpenter's provisioning batch (of this generation) closes.
    Provision(u64),
    /// A launched node is Ready.
    NodeReady(NodeId),
    /// A spot node gets its eviction notice.
    SpotNotice(NodeId),
    /// A node's VM is deleted.
    NodeGone(NodeId),
}

impl Event {
    fn priority(&self) -> u8 {
        match self {
            Event::Demand(_) => 0,
            Event::PodRunning(..) | Event::PodReady(..) => 1,
            Event::PodGone(..) => 2,
            Event::NodeReady(_) | Event::SpotNotice(_) => 3,
            Event::NodeGone(_) => 4,
            Event::Provision(_) => 5,
        }
    }
}

/// Periodic loops, one lane each.
#[derive(Debug, Clone, Copy)]
enum Loop {
    Output,
    Hpa(usize),
    KedaPoll(usize),
    /// Karpenter's disruption controller.
    Disruption,
    /// The Cluster Autoscaler's scan.
    ClusterAutoscaler,
}

enum Queue {
    Fluid(FluidQueue),
    Request(Box<RequestQueue>),
}

impl Queue {
    fn advance(
        &mut self,
        p: &ServiceProfile,
        load: Load,
        dt: Millis,
        stats: &mut StepStats,
        hist: &mut LatencyHistogram,
    ) {
        match self {
            Queue::Fluid(q) => q.advance(p, load, dt, stats, hist),
            Queue::Request(q) => q.advance(p, load, dt, stats, hist),
        }
    }
    fn flush_latency(&mut self, hist: &mut LatencyHistogram) {
        match self {
            Queue::Fluid(q) => q.flush_latency(hist),
            Queue::Request(q) => q.flush_latency(hist),
        }
    }
    fn backlog(&self) -> f64 {
        match self {
            Queue::Fluid(q) => q.backlog(),
            Queue::Request(q) => q.backlog(),
        }
    }
    /// How the fluid model moves under `load` from its current state; the request-level model
    /// has no closed form (its readers bring it forward instead).
    fn growth(&self, p: &ServiceProfile, load: Load) -> Option<Growth> {
        match self {
            Queue::Fluid(q) => Some(q.growth(p, load)),
            Queue::Request(_) => None,
        }
    }
}

/// Per-workload state during a run.
struct Live {
    /// The workload's state is computed up to here; it is brought forward only when something
    /// it depends on changes or someone reads it (lazy integration).
    integrated_to: Millis,
    /// Workloads whose signals this workload's autoscaler reads (itself included).
    reads: Vec<usize>,
    demand: Trace,
    segment: usize,
    lambda: f64,
    queue: Queue,
    pods: PodSet,
    startup_rng: StreamRng,
    history: SignalHistory,
    totals: Totals,
    /// Boxed: the state is large and is taken out for each sync.
    controller: Option<Box<ControllerState>>,
    /// Pods already reported as pending (so each gets one decision row).
    pending_reported: u32,
    step: StepStats,
    step_hist: LatencyHistogram,
    run_hist: LatencyHistogram,
    total: StepStats,
    series: Series,
    peak_demand: f64,
    /// How the workload moves from its last checkpoint, for readers: computed once per
    /// (checkpoint, pods, trace segment), as every reader of a sync asks for it.
    open: std::cell::Cell<Option<(OpenKey, Option<Growth>)>>,
}

/// What the growth after a workload's last checkpoint depends on: the checkpoint (the queue
/// changes only there), the pods (ready ones serve) and the trace segment (demand).
type OpenKey = (Millis, u64, usize);

/// Everything a run mutates besides the workloads.
struct World<'a> {
    scenario: &'a Scenario,
    /// Each workload's pod as the kube-scheduler sees it (named after the workload): asks
    /// whether a pending pod fits, and is copied and renamed for each pod bound.
    pod_infos: Vec<crate::cluster::scheduler::PodInfo>,
    cluster: Cluster,
    events: EventQueue<Event>,
    decisions: Vec<Decision>,
    karpenter: Option<karpenter::Karpenter>,
    cluster_autoscaler: Option<cluster_autoscaler::ClusterAutoscaler>,
    /// Draws of spot evictions (either node autoscaler's spot nodes).
    spot_rng: StreamRng,
    /// Nodes being drained (each is drained once).
    draining: std::collections::BTreeSet<NodeId>,
    /// Pods created unbound so far (a node autoscaler looks at the new ones).
    pending_created: u64,
    /// Unbound pods deleted so far (scale-downs remove them first).
    pending_dropped: u64,
    /// Workloads no node could ever take.
    unschedulable: Vec<Unschedulable>,
    shortcuts: Shortcuts,
    stats: RunStats,
}

/// Exact shortcuts a run may take: they change how fast it computes, never what.
#[derive(Debug, Clone, Copy)]
pub struct Shortcuts {
    /// Let an HPA sync that is proved to keep the replicas only record its recommendation
    /// (`sim::controllers::Rest`). Exact: turning it off only makes runs slower; tests do, to show
    /// that results are the same.
    pub prove_rest: bool,
    /// Skip a KEDA poll that can change nothing and draws nothing
    /// (`sim::controllers::keda_poll_is_inert`). Exact, like `prove_rest`.
    pub skip_inert_polls: bool,
}

impl Shortcuts {
    /// Every shortcut off: the reference the shortcuts are tested against.
    pub fn none() -> Self {
        Shortcuts { prove_rest: false, skip_inert_polls: false }
    }
}

impl Default for Shortcuts {
    fn default() -> Self {
        Shortcuts { prove_rest: true, skip_inert_polls: true }
    }
}

/// Runs `scenario` with `seed` (the scenario's own seed unless overridden).
pub fn run(scenario: &Scenario, seed: Option<u64>) -> Result<RunResult> {
    run_with(scenario, seed, Shortcuts::default())
}

/// [`run`] with explicit [`Shortcuts`].
pub fn run_with(scenario: &Scenario, seed: Option<u64>, shortcuts: Shortcuts) -> Result<RunResult> {
    let seed = seed.unwrap_or(scenario.seed);
    let streams = RngStreams::new(seed, &scenario.name, 0);
    let duration = scenario.duration_ms;
    let start = scenario.start;
    let mut world = World {
        scenario,
        cluster: Cluster::from_groups(&scenario.nodes, scenario.scoring),
        events: EventQueue::with_capacity(scenario.workloads.len() * 8),
        decisions: Vec::new(),
        karpenter: None,
        cluster_autoscaler: None,
        spot_rng: streams.stream("spot-eviction"),
        draining: std::collections::BTreeSet::new(),
        pending_created: 0,
        pending_dropped: 0,
        unschedulable: Vec::new(),
        shortcuts,
        stats: RunStats::default(),
        pod_infos: scenario.workloads.iter().map(|wl| crate::cluster::pod_info(&wl.deployment, &wl.name)).collect(),
    };
    let mut lanes = LaneSet::new();
    let mut loops = vec![Loop::Output];
    lanes.add(Lane::new(scenario.output_step_ms, scenario.output_step_ms));
    if let crate::model::NodeAutoscaling::Karpenter(setup) = &scenario.node_autoscaling {
        world.karpenter =
            Some(karpenter::Karpenter::new(streams.stream("karpenter-launch"), setup, &scenario.workloads));
        let period = crate::autoscale::karpenter::disruption::POLL_PERIOD_MS;
        let phase = streams.stream("controller-phase/karpenter-disruption").random_range(0..period);
        lanes.add(Lane::new(phase, period));
        loops.push(Loop::Disruption);
    }
    if let crate::model::NodeAutoscaling::ClusterAutoscaler(ca) = &scenario.node_autoscaling {
        world.cluster_autoscaler = Some(cluster_autoscaler::ClusterAutoscaler::new(
            &world,
            streams.stream("cluster-autoscaler-launch"),
            streams.stream("cluster-autoscaler-expander"),
        ));
        let period = ca.config.scan_interval;
        let phase = streams.stream("controller-phase/cluster-autoscaler").random_range(0..period);
        lanes.add(Lane::new(phase, period));
        loops.push(Loop::ClusterAutoscaler);
    }
    let mut live = Vec::with_capacity(scenario.workloads.len());
    for (w, wl) in scenario.workloads.iter().enumerate() {
        let demand = match wl.noise_cv {
            Some(cv) if cv > 0.0 => wl.demand.with_noise(cv, &mut streams.stream(&format!("noise/{}", wl.name)))?,
            _ => wl.demand.clone(),
        };
        let queue = match scenario.fidelity {
            Fidelity::Fluid => Queue::Fluid(FluidQueue::new()),
            Fidelity::Request => {
                Queue::Request(Box::new(RequestQueue::new(streams.stream(&format!("requests/{}", wl.name)))))
            }
        };
        if demand.len() > 1 {
            world.events.schedule((demand.times()[1] - start) as Millis, 0, Event::Demand(w));
        }
        // Each controller loop gets its own phase, as real controllers started at different times.
        let mut phase_rng = streams.stream(&format!("controller-phase/{}", wl.name));
        let controller = wl.autoscaler.as_ref().map(|a| {
            lanes.add(Lane::new(phase_rng.random_range(0..scenario.hpa_sync_ms), scenario.hpa_sync_ms));
            loops.push(Loop::Hpa(w));
            if let Some(k) = &a.keda {
                let poll = k.object.polling_interval_ms().max(1);
                lanes.add(Lane::new(phase_rng.random_range(0..poll), poll));
                loops.push(Loop::KedaPoll(w));
            }
            let rng = streams.stream(&format!("controller-readings/{}", wl.name));
            Box::new(ControllerState::new(scenario.hpa, rng, shortcuts.prove_rest))
        });
        let horizon = 30 * crate::engine::MINUTE;
        let mut reads = vec![w];
        if let Some(a) = &wl.autoscaler {
            let signals = a.keda.iter().flat_map(|k| k.signals.iter()).chain(a.metric_signals.values());
            for s in signals {
                if let Some(other) = s.workload()
                    && !reads.contains(&other)
                {
                    reads.push(other);
                }
            }
        }
        live.push(Live {
            integrated_to: 0,
            reads,
            lambda: demand.rates()[0],
            demand,
            segment: 0,
            queue,
            pods: PodSet::default(),
            startup_rng: streams.stream(&format!("pod-startup/{}", wl.name)),
            history: SignalHistory::new(horizon),
            totals: Totals::default(),
            controller,
            pending_reported: 0,
            step: StepStats::default(),
            step_hist: LatencyHistogram::new(),
            run_hist: LatencyHistogram::new(),
            total: StepStats::default(),
            series: Series::default(),
            peak_demand: 0.0,
            open: std::cell::Cell::new(None),
        });
    }
    start_warm(&mut world, &mut live);

    let mut step_start: Millis = 0;
    // Latency of all requests together, per output step.
    let mut total_step_hist = LatencyHistogram::new();
    let mut total_latency = Vec::new();
    let mut node_samples = Vec::new();
    loop {
        let next_event = world.events.peek_time().unwrap_or(Millis::MAX);
        let next_lane = lanes.next().map_or(Millis::MAX, |(_, t)| t);
        let now = next_event.min(next_lane).min(duration);
        if now >= duration || lanes.get(0).next == now {
            for (wl, l) in scenario.workloads.iter().zip(live.iter_mut()) {
                catch_up(wl, l, now);
            }
            for l in live.iter_mut() {
                l.queue.flush_latency(&mut l.step_hist);
            }
            // Request latency across the HTTP services (queue workers' waits are minutes by
            // design and have their own objective).
            for (wl, l) in scenario.workloads.iter().zip(live.iter()) {
                if !wl.profile.queued {
                    total_step_hist.merge(&l.step_hist);
                }
            }
            total_latency.push([0.5, 0.95, 0.99].map(|q| total_step_hist.quantile(q)));
            total_step_hist.clear();
            let pending: u32 = live.iter().map(|l| l.pods.pending()).sum();
            for group in world.cluster.sample() {
                node_samples.push(NodeSample { time_ms: step_start, group, pending_pods: pending });
            }
            for (wl, l) in scenario.workloads.iter().zip(live.iter_mut()) {
                flush_step(wl.profile, l, step_start, now);
            }
            step_start = now;
            if now >= duration {
                break;
            }
            lanes.advance(0);
        }
        while world.events.peek_time() == Some(now) {
            let ev = world.events.pop().unwrap().event;
            handle_event(&mut world, &mut live, ev, now);
        }
        while let Some((i, t)) = lanes.next()
            && t == now
        {
            match loops[i] {
                Loop::Output => {}
                Loop::Hpa(w) => run_hpa(&mut world, &mut live, w, now),
                Loop::KedaPoll(w) => run_keda_poll(&mut world, &mut live, w, now),
                Loop::Disruption => karpenter::disruption_pass(&mut world, &mut live, now),
                Loop::ClusterAutoscaler => cluster_autoscaler::scan(&mut world, &mut live, now),
            }
            lanes.advance(i);
        }
    }

    // Headroom placeholders hold nodes but serve nothing: they are not reported as workloads.
    let workloads: Vec<WorkloadResult> = scenario
        .workloads
        .iter()
        .zip(live)
        .filter(|(wl, _)| !wl.placeholder)
        .map(|(wl, l)| WorkloadResult {
            summary: WorkloadSummary::from_totals(&wl.name, &l.total, &l.run_hist, l.peak_demand, duration),
            name: wl.name.clone(),
            totals: l.total,
            series: l.series,
            hist: l.run_hist,
        })
        .collect();
    let node_lives = world.cluster.lives(duration);
    let mut result =
        RunResult::assemble(scenario, seed, workloads, total_latency, world.decisions, node_samples, node_lives);
    result.unschedulable = world.unschedulable;
    result.stats = world.stats;
    Ok(result)
}

/// The cluster as found at the start: every Deployment at its replicas (clamped into its
/// autoscaler's range), pods bound and Ready; with Karpenter, the nodes it would have launched
/// for them already Ready.
fn start_warm(world: &mut World<'_>, live: &mut [Live]) {
    for (wl, l) in world.scenario.workloads.iter().zip(live.iter_mut()) {
        let mut replicas = wl.deployment.replicas;
        let mut why = "replicas from the manifest".to_string();
        if let Some(a) = &wl.autoscaler {
            let min = if a.keda.is_some() { replicas.min(1) } else { a.hpa.min_replicas.unwrap_or(1).max(0) as u32 };
            let clamped = replicas.clamp(min, a.hpa.max_replicas.max(0) as u32);
            if clamped != replicas {
                why = format!("replicas {replicas} from the manifest, clamped into the autoscaler's range");
            }
            replicas = clamped;
        } else {
            why.push_str(" (no autoscaler)");
        }
        l.pods.desired = replicas;
        world.decisions.push(Decision {
            time_ms: 0,
            controller: "deployment".into(),
            object: format!("deployment/{}", wl.deployment.name),
            action: "start".into(),
            from: 0,
            to: replicas,
            reason: why,
        });
        for _ in 0..replicas {
            l.pods.create(0);
        }
    }
    if world.karpenter.is_some() {
        karpenter::warm_start(world, live);
    }
    if world.cluster_autoscaler.is_some() {
        cluster_autoscaler::warm_start(world, live);
    }
    for (w, l) in live.iter_mut().enumerate() {
        let wl = &world.scenario.workloads[w];
        let ids: Vec<u64> = l.pods.pods.iter().map(|p| p.id).collect();
        for id in ids {
            match world.cluster.bind(crate::cluster::pod_info(&wl.deployment, &pod_name(wl, id)), 0) {
                Ok(node) => {
                    let p = l.pods.get_mut(id).unwrap();
                    p.node = Some(node);
                    p.bound_at = Some(0);
                    p.state = PodState::Ready { since: 0 };
                }
                Err(_) => {
                    world.pending_created += l.pods.pending() as u64;
                    break;
                }
            }
        }
        report_pending(world, l, w, 0);
    }
    if karpenter::has_new_pending(world) {
        karpenter::trigger(world, 0);
    }
}

/// Brings a workload's state forward to `to`. Between two changes of its demand or ready pods
/// everything is constant, so one closed-form step covers the whole interval. Called before the
/// workload itself changes and at output steps, never because a controller reads it (readers
/// get the totals in closed form, see [`view`]), so the split points, and every float, do not
/// depend on when controllers look.
fn catch_up(wl: &Workload, l: &mut Live, to: Millis) {
    if to > l.integrated_to {
        advance(wl, l, l.integrated_to, to);
        l.integrated_to = to;
    }
}

/// The request-level model has no closed form between checkpoints: a reader brings the
/// workloads it reads forward to its instant.
fn catch_up_for_reader(world: &World<'_>, live: &mut [Live], w: usize, now: Millis) {
    if world.scenario.fidelity == Fidelity::Request {
        for i in 0..live[w].reads.len() {
            let r = live[w].reads[i];
            catch_up(&world.scenario.workloads[r], &mut live[r], now);
        }
    }
}

fn load(wl: &Workload, l: &Live) -> Load {
    Load { lambda: l.lambda, pods: l.pods.ready(), slo_ms: wl.slo_latency_ms }
}

/// Advances one workload over [from, to) with its ready pods, and records its signals.
fn advance(wl: &Workload, l: &mut Live, from: Millis, to: Millis) {
    let before = l.step;
    let load = load(wl, l);
    let growth = l.queue.growth(&wl.profile, load);
    l.queue.advance(&wl.profile, load, to - from, &mut l.step, &mut l.step_hist);
    l.totals.arrived += l.step.arrived - before.arrived;
    l.totals.served += l.step.served - before.served;
    l.totals.cpu_seconds += l.step.cpu_seconds - before.cpu_seconds;
    l.history.record(to, l.totals, growth);
}

fn handle_event(world: &mut World<'_>, live: &mut [Live], ev: Event, now: Millis) {
    match ev {
        Event::Demand(w) => {
            let l = &mut live[w];
            catch_up(&world.scenario.workloads[w], l, now);
            l.segment += 1;
            l.lambda = l.demand.rates()[l.segment];
            if l.segment + 1 < l.demand.len() {
                let at = (l.demand.times()[l.segment + 1] - world.scenario.start) as Millis;
                world.events.schedule(at, Event::Demand(w).priority(), Event::Demand(w));
            }
        }
        Event::PodRunning(w, id) => {
            // Only the phase changes (observers see it); capacity does not.
            let _ = live[w].pods.get_mut(id);
        }
        Event::PodReady(w, id) => {
            catch_up(&world.scenario.workloads[w], &mut live[w], now);
            if let Some(p) = live[w].pods.get_mut(id)
                && matches!(p.state, PodState::Starting { .. })
            {
                p.state = PodState::Ready { since: now };
            }
        }
        Event::PodGone(w, id) => {
            if let Some(p) = live[w].pods.remove(id)
                && let Some(node) = p.node
            {
                world.cluster.release(node, &pod_name(&world.scenario.workloads[w], id), now);
                bind_pending(world, live, now);
            }
        }
        Event::Provision(generation) => karpenter::provision(world, live, generation, now),
        Event::NodeReady(id) if world.karpenter.is_some() => karpenter::node_ready(world, live, id, now),
        Event::NodeReady(id) => cluster_autoscaler::node_ready(world, live, id, now),
        Event::SpotNotice(id) => nodes::spot_notice(world, live, id, now),
        Event::NodeGone(id) => nodes::node_gone(world, live, id, now),
    }
}

fn view<'a>(scenario: &'a Scenario, live: &'a [Live], w: usize) -> View<'a> {
    let (wl, l) = (&scenario.workloads[w], &live[w]);
    let key = (l.integrated_to, l.pods.version(), l.segment);
    let open = match l.open.get() {
        Some((k, growth)) if k == key => growth,
        _ => {
            let growth = l.queue.growth(&wl.profile, load(wl, l));
            l.open.set(Some((key, growth)));
            growth
        }
    };
    View { workload: wl, pods: &l.pods, history: &l.history, open, backlog: l.queue.backlog() }
}

fn run_hpa(world: &mut World<'_>, live: &mut [Live], w: usize, now: Millis) {
    let wl = &world.scenario.workloads[w];
    let Some(a) = &wl.autoscaler else { return };
    // A paused ScaledObject (or one pinned to paused-replicas) has no HPA: KEDA removes it.
    if let Some(k) = &a.keda
        && (k.object.paused_by_annotation() || k.object.paused_replicas().is_some())
    {
        return;
    }
    if skip_sync(world, live, w, now) {
        world.stats.hpa_syncs += 1;
        world.stats.hpa_syncs_held += 1;
        world.stats.hpa_syncs_skipped += 1;
        return;
    }
    catch_up_for_reader(world, live, w, now);
    let mut state = live[w].controller.take().expect("an HPA lane has a controller");
    let decision = controllers::hpa_sync(a, &mut state, w, now, &|r| view(world.scenario, live, r));
    world.stats.hpa_syncs += 1;
    world.stats.hpa_syncs_held += u64::from(decision.is_none());
    // Only a rescale is logged; the decision stays in the controller state for reuse.
    let rescale = decision.filter(|d| d.rescale).map(|d| (d.desired_replicas.max(0) as u32, d.to_string()));
    world.stats.hpa_syncs_known += u64::from(state.known);
    live[w].controller = Some(state);
    if let Some((to, reason)) = rescale {
        world.decisions.push(Decision {
            time_ms: now,
            controller: if a.keda.is_some() { "keda-hpa".into() } else { "hpa".into() },
            object: format!("deployment/{}", wl.deployment.name),
            action: "scale".into(),
            from: live[w].pods.desired,
            to,
            reason,
        });
        scale(world, live, w, to, now);
    }
}

/// Whether an HPA at rest may skip its sync at `now` without running it
/// ([`controllers::Sleep`]).
fn skip_sync(world: &World<'_>, live: &mut [Live], w: usize, now: Millis) -> bool {
    let Some(from) = live[w].controller.as_ref().and_then(|c| c.sleep.as_ref()).map(|s| s.checked_to()) else {
        return false;
    };
    let v = view(world.scenario, live, w);
    let range = v.history.rate_range(from, v.open.as_ref());
    let l = &mut live[w];
    let sleep = l.controller.as_mut().and_then(|c| c.sleep.as_mut());
    sleep.is_some_and(|s| s.skips(&l.pods, range, now))
}

fn run_keda_poll(world: &mut World<'_>, live: &mut [Live], w: usize, now: Millis) {
    let wl = &world.scenario.workloads[w];
    let Some(a) = &wl.autoscaler else { return };
    // Before the inert check: a skipped poll leaves the request-level model's steps as they were.
    catch_up_for_reader(world, live, w, now);
    world.stats.keda_polls += 1;
    if world.shortcuts.skip_inert_polls && controllers::keda_poll_is_inert(a, live[w].pods.desired) {
        world.stats.keda_polls_skipped += 1;
        return;
    }
    let mut state = live[w].controller.take().expect("a KEDA lane has a controller");
    let outcome = controllers::keda_poll(a, &mut state, w, now, &|r| view(world.scenario, live, r));
    live[w].controller = Some(state);
    if let Some(to) = outcome.set_replicas
        && to != live[w].pods.desired
    {
        let values: Vec<String> = outcome.values.iter().map(|v| format!("{v:.1}")).collect();
        world.decisions.push(Decision {
            time_ms: now,
            controller: "keda".into(),
            object: format!("deployment/{}", wl.deployment.name),
            action: "scale".into(),
            from: live[w].pods.desired,
            to,
            reason: format!(
                "{:?}: triggers {} (trigger values [{}])",
                outcome.reason,
                if outcome.active { "active" } else { "inactive" },
                values.join(", ")
            ),
        });
        scale(world, live, w, to, now);
    }
}

/// Sets a Deployment's replicas; the ReplicaSet controller creates or deletes pods at once.
fn scale(world: &mut World<'_>, live: &mut [Live], w: usize, to: u32, now: Millis) {
    let wl = &world.scenario.workloads[w];
    let l = &mut live[w];
    // Deleting Ready pods changes capacity from now on.
    catch_up(wl, l, now);
    l.pods.desired = to;
    let active = l.pods.active();
    if to > active {
        for _ in active..to {
            l.pods.create(now);
        }
        world.pending_created += u64::from(to - active);
        bind_pending(world, live, now);
    } else if to < active {
        for id in l.pods.pick_for_deletion(active - to, now) {
            let p = l.pods.get_mut(id).unwrap();
            if p.node.is_none() {
                l.pods.remove(id);
                world.pending_dropped += 1;
            } else {
                let until = now + wl.pods.termination_grace_ms;
                p.state = PodState::Terminating { until };
                world.events.schedule(until, Event::PodGone(w, id).priority(), Event::PodGone(w, id));
            }
        }
        l.pending_reported = l.pending_reported.min(l.pods.pending());
    }
}

/// Binds pending pods, workload by workload in creation order, and starts them.
fn bind_pending(world: &mut World<'_>, live: &mut [Live], now: Millis) {
    // Real pods may pre-empt headroom placeholders (lower priority) when nothing else fits.
    let may_preempt = world.scenario.workloads.iter().any(|w| w.placeholder);
    for w in 0..live.len() {
        let wl = &world.scenario.workloads[w];
        let pending: Vec<u64> =
            live[w].pods.pods.iter().filter(|p| p.state == PodState::Pending).map(|p| p.id).collect();
        let preempting = may_preempt && !wl.placeholder;
        for id in pending {
            // The scheduler ignores the name: a pod that fits nowhere is not built (pending pods
            // are retried after every change, and mostly still fit nowhere).
            if !preempting && !world.cluster.fits_somewhere(&world.pod_infos[w]) {
                break;
            }
            let mut pod = world.pod_infos[w].clone();
            pod.name = pod_name(wl, id);
            let placed = if preempting {
                world.cluster.bind_or_preempt(pod, now)
            } else {
                world.cluster.bind(pod, now).map(|n| (n, Vec::new()))
            };
            let Ok((node, victims)) = placed else { break };
            if !victims.is_empty() {
                evict_placeholders(world, live, node, &victims, wl, now);
            }
            let l = &mut live[w];
            let running_at = now + wl.pods.startup.sample(&mut l.startup_rng);
            let ready_at = running_at + wl.pods.readiness_delay_ms;
            let p = l.pods.get_mut(id).unwrap();
            p.node = Some(node);
            p.bound_at = Some(now);
            p.state = PodState::Starting { running_at, ready_at };
            world.events.schedule(running_at, Event::PodRunning(w, id).priority(), Event::PodRunning(w, id));
            world.events.schedule(ready_at, Event::PodReady(w, id).priority(), Event::PodReady(w, id));
        }
        report_pending(world, &mut live[w], w, now);
    }
    if karpenter::has_new_pending(world) {
        karpenter::trigger(world, now);
    }
}

/// The scheduler pre-empted placeholder pods on `node` for a pod of `by`: they are gone at once
/// (pause containers exit on SIGTERM) and their ReplicaSet recreates them, pending.
fn evict_placeholders(
    world: &mut World<'_>,
    live: &mut [Live],
    node: NodeId,
    victims: &[String],
    by: &Workload,
    now: Millis,
) {
    for (w, l) in live.iter_mut().enumerate() {
        let wl = &world.scenario.workloads[w];
        if !wl.placeholder {
            continue;
        }
        let gone: Vec<u64> = l
            .pods
            .pods
            .iter()
            .filter(|p| p.node == Some(node) && victims.contains(&pod_name(wl, p.id)))
            .map(|p| p.id)
            .collect();
        for id in &gone {
            l.pods.remove(*id);
        }
        while l.pods.active() < l.pods.desired {
            l.pods.create(now);
            world.pending_created += 1;
        }
        if !gone.is_empty() {
            let node_name = world.cluster.index_of(node).map_or(String::new(), |i| world.cluster.infos[i].name.clone());
            world.decisions.push(Decision {
                time_ms: now,
                controller: "scheduler".into(),
                object: format!("deployment/{}", by.deployment.name),
                action: "preempt".into(),
                from: gone.len() as u32,
                to: 0,
                reason: format!(
                    "no node fits a pod of {}: pre-empted {} {} placeholder pods (priority {}) on {node_name}",
                    by.name,
                    gone.len(),
                    wl.name,
                    wl.deployment.priority
                ),
            });
        }
    }
}

/// One decision row whenever more pods are left pending than already reported.
fn report_pending(world: &mut World<'_>, l: &mut Live, w: usize, now: Millis) {
    let pending = l.pods.pending();
    if pending > l.pending_reported {
        let wl = &world.scenario.workloads[w];
        let why =
            world.cluster.why_unschedulable(&crate::cluster::pod_info(&wl.deployment, &format!("{}-pending", wl.name)));
        world.decisions.push(Decision {
            time_ms: now,
            controller: "scheduler".into(),
            object: format!("deployment/{}", wl.deployment.name),
            action: "pending".into(),
            from: l.pending_reported,
            to: pending,
            reason: format!(
                "{} (pod requests cpu {}, memory {})",
                why,
                fmt_cpu(wl.deployment.requests.cpu),
                fmt_bytes(wl.deployment.requests.memory)
            ),
        });
    }
    l.pending_reported = pending;
}

/// Closes the output step [from, to) of one workload: one row of the time series.
fn flush_step(profile: ServiceProfile, l: &mut Live, from: Millis, to: Millis) {
    if to <= from {
        return;
    }
    let secs = (to - from) as f64 / 1000.0;
    let s = &l.step;
    let demand = s.arrived / secs;
    l.peak_demand = l.peak_demand.max(demand);
    let ready = l.pods.ready();
    let series = &mut l.series;
    series.time_ms.push(from);
    series.demand_rps.push(demand);
    series.served_rps.push(s.served / secs);
    series.failed_rps.push(s.failed / secs);
    series.capacity_rps.push(profile.capacity_rps(ready));
    series.ready_pods.push(ready);
    series.desired_pods.push(l.pods.desired);
    series.pending_pods.push(l.pods.pending());
    series.backlog.push(l.queue.backlog());
    series.cpu_per_pod.push(if ready > 0 { s.cpu_seconds / secs / ready as f64 } else { 0.0 });
    series.p50_ms.push(l.step_hist.quantile(0.50));
    series.p95_ms.push(l.step_hist.quantile(0.95));
    series.p99_ms.push(l.step_hist.quantile(0.99));
    series.slo_good.push(s.good);
    series.arrived.push(s.arrived);
    l.total.add(s);
    l.run_hist.merge(&l.step_hist);
    l.step_hist.clear();
    l.step = StepStats::default();
}

/// A pod's name, as the scheduler and the HPA see it.
pub fn pod_name(wl: &Workload, id: u64) -> String {
    let mut name = String::new();
    write_pod_name(&mut name, wl, id);
    name
}

/// Appends the pod's name to `out` (so a caller can reuse a buffer).
pub fn write_pod_name(out: &mut String, wl: &Workload, id: u64) {
    use std::fmt::Write;
    write!(out, "{}-{}", wl.name, id).expect("writing to a String cannot fail");
}

pub fn fmt_cpu(cores: f64) -> String {
    format!("{}m", (cores * 1000.0).round())
}

pub fn fmt_bytes(bytes: f64) -> String {
    format!("{}Mi", (bytes / 1_048_576.0).round())
}
