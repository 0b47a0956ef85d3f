//! End-to-end tests of the `capsim` binary: runs, determinism and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = r#"kind: Scenario
name: mini
start: 2026-07-04T00:00:00Z
duration: 2h
seed: 7
output_step: 1m
manifests: [deploy.yaml]
traces:
  t:
    file: trace.csv
    values: rate
events:
  - spike: {at: 30m, factor: 10, ramp: 1m, hold: 10m, decay: 5m}
slo: {latency: 300ms, target: 0.99}
cluster:
  nodes:
    - {pool: general, count: 2, allocatable: {cpu: 3900m, memory: 14Gi, pods: 110}}
workloads:
  web:
    traffic: {trace: t, scale: 1, noise_cv: 0.1}
    service: {concurrency: 8, service_time: 50ms, cpu_per_request: 2ms, idle_cpu: 50m, timeout: 20s}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example/web:1
          resources:
            requests: {cpu: 500m, memory: 512Mi}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
"#;

fn trace_csv() -> String {
    let mut s = String::from("time,rps\n");
    for m in 0..120 {
        s.push_str(&format!("2026-07-04T{:02}:{:02}:00Z,{}\n", m / 60, m % 60, 100 + (m % 7) * 10));
    }
    s
}

/// A scratch folder with a valid mini scenario, removed on drop.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let f = Fixture { dir: tempfile::tempdir().unwrap() };
        f.write("scenario.yaml", SCENARIO);
        f.write("deploy.yaml", DEPLOYMENT);
        f.write("trace.csv", &trace_csv());
        f
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }
    fn edit(&self, name: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        assert!(text.contains(from), "fixture {name} lacks {from:?}");
        self.write(name, &text.replacen(from, to, 1));
    }
    fn run(&self, out: &str) -> Output {
        capsim(&["run", self.path("scenario.yaml").to_str().unwrap(), "--out", self.path(out).to_str().unwrap()])
    }
}

fn capsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capsim")).args(args).output().unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out.sort();
    out
}

#[test]
fn run_writes_every_output() {
    let f = Fixture::new();
    let out = f.run("out");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in [
        "summary.json",
        "timeseries.csv",
        "decisions.csv",
        "charts/total.png",
        "charts/total.svg",
        "charts/web.png",
        "charts/spike1_total.png",
    ] {
        assert!(f.path("out").join(file).is_file(), "missing {file}");
    }
    let ts = std::fs::read_to_string(f.path("out/timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    for col in [
        "time",
        "workload",
        "demand_rps",
        "served_rps",
        "failed_rps",
        "ready_pods",
        "desired_pods",
        "pending_pods",
        "p99_latency_ms",
    ] {
        assert!(header.split(',').any(|c| c == col), "timeseries.csv lacks {col}");
    }
    assert_eq!(ts.lines().count(), 1 + 120, "one row per minute for two hours");
    assert!(ts.lines().nth(1).unwrap().starts_with("2026-07-04T00:00:00Z,web,"));
    let nodes = std::fs::read_to_string(f.path("out/nodes.csv")).unwrap();
    let mut lines = nodes.lines();
    let header = lines.next().unwrap();
    for col in
        ["time", "nodepool", "instance_type", "capacity_type", "nodes", "allocatable_cpu_cores", "requested_cpu_cores"]
    {
        assert!(header.split(',').any(|c| c == col), "nodes.csv lacks {col}");
    }
    // Two nodes of 3.9 cores; 4 pods of 500m requested.
    assert_eq!(
        lines.next().unwrap(),
        "2026-07-04T00:00:00Z,general,unspecified,on-demand,2,7.800,28.000,2.000,2.000,4,0"
    );
    let decisions = std::fs::read_to_string(f.path("out/decisions.csv")).unwrap();
    assert!(decisions.starts_with("time,controller,object,action,from,to,reason\n"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("out/summary.json")).unwrap()).unwrap();
    let total = &summary["total"];
    // The spike overwhelms 4 pods × 8 / 50 ms = 640 rps, so some requests fail.
    assert!(total["failed"].as_f64().unwrap() > 0.0);
    let requests = total["requests"].as_f64().unwrap();
    let served = total["served"].as_f64().unwrap();
    let failed = total["failed"].as_f64().unwrap();
    assert!(
        (requests - served - failed).abs() <= 1.0 + requests * 1e-9,
        "conservation: {requests} vs {served} + {failed}"
    );
    for key in ["slo_attainment", "failed_share"] {
        assert!(total[key].as_f64().is_some(), "summary lacks {key}");
    }
    for q in ["p50", "p95", "p99"] {
        assert!(total["latency_ms"][q].as_f64().is_some(), "summary lacks latency {q}");
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let f = Fixture::new();
    for out in ["a", "b"] {
        assert!(f.run(out).status.success());
    }
    let (a, b) = (files_under(&f.path("a")), files_under(&f.path("b")));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.strip_prefix(f.path("a")).unwrap(), y.strip_prefix(f.path("b")).unwrap());
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{} differs between identical runs",
            x.display()
        );
    }
    // The noise is seeded: another seed must change the numbers.
    let other = capsim(&[
        "run",
        f.path("scenario.yaml").to_str().unwrap(),
        "--out",
        f.path("c").to_str().unwrap(),
        "--seed",
        "8",
    ]);
    assert!(other.status.success());
    assert_ne!(std::fs::read(f.path("a/timeseries.csv")).unwrap(), std::fs::read(f.path("c/timeseries.csv")).unwrap());
}

