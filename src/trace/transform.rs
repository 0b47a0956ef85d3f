//! Pure transforms: each takes a trace and returns a new one.

use rand::RngExt;
use rand_distr::{Distribution, LogNormal};

use super::{EpochMillis, Trace};
use crate::engine::{StreamRng, YEAR};
use crate::error::{Error, Result};

/// A traffic spike: the rate is multiplied by a factor that ramps linearly from 1 to
/// `factor`, holds, then decays linearly back to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub start: EpochMillis,
    pub factor: f64,
    pub ramp_ms: u64,
    pub hold_ms: u64,
    pub decay_ms: u64,
}

/// How finely ramps and decays are cut into constant steps.
#[derive(Debug, Clone, Copy)]
pub struct SpikeShape {
    pub step_ms: u64,
}

impl Default for SpikeShape {
    fn default() -> Self {
        SpikeShape { step_ms: 10_000 }
    }
}

impl Spike {
    pub fn end(&self) -> EpochMillis {
        self.start + (self.ramp_ms + self.hold_ms + self.decay_ms) as EpochMillis
    }

    /// The multiplier at time `t` (1 outside the spike).
    pub fn factor_at(&self, t: f64) -> f64 {
        let s = self.start as f64;
        let (r, h, d) = (self.ramp_ms as f64, self.hold_ms as f64, self.decay_ms as f64);
        let x = t - s;
        if x < 0.0 || x >= r + h + d {
            1.0
        } else if x < r {
            1.0 + (self.factor - 1.0) * x / r
        } else if x < r + h {
            self.factor
        } else {
            self.factor + (1.0 - self.factor) * (x - r - h) / d
        }
    }

    /// Breakpoints of the spike's step approximation: ramps and decays in `step` pieces.
    fn breakpoints(&self, step: u64) -> Vec<EpochMillis> {
        let mut points = vec![self.start];
        let mut push_range = |from: EpochMillis, len: u64| {
            let mut t = from;
            while t < from + len as EpochMillis {
                t = (t + step as EpochMillis).min(from + len as EpochMillis);
                points.push(t);
            }
        };
        push_range(self.start, self.ramp_ms);
        let hold_start = self.start + self.ramp_ms as EpochMillis;
        push_range(hold_start, self.hold_ms);
        push_range(hold_start + self.hold_ms as EpochMillis, self.decay_ms);
        points.dedup();
        points
    }
}

/// Applies `f(segment_start, segment_end, rate)` to every segment after splitting segments
/// at `cuts` (sorted). The callback returns the new rate.
fn split_and_map(
    trace: &Trace,
    cuts: &[EpochMillis],
    mut f: impl FnMut(EpochMillis, EpochMillis, f64) -> f64,
) -> Trace {
    let mut times = Vec::with_capacity(trace.len() + cuts.len());
    let mut rates = Vec::with_capacity(trace.len() + cuts.len());
    let mut c = cuts.partition_point(|&x| x <= trace.start());
    for (s, e, r) in trace.segments() {
        let mut from = s;
        while c < cuts.len() && cuts[c] < e {
            if cuts[c] > from {
                times.push(from);
                rates.push(f(from, cuts[c], r));
                from = cuts[c];
            }
            c += 1;
        }
        times.push(from);
        rates.push(f(from, e, r));
    }
    let mut out = Trace::new(times, rates, trace.end()).expect("splitting keeps a valid trace");
    out.gaps = trace.gaps.clone();
    out
}

fn check_factor(name: &str, value: f64) -> Result<()> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::new(format!("{name} must be a finite number ≥ 0, got {value}"))
            .fix(format!("set {name} to a number such as 1.5")));
    }
    Ok(())
}

impl Trace {
    /// Multiplies every rate by `factor`.
    pub fn scaled(&self, factor: f64) -> Result<Trace> {
        check_factor("scale", factor)?;
        let mut out = self.clone();
        out.rates.iter_mut().for_each(|r| *r *= factor);
        Ok(out)
    }

