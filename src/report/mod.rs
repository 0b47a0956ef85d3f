//! Writers: run folders (CSV, JSON, charts). Writers never change numbers, and a run folder
//! appears whole or not at all (written to a temporary folder, then renamed).

mod chart;
pub mod commitments;
mod cost;
mod cost_chart;
pub mod focus;
mod nodes_chart;
mod tables;

pub use chart::{ChartSeries, render_run_charts};

/// Registers the embedded chart font (once); for charts drawn outside this module.
pub fn register_chart_font() {
    chart::register_font();
}
pub use cost_chart::{CommitmentCurve, CurveLine, render_commitment_curve, render_hourly_cost};
pub use tables::{
    write_decisions_csv, write_nodes_csv, write_summary_json, write_summary_json_billed, write_timeseries_csv,
};

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::Scenario;
use crate::sim::RunResult;

/// Fails early if `dir` exists and is not a capsim run folder (so nothing of the user's is
/// replaced), before any simulation time is spent.
pub fn check_output_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let is_run = dir.join("summary.json").is_file();
        let is_empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !dir.is_dir() || !(is_run || is_empty) {
            return Err(Error::new("the output folder exists and is not a capsim run folder")
                .in_file(dir)
                .fix("choose another --out folder, or remove this one"));
        }
    }
    Ok(())
}

/// Writes a folder atomically: `fill` writes into a temporary sibling, which then replaces
/// `dir`. On any error the temporary folder is removed and `dir` is left untouched.
pub fn write_dir_atomically(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    check_output_dir(dir)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| Error::io(&parent, &e).fix("check that the output folder's parent can be created"))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, &e))?;
    let result = fill(&tmp).and_then(|()| {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, &e))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes a file whole: to a temporary name beside it, then renamed into place.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, &e)
    })
}

/// Writes a run folder: summary.json, timeseries.csv, decisions.csv, nodes.csv and charts/;
/// with a catalog also the bill: usage_hourly.csv, focus.csv and charts/cost.png.
pub fn write_run(dir: &Path, scenario: &Scenario, result: &RunResult) -> Result<()> {
    let billing = crate::pricing::billing::bill_run(scenario, result)?;
    write_run_billed(dir, scenario, result, billing.as_ref())
}

/// [`write_run`] with the bill already computed (`None`: no cost files).
pub fn write_run_billed(
    dir: &Path,
    scenario: &Scenario,
    result: &RunResult,
    billing: Option<&crate::pricing::billing::Billing>,
) -> Result<()> {
    write_dir_atomically(dir, |tmp| {
        write_summary_json_billed(&tmp.join("summary.json"), scenario, result, billing)?;
        write_timeseries_csv(&tmp.join("timeseries.csv"), result)?;
        write_decisions_csv(&tmp.join("decisions.csv"), result)?;
        write_nodes_csv(&tmp.join("nodes.csv"), result)?;
        let charts = tmp.join("charts");
        std::fs::create_dir(&charts).map_err(|e| Error::io(&charts, &e))?;
        render_run_charts(&charts, scenario, result)?;
        if let Some(b) = billing {
            let usage = crate::pricing::usage_csv::to_csv(b);
            write_file_atomically(&tmp.join("usage_hourly.csv"), usage.as_bytes())?;
            let focus = focus::to_csv(b, &focus::FocusContext::of(scenario));
            write_file_atomically(&tmp.join("focus.csv"), focus.as_bytes())?;
            render_hourly_cost(&charts, &result.scenario, b)?;
        }
        Ok(())
    })
}

/// RFC 3339 UTC with seconds, e.g. `2026-07-04T04:00:00Z`.
pub fn rfc3339(epoch_ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(epoch_ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => epoch_ms.to_string(),
    }
}

/// RFC 3339 UTC with milliseconds when they are not zero.
pub fn rfc3339_millis(epoch_ms: i64) -> String {
    if epoch_ms % 1000 == 0 {
        return rfc3339(epoch_ms);
    }
    match jiff::Timestamp::from_millisecond(epoch_ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => epoch_ms.to_string(),
    }
}
