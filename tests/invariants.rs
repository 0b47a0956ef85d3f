//! Property tests of the model's invariants (proptest): conservation in the service model,
//! exactness of trace transforms, histogram and event-queue order, parsers that never panic.

use capsim::engine::{EventQueue, RngStreams};
use capsim::model::units::{parse_duration, parse_quantity};
use capsim::trace::{Spike, SpikeShape, Trace};
use capsim::traffic::{FluidQueue, LatencyHistogram, Load, RequestQueue, ServiceProfile, StepStats};
use proptest::prelude::*;

fn profile(concurrency: u32, service_ms: f64, timeout_ms: f64, queued: bool) -> ServiceProfile {
    ServiceProfile { concurrency, service_ms, cpu_per_request: 0.002, idle_cpu: 0.01, timeout_ms, queued }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// arrived = served + failed + Δbacklog in every step, whatever the load and pods.
    #[test]
    fn fluid_conserves_requests(
        concurrency in 1u32..32,
        service_ms in 1.0f64..2_000.0,
        timeout_ms in 100.0f64..600_000.0,
        queued in any::<bool>(),
        steps in prop::collection::vec((0.0f64..5_000.0, 0u32..40, 1u64..120_000), 1..40),
    ) {
        let p = profile(concurrency, service_ms, timeout_ms, queued);
        let mut q = FluidQueue::new();
        let mut hist = LatencyHistogram::new();
        for (lambda, pods, dt) in steps {
            let before = q.backlog();
            let mut s = StepStats::default();
            q.advance(&p, Load { lambda, pods, slo_ms: 500.0 }, dt, &mut s, &mut hist);
            let lhs = s.arrived + before;
            let rhs = s.served + s.failed + q.backlog();
            prop_assert!((lhs - rhs).abs() <= 1e-6 * lhs.max(1.0), "{lhs} vs {rhs}");
            prop_assert!(q.backlog() >= 0.0 && s.failed >= 0.0 && s.served >= 0.0);
            // Good requests are counted when they arrive (they may be served in a later step).
            prop_assert!(s.good <= s.arrived - s.failed.min(s.arrived) + before + 1e-6 * s.arrived.max(1.0));
            if pods == 0 && !queued {
                prop_assert_eq!(s.served, 0.0);
            }
        }
    }

    /// What readers evaluate in closed form between checkpoints (`FluidQueue::growth`) is what
    /// advancing the queue adds, at every instant of every step: served, arrived, CPU and the
    /// backlog, through fills, drains, lost pods and capacity changes.
    #[test]
    fn fluid_growth_is_what_advance_adds(
        concurrency in 1u32..32,
        service_ms in 1.0f64..2_000.0,
        timeout_ms in 100.0f64..600_000.0,
        queued in any::<bool>(),
        steps in prop::collection::vec((0.0f64..5_000.0, 0u32..40, 1u64..120_000, 0.0f64..1.0), 1..40),
    ) {
        let p = profile(concurrency, service_ms, timeout_ms, queued);
        let mut q = FluidQueue::new();
        let mut hist = LatencyHistogram::new();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        for (lambda, pods, dt, cut) in steps {
            let load = Load { lambda, pods, slo_ms: 500.0 };
            let g = q.growth(&p, load);
            // Part of the step, on a copy: a reader in the middle of it.
            let part = ((dt as f64 * cut) as u64).max(1);
            let mut probe = q.clone();
            let mut s = StepStats::default();
            probe.advance(&p, load, part, &mut s, &mut hist);
            let (arrived, served, cpu) = g.after(part as f64 / 1000.0);
            prop_assert!(close(arrived, s.arrived) && close(served, s.served) && close(cpu, s.cpu_seconds),
                "after {part} ms: closed form {:?}, advance {:?}", (arrived, served, cpu), s);
            prop_assert!(close(g.backlog_after(part as f64 / 1000.0), probe.backlog()));
            q.advance(&p, load, dt, &mut StepStats::default(), &mut hist);
        }
    }

    /// A sleeping HPA relies on each segment's rate range (`Growth::rate_range`): the mean of
    /// every window inside a step, as readers compute it from the closed form, lies between the
    /// segment's lowest and highest rates, through fills, drains and kinks.
    #[test]
    fn every_window_mean_lies_in_the_segment_rate_range(
        concurrency in 1u32..32,
        service_ms in 1.0f64..2_000.0,
        timeout_ms in 100.0f64..600_000.0,
        queued in any::<bool>(),
        steps in prop::collection::vec((0.0f64..5_000.0, 0u32..40, 1u64..120_000, 0.0f64..1.0, 0.0f64..1.0), 1..40),
    ) {
        let p = profile(concurrency, service_ms, timeout_ms, queued);
        let mut q = FluidQueue::new();
        let mut hist = LatencyHistogram::new();
        for (lambda, pods, dt, a, b) in steps {
            let load = Load { lambda, pods, slo_ms: 500.0 };
            let g = q.growth(&p, load);
            let range = g.rate_range();
            let secs = dt as f64 / 1000.0;
            let (from, to) = (secs * a.min(b), secs * a.max(b));
            if to - from > 1e-3 {
                let (x, y) = (g.after(from), g.after(to));
                let means = [(y.0 - x.0) / (to - from), (y.1 - x.1) / (to - from), (y.2 - x.2) / (to - from)];
                for (k, mean) in means.iter().enumerate() {
                    let slack = 1e-9 * range.high[k].abs().max(1.0);
                    prop_assert!(range.low[k] - slack <= *mean && *mean <= range.high[k] + slack,
                        "rate {k} over [{from}, {to}] s: mean {mean}, range {:?}", range);
                }
            }
            q.advance(&p, load, dt, &mut StepStats::default(), &mut hist);
        }
    }

    /// The same at request level, exactly (whole requests).
    #[test]
    fn request_level_conserves_requests(
        seed in any::<u64>(),
        steps in prop::collection::vec((0.0f64..400.0, 0u32..6, 1u64..20_000), 1..10),
        queued in any::<bool>(),
    ) {
        let p = profile(2, 20.0, 1_000.0, queued);
        let mut q = RequestQueue::new(RngStreams::new(seed, "prop", 0).stream("q"));
        let mut hist = LatencyHistogram::new();
        let mut total = StepStats::default();
        for (lambda, pods, dt) in steps {
            q.advance(&p, Load { lambda, pods, slo_ms: 100.0 }, dt, &mut total, &mut hist);
        }
        prop_assert_eq!(total.arrived, total.served + total.failed + q.backlog());
    }

    /// Resampling preserves the number of requests; a spike adds exactly its integral.
    #[test]
    fn trace_transforms_are_exact(
        rates in prop::collection::vec(0.0f64..1_000.0, 1..200),
        step_s in 1u64..600,
        resample_s in 1u64..3_600,
        factor in 0.0f64..20.0,
        ramp_s in 0u64..600, hold_s in 0u64..3_600, decay_s in 0u64..600,
    ) {
        let n = rates.len() as i64;
        let step = step_s as i64 * 1000;
        let t = Trace::new((0..n).map(|i| i * step).collect(), rates.clone(), n * step).unwrap();
        let total = t.total_requests();
        let r = t.resampled(resample_s * 1000).unwrap();
        prop_assert!((r.total_requests() - total).abs() <= 1e-6 * total.max(1.0));
        let flat = Trace::constant(0, 10 * 3_600_000, 100.0).unwrap();
        let spike = Spike { start: 3_600_000, factor, ramp_ms: ramp_s * 1000, hold_ms: hold_s * 1000, decay_ms: decay_s * 1000 };
        let spiked = flat.with_spike(&spike, SpikeShape::default()).unwrap();
        let extra = 100.0 * (factor - 1.0) * (ramp_s as f64 / 2.0 + hold_s as f64 + decay_s as f64 / 2.0);
        prop_assert!((spiked.total_requests() - flat.total_requests() - extra).abs() <= 1e-6 * (flat.total_requests() + extra.abs()));
    }

    /// Quantiles are monotone in q and lie within the recorded range (±1 bucket).
    #[test]
    fn histogram_quantiles_are_monotone(points in prop::collection::vec((0.2f64..1e6, 0.001f64..1e3), 1..50)) {
        let mut h = LatencyHistogram::new();
        for (v, w) in &points {
            h.add_point(*v, *w);
        }
        let total: f64 = points.iter().map(|p| p.1).sum();
        prop_assert!((h.total() - total).abs() <= 1e-9 * total);
        let mut last = 0.0;
        for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
            let x = h.quantile(q).unwrap();
            prop_assert!(x >= last);
            last = x;
        }
        let max = points.iter().map(|p| p.0).fold(0.0, f64::max);
        prop_assert!(last <= max * 1.021);
    }

    /// Events come out in (time, priority, insertion) order, whatever order they went in.
    #[test]
    fn event_queue_total_order(events in prop::collection::vec((0u64..1_000, 0u8..4), 0..300)) {
        let mut q = EventQueue::new();
        for (i, (t, p)) in events.iter().enumerate() {
            q.schedule(*t, *p, i);
        }
        let mut out = Vec::new();
        while let Some(s) = q.pop() {
            out.push((s.time, s.priority, s.event));
        }
        let mut expected: Vec<_> = events.iter().enumerate().map(|(i, (t, p))| (*t, *p, i)).collect();
        expected.sort();
        prop_assert_eq!(out, expected);
    }

    /// Parsers return an error, never panic, on any input.
    #[test]
    fn unit_parsers_never_panic(s in ".{0,24}") {
        let _ = parse_quantity(&s);
        let _ = parse_duration(&s);
    }

    /// The trace CSV reader returns an error, never panics, on arbitrary files.
    #[test]
    fn csv_reader_never_panics(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut content = b"time,value\n".to_vec();
        content.extend(body);
        std::fs::write(&path, content).unwrap();
        let _ = capsim::trace::read_csv(&path, &capsim::trace::CsvOptions::default());
        let _ = capsim::trace::read_prometheus(&path, &capsim::trace::PrometheusOptions::default());
    }
}
