//! CSV and JSON writers for a run.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::{rfc3339, write_file_atomically};
use crate::error::{Error, Result};
use crate::model::Scenario;
use crate::model::units::format_duration;
use crate::sim::{Decision, RunResult, WorkloadSummary};

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.1}"))
}

/// `timeseries.csv`: one row per output step and workload.
pub fn write_timeseries_csv(path: &Path, r: &RunResult) -> Result<()> {
    let mut out = String::from(
        "time,workload,demand_rps,served_rps,failed_rps,capacity_rps,ready_pods,desired_pods,pending_pods,backlog,cpu_per_pod_cores,p50_latency_ms,p95_latency_ms,p99_latency_ms,slo_good_share\n",
    );
    let steps = r.workloads.first().map_or(0, |w| w.series.len());
    for i in 0..steps {
        for w in &r.workloads {
            let s = &w.series;
            let good = if s.arrived[i] > 0.0 { s.slo_good[i] / s.arrived[i] } else { 1.0 };
            let _ = writeln!(
                out,
                "{},{},{:.3},{:.3},{:.3},{:.3},{},{},{},{:.1},{:.4},{},{},{},{:.5}",
                rfc3339(r.start_ms + s.time_ms[i] as i64),
                w.name,
                s.demand_rps[i],
                s.served_rps[i],
                s.failed_rps[i],
                s.capacity_rps[i],
                s.ready_pods[i],
                s.desired_pods[i],
                s.pending_pods[i],
                s.backlog[i],
                s.cpu_per_pod[i],
                opt(s.p50_ms[i]),
                opt(s.p95_ms[i]),
                opt(s.p99_ms[i]),
                good
            );
        }
    }
    write_file_atomically(path, out.as_bytes())
}

/// `nodes.csv`: per output step and node group (pool, instance type, capacity type): nodes,
/// allocatable and requested CPU and memory, pods, and the cluster's pending pods.
pub fn write_nodes_csv(path: &Path, r: &RunResult) -> Result<()> {
    let mut out = String::from(
        "time,nodepool,instance_type,capacity_type,nodes,allocatable_cpu_cores,allocatable_memory_gib,requested_cpu_cores,requested_memory_gib,pods,pending_pods\n",
    );
    let gib = 1024.0 * 1024.0 * 1024.0;
    for n in &r.nodes {
        let g = &n.group;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.3},{:.3},{:.3},{:.3},{},{}",
            rfc3339(r.start_ms + n.time_ms as i64),
            csv_field(&g.pool),
            csv_field(&g.instance_type),
            g.capacity_type,
            g.nodes,
            g.allocatable_cpu,
            g.allocatable_memory / gib,
            g.requested_cpu,
            g.requested_memory / gib,
            g.pods,
            n.pending_pods
        );
    }
    write_file_atomically(path, out.as_bytes())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// `decisions.csv`: every controller action with its reason.
pub fn write_decisions_csv(path: &Path, r: &RunResult) -> Result<()> {
    let mut out = String::from("time,controller,object,action,from,to,reason\n");
    for d in &r.decisions {
        let Decision { time_ms, controller, object, action, from, to, reason } = d;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            rfc3339(r.start_ms + *time_ms as i64),
            csv_field(controller),
            csv_field(object),
            csv_field(action),
            from,
            to,
            csv_field(reason)
        );
    }
    write_file_atomically(path, out.as_bytes())
}

#[derive(Serialize)]
struct UnschedulableJson<'a> {
    workload: &'a str,
    since: String,
    reason: &'a str,
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    capsim_version: &'static str,
    scenario: &'a str,
    description: Option<&'a str>,
    seed: u64,
    fidelity: crate::model::Fidelity,
    start: String,
    end: String,
    duration: String,
    output_step: String,
    slo: Slo,
    total: Rounded,
    workloads: Vec<Rounded>,
    spikes: Vec<SpikeJson>,
    /// Workloads whose pods no node could ever take (larger than every allowed instance type,
    /// or no pool tolerates them).
    unschedulable: Vec<UnschedulableJson<'a>>,
    warnings: &'a [String],
    notes: &'a [String],
    /// The bill (runs whose scenario names a catalog).
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<super::cost::CostJson>,
}

#[derive(Serialize)]
struct SpikeJson {
    start: String,
    end: String,
    factor: f64,
    workloads: Vec<String>,
    /// From the spike's start to 30 minutes after its end.
    window_requests: f64,
    window_failed: f64,
    window_failed_share: f64,
    window_slo_attainment: f64,
    peak_demand_rps: f64,
    capacity_at_start_rps: f64,
    peak_capacity_rps: f64,
    caught_up_after_s: Option<f64>,
    per_workload: Vec<SpikeWorkloadJson>,
}

