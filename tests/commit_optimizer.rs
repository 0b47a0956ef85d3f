//! Commitment optimizer: FinOps reference vectors, exhaustive-search property tests,
//! re-pricing and conservation.

use capsim::commit::savings_plan::with_plan;
use capsim::commit::{
    BenefitSummary, HourUsage, InstanceType, OptimizerConfig, Purchase, ReservationPurchase, SavingsPlanPurchase, Term,
    UsageHistory, breakpoints, cost_curve, downside, evaluate, level_counts, newsvendor_count, optimize,
    optimize_reservations, optimize_savings_plan, price,
};
use capsim::commit::{PayPerUseReservation, total_cost};
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

macro_rules! assert_close {
    ($a:expr, $b:expr, $tol:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b, $tol), "{} = {a} vs {} = {b}", stringify!($a), stringify!($b));
    }};
}

// ---------------------------------------------------------------------------------------------
// FINOPS.md §1.6 worked vectors
// ---------------------------------------------------------------------------------------------

/// FINOPS.md §1.6 T1: 16 h at 2 VMs, 8 h at 10 VMs; p = 0.085, r = 0.054.
fn t1_history() -> UsageHistory {
    let ty = InstanceType::new("c5.large", "c5", 1.0, 0.085).with_reservation(Term::OneYear, 0.054);
    let counts = (0..24).map(|h| vec![if h < 16 { 2.0 } else { 10.0 }]).collect();
    UsageHistory::from_regular(vec![ty], counts).unwrap()
}

#[test]
fn t1_newsvendor_reserves_the_stable_base() {
    // FINOPS.md §1.6 T1
    let h = t1_history();
    let usage: Vec<f64> = h.hours().iter().map(|x| x.regular[0]).collect();
    let n = level_counts(&usage);
    assert_eq!(n.len(), 10);
    assert!(n[..2].iter().all(|&c| c == 24), "N_k/T = 1.0 for k <= 2: {n:?}");
    assert!(n[2..].iter().all(|&c| c == 8), "N_k/T = 0.333 for 3..10: {n:?}");
    assert_eq!(newsvendor_count(&usage, 0.085, 0.054), 2);
    let choices = optimize_reservations(&h, Term::OneYear);
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0].count, 2);
    for (k, daily) in [(0, 9.520), (1, 8.776), (2, 8.032), (3, 8.648), (4, 9.264), (10, 12.96)] {
        let p = Purchase {
            reservations: vec![ReservationPurchase { sku: 0, count: k, term: Term::OneYear }],
            savings_plans: vec![],
        };
        assert_close!(total_cost(&h, &p).unwrap(), daily, 1e-12);
    }
    let rec = optimize(&h, &OptimizerConfig::new(Some(Term::OneYear), None)).unwrap();
    assert_eq!(rec.purchase.reservations, vec![ReservationPurchase { sku: 0, count: 2, term: Term::OneYear }]);
    assert_close!(rec.cost, 8.032, 1e-12);
    assert_close!(rec.savings, 9.520 - 8.032, 1e-12);
}

/// FINOPS.md §1.6 T2 (= §1.4 worked vector): on-demand (A, B) per hour (4,10), (4,2), (0,2),
/// (4,10); d_A = 50 %, d_B = 20 %. Prices p = 1 so usage in instance-hours equals dollars.
fn t2_history() -> UsageHistory {
    let a = InstanceType::new("A", "a", 1.0, 1.0).with_savings_plan(Term::OneYear, 0.5);
    let b = InstanceType::new("B", "b", 1.0, 1.0).with_savings_plan(Term::OneYear, 0.8);
    let counts = vec![vec![4.0, 10.0], vec![4.0, 2.0], vec![0.0, 2.0], vec![4.0, 10.0]];
    UsageHistory::from_regular(vec![a, b], counts).unwrap()
}

