//! The replica calculator's reusable buffers, owned by a controller across syncs.
//!
//! Pods and resource-metrics entries are joined by name once per `Observed::pods_version`
//! (and the pods' requests summed once per metric), not at every sync; per-sync work is then
//! filling vectors indexed by slot. Without a version everything is rebuilt at each use.

use super::calc::{self, CalcError, PodGroups, PodSamples, Sample};
use super::join::Join;
use super::observed::{Observed, ResourceName};

/// Pod requests of one metric's (resource, container), valid for the current join.
#[derive(Debug, Clone)]
struct Requests {
    resource: String,
    container: Option<String>,
    requests: Result<Vec<Option<i64>>, CalcError>,
}

/// Buffers and per-pod-list results of the replica calculator. Never changes a result: a
/// fresh scratch and a reused one give the same proposals.
#[derive(Debug, Clone, Default)]
pub struct CalcScratch {
    /// Pods and resource-metrics entries, joined for the pod list version `joined`.
    resources: Join,
    joined: Option<u64>,
    /// Per metric index: requests for the resource join.
    requests: Vec<Option<Requests>>,
    /// Pods and custom-metrics entries: not covered by the version, joined at each use.
    pod_metrics: Join,
    samples: Vec<Option<Sample>>,
    groups: PodGroups,
}

/// What the calculator needs for one Resource/ContainerResource metric.
pub struct ResourceInputs<'s> {
    pub samples: PodSamples<'s>,
    pub requests: &'s Result<Vec<Option<i64>>, CalcError>,
    pub groups: &'s mut PodGroups,
}

impl CalcScratch {
    /// Joins pods and resource-metrics entries unless `obs`'s version says they are as joined.
    fn join_resources(&mut self, obs: &Observed) {
        if obs.pods_version.is_some() && obs.pods_version == self.joined {
            return;
        }
        let pods = obs.pods.iter().map(|p| p.name.as_str());
        self.resources.build(pods, obs.resource_metrics.iter().map(|m| m.pod.as_str()));
        self.joined = obs.pods_version;
        self.requests.iter_mut().for_each(|r| *r = None);
    }

    /// Samples, requests and group buffers of metric `i` (of `resource`, or of one container).
    pub fn resource<'s>(
        &'s mut self,
        i: usize,
        obs: &'s Observed,
        resource: &str,
        container: Option<&str>,
    ) -> Result<ResourceInputs<'s>, CalcError> {
        if obs.resource_metrics.is_empty() {
            return Err(CalcError::NoMetrics("resource metrics API"));
        }
        self.join_resources(obs);
        let raw = &obs.resource_metrics;
        let name = ResourceName::new(resource);
        calc::slot_samples(&self.resources, &mut self.samples, |e| calc::resource_sample(&raw[e], &name, container));
        if self.requests.len() <= i {
            self.requests.resize(i + 1, None);
        }
        let cached = &mut self.requests[i];
        if !matches!(cached, Some(r) if r.resource == resource && r.container.as_deref() == container) {
            *cached = Some(Requests {
                resource: resource.to_string(),
                container: container.map(str::to_string),
                requests: calc::pod_requests(&obs.pods, &self.resources, &name, container),
            });
        }
        let requests = &cached.as_ref().expect("just cached").requests;
        let samples = PodSamples { pods: &obs.pods, join: &self.resources, samples: &self.samples };
        Ok(ResourceInputs { samples, requests, groups: &mut self.groups })
    }

    /// Samples and group buffers of the custom (Pods) metric `metric`.
    pub fn pod_metric<'s>(
        &'s mut self,
        obs: &'s Observed,
        metric: &str,
    ) -> Result<(PodSamples<'s>, &'s mut PodGroups), CalcError> {
        let raw = &obs.pod_metrics;
        if !raw.iter().any(|v| v.metric == metric) {
            return Err(CalcError::NoMetrics("custom metrics API"));
        }
        let pods = obs.pods.iter().map(|p| p.name.as_str());
        self.pod_metrics.build(pods, raw.iter().map(|v| v.pod.as_str()));
        calc::slot_samples(&self.pod_metrics, &mut self.samples, |e| calc::pod_metric_sample(&raw[e], metric));
        let samples = PodSamples { pods: &obs.pods, join: &self.pod_metrics, samples: &self.samples };
        Ok((samples, &mut self.groups))
    }
}
