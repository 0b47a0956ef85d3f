//! The replica calculator (`replica_calculator.go`): one metric in, a replica proposal out.
//!
//! Integer milli arithmetic and the float steps (ratio, `ceil`) follow upstream operation by
//! operation, because the conformance vectors sit on rounding boundaries.

use super::names::{NameMap, NameSet};
use super::observed::{ExternalMetricValue, ObjectMetricValue, PodInfo, PodMetricValue, PodPhase, PodResourceMetrics};

/// Usage-ratio band inside which the proposal is "keep current replicas".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    pub scale_down: f64,
    pub scale_up: f64,
}

impl Tolerances {
    pub fn symmetric(t: f64) -> Self {
        Self { scale_down: t, scale_up: t }
    }

    /// Inclusive on both ends: a ratio of exactly 1.1 does not scale with tolerance 0.1.
    pub fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

/// Everything the calculator needs besides the metric: tolerances and pod-readiness timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalcParams {
    pub tolerances: Tolerances,
    pub cpu_initialization_period_ms: u64,
    pub initial_readiness_delay_ms: u64,
    pub now_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalcError {
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    #[error("no metrics returned from {0}")]
    NoMetrics(&'static str),
    #[error("did not receive metrics for targeted pods (pods might be unready)")]
    NoReadyPodMetrics,
    #[error("no metrics returned matched known pods")]
    NoMatchingPods,
    #[error("missing request for {resource} in container {container} of Pod {pod}")]
    MissingRequest { resource: String, container: String, pod: String },
    #[error("container {container} not found in Pod {pod}")]
    ContainerNotFound { container: String, pod: String },
    #[error("unable to get metric {metric}: not found")]
    MetricNotFound { metric: String },
}

/// One pod's sample for the metric being computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub value: i64,
    pub timestamp_ms: u64,
    pub window_ms: u64,
}

/// Samples by pod name, borrowing the names from the observed lists.
pub type SampleMap<'a> = NameMap<'a, Sample>;

/// `groupPods`: how each listed pod takes part in the computation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodGroups<'a> {
    pub ready_count: usize,
    pub unready: NameSet<'a>,
    pub missing: NameSet<'a>,
    pub ignored: NameSet<'a>,
}

/// Only CPU gets the readiness/initialization treatment: CPU spikes at start-up would
/// otherwise trigger a scale-up that the warmed-up pods do not need.
pub fn group_pods<'a>(pods: &'a [PodInfo], metrics: &SampleMap<'_>, resource: &str, p: &CalcParams) -> PodGroups<'a> {
    let mut g = PodGroups::default();
    let now = i128::from(p.now_ms);
    for pod in pods {
        if pod.deleting || pod.phase == PodPhase::Failed {
            g.ignored.insert(&pod.name, ());
            continue;
        }
        if pod.phase == PodPhase::Pending {
            g.unready.insert(&pod.name, ());
            continue;
        }
        let Some(sample) = metrics.get(&pod.name) else {
            g.missing.insert(&pod.name, ());
            continue;
        };
        if resource == "cpu" {
            let unready = match (pod.ready, pod.start_ms) {
                (None, _) | (_, None) => true,
                (Some(ready), Some(start)) => {
                    let start = i128::from(start);
                    let ltt = i128::from(pod.ready_transition_ms);
                    if start + i128::from(p.cpu_initialization_period_ms) > now {
                        !ready || i128::from(sample.timestamp_ms) < ltt + i128::from(sample.window_ms)
                    } else {
                        !ready && start + i128::from(p.initial_readiness_delay_ms) > ltt
                    }
                }
            };
            if unready {
                g.unready.insert(&pod.name, ());
                continue;
            }
        }
        g.ready_count += 1;
    }
    g
}

