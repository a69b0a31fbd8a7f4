//! A group of cells integrated together by one thread: their nodes packed in
//! one set of arrays, one storage per mechanism type, one event queue. The
//! fixed-step loop (`advance`) lives here and follows NEURON's order of
//! operations.
//!
//! Cells of identical shape (the same tree of nodes) are interleaved, as
//! CoreNEURON permutes nodes: node k of the cell in lane c of a block sits at
//! `base + k * width + c`. Every per-node loop (matrix assembly, the Hines
//! solve, the update) then runs over `width` cells at once in contiguous
//! memory and vectorizes, while each cell's arithmetic stays exactly what it
//! would be alone, so results never depend on how cells are grouped.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::discretization::{CellNodes, NodePlace};
use crate::error::{NeuriteError, Result};
use crate::events::{Event, EventKey, EventQueue, EventTarget, NO_WEIGHTS};
use crate::ions::{IonBinding, IonStore, IonUsage, Phase};
use crate::mechanisms::{self, CallPoint, EventOutbox, InstanceSetup, Mechanism, MechanismKind, StepGlobals};
use crate::morphology::{CableCell, CellTag, LocalStimId, Location, PointProcessId, SectionId};
use crate::network::{CellDescription, Gid};
use crate::recording::{Spike, Trace};
use crate::solver::{InterleavedTree, hines_solve_interleaved, level_order};
use crate::storage_order::storage_rows;

/// NEURON records a threshold crossing 1e-10 ms after the step it is seen in.
const THRESHOLD_TIME_OFFSET: f64 = 1e-10;

/// Threshold detectors of the group's cells, structure-of-arrays.
#[derive(Debug, Clone, Default)]
struct Detectors {
    gid: Vec<Gid>,
    node: Vec<usize>,
    threshold: Vec<f64>,
    /// Whether v was above threshold at the last check.
    above: Vec<bool>,
    /// Whether v crossed the threshold at this check.
    crossed: Vec<bool>,
    /// `Some(start)` when detector k watches node `start + k` for every k.
    contiguous_from: Option<usize>,
}

/// What the group keeps of a cable cell's description: enough to resolve
/// locations and name sections, not the whole description.
#[derive(Debug, Clone)]
struct SectionMap {
    names: Vec<String>,
    /// The section whose 0 end is the root node.
    root: SectionId,
    nseg: Vec<u32>,
    first_segment: Vec<u32>,
    attach: Vec<u32>,
    far_end: Vec<u32>,
    /// Connected to the parent by the 1 end.
    reversed: Vec<bool>,
    /// Tag of the cell description, which its section ids carry.
    tag: CellTag,
}

impl SectionMap {
    fn new(cell: &CableCell, layout: &CellNodes) -> Self {
        let to_u32 = |v: &[usize]| v.iter().map(|&x| x as u32).collect();
        SectionMap {
            root: layout.section_of[0],
            names: cell.sections().iter().map(|s| s.name().to_string()).collect(),
            nseg: cell.sections().iter().map(|s| s.nseg() as u32).collect(),
            first_segment: to_u32(&layout.first_segment_node),
            attach: to_u32(&layout.attach_node),
            far_end: to_u32(&layout.far_end_node),
            reversed: cell.sections().iter().map(|s| s.orientation() == 1.0).collect(),
            tag: cell.tag(),
        }
    }

    /// Local node at `location`, as NEURON's `node_exact`.
    fn node(&self, location: Location) -> Result<usize> {
        if location.section.1 != self.tag {
            return Err(NeuriteError::ForeignId { kind: "section", owner: String::new() });
        }
        let s = location.section.0;
        let name = self.names.get(s).ok_or(NeuriteError::UnknownSection { cell: String::new(), id: s })?;
        let x = location.x;
        if !(0.0..=1.0).contains(&x) {
            return Err(NeuriteError::LocationOutOfRange { section: name.clone(), x });
        }
        Ok(match NodePlace::of(x, self.nseg[s] as usize, self.reversed[s]) {
            NodePlace::Attach => self.attach[s] as usize,
            NodePlace::FarEnd => self.far_end[s] as usize,
            NodePlace::Segment(j) => self.first_segment[s] as usize + j,
        })
    }

    /// Local node of the segment containing `x` (density mechanisms live on
    /// segments; x = 0 and 1 mean the end segments, as NEURON's range
    /// variables).
    fn segment_node(&self, location: Location) -> Result<usize> {
        self.node(location)?;
        let s = location.section.0;
        let k = self.segment(s, location.x);
        let j = if self.reversed[s] { self.nseg[s] as usize - 1 - k } else { k };
        Ok(self.first_segment[s] as usize + j)
    }

    fn segment(&self, s: usize, x: f64) -> usize {
        let n = self.nseg[s] as usize;
        ((n as f64 * x) as usize).min(n - 1)
    }

    /// Section owning local node `node` (the root node belongs to the root
    /// section).
    fn section_of(&self, node: usize) -> SectionId {
        if node == 0 {
            return self.root;
        }
        (0..self.names.len())
            .find(|&s| {
                let first = self.first_segment[s] as usize;
                (first..=self.far_end[s] as usize).contains(&node)
            })
            .map_or(self.root, |s| SectionId(s, self.tag))
    }
}

/// A cable cell in the group.
#[derive(Debug, Clone)]
pub(crate) struct GroupCell {
    pub gid: Gid,
    name: String,
    block: usize,
    lane: usize,
    sections: SectionMap,
    /// Per point process id: where its instance lives.
    pub point_targets: Vec<EventTarget>,
    /// Per own NetStim (in the cell's order): its NetStim instance.
    own_stims: Vec<usize>,
}

/// Cells of one shape, interleaved: local node k (NEURON's order) of the
/// cell in lane c is stored at `base + row[k] * width + c`, the rows
/// grouping nodes that carry the same mechanisms (`storage_order`). The
/// tree below is in rows, and every sequence in it (the solve's, the
/// children of a row) keeps NEURON's node order, so the arithmetic is
/// NEURON's whatever the rows.
#[derive(Debug, Clone)]
struct Block {
    base: usize,
    width: usize,
    /// Row of each local node.
    row: Vec<usize>,
    /// Row of the root (local node 0).
    root: usize,
    /// Parent row of each row (unused for the root's).
    parent: Vec<usize>,
    /// The order in which the solver visits the rows (`level_order` of the
    /// local nodes).
    solve_order: Vec<usize>,
    /// Children of each row, in NEURON's order: those of row r are
    /// `children[child_start[r]..child_start[r + 1]]`.
    children: Vec<usize>,
    child_start: Vec<usize>,
    /// Runs `start..end` of rows inside a section stored in order: each row
    /// r of a run has parent row r - 1 and one child, row r + 1 (most rows
    /// of a lone cell; assembled as vectors).
    chain_runs: Vec<(u32, u32)>,
    /// (row, parent row, child row) of the other rows inside a section:
    /// not the root, exactly one child (assembled without the general
    /// loop's branches).
    chain_rows: Vec<[u32; 3]>,
    /// The other rows.
    branch_rows: Vec<u32>,
    /// Group cell index of each lane.
    cells: Vec<usize>,
}

impl Block {
    /// A block for the tree `parent` (local nodes, NEURON's order; parent
    /// before child) stored at `row` (a permutation of the local nodes).
    fn new(parent: &[usize], row: Vec<usize>) -> Block {
        let n = parent.len();
        let mut row_parent = vec![usize::MAX; n];
        for k in 1..n {
            row_parent[row[k]] = row[parent[k]];
        }
        let (local_children, local_start) = children_in_order(parent);
        let mut child_start = vec![0; n + 1];
        for k in 0..n {
            child_start[row[k] + 1] = local_start[k + 1] - local_start[k];
        }
        for r in 0..n {
            child_start[r + 1] += child_start[r];
        }
        let mut children = vec![0; n.saturating_sub(1)];
        for k in 0..n {
            let (from, to) = (local_start[k], local_start[k + 1]);
            for (j, &c) in local_children[from..to].iter().enumerate() {
                children[child_start[row[k]] + j] = row[c];
            }
        }
        let root = row.first().copied().unwrap_or(0);
        let (mut chain_runs, mut chain_rows, mut branch_rows) = (Vec::<(u32, u32)>::new(), Vec::new(), Vec::new());
        for r in 0..n {
            match children[child_start[r]..child_start[r + 1]] {
                [c] if r != root && r > 0 && row_parent[r] == r - 1 && c == r + 1 => match chain_runs.last_mut() {
                    Some((_, end)) if *end as usize == r => *end += 1,
                    _ => chain_runs.push((r as u32, r as u32 + 1)),
                },
                [c] if r != root => chain_rows.push([r as u32, row_parent[r] as u32, c as u32]),
                _ => branch_rows.push(r as u32),
            }
        }
        Block {
            base: 0,
            width: 0,
            root,
            parent: row_parent,
            solve_order: level_order(parent).into_iter().map(|k| row[k]).collect(),
            children,
            child_start,
            chain_runs,
            chain_rows,
            branch_rows,
            row,
            cells: Vec::new(),
        }
    }

    fn node(&self, lane: usize, local: usize) -> usize {
        self.base + self.row[local] * self.width + lane
    }
    /// The local node stored at group node `node` (of this block; for error
    /// messages).
    fn local_of(&self, node: usize) -> usize {
        let row = (node - self.base) / self.width;
        self.row.iter().position(|&r| r == row).unwrap_or(0)
    }
    fn len(&self) -> usize {
        self.parent.len() * self.width
    }
}

/// The local node of segment `k` of section `sid` of a cell laid out as
/// `layout`.
fn segment_node(layout: &CellNodes, sid: usize, section: &crate::morphology::Section, k: usize) -> usize {
    layout.first_segment_node[sid] + section.node_of_segment(k)
}

/// NEURON's default random stream numbered `number` (1-based, see
/// [`netstim_numbers`]): `(1, 0, number)`.
fn default_stream(gid: Gid, number: u64) -> Result<(u32, u32, u32)> {
    let id3 = u32::try_from(number).map_err(|_| NeuriteError::InvalidParameter {
        what: format!("random stream of gid {gid}: default stream number"),
        value: number as f64,
        reason: "more than 2^32 - 1 random streams: give NetStims explicit random_ids",
    })?;
    Ok((1, 0, id3))
}

/// Numbers of the random streams (NMODL RANDOM variables: NetStim noise and
/// any other mechanism's) for their default ids: NEURON numbers streams 1,
/// 2, 3, ... in the order a process creates them and gives the n-th the ids
/// (1, rank, n). neurite numbers them in one order whatever the
/// decomposition: by the gid that owns them (a NetStim with a gid owns
/// itself; a cell owns its own NetStims, point processes and density
/// mechanisms, in that order), with rank 0's ids: NEURON's numbering of a
/// serial program that creates its NetStims in gid order. `owners` holds
/// every rank's (owner gid, stream count); the result maps each owner to the
/// number of its first stream.
pub fn netstim_numbers(mut owners: Vec<(Gid, u64)>) -> HashMap<Gid, u64> {
    owners.sort_unstable();
    let mut next = 1u64;
    owners
        .into_iter()
        .map(|(gid, count)| {
            let first = next;
            next += count;
            (gid, first)
        })
        .collect()
}

/// (owner gid, random stream count) of every owner of random streams in
/// `cells` (see [`netstim_numbers`]).
pub fn netstim_owners<'a>(cells: impl Iterator<Item = (Gid, &'a CellDescription)>) -> Vec<(Gid, u64)> {
    cells
        .filter_map(|(gid, cell)| match cell {
            CellDescription::NetStim(_) => Some((gid, mechanisms::NETSTIM.randoms.len() as u64)),
            CellDescription::Artificial(a) => {
                let count = a.info().randoms.len() as u64;
                (count > 0).then_some((gid, count))
            }
            CellDescription::SpikeSource(_) => None,
            CellDescription::Cable(c) => {
                let stims = (c.netstims().len() * mechanisms::NETSTIM.randoms.len()) as u64;
                let points: usize = c.point_processes().iter().map(|pp| pp.info.randoms.len()).sum();
                let density: usize = c
                    .sections()
                    .iter()
                    .flat_map(|s| s.density_mechanisms().iter().map(move |d| d.info.randoms.len() * s.nseg()))
                    .sum();
                let count = stims + (points + density) as u64;
                (count > 0).then_some((gid, count))
            }
        })
        .collect()
}

