//! `capsim commit`'s outputs: a table for the terminal, `commitments.json`, `commitments.md`.

use std::fmt::Write as _;
use std::path::Path;

use super::write_file_atomically;
use crate::error::{Error, Result};
use crate::pricing::advise::{Candidate, CommitReport};

fn usd(x: f64) -> String {
    let neg = x < 0.0;
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg { format!("-${out}") } else { format!("${out}") }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1} %", v * 100.0))
}

fn months(x: Option<f64>) -> String {
    x.map_or("never".into(), |v| format!("{v:.1}"))
}

/// What to buy, in words: "12 × Standard_D2s_v5 (1y, standardDSv5Family/mem4) + $3.20/h plan (1y)".
pub fn purchase_words(c: &Candidate) -> String {
    let mut parts: Vec<String> = c
        .reservations
        .iter()
        .map(|r| {
            format!("{} × {} ({}, {} NU of {})", r.count, r.instance_type, r.term, r.normalized_units, r.flex_group)
        })
        .collect();
    if let (Some(sp), Some(term)) = (c.savings_plan_usd_per_hour, c.savings_plan_term) {
        parts.push(format!("${sp:.4}/h savings plan ({term})"));
    }
    if parts.is_empty() { "nothing".into() } else { parts.join(" + ") }
}

/// The terminal table.
pub fn table(r: &CommitReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} h of usage from {} future(s), catalog {}; nothing bought: {} over the history ({} per year)",
        r.hours,
        r.futures,
        r.catalog,
        usd(r.baseline_cost),
        usd(r.baseline_cost_per_year)
    );
    let _ = writeln!(
        out,
        "{:<36} {:>12} {:>12} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8} {:>14}",
        "candidate", "net savings", "per year", "util.", "cover.", "ESR", "waste", "break-even", "ROI", "worst future"
    );
    for (k, c) in r.candidates.iter().enumerate() {
        let m = &c.metrics;
        let _ = writeln!(
            out,
            "{:<36} {:>12} {:>12} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8} {:>14}",
            format!("{}{}", if k == r.recommended { "* " } else { "  " }, c.name),
            usd(m.net_savings),
            usd(c.net_savings_per_year),
            pct(m.utilization),
            pct(m.coverage),
            pct(m.effective_savings_rate),
            pct(m.waste),
            months(m.break_even_months),
            pct(m.roi),
            usd(c.worst_net_savings)
        );
    }
    let best = &r.candidates[r.recommended];
    let _ = writeln!(out, "recommended (*): {}", purchase_words(best));
    let _ = writeln!(
        out,
        "downside: the same purchase on {} (break-even months assume {:.0} % paid upfront)",
        best.downside.iter().map(|d| format!("{} → {}", d.future, usd(d.net_savings))).collect::<Vec<_>>().join("; "),
        r.upfront_fraction * 100.0
    );
    out
}

/// `commitments.md`.
pub fn markdown(r: &CommitReport) -> String {
    let mut out = String::from("# Commitment recommendation\n\n");
    let _ = writeln!(
        out,
        "Usage: {} hours from {} future(s) ({}), priced with catalog `{}`. Nothing bought costs {} over the history, {} per year.\n",
        r.hours,
        r.futures,
        r.inputs.join(", "),
        r.catalog,
        usd(r.baseline_cost),
        usd(r.baseline_cost_per_year)
    );
    let best = &r.candidates[r.recommended];
    let _ = writeln!(out, "**Recommended: {}** — {}.\n", best.name, purchase_words(best));
    out.push_str("| candidate | purchase | net savings | per year | utilization | coverage | ESR | waste | break-even (months) | ROI | worst future |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for c in &r.candidates {
        let m = &c.metrics;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.name,
            purchase_words(c),
            usd(m.net_savings),
            usd(c.net_savings_per_year),
            pct(m.utilization),
            pct(m.coverage),
            pct(m.effective_savings_rate),
            pct(m.waste),
            months(m.break_even_months),
            pct(m.roi),
            usd(c.worst_net_savings)
        );
    }
    let _ = writeln!(
        out,
        "\nDownside of the recommended purchase (re-priced unchanged on each future, and on all of them with usage × {}):\n",
        r.downside_scale
    );
    for d in &best.downside {
        let _ = writeln!(
            out,
            "- {}: net savings {}, utilization {}, waste {}",
            d.future,
            usd(d.net_savings),
            pct(d.utilization),
            pct(d.waste)
        );
    }
    let _ = writeln!(
        out,
        "\nDefinitions: utilization = used commitment / commitment cost; coverage = on-demand value covered / eligible on-demand cost; ESR = net savings / eligible on-demand cost; waste = unused / commitment cost; ROI = net savings / commitment cost; break-even = months until the upfront share ({:.0} %) is earned back.",
        r.upfront_fraction * 100.0
    );
    out
}

/// Writes `commitments.json` and `commitments.md` into `dir` (created if needed).
pub fn write_commitments(dir: &Path, r: &CommitReport) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e).fix("check that the output folder can be created"))?;
    let mut json = serde_json::to_string_pretty(r).map_err(|e| Error::new(format!("cannot encode: {e}")))?;
    json.push('\n');
    write_file_atomically(&dir.join("commitments.json"), json.as_bytes())?;
    write_file_atomically(&dir.join("commitments.md"), markdown(r).as_bytes())
}
