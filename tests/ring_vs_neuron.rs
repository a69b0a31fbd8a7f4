//! The seed ring against NEURON 9.0.2 (reference files written by
//! scripts/neuron_reference.py).

mod common;

use common::*;
use neurite::models::ring::{RingParams, build_ring};
use neurite::{Location, Simulation, SimulationConfig};

fn run_ring(params: RingParams, dt: f64, tstop: f64) -> (Vec<neurite::Spike>, Vec<f64>, Vec<f64>) {
    let network = build_ring(&params, |_| true).unwrap();
    let mut sim = Simulation::new(&network, SimulationConfig { dt, ..Default::default() }).unwrap();
    // These references were made with NEURON's `usetable_hh = 0`.
    sim.set_global("hh", "usetable", 0.0).unwrap();
    let soma = sim.section(0, "soma").unwrap();
    let soma_v = sim.record_voltage(0, Location::new(soma, 0.5)).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(tstop).unwrap();
    let spikes: Vec<_> = sim.spikes().iter().copied().filter(|s| s.gid < params.cells as u64).collect();
    let trace = sim.trace(soma_v).unwrap();
    (spikes, trace.times.clone(), trace.values.clone())
}

#[test]
fn ring5_matches_neuron() {
    let (spikes, times, v) = run_ring(RingParams::default(), 0.025, 100.0);
    let reference = reference_traces("ring5_soma_v.csv");
    assert_eq!(v.len(), 4001);
    assert_same_spikes(&spikes, &reference_spikes("ring5_spikes.csv"), 0.025);
    assert_eq!(spikes.len(), 14);
    let (dv, at) = max_abs_diff(&v, &reference.column("v_mV"));
    println!("ring5: max |v - v_NEURON| = {dv:e} mV at step {at}");
    assert!(dv <= 1e-6, "max |dv| = {dv} mV at step {at}");
    let (dt_max, _) = max_abs_diff(&times, &reference.column("t_ms"));
    assert!(dt_max < 1e-9);
}

#[test]
fn ring5_with_11_segment_dendrites_and_small_dt_matches_neuron() {
    let params = RingParams { dend_nseg: 11, ..RingParams::default() };
    let (spikes, _, v) = run_ring(params, 0.0125, 60.0);
    let reference = reference_traces("ring5_dend11_dt0125_soma_v.csv");
    assert_same_spikes(&spikes, &reference_spikes("ring5_dend11_dt0125_spikes.csv"), 0.0125);
    let (dv, at) = max_abs_diff(&v, &reference.column("v_mV"));
    println!("ring5 dend11 dt 0.0125: max |dv| = {dv:e} mV at step {at}");
    assert!(dv <= 1e-6, "max |dv| = {dv} mV at step {at}");
}

#[test]
fn ring7_matches_neuron_under_mpi() {
    let params = RingParams { cells: 7, ..RingParams::default() };
    let (spikes, _, _) = run_ring(params, 0.025, 200.0);
    assert_same_spikes(&spikes, &reference_spikes("ring7_mpi3_spikes.csv"), 0.025);
}

/// The ring with hh as built in (generated from mechanisms/hh.mod by
/// neurite's NMODL compiler), TABLEs on (`usetable`, NEURON's default) or
/// off.
fn run_ring_generated_hh(usetable: f64) -> (Vec<neurite::Spike>, Vec<f64>) {
    let params = RingParams::default();
    let network = build_ring(&params, |_| true).unwrap();
    let mut sim = Simulation::new(&network, SimulationConfig::default()).unwrap();
    sim.set_global("hh", "usetable", usetable).unwrap();
    let soma = sim.section(0, "soma").unwrap();
    let soma_v = sim.record_voltage(0, Location::new(soma, 0.5)).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(100.0).unwrap();
    let spikes: Vec<_> = sim.spikes().iter().copied().filter(|s| s.gid < params.cells as u64).collect();
    (spikes, sim.trace(soma_v).unwrap().values.clone())
}

#[test]
fn ring5_with_generated_hh_and_neurons_default_tables_matches_neurons_default_run() {
    let (spikes, v) = run_ring_generated_hh(1.0);
    assert_same_spikes(&spikes, &reference_spikes("ring5_tables_spikes.csv"), 0.025);
    let (dv, at) = max_abs_diff(&v, &reference_traces("ring5_tables_soma_v.csv").column("v_mV"));
    println!("ring5, generated hh, tables on: max |v - v_NEURON(usetable_hh=1)| = {dv:e} mV at step {at}");
    assert!(dv <= 1e-6, "max |dv| = {dv} mV at step {at}");
}

#[test]
fn ring5_with_generated_hh_and_tables_off_matches_neurons_exact_run() {
    let (spikes, v) = run_ring_generated_hh(0.0);
    assert_same_spikes(&spikes, &reference_spikes("ring5_spikes.csv"), 0.025);
    let (dv, at) = max_abs_diff(&v, &reference_traces("ring5_soma_v.csv").column("v_mV"));
    println!("ring5, generated hh, tables off: max |v - v_NEURON(usetable_hh=0)| = {dv:e} mV at step {at}");
    assert!(dv <= 1e-6, "max |dv| = {dv} mV at step {at}");
}

fn never_built(_: neurite::mechanisms::InstanceSetup) -> Box<dyn neurite::mechanisms::Mechanism> {
    unreachable!("a rejected replacement is never instantiated")
}

/// Claims to be hh but has other parameters.
static NOT_HH: neurite::mechanisms::MechanismInfo = neurite::mechanisms::MechanismInfo {
    name: "hh",
    kind: neurite::mechanisms::MechanismKind::Density,
    variables: &[neurite::mechanisms::VariableInfo::parameter("gbar", 1.0, "S/cm2")],
    ions: &[],
    randoms: &[],
    pointers: &[],
    weights: &[],
    function_tables: &[],
    create: never_built,
};

#[test]
fn a_replacement_must_match_the_built_in_and_globals_must_exist() {
    let network = build_ring(&RingParams::default(), |_| true).unwrap();
    let err = Simulation::with_implementations(
        &network,
        SimulationConfig::default(),
        neurite::SerialCommunicator,
        &[&NOT_HH],
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("replacement of mechanism `hh`"), "{err}");
    let mut sim = Simulation::new(&network, SimulationConfig::default()).unwrap();
    assert!(sim.set_global("hh", "usetable", 0.0).is_ok());
    assert!(sim.set_global("hh", "no_such_global", 0.0).is_err());
    assert!(sim.set_global("nosuch", "usetable", 0.0).is_err());
    assert!(sim.set_global("hh", "usetable", f64::NAN).is_err());
}
