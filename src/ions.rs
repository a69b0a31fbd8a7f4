//! Ions per segment, as NEURON's `na_ion`, `k_ion`, `ca_ion` and any ion a
//! mechanism declares (NMODL USEION): a reversal potential, concentrations
//! inside and outside, and the sum of the mechanisms' currents of the ion.
//!
//! Which of these are constant and which are computed follows NEURON's
//! `ion_style` defaults, decided per segment from the mechanisms there: a
//! concentration that some mechanism writes is reset to `<ion>i0_<ion>_ion`
//! at initialization and the reversal potential is recomputed with Nernst at
//! every step; a concentration that is only read makes the reversal
//! potential a Nernst value computed at initialization; otherwise the
//! reversal potential is a parameter of the segment (NEURON's defaults: ena
//! 50 mV, ek -77 mV, eca 12.5 ln(2/5e-5) mV, 0 for other ions).

use crate::error::{NeuriteError, Result};
use crate::mechanisms::{IonUse, IonVariable};

/// Faraday's constant, C/mol (CODATA 2018, as NEURON 9's units).
pub const FARADAY: f64 = 96485.33212331001;
/// The gas constant, J/(K mol) (CODATA 2018, as NEURON 9's units).
pub const GAS_CONSTANT: f64 = 8.31446261815324;

/// An ion's defaults, NEURON's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IonDefaults {
    /// Charge, if NEURON knows it without a VALENCE (na, k, ca).
    pub charge: Option<f64>,
    /// Concentration inside, mM.
    pub inside: f64,
    /// Concentration outside, mM.
    pub outside: f64,
    /// Reversal potential, mV.
    pub reversal: f64,
}

/// NEURON's defaults for ion `name`.
pub fn defaults(name: &str) -> IonDefaults {
    match name {
        "na" => IonDefaults { charge: Some(1.0), inside: 10.0, outside: 140.0, reversal: 50.0 },
        "k" => IonDefaults { charge: Some(1.0), inside: 54.4, outside: 2.5, reversal: -77.0 },
        "ca" => IonDefaults { charge: Some(2.0), inside: 5e-5, outside: 2.0, reversal: 12.5 * (2.0f64 / 5e-5).ln() },
        _ => IonDefaults { charge: None, inside: 1.0, outside: 1.0, reversal: 0.0 },
    }
}

/// The Nernst potential (mV) of an ion of charge `z` at concentrations `ci`
/// and `co` (mM) and temperature `celsius` (°C), computed as NEURON does
/// (±1e6 mV when a concentration is not positive), with `math::ln` for
/// C's `log` (within 1 ulp of it).
pub fn nernst(ci: f64, co: f64, z: f64, celsius: f64) -> f64 {
    if z == 0.0 {
        return 0.0;
    }
    nernst_with(ci, co, nernst_factor(z, celsius))
}

/// NEURON's `ktf/z` (mV) of the Nernst equation.
fn nernst_factor(z: f64, celsius: f64) -> f64 {
    let ktf = 1000. * GAS_CONSTANT * (celsius + 273.15) / FARADAY;
    ktf / z
}

/// [`nernst`] with its factor computed once; branch-free, so that a loop
/// over segments vectorizes.
#[inline(always)]
fn nernst_with(ci: f64, co: f64, factor: f64) -> f64 {
    let e = factor * crate::math::ln(co / ci);
    if ci <= 0.0 {
        1e6
    } else if co <= 0.0 {
        -1e6
    } else {
        e
    }
}

/// Concentrations are reset at initialization.
const CONCENTRATION_INIT: u8 = 1;
/// The reversal potential is computed by Nernst at initialization.
const REVERSAL_INIT: u8 = 2;
/// The reversal potential is computed by Nernst at every step.
const REVERSAL_ADVANCE: u8 = 4;

