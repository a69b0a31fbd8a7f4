//! A crate that brings its own NMODL mechanisms, compiled by build.rs with
//! `neurite_nmodl::Builder` and inserted by name from the catalogue:
//! `mod/ka.mod` (an A-type potassium current), `mod/vtrace.mod` (a low-pass
//! filtered v solved with derivimplicit), `mod/cal.mod` and `mod/cabuf.mod`
//! (a calcium current and calcium with a buffer, a coupled nonlinear system
//! solved by derivimplicit's Newton iteration), `mod/tmsyn.mod` (a synapse
//! with short-term plasticity kept per NetCon in its weight vector, with a
//! NET_RECEIVE INITIAL block), `mod/ounoise.mod` (an
//! Ornstein-Uhlenbeck noise current drawing from NEURON 9's RANDOM streams)
//! and `mod/draws.mod` (one number of every random distribution per step,
//! for the tests), `mod/driftfire.mod` (an artificial cell with `net_move`
//! and NEURON's legacy random numbers), `mod/ftk.mod` (FUNCTION_TABLEs set
//! by the model), `mod/watch2.mod` (WATCH events dropped on re-arming).
//! Prints the spike times of a soma with hh and the
//! A-current under a current step, and of a soma driven by noise.

use neurite::mechanisms::function_table::{FunctionTable, TableAxis};
use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, SectionGeometry, Simulation, SimulationConfig,
};

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
    add_iclamp(&mut cell, Location::new(soma, 0.5), 5.0, 90.0, 0.2)?;
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

/// A 20 µm soma with hh and two noise currents: `OUNoise` with its default
/// stream (mean 0.05 nA, sigma 0.1 nA, tau 3 ms) and one with stream 7
/// (sigma 0.08 nA, tau 1 ms); a 100 µm dendrite (diam 2 µm, 2 segments, pas)
/// with `draws` (stream ids (7, 8, 5) and, at 0.75, (7, 8, 6)); a spike
/// detector at the soma. Returns the network (gid 0), the soma, the dendrite
/// and the two noise sources.
fn noisy_soma() -> neurite::Result<(Network, neurite::SectionId, neurite::SectionId, [neurite::PointProcessId; 2])> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("noisy_soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    let free = cell.add_point_mechanism(Location::new(soma, 0.5), catalogue.get("OUNoise")?)?;
    cell.set_point_parameter(free, "sigma", 0.1)?;
    cell.set_point_parameter(free, "tau", 3.0)?;
    cell.set_point_parameter(free, "mean", 0.05)?;
    let seeded = cell.add_point_mechanism(Location::new(soma, 0.5), catalogue.get("OUNoise")?)?;
    cell.set_point_parameter(seeded, "stream", 7.0)?;
    cell.set_point_parameter(seeded, "sigma", 0.08)?;
    cell.set_point_parameter(seeded, "tau", 1.0)?;
    let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 2.0, nseg: 2 })?;
    cell.connect(dend, soma, 1.0)?;
    cell.insert(dend, "pas")?;
    cell.insert_mechanism(dend, catalogue.get("draws")?)?;
    cell.set_parameter_at(Location::new(dend, 0.75), "draws", "id3", 6.0)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    Ok((net, soma, dend, [free, seeded]))
}

/// What [`noisy_run`] and [`calcium_run`] record: times (ms); per column,
/// a value at every step; spike times (ms).
pub struct NoisyRun {
    /// Times of the samples, ms.
    pub times: Vec<f64>,
    /// Soma v (mV), both noise states x (nA), and the eight draws of `draws`
    /// at dend(0.25) and at dend(0.75), in [`DRAWS`] order.
    pub columns: Vec<Vec<f64>>,
    /// Spike times of the soma, ms.
    pub spikes: Vec<f64>,
}

/// The noisy soma run for `tstop` ms.
pub fn noisy_run(tstop: f64) -> neurite::Result<NoisyRun> {
    let (net, soma, dend, noises) = noisy_soma()?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let mut ids = vec![sim.record_voltage(0, Location::new(soma, 0.5))?];
    for noise in noises {
        ids.push(sim.record_point_variable(0, noise, "x", 1)?);
    }
    for x in [0.25, 0.75] {
        for name in DRAWS {
            ids.push(sim.record_variable(0, Location::new(dend, x), "draws", name, 1)?);
        }
    }
    sim.finitialize(-65.0)?;
    sim.run(tstop)?;
    traced_run(&sim, &ids, sim.spikes().iter().map(|s| s.time).collect())
}

/// A 20 µm soma with hh, `cal` and `cabuf` under a 0.3 nA step from 5 to
/// 45 ms, run for 60 ms: times (ms) and, at every step, v (mV), cal's m,
/// cai (mM), cabuf's cab (mM), eca (mV) and ica (mA/cm²); and the spike
/// times (ms).
pub fn calcium_run() -> neurite::Result<NoisyRun> {
    calcium_run_with(20.0)
}

