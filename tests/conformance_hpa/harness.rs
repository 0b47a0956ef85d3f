//! Rebuilds the two upstream test fixtures as capsim inputs.
//!
//! `replica_calculator_test.go` (`replicaCalcTestCase.prepareTestClientSet`): pods
//! `test-pod-<i>` with two containers each requesting the listed quantity, Ready condition
//! without a transition time, metric samples stamped at time zero with a one-minute window.
//!
//! `horizontal_test.go` (`testCase.prepareTestClient`): two containers each requesting half
//! the listed quantity, Ready transition time equal to start time, CPU samples split in half
//! per container and stamped `now`; custom/object/external metrics all fed from the same
//! `reportedLevels`. Upstream uses 2-minute CPU initialization, 10 s readiness delay,
//! tolerance 0.1, 5-minute downscale window and `scaleUpLimitFactor = 8`.

use capsim::autoscale::hpa::*;

/// Simulated "now" for every case: far enough from 0 that "zero time" start/transition
/// stamps behave like Go's zero `time.Time` (long ago).
pub const NOW: u64 = 1_000_000_000;

/// `hotCPUCreationTime()`: started now.
pub const HOT: u64 = NOW;
/// `coolCPUCreationTime()`: started 3 minutes ago.
pub const COOL: u64 = NOW - 180_000;

pub fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap()
}

pub fn milli(s: &str) -> i64 {
    q(s).milli()
}

/// `makePodMetricLevels`: the same level for both containers of each pod.
pub fn lv(levels: &[i64]) -> Vec<Vec<i64>> {
    levels.iter().map(|&l| vec![l, l]).collect()
}

pub fn upstream_params() -> CalcParams {
    CalcParams {
        tolerances: Tolerances::symmetric(0.1),
        cpu_initialization_period_ms: 120_000,
        initial_readiness_delay_ms: 10_000,
        now_ms: NOW,
    }
}

pub fn upstream_config() -> HpaConfig {
    HpaConfig {
        tolerance: 0.1,
        cpu_initialization_period_ms: 120_000,
        initial_readiness_delay_ms: 10_000,
        downscale_stabilization_ms: 300_000,
        scale_up_limit_factor: 8.0,
        scale_up_limit_minimum: 4,
    }
}

pub fn deployment() -> CrossVersionObjectReference {
    CrossVersionObjectReference {
        kind: "Deployment".into(),
        name: "some-deployment".into(),
        api_version: "apps/v1".into(),
    }
}

// ---------------------------------------------------------------- replica calculator

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RcKind {
    #[default]
    Object,
    ObjectPerPod,
    External,
    ExternalPerPod,
    Pods,
}

#[derive(Debug, Clone, Default)]
pub struct RcResource {
    pub requests: Vec<&'static str>,
    pub levels: Vec<Vec<i64>>,
    pub pod_names: Vec<&'static str>,
    pub target_utilization: i32,
    pub expected_utilization: i32,
    pub expected_value: i64,
}

#[derive(Debug, Clone, Default)]
pub struct RcMetric {
    pub kind: RcKind,
    pub levels: Vec<i64>,
    /// `targetUsage` or `perPodTargetUsage`, milli.
    pub target: i64,
    pub expected_usage: i64,
}

/// One `replicaCalcTestCase`.
#[derive(Debug, Clone, Default)]
pub struct RcCase {
    /// `file::TestName` of the upstream case.
    pub source: &'static str,
    pub current: i32,
    pub expected: i32,
    /// Substring of the expected error message.
    pub expected_err: Option<&'static str>,
    pub resource: Option<RcResource>,
    pub metric: Option<RcMetric>,
    pub container: Option<&'static str>,
    pub readiness: Vec<bool>,
    pub start: Vec<u64>,
    pub phase: Vec<PodPhase>,
    pub deleting: Vec<bool>,
}

