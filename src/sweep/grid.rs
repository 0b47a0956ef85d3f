//! Expanding a sweep file into its plan: the base scenario document, and the cells — every grid
//! point × replication, in canonical order, each with a stable id, its edits and its seed.
//!
//! Order: grid keys sorted by path (the first key varies slowest), values in the order written,
//! then replications. Cell `c0007-r02` is grid point 7, replication 2 (both 0-based).
//! Seeds: a cell's run seed is drawn from `RngStreams::new(sweep seed, "sweep/<name>",
//! replication).stream("run-seed/<grid values>")` — it depends on the grid values and the
//! replication, never on the cell's position, shard or thread. Futures: see [`super::futures`].

use std::path::{Path, PathBuf};

use rand::RngExt;
use serde_json::Value;

use super::doc::{self, Edit, render};
use super::futures::Futures;
use super::spec::SweepFile;
use crate::engine::RngStreams;
use crate::error::{Error, Result};
use crate::model::yaml::{read_text, yaml_error};
use crate::model::{Overrides, Scenario, load_scenario_from_str};

/// The base scenario as a value tree, and where it lives (relative paths in it resolve there).
#[derive(Debug, Clone)]
pub struct Base {
    pub path: PathBuf,
    pub doc: Value,
    /// The sweep file (named in errors about cells).
    pub sweep_path: PathBuf,
}

/// One simulation of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Stable id, e.g. `c0007-r02`.
    pub id: String,
    /// Position in the plan (0-based, canonical order).
    pub index: usize,
    /// Grid point and replication (0-based).
    pub point: usize,
    pub replication: u32,
    /// The grid values of this point, rendered, one per grid key.
    pub params: Vec<String>,
    /// The drawn values of the random future fields, one per future column.
    pub futures: Vec<String>,
    /// The run's root seed.
    pub seed: u64,
    /// Edits applied to the base document, in order.
    pub edits: Vec<Edit>,
}

impl Cell {
    /// `key=value;…` of the grid values, for people.
    pub fn params_string(&self, keys: &[String]) -> String {
        keys.iter().zip(&self.params).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
    }
}

impl Base {
    /// The cell's scenario document as text (JSON, which the YAML loader reads).
    pub fn document(&self, cell: &Cell) -> Result<String> {
        let mut doc = self.doc.clone();
        for e in &cell.edits {
            doc::apply(&mut doc, e).map_err(|pe| {
                Error::new(format!("cell {}: {}", cell.id, pe.problem)).in_file(&self.sweep_path).fix(pe.fix)
            })?;
        }
        serde_json::to_string(&doc).map_err(|e| Error::new(format!("cell {}: {e}", cell.id)).in_file(&self.sweep_path))
    }

    /// The cell's validated scenario, through the same loader as `capsim run`.
    pub fn scenario(&self, cell: &Cell) -> Result<Scenario> {
        let text = self.document(cell)?;
        load_scenario_from_str(&text, &self.path, &Overrides::default()).map_err(|e| self.cell_error(cell, e))
    }

    /// A loader error about a generated document: named by the sweep file and the cell, with the
    /// field path (line numbers would point into the generated document, so they are dropped).
    fn cell_error(&self, cell: &Cell, e: Error) -> Error {
        use crate::error::Place;
        let field = match &e.place {
            Some(Place::Field(f)) | Some(Place::LineField { field: f, .. }) => format!(" field `{f}`:"),
            _ => String::new(),
        };
        let mut added: Vec<&str> = cell.edits.iter().map(Edit::path).filter(|p| !doc::exists(&self.doc, p)).collect();
        added.sort_unstable();
        added.dedup();
        // A problem in another file the scenario refers to (a trace, a manifest) keeps its name.
        let other_file = match &e.file {
            Some(f) if *f != self.path => format!(" {}:", f.display()),
            _ => String::new(),
        };
        let mut fix = e.fix.clone().unwrap_or_else(|| "check the values the sweep sets".into());
        if !added.is_empty() {
            fix.push_str(&format!(
                "; these paths are not in the base scenario, check their spelling: {}",
                added.join(", ")
            ));
        }
        Error::new(format!(
            "cell {} ({}): the scenario made from {} is invalid:{other_file}{field} {}",
            cell.id,
            describe(cell),
            self.path.display(),
            e.problem
        ))
        .in_file(&self.sweep_path)
        .fix(fix)
    }
}

