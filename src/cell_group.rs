//! A group of cells integrated together by one thread: their nodes packed in
//! one set of arrays, one storage per mechanism type, one event queue. The
//! fixed-step loop (`advance`) lives here and follows NEURON's order of
//! operations.

use std::ops::Range;

use crate::discretization::CellNodes;
use crate::error::{NeuriteError, Result};
use crate::events::{Event, EventKey, EventQueue, EventTarget};
use crate::mechanisms::{self, EventOutbox, InstanceSetup, MatrixRows, Mechanism, MechanismKind, StepGlobals};
use crate::morphology::{CableCell, Location, PointProcessId};
use crate::network::{CellDescription, Gid};
use crate::recording::{Spike, Trace};
use crate::solver::hines_solve;

/// NEURON records a threshold crossing 1e-10 ms after the step it is seen in.
const THRESHOLD_TIME_OFFSET: f64 = 1e-10;

/// Threshold detector of one cell.
#[derive(Debug, Clone)]
struct Detector {
    node: usize,
    threshold: f64,
    above: bool,
}

/// A cable cell in the group.
#[derive(Debug, Clone)]
pub(crate) struct GroupCell {
    pub gid: Gid,
    pub nodes: Range<usize>,
    pub layout: CellNodes,
    pub description: CableCell,
    detector: Option<Detector>,
    /// Per point process id: where its instance lives.
    pub point_targets: Vec<EventTarget>,
}

/// Where a probe reads from.
#[derive(Debug, Clone)]
pub(crate) enum ProbeSource {
    Voltage { node: usize },
    Variable { slot: usize, instance: usize, name: &'static str },
}

#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub source: ProbeSource,
    pub every: u64,
    pub trace: Trace,
}

/// The cells of one thread and everything needed to step them.
pub(crate) struct CellGroup {
    pub cells: Vec<GroupCell>,
    /// Artificial cells: gid and where their instance lives.
    pub artificial: Vec<(Gid, EventTarget)>,
    v: Vec<f64>,
    rhs: Vec<f64>,
    d: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    parent: Vec<usize>,
    /// Capacitance term cm * 1e-3 / dt per node, mA/cm² per mV.
    cap_factor: Vec<f64>,
    cm: Vec<f64>,
    mechanisms: Vec<Box<dyn Mechanism>>,
    /// Per slot and instance: the gid that owns the instance.
    instance_gid: Vec<Vec<Gid>>,
    /// Per slot and instance: the node of the instance (none for artificial
    /// cells).
    instance_node: Vec<Vec<usize>>,
    queue: EventQueue,
    outbox: EventOutbox,
    self_event_sequence: u64,
    pub t: f64,
    step_count: u64,
    pub probes: Vec<Probe>,
    /// Per cell: node with the largest membrane current this step.
    largest_current: Vec<usize>,
    /// Spikes found since the last exchange.
    pub new_spikes: Vec<Spike>,
}

