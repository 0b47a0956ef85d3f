//! `capsim recommend`: which node pools and which commitments, given the traffic, its growth and
//! its spikes? Every candidate node-pool configuration (`candidates`) is simulated across an
//! ensemble of futures (the scenario as it is, its spike moved to another day, 30 % more
//! traffic) with the sweep runner; commitments are sized per candidate on its ensemble's usage
//! (`pricing::advise`); the cheapest candidate that meets the SLO in every future wins. The
//! Pareto front of cost against worst-future SLO attainment goes into the report (`report`).

pub mod candidates;
pub mod report;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::yaml::{read_text, yaml_error};
use crate::sweep::doc::Edit;
use crate::sweep::{Base, Cell, RunOptions, run_cells};
use candidates::Candidate;

/// Hours in a year, for annual figures.
const HOURS_PER_YEAR: f64 = 8760.0;

/// Options of one recommendation.
#[derive(Debug, Clone)]
pub struct RecommendOptions {
    pub out: PathBuf,
    pub threads: Option<usize>,
    /// Override the scenario's duration (shorter runs, faster answers).
    pub duration: Option<String>,
    /// Headroom tried with each family, in CPU cores (0: no headroom candidates).
    pub headroom_cpu: u32,
}

/// A future of the ensemble: edits to the scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Future {
    pub name: String,
    pub description: String,
    #[serde(skip)]
    pub edits: Vec<Edit>,
}

/// What one (candidate, future) run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub future: String,
    pub slo_attainment: f64,
    pub failed_share: f64,
    pub spike_failed_share: Option<f64>,
    pub node_hours: f64,
    /// Billed for the run (with the scenario's existing commitments), and per year.
    pub cost: f64,
    pub cost_per_year: f64,
    pub spot_cost: f64,
    #[serde(skip)]
    pub usage_csv: String,
}

/// One candidate across the ensemble.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub id: String,
    pub family: Option<String>,
    pub instance_types: Vec<String>,
    pub spot: bool,
    pub headroom_cpu: u32,
    pub consolidation: String,
    pub outcomes: Vec<Outcome>,
    /// The lowest SLO attainment over the futures.
    pub worst_slo_attainment: f64,
    pub meets_slo: bool,
    /// Mean cost per year over the futures, before new commitments.
    pub cost_per_year: f64,
    /// Net savings per year of the commitments recommended for it (its ensemble's usage).
    pub commitment_savings_per_year: f64,
    pub commitments: Vec<String>,
    /// `cost_per_year − commitment_savings_per_year`.
    pub cost_per_year_committed: f64,
    /// Not dominated in (lower cost, higher worst-future SLO attainment).
    pub pareto: bool,
}

/// The whole recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub scenario: String,
    pub slo_target: f64,
    pub slo_latency_ms: f64,
    pub futures: Vec<Future>,
    pub candidates: Vec<Evaluated>,
    /// Index into `candidates` of the cheapest that meets the SLO in every future.
    pub chosen: Option<usize>,
    pub cells: usize,
    /// Instance-type series left out before simulating, and why.
    pub pruned: Vec<String>,
    pub assumptions: Vec<String>,
}

