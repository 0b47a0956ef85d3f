//! Instance catalogs: CSV round trip and validation, the bundled catalogs against their
//! snapshots, derived labels, suspect-row flags, and the Azure Retail Prices import.

use std::path::{Path, PathBuf};

use capsim::error::Place;
use capsim::pricing::{self, Catalog, CatalogEntry, EvictionBand, Price, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bundled(name: &str) -> Catalog {
    Catalog::read(&root().join("datasets/catalogs").join(format!("{name}.csv"))).unwrap()
}

fn azure_specs() -> Vec<pricing::Spec> {
    pricing::derive::read_azure_specs(&root().join("datasets/prices/azure/azure_vm_specs.csv")).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn sample_entry() -> CatalogEntry {
    CatalogEntry {
        provider: "azure".into(),
        region: "westeurope".into(),
        name: "Standard_D8s_v5".into(),
        vcpu: 8,
        memory_gib: 32.0,
        arch: "amd64".into(),
        gpu: 0,
        family: "standardDSv5Family".into(),
        flex_group: "standardDSv5Family/mem4".into(),
        flex_ratio: 4.0,
        on_demand: Price::real(0.46, "snapshot, with a comma"),
        spot: Some(Price::real(0.0812345678901, "")),
        spot_eviction: Some(EvictionBand::From5To10),
        reservation_1y: Some(Price::real(2377.0 / 8760.0, "Azure Retail Prices API")),
        reservation_3y: Some(Price::derived(0.1748, "on-demand × (1 − 0.62), Azure 3-year reservation ratio")),
        savings_plan_1y: None,
        savings_plan_3y: Some(Price::derived(0.2116, "on-demand × (1 − 0.54)")),
        flags: vec!["family-median: odd".into(), "peer-region: also odd, \"quoted\"".into()],
    }
}

#[test]
fn catalog_round_trips_exactly() {
    let mut arm = sample_entry();
    arm.name = "Standard_D8ps_v5".into();
    arm.arch = "arm64".into();
    arm.spot = None;
    arm.spot_eviction = None;
    arm.flags.clear();
    let cat = Catalog::new(vec![sample_entry(), arm]);
    let text = cat.to_csv();
    assert_eq!(text.lines().next().unwrap(), pricing::COLUMNS.join(","));
    let back = Catalog::parse(&text).unwrap();
    assert_eq!(back, cat);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/cat.csv");
    cat.write(&path).unwrap();
    assert_eq!(Catalog::read(&path).unwrap(), cat);
    assert_eq!(back.find("Standard_D8s_v5").unwrap().reservation_1y.as_ref().unwrap().usd_per_hour, 2377.0 / 8760.0);
}

#[test]
fn every_bundled_catalog_loads_with_the_rows_it_should_have() {
    let list = pricing::list_bundled().unwrap();
    let names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["aws-us-east-1", "azure-germanywestcentral", "azure-westeurope", "gcp-europe-west3", "gcp-us-central1"]
    );
    for (name, path) in &list {
        let cat = Catalog::read(path).unwrap();
        assert!(cat.len() > 400, "{name}: {} rows", cat.len());
        assert_eq!(cat.regions().len(), 1, "{name}");
        for e in &cat.entries {
            assert!(e.flex_ratio > 0.0 && e.on_demand.usd_per_hour > 0.0, "{name} {}", e.name);
            // Commitments and spot are cheaper than on-demand in every bundled row.
            for (what, p) in e.offerings().iter().skip(1) {
                if let Some(p) = p {
                    assert!(p.usd_per_hour < e.on_demand.usd_per_hour, "{name} {} {what}", e.name);
                }
            }
        }
    }
}

#[test]
fn bundled_catalogs_equal_a_fresh_build_from_the_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let built = pricing::build_bundled(&root().join("datasets/prices"), dir.path()).unwrap();
    assert_eq!(built.len(), 5);
    for b in built {
        let fresh = std::fs::read_to_string(dir.path().join(format!("{}.csv", b.name))).unwrap();
        let committed =
            std::fs::read_to_string(root().join("datasets/catalogs").join(format!("{}.csv", b.name))).unwrap();
        assert!(fresh == committed, "{} is stale: run `cargo run --example build_catalogs`", b.name);
    }
}

