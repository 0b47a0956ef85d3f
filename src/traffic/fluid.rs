//! The fluid service model: between two events demand and ready pods are constant, so the
//! backlog evolves linearly and latency follows M/M/c (Erlang C) while the queue is stable.

use super::{LatencyHistogram, Load, MmcWait, ServiceProfile, StepStats};

/// Slots of the wait-distribution memo (a power of two, 32 KiB per workload).
const MEMO_SLOTS: usize = 1024;

/// What a stable interval needs of one wait distribution, per request: computed once per
/// memo entry (the share within the objective costs an `exp`).
#[derive(Debug, Clone, Copy)]
struct Stable {
    wait: MmcWait,
    /// The objective the share below was computed for (bits).
    slo_bits: u64,
    /// P(service time + wait <= objective).
    good_share: f64,
    mean_wait_ms: f64,
}

/// How a fluid queue's running totals move while its load holds: requests arrive at `lambda`
/// per second and are served at `served_rps` until `kink_s` seconds (a backlog drained), then
/// at `served_rps_after`; CPU is `idle_cores` plus `cpu_per_request` per request served. The
/// backlog moves at `backlog_rps`, kept within [0, `backlog_cap`]. Readers evaluate it at any
/// instant without advancing the queue, so when they look changes nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub lambda: f64,
    pub served_rps: f64,
    pub kink_s: f64,
    pub served_rps_after: f64,
    pub idle_cores: f64,
    pub cpu_per_request: f64,
    /// The backlog at the start, as the queue holds it, and once time has passed (after the
    /// clamp a capacity change applies at once).
    pub backlog_now: f64,
    pub backlog_start: f64,
    pub backlog_rps: f64,
    pub backlog_cap: f64,
}

impl Growth {
    /// (arrived, served, CPU core-seconds) added over the first `secs` seconds.
    pub fn after(&self, secs: f64) -> (f64, f64, f64) {
        let served = self.served_rps * secs.min(self.kink_s) + self.served_rps_after * (secs - self.kink_s).max(0.0);
        (self.lambda * secs, served, self.idle_cores * secs + self.cpu_per_request * served)
    }

    /// The lowest and highest rates anywhere in the segment: arrivals/s, served/s, CPU cores.
    pub fn rate_range(&self) -> RateRange {
        let after = if self.kink_s.is_finite() { self.served_rps_after } else { self.served_rps };
        let (low, high) = (self.served_rps.min(after), self.served_rps.max(after));
        let cpu = |served: f64| self.idle_cores + self.cpu_per_request * served;
        RateRange { low: [self.lambda, low, cpu(low)], high: [self.lambda, high, cpu(high)] }
    }

    /// Requests waiting beyond what the servers hold, `secs` seconds in.
    pub fn backlog_after(&self, secs: f64) -> f64 {
        if secs <= 0.0 {
            return self.backlog_now;
        }
        (self.backlog_start + self.backlog_rps * secs).clamp(0.0, self.backlog_cap)
    }
}

/// Bounds on a workload's rates over a stretch of time, indexed arrivals/s, served/s, CPU
/// cores: every instant's rate lies within them, so every window's mean does too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRange {
    pub low: [f64; 3],
    pub high: [f64; 3],
}

impl RateRange {
    /// Index of arrivals/s, served/s and CPU cores in `low` and `high`.
    pub const ARRIVED: usize = 0;
    pub const SERVED: usize = 1;
    pub const CPU: usize = 2;

    /// The range covering both.
    pub fn union(self, other: RateRange) -> RateRange {
        RateRange {
            low: std::array::from_fn(|i| self.low[i].min(other.low[i])),
            high: std::array::from_fn(|i| self.high[i].max(other.high[i])),
        }
    }
}

/// One workload's fluid state: requests waiting beyond what the servers hold.
#[derive(Debug, Clone, Default)]
pub struct FluidQueue {
    backlog: f64,
    /// Wait distributions by (servers, arrival rate): a direct-mapped memo, because the same
    /// conditions recur (controllers cut time into short equal intervals; a trace repeated over
    /// a year brings back the same rates). A hit returns exactly what the formula would.
    memo: Vec<Option<(u32, u64, Stable)>>,
    /// The histogram bucket of the service time (the bits of the time it was computed for).
    service_bucket: Option<(u64, usize)>,
    /// Requests that waited, from consecutive stable intervals with the same wait distribution,
    /// not yet spread over the histogram: the bucket walk is done once per distribution.
    pending_tail: Option<(f64, f64, f64)>,
}