/// [`calcium_run`] with cabuf's pump time constant `taur` (ms).
fn calcium_run_with(taur: f64) -> neurite::Result<NoisyRun> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("calcium_soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    cell.insert_mechanism(soma, catalogue.get("cal")?)?;
    cell.insert_mechanism(soma, catalogue.get("cabuf")?)?;
    cell.set_parameter(soma, "cabuf", "taur", taur)?;
    add_iclamp(&mut cell, Location::new(soma, 0.5), 5.0, 40.0, 0.3)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let at = Location::new(soma, 0.5);
    let ids = [
        sim.record_voltage(0, at)?,
        sim.record_variable(0, at, "cal", "m", 1)?,
        sim.record_ion_variable(0, at, "cai", 1)?,
        sim.record_variable(0, at, "cabuf", "cab", 1)?,
        sim.record_ion_variable(0, at, "eca", 1)?,
        sim.record_ion_variable(0, at, "ica", 1)?,
    ];
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    traced_run(&sim, &ids, sim.spikes().iter().map(|s| s.time).collect())
}

/// A 20 µm soma with hh (gid 0, detector at 10 mV) and a `TMSyn`
/// (tau_facil 100 ms) driven through two NetCons (delay 1 ms) by NetStim
/// gid 1 (start 5 ms, interval 5 ms, 12 spikes, weight 0.02 µS) and gid 2
/// (start 8 ms, interval 7 ms, 10 spikes, weight 0.015 µS), run for 100 ms:
/// times, v (mV) and g (µS) at every step, the soma's spike times, and
/// each NetCon's weight vector (weight, R, u, tlast) at the end. With
/// `runs` > 1 the simulation is initialized and run that many times, and
/// the last run is returned.
pub fn tmsyn_run(runs: usize) -> neurite::Result<(NoisyRun, Vec<Vec<f64>>)> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("tmsyn_soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    let syn = cell.add_point_mechanism(Location::new(soma, 0.5), catalogue.get("TMSyn")?)?;
    cell.set_point_parameter(syn, "tau_facil", 100.0)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut netcons = Vec::new();
    for (gid, start, interval, number, weight) in [(1, 5.0, 5.0, 12.0, 0.02), (2, 8.0, 7.0, 10.0, 0.015)] {
        net.add_netstim(gid, NetStimParams { start, interval, number, noise: 0.0, random_ids: None })?;
        netcons.push(net.connect(gid, NetConTarget::PointProcess { gid: 0, point_process: syn }, weight, 1.0)?);
    }
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let at = Location::new(soma, 0.5);
    let ids = [sim.record_voltage(0, at)?, sim.record_point_variable(0, syn, "g", 1)?];
    for _ in 0..runs {
        sim.finitialize(-65.0)?;
        sim.run(100.0)?;
    }
    let spikes = sim.spikes().iter().filter(|s| s.gid == 0).map(|s| s.time).collect();
    let weights = netcons.iter().map(|&id| Ok(sim.netcon_weights(id)?.to_vec())).collect::<neurite::Result<_>>()?;
    Ok((traced_run(&sim, &ids, spikes)?, weights))
}

/// A user's ARTIFICIAL_CELL in a network: `DriftFire` (mod/driftfire.mod,
/// seed 11) as gid 2, driven by NetStim gid 1 (start 3 ms, every 4 ms, 15
/// spikes; weight 0.35, delay 1 ms) and driving an ExpSyn (tau 2 ms; 0.02 µS,
/// delay 2 ms) on a 20 µm soma with hh (gid 0, threshold 10 mV); 100 ms.
/// The soma also has `vbefore` (a BEFORE STEP block). Returns soma v, the
/// cell's `level` and `since`, vbefore's `calls` and `vstep`, and the spikes
/// (gid, ms).
pub fn artificial_run() -> neurite::Result<(NoisyRun, Vec<(u64, f64)>)> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("driven_soma");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    cell.insert_mechanism(soma, catalogue.get("vbefore")?)?;
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
    cell.set_point_parameter(syn, "tau", 2.0)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    net.add_netstim(1, NetStimParams { start: 3.0, interval: 4.0, number: 15.0, noise: 0.0, random_ids: None })?;
    let mut drift = neurite::ArtificialCell::new(catalogue.get("DriftFire")?)?;
    drift.set_parameter("seed", 11.0)?;
    net.add_artificial_cell(2, drift)?;
    net.connect(1, NetConTarget::Artificial { gid: 2 }, 0.35, 1.0)?;
    net.connect(2, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.02, 2.0)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let ids = [
        sim.record_voltage(0, Location::new(soma, 0.5))?,
        sim.record_artificial_variable(2, "level", 1)?,
        sim.record_artificial_variable(2, "since", 1)?,
        sim.record_variable(0, Location::new(soma, 0.5), "vbefore", "calls", 1)?,
        sim.record_variable(0, Location::new(soma, 0.5), "vbefore", "vstep", 1)?,
    ];
    sim.finitialize(-65.0)?;
    sim.run(100.0)?;
    let spikes: Vec<(u64, f64)> = sim.spikes().iter().filter(|s| s.gid != 1).map(|s| (s.gid, s.time)).collect();
    Ok((traced_run(&sim, &ids, spikes.iter().map(|s| s.1).collect())?, spikes))
}

