//! Membrane mechanisms: the trait every mechanism implements, the catalogue of
//! built-in mechanisms, and the mechanisms themselves.
//!
//! A mechanism type stores the data of all its instances in one place, as
//! structure-of-arrays (one `Vec<f64>` per variable, indexed by instance), and
//! is called once per step for all of them. The trait is deliberately close to
//! what NMODL generates (INITIAL, BREAKPOINT current, SOLVE states,
//! NET_RECEIVE), so that generated code can implement it.

pub mod function_table;
pub mod newton;
pub mod printf;
pub mod scop;

/// Mechanisms generated from `mechanisms/*.mod` by neurite's NMODL compiler
/// at build time (see build.rs).
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated_mechanisms.rs"));
}

use crate::error::NeuriteError;
use std::ops::Range;

/// Where a mechanism lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MechanismKind {
    /// Inserted in sections, one instance per segment; currents in mA/cm².
    Density,
    /// Placed at a location; currents in nA.
    Point,
    /// A cell of its own without membrane (NEURON's ARTIFICIAL_CELL).
    Artificial,
}

/// Role of a variable of a mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableRole {
    /// Set by the user, constant during a run (NMODL PARAMETER).
    Parameter,
    /// Integrated in time (NMODL STATE).
    State,
    /// Computed from the others (NMODL ASSIGNED), readable only.
    Assigned,
    /// The mechanism's copy of an ion variable of its segment (`ena`,
    /// `cai`, `ica`, ... of NMODL USEION): read from the ion before each
    /// call, and written back to it after the call if the mechanism WRITEs
    /// it. Set it with `CableCell::set_ion_variable`, as NEURON's `seg.ena`.
    Ion,
    /// A PARAMETER of the type, shared by all instances (NMODL GLOBAL):
    /// set with `Simulation::set_global`.
    Global,
}

/// Description of one variable of a mechanism.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariableInfo {
    /// Name as in the NMODL source (`gnabar`, `tau`, ...).
    pub name: &'static str,
    /// Role of the variable.
    pub role: VariableRole,
    /// Default value (parameters), in `units`.
    pub default: f64,
    /// Units, NEURON's (mV, ms, S/cm², µS, nA, ...).
    pub units: &'static str,
    /// The smallest value with a physical meaning, if there is one (as
    /// NMODL's `<low, high>` limits): `(bound, inclusive, reason)`.
    pub minimum: Option<(f64, bool, &'static str)>,
    /// The largest value allowed (NMODL's upper limit), if any.
    pub maximum: Option<f64>,
}

impl VariableInfo {
    /// A parameter (NMODL PARAMETER) with its default value.
    pub const fn parameter(name: &'static str, default: f64, units: &'static str) -> Self {
        VariableInfo { name, role: VariableRole::Parameter, default, units, minimum: None, maximum: None }
    }
    /// A state (NMODL STATE).
    pub const fn state(name: &'static str, units: &'static str) -> Self {
        VariableInfo { name, role: VariableRole::State, default: 0.0, units, minimum: None, maximum: None }
    }
    /// An assigned variable (NMODL ASSIGNED).
    pub const fn assigned(name: &'static str, units: &'static str) -> Self {
        VariableInfo { name, role: VariableRole::Assigned, default: 0.0, units, minimum: None, maximum: None }
    }
    /// An ion variable the mechanism reads or writes (see [`VariableRole::Ion`]).
    pub const fn ion(name: &'static str, units: &'static str) -> Self {
        VariableInfo { name, role: VariableRole::Ion, default: 0.0, units, minimum: None, maximum: None }
    }
    /// A PARAMETER shared by all instances (NMODL GLOBAL), with its default.
    pub const fn global(name: &'static str, default: f64, units: &'static str) -> Self {
        VariableInfo { name, role: VariableRole::Global, default, units, minimum: None, maximum: None }
    }
    /// With NMODL's limits `<low, high>`: values outside are errors.
    pub const fn within(self, low: f64, high: f64) -> Self {
        VariableInfo { minimum: Some((low, true, "below the mechanism's lower limit")), maximum: Some(high), ..self }
    }
    /// Checks a value given to this variable of `mechanism`: finite, and not
    /// below its minimum.
    pub fn check(&self, mechanism: &str, value: f64) -> Result<(), NeuriteError> {
        let invalid =
            |reason| NeuriteError::InvalidParameter { what: format!("{mechanism}.{}", self.name), value, reason };
        if !value.is_finite() {
            return Err(invalid("must be a finite number"));
        }
        match self.minimum {
            Some((bound, inclusive, reason)) if value < bound || (!inclusive && value == bound) => {
                return Err(invalid(reason));
            }
            _ => {}
        }
        match self.maximum {
            Some(bound) if value > bound => Err(invalid("above the mechanism's upper limit")),
            _ => Ok(()),
        }
    }
}

