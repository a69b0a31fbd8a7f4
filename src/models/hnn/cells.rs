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

/// Σ c · (v(a) − v(b)) over these (a, b, c) is a cell's current dipole
/// along the apical axis, fAm (nA·µm).
pub type DipoleTerms = Vec<(Location, Location, f64)>;

/// A value a mechanism parameter takes in a section.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionValue {
    /// The same in every segment.
    Uniform(f64),
    /// One value per segment, from the 0 end.
    PerSegment(Vec<f64>),
}

/// One section of a cell template (hnn-core's `Section`).
#[derive(Debug, Clone, PartialEq)]
pub struct SectionTemplate {
    /// Its name (`soma`, `apical_trunk`, ...).
    pub name: String,
    /// Length, µm.
    pub length: f64,
    /// Diameter, µm.
    pub diam: f64,
    /// Specific capacitance, µF/cm².
    pub cm: f64,
    /// Axial resistivity, Ω·cm.
    pub ra: f64,
    /// End points (µm) before the cell is placed; their direction orients
    /// the section, the length comes from `length`.
    pub end_points: [[f64; 3]; 2],
    /// Number of segments.
    pub nseg: usize,
    /// Initial v, mV.
    pub v0: f64,
    /// Mechanisms with their parameters (NMODL names, without the suffix).
    pub mechanisms: Vec<(String, Vec<(String, SectionValue)>)>,
    /// Receptors with a synapse at its middle.
    pub receptors: Vec<Receptor>,
}

/// A cell type's template (hnn-core's `Cell` before it is placed): its
/// sections, how they join, where synapse groups are, and the receptors'
/// kinetics.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTemplate {
    /// Its sections, in creation order (the soma among them).
    pub sections: Vec<SectionTemplate>,
    /// (child, child end, parent, parent end): hnn-core's `cell_tree`.
    pub tree: Vec<(String, f64, String, f64)>,
    /// Sections of the proximal group.
    pub proximal: Vec<String>,
    /// Sections of the distal group.
    pub distal: Vec<String>,
    /// Kinetics of each receptor.
    pub kinetics: Vec<(Receptor, SynapseKinetics)>,
}

/// A built cell and where its parts are.
#[derive(Debug, Clone)]
pub struct BuiltCell {
    /// The cable cell.
    pub cell: CableCell,
    /// Its Exp2Syns: (section name, receptor, synapse).
    pub synapses: Vec<(String, Receptor, PointProcessId)>,
    /// Its dipole terms (cells whose dipole is measured).
    pub dipole_terms: DipoleTerms,
}

