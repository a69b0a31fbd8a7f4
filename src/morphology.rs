//! Cable cells as users describe them: sections (L, diam, nseg, Ra, cm),
//! their connections, optional 3-D points, inserted mechanisms and point
//! processes. Nothing here runs; `discretization` turns a cell into nodes.

use crate::error::{NeuriteError, Result};
use crate::mechanisms::{self, MechanismInfo, MechanismKind};

/// A section of a cell: its index and the cell it belongs to, so that an id
/// given to another cell is an error instead of another section. Ids stay
/// valid in clones of their cell (same sections); ids are made only by the
/// cell ([`CableCell::add_section`], [`CableCell::find_section`],
/// `Simulation::section`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId(pub(crate) usize, pub(crate) CellTag);

/// A point process of a cell: its index and the cell it belongs to (see
/// [`SectionId`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointProcessId(pub(crate) usize, pub(crate) CellTag);

/// Which cell description (and its clones) an id belongs to.
pub(crate) type CellTag = u64;

/// A tag no other cell of this process has. (A counter, not state: it only
/// tells cells apart.)
fn new_cell_tag() -> CellTag {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl SectionId {
    /// Index of the section in its cell (creation order).
    pub fn index(&self) -> usize {
        self.0
    }
}

impl PointProcessId {
    /// Index of the point process in its cell (creation order).
    pub fn index(&self) -> usize {
        self.0
    }
}

/// A place on a cell: a section and a relative position `x` in [0, 1] along it
/// (0 is the end connected to the parent), as NEURON's `sec(x)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// The section.
    pub section: SectionId,
    /// Relative position along the section, 0..=1.
    pub x: f64,
}

impl Location {
    /// `section(x)`.
    pub fn new(section: SectionId, x: f64) -> Self {
        Location { section, x }
    }
}

/// A 3-D point of a section's centre line, stored in single precision as
/// NEURON stores them (µm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pt3d {
    /// x, µm.
    pub x: f32,
    /// y, µm.
    pub y: f32,
    /// z, µm.
    pub z: f32,
    /// Diameter, µm.
    pub diam: f32,
    /// Path length from the first point, µm.
    pub arc: f64,
}

/// Initial geometry of a new section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionGeometry {
    /// Length L, µm.
    pub length: f64,
    /// Diameter, µm.
    pub diam: f64,
    /// Number of segments.
    pub nseg: usize,
}

/// Values of a range variable, one per segment, stored once while they are
/// all equal (the common case: a million compartments of one dendrite type
/// then cost nothing per segment in the description).
#[derive(Debug, Clone, PartialEq)]
pub enum PerSegment {
    /// The same value in all `nseg` segments.
    Uniform {
        /// The value.
        value: f64,
        /// Number of segments.
        nseg: usize,
    },
    /// One value per segment.
    Varying(Vec<f64>),
}

impl PerSegment {
    /// `value` in each of `nseg` segments.
    pub fn uniform(value: f64, nseg: usize) -> Self {
        PerSegment::Uniform { value, nseg }
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        match self {
            PerSegment::Uniform { nseg, .. } => *nseg,
            PerSegment::Varying(values) => values.len(),
        }
    }

    /// Whether there are no segments.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value in segment `k`, if there is such a segment.
    pub fn value(&self, k: usize) -> Option<f64> {
        (k < self.len()).then(|| self.get(k))
    }

    /// Value in segment `k` (which must exist).
    pub(crate) fn get(&self, k: usize) -> f64 {
        match self {
            PerSegment::Uniform { value, .. } => *value,
            PerSegment::Varying(values) => values[k],
        }
    }

    /// Sets every segment to `value`.
    pub(crate) fn set_all(&mut self, value: f64) {
        *self = PerSegment::uniform(value, self.len());
    }

    /// Sets segment `k` (which must exist) to `value`.
    pub(crate) fn set(&mut self, k: usize, value: f64) {
        if let PerSegment::Uniform { value: old, nseg } = *self {
            if old == value {
                return;
            }
            *self = PerSegment::Varying(vec![old; nseg]);
        }
        if let PerSegment::Varying(values) = self {
            values[k] = value;
        }
    }

    /// The values for `nseg` segments, each new segment taking the value of
    /// the old segment containing its centre (as NEURON does).
    pub(crate) fn resample(&self, nseg: usize) -> Self {
        match self {
            PerSegment::Uniform { value, .. } => PerSegment::uniform(*value, nseg),
            PerSegment::Varying(values) => PerSegment::Varying(resample(values, nseg)),
        }
    }
}

/// A density mechanism inserted in a section, with a value per segment for
/// each parameter.
#[derive(Debug, Clone)]
pub struct DensityInsertion {
    /// The mechanism type.
    pub info: &'static MechanismInfo,
    /// Per parameter (catalogue order), the value in each segment.
    pub values: Vec<PerSegment>,
}

/// NEURON's voltage of a new section, mV.
pub const DEFAULT_INITIAL_V: f64 = -65.0;

/// An unbranched cable: NEURON's section.
#[derive(Debug, Clone)]
pub struct Section {
    name: String,
    length: f64,
    nseg: usize,
    ra: f64,
    diam: PerSegment,
    cm: PerSegment,
    parent: Option<(SectionId, f64)>,
    /// Connected to its parent by its 1 end (NEURON's orientation 1): its
    /// nodes are laid out from x = 1.
    reversed: bool,
    pt3d: Vec<Pt3d>,
    density: Vec<DensityInsertion>,
    /// Ion variables set by the user (`sec.ena = 60`), by NMODL name, per
    /// segment (NaN where not set): applied over NEURON's defaults.
    ion_values: Vec<(String, PerSegment)>,
    /// v (mV) its nodes start from in a `finitialize` that keeps the cells'
    /// voltages (NEURON's `sec.v = ...` before `finitialize()`).
    initial_v: f64,
}

impl Section {
    /// Name given at creation.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The voltage (mV) its nodes start from in
    /// [`crate::Simulation::finitialize_at_initial_voltages`].
    pub fn initial_voltage(&self) -> f64 {
        self.initial_v
    }
    /// Length L, µm (the path length of the 3-D points when there are any).
    pub fn length(&self) -> f64 {
        self.length
    }
    /// Number of segments.
    pub fn nseg(&self) -> usize {
        self.nseg
    }
    /// Axial resistivity Ra, Ω·cm.
    pub fn ra(&self) -> f64 {
        self.ra
    }
    /// Diameter of segment `k`, µm (as set; with 3-D points the electrical
    /// diameters come from the points, see [`Section::electrics`]).
    pub fn diam_at(&self, k: usize) -> f64 {
        self.diam.get(k)
    }
    /// Specific membrane capacitance of segment `k`, µF/cm².
    pub fn cm_at(&self, k: usize) -> f64 {
        self.cm.get(k)
    }
    /// Parent section and the position on it this section attaches to.
    pub fn parent(&self) -> Option<(SectionId, f64)> {
        self.parent
    }
    /// The end of this section that is connected to its parent, 0 or 1
    /// (NEURON's `section_orientation`).
    pub fn orientation(&self) -> f64 {
        if self.reversed { 1.0 } else { 0.0 }
    }
    /// Node-order index (counted from the parent end) of segment `k`.
    pub fn node_of_segment(&self, k: usize) -> usize {
        if self.reversed { self.nseg - 1 - k } else { k }
    }
    /// Where `x` is in the section's node layout.
    pub fn node_place(&self, x: f64) -> crate::discretization::NodePlace {
        crate::discretization::NodePlace::of(x, self.nseg, self.reversed)
    }
    /// 3-D points (empty when the section is described by L and diam).
    pub fn pt3d(&self) -> &[Pt3d] {
        &self.pt3d
    }
    /// Ion variables the user set here (`ena`, `cai`, ...): per segment,
    /// NaN where not set.
    pub fn ion_values(&self) -> &[(String, PerSegment)] {
        &self.ion_values
    }

