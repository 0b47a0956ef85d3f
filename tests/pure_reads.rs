//! Looking changes nothing: a controller that reads another workload's signals leaves that
//! workload's every number as it was (readers evaluate the fluid model in closed form instead
//! of advancing it to their instant).

use capsim::model::{Overrides, load_scenario_with};
use capsim::sim::{RunResult, run};

/// An apps/v1 Deployment of one 500m / 256Mi container.
fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  \
         selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    \
         spec:\n      containers:\n        - {{name: app, image: example/app:1, resources: {{requests: {{cpu: 500m, memory: 256Mi}}}}}}\n"
    )
}

const WATCHER_HPA: &str = r#"---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: watcher}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: watcher}
  minReplicas: 1
  maxReplicas: 20
  metrics:
    - type: External
      external:
        metric: {name: plain_rps}
        target: {type: AverageValue, averageValue: "40"}
"#;

/// A trace that overloads `plain` now and then (its backlog fills and drains within minutes),
/// so the quantities a reader evaluates bend inside the trace's steps.
fn trace() -> String {
    let mut out = String::from("time,rps\n");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for minute in 0..=360 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let base = 60.0 + (x % 1_000) as f64 / 10.0;
        let rps = if minute % 37 < 3 { base * 4.0 } else { base };
        out.push_str(&format!("2026-07-04T{:02}:{:02}:00Z,{rps:.1}\n", minute / 60, minute % 60));
    }
    out
}

fn run_with_watcher(watching: bool) -> RunResult {
    let dir = tempfile::tempdir().unwrap();
    // `plain` has fixed replicas and no autoscaler; `watcher` may scale on `plain`'s demand.
    let deployments = format!("{}---\n{}", deployment("plain", 3), deployment("watcher", 2));
    let manifests = if watching { format!("{deployments}{WATCHER_HPA}") } else { deployments };
    std::fs::write(dir.path().join("manifests.yaml"), manifests).unwrap();
    std::fs::write(dir.path().join("trace.csv"), trace()).unwrap();
    let signals = if watching {
        "    signals:\n      plain_rps: {signal: demand_rps, workload: plain, window: 1m}\n"
    } else {
        ""
    };
    let scenario = format!(
        "kind: Scenario\nname: pure-reads\nstart: 2026-07-04T00:00:00Z\nduration: 6h\nseed: 3\noutput_step: 1m\n\
         manifests: [manifests.yaml]\ntraces:\n  t: {{file: trace.csv, values: rate}}\n\
         slo: {{latency: 300ms, target: 0.99}}\n\
         cluster:\n  nodes:\n    - {{pool: general, count: 4, allocatable: {{cpu: 15800m, memory: 60Gi, pods: 110}}}}\n\
         workloads:\n  plain:\n    traffic: {{trace: t}}\n    \
         service: {{concurrency: 4, service_time: 50ms, cpu_per_request: 8ms, idle_cpu: 20m, timeout: 20s}}\n  \
         watcher:\n    traffic: {{trace: t, scale: 0.5}}\n    \
         service: {{concurrency: 8, service_time: 50ms, cpu_per_request: 8ms, idle_cpu: 20m, timeout: 20s}}\n{signals}"
    );
    std::fs::write(dir.path().join("scenario.yaml"), scenario).unwrap();
    let scenario = load_scenario_with(&dir.path().join("scenario.yaml"), &Overrides::default()).unwrap();
    run(&scenario, None).unwrap()
}

#[test]
fn a_workload_read_by_another_autoscaler_is_unchanged_by_it() {
    let watched = run_with_watcher(true);
    let alone = run_with_watcher(false);
    let plain = |r: &RunResult| r.workloads.iter().find(|w| w.name == "plain").cloned().expect("plain");
    let (a, b) = (plain(&watched), plain(&alone));
    // The watcher really read and acted: it scaled on plain's demand.
    let scales = watched.decisions.iter().filter(|d| d.object == "deployment/watcher" && d.action == "scale").count();
    assert!(scales > 10, "the watcher scales on plain's demand: {scales} decisions");
    assert!(a.summary.failed > 0.0, "plain is overloaded at times, so its backlog fills and drains");
    // Bit for bit (compared whole: a printed difference would be thousands of numbers).
    assert!(a.series == b.series, "plain's time series differ when another autoscaler reads it");
    assert_eq!(a.summary, b.summary, "plain's summary");
    assert_eq!(a.totals, b.totals, "plain's totals");
}