/// How the mechanisms of one segment use an ion, as NEURON's `nrn_promote`
/// flags: concentrations and reversal potential each unused (0), read (1)
/// or written (3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IonUsage {
    concentration: u8,
    reversal: u8,
}

impl IonUsage {
    /// Adds what one mechanism does with the ion.
    pub fn add(&mut self, ion_use: &IonUse) {
        for (names, level) in [(ion_use.read, 1), (ion_use.write, 3)] {
            for name in names {
                match IonVariable::of(ion_use.ion, name) {
                    Some(IonVariable::Inside | IonVariable::Outside) => {
                        self.concentration = self.concentration.max(level)
                    }
                    Some(IonVariable::Reversal) => self.reversal = self.reversal.max(level),
                    _ => {}
                }
            }
        }
    }

    /// NEURON's style for the segment: what is reset and what recomputed.
    fn style(self) -> u8 {
        let conc = self.concentration;
        // A concentration in use makes the reversal potential at least
        // "assigned" (computed from it) unless a mechanism writes it.
        let rev = if conc > 0 && self.reversal < 2 { 2 } else { self.reversal };
        let mut style = 0;
        if conc == 3 {
            style |= CONCENTRATION_INIT;
            if rev == 2 {
                style |= REVERSAL_ADVANCE;
            }
        }
        if conc > 0 && rev == 2 {
            style |= REVERSAL_INIT;
        }
        style
    }
}

/// One ion in one cell group: its variables at the nodes where a mechanism
/// uses it (`nodes`, ascending), structure-of-arrays.
#[derive(Debug, Clone)]
pub(crate) struct IonStore {
    pub name: String,
    pub charge: f64,
    /// `<ion>i0_<ion>_ion` and `<ion>o0_<ion>_ion`: concentrations set at
    /// initialization where a mechanism writes them, mM.
    pub inside0: f64,
    pub outside0: f64,
    pub nodes: Vec<u32>,
    style: Vec<u8>,
    pub reversal: Vec<f64>,
    pub inside: Vec<f64>,
    pub outside: Vec<f64>,
    pub current: Vec<f64>,
    /// Whether any node recomputes its reversal potential every step.
    advances: bool,
    /// Per variable (reversal, inside, outside), a count of the changes of
    /// its values: a mechanism's copy that is up to date is not loaded again.
    versions: [u64; 3],
}

