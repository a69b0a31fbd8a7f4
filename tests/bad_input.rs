//! Every kind of bad input gives a clear error value, never a panic or
//! silently wrong output.

use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, NeuriteError, SectionGeometry, SectionId, Simulation,
    SimulationConfig,
};

fn soma_cell() -> (CableCell, SectionId) {
    let mut cell = CableCell::new("cell");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.insert(soma, "pas").unwrap();
    (cell, soma)
}

#[test]
fn zero_segments_and_bad_numbers_name_the_section() {
    let mut cell = CableCell::new("c");
    let err = cell.add_section("axon", SectionGeometry { length: 10.0, diam: 1.0, nseg: 0 }).unwrap_err();
    assert_eq!(err.to_string(), "section `axon`: nseg must be an integer in range 1 to 32767 (got 0)");
    for (length, diam, what) in [(0.0, 1.0, "L"), (f64::NAN, 1.0, "L"), (10.0, -2.0, "diam"), (10.0, f64::NAN, "diam")]
    {
        let err = cell.add_section("axon", SectionGeometry { length, diam, nseg: 1 }).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`axon`") && msg.contains(what), "{msg}");
    }
    let s = cell.add_section("axon", SectionGeometry { length: 10.0, diam: 1.0, nseg: 1 }).unwrap();
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(cell.set_ra(s, bad).unwrap_err().to_string().contains("Ra"));
        assert!(cell.set_cm(s, bad).unwrap_err().to_string().contains("cm"));
        assert!(cell.set_length(s, bad).is_err());
        assert!(cell.set_diam(s, bad).is_err());
    }
}

#[test]
fn locations_outside_the_section_are_rejected() {
    let (mut cell, soma) = soma_cell();
    for x in [-0.01, 1.01, f64::NAN] {
        let err = cell.add_point_process(Location::new(soma, x), "ExpSyn").unwrap_err();
        assert!(matches!(err, NeuriteError::LocationOutOfRange { .. }), "{err}");
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert!(matches!(sim.record_voltage(0, Location::new(soma, 2.0)), Err(NeuriteError::LocationOutOfRange { .. })));
    assert!(matches!(sim.record_voltage(7, Location::new(soma, 0.5)), Err(NeuriteError::UnknownGid { gid: 7 })));
}

#[test]
fn sections_connected_twice_or_in_a_cycle_are_rejected() {
    let mut cell = CableCell::new("c");
    let g = SectionGeometry { length: 10.0, diam: 1.0, nseg: 1 };
    let a = cell.add_section("a", g).unwrap();
    let b = cell.add_section("b", g).unwrap();
    cell.connect(b, a, 1.0).unwrap();
    assert_eq!(
        cell.connect(b, a, 0.5).unwrap_err().to_string(),
        "section `b` is already connected to `a`; disconnect it first"
    );
    assert_eq!(cell.connect(a, b, 1.0).unwrap_err().to_string(), "connecting `a` to `b` would create a cycle");
}

#[test]
fn unknown_mechanisms_and_parameters_are_rejected() {
    let (mut cell, soma) = soma_cell();
    assert_eq!(cell.insert(soma, "kdr").unwrap_err().to_string(), "unknown mechanism `kdr`");
    assert_eq!(
        cell.set_parameter(soma, "pas", "gbar", 1.0).unwrap_err().to_string(),
        "mechanism `pas` has no parameter named `gbar`"
    );
    assert_eq!(
        cell.set_parameter(soma, "hh", "gnabar", 1.0).unwrap_err().to_string(),
        "mechanism `hh` is not inserted in section `soma`"
    );
    assert!(cell.add_point_process(Location::new(soma, 0.5), "AlphaSynapse").is_err());
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    assert!(cell.set_point_parameter(syn, "tau", f64::NAN).is_err());
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert!(matches!(
        sim.record_variable(0, Location::new(soma, 0.5), "pas", "q", 1),
        Err(NeuriteError::UnknownVariable { .. })
    ));
    assert!(matches!(sim.point_variable(0, syn, "nope"), Err(NeuriteError::UnknownVariable { .. })));
    assert!(sim.set_point_variable(0, syn, "i", 1.0).is_err(), "assigned variables are read-only");
}

#[test]
fn negative_delays_and_bad_targets_are_rejected() {
    let (mut cell, soma) = soma_cell();
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp").unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    net.add_netstim(1, NetStimParams::default()).unwrap();
    let target = NetConTarget::PointProcess { gid: 0, point_process: syn };
    assert_eq!(
        net.connect(1, target, 0.1, -1.0).unwrap_err().to_string(),
        "NetCon from gid 1: delay must be >= 0 ms (got -1 ms)"
    );
    assert!(matches!(net.connect(1, target, 0.1, f64::NAN), Err(NeuriteError::NegativeDelay { .. })));
    assert!(matches!(
        net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: clamp }, 0.1, 1.0),
        Err(NeuriteError::NotAnEventTarget { .. })
    ));
    assert!(matches!(
        net.connect(1, NetConTarget::NetStim { gid: 5 }, 0.1, 1.0),
        Err(NeuriteError::UnknownGid { gid: 5 })
    ));
    // A delay shorter than dt cannot be honoured by the spike exchange.
    net.connect(1, target, 0.1, 0.01).unwrap();
    let err = Simulation::new(&net, SimulationConfig::default()).err().unwrap();
    assert!(err.to_string().contains("delay") && err.to_string().contains("dt"), "{err}");
}

