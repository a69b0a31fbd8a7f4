//! ExpSyn and Exp2Syn conductances against their closed forms.

use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, SectionGeometry, Simulation, SimulationConfig,
};

/// One passive compartment with the synapse `mechanism`, hit once at 1 ms by
/// a NetStim with weight `weight` and delay 1 ms. Returns (times, state
/// `state` of the synapse).
fn conductance(mechanism: &str, params: &[(&str, f64)], weight: f64, dt: f64, state: &str) -> (Vec<f64>, Vec<f64>) {
    let mut cell = CableCell::new("c");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.insert(soma, "pas").unwrap();
    let syn = cell.add_point_process(Location::new(soma, 0.5), mechanism).unwrap();
    for (name, value) in params {
        cell.set_point_parameter(syn, name, *value).unwrap();
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    net.add_netstim(1, NetStimParams { start: 0.0, number: 1.0, ..Default::default() }).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, weight, 1.0).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig { dt, ..Default::default() }).unwrap();
    let g = sim.record_point_variable(0, syn, state, 1).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(30.0).unwrap();
    let trace = sim.trace(g).unwrap();
    (trace.times.clone(), trace.values.clone())
}

#[test]
fn expsyn_decays_exponentially_from_the_weight() {
    let (tau, w, dt) = (2.0, 0.05, 0.025);
    let (times, g) = conductance("ExpSyn", &[("tau", tau)], w, dt, "g");
    // The event (t = 1 ms) is delivered at the start of the step from t = 1:
    // g jumps to w there and decays by exp(-dt/tau) per step.
    let onset = times.iter().position(|&t| t > 1.0 + dt / 2.0).unwrap();
    assert!(g[..onset].iter().all(|&x| x == 0.0));
    for k in onset..times.len() {
        let expected = w * (-(times[k] - times[onset - 1]) / tau).exp();
        assert!((g[k] - expected).abs() <= 1e-12 * w, "t {} g {} expected {}", times[k], g[k], expected);
    }
}

#[test]
fn exp2syn_is_a_normalised_difference_of_exponentials() {
    let (tau1, tau2, w, dt) = (0.5, 4.0, 0.01, 0.005);
    let params = [("tau1", tau1), ("tau2", tau2)];
    // g = B - A is computed with the currents, half a step behind the
    // states; compare the states, which are exact.
    let (times, a) = conductance("Exp2Syn", &params, w, dt, "A");
    let (_, b) = conductance("Exp2Syn", &params, w, dt, "B");
    let g: Vec<f64> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
    let onset = times.iter().position(|&t| t > 1.0 + dt / 2.0).unwrap();
    let tp = tau1 * tau2 / (tau2 - tau1) * (tau2 / tau1).ln();
    let factor = 1.0 / ((-tp / tau2).exp() - (-tp / tau1).exp());
    for k in onset..times.len() {
        let s = times[k] - times[onset - 1];
        let expected = w * factor * ((-s / tau2).exp() - (-s / tau1).exp());
        assert!((g[k] - expected).abs() <= 1e-12 * w, "t {} g {} expected {}", times[k], g[k], expected);
    }
    // The peak equals the weight, at tp after the event (to within a step).
    let (k_peak, peak) = g.iter().enumerate().fold((0, 0.0), |b, (k, &x)| if x > b.1 { (k, x) } else { b });
    assert!((peak - w).abs() < 1e-6 * w, "peak {peak}");
    assert!((times[k_peak] - times[onset - 1] - tp).abs() <= dt);
}

#[test]
fn a_netstim_started_by_an_event_fires_its_train_from_the_arrival_time() {
    // NetStim gid 1 is off (start < 0) until gid 0's spike reaches it.
    let mut net = Network::new();
    net.add_netstim(0, NetStimParams { start: 4.0, number: 1.0, ..Default::default() }).unwrap();
    net.add_netstim(1, NetStimParams { start: -1.0, number: 3.0, interval: 10.0, ..Default::default() }).unwrap();
    net.connect(0, NetConTarget::NetStim { gid: 1 }, 1.0, 1.5).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(60.0).unwrap();
    let times: Vec<(u64, f64)> = sim.spikes().iter().map(|s| (s.gid, s.time)).collect();
    assert_eq!(times, vec![(0, 4.0), (1, 5.5), (1, 15.5), (1, 25.5)]);
}

#[test]
fn a_cells_own_netstim_reaches_its_synapse_without_being_a_gid() {
    let mut cell = CableCell::new("c");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.insert(soma, "pas").unwrap();
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp").unwrap();
    let stim = cell.add_netstim(NetStimParams { start: 2.0, number: 1.0, ..Default::default() }).unwrap();
    // Plain NetCons may have any delay >= 0, even below dt.
    cell.connect_netstim(stim, syn, 0.05, 0.0).unwrap();
    assert!(cell.connect_netstim(stim, clamp, 0.05, 1.0).is_err(), "IClamp takes no events");
    assert!(cell.connect_netstim(stim, syn, 0.05, -1.0).is_err());
    let mut other = CableCell::new("other");
    let foreign_stim = other.add_netstim(NetStimParams::default()).unwrap();
    assert!(cell.connect_netstim(foreign_stim, syn, 0.05, 1.0).is_err(), "a NetStim of another cell");
    assert!(cell.add_netstim(NetStimParams { interval: -1.0, ..Default::default() }).is_err());
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let g = sim.record_point_variable(0, syn, "g", 1).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(5.0).unwrap();
    let trace = sim.trace(g).unwrap();
    // Delivered in the step that starts at t = 2 (due by t + dt/2).
    let first = trace.values.iter().position(|&x| x > 0.0).unwrap();
    assert!((trace.times[first] - 2.025).abs() < 1e-9, "first g > 0 at {}", trace.times[first]);
    assert!(sim.spikes().is_empty(), "a cell's own NetStim is not a recorded source");
}
