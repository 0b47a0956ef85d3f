//! HorizontalPodAutoscalers (autoscaling/v2) and KEDA ScaledObjects (keda.sh/v1alpha1) found
//! among the manifests, validated and bound to workloads, with each metric bound to the
//! simulated signal it reads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::deployment::{Manifests, OtherObject};
use super::yaml::{Document, from_document};
use crate::autoscale::hpa::{
    CrossVersionObjectReference, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricSourceType,
    MetricSpec, MetricTarget, Quantity,
};
use crate::autoscale::keda::{self, ScaledObject};
use crate::engine::Millis;
use crate::error::{Error, Result};

/// What a metric or trigger reads from the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// Requests arriving per second at `workload`, averaged over `window_ms`.
    DemandRps { workload: usize, window_ms: Millis },
    /// Requests served per second.
    ServedRps { workload: usize, window_ms: Millis },
    /// Messages waiting plus being processed (a queue's length, RabbitMQ `QueueLength`).
    QueueLength { workload: usize },
    /// Kafka consumer lag: messages not yet committed, spread over `partitions`.
    KafkaLag { workload: usize, partitions: u32 },
    /// CPU or memory through metrics-server (Resource metrics): no binding needed.
    Resource,
}

impl Signal {
    /// The workload whose state the signal reads (none for Resource metrics).
    pub fn workload(&self) -> Option<usize> {
        match *self {
            Signal::DemandRps { workload, .. }
            | Signal::ServedRps { workload, .. }
            | Signal::QueueLength { workload }
            | Signal::KafkaLag { workload, .. } => Some(workload),
            Signal::Resource => None,
        }
    }
}

/// A scenario-side binding for a metric or trigger (`workloads.<w>.signals.<name>`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalSpec {
    pub signal: SignalKind,
    /// Another workload's signal (default: the scaled workload's own).
    #[serde(default)]
    pub workload: Option<String>,
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub partitions: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    DemandRps,
    ServedRps,
    QueueLength,
    KafkaLag,
}

/// A KEDA ScaledObject with what the simulation needs precomputed.
#[derive(Debug, Clone)]
pub struct KedaObject {
    pub object: ScaledObject,
    pub triggers: Vec<keda::ParsedTrigger>,
    pub formula: Option<keda::Formula>,
    /// One signal per trigger (Resource for cpu/memory triggers).
    pub signals: Vec<Signal>,
}

/// A pod autoscaler bound to one workload.
#[derive(Debug, Clone)]
pub struct PodAutoscaler {
    pub name: String,
    pub source: PathBuf,
    /// The HPA that acts: the manifest's, or the one KEDA generates.
    pub hpa: HorizontalPodAutoscalerSpec,
    /// Signals for the HPA's Pods/Object/External metrics, by metric name.
    pub metric_signals: BTreeMap<String, Signal>,
    pub keda: Option<KedaObject>,
}

#[derive(Deserialize)]
struct HpaDoc {
    metadata: Meta,
    spec: HorizontalPodAutoscalerSpec,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

/// Workload names in scenario order, with each one's Deployment name and signal bindings.
pub struct WorkloadRefs<'a> {
    pub names: Vec<&'a str>,
    pub deployments: Vec<&'a str>,
    pub bindings: Vec<&'a BTreeMap<String, SignalSpec>>,
}

impl WorkloadRefs<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }
}