impl RcCase {
    fn observed(&self) -> Observed {
        let n = (self.current as usize).max(self.phase.len());
        let mut obs = Observed { spec_replicas: self.current, status_replicas: self.current, ..Default::default() };
        for i in 0..n {
            let request = self.resource.as_ref().and_then(|r| r.requests.get(i)).map(|s| milli(s));
            let containers = ["container1", "container2"]
                .iter()
                .map(|c| match request {
                    Some(r) => ContainerInfo::new(c, &[("cpu", r)]),
                    None => ContainerInfo::new(c, &[]),
                })
                .collect();
            obs.pods.push(PodInfo {
                name: format!("test-pod-{i}"),
                phase: self.phase.get(i).copied().unwrap_or(PodPhase::Running),
                deleting: self.deleting.get(i).copied().unwrap_or(false),
                ready: Some(self.readiness.get(i).copied().unwrap_or(true)),
                ready_transition_ms: 0,
                start_ms: Some(self.start.get(i).copied().unwrap_or(0)),
                containers,
            });
        }
        if let Some(r) = &self.resource {
            for (i, levels) in r.levels.iter().enumerate() {
                let pod = r.pod_names.get(i).map_or_else(|| format!("test-pod-{i}"), |s| s.to_string());
                obs.resource_metrics.push(PodResourceMetrics {
                    pod,
                    timestamp_ms: 0,
                    window_ms: 60_000,
                    containers: levels
                        .iter()
                        .enumerate()
                        .map(|(j, m)| ContainerUsage::new(&format!("container{}", j + 1), &[("cpu", *m)]))
                        .collect(),
                });
            }
        }
        if let Some(m) = &self.metric {
            match m.kind {
                RcKind::Pods => {
                    for (i, l) in m.levels.iter().enumerate() {
                        obs.pod_metrics.push(PodMetricValue {
                            metric: "qps".into(),
                            pod: format!("test-pod-{i}"),
                            value_milli: *l,
                        });
                    }
                }
                RcKind::Object | RcKind::ObjectPerPod => obs.object_metrics.push(ObjectMetricValue {
                    metric: "qps".into(),
                    object: "some-deployment".into(),
                    value_milli: m.levels[0],
                }),
                RcKind::External | RcKind::ExternalPerPod => {
                    for l in &m.levels {
                        obs.external_metrics.push(ExternalMetricValue { metric: "qps".into(), value_milli: *l });
                    }
                }
            }
        }
        obs
    }

    fn metric_spec(&self) -> MetricSpec {
        if let Some(r) = &self.resource {
            return match self.container {
                Some(c) => MetricSpec::container_resource("cpu", c, MetricTarget::utilization(r.target_utilization)),
                None => MetricSpec::resource_utilization("cpu", r.target_utilization),
            };
        }
        let m = self.metric.as_ref().expect("case needs a resource or a metric");
        let t = Quantity::from_milli(m.target);
        match m.kind {
            RcKind::Pods => MetricSpec::pods("qps", t),
            RcKind::Object => MetricSpec::object("qps", deployment(), MetricTarget::value(t)),
            RcKind::ObjectPerPod => MetricSpec::object("qps", deployment(), MetricTarget::average_value(t)),
            RcKind::External => MetricSpec::external("qps", MetricTarget::value(t)),
            RcKind::ExternalPerPod => MetricSpec::external("qps", MetricTarget::average_value(t)),
        }
    }

    pub fn run(&self) {
        let obs = self.observed();
        let spec = self.metric_spec();
        let got = metrics::compute_metric(&spec, self.current, self.current, &obs, &upstream_params());
        if let Some(want) = self.expected_err {
            let err = got.expect_err(self.source);
            assert!(err.message.contains(want), "{}: error {:?} should contain {want:?}", self.source, err.message);
            return;
        }
        let got = got.unwrap_or_else(|e| panic!("{}: unexpected error {e}", self.source));
        assert_eq!(got.replicas, self.expected, "{}: replicas", self.source);
        if let Some(r) = &self.resource {
            assert_eq!(
                got.current,
                MetricValue::Utilization { percent: r.expected_utilization, average_milli: r.expected_value },
                "{}: utilization / raw value",
                self.source
            );
        } else if let Some(m) = &self.metric {
            let usage = match got.current {
                MetricValue::AverageValue { milli } | MetricValue::Value { milli } => milli,
                MetricValue::PerPod { average_milli, .. } => average_milli,
                MetricValue::Utilization { .. } => {
                    panic!("{}: unexpected utilization", self.source)
                }
            };
            assert_eq!(usage, m.expected_usage, "{}: usage", self.source);
        }
    }
}

