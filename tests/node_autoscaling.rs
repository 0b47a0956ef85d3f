//! Karpenter inside a run: a spike that exhausts the nodes makes pods wait for the launch
//! latency, consolidation brings the cluster back to its size before the spike; pods no pool can
//! take are reported, pools at their limits leave pods pending and say so; bad NodePools fail
//! validation with the file and the fix.

use std::path::Path;

use capsim::model::load_scenario;
use capsim::sim::{RunResult, run};

/// 500m pods: 7 fit on a Standard_D4s_v5 (3.86 CPU allocatable on AKS).
fn deployment(cpu: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: api
          image: example/api:1
          resources:
            requests: {{cpu: {cpu}, memory: 256Mi}}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {{name: api}}
spec:
  scaleTargetRef: {{name: api}}
  pollingInterval: 15
  minReplicaCount: 2
  maxReplicaCount: 40
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 60
  triggers:
    - type: prometheus
      name: rps
      metadata:
        serverAddress: http://prometheus:9090
        query: sum(rate(http_requests_total{{service="api"}}[1m]))
        threshold: "50"
"#
    )
}

fn nodepool(limits: &str, instance_types: &str) -> String {
    format!(
        r#"apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {{name: general}}
spec:
  template:
    spec:
      nodeClassRef: {{group: karpenter.azure.com, kind: AKSNodeClass, name: default}}
      requirements:
        - {{key: node.kubernetes.io/instance-type, operator: In, values: [{instance_types}]}}
        - {{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}}
  limits: {{{limits}}}
  disruption:
    consolidationPolicy: WhenEmptyOrUnderutilized
    consolidateAfter: 1m
    budgets: [{{nodes: "100%"}}]
"#
    )
}

const SCENARIO: &str = r#"kind: Scenario
name: nodes
cloud: azure
region: germanywestcentral
catalog: azure-germanywestcentral
start: 2026-07-04T00:00:00Z
duration: 90m
seed: 11
output_step: 15s
manifests: [manifests.yaml]
traces:
  t: {file: trace.csv, values: rate}
events:
  - spike: {at: 2026-07-04T00:20:00Z, factor: 10, ramp: 1m, hold: 15m, decay: 1m}
slo: {latency: 300ms, target: 0.99}
cluster:
  allocatable_model: aks
  autoscaler: karpenter
  karpenter:
    launch_latency: {fixed: 90s}
workloads:
  api:
    traffic: {trace: t}
    service: {concurrency: 8, service_time: 50ms, cpu_per_request: 5ms, idle_cpu: 10m, timeout: 20s}
    pods:
      startup: {fixed: 5s}
      readiness_delay: 5s
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn fixture(cpu: &str, limits: &str, types: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "manifests.yaml", &format!("{}---\n{}", deployment(cpu), nodepool(limits, types)));
    write(dir.path(), "trace.csv", "time,rps\n2026-07-04T00:00:00Z,80\n2026-07-04T02:00:00Z,80\n");
    write(dir.path(), "scenario.yaml", SCENARIO);
    dir
}

fn simulate(dir: &Path) -> RunResult {
    let scenario = load_scenario(&dir.join("scenario.yaml")).unwrap();
    run(&scenario, None).unwrap()
}

/// Nodes of the `general` pool at each output step.
fn pool_nodes(r: &RunResult) -> Vec<(u64, u32)> {
    let mut out: Vec<(u64, u32)> = Vec::new();
    for s in &r.nodes {
        match out.last_mut() {
            Some((t, n)) if *t == s.time_ms => *n += s.group.nodes,
            _ => out.push((s.time_ms, s.group.nodes)),
        }
    }
    out
}

#[test]
fn spike_waits_for_node_launch_and_consolidation_returns_to_pre_spike_size() {
    let dir = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v5");
    let r = simulate(dir.path());
    let nodes = pool_nodes(&r);
    let at = |t: u64| nodes.iter().rev().find(|(s, _)| *s <= t).unwrap().1;
    let spike = 20 * 60_000;
    let before = at(spike - 60_000);
    assert_eq!(before, 1, "two pods fit on one node before the spike: {nodes:?}");
    // The spike asks for ~16 pods: more nodes are launched and pods wait for them.
    let peak = nodes.iter().map(|n| n.1).max().unwrap();
    assert!(peak >= 3, "the spike needs more nodes: {nodes:?}");
    let launches: Vec<_> =
        r.decisions.iter().filter(|d| d.controller == "karpenter" && d.action == "launch" && d.time_ms > 0).collect();
    assert!(!launches.is_empty());
    let first = launches[0].time_ms;
    assert!(first >= spike && first < spike + 3 * 60_000, "launched at {first}");
    // Pods stay pending for the 90 s the node takes to boot, and no longer than that plus a batch.
    let pending = &r.workloads[0].series;
    let pending_at = |t: u64| pending.pending_pods[pending.time_ms.iter().position(|&s| s >= t).unwrap()];
    assert!(pending_at(first + 60_000) > 0, "pods wait while the node boots");
    let readies: Vec<_> = r.decisions.iter().filter(|d| d.action == "ready" && d.time_ms > 0).collect();
    assert!(readies.iter().all(|d| d.reason.contains("90 s after launch")), "{readies:?}");
    assert!(readies[0].time_ms == first + 90_000);
    // Consolidation brings the pool back to its size before the spike.
    assert_eq!(nodes.last().unwrap().1, before, "{nodes:?}");
    assert!(
        r.decisions
            .iter()
            .any(|d| d.action == "drain" && (d.reason.contains("Consolidation") || d.reason.contains("Emptiness")))
    );
    // Billing sees every node, the spike's ones ending before the run does.
    let ended_early = r.node_lives.iter().filter(|l| l.ended_ms < r.duration_ms).count();
    assert!(ended_early >= (peak - before) as usize, "{:?}", r.node_lives);
    assert!(r.unschedulable.is_empty());
}

