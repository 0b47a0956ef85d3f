//! Admission checks of the upstream webhook and `scaledobject_types.go`, with errors naming
//! the field path, plus warnings for everything capsim reads but does not simulate.

use std::fmt;

use super::modifiers::Formula;
use super::scalers::parse_trigger;
use super::spec::{Extra, MetricType, ScaledObject};

/// One finding, e.g. `spec.triggers[1].metadata.threshold: not a number: "x"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Errors make the object unusable; warnings are fields capsim ignores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationReport {
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl ValidationReport {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Finding { path: path.into(), message: message.into() });
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Finding { path: path.into(), message: message.into() });
    }

    fn extra(&mut self, prefix: &str, extra: &Extra) {
        for key in extra.keys() {
            self.warn(format!("{prefix}.{key}"), "unknown or unmodelled field; ignored");
        }
    }
}

/// Upstream `CheckReplicaCountBoundsAreValid`.
pub fn check_replica_bounds(so: &ScaledObject) -> Result<(), String> {
    let min = if so.spec.min_replica_count.is_some() { so.hpa_min_replicas() } else { 0 };
    let max = so.hpa_max_replicas();
    if min > max {
        return Err(format!("MinReplicaCount={min} must be less than MaxReplicaCount={max}"));
    }
    if let Some(idle) = so.spec.idle_replica_count
        && idle >= min
    {
        return Err(format!("IdleReplicaCount={idle} must be less than MinReplicaCount={min}"));
    }
    Ok(())
}

/// Upstream `CheckFallbackValid`: fallback needs at least one non-resource AverageValue
/// trigger (or an AverageValue composite metric).
pub fn check_fallback_valid(so: &ScaledObject) -> Result<(), String> {
    let Some(fb) = &so.spec.fallback else {
        return Ok(());
    };
    if fb.failure_threshold < 0 || fb.replicas < 0 {
        return Err(format!(
            "FailureThreshold={} & Replicas={} must both be greater than or equal to 0",
            fb.failure_threshold, fb.replicas
        ));
    }
    if let Some(sm) = so.scaling_modifiers() {
        if sm.metric_type.unwrap_or(MetricType::AverageValue) != MetricType::AverageValue {
            return Err(
                "ScaledObject.Spec.Advanced.ScalingModifiers.MetricType must be AverageValue to have fallback enabled"
                    .to_string(),
            );
        }
        return Ok(());
    }
    let ok = so.spec.triggers.iter().any(|t| !t.is_resource() && t.effective_metric_type() == MetricType::AverageValue);
    if ok {
        Ok(())
    } else {
        Err("at least one trigger (that is not cpu or memory) has to have the AverageValue type for the fallback to be enabled".to_string())
    }
}

impl ScaledObject {
    /// Validate like the admission webhook would, and list fields capsim does not model.
    pub fn validate(&self) -> ValidationReport {
        let mut r = ValidationReport::default();
        let spec = &self.spec;
        r.extra("", &self.extra);
        r.extra("metadata", &self.metadata.extra);
        r.extra("spec", &spec.extra);
        r.extra("spec.scaleTargetRef", &spec.scale_target_ref.extra);
        if spec.scale_target_ref.name.is_empty() {
            r.error("spec.scaleTargetRef.name", "required");
        }
        if let Some(k) = &spec.scale_target_ref.kind
            && !matches!(k.as_str(), "Deployment" | "StatefulSet")
        {
            r.warn("spec.scaleTargetRef.kind", format!("{k}: scaled as a plain replica count"));
        }
        if spec.scale_target_ref.env_source_container_name.is_some() {
            r.warn("spec.scaleTargetRef.envSourceContainerName", "not modelled; ignored");
        }
        if spec.polling_interval == Some(0) {
            r.error("spec.pollingInterval", "must be greater than 0");
        }
        for (field, v) in [
            ("minReplicaCount", spec.min_replica_count),
            ("maxReplicaCount", spec.max_replica_count),
            ("idleReplicaCount", spec.idle_replica_count),
        ] {
            if v.is_some_and(|v| v < 0) {
                r.error(format!("spec.{field}"), "must not be negative");
            }
        }
        if let Err(e) = check_replica_bounds(self) {
            r.error("spec.minReplicaCount", e);
        }
        if let Some(fb) = &spec.fallback {
            r.extra("spec.fallback", &fb.extra);
        }
        if let Err(e) = check_fallback_valid(self) {
            r.error("spec.fallback", e);
        }
        self.validate_annotations(&mut r);
        self.validate_triggers(&mut r);
        self.validate_advanced(&mut r);
        r
    }

