//! The capsim Scenario file (DESIGN §4): raw serde schema (unknown fields are errors) and its
//! validation into typed values. Relative paths resolve against the scenario file's folder.

mod cluster_autoscaler;
mod commitments;
mod node_autoscaling;
mod schema;

pub use cluster_autoscaler::{CaNodePool, ClusterAutoscalerSetup, SPOT_KEY, default_provisioning_latency};
pub use commitments::{CommitmentKind, ExistingCommitment};
pub use node_autoscaling::{
    KarpenterSetup, NodeAutoscaling, SpotSettings, base_allocatable, default_launch_latency, instance_type,
    karpenter_pod, taint_effect,
};
use schema::*;
pub use schema::{AllocatableModel, Fidelity, NodeAutoscalerKind, Scoring};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::autoscaling::{PodAutoscaler, WorkloadRefs, load_autoscalers};
use super::deployment::{Deployment, Manifests, Resources, load_manifests};
use super::distribution::DurationDist;
use super::units::{parse_duration, parse_quantity};
use super::yaml::{at_span, read_text, yaml_error};
use crate::autoscale::hpa::HpaConfig;
use crate::engine::{MINUTE, Millis};
use crate::error::{Error, Result};
use crate::trace::{self, CsvOptions, EpochMillis, PrometheusOptions, RequestsOptions, Spike, SpikeShape, Trace};
use crate::traffic::ServiceProfile;

/// The latency objective: a share `target` of requests must succeed within `latency_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    pub latency_ms: f64,
    pub target: f64,
}

/// A group of identical, fixed nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    pub pool: String,
    pub instance_type: Option<String>,
    pub count: u32,
    pub allocatable: Resources,
    pub max_pods: u32,
    /// Labels beyond the well-known ones capsim sets (pool, instance type, os, arch).
    pub labels: BTreeMap<String, String>,
    /// (key, value, effect) with effect NoSchedule, PreferNoSchedule or NoExecute.
    pub taints: Vec<(String, String, String)>,
    /// How allocatable was obtained, for people.
    pub allocatable_note: String,
}

/// A spike event as declared, with the workloads it applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeEvent {
    pub spike: Spike,
    pub workloads: Vec<String>,
}

/// How a workload's pods come and go.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTiming {
    /// From binding to a node until the containers run (image pull, start).
    pub startup: DurationDist,
    /// From running until Ready (readiness probe passing).
    pub readiness_delay_ms: Millis,
    /// How long a deleted pod holds its node resources.
    pub termination_grace_ms: Millis,
}

/// How metrics reach the controllers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricsConfig {
    /// Prometheus / metrics-server scrape interval.
    pub scrape_ms: Millis,
    /// metrics-server's CPU/memory averaging window.
    pub resource_window_ms: Millis,
}

/// Default pod startup (assumption, from CONTROLLERS.md §6: the upstream pod-startup SLO is
/// p99 ≤ 5 s with the image present; a cached image pull adds seconds): lognormal with median
/// 4 s and p95 12 s. Default readiness delay: one default probe period, 10 s.
pub const DEFAULT_STARTUP_MEDIAN_MS: f64 = 4_000.0;
pub const DEFAULT_STARTUP_P95_MS: f64 = 12_000.0;
pub const DEFAULT_READINESS_DELAY_MS: Millis = 10_000;
/// Default scrape interval (Prometheus and metrics-server resolution) and metrics-server window.
pub const DEFAULT_SCRAPE_MS: Millis = 15_000;
pub const DEFAULT_RESOURCE_WINDOW_MS: Millis = 30_000;

