//! Running a network: `Simulation` owns the cell groups of this rank, the
//! NetCons ending here and the communicator, and integrates in intervals of
//! the minimum NetCon delay with a spike exchange after each interval, as
//! NEURON's ParallelContext does. The same code runs serially, on threads
//! and on MPI ranks, so results never depend on how cells are distributed.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::cell_group::{CellGroup, Probe, ProbeSource, netstim_numbers, netstim_owners};
use crate::communication::{
    Communicator, SerialCommunicator, SpikeExchange, agree, all_gather_gids, all_gather_spikes,
    check_same_on_all_ranks, check_same_text_on_all_ranks, collective_error,
};
use crate::error::{NeuriteError, Result};
use crate::events::{Event, EventKey, EventTarget};
use crate::mechanisms::{self, MechanismInfo, VariableRole};
use crate::morphology::{Location, PointProcessId};
use crate::network::{CellDescription, Gid, NetConId, NetConTarget, Network};
use crate::recording::{Spike, Trace, sort_spikes};

/// Settings of a run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimulationConfig {
    /// Fixed time step, ms (NEURON's default 0.025).
    pub dt: f64,
    /// Temperature, °C (NEURON's default 6.3).
    pub celsius: f64,
    /// Cell groups integrated in parallel on this rank (threads); results do
    /// not depend on it.
    pub threads: usize,
    /// Longest interval between spike exchanges, ms (NEURON's
    /// `set_maxstep`); the interval is the smaller of this and the minimum
    /// NetCon delay.
    pub max_step: f64,
    /// Most events one cell group may deliver in one time step; more is an
    /// event flood (e.g. a NetStim with an interval of 1e-12 ms) and an error
    /// naming its target, instead of a run that never ends.
    pub max_events_per_step: u64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            dt: 0.025,
            celsius: 6.3,
            threads: 1,
            max_step: DEFAULT_MAX_STEP,
            max_events_per_step: crate::limits::DEFAULT_MAX_EVENTS_PER_STEP,
        }
    }
}

/// Handle of a recorded trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId {
    /// The simulation that gave it.
    simulation: u64,
    group: usize,
    probe: usize,
}

/// Handle of the recorded spikes of a cell's own NetStim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetStimLogId {
    simulation: u64,
    group: usize,
    log: usize,
}

/// A tag no other simulation of this process has, carried by its trace ids.
fn new_simulation_tag() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A NetCon as the receiving rank stores it.
#[derive(Debug, Clone, Copy)]
struct LocalNetCon {
    id: NetConId,
    group: usize,
    target: EventTarget,
    /// Its weight vector in the target group's store.
    weights: u32,
    delay: f64,
}

/// Absolute zero, °C.
const ABSOLUTE_ZERO_CELSIUS: f64 = -273.15;

/// NEURON's default `maxstep`: without NetCons, ranks still meet every 10 ms.
const DEFAULT_MAX_STEP: f64 = 10.0;

/// The part of setup that needs no other rank.
struct LocalSetup {
    groups: Vec<CellGroup>,
    owner: HashMap<Gid, usize>,
    netcons_by_source: HashMap<Gid, Vec<LocalNetCon>>,
    max_step: f64,
    pool: Option<rayon::ThreadPool>,
}