/// Where NMODL's BEFORE/AFTER blocks run, at NEURON's call points of a
/// fixed step: BEFORE INITIAL and AFTER INITIAL around the INITIAL blocks of
/// finitialize, BEFORE BREAKPOINT before the currents, AFTER SOLVE after the
/// state updates, BEFORE STEP after AFTER SOLVE (and at the end of
/// finitialize), right before values are recorded. These are all of
/// NEURON's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPoint {
    /// Before the mechanisms' INITIAL blocks.
    BeforeInitial,
    /// After all INITIAL blocks.
    AfterInitial,
    /// Before the membrane currents of a step.
    BeforeBreakpoint,
    /// After the state updates of a step.
    AfterSolve,
    /// At the end of a step and of finitialize, before recording (NEURON
    /// runs it with its continuous recording).
    BeforeStep,
}

/// Static description of a mechanism type.
#[derive(Debug)]
pub struct MechanismInfo {
    /// Name users insert it by (`hh`, `ExpSyn`, ...).
    pub name: &'static str,
    /// Density, point process or artificial cell.
    pub kind: MechanismKind,
    /// All variables; parameters first, in the order `create` expects them.
    pub variables: &'static [VariableInfo],
    /// The ions it uses (NMODL USEION), in the file's order.
    pub ions: &'static [IonUse],
    /// Its random streams (NMODL `RANDOM` variables, Random123 streams per
    /// instance), in the file's order.
    pub randoms: &'static [&'static str],
    /// Its POINTER variables: each instance's must be given a target (see
    /// `CableCell::set_pointer`); the mechanism reads and writes the target
    /// through its own copy, filled before each call and given back after.
    pub pointers: &'static [&'static str],
    /// The arguments of its NET_RECEIVE block (`weight` first): a NetCon
    /// ending on it carries a weight vector of this length (at least 1).
    pub weights: &'static [&'static str],
    /// Its FUNCTION_TABLEs: name and number of arguments. Their values come
    /// from the model ([`crate::Simulation::set_function_table`]); a call
    /// of one that has none is an error at the step it happens, as in
    /// NEURON.
    pub function_tables: &'static [(&'static str, usize)],
    /// Builds the runtime storage for a set of instances.
    pub create: fn(InstanceSetup) -> Box<dyn Mechanism>,
}

/// How a mechanism uses an ion: NMODL's `USEION ca READ eca, cai WRITE ica
/// VALENCE 2`. Variable names are NEURON's: `e<ion>` (reversal potential,
/// mV), `<ion>i` and `<ion>o` (concentrations inside and outside, mM),
/// `i<ion>` (current, mA/cm²).
#[derive(Debug)]
pub struct IonUse {
    /// Name of the ion (`na`, `k`, `ca`, or any other).
    pub ion: &'static str,
    /// Charge of the ion (VALENCE), if the file gives it (na, k and ca have
    /// NEURON's: 1, 1, 2).
    pub valence: Option<f64>,
    /// Variables the mechanism reads.
    pub read: &'static [&'static str],
    /// Variables the mechanism writes (currents, or concentrations).
    pub write: &'static [&'static str],
}

impl IonUse {
    /// Whether the mechanism writes a concentration of the ion (NEURON runs
    /// such mechanisms first, right after the ions, in every phase).
    pub fn writes_concentration(&self) -> bool {
        self.write
            .iter()
            .any(|w| matches!(IonVariable::of(self.ion, w), Some(IonVariable::Inside | IonVariable::Outside)))
    }
}

