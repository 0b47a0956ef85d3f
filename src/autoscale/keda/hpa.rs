//! The HPA that KEDA generates for a ScaledObject, as plain data.
//!
//! Deliberately not the HPA module's own types: the HPA module can map this description
//! (and deserialize `behavior`) itself, so the two modules evolve independently.

use super::scalers::{ScalerConfig, parse_trigger};
use super::spec::{MetricType, PAUSED_SCALE_IN_ANNOTATION, PAUSED_SCALE_OUT_ANNOTATION, ScaledObject};

/// Name of the single External metric used with scalingModifiers.
pub const COMPOSITE_METRIC_NAME: &str = "composite-metric";

/// An HPA metric target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HpaTarget {
    /// Per-pod value: desired = ceil(total / target).
    AverageValue(f64),
    /// Whole-metric value: desired = ceil(current * value / target).
    Value(f64),
    /// Percent of the pod request (Resource metrics only).
    Utilization(i32),
}

/// One metric of the generated HPA.
#[derive(Debug, Clone, PartialEq)]
pub enum HpaMetric {
    /// Served by the KEDA metrics adapter; `trigger_index` is None for the composite metric.
    External { name: String, trigger_index: Option<usize>, target: HpaTarget },
    /// Native cpu/memory metric from metrics-server.
    Resource { resource: String, trigger_index: usize, container: Option<String>, target: HpaTarget },
}

/// The generated `keda-hpa-<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedHpa {
    pub name: String,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub metrics: Vec<HpaMetric>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior`, verbatim, plus `selectPolicy:
    /// Disabled` for paused-scale-in/out. `None` means the HPA's legacy default behaviour.
    pub behavior: Option<serde_json::Value>,
}

/// Why an HPA could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("spec.triggers[{index}]: {message}")]
pub struct HpaError {
    pub index: usize,
    pub message: String,
}

fn target_for(metric_type: MetricType, value: f64) -> HpaTarget {
    match metric_type {
        MetricType::AverageValue => HpaTarget::AverageValue(value),
        MetricType::Value => HpaTarget::Value(value),
        MetricType::Utilization => HpaTarget::Utilization(value as i32),
    }
}

/// Build the HPA description KEDA would create.
pub fn generate_hpa(so: &ScaledObject) -> Result<GeneratedHpa, HpaError> {
    let name = so
        .spec
        .advanced
        .as_ref()
        .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| format!("keda-hpa-{}", so.metadata.name));
    let modifiers = so.scaling_modifiers();
    let mut metrics = Vec::new();
    for (index, trigger) in so.spec.triggers.iter().enumerate() {
        let parsed = parse_trigger(trigger).map_err(|e| HpaError {
            index,
            message: if e.key.is_empty() { e.message } else { format!("metadata.{}: {}", e.key, e.message) },
        })?;
        match &parsed.config {
            ScalerConfig::Resource(r) => metrics.push(HpaMetric::Resource {
                resource: r.resource.clone(),
                trigger_index: index,
                container: r.container_name.clone(),
                target: target_for(r.metric_type, r.value),
            }),
            // With a formula the External metrics collapse into one composite metric.
            _ if modifiers.is_some() => {}
            cfg => metrics.push(HpaMetric::External {
                name: format!("s{index}-{}", cfg.metric_name(&trigger.kind)),
                trigger_index: Some(index),
                target: target_for(trigger.effective_metric_type(), cfg.target_value()),
            }),
        }
    }
    if let Some(sm) = modifiers {
        let value = sm.target.trim().parse::<f64>().map_err(|_| HpaError {
            index: 0,
            message: format!("advanced.scalingModifiers.target {:?} is not a number", sm.target),
        })?;
        let mt = sm.metric_type.unwrap_or(MetricType::AverageValue);
        metrics.push(HpaMetric::External {
            name: COMPOSITE_METRIC_NAME.to_string(),
            trigger_index: None,
            target: target_for(mt, value),
        });
    }
    Ok(GeneratedHpa {
        name,
        min_replicas: so.hpa_min_replicas(),
        max_replicas: so.hpa_max_replicas(),
        metrics,
        behavior: behavior_with_pauses(so),
    })
}

/// Copy the user's behavior and disable the paused direction(s).
fn behavior_with_pauses(so: &ScaledObject) -> Option<serde_json::Value> {
    let mut behavior = so.hpa_behavior().cloned();
    for (annotation, key) in [(PAUSED_SCALE_IN_ANNOTATION, "scaleDown"), (PAUSED_SCALE_OUT_ANNOTATION, "scaleUp")] {
        let paused = match annotation {
            PAUSED_SCALE_IN_ANNOTATION => so.pause_scale_in(),
            _ => so.pause_scale_out(),
        };
        if !paused {
            continue;
        }
        let b = behavior.get_or_insert_with(|| serde_json::json!({}));
        if let Some(obj) = b.as_object_mut() {
            let rules = obj.entry(key).or_insert_with(|| serde_json::json!({}));
            if let Some(r) = rules.as_object_mut() {
                r.insert("selectPolicy".into(), serde_json::json!("Disabled"));
            }
        }
    }
    behavior
}
