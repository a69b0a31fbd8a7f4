//! The cells of HNN-core's column (hnn-core 0.6.1's `cells_default.py`,
//! after Jones et al. 2009 and Neymotin et al. 2020): Layer 2/3 and Layer 5
//! pyramidal cells of 8 and 9 sections and single-compartment basket cells,
//! built section by section as hnn-core builds them in NEURON (3-D end
//! points, then L, diam, Ra, cm, nseg, then the tree and `define_shape`), so
//! that areas and axial resistances are NEURON's to the last bit.

use crate::discretization::CellNodes;
use crate::error::{NeuriteError, Result};
use crate::morphology::{CableCell, Location, PointProcessId, SectionGeometry, SectionId};

/// The four cell types of the column, in hnn-core's gid order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum CellType {
    /// `L2_basket`: inhibitory, one soma.
    L2Basket,
    /// `L2_pyramidal`: excitatory, 8 sections, contributes to the dipole.
    L2Pyramidal,
    /// `L5_basket`: inhibitory, one soma.
    L5Basket,
    /// `L5_pyramidal`: excitatory, 9 sections with calcium channels,
    /// contributes to the dipole.
    L5Pyramidal,
}

impl CellType {
    /// All four, in hnn-core's order (the order of their gid ranges).
    pub const ALL: [CellType; 4] =
        [CellType::L2Basket, CellType::L2Pyramidal, CellType::L5Basket, CellType::L5Pyramidal];

    /// hnn-core's long name (`L2_basket`, ...).
    pub fn name(self) -> &'static str {
        match self {
            CellType::L2Basket => "L2_basket",
            CellType::L2Pyramidal => "L2_pyramidal",
            CellType::L5Basket => "L5_basket",
            CellType::L5Pyramidal => "L5_pyramidal",
        }
    }

    /// The short name of parameter files (`L2Basket`, `L2Pyr`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            CellType::L2Basket => "L2Basket",
            CellType::L2Pyramidal => "L2Pyr",
            CellType::L5Basket => "L5Basket",
            CellType::L5Pyramidal => "L5Pyr",
        }
    }

    /// The type called `name`, long (`L2_basket`) or short (`L2Basket`).
    pub fn from_name(name: &str) -> Option<CellType> {
        CellType::ALL.into_iter().find(|t| t.name() == name || t.short_name() == name)
    }

    /// Whether hnn-core measures its dipole (the pyramidal cells).
    pub fn is_pyramidal(self) -> bool {
        matches!(self, CellType::L2Pyramidal | CellType::L5Pyramidal)
    }

    /// Whether its synapses onto others are inhibitory (the basket cells).
    pub fn is_inhibitory(self) -> bool {
        !self.is_pyramidal()
    }
}

/// A synaptic receptor: an Exp2Syn with hnn-core's reversal and time
/// constants, one per receptor at the middle of every section that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Receptor {
    /// Fast excitation.
    Ampa,
    /// Slow excitation.
    Nmda,
    /// Fast inhibition.
    Gabaa,
    /// Slow inhibition.
    Gabab,
}

impl Receptor {
    /// hnn-core's name (`ampa`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Receptor::Ampa => "ampa",
            Receptor::Nmda => "nmda",
            Receptor::Gabaa => "gabaa",
            Receptor::Gabab => "gabab",
        }
    }

    /// The receptor called `name`.
    pub fn from_name(name: &str) -> Option<Receptor> {
        [Receptor::Ampa, Receptor::Nmda, Receptor::Gabaa, Receptor::Gabab].into_iter().find(|r| r.name() == name)
    }
}

/// Where on a cell a connection ends: hnn-core's `loc`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SynapseGroup {
    /// The cell type's proximal sections.
    Proximal,
    /// The cell type's distal sections.
    Distal,
    /// One section by name (`soma`, ...).
    Section(String),
}

impl SynapseGroup {
    /// From hnn-core's `loc` string.
    pub fn from_name(name: &str) -> SynapseGroup {
        match name {
            "proximal" => SynapseGroup::Proximal,
            "distal" => SynapseGroup::Distal,
            other => SynapseGroup::Section(other.to_string()),
        }
    }
}

/// Reversal potential (mV) and rise and decay times (ms) of a receptor.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SynapseKinetics {
    /// Reversal potential, mV.
    pub e: f64,
    /// Rise time constant, ms.
    pub tau1: f64,
    /// Decay time constant, ms.
    pub tau2: f64,
}

/// Values of a pyramidal cell type from a parameter set (hnn-core's flat
/// names, `L5Pyr_apical1_L`, `L5Pyr_dend_gbar_ca`, ...).
pub type CellParameter<'a> = &'a dyn Fn(&str) -> Result<f64>;

