//! Building catalogs from the price snapshots: on-demand joined with specs, commitment and spot
//! rates derived from published ratios where no real price exists (each labelled with how), and
//! suspect rows flagged rather than trusted.
//!
//! Ratios (`datasets/SOURCES.md`, "Commitment and spot discount levels"); where SOURCES.md gives a
//! range we take its lower end, the one less favourable to the buyer, so a plan built on a derived
//! catalog does not overstate savings:
//!
//! | cloud | 1y RI | 3y RI | 1y SP | 3y SP | spot |
//! |---|---|---|---|---|---|
//! | Azure | 41 % off | 62 % off | 32 % off | 54 % off | 79 % off (one SKU; varies) |
//! | AWS | 31 % (no upfront) | 55 % | 28 % (RI − 3 points) | 52 % | 53 % |
//! | GCP | real CUD prices | real | none | none | real |
//!
//! Derived prices are rounded to 6 decimals, like the snapshots.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::catalog::{Catalog, CatalogEntry, Price};
use super::families::{self, AzureSize};
use crate::error::{Error, Result};

/// Hours in a 1-year term (the API's and the optimizer's convention).
pub const HOURS_1Y: f64 = 8760.0;
/// Hours in a 3-year term.
pub const HOURS_3Y: f64 = 3.0 * 8760.0;
/// Hours per month in GCP's monthly prices (`month` = `hour` × 730 before discounts).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Snapshot files under a prices folder (`datasets/prices/`), as copied from the shared data.
pub const AZURE_ONDEMAND: &str = "azure/azure_vm_ondemand_linux_usd_per_hour_2026-06-18.csv";
pub const AZURE_SPECS: &str = "azure/azure_vm_specs.csv";
pub const AWS_ONDEMAND: &str = "aws/aws_ec2_ondemand_linux_us-east-1_2026-07-20.csv";
pub const AWS_SPECS: &str = "aws/aws_ec2_specs.csv";
pub const GCP_PRICES: &str = "gcp/pricing_2026-07-30.yml";

/// One published discount: the price is on-demand × (1 − `discount`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub discount: f64,
    /// What the ratio is, for the `derived:` label.
    pub what: &'static str,
}

impl Ratio {
    pub fn apply(&self, on_demand: f64) -> Price {
        let rate = round6(on_demand * (1.0 - self.discount));
        Price::derived(rate, format!("on-demand × (1 − {}), {}, SOURCES.md", self.discount, self.what))
    }
}

/// The ratios one cloud's catalogs are derived with (`None`: the offer is left empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DerivationRules {
    pub reservation_1y: Option<Ratio>,
    pub reservation_3y: Option<Ratio>,
    pub savings_plan_1y: Option<Ratio>,
    pub savings_plan_3y: Option<Ratio>,
    pub spot: Option<Ratio>,
}

/// Azure: D8_v4 westeurope and D4ds_v5 eastus reservations, D4ds_v5 eastus savings plan,
/// D4s_v5 eastus spot (SOURCES.md).
pub const AZURE_RULES: DerivationRules = DerivationRules {
    reservation_1y: Some(Ratio { discount: 0.41, what: "Azure 1-year reservation ratio" }),
    reservation_3y: Some(Ratio { discount: 0.62, what: "Azure 3-year reservation ratio" }),
    savings_plan_1y: Some(Ratio { discount: 0.32, what: "Azure 1-year savings plan ratio" }),
    savings_plan_3y: Some(Ratio { discount: 0.54, what: "Azure 3-year savings plan ratio" }),
    spot: Some(Ratio { discount: 0.79, what: "Azure spot ratio of D4s_v5 eastus, varies by SKU and hour" }),
};