    /// Density mechanisms inserted, in order of insertion.
    pub fn density_mechanisms(&self) -> &[DensityInsertion] {
        &self.density
    }
    /// The segment that contains `x`, as NEURON's `node_index`.
    pub fn segment_index(&self, x: f64) -> usize {
        let n = self.nseg as f64;
        let i = (n * x) as usize;
        i.min(self.nseg - 1)
    }
}

/// A point process placed on a cell.
#[derive(Debug, Clone)]
pub struct PointProcess {
    /// The mechanism type.
    pub info: &'static MechanismInfo,
    /// Where it sits.
    pub location: Location,
    /// Parameter values in catalogue order.
    pub values: Vec<f64>,
}

/// NEURON's default NetCon threshold, mV.
pub const DEFAULT_THRESHOLD: f64 = 10.0;

/// Threshold spike detector (NEURON's `NetCon(sec(x)._ref_v, None)` given to
/// `ParallelContext.cell`): a spike whenever v rises above `threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeDetector {
    /// Where v is watched.
    pub location: Location,
    /// Threshold, mV.
    pub threshold: f64,
}

/// Index of a NetStim that belongs to a cell (see [`CableCell::add_netstim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalStimId(pub(crate) usize, pub(crate) CellTag);

/// A NetCon from one of a cell's own NetStims to one of its point processes
/// (NEURON's `NetCon(netstim, synapse)` without gids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalNetCon {
    /// The NetStim.
    pub source: LocalStimId,
    /// The receiving point process.
    pub target: PointProcessId,
    /// Weight (µS for conductance synapses).
    pub weight: f64,
    /// Delay, ms (any value >= 0: these events never cross ranks).
    pub delay: f64,
}

/// What a mechanism's POINTER points to (NEURON's `h.setpointer(target,
/// name, mechanism)`), on the same cell. The mechanism reads the target
/// before each of its blocks and writes back what it assigned after it.
#[derive(Debug, Clone, PartialEq)]
pub enum PointerTarget {
    /// The membrane potential at a location, mV (`sec(x)._ref_v`).
    Voltage(Location),
    /// An ion variable of the segment at a location: `cai`, `nao`, `ena`,
    /// `ica`, ... (`sec(x)._ref_cai`); a mechanism of the segment must use
    /// the ion.
    Ion {
        /// The segment.
        location: Location,
        /// The variable's NMODL name.
        name: String,
    },
    /// Variable `name` of density mechanism `mechanism` in the segment at a
    /// location (`sec(x).hh._ref_m`).
    Density {
        /// The segment.
        location: Location,
        /// The mechanism.
        mechanism: String,
        /// The variable.
        name: String,
    },
    /// Variable `name` of a point process (`syn._ref_g`).
    Point {
        /// The point process.
        point_process: PointProcessId,
        /// The variable.
        name: String,
    },
}

/// Whose POINTER is set: a point process, or a density mechanism at the
/// segment of a location.
#[derive(Debug, Clone, PartialEq)]
pub enum PointerOwner {
    /// A point process of the cell.
    Point(PointProcessId),
    /// Density mechanism `mechanism` in the segment at `location`.
    Density {
        /// The segment.
        location: Location,
        /// The mechanism's name.
        mechanism: String,
    },
}

/// A POINTER set on the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct PointerSetting {
    /// Whose pointer.
    pub owner: PointerOwner,
    /// The POINTER's name.
    pub name: &'static str,
    /// What it points to.
    pub target: PointerTarget,
}

/// A cell made of sections, the description of one multi-compartment neuron.
#[derive(Debug, Clone)]
pub struct CableCell {
    name: String,
    sections: Vec<Section>,
    point_processes: Vec<PointProcess>,
    detector: Option<SpikeDetector>,
    netstims: Vec<crate::network::NetStimParams>,
    local_netcons: Vec<LocalNetCon>,
    pointers: Vec<PointerSetting>,
    tag: CellTag,
}

fn check_positive(section: &str, parameter: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(NeuriteError::InvalidSectionValue { section: section.to_string(), parameter, value })
    }
}

pub(crate) fn kind_name(kind: MechanismKind) -> &'static str {
    match kind {
        MechanismKind::Density => "density",
        MechanismKind::Point => "point-process",
        MechanismKind::Artificial => "artificial-cell",
    }
}

/// Resamples per-segment values for a new nseg, each new segment taking the
/// value of the old segment that contains its centre (as NEURON does).
fn resample(values: &[f64], nseg: usize) -> Vec<f64> {
    let old = values.len();
    (0..nseg)
        .map(|i| {
            let x = (i as f64 + 0.5) / nseg as f64;
            values[((old as f64 * x) as usize).min(old - 1)]
        })
        .collect()
}

impl CableCell {
    /// An empty cell called `name` (used in error messages).
    pub fn new(name: impl Into<String>) -> Self {
        CableCell {
            name: name.into(),
            sections: Vec::new(),
            point_processes: Vec::new(),
            detector: None,
            netstims: Vec::new(),
            local_netcons: Vec::new(),
            pointers: Vec::new(),
            tag: new_cell_tag(),
        }
    }

    /// The tag its ids carry.
    pub(crate) fn tag(&self) -> CellTag {
        self.tag
    }

    fn foreign(&self, kind: &'static str) -> NeuriteError {
        NeuriteError::ForeignId { kind, owner: format!("cell `{}`", self.name) }
    }

    /// Index of point process `id`, checked to be of this cell.
    pub(crate) fn point_index(&self, id: PointProcessId) -> Result<usize> {
        if id.1 != self.tag {
            return Err(self.foreign("point process"));
        }
        if id.0 >= self.point_processes.len() {
            return Err(NeuriteError::UnknownPointProcessInCell { cell: self.name.clone(), id: id.0 });
        }
        Ok(id.0)
    }

    /// The cell's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All sections, indexed by `SectionId`.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// All point processes, indexed by `PointProcessId`.
    pub fn point_processes(&self) -> &[PointProcess] {
        &self.point_processes
    }

