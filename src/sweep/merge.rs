//! `capsim merge`: combine shard parts into one `results.csv`, after checking that every cell of
//! the sweep appears exactly once. The result is byte for byte what an unsharded run writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::grid::cell_id;
use super::row::row_cell_id;
use super::shard::{Manifest, manifests_in};
use crate::error::{Error, Result};

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct Merged {
    pub out: PathBuf,
    pub cells: usize,
    pub parts: usize,
}

/// At most this many cell ids are listed in an error.
const LIST: usize = 12;

fn list(ids: &[String]) -> String {
    let shown = ids.iter().take(LIST).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > LIST { format!("{shown} and {} more", ids.len() - LIST) } else { shown }
}

/// Merges the parts found in `dirs` into `out` (a file path).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    let mut manifests: Vec<(PathBuf, Manifest)> = Vec::new();
    for d in dirs {
        for p in manifests_in(d)? {
            let m = Manifest::read(&p)?;
            manifests.push((p, m));
        }
    }
    let Some((first_path, first)) = manifests.first().cloned() else {
        return Err(Error::new("no sweep manifests (manifest.json, manifest.part-I-of-N.json) found")
            .in_file(&dirs[0])
            .fix("pass the folders the shards wrote to (their --out)"));
    };
    for (p, m) in &manifests {
        if m.plan_digest != first.plan_digest || m.shard.count != first.shard.count {
            return Err(Error::new(format!(
                "this part is of another sweep or split (plan {}, {} shards) than {} (plan {}, {} shards)",
                m.plan_digest,
                m.shard.count,
                first_path.display(),
                first.plan_digest,
                first.shard.count
            ))
            .in_file(p)
            .fix("merge only the parts of one sweep run with one shard count"));
        }
    }
    // Every cell of the plan, with the shard that owns it.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut order = Vec::with_capacity(first.cells_total);
    for point in 0..first.grid_points {
        for r in 0..first.replications {
            let id = cell_id(point, r, first.grid_points, first.replications);
            expected.insert(id.clone(), order.len() % first.shard.count);
            order.push(id);
        }
    }
    let mut header: Option<(PathBuf, String)> = None;
    let mut rows: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    let mut duplicates: Vec<String> = Vec::new();
    let mut dup_files: Vec<String> = Vec::new();
    for (mpath, m) in &manifests {
        let file = mpath.parent().unwrap_or(Path::new(".")).join(&m.results);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue, // cells reported missing below
            Err(e) => return Err(Error::io(&file, &e)),
        };
        let mut lines = text.lines();
        let h = lines.next().unwrap_or("").to_string();
        match &header {
            None => header = Some((file.clone(), h)),
            Some((hf, hh)) if *hh != h => {
                return Err(Error::new(format!("its columns differ from those of {}", hf.display()))
                    .in_file(&file)
                    .fix("merge only parts written by the same capsim version"));
            }
            _ => {}
        }
        for (i, line) in lines.enumerate() {
            let id = row_cell_id(line).to_string();
            if !expected.contains_key(&id) {
                return Err(Error::new(format!("cell {id:?} is not part of this sweep"))
                    .in_file(&file)
                    .at_line(i as u64 + 2, None)
                    .fix("remove the row, or re-run this shard"));
            }
            if let Some((_, prev)) = rows.get(&id) {
                duplicates.push(id.clone());
                dup_files.push(format!("{} and {}", prev.display(), file.display()));
                continue;
            }
            rows.insert(id, (line.to_string(), file.clone()));
        }
    }
    if !duplicates.is_empty() {
        return Err(Error::new(format!(
            "{} cells appear more than once: {} (in {})",
            duplicates.len(),
            list(&duplicates),
            dup_files[0]
        ))
        .in_file(&dirs[0])
        .fix("pass each shard's part once (a folder given twice, or a part copied into two folders?)"));
    }
    let missing: Vec<String> = order.iter().filter(|id| !rows.contains_key(*id)).cloned().collect();
    if !missing.is_empty() {
        let mut shards: Vec<usize> = missing.iter().map(|id| expected[id]).collect();
        shards.sort_unstable();
        shards.dedup();
        return Err(Error::new(format!(
            "{} of {} cells are missing: {} (from shard{} {} of {})",
            missing.len(),
            order.len(),
            list(&missing),
            if shards.len() == 1 { "" } else { "s" },
            shards.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
            first.shard.count
        ))
        .in_file(&dirs[0])
        .fix("run those shards (again) with the same --out; finished cells are kept and skipped"));
    }
    let (_, header) = header.expect("rows exist, so a header was read");
    let mut out_text = header;
    out_text.push('\n');
    for id in &order {
        out_text.push_str(&rows[id].0);
        out_text.push('\n');
    }
    crate::report::write_file_atomically(out, out_text.as_bytes())?;
    Ok(Merged { out: out.to_path_buf(), cells: order.len(), parts: manifests.len() })
}