#[test]
fn known_real_prices_come_through() {
    let gwc = bundled("azure-germanywestcentral");
    let d8 = gwc.get("germanywestcentral", "Standard_D8s_v5").unwrap();
    // Snapshot row: germanywestcentral,Standard_D8s_v5,0.460000
    assert_eq!(d8.on_demand.usd_per_hour, 0.46);
    assert!(d8.on_demand.source.is_real());
    assert_eq!((d8.vcpu, d8.memory_gib, d8.arch.as_str()), (8, 32.0, "amd64"));
    assert_eq!(d8.flex_group, gwc.get("germanywestcentral", "Standard_D2s_v5").unwrap().flex_group);
    assert_eq!(d8.flex_ratio, 4.0);
    assert_eq!(gwc.get("germanywestcentral", "Standard_D2s_v5").unwrap().flex_ratio, 1.0);

    let aws = bundled("aws-us-east-1");
    let m = aws.get("us-east-1", "m6i.xlarge").unwrap();
    assert_eq!(m.on_demand.usd_per_hour, 0.192);
    assert_eq!((m.vcpu, m.flex_group.as_str(), m.flex_ratio), (4, "m6i", 8.0));

    // GCP: real CUD prices, month_1y / month_3y ÷ 730 h (pricing_2026-07-30.yml, n2-standard-8).
    let gcp = bundled("gcp-europe-west3");
    let n2 = gcp.get("europe-west3", "n2-standard-8").unwrap();
    assert_eq!(n2.on_demand.usd_per_hour, 0.500496);
    assert_eq!(n2.spot.as_ref().unwrap().usd_per_hour, 0.199184);
    assert!(close(n2.reservation_1y.as_ref().unwrap().usd_per_hour, 229.95584 / 730.0));
    assert!(close(n2.reservation_3y.as_ref().unwrap().usd_per_hour, 164.23832 / 730.0));
    for (_, p) in n2.offerings() {
        if let Some(p) = p {
            assert!(p.source.is_real(), "{:?}", p.source);
        }
    }
    assert!(n2.savings_plan_1y.is_none());
}

#[test]
fn derived_prices_are_labelled_with_how() {
    let gwc = bundled("azure-germanywestcentral");
    let d8 = gwc.get("germanywestcentral", "Standard_D8s_v5").unwrap();
    let ri1 = d8.reservation_1y.as_ref().unwrap();
    assert_eq!(ri1.usd_per_hour, 0.2714); // 0.46 × 0.59
    assert_eq!(
        ri1.source,
        Source::Derived("on-demand × (1 − 0.41), Azure 1-year reservation ratio, SOURCES.md".into())
    );
    for e in gwc.entries.iter().chain(&bundled("aws-us-east-1").entries) {
        assert!(e.on_demand.source.is_real());
        for (what, p) in e.offerings().iter().skip(1) {
            let p = p.unwrap_or_else(|| panic!("{} has no {what}", e.name));
            match &p.source {
                Source::Derived(how) => assert!(how.starts_with("on-demand × (1 − 0.") && how.ends_with("SOURCES.md")),
                Source::Real(_) => panic!("{} {what} claims to be real", e.name),
            }
        }
    }
    let csv = std::fs::read_to_string(root().join("datasets/catalogs/azure-westeurope.csv")).unwrap();
    assert!(csv.contains("derived: on-demand × (1 − 0.62), Azure 3-year reservation ratio, SOURCES.md"));
}

#[test]
fn suspect_d4as_v5_is_flagged_and_shown() {
    let gwc = bundled("azure-germanywestcentral");
    let d4 = gwc.get("germanywestcentral", "Standard_D4as_v5").unwrap();
    assert_eq!(d4.on_demand.usd_per_hour, 0.392);
    assert!(
        d4.flags.iter().any(|f| f.starts_with("peer-region:") && f.contains("westeurope's 0.208")),
        "{:?}",
        d4.flags
    );
    assert!(gwc.get("germanywestcentral", "Standard_D8s_v5").unwrap().flags.is_empty());
    let table = pricing::command::show(&gwc, "gwc", Some("*D4as_v5"));
    assert!(table.contains("flagged rows (1)"), "{table}");
    assert!(table.contains("Standard_D4as_v5 (germanywestcentral): peer-region"), "{table}");
    assert!(table.contains("Rddddd!"), "{table}");
}

