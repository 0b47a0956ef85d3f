//! Conformance cases ported from upstream KEDA (github.com/kedacore/keda) test tables.
//! Each case names its upstream file and test (and sub-case). Inputs and expected outputs
//! are the upstream ones; the code under test is capsim's own.

use std::collections::BTreeMap;

use capsim::autoscale::keda::fallback::{fallback_condition, has_valid_fallback};
use capsim::autoscale::keda::scalers::{OffsetResetPolicy, PartitionOffsets};
use capsim::autoscale::keda::*;

/// A minimal ScaledObject around the given YAML spec lines (indented by 2).
fn so(meta_annotations: &[(&str, &str)], spec: &str) -> ScaledObject {
    let mut yaml = String::from("metadata:\n  name: name\n  namespace: namespace\n");
    if !meta_annotations.is_empty() {
        yaml.push_str("  annotations:\n");
        for (k, v) in meta_annotations {
            yaml.push_str(&format!("    {k}: \"{v}\"\n"));
        }
    }
    yaml.push_str("spec:\n  scaleTargetRef:\n    name: name\n");
    yaml.push_str(spec);
    ScaledObject::from_yaml(&yaml).unwrap_or_else(|e| panic!("bad test yaml: {e}\n{yaml}"))
}

const T0: u64 = 1_000_000;

/// Executor input for a poll long after creation, with no lastActiveTime.
fn poll(current: u32, is_active: bool) -> ExecutorInput {
    ExecutorInput { current_replicas: current, is_active, is_error: false, last_active: None, created_at: 0, now: T0 }
}

// ======================================================================================
// pkg/scaling/executor/scale_scaledobjects_test.go
// ======================================================================================

#[test]
fn executor_scale_to_min_replicas_when_not_active() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleToMinReplicasWhenNotActive
    let o = so(&[], "  minReplicaCount: 0\n");
    let d = request_scale(&o, &poll(10, false));
    assert_eq!(d.set_replicas, Some(0));
    assert_eq!(d.active, Some(false));
}

#[test]
fn executor_scale_to_min_replicas_from_lower_initial_replica_count() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleToMinReplicasFromLowerInitialReplicaCount
    let o = so(&[], "  minReplicaCount: 5\n");
    let d = request_scale(&o, &poll(1, false));
    assert_eq!(d.set_replicas, Some(5));
    assert_eq!(d.reason, ScaleReason::RaisedToMin);
    assert_eq!(d.active, Some(false));
}

#[test]
fn executor_scale_from_min_replicas_when_active() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleFromMinReplicasWhenActive
    let o = so(&[], "  minReplicaCount: 0\n");
    let d = request_scale(&o, &poll(0, true));
    assert_eq!(d.set_replicas, Some(1));
    assert_eq!(d.active, Some(true));
    assert_eq!(d.last_active, Some(T0));
}

#[test]
fn executor_scale_to_idle_replicas_when_not_active() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleToIdleReplicasWhenNotActive
    let o = so(&[], "  idleReplicaCount: 0\n  minReplicaCount: 5\n");
    let d = request_scale(&o, &poll(10, false));
    assert_eq!(d.set_replicas, Some(0));
    assert_eq!(d.reason, ScaleReason::DeactivatedToIdle);
    assert_eq!(d.active, Some(false));
}

#[test]
fn executor_scale_from_idle_to_min_replicas_when_active() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleFromIdleToMinReplicasWhenActive
    let o = so(&[], "  idleReplicaCount: 0\n  minReplicaCount: 5\n");
    let d = request_scale(&o, &poll(0, true));
    assert_eq!(d.set_replicas, Some(5));
    assert_eq!(d.active, Some(true));
    assert_eq!(d.last_active, Some(T0));
}

#[test]
fn executor_event_with_trigger_info_scales_2_to_5() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestEventWitTriggerInfo
    // ("Scaled ... from 2 to 5": idle mode, below min, active)
    let o = so(&[], "  idleReplicaCount: 0\n  minReplicaCount: 5\n");
    let d = request_scale(&o, &poll(2, true));
    assert_eq!(d.set_replicas, Some(5));
    assert_eq!(d.reason, ScaleReason::ActivatedFromZeroOrIdle);
}