/// Parameter values of a NetStim, in the order of [`mechanisms::NETSTIM`]'s
/// parameters.
fn netstim_values(params: &crate::network::NetStimParams) -> impl Iterator<Item = f64> {
    mechanisms::NETSTIM.parameters().map(|p| match p.name {
        "interval" => params.interval,
        "number" => params.number,
        "start" => params.start,
        "noise" => params.noise,
        _ => p.default,
    })
}

/// The group cell that node `node` belongs to.
fn cell_of_node_in(blocks: &[Block], node: usize) -> usize {
    blocks
        .iter()
        .find(|b| (b.base..b.base + b.len()).contains(&node))
        .map_or(0, |block| block.cells[(node - block.base) % block.width])
}

/// A NetCon from a cell's own NetStim, resolved.
#[derive(Debug, Clone, Copy)]
struct LocalRoute {
    gid: Gid,
    index: u32,
    target: EventTarget,
    weight: f64,
    /// Its weight vector in the group's store (see `CellGroup::add_netcon`).
    weights: u32,
    delay: f64,
}

/// Nodes of a mechanism's instances.
#[derive(Debug, Clone)]
enum InstanceNodes {
    /// Instance k sits on node `start + k`: kernels work on slices of the
    /// group's arrays directly.
    Contiguous { start: usize },
    /// Anything else: voltages are gathered into `v`, and the kernel's
    /// `rhs`/`d` contributions added back node by node; but when the nodes
    /// rise in long runs (a density mechanism on most sections of
    /// interleaved cells), `runs` is not empty and current kernels are
    /// called run by run on slices of the group's arrays, as for
    /// Contiguous. State kernels always take every instance in one call,
    /// on the gathered voltages (runs copied whole).
    Scattered { nodes: Vec<usize>, runs: Vec<NodeRun>, v: Vec<f64>, rhs: Vec<f64>, d: Vec<f64> },
    /// Artificial cells have no node.
    Detached,
}

/// Instances `instance..instance + len` sit on nodes `node..node + len`.
#[derive(Debug, Clone, Copy)]
struct NodeRun {
    node: usize,
    instance: usize,
    len: usize,
}

impl NodeRun {
    fn nodes(&self) -> std::ops::Range<usize> {
        self.node..self.node + self.len
    }

    fn instances(&self) -> std::ops::Range<usize> {
        self.instance..self.instance + self.len
    }
}

/// Runs of consecutive nodes in `nodes` when each node is above the one
/// before and runs average at least 16 instances (then a current kernel
/// call per run on slices of the group's arrays beats gathering voltages
/// and scattering currents node by node); empty otherwise.
fn node_runs(nodes: &[usize]) -> Vec<NodeRun> {
    let mut runs: Vec<NodeRun> = Vec::new();
    for (k, &node) in nodes.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if node == run.node + run.len => run.len += 1,
            Some(run) if node < run.node + run.len => return Vec::new(),
            _ => runs.push(NodeRun { node, instance: k, len: 1 }),
        }
    }
    if runs.len() * 16 > nodes.len() { Vec::new() } else { runs }
}

/// One mechanism type of the group.
struct Slot {
    mechanism: Box<dyn Mechanism>,
    nodes: InstanceNodes,
    /// Gid of each instance (point processes and artificial cells: events
    /// and spikes need it).
    owner: Vec<Gid>,
    /// The ion variables the mechanism reads or writes (NMODL USEION).
    ions: Vec<IonBinding>,
    /// Each POINTER and where each instance's points.
    pointers: Vec<PointerBinding>,
    /// Scratch for one POINTER's values, one per instance (no allocation
    /// in the step loop).
    pointer_values: Vec<f64>,
    /// Where the mechanism has BEFORE/AFTER blocks (asked once).
    call_points: &'static [CallPoint],
    /// Whether it has WATCH statements (asked once).
    has_watches: bool,
    /// Whether its NET_RECEIVE calls `net_move`.
    moves_events: bool,
    /// Number of instances (asked once: it does not change).
    count: usize,
    /// Whether it can report a failure (asked once; the others are not
    /// asked after every call).
    may_fail: bool,
}

