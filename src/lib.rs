//! capsim: a capacity-planning and autoscaling simulator.
//!
//! Traffic traces flow through a service model, pod and node autoscalers and cloud pricing.
//! See `ARCHITECTURE.md` for the map of modules and the invariants they keep.

pub mod autoscale;
pub mod cli;
pub mod cluster;
pub mod commit;
pub mod engine;
pub mod error;
pub mod model;
pub mod pricing;
pub mod recommend;
pub mod report;
pub mod sim;
pub mod sweep;
pub mod trace;
pub mod traffic;

pub use error::{Error, Result};