/// One of the per-segment variables of an ion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IonVariable {
    /// `e<ion>`, the reversal potential (mV).
    Reversal,
    /// `<ion>i`, the concentration inside (mM).
    Inside,
    /// `<ion>o`, the concentration outside (mM).
    Outside,
    /// `i<ion>`, the sum of the mechanisms' currents of the ion (mA/cm²).
    Current,
}

impl IonVariable {
    /// Which variable of `ion` the NMODL name `name` is (`ena` of `na` is
    /// the reversal potential).
    pub fn of(ion: &str, name: &str) -> Option<IonVariable> {
        if name.strip_prefix('e') == Some(ion) {
            Some(IonVariable::Reversal)
        } else if name.strip_prefix('i') == Some(ion) {
            Some(IonVariable::Current)
        } else if name.strip_suffix('i') == Some(ion) {
            Some(IonVariable::Inside)
        } else if name.strip_suffix('o') == Some(ion) {
            Some(IonVariable::Outside)
        } else {
            None
        }
    }

    /// Checks a value the user gives this variable (`what` names it):
    /// finite, and a concentration > 0 mM.
    pub fn check(self, what: impl FnOnce() -> String, value: f64) -> Result<(), NeuriteError> {
        let concentration = matches!(self, IonVariable::Inside | IonVariable::Outside);
        if value.is_finite() && (!concentration || value > 0.0) {
            return Ok(());
        }
        Err(NeuriteError::InvalidParameter {
            what: what(),
            value,
            reason: if concentration {
                "a concentration must be a finite number > 0 mM"
            } else {
                "must be a finite number"
            },
        })
    }
}

impl MechanismInfo {
    /// Length of the weight vector of a NetCon ending on this mechanism.
    pub fn weight_count(&self) -> usize {
        self.weights.len().max(1)
    }

    /// The parameters, in the order their values are passed to `create`.
    pub fn parameters(&self) -> impl Iterator<Item = &VariableInfo> {
        self.variables.iter().filter(|v| v.role == VariableRole::Parameter)
    }

    /// Index of parameter `name` among the parameters.
    pub fn parameter_index(&self, name: &str) -> Result<usize, NeuriteError> {
        self.parameters()
            .position(|v| v.name == name)
            .ok_or_else(|| NeuriteError::UnknownVariable { mechanism: self.name.to_string(), name: name.to_string() })
    }

    /// Default values of the parameters, in order.
    pub fn parameter_defaults(&self) -> Vec<f64> {
        self.parameters().map(|v| v.default).collect()
    }

    /// Whether the mechanism has a variable called `name`.
    pub fn has_variable(&self, name: &str) -> bool {
        self.variables.iter().any(|v| v.name == name)
    }
}

/// Everything a mechanism needs to build its storage for a set of instances.
#[derive(Debug, Clone, Default)]
pub struct InstanceSetup {
    /// Number of instances.
    pub count: usize,
    /// Per instance: 1e2 / node area (µm²), the factor that turns a point
    /// current in nA into mA/cm² of the node (empty for density mechanisms).
    pub area_factor: Vec<f64>,
    /// Per parameter (in `MechanismInfo::parameters` order), one value per
    /// instance.
    pub parameters: Vec<Vec<f64>>,
    /// Per instance: the diameter (µm) of the segment it sits in (NMODL's
    /// `diam`; empty for artificial cells).
    pub diam: Vec<f64>,
    /// Per instance: the membrane area (µm²) of its segment's node (NMODL's
    /// `area`; empty for artificial cells).
    pub area: Vec<f64>,
    /// Ids of the random streams: for each RANDOM variable of the
    /// mechanism (in `MechanismInfo::randoms` order), one triple per
    /// instance (entry `variable * count + instance`).
    pub random_ids: Vec<(u32, u32, u32)>,
}

/// Global values every mechanism may read during a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepGlobals {
    /// Time at which the call is made, ms (the midpoint of the step for
    /// currents, the end of the step for states, as in NEURON).
    pub t: f64,
    /// Time step, ms.
    pub dt: f64,
    /// Temperature, °C.
    pub celsius: f64,
}