#[test]
fn same_seed_same_decisions() {
    let dir = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v5");
    let a = simulate(dir.path());
    let b = simulate(dir.path());
    assert_eq!(a.decisions, b.decisions);
    assert_eq!(a.node_lives, b.node_lives);
}

#[test]
fn a_pod_larger_than_every_instance_type_is_reported_unschedulable() {
    let dir = fixture("6", "cpu: \"1000\"", "Standard_D4s_v5");
    let r = simulate(dir.path());
    assert_eq!(r.unschedulable.len(), 1);
    assert_eq!(r.unschedulable[0].workload, "api");
    let d: Vec<_> = r.decisions.iter().filter(|d| d.action == "unschedulable").collect();
    assert_eq!(d.len(), 1, "reported once");
    assert!(r.workloads[0].summary.failed_share > 0.99, "no pod ever serves");
}

#[test]
fn a_pool_at_its_limits_leaves_pods_pending_and_says_so() {
    // 4 CPU: exactly one Standard_D4s_v5.
    let dir = fixture("500m", "cpu: \"4\"", "Standard_D4s_v5");
    let r = simulate(dir.path());
    assert!(pool_nodes(&r).iter().all(|(_, n)| *n <= 1));
    let d: Vec<_> = r.decisions.iter().filter(|d| d.action == "pending-at-limits").collect();
    assert!(!d.is_empty());
    assert!(d[0].reason.contains("limits"), "{}", d[0].reason);
    assert!(r.unschedulable.is_empty(), "limits are not 'never schedulable'");
    assert!(r.workloads[0].series.pending_pods.iter().any(|&p| p > 0));
}

#[test]
fn a_nodepool_matching_no_catalog_type_is_a_validation_error() {
    let dir = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v99");
    let err = load_scenario(&dir.path().join("scenario.yaml")).unwrap_err().to_string();
    assert!(err.contains("NodePool \"general\""), "{err}");
    assert!(err.contains("match no instance type"), "{err}");
    assert!(err.contains("manifests.yaml"), "{err}");
}

const HEADROOM: &str = r#"apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: overprovisioning}
value: -10
preemptionPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: overprovisioning}
spec:
  replicas: 2
  selector: {matchLabels: {app: overprovisioning}}
  template:
    metadata: {labels: {app: overprovisioning}}
    spec:
      priorityClassName: overprovisioning
      terminationGracePeriodSeconds: 0
      containers:
        - name: pause
          image: registry.k8s.io/pause:3.10
          resources:
            requests: {cpu: 1500m, memory: 1Gi}
"#;

#[test]
fn headroom_placeholders_are_preempted_so_spike_pods_start_before_new_nodes() {
    let plain = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v5");
    let with = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v5");
    let manifests = std::fs::read_to_string(with.path().join("manifests.yaml")).unwrap();
    write(with.path(), "manifests.yaml", &format!("{manifests}---\n{HEADROOM}"));
    let (a, b) = (simulate(plain.path()), simulate(with.path()));
    // Placeholders hold nodes but are not a workload of the results.
    assert_eq!(b.workloads.len(), 1);
    assert!(pool_nodes(&b)[0].1 > pool_nodes(&a)[0].1, "headroom needs its own room at the start");
    let spike = 20 * 60_000;
    let preempts: Vec<_> = b.decisions.iter().filter(|d| d.action == "preempt").collect();
    assert!(!preempts.is_empty());
    assert!(preempts[0].time_ms >= spike && preempts[0].time_ms < spike + 2 * 60_000, "{:?}", preempts[0]);
    assert!(preempts[0].reason.contains("overprovisioning placeholder pods (priority -10)"));
    // Fewer pods wait for a node in the spike's first minutes, and fewer requests fail.
    let pending = |r: &RunResult| -> u32 {
        let s = &r.workloads[0].series;
        (0..s.len())
            .filter(|&i| s.time_ms[i] >= spike && s.time_ms[i] < spike + 3 * 60_000)
            .map(|i| s.pending_pods[i])
            .sum()
    };
    assert!(pending(&b) < pending(&a), "{} vs {}", pending(&b), pending(&a));
    assert!(b.workloads[0].summary.failed < a.workloads[0].summary.failed);
    // Evicted placeholders are recreated and get nodes of their own again.
    assert!(b.decisions.iter().any(|d| d.action == "launch" && d.time_ms > preempts[0].time_ms));
}

#[test]
fn an_unknown_priority_class_is_an_error_naming_the_deployment() {
    let dir = fixture("500m", "cpu: \"1000\"", "Standard_D4s_v5");
    let manifests = std::fs::read_to_string(dir.path().join("manifests.yaml")).unwrap();
    let headroom = HEADROOM.split("---\n").nth(1).unwrap();
    write(dir.path(), "manifests.yaml", &format!("{manifests}---\n{headroom}"));
    let err = load_scenario(&dir.path().join("scenario.yaml")).unwrap_err().to_string();
    assert!(err.contains("PriorityClass \"overprovisioning\", which is not in the manifests"), "{err}");
    assert!(err.contains("priorityClassName"), "{err}");
}
