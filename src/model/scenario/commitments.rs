//! The scenario's `commitments:` section: reservations and savings plans already bought,
//! validated against the scenario's catalog (the type exists and has an offer for the term).

use super::Ctx;
use super::schema::{CommitmentsSpec, Text};
use crate::commit::Term;
use crate::error::{Error, Result};
use crate::pricing::Catalog;
use crate::trace::EpochMillis;

/// What an existing commitment is.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitmentKind {
    /// `count` reservations of `instance_type` (size-flexible within its group by ratio);
    /// `flex_group` when the scenario named the group rather than the type.
    Reservation { instance_type: String, flex_group: Option<String>, count: u32 },
    /// A savings plan of `usd_per_hour` dollars per hour.
    SavingsPlan { usd_per_hour: f64 },
}

/// A reservation or savings plan already bought, active from `start` for its term.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingCommitment {
    /// Unique within the scenario (default `reservation-1`, `savings-plan-1`, …).
    pub name: String,
    pub kind: CommitmentKind,
    pub term: Term,
    /// Start of the term; `None`: bought before the run, active all of it.
    pub start: Option<EpochMillis>,
}

impl ExistingCommitment {
    /// Is the commitment in force during the hour starting at `hour_start`?
    pub fn active_at(&self, hour_start: EpochMillis) -> bool {
        match self.start {
            None => true,
            Some(s) => hour_start >= s && hour_start < s + (self.term.hours() as i64) * 3_600_000,
        }
    }
}

fn term(ctx: &Ctx<'_>, t: &Text, field: &str) -> Result<Term> {
    match t.value.trim() {
        "1y" | "1yr" | "P1Y" => Ok(Term::OneYear),
        "3y" | "3yr" | "P3Y" => Ok(Term::ThreeYear),
        other => {
            Err(ctx.span_err(Error::new(format!("{other:?} is not a commitment term")).fix("write 1y or 3y"), t, field))
        }
    }
}

fn start(ctx: &Ctx<'_>, t: &Option<Text>, field: &str) -> Result<Option<EpochMillis>> {
    let Some(t) = t else { return Ok(None) };
    t.value.parse::<jiff::Timestamp>().map(|ts| Some(ts.as_millisecond())).map_err(|e| {
        ctx.span_err(
            Error::new(format!("invalid start {:?}: {e}", t.value))
                .fix("write an RFC 3339 time, e.g. 2026-01-01T00:00:00Z, or leave start out"),
            t,
            field,
        )
    })
}

/// The group's smallest size (then name) with a reservation offer for `term`.
fn group_sku(catalog: &Catalog, region: Option<&str>, group: &str, term: Term) -> Option<String> {
    catalog
        .entries
        .iter()
        .filter(|e| e.flex_group == group && region.is_none_or(|r| e.region == r))
        .filter(|e| reservation_rate(e, term).is_some())
        .min_by(|a, b| a.flex_ratio.total_cmp(&b.flex_ratio).then(a.name.cmp(&b.name)))
        .map(|e| e.name.clone())
}

fn reservation_rate(e: &crate::pricing::CatalogEntry, term: Term) -> Option<f64> {
    match term {
        Term::OneYear => e.reservation_1y.as_ref().map(|p| p.usd_per_hour),
        Term::ThreeYear => e.reservation_3y.as_ref().map(|p| p.usd_per_hour),
    }
}