/// Finds HPAs and ScaledObjects in `manifests`, validates them, and binds each to the workload
/// whose Deployment it targets. Returns one optional autoscaler per workload; unmodelled
/// fields are reported in `warnings`.
pub fn load_autoscalers(
    manifests: &Manifests,
    refs: &WorkloadRefs<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Option<PodAutoscaler>>> {
    let mut out: Vec<Option<PodAutoscaler>> = vec![None; refs.names.len()];
    for o in &manifests.others {
        let (name, target, mut scaler) = match o.kind.as_str() {
            "HorizontalPodAutoscaler" => load_hpa(o, warnings)?,
            "ScaledObject" => load_scaled_object(o, warnings)?,
            _ => continue,
        };
        let Some(w) = refs.deployments.iter().position(|d| *d == target) else {
            warnings.push(format!(
                "{} {name:?} ({}) targets Deployment {target:?}, which no workload simulates; ignored",
                o.kind,
                o.source.display()
            ));
            continue;
        };
        if let Some(prev) = &out[w] {
            return Err(Error::new(format!(
                "Deployment {target:?} is scaled by both {:?} and {} {name:?}",
                prev.name, o.kind
            ))
            .in_file(&o.source)
            .fix("keep one HPA or ScaledObject per Deployment (KEDA refuses a second one too)"));
        }
        bind_signals(&mut scaler, o, w, refs)?;
        out[w] = Some(scaler);
    }
    Ok(out)
}

fn doc(o: &OtherObject) -> Document<'_> {
    Document { text: &o.text, line_offset: o.line_offset }
}

fn load_hpa(o: &OtherObject, warnings: &mut Vec<String>) -> Result<(String, String, PodAutoscaler)> {
    let parsed: HpaDoc = from_document(&o.source, &doc(o))?;
    let v = parsed.spec.validate();
    if let Some(e) = v.errors.first() {
        return Err(Error::new(format!("HorizontalPodAutoscaler {:?}: {}", parsed.metadata.name, e.message))
            .in_file(&o.source)
            .at_field(e.path.clone())
            .fix("correct the value; see the autoscaling/v2 API reference"));
    }
    for w in &v.warnings {
        warnings.push(format!("HorizontalPodAutoscaler {:?} ({}): {w}", parsed.metadata.name, o.source.display()));
    }
    let target = parsed.spec.scale_target_ref.name.clone();
    let name = parsed.metadata.name;
    Ok((
        name.clone(),
        target,
        PodAutoscaler { name, source: o.source.clone(), hpa: parsed.spec, metric_signals: BTreeMap::new(), keda: None },
    ))
}

fn load_scaled_object(o: &OtherObject, warnings: &mut Vec<String>) -> Result<(String, String, PodAutoscaler)> {
    let so = ScaledObject::from_yaml(&o.text).map_err(|e| super::yaml::yaml_error(&o.source, &e, o.line_offset))?;
    let name = so.metadata.name.clone();
    let report = so.validate();
    if let Some(e) = report.errors.first() {
        return Err(Error::new(format!("ScaledObject {name:?}: {}", e.message))
            .in_file(&o.source)
            .at_field(e.path.clone())
            .fix("correct the value; see the KEDA ScaledObject reference"));
    }
    for w in &report.warnings {
        warnings.push(format!("ScaledObject {name:?} ({}): {w}", o.source.display()));
    }
    let mut triggers = Vec::new();
    for (i, t) in so.spec.triggers.iter().enumerate() {
        let p = keda::parse_trigger(t).map_err(|e| {
            Error::new(format!("ScaledObject {name:?}: {e}"))
                .in_file(&o.source)
                .at_field(format!("spec.triggers[{i}].metadata"))
                .fix("correct the trigger metadata; see the scaler's KEDA documentation")
        })?;
        // `validate` above already reported this trigger's warnings.
        triggers.push(p);
    }
    let formula = match so.scaling_modifiers() {
        Some(sm) => Some(keda::Formula::parse(&sm.formula).map_err(|e| {
            Error::new(format!("ScaledObject {name:?}: formula: {e}"))
                .in_file(&o.source)
                .at_field("spec.advanced.scalingModifiers.formula")
                .fix("write an expression over the trigger names, e.g. (a + b) / 2")
        })?),
        None => None,
    };
    let generated = keda::generate_hpa(&so)
        .map_err(|e| Error::new(format!("ScaledObject {name:?}: {e}")).in_file(&o.source).fix("correct the trigger"))?;
    let hpa = generated_hpa_spec(&so, &generated).map_err(|e| e.in_file(&o.source))?;
    let target = so.spec.scale_target_ref.name.clone();
    Ok((
        name.clone(),
        target,
        PodAutoscaler {
            name,
            source: o.source.clone(),
            hpa,
            metric_signals: BTreeMap::new(),
            keda: Some(KedaObject { object: so, triggers, formula, signals: Vec::new() }),
        },
    ))
}

