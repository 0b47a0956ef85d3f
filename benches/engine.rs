//! Engine throughput on the classic hold model: a queue kept at N pending events, each step
//! pops the earliest and schedules one new event a random increment later.

// The allocator the capsim binary runs with (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use capsim::engine::{EventQueue, RngStreams};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::{Distribution, Exp};

const STEPS: u64 = 1_000_000;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_hold");
    for pending in [1_000usize, 100_000] {
        group.throughput(Throughput::Elements(STEPS));
        group.bench_function(format!("pending_{pending}"), |b| {
            // Increments drawn up front so the benchmark measures the queue, not the RNG.
            let mut rng = RngStreams::new(1, "bench", 0).stream("hold");
            let exp = Exp::new(1.0 / 1_000.0).unwrap();
            let increments: Vec<u64> = (0..4096).map(|_| exp.sample(&mut rng) as u64 + 1).collect();
            b.iter(|| {
                let mut q = EventQueue::with_capacity(pending + 1);
                for i in 0..pending {
                    q.schedule(rng.random_range(0..1_000_000u64), 1, i as u32);
                }
                let mut checksum = 0u64;
                for step in 0..STEPS {
                    let ev = q.pop().unwrap();
                    checksum = checksum.wrapping_add(ev.event as u64);
                    let dt = increments[(step as usize) & 4095];
                    q.schedule(ev.time + dt, 1, ev.event);
                }
                black_box(checksum)
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotting backend needs system fonts a fresh machine may lack.
    config = Criterion::default().sample_size(10).without_plots();
    targets = hold
}
criterion_main!(benches);
