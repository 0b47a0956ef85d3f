//! Cases ported from `pkg/controller/podautoscaler/replica_calculator_test.go`
//! (kubernetes/kubernetes, container-aware `replicaCalcTestCase` version). Each `source`
//! names the upstream test function; inputs and expected outputs are copied as data.

use capsim::autoscale::hpa::PodPhase::{Failed, Pending, Running};

use super::harness::*;

const F: &str = "replica_calculator_test.go::";

fn res(requests: &[&'static str], levels: Vec<Vec<i64>>, target: i32, util: i32, value: i64) -> Option<RcResource> {
    Some(RcResource {
        requests: requests.to_vec(),
        levels,
        pod_names: vec![],
        target_utilization: target,
        expected_utilization: util,
        expected_value: value,
    })
}

fn met(kind: RcKind, levels: &[i64], target: i64, usage: i64) -> Option<RcMetric> {
    Some(RcMetric { kind, levels: levels.to_vec(), target, expected_usage: usage })
}

const R3: [&str; 3] = ["1.0", "1.0", "1.0"];
const R4: [&str; 4] = ["1.0", "1.0", "1.0", "1.0"];
const R5: [&str; 5] = ["1.0", "1.0", "1.0", "1.0", "1.0"];
const R7: [&str; 7] = ["1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"];

pub fn cases() -> Vec<RcCase> {
    let d = RcCase::default;
    vec![
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcDisjointResourcesMetrics",
            current: 1,
            expected_err: Some("no metrics returned matched known pods"),
            resource: Some(RcResource {
                requests: vec!["1.0"],
                levels: lv(&[100]),
                pod_names: vec!["an-older-pod-name"],
                target_utilization: 100,
                ..Default::default()
            }),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUp",
            current: 3,
            expected: 5,
            resource: res(&R3, lv(&[300, 500, 700]), 30, 50, 2 * 500),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcContainerScaleUp",
            current: 3,
            expected: 5,
            resource: res(&R3, vec![vec![1000, 300], vec![1000, 500], vec![1000, 700]], 30, 50, 500),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpUnreadyLessScale",
            current: 3,
            expected: 4,
            readiness: vec![false, true, true],
            resource: res(&R3, lv(&[300, 500, 700]), 30, 60, 2 * 600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpContainerHotCpuLessScale",
            current: 3,
            expected: 4,
            start: vec![HOT, COOL, COOL],
            resource: res(&R3, vec![vec![0, 300], vec![0, 500], vec![0, 700]], 30, 60, 600),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpHotCpuLessScale",
            current: 3,
            expected: 4,
            start: vec![HOT, COOL, COOL],
            resource: res(&R3, lv(&[300, 500, 700]), 30, 60, 2 * 600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpUnreadyNoScale",
            current: 3,
            expected: 3,
            readiness: vec![true, false, false],
            resource: res(&R3, lv(&[400, 500, 700]), 30, 40, 2 * 400),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleHotCpuNoScale",
            current: 3,
            expected: 3,
            readiness: vec![true, false, false],
            start: vec![COOL, HOT, HOT],
            resource: res(&R3, lv(&[400, 500, 700]), 30, 40, 2 * 400),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpIgnoresFailedPods",
            current: 2,
            expected: 4,
            readiness: vec![true, true, false, false],
            phase: vec![Running, Running, Failed, Failed],
            resource: res(&R4, lv(&[500, 700]), 30, 60, 2 * 600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingContainerMetricScaleUpIgnoresFailedPods",
            current: 2,
            expected: 4,
            readiness: vec![true, true, false, false],
            phase: vec![Running, Running, Failed, Failed],
            resource: res(&R4, vec![vec![1000, 500], vec![9000, 700], vec![1000], vec![9000]], 30, 60, 600),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpContainerIgnoresFailedPods",
            current: 2,
            expected: 4,
            readiness: vec![true, true, false, false],
            phase: vec![Running, Running, Failed, Failed],
            resource: res(&R4, vec![vec![1000, 500], vec![9000, 700]], 30, 60, 600),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpIgnoresDeletionPods",
            current: 2,
            expected: 4,
            readiness: vec![true, true, false, false],
            phase: vec![Running; 4],
            deleting: vec![false, false, true, true],
            resource: res(&R4, lv(&[500, 700]), 30, 60, 2 * 600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpContainerIgnoresDeletionPods",
            current: 2,
            expected: 4,
            readiness: vec![true, true, false, false],
            phase: vec![Running; 4],
            deleting: vec![false, false, true, true],
            resource: res(&R4, lv(&[500, 700]), 30, 60, 600),
            container: Some("container1"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCM",
            current: 3,
            expected: 4,
            metric: met(RcKind::Pods, &[20000, 10000, 30000], 15000, 20000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale",
            current: 3,
            expected: 6,
            readiness: vec![true, true, false],
            start: vec![COOL, COOL, HOT],
            metric: met(RcKind::Pods, &[50000, 10000, 30000], 15000, 30000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown",
            current: 3,
            expected: 7,
            readiness: vec![false, true, false],
            start: vec![HOT, COOL, HOT],
            metric: met(RcKind::Pods, &[50000, 15000, 30000], 15000, 31666),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMObject",
            current: 3,
            expected: 4,
            metric: met(RcKind::Object, &[20000], 15000, 20000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMPerPodObject",
            current: 3,
            expected: 4,
            metric: met(RcKind::ObjectPerPod, &[20000], 5000, 6667),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods",
            current: 3,
            expected: 5,
            readiness: vec![false, true, false],
            metric: met(RcKind::Object, &[50000], 10000, 50000),
            ..d()
        },
        // Upstream declares this one with metricType podMetric despite its name.
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMExternal",
            current: 1,
            expected: 2,
            metric: met(RcKind::Pods, &[8600], 4400, 8600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods",
            current: 3,
            expected: 2,
            readiness: vec![false, true, false],
            metric: met(RcKind::External, &[8600], 4400, 8600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpCMExternalNoLabels",
            current: 1,
            expected: 2,
            metric: met(RcKind::Pods, &[8600], 4400, 8600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleUpPerPodCMExternal",
            current: 3,
            expected: 4,
            metric: met(RcKind::ExternalPerPod, &[8600], 2150, 2867),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDown",
            current: 5,
            expected: 3,
            resource: res(&R5, lv(&[100, 300, 500, 250, 250]), 50, 28, 2 * 280),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcContainerScaleDown",
            current: 5,
            expected: 3,
            resource: res(
                &R5,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 250], vec![1000, 250]],
                50,
                28,
                280,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownCM",
            current: 5,
            expected: 3,
            metric: met(RcKind::Pods, &[12000; 5], 20000, 12000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownPerPodCMObject",
            current: 5,
            expected: 3,
            metric: met(RcKind::ObjectPerPod, &[6000], 2000, 1200),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownCMObject",
            current: 5,
            expected: 3,
            metric: met(RcKind::Object, &[12000], 20000, 12000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownCMExternal",
            current: 5,
            expected: 3,
            metric: met(RcKind::External, &[8600], 14334, 8600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownPerPodCMExternal",
            current: 5,
            expected: 3,
            metric: met(RcKind::ExternalPerPod, &[8600], 2867, 1720),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownExcludeUnreadyPods",
            current: 5,
            expected: 2,
            readiness: vec![true, true, true, false, false],
            resource: res(&R5, lv(&[100, 300, 500, 250, 250]), 50, 30, 2 * 300),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownContainerExcludeUnreadyPods",
            current: 5,
            expected: 2,
            readiness: vec![true, true, true, false, false],
            resource: res(
                &R5,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 250], vec![1000, 250]],
                50,
                30,
                300,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownExcludeUnscheduledPods",
            current: 5,
            expected: 1,
            readiness: vec![true, false, false, false, false],
            phase: vec![Running, Pending, Pending, Pending, Pending],
            resource: res(&R5, lv(&[100]), 50, 10, 2 * 100),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownContainerExcludeUnscheduledPods",
            current: 5,
            expected: 1,
            readiness: vec![true, false, false, false, false],
            phase: vec![Running, Pending, Pending, Pending, Pending],
            resource: res(
                &R5,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 250], vec![1000, 250]],
                50,
                10,
                100,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownIgnoreHotCpuPods",
            current: 5,
            expected: 2,
            start: vec![COOL, COOL, COOL, HOT, HOT],
            resource: res(&R5, lv(&[100, 300, 500, 250, 250]), 50, 30, 2 * 300),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownContainerIgnoreHotCpuPods",
            current: 5,
            expected: 2,
            start: vec![COOL, COOL, COOL, HOT, HOT],
            resource: res(
                &R5,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 1000], vec![1000, 1000]],
                50,
                30,
                300,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownIgnoresFailedPods",
            current: 5,
            expected: 3,
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![Running, Running, Running, Running, Running, Failed, Failed],
            resource: res(&R7, lv(&[100, 300, 500, 250, 250]), 50, 28, 2 * 280),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownContainerIgnoresFailedPods",
            current: 5,
            expected: 3,
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![Running, Running, Running, Running, Running, Failed, Failed],
            resource: res(
                &R7,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 250], vec![1000, 250]],
                50,
                28,
                280,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownIgnoresDeletionPods",
            current: 5,
            expected: 3,
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![Running; 7],
            deleting: vec![false, false, false, false, false, true, true],
            resource: res(&R7, lv(&[100, 300, 500, 250, 250]), 50, 28, 2 * 280),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcScaleDownIgnoresDeletionPods_StillRunning",
            current: 5,
            expected: 3,
            readiness: vec![true, true, true, true, true, false, false],
            phase: vec![Running; 7],
            deleting: vec![false, false, false, false, false, true, true],
            resource: res(
                &R7,
                vec![vec![1000, 100], vec![1000, 300], vec![1000, 500], vec![1000, 250], vec![1000, 250]],
                50,
                28,
                280,
            ),
            container: Some("container2"),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcTolerance",
            current: 3,
            expected: 3,
            resource: res(&["0.9", "1.0", "1.1"], lv(&[1010, 1030, 1020]), 100, 102, 2 * 1020),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcToleranceCM",
            current: 3,
            expected: 3,
            metric: met(RcKind::Pods, &[20000, 21000, 21000], 20000, 20666),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcToleranceCMObject",
            current: 3,
            expected: 3,
            metric: met(RcKind::Object, &[20666], 20000, 20666),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcTolerancePerPodCMObject",
            current: 4,
            expected: 4,
            metric: met(RcKind::ObjectPerPod, &[20166], 5000, 5042),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcToleranceCMExternal",
            current: 3,
            expected: 3,
            metric: met(RcKind::External, &[8600], 8888, 8600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcTolerancePerPodCMExternal",
            current: 3,
            expected: 3,
            metric: met(RcKind::ExternalPerPod, &[8600], 2900, 2867),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcSuperfluousMetrics",
            current: 4,
            expected: 24,
            resource: res(&R4, lv(&[4000, 9500, 3000, 7000, 3200, 2000]), 100, 587, 2 * 5875),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetrics",
            current: 4,
            expected: 3,
            resource: res(&R4, lv(&[400, 95]), 100, 24, 495),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcEmptyMetrics",
            current: 4,
            expected_err: Some("no metrics returned from resource metrics API"),
            resource: res(&R3, lv(&[]), 100, 0, 0),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcEmptyCPURequest",
            current: 1,
            expected_err: Some("missing request for"),
            resource: res(&[], lv(&[200]), 100, 0, 0),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestPlainMetricReplicaCalcMissingMetricsNoChangeEq",
            current: 5,
            expected: 5,
            metric: met(RcKind::Pods, &[20000, 19000, 21000], 20000, 20000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsNoChangeEq",
            current: 2,
            expected: 2,
            resource: res(&["1.0", "1.0"], lv(&[1000]), 100, 100, 2 * 1000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsNoChangeGt",
            current: 2,
            expected: 2,
            resource: res(&["1.0", "1.0"], lv(&[1900]), 100, 190, 2 * 1900),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsNoChangeLt",
            current: 2,
            expected: 2,
            resource: res(&["1.0", "1.0"], lv(&[600]), 100, 60, 2 * 600),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsUnreadyChange",
            current: 3,
            expected: 3,
            readiness: vec![false, true, true],
            resource: res(&R3, lv(&[100, 450]), 50, 45, 2 * 450),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsHotCpuNoChange",
            current: 3,
            expected: 3,
            start: vec![HOT, COOL, COOL],
            resource: res(&R3, lv(&[100, 450]), 50, 45, 2 * 450),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsUnreadyScaleUp",
            current: 3,
            expected: 4,
            readiness: vec![false, true, true],
            resource: res(&R3, lv(&[100, 2000]), 50, 200, 2 * 2000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsHotCpuScaleUp",
            current: 3,
            expected: 4,
            readiness: vec![false, true, true],
            start: vec![HOT, COOL, COOL],
            resource: res(&R3, lv(&[100, 2000]), 50, 200, 2 * 2000),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsUnreadyScaleDown",
            current: 4,
            expected: 3,
            readiness: vec![false, true, true, true],
            resource: res(&R4, lv(&[100, 100, 100]), 50, 10, 2 * 100),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcMissingMetricsScaleDownTargetOver100",
            current: 4,
            expected: 2,
            readiness: vec![false, true, true, true],
            resource: res(&["1.0", "1.0", "2.0", "2.0"], lv(&[200, 100, 100]), 300, 6, 2 * 100),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcDuringRollingUpdateWithMaxSurge",
            current: 2,
            expected: 2,
            phase: vec![Running; 3],
            resource: res(&R3, lv(&[100, 100]), 50, 10, 2 * 100),
            ..d()
        },
        RcCase {
            source: "replica_calculator_test.go::TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM",
            current: 2,
            expected: 2,
            phase: vec![Running; 3],
            metric: met(RcKind::Pods, &[10000, 10000], 17000, 10000),
            ..d()
        },
    ]
    .into_iter()
    .inspect(|c| assert!(c.source.starts_with(F)))
    .collect()
}

/// `TestReplicaCalcComputedToleranceAlgImplementation`: 10 pods at 150m each with uneven
/// requests averaging 300m per container; target 56% just breaches tolerance (→ 9), target
/// 55% stays inside it (→ 10). Both targets are the upstream formula's results.
pub fn computed_tolerance_cases() -> Vec<RcCase> {
    let requests = vec!["400m", "200m", "310m", "290m", "302m", "298m", "301m", "299m", "300m", "300m"];
    let mk = |target: i32, expected: i32| RcCase {
        source: "replica_calculator_test.go::TestReplicaCalcComputedToleranceAlgImplementation",
        current: 10,
        expected,
        resource: Some(RcResource {
            requests: requests.clone(),
            levels: lv(&[150; 10]),
            pod_names: vec![],
            target_utilization: target,
            expected_utilization: 50,
            expected_value: 2 * 150,
        }),
        ..Default::default()
    };
    vec![mk(56, 9), mk(55, 10)]
}
