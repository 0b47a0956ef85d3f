//! Unit tests for behaviour the upstream tables do not pin (cooldown timing, the formula
//! grammar, validation paths, the generated HPA shape).

use std::collections::BTreeMap;

use super::*;

fn so(yaml_spec: &str) -> ScaledObject {
    let yaml = format!("metadata:\n  name: web\nspec:\n  scaleTargetRef:\n    name: web\n{yaml_spec}");
    ScaledObject::from_yaml(&yaml).unwrap()
}

fn input(current: u32, active: bool, last_active: Option<u64>, now: u64) -> ExecutorInput {
    ExecutorInput { current_replicas: current, is_active: active, is_error: false, last_active, created_at: 0, now }
}

#[test]
fn defaults_match_upstream() {
    let o = so("");
    assert_eq!(o.polling_interval_ms(), 30_000);
    assert_eq!(o.cooldown_period_ms(), 300_000);
    assert_eq!(o.initial_cooldown_period_ms(), 0);
    assert_eq!(o.min_replica_count(), 0);
    assert_eq!(o.hpa_max_replicas(), 100);
}

#[test]
fn cooldown_is_strict() {
    let o = so("  cooldownPeriod: 60\n");
    // exactly at lastActive + cooldown: still cooling down (time.Before is strict)
    let d = request_scale(&o, &input(3, false, Some(1_000), 61_000));
    assert_eq!((d.set_replicas, d.reason), (None, ScaleReason::Cooldown));
    let d = request_scale(&o, &input(3, false, Some(1_000), 61_001));
    assert_eq!((d.set_replicas, d.reason), (Some(0), ScaleReason::DeactivatedToMin));
}

#[test]
fn initial_cooldown_applies_without_last_active() {
    let o = so("  initialCooldownPeriod: 120\n");
    let mut i = input(2, false, None, 100_000);
    i.created_at = 0;
    assert_eq!(request_scale(&o, &i).reason, ScaleReason::Cooldown);
    i.now = 120_001;
    assert_eq!(request_scale(&o, &i).set_replicas, Some(0));
}

#[test]
fn active_with_replicas_refreshes_last_active_only() {
    let o = so("");
    let d = request_scale(&o, &input(4, true, Some(5), 99));
    assert_eq!(d.set_replicas, None);
    assert_eq!(d.last_active, Some(99));
    assert_eq!(d.reason, ScaleReason::ActiveHpaScaling);
}

#[test]
fn errors_with_and_without_fallback() {
    let with_fb = so("  fallback:\n    failureThreshold: 3\n    replicas: 6\n");
    let mut i = input(2, false, None, 10_000);
    i.is_error = true;
    assert_eq!(request_scale(&with_fb, &i).reason, ScaleReason::FallbackViaHpa);
    assert_eq!(request_scale(&so(""), &i).reason, ScaleReason::TriggerError);
    i.is_active = true;
    assert_eq!(request_scale(&so(""), &i).reason, ScaleReason::PartialTriggerError);
}

#[test]
fn fallback_behaviors() {
    use fallback::fallback_replicas as f;
    assert_eq!(f(FallbackBehavior::Static, 5, 9), 5.0);
    assert_eq!(f(FallbackBehavior::CurrentReplicas, 5, 9), 9.0);
    assert_eq!(f(FallbackBehavior::CurrentReplicasIfHigher, 5, 9), 9.0);
    assert_eq!(f(FallbackBehavior::CurrentReplicasIfHigher, 5, 2), 5.0);
    assert_eq!(f(FallbackBehavior::CurrentReplicasIfLower, 5, 9), 5.0);
    assert_eq!(f(FallbackBehavior::CurrentReplicasIfLower, 5, 2), 2.0);
}

#[test]
fn fallback_value_target_divides_by_ready() {
    let o = so("  fallback:\n    failureThreshold: 1\n    replicas: 6\n");
    let ctx = FallbackContext { target: FallbackTarget::Value(10.0), current_replicas: 3, ready_replicas: 3 };
    // 10 * 6 / 3 = 20 -> HPA Value path: ceil(3 * 20 / 10) = 6
    assert_eq!(fallback_metric_milli(&o, &ctx), Ok(20_000));
}

fn eval(src: &str, vars: &[(&str, Option<f64>)]) -> Result<Value, FormulaError> {
    let env: BTreeMap<String, Option<f64>> = vars.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    Formula::parse(src)?.eval(&env)
}

