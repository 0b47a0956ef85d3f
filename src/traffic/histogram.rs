//! A log-bucketed latency histogram that takes whole distributions (points, uniform ranges,
//! shifted exponentials) with fractional weights, so the fluid model can record the latency of
//! millions of requests per step in a few bucket updates.

/// Smallest latency resolved, in milliseconds.
const MIN_MS: f64 = 0.1;
/// Bucket ratio: each bucket is 2 % wider than the one below, so quantiles are within ±1 %.
const RATIO: f64 = 1.02;
/// Buckets reach MIN_MS × 1.02^1100 ≈ 2.8 × 10^8 ms (3 days); anything above lands in the last.
const BUCKETS: usize = 1100;

fn ln_ratio() -> f64 {
    RATIO.ln()
}

/// Lower edges of the buckets, and one past the last (bucket 0 also holds everything below
/// MIN_MS).
fn edges() -> &'static [f64] {
    static EDGES: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| (0..=BUCKETS).map(|i| if i == 0 { 0.0 } else { MIN_MS * RATIO.powi(i as i32) }).collect())
}

/// Lower edge of bucket `i`.
fn edge(i: usize) -> f64 {
    edges()[i.min(BUCKETS)]
}

fn bucket(ms: f64) -> usize {
    if ms < MIN_MS * RATIO {
        return 0;
    }
    (((ms / MIN_MS).ln() / ln_ratio()).floor() as usize).min(BUCKETS - 1)
}

