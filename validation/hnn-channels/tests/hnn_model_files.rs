//! hnn-core's own model files (fetched from PyPI with hnn-core 0.6.1's
//! sdist, never committed) read by neurite and run as hnn-core runs them,
//! against hnn-core 0.6.1 on NEURON 9.0.2 (`scripts/hnn_reference.py
//! params-default` and `config`): every spike at hnn-core's step, dipoles
//! within 1e-6 of their peak.
//!
//! - `param/default.json`, the flat parameter file:
//!   `jones_2009_model(params, add_drives_from_params=True)`.
//! - `param/neymotin2020_base.json`, hnn-core 0.6's network file:
//!   `read_network_configuration`.
//! - `param/N20.json` (rhythmic inputs, evoked inputs with `sync_evinput`)
//!   and `param/gamma_L5weak_L2weak.json` (the Poisson input, 250 ms), flat
//!   parameter files (`scripts/hnn_reference.py params-file <name>`).

use neurite::SimulationConfig;
use neurite::models::hnn::{Column, simulate_trial};

fn reference(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/../../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect()
}

fn compare(file: &str, prefix: &str) {
    compare_run(file, prefix, 170.0, "dipole", 1);
}

/// Runs `file` for `tstop` ms; its dipole reference is `<prefix>_<dipole>.csv`
/// with every `every`-th sample.
fn compare_run(file: &str, prefix: &str, tstop: f64, dipole_file: &str, every: usize) {
    let path = std::path::Path::new(env!("HNN_CORE_PARAM_DIR")).join(file);
    let column = Column::read(&path).unwrap();
    let events = column.drive_events(tstop, 0).unwrap();
    let config = SimulationConfig { dt: 0.025, ..SimulationConfig::default() };
    let output = simulate_trial(&column, &events, tstop, config, neurite::SerialCommunicator).unwrap();
    let spikes = reference(&format!("{prefix}_spikes.csv"));
    assert_eq!(output.spikes.len(), spikes.len(), "{file}: spike counts");
    for (ours, theirs) in output.spikes.iter().zip(&spikes) {
        assert_eq!(ours.gid, theirs[0] as u64, "{file}: {ours:?} vs hnn-core {theirs:?}");
        assert!((ours.time - theirs[1]).abs() < 1e-3 * 0.025, "{file}: {ours:?} vs hnn-core {theirs:?}");
    }
    let mut dipole = output.dipole;
    dipole.renormalize(column.mesh.0, column.mesh.1);
    let rows = reference(&format!("{prefix}_{dipole_file}.csv"));
    assert_eq!(rows.len(), dipole.times.len().div_ceil(every));
    for (c, ours, name) in [(1, &dipole.l2, "L2"), (2, &dipole.l5, "L5"), (3, &dipole.agg, "agg")] {
        let peak = rows.iter().map(|r| r[c].abs()).fold(0.0, f64::max);
        let worst = rows.iter().zip(ours.iter().step_by(every)).map(|(r, x)| (r[c] - x).abs()).fold(0.0, f64::max);
        println!("{file} {name}: largest difference {:e} of the peak ({peak:e} nAm)", worst / peak);
        assert!(worst <= 1e-6 * peak, "{file} {name}: {worst} nAm off, peak {peak}");
    }
}

#[test]
fn hnn_cores_flat_default_parameters_run_as_hnn_core_runs_them() {
    compare("default.json", "hnn_params_default");
}

#[test]
fn hnn_cores_network_file_runs_as_hnn_core_runs_it() {
    compare("neymotin2020_base.json", "hnn_config");
}

#[test]
fn hnn_cores_n20_parameters_with_rhythmic_and_synchronous_inputs() {
    compare("N20.json", "hnn_params_N20");
}

#[test]
fn hnn_cores_gamma_parameters_with_the_poisson_input() {
    compare_run("gamma_L5weak_L2weak.json", "hnn_params_gamma_L5weak_L2weak", 250.0, "dipole_every4", 4);
}
