//! Elasticity metrics of the SPEC Research Group (BUNGEE), computed from a run's per-step series.
//!
//! Source: `reference/ANCHORS.md` §F1 — NikolasHerbst/BUNGEE, `tools.descartes.bungee/…/metric/`
//! (`UnderprovisionAccuracy`, `OverprovisionAccuracy`, `Under/OverprovisionTimeshare`,
//! `Jitter`), described in SPEC-RG-2016-01 "Ready for Rain?". Over a run of duration `T` cut
//! into output steps of length `Δt`, with resource **demand** `d_t` and **supply** `s_t` per
//! step (both in pods):
//!
//! - under-provisioning accuracy `θ_U = Σ max(d_t − s_t, 0)·Δt / T` — the area between the
//!   demand and supply curves where supply is short, divided by the duration: the mean number
//!   of pods missing;
//! - over-provisioning accuracy `θ_O = Σ max(s_t − d_t, 0)·Δt / T` — the mean number of pods
//!   beyond demand;
//! - under-/over-provisioning timeshare `τ_U = Σ [s_t < d_t]·Δt / T`, `τ_O = Σ [s_t > d_t]·Δt / T`
//!   — the share of time supply is short / in excess;
//! - jitter `j = (E_S − E_D) / (T in minutes)` — supply adaptations minus demand changes per
//!   minute, where `E_S` counts steps at which `s_t ≠ s_{t−1}` and `E_D` steps at which
//!   `d_t ≠ d_{t−1}`. Negative: supply adapts less often than demand changes (too sluggish);
//!   positive: it oscillates more than demand does.
//!
//! capsim's definitions of the two curves (**our choice**, documented here and in the README):
//! - supply `s_t` = a workload's **ready pods** at the end of step `t`;
//! - demand `d_t` = the fewest pods that can serve the step's mean arrival rate,
//!   `⌈λ_t / μ⌉` with `μ = concurrency × 1000 / service_time_ms` one pod's saturation rate
//!   (the stability bound of the M/M/c model; meeting a latency objective can need more).
//!
//! A scenario with several workloads reports the sum of the workloads' accuracies and jitters
//! (pods and adaptations add up across workloads) and the mean of their timeshares (the share
//! of time the average workload is under-/over-provisioned).

use crate::sim::Series;
use crate::traffic::ServiceProfile;

/// The five SPEC RG elasticity metrics of one workload or of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Elasticity {
    /// θ_U: mean pods missing (area of under-provisioning ÷ duration).
    pub under_accuracy: f64,
    /// τ_U: share of time with fewer pods than demand needs.
    pub under_timeshare: f64,
    /// θ_O: mean pods beyond demand.
    pub over_accuracy: f64,
    /// τ_O: share of time with more pods than demand needs.
    pub over_timeshare: f64,
    /// (supply adaptations − demand changes) per minute.
    pub jitter_per_min: f64,
}

/// Demand in pods for each step: `⌈λ / μ⌉`, μ being one pod's saturation rate.
pub fn demand_pods(demand_rps: &[f64], profile: &ServiceProfile) -> Vec<u32> {
    let per_pod = profile.capacity_rps(1);
    demand_rps
        .iter()
        .map(|&l| {
            if !(l > 0.0 && per_pod > 0.0) {
                return 0;
            }
            // A tolerance of 1e-9 keeps λ = exactly n·μ from rounding up to n + 1.
            let pods = (l / per_pod - 1e-9).ceil();
            if pods >= u32::MAX as f64 { u32::MAX } else { pods.max(0.0) as u32 }
        })
        .collect()
}

/// The metrics of one demand/supply pair of step series with equal steps of `step_s` seconds.
pub fn metrics(demand: &[u32], supply: &[u32], step_s: f64) -> Elasticity {
    let n = demand.len().min(supply.len());
    if n == 0 || step_s <= 0.0 {
        return Elasticity::default();
    }
    let (mut under, mut over, mut t_under, mut t_over) = (0.0, 0.0, 0usize, 0usize);
    let (mut e_s, mut e_d) = (0usize, 0usize);
    for t in 0..n {
        let (d, s) = (demand[t] as f64, supply[t] as f64);
        if s < d {
            under += d - s;
            t_under += 1;
        } else if s > d {
            over += s - d;
            t_over += 1;
        }
        if t > 0 {
            e_s += usize::from(supply[t] != supply[t - 1]);
            e_d += usize::from(demand[t] != demand[t - 1]);
        }
    }
    // Every step has the same length, so Σ x·Δt / (n·Δt) = Σ x / n.
    let steps = n as f64;
    let minutes = steps * step_s / 60.0;
    Elasticity {
        under_accuracy: under / steps,
        under_timeshare: t_under as f64 / steps,
        over_accuracy: over / steps,
        over_timeshare: t_over as f64 / steps,
        jitter_per_min: (e_s as f64 - e_d as f64) / minutes,
    }
}

/// One workload's metrics from its run series.
pub fn of_workload(series: &Series, profile: &ServiceProfile, step_s: f64) -> Elasticity {
    metrics(&demand_pods(&series.demand_rps, profile), &series.ready_pods, step_s)
}