#[test]
fn executor_paused_replicas_skips_normal_scaling() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleToPausedReplicasCount
    // Upstream returns before the trigger logic and leaves the Active condition untouched.
    // capsim also applies the controller's pin to the paused count (2 -> 0).
    let o = so(&[("autoscaling.keda.sh/paused-replicas", "0")], "");
    let d = request_scale(&o, &poll(2, true));
    assert_eq!(d.reason, ScaleReason::PausedReplicas);
    assert_eq!(d.active, None);
    assert_eq!(d.last_active, None);
    assert_eq!(d.set_replicas, Some(0));
}

#[test]
fn executor_no_scale_to_min_when_pause_scale_in() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestNoScaleToMinReplicasWhenNotActiveAndPauseScaleInAnnotationSet
    let o = so(&[("autoscaling.keda.sh/paused-scale-in", "true")], "  minReplicaCount: 0\n");
    let d = request_scale(&o, &poll(10, false));
    assert_eq!(d.set_replicas, None);
    assert_eq!(d.active, Some(false));
}

#[test]
fn executor_no_scale_to_idle_when_pause_scale_in() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestNoScaleToIdleReplicasWhenNotActiveAndPauseScaleInAnnotationSet
    let o = so(&[("autoscaling.keda.sh/paused-scale-in", "true")], "  idleReplicaCount: 0\n  minReplicaCount: 5\n");
    let d = request_scale(&o, &poll(10, false));
    assert_eq!(d.set_replicas, None);
    assert_eq!(d.reason, ScaleReason::ScaleInPaused);
    assert_eq!(d.active, Some(false));
}

#[test]
fn executor_scale_from_min_when_activation_forced() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestScaleFromMinReplicasWhenActivationForced
    let o = so(&[("autoscaling.keda.sh/force-activation", "true")], "  minReplicaCount: 0\n");
    let d = request_scale(&o, &poll(0, false));
    assert_eq!(d.set_replicas, Some(1));
    assert_eq!(d.active, Some(true));
    assert_eq!(d.last_active, Some(T0));
}

#[test]
fn executor_no_scale_from_min_when_pause_scale_out() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestNoScaleFromMinReplicasWhenActiveAndPausedScaleOutAnnotationSet
    let o = so(&[("autoscaling.keda.sh/paused-scale-out", "true")], "  minReplicaCount: 0\n");
    let d = request_scale(&o, &poll(0, true));
    assert_eq!(d.set_replicas, None);
    assert_eq!(d.active, Some(true));
}

#[test]
fn executor_no_scale_from_idle_to_min_when_pause_scale_out() {
    // source: pkg/scaling/executor/scale_scaledobjects_test.go TestNoScaleFromIdleReplicasToMinReplicasWhenActiveAndPausedScaleOutAnnotationSet
    let o = so(
        &[("autoscaling.keda.sh/paused-scale-out", "true")],
        "  idleReplicaCount: 0\n  minReplicaCount: 5\n  maxReplicaCount: 10\n",
    );
    let d = request_scale(&o, &poll(0, true));
    assert_eq!(d.set_replicas, None);
    assert_eq!(d.reason, ScaleReason::ScaleOutPaused);
    assert_eq!(d.active, Some(true));
}

// ======================================================================================
// pkg/fallback/fallback_test.go  (Describe "fallback"; createMetricSpec(n) = AverageValue n)
// ======================================================================================

fn fallback_so(threshold: i32, replicas: i32) -> ScaledObject {
    so(
        &[],
        &format!(
            "  fallback:\n    failureThreshold: {threshold}\n    replicas: {replicas}\n  triggers:\n  - type: cron\n    metadata:\n      timezone: UTC\n      start: \"0 * * * *\"\n      end: \"1 * * * *\"\n      desiredReplicas: \"1\"\n"
        ),
    )
}

fn ctx(avg: f64) -> FallbackContext {
    FallbackContext { target: FallbackTarget::AverageValue(avg), current_replicas: 1, ready_replicas: 1 }
}

#[test]
fn fallback_disabled_returns_metric() {
    // source: pkg/fallback/fallback_test.go It("should return the expected metric when fallback is disabled")
    let o = so(&[], "  triggers:\n  - type: cron\n");
    let mut h = HealthStatus::default();
    assert_eq!(metric_with_fallback(&o, &mut h, Ok(5.0), &ctx(3.0)), MetricOutcome::Value(5.0));
}