#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    weights: Vec<f64>,
    /// Touched range [lo, hi]; empty when lo > hi. Keeps clear/merge/quantile cheap.
    lo: usize,
    hi: usize,
    total: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        LatencyHistogram { weights: vec![0.0; BUCKETS], lo: BUCKETS, hi: 0, total: 0.0 }
    }

    pub fn total(&self) -> f64 {
        self.total
    }

    #[inline]
    fn add_at(&mut self, i: usize, w: f64) {
        self.weights[i] += w;
        self.lo = self.lo.min(i);
        self.hi = self.hi.max(i);
    }

    /// `w` requests with latency exactly `ms`.
    pub fn add_point(&mut self, ms: f64, w: f64) {
        self.add_point_in(Self::bucket_of(ms), w);
    }

    /// The bucket a latency falls in, for callers that add to the same latency often.
    pub fn bucket_of(ms: f64) -> usize {
        bucket(ms)
    }

    /// [`add_point`](Self::add_point) with the bucket already known (from [`bucket_of`](Self::bucket_of)).
    pub fn add_point_in(&mut self, bucket: usize, w: f64) {
        if w <= 0.0 {
            return;
        }
        self.add_at(bucket, w);
        self.total += w;
    }

    /// `w` requests spread uniformly over latencies [a, b].
    pub fn add_uniform(&mut self, a: f64, b: f64, w: f64) {
        if w <= 0.0 {
            return;
        }
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if b - a < 1e-9 * b.max(1.0) {
            return self.add_point(a, w);
        }
        let (first, last) = (bucket(a), bucket(b));
        for i in first..=last {
            let lo = edge(i).max(a);
            let hi = if i + 1 < BUCKETS { edge(i + 1).min(b) } else { b };
            if hi > lo {
                self.add_at(i, w * (hi - lo) / (b - a));
            }
        }
        self.total += w;
    }

    /// `w` requests with latency `shift` + Exp(rate `theta` per ms).
    pub fn add_shifted_exponential(&mut self, shift: f64, theta: f64, w: f64) {
        if w <= 0.0 {
            return;
        }
        // The CDF is evaluated exactly at every STRIDE-th bucket edge; inside a block its mass is
        // shared by bucket width. The exponential is smooth at this scale (blocks are 8 % wide),
        // so this moves no quantile by more than a fraction of a bucket, at a quarter of the exps.
        const STRIDE: usize = 4;
        let edges = edges(); // edges[i] for i <= BUCKETS, as `edge` gives
        let first = bucket(shift);
        let mut lo = first;
        let mut below = 0.0; // CDF at the start of block `lo`
        loop {
            let hi = (lo + STRIDE).min(BUCKETS); // block is buckets lo..hi
            let upper = if hi < BUCKETS { edges[hi] } else { f64::INFINITY };
            let cdf = 1.0 - (-theta * (upper - shift)).exp();
            // The rest (below 1e-4 of the mass, past the p99.99 of the tail) goes in this block.
            let last = hi == BUCKETS || 1.0 - cdf < 1e-4;
            let mass = w * (if last { 1.0 } else { cdf } - below);
            let start = if lo == first { shift } else { edges[lo] };
            let end = if hi < BUCKETS { edges[hi] } else { edges[BUCKETS - 1] * RATIO };
            let width = (end - start).max(f64::MIN_POSITIVE);
            for i in lo..hi {
                let a = if i == first { shift } else { edges[i] };
                let b = if i + 1 < BUCKETS { edges[i + 1] } else { end };
                if b > a {
                    self.add_at(i, mass * (b - a) / width);
                }
            }
            if last {
                break;
            }
            below = cdf;
            lo = hi;
        }
        self.total += w;
    }

    /// The latency below which a share `q` of the recorded requests fall, interpolated inside
    /// the bucket. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total <= 0.0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * self.total;
        let mut acc = 0.0;
        for i in self.lo..=self.hi {
            let w = self.weights[i];
            if w > 0.0 && acc + w >= target {
                let frac = ((target - acc) / w).clamp(0.0, 1.0);
                let lo = edge(i).max(if i == 0 { 0.0 } else { edge(i) });
                let hi = edge(i + 1);
                return Some(lo + (hi - lo) * frac);
            }
            acc += w;
        }
        Some(edge(self.hi + 1))
    }

    /// Weighted mean latency (bucket midpoints).
    pub fn mean(&self) -> Option<f64> {
        if self.total <= 0.0 {
            return None;
        }
        let sum: f64 = (self.lo..=self.hi).map(|i| self.weights[i] * (edge(i) + edge(i + 1)) / 2.0).sum();
        Some(sum / self.total)
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.lo > other.hi {
            return;
        }
        for i in other.lo..=other.hi {
            self.weights[i] += other.weights[i];
        }
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        self.total += other.total;
    }

    pub fn clear(&mut self) {
        if self.lo <= self.hi {
            self.weights[self.lo..=self.hi].iter_mut().for_each(|w| *w = 0.0);
        }
        self.lo = BUCKETS;
        self.hi = 0;
        self.total = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn point_and_uniform_quantiles() {
        let mut h = LatencyHistogram::new();
        h.add_point(50.0, 99.0);
        h.add_point(5_000.0, 1.0);
        assert!(close(h.quantile(0.5).unwrap(), 50.0, 0.02));
        assert!(close(h.quantile(0.995).unwrap(), 5_000.0, 0.02));
        let mut u = LatencyHistogram::new();
        u.add_uniform(100.0, 300.0, 1000.0);
        assert!(close(u.quantile(0.5).unwrap(), 200.0, 0.02));
        assert!(close(u.quantile(0.99).unwrap(), 298.0, 0.02));
    }

    #[test]
    fn exponential_quantiles() {
        let mut h = LatencyHistogram::new();
        h.add_shifted_exponential(40.0, 1.0 / 100.0, 1.0);
        // q-quantile of 40 + Exp(mean 100) is 40 - 100 ln(1-q).
        for q in [0.5, 0.95, 0.99] {
            let exact = 40.0 - 100.0 * (1.0f64 - q).ln();
            assert!(close(h.quantile(q).unwrap(), exact, 0.02), "q={q}");
        }
        assert!((h.total() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn merge_and_clear() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        a.add_point(10.0, 1.0);
        b.add_point(1000.0, 1.0);
        a.merge(&b);
        assert_eq!(a.total(), 2.0);
        a.clear();
        assert_eq!(a.quantile(0.5), None);
    }
}