    /// Moves the trace in time by `delta` milliseconds.
    pub fn shifted(&self, delta: i64) -> Trace {
        let mut out = self.clone();
        out.times.iter_mut().for_each(|t| *t += delta);
        out.end += delta;
        out.gaps.iter_mut().for_each(|g| {
            g.0 += delta;
            g.1 += delta;
        });
        out
    }

    /// Re-cuts the trace into `step`-long segments aligned to the trace start, each the
    /// time-weighted mean rate over its interval (so request totals are preserved).
    pub fn resampled(&self, step: u64) -> Result<Trace> {
        if step == 0 {
            return Err(Error::new("resample step must be positive").fix("give a step such as 1m"));
        }
        let step = step as i64;
        let n = (self.end() - self.start() + step - 1) / step;
        let mut times = Vec::with_capacity(n as usize);
        let mut rates = Vec::with_capacity(n as usize);
        for i in 0..n {
            let a = self.start() + i * step;
            let b = (a + step).min(self.end());
            times.push(a);
            rates.push(self.requests_between(a, b) * 1000.0 / (b - a) as f64);
        }
        Trace::new(times, rates, self.end())
    }

    /// Keeps [from, to) of the trace.
    pub fn window(&self, from: EpochMillis, to: EpochMillis) -> Result<Trace> {
        let from = from.max(self.start());
        let to = to.min(self.end());
        if from >= to {
            return Err(
                Error::new("the window does not overlap the trace").fix("choose a window inside the trace's span")
            );
        }
        let first = self.segment_at(from).unwrap();
        let mut times = vec![from];
        let mut rates = vec![self.rates[first]];
        for i in first + 1..self.len() {
            if self.times[i] >= to {
                break;
            }
            times.push(self.times[i]);
            rates.push(self.rates[i]);
        }
        let mut out = Trace::new(times, rates, to)?;
        out.gaps = self.gaps.iter().copied().filter(|g| g.1 > from && g.0 < to).collect();
        Ok(out)
    }

    /// Appends `next` right after this trace's end (its own start is ignored).
    pub fn spliced(&self, next: &Trace) -> Trace {
        let moved = next.shifted(self.end() - next.start());
        let mut times = self.times.clone();
        let mut rates = self.rates.clone();
        times.extend_from_slice(&moved.times);
        rates.extend_from_slice(&moved.rates);
        let mut out = Trace::new(times, rates, moved.end).expect("splice of valid traces is valid");
        out.gaps = self.gaps.iter().chain(&moved.gaps).copied().collect();
        out
    }

    /// Repeats the trace back to back until it covers `until`, then cuts it there.
    /// Returns the trace and how many copies were used.
    pub fn repeated_until(&self, until: EpochMillis) -> Result<(Trace, u64)> {
        let mut out = self.clone();
        let mut copies = 1;
        while out.end() < until {
            out = out.spliced(self);
            copies += 1;
        }
        Ok((out.window(out.start(), until)?, copies))
    }

    /// Compounding growth: the rate at time t is multiplied by (1 + per_year)^((t - anchor)/year),
    /// evaluated at each segment's midpoint (segments longer than a day are cut daily first).
    pub fn grown(&self, per_year: f64, anchor: EpochMillis) -> Result<Trace> {
        if !per_year.is_finite() || per_year <= -1.0 {
            return Err(Error::new(format!("growth per year must be above -100 %, got {per_year}"))
                .fix("write growth as a fraction, e.g. 0.3 for +30 % a year"));
        }
        let day = crate::engine::DAY as i64;
        let cuts: Vec<EpochMillis> = (1..=(self.span() as i64 / day)).map(|d| self.start() + d * day).collect();
        let base = 1.0 + per_year;
        Ok(split_and_map(self, &cuts, |s, e, r| {
            let mid = (s + e) as f64 / 2.0;
            r * base.powf((mid - anchor as f64) / YEAR as f64)
        }))
    }