#[test]
fn t2_savings_plan_optimum_and_cost_curve() {
    // FINOPS.md §1.6 T2
    let h = t2_history();
    let none = Purchase::none();
    let cs = [0.0, 1.0, 2.0, 2.5, 3.6, 4.0, 6.0, 10.0];
    let expected = [36.0, 32.75, 30.0, 30.125, 30.4, 31.0, 34.0, 40.0];
    let curve = cost_curve(&h, &none, Term::OneYear, &cs).unwrap();
    for ((c, got), want) in cs.iter().zip(&curve).zip(expected) {
        assert_close!(*got, want, 1e-12);
        let _ = c;
    }
    let bp = breakpoints(&h, &none, Term::OneYear).unwrap();
    let want = [0.0, 1.6, 2.0, 3.6, 10.0];
    assert_eq!(bp.len(), want.len(), "{bp:?}");
    for (a, b) in bp.iter().zip(want) {
        assert_close!(*a, b, 1e-12);
    }
    let choice = optimize_savings_plan(&h, &none, Term::OneYear).unwrap();
    assert_close!(choice.hourly_commitment, 2.0, 1e-12);
    assert_close!(choice.cost, 30.0, 1e-12);
    let rec = optimize(&h, &OptimizerConfig::new(None, Some(Term::OneYear))).unwrap();
    assert_close!(rec.baseline_cost, 36.0, 1e-12);
    assert_close!(rec.cost, 30.0, 1e-12);
}

#[test]
fn t3_light_utilization_reservation() {
    // FINOPS.md §1.6 T3 (Wang et al. Table I, Small and Medium)
    for r in [
        PayPerUseReservation { upfront: 69.0, used_hourly: 0.039, on_demand: 0.08 },
        PayPerUseReservation { upfront: 138.0, used_hourly: 0.078, on_demand: 0.16 },
    ] {
        assert_close!(r.alpha(), 0.4875, 1e-12);
        assert!((r.break_even_hours() - 1682.93).abs() < 0.005, "{}", r.break_even_hours());
        assert!((r.break_even_hours() / 8760.0 - 0.1921).abs() < 5e-5);
        assert_close!(r.deterministic_competitive_ratio(), 1.5125, 1e-12);
        assert!((r.randomized_competitive_ratio() - 1.2323).abs() < 5e-5);
    }
    // Level decomposition: unit 3 used 1,700 h (> β) pays off, unit 4 used 1,600 h does not.
    let r = PayPerUseReservation { upfront: 69.0, used_hourly: 0.039, on_demand: 0.08 };
    let usage: Vec<f64> = (0..8760)
        .map(|t| {
            if t < 1600 {
                4.0
            } else if t < 1700 {
                3.0
            } else {
                2.0
            }
        })
        .collect();
    assert_eq!(r.optimal_count(&usage), 3);
}

/// Azure DSv2 ISF group (ratios 1, 2, 4, 8, 16) and DS11_v2 in another group. Prices are
/// illustrative, proportional to ratio as Azure ISF implies; coverage does not depend on them.
fn dsv2_types() -> Vec<InstanceType> {
    let mut types: Vec<InstanceType> =
        [("DS1_v2", 1.0), ("DS2_v2", 2.0), ("DS3_v2", 4.0), ("DS4_v2", 8.0), ("DS5_v2", 16.0)]
            .iter()
            .map(|&(n, r)| InstanceType::new(n, "DSv2 Series", r, 0.1 * r).with_reservation(Term::OneYear, 0.06 * r))
            .collect();
    types.push(InstanceType::new("DS11_v2", "DSv2 Series High Memory", 2.0, 0.2).with_reservation(Term::OneYear, 0.12));
    types
}