/// Validates the section; needs the catalog when anything is listed.
pub(super) fn validate(
    ctx: &Ctx<'_>,
    spec: &CommitmentsSpec,
    catalog: Option<&Catalog>,
    catalog_name: Option<&str>,
    region: Option<&str>,
) -> Result<Vec<ExistingCommitment>> {
    if spec.reservations.is_empty() && spec.savings_plans.is_empty() {
        return Ok(Vec::new());
    }
    let catalog = catalog.ok_or_else(|| {
        ctx.field_err(
            "commitments",
            "commitments need prices, and the scenario names no catalog",
            "set `catalog: azure-germanywestcentral` (see `capsim catalog list`)",
        )
    })?;
    let cat = catalog_name.unwrap_or("the catalog");
    let mut out: Vec<ExistingCommitment> = Vec::new();
    for (i, r) in spec.reservations.iter().enumerate() {
        let field = format!("commitments.reservations[{i}]");
        let term = term(ctx, &r.term, &format!("{field}.term"))?;
        if r.count == 0 {
            return Err(ctx.field_err(&format!("{field}.count"), "count is 0", "write how many were bought, ≥ 1"));
        }
        let (instance_type, flex_group) = match (&r.instance_type, &r.flex_group) {
            (Some(t), None) => {
                let entry = catalog.entries.iter().find(|e| &e.name == t && region.is_none_or(|rg| e.region == rg));
                let entry = entry.ok_or_else(|| {
                    ctx.field_err(
                        &format!("{field}.instance_type"),
                        format!("{t:?} is not in catalog {cat}"),
                        "check the name with `capsim catalog show <catalog> --type <pattern>`",
                    )
                })?;
                if reservation_rate(entry, term).is_none() {
                    return Err(ctx.field_err(
                        &format!("{field}.term"),
                        format!("catalog {cat} has no {} reservation price for {t:?}", term_label(term)),
                        "choose the other term, or add the price to the catalog",
                    ));
                }
                (t.clone(), None)
            }
            (None, Some(g)) => {
                let sku = group_sku(catalog, region, g, term).ok_or_else(|| {
                    ctx.field_err(
                        &format!("{field}.flex_group"),
                        format!(
                            "no size of flex group {g:?} in catalog {cat} has a {} reservation price",
                            term_label(term)
                        ),
                        "use a flex_group value from the catalog's flex_group column, or name an instance_type",
                    )
                })?;
                (sku, Some(g.clone()))
            }
            _ => {
                return Err(ctx.field_err(
                    &field,
                    "a reservation names exactly one of instance_type and flex_group",
                    "write `instance_type: Standard_D8s_v5` or `flex_group: <group from the catalog>`",
                ));
            }
        };
        out.push(ExistingCommitment {
            name: r.name.clone().unwrap_or_else(|| format!("reservation-{}", i + 1)),
            kind: CommitmentKind::Reservation { instance_type, flex_group, count: r.count },
            term,
            start: start(ctx, &r.start, &format!("{field}.start"))?,
        });
    }
    for (i, p) in spec.savings_plans.iter().enumerate() {
        let field = format!("commitments.savings_plans[{i}]");
        if !(p.usd_per_hour.is_finite() && p.usd_per_hour > 0.0) {
            return Err(ctx.field_err(
                &format!("{field}.usd_per_hour"),
                format!("{} is not a positive number of dollars per hour", p.usd_per_hour),
                "write the hourly commitment, e.g. 2.5",
            ));
        }
        out.push(ExistingCommitment {
            name: p.name.clone().unwrap_or_else(|| format!("savings-plan-{}", i + 1)),
            kind: CommitmentKind::SavingsPlan { usd_per_hour: p.usd_per_hour },
            term: term(ctx, &p.term, &format!("{field}.term"))?,
            start: start(ctx, &p.start, &format!("{field}.start"))?,
        });
    }
    for (i, c) in out.iter().enumerate() {
        let bad = |n: &str| n.is_empty() || !n.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
        if bad(&c.name) || out[..i].iter().any(|o| o.name == c.name) {
            return Err(ctx.field_err(
                "commitments",
                format!(
                    "commitment name {:?} is empty, repeated or has characters other than letters, digits, -, _ and .",
                    c.name
                ),
                "give each commitment a unique name such as ri-d8s-2026",
            ));
        }
    }
    Ok(out)
}

fn term_label(t: Term) -> &'static str {
    match t {
        Term::OneYear => "1-year",
        Term::ThreeYear => "3-year",
    }
}
