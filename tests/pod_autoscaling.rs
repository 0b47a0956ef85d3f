//! Pod autoscaling inside `capsim run`: a 10× step through a KEDA-scaled workload gives the
//! replica sequence the real controllers produce; scale from and to zero; bad manifests.

use std::path::PathBuf;
use std::process::{Command, Output};

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: api
          image: example/api:1
          resources:
            requests: {cpu: 500m, memory: 256Mi}
"#;

/// A ScaledObject with a Prometheus trigger and no `behavior`: the generated HPA takes the
/// legacy path (scale-up limited to max(2 × current, 4) per sync).
const SCALED_OBJECT: &str = r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api}
spec:
  scaleTargetRef: {name: api}
  pollingInterval: 15
  cooldownPeriod: 300
  minReplicaCount: MIN
  maxReplicaCount: 40
  triggers:
    - type: prometheus
      name: rps
      metadata:
        serverAddress: http://prometheus:9090
        query: sum(rate(http_requests_total{service="api"}[1m]))
        threshold: "50"
"#;

fn scenario(trace: &str, events: &str) -> String {
    format!(
        r#"kind: Scenario
name: step
start: 2026-07-04T00:00:00Z
duration: 40m
seed: 3
output_step: 15s
manifests: [manifests.yaml]
traces:
  t: {{file: {trace}, values: rate}}
events: [{events}]
slo: {{latency: 300ms, target: 0.99}}
cluster:
  nodes:
    - {{pool: general, count: 4, allocatable: {{cpu: 15800m, memory: 60Gi, pods: 110}}}}
workloads:
  api:
    traffic: {{trace: t}}
    service: {{concurrency: 8, service_time: 50ms, cpu_per_request: 5ms, idle_cpu: 10m, timeout: 20s}}
    pods:
      startup: {{fixed: 5s}}
      readiness_delay: 5s
"#
    )
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(min_replicas: u32, trace: &str, events: &str) -> Self {
        let f = Fixture { dir: tempfile::tempdir().unwrap() };
        f.write(
            "manifests.yaml",
            &format!("{DEPLOYMENT}---\n{}", SCALED_OBJECT.replace("MIN", &min_replicas.to_string())),
        );
        f.write("scenario.yaml", &scenario("trace.csv", events));
        f.write("trace.csv", trace);
        f
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }
    fn run(&self) -> Output {
        let out = self.path("out");
        let _ = std::fs::remove_dir_all(&out);
        Command::new(env!("CARGO_BIN_EXE_capsim"))
            .args(["run", self.path("scenario.yaml").to_str().unwrap(), "--out", out.to_str().unwrap()])
            .output()
            .unwrap()
    }
    /// (time, controller, from, to, reason) of every scale decision.
    fn scales(&self) -> Vec<(String, String, u32, u32, String)> {
        let mut reader = csv::Reader::from_path(self.path("out/decisions.csv")).unwrap();
        reader
            .records()
            .map(|r| r.unwrap())
            .filter(|r| &r[3] == "scale")
            .map(|r| {
                (r[0].to_string(), r[1].to_string(), r[4].parse().unwrap(), r[5].parse().unwrap(), r[6].to_string())
            })
            .collect()
    }
}

fn constant_trace(rps: f64) -> String {
    format!("time,rps\n2026-07-04T00:00:00Z,{rps}\n2026-07-04T00:40:00Z,{rps}\n")
}

#[test]
fn ten_x_step_follows_the_legacy_scale_up_limit() {
    // 90 rps needs 2 pods at 50 per pod; the 10× step at 10 minutes needs 18.
    let f = Fixture::new(1, &constant_trace(90.0), "{spike: {at: 10m, factor: 10, hold: 1h}}");
    let out = f.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ups: Vec<_> = f.scales().into_iter().filter(|s| s.1 == "keda-hpa" && s.3 > s.2).collect();
    let sequence: Vec<u32> = std::iter::once(ups[0].2).chain(ups.iter().map(|s| s.3)).collect();
    // Legacy path: each sync may at most reach max(2 × current, 4); the metric (900 rps / 50)
    // asks for 18 once the 1-minute rate window has filled.
    for s in &ups {
        assert!(s.3 <= (2 * s.2).max(4), "{s:?} exceeds max(2×, 4)");
    }
    assert_eq!(sequence.first(), Some(&2));
    assert_eq!(sequence.last(), Some(&18), "{sequence:?}");
    assert!(ups.iter().any(|s| s.4.contains("ScaleUpLimit")), "the cap must have bitten: {ups:?}");
    // Each decision, exactly: the metric is the request rate averaged over the query's 1-minute
    // window as of the last 15 s scrape (90 rps, then 900 from 10:00 on), the proposal is
    // ceil(metric / 50), and the result is the proposal capped at max(2 × current, 4).
    for (time, _, from, to, reason) in &ups {
        let ts: jiff::Timestamp = time.parse().unwrap();
        let t = (ts.as_millisecond() - 1_783_123_200_000) / 1000; // seconds since the start
        let scrape = t - t % 15;
        let expected_metric = 90.0 + 810.0 * ((scrape - 600) as f64 / 60.0).clamp(0.0, 1.0);
        let token = reason.split("s0-prometheus ").nth(1).unwrap().split('/').next().unwrap();
        let metric = capsim::autoscale::hpa::Quantity::parse(token).unwrap().as_f64();
        assert!((metric - expected_metric).abs() < 0.01, "{time}: metric {metric}, expected {expected_metric}");
        let proposal = (expected_metric / 50.0 - 1e-9).ceil() as u32;
        assert_eq!(*to, proposal.min((2 * from).max(4)), "{time}: {reason}");
    }
    for w in ups.windows(2) {
        assert!(w[1].0 > w[0].0, "one scale per sync");
    }
}