    /// Ids of the point processes, in creation order.
    pub fn point_process_ids(&self) -> impl Iterator<Item = PointProcessId> + '_ {
        (0..self.point_processes.len()).map(|i| PointProcessId(i, self.tag))
    }

    /// Ids of the sections, in creation order.
    pub fn section_ids(&self) -> impl Iterator<Item = SectionId> + '_ {
        (0..self.sections.len()).map(|i| SectionId(i, self.tag))
    }

    /// The spike detector, if any.
    pub fn spike_detector(&self) -> Option<SpikeDetector> {
        self.detector
    }

    /// The section with id `id`.
    pub fn section(&self, id: SectionId) -> Result<&Section> {
        if id.1 != self.tag {
            return Err(self.foreign("section"));
        }
        self.sections.get(id.0).ok_or_else(|| NeuriteError::UnknownSection { cell: self.name.clone(), id: id.0 })
    }

    fn section_mut(&mut self, id: SectionId) -> Result<&mut Section> {
        if id.1 != self.tag {
            return Err(self.foreign("section"));
        }
        let cell = self.name.clone();
        self.sections.get_mut(id.0).ok_or(NeuriteError::UnknownSection { cell, id: id.0 })
    }

    /// Looks a section up by name.
    pub fn find_section(&self, name: &str) -> Option<SectionId> {
        self.sections.iter().position(|s| s.name == name).map(|i| SectionId(i, self.tag))
    }

    /// Adds a section with NEURON's defaults Ra = 35.4 Ω·cm, cm = 1 µF/cm².
    pub fn add_section(&mut self, name: impl Into<String>, geometry: SectionGeometry) -> Result<SectionId> {
        let name = name.into();
        if !(1..=crate::limits::MAX_NSEG).contains(&geometry.nseg) {
            return Err(NeuriteError::InvalidNseg { section: name, nseg: geometry.nseg });
        }
        check_positive(&name, "L", geometry.length)?;
        check_positive(&name, "diam", geometry.diam)?;
        self.sections.push(Section {
            name,
            length: geometry.length,
            nseg: geometry.nseg,
            ra: 35.4,
            diam: PerSegment::uniform(geometry.diam, geometry.nseg),
            cm: PerSegment::uniform(1.0, geometry.nseg),
            parent: None,
            reversed: false,
            pt3d: Vec::new(),
            density: Vec::new(),
            ion_values: Vec::new(),
            initial_v: DEFAULT_INITIAL_V,
        });
        Ok(SectionId(self.sections.len() - 1, self.tag))
    }

    /// Sets L (µm). With 3-D points, the points are scaled along the section
    /// as NEURON does.
    pub fn set_length(&mut self, id: SectionId, length: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        check_positive(&section.name, "L", length)?;
        if section.pt3d.len() > 1 {
            check_positive(&section.name, "3-D path length", section.pt3d.last().map_or(0.0, |p| p.arc))?;
            let first = section.pt3d[0];
            let factor = length / section.pt3d.last().map_or(1.0, |p| p.arc);
            for p in section.pt3d.iter_mut() {
                p.arc *= factor;
                p.x = (f64::from(first.x) + (f64::from(p.x) - f64::from(first.x)) * factor) as f32;
                p.y = (f64::from(first.y) + (f64::from(p.y) - f64::from(first.y)) * factor) as f32;
                p.z = (f64::from(first.z) + (f64::from(p.z) - f64::from(first.z)) * factor) as f32;
            }
        }
        section.length = length;
        Ok(())
    }

    /// Sets the diameter (µm) of every segment. With 3-D points, every point
    /// takes this diameter.
    pub fn set_diam(&mut self, id: SectionId, diam: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        check_positive(&section.name, "diam", diam)?;
        section.diam.set_all(diam);
        for p in section.pt3d.iter_mut() {
            p.diam = diam as f32;
        }
        Ok(())
    }

    /// Sets the number of segments (1 to 32767, as NEURON). Per-segment
    /// values are resampled (new segment j takes old segment
    /// floor(n_old (j + 0.5) / n_new)). Point processes and the spike
    /// detector move as in NEURON, which keeps the node, not the x it was
    /// given: an interior one goes to the centre of the new segment that
    /// contains its old segment's centre (a tie goes up when segments are
    /// added, down when they are removed); x = 0 and 1 stay. When segments
    /// are removed, a detector whose old segment is not kept is deleted, as
    /// NEURON deletes its PreSyn.
    pub fn set_nseg(&mut self, id: SectionId, nseg: usize) -> Result<()> {
        let section = self.section_mut(id)?;
        if !(1..=crate::limits::MAX_NSEG).contains(&nseg) {
            return Err(NeuriteError::InvalidNseg { section: section.name.clone(), nseg });
        }
        let old = section.nseg;
        if old == nseg {
            return Ok(());
        }
        section.diam = section.diam.resample(nseg);
        section.cm = section.cm.resample(nseg);
        for insertion in section.density.iter_mut() {
            for column in insertion.values.iter_mut() {
                *column = column.resample(nseg);
            }
        }
        for (_, column) in section.ion_values.iter_mut() {
            *column = column.resample(nseg);
        }
        section.nseg = nseg;
        let reversed = section.reversed;
        for pp in self.point_processes.iter_mut().filter(|p| p.location.section == id) {
            pp.location.x = relocated_x(pp.location.x, old, nseg, reversed);
        }
        if let Some(detector) = self.detector.as_mut().filter(|d| d.location.section == id) {
            let x = detector.location.x;
            let node = node_order(segment_of(x, old), old, reversed);
            if x > 0.0 && x < 1.0 && nseg < old && !node_survives(node, old, nseg) {
                self.detector = None;
            } else {
                detector.location.x = relocated_x(x, old, nseg, reversed);
            }
        }
        Ok(())
    }

    /// Sets diam (µm) of the segment at `location` only (`sec(x).diam =
    /// value`), for sections without 3-D points.
    pub fn set_diam_at(&mut self, location: Location, diam: f64) -> Result<()> {
        let segment = self.segment_at(location)?;
        let section = self.section_mut(location.section)?;
        check_positive(&section.name, "diam", diam)?;
        if !section.pt3d.is_empty() {
            return Err(NeuriteError::InvalidParameter {
                what: format!("section `{}`: diam of one segment", section.name),
                value: diam,
                reason: "the section has 3-D points, whose diameters define it: change the points instead",
            });
        }
        section.diam.set(segment, diam);
        Ok(())
    }

    /// Sets cm (µF/cm²) of the segment at `location` only (`sec(x).cm =
    /// value`).
    pub fn set_cm_at(&mut self, location: Location, cm: f64) -> Result<()> {
        let segment = self.segment_at(location)?;
        let section = self.section_mut(location.section)?;
        check_positive(&section.name, "cm", cm)?;
        section.cm.set(segment, cm);
        Ok(())
    }

    /// Sets the axial resistivity Ra (Ω·cm).
    pub fn set_ra(&mut self, id: SectionId, ra: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        check_positive(&section.name, "Ra", ra)?;
        section.ra = ra;
        Ok(())
    }

    /// Sets the voltage (mV) the section's nodes start from in
    /// [`crate::Simulation::finitialize_at_initial_voltages`], as NEURON's
    /// `sec.v = value` before `finitialize()` (-65 mV unless set).
    pub fn set_initial_voltage(&mut self, id: SectionId, v: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        if !v.is_finite() {
            return Err(NeuriteError::InvalidSectionValue { section: section.name.clone(), parameter: "v", value: v });
        }
        section.initial_v = v;
        Ok(())
    }

    /// Sets the specific membrane capacitance (µF/cm²) of every segment.
    pub fn set_cm(&mut self, id: SectionId, cm: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        check_positive(&section.name, "cm", cm)?;
        section.cm.set_all(cm);
        Ok(())
    }

    /// Connects the 0 end of `child` to position `x` of `parent`, as
    /// `child.connect(parent(x))`.
    pub fn connect(&mut self, child: SectionId, parent: SectionId, x: f64) -> Result<()> {
        self.connect_end(child, 0.0, parent, x)
    }

    /// Connects end `child_end` (0 or 1) of `child` to position `x` of
    /// `parent`, as `child.connect(parent(x), child_end)`. A child connected
    /// by its 1 end is laid out from x = 1 (its x = 0 end is its tip), as
    /// NEURON does; values set per segment stay at their x.
    pub fn connect_end(&mut self, child: SectionId, child_end: f64, parent: SectionId, x: f64) -> Result<()> {
        self.section(child)?;
        if child_end != 0.0 && child_end != 1.0 {
            return Err(NeuriteError::InvalidParameter {
                what: format!("section `{}`: end connected to its parent", self.section(child)?.name),
                value: child_end,
                reason: "must be 0 or 1",
            });
        }
        self.section(child)?;
        let parent_section = self.section(parent)?;
        if !(0.0..=1.0).contains(&x) {
            return Err(NeuriteError::LocationOutOfRange { section: parent_section.name.clone(), x });
        }
        let child_name = self.sections[child.0].name.clone();
        if let Some((current, _)) = self.sections[child.0].parent {
            return Err(NeuriteError::AlreadyConnected {
                child: child_name,
                parent: self.sections[current.0].name.clone(),
            });
        }
        // Walking up from the parent must never reach the child.
        let mut cursor = Some(parent);
        while let Some(id) = cursor {
            if id == child {
                return Err(NeuriteError::CycleInTree {
                    child: child_name,
                    parent: self.sections[parent.0].name.clone(),
                });
            }
            cursor = self.sections[id.0].parent.map(|(p, _)| p);
        }
        self.sections[child.0].parent = Some((parent, x));
        self.sections[child.0].reversed = child_end == 1.0;
        Ok(())
    }

    /// Inserts density mechanism `name` in a section with default parameters
    /// (inserting it again is a no-op, as in NEURON).
    pub fn insert(&mut self, id: SectionId, name: &str) -> Result<()> {
        self.insert_mechanism(id, mechanisms::lookup(name)?)
    }

    /// Inserts density mechanism `info` (a built-in, or one generated from a
    /// user's NMODL file and taken from a [`mechanisms::Catalogue`]).
    pub fn insert_mechanism(&mut self, id: SectionId, info: &'static MechanismInfo) -> Result<()> {
        if info.kind != MechanismKind::Density {
            return Err(NeuriteError::WrongMechanismKind {
                name: info.name.to_string(),
                expected: "density",
                found: kind_name(info.kind),
            });
        }
        let section = self.section_mut(id)?;
        if section.density.iter().any(|d| d.info.name == info.name) {
            return Ok(());
        }
        let values = info.parameter_defaults().into_iter().map(|v| PerSegment::uniform(v, section.nseg)).collect();
        section.density.push(DensityInsertion { info, values });
        Ok(())
    }

    /// The column of parameter `name` of the mechanism called `mechanism`
    /// inserted in section `id`, and the parameter's description.
    fn density_column(
        &mut self,
        id: SectionId,
        mechanism: &str,
        name: &str,
    ) -> Result<(&mut PerSegment, &'static mechanisms::VariableInfo)> {
        let section = self.section_mut(id)?;
        let section_name = section.name.clone();
        let Some(insertion) = section.density.iter_mut().find(|d| d.info.name == mechanism) else {
            // An unknown name, or a known one not inserted here.
            mechanisms::lookup(mechanism)?;
            return Err(NeuriteError::MechanismNotInserted { mechanism: mechanism.to_string(), section: section_name });
        };
        let index = insertion.info.parameter_index(name)?;
        let variable = insertion.info.parameters().nth(index).expect("index of a parameter");
        Ok((&mut insertion.values[index], variable))
    }

    /// Sets parameter `name` of density mechanism `mechanism` in every segment
    /// of a section (`for seg in sec: seg.hh.gnabar = value`).
    pub fn set_parameter(&mut self, id: SectionId, mechanism: &str, name: &str, value: f64) -> Result<()> {
        let (column, variable) = self.density_column(id, mechanism, name)?;
        variable.check(mechanism, value)?;
        column.set_all(value);
        Ok(())
    }

    /// Sets parameter `name` of density mechanism `mechanism` in the segment
    /// at `location` (`sec(x).hh.gnabar = value`).
    pub fn set_parameter_at(&mut self, location: Location, mechanism: &str, name: &str, value: f64) -> Result<()> {
        let segment = self.segment_at(location)?;
        let (column, variable) = self.density_column(location.section, mechanism, name)?;
        variable.check(mechanism, value)?;
        column.set(segment, value);
        Ok(())
    }

    /// Value of parameter `name` of density mechanism `mechanism` in the
    /// segment at `location`.
    pub fn parameter_at(&mut self, location: Location, mechanism: &str, name: &str) -> Result<f64> {
        let segment = self.segment_at(location)?;
        Ok(self.density_column(location.section, mechanism, name)?.0.get(segment))
    }

    /// Sets ion variable `name` (`ena`, `nai`, `cao`, ... in mV or mM) in
    /// every segment of a section, as NEURON's `sec.ena = value`. A
    /// mechanism of the section must use the ion. Values that the ion's
    /// style computes (a reversal potential from concentrations some
    /// mechanism uses, a concentration some mechanism writes) are
    /// overwritten at initialization, as in NEURON; set `cai0_ca_ion` with
    /// `Simulation::set_global("ca_ion", "cai0", value)` for those.
    pub fn set_ion_variable(&mut self, id: SectionId, name: &str, value: f64) -> Result<()> {
        self.ion_column(id, name, value)?.set_all(value);
        Ok(())
    }

    /// Sets ion variable `name` in the segment at `location` only
    /// (`sec(x).ena = value`).
    pub fn set_ion_variable_at(&mut self, location: Location, name: &str, value: f64) -> Result<()> {
        let segment = self.segment_at(location)?;
        self.ion_column(location.section, name, value)?.set(segment, value);
        Ok(())
    }

    /// The user's values of ion variable `name` in section `id`, checked.
    fn ion_column(&mut self, id: SectionId, name: &str, value: f64) -> Result<&mut PerSegment> {
        let cell = self.name.clone();
        let section = self.section_mut(id)?;
        let variable = section.density.iter().flat_map(|d| d.info.ions.iter()).find_map(|ion| {
            mechanisms::IonVariable::of(ion.ion, name).filter(|v| *v != mechanisms::IonVariable::Current)
        });
        let Some(variable) = variable else {
            return Err(NeuriteError::NotAnIonVariable { name: name.to_string(), section: section.name.clone(), cell });
        };
        variable.check(|| format!("{name} in section `{}`", section.name), value)?;
        let nseg = section.nseg;
        let index = match section.ion_values.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                section.ion_values.push((name.to_string(), PerSegment::uniform(f64::NAN, nseg)));
                section.ion_values.len() - 1
            }
        };
        Ok(&mut section.ion_values[index].1)
    }

    fn segment_at(&self, location: Location) -> Result<usize> {
        let section = self.section(location.section)?;
        if !(0.0..=1.0).contains(&location.x) {
            return Err(NeuriteError::LocationOutOfRange { section: section.name.clone(), x: location.x });
        }
        Ok(section.segment_index(location.x))
    }

    fn check_location(&self, location: Location) -> Result<()> {
        self.segment_at(location).map(|_| ())
    }

    /// Places point process `name` (ExpSyn, Exp2Syn, IClamp, ...) at
    /// `location`, with default parameters.
    pub fn add_point_process(&mut self, location: Location, name: &str) -> Result<PointProcessId> {
        self.add_point_mechanism(location, mechanisms::lookup(name)?)
    }

    /// Places point process `info` (a built-in, or one generated from a
    /// user's NMODL file and taken from a [`mechanisms::Catalogue`]).
    pub fn add_point_mechanism(&mut self, location: Location, info: &'static MechanismInfo) -> Result<PointProcessId> {
        if info.kind != MechanismKind::Point {
            return Err(NeuriteError::WrongMechanismKind {
                name: info.name.to_string(),
                expected: "point-process",
                found: kind_name(info.kind),
            });
        }
        self.check_location(location)?;
        self.point_processes.push(PointProcess { info, location, values: info.parameter_defaults() });
        Ok(PointProcessId(self.point_processes.len() - 1, self.tag))
    }

    /// Points POINTER `name` of `owner` at `target`, as NEURON's
    /// `h.setpointer(target, name, mechanism)`; setting it again replaces the
    /// target. Every instance of a mechanism with POINTERs must have them
    /// all set before a simulation is built.
    pub fn set_pointer(&mut self, owner: PointerOwner, name: &str, target: PointerTarget) -> Result<()> {
        let info = match &owner {
            PointerOwner::Point(id) => self.point_processes[self.point_index(*id)?].info,
            PointerOwner::Density { location, mechanism } => {
                self.check_location(*location)?;
                let section = self.section(location.section)?;
                section
                    .density_mechanisms()
                    .iter()
                    .find(|d| d.info.name == mechanism)
                    .ok_or_else(|| NeuriteError::MechanismNotInserted {
                        mechanism: mechanism.clone(),
                        section: section.name().to_string(),
                    })?
                    .info
            }
        };
        let Some(&name) = info.pointers.iter().find(|p| **p == name) else {
            return Err(NeuriteError::UnknownVariable { mechanism: info.name.to_string(), name: name.to_string() });
        };
        match &target {
            PointerTarget::Voltage(location) | PointerTarget::Ion { location, .. } => self.check_location(*location)?,
            PointerTarget::Density { location, mechanism, name } => {
                self.check_location(*location)?;
                let section = self.section(location.section)?;
                let inserted =
                    section.density_mechanisms().iter().find(|d| d.info.name == mechanism).ok_or_else(|| {
                        NeuriteError::MechanismNotInserted {
                            mechanism: mechanism.clone(),
                            section: section.name().to_string(),
                        }
                    })?;
                if !inserted.info.has_variable(name) {
                    return Err(NeuriteError::UnknownVariable { mechanism: mechanism.clone(), name: name.clone() });
                }
            }
            PointerTarget::Point { point_process, name } => {
                let pp = &self.point_processes[self.point_index(*point_process)?];
                if !pp.info.has_variable(name) {
                    return Err(NeuriteError::UnknownVariable {
                        mechanism: pp.info.name.to_string(),
                        name: name.clone(),
                    });
                }
            }
        }
        self.pointers.retain(|p| !(p.owner == owner && p.name == name));
        self.pointers.push(PointerSetting { owner, name, target });
        Ok(())
    }

    /// The POINTERs set on the cell.
    pub fn pointers(&self) -> &[PointerSetting] {
        &self.pointers
    }

    /// Sets parameter `name` of a point process.
    pub fn set_point_parameter(&mut self, id: PointProcessId, name: &str, value: f64) -> Result<()> {
        let index = self.point_index(id)?;
        let pp = &mut self.point_processes[index];
        let index = pp.info.parameter_index(name)?;
        pp.info.parameters().nth(index).expect("index of a parameter").check(pp.info.name, value)?;
        pp.values[index] = value;
        Ok(())
    }

    /// Gives the cell a NetStim of its own, as NEURON's `h.NetStim()` made on
    /// the cell's rank and connected with a plain `NetCon` (no gid): its
    /// spikes go only to this cell's point processes, through
    /// [`CableCell::connect_netstim`], and are neither recorded nor exchanged
    /// between ranks, so they do not bound the exchange interval. Without
    /// `random_ids` its stream is NEURON's default (see
    /// [`crate::NetStimParams::random_ids`]); its spikes can be recorded with
    /// `Simulation::record_netstim_spikes`.
    pub fn add_netstim(&mut self, params: crate::network::NetStimParams) -> Result<LocalStimId> {
        crate::network::check_netstim(&self.name, &params)?;
        self.netstims.push(params);
        Ok(LocalStimId(self.netstims.len() - 1, self.tag))
    }

    /// Connects one of the cell's NetStims to one of its point processes:
    /// events arrive after `delay` ms (>= 0) with `weight` (µS for
    /// conductance synapses).
    pub fn connect_netstim(
        &mut self,
        source: LocalStimId,
        target: PointProcessId,
        weight: f64,
        delay: f64,
    ) -> Result<()> {
        if source.1 != self.tag {
            return Err(self.foreign("NetStim"));
        }
        if source.0 >= self.netstims.len() {
            return Err(NeuriteError::InvalidParameter {
                what: format!("cell `{}` NetStim index", self.name),
                value: source.0 as f64,
                reason: "no such NetStim on this cell",
            });
        }
        let pp = &self.point_processes[self.point_index(target)?];
        if pp.info.name == "IClamp" {
            return Err(NeuriteError::InvalidParameter {
                what: format!("cell `{}`: NetCon to point process {} (IClamp)", self.name, target.0),
                value: f64::NAN,
                reason: "IClamp takes no events",
            });
        }
        if !(delay.is_finite() && delay >= 0.0) {
            return Err(NeuriteError::InvalidParameter {
                what: format!("cell `{}`: delay of the NetCon from its NetStim {}", self.name, source.0),
                value: delay,
                reason: "must be >= 0 ms",
            });
        }
        check_finite("NetCon", "weight", weight)?;
        self.local_netcons.push(LocalNetCon { source, target, weight, delay });
        Ok(())
    }

    /// The cell's own NetStims.
    pub fn netstims(&self) -> &[crate::network::NetStimParams] {
        &self.netstims
    }

    /// NetCons from the cell's NetStims to its point processes.
    pub fn local_netcons(&self) -> &[LocalNetCon] {
        &self.local_netcons
    }

    /// Watches v at `location` for upward crossings of `threshold` (mV,
    /// NEURON's default is [`DEFAULT_THRESHOLD`]); the cell's spikes are
    /// those crossings, detected as NEURON does at the start of each step.
    pub fn set_spike_detector(&mut self, location: Location, threshold: f64) -> Result<()> {
        self.check_location(location)?;
        check_finite("NetCon", "threshold", threshold)?;
        self.detector = Some(SpikeDetector { location, threshold });
        Ok(())
    }

    /// The section without a parent; the cell must be one tree.
    pub fn root(&self) -> Result<SectionId> {
        let roots: Vec<usize> = (0..self.sections.len()).filter(|&i| self.sections[i].parent.is_none()).collect();
        match roots.as_slice() {
            [] => Err(NeuriteError::EmptyCell { cell: self.name.clone() }),
            [root] => Ok(SectionId(*root, self.tag)),
            many => Err(NeuriteError::DisconnectedCell { cell: self.name.clone(), roots: many.len() }),
        }
    }

    /// Sections ordered parents before children (depth first from the root,
    /// children in creation order). Also checks what only a whole cell can
    /// show: one tree, and sections given by 3-D points that have length.
    pub fn tree_order(&self) -> Result<Vec<SectionId>> {
        let root = self.root()?;
        for section in &self.sections {
            if section.pt3d.len() > 1 {
                check_positive(&section.name, "3-D path length", section.length)?;
            }
        }
        let mut order = Vec::with_capacity(self.sections.len());
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            order.push(id);
            let children: Vec<SectionId> = (0..self.sections.len())
                .filter(|&i| self.sections[i].parent.map(|(p, _)| p) == Some(id))
                .map(|i| SectionId(i, self.tag))
                .collect();
            stack.extend(children.into_iter().rev());
        }
        Ok(order)
    }

    // ---- 3-D points -------------------------------------------------------

    /// Appends a 3-D point (µm) to a section (`pt3dadd`). Once a section has
    /// two or more points, its L, diameters, areas and axial resistances come
    /// from them, as in NEURON.
    pub fn pt3d_add(&mut self, id: SectionId, x: f64, y: f64, z: f64, diam: f64) -> Result<()> {
        let section = self.section_mut(id)?;
        if !(diam.is_finite() && diam >= 0.0 && x.is_finite() && y.is_finite() && z.is_finite()) {
            return Err(NeuriteError::InvalidSectionValue {
                section: section.name.clone(),
                parameter: "3-D point",
                value: if diam.is_finite() { f64::NAN } else { diam },
            });
        }
        section.pt3d.push(Pt3d { x: x as f32, y: y as f32, z: z as f32, diam: diam as f32, arc: 0.0 });
        section.update_arcs();
        Ok(())
    }

    /// Removes all 3-D points of a section (`pt3dclear`); L keeps its value.
    pub fn pt3d_clear(&mut self, id: SectionId) -> Result<()> {
        self.section_mut(id)?.pt3d.clear();
        Ok(())
    }

    /// Gives 3-D points to every section that has none, laid out from its
    /// parent as NEURON's `define_shape`, and moves sections with points so
    /// that they start where they attach to their parent.
    pub fn define_shape(&mut self) -> Result<()> {
        for id in self.tree_order()? {
            self.define_section_shape(id);
        }
        Ok(())
    }

    fn define_section_shape(&mut self, id: SectionId) {
        let (x, y, z): (f32, f32, f32);
        let (mut dir_x, mut dir_y): (f32, f32);
        let arc = self.sections[id.0].parent.map_or(0.0, |(_, x)| x);
        let parent = self.sections[id.0].parent.map(|(p, _)| p);
        // Positions on a reversed parent count from its attached end, as its
        // points do.
        let arc_from_start = match parent {
            Some(p) if self.sections[p.0].reversed => 1.0 - arc,
            _ => arc,
        };
        match parent {
            None => {
                (x, y, z) = (0.0, 0.0, 0.0);
                (dir_x, dir_y) = (1.0, 0.0);
            }
            Some(p) => {
                let pts = &self.sections[p.0].pt3d;
                let (first, last) = (pts[0], pts[pts.len() - 1]);
                dir_x = last.x - first.x;
                dir_y = last.y - first.y;
                if arc_from_start < 0.5 {
                    dir_x = -dir_x;
                    dir_y = -dir_y;
                }
                let a = arc_from_start;
                x = (f64::from(last.x) * a + f64::from(first.x) * (1.0 - a)) as f32;
                y = (f64::from(last.y) * a + f64::from(first.y) * (1.0 - a)) as f32;
                z = (f64::from(last.z) * a + f64::from(first.z) * (1.0 - a)) as f32;
            }
        }
        if !self.sections[id.0].pt3d.is_empty() {
            if parent.is_some() {
                let section = &mut self.sections[id.0];
                let first = section.pt3d[0];
                let (dx, dy, dz) = (x - first.x, y - first.y, z - first.z);
                for p in section.pt3d.iter_mut() {
                    p.x += dx;
                    p.y += dy;
                    p.z += dz;
                }
            }
            return;
        }
        let mut angle: f32 = if dir_y.abs() < 1e-6 && dir_x.abs() < 1e-6 { 0.0 } else { dir_y.atan2(dir_x) };
        if arc > 0.0 && arc < 1.0 {
            angle = (f64::from(angle) + std::f64::consts::PI / 2.0) as f32;
        }
        if let Some(p) = parent {
            let siblings: Vec<usize> =
                (0..self.sections.len()).filter(|&i| self.sections[i].parent == Some((p, arc))).collect();
            let count = siblings.len() as f32;
            if count > 1.0 {
                // NEURON lists children at one position newest first.
                let position = siblings.iter().position(|&i| i == id.0).unwrap_or(0);
                let index = (siblings.len() - 1 - position) as f32;
                angle += index / (count - 1.0) * 0.8 - 0.4;
            }
        }
        let section = &mut self.sections[id.0];
        let len = section.length;
        let x1 = (f64::from(x) + len * f64::from(angle).cos()) as f32;
        let y1 = (f64::from(y) + len * f64::from(angle).sin()) as f32;
        let n = section.nseg;
        let point = |px: f32, py: f32, d: f64| Pt3d { x: px, y: py, z, diam: d as f32, arc: 0.0 };
        // Points run from the parent end, with the diameters in node order.
        let diam_of_node = |j: usize| section.diam.get(section.node_of_segment(j));
        let mut points = Vec::with_capacity(n + 2);
        points.push(point(x, y, diam_of_node(0)));
        for j in 0..n {
            let frac = (j as f64 + 0.5) / n as f64;
            let px = (f64::from(x) * (1.0 - frac) + f64::from(x1) * frac) as f32;
            let py = (f64::from(y) * (1.0 - frac) + f64::from(y1) * frac) as f32;
            points.push(point(px, py, diam_of_node(j)));
        }
        points.push(point(x1, y1, diam_of_node(n - 1)));
        section.pt3d = points;
        section.update_arcs();
        section.pt3d.shrink_to_fit();
        // Round-off must not change L.
        if let Some(last) = section.pt3d.last_mut() {
            last.arc = len;
        }
        section.length = len;
    }

    /// Moves every 3-D point by (dx, dy, dz) µm, as the seed's
    /// `_set_position` does with `pt3dchange`.
    pub fn translate(&mut self, dx: f64, dy: f64, dz: f64) {
        for section in self.sections.iter_mut() {
            for p in section.pt3d.iter_mut() {
                p.x = (dx + f64::from(p.x)) as f32;
                p.y = (dy + f64::from(p.y)) as f32;
                p.z = (dz + f64::from(p.z)) as f32;
            }
            section.update_arcs();
        }
    }

    /// Rotates every 3-D point by `theta` radians about the z axis, as the
    /// seed's `_rotate_z`.
    pub fn rotate_z(&mut self, theta: f64) {
        let (c, s) = (theta.cos(), theta.sin());
        for section in self.sections.iter_mut() {
            for p in section.pt3d.iter_mut() {
                let (x, y) = (f64::from(p.x), f64::from(p.y));
                p.x = (x * c - y * s) as f32;
                p.y = (x * s + y * c) as f32;
            }
            section.update_arcs();
        }
    }
}

