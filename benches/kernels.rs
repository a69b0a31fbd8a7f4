//! Kernel benchmarks: the pieces of a time step, per compartment or per
//! instance. Run with `cargo bench --bench kernels`.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use neurite::Spike;
use neurite::communication::{SerialCommunicator, all_gather_spikes, run_thread_ranks};
use neurite::events::{Event, EventKey, EventQueue, EventTarget};
use neurite::mechanisms::{EventOutbox, InstanceSetup, StepGlobals, lookup};
use neurite::random123::Random123Stream;
use neurite::solver::{InterleavedTree, hines_solve, hines_solve_interleaved, level_order};
use std::hint::black_box;

const GLOBALS: StepGlobals = StepGlobals { t: 1.0, dt: 0.025, celsius: 6.3 };

/// The matrix of `copies` cables of `n` nodes (each node's parent the one
/// before), as dendrites.
struct CableMatrix {
    parent: Vec<usize>,
    a: Vec<f64>,
    b: Vec<f64>,
    d: Vec<f64>,
    rhs: Vec<f64>,
}

fn cable_matrix(n: usize, copies: usize) -> CableMatrix {
    let total = n * copies;
    CableMatrix {
        parent: (0..n).map(|k| k.wrapping_sub(1)).collect(),
        a: vec![-0.3; total],
        b: vec![-0.2; total],
        d: vec![2.0; total],
        rhs: (0..total).map(|i| (i % 7) as f64 * 0.01).collect(),
    }
}

fn hines(c: &mut Criterion) {
    let mut group = c.benchmark_group("hines_solve");
    let n = 103;
    for width in [1usize, 100, 1000] {
        group.throughput(Throughput::Elements((n * width) as u64));
        let CableMatrix { parent, a, b, d, rhs } = cable_matrix(n, width);
        // Cells one after the other, each solved on its own.
        let contiguous_parent: Vec<usize> =
            (0..n * width).map(|i| if i % n == 0 { usize::MAX } else { i - 1 }).collect();
        group.bench_with_input(BenchmarkId::new("one_cell_at_a_time", width), &width, |bench, &width| {
            bench.iter_batched_ref(
                || (d.clone(), rhs.clone()),
                |(d, rhs)| {
                    for c in 0..width {
                        hines_solve(c * n..(c + 1) * n, &contiguous_parent, &a, &b, d, rhs);
                    }
                },
                BatchSize::LargeInput,
            )
        });
        let order = level_order(&parent);
        let tree = InterleavedTree { base: 0, width, root: 0, parent: &parent, order: &order };
        group.bench_with_input(BenchmarkId::new("interleaved", width), &width, |bench, _| {
            bench.iter_batched_ref(
                || (d.clone(), rhs.clone()),
                |(d, rhs)| hines_solve_interleaved(&tree, &a, &b, d, rhs),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn mechanisms(c: &mut Criterion) {
    let n = 10_000;
    let mut group = c.benchmark_group("mechanisms");
    group.throughput(Throughput::Elements(n as u64));
    let v: Vec<f64> = (0..n).map(|i| -70.0 + (i % 50) as f64).collect();
    for name in ["hh", "pas", "ExpSyn"] {
        let info = lookup(name).unwrap();
        let setup = InstanceSetup {
            count: n,
            area_factor: vec![0.5; n],
            parameters: info.parameter_defaults().iter().map(|&x| vec![x; n]).collect(),
            diam: vec![10.0; n],
            area: vec![314.159; n],
            random_ids: Vec::new(),
        };
        let mut mechanism = (info.create)(setup);
        mechanism.initialize(&v, &GLOBALS, &mut EventOutbox::default());
        let (mut rhs, mut d) = (vec![0.0; n], vec![0.0; n]);
        group.bench_function(format!("{name}/current"), |bench| {
            bench.iter(|| mechanism.current(0..n, black_box(&v), &mut rhs, &mut d, &GLOBALS))
        });
        group.bench_function(format!("{name}/state"), |bench| {
            bench.iter(|| mechanism.advance_state(0..n, black_box(&v), &GLOBALS))
        });
    }
    group.finish();
}

fn events(c: &mut Criterion) {
    let n = 10_000;
    let mut group = c.benchmark_group("events");
    group.throughput(Throughput::Elements(n as u64));
    let mut rng = Random123Stream::new(1, 2, 3);
    let events: Vec<Event> = (0..n)
        .map(|i| Event {
            time: rng.uniform_open01() * 100.0,
            key: EventKey::netcon(0.0, i as u64 % 97, 0),
            target: EventTarget { slot: 2, instance: (i % 1000) as u32 },
            weights: i as u32,
            flag: 0.0,
        })
        .collect();
    group.bench_function("queue_push_then_deliver_in_steps", |bench| {
        bench.iter(|| {
            let mut queue = EventQueue::new();
            for e in &events {
                queue.push(*e);
            }
            let mut delivered = 0;
            let mut t = 0.0;
            while !queue.is_empty() {
                t += 0.025;
                while queue.pop_due(t).is_some() {
                    delivered += 1;
                }
            }
            black_box(delivered)
        })
    });
    let spikes: Vec<Spike> = (0..1000).map(|i| Spike { gid: i, time: i as f64 * 0.1 }).collect();
    group.throughput(Throughput::Elements(spikes.len() as u64));
    group.bench_function("spike_exchange_serial_1000", |bench| {
        let mut comm = SerialCommunicator;
        bench.iter(|| all_gather_spikes(&mut comm, black_box(&spikes)).unwrap())
    });
    group.bench_function("spike_exchange_2_thread_ranks_100_rounds_of_1000", |bench| {
        bench.iter(|| {
            run_thread_ranks(2, |mut comm| {
                let mut total = 0;
                for _ in 0..100 {
                    total += all_gather_spikes(&mut comm, &spikes).unwrap().len();
                }
                total
            })
        })
    });
    group.finish();
}

fn exponential(c: &mut Criterion) {
    let n = 10_000;
    let mut group = c.benchmark_group("math");
    group.throughput(Throughput::Elements(n as u64));
    let x: Vec<f64> = (0..n).map(|i| -30.0 + 60.0 * i as f64 / n as f64).collect();
    let mut y = vec![0.0; n];
    group.bench_function("exp_neurite", |bench| {
        bench.iter(|| {
            for (y, x) in y.iter_mut().zip(black_box(&x)) {
                *y = neurite::math::exp(*x);
            }
        })
    });
    group.bench_function("exp_libm", |bench| {
        bench.iter(|| {
            for (y, x) in y.iter_mut().zip(black_box(&x)) {
                *y = x.exp();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, hines, mechanisms, events, exponential);
criterion_main!(benches);