#[test]
fn fallback_resets_health_on_success() {
    // source: pkg/fallback/fallback_test.go It("should reset the health status when scaler metrics are available")
    let o = fallback_so(3, 10);
    let mut h = HealthStatus { number_of_failures: 5, failing: true };
    assert_eq!(metric_with_fallback(&o, &mut h, Ok(6.0), &ctx(3.0)), MetricOutcome::Value(6.0));
    assert_eq!(h, HealthStatus { number_of_failures: 0, failing: false });
}

#[test]
fn fallback_disabled_propagates_error() {
    // source: pkg/fallback/fallback_test.go It("should propagate the error when fallback is disabled")
    let o = so(&[], "  triggers:\n  - type: cron\n");
    let mut h = HealthStatus::default();
    assert_eq!(
        metric_with_fallback(&o, &mut h, Err("Some error".into()), &ctx(3.0)),
        MetricOutcome::Error("Some error".into())
    );
}

#[test]
fn fallback_bumps_failures() {
    // source: pkg/fallback/fallback_test.go It("should bump the number of failures when metrics call fails")
    let o = fallback_so(3, 10);
    let mut h = HealthStatus::default();
    assert_eq!(
        metric_with_fallback(&o, &mut h, Err("Some error".into()), &ctx(10.0)),
        MetricOutcome::Error("Some error".into())
    );
    assert_eq!(h, HealthStatus { number_of_failures: 1, failing: true });
}

#[test]
fn fallback_normalised_metric_beyond_threshold() {
    // source: pkg/fallback/fallback_test.go It("should return a normalised metric when number of failures are beyond threshold")
    // failures 3 -> 4 > threshold 3; value = target 10 * replicas 10 = 100
    let o = fallback_so(3, 10);
    let mut h = HealthStatus { number_of_failures: 3, failing: false };
    assert_eq!(
        metric_with_fallback(&o, &mut h, Err("Some error".into()), &ctx(10.0)),
        MetricOutcome::Fallback { milli: 100_000 }
    );
    assert_eq!(h, HealthStatus { number_of_failures: 4, failing: true });
}

#[test]
fn fallback_invalid_parameter_returns_error() {
    // source: pkg/fallback/fallback_test.go It("should return error when fallback is enabled but scaledobject has invalid parameter")
    let o = fallback_so(-3, 10);
    assert!(!has_valid_fallback(&o));
    let mut h = HealthStatus { number_of_failures: 3, failing: false };
    assert_eq!(
        metric_with_fallback(&o, &mut h, Err("Some error".into()), &ctx(10.0)),
        MetricOutcome::Error("Some error".into())
    );
}

#[test]
fn fallback_condition_true_when_a_metric_exceeds_threshold() {
    // source: pkg/fallback/fallback_test.go It("should set the fallback condition when a fallback exists in the scaled object")
    let o = fallback_so(3, 10);
    let another = HealthStatus { number_of_failures: 6, failing: true };
    let mut this = HealthStatus { number_of_failures: 3, failing: false };
    let _ = metric_with_fallback(&o, &mut this, Err("Some error".into()), &ctx(10.0));
    assert!(fallback_condition(&o, [&another, &this]));
}

#[test]
fn fallback_condition_false_when_config_invalid() {
    // source: pkg/fallback/fallback_test.go It("should set the fallback condition to false if the config is invalid")
    let o = fallback_so(-3, 10);
    let another = HealthStatus { number_of_failures: 6, failing: true };
    let this = HealthStatus { number_of_failures: 3, failing: false };
    assert!(!fallback_condition(&o, [&another, &this]));
}

// ======================================================================================
// pkg/scaling/modifiers/formula_test.go
// ======================================================================================

fn env(pairs: &[(&str, Option<f64>)]) -> BTreeMap<String, Option<f64>> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn formula_sum_of_two_triggers() {
    // source: pkg/scaling/modifiers/formula_test.go TestCalculateScalingModifiersFormula
    // trigger1=2 + trigger2=5 = 7, stored as 7000m
    let o = so(&[], "  advanced:\n    scalingModifiers:\n      formula: trigger1 + trigger2\n      target: \"2\"\n");
    let f = Formula::parse("trigger1 + trigger2").unwrap();
    let milli = composite_metric_milli(&o, &f, &env(&[("trigger1", Some(2.0)), ("trigger2", Some(5.0))])).unwrap();
    assert_eq!(milli, 7000);
}

