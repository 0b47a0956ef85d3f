//! Per-metric dispatch (`computeStatusFor*Metric`) and the multi-metric rule
//! (`computeReplicasForMetrics`): the largest valid proposal wins, and a partly broken
//! metric set may scale up but never down.

use std::fmt;
use std::sync::Arc;

use super::calc::{self, CalcError, CalcParams, Proposal};
use super::observed::Observed;
use super::quantity::Quantity;
use super::scratch::CalcScratch;
use super::spec::{MetricSourceType, MetricSpec, MetricTarget, MetricTargetType};

/// The current value of a metric, in the same shape as its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricValue {
    /// Percent of request, plus the raw average usage (milli).
    Utilization {
        percent: i32,
        average_milli: i64,
    },
    AverageValue {
        milli: i64,
    },
    Value {
        milli: i64,
    },
    /// Object/External `AverageValue`: the total and the per-pod average upstream reports
    /// (`ceil(total / status replicas)`).
    PerPod {
        total_milli: i64,
        average_milli: i64,
    },
}

/// One metric's successful result.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricProposal {
    pub replicas: i32,
    /// The proposal is "current replicas" because the ratio fell inside the tolerance band.
    pub within_tolerance: bool,
    pub current: MetricValue,
    /// Upstream-style metric name, e.g. `cpu resource utilization (percentage of request)`.
    /// Shared (`Arc`): a controller renders it once per spec, not at every sync.
    pub description: Arc<str>,
    /// Human rendering of the target, e.g. `30%`, `15`, `100 per pod`.
    pub target: Arc<str>,
    pub source: MetricSourceType,
}

/// One metric's failure, with the `ScalingActive=False` reason upstream would set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricError {
    pub reason: &'static str,
    pub message: String,
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

fn fail(reason: &'static str) -> impl Fn(CalcError) -> MetricError {
    move |e| MetricError { reason, message: e.to_string() }
}

fn invalid_target(reason: &'static str, what: &str) -> MetricError {
    MetricError { reason, message: format!("invalid {what} metric source: no usable target was set") }
}

/// A metric's result before it is labelled: everything but the description and target text.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Evaluated {
    proposal: Proposal,
    current: MetricValue,
    source: MetricSourceType,
}

impl Evaluated {
    fn labelled(self, (description, target): (Arc<str>, Arc<str>)) -> MetricProposal {
        MetricProposal {
            replicas: self.proposal.replicas,
            within_tolerance: self.proposal.within_tolerance,
            current: self.current,
            description,
            target,
            source: self.source,
        }
    }
}

fn evaluated(proposal: Proposal, current: MetricValue, source: MetricSourceType) -> Evaluated {
    Evaluated { proposal, current, source }
}

/// Where a metric's evaluation reads and keeps things: the observed state, the calculator's
/// parameters and its buffers.
struct Ctx<'a> {
    obs: &'a Observed,
    params: &'a CalcParams,
    scratch: &'a mut CalcScratch,
}

#[allow(clippy::too_many_arguments)]
fn resource_generic(
    i: usize,
    resource: &str,
    container: Option<&str>,
    target: &MetricTarget,
    spec_replicas: i32,
    ctx: &mut Ctx<'_>,
    source: MetricSourceType,
) -> Result<Evaluated, MetricError> {
    let reason = match source {
        MetricSourceType::ContainerResource => "FailedGetContainerResourceMetric",
        _ => "FailedGetResourceMetric",
    };
    let params = ctx.params;
    let inputs = ctx.scratch.resource(i, ctx.obs, resource, container).map_err(fail(reason))?;
    if let Some(avg) = target.average_value {
        let (p, usage) =
            calc::plain_metric_replicas(spec_replicas, avg.milli(), resource, &inputs.samples, inputs.groups, params)
                .map_err(fail(reason))?;
        return Ok(evaluated(p, MetricValue::AverageValue { milli: usage }, source));
    }
    let Some(util) = target.average_utilization else {
        return Err(invalid_target(reason, "resource"));
    };
    let r = calc::resource_utilization_replicas(
        spec_replicas,
        util,
        resource,
        &inputs.samples,
        inputs.requests,
        inputs.groups,
        params,
    )
    .map_err(fail(reason))?;
    Ok(evaluated(r.proposal, MetricValue::Utilization { percent: r.utilization, average_milli: r.raw_average }, source))
}