/// One section of a template.
struct SectionTemplate {
    name: &'static str,
    /// hnn-core's template end points (µm), before the cell is placed.
    end_points: [[f64; 3]; 2],
    /// Initial v, mV (hnn-core's `v0`).
    v0: f64,
}

/// Σ c · (v(a) − v(b)) over these (a, b, c) is a cell's current dipole
/// along the apical axis, fAm (nA·µm).
pub type DipoleTerms = Vec<(Location, Location, f64)>;

/// A built cell and where its parts are.
#[derive(Debug, Clone)]
pub struct BuiltCell {
    /// The cable cell.
    pub cell: CableCell,
    /// Its Exp2Syns: (section name, receptor, synapse).
    pub synapses: Vec<(String, Receptor, PointProcessId)>,
    /// Its dipole terms (pyramidal cells): Σ c · (v(a) − v(b)) is the
    /// cell's current dipole along the apical axis, fAm (nA·µm).
    pub dipole_terms: DipoleTerms,
}

impl BuiltCell {
    /// The synapses of `receptor` on the sections of `group` of a cell of
    /// type `cell_type`, in hnn-core's order of sections.
    pub fn synapses_at(
        &self,
        cell_type: CellType,
        group: &SynapseGroup,
        receptor: Receptor,
    ) -> Result<Vec<PointProcessId>> {
        let sections: Vec<&str> = match group {
            SynapseGroup::Proximal => proximal_sections(cell_type).to_vec(),
            SynapseGroup::Distal => distal_sections(cell_type).to_vec(),
            SynapseGroup::Section(name) => vec![name.as_str()],
        };
        sections
            .iter()
            .map(|&section| {
                self.synapses.iter().find(|(s, r, _)| s == section && *r == receptor).map(|(_, _, id)| *id).ok_or_else(
                    || NeuriteError::InvalidParameter {
                        what: format!("connection to {} {section} {}", cell_type.name(), receptor.name()),
                        value: f64::NAN,
                        reason: "that section has no synapse of that receptor",
                    },
                )
            })
            .collect()
    }
}

/// hnn-core's `sect_loc["proximal"]`.
pub fn proximal_sections(cell_type: CellType) -> &'static [&'static str] {
    match cell_type {
        CellType::L2Pyramidal | CellType::L5Pyramidal => &["apical_oblique", "basal_2", "basal_3"],
        CellType::L2Basket | CellType::L5Basket => &["soma"],
    }
}

/// hnn-core's `sect_loc["distal"]` (none on L5 basket cells).
pub fn distal_sections(cell_type: CellType) -> &'static [&'static str] {
    match cell_type {
        CellType::L2Pyramidal | CellType::L5Pyramidal => &["apical_tuft"],
        CellType::L2Basket => &["soma"],
        CellType::L5Basket => &[],
    }
}

/// hnn-core's number of segments for a section of `length` µm: 1 up to
/// 100 µm, else one per 50 µm made odd.
pub fn nseg_for_length(length: f64) -> usize {
    if length > 100.0 {
        let n = (length / 50.0) as usize;
        if n.is_multiple_of(2) { n + 1 } else { n }
    } else {
        1
    }
}