/// AWS: lower ends of the published ranges; Compute SP = RI minus 3 points (SOURCES.md).
pub const AWS_RULES: DerivationRules = DerivationRules {
    reservation_1y: Some(Ratio { discount: 0.31, what: "AWS 1-year standard RI no upfront, low end of 31–39 %" }),
    reservation_3y: Some(Ratio { discount: 0.55, what: "AWS 3-year standard RI, low end of 55–72 %" }),
    savings_plan_1y: Some(Ratio { discount: 0.28, what: "AWS 1-year Compute SP ≈ RI 31 % minus 3 points" }),
    savings_plan_3y: Some(Ratio { discount: 0.52, what: "AWS 3-year Compute SP ≈ RI 55 % minus 3 points" }),
    spot: Some(Ratio { discount: 0.53, what: "AWS spot, low end of 53–70 % (m/c/r 6i Frankfurt)" }),
};

impl DerivationRules {
    /// Fills every empty or derived offer of `e` from its on-demand price; real prices stay.
    pub fn apply(&self, e: &mut CatalogEntry) {
        let od = e.on_demand.usd_per_hour;
        let fill = |slot: &mut Option<Price>, rule: Option<Ratio>| {
            if slot.as_ref().is_none_or(|p| p.source.is_derived()) {
                *slot = rule.map(|r| r.apply(od));
            }
        };
        fill(&mut e.reservation_1y, self.reservation_1y);
        fill(&mut e.reservation_3y, self.reservation_3y);
        fill(&mut e.savings_plan_1y, self.savings_plan_1y);
        fill(&mut e.savings_plan_3y, self.savings_plan_3y);
        fill(&mut e.spot, self.spot);
    }

    /// Re-derives only the offers that are already derived (after a real on-demand price came in);
    /// empty offers stay empty and real ones stay real.
    pub fn apply_derived_only(&self, e: &mut CatalogEntry) {
        let od = e.on_demand.usd_per_hour;
        let redo = |slot: &mut Option<Price>, rule: Option<Ratio>| {
            if slot.as_ref().is_some_and(|p| p.source.is_derived()) {
                *slot = rule.map(|r| r.apply(od));
            }
        };
        redo(&mut e.reservation_1y, self.reservation_1y);
        redo(&mut e.reservation_3y, self.reservation_3y);
        redo(&mut e.savings_plan_1y, self.savings_plan_1y);
        redo(&mut e.savings_plan_3y, self.savings_plan_3y);
        redo(&mut e.spot, self.spot);
    }
}

/// The rules for a provider name, if we derive for it.
pub fn rules_for(provider: &str) -> Option<&'static DerivationRules> {
    match provider {
        "azure" => Some(&AZURE_RULES),
        "aws" => Some(&AWS_RULES),
        _ => None,
    }
}

pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// What a build kept and skipped, for the generator's log and SOURCES.md.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildReport {
    pub rows: usize,
    /// Priced sizes with no specs row (dedicated hosts, placeholders, new sizes).
    pub skipped_no_specs: Vec<String>,
    /// Sizes priced at zero in the snapshot (not sold).
    pub skipped_zero_price: Vec<String>,
    /// Sizes whose specs row has zero vCPU or memory (e.g. Standard_B1ls: 0.5 GiB written as 0).
    pub skipped_bad_specs: Vec<String>,
    pub flagged: usize,
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    Ok(csv::ReaderBuilder::new().has_headers(true).from_reader(file))
}

/// Reads a snapshot CSV into rows of named cells, with errors naming file and line.
fn read_rows(path: &Path, columns: &[&str]) -> Result<Vec<(u64, Vec<String>)>> {
    let mut r = open_csv(path)?;
    let headers = r.headers().map_err(|e| Error::new(e.to_string()).in_file(path).at_line(1, None))?.clone();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            headers.iter().position(|h| h == *c).ok_or_else(|| {
                Error::new(format!("missing column {c:?}"))
                    .in_file(path)
                    .at_line(1, None)
                    .fix("use the snapshot as copied from the shared datasets")
            })
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| Error::new(e.to_string()).in_file(path))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        out.push((line, idx.iter().map(|&i| rec.get(i).unwrap_or("").trim().to_string()).collect()));
    }
    Ok(out)
}

fn parse_num(path: &Path, line: u64, column: &str, text: &str) -> Result<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
        Error::new(format!("{column}: {text:?} is not a number"))
            .in_file(path)
            .at_line(line, None)
            .fix("use the snapshot as copied from the shared datasets")
    })
}

