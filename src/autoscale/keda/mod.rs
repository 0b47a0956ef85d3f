//! KEDA `ScaledObject` semantics (keda.sh/v1alpha1) as a pure library.
//!
//! KEDA splits scaling in two: its own executor handles 0↔1 (activation, cooldown to zero
//! or idle, pausing) every `pollingInterval`, while a generated HPA scales 1↔N from the
//! metrics KEDA serves. This module models KEDA's side only; the HPA maths live in the HPA
//! module, which consumes [`GeneratedHpa`].
//!
//! Submodules, one job each:
//! * [`spec`]: serde types with upstream field names and defaults,
//! * [`validate`]: webhook checks with field paths, and warnings for unmodelled fields,
//! * [`scalers`]: trigger metadata (prometheus, cpu/memory, rabbitmq, kafka, generic), Kafka lag,
//! * [`activity`]: trigger readings → `is_active` / `is_error` / composite value,
//! * [`executor`]: KEDA's `RequestScale` decision,
//! * [`fallback`]: the synthetic metric served when scalers keep failing,
//! * [`modifiers`]: the scalingModifiers formula interpreter,
//! * [`hpa`]: the generated HPA description.
//!
//! Everything is deterministic: integer millisecond time, ordered maps, no I/O.

pub mod activity;
pub mod executor;
pub mod fallback;
pub mod hpa;
pub mod modifiers;
pub mod scalers;
pub mod spec;
pub mod validate;

pub use activity::{PollActivity, TriggerReading, evaluate_activity};
pub use executor::{ExecutorInput, ScaleDecision, ScaleReason, request_scale};
pub use fallback::{
    FallbackContext, FallbackTarget, HealthStatus, MetricOutcome, fallback_metric_milli, fallback_replicas,
    metric_with_fallback,
};
pub use hpa::{COMPOSITE_METRIC_NAME, GeneratedHpa, HpaMetric, HpaTarget, generate_hpa};
pub use modifiers::{Formula, FormulaError, Value, composite_metric_milli, scaling_modifier_trigger_value};
pub use scalers::{
    KafkaLag, KafkaLagState, KafkaMeta, MetaIssue, ParsedTrigger, PartitionOffsets, RabbitMode, RabbitMqMeta,
    RabbitQueueStats, ScalerConfig, cap_lag, parse_trigger, total_lag,
};
pub use spec::{FallbackBehavior, MetricType, ScaledObject, ScaledObjectSpec, Trigger};
pub use validate::{Finding, ValidationReport, check_fallback_valid, check_replica_bounds};

#[cfg(test)]
mod tests;