fn pyramidal_template(cell_type: CellType) -> (Vec<SectionTemplate>, Vec<(&'static str, f64, &'static str)>) {
    let s = |name, a: [f64; 3], b: [f64; 3], v0| SectionTemplate { name, end_points: [a, b], v0 };
    // (child, parent end, parent): the child's 0 end joins the parent there.
    match cell_type {
        CellType::L2Pyramidal => {
            let v0 = -71.46;
            (
                vec![
                    s("apical_trunk", [-50.0, 0.0, 778.0], [-50.0, 0.0, 813.0], v0),
                    s("apical_1", [-50.0, 0.0, 813.0], [-50.0, 0.0, 993.0], v0),
                    s("apical_tuft", [-50.0, 0.0, 993.0], [-50.0, 0.0, 1133.0], v0),
                    s("apical_oblique", [-50.0, 0.0, 813.0], [-250.0, 0.0, 813.0], v0),
                    s("basal_1", [-50.0, 0.0, 765.0], [-50.0, 0.0, 715.0], v0),
                    s("basal_2", [-50.0, 0.0, 715.0], [-156.0, 0.0, 609.0], v0),
                    s("basal_3", [-50.0, 0.0, 715.0], [56.0, 0.0, 609.0], v0),
                    s("soma", [-50.0, 0.0, 765.0], [-50.0, 0.0, 778.0], v0),
                ],
                vec![
                    ("basal_1", 0.0, "soma"),
                    ("apical_trunk", 1.0, "soma"),
                    ("apical_1", 1.0, "apical_trunk"),
                    ("apical_oblique", 1.0, "apical_trunk"),
                    ("apical_tuft", 1.0, "apical_1"),
                    ("basal_2", 1.0, "basal_1"),
                    ("basal_3", 1.0, "basal_1"),
                ],
            )
        }
        _ => (
            vec![
                s("apical_trunk", [0.0, 0.0, 23.0], [0.0, 0.0, 83.0], -72.0),
                s("apical_1", [0.0, 0.0, 83.0], [0.0, 0.0, 483.0], -71.32),
                s("apical_2", [0.0, 0.0, 483.0], [0.0, 0.0, 883.0], -69.08),
                s("apical_tuft", [0.0, 0.0, 883.0], [0.0, 0.0, 1133.0], -67.30),
                s("apical_oblique", [0.0, 0.0, 83.0], [-150.0, 0.0, 83.0], -72.0),
                s("basal_1", [0.0, 0.0, 0.0], [0.0, 0.0, -50.0], -72.0),
                s("basal_2", [0.0, 0.0, -50.0], [-106.0, 0.0, -156.0], -72.0),
                s("basal_3", [0.0, 0.0, -50.0], [106.0, 0.0, -156.0], -72.0),
                s("soma", [0.0, 0.0, 0.0], [0.0, 0.0, 23.0], -72.0),
            ],
            vec![
                ("basal_1", 0.0, "soma"),
                ("apical_trunk", 1.0, "soma"),
                ("apical_1", 1.0, "apical_trunk"),
                ("apical_oblique", 1.0, "apical_trunk"),
                ("apical_2", 1.0, "apical_1"),
                ("apical_tuft", 1.0, "apical_2"),
                ("basal_2", 1.0, "basal_1"),
                ("basal_3", 1.0, "basal_1"),
            ],
        ),
    }
}

/// The parameter-file name of a section (`apical_trunk` -> `apicaltrunk`).
fn parameter_section(name: &str) -> String {
    name.replace('_', "")
}

/// The channels of a pyramidal cell type and the parameters hnn-core sets on
/// them: (mechanism, parameter, file name of the parameter).
fn pyramidal_channels(cell_type: CellType) -> &'static [(&'static str, &'static str, &'static str)] {
    match cell_type {
        CellType::L2Pyramidal => &[
            ("km", "gbar", "gbar_km"),
            ("hh2", "gkbar", "gkbar_hh2"),
            ("hh2", "gnabar", "gnabar_hh2"),
            ("hh2", "gl", "gl_hh2"),
            ("hh2", "el", "el_hh2"),
        ],
        _ => &[
            ("hh2", "gkbar", "gkbar_hh2"),
            ("hh2", "gnabar", "gnabar_hh2"),
            ("hh2", "gl", "gl_hh2"),
            ("hh2", "el", "el_hh2"),
            ("ca", "gbar", "gbar_ca"),
            ("cad", "taur", "taur_cad"),
            ("kca", "gbar", "gbar_kca"),
            ("km", "gbar", "gbar_km"),
            ("cat", "gbar", "gbar_cat"),
            ("ar", "gbar", "gbar_ar"),
        ],
    }
}

