//! `capsim recommend` on a small scenario: the chosen candidate meets the SLO in every future
//! and no cheaper candidate does; results do not depend on the thread count; the report's files
//! are written; a scenario without Karpenter is refused with the fix.

use std::path::Path;
use std::process::Command;

const MANIFESTS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 10
      tolerations:
        - {key: kubernetes.azure.com/scalesetpriority, operator: Equal, value: spot, effect: NoSchedule}
      containers:
        - name: api
          image: example/api:1
          resources:
            requests: {cpu: 500m, memory: 256Mi}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api}
spec:
  scaleTargetRef: {name: api}
  pollingInterval: 15
  minReplicaCount: 2
  maxReplicaCount: 40
  triggers:
    - type: prometheus
      name: rps
      metadata:
        serverAddress: http://prometheus:9090
        query: sum(rate(http_requests_total{service="api"}[1m]))
        threshold: "50"
"#;

const NODEPOOL: &str = r#"apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}
      requirements:
        - {key: node.kubernetes.io/instance-type, operator: In, values: [Standard_D4s_v5]}
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
"#;

const SCENARIO: &str = r#"kind: Scenario
name: small
cloud: azure
region: germanywestcentral
catalog: azure-germanywestcentral
start: 2026-07-04T00:00:00Z
duration: 2h
seed: 5
output_step: 1m
manifests: [app, pools]
traces:
  t: {file: trace.csv, values: rate}
events:
  - spike: {at: 2026-07-04T00:40:00Z, factor: 10, ramp: 1m, hold: 15m, decay: 1m}
slo: {latency: 300ms, target: 0.95}
cluster:
  allocatable_model: aks
  karpenter:
    launch_latency: {fixed: 60s}
workloads:
  api:
    traffic: {trace: t}
    service: {concurrency: 8, service_time: 50ms, cpu_per_request: 5ms, idle_cpu: 10m, timeout: 20s}
    pods:
      startup: {fixed: 5s}
      readiness_delay: 5s
"#;

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("app")).unwrap();
    std::fs::create_dir(p.join("pools")).unwrap();
    std::fs::write(p.join("app/api.yaml"), MANIFESTS).unwrap();
    std::fs::write(p.join("pools/nodepools.yaml"), NODEPOOL).unwrap();
    std::fs::write(p.join("trace.csv"), "time,rps\n2026-07-04T00:00:00Z,80\n2026-07-04T04:00:00Z,80\n").unwrap();
    std::fs::write(p.join("scenario.yaml"), SCENARIO).unwrap();
    dir
}

fn recommend(dir: &Path, out: &str, threads: &str) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["recommend", "scenario.yaml", "--out", out, "--threads", threads, "--headroom-cpu", "4"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(dir.join(out).join("recommendation.json")).unwrap()).unwrap()
}

#[test]
fn the_cheapest_candidate_meeting_the_slo_in_every_future_is_chosen() {
    let dir = fixture();
    let r = recommend(dir.path(), "rec", "2");
    let target = r["slo_target"].as_f64().unwrap();
    let cands = r["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 1 + 6 * 2 * 2 * 2, "current + 3 classes × 2 size ranges × spot × headroom × consolidation");
    // As-is and growth; the spike moved by three days would leave this 2-hour run, so that
    // future is left out.
    let futures: Vec<&str> = r["futures"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(futures, ["as-is", "growth-30"]);
    let chosen = r["chosen"].as_u64().expect("a candidate meets the SLO") as usize;
    let c = &cands[chosen];
    let cost = c["cost_per_year_committed"].as_f64().unwrap();
    for o in c["outcomes"].as_array().unwrap() {
        assert!(o["slo_attainment"].as_f64().unwrap() >= target, "{o}");
    }
    for (i, other) in cands.iter().enumerate() {
        let worst = other["worst_slo_attainment"].as_f64().unwrap();
        let min = other["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["slo_attainment"].as_f64().unwrap())
            .fold(1.0, f64::min);
        assert_eq!(worst, min);
        assert_eq!(other["meets_slo"].as_bool().unwrap(), worst >= target);
        if i != chosen && other["cost_per_year_committed"].as_f64().unwrap() < cost {
            assert!(worst < target, "{} is cheaper and meets the SLO", other["id"]);
        }
    }
    // The report's files.
    let out = dir.path().join("rec");
    let yaml = std::fs::read_to_string(out.join("nodepools.yaml")).unwrap_or_default();
    if c["id"] != "current" {
        assert!(yaml.contains("kind: NodePool"), "{yaml}");
    }
    let html = std::fs::read_to_string(out.join("recommendation.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("</html>"));
    let md = std::fs::read_to_string(out.join("recommendation.md")).unwrap();
    assert!(md.contains("## Candidates") && md.contains("## Assumptions"));
    assert!(out.join("pareto.png").is_file());
}

#[test]
fn thread_count_does_not_change_the_recommendation() {
    let dir = fixture();
    let a = recommend(dir.path(), "one", "1");
    let b = recommend(dir.path(), "two", "2");
    // Candidate folders differ by the output path; every figure is the same.
    let strip = |v: &serde_json::Value| serde_json::to_string(&v["candidates"]).unwrap();
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a["chosen"], b["chosen"]);
}

#[test]
fn a_scenario_without_karpenter_is_refused() {
    let dir = fixture();
    let text = SCENARIO.replace("manifests: [app, pools]", "manifests: [app]").replace(
        "  karpenter:\n    launch_latency: {fixed: 60s}\n",
        "  nodes:\n    - {pool: general, instance_type: Standard_D4s_v5, count: 3}\n",
    );
    std::fs::write(dir.path().join("scenario.yaml"), text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["recommend", "scenario.yaml", "--out", "rec"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no Karpenter") && err.contains("NodePools"), "{err}");
}
