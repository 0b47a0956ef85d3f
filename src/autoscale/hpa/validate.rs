//! Spec validation: API-server rules that would reject the object become errors naming the
//! field path; fields capsim reads but does not model become warnings, never silent drops.

use std::fmt;

use super::spec::{
    Extra, HorizontalPodAutoscalerSpec, HpaScalingRules, MetricIdentifier, MetricSourceType, MetricSpec, MetricTarget,
    MetricTargetType, SelectPolicy,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<String>,
}

impl Validation {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn warn_extra(&mut self, path: &str, extra: &Extra) {
        for key in extra.keys() {
            self.warnings.push(format!("{path}.{key}: not modeled by capsim, ignored"));
        }
    }
}

impl HorizontalPodAutoscalerSpec {
    pub fn validate(&self) -> Validation {
        let mut v = Validation::default();
        v.warn_extra("spec", &self.extra);
        if self.max_replicas < 1 {
            v.err("spec.maxReplicas", "must be >= 1");
        }
        let has_object_or_external =
            self.metrics.iter().any(|m| matches!(m.type_, MetricSourceType::Object | MetricSourceType::External));
        if let Some(min) = self.min_replicas {
            if min < 0 {
                v.err("spec.minReplicas", "must be >= 0");
            } else if min == 0 {
                if has_object_or_external {
                    v.warnings.push("spec.minReplicas: 0 needs the alpha HPAScaleToZero feature gate".into());
                } else {
                    v.err(
                        "spec.minReplicas",
                        "must be >= 1 (0 only with an Object or External metric and HPAScaleToZero)",
                    );
                }
            }
            if min > self.max_replicas {
                v.err("spec.minReplicas", "must be <= maxReplicas");
            }
        }
        if self.metrics.is_empty() {
            v.warnings.push("spec.metrics: empty, defaulting to cpu Utilization 80%".into());
        }
        for (i, m) in self.metrics.iter().enumerate() {
            validate_metric(&mut v, &format!("spec.metrics[{i}]"), m);
        }
        if let Some(b) = &self.behavior {
            if let Some(r) = &b.scale_up {
                validate_rules(&mut v, "spec.behavior.scaleUp", r);
            }
            if let Some(r) = &b.scale_down {
                validate_rules(&mut v, "spec.behavior.scaleDown", r);
            }
        }
        v
    }
}

fn validate_identifier(v: &mut Validation, path: &str, id: &MetricIdentifier) {
    if id.name.is_empty() {
        v.err(format!("{path}.name"), "must not be empty");
    }
    if id.selector.is_some() {
        v.warnings.push(format!("{path}.selector: label selectors are not modeled; values are matched by metric name"));
    }
}

fn validate_target(v: &mut Validation, path: &str, t: &MetricTarget, allowed: &[MetricTargetType]) {
    if !allowed.contains(&t.type_) {
        v.err(format!("{path}.type"), format!("must be one of {allowed:?} for this metric source"));
        return;
    }
    match t.type_ {
        MetricTargetType::Utilization => match t.average_utilization {
            None => v.err(format!("{path}.averageUtilization"), "required for Utilization"),
            Some(u) if u < 1 => v.err(format!("{path}.averageUtilization"), "must be > 0"),
            _ => {}
        },
        MetricTargetType::Value => match t.value {
            None => v.err(format!("{path}.value"), "required for Value"),
            Some(q) if q.milli() <= 0 => v.err(format!("{path}.value"), "must be positive"),
            _ => {}
        },
        MetricTargetType::AverageValue => match t.average_value {
            None => v.err(format!("{path}.averageValue"), "required for AverageValue"),
            Some(q) if q.milli() <= 0 => v.err(format!("{path}.averageValue"), "must be positive"),
            _ => {}
        },
    }
}

fn validate_metric(v: &mut Validation, path: &str, m: &MetricSpec) {
    use MetricTargetType::*;
    v.warn_extra(path, &m.extra);
    let missing = |v: &mut Validation, field: &str| {
        v.err(format!("{path}.{field}"), format!("must be set for type {}", m.type_.as_str()))
    };
    match m.type_ {
        MetricSourceType::Resource => match &m.resource {
            None => missing(v, "resource"),
            Some(r) => {
                if r.name.is_empty() {
                    v.err(format!("{path}.resource.name"), "must not be empty");
                }
                validate_target(v, &format!("{path}.resource.target"), &r.target, &[Utilization, AverageValue]);
            }
        },
        MetricSourceType::ContainerResource => match &m.container_resource {
            None => missing(v, "containerResource"),
            Some(r) => {
                if r.container.is_empty() {
                    v.err(format!("{path}.containerResource.container"), "must not be empty");
                }
                validate_target(
                    v,
                    &format!("{path}.containerResource.target"),
                    &r.target,
                    &[Utilization, AverageValue],
                );
            }
        },
        MetricSourceType::Pods => match &m.pods {
            None => missing(v, "pods"),
            Some(p) => {
                validate_identifier(v, &format!("{path}.pods.metric"), &p.metric);
                validate_target(v, &format!("{path}.pods.target"), &p.target, &[AverageValue]);
            }
        },
        MetricSourceType::Object => match &m.object {
            None => missing(v, "object"),
            Some(o) => {
                validate_identifier(v, &format!("{path}.object.metric"), &o.metric);
                validate_target(v, &format!("{path}.object.target"), &o.target, &[Value, AverageValue]);
            }
        },
        MetricSourceType::External => match &m.external {
            None => missing(v, "external"),
            Some(e) => {
                validate_identifier(v, &format!("{path}.external.metric"), &e.metric);
                validate_target(v, &format!("{path}.external.target"), &e.target, &[Value, AverageValue]);
            }
        },
        MetricSourceType::Unknown => {
            v.err(format!("{path}.type"), "must be one of Resource, ContainerResource, Pods, Object, External")
        }
    }
}

fn validate_rules(v: &mut Validation, path: &str, r: &HpaScalingRules) {
    if let Some(w) = r.stabilization_window_seconds
        && !(0..=3600).contains(&w)
    {
        v.err(format!("{path}.stabilizationWindowSeconds"), "must be between 0 and 3600");
    }
    if let Some(t) = r.tolerance
        && t.milli() < 0
    {
        v.err(format!("{path}.tolerance"), "must be >= 0");
    }
    if let Some(policies) = &r.policies {
        if policies.is_empty() && r.select_policy != Some(SelectPolicy::Disabled) {
            v.err(format!("{path}.policies"), "must specify at least one policy");
        }
        for (i, p) in policies.iter().enumerate() {
            if p.period_seconds <= 0 {
                v.err(format!("{path}.policies[{i}].periodSeconds"), "must be > 0");
            } else if p.period_seconds > 1800 {
                v.err(format!("{path}.policies[{i}].periodSeconds"), "must be <= 1800");
            }
            if p.value <= 0 {
                v.err(format!("{path}.policies[{i}].value"), "must be > 0");
            }
        }
    }
}