/// Builds a pyramidal cell of `cell_type` with its soma's 0 end at `pos`
/// (µm), its spike detector at the soma's middle with `threshold` (mV),
/// and its dipole terms. `parameter` gives the flat parameter values.
pub fn pyramidal(cell_type: CellType, pos: [f64; 3], threshold: f64, parameter: CellParameter) -> Result<BuiltCell> {
    let prefix = cell_type.short_name();
    let (templates, tree) = pyramidal_template(cell_type);
    let index_of = |name: &str| templates.iter().position(|t| t.name == name).expect("template section");
    let length_of = |name: &str| -> Result<f64> {
        if name == "soma" {
            parameter(&format!("{prefix}_soma_L"))
        } else {
            parameter(&format!("{prefix}_{}_L", parameter_section(name)))
        }
    };
    // hnn-core's end points: moved so that the soma starts at the origin,
    // then each section stretched from the end it hangs from to its L,
    // carrying its subtree along.
    let mut points: Vec<[[f64; 3]; 2]> = templates.iter().map(|t| t.end_points).collect();
    let soma = index_of("soma");
    let shift = points[soma][0];
    for p in points.iter_mut() {
        for q in p.iter_mut() {
            for (c, s) in q.iter_mut().zip(shift) {
                *c -= s;
            }
        }
    }
    let mut order = vec![("soma", 0usize)];
    let mut k = 0;
    while k < order.len() {
        let (name, _) = order[k];
        for &(child, _, parent) in &tree {
            if parent == name {
                order.push((child, 0));
            }
        }
        k += 1;
    }
    for &(name, _) in &order {
        let i = index_of(name);
        let [a, b] = points[i];
        let old = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
        let factor = length_of(name)? / old;
        let new_end = [a[0] + (b[0] - a[0]) * factor, a[1] + (b[1] - a[1]) * factor, a[2] + (b[2] - a[2]) * factor];
        let moved = [new_end[0] - b[0], new_end[1] - b[1], new_end[2] - b[2]];
        points[i][1] = new_end;
        // Everything hanging from this section's far end moves with it.
        let mut stack: Vec<&str> =
            tree.iter().filter(|&&(_, end, parent)| parent == name && end == 1.0).map(|&(c, _, _)| c).collect();
        while let Some(child) = stack.pop() {
            let j = index_of(child);
            for q in points[j].iter_mut() {
                for (c, m) in q.iter_mut().zip(moved) {
                    *c += m;
                }
            }
            stack.extend(tree.iter().filter(|&&(_, _, parent)| parent == child).map(|&(c, _, _)| c));
        }
    }

    let mut cell = CableCell::new(cell_type.name());
    let mut ids: Vec<SectionId> = Vec::with_capacity(templates.len());
    for (t, ends) in templates.iter().zip(&points) {
        let is_soma = t.name == "soma";
        let key = |what: &str| {
            if is_soma {
                format!("{prefix}_soma_{what}")
            } else if what == "Ra" || what == "cm" {
                format!("{prefix}_dend_{what}")
            } else {
                format!("{prefix}_{}_{what}", parameter_section(t.name))
            }
        };
        let length = parameter(&key("L"))?;
        let diam = parameter(&key("diam"))?;
        let id = cell.add_section(t.name, SectionGeometry { length, diam, nseg: 1 })?;
        for q in ends {
            cell.pt3d_add(id, q[0] + pos[0], q[1] + pos[1], q[2] + pos[2], 1.0)?;
        }
        cell.set_length(id, length)?;
        cell.set_diam(id, diam)?;
        cell.set_ra(id, parameter(&key("Ra"))?)?;
        cell.set_cm(id, parameter(&key("cm"))?)?;
        cell.set_nseg(id, nseg_for_length(length))?;
        cell.set_initial_voltage(id, t.v0)?;
        ids.push(id);
    }
    for &(child, end, parent) in &tree {
        cell.connect_end(ids[index_of(child)], 0.0, ids[index_of(parent)], end)?;
    }
    cell.define_shape()?;

    // Channels: soma values on the soma, `dend` values elsewhere; on L5
    // dendrites `ar` grows with the path distance from the soma's 0 end.
    let channels = pyramidal_channels(cell_type);
    for (t, &id) in templates.iter().zip(&ids) {
        let place = if t.name == "soma" { "soma" } else { "dend" };
        for (mechanism, _, _) in channels {
            if !cell.section(id)?.density_mechanisms().iter().any(|d| d.info.name == *mechanism) {
                cell.insert(id, mechanism)?;
            }
        }
        for (mechanism, name, file_name) in channels {
            cell.set_parameter(id, mechanism, name, parameter(&format!("{prefix}_{place}_{file_name}"))?)?;
        }
        if cell_type == CellType::L5Pyramidal && t.name != "soma" {
            let start = path_distance_to_start(&tree, t.name, &|name| length_of(name))?;
            let length = length_of(t.name)?;
            let nseg = cell.section(id)?.nseg();
            for k in 0..nseg {
                let x = (2 * k + 1) as f64 / (2 * nseg) as f64;
                let gbar = 1e-6 * (3e-3 * (start + x * length)).exp();
                cell.set_parameter_at(Location::new(id, x), "ar", "gbar", gbar)?;
            }
        }
    }

    // Synapses at every section's middle: inhibitory ones on the soma,
    // all four receptors on the dendrites.
    let mut synapses = Vec::new();
    for (t, &id) in templates.iter().zip(&ids) {
        let receptors: &[Receptor] = if t.name == "soma" {
            &[Receptor::Gabaa, Receptor::Gabab]
        } else {
            &[Receptor::Ampa, Receptor::Nmda, Receptor::Gabaa, Receptor::Gabab]
        };
        for &receptor in receptors {
            let kinetics = SynapseKinetics {
                e: parameter(&format!("{prefix}_{}_e", receptor.name()))?,
                tau1: parameter(&format!("{prefix}_{}_tau1", receptor.name()))?,
                tau2: parameter(&format!("{prefix}_{}_tau2", receptor.name()))?,
            };
            synapses.push((t.name.to_string(), receptor, add_exp2syn(&mut cell, Location::new(id, 0.5), kinetics)?));
        }
    }
    cell.set_spike_detector(Location::new(ids[soma], 0.5), threshold)?;

    // hnn-core's dipole: in each segment the axial current from the node
    // before, (v_before − v)/ri, times the segment's length along the apical
    // trunk; at each section's far end the last half segment's.
    let trunk = points[index_of("apical_trunk")];
    let axis = [trunk[1][0] - trunk[0][0], trunk[1][1] - trunk[0][1], trunk[1][2] - trunk[0][2]];
    let nodes = CellNodes::new(&cell)?;
    let mut dipole_terms = Vec::new();
    for ((t, &id), ends) in templates.iter().zip(&ids).zip(&points) {
        let direction = [ends[1][0] - ends[0][0], ends[1][1] - ends[0][1], ends[1][2] - ends[0][2]];
        let cos = dot(axis, direction) / (dot(axis, axis).sqrt() * dot(direction, direction).sqrt());
        let section = cell.section(id)?;
        let (length, nseg) = (section.length(), section.nseg());
        let _ = t;
        let mut positions = vec![0.0];
        positions.extend((0..nseg).map(|k| (2 * k + 1) as f64 / (2 * nseg) as f64));
        positions.push(1.0);
        for w in 1..positions.len() {
            let (before, here) = (Location::new(id, positions[w - 1]), Location::new(id, positions[w]));
            let ri = 1.0 / nodes.rinv[nodes.node_at(&cell, here)];
            let z = (positions[w] - positions[w - 1]) * length * cos;
            dipole_terms.push((before, here, z / ri));
        }
    }
    Ok(BuiltCell { cell, synapses, dipole_terms })
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Path length (µm) from the soma's 0 end to the start of `section`
/// (hnn-core's `distance_section` minus half the section).
fn path_distance_to_start(
    tree: &[(&'static str, f64, &'static str)],
    section: &str,
    length_of: &dyn Fn(&str) -> Result<f64>,
) -> Result<f64> {
    let mut distance = 0.0;
    let mut current = section;
    while let Some(&(_, end, parent)) = tree.iter().find(|(child, _, _)| *child == current) {
        if end == 1.0 {
            distance += length_of(parent)?;
        }
        current = parent;
    }
    Ok(distance)
}

/// A basket cell (hnn-core's values, not in parameter files): a soma of 39 ×
/// 20 µm with hh2 at its defaults, placed at `pos`.
pub fn basket(cell_type: CellType, pos: [f64; 3], threshold: f64) -> Result<BuiltCell> {
    let mut cell = CableCell::new(cell_type.name());
    let soma = cell.add_section("soma", SectionGeometry { length: 39.0, diam: 20.0, nseg: 1 })?;
    for z in [0.0, 39.0] {
        cell.pt3d_add(soma, pos[0], pos[1], z + pos[2], 1.0)?;
    }
    cell.set_length(soma, 39.0)?;
    cell.set_diam(soma, 20.0)?;
    cell.set_ra(soma, 200.0)?;
    cell.set_cm(soma, 0.85)?;
    cell.set_initial_voltage(soma, -64.9737)?;
    cell.define_shape()?;
    cell.insert(soma, "hh2")?;
    let mut synapses = Vec::new();
    for (receptor, e, tau1, tau2) in
        [(Receptor::Ampa, 0.0, 0.5, 5.0), (Receptor::Gabaa, -80.0, 0.5, 5.0), (Receptor::Nmda, 0.0, 1.0, 20.0)]
    {
        let id = add_exp2syn(&mut cell, Location::new(soma, 0.5), SynapseKinetics { e, tau1, tau2 })?;
        synapses.push(("soma".to_string(), receptor, id));
    }
    cell.set_spike_detector(Location::new(soma, 0.5), threshold)?;
    Ok(BuiltCell { cell, synapses, dipole_terms: Vec::new() })
}

fn add_exp2syn(cell: &mut CableCell, at: Location, kinetics: SynapseKinetics) -> Result<PointProcessId> {
    let id = cell.add_point_process(at, "Exp2Syn")?;
    cell.set_point_parameter(id, "e", kinetics.e)?;
    cell.set_point_parameter(id, "tau1", kinetics.tau1)?;
    cell.set_point_parameter(id, "tau2", kinetics.tau2)?;
    Ok(id)
}