#[test]
fn formula_nil_result_uses_fallback_replicas_times_target() {
    // source: pkg/scaling/modifiers/formula_test.go TestCalculateScalingModifiersFormulaFallbackReplicas
    // "trigger1 ?? trigger2", both nil -> Replicas (7) * target (2) = 14 -> 14000m
    let o = so(
        &[],
        "  advanced:\n    scalingModifiers:\n      formula: trigger1 ?? trigger2\n      target: \"2\"\n  fallback:\n    failureThreshold: 3\n    replicas: 7\n    behavior: scalingModifiers\n",
    );
    let f = Formula::parse("trigger1 ?? trigger2").unwrap();
    let milli = composite_metric_milli(&o, &f, &env(&[("trigger1", None), ("trigger2", None)])).unwrap();
    assert_eq!(milli, 14_000);
}

#[test]
fn formula_trigger_value_nil_only_strictly_above_threshold() {
    // source: pkg/scaling/modifiers/formula_test.go TestScalingModifierTriggerValue
    // (sub-cases: no fallback / no health / below / at threshold / one over / exceed / healthy)
    let with_fb = so(&[], "  fallback:\n    failureThreshold: 3\n    replicas: 5\n    behavior: scalingModifiers\n");
    let no_fb = so(&[], "");
    let failing = |n| HealthStatus { number_of_failures: n, failing: true };
    assert_eq!(scaling_modifier_trigger_value(&no_fb, None, 7.0), Some(7.0));
    assert_eq!(scaling_modifier_trigger_value(&with_fb, None, 7.0), Some(7.0));
    assert_eq!(scaling_modifier_trigger_value(&with_fb, Some(&failing(2)), 7.0), Some(7.0));
    assert_eq!(scaling_modifier_trigger_value(&with_fb, Some(&failing(3)), 7.0), Some(7.0));
    assert_eq!(scaling_modifier_trigger_value(&with_fb, Some(&failing(4)), 7.0), None);
    assert_eq!(scaling_modifier_trigger_value(&with_fb, Some(&failing(5)), 7.0), None);
    let healthy = HealthStatus::default();
    assert_eq!(scaling_modifier_trigger_value(&with_fb, Some(&healthy), 7.0), Some(7.0));
}

#[test]
fn formula_fallback_not_multiplied_by_trigger_count() {
    // source: pkg/scaling/modifiers/formula_test.go TestHandleScalingModifiersFallbackDoesNotMultiplyByTriggerCount
    // max(trigger_1, trigger_2), target 1, fallback.replicas 12 -> one composite value of 12000m, not 24000m
    let o = so(
        &[],
        "  advanced:\n    scalingModifiers:\n      formula: max(trigger_1, trigger_2)\n      metricType: AverageValue\n      target: \"1\"\n  fallback:\n    failureThreshold: 4\n    replicas: 12\n",
    );
    let milli = fallback_metric_milli(&o, &ctx(1.0)).unwrap();
    assert_eq!(milli, 12_000);
}

// ======================================================================================
// pkg/scalers/kafka_scaler_test.go  parseKafkaMetadataTestDataset (via TestGetBrokers)
// ======================================================================================

fn kafka(md: &[(&str, &str)]) -> Result<KafkaMeta, String> {
    let trigger = Trigger {
        kind: "kafka".into(),
        name: None,
        metric_type: None,
        use_cached_metrics: false,
        metadata: md.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        authentication_ref: None,
        extra: Default::default(),
    };
    match parse_trigger(&trigger) {
        Ok(ParsedTrigger { config: ScalerConfig::Kafka(k), .. }) => Ok(k),
        Ok(other) => panic!("not kafka: {other:?}"),
        Err(e) => Err(format!("{}: {}", e.key, e.message)),
    }
}

const B: (&str, &str) = ("bootstrapServers", "foobar:9092");
const G: (&str, &str) = ("consumerGroup", "my-group");
const TOPIC: (&str, &str) = ("topic", "my-topic");