impl LocalSetup {
    fn new(
        network: &Network,
        config: &SimulationConfig,
        netstim_numbers: &HashMap<Gid, u64>,
        implementations: &[&'static MechanismInfo],
    ) -> Result<Self> {
        if !(config.dt.is_finite() && config.dt > 0.0) {
            return Err(NeuriteError::InvalidDt { dt: config.dt });
        }
        if !(config.celsius.is_finite() && config.celsius >= ABSOLUTE_ZERO_CELSIUS) {
            return Err(NeuriteError::InvalidParameter {
                what: "celsius".into(),
                value: config.celsius,
                reason: "must be a finite temperature, not below absolute zero (-273.15 °C)",
            });
        }
        if !(config.max_step.is_finite() && config.max_step >= config.dt) {
            return Err(NeuriteError::InvalidParameter {
                what: "max_step".into(),
                value: config.max_step,
                reason: "must be a finite number of ms at least dt",
            });
        }
        let threads = config.threads.max(1);
        let cells: Vec<(Gid, &CellDescription)> = network.cells().collect();
        // Contiguous runs of gids per group keep neighbours together; each
        // group gets about the same work: nodes and mechanism instances
        // (artificial cells count as one), so that a network with many spike
        // sources, or with richer cells in one part, still spreads its work
        // over the threads.
        let weight = |c: &CellDescription| -> usize {
            match c {
                CellDescription::Cable(cell) => {
                    let nodes: usize =
                        cell.sections().iter().map(|s| s.nseg() * (2 + s.density_mechanisms().len()) + 1).sum();
                    1 + nodes + cell.point_processes().len()
                }
                _ => 1,
            }
        };
        let total: usize = cells.iter().map(|(_, c)| weight(c)).sum();
        let mut runs: Vec<&[(Gid, &CellDescription)]> = Vec::with_capacity(threads);
        let (mut start, mut done) = (0, 0);
        for (k, (_, c)) in cells.iter().enumerate() {
            done += weight(c);
            let group = runs.len() + 1;
            if group < threads && done * threads >= total * group {
                runs.push(&cells[start..=k]);
                start = k + 1;
            }
        }
        if start < cells.len() || runs.is_empty() {
            runs.push(&cells[start..]);
        }
        let mut groups: Vec<CellGroup> = runs
            .into_iter()
            .map(|c| CellGroup::new(c, config.dt, netstim_numbers, implementations))
            .collect::<Result<_>>()?;
        let mut owner = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for cell in &group.cells {
                owner.insert(cell.gid, g);
            }
            for (gid, _) in &group.artificial {
                owner.insert(*gid, g);
            }
            for &gid in &group.spike_source_gids {
                owner.insert(gid, g);
            }
        }
        let mut netcons_by_source: HashMap<Gid, Vec<LocalNetCon>> = HashMap::new();
        for &(id, nc) in network.netcons() {
            if nc.delay < config.dt {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("NetCon gid {} -> gid {} delay", nc.source, nc.target.gid()),
                    value: nc.delay,
                    reason: "must be at least dt: spikes are exchanged every minimum delay",
                });
            }
            let group = owner[&nc.target.gid()];
            let target = match nc.target {
                NetConTarget::PointProcess { gid, point_process } => {
                    let (slot, instance) = groups[group].point_instance(gid, point_process)?;
                    EventTarget { slot: slot as u32, instance: instance as u32 }
                }
                NetConTarget::NetStim { gid } | NetConTarget::Artificial { gid } => groups[group]
                    .artificial
                    .iter()
                    .find(|(g, _)| *g == gid)
                    .map(|(_, t)| *t)
                    .ok_or(NeuriteError::UnknownGid { gid })?,
            };
            let weights = groups[group].add_netcon(target, nc.weight);
            netcons_by_source.entry(nc.source).or_default().push(LocalNetCon {
                id,
                group,
                target,
                weights,
                delay: nc.delay,
            });
        }
        for list in netcons_by_source.values_mut() {
            list.sort_by_key(|nc| nc.id);
        }
        let pool = if threads > 1 {
            Some(rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
                NeuriteError::InvalidParameter {
                    what: format!("threads ({e})"),
                    value: threads as f64,
                    reason: "could not start the thread pool",
                }
            })?)
        } else {
            None
        };
        Ok(LocalSetup { groups, owner, netcons_by_source, max_step: config.max_step, pool })
    }
}

/// A network being simulated on this rank.
pub struct Simulation<C: Communicator = SerialCommunicator> {
    config: SimulationConfig,
    groups: Vec<CellGroup>,
    /// gid -> group that owns it.
    owner: HashMap<Gid, usize>,
    /// Source gid -> NetCons on this rank, sorted by id (spike sources'
    /// NetCons are in `scheduled` instead).
    netcons_by_source: HashMap<Gid, Vec<LocalNetCon>>,
    /// The events of the NetCons here from spike sources (on any rank),
    /// whose spike times the model fixes: queued at initialization, so
    /// they need no exchange and do not bound the exchange interval. The
    /// same events, at the same times with the same keys, as if exchanged.
    scheduled: Vec<(usize, Event)>,
    min_delay: f64,
    steps_per_interval: u64,
    initialized: bool,
    /// Time, ms, advanced exactly as the groups advance theirs.
    t: f64,
    spikes: Vec<Spike>,
    outgoing: Vec<Spike>,
    incoming: Vec<Spike>,
    exchange: SpikeExchange,
    comm: C,
    pool: Option<rayon::ThreadPool>,
    /// Carried by this simulation's trace ids.
    tag: u64,
}

impl Simulation<SerialCommunicator> {
    /// A single-process simulation of `network`.
    pub fn new(network: &Network, config: SimulationConfig) -> Result<Self> {
        Simulation::with_communicator(network, config, SerialCommunicator)
    }
}

impl<C: Communicator> Simulation<C> {
    /// A simulation of this rank's part `network` of a larger network, talking
    /// to the other ranks through `comm`. Collective: every rank must call
    /// it, and if setup fails on any rank it fails on every rank.
    pub fn with_communicator(network: &Network, config: SimulationConfig, comm: C) -> Result<Self> {
        Self::with_implementations(network, config, comm, &[])
    }