/// Segment of `x` among `nseg` (x = 1 is in the last one), as NEURON.
fn segment_of(x: f64, nseg: usize) -> usize {
    ((nseg as f64 * x) as usize).min(nseg - 1)
}

/// Node-order index of segment `k` of `nseg` (counted from the parent end;
/// the same index mapped back on a reversed section).
fn node_order(k: usize, nseg: usize, reversed: bool) -> usize {
    if reversed { nseg - 1 - k } else { k }
}

/// Whether old node `i` of `old` survives when the section shrinks to `new`
/// segments (NEURON keeps old node floor(old (j + 0.5) / new) as new node j).
fn node_survives(i: usize, old: usize, new: usize) -> bool {
    (0..new).any(|j| ((old as f64 * ((j as f64 + 0.5) / new as f64)) as usize) == i)
}

/// Where NEURON moves a point at `x` when nseg changes from `old` to `new`:
/// NEURON keeps nodes, in node order (from the parent end).
fn relocated_x(x: f64, old: usize, new: usize, reversed: bool) -> f64 {
    if x <= 0.0 || x >= 1.0 || old == new {
        return x;
    }
    let centre = (node_order(segment_of(x, old), old, reversed) as f64 + 0.5) / old as f64;
    let node = if new > old {
        ((new as f64 * centre) as usize).min(new - 1)
    } else {
        // The lowest new node whose upper end is at or above the centre.
        (0..new).find(|&j| centre <= (j as f64 + 1.0) / new as f64).unwrap_or(new - 1)
    };
    // NEURON's arc position of a node (1 - centre on a reversed section).
    let centre = (node as f64 + 0.5) / new as f64;
    if reversed { 1.0 - centre } else { centre }
}

