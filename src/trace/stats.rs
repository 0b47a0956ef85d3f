//! Summary statistics of a trace, for `capsim trace inspect`.

use serde::Serialize;

use super::Trace;

#[derive(Debug, Clone, Serialize)]
pub struct TraceStats {
    pub start: String,
    pub end: String,
    pub span_seconds: f64,
    pub segments: usize,
    pub resolution_seconds: f64,
    pub gaps: usize,
    pub gap_seconds: f64,
    pub total_requests: f64,
    pub mean_rps: f64,
    pub p50_rps: f64,
    pub p95_rps: f64,
    pub max_rps: f64,
    pub peak_to_mean: f64,
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// Time-weighted statistics: percentiles are of the rate over time, not over segments.
pub fn inspect(trace: &Trace) -> TraceStats {
    let span = trace.span() as f64 / 1000.0;
    let total = trace.total_requests();
    let mean = total / span;
    let mut weighted: Vec<(f64, f64)> = trace.segments().map(|(s, e, r)| (r, (e - s) as f64)).collect();
    weighted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let quantile = |q: f64| {
        let target = q * trace.span() as f64;
        let mut acc = 0.0;
        for &(r, w) in &weighted {
            acc += w;
            if acc >= target {
                return r;
            }
        }
        weighted.last().map_or(0.0, |x| x.0)
    };
    let max = weighted.last().map_or(0.0, |x| x.0);
    TraceStats {
        start: rfc3339(trace.start()),
        end: rfc3339(trace.end()),
        span_seconds: span,
        segments: trace.len(),
        resolution_seconds: trace.resolution() as f64 / 1000.0,
        gaps: trace.gaps.len(),
        gap_seconds: trace.gaps.iter().map(|g| (g.1 - g.0) as f64 / 1000.0).sum(),
        total_requests: total,
        mean_rps: mean,
        p50_rps: quantile(0.5),
        p95_rps: quantile(0.95),
        max_rps: max,
        peak_to_mean: if mean > 0.0 { max / mean } else { 0.0 },
    }
}