impl IonStore {
    /// The ion `name` at `nodes` (ascending, each with what its mechanisms
    /// do with the ion), with NEURON's default values. `valence` is the
    /// charge a mechanism declared, if any.
    pub fn new(name: &str, valence: Option<f64>, nodes: Vec<(u32, IonUsage)>) -> Result<Self> {
        let d = defaults(name);
        let charge = match (d.charge, valence) {
            (Some(known), Some(given)) if known != given => {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("VALENCE of ion `{name}`"),
                    value: given,
                    reason: "differs from the ion's charge",
                });
            }
            (Some(known), _) => known,
            (None, Some(given)) => given,
            (None, None) => {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("ion `{name}`"),
                    value: f64::NAN,
                    reason: "has no charge: one mechanism using it must give its VALENCE",
                });
            }
        };
        let n = nodes.len();
        let style: Vec<u8> = nodes.iter().map(|(_, usage)| usage.style()).collect();
        Ok(IonStore {
            name: name.to_string(),
            charge,
            inside0: d.inside,
            outside0: d.outside,
            advances: style.iter().any(|s| s & REVERSAL_ADVANCE != 0),
            nodes: nodes.into_iter().map(|(node, _)| node).collect(),
            style,
            reversal: vec![d.reversal; n],
            inside: vec![d.inside; n],
            outside: vec![d.outside; n],
            current: vec![0.0; n],
            versions: [0; 3],
        })
    }

    /// Index of `node` in the ion's arrays, if the ion is there.
    pub fn index_of(&self, node: usize) -> Option<usize> {
        self.nodes.binary_search(&(node as u32)).ok()
    }

    /// The column of `variable`.
    pub fn column(&self, variable: IonVariable) -> &[f64] {
        match variable {
            IonVariable::Reversal => &self.reversal,
            IonVariable::Inside => &self.inside,
            IonVariable::Outside => &self.outside,
            IonVariable::Current => &self.current,
        }
    }

    /// How many times the values of `variable` may have changed (currents,
    /// summed anew every step, are always loaded).
    fn version(&self, variable: IonVariable) -> u64 {
        match variable {
            IonVariable::Reversal => self.versions[0],
            IonVariable::Inside => self.versions[1],
            IonVariable::Outside => self.versions[2],
            IonVariable::Current => u64::MAX,
        }
    }

    fn changed(&mut self, variable: IonVariable) {
        match variable {
            IonVariable::Reversal => self.versions[0] += 1,
            IonVariable::Inside => self.versions[1] += 1,
            IonVariable::Outside => self.versions[2] += 1,
            IonVariable::Current => {}
        }
    }

    /// The mutable column of `variable` (its values count as changed).
    pub fn column_mut(&mut self, variable: IonVariable) -> &mut [f64] {
        self.changed(variable);
        match variable {
            IonVariable::Reversal => &mut self.reversal,
            IonVariable::Inside => &mut self.inside,
            IonVariable::Outside => &mut self.outside,
            IonVariable::Current => &mut self.current,
        }
    }

    /// Initialization, before any mechanism's INITIAL: concentrations that
    /// are written to their `*0` values, then Nernst where the style says.
    pub fn initialize(&mut self, celsius: f64) {
        self.versions.iter_mut().for_each(|v| *v += 1);
        for i in 0..self.nodes.len() {
            if self.style[i] & CONCENTRATION_INIT != 0 {
                self.inside[i] = self.inside0;
                self.outside[i] = self.outside0;
            }
        }
        for i in 0..self.nodes.len() {
            if self.style[i] & REVERSAL_INIT != 0 {
                self.reversal[i] = nernst(self.inside[i], self.outside[i], self.charge, celsius);
            }
        }
    }

    /// Start of the current phase (before any mechanism's BREAKPOINT):
    /// currents to zero, reversal potentials recomputed where
    /// concentrations change.
    pub fn begin_currents(&mut self, celsius: f64) {
        self.current.fill(0.0);
        if self.advances {
            self.changed(IonVariable::Reversal);
            // One pass over every segment, the factor computed once (the
            // same value NEURON computes for each).
            let n = self.nodes.len();
            let factor = nernst_factor(self.charge, celsius);
            let charged = self.charge != 0.0;
            let (style, inside, outside) = (&self.style[..n], &self.inside[..n], &self.outside[..n]);
            for (i, reversal) in self.reversal[..n].iter_mut().enumerate() {
                let e = if charged { nernst_with(inside[i], outside[i], factor) } else { 0.0 };
                if style[i] & REVERSAL_ADVANCE != 0 {
                    *reversal = e;
                }
            }
        }
    }

    /// After a mechanism's INITIAL wrote concentrations at ion indices
    /// `indices`: their reversal potentials follow at once where they are
    /// computed (NEURON's `nrn_wrote_conc`).
    pub fn wrote_concentrations(&mut self, indices: impl Iterator<Item = usize>, celsius: f64) {
        self.changed(IonVariable::Reversal);
        for i in indices {
            if self.style[i] & REVERSAL_INIT != 0 {
                self.reversal[i] = nernst(self.inside[i], self.outside[i], self.charge, celsius);
            }
        }
    }

    /// Bytes of state held.
    pub fn bytes(&self) -> usize {
        self.nodes.len() * (4 + 1 + 4 * 8)
    }
}

/// The call a mechanism's ion variables are exchanged around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// INITIAL (NEURON's nrn_init).
    Initial,
    /// BREAKPOINT currents (nrn_cur).
    Current,
    /// SOLVE (nrn_state).
    State,
}

