//! autoscaling/v2 `HorizontalPodAutoscalerSpec`, field for field, so a manifest's `spec`
//! deserializes straight into it. Fields capsim does not model are kept (not dropped) so
//! `validate()` can warn about them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::quantity::Quantity;

/// Unknown keys found next to the modeled ones, kept verbatim for warnings.
pub type Extra = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerSpec {
    #[serde(default)]
    pub scale_target_ref: CrossVersionObjectReference,
    /// Defaults to 1 when absent (API default).
    #[serde(default)]
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    /// Empty means the API default: CPU at 80% utilization.
    #[serde(default)]
    pub metrics: Vec<MetricSpec>,
    /// `None` selects the legacy normalization path (5-minute max-of-window, 2x/+4 cap).
    #[serde(default)]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossVersionObjectReference {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub api_version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum MetricSourceType {
    Resource,
    ContainerResource,
    Pods,
    Object,
    External,
    /// Anything else; the controller reports `InvalidMetricSourceType` for it.
    #[serde(other)]
    Unknown,
}

impl MetricSourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resource => "Resource",
            Self::ContainerResource => "ContainerResource",
            Self::Pods => "Pods",
            Self::Object => "Object",
            Self::External => "External",
            Self::Unknown => "Unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSpec {
    #[serde(rename = "type")]
    pub type_: MetricSourceType,
    #[serde(default)]
    pub resource: Option<ResourceMetricSource>,
    #[serde(default)]
    pub container_resource: Option<ContainerResourceMetricSource>,
    #[serde(default)]
    pub pods: Option<PodsMetricSource>,
    #[serde(default)]
    pub object: Option<ObjectMetricSource>,
    #[serde(default)]
    pub external: Option<ExternalMetricSource>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl MetricSpec {
    fn empty(type_: MetricSourceType) -> Self {
        Self {
            type_,
            resource: None,
            container_resource: None,
            pods: None,
            object: None,
            external: None,
            extra: Extra::new(),
        }
    }

    /// `Resource` metric with a `Utilization` target.
    pub fn resource_utilization(resource: &str, percent: i32) -> Self {
        Self {
            resource: Some(ResourceMetricSource {
                name: resource.to_string(),
                target: MetricTarget::utilization(percent),
            }),
            ..Self::empty(MetricSourceType::Resource)
        }
    }

    /// `Resource` metric with an `AverageValue` target.
    pub fn resource_average_value(resource: &str, average: Quantity) -> Self {
        Self {
            resource: Some(ResourceMetricSource {
                name: resource.to_string(),
                target: MetricTarget::average_value(average),
            }),
            ..Self::empty(MetricSourceType::Resource)
        }
    }

    /// `ContainerResource` metric with the given target.
    pub fn container_resource(resource: &str, container: &str, target: MetricTarget) -> Self {
        Self {
            container_resource: Some(ContainerResourceMetricSource {
                name: resource.to_string(),
                container: container.to_string(),
                target,
            }),
            ..Self::empty(MetricSourceType::ContainerResource)
        }
    }

    /// `Pods` metric (always `AverageValue`).
    pub fn pods(metric: &str, average: Quantity) -> Self {
        Self {
            pods: Some(PodsMetricSource {
                metric: MetricIdentifier::named(metric),
                target: MetricTarget::average_value(average),
            }),
            ..Self::empty(MetricSourceType::Pods)
        }
    }

    /// `Object` metric describing `object` with the given target (`Value` or `AverageValue`).
    pub fn object(metric: &str, object: CrossVersionObjectReference, target: MetricTarget) -> Self {
        Self {
            object: Some(ObjectMetricSource {
                described_object: object,
                metric: MetricIdentifier::named(metric),
                target,
            }),
            ..Self::empty(MetricSourceType::Object)
        }
    }

    /// `External` metric with the given target (`Value` or `AverageValue`).
    pub fn external(metric: &str, target: MetricTarget) -> Self {
        Self {
            external: Some(ExternalMetricSource { metric: MetricIdentifier::named(metric), target }),
            ..Self::empty(MetricSourceType::External)
        }
    }

    /// A metric of an unsupported source type (kept so tests can exercise the invalid path).
    pub fn unknown() -> Self {
        Self::empty(MetricSourceType::Unknown)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetricSource {
    pub name: String,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerResourceMetricSource {
    pub name: String,
    pub container: String,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodsMetricSource {
    pub metric: MetricIdentifier,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMetricSource {
    pub described_object: CrossVersionObjectReference,
    pub metric: MetricIdentifier,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalMetricSource {
    pub metric: MetricIdentifier,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricIdentifier {
    pub name: String,
    /// Label selector; capsim keys metric values by name only, so this is warned about.
    #[serde(default)]
    pub selector: Option<serde_json::Value>,
}

impl MetricIdentifier {
    pub fn named(name: &str) -> Self {
        Self { name: name.to_string(), selector: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MetricTargetType {
    Utilization,
    Value,
    AverageValue,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTarget {
    #[serde(rename = "type")]
    pub type_: MetricTargetType,
    #[serde(default)]
    pub value: Option<Quantity>,
    #[serde(default)]
    pub average_value: Option<Quantity>,
    #[serde(default)]
    pub average_utilization: Option<i32>,
}

impl MetricTarget {
    pub fn utilization(percent: i32) -> Self {
        Self {
            type_: MetricTargetType::Utilization,
            value: None,
            average_value: None,
            average_utilization: Some(percent),
        }
    }

    pub fn value(v: Quantity) -> Self {
        Self { type_: MetricTargetType::Value, value: Some(v), average_value: None, average_utilization: None }
    }

    pub fn average_value(v: Quantity) -> Self {
        Self { type_: MetricTargetType::AverageValue, value: None, average_value: Some(v), average_utilization: None }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerBehavior {
    #[serde(default)]
    pub scale_up: Option<HpaScalingRules>,
    #[serde(default)]
    pub scale_down: Option<HpaScalingRules>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingRules {
    #[serde(default)]
    pub stabilization_window_seconds: Option<i32>,
    #[serde(default)]
    pub select_policy: Option<SelectPolicy>,
    #[serde(default)]
    pub policies: Option<Vec<HpaScalingPolicy>>,
    /// Per-direction tolerance (`HPAConfigurableTolerance`, beta since 1.35), e.g. `"0.05"`.
    #[serde(default)]
    pub tolerance: Option<Quantity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SelectPolicy {
    #[default]
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyType {
    Pods,
    Percent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingPolicy {
    #[serde(rename = "type")]
    pub type_: PolicyType,
    pub value: i32,
    pub period_seconds: i32,
}

impl HpaScalingPolicy {
    pub fn pods(value: i32, period_seconds: i32) -> Self {
        Self { type_: PolicyType::Pods, value, period_seconds }
    }

    pub fn percent(value: i32, period_seconds: i32) -> Self {
        Self { type_: PolicyType::Percent, value, period_seconds }
    }
}
