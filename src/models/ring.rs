//! The ring of ball-and-stick cells of NEURON's ParallelContext tutorial (the
//! seed model): cell n excites cell n + 1, the last one cell 0, and a NetStim
//! starts the wave at cell 0.

use crate::error::Result;
use crate::morphology::{CableCell, Location, PointProcessId, SectionGeometry, SectionId};
use crate::network::{Gid, NetConTarget, NetStimParams, Network};

/// Parameters of the ring, with the tutorial's defaults.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RingParams {
    /// Number of cells.
    pub cells: usize,
    /// Weight of the NetStim onto cell 0, µS.
    pub stim_weight: f64,
    /// Time of the NetStim spike, ms.
    pub stim_start: f64,
    /// Delay of the NetStim NetCon, ms.
    pub stim_delay: f64,
    /// Weight of the ring synapses, µS.
    pub syn_weight: f64,
    /// Delay of the ring NetCons, ms.
    pub syn_delay: f64,
    /// Radius of the ring the cells are placed on, µm.
    pub radius: f64,
    /// Segments in each dendrite.
    pub dend_nseg: usize,
}

impl Default for RingParams {
    fn default() -> Self {
        RingParams {
            cells: 5,
            stim_weight: 0.04,
            stim_start: 9.0,
            stim_delay: 1.0,
            syn_weight: 0.01,
            syn_delay: 5.0,
            radius: 50.0,
            dend_nseg: 1,
        }
    }
}

/// The parts of a ball-and-stick cell (ids valid in every clone of it).
#[derive(Debug, Clone, Copy)]
pub struct BallAndStickParts {
    /// The soma.
    pub soma: SectionId,
    /// The dendrite.
    pub dend: SectionId,
    /// The ExpSyn at dend(0.5).
    pub synapse: PointProcessId,
}

/// One ball-and-stick cell as the tutorial's `BallAndStick`: soma 12.6157 µm
/// with hh, a 200 µm dendrite with pas, an ExpSyn (tau 2 ms) at dend(0.5),
/// placed with `define_shape` at the origin. The ring's cells are clones of
/// it, rotated and moved.
pub fn ball_and_stick(dend_nseg: usize) -> Result<(CableCell, BallAndStickParts)> {
    let mut cell = CableCell::new("BallAndStick");
    let soma = cell.add_section("soma", SectionGeometry { length: 12.6157, diam: 12.6157, nseg: 1 })?;
    let dend = cell.add_section("dend", SectionGeometry { length: 200.0, diam: 1.0, nseg: dend_nseg })?;
    cell.connect(dend, soma, 1.0)?;
    for section in [soma, dend] {
        cell.set_ra(section, 100.0)?;
        cell.set_cm(section, 1.0)?;
    }
    cell.insert(soma, "hh")?;
    cell.set_parameter(soma, "hh", "gnabar", 0.12)?;
    cell.set_parameter(soma, "hh", "gkbar", 0.036)?;
    cell.set_parameter(soma, "hh", "gl", 0.0003)?;
    cell.set_parameter(soma, "hh", "el", -54.3)?;
    cell.insert(dend, "pas")?;
    cell.set_parameter(dend, "pas", "g", 0.001)?;
    cell.set_parameter(dend, "pas", "e", -65.0)?;
    let syn = cell.add_point_process(Location::new(dend, 0.5), "ExpSyn")?;
    cell.set_point_parameter(syn, "tau", 2.0)?;
    cell.define_shape()?;
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0)?;
    Ok((cell, BallAndStickParts { soma, dend, synapse: syn }))
}

/// Builds the cells of the ring that `keep(gid)` selects (all of them in a
/// serial run, this rank's with several ranks), with the NetCons that end on
/// them. As in the tutorial, the NetStim has no gid: it belongs to cell 0
/// and reaches its synapse through a plain NetCon, so it is neither recorded
/// nor exchanged, and the exchange interval is the ring's 5 ms delay.
pub fn build_ring(params: &RingParams, keep: impl Fn(Gid) -> bool) -> Result<Network> {
    let n = params.cells;
    // A lower estimate of a cell's description and simulation state, so that
    // a ring that cannot fit fails before anything is built.
    let bytes_per_cell = 2048 + 200 * (params.dend_nseg as u64 + 3);
    crate::limits::check_memory("ring cells", n as u64, bytes_per_cell)?;
    let mut network = Network::new();
    network.set_identity(format!("{params:?}"));
    // Built once, by ranks that have cells (as NEURON makes sections only
    // where cells live); every cell is a clone of it.
    let mut template: Option<(CableCell, BallAndStickParts)> = None;
    for i in 0..n {
        let gid = i as Gid;
        if !keep(gid) {
            continue;
        }
        if template.is_none() {
            template = Some(ball_and_stick(params.dend_nseg)?);
        }
        let Some((template, parts)) = &template else { continue };
        let theta = i as f64 * 2.0 * std::f64::consts::PI / n as f64;
        let mut cell = template.clone();
        cell.rotate_z(theta);
        cell.translate(theta.cos() * params.radius, theta.sin() * params.radius, 0.0);
        if i == 0 {
            let stim =
                cell.add_netstim(NetStimParams { start: params.stim_start, number: 1.0, ..Default::default() })?;
            cell.connect_netstim(stim, parts.synapse, params.stim_weight, params.stim_delay)?;
        }
        network.add_cable_cell(gid, cell)?;
    }
    for i in 0..n {
        let gid = i as Gid;
        if !keep(gid) {
            continue;
        }
        let Some((_, parts)) = &template else { break };
        let source = ((i + n - 1) % n) as Gid;
        let target = NetConTarget::PointProcess { gid, point_process: parts.synapse };
        network.connect(source, target, params.syn_weight, params.syn_delay)?;
    }
    Ok(network)
}