impl BuiltCell {
    /// The synapses of `receptor` on the sections of `group` (in the
    /// template's order of the group's sections).
    pub fn synapses_at(
        &self,
        template: &CellTemplate,
        group: &SynapseGroup,
        receptor: Receptor,
    ) -> Result<Vec<PointProcessId>> {
        let sections: Vec<&str> = match group {
            SynapseGroup::Proximal => template.proximal.iter().map(String::as_str).collect(),
            SynapseGroup::Distal => template.distal.iter().map(String::as_str).collect(),
            SynapseGroup::Section(name) => vec![name.as_str()],
        };
        sections
            .iter()
            .map(|&section| {
                self.synapses.iter().find(|(s, r, _)| s == section && *r == receptor).map(|(_, _, id)| *id).ok_or_else(
                    || NeuriteError::InvalidParameter {
                        what: format!("connection to {} {section} {}", self.cell.name(), receptor.name()),
                        value: f64::NAN,
                        reason: "that section has no synapse of that receptor",
                    },
                )
            })
            .collect()
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

/// The parameter-file name of a section (`apical_trunk` -> `apicaltrunk`).
fn parameter_section(name: &str) -> String {
    name.replace('_', "")
}

impl CellTemplate {
    /// hnn-core's Layer 2/3 pyramidal cell (`_cell_L2Pyr`) with the values
    /// `parameter` gives.
    pub fn l2_pyramidal(parameter: CellParameter) -> Result<CellTemplate> {
        let ends: [(&str, [f64; 3], [f64; 3]); 8] = [
            ("apical_trunk", [-50.0, 0.0, 778.0], [-50.0, 0.0, 813.0]),
            ("apical_1", [-50.0, 0.0, 813.0], [-50.0, 0.0, 993.0]),
            ("apical_tuft", [-50.0, 0.0, 993.0], [-50.0, 0.0, 1133.0]),
            ("apical_oblique", [-50.0, 0.0, 813.0], [-250.0, 0.0, 813.0]),
            ("basal_1", [-50.0, 0.0, 765.0], [-50.0, 0.0, 715.0]),
            ("basal_2", [-50.0, 0.0, 715.0], [-156.0, 0.0, 609.0]),
            ("basal_3", [-50.0, 0.0, 715.0], [56.0, 0.0, 609.0]),
            ("soma", [-50.0, 0.0, 765.0], [-50.0, 0.0, 778.0]),
        ];
        let tree = [
            ("basal_1", 0.0, "soma"),
            ("apical_trunk", 1.0, "soma"),
            ("apical_1", 1.0, "apical_trunk"),
            ("apical_oblique", 1.0, "apical_trunk"),
            ("apical_tuft", 1.0, "apical_1"),
            ("basal_2", 1.0, "basal_1"),
            ("basal_3", 1.0, "basal_1"),
        ];
        let channels: &[(&str, &str, &str)] = &[
            ("km", "gbar", "gbar_km"),
            ("hh2", "gkbar", "gkbar_hh2"),
            ("hh2", "gnabar", "gnabar_hh2"),
            ("hh2", "gl", "gl_hh2"),
            ("hh2", "el", "el_hh2"),
        ];
        Self::pyramidal("L2Pyr", &ends, &tree, channels, &|_| -71.46, parameter)
    }

    /// hnn-core's Layer 5 pyramidal cell (`_cell_L5Pyr`) with the values
    /// `parameter` gives; `ar` grows along its dendrites with the path
    /// distance from the soma's 0 end, 1e-6 · exp(0.003 · x) S/cm².
    pub fn l5_pyramidal(parameter: CellParameter) -> Result<CellTemplate> {
        let ends: [(&str, [f64; 3], [f64; 3]); 9] = [
            ("apical_trunk", [0.0, 0.0, 23.0], [0.0, 0.0, 83.0]),
            ("apical_1", [0.0, 0.0, 83.0], [0.0, 0.0, 483.0]),
            ("apical_2", [0.0, 0.0, 483.0], [0.0, 0.0, 883.0]),
            ("apical_tuft", [0.0, 0.0, 883.0], [0.0, 0.0, 1133.0]),
            ("apical_oblique", [0.0, 0.0, 83.0], [-150.0, 0.0, 83.0]),
            ("basal_1", [0.0, 0.0, 0.0], [0.0, 0.0, -50.0]),
            ("basal_2", [0.0, 0.0, -50.0], [-106.0, 0.0, -156.0]),
            ("basal_3", [0.0, 0.0, -50.0], [106.0, 0.0, -156.0]),
            ("soma", [0.0, 0.0, 0.0], [0.0, 0.0, 23.0]),
        ];
        let tree = [
            ("basal_1", 0.0, "soma"),
            ("apical_trunk", 1.0, "soma"),
            ("apical_1", 1.0, "apical_trunk"),
            ("apical_oblique", 1.0, "apical_trunk"),
            ("apical_2", 1.0, "apical_1"),
            ("apical_tuft", 1.0, "apical_2"),
            ("basal_2", 1.0, "basal_1"),
            ("basal_3", 1.0, "basal_1"),
        ];
        let channels: &[(&str, &str, &str)] = &[
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
        ];
        let v0 = |name: &str| match name {
            "apical_1" => -71.32,
            "apical_2" => -69.08,
            "apical_tuft" => -67.30,
            _ => -72.0,
        };
        let mut template = Self::pyramidal("L5Pyr", &ends, &tree, channels, &v0, parameter)?;
        for k in 0..template.sections.len() {
            if template.sections[k].name == "soma" {
                continue;
            }
            let start = template.path_distance_to_start(&template.sections[k].name);
            let section = &mut template.sections[k];
            let n = section.nseg;
            let values = (0..n)
                .map(|j| 1e-6 * (3e-3 * (start + (2 * j + 1) as f64 / (2 * n) as f64 * section.length)).exp())
                .collect();
            let ar = section.mechanisms.iter_mut().find(|(m, _)| m == "ar").expect("L5 sections have ar");
            ar.1 = vec![("gbar".into(), SectionValue::PerSegment(values))];
        }
        Ok(template)
    }

    fn pyramidal(
        prefix: &str,
        ends: &[(&str, [f64; 3], [f64; 3])],
        tree: &[(&str, f64, &str)],
        channels: &[(&str, &str, &str)],
        v0: &dyn Fn(&str) -> f64,
        parameter: CellParameter,
    ) -> Result<CellTemplate> {
        let mut sections = Vec::with_capacity(ends.len());
        for &(name, a, b) in ends {
            let is_soma = name == "soma";
            let key = |what: &str| {
                if is_soma {
                    format!("{prefix}_soma_{what}")
                } else if what == "Ra" || what == "cm" {
                    format!("{prefix}_dend_{what}")
                } else {
                    format!("{prefix}_{}_{what}", parameter_section(name))
                }
            };
            let place = if is_soma { "soma" } else { "dend" };
            let mut mechanisms: Vec<(String, Vec<(String, SectionValue)>)> = Vec::new();
            for &(mechanism, name, file_name) in channels {
                let value = SectionValue::Uniform(parameter(&format!("{prefix}_{place}_{file_name}"))?);
                match mechanisms.iter_mut().find(|(m, _)| m == mechanism) {
                    Some((_, values)) => values.push((name.into(), value)),
                    None => mechanisms.push((mechanism.into(), vec![(name.into(), value)])),
                }
            }
            let length = parameter(&key("L"))?;
            sections.push(SectionTemplate {
                name: name.into(),
                length,
                diam: parameter(&key("diam"))?,
                cm: parameter(&key("cm"))?,
                ra: parameter(&key("Ra"))?,
                end_points: [a, b],
                nseg: nseg_for_length(length),
                v0: v0(name),
                mechanisms,
                receptors: if is_soma {
                    vec![Receptor::Gabaa, Receptor::Gabab]
                } else {
                    vec![Receptor::Ampa, Receptor::Nmda, Receptor::Gabaa, Receptor::Gabab]
                },
            });
        }
        let mut kinetics = Vec::new();
        for receptor in [Receptor::Ampa, Receptor::Nmda, Receptor::Gabaa, Receptor::Gabab] {
            let r = receptor.name();
            kinetics.push((
                receptor,
                SynapseKinetics {
                    e: parameter(&format!("{prefix}_{r}_e"))?,
                    tau1: parameter(&format!("{prefix}_{r}_tau1"))?,
                    tau2: parameter(&format!("{prefix}_{r}_tau2"))?,
                },
            ));
        }
        Ok(CellTemplate {
            sections,
            tree: tree.iter().map(|&(c, end, p)| (c.to_string(), 0.0, p.to_string(), end)).collect(),
            proximal: ["apical_oblique", "basal_2", "basal_3"].map(String::from).to_vec(),
            distal: vec!["apical_tuft".into()],
            kinetics,
        })
    }

    /// hnn-core's basket cell (its values are not in parameter files): a
    /// soma of 39 × 20 µm with hh2 at its defaults.
    pub fn basket(cell_type: CellType) -> CellTemplate {
        CellTemplate {
            sections: vec![SectionTemplate {
                name: "soma".into(),
                length: 39.0,
                diam: 20.0,
                cm: 0.85,
                ra: 200.0,
                end_points: [[0.0, 0.0, 0.0], [0.0, 0.0, 39.0]],
                nseg: 1,
                v0: -64.9737,
                mechanisms: vec![("hh2".into(), Vec::new())],
                receptors: vec![Receptor::Ampa, Receptor::Gabaa, Receptor::Nmda],
            }],
            tree: Vec::new(),
            proximal: vec!["soma".into()],
            distal: if cell_type == CellType::L5Basket { Vec::new() } else { vec!["soma".into()] },
            kinetics: vec![
                (Receptor::Ampa, SynapseKinetics { e: 0.0, tau1: 0.5, tau2: 5.0 }),
                (Receptor::Gabaa, SynapseKinetics { e: -80.0, tau1: 0.5, tau2: 5.0 }),
                (Receptor::Nmda, SynapseKinetics { e: 0.0, tau1: 1.0, tau2: 20.0 }),
            ],
        }
    }

    fn section_index(&self, name: &str) -> Result<usize> {
        self.sections.iter().position(|s| s.name == name).ok_or_else(|| NeuriteError::InvalidInput {
            what: format!("cell template: section `{name}`"),
            reason: "no such section".into(),
        })
    }

    /// Path length (µm) from the soma's 0 end to the start of `section`
    /// (hnn-core's `distance_section` minus half the section).
    pub fn path_distance_to_start(&self, section: &str) -> f64 {
        let mut distance = 0.0;
        let mut current = section;
        let mut hops = 0;
        while let Some((_, _, parent, end)) = self.tree.iter().find(|(child, _, _, _)| child == current) {
            if *end == 1.0 {
                distance += self.sections.iter().find(|s| &s.name == parent).map_or(0.0, |s| s.length);
            }
            current = parent;
            hops += 1;
            if hops > self.sections.len() {
                break;
            }
        }
        distance
    }

    /// The end points as hnn-core places them: moved so that the soma
    /// starts at the origin, then each section stretched from the end it
    /// hangs from to its length, carrying what hangs from its far end.
    fn placed_end_points(&self) -> Result<Vec<[[f64; 3]; 2]>> {
        let mut points: Vec<[[f64; 3]; 2]> = self.sections.iter().map(|s| s.end_points).collect();
        if self.tree.is_empty() {
            return Ok(points);
        }
        let soma = self.section_index("soma")?;
        let shift = points[soma][0];
        for p in points.iter_mut() {
            for q in p.iter_mut() {
                for (c, s) in q.iter_mut().zip(shift) {
                    *c -= s;
                }
            }
        }
        let mut order = vec![soma];
        let mut k = 0;
        while k < order.len() {
            let name = &self.sections[order[k]].name;
            for (child, _, parent, _) in &self.tree {
                if parent == name {
                    let c = self.section_index(child)?;
                    if !order.contains(&c) {
                        order.push(c);
                    }
                }
            }
            k += 1;
        }
        for &i in &order {
            let [a, b] = points[i];
            let old = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
            let factor = self.sections[i].length / old;
            let new_end = [a[0] + (b[0] - a[0]) * factor, a[1] + (b[1] - a[1]) * factor, a[2] + (b[2] - a[2]) * factor];
            let moved = [new_end[0] - b[0], new_end[1] - b[1], new_end[2] - b[2]];
            points[i][1] = new_end;
            let name = &self.sections[i].name;
            let mut stack: Vec<&str> = self
                .tree
                .iter()
                .filter(|(_, _, parent, end)| parent == name && *end == 1.0)
                .map(|(c, _, _, _)| c.as_str())
                .collect();
            while let Some(child) = stack.pop() {
                let j = self.section_index(child)?;
                for q in points[j].iter_mut() {
                    for (c, m) in q.iter_mut().zip(moved) {
                        *c += m;
                    }
                }
                stack.extend(self.tree.iter().filter(|(_, _, p, _)| p == child).map(|(c, _, _, _)| c.as_str()));
            }
        }
        Ok(points)
    }

    /// Builds the cell at `pos` (µm) as hnn-core's `Cell.build` does in
    /// NEURON: 3-D end points, L, diam, Ra, cm, nseg and v0 per section,
    /// the tree, `define_shape`, the mechanisms, an Exp2Syn per receptor at
    /// each section's middle, a spike detector at the soma's middle with
    /// `threshold` (mV), and with `dipole` the dipole terms.
    pub fn build(&self, name: &str, pos: [f64; 3], threshold: f64, dipole: bool) -> Result<BuiltCell> {
        let points = self.placed_end_points()?;
        let mut cell = CableCell::new(name);
        let mut ids: Vec<SectionId> = Vec::with_capacity(self.sections.len());
        for (t, ends) in self.sections.iter().zip(&points) {
            let id = cell.add_section(t.name.clone(), SectionGeometry { length: t.length, diam: t.diam, nseg: 1 })?;
            for q in ends {
                cell.pt3d_add(id, q[0] + pos[0], q[1] + pos[1], q[2] + pos[2], 1.0)?;
            }
            cell.set_length(id, t.length)?;
            cell.set_diam(id, t.diam)?;
            cell.set_ra(id, t.ra)?;
            cell.set_cm(id, t.cm)?;
            cell.set_nseg(id, t.nseg)?;
            cell.set_initial_voltage(id, t.v0)?;
            ids.push(id);
        }
        for (child, child_end, parent, parent_end) in &self.tree {
            cell.connect_end(
                ids[self.section_index(child)?],
                *child_end,
                ids[self.section_index(parent)?],
                *parent_end,
            )?;
        }
        cell.define_shape()?;
        for (t, &id) in self.sections.iter().zip(&ids) {
            for (mechanism, values) in &t.mechanisms {
                cell.insert(id, mechanism)?;
                for (parameter, value) in values {
                    match value {
                        SectionValue::Uniform(v) => cell.set_parameter(id, mechanism, parameter, *v)?,
                        SectionValue::PerSegment(vs) => {
                            for (k, v) in vs.iter().enumerate() {
                                let x = (2 * k + 1) as f64 / (2 * vs.len()) as f64;
                                cell.set_parameter_at(Location::new(id, x), mechanism, parameter, *v)?;
                            }
                        }
                    }
                }
            }
        }
        let mut synapses = Vec::new();
        for (t, &id) in self.sections.iter().zip(&ids) {
            for &receptor in &t.receptors {
                let kinetics =
                    self.kinetics.iter().find(|(r, _)| *r == receptor).map(|(_, k)| *k).ok_or_else(|| {
                        NeuriteError::InvalidInput {
                            what: format!("cell template `{name}`: synapses.{}", receptor.name()),
                            reason: "a section has this receptor but the cell gives no kinetics for it".into(),
                        }
                    })?;
                synapses.push((t.name.clone(), receptor, add_exp2syn(&mut cell, Location::new(id, 0.5), kinetics)?));
            }
        }
        let soma = self.section_index("soma")?;
        cell.set_spike_detector(Location::new(ids[soma], 0.5), threshold)?;

        // hnn-core's dipole: in each segment the axial current from the node
        // before, (v_before − v)/ri, times the segment's length along the
        // apical trunk; at each section's far end the last half segment's.
        let mut dipole_terms = Vec::new();
        if dipole {
            let trunk = points[self.section_index("apical_trunk")?];
            let axis = [trunk[1][0] - trunk[0][0], trunk[1][1] - trunk[0][1], trunk[1][2] - trunk[0][2]];
            let nodes = CellNodes::new(&cell)?;
            for (&id, ends) in ids.iter().zip(&points) {
                let direction = [ends[1][0] - ends[0][0], ends[1][1] - ends[0][1], ends[1][2] - ends[0][2]];
                let cos = dot(axis, direction) / (dot(axis, axis).sqrt() * dot(direction, direction).sqrt());
                let section = cell.section(id)?;
                let (length, nseg) = (section.length(), section.nseg());
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
        }
        Ok(BuiltCell { cell, synapses, dipole_terms })
    }
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn add_exp2syn(cell: &mut CableCell, at: Location, kinetics: SynapseKinetics) -> Result<PointProcessId> {
    let id = cell.add_point_process(at, "Exp2Syn")?;
    cell.set_point_parameter(id, "e", kinetics.e)?;
    cell.set_point_parameter(id, "tau1", kinetics.tau1)?;
    cell.set_point_parameter(id, "tau2", kinetics.tau2)?;
    Ok(id)
}