#[test]
fn t4_azure_instance_size_flexibility() {
    // FINOPS.md §1.6 T4: one DS4_v2 reservation (ratio 8) in scenarios 1–4
    let one = |n| Purchase {
        reservations: vec![ReservationPurchase { sku: 3, count: n, term: Term::OneYear }],
        savings_plans: vec![],
    };
    let scenarios: [(Vec<f64>, u32, f64); 4] = [
        (vec![8.0, 0.0, 0.0, 0.0, 0.0, 0.0], 1, 1.0),
        (vec![0.0, 2.0, 1.0, 0.0, 0.0, 0.0], 1, 1.0),
        (vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0], 1, 0.5),
        (vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0], 2, 1.0),
    ];
    for (usage, n, coverage) in scenarios {
        let h = UsageHistory::from_regular(dsv2_types(), vec![usage.clone()]).unwrap();
        let m = evaluate(&h, &one(n), 0.0).unwrap();
        assert_close!(m.coverage.unwrap(), coverage, 1e-12);
        assert_close!(m.reservation_utilization.unwrap(), 1.0, 1e-12);
        let priced = price(&h, &one(n)).unwrap();
        let covered: f64 = priced.hours[0].lines.iter().zip(h.types()).map(|(l, t)| l.reserved * t.ratio).sum();
        let total: f64 = usage.iter().zip(h.types()).map(|(u, t)| u * t.ratio).sum();
        assert_close!(covered / total, coverage, 1e-12);
    }
    // Not the high-memory group: a DS11_v2 stays uncovered and the reservation goes unused.
    let h = UsageHistory::from_regular(dsv2_types(), vec![vec![0.0, 0.0, 0.0, 0.0, 0.0, 4.0]]).unwrap();
    let m = evaluate(&h, &one(1), 0.0).unwrap();
    assert_eq!(m.coverage, Some(0.0));
    assert_eq!(m.waste, Some(1.0));
}

#[test]
fn t5_azure_benefit_summary_identities() {
    // FINOPS.md §1.6 T5: the API example's two candidates
    for (benefit, overage, total, savings, pct) in
        [(52.002, 144.841, 196.843, 21.424, 0.09815), (83.754, 120.389, 204.143, 14.124, 0.0647)]
    {
        let s = BenefitSummary::new(218.267, benefit, overage);
        assert!((s.total_cost - total).abs() < 5e-10, "{}", s.total_cost);
        assert!((s.savings_amount - savings).abs() < 5e-10, "{}", s.savings_amount);
        assert!((s.savings_percentage - pct).abs() < 1e-5, "{}", s.savings_percentage);
    }
    // And our own pricing satisfies the same identities (T2 history, optimal plan).
    let h = t2_history();
    let p = with_plan(&Purchase::none(), 2.0, Term::OneYear);
    let m = evaluate(&h, &p, 0.0).unwrap();
    let s = BenefitSummary::from_metrics(&m);
    assert_close!(s.cost_without_benefit, 36.0, 1e-12);
    assert_close!(s.total_cost, m.cost, 1e-12);
    assert_close!(s.savings_amount, m.net_savings, 1e-12);
    assert_close!(s.savings_percentage, 6.0 / 36.0, 1e-12);
}

#[test]
fn t6_focus_spend_commitment_used_and_unused() {
    // FINOPS.md §1.6 T6: $1/h plan, one resource consuming $0.75 at plan rates
    let ty = InstanceType::new("vm", "g", 1.0, 1.0).with_savings_plan(Term::OneYear, 0.75);
    let h = UsageHistory::from_regular(vec![ty], vec![vec![1.0]]).unwrap();
    let p = with_plan(&Purchase::none(), 1.0, Term::OneYear);
    let priced = price(&h, &p).unwrap();
    let c = priced.hours[0].cost;
    assert_eq!(c.savings_plan_used, 0.75, "Used row EffectiveCost");
    assert_eq!(c.savings_plan_unused, 0.25, "Unused row EffectiveCost");
    assert_eq!(c.on_demand, 0.0);
    assert_eq!(priced.hours[0].lines[0].savings_plan, 1.0);
    let m = evaluate(&h, &p, 0.0).unwrap();
    assert_eq!(m.savings_plan_utilization, Some(0.75));
    assert_eq!(m.waste, Some(0.25));
}

