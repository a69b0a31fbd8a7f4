//! NEURON's ParallelContext, in Rust: gids dealt to ranks, cells registered
//! by gid, NetCons made by source gid, and `psolve` integrating in intervals
//! of the minimum delay with a spike exchange after each.
//!
//! ```
//! use neurite::models::ring::{RingParams, build_ring};
//! use neurite::parallel::{ParallelContext, round_robin};
//! use neurite::SerialCommunicator;
//!
//! let mut pc = ParallelContext::new(SerialCommunicator, Default::default());
//! let params = RingParams::default();
//! let mine: Vec<u64> = round_robin(params.cells as u64, pc.id(), pc.nhost()).collect();
//! for &gid in &mine {
//!     pc.set_gid2node(gid, pc.id()).unwrap();
//! }
//! let network = build_ring(&params, |gid| pc.gid_exists(gid)).unwrap();
//! pc.add_network(network).unwrap();
//! pc.finitialize(-65.0).unwrap();
//! pc.psolve(100.0).unwrap();
//! let spikes = pc.gather_spikes().unwrap();
//! assert_eq!(spikes.len(), 14);
//! ```

use std::collections::BTreeSet;

use crate::communication::Communicator;
use crate::error::{NeuriteError, Result};
use crate::morphology::CableCell;
use crate::network::{CellDescription, Gid, NetConId, NetConTarget, NetStimParams, Network};
use crate::recording::Spike;
use crate::simulation::{Simulation, SimulationConfig};

/// The gids `rank` owns when `count` gids (0..count) are dealt round-robin
/// over `nhost` ranks, as the tutorial's `range(pc.id(), N, pc.nhost())`.
pub fn round_robin(count: Gid, rank: usize, nhost: usize) -> impl Iterator<Item = Gid> {
    (rank as Gid..count).step_by(nhost.max(1))
}

/// Returns memory freed inside the process's heap to the operating system
/// (glibc keeps small freed blocks otherwise).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own
    // arenas; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Distributed simulation with NEURON's vocabulary.
pub struct ParallelContext<C: Communicator> {
    comm: Option<C>,
    rank: usize,
    nhost: usize,
    config: SimulationConfig,
    my_gids: BTreeSet<Gid>,
    network: Network,
    simulation: Option<Simulation<C>>,
    /// Set when setup failed: the communicator is gone with it, so every
    /// later call reports this error.
    setup_error: Option<NeuriteError>,
}

impl<C: Communicator> ParallelContext<C> {
    /// A context on the ranks of `comm`, simulating with `config`.
    pub fn new(comm: C, config: SimulationConfig) -> Self {
        let (rank, nhost) = (comm.rank(), comm.size());
        ParallelContext {
            comm: Some(comm),
            rank,
            nhost,
            config,
            my_gids: BTreeSet::new(),
            network: Network::new(),
            simulation: None,
            setup_error: None,
        }
    }

    /// This rank, 0..nhost.
    pub fn id(&self) -> usize {
        self.rank
    }

    /// Number of ranks.
    pub fn nhost(&self) -> usize {
        self.nhost
    }

    fn check_not_started(&self) -> Result<()> {
        if self.simulation.is_some() {
            return Err(NeuriteError::InvalidParameter {
                what: "network change after setup".into(),
                value: f64::NAN,
                reason: "cells and NetCons must be added before finitialize",
            });
        }
        Ok(())
    }

    /// Declares that `gid` lives on `rank` (calls naming other ranks are
    /// accepted and ignored here, as in NEURON; a gid set on two ranks is
    /// reported at setup).
    pub fn set_gid2node(&mut self, gid: Gid, rank: usize) -> Result<()> {
        self.check_not_started()?;
        if rank >= self.nhost {
            return Err(NeuriteError::InvalidParameter {
                what: format!("set_gid2node({gid}, rank)"),
                value: rank as f64,
                reason: "rank must be below nhost",
            });
        }
        if rank == self.rank {
            self.my_gids.insert(gid);
        }
        Ok(())
    }

    /// Whether `gid` lives on this rank.
    pub fn gid_exists(&self, gid: Gid) -> bool {
        self.my_gids.contains(&gid)
    }

    fn check_mine(&self, gid: Gid) -> Result<()> {
        self.check_not_started()?;
        if self.gid_exists(gid) { Ok(()) } else { Err(NeuriteError::GidNotOnThisRank { gid, rank: self.rank }) }
    }

    /// Registers cable cell `cell` as `gid` (its spike detector is the
    /// source of its spikes), as `pc.cell(gid, netcon)`.
    pub fn cell(&mut self, gid: Gid, cell: CableCell) -> Result<()> {
        self.check_mine(gid)?;
        self.network.add_cable_cell(gid, cell)
    }

    /// Registers a NetStim as `gid`.
    pub fn netstim(&mut self, gid: Gid, params: NetStimParams) -> Result<()> {
        self.check_mine(gid)?;
        self.network.add_netstim(gid, params)
    }

    /// Registers artificial cell `cell` as `gid` (its `net_event`s are the
    /// gid's spikes), as `pc.cell(gid, NetCon(cell, None))`.
    pub fn artificial_cell(&mut self, gid: Gid, cell: crate::network::ArtificialCell) -> Result<()> {
        self.check_mine(gid)?;
        self.network.add_artificial_cell(gid, cell)
    }