// ---------------------------------------------------------------- controller (horizontal_test.go)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    AbleToScale,
    ScalingActive,
    ScalingLimited,
}

/// One `testCase` of `horizontal_test.go`, run for a single reconcile.
#[derive(Debug, Clone, Default)]
pub struct HCase {
    pub source: &'static str,
    pub min: i32,
    pub max: i32,
    pub spec_replicas: i32,
    pub status_replicas: i32,
    pub expected: i32,
    /// `CPUTarget`; 0 means no CPU metric is added.
    pub cpu_target: i32,
    pub metrics: Vec<MetricSpec>,
    pub levels: Vec<u64>,
    /// `reportedCPURequests`; `None` creates `statusReplicas` pods requesting 1 CPU.
    pub requests: Option<Vec<&'static str>>,
    pub readiness: Vec<bool>,
    pub start: Vec<u64>,
    pub phase: Vec<PodPhase>,
    pub deleting: Vec<bool>,
    pub scale_up: Option<HpaScalingRules>,
    pub scale_down: Option<HpaScalingRules>,
    /// `None` = upstream `nil` (seeded with current replicas), `Some(vec![])` = `[]`.
    pub recommendations: Option<Vec<Recommendation>>,
    /// Overrides applied to `statusOk` (AbleToScale SucceededRescale, ScalingActive
    /// ValidMetricFound, ScalingLimited DesiredWithinRange).
    pub conditions: Vec<(Cond, &'static str)>,
    /// The upstream case lists its conditions exactly instead of overriding `statusOk`.
    pub exact_conditions: bool,
    /// `verifyCPUCurrent` with this value (computed like upstream when `Some(0)`).
    pub cpu_current: Option<i32>,
}

impl HCase {
    pub fn spec(&self) -> HorizontalPodAutoscalerSpec {
        let mut metrics = Vec::new();
        if self.cpu_target > 0 {
            metrics.push(MetricSpec::resource_utilization("cpu", self.cpu_target));
        }
        metrics.extend(self.metrics.iter().cloned());
        let behavior = (self.scale_up.is_some() || self.scale_down.is_some()).then(|| {
            HorizontalPodAutoscalerBehavior { scale_up: self.scale_up.clone(), scale_down: self.scale_down.clone() }
        });
        HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                kind: "ReplicationController".into(),
                name: "test-rc".into(),
                api_version: "v1".into(),
            },
            min_replicas: Some(self.min),
            max_replicas: self.max,
            metrics,
            behavior,
            extra: Default::default(),
        }
    }

    pub fn observed(&self) -> Observed {
        let n = self.requests.as_ref().map_or(self.status_replicas as usize, |r| r.len());
        let mut obs =
            Observed { spec_replicas: self.spec_replicas, status_replicas: self.status_replicas, ..Default::default() };
        for i in 0..n {
            let req = self.requests.as_ref().map_or(1000, |r| milli(r[i]));
            let start = self.start.get(i).copied().unwrap_or(0);
            obs.pods.push(PodInfo {
                name: format!("test-pod-{i}"),
                phase: self.phase.get(i).copied().unwrap_or(PodPhase::Running),
                deleting: self.deleting.get(i).copied().unwrap_or(false),
                ready: Some(self.readiness.get(i).copied().unwrap_or(true)),
                ready_transition_ms: start,
                start_ms: Some(start),
                containers: vec![
                    ContainerInfo::new("container1", &[("cpu", req / 2)]),
                    ContainerInfo::new("container2", &[("cpu", req / 2)]),
                ],
            });
        }
        for (i, level) in self.levels.iter().enumerate() {
            let half = (*level / 2) as i64;
            obs.resource_metrics.push(PodResourceMetrics {
                pod: format!("test-pod-{i}"),
                timestamp_ms: NOW,
                window_ms: 60_000,
                containers: vec![
                    ContainerUsage::new("container1", &[("cpu", half), ("memory", 512 * 1024 * 1000)]),
                    ContainerUsage::new("container2", &[("cpu", half), ("memory", 512 * 1024 * 1000)]),
                ],
            });
            obs.pod_metrics.push(PodMetricValue {
                metric: "qps".into(),
                pod: format!("test-pod-{i}"),
                value_milli: *level as i64,
            });
            obs.external_metrics.push(ExternalMetricValue { metric: "qps".into(), value_milli: *level as i64 });
        }
        if let Some(first) = self.levels.first() {
            obs.object_metrics.push(ObjectMetricValue {
                metric: "qps".into(),
                object: "some-deployment".into(),
                value_milli: *first as i64,
            });
        }
        obs
    }

    pub fn controller(&self) -> HpaController {
        let mut c = HpaController::new(upstream_config());
        c.state.recommendations = self.recommendations.clone();
        c
    }

    pub fn run(&self) -> Decision {
        let mut c = self.controller();
        let d = c.sync(&self.spec(), &self.observed(), NOW);
        assert_eq!(d.desired_replicas, self.expected, "{}: desired replicas ({d})", self.source);
        assert_eq!(d.rescale, self.expected != self.spec_replicas, "{}: rescale", self.source);
        let mut want: Vec<(Cond, &str)> = if self.exact_conditions {
            Vec::new()
        } else {
            vec![
                (Cond::AbleToScale, "SucceededRescale"),
                (Cond::ScalingActive, "ValidMetricFound"),
                (Cond::ScalingLimited, "DesiredWithinRange"),
            ]
        };
        for (c, r) in &self.conditions {
            match want.iter_mut().find(|(k, _)| k == c) {
                Some(slot) => slot.1 = r,
                None => want.push((*c, r)),
            }
        }
        for (c, r) in want {
            let got = match c {
                Cond::AbleToScale => d.able_to_scale_reason(),
                Cond::ScalingActive => d.scaling_active_reason(),
                Cond::ScalingLimited => d.scaling_limited_reason(),
            };
            assert_eq!(got, r, "{}: condition {c:?} ({d})", self.source);
        }
        if let Some(mut cpu) = self.cpu_current {
            if cpu == 0 {
                let reported: u64 = self.levels.iter().sum();
                let requested: i64 = self.requests.as_ref().unwrap().iter().map(|r| milli(r)).sum();
                cpu = (100 * reported as i64 / requested) as i32;
            }
            match d.metrics.first() {
                Some(Ok(MetricProposal { current: MetricValue::Utilization { percent, .. }, .. })) => {
                    assert_eq!(*percent, cpu, "{}: CPU utilization", self.source)
                }
                other => panic!("{}: no CPU utilization reported: {other:?}", self.source),
            }
        }
        d
    }
}