/// A workload ready to simulate.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub deployment: Deployment,
    pub profile: ServiceProfile,
    /// Latency objective of this workload, milliseconds.
    pub slo_latency_ms: f64,
    /// Demand over [start, end) of the scenario, in absolute time, before seeded noise.
    pub demand: Trace,
    /// Seeded multiplicative noise applied per run.
    pub noise_cv: Option<f64>,
    pub pods: PodTiming,
    pub metrics: MetricsConfig,
    /// The HPA or ScaledObject that scales it, if any.
    pub autoscaler: Option<PodAutoscaler>,
    /// A headroom placeholder: a negative-priority Deployment with no traffic, whose pods hold
    /// room that real pods pre-empt (not reported as a workload).
    pub placeholder: bool,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub path: PathBuf,
    pub start: EpochMillis,
    pub duration_ms: Millis,
    pub seed: u64,
    pub output_step_ms: Millis,
    pub fidelity: Fidelity,
    pub workloads: Vec<Workload>,
    pub nodes: Vec<NodeGroup>,
    pub scoring: Scoring,
    /// Who adds and removes nodes (none: `nodes` stay as they are).
    pub node_autoscaling: NodeAutoscaling,
    pub spot: SpotSettings,
    pub slo: Slo,
    pub spikes: Vec<SpikeEvent>,
    pub manifests: Manifests,
    /// HPA controller settings (sync period in `hpa_sync_ms`).
    pub hpa: HpaConfig,
    pub hpa_sync_ms: Millis,
    /// The price catalog named by `catalog:` (bundled name or path as written, and its rows).
    pub catalog: Option<ScenarioCatalog>,
    /// Reservations and savings plans already bought.
    pub commitments: Vec<ExistingCommitment>,
    /// Inputs capsim read but does not model (never silently dropped).
    pub warnings: Vec<String>,
    /// Facts about how inputs were used (e.g. a trace repeated to cover the run).
    pub notes: Vec<String>,
}

/// The scenario's catalog as named, with its rows.
#[derive(Debug, Clone)]
pub struct ScenarioCatalog {
    pub name: String,
    pub catalog: crate::pricing::Catalog,
}

impl Scenario {
    pub fn end(&self) -> EpochMillis {
        self.start + self.duration_ms as EpochMillis
    }
}

/// Context for errors: file and how to locate spanned values.
struct Ctx<'a> {
    path: &'a Path,
}

impl Ctx<'_> {
    fn span_err(&self, e: Error, span: &Text, field: &str) -> Error {
        at_span(e, self.path, span, 0).at_field(field.to_string())
    }
    fn duration(&self, span: &Text, field: &str) -> Result<Millis> {
        parse_duration(&span.value).map_err(|e| self.span_err(e, span, field))
    }
    fn quantity(&self, span: &Text, field: &str) -> Result<f64> {
        parse_quantity(&span.value).map_err(|e| self.span_err(e, span, field))
    }
    fn field_err(&self, field: &str, problem: impl Into<String>, fix: impl Into<String>) -> Error {
        Error::new(problem).in_file(self.path).at_field(field.to_string()).fix(fix)
    }
    fn resolve(&self, rel: &str) -> PathBuf {
        let p = Path::new(rel);
        if p.is_absolute() { p.to_path_buf() } else { self.path.parent().unwrap_or(Path::new(".")).join(p) }
    }
    /// An RFC 3339 timestamp, or a duration after `start`.
    fn instant(&self, span: &Text, field: &str, start: EpochMillis) -> Result<EpochMillis> {
        if let Ok(ts) = span.value.parse::<jiff::Timestamp>() {
            return Ok(ts.as_millisecond());
        }
        let offset = parse_duration(&span.value).map_err(|_| {
            self.span_err(
                Error::new(format!("{:?} is neither an RFC 3339 timestamp nor a duration", span.value))
                    .fix("write a time such as 2026-07-13T13:00:00Z, or a duration after the start such as 9d13h"),
                span,
                field,
            )
        })?;
        Ok(start + offset as EpochMillis)
    }
}

/// Values given on the command line that replace the scenario file's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub duration: Option<String>,
    pub output_step: Option<String>,
    pub fidelity: Option<Fidelity>,
    /// Ignore HPAs and ScaledObjects: every Deployment keeps its manifest replicas.
    pub fixed_replicas: bool,
}

/// Loads and validates a scenario file and everything it refers to.
pub fn load_scenario(path: &Path) -> Result<Scenario> {
    load_scenario_with(path, &Overrides::default())
}

/// Like [`load_scenario`], with some fields replaced first.
pub fn load_scenario_with(path: &Path, overrides: &Overrides) -> Result<Scenario> {
    load_scenario_from_str(&read_text(path)?, path, overrides)
}

