//! Sweeps end to end: byte-identical results for any thread count and shard split, resume after
//! a kill, merge coverage checks, and bad sweep files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capsim::sweep::{self, RunOptions, Shard, SweepOptions};
use proptest::prelude::*;

const SCENARIO: &str = r#"kind: Scenario
name: mini
start: 2026-07-04T00:00:00Z
duration: 2h
seed: 7
output_step: 1m
manifests: [deploy.yaml]
traces:
  t:
    file: trace.csv
    values: rate
events:
  - spike: {at: 30m, factor: 10, ramp: 1m, hold: 10m, decay: 5m}
slo: {latency: 300ms, target: 0.99}
cluster:
  nodes:
    - {pool: general, count: 2, allocatable: {cpu: 3900m, memory: 14Gi, pods: 110}}
workloads:
  web:
    traffic: {trace: t, scale: 1, noise_cv: 0.1}
    service: {concurrency: 8, service_time: 50ms, cpu_per_request: 2ms, idle_cpu: 50m, timeout: 20s}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example/web:1
          resources:
            requests: {cpu: 500m, memory: 512Mi}
"#;

fn sweep_yaml(replications: u32, scales: &str) -> String {
    format!(
        r#"kind: Sweep
name: mini-sweep
base: scenario.yaml
seed: 11
set:
  slo.target: 0.95
grid:
  workloads.web.traffic.scale: {scales}
  cluster.nodes[0].count: [1, 2]
replications: {replications}
futures:
  spikes:
    - {{at: {{uniform: [40m, 80m]}}, factor: {{choice: [3, 6]}}, ramp: 1m, hold: {{uniform: [2m, 8m]}}, decay: 2m}}
  noise_cv: {{choice: [0.05, 0.2]}}
"#
    )
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(sweep: &str) -> Self {
        let f = Fixture { dir: tempfile::tempdir().unwrap() };
        f.write("scenario.yaml", SCENARIO);
        f.write("deploy.yaml", DEPLOYMENT);
        let mut trace = String::from("time,rps\n");
        for m in 0..120 {
            trace.push_str(&format!("2026-07-04T{:02}:{:02}:00Z,{}\n", m / 60, m % 60, 100 + (m % 7) * 10));
        }
        f.write("trace.csv", &trace);
        f.write("sweep.yaml", sweep);
        f
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
    fn sweep(&self, out: &str, extra: &[&str]) -> Output {
        let (sweep, out) = (self.path("sweep.yaml"), self.path(out));
        let mut args = vec!["sweep", sweep.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend(extra);
        capsim(&args)
    }
    fn plan(&self) -> sweep::Plan {
        sweep::load_plan(&self.path("sweep.yaml")).unwrap()
    }
}

fn capsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capsim")).args(args).env_remove("JOB_COMPLETION_INDEX").output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "stdout: {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), stderr(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn failed(o: &Output) -> String {
    assert!(!o.status.success(), "expected failure, got: {}", String::from_utf8_lossy(&o.stdout));
    let e = stderr(o);
    assert!(!e.contains("panicked"), "{e}");
    e
}

#[test]
fn results_are_byte_identical_for_one_and_two_threads() {
    let f = Fixture::new(&sweep_yaml(3, "[1, 2]"));
    ok(&f.sweep("t1", &["--threads", "1"]));
    ok(&f.sweep("t2", &["--threads", "2"]));
    let (a, b) = (f.read("t1/results.csv"), f.read("t2/results.csv"));
    assert_eq!(a, b);
    // 2 × 2 grid points × 3 replications, plus the header.
    assert_eq!(a.lines().count(), 13);
    let header = a.lines().next().unwrap();
    for col in [
        "cell",
        "seed",
        "cluster.nodes[0].count",
        "workloads.web.traffic.scale",
        "futures.spikes[0].at",
        "futures.noise_cv",
        "failed_share",
        "slo_attainment",
        "p99_ms",
        "spike_failed_share",
        "spike_caught_up_after_s",
        "node_hours",
        "under_accuracy_pods",
        "over_timeshare",
        "jitter_per_min",
    ] {
        assert!(header.split(',').any(|c| c == col), "no column {col} in {header}");
    }
    let rows: Vec<&str> = a.lines().skip(1).collect();
    assert!(rows[0].starts_with("c0000-r00,0,0,"));
    assert!(rows[11].starts_with("c0003-r02,3,2,"));
    // Replications draw different futures and seeds; grid points differ in results.
    let field = |row: &str, i: usize| row.split(',').nth(i).unwrap().to_string();
    assert_ne!(field(rows[0], 3), field(rows[1], 3));
    let fail_col = header.split(',').position(|c| c == "failed").unwrap();
    let fails: std::collections::BTreeSet<String> = rows.iter().map(|r| field(r, fail_col)).collect();
    assert!(fails.len() > 4, "results barely vary: {fails:?}");
    // Two spikes per cell: the base's and the drawn one.
    let spikes_col = header.split(',').position(|c| c == "spikes").unwrap();
    assert!(rows.iter().all(|r| field(r, spikes_col) == "2"));
}

#[test]
fn the_same_grid_values_give_the_same_row_wherever_they_sit_in_the_grid() {
    // Seeds come from the grid values and the replication, never from the cell's position.
    let wide = Fixture::new(&sweep_yaml(2, "[1, 2]"));
    let narrow = Fixture::new(&sweep_yaml(2, "[2]"));
    ok(&wide.sweep("out", &[]));
    ok(&narrow.sweep("out", &[]));
    let strip = |row: &str| row.splitn(3, ',').nth(2).unwrap().to_string();
    let wide_rows: Vec<String> = wide.read("out/results.csv").lines().skip(1).map(strip).collect();
    let narrow_rows: Vec<String> = narrow.read("out/results.csv").lines().skip(1).map(strip).collect();
    // Grid keys are sorted (cluster.… before workloads.…, the first varying slowest), so in the
    // wide grid scale 2 is grid points 1 and 3: rows 2, 3 and 6, 7.
    let picked: Vec<String> = [2, 3, 6, 7].iter().map(|&i| wide_rows[i].clone()).collect();
    assert_eq!(picked, narrow_rows);
}

/// Runs every shard of `count` into `dir`, then merges.
fn sharded(plan: &sweep::Plan, dir: &Path, count: usize, threads: usize) -> String {
    for index in 0..count {
        let opts = SweepOptions {
            out: dir.to_path_buf(),
            run: RunOptions { threads: Some(threads), stop_after: None },
            shard: Shard { index, count },
        };
        sweep::run_sweep(plan, &opts, &|_, _| {}).unwrap();
    }
    let out = dir.join("merged.csv");
    sweep::merge(&[dir.to_path_buf()], &out).unwrap();
    std::fs::read_to_string(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn any_shard_split_merges_to_the_unsharded_result(replications in 1u32..4, values in 1usize..4, count in 1usize..8) {
        let scales: Vec<String> = (1..=values).map(|v| v.to_string()).collect();
        let f = Fixture::new(&sweep_yaml(replications, &format!("[{}]", scales.join(", "))));
        let plan = f.plan();
        prop_assert_eq!(plan.cells.len(), values * 2 * replications as usize);
        let whole = SweepOptions { out: f.path("whole"), run: RunOptions::default(), shard: Shard::default() };
        sweep::run_sweep(&plan, &whole, &|_, _| {}).unwrap();
        let merged = sharded(&plan, &f.path("parts"), count, 1 + count % 2);
        prop_assert_eq!(f.read("whole/results.csv"), merged);
    }
}

#[test]
fn explicit_shards_through_the_cli_merge_to_the_unsharded_result() {
    let f = Fixture::new(&sweep_yaml(3, "[1, 2]"));
    ok(&f.sweep("whole", &[]));
    // Shards 0 and 2 into one folder, shard 1 into another; index 1 read from the environment.
    ok(&f.sweep("a", &["--shard", "0/3"]));
    ok(&f.sweep("a", &["--shard", "2/3", "--threads", "1"]));
    let out = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["sweep", f.path("sweep.yaml").to_str().unwrap(), "--out", f.path("b").to_str().unwrap()])
        .args(["--shards", "3"])
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    ok(&out);
    assert!(f.path("b/results.part-1-of-3.csv").is_file());
    let manifest: serde_json::Value = serde_json::from_str(&f.read("b/manifest.part-1-of-3.json")).unwrap();
    assert_eq!(manifest["cells_assigned"].as_array().unwrap().len(), 4);
    assert_eq!(manifest["cells_done"], 4);
    assert_eq!(manifest["complete"], true);
    let stdout = ok(&capsim(&["merge", f.path("a").to_str().unwrap(), f.path("b").to_str().unwrap()]));
    assert!(stdout.contains("merged 12 cells from 3 parts"), "{stdout}");
    assert_eq!(f.read("a/results.csv"), f.read("whole/results.csv"));
}

#[test]
fn merge_names_missing_and_duplicate_cells() {
    let f = Fixture::new(&sweep_yaml(2, "[1, 2]"));
    ok(&f.sweep("a", &["--shard", "0/2"]));
    // Shard 1 missing.
    let e = failed(&capsim(&["merge", f.path("a").to_str().unwrap()]));
    assert!(
        e.contains("4 of 8 cells are missing: c0000-r01, c0001-r01, c0002-r01, c0003-r01 (from shard 1 of 2)"),
        "{e}"
    );
    assert!(e.contains("fix:"), "{e}");
    // Shard 0 given twice (copied into a second folder).
    ok(&f.sweep("b", &["--shard", "1/2"]));
    std::fs::create_dir(f.path("c")).unwrap();
    for file in ["results.part-0-of-2.csv", "manifest.part-0-of-2.json"] {
        std::fs::copy(f.path("a").join(file), f.path("c").join(file)).unwrap();
    }
    let e = failed(&capsim(&[
        "merge",
        f.path("a").to_str().unwrap(),
        f.path("b").to_str().unwrap(),
        f.path("c").to_str().unwrap(),
    ]));
    assert!(e.contains("4 cells appear more than once: c0000-r00, c0001-r00, c0002-r00, c0003-r00"), "{e}");
    // A row deleted from a part.
    let part = f.read("b/results.part-1-of-2.csv");
    let without: Vec<&str> = part.lines().filter(|l| !l.starts_with("c0002-r01")).collect();
    f.write("b/results.part-1-of-2.csv", &(without.join("\n") + "\n"));
    let e = failed(&capsim(&["merge", f.path("a").to_str().unwrap(), f.path("b").to_str().unwrap()]));
    assert!(e.contains("1 of 8 cells are missing: c0002-r01 (from shard 1 of 2)"), "{e}");
    // Parts of a different split.
    ok(&f.sweep("d", &["--shard", "0/3"]));
    let e = failed(&capsim(&["merge", f.path("a").to_str().unwrap(), f.path("d").to_str().unwrap()]));
    assert!(e.contains("another sweep or split"), "{e}");
    let e = failed(&capsim(&["merge", f.path("nothing-here").to_str().unwrap()]));
    assert!(e.contains("nothing-here"), "{e}");
}

#[test]
fn a_killed_sweep_resumes_to_the_same_results() {
    let f = Fixture::new(&sweep_yaml(3, "[1, 2]"));
    ok(&f.sweep("fresh", &[]));
    // Killed after 5 cells: the journal holds them, there is no results.csv yet.
    let e = failed(&f.sweep("resumed", &["--stop-after", "5", "--threads", "1"]));
    assert!(e.contains("stopped after 5 of 12 cells"), "{e}");
    assert!(!f.path("resumed/results.csv").exists());
    let journal = f.read("resumed/journal.log");
    assert_eq!(journal.lines().count(), 1 + 5);
    let manifest: serde_json::Value = serde_json::from_str(&f.read("resumed/manifest.json")).unwrap();
    assert_eq!((manifest["cells_done"].as_u64(), manifest["complete"].as_bool()), (Some(5), Some(false)));
    // ... and died mid-write of a sixth line.
    f.write("resumed/journal.log", &format!("{journal}c0003-r02\t12ab"));
    let stdout = ok(&f.sweep("resumed", &["--threads", "2"]));
    assert!(stdout.contains("7 run, 5 resumed"), "{stdout}");
    assert_eq!(f.read("resumed/results.csv"), f.read("fresh/results.csv"));
    // Re-running a finished sweep runs nothing and writes the same bytes.
    let stdout = ok(&f.sweep("resumed", &[]));
    assert!(stdout.contains("0 run, 12 resumed"), "{stdout}");
    assert_eq!(f.read("resumed/results.csv"), f.read("fresh/results.csv"));
}

#[test]
fn resumed_cells_are_taken_from_the_journal_not_recomputed() {
    let f = Fixture::new(&sweep_yaml(1, "[1]"));
    let plan = f.plan();
    let header = sweep::row::header(&plan);
    std::fs::create_dir(f.path("out")).unwrap();
    let marker = format!("{},0,0,{},MARK", plan.cells[0].id, plan.cells[0].seed);
    let journal = format!(
        "{}{}",
        sweep::journal::header_line(plan.digest, &header),
        sweep::journal::entry_line(&plan.cells[0].id, &marker)
    );
    f.write("out/journal.log", &journal);
    ok(&f.sweep("out", &[]));
    let results = f.read("out/results.csv");
    assert_eq!(results.lines().nth(1).unwrap(), marker);
    assert_eq!(results.lines().count(), 3);
    // A journal from another plan is refused.
    f.write("out/journal.log", &sweep::journal::header_line(plan.digest ^ 1, &header));
    let e = failed(&f.sweep("out", &[]));
    assert!(e.contains("journal of a different sweep"), "{e}");
}

#[test]
fn bad_sweep_files_name_the_file_the_field_and_the_fix() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "workloads.web.traffic.scale: [1, 2]",
            "workloads.wbe.traffic.scale: [1, 2]",
            &["field `grid.workloads.wbe.traffic.scale`", "no key \"wbe\" at `workloads`", "fix: use one of: web"],
        ),
        (
            "cluster.nodes[0].count: [1, 2]",
            "cluster.nodes.3.count: [1, 2]",
            &[
                "field `grid.cluster.nodes.3.count`",
                "index 3 is out of range: `cluster.nodes` has 1 entries",
                "fix: use 0 to 0",
            ],
        ),
        ("cluster.nodes[0].count: [1, 2]", "cluster.nodes[0].count: []", &["the list of values is empty"]),
        ("cluster.nodes[0].count: [1, 2]", "cluster.nodes[0].count: [1, 1]", &["1 is listed twice"]),
        ("kind: Sweep", "kind: Scenario", &["field `kind`", "`kind: Sweep`"]),
        ("replications: 2", "replications: 0", &["field `replications`", "at least 1"]),
        ("replications: 2", "replication: 2", &["unknown field", "fix:"]),
        ("base: scenario.yaml", "base: nope.yaml", &["nope.yaml", "field `base`", "resolves against the sweep file"]),
        ("slo.target: 0.95", "slo.latency.ms: 5", &["field `set.slo.latency.ms`", "is a string"]),
        (
            "factor: {choice: [3, 6]}",
            "factor: {normal: [3, 6]}",
            &["field `futures.spikes[0].factor`", "not a value or a distribution", "{uniform: [low, high]}"],
        ),
        ("uniform: [40m, 80m]", "uniform: [80m, 40m]", &["above the upper bound"]),
        // A misspelled key the base leaves out: the loader catches it, for the cell.
        (
            "slo.target: 0.95",
            "workloads.web.traffic.noise: 0.3",
            &["cell c0000-r00", "unknown field `noise`", "check their spelling: workloads.web.traffic.noise"],
        ),
        // A file the edited scenario refers to keeps its name.
        ("slo.target: 0.95", "traces.t.file: missing.csv", &["cell c0000-r00", "missing.csv", "cannot read"]),
        // A value the scenario loader rejects.
        ("slo.target: 0.95", "slo.target: 1.5", &["cell c0000-r00", "field `slo.target`", "not a share in (0, 1]"]),
    ];
    for (from, to, needles) in cases {
        let good = sweep_yaml(2, "[1, 2]");
        assert!(good.contains(from), "{from}");
        let f = Fixture::new(&good.replacen(from, to, 1));
        let e = failed(&f.sweep("out", &[]));
        assert!(e.contains("sweep.yaml") || e.contains("nope.yaml"), "{to}: {e}");
        for n in *needles {
            assert!(e.contains(n), "{to}: missing {n:?} in\n{e}");
        }
        assert!(!f.path("out/results.csv").exists());
    }
}

