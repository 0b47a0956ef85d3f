//! `focus.csv` against the official FOCUS 1.2 rule model (`datasets/focus/model-1.2.json`, loaded
//! at test time), plus the commitment-discount row rules the model states only in prose.
//!
//! Which rules: every `Static` rule with a machine-readable requirement whose applicability
//! criteria capsim declares (`report::focus::CRITERIA`); column rules only when the column is
//! present (the model's column composites depend on the presence rule). `Dynamic` rules have no
//! machine-readable requirement; the commitment ones among them are checked by
//! `commitment_rules`. Keywords MUST / MUST NOT fail the test; SHOULD / RECOMMENDED / MAY are
//! reported only.
//!
//! Semantics chosen where the model leaves them open (each one documented here):
//! * A row is judged only where the rule's `Condition` holds; for Type, Format and Validation
//!   rules, rows where the rule's own column is null are not judged (nullability rules do that;
//!   otherwise "allowed values" would forbid nulls the spec allows).
//! * `FormatString` = the StringHandling attribute: a non-empty value without leading or trailing
//!   whitespace. (The Python validator's PascalCase regex would reject the model's own allowed
//!   values such as "Virtual Machines".) `FormatUnit` = UnitFormat: words of letters or digits,
//!   each capitalised or numeric, joined by spaces, `-` or `/`.
//! * `ColumnByColumnEqualsColumnValue(A, B, R)`: |A·B − R| ≤ 1e-9·max(1, |R|) + 1e-9 (amounts
//!   are written with 10 decimals).
//! * Model defects (a requirement that contradicts its own `MustSatisfy` text): [`OVERRIDES`]
//!   replace them with the text's meaning; a test fails if the model no longer has the defect.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use capsim::report::focus::{COLUMNS, CRITERIA, FocusContext, to_csv};

#[allow(dead_code)]
mod common;

fn model() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/focus/model-1.2.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("model-1.2.json")).expect("valid JSON")
}

/// A parsed CSV: header and cells (empty = null).
#[derive(Clone)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

impl Table {
    fn parse(text: &str) -> Table {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let columns = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect())
            .collect();
        Table { columns, rows }
    }
    fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
    fn cell<'a>(&self, row: &'a [Option<String>], name: &str) -> Option<&'a str> {
        self.col(name).and_then(|i| row[i].as_deref())
    }
    fn set(&mut self, row: usize, name: &str, value: Option<&str>) {
        let i = self.col(name).unwrap();
        self.rows[row][i] = value.map(str::to_string);
    }
    fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns).unwrap();
        for r in &self.rows {
            w.write_record(r.iter().map(|c| c.as_deref().unwrap_or(""))).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }
}

