//! Runs the mechanisms translated from the public .mod corpora under one
//! protocol, for `scripts/corpus_vs_neuron.py`, which runs the same protocol
//! in NEURON 9.0.2 and compares the two at every step.
//!
//! ```text
//! corpus-runner describe          # JSON: every mechanism, its kind, states, written concentrations
//! corpus-runner run PLAN.json     # runs the plan's protocol for each listed mechanism
//! ```
//!
//! The protocol (numbers in the plan, so that both sides read them from one
//! place): a soma (L = diam = 20 µm, one segment, pas g 1e-4 S/cm², e −65 mV)
//! with the mechanism inserted (density) or placed at its middle (point
//! process), two current steps, and for mechanisms with NET_RECEIVE a NetStim
//! driving them through a NetCon; every POINTER points at the soma's
//! voltage. An artificial cell is a cell of its own, driven by the NetStim;
//! its spikes are recorded as two columns (spikes so far, the last one's
//! time). Recorded at every step: v, each STATE of the mechanism, and each
//! ion concentration it writes.

use neurite::mechanisms::{MechanismInfo, MechanismKind, VariableRole};
use neurite::{
    ArtificialCell, CableCell, Location, NetConTarget, NetStimParams, Network, PointerOwner, PointerTarget,
    SectionGeometry, Simulation, SimulationConfig,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

mod modules {
    include!(concat!(env!("OUT_DIR"), "/corpus_modules.rs"));
}

/// What the comparison needs to know of one mechanism.
#[derive(Serialize)]
struct Description {
    corpus: &'static str,
    name: &'static str,
    kind: &'static str,
    /// STATE variables that are the mechanism's own.
    states: Vec<&'static str>,
    /// Ion concentrations it writes (`cai`, ...), recorded from the ion.
    concentrations: Vec<&'static str>,
    net_receive: bool,
    /// POINTERs: the protocol points each at the soma's voltage.
    pointers: Vec<&'static str>,
    /// Ion currents it reads without writing them (`ica` of a calcium
    /// pool): the protocol adds a mechanism of the corpus that writes one.
    reads_currents: Vec<&'static str>,
    /// Ion currents it writes.
    writes_currents: Vec<&'static str>,
}

fn describe(corpus: &'static str, info: &'static MechanismInfo) -> Description {
    let kind = match info.kind {
        MechanismKind::Density => "density",
        MechanismKind::Point => "point",
        MechanismKind::Artificial => "artificial",
    };
    let states = info.variables.iter().filter(|v| v.role == VariableRole::State).map(|v| v.name).collect();
    let concentrations = info
        .ions
        .iter()
        .flat_map(|ion| ion.write.iter().copied())
        .filter(|name| name.ends_with('i') || name.ends_with('o'))
        .filter(|name| !name.starts_with('i'))
        .collect();
    Description {
        corpus,
        name: info.name,
        kind,
        states,
        concentrations,
        net_receive: !info.weights.is_empty(),
        pointers: info.pointers.to_vec(),
        reads_currents: info
            .ions
            .iter()
            .flat_map(|ion| ion.read.iter().copied().filter(|r| r.starts_with('i') && !ion.write.contains(r)))
            .collect(),
        writes_currents: info
            .ions
            .iter()
            .flat_map(|ion| ion.write.iter().copied().filter(|w| w.starts_with('i')))
            .collect(),
    }
}

/// A current step: start (ms), duration (ms), amplitude (nA).
#[derive(Deserialize)]
struct Clamp(f64, f64, f64);

/// The NetStim that drives mechanisms with NET_RECEIVE.
#[derive(Deserialize)]
struct Stimulus {
    start: f64,
    interval: f64,
    number: f64,
    weight: f64,
    /// The weight of its NetCon to an artificial cell.
    artificial_weight: f64,
    delay: f64,
}

/// One mechanism to run, and where its traces go.
#[derive(Deserialize)]
struct Run {
    corpus: String,
    name: String,
    usetable: f64,
    out: String,
    /// A density mechanism of the same corpus inserted too, with its
    /// defaults, that writes an ion current the mechanism only reads.
    #[serde(default)]
    partner: Option<String>,
    /// Parameters of the mechanism set for this run (name, value).
    #[serde(default)]
    parameters: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct Plan {
    celsius: f64,
    dt: f64,
    tstop: f64,
    v_init: f64,
    clamps: Vec<Clamp>,
    stimulus: Stimulus,
    runs: Vec<Run>,
}

fn run(plan: &Plan, run: &Run) -> Result<(), String> {
    let Some(&(corpus, info)) = modules::ALL.iter().find(|(c, i)| *c == run.corpus && i.name == run.name) else {
        return Err(format!("no translated mechanism {}/{}", run.corpus, run.name));
    };
    let columns = simulate(plan, run, corpus, info).map_err(|e| e.to_string())?;
    write_traces(&run.out, &columns).map_err(|e| format!("{}: {e}", run.out))
}

/// Recorded columns: name and values; the first is the times.
type Columns = Vec<(String, Vec<f64>)>;

fn write_traces(path: &str, columns: &Columns) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    writeln!(out, "{}", names.join(","))?;
    for k in 0..columns[0].1.len() {
        let row: Vec<String> = columns.iter().map(|(_, values)| format!("{:?}", values[k])).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    out.flush()
}

fn simulate(plan: &Plan, run: &Run, corpus: &'static str, info: &'static MechanismInfo) -> neurite::Result<Columns> {
    let described = describe(corpus, info);
    let mut cell = CableCell::new("soma_cell");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    // The protocol's leak; when the file under test is NEURON's passive.mod
    // itself, its translation is that leak (NEURON inserts pas once).
    let leak_is_tested = info.name == "pas" && info.kind == MechanismKind::Density;
    if leak_is_tested {
        cell.insert_mechanism(soma, info)?;
    } else {
        cell.insert(soma, "pas")?;
    }
    cell.set_parameter(soma, "pas", "g", 1e-4)?;
    cell.set_parameter(soma, "pas", "e", -65.0)?;
    let middle = Location::new(soma, 0.5);
    // Inserted first, as the NEURON side does.
    if let Some(partner) = &run.partner {
        let Some(&(_, partner)) = modules::ALL.iter().find(|(c, i)| *c == run.corpus && i.name == partner) else {
            return Err(neurite::NeuriteError::UnknownMechanism { name: format!("{}/{partner}", run.corpus) });
        };
        cell.insert_mechanism(soma, partner)?;
    }
    let mut point = None;
    match info.kind {
        MechanismKind::Density if leak_is_tested => {}
        MechanismKind::Density => cell.insert_mechanism(soma, info)?,
        MechanismKind::Point => point = Some(cell.add_point_mechanism(middle, info)?),
        MechanismKind::Artificial => {}
    }
    for (name, &value) in &run.parameters {
        match point {
            Some(pp) => cell.set_point_parameter(pp, name, value)?,
            None if info.kind == MechanismKind::Density => cell.set_parameter(soma, info.name, name, value)?,
            None => {}
        }
    }
    for pointer in info.pointers {
        let owner = match point {
            Some(pp) => PointerOwner::Point(pp),
            None => PointerOwner::Density { location: middle, mechanism: info.name.to_string() },
        };
        cell.set_pointer(owner, pointer, PointerTarget::Voltage(middle))?;
    }
    for clamp in &plan.clamps {
        let ic = cell.add_point_process(middle, "IClamp")?;
        cell.set_point_parameter(ic, "del", clamp.0)?;
        cell.set_point_parameter(ic, "dur", clamp.1)?;
        cell.set_point_parameter(ic, "amp", clamp.2)?;
    }
    let mut net = Network::new();
    net.add_cable_cell(0, cell)?;
    if let (Some(pp), true) = (point, described.net_receive) {
        let s = &plan.stimulus;
        let params =
            NetStimParams { start: s.start, interval: s.interval, number: s.number, noise: 0.0, random_ids: None };
        net.add_netstim(1, params)?;
        net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: pp }, s.weight, s.delay)?;
    }
    if info.kind == MechanismKind::Artificial {
        let s = &plan.stimulus;
        let params =
            NetStimParams { start: s.start, interval: s.interval, number: s.number, noise: 0.0, random_ids: None };
        net.add_netstim(1, params)?;
        let mut cell = ArtificialCell::new(info)?;
        for (name, &value) in &run.parameters {
            cell.set_parameter(name, value)?;
        }
        net.add_artificial_cell(ARTIFICIAL_GID, cell)?;
        net.connect(1, NetConTarget::Artificial { gid: ARTIFICIAL_GID }, s.artificial_weight, s.delay)?;
    }
    let config = SimulationConfig { dt: plan.dt, celsius: plan.celsius, ..SimulationConfig::default() };
    let mut sim = Simulation::new(&net, config)?;
    sim.set_global(info.name, "usetable", run.usetable)?;
    let mut columns = vec![("v_mV".to_string(), sim.record_voltage(0, middle)?)];
    for state in &described.states {
        let id = match (point, info.kind) {
            (_, MechanismKind::Artificial) => sim.record_artificial_variable(ARTIFICIAL_GID, state, 1)?,
            (Some(pp), _) => sim.record_point_variable(0, pp, state, 1)?,
            (None, _) => sim.record_variable(0, middle, info.name, state, 1)?,
        };
        columns.push((format!("state:{state}"), id));
    }
    for ion in &described.concentrations {
        columns.push((format!("ion:{ion}"), sim.record_ion_variable(0, middle, ion, 1)?));
    }
    sim.finitialize(plan.v_init)?;
    sim.run(plan.tstop)?;
    let mut traces = vec![("t_ms".to_string(), sim.trace(columns[0].1)?.times.clone())];
    for (name, id) in columns {
        traces.push((name, sim.trace(id)?.values.clone()));
    }
    if info.kind == MechanismKind::Artificial {
        let spikes: Vec<f64> = sim.spikes().iter().filter(|s| s.gid == ARTIFICIAL_GID).map(|s| s.time).collect();
        let (count, last) = spike_columns(&traces[0].1, &spikes);
        traces.push(("spikes".to_string(), count));
        traces.push(("last_spike_ms".to_string(), last));
    }
    Ok(traces)
}

