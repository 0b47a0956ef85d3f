//! What a run produces, before any of it is written.

use serde::Serialize;

use crate::engine::Millis;
use crate::model::Scenario;
use crate::traffic::{LatencyHistogram, StepStats};

/// One controller action, like a Kubernetes event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub time_ms: Millis,
    pub controller: String,
    pub object: String,
    pub action: String,
    pub from: u32,
    pub to: u32,
    pub reason: String,
}

/// A workload's time series, one entry per output step (columns, to keep a year compact).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub time_ms: Vec<Millis>,
    pub demand_rps: Vec<f64>,
    pub served_rps: Vec<f64>,
    pub failed_rps: Vec<f64>,
    pub capacity_rps: Vec<f64>,
    pub ready_pods: Vec<u32>,
    pub desired_pods: Vec<u32>,
    pub pending_pods: Vec<u32>,
    pub backlog: Vec<f64>,
    pub cpu_per_pod: Vec<f64>,
    pub p50_ms: Vec<Option<f64>>,
    pub p95_ms: Vec<Option<f64>>,
    pub p99_ms: Vec<Option<f64>>,
    /// Requests served within the objective, and requests arriving, per step.
    pub slo_good: Vec<f64>,
    pub arrived: Vec<f64>,
}

impl Series {
    pub fn len(&self) -> usize {
        self.time_ms.len()
    }
    pub fn is_empty(&self) -> bool {
        self.time_ms.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySummary {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

impl LatencySummary {
    fn of(h: &LatencyHistogram) -> Self {
        LatencySummary { mean: h.mean(), p50: h.quantile(0.5), p95: h.quantile(0.95), p99: h.quantile(0.99) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadSummary {
    pub name: String,
    pub requests: f64,
    pub served: f64,
    pub failed: f64,
    pub failed_share: f64,
    /// Share of requests served within the latency objective.
    pub slo_attainment: f64,
    pub latency_ms: LatencySummary,
    /// Mean time a served request waited for a server, milliseconds.
    pub mean_queue_wait_ms: f64,
    pub mean_demand_rps: f64,
    pub peak_demand_rps: f64,
    pub cpu_core_hours: f64,
}

impl WorkloadSummary {
    pub fn from_totals(name: &str, t: &StepStats, hist: &LatencyHistogram, peak: f64, duration: Millis) -> Self {
        let share = |x: f64| if t.arrived > 0.0 { x / t.arrived } else { 0.0 };
        WorkloadSummary {
            name: name.to_string(),
            requests: t.arrived,
            served: t.served,
            failed: t.failed,
            failed_share: share(t.failed),
            slo_attainment: if t.arrived > 0.0 { t.good / t.arrived } else { 1.0 },
            latency_ms: LatencySummary::of(hist),
            mean_queue_wait_ms: if t.served > 0.0 { t.wait_ms_total / t.served } else { 0.0 },
            mean_demand_rps: t.arrived / (duration as f64 / 1000.0),
            peak_demand_rps: peak,
            cpu_core_hours: t.cpu_seconds / 3600.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: String,
    pub totals: StepStats,
    pub summary: WorkloadSummary,
    pub series: Series,
    pub hist: LatencyHistogram,
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub scenario: String,
    pub seed: u64,
    pub start_ms: i64,
    pub duration_ms: Millis,
    pub output_step_ms: Millis,
    pub slo_latency_ms: f64,
    pub slo_target: f64,
    pub fidelity: crate::model::Fidelity,
    pub workloads: Vec<WorkloadResult>,
    pub total: WorkloadSummary,
    /// p50, p95, p99 latency of the HTTP services' requests together, per output step.
    pub total_latency_ms: Vec<[Option<f64>; 3]>,
    pub decisions: Vec<Decision>,
    pub notes: Vec<String>,
    /// How the run went during each spike event.
    pub spikes: Vec<SpikeSummary>,
    /// Node groups at the start of each output step, with the cluster's pending pods then.
    pub nodes: Vec<NodeSample>,
    /// Every node that existed during the run, from its launch to its end (billing reads these).
    pub node_lives: Vec<NodeLife>,
    /// Workloads whose pods no node autoscaler could place, first time and why.
    pub unschedulable: Vec<Unschedulable>,
    /// How the run computed (not what): for benchmarks and the tests of exact shortcuts.
    pub stats: RunStats,
}

/// Counts of how a run computed its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// HPA syncs, including the held ones.
    pub hpa_syncs: u64,
    /// HPA syncs proved to keep the replicas, which only recorded their recommendation or
    /// were skipped.
    pub hpa_syncs_held: u64,
    /// Held HPA syncs that did not run at all (`sim::controllers::Sleep`).
    pub hpa_syncs_skipped: u64,
    /// HPA syncs that were not held but whose metric calculation was known
    /// (`sim::proposals`).
    pub hpa_syncs_known: u64,
    /// KEDA polls, including the skipped ones.
    pub keda_polls: u64,
    /// KEDA polls skipped as inert.
    pub keda_polls_skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unschedulable {
    pub workload: String,
    pub since_ms: Millis,
    pub reason: String,
}

/// One node's life: billed per second from `launched_ms` (the cloud bills from VM creation, not
/// from Ready) to `ended_ms` (the run's end for nodes still alive then).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeLife {
    pub name: String,
    pub pool: String,
    pub instance_type: String,
    /// `on-demand`, `spot` or `reserved` (Karpenter's capacity-type values).
    pub capacity_type: String,
    pub zone: Option<String>,
    pub launched_ms: Millis,
    pub ended_ms: Millis,
}

/// One row of `nodes.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSample {
    pub time_ms: Millis,
    pub group: crate::cluster::NodeGroupSample,
    pub pending_pods: u32,
}

/// How a spike went, over the workloads it hit, from its start to 30 minutes after its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeSummary {
    pub start_ms: Millis,
    pub end_ms: Millis,
    pub factor: f64,
    pub workloads: Vec<String>,
    pub requests: f64,
    pub failed: f64,
    pub failed_share: f64,
    pub slo_attainment: f64,
    pub peak_demand_rps: f64,
    pub capacity_at_start_rps: f64,
    pub peak_capacity_rps: f64,
    /// Seconds from the spike's start until every later step of the window had capacity ≥
    /// demand and (almost) no failures; `None` if that never happened in the window.
    pub caught_up_after_s: Option<f64>,
    /// The same, for each workload the spike hit on its own.
    pub per_workload: Vec<SpikeSummary>,
}

impl SpikeSummary {
    fn compute(
        ev: &crate::model::SpikeEvent,
        start_ms: i64,
        step_ms: Millis,
        workloads: &[WorkloadResult],
    ) -> Option<Self> {
        let from = (ev.spike.start - start_ms).max(0) as Millis;
        let to = (ev.spike.end() - start_ms).max(0) as Millis + 30 * crate::engine::MINUTE;
        let hit: Vec<&WorkloadResult> = workloads.iter().filter(|w| ev.workloads.contains(&w.name)).collect();
        let series = &hit.first()?.series;
        let steps: Vec<usize> =
            (0..series.len()).filter(|&i| series.time_ms[i] + step_ms > from && series.time_ms[i] < to).collect();
        if steps.is_empty() {
            return None;
        }
        let sum = |f: &dyn Fn(&Series, usize) -> f64, i: usize| hit.iter().map(|w| f(&w.series, i)).sum::<f64>();
        let secs = step_ms as f64 / 1000.0;
        let (mut requests, mut failed, mut good, mut peak_demand, mut peak_capacity) = (0.0, 0.0, 0.0, 0.0f64, 0.0f64);
        let mut caught_up: Option<Millis> = None;
        for &i in &steps {
            let demand = sum(&|s, i| s.demand_rps[i], i);
            let capacity = sum(&|s, i| s.capacity_rps[i], i);
            let fail = sum(&|s, i| s.failed_rps[i], i);
            requests += sum(&|s, i| s.arrived[i], i);
            failed += fail * secs;
            good += sum(&|s, i| s.slo_good[i], i);
            peak_demand = peak_demand.max(demand);
            peak_capacity = peak_capacity.max(capacity);
            let healthy = capacity >= demand && fail <= 0.001 * demand;
            match (healthy, caught_up) {
                (true, None) => caught_up = Some(series.time_ms[i]),
                (false, Some(_)) => caught_up = None,
                _ => {}
            }
        }
        Some(SpikeSummary {
            start_ms: from,
            end_ms: (ev.spike.end() - start_ms).max(0) as Millis,
            factor: ev.spike.factor,
            workloads: ev.workloads.clone(),
            requests,
            failed,
            failed_share: if requests > 0.0 { failed / requests } else { 0.0 },
            slo_attainment: if requests > 0.0 { good / requests } else { 1.0 },
            peak_demand_rps: peak_demand,
            capacity_at_start_rps: sum(&|s, i| s.capacity_rps[i], steps[0]),
            peak_capacity_rps: peak_capacity,
            caught_up_after_s: caught_up.map(|t| t.saturating_sub(from) as f64 / 1000.0),
            per_workload: Vec::new(),
        })
    }
}

impl RunResult {
    #[allow(clippy::too_many_arguments)]
    pub fn assemble(
        scenario: &Scenario,
        seed: u64,
        workloads: Vec<WorkloadResult>,
        total_latency_ms: Vec<[Option<f64>; 3]>,
        decisions: Vec<Decision>,
        nodes: Vec<NodeSample>,
        node_lives: Vec<NodeLife>,
    ) -> Self {
        let mut totals = StepStats::default();
        let mut hist = LatencyHistogram::new();
        // Peak of the summed demand per output step.
        let steps = workloads.first().map_or(0, |w| w.series.len());
        let mut peak: f64 = 0.0;
        for i in 0..steps {
            peak = peak.max(workloads.iter().map(|w| w.series.demand_rps[i]).sum());
        }
        for w in &workloads {
            totals.add(&w.totals);
            hist.merge(&w.hist);
        }
        let spikes = scenario
            .spikes
            .iter()
            .filter_map(|ev| {
                let mut all = SpikeSummary::compute(ev, scenario.start, scenario.output_step_ms, &workloads)?;
                for w in ev.workloads.iter() {
                    let one = crate::model::SpikeEvent { spike: ev.spike, workloads: vec![w.clone()] };
                    all.per_workload.extend(SpikeSummary::compute(
                        &one,
                        scenario.start,
                        scenario.output_step_ms,
                        &workloads,
                    ));
                }
                Some(all)
            })
            .collect();
        RunResult {
            scenario: scenario.name.clone(),
            seed,
            start_ms: scenario.start,
            duration_ms: scenario.duration_ms,
            output_step_ms: scenario.output_step_ms,
            slo_latency_ms: scenario.slo.latency_ms,
            slo_target: scenario.slo.target,
            fidelity: scenario.fidelity,
            total: WorkloadSummary::from_totals("total", &totals, &hist, peak, scenario.duration_ms),
            workloads,
            total_latency_ms,
            decisions,
            notes: scenario.notes.clone(),
            spikes,
            nodes,
            node_lives,
            unschedulable: Vec::new(),
            stats: RunStats::default(),
        }
    }
}
