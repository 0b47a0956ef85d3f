//! Controller-level cases ported from `pkg/controller/podautoscaler/horizontal_test.go`
//! (kubernetes/kubernetes): one reconcile with the upstream fixture, asserting the replica
//! count written to the scale subresource and the status condition reasons upstream checks.

use capsim::autoscale::hpa::PodPhase::{Failed, Running};
use capsim::autoscale::hpa::*;

use super::harness::Cond::{AbleToScale, ScalingActive, ScalingLimited};
use super::harness::*;

const R3: Option<[&str; 3]> = Some(["1.0", "1.0", "1.0"]);

fn r(v: &[&'static str]) -> Option<Vec<&'static str>> {
    Some(v.to_vec())
}

fn r3() -> Option<Vec<&'static str>> {
    R3.map(|a| a.to_vec())
}

fn r5() -> Option<Vec<&'static str>> {
    r(&["1.0"; 5])
}

fn pods_qps(avg: &str) -> Vec<MetricSpec> {
    vec![MetricSpec::pods("qps", q(avg))]
}

fn object_value(v: &str) -> Vec<MetricSpec> {
    vec![MetricSpec::object("qps", deployment(), MetricTarget::value(q(v)))]
}

fn object_avg(v: &str) -> Vec<MetricSpec> {
    vec![MetricSpec::object("qps", deployment(), MetricTarget::average_value(q(v)))]
}

fn external_value(m: i64) -> Vec<MetricSpec> {
    vec![MetricSpec::external("qps", MetricTarget::value(Quantity::from_milli(m)))]
}

fn external_avg(m: i64) -> Vec<MetricSpec> {
    vec![MetricSpec::external("qps", MetricTarget::average_value(Quantity::from_milli(m)))]
}

