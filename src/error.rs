//! Errors: every way user input or a run can go wrong, as values.

use thiserror::Error;

/// The error type of neurite.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NeuriteError {
    /// A section needs at least one segment.
    #[error("section `{section}`: nseg must be an integer in range 1 to 32767 (got {nseg})")]
    InvalidNseg {
        /// Section name.
        section: String,
        /// The rejected value.
        nseg: usize,
    },
    /// A geometric or electrical property is not a finite positive number.
    #[error("section `{section}`: {parameter} must be a finite number > 0 (got {value})")]
    InvalidSectionValue {
        /// Section name.
        section: String,
        /// Which property (L, diam, Ra, cm, 3-D diameter).
        parameter: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A location outside the section.
    #[error("section `{section}`: location x = {x} is outside [0, 1]")]
    LocationOutOfRange {
        /// Section name.
        section: String,
        /// The rejected position.
        x: f64,
    },
    /// A section id that is not part of the cell.
    #[error("cell `{cell}` has no section with id {id}")]
    UnknownSection {
        /// Cell name.
        cell: String,
        /// The unknown id.
        id: usize,
    },
    /// No section of that name.
    #[error("cell `{cell}` has no section named `{name}`")]
    UnknownSectionName {
        /// Cell name (and gid).
        cell: String,
        /// The requested name.
        name: String,
    },
    /// An id of one cell (or simulation) given to another.
    #[error("a {kind} id that belongs to another cell or simulation was given to {owner}")]
    ForeignId {
        /// What the id names (section, point process, NetStim, trace).
        kind: &'static str,
        /// The cell (or simulation) it was given to.
        owner: String,
    },
    /// A section's 0 end can be connected to one parent only.
    #[error("section `{child}` is already connected to `{parent}`; disconnect it first")]
    AlreadyConnected {
        /// The section being connected.
        child: String,
        /// Its current parent.
        parent: String,
    },
    /// Connecting would close a loop in the tree.
    #[error("connecting `{child}` to `{parent}` would create a cycle")]
    CycleInTree {
        /// The section being connected.
        child: String,
        /// The requested parent.
        parent: String,
    },
    /// A cell must be one tree of sections.
    #[error("cell `{cell}` must be a single tree, but it has {roots} unconnected root sections")]
    DisconnectedCell {
        /// Cell name.
        cell: String,
        /// Number of sections without a parent.
        roots: usize,
    },
    /// A cell without sections.
    #[error("cell `{cell}` has no sections")]
    EmptyCell {
        /// Cell name.
        cell: String,
    },
    /// No mechanism of that name.
    #[error("unknown mechanism `{name}`")]
    UnknownMechanism {
        /// The requested name.
        name: String,
    },
    /// A mechanism used where another kind is needed.
    #[error("mechanism `{name}` is a {found} mechanism, but a {expected} mechanism is needed here")]
    WrongMechanismKind {
        /// Mechanism name.
        name: String,
        /// What was needed.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// No variable of that name in the mechanism.
    #[error("mechanism `{mechanism}` has no parameter named `{name}`")]
    UnknownVariable {
        /// Mechanism name.
        mechanism: String,
        /// The requested variable.
        name: String,
    },
    /// A parameter set in a section where the mechanism is not inserted.
    #[error("mechanism `{mechanism}` is not inserted in section `{section}`")]
    MechanismNotInserted {
        /// Mechanism name.
        mechanism: String,
        /// Section name.
        section: String,
    },
    /// An ion variable set where no mechanism uses the ion.
    #[error("cell `{cell}`, section `{section}`: `{name}` is no ion variable of a mechanism inserted there")]
    NotAnIonVariable {
        /// The name given (`ena`, `cai`, ...).
        name: String,
        /// The section.
        section: String,
        /// The cell.
        cell: String,
    },
    /// A FUNCTION_TABLE given values that do not fit it, or a name that is
    /// no FUNCTION_TABLE of the mechanism.
    #[error("FUNCTION_TABLE `{function}` of mechanism `{mechanism}`: {reason}")]
    InvalidFunctionTable {
        /// Mechanism name.
        mechanism: String,
        /// The FUNCTION_TABLE's name.
        function: String,
        /// What is wrong.
        reason: String,
    },
    /// A parameter value outside its domain.
    #[error("{what} = {value} is invalid: {reason}")]
    InvalidParameter {
        /// What was set (e.g. `ExpSyn.tau`, `NetCon.delay`).
        what: String,
        /// The rejected value.
        value: f64,
        /// Why.
        reason: &'static str,
    },
    /// A NetCon delay below zero.
    #[error("NetCon from gid {source_gid}: delay must be >= 0 ms (got {delay} ms)")]
    NegativeDelay {
        /// Source gid of the NetCon.
        source_gid: u64,
        /// The rejected delay.
        delay: f64,
    },
    /// A time step that is not a finite positive number.
    #[error("dt must be a finite number > 0 ms (got {dt})")]
    InvalidDt {
        /// The rejected dt.
        dt: f64,
    },
    /// A gid that no cell has.
    #[error("no cell has gid {gid}")]
    UnknownGid {
        /// The gid.
        gid: u64,
    },
    /// A point process id that is not part of the cell.
    #[error("gid {gid}: no point process with id {id}")]
    UnknownPointProcess {
        /// Cell gid.
        gid: u64,
        /// Point process id.
        id: usize,
    },
    /// A point process id that is not part of the cell description.
    #[error("cell `{cell}` has no point process with id {id}")]
    UnknownPointProcessInCell {
        /// Cell name.
        cell: String,
        /// Point process id.
        id: usize,
    },
    /// A NetCon target that cannot receive events.
    #[error("gid {gid}: point process `{mechanism}` cannot receive events")]
    NotAnEventTarget {
        /// Cell gid.
        gid: u64,
        /// Mechanism name.
        mechanism: String,
    },
    /// A source gid without a spike detector.
    #[error("gid {gid} is used as a NetCon source but has no spike detector")]
    NoSpikeDetector {
        /// The gid.
        gid: u64,
    },
    /// The membrane potential stopped being a number.
    #[error("voltage became {value} in cell gid {gid}, section `{section}`, at t = {t} ms")]
    NonFiniteVoltage {
        /// Cell gid.
        gid: u64,
        /// Section name.
        section: String,
        /// Time of the step that produced it.
        t: f64,
        /// The value (NaN or ±inf).
        value: f64,
    },
    /// A mechanism instance whose POINTER was never set.
    #[error(
        "cell `{cell}`, section `{section}`: POINTER `{pointer}` of `{mechanism}` is not set (CableCell::set_pointer)"
    )]
    PointerNotSet {
        /// Cell name.
        cell: String,
        /// Section of the instance.
        section: String,
        /// Mechanism name.
        mechanism: String,
        /// The POINTER.
        pointer: String,
    },
    /// A mechanism's numerical method failed (NEURON aborts the run).
    #[error("{mechanism}: {reason}, in cell gid {gid}, section `{section}`, at t = {t} ms")]
    MechanismFailed {
        /// Mechanism name.
        mechanism: String,
        /// What failed.
        reason: String,
        /// Cell gid of the instance.
        gid: u64,
        /// Section of the instance.
        section: String,
        /// Time of the step, ms.
        t: f64,
    },
    /// A run asked for before `finitialize`.
    #[error("the simulation must be initialized with finitialize before it can run")]
    NotInitialized,
    /// Another rank failed; its message.
    #[error("rank {rank} failed: {message}")]
    RankFailed {
        /// The rank that failed first.
        rank: usize,
        /// Its error message.
        message: String,
    },
    /// A value that must be the same on every rank differs.
    #[error(
        "{parameter} must be the same on every rank, but it is {first_value} on rank {first_rank} and {other_value} on rank {other_rank}"
    )]
    RanksDisagree {
        /// What differs (dt, tstop, celsius, v_init, network identity, ...).
        parameter: String,
        /// A rank with the first value.
        first_rank: usize,
        /// Its value.
        first_value: String,
        /// A rank with another value.
        other_rank: usize,
        /// That value.
        other_value: String,
    },
    /// A gid placed on more than one rank.
    #[error("gid {gid} is set on rank {first} and on rank {second}")]
    GidOnTwoRanks {
        /// The gid.
        gid: u64,
        /// One rank.
        first: usize,
        /// The other rank.
        second: usize,
    },
    /// Two cells with one gid.
    #[error("gid {gid} is already used by another cell")]
    DuplicateGid {
        /// The gid.
        gid: u64,
    },
    /// A cell added on a rank its gid is not assigned to.
    #[error("gid {gid} is not assigned to rank {rank}: call set_gid2node({gid}, {rank}) first")]
    GidNotOnThisRank {
        /// The gid.
        gid: u64,
        /// This rank.
        rank: usize,
    },
    /// A request that would need more memory than the bound allows.
    #[error(
        "{what} = {count} would need {needed_bytes} bytes, more than the memory bound of {limit_bytes} bytes (this machine's memory, or NEURITE_MAX_MEMORY)"
    )]
    TooLarge {
        /// The parameter that asks for it.
        what: String,
        /// What it asks for.
        count: u64,
        /// Bytes that would be needed.
        needed_bytes: u64,
        /// The bound, bytes.
        limit_bytes: u64,
    },
    /// More events in one step than the bound allows.
    #[error(
        "event flood at t = {t} ms: more than {limit} events in one time step, the last to {target}; raise SimulationConfig::max_events_per_step if this is intended"
    )]
    EventFlood {
        /// What the events went to (mechanism and gid).
        target: String,
        /// Time of the step, ms.
        t: f64,
        /// The bound.
        limit: u64,
    },
    /// A model file or other input is unreadable or wrong; `what` names the
    /// file with its line and column, or the JSON path, or the CSV line.
    #[error("{what}: {reason}")]
    InvalidInput {
        /// File, place or key.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing an output file failed.
    #[error("could not write `{path}`: {message}")]
    Io {
        /// File path.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

/// Result type of neurite.
pub type Result<T> = std::result::Result<T, NeuriteError>;
