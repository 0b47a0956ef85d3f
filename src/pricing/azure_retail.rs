//! Import of Azure Retail Prices API exports (`https://prices.azure.com/api/retail/prices`),
//! so real reservation, savings-plan and spot prices replace derived ones.
//!
//! Accepted JSON: one page object (`{"Items": [...], "NextPageLink": ...}`), an array of such
//! pages (pages saved one after another), or a bare array of items. What each item becomes:
//! * `serviceName` other than "Virtual Machines", another `armRegionName`, a `productName` ending
//!   in "Windows", `type` "DevTestConsumption", "Low Priority" meters and non-primary meter regions
//!   are skipped (counted in [`ImportReport::skipped`]);
//! * `type` "Consumption" whose `meterName`/`skuName` ends in " Spot" → spot $/h;
//! * other "Consumption" → on-demand $/h, and each `savingsPlan` entry (`term` "1 Year"/"3 Years",
//!   `retailPrice` per hour) → savings-plan $/h;
//! * `type` "Reservation": `retailPrice` is the whole term's total although `unitOfMeasure` says
//!   "1 Hour" (SOURCES.md), so the effective $/h is total ÷ 8760 h (1 Year) or ÷ 26280 h (3 Years).
//!
//! Several items for one price (e.g. older `effectiveStartDate`s) keep the newest.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::catalog::{Catalog, CatalogEntry, Price};
use super::derive::{self, AZURE_RULES, HOURS_1Y, HOURS_3Y, Spec};
use crate::error::{Error, Result};

/// One price item as the API returns it (fields we use).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetailItem {
    #[serde(default)]
    pub currency_code: Option<String>,
    pub retail_price: f64,
    #[serde(default)]
    pub arm_region_name: String,
    #[serde(default)]
    pub meter_name: String,
    #[serde(default)]
    pub product_name: String,
    #[serde(default)]
    pub sku_name: String,
    #[serde(default)]
    pub service_name: String,
    #[serde(default)]
    pub unit_of_measure: String,
    /// Consumption, Reservation or DevTestConsumption (`priceType` in some tools' copies).
    #[serde(rename = "type", alias = "priceType", default)]
    pub kind: String,
    #[serde(default)]
    pub reservation_term: Option<String>,
    #[serde(default)]
    pub is_primary_meter_region: Option<bool>,
    #[serde(default)]
    pub arm_sku_name: String,
    #[serde(default)]
    pub effective_start_date: Option<String>,
    #[serde(default)]
    pub savings_plan: Vec<SavingsPlanRate>,
}

/// A `savingsPlan` entry of a Consumption item: $ per hour for a term.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavingsPlanRate {
    #[serde(default)]
    pub unit_price: Option<f64>,
    #[serde(default)]
    pub retail_price: Option<f64>,
    pub term: String,
}

/// What an import used and why it skipped the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub items: usize,
    pub used: usize,
    /// Reason → number of items.
    pub skipped: BTreeMap<String, usize>,
    /// Instance types whose prices went into the catalog.
    pub types_updated: usize,
    pub types_added: usize,
    /// Types with prices but no specs row (and no base row), left out.
    pub missing_specs: Vec<String>,
    /// Types with commitment or spot prices but no on-demand price and no base row, left out.
    pub missing_on_demand: Vec<String>,
}

impl ImportReport {
    fn skip(&mut self, why: &str) {
        *self.skipped.entry(why.to_string()).or_default() += 1;
    }
}