#[test]
fn family_median_check_flags_a_size_priced_off_its_family() {
    let mut rows = Vec::new();
    for (name, vcpu, price) in [("Standard_D2s_v5", 2, 0.1), ("Standard_D4s_v5", 4, 0.2), ("Standard_D8s_v5", 8, 0.8)] {
        let mut e = sample_entry();
        e.name = name.into();
        e.vcpu = vcpu;
        e.memory_gib = 4.0 * vcpu as f64;
        e.flex_ratio = vcpu as f64 / 2.0;
        e.on_demand = Price::real(price, "");
        e.flags.clear();
        rows.push(e);
    }
    let mut cat = Catalog::new(rows);
    assert_eq!(pricing::derive::flag_group_outliers(&mut cat), 1);
    assert!(cat.find("Standard_D8s_v5").unwrap().flags[0].contains("2.00× the median"));
}

fn parse_err(text: &str) -> capsim::Error {
    Catalog::parse(text).unwrap_err()
}

#[test]
fn bad_rows_name_line_column_and_fix() {
    let good = Catalog::new(vec![sample_entry()]).to_csv();
    let header = good.lines().next().unwrap().to_string();
    let row: Vec<String> = {
        let mut r = csv::Reader::from_reader(good.as_bytes());
        r.records().next().unwrap().unwrap().iter().map(str::to_string).collect()
    };
    let with = |col: &str, value: &str| {
        let i = pricing::COLUMNS.iter().position(|c| *c == col).unwrap();
        let mut r = row.clone();
        r[i] = value.to_string();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&r).unwrap();
        format!(
            "{header}\n{}\n{}",
            good.lines().nth(1).unwrap().replace("Standard_D8s_v5", "Standard_D4s_v5"),
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        )
    };
    let cases = [
        ("vcpu", "eight", 4, "whole number"),
        ("on_demand_usd_per_hour", "-1", 11, "positive number"),
        ("on_demand_usd_per_hour", "", 11, "empty"),
        ("ri_1y_source", "guess", 17, "not a price source"),
        ("ri_1y_source", "derived:", 17, "not a price source"),
        ("spot_eviction_band", "7-9", 15, "not an eviction band"),
        ("arch", "x86", 6, "not an architecture"),
        ("sp_1y_source", "real", 21, "a source without a price"),
    ];
    for (col, value, column, problem) in cases {
        let e = parse_err(&with(col, value));
        assert_eq!(e.place, Some(Place::Line { line: 3, column: Some(column) }), "{col}: {e}");
        assert!(e.problem.contains(col) && e.problem.contains(problem), "{col}: {e}");
        assert!(e.fix.is_some(), "{col}: {e}");
    }
    // Duplicate (region, type).
    let dup = format!("{good}{}\n", good.lines().nth(1).unwrap());
    let e = parse_err(&dup);
    assert!(e.problem.contains("duplicate") && e.place == Some(Place::Line { line: 3, column: Some(3) }), "{e}");
    // Wrong header names the column.
    let e = parse_err(&good.replacen("flex_ratio", "ratio", 1));
    assert_eq!(e.place, Some(Place::Line { line: 1, column: Some(10) }), "{e}");
    // Errors from a file name the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, with("gpu", "two")).unwrap();
    let e = Catalog::read(&path).unwrap_err();
    assert!(e.to_string().starts_with(&format!("{}:3:7: column 7 `gpu`", path.display())), "{e}");
}

const FIXTURE: &str = "datasets/prices/azure/westeurope_Standard_D8_v4_retail_prices.json";