/// metrics-server samples for `resource`, summed over containers or for one container.
/// A pod lacking the resource (or the named container) has no sample: it is "missing".
pub fn resource_samples<'a>(
    raw: &'a [PodResourceMetrics],
    resource: &str,
    container: Option<&str>,
) -> Result<SampleMap<'a>, CalcError> {
    if raw.is_empty() {
        return Err(CalcError::NoMetrics("resource metrics API"));
    }
    let mut out = SampleMap::with_capacity(raw.len());
    for m in raw {
        let value = match container {
            Some(c) => m.containers.iter().find(|u| u.name == c).and_then(|u| u.usage.get(resource).copied()),
            None => {
                if m.containers.is_empty() {
                    None
                } else {
                    m.containers.iter().map(|u| u.usage.get(resource).copied()).sum::<Option<i64>>()
                }
            }
        };
        if let Some(value) = value {
            out.insert(&m.pod, Sample { value, timestamp_ms: m.timestamp_ms, window_ms: m.window_ms });
        }
    }
    Ok(out)
}

/// Custom-metrics API samples of `metric` for pods.
pub fn pod_metric_samples<'a>(raw: &'a [PodMetricValue], metric: &str) -> Result<SampleMap<'a>, CalcError> {
    let mut out = SampleMap::with_capacity(raw.len());
    for v in raw.iter().filter(|v| v.metric == metric) {
        out.insert(&v.pod, Sample { value: v.value_milli, timestamp_ms: 0, window_ms: 0 });
    }
    if out.is_empty() {
        return Err(CalcError::NoMetrics("custom metrics API"));
    }
    Ok(out)
}

/// Per-pod request of `resource`: all containers plus sidecars, or just `container`.
pub fn pod_requests<'a>(
    pods: &'a [PodInfo],
    resource: &str,
    container: Option<&str>,
) -> Result<NameMap<'a, i64>, CalcError> {
    let mut out = NameMap::with_capacity(pods.len());
    for pod in pods {
        let mut total = 0i64;
        let mut found = false;
        let regular = pod.containers.iter().filter(|c| !c.restartable_init);
        let sidecars = pod.containers.iter().filter(|c| c.restartable_init);
        for c in regular.chain(sidecars) {
            if container.is_none_or(|name| name == c.name) {
                let Some(r) = c.requests.get(resource) else {
                    return Err(CalcError::MissingRequest {
                        resource: resource.to_string(),
                        container: c.name.clone(),
                        pod: pod.name.clone(),
                    });
                };
                total += r;
                if container.is_some() {
                    found = true;
                    break;
                }
            }
        }
        if let (Some(name), false) = (container, found) {
            return Err(CalcError::ContainerNotFound { container: name.to_string(), pod: pod.name.clone() });
        }
        out.insert(&pod.name, total);
    }
    Ok(out)
}

/// `GetResourceUtilizationRatio`: utilization is truncated to an integer percent first.
fn utilization_ratio(
    values: &NameMap<'_, i64>,
    requests: &NameMap<'_, i64>,
    target: i32,
) -> Result<(f64, i32, i64), CalcError> {
    let (mut total, mut req_total, mut n) = (0i64, 0i64, 0i64);
    for (pod, v) in values.iter() {
        if let Some(r) = requests.get(pod) {
            total += v;
            req_total += r;
            n += 1;
        }
    }
    if req_total == 0 {
        return Err(CalcError::NoMatchingPods);
    }
    let util = (total * 100 / req_total) as i32;
    Ok((f64::from(util) / f64::from(target), util, total / n))
}

/// `GetMetricUsageRatio`: integer average first, then the float ratio.
fn usage_ratio(values: &NameMap<'_, i64>, target: i64) -> (f64, i64) {
    let total: i64 = values.iter().map(|(_, v)| v).sum();
    let usage = total / values.len() as i64;
    (usage as f64 / target as f64, usage)
}

pub(crate) fn ceil_i32(x: f64) -> i32 {
    let c = x.ceil();
    if c >= f64::from(i32::MAX) {
        i32::MAX
    } else if c <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        c as i32
    }
}