pub fn cases() -> Vec<HCase> {
    let d = HCase::default;
    let base = || HCase { min: 2, max: 6, spec_replicas: 3, status_replicas: 3, ..d() };
    let down = || HCase { min: 2, max: 6, spec_replicas: 5, status_replicas: 5, recommendations: Some(vec![]), ..d() };
    let ready_for_new_scale = vec![(AbleToScale, "ReadyForNewScale")];
    let invalid = |reason: &'static str| vec![(AbleToScale, "SucceededGetScale"), (ScalingActive, reason)];
    vec![
        HCase {
            source: "horizontal_test.go::TestScaleUp",
            expected: 5,
            cpu_target: 30,
            cpu_current: Some(0),
            levels: vec![300, 500, 700],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpContainer",
            expected: 5,
            metrics: vec![MetricSpec::container_resource("cpu", "container1", MetricTarget::utilization(30))],
            levels: vec![300, 500, 700],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpUnreadyLessScale",
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(60),
            levels: vec![300, 500, 700],
            requests: r3(),
            readiness: vec![false, true, true],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpHotCpuLessScale",
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(60),
            levels: vec![300, 500, 700],
            requests: r3(),
            start: vec![HOT, COOL, COOL],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpUnreadyNoScale",
            expected: 3,
            cpu_target: 30,
            cpu_current: Some(40),
            levels: vec![400, 500, 700],
            requests: r3(),
            readiness: vec![true, false, false],
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpHotCpuNoScale",
            expected: 3,
            cpu_target: 30,
            cpu_current: Some(40),
            levels: vec![400, 500, 700],
            requests: r3(),
            readiness: vec![true, false, false],
            start: vec![COOL, HOT, HOT],
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpIgnoresFailedPods",
            spec_replicas: 2,
            status_replicas: 2,
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(60),
            levels: vec![500, 700],
            requests: r(&["1.0"; 4]),
            readiness: vec![true, true, false, false],
            phase: vec![Running, Running, Failed, Failed],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpIgnoresDeletionPods",
            spec_replicas: 2,
            status_replicas: 2,
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(60),
            levels: vec![500, 700],
            requests: r(&["1.0"; 4]),
            readiness: vec![true, true, false, false],
            deleting: vec![false, false, true, true],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpCM",
            expected: 4,
            metrics: pods_qps("15.0"),
            levels: vec![20000, 10000, 30000],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpCMUnreadyAndHotCpuNoLessScale",
            expected: 6,
            metrics: pods_qps("15.0"),
            levels: vec![50000, 10000, 30000],
            readiness: vec![true, true, false],
            start: vec![COOL, COOL, HOT],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpCMUnreadyandCpuHot",
            expected: 6,
            metrics: pods_qps("15.0"),
            levels: vec![50000, 15000, 30000],
            readiness: vec![false, true, false],
            start: vec![HOT, COOL, HOT],
            requests: r3(),
            conditions: vec![(AbleToScale, "SucceededRescale"), (ScalingLimited, "TooManyReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpHotCpuNoScaleWouldScaleDown",
            expected: 6,
            metrics: pods_qps("15.0"),
            levels: vec![50000, 15000, 30000],
            start: vec![HOT, COOL, HOT],
            requests: r3(),
            conditions: vec![(AbleToScale, "SucceededRescale"), (ScalingLimited, "TooManyReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpCMObject",
            expected: 4,
            metrics: object_value("15.0"),
            levels: vec![20000],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpFromZeroCMObject",
            min: 0,
            spec_replicas: 0,
            status_replicas: 0,
            expected: 2,
            metrics: object_value("15.0"),
            levels: vec![20000],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpFromZeroIgnoresToleranceCMObject",
            min: 0,
            spec_replicas: 0,
            status_replicas: 0,
            expected: 1,
            metrics: object_value("1.0"),
            levels: vec![1000],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpPerPodCMObject",
            expected: 4,
            metrics: object_avg("10.0"),
            levels: vec![40000],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpCMExternal",
            expected: 4,
            metrics: external_value(6666),
            levels: vec![8600],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpPerPodCMExternal",
            expected: 4,
            metrics: external_avg(2222),
            levels: vec![8600],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDown",
            expected: 3,
            cpu_target: 50,
            cpu_current: Some(0),
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownContainerResource",
            expected: 3,
            metrics: vec![MetricSpec::container_resource("cpu", "container2", MetricTarget::utilization(50))],
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownWithScalingRules",
            expected: 3,
            scale_up: Some(gen_rules(0, 0, 100, 15, 30)),
            cpu_target: 50,
            cpu_current: Some(0),
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpOneMetricInvalid",
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(0),
            metrics: vec![MetricSpec::unknown()],
            levels: vec![300, 400, 500],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpFromZeroOneMetricInvalid",
            min: 0,
            spec_replicas: 0,
            status_replicas: 0,
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(0),
            metrics: vec![MetricSpec::unknown()],
            levels: vec![300, 400, 500],
            requests: r3(),
            recommendations: Some(vec![]),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleUpBothMetricsEmpty",
            expected: 3,
            metrics: vec![MetricSpec::unknown()],
            levels: vec![],
            requests: r3(),
            conditions: invalid("InvalidMetricSourceType"),
            exact_conditions: true,
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownStabilizeInitialSize",
            expected: 5,
            cpu_target: 50,
            cpu_current: Some(0),
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            recommendations: None,
            conditions: vec![(AbleToScale, "ScaleDownStabilized")],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownCM",
            expected: 3,
            metrics: pods_qps("20.0"),
            levels: vec![12000; 5],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownCMObject",
            expected: 3,
            metrics: object_value("20.0"),
            levels: vec![12000],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownToZeroCMObject",
            min: 0,
            expected: 0,
            metrics: object_value("20.0"),
            levels: vec![0],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownPerPodCMObject",
            expected: 3,
            metrics: object_avg("20.0"),
            levels: vec![60000],
            requests: r5(),
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownCMExternal",
            expected: 3,
            metrics: external_value(14400),
            levels: vec![8600],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownToZeroCMExternal",
            min: 0,
            expected: 0,
            metrics: external_value(14400),
            levels: vec![0],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownPerPodCMExternal",
            expected: 3,
            metrics: external_avg(3000),
            levels: vec![8600],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownIncludeUnreadyPods",
            expected: 2,
            cpu_target: 50,
            cpu_current: Some(30),
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            readiness: vec![true, true, true, false, false],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownIgnoreHotCpuPods",
            expected: 2,
            cpu_target: 50,
            cpu_current: Some(30),
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            start: vec![COOL, COOL, COOL, HOT, HOT],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownIgnoresFailedPods",
            expected: 3,
            cpu_target: 50,
            cpu_current: Some(28),
            levels: vec![100, 300, 500, 250, 250],
            requests: r(&["1.0"; 7]),
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![Running, Running, Running, Running, Running, Failed, Failed],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestScaleDownIgnoresDeletionPods",
            expected: 3,
            cpu_target: 50,
            cpu_current: Some(28),
            levels: vec![100, 300, 500, 250, 250],
            requests: r(&["1.0"; 7]),
            readiness: vec![true, true, true, true, true, false, false],
            deleting: vec![false, false, false, false, false, true, true],
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestTolerance",
            min: 1,
            max: 5,
            expected: 3,
            cpu_target: 100,
            levels: vec![1010, 1030, 1020],
            requests: r(&["0.9", "1.0", "1.1"]),
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestToleranceCM",
            min: 1,
            max: 5,
            expected: 3,
            metrics: pods_qps("20.0"),
            levels: vec![20000, 20001, 21000],
            requests: r(&["0.9", "1.0", "1.1"]),
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestToleranceCMObject",
            min: 1,
            max: 5,
            expected: 3,
            metrics: object_value("20.0"),
            levels: vec![20050],
            requests: r(&["0.9", "1.0", "1.1"]),
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestToleranceCMExternal",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 4,
            metrics: external_value(8666),
            levels: vec![8600],
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestTolerancePerPodCMObject",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 4,
            metrics: object_avg("2200m"),
            levels: vec![8600],
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestTolerancePerPodCMExternal",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 4,
            metrics: external_avg(2200),
            levels: vec![8600],
            conditions: ready_for_new_scale.clone(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestMinReplicas",
            max: 5,
            expected: 2,
            cpu_target: 90,
            levels: vec![10, 95, 10],
            requests: r(&["0.9", "1.0", "1.1"]),
            recommendations: Some(vec![]),
            conditions: vec![(ScalingLimited, "TooFewReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestZeroMinReplicasDesiredZero",
            min: 0,
            max: 5,
            expected: 0,
            cpu_target: 90,
            levels: vec![0, 0, 0],
            requests: r(&["0.9", "1.0", "1.1"]),
            recommendations: Some(vec![]),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestMinReplicasDesiredZero",
            max: 5,
            expected: 2,
            cpu_target: 90,
            levels: vec![0, 0, 0],
            requests: r(&["0.9", "1.0", "1.1"]),
            recommendations: Some(vec![]),
            conditions: vec![(ScalingLimited, "TooFewReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestZeroReplicas",
            min: 3,
            max: 5,
            spec_replicas: 0,
            status_replicas: 0,
            expected: 0,
            cpu_target: 90,
            requests: r(&[]),
            conditions: vec![(AbleToScale, "SucceededGetScale"), (ScalingActive, "ScalingDisabled")],
            exact_conditions: true,
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestTooFewReplicas",
            min: 3,
            max: 5,
            spec_replicas: 2,
            status_replicas: 2,
            expected: 3,
            cpu_target: 90,
            requests: r(&[]),
            conditions: vec![(AbleToScale, "SucceededRescale")],
            exact_conditions: true,
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestTooManyReplicas",
            min: 3,
            max: 5,
            spec_replicas: 10,
            status_replicas: 10,
            expected: 5,
            cpu_target: 90,
            requests: r(&[]),
            conditions: vec![(AbleToScale, "SucceededRescale")],
            exact_conditions: true,
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestMaxReplicas",
            max: 5,
            expected: 5,
            cpu_target: 90,
            levels: vec![8000, 9500, 1000],
            requests: r(&["0.9", "1.0", "1.1"]),
            conditions: vec![(ScalingLimited, "TooManyReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestSuperfluousMetrics",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 6,
            cpu_target: 100,
            levels: vec![4000, 9500, 3000, 7000, 3200, 2000],
            requests: r(&["1.0"; 4]),
            conditions: vec![(ScalingLimited, "TooManyReplicas")],
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestMissingMetrics",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 3,
            cpu_target: 100,
            levels: vec![400, 95],
            requests: r(&["1.0"; 4]),
            recommendations: Some(vec![]),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestEmptyMetrics",
            spec_replicas: 4,
            status_replicas: 4,
            expected: 4,
            cpu_target: 100,
            levels: vec![],
            requests: r(&["1.0"; 4]),
            conditions: invalid("FailedGetResourceMetric"),
            exact_conditions: true,
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestEmptyCPURequest",
            min: 1,
            max: 5,
            spec_replicas: 1,
            status_replicas: 1,
            expected: 1,
            cpu_target: 100,
            levels: vec![200],
            requests: r(&[]),
            conditions: invalid("FailedGetResourceMetric"),
            exact_conditions: true,
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestEventCreated",
            min: 1,
            max: 5,
            spec_replicas: 1,
            status_replicas: 1,
            expected: 2,
            cpu_target: 50,
            levels: vec![200],
            requests: r(&["0.2"]),
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestEventNotCreated",
            min: 1,
            max: 5,
            spec_replicas: 2,
            status_replicas: 2,
            expected: 2,
            cpu_target: 50,
            levels: vec![200, 200],
            requests: r(&["0.4", "0.4"]),
            conditions: ready_for_new_scale.clone(),
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestMissingReports",
            min: 1,
            max: 5,
            spec_replicas: 4,
            status_replicas: 4,
            expected: 2,
            cpu_target: 50,
            levels: vec![200],
            requests: r(&["0.2"]),
            recommendations: Some(vec![]),
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestUpscaleCap",
            min: 1,
            max: 100,
            spec_replicas: 3,
            status_replicas: 3,
            scale_up: Some(gen_rules(0, 0, 700, 60, 0)),
            expected: 24,
            cpu_target: 10,
            levels: vec![100, 200, 300],
            requests: r(&["0.1", "0.1", "0.1"]),
            conditions: vec![(ScalingLimited, "ScaleUpLimit")],
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestUpscaleCapGreaterThanMaxReplicas",
            min: 1,
            max: 20,
            spec_replicas: 3,
            status_replicas: 3,
            scale_up: Some(gen_rules(0, 0, 700, 60, 0)),
            expected: 20,
            cpu_target: 10,
            levels: vec![100, 200, 300],
            requests: r(&["0.1", "0.1", "0.1"]),
            conditions: vec![(ScalingLimited, "TooManyReplicas")],
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestMoreReplicasThanSpecNoScale",
            min: 1,
            max: 8,
            spec_replicas: 4,
            status_replicas: 5,
            expected: 4,
            cpu_target: 50,
            levels: vec![500; 5],
            requests: r(&["1"; 5]),
            conditions: ready_for_new_scale.clone(),
            ..d()
        },
        HCase {
            source: "horizontal_test.go::TestConditionInvalidSourceType",
            expected: 3,
            metrics: vec![MetricSpec::unknown()],
            levels: vec![20000],
            conditions: invalid("InvalidMetricSourceType"),
            exact_conditions: true,
            ..base()
        },
        // TestScaleUpOneMetricEmpty: the external metrics API errors; modeled as no series.
        HCase {
            source: "horizontal_test.go::TestScaleUpOneMetricEmpty",
            expected: 4,
            cpu_target: 30,
            cpu_current: Some(0),
            metrics: vec![MetricSpec::external("not-reported", MetricTarget::value(Quantity::from_milli(100)))],
            levels: vec![300, 400, 500],
            requests: r3(),
            ..base()
        },
        HCase {
            source: "horizontal_test.go::TestNoScaleDownOneMetricInvalid",
            expected: 5,
            cpu_target: 50,
            metrics: vec![MetricSpec::unknown()],
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            conditions: invalid("InvalidMetricSourceType"),
            exact_conditions: true,
            ..down()
        },
        HCase {
            source: "horizontal_test.go::TestNoScaleDownOneMetricEmpty",
            expected: 5,
            cpu_target: 50,
            metrics: vec![MetricSpec::external("not-reported", MetricTarget::value(Quantity::from_milli(1000)))],
            levels: vec![100, 300, 500, 250, 250],
            requests: r5(),
            conditions: invalid("FailedGetExternalMetric"),
            exact_conditions: true,
            ..down()
        },
    ]
}

/// `TestConditionFailedGetMetrics`: each metric source whose API fails sets its own
/// `ScalingActive=False` reason and leaves replicas alone. A failing API is modeled as
/// returning nothing for the metric.
pub fn failed_get_metrics_cases() -> Vec<(&'static str, HCase)> {
    let mk = |cpu_target: i32, metrics: Vec<MetricSpec>, reason: &'static str| HCase {
        source: "horizontal_test.go::TestConditionFailedGetMetrics",
        min: 1,
        max: 100,
        spec_replicas: 3,
        status_replicas: 3,
        expected: 3,
        cpu_target,
        metrics,
        levels: vec![],
        requests: r(&["0.1", "0.1", "0.1"]),
        conditions: vec![(AbleToScale, "SucceededGetScale"), (ScalingActive, reason)],
        exact_conditions: true,
        ..Default::default()
    };
    vec![
        ("FailedGetResourceMetric", mk(10, vec![], "FailedGetResourceMetric")),
        ("FailedGetPodsMetric", mk(0, pods_qps("15.0"), "FailedGetPodsMetric")),
        ("FailedGetObjectMetric", mk(0, object_value("15.0"), "FailedGetObjectMetric")),
        ("FailedGetExternalMetric", mk(0, external_value(300), "FailedGetExternalMetric")),
    ]
}
