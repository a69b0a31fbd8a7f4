//! Running the column: one trial on the ranks of a job (cells dealt round
//! robin, as hnn-core's MPIBackend does), with the dipole summed in gid
//! order so that it does not depend on the decomposition.

use super::column::{Column, DriveEvents};
use super::dipole::Dipole;
use crate::communication::Communicator;
use crate::error::Result;
use crate::network::Gid;
use crate::parallel::{ParallelContext, round_robin};
use crate::recording::Spike;
use crate::simulation::SimulationConfig;

/// What one trial gives: every spike (cells and drive cells, hnn-core's
/// gids) and the raw dipole (fAm; see [`Dipole::renormalize`]).
#[derive(Debug, Clone)]
pub struct TrialOutput {
    /// All spikes, ordered by time then gid.
    pub spikes: Vec<Spike>,
    /// The layers' dipoles before post-processing, fAm.
    pub dipole: Dipole,
}

/// Runs one trial of `column` driven by `events` for `tstop` ms with
/// `config` (dt, threads; celsius comes from the column's parameters) on
/// the ranks of `comm`, as hnn-core's `_simulate_single_trial`: cells start
/// from their sections' initial voltages, spikes are exchanged every
/// minimum delay (at most 10 ms). Every rank returns the same output.
pub fn simulate_trial<C: Communicator>(
    column: &Column,
    events: &DriveEvents,
    tstop: f64,
    config: SimulationConfig,
    comm: C,
) -> Result<TrialOutput> {
    simulate_trial_with_progress(column, events, tstop, config, comm, &mut |_| {})
}

/// [`simulate_trial`], calling `progress(t)` (ms simulated) every 5 ms of
/// simulated time (the same results: the run is only cut into pieces).
pub fn simulate_trial_with_progress<C: Communicator>(
    column: &Column,
    events: &DriveEvents,
    tstop: f64,
    config: SimulationConfig,
    comm: C,
    progress: &mut dyn FnMut(f64),
) -> Result<TrialOutput> {
    let config = SimulationConfig { celsius: column.params.number("celsius")?, ..config };
    let mut pc = ParallelContext::new(comm, config);
    let (id, nhost) = (pc.id(), pc.nhost());
    for gid in round_robin(column.gid_count() as Gid, id, nhost) {
        pc.set_gid2node(gid, id)?;
    }
    let built = column.build(events, tstop, |gid| pc.gid_exists(gid))?;
    pc.add_network(built.network)?;
    pc.set_maxstep(10.0)?;
    let sim = pc.setup()?;
    let mut probes = Vec::with_capacity(built.dipoles.len());
    for (gid, cell_type, terms) in &built.dipoles {
        probes.push((*gid, *cell_type, sim.record_voltage_differences(*gid, terms, 1)?));
    }
    sim.finitialize_at_initial_voltages()?;
    let mut piece = 1;
    while 5.0 * (piece as f64) < tstop {
        sim.run(5.0 * piece as f64)?;
        progress(sim.time());
        piece += 1;
    }
    sim.run(tstop)?;
    progress(sim.time());
    let spikes = sim.gather_spikes()?;

    // Every pyramidal cell's dipole to every rank, summed in gid order.
    let mut local: Vec<u8> = Vec::new();
    let mut times = Vec::new();
    for (gid, _, probe) in &probes {
        let trace = sim.trace(*probe)?;
        times.clone_from(&trace.times);
        local.extend(gid.to_le_bytes());
        local.extend((trace.values.len() as u64).to_le_bytes());
        for v in &trace.values {
            local.extend(v.to_le_bytes());
        }
    }
    let gathered = sim.communicator().all_gather_bytes(&local)?;
    let mut cells: Vec<(Gid, Vec<f64>)> = Vec::new();
    for bytes in &gathered {
        let mut at = 0;
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        while at < bytes.len() {
            let (gid, n) = (word(at), word(at + 8) as usize);
            at += 16;
            let values = (0..n).map(|k| f64::from_bits(word(at + 8 * k))).collect();
            at += 8 * n;
            cells.push((gid, values));
        }
    }
    cells.sort_by_key(|(gid, _)| *gid);
    let samples = cells.first().map_or(0, |(_, v)| v.len());
    if times.len() != samples {
        let dt = config.dt;
        times = (0..samples).map(|k| k as f64 * dt).collect();
    }
    let (mut l2, mut l5) = (vec![0.0; samples], vec![0.0; samples]);
    for (gid, values) in &cells {
        let layer = match column.cell_of(*gid) {
            Some((super::CellType::L2Pyramidal, _)) => &mut l2,
            _ => &mut l5,
        };
        for (sum, v) in layer.iter_mut().zip(values) {
            *sum += v;
        }
    }
    // hnn-core's recording of t = 0 comes after its dipole is zeroed.
    if samples > 0 {
        l2[0] = 0.0;
        l5[0] = 0.0;
    }
    Ok(TrialOutput { spikes, dipole: Dipole::raw(times, l2, l5) })
}