/// POINTERs to an ion variable and to other mechanisms' variables: a 20 µm
/// soma with hh, cal, cabuf and `hclamp` (holding the soma's hh `h` at 0.45
/// through its POINTER), a 0.3 nA step from 5 to 45 ms and an ExpSyn driven
/// by a NetStim; a dendrite with `vcopy` whose POINTERs read the soma's
/// `cai`, hh's `m` and the ExpSyn's `g`. 60 ms. Returns soma v, hh h and
/// what each vcopy saw.
pub fn pointers_run() -> neurite::Result<NoisyRun> {
    use neurite::{PointerOwner, PointerTarget};
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("pointer_targets");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    let at = Location::new(soma, 0.5);
    cell.insert(soma, "hh")?;
    for name in ["cal", "cabuf", "hclamp"] {
        cell.insert_mechanism(soma, catalogue.get(name)?)?;
    }
    cell.set_parameter(soma, "hclamp", "value", 0.45)?;
    let hh_h = PointerTarget::Density { location: at, mechanism: "hh".into(), name: "h".into() };
    cell.set_pointer(PointerOwner::Density { location: at, mechanism: "hclamp".into() }, "target", hh_h)?;
    add_iclamp(&mut cell, at, 5.0, 40.0, 0.3)?;
    let syn = cell.add_point_process(at, "ExpSyn")?;
    let stim =
        cell.add_netstim(NetStimParams { start: 8.0, interval: 10.0, number: 4.0, noise: 0.0, random_ids: None })?;
    cell.connect_netstim(stim, syn, 0.005, 1.0)?;
    let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 2.0, nseg: 3 })?;
    cell.connect(dend, soma, 1.0)?;
    cell.insert(dend, "pas")?;
    cell.insert_mechanism(dend, catalogue.get("vcopy")?)?;
    let targets = [
        PointerTarget::Ion { location: at, name: "cai".into() },
        PointerTarget::Density { location: at, mechanism: "hh".into(), name: "m".into() },
        PointerTarget::Point { point_process: syn, name: "g".into() },
    ];
    for (x, target) in [1.0 / 6.0, 0.5, 5.0 / 6.0].into_iter().zip(targets) {
        let owner = PointerOwner::Density { location: Location::new(dend, x), mechanism: "vcopy".into() };
        cell.set_pointer(owner, "vref", target)?;
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let mut ids = vec![sim.record_voltage(0, at)?, sim.record_variable(0, at, "hh", "h", 1)?];
    for x in [1.0 / 6.0, 0.5, 5.0 / 6.0] {
        ids.push(sim.record_variable(0, Location::new(dend, x), "vcopy", "seen", 1)?);
    }
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    traced_run(&sim, &ids, Vec::new())
}

/// ftk.mod's FUNCTION_TABLEs, as scripts/neuron_reference.py (user-ftable)
/// sets them in NEURON: ninf through points of v (mV).
pub const FTK_NINF_V: [f64; 7] = [-100.0, -80.0, -65.0, -55.0, -40.0, -20.0, 10.0];
/// ninf at those points.
pub const FTK_NINF: [f64; 7] = [0.0, 0.01, 0.08, 0.2, 0.5, 0.85, 1.0];