/// `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow)`.
pub fn gen_rules(pods: i32, pods_period: i32, percent: i32, percent_period: i32, window: i32) -> HpaScalingRules {
    let mut policies = Vec::new();
    if pods != 0 {
        policies.push(HpaScalingPolicy::pods(pods, pods_period));
    }
    if percent != 0 {
        policies.push(HpaScalingPolicy::percent(percent, percent_period));
    }
    HpaScalingRules {
        stabilization_window_seconds: Some(window),
        select_policy: Some(SelectPolicy::Max),
        policies: Some(policies),
        tolerance: None,
    }
}

/// `generateEventsUniformDistribution`: events centred in equal segments of the last
/// `period_seconds`, oldest first (segment offsets truncated to whole seconds like upstream).
pub fn uniform_events(raw: &[i32], period_seconds: i32) -> Vec<ScaleEvent> {
    let seg = f64::from(period_seconds) / raw.len() as f64;
    raw.iter()
        .enumerate()
        .map(|(i, &change)| {
            let secs = (f64::from(period_seconds) - seg * (i as f64 + 1.0) + seg / 2.0) as u64;
            ScaleEvent { replica_change: change, timestamp_ms: NOW - secs * 1000, outdated: false }
        })
        .collect()
}

/// A recommendation `ago_ms` before `NOW`.
pub fn rec(replicas: i32, ago_ms: u64) -> Recommendation {
    Recommendation { replicas, timestamp_ms: NOW - ago_ms }
}

pub const MIN: u64 = 60_000;
