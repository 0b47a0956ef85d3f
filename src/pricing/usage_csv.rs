//! `usage_hourly.csv`: hourly instance usage, written by `capsim run` and read by `capsim commit`.
//!
//! A FinOps team can export its own history into this shape (one row per hour, instance type and
//! capacity type; more rows for the same key are added up, hours with no row are hours without
//! usage). `capsim commit` reads only the first four columns and takes prices, flexibility groups
//! and ratios from the catalog; the others are there for people and spreadsheets.
//!
//! | column | meaning |
//! |---|---|
//! | `hour` | start of the hour, RFC 3339 UTC (`2026-07-04T04:00:00Z`); all rows on one hourly grid |
//! | `instance_type` | the provider's size name, as in the catalog (`Standard_D8s_v5`) |
//! | `capacity_type` | `on-demand`, `reserved` (capacity reservation, billed like on-demand) or `spot` |
//! | `instance_hours` | instance-hours used in the hour (a node living 30 min = 0.5) |
//! | `nodes` | distinct nodes behind the row |
//! | `flex_group`, `flex_ratio`, `normalized_units` | size-flexibility group, ratio, and instance_hours × ratio |
//! | `on_demand_usd_per_hour` | pay-as-you-go price used |
//! | `cost_list` | instance_hours at the on-demand price |
//! | `cost_on_demand` | cost without commitments: on-demand price, spot price for spot rows |
//! | `cost_effective` | cost with the scenario's commitments (reservation and plan shares, on-demand rest) |
//!
//! Amounts are in USD with 6 decimals, instance-hours with 9 (a second is 0.000277778 h).

use std::fmt::Write as _;
use std::path::Path;

use super::billing::Billing;
use super::{Catalog, CatalogEntry};
use crate::commit::{HourUsage, InstanceType, UsageHistory};
use crate::error::{Error, Result};

/// The header `capsim run` writes.
pub const HEADER: &str = "hour,instance_type,capacity_type,instance_hours,nodes,flex_group,flex_ratio,normalized_units,on_demand_usd_per_hour,cost_list,cost_on_demand,cost_effective";

/// The columns `capsim commit` needs.
pub const REQUIRED: [&str; 4] = ["hour", "instance_type", "capacity_type", "instance_hours"];

const HOUR_MS: i64 = 3_600_000;
/// Longest history accepted (10 years of hours): a typo in a year should not allocate gigabytes.
const MAX_HOURS: i64 = 87_600;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The CSV text of a run's billing.
pub fn to_csv(b: &Billing) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for r in &b.usage {
        let ty = &b.types[r.sku];
        let _ = writeln!(
            out,
            "{},{},{},{:.9},{},{},{},{:.9},{},{:.6},{:.6},{:.6}",
            crate::report::rfc3339(b.hour_start(r.hour)),
            csv_field(&ty.name),
            r.capacity_type,
            r.instance_hours,
            r.nodes,
            csv_field(&ty.group),
            ty.ratio,
            r.normalized_units,
            ty.on_demand,
            r.cost_list,
            r.cost_on_demand,
            r.cost_effective
        );
    }
    out
}

/// Hourly usage read from one file: instance-hours per (hour index, type name, spot?).
#[derive(Debug, Clone, PartialEq)]
pub struct UsageTable {
    pub file: std::path::PathBuf,
    /// Epoch ms of the first hour.
    pub start_ms: i64,
    pub hours: usize,
    /// (hour index, instance type, spot, instance-hours), summed per key, in key order.
    pub rows: Vec<(usize, String, bool, f64)>,
}

/// Reads a usage CSV (see the module doc); errors name the file, line and column.
pub fn read(path: &Path) -> Result<UsageTable> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    parse(&text).map_err(|e| e.in_file(path)).map(|mut t| {
        t.file = path.to_path_buf();
        t
    })
}

