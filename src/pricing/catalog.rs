//! Catalog types and the capsim catalog CSV: one row per instance type in a region, every price
//! with its `source` label, read with a validator that names file, line, column and the fix.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};

/// Where a price comes from. A derived price always says how, so nobody mistakes it for a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// From a price snapshot or an API export; the text names which (may be empty).
    Real(String),
    /// Computed from another price; the text says how and from which published ratio.
    Derived(String),
}

impl Source {
    pub fn real(what: impl Into<String>) -> Self {
        Source::Real(what.into())
    }

    pub fn derived(how: impl Into<String>) -> Self {
        Source::Derived(how.into())
    }

    pub fn is_real(&self) -> bool {
        matches!(self, Source::Real(_))
    }

    pub fn is_derived(&self) -> bool {
        matches!(self, Source::Derived(_))
    }

    /// Parses `real`, `real: <what>` or `derived: <how>` (the how is required).
    pub fn parse(text: &str) -> Option<Source> {
        let text = text.trim();
        if text == "real" {
            return Some(Source::Real(String::new()));
        }
        if let Some(rest) = text.strip_prefix("real:") {
            return Some(Source::Real(rest.trim().to_string()));
        }
        if let Some(rest) = text.strip_prefix("derived:") {
            let how = rest.trim();
            if !how.is_empty() {
                return Some(Source::Derived(how.to_string()));
            }
        }
        None
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Real(w) if w.is_empty() => write!(f, "real"),
            Source::Real(w) => write!(f, "real: {w}"),
            Source::Derived(how) => write!(f, "derived: {how}"),
        }
    }
}

/// A price in USD per instance-hour and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub usd_per_hour: f64,
    pub source: Source,
}

impl Price {
    pub fn real(usd_per_hour: f64, what: impl Into<String>) -> Self {
        Price { usd_per_hour, source: Source::real(what) }
    }

    pub fn derived(usd_per_hour: f64, how: impl Into<String>) -> Self {
        Price { usd_per_hour, source: Source::derived(how) }
    }
}

/// Spot eviction (Azure, per hour) or interruption (AWS Spot Advisor, per trailing month) band,
/// in percent (FINOPS.md §6). Both providers publish the same five buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvictionBand {
    /// 0–5 %.
    Under5,
    /// 5–10 %.
    From5To10,
    /// 10–15 %.
    From10To15,
    /// 15–20 %.
    From15To20,
    /// 20 % and more.
    Over20,
}

impl EvictionBand {
    pub const ALL: [EvictionBand; 5] = [
        EvictionBand::Under5,
        EvictionBand::From5To10,
        EvictionBand::From10To15,
        EvictionBand::From15To20,
        EvictionBand::Over20,
    ];

    /// The label Azure Resource Graph returns (`0-5`, …, `20+`).
    pub fn label(self) -> &'static str {
        match self {
            EvictionBand::Under5 => "0-5",
            EvictionBand::From5To10 => "5-10",
            EvictionBand::From10To15 => "10-15",
            EvictionBand::From15To20 => "15-20",
            EvictionBand::Over20 => "20+",
        }
    }

    /// Lower and upper bound in percent (`None` upper bound for `20+`).
    pub fn bounds_percent(self) -> (f64, Option<f64>) {
        match self {
            EvictionBand::Under5 => (0.0, Some(5.0)),
            EvictionBand::From5To10 => (5.0, Some(10.0)),
            EvictionBand::From10To15 => (10.0, Some(15.0)),
            EvictionBand::From15To20 => (15.0, Some(20.0)),
            EvictionBand::Over20 => (20.0, None),
        }
    }

    pub fn parse(text: &str) -> Option<EvictionBand> {
        let t = text.trim().trim_end_matches('%');
        EvictionBand::ALL.into_iter().find(|b| b.label() == t || (t == "<5" && *b == EvictionBand::Under5))
    }
}