/// Reads the items of an API export (see the module doc for the accepted shapes).
pub fn parse_items(text: &str) -> Result<Vec<RetailItem>> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::new(format!("not JSON: {e}"))
            .at_line(e.line() as u64, Some(e.column() as u64))
            .fix("save the API's response body as it is")
    })?;
    let fix = "expected the API's page object with `Items`, an array of pages, or an array of items";
    let mut raw = Vec::new();
    let mut take_page = |page: &serde_json::Value, path: String| -> Result<()> {
        match page.get("Items") {
            Some(serde_json::Value::Array(items)) => {
                raw.extend(items.iter().enumerate().map(|(i, it)| (format!("{path}Items[{i}]"), it.clone())));
                Ok(())
            }
            Some(_) => Err(Error::new("`Items` is not an array").at_field(format!("{path}Items")).fix(fix)),
            None if page.get("retailPrice").is_some() => {
                raw.push((path.trim_end_matches('.').to_string(), page.clone()));
                Ok(())
            }
            None => {
                Err(Error::new("no `Items`").at_field(if path.is_empty() { "(top)".into() } else { path }).fix(fix))
            }
        }
    };
    match &value {
        serde_json::Value::Array(pages) => {
            for (i, p) in pages.iter().enumerate() {
                take_page(p, format!("[{i}]."))?;
            }
        }
        serde_json::Value::Object(_) => take_page(&value, String::new())?,
        _ => return Err(Error::new("the top level is neither an object nor an array").fix(fix)),
    }
    raw.into_iter()
        .map(|(path, v)| {
            serde_json::from_value::<RetailItem>(v).map_err(|e| {
                Error::new(format!("not a price item: {e}"))
                    .at_field(path)
                    .fix("each item needs a numeric `retailPrice`; save the API's response as it is")
            })
        })
        .collect()
}

/// Real prices found for one SKU, each with its effective start date (newest wins).
#[derive(Debug, Default)]
struct Found {
    on_demand: Option<(String, Price)>,
    spot: Option<(String, Price)>,
    ri_1y: Option<(String, Price)>,
    ri_3y: Option<(String, Price)>,
    sp_1y: Option<(String, Price)>,
    sp_3y: Option<(String, Price)>,
}

fn keep_newest(slot: &mut Option<(String, Price)>, date: &str, price: Price) {
    if slot.as_ref().is_none_or(|(d, _)| date >= d.as_str()) {
        *slot = Some((date.to_string(), price));
    }
}

fn is_spot(item: &RetailItem) -> bool {
    item.meter_name.ends_with(" Spot") || item.sku_name.ends_with(" Spot")
}

fn collect(
    items: &[RetailItem],
    region: &str,
    label: &str,
    report: &mut ImportReport,
) -> Result<BTreeMap<String, Found>> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for item in items {
        report.items += 1;
        if item.service_name != "Virtual Machines" {
            report.skip("not Virtual Machines");
            continue;
        }
        if item.arm_region_name != region {
            report.skip("other region");
            continue;
        }
        if item.product_name.trim_end().ends_with("Windows") {
            report.skip("Windows");
            continue;
        }
        if item.kind == "DevTestConsumption" {
            report.skip("DevTestConsumption");
            continue;
        }
        if item.meter_name.contains("Low Priority") || item.sku_name.contains("Low Priority") {
            report.skip("Low Priority");
            continue;
        }
        if item.is_primary_meter_region == Some(false) {
            report.skip("non-primary meter region");
            continue;
        }
        if item.arm_sku_name.is_empty() {
            report.skip("no armSkuName");
            continue;
        }
        if let Some(c) = &item.currency_code
            && c != "USD"
        {
            return Err(Error::new(format!("prices in {c}, capsim catalogs are in USD"))
                .at_field(format!("Items[{}].currencyCode", report.items - 1))
                .fix("query the API without currencyCode (USD is its default)"));
        }
        if !(item.retail_price.is_finite() && item.retail_price > 0.0) {
            report.skip("zero or negative price");
            continue;
        }
        let date = item.effective_start_date.clone().unwrap_or_default();
        let f = found.entry(item.arm_sku_name.clone()).or_default();
        match item.kind.as_str() {
            "Consumption" if !item.unit_of_measure.contains("Hour") => {
                report.skip("unit not per hour");
                continue;
            }
            "Consumption" if is_spot(item) => {
                keep_newest(&mut f.spot, &date, Price::real(item.retail_price, label));
            }
            "Consumption" => {
                keep_newest(&mut f.on_demand, &date, Price::real(item.retail_price, label));
                for sp in &item.savings_plan {
                    let Some(rate) = sp.retail_price.or(sp.unit_price).filter(|r| r.is_finite() && *r > 0.0) else {
                        continue;
                    };
                    let what = format!("{label}, savingsPlan {}", sp.term);
                    match sp.term.as_str() {
                        "1 Year" => keep_newest(&mut f.sp_1y, &date, Price::real(rate, what)),
                        "3 Years" | "3 Year" => keep_newest(&mut f.sp_3y, &date, Price::real(rate, what)),
                        _ => {}
                    }
                }
            }
            "Reservation" => {
                let term = item.reservation_term.as_deref().unwrap_or("");
                let (slot, hours) = match term {
                    "1 Year" => (&mut f.ri_1y, HOURS_1Y),
                    "3 Years" | "3 Year" => (&mut f.ri_3y, HOURS_3Y),
                    _ => {
                        report.skip("reservation term other than 1 or 3 years");
                        continue;
                    }
                };
                let what = format!("{label}, {} $ per {term} ÷ {hours} h", item.retail_price);
                keep_newest(slot, &date, Price::real(item.retail_price / hours, what));
            }
            _ => {
                report.skip("other price type");
                continue;
            }
        }
        report.used += 1;
    }
    Ok(found)
}