/// Parses usage CSV text (errors without the file name).
pub fn parse(text: &str) -> Result<UsageTable> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers =
        reader.headers().map_err(|e| Error::new(format!("cannot read the header: {e}")).at_line(1, None))?.clone();
    let mut idx = [0usize; 4];
    for (k, name) in REQUIRED.iter().enumerate() {
        idx[k] = headers.iter().position(|h| h.trim() == *name).ok_or_else(|| {
            Error::new(format!("no `{name}` column"))
                .at_line(1, None)
                .fix(format!("the header needs at least: {} (see `capsim commit --help`)", REQUIRED.join(",")))
        })?;
    }
    let mut raw: Vec<(i64, String, bool, f64)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::new(format!("malformed CSV: {e}")).at_line(line, None).fix("check quoting and the number of cells")
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |k: usize| rec.get(idx[k]).unwrap_or("").trim();
        let err = |k: usize, problem: String, fix: &str| {
            Error::new(format!("column {} `{}`: {problem}", idx[k] + 1, REQUIRED[k]))
                .at_line(line, Some(idx[k] as u64 + 1))
                .fix(fix.to_string())
        };
        let hour = cell(0).parse::<jiff::Timestamp>().map_err(|_| {
            err(
                0,
                format!("{:?} is not an RFC 3339 time", cell(0)),
                "write the hour's start, e.g. 2026-07-04T04:00:00Z",
            )
        })?;
        let name = cell(1);
        if name.is_empty() {
            return Err(err(1, "empty".into(), "write the instance type, e.g. Standard_D8s_v5"));
        }
        let spot = match cell(2) {
            "spot" => true,
            "on-demand" | "reserved" => false,
            other => {
                return Err(err(2, format!("{other:?} is not a capacity type"), "write on-demand, reserved or spot"));
            }
        };
        let q = match cell(3).parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            _ => {
                return Err(err(
                    3,
                    format!("{:?} is not a number ≥ 0", cell(3)),
                    "write the instance-hours used in the hour, e.g. 2.5",
                ));
            }
        };
        raw.push((hour.as_millisecond(), name.to_string(), spot, q));
        if let Some(first) = raw.first().map(|r| r.0) {
            let t = hour.as_millisecond();
            if (t - first).rem_euclid(HOUR_MS) != 0 {
                return Err(err(
                    0,
                    format!("{} is not a whole number of hours from the first row's hour", cell(0)),
                    "put every row on the same hourly grid (hour starts)",
                ));
            }
        }
    }
    if raw.is_empty() {
        return Err(Error::new("no usage rows")
            .at_line(2, None)
            .fix("add one row per hour, instance type and capacity type"));
    }
    let start_ms = raw.iter().map(|r| r.0).min().expect("non-empty");
    let end_ms = raw.iter().map(|r| r.0).max().expect("non-empty");
    if (end_ms - start_ms) / HOUR_MS >= MAX_HOURS {
        return Err(Error::new(format!(
            "the rows span {} hours; at most {MAX_HOURS} (10 years) are accepted",
            (end_ms - start_ms) / HOUR_MS + 1
        ))
        .fix("check the years in the `hour` column, or split the history"));
    }
    let hours = ((end_ms - start_ms) / HOUR_MS + 1) as usize;
    let mut keyed: Vec<(usize, String, bool, f64)> =
        raw.into_iter().map(|(t, n, s, q)| (((t - start_ms) / HOUR_MS) as usize, n, s, q)).collect();
    keyed.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    let mut rows: Vec<(usize, String, bool, f64)> = Vec::with_capacity(keyed.len());
    for r in keyed {
        match rows.last_mut() {
            Some(last) if last.0 == r.0 && last.1 == r.1 && last.2 == r.2 => last.3 += r.3,
            _ => rows.push(r),
        }
    }
    Ok(UsageTable { file: Default::default(), start_ms, hours, rows })
}

/// Usage of several tables over one type table (names in order), priced from `catalog`.
#[derive(Debug, Clone)]
pub struct PricedUsage {
    /// Every table's hours, one after the other (the ensemble as one history: the expected cost
    /// over equally likely futures is the cost of their concatenation).
    pub combined: UsageHistory,
    /// Each table alone, same type table.
    pub members: Vec<UsageHistory>,
}

fn entry<'a>(catalog: &'a Catalog, region: Option<&str>, name: &str) -> Option<&'a CatalogEntry> {
    match region {
        Some(r) => catalog.get(r, name),
        None => catalog.find(name),
    }
}

/// Joins usage tables with catalog prices.
pub fn price_tables(
    tables: &[UsageTable],
    catalog: &Catalog,
    catalog_name: &str,
    region: Option<&str>,
) -> Result<PricedUsage> {
    let mut names: Vec<&str> = tables.iter().flat_map(|t| t.rows.iter().map(|r| r.1.as_str())).collect();
    names.sort_unstable();
    names.dedup();
    let mut types: Vec<InstanceType> = Vec::with_capacity(names.len());
    for name in &names {
        let e = entry(catalog, region, name).ok_or_else(|| {
            let file = tables.iter().find(|t| t.rows.iter().any(|r| r.1 == *name)).map(|t| t.file.clone());
            let mut e = Error::new(format!(
                "instance type {name:?} is not in catalog {catalog_name}{}",
                region.map_or(String::new(), |r| format!(" for region {r}"))
            ))
            .fix("pass --catalog with a catalog that has the type, or fix the name in the `instance_type` column");
            if let Some(f) = file {
                e = e.in_file(&f);
            }
            e
        })?;
        types.push(e.to_commit_type());
    }
    let mut members = Vec::with_capacity(tables.len());
    for t in tables {
        let mut hours: Vec<HourUsage> =
            (0..t.hours).map(|_| HourUsage { regular: vec![0.0; names.len()], spot: vec![0.0; names.len()] }).collect();
        for (h, name, spot, q) in &t.rows {
            let i = names.binary_search(&name.as_str()).expect("collected above");
            if *spot {
                if types[i].spot.is_none() {
                    return Err(Error::new(format!(
                        "spot usage of {name} but catalog {catalog_name} has no spot price"
                    ))
                    .in_file(&t.file)
                    .fix("add the spot price to the catalog, or mark the rows on-demand"));
                }
                hours[*h].spot[i] += q;
            } else {
                hours[*h].regular[i] += q;
            }
        }
        members.push(UsageHistory::new(types.clone(), hours).map_err(|e| e.in_file(&t.file))?);
    }
    let all: Vec<HourUsage> = members.iter().flat_map(|m| m.hours().iter().cloned()).collect();
    Ok(PricedUsage { combined: UsageHistory::new(types, all)?, members })
}
