//! The seven channels of hnn-core 0.6.1's cells (ar, ca, cad, cat, hh2, kca,
//! km) run in the protocols of `scripts/neuron_reference.py hnn-<channel>`
//! and `hnn-calcium` and compared with NEURON 9.0.2 running hnn-core's files
//! at every step, with NEURON's default tables and with `usetable_<suffix>` =
//! 0; twice: hnn-core's .mod files compiled by neurite's NMODL compiler
//! (build.rs), and neurite's own files of the same channels (mechanisms/,
//! built in), written from the published equations.

mod mechanisms {
    include!(concat!(env!("OUT_DIR"), "/mechanisms.rs"));
}

use neurite::{CableCell, Location, Network, SectionGeometry, Simulation, SimulationConfig};

/// The cell (gid 0) with current steps at `soma`'s middle, `first_amp` nA
/// from 5 to 20 ms and -0.2 nA from 30 to 45 ms, at 37 °C, with the TABLEs
/// of `exact` off (`usetable` 0).
fn stepped_simulation(
    mut cell: CableCell,
    soma: neurite::SectionId,
    first_amp: f64,
    exact: &[&str],
) -> neurite::Result<Simulation> {
    for (delay, amp) in [(5.0, first_amp), (30.0, -0.2)] {
        let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp")?;
        cell.set_point_parameter(clamp, "del", delay)?;
        cell.set_point_parameter(clamp, "dur", 15.0)?;
        cell.set_point_parameter(clamp, "amp", amp)?;
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig { celsius: 37.0, ..Default::default() })?;
    for mechanism in exact {
        sim.set_global(mechanism, "usetable", 0.0)?;
    }
    Ok(sim)
}

/// Which implementation of the channels runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// hnn-core 0.6.1's .mod files, compiled by neurite-nmodl here.
    HnnCore,
    /// neurite's own files in mechanisms/ (built in).
    Neurite,
}

fn insert(cell: &mut CableCell, section: neurite::SectionId, name: &str, channels: Channels) -> neurite::Result<()> {
    match channels {
        Channels::HnnCore => cell.insert_mechanism(section, mechanisms::catalogue()?.get(name)?),
        Channels::Neurite => cell.insert(section, name),
    }
}