/// Where one instance's POINTER points.
#[derive(Debug, Clone, Copy)]
enum PointerPlace {
    /// The voltage of a node (mV).
    Node(usize),
    /// Variable `variable` of ion store `ion` at its index `index`.
    Ion { ion: usize, variable: mechanisms::IonVariable, index: usize },
    /// Variable `name` of instance `instance` of mechanism slot `slot`.
    Variable { slot: usize, instance: usize, name: &'static str },
}

/// One POINTER of a mechanism type and its target per instance.
struct PointerBinding {
    name: &'static str,
    places: Vec<PointerPlace>,
    /// Each instance's node when every target is a voltage (the common
    /// case, copied without looking at `places`); empty otherwise.
    nodes: Vec<usize>,
}

impl PointerBinding {
    fn new(name: &'static str, places: Vec<PointerPlace>) -> Self {
        let nodes = places
            .iter()
            .map(|p| match p {
                PointerPlace::Node(n) => Some(*n),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .unwrap_or_default();
        PointerBinding { name, places, nodes }
    }
}

fn read_place(place: PointerPlace, v: &[f64], ions: &[IonStore], slots: &[Slot]) -> f64 {
    match place {
        PointerPlace::Node(n) => v[n],
        PointerPlace::Ion { ion, variable, index } => ions[ion].column(variable)[index],
        PointerPlace::Variable { slot, instance, name } => {
            slots[slot].mechanism.variable(name).map_or(f64::NAN, |c| c[instance])
        }
    }
}

/// Fills the POINTER copies of slot `s` (instance `only`, or every one)
/// from their targets, as NEURON's mechanisms read through their pointers.
#[inline(always)]
fn load_pointers(slots: &mut [Slot], s: usize, only: Option<usize>, v: &[f64], ions: &[IonStore]) {
    // Most mechanisms have none: no call for them at every phase of a step.
    if !slots[s].pointers.is_empty() {
        load_pointer_values(slots, s, only, v, ions);
    }
}

fn load_pointer_values(slots: &mut [Slot], s: usize, only: Option<usize>, v: &[f64], ions: &[IonStore]) {
    for p in 0..slots[s].pointers.len() {
        let name = slots[s].pointers[p].name;
        let range = only.map_or(0..slots[s].pointers[p].places.len(), |k| k..k + 1);
        if !slots[s].pointers[p].nodes.is_empty() {
            let slot = &mut slots[s];
            if let Some(column) = slot.mechanism.ion_column(name) {
                for k in range {
                    column[k] = v[slot.pointers[p].nodes[k]];
                }
            }
            continue;
        }
        let mut values = std::mem::take(&mut slots[s].pointer_values);
        for k in range.clone() {
            values[k] = read_place(slots[s].pointers[p].places[k], v, ions, slots);
        }
        if let Some(column) = slots[s].mechanism.ion_column(name) {
            column[range.clone()].copy_from_slice(&values[range]);
        }
        slots[s].pointer_values = values;
    }
}

/// Gives what slot `s` left in its POINTER copies (instance `only`, or
/// every one) to the targets. Ion and mechanism variables are written only
/// where the value changed, so that an unchanged ion keeps its version.
#[inline(always)]
fn store_pointers(slots: &mut [Slot], s: usize, only: Option<usize>, v: &mut [f64], ions: &mut [IonStore]) {
    if !slots[s].pointers.is_empty() {
        store_pointer_values(slots, s, only, v, ions);
    }
}

fn store_pointer_values(slots: &mut [Slot], s: usize, only: Option<usize>, v: &mut [f64], ions: &mut [IonStore]) {
    for p in 0..slots[s].pointers.len() {
        let name = slots[s].pointers[p].name;
        let range = only.map_or(0..slots[s].pointers[p].places.len(), |k| k..k + 1);
        let mut values = std::mem::take(&mut slots[s].pointer_values);
        let slot = &mut slots[s];
        let Some(column) = slot.mechanism.ion_column(name) else {
            slot.pointer_values = values;
            continue;
        };
        if !slot.pointers[p].nodes.is_empty() {
            for k in range {
                v[slot.pointers[p].nodes[k]] = column[k];
            }
            slot.pointer_values = values;
            continue;
        }
        values[range.clone()].copy_from_slice(&column[range.clone()]);
        for k in range {
            let x = values[k];
            match slots[s].pointers[p].places[k] {
                PointerPlace::Node(n) => v[n] = x,
                PointerPlace::Ion { ion, variable, index } => {
                    if ions[ion].column(variable)[index].to_bits() != x.to_bits() {
                        ions[ion].column_mut(variable)[index] = x;
                    }
                }
                PointerPlace::Variable { slot, instance, name } => {
                    if let Some(c) = slots[slot].mechanism.variable_mut(name)
                        && c[instance].to_bits() != x.to_bits()
                    {
                        c[instance] = x;
                    }
                }
            }
        }
        slots[s].pointer_values = values;
    }
}

impl Slot {
    /// The mechanism's failure since the last call, if it can fail.
    fn take_failure(&mut self) -> Option<(usize, &'static str)> {
        if self.may_fail {
            return self.mechanism.take_failure();
        }
        debug_assert!(
            self.mechanism.take_failure().is_none(),
            "{} reports a failure but not Mechanism::reports_failures",
            self.mechanism.info().name
        );
        None
    }

    fn instance_at(&self, node: usize) -> Option<usize> {
        let count = self.count;
        match &self.nodes {
            InstanceNodes::Contiguous { start } => (node >= *start && node < start + count).then(|| node - start),
            InstanceNodes::Scattered { nodes, .. } => nodes.iter().position(|&n| n == node),
            InstanceNodes::Detached => None,
        }
    }

    /// BREAKPOINT of every instance into the group's matrix.
    fn current(&mut self, v: &[f64], rhs: &mut [f64], d: &mut [f64], globals: &StepGlobals) {
        let count = self.count;
        match &mut self.nodes {
            InstanceNodes::Contiguous { start } => {
                let range = *start..*start + count;
                self.mechanism.current(0..count, &v[range.clone()], &mut rhs[range.clone()], &mut d[range], globals);
            }
            InstanceNodes::Scattered { runs, .. } if !runs.is_empty() => {
                for run in runs.iter() {
                    let nodes = run.nodes();
                    self.mechanism.current(
                        run.instances(),
                        &v[nodes.clone()],
                        &mut rhs[nodes.clone()],
                        &mut d[nodes],
                        globals,
                    );
                }
            }
            InstanceNodes::Scattered { nodes, v: v_inst, rhs: rhs_inst, d: d_inst, .. } => {
                for (vi, &node) in v_inst.iter_mut().zip(nodes.iter()) {
                    *vi = v[node];
                }
                rhs_inst.fill(0.0);
                d_inst.fill(0.0);
                self.mechanism.current(0..count, v_inst, rhs_inst, d_inst, globals);
                // rhs + (0 - i) rounds exactly as rhs - i: the same bits as
                // writing in place.
                for ((&node, r), g) in nodes.iter().zip(rhs_inst.iter()).zip(d_inst.iter()) {
                    rhs[node] += r;
                    d[node] += g;
                }
            }
            InstanceNodes::Detached => {}
        }
    }

    /// Fills the mechanism's copies of ion variables before `phase`.
    fn load_ions(&mut self, ions: &[IonStore], phase: Phase) {
        let mechanism = &mut self.mechanism;
        for binding in self.ions.iter_mut() {
            let name = binding.name();
            binding.load(ions, phase, || mechanism.ion_column(name));
        }
    }

    /// Gives what the mechanism wrote in `phase` back to the ions.
    fn store_ions(&mut self, ions: &mut [IonStore], phase: Phase, celsius: f64) {
        for binding in &self.ions {
            binding.store(ions, phase, celsius, || self.mechanism.ion_column(binding.name()).map(|c| &*c));
        }
    }

    /// Node of each instance, in instance order (empty for artificial cells).
    fn instance_nodes(nodes: &InstanceNodes, count: usize) -> Vec<usize> {
        match nodes {
            InstanceNodes::Contiguous { start } => (*start..*start + count).collect(),
            InstanceNodes::Scattered { nodes, .. } => nodes.clone(),
            InstanceNodes::Detached => Vec::new(),
        }
    }

    /// SOLVE of every instance with the voltages `v` of the group's nodes,
    /// in one call: a state kernel on a few instances runs them in scalar
    /// code or in too few vectors to hide its latencies, so runs of nodes
    /// (the L5 cell's Ca_HVA on 1, 9, 60, 25 and 25 compartments) are
    /// gathered rather than called one by one (the L5 cell 21% faster;
    /// copying the voltages costs little next to the kernels).
    fn advance_state(&mut self, v: &[f64], globals: &StepGlobals) {
        let count = self.count;
        self.with_voltages(v, |m, v| m.advance_state(0..count, v, globals))
    }

    /// Runs `f` with the voltage of each instance.
    fn with_voltages(&mut self, v: &[f64], f: impl FnOnce(&mut dyn Mechanism, &[f64])) {
        let count = self.count;
        match &mut self.nodes {
            InstanceNodes::Contiguous { start } => f(self.mechanism.as_mut(), &v[*start..*start + count]),
            InstanceNodes::Scattered { nodes, runs, v: v_inst, .. } => {
                if runs.is_empty() {
                    for (vi, &node) in v_inst.iter_mut().zip(nodes.iter()) {
                        *vi = v[node];
                    }
                } else {
                    for run in runs.iter() {
                        v_inst[run.instances()].copy_from_slice(&v[run.nodes()]);
                    }
                }
                f(self.mechanism.as_mut(), v_inst)
            }
            InstanceNodes::Detached => f(self.mechanism.as_mut(), &[]),
        }
    }
}

/// Where a probe reads from.
#[derive(Debug, Clone)]
pub(crate) enum ProbeSource {
    Voltage {
        node: usize,
    },
    Variable {
        slot: usize,
        instance: usize,
        name: &'static str,
    },
    Ion {
        ion: usize,
        index: usize,
        variable: mechanisms::IonVariable,
    },
    /// Σ coefficient · (v[from] − v[to]): four partial sums over the terms
    /// taken in turn, then (s0 + s1) + (s2 + s3) (a fixed order: the same
    /// bits on any decomposition; four chains of additions run in parallel
    /// where one would wait on each addition).
    VoltageDifferences {
        terms: Vec<(usize, usize, f64)>,
    },
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
    /// Per node: v (mV) it starts from when `initialize` keeps the cells'
    /// voltages (its section's initial voltage).
    initial_v: Vec<f64>,
    /// Gids of the spike sources (VecStims) here.
    pub spike_source_gids: Vec<Gid>,
    /// Every spike source's spikes, (time in ms, gid), in time order.
    source_spikes: Vec<(f64, Gid)>,
    /// The first of `source_spikes` not yet sent.
    next_source_spike: usize,
    blocks: Vec<Block>,
    detectors: Detectors,
    /// Per NetStim instance: the NetCons of a cell's own NetStim (empty for
    /// NetStims with a gid, whose spikes are exchanged).
    local_routes: Vec<Vec<LocalRoute>>,
    /// Per NetStim instance: whether it belongs to a cell (its spikes are
    /// routed locally, not recorded or exchanged).
    local_stim: Vec<bool>,
    /// Per NetStim instance: the log its spikes are recorded in, if any.
    stim_log_of: Vec<Option<usize>>,
    /// Spike times (ms) of the recorded own NetStims of cells.
    pub stim_logs: Vec<Vec<f64>>,
    netstim_slot: usize,
    /// The ions the group's mechanisms use, each at the nodes where it is.
    ions: Vec<IonStore>,
    v: Vec<f64>,
    rhs: Vec<f64>,
    d: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    /// cm * 1e-3 / dt per node, the capacitive conductance, S/cm² (0 for
    /// nodes without membrane).
    cap_factor: Vec<f64>,
    slots: Vec<Slot>,
    /// The call points where some slot has BEFORE/AFTER blocks.
    call_points: Vec<CallPoint>,
    queue: EventQueue,
    outbox: EventOutbox,
    self_event_sequence: u64,
    /// Each instance's pending self event of flag 1, the last one sent
    /// (what `net_move` moves), by (slot, instance).
    movable: HashMap<(u32, u32), Event>,
    /// Sequence numbers of queued self events that are not to be delivered
    /// (replaced by a moved copy by `net_move`, or WATCH events dropped
    /// when their instance armed its WATCHes afresh): skipped when due.
    cancelled: HashSet<u64>,
    /// Queued WATCH events: (slot, instance, sequence number), what
    /// re-arming the instance's WATCHes drops. They are due when sent, so
    /// the list holds a step's few at most.
    pending_watches: Vec<(u32, u32, u64)>,
    /// The weight vectors of the NetCons ending in this group, one after
    /// the other (NEURON's `NetCon.weight`; NET_RECEIVE may change them).
    netcon_weights: Vec<f64>,
    /// Each NetCon's target and where its weight vector starts, in creation
    /// order (for their initialization).
    netcon_targets: Vec<(EventTarget, u32)>,
    /// Zeros for events that have no NetCon (sent by INITIAL).
    no_weights: Vec<f64>,
    pub t: f64,
    step_count: u64,
    pub probes: Vec<Probe>,
    /// Spikes found since the last exchange.
    pub new_spikes: Vec<Spike>,
}

/// Where each instance of one mechanism type goes, decided before any value
/// is stored: instances are ordered by node (creation order among equals), so
/// that they are contiguous whenever their nodes are.
struct SlotPlan {
    /// Node of each instance, in creation order (artificial cells: none).
    nodes: Vec<u32>,
    /// Final index of each instance, by creation index.
    final_index: Vec<u32>,
    count: usize,
}

impl SlotPlan {
    fn new() -> Self {
        SlotPlan { nodes: Vec::new(), final_index: Vec::new(), count: 0 }
    }

    fn add(&mut self, node: Option<usize>) {
        if let Some(node) = node {
            self.nodes.push(node as u32);
        }
        self.count += 1;
    }

    /// Orders the instances; returns how the kernel will reach their nodes.
    fn plan(&mut self, kind: MechanismKind) -> InstanceNodes {
        let mut order: Vec<u32> = (0..self.count as u32).collect();
        if kind != MechanismKind::Artificial {
            order.sort_by_key(|&k| self.nodes[k as usize]);
        }
        self.final_index = vec![0; self.count];
        for (new, &old) in order.iter().enumerate() {
            self.final_index[old as usize] = new as u32;
        }
        if kind == MechanismKind::Artificial {
            return InstanceNodes::Detached;
        }
        let node = |k: usize| self.nodes[order[k] as usize] as usize;
        let contiguous = (1..order.len()).all(|k| node(k) == node(k - 1) + 1);
        let nodes = if contiguous {
            InstanceNodes::Contiguous { start: if order.is_empty() { 0 } else { node(0) } }
        } else {
            let n = order.len();
            let sorted: Vec<usize> = (0..n).map(node).collect();
            let runs = node_runs(&sorted);
            InstanceNodes::Scattered { nodes: sorted, runs, v: vec![0.0; n], rhs: vec![0.0; n], d: vec![0.0; n] }
        };
        self.nodes = Vec::new();
        nodes
    }
}

/// Fills the storage of one mechanism type in the planned order.
struct SlotFill {
    setup: InstanceSetup,
    owner: Vec<Gid>,
    next: usize,
}

impl SlotFill {
    fn new(info: &'static mechanisms::MechanismInfo, count: usize) -> Self {
        let point_like = info.kind != MechanismKind::Density;
        SlotFill {
            setup: InstanceSetup {
                count,
                area_factor: if info.kind == MechanismKind::Point { vec![0.0; count] } else { Vec::new() },
                diam: if point_like && info.kind == MechanismKind::Artificial { Vec::new() } else { vec![0.0; count] },
                area: if point_like && info.kind == MechanismKind::Artificial { Vec::new() } else { vec![0.0; count] },
                parameters: vec![vec![0.0; count]; info.parameters().count()],
                random_ids: vec![(0, 0, 0); count * info.randoms.len()],
            },
            owner: if point_like { vec![0; count] } else { Vec::new() },
            next: 0,
        }
    }

    /// Stores the next instance (in creation order); returns its index.
    fn put(&mut self, plan: &SlotPlan, values: impl Iterator<Item = f64>, area_factor: Option<f64>, gid: Gid) -> usize {
        let k = plan.final_index[self.next] as usize;
        self.next += 1;
        for (column, value) in self.setup.parameters.iter_mut().zip(values) {
            column[k] = value;
        }
        if let Some(f) = area_factor {
            self.setup.area_factor[k] = f;
        }
        if !self.owner.is_empty() {
            self.owner[k] = gid;
        }
        k
    }

    /// Instance `k`'s segment: diameter (µm) and node area (µm²).
    fn set_geometry(&mut self, k: usize, diam: f64, area: f64) {
        self.setup.diam[k] = diam;
        self.setup.area[k] = area;
    }

    /// Gives instance `k`'s random streams the default ids numbered from
    /// `next` on (see [`netstim_numbers`]).
    fn default_streams(&mut self, k: usize, gid: Gid, next: &mut u64) -> Result<()> {
        let count = self.setup.count;
        let streams = self.setup.random_ids.len() / count.max(1);
        for r in 0..streams {
            self.setup.random_ids[r * count + k] = default_stream(gid, *next)?;
            *next += 1;
        }
        Ok(())
    }
}

impl CellGroup {
    /// Packs the cells `cells` (gid, description) into one group for time
    /// step `dt` (ms). Cells are laid out one at a time, so building needs
    /// little memory beyond the group's own.
    /// `netstim_numbers` gives the number of each owner's first NetStim
    /// (for default random streams; see [`netstim_numbers`]).
    /// `implementations[i]` is what runs the mechanism `BUILTIN[i]` (itself,
    /// or a checked replacement with the same name and parameters).
    pub fn new(
        cells: &[(Gid, &CellDescription)],
        dt: f64,
        netstim_numbers: &HashMap<Gid, u64>,
        implementations: &[&'static mechanisms::MechanismInfo],
    ) -> Result<Self> {
        let cables: Vec<(Gid, &CableCell)> = cells
            .iter()
            .filter_map(|&(gid, c)| match c {
                CellDescription::Cable(cell) => Some((gid, cell)),
                _ => None,
            })
            .collect();
        let stims: Vec<(Gid, crate::network::NetStimParams)> = cells
            .iter()
            .filter_map(|&(gid, c)| match c {
                CellDescription::NetStim(p) => Some((gid, *p)),
                _ => None,
            })
            .collect();
        // A VecStim sends itself an event for each time in turn, each as
        // `etime - t` after the one before: its spike times are those sums.
        let spike_source_gids: Vec<Gid> =
            cells.iter().filter_map(|&(gid, c)| matches!(c, CellDescription::SpikeSource(_)).then_some(gid)).collect();
        let mut source_spikes: Vec<(f64, Gid)> = Vec::new();
        for &(gid, c) in cells {
            if let CellDescription::SpikeSource(times) = c {
                let mut t = 0.0;
                for &etime in times {
                    t += etime - t;
                    source_spikes.push((t, gid));
                }
            }
        }
        source_spikes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let arts: Vec<(Gid, &crate::network::ArtificialCell)> = cells
            .iter()
            .filter_map(|&(gid, c)| match c {
                CellDescription::Artificial(a) => Some((gid, a)),
                _ => None,
            })
            .collect();

        // Shapes: cells with the same tree of nodes share a block.
        let mut shape_index: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut blocks: Vec<Block> = Vec::new();
        let mut lane_of = Vec::with_capacity(cables.len());
        for (c, (_, cell)) in cables.iter().enumerate() {
            let parent = CellNodes::topology(cell)?;
            let b = match shape_index.get(&parent) {
                Some(&b) => b,
                None => {
                    // Rows from the mechanisms of the shape's first cell.
                    let layout = CellNodes::new(cell)?;
                    let mut mechanisms_at: Vec<Vec<&str>> = vec![Vec::new(); parent.len()];
                    for (sid, section) in cell.sections().iter().enumerate() {
                        for k in 0..section.nseg() {
                            let node = segment_node(&layout, sid, section, k);
                            mechanisms_at[node].extend(section.density_mechanisms().iter().map(|d| d.info.name));
                        }
                    }
                    blocks.push(Block::new(&parent, storage_rows(&mechanisms_at)));
                    shape_index.insert(parent, blocks.len() - 1);
                    blocks.len() - 1
                }
            };
            lane_of.push((b, blocks[b].width));
            blocks[b].cells.push(c);
            blocks[b].width += 1;
        }
        drop(shape_index);
        let mut total = 0;
        for block in blocks.iter_mut() {
            block.base = total;
            total += block.len();
        }

        // The mechanism types of the group: the built-ins (or their
        // replacements) in their order, then those from users' catalogues
        // that the cells use, in order of first use (NEURON sums currents in
        // mechanism-type order, users' types after the built-ins); those that
        // write an ion concentration go first, as NEURON runs them right
        // after the ions in every phase.
        let mut infos: Vec<&'static mechanisms::MechanismInfo> = implementations.to_vec();
        for (_, cell) in &cables {
            let used = cell
                .sections()
                .iter()
                .flat_map(|s| s.density_mechanisms().iter().map(|d| d.info))
                .chain(cell.point_processes().iter().map(|p| p.info));
            for info in used {
                if !infos.iter().any(|i| i.name == info.name) {
                    infos.push(info);
                }
            }
        }
        for (_, art) in &arts {
            if !infos.iter().any(|i| i.name == art.info().name) {
                infos.push(art.info());
            }
        }
        infos.sort_by_key(|info| !info.ions.iter().any(|u| u.writes_concentration()));
        let slot_of = |info: &mechanisms::MechanismInfo| -> usize {
            infos.iter().position(|i| i.name == info.name).expect("every used mechanism has a slot")
        };

        // Pass 1: nodes of every instance, to order them.
        let mut plans: Vec<SlotPlan> = infos.iter().map(|_| SlotPlan::new()).collect();
        let (mut a, mut bcoef, mut cap) = (vec![0.0; total], vec![0.0; total], vec![0.0; total]);
        let mut initial_v = vec![crate::morphology::DEFAULT_INITIAL_V; total];
        let mut group_cells = Vec::with_capacity(cables.len());
        let mut point_areas: Vec<Vec<f64>> = Vec::with_capacity(cables.len());
        // Per cell: the node each of its POINTERs points at.
        let mut pointer_nodes: Vec<Vec<usize>> = Vec::with_capacity(cables.len());
        // Per cell: each node's membrane area, µm² (NMODL's `area`), and
        // each section's first segment node.
        let mut node_areas: Vec<(Vec<f64>, Vec<usize>)> = Vec::with_capacity(cables.len());
        let mut detectors = Detectors::default();
        // Ion variables the user set: (node, name, value, section, cell).
        let mut ion_settings: Vec<(usize, &str, f64, &str, &str)> = Vec::new();
        for (c, (gid, cell)) in cables.iter().enumerate() {
            let (b, lane) = lane_of[c];
            let block = &blocks[b];
            let layout = CellNodes::new(cell)?;
            let (la, lb) = layout.coefficients();
            for k in 0..layout.len() {
                let i = block.node(lane, k);
                a[i] = la[k];
                bcoef[i] = lb[k];
                // NEURON: cfac = 0.001 * cj, cj = 1/dt, times cm.
                cap[i] = 0.001 * (1.0 / dt) * layout.cm[k];
                initial_v[i] = cell.section(layout.section_of[k])?.initial_voltage();
            }
            for (sid, section) in cell.sections().iter().enumerate() {
                for insertion in section.density_mechanisms() {
                    let plan = &mut plans[slot_of(insertion.info)];
                    for k in 0..section.nseg() {
                        plan.add(Some(block.node(lane, segment_node(&layout, sid, section, k))));
                    }
                }
                for (name, values) in section.ion_values() {
                    for k in 0..section.nseg() {
                        let value = values.get(k);
                        if !value.is_nan() {
                            let node = block.node(lane, segment_node(&layout, sid, section, k));
                            ion_settings.push((node, name, value, section.name(), cell.name()));
                        }
                    }
                }
            }
            let mut areas = Vec::with_capacity(cell.point_processes().len());
            for pp in cell.point_processes() {
                let local = layout.node_at(cell, pp.location);
                plans[slot_of(pp.info)].add(Some(block.node(lane, local)));
                areas.push(layout.area[local]);
            }
            point_areas.push(areas);
            node_areas.push((layout.area.clone(), layout.first_segment_node.clone()));
            pointer_nodes.push(
                cell.pointers()
                    .iter()
                    .map(|p| match &p.target {
                        crate::morphology::PointerTarget::Voltage(location)
                        | crate::morphology::PointerTarget::Ion { location, .. }
                        | crate::morphology::PointerTarget::Density { location, .. } => {
                            block.node(lane, layout.node_at(cell, *location))
                        }
                        crate::morphology::PointerTarget::Point { .. } => usize::MAX,
                    })
                    .collect(),
            );
            for _ in cell.netstims() {
                plans[slot_of(&mechanisms::NETSTIM)].add(None);
            }
            if let Some(det) = cell.spike_detector() {
                detectors.gid.push(*gid);
                detectors.node.push(block.node(lane, layout.node_at(cell, det.location)));
                detectors.threshold.push(det.threshold);
                detectors.above.push(false);
            }
            group_cells.push(GroupCell {
                gid: *gid,
                name: cell.name().to_string(),
                block: b,
                lane,
                sections: SectionMap::new(cell, &layout),
                point_targets: Vec::new(),
                own_stims: Vec::new(),
            });
        }
        let netstim_slot = slot_of(&mechanisms::NETSTIM);
        for _ in &stims {
            plans[netstim_slot].add(None);
        }
        for (_, art) in &arts {
            plans[slot_of(art.info())].add(None);
        }
        detectors.crossed = vec![false; detectors.node.len()];
        if detectors.node.windows(2).all(|w| w[1] == w[0] + 1) {
            detectors.contiguous_from = Some(detectors.node.first().copied().unwrap_or(0));
        }
        let instance_nodes: Vec<InstanceNodes> =
            plans.iter_mut().zip(infos.iter()).map(|(plan, info)| plan.plan(info.kind)).collect();
        let node_lists: Vec<Vec<usize>> =
            instance_nodes.iter().zip(&plans).map(|(nodes, plan)| Slot::instance_nodes(nodes, plan.count)).collect();
        let mut ions = group_ions(&infos, &node_lists)?;
        for (node, name, value, section, cell) in ion_settings {
            let target = ions.iter_mut().find_map(|ion| {
                let variable = mechanisms::IonVariable::of(&ion.name, name)?;
                let index = ion.index_of(node)?;
                Some((ion, variable, index))
            });
            let Some((ion, variable, index)) = target else {
                return Err(NeuriteError::NotAnIonVariable {
                    name: name.to_string(),
                    section: section.to_string(),
                    cell: cell.to_string(),
                });
            };
            ion.column_mut(variable)[index] = value;
        }

        // Pass 2: values, written straight to their final place.
        let mut local_routes: Vec<(usize, Vec<LocalRoute>)> = Vec::new();
        // Per slot: each POINTER's target per instance (None: unset).
        let mut pointer_targets: Vec<BTreeMap<&'static str, Vec<Option<PointerPlace>>>> =
            vec![BTreeMap::new(); infos.len()];
        let mut fills: Vec<SlotFill> =
            plans.iter().zip(infos.iter()).map(|(plan, info)| SlotFill::new(info, plan.count)).collect();
        for (c, (gid, cell)) in cables.iter().enumerate() {
            // Default random streams: the cell's NetStims', then its point
            // processes', then its density mechanisms' (see netstim_numbers).
            let first_stream = netstim_numbers.get(gid).copied().unwrap_or(1);
            let mut next_stream = first_stream + (cell.netstims().len() * mechanisms::NETSTIM.randoms.len()) as u64;
            let mut targets = Vec::with_capacity(cell.point_processes().len());
            let mut point_instances: Vec<(usize, usize)> = Vec::with_capacity(cell.point_processes().len());
            // (section, segment, mechanism) -> (slot, instance), for POINTERs.
            let mut density_instances: HashMap<(usize, usize, &str), (usize, usize)> = HashMap::new();
            for (pp, area) in cell.point_processes().iter().zip(&point_areas[c]) {
                let slot = slot_of(pp.info);
                let k = fills[slot].put(&plans[slot], pp.values.iter().copied(), Some(1.0e2 / area), *gid);
                point_instances.push((slot, k));
                let section = cell.section(pp.location.section)?;
                fills[slot].set_geometry(k, section.diam_at(section.segment_index(pp.location.x)), *area);
                fills[slot].default_streams(k, *gid, &mut next_stream)?;
                targets.push(EventTarget { slot: slot as u32, instance: k as u32 });
            }
            let (areas, first_nodes) = &node_areas[c];
            for (sid, section) in cell.sections().iter().enumerate() {
                for insertion in section.density_mechanisms() {
                    let slot = slot_of(insertion.info);
                    for segment in 0..section.nseg() {
                        let k = fills[slot].put(
                            &plans[slot],
                            insertion.values.iter().map(|column| column.get(segment)),
                            None,
                            *gid,
                        );
                        let node = first_nodes[sid] + section.node_of_segment(segment);
                        fills[slot].set_geometry(k, section.diam_at(segment), areas[node]);
                        if !cell.pointers().is_empty() {
                            density_instances.insert((sid, segment, insertion.info.name), (slot, k));
                        }
                        fills[slot].default_streams(k, *gid, &mut next_stream)?;
                    }
                }
            }
            for (j, params) in cell.netstims().iter().enumerate() {
                let slot = slot_of(&mechanisms::NETSTIM);
                let fill = &mut fills[slot];
                let k = fill.put(&plans[slot], netstim_values(params), None, *gid);
                let mut number = first_stream + j as u64;
                fill.default_streams(k, *gid, &mut number)?;
                if let Some(ids) = params.random_ids {
                    fill.setup.random_ids[k] = ids;
                }
                let routes: Vec<LocalRoute> = cell
                    .local_netcons()
                    .iter()
                    .enumerate()
                    .filter(|(_, nc)| nc.source.0 == j)
                    .map(|(index, nc)| LocalRoute {
                        gid: *gid,
                        index: index as u32,
                        target: targets[nc.target.0],
                        weight: nc.weight,
                        weights: NO_WEIGHTS,
                        delay: nc.delay,
                    })
                    .collect();
                local_routes.push((k, routes));
                group_cells[c].own_stims.push(k);
            }
            let density_instance = |location: &crate::morphology::Location, mechanism: &str| {
                let section = cell.section(location.section)?;
                let key = (location.section.index(), section.segment_index(location.x), mechanism);
                density_instances.get(&key).copied().ok_or_else(|| NeuriteError::MechanismNotInserted {
                    mechanism: mechanism.to_string(),
                    section: section.name().to_string(),
                })
            };
            // A mechanism variable as a place; its name as the catalogue's.
            let variable_place = |(slot, instance): (usize, usize), name: &str| {
                let info = infos[slot];
                let variable = info.variables.iter().find(|v| v.name == name).ok_or_else(|| {
                    NeuriteError::UnknownVariable { mechanism: info.name.to_string(), name: name.to_string() }
                })?;
                Ok::<_, NeuriteError>(PointerPlace::Variable { slot, instance, name: variable.name })
            };
            for (setting, &node) in cell.pointers().iter().zip(&pointer_nodes[c]) {
                let (slot, k) = match &setting.owner {
                    crate::morphology::PointerOwner::Point(id) => point_instances[cell.point_index(*id)?],
                    crate::morphology::PointerOwner::Density { location, mechanism } => {
                        density_instance(location, mechanism)?
                    }
                };
                let place = match &setting.target {
                    crate::morphology::PointerTarget::Voltage(_) => PointerPlace::Node(node),
                    crate::morphology::PointerTarget::Ion { location, name } => ions
                        .iter()
                        .enumerate()
                        .find_map(|(ion, store)| {
                            let variable = mechanisms::IonVariable::of(&store.name, name)?;
                            Some(PointerPlace::Ion { ion, variable, index: store.index_of(node)? })
                        })
                        .ok_or_else(|| NeuriteError::NotAnIonVariable {
                            name: name.clone(),
                            section: cell.section(location.section).map(|s| s.name().to_string()).unwrap_or_default(),
                            cell: cell.name().to_string(),
                        })?,
                    crate::morphology::PointerTarget::Density { location, mechanism, name } => {
                        variable_place(density_instance(location, mechanism)?, name)?
                    }
                    crate::morphology::PointerTarget::Point { point_process, name } => {
                        variable_place(point_instances[cell.point_index(*point_process)?], name)?
                    }
                };
                let count = plans[slot].count;
                let column = pointer_targets[slot].entry(setting.name).or_insert_with(|| vec![None; count]);
                column[k] = Some(place);
            }
            group_cells[c].point_targets = targets;
        }
        let mut artificial = Vec::with_capacity(stims.len());
        for (gid, params) in &stims {
            let fill = &mut fills[netstim_slot];
            let k = fill.put(&plans[netstim_slot], netstim_values(params), None, *gid);
            let mut number = netstim_numbers.get(gid).copied().unwrap_or(1);
            fill.default_streams(k, *gid, &mut number)?;
            if let Some(ids) = params.random_ids {
                fill.setup.random_ids[k] = ids;
            }
            artificial.push((*gid, EventTarget { slot: netstim_slot as u32, instance: k as u32 }));
        }
        for (gid, art) in &arts {
            let slot = slot_of(art.info());
            let fill = &mut fills[slot];
            let k = fill.put(&plans[slot], art.parameters().iter().copied(), None, *gid);
            let mut number = netstim_numbers.get(gid).copied().unwrap_or(1);
            fill.default_streams(k, *gid, &mut number)?;
            let count = fill.setup.count;
            for (r, ids) in art.random_ids().iter().enumerate() {
                if let Some(ids) = ids {
                    fill.setup.random_ids[r * count + k] = *ids;
                }
            }
            artificial.push((*gid, EventTarget { slot: slot as u32, instance: k as u32 }));
        }
        let mut routes_by_instance: Vec<Vec<LocalRoute>> = vec![Vec::new(); plans[netstim_slot].count];
        let local_instances: Vec<usize> = local_routes.iter().map(|(k, _)| *k).collect();
        for (k, routes) in local_routes {
            routes_by_instance[k] = routes;
        }
        let mut is_local = vec![false; plans[netstim_slot].count];
        for &k in &local_instances {
            is_local[k] = true;
        }
        drop(plans);
        let mut slots: Vec<Slot> = Vec::with_capacity(infos.len());
        for (((fill, nodes), info), node_list) in
            fills.into_iter().zip(instance_nodes).zip(infos.iter()).zip(&node_lists)
        {
            let area_factor = fill.setup.area_factor.clone();
            let mut mechanism = (info.create)(fill.setup);
            let bindings = ion_bindings(mechanism.as_ref(), &ions, node_list, &area_factor)?;
            if let Some(missing) = bindings.iter().find(|b| mechanism.ion_column(b.name()).is_none()) {
                return Err(NeuriteError::UnknownVariable {
                    mechanism: info.name.to_string(),
                    name: missing.name().to_string(),
                });
            }
            let mut pointers = Vec::with_capacity(info.pointers.len());
            for &name in info.pointers {
                let targets = pointer_targets[slots.len()].remove(name).unwrap_or_else(|| vec![None; node_list.len()]);
                if let Some(k) = targets.iter().position(Option::is_none) {
                    let node = node_list.get(k).copied().unwrap_or(0);
                    let cell = &group_cells[cell_of_node_in(&blocks, node)];
                    let block = &blocks[cell.block];
                    let section = cell.sections.section_of(block.local_of(node));
                    return Err(NeuriteError::PointerNotSet {
                        cell: cell.name.clone(),
                        section: cell.sections.names[section.0].clone(),
                        mechanism: info.name.to_string(),
                        pointer: name.to_string(),
                    });
                }
                pointers.push(PointerBinding::new(name, targets.into_iter().flatten().collect()));
            }
            let (call_points, has_watches) = (mechanism.call_points(), mechanism.has_watches());
            let moves_events = mechanism.moves_events();
            let (count, may_fail) = (mechanism.len(), mechanism.reports_failures());
            // Scratch only where a POINTER has targets other than voltages.
            let scratch = if pointers.iter().any(|p| p.nodes.is_empty()) { count } else { 0 };
            slots.push(Slot {
                mechanism,
                nodes,
                owner: fill.owner,
                ions: bindings,
                pointers,
                pointer_values: vec![0.0; scratch],
                call_points,
                has_watches,
                moves_events,
                count,
                may_fail,
            });
        }
        let mut group = CellGroup {
            cells: group_cells,
            artificial,
            initial_v,
            spike_source_gids,
            source_spikes,
            next_source_spike: 0,
            blocks,
            detectors,
            local_routes: routes_by_instance,
            stim_log_of: vec![None; is_local.len()],
            local_stim: is_local,
            stim_logs: Vec::new(),
            netstim_slot,
            ions,
            v: vec![0.0; total],
            rhs: vec![0.0; total],
            d: vec![0.0; total],
            a,
            b: bcoef,
            cap_factor: cap,
            call_points: slots.iter().flat_map(|slot| slot.call_points.iter().copied()).collect(),
            slots,
            queue: EventQueue::new(),
            outbox: EventOutbox::default(),
            self_event_sequence: 0,
            movable: HashMap::new(),
            cancelled: HashSet::new(),
            pending_watches: Vec::new(),
            netcon_weights: Vec::new(),
            netcon_targets: Vec::new(),
            no_weights: vec![0.0; infos.iter().map(|i| i.weight_count()).max().unwrap_or(1)],
            t: 0.0,
            step_count: 0,
            probes: Vec::new(),
            new_spikes: Vec::new(),
        };
        let mut routes = std::mem::take(&mut group.local_routes);
        for route in routes.iter_mut().flatten() {
            route.weights = group.add_netcon(route.target, route.weight);
        }
        group.local_routes = routes;
        Ok(group)
    }

    /// The weight vector starting at `start` of a NetCon ending on `target`.
    pub fn netcon_weights(&self, target: EventTarget, start: u32) -> &[f64] {
        let count = self.slots[target.slot as usize].mechanism.info().weight_count();
        &self.netcon_weights[start as usize..start as usize + count]
    }

    /// Gives a NetCon ending on `target` its weight vector (`weight`, then
    /// zeros up to the target's NET_RECEIVE arguments); returns where it
    /// starts in the group's store, for the NetCon's events.
    pub fn add_netcon(&mut self, target: EventTarget, weight: f64) -> u32 {
        let count = self.slots[target.slot as usize].mechanism.info().weight_count();
        let start = u32::try_from(self.netcon_weights.len()).expect("fewer than 2^32 NetCon weights in a group");
        self.netcon_weights.push(weight);
        self.netcon_weights.resize(self.netcon_weights.len() + count - 1, 0.0);
        self.netcon_targets.push((target, start));
        start
    }

    /// Sets every node to `v_init` (mV), or to its section's initial voltage
    /// when `None`, and every mechanism to its initial state, as NEURON's
    /// `finitialize`.
    pub fn initialize(&mut self, v_init: Option<f64>, dt: f64, celsius: f64) -> Result<()> {
        self.t = 0.0;
        self.step_count = 0;
        self.queue.clear();
        self.new_spikes.clear();
        for log in self.stim_logs.iter_mut() {
            log.clear();
        }
        self.self_event_sequence = 0;
        self.next_source_spike = 0;
        self.movable.clear();
        self.cancelled.clear();
        self.pending_watches.clear();
        match v_init {
            Some(v) => self.v.fill(v),
            None => self.v.copy_from_slice(&self.initial_v),
        }
        let globals = StepGlobals { t: 0.0, dt, celsius };
        for ion in self.ions.iter_mut() {
            ion.initialize(celsius);
        }
        self.run_call_point(CallPoint::BeforeInitial, &globals);
        for s in 0..self.slots.len() {
            let outbox = &mut self.outbox;
            self.slots[s].load_ions(&self.ions, Phase::Initial);
            load_pointers(&mut self.slots, s, None, &self.v, &self.ions);
            self.slots[s].with_voltages(&self.v, |m, v| m.initialize(v, &globals, outbox));
            store_pointers(&mut self.slots, s, None, &mut self.v, &mut self.ions);
            let slot = &mut self.slots[s];
            slot.store_ions(&mut self.ions, Phase::Initial, celsius);
            if let Some((instance, reason)) = slot.take_failure() {
                return Err(self.mechanism_failure(s, instance, reason));
            }
            self.flush_outbox(s, 0.0, true, NO_WEIGHTS)?;
        }
        self.detectors.above.fill(false);
        // NetCons after the INITIAL blocks, as NEURON's init_net_events.
        for &(target, start) in &self.netcon_targets {
            let mechanism = &mut self.slots[target.slot as usize].mechanism;
            let weights = &mut self.netcon_weights[start as usize..start as usize + mechanism.info().weight_count()];
            mechanism.net_receive_init(target.instance as usize, weights, 0.0);
        }
        self.run_call_point(CallPoint::AfterInitial, &globals);
        // As NEURON, compute currents once so that assigned variables hold
        // their initial values.
        self.assemble_matrix(&globals);
        self.run_call_point(CallPoint::BeforeStep, &globals);
        self.check_failures()?;
        for probe in self.probes.iter_mut() {
            probe.trace.times.clear();
            probe.trace.values.clear();
        }
        self.record();
        Ok(())
    }

    /// Advances `steps` fixed steps of `dt` ms, in NEURON's order.
    /// More than `max_events` deliveries in one step is an event flood.
    pub fn advance(&mut self, steps: u64, dt: f64, celsius: f64, max_events: u64) -> Result<()> {
        for _ in 0..steps {
            self.detect_spikes();
            self.check_watches()?;
            self.deliver_events(self.t + 0.5 * dt, max_events)?;
            self.t += 0.5 * dt;
            let mid = StepGlobals { t: self.t, dt, celsius };
            self.assemble_matrix(&mid);
            // A failure in NET_RECEIVE, a BEFORE BREAKPOINT block or a
            // current (an array index out of range) ends the run here.
            self.check_failures()?;
            self.solve();
            self.update_voltage(&mid)?;
            self.t += 0.5 * dt;
            let end = StepGlobals { t: self.t, dt, celsius };
            for s in 0..self.slots.len() {
                self.slots[s].load_ions(&self.ions, Phase::State);
                load_pointers(&mut self.slots, s, None, &self.v, &self.ions);
                self.slots[s].advance_state(&self.v, &end);
                store_pointers(&mut self.slots, s, None, &mut self.v, &mut self.ions);
                let slot = &mut self.slots[s];
                slot.store_ions(&mut self.ions, Phase::State, celsius);
                if let Some((instance, reason)) = slot.take_failure() {
                    return Err(self.mechanism_failure(s, instance, reason));
                }
            }
            self.run_call_point(CallPoint::AfterSolve, &end);
            self.run_call_point(CallPoint::BeforeStep, &end);
            self.check_failures()?;
            self.step_count += 1;
            self.record();
        }
        Ok(())
    }

    /// WATCH conditions, checked where NEURON checks them (with the
    /// thresholds, at the start of a step); what fires is queued.
    fn check_watches(&mut self) -> Result<()> {
        for s in 0..self.slots.len() {
            if !self.slots[s].has_watches {
                continue;
            }
            let (t, outbox) = (self.t, &mut self.outbox);
            self.slots[s].with_voltages(&self.v, |m, v| m.check_watches(v, t, outbox));
            self.flush_outbox(s, self.t, false, NO_WEIGHTS)?;
        }
        Ok(())
    }

    /// Threshold detection at the start of a step, as NEURON's
    /// `check_thresh`: an upward crossing is a spike at t + 1e-10 ms.
    fn detect_spikes(&mut self) {
        let det = &mut self.detectors;
        let n = det.node.len();
        // A branch-free pass that vectorizes; spikes are rare, so the pass
        // that records them runs only when there is one.
        let mut any_crossing = false;
        let (threshold, above, crossed) = (&det.threshold[..n], &mut det.above[..n], &mut det.crossed[..n]);
        match det.contiguous_from {
            Some(start) => {
                let v = &self.v[start..start + n];
                #[allow(clippy::needless_range_loop)]
                for k in 0..n {
                    let now = v[k] - threshold[k] > 0.0;
                    crossed[k] = now & !above[k];
                    any_crossing |= crossed[k];
                    above[k] = now;
                }
            }
            None => {
                for k in 0..n {
                    let now = self.v[det.node[k]] - threshold[k] > 0.0;
                    crossed[k] = now & !above[k];
                    any_crossing |= crossed[k];
                    above[k] = now;
                }
            }
        }
        if any_crossing {
            for k in (0..n).filter(|&k| det.crossed[k]) {
                self.new_spikes.push(Spike { gid: det.gid[k], time: self.t + THRESHOLD_TIME_OFFSET });
            }
        }
    }

    /// Delivers every event due at or before `until` (ms), including those
    /// that the deliveries themselves send; fails after `max_events`.
    fn deliver_events(&mut self, until: f64, max_events: u64) -> Result<()> {
        // Spike sources: their self events are due as any other's.
        while let Some(&(time, gid)) = self.source_spikes.get(self.next_source_spike)
            && time <= until
        {
            self.new_spikes.push(Spike { gid, time });
            self.next_source_spike += 1;
        }
        let mut delivered = 0u64;
        while let Some(event) = self.queue.pop_due(until) {
            if let Some(sequence) = event.key.self_sequence() {
                if !self.cancelled.is_empty() && self.cancelled.remove(&sequence) {
                    continue; // moved by net_move, or a dropped WATCH event
                }
                self.pending_watches.retain(|&(_, _, pending)| pending != sequence);
            }
            if event.flag == 1.0
                && !self.movable.is_empty()
                && self.movable.get(&(event.target.slot, event.target.instance)).is_some_and(|e| e.key == event.key)
            {
                self.movable.remove(&(event.target.slot, event.target.instance));
            }
            let slot = event.target.slot as usize;
            let instance = event.target.instance as usize;
            delivered += 1;
            if delivered > max_events {
                let mechanism = self.slots[slot].mechanism.info().name;
                return Err(NeuriteError::EventFlood {
                    target: format!("{mechanism} of gid {}", self.slots[slot].owner[instance]),
                    t: self.t,
                    limit: max_events,
                });
            }
            let mechanism = &mut self.slots[slot].mechanism;
            let count = mechanism.info().weight_count();
            let weights = if event.weights == NO_WEIGHTS {
                let zeros = &mut self.no_weights[..count];
                zeros.fill(0.0);
                zeros
            } else {
                &mut self.netcon_weights[event.weights as usize..event.weights as usize + count]
            };
            let node = match &self.slots[slot].nodes {
                InstanceNodes::Contiguous { start } => Some(start + instance),
                InstanceNodes::Scattered { nodes, .. } => Some(nodes[instance]),
                InstanceNodes::Detached => None,
            };
            let before = node.map_or(f64::NAN, |n| self.v[n]);
            let mut v = before;
            load_pointers(&mut self.slots, slot, Some(instance), &self.v, &self.ions);
            let mechanism = &mut self.slots[slot].mechanism;
            mechanism.net_receive(instance, weights, &mut v, event.flag, event.time, &mut self.outbox);
            // The pointers first; then the node's voltage if the block set
            // it (NEURON's `NODEV(node) = v` comes last).
            store_pointers(&mut self.slots, slot, Some(instance), &mut self.v, &mut self.ions);
            if let Some(n) = node
                && v.to_bits() != before.to_bits()
            {
                self.v[n] = v;
            }
            self.flush_outbox(slot, event.time, false, event.weights)?;
        }
        Ok(())
    }

    /// Moves what a mechanism sent into the queue and the spike list.
    /// What was sent was sent at `sent_at` ms (during `finitialize` when
    /// `initializing`): that orders it among events due at the same time.
    /// Self events carry `weights`, the weight vector of the event whose
    /// handling sent them.
    fn flush_outbox(&mut self, slot: usize, sent_at: f64, initializing: bool, weights: u32) -> Result<()> {
        // Re-armed WATCHes first: the events they drop were queued before
        // this call; the WATCH events below come from a later check.
        for &instance in &self.outbox.watch_resets {
            let (cancelled, target) = (&mut self.cancelled, (slot as u32, instance as u32));
            self.pending_watches.retain(|&(s, i, sequence)| {
                let dropped = (s, i) == target;
                if dropped {
                    cancelled.insert(sequence);
                }
                !dropped
            });
        }
        self.outbox.watch_resets.clear();
        for k in 0..self.outbox.watch_events.len() {
            let (time, instance, flag) = self.outbox.watch_events[k];
            let event = self.self_event(slot, instance, time, flag, sent_at, initializing, NO_WEIGHTS);
            self.pending_watches.push((slot as u32, instance as u32, self.self_event_sequence));
            self.queue.push(event);
        }
        self.outbox.watch_events.clear();
        let mut moves = std::mem::take(&mut self.outbox.moves);
        let mut next_move = 0;
        let sends = std::mem::take(&mut self.outbox.self_events);
        for (sent, &(time, instance, flag)) in sends.iter().enumerate() {
            while next_move < moves.len() && moves[next_move].2 <= sent {
                self.move_self_event(slot, moves[next_move].0, moves[next_move].1, sent_at)?;
                next_move += 1;
            }
            let event = self.self_event(slot, instance, time, flag, sent_at, initializing, weights);
            if flag == 1.0 && self.slots[slot].moves_events {
                self.movable.insert((slot as u32, instance as u32), event);
            }
            self.queue.push(event);
        }
        for &(instance, time, _) in &moves[next_move..] {
            self.move_self_event(slot, instance, time, sent_at)?;
        }
        // The buffers go back, emptied, so that no step allocates.
        moves.clear();
        self.outbox.moves = moves;
        let mut sends = sends;
        sends.clear();
        self.outbox.self_events = sends;
        for (instance, time) in self.outbox.spikes.drain(..) {
            if slot == self.netstim_slot && self.local_stim[instance] {
                // A cell's own NetStim: straight to its NetCons, as NEURON's
                // NetCon without gids.
                if let Some(log) = self.stim_log_of[instance] {
                    self.stim_logs[log].push(time);
                }
                for route in &self.local_routes[instance] {
                    self.queue.push(Event {
                        time: time + route.delay,
                        key: EventKey::local_netcon(time, route.gid, route.index),
                        target: route.target,
                        weights: route.weights,
                        flag: 0.0,
                    });
                }
            } else {
                self.new_spikes.push(Spike { gid: self.slots[slot].owner[instance], time });
            }
        }
        Ok(())
    }

    /// A self event of `instance` of `slot` due at `time` (ms), numbered
    /// next in sending order, sent at `sent_at` ms.
    #[allow(clippy::too_many_arguments)]
    fn self_event(
        &mut self,
        slot: usize,
        instance: usize,
        time: f64,
        flag: f64,
        sent_at: f64,
        initializing: bool,
        weights: u32,
    ) -> Event {
        self.self_event_sequence += 1;
        let owner = self.slots[slot].owner[instance];
        Event {
            time,
            key: EventKey::self_event(sent_at, initializing, owner, self.self_event_sequence),
            target: EventTarget { slot: slot as u32, instance: instance as u32 },
            weights,
            flag,
        }
    }

    /// `net_move(time)` of `instance` of `slot` at `now` ms: its pending
    /// self event of flag 1 is delivered at `time` instead, ordered as if
    /// sent now (NEURON's queue takes it out and inserts it again).
    fn move_self_event(&mut self, slot: usize, instance: usize, time: f64, now: f64) -> Result<()> {
        let name = || {
            let m = self.slots[slot].mechanism.info().name;
            format!("{m} of gid {}", self.slots[slot].owner[instance])
        };
        let Some(pending) = self.movable.get(&(slot as u32, instance as u32)).copied() else {
            return Err(NeuriteError::InvalidParameter {
                what: format!("net_move in {} at t = {now} ms", name()),
                value: time,
                reason: "no pending self event with flag 1 to move (NEURON: \"No event with flag=1 for net_move\")",
            });
        };
        if time.is_nan() || time < now {
            return Err(NeuriteError::InvalidParameter {
                what: format!("net_move in {} at t = {now} ms", name()),
                value: time,
                reason: "the new delivery time is before t",
            });
        }
        if let Some(sequence) = pending.key.self_sequence() {
            self.cancelled.insert(sequence);
        }
        self.self_event_sequence += 1;
        let owner = self.slots[slot].owner[instance];
        let moved = Event { time, key: EventKey::self_event(now, false, owner, self.self_event_sequence), ..pending };
        self.movable.insert((slot as u32, instance as u32), moved);
        self.queue.push(moved);
        Ok(())
    }

    /// Queues a NetCon event; fails if it is already too late for it.
    pub fn push_netcon_event(&mut self, event: Event, dt: f64) -> Result<()> {
        if event.time <= self.t - 0.5 * dt {
            let gid = self.slots[event.target.slot as usize].owner[event.target.instance as usize];
            return Err(NeuriteError::InvalidParameter {
                what: format!("event for gid {gid} at t = {} ms (now t = {} ms)", event.time, self.t),
                value: event.time,
                reason: "arrived after its delivery time; the minimum NetCon delay must be at least dt",
            });
        }
        self.queue.push(event);
        Ok(())
    }

    /// Runs the BEFORE/AFTER blocks of `point`, mechanism type by type.
    fn run_call_point(&mut self, point: CallPoint, globals: &StepGlobals) {
        if !self.call_points.contains(&point) {
            return;
        }
        for s in 0..self.slots.len() {
            if !self.slots[s].call_points.contains(&point) {
                continue;
            }
            load_pointers(&mut self.slots, s, None, &self.v, &self.ions);
            self.slots[s].with_voltages(&self.v, |m, v| m.before_after(point, v, globals));
            store_pointers(&mut self.slots, s, None, &mut self.v, &mut self.ions);
        }
    }

    /// NEURON's `setup_tree_matrix`: the same terms, summed in another
    /// order. The capacitance and axial terms come first and *set* each row
    /// (no separate pass to clear the matrix), then the membrane currents and
    /// conductances are added; the sums differ from NEURON's by rounding
    /// only.
    fn assemble_matrix(&mut self, globals: &StepGlobals) {
        self.run_call_point(CallPoint::BeforeBreakpoint, globals);
        self.membrane_currents(globals);
        for block in &self.blocks {
            assemble_block(block, &self.v, &self.a, &self.b, &self.cap_factor, &mut self.rhs, &mut self.d);
        }
    }

    /// `rhs` and `d` hold the membrane currents and conductances alone,
    /// summed from 0 in mechanism order, as NEURON's.
    fn membrane_currents(&mut self, globals: &StepGlobals) {
        self.rhs.fill(0.0);
        self.d.fill(0.0);
        for ion in self.ions.iter_mut() {
            ion.begin_currents(globals.celsius);
        }
        for s in 0..self.slots.len() {
            self.slots[s].load_ions(&self.ions, Phase::Current);
            load_pointers(&mut self.slots, s, None, &self.v, &self.ions);
            self.slots[s].current(&self.v, &mut self.rhs, &mut self.d, globals);
            store_pointers(&mut self.slots, s, None, &mut self.v, &mut self.ions);
            self.slots[s].store_ions(&mut self.ions, Phase::Current, globals.celsius);
        }
    }

    fn solve(&mut self) {
        for block in &self.blocks {
            let tree = InterleavedTree {
                base: block.base,
                width: block.width,
                root: block.root,
                parent: &block.parent,
                order: &block.solve_order,
            };
            hines_solve_interleaved(&tree, &self.a, &self.b, &mut self.d, &mut self.rhs);
        }
    }

    /// v += Δv; if that would make any v non-finite, stops with an error
    /// naming the cell, and the section where the membrane current was
    /// largest (the solve spreads a blow-up over the whole cell).
    fn update_voltage(&mut self, globals: &StepGlobals) -> Result<()> {
        // The new voltages go into `rhs` (which holds Δv) in one pass; the
        // arrays are then swapped, so the old ones survive a failure.
        let mut all_finite = true;
        for (dv, v) in self.rhs.iter_mut().zip(&self.v) {
            *dv += v;
            all_finite &= dv.is_finite();
        }
        if all_finite {
            std::mem::swap(&mut self.v, &mut self.rhs);
            return Ok(());
        }
        let bad = self.rhs.iter().position(|v| !v.is_finite()).unwrap_or(0);
        let value = self.rhs[bad];
        let c = self.cell_of_node(bad);
        // v is still the voltage before the step: recompute the membrane
        // currents alone.
        self.membrane_currents(globals);
        let cell = &self.cells[c];
        let block = &self.blocks[cell.block];
        let (mut node, mut largest) = (0, -1.0);
        for k in 0..block.parent.len() {
            let r = self.rhs[block.node(cell.lane, k)];
            let magnitude = if r.is_finite() { r.abs() } else { f64::INFINITY };
            if magnitude > largest {
                (node, largest) = (k, magnitude);
            }
        }
        let section = cell.sections.section_of(node);
        Err(NeuriteError::NonFiniteVoltage {
            gid: cell.gid,
            section: cell.sections.names[section.0].clone(),
            t: globals.t,
            value,
        })
    }

    /// The first failure any mechanism reported since its last check.
    fn check_failures(&mut self) -> Result<()> {
        for s in 0..self.slots.len() {
            if let Some((instance, reason)) = self.slots[s].take_failure() {
                return Err(self.mechanism_failure(s, instance, reason));
            }
        }
        Ok(())
    }

    /// The error for a failed state update of `instance` of `slot`, naming
    /// the cell and section where the instance sits.
    fn mechanism_failure(&self, slot: usize, instance: usize, reason: &str) -> NeuriteError {
        let s = &self.slots[slot];
        let nodes = Slot::instance_nodes(&s.nodes, s.mechanism.len());
        let (gid, section) = match nodes.get(instance) {
            Some(&node) => {
                let cell = &self.cells[self.cell_of_node(node)];
                let block = &self.blocks[cell.block];
                (cell.gid, cell.sections.names[cell.sections.section_of(block.local_of(node)).0].clone())
            }
            None => (s.owner.get(instance).copied().unwrap_or_default(), String::new()),
        };
        NeuriteError::MechanismFailed {
            mechanism: s.mechanism.info().name.to_string(),
            reason: reason.to_string(),
            gid,
            section,
            t: self.t,
        }
    }

    fn cell_of_node(&self, node: usize) -> usize {
        let block = self.blocks.iter().find(|b| (b.base..b.base + b.len()).contains(&node)).expect("node in a block");
        block.cells[(node - block.base) % block.width]
    }

    fn record(&mut self) {
        for probe in self.probes.iter_mut() {
            if !self.step_count.is_multiple_of(probe.every) {
                continue;
            }
            let value = match &probe.source {
                ProbeSource::Voltage { node } => self.v[*node],
                ProbeSource::Variable { slot, instance, name } => {
                    self.slots[*slot].mechanism.variable(name).map_or(f64::NAN, |values| values[*instance])
                }
                ProbeSource::Ion { ion, index, variable } => self.ions[*ion].column(*variable)[*index],
                ProbeSource::VoltageDifferences { terms } => {
                    let term = |&(from, to, c): &(usize, usize, f64)| c * (self.v[from] - self.v[to]);
                    let mut sums = [0.0; 4];
                    let mut quads = terms.chunks_exact(4);
                    for quad in &mut quads {
                        for (sum, t) in sums.iter_mut().zip(quad) {
                            *sum += term(t);
                        }
                    }
                    for (sum, t) in sums.iter_mut().zip(quads.remainder()) {
                        *sum += term(t);
                    }
                    (sums[0] + sums[1]) + (sums[2] + sums[3])
                }
            };
            probe.trace.times.push(self.t);
            probe.trace.values.push(value);
        }
    }

    /// Samples the probes will record over `steps` more steps.
    pub fn samples_to_record(&self, steps: u64) -> u64 {
        self.probes.iter().map(|p| (steps / p.every).saturating_add(1)).fold(0, u64::saturating_add)
    }

    /// Reserves room for `steps` more samples in every trace, so that
    /// recording does not allocate inside the step loop.
    pub fn reserve_samples(&mut self, steps: u64) {
        for probe in self.probes.iter_mut() {
            // A long run may not fit at once: then the traces grow as they go.
            let extra = usize::try_from(steps / probe.every).unwrap_or(usize::MAX).saturating_add(1);
            let _ = probe.trace.times.try_reserve(extra);
            let _ = probe.trace.values.try_reserve(extra);
        }
    }

    // ---- lookup -----------------------------------------------------------

    fn cell(&self, gid: Gid) -> Result<&GroupCell> {
        self.cells.iter().find(|c| c.gid == gid).ok_or(NeuriteError::UnknownGid { gid })
    }

    fn global_node(&self, cell: &GroupCell, local: usize) -> usize {
        self.blocks[cell.block].node(cell.lane, local)
    }

    fn section_error(cell: &GroupCell, e: NeuriteError) -> NeuriteError {
        match e {
            NeuriteError::UnknownSection { id, .. } => NeuriteError::UnknownSection { cell: cell.name.clone(), id },
            NeuriteError::ForeignId { kind, .. } => {
                NeuriteError::ForeignId { kind, owner: format!("cell `{}` (gid {})", cell.name, cell.gid) }
            }
            other => other,
        }
    }

    /// Node index (in the group) of `location` on cable cell `gid`.
    pub fn node(&self, gid: Gid, location: Location) -> Result<usize> {
        let cell = self.cell(gid)?;
        let local = cell.sections.node(location).map_err(|e| Self::section_error(cell, e))?;
        Ok(self.global_node(cell, local))
    }

    /// Slot and instance of density mechanism `mechanism` in the segment at
    /// `location` of cell `gid`.
    pub fn density_instance(&self, gid: Gid, location: Location, mechanism: &str) -> Result<(usize, usize)> {
        let cell = self.cell(gid)?;
        let local = cell.sections.segment_node(location).map_err(|e| Self::section_error(cell, e))?;
        let Some(slot) = self.slots.iter().position(|s| s.mechanism.info().name == mechanism) else {
            mechanisms::lookup(mechanism)?;
            return Err(NeuriteError::MechanismNotInserted {
                mechanism: mechanism.to_string(),
                section: cell.sections.names[location.section.0].clone(),
            });
        };
        let info = self.slots[slot].mechanism.info();
        let not_inserted = || NeuriteError::MechanismNotInserted {
            mechanism: mechanism.to_string(),
            section: cell.sections.names[location.section.0].clone(),
        };
        if info.kind != MechanismKind::Density {
            return Err(not_inserted());
        }
        let instance = self.slots[slot].instance_at(self.global_node(cell, local)).ok_or_else(not_inserted)?;
        Ok((slot, instance))
    }

    /// The ion variable `name` (`ena`, `cai`, `ica`, ...) in the segment at
    /// `location` of cell `gid`: (ion, index in the ion's arrays, variable).
    pub fn ion_place(
        &self,
        gid: Gid,
        location: Location,
        name: &str,
    ) -> Result<(usize, usize, mechanisms::IonVariable)> {
        let cell = self.cell(gid)?;
        let local = cell.sections.segment_node(location).map_err(|e| Self::section_error(cell, e))?;
        let node = self.global_node(cell, local);
        self.ions
            .iter()
            .enumerate()
            .find_map(|(i, ion)| Some((i, ion.index_of(node)?, mechanisms::IonVariable::of(&ion.name, name)?)))
            .ok_or_else(|| NeuriteError::NotAnIonVariable {
                name: name.to_string(),
                section: cell.sections.names[location.section.0].clone(),
                cell: cell.name.clone(),
            })
    }

    /// Value of an ion variable found with [`CellGroup::ion_place`].
    pub fn ion_value(&self, (ion, index, variable): (usize, usize, mechanisms::IonVariable)) -> f64 {
        self.ions[ion].column(variable)[index]
    }

    /// Sets an ion variable found with [`CellGroup::ion_place`].
    pub fn set_ion_value(&mut self, (ion, index, variable): (usize, usize, mechanisms::IonVariable), value: f64) {
        self.ions[ion].column_mut(variable)[index] = value;
    }

    /// Sets `<ion>i0` or `<ion>o0` of ion `ion` (NEURON's `cai0_ca_ion`),
    /// if the group has the ion; false if the name is neither.
    pub fn set_ion_global(&mut self, ion: &str, name: &str, value: f64) -> bool {
        let inside = name.strip_suffix("i0") == Some(ion);
        let outside = name.strip_suffix("o0") == Some(ion);
        if !inside && !outside {
            return false;
        }
        for store in self.ions.iter_mut().filter(|s| s.name == ion) {
            if inside {
                store.inside0 = value;
            } else {
                store.outside0 = value;
            }
        }
        true
    }

    /// Starts recording the spikes of own NetStim `stim` of cell `gid`;
    /// returns the index of its log in `stim_logs`.
    pub fn record_own_netstim(&mut self, gid: Gid, stim: LocalStimId) -> Result<usize> {
        let cell = self.cell(gid)?;
        if stim.1 != cell.sections.tag {
            return Err(NeuriteError::ForeignId {
                kind: "NetStim",
                owner: format!("cell `{}` (gid {gid})", cell.name),
            });
        }
        let instance = *cell.own_stims.get(stim.0).ok_or(NeuriteError::InvalidParameter {
            what: format!("cell `{}` (gid {gid}) NetStim index", cell.name),
            value: stim.0 as f64,
            reason: "no such NetStim on this cell",
        })?;
        if let Some(log) = self.stim_log_of[instance] {
            return Ok(log);
        }
        self.stim_logs.push(Vec::new());
        self.stim_log_of[instance] = Some(self.stim_logs.len() - 1);
        Ok(self.stim_logs.len() - 1)
    }

    /// Section `name` of cable cell `gid`.
    pub fn section(&self, gid: Gid, name: &str) -> Result<SectionId> {
        let cell = self.cell(gid)?;
        let index = cell.sections.names.iter().position(|n| n == name).ok_or_else(|| {
            NeuriteError::UnknownSectionName { cell: format!("{} (gid {gid})", cell.name), name: name.to_string() }
        })?;
        Ok(SectionId(index, cell.sections.tag))
    }

    /// Slot and instance of point process `id` of cell `gid`.
    pub fn point_instance(&self, gid: Gid, id: PointProcessId) -> Result<(usize, usize)> {
        let cell = self.cell(gid)?;
        if id.1 != cell.sections.tag {
            return Err(NeuriteError::ForeignId {
                kind: "point process",
                owner: format!("cell `{}` (gid {gid})", cell.name),
            });
        }
        let target = cell.point_targets.get(id.0).ok_or(NeuriteError::UnknownPointProcess { gid, id: id.0 })?;
        Ok((target.slot as usize, target.instance as usize))
    }

    /// (slot, instance) of the artificial cell (or NetStim) with gid `gid`.
    pub fn artificial_instance(&self, gid: Gid) -> Result<(usize, usize)> {
        self.artificial
            .iter()
            .find(|(g, _)| *g == gid)
            .map(|(_, t)| (t.slot as usize, t.instance as usize))
            .ok_or(NeuriteError::UnknownGid { gid })
    }

    /// Slots whose mechanism is called `name`.
    pub fn slots_named<'s>(&'s mut self, name: &'s str) -> impl Iterator<Item = &'s mut dyn Mechanism> + 's {
        self.slots
            .iter_mut()
            .filter(move |s| s.mechanism.info().name == name)
            .map(|s| s.mechanism.as_mut() as &mut dyn Mechanism)
    }

    /// The mechanism in slot `slot`.
    pub fn mechanism(&self, slot: usize) -> &dyn Mechanism {
        self.slots[slot].mechanism.as_ref()
    }

    /// Mutable access to the mechanism in slot `slot`.
    pub fn mechanism_mut(&mut self, slot: usize) -> &mut dyn Mechanism {
        self.slots[slot].mechanism.as_mut()
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

    /// Bytes of simulation state held by the group (node arrays, mechanism
    /// storage, maps), for memory reports.
    pub fn state_bytes(&self) -> usize {
        let nodes = 8 * (self.v.len() * 6);
        let slots: usize = self
            .slots
            .iter()
            .map(|s| {
                let vars = s.mechanism.info().variables.len() * s.mechanism.len() * 8;
                let node_index = match &s.nodes {
                    InstanceNodes::Scattered { nodes, .. } => nodes.len() * 32,
                    _ => 0,
                };
                vars + node_index + s.owner.len() * 8
            })
            .sum();
        let cells: usize = self
            .cells
            .iter()
            .map(|c| {
                std::mem::size_of::<GroupCell>()
                    + c.sections.names.iter().map(|n| n.len() + 24).sum::<usize>()
                    + c.sections.nseg.len() * 16
                    + c.point_targets.len() * 8
            })
            .sum();
        let ions: usize = self.ions.iter().map(|i| i.bytes()).sum();
        nodes + slots + cells + ions
    }
}

/// Capacitance and axial terms of one block, in NEURON's order for every
/// node: its membrane terms are already in, then `cm/dt`, its own axial term,
/// and then (later in the loop) those of its children.
/// The ions the mechanisms use (`node_lists[s]`: the node of each instance
/// of `infos[s]`), each at the nodes where a mechanism uses it, with its
/// style there from what those mechanisms do with it.
fn group_ions(infos: &[&'static mechanisms::MechanismInfo], node_lists: &[Vec<usize>]) -> Result<Vec<IonStore>> {
    let mut names: Vec<&str> = Vec::new();
    let mut valences: Vec<Option<f64>> = Vec::new();
    let mut usage: Vec<std::collections::BTreeMap<u32, IonUsage>> = Vec::new();
    for (info, nodes) in infos.iter().zip(node_lists) {
        if nodes.is_empty() {
            continue;
        }
        for ion_use in info.ions {
            let i = match names.iter().position(|n| *n == ion_use.ion) {
                Some(i) => i,
                None => {
                    names.push(ion_use.ion);
                    valences.push(None);
                    usage.push(Default::default());
                    names.len() - 1
                }
            };
            match (valences[i], ion_use.valence) {
                (Some(a), Some(b)) if a != b => {
                    return Err(NeuriteError::InvalidParameter {
                        what: format!("VALENCE of ion `{}` in `{}`", ion_use.ion, info.name),
                        value: b,
                        reason: "another mechanism gives the ion another charge",
                    });
                }
                (None, Some(b)) => valences[i] = Some(b),
                _ => {}
            }
            for &node in nodes {
                usage[i].entry(node as u32).or_default().add(ion_use);
            }
        }
    }
    names
        .iter()
        .zip(valences)
        .zip(usage)
        .map(|((name, valence), usage)| IonStore::new(name, valence, usage.into_iter().collect()))
        .collect()
}

/// The ion variables of one mechanism type, bound to the group's ions.
fn ion_bindings(
    mechanism: &dyn Mechanism,
    ions: &[IonStore],
    nodes: &[usize],
    area_factor: &[f64],
) -> Result<Vec<IonBinding>> {
    let info = mechanism.info();
    let mut bindings = Vec::new();
    if nodes.is_empty() {
        return Ok(bindings);
    }
    for ion_use in info.ions {
        let Some(ion) = ions.iter().position(|i| i.name == ion_use.ion) else { continue };
        let mut names: Vec<&'static str> = ion_use.read.iter().chain(ion_use.write.iter()).copied().collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let kept = mechanism.keeps_ion_copy(name);
            let binding =
                IonBinding::new(ion, &ions[ion], ion_use, name, nodes, area_factor, kept).ok_or_else(|| {
                    NeuriteError::UnknownVariable { mechanism: info.name.to_string(), name: name.to_string() }
                })?;
            bindings.push(binding);
        }
    }
    Ok(bindings)
}

/// NEURON's `setup_tree_matrix` after the membrane currents (already in
/// `rhs` and `d`), in NEURON's order so that the sums round as NEURON's do:
/// each row gets the capacitance (`d`), then its own axial term, then those
/// of its children in node order (children follow their parent, so one
/// pass in node order adds them in that order).
/// The children of each node of a tree (`parent[k] < k`) in increasing
/// order, as a flat list and each node's start in it (one more entry than
/// nodes).
fn children_in_order(parent: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut count = vec![0usize; parent.len() + 1];
    for &p in &parent[1.min(parent.len())..] {
        count[p + 1] += 1;
    }
    for k in 1..count.len() {
        count[k] += count[k - 1];
    }
    let mut next = count.clone();
    let mut children = vec![0; parent.len().saturating_sub(1)];
    for (k, &p) in parent.iter().enumerate().skip(1) {
        children[next[p]] = k;
        next[p] += 1;
    }
    (children, count)
}

fn assemble_block(block: &Block, v: &[f64], a: &[f64], b: &[f64], cap: &[f64], rhs: &mut [f64], d: &mut [f64]) {
    if block.width == 1 {
        assemble_single(block, v, a, b, cap, rhs, d)
    } else {
        assemble_interleaved(block, v, a, b, cap, rhs, d)
    }
}

/// [`assemble_block`] node by node in NEURON's order, every lane at once.
fn assemble_interleaved(block: &Block, v: &[f64], a: &[f64], b: &[f64], cap: &[f64], rhs: &mut [f64], d: &mut [f64]) {
    let w = block.width;
    let root = block.base + block.root * w..block.base + (block.root + 1) * w;
    for (di, c) in d[root.clone()].iter_mut().zip(&cap[root]) {
        *di += c;
    }
    // The rows of local nodes 1.. in NEURON's order.
    for &r in &block.row[1..] {
        let row = block.base + r * w;
        let prow = block.base + block.parent[r] * w;
        // Both rows borrowed at once, so the loop runs over plain slices.
        let (ri, rp) = crate::solver::row_and_parent(rhs, row, prow, w);
        let (di, dp) = crate::solver::row_and_parent(d, row, prow, w);
        let (vp, vi) = (&v[prow..prow + w], &v[row..row + w]);
        assemble_row(vp, vi, rp, ri, dp, di, &a[row..row + w], &b[row..row + w], &cap[row..row + w]);
    }
}

/// [`assemble_block`] for a block of one cell, row by row: each row's
/// terms in the order the node-by-node pass adds them (its capacitance,
/// its own axial term, then each child's, children in increasing order),
/// so the same bits; but no row waits for the one before it to be stored,
/// as the node-by-node pass does along every section (a chain of store
/// and reload per node that made this pass a third as long as the solve).
fn assemble_single(block: &Block, v: &[f64], a: &[f64], b: &[f64], cap: &[f64], rhs: &mut [f64], d: &mut [f64]) {
    let n = block.parent.len();
    let base = block.base;
    let (v, a, b, cap) = (&v[base..base + n], &a[base..base + n], &b[base..base + n], &cap[base..base + n]);
    let (rhs, d) = (&mut rhs[base..base + n], &mut d[base..base + n]);
    for &(start, end) in &block.chain_runs {
        // Rows start..end with parents start-1.. and children start+1..:
        // the same operations as the loop below, a vector of rows at a time.
        let (start, end) = (start as usize, end as usize);
        let len = end - start;
        let (vp, vk, vc) = (&v[start - 1..end - 1], &v[start..end], &v[start + 1..end + 1]);
        let (bk, ac, ck) = (&b[start..end], &a[start + 1..end + 1], &cap[start..end]);
        let (rk, dk) = (&mut rhs[start..end], &mut d[start..end]);
        for i in 0..len {
            (rk[i], dk[i]) = section_row(rk[i], dk[i], ck[i], bk[i], vp[i], vk[i], ac[i], vc[i]);
        }
    }
    for &[k, p, c] in &block.chain_rows {
        let (k, p, c) = (k as usize, p as usize, c as usize);
        (rhs[k], d[k]) = section_row(rhs[k], d[k], cap[k], b[k], v[p], v[k], a[c], v[c]);
    }
    for &k in &block.branch_rows {
        let k = k as usize;
        let (mut r, mut dk) = (rhs[k], d[k] + cap[k]);
        if k != block.root {
            let dv = v[block.parent[k]] - v[k];
            r -= b[k] * dv;
            dk -= b[k];
        }
        for &c in &block.children[block.child_start[k]..block.child_start[k + 1]] {
            r += a[c] * (v[k] - v[c]);
            dk -= a[c];
        }
        rhs[k] = r;
        d[k] = dk;
    }
}

/// A row inside a section (one parent, one child): its `rhs` and `d` with
/// its capacitance `cap`, its own axial term (`b`, its voltage `vk` and its
/// parent's `vp`) and its child's (`a_child`, `vc`) added in the order of
/// the node-by-node pass.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn section_row(rhs: f64, d: f64, cap: f64, b: f64, vp: f64, vk: f64, a_child: f64, vc: f64) -> (f64, f64) {
    (rhs - b * (vp - vk) + a_child * (vk - vc), d + cap - b - a_child)
}

/// One node row of every lane: adds row `i`'s axial term to it and to the
/// parent row `p`. The rows are separate slices (function arguments never
/// alias), so the loop vectorizes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn assemble_row(
    vp: &[f64],
    vi: &[f64],
    rp: &mut [f64],
    ri: &mut [f64],
    dp: &mut [f64],
    di: &mut [f64],
    a: &[f64],
    b: &[f64],
    cap: &[f64],
) {
    let w = vi.len();
    let (vp, rp, ri, dp, di, a, b, cap) =
        (&vp[..w], &mut rp[..w], &mut ri[..w], &mut dp[..w], &mut di[..w], &a[..w], &b[..w], &cap[..w]);
    for c in 0..w {
        let dv = vp[c] - vi[c];
        ri[c] -= b[c] * dv;
        rp[c] += a[c] * dv;
        // The capacitance before the axial terms, as NEURON's separate
        // passes add them: no child of this row has been added yet.
        di[c] = (di[c] + cap[c]) - b[c];
        dp[c] -= a[c];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lone cell's row-by-row assembly gives the node-by-node pass's bits
    /// on branched trees, and both give the same bits to each node whatever
    /// its storage row.
    #[test]
    fn single_cell_assembly_equals_the_node_by_node_pass_in_any_rows() {
        let mut state = 12345u64;
        let mut uniform = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [1, 2, 7, 40, 200] {
            let mut parent = vec![usize::MAX; n];
            for (k, p) in parent.iter_mut().enumerate().skip(1) {
                // Mostly unbranched sections, with branch points.
                *p = if uniform() < 0.8 { k - 1 } else { (uniform() * k as f64) as usize };
            }
            // Rows in NEURON's order, and shuffled.
            let mut shuffled: Vec<usize> = (0..n).collect();
            for k in (1..n).rev() {
                shuffled.swap(k, (uniform() * (k + 1) as f64) as usize);
            }
            let mut fill = |lo: f64, hi: f64| (0..n).map(|_| lo + (hi - lo) * uniform()).collect::<Vec<_>>();
            let (v, a, b, cap) = (fill(-80.0, 40.0), fill(-2.0, -0.1), fill(-2.0, -0.1), fill(10.0, 50.0));
            let (rhs, d) = (fill(-1.0, 1.0), fill(0.0, 1.0));
            let mut results = Vec::new();
            for (in_order, rows) in [(true, (0..n).collect::<Vec<_>>()), (false, shuffled)] {
                let mut block = Block::new(&parent, rows);
                (block.base, block.width) = (3, 1);
                // Sections stored in order are assembled as runs of rows.
                assert!(!in_order || n < 40 || block.chain_runs.iter().map(|(s, e)| e - s).sum::<u32>() > n as u32 / 2);
                // Each node's values at its row, after 3 unused entries.
                let stored = |x: &[f64]| {
                    let mut out = vec![0.5; n + 3];
                    for k in 0..n {
                        out[block.node(0, k)] = x[k];
                    }
                    out
                };
                let (v, a, b, cap) = (stored(&v), stored(&a), stored(&b), stored(&cap));
                let (mut rhs1, mut d1) = (stored(&rhs), stored(&d));
                assemble_single(&block, &v, &a, &b, &cap, &mut rhs1, &mut d1);
                let (mut rhs2, mut d2) = (stored(&rhs), stored(&d));
                assemble_interleaved(&block, &v, &a, &b, &cap, &mut rhs2, &mut d2);
                let by_node = |x: &[f64]| (0..n).map(|k| x[block.node(0, k)].to_bits()).collect::<Vec<_>>();
                assert_eq!(by_node(&rhs1), by_node(&rhs2), "rhs of {n} nodes");
                assert_eq!(by_node(&d1), by_node(&d2), "d of {n} nodes");
                results.push((by_node(&rhs1), by_node(&d1)));
            }
            assert_eq!(results[0], results[1], "{n} nodes: shuffled rows");
        }
    }
}
