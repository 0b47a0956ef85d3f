//! The Cluster Autoscaler inside `capsim run`, on small synthetic scenarios: scale-up after a scan
//! plus the provisioning latency, pods binding once nodes are Ready, group max, scale-down after
//! the unneeded time (not below min, not within delay-after-add), unschedulable pods, bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: api
          image: example/api:1
          resources:
            requests: {cpu: CPU, memory: 256Mi}
"#;

/// 50 rps per pod: 1000 rps asks for 20 pods.
const SCALED_OBJECT: &str = r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api}
spec:
  scaleTargetRef: {name: api}
  pollingInterval: 15
  cooldownPeriod: 60
  minReplicaCount: 1
  maxReplicaCount: 40
  triggers:
    - type: prometheus
      name: rps
      metadata:
        serverAddress: http://prometheus:9090
        query: sum(rate(http_requests_total{service="api"}[1m]))
        threshold: "50"
"#;

/// 20 rps, 1000 rps from minute 10 to 30, then 20 rps again.
const TRACE: &str = "time,rps\n2026-07-04T00:00:00Z,20\n2026-07-04T00:10:00Z,1000\n2026-07-04T00:30:00Z,20\n\
                     2026-07-04T02:00:00Z,20\n";

fn scenario(pools: &str, ca: &str) -> String {
    format!(
        r#"kind: Scenario
name: ca
cloud: azure
region: germanywestcentral
catalog: azure-germanywestcentral
start: 2026-07-04T00:00:00Z
duration: 100m
seed: 7
output_step: 1m
manifests: [manifests.yaml]
traces:
  t: {{file: trace.csv, values: rate}}
slo: {{latency: 300ms, target: 0.99}}
cluster:
  allocatable_model: aks
  autoscaler: cluster_autoscaler
  spot: {{interruptions: false}}
  cluster_autoscaler:
    provisioning_latency: {{fixed: 120s}}
    scale_down_unneeded_time: 3m
    scale_down_delay_after_add: 5m
{ca}
  node_pools:
{pools}
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

const POOL: &str = "    - {name: general, vm_size: Standard_D4s_v5, min: 1, max: MAX}";

struct Fixture {
    dir: tempfile::TempDir,
}

/// One decision row.
#[derive(Debug)]
struct Row {
    at_s: u64,
    object: String,
    action: String,
    from: u32,
    to: u32,
    reason: String,
}

impl Fixture {
    fn new(cpu: &str, pools: &str, ca: &str) -> Self {
        let f = Fixture { dir: tempfile::tempdir().unwrap() };
        f.write("manifests.yaml", &format!("{}---\n{SCALED_OBJECT}", DEPLOYMENT.replace("CPU", cpu)));
        f.write("scenario.yaml", &scenario(pools, ca));
        f.write("trace.csv", TRACE);
        f
    }
    fn with_max(max: u32) -> Self {
        Fixture::new("500m", &POOL.replace("MAX", &max.to_string()), "")
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
    fn run_ok(&self) {
        let out = self.run();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    fn rows(&self, controller: &str) -> Vec<Row> {
        let mut reader = csv::Reader::from_path(self.path("out/decisions.csv")).unwrap();
        reader
            .records()
            .map(|r| r.unwrap())
            .filter(|r| &r[1] == controller)
            .map(|r| Row {
                at_s: seconds(&r[0]),
                object: r[2].to_string(),
                action: r[3].to_string(),
                from: r[4].parse().unwrap(),
                to: r[5].parse().unwrap(),
                reason: r[6].to_string(),
            })
            .collect()
    }
    /// (seconds, pending pods) of each output step.
    fn pending(&self) -> Vec<(u64, u32)> {
        let mut reader = csv::Reader::from_path(self.path("out/timeseries.csv")).unwrap();
        reader.records().map(|r| r.unwrap()).map(|r| (seconds(&r[0]), r[8].parse().unwrap())).collect()
    }
}

/// Seconds after 2026-07-04T00:00:00Z of an RFC 3339 time on that day.
fn seconds(t: &str) -> u64 {
    let hms: Vec<u64> = t[11..19].split(':').map(|x| x.parse().unwrap()).collect();
    hms[0] * 3600 + hms[1] * 60 + hms[2]
}

#[test]
fn pending_pods_scale_up_after_a_scan_and_bind_when_nodes_are_ready() {
    let f = Fixture::with_max(10);
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    // The first pod of the warm start fits the pool's one node: no scale-up at time 0.
    assert!(!rows.iter().any(|r| r.action == "scale-up" && r.at_s == 0), "{rows:#?}");
    let ups: Vec<&Row> = rows.iter().filter(|r| r.action == "scale-up").collect();
    assert!(!ups.is_empty(), "{rows:#?}");
    // The traffic step is at 600 s; scans run every 10 s, KEDA polls every 15 s.
    assert!(ups[0].at_s > 600 && ups[0].at_s < 700, "{:?}", ups[0]);
    assert!(ups[0].reason.contains("node(s) for"), "estimate in the reason: {}", ups[0].reason);
    // Every node is Ready exactly the fixed provisioning latency after its scale-up.
    let readies: Vec<&Row> = rows.iter().filter(|r| r.action == "ready").collect();
    let launched: u32 = ups.iter().map(|r| r.to - r.from).sum();
    assert_eq!(readies.len() as u32, launched, "{rows:#?}");
    for r in &readies {
        assert!(ups.iter().any(|u| u.at_s + 120 == r.at_s), "no scale-up 120 s before {r:?}");
    }
    // Pods pend until the first nodes are Ready, then bind: pending falls to 0 before the
    // traffic drops at 1800 s.
    let pending = f.pending();
    let first_ready = readies[0].at_s;
    assert!(pending.iter().any(|&(t, p)| t < first_ready && t > 600 && p > 0), "{pending:?}");
    assert!(pending.iter().any(|&(t, p)| t > first_ready && t < 1800 && p == 0), "{pending:?}");
}

#[test]
fn group_max_leaves_pods_pending_and_says_so() {
    let f = Fixture::with_max(2);
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    let max_to = rows.iter().filter(|r| r.action == "scale-up").map(|r| r.to).max();
    assert_eq!(max_to, Some(2), "{rows:#?}");
    let blocked = rows.iter().find(|r| r.action == "no-scale-up").expect("a no-scale-up row");
    assert!(blocked.reason.contains("general at max size 2"), "{}", blocked.reason);
    // 20 pods of 500m need 3 D4s_v5 nodes: some stay pending during the step.
    assert!(f.pending().iter().any(|&(t, p)| t > 1200 && t < 1800 && p > 0));
}

#[test]
fn scale_down_waits_for_unneeded_time_and_delay_after_add_and_keeps_min() {
    let f = Fixture::with_max(10);
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    let downs: Vec<&Row> = rows.iter().filter(|r| r.action == "scale-down").collect();
    assert!(!downs.is_empty(), "underutilized nodes are removed after the traffic drops: {rows:#?}");
    let last_up = rows.iter().filter(|r| r.action == "scale-up").map(|r| r.at_s).max().unwrap();
    for d in &downs {
        assert!(d.at_s >= last_up + 300, "scale-down within delay-after-add: {d:?}");
        // "… for N ms" in the reason: unneeded longer than scale_down_unneeded_time (3m).
        let ms: u64 = d.reason.rsplit("for ").next().unwrap().trim_end_matches(" ms").parse().unwrap();
        assert!(ms > 180_000, "{d:?}");
        assert!(d.to >= 1, "below min: {d:?}");
    }
    // At the end, only the min node is left: the peak minus every removal.
    let peak = rows.iter().filter(|r| r.action == "scale-up").map(|r| r.to).max().unwrap();
    let gone = rows.iter().filter(|r| r.action == "terminate").count() as u32;
    assert_eq!(peak - gone, 1, "{rows:#?}");
    assert!(rows.iter().any(|r| r.object.starts_with("node/general-") && r.action == "drain"));
}

#[test]
fn a_pod_too_large_for_every_pool_is_unschedulable_not_a_hang() {
    let f = Fixture::new("64", &POOL.replace("MAX", "10"), "");
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    let u: Vec<&Row> = rows.iter().filter(|r| r.action == "unschedulable").collect();
    assert_eq!(u.len(), 1, "{rows:#?}");
    assert_eq!(u[0].object, "deployment/api");
    assert!(!rows.iter().any(|r| r.action == "scale-up"), "{rows:#?}");
}

#[test]
fn spot_pools_get_the_aks_taint_so_intolerant_pods_use_the_on_demand_pool() {
    let pools = "    - {name: general, vm_size: Standard_D4s_v5, min: 1, max: 10}\n    \
                 - {name: spot, vm_size: Standard_D4s_v5, spot: true, min: 0, max: 10}";
    let f = Fixture::new("500m", pools, "    expander: [priority]\n    priorities: {50: [spot], 10: [general]}");
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    let ups: Vec<&Row> = rows.iter().filter(|r| r.action == "scale-up").collect();
    assert!(!ups.is_empty());
    // The priority expander prefers spot, but the pods do not tolerate its taint.
    assert!(ups.iter().all(|r| r.object == "nodepool/general"), "{ups:#?}");
}

fn expect_error(f: &Fixture, needles: &[&str]) {
    let out = f.run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
}

#[test]
fn bad_node_pools_are_errors_naming_the_field_and_fix() {
    let f = Fixture::new("500m", "    - {name: general, vm_size: Standard_D4s_v5, min: 5, max: 2}", "");
    expect_error(&f, &["scenario.yaml", "cluster.node_pools[0].min", "min ≤ max"]);
    let f = Fixture::new("500m", "    - {name: general, vm_size: Standard_X9_nope, min: 1, max: 2}", "");
    expect_error(&f, &["cluster.node_pools[0].vm_size", "not in the catalog"]);
    let f = Fixture::new("500m", &POOL.replace("MAX", "3"), "    expander: cheapest");
    expect_error(&f, &["cluster.cluster_autoscaler.expander", "unknown expander", "least-waste"]);
    let f = Fixture::new("500m", &POOL.replace("MAX", "3"), "    expander: priority");
    expect_error(&f, &["cluster.cluster_autoscaler.priorities"]);
}

#[test]
fn nodes_late_past_max_provision_time_fail_the_scale_up_and_back_the_pool_off() {
    // Nodes take 120 s; the autoscaler gives up on them after 60 s.
    let f = Fixture::new("500m", &POOL.replace("MAX", "10"), "    max_node_provision_time: 1m");
    f.run_ok();
    let rows = f.rows("cluster-autoscaler");
    let failed = rows.iter().find(|r| r.action == "scale-up-failed").expect("a failed scale-up");
    assert!(failed.reason.contains("max-node-provision-time"), "{}", failed.reason);
    let first_up = rows.iter().find(|r| r.action == "scale-up").unwrap();
    assert!(failed.at_s > first_up.at_s + 60 && failed.at_s <= first_up.at_s + 70, "{failed:?} after {first_up:?}");
    // No node ever becomes Ready, and the pool is not scaled up again during the 5 min backoff.
    assert!(!rows.iter().any(|r| r.action == "ready"), "{rows:#?}");
    let next = rows.iter().filter(|r| r.action == "scale-up" && r.at_s > failed.at_s).map(|r| r.at_s).min();
    assert!(next.is_none_or(|t| t >= failed.at_s + 300), "{rows:#?}");
}