/// Events a mechanism emits while receiving an event.
#[derive(Debug, Default)]
pub struct EventOutbox {
    /// `net_send`: (delivery time ms, instance, flag).
    pub self_events: Vec<(f64, usize, f64)>,
    /// `net_event`: (instance, spike time ms).
    pub spikes: Vec<(usize, f64)>,
    /// `net_move`: (instance, new delivery time ms, how many of
    /// `self_events` were sent before it in the same call). Moves the
    /// instance's pending self event of flag 1, the last one sent, as
    /// NEURON.
    pub moves: Vec<(usize, f64, usize)>,
    /// WATCH conditions that became true: (delivery time ms, instance,
    /// flag), queued as self events.
    pub watch_events: Vec<(f64, usize, f64)>,
    /// Instances whose NET_RECEIVE armed their WATCH statements afresh:
    /// their WATCH events still queued are dropped, as NEURON's
    /// `_nrn_watch_activate` removes them.
    pub watch_resets: Vec<usize>,
}

/// One mechanism type with all its instances in a cell group.
///
/// Each call covers every instance, so there is one dynamic dispatch per
/// mechanism type per step, never one per compartment. Kernels see only
/// instance-indexed arrays: the cell group gathers the voltage of each
/// instance's node into `v` and adds `rhs` and `d` back into the matrix (or
/// passes slices of its own arrays when the instances' nodes are
/// contiguous), so a kernel is a plain loop that vectorizes.
pub trait Mechanism: Send {
    /// Static description of the type.
    fn info(&self) -> &'static MechanismInfo;
    /// Number of instances.
    fn len(&self) -> usize;
    /// Whether there are no instances.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// NMODL INITIAL: states to their steady state at the voltages `v` (mV,
    /// one per instance).
    fn initialize(&mut self, v: &[f64], globals: &StepGlobals, outbox: &mut EventOutbox);
    /// NMODL BREAKPOINT for the instances `instances`: for each, subtract
    /// the current from its entry of `rhs` and add its conductance `di/dv`
    /// to its entry of `d` (mA/cm² and S/cm² of the instance's node),
    /// `di/dv` from a 1 µV difference as NEURON computes it. `v`, `rhs` and
    /// `d` have one entry per instance of the range: entry j is instance
    /// `instances.start + j` (the cell group passes slices of its own node
    /// arrays where a run of instances sits on a run of nodes).
    fn current(&mut self, instances: Range<usize>, v: &[f64], rhs: &mut [f64], d: &mut [f64], globals: &StepGlobals);
    /// NMODL SOLVE: advance the states of the instances `instances` by `dt`
    /// with the new voltages `v` (mV; entry j is instance
    /// `instances.start + j`).
    fn advance_state(&mut self, instances: Range<usize>, v: &[f64], globals: &StepGlobals);
    /// NMODL NET_RECEIVE: an event of a NetCon (flag 0) or a self event
    /// (flag != 0) arrives at `instance` at time `t` (ms). `weights` is the
    /// NetCon's weight vector, one entry per NET_RECEIVE argument (see
    /// [`MechanismInfo::weights`]): `weights[0]` is NEURON's `weight[0]`,
    /// the others are per-NetCon state the mechanism may change. A self
    /// event gets the vector of the event whose handling sent it, as in
    /// NEURON; one sent by INITIAL gets zeros. `v` is the voltage of the
    /// instance's node (mV; NaN for artificial cells): what the block
    /// leaves in it becomes the node's voltage, as NEURON's `NODEV = v`
    /// (integrate-and-fire resets).
    fn net_receive(
        &mut self,
        instance: usize,
        weights: &mut [f64],
        v: &mut f64,
        flag: f64,
        t: f64,
        outbox: &mut EventOutbox,
    ) {
        let _ = (instance, weights, v, flag, t, outbox);
    }
    /// The points of a step where the mechanism has BEFORE/AFTER blocks.
    fn call_points(&self) -> &'static [CallPoint] {
        &[]
    }
    /// Runs the mechanism's BEFORE/AFTER block for `point` on every
    /// instance (`v` one voltage per instance, mV).
    fn before_after(&mut self, point: CallPoint, v: &[f64], globals: &StepGlobals) {
        let _ = (point, v, globals);
    }
    /// Whether the mechanism has WATCH statements (see
    /// [`Mechanism::check_watches`]).
    fn has_watches(&self) -> bool {
        false
    }
    /// Whether NET_RECEIVE calls `net_move`: the cell group then keeps
    /// track of each instance's pending self event of flag 1.
    fn moves_events(&self) -> bool {
        false
    }
    /// NEURON's check of WATCH conditions at the start of a step (time `t`,
    /// ms; `v` one voltage per instance, mV): an armed condition that has
    /// become true sends its flag as a self event.
    fn check_watches(&mut self, v: &[f64], t: f64, outbox: &mut EventOutbox) {
        let _ = (v, t, outbox);
    }
    /// NEURON's initialization of a NetCon ending on `instance`, before the
    /// mechanisms' INITIAL blocks: NET_RECEIVE's own INITIAL block if it has
    /// one, otherwise every entry of `weights` but the first set to 0.
    fn net_receive_init(&mut self, instance: usize, weights: &mut [f64], t: f64) {
        let _ = (instance, t);
        for w in weights.iter_mut().skip(1) {
            *w = 0.0;
        }
    }
    /// The first instance whose state update failed since the last call,
    /// with the reason (a derivimplicit Newton iteration that did not
    /// converge: NEURON aborts the run). The cell group asks after every
    /// state update and stops with an error naming the instance's place.
    fn take_failure(&mut self) -> Option<(usize, &'static str)> {
        None
    }
    /// Whether [`Mechanism::take_failure`] can report anything (asked once,
    /// when the cell group is built: a mechanism that overrides
    /// `take_failure` must override this too, or its failures are not asked
    /// for).
    fn reports_failures(&self) -> bool {
        false
    }
    /// A variable of the type rather than of an instance (NMODL GLOBAL,
    /// and `usetable`, NEURON's `usetable_<suffix>`).
    fn global(&self, name: &str) -> Option<f64> {
        let _ = name;
        None
    }
    /// Sets a variable of the type (see [`Mechanism::global`]); false if
    /// there is none of that name.
    fn set_global(&mut self, name: &str, value: f64) -> bool {
        let _ = (name, value);
        false
    }
    /// Gives FUNCTION_TABLE `name` its values (one table for the type, as
    /// NEURON's); false if the mechanism has no FUNCTION_TABLE of that name.
    fn set_function_table(&mut self, name: &str, table: std::sync::Arc<function_table::FunctionTable>) -> bool {
        let _ = (name, table);
        false
    }
    /// Values of variable `name` for all instances.
    fn variable(&self, name: &str) -> Option<&[f64]>;
    /// Mutable values of variable `name` for all instances.
    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]>;
    /// The mechanism's copies of ion variable `name` (`ena`, `cai`, `ica`;
    /// see [`IonUse`]) or of POINTER `name`, which the cell group fills from
    /// the segments' ions (the pointers' targets) before a call and adds or
    /// copies back after it. Unlike
    /// [`Mechanism::variable_mut`] this is no change of a parameter, so
    /// nothing cached is dropped.
    fn ion_column(&mut self, name: &str) -> Option<&mut [f64]> {
        self.variable_mut(name)
    }
    /// Whether the mechanism never assigns its copy of the ion variable
    /// `name` that it only reads: then the copy is refilled only when the
    /// ion's values change (NEURON refills it at every call, which gives
    /// the same values).
    fn keeps_ion_copy(&self, name: &str) -> bool {
        let _ = name;
        false
    }
}