#[test]
fn formula_grammar() {
    let n = |x: f64| Ok(Value::Num(x));
    assert_eq!(eval("1 + 2 * 3", &[]), n(7.0));
    assert_eq!(eval("(1 + 2) * 3", &[]), n(9.0));
    assert_eq!(eval("2 ** 3 ** 2", &[]), n(512.0));
    assert_eq!(eval("-2 ** 2", &[]), n(-4.0));
    assert_eq!(eval("7 % 3", &[]), n(1.0));
    assert_eq!(eval("7 / 2", &[]), n(3.5));
    assert_eq!(eval("a > 5 ? a : 0", &[("a", Some(7.0))]), n(7.0));
    assert_eq!(eval("a > 5 ? a : 0", &[("a", Some(3.0))]), n(0.0));
    assert_eq!(eval("a > 1 && b < 2 || false", &[("a", Some(2.0)), ("b", Some(1.0))]), Ok(Value::Bool(true)));
    assert_eq!(eval("!(1 == 1)", &[]), Ok(Value::Bool(false)));
    assert_eq!(eval("not true or 1 != 2", &[]), Ok(Value::Bool(true)));
    assert_eq!(eval("min(3, a, 1.5) + max(1, 2) + abs(-1)", &[("a", Some(2.0))]), n(4.5));
    assert_eq!(eval("ceil(1.2) + floor(1.8) + round(2.5)", &[]), n(6.0)); // Go math.Round: half away from zero
    assert_eq!(eval("a ?? 4", &[("a", None)]), n(4.0));
    assert_eq!(eval("a ?? 4", &[("a", Some(1.0))]), n(1.0));
    assert_eq!(eval("1_000 + 1e3", &[]), n(2000.0));
}

#[test]
fn formula_errors_name_position() {
    let e = Formula::parse("a + * b").unwrap_err();
    assert_eq!(e.pos, 4);
    let e = Formula::parse("max(a, b").unwrap_err();
    assert_eq!(e.pos, 8);
    let e = Formula::parse("a # b").unwrap_err();
    assert_eq!(e.pos, 2);
    let e = eval("a + zz", &[("a", Some(1.0))]).unwrap_err();
    assert_eq!(e.pos, 4);
    assert!(e.message.contains("zz"));
    assert!(eval("a + 1", &[("a", None)]).is_err());
    assert!(Formula::parse("foo(1)").is_err());
}

#[test]
fn validation_errors_name_field_paths() {
    let o = so(
        "  triggers:\n  - type: prometheus\n    metadata: {serverAddress: \"http://p\", query: up, threshold: \"10\"}\n  - type: prometheus\n    metadata: {serverAddress: \"http://p\", query: up, threshold: x}\n",
    );
    let r = o.validate();
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].path, "spec.triggers[1].metadata.threshold");
    assert!(r.errors[0].to_string().contains("not a number"));
}

#[test]
fn validation_warns_about_unmodelled_fields() {
    let o = so(
        "  triggers:\n  - type: rabbitmq\n    authenticationRef: {name: secret}\n    metadata: {queueName: q, host: amqp://x, mode: QueueLength, value: \"5\"}\n  advanced:\n    restoreToOriginalReplicaCount: true\n  someFutureField: 1\n",
    );
    let r = o.validate();
    assert!(r.is_ok(), "{:?}", r.errors);
    let paths: Vec<&str> = r.warnings.iter().map(|w| w.path.as_str()).collect();
    assert!(paths.contains(&"spec.someFutureField"), "{paths:?}");
    assert!(paths.contains(&"spec.triggers[0].authenticationRef"));
    assert!(paths.contains(&"spec.triggers[0].metadata.host"));
    assert!(paths.contains(&"spec.advanced.restoreToOriginalReplicaCount"));
}

#[test]
fn validation_of_scaling_modifiers() {
    let base = "  triggers:\n  - type: prometheus\n    name: a\n    metadata: {serverAddress: \"http://p\", query: up, threshold: \"10\"}\n  advanced:\n    scalingModifiers:\n";
    let r = so(&format!("{base}      formula: a * 2\n")).validate();
    assert!(r.errors.iter().any(|e| e.path == "spec.advanced.scalingModifiers.target"));
    let r = so(&format!("{base}      formula: a * b\n      target: \"5\"\n")).validate();
    let e = r.errors.iter().find(|e| e.path == "spec.advanced.scalingModifiers.formula").unwrap();
    assert!(e.message.contains("position 4"), "{e}");
    let r = so(&format!("{base}      formula: a * 2\n      target: \"5\"\n")).validate();
    assert!(r.is_ok(), "{:?}", r.errors);
}

#[test]
fn validation_cpu_only_needs_min_replicas() {
    let o = so("  triggers:\n  - type: cpu\n    metricType: Utilization\n    metadata: {value: \"60\"}\n");
    assert!(o.validate().errors.iter().any(|e| e.path == "spec.minReplicaCount"));
    let o = so(
        "  minReplicaCount: 1\n  triggers:\n  - type: cpu\n    metricType: Utilization\n    metadata: {value: \"60\"}\n",
    );
    assert!(o.validate().is_ok());
}

