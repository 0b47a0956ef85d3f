//! One run: wires the trace, the cluster and the service model together.
//!
//! A run is single-threaded and deterministic: the same scenario and seed give the same
//! [`RunResult`], bit for bit.

mod result;

pub use result::{Decision, LatencySummary, RunResult, Series, SpikeSummary, WorkloadResult, WorkloadSummary};

use crate::cluster::Cluster;
use crate::engine::{EventQueue, Lane, LaneSet, Millis, RngStreams};
use crate::error::Result;
use crate::model::{Fidelity, Scenario};
use crate::trace::Trace;
use crate::traffic::{FluidQueue, LatencyHistogram, Load, RequestQueue, ServiceProfile, StepStats};

/// Event priorities at the same millisecond: demand changes first, so an output tick or a
/// controller sees the new rate only from the next step.
const PRIO_DEMAND: u8 = 0;

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
    fn backlog(&self) -> f64 {
        match self {
            Queue::Fluid(q) => q.backlog(),
            Queue::Request(q) => q.backlog(),
        }
    }
}

/// Per-workload state during a run.
struct Live {
    demand: Trace,
    segment: usize,
    lambda: f64,
    queue: Queue,
    ready: u32,
    desired: u32,
    pending: u32,
    step: StepStats,
    step_hist: LatencyHistogram,
    run_hist: LatencyHistogram,
    total: StepStats,
    series: Series,
    peak_demand: f64,
}