/// The built-in mechanisms, generated from their NMODL sources in
/// mechanisms/ (build.rs): NEURON's own pas, hh, ExpSyn, Exp2Syn, IClamp and
/// NetStim, then the channels of the Human Neocortical Neurosolver's cells
/// (ar, ca, cad, cat, hh2, kca, km; in the order nrnivmodl registers
/// hnn-core's files). Channels with TABLEs use them unless `usetable` is set
/// to 0, as NEURON's `usetable_<suffix>`.
pub static BUILTIN: [&MechanismInfo; 13] = [
    &generated::pas::INFO,
    &generated::hh::INFO,
    &generated::expsyn::INFO,
    &generated::exp2syn::INFO,
    &generated::iclamp::INFO,
    &generated::netstim::INFO,
    &generated::ar::INFO,
    &generated::ca::INFO,
    &generated::cad::INFO,
    &generated::cat::INFO,
    &generated::hh2::INFO,
    &generated::kca::INFO,
    &generated::km::INFO,
];

/// NEURON's spike generator, built from mechanisms/netstim.mod.
pub use generated::netstim::INFO as NETSTIM;

/// The mechanisms a model can use by name: the built-ins and mechanisms
/// generated from users' NMODL files (`neurite_nmodl::Builder` in a
/// build.rs, then `include!`). Cells insert from it with
/// `CableCell::insert_mechanism(section, catalogue.get("hh2")?)`.
#[derive(Debug, Clone)]
pub struct Catalogue {
    infos: Vec<&'static MechanismInfo>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue { infos: BUILTIN.to_vec() }
    }
}

