//! Sharding a sweep across machines: which cells a shard runs, what its files are called, and
//! its manifest.
//!
//! Shards are **0-based**, like the batch systems' indices: `--shard 0/4` … `--shard 3/4`.
//! `--shards N` takes the index from the environment: `JOB_COMPLETION_INDEX` (Kubernetes
//! Indexed Job), `SLURM_ARRAY_TASK_ID` (minus `SLURM_ARRAY_TASK_MIN` when set, so
//! `--array=1-N` works too) or `AWS_BATCH_JOB_ARRAY_INDEX`. Cells are dealt round-robin over the
//! canonical order (cell k → shard k mod N), so every shard gets a similar mix of the grid.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::grid::{Cell, Plan};
use crate::error::{Error, Result};

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

/// The environment variables that carry an array job's index, in the order they are read.
pub const INDEX_VARS: [&str; 3] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"];

impl Shard {
    /// `I/N` as given to `--shard`.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::new(format!("--shard {text:?} is not I/N"))
                .fix("write the 0-based shard index and the shard count, e.g. --shard 0/4 … --shard 3/4")
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count, "--shard")
    }

    fn new(index: usize, count: usize, source: &str) -> Result<Shard> {
        if count == 0 {
            return Err(Error::new(format!("{source}: the shard count is 0")).fix("use at least 1 shard"));
        }
        if index >= count {
            return Err(Error::new(format!("{source}: shard index {index} is not below the shard count {count}"))
                .fix(format!("shards are 0-based: use an index from 0 to {}", count - 1)));
        }
        Ok(Shard { index, count })
    }

    /// Shard of `count` whose index comes from the environment (`get` reads a variable).
    pub fn from_env(count: usize, get: impl Fn(&str) -> Option<String>) -> Result<Shard> {
        for var in INDEX_VARS {
            if let Some(v) = get(var) {
                let parse = |s: &str, name: &str| {
                    s.trim().parse::<usize>().map_err(|_| {
                        Error::new(format!("{name}={s:?} is not a non-negative integer"))
                            .fix("unset it, or pass the shard explicitly with --shard I/N")
                    })
                };
                let mut index = parse(&v, var)?;
                if var == "SLURM_ARRAY_TASK_ID"
                    && let Some(min) = get("SLURM_ARRAY_TASK_MIN")
                {
                    index = index.saturating_sub(parse(&min, "SLURM_ARRAY_TASK_MIN")?);
                }
                return Shard::new(index, count, var);
            }
        }
        Err(Error::new(format!("--shards {count}: none of {} is set", INDEX_VARS.join(", ")))
            .fix("run inside an array job (Kubernetes Indexed Job, Slurm array, AWS Batch array), or pass --shard I/N"))
    }

    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// Whether this shard runs the cell at `index` in the plan.
    pub fn owns(&self, index: usize) -> bool {
        index % self.count == self.index
    }

    /// The cells this shard runs, in plan order.
    pub fn cells<'a>(&self, plan: &'a Plan) -> Vec<&'a Cell> {
        plan.cells.iter().filter(|c| self.owns(c.index)).collect()
    }

    fn suffix(&self) -> String {
        if self.is_whole() { String::new() } else { format!(".part-{}-of-{}", self.index, self.count) }
    }

    /// `results.csv`, or `results.part-I-of-N.csv` for a shard.
    pub fn results_file(&self) -> String {
        format!("results{}.csv", self.suffix())
    }
    pub fn manifest_file(&self) -> String {
        format!("manifest{}.json", self.suffix())
    }
    pub fn journal_file(&self) -> String {
        format!("journal{}.log", self.suffix())
    }
}

/// What a shard (or a whole sweep) wrote: enough for `merge` to check coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub capsim_version: String,
    pub sweep: String,
    pub sweep_name: String,
    /// FNV-1a 64 of the sweep file's bytes, hex.
    pub sweep_file_fnv1a64: String,
    /// FNV-1a 64 of the expanded plan (version, base scenario, cells and seeds), hex. Parts of
    /// one sweep share it.
    pub plan_digest: String,
    pub grid_points: usize,
    pub replications: u32,
    pub cells_total: usize,
    pub shard: Shard,
    pub results: String,
    pub cells_assigned: Vec<String>,
    pub cells_done: usize,
    pub complete: bool,
}

impl Manifest {
    pub fn new(plan: &Plan, shard: Shard, assigned: &[&Cell], done: usize) -> Manifest {
        Manifest {
            capsim_version: env!("CARGO_PKG_VERSION").into(),
            sweep: plan.base.sweep_path.display().to_string(),
            sweep_name: plan.name.clone(),
            sweep_file_fnv1a64: format!("{:016x}", plan.sweep_file_hash),
            plan_digest: format!("{:016x}", plan.digest),
            grid_points: plan.grid_points,
            replications: plan.replications,
            cells_total: plan.cells.len(),
            shard,
            results: shard.results_file(),
            cells_assigned: assigned.iter().map(|c| c.id.clone()).collect(),
            cells_done: done,
            complete: done == assigned.len(),
        }
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::new(e.to_string()))?;
        crate::report::write_file_atomically(&dir.join(self.shard.manifest_file()), format!("{json}\n").as_bytes())
    }

    pub fn read(path: &Path) -> Result<Manifest> {
        let text = crate::model::yaml::read_text(path)?;
        serde_json::from_str(&text).map_err(|e| {
            Error::new(format!("not a capsim sweep manifest: {e}"))
                .in_file(path)
                .fix("remove the file, or re-run the shard that wrote it")
        })
    }
}

/// The manifests in a folder (`manifest.json`, `manifest.part-*.json`), sorted by name.
pub fn manifests_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e).fix("check the folder's path"))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == "manifest.json" || (n.starts_with("manifest.part-") && n.ends_with(".json")))
        })
        .collect();
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shards_and_rejects_bad_ones() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.fix.is_some(), "{bad}");
        }
        assert!(Shard::parse("4/4").unwrap_err().fix.unwrap().contains("from 0 to 3"));
    }

    #[test]
    fn index_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Shard::from_env(8, env(&[("JOB_COMPLETION_INDEX", "5")])).unwrap(), Shard { index: 5, count: 8 });
        assert_eq!(
            Shard::from_env(8, env(&[("SLURM_ARRAY_TASK_ID", "8"), ("SLURM_ARRAY_TASK_MIN", "1")])).unwrap(),
            Shard { index: 7, count: 8 }
        );
        assert_eq!(Shard::from_env(3, env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0")])).unwrap().index, 0);
        assert!(Shard::from_env(8, env(&[])).unwrap_err().problem.contains("none of"));
        assert!(Shard::from_env(8, env(&[("JOB_COMPLETION_INDEX", "8")])).is_err());
        assert!(Shard::from_env(8, env(&[("JOB_COMPLETION_INDEX", "x")])).is_err());
    }

    #[test]
    fn round_robin_covers_every_index_once() {
        for n in 1..7 {
            for k in 0..50 {
                let owners = (0..n).filter(|&i| Shard { index: i, count: n }.owns(k)).count();
                assert_eq!(owners, 1);
            }
        }
        assert_eq!(Shard { index: 1, count: 3 }.results_file(), "results.part-1-of-3.csv");
        assert_eq!(Shard::default().results_file(), "results.csv");
    }
}
