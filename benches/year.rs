//! One simulated year of the bundled example (11 workloads, 1-minute NASA trace repeated to a
//! year, fluid service model, hourly output), on one core: with fixed replicas, and with its
//! HPAs and ScaledObjects.
use std::hint::black_box;
use std::path::Path;

use capsim::model::{Overrides, load_scenario_with};
use criterion::{Criterion, criterion_group, criterion_main};

fn year(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/plugilo/scenario.yaml");
    let overrides = Overrides {
        duration: Some("365d".into()),
        output_step: Some("1h".into()),
        fidelity: None,
        fixed_replicas: false,
    };
    let autoscaled = load_scenario_with(&path, &overrides).expect("bundled example loads");
    let mut fixed = autoscaled.clone();
    for w in &mut fixed.workloads {
        w.autoscaler = None;
    }
    let mut group = c.benchmark_group("plugilo_year");
    group.sample_size(10);
    group.bench_function("fixed_replicas", |b| b.iter(|| black_box(capsim::sim::run(&fixed, None).unwrap())));
    group.bench_function("pod_autoscaling", |b| b.iter(|| black_box(capsim::sim::run(&autoscaled, None).unwrap())));
    group.bench_function("load_scenario", |b| b.iter(|| black_box(load_scenario_with(&path, &overrides).unwrap())));
    group.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