// ---------------------------------------------------------------------------------------------
// Metrics and downside
// ---------------------------------------------------------------------------------------------

#[test]
fn metrics_identities_break_even_and_downside() {
    let h = t1_history();
    let p = Purchase {
        reservations: vec![ReservationPurchase { sku: 0, count: 2, term: Term::OneYear }],
        savings_plans: vec![],
    };
    let m = evaluate(&h, &p, 1.0).unwrap();
    assert_close!(m.net_savings, m.covered_value - m.commitment_cost, 1e-12);
    assert_close!(m.net_savings, 9.520 - 8.032, 1e-12);
    assert_eq!(m.utilization, Some(1.0));
    assert_close!(m.coverage.unwrap(), 48.0 / 112.0, 1e-12);
    assert_close!(m.effective_savings_rate.unwrap(), (9.520 - 8.032) / 9.520, 1e-12);
    assert_close!(m.roi.unwrap(), (9.520 - 8.032) / (2.0 * 24.0 * 0.054), 1e-12);
    // All upfront, fully used: 12 · r/p months.
    assert_close!(m.break_even_months.unwrap(), 12.0 * 0.054 / 0.085, 1e-12);
    assert_eq!(evaluate(&h, &p, 0.0).unwrap().break_even_months, Some(0.0));

    // Traffic −30 %: 16 h at 1.4 VMs now leave 0.6 of a reservation idle.
    let stressed = h.scaled(0.7).unwrap();
    let d = downside(&h, &stressed, &p, 0.0).unwrap();
    assert_close!(d.stressed.reservation_utilization.unwrap(), (16.0 * 1.4 + 8.0 * 2.0) / 48.0, 1e-12);
    assert_close!(d.stressed.unused_commitment_cost, 16.0 * 0.6 * 0.054, 1e-12);
    assert_close!(d.stressed.net_savings, 0.085 * (16.0 * 1.4 + 16.0) - 48.0 * 0.054, 1e-12);
    assert!(d.net_savings_change < 0.0);
}

#[test]
fn spot_is_never_covered() {
    let ty = InstanceType::new("vm", "g", 1.0, 1.0)
        .with_reservation(Term::OneYear, 0.5)
        .with_savings_plan(Term::OneYear, 0.6)
        .with_spot(0.2);
    let h = UsageHistory::new(vec![ty], vec![HourUsage { regular: vec![1.0], spot: vec![5.0] }]).unwrap();
    let p = Purchase {
        reservations: vec![ReservationPurchase { sku: 0, count: 3, term: Term::OneYear }],
        savings_plans: vec![SavingsPlanPurchase { hourly_commitment: 4.0, term: Term::OneYear }],
    };
    let c = price(&h, &p).unwrap().hours[0].cost;
    assert_close!(c.spot, 1.0, 1e-12);
    assert_close!(c.reservation_used, 0.5, 1e-12);
    assert_close!(c.reservation_unused, 1.0, 1e-12);
    assert_eq!(c.savings_plan_used, 0.0);
    assert_eq!(c.savings_plan_unused, 4.0);
}