    /// Multiplies each segment by an independent lognormal factor with mean 1 and the given
    /// coefficient of variation, drawn from `rng` in segment order.
    pub fn with_noise(&self, cv: f64, rng: &mut StreamRng) -> Result<Trace> {
        check_factor("noise cv", cv)?;
        if cv == 0.0 {
            return Ok(self.clone());
        }
        let sigma2 = (1.0 + cv * cv).ln();
        let dist = LogNormal::new(-sigma2 / 2.0, sigma2.sqrt()).map_err(|e| Error::new(format!("noise: {e}")))?;
        let mut out = self.clone();
        for r in out.rates.iter_mut() {
            // Draw even for zero rates so the stream position depends only on segment count.
            let f: f64 = dist.sample(rng);
            *r *= f;
        }
        let _ = rng.random::<u8>();
        Ok(out)
    }

    /// Applies a spike. Ramps and decays are cut into `shape.step_ms` pieces, each at the
    /// profile's mean over the piece, so the added requests equal the exact integral.
    pub fn with_spike(&self, spike: &Spike, shape: SpikeShape) -> Result<Trace> {
        check_factor("spike factor", spike.factor)?;
        if shape.step_ms == 0 {
            return Err(Error::new("spike step must be positive"));
        }
        let cuts = spike.breakpoints(shape.step_ms);
        Ok(split_and_map(self, &cuts, |s, e, r| {
            // The linear profile's mean over [s, e) is its value at the midpoint.
            r * spike.factor_at((s + e) as f64 / 2.0)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn flat() -> Trace {
        Trace::constant(0, 3_600_000, 100.0).unwrap()
    }

    #[test]
    fn spike_adds_exact_requests() {
        let spike = Spike { start: 600_000, factor: 10.0, ramp_ms: 120_000, hold_ms: 600_000, decay_ms: 300_000 };
        let t = flat().with_spike(&spike, SpikeShape::default()).unwrap();
        // Extra = 100 rps × 9 × (ramp/2 + hold + decay/2) seconds.
        let extra = 100.0 * 9.0 * (60.0 + 600.0 + 150.0);
        assert!((t.total_requests() - flat().total_requests() - extra).abs() < 1e-6);
        assert_eq!(t.rate_at(800_000), 1000.0);
        assert_eq!(t.rate_at(599_999), 100.0);
        assert_eq!(t.rate_at(spike.end()), 100.0);
    }

    #[test]
    fn resample_preserves_totals() {
        let t = Trace::new(vec![0, 1_000, 2_500], vec![4.0, 2.0, 8.0], 10_000).unwrap();
        let r = t.resampled(3_000).unwrap();
        assert_eq!(r.len(), 4);
        assert!((r.total_requests() - t.total_requests()).abs() < 1e-9);
    }

    #[test]
    fn repeat_and_window() {
        let t = Trace::new(vec![0, 1_000], vec![1.0, 2.0], 2_000).unwrap();
        let (r, copies) = t.repeated_until(5_000).unwrap();
        assert_eq!(copies, 3);
        assert_eq!(r.end(), 5_000);
        assert_eq!(r.rate_at(4_500), 1.0);
        assert_eq!(r.rate_at(3_500), 2.0);
    }

    #[test]
    fn growth_compounds() {
        let t = Trace::constant(0, 2 * YEAR as i64, 100.0).unwrap().grown(0.5, 0).unwrap();
        let late = t.rate_at(2 * YEAR as i64 - 1);
        assert!((late / 100.0 - 2.25).abs() < 0.01, "{late}");
    }

    #[test]
    fn noise_is_seeded_and_mean_preserving() {
        let t = Trace::new((0..10_000).map(|i| i * 1000).collect(), vec![50.0; 10_000], 10_000_000).unwrap();
        let streams = RngStreams::new(3, "t", 0);
        let a = t.with_noise(0.2, &mut streams.stream("noise")).unwrap();
        let b = t.with_noise(0.2, &mut streams.stream("noise")).unwrap();
        assert_eq!(a, b);
        let mean = a.total_requests() / 10_000.0;
        assert!((mean - 50.0).abs() < 0.5, "{mean}");
    }
}