#[test]
fn kafka_metadata_table() {
    // source: pkg/scalers/kafka_scaler_test.go parseKafkaMetadataTestDataset / TestGetBrokers
    // failure, no bootstrapServers
    assert!(kafka(&[]).is_err());
    // failure, no consumer group
    assert!(kafka(&[B]).is_err());
    // success, no topic
    let m = kafka(&[B, G]).unwrap();
    assert_eq!(m.topic, None);
    assert_eq!(m.bootstrap_servers, vec!["foobar:9092".to_string()]);
    assert_eq!(m.offset_reset_policy, OffsetResetPolicy::Latest);
    // success, ignore partitionLimitation if no topic
    assert_eq!(kafka(&[B, G, ("partitionLimitation", "1,2,3,4,5,6")]).unwrap().partition_limitation, None);
    // success, no limitation with whitespaced limitation value
    assert_eq!(kafka(&[B, G, ("partitionLimitation", "           ")]).unwrap().partition_limitation, None);
    // failure, version not supported
    assert!(kafka(&[B, G, TOPIC, ("version", "1.2.3.4")]).is_err());
    // failure, lagThreshold is negative value / is 0
    assert!(kafka(&[B, G, TOPIC, ("lagThreshold", "-1")]).is_err());
    assert!(kafka(&[B, G, TOPIC, ("lagThreshold", "0")]).is_err());
    // success, lagThreshold is 1000000
    assert_eq!(
        kafka(&[B, G, TOPIC, ("lagThreshold", "1000000"), ("activationLagThreshold", "0")]).unwrap().lag_threshold,
        1_000_000
    );
    // failure, activationLagThreshold is not int
    assert!(kafka(&[B, G, TOPIC, ("lagThreshold", "10"), ("activationLagThreshold", "AA")]).is_err());
    // success (defaults: lagThreshold 10, activation 0)
    let m = kafka(&[B, G, TOPIC]).unwrap();
    assert_eq!((m.lag_threshold, m.activation_lag_threshold), (10, 0));
    assert_eq!(m.topic.as_deref(), Some("my-topic"));
    // success, partitionLimitation as list / range / mixed
    assert_eq!(
        kafka(&[B, G, TOPIC, ("partitionLimitation", "1,2,3,4")]).unwrap().partition_limitation,
        Some(vec![1, 2, 3, 4])
    );
    assert_eq!(
        kafka(&[B, G, TOPIC, ("partitionLimitation", "1-4")]).unwrap().partition_limitation,
        Some(vec![1, 2, 3, 4])
    );
    assert_eq!(
        kafka(&[B, G, TOPIC, ("partitionLimitation", "1-4,8,10-12")]).unwrap().partition_limitation,
        Some(vec![1, 2, 3, 4, 8, 10, 11, 12])
    );
    // failure, partitionLimitation wrong data type
    assert!(kafka(&[B, G, TOPIC, ("partitionLimitation", "a,b,c,d")]).is_err());
    // success, more brokers
    assert_eq!(kafka(&[("bootstrapServers", "foo:9092,bar:9092"), G, TOPIC]).unwrap().bootstrap_servers.len(), 2);
    // failure, offsetResetPolicy policy wrong; success earliest
    assert!(kafka(&[B, G, TOPIC, ("offsetResetPolicy", "foo")]).is_err());
    assert_eq!(
        kafka(&[B, G, TOPIC, ("offsetResetPolicy", "earliest")]).unwrap().offset_reset_policy,
        OffsetResetPolicy::Earliest
    );
    // failure, allowIdleConsumers malformed; success true
    assert!(kafka(&[B, G, TOPIC, ("allowIdleConsumers", "notvalid")]).is_err());
    assert!(kafka(&[B, G, TOPIC, ("allowIdleConsumers", "true")]).unwrap().allow_idle_consumers);
    // failure, excludePersistentLag malformed; success true
    assert!(kafka(&[B, G, TOPIC, ("excludePersistentLag", "notvalid")]).is_err());
    assert!(kafka(&[B, G, TOPIC, ("excludePersistentLag", "true")]).unwrap().exclude_persistent_lag);
    // success, version supported
    assert!(kafka(&[B, G, TOPIC, ("allowIdleConsumers", "true"), ("version", "1.0.0")]).is_ok());
    // success / failure limitToPartitionsWithLag
    assert!(kafka(&[B, G, TOPIC, ("limitToPartitionsWithLag", "true")]).unwrap().limit_to_partitions_with_lag);
    assert!(kafka(&[B, G, TOPIC, ("limitToPartitionsWithLag", "notvalid")]).is_err());
    // failure, allowIdleConsumers and limitToPartitionsWithLag cannot be set to true simultaneously
    assert!(kafka(&[B, G, TOPIC, ("allowIdleConsumers", "true"), ("limitToPartitionsWithLag", "true")]).is_err());
    // success, allowIdleConsumers can be set when limitToPartitionsWithLag is false
    assert!(kafka(&[B, G, TOPIC, ("allowIdleConsumers", "true"), ("limitToPartitionsWithLag", "false")]).is_ok());
    // failure, topic must be specified when limitToPartitionsWithLag is true
    assert!(kafka(&[B, G, ("limitToPartitionsWithLag", "true")]).is_err());
    // (marked isError upstream) ensureEvenDistributionOfPartitions without topic
    assert!(kafka(&[B, G, ("ensureEvenDistributionOfPartitions", "true")]).is_err());
    // failure, limitToPartitionsWithLag and ensureEvenDistributionOfPartitions together
    assert!(
        kafka(&[B, G, ("ensureEvenDistributionOfPartitions", "true"), ("limitToPartitionsWithLag", "true")]).is_err()
    );
}

