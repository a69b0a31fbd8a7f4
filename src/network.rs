//! The network description: cells identified by gids and the NetCons between
//! them. A `Network` holds what one process simulates; with several ranks each
//! rank builds the part it owns (see `parallel`).

use std::collections::BTreeMap;

use crate::error::{NeuriteError, Result};
use crate::mechanisms::{self, MechanismKind};
use crate::morphology::{CableCell, PointProcessId};

/// Global cell identifier, as NEURON's gid.
pub type Gid = u64;

/// Parameters of a NetStim spike generator (NEURON's `NetStim`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetStimParams {
    /// Time of the first spike, ms.
    pub start: f64,
    /// Number of spikes.
    pub number: f64,
    /// Mean interval between spikes, ms.
    pub interval: f64,
    /// Fraction of each interval that is random, 0..=1.
    pub noise: f64,
    /// Random123 stream ids `(id1, id2, id3)` (NEURON's
    /// `noiseFromRandom123`); `None` gives NEURON's default `(1, 0, n)` for
    /// the n-th NetStim, numbering all NetStims of the network (with gids, and
    /// cells' own, in their order) by the gid that owns them: NEURON's own
    /// numbering when a program creates its NetStims in gid order, and the
    /// same on any number of ranks (NEURON's depends on the decomposition).
    pub random_ids: Option<(u32, u32, u32)>,
}

impl Default for NetStimParams {
    /// NEURON's defaults: start 50 ms, 10 spikes, interval 10 ms, no noise.
    fn default() -> Self {
        NetStimParams { start: 50.0, number: 10.0, interval: 10.0, noise: 0.0, random_ids: None }
    }
}

/// An artificial cell: an instance of a mechanism declared with NMODL's
/// `ARTIFICIAL_CELL` (NEURON's IntFire1, IntervalFire, a PyNN spike
/// source, ...), a cell of its own with no membrane. It receives events
/// through NetCons ([`NetConTarget::Artificial`]) and its `net_event`s are
/// the spikes of its gid.
#[derive(Debug, Clone)]
pub struct ArtificialCell {
    info: &'static mechanisms::MechanismInfo,
    values: Vec<f64>,
    random_ids: Vec<Option<(u32, u32, u32)>>,
}

impl ArtificialCell {
    /// An artificial cell of mechanism `info` (from a
    /// [`mechanisms::Catalogue`]) with its default parameters.
    pub fn new(info: &'static mechanisms::MechanismInfo) -> Result<Self> {
        if info.kind != MechanismKind::Artificial {
            return Err(NeuriteError::WrongMechanismKind {
                name: info.name.to_string(),
                expected: "artificial cell",
                found: crate::morphology::kind_name(info.kind),
            });
        }
        Ok(ArtificialCell { info, values: info.parameter_defaults(), random_ids: vec![None; info.randoms.len()] })
    }

    /// Sets parameter `name` (checked against its declared limits).
    pub fn set_parameter(&mut self, name: &str, value: f64) -> Result<()> {
        let index = self.info.parameter_index(name)?;
        self.info.parameters().nth(index).expect("index of a parameter").check(self.info.name, value)?;
        self.values[index] = value;
        Ok(())
    }

    /// Gives RANDOM variable `name` the Random123 stream `ids` (NEURON's
    /// `cell.name.set_ids(id1, id2, id3)`); without it the stream is the
    /// default one of its owner (see [`NetStimParams::random_ids`]).
    pub fn set_random_ids(&mut self, name: &str, ids: (u32, u32, u32)) -> Result<()> {
        let index = self.info.randoms.iter().position(|r| *r == name).ok_or_else(|| NeuriteError::UnknownVariable {
            mechanism: self.info.name.to_string(),
            name: name.to_string(),
        })?;
        self.random_ids[index] = Some(ids);
        Ok(())
    }

    /// The mechanism.
    pub fn info(&self) -> &'static mechanisms::MechanismInfo {
        self.info
    }

    /// Parameter values, in the mechanism's order.
    pub fn parameters(&self) -> &[f64] {
        &self.values
    }

    /// Streams set with [`ArtificialCell::set_random_ids`], per RANDOM
    /// variable.
    pub fn random_ids(&self) -> &[Option<(u32, u32, u32)>] {
        &self.random_ids
    }
}

/// A cell of the network.
#[derive(Debug, Clone)]
pub enum CellDescription {
    /// A multi-compartment cell.
    Cable(CableCell),
    /// An artificial spike generator.
    NetStim(NetStimParams),
    /// An artificial cell of a mechanism from a catalogue.
    Artificial(ArtificialCell),
    /// A cell that spikes at given times (ms, non-decreasing): NEURON's
    /// VecStim playing a Vector, Arbor's spike source cell. It takes no
    /// events.
    SpikeSource(Vec<f64>),
}

