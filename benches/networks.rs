//! Whole-run benchmarks: the seed ring in its two benchmark shapes and a
//! network with many spikes. Simulated times are shortened so that the suite
//! runs in minutes; benches/peers/ runs the full-length comparisons against
//! NEURON, CoreNEURON and Arbor. Run with `cargo bench --bench networks`.

use criterion::{Criterion, criterion_group, criterion_main};
use neurite::models::poisson::{PoissonParams, build_poisson_network};
use neurite::models::ring::{RingParams, build_ring};
use neurite::{Network, Simulation, SimulationConfig};

fn run(network: &Network, tstop: f64) -> usize {
    let mut sim = Simulation::new(network, SimulationConfig::default()).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(tstop).unwrap();
    sim.spikes().len()
}

/// The same run with hh's rates computed exactly (NEURON's
/// `usetable_hh = 0`) instead of NEURON's default tables.
fn run_exact_hh(network: &Network, tstop: f64) -> usize {
    let mut sim = Simulation::new(network, SimulationConfig::default()).unwrap();
    sim.set_global("hh", "usetable", 0.0).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(tstop).unwrap();
    sim.spikes().len()
}

fn networks(c: &mut Criterion) {
    let mut group = c.benchmark_group("networks");
    group.sample_size(10);
    let ring_tiny = build_ring(&RingParams { cells: 1000, ..Default::default() }, |_| true).unwrap();
    group.bench_function("ring_tiny_1000_cells_100ms", |b| b.iter(|| run(&ring_tiny, 100.0)));
    group.bench_function("ring_tiny_1000_cells_100ms_hh_exact", |b| b.iter(|| run_exact_hh(&ring_tiny, 100.0)));
    let ring_dend = build_ring(&RingParams { cells: 100, dend_nseg: 101, ..Default::default() }, |_| true).unwrap();
    group.bench_function("ring_dend_100_cells_101_seg_100ms", |b| b.iter(|| run(&ring_dend, 100.0)));
    let poisson = build_poisson_network(&PoissonParams { cells: 500, ..Default::default() }, |_| true).unwrap();
    group.bench_function("poisson_500_hh_cells_100_inputs_each_100ms", |b| b.iter(|| run(&poisson, 100.0)));
    group.bench_function("build_ring_10000_cells_101_seg", |b| {
        b.iter(|| {
            let net =
                build_ring(&RingParams { cells: 10_000, dend_nseg: 101, ..Default::default() }, |_| true).unwrap();
            Simulation::new(&net, SimulationConfig::default()).unwrap().node_count()
        })
    });
    group.finish();
}

criterion_group!(benches, networks);
criterion_main!(benches);