/// A proposal plus whether it came from the tolerance band (for the decision's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    pub replicas: i32,
    pub within_tolerance: bool,
}

impl Proposal {
    fn keep(current: i32) -> Self {
        Self { replicas: current, within_tolerance: true }
    }
    fn new(replicas: i32) -> Self {
        Self { replicas, within_tolerance: false }
    }
}

/// Shared tail of the resource and plain-metric calculations: the fast path, then the
/// conservative re-computation with missing and unready pods filled in.
fn replicas_with_fill<'a>(
    current: i32,
    groups: &PodGroups<'a>,
    mut values: NameMap<'a, i64>,
    usage_ratio: f64,
    tol: &Tolerances,
    missing_on_down: impl Fn(&str) -> i64,
    recompute: impl Fn(&NameMap<'a, i64>) -> Result<f64, CalcError>,
) -> Result<Proposal, CalcError> {
    let scale_up_with_unready = !groups.unready.is_empty() && usage_ratio > 1.0;
    if !scale_up_with_unready && groups.missing.is_empty() {
        if tol.is_within(usage_ratio) {
            return Ok(Proposal::keep(current));
        }
        return Ok(Proposal::new(ceil_i32(usage_ratio * groups.ready_count as f64)));
    }
    if !groups.missing.is_empty() {
        if usage_ratio < 1.0 {
            for (pod, ()) in groups.missing.iter() {
                values.insert(pod, missing_on_down(pod));
            }
        } else if usage_ratio > 1.0 {
            for (pod, ()) in groups.missing.iter() {
                values.insert(pod, 0);
            }
        }
    }
    if scale_up_with_unready {
        for (pod, ()) in groups.unready.iter() {
            values.insert(pod, 0);
        }
    }
    let new_ratio = recompute(&values)?;
    if tol.is_within(new_ratio) || (usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0) {
        return Ok(Proposal::keep(current));
    }
    let new_replicas = ceil_i32(new_ratio * values.len() as f64);
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return Ok(Proposal::keep(current));
    }
    Ok(Proposal::new(new_replicas))
}

fn values_without<'a>(samples: &SampleMap<'a>, groups: &PodGroups<'_>) -> NameMap<'a, i64> {
    // Kept in name order, like the samples they come from.
    let mut out = NameMap::with_capacity(samples.len());
    for (pod, s) in samples.iter() {
        if !groups.ignored.contains_key(pod) && !groups.unready.contains_key(pod) {
            out.insert(pod, s.value);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtilizationProposal {
    pub proposal: Proposal,
    /// Current utilization, integer percent of request.
    pub utilization: i32,
    /// Raw average usage per counted pod, milli.
    pub raw_average: i64,
}

/// `GetResourceReplicas`: Utilization target for Resource/ContainerResource metrics.
pub fn resource_utilization_replicas(
    current: i32,
    target_utilization: i32,
    resource: &str,
    container: Option<&str>,
    pods: &[PodInfo],
    samples: &SampleMap<'_>,
    p: &CalcParams,
) -> Result<UtilizationProposal, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(pods, samples, resource, p);
    let values = values_without(samples, &groups);
    if values.is_empty() {
        return Err(CalcError::NoReadyPodMetrics);
    }
    let requests = pod_requests(pods, resource, container)?;
    let (ratio, utilization, raw_average) = utilization_ratio(&values, &requests, target_utilization)?;
    let fallback = i64::from(target_utilization.max(100));
    let proposal = replicas_with_fill(
        current,
        &groups,
        values,
        ratio,
        &p.tolerances,
        |pod| requests.get(pod).copied().unwrap_or(0) * fallback / 100,
        |v| utilization_ratio(v, &requests, target_utilization).map(|r| r.0),
    )?;
    Ok(UtilizationProposal { proposal, utilization, raw_average })
}

/// `calcPlainMetricReplicas`: AverageValue targets for Resource and Pods metrics.
/// `resource` is the resource name for Resource metrics (CPU readiness rules) or "".
pub fn plain_metric_replicas(
    current: i32,
    target_average: i64,
    resource: &str,
    pods: &[PodInfo],
    samples: &SampleMap<'_>,
    p: &CalcParams,
) -> Result<(Proposal, i64), CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(pods, samples, resource, p);
    let values = values_without(samples, &groups);
    if values.is_empty() {
        return Err(CalcError::NoReadyPodMetrics);
    }
    let (ratio, usage) = usage_ratio(&values, target_average);
    let proposal = replicas_with_fill(
        current,
        &groups,
        values,
        ratio,
        &p.tolerances,
        |_| target_average,
        |v| Ok(usage_ratio(v, target_average).0),
    )?;
    Ok((proposal, usage))
}

/// Pods that are Running and Ready: the multiplier for Object/External `Value` targets.
pub fn ready_pod_count(pods: &[PodInfo]) -> Result<i64, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    Ok(pods.iter().filter(|p| p.phase == PodPhase::Running && p.ready == Some(true)).count() as i64)
}

