//! hnn-core 0.6.1's channels ar, cat, hh2 and km, compiled from their .mod
//! files by neurite's NMODL compiler (build.rs), run in the protocol of
//! `scripts/neuron_reference.py hnn-<channel>` and compared with NEURON
//! 9.0.2 at every step.

mod mechanisms {
    include!(concat!(env!("OUT_DIR"), "/mechanisms.rs"));
}

use neurite::{CableCell, Location, Network, SectionGeometry, Simulation, SimulationConfig};

/// Runs `channel` with `parameter` = `value` in a 20 µm soma with pas at
/// 37 °C, current steps 0.3 nA (5-20 ms) and -0.2 nA (30-45 ms), 60 ms;
/// returns v (mV) and each of `states` at every step.
pub fn run(channel: &str, parameter: &str, value: f64, states: &[&str]) -> neurite::Result<Vec<Vec<f64>>> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "pas")?;
    cell.set_parameter(soma, "pas", "g", 1e-4)?;
    cell.set_parameter(soma, "pas", "e", -65.0)?;
    cell.insert_mechanism(soma, catalogue.get(channel)?)?;
    cell.set_parameter(soma, channel, parameter, value)?;
    for (delay, amp) in [(5.0, 0.3), (30.0, -0.2)] {
        let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp")?;
        cell.set_point_parameter(clamp, "del", delay)?;
        cell.set_point_parameter(clamp, "dur", 15.0)?;
        cell.set_point_parameter(clamp, "amp", amp)?;
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig { celsius: 37.0, ..Default::default() })?;
    let at = Location::new(soma, 0.5);
    let mut ids = vec![sim.record_voltage(0, at)?];
    for state in states {
        ids.push(sim.record_variable(0, at, channel, state, 1)?);
    }
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    ids.iter().map(|&id| Ok(sim.trace(id)?.values.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(channel: &str, parameter: &str, value: f64, states: &[&str]) {
        let path = format!("{}/../../tests/data/hnn_{channel}_v.csv", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
        let ours = run(channel, parameter, value, states).unwrap();
        assert_eq!(ours[0].len(), rows.len());
        let mut dv = 0.0f64;
        let mut ds = 0.0f64;
        for (k, row) in rows.iter().enumerate() {
            dv = dv.max((ours[0][k] - row[1]).abs());
            for (j, _) in states.iter().enumerate() {
                let reference = row[2 + j];
                ds = ds.max((ours[1 + j][k] - reference).abs() / reference.abs().max(1e-12));
            }
        }
        println!("hnn-core {channel} vs NEURON: max |dv| = {dv:e} mV, max relative state difference = {ds:e}");
        assert!(dv <= 1e-6, "{channel}: max |dv| = {dv} mV");
        assert!(ds <= 1e-9, "{channel}: max relative state difference = {ds}");
    }

    #[test]
    fn hh2_matches_neuron() {
        compare("hh2", "gnabar", 0.12, &["m", "h", "n"]);
    }

    #[test]
    fn km_matches_neuron() {
        compare("km", "gbar", 200.0, &["n"]);
    }

    #[test]
    fn ar_matches_neuron() {
        compare("ar", "gbar", 1e-3, &["m"]);
    }

    #[test]
    fn cat_matches_neuron() {
        compare("cat", "gbar", 2e-3, &["m", "h"]);
    }
}
