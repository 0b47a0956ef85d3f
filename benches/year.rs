//! One simulated year of the bundled example (10 workloads, 1-minute NASA trace repeated to a
//! year, fixed replicas, fluid service model), on one core. Output aggregated hourly.
use std::hint::black_box;
use std::path::Path;

use capsim::model::{Overrides, load_scenario_with};
use criterion::{Criterion, criterion_group, criterion_main};

fn year(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/plugilo/scenario.yaml");
    let overrides = Overrides { duration: Some("365d".into()), output_step: Some("1h".into()), fidelity: None };
    let scenario = load_scenario_with(&path, &overrides).expect("bundled example loads");
    let mut group = c.benchmark_group("plugilo_year");
    group.sample_size(10);
    group.bench_function("simulate", |b| b.iter(|| black_box(capsim::sim::run(&scenario, None).unwrap())));
    group.bench_function("load_and_simulate", |b| {
        b.iter(|| {
            let s = load_scenario_with(&path, &overrides).unwrap();
            black_box(capsim::sim::run(&s, None).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
