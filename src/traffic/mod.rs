//! The service model: from demand and ready pods to served, queued and failed requests,
//! latency and CPU use (DESIGN §3.2).
//!
//! Two fidelities share one contract ([`StepStats`] + a [`LatencyHistogram`]):
//! [`FluidQueue`] evolves each workload in closed form between events (the default), and
//! [`RequestQueue`] simulates every request (Poisson arrivals, exponential service) for
//! validation on short windows.
//!
//! Reported latency is queueing delay plus the mean service time: capacity decides the
//! queueing delay, while the spread of the handler's own time is the application's.
//!
//! Conservation, in every step: arrived = served + failed + change in backlog.

mod erlang;
mod fluid;
mod histogram;
mod request_level;

pub use erlang::{MmcWait, erlang_c};
pub use fluid::{FluidQueue, Growth, RateRange};
pub use histogram::LatencyHistogram;
pub use request_level::RequestQueue;

/// How a workload's pods serve requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceProfile {
    /// Requests one pod serves in parallel.
    pub concurrency: u32,
    /// Mean service time of one request, milliseconds.
    pub service_ms: f64,
    /// CPU time one request costs, core-seconds.
    pub cpu_per_request: f64,
    /// CPU a pod uses with no traffic, cores.
    pub idle_cpu: f64,
    /// A request waiting longer than this fails (client or proxy timeout, or a message's
    /// time-to-live), milliseconds.
    pub timeout_ms: f64,
    /// Requests are queued messages: with no ready pods they wait in the queue (until the
    /// timeout) instead of failing at once for want of endpoints.
    pub queued: bool,
}

impl ServiceProfile {
    /// Parallel servers with `pods` ready pods.
    pub fn servers(&self, pods: u32) -> u32 {
        pods.saturating_mul(self.concurrency)
    }

    /// Requests per second `pods` ready pods can complete.
    pub fn capacity_rps(&self, pods: u32) -> f64 {
        self.servers(pods) as f64 * 1000.0 / self.service_ms
    }
}

/// What holds during an interval: arrival rate (per second), ready pods, and the latency
/// objective used to count good requests (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    pub lambda: f64,
    pub pods: u32,
    pub slo_ms: f64,
}

/// Counts accumulated over one or more steps. Requests are fractional in the fluid model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepStats {
    pub arrived: f64,
    pub served: f64,
    pub failed: f64,
    /// Requests served within the latency objective.
    pub good: f64,
    /// CPU used by the workload's ready pods, core-seconds.
    pub cpu_seconds: f64,
    /// Sum of the queueing delays of served requests, milliseconds (exact, unlike the
    /// histogram): mean wait = wait_ms_total / served.
    pub wait_ms_total: f64,
}

impl StepStats {
    pub fn add(&mut self, other: &StepStats) {
        self.arrived += other.arrived;
        self.served += other.served;
        self.failed += other.failed;
        self.good += other.good;
        self.cpu_seconds += other.cpu_seconds;
        self.wait_ms_total += other.wait_ms_total;
    }
}