/// The description and target text of a metric, as a decision shows them (only meaningful
/// for a metric that evaluates successfully).
pub fn labels(metric: &MetricSpec) -> (String, String) {
    fn resource(name: &str, container: bool, target: &MetricTarget) -> (String, String) {
        match (target.average_value, target.average_utilization) {
            (Some(avg), _) => (format!("{name} resource"), format!("{avg} per pod")),
            (None, Some(util)) if container => {
                (format!("{name} container resource utilization (percentage of request)"), format!("{util}%"))
            }
            (None, Some(util)) => (format!("{name} resource utilization (percentage of request)"), format!("{util}%")),
            (None, None) => (String::new(), String::new()),
        }
    }
    match metric.type_ {
        MetricSourceType::Resource => metric.resource.as_ref().map(|r| resource(&r.name, false, &r.target)),
        MetricSourceType::ContainerResource => {
            metric.container_resource.as_ref().map(|r| resource(&r.name, true, &r.target))
        }
        MetricSourceType::Pods => metric.pods.as_ref().map(|m| {
            let target = m.target.average_value.map(|avg| format!("{avg} per pod")).unwrap_or_default();
            (format!("pods metric {}", m.metric.name), target)
        }),
        MetricSourceType::Object => metric.object.as_ref().map(|o| {
            let target = match (o.target.type_, o.target.value, o.target.average_value) {
                (MetricTargetType::Value, Some(t), _) => t.to_string(),
                (MetricTargetType::AverageValue, _, Some(avg)) => format!("{avg} per pod"),
                _ => String::new(),
            };
            (format!("{} metric {}", o.described_object.kind, o.metric.name), target)
        }),
        MetricSourceType::External => metric.external.as_ref().map(|e| {
            let target = match (e.target.average_value, e.target.value) {
                (Some(avg), _) => format!("{avg} per pod"),
                (None, Some(t)) => t.to_string(),
                (None, None) => String::new(),
            };
            (format!("External metric {}", e.metric.name), target)
        }),
        MetricSourceType::Unknown => None,
    }
    .unwrap_or_default()
}

/// [`labels`], shared.
pub fn shared_labels(metric: &MetricSpec) -> (Arc<str>, Arc<str>) {
    let (d, t) = labels(metric);
    (d.into(), t.into())
}

/// Computes one metric's replica proposal from the observed state.
pub fn compute_metric(
    metric: &MetricSpec,
    spec_replicas: i32,
    status_replicas: i32,
    obs: &Observed,
    params: &CalcParams,
) -> Result<MetricProposal, MetricError> {
    let mut ctx = Ctx { obs, params, scratch: &mut CalcScratch::default() };
    evaluate(0, metric, spec_replicas, status_replicas, &mut ctx).map(|e| e.labelled(shared_labels(metric)))
}

/// Evaluates metric `i` of a spec.
fn evaluate(
    i: usize,
    metric: &MetricSpec,
    spec_replicas: i32,
    status_replicas: i32,
    ctx: &mut Ctx<'_>,
) -> Result<Evaluated, MetricError> {
    let (obs, params) = (ctx.obs, ctx.params);
    let tol = &params.tolerances;
    match metric.type_ {
        MetricSourceType::Resource => {
            let r = metric.resource.as_ref().ok_or_else(|| invalid_target("FailedGetResourceMetric", "resource"))?;
            resource_generic(i, &r.name, None, &r.target, spec_replicas, ctx, MetricSourceType::Resource)
        }
        MetricSourceType::ContainerResource => {
            let r = metric
                .container_resource
                .as_ref()
                .ok_or_else(|| invalid_target("FailedGetContainerResourceMetric", "container resource"))?;
            resource_generic(
                i,
                &r.name,
                Some(&r.container),
                &r.target,
                spec_replicas,
                ctx,
                MetricSourceType::ContainerResource,
            )
        }
        MetricSourceType::Pods => {
            const R: &str = "FailedGetPodsMetric";
            let m = metric.pods.as_ref().ok_or_else(|| invalid_target(R, "pods"))?;
            let avg = m.target.average_value.ok_or_else(|| invalid_target(R, "pods"))?;
            let (samples, groups) = ctx.scratch.pod_metric(obs, &m.metric.name).map_err(fail(R))?;
            let (p, usage) = calc::plain_metric_replicas(spec_replicas, avg.milli(), "", &samples, groups, params)
                .map_err(fail(R))?;
            Ok(evaluated(p, MetricValue::AverageValue { milli: usage }, MetricSourceType::Pods))
        }
        MetricSourceType::Object => {
            const R: &str = "FailedGetObjectMetric";
            let o = metric.object.as_ref().ok_or_else(|| invalid_target(R, "object"))?;
            let usage =
                calc::object_value(&obs.object_metrics, &o.metric.name, &o.described_object.name).map_err(fail(R))?;
            match (o.target.type_, o.target.value, o.target.average_value) {
                (MetricTargetType::Value, Some(target), _) => {
                    let ratio = usage as f64 / target.milli() as f64;
                    let p = calc::usage_ratio_replicas(spec_replicas, ratio, tol, &obs.pods).map_err(fail(R))?;
                    Ok(evaluated(p, MetricValue::Value { milli: usage }, MetricSourceType::Object))
                }
                (MetricTargetType::AverageValue, _, Some(avg)) => {
                    let (p, per_pod) = calc::per_pod_replicas(status_replicas, usage, avg.milli(), tol);
                    Ok(evaluated(
                        p,
                        MetricValue::PerPod { total_milli: usage, average_milli: per_pod },
                        MetricSourceType::Object,
                    ))
                }
                _ => Err(invalid_target(R, "object")),
            }
        }
        MetricSourceType::External => {
            const R: &str = "FailedGetExternalMetric";
            let e = metric.external.as_ref().ok_or_else(|| invalid_target(R, "external"))?;
            let usage = calc::external_sum(&obs.external_metrics, &e.metric.name).map_err(fail(R))?;
            if let Some(avg) = e.target.average_value {
                let (p, per_pod) = calc::per_pod_replicas(status_replicas, usage, avg.milli(), tol);
                return Ok(evaluated(
                    p,
                    MetricValue::PerPod { total_milli: usage, average_milli: per_pod },
                    MetricSourceType::External,
                ));
            }
            let Some(target) = e.target.value else {
                return Err(invalid_target(R, "external"));
            };
            let ratio = usage as f64 / target.milli() as f64;
            let p = calc::usage_ratio_replicas(spec_replicas, ratio, tol, &obs.pods).map_err(fail(R))?;
            Ok(evaluated(p, MetricValue::Value { milli: usage }, MetricSourceType::External))
        }
        MetricSourceType::Unknown => {
            Err(MetricError { reason: "InvalidMetricSourceType", message: "unknown metric source type".into() })
        }
    }
}

