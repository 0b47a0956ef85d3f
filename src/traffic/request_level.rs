//! Request-level fidelity: every request is simulated (Poisson arrivals, exponential service,
//! FIFO queue, abandonment at the timeout). For validating the fluid model on short windows.
//!
//! Time inside is integer microseconds, fine enough for millisecond service times.

use std::collections::VecDeque;

use rand_distr::{Distribution, Exp1};

use super::{LatencyHistogram, Load, ServiceProfile, StepStats};
use crate::engine::{EventQueue, StreamRng};

pub struct RequestQueue {
    rng: StreamRng,
    now_us: u64,
    busy: u32,
    /// Arrival times of waiting requests, oldest first.
    waiting: VecDeque<u64>,
    /// Service completions.
    departures: EventQueue<()>,
    next_arrival: Option<u64>,
    lambda: f64,
}

impl RequestQueue {
    pub fn new(rng: StreamRng) -> Self {
        RequestQueue {
            rng,
            now_us: 0,
            busy: 0,
            waiting: VecDeque::new(),
            departures: EventQueue::new(),
            next_arrival: None,
            lambda: 0.0,
        }
    }

    /// Nothing is held back at request level; here for the shared contract.
    pub fn flush_latency(&mut self, _hist: &mut LatencyHistogram) {}

    /// Requests waiting for a server.
    pub fn backlog(&self) -> f64 {
        self.waiting.len() as f64
    }

    fn exp_us(&mut self, mean_us: f64) -> u64 {
        let x: f64 = Exp1.sample(&mut self.rng);
        (x * mean_us).round().max(1.0) as u64
    }

    fn start_service(
        &mut self,
        p: &ServiceProfile,
        arrival: u64,
        slo_ms: f64,
        stats: &mut StepStats,
        hist: &mut LatencyHistogram,
    ) {
        self.busy += 1;
        let wait_ms = (self.now_us - arrival) as f64 / 1000.0;
        let latency = wait_ms + p.service_ms;
        hist.add_point(latency, 1.0);
        stats.served += 1.0;
        stats.wait_ms_total += wait_ms;
        if latency <= slo_ms {
            stats.good += 1.0;
        }
        let service = self.exp_us(p.service_ms * 1000.0);
        self.departures.schedule(self.now_us + service, 0, ());
    }

    /// Same contract as [`super::FluidQueue::advance`].
    pub fn advance(
        &mut self,
        p: &ServiceProfile,
        load: Load,
        dt_ms: u64,
        stats: &mut StepStats,
        hist: &mut LatencyHistogram,
    ) {
        let Load { lambda, pods, slo_ms } = load;
        let end = self.now_us + dt_ms * 1000;
        let servers = p.servers(pods);
        let timeout_us = if p.timeout_ms.is_finite() { Some((p.timeout_ms * 1000.0) as u64) } else { None };
        // Memoryless arrivals: a new rate just redraws the next arrival from now.
        if lambda != self.lambda || self.next_arrival.is_none() {
            self.lambda = lambda;
            self.next_arrival = (lambda > 0.0).then(|| self.now_us + self.exp_us(1e6 / lambda));
        }
        if servers == 0 && !p.queued {
            stats.failed += self.waiting.len() as f64;
            self.waiting.clear();
        }
        let served_before = stats.served;
        // Added servers pick up waiting requests at once.
        while self.busy < servers {
            let Some(a) = self.waiting.pop_front() else { break };
            self.start_service(p, a, slo_ms, stats, hist);
        }
        loop {
            let arrival = self.next_arrival.unwrap_or(u64::MAX);
            let departure = self.departures.peek_time().unwrap_or(u64::MAX);
            let abandon = match (self.waiting.front(), timeout_us) {
                (Some(&a), Some(t)) => a + t,
                _ => u64::MAX,
            };
            let next = arrival.min(departure).min(abandon);
            if next >= end {
                break;
            }
            self.now_us = next;
            if abandon == next {
                self.waiting.pop_front();
                stats.failed += 1.0;
            } else if departure == next {
                self.departures.pop();
                self.busy -= 1;
                if self.busy < servers
                    && let Some(a) = self.waiting.pop_front()
                {
                    self.start_service(p, a, slo_ms, stats, hist);
                }
            } else {
                stats.arrived += 1.0;
                if servers == 0 && !p.queued {
                    stats.failed += 1.0;
                } else if self.busy < servers {
                    self.start_service(p, next, slo_ms, stats, hist);
                } else {
                    self.waiting.push_back(next);
                }
                self.next_arrival = Some(next + self.exp_us(1e6 / self.lambda));
            }
        }
        self.now_us = end;
        let served = stats.served - served_before;
        stats.cpu_seconds += p.idle_cpu * pods as f64 * dt_ms as f64 / 1000.0 + p.cpu_per_request * served;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn conservation_and_determinism() {
        let p = ServiceProfile {
            concurrency: 2,
            service_ms: 50.0,
            cpu_per_request: 0.0,
            idle_cpu: 0.0,
            timeout_ms: 2_000.0,
            queued: false,
        };
        let run = || {
            let mut q = RequestQueue::new(RngStreams::new(1, "t", 0).stream("requests"));
            let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
            q.advance(&p, Load { lambda: 150.0, pods: 2, slo_ms: 200.0 }, 60_000, &mut s, &mut h);
            q.advance(&p, Load { lambda: 50.0, pods: 2, slo_ms: 200.0 }, 60_000, &mut s, &mut h);
            (s, q.backlog())
        };
        let (s, backlog) = run();
        assert_eq!(s.arrived, s.served + s.failed + backlog);
        assert!(s.failed > 0.0);
        assert_eq!(run().0, s);
    }
}
