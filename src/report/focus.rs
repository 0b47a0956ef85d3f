//! `focus.csv`: the run's bill as FOCUS 1.2 cost and usage rows (FINOPS.md §4).
//!
//! One row per node, hour and way of pricing (a node-hour partly covered by a reservation is split
//! into a covered row and an on-demand row, as the spec's discount handling asks), plus per
//! commitment and hour one `Purchase` row (commitments are billed hourly, no upfront) and, when
//! not all of it was used, one `Unused` row. Per node rather than per instance type because FOCUS
//! rows describe charges to resources (`ResourceId`), which is how providers' exports look and
//! what FinOps tools group by. Nulls are empty cells; date-times are `YYYY-MM-DDTHH:mm:ssZ`;
//! amounts and quantities have 10 decimals, unit prices are the catalog's own numbers.
//!
//! Declared applicability criteria: [`CRITERIA`]. Columns not defined by FOCUS start with `x_`.
//! The writer only formats [`Billing`] lines; every amount comes from `pricing::billing`.

use serde_json::json;

use crate::model::{CommitmentKind, Scenario};
use crate::pricing::billing::{Billing, LineKind, term_code};

/// The FOCUS 1.2 applicability criteria capsim's export supports (the conformance tests
/// evaluate every rule these switch on).
pub const CRITERIA: [&str; 12] = [
    "ACCOUNT_NAMING_SUPPORTED",
    "AVAILABILITY_ZONE_SUPPORTED",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
    "COMMITMENT_DISCOUNT_SUPPORTED",
    "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "REGION_SUPPORTED",
    "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "TAGGING_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
];

/// The header: FOCUS columns in alphabetical order, then capsim's `x_` columns.
pub const COLUMNS: [&str; 53] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_ScenarioName",
    "x_NodePool",
    "x_CapacityType",
    "x_FlexGroup",
    "x_FlexRatio",
];

/// Names that identify the simulated account.
#[derive(Debug, Clone)]
pub struct FocusContext {
    pub scenario: String,
}

impl FocusContext {
    pub fn of(scenario: &Scenario) -> Self {
        FocusContext { scenario: scenario.name.clone() }
    }
}

const HOUR_MS: i64 = 3_600_000;

fn provider_name(provider: &str) -> &str {
    match provider {
        "azure" => "Microsoft",
        "aws" => "AWS",
        "gcp" => "Google Cloud",
        other => other,
    }
}

fn amount(x: f64) -> String {
    // Never "-0.0000000000": a zero is a zero.
    if x == 0.0 { "0.0000000000".into() } else { format!("{x:.10}") }
}

/// Start and end of the calendar month (UTC) containing `ms`.
fn billing_period(ms: i64) -> (String, String) {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return (crate::report::rfc3339(ms), crate::report::rfc3339(ms + HOUR_MS));
    };
    let year: i32 = ts.strftime("%Y").to_string().parse().unwrap_or(1970);
    let month: u32 = ts.strftime("%m").to_string().parse().unwrap_or(1);
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    (format!("{year:04}-{month:02}-01T00:00:00Z"), format!("{ny:04}-{nm:02}-01T00:00:00Z"))
}

/// One row, by column name; unset columns are null (empty).
struct Row(Vec<String>);

impl Row {
    fn new() -> Self {
        Row(vec![String::new(); COLUMNS.len()])
    }
    fn set(&mut self, column: &str, value: impl Into<String>) {
        let i = COLUMNS.iter().position(|c| *c == column).expect("a known column");
        self.0[i] = value.into();
    }
}