/// The ensemble: as it is, the scenario's spikes moved by 3 days (earlier if the run covers
/// it, else later: another weekday, other background traffic), and every workload's traffic
/// × 1.3. `window` is the run's [start, end) in epoch ms.
fn futures(doc: &Value, window: (i64, i64)) -> Vec<Future> {
    let mut out = vec![Future { name: "as-is".into(), description: "the scenario as written".into(), edits: vec![] }];
    if let Some(events) = doc.get("events").and_then(Value::as_array) {
        let mut moved = Vec::new();
        let shift = 72 * 3_600_000;
        for ev in events {
            let mut ev = ev.clone();
            if let Some(at) = ev.pointer("/spike/at").and_then(Value::as_str)
                && let Ok(t) = at.parse::<jiff::Timestamp>()
            {
                let ms = t.as_millisecond();
                let to = if ms - shift >= window.0 { ms - shift } else { ms + shift };
                if to >= window.1 {
                    continue;
                }
                if let Ok(ts) = jiff::Timestamp::from_millisecond(to) {
                    ev["spike"]["at"] = Value::String(ts.to_string());
                }
            }
            moved.push(ev);
        }
        if !moved.is_empty() {
            out.push(Future {
                name: "spike-moved-3d".into(),
                description: "the scenario's spikes three days earlier (or later, to stay in the run): another weekday, other background traffic"
                    .into(),
                edits: vec![Edit::Set { path: "events".into(), value: Value::Array(moved) }],
            });
        }
    }
    let names: Vec<String> =
        doc.get("workloads").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    out.push(Future {
        name: "growth-30".into(),
        description: "every workload's traffic × 1.3 (a year of 30 % growth), spikes as written".into(),
        edits: names
            .iter()
            .map(|n| Edit::Multiply { path: format!("workloads.{n}.traffic.scale"), factor: 1.3, default: 1.0 })
            .collect(),
    });
    out
}

/// The manifests entries of the base that hold no NodePool (absolute paths).
fn manifests_without_nodepools(doc: &Value, base_dir: &Path) -> Result<Vec<String>> {
    let mut keep = Vec::new();
    for m in doc.get("manifests").and_then(Value::as_array).into_iter().flatten() {
        let Some(rel) = m.as_str() else { continue };
        let p = if Path::new(rel).is_absolute() { PathBuf::from(rel) } else { base_dir.join(rel) };
        let loaded = crate::model::load_manifests(std::slice::from_ref(&p))?;
        if !loaded.others.iter().any(|o| o.kind == "NodePool") {
            keep.push(p.to_string_lossy().into_owned());
        }
    }
    Ok(keep)
}