/// Merges the real prices of an API export for `region` into a catalog.
///
/// With `base`, its rows for the region are updated: real prices replace derived ones, offers
/// still derived are re-derived from the new on-demand price ([`AZURE_RULES`]), and the row's old
/// flags (about the snapshot price) are dropped and the family check re-run. Types not in the base
/// are added from `specs` with only their real prices. Without `base`, the catalog holds only the
/// exported types and only real prices.
pub fn import(
    items: &[RetailItem],
    region: &str,
    label: &str,
    specs: &[Spec],
    base: Option<&Catalog>,
) -> Result<(Catalog, ImportReport)> {
    let mut report = ImportReport::default();
    let found = collect(items, region, label, &mut report)?;
    let flex = derive::azure_flex_table(specs);
    let by_name: BTreeMap<&str, &Spec> = specs.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut entries: Vec<CatalogEntry> = base.map(|b| b.entries.clone()).unwrap_or_default();
    for (sku, f) in found {
        let idx = entries.iter().position(|e| e.region == region && e.name == sku);
        let new_od = f.on_demand.map(|(_, p)| p);
        let mut e = match idx {
            Some(i) => entries[i].clone(),
            None => {
                let Some(spec) = by_name.get(sku.as_str()) else {
                    report.missing_specs.push(sku);
                    continue;
                };
                let Some(od) = new_od.clone() else {
                    report.missing_on_demand.push(sku);
                    continue;
                };
                let fl = &flex[&spec.name];
                CatalogEntry {
                    provider: "azure".into(),
                    region: region.to_string(),
                    name: sku.clone(),
                    vcpu: spec.vcpu.max(1),
                    memory_gib: spec.memory_gib,
                    arch: if spec.arch == "arm64" { "arm64".into() } else { "amd64".into() },
                    gpu: spec.gpu,
                    family: spec.family.clone(),
                    flex_group: fl.group.clone(),
                    flex_ratio: fl.ratio,
                    on_demand: od,
                    spot: None,
                    spot_eviction: None,
                    reservation_1y: None,
                    reservation_3y: None,
                    savings_plan_1y: None,
                    savings_plan_3y: None,
                    flags: Vec::new(),
                }
            }
        };
        if let Some(od) = new_od {
            e.on_demand = od;
            e.flags.clear();
        }
        let set = |slot: &mut Option<Price>, v: Option<(String, Price)>| {
            if let Some((_, p)) = v {
                *slot = Some(p);
            }
        };
        set(&mut e.spot, f.spot);
        set(&mut e.reservation_1y, f.ri_1y);
        set(&mut e.reservation_3y, f.ri_3y);
        set(&mut e.savings_plan_1y, f.sp_1y);
        set(&mut e.savings_plan_3y, f.sp_3y);
        if idx.is_some() {
            AZURE_RULES.apply_derived_only(&mut e);
        }
        match idx {
            Some(i) => {
                entries[i] = e;
                report.types_updated += 1;
            }
            None => {
                entries.push(e);
                report.types_added += 1;
            }
        }
    }
    for e in &mut entries {
        e.flags.retain(|f| !f.starts_with("family-median:"));
    }
    let mut cat = Catalog::new(entries);
    derive::flag_group_outliers(&mut cat);
    Ok((cat, report))
}

/// Reads an API export file and merges it (see [`import`]); the label names the file.
pub fn import_file(
    path: &Path,
    region: &str,
    specs: &[Spec],
    base: Option<&Catalog>,
) -> Result<(Catalog, ImportReport)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    let items = parse_items(&text).map_err(|e| e.in_file(path))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    import(&items, region, &format!("Azure Retail Prices API, {name}"), specs, base).map_err(|e| e.in_file(path))
}
