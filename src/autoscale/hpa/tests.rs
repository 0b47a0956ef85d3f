//! Module-level tests: manifest parsing, validation messages and multi-sync behaviour.

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Manifest {
    spec: HorizontalPodAutoscalerSpec,
}

const MANIFEST: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 20
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 60
  - type: External
    external:
      metric:
        name: queue_depth
        selector:
          matchLabels: {queue: jobs}
      target:
        type: AverageValue
        averageValue: 500m
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 120
      tolerance: 0.05
    scaleUp:
      policies:
      - type: Pods
        value: 2
        periodSeconds: 0
"#;

#[test]
fn manifest_spec_deserializes_with_camel_case_names() {
    let m: Manifest = serde_saphyr::from_str(MANIFEST).unwrap();
    let s = m.spec;
    assert_eq!(s.scale_target_ref.kind, "Deployment");
    assert_eq!(s.min_replicas, Some(2));
    assert_eq!(s.max_replicas, 20);
    assert_eq!(s.metrics.len(), 2);
    assert_eq!(s.metrics[1].external.as_ref().unwrap().target.average_value, Some(Quantity::from_milli(500)));
    let b = s.behavior.as_ref().unwrap();
    assert_eq!(b.scale_down.as_ref().unwrap().tolerance, Some(Quantity::from_milli(50)));
    let resolved = b.resolve(300);
    assert_eq!(resolved.scale_down.stabilization_window_seconds, 120);
    assert_eq!(resolved.scale_down.policies, vec![HpaScalingPolicy::percent(100, 15)]);
    assert_eq!(resolved.scale_up.select_policy, SelectPolicy::Max);
}

#[test]
fn validation_names_field_paths_and_warns_on_unmodeled_fields() {
    let m: Manifest = serde_saphyr::from_str(MANIFEST).unwrap();
    let v = m.spec.validate();
    let errors: Vec<String> = v.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors, vec!["spec.behavior.scaleUp.policies[0].periodSeconds: must be > 0"]);
    assert!(v.warnings.iter().any(|w| w.starts_with("spec.metrics[1].external.metric.selector")), "{:?}", v.warnings);
}

#[test]
fn unknown_spec_fields_are_warned_not_dropped() {
    let yaml = "maxReplicas: 3\nfancyNewField: true\n";
    let s: HorizontalPodAutoscalerSpec = serde_saphyr::from_str(yaml).unwrap();
    let v = s.validate();
    assert!(v.is_ok(), "{:?}", v.errors);
    assert!(v.warnings.iter().any(|w| w.contains("spec.fancyNewField")));
}

#[test]
fn bad_quantity_in_manifest_is_an_error() {
    let yaml = "maxReplicas: 3\nmetrics:\n- type: Pods\n  pods:\n    metric: {name: qps}\n    target: {type: AverageValue, averageValue: 500mm}\n";
    assert!(serde_saphyr::from_str::<HorizontalPodAutoscalerSpec>(yaml).is_err());
}

fn external_spec(behavior: Option<HorizontalPodAutoscalerBehavior>) -> HorizontalPodAutoscalerSpec {
    HorizontalPodAutoscalerSpec {
        min_replicas: Some(1),
        max_replicas: 100,
        metrics: vec![MetricSpec::external("q", MetricTarget::average_value(Quantity::from_units(10)))],
        behavior,
        ..Default::default()
    }
}

fn observed(replicas: i32, total: i64) -> Observed {
    Observed {
        spec_replicas: replicas,
        status_replicas: replicas,
        external_metrics: vec![ExternalMetricValue { metric: "q".into(), value_milli: total * 1000 }],
        ..Default::default()
    }
}

#[test]
fn scaling_disabled_at_zero_replicas() {
    let mut c = HpaController::default();
    let d = c.sync(&external_spec(None), &observed(0, 1000), 0);
    assert_eq!(d.reason, Reason::ScalingDisabled);
    assert!(!d.rescale);
    assert_eq!(d.desired_replicas, 0);
}