/// All metrics evaluated at one sync.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsOutcome {
    pub per_metric: Vec<Result<MetricProposal, MetricError>>,
    /// The winning proposal; `None` when the metric set forbids any scaling this sync.
    pub replicas: Option<i32>,
    /// Index of the metric that produced `replicas`.
    pub chosen: Option<usize>,
    /// First error seen (reported even when scaling proceeds).
    pub first_error: Option<MetricError>,
}

/// Max over valid proposals. Scaling is refused when every metric failed, or when some
/// failed and the valid ones would scale down: a missing signal must not shrink the target.
pub fn compute_replicas_for_metrics(
    metrics: &[MetricSpec],
    spec_replicas: i32,
    status_replicas: i32,
    obs: &Observed,
    params: &CalcParams,
) -> MetricsOutcome {
    let scratch = &mut CalcScratch::default();
    compute_replicas_for_metrics_labelled(
        Vec::new(),
        metrics,
        spec_replicas,
        status_replicas,
        obs,
        params,
        scratch,
        |_, m| shared_labels(m),
    )
}

/// [`compute_replicas_for_metrics`] with the labels of metric `i` supplied by `label`, so a
/// controller can render them once and share them across syncs, and the calculator's buffers
/// in `scratch`, which the controller keeps too. `per_metric` is the buffer the outcome's
/// `per_metric` is collected in (cleared first), so a controller can reuse one.
#[allow(clippy::too_many_arguments)]
pub fn compute_replicas_for_metrics_labelled(
    mut per_metric: Vec<Result<MetricProposal, MetricError>>,
    metrics: &[MetricSpec],
    spec_replicas: i32,
    status_replicas: i32,
    obs: &Observed,
    params: &CalcParams,
    scratch: &mut CalcScratch,
    mut label: impl FnMut(usize, &MetricSpec) -> (Arc<str>, Arc<str>),
) -> MetricsOutcome {
    let mut replicas = 0;
    let mut chosen = None;
    let mut invalid = 0usize;
    let mut first_error = None;
    per_metric.clear();
    let mut ctx = Ctx { obs, params, scratch };
    for (i, m) in metrics.iter().enumerate() {
        let r = evaluate(i, m, spec_replicas, status_replicas, &mut ctx).map(|e| e.labelled(label(i, m)));
        match &r {
            Ok(p) => {
                if chosen.is_none() || p.replicas > replicas {
                    replicas = p.replicas;
                    chosen = Some(i);
                }
            }
            Err(e) => {
                invalid += 1;
                if first_error.is_none() {
                    first_error = Some(e.clone());
                }
            }
        }
        per_metric.push(r);
    }
    let refuse = invalid >= metrics.len() || (invalid > 0 && replicas < spec_replicas);
    MetricsOutcome {
        per_metric,
        replicas: if refuse { None } else { Some(replicas) },
        chosen: if refuse { None } else { chosen },
        first_error,
    }
}

/// Renders a milli value the way targets are written (`2400`, `500m`).
pub fn fmt_milli(milli: i64) -> String {
    Quantity::from_milli(milli).to_string()
}