impl Catalogue {
    /// The built-in mechanisms.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// Adds a mechanism; its name must be new.
    pub fn add(&mut self, info: &'static MechanismInfo) -> Result<(), NeuriteError> {
        if self.infos.iter().any(|i| i.name == info.name) {
            return Err(NeuriteError::InvalidParameter {
                what: format!("mechanism `{}` added to the catalogue", info.name),
                value: f64::NAN,
                reason: "a mechanism of that name is already in it",
            });
        }
        self.infos.push(info);
        Ok(())
    }

    /// Adds a mechanism compiled from a user's NMODL file: it takes the
    /// place of a built-in of the same name (as a user's `hh2.mod` instead of
    /// neurite's), but not of another added mechanism.
    pub fn add_replacing_builtin(&mut self, info: &'static MechanismInfo) -> Result<(), NeuriteError> {
        let builtin = |i: &MechanismInfo| BUILTIN.iter().any(|b| std::ptr::eq(*b, i));
        match self.infos.iter().position(|i| i.name == info.name) {
            Some(k) if builtin(self.infos[k]) => {
                self.infos[k] = info;
                Ok(())
            }
            _ => self.add(info),
        }
    }

    /// The mechanism called `name`.
    pub fn get(&self, name: &str) -> Result<&'static MechanismInfo, NeuriteError> {
        self.infos
            .iter()
            .copied()
            .find(|info| info.name == name)
            .ok_or_else(|| NeuriteError::UnknownMechanism { name: name.to_string() })
    }

    /// Names of all mechanisms, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.infos.iter().map(|i| i.name)
    }
}

/// Looks a built-in mechanism up by name.
pub fn lookup(name: &str) -> Result<&'static MechanismInfo, NeuriteError> {
    BUILTIN
        .iter()
        .copied()
        .find(|info| info.name == name)
        .ok_or_else(|| NeuriteError::UnknownMechanism { name: name.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_built_ins_are_in_the_catalogue_with_their_nmodl_limits() {
        let catalogue = Catalogue::builtin();
        for name in ["pas", "hh", "ExpSyn", "Exp2Syn", "IClamp"] {
            assert!(std::ptr::eq(catalogue.get(name).unwrap(), lookup(name).unwrap()));
        }
        let mut more = catalogue.clone();
        assert!(more.add(&generated::pas::INFO).is_err(), "names are unique");
        more.add_replacing_builtin(&generated::hh::INFO).unwrap();
        assert!(std::ptr::eq(more.get("hh").unwrap(), &generated::hh::INFO));
        assert_eq!(more.names().count(), BUILTIN.len());
        let tau = lookup("ExpSyn").unwrap().variables.iter().find(|v| v.name == "tau").unwrap();
        assert!(tau.check("ExpSyn", 0.0).is_err() && tau.check("ExpSyn", 2e9).is_err());
        assert!(tau.check("ExpSyn", 1e-9).is_ok() && tau.check("ExpSyn", 2.0).is_ok());
        let pas = lookup("pas").unwrap();
        assert_eq!(pas.parameters().map(|v| (v.name, v.default)).collect::<Vec<_>>(), [("g", 0.001), ("e", -70.0)]);
        assert!(matches!(lookup("hh3"), Err(NeuriteError::UnknownMechanism { .. })));
    }
}