#[test]
fn kafka_metric_names() {
    // source: pkg/scalers/kafka_scaler_test.go TestKafkaGetMetricSpecForScaling (kafkaMetricIdentifiers)
    // {dataset[11] (topic), 0, "s0-kafka-my-topic"}, {dataset[11], 1, "s1-kafka-my-topic"},
    // {dataset[2] (no topic), 1, "s1-kafka-my-group-topics"}
    let o = so(
        &[],
        "  triggers:\n  - type: kafka\n    metadata: {bootstrapServers: \"foobar:9092\", consumerGroup: my-group, topic: my-topic}\n  - type: kafka\n    metadata: {bootstrapServers: \"foobar:9092\", consumerGroup: my-group, topic: my-topic}\n",
    );
    let names: Vec<String> = generate_hpa(&o)
        .unwrap()
        .metrics
        .iter()
        .map(|m| match m {
            HpaMetric::External { name, .. } => name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, vec!["s0-kafka-my-topic", "s1-kafka-my-topic"]);
    let o = so(
        &[],
        "  triggers:\n  - type: prometheus\n    metadata: {serverAddress: \"http://p:9090\", query: up, threshold: \"1\"}\n  - type: kafka\n    metadata: {bootstrapServers: \"foobar:9092\", consumerGroup: my-group}\n",
    );
    match &generate_hpa(&o).unwrap().metrics[1] {
        HpaMetric::External { name, .. } => assert_eq!(name, "s1-kafka-my-group-topics"),
        other => panic!("{other:?}"),
    }
}

// ======================================================================================
// Partition cap shared by the Kafka-family scalers. kafka_scaler.go getTotalLag has no unit
// table upstream; the Apache Iggy scaler applies the identical cap in a pure function whose
// table we port: pkg/scalers/apache_iggy_scaler_test.go TestApacheIggyCalculateLag.
// ======================================================================================

#[allow(clippy::too_many_arguments)]
fn lag_case(
    name: &str,
    lags: &[i64],
    with_persistent: Option<&[i64]>,
    threshold: i64,
    activation: i64,
    allow_idle: bool,
    limit: bool,
    even: bool,
    expect: (i64, i64, bool),
) {
    let wp = with_persistent.unwrap_or(lags);
    let r = cap_lag(lags, wp, threshold, allow_idle, limit, even);
    let active = r.total_lag_with_persistent > activation;
    assert_eq!((r.total_lag, r.total_lag_with_persistent, active), expect, "sub-case {name:?}");
}

#[test]
fn kafka_family_lag_cap_table() {
    // source: pkg/scalers/apache_iggy_scaler_test.go TestApacheIggyCalculateLag (apacheIggyLagTestDataset)
    lag_case("no lag, inactive", &[0, 0, 0], None, 10, 0, false, false, false, (0, 0, false));
    lag_case("some lag, active", &[5, 3, 2], None, 10, 0, false, false, false, (10, 10, true));
    lag_case("lag below activation threshold, inactive", &[2, 1, 0], None, 10, 5, false, false, false, (3, 3, false));
    lag_case("lag exceeds partition cap", &[50, 50, 50], None, 10, 0, false, false, false, (30, 150, true));
    lag_case("single partition with lag", &[7], None, 10, 0, false, false, false, (7, 7, true));
    lag_case("zero partitions", &[], None, 10, 0, false, false, false, (0, 0, false));
    lag_case(
        "limitToPartitionsWithLag caps to partitions with lag",
        &[50, 0, 50, 0, 0],
        None,
        10,
        0,
        false,
        true,
        false,
        (20, 100, true),
    );
    lag_case("limitToPartitionsWithLag no lag", &[0, 0, 0], None, 10, 0, false, true, false, (0, 0, false));
    lag_case(
        "excludePersistentLag - persistent partition excluded from scaling but counts for activation",
        &[0, 5, 3],
        Some(&[10, 5, 3]),
        10,
        0,
        false,
        false,
        false,
        (8, 18, true),
    );
    lag_case(
        "excludePersistentLag - all partitions persistent, scale to zero but still active",
        &[0, 0, 0],
        Some(&[10, 20, 30]),
        10,
        0,
        false,
        false,
        false,
        (0, 60, true),
    );
    lag_case(
        "allowIdleConsumers removes partition cap",
        &[50, 50, 50],
        None,
        10,
        0,
        true,
        false,
        false,
        (150, 150, true),
    );
    lag_case(
        "ensureEvenDistribution rounds to factor of partitions",
        &[15; 6],
        None,
        10,
        0,
        false,
        false,
        true,
        (60, 90, true),
    );
    lag_case("ensureEvenDistribution with 12 partitions", &[5; 12], None, 10, 0, false, false, true, (60, 60, true));
}

#[test]
fn kafka_exclude_persistent_lag_across_polls() {
    // source: pkg/scalers/apache_iggy_scaler_test.go TestApacheIggyGetMetricsAndActivity_ExcludePersistentLag
    // (same previous-offset rule as kafka_scaler.go getLagForPartition)
    // partitions: latest 100 / committed 50 and latest 100 / committed 90, lagThreshold 10.
    let meta = kafka(&[B, G, TOPIC, ("excludePersistentLag", "true")]).unwrap();
    let parts = [
        PartitionOffsets { topic_index: 0, partition: 1, latest: Some(100), committed: Some(50) },
        PartitionOffsets { topic_index: 0, partition: 2, latest: Some(100), committed: Some(90) },
    ];
    let mut state = KafkaLagState::default();
    let first = total_lag(&meta, &parts, &mut state);
    assert_eq!(first.total_lag, 20); // 60 capped to 2 partitions * 10
    let second = total_lag(&meta, &parts, &mut state);
    assert_eq!(second.total_lag, 0);
    assert_eq!(second.total_lag_with_persistent, 60);
    assert!(second.total_lag_with_persistent > meta.activation_lag_threshold);
}

// ======================================================================================
// apis/keda/v1alpha1/scaledobject_types_test.go
// ======================================================================================

#[test]
fn check_fallback_valid_table() {
    // source: apis/keda/v1alpha1/scaledobject_types_test.go TestCheckFallbackValid
    let fb = "  fallback:\n    failureThreshold: 3\n    replicas: 1\n";
    let case = |name: &str, spec: String, want_err: Option<&str>| {
        let got = check_fallback_valid(&so(&[], &spec));
        match (want_err, got) {
            (None, Ok(())) => {}
            (Some(frag), Err(e)) => assert!(e.contains(frag), "{name}: {e}"),
            (w, g) => panic!("{name}: want {w:?}, got {g:?}"),
        }
    };
    case("No fallback configured", "  triggers:\n  - type: couchdb\n".into(), None);
    case(
        "Explicit AverageValue metricType - valid",
        format!("{fb}  triggers:\n  - type: couchdb\n    metricType: AverageValue\n"),
        None,
    );
    case(
        "Implicit AverageValue metricType (empty string) - valid",
        format!("{fb}  triggers:\n  - type: couchdb\n"),
        None,
    );
    case(
        "Value metricType - invalid",
        format!("{fb}  triggers:\n  - type: couchdb\n    metricType: Value\n"),
        Some("type for the fallback to be enabled"),
    );
    case(
        "Multiple triggers with one valid AverageValue - valid",
        format!(
            "{fb}  triggers:\n  - type: prometheus\n    metricType: Value\n  - type: couchdb\n    metricType: AverageValue\n"
        ),
        None,
    );
    case(
        "CPU trigger - invalid",
        format!("{fb}  triggers:\n  - type: cpu\n    metricType: AverageValue\n"),
        Some("type for the fallback to be enabled"),
    );
    case(
        "Memory trigger - invalid",
        format!("{fb}  triggers:\n  - type: memory\n    metricType: AverageValue\n"),
        Some("type for the fallback to be enabled"),
    );
    case(
        "Multiple triggers with one CPU and one valid - valid",
        format!(
            "{fb}  triggers:\n  - type: cpu\n    metricType: Utilization\n  - type: couchdb\n    metricType: AverageValue\n"
        ),
        None,
    );
    case(
        "Negative FailureThreshold - invalid",
        "  fallback:\n    failureThreshold: -1\n    replicas: 1\n  triggers:\n  - type: couchdb\n".into(),
        Some("must both be greater than or equal to 0"),
    );
    case(
        "Negative Replicas - invalid",
        "  fallback:\n    failureThreshold: 3\n    replicas: -1\n  triggers:\n  - type: couchdb\n".into(),
        Some("must both be greater than or equal to 0"),
    );
    case(
        "Using ScalingModifiers with AverageValue MetricType - valid",
        format!(
            "{fb}  advanced:\n    scalingModifiers:\n      metricType: AverageValue\n      formula: x * 2\n  triggers:\n  - type: couchdb\n"
        ),
        None,
    );
    case(
        "Using ScalingModifiers with Value MetricType - invalid",
        format!(
            "{fb}  advanced:\n    scalingModifiers:\n      metricType: Value\n      formula: x * 2\n  triggers:\n  - type: couchdb\n"
        ),
        Some("ScaledObject.Spec.Advanced.ScalingModifiers.MetricType must be AverageValue"),
    );
}

#[test]
fn check_replica_count_bounds_table() {
    // source: apis/keda/v1alpha1/scaledobject_types_test.go TestCheckReplicaCountBoundsAreValid
    let case = |spec: &str| check_replica_bounds(&so(&[], spec));
    assert_eq!(case("  minReplicaCount: 1\n  maxReplicaCount: 5\n"), Ok(()));
    assert_eq!(case("  minReplicaCount: 1\n  maxReplicaCount: 5\n  idleReplicaCount: 0\n"), Ok(()));
    assert_eq!(
        case("  minReplicaCount: 2\n  maxReplicaCount: 1\n"),
        Err("MinReplicaCount=2 must be less than MaxReplicaCount=1".into())
    );
    assert_eq!(
        case("  minReplicaCount: 1\n  maxReplicaCount: 5\n  idleReplicaCount: 1\n"),
        Err("IdleReplicaCount=1 must be less than MinReplicaCount=1".into())
    );
    assert_eq!(
        case("  minReplicaCount: 1\n  maxReplicaCount: 5\n  idleReplicaCount: 2\n"),
        Err("IdleReplicaCount=2 must be less than MinReplicaCount=1".into())
    );
}

#[test]
fn generated_hpa_min_max_table() {
    // source: apis/keda/v1alpha1/scaledobject_types_test.go TestGetHPAReplicas
    let case = |spec: &str| {
        let h = generate_hpa(&so(&[], spec)).unwrap();
        (h.min_replicas, h.max_replicas)
    };
    assert_eq!(case(""), (1, 100)); // Default min and max
    assert_eq!(case("  minReplicaCount: 5\n"), (5, 100)); // Custom min, default max
    assert_eq!(case("  maxReplicaCount: 10\n"), (1, 10)); // Default min, custom max
    assert_eq!(case("  minReplicaCount: 5\n  maxReplicaCount: 10\n"), (5, 10)); // Custom min and max
    assert_eq!(case("  minReplicaCount: 0\n"), (1, 100)); // Zero min, default max
}

#[test]
fn paused_annotation_table() {
    // source: apis/keda/v1alpha1/scaledobject_types_test.go TestNeedToBePausedByAnnotation
    // (sub-cases on the `paused` annotation; paused-replicas is covered by the executor case)
    let paused = |ann: &[(&str, &str)]| {
        request_scale(&so(ann, "  minReplicaCount: 0\n"), &poll(3, true)).reason == ScaleReason::Paused
    };
    assert!(!paused(&[])); // No annotations
    assert!(paused(&[("autoscaling.keda.sh/paused", "true")])); // PausedAnnotation with true value
    assert!(!paused(&[("autoscaling.keda.sh/paused", "false")])); // PausedAnnotation with false value
    assert!(paused(&[("autoscaling.keda.sh/paused", "invalid")])); // invalid value defaults to paused
}