#[test]
fn sources_without_a_detector_or_cell_are_rejected() {
    let (mut cell, soma) = soma_cell();
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    net.connect(0, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.1, 1.0).unwrap();
    assert!(matches!(
        Simulation::new(&net, SimulationConfig::default()),
        Err(NeuriteError::NoSpikeDetector { gid: 0 })
    ));
    let mut net2 = Network::new();
    let (mut cell, soma) = soma_cell();
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    net2.add_cable_cell(0, cell).unwrap();
    net2.connect(42, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.1, 1.0).unwrap();
    assert!(matches!(Simulation::new(&net2, SimulationConfig::default()), Err(NeuriteError::UnknownGid { gid: 42 })));
}

#[test]
fn bad_time_steps_are_rejected() {
    let (cell, _) = soma_cell();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    for dt in [0.0, -0.025, f64::NAN, f64::INFINITY] {
        let err = Simulation::new(&net, SimulationConfig { dt, ..Default::default() }).err().unwrap();
        assert!(matches!(err, NeuriteError::InvalidDt { .. }), "{err}");
    }
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert_eq!(sim.run(10.0).unwrap_err(), NeuriteError::NotInitialized);
}

#[test]
fn bad_netstim_parameters_are_rejected() {
    let mut net = Network::new();
    for bad in [
        NetStimParams { interval: 0.0, ..Default::default() },
        NetStimParams { number: -1.0, ..Default::default() },
        NetStimParams { noise: 1.5, ..Default::default() },
        NetStimParams { start: f64::NAN, ..Default::default() },
    ] {
        let err = net.add_netstim(3, bad).unwrap_err();
        assert!(err.to_string().contains("NetStim[gid 3]"), "{err}");
    }
}

#[test]
fn a_voltage_that_blows_up_stops_the_run_naming_cell_section_and_time() {
    let mut cell = CableCell::new("cell");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 1.0, nseg: 3 }).unwrap();
    cell.connect(dend, soma, 1.0).unwrap();
    let clamp = cell.add_point_process(Location::new(dend, 0.5), "IClamp").unwrap();
    cell.set_point_parameter(clamp, "del", 1.0).unwrap();
    cell.set_point_parameter(clamp, "dur", 1.0).unwrap();
    cell.set_point_parameter(clamp, "amp", 1e308).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(7, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.finitialize(-65.0).unwrap();
    match sim.run(5.0) {
        Err(NeuriteError::NonFiniteVoltage { gid, section, t, value }) => {
            assert_eq!(gid, 7);
            assert_eq!(section, "dend");
            assert!((1.0..1.1).contains(&t), "t = {t}");
            assert!(!value.is_finite());
        }
        other => panic!("expected NonFiniteVoltage, got {other:?}"),
    }
}

#[test]
fn a_run_to_a_non_finite_time_is_rejected() {
    let (cell, _) = soma_cell();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.finitialize(-65.0).unwrap();
    for tstop in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(sim.run(tstop), Err(NeuriteError::InvalidParameter { .. })), "tstop {tstop}");
    }
}

#[test]
fn a_trace_id_from_another_simulation_is_an_error() {
    let (cell, soma) = soma_cell();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut one = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let id = one.record_voltage(0, Location::new(soma, 0.5)).unwrap();
    let two = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert!(two.trace(id).is_err());
    assert!(one.trace(id).is_ok());
}

#[test]
fn netstims_with_any_gid_get_a_default_stream() {
    // Default streams are numbered by owner gid, not made from the gid.
    let mut net = Network::new();
    net.add_netstim(u64::from(u32::MAX) + 5, NetStimParams { noise: 1.0, ..Default::default() }).unwrap();
    assert!(Simulation::new(&net, SimulationConfig::default()).is_ok());
}

#[test]
fn sections_of_3d_points_without_length_are_rejected() {
    let mut cell = CableCell::new("c");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.pt3d_add(soma, 1.0, 2.0, 3.0, 5.0).unwrap();
    cell.pt3d_add(soma, 1.0, 2.0, 3.0, 5.0).unwrap();
    let mut net = Network::new();
    let err = net.add_cable_cell(0, cell.clone()).unwrap_err();
    assert!(err.to_string().contains("soma") && err.to_string().contains("3-D"), "{err}");
    assert!(cell.set_length(soma, 20.0).is_err());
}

#[test]
fn a_bad_point_process_id_is_named_as_such() {
    let (mut cell, _) = soma_cell();
    let (mut other, soma) = soma_cell();
    let foreign = other.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    let err = cell.set_point_parameter(foreign, "tau", 1.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a point process id that belongs to another cell or simulation was given to cell `cell`"
    );
    let stim = cell.add_netstim(NetStimParams::default()).unwrap();
    let err = cell.connect_netstim(stim, foreign, 0.1, 1.0).unwrap_err();
    assert!(matches!(err, NeuriteError::ForeignId { kind: "point process", .. }), "{err}");
}

#[test]
fn a_cells_own_netstim_without_netcons_makes_no_spikes_of_that_cell() {
    let (mut cell, soma) = soma_cell();
    cell.add_netstim(NetStimParams { start: 1.0, number: 3.0, interval: 2.0, ..Default::default() }).unwrap();
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(7, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(10.0).unwrap();
    assert!(sim.spikes().is_empty(), "{:?}", sim.spikes());
}

#[test]
fn a_child_connects_by_its_0_or_1_end_only() {
    let (mut cell, soma) = soma_cell();
    let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 1.0, nseg: 3 }).unwrap();
    let err = cell.connect_end(dend, 0.5, soma, 1.0).unwrap_err();
    assert!(err.to_string().contains("`dend`") && err.to_string().contains("0 or 1"), "{err}");
    cell.connect_end(dend, 1.0, soma, 1.0).unwrap();
    assert_eq!(cell.section(dend).unwrap().orientation(), 1.0);
    assert!(matches!(cell.connect_end(dend, 1.0, soma, 0.0), Err(NeuriteError::AlreadyConnected { .. })));
}
