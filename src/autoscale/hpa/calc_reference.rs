//! The name-keyed replica calculator this crate used before `join`: upstream's maps, kept
//! as the reference the index-based calculator must match on every input, duplicate and
//! unlisted pods included.

use super::calc::{CalcError, CalcParams, Proposal, Sample, Tolerances, UtilizationProposal, ceil_i32};
use super::observed::{PodInfo, PodMetricValue, PodPhase, PodResourceMetrics, ResourceName};

fn keep(current: i32) -> Proposal {
    Proposal { replicas: current, within_tolerance: true }
}

fn new(replicas: i32) -> Proposal {
    Proposal { replicas, within_tolerance: false }
}

/// A map from borrowed pod names to `V`, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMap<'a, V> {
    entries: Vec<(&'a str, V)>,
}

/// A set of borrowed pod names.
pub type NameSet<'a> = NameMap<'a, ()>;

impl<V> Default for NameMap<'_, V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<'a, V> NameMap<'a, V> {
    pub fn with_capacity(n: usize) -> Self {
        Self { entries: Vec::with_capacity(n) }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        // Names usually arrive in order: appending is the common case.
        match self.entries.last() {
            Some((last, _)) if *last < name => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|(n, _)| (*n).cmp(name)),
        }
    }

    /// Inserts or overwrites.
    pub fn insert(&mut self, name: &'a str, value: V) {
        match self.find(name) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        !self.entries.is_empty() && self.find(name).is_ok()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &V)> {
        self.entries.iter().map(|(n, v)| (*n, v))
    }
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
            Some(c) => {
                m.containers.iter().find(|u| u.name == c).and_then(|u| u.usage.get(&ResourceName::new(resource)))
            }
            None => {
                if m.containers.is_empty() {
                    None
                } else {
                    m.containers.iter().map(|u| u.usage.get(&ResourceName::new(resource))).sum::<Option<i64>>()
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
                let Some(r) = c.requests.get(&ResourceName::new(resource)) else {
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
            return Ok(keep(current));
        }
        return Ok(new(ceil_i32(usage_ratio * groups.ready_count as f64)));
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
        return Ok(keep(current));
    }
    let new_replicas = ceil_i32(new_ratio * values.len() as f64);
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return Ok(keep(current));
    }
    Ok(new(new_replicas))
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