#[test]
fn generated_hpa_shapes() {
    let o = so(
        "  minReplicaCount: 2\n  maxReplicaCount: 20\n  triggers:\n  - type: rabbitmq\n    metadata: {queueName: orders, mode: QueueLength, value: \"20\"}\n  - type: kafka\n    metricType: Value\n    metadata: {bootstrapServers: \"b:9092\", consumerGroup: g, topic: t, lagThreshold: \"50\"}\n  - type: memory\n    metricType: AverageValue\n    metadata: {value: 512Mi}\n  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown:\n          stabilizationWindowSeconds: 60\n",
    );
    let h = generate_hpa(&o).unwrap();
    assert_eq!(h.name, "keda-hpa-web");
    assert_eq!((h.min_replicas, h.max_replicas), (2, 20));
    assert_eq!(
        h.metrics,
        vec![
            HpaMetric::External {
                name: "s0-rabbitmq-orders".into(),
                trigger_index: Some(0),
                target: HpaTarget::AverageValue(20.0)
            },
            HpaMetric::External { name: "s1-kafka-t".into(), trigger_index: Some(1), target: HpaTarget::Value(50.0) },
            HpaMetric::Resource {
                resource: "memory".into(),
                trigger_index: 2,
                container: None,
                target: HpaTarget::AverageValue(536_870_912.0)
            },
        ]
    );
    assert_eq!(h.behavior.unwrap()["scaleDown"]["stabilizationWindowSeconds"], 60);
}

#[test]
fn generated_hpa_composite_and_paused_directions() {
    let mut o = so(
        "  triggers:\n  - type: prometheus\n    name: a\n    metadata: {serverAddress: \"http://p\", query: up, threshold: \"10\"}\n  - type: cpu\n    metricType: Utilization\n    metadata: {value: \"50\"}\n  advanced:\n    scalingModifiers:\n      formula: a * 2\n      target: \"4\"\n",
    );
    o.metadata.annotations.insert(spec::PAUSED_SCALE_IN_ANNOTATION.into(), "true".into());
    let h = generate_hpa(&o).unwrap();
    assert_eq!(
        h.metrics,
        vec![
            HpaMetric::Resource {
                resource: "cpu".into(),
                trigger_index: 1,
                container: None,
                target: HpaTarget::Utilization(50)
            },
            HpaMetric::External {
                name: COMPOSITE_METRIC_NAME.into(),
                trigger_index: None,
                target: HpaTarget::AverageValue(4.0)
            },
        ]
    );
    assert_eq!(h.behavior.unwrap()["scaleDown"]["selectPolicy"], "Disabled");
}

#[test]
fn activity_from_readings() {
    let o = so(
        "  triggers:\n  - type: prometheus\n    name: a\n    metadata: {serverAddress: \"http://p\", query: up, threshold: \"10\", activationThreshold: \"5\"}\n  - type: rabbitmq\n    name: b\n    metadata: {queueName: q}\n",
    );
    let parsed: Vec<_> = o.spec.triggers.iter().map(|t| parse_trigger(t).unwrap()).collect();
    let r = evaluate_activity(&o, &parsed, &[TriggerReading::Value(5.0), TriggerReading::Value(0.0)], None).unwrap();
    assert!(!r.is_active); // 5 is not > 5
    let r =
        evaluate_activity(&o, &parsed, &[TriggerReading::Value(6.0), TriggerReading::Error("x".into())], None).unwrap();
    assert_eq!((r.is_active, r.is_error, r.active_triggers.clone()), (true, true, vec![0]));
    match &parsed[1].config {
        ScalerConfig::RabbitMq(m) => assert_eq!(m.value, 20.0), // QueueLength default 20
        other => panic!("{other:?}"),
    }
}

#[test]
fn kafka_invalid_offset_policies() {
    use scalers::{OffsetResetPolicy, partition_lag};
    let t = Trigger {
        kind: "kafka".into(),
        name: None,
        metric_type: None,
        use_cached_metrics: false,
        metadata: [("bootstrapServers", "b"), ("consumerGroup", "g"), ("topic", "t")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        authentication_ref: None,
        extra: Default::default(),
    };
    let ScalerConfig::Kafka(mut m) = parse_trigger(&t).unwrap().config else { panic!() };
    let p = PartitionOffsets { topic_index: 0, partition: 0, latest: Some(40), committed: None };
    let mut s = KafkaLagState::default();
    assert_eq!(partition_lag(&m, &p, &mut s), (1, 1));
    m.offset_reset_policy = OffsetResetPolicy::Earliest;
    assert_eq!(partition_lag(&m, &p, &mut s), (40, 40));
    m.scale_to_zero_on_invalid_offset = true;
    assert_eq!(partition_lag(&m, &p, &mut s), (0, 0));
}

#[test]
fn bare_yaml_numbers_in_metadata_are_accepted() {
    let o = so(
        "  triggers:\n  - type: prometheus\n    metadata:\n      serverAddress: http://p\n      query: up\n      threshold: 10\n      ignoreNullValues: false\n",
    );
    assert_eq!(o.spec.triggers[0].metadata["threshold"], "10");
    assert_eq!(o.spec.triggers[0].metadata["ignoreNullValues"], "false");
    assert!(o.validate().is_ok());
}