impl fmt::Display for EvictionBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One instance type (SKU) in one region, Linux, with every offering we know a price for.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogEntry {
    /// `azure`, `aws` or `gcp` (free text, lower case).
    pub provider: String,
    pub region: String,
    /// The provider's name, e.g. `Standard_D8s_v5`, `m6i.xlarge`, `n2-standard-8`.
    pub name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// `amd64` or `arm64`.
    pub arch: String,
    pub gpu: u32,
    /// The provider's family (Azure SKU family, AWS family prefix, GCP series and class).
    pub family: String,
    /// Size-flexibility group: a commitment bought for one member covers every member, by ratio.
    pub flex_group: String,
    /// Normalized units of this size within its group (see [`crate::pricing::families`]).
    pub flex_ratio: f64,
    pub on_demand: Price,
    pub spot: Option<Price>,
    pub spot_eviction: Option<EvictionBand>,
    pub reservation_1y: Option<Price>,
    pub reservation_3y: Option<Price>,
    pub savings_plan_1y: Option<Price>,
    pub savings_plan_3y: Option<Price>,
    /// Why this row's prices look suspect (empty when they don't).
    pub flags: Vec<String>,
}

impl CatalogEntry {
    /// All offerings in column order, with their short names, for tables and checks.
    pub fn offerings(&self) -> [(&'static str, Option<&Price>); 6] {
        [
            ("on_demand", Some(&self.on_demand)),
            ("spot", self.spot.as_ref()),
            ("ri_1y", self.reservation_1y.as_ref()),
            ("ri_3y", self.reservation_3y.as_ref()),
            ("sp_1y", self.savings_plan_1y.as_ref()),
            ("sp_3y", self.savings_plan_3y.as_ref()),
        ]
    }

    /// True if any price of this row is derived rather than quoted.
    pub fn has_derived(&self) -> bool {
        self.offerings().iter().any(|(_, p)| p.is_some_and(|p| p.source.is_derived()))
    }

    /// The row as the commitment optimizer's instance type (its prices, group and ratio).
    pub fn to_commit_type(&self) -> crate::commit::InstanceType {
        use crate::commit::{InstanceType, TermRates};
        InstanceType {
            name: self.name.clone(),
            group: self.flex_group.clone(),
            ratio: self.flex_ratio,
            on_demand: self.on_demand.usd_per_hour,
            reservation: TermRates::new(
                self.reservation_1y.as_ref().map(|p| p.usd_per_hour),
                self.reservation_3y.as_ref().map(|p| p.usd_per_hour),
            ),
            savings_plan: TermRates::new(
                self.savings_plan_1y.as_ref().map(|p| p.usd_per_hour),
                self.savings_plan_3y.as_ref().map(|p| p.usd_per_hour),
            ),
            spot: self.spot.as_ref().map(|p| p.usd_per_hour),
        }
    }
}

/// An instance catalog: rows in a fixed order (region, then name), unique by (region, name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub entries: Vec<CatalogEntry>,
}

/// The catalog CSV header, in order. Documented in the module doc and `datasets/catalogs/README.md`.
pub const COLUMNS: [&str; 24] = [
    "provider",
    "region",
    "instance_type",
    "vcpu",
    "memory_gib",
    "arch",
    "gpu",
    "family",
    "flex_group",
    "flex_ratio",
    "on_demand_usd_per_hour",
    "on_demand_source",
    "spot_usd_per_hour",
    "spot_source",
    "spot_eviction_band",
    "ri_1y_usd_per_hour",
    "ri_1y_source",
    "ri_3y_usd_per_hour",
    "ri_3y_source",
    "sp_1y_usd_per_hour",
    "sp_1y_source",
    "sp_3y_usd_per_hour",
    "sp_3y_source",
    "flags",
];

/// Separator between several flags in the `flags` cell.
pub const FLAG_SEPARATOR: &str = " | ";

impl Catalog {
    pub fn new(mut entries: Vec<CatalogEntry>) -> Self {
        entries.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
        Catalog { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, region: &str, name: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.region == region && e.name == name)
    }

    /// The first row with this name in any region.
    pub fn find(&self, name: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Rows with at least one flag.
    pub fn flagged(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.iter().filter(|e| !e.flags.is_empty())
    }

    /// Distinct regions in row order.
    pub fn regions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entries {
            if !out.contains(&e.region.as_str()) {
                out.push(&e.region);
            }
        }
        out
    }