/// Specs of one size (any cloud).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub name: String,
    pub family: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    pub gpu: u32,
    pub arch: String,
}

/// Reads `azure_vm_specs.csv` (`vm_size,sku_family,vcpu,memory_gib,gpu,arch`).
pub fn read_azure_specs(path: &Path) -> Result<Vec<Spec>> {
    read_rows(path, &["vm_size", "sku_family", "vcpu", "memory_gib", "gpu", "arch"])?
        .into_iter()
        .map(|(line, c)| {
            Ok(Spec {
                vcpu: parse_num(path, line, "vcpu", &c[2])? as u32,
                memory_gib: parse_num(path, line, "memory_gib", &c[3])?,
                gpu: parse_num(path, line, "gpu", &c[4])? as u32,
                name: c[0].clone(),
                family: c[1].clone(),
                arch: c[5].clone(),
            })
        })
        .collect()
}

/// Reads `aws_ec2_specs.csv` (`instance_type,vcpu,memory_gib,gpu,arch`); family = name prefix.
pub fn read_aws_specs(path: &Path) -> Result<Vec<Spec>> {
    read_rows(path, &["instance_type", "vcpu", "memory_gib", "gpu", "arch"])?
        .into_iter()
        .map(|(line, c)| {
            Ok(Spec {
                vcpu: parse_num(path, line, "vcpu", &c[1])? as u32,
                memory_gib: parse_num(path, line, "memory_gib", &c[2])?,
                gpu: parse_num(path, line, "gpu", &c[3])? as u32,
                family: families::aws_family(&c[0]).to_string(),
                name: c[0].clone(),
                arch: c[4].clone(),
            })
        })
        .collect()
}

/// Azure ISF groups for the whole specs table (ratios are region-independent).
pub fn azure_flex_table(specs: &[Spec]) -> BTreeMap<String, families::Flex> {
    let sizes: Vec<AzureSize<'_>> = specs
        .iter()
        .map(|s| AzureSize { name: &s.name, sku_family: &s.family, vcpu: s.vcpu, memory_gib: s.memory_gib })
        .collect();
    families::azure_flex(&sizes)
}

/// One region of the Azure on-demand snapshot joined with the specs, offers derived with
/// [`AZURE_RULES`].
pub fn build_azure(ondemand: &Path, specs: &Path, region: &str) -> Result<(Catalog, BuildReport)> {
    let specs = read_azure_specs(specs)?;
    let flex = azure_flex_table(&specs);
    let by_name: BTreeMap<&str, &Spec> = specs.iter().map(|s| (s.name.as_str(), s)).collect();
    let label = file_label(ondemand);
    let mut report = BuildReport::default();
    let mut entries = Vec::new();
    for (line, c) in read_rows(ondemand, &["armRegionName", "vm_size", "usd_per_hour_linux_ondemand"])? {
        if c[0] != region {
            continue;
        }
        let price = parse_num(ondemand, line, "usd_per_hour_linux_ondemand", &c[2])?;
        let Some(spec) = usable_spec(&mut report, &by_name, &c[1], price) else { continue };
        let f = &flex[&spec.name];
        let mut e = entry("azure", region, spec, f.group.clone(), f.ratio, Price::real(price, &label));
        AZURE_RULES.apply(&mut e);
        entries.push(e);
    }
    let mut cat = Catalog::new(entries);
    flag_group_outliers(&mut cat);
    report.rows = cat.len();
    report.flagged = cat.flagged().count();
    Ok((cat, report))
}

/// The spec for a priced row, or `None` (counted in `report`) when it has no spec, no price or
/// unusable specs.
fn usable_spec<'a>(
    report: &mut BuildReport,
    by_name: &BTreeMap<&str, &'a Spec>,
    name: &str,
    price: f64,
) -> Option<&'a Spec> {
    let Some(spec) = by_name.get(name).copied() else {
        report.skipped_no_specs.push(name.to_string());
        return None;
    };
    if price <= 0.0 {
        report.skipped_zero_price.push(name.to_string());
        return None;
    }
    if spec.vcpu == 0 || spec.memory_gib <= 0.0 {
        report.skipped_bad_specs.push(name.to_string());
        return None;
    }
    Some(spec)
}