/// The FOCUS CSV text of a run's bill.
pub fn to_csv(b: &Billing, ctx: &FocusContext) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    let provider = provider_name(&b.provider).to_string();
    let account = format!("capsim-{}", ctx.scenario);
    let commitment_id = |k: usize| format!("capsim/{}/commitments/{}", ctx.scenario, b.commitments[k].spec.name);
    let common = |row: &mut Row, hour: usize| {
        let start = b.hour_start(hour);
        let (ps, pe) = billing_period(start);
        row.set("BillingAccountId", account.clone());
        row.set("BillingAccountName", format!("capsim simulation {}", ctx.scenario));
        row.set("BillingCurrency", "USD");
        row.set("BillingPeriodStart", ps);
        row.set("BillingPeriodEnd", pe);
        row.set("ChargePeriodStart", crate::report::rfc3339(start));
        row.set("ChargePeriodEnd", crate::report::rfc3339(start + HOUR_MS));
        row.set("InvoiceIssuerName", provider.clone());
        row.set("ProviderName", provider.clone());
        row.set("PublisherName", provider.clone());
        row.set("RegionId", b.region.clone());
        row.set("RegionName", b.region.clone());
        row.set("ServiceCategory", "Compute");
        row.set("ServiceName", "Virtual Machines");
        row.set("ServiceSubcategory", "Virtual Machines");
        row.set("SubAccountId", account.clone());
        row.set("SubAccountName", ctx.scenario.clone());
        row.set("x_ScenarioName", ctx.scenario.clone());
    };
    let sku_details = |sku: usize| {
        let t = &b.types[sku];
        json!({"InstanceSizeFlexibilityGroup": t.group, "InstanceSizeFlexibilityRatio": t.ratio}).to_string()
    };
    let commitment_cols = |row: &mut Row, k: usize| {
        let c = &b.commitments[k];
        let (category, kind, unit) = if c.is_reservation() {
            ("Usage", "Reservation", "Normalized Hours")
        } else {
            ("Spend", "Savings Plan", "USD")
        };
        row.set("CommitmentDiscountCategory", category);
        row.set("CommitmentDiscountId", commitment_id(k));
        row.set("CommitmentDiscountName", c.spec.name.clone());
        row.set("CommitmentDiscountType", kind);
        row.set("CommitmentDiscountUnit", unit);
    };
    let (mut at, mut cat) = (0, 0);
    for h in 0..b.history.len() {
        // Usage, node by node.
        while at < b.lines.len() && b.lines[at].hour == h {
            let l = &b.lines[at];
            at += 1;
            let node = &b.nodes[l.node];
            let ty = &b.types[l.sku];
            let mut row = Row::new();
            common(&mut row, h);
            let (pricing, billed, offer) = match l.kind {
                LineKind::OnDemand => ("Standard", l.effective_cost, "on-demand".to_string()),
                LineKind::Spot => ("Dynamic", l.effective_cost, "spot".to_string()),
                LineKind::Reservation | LineKind::SavingsPlan => ("Committed", 0.0, "on-demand".to_string()),
            };
            if let Some(k) = l.commitment {
                commitment_cols(&mut row, k);
                row.set("CommitmentDiscountStatus", "Used");
                row.set("CommitmentDiscountQuantity", amount(l.commitment_units));
            }
            row.set("AvailabilityZone", node.zone.clone().unwrap_or_default());
            row.set("BilledCost", amount(billed));
            row.set("ChargeCategory", "Usage");
            row.set("ChargeFrequency", "Usage-Based");
            row.set(
                "ChargeDescription",
                format!("{} node {} ({}), {}", ty.name, node.name, node.capacity_type, describe(l.kind)),
            );
            row.set("ConsumedQuantity", amount(l.instance_hours));
            row.set("ConsumedUnit", "Hours");
            row.set("PricingQuantity", amount(l.instance_hours));
            row.set("PricingUnit", "Hours");
            row.set("ListUnitPrice", format!("{}", ty.on_demand));
            row.set("ContractedUnitPrice", format!("{}", ty.on_demand));
            row.set("ListCost", amount(l.list_cost));
            row.set("ContractedCost", amount(l.list_cost));
            row.set("EffectiveCost", amount(l.effective_cost));
            row.set("PricingCategory", pricing);
            row.set("ResourceId", format!("capsim/{}/nodes/{}", ctx.scenario, node.name));
            row.set("ResourceName", node.name.clone());
            row.set("ResourceType", "Virtual Machine");
            row.set("SkuId", ty.name.clone());
            row.set("SkuMeter", "Virtual Machine Hours");
            row.set("SkuPriceDetails", sku_details(l.sku));
            row.set("SkuPriceId", format!("{}/{offer}", ty.name));
            row.set("Tags", json!({"capsim-nodepool": node.pool}).to_string());
            row.set("x_NodePool", node.pool.clone());
            row.set("x_CapacityType", node.capacity_type.clone());
            row.set("x_FlexGroup", ty.group.clone());
            row.set("x_FlexRatio", format!("{}", ty.ratio));
            let _ = w.write_record(&row.0);
        }
        // Commitments: the hour's purchase, and what of it went unused.
        let first = cat;
        while cat < b.commitment_hours.len() && b.commitment_hours[cat].hour == h {
            cat += 1;
        }
        for ch in &b.commitment_hours[first..cat] {
            let k = ch.commitment;
            let c = &b.commitments[k];
            // A reservation is priced per instance-hour of its type, a plan per hour of commitment.
            let (sku, price_id, unit_price, qty_per_unit) = match (&c.spec.kind, c.sku) {
                (CommitmentKind::Reservation { .. }, Some(sku)) => {
                    let t = &b.types[sku];
                    (
                        t.name.clone(),
                        format!("{}/reservation-{}", t.name, term_code(c.spec.term)),
                        c.hourly_cost / c.hourly_units * t.ratio,
                        t.ratio,
                    )
                }
                _ => (
                    "savings-plan-compute".to_string(),
                    format!("savings-plan-compute/{}", term_code(c.spec.term)),
                    c.hourly_cost,
                    c.hourly_units,
                ),
            };
            let mut purchase = Row::new();
            common(&mut purchase, h);
            commitment_cols(&mut purchase, k);
            let quantity = ch.units / qty_per_unit;
            purchase.set("BilledCost", amount(ch.cost));
            purchase.set("EffectiveCost", amount(0.0));
            purchase.set("ListCost", amount(ch.cost));
            purchase.set("ContractedCost", amount(ch.cost));
            purchase.set("ListUnitPrice", format!("{unit_price}"));
            purchase.set("ContractedUnitPrice", format!("{unit_price}"));
            purchase.set("PricingQuantity", amount(quantity));
            purchase.set("PricingUnit", "Hours");
            purchase.set("ChargeCategory", "Purchase");
            purchase.set("ChargeFrequency", "Recurring");
            purchase
                .set("ChargeDescription", format!("{} {}: hourly charge", kind_label(c.is_reservation()), c.spec.name));
            purchase.set("CommitmentDiscountQuantity", amount(ch.units));
            purchase.set("PricingCategory", "Standard");
            purchase.set("ResourceId", commitment_id(k));
            purchase.set("ResourceName", c.spec.name.clone());
            purchase.set("ResourceType", kind_label(c.is_reservation()));
            purchase.set("SkuId", sku.clone());
            purchase.set("SkuMeter", kind_label(c.is_reservation()));
            purchase.set("SkuPriceDetails", json!({"Term": term_code(c.spec.term)}).to_string());
            purchase.set("SkuPriceId", price_id.clone());
            purchase.set("Tags", "{}");
            let _ = w.write_record(&purchase.0);
            if ch.unused_cost > 0.0 {
                let mut unused = Row::new();
                common(&mut unused, h);
                commitment_cols(&mut unused, k);
                let q = ch.unused_units / qty_per_unit;
                unused.set("BilledCost", amount(0.0));
                unused.set("EffectiveCost", amount(ch.unused_cost));
                unused.set("ListCost", amount(q * unit_price));
                unused.set("ContractedCost", amount(q * unit_price));
                unused.set("ListUnitPrice", format!("{unit_price}"));
                unused.set("ContractedUnitPrice", format!("{unit_price}"));
                unused.set("PricingQuantity", amount(q));
                unused.set("PricingUnit", "Hours");
                unused.set("ChargeCategory", "Usage");
                unused.set("ChargeFrequency", "Usage-Based");
                unused.set(
                    "ChargeDescription",
                    format!("{} {}: unused this hour", kind_label(c.is_reservation()), c.spec.name),
                );
                unused.set("CommitmentDiscountStatus", "Unused");
                unused.set("CommitmentDiscountQuantity", amount(ch.unused_units));
                unused.set("PricingCategory", "Committed");
                unused.set("ResourceId", commitment_id(k));
                unused.set("ResourceName", c.spec.name.clone());
                unused.set("ResourceType", kind_label(c.is_reservation()));
                unused.set("SkuId", sku.clone());
                unused.set("SkuMeter", kind_label(c.is_reservation()));
                unused.set("SkuPriceDetails", json!({"Term": term_code(c.spec.term)}).to_string());
                unused.set("SkuPriceId", price_id);
                unused.set("Tags", "{}");
                let _ = w.write_record(&unused.0);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn describe(kind: LineKind) -> &'static str {
    match kind {
        LineKind::OnDemand => "pay-as-you-go",
        LineKind::Spot => "spot price",
        LineKind::Reservation => "covered by a reservation",
        LineKind::SavingsPlan => "covered by a savings plan",
    }
}

fn kind_label(reservation: bool) -> &'static str {
    if reservation { "Reservation" } else { "Savings Plan" }
}