    /// As [`Simulation::with_communicator`], with other implementations of
    /// some built-in mechanisms: each replaces the built-in of its name (for
    /// example one generated from another NMODL source), and must have the
    /// same kind and parameters in the same order. Collective.
    pub fn with_implementations(
        network: &Network,
        config: SimulationConfig,
        mut comm: C,
        replacements: &[&'static MechanismInfo],
    ) -> Result<Self> {
        let mut implementations: Vec<&'static MechanismInfo> = mechanisms::BUILTIN.to_vec();
        let replaced = replacements.iter().try_for_each(|info| {
            let slot = implementations
                .iter()
                .position(|b| b.name == info.name)
                .ok_or_else(|| NeuriteError::UnknownMechanism { name: info.name.to_string() })?;
            let builtin = implementations[slot];
            let names = |i: &MechanismInfo| i.parameters().map(|v| v.name).collect::<Vec<_>>();
            if builtin.kind != info.kind || names(builtin) != names(info) {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("replacement of mechanism `{}`", info.name),
                    value: f64::NAN,
                    reason: "must have the built-in's kind and parameters, in the same order",
                });
            }
            implementations[slot] = info;
            Ok(())
        });
        // Every rank's NetStim owners, to number NetStims for their default
        // random streams the same way whatever the decomposition.
        let owners = netstim_owners(network.cells());
        let owner_bytes: Vec<u8> =
            owners.iter().flat_map(|(gid, count)| gid.to_le_bytes().into_iter().chain(count.to_le_bytes())).collect();
        let all_owners: Vec<(Gid, u64)> = comm
            .all_gather_bytes(&owner_bytes)?
            .iter()
            .flat_map(|bytes| {
                bytes.chunks_exact(16).map(|c| {
                    let word = |r: std::ops::Range<usize>| u64::from_le_bytes(c[r].try_into().expect("8 bytes"));
                    (word(0..8), word(8..16))
                })
            })
            .collect();
        let local =
            replaced.and_then(|()| LocalSetup::new(network, &config, &netstim_numbers(all_owners), &implementations));
        let mut local = agree(&mut comm, local)?;
        // Ranks that run with other settings, or built another model, would
        // give results that depend on the decomposition.
        check_same_on_all_ranks(
            &mut comm,
            &[("dt (ms)", config.dt), ("celsius (°C)", config.celsius), ("max_step (ms)", config.max_step)],
        )?;
        check_same_text_on_all_ranks(&mut comm, "network identity", network.identity())?;

        // Where every gid lives, and which gids can spike.
        let gids: Vec<Gid> = network.cells().map(|(gid, _)| gid).collect();
        let placement = all_gather_gids(&mut comm, &gids)?;
        let mut home: HashMap<Gid, usize> = HashMap::new();
        for (rank, rank_gids) in placement.iter().enumerate() {
            for &gid in rank_gids {
                if let Some(first) = home.insert(gid, rank) {
                    return Err(collective_error(
                        comm.rank(),
                        NeuriteError::GidOnTwoRanks { gid, first, second: rank },
                    ));
                }
            }
        }
        let spiking: Vec<Gid> = network
            .cells()
            .filter(|(_, c)| match c {
                CellDescription::Cable(cell) => cell.spike_detector().is_some(),
                CellDescription::NetStim(_) | CellDescription::Artificial(_) | CellDescription::SpikeSource(_) => true,
            })
            .map(|(gid, _)| gid)
            .collect();
        let spiking: HashSet<Gid> = all_gather_gids(&mut comm, &spiking)?.into_iter().flatten().collect();
        let sources_ok = network.netcons().iter().try_for_each(|(_, nc)| {
            if spiking.contains(&nc.source) {
                Ok(())
            } else if home.contains_key(&nc.source) {
                Err(NeuriteError::NoSpikeDetector { gid: nc.source })
            } else {
                Err(NeuriteError::UnknownGid { gid: nc.source })
            }
        });
        agree(&mut comm, sources_ok)?;