    /// Reads and validates a catalog CSV file.
    pub fn read(path: &Path) -> Result<Catalog> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        Catalog::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Parses catalog CSV text; errors name the line and column (the caller adds the file).
    pub fn parse(text: &str) -> Result<Catalog> {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
        let headers =
            reader.headers().map_err(|e| Error::new(format!("cannot read the header: {e}")).at_line(1, None))?.clone();
        let header_fix = format!("the header must be exactly: {}", COLUMNS.join(","));
        for (i, want) in COLUMNS.iter().enumerate() {
            match headers.get(i) {
                Some(got) if got.trim() == *want => {}
                Some(got) => {
                    return Err(Error::new(format!("column {} is {got:?}, expected {want:?}", i + 1))
                        .at_line(1, Some(i as u64 + 1))
                        .fix(header_fix));
                }
                None => {
                    return Err(Error::new(format!("missing column {want:?}"))
                        .at_line(1, Some(i as u64 + 1))
                        .fix(header_fix));
                }
            }
        }
        if headers.len() > COLUMNS.len() {
            return Err(Error::new(format!("unexpected extra column {:?}", &headers[COLUMNS.len()]))
                .at_line(1, Some(COLUMNS.len() as u64 + 1))
                .fix(header_fix));
        }
        let mut entries: Vec<CatalogEntry> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Error::new(format!("unreadable CSV row: {e}")).at_line(line, None).fix("quote cells that hold commas")
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.len() != COLUMNS.len() {
                return Err(Error::new(format!("{} cells, expected {}", record.len(), COLUMNS.len()))
                    .at_line(line, None)
                    .fix("write one cell per column; quote cells that hold commas"));
            }
            let row = Row { record: &record, line };
            let entry = row.entry()?;
            if !seen.insert((entry.region.clone(), entry.name.clone())) {
                return Err(row
                    .err("instance_type", format!("duplicate row for {} in {}", entry.name, entry.region))
                    .fix("keep one row per instance type and region"));
            }
            entries.push(entry);
        }
        Ok(Catalog::new(entries))
    }

    /// The catalog as CSV text (exact: numbers are written in their shortest round-trip form).
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(COLUMNS).expect("writing to memory");
        for e in &self.entries {
            w.write_record(row_cells(e)).expect("writing to memory");
        }
        String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 cells")
    }

    /// Writes the catalog CSV whole (temporary file, then rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        crate::report::write_file_atomically(path, self.to_csv().as_bytes())
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

fn price_cells(p: &Option<Price>) -> [String; 2] {
    match p {
        Some(p) => [num(p.usd_per_hour), p.source.to_string()],
        None => [String::new(), String::new()],
    }
}

fn row_cells(e: &CatalogEntry) -> Vec<String> {
    let [spot, spot_src] = price_cells(&e.spot);
    let [r1, r1s] = price_cells(&e.reservation_1y);
    let [r3, r3s] = price_cells(&e.reservation_3y);
    let [s1, s1s] = price_cells(&e.savings_plan_1y);
    let [s3, s3s] = price_cells(&e.savings_plan_3y);
    vec![
        e.provider.clone(),
        e.region.clone(),
        e.name.clone(),
        e.vcpu.to_string(),
        num(e.memory_gib),
        e.arch.clone(),
        e.gpu.to_string(),
        e.family.clone(),
        e.flex_group.clone(),
        num(e.flex_ratio),
        num(e.on_demand.usd_per_hour),
        e.on_demand.source.to_string(),
        spot,
        spot_src,
        e.spot_eviction.map(|b| b.label().to_string()).unwrap_or_default(),
        r1,
        r1s,
        r3,
        r3s,
        s1,
        s1s,
        s3,
        s3s,
        e.flags.join(FLAG_SEPARATOR),
    ]
}