#[test]
fn request_level_fidelity_runs_and_agrees_roughly() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "output_step: 1m", "output_step: 1m\nfidelity: request");
    f.edit("scenario.yaml", ", noise_cv: 0.1", "");
    let out = f.run("req");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let g = Fixture::new();
    g.edit("scenario.yaml", ", noise_cv: 0.1", "");
    assert!(g.run("fluid").status.success());
    let read =
        |p: PathBuf| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let (r, fl) = (read(f.path("req/summary.json")), read(g.path("fluid/summary.json")));
    let (rf, ff) = (r["total"]["failed"].as_f64().unwrap(), fl["total"]["failed"].as_f64().unwrap());
    assert!((rf - ff).abs() < 0.05 * ff, "failed: request-level {rf}, fluid {ff}");
}

/// Runs with a broken input; checks the exit code, that the message names `file` and says
/// `expect`, that there was no panic, and that no output folder (or temporary) is left.
fn assert_rejected(f: &Fixture, file: &str, expect: &[&str]) {
    let out = f.run("out");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted bad input; stderr: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(file), "error does not name {file}: {stderr}");
    for e in expect {
        assert!(stderr.contains(e), "error lacks {e:?}: {stderr}");
    }
    assert!(stderr.contains("fix:"), "error gives no fix: {stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn missing_trace_file() {
    let f = Fixture::new();
    std::fs::remove_file(f.path("trace.csv")).unwrap();
    assert_rejected(&f, "trace.csv", &["cannot read"]);
}

#[test]
fn missing_scenario_file() {
    let f = Fixture::new();
    std::fs::remove_file(f.path("scenario.yaml")).unwrap();
    assert_rejected(&f, "scenario.yaml", &["cannot read"]);
}

#[test]
fn empty_trace() {
    let f = Fixture::new();
    f.write("trace.csv", "");
    assert_rejected(&f, "trace.csv", &["empty"]);
    f.write("trace.csv", "time,rps\n");
    assert_rejected(&f, "trace.csv", &["no data rows"]);
}

#[test]
fn non_numeric_value() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:01:00Z,110", "2026-07-04T00:01:00Z,lots");
    assert_rejected(&f, "trace.csv:3:2", &["not a number", "lots"]);
}

#[test]
fn negative_rate() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:01:00Z,110", "2026-07-04T00:01:00Z,-5");
    assert_rejected(&f, "trace.csv:3:2", &["negative"]);
}

#[test]
fn nan_and_inf() {
    for bad in ["NaN", "inf", "-inf"] {
        let f = Fixture::new();
        f.edit("trace.csv", "2026-07-04T00:01:00Z,110", &format!("2026-07-04T00:01:00Z,{bad}"));
        assert_rejected(&f, "trace.csv:3:2", &["not finite"]);
    }
}

#[test]
fn unsorted_timestamps() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:02:00Z", "2026-07-03T23:00:00Z");
    assert_rejected(&f, "trace.csv:4:1", &["earlier than the one on line 3", "sort"]);
}

#[test]
fn duplicate_timestamps() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:02:00Z", "2026-07-04T00:01:00Z");
    assert_rejected(&f, "trace.csv:4:1", &["duplicate timestamp", "line 3"]);
}