fn check_finite(mechanism: &str, name: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(NeuriteError::InvalidParameter {
            what: format!("{mechanism}.{name}"),
            value,
            reason: "must be a finite number",
        })
    }
}

impl Section {
    /// Recomputes path lengths from the (single precision) coordinates, and
    /// L from them, as NEURON does after any change of a point.
    fn update_arcs(&mut self) {
        if self.pt3d.is_empty() {
            return;
        }
        self.pt3d[0].arc = 0.0;
        for i in 1..self.pt3d.len() {
            let (p, q) = (self.pt3d[i - 1], self.pt3d[i]);
            let dx = f64::from(q.x - p.x);
            let dy = f64::from(q.y - p.y);
            let dz = f64::from(q.z - p.z);
            self.pt3d[i].arc = p.arc + (dx * dx + dy * dy + dz * dz).sqrt();
        }
        if self.pt3d.len() > 1 {
            self.length = self.pt3d[self.pt3d.len() - 1].arc;
        }
    }
}

/// Electrical geometry of one section's nodes, as NEURON's `nrn_area_ri`.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionElectrics {
    /// Membrane area of each segment, µm².
    pub area: Vec<f64>,
    /// Conductance between each segment's node and its neighbour towards
    /// the parent (the parent's node for the segment next to it), µS, as
    /// NEURON's `seg.ri()`.
    pub rinv: Vec<f64>,
    /// Conductance between the tip node (x = 1, or x = 0 for a section
    /// connected by its 1 end) and the segment next to it, µS.
    pub rinv_end: f64,
    /// Mean diameter of each segment, µm.
    pub diam: Vec<f64>,
}

