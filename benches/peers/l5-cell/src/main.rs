//! A layer 5 pyramidal cell with the Hay et al. (2011) channel set (BBP's
//! .mod files as mearec 1.11.0 ships them, compiled by neurite's NMODL
//! compiler in build.rs), built from `benches/peers/l5_cell.json`, the same
//! description `neuron_l5.py` gives NEURON. The last line printed is a
//! summary that `l5_peers.py` reads:
//!
//! ```text
//! l5: compartments 200 spikes 12 simulated 1000 ms setup 0.001 s run 0.090 s wall 0.091 s
//! ```

use clap::Parser;
use neurite::{CableCell, Location, Network, SectionGeometry, Simulation, SimulationConfig};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Instant;

mod mechanisms {
    include!(concat!(env!("OUT_DIR"), "/mechanisms.rs"));
}

#[derive(Parser)]
#[command(about = "A layer 5 pyramidal cell with the Hay et al. channel set (benches/peers/l5_cell.json)")]
struct Args {
    /// The cell's description.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../l5_cell.json"))]
    spec: String,
    /// Simulated time, ms (default: the description's).
    #[arg(long)]
    tstop: Option<f64>,
    /// Write the spikes as CSV `gid,t_ms` to this file.
    #[arg(long)]
    spikes: Option<String>,
    /// Write the voltage at the spike detector's place at every step as CSV
    /// `t_ms,v_mV` to this file (every digit: for comparing runs bit for bit).
    #[arg(long)]
    trace: Option<String>,
}

#[derive(Deserialize)]
struct Stimulus {
    section: String,
    x: f64,
    delay: f64,
    duration: f64,
    amplitude: f64,
}

#[derive(Deserialize)]
struct Detector {
    section: String,
    x: f64,
    threshold: f64,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Section {
    name: String,
    parent: Option<String>,
    #[serde(default)]
    parent_x: f64,
    L: f64,
    diam: f64,
    nseg: usize,
    cm: f64,
    Ra: f64,
    ek: Option<f64>,
    ena: Option<f64>,
    mechanisms: BTreeMap<String, BTreeMap<String, f64>>,
}

#[derive(Deserialize)]
struct Spec {
    celsius: f64,
    dt: f64,
    tstop: f64,
    v_init: f64,
    stimulus: Stimulus,
    detector: Detector,
    sections: Vec<Section>,
}

/// The cell of `spec` (gid 0) and its number of compartments.
fn build(spec: &Spec) -> neurite::Result<(Network, usize)> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("l5_pyramidal");
    let mut ids = BTreeMap::new();
    let mut compartments = 0;
    for s in &spec.sections {
        let id = cell.add_section(&s.name, SectionGeometry { length: s.L, diam: s.diam, nseg: s.nseg })?;
        cell.set_cm(id, s.cm)?;
        cell.set_ra(id, s.Ra)?;
        if let Some(parent) = &s.parent {
            let parent = *ids.get(parent).ok_or_else(|| neurite::NeuriteError::UnknownSectionName {
                name: parent.clone(),
                cell: cell.name().to_string(),
            })?;
            cell.connect(id, parent, s.parent_x)?;
        }
        // Mechanisms in NEURON's insertion order does not matter for the
        // numbers: neurite orders them by type, as NEURON does.
        for (mechanism, parameters) in &s.mechanisms {
            cell.insert_mechanism(id, catalogue.get(mechanism)?)?;
            for (name, value) in parameters {
                cell.set_parameter(id, mechanism, name, *value)?;
            }
        }
        if let Some(ek) = s.ek {
            cell.set_ion_variable(id, "ek", ek)?;
        }
        if let Some(ena) = s.ena {
            cell.set_ion_variable(id, "ena", ena)?;
        }
        compartments += s.nseg;
        ids.insert(s.name.clone(), id);
    }
    let section = |name: &str| {
        ids.get(name).copied().ok_or_else(|| neurite::NeuriteError::UnknownSectionName {
            name: name.to_string(),
            cell: "l5_pyramidal".into(),
        })
    };
    let st = &spec.stimulus;
    let clamp = cell.add_point_process(Location::new(section(&st.section)?, st.x), "IClamp")?;
    cell.set_point_parameter(clamp, "del", st.delay)?;
    cell.set_point_parameter(clamp, "dur", st.duration)?;
    cell.set_point_parameter(clamp, "amp", st.amplitude)?;
    let d = &spec.detector;
    cell.set_spike_detector(Location::new(section(&d.section)?, d.x), d.threshold)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    Ok((net, compartments))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    neurite::launch("l5", |_comm| {
        let text = std::fs::read_to_string(&args.spec)
            .map_err(|e| neurite::NeuriteError::Io { path: args.spec.clone(), message: e.to_string() })?;
        let spec: Spec = serde_json::from_str(&text).map_err(|e| neurite::NeuriteError::InvalidParameter {
            what: format!("{}: {e}", args.spec),
            value: f64::NAN,
            reason: "not a cell description",
        })?;
        let start = Instant::now();
        let (net, compartments) = build(&spec)?;
        let config = SimulationConfig { dt: spec.dt, celsius: spec.celsius, ..SimulationConfig::default() };
        let mut sim = Simulation::new(&net, config)?;
        let trace = match &args.trace {
            Some(_) => {
                let cell = match net.cell(0) {
                    Some(neurite::CellDescription::Cable(cell)) => cell,
                    _ => unreachable!("gid 0 is the cable cell"),
                };
                let place = cell.spike_detector().expect("the cell has a detector").location;
                Some(sim.record_voltage(0, place)?)
            }
            None => None,
        };
        sim.finitialize(spec.v_init)?;
        let setup = start.elapsed().as_secs_f64();
        let tstop = args.tstop.unwrap_or(spec.tstop);
        sim.run(tstop)?;
        let wall = start.elapsed().as_secs_f64();
        let spikes: Vec<f64> = sim.spikes().iter().map(|s| s.time).collect();
        if let Some(path) = &args.spikes {
            let mut out = String::from("gid,t_ms\n");
            for t in &spikes {
                out.push_str(&format!("0,{t:?}\n"));
            }
            std::fs::write(path, out)
                .map_err(|e| neurite::NeuriteError::Io { path: path.clone(), message: e.to_string() })?;
        }
        if let (Some(path), Some(trace)) = (&args.trace, trace) {
            let trace = sim.trace(trace)?;
            let mut out = String::from("t_ms,v_mV\n");
            for (t, v) in trace.times.iter().zip(&trace.values) {
                out.push_str(&format!("{t:?},{v:?}\n"));
            }
            std::fs::write(path, out)
                .map_err(|e| neurite::NeuriteError::Io { path: path.clone(), message: e.to_string() })?;
        }
        println!(
            "l5: compartments {compartments} spikes {} simulated {tstop} ms setup {setup:.4} s run {:.4} s wall {wall:.4} s",
            spikes.len(),
            wall - setup
        );
        Ok(())
    })
}