/// Like [`load_scenario_with`], from a document already in memory (e.g. one a sweep made by
/// editing a base scenario). `path` names the document in errors, and relative paths in it
/// resolve against `path`'s folder.
pub fn load_scenario_from_str(text: &str, path: &Path, overrides: &Overrides) -> Result<Scenario> {
    let mut raw: ScenarioFile = serde_saphyr::from_str(text).map_err(|e| yaml_error(path, &e, 0))?;
    if let Some(d) = &overrides.duration {
        raw.duration.value = d.clone();
    }
    if let Some(step) = &overrides.output_step {
        match &mut raw.output_step {
            Some(s) => s.value = step.clone(),
            None => raw.output_step = Some(Spanned::new(step.clone(), raw.duration.referenced, raw.duration.defined)),
        }
    }
    if let Some(f) = overrides.fidelity {
        raw.fidelity = f;
    }
    let ctx = Ctx { path };
    if raw.kind != "Scenario" {
        return Err(ctx.field_err("kind", format!("kind is {:?}", raw.kind), "a scenario file has `kind: Scenario`"));
    }
    let start = raw
        .start
        .value
        .parse::<jiff::Timestamp>()
        .map_err(|e| {
            ctx.span_err(
                Error::new(format!("invalid start {:?}: {e}", raw.start.value))
                    .fix("write an RFC 3339 time with an offset, e.g. 2026-07-04T04:00:00Z"),
                &raw.start,
                "start",
            )
        })?
        .as_millisecond();
    let duration_ms = ctx.duration(&raw.duration, "duration")?;
    if duration_ms == 0 {
        return Err(ctx.span_err(
            Error::new("duration must be positive").fix("set a duration such as 14d"),
            &raw.duration,
            "duration",
        ));
    }
    let output_step_ms = match &raw.output_step {
        Some(s) => ctx.duration(s, "output_step")?,
        None => MINUTE,
    };
    if output_step_ms == 0 || output_step_ms % 1000 != 0 {
        return Err(ctx.field_err(
            "output_step",
            "output_step must be a positive whole number of seconds",
            "set e.g. output_step: 1m",
        ));
    }
    let end = start + duration_ms as EpochMillis;
    let mut notes = Vec::new();

    let slo = Slo { latency_ms: ctx.duration(&raw.slo.latency, "slo.latency")? as f64, target: raw.slo.target };
    if !(slo.target > 0.0 && slo.target <= 1.0) {
        return Err(ctx.field_err(
            "slo.target",
            format!("target {} is not a share in (0, 1]", slo.target),
            "write the share of requests that must succeed in time, e.g. 0.99",
        ));
    }

    // Manifests.
    let manifest_paths: Vec<PathBuf> = raw.manifests.iter().map(|m| ctx.resolve(m)).collect();
    let manifests = load_manifests(&manifest_paths)?;

    // Traces: read, align, repeat to cover the run, cut to it.
    let mut traces = BTreeMap::new();
    for (name, spec) in &raw.traces {
        let field = format!("traces.{name}");
        let file = ctx.resolve(&spec.file);
        let base = match spec.format {
            TraceFormat::Csv => trace::read_csv(
                &file,
                &CsvOptions {
                    time_column: spec.time_column.clone(),
                    value_column: spec.value_column.clone(),
                    values: spec.values,
                    utc_offset: spec.utc_offset.clone(),
                    gaps: spec.gaps,
                },
            )?,
            TraceFormat::RequestsCsv => {
                let bin_ms = match &spec.bin {
                    Some(b) => ctx.duration(b, &format!("{field}.bin"))?,
                    None => 1_000,
                };
                trace::read_requests_csv(
                    &file,
                    &RequestsOptions {
                        time_column: spec.time_column.clone(),
                        utc_offset: spec.utc_offset.clone(),
                        bin_ms,
                    },
                )?
            }
            TraceFormat::Prometheus => trace::read_prometheus(
                &file,
                &PrometheusOptions { series: spec.series, values: spec.values, gaps: spec.gaps },
            )?,
        };
        let aligned = match spec.align {
            Align::Start => base.shifted(start - base.start()),
            Align::Absolute => base,
        };
        if aligned.start() > start {
            return Err(ctx.field_err(
                &format!("{field}.align"),
                "the trace starts after the scenario start",
                "use `align: start`, or move the scenario start into the trace",
            ));
        }
        let covering = if aligned.end() < end {
            if !spec.repeat {
                return Err(ctx.field_err(
                    &format!("{field}.repeat"),
                    format!(
                        "the trace covers {} but the scenario needs {}",
                        fmt_span(aligned.end() - start),
                        fmt_span(end - start)
                    ),
                    "set `repeat: true` to repeat the trace, or shorten `duration`",
                ));
            }
            let (t, copies) = aligned.repeated_until(end)?;
            notes.push(format!(
                "trace {name:?} ({}) repeated {copies}× to cover the run",
                fmt_span(aligned.span() as i64)
            ));
            t
        } else {
            aligned
        };
        if !covering.gaps.is_empty() {
            notes.push(format!("trace {name:?}: {} gaps in the source data filled", covering.gaps.len()));
        }
        traces.insert(name.clone(), covering.window(start, end)?);
    }

    // Spike events.
    let mut spikes = Vec::new();
    for (i, EventSpec::Spike(s)) in raw.events.iter().enumerate() {
        let field = format!("events[{i}].spike");
        let d = |span: &Option<Text>, name: &str| -> Result<Millis> {
            span.as_ref().map_or(Ok(0), |sp| ctx.duration(sp, &format!("{field}.{name}")))
        };
        if !(s.factor.is_finite() && s.factor >= 0.0) {
            return Err(ctx.field_err(
                &format!("{field}.factor"),
                format!("factor {} is not a number ≥ 0", s.factor),
                "write the multiplier, e.g. 10 for a 10× spike",
            ));
        }
        let spike = Spike {
            start: ctx.instant(&s.at, &format!("{field}.at"), start)?,
            factor: s.factor,
            ramp_ms: d(&s.ramp, "ramp")?,
            hold_ms: ctx.duration(&s.hold, &format!("{field}.hold"))?,
            decay_ms: d(&s.decay, "decay")?,
        };
        let targets = s.workloads.clone().unwrap_or_else(|| raw.workloads.keys().cloned().collect());
        for w in &targets {
            if !raw.workloads.contains_key(w) {
                return Err(ctx.field_err(
                    &format!("{field}.workloads"),
                    format!("no workload named {w:?}"),
                    format!("use one of: {}", raw.workloads.keys().cloned().collect::<Vec<_>>().join(", ")),
                ));
            }
        }
        spikes.push(SpikeEvent { spike, workloads: targets });
    }

    // Workloads.
    let mut workloads = Vec::new();
    for (name, spec) in &raw.workloads {
        let field = format!("workloads.{name}");
        let dep_name = spec.deployment.clone().unwrap_or_else(|| name.clone());
        let deployment = manifests.deployments.iter().find(|d| d.name == dep_name).cloned().ok_or_else(|| {
            let known: Vec<_> = manifests.deployments.iter().map(|d| d.name.as_str()).collect();
            ctx.field_err(
                &format!("{field}.deployment"),
                format!("no Deployment named {dep_name:?} in the manifests"),
                if known.is_empty() {
                    "list the manifest files or folders under `manifests`".to_string()
                } else {
                    format!("use one of: {}", known.join(", "))
                },
            )
        })?;
        let profile = service_profile(&ctx, &spec.service, &format!("{field}.service"))?;
        let t = &spec.traffic;
        let base = traces.get(&t.trace).ok_or_else(|| {
            ctx.field_err(
                &format!("{field}.traffic.trace"),
                format!("no trace named {:?}", t.trace),
                format!(
                    "define it under `traces` or use one of: {}",
                    raw.traces.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        let mut demand =
            base.scaled(t.scale).map_err(|e| e.in_file(path).at_field(format!("{field}.traffic.scale")))?;
        if let Some(g) = t.growth_per_year {
            demand = demand
                .grown(g, start)
                .map_err(|e| e.in_file(path).at_field(format!("{field}.traffic.growth_per_year")))?;
        }
        for ev in spikes.iter().filter(|s| s.workloads.contains(name)) {
            demand = demand.with_spike(&ev.spike, SpikeShape::default())?;
        }
        if let Some(cv) = t.noise_cv
            && !(cv.is_finite() && cv >= 0.0)
        {
            return Err(ctx.field_err(
                &format!("{field}.traffic.noise_cv"),
                format!("noise_cv {cv} is not a number ≥ 0"),
                "write the coefficient of variation, e.g. 0.1",
            ));
        }
        let slo_latency_ms = match &spec.slo_latency {
            Some(l) => ctx.duration(l, &format!("{field}.slo_latency"))? as f64,
            None => slo.latency_ms,
        };
        let pods = PodTiming {
            startup: match &spec.pods.startup {
                Some(d) => DurationDist::from_spec(
                    d,
                    &format!("{field}.pods.startup"),
                    path,
                    path.parent().unwrap_or(Path::new(".")),
                )?,
                None => DurationDist::LogNormal {
                    mu: DEFAULT_STARTUP_MEDIAN_MS.ln(),
                    sigma: (DEFAULT_STARTUP_P95_MS / DEFAULT_STARTUP_MEDIAN_MS).ln() / 1.644_853_626_951_472_2,
                },
            },
            readiness_delay_ms: opt_duration(
                &ctx,
                &spec.pods.readiness_delay,
                &format!("{field}.pods.readiness_delay"),
            )?
            .unwrap_or(DEFAULT_READINESS_DELAY_MS),
            termination_grace_ms: opt_duration(
                &ctx,
                &spec.pods.termination_grace,
                &format!("{field}.pods.termination_grace"),
            )?
            .unwrap_or(deployment.termination_grace_ms),
        };
        let metrics = MetricsConfig {
            scrape_ms: opt_duration(&ctx, &spec.metrics.scrape_interval, &format!("{field}.metrics.scrape_interval"))?
                .unwrap_or(DEFAULT_SCRAPE_MS),
            resource_window_ms: opt_duration(
                &ctx,
                &spec.metrics.resource_window,
                &format!("{field}.metrics.resource_window"),
            )?
            .unwrap_or(DEFAULT_RESOURCE_WINDOW_MS),
        };
        if metrics.scrape_ms == 0 || metrics.resource_window_ms == 0 {
            return Err(ctx.field_err(
                &format!("{field}.metrics"),
                "scrape_interval and resource_window must be positive",
                "e.g. scrape_interval: 15s",
            ));
        }
        workloads.push(Workload {
            name: name.clone(),
            deployment,
            profile,
            slo_latency_ms,
            demand: demand.coalesced(),
            noise_cv: t.noise_cv,
            pods,
            metrics,
            autoscaler: None,
            placeholder: false,
        });
    }

    // Pod autoscalers from the manifests, bound to workloads.
    let mut warnings = Vec::new();
    let refs = WorkloadRefs {
        names: workloads.iter().map(|w| w.name.as_str()).collect(),
        deployments: workloads.iter().map(|w| w.deployment.name.as_str()).collect(),
        bindings: raw.workloads.values().map(|w| &w.signals).collect(),
    };
    let autoscalers = load_autoscalers(&manifests, &refs, &mut warnings).map_err(|e| e.in_file(path))?;
    for (w, a) in workloads.iter_mut().zip(autoscalers) {
        w.autoscaler = if overrides.fixed_replicas { None } else { a };
    }
    if overrides.fixed_replicas {
        notes.push(
            "--fixed-replicas: HPAs and ScaledObjects ignored; every Deployment keeps its manifest replicas".into(),
        );
    }
    for (name, spec) in &raw.workloads {
        let w = workloads.iter().find(|w| &w.name == name).expect("built above");
        if w.autoscaler.is_none() && !spec.signals.is_empty() {
            warnings.push(format!(
                "workloads.{name}.signals: no HPA or ScaledObject scales this workload; bindings unused"
            ));
        }
    }
    // Deployments that are no workload: negative-priority ones are headroom placeholders (the
    // "pause pods" practice), the others are not simulated.
    for d in &manifests.deployments {
        if workloads.iter().any(|w| w.deployment.name == d.name) {
            continue;
        }
        if d.priority >= 0 {
            warnings.push(format!(
                "Deployment {:?} ({}) is not a workload of the scenario; not simulated",
                d.name,
                d.source.display()
            ));
            continue;
        }
        notes.push(format!(
            "Deployment {:?}: {} headroom placeholder pods (priority {}, pre-empted by real pods)",
            d.name, d.replicas, d.priority
        ));
        workloads.push(Workload {
            name: d.name.clone(),
            deployment: d.clone(),
            profile: ServiceProfile {
                concurrency: 1,
                service_ms: 1.0,
                cpu_per_request: 0.0,
                idle_cpu: 0.0,
                timeout_ms: 1000.0,
                queued: false,
            },
            slo_latency_ms: slo.latency_ms,
            demand: Trace::constant(start, end, 0.0)?,
            noise_cv: None,
            pods: PodTiming { startup: DurationDist::Fixed(1_000), readiness_delay_ms: 0, termination_grace_ms: 0 },
            metrics: MetricsConfig { scrape_ms: DEFAULT_SCRAPE_MS, resource_window_ms: DEFAULT_RESOURCE_WINDOW_MS },
            autoscaler: None,
            placeholder: true,
        });
    }
    let c = &raw.controllers;
    let defaults = HpaConfig::default();
    let hpa = HpaConfig {
        tolerance: c.hpa_tolerance.unwrap_or(defaults.tolerance),
        cpu_initialization_period_ms: opt_duration(
            &ctx,
            &c.hpa_cpu_initialization_period,
            "controllers.hpa_cpu_initialization_period",
        )?
        .unwrap_or(defaults.cpu_initialization_period_ms),
        initial_readiness_delay_ms: opt_duration(
            &ctx,
            &c.hpa_initial_readiness_delay,
            "controllers.hpa_initial_readiness_delay",
        )?
        .unwrap_or(defaults.initial_readiness_delay_ms),
        downscale_stabilization_ms: opt_duration(
            &ctx,
            &c.hpa_downscale_stabilization,
            "controllers.hpa_downscale_stabilization",
        )?
        .unwrap_or(defaults.downscale_stabilization_ms),
        ..defaults
    };
    if !(hpa.tolerance.is_finite() && (0.0..1.0).contains(&hpa.tolerance)) {
        return Err(ctx.field_err(
            "controllers.hpa_tolerance",
            format!("tolerance {} is not in [0, 1)", hpa.tolerance),
            "the default is 0.1",
        ));
    }
    let hpa_sync_ms = opt_duration(&ctx, &c.hpa_sync_period, "controllers.hpa_sync_period")?.unwrap_or(15_000);
    if hpa_sync_ms == 0 {
        return Err(ctx.field_err(
            "controllers.hpa_sync_period",
            "the sync period must be positive",
            "the default is 15s",
        ));
    }

    // Nodes.
    let model = raw.cluster.allocatable_model.or(match raw.cloud.as_deref() {
        Some("azure") => Some(AllocatableModel::Aks),
        Some("aws") => Some(AllocatableModel::Eks),
        _ => None,
    });
    let catalog = match &raw.catalog {
        Some(c) => Some(crate::pricing::load(c).map_err(|e| e.in_file(path).at_field("catalog"))?),
        None => None,
    };
    let mut nodes = Vec::new();
    for (i, n) in raw.cluster.nodes.iter().enumerate() {
        let field = format!("cluster.nodes[{i}]");
        let taints: Vec<(String, String, String)> = n
            .taints
            .iter()
            .enumerate()
            .map(|(j, t)| {
                if ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&t.effect.as_str()) {
                    Ok((t.key.clone(), t.value.clone(), t.effect.clone()))
                } else {
                    Err(ctx.field_err(
                        &format!("{field}.taints[{j}].effect"),
                        format!("{:?} is not a taint effect", t.effect),
                        "use NoSchedule, PreferNoSchedule or NoExecute",
                    ))
                }
            })
            .collect::<Result<_>>()?;
        let (allocatable, max_pods, allocatable_note) = match &n.allocatable {
            Some(a) => (
                Resources {
                    cpu: ctx.quantity(&a.cpu, &format!("{field}.allocatable.cpu"))?,
                    memory: ctx.quantity(&a.memory, &format!("{field}.allocatable.memory"))?,
                },
                a.pods,
                "given in the scenario".to_string(),
            ),
            None => derived_allocatable(&ctx, &field, n, model, catalog.as_ref(), &manifests, &taints)?,
        };
        nodes.push(NodeGroup {
            pool: n.pool.clone(),
            instance_type: n.instance_type.clone(),
            count: n.count,
            allocatable,
            max_pods,
            labels: n.labels.clone(),
            taints,
            allocatable_note,
        });
    }
    let spot = node_autoscaling::spot_settings(path, raw.cloud.as_deref(), raw.cluster.spot.as_ref())?;
    let node_autoscaling = node_autoscaling::node_autoscaling(
        &node_autoscaling::Inputs {
            path,
            cloud: raw.cloud.as_deref(),
            region: raw.region.as_deref(),
            catalog: catalog.as_ref(),
            model,
            manifests: &manifests,
        },
        raw.cluster.autoscaler,
        raw.cluster.karpenter.as_ref(),
        &spot,
        &mut warnings,
    )?;
    let node_autoscaling = if raw.cluster.autoscaler == Some(NodeAutoscalerKind::ClusterAutoscaler) {
        NodeAutoscaling::ClusterAutoscaler(Box::new(cluster_autoscaler::setup(
            &ctx,
            &raw.cluster,
            model,
            catalog.as_ref(),
            &manifests,
        )?))
    } else if !raw.cluster.node_pools.is_empty() || raw.cluster.cluster_autoscaler.is_some() {
        return Err(ctx.field_err(
            if raw.cluster.node_pools.is_empty() { "cluster.cluster_autoscaler" } else { "cluster.node_pools" },
            "node pools / Cluster Autoscaler settings given but the node autoscaler is not the Cluster Autoscaler",
            "set `cluster.autoscaler: cluster_autoscaler`, or list fixed node groups under cluster.nodes",
        ));
    } else {
        node_autoscaling
    };
    if nodes.is_empty() && matches!(node_autoscaling, NodeAutoscaling::None) {
        return Err(ctx.field_err(
            "cluster.nodes",
            "the cluster has no nodes and no node autoscaler",
            "list node groups under cluster.nodes, or add Karpenter NodePools to the manifests",
        ));
    }

    let commitments =
        commitments::validate(&ctx, &raw.commitments, catalog.as_ref(), raw.catalog.as_deref(), raw.region.as_deref())?;
    let catalog = raw.catalog.clone().zip(catalog).map(|(name, catalog)| ScenarioCatalog { name, catalog });

    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        cloud: raw.cloud,
        region: raw.region,
        path: path.to_path_buf(),
        start,
        duration_ms,
        seed: raw.seed,
        output_step_ms,
        fidelity: raw.fidelity,
        workloads,
        nodes,
        scoring: raw.cluster.scheduler.scoring,
        node_autoscaling,
        spot,
        slo,
        spikes,
        manifests,
        hpa,
        hpa_sync_ms,
        catalog,
        commitments,
        warnings,
        notes,
    })
}

fn service_profile(ctx: &Ctx<'_>, s: &ServiceSpec, field: &str) -> Result<ServiceProfile> {
    if s.concurrency == 0 {
        return Err(ctx.field_err(
            &format!("{field}.concurrency"),
            "concurrency must be at least 1",
            "set how many requests one pod serves in parallel",
        ));
    }
    let service_ms = ctx.duration(&s.service_time, &format!("{field}.service_time"))? as f64;
    if service_ms <= 0.0 {
        return Err(ctx.span_err(
            Error::new("service_time must be positive").fix("set the mean time one request takes, e.g. 40ms"),
            &s.service_time,
            &format!("{field}.service_time"),
        ));
    }
    Ok(ServiceProfile {
        concurrency: s.concurrency,
        service_ms,
        cpu_per_request: super::units::parse_duration_ms_f64(&s.cpu_per_request.value)
            .map_err(|e| ctx.span_err(e, &s.cpu_per_request, &format!("{field}.cpu_per_request")))?
            / 1000.0,
        idle_cpu: match &s.idle_cpu {
            Some(q) => ctx.quantity(q, &format!("{field}.idle_cpu"))?,
            None => 0.0,
        },
        timeout_ms: ctx.duration(&s.timeout, &format!("{field}.timeout"))? as f64,
        queued: s.kind == ServiceKind::Queue,
    })
}

/// Allocatable from the catalog's instance size, the system-reservation model, and the
/// DaemonSets that run on the group's nodes.
fn derived_allocatable(
    ctx: &Ctx<'_>,
    field: &str,
    n: &NodeGroupSpec,
    model: Option<AllocatableModel>,
    catalog: Option<&crate::pricing::Catalog>,
    manifests: &Manifests,
    taints: &[(String, String, String)],
) -> Result<(Resources, u32, String)> {
    use crate::cluster::allocatable as alloc;
    let need = |what: &str, fix: &str| {
        ctx.field_err(&format!("{field}.allocatable"), format!("no allocatable given and {what}"), fix)
    };
    let instance_type = n
        .instance_type
        .as_deref()
        .ok_or_else(|| need("no instance_type", "set instance_type, or give allocatable: {cpu, memory, pods}"))?;
    let catalog = catalog.ok_or_else(|| {
        need(
            "no catalog to size the instance type",
            "set `catalog: azure-germanywestcentral` (see `capsim catalog list`), or give allocatable",
        )
    })?;
    let entry = catalog.find(instance_type).ok_or_else(|| {
        ctx.field_err(
            &format!("{field}.instance_type"),
            format!("{instance_type:?} is not in the catalog"),
            "check the name with `capsim catalog show <catalog> --type <pattern>`",
        )
    })?;
    let model = model.ok_or_else(|| {
        need("no allocatable model", "set cluster.allocatable_model: aks | aks_legacy | eks | karpenter_azure")
    })?;
    // 110 is the kubelet's default and AKS's with kubenet; set max_pods for Azure CNI (30) or
    // an EKS ENI limit.
    let max_pods = n.max_pods.unwrap_or(110);
    let base = match model {
        AllocatableModel::Aks => alloc::aks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::AksModel::V1_29),
        AllocatableModel::AksLegacy => {
            alloc::aks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::AksModel::Legacy)
        }
        AllocatableModel::Eks => {
            alloc::eks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::KARPENTER_DEFAULT_VM_OVERHEAD)
        }
        AllocatableModel::KarpenterAzure => alloc::karpenter_azure_allocatable(
            entry.vcpu,
            entry.memory_gib,
            max_pods,
            alloc::KARPENTER_DEFAULT_VM_OVERHEAD,
        ),
    };
    // DaemonSets whose tolerations cover the group's NoSchedule/NoExecute taints and whose
    // nodeSelector matches its labels run one pod on each of its nodes.
    let runs_here = |d: &Deployment| {
        let tolerated = taints.iter().filter(|t| t.2 != "PreferNoSchedule").all(|(k, v, e)| {
            d.placement.tolerations.iter().any(|t| {
                (t.key.is_empty() || &t.key == k)
                    && (t.operator.as_deref() == Some("Exists") || &t.value == v)
                    && t.effect.as_deref().is_none_or(|x| x.is_empty() || x == e)
            })
        });
        let selected = d.placement.node_selector.iter().all(|(k, v)| {
            n.labels.get(k) == Some(v)
                || (k == "agentpool" && v == &n.pool)
                || (k == "kubernetes.io/os" && v == "linux")
        });
        tolerated && selected
    };
    let ds: Vec<alloc::PodRequests> = manifests
        .daemonsets
        .iter()
        .filter(|d| runs_here(d))
        .map(|d| alloc::PodRequests {
            cpu_millis: (d.requests.cpu * 1000.0).round() as u64,
            memory_bytes: d.requests.memory.round() as u64,
        })
        .collect();
    let a = alloc::daemonset_overhead(&base, &ds);
    let note = format!(
        "{instance_type} ({} vCPU, {} GiB) by {model:?}: {}",
        entry.vcpu,
        entry.memory_gib,
        a.explanation.replace('\n', "; ")
    );
    Ok((Resources { cpu: a.cpu_millis as f64 / 1000.0, memory: a.memory_bytes as f64 }, a.pods, note))
}

fn opt_duration(ctx: &Ctx<'_>, span: &Option<Text>, field: &str) -> Result<Option<Millis>> {
    span.as_ref().map(|s| ctx.duration(s, field)).transpose()
}

fn fmt_span(ms: i64) -> String {
    super::units::format_duration(ms.max(0) as u64)
}