impl SectionElectrics {
    /// Axial resistance (MΩ) from each segment's node to the node before it.
    pub fn ri(&self) -> Vec<f64> {
        self.rinv.iter().map(|g| 1.0 / g).collect()
    }
}

impl Section {
    /// Areas and axial conductances of the nodes, from the 3-D points when
    /// there are at least two, else from L and the segment diameters.
    pub fn electrics(&self) -> SectionElectrics {
        let nodes = self.electrics_in_node_order();
        if !self.reversed {
            return nodes;
        }
        // Per segment, the values of its node (see `SectionElectrics`).
        let n = self.nseg;
        let pick = |v: &[f64]| (0..n).map(|k| v[n - 1 - k]).collect::<Vec<f64>>();
        SectionElectrics {
            area: pick(&nodes.area),
            rinv: pick(&nodes.rinv),
            rinv_end: nodes.rinv_end,
            diam: pick(&nodes.diam),
        }
    }

    /// The electrical values of the segment nodes in node order (from the
    /// end connected to the parent), as NEURON computes them: 3-D points are
    /// integrated from their first point, which is always at the parent
    /// end.
    pub(crate) fn electrics_in_node_order(&self) -> SectionElectrics {
        if self.pt3d.len() > 1 {
            return self.electrics_from_pt3d();
        }
        let n = self.nseg;
        let dx = self.length / n as f64;
        let pi = std::f64::consts::PI;
        let mut area = Vec::with_capacity(n);
        let mut rinv = Vec::with_capacity(n);
        let mut diams = Vec::with_capacity(n);
        let mut rright = 0.0;
        for j in 0..n {
            let diam = self.diam.get(self.node_of_segment(j));
            area.push(pi * diam * dx);
            let rleft = 1e-2 * self.ra * (dx / 2.0) / (pi * diam * diam / 4.0);
            rinv.push(1.0 / (rleft + rright));
            rright = rleft;
            diams.push(diam);
        }
        SectionElectrics { area, rinv, rinv_end: 1.0 / rright, diam: diams }
    }