#[test]
fn bad_shards_and_folders_are_errors() {
    let f = Fixture::new(&sweep_yaml(1, "[1]"));
    assert!(failed(&f.sweep("out", &["--shard", "2/2"])).contains("shards are 0-based"));
    assert!(failed(&f.sweep("out", &["--shard", "half"])).contains("is not I/N"));
    assert!(failed(&f.sweep("out", &["--shards", "4"])).contains("JOB_COMPLETION_INDEX"));
    assert!(failed(&f.sweep("out", &["--threads", "0"])).contains("--threads 0"));
    std::fs::create_dir(f.path("mine")).unwrap();
    f.write("mine/notes.txt", "keep me");
    assert!(failed(&f.sweep("mine", &[])).contains("not a capsim sweep folder"));
    assert_eq!(f.read("mine/notes.txt"), "keep me");
}

#[test]
fn the_bundled_example_sweep_plans() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/plugilo/sweep.yaml");
    let plan = sweep::load_plan(&path).unwrap();
    assert_eq!(plan.cells.len(), plan.grid_points * plan.replications as usize);
    let scenario = plan.base.scenario(&plan.cells[0]).unwrap();
    assert_eq!(scenario.duration_ms, 2 * 86_400_000);
    assert_eq!(scenario.spikes.len(), 1, "the drawn spike replaces the base's");
}