#[derive(Serialize)]
struct SpikeWorkloadJson {
    workload: String,
    window_failed_share: f64,
    window_slo_attainment: f64,
    peak_demand_rps: f64,
    capacity_at_start_rps: f64,
    peak_capacity_rps: f64,
    caught_up_after_s: Option<f64>,
}

#[derive(Serialize)]
struct Slo {
    latency_ms: f64,
    target: f64,
    met: bool,
}

/// A workload summary with numbers rounded for people (requests to whole numbers, shares to
/// 6 places, milliseconds to 0.1).
#[derive(Serialize)]
struct Rounded {
    name: String,
    requests: f64,
    served: f64,
    failed: f64,
    failed_share: f64,
    slo_attainment: f64,
    latency_ms: Latency,
    mean_queue_wait_ms: f64,
    mean_demand_rps: f64,
    peak_demand_rps: f64,
    cpu_core_hours: f64,
}

#[derive(Serialize)]
struct Latency {
    mean: Option<f64>,
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

fn rounded(s: &WorkloadSummary) -> Rounded {
    let ms = |v: Option<f64>| v.map(|x| round(x, 1));
    Rounded {
        name: s.name.clone(),
        requests: round(s.requests, 0),
        served: round(s.served, 0),
        failed: round(s.failed, 0),
        failed_share: round(s.failed_share, 6),
        slo_attainment: round(s.slo_attainment, 6),
        latency_ms: Latency {
            mean: ms(s.latency_ms.mean),
            p50: ms(s.latency_ms.p50),
            p95: ms(s.latency_ms.p95),
            p99: ms(s.latency_ms.p99),
        },
        mean_queue_wait_ms: round(s.mean_queue_wait_ms, 3),
        mean_demand_rps: round(s.mean_demand_rps, 3),
        peak_demand_rps: round(s.peak_demand_rps, 3),
        cpu_core_hours: round(s.cpu_core_hours, 3),
    }
}

/// `summary.json`: requests, failures, SLO attainment and latency per workload and in total.
pub fn write_summary_json(path: &Path, scenario: &Scenario, r: &RunResult) -> Result<()> {
    write_summary_json_billed(path, scenario, r, None)
}

/// [`write_summary_json`] with the run's bill as its `cost` object.
pub fn write_summary_json_billed(
    path: &Path,
    scenario: &Scenario,
    r: &RunResult,
    billing: Option<&crate::pricing::billing::Billing>,
) -> Result<()> {
    let doc = SummaryJson {
        capsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &r.scenario,
        description: scenario.description.as_deref(),
        seed: r.seed,
        fidelity: r.fidelity,
        start: rfc3339(r.start_ms),
        end: rfc3339(r.start_ms + r.duration_ms as i64),
        duration: format_duration(r.duration_ms),
        output_step: format_duration(r.output_step_ms),
        slo: Slo { latency_ms: r.slo_latency_ms, target: r.slo_target, met: r.total.slo_attainment >= r.slo_target },
        total: rounded(&r.total),
        workloads: r.workloads.iter().map(|w| rounded(&w.summary)).collect(),
        spikes: r
            .spikes
            .iter()
            .map(|s| SpikeJson {
                start: rfc3339(r.start_ms + s.start_ms as i64),
                end: rfc3339(r.start_ms + s.end_ms as i64),
                factor: s.factor,
                workloads: s.workloads.clone(),
                window_requests: round(s.requests, 0),
                window_failed: round(s.failed, 0),
                window_failed_share: round(s.failed_share, 6),
                window_slo_attainment: round(s.slo_attainment, 6),
                peak_demand_rps: round(s.peak_demand_rps, 3),
                capacity_at_start_rps: round(s.capacity_at_start_rps, 3),
                peak_capacity_rps: round(s.peak_capacity_rps, 3),
                caught_up_after_s: s.caught_up_after_s,
                per_workload: s
                    .per_workload
                    .iter()
                    .map(|p| SpikeWorkloadJson {
                        workload: p.workloads.join(","),
                        window_failed_share: round(p.failed_share, 6),
                        window_slo_attainment: round(p.slo_attainment, 6),
                        peak_demand_rps: round(p.peak_demand_rps, 3),
                        capacity_at_start_rps: round(p.capacity_at_start_rps, 3),
                        peak_capacity_rps: round(p.peak_capacity_rps, 3),
                        caught_up_after_s: p.caught_up_after_s,
                    })
                    .collect(),
            })
            .collect(),
        warnings: &scenario.warnings,
        unschedulable: r
            .unschedulable
            .iter()
            .map(|u| UnschedulableJson {
                workload: &u.workload,
                since: rfc3339(r.start_ms + u.since_ms as i64),
                reason: &u.reason,
            })
            .collect(),
        notes: &r.notes,
        cost: billing.map(super::cost::cost_json),
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::new(format!("cannot encode summary: {e}")))?;
    text.push('\n');
    write_file_atomically(path, text.as_bytes())
}
