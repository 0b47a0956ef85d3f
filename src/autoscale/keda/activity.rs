//! Turning one poll's trigger readings into the executor's `is_active` / `is_error` and the
//! composite metric (the part of upstream `scale_handler` that capsim needs).

use std::collections::BTreeMap;

use super::modifiers::{Formula, FormulaError};
use super::scalers::ParsedTrigger;
use super::spec::ScaledObject;

/// What one trigger's scaler returned this poll.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerReading {
    Value(f64),
    Error(String),
}

/// Summary of a poll.
#[derive(Debug, Clone, PartialEq)]
pub struct PollActivity {
    pub is_active: bool,
    pub is_error: bool,
    /// Indices of active triggers (for event messages / traces).
    pub active_triggers: Vec<usize>,
    /// Composite metric value when scalingModifiers are used (None if nil or no formula).
    pub composite: Option<f64>,
}

/// Evaluate activity. `parsed[i]` and `readings[i]` belong to `spec.triggers[i]`.
///
/// Rules (upstream): a trigger is active when value > activation threshold; cpu/memory
/// triggers do not count, but an object with only cpu/memory triggers is always active;
/// with a formula, activity is `formula > activationTarget` instead.
pub fn evaluate_activity(
    so: &ScaledObject,
    parsed: &[ParsedTrigger],
    readings: &[TriggerReading],
    formula: Option<&Formula>,
) -> Result<PollActivity, FormulaError> {
    let mut out = PollActivity { is_active: false, is_error: false, active_triggers: Vec::new(), composite: None };
    // The formula's environment, only when there is a formula (polls run every few seconds of
    // a simulated year; the names would be cloned for nothing).
    let modifiers = so.scaling_modifiers().zip(formula);
    let mut env: BTreeMap<String, Option<f64>> = BTreeMap::new();
    for (i, (trigger, (p, r))) in so.spec.triggers.iter().zip(parsed.iter().zip(readings)).enumerate() {
        let value = match r {
            TriggerReading::Value(v) => Some(*v),
            TriggerReading::Error(_) => {
                out.is_error = true;
                None
            }
        };
        if !trigger.is_resource() {
            if let Some(name) = &trigger.name
                && modifiers.is_some()
            {
                env.insert(name.clone(), value);
            }
            if let Some(v) = value
                && p.config.is_active(v)
            {
                out.active_triggers.push(i);
            }
        }
    }
    match modifiers {
        Some((sm, f)) => {
            let composite = f.eval_number(&env)?;
            let activation = sm.activation_target.trim().parse::<f64>().unwrap_or(0.0);
            out.composite = composite;
            out.is_active = composite.is_some_and(|c| c > activation);
        }
        _ => out.is_active = !out.active_triggers.is_empty(),
    }
    if so.only_resource_triggers() {
        out.is_active = true;
    }
    Ok(out)
}