/// Checks NetStim parameters; `owner` names it in errors.
pub(crate) fn check_netstim(owner: &str, params: &NetStimParams) -> Result<()> {
    let check = |what: &str, value: f64, ok: bool, reason: &'static str| {
        if ok && value.is_finite() {
            Ok(())
        } else {
            Err(NeuriteError::InvalidParameter { what: format!("NetStim[{owner}].{what}"), value, reason })
        }
    };
    check("interval", params.interval, params.interval > 0.0, "must be > 0 ms")?;
    check("number", params.number, params.number >= 0.0, "must be >= 0")?;
    check("start", params.start, true, "must be finite")?;
    check("noise", params.noise, (0.0..=1.0).contains(&params.noise), "must be in [0, 1]")
}

/// What a NetCon delivers its events to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetConTarget {
    /// A point process (ExpSyn, Exp2Syn, ...) of cable cell `gid`.
    PointProcess {
        /// The cell.
        gid: Gid,
        /// The point process on it.
        point_process: PointProcessId,
    },
    /// The NetStim with this gid (a positive weight starts it, a negative one
    /// stops it).
    NetStim {
        /// The NetStim's gid.
        gid: Gid,
    },
    /// The artificial cell with this gid ([`ArtificialCell`]).
    Artificial {
        /// The cell's gid.
        gid: Gid,
    },
}

impl NetConTarget {
    /// Gid of the cell the target belongs to.
    pub fn gid(&self) -> Gid {
        match *self {
            NetConTarget::PointProcess { gid, .. }
            | NetConTarget::NetStim { gid }
            | NetConTarget::Artificial { gid } => gid,
        }
    }
}

/// A connection: spikes of `source` arrive at `target` after `delay` ms with
/// `weight` (µS for synapses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetCon {
    /// Gid whose spikes are sent.
    pub source: Gid,
    /// Receiver.
    pub target: NetConTarget,
    /// Weight (µS for conductance synapses).
    pub weight: f64,
    /// Delay, ms.
    pub delay: f64,
}

/// Identity of a NetCon: its target gid and its creation index among the
/// NetCons ending on that gid. Ties between events due at the same time are
/// broken by it, so the order never depends on ranks or threads (the NetCons
/// of a gid are created on the rank that owns it, in program order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetConId {
    /// Gid of the cell the NetCon ends on.
    pub target: Gid,
    /// Creation index among the NetCons ending on `target`.
    pub index: u32,
}

/// Cells by gid and the NetCons that end on them.
#[derive(Debug, Clone, Default)]
pub struct Network {
    cells: BTreeMap<Gid, CellDescription>,
    netcons: Vec<(NetConId, NetCon)>,
    netcons_per_target: BTreeMap<Gid, u32>,
    identity: String,
}

impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the model this network is (part of), e.g. the model and its
    /// parameters. With several ranks, every rank's part must carry the same
    /// identity (checked at setup), so that ranks that built different
    /// models fail instead of running a mixture.
    pub fn set_identity(&mut self, identity: impl Into<String>) {
        self.identity = identity.into();
    }

    /// The model's identity (empty unless set).
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Adds a cable cell with gid `gid`.
    pub fn add_cable_cell(&mut self, gid: Gid, cell: CableCell) -> Result<()> {
        cell.tree_order()?;
        self.insert(gid, CellDescription::Cable(cell))
    }

    fn insert(&mut self, gid: Gid, cell: CellDescription) -> Result<()> {
        if self.cells.contains_key(&gid) {
            return Err(NeuriteError::DuplicateGid { gid });
        }
        self.cells.insert(gid, cell);
        Ok(())
    }

    /// Adds a NetStim with gid `gid`.
    pub fn add_netstim(&mut self, gid: Gid, params: NetStimParams) -> Result<()> {
        check_netstim(&format!("gid {gid}"), &params)?;
        self.insert(gid, CellDescription::NetStim(params))
    }

    /// Adds an artificial cell with gid `gid`.
    pub fn add_artificial_cell(&mut self, gid: Gid, cell: ArtificialCell) -> Result<()> {
        self.insert(gid, CellDescription::Artificial(cell))
    }

    /// Adds a cell with gid `gid` that spikes at `times` (ms, finite, >= 0,
    /// non-decreasing), as NEURON's VecStim playing a Vector.
    pub fn add_spike_source(&mut self, gid: Gid, times: Vec<f64>) -> Result<()> {
        let mut previous = 0.0;
        for (k, &time) in times.iter().enumerate() {
            if !(time.is_finite() && time >= previous) {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("spike source gid {gid} time [{k}]"),
                    value: time,
                    reason: "must be a finite number of ms, >= 0 and >= the time before it",
                });
            }
            previous = time;
        }
        self.insert(gid, CellDescription::SpikeSource(times))
    }

    /// The cells, in gid order.
    pub fn cells(&self) -> impl Iterator<Item = (Gid, &CellDescription)> {
        self.cells.iter().map(|(gid, cell)| (*gid, cell))
    }

    /// The cell with gid `gid`.
    pub fn cell(&self, gid: Gid) -> Option<&CellDescription> {
        self.cells.get(&gid)
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Connects `source` to `target` (NEURON's `gid_connect`): events arrive
    /// `delay` ms (>= 0) after each spike with `weight` (µS for conductance
    /// synapses). The target must be a cell of this network; the source may
    /// be any gid (with several ranks it may live on another rank).
    pub fn connect(&mut self, source: Gid, target: NetConTarget, weight: f64, delay: f64) -> Result<NetConId> {
        let netcon = NetCon { source, target, weight, delay };
        if !(delay.is_finite() && delay >= 0.0) {
            return Err(NeuriteError::NegativeDelay { source_gid: netcon.source, delay: netcon.delay });
        }
        if !netcon.weight.is_finite() {
            return Err(NeuriteError::InvalidParameter {
                what: format!("NetCon from gid {}.weight", netcon.source),
                value: netcon.weight,
                reason: "must be a finite number",
            });
        }
        self.check_target(netcon.target)?;
        let count = self.netcons_per_target.entry(target.gid()).or_insert(0);
        let id = NetConId { target: target.gid(), index: *count };
        *count += 1;
        self.netcons.push((id, netcon));
        Ok(id)
    }

    fn check_target(&self, target: NetConTarget) -> Result<()> {
        let gid = target.gid();
        let cell = self.cells.get(&gid).ok_or(NeuriteError::UnknownGid { gid })?;
        match (target, cell) {
            (NetConTarget::NetStim { .. }, CellDescription::NetStim(_)) => Ok(()),
            (NetConTarget::PointProcess { point_process, .. }, CellDescription::Cable(cable)) => {
                let index = cable.point_index(point_process).map_err(|e| match e {
                    NeuriteError::UnknownPointProcessInCell { id, .. } => NeuriteError::UnknownPointProcess { gid, id },
                    NeuriteError::ForeignId { kind, owner } => {
                        NeuriteError::ForeignId { kind, owner: format!("{owner} (gid {gid})") }
                    }
                    other => other,
                })?;
                let pp = &cable.point_processes()[index];
                // Only mechanisms with a NET_RECEIVE block take events.
                let receives = pp.info.kind == MechanismKind::Point && pp.info.name != "IClamp";
                if receives {
                    Ok(())
                } else {
                    Err(NeuriteError::NotAnEventTarget { gid, mechanism: pp.info.name.to_string() })
                }
            }
            (NetConTarget::Artificial { .. }, CellDescription::NetStim(_) | CellDescription::Artificial(_)) => Ok(()),
            (NetConTarget::NetStim { .. } | NetConTarget::Artificial { .. }, CellDescription::Cable(_)) => {
                Err(NeuriteError::NotAnEventTarget { gid, mechanism: "cable cell".to_string() })
            }
            (NetConTarget::PointProcess { .. } | NetConTarget::NetStim { .. }, CellDescription::Artificial(a)) => {
                Err(NeuriteError::NotAnEventTarget { gid, mechanism: a.info().name.to_string() })
            }
            (NetConTarget::PointProcess { .. }, CellDescription::NetStim(_)) => {
                Err(NeuriteError::NotAnEventTarget { gid, mechanism: mechanisms::NETSTIM.name.to_string() })
            }
            (_, CellDescription::SpikeSource(_)) => {
                Err(NeuriteError::NotAnEventTarget { gid, mechanism: "spike source".to_string() })
            }
        }
    }

    /// All NetCons with their ids.
    pub fn netcons(&self) -> &[(NetConId, NetCon)] {
        &self.netcons
    }

    /// Sets the weight of a NetCon (µS for conductance synapses).
    pub fn set_weight(&mut self, id: NetConId, weight: f64) -> Result<()> {
        let netcon = self.netcon_mut(id)?;
        if !weight.is_finite() {
            return Err(NeuriteError::InvalidParameter {
                what: format!("NetCon from gid {}.weight", netcon.source),
                value: weight,
                reason: "must be a finite number",
            });
        }
        netcon.weight = weight;
        Ok(())
    }

    /// Sets the delay (ms) of a NetCon.
    pub fn set_delay(&mut self, id: NetConId, delay: f64) -> Result<()> {
        let netcon = self.netcon_mut(id)?;
        if !(delay.is_finite() && delay >= 0.0) {
            return Err(NeuriteError::NegativeDelay { source_gid: netcon.source, delay });
        }
        netcon.delay = delay;
        Ok(())
    }

    fn netcon_mut(&mut self, id: NetConId) -> Result<&mut NetCon> {
        self.netcons
            .iter_mut()
            .find(|(nid, _)| *nid == id)
            .map(|(_, nc)| nc)
            .ok_or(NeuriteError::UnknownGid { gid: id.target })
    }
}