#[test]
fn api_fixture_imports_real_reservation_prices() {
    let specs = azure_specs();
    let (cat, report) = pricing::import_retail_file(&root().join(FIXTURE), "westeurope", &specs, None).unwrap();
    assert_eq!((report.items, report.used, report.types_added), (3, 3, 1));
    assert_eq!(cat.len(), 1);
    let d8 = cat.get("westeurope", "Standard_D8_v4").unwrap();
    assert_eq!(d8.on_demand.usd_per_hour, 0.46);
    assert_eq!(d8.reservation_1y.as_ref().unwrap().usd_per_hour, 2377.0 / 8760.0);
    assert_eq!(d8.reservation_3y.as_ref().unwrap().usd_per_hour, 4594.0 / 26280.0);
    assert!(d8.reservation_1y.as_ref().unwrap().source.is_real());
    assert!(d8.savings_plan_1y.is_none() && d8.spot.is_none());
    assert_eq!((d8.vcpu, d8.memory_gib), (8, 32.0));

    // Merged into the bundled westeurope catalog: real replaces derived, the rest stays.
    let base = bundled("azure-westeurope");
    let (merged, report) =
        pricing::import_retail_file(&root().join(FIXTURE), "westeurope", &specs, Some(&base)).unwrap();
    assert_eq!((report.types_updated, report.types_added), (1, 0));
    assert_eq!(merged.len(), base.len());
    let d8 = merged.get("westeurope", "Standard_D8_v4").unwrap();
    assert_eq!(d8.reservation_1y.as_ref().unwrap().usd_per_hour, 2377.0 / 8760.0);
    assert!(d8.reservation_1y.as_ref().unwrap().source.is_real());
    assert!(d8.savings_plan_1y.as_ref().unwrap().source.is_derived());
    let before = base.get("westeurope", "Standard_D8_v4").unwrap();
    assert!(before.reservation_1y.as_ref().unwrap().source.is_derived());
    assert_eq!(merged.get("westeurope", "Standard_D4s_v5"), base.get("westeurope", "Standard_D4s_v5"));
}

fn item(sku: &str, kind: &str, price: f64, extra: &str) -> String {
    let short = sku.trim_start_matches("Standard_").replace('_', " ");
    format!(
        r#"{{"currencyCode":"USD","retailPrice":{price},"unitPrice":{price},"armRegionName":"westeurope","meterName":"{short}","productName":"Virtual Machines DSv5 Series","skuName":"{short}","serviceName":"Virtual Machines","unitOfMeasure":"1 Hour","type":"{kind}","isPrimaryMeterRegion":true,"armSkuName":"{sku}","effectiveStartDate":"2024-01-01T00:00:00Z"{extra}}}"#
    )
}