#[test]
fn scale_from_zero_and_back_after_cooldown() {
    // Idle for 5 minutes, 60 rps for 10 minutes, idle again.
    let trace =
        "time,rps\n2026-07-04T00:00:00Z,0\n2026-07-04T00:05:00Z,60\n2026-07-04T00:15:00Z,0\n2026-07-04T00:40:00Z,0\n";
    let f = Fixture::new(0, trace, "");
    let out = f.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let keda: Vec<_> = f.scales().into_iter().filter(|s| s.1 == "keda").collect();
    // Warm start at 2 replicas, last active at the start: inactive until the cooldown (300 s)
    // runs out, then KEDA scales to zero; traffic at 5 min activates 0 → 1 within one poll.
    assert_eq!((keda[0].2, keda[0].3), (2, 0), "{keda:?}");
    assert!(
        keda[0].0.as_str() >= "2026-07-04T00:05:00Z" && keda[0].0.as_str() <= "2026-07-04T00:05:15Z",
        "first poll after the 300 s cooldown: {keda:?}"
    );
    let activation = keda.iter().find(|s| s.2 == 0 && s.3 == 1).expect("activation 0 → 1");
    assert!(
        activation.0.as_str() >= "2026-07-04T00:05:00Z" && activation.0.as_str() <= "2026-07-04T00:05:30Z",
        "{activation:?}"
    );
    assert!(activation.4.starts_with("ActivatedFromZeroOrIdle"), "{activation:?}");
    // Traffic stops at 15 min; the rate window empties by ~16 min; zero after 300 s more.
    let to_zero = keda.iter().rev().find(|s| s.3 == 0).unwrap();
    assert!(
        to_zero.0.as_str() >= "2026-07-04T00:20:30Z" && to_zero.0.as_str() <= "2026-07-04T00:22:00Z",
        "{to_zero:?}"
    );
    assert!(to_zero.4.starts_with("DeactivatedToMin"), "{to_zero:?}");
    // While at zero, requests to an HTTP service fail (no endpoints).
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("out/summary.json")).unwrap()).unwrap();
    assert!(summary["total"]["failed"].as_f64().unwrap() > 0.0);
}

#[test]
fn bundled_example_with_autoscaling_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/plugilo/scenario.yaml");
    let run = |out: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_capsim"))
            .args([
                "run",
                scenario.to_str().unwrap(),
                "--duration",
                "36h",
                "--out",
                dir.path().join(out).to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run("a");
    run("b");
    for file in ["summary.json", "timeseries.csv", "decisions.csv", "charts/total.svg"] {
        let (a, b) = (
            std::fs::read(dir.path().join("a").join(file)).unwrap(),
            std::fs::read(dir.path().join("b").join(file)).unwrap(),
        );
        assert!(a == b, "{file} differs between identical runs");
    }
    let decisions = std::fs::read_to_string(dir.path().join("a/decisions.csv")).unwrap();
    for controller in [",hpa,", ",keda-hpa,", ",keda,"] {
        assert!(decisions.contains(controller), "no {controller} decisions");
    }
}

fn expect_error(f: &Fixture, needles: &[&str]) {
    let out = f.run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "missing {n:?} in: {stderr}");
    }
    assert!(!f.path("out").exists());
}