fn quantity(v: f64) -> Quantity {
    Quantity::from_milli((v * 1000.0).round() as i64)
}

fn target(t: keda::HpaTarget) -> MetricTarget {
    match t {
        keda::HpaTarget::AverageValue(v) => MetricTarget::average_value(quantity(v)),
        keda::HpaTarget::Value(v) => MetricTarget::value(quantity(v)),
        keda::HpaTarget::Utilization(p) => MetricTarget::utilization(p),
    }
}

/// The autoscaling/v2 spec of KEDA's generated HPA.
fn generated_hpa_spec(so: &ScaledObject, g: &keda::GeneratedHpa) -> Result<HorizontalPodAutoscalerSpec> {
    let metrics = g
        .metrics
        .iter()
        .map(|m| match m {
            keda::HpaMetric::External { name, target: t, .. } => MetricSpec::external(name, target(*t)),
            keda::HpaMetric::Resource { resource, container: Some(c), target: t, .. } => {
                MetricSpec::container_resource(resource, c, target(*t))
            }
            keda::HpaMetric::Resource { resource, target: keda::HpaTarget::Utilization(p), .. } => {
                MetricSpec::resource_utilization(resource, *p)
            }
            keda::HpaMetric::Resource { resource, target: t, .. } => {
                MetricSpec::resource_average_value(resource, target(*t).average_value.unwrap_or_default())
            }
        })
        .collect();
    let behavior = match &g.behavior {
        Some(v) => Some(serde_json::from_value::<HorizontalPodAutoscalerBehavior>(v.clone()).map_err(|e| {
            Error::new(format!("invalid behavior: {e}"))
                .at_field("spec.advanced.horizontalPodAutoscalerConfig.behavior")
                .fix("write the behavior as in an autoscaling/v2 HPA")
        })?),
        None => None,
    };
    Ok(HorizontalPodAutoscalerSpec {
        scale_target_ref: CrossVersionObjectReference {
            kind: "Deployment".into(),
            name: so.spec.scale_target_ref.name.clone(),
            api_version: "apps/v1".into(),
        },
        min_replicas: Some(g.min_replicas),
        max_replicas: g.max_replicas,
        metrics,
        behavior,
        extra: Default::default(),
    })
}

/// `[2m]` in a PromQL query: the range a `rate()` averages over.
pub fn promql_range_window(query: &str) -> Option<Millis> {
    let open = query.find('[')?;
    let close = query[open..].find(']')? + open;
    let inner = query[open + 1..close].split(':').next()?.trim();
    super::units::parse_duration(inner).ok()
}

fn resolve_spec(
    spec: &SignalSpec,
    own: usize,
    refs: &WorkloadRefs<'_>,
    field: &str,
    o: &OtherObject,
) -> Result<Signal> {
    let workload = match &spec.workload {
        Some(name) => refs.index(name).ok_or_else(|| {
            Error::new(format!("no workload named {name:?}"))
                .at_field(format!("{field}.workload"))
                .fix(format!("use one of: {}", refs.names.join(", ")))
        })?,
        None => own,
    };
    let window_ms = match &spec.window {
        Some(w) => super::units::parse_duration(w).map_err(|e| e.at_field(format!("{field}.window")))?,
        None => 60_000,
    };
    let _ = o;
    Ok(match spec.signal {
        SignalKind::DemandRps => Signal::DemandRps { workload, window_ms },
        SignalKind::ServedRps => Signal::ServedRps { workload, window_ms },
        SignalKind::QueueLength => Signal::QueueLength { workload },
        SignalKind::KafkaLag => Signal::KafkaLag { workload, partitions: spec.partitions.unwrap_or(1).max(1) },
    })
}