#[test]
fn synthetic_pages_with_spot_savings_plans_windows_and_devtest() {
    let sp = r#","savingsPlan":[{"unitPrice":0.1457,"retailPrice":0.1457,"term":"3 Years"},{"unitPrice":0.1748,"retailPrice":0.1748,"term":"1 Year"}]"#;
    let page1 = [
        item("Standard_D4s_v5", "Consumption", 0.23, sp),
        item("Standard_D4s_v5", "Reservation", 1190.0, r#","reservationTerm":"1 Year""#),
        item("Standard_D4s_v5", "Reservation", 2290.0, r#","reservationTerm":"3 Years""#),
        item("Standard_D4s_v5", "DevTestConsumption", 0.2, ""),
        // Windows: must not replace the Linux price.
        item("Standard_D4s_v5", "Consumption", 0.414, "").replace("DSv5 Series", "DSv5 Series Windows"),
        // Spot and Low Priority meters.
        item("Standard_D4s_v5", "Consumption", 0.0483, "").replace("\"D4s v5\"", "\"D4s v5 Spot\""),
        item("Standard_D4s_v5", "Consumption", 0.046, "").replace("\"D4s v5\"", "\"D4s v5 Low Priority\""),
    ];
    let page2 = [
        // An older on-demand price: the newest wins.
        item("Standard_D4s_v5", "Consumption", 0.25, "").replace("2024-01-01", "2022-01-01"),
        item("Standard_D2s_v5", "Consumption", 0.115, ""),
        item("Standard_D2s_v5", "Consumption", 0.115, "").replace("westeurope", "eastus"),
        item("Standard_D2s_v5", "Consumption", 0.115, "").replace("\"Virtual Machines\",", "\"Cloud Services\","),
        item("Standard_D2s_v5", "Consumption", 0.11, "").replace("true", "false"),
        item("Standard_Nope_v9", "Consumption", 1.0, ""),
        item("Standard_D2s_v5", "Reservation", 3000.0, r#","reservationTerm":"5 Years""#),
    ];
    let json = format!(
        r#"[{{"BillingCurrency":"USD","Items":[{}],"NextPageLink":"https://prices.azure.com/api/retail/prices?$skip=100","Count":7}},
            {{"BillingCurrency":"USD","Items":[{}],"NextPageLink":null,"Count":7}}]"#,
        page1.join(","),
        page2.join(",")
    );
    let items = pricing::azure_retail::parse_items(&json).unwrap();
    assert_eq!(items.len(), 14);
    let (cat, report) = pricing::import_retail(&items, "westeurope", "test", &azure_specs(), None).unwrap();
    for (why, n) in [
        ("DevTestConsumption", 1),
        ("Windows", 1),
        ("Low Priority", 1),
        ("other region", 1),
        ("not Virtual Machines", 1),
        ("non-primary meter region", 1),
        ("reservation term other than 1 or 3 years", 1),
    ] {
        assert_eq!(report.skipped.get(why), Some(&n), "{why}: {:?}", report.skipped);
    }
    assert_eq!(report.missing_specs, ["Standard_Nope_v9"]);
    assert_eq!(cat.len(), 2);
    let d4 = cat.get("westeurope", "Standard_D4s_v5").unwrap();
    assert_eq!(d4.on_demand.usd_per_hour, 0.23);
    assert_eq!(d4.spot.as_ref().unwrap().usd_per_hour, 0.0483);
    assert_eq!(d4.savings_plan_1y.as_ref().unwrap().usd_per_hour, 0.1748);
    assert_eq!(d4.savings_plan_3y.as_ref().unwrap().usd_per_hour, 0.1457);
    assert_eq!(d4.reservation_1y.as_ref().unwrap().usd_per_hour, 1190.0 / 8760.0);
    assert_eq!(d4.reservation_3y.as_ref().unwrap().usd_per_hour, 2290.0 / 26280.0);
    assert!(d4.offerings().iter().all(|(_, p)| p.is_none_or(|p| p.source.is_real())));
    let d2 = cat.get("westeurope", "Standard_D2s_v5").unwrap();
    assert_eq!(d2.on_demand.usd_per_hour, 0.115);
    assert!(d2.reservation_1y.is_none());

    // One page object, too; a wrong currency is an error, not a silent mix.
    let one = format!(r#"{{"Items":[{}],"NextPageLink":null}}"#, item("Standard_D2s_v5", "Consumption", 0.1, ""));
    assert_eq!(pricing::azure_retail::parse_items(&one).unwrap().len(), 1);
    let eur = one.replace("\"USD\"", "\"EUR\"");
    let items = pricing::azure_retail::parse_items(&eur).unwrap();
    assert!(pricing::import_retail(&items, "westeurope", "t", &azure_specs(), None).is_err());
    assert!(pricing::azure_retail::parse_items(r#"{"items": []}"#).is_err());
}

#[test]
fn cli_import_writes_a_catalog_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("we.csv");
    let text = pricing::run_catalog_command(pricing::CatalogCommand::Import {
        file: root().join(FIXTURE),
        region: "westeurope".into(),
        base: Some("azure-westeurope".into()),
        specs: None,
        out: out.clone(),
    })
    .unwrap();
    assert!(text.contains("1 types updated"), "{text}");
    let cat = Catalog::read(&out).unwrap();
    assert!(cat.get("westeurope", "Standard_D8_v4").unwrap().reservation_3y.as_ref().unwrap().source.is_real());
    let list = pricing::run_catalog_command(pricing::CatalogCommand::List).unwrap();
    assert!(list.contains("azure-germanywestcentral") && list.contains("gcp-us-central1"), "{list}");
    assert!(Path::new(&root().join("datasets/catalogs/README.md")).is_file());
}
