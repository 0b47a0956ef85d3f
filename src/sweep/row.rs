//! One row of `results.csv` per cell: the cell's identity and parameters, then the metric
//! columns. Every metric column is one entry of [`METRICS`] — to add a column (e.g. cost by
//! pricing category), add one `(name, function)` pair there; header and rows follow.
//!
//! Numbers are formatted with fixed precision here, so a row's bytes depend only on the run.

use std::fmt::Write as _;

use super::elasticity::{self, Elasticity};
use super::grid::{Cell, Plan};
use crate::model::Scenario;
use crate::sim::RunResult;

/// What a metric column reads.
pub struct RowInput<'a> {
    pub cell: &'a Cell,
    pub scenario: &'a Scenario,
    pub run: &'a RunResult,
    /// Computed once per row, for the five elasticity columns.
    pub elasticity: Elasticity,
    /// The run's bill by pricing category (`None` without a catalog: cost columns stay empty).
    pub cost: Option<crate::pricing::billing::CategoryCost>,
}

fn money(
    c: &Option<crate::pricing::billing::CategoryCost>,
    f: fn(&crate::pricing::billing::CategoryCost) -> f64,
) -> String {
    c.as_ref().map_or(String::new(), |c| format!("{:.6}", f(c)))
}

type Column = (&'static str, fn(&RowInput<'_>) -> String);

fn opt1(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.1}"))
}

/// Over every spike window of the run: (requests, failed, SLO-good requests, worst catch-up).
fn spikes(r: &RowInput<'_>) -> Option<(f64, f64, f64, f64)> {
    let s = &r.run.spikes;
    if s.is_empty() {
        return None;
    }
    let requests: f64 = s.iter().map(|x| x.requests).sum();
    let failed: f64 = s.iter().map(|x| x.failed).sum();
    let good: f64 = s.iter().map(|x| x.slo_attainment * x.requests).sum();
    let worst = s.iter().map(|x| x.caught_up_after_s.unwrap_or(f64::INFINITY)).fold(0.0, f64::max);
    Some((requests, failed, good, worst))
}

/// The metric columns, in order. Shares are in [0, 1]; times in seconds unless named `_ms`.
pub const METRICS: &[Column] = &[
    ("requests", |r| format!("{:.0}", r.run.total.requests)),
    ("failed", |r| format!("{:.0}", r.run.total.failed)),
    ("failed_share", |r| format!("{:.8}", r.run.total.failed_share)),
    ("slo_attainment", |r| format!("{:.8}", r.run.total.slo_attainment)),
    ("p50_ms", |r| opt1(r.run.total.latency_ms.p50)),
    ("p95_ms", |r| opt1(r.run.total.latency_ms.p95)),
    ("p99_ms", |r| opt1(r.run.total.latency_ms.p99)),
    ("spikes", |r| r.run.spikes.len().to_string()),
    // Over the spike windows (each from the spike's start to 30 minutes after its end).
    ("spike_failed_share", |r| {
        spikes(r).map_or(String::new(), |(n, f, _, _)| format!("{:.8}", if n > 0.0 { f / n } else { 0.0 }))
    }),
    ("spike_slo_attainment", |r| {
        spikes(r).map_or(String::new(), |(n, _, g, _)| format!("{:.8}", if n > 0.0 { g / n } else { 1.0 }))
    }),
    // The slowest spike's catch-up; `inf` if one never caught up within its window.
    ("spike_caught_up_after_s", |r| {
        spikes(r).map_or(String::new(), |(_, _, _, w)| if w.is_finite() { format!("{w:.0}") } else { "inf".into() })
    }),
    // Ready pods integrated over time, all workloads.
    ("pod_hours", |r| {
        let step_h = r.run.output_step_ms as f64 / 3_600_000.0;
        let pods: u64 = r.run.workloads.iter().flat_map(|w| &w.series.ready_pods).map(|&p| p as u64).sum();
        format!("{:.3}", pods as f64 * step_h)
    }),
    // Every node's life from launch to end (what the cloud bills).
    ("node_hours", |r| {
        let ms: u64 = r.run.node_lives.iter().map(|n| n.ended_ms.saturating_sub(n.launched_ms)).sum();
        format!("{:.3}", ms as f64 / 3_600_000.0)
    }),
    // SPEC RG elasticity (see `sweep::elasticity`).
    ("under_accuracy_pods", |r| format!("{:.6}", r.elasticity.under_accuracy)),
    ("under_timeshare", |r| format!("{:.6}", r.elasticity.under_timeshare)),
    ("over_accuracy_pods", |r| format!("{:.6}", r.elasticity.over_accuracy)),
    ("over_timeshare", |r| format!("{:.6}", r.elasticity.over_timeshare)),
    ("jitter_per_min", |r| format!("{:.6}", r.elasticity.jitter_per_min)),
    // The bill (USD, per second of node life; see `pricing::billing`), by pricing category.
    ("cost_usd", |r| money(&r.cost, |c| c.total())),
    ("cost_on_demand_usd", |r| money(&r.cost, |c| c.on_demand)),
    ("cost_spot_usd", |r| money(&r.cost, |c| c.spot)),
    ("cost_reservation_usd", |r| money(&r.cost, |c| c.reservation)),
    ("cost_savings_plan_usd", |r| money(&r.cost, |c| c.savings_plan)),
    ("cost_unused_commitment_usd", |r| money(&r.cost, |c| c.unused_commitment)),
];

/// The header line (without newline).
pub fn header(plan: &Plan) -> String {
    let mut cols: Vec<String> = ["cell", "grid_point", "replication", "seed"].iter().map(|s| s.to_string()).collect();
    cols.extend(plan.grid_keys.iter().cloned());
    cols.extend(plan.future_keys.iter().cloned());
    cols.extend(METRICS.iter().map(|(n, _)| n.to_string()));
    cols.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",")
}

/// A cell's row (without newline).
pub fn row(cell: &Cell, scenario: &Scenario, run: &RunResult) -> String {
    let step_s = run.output_step_ms as f64 / 1000.0;
    let parts: Vec<Elasticity> = run
        .workloads
        .iter()
        .zip(&scenario.workloads)
        .map(|(w, spec)| elasticity::of_workload(&w.series, &spec.profile, step_s))
        .collect();
    let cost = crate::pricing::billing::bill_run(scenario, run).ok().flatten().map(|b| b.total);
    let input = RowInput { cell, scenario, run, elasticity: elasticity::combine(&parts), cost };
    let mut out = String::new();
    let _ = write!(out, "{},{},{},{}", cell.id, cell.point, cell.replication, cell.seed);
    for v in cell.params.iter().chain(&cell.futures) {
        out.push(',');
        out.push_str(&csv_field(v));
    }
    for (_, f) in METRICS {
        out.push(',');
        out.push_str(&csv_field(&f(&input)));
    }
    out
}

/// A CSV field, quoted when it needs to be; line breaks become spaces so a row is one line.
pub fn csv_field(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.contains([',', '"']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The cell id of a row (its first field).
pub fn row_cell_id(row: &str) -> &str {
    row.split(',').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_stay_on_one_line() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("[1,2]"), "\"[1,2]\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("a\nb"), "a b");
        assert_eq!(row_cell_id("c0001-r00,1,0,5"), "c0001-r00");
    }

    #[test]
    fn metric_names_are_unique_and_plain() {
        let mut names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
        assert!(names.iter().all(|n| csv_field(n) == *n));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
    }
}