/// Runs `scenario` with `seed` (the scenario's own seed unless overridden).
pub fn run(scenario: &Scenario, seed: Option<u64>) -> Result<RunResult> {
    let seed = seed.unwrap_or(scenario.seed);
    let streams = RngStreams::new(seed, &scenario.name, 0);
    let duration = scenario.duration_ms;
    let start = scenario.start;

    let mut cluster = Cluster::from_groups(&scenario.nodes);
    let mut decisions = Vec::new();
    let mut live = Vec::with_capacity(scenario.workloads.len());
    let mut events: EventQueue<usize> = EventQueue::with_capacity(scenario.workloads.len());
    for (w, wl) in scenario.workloads.iter().enumerate() {
        let demand = match wl.noise_cv {
            Some(cv) if cv > 0.0 => wl.demand.with_noise(cv, &mut streams.stream(&format!("noise/{}", wl.name)))?,
            _ => wl.demand.clone(),
        };
        // Fixed replicas: every pod is placed once, at the start, and is Ready from then on.
        let desired = wl.deployment.replicas;
        let mut bound = 0;
        let mut reason = None;
        for _ in 0..desired {
            match cluster.bind_first_fit(&wl.deployment.requests) {
                Ok(_) => bound += 1,
                Err(why) => {
                    reason = Some(why);
                    break;
                }
            }
        }
        let object = format!("deployment/{}", wl.deployment.name);
        decisions.push(Decision {
            time_ms: 0,
            controller: "deployment".into(),
            object: object.clone(),
            action: "scale".into(),
            from: 0,
            to: desired,
            reason: "fixed replicas from the manifest (no autoscaler configured)".into(),
        });
        decisions.push(Decision {
            time_ms: 0,
            controller: "scheduler".into(),
            object: object.clone(),
            action: "bind".into(),
            from: 0,
            to: bound,
            reason: format!("{bound} of {desired} pods bound first-fit"),
        });
        if let Some(why) = reason {
            decisions.push(Decision {
                time_ms: 0,
                controller: "scheduler".into(),
                object,
                action: "pending".into(),
                from: 0,
                to: desired - bound,
                reason: format!(
                    "{why} (pod requests cpu {}, memory {})",
                    fmt_cpu(wl.deployment.requests.cpu),
                    fmt_bytes(wl.deployment.requests.memory)
                ),
            });
        }
        let queue = match scenario.fidelity {
            Fidelity::Fluid => Queue::Fluid(FluidQueue::new()),
            Fidelity::Request => {
                Queue::Request(Box::new(RequestQueue::new(streams.stream(&format!("requests/{}", wl.name)))))
            }
        };
        if demand.len() > 1 {
            events.schedule((demand.times()[1] - start) as Millis, PRIO_DEMAND, w);
        }
        live.push(Live {
            lambda: demand.rates()[0],
            demand,
            segment: 0,
            queue,
            ready: bound,
            desired,
            pending: desired - bound,
            step: StepStats::default(),
            step_hist: LatencyHistogram::new(),
            run_hist: LatencyHistogram::new(),
            total: StepStats::default(),
            series: Series::default(),
            peak_demand: 0.0,
        });
    }

    let mut lanes = LaneSet::new();
    let output_lane = lanes.add(Lane::new(scenario.output_step_ms, scenario.output_step_ms));
    let mut now: Millis = 0;
    let mut step_start: Millis = 0;
    // Latency of all requests together, per output step.
    let mut total_step_hist = LatencyHistogram::new();
    let mut total_latency = Vec::new();
    loop {
        let next_event = events.peek_time().unwrap_or(Millis::MAX);
        let next_tick = lanes.get(output_lane).next;
        let next = next_event.min(next_tick).min(duration);
        // Everything is constant on [now, next): advance every workload in closed form.
        if next > now {
            for (wl, l) in scenario.workloads.iter().zip(live.iter_mut()) {
                let load = Load { lambda: l.lambda, pods: l.ready, slo_ms: wl.slo_latency_ms };
                l.queue.advance(&wl.profile, load, next - now, &mut l.step, &mut l.step_hist);
            }
            now = next;
        }
        if now >= duration || next_tick == now {
            for l in live.iter() {
                total_step_hist.merge(&l.step_hist);
            }
            total_latency.push([0.5, 0.95, 0.99].map(|q| total_step_hist.quantile(q)));
            total_step_hist.clear();
            for (wl, l) in scenario.workloads.iter().zip(live.iter_mut()) {
                flush_step(wl.profile, l, step_start, now);
            }
            step_start = now;
            if now >= duration {
                break;
            }
            lanes.advance(output_lane);
        }
        while events.peek_time() == Some(now) {
            let w = events.pop().unwrap().event;
            let l = &mut live[w];
            l.segment += 1;
            l.lambda = l.demand.rates()[l.segment];
            if l.segment + 1 < l.demand.len() {
                events.schedule((l.demand.times()[l.segment + 1] - start) as Millis, PRIO_DEMAND, w);
            }
        }
    }

    let workloads: Vec<WorkloadResult> = scenario
        .workloads
        .iter()
        .zip(live)
        .map(|(wl, l)| WorkloadResult {
            summary: WorkloadSummary::from_totals(&wl.name, &l.total, &l.run_hist, l.peak_demand, duration),
            name: wl.name.clone(),
            totals: l.total,
            series: l.series,
            hist: l.run_hist,
        })
        .collect();
    Ok(RunResult::assemble(scenario, seed, workloads, total_latency, decisions))
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
    let series = &mut l.series;
    series.time_ms.push(from);
    series.demand_rps.push(demand);
    series.served_rps.push(s.served / secs);
    series.failed_rps.push(s.failed / secs);
    series.capacity_rps.push(profile.capacity_rps(l.ready));
    series.ready_pods.push(l.ready);
    series.desired_pods.push(l.desired);
    series.pending_pods.push(l.pending);
    series.backlog.push(l.queue.backlog());
    series.cpu_per_pod.push(if l.ready > 0 { s.cpu_seconds / secs / l.ready as f64 } else { 0.0 });
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

pub fn fmt_cpu(cores: f64) -> String {
    format!("{}m", (cores * 1000.0).round())
}

pub fn fmt_bytes(bytes: f64) -> String {
    format!("{}Mi", (bytes / 1_048_576.0).round())
}
