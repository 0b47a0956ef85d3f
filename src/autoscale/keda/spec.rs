//! The `keda.sh/v1alpha1` ScaledObject as users write it, with upstream defaults.
//!
//! Field names are the real camelCase ones so a manifest from a cluster deserializes as is.
//! Fields capsim does not model are kept (in `extra` maps) so `validate` can warn about them
//! instead of dropping them silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// `autoscaling.keda.sh/paused`: any value other than a false boolean pauses autoscaling.
pub const PAUSED_ANNOTATION: &str = "autoscaling.keda.sh/paused";
/// `autoscaling.keda.sh/paused-replicas`: pin the target to this many replicas and pause.
pub const PAUSED_REPLICAS_ANNOTATION: &str = "autoscaling.keda.sh/paused-replicas";
/// `autoscaling.keda.sh/paused-scale-in`: KEDA never scales in (and the HPA scale-down is disabled).
pub const PAUSED_SCALE_IN_ANNOTATION: &str = "autoscaling.keda.sh/paused-scale-in";
/// `autoscaling.keda.sh/paused-scale-out`: KEDA never scales out (and the HPA scale-up is disabled).
pub const PAUSED_SCALE_OUT_ANNOTATION: &str = "autoscaling.keda.sh/paused-scale-out";
/// `autoscaling.keda.sh/force-activation`: treat the object as active whatever the triggers say.
pub const FORCE_ACTIVATION_ANNOTATION: &str = "autoscaling.keda.sh/force-activation";

/// Upstream defaults (`scaledobject_types.go`, executor constants).
pub const DEFAULT_POLLING_INTERVAL_S: u32 = 30;
pub const DEFAULT_COOLDOWN_PERIOD_S: u32 = 300;
pub const DEFAULT_INITIAL_COOLDOWN_PERIOD_S: u32 = 0;
pub const DEFAULT_MIN_REPLICA_COUNT: i32 = 0;
pub const DEFAULT_MAX_REPLICA_COUNT: i32 = 100;
/// The HPA cannot have 0 replicas; KEDA uses 1 when minReplicaCount is 0 or unset.
pub const DEFAULT_HPA_MIN_REPLICAS: i32 = 1;

/// Unmodelled fields, kept so validation can name them.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// A whole ScaledObject document (apiVersion, kind, metadata, spec).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObject {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: ScaledObjectSpec,
    /// `status` and anything else at top level: ignored, reported as a warning.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The metadata subset KEDA reads: name (for the HPA name) and annotations (pausing).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec` of a ScaledObject. Optional numbers stay `Option` so "unset" and "0" differ, as upstream.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    pub scale_target_ref: ScaleTargetRef,
    #[serde(default)]
    pub polling_interval: Option<u32>,
    #[serde(default)]
    pub cooldown_period: Option<u32>,
    #[serde(default)]
    pub initial_cooldown_period: Option<u32>,
    #[serde(default)]
    pub idle_replica_count: Option<i32>,
    #[serde(default)]
    pub min_replica_count: Option<i32>,
    #[serde(default)]
    pub max_replica_count: Option<i32>,
    #[serde(default)]
    pub fallback: Option<Fallback>,
    #[serde(default)]
    pub advanced: Option<Advanced>,
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The workload KEDA scales (Deployment by default).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTargetRef {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub env_source_container_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.fallback`: replicas to hold when scalers keep failing.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fallback {
    pub failure_threshold: i32,
    pub replicas: i32,
    #[serde(default)]
    pub behavior: FallbackBehavior,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.fallback.behavior` (`pkg/fallback/fallback.go` doFallback).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FallbackBehavior {
    /// Always `fallback.replicas`.
    #[default]
    Static,
    /// Keep the current replica count.
    CurrentReplicas,
    /// max(current, fallback.replicas).
    CurrentReplicasIfHigher,
    /// min(current, fallback.replicas).
    CurrentReplicasIfLower,
    /// Failing triggers become `nil` inside the scalingModifiers formula.
    ScalingModifiers,
}

/// `spec.advanced`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Advanced {
    #[serde(default)]
    pub restore_to_original_replica_count: bool,
    #[serde(default)]
    pub horizontal_pod_autoscaler_config: Option<HpaConfig>,
    #[serde(default)]
    pub scaling_modifiers: Option<ScalingModifiers>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.advanced.horizontalPodAutoscalerConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaConfig {
    #[serde(default)]
    pub name: Option<String>,
    /// Copied verbatim into the generated HPA; kept opaque so the HPA module owns its schema.
    #[serde(default)]
    pub behavior: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.advanced.scalingModifiers`: one composite metric computed by a formula.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingModifiers {
    #[serde(default)]
    pub formula: String,
    /// A string upstream (parsed as a float); kept as written so validation can quote it.
    #[serde(default, deserialize_with = "de_scalar_string")]
    pub target: String,
    #[serde(default, deserialize_with = "de_scalar_string")]
    pub activation_target: String,
    #[serde(default)]
    pub metric_type: Option<MetricType>,
}

impl ScalingModifiers {
    /// Upstream `IsUsingModifiers`: any field set counts.
    pub fn is_set(&self) -> bool {
        *self != ScalingModifiers::default()
    }
}

/// HPA metric target type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MetricType {
    AverageValue,
    Value,
    Utilization,
}

/// One entry of `spec.triggers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Unset means AverageValue (Utilization for cpu/memory when given in metadata `type`).
    #[serde(default)]
    pub metric_type: Option<MetricType>,
    #[serde(default)]
    pub use_cached_metrics: bool,
    /// Ordered so iteration (and thus warnings) is deterministic.
    #[serde(default, deserialize_with = "de_string_map")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub authentication_ref: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Trigger {
    /// The metric type KEDA uses when none is given.
    pub fn effective_metric_type(&self) -> MetricType {
        self.metric_type.unwrap_or(MetricType::AverageValue)
    }

    /// cpu and memory triggers become native Resource metrics, not External ones.
    pub fn is_resource(&self) -> bool {
        self.kind == "cpu" || self.kind == "memory"
    }
}

/// k8s requires string values in trigger metadata, but YAML authors often write bare numbers;
/// numbers and booleans are accepted and turned into their text.
fn de_string_map<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: BTreeMap<String, serde_json::Value> = BTreeMap::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        let s = scalar_to_string(&v)
            .ok_or_else(|| serde::de::Error::custom(format!("metadata.{k}: expected a string, got {v}")))?;
        out.insert(k, s);
    }
    Ok(out)
}