/// (rule id, the defective requirement and condition as the model has them, the replacement
/// requirement and condition, why).
fn overrides() -> Vec<(&'static str, Value, Value, &'static str)> {
    let v = |c: &str, x: Value| json!({"CheckFunction": "CheckValue", "ColumnName": c, "Value": x});
    let nv = |c: &str, x: Value| json!({"CheckFunction": "CheckNotValue", "ColumnName": c, "Value": x});
    let and = |items: Vec<Value>| json!({"CheckFunction": "AND", "Items": items});
    let or = |items: Vec<Value>| json!({"CheckFunction": "OR", "Items": items});
    vec![
        (
            "CommitmentDiscountStatus-C-003-C",
            json!([nv("CommitmentDiscountStatus", Value::Null), v("CommitmentDiscountId", Value::Null)]),
            json!([v("CommitmentDiscountStatus", Value::Null), v("CommitmentDiscountId", Value::Null)]),
            "text: MUST be null when CommitmentDiscountId is null; the model requires not null",
        ),
        (
            "CommitmentDiscountStatus-C-004-C",
            json!([nv("CommitmentDiscountStatus", Value::Null), v("CommitmentDiscountId", Value::Null)]),
            json!([
                nv("CommitmentDiscountStatus", Value::Null),
                and(vec![nv("CommitmentDiscountId", Value::Null), v("ChargeCategory", json!("Usage"))])
            ]),
            "text: MUST NOT be null when CommitmentDiscountId is not null and ChargeCategory is Usage; the model's condition is CommitmentDiscountId null",
        ),
        (
            "CommitmentDiscountStatus-C-005-M",
            json!([
                or(vec![
                    v("CommitmentDiscountStatus", json!("Active")),
                    v("CommitmentDiscountStatus", json!("Expired")),
                    v("CommitmentDiscountStatus", json!("Pending"))
                ]),
                {}
            ]),
            json!([
                or(vec![v("CommitmentDiscountStatus", json!("Used")), v("CommitmentDiscountStatus", json!("Unused"))]),
                {}
            ]),
            "FOCUS 1.2 commitmentdiscountstatus.md allows Used and Unused; the model lists capacity-style values",
        ),
        (
            "CommitmentDiscountQuantity-C-005-C",
            json!([nv("CommitmentDiscountQuantity", Value::Null), nv("ChargeClass", json!("Correction"))]),
            json!([
                nv("CommitmentDiscountQuantity", Value::Null),
                and(vec![
                    nv("CommitmentDiscountId", Value::Null),
                    or(vec![v("ChargeCategory", json!("Usage")), v("ChargeCategory", json!("Purchase"))]),
                    nv("ChargeClass", json!("Correction"))
                ])
            ]),
            "the spec's sentence is scoped to rows with a commitment and ChargeCategory Usage or Purchase; flattened, it contradicts C-007 (MUST be null when CommitmentDiscountId is null)",
        ),
        (
            "ConsumedQuantity-C-006-C",
            json!([nv("ConsumedQuantity", Value::Null), v("ChargeClass", json!("Correction"))]),
            json!([
                nv("ConsumedQuantity", Value::Null),
                and(vec![
                    v("ChargeCategory", json!("Usage")),
                    nv("CommitmentDiscountStatus", json!("Unused")),
                    nv("ChargeClass", json!("Correction"))
                ])
            ]),
            "text: MUST NOT be null when ChargeClass is not Correction (for Usage rows other than Unused); the model's condition is ChargeClass = Correction",
        ),
    ]
}

struct Rule<'a> {
    id: &'a str,
    keyword: &'a str,
    function: &'a str,
    reference: &'a str,
    requirement: Value,
    condition: Value,
}

/// The rules capsim's declared criteria switch on, with overrides applied.
fn rules(model: &Value) -> Vec<Rule<'_>> {
    let fixes = overrides();
    let mut out = Vec::new();
    for (id, r) in model["ModelRules"].as_object().unwrap() {
        let vc = &r["ValidationCriteria"];
        if r["Type"] != "Static"
            || r["Function"] == "Composite"
            || vc["Requirement"].as_object().is_none_or(|o| o.is_empty())
        {
            continue;
        }
        let criteria = r["ApplicabilityCriteria"].as_array().unwrap();
        if !criteria.iter().all(|c| CRITERIA.contains(&c.as_str().unwrap())) {
            continue;
        }
        let (mut requirement, mut condition) = (vc["Requirement"].clone(), vc["Condition"].clone());
        if let Some((_, _, new, _)) = fixes.iter().find(|f| f.0 == id) {
            requirement = new[0].clone();
            condition = new[1].clone();
        }
        out.push(Rule {
            id,
            keyword: vc["Keyword"].as_str().unwrap(),
            function: r["Function"].as_str().unwrap(),
            reference: r["Reference"].as_str().unwrap(),
            requirement,
            condition,
        });
    }
    out
}

fn is_numeric(s: &str) -> bool {
    // Integer, decimal or E-notation; no "+", commas, symbols or units (NumericFormat).
    let (mantissa, exp) = match s.split_once(['E', 'e']) {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let m = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match m.split_once('.') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(m),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix('-').unwrap_or(e)));
    mantissa_ok && exp_ok
}

fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let pattern = "dddd-dd-ddTdd:dd:ddZ";
    b.len() == pattern.len()
        && pattern.bytes().zip(b).all(|(p, c)| if p == b'd' { c.is_ascii_digit() } else { p == *c })
        && s.parse::<jiff::Timestamp>().is_ok()
}

fn is_unit(s: &str) -> bool {
    !s.is_empty()
        && s.split([' ', '-', '/']).all(|w| {
            !w.is_empty()
                && w.chars().all(|c| c.is_ascii_alphanumeric())
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

fn is_key_value(s: &str) -> bool {
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(m)) => m.values().all(|v| !v.is_object() && !v.is_array()),
        _ => false,
    }
}

fn num(s: Option<&str>) -> Option<f64> {
    s.and_then(|x| x.parse::<f64>().ok()).filter(|x| x.is_finite())
}

/// A row-level check.
fn holds(t: &Table, row: &[Option<String>], check: &Value) -> bool {
    let f = check["CheckFunction"].as_str().unwrap_or("");
    let col = check["ColumnName"].as_str().unwrap_or("");
    let cell = t.cell(row, col);
    let eq = |cell: Option<&str>, v: &Value| match v {
        Value::Null => cell.is_none(),
        Value::String(s) => cell == Some(s.as_str()),
        Value::Number(n) => num(cell) == n.as_f64(),
        _ => false,
    };
    match f {
        "AND" => check["Items"].as_array().unwrap().iter().all(|c| holds(t, row, c)),
        "OR" => check["Items"].as_array().unwrap().iter().any(|c| holds(t, row, c)),
        "CheckValue" => eq(cell, &check["Value"]),
        "CheckNotValue" => !eq(cell, &check["Value"]),
        "CheckSameValue" => cell == t.cell(row, check["ColumnBName"].as_str().unwrap_or("")),
        "CheckNotSameValue" => {
            t.cell(row, check["ColumnAName"].as_str().unwrap_or(""))
                != t.cell(row, check["ColumnBName"].as_str().unwrap_or(""))
        }
        "TypeString" => true,
        "TypeDecimal" | "CheckDecimalValue" => cell.is_none_or(|c| num(Some(c)).is_some()),
        "TypeDateTime" => cell.is_none_or(|c| c.parse::<jiff::Timestamp>().is_ok()),
        "FormatDateTime" => cell.is_none_or(is_datetime),
        "FormatNumeric" => cell.is_none_or(is_numeric),
        "FormatString" => cell.is_none_or(|c| !c.trim().is_empty() && c.trim() == c),
        "FormatUnit" => cell.is_none_or(is_unit),
        "FormatKeyValue" => cell.is_none_or(is_key_value),
        "FormatCurrency" | "CheckNationalCurrency" => {
            cell.is_none_or(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        }
        "CheckGreaterOrEqualThanValue" => {
            cell.is_none_or(|c| num(Some(c)).is_some_and(|x| x >= check["Value"].as_f64().unwrap_or(0.0)))
        }
        "ColumnByColumnEqualsColumnValue" => {
            let g = |k: &str| num(t.cell(row, check[k].as_str().unwrap_or("")));
            match (g("ColumnAName"), g("ColumnBName"), g("ResultColumnName")) {
                (Some(a), Some(b), Some(r)) => (a * b - r).abs() <= 1e-9 * r.abs().max(1.0) + 1e-9,
                _ => false,
            }
        }
        other => panic!("check function {other} is not implemented"),
    }
}

/// Failures of MUST-level rules (rule id → first failing data row, 1-based after the header).
fn violations(t: &Table) -> BTreeMap<String, String> {
    let model = model();
    let mut out = BTreeMap::new();
    for r in rules(&model) {
        let must = r.keyword == "MUST" || r.keyword == "MUST NOT";
        let present = |c: &str| t.col(c).is_some();
        let failure: Option<String> = match r.requirement["CheckFunction"].as_str().unwrap() {
            "ColumnPresent" => {
                let c = r.requirement["ColumnName"].as_str().unwrap();
                (!present(c)).then(|| format!("column {c} missing"))
            }
            _ if !present(r.reference) => None,
            "CheckDistinctCount" => {
                let (a, b) =
                    (r.requirement["ColumnAName"].as_str().unwrap(), r.requirement["ColumnBName"].as_str().unwrap());
                let n = r.requirement["ExpectedCount"].as_u64().unwrap() as usize;
                let mut seen: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
                for row in &t.rows {
                    if let Some(av) = t.cell(row, a) {
                        let e = seen.entry(av).or_default();
                        let bv = t.cell(row, b);
                        if !e.contains(&bv) {
                            e.push(bv);
                        }
                    }
                }
                seen.iter().find(|(_, v)| v.len() != n).map(|(k, v)| format!("{a} {k:?} has {} {b} values", v.len()))
            }
            _ => t.rows.iter().enumerate().find_map(|(i, row)| {
                let applies = r.condition.as_object().is_none_or(|o| o.is_empty()) || holds(t, row, &r.condition);
                let own_null = t.cell(row, r.reference).is_none();
                let judged = applies && !(own_null && matches!(r.function, "Type" | "Format" | "Validation"));
                (judged && !holds(t, row, &r.requirement)).then(|| format!("row {}", i + 1))
            }),
        };
        if let Some(f) = failure {
            if must {
                out.insert(r.id.to_string(), f);
            } else {
                eprintln!("{} {} not met: {f}", r.keyword, r.id);
            }
        }
    }
    for (id, f) in commitment_rules(t) {
        out.insert(id, f);
    }
    out
}

/// The DiscountHandling rules (Dynamic in the model) for capsim's commitment rows.
fn commitment_rules(t: &Table) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let c = |row: &[Option<String>], name: &str| t.cell(row, name).map(str::to_string);
    let mut fail = |id: &str, what: String| {
        if !out.iter().any(|(i, _)| i == id) {
            out.push((id.to_string(), what));
        }
    };
    // Per commitment and charge period: Σ EffectiveCost(Used + Unused) = Σ BilledCost(Purchase).
    let mut periods: BTreeMap<(String, String), (f64, f64, usize)> = BTreeMap::new();
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    for (i, row) in t.rows.iter().enumerate() {
        let at = format!("row {}", i + 1);
        let category = c(row, "ChargeCategory").unwrap_or_default();
        let status = c(row, "CommitmentDiscountStatus");
        let pricing = c(row, "PricingCategory").unwrap_or_default();
        let Some(id) = c(row, "CommitmentDiscountId") else {
            if pricing == "Committed" {
                fail("DiscountHandling-A-006-C", format!("{at}: Committed pricing without CommitmentDiscountId"));
            }
            continue;
        };
        if let Some(u) = c(row, "CommitmentDiscountUnit")
            && units.entry(id.clone()).or_insert(u.clone()) != &u
        {
            fail("CommitmentDiscountUnit constant", format!("{at}: unit changes within {id}"));
        }
        let key = (id.clone(), c(row, "ChargePeriodStart").unwrap_or_default());
        let e = periods.entry(key).or_insert((0.0, 0.0, 0));
        let effective = num(t.cell(row, "EffectiveCost")).unwrap_or(f64::NAN);
        let billed = num(t.cell(row, "BilledCost")).unwrap_or(f64::NAN);
        match (category.as_str(), status.as_deref()) {
            ("Purchase", _) => {
                e.1 += billed;
                if c(row, "ResourceId").as_deref() != Some(id.as_str()) {
                    fail("DiscountHandling-A-012-C", format!("{at}: purchase ResourceId is not the commitment id"));
                }
                if pricing != "Standard" {
                    fail("PricingCategory purchase", format!("{at}: a purchase is priced Standard"));
                }
            }
            ("Usage", Some("Used")) => {
                e.0 += effective;
                if billed != 0.0 {
                    fail("DiscountHandling-A-009-C", format!("{at}: covered usage has BilledCost {billed}"));
                }
                if pricing != "Committed" {
                    fail("DiscountHandling-A-014-C", format!("{at}: covered usage is not priced Committed"));
                }
                if c(row, "ResourceId").as_deref() == Some(id.as_str()) {
                    fail("DiscountHandling-A-016-C", format!("{at}: covered usage names the commitment as resource"));
                }
            }
            ("Usage", Some("Unused")) => {
                e.0 += effective;
                e.2 += 1;
                if c(row, "ResourceId").as_deref() != Some(id.as_str()) {
                    fail("DiscountHandling-A-019-C", format!("{at}: unused row ResourceId is not the commitment id"));
                }
            }
            _ => fail(
                "DiscountHandling-A-018-C",
                format!("{at}: commitment row that is neither Purchase, Used nor Unused"),
            ),
        }
    }
    for ((id, start), (effective, billed, unused_rows)) in &periods {
        if (effective - billed).abs() > 1e-8 * billed.abs().max(1.0) {
            fail("DiscountHandling-A-011-C", format!("{id} at {start}: effective {effective} vs purchase {billed}"));
        }
        if *unused_rows > 1 {
            fail("DiscountHandling-A-017-C", format!("{id} at {start}: {unused_rows} unused rows"));
        }
    }
    out
}

/// A bill with every kind of row: on-demand, spot, reservation (partly unused in some hours),
/// a savings plan starting mid-run, nodes coming and going mid-hour.
fn sample() -> String {
    use common::*;
    let h = 3_600_000u64;
    let lives = vec![
        life("a", "Standard_D2s_v5", "on-demand", 0, 4 * h),
        life("b", "Standard_D2s_v5", "on-demand", h / 3, 3 * h + 1500),
        life("c", "Standard_D8s_v5", "on-demand", 0, 4 * h),
        life("d", "Standard_D8s_v5", "spot", h / 2, 4 * h),
        life("e", "Standard_D8s_v5", "reserved", 2 * h, 4 * h),
    ];
    let mut sp = plan("sp", 2.0);
    sp.start = Some(START + 2 * h as i64);
    let b = capsim::pricing::billing::bill(
        &lives,
        &catalog(),
        "test",
        Some("testregion"),
        START,
        4,
        &[reservation("ri", "Standard_D8s_v5", 1), sp],
    )
    .unwrap();
    to_csv(&b, &FocusContext { scenario: "sample".into() })
}

#[test]
fn focus_export_satisfies_the_rule_model() {
    let t = Table::parse(&sample());
    assert_eq!(t.columns, COLUMNS);
    let kinds: Vec<(Option<&str>, Option<&str>, Option<&str>)> = t
        .rows
        .iter()
        .map(|r| (t.cell(r, "ChargeCategory"), t.cell(r, "PricingCategory"), t.cell(r, "CommitmentDiscountStatus")))
        .collect();
    for want in [
        (Some("Usage"), Some("Standard"), None),
        (Some("Usage"), Some("Dynamic"), None),
        (Some("Usage"), Some("Committed"), Some("Used")),
        (Some("Usage"), Some("Committed"), Some("Unused")),
        (Some("Purchase"), Some("Standard"), None),
    ] {
        assert!(kinds.contains(&want), "no {want:?} row");
    }
    let v = violations(&t);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_rule_set_is_not_empty_and_covers_the_commitment_columns() {
    let model = model();
    let rs = rules(&model);
    assert!(rs.len() > 150, "{} rules", rs.len());
    for col in
        ["CommitmentDiscountStatus", "CommitmentDiscountId", "PricingCategory", "EffectiveCost", "ChargePeriodStart"]
    {
        assert!(rs.iter().any(|r| r.reference == col), "{col}");
    }
}

#[test]
fn overridden_rules_are_still_defective_in_the_model() {
    let model = model();
    for (id, defective, _, why) in overrides() {
        let vc = &model["ModelRules"][id]["ValidationCriteria"];
        assert_eq!(
            json!([vc["Requirement"], vc["Condition"]]),
            defective,
            "{id} changed upstream ({why}): drop the override"
        );
    }
}

#[test]
fn the_checker_catches_mutated_rows() {
    let good = Table::parse(&sample());
    let find = |pred: &dyn Fn(&[Option<String>]) -> bool| good.rows.iter().position(|r| pred(r)).unwrap();
    let used = find(&|r| good.cell(r, "CommitmentDiscountStatus") == Some("Used"));
    let unused = find(&|r| good.cell(r, "CommitmentDiscountStatus") == Some("Unused"));
    let purchase = find(&|r| good.cell(r, "ChargeCategory") == Some("Purchase"));
    let on_demand = find(&|r| {
        good.cell(r, "PricingCategory") == Some("Standard") && good.cell(r, "ChargeCategory") == Some("Usage")
    });
    type Mutation = (&'static str, Box<dyn Fn(&mut Table)>);
    let cases: Vec<Mutation> = vec![
        (
            "CommitmentDiscountStatus-C-005-M",
            Box::new(move |t| t.set(used, "CommitmentDiscountStatus", Some("Active"))),
        ),
        ("BilledCost-C-003-M", Box::new(move |t| t.set(on_demand, "BilledCost", None))),
        ("ListUnitPrice-C-010-C", Box::new(move |t| t.set(on_demand, "ListCost", Some("99.0000000000")))),
        (
            "ChargePeriodStart-C-002-M",
            Box::new(move |t| t.set(on_demand, "ChargePeriodStart", Some("2026-07-04 04:00:00"))),
        ),
        ("PricingCategory-C-007-M", Box::new(move |t| t.set(on_demand, "PricingCategory", Some("Spot")))),
        ("EffectiveCost-C-005-C", Box::new(move |t| t.set(purchase, "EffectiveCost", Some("1.0000000000")))),
        ("ChargeFrequency-C-004-C", Box::new(move |t| t.set(purchase, "ChargeFrequency", Some("Usage-Based")))),
        ("Tags-C-001-M", Box::new(move |t| t.set(on_demand, "Tags", Some("pool=general")))),
        ("BilledCost-C-002-M", Box::new(move |t| t.set(on_demand, "BilledCost", Some("+0.46")))),
        (
            "CommitmentDiscountStatus-C-003-C",
            Box::new(move |t| t.set(on_demand, "CommitmentDiscountStatus", Some("Used"))),
        ),
        ("ConsumedQuantity-C-004-C", Box::new(move |t| t.set(unused, "ConsumedQuantity", Some("1.0")))),
        ("DiscountHandling-A-019-C", Box::new(move |t| t.set(unused, "ResourceId", Some("capsim/sample/nodes/a")))),
        ("DiscountHandling-A-011-C", Box::new(move |t| t.set(used, "EffectiveCost", Some("5.0000000000")))),
        ("DiscountHandling-A-009-C", Box::new(move |t| t.set(used, "BilledCost", Some("0.1000000000")))),
        (
            "CostAndUsage-D-013-C",
            Box::new(|t| {
                let i = t.col("CommitmentDiscountId").unwrap();
                t.columns.remove(i);
                for r in &mut t.rows {
                    r.remove(i);
                }
            }),
        ),
    ];
    for (rule, mutate) in cases {
        let mut t = good.clone();
        mutate(&mut t);
        let t = Table::parse(&t.to_csv());
        let v = violations(&t);
        assert!(v.contains_key(rule), "mutation for {rule} not caught; got {v:#?}");
    }
}