impl CellGroup {
    /// Packs the cells `cells` (gid, description) into one group.
    pub fn new(cells: &[(Gid, &CellDescription)]) -> Result<Self> {
        let mut setups: Vec<InstanceSetup> = vec![InstanceSetup::default(); mechanisms::BUILTIN.len()];
        let mut owners: Vec<Vec<Gid>> = vec![Vec::new(); mechanisms::BUILTIN.len()];
        let mut group_cells = Vec::new();
        let mut artificial = Vec::new();
        let (mut parent, mut cm) = (Vec::new(), Vec::new());
        let mut a_all = Vec::new();
        let mut b_all = Vec::new();
        for &(gid, description) in cells {
            match description {
                CellDescription::Cable(cell) => {
                    let layout = CellNodes::new(cell)?;
                    let offset = parent.len();
                    let (a, b) = layout.coefficients();
                    a_all.extend(a);
                    b_all.extend(b);
                    parent.extend(layout.parent.iter().map(|&p| if p == usize::MAX { p } else { p + offset }));
                    cm.extend(&layout.cm);
                    // Density mechanisms: one instance per segment.
                    for (sid, section) in cell.sections().iter().enumerate() {
                        for insertion in section.density_mechanisms() {
                            let slot = mechanisms::builtin_index(insertion.info);
                            let setup = &mut setups[slot];
                            if setup.parameters.is_empty() {
                                setup.parameters = vec![Vec::new(); insertion.values.len()];
                            }
                            for k in 0..section.nseg() {
                                setup.node_index.push(offset + layout.first_segment_node[sid] + k);
                                for (column, values) in setup.parameters.iter_mut().zip(&insertion.values) {
                                    column.push(values[k]);
                                }
                                owners[slot].push(gid);
                            }
                        }
                    }
                    // Point processes.
                    let mut point_targets = Vec::new();
                    for pp in cell.point_processes() {
                        let slot = mechanisms::builtin_index(pp.info);
                        let setup = &mut setups[slot];
                        let node = layout.node_at(cell, pp.location);
                        if setup.parameters.is_empty() {
                            setup.parameters = vec![Vec::new(); pp.values.len()];
                        }
                        point_targets.push(EventTarget { slot: slot as u32, instance: setup.node_index.len() as u32 });
                        setup.node_index.push(offset + node);
                        setup.area_factor.push(1.0e2 / layout.area[node]);
                        for (column, value) in setup.parameters.iter_mut().zip(&pp.values) {
                            column.push(*value);
                        }
                        owners[slot].push(gid);
                    }
                    let detector = cell.spike_detector().map(|det| Detector {
                        node: offset + layout.node_at(cell, det.location),
                        threshold: det.threshold,
                        above: false,
                    });
                    group_cells.push(GroupCell {
                        gid,
                        nodes: offset..offset + layout.len(),
                        layout,
                        description: cell.clone(),
                        detector,
                        point_targets,
                    });
                }
                CellDescription::NetStim(params) => {
                    let info = &mechanisms::netstim::INFO;
                    let slot = mechanisms::builtin_index(info);
                    let setup = &mut setups[slot];
                    if setup.parameters.is_empty() {
                        setup.parameters = vec![Vec::new(); 4];
                    }
                    let instance = setup.parameters[0].len();
                    for (column, value) in
                        setup.parameters.iter_mut().zip([params.interval, params.number, params.start, params.noise])
                    {
                        column.push(value);
                    }
                    let ids = params.random_ids.unwrap_or((1, 0, (gid as u32).wrapping_add(1)));
                    setup.random_ids.push(ids);
                    owners[slot].push(gid);
                    artificial.push((gid, EventTarget { slot: slot as u32, instance: instance as u32 }));
                }
            }
        }
        let n = parent.len();
        let n_cells = group_cells.len();
        let instance_node: Vec<Vec<usize>> = setups.iter().map(|s| s.node_index.clone()).collect();
        let mechanisms: Vec<Box<dyn Mechanism>> = mechanisms::BUILTIN
            .iter()
            .zip(setups)
            .map(|(info, mut setup)| {
                if setup.parameters.is_empty() {
                    setup.parameters = vec![Vec::new(); info.parameters().count()];
                }
                (info.create)(setup)
            })
            .collect();
        Ok(CellGroup {
            cells: group_cells,
            artificial,
            v: vec![0.0; n],
            rhs: vec![0.0; n],
            d: vec![0.0; n],
            a: a_all,
            b: b_all,
            parent,
            cap_factor: vec![0.0; n],
            cm,
            mechanisms,
            instance_gid: owners,
            instance_node,
            queue: EventQueue::new(),
            outbox: EventOutbox::default(),
            self_event_sequence: 0,
            t: 0.0,
            step_count: 0,
            probes: Vec::new(),
            largest_current: vec![0; n_cells],
            new_spikes: Vec::new(),
        })
    }

    /// Sets every node to `v_init` (mV) and every mechanism to its initial
    /// state, as NEURON's `finitialize`.
    pub fn initialize(&mut self, v_init: f64, dt: f64, celsius: f64) {
        self.t = 0.0;
        self.step_count = 0;
        self.queue.clear();
        self.new_spikes.clear();
        self.self_event_sequence = 0;
        self.v.fill(v_init);
        for (cf, cm) in self.cap_factor.iter_mut().zip(&self.cm) {
            *cf = 0.001 / dt * cm;
        }
        let globals = StepGlobals { t: 0.0, dt, celsius };
        for slot in 0..self.mechanisms.len() {
            self.mechanisms[slot].initialize(&self.v, &globals, &mut self.outbox);
            self.flush_outbox(slot);
        }
        for cell in self.cells.iter_mut() {
            if let Some(det) = cell.detector.as_mut() {
                det.above = false;
            }
        }
        // As NEURON, compute currents once so that assigned variables hold
        // their initial values.
        self.assemble_matrix(&globals);
        for probe in self.probes.iter_mut() {
            probe.trace.times.clear();
            probe.trace.values.clear();
        }
        self.record();
    }

    /// Advances `steps` fixed steps of `dt` ms.
    pub fn advance(&mut self, steps: u64, dt: f64, celsius: f64) -> Result<()> {
        for _ in 0..steps {
            self.detect_spikes();
            self.deliver_events(self.t + 0.5 * dt);
            self.t += 0.5 * dt;
            let globals = StepGlobals { t: self.t, dt, celsius };
            self.assemble_matrix(&globals);
            self.find_largest_currents();
            self.solve();
            self.update_voltage()?;
            self.t += 0.5 * dt;
            let globals = StepGlobals { t: self.t, dt, celsius };
            for mechanism in self.mechanisms.iter_mut() {
                mechanism.advance_state(&self.v, &globals);
            }
            self.step_count += 1;
            self.record();
        }
        Ok(())
    }

