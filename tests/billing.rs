//! Billing: per-second node billing across hour boundaries, reservation size flexibility,
//! spot never covered, the usage CSV's errors, and `capsim commit`'s round trip.

use capsim::commit::{CommitmentMetrics, Purchase, price};
use capsim::model::CommitmentKind;
use capsim::pricing::advise::{AdviseConfig, advise};
use capsim::pricing::billing::{Billing, LineKind, bill, seconds_in_hour};
use capsim::pricing::usage_csv;

#[allow(dead_code)]
mod common;
use capsim::model::ExistingCommitment;
use capsim::sim::NodeLife;
use common::*;

fn run(lives: &[NodeLife], hours: usize, commitments: &[ExistingCommitment]) -> Billing {
    bill(lives, &catalog(), "test", Some("testregion"), START, hours, commitments).expect("bills")
}

const H: u64 = 3_600_000;

#[test]
fn a_node_living_90_minutes_is_billed_per_second_across_hours() {
    // Launched at 0:30, ended at 2:00: half of hour 0, all of hour 1, none of hour 2.
    let b = run(&[life("n1", "Standard_D2s_v5", "on-demand", H / 2, 2 * H)], 3, &[]);
    let q: Vec<f64> = b.usage.iter().map(|r| r.instance_hours).collect();
    assert_eq!(q, vec![0.5, 1.0]);
    assert_eq!(b.usage.iter().map(|r| r.hour).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(b.usage[0].cost_effective, 0.05);
    assert_eq!(b.effective_cost(), 0.05 + 0.1);
    // Any started second is billed: 0:30:00.4 → 2:00:00.001 bills 1800 s, 3600 s and 1 s.
    assert_eq!(seconds_in_hour(H / 2 + 400, 2 * H + 1, 0), 1800);
    assert_eq!(seconds_in_hour(H / 2 + 400, 2 * H + 1, 1), 3600);
    assert_eq!(seconds_in_hour(H / 2 + 400, 2 * H + 1, 2), 1);
    let b = run(&[life("n1", "Standard_D2s_v5", "on-demand", H / 2 + 400, 2 * H + 1)], 3, &[]);
    assert_eq!(b.usage.len(), 3);
    assert_eq!(b.usage[2].instance_hours, 1.0 / 3600.0);
}

#[test]
fn a_reservation_covers_smaller_sizes_of_its_group_by_ratio() {
    // One D8 reservation = 4 normalized units = four D2 nodes.
    let four: Vec<NodeLife> = (0..4).map(|i| life(&format!("n{i}"), "Standard_D2s_v5", "on-demand", 0, H)).collect();
    let b = run(&four, 1, &[reservation("ri", "Standard_D8s_v5", 1)]);
    assert!(b.lines.iter().all(|l| l.kind == LineKind::Reservation), "{:?}", b.lines);
    assert_eq!(b.total.on_demand, 0.0);
    assert_eq!(b.total.unused_commitment, 0.0);
    assert_eq!(b.total.reservation, 0.4 * 0.6);
    // Six D2 nodes: four covered, two at on-demand.
    let six: Vec<NodeLife> = (0..6).map(|i| life(&format!("n{i}"), "Standard_D2s_v5", "on-demand", 0, H)).collect();
    let b = run(&six, 1, &[reservation("ri", "Standard_D8s_v5", 1)]);
    let covered = b.lines.iter().filter(|l| l.kind == LineKind::Reservation).count();
    assert_eq!(covered, 4);
    assert!((b.total.on_demand - 0.2).abs() < 1e-12);
    // Two D2 nodes use half the capacity: half its cost is unused.
    let b = run(&six[..2], 1, &[reservation("ri", "Standard_D8s_v5", 1)]);
    assert!((b.total.unused_commitment - 0.12).abs() < 1e-12, "{:?}", b.total);
    assert!((b.commitment_hours[0].unused_units - 2.0).abs() < 1e-12);
}

#[test]
fn a_partly_covered_node_hour_is_split() {
    // A D8 reservation (4 NU) against a D8 node for the first hour and a half of a second one:
    // hour 0 has 1 D8 (covered), hour 1 two D8 nodes: node order decides which one is covered.
    let lives =
        [life("a", "Standard_D8s_v5", "on-demand", 0, 2 * H), life("b", "Standard_D8s_v5", "on-demand", H, 2 * H)];
    let mut r = reservation("ri", "Standard_D2s_v5", 2); // 2 NU: half a D8
    r.kind = CommitmentKind::Reservation { instance_type: "Standard_D2s_v5".into(), flex_group: None, count: 2 };
    let b = run(&lives, 2, &[r]);
    let h0: Vec<(LineKind, f64)> = b.lines.iter().filter(|l| l.hour == 0).map(|l| (l.kind, l.instance_hours)).collect();
    assert_eq!(h0, vec![(LineKind::Reservation, 0.5), (LineKind::OnDemand, 0.5)]);
}

#[test]
fn spot_is_never_covered() {
    let lives = [life("s", "Standard_D2s_v5", "spot", 0, H), life("o", "Standard_D2s_v5", "on-demand", 0, H)];
    let b = run(&lives, 1, &[plan("sp", 10.0), reservation("ri", "Standard_D8s_v5", 3)]);
    let spot: Vec<_> = b.lines.iter().filter(|l| b.nodes[l.node].capacity_type == "spot").collect();
    assert_eq!(spot.len(), 1);
    assert_eq!(spot[0].kind, LineKind::Spot);
    assert_eq!(spot[0].commitment, None);
    assert_eq!(b.total.spot, 0.1 * 0.2);
    // The on-demand node took one of twelve reserved units; the plan covered nothing.
    assert_eq!(b.total.savings_plan, 0.0);
    let plan_hour = b.commitment_hours.iter().find(|c| b.commitments[c.commitment].spec.name == "sp").unwrap();
    assert_eq!(plan_hour.unused_cost, 10.0);
}

#[test]
fn a_type_missing_from_the_catalog_is_an_error_naming_it() {
    let e = bill(&[life("n", "Standard_Z9", "on-demand", 0, H)], &catalog(), "test", Some("testregion"), START, 1, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("Standard_Z9") && e.contains("catalog test") && e.contains("node n"), "{e}");
}

fn table(text: &str) -> usage_csv::UsageTable {
    usage_csv::parse(text).expect("parses")
}

#[test]
fn bad_usage_csv_rows_are_errors_with_line_and_column() {
    let cases = [
        ("hour,instance_type,instance_hours\n", "no `capacity_type` column"),
        ("hour,instance_type,capacity_type,instance_hours\n", "no usage rows"),
        (
            "hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,Standard_D2s_v5,on-demand,abc\n",
            ":2:4",
        ),
        (
            "hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,Standard_D2s_v5,on-demand,-1\n",
            "not a number ≥ 0",
        ),
        (
            "hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,Standard_D2s_v5,preemptible,1\n",
            ":2:3",
        ),
        ("hour,instance_type,capacity_type,instance_hours\nyesterday,Standard_D2s_v5,spot,1\n", "not an RFC 3339 time"),
        (
            "hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,Standard_D2s_v5,spot,1\n2026-07-04T04:30:00Z,Standard_D2s_v5,spot,1\n",
            "same hourly grid",
        ),
        ("hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,,spot,1\n", "`instance_type`: empty"),
        (
            "hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,a,spot,1\n2126-07-04T04:00:00Z,a,spot,1\n",
            "at most 87600",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in cases {
        let path = dir.path().join("usage.csv");
        std::fs::write(&path, text).unwrap();
        let e = usage_csv::read(&path).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains("usage.csv"), "{text:?}: {e}");
    }
    // A type the catalog lacks names the type, the catalog and the file.
    let mut t =
        table("hour,instance_type,capacity_type,instance_hours\n2026-07-04T04:00:00Z,Standard_Z9,on-demand,1\n");
    t.file = "mine.csv".into();
    let e = usage_csv::price_tables(&[t], &catalog(), "test", None).unwrap_err().to_string();
    assert!(e.contains("Standard_Z9") && e.contains("catalog test") && e.contains("mine.csv"), "{e}");
}

#[test]
fn usage_csv_round_trips_and_adds_duplicate_keys() {
    let lives = [
        life("a", "Standard_D2s_v5", "on-demand", 0, 3 * H),
        life("b", "Standard_D8s_v5", "spot", H / 4, 2 * H),
        life("c", "Standard_D8s_v5", "reserved", 0, H),
    ];
    let b = run(&lives, 3, &[]);
    let t = table(&usage_csv::to_csv(&b));
    let back = usage_csv::price_tables(&[t], &catalog(), "test", Some("testregion")).unwrap();
    assert_eq!(back.combined.hours(), b.history.hours());
    let t = table(
        "hour,instance_type,capacity_type,instance_hours\n2026-07-04T05:00:00Z,Standard_D2s_v5,on-demand,1\n2026-07-04T05:00:00Z,Standard_D2s_v5,reserved,0.5\n2026-07-04T04:00:00Z,Standard_D2s_v5,spot,2\n",
    );
    assert_eq!(t.hours, 2);
    assert_eq!(t.rows, vec![(0, "Standard_D2s_v5".into(), true, 2.0), (1, "Standard_D2s_v5".into(), false, 1.5)]);
}

/// The recommendation, re-priced from the written files, gives exactly the reported savings.
#[test]
fn commit_round_trip_reproduces_reported_savings_exactly() {
    // A day-night fleet: 4 D8 always, 6 more D2 for 8 of 24 hours, one spot node.
    let mut lives = Vec::new();
    for d in 0..7u64 {
        for i in 0..6 {
            lives.push(life(
                &format!("day{d}-{i}"),
                "Standard_D2s_v5",
                "on-demand",
                (d * 24 + 9) * H,
                (d * 24 + 17) * H + 1234,
            ));
        }
    }
    for i in 0..4 {
        lives.push(life(&format!("base{i}"), "Standard_D8s_v5", "on-demand", 0, 7 * 24 * H));
    }
    lives.push(life("spot", "Standard_D8s_v5", "spot", 0, 7 * 24 * H));
    let b = run(&lives, 7 * 24, &[]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("usage_hourly.csv");
    std::fs::write(&csv, usage_csv::to_csv(&b)).unwrap();
    let tables = vec![usage_csv::read(&csv).unwrap()];
    let config = AdviseConfig {
        catalog_name: "test".into(),
        region: Some("testregion".into()),
        downside_scale: 0.7,
        upfront_fraction: 1.0,
    };
    let (report, _) = advise(&tables, &catalog(), &config).unwrap();
    capsim::report::commitments::write_commitments(dir.path(), &report).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("commitments.json")).unwrap()).unwrap();
    let usage =
        usage_csv::price_tables(&[usage_csv::read(&csv).unwrap()], &catalog(), "test", Some("testregion")).unwrap();
    let baseline = price(&usage.combined, &Purchase::none()).unwrap().total_cost();
    let candidates = json["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 6);
    for c in candidates {
        let purchase: Purchase = serde_json::from_value(c["purchase"].clone()).unwrap();
        let metrics: CommitmentMetrics = serde_json::from_value(c["metrics"].clone()).unwrap();
        let cost = price(&usage.combined, &purchase).unwrap().total_cost();
        assert_eq!(cost, metrics.cost, "{}", c["name"]);
        assert_eq!(baseline - cost, metrics.net_savings, "{}", c["name"]);
    }
    let best = &candidates[json["recommended"].as_u64().unwrap() as usize];
    assert!(best["metrics"]["net_savings"].as_f64().unwrap() > 0.0);
    // The 4 always-on D8 (16 NU) are the stable base: reservations cover at least them.
    let ri = &candidates[0]["reservations"][0];
    assert!(ri["normalized_units"].as_f64().unwrap() >= 16.0, "{ri}");
    // The stressed future (usage × 0.7) saves less than the planned one.
    let down = best["downside"].as_array().unwrap();
    assert!(down.last().unwrap()["net_savings"].as_f64().unwrap() < best["metrics"]["net_savings"].as_f64().unwrap());
    assert!(std::fs::read_to_string(dir.path().join("commitments.md")).unwrap().contains("Recommended"));
}

/// The bundled example with `extra` appended, paths made absolute, written to a temp folder.
fn scenario_with(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/models/plugilo/scenario.yaml"))
        .unwrap()
        .replace("  - manifests\n", &format!("  - {root}/models/plugilo/manifests\n"))
        .replace("  - nodepools\n", &format!("  - {root}/models/plugilo/nodepools\n"))
        .replace("file: ../../datasets/", &format!("file: {root}/datasets/"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
    (dir, path)
}

#[test]
fn scenario_commitments_are_validated_against_the_catalog() {
    let ok = "commitments:\n  reservations:\n    - {instance_type: Standard_D8s_v5, count: 10, term: 1y}\n    - {flex_group: standardDSv5Family/mem4, count: 4, term: 3y, start: 2026-07-05T00:00:00Z}\n  savings_plans:\n    - {name: sp, usd_per_hour: 2.5, term: 3y}\n";
    let (_d, path) = scenario_with(ok);
    let s = capsim::model::load_scenario(&path).unwrap();
    assert_eq!(s.commitments.len(), 3);
    assert_eq!(s.commitments[0].name, "reservation-1");
    // The group's smallest size with a 3-year price is bought.
    match &s.commitments[1].kind {
        CommitmentKind::Reservation { instance_type, flex_group, count } => {
            assert_eq!(
                (instance_type.as_str(), flex_group.as_deref(), *count),
                ("Standard_D2s_v5", Some("standardDSv5Family/mem4"), 4)
            );
        }
        k => panic!("{k:?}"),
    }
    let bad = [
        (
            "commitments:\n  reservations:\n    - {instance_type: Standard_Z9, count: 1, term: 1y}\n",
            "commitments.reservations[0].instance_type",
        ),
        (
            "commitments:\n  reservations:\n    - {instance_type: Standard_D8s_v5, count: 1, term: 2y}\n",
            "commitments.reservations[0].term",
        ),
        (
            "commitments:\n  reservations:\n    - {instance_type: Standard_D8s_v5, count: 0, term: 1y}\n",
            "commitments.reservations[0].count",
        ),
        ("commitments:\n  reservations:\n    - {count: 1, term: 1y}\n", "exactly one of instance_type and flex_group"),
        (
            "commitments:\n  savings_plans:\n    - {usd_per_hour: -1, term: 1y}\n",
            "commitments.savings_plans[0].usd_per_hour",
        ),
        (
            "commitments:\n  savings_plans:\n    - {usd_per_hour: 1, term: 1y, start: soon}\n",
            "commitments.savings_plans[0].start",
        ),
        ("commitments:\n  savings_plans:\n    - {usd_per_hour: 1, term: 1y, color: red}\n", "color"),
    ];
    for (extra, want) in bad {
        let (_d, path) = scenario_with(extra);
        let e = capsim::model::load_scenario(&path).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains("scenario.yaml"), "{extra}: {e}");
    }
}