#[test]
fn invalid_input_is_rejected() {
    let ty = InstanceType::new("vm", "g", 1.0, 1.0);
    assert!(UsageHistory::from_regular(vec![ty.clone()], vec![vec![-1.0]]).is_err());
    assert!(UsageHistory::new(vec![ty.clone()], vec![HourUsage { regular: vec![0.0], spot: vec![1.0] }]).is_err());
    let h = UsageHistory::from_regular(vec![ty], vec![vec![1.0]]).unwrap();
    let p = Purchase {
        reservations: vec![ReservationPurchase { sku: 0, count: 1, term: Term::OneYear }],
        savings_plans: vec![],
    };
    assert!(price(&h, &p).is_err(), "no reservation offer");
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

/// 64 cases by default; `COMMIT_CASES=5000` for a longer hunt.
fn cases() -> u32 {
    std::env::var("COMMIT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

const RATIOS: [f64; 3] = [1.0, 2.0, 4.0];

/// A random small case: 1–2 groups of 1–2 types, ratios 1/2/4, on-demand $ per normalized unit
/// that may differ by size, one reservation $ per NU per group (Azure ISF prices reservations
/// proportionally to ratio), a plan discount per type, 1–5 hours of quarter-instance usage.
#[derive(Debug, Clone)]
struct Case {
    history: UsageHistory,
    term: Term,
}

fn case_strategy(with_spot: bool) -> impl Strategy<Value = Case> {
    (
        1usize..=2,
        [1usize..=2, 1usize..=2],
        [0usize..3, 0usize..3, 0usize..3, 0usize..3],
        [50u32..=150, 50u32..=150, 50u32..=150, 50u32..=150],
        [20u32..=95, 20u32..=95],
        [5u32..=60, 5u32..=60, 5u32..=60, 5u32..=60],
        1usize..=5,
        proptest::collection::vec(0u32..=12, 20),
        proptest::collection::vec(0u32..=4, 20),
        any::<bool>(),
    )
        .prop_map(move |(groups, per, ratio, od, res, disc, hours, usage, spot, three)| {
            let term = if three { Term::ThreeYear } else { Term::OneYear };
            let mut types = Vec::new();
            for g in 0..groups {
                let min_od = (0..per[g]).map(|k| od[2 * g + k]).min().unwrap_or(100) as f64 / 100.0;
                let res_nu = min_od * res[g] as f64 / 100.0;
                for k in 0..per[g] {
                    let i = 2 * g + k;
                    let r = RATIOS[ratio[i]];
                    let p = od[i] as f64 / 100.0 * r;
                    types.push(
                        InstanceType::new(format!("t{i}"), format!("g{g}"), r, p)
                            .with_reservation(term, res_nu * r)
                            .with_savings_plan(term, p * (1.0 - disc[i] as f64 / 100.0))
                            .with_spot(p * 0.3),
                    );
                }
            }
            let n = types.len();
            let hours = (0..hours)
                .map(|t| HourUsage {
                    regular: (0..n).map(|i| usage[t * 4 + i] as f64 / 4.0).collect(),
                    spot: (0..n).map(|i| if with_spot { spot[t * 4 + i] as f64 / 2.0 } else { 0.0 }).collect(),
                })
                .collect();
            Case { history: UsageHistory::new(types, hours).unwrap(), term }
        })
}

/// Most normalized units group `g` uses in any hour.
fn max_units(h: &UsageHistory, g: usize) -> f64 {
    (0..h.len()).map(|t| h.normalized_units(g, t)).fold(0.0, f64::max)
}

/// Every count vector with `counts[j] ≤ bounds[j]`.
fn grid(bounds: &[u32]) -> Vec<Vec<u32>> {
    let mut out = vec![vec![]];
    for &b in bounds {
        out = out.into_iter().flat_map(|v| (0..=b).map(move |c| [v.clone(), vec![c]].concat())).collect();
    }
    out
}

fn reservations(skus: &[usize], counts: &[u32], term: Term) -> Purchase {
    Purchase {
        reservations: skus
            .iter()
            .zip(counts)
            .filter(|&(_, &c)| c > 0)
            .map(|(&sku, &count)| ReservationPurchase { sku, count, term })
            .collect(),
        savings_plans: vec![],
    }
}

/// The smallest-ratio member of each group: with reservation $ per NU equal within a group, a
/// mix of sizes with capacity K costs the same as K/ratio of the smallest, so counts of the
/// smallest cover every mix (the reservation-only test checks mixes explicitly).
fn smallest_skus(h: &UsageHistory) -> Vec<usize> {
    h.groups()
        .iter()
        .map(|g| *g.members.iter().min_by(|&&a, &&b| h.types()[a].ratio.total_cmp(&h.types()[b].ratio)).unwrap())
        .collect()
}

fn sku_bounds(h: &UsageHistory, skus: &[usize]) -> Vec<u32> {
    skus.iter().map(|&s| (max_units(h, h.group_of(s)) / h.types()[s].ratio).ceil() as u32 + 1).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// (ii-a) Reservations only: the newsvendor optimizer's cost equals the minimum over every
    /// mix of counts of every size in every group (capacity up to the peak + one unit).
    #[test]
    fn reservations_match_exhaustive_search(case in case_strategy(false)) {
        let h = &case.history;
        let rec = optimize(h, &OptimizerConfig::new(Some(case.term), None)).unwrap();
        let skus: Vec<usize> = (0..h.types().len()).collect();
        let bounds = sku_bounds(h, &skus);
        let mut best = f64::INFINITY;
        for counts in grid(&bounds) {
            best = best.min(total_cost(h, &reservations(&skus, &counts, case.term)).unwrap());
        }
        prop_assert!(close(rec.cost, best, 1e-9), "optimizer {} vs exhaustive {}", rec.cost, best);
        // The newsvendor answer alone is already optimal (moves may still happen on exact ties,
        // e.g. a unit worth exactly T·r, where rounding decides).
        prop_assert!(close(rec.heuristic_cost, best, 1e-9), "newsvendor {} vs exhaustive {}", rec.heuristic_cost, best);
    }

    /// (ii-b) Savings plan on top of random reservations: the breakpoint sweep's cost equals the
    /// minimum over all breakpoints and is never beaten by a fine grid. Grid tolerance: the cost
    /// is piecewise linear with |slope| ≤ T·max(p/s), and the true optimum is within half a grid
    /// step δ of a grid point, so min(grid) ≤ optimum + T·max(p/s)·δ/2.
    #[test]
    fn savings_plan_matches_breakpoints_and_grid(case in case_strategy(true), ks in [0u32..=3, 0u32..=3]) {
        let h = &case.history;
        let skus = smallest_skus(h);
        let base = reservations(&skus, &ks[..skus.len()], case.term);
        let choice = optimize_savings_plan(h, &base, case.term).unwrap();
        let bps = breakpoints(h, &base, case.term).unwrap();
        let at_bps = cost_curve(h, &base, case.term, &bps).unwrap();
        let best_bp = at_bps.iter().copied().fold(f64::INFINITY, f64::min);
        prop_assert!(close(choice.cost, best_bp, 1e-9), "sweep {} vs breakpoints {}", choice.cost, best_bp);
        let top = bps.last().copied().unwrap_or(0.0) * 1.25 + 0.5;
        let steps = 400;
        let delta = top / steps as f64;
        let grid: Vec<f64> = (0..=steps).map(|k| k as f64 * delta).collect();
        let at_grid = cost_curve(h, &base, case.term, &grid).unwrap();
        let best_grid = at_grid.iter().copied().fold(f64::INFINITY, f64::min);
        let gmax = h.types().iter().map(|t| t.on_demand / t.savings_plan.get(case.term).unwrap()).fold(1.0, f64::max);
        prop_assert!(choice.cost <= best_grid + 1e-9 * (1.0 + best_grid.abs()), "grid beats sweep: {} < {}", best_grid, choice.cost);
        prop_assert!(best_grid <= choice.cost + h.len() as f64 * gmax * delta / 2.0 + 1e-9);
        // Convexity along the grid (second differences ≥ 0 up to rounding).
        for w in at_grid.windows(3) {
            prop_assert!(w[0] - 2.0 * w[1] + w[2] >= -1e-9, "not convex: {:?}", w);
        }
    }

    /// (ii-c) Reservations + plan: the combined optimizer's cost equals an exhaustive search over
    /// reservation counts (every group, 0..peak+1 units) × every breakpoint of the plan.
    #[test]
    fn combined_matches_exhaustive_search(case in case_strategy(true)) {
        let h = &case.history;
        let rec = optimize(h, &OptimizerConfig::new(Some(case.term), Some(case.term))).unwrap();
        let skus = smallest_skus(h);
        let mut best = f64::INFINITY;
        for counts in grid(&sku_bounds(h, &skus)) {
            let base = reservations(&skus, &counts, case.term);
            let bps = breakpoints(h, &base, case.term).unwrap();
            for c in cost_curve(h, &base, case.term, &bps).unwrap() {
                best = best.min(c);
            }
        }
        prop_assert!(close(rec.cost, best, 1e-9), "optimizer {} vs exhaustive {} ({:?})", rec.cost, best, rec.purchase);
        prop_assert!(rec.cost <= rec.heuristic_cost, "local search made it worse");
    }

    /// (iii) Re-pricing the recommended purchase reproduces the reported cost and savings exactly,
    /// and the metrics report the same net savings.
    #[test]
    fn repricing_reproduces_reported_savings(case in case_strategy(true), plan in any::<bool>()) {
        let h = &case.history;
        let cfg = OptimizerConfig::new(Some(case.term), plan.then_some(case.term));
        let rec = optimize(h, &cfg).unwrap();
        let priced = price(h, &rec.purchase).unwrap();
        let baseline = price(h, &Purchase::none()).unwrap();
        prop_assert_eq!(priced.total_cost(), rec.cost);
        prop_assert_eq!(baseline.total_cost(), rec.baseline_cost);
        prop_assert_eq!(baseline.total_cost() - priced.total_cost(), rec.savings);
        let m = evaluate(h, &rec.purchase, 0.0).unwrap();
        prop_assert_eq!(m.net_savings, rec.savings);
        prop_assert!(rec.savings >= -1e-12, "a recommendation never costs more than nothing");
        prop_assert!(close(m.net_savings, m.covered_value - m.commitment_cost, 1e-9));
    }

    /// (iv) Applying any purchase conserves usage every hour: reserved + plan + on-demand =
    /// usage per type, spot untouched, reserved units used ≤ bought, and used + unused plan
    /// dollars = the commitment.
    #[test]
    fn application_conserves_usage(
        case in case_strategy(true),
        ks in [0u32..=4, 0u32..=4],
        big in any::<bool>(),
        c in 0u32..=40,
    ) {
        let h = &case.history;
        let mut skus = smallest_skus(h);
        if big {
            // Buy the largest size instead: fractional coverage of smaller sizes by ratio.
            skus = h.groups().iter().map(|g| *g.members.iter().max_by(|&&a, &&b| h.types()[a].ratio.total_cmp(&h.types()[b].ratio)).unwrap()).collect();
        }
        let commit = c as f64 / 8.0;
        let p = with_plan(&reservations(&skus, &ks[..skus.len()], case.term), commit, case.term);
        let priced = price(h, &p).unwrap();
        for (t, hour) in priced.hours.iter().enumerate() {
            let usage = &h.hours()[t];
            for (i, l) in hour.lines.iter().enumerate() {
                prop_assert_eq!(l.usage, usage.regular[i]);
                prop_assert_eq!(l.spot, usage.spot[i]);
                prop_assert!(l.reserved >= 0.0 && l.savings_plan >= 0.0 && l.on_demand >= 0.0);
                let sum = l.reserved + l.savings_plan + l.on_demand;
                prop_assert!(close(sum, l.usage, 1e-12), "hour {t} type {i}: {l:?}");
            }
            prop_assert!(hour.reserved_units_used <= hour.reserved_units * (1.0 + 1e-12));
            let sp = hour.cost.savings_plan_used + hour.cost.savings_plan_unused;
            prop_assert!(close(sp, commit, 1e-12));
            let covered_units: f64 = hour.lines.iter().zip(h.types()).map(|(l, t)| l.reserved * t.ratio).sum();
            prop_assert!(close(covered_units, hour.reserved_units_used, 1e-12));
            let spot: f64 = usage.spot.iter().zip(h.types()).map(|(q, t)| q * t.spot.unwrap()).sum();
            prop_assert!(close(hour.cost.spot, spot, 1e-12));
        }
    }
}
