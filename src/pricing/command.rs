//! `capsim catalog list|show|import`. Each command returns its text; `cli` prints it.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Subcommand;

use super::catalog::{Catalog, CatalogEntry, Price};
use crate::error::{Error, Result};

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// List the bundled instance catalogs (datasets/catalogs/).
    List,
    /// Show a catalog's prices: type, vCPU, GiB, on-demand, spot, 1y/3y RI, 1y/3y SP, sources, flags.
    Show {
        /// A bundled catalog's name (see `capsim catalog list`) or a catalog CSV file.
        catalog: String,
        /// Only types matching this pattern (`*` and `?` wildcards; without them, a substring),
        /// case-insensitive.
        #[arg(long = "type")]
        type_pattern: Option<String>,
    },
    /// Merge an Azure Retail Prices API export (JSON) into a catalog; real prices replace derived ones.
    Import {
        /// The API's JSON: one page, an array of pages, or an array of items.
        file: PathBuf,
        /// The armRegionName to import, e.g. westeurope.
        #[arg(long)]
        region: String,
        /// Catalog to update (bundled name or CSV file); without it only the exported types are written.
        #[arg(long)]
        base: Option<String>,
        /// Specs table to join new types with (default: the bundled datasets/prices/azure/azure_vm_specs.csv).
        #[arg(long)]
        specs: Option<PathBuf>,
        /// Output catalog CSV.
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// Runs a catalog command and returns what to print.
pub fn run(command: CatalogCommand) -> Result<String> {
    match command {
        CatalogCommand::List => list(),
        CatalogCommand::Show { catalog, type_pattern } => {
            let path = super::resolve(&catalog)?;
            let cat = Catalog::read(&path)?;
            Ok(show(&cat, &path.display().to_string(), type_pattern.as_deref()))
        }
        CatalogCommand::Import { file, region, base, specs, out } => {
            let specs_path = specs.unwrap_or_else(super::bundled_azure_specs);
            let specs = super::derive::read_azure_specs(&specs_path)?;
            let base = base.as_deref().map(super::load).transpose()?;
            let (cat, report) = super::azure_retail::import_file(&file, &region, &specs, base.as_ref())?;
            if cat.is_empty() {
                return Err(Error::new(format!("no Linux VM prices for region {region:?}")).in_file(&file).fix(
                    "check --region (the items' armRegionName) and that the export holds Virtual Machines prices",
                ));
            }
            cat.write(&out)?;
            let mut s = String::new();
            let _ = writeln!(
                s,
                "read {} items: used {}, {} types updated, {} added",
                report.items, report.used, report.types_updated, report.types_added
            );
            for (why, n) in &report.skipped {
                let _ = writeln!(s, "  skipped {n:>5}  {why}");
            }
            if !report.missing_specs.is_empty() {
                let _ = writeln!(s, "  left out (no specs): {}", report.missing_specs.join(", "));
            }
            if !report.missing_on_demand.is_empty() {
                let _ = writeln!(s, "  left out (no on-demand price): {}", report.missing_on_demand.join(", "));
            }
            let _ = writeln!(s, "wrote {} ({} rows, {} flagged)", out.display(), cat.len(), cat.flagged().count());
            Ok(s)
        }
    }
}

fn list() -> Result<String> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<26} {:<8} {:<20} {:>6} {:>8} {:>8} {:>8}  file",
        "name", "cloud", "region", "rows", "real", "derived", "flagged"
    );
    for (name, path) in super::list_bundled()? {
        let cat = Catalog::read(&path)?;
        let (real, derived) = count_sources(&cat);
        let first = cat.entries.first();
        let _ = writeln!(
            s,
            "{:<26} {:<8} {:<20} {:>6} {:>8} {:>8} {:>8}  {}",
            name,
            first.map(|e| e.provider.as_str()).unwrap_or("-"),
            cat.regions().join(","),
            cat.len(),
            real,
            derived,
            cat.flagged().count(),
            path.display()
        );
    }
    let _ =
        writeln!(s, "real/derived count prices (on-demand, spot, 1y/3y RI, 1y/3y SP); see datasets/catalogs/README.md");
    Ok(s)
}

