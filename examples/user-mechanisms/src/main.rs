//! A crate that brings its own NMODL mechanisms (`mod/ka.mod`, an A-type
//! potassium current, and `mod/vtrace.mod`, a low-pass filtered v solved
//! with derivimplicit; compiled by build.rs with `neurite_nmodl::Builder`)
//! and inserts them by name from the catalogue: a soma with hh and both,
//! driven by a current step. Prints the spike times with and without the
//! A-current.

use neurite::{CableCell, Location, Network, SectionGeometry, Simulation, SimulationConfig};

mod mechanisms {
    include!(concat!(env!("OUT_DIR"), "/mechanisms.rs"));
}

/// A 20 µm soma with hh and `ka` of conductance `gbar` (S/cm²), a 0.2 nA
/// step from 5 to 95 ms and a spike detector; returns the network (gid 0)
/// and the soma.
fn soma_with_ka(gbar: f64) -> neurite::Result<(Network, neurite::SectionId)> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("soma_with_ka");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    cell.insert_mechanism(soma, catalogue.get("ka")?)?;
    cell.set_parameter(soma, "ka", "gbar", gbar)?;
    cell.insert_mechanism(soma, catalogue.get("vtrace")?)?;
    let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp")?;
    cell.set_point_parameter(clamp, "del", 5.0)?;
    cell.set_point_parameter(clamp, "dur", 90.0)?;
    cell.set_point_parameter(clamp, "amp", 0.2)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    Ok((net, soma))
}

/// Spike times (ms) of the soma with `ka` of conductance `gbar` (S/cm²).
pub fn spikes_with_ka(gbar: f64) -> neurite::Result<Vec<f64>> {
    let (net, _) = soma_with_ka(gbar)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    sim.finitialize(-65.0)?;
    sim.run(100.0)?;
    Ok(sim.spikes().iter().map(|s| s.time).collect())
}

/// Recorded columns: times (ms), v (mV), ka's b, vtrace's u (mV).
pub type Traces = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The soma with `ka` of conductance 0.05 S/cm²: times (ms), its v (mV),
/// ka's state b and vtrace's state u (mV) at every step.
pub fn trace_with_ka() -> neurite::Result<Traces> {
    let (net, soma) = soma_with_ka(0.05)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let v = sim.record_voltage(0, Location::new(soma, 0.5))?;
    let b = sim.record_variable(0, Location::new(soma, 0.5), "ka", "b", 1)?;
    let u = sim.record_variable(0, Location::new(soma, 0.5), "vtrace", "u", 1)?;
    sim.finitialize(-65.0)?;
    sim.run(100.0)?;
    let values = |id| Ok::<_, neurite::NeuriteError>(sim.trace(id)?.values.clone());
    Ok((sim.trace(v)?.times.clone(), values(v)?, values(b)?, values(u)?))
}

fn main() -> std::process::ExitCode {
    neurite::launch("user-mechanisms", |_comm| {
        for gbar in [0.0, 0.05, 0.2] {
            let spikes = spikes_with_ka(gbar)?;
            println!("ka gbar {gbar} S/cm2: {} spikes at {spikes:.3?} ms", spikes.len());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_mechanism_is_compiled_inserted_and_acts() {
        let interval = |gbar: f64| {
            let spikes = spikes_with_ka(gbar).unwrap();
            assert!(spikes.len() > 2, "the current step makes the soma fire repetitively: {spikes:?}");
            spikes[2] - spikes[1]
        };
        // In this soma the A-current speeds the repolarization and with it
        // the firing: the interval shrinks as gbar grows, so the mechanism
        // runs and its parameter reaches it.
        let (none, some, more) = (interval(0.0), interval(0.05), interval(0.2));
        assert!(more < some && some < none, "{none} {some} {more}");
        assert!(mechanisms::catalogue().unwrap().names().any(|n| n == "ka"));
    }

    /// Against NEURON 9.0.2 running the same ka.mod (nrnivmodl), written by
    /// scripts/neuron_reference.py (model user-ka).
    #[test]
    fn the_users_mechanism_gives_neurons_numbers() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/user_ka_v.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
        let (times, v, b, u) = trace_with_ka().unwrap();
        assert_eq!(times.len(), rows.len());
        let mut worst = (0.0f64, 0.0f64, 0.0f64);
        for (k, row) in rows.iter().enumerate() {
            worst.0 = worst.0.max((v[k] - row[1]).abs());
            worst.1 = worst.1.max((b[k] - row[2]).abs() / row[2].abs().max(1e-300));
            worst.2 = worst.2.max((u[k] - row[3]).abs() / row[3].abs().max(1e-300));
        }
        println!(
            "ka and vtrace vs NEURON: max |dv| = {:e} mV, max relative |db| = {:e}, |du| = {:e}",
            worst.0, worst.1, worst.2
        );
        assert!(worst.0 <= 1e-6, "{worst:?}");
        assert!(worst.1 <= 1e-9 && worst.2 <= 1e-9, "{worst:?}");
        let spikes = spikes_with_ka(0.05).unwrap();
        let reference: Vec<f64> =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/user_ka_spikes.csv"))
                .unwrap()
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
                .collect();
        assert_eq!(spikes.len(), reference.len());
        for (a, r) in spikes.iter().zip(&reference) {
            assert!((a - r).abs() < 1e-3 * 0.025, "{spikes:?} vs {reference:?}");
        }
    }
}
