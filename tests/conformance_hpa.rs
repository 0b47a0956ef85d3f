//! HPA conformance: test vectors ported from kubernetes/kubernetes
//! `pkg/controller/podautoscaler/replica_calculator_test.go` and `horizontal_test.go`.
//!
//! Every case carries the upstream file and test name (plus the sub-case name for table
//! tests) in its `source` or assertion message. Inputs and expected outputs are upstream's;
//! the fixtures that build pods and metrics are re-created in `conformance_hpa/harness.rs`.

#[path = "conformance_hpa/harness.rs"]
mod harness;
#[path = "conformance_hpa/horizontal.rs"]
mod horizontal;
#[path = "conformance_hpa/normalization.rs"]
mod normalization;
#[path = "conformance_hpa/replica_calc.rs"]
mod replica_calc;

use capsim::autoscale::hpa::*;

#[test]
fn replica_calculator_cases() {
    let cases = replica_calc::cases();
    assert!(cases.len() >= 55, "{} replica calculator cases", cases.len());
    for c in &cases {
        c.run();
    }
}

#[test]
fn replica_calculator_computed_tolerance() {
    for c in replica_calc::computed_tolerance_cases() {
        c.run();
    }
}

#[test]
fn horizontal_controller_cases() {
    let cases = horizontal::cases();
    assert!(cases.len() >= 60, "{} controller cases", cases.len());
    for c in &cases {
        c.run();
    }
}

#[test]
fn horizontal_condition_failed_get_metrics() {
    for (reason, c) in horizontal::failed_get_metrics_cases() {
        let d = c.run();
        assert_eq!(d.reason, Reason::InvalidMetric, "TestConditionFailedGetMetrics/{reason}");
    }
}

#[test]
fn convert_desired_replicas_with_rules() {
    normalization::run_convert_with_rules();
}

#[test]
fn calculate_scale_up_limit_with_scaling_rules() {
    normalization::run_scale_up_limit_min_policy();
}

#[test]
fn calculate_scale_down_limit_with_behaviors() {
    normalization::run_scale_down_limit_min_policy();
}

#[test]
fn normalize_desired_replicas() {
    normalization::run_normalize_desired_replicas();
}

#[test]
fn scaling_with_rules() {
    let cases = normalization::scaling_with_rules_cases();
    assert_eq!(cases.len(), 42);
    for c in &cases {
        normalization::run_scaling_with_rules(c);
    }
}

#[test]
fn store_scale_events() {
    for c in &normalization::store_scale_events_cases() {
        normalization::run_store_scale_events(c);
    }
}

#[test]
fn normalize_desired_replicas_with_behavior() {
    normalization::run_behavior_stabilization();
}

/// The decision explains itself; checked on horizontal_test.go::TestUpscaleCap.
#[test]
fn upscale_cap_decision_reason_and_display() {
    let c = horizontal::cases().into_iter().find(|c| c.source.ends_with("::TestUpscaleCap")).unwrap();
    let d = c.run();
    assert_eq!(d.proposal, Some(60));
    assert_eq!(d.reason, Reason::Policy { up: true, select: SelectPolicy::Max, policy: Some(PolicyType::Percent) });
    let text = d.to_string();
    assert!(text.contains("cpu resource utilization (percentage of request) 200%/10% → 60"), "{text}");
    assert!(text.contains("limited by ScaleUpLimit (policy 700%/60s, selectPolicy Max: 24)"), "{text}");
}

/// Legacy cap text, on horizontal_test.go::TestScaleUpCMExternal inputs with default factor 2
/// and an AverageValue target so the proposal exceeds max(2×3, 4).
#[test]
fn legacy_scale_up_limit_display() {
    let spec = HorizontalPodAutoscalerSpec {
        min_replicas: Some(1),
        max_replicas: 100,
        metrics: vec![MetricSpec::external("queue", MetricTarget::average_value(Quantity::from_units(100)))],
        ..Default::default()
    };
    let obs = Observed {
        spec_replicas: 12,
        status_replicas: 12,
        external_metrics: vec![ExternalMetricValue { metric: "queue".into(), value_milli: 2_400_000 + 2_400_000 * 9 }],
        ..Default::default()
    };
    let mut c = HpaController::default();
    let d = c.sync(&spec, &obs, 1_000_000);
    assert_eq!(d.desired_replicas, 24);
    assert_eq!(d.reason, Reason::ScaleUpLimit);
    assert_eq!(
        d.to_string(),
        "External metric queue 24000/100 per pod → 240, limited by ScaleUpLimit (max(2×12, 4)=24) → 24"
    );
}