fn count_sources(cat: &Catalog) -> (usize, usize) {
    let mut real = 0;
    let mut derived = 0;
    for e in &cat.entries {
        for (_, p) in e.offerings() {
            match p {
                Some(p) if p.source.is_real() => real += 1,
                Some(_) => derived += 1,
                None => {}
            }
        }
    }
    (real, derived)
}

/// Case-insensitive match: `*`/`?` wildcards, or a substring when the pattern has none.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    if !p.iter().any(|c| *c == '*' || *c == '?') {
        return name.to_lowercase().contains(&pattern.to_lowercase());
    }
    // Iterative glob with backtracking to the last `*`.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn cell(p: Option<&Price>) -> String {
    p.map(|p| format!("{:.4}", p.usd_per_hour)).unwrap_or_else(|| "-".into())
}

/// Source letters in column order (on-demand, spot, RI 1y, RI 3y, SP 1y, SP 3y): `R` real,
/// `d` derived, `-` none; `!` when the row is flagged.
pub fn source_letters(e: &CatalogEntry) -> String {
    let mut s: String = e
        .offerings()
        .iter()
        .map(|(_, p)| match p {
            Some(p) if p.source.is_real() => 'R',
            Some(_) => 'd',
            None => '-',
        })
        .collect();
    if !e.flags.is_empty() {
        s.push('!');
    }
    s
}

/// The `catalog show` table.
pub fn show(cat: &Catalog, label: &str, pattern: Option<&str>) -> String {
    let rows: Vec<&CatalogEntry> =
        cat.entries.iter().filter(|e| pattern.is_none_or(|p| matches_pattern(p, &e.name))).collect();
    let mut s = String::new();
    let (real, derived) = count_sources(cat);
    let _ = writeln!(
        s,
        "{label}: {} rows in {}, {real} real and {derived} derived prices, {} flagged",
        cat.len(),
        cat.regions().join(","),
        cat.flagged().count()
    );
    if let Some(p) = pattern {
        let _ = writeln!(s, "{} rows match {p:?}", rows.len());
    }
    let _ = writeln!(
        s,
        "{:<28} {:>5} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  sources",
        "type", "vCPU", "GiB", "on-demand", "spot", "RI 1y", "RI 3y", "SP 1y", "SP 3y"
    );
    for e in &rows {
        let _ = writeln!(
            s,
            "{:<28} {:>5} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  {}",
            e.name,
            e.vcpu,
            format!("{}", e.memory_gib),
            cell(Some(&e.on_demand)),
            cell(e.spot.as_ref()),
            cell(e.reservation_1y.as_ref()),
            cell(e.reservation_3y.as_ref()),
            cell(e.savings_plan_1y.as_ref()),
            cell(e.savings_plan_3y.as_ref()),
            source_letters(e)
        );
    }
    let _ = writeln!(
        s,
        "prices in USD per hour; sources per price (on-demand, spot, RI 1y, RI 3y, SP 1y, SP 3y): R real, d derived, - none; ! flagged"
    );
    let flagged: Vec<&&CatalogEntry> = rows.iter().filter(|e| !e.flags.is_empty()).collect();
    if !flagged.is_empty() {
        let _ = writeln!(s, "\nflagged rows ({}): suspect prices, check before trusting them", flagged.len());
        for e in flagged {
            for f in &e.flags {
                let _ = writeln!(s, "  {} ({}): {f}", e.name, e.region);
            }
        }
    }
    let derived_rules: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for e in &rows {
            for (what, p) in e.offerings() {
                if let Some(p) = p
                    && p.source.is_derived()
                {
                    let line = format!("{what}: {}", p.source);
                    if !v.contains(&line) {
                        v.push(line);
                    }
                }
            }
        }
        v
    };
    if !derived_rules.is_empty() {
        let _ = writeln!(s, "\nderived prices:");
        for l in derived_rules.iter().take(12) {
            let _ = writeln!(s, "  {l}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(!matches_pattern("D*s_v5", "Standard_D8s_v5"));
        assert!(matches_pattern("*D*s_v5", "Standard_D8s_v5"));
        assert!(matches_pattern("standard_d?s_v5", "Standard_D8s_v5"));
        assert!(matches_pattern("d8s", "Standard_D8s_v5"));
        assert!(!matches_pattern("*E8*", "Standard_D8s_v5"));
    }
}