/// `getUsageRatioReplicaCount`: from zero replicas, tolerance and pod readiness are skipped
/// so an Object/External metric can wake a scaled-to-zero target.
pub fn usage_ratio_replicas(
    current: i32,
    ratio: f64,
    tol: &Tolerances,
    pods: &[PodInfo],
) -> Result<Proposal, CalcError> {
    if current == 0 {
        return Ok(Proposal::new(ceil_i32(ratio)));
    }
    if tol.is_within(ratio) {
        return Ok(Proposal::keep(current));
    }
    let ready = ready_pod_count(pods)?;
    Ok(Proposal::new(ceil_i32(ratio * ready as f64)))
}

/// `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`: divides by the
/// *status* replica count and ignores pod readiness entirely.
pub fn per_pod_replicas(status_replicas: i32, usage: i64, target_average: i64, tol: &Tolerances) -> (Proposal, i64) {
    let ratio = usage as f64 / (target_average as f64 * f64::from(status_replicas));
    let proposal = if tol.is_within(ratio) {
        Proposal::keep(status_replicas)
    } else {
        Proposal::new(ceil_i32(usage as f64 / target_average as f64))
    };
    let average = if status_replicas == 0 { usage } else { (usage as f64 / f64::from(status_replicas)).ceil() as i64 };
    (proposal, average)
}

/// The object metric's value, matched by metric name and (if given) object name.
pub fn object_value(raw: &[ObjectMetricValue], metric: &str, object: &str) -> Result<i64, CalcError> {
    raw.iter()
        .find(|v| v.metric == metric && (v.object.is_empty() || object.is_empty() || v.object == object))
        .map(|v| v.value_milli)
        .ok_or_else(|| CalcError::MetricNotFound { metric: metric.to_string() })
}

/// Sum of all external series with this name, saturating like upstream's overflow guard.
pub fn external_sum(raw: &[ExternalMetricValue], metric: &str) -> Result<i64, CalcError> {
    let mut found = false;
    let mut sum = 0i64;
    for v in raw.iter().filter(|v| v.metric == metric) {
        found = true;
        sum = sum.saturating_add(v.value_milli);
    }
    if !found {
        return Err(CalcError::NoMetrics("external metrics API"));
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_boundary_is_inclusive() {
        let t = Tolerances::symmetric(0.1);
        assert!(t.is_within(1.1));
        assert!(t.is_within(0.9));
        assert!(!t.is_within(1.1000001));
    }

    #[test]
    fn per_direction_tolerance() {
        let t = Tolerances { scale_down: 0.2, scale_up: 0.0 };
        assert!(t.is_within(0.85));
        assert!(!t.is_within(1.01));
    }

    #[test]
    fn per_pod_uses_status_replicas() {
        let (p, avg) = per_pod_replicas(3, 8600, 2150, &Tolerances::symmetric(0.1));
        assert_eq!(p.replicas, 4);
        assert_eq!(avg, 2867);
    }
}