    /// Adds every cell and NetCon of `network` (which must hold only gids of
    /// this rank).
    pub fn add_network(&mut self, network: Network) -> Result<()> {
        self.check_not_started()?;
        for (gid, _) in network.cells() {
            self.check_mine(gid)?;
        }
        if !network.identity().is_empty() {
            if !self.network.identity().is_empty() && self.network.identity() != network.identity() {
                return Err(NeuriteError::InvalidParameter {
                    what: format!(
                        "network identity {:?} (this context has {:?})",
                        network.identity(),
                        self.network.identity()
                    ),
                    value: f64::NAN,
                    reason: "parts of one model must carry the same identity",
                });
            }
            self.network.set_identity(network.identity());
        }
        if self.network.is_empty() {
            let identity = self.network.identity().to_string();
            self.network = network;
            self.network.set_identity(identity);
            return Ok(());
        }
        for (gid, cell) in network.cells() {
            match cell {
                CellDescription::Cable(c) => self.network.add_cable_cell(gid, c.clone())?,
                CellDescription::NetStim(p) => self.network.add_netstim(gid, *p)?,
                CellDescription::Artificial(a) => self.network.add_artificial_cell(gid, a.clone())?,
                CellDescription::SpikeSource(times) => self.network.add_spike_source(gid, times.clone())?,
            }
        }
        for (_, nc) in network.netcons() {
            self.network.connect(nc.source, nc.target, nc.weight, nc.delay)?;
        }
        Ok(())
    }

    /// `pc.gid_connect(source, target)`: spikes of `source` (on any rank, or
    /// on none yet) reach `target` on this rank after `delay` ms with
    /// `weight` (µS for conductance synapses).
    pub fn gid_connect(&mut self, source: Gid, target: NetConTarget, weight: f64, delay: f64) -> Result<NetConId> {
        self.check_mine(target.gid())?;
        self.network.connect(source, target, weight, delay)
    }

    /// Names the model (see [`Network::set_identity`]): every rank must give
    /// the same identity, checked at setup.
    pub fn set_identity(&mut self, identity: impl Into<String>) -> Result<()> {
        self.check_not_started()?;
        self.network.set_identity(identity);
        Ok(())
    }

    /// `pc.set_maxstep(ms)`: the longest interval between spike exchanges;
    /// the interval is the smaller of this and the global minimum delay.
    pub fn set_maxstep(&mut self, max_step: f64) -> Result<()> {
        self.check_not_started()?;
        if !(max_step.is_finite() && max_step > 0.0) {
            return Err(NeuriteError::InvalidParameter {
                what: "set_maxstep".into(),
                value: max_step,
                reason: "must be a finite number of ms > 0",
            });
        }
        self.config.max_step = max_step;
        Ok(())
    }

    /// Builds the simulation of this rank's cells (collective; done by
    /// `finitialize` if not called before). Setup errors are reported on
    /// every rank.
    pub fn setup(&mut self) -> Result<&mut Simulation<C>> {
        if let Some(err) = &self.setup_error {
            return Err(err.clone());
        }
        if self.simulation.is_none() {
            let Some(comm) = self.comm.take() else {
                return Err(NeuriteError::NotInitialized);
            };
            let sim = match Simulation::with_communicator(&self.network, self.config, comm) {
                Ok(sim) => sim,
                Err(err) => {
                    self.setup_error = Some(err.clone());
                    return Err(err);
                }
            };
            // The simulation holds all it needs: free the description, and
            // give its memory back to the system before the run touches the
            // simulation's arrays (a description is many small allocations
            // that the allocator would otherwise keep).
            self.network = Network::new();
            release_free_memory();
            self.simulation = Some(sim);
        }
        Ok(self.simulation.as_mut().expect("just set"))
    }

    /// The simulation, once set up (to record traces, read variables).
    pub fn simulation(&mut self) -> Result<&mut Simulation<C>> {
        self.simulation.as_mut().ok_or(NeuriteError::NotInitialized)
    }

    /// `finitialize(v_init)` on every rank (collective).
    pub fn finitialize(&mut self, v_init: f64) -> Result<()> {
        self.setup()?.finitialize(v_init)
    }

    /// `pc.psolve(tstop)` (collective).
    pub fn psolve(&mut self, tstop: f64) -> Result<()> {
        self.simulation()?.run(tstop)
    }

    /// Spikes of this rank's cells (`pc.spike_record(-1, ...)`).
    pub fn spike_record(&self) -> &[Spike] {
        self.simulation.as_ref().map_or(&[], |s| s.spikes())
    }

    /// All ranks' spikes sorted by time then gid, on every rank (collective).
    pub fn gather_spikes(&mut self) -> Result<Vec<Spike>> {
        self.simulation()?.gather_spikes()
    }

    /// `pc.barrier()` (collective).
    pub fn barrier(&mut self) -> Result<()> {
        if let Some(err) = &self.setup_error {
            return Err(err.clone());
        }
        match (&mut self.simulation, &mut self.comm) {
            (Some(sim), _) => sim.communicator().barrier(),
            (None, Some(comm)) => comm.barrier(),
            (None, None) => Ok(()),
        }
    }
}