/// ftk's tables: ninf (points of v), ntau (ms) on a uniform 9 x 3 grid of v
/// (-100 to 60 mV) and celsius (6.3 to 36 degC), qfac the constant 2.
pub fn ftk_tables() -> [(&'static str, FunctionTable); 3] {
    let ntau = (0..9).flat_map(|i| (0..3).map(move |j| (6.0 - 0.4 * i as f64) / (1.0 + 0.6 * j as f64))).collect();
    let axes = vec![
        TableAxis::Uniform { size: 9, min: -100.0, max: 60.0 },
        TableAxis::Uniform { size: 3, min: 6.3, max: 36.0 },
    ];
    [
        ("ninf", FunctionTable::from_points(FTK_NINF_V.to_vec(), FTK_NINF.to_vec())),
        ("ntau", FunctionTable::grid(ntau, axes)),
        ("qfac", FunctionTable::constant(2.0)),
    ]
}

/// A soma with hh and ftk.mod (FUNCTION_TABLEs) at celsius 16, an IClamp of
/// 0.3 nA from 5 to 45 ms, 60 ms: soma v and ftk's n. `tables` are the
/// FUNCTION_TABLEs set before finitialize.
pub fn ftable_run(tables: Vec<(&'static str, FunctionTable)>) -> neurite::Result<NoisyRun> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("ftable");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    let at = Location::new(soma, 0.5);
    cell.insert(soma, "hh")?;
    cell.insert_mechanism(soma, catalogue.get("ftk")?)?;
    add_iclamp(&mut cell, at, 5.0, 40.0, 0.3)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig { celsius: 16.0, ..SimulationConfig::default() })?;
    for (name, table) in tables {
        sim.set_function_table("ftk", name, table)?;
    }
    let ids = [sim.record_voltage(0, at)?, sim.record_variable(0, at, "ftk", "n", 1)?];
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    traced_run(&sim, &ids, Vec::new())
}

/// A soma with hh and watch2.mod's Watch2 (two WATCHes 1 mV apart), an
/// IClamp of 0.3 nA from 5 to 55 ms, 60 ms: soma v and the counts of
/// delivered flags 2, 3 and 4.
pub fn watch_run() -> neurite::Result<NoisyRun> {
    let catalogue = mechanisms::catalogue()?;
    let mut cell = CableCell::new("watch");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    let at = Location::new(soma, 0.5);
    cell.insert(soma, "hh")?;
    let watch = cell.add_point_mechanism(at, catalogue.get("Watch2")?)?;
    add_iclamp(&mut cell, at, 5.0, 50.0, 0.3)?;
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    let mut sim = Simulation::new(&net, SimulationConfig::default())?;
    let mut ids = vec![sim.record_voltage(0, at)?];
    for name in ["low", "high", "rearmed"] {
        ids.push(sim.record_point_variable(0, watch, name, 1)?);
    }
    sim.finitialize(-65.0)?;
    sim.run(60.0)?;
    traced_run(&sim, &ids, Vec::new())
}

/// Adds an IClamp at `at`: `amp` nA from `del` ms for `dur` ms.
fn add_iclamp(cell: &mut CableCell, at: Location, del: f64, dur: f64, amp: f64) -> neurite::Result<()> {
    let clamp = cell.add_point_process(at, "IClamp")?;
    cell.set_point_parameter(clamp, "del", del)?;
    cell.set_point_parameter(clamp, "dur", dur)?;
    cell.set_point_parameter(clamp, "amp", amp)?;
    Ok(())
}

/// The traces `ids` of a finished run (sampled at the same times) and
/// `spikes` (ms).
fn traced_run(sim: &Simulation, ids: &[neurite::TraceId], spikes: Vec<f64>) -> neurite::Result<NoisyRun> {
    let times = sim.trace(ids[0])?.times.clone();
    let columns = ids.iter().map(|&id| Ok(sim.trace(id)?.values.clone())).collect::<neurite::Result<_>>()?;
    Ok(NoisyRun { times, columns, spikes })
}

/// The variables of `draws`, one per random distribution.
pub const DRAWS: [&str; 8] = ["uniform", "between", "negexp", "negexp_mean", "normal", "normal_with", "ipick", "dpick"];

fn main() -> std::process::ExitCode {
    neurite::launch("user-mechanisms", |_comm| {
        for gbar in [0.0, 0.05, 0.2] {
            let spikes = spikes_with_ka(gbar)?;
            println!("ka gbar {gbar} S/cm2: {} spikes at {spikes:.3?} ms", spikes.len());
        }
        let spikes = noisy_run(200.0)?.spikes;
        println!("soma driven by OUNoise: {} spikes at {spikes:.3?} ms", spikes.len());
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

    fn csv(name: &str) -> Vec<Vec<f64>> {
        let path = format!("{}/../../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect()
    }

    /// NEURON 9's RANDOM in users' mechanisms, against NEURON 9.0.2 running
    /// the same ounoise.mod and draws.mod (scripts/neuron_reference.py
    /// user-noise): default stream ids numbered as NEURON numbers them,
    /// ids and positions set by the mechanism, every distribution, and the
    /// membrane driven by the noise.
    #[test]
    fn random_streams_give_neurons_numbers() {
        let traces = csv("user_noise.csv");
        let draws = csv("user_noise_draws.csv");
        let NoisyRun { times, columns, spikes } = noisy_run(60.0).unwrap();
        assert_eq!(times.len(), traces.len());
        let relative = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        let (mut dv, mut dx, mut dd) = (0.0f64, 0.0f64, 0.0f64);
        for (k, row) in traces.iter().enumerate() {
            dv = dv.max((columns[0][k] - row[1]).abs());
            dx = dx.max(relative(columns[1][k], row[2])).max(relative(columns[2][k], row[3]));
        }
        for (k, row) in draws.iter().enumerate() {
            for (c, reference) in row[1..].iter().enumerate() {
                dd = dd.max(relative(columns[3 + c][k], *reference));
            }
        }
        println!("OUNoise and draws vs NEURON: max |dv| = {dv:e} mV, OU x {dx:e}, draws {dd:e} relative");
        assert!(dv <= 1e-6, "{dv}");
        assert!(dx <= 1e-9, "{dx}");
        assert!(dd <= 1e-12, "{dd}");
        // The integer draws are the same 32 bits.
        for (k, row) in draws.iter().enumerate() {
            assert_eq!(columns[3 + 6][k], row[7], "ipick at step {k}");
        }
        let reference: Vec<f64> = csv("user_noise_spikes.csv").iter().map(|r| r[1]).collect();
        assert_eq!(spikes.len(), reference.len(), "{spikes:?} vs {reference:?}");
        for (a, r) in spikes.iter().zip(&reference) {
            assert!((a - r).abs() < 1e-3 * 0.025, "{spikes:?} vs {reference:?}");
        }
    }

    /// A coupled nonlinear derivimplicit block (cabuf.mod, writing cai)
    /// with a current reading eca (cal.mod), against NEURON 9.0.2 running
    /// the same files (scripts/neuron_reference.py user-calcium).
    #[test]
    fn newton_for_coupled_derivimplicit_gives_neurons_numbers() {
        let rows = csv("user_calcium.csv");
        let NoisyRun { times, columns, spikes } = calcium_run().unwrap();
        assert_eq!(times.len(), rows.len());
        let mut worst = [0.0f64; 6];
        for (k, row) in rows.iter().enumerate() {
            worst[0] = worst[0].max((columns[0][k] - row[1]).abs());
            for c in 1..6 {
                worst[c] = worst[c].max((columns[c][k] - row[c + 1]).abs() / row[c + 1].abs().max(1e-300));
            }
        }
        println!(
            "cal and cabuf vs NEURON: max |dv| = {:e} mV; relative: m {:e}, cai {:e}, cab {:e}, eca {:e}, ica {:e}",
            worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]
        );
        assert!(worst[0] <= 1e-6, "{worst:?}");
        assert!(worst[1..].iter().all(|w| *w <= 1e-9), "{worst:?}");
        let reference: Vec<f64> = csv("user_calcium_spikes.csv").iter().map(|r| r[1]).collect();
        assert_eq!(spikes.len(), reference.len(), "{spikes:?} vs {reference:?}");
        for (a, r) in spikes.iter().zip(&reference) {
            assert!((a - r).abs() < 1e-3 * 0.025, "{spikes:?} vs {reference:?}");
        }
    }

    /// A Newton iteration that cannot converge (a pump with taur = 0 makes
    /// the residual NaN; NEURON aborts the run after 50 iterations) stops
    /// the run with an error naming the mechanism, cell and section.
    #[test]
    fn a_failed_newton_iteration_is_an_error_naming_its_place() {
        let err = calcium_run_with(0.0).err().expect("taur = 0 cannot be solved");
        let text = err.to_string();
        assert!(
            matches!(&err, neurite::NeuriteError::MechanismFailed { mechanism, gid: 0, section, .. }
                if mechanism == "cabuf" && section == "soma"),
            "{text}"
        );
        assert!(text.contains("derivimplicit") && text.contains("t = 0.025 ms"), "{text}");
    }

    /// NetCon weight vectors as per-connection state, started by the
    /// NET_RECEIVE INITIAL block, against NEURON 9.0.2 running the same
    /// tmsyn.mod (scripts/neuron_reference.py user-tmsyn).
    #[test]
    fn netcon_weight_vectors_give_neurons_numbers() {
        let rows = csv("user_tmsyn.csv");
        let (NoisyRun { times, columns, spikes }, weights) = tmsyn_run(1).unwrap();
        assert_eq!(times.len(), rows.len());
        let (mut dv, mut dg) = (0.0f64, 0.0f64);
        for (k, row) in rows.iter().enumerate() {
            dv = dv.max((columns[0][k] - row[1]).abs());
            dg = dg.max((columns[1][k] - row[2]).abs() / row[2].abs().max(1e-300));
        }
        println!("TMSyn vs NEURON: max |dv| = {dv:e} mV, g {dg:e} relative");
        assert!(dv <= 1e-6 && dg <= 1e-9, "{dv} {dg}");
        let reference = csv("user_tmsyn_weights.csv");
        for (got, want) in weights.iter().zip(&reference) {
            assert_eq!(got.len(), 4);
            for (g, w) in got.iter().zip(&want[1..]) {
                assert!((g - w).abs() <= 1e-12 * w.abs(), "{weights:?} vs {reference:?}");
            }
        }
        let reference: Vec<f64> = csv("user_tmsyn_spikes.csv").iter().map(|r| r[1]).collect();
        assert_eq!(spikes.len(), reference.len(), "{spikes:?} vs {reference:?}");
        for (a, r) in spikes.iter().zip(&reference) {
            assert!((a - r).abs() < 1e-3 * 0.025, "{spikes:?} vs {reference:?}");
        }
        // The INITIAL block starts every connection afresh: a second run
        // from finitialize gives the same traces and weights.
        let (again, weights_again) = tmsyn_run(2).unwrap();
        assert_eq!(again.columns, columns);
        assert_eq!(weights_again, weights);
    }

    /// Two WATCH events sent in the same step: the first delivered arms a
    /// new WATCH, which drops the other's queued event, as NEURON's
    /// `_nrn_watch_activate` does (scripts/neuron_reference.py user-watch:
    /// five spikes, flag 2 five times, flag 3 never).
    #[test]
    fn rearming_watches_drops_their_queued_events_as_neuron() {
        let rows = csv("user_watch.csv");
        let run = watch_run().unwrap();
        assert_eq!(run.times.len(), rows.len());
        let mut dv = 0.0f64;
        for (k, row) in rows.iter().enumerate() {
            dv = dv.max((run.columns[0][k] - row[1]).abs());
            for c in 1..4 {
                assert_eq!(run.columns[c][k], row[c + 1], "column {c} at step {k}");
            }
        }
        println!("Watch2 vs NEURON: max |dv| = {dv:e} mV, counts identical at every step");
        assert!(dv <= 1e-6, "{dv}");
        assert_eq!(run.columns[1].last(), Some(&5.0));
        assert_eq!(run.columns[2].last(), Some(&0.0));
    }

    /// FUNCTION_TABLEs set by the model (points of v, a uniform grid of v
    /// and celsius interpolated in two dimensions, a constant) against
    /// NEURON 9.0.2 running the same ftk.mod with the same tables
    /// (scripts/neuron_reference.py user-ftable).
    #[test]
    fn function_tables_give_neurons_numbers() {
        let rows = csv("user_ftable.csv");
        let run = ftable_run(ftk_tables().into()).unwrap();
        assert_eq!(run.times.len(), rows.len());
        let (mut dv, mut dn) = (0.0f64, 0.0f64);
        for (k, row) in rows.iter().enumerate() {
            dv = dv.max((run.columns[0][k] - row[1]).abs());
            dn = dn.max((run.columns[1][k] - row[2]).abs() / row[2].abs().max(1e-300));
        }
        println!("ftk (FUNCTION_TABLE) vs NEURON: max |dv| = {dv:e} mV, n {dn:e} relative");
        assert!(dv <= 1e-6 && dn <= 1e-9, "{dv} {dn}");
        // The tables are used: the soma's voltage goes elsewhere without
        // the temperature factor's 2.
        let [ninf, ntau, _] = ftk_tables();
        let slower = ftable_run(vec![ninf, ntau, ("qfac", FunctionTable::constant(1.0))]).unwrap();
        assert!(slower.columns[0].iter().zip(&run.columns[0]).any(|(a, b)| (a - b).abs() > 1.0));
    }

    /// A FUNCTION_TABLE that was never set stops the run where it is first
    /// called (INITIAL, at t = 0), naming it, as NEURON does; tables that
    /// do not fit the function are refused when set.
    #[test]
    fn function_tables_missing_or_misfit_are_errors() {
        let [ninf, ntau, _] = ftk_tables();
        let err = ftable_run(vec![ninf, ntau]).err().expect("qfac has no table");
        assert!(
            matches!(&err, neurite::NeuriteError::MechanismFailed { mechanism, gid: 0, section, .. }
                if mechanism == "ftk" && section == "soma"),
            "{err}"
        );
        assert!(err.to_string().contains("FUNCTION_TABLE qfac has no table"), "{err}");
        let misfits = [
            ("ntau", FunctionTable::from_points(vec![0.0, 1.0], vec![1.0, 2.0]), "2 argument"),
            ("ninf", FunctionTable::from_points(vec![0.0, 1.0, 0.5], vec![1.0, 2.0, 3.0]), "must not decrease"),
            ("ninf", FunctionTable::from_points(vec![0.0, 1.0], vec![1.0]), "1 values for a grid of 2 points"),
            ("tau", FunctionTable::constant(1.0), "no such FUNCTION_TABLE"),
        ];
        for (name, table, reason) in misfits {
            let err = ftable_run(vec![(name, table)]).err().expect("a misfit table");
            assert!(
                matches!(&err, neurite::NeuriteError::InvalidFunctionTable { mechanism, function, .. }
                    if mechanism == "ftk" && function == name),
                "{err}"
            );
            assert!(err.to_string().contains(reason), "{err}");
        }
    }

    /// A user's ARTIFICIAL_CELL with `net_move` and NEURON's legacy random
    /// numbers (set_seed, normrand, exprand), in a network between a NetStim
    /// and a cable cell, against NEURON 9.0.2 running the same driftfire.mod
    /// (scripts/neuron_reference.py user-artificial): every spike of both
    /// cells at NEURON's time, its level and the soma's voltage at every step.
    #[test]
    fn an_artificial_cell_of_the_users_catalogue_gives_neurons_numbers() {
        let rows = csv("user_artificial.csv");
        let (run, spikes) = artificial_run().unwrap();
        assert_eq!(run.times.len(), rows.len());
        let (mut dv, mut dstate) = (0.0f64, 0.0f64);
        for (k, row) in rows.iter().enumerate() {
            // vstep is a voltage (mV): compared absolutely, as v, since a
            // relative measure blows up where it crosses 0 mV.
            dv = dv.max((run.columns[0][k] - row[1]).abs());
            dv = dv.max((run.columns[4][k] - row[5]).abs());
            for c in 1..4 {
                let want = row[c + 1];
                dstate = dstate.max((run.columns[c][k] - want).abs() / want.abs().max(1e-300));
            }
        }
        // BEFORE STEP ran once at finitialize and once per step since.
        assert_eq!(run.columns[3].last(), Some(&4001.0));
        println!("DriftFire vs NEURON: max |dv| (v, vstep) = {dv:e} mV, level/since/calls {dstate:e} relative");
        assert!(dv <= 1e-6 && dstate <= 1e-9, "{dv} {dstate}");
        let reference: Vec<(u64, f64)> =
            csv("user_artificial_spikes.csv").iter().map(|r| (r[0] as u64, r[1])).collect();
        assert_eq!(spikes.len(), reference.len(), "{spikes:?} vs {reference:?}");
        assert!(spikes.iter().filter(|s| s.0 == 2).count() >= 10, "{spikes:?}");
        for (a, r) in spikes.iter().zip(&reference) {
            assert_eq!(a.0, r.0, "{spikes:?} vs {reference:?}");
            assert!((a.1 - r.1).abs() <= 1e-9 * r.1.abs().max(1.0), "{spikes:?} vs {reference:?}");
        }
    }

    /// Artificial cells on any number of ranks: ten DriftFires (each its
    /// own seed and generator) and ten NetStims driving them, the
    /// DriftFires driving each other in a ring, dealt round robin to 1-4
    /// thread ranks: the same spikes, bit for bit.
    #[test]
    fn artificial_cells_give_the_same_spikes_on_any_number_of_ranks() {
        use neurite::{ParallelContext, run_thread_ranks};
        let run = |nhost: usize| {
            let results = run_thread_ranks(nhost, |comm| {
                let catalogue = mechanisms::catalogue().unwrap();
                let mut pc = ParallelContext::new(comm, SimulationConfig::default());
                let (id, n) = (pc.id(), pc.nhost());
                for gid in 0..20u64 {
                    pc.set_gid2node(gid, gid as usize % n).unwrap();
                }
                for gid in (0..20u64).filter(|g| *g as usize % n == id) {
                    if gid < 10 {
                        let mut drift = neurite::ArtificialCell::new(catalogue.get("DriftFire").unwrap()).unwrap();
                        drift.set_parameter("seed", 100.0 + gid as f64).unwrap();
                        pc.artificial_cell(gid, drift).unwrap();
                        let target = NetConTarget::Artificial { gid };
                        pc.gid_connect(gid + 10, target, 0.3, 1.0).unwrap();
                        pc.gid_connect((gid + 9) % 10, target, 0.2, 1.5).unwrap();
                    } else {
                        let start = gid as f64 * 0.7;
                        let params = NetStimParams { start, interval: 5.0, number: 20.0, noise: 0.5, random_ids: None };
                        pc.netstim(gid, params).unwrap();
                    }
                }
                pc.finitialize(-65.0).unwrap();
                pc.psolve(100.0).unwrap();
                pc.gather_spikes().unwrap()
            });
            results.into_iter().next().unwrap()
        };
        let bits = |s: Vec<neurite::Spike>| s.iter().map(|s| (s.gid, s.time.to_bits())).collect::<Vec<_>>();
        let serial = bits(run(1));
        assert!(serial.iter().filter(|s| s.0 < 10).count() > 50, "{serial:?}");
        for nhost in 2..=4 {
            assert_eq!(bits(run(nhost)), serial, "{nhost} ranks");
        }
    }

    /// `net_move` with no pending self event of flag 1 is an error naming
    /// the cell and the time, as NEURON's "No event with flag=1 for
    /// net_move"; an artificial cell takes no point-process NetCon.
    #[test]
    fn net_move_without_a_pending_event_is_an_error() {
        let catalogue = mechanisms::catalogue().unwrap();
        let mut net = Network::new();
        net.add_netstim(1, NetStimParams { start: 2.0, interval: 4.0, number: 3.0, noise: 0.0, random_ids: None })
            .unwrap();
        net.add_artificial_cell(2, neurite::ArtificialCell::new(catalogue.get("Mover").unwrap()).unwrap()).unwrap();
        net.connect(1, NetConTarget::Artificial { gid: 2 }, 0.1, 1.0).unwrap();
        let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
        sim.finitialize(-65.0).unwrap();
        let err = sim.run(20.0).unwrap_err().to_string();
        assert!(err.contains("net_move in Mover of gid 2 at t = 3 ms") && err.contains("flag 1"), "{err}");
        assert!(neurite::ArtificialCell::new(catalogue.get("ka").unwrap()).is_err());
        let wrong = net.connect(1, NetConTarget::NetStim { gid: 2 }, 0.1, 1.0).unwrap_err().to_string();
        assert!(wrong.contains("Mover"), "{wrong}");
    }

    /// POINTERs that read an ion variable, a density mechanism's state and
    /// a point process's conductance, and one that writes another
    /// mechanism's state, against NEURON 9.0.2 running the same files
    /// (scripts/neuron_reference.py user-pointers).
    #[test]
    fn pointers_to_ions_and_other_mechanisms_give_neurons_numbers() {
        let rows = csv("user_pointers.csv");
        let run = pointers_run().unwrap();
        assert_eq!(run.times.len(), rows.len());
        // States relative to themselves, but no finer than a millionth of
        // their peak (the synapse's g decays to 1e-94).
        let peaks: Vec<f64> = (1..5).map(|c| rows.iter().map(|r| r[c + 1].abs()).fold(0.0, f64::max)).collect();
        let (mut dv, mut dstate) = (0.0f64, 0.0f64);
        for (k, row) in rows.iter().enumerate() {
            // vstep is a voltage (mV): compared absolutely, as v, since a
            // relative measure blows up where it crosses 0 mV.
            dv = dv.max((run.columns[0][k] - row[1]).abs());
            dv = dv.max((run.columns[4][k] - row[5]).abs());
            for c in 1..4 {
                let want = row[c + 1];
                let scale = want.abs().max(1e-6 * peaks[c - 1]).max(1e-300);
                dstate = dstate.max((run.columns[c][k] - want).abs() / scale);
            }
        }
        println!("POINTER targets vs NEURON: max |dv| = {dv:e} mV, h/cai/m/g {dstate:e} relative");
        assert!(dv <= 1e-6 && dstate <= 1e-9, "{dv} {dstate}");
        // hclamp holds h at 0.45 before every step's currents; the state
        // update moves it from there.
        assert!(run.columns[1].iter().skip(1).all(|h| (h - 0.45).abs() < 0.05), "{:?}", &run.columns[1][..5]);
        assert!(peaks[3] > 1e-3, "the synapse opens: {peaks:?}");
    }

    /// A POINTER to something that is not there is an error naming it.
    #[test]
    fn pointer_targets_must_exist() {
        use neurite::{PointerOwner, PointerTarget};
        let catalogue = mechanisms::catalogue().unwrap();
        let mut cell = CableCell::new("bad_pointers");
        let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 }).unwrap();
        let at = Location::new(soma, 0.5);
        cell.insert(soma, "pas").unwrap();
        cell.insert_mechanism(soma, catalogue.get("vcopy").unwrap()).unwrap();
        let owner = PointerOwner::Density { location: at, mechanism: "vcopy".into() };
        let no_hh = PointerTarget::Density { location: at, mechanism: "hh".into(), name: "m".into() };
        let err = cell.set_pointer(owner.clone(), "vref", no_hh).unwrap_err().to_string();
        assert!(err.contains("hh") && err.contains("soma"), "{err}");
        let no_var = PointerTarget::Density { location: at, mechanism: "pas".into(), name: "m".into() };
        let err = cell.set_pointer(owner.clone(), "vref", no_var).unwrap_err().to_string();
        assert!(err.contains("pas") && err.contains('m'), "{err}");
        // No mechanism of the segment uses calcium: known only at setup.
        cell.set_pointer(owner, "vref", PointerTarget::Ion { location: at, name: "cai".into() }).unwrap();
        let mut net = Network::new();
        net.add_cable_cell(0, cell).unwrap();
        let err = Simulation::new(&net, SimulationConfig::default()).err().expect("an error").to_string();
        assert!(err.contains("cai") && err.contains("soma") && err.contains("bad_pointers"), "{err}");
    }

    /// POINTER and AFTER SOLVE: `vcopy` in the dendrite sees the soma's
    /// voltage after every step; a POINTER left unset is an error naming
    /// the mechanism and where it is.
    #[test]
    fn pointers_read_their_target_and_must_be_set() {
        use neurite::{PointerOwner, PointerTarget};
        let build = |set: bool| -> neurite::Result<(Simulation, neurite::SectionId, neurite::SectionId)> {
            let catalogue = mechanisms::catalogue()?;
            let mut cell = CableCell::new("pointer_cell");
            let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
            cell.insert(soma, "hh")?;
            let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 2.0, nseg: 3 })?;
            cell.connect(dend, soma, 1.0)?;
            cell.insert(dend, "pas")?;
            cell.insert_mechanism(dend, catalogue.get("vcopy")?)?;
            if set {
                for x in [1.0 / 6.0, 0.5, 5.0 / 6.0] {
                    let owner = PointerOwner::Density { location: Location::new(dend, x), mechanism: "vcopy".into() };
                    cell.set_pointer(owner, "vref", PointerTarget::Voltage(Location::new(soma, 0.5)))?;
                }
            }
            add_iclamp(&mut cell, Location::new(soma, 0.5), 1.0, 5.0, 0.3)?;
            let mut net = Network::new();
            net.add_cable_cell(0, cell)?;
            Ok((Simulation::new(&net, SimulationConfig::default())?, soma, dend))
        };
        let (mut sim, soma, dend) = build(true).unwrap();
        let v = sim.record_voltage(0, Location::new(soma, 0.5)).unwrap();
        let seen = sim.record_variable(0, Location::new(dend, 0.5), "vcopy", "seen", 1).unwrap();
        let count = sim.record_variable(0, Location::new(dend, 0.9), "vcopy", "count", 1).unwrap();
        sim.finitialize(-65.0).unwrap();
        sim.run(10.0).unwrap();
        assert_eq!(sim.trace(seen).unwrap().values, sim.trace(v).unwrap().values);
        assert_eq!(*sim.trace(count).unwrap().values.last().unwrap(), 400.0);
        let err = build(false).err().expect("an unset POINTER").to_string();
        assert!(err.contains("POINTER `vref` of `vcopy` is not set") && err.contains("dend"), "{err}");
    }

    /// An array index out of range (a fourth event into `history`'s three
    /// slots) ends the run with an error naming the mechanism and its
    /// place, instead of writing elsewhere.
    #[test]
    fn an_array_index_out_of_range_is_an_error() {
        let run = |number: f64| -> neurite::Result<()> {
            let catalogue = mechanisms::catalogue()?;
            let mut cell = CableCell::new("history_cell");
            let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
            cell.insert(soma, "pas")?;
            let history = cell.add_point_mechanism(Location::new(soma, 0.5), catalogue.get("History")?)?;
            let mut net = Network::new();
            net.add_cable_cell(0, cell)?;
            net.add_netstim(1, NetStimParams { start: 1.0, interval: 2.0, number, noise: 0.0, random_ids: None })?;
            net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: history }, 1.0, 1.0)?;
            let mut sim = Simulation::new(&net, SimulationConfig::default())?;
            sim.finitialize(-65.0)?;
            sim.run(20.0)
        };
        run(3.0).unwrap();
        let err = run(4.0).unwrap_err();
        assert!(
            matches!(&err, neurite::NeuriteError::MechanismFailed { mechanism, section, .. }
                if mechanism == "History" && section == "soma"),
            "{err}"
        );
        assert!(err.to_string().contains("array index out of range"), "{err}");
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