#[test]
fn invalid_autoscaler_fields_are_errors_naming_the_field() {
    let f = Fixture::new(1, &constant_trace(90.0), "");
    f.write(
        "manifests.yaml",
        &format!(
            "{DEPLOYMENT}---\n{}",
            SCALED_OBJECT.replace("MIN", "1").replace("threshold: \"50\"", "threshold: \"lots\"")
        ),
    );
    expect_error(&f, &["manifests.yaml", "threshold"]);

    let hpa = r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  behavior:
    scaleUp:
      policies: [{type: Pods, value: 4, periodSeconds: 0}]
"#;
    f.write("manifests.yaml", &format!("{DEPLOYMENT}---\n{hpa}"));
    expect_error(&f, &["manifests.yaml", "spec.behavior.scaleUp.policies[0].periodSeconds"]);
}

#[test]
fn unbound_trigger_is_an_error_with_the_fix() {
    let f = Fixture::new(1, &constant_trace(90.0), "");
    let so = SCALED_OBJECT.replace("MIN", "1").replace(
        "    - type: prometheus\n      name: rps",
        "    - type: aws-sqs-queue\n      name: jobs\n      metadata: {queueURL: https://sqs/q, threshold: \"5\"}\n    - type: prometheus\n      name: rps",
    );
    f.write("manifests.yaml", &format!("{DEPLOYMENT}---\n{so}"));
    expect_error(&f, &["has no simulated signal", "workloads.api.signals.jobs"]);
    // The fix works: bind it.
    let s = std::fs::read_to_string(f.path("scenario.yaml"))
        .unwrap()
        .replace("    pods:\n", "    signals:\n      jobs: {signal: queue_length}\n    pods:\n");
    f.write("scenario.yaml", &s);
    let out = f.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unmodelled_fields_are_warnings_not_silence() {
    let f = Fixture::new(1, &constant_trace(90.0), "");
    let so = SCALED_OBJECT
        .replace("MIN", "1")
        .replace("  pollingInterval: 15\n", "  pollingInterval: 15\n  fancyNewField: true\n");
    f.write("manifests.yaml", &format!("{DEPLOYMENT}---\n{so}"));
    let out = f.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning") && stderr.contains("fancyNewField"), "{stderr}");
    let summary = std::fs::read_to_string(f.path("out/summary.json")).unwrap();
    assert!(summary.contains("fancyNewField"));
}

fn kafka_fixture(extra_metadata: &str) -> Fixture {
    let f = Fixture::new(1, &constant_trace(400.0), "");
    let so = SCALED_OBJECT.replace("MIN", "1").replace(
        "    - type: prometheus\n      name: rps\n      metadata:\n        serverAddress: http://prometheus:9090\n        query: sum(rate(http_requests_total{service=\"api\"}[1m]))\n        threshold: \"50\"\n",
        &format!(
            "    - type: kafka\n      name: orders\n      metadata:\n        bootstrapServers: kafka:9092\n        consumerGroup: api\n        topic: orders\n        lagThreshold: \"10\"\n{extra_metadata}"
        ),
    );
    assert!(so.contains("kafka"));
    f.write("manifests.yaml", &format!("{DEPLOYMENT}---\n{so}"));
    let s = std::fs::read_to_string(f.path("scenario.yaml"))
        .unwrap()
        .replace("    service: {concurrency: 8,", "    service: {kind: queue, concurrency: 8,");
    f.write("scenario.yaml", &s);
    f
}

fn bind_partitions(f: &Fixture, n: u32) {
    let s = std::fs::read_to_string(f.path("scenario.yaml")).unwrap().replace(
        "    pods:\n",
        &format!("    signals:\n      orders: {{signal: kafka_lag, partitions: {n}}}\n    pods:\n"),
    );
    f.write("scenario.yaml", &s);
}

fn max_desired(f: &Fixture) -> u32 {
    let mut reader = csv::Reader::from_path(f.path("out/timeseries.csv")).unwrap();
    reader.records().map(|r| r.unwrap()[7].parse::<u32>().unwrap()).max().unwrap()
}

#[test]
fn kafka_lag_is_capped_by_partitions_unless_idle_consumers_are_allowed() {
    // 400 msg/s against 2 pods (320 msg/s) builds lag that asks for many replicas.
    let f = kafka_fixture("");
    expect_error(&f, &["needs the topic's partition count", "workloads.api.signals.orders"]);
    bind_partitions(&f, 3);
    let out = f.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Upstream caps the lag only when lag / lagThreshold (integer division) exceeds the
    // partitions, so a lag of 39 with threshold 10 on 3 partitions passes uncapped and asks for
    // ceil(3.9) = 4 replicas: at most partitions + 1, never more.
    let capped = max_desired(&f);
    assert!((3..=4).contains(&capped), "lag capped at lagThreshold × 3 partitions: {capped}");

    let g = kafka_fixture("        allowIdleConsumers: \"true\"\n");
    bind_partitions(&g, 3);
    let out = g.run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(max_desired(&g) > 4, "idle consumers allowed: more replicas than partitions");
}
