//! The example of README.md, kept compiling and running by `cargo test`.

use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, SectionGeometry, Simulation, SimulationConfig,
};

fn main() -> neurite::Result<()> {
    // A ball-and-stick cell: soma with hh, dendrite with pas and an ExpSyn.
    let mut cell = CableCell::new("ball_and_stick");
    let soma = cell.add_section("soma", SectionGeometry { length: 12.6157, diam: 12.6157, nseg: 1 })?;
    let dend = cell.add_section("dend", SectionGeometry { length: 200.0, diam: 1.0, nseg: 11 })?;
    cell.connect(dend, soma, 1.0)?; // dend(0) to soma(1)
    for sec in [soma, dend] {
        cell.set_ra(sec, 100.0)?; // Ω·cm
    }
    cell.insert(soma, "hh")?;
    cell.insert(dend, "pas")?;
    cell.set_parameter(dend, "pas", "e", -65.0)?; // mV
    let syn = cell.add_point_process(Location::new(dend, 0.5), "ExpSyn")?;
    cell.set_point_parameter(syn, "tau", 2.0)?; // ms
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0)?;

    // Gid 0 is the cell, gid 1 a NetStim driving its synapse.
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    net.add_netstim(1, NetStimParams { start: 9.0, number: 1.0, ..Default::default() })?;
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.04, 1.0)?; // µS, ms

    let mut sim = Simulation::new(&net, SimulationConfig::default())?; // dt 0.025 ms, 6.3 °C
    let v = sim.record_voltage(0, Location::new(soma, 0.5))?;
    sim.finitialize(-65.0)?;
    sim.run(50.0)?;
    println!("{} spikes, v(50 ms) = {} mV", sim.spikes().len(), sim.trace(v)?.values.last().unwrap());
    Ok(())
}