    /// Threshold detection at the start of a step, as NEURON's
    /// `check_thresh`: an upward crossing is a spike at t + 1e-10 ms.
    fn detect_spikes(&mut self) {
        for cell in self.cells.iter_mut() {
            if let Some(det) = cell.detector.as_mut() {
                if self.v[det.node] - det.threshold > 0.0 {
                    if !det.above {
                        det.above = true;
                        self.new_spikes.push(Spike { gid: cell.gid, time: self.t + THRESHOLD_TIME_OFFSET });
                    }
                } else {
                    det.above = false;
                }
            }
        }
    }

    /// Delivers every event due at or before `until` (ms), including those
    /// that the deliveries themselves send.
    fn deliver_events(&mut self, until: f64) {
        while let Some(event) = self.queue.pop_due(until) {
            let slot = event.target.slot as usize;
            let instance = event.target.instance as usize;
            self.mechanisms[slot].net_receive(instance, event.weight, event.flag, event.time, &mut self.outbox);
            self.flush_outbox(slot);
        }
    }

    /// Moves what a mechanism sent into the queue and the spike list.
    fn flush_outbox(&mut self, slot: usize) {
        for (time, instance, flag) in self.outbox.self_events.drain(..) {
            self.self_event_sequence += 1;
            self.queue.push(Event {
                time,
                key: EventKey::SelfEvent { gid: self.instance_gid[slot][instance], sequence: self.self_event_sequence },
                target: EventTarget { slot: slot as u32, instance: instance as u32 },
                weight: 0.0,
                flag,
            });
        }
        for (instance, time) in self.outbox.spikes.drain(..) {
            self.new_spikes.push(Spike { gid: self.instance_gid[slot][instance], time });
        }
    }

    /// Queues a NetCon event; fails if it is already too late for it.
    pub fn push_netcon_event(&mut self, event: Event, dt: f64) -> Result<()> {
        if event.time <= self.t - 0.5 * dt {
            let gid = self.instance_gid[event.target.slot as usize][event.target.instance as usize];
            return Err(NeuriteError::InvalidParameter {
                what: format!("event for gid {gid} at t = {} ms (now t = {} ms)", event.time, self.t),
                value: event.time,
                reason: "arrived after its delivery time; the minimum NetCon delay must be at least dt",
            });
        }
        self.queue.push(event);
        Ok(())
    }

    /// NEURON's `setup_tree_matrix`: membrane currents and conductances,
    /// capacitance, then the axial terms.
    fn assemble_matrix(&mut self, globals: &StepGlobals) {
        self.rhs.fill(0.0);
        self.d.fill(0.0);
        let mut rows = MatrixRows { v: &self.v, rhs: &mut self.rhs, d: &mut self.d };
        for mechanism in self.mechanisms.iter_mut() {
            mechanism.current(&mut rows, globals);
        }
        for (d, cf) in self.d.iter_mut().zip(&self.cap_factor) {
            *d += cf;
        }
        for cell in &self.cells {
            for i in cell.nodes.start + 1..cell.nodes.end {
                let p = self.parent[i];
                let dv = self.v[p] - self.v[i];
                self.rhs[i] -= self.b[i] * dv;
                self.rhs[p] += self.a[i] * dv;
                self.d[i] -= self.b[i];
                self.d[p] -= self.a[i];
            }
        }
    }

    fn solve(&mut self) {
        for cell in &self.cells {
            hines_solve(cell.nodes.clone(), &self.parent, &self.a, &self.b, &mut self.d, &mut self.rhs);
        }
    }

    /// Per cell, the node with the largest (or a non-finite) membrane
    /// current: if the step blows up, that is where it started, since the
    /// solve spreads a non-finite value over the whole cell.
    fn find_largest_currents(&mut self) {
        for (c, cell) in self.cells.iter().enumerate() {
            let mut best = (cell.nodes.start, -1.0);
            for i in cell.nodes.clone() {
                let r = self.rhs[i];
                let magnitude = if r.is_finite() { r.abs() } else { f64::INFINITY };
                if magnitude > best.1 {
                    best = (i, magnitude);
                }
            }
            self.largest_current[c] = best.0;
        }
    }