/// Where the instances of a mechanism find their ion.
#[derive(Debug, Clone)]
enum IonIndex {
    /// Instance k at ion index `start + k`.
    Contiguous { start: usize },
    /// Instance k at ion index `indices[k]`.
    Indexed(Vec<u32>),
}

/// One ion variable of one mechanism type in a cell group: the mechanism's
/// copy (its column `name`) and the ion's values at its instances' nodes.
#[derive(Debug, Clone)]
pub(crate) struct IonBinding {
    /// Index of the ion in the group's ions.
    pub ion: usize,
    variable: IonVariable,
    name: &'static str,
    read: bool,
    write: bool,
    index: IonIndex,
    /// Point processes writing a current: 1e2/area (µm²) per instance, the
    /// factor from nA to mA/cm² of the node, as for their membrane current.
    area_factor: Vec<f64>,
    /// Whether the mechanism never changes its copy (a read-only variable it
    /// does not assign): then the copy is loaded only when the ion's values
    /// changed.
    kept: bool,
    /// The ion's version of the values last loaded.
    loaded: u64,
}

impl IonBinding {
    /// A binding of variable `name` of `ion_use` for instances at `nodes`
    /// (one per instance) in `store` (index `ion` of the group).
    pub fn new(
        ion: usize,
        store: &IonStore,
        ion_use: &IonUse,
        name: &'static str,
        nodes: &[usize],
        area_factor: &[f64],
        kept: bool,
    ) -> Option<IonBinding> {
        let variable = IonVariable::of(ion_use.ion, name)?;
        let indices: Vec<u32> = nodes.iter().map(|&n| store.index_of(n).map(|i| i as u32)).collect::<Option<_>>()?;
        let contiguous = indices.windows(2).all(|w| w[1] == w[0] + 1);
        let index = if contiguous {
            IonIndex::Contiguous { start: indices.first().map_or(0, |&i| i as usize) }
        } else {
            IonIndex::Indexed(indices)
        };
        let write = ion_use.write.contains(&name);
        Some(IonBinding {
            ion,
            variable,
            name,
            read: ion_use.read.contains(&name),
            write,
            index,
            area_factor: if write && variable == IonVariable::Current { area_factor.to_vec() } else { Vec::new() },
            kept: kept && !write && variable != IonVariable::Current,
            loaded: u64::MAX,
        })
    }

    /// Whether the mechanism's copy is filled from the ion before a call:
    /// what it reads, and the concentrations and potentials it writes (it
    /// starts from the ion's value, as in NEURON).
    fn loads(&self) -> bool {
        self.read || (self.write && self.variable != IonVariable::Current)
    }