/// The AWS on-demand snapshot (one region) joined with the specs, offers derived with
/// [`AWS_RULES`].
pub fn build_aws(ondemand: &Path, specs: &Path) -> Result<(Catalog, BuildReport)> {
    let specs = read_aws_specs(specs)?;
    let by_name: BTreeMap<&str, &Spec> = specs.iter().map(|s| (s.name.as_str(), s)).collect();
    let label = file_label(ondemand);
    let rows = read_rows(ondemand, &["region", "instance_type", "usd_per_hour_linux_ondemand"])?;
    let pairs: Vec<(&str, u32)> =
        rows.iter().filter_map(|(_, c)| by_name.get(c[1].as_str()).map(|s| (s.name.as_str(), s.vcpu))).collect();
    let flex = families::aws_flex(&pairs);
    let mut report = BuildReport::default();
    let mut entries = Vec::new();
    for (line, c) in &rows {
        let price = parse_num(ondemand, *line, "usd_per_hour_linux_ondemand", &c[2])?;
        let Some(spec) = usable_spec(&mut report, &by_name, &c[1], price) else { continue };
        let f = &flex[&spec.name];
        let mut e = entry("aws", &c[0], spec, f.group.clone(), f.ratio, Price::real(price, &label));
        AWS_RULES.apply(&mut e);
        entries.push(e);
    }
    let mut cat = Catalog::new(entries);
    flag_group_outliers(&mut cat);
    report.rows = cat.len();
    report.flagged = cat.flagged().count();
    Ok((cat, report))
}

#[derive(Deserialize)]
struct GcpFile {
    compute: GcpCompute,
}

#[derive(Deserialize)]
struct GcpCompute {
    instance: BTreeMap<String, GcpInstance>,
}

#[derive(Deserialize)]
struct GcpInstance {
    #[serde(default)]
    cost: BTreeMap<String, GcpCost>,
    cpu: f64,
    ram: f64,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    a100: f64,
    #[serde(default, rename = "a100-80gb")]
    a100_80gb: f64,
    #[serde(default, rename = "h100-80gb")]
    h100_80gb: f64,
    #[serde(default, rename = "h100-80gb-mega")]
    h100_80gb_mega: f64,
    #[serde(default)]
    l4: f64,
    #[serde(default)]
    rtx6000: f64,
}

#[derive(Deserialize)]
struct GcpCost {
    hour: Option<f64>,
    hour_spot: Option<f64>,
    month_1y: Option<f64>,
    month_3y: Option<f64>,
}