/// Runs the recommendation for the scenario at `path`.
pub fn recommend(
    path: &Path,
    opts: &RecommendOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Recommendation> {
    let text = read_text(path)?;
    let doc: Value = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e, 0))?;
    let scenario = crate::model::load_scenario(path)?;
    let catalog = scenario.catalog.as_ref().ok_or_else(|| {
        Error::new("the scenario names no catalog, so candidates cannot be priced")
            .in_file(path)
            .at_field("catalog")
            .fix("set `catalog:` (see `capsim catalog list`)")
    })?;
    let region = scenario.region.clone().ok_or_else(|| {
        Error::new("the scenario names no region").in_file(path).at_field("region").fix("set `region:`")
    })?;
    if !matches!(scenario.node_autoscaling, crate::model::NodeAutoscaling::Karpenter(_)) {
        return Err(Error::new("recommend compares Karpenter NodePools; this scenario has no Karpenter")
            .in_file(path)
            .at_field("cluster.autoscaler")
            .fix("start from a scenario with NodePools in its manifests (e.g. models/plugilo/scenario.yaml)"));
    }
    // Absolute paths: the cells' documents list manifests the loader resolves against the
    // scenario's folder.
    let absolute = |p: &Path| -> Result<PathBuf> {
        let p = if p.as_os_str().is_empty() { Path::new(".") } else { p };
        std::fs::canonicalize(p).map_err(|e| Error::io(p, &e))
    };
    let base_dir = absolute(path.parent().unwrap_or(Path::new(".")))?;
    let (families, pruned) = candidates::families(&catalog.catalog, &region);
    let cands = candidates::candidates(&families, opts.headroom_cpu);
    let end = match &opts.duration {
        Some(d) => {
            scenario.start + crate::model::units::parse_duration(d).map_err(|e| e.at_field("--duration"))? as i64
        }
        None => scenario.end(),
    };
    let futures = futures(&doc, (scenario.start, end));
    let kept_manifests = manifests_without_nodepools(&doc, &base_dir)?;

    // Each candidate's manifests in its own folder under the output.
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, &e))?;
    let cand_dir = absolute(&opts.out)?.join("candidates");
    std::fs::create_dir_all(&cand_dir).map_err(|e| Error::io(&cand_dir, &e))?;
    let mut cells = Vec::new();
    for (ci, c) in cands.iter().enumerate() {
        let mut base_edits = Vec::new();
        if let Some(d) = &opts.duration {
            base_edits.push(Edit::Set { path: "duration".into(), value: Value::String(d.clone()) });
        }
        if let Some(yaml) = c.nodepools_yaml() {
            let dir = cand_dir.join(&c.id);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
            crate::report::write_file_atomically(&dir.join("nodepools.yaml"), yaml.as_bytes())?;
            if let Some(h) = c.headroom_yaml() {
                crate::report::write_file_atomically(&dir.join("headroom.yaml"), h.as_bytes())?;
            }
            let mut manifests: Vec<Value> = kept_manifests.iter().map(|m| Value::String(m.clone())).collect();
            manifests.push(Value::String(dir.to_string_lossy().into_owned()));
            base_edits.push(Edit::Set { path: "manifests".into(), value: Value::Array(manifests) });
        }
        for (fi, f) in futures.iter().enumerate() {
            let mut edits = base_edits.clone();
            edits.extend(f.edits.iter().cloned());
            cells.push(Cell {
                id: format!("{}/{}", c.id, f.name),
                index: cells.len(),
                point: ci,
                replication: fi as u32,
                params: vec![c.id.clone()],
                futures: vec![f.name.clone()],
                // Every candidate meets the same futures with the same seed.
                seed: scenario.seed,
                edits,
            });
        }
    }
    let base = Base { path: path.to_path_buf(), doc, sweep_path: path.to_path_buf() };
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = cells.len();
    let outcomes: Vec<Outcome> = run_cells(
        &base,
        &cells,
        &RunOptions { threads: opts.threads, stop_after: None },
        |cell, sc, run| {
            let bill = crate::pricing::billing::bill_run(sc, run)?
                .ok_or_else(|| Error::new(format!("cell {}: not billed (no catalog)", cell.id)))?;
            let hours = run.duration_ms as f64 / 3_600_000.0;
            let cost = bill.effective_cost();
            let spikes = &run.spikes;
            let (n, f): (f64, f64) = spikes.iter().fold((0.0, 0.0), |a, s| (a.0 + s.requests, a.1 + s.failed));
            Ok(Outcome {
                future: cell.futures[0].clone(),
                slo_attainment: run.total.slo_attainment,
                failed_share: run.total.failed_share,
                spike_failed_share: (n > 0.0).then(|| f / n),
                node_hours: run.node_lives.iter().map(|l| l.ended_ms.saturating_sub(l.launched_ms)).sum::<u64>() as f64
                    / 3_600_000.0,
                cost,
                cost_per_year: cost * HOURS_PER_YEAR / hours.max(1e-9),
                spot_cost: bill.total.spot,
                usage_csv: crate::pricing::usage_csv::to_csv(&bill),
            })
        },
        |_, _| {
            progress(done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1, total);
            Ok(())
        },
    )?;

    let mut evaluated = Vec::new();
    for (ci, c) in cands.iter().enumerate() {
        let outs: Vec<Outcome> = outcomes[ci * futures.len()..(ci + 1) * futures.len()].to_vec();
        evaluated.push(evaluate(c, outs, &scenario, catalog, &region)?);
    }
    mark_pareto(&mut evaluated);
    let chosen = evaluated
        .iter()
        .enumerate()
        .filter(|(_, e)| e.meets_slo)
        .min_by(|a, b| a.1.cost_per_year_committed.total_cmp(&b.1.cost_per_year_committed).then(a.0.cmp(&b.0)))
        .map(|(i, _)| i);
    Ok(Recommendation {
        scenario: scenario.name.clone(),
        slo_target: scenario.slo.target,
        slo_latency_ms: scenario.slo.latency_ms,
        futures,
        candidates: evaluated,
        chosen,
        cells: total,
        pruned,
        assumptions: vec![
            format!("prices: the {} catalog ({region}); reservation, savings-plan and spot prices derived from published ratios where the catalog says so", catalog.name),
            "the SLO must hold in every future of the ensemble (worst-future attainment ≥ target)".into(),
            "cost per year: each run's bill scaled to a year, averaged over the futures; commitments sized on the candidate's own ensemble usage (capsim commit's optimizer) and subtracted as net savings per year".into(),
            "spot pools only take pods that tolerate AKS's spot taint, as in the scenario's manifests".into(),
            "headroom: 2-CPU pause pods with priority −10 that real pods pre-empt".into(),
            "consolidation: WhenEmptyOrUnderutilized (Karpenter's default) also drains busy nodes to save money, which evicts pods; WhenEmpty only removes empty nodes; PodDisruptionBudgets are not modelled".into(),
            "runs are deterministic: every candidate meets the same futures with the scenario's seed".into(),
        ],
    })
}