fn describe(cell: &Cell) -> String {
    let mut parts: Vec<String> = cell.params.clone();
    parts.extend(cell.futures.iter().cloned());
    if parts.is_empty() { format!("replication {}", cell.replication) } else { parts.join(", ") }
}

/// A sweep expanded into cells.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub base: Base,
    pub seed: u64,
    /// Grid parameter paths, sorted (the CSV's parameter columns).
    pub grid_keys: Vec<String>,
    /// Names of the random future fields (the CSV's future columns).
    pub future_keys: Vec<String>,
    pub grid_points: usize,
    pub replications: u32,
    pub cells: Vec<Cell>,
    /// FNV-1a 64 of the sweep file's bytes.
    pub sweep_file_hash: u64,
    /// FNV-1a 64 of everything that decides the results: capsim version, base document, cells.
    pub digest: u64,
}

/// Cell id from grid point and replication, with widths fixed by the plan's size.
pub fn cell_id(point: usize, replication: u32, grid_points: usize, replications: u32) -> String {
    let wp = digits(grid_points.saturating_sub(1)).max(4);
    let wr = digits(replications.saturating_sub(1) as usize).max(2);
    format!("c{point:0wp$}-r{replication:0wr$}")
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Reads a sweep file and expands it.
pub fn load_plan(path: &Path) -> Result<Plan> {
    let text = read_text(path)?;
    let raw: SweepFile = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e, 0))?;
    let field_err = |field: &str, problem: String, fix: String| {
        Error::new(problem).in_file(path).at_field(field.to_string()).fix(fix)
    };
    if raw.kind != "Sweep" {
        return Err(field_err("kind", format!("kind is {:?}", raw.kind), "a sweep file has `kind: Sweep`".into()));
    }
    if raw.replications == 0 {
        return Err(field_err("replications", "replications must be at least 1".into(), "e.g. replications: 3".into()));
    }
    let base_path = {
        let p = Path::new(&raw.base);
        if p.is_absolute() { p.to_path_buf() } else { path.parent().unwrap_or(Path::new(".")).join(p) }
    };
    let base_text = read_text(&base_path).map_err(|e| {
        e.at_field("base").fix(format!(
            "check the path; `base` resolves against the sweep file's folder ({})",
            path.parent().unwrap_or(Path::new(".")).display()
        ))
    })?;
    let base_doc: Value = serde_saphyr::from_str(&base_text).map_err(|e| yaml_error(&base_path, &e, 0))?;
    if !base_doc.is_object() {
        return Err(field_err(
            "base",
            format!("{} is not a scenario mapping", base_path.display()),
            "point `base` at a scenario file".into(),
        ));
    }
    let name = raw.name.clone().unwrap_or_else(|| {
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "sweep".into())
    });
    let seed = raw.seed.or_else(|| base_doc.get("seed").and_then(Value::as_u64)).unwrap_or(0);

    // Fixed edits, checked against the base.
    let mut fixed_doc = base_doc.clone();
    let mut fixed = Vec::new();
    for (p, v) in &raw.set {
        let edit = Edit::Set { path: p.clone(), value: v.clone() };
        doc::apply(&mut fixed_doc, &edit).map_err(|pe| field_err(&format!("set.{p}"), pe.problem, pe.fix))?;
        fixed.push(edit);
    }
    // Grid keys, checked against the base with the fixed edits.
    let grid_keys: Vec<String> = raw.grid.keys().cloned().collect();
    for (p, values) in &raw.grid {
        let field = format!("grid.{p}");
        if values.is_empty() {
            return Err(field_err(&field, "the list of values is empty".into(), "list at least one value".into()));
        }
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(field_err(&field, format!("{} is listed twice", render(v)), "list each value once".into()));
            }
        }
        let mut probe = fixed_doc.clone();
        doc::apply(&mut probe, &Edit::Set { path: p.clone(), value: values[0].clone() })
            .map_err(|pe| field_err(&field, pe.problem, pe.fix))?;
    }
    let workloads: Vec<String> =
        fixed_doc.get("workloads").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let futures = Futures::parse(&raw.futures, workloads).map_err(|e| e.in_file(path))?;
    let future_keys = futures.columns();

    let grid_points = raw.grid.values().try_fold(1usize, |acc, v| acc.checked_mul(v.len())).unwrap_or(usize::MAX);
    let total = grid_points.checked_mul(raw.replications as usize).filter(|&n| n <= 10_000_000).ok_or_else(|| {
        field_err("grid", "the sweep has more than 10 million cells".into(), "split it into several sweep files".into())
    })?;

    // Futures per replication, shared by every grid point.
    let stream_scenario = format!("sweep/{name}");
    let drawn: Vec<(Vec<Edit>, Vec<String>)> =
        (0..raw.replications).map(|r| futures.draw(&RngStreams::new(seed, &stream_scenario, r as u64))).collect();

    let mut cells = Vec::with_capacity(total);
    let lists: Vec<&Vec<Value>> = raw.grid.values().collect();
    for point in 0..grid_points {
        // Mixed radix, the last key varying fastest.
        let mut rest = point;
        let mut chosen = vec![Value::Null; lists.len()];
        for (k, list) in lists.iter().enumerate().rev() {
            chosen[k] = list[rest % list.len()].clone();
            rest /= list.len();
        }
        let params: Vec<String> = chosen.iter().map(render).collect();
        let canonical: String = grid_keys.iter().zip(&chosen).map(|(k, v)| format!("{k}={v};")).collect::<String>();
        let mut edits = fixed.clone();
        edits.extend(grid_keys.iter().zip(&chosen).map(|(k, v)| Edit::Set { path: k.clone(), value: v.clone() }));
        for r in 0..raw.replications {
            let (future_edits, future_values) = &drawn[r as usize];
            let seed = RngStreams::new(seed, &stream_scenario, r as u64)
                .stream(&format!("run-seed/{canonical}"))
                .random::<u64>();
            let mut all = edits.clone();
            all.extend(future_edits.iter().cloned());
            cells.push(Cell {
                id: cell_id(point, r, grid_points, raw.replications),
                index: cells.len(),
                point,
                replication: r,
                params: params.clone(),
                futures: future_values.clone(),
                seed,
                edits: all,
            });
        }
    }

    let mut h = Fnv1a::new();
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    h.write(base_doc.to_string().as_bytes());
    for c in &cells {
        h.write(c.id.as_bytes());
        h.write(&c.seed.to_le_bytes());
        for e in &c.edits {
            let (op, value) = match e {
                Edit::Set { value, .. } => ("set", value.to_string()),
                Edit::Push { value, .. } => ("push", value.to_string()),
                Edit::Multiply { factor, default, .. } => ("multiply", format!("{factor:?} {default:?}")),
            };
            h.write(op.as_bytes());
            h.write(e.path().as_bytes());
            h.write(value.as_bytes());
        }
    }
    let digest = h.finish();
    let mut fh = Fnv1a::new();
    fh.write(text.as_bytes());
    Ok(Plan {
        name,
        base: Base { path: base_path, doc: base_doc, sweep_path: path.to_path_buf() },
        seed,
        grid_keys,
        future_keys,
        grid_points,
        replications: raw.replications,
        cells,
        sweep_file_hash: fh.finish(),
        digest,
    })
}

/// FNV-1a, 64 bit: a fixed hash for digests and checksums that never changes between releases.
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    pub fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
    pub fn hash(bytes: &[u8]) -> u64 {
        let mut h = Fnv1a::new();
        h.write(bytes);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_padded_by_plan_size() {
        assert_eq!(cell_id(7, 2, 10, 3), "c0007-r02");
        assert_eq!(cell_id(12345, 0, 20000, 1), "c12345-r00");
        assert_eq!(cell_id(3, 150, 4, 200), "c0003-r150");
    }
}