#[test]
fn legacy_scale_down_waits_for_the_window() {
    let mut c = HpaController::default();
    let spec = external_spec(None);
    // First sync seeds the history with 10, so the drop to 2 is held for 5 minutes.
    let mut replicas = 10;
    let mut t = 0;
    let mut first_drop = None;
    while t <= 10 * 60_000 {
        let d = c.sync(&spec, &observed(replicas, 20), t);
        if d.rescale {
            replicas = d.desired_replicas;
            first_drop.get_or_insert(t);
        }
        t += DEFAULT_SYNC_PERIOD_MS;
    }
    assert_eq!(replicas, 2);
    assert_eq!(first_drop, Some(300_000 + 15_000));
}

#[test]
fn behavior_policies_use_event_history_across_syncs() {
    // 2 pods per 60 s, no stabilization: 1 → 3 → (held) → 5 after the period expires.
    let spec = external_spec(Some(HorizontalPodAutoscalerBehavior {
        scale_up: Some(HpaScalingRules { policies: Some(vec![HpaScalingPolicy::pods(2, 60)]), ..Default::default() }),
        scale_down: None,
    }));
    let mut c = HpaController::default();
    let mut replicas = 1;
    let mut history = Vec::new();
    for step in 0..6u64 {
        let d = c.sync(&spec, &observed(replicas, 1000), step * 15_000);
        replicas = d.desired_replicas;
        history.push(replicas);
    }
    assert_eq!(history, vec![3, 3, 3, 3, 5, 5]);
    assert_eq!(c.state.scale_up_events.len(), 2);
}

#[test]
fn per_direction_tolerance_from_behavior() {
    // ratio 1.08: inside the default 10% band, outside a 5% scale-up tolerance.
    let mut spec = external_spec(None);
    spec.metrics = vec![MetricSpec::external("q", MetricTarget::value(Quantity::from_units(100)))];
    let mut obs = observed(10, 108);
    obs.pods = (0..10).map(|i| PodInfo::running(&format!("p{i}"), vec![])).collect();
    let mut c = HpaController::default();
    let d = c.sync(&spec, &obs, 0);
    assert_eq!(d.reason, Reason::Tolerance);
    spec.behavior = Some(HorizontalPodAutoscalerBehavior {
        scale_up: Some(HpaScalingRules { tolerance: Some(Quantity::parse("0.05").unwrap()), ..Default::default() }),
        scale_down: None,
    });
    let mut c = HpaController::default();
    let d = c.sync(&spec, &obs, 0);
    assert_eq!(d.desired_replicas, 11);
}

/// `n` running pods with CPU requests and metrics-server samples at `cpu_milli` each.
fn cpu_observed(n: i32, cpu_milli: i64, queue: i64) -> Observed {
    let mut obs = observed(n, queue);
    for i in 0..n {
        let name = format!("web-{i}");
        obs.pods.push(PodInfo::running(&name, vec![ContainerInfo::new("app", &[("cpu", 500), ("memory", 1 << 20)])]));
        obs.resource_metrics.push(PodResourceMetrics {
            pod: name,
            timestamp_ms: 0,
            window_ms: 60_000,
            containers: vec![ContainerUsage::new("app", &[("cpu", cpu_milli), ("memory", 1 << 19)])],
        });
    }
    obs.external_metrics[0].metric = "queue_depth".into();
    obs
}

#[test]
fn reused_buffers_decide_like_fresh_ones() {
    // One controller syncs into a reused decision and keeps its join while the pod list
    // version holds; the other starts from nothing at every sync. They must agree throughout.
    let spec = serde_saphyr::from_str::<Manifest>(MANIFEST).unwrap().spec;
    let (mut fresh, mut reused) = (HpaController::default(), HpaController::default());
    let mut decision = Decision::default();
    let (mut replicas, mut version) = (3, 0);
    for step in 0..200u64 {
        let cpu = [100, 250, 400, 600, 200][(step / 9 % 5) as usize];
        let mut obs = cpu_observed(replicas, cpu, (step % 7) as i64);
        let want = fresh.sync(&spec, &obs, step * 15_000);
        obs.pods_version = Some(version);
        reused.sync_into(&spec, &obs, step * 15_000, &mut decision);
        assert_eq!(decision, want, "step {step}");
        assert_eq!(reused.state, fresh.state, "step {step}");
        if want.rescale {
            replicas = want.desired_replicas;
            version += 1;
        }
    }
    assert!(version > 3, "the load should rescale a few times");
}
