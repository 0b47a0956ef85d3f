//! The discrete-event core: simulated time, the event queue, periodic lanes and RNG streams.
//!
//! Knows nothing of Kubernetes or money, does no I/O and never reads the wall clock.

mod lanes;
mod queue;
mod rng;

pub use lanes::{Lane, LaneSet};
pub use queue::{EventQueue, Scheduled};
pub use rng::{RngStreams, StreamRng};

/// Simulated time in integer milliseconds since the scenario start.
///
/// Integer time keeps runs exact and reproducible: no float drift decides which of two
/// events comes first.
pub type Millis = u64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;
pub const YEAR: Millis = 365 * DAY;