/// One CSV record with its line, for validation errors that name line and column.
struct Row<'a> {
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn col(name: &str) -> usize {
        COLUMNS.iter().position(|c| *c == name).expect("known column")
    }

    fn err(&self, column: &str, problem: impl Into<String>) -> Error {
        let idx = Row::col(column);
        Error::new(format!("column {} `{column}`: {}", idx + 1, problem.into()))
            .at_line(self.line, Some(idx as u64 + 1))
    }

    fn cell(&self, column: &str) -> &str {
        self.record.get(Row::col(column)).unwrap_or("").trim()
    }

    fn text(&self, column: &str, what: &str) -> Result<String> {
        let t = self.cell(column);
        if t.is_empty() {
            return Err(self.err(column, "empty").fix(format!("write {what}")));
        }
        Ok(t.to_string())
    }

    fn count(&self, column: &str, min: u32) -> Result<u32> {
        let t = self.cell(column);
        match t.parse::<u32>() {
            Ok(v) if v >= min => Ok(v),
            _ => Err(self
                .err(column, format!("{t:?} is not a whole number ≥ {min}"))
                .fix(format!("write a whole number ≥ {min}, e.g. 8"))),
        }
    }

    fn positive(&self, column: &str) -> Result<f64> {
        let t = self.cell(column);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err(self.err(column, format!("{t:?} is not a positive number")).fix("write a number > 0, e.g. 0.46")),
        }
    }

    fn price(&self, prefix: &str, required: bool) -> Result<Option<Price>> {
        let vcol = format!("{prefix}_usd_per_hour");
        let scol = format!("{prefix}_source");
        let (value, source) = (self.cell(&vcol), self.cell(&scol));
        if value.is_empty() {
            if required {
                return Err(self.err(&vcol, "empty").fix("write the on-demand price in USD per hour, e.g. 0.46"));
            }
            if !source.is_empty() {
                return Err(self
                    .err(&scol, "a source without a price")
                    .fix(format!("write the price in `{vcol}`, or clear `{scol}`")));
            }
            return Ok(None);
        }
        let usd_per_hour = self.positive(&vcol)?;
        let source = Source::parse(source).ok_or_else(|| {
            self.err(&scol, format!("{source:?} is not a price source")).fix(
                "write `real`, `real: <snapshot or API>` or `derived: <how>`, \
                 e.g. `derived: on-demand × (1 − 0.41), Azure 1-year reservation ratio, SOURCES.md`",
            )
        })?;
        Ok(Some(Price { usd_per_hour, source }))
    }

    fn entry(&self) -> Result<CatalogEntry> {
        let arch = self.text("arch", "amd64 or arm64")?;
        if arch != "amd64" && arch != "arm64" {
            return Err(self.err("arch", format!("{arch:?} is not an architecture")).fix("write amd64 or arm64"));
        }
        let flex_ratio = self.positive("flex_ratio")?;
        let on_demand = self.price("on_demand", true)?.expect("required");
        let spot = self.price("spot", false)?;
        let band = self.cell("spot_eviction_band");
        let spot_eviction = if band.is_empty() {
            None
        } else {
            let b = EvictionBand::parse(band).ok_or_else(|| {
                self.err("spot_eviction_band", format!("{band:?} is not an eviction band"))
                    .fix("write one of 0-5, 5-10, 10-15, 15-20, 20+ (percent), or leave it empty")
            })?;
            if spot.is_none() {
                return Err(self
                    .err("spot_eviction_band", "an eviction band without a spot price")
                    .fix("write the spot price, or clear the band"));
            }
            Some(b)
        };
        let flags = self.cell("flags");
        Ok(CatalogEntry {
            provider: self.text("provider", "the cloud, e.g. azure")?,
            region: self.text("region", "the region, e.g. germanywestcentral")?,
            name: self.text("instance_type", "the instance type, e.g. Standard_D8s_v5")?,
            vcpu: self.count("vcpu", 1)?,
            memory_gib: self.positive("memory_gib")?,
            arch,
            gpu: self.count("gpu", 0)?,
            family: self.text("family", "the provider's family, e.g. standardDSv5Family")?,
            flex_group: self.text("flex_group", "the size-flexibility group, e.g. the family")?,
            flex_ratio,
            on_demand,
            spot,
            spot_eviction,
            reservation_1y: self.price("ri_1y", false)?,
            reservation_3y: self.price("ri_3y", false)?,
            savings_plan_1y: self.price("sp_1y", false)?,
            savings_plan_3y: self.price("sp_3y", false)?,
            flags: if flags.is_empty() {
                Vec::new()
            } else {
                flags.split(FLAG_SEPARATOR.trim()).map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()
            },
        })
    }
}