fn evaluate(
    c: &Candidate,
    outs: Vec<Outcome>,
    scenario: &crate::model::Scenario,
    catalog: &crate::model::ScenarioCatalog,
    region: &str,
) -> Result<Evaluated> {
    let worst = outs.iter().map(|o| o.slo_attainment).fold(1.0, f64::min);
    let cost_per_year = outs.iter().map(|o| o.cost_per_year).sum::<f64>() / outs.len().max(1) as f64;
    let tables = outs.iter().map(|o| crate::pricing::usage_csv::parse(&o.usage_csv)).collect::<Result<Vec<_>>>()?;
    let config = crate::pricing::advise::AdviseConfig {
        catalog_name: catalog.name.clone(),
        region: Some(region.to_string()),
        downside_scale: 0.7,
        upfront_fraction: 1.0,
    };
    let (report, _) = crate::pricing::advise::advise(&tables, &catalog.catalog, &config)?;
    let best = &report.candidates[report.recommended];
    let savings = best.net_savings_per_year.max(0.0);
    let mut commitments: Vec<String> = best
        .reservations
        .iter()
        .map(|r| format!("{} × {} reserved for {} ({})", r.count, r.instance_type, r.term, r.flex_group))
        .collect();
    if let (Some(sp), Some(term)) = (best.savings_plan_usd_per_hour, best.savings_plan_term) {
        commitments.push(format!("savings plan {sp:.2} $/h for {term}"));
    }
    if savings == 0.0 {
        commitments.clear();
    }
    Ok(Evaluated {
        id: c.id.clone(),
        family: c.family.as_ref().map(|f| f.name.clone()),
        instance_types: c.family.as_ref().map(|f| f.types.clone()).unwrap_or_default(),
        spot: c.spot,
        headroom_cpu: c.headroom_cpu,
        consolidation: if c.is_current() { "as in the scenario".into() } else { c.consolidation.to_string() },
        worst_slo_attainment: worst,
        meets_slo: worst >= scenario.slo.target,
        cost_per_year,
        commitment_savings_per_year: savings,
        commitments,
        cost_per_year_committed: cost_per_year - savings,
        pareto: false,
        outcomes: outs,
    })
}

/// Marks candidates no other beats on both cost (lower) and worst-future SLO (higher).
fn mark_pareto(cands: &mut [Evaluated]) {
    let pts: Vec<(f64, f64)> = cands.iter().map(|c| (c.cost_per_year_committed, c.worst_slo_attainment)).collect();
    for (i, c) in cands.iter_mut().enumerate() {
        c.pareto = !pts
            .iter()
            .enumerate()
            .any(|(j, p)| j != i && p.0 <= pts[i].0 && p.1 >= pts[i].1 && (p.0 < pts[i].0 || p.1 > pts[i].1));
    }
}
