//! The Sweep file as written in YAML (`kind: Sweep`): raw serde structs, unknown fields are
//! errors. Distributions stay as YAML values until `futures` reads them.
//!
//! ```yaml
//! kind: Sweep
//! name: spike-what-if           # optional; default: the file's stem
//! base: scenario.yaml           # relative to this file
//! seed: 7                       # optional; default: the base scenario's seed
//! set:                          # edits applied to every cell
//!   duration: 2d
//! grid:                         # path → values; every combination is a grid point
//!   cluster.nodes.0.count: [30, 40]
//!   workloads.web.traffic.scale: [400, 500]
//! replications: 3               # futures drawn per grid point
//! futures:
//!   spikes:
//!     - {at: {uniform: [1d, 1d8h]}, factor: {choice: [5, 10]}, ramp: 2m, hold: 20m, decay: 10m}
//!   growth: {uniform: [1.0, 1.3]}      # multiplies every workload's traffic.scale
//!   noise_cv: {choice: [0, 0.1]}       # sets every workload's traffic.noise_cv
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SweepFile {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
    pub(crate) base: String,
    #[serde(default)]
    pub(crate) seed: Option<u64>,
    #[serde(default)]
    pub(crate) set: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) grid: BTreeMap<String, Vec<Value>>,
    #[serde(default = "one")]
    pub(crate) replications: u32,
    #[serde(default)]
    pub(crate) futures: FuturesSpec,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct FuturesSpec {
    #[serde(default)]
    pub(crate) spikes: Vec<SpikeGen>,
    #[serde(default)]
    pub(crate) growth: Option<Value>,
    #[serde(default)]
    pub(crate) noise_cv: Option<Value>,
}

/// A spike event drawn per replication and appended to the scenario's `events`. Each field is a
/// fixed value or a distribution (`{uniform: [a, b]}`, `{choice: [x, y, …]}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpikeGen {
    pub(crate) at: Value,
    pub(crate) factor: Value,
    #[serde(default)]
    pub(crate) ramp: Option<Value>,
    pub(crate) hold: Value,
    #[serde(default)]
    pub(crate) decay: Option<Value>,
    #[serde(default)]
    pub(crate) workloads: Option<Vec<String>>,
}