    /// v += Δv, and stops with an error naming the cell if v is no longer a
    /// finite number.
    fn update_voltage(&mut self) -> Result<()> {
        let mut all_finite = true;
        for (v, dv) in self.v.iter_mut().zip(&self.rhs) {
            *v += dv;
            all_finite &= v.is_finite();
        }
        if all_finite {
            return Ok(());
        }
        let bad = self.v.iter().position(|v| !v.is_finite()).unwrap_or(0);
        let c = self.cells.iter().position(|c| c.nodes.contains(&bad)).expect("every node belongs to a cell");
        let (cell, node) = (&self.cells[c], self.largest_current[c]);
        let section = cell.layout.section_of[node - cell.nodes.start];
        Err(NeuriteError::NonFiniteVoltage {
            gid: cell.gid,
            section: cell.description.sections()[section.0].name().to_string(),
            t: self.t + 0.0,
            value: self.v[node],
        })
    }

    fn record(&mut self) {
        for probe in self.probes.iter_mut() {
            if !self.step_count.is_multiple_of(probe.every) {
                continue;
            }
            let value = match &probe.source {
                ProbeSource::Voltage { node } => self.v[*node],
                ProbeSource::Variable { slot, instance, name } => {
                    self.mechanisms[*slot].variable(name).map_or(f64::NAN, |values| values[*instance])
                }
            };
            probe.trace.times.push(self.t);
            probe.trace.values.push(value);
        }
    }

    /// Reserves room for `steps` more samples in every trace, so that
    /// recording does not allocate inside the step loop.
    pub fn reserve_samples(&mut self, steps: u64) {
        for probe in self.probes.iter_mut() {
            let extra = (steps / probe.every + 1) as usize;
            probe.trace.times.reserve(extra);
            probe.trace.values.reserve(extra);
        }
    }

    // ---- lookup -----------------------------------------------------------

    /// The cable cell with gid `gid`.
    pub fn cell(&self, gid: Gid) -> Option<&GroupCell> {
        self.cells.iter().find(|c| c.gid == gid)
    }

    /// Node index (in the group) of `location` on cable cell `gid`.
    pub fn node(&self, gid: Gid, location: Location) -> Result<usize> {
        let cell = self.cell(gid).ok_or(NeuriteError::UnknownGid { gid })?;
        let section = cell.description.section(location.section)?;
        if !(0.0..=1.0).contains(&location.x) {
            return Err(NeuriteError::LocationOutOfRange { section: section.name().to_string(), x: location.x });
        }
        Ok(cell.nodes.start + cell.layout.node_at(&cell.description, location))
    }

    /// Slot and instance of density mechanism `mechanism` in the segment at
    /// `location` of cell `gid`.
    pub fn density_instance(&self, gid: Gid, location: Location, mechanism: &str) -> Result<(usize, usize)> {
        let node = self.node(gid, location)?;
        let info = mechanisms::lookup(mechanism)?;
        let slot = mechanisms::builtin_index(info);
        let cell = self.cell(gid).expect("node() found the cell");
        let section = cell.description.section(location.section)?;
        let not_inserted = || NeuriteError::MechanismNotInserted {
            mechanism: mechanism.to_string(),
            section: section.name().to_string(),
        };
        if info.kind != MechanismKind::Density {
            return Err(not_inserted());
        }
        // Density instances sit on segment nodes; x = 0 or 1 means the
        // segment next to that end, as NEURON's range variables.
        let segment_node =
            cell.nodes.start + cell.layout.first_segment_node[location.section.0] + section.segment_index(location.x);
        let _ = node;
        let instance = self.instance_node[slot].iter().position(|&n| n == segment_node).ok_or_else(not_inserted)?;
        Ok((slot, instance))
    }

    /// Slot and instance of point process `id` of cell `gid`.
    pub fn point_instance(&self, gid: Gid, id: PointProcessId) -> Result<(usize, usize)> {
        let cell = self.cell(gid).ok_or(NeuriteError::UnknownGid { gid })?;
        let target = cell.point_targets.get(id.0).ok_or(NeuriteError::UnknownPointProcess { gid, id: id.0 })?;
        Ok((target.slot as usize, target.instance as usize))
    }

    /// Values of variable `name` of mechanism slot `slot`.
    pub fn mechanism(&self, slot: usize) -> &dyn Mechanism {
        self.mechanisms[slot].as_ref()
    }

    /// Mutable access to mechanism slot `slot`.
    pub fn mechanism_mut(&mut self, slot: usize) -> &mut dyn Mechanism {
        self.mechanisms[slot].as_mut()
    }

    /// Membrane potentials of all nodes, mV.
    pub fn voltages(&self) -> &[f64] {
        &self.v
    }

    /// Mutable membrane potentials of all nodes, mV.
    pub fn voltages_mut(&mut self) -> &mut [f64] {
        &mut self.v
    }

    /// Number of nodes in the group.
    pub fn node_count(&self) -> usize {
        self.v.len()
    }
}
