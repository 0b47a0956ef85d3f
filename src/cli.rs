//! The command line: clap commands and human tables. The only module that prints.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::model::units::{format_duration, parse_duration};
use crate::model::{Overrides, Scenario, load_scenario, load_scenario_with};
use crate::trace::{
    self, CsvOptions, GapPolicy, PrometheusOptions, RequestsOptions, Spike, SpikeShape, Trace, ValueKind,
};

#[derive(Parser)]
#[command(
    name = "capsim",
    version,
    about = "Capacity-planning and autoscaling simulator: traffic → pods → nodes → the bill"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum Command {
    /// Simulate a scenario and write a run folder (summary.json, timeseries.csv, decisions.csv, charts/).
    Run {
        /// Scenario file; default: the bundled example models/plugilo/scenario.yaml.
        scenario: Option<PathBuf>,
        /// Output folder; default: out/<scenario name>.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the simulated duration (e.g. 365d).
        #[arg(long)]
        duration: Option<String>,
        /// Override the output step (e.g. 1h).
        #[arg(long)]
        output_step: Option<String>,
        /// Ignore HPAs and ScaledObjects (what-if: what do the autoscalers buy us?).
        #[arg(long)]
        fixed_replicas: bool,
    },
    /// Check a scenario and everything it refers to, without running it.
    Validate { scenario: Option<PathBuf> },
    /// Read, summarise and transform traffic traces.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
    /// Recommend reservations and savings plans from hourly usage: run folders (several = an
    /// ensemble of futures) or usage CSV files with columns hour (RFC 3339 UTC hour start),
    /// instance_type, capacity_type (on-demand|reserved|spot), instance_hours — the shape of a
    /// run's usage_hourly.csv; extra columns are ignored, prices come from the catalog.
    Commit {
        /// Run folders (with usage_hourly.csv) or usage CSV files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Catalog to price with (bundled name or CSV path); default: the first run's catalog.
        #[arg(long)]
        catalog: Option<String>,
        /// Region within the catalog; default: the first run's region, else any row by name.
        #[arg(long)]
        region: Option<String>,
        /// Output folder for commitments.json, commitments.md and the curve chart;
        /// default: <first run folder>/commitments, or out/commitments for CSV input.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The low future: every purchase is also re-priced on all usage multiplied by this.
        #[arg(long, default_value_t = 0.7)]
        downside_scale: f64,
        /// Share of each commitment paid upfront, for break-even months (0 = monthly, 1 = all).
        #[arg(long, default_value_t = 1.0)]
        upfront: f64,
    },
    /// Run a sweep file (grid × replications of futures) in parallel; write results.csv.
    Sweep(SweepArgs),
    /// Recommend node pools and commitments: every candidate (instance family × spot pool ×
    /// headroom) simulated across an ensemble of futures; the cheapest that meets the SLO in all
    /// of them, with its NodePool YAML, commitments and the Pareto chart.
    Recommend {
        /// Scenario with Karpenter NodePools; default: the bundled example.
        scenario: Option<PathBuf>,
        /// Output folder; default: out/recommend/<scenario name>.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Simulate this long instead of the scenario's duration (e.g. 12d).
        #[arg(long)]
        duration: Option<String>,
        /// Headroom candidates: CPU cores of placeholder pods (0: none).
        #[arg(long, default_value_t = 12)]
        headroom_cpu: u32,
    },
    /// Combine the parts of a sharded sweep into one results.csv, checking every cell is there once.
    Merge {
        /// Folders the shards wrote to (their --out).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output file; default: results.csv in the first folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Instance catalogs with prices: list the bundled ones, show one, import Azure Retail Prices.
    Catalog {
        #[command(subcommand)]
        command: crate::pricing::CatalogCommand,
    },
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Span, resolution, gaps, mean, p50/p95/max and peak-to-mean of a trace.
    Inspect {
        #[command(flatten)]
        input: TraceInput,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Apply transforms and write the result as a time,rate_rps CSV.
    Transform {
        #[command(flatten)]
        input: TraceInput,
        /// Multiply every rate.
        #[arg(long)]
        scale: Option<f64>,
        /// Move in time (e.g. 2h, or -30m).
        #[arg(long, allow_hyphen_values = true)]
        shift: Option<String>,
        /// Re-cut into steps of this length, preserving request totals (e.g. 5m).
        #[arg(long)]
        resample: Option<String>,
        /// Repeat back to back until the trace spans this long from its start (e.g. 365d).
        #[arg(long)]
        repeat_to: Option<String>,
        /// Compounding growth per year as a fraction (0.3 = +30 %/year).
        #[arg(long, allow_hyphen_values = true)]
        growth: Option<f64>,
        /// Multiplicative lognormal noise with this coefficient of variation.
        #[arg(long)]
        noise: Option<f64>,
        /// Seed for --noise.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// A spike: AT,FACTOR,RAMP,HOLD,DECAY with AT an RFC 3339 time or a duration after the
        /// trace start, e.g. 9d13h,10,2m,30m,15m. Repeatable.
        #[arg(long)]
        spike: Vec<String>,
        /// Output CSV.
        #[arg(short, long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    RequestsCsv,
    Prometheus,
}

#[derive(Clone, Copy, ValueEnum)]
enum Values {
    Rate,
    Count,
}

#[derive(Clone, Copy, ValueEnum)]
enum Gaps {
    Zero,
    Hold,
    Error,
}

#[derive(Args)]
struct TraceInput {
    /// The trace file.
    file: PathBuf,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    #[arg(long)]
    time_column: Option<String>,
    #[arg(long)]
    value_column: Option<String>,
    /// What the values are: requests per second, or requests counted per interval.
    #[arg(long, value_enum, default_value = "rate")]
    values: Values,
    /// Offset for timestamps written without one, e.g. -04:00.
    #[arg(long, allow_hyphen_values = true)]
    utc_offset: Option<String>,
    #[arg(long, value_enum)]
    gaps: Option<Gaps>,
    /// Counting bin for per-request files (default 1s).
    #[arg(long)]
    bin: Option<String>,
    /// Prometheus: use only this series (default: sum of all).
    #[arg(long)]
    series: Option<usize>,
}

impl TraceInput {
    fn read(&self) -> Result<Trace> {
        let values = match self.values {
            Values::Rate => ValueKind::Rate,
            Values::Count => ValueKind::Count,
        };
        let gaps = self.gaps.map(|g| match g {
            Gaps::Zero => GapPolicy::Zero,
            Gaps::Hold => GapPolicy::Hold,
            Gaps::Error => GapPolicy::Error,
        });
        match self.format {
            Format::Csv => trace::read_csv(
                &self.file,
                &CsvOptions {
                    time_column: self.time_column.clone(),
                    value_column: self.value_column.clone(),
                    values,
                    utc_offset: self.utc_offset.clone(),
                    gaps,
                },
            ),
            Format::RequestsCsv => {
                let bin_ms = self
                    .bin
                    .as_deref()
                    .map(|b| parse_duration(b).map_err(|e| e.at_field("--bin")))
                    .transpose()?
                    .unwrap_or(1_000);
                trace::read_requests_csv(
                    &self.file,
                    &RequestsOptions {
                        time_column: self.time_column.clone(),
                        utc_offset: self.utc_offset.clone(),
                        bin_ms,
                    },
                )
            }
            Format::Prometheus => {
                trace::read_prometheus(&self.file, &PrometheusOptions { series: self.series, values, gaps })
            }
        }
    }
}

/// Where the bundled example lives: beside the working directory, or in the source tree.
fn default_scenario() -> PathBuf {
    let rel = Path::new("models/plugilo/scenario.yaml");
    if rel.exists() { rel.to_path_buf() } else { Path::new(env!("CARGO_MANIFEST_DIR")).join(rel) }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The catalog and region a run folder was billed with (its summary.json `cost` object).
fn run_catalog(dir: &Path) -> Option<(String, Option<String>)> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let cost = v.get("cost")?;
    let catalog = cost.get("catalog")?.as_str()?.to_string();
    let region = cost.get("region").and_then(|r| r.as_str()).filter(|r| !r.is_empty()).map(str::to_string);
    Some((catalog, region))
}

fn commit_command(
    inputs: &[PathBuf],
    catalog: Option<String>,
    region: Option<String>,
    out: Option<PathBuf>,
    downside_scale: f64,
    upfront: f64,
) -> Result<()> {
    let mut tables = Vec::new();
    for input in inputs {
        let file = if input.is_dir() { input.join("usage_hourly.csv") } else { input.clone() };
        if input.is_dir() && !file.is_file() {
            return Err(Error::new("no usage_hourly.csv in this folder")
                .in_file(input)
                .fix("give a run folder of a scenario that names a catalog (capsim run), or a usage CSV file"));
        }
        tables.push(crate::pricing::usage_csv::read(&file)?);
    }
    let recorded = inputs.iter().find(|p| p.is_dir()).and_then(|d| run_catalog(d));
    let (catalog_name, recorded_region) = match (catalog, recorded) {
        (Some(c), r) => (c, r.and_then(|r| r.1)),
        (None, Some((c, r))) => (c, r),
        (None, None) => {
            return Err(Error::new("no catalog to price the usage with")
                .at_field("--catalog")
                .fix("pass --catalog <bundled name or CSV> (see `capsim catalog list`); run folders record theirs"));
        }
    };
    let cat = crate::pricing::load(&catalog_name).map_err(|e| e.at_field("--catalog"))?;
    let config = crate::pricing::advise::AdviseConfig {
        catalog_name: catalog_name.clone(),
        region: region.or(recorded_region),
        downside_scale,
        upfront_fraction: upfront,
    };
    let (report, usage) = crate::pricing::advise::advise(&tables, &cat, &config)?;
    let out = out.unwrap_or_else(|| match inputs.iter().find(|p| p.is_dir()) {
        Some(d) => d.join("commitments"),
        None => Path::new("out").join("commitments"),
    });
    crate::report::commitments::write_commitments(&out, &report)?;
    let scenario_name = inputs.iter().find(|p| p.is_dir()).and_then(|d| {
        let text = std::fs::read_to_string(d.join("summary.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v.get("scenario")?.as_str().map(str::to_string)
    });
    let label = scenario_name.unwrap_or_else(|| {
        inputs.first().and_then(|p| p.file_stem()).map_or("usage".into(), |s| s.to_string_lossy().into_owned())
    });
    let curve = crate::pricing::advise::savings_plan_curve(&usage.combined, &label)?;
    crate::report::render_commitment_curve(&out, "commitment_curve", &curve)?;
    print!("{}", crate::report::commitments::table(&report));
    println!("wrote {}", out.display());
    Ok(())
}

fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Commit { inputs, catalog, region, out, downside_scale, upfront } => {
            commit_command(&inputs, catalog, region, out, downside_scale, upfront)
        }
        Command::Sweep(args) => run_sweep_command(args),
        Command::Recommend { scenario, out, threads, duration, headroom_cpu } => {
            recommend_command(scenario, out, threads, duration, headroom_cpu)
        }
        Command::Merge { dirs, out } => {
            let out = out.unwrap_or_else(|| dirs[0].join("results.csv"));
            let m = crate::sweep::merge(&dirs, &out)?;
            println!("merged {} cells from {} parts into {}", m.cells, m.parts, m.out.display());
            Ok(())
        }
        Command::Catalog { command } => {
            print!("{}", crate::pricing::run_catalog_command(command)?);
            Ok(())
        }
        Command::Run { scenario, out, seed, duration, output_step, fixed_replicas } => {
            let path = scenario.unwrap_or_else(default_scenario);
            let scenario =
                load_scenario_with(&path, &Overrides { duration, output_step, fidelity: None, fixed_replicas })?;
            let out = out.unwrap_or_else(|| Path::new("out").join(&scenario.name));
            crate::report::check_output_dir(&out)?;
            let result = crate::sim::run(&scenario, seed)?;
            crate::report::write_run(&out, &scenario, &result)?;
            print_run(&scenario, &result, &out);
            Ok(())
        }
        Command::Validate { scenario } => {
            let path = scenario.unwrap_or_else(default_scenario);
            let scenario = load_scenario(&path)?;
            print_validation(&scenario);
            Ok(())
        }
        Command::Trace { command: TraceCommand::Inspect { input, json } } => {
            let t = input.read()?;
            let stats = trace::inspect(&t);
            if json {
                println!("{}", serde_json::to_string_pretty(&stats).map_err(|e| Error::new(e.to_string()))?);
            } else {
                println!("{}", input.file.display());
                println!("  span          {} → {} ({})", stats.start, stats.end, format_duration(t.span()));
                println!("  resolution    {}", format_duration(t.resolution()));
                println!("  segments      {}", stats.segments);
                println!("  gaps          {} ({})", stats.gaps, format_duration((stats.gap_seconds * 1000.0) as u64));
                println!("  requests      {:.0}", stats.total_requests);
                println!("  mean          {:.3} rps", stats.mean_rps);
                println!("  p50           {:.3} rps", stats.p50_rps);
                println!("  p95           {:.3} rps", stats.p95_rps);
                println!("  max           {:.3} rps", stats.max_rps);
                println!("  peak-to-mean  {:.2}", stats.peak_to_mean);
            }
            Ok(())
        }
        Command::Trace {
            command:
                TraceCommand::Transform { input, scale, shift, resample, repeat_to, growth, noise, seed, spike, out },
        } => {
            let mut t = input.read()?;
            if let Some(f) = scale {
                t = t.scaled(f).map_err(|e| e.at_field("--scale"))?;
            }
            if let Some(s) = shift {
                let (neg, body) = s.strip_prefix('-').map_or((false, s.as_str()), |b| (true, b));
                let ms = parse_duration(body).map_err(|e| e.at_field("--shift"))? as i64;
                t = t.shifted(if neg { -ms } else { ms });
            }
            if let Some(r) = resample {
                t = t.resampled(parse_duration(&r).map_err(|e| e.at_field("--resample"))?)?;
            }
            if let Some(r) = repeat_to {
                let span = parse_duration(&r).map_err(|e| e.at_field("--repeat-to"))?;
                t = t.repeated_until(t.start() + span as i64)?.0;
            }
            if let Some(g) = growth {
                t = t.grown(g, t.start()).map_err(|e| e.at_field("--growth"))?;
            }
            for s in &spike {
                t = t.with_spike(&parse_spike(s, t.start())?, SpikeShape::default())?;
            }
            if let Some(cv) = noise {
                let mut rng = crate::engine::RngStreams::new(seed, "trace-transform", 0).stream("noise");
                t = t.with_noise(cv, &mut rng).map_err(|e| e.at_field("--noise"))?;
            }
            write_trace_csv(&out, &t)?;
            println!("wrote {} ({} segments, {:.0} requests)", out.display(), t.len(), t.total_requests());
            Ok(())
        }
    }
}

fn parse_spike(text: &str, trace_start: i64) -> Result<Spike> {
    let fix = "write AT,FACTOR,RAMP,HOLD,DECAY, e.g. 9d13h,10,2m,30m,15m";
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 5 {
        return Err(Error::new(format!("invalid spike {text:?}")).at_field("--spike").fix(fix));
    }
    let start = match parts[0].parse::<jiff::Timestamp>() {
        Ok(ts) => ts.as_millisecond(),
        Err(_) => trace_start + parse_duration(parts[0]).map_err(|e| e.at_field("--spike"))? as i64,
    };
    let factor: f64 = parts[1]
        .parse()
        .map_err(|_| Error::new(format!("invalid spike factor {:?}", parts[1])).at_field("--spike").fix(fix))?;
    let d = |s: &str| parse_duration(s).map_err(|e| e.at_field("--spike"));
    Ok(Spike { start, factor, ramp_ms: d(parts[2])?, hold_ms: d(parts[3])?, decay_ms: d(parts[4])? })
}

fn write_trace_csv(path: &Path, t: &Trace) -> Result<()> {
    use std::fmt::Write as _;
    let mut out = String::from("time,rate_rps\n");
    for (s, _, r) in t.segments() {
        let _ = writeln!(out, "{},{}", crate::report::rfc3339_millis(s), r);
    }
    // One more row at the end so the last segment's length survives a round trip.
    let _ = writeln!(out, "{},0", crate::report::rfc3339_millis(t.end()));
    crate::report::write_file_atomically(path, out.as_bytes())
}

fn pct(x: f64) -> String {
    format!("{:.3} %", x * 100.0)
}

fn ms(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{v:.0} ms"))
}

fn print_run(s: &Scenario, r: &crate::sim::RunResult, out: &Path) {
    let fidelity = match r.fidelity {
        crate::model::Fidelity::Fluid => "fluid",
        crate::model::Fidelity::Request => "request-level",
    };
    println!(
        "{} — {} from {} (seed {}, {fidelity} service model)",
        s.name,
        format_duration(s.duration_ms),
        crate::report::rfc3339(s.start),
        r.seed
    );
    println!("{:<16} {:>14} {:>10} {:>12} {:>10} {:>10}", "workload", "requests", "failed", "within SLO", "p95", "p99");
    for w in r.workloads.iter().map(|w| &w.summary).chain(std::iter::once(&r.total)) {
        println!(
            "{:<16} {:>14.0} {:>10} {:>12} {:>10} {:>10}",
            w.name,
            w.requests,
            pct(w.failed_share),
            pct(w.slo_attainment),
            ms(w.latency_ms.p95),
            ms(w.latency_ms.p99)
        );
    }
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    for note in &r.notes {
        println!("note: {note}");
    }
    println!("wrote {}", out.display());
}

fn autoscaler_label(w: &crate::model::Workload) -> String {
    match &w.autoscaler {
        None => "fixed replicas".into(),
        Some(a) => {
            let (kind, min) = match &a.keda {
                Some(k) => ("ScaledObject", k.object.min_replica_count()),
                None => ("HPA", a.hpa.min_replicas.unwrap_or(1)),
            };
            format!("{kind} {:?} ({min}..{} replicas)", a.name, a.hpa.max_replicas)
        }
    }
}

fn print_validation(s: &Scenario) {
    println!("{}: valid", s.path.display());
    println!("  {} workloads, {} node groups, {} spike events", s.workloads.len(), s.nodes.len(), s.spikes.len());
    for w in &s.workloads {
        println!(
            "  workload {:<16} deployment {} ({} replicas, requests cpu {}, memory {}), {}, mean demand {:.1} rps",
            w.name,
            w.deployment.name,
            w.deployment.replicas,
            crate::sim::fmt_cpu(w.deployment.requests.cpu),
            crate::sim::fmt_bytes(w.deployment.requests.memory),
            autoscaler_label(w),
            w.demand.total_requests() / (w.demand.span() as f64 / 1000.0)
        );
    }
    for g in &s.nodes {
        println!(
            "  node group {:<10} {} × {}: allocatable cpu {}, memory {}, {} pods — {}",
            g.pool,
            g.count,
            g.instance_type.as_deref().unwrap_or("?"),
            crate::sim::fmt_cpu(g.allocatable.cpu),
            crate::sim::fmt_bytes(g.allocatable.memory),
            g.max_pods,
            g.allocatable_note
        );
    }
    for d in &s.manifests.daemonsets {
        println!(
            "  daemonset {:<20} requests cpu {}, memory {} per node",
            d.name,
            crate::sim::fmt_cpu(d.requests.cpu),
            crate::sim::fmt_bytes(d.requests.memory)
        );
    }
    match &s.node_autoscaling {
        crate::model::NodeAutoscaling::Karpenter(k) => {
            for p in &k.nodepools {
                let reqs = p.template_requirements();
                let types: Vec<&str> =
                    k.instance_types.iter().filter(|it| it.compatible_with(&reqs)).map(|it| it.name.as_str()).collect();
                println!(
                    "  karpenter nodepool {:<10} weight {}, {} instance types ({}), limits cpu {}",
                    p.name,
                    p.weight,
                    types.len(),
                    types.join(", "),
                    p.limits.cpu_milli.map_or("none".to_string(), |c| format!("{} cores", c as f64 / 1000.0))
                );
            }
        }
        crate::model::NodeAutoscaling::ClusterAutoscaler(ca) => {
            for p in &ca.pools {
                println!(
                    "  cluster autoscaler node pool {:<10} {} (min {}, max {}, start {}): allocatable cpu {}, memory {}",
                    p.nodes.pool,
                    p.nodes.instance_type.as_deref().unwrap_or("?"),
                    p.group.min_size,
                    p.group.max_size,
                    p.nodes.count,
                    crate::sim::fmt_cpu(p.nodes.allocatable.cpu),
                    crate::sim::fmt_bytes(p.nodes.allocatable.memory)
                );
            }
        }
        crate::model::NodeAutoscaling::None => {}
    }
    let used = |kind: &str| match kind {
        "HorizontalPodAutoscaler" | "ScaledObject" | "PriorityClass" => true,
        "NodePool" => matches!(s.node_autoscaling, crate::model::NodeAutoscaling::Karpenter(_)),
        _ => false,
    };
    for o in s.manifests.others.iter().filter(|o| !used(&o.kind)) {
        println!("  not simulated: {} {:?} in {}", o.kind, o.name, o.source.display());
    }
    for w in &s.warnings {
        println!("  warning: {w}");
    }
    for note in &s.notes {
        println!("  note: {note}");
    }
}

#[derive(Args)]
struct SweepArgs {
    /// Sweep file (`kind: Sweep`).
    sweep: PathBuf,
    /// Output folder; default: out/sweeps/<sweep name>. Re-running into the same folder resumes.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads; default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Run shard I of N (0-based, I in 0..N): every N-th cell from the I-th.
    #[arg(long, conflicts_with = "shards")]
    shard: Option<String>,
    /// Run one of N shards, its index from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or
    /// AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long)]
    shards: Option<usize>,
    /// Test hook: stop after this many cells finish, as if killed.
    #[arg(long, hide = true)]
    stop_after: Option<usize>,
}

fn recommend_command(
    scenario: Option<PathBuf>,
    out: Option<PathBuf>,
    threads: Option<usize>,
    duration: Option<String>,
    headroom_cpu: u32,
) -> Result<()> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if threads == Some(0) {
        return Err(Error::new("--threads 0: at least one thread is needed").fix("omit --threads to use all cores"));
    }
    let path = scenario.unwrap_or_else(default_scenario);
    let name = crate::model::load_scenario(&path)?.name;
    let out = out.unwrap_or_else(|| Path::new("out").join("recommend").join(&name));
    let bar = ProgressBar::with_draw_target(
        None,
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let opts = crate::recommend::RecommendOptions { out: out.clone(), threads, duration, headroom_cpu };
    let r = crate::recommend::recommend(&path, &opts, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position((done as u64).max(bar.position()));
    });
    bar.finish_and_clear();
    let r = r?;
    crate::recommend::report::write(&out, &r)?;
    println!(
        "{}: {} candidates × {} futures = {} runs on {} threads in {:.1} s",
        r.scenario,
        r.candidates.len(),
        r.futures.len(),
        r.cells,
        crate::sweep::run::effective_threads(threads),
        started.elapsed().as_secs_f64()
    );
    println!("{:<37} {:>10} {:>18} {:>10}  meets SLO", "candidate", "cost/year", "after commitments", "worst SLO");
    for (i, c) in r.candidates.iter().enumerate() {
        println!(
            "{}{:<36} {:>10.0} {:>18.0} {:>9.3}%  {}{}",
            if Some(i) == r.chosen { "*" } else { " " },
            c.id,
            c.cost_per_year,
            c.cost_per_year_committed,
            c.worst_slo_attainment * 100.0,
            if c.meets_slo { "yes" } else { "no" },
            if c.pareto { " (Pareto)" } else { "" }
        );
    }
    match r.chosen {
        Some(i) => println!("recommended (*): {}", r.candidates[i].id),
        None => println!("no candidate meets the SLO in every future; see the Pareto front"),
    }
    println!("wrote {}", out.display());
    Ok(())
}

fn run_sweep_command(args: SweepArgs) -> Result<()> {
    use crate::sweep::{RunOptions, Shard, SweepOptions};
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;

    let shard = match (&args.shard, args.shards) {
        (Some(s), _) => Shard::parse(s)?,
        (None, Some(n)) => Shard::from_env(n, |k| std::env::var(k).ok())?,
        (None, None) => Shard::default(),
    };
    if args.threads == Some(0) {
        return Err(Error::new("--threads 0: at least one thread is needed").fix("omit --threads to use all cores"));
    }
    let plan = crate::sweep::load_plan(&args.sweep)?;
    let out = args.out.unwrap_or_else(|| Path::new("out").join("sweeps").join(&plan.name));
    let threads = crate::sweep::run::effective_threads(args.threads);
    let bar = ProgressBar::with_draw_target(
        None,
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} cells  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report = crate::sweep::run_sweep(
        &plan,
        &SweepOptions { out, run: RunOptions { threads: args.threads, stop_after: args.stop_after }, shard },
        &|done, total| {
            bar.set_length(total as u64);
            bar.set_position((done as u64).max(bar.position()));
        },
    );
    bar.finish_and_clear();
    let report = report?;
    let part = if shard.is_whole() { String::new() } else { format!(", shard {}/{}", shard.index, shard.count) };
    println!(
        "{}: {} cells ({} grid points × {} replications){part}: {} run, {} resumed, on {threads} threads in {:.1} s",
        plan.name,
        report.cells_total,
        plan.grid_points,
        plan.replications,
        report.ran,
        report.resumed,
        started.elapsed().as_secs_f64()
    );
    println!("wrote {}", report.results.display());
    Ok(())
}
