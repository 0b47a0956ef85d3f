//! What controllers can observe: each workload's true signals as running integrals, so any
//! window average can be read back exactly at checkpoint times (DESIGN §3.3).

use std::collections::VecDeque;

use crate::engine::Millis;

/// Cumulative totals at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub arrived: f64,
    pub served: f64,
    /// CPU of ready pods, core-seconds.
    pub cpu_seconds: f64,
}

/// Checkpoints of the running totals, kept for `horizon_ms`.
#[derive(Debug, Clone)]
pub struct SignalHistory {
    points: VecDeque<(Millis, Totals)>,
    horizon_ms: Millis,
}

impl SignalHistory {
    pub fn new(horizon_ms: Millis) -> Self {
        let mut points = VecDeque::new();
        points.push_back((0, Totals::default()));
        SignalHistory { points, horizon_ms }
    }

    /// Records the totals at `t` (non-decreasing) and forgets what no window can reach.
    pub fn record(&mut self, t: Millis, totals: Totals) {
        if let Some(last) = self.points.back_mut()
            && last.0 == t
        {
            last.1 = totals;
        } else {
            self.points.push_back((t, totals));
        }
        while self.points.len() > 2 && self.points[1].0 + self.horizon_ms < t {
            self.points.pop_front();
        }
    }

    /// Totals at `t`, interpolated linearly between checkpoints (exact at checkpoints;
    /// before the first checkpoint the first is used).
    pub fn at(&self, t: Millis) -> Totals {
        let i = self.first_after(t);
        if i == 0 {
            return self.points[0].1;
        }
        let (t0, a) = self.points[i - 1];
        let Some(&(t1, b)) = self.points.get(i) else { return a };
        let f = (t - t0) as f64 / (t1 - t0) as f64;
        Totals {
            arrived: a.arrived + (b.arrived - a.arrived) * f,
            served: a.served + (b.served - a.served) * f,
            cpu_seconds: a.cpu_seconds + (b.cpu_seconds - a.cpu_seconds) * f,
        }
    }

    /// Index of the first checkpoint after `t` (`partition_point(|p| p.0 <= t)`). Readers ask
    /// about the last few seconds or minutes of a 30-minute history, so the search gallops
    /// back from the newest checkpoint instead of bisecting the whole history.
    fn first_after(&self, t: Millis) -> usize {
        let n = self.points.len();
        let (mut lo, mut hi) = (0, n);
        let mut step = 1;
        while step <= n {
            let i = n - step;
            if self.points[i].0 <= t {
                lo = i + 1;
                break;
            }
            hi = i;
            step *= 2;
        }
        // The answer lies in [lo, hi]: points[..lo] are <= t, points[hi..] are > t.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.points[mid].0 <= t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Mean rates over [to - window, to]: (arrivals/s, served/s, CPU cores). A zero window
    /// gives the rate over the last millisecond.
    pub fn rates(&self, to: Millis, window: Millis) -> (f64, f64, f64) {
        let window = window.max(1).min(to.max(1));
        let (a, b) = (self.at(to.saturating_sub(window)), self.at(to));
        let secs = window as f64 / 1000.0;
        ((b.arrived - a.arrived) / secs, (b.served - a.served) / secs, (b.cpu_seconds - a.cpu_seconds) / secs)
    }
}

/// The last scrape at or before `now` for a scrape loop of period `scrape`.
pub fn last_scrape(now: Millis, scrape: Millis) -> Millis {
    now - now % scrape.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_rates() {
        let mut h = SignalHistory::new(600_000);
        h.record(60_000, Totals { arrived: 600.0, served: 600.0, cpu_seconds: 6.0 });
        h.record(120_000, Totals { arrived: 1800.0, served: 1500.0, cpu_seconds: 15.0 });
        let (a, s, c) = h.rates(120_000, 60_000);
        assert_eq!((a, s, c), (20.0, 15.0, 0.15));
        let (a, _, _) = h.rates(120_000, 120_000);
        assert_eq!(a, 15.0);
        assert_eq!(last_scrape(44_000, 15_000), 30_000);
    }

    #[test]
    fn galloping_search_matches_partition_point() {
        let mut h = SignalHistory::new(u64::MAX / 4);
        for k in 1..300u64 {
            h.record(k * k * 7, Totals::default());
        }
        for t in (0..300 * 300 * 7).step_by(97) {
            assert_eq!(h.first_after(t), h.points.partition_point(|p| p.0 <= t), "t={t}");
        }
    }
}
