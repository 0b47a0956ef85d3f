//! The run's exact shortcuts change how fast it computes, never what: with and without them,
//! every decision, time series and node is the same. Each test also checks that the shortcut
//! was taken, so it cannot pass by never firing.

use std::path::Path;

use capsim::model::{Overrides, load_scenario_with};
use capsim::sim::{RunResult, RunStats, Shortcuts, run_with};

fn assert_same(a: &RunResult, b: &RunResult) {
    assert_eq!(a.decisions.len(), b.decisions.len(), "number of decisions");
    for (x, y) in a.decisions.iter().zip(&b.decisions) {
        assert_eq!(x, y);
    }
    assert_eq!(a.workloads.len(), b.workloads.len());
    for (x, y) in a.workloads.iter().zip(&b.workloads) {
        assert_eq!(x.series, y.series, "time series of {}", x.name);
        assert_eq!(x.summary, y.summary, "summary of {}", x.name);
    }
    assert_eq!(a.total_latency_ms, b.total_latency_ms);
    assert_eq!(a.nodes, b.nodes);
    assert_eq!(a.node_lives, b.node_lives);
}

/// Runs `path` with and without the shortcuts; returns the fast run's stats and its number of
/// scale decisions.
fn compare(path: &Path, duration: &str) -> (RunStats, usize) {
    let overrides = Overrides { duration: Some(duration.into()), ..Overrides::default() };
    let scenario = load_scenario_with(path, &overrides).unwrap();
    let fast = run_with(&scenario, None, Shortcuts::default()).unwrap();
    let slow = run_with(&scenario, None, Shortcuts::none()).unwrap();
    assert_eq!((slow.stats.hpa_syncs_held, slow.stats.hpa_syncs_known, slow.stats.keda_polls_skipped), (0, 0, 0));
    assert_eq!(fast.stats.hpa_syncs, slow.stats.hpa_syncs);
    assert_eq!(fast.stats.keda_polls, slow.stats.keda_polls);
    assert_same(&fast, &slow);
    let scales = fast.decisions.iter().filter(|d| d.action == "scale").count();
    (fast.stats, scales)
}

/// The full example over its 10× spike (day 11): HPAs with and without `behavior`, KEDA's
/// generated HPAs (three of them with inert polls), Karpenter moving pods around.
#[test]
fn bundled_example_over_its_spike_is_the_same_with_rest_proofs() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/plugilo");
    let (stats, scales) = compare(&models.join("scenario.yaml"), "12d");
    let (held, syncs) = (stats.hpa_syncs_held, stats.hpa_syncs);
    assert!(held * 2 > syncs, "most syncs of the example are held: {held} of {syncs}");
    let skipped = stats.hpa_syncs_skipped;
    assert!(skipped * 3 > syncs, "the HPAs at rest at minReplicas skip their syncs: {skipped} of {syncs}");
    let known = stats.hpa_syncs_known;
    assert!(known * 2 > syncs - held, "most syncs that are not held know their proposal: {known} of {}", syncs - held);
    let (skipped, polls) = (stats.keda_polls_skipped, stats.keda_polls);
    assert!(skipped * 4 > polls, "web, search and image polls are inert: {skipped} of {polls}");
    assert!(scales > 1_000, "the run scales often: {scales}");
}

/// Two CPU HPAs: `windows` with scale-up and scale-down stabilization windows, `legacy`
/// without behavior.
const MANIFESTS: &str = include_str!("fixtures/windows-and-legacy-hpas.yaml");

/// A noisy trace that wanders around and across the HPAs' thresholds, with bursts.
fn wandering_trace() -> String {
    let mut out = String::from("time,rps\n");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut level = 60.0_f64;
    for minute in 0..=720 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x % 10_000) as f64 / 10_000.0;
        level = (level + (u - 0.5) * 30.0).clamp(10.0, 400.0);
        let burst = if minute % 97 < 4 { 3.0 } else { 1.0 };
        let (h, m) = (minute / 60, minute % 60);
        out.push_str(&format!("2026-07-04T{h:02}:{m:02}:00Z,{:.1}\n", level * burst));
    }
    out
}

/// Writes the two-HPA scenario `name` (`windows` and `legacy`, both on trace `t`, `legacy` at
/// `legacy_scale` of it) with `trace` into `dir`, and returns its path. The name and the seed
/// together set the controllers' phases.
fn two_hpas(dir: &Path, name: &str, seed: u64, legacy_scale: f64, trace: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("manifests.yaml"), MANIFESTS).unwrap();
    std::fs::write(dir.join("trace.csv"), trace).unwrap();
    let service = "{concurrency: 8, service_time: 50ms, cpu_per_request: 8ms, idle_cpu: 20m, timeout: 20s}";
    let scenario = format!(
        "kind: Scenario\nname: {name}\nstart: 2026-07-04T00:00:00Z\nduration: 12h\nseed: {seed}\noutput_step: 1m\n\
         manifests: [manifests.yaml]\ntraces:\n  t: {{file: trace.csv, values: rate}}\n\
         slo: {{latency: 300ms, target: 0.99}}\ncluster:\n  nodes:\n    \
         - {{pool: general, count: 8, allocatable: {{cpu: 15800m, memory: 60Gi, pods: 110}}}}\n\
         workloads:\n  windows:\n    traffic: {{trace: t}}\n    service: {service}\n  \
         legacy:\n    traffic: {{trace: t, scale: {legacy_scale}}}\n    service: {service}\n"
    );
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, scenario).unwrap();
    path
}

#[test]
fn stabilization_windows_read_the_same_recommendations_with_rest_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = two_hpas(dir.path(), "windows", 11, 0.7, &wandering_trace());
    let (stats, scales) = compare(&scenario, "12h");
    let (held, syncs) = (stats.hpa_syncs_held, stats.hpa_syncs);
    assert!(held > syncs / 10, "some syncs are held: {held} of {syncs}");
    assert!(stats.hpa_syncs_skipped > syncs / 20, "some syncs are skipped: {stats:?}");
    assert!(stats.hpa_syncs_known > syncs / 20, "some proposals are known: {stats:?}");
    assert!(scales > 20, "both HPAs scale up and down: {scales}");
}

/// Long quiet stretches at minReplicas, whose syncs are skipped, each ended by a sharp step
/// two seconds past a scrape (seed 9 puts `windows`' syncs a second and a half past one): the
/// first sync that runs again reads 13 s of the step and proposes 5 replicas at once.
/// `windows` has a 60 s scale-up stabilization window, in which the last skipped sync's
/// recommendation holds that scale-up back, as the skipped syncs would have.
#[test]
fn a_sharp_step_after_skipped_syncs_waits_out_the_scale_up_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut trace = String::from("time,rps\n2026-07-04T00:00:00Z,40.0\n");
    for minute in 1..=720 {
        let rps = if minute % 60 >= 55 { 600.0 } else { 40.0 };
        trace.push_str(&format!("2026-07-04T{:02}:{:02}:02Z,{rps:.1}\n", minute / 60, minute % 60));
    }
    let scenario = two_hpas(dir.path(), "steps", 9, 1.0, &trace);
    let (stats, scales) = compare(&scenario, "12h");
    assert!(stats.hpa_syncs_skipped * 2 > stats.hpa_syncs, "the quiet stretches are skipped: {stats:?}");
    assert!(scales >= 40, "each step scales both HPAs up and back down: {scales}");
}
