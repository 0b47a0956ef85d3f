//! Demand series: readers (CSV, per-request CSV, Prometheus JSON), pure transforms, and
//! summary statistics.
//!
//! A [`Trace`] is a piecewise-constant arrival rate (requests per second) over absolute time.
//! It is validated once, when it is built; every transform returns a new valid trace.

mod read;
mod stats;
mod transform;

pub use read::{
    CsvOptions, GapPolicy, PrometheusOptions, RequestsOptions, ValueKind, read_csv, read_prometheus, read_requests_csv,
};
pub use stats::{TraceStats, inspect};
pub use transform::{Spike, SpikeShape};

use crate::error::{Error, Result};

/// Milliseconds since the Unix epoch (UTC).
pub type EpochMillis = i64;

/// A piecewise-constant arrival rate. Segment `i` runs from `times[i]` to `times[i + 1]`
/// (the last one to `end`) at `rates[i]` requests per second.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    times: Vec<EpochMillis>,
    rates: Vec<f64>,
    end: EpochMillis,
    /// Gaps found in the source data (start, end) and filled by the gap policy.
    pub gaps: Vec<(EpochMillis, EpochMillis)>,
}

impl Trace {
    /// Builds a trace, checking its invariants: at least one segment, strictly increasing
    /// times ending before `end`, finite non-negative rates.
    pub fn new(times: Vec<EpochMillis>, rates: Vec<f64>, end: EpochMillis) -> Result<Self> {
        if times.is_empty() {
            return Err(Error::new("the trace has no data points").fix("give at least one row of data"));
        }
        if times.len() != rates.len() {
            return Err(Error::new("internal: times and rates differ in length"));
        }
        if let Some(i) = times.windows(2).position(|w| w[0] >= w[1]) {
            return Err(Error::new(format!("segment {} does not start after segment {}", i + 1, i)));
        }
        if *times.last().unwrap() >= end {
            return Err(Error::new("the trace ends before its last segment starts"));
        }
        if let Some(i) = rates.iter().position(|r| !r.is_finite() || *r < 0.0) {
            return Err(Error::new(format!(
                "segment {i} has rate {}, which is not a finite non-negative number",
                rates[i]
            )));
        }
        Ok(Trace { times, rates, end, gaps: Vec::new() })
    }

    /// A constant rate over [start, end).
    pub fn constant(start: EpochMillis, end: EpochMillis, rate: f64) -> Result<Self> {
        Trace::new(vec![start], vec![rate], end)
    }

    pub fn start(&self) -> EpochMillis {
        self.times[0]
    }

    pub fn end(&self) -> EpochMillis {
        self.end
    }

    pub fn span(&self) -> u64 {
        (self.end - self.start()) as u64
    }

    pub fn times(&self) -> &[EpochMillis] {
        &self.times
    }

    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// End of segment `i`.
    pub fn segment_end(&self, i: usize) -> EpochMillis {
        self.times.get(i + 1).copied().unwrap_or(self.end)
    }

    /// Iterates (start, end, rate) per segment.
    pub fn segments(&self) -> impl Iterator<Item = (EpochMillis, EpochMillis, f64)> + '_ {
        (0..self.times.len()).map(|i| (self.times[i], self.segment_end(i), self.rates[i]))
    }

    /// Index of the segment containing `t`, if `t` is inside the trace.
    pub fn segment_at(&self, t: EpochMillis) -> Option<usize> {
        if t < self.start() || t >= self.end {
            return None;
        }
        Some(self.times.partition_point(|&s| s <= t) - 1)
    }

    /// The rate at `t`; zero outside the trace.
    pub fn rate_at(&self, t: EpochMillis) -> f64 {
        self.segment_at(t).map_or(0.0, |i| self.rates[i])
    }

    /// Requests arriving in [a, b): the integral of the rate.
    pub fn requests_between(&self, a: EpochMillis, b: EpochMillis) -> f64 {
        let a = a.max(self.start());
        let b = b.min(self.end);
        if a >= b {
            return 0.0;
        }
        let first = self.segment_at(a).unwrap();
        let mut total = 0.0;
        for i in first..self.times.len() {
            let (s, e) = (self.times[i].max(a), self.segment_end(i).min(b));
            if s >= b {
                break;
            }
            total += self.rates[i] * (e - s) as f64 / 1000.0;
        }
        total
    }

    /// Total requests over the whole trace.
    pub fn total_requests(&self) -> f64 {
        self.requests_between(self.start(), self.end)
    }

    /// The typical step: the median segment length.
    pub fn resolution(&self) -> u64 {
        let mut lengths: Vec<i64> = (0..self.times.len()).map(|i| self.segment_end(i) - self.times[i]).collect();
        lengths.sort_unstable();
        lengths[lengths.len() / 2] as u64
    }

    /// Merges neighbouring segments with equal rates (same demand, fewer events).
    pub fn coalesced(&self) -> Trace {
        let mut times = Vec::with_capacity(self.times.len());
        let mut rates: Vec<f64> = Vec::with_capacity(self.times.len());
        for (t, r) in self.times.iter().zip(&self.rates) {
            if rates.last() != Some(r) {
                times.push(*t);
                rates.push(*r);
            }
        }
        Trace { times, rates, end: self.end, gaps: self.gaps.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trace {
        Trace::new(vec![0, 1000, 3000], vec![10.0, 0.0, 5.0], 4000).unwrap()
    }

    #[test]
    fn lookup_and_integral() {
        let t = sample();
        assert_eq!(t.rate_at(999), 10.0);
        assert_eq!(t.rate_at(1000), 0.0);
        assert_eq!(t.rate_at(3999), 5.0);
        assert_eq!(t.rate_at(4000), 0.0);
        assert_eq!(t.total_requests(), 15.0);
        assert_eq!(t.requests_between(500, 3500), 7.5);
    }

    #[test]
    fn invariants_checked() {
        assert!(Trace::new(vec![], vec![], 1).is_err());
        assert!(Trace::new(vec![0, 0], vec![1.0, 1.0], 5).is_err());
        assert!(Trace::new(vec![0], vec![-1.0], 5).is_err());
        assert!(Trace::new(vec![0], vec![f64::NAN], 5).is_err());
        assert!(Trace::new(vec![5], vec![1.0], 5).is_err());
    }
}