/// GCP machine types in `regions` from the Cyclenerd price list: on-demand `hour`, spot
/// `hour_spot`, and the resource-based CUD prices `month_1y`/`month_3y` ÷ 730 h, all real.
/// One catalog per region, in the order given.
pub fn build_gcp(prices: &Path, regions: &[&str]) -> Result<Vec<(Catalog, BuildReport)>> {
    let text = std::fs::read_to_string(prices).map_err(|e| Error::io(prices, &e))?;
    let options = serde_saphyr::options! { budget: None };
    let file: GcpFile = serde_saphyr::from_str_with_options(&text, options).map_err(|e| {
        Error::new(format!("cannot read the GCP price list: {e}"))
            .in_file(prices)
            .fix("use the price list as copied from the shared datasets")
    })?;
    let label = file_label(prices);
    let mut out = Vec::new();
    for region in regions {
        let mut report = BuildReport::default();
        let mut entries = Vec::new();
        for (name, inst) in &file.compute.instance {
            let Some(cost) = inst.cost.get(*region) else { continue };
            let Some(hour) = cost.hour.filter(|h| *h > 0.0) else {
                report.skipped_zero_price.push(name.clone());
                continue;
            };
            let series = families::gcp_series(name);
            let arch = if matches!(series, "t2a" | "c4a" | "n4a") { "arm64" } else { "amd64" };
            let gpu = inst.a100 + inst.a100_80gb + inst.h100_80gb + inst.h100_80gb_mega + inst.l4 + inst.rtx6000;
            let spec = Spec {
                name: name.clone(),
                family: inst.kind.clone().unwrap_or_else(|| families::gcp_family(name)),
                vcpu: inst.cpu.max(1.0).round() as u32,
                memory_gib: inst.ram,
                gpu: gpu as u32,
                arch: arch.to_string(),
            };
            let mut e = entry("gcp", region, &spec, series.to_string(), inst.cpu.max(0.25), Price::real(hour, &label));
            let pos = |x: Option<f64>| x.filter(|v| *v > 0.0);
            e.spot = pos(cost.hour_spot).map(|s| Price::real(s, &label));
            e.reservation_1y =
                pos(cost.month_1y).map(|m| Price::real(m / HOURS_PER_MONTH, format!("{label}, month_1y ÷ 730 h")));
            e.reservation_3y =
                pos(cost.month_3y).map(|m| Price::real(m / HOURS_PER_MONTH, format!("{label}, month_3y ÷ 730 h")));
            entries.push(e);
        }
        let mut cat = Catalog::new(entries);
        flag_group_outliers(&mut cat);
        report.rows = cat.len();
        report.flagged = cat.flagged().count();
        out.push((cat, report));
    }
    Ok(out)
}

fn entry(provider: &str, region: &str, spec: &Spec, group: String, ratio: f64, on_demand: Price) -> CatalogEntry {
    CatalogEntry {
        provider: provider.to_string(),
        region: region.to_string(),
        name: spec.name.clone(),
        vcpu: spec.vcpu.max(1),
        memory_gib: spec.memory_gib,
        arch: if spec.arch == "arm64" { "arm64".into() } else { "amd64".into() },
        gpu: spec.gpu,
        family: spec.family.clone(),
        flex_group: group,
        flex_ratio: ratio,
        on_demand,
        spot: None,
        spot_eviction: None,
        reservation_1y: None,
        reservation_3y: None,
        savings_plan_1y: None,
        savings_plan_3y: None,
        flags: Vec::new(),
    }
}

