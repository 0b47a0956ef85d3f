// Shared by tests/billing.rs and tests/focus_conformance.rs.

use capsim::commit::Term;
use capsim::model::{CommitmentKind, ExistingCommitment};
use capsim::pricing::Catalog;
use capsim::sim::NodeLife;

pub const START: i64 = 1_783_137_600_000; // 2026-07-04T04:00:00Z

/// Two sizes of one flexibility group (D2 = 1 NU, D8 = 4 NU), prices proportional to ratio.
pub fn catalog() -> Catalog {
    let header = capsim::pricing::COLUMNS.join(",");
    let row = |name: &str, vcpu: u32, ratio: f64, od: f64| {
        format!(
            "azure,testregion,{name},{vcpu},{},amd64,0,standardDSv5Family,dsv5,{ratio},{od},real,{},derived: test,,{},derived: test,{},derived: test,{},derived: test,{},derived: test,",
            vcpu * 4,
            od * 0.2,
            od * 0.6,
            od * 0.4,
            od * 0.7,
            od * 0.5
        )
    };
    let text = format!("{header}\n{}\n{}\n", row("Standard_D2s_v5", 2, 1.0, 0.1), row("Standard_D8s_v5", 8, 4.0, 0.4));
    Catalog::parse(&text).expect("test catalog")
}

pub fn life(name: &str, ty: &str, cap: &str, from_ms: u64, to_ms: u64) -> NodeLife {
    NodeLife {
        name: name.into(),
        pool: "general".into(),
        instance_type: ty.into(),
        capacity_type: cap.into(),
        zone: None,
        launched_ms: from_ms,
        ended_ms: to_ms,
    }
}

pub fn reservation(name: &str, ty: &str, count: u32) -> ExistingCommitment {
    ExistingCommitment {
        name: name.into(),
        kind: CommitmentKind::Reservation { instance_type: ty.into(), flex_group: None, count },
        term: Term::OneYear,
        start: None,
    }
}

pub fn plan(name: &str, usd: f64) -> ExistingCommitment {
    ExistingCommitment {
        name: name.into(),
        kind: CommitmentKind::SavingsPlan { usd_per_hour: usd },
        term: Term::OneYear,
        start: None,
    }
}
