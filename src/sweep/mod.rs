//! Sweeps: many runs of one base scenario — a grid of parameter values × replications of drawn
//! futures — in parallel, sharded across machines, resumable, with byte-identical results for
//! any thread count and shard split.
//!
//! - `spec`: the Sweep file's raw schema; `grid`: expansion into a [`Plan`] of [`Cell`]s (ids,
//!   edits, seeds); `doc`: edits on the scenario's value tree; `futures`: drawn futures;
//! - `run`: [`run_cells`], the parallel library entry point (also for `recommend`);
//! - `row`: the `results.csv` columns; `elasticity`: SPEC RG elasticity metrics;
//! - `shard`: shard selection, file names, manifests; `journal`: resume; `merge`: parts → one file.

pub mod doc;
pub mod elasticity;
pub mod futures;
pub mod grid;
pub mod journal;
pub mod merge;
pub mod row;
pub mod run;
pub mod shard;
mod spec;

pub use grid::{Base, Cell, Plan, load_plan};
pub use merge::{Merged, merge};
pub use run::{RunOptions, run_cells};
pub use shard::{Manifest, Shard};

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use journal::Journal;

/// Where and how to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub out: PathBuf,
    pub run: RunOptions,
    pub shard: Shard,
}

/// What a sweep (or a shard of it) did.
#[derive(Debug, Clone)]
pub struct SweepReport {
    pub results: PathBuf,
    pub cells_total: usize,
    pub assigned: usize,
    /// Cells found finished in the output folder's journal and skipped.
    pub resumed: usize,
    /// Cells simulated by this call.
    pub ran: usize,
}

/// Fails if `dir` exists, is not empty and holds no sweep files (so nothing of the user's is
/// mixed with sweep output).
pub fn check_output_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let foreign = || {
        Error::new("the output folder exists and is not a capsim sweep folder")
            .in_file(dir)
            .fix("choose another --out folder, or remove this one")
    };
    if !dir.is_dir() {
        return Err(foreign());
    }
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    let ours = |n: &String| {
        (n.starts_with("journal") && n.ends_with(".log")) || (n.starts_with("manifest") && n.ends_with(".json"))
    };
    if names.is_empty() || names.iter().any(ours) { Ok(()) } else { Err(foreign()) }
}

/// Runs this shard's cells of `plan` into `opts.out`: resumes from the folder's journal, runs
/// the rest in parallel (journaling each as it finishes), then writes the results file and the
/// manifest. `progress(done, total)` is called at the start and as each cell finishes.
pub fn run_sweep(plan: &Plan, opts: &SweepOptions, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<SweepReport> {
    check_output_dir(&opts.out)?;
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| Error::io(&opts.out, &e).fix("check that the folder can be created"))?;
    let assigned = opts.shard.cells(plan);
    let header = row::header(plan);
    let ids: std::collections::BTreeSet<&str> = assigned.iter().map(|c| c.id.as_str()).collect();
    let (journal, mut done) =
        Journal::open(&opts.out.join(opts.shard.journal_file()), plan.digest, &header, |id| ids.contains(id))?;
    let resumed = done.len();
    Manifest::new(plan, opts.shard, &assigned, resumed).write(&opts.out)?;
    let todo: Vec<Cell> = assigned.iter().filter(|c| !done.contains_key(&c.id)).map(|c| (*c).clone()).collect();
    let total = assigned.len();
    progress(resumed, total);
    let counter = std::sync::atomic::AtomicUsize::new(resumed);
    let rows = run_cells(
        &plan.base,
        &todo,
        &opts.run,
        |cell, scenario, run| Ok(row::row(cell, scenario, run)),
        |cell, row: &String| {
            journal.append(&cell.id, row)?;
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            progress(n, total);
            Ok(())
        },
    );
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            // Keep the manifest honest about what is finished.
            let finished = counter.load(std::sync::atomic::Ordering::SeqCst);
            Manifest::new(plan, opts.shard, &assigned, finished).write(&opts.out)?;
            return Err(e);
        }
    };
    let ran = rows.len();
    for (cell, row) in todo.iter().zip(rows) {
        done.insert(cell.id.clone(), row);
    }
    let mut text = header;
    text.push('\n');
    for c in &assigned {
        text.push_str(&done[&c.id]);
        text.push('\n');
    }
    let results = opts.out.join(opts.shard.results_file());
    crate::report::write_file_atomically(&results, text.as_bytes())?;
    Manifest::new(plan, opts.shard, &assigned, total).write(&opts.out)?;
    Ok(SweepReport { results, cells_total: plan.cells.len(), assigned: total, resumed, ran })
}