/// A run's metrics from its workloads': accuracies and jitters summed, timeshares averaged
/// (in the order given, so the float result does not depend on anything else).
pub fn combine(parts: &[Elasticity]) -> Elasticity {
    if parts.is_empty() {
        return Elasticity::default();
    }
    let mut e = Elasticity::default();
    for p in parts {
        e.under_accuracy += p.under_accuracy;
        e.over_accuracy += p.over_accuracy;
        e.jitter_per_min += p.jitter_per_min;
        e.under_timeshare += p.under_timeshare;
        e.over_timeshare += p.over_timeshare;
    }
    e.under_timeshare /= parts.len() as f64;
    e.over_timeshare /= parts.len() as f64;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(concurrency: u32, service_ms: f64) -> ServiceProfile {
        ServiceProfile {
            concurrency,
            service_ms,
            cpu_per_request: 0.001,
            idle_cpu: 0.0,
            timeout_ms: 10_000.0,
            queued: false,
        }
    }

    #[test]
    fn demand_in_pods_rounds_up_but_not_at_exact_multiples() {
        // One pod: 10 servers × 1000/100 ms = 100 rps.
        let p = profile(10, 100.0);
        assert_eq!(demand_pods(&[0.0, 1.0, 100.0, 100.5, 250.0, 300.0], &p), vec![0, 1, 1, 2, 3, 3]);
    }

    #[test]
    fn hand_computed_series() {
        // Steps of one minute. demand 2 2 4 4 1, supply 2 3 3 5 5.
        // under: step 2 (4 vs 3) → 1 pod; area 1 / 5 steps = 0.2; timeshare 1/5.
        // over: step 1 (+1), step 3 (+1), step 4 (+4) → 6 / 5 = 1.2; timeshare 3/5.
        // supply changes at steps 1, 3 → 2; demand changes at steps 2, 4 → 2; jitter 0 / 5 min.
        let e = metrics(&[2, 2, 4, 4, 1], &[2, 3, 3, 5, 5], 60.0);
        assert_eq!(e.under_accuracy, 0.2);
        assert_eq!(e.under_timeshare, 0.2);
        assert_eq!(e.over_accuracy, 1.2);
        assert_eq!(e.over_timeshare, 0.6);
        assert_eq!(e.jitter_per_min, 0.0);
    }

    #[test]
    fn jitter_sign_shows_oscillation_or_sluggishness() {
        // Supply flaps every step (4 changes), demand constant: +4 over 10 minutes (2-minute steps).
        let e = metrics(&[3, 3, 3, 3, 3], &[3, 4, 3, 4, 3], 120.0);
        assert!((e.jitter_per_min - 0.4).abs() < 1e-12);
        // Supply never moves while demand changes 4 times: −4 per 5 minutes.
        let e = metrics(&[1, 2, 3, 4, 5], &[3, 3, 3, 3, 3], 60.0);
        assert!((e.jitter_per_min + 0.8).abs() < 1e-12);
        assert_eq!(e.under_accuracy, (1.0 + 2.0) / 5.0);
        assert_eq!(e.over_accuracy, (2.0 + 1.0) / 5.0);
    }

    #[test]
    fn perfect_supply_scores_zero() {
        let e = metrics(&[1, 5, 2, 0], &[1, 5, 2, 0], 60.0);
        assert_eq!(e.under_accuracy + e.over_accuracy + e.under_timeshare + e.over_timeshare, 0.0);
        assert_eq!(e.jitter_per_min, 0.0);
        assert_eq!(metrics(&[], &[], 60.0), Elasticity::default());
    }

    #[test]
    fn workloads_combine_by_sum_and_mean() {
        let a = Elasticity {
            under_accuracy: 1.0,
            under_timeshare: 0.5,
            over_accuracy: 2.0,
            over_timeshare: 0.25,
            jitter_per_min: -0.1,
        };
        let b = Elasticity {
            under_accuracy: 0.5,
            under_timeshare: 0.0,
            over_accuracy: 1.0,
            over_timeshare: 0.75,
            jitter_per_min: 0.3,
        };
        let c = combine(&[a, b]);
        assert_eq!(c.under_accuracy, 1.5);
        assert_eq!(c.over_accuracy, 3.0);
        assert_eq!(c.under_timeshare, 0.25);
        assert_eq!(c.over_timeshare, 0.5);
        assert!((c.jitter_per_min - 0.2).abs() < 1e-12);
    }

    #[test]
    fn from_a_series_uses_ready_pods_and_the_profile() {
        let series = Series {
            demand_rps: vec![50.0, 150.0, 250.0],
            ready_pods: vec![1, 1, 3],
            time_ms: vec![0, 60_000, 120_000],
            ..Series::default()
        };
        // μ = 100 rps: demand 1, 2, 3 pods; supply 1, 1, 3 → one pod short in one step of three.
        let e = of_workload(&series, &profile(10, 100.0), 60.0);
        assert!((e.under_accuracy - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.under_timeshare - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.over_accuracy, 0.0);
        // supply changes once, demand twice, over 3 minutes.
        assert!((e.jitter_per_min + 1.0 / 3.0).abs() < 1e-12);
    }
}