    fn validate_annotations(&self, r: &mut ValidationReport) {
        if let Some(Err(e)) = self.paused_replicas() {
            r.error(format!("metadata.annotations[{}]", super::spec::PAUSED_REPLICAS_ANNOTATION), e);
        }
    }

    fn validate_triggers(&self, r: &mut ValidationReport) {
        let triggers = &self.spec.triggers;
        if triggers.is_empty() {
            r.error("spec.triggers", "at least one trigger is required");
        }
        for (i, t) in triggers.iter().enumerate() {
            let path = format!("spec.triggers[{i}]");
            r.extra(&path, &t.extra);
            if t.authentication_ref.is_some() {
                r.warn(format!("{path}.authenticationRef"), "not modelled; ignored");
            }
            if let Some(name) = &t.name
                && triggers[..i].iter().any(|o| o.name.as_ref() == Some(name))
            {
                r.error(format!("{path}.name"), format!("duplicate trigger name {name:?}"));
            }
            if t.use_cached_metrics && t.is_resource() {
                r.error(format!("{path}.useCachedMetrics"), "not supported for cpu/memory triggers");
            }
            if !t.is_resource() && t.metric_type == Some(MetricType::Utilization) {
                r.error(format!("{path}.metricType"), "Utilization is only supported for cpu/memory triggers");
            }
            match parse_trigger(t) {
                Ok(p) => {
                    for w in p.warnings {
                        r.warn(format!("{path}.metadata.{}", w.key), w.message);
                    }
                }
                Err(e) if e.key.is_empty() => r.error(path.clone(), e.message),
                Err(e) => r.error(format!("{path}.metadata.{}", e.key), e.message),
            }
        }
        let min_zero = self.spec.min_replica_count.unwrap_or(0) == 0;
        if self.only_resource_triggers() && min_zero {
            r.error(
                "spec.minReplicaCount",
                "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)",
            );
        }
    }

    fn validate_advanced(&self, r: &mut ValidationReport) {
        let Some(adv) = &self.spec.advanced else {
            return;
        };
        r.extra("spec.advanced", &adv.extra);
        if adv.restore_to_original_replica_count {
            r.warn(
                "spec.advanced.restoreToOriginalReplicaCount",
                "only matters when the ScaledObject is deleted; not simulated",
            );
        }
        if let Some(c) = &adv.horizontal_pod_autoscaler_config {
            r.extra("spec.advanced.horizontalPodAutoscalerConfig", &c.extra);
        }
        let Some(sm) = self.scaling_modifiers() else {
            return;
        };
        let p = "spec.advanced.scalingModifiers";
        if sm.formula.is_empty() {
            r.error(format!("{p}.formula"), "ScalingModifiers.Formula is mandatory");
            return;
        }
        if sm.target.is_empty() {
            r.error(format!("{p}.target"), "formula is given but target is empty");
        } else if !sm.target.trim().parse::<f64>().is_ok_and(|t| t > 0.0) {
            r.error(format!("{p}.target"), format!("{:?} is not a number greater than 0", sm.target));
        }
        if !sm.activation_target.is_empty() && sm.activation_target.trim().parse::<f64>().is_err() {
            r.error(format!("{p}.activationTarget"), format!("{:?} is not a number", sm.activation_target));
        }
        if sm.metric_type == Some(MetricType::Utilization) {
            r.error(format!("{p}.metricType"), "Utilization is not allowed; use AverageValue or Value");
        }
        match Formula::parse(&sm.formula) {
            Err(e) => r.error(format!("{p}.formula"), e.to_string()),
            Ok(f) => {
                // Upstream compiles against the named non-resource triggers with dummy -1 values.
                let env = self
                    .spec
                    .triggers
                    .iter()
                    .filter(|t| !t.is_resource())
                    .filter_map(|t| t.name.clone())
                    .map(|n| (n, Some(-1.0)))
                    .collect();
                if let Err(e) = f.eval(&env) {
                    r.error(format!("{p}.formula"), e.to_string());
                }
            }
        }
    }
}