#[test]
fn timestamp_without_offset() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:01:00Z", "2026-07-04T00:01:00");
    assert_rejected(&f, "trace.csv:3:1", &["no UTC offset", "utc_offset"]);
}

#[test]
fn unknown_column() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "    values: rate", "    values: rate\n    value_column: requests");
    assert_rejected(&f, "trace.csv:1", &["no column named \"requests\"", "time, rps"]);
}

#[test]
fn ragged_csv_row() {
    let f = Fixture::new();
    f.edit("trace.csv", "2026-07-04T00:01:00Z,110", "2026-07-04T00:01:00Z,110,7");
    assert_rejected(&f, "trace.csv:3", &["3 fields"]);
}

#[test]
fn yaml_syntax_error() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "seed: 7", "seed: [7");
    assert_rejected(&f, "scenario.yaml:", &[]);
}

#[test]
fn unknown_scenario_field() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "seed: 7", "seed: 7\nsede: 8");
    assert_rejected(&f, "scenario.yaml:6", &["sede"]);
}

#[test]
fn unknown_nested_field() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "timeout: 20s", "timeout: 20s, timout: 5s");
    assert_rejected(&f, "scenario.yaml", &["timout"]);
}

#[test]
fn invalid_quantity() {
    let f = Fixture::new();
    f.edit("deploy.yaml", "cpu: 500m", "cpu: 500mm");
    assert_rejected(&f, "deploy.yaml:15", &["spec.template.spec.containers[0].resources.requests.cpu", "500mm"]);
}

#[test]
fn invalid_duration() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "service_time: 50ms", "service_time: 50 millis");
    assert_rejected(&f, "scenario.yaml:21", &["workloads.web.service.service_time", "invalid duration"]);
    let f = Fixture::new();
    f.edit("scenario.yaml", "duration: 2h", "duration: two hours");
    assert_rejected(&f, "scenario.yaml:4", &["field `duration`"]);
}

#[test]
fn unknown_deployment_and_trace_names() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "traffic: {trace: t,", "traffic: {trace: nope,");
    assert_rejected(&f, "scenario.yaml", &["no trace named \"nope\"", "use one of: t"]);
    let f = Fixture::new();
    f.edit("scenario.yaml", "  web:\n", "  api:\n");
    assert_rejected(&f, "scenario.yaml", &["no Deployment named \"api\"", "use one of: web"]);
}

#[test]
fn bad_prometheus_export() {
    let f = Fixture::new();
    f.edit("scenario.yaml", "    file: trace.csv\n    values: rate", "    file: prom.json\n    format: prometheus");
    f.write("prom.json", r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#);
    assert_rejected(&f, "prom.json", &["resultType", "matrix"]);
    f.write("prom.json", r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1783123200,"1"],[1783123260,"NaN"]]}]}}"#);
    assert_rejected(&f, "prom.json", &["data.result[0].values[1]", "not finite"]);
    f.write("prom.json", "{\"status\": ");
    assert_rejected(&f, "prom.json:1", &["not a Prometheus query_range response"]);
}

#[test]
fn existing_foreign_output_folder_is_not_replaced() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("out")).unwrap();
    f.write("out/precious.txt", "keep me");
    let out = f.run("out");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a capsim run folder"));
    assert_eq!(std::fs::read_to_string(f.path("out/precious.txt")).unwrap(), "keep me");
}

#[test]
fn validate_checks_without_running() {
    let f = Fixture::new();
    let out = capsim(&["validate", f.path("scenario.yaml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("valid") && stdout.contains("not simulated: Service \"web\""), "{stdout}");
    f.edit("deploy.yaml", "memory: 512Mi", "memory: lots");
    assert!(!capsim(&["validate", f.path("scenario.yaml").to_str().unwrap()]).status.success());
}

#[test]
fn trace_inspect_and_transform() {
    let f = Fixture::new();
    let out = capsim(&["trace", "inspect", f.path("trace.csv").to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["resolution_seconds"], 60.0);
    assert_eq!(stats["max_rps"], 160.0);
    assert_eq!(stats["gaps"], 0);
    let out = capsim(&[
        "trace",
        "transform",
        f.path("trace.csv").to_str().unwrap(),
        "--scale",
        "2",
        "--spike",
        "30m,10,1m,10m,5m",
        "-o",
        f.path("t2.csv").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = capsim(&["trace", "inspect", f.path("t2.csv").to_str().unwrap(), "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["max_rps"], 3200.0, "2× scale then a 10× spike on the 160 rps peak");
}