        // Every spike source's spike times (they are fixed by the model):
        // the NetCons from them here get their events at initialization.
        let source_spikes = all_gather_source_spikes(&mut comm, network)?;
        let mut scheduled: Vec<(usize, Event)> = Vec::new();
        for (gid, times) in &source_spikes {
            let Some(netcons) = local.netcons_by_source.remove(gid) else { continue };
            for nc in &netcons {
                for &time in times {
                    let event = Event {
                        time: time + nc.delay,
                        key: EventKey::netcon(time, *gid, nc.id.index),
                        target: nc.target,
                        weights: nc.weights,
                        flag: 0.0,
                    };
                    scheduled.push((nc.group, event));
                }
            }
        }
        // In time order: deterministic, and the queues fill front to back.
        scheduled.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        // The interval: the smallest delay of the NetCons whose spikes are
        // exchanged (every delay was checked against dt above).
        let exchanged_min = local.netcons_by_source.values().flatten().map(|nc| nc.delay).fold(f64::INFINITY, f64::min);
        let min_delay = comm.all_reduce_min(exchanged_min)?;
        let interval = min_delay.min(local.max_step);
        let interval = if interval.is_finite() { interval } else { DEFAULT_MAX_STEP };
        let steps_per_interval = ((interval / config.dt + 1e-9).floor() as u64).max(1);
        Ok(Simulation {
            config,
            groups: std::mem::take(&mut local.groups),
            owner: std::mem::take(&mut local.owner),
            netcons_by_source: std::mem::take(&mut local.netcons_by_source),
            scheduled,
            min_delay,
            steps_per_interval,
            initialized: false,
            t: 0.0,
            spikes: Vec::new(),
            outgoing: Vec::new(),
            incoming: Vec::new(),
            exchange: SpikeExchange::default(),
            comm,
            pool: local.pool.take(),
            tag: new_simulation_tag(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &SimulationConfig {
        &self.config
    }

    /// The minimum delay over all ranks of the NetCons whose spikes are
    /// exchanged, ms (infinite without such NetCons): those from spike
    /// sources do not count, their events being queued at initialization.
    pub fn min_delay(&self) -> f64 {
        self.min_delay
    }

    /// Current time, ms (the same on every rank, with or without cells).
    pub fn time(&self) -> f64 {
        self.t
    }

    /// This rank's communicator.
    pub fn communicator(&mut self) -> &mut C {
        &mut self.comm
    }

    /// Gids simulated on this rank.
    pub fn local_gids(&self) -> Vec<Gid> {
        let mut gids: Vec<Gid> = self.owner.keys().copied().collect();
        gids.sort_unstable();
        gids
    }

    /// Total number of nodes (compartments plus zero-area nodes) here.
    pub fn node_count(&self) -> usize {
        self.groups.iter().map(|g| g.node_count()).sum()
    }

    /// Bytes of simulation state on this rank (node arrays, mechanism
    /// storage, cell maps; not the event queue or recordings).
    pub fn state_bytes(&self) -> usize {
        self.groups.iter().map(|g| g.state_bytes()).sum()
    }

    fn group_of(&self, gid: Gid) -> Result<usize> {
        self.owner.get(&gid).copied().ok_or(NeuriteError::UnknownGid { gid })
    }

    fn add_probe(&mut self, gid: Gid, source: ProbeSource, every: u64) -> Result<TraceId> {
        let group = self.group_of(gid)?;
        let probes = &mut self.groups[group].probes;
        probes.push(Probe { source, every: every.max(1), trace: Trace::default() });
        Ok(TraceId { simulation: self.tag, group, probe: probes.len() - 1 })
    }

    /// Section `name` of cable cell `gid` on this rank (as NEURON's
    /// `cell.soma`), to make locations after the description is gone.
    pub fn section(&self, gid: Gid, name: &str) -> Result<crate::morphology::SectionId> {
        self.groups[self.group_of(gid)?].section(gid, name)
    }

    /// Records v (mV) at `location` of cell `gid` every step (and at t = 0).
    pub fn record_voltage(&mut self, gid: Gid, location: Location) -> Result<TraceId> {
        self.record_voltage_every(gid, location, 1)
    }

    /// Records v (mV) at `location` of cell `gid` every `every` steps.
    pub fn record_voltage_every(&mut self, gid: Gid, location: Location, every: u64) -> Result<TraceId> {
        let node = self.groups[self.group_of(gid)?].node(gid, location)?;
        self.add_probe(gid, ProbeSource::Voltage { node }, every)
    }

    /// Records Σ c · (v(a) − v(b)) (mV times the coefficients' unit) over
    /// `terms` (a, b, c) of cell `gid` every `every` steps: axial currents
    /// when c is 1/ri (µS), current dipoles when c is also a length. Each
    /// location names a node as NEURON's `sec(x)._ref_v` does (x = 0 is the
    /// node the section attaches to, x = 1 its far end).
    pub fn record_voltage_differences(
        &mut self,
        gid: Gid,
        terms: &[(Location, Location, f64)],
        every: u64,
    ) -> Result<TraceId> {
        let group = &self.groups[self.group_of(gid)?];
        let terms = terms
            .iter()
            .map(|&(a, b, c)| Ok((group.node(gid, a)?, group.node(gid, b)?, c)))
            .collect::<Result<Vec<_>>>()?;
        self.add_probe(gid, ProbeSource::VoltageDifferences { terms }, every)
    }

    fn static_variable_name(info: &'static MechanismInfo, name: &str) -> Result<&'static str> {
        let mechanism = info.name;
        info.variables
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.name)
            .ok_or_else(|| NeuriteError::UnknownVariable { mechanism: mechanism.to_string(), name: name.to_string() })
    }

    /// Records variable `name` of density mechanism `mechanism` in the segment
    /// at `location` of cell `gid` every `every` steps.
    pub fn record_variable(
        &mut self,
        gid: Gid,
        location: Location,
        mechanism: &str,
        name: &str,
        every: u64,
    ) -> Result<TraceId> {
        let group = self.group_of(gid)?;
        let (slot, instance) = self.groups[group].density_instance(gid, location, mechanism)?;
        let name = Self::static_variable_name(self.groups[group].mechanism(slot).info(), name)?;
        self.add_probe(gid, ProbeSource::Variable { slot, instance, name }, every)
    }

    /// Records ion variable `name` (`ena`, `cai`, `ica`, ... in mV, mM,
    /// mA/cm²) in the segment at `location` of cell `gid` every `every`
    /// steps, as NEURON's `seg._ref_cai`.
    pub fn record_ion_variable(&mut self, gid: Gid, location: Location, name: &str, every: u64) -> Result<TraceId> {
        let (ion, index, variable) = self.groups[self.group_of(gid)?].ion_place(gid, location, name)?;
        self.add_probe(gid, ProbeSource::Ion { ion, index, variable }, every)
    }

    /// Records variable `name` of point process `id` of cell `gid` every
    /// `every` steps.
    pub fn record_point_variable(&mut self, gid: Gid, id: PointProcessId, name: &str, every: u64) -> Result<TraceId> {
        let group = self.group_of(gid)?;
        let (slot, instance) = self.groups[group].point_instance(gid, id)?;
        let name = Self::static_variable_name(self.groups[group].mechanism(slot).info(), name)?;
        self.add_probe(gid, ProbeSource::Variable { slot, instance, name }, every)
    }

    /// Records variable `name` of the artificial cell (or NetStim) `gid`
    /// every `every` steps.
    pub fn record_artificial_variable(&mut self, gid: Gid, name: &str, every: u64) -> Result<TraceId> {
        let group = self.group_of(gid)?;
        let (slot, instance) = self.groups[group].artificial_instance(gid)?;
        let name = Self::static_variable_name(self.groups[group].mechanism(slot).info(), name)?;
        self.add_probe(gid, ProbeSource::Variable { slot, instance, name }, every)
    }

    /// Records the spikes of cell `gid`'s own NetStim `stim` (as NEURON's
    /// `NetCon(netstim, None).record(vec)`), from the next `finitialize` or
    /// now on; read them with [`Simulation::netstim_spikes`].
    pub fn record_netstim_spikes(&mut self, gid: Gid, stim: crate::morphology::LocalStimId) -> Result<NetStimLogId> {
        let group = self.group_of(gid)?;
        let log = self.groups[group].record_own_netstim(gid, stim)?;
        Ok(NetStimLogId { simulation: self.tag, group, log })
    }

    /// Spike times (ms) of a NetStim recorded with
    /// [`Simulation::record_netstim_spikes`].
    pub fn netstim_spikes(&self, id: NetStimLogId) -> Result<&[f64]> {
        if id.simulation != self.tag {
            return Err(NeuriteError::ForeignId { kind: "NetStim record", owner: "this simulation".into() });
        }
        Ok(&self.groups[id.group].stim_logs[id.log])
    }

    /// A recorded trace (an error for an id this simulation did not give).
    pub fn trace(&self, id: TraceId) -> Result<&Trace> {
        if id.simulation != self.tag {
            return Err(NeuriteError::ForeignId { kind: "trace", owner: "this simulation".into() });
        }
        self.groups.get(id.group).and_then(|g| g.probes.get(id.probe)).map(|p| &p.trace).ok_or(
            NeuriteError::InvalidParameter {
                what: format!("trace id ({}, {})", id.group, id.probe),
                value: id.probe as f64,
                reason: "was not returned by this simulation",
            },
        )
    }

    /// The weight vector of NetCon `id` (NEURON's `nc.weight`): `weight`
    /// first, then one entry per further NET_RECEIVE argument of its
    /// target, which the target's NET_RECEIVE may have changed (per-NetCon
    /// state). The NetCon must end on a cell of this rank.
    pub fn netcon_weights(&self, id: NetConId) -> Result<&[f64]> {
        if !self.owner.contains_key(&id.target) {
            return Err(NeuriteError::GidNotOnThisRank { gid: id.target, rank: self.comm.rank() });
        }
        let nc = self.netcons_by_source.values().flatten().find(|nc| nc.id == id).ok_or_else(|| {
            NeuriteError::InvalidParameter {
                what: format!("NetCon {} ending on gid {}", id.index, id.target),
                value: f64::from(id.index),
                reason: "no such NetCon in this simulation",
            }
        })?;
        Ok(self.groups[nc.group].netcon_weights(nc.target, nc.weights))
    }

    /// Spikes of this rank's cells so far, sorted by time then gid.
    pub fn spikes(&self) -> &[Spike] {
        &self.spikes
    }

    /// Every rank's spikes, sorted by time then gid (collective: every rank
    /// must call it).
    pub fn gather_spikes(&mut self) -> Result<Vec<Spike>> {
        let mut all = all_gather_spikes(&mut self.comm, &self.spikes)?;
        sort_spikes(&mut all);
        Ok(all)
    }

    /// NEURON's `finitialize(v_init)`: t = 0, v = `v_init` (mV) everywhere,
    /// mechanisms at steady state, events cleared, recordings restarted.
    /// Collective: every rank must pass the same `v_init`.
    pub fn finitialize(&mut self, v_init: f64) -> Result<()> {
        // The collective check first, so that no rank fails alone before it.
        check_same_on_all_ranks(&mut self.comm, &[("finitialize v_init (mV)", v_init)])?;
        if !v_init.is_finite() {
            return Err(NeuriteError::InvalidParameter {
                what: "finitialize v_init".into(),
                value: v_init,
                reason: "must be a finite number",
            });
        }
        self.initialize(Some(v_init))
    }

    /// NEURON's `finitialize()` without an argument after setting each
    /// section's v: every node starts from its section's initial voltage
    /// ([`CableCell::set_initial_voltage`](crate::CableCell::set_initial_voltage),
    /// -65 mV unless set); otherwise as [`Simulation::finitialize`].
    /// Collective.
    pub fn finitialize_at_initial_voltages(&mut self) -> Result<()> {
        self.initialize(None)
    }

    fn initialize(&mut self, v_init: Option<f64>) -> Result<()> {
        let (dt, celsius) = (self.config.dt, self.config.celsius);
        for group in self.groups.iter_mut() {
            if let Err(err) = group.initialize(v_init, dt, celsius) {
                self.comm.fail(&err);
                return Err(err);
            }
        }
        for &(group, event) in &self.scheduled {
            if let Err(err) = self.groups[group].push_netcon_event(event, dt) {
                self.comm.fail(&err);
                return Err(err);
            }
        }
        self.spikes.clear();
        self.t = 0.0;
        self.initialized = true;
        Ok(())
    }

    /// NEURON's `ParallelContext.psolve(tstop)`: integrates to `tstop` ms in
    /// intervals of the minimum delay (see [`Simulation::min_delay`]),
    /// exchanging spikes after each.
    /// Collective: every rank must pass the same `tstop`. A `tstop` before the
    /// current time does nothing, as in NEURON.
    pub fn run(&mut self, tstop: f64) -> Result<()> {
        // The collective check first, so that no rank fails alone before it.
        check_same_on_all_ranks(&mut self.comm, &[("psolve tstop (ms)", tstop)])?;
        if !self.initialized {
            return Err(NeuriteError::NotInitialized);
        }
        if !(tstop.is_finite() && tstop >= 0.0) {
            return Err(NeuriteError::InvalidParameter {
                what: "psolve tstop".into(),
                value: tstop,
                reason: "must be a finite number of ms >= 0",
            });
        }
        let dt = self.config.dt;
        // The step count NEURON's psolve takes (with its round-off guards).
        let total = ((tstop * (1.0 + 1e-11) - self.time()) / dt + 1e-9).floor().max(0.0) as u64;
        let samples: u64 = self.groups.iter().map(|g| g.samples_to_record(total)).sum();
        // A time and a value per sample; agreed, as only some ranks may record.
        let fits = crate::limits::check_memory(
            &format!("samples recorded by psolve({tstop} ms) with dt {dt} ms"),
            samples,
            16,
        );
        agree(&mut self.comm, fits)?;
        for group in self.groups.iter_mut() {
            group.reserve_samples(total);
        }
        let mut done = 0;
        while done < total {
            let steps = self.steps_per_interval.min(total - done);
            if let Err(err) = self.advance_groups(steps) {
                // The other ranks must not wait for this one.
                self.comm.fail(&err);
                return Err(err);
            }
            self.exchange_spikes()?;
            for _ in 0..steps {
                // As each group advances its t (two half steps).
                self.t += 0.5 * dt;
                self.t += 0.5 * dt;
            }
            done += steps;
        }
        Ok(())
    }

    /// Runs every group `steps` steps, on the thread pool when there is one.
    fn advance_groups(&mut self, steps: u64) -> Result<()> {
        let (dt, celsius, max_events) = (self.config.dt, self.config.celsius, self.config.max_events_per_step);
        let groups = &mut self.groups;
        let results: Vec<Result<()>> = match &self.pool {
            Some(pool) => {
                pool.install(|| groups.par_iter_mut().map(|g| g.advance(steps, dt, celsius, max_events)).collect())
            }
            None => groups.iter_mut().map(|g| g.advance(steps, dt, celsius, max_events)).collect(),
        };
        // Report the error of the lowest group, so the message is the same
        // whatever thread failed first.
        results.into_iter().collect()
    }

    /// Gathers the interval's spikes of all ranks and queues their events on
    /// the NetCons ending here.
    fn exchange_spikes(&mut self) -> Result<()> {
        self.outgoing.clear();
        for group in self.groups.iter_mut() {
            self.outgoing.append(&mut group.new_spikes);
        }
        self.exchange.all_gather(&mut self.comm, &self.outgoing, &mut self.incoming)?;
        sort_spikes(&mut self.incoming);
        let dt = self.config.dt;
        for spike in &self.incoming {
            if self.owner.contains_key(&spike.gid) {
                self.spikes.push(*spike);
            }
            let Some(netcons) = self.netcons_by_source.get(&spike.gid) else { continue };
            for nc in netcons {
                let event = Event {
                    time: spike.time + nc.delay,
                    key: EventKey::netcon(spike.time, spike.gid, nc.id.index),
                    target: nc.target,
                    weights: nc.weights,
                    flag: 0.0,
                };
                if let Err(err) = self.groups[nc.group].push_netcon_event(event, dt) {
                    self.comm.fail(&err);
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    // ---- reading and setting values -----------------------------------

    /// Sets a variable of mechanism type `mechanism` (NMODL GLOBAL, or
    /// `usetable` as NEURON's `usetable_<suffix>`) on this rank. An error if
    /// no mechanism of that name here has such a variable (a rank without
    /// instances accepts it).
    ///
    /// The ions' initial concentrations are globals of `<ion>_ion`, as in
    /// NEURON: `set_global("ca_ion", "cai0", 1e-4)` is `cai0_ca_ion = 1e-4`
    /// (mM; used where a mechanism writes the concentration).
    pub fn set_global(&mut self, mechanism: &str, name: &str, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(NeuriteError::InvalidParameter {
                what: format!("{name}_{mechanism}"),
                value,
                reason: "must be a finite number",
            });
        }
        if let Some(ion) = mechanism.strip_suffix("_ion") {
            if value <= 0.0 {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("{name}_{mechanism}"),
                    value,
                    reason: "a concentration must be > 0 mM",
                });
            }
            let mut known = true;
            for group in self.groups.iter_mut() {
                known &= group.set_ion_global(ion, name, value);
            }
            if known && (name == format!("{ion}i0") || name == format!("{ion}o0")) {
                return Ok(());
            }
            return Err(NeuriteError::UnknownVariable { mechanism: mechanism.to_string(), name: name.to_string() });
        }
        let known = self.groups.iter_mut().any(|g| g.slots_named(mechanism).next().is_some());
        if !known {
            mechanisms::lookup(mechanism)?;
        }
        let mut found = None;
        for group in self.groups.iter_mut() {
            for m in group.slots_named(mechanism) {
                let ok = m.set_global(name, value);
                found = Some(found.unwrap_or(true) && ok);
            }
        }
        match found {
            Some(false) => {
                Err(NeuriteError::UnknownVariable { mechanism: mechanism.to_string(), name: name.to_string() })
            }
            _ => Ok(()),
        }
    }

    /// Gives FUNCTION_TABLE `function` of mechanism type `mechanism` its
    /// values on this rank, as NEURON's `table_<function>_<mechanism>(...)`:
    /// one table for the type, used by every instance. An error if the
    /// table does not fit the function (axes, sizes, order of points) or
    /// the mechanism has no FUNCTION_TABLE of that name; a mechanism that
    /// calls a FUNCTION_TABLE that was never set stops the run there, as
    /// NEURON does.
    pub fn set_function_table(
        &mut self,
        mechanism: &str,
        function: &str,
        table: crate::mechanisms::function_table::FunctionTable,
    ) -> Result<()> {
        let info = self
            .groups
            .iter_mut()
            .find_map(|g| g.slots_named(mechanism).next().map(|m| m.info()))
            .map_or_else(|| mechanisms::lookup(mechanism), Ok)?;
        let invalid = |reason: String| NeuriteError::InvalidFunctionTable {
            mechanism: mechanism.to_string(),
            function: function.to_string(),
            reason,
        };
        let Some(&(_, arguments)) = info.function_tables.iter().find(|(name, _)| *name == function) else {
            let known: Vec<&str> = info.function_tables.iter().map(|(name, _)| *name).collect();
            return Err(invalid(format!("no such FUNCTION_TABLE (the mechanism has: {known:?})")));
        };
        table.check(arguments).map_err(invalid)?;
        let table = std::sync::Arc::new(table);
        for group in self.groups.iter_mut() {
            for m in group.slots_named(mechanism) {
                m.set_function_table(function, table.clone());
            }
        }
        Ok(())
    }

    /// v (mV) at `location` of cell `gid`.
    pub fn voltage(&self, gid: Gid, location: Location) -> Result<f64> {
        let group = &self.groups[self.group_of(gid)?];
        Ok(group.voltages()[group.node(gid, location)?])
    }

    /// Sets v (mV) at `location` of cell `gid`.
    pub fn set_voltage(&mut self, gid: Gid, location: Location, value: f64) -> Result<()> {
        let g = self.group_of(gid)?;
        let node = self.groups[g].node(gid, location)?;
        self.groups[g].voltages_mut()[node] = value;
        Ok(())
    }

    /// Variable `name` of density mechanism `mechanism` in the segment at
    /// `location` of cell `gid`.
    pub fn variable(&self, gid: Gid, location: Location, mechanism: &str, name: &str) -> Result<f64> {
        let group = &self.groups[self.group_of(gid)?];
        let (slot, instance) = group.density_instance(gid, location, mechanism)?;
        read_variable(group, slot, instance, name)
    }

    /// Sets parameter or state `name` of density mechanism `mechanism` in the
    /// segment at `location` of cell `gid`.
    pub fn set_variable(
        &mut self,
        gid: Gid,
        location: Location,
        mechanism: &str,
        name: &str,
        value: f64,
    ) -> Result<()> {
        let g = self.group_of(gid)?;
        let (slot, instance) = self.groups[g].density_instance(gid, location, mechanism)?;
        write_variable(&mut self.groups[g], slot, instance, name, value)
    }

    /// Ion variable `name` (`ena`, `nai`, `cao`, `ica`, ...) in the segment
    /// at `location` of cell `gid` (NEURON's `seg.ena`).
    pub fn ion_variable(&self, gid: Gid, location: Location, name: &str) -> Result<f64> {
        let group = &self.groups[self.group_of(gid)?];
        Ok(group.ion_value(group.ion_place(gid, location, name)?))
    }

    /// Sets ion variable `name` in the segment at `location` of cell `gid`
    /// (NEURON's `seg.ena = value`; see [`crate::CableCell::set_ion_variable`]
    /// for what initialization recomputes).
    pub fn set_ion_variable(&mut self, gid: Gid, location: Location, name: &str, value: f64) -> Result<()> {
        let g = self.group_of(gid)?;
        let place = self.groups[g].ion_place(gid, location, name)?;
        place.2.check(|| name.to_string(), value)?;
        self.groups[g].set_ion_value(place, value);
        Ok(())
    }

    /// Variable `name` of point process `id` of cell `gid`.
    pub fn point_variable(&self, gid: Gid, id: PointProcessId, name: &str) -> Result<f64> {
        let group = &self.groups[self.group_of(gid)?];
        let (slot, instance) = group.point_instance(gid, id)?;
        read_variable(group, slot, instance, name)
    }

    /// Variable `name` of the artificial cell (or NetStim) `gid`.
    pub fn artificial_variable(&self, gid: Gid, name: &str) -> Result<f64> {
        let group = &self.groups[self.group_of(gid)?];
        let (slot, instance) = group.artificial_instance(gid)?;
        read_variable(group, slot, instance, name)
    }

    /// Sets parameter or state `name` of the artificial cell (or NetStim)
    /// `gid`.
    pub fn set_artificial_variable(&mut self, gid: Gid, name: &str, value: f64) -> Result<()> {
        let g = self.group_of(gid)?;
        let (slot, instance) = self.groups[g].artificial_instance(gid)?;
        write_variable(&mut self.groups[g], slot, instance, name, value)
    }

    /// Sets parameter or state `name` of point process `id` of cell `gid`.
    pub fn set_point_variable(&mut self, gid: Gid, id: PointProcessId, name: &str, value: f64) -> Result<()> {
        let g = self.group_of(gid)?;
        let (slot, instance) = self.groups[g].point_instance(gid, id)?;
        write_variable(&mut self.groups[g], slot, instance, name, value)
    }
}

/// The spike times of every spike source of every rank (collective): a
/// VecStim sends itself each time in turn, `etime - t` after the one
/// before, so its spikes are at those sums (as `CellGroup` emits them).
/// Sources without times are there too, with none.
fn all_gather_source_spikes<C: Communicator>(comm: &mut C, network: &Network) -> Result<HashMap<Gid, Vec<f64>>> {
    let mut gids = Vec::new();
    let mut spikes = Vec::new();
    for (gid, cell) in network.cells() {
        if let CellDescription::SpikeSource(times) = cell {
            gids.push(gid);
            let mut t = 0.0;
            for &etime in times {
                t += etime - t;
                spikes.push(Spike { gid, time: t });
            }
        }
    }
    let mut by_source: HashMap<Gid, Vec<f64>> =
        all_gather_gids(comm, &gids)?.into_iter().flatten().map(|gid| (gid, Vec::new())).collect();
    // Each source's spikes come from one rank, in their order.
    for spike in all_gather_spikes(comm, &spikes)? {
        by_source.entry(spike.gid).or_default().push(spike.time);
    }
    Ok(by_source)
}

fn read_variable(group: &CellGroup, slot: usize, instance: usize, name: &str) -> Result<f64> {
    let mechanism = group.mechanism(slot);
    mechanism.variable(name).map(|values| values[instance]).ok_or_else(|| NeuriteError::UnknownVariable {
        mechanism: mechanism.info().name.to_string(),
        name: name.to_string(),
    })
}

fn write_variable(group: &mut CellGroup, slot: usize, instance: usize, name: &str, value: f64) -> Result<()> {
    let mechanism = group.mechanism_mut(slot);
    let info = mechanism.info();
    let unknown = || NeuriteError::UnknownVariable { mechanism: info.name.to_string(), name: name.to_string() };
    let Some(variable) = info
        .variables
        .iter()
        .find(|v| v.name == name && matches!(v.role, VariableRole::Parameter | VariableRole::State))
    else {
        return Err(unknown());
    };
    variable.check(info.name, value)?;
    let values = mechanism.variable_mut(name).ok_or_else(unknown)?;
    values[instance] = value;
    Ok(())
}