fn file_label(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A row is suspect when its price per normalized unit is this many times off the median of
/// its peers (either way).
pub const OUTLIER_FACTOR: f64 = 1.5;
/// Fewest sizes a group needs before its median means anything.
pub const MIN_GROUP: usize = 3;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn off(x: f64) -> bool {
    !(1.0 / OUTLIER_FACTOR..=OUTLIER_FACTOR).contains(&x)
}

/// Flags rows whose on-demand $/h per normalized unit (per vCPU in a group of one memory class)
/// is more than [`OUTLIER_FACTOR`] off the median of its family and memory class in the region.
/// GPU sizes are left out: they are priced by accelerator, not by vCPU.
/// Returns how many rows it flagged.
pub fn flag_group_outliers(cat: &mut Catalog) -> usize {
    let key = |e: &CatalogEntry| {
        let units = families::azure_priced_vcpu(&e.name, e.vcpu);
        (e.region.clone(), e.family.clone(), families::memory_class(e.memory_gib, units), e.gpu > 0)
    };
    let per_unit = |e: &CatalogEntry| e.on_demand.usd_per_hour / e.flex_ratio;
    let mut groups: BTreeMap<_, Vec<f64>> = BTreeMap::new();
    for e in cat.entries.iter().filter(|e| e.gpu == 0) {
        groups.entry(key(e)).or_default().push(per_unit(e));
    }
    let medians: BTreeMap<_, (f64, usize)> = groups
        .into_iter()
        .filter(|(_, v)| v.len() >= MIN_GROUP)
        .map(|(k, v)| (k, (median(v.clone()), v.len())))
        .collect();
    let mut flagged = 0;
    for e in cat.entries.iter_mut().filter(|e| e.gpu == 0) {
        let Some(&(m, n)) = medians.get(&key(e)) else { continue };
        let x = per_unit(e);
        if m > 0.0 && off(x / m) {
            e.flags.push(format!(
                "family-median: on-demand {:.4} $/h per unit is {:.2}× the median {:.4} of {n} {} sizes ({} GiB/vCPU class) in {}; \
                 check the snapshot before trusting this row",
                x,
                x / m,
                m,
                e.family,
                families::memory_class(e.memory_gib, families::azure_priced_vcpu(&e.name, e.vcpu)),
                e.region
            ));
            flagged += 1;
        }
    }
    flagged
}

/// Flags rows whose on-demand price, relative to the same type in `peer` (another region), is
/// more than [`OUTLIER_FACTOR`] off the median relative price of all shared types.
/// Returns how many rows it flagged.
pub fn flag_peer_outliers(cat: &mut Catalog, peer: &Catalog) -> usize {
    let peer_price: BTreeMap<&str, f64> =
        peer.entries.iter().map(|e| (e.name.as_str(), e.on_demand.usd_per_hour)).collect();
    let rel: Vec<f64> = cat
        .entries
        .iter()
        .filter_map(|e| peer_price.get(e.name.as_str()).map(|p| e.on_demand.usd_per_hour / p))
        .collect();
    if rel.len() < MIN_GROUP {
        return 0;
    }
    let m = median(rel);
    let peer_region = peer.regions().first().map(|r| r.to_string()).unwrap_or_default();
    let mut flagged = 0;
    for e in &mut cat.entries {
        let Some(&p) = peer_price.get(e.name.as_str()) else { continue };
        let r = e.on_demand.usd_per_hour / p;
        if off(r / m) {
            e.flags.push(format!(
                "peer-region: on-demand {} $/h is {:.2}× {peer_region}'s {} $/h while the median {}/{peer_region} ratio is {:.2}; \
                 check the snapshot before trusting this row",
                e.on_demand.usd_per_hour, r, p, e.region, m
            ));
            flagged += 1;
        }
    }
    flagged
}

/// One bundled catalog the generator wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundled {
    pub name: String,
    pub report: BuildReport,
}

/// The Azure regions, AWS region and GCP regions bundled with capsim.
pub const AZURE_REGIONS: [&str; 2] = ["germanywestcentral", "westeurope"];
pub const GCP_REGIONS: [&str; 2] = ["europe-west3", "us-central1"];

/// Builds every bundled catalog from the snapshots under `prices` (the `datasets/prices` folder)
/// and writes them as `<cloud>-<region>.csv` under `out`. The two Azure regions are each other's
/// peer for the price check.
pub fn build_bundled(prices: &Path, out: &Path) -> Result<Vec<Bundled>> {
    let mut written = Vec::new();
    let mut azure = Vec::new();
    for region in AZURE_REGIONS {
        azure.push(build_azure(&prices.join(AZURE_ONDEMAND), &prices.join(AZURE_SPECS), region)?);
    }
    let (a, b) = azure.split_at_mut(1);
    let (peer_a, peer_b) = (a[0].0.clone(), b[0].0.clone());
    flag_peer_outliers(&mut a[0].0, &peer_b);
    flag_peer_outliers(&mut b[0].0, &peer_a);
    let mut all: Vec<(String, Catalog, BuildReport)> = Vec::new();
    for (region, (cat, report)) in AZURE_REGIONS.iter().zip(azure) {
        all.push((format!("azure-{region}"), cat, report));
    }
    let (cat, report) = build_aws(&prices.join(AWS_ONDEMAND), &prices.join(AWS_SPECS))?;
    all.push(("aws-us-east-1".into(), cat, report));
    for (region, (cat, report)) in GCP_REGIONS.iter().zip(build_gcp(&prices.join(GCP_PRICES), &GCP_REGIONS)?) {
        all.push((format!("gcp-{region}"), cat, report));
    }
    for (name, cat, mut report) in all {
        report.flagged = cat.flagged().count();
        report.rows = cat.len();
        cat.write(&out.join(format!("{name}.csv")))?;
        written.push(Bundled { name, report });
    }
    Ok(written)
}