    /// Fills the mechanism's copy (`column()`, asked for only when there is
    /// something to copy) from the ions.
    pub fn load<'c>(&mut self, ions: &[IonStore], phase: Phase, column: impl FnOnce() -> Option<&'c mut [f64]>) {
        let version = ions[self.ion].version(self.variable);
        if !self.loads() || (self.kept && version == self.loaded && phase != Phase::Initial) {
            return;
        }
        let Some(column) = column() else { return };
        self.loaded = version;
        let source = ions[self.ion].column(self.variable);
        match &self.index {
            IonIndex::Contiguous { start } => column.copy_from_slice(&source[*start..*start + column.len()]),
            IonIndex::Indexed(indices) => {
                for (c, &i) in column.iter_mut().zip(indices) {
                    *c = source[i as usize];
                }
            }
        }
    }

    /// Gives what the mechanism wrote in `phase` back to the ions: its
    /// currents are added to the ion's (BREAKPOINT), its concentrations and
    /// potentials replace the ion's (INITIAL and SOLVE; after INITIAL the
    /// reversal potentials follow written concentrations at once, as
    /// NEURON's `nrn_wrote_conc`).
    pub fn store<'c>(
        &self,
        ions: &mut [IonStore],
        phase: Phase,
        celsius: f64,
        column: impl FnOnce() -> Option<&'c [f64]>,
    ) {
        let is_current = self.variable == IonVariable::Current;
        if !self.write || is_current != (phase == Phase::Current) {
            return;
        }
        let Some(column) = column() else { return };
        let store = &mut ions[self.ion];
        let target = store.column_mut(self.variable);
        match (&self.index, is_current) {
            (IonIndex::Contiguous { start }, true) if self.area_factor.is_empty() => {
                for (t, c) in target[*start..*start + column.len()].iter_mut().zip(column) {
                    *t += c;
                }
            }
            (IonIndex::Contiguous { start }, false) => {
                target[*start..*start + column.len()].copy_from_slice(column);
            }
            _ => {
                for (k, &c) in column.iter().enumerate() {
                    let i = self.ion_index(k);
                    if is_current {
                        target[i] += c * self.area_factor.get(k).copied().unwrap_or(1.0);
                    } else {
                        target[i] = c;
                    }
                }
            }
        }
        if phase == Phase::Initial && matches!(self.variable, IonVariable::Inside | IonVariable::Outside) {
            store.wrote_concentrations((0..column.len()).map(|k| self.ion_index(k)), celsius);
        }
    }

    fn ion_index(&self, k: usize) -> usize {
        match &self.index {
            IonIndex::Contiguous { start } => start + k,
            IonIndex::Indexed(indices) => indices[k] as usize,
        }
    }

    /// The mechanism's column this binding exchanges.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_nernst_are_neurons() {
        assert_eq!(defaults("ca").reversal, 12.5 * (2.0f64 / 5e-5).ln());
        assert!((defaults("ca").reversal - 132.4579341637009).abs() < 1e-12);
        // RT/F at 6.3 °C is 24.08 mV.
        let e = nernst(10.0, 140.0, 1.0, 6.3);
        assert!((e - 24.0799 * (14.0f64).ln()).abs() < 1e-2, "{e}");
        assert_eq!(nernst(0.0, 1.0, 1.0, 6.3), 1e6);
        assert_eq!(nernst(1.0, 0.0, 1.0, 6.3), -1e6);
        assert_eq!(nernst(1.0, 2.0, 0.0, 6.3), 0.0);
    }

    #[test]
    fn styles_follow_neurons_promotion_rules() {
        let use_of = |read: &'static [&'static str], write: &'static [&'static str]| IonUse {
            ion: "ca",
            valence: None,
            read,
            write,
        };
        let usage = |uses: &[IonUse]| {
            let mut u = IonUsage::default();
            for x in uses {
                u.add(x);
            }
            u.style()
        };
        // eca read only: a parameter.
        assert_eq!(usage(&[use_of(&["eca"], &["ica"])]), 0);
        // cai read: eca from Nernst at initialization.
        assert_eq!(usage(&[use_of(&["eca"], &["ica"]), use_of(&["cai"], &[])]), REVERSAL_INIT);
        // cai written: reset, and Nernst at every step.
        assert_eq!(
            usage(&[use_of(&["eca"], &["ica"]), use_of(&["ica", "cai"], &["cai"])]),
            CONCENTRATION_INIT | REVERSAL_INIT | REVERSAL_ADVANCE
        );
        // eca written by a mechanism: never recomputed.
        assert_eq!(usage(&[use_of(&[], &["eca", "cai"])]), CONCENTRATION_INIT);
    }

    #[test]
    fn an_unknown_ion_needs_a_valence() {
        assert!(IonStore::new("x", None, vec![]).is_err());
        assert_eq!(IonStore::new("x", Some(-1.0), vec![]).unwrap().charge, -1.0);
        assert!(IonStore::new("ca", Some(1.0), vec![]).is_err());
    }
}