/// Binds every trigger (KEDA) or non-resource metric (HPA) to a signal: explicit bindings from
/// the scenario first, then the scaler's natural signal.
fn bind_signals(a: &mut PodAutoscaler, o: &OtherObject, own: usize, refs: &WorkloadRefs<'_>) -> Result<()> {
    let bindings = refs.bindings[own];
    let field = |key: &str| format!("workloads.{}.signals.{key}", refs.names[own]);
    if let Some(k) = &mut a.keda {
        for (i, (t, p)) in k.object.spec.triggers.iter().zip(&k.triggers).enumerate() {
            let key = t.name.clone().unwrap_or_else(|| i.to_string());
            let explicit = bindings.get(&key).or_else(|| bindings.get(&i.to_string()));
            let signal = match (explicit, &p.config) {
                (_, keda::ScalerConfig::Resource(_)) => Signal::Resource,
                (Some(spec), _) => resolve_spec(spec, own, refs, &field(&key), o)?,
                (None, keda::ScalerConfig::Prometheus(m)) => {
                    Signal::DemandRps { workload: own, window_ms: promql_range_window(&m.query).unwrap_or(0) }
                }
                (None, keda::ScalerConfig::RabbitMq(m)) => match m.mode {
                    keda::RabbitMode::MessageRate => Signal::DemandRps { workload: own, window_ms: 60_000 },
                    _ => Signal::QueueLength { workload: own },
                },
                (None, keda::ScalerConfig::Kafka(_)) => {
                    return Err(Error::new(format!(
                        "ScaledObject {:?} trigger {i} (kafka) needs the topic's partition count, which caps its replicas",
                        a.name
                    ))
                    .in_file(&o.source)
                    .at_field(format!("spec.triggers[{i}]"))
                    .fix(format!(
                        "bind it in the scenario: workloads.{}.signals.{key}: {{signal: kafka_lag, partitions: 12}}",
                        refs.names[own]
                    )));
                }
                (None, keda::ScalerConfig::Generic(_)) => {
                    return Err(Error::new(format!(
                        "ScaledObject {:?} trigger {i} ({}) has no simulated signal",
                        a.name, t.kind
                    ))
                    .in_file(&o.source)
                    .at_field(format!("spec.triggers[{i}]"))
                    .fix(format!(
                        "bind it in the scenario: workloads.{}.signals.{key}: {{signal: demand_rps|served_rps|queue_length|kafka_lag}}",
                        refs.names[own]
                    )));
                }
            };
            k.signals.push(signal);
        }
    }
    // Pods/Object/External metrics of a plain HPA need a binding by metric name.
    if a.keda.is_none() {
        for (i, m) in a.hpa.metrics.iter().enumerate() {
            let name = match m.type_ {
                MetricSourceType::Pods => m.pods.as_ref().map(|p| p.metric.name.clone()),
                MetricSourceType::Object => m.object.as_ref().map(|p| p.metric.name.clone()),
                MetricSourceType::External => m.external.as_ref().map(|p| p.metric.name.clone()),
                _ => None,
            };
            let Some(name) = name else { continue };
            let spec = bindings.get(&name).ok_or_else(|| {
                Error::new(format!("HPA {:?} metric {name:?} has no simulated signal", a.name))
                    .in_file(&o.source)
                    .at_field(format!("spec.metrics[{i}]"))
                    .fix(format!(
                        "bind it in the scenario: workloads.{}.signals.{name}: {{signal: demand_rps|served_rps|queue_length|kafka_lag}}",
                        refs.names[own]
                    ))
            })?;
            let signal = resolve_spec(spec, own, refs, &field(&name), o)?;
            a.metric_signals.insert(name, signal);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql_windows() {
        assert_eq!(promql_range_window("sum(rate(http_requests_total{app=\"web\"}[2m]))"), Some(120_000));
        assert_eq!(promql_range_window("sum(rate(x[5m:30s]))"), Some(300_000));
        assert_eq!(promql_range_window("queue_depth"), None);
    }
}