/// The gid of the artificial cell under test.
const ARTIFICIAL_GID: u64 = 2;

/// At each sample time: how many of `spikes` (ms) came at or before it, and
/// the last of them (-1 before the first), as the NEURON side computes
/// them from its recorded spike times.
fn spike_columns(times: &[f64], spikes: &[f64]) -> (Vec<f64>, Vec<f64>) {
    times
        .iter()
        .map(|&t| {
            let before: Vec<f64> = spikes.iter().copied().filter(|&s| s <= t).collect();
            (before.len() as f64, before.last().copied().unwrap_or(-1.0))
        })
        .unzip()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("describe") => {
            let all: Vec<Description> = modules::ALL.iter().map(|&(c, i)| describe(c, i)).collect();
            println!("{}", serde_json::to_string_pretty(&all).expect("serializable"));
            ExitCode::SUCCESS
        }
        Some("run") if args.len() == 3 => {
            let plan: Plan = match std::fs::read_to_string(&args[2])
                .map_err(|e| e.to_string())
                .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args[2])))
            {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            // Each mechanism on its own: one that fails is reported and the
            // others still run.
            let mut failed = false;
            for r in &plan.runs {
                if let Err(e) = run(&plan, r) {
                    println!("error {}/{}: {e}", r.corpus, r.name);
                    failed = true;
                } else {
                    println!("ok {}/{}", r.corpus, r.name);
                }
            }
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        _ => {
            eprintln!("usage: corpus-runner describe | corpus-runner run PLAN.json");
            ExitCode::FAILURE
        }
    }
}
