//! The replica calculator (`replica_calculator.go`): one metric in, a replica proposal out.
//!
//! Integer milli arithmetic and the float steps (ratio, `ceil`) follow upstream operation by
//! operation, because the conformance vectors sit on rounding boundaries.

use super::join::Join;
use super::observed::{
    ExternalMetricValue, ObjectMetricValue, PodInfo, PodMetricValue, PodPhase, PodResourceMetrics, ResourceName,
};

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

/// The pod list and one metric's samples, matched by name: each slot's sample, if any.
#[derive(Debug, Clone, Copy)]
pub struct PodSamples<'s> {
    pub pods: &'s [PodInfo],
    pub join: &'s Join,
    pub samples: &'s [Option<Sample>],
}

/// Fills `out` with each slot's sample, `sample(i)` being sample entry `i`'s: a later entry
/// of the same name overwrites, as upstream's map insert does.
pub fn slot_samples(join: &Join, out: &mut Vec<Option<Sample>>, mut sample: impl FnMut(usize) -> Option<Sample>) {
    out.clear();
    out.resize(join.slots(), None);
    for (i, &slot) in join.sample_slots().iter().enumerate() {
        if let Some(s) = sample(i) {
            out[slot] = Some(s);
        }
    }
}

/// metrics-server sample of one pod for `resource`, summed over containers or for one
/// container. A pod lacking the resource (or the named container) has no sample: it is "missing".
pub fn resource_sample(m: &PodResourceMetrics, resource: &ResourceName, container: Option<&str>) -> Option<Sample> {
    let value = match container {
        Some(c) => m.containers.iter().find(|u| u.name == c).and_then(|u| u.usage.get(resource)),
        None if m.containers.is_empty() => None,
        None => m.containers.iter().map(|u| u.usage.get(resource)).sum::<Option<i64>>(),
    };
    value.map(|value| Sample { value, timestamp_ms: m.timestamp_ms, window_ms: m.window_ms })
}

/// Custom-metrics API sample of `metric` in entry `v`.
pub fn pod_metric_sample(v: &PodMetricValue, metric: &str) -> Option<Sample> {
    (v.metric == metric).then_some(Sample { value: v.value_milli, timestamp_ms: 0, window_ms: 0 })
}

/// Per-slot request of `resource`: all containers plus sidecars, or just `container`. The
/// last pod of a name wins, as in a map; an error names the first pod lacking the request.
pub fn pod_requests(
    pods: &[PodInfo],
    join: &Join,
    resource: &ResourceName,
    container: Option<&str>,
) -> Result<Vec<Option<i64>>, CalcError> {
    let mut out = vec![None; join.slots()];
    for (pod, &slot) in pods.iter().zip(join.pod_slots()) {
        out[slot] = Some(pod_request(pod, resource, container)?);
    }
    Ok(out)
}

fn pod_request(pod: &PodInfo, resource: &ResourceName, container: Option<&str>) -> Result<i64, CalcError> {
    let mut total = 0i64;
    let regular = pod.containers.iter().filter(|c| !c.restartable_init);
    let sidecars = pod.containers.iter().filter(|c| c.restartable_init);
    for c in regular.chain(sidecars) {
        if container.is_none_or(|name| name == c.name) {
            let Some(r) = c.requests.get(resource) else {
                return Err(CalcError::MissingRequest {
                    resource: resource.as_str().to_string(),
                    container: c.name.clone(),
                    pod: pod.name.clone(),
                });
            };
            total += r;
            if container.is_some() {
                return Ok(total);
            }
        }
    }
    match container {
        Some(name) => Err(CalcError::ContainerNotFound { container: name.to_string(), pod: pod.name.clone() }),
        None => Ok(total),
    }
}

const IGNORED: u8 = 1;
const UNREADY: u8 = 2;
const MISSING: u8 = 4;

/// `groupPods`, by slot: the groups (ignored, unready, missing) each name fell in, plus how
/// many listed pods are ready. Duplicate pods may put one name in several groups, as they
/// would in upstream's name sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodGroups {
    flags: Vec<u8>,
    pub ready_count: usize,
    /// Union of all flags.
    any: u8,
}

impl PodGroups {
    pub fn any_unready(&self) -> bool {
        self.any & UNREADY != 0
    }

    pub fn any_missing(&self) -> bool {
        self.any & MISSING != 0
    }
}

