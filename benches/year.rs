//! One simulated year of the bundled example (11 workloads, 1-minute NASA trace repeated to a
//! year, fluid service model, hourly output), on one core: with fixed replicas on fixed nodes,
//! with its HPAs and ScaledObjects on fixed nodes, and the full example (pod autoscaling and
//! Karpenter with consolidation and spot evictions). Billing is measured with the run outputs
//! (`capsim run`), not here.

// The allocator the capsim binary runs with (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use capsim::model::{Overrides, load_scenario_with};
use criterion::{Criterion, criterion_group, criterion_main};

fn year(c: &mut Criterion) {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/plugilo");
    let overrides = Overrides {
        duration: Some("365d".into()),
        output_step: Some("1h".into()),
        fidelity: None,
        fixed_replicas: false,
    };
    let fixed_nodes_path = models.join("scenario-fixed-nodes.yaml");
    let autoscaled = load_scenario_with(&fixed_nodes_path, &overrides).expect("bundled example loads");
    let mut fixed = autoscaled.clone();
    for w in &mut fixed.workloads {
        w.autoscaler = None;
    }
    let full = load_scenario_with(&models.join("scenario.yaml"), &overrides).expect("bundled example loads");
    let mut group = c.benchmark_group("plugilo_year");
    group.sample_size(10);
    group.bench_function("fixed_replicas", |b| b.iter(|| black_box(capsim::sim::run(&fixed, None).unwrap())));
    group.bench_function("pod_autoscaling", |b| b.iter(|| black_box(capsim::sim::run(&autoscaled, None).unwrap())));
    group.bench_function("karpenter", |b| b.iter(|| black_box(capsim::sim::run(&full, None).unwrap())));
    group.bench_function("load_scenario", |b| {
        b.iter(|| black_box(load_scenario_with(&fixed_nodes_path, &overrides).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotting backend needs system fonts a fresh machine may lack.
    config = Criterion::default().without_plots();
    targets = year
}
criterion_main!(benches);
