//! Ions per segment: values the user sets (NEURON's `sec.ek = ...`,
//! `sec(x).ena = ...`) reach the mechanisms that read them, ion currents are
//! summed per segment, and bad names or values are clear errors.

use neurite::{CableCell, Location, Network, NeuriteError, SectionGeometry, SectionId, Simulation, SimulationConfig};

fn cable() -> (CableCell, SectionId) {
    let mut cell = CableCell::new("cable");
    let cable = cell.add_section("cable", SectionGeometry { length: 300.0, diam: 2.0, nseg: 3 }).unwrap();
    cell.insert(cable, "hh").unwrap();
    (cell, cable)
}

fn reference() -> Vec<Vec<f64>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ion_settings_v.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect()
}

/// `scripts/neuron_reference.py ion-settings`: ek for the whole section,
/// ena for two of its segments.
#[test]
fn reversal_potentials_set_per_section_and_segment_match_neuron() {
    let (mut cell, s) = cable();
    cell.set_ion_variable(s, "ek", -90.0).unwrap();
    cell.set_ion_variable_at(Location::new(s, 0.5), "ena", 40.0).unwrap();
    cell.set_ion_variable_at(Location::new(s, 0.9), "ena", 60.0).unwrap();
    let clamp = cell.add_point_process(Location::new(s, 0.1), "IClamp").unwrap();
    cell.set_point_parameter(clamp, "del", 2.0).unwrap();
    cell.set_point_parameter(clamp, "dur", 20.0).unwrap();
    cell.set_point_parameter(clamp, "amp", 0.3).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.set_global("hh", "usetable", 0.0).unwrap(); // the reference: usetable_hh = 0
    let mut ids = Vec::new();
    for x in [0.1, 0.5, 0.9] {
        ids.push(sim.record_voltage(0, Location::new(s, x)).unwrap());
    }
    ids.push(sim.record_ion_variable(0, Location::new(s, 0.5), "ina", 1).unwrap());
    ids.push(sim.record_ion_variable(0, Location::new(s, 0.9), "ik", 1).unwrap());
    sim.finitialize(-65.0).unwrap();
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.1), "ena").unwrap(), 50.0);
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.5), "ena").unwrap(), 40.0);
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.9), "ek").unwrap(), -90.0);
    sim.run(30.0).unwrap();
    let rows = reference();
    for (c, &id) in ids.iter().enumerate() {
        let values = &sim.trace(id).unwrap().values;
        assert_eq!(values.len(), rows.len());
        let worst = values.iter().zip(&rows).map(|(ours, row)| (ours - row[1 + c]).abs()).fold(0.0, f64::max);
        println!("column {c}: max difference from NEURON {worst:e}");
        let bound = if c < 3 { 1e-6 } else { 1e-9 };
        assert!(worst <= bound, "column {c}: {worst}");
    }

    // Changing ena at run time is NEURON's `seg.ena = ...` between runs;
    // back at 50 mV the run is the default one, bit for bit.
    let at = Location::new(s, 0.5);
    sim.set_ion_variable(0, at, "ena", 50.0).unwrap();
    sim.set_ion_variable(0, Location::new(s, 0.9), "ena", 50.0).unwrap();
    sim.set_ion_variable(0, at, "ek", -77.0).unwrap();
    for x in [0.1, 0.9] {
        sim.set_ion_variable(0, Location::new(s, x), "ek", -77.0).unwrap();
    }
    sim.finitialize(-65.0).unwrap();
    sim.run(30.0).unwrap();
    let edited = sim.trace(ids[1]).unwrap().values.clone();

    let (mut plain, s) = cable();
    let clamp = plain.add_point_process(Location::new(s, 0.1), "IClamp").unwrap();
    for (name, value) in [("del", 2.0), ("dur", 20.0), ("amp", 0.3)] {
        plain.set_point_parameter(clamp, name, value).unwrap();
    }
    let mut net = Network::new();
    net.add_cable_cell(0, plain).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.set_global("hh", "usetable", 0.0).unwrap();
    let id = sim.record_voltage(0, Location::new(s, 0.5)).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(30.0).unwrap();
    assert_eq!(sim.trace(id).unwrap().values, edited);
}

#[test]
fn ion_names_and_values_are_checked() {
    let (mut cell, s) = cable();
    let err = cell.set_ion_variable(s, "eca", 120.0).unwrap_err();
    assert!(matches!(err, NeuriteError::NotAnIonVariable { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "cell `cable`, section `cable`: `eca` is no ion variable of a mechanism inserted there"
    );
    assert!(cell.set_ion_variable(s, "ina", 1.0).is_err(), "the current is computed, not set");
    for bad in [0.0, -1.0, f64::NAN] {
        let err = cell.set_ion_variable(s, "nai", bad).unwrap_err();
        assert!(err.to_string().contains("nai"), "{err}");
    }
    assert!(cell.set_ion_variable(s, "ena", f64::INFINITY).is_err());
    assert!(cell.set_ion_variable_at(Location::new(s, 1.5), "ena", 40.0).is_err());
    cell.set_ion_variable(s, "nai", 12.0).unwrap();
    let other = cell.add_section("other", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.connect(other, s, 1.0).unwrap();
    cell.insert(other, "pas").unwrap();
    assert!(cell.set_ion_variable(other, "ena", 40.0).is_err(), "pas uses no ion");

    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.5), "nai").unwrap(), 12.0);
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.5), "nao").unwrap(), 140.0);
    assert_eq!(sim.ion_variable(0, Location::new(s, 0.5), "ki").unwrap(), 54.4);
    let err = sim.record_ion_variable(0, Location::new(other, 0.5), "ena", 1).unwrap_err();
    assert!(err.to_string().contains("section `other`"), "{err}");
    assert!(sim.set_ion_variable(0, Location::new(s, 0.5), "nao", -2.0).is_err());
    assert!(sim.set_global("na_ion", "nai0", 15.0).is_ok());
    assert!(sim.set_global("na_ion", "nai0", 0.0).is_err());
    let err = sim.set_global("na_ion", "cai0", 1.0).unwrap_err();
    assert!(matches!(err, NeuriteError::UnknownVariable { .. }), "{err}");
}

/// Ion values survive an nseg change as mechanism parameters do: each new
/// segment takes the value of the old segment containing its centre.
#[test]
fn ion_values_follow_nseg_changes() {
    let (mut cell, s) = cable();
    cell.set_ion_variable_at(Location::new(s, 0.9), "ena", 60.0).unwrap();
    cell.set_nseg(s, 9).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let ena = |x: f64| sim.ion_variable(0, Location::new(s, x), "ena").unwrap();
    assert_eq!((ena(0.6), ena(0.7), ena(0.95)), (50.0, 60.0, 60.0));
}