impl FluidQueue {
    pub fn new() -> Self {
        FluidQueue::default()
    }

    pub fn backlog(&self) -> f64 {
        self.backlog
    }

    /// How the totals and the backlog move under `load` from now until the load changes: the
    /// same cases as [`FluidQueue::advance`], in closed form and without changing the queue.
    pub fn growth(&self, p: &ServiceProfile, load: Load) -> Growth {
        let Load { lambda, pods, .. } = load;
        let capacity = p.capacity_rps(pods);
        let idle_cores = p.idle_cpu * pods as f64;
        let mut g = Growth {
            lambda,
            served_rps: 0.0,
            kink_s: f64::INFINITY,
            served_rps_after: 0.0,
            idle_cores,
            cpu_per_request: p.cpu_per_request,
            backlog_now: self.backlog,
            backlog_start: 0.0,
            backlog_rps: 0.0,
            backlog_cap: 0.0,
        };
        if capacity <= 0.0 {
            if p.queued {
                g.backlog_start = self.backlog;
                g.backlog_rps = lambda;
                g.backlog_cap = lambda * p.timeout_ms / 1000.0;
            }
            return g;
        }
        let max_backlog = capacity * p.timeout_ms / 1000.0;
        let q0 = self.backlog.min(max_backlog);
        let net = lambda - capacity;
        g.backlog_start = q0.max(0.0);
        g.backlog_rps = net;
        g.backlog_cap = max_backlog;
        if q0 <= 0.0 && net < 0.0 {
            g.served_rps = lambda;
        } else if net >= 0.0 {
            g.served_rps = capacity;
        } else {
            g.served_rps = capacity;
            g.kink_s = q0 / -net;
            g.served_rps_after = lambda;
        }
        g
    }

    /// Writes latency still held back into `hist`; call before reading or clearing it.
    pub fn flush_latency(&mut self, hist: &mut LatencyHistogram) {
        if let Some((shift, theta, weight)) = self.pending_tail.take() {
            hist.add_shifted_exponential(shift, theta, weight);
        }
    }

    /// Advances `dt_ms` under `load`, adding the interval's counts to `stats` and the
    /// latency of accepted requests to `hist`.
    pub fn advance(
        &mut self,
        p: &ServiceProfile,
        load: Load,
        dt_ms: u64,
        stats: &mut StepStats,
        hist: &mut LatencyHistogram,
    ) {
        let Load { lambda, pods, slo_ms } = load;
        if dt_ms == 0 {
            return;
        }
        let dt = dt_ms as f64 / 1000.0;
        let arrived = lambda * dt;
        stats.arrived += arrived;
        let capacity = p.capacity_rps(pods);
        if capacity <= 0.0 {
            if p.queued {
                // No consumers: messages pile up; those older than their time-to-live expire.
                let max_backlog = lambda * p.timeout_ms / 1000.0;
                self.backlog += arrived;
                if self.backlog > max_backlog {
                    stats.failed += self.backlog - max_backlog;
                    self.backlog = max_backlog;
                }
            } else {
                // No endpoints: every request fails at once, and so does anything queued.
                stats.failed += arrived + self.backlog;
                self.backlog = 0.0;
            }
            stats.cpu_seconds += p.idle_cpu * pods as f64 * dt;
            return;
        }
        // A request that would wait longer than the timeout fails, so the queue holds at
        // most `capacity × timeout` requests.
        let max_backlog = capacity * p.timeout_ms / 1000.0;
        if self.backlog > max_backlog {
            stats.failed += self.backlog - max_backlog;
            self.backlog = max_backlog;
        }
        let served_before = stats.served;
        let s = p.service_ms;
        let wait_ms = |q: f64| q / capacity * 1000.0;
        let good_uniform = |w0: f64, w1: f64, n: f64, stats: &mut StepStats, hist: &mut LatencyHistogram| {
            hist.add_uniform(s + w0, s + w1, n);
            stats.wait_ms_total += n * (w0 + w1) / 2.0;
            stats.good += n * uniform_share_below(s + w0, s + w1, slo_ms);
        };
        let net = lambda - capacity;
        if self.backlog <= 0.0 && net < 0.0 {
            self.stable(p, lambda, pods, dt, slo_ms, stats, hist);
        } else if net >= 0.0 {
            // Backlog grows to the cap, then the excess fails.
            let q0 = self.backlog;
            let t_fill = if net > 0.0 { ((max_backlog - q0) / net).min(dt) } else { dt };
            let q1 = q0 + net * t_fill;
            good_uniform(wait_ms(q0), wait_ms(q1), lambda * t_fill, stats, hist);
            let t_full = dt - t_fill;
            if t_full > 0.0 {
                good_uniform(wait_ms(q1), wait_ms(q1), capacity * t_full, stats, hist);
                stats.failed += net * t_full;
            }
            self.backlog = q1;
            stats.served += capacity * dt;
        } else {
            // Backlog drains, then the queue is stable again.
            let q0 = self.backlog;
            let t_drain = (q0 / -net).min(dt);
            let q1 = q0 + net * t_drain;
            good_uniform(wait_ms(q0), wait_ms(q1.max(0.0)), lambda * t_drain, stats, hist);
            stats.served += capacity * t_drain;
            self.backlog = if t_drain < dt { 0.0 } else { q1.max(0.0) };
            if t_drain < dt {
                self.stable(p, lambda, pods, dt - t_drain, slo_ms, stats, hist);
            }
        }
        let served = stats.served - served_before;
        stats.cpu_seconds += p.idle_cpu * pods as f64 * dt + p.cpu_per_request * served;
    }

