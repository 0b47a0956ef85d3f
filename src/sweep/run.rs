//! Running cells in parallel (rayon). The library entry point for sweeps and for `recommend`:
//! [`run_cells`] takes cells and returns one summary per cell, in cell order, whatever the
//! thread count — each cell is loaded and simulated on its own, from its own seed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::grid::{Base, Cell};
use crate::error::{Error, Result};
use crate::model::Scenario;
use crate::sim::RunResult;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` = rayon's default (all cores, or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
    /// Test hook: stop once this many cells have finished (the rest are not started), as if the
    /// process were killed. The call then returns an error.
    pub stop_after: Option<usize>,
}

/// Loads, simulates and summarizes each cell. `summarize` turns a run into what the caller
/// keeps (a CSV row, or a recommender's figures), so full run results need not be held;
/// `done` is called as each cell finishes (from worker threads, in completion order) — for
/// journaling and progress. Results come back in the order of `cells`.
///
/// The first error stops cells not yet started; the error of the earliest such cell in `cells`
/// order is returned.
pub fn run_cells<T, S, D>(base: &Base, cells: &[Cell], opts: &RunOptions, summarize: S, done: D) -> Result<Vec<T>>
where
    T: Send,
    S: Fn(&Cell, &Scenario, &RunResult) -> Result<T> + Sync,
    D: Fn(&Cell, &T) -> Result<()> + Sync,
{
    let stop = AtomicBool::new(false);
    let finished = AtomicUsize::new(0);
    let one = |cell: &Cell| -> Option<Result<T>> {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let result = (|| {
            let scenario = base.scenario(cell)?;
            let run = crate::sim::run(&scenario, Some(cell.seed)).map_err(|e| {
                let problem = format!("cell {}: {}", cell.id, e.problem);
                Error { problem, ..e }
            })?;
            let t = summarize(cell, &scenario, &run)?;
            done(cell, &t)?;
            Ok(t)
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        } else if let Some(limit) = opts.stop_after
            && finished.fetch_add(1, Ordering::SeqCst) + 1 >= limit
        {
            stop.store(true, Ordering::Relaxed);
        }
        Some(result)
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().map_err(|e| Error::new(format!("cannot start worker threads: {e}")))?;
    // One cell per task: cells are coarse, so balance beats batching.
    let outcomes: Vec<Option<Result<T>>> = pool.install(|| cells.par_iter().with_max_len(1).map(one).collect());
    let mut results = Vec::with_capacity(cells.len());
    let mut skipped = 0;
    let mut first_error = None;
    for o in outcomes {
        match o {
            Some(Ok(t)) => results.push(t),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => skipped += 1,
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if skipped > 0 {
        return Err(Error::new(format!(
            "stopped after {} of {} cells (--stop-after); the finished cells are kept",
            results.len(),
            cells.len()
        ))
        .fix("run the same command again to finish the rest"));
    }
    Ok(results)
}

/// The number of threads `threads` means on this machine.
pub fn effective_threads(threads: Option<usize>) -> usize {
    match threads {
        Some(n) if n > 0 => n,
        _ => rayon::current_num_threads(),
    }
}