/// Only CPU gets the readiness/initialization treatment: CPU spikes at start-up would
/// otherwise trigger a scale-up that the warmed-up pods do not need.
pub fn group_pods(g: &mut PodGroups, ps: &PodSamples<'_>, resource: &str, p: &CalcParams) {
    g.flags.clear();
    g.flags.resize(ps.join.slots(), 0);
    g.ready_count = 0;
    g.any = 0;
    let is_cpu = resource == "cpu";
    for (pod, &slot) in ps.pods.iter().zip(ps.join.pod_slots()) {
        let flag = if pod.deleting || pod.phase == PodPhase::Failed {
            IGNORED
        } else if pod.phase == PodPhase::Pending {
            UNREADY
        } else {
            match &ps.samples[slot] {
                None => MISSING,
                Some(sample) if is_cpu && cpu_unready(pod, sample, p) => UNREADY,
                Some(_) => 0,
            }
        };
        if flag == 0 {
            g.ready_count += 1;
        } else {
            g.flags[slot] |= flag;
            g.any |= flag;
        }
    }
}

/// A running pod's CPU sample does not count while the pod is initializing, or when it
/// became ready only recently.
fn cpu_unready(pod: &PodInfo, sample: &Sample, p: &CalcParams) -> bool {
    let (Some(ready), Some(start)) = (pod.ready, pod.start_ms) else {
        return true;
    };
    let now = i128::from(p.now_ms);
    let start = i128::from(start);
    let ltt = i128::from(pod.ready_transition_ms);
    if start + i128::from(p.cpu_initialization_period_ms) > now {
        !ready || i128::from(sample.timestamp_ms) < ltt + i128::from(sample.window_ms)
    } else {
        !ready && start + i128::from(p.initial_readiness_delay_ms) > ltt
    }
}

/// The value a missing pod is filled in with by the conservative re-computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MissingFill {
    /// Scale-up: missing pods count as idle.
    Zero,
    /// Scale-down: missing pods count as at the target.
    AtTarget,
}

/// Which values are counted: always the samples of pods neither ignored nor unready (and of
/// pods the lister did not return); in the re-computation also missing and unready pods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Fill {
    missing: Option<MissingFill>,
    unready: bool,
}

/// Sums over the counted values, i.e. upstream's loops over its per-pod `metrics` map.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    total: i64,
    len: i64,
    /// Over the values whose pod has a request.
    matched_total: i64,
    request_total: i64,
    matched: i64,
}

/// The counted values by slot. Upstream inserts missing pods, then unready ones, into the
/// map of samples, so a later insert wins for a name in several groups.
fn sums(
    ps: &PodSamples<'_>,
    g: &PodGroups,
    requests: &[Option<i64>],
    fill: Fill,
    at_target: impl Fn(usize) -> i64,
) -> Sums {
    let mut s = Sums::default();
    for (slot, &flags) in g.flags.iter().enumerate() {
        let value = if fill.unready && flags & UNREADY != 0 {
            0
        } else if let (Some(m), true) = (fill.missing, flags & MISSING != 0) {
            match m {
                MissingFill::Zero => 0,
                MissingFill::AtTarget => at_target(slot),
            }
        } else if let (Some(sample), 0) = (&ps.samples[slot], flags & (IGNORED | UNREADY)) {
            sample.value
        } else {
            continue;
        };
        s.total += value;
        s.len += 1;
        if let Some(Some(r)) = requests.get(slot) {
            s.matched_total += value;
            s.request_total += r;
            s.matched += 1;
        }
    }
    s
}

/// `GetResourceUtilizationRatio`: utilization is truncated to an integer percent first.
fn utilization_ratio(s: &Sums, target: i32) -> Result<(f64, i32, i64), CalcError> {
    if s.request_total == 0 {
        return Err(CalcError::NoMatchingPods);
    }
    let util = (s.matched_total * 100 / s.request_total) as i32;
    Ok((f64::from(util) / f64::from(target), util, s.matched_total / s.matched))
}

