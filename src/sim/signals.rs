//! What controllers can observe: each workload's true signals as running integrals, so any
//! window average can be read back exactly (DESIGN §3.3).
//!
//! Checkpoints are taken only when the workload itself changes (its demand, its ready pods, an
//! output step). Between two, the fluid model's totals move in closed form ([`Growth`]), so a
//! reader gets them at any instant without advancing the workload: when controllers look
//! changes nothing they see, or anything the run reports.

use std::collections::VecDeque;

use crate::engine::Millis;
use crate::traffic::{Growth, RateRange};

/// Cumulative totals at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub arrived: f64,
    pub served: f64,
    /// CPU of ready pods, core-seconds.
    pub cpu_seconds: f64,
}

impl Totals {
    fn plus(self, g: &Growth, from: Millis, to: Millis) -> Totals {
        let (arrived, served, cpu) = g.after((to - from) as f64 / 1000.0);
        Totals { arrived: self.arrived + arrived, served: self.served + served, cpu_seconds: self.cpu_seconds + cpu }
    }
}

/// One checkpoint: the totals at `t`, and how they moved until the next checkpoint when known
/// in closed form (else they are interpolated linearly, as for the request-level model).
#[derive(Debug, Clone, Copy)]
struct Point {
    t: Millis,
    totals: Totals,
    growth: Option<Growth>,
}

/// Checkpoints of the running totals, kept for `horizon_ms`.
#[derive(Debug, Clone)]
pub struct SignalHistory {
    points: VecDeque<Point>,
    horizon_ms: Millis,
}

impl SignalHistory {
    pub fn new(horizon_ms: Millis) -> Self {
        let mut points = VecDeque::new();
        points.push_back(Point { t: 0, totals: Totals::default(), growth: None });
        SignalHistory { points, horizon_ms }
    }

    /// When the last checkpoint was taken.
    pub fn last_time(&self) -> Millis {
        self.points.back().expect("a history is never empty").t
    }

    /// Records the totals at `t` (non-decreasing), with how they moved since the previous
    /// checkpoint when known in closed form, and forgets what no window can reach.
    pub fn record(&mut self, t: Millis, totals: Totals, growth_since_last: Option<Growth>) {
        let last = self.points.back_mut().expect("a history is never empty");
        if last.t == t {
            last.totals = totals;
        } else {
            last.growth = growth_since_last;
            self.points.push_back(Point { t, totals, growth: None });
        }
        while self.points.len() > 2 && self.points[1].t + self.horizon_ms < t {
            self.points.pop_front();
        }
    }

    /// Totals at `t`: in closed form within a segment whose growth is known (`open` for the
    /// one after the last checkpoint), else interpolated linearly between checkpoints (exact at
    /// checkpoints; before the first checkpoint the first is used, after the last the last).
    pub fn at(&self, t: Millis, open: Option<&Growth>) -> Totals {
        let i = self.first_after(t);
        if i == 0 {
            return self.points[0].totals;
        }
        let a = &self.points[i - 1];
        let Some(b) = self.points.get(i) else {
            return match open {
                Some(g) => a.totals.plus(g, a.t, t),
                None => a.totals,
            };
        };
        if let Some(g) = &a.growth {
            return a.totals.plus(g, a.t, t);
        }
        let f = (t - a.t) as f64 / (b.t - a.t) as f64;
        let (a, b) = (a.totals, b.totals);
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
            if self.points[i].t <= t {
                lo = i + 1;
                break;
            }
            hi = i;
            step *= 2;
        }
        // The answer lies in [lo, hi]: points[..lo] are <= t, points[hi..] are > t.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.points[mid].t <= t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Mean rates over [to - window, to]: (arrivals/s, served/s, CPU cores). A zero window
    /// gives the rate over the last millisecond. `open` is how the totals move after the last
    /// checkpoint.
    pub fn rates(&self, to: Millis, window: Millis, open: Option<&Growth>) -> (f64, f64, f64) {
        let window = window.max(1).min(to.max(1));
        let (a, b) = (self.at(to.saturating_sub(window), open), self.at(to, open));
        let secs = window as f64 / 1000.0;
        ((b.arrived - a.arrived) / secs, (b.served - a.served) / secs, (b.cpu_seconds - a.cpu_seconds) / secs)
    }

    /// The range of the rates at every instant from `from` on, over the recorded segments and
    /// then `open`; `None` when a segment reaching past `from` has no closed form (its rates are
    /// not known instant by instant).
    pub fn rate_range(&self, from: Millis, open: Option<&Growth>) -> Option<RateRange> {
        let last = self.points.len() - 1;
        let first = self.first_after(from).saturating_sub(1);
        let segments = self.points.range(first..last).map(|p| p.growth.as_ref());
        let mut range: Option<RateRange> = None;
        for g in segments.chain(std::iter::once(open)) {
            let r = g?.rate_range();
            range = Some(range.map_or(r, |x| x.union(r)));
        }
        range
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
        h.record(60_000, Totals { arrived: 600.0, served: 600.0, cpu_seconds: 6.0 }, None);
        h.record(120_000, Totals { arrived: 1800.0, served: 1500.0, cpu_seconds: 15.0 }, None);
        let (a, s, c) = h.rates(120_000, 60_000, None);
        assert_eq!((a, s, c), (20.0, 15.0, 0.15));
        let (a, _, _) = h.rates(120_000, 120_000, None);
        assert_eq!(a, 15.0);
        assert_eq!(last_scrape(44_000, 15_000), 30_000);
    }

    #[test]
    fn galloping_search_matches_partition_point() {
        let mut h = SignalHistory::new(u64::MAX / 4);
        for k in 1..300u64 {
            h.record(k * k * 7, Totals::default(), None);
        }
        for t in (0..300 * 300 * 7).step_by(97) {
            assert_eq!(h.first_after(t), h.points.partition_point(|p| p.t <= t), "t={t}");
        }
    }
}
