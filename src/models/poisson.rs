//! A network with many spikes, after the seed question "an HH neuron driven
//! by 100 Poisson inputs (80 excitatory, 20 inhibitory) was far too slow":
//! `cells` single-compartment hh neurons, each driven by Poisson NetStims
//! (80 % through an excitatory ExpSyn, 20 % through an inhibitory one) and by
//! random recurrent connections. Connectivity is drawn per target gid from a
//! Random123 stream, so every rank builds the same network.

use crate::error::Result;
use crate::morphology::{CableCell, Location, PointProcessId, SectionGeometry};
use crate::network::{Gid, NetConTarget, NetStimParams, Network};
use crate::random123::Random123Stream;

/// Parameters of the Poisson-driven network.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PoissonParams {
    /// Number of hh cells (gids 0..cells).
    pub cells: usize,
    /// Number of Poisson NetStims (gids cells..cells + stims).
    pub stims: usize,
    /// Poisson inputs per cell.
    pub inputs_per_cell: usize,
    /// Rate of each Poisson input, Hz.
    pub rate_hz: f64,
    /// Fraction of inputs that are excitatory (the first stims).
    pub excitatory_fraction: f64,
    /// Recurrent connections per cell from random cells.
    pub recurrent_per_cell: usize,
    /// Weight of excitatory synapses, µS.
    pub weight_exc: f64,
    /// Weight of inhibitory synapses, µS.
    pub weight_inh: f64,
    /// Seed of the connectivity and of the NetStims' streams.
    pub seed: u32,
}

impl Default for PoissonParams {
    fn default() -> Self {
        PoissonParams {
            cells: 100,
            stims: 100,
            inputs_per_cell: 100,
            rate_hz: 10.0,
            excitatory_fraction: 0.8,
            recurrent_per_cell: 10,
            weight_exc: 0.0015,
            weight_inh: 0.004,
            seed: 1,
        }
    }
}

/// The synapses of a cell of the network.
#[derive(Debug, Clone, Copy)]
pub struct Synapses {
    /// Excitatory ExpSyn (tau 2 ms, e 0 mV).
    pub excitatory: PointProcessId,
    /// Inhibitory ExpSyn (tau 5 ms, e -80 mV).
    pub inhibitory: PointProcessId,
}

/// One cell of the network (every cell is a clone of it).
pub fn hh_cell() -> Result<(CableCell, Synapses)> {
    let mut cell = CableCell::new("PoissonHH");
    let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 })?;
    cell.insert(soma, "hh")?;
    let exc = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
    cell.set_point_parameter(exc, "tau", 2.0)?;
    let inh = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
    cell.set_point_parameter(inh, "tau", 5.0)?;
    cell.set_point_parameter(inh, "e", -80.0)?;
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
    Ok((cell, Synapses { excitatory: exc, inhibitory: inh }))
}

/// Builds the cells and NetStims that `keep(gid)` selects, with the NetCons
/// ending on kept cells.
pub fn build_poisson_network(params: &PoissonParams, keep: impl Fn(Gid) -> bool) -> Result<Network> {
    let mut network = Network::new();
    network.set_identity(format!("poisson {params:?}"));
    let (template, Synapses { excitatory, inhibitory }) = hh_cell()?;
    let n = params.cells as u64;
    let n_exc_stims = (params.stims as f64 * params.excitatory_fraction).round() as u64;
    for k in 0..params.stims as u64 {
        let gid = n + k;
        if keep(gid) {
            network.add_netstim(
                gid,
                NetStimParams {
                    start: 0.0,
                    number: 1e9,
                    interval: 1000.0 / params.rate_hz,
                    noise: 1.0,
                    random_ids: Some((params.seed, k as u32, 1)),
                },
            )?;
        }
    }
    for gid in 0..n {
        if !keep(gid) {
            continue;
        }
        network.add_cable_cell(gid, template.clone())?;
        let mut rng = Random123Stream::new(params.seed, gid as u32, 2);
        let mut below = |m: u64| (rng.uniform_open01() * m as f64) as u64 % m.max(1);
        for _ in 0..params.inputs_per_cell {
            let k = below(params.stims as u64);
            let (synapse, weight) =
                if k < n_exc_stims { (excitatory, params.weight_exc) } else { (inhibitory, params.weight_inh) };
            network.connect(n + k, NetConTarget::PointProcess { gid, point_process: synapse }, weight, 1.0)?;
        }
        for _ in 0..params.recurrent_per_cell {
            let source = below(n);
            let from_excitatory = source < (n as f64 * params.excitatory_fraction) as u64;
            let (synapse, weight) =
                if from_excitatory { (excitatory, params.weight_exc) } else { (inhibitory, params.weight_inh) };
            let delay = 1.0 + below(40) as f64 * 0.1;
            network.connect(source, NetConTarget::PointProcess { gid, point_process: synapse }, weight, delay)?;
        }
    }
    Ok(network)
}