/// `GetMetricUsageRatio`: integer average first, then the float ratio.
fn usage_ratio(s: &Sums, target: i64) -> (f64, i64) {
    let usage = s.total / s.len;
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
/// conservative re-computation with missing and unready pods filled in. `recompute` gives
/// the new ratio and the number of values counted.
fn replicas_with_fill(
    current: i32,
    groups: &PodGroups,
    usage_ratio: f64,
    tol: &Tolerances,
    recompute: impl Fn(Fill) -> Result<(f64, i64), CalcError>,
) -> Result<Proposal, CalcError> {
    let scale_up_with_unready = groups.any_unready() && usage_ratio > 1.0;
    if !scale_up_with_unready && !groups.any_missing() {
        if tol.is_within(usage_ratio) {
            return Ok(Proposal::keep(current));
        }
        return Ok(Proposal::new(ceil_i32(usage_ratio * groups.ready_count as f64)));
    }
    let missing = match () {
        _ if !groups.any_missing() => None,
        _ if usage_ratio < 1.0 => Some(MissingFill::AtTarget),
        _ if usage_ratio > 1.0 => Some(MissingFill::Zero),
        _ => None,
    };
    let (new_ratio, len) = recompute(Fill { missing, unready: scale_up_with_unready })?;
    if tol.is_within(new_ratio) || (usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0) {
        return Ok(Proposal::keep(current));
    }
    let new_replicas = ceil_i32(new_ratio * len as f64);
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return Ok(Proposal::keep(current));
    }
    Ok(Proposal::new(new_replicas))
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
/// `requests` are [`pod_requests`] for the same pods and join.
pub fn resource_utilization_replicas(
    current: i32,
    target_utilization: i32,
    resource: &str,
    ps: &PodSamples<'_>,
    requests: &Result<Vec<Option<i64>>, CalcError>,
    groups: &mut PodGroups,
    p: &CalcParams,
) -> Result<UtilizationProposal, CalcError> {
    if ps.pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    group_pods(groups, ps, resource, p);
    let groups = &*groups;
    let reqs = requests.as_deref().unwrap_or(&[]);
    let first = sums(ps, groups, reqs, Fill::default(), |_| 0);
    if first.len == 0 {
        return Err(CalcError::NoReadyPodMetrics);
    }
    let reqs = requests.as_deref().map_err(Clone::clone)?;
    let (ratio, utilization, raw_average) = utilization_ratio(&first, target_utilization)?;
    let fallback = i64::from(target_utilization.max(100));
    let at_target = |slot: usize| reqs[slot].unwrap_or(0) * fallback / 100;
    let proposal = replicas_with_fill(current, groups, ratio, &p.tolerances, |fill| {
        let s = sums(ps, groups, reqs, fill, at_target);
        utilization_ratio(&s, target_utilization).map(|r| (r.0, s.len))
    })?;
    Ok(UtilizationProposal { proposal, utilization, raw_average })
}

/// `calcPlainMetricReplicas`: AverageValue targets for Resource and Pods metrics.
/// `resource` is the resource name for Resource metrics (CPU readiness rules) or "".
pub fn plain_metric_replicas(
    current: i32,
    target_average: i64,
    resource: &str,
    ps: &PodSamples<'_>,
    groups: &mut PodGroups,
    p: &CalcParams,
) -> Result<(Proposal, i64), CalcError> {
    if ps.pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    group_pods(groups, ps, resource, p);
    let groups = &*groups;
    let first = sums(ps, groups, &[], Fill::default(), |_| 0);
    if first.len == 0 {
        return Err(CalcError::NoReadyPodMetrics);
    }
    let (ratio, usage) = usage_ratio(&first, target_average);
    let proposal = replicas_with_fill(current, groups, ratio, &p.tolerances, |fill| {
        let s = sums(ps, groups, &[], fill, |_| target_average);
        Ok((usage_ratio(&s, target_average).0, s.len))
    })?;
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
    use crate::autoscale::hpa::observed::{ContainerInfo, ContainerUsage, Observed};

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

    /// A small deterministic generator (xorshift), so the cases are the same on every run.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.next(xs.len() as u64) as usize]
        }
    }

    const NAMES: [&str; 4] = ["web-0", "web-1", "web-10", "web-2"];

    /// Pods and samples with duplicate names, unlisted pods, missing requests and usage.
    fn random_observed(g: &mut Gen) -> Observed {
        let mut obs = Observed::default();
        for _ in 0..g.next(6) {
            let phases = [PodPhase::Running, PodPhase::Running, PodPhase::Pending, PodPhase::Failed];
            let containers = ["a", "b"]
                .iter()
                .map(|c| {
                    let mut info = ContainerInfo::new(c, &[("cpu", 100 + g.next(900) as i64), ("memory", 1000)]);
                    if g.next(20) == 0 {
                        info.requests.remove(&ResourceName::Cpu);
                    }
                    info.restartable_init = g.next(4) == 0;
                    info
                })
                .collect();
            obs.pods.push(PodInfo {
                name: g.pick(&NAMES).to_string(),
                phase: phases[g.next(4) as usize],
                deleting: g.next(8) == 0,
                ready: [None, Some(false), Some(true), Some(true)][g.next(4) as usize],
                ready_transition_ms: g.next(400_000),
                start_ms: (g.next(8) != 0).then(|| g.next(400_000)),
                containers,
            });
        }
        for _ in 0..g.next(6) {
            let containers = ["a", "b"]
                .iter()
                .map(|c| {
                    let mut u = ContainerUsage::new(c, &[("cpu", g.next(2000) as i64)]);
                    if g.next(10) == 0 {
                        u.usage.clear();
                    }
                    u
                })
                .collect();
            obs.resource_metrics.push(PodResourceMetrics {
                pod: g.pick(&["web-0", "web-1", "web-10", "web-2", "gone"]).to_string(),
                timestamp_ms: g.next(600_000),
                window_ms: [30_000, 60_000][g.next(2) as usize],
                containers,
            });
        }
        for _ in 0..g.next(6) {
            obs.pod_metrics.push(PodMetricValue {
                metric: g.pick(&["qps", "qps", "other"]).to_string(),
                pod: g.pick(&["web-0", "web-1", "web-10", "web-2", "gone"]).to_string(),
                value_milli: g.next(3000) as i64,
            });
        }
        obs
    }

    /// The index-based calculator against the name-keyed reference, with a fresh scratch and
    /// with one reused across cases and versions.
    #[test]
    fn matches_the_name_keyed_reference() {
        use crate::autoscale::hpa::calc_reference as reference;
        use crate::autoscale::hpa::scratch::CalcScratch;
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut reused = CalcScratch::default();
        for case in 0..20_000u64 {
            let mut obs = random_observed(&mut g);
            let p = CalcParams {
                tolerances: Tolerances::symmetric(0.1),
                cpu_initialization_period_ms: 300_000,
                initial_readiness_delay_ms: 30_000,
                now_ms: g.next(700_000),
            };
            let current = g.next(8) as i32;
            let resource = g.pick(&["cpu", "cpu", "memory"]);
            let container = [None, None, Some("a"), Some("c")][g.next(4) as usize];
            let (util, avg) = (10 + g.next(140) as i32, 100 + g.next(2000) as i64);
            let want_util = reference::resource_samples(&obs.resource_metrics, resource, container).and_then(|s| {
                reference::resource_utilization_replicas(current, util, resource, container, &obs.pods, &s, &p)
            });
            let want_plain = reference::resource_samples(&obs.resource_metrics, resource, container)
                .and_then(|s| reference::plain_metric_replicas(current, avg, resource, &obs.pods, &s, &p));
            let want_pods = reference::pod_metric_samples(&obs.pod_metrics, "qps")
                .and_then(|s| reference::plain_metric_replicas(current, avg, "", &obs.pods, &s, &p));
            for version in [None, Some(case), Some(case)] {
                obs.pods_version = version;
                for scratch in [&mut CalcScratch::default(), &mut reused] {
                    let got_util = scratch.resource(1, &obs, resource, container).and_then(|i| {
                        resource_utilization_replicas(current, util, resource, &i.samples, i.requests, i.groups, &p)
                    });
                    assert_eq!(got_util, want_util, "case {case}: utilization");
                    let got_plain = scratch
                        .resource(0, &obs, resource, container)
                        .and_then(|i| plain_metric_replicas(current, avg, resource, &i.samples, i.groups, &p));
                    assert_eq!(got_plain, want_plain, "case {case}: average value");
                    let got_pods = scratch
                        .pod_metric(&obs, "qps")
                        .and_then(|(s, groups)| plain_metric_replicas(current, avg, "", &s, groups, &p));
                    assert_eq!(got_pods, want_pods, "case {case}: pods metric");
                }
            }
        }
    }

    #[test]
    fn per_pod_uses_status_replicas() {
        let (p, avg) = per_pod_replicas(3, 8600, 2150, &Tolerances::symmetric(0.1));
        assert_eq!(p.replicas, 4);
        assert_eq!(avg, 2867);
    }
}
