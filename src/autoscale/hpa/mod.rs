//! Kubernetes HorizontalPodAutoscaler (autoscaling/v2) decision logic, as a pure library.
//!
//! Ported from `kubernetes/kubernetes` `pkg/controller/podautoscaler` (replica calculator,
//! `reconcileAutoscaler`, normalization) and `pkg/apis/autoscaling/v2/defaults.go`. No I/O and
//! no wall clock: the caller supplies the observed state and `now` in integer milliseconds,
//! and calls [`HpaController::sync`] every [`DEFAULT_SYNC_PERIOD_MS`].
//!
//! Layout: `spec` (API types) → `defaults`/`validate`; `observed` (inputs); `calc` (one metric
//! → proposal, over pods and samples matched in `join`, with buffers kept in `scratch`); `metrics` (dispatch, multi-metric rule); `normalize` (windows, policies,
//! clamping); `controller` (state and `Decision`).

pub mod calc;
pub mod controller;
pub mod defaults;
pub mod join;
pub mod metrics;
pub mod normalize;
pub mod observed;
pub mod quantity;
pub mod scratch;
pub mod spec;
pub mod validate;

pub use calc::{CalcError, CalcParams, Tolerances};
pub use controller::{Decision, HpaConfig, HpaController, HpaState, Reason};
pub use defaults::*;
pub use metrics::{MetricError, MetricProposal, MetricValue, MetricsOutcome};
pub use normalize::{Limit, RateRule, Recommendation, ScaleEvent, Stabilization};
pub use observed::*;
pub use quantity::{Quantity, QuantityError};
pub use spec::*;
pub use validate::{FieldError, Validation};

#[cfg(test)]
mod calc_reference;
#[cfg(test)]
mod tests;