fn de_scalar_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    scalar_to_string(&v).ok_or_else(|| serde::de::Error::custom(format!("expected a string, got {v}")))
}

fn scalar_to_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

/// Parse a Go `strconv.ParseBool` value.
pub(crate) fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

impl ScaledObject {
    /// Parse a YAML manifest.
    pub fn from_yaml(text: &str) -> Result<Self, serde_saphyr::Error> {
        serde_saphyr::from_str(text)
    }

    /// Parse a JSON manifest.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn polling_interval_ms(&self) -> u64 {
        u64::from(self.spec.polling_interval.unwrap_or(DEFAULT_POLLING_INTERVAL_S)) * 1000
    }

    pub fn cooldown_period_ms(&self) -> u64 {
        u64::from(self.spec.cooldown_period.unwrap_or(DEFAULT_COOLDOWN_PERIOD_S)) * 1000
    }

    pub fn initial_cooldown_period_ms(&self) -> u64 {
        u64::from(self.spec.initial_cooldown_period.unwrap_or(DEFAULT_INITIAL_COOLDOWN_PERIOD_S)) * 1000
    }

    pub fn min_replica_count(&self) -> i32 {
        self.spec.min_replica_count.unwrap_or(DEFAULT_MIN_REPLICA_COUNT)
    }

    /// Upstream `GetHPAMinReplicas`: minReplicaCount if > 0, else 1.
    pub fn hpa_min_replicas(&self) -> i32 {
        match self.spec.min_replica_count {
            Some(m) if m > 0 => m,
            _ => DEFAULT_HPA_MIN_REPLICAS,
        }
    }

    /// Upstream `GetHPAMaxReplicas`: maxReplicaCount or 100.
    pub fn hpa_max_replicas(&self) -> i32 {
        self.spec.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICA_COUNT)
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(String::as_str)
    }

    fn annotation_true(&self, key: &str) -> bool {
        self.annotation(key).and_then(parse_go_bool) == Some(true)
    }

    /// The scalingModifiers block if it has any field set (upstream `IsUsingModifiers`).
    pub fn scaling_modifiers(&self) -> Option<&ScalingModifiers> {
        self.spec.advanced.as_ref().and_then(|a| a.scaling_modifiers.as_ref()).filter(|sm| sm.is_set())
    }

    /// `paused-replicas` value, if the annotation is present and an integer.
    pub fn paused_replicas(&self) -> Option<Result<i32, String>> {
        self.annotation(PAUSED_REPLICAS_ANNOTATION)
            .map(|v| v.trim().parse::<i32>().map_err(|_| format!("{v:?} is not an integer")))
    }

    /// Upstream `NeedToBePausedByAnnotation` for the `paused` annotation: a value that is not
    /// a boolean still pauses (the user clearly meant to pause).
    pub fn paused_by_annotation(&self) -> bool {
        match self.annotation(PAUSED_ANNOTATION) {
            None => false,
            Some(v) => parse_go_bool(v).unwrap_or(true),
        }
    }

    pub fn pause_scale_in(&self) -> bool {
        self.annotation_true(PAUSED_SCALE_IN_ANNOTATION)
    }

    pub fn pause_scale_out(&self) -> bool {
        self.annotation_true(PAUSED_SCALE_OUT_ANNOTATION)
    }

    pub fn force_activation(&self) -> bool {
        self.annotation_true(FORCE_ACTIVATION_ANNOTATION)
    }

    /// The behavior KEDA copies into the generated HPA, if any.
    pub fn hpa_behavior(&self) -> Option<&serde_json::Value> {
        self.spec
            .advanced
            .as_ref()
            .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
            .and_then(|c| c.behavior.as_ref())
    }

    /// True when every trigger is cpu/memory: such an object can never scale to zero.
    pub fn only_resource_triggers(&self) -> bool {
        !self.spec.triggers.is_empty() && self.spec.triggers.iter().all(Trigger::is_resource)
    }
}