/// Runs `channel` with `parameter` = `value` in a 20 µm soma with pas at
/// 37 °C, current steps 0.3 nA (5-20 ms) and -0.2 nA (30-45 ms), 60 ms;
/// returns v (mV) and each of `states` at every step.
pub fn run(
    channel: &str,
    parameter: &str,
    value: f64,
    states: &[&str],
    usetable: bool,
    channels: Channels,
) -> neurite::Result<Vec<Vec<f64>>> {
    let mut cell = CableCell::new("soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "pas")?;
    cell.set_parameter(soma, "pas", "g", 1e-4)?;
    cell.set_parameter(soma, "pas", "e", -65.0)?;
    insert(&mut cell, soma, channel, channels)?;
    cell.set_parameter(soma, channel, parameter, value)?;
    let exact = [channel];
    let mut sim = stepped_simulation(cell, soma, 0.3, if usetable { &[] } else { &exact })?;
    let at = Location::new(soma, 0.5);
    let mut ids = vec![sim.record_voltage(0, at)?];
    for state in states {
        ids.push(sim.record_variable(0, at, channel, state, 1)?);
    }
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    ids.iter().map(|&id| Ok(sim.trace(id)?.values.clone())).collect()
}

/// What `run_calcium` records, in the columns of
/// `tests/data/hnn_calcium_*.csv`: (location, mechanism or "" for an ion
/// variable or "v", variable).
pub const CALCIUM_COLUMNS: &[(&str, &str, &str)] = &[
    ("soma", "", "v"),
    ("dend", "", "v"),
    ("soma", "ca", "m"),
    ("soma", "ca", "h"),
    ("soma", "cad", "ca"),
    ("soma", "kca", "n"),
    ("soma", "hh2", "m"),
    ("soma", "", "cai"),
    ("soma", "", "eca"),
    ("soma", "", "ica"),
    ("dend", "ca", "m"),
    ("dend", "kca", "n"),
    ("dend", "", "eca"),
    ("dend", "", "ica"),
];

/// hnn-core's calcium set as `scripts/neuron_reference.py hnn-calcium`
/// builds it: a soma with pas, hh2, ca, cad (which writes cai) and kca, a
/// dendrite with pas, ca and kca but no cad, current steps at the soma,
/// 37 °C, 60 ms; every column of [`CALCIUM_COLUMNS`] at every step.
pub fn run_calcium(usetable: bool, channels: Channels) -> neurite::Result<Vec<Vec<f64>>> {
    let mut cell = CableCell::new("calcium");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    let dend = cell.add_section("dend", SectionGeometry { length: 200.0, diam: 2.0, nseg: 3 })?;
    cell.connect(dend, soma, 1.0)?;
    for section in [soma, dend] {
        cell.insert(section, "pas")?;
        cell.set_parameter(section, "pas", "g", 1e-4)?;
        cell.set_parameter(section, "pas", "e", -65.0)?;
    }
    for name in ["hh2", "ca", "cad", "kca"] {
        insert(&mut cell, soma, name, channels)?;
    }
    cell.set_parameter(soma, "ca", "gbar", 60.0)?;
    cell.set_parameter(soma, "cad", "taur", 20.0)?;
    cell.set_parameter(soma, "kca", "gbar", 10.0)?;
    for name in ["ca", "kca"] {
        insert(&mut cell, dend, name, channels)?;
    }
    cell.set_parameter(dend, "ca", "gbar", 20.0)?;
    let mut sim = stepped_simulation(cell, soma, 0.5, if usetable { &[] } else { &["hh2", "ca"] })?;
    let mut ids = Vec::new();
    for &(section, mechanism, name) in CALCIUM_COLUMNS {
        let at = Location::new(if section == "soma" { soma } else { dend }, 0.5);
        ids.push(match (mechanism, name) {
            ("", "v") => sim.record_voltage(0, at)?,
            ("", _) => sim.record_ion_variable(0, at, name, 1)?,
            _ => sim.record_variable(0, at, mechanism, name, 1)?,
        });
    }
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    ids.iter().map(|&id| Ok(sim.trace(id)?.values.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(file: &str) -> Vec<Vec<f64>> {
        let path = format!("{}/../../tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect()
    }

    fn compare(channel: &str, parameter: &str, value: f64, states: &[&str]) {
        for channels in [Channels::HnnCore, Channels::Neurite] {
            for usetable in [true, false] {
                compare_mode(channel, parameter, value, states, usetable, channels);
            }
        }
    }

    fn compare_mode(channel: &str, parameter: &str, value: f64, states: &[&str], usetable: bool, channels: Channels) {
        let rows = reference(&format!("hnn_{channel}{}_v.csv", if usetable { "" } else { "_exact" }));
        let ours = run(channel, parameter, value, states, usetable, channels).unwrap();
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
        println!(
            "{channels:?} {channel} (usetable {}) vs NEURON: max |dv| = {dv:e} mV, max relative state difference = {ds:e}",
            usetable as u8
        );
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

    fn compare_calcium(usetable: bool) {
        for channels in [Channels::HnnCore, Channels::Neurite] {
            compare_calcium_of(usetable, channels);
        }
    }

    fn compare_calcium_of(usetable: bool, channels: Channels) {
        let rows = reference(if usetable { "hnn_calcium_tables.csv" } else { "hnn_calcium_exact.csv" });
        let ours = run_calcium(usetable, channels).unwrap();
        assert_eq!(ours[0].len(), rows.len());
        for (c, &(section, mechanism, name)) in CALCIUM_COLUMNS.iter().enumerate() {
            let (mut worst, mut at) = (0.0f64, 0);
            for (k, row) in rows.iter().enumerate() {
                let reference = row[1 + c];
                let difference = if name == "v" {
                    (ours[c][k] - reference).abs()
                } else {
                    (ours[c][k] - reference).abs() / reference.abs().max(1e-12)
                };
                if difference > worst {
                    (worst, at) = (difference, k);
                }
            }
            println!(
                "{channels:?} calcium (usetable {}) {section} {mechanism} {name}: max difference {worst:e} at step {at}",
                usetable as u8
            );
            let bound = if name == "v" { 1e-6 } else { 1e-9 };
            assert!(
                worst <= bound,
                "{channels:?} {section} {mechanism} {name}: {worst} at step {at} (usetable {usetable})"
            );
        }
    }

    #[test]
    fn calcium_set_matches_neuron_with_tables() {
        compare_calcium(true);
    }

    #[test]
    fn calcium_set_matches_neuron_without_tables() {
        compare_calcium(false);
    }
}