    /// Stable M/M/c interval of `dt` seconds: everything arriving is served.
    #[allow(clippy::too_many_arguments)]
    fn stable(
        &mut self,
        p: &ServiceProfile,
        lambda: f64,
        pods: u32,
        dt: f64,
        slo_ms: f64,
        stats: &mut StepStats,
        hist: &mut LatencyHistogram,
    ) {
        let n = lambda * dt;
        stats.served += n;
        if n <= 0.0 {
            return;
        }
        let servers = p.servers(pods);
        if self.memo.is_empty() {
            self.memo = vec![None; MEMO_SLOTS];
        }
        let bits = lambda.to_bits();
        let slot = ((bits ^ (bits >> 29) ^ (servers as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xbf58_476d_1ce4_e5b9)
            >> 54) as usize
            % MEMO_SLOTS;
        let s = p.service_ms;
        let st = match self.memo[slot] {
            Some((c, b, st)) if c == servers && b == bits && st.slo_bits == slo_ms.to_bits() => st,
            _ => {
                let wait = MmcWait::new(servers, lambda, s).expect("stable by construction");
                let st = Stable {
                    wait,
                    slo_bits: slo_ms.to_bits(),
                    good_share: wait.cdf(slo_ms - s),
                    mean_wait_ms: wait.mean_ms(),
                };
                self.memo[slot] = Some((servers, bits, st));
                st
            }
        };
        let wait = st.wait;
        let service_bucket = match self.service_bucket {
            Some((b, i)) if b == s.to_bits() => i,
            _ => {
                let i = LatencyHistogram::bucket_of(s);
                self.service_bucket = Some((s.to_bits(), i));
                i
            }
        };
        hist.add_point_in(service_bucket, n * (1.0 - wait.p_wait));
        // A waiting share below one in a million cannot move any reported percentile (p99.99 at
        // most): count it at the service time and skip the tail's bucket walk.
        if wait.p_wait > 1e-6 {
            match &mut self.pending_tail {
                Some((shift, theta, weight)) if *shift == s && *theta == wait.theta_per_ms => {
                    *weight += n * wait.p_wait
                }
                _ => {
                    self.flush_latency(hist);
                    self.pending_tail = Some((s, wait.theta_per_ms, n * wait.p_wait));
                }
            }
        } else {
            hist.add_point_in(service_bucket, n * wait.p_wait);
        }
        stats.good += n * st.good_share;
        stats.wait_ms_total += n * st.mean_wait_ms;
    }
}

/// Share of a uniform distribution on [a, b] that lies at or below `x`.
fn uniform_share_below(a: f64, b: f64, x: f64) -> f64 {
    if x >= b {
        1.0
    } else if x < a {
        0.0
    } else if b - a <= 0.0 {
        1.0
    } else {
        (x - a) / (b - a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ServiceProfile {
        ServiceProfile {
            concurrency: 4,
            service_ms: 100.0,
            cpu_per_request: 0.01,
            idle_cpu: 0.05,
            timeout_ms: 10_000.0,
            queued: false,
        }
    }

    fn conserved(q0: f64, q1: f64, s: &StepStats) {
        let lhs = s.arrived + q0;
        let rhs = s.served + s.failed + q1;
        assert!((lhs - rhs).abs() < 1e-6 * lhs.max(1.0), "arrived+q0={lhs} served+failed+q1={rhs}");
    }

    #[test]
    fn stable_serves_everything() {
        let mut q = FluidQueue::new();
        let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
        q.advance(&profile(), Load { lambda: 100.0, pods: 4, slo_ms: 500.0 }, 60_000, &mut s, &mut h);
        assert_eq!(s.arrived, 6000.0);
        assert_eq!(s.served, 6000.0);
        assert_eq!(s.failed, 0.0);
        assert!(s.good > 0.99 * 6000.0);
        // cpu: idle 0.05 × 4 pods × 60 s + 0.01 × 6000
        assert!((s.cpu_seconds - (12.0 + 60.0)).abs() < 1e-9);
    }

    #[test]
    fn overload_fills_then_fails_then_drains() {
        let p = profile(); // capacity 160 rps, max backlog 1600
        let mut q = FluidQueue::new();
        let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
        q.advance(&p, Load { lambda: 240.0, pods: 4, slo_ms: 500.0 }, 60_000, &mut s, &mut h);
        conserved(0.0, q.backlog(), &s);
        assert!((q.backlog() - 1600.0).abs() < 1e-9);
        assert!((s.failed - 80.0 * 40.0).abs() < 1e-6);
        assert!((s.served - 160.0 * 60.0).abs() < 1e-6);
        let mut s2 = StepStats::default();
        q.advance(&p, Load { lambda: 100.0, pods: 4, slo_ms: 500.0 }, 60_000, &mut s2, &mut h);
        conserved(1600.0, q.backlog(), &s2);
        assert_eq!(q.backlog(), 0.0);
        assert_eq!(s2.failed, 0.0);
    }

    #[test]
    fn zero_pods_fail_everything() {
        let mut q = FluidQueue::new();
        let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
        q.advance(&profile(), Load { lambda: 50.0, pods: 0, slo_ms: 500.0 }, 10_000, &mut s, &mut h);
        assert_eq!(s.failed, 500.0);
        assert_eq!(s.served, 0.0);
    }

    #[test]
    fn losing_pods_fails_excess_backlog() {
        let p = profile();
        let mut q = FluidQueue::new();
        let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
        q.advance(&p, Load { lambda: 240.0, pods: 4, slo_ms: 500.0 }, 60_000, &mut s, &mut h);
        let mut s2 = StepStats::default();
        q.advance(&p, Load { lambda: 10.0, pods: 1, slo_ms: 500.0 }, 1_000, &mut s2, &mut h);
        conserved(1600.0, q.backlog(), &s2);
        assert!(q.backlog() <= 400.0);
    }

    /// The closed form readers use agrees with what advancing the queue adds, in every case:
    /// stable, filling to the cap, draining (the kink), no pods, a queue without consumers and
    /// a backlog above a lowered cap.
    #[test]
    fn growth_matches_advance() {
        let http = profile();
        let queued = ServiceProfile { queued: true, ..profile() };
        let cases = [
            (http, 0.0, 100.0, 4),
            (http, 0.0, 240.0, 4),
            (http, 1600.0, 100.0, 4),
            (http, 1600.0, 10.0, 1),
            (http, 300.0, 50.0, 0),
            (queued, 300.0, 50.0, 0),
            (queued, 0.0, 160.0, 4),
        ];
        for (p, q0, lambda, pods) in cases {
            for dt_ms in [1, 250, 1_000, 7_000, 15_000, 60_000, 600_000] {
                let load = Load { lambda, pods, slo_ms: 500.0 };
                let mut q = FluidQueue { backlog: q0, ..FluidQueue::new() };
                let g = q.growth(&p, load);
                assert_eq!(g.backlog_after(0.0), q0);
                let (mut s, mut h) = (StepStats::default(), LatencyHistogram::new());
                q.advance(&p, load, dt_ms, &mut s, &mut h);
                let (arrived, served, cpu) = g.after(dt_ms as f64 / 1000.0);
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
                let case = format!("q0 {q0}, lambda {lambda}, pods {pods}, queued {}, {dt_ms} ms", p.queued);
                assert!(close(arrived, s.arrived), "arrived {arrived} vs {}: {case}", s.arrived);
                assert!(close(served, s.served), "served {served} vs {}: {case}", s.served);
                assert!(close(cpu, s.cpu_seconds), "cpu {cpu} vs {}: {case}", s.cpu_seconds);
                let b = g.backlog_after(dt_ms as f64 / 1000.0);
                assert!(close(b, q.backlog()), "backlog {b} vs {}: {case}", q.backlog());
            }
        }
    }
}