    /// Trapezoidal integration over the frusta between 3-D points, each
    /// segment split in halves for the axial resistance (NEURON's
    /// `diam_from_list`).
    fn electrics_from_pt3d(&self) -> SectionElectrics {
        let pts = &self.pt3d;
        let npt = pts.len();
        let n = self.nseg;
        let pi = std::f64::consts::PI;
        let ds = pts[npt - 1].arc / n as f64;
        let mut j = 0usize;
        let mut x1 = pts[0].arc;
        let mut y1 = f64::from(pts[0].diam.abs());
        let mut rparent = 0.0;
        let (mut areas, mut rinvs, mut diams) = (Vec::new(), Vec::new(), Vec::new());
        for inode in 0..n {
            let mut si = inode as f64 * ds;
            let (mut diam, mut area, mut rleft, mut rright) = (0.0, 0.0, 0.0, 0.0);
            for half in 0..2 {
                let mut ri = 0.0;
                let sip = si + ds / 2.0;
                loop {
                    let jp = j + 1;
                    let xj = pts[j].arc;
                    let xjp = pts[jp].arc;
                    let (x2, y2, jnext);
                    if xjp > sip || jp == npt - 1 {
                        let frac = if (xjp - xj).abs() < 1e-10 { 1.0 } else { (sip - xj) / (xjp - xj) };
                        x2 = sip;
                        y2 = (1.0 - frac) * f64::from(pts[j].diam.abs()) + frac * f64::from(pts[jp].diam.abs());
                        jnext = j;
                    } else {
                        x2 = xjp;
                        y2 = f64::from(pts[jp].diam.abs());
                        jnext = jp;
                    }
                    let mut delta = x2 - x1;
                    diam += (y2 + y1) * delta;
                    if delta < 1e-15 {
                        delta = 1e-15;
                    }
                    let mut temp = y2 * y1 / delta;
                    if temp == 0.0 {
                        temp = 1e-15;
                    }
                    ri += 1.0 / temp;
                    let taper = 0.5 * (y2 - y1);
                    area += (y2 + y1) * (delta * delta + taper * taper).sqrt();
                    x1 = x2;
                    y1 = y2;
                    if j == jnext {
                        break;
                    }
                    j = jnext;
                }
                if half == 0 {
                    rleft = ri * self.ra / pi * (4.0 * 0.01);
                } else {
                    rright = ri * self.ra / pi * (4.0 * 0.01);
                }
                si = sip;
            }
            rinvs.push(1.0 / (rparent + rleft));
            diams.push(diam * 0.5 / ds);
            areas.push(area * 0.5 * pi);
            rparent = rright;
        }
        SectionElectrics { area: areas, rinv: rinvs, rinv_end: 1.0 / rparent, diam: diams }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(length: f64, diam: f64, nseg: usize) -> SectionGeometry {
        SectionGeometry { length, diam, nseg }
    }

    #[test]
    fn cylinder_electrics() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("s", geometry(100.0, 2.0, 4)).unwrap();
        cell.set_ra(s, 100.0).unwrap();
        let e = cell.sections()[0].electrics();
        let pi = std::f64::consts::PI;
        for a in &e.area {
            approx::assert_relative_eq!(*a, pi * 2.0 * 25.0, max_relative = 1e-14);
        }
        // Half a segment: 1e-2 * Ra * 12.5 / (pi d^2 / 4) MOhm.
        let half = 1e-2 * 100.0 * 12.5 / pi;
        approx::assert_relative_eq!(1.0 / e.rinv[0], half, max_relative = 1e-14);
        approx::assert_relative_eq!(1.0 / e.rinv[1], 2.0 * half, max_relative = 1e-14);
        approx::assert_relative_eq!(1.0 / e.rinv_end, half, max_relative = 1e-14);
    }

    #[test]
    fn pt3d_cylinder_matches_plain_cylinder() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("s", geometry(1.0, 1.0, 3)).unwrap();
        cell.pt3d_add(s, 0.0, 0.0, 0.0, 2.0).unwrap();
        cell.pt3d_add(s, 64.0, 0.0, 0.0, 2.0).unwrap();
        cell.pt3d_add(s, 96.0, 0.0, 0.0, 2.0).unwrap();
        assert_eq!(cell.sections()[0].length(), 96.0);
        let from_points = cell.sections()[0].electrics();
        let mut plain = CableCell::new("p");
        plain.add_section("s", geometry(96.0, 2.0, 3)).unwrap();
        let expected = plain.sections()[0].electrics();
        for k in 0..3 {
            approx::assert_relative_eq!(from_points.area[k], expected.area[k], max_relative = 1e-12);
            approx::assert_relative_eq!(from_points.rinv[k], expected.rinv[k], max_relative = 1e-12);
        }
    }

    #[test]
    fn frustum_area_and_resistance() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("s", geometry(1.0, 1.0, 1)).unwrap();
        cell.pt3d_add(s, 0.0, 0.0, 0.0, 4.0).unwrap();
        cell.pt3d_add(s, 10.0, 0.0, 0.0, 2.0).unwrap();
        let e = cell.sections()[0].electrics();
        let pi = std::f64::consts::PI;
        // Lateral area of the two frusta 4->3 and 3->2 over 5 um each.
        let slant = (25.0f64 + 0.25).sqrt();
        let area = pi * (4.0 + 3.0) / 2.0 * slant + pi * (3.0 + 2.0) / 2.0 * slant;
        approx::assert_relative_eq!(e.area[0], area, max_relative = 1e-12);
        // Resistance of a frustum: 4 Ra L / (pi d1 d2), Ra = 35.4, in MOhm.
        let r_left = 4.0 * 35.4 * 5.0 / (pi * 4.0 * 3.0) * 1e-2;
        approx::assert_relative_eq!(1.0 / e.rinv[0], r_left, max_relative = 1e-12);
    }

    #[test]
    fn bad_geometry_is_rejected_with_the_section_name() {
        let mut cell = CableCell::new("c");
        let err = cell.add_section("dend", geometry(100.0, 1.0, 0)).unwrap_err();
        assert_eq!(err, NeuriteError::InvalidNseg { section: "dend".into(), nseg: 0 });
        for (l, d) in [(0.0, 1.0), (-1.0, 1.0), (f64::NAN, 1.0), (10.0, 0.0), (10.0, f64::INFINITY)] {
            let err = cell.add_section("dend", geometry(l, d, 1)).unwrap_err();
            assert!(matches!(err, NeuriteError::InvalidSectionValue { ref section, .. } if section == "dend"));
        }
        let s = cell.add_section("soma", geometry(10.0, 10.0, 1)).unwrap();
        assert!(cell.set_ra(s, 0.0).is_err());
        assert!(cell.set_ra(s, f64::NAN).is_err());
        assert!(cell.set_cm(s, -1.0).is_err());
        assert!(cell.set_nseg(s, 0).is_err());
        assert!(cell.set_length(s, f64::NAN).is_err());
        assert!(cell.set_diam(s, 0.0).is_err());
        let msg = cell.set_cm(s, -1.0).unwrap_err().to_string();
        assert!(msg.contains("soma") && msg.contains("cm"), "{msg}");
    }

    #[test]
    fn connections_must_form_a_tree() {
        let mut cell = CableCell::new("c");
        let a = cell.add_section("a", geometry(10.0, 1.0, 1)).unwrap();
        let b = cell.add_section("b", geometry(10.0, 1.0, 1)).unwrap();
        let c = cell.add_section("c", geometry(10.0, 1.0, 1)).unwrap();
        cell.connect(b, a, 1.0).unwrap();
        assert!(matches!(cell.connect(b, a, 0.5), Err(NeuriteError::AlreadyConnected { .. })));
        cell.connect(c, b, 0.5).unwrap();
        assert!(matches!(cell.connect(a, c, 1.0), Err(NeuriteError::CycleInTree { .. })));
        assert!(matches!(cell.connect(a, a, 1.0), Err(NeuriteError::CycleInTree { .. })));
        assert!(matches!(cell.connect(c, a, 1.5), Err(NeuriteError::LocationOutOfRange { .. })));
        assert_eq!(cell.tree_order().unwrap(), vec![a, b, c]);
        let mut two_roots = CableCell::new("x");
        two_roots.add_section("a", geometry(10.0, 1.0, 1)).unwrap();
        two_roots.add_section("b", geometry(10.0, 1.0, 1)).unwrap();
        assert!(matches!(two_roots.root(), Err(NeuriteError::DisconnectedCell { roots: 2, .. })));
    }

    #[test]
    fn unknown_names_are_reported() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("soma", geometry(10.0, 10.0, 1)).unwrap();
        assert!(matches!(cell.insert(s, "hhh"), Err(NeuriteError::UnknownMechanism { .. })));
        assert!(matches!(cell.insert(s, "ExpSyn"), Err(NeuriteError::WrongMechanismKind { .. })));
        cell.insert(s, "hh").unwrap();
        assert!(matches!(cell.set_parameter(s, "hh", "gnabarr", 0.1), Err(NeuriteError::UnknownVariable { .. })));
        assert!(matches!(cell.set_parameter(s, "pas", "g", 0.1), Err(NeuriteError::MechanismNotInserted { .. })));
        assert!(matches!(
            cell.add_point_process(Location::new(s, 1.5), "ExpSyn"),
            Err(NeuriteError::LocationOutOfRange { .. })
        ));
        assert!(matches!(
            cell.add_point_process(Location::new(s, -0.1), "IClamp"),
            Err(NeuriteError::LocationOutOfRange { .. })
        ));
        assert!(matches!(
            cell.add_point_process(Location::new(s, 0.5), "hh"),
            Err(NeuriteError::WrongMechanismKind { .. })
        ));
        let syn = cell.add_point_process(Location::new(s, 0.5), "ExpSyn").unwrap();
        assert!(matches!(cell.set_point_parameter(syn, "taux", 1.0), Err(NeuriteError::UnknownVariable { .. })));
        assert!(cell.set_spike_detector(Location::new(SectionId(7, cell.tag), 0.5), 10.0).is_err());
    }

    #[test]
    fn public_accessors_read_what_was_set() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("dend", geometry(100.0, 2.0, 4)).unwrap();
        cell.insert(s, "pas").unwrap();
        cell.set_parameter_at(Location::new(s, 0.6), "pas", "g", 0.5).unwrap();
        assert_eq!(cell.find_section("dend"), Some(s));
        assert_eq!(cell.find_section("axon"), None);
        let g = &cell.sections()[0].density_mechanisms()[0].values[0];
        assert_eq!((g.value(2), g.value(0), g.value(4)), (Some(0.5), Some(0.001), None));
        let e = cell.sections()[0].electrics();
        assert_eq!(e.ri().len(), 4);
        approx::assert_relative_eq!(e.ri()[1], 1.0 / e.rinv[1]);
    }

    #[test]
    fn nseg_change_resamples_values() {
        let mut cell = CableCell::new("c");
        let s = cell.add_section("d", geometry(10.0, 1.0, 2)).unwrap();
        cell.insert(s, "pas").unwrap();
        cell.set_parameter_at(Location::new(s, 0.75), "pas", "g", 0.5).unwrap();
        cell.set_nseg(s, 4).unwrap();
        let g: Vec<f64> =
            (0..4).map(|i| cell.parameter_at(Location::new(s, (i as f64 + 0.5) / 4.0), "pas", "g").unwrap()).collect();
        assert_eq!(g, vec![0.001, 0.001, 0.5, 0.5]);
    }

    #[test]
    fn nseg_changes_move_points_as_neuron_does() {
        // Cases measured in NEURON 9.0.2 (get_segment().x after the change).
        for (x, old, new, expected) in [
            (0.3, 3, 5, 0.1),
            (0.1, 2, 4, 0.375),
            (0.1, 1, 3, 0.5),
            (0.99, 1, 3, 0.5),
            (0.5, 5, 2, 0.25),
            (0.0, 3, 7, 0.0),
            (1.0, 3, 7, 1.0),
        ] {
            assert_eq!(relocated_x(x, old, new, false), expected, "x {x}: nseg {old} -> {new}");
        }
        let mut cell = CableCell::new("c");
        let s = cell.add_section("s", geometry(100.0, 1.0, 5)).unwrap();
        // Old segment 4 of 5 has no node among 2 segments: the detector goes.
        cell.set_spike_detector(Location::new(s, 0.9), 0.0).unwrap();
        cell.set_nseg(s, 2).unwrap();
        assert!(cell.spike_detector().is_none());
        cell.set_spike_detector(Location::new(s, 0.75), 0.0).unwrap();
        cell.set_nseg(s, 4).unwrap();
        assert_eq!(cell.spike_detector().unwrap().location.x, 0.875);
    }

    #[test]
    fn define_shape_fans_children_at_one_position_as_neuron() {
        // NEURON 9.0.2: children a, b, c (created in that order, L 100) at
        // soma(1) of a 10 µm soma end at (102.106, 38.942), (110, 0) and
        // (102.106, -38.942).
        let mut cell = CableCell::new("fan");
        let soma = cell.add_section("soma", geometry(10.0, 10.0, 1)).unwrap();
        let mut kids = Vec::new();
        for name in ["a", "b", "c"] {
            let k = cell.add_section(name, geometry(100.0, 1.0, 1)).unwrap();
            cell.connect(k, soma, 1.0).unwrap();
            kids.push(k);
        }
        cell.define_shape().unwrap();
        let ends: Vec<(f64, f64)> = kids
            .iter()
            .map(|&k| {
                let p = *cell.section(k).unwrap().pt3d().last().unwrap();
                (f64::from(p.x), f64::from(p.y))
            })
            .collect();
        for ((x, y), (ex, ey)) in ends.iter().zip([(102.106, 38.942), (110.0, 0.0), (102.106, -38.942)]) {
            assert!((x - ex).abs() < 1e-3 && (y - ey).abs() < 1e-3, "{ends:?}");
        }
    }
}
