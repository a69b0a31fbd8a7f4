//! Code generation: a checked mechanism becomes Rust source that implements
//! neurite's `Mechanism` trait, with structure-of-arrays storage (one
//! `Vec<f64>` per RANGE variable) and one loop over the instances per NMODL
//! block.
//!
//! What NEURON computes is followed operation by operation where it decides
//! the bits: the BREAKPOINT block is evaluated at v + 0.001 mV and at v, the
//! conductance is their difference over 0.001; `cnexp` updates have
//! nocmodl's shape `s + (1 - exp(dt*a))*(-(b)/a - s)` for `s' = a*s + b`
//! (and `s - dt*(-(b))` when `a` is zero), with `a` and `b` built from the
//! equation the way nocmodl builds them. `exp` is neurite's vectorizable
//! `exp` (within 1 ulp of the C library's).
//!
//! The code generator learned what made neurite's former hand-written
//! kernels fast: when a cnexp coefficient depends only on parameters and
//! `dt`, the factor `1 - exp(dt*a)` is computed once per instance and reused
//! until `dt` or a variable changes; loops run over local slices, with the
//! columns they write in locals; table lookups get a loop of their own.
//!
//! Ion variables (USEION) are columns of the mechanism's own, which neurite's
//! cell group fills from the segments' ions before each call and gives back
//! after it, as NEURON's generated code copies them in and out.
//!
//! `derivimplicit` is backward Euler solved per equation, which is what
//! NEURON's Newton iteration converges to for equations linear in their own
//! state that read no other state of the block (every use in the public
//! corpora); coupled or nonlinear systems are errors for now.
//!
//! Constructs the generator does not handle yet (KINETIC, arrays, POINTER,
//! RANDOM, ...) are errors at their place in the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ast::*;
use crate::error::{Position, SyntaxError};
use crate::model::{Mechanism, MechanismKind, Role};
use crate::pivot_order::pivot_order;

type Result<T> = std::result::Result<T, SyntaxError>;

/// Options of the generated code.
#[derive(Debug, Clone)]
pub struct Options {
    /// Path of the neurite crate in the generated code: `crate` inside
    /// neurite, `neurite` in a user's crate.
    pub neurite: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { neurite: "neurite".into() }
    }
}

/// The module of a generated mechanism renamed, if its name is taken
/// already (`dipole` and `Dipole` both give `dipole`): `dipole_2`, ...
/// Returns the name used and the module's code.
pub fn unique_module(mechanism: &str, code: String, taken: &[String]) -> (String, String) {
    let base = module_name(mechanism);
    if !taken.contains(&base) {
        return (base, code);
    }
    let name = (2..).map(|i| format!("{base}_{i}")).find(|n| !taken.contains(n)).expect("a free name");
    let code = code.replacen(&format!("pub mod {base} {{"), &format!("pub mod {name} {{"), 1);
    (name, code)
}

/// The Rust module name of a mechanism (`ExpSyn` -> `expsyn`).
pub fn module_name(mechanism: &str) -> String {
    let name: String =
        mechanism.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) { format!("m_{name}") } else { name }
}

fn unsupported<T>(pos: Position, what: &str) -> Result<T> {
    Err(SyntaxError::new(pos, format!("{what}: not supported by neurite's code generator yet")))
}

/// Rust source of a module implementing the mechanism.
pub fn generate(m: &Mechanism, options: &Options) -> Result<String> {
    Generator::new(m, options)?.module()
}

/// A term `a*s + b` of a cnexp equation: `None` is zero.
#[derive(Debug, Clone)]
struct Linear {
    a: Option<String>,
    b: Option<String>,
}

/// How deep FUNCTION/PROCEDURE bodies are inlined into kernels (deeper
/// calls, or recursion, stay method calls).
const MAX_INLINE_DEPTH: usize = 4;

/// A FUNCTION or PROCEDURE: its parameters, body, and whether it returns a
/// value (FUNCTION).
type Callable<'a> = (&'a [(Name, Units)], &'a [Stmt], bool);

struct Generator<'a> {
    m: &'a Mechanism,
    options: &'a Options,
    /// Per-instance columns, in declaration order: (name, role).
    columns: Vec<(String, Role)>,
    /// Per-type scalars (GLOBAL ASSIGNED), in declaration order.
    scalars: Vec<String>,
    /// Named constants (CONSTANT, DEFINE, UNITS constants).
    constants: BTreeMap<String, f64>,
    functions: BTreeMap<String, Callable<'a>>,
    derivatives: BTreeMap<String, &'a [Stmt]>,
    /// KINETIC blocks by name.
    kinetics: BTreeMap<String, &'a [Stmt]>,
    /// LINEAR and NONLINEAR blocks by name (true: NONLINEAR).
    linears: BTreeMap<String, (&'a [Stmt], bool)>,
    /// BEFORE/AFTER blocks: the call point (a `CallPoint` variant) and body.
    before_after: Vec<(&'static str, &'a [Stmt])>,
    /// Arrays: length, and whether each instance has its own (ASSIGNED)
    /// or the type shares one (GLOBAL, top-level LOCAL).
    arrays: BTreeMap<String, (usize, bool)>,
    /// Whether any array is indexed (mechanism arrays or LOCAL arrays):
    /// the generated code then checks indices, reporting failures.
    indexes_arrays: bool,
    /// Whether a block reads the segment's `diam` (µm) or `area` (µm²).
    reads_diam: bool,
    reads_area: bool,
    currents: Vec<String>,
    electrode: bool,
    /// cnexp factors cached per instance: (column name, coefficient code).
    cached: Vec<(String, String)>,
    /// Ion variables (USEION READ/WRITE): columns exchanged with the ions.
    ion_columns: Vec<String>,
    /// GLOBAL PARAMETERs: scalars of the type, with their defaults.
    global_parameters: Vec<(String, f64)>,
    /// Names assigned by code that runs during a run (BREAKPOINT,
    /// DERIVATIVE, NET_RECEIVE, FUNCTIONs, PROCEDUREs): a cached cnexp factor
    /// may not depend on them.
    assigned_in_run: Vec<String>,
    /// FUNCTIONs and PROCEDUREs with a TABLE.
    tables: Vec<Table<'a>>,
    /// Tabulated GLOBALs that the table-lookup loop keeps per instance
    /// (`lookup_<name>` columns; see `table_lookup_pass`).
    lookup_columns: Vec<String>,
    /// Methods of the blocks solved by Newton iteration (derivimplicit
    /// residuals, KINETIC schemes); any makes the mechanism report failures.
    newton_methods: String,
    /// Module-level constants of KINETIC blocks.
    kinetic_constants: String,
    /// WATCH statements of NET_RECEIVE, in order: (condition as a value
    /// that is > 0 when true, flag).
    watches: Vec<(Expr, Expr)>,
    /// Whether a block draws from NEURON's legacy generator (`scop_random`,
    /// `normrand`, ...): each instance then has a stream.
    uses_scop: bool,
    /// FUNCTION_TABLEs: name and number of arguments. Their values are set
    /// by the model (`set_function_table`), one table for the type.
    function_tables: BTreeMap<String, usize>,
}

/// A TABLE of a FUNCTION or PROCEDURE.
struct Table<'a> {
    /// The FUNCTION or PROCEDURE.
    owner: String,
    /// Whether it is a FUNCTION (its value is tabulated).
    function: bool,
    /// Tabulated variables (of a PROCEDURE).
    names: Vec<String>,
    depend: Vec<String>,
    from: &'a Expr,
    to: &'a Expr,
    with: &'a Expr,
    pos: Position,
}

/// Where generated statements run, which decides what `t` and `v` are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Site {
    /// A loop over instances: `globals` and the instance's `v` are there.
    Kernel,
    /// NET_RECEIVE: the event's `t`, no `v`.
    NetReceive,
    /// A FUNCTION or PROCEDURE: `t` and `v` are arguments.
    Function,
}

#[derive(Clone)]
struct Scope {
    /// Use NEURON's exact `exp` (blocks outside the step loop) rather than
    /// the fast one.
    exact: bool,
    /// How many FUNCTION/PROCEDURE bodies are inlined around this code.
    depth: usize,
    /// `usetable` when the code is generated for one table mode (the state
    /// loop is generated once per mode, so that neither has a branch on it).
    usetable: Option<bool>,
    locals: Vec<String>,
    /// The FUNCTION whose value is being computed, if any.
    function: Option<String>,
    site: Site,
}

impl<'a> Generator<'a> {
    fn new(m: &'a Mechanism, options: &'a Options) -> Result<Self> {
        let mut g = Generator {
            m,
            options,
            columns: Vec::new(),
            scalars: Vec::new(),
            constants: m.unit_constants.clone(),
            functions: BTreeMap::new(),
            derivatives: BTreeMap::new(),
            kinetics: BTreeMap::new(),
            linears: BTreeMap::new(),
            before_after: Vec::new(),
            arrays: BTreeMap::new(),
            indexes_arrays: false,
            reads_diam: false,
            reads_area: false,
            currents: Vec::new(),
            electrode: false,
            cached: Vec::new(),
            ion_columns: Vec::new(),
            global_parameters: Vec::new(),
            assigned_in_run: Vec::new(),
            tables: Vec::new(),
            lookup_columns: Vec::new(),
            newton_methods: String::new(),
            uses_scop: uses_scop_random(m),
            function_tables: BTreeMap::new(),
            kinetic_constants: String::new(),
            watches: Vec::new(),
        };
        // Ions: every variable read or written is a column of the
        // mechanism's; currents written are also membrane currents.
        for ion in &m.ions {
            let pos = ion_pos(m, &ion.name);
            let kinds = [
                (format!("e{}", ion.name), false),
                (format!("{}i", ion.name), false),
                (format!("{}o", ion.name), false),
                (format!("i{}", ion.name), true),
            ];
            for (name, written) in ion.read.iter().map(|r| (r, false)).chain(ion.write.iter().map(|w| (w, true))) {
                let Some((_, is_current)) = kinds.iter().find(|(k, _)| k == name) else {
                    return Err(SyntaxError::new(
                        pos,
                        format!("USEION {}: `{name}` is no variable of the ion (e{0}, {0}i, {0}o, i{0})", ion.name),
                    ));
                };
                if written && *is_current && !g.currents.contains(name) {
                    g.currents.push(name.clone());
                }
                if !g.ion_columns.contains(name) {
                    g.ion_columns.push(name.clone());
                }
            }
        }
        // POINTERs are the mechanism's own columns, filled from their
        // targets before each call and given back after it, as ions are.
        for name in &m.pointers {
            if !g.ion_columns.contains(name) {
                g.ion_columns.push(name.clone());
            }
        }
        g.currents.extend(m.nonspecific_currents.iter().cloned());
        g.currents.extend(m.electrode_currents.iter().cloned());
        g.electrode = !m.electrode_currents.is_empty();
        if g.electrode && !m.nonspecific_currents.is_empty() {
            return unsupported(first_neuron_pos(m), "ELECTRODE_CURRENT with NONSPECIFIC_CURRENT");
        }
        let globals = crate::model::program_globals(&m.program);
        for item in &m.program.items {
            match item {
                Item::Parameter(decls) | Item::Assigned(decls) | Item::State(decls) => {
                    for decl in decls {
                        let length = decl.length.or_else(|| {
                            let name = decl.length_name.as_ref()?;
                            m.program.items.iter().find_map(|item| match item {
                                Item::Define(n, value) if n.text == name.text => Some(*value as usize),
                                _ => None,
                            })
                        });
                        if let Some(length) = length {
                            let role = m.variables[&decl.name.text].role;
                            if role == Role::Parameter {
                                return unsupported(decl.name.pos, "PARAMETER arrays");
                            }
                            let per_instance = !globals.contains(&decl.name.text);
                            g.arrays.insert(decl.name.text.clone(), (length, per_instance));
                            g.indexes_arrays = true;
                            continue;
                        }
                        let name = decl.name.text.clone();
                        if is_builtin_variable(&name) {
                            continue;
                        }
                        let role = m.variables[&name].role;
                        if g.ion_columns.contains(&name) {
                            if !g.columns.iter().any(|(c, _)| *c == name) {
                                g.columns.push((name, role));
                            }
                        } else if role == Role::Assigned && globals.contains(&name) {
                            g.scalars.push(name);
                        } else if role == Role::Parameter && globals.contains(&name) {
                            g.global_parameters.push((name.clone(), parameter_default(decl.value.unwrap_or(0.0))));
                            g.scalars.push(name);
                        } else {
                            g.columns.push((name, role));
                        }
                    }
                }
                Item::Constant(decls) => {
                    for decl in decls {
                        g.constants.insert(decl.name.text.clone(), decl.value.unwrap_or(0.0));
                    }
                }
                Item::Define(name, value) => {
                    g.constants.insert(name.text.clone(), *value);
                }
                Item::Local(names) => {
                    // Shared by all instances and kept between calls, as
                    // NEURON's top-level LOCALs.
                    for (name, length) in names {
                        if let Some(length) = length {
                            g.arrays.insert(name.text.clone(), (*length, false));
                            g.indexes_arrays = true;
                            continue;
                        }
                        g.scalars.push(name.text.clone());
                    }
                }
                Item::FunctionTable { name, params } => {
                    g.function_tables.insert(name.text.clone(), params.len());
                }
                Item::Block { kind, body, pos } => match kind {
                    BlockKind::Procedure { name, params } => {
                        g.functions.insert(name.text.clone(), (params, body, false));
                    }
                    BlockKind::Function { name, params } => {
                        g.functions.insert(name.text.clone(), (params, body, true));
                    }
                    BlockKind::Derivative(name) => {
                        g.derivatives.insert(name.text.clone(), body);
                    }
                    BlockKind::Kinetic(name) => {
                        g.kinetics.insert(name.text.clone(), body);
                    }
                    BlockKind::Linear(name) => {
                        g.linears.insert(name.text.clone(), (body, false));
                    }
                    BlockKind::Nonlinear(name) => {
                        g.linears.insert(name.text.clone(), (body, true));
                    }
                    BlockKind::BeforeAfter { after, when } => {
                        let point = match (*after, when.text.as_str()) {
                            (false, "INITIAL") => "BeforeInitial",
                            (true, "INITIAL") => "AfterInitial",
                            (false, "BREAKPOINT") => "BeforeBreakpoint",
                            (true, "SOLVE") => "AfterSolve",
                            (false, "STEP") => "BeforeStep",
                            _ => {
                                // NEURON itself stops at these
                                // ("before-after processing type ... not
                                // implemented").
                                return Err(SyntaxError::new(
                                    when.pos,
                                    format!(
                                        "{} {} blocks: NEURON runs only BEFORE INITIAL, AFTER INITIAL, BEFORE BREAKPOINT, AFTER SOLVE and BEFORE STEP",
                                        if *after { "AFTER" } else { "BEFORE" },
                                        when.text
                                    ),
                                ));
                            }
                        };
                        g.before_after.push((point, body));
                    }
                    BlockKind::Constructor | BlockKind::Destructor => {
                        return unsupported(*pos, "CONSTRUCTOR/DESTRUCTOR");
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        for item in &m.program.items {
            if let Item::Block { body, .. } = item {
                g.indexes_arrays |= has_local_array(body);
            }
        }
        // Ion variables used without a declaration are columns all the same.
        for name in g.ion_columns.clone() {
            if !g.columns.iter().any(|(c, _)| *c == name) {
                g.columns.push((name, Role::Assigned));
            }
        }
        // TABLEs.
        for (owner, (_, body, function)) in &g.functions {
            for stmt in body.iter() {
                if let Stmt::Table { names, depend, from, to, with, pos } = stmt {
                    g.tables.push(Table {
                        owner: owner.clone(),
                        function: *function,
                        // An array's elements are tabulated one by one.
                        names: names
                            .iter()
                            .flat_map(|n| match g.arrays.get(&n.text) {
                                Some(&(length, _)) => (0..length).map(|i| format!("{}[{i}]", n.text)).collect(),
                                None => vec![n.text.clone()],
                            })
                            .collect(),
                        depend: depend.iter().map(|n| n.text.clone()).collect(),
                        from,
                        to,
                        with,
                        pos: *pos,
                    });
                }
            }
        }
        for item in &m.program.items {
            if let Item::Block { kind, body, .. } = item {
                let mut read = Vec::new();
                let mut assigned = Vec::new();
                statement_names(body, &mut assigned, &mut read);
                g.reads_diam |= read.iter().any(|n| n == "diam");
                g.reads_area |= read.iter().any(|n| n == "area");
                if !matches!(kind, BlockKind::Initial) {
                    g.assigned_in_run.extend(assigned);
                }
            }
        }
        if (g.reads_diam || g.reads_area) && m.kind == MechanismKind::Artificial {
            return unsupported(first_neuron_pos(m), "`diam` or `area` in an ARTIFICIAL_CELL");
        }
        for table in &g.tables {
            let params = g.functions[&table.owner].0;
            if params.len() != 1 {
                return unsupported(table.pos, "TABLE in a FUNCTION or PROCEDURE without exactly one argument");
            }
            if !matches!(table.with, Expr::Number { value, .. } if *value >= 1.0 && value.fract() == 0.0 && *value < 1e7)
            {
                return unsupported(table.pos, "TABLE ... WITH other than a whole number of intervals");
            }
        }
        for table in &g.tables {
            for name in &table.names {
                let is_element = name.split_once('[').is_some_and(|(base, _)| g.arrays.contains_key(base));
                if !is_element && !g.scalars.contains(name) && !g.columns.iter().any(|(c, _)| c == name) {
                    return unsupported(table.pos, &format!("TABLE of `{name}`, which is not an ASSIGNED"));
                }
            }
        }
        for current in &g.currents {
            if !g.columns.iter().any(|(n, _)| n == current) {
                return unsupported(first_neuron_pos(m), &format!("current `{current}` not declared in ASSIGNED"));
            }
        }
        Ok(g)
    }

    fn block(&self, wanted: fn(&BlockKind) -> bool) -> Option<&'a [Stmt]> {
        self.m.program.items.iter().find_map(|item| match item {
            Item::Block { kind, body, .. } if wanted(kind) => Some(body.as_slice()),
            _ => None,
        })
    }

    fn neurite(&self) -> &str {
        &self.options.neurite
    }

    fn module(&mut self) -> Result<String> {
        let m = self.m;
        let mut out = String::new();
        let kind = match m.kind {
            MechanismKind::Density => "Density",
            MechanismKind::Point => "Point",
            MechanismKind::Artificial => "Artificial",
        };
        let breakpoint = self.block(|k| matches!(k, BlockKind::Breakpoint)).unwrap_or(&[]);
        let initial = self.block(|k| matches!(k, BlockKind::Initial)).unwrap_or(&[]);
        let net_receive = self.m.program.items.iter().find_map(|item| match item {
            Item::Block { kind: BlockKind::NetReceive { params }, body, .. } => Some((params, body)),
            _ => None,
        });

        for (name, stmts) in self.kinetics.clone() {
            self.kinetic_methods(&name, stmts)?;
        }
        for (name, (stmts, nonlinear)) in self.linears.clone() {
            self.linear_methods(&name, stmts, nonlinear)?;
        }
        if let Some((_, body)) = net_receive {
            collect_watches(body, &mut self.watches)?;
        }
        // Kernels first: they decide which cnexp factors are cached.
        let current_code = self.current_kernel(breakpoint)?;
        let state_code = self.state_kernel(breakpoint)?;
        let initial_code = self.initial_kernel(initial)?;
        let receive_code = match net_receive {
            Some((params, body)) => Some(self.net_receive(params, body)?),
            None => None,
        };
        let function_code = self.function_methods()?;

        let n = self.neurite().to_string();
        writeln!(out, "/// `{}`, generated by neurite-nmodl from its NMODL source.", m.name).ok();
        writeln!(out, "#[allow(clippy::all, unused_mut, unused_variables, unused_parens, unused_braces, unused_imports, unused_assignments, non_snake_case, non_upper_case_globals, dead_code)]").ok();
        writeln!(out, "pub mod {} {{", module_name(&m.name)).ok();
        writeln!(
            out,
            "    use {n}::mechanisms::{{CallPoint, EventOutbox, InstanceSetup, IonUse, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo}};"
        )
        .ok();
        writeln!(out, "    use {n}::math::{{exact_exp, exp}};").ok();
        writeln!(out, "    use std::ops::Range;").ok();
        writeln!(out).ok();
        if !self.kinetic_constants.is_empty() {
            out.push_str(&self.kinetic_constants);
            writeln!(out, "    const KINETIC_FAILURE: &str = \"KINETIC: the sparse Newton iteration failed (singular matrix or no convergence in 22 steps)\";").ok();
        }
        writeln!(out, "    /// Catalogue entry.").ok();
        writeln!(out, "    pub static INFO: MechanismInfo = MechanismInfo {{").ok();
        writeln!(out, "        name: {:?},", m.name).ok();
        writeln!(out, "        kind: MechanismKind::{kind},").ok();
        writeln!(out, "        variables: &[").ok();
        for role in [Role::Parameter, Role::State, Role::Assigned] {
            for (name, r) in &self.columns {
                if *r != role || self.ion_columns.contains(name) {
                    continue;
                }
                let decl = &m.variables[name].decl;
                let units = decl.units.clone().unwrap_or_default();
                let info = match role {
                    Role::Parameter => {
                        let default = parameter_default(decl.value.unwrap_or(0.0));
                        format!("VariableInfo::parameter({name:?}, {}, {units:?})", literal(default))
                    }
                    Role::State => format!("VariableInfo::state({name:?}, {units:?})"),
                    _ => format!("VariableInfo::assigned({name:?}, {units:?})"),
                };
                let info = match decl.limits {
                    Some((low, high)) if role == Role::Parameter => {
                        format!("{info}.within({}, {})", literal(low), literal(high))
                    }
                    _ => info,
                };
                writeln!(out, "            {info},").ok();
            }
        }
        for name in &self.ion_columns {
            let units = m.variables.get(name).and_then(|v| v.decl.units.clone()).unwrap_or_default();
            if m.pointers.contains(name) {
                writeln!(out, "            VariableInfo::assigned({name:?}, {units:?}),").ok();
            } else {
                writeln!(out, "            VariableInfo::ion({name:?}, {units:?}),").ok();
            }
        }
        for (name, default) in &self.global_parameters {
            let units = m.variables[name].decl.units.clone().unwrap_or_default();
            writeln!(out, "            VariableInfo::global({name:?}, {}, {units:?}),", literal(*default)).ok();
        }
        writeln!(out, "        ],").ok();
        writeln!(out, "        ions: &[").ok();
        for ion in &m.ions {
            let list = |names: &[String]| names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
            let valence = ion.valence.map_or("None".to_string(), |z| format!("Some({})", literal(z)));
            writeln!(
                out,
                "            IonUse {{ ion: {:?}, valence: {valence}, read: &[{}], write: &[{}] }},",
                ion.name,
                list(&ion.read),
                list(&ion.write)
            )
            .ok();
        }
        writeln!(out, "        ],").ok();
        let randoms: Vec<String> = m.randoms.iter().map(|r| format!("{r:?}")).collect();
        writeln!(out, "        randoms: &[{}],", randoms.join(", ")).ok();
        let weights: Vec<String> = net_receive
            .map(|(params, _)| params.iter().map(|(p, _)| format!("{:?}", p.text)).collect())
            .unwrap_or_default();
        writeln!(out, "        weights: &[{}],", weights.join(", ")).ok();
        let pointers: Vec<String> = m.pointers.iter().map(|p| format!("{p:?}")).collect();
        writeln!(out, "        pointers: &[{}],", pointers.join(", ")).ok();
        let tables: Vec<String> = self.function_tables.iter().map(|(f, n)| format!("({f:?}, {n})")).collect();
        writeln!(out, "        function_tables: &[{}],", tables.join(", ")).ok();
        writeln!(out, "        create: Instances::create,").ok();
        writeln!(out, "    }};").ok();
        writeln!(out).ok();
        writeln!(out, "    /// All instances of a cell group, structure-of-arrays.").ok();
        writeln!(out, "    #[derive(Debug, Clone)]").ok();
        writeln!(out, "    pub struct Instances {{").ok();
        writeln!(out, "        count: usize,").ok();
        if m.kind == MechanismKind::Point {
            writeln!(out, "        area_factor: Vec<f64>,").ok();
        }
        for (name, _) in &self.columns {
            writeln!(out, "        {}: Vec<f64>,", field(name)).ok();
        }
        for name in &self.scalars {
            writeln!(out, "        {}: f64,", field(name)).ok();
        }
        for (cache, _) in &self.cached {
            writeln!(out, "        {cache}: Vec<f64>,").ok();
        }
        for name in &self.lookup_columns {
            writeln!(out, "        lookup_{}: Vec<f64>,", field(name)).ok();
        }
        if self.reads_diam {
            writeln!(out, "        /// Diameter of each instance's segment, µm.").ok();
            writeln!(out, "        geometry_diam: Vec<f64>,").ok();
        }
        if self.reads_area {
            writeln!(out, "        /// Membrane area of each instance's segment, µm².").ok();
            writeln!(out, "        geometry_area: Vec<f64>,").ok();
        }
        for name in &m.randoms {
            writeln!(out, "        /// RANDOM `{name}`: a Random123 stream per instance.").ok();
            writeln!(out, "        {}: Vec<{n}::random123::Random123Stream>,", random_field(name)).ok();
        }
        for name in self.function_tables.keys() {
            writeln!(out, "        /// FUNCTION_TABLE `{name}`: its values, once the model has set them.").ok();
            writeln!(
                out,
                "        {}: Option<std::sync::Arc<{n}::mechanisms::function_table::FunctionTable>>,",
                function_table_field(name)
            )
            .ok();
        }
        if self.uses_scop {
            writeln!(out, "        /// NEURON's `scop_random` generator, one per instance.").ok();
            writeln!(out, "        scop: Vec<{n}::mechanisms::scop::ScopRandom>,").ok();
        }
        if !self.watches.is_empty() {
            writeln!(out, "        /// WATCH statements per instance (instance-major): armed, its flag, and whether its condition held at the last check.").ok();
            writeln!(out, "        watch_active: Vec<bool>,").ok();
            writeln!(out, "        watch_flag: Vec<f64>,").ok();
            writeln!(out, "        watch_above: Vec<bool>,").ok();
        }
        for (name, (length, per_instance)) in &self.arrays {
            let what = if *per_instance { "each instance's, one after the other" } else { "shared by all instances" };
            writeln!(out, "        /// Array `{name}[{length}]`, {what}.").ok();
            writeln!(out, "        {}: Vec<f64>,", field(name)).ok();
        }
        if self.reports_failures() {
            writeln!(out, "        /// The first instance whose state update failed, and why.").ok();
            writeln!(out, "        failure: Option<(usize, &'static str)>,").ok();
        }
        writeln!(out, "        cache_dt: f64,").ok();
        writeln!(out, "        /// NEURON's `usetable_<suffix>`: 1 interpolates TABLEs, 0 computes exactly.").ok();
        writeln!(out, "        usetable: f64,").ok();
        for table in &self.tables {
            let o = &table.owner;
            writeln!(out, "        /// Rows of the tabulated values at each point (the last row twice).").ok();
            writeln!(out, "        table_{o}: Vec<f64>,").ok();
            writeln!(out, "        table_{o}_made: bool,").ok();
            writeln!(out, "        table_{o}_depend: Vec<f64>,").ok();
            writeln!(out, "        table_{o}_tmin: f64,").ok();
            writeln!(out, "        table_{o}_mfac: f64,").ok();
            writeln!(out, "        table_{o}_n: usize,").ok();
        }
        writeln!(out, "        /// dt (ms) and celsius (°C) of the last call, for FUNCTIONs and NET_RECEIVE.").ok();
        writeln!(out, "        dt: f64,").ok();
        writeln!(out, "        celsius: f64,").ok();
        writeln!(out, "    }}").ok();
        writeln!(out).ok();
        writeln!(out, "    impl Instances {{").ok();
        writeln!(out, "        fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {{").ok();
        writeln!(out, "            let count = setup.count;").ok();
        writeln!(out, "            let mut parameters = setup.parameters.into_iter();").ok();
        for (name, role) in &self.columns {
            if *role == Role::Parameter && !self.ion_columns.contains(name) {
                writeln!(
                    out,
                    "            let {} = parameters.next().unwrap_or_else(|| vec![0.0; count]);",
                    field(name)
                )
                .ok();
            }
        }
        writeln!(out, "            Box::new(Instances {{").ok();
        writeln!(out, "                count,").ok();
        if m.kind == MechanismKind::Point {
            writeln!(out, "                area_factor: setup.area_factor,").ok();
        }
        for (name, role) in &self.columns {
            if *role == Role::Parameter && !self.ion_columns.contains(name) {
                writeln!(out, "                {},", field(name)).ok();
            } else {
                writeln!(out, "                {}: vec![0.0; count],", field(name)).ok();
            }
        }
        for name in &self.scalars {
            let default = self.global_parameters.iter().find(|(p, _)| p == name).map_or(0.0, |(_, d)| *d);
            writeln!(out, "                {}: {},", field(name), literal(default)).ok();
        }
        for (cache, _) in &self.cached {
            writeln!(out, "                {cache}: Vec::new(),").ok();
        }
        for name in &self.lookup_columns {
            writeln!(out, "                lookup_{}: vec![0.0; count],", field(name)).ok();
        }
        if self.reads_diam {
            writeln!(out, "                geometry_diam: setup.diam.clone(),").ok();
        }
        if self.reads_area {
            writeln!(out, "                geometry_area: setup.area.clone(),").ok();
        }
        for (index, name) in m.randoms.iter().enumerate() {
            writeln!(
                out,
                "                {}: {n}::random123::Random123Stream::streams(&setup.random_ids, {index}, count),",
                random_field(name)
            )
            .ok();
        }
        for name in self.function_tables.keys() {
            writeln!(out, "                {}: None,", function_table_field(name)).ok();
        }
        if self.uses_scop {
            writeln!(out, "                scop: vec![Default::default(); count],").ok();
        }
        if !self.watches.is_empty() {
            let n = self.watches.len();
            writeln!(out, "                watch_active: vec![false; count * {n}],").ok();
            writeln!(out, "                watch_flag: vec![0.0; count * {n}],").ok();
            writeln!(out, "                watch_above: vec![false; count * {n}],").ok();
        }
        for (name, (length, per_instance)) in &self.arrays {
            let size = if *per_instance { format!("count * {length}") } else { length.to_string() };
            writeln!(out, "                {}: vec![0.0; {size}],", field(name)).ok();
        }
        if self.reports_failures() {
            writeln!(out, "                failure: None,").ok();
        }
        writeln!(out, "                cache_dt: f64::NAN,").ok();
        writeln!(out, "                usetable: 1.0,").ok();
        for table in &self.tables {
            let o = &table.owner;
            writeln!(
                out,
                "                table_{o}: Vec::new(), table_{o}_made: false, table_{o}_depend: Vec::new(), table_{o}_tmin: 0.0, table_{o}_mfac: 0.0, table_{o}_n: 0,"
            )
            .ok();
        }
        writeln!(out, "                dt: 0.025,").ok();
        writeln!(out, "                celsius: 6.3,").ok();
        writeln!(out, "            }})").ok();
        writeln!(out, "        }}").ok();
        writeln!(out).ok();
        writeln!(out, "        /// Recomputes the cached cnexp factors when dt changed or they were dropped.").ok();
        writeln!(out, "        fn refresh_caches(&mut self, dt: f64) {{").ok();
        if !self.cached.is_empty() {
            let first = &self.cached[0].0;
            writeln!(out, "            if self.cache_dt == dt && self.{first}.len() == self.count {{ return; }}").ok();
            writeln!(out, "            self.cache_dt = dt;").ok();
            for (cache, coefficient) in &self.cached {
                writeln!(out, "            self.{cache}.clear();").ok();
                writeln!(out, "            for k in 0..self.count {{").ok();
                writeln!(out, "                let a = {coefficient};").ok();
                writeln!(out, "                self.{cache}.push(1. - exp(dt*a));").ok();
                writeln!(out, "            }}").ok();
            }
        }
        writeln!(out, "        }}").ok();
        out.push_str(&function_code);
        for name in self.function_tables.keys() {
            writeln!(out, "\n        /// FUNCTION_TABLE `{name}` at `args`, interpolated as NEURON's; without a table the failure is kept for the cell group to report (NEURON stops there too) and 0 is used meanwhile.").ok();
            writeln!(out, "        fn ft_{name}(&mut self, k: usize, args: &[f64]) -> f64 {{").ok();
            writeln!(out, "            match &self.{} {{", function_table_field(name)).ok();
            writeln!(out, "                Some(table) => table.value(args),").ok();
            writeln!(out, "                None => {{ self.failure.get_or_insert((k, \"FUNCTION_TABLE {name} has no table (Simulation::set_function_table)\")); 0.0 }}").ok();
            writeln!(out, "            }}").ok();
            writeln!(out, "        }}").ok();
        }
        out.push_str(&self.newton_methods);
        if self.indexes_arrays {
            writeln!(out, "\n        /// An array index of instance k: `i` (truncated, as C) if it is in 0..len; otherwise the failure is kept for the cell group to report and 0 is used meanwhile.").ok();
            writeln!(out, "        fn ix(&mut self, k: usize, i: f64, len: usize) -> usize {{").ok();
            writeln!(out, "            if i >= 0.0 && (i as usize) < len {{ i as usize }} else {{ self.failure.get_or_insert((k, \"array index out of range\")); 0 }}").ok();
            writeln!(out, "        }}").ok();
        }
        writeln!(out, "    }}").ok();
        writeln!(out).ok();
        writeln!(out, "    impl Mechanism for Instances {{").ok();
        writeln!(out, "        fn info(&self) -> &'static MechanismInfo {{ &INFO }}").ok();
        writeln!(out, "        fn len(&self) -> usize {{ self.count }}").ok();
        out.push_str(&initial_code);
        out.push_str(&current_code);
        out.push_str(&state_code);
        if let Some(code) = receive_code {
            out.push_str(&code);
        }
        if self.reports_failures() {
            writeln!(
                out,
                "        fn take_failure(&mut self) -> Option<(usize, &'static str)> {{ self.failure.take() }}\n        fn reports_failures(&self) -> bool {{ true }}"
            )
            .ok();
        }
        if !self.watches.is_empty() {
            out.push_str(&self.watch_check()?);
        }
        if calls_any(self.m, &["net_move()"]) {
            writeln!(out, "        fn moves_events(&self) -> bool {{ true }}").ok();
        }
        if !self.before_after.is_empty() {
            out.push_str(&self.before_after_blocks()?);
        }
        if !self.function_tables.is_empty() {
            writeln!(out, "        fn set_function_table(&mut self, name: &str, table: std::sync::Arc<{n}::mechanisms::function_table::FunctionTable>) -> bool {{").ok();
            writeln!(out, "            match name {{").ok();
            for name in self.function_tables.keys() {
                writeln!(
                    out,
                    "                {name:?} => {{ self.{} = Some(table); true }}",
                    function_table_field(name)
                )
                .ok();
            }
            writeln!(out, "                _ => false,").ok();
            writeln!(out, "            }}").ok();
            writeln!(out, "        }}").ok();
        }
        writeln!(out, "        fn global(&self, name: &str) -> Option<f64> {{").ok();
        writeln!(out, "            match name {{").ok();
        writeln!(out, "                \"usetable\" => Some(self.usetable),").ok();
        for name in &self.scalars {
            writeln!(out, "                {name:?} => Some(self.{}),", field(name)).ok();
        }
        writeln!(out, "                _ => None,").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "        }}").ok();
        writeln!(out, "        fn set_global(&mut self, name: &str, value: f64) -> bool {{").ok();
        writeln!(out, "            self.cache_dt = f64::NAN;").ok();
        writeln!(out, "            match name {{").ok();
        writeln!(out, "                \"usetable\" => self.usetable = value,").ok();
        for name in &self.scalars {
            writeln!(out, "                {name:?} => self.{} = value,", field(name)).ok();
        }
        writeln!(out, "                _ => return false,").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "            true").ok();
        writeln!(out, "        }}").ok();
        let names: Vec<String> = self.columns.iter().map(|(n, _)| field(n)).collect();
        writeln!(out, "        fn variable(&self, name: &str) -> Option<&[f64]> {{").ok();
        writeln!(out, "            match name {{").ok();
        for (name, f) in self.columns.iter().map(|(n, _)| n).zip(&names) {
            writeln!(out, "                {name:?} => Some(&self.{f}),").ok();
        }
        writeln!(out, "                _ => None,").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "        }}").ok();
        writeln!(out, "        fn ion_column(&mut self, name: &str) -> Option<&mut [f64]> {{").ok();
        writeln!(out, "            match name {{").ok();
        for name in &self.ion_columns {
            writeln!(out, "                {name:?} => Some(&mut self.{}),", field(name)).ok();
        }
        writeln!(out, "                _ => None,").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "        }}").ok();
        // Read-only ion variables that no block assigns: the cell group may
        // skip refilling them while the ion's values stay the same.
        let mut assigned_anywhere = Vec::new();
        for item in &m.program.items {
            if let Item::Block { body, .. } = item {
                let mut read = Vec::new();
                statement_names(body, &mut assigned_anywhere, &mut read);
            }
        }
        let kept: Vec<&String> = self
            .ion_columns
            .iter()
            .filter(|n| !m.ions.iter().any(|i| i.write.contains(n)) && !assigned_anywhere.contains(n))
            .collect();
        if !kept.is_empty() {
            let names: Vec<String> = kept.iter().map(|n| format!("{n:?}")).collect();
            writeln!(out, "        fn keeps_ion_copy(&self, name: &str) -> bool {{").ok();
            writeln!(out, "            matches!(name, {})", names.join(" | ")).ok();
            writeln!(out, "        }}").ok();
        }
        writeln!(out, "        fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {{").ok();
        writeln!(out, "            self.cache_dt = f64::NAN;").ok();
        writeln!(out, "            match name {{").ok();
        for (name, f) in self.columns.iter().map(|(n, _)| n).zip(&names) {
            writeln!(out, "                {name:?} => Some(&mut self.{f}),").ok();
        }
        writeln!(out, "                _ => None,").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "        }}").ok();
        writeln!(out, "    }}").ok();
        writeln!(out, "}}").ok();
        Ok(out)
    }

    fn initial_kernel(&mut self, initial: &[Stmt]) -> Result<String> {
        let mut body = String::new();
        let mut scope =
            Scope { exact: true, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Kernel };
        // States start at their `x0`, as nocmodl's initmodel: a variable of
        // that name where the file declares one (`pump0`), else 0; states
        // that are ion concentrations keep the ion's value.
        let start = |g: &Self, name: &str, scope: &Scope| -> Result<String> {
            let zero = format!("{name}0");
            if g.m.variables.contains_key(&zero) || g.constants.contains_key(&zero) {
                g.read(&Name { text: zero, pos: Position::default() }, scope)
            } else {
                Ok("0.0".into())
            }
        };
        for (name, role) in self.columns.clone() {
            if role == Role::State && !self.ion_columns.contains(&name) {
                writeln!(body, "                self.{}[k] = {};", field(&name), start(self, &name, &scope)?).ok();
            }
        }
        for (name, &(length, _)) in &self.arrays {
            if self.m.variables.get(name).is_some_and(|v| v.role == Role::State) {
                let value = start(self, name, &scope)?;
                writeln!(
                    body,
                    "                self.{f}[k*{length}..(k + 1)*{length}].fill({value});",
                    f = field(name)
                )
                .ok();
            }
        }
        self.statements(initial, &mut scope, &mut body, 4)?;
        // An artificial cell has no membrane: no voltage to read.
        let voltage = if self.m.kind == MechanismKind::Artificial { "f64::NAN" } else { "v[k]" };
        Ok(format!(
            "        fn initialize(&mut self, v: &[f64], globals: &StepGlobals, outbox: &mut EventOutbox) {{\n            self.cache_dt = f64::NAN;\n            (self.dt, self.celsius) = (globals.dt, globals.celsius);\n{}            for k in 0..self.count {{\n                let mut v = {voltage};\n{body}            }}\n        }}\n",
            self.check_tables_call()
        ))
    }

    /// A tabulated variable of instance `k` (a column) or of the type.
    fn slot(&self, name: &str) -> String {
        if let Some((base, rest)) = name.split_once('[') {
            // `inf[1]`, an element of a tabulated array.
            let i = rest.trim_end_matches(']');
            let (length, per_instance) = self.arrays[base];
            return if per_instance {
                format!("self.{}[k*{length} + {i}]", field(base))
            } else {
                format!("self.{}[{i}]", field(base))
            };
        }
        if self.scalars.iter().any(|n| n == name) {
            format!("self.{}", field(name))
        } else {
            format!("self.{}[k]", field(name))
        }
    }

    fn check_tables_call(&self) -> String {
        if self.tables.is_empty() { String::new() } else { "            self.check_tables();\n".into() }
    }

    fn current_kernel(&mut self, breakpoint: &[Stmt]) -> Result<String> {
        let statements: Vec<Stmt> = breakpoint.iter().filter(|s| !matches!(s, Stmt::Solve { .. })).cloned().collect();
        let mut evaluation = String::new();
        let mut scope =
            Scope { exact: false, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Kernel };
        self.statements(&statements, &mut scope, &mut evaluation, 5)?;
        let sum = if self.currents.is_empty() {
            "0.0".to_string()
        } else {
            self.currents.iter().map(|c| format!("self.{}[k]", field(c))).collect::<Vec<_>>().join(" + ")
        };
        let point = self.m.kind == MechanismKind::Point;
        let mut out = String::new();
        writeln!(
            out,
            "        fn current(&mut self, instances: Range<usize>, v: &[f64], rhs: &mut [f64], d: &mut [f64], globals: &StepGlobals) {{"
        )
        .ok();
        if self.currents.is_empty() && statements.is_empty() {
            writeln!(out, "            let _ = (instances, v, rhs, d, globals);").ok();
            writeln!(out, "        }}").ok();
            return Ok(out);
        }
        writeln!(out, "            (self.dt, self.celsius) = (globals.dt, globals.celsius);").ok();
        writeln!(out, "            let (lo, n) = (instances.start, instances.len());").ok();
        out.push_str(&self.check_tables_call());
        let mut kernel = String::new();
        let out_full = std::mem::take(&mut out);
        let mut out = String::new();
        writeln!(out, "            for k in 0..self.count {{").ok();
        writeln!(out, "                let current_plus = {{").ok();
        writeln!(out, "                    let mut v = v[k] + 0.001;").ok();
        out.push_str(&evaluation);
        writeln!(out, "                    {sum}").ok();
        writeln!(out, "                }};").ok();
        writeln!(out, "                let current = {{").ok();
        writeln!(out, "                    let mut v = v[k];").ok();
        out.push_str(&evaluation);
        writeln!(out, "                    {sum}").ok();
        writeln!(out, "                }};").ok();
        writeln!(out, "                let mut conductance = (current_plus - current)/0.001;").ok();
        writeln!(out, "                let mut current = current;").ok();
        if point {
            writeln!(out, "                conductance *= self.area_factor[k];").ok();
            writeln!(out, "                current *= self.area_factor[k];").ok();
        }
        if self.electrode {
            // An electrode current enters the cell.
            writeln!(out, "                rhs[k] += current;").ok();
            writeln!(out, "                d[k] -= conductance;").ok();
        } else {
            writeln!(out, "                rhs[k] -= current;").ok();
            writeln!(out, "                d[k] += conductance;").ok();
        }
        writeln!(out, "            }}").ok();
        let (bindings, body) = sliced(&out, &[("v", false), ("rhs", true), ("d", true)]);
        kernel.push_str(&out_full);
        kernel.push_str(&bindings);
        kernel.push_str(&body);
        writeln!(kernel, "        }}").ok();
        Ok(kernel)
    }

    fn state_kernel(&mut self, breakpoint: &[Stmt]) -> Result<String> {
        // With TABLEs, one loop per table mode: no branch on usetable inside.
        let modes: Vec<Option<bool>> = if self.tables.is_empty() { vec![None] } else { vec![Some(true), Some(false)] };
        let mut loops = Vec::new();
        let cached_before = self.cached.len();
        for mode in modes {
            let cached_now = self.cached.len();
            // The code of each top-level statement of the SOLVEd blocks, in
            // order: pieces that may become loops of their own.
            let mut pieces: Vec<String> = Vec::new();
            let mut scope = Scope {
                exact: false,
                depth: 0,
                usetable: mode,
                locals: Vec::new(),
                function: None,
                site: Site::Kernel,
            };
            if mode == Some(true)
                && let Some(split) = self.table_lookup_pass(breakpoint, &mut scope)?
            {
                loops.push(split);
                continue;
            }
            for stmt in breakpoint {
                let mut body = String::new();
                let Stmt::Solve { block, method, steadystate } = stmt else { continue };
                if steadystate.is_some() {
                    return unsupported(block.pos, "SOLVE ... STEADYSTATE");
                }
                if self.linears.contains_key(&block.text) && method.is_none() {
                    writeln!(body, "                self.linear_{}(k, v, globals);", block.text).ok();
                    pieces.push(body);
                    continue;
                }
                if self.kinetics.contains_key(&block.text) {
                    match method.as_ref().map(|m| m.text.as_str()) {
                        Some("sparse") | None => {}
                        Some(other) => return unsupported(block.pos, &format!("KINETIC with METHOD {other}")),
                    }
                    let name = &block.text;
                    writeln!(
                        body,
                        "                if !self.kinetic_solve_{name}(k, v, globals, KINETIC_LINEAR_{name}) {{"
                    )
                    .ok();
                    writeln!(body, "                    self.failure.get_or_insert((k, KINETIC_FAILURE));").ok();
                    writeln!(body, "                }}").ok();
                    pieces.push(body);
                    continue;
                }
                let procedure = self
                    .functions
                    .get(&block.text)
                    .filter(|(params, _, is_function)| params.is_empty() && !is_function);
                // nocmodl drops CVODE's methods from a SOLVE of a PROCEDURE:
                // at a fixed step they are a plain `SOLVE proc`.
                let cvode_method =
                    method.as_ref().is_some_and(|m| matches!(m.text.as_str(), "after_cvode" | "cvode_t" | "cvode_v"));
                if procedure.is_some() && (method.is_none() || cvode_method) {
                    // `SOLVE proc`: NEURON runs the PROCEDURE once per step
                    // where it integrates states.
                    let call = self.call(block, &[], &scope)?;
                    writeln!(body, "                {call};").ok();
                    pieces.push(body);
                    continue;
                }
                let Some(equations) = self.derivatives.get(&block.text).copied() else {
                    return unsupported(block.pos, "SOLVE of a block that is neither a DERIVATIVE nor a PROCEDURE");
                };
                let method = method.as_ref().map_or("", |m| m.text.as_str());
                match method {
                    "cnexp" | "euler" | "derivimplicit" => {}
                    other => return unsupported(block.pos, &format!("METHOD {other}")),
                }
                if method == "derivimplicit" && self.needs_newton(equations, &scope)? {
                    self.newton_step(&block.text, equations, &mut body)?;
                } else if method == "euler" {
                    // Every derivative from the old states, then the updates.
                    self.derivative(equations, method, &mut scope, &mut body)?;
                } else {
                    for equation in equations {
                        let mut piece = String::new();
                        self.derivative(std::slice::from_ref(equation), method, &mut scope, &mut piece)?;
                        pieces.push(piece);
                    }
                    continue;
                }
                pieces.push(body);
            }
            pieces.retain(|piece| !piece.is_empty());
            if pieces.is_empty() {
                return Ok(
                    "        fn advance_state(&mut self, _instances: Range<usize>, _v: &[f64], _globals: &StepGlobals) {}\n"
                        .into(),
                );
            }
            if cached_now > cached_before {
                // The second mode's caches are the first's.
                self.cached.truncate(cached_now);
            }
            let kernel_loop = |body: &str| {
                format!(
                    "            for k in 0..self.count {{\n                let mut v = v[k];\n{body}            }}\n"
                )
            };
            // Each loop in a block of its own, with its own bindings.
            let mut code = String::new();
            for group in loop_fission(pieces) {
                let (bindings, body) = sliced(&kernel_loop(&group), &[("v", false)]);
                code.push_str(&format!("            {{\n{bindings}{body}            }}\n"));
            }
            loops.push(code);
        }
        let mut refresh = self.check_tables_call();
        if !self.cached.is_empty() {
            refresh.push_str("            self.refresh_caches(dt);\n");
        }
        let body = match loops.as_slice() {
            [one] => one.clone(),
            [with_tables, exact] => {
                format!(
                    "            if self.usetable != 0.0 {{\n{with_tables}            }} else {{\n{exact}            }}\n"
                )
            }
            _ => unreachable!("one or two modes"),
        };
        Ok(format!(
            "        fn advance_state(&mut self, instances: Range<usize>, v: &[f64], globals: &StepGlobals) {{\n            let dt = globals.dt;\n            (self.dt, self.celsius) = (globals.dt, globals.celsius);\n            let (lo, n) = (instances.start, instances.len());\n{refresh}{body}        }}\n"
        ))
    }

    /// The state update with tables on, split in two loops when the
    /// DERIVATIVE block starts with calls of tabulated PROCEDUREs (`rates(v)`
    /// then the equations, as in most channel files): a first loop looks the
    /// tables up for every instance into per-instance columns, a second one
    /// runs the rest of the block from them. The lookups (branches and
    /// indexed loads) stay out of the second loop, whose exponentials then
    /// vectorize. The results are those of the single loop: a tabulated
    /// GLOBAL is only a temporary of its instance's iteration, and keeps the
    /// last instance's value afterwards. `None` when the block has another
    /// shape.
    fn table_lookup_pass(&mut self, breakpoint: &[Stmt], scope: &mut Scope) -> Result<Option<String>> {
        let solves: Vec<(&Name, &Option<Name>)> = breakpoint
            .iter()
            .filter_map(|s| match s {
                Stmt::Solve { block, method, steadystate: None } => Some((block, method)),
                _ => None,
            })
            .collect();
        let [(block, method)] = solves.as_slice() else { return Ok(None) };
        let method = method.as_ref().map_or("", |m| m.text.as_str());
        if method != "cnexp" {
            return Ok(None);
        }
        let Some(equations) = self.derivatives.get(&block.text).copied() else { return Ok(None) };
        let tabulated = |stmt: &Stmt| match stmt {
            Stmt::Call(Expr::Call { name, .. }) => self.tables.iter().position(|t| t.owner == name.text && !t.function),
            _ => None,
        };
        let leading = equations.iter().take_while(|s| tabulated(s).is_some()).count();
        if leading == 0 {
            return Ok(None);
        }
        let mut temporaries: Vec<String> = Vec::new();
        for stmt in &equations[..leading] {
            let table = &self.tables[tabulated(stmt).unwrap_or_default()];
            for name in &table.names {
                if self.scalars.contains(name) && !temporaries.contains(name) {
                    temporaries.push(name.clone());
                }
            }
        }
        let mut lookup = String::new();
        self.statements(&equations[..leading], scope, &mut lookup, 4)?;
        for name in &temporaries {
            writeln!(lookup, "                self.lookup_{}[k] = self.{};", field(name), field(name)).ok();
        }
        let mut update = String::new();
        for name in &temporaries {
            writeln!(update, "                self.{} = self.lookup_{}[k];", field(name), field(name)).ok();
        }
        self.derivative(&equations[leading..], method, scope, &mut update)?;
        for name in temporaries {
            if !self.lookup_columns.contains(&name) {
                self.lookup_columns.push(name);
            }
        }
        let mut out = String::new();
        for body in [lookup, update] {
            let (bindings, body) = sliced(
                &format!(
                    "            for k in 0..self.count {{\n                let mut v = v[k];\n{body}            }}\n"
                ),
                &[("v", false)],
            );
            out.push_str(&format!("            {{\n{bindings}{body}            }}\n"));
        }
        Ok(Some(out))
    }

    fn derivative(&mut self, stmts: &[Stmt], method: &str, scope: &mut Scope, out: &mut String) -> Result<()> {
        let mut euler_updates: Vec<String> = Vec::new();
        for stmt in stmts {
            match stmt {
                Stmt::Derivative { state, index: None, order: 1, value } if method == "derivimplicit" => {
                    // Backward Euler, s = s_old + dt*(a*s + b), solved for s:
                    // what NEURON's Newton iteration converges to for an
                    // equation linear in its state (one Newton step solves
                    // it; its numerical Jacobian only adds rounding).
                    let s = format!("self.{}[k]", field(&state.text));
                    let Some(linear) = self.linear(value, &state.text, scope)? else {
                        return unsupported(state.pos, "derivimplicit of an equation that is not linear in its state");
                    };
                    match (linear.a, linear.b) {
                        (Some(a), Some(b)) => {
                            writeln!(out, "                {s} = ({s} + dt*({b}))/(1. - dt*({a}));").ok()
                        }
                        (Some(a), None) => writeln!(out, "                {s} = {s}/(1. - dt*({a}));").ok(),
                        (None, Some(b)) => writeln!(out, "                {s} = {s} + dt*({b});").ok(),
                        (None, None) => None,
                    };
                }
                Stmt::Derivative { state, index: None, order: 1, value } => {
                    let s = format!("self.{}[k]", field(&state.text));
                    if method == "euler" {
                        // Every derivative from the old states, then the
                        // updates (below), as NEURON's euler.
                        let rhs = self.expr(value, scope)?;
                        writeln!(out, "                let d_{} = {rhs};", field(&state.text)).ok();
                        euler_updates.push(format!("                {s} = {s} + dt*d_{};", field(&state.text)));
                        continue;
                    }
                    if let Some(code) = self.cnexp_over_divisor(value, &state.text, &s, scope)? {
                        out.push_str(&code);
                        continue;
                    }
                    let Some(linear) = self.linear(value, &state.text, scope)? else {
                        return unsupported(state.pos, "cnexp of an equation that is not linear in its state");
                    };
                    let b_is_zero = linear.b.is_none();
                    let b = linear.b.unwrap_or_else(|| "0.0".into());
                    match linear.a {
                        None => writeln!(out, "                {s} = {s} - dt*(- ({b}));").ok(),
                        Some(a) => {
                            let factor = if self.is_parameter_only(&coefficient_names(value, &state.text)) {
                                let cache = format!("cnexp_{}", field(&state.text));
                                self.cached.push((cache.clone(), a.clone()));
                                format!("self.{cache}[k]")
                            } else {
                                format!("(1. - exp(dt*({a})))")
                            };
                            if b_is_zero {
                                // nocmodl's `s + f*(-(0.0)/a - s)`: -(0.0)/a is a
                                // signed zero and `±0 - s` is `-s` to the bit, so
                                // the divisions are left out.
                                writeln!(out, "                {s} = {s} + {factor}*(-{s});").ok()
                            } else {
                                writeln!(out, "                {s} = {s} + {factor}*(- ({b}) / ({a}) - {s});").ok()
                            }
                        }
                    };
                }
                Stmt::Derivative { state, .. } => return unsupported(state.pos, "array or higher-order derivatives"),
                other => self.statement(other, scope, out, 4)?,
            }
        }
        for update in euler_updates {
            writeln!(out, "{update}").ok();
        }
        Ok(())
    }

    /// A KINETIC block as NEURON's `sparse_thread` solves it: one implicit
    /// (backward Euler) step by Newton iteration on the mass-action scheme
    /// with its analytic Jacobian. Generates the scheme (matrix and
    /// right-hand side at the current states, as nocmodl's `_MATELM`/`_RHS`
    /// code: rows (vol/dt)·I, each reaction's flux and its derivatives,
    /// COMPARTMENT volumes hoisted first, CONSERVE replacing one row), the
    /// iteration (until Σ|Δ| ≤ 1e-6, at most 22 steps, states clamped at
    /// 0 unless the scheme is linear, one step when it is), and the steady
    /// state of `SOLVE .. STEADYSTATE sparse` (dt = 1e9, as NEURON).
    /// A KINETIC block with its array states made scalar, as nocmodl
    /// unrolls them: FROM loops of reactions unrolled (constant bounds),
    /// an indexed COMPARTMENT applied to each element, and every term of an
    /// array state named by its element (`ca[3]`).
    fn expand_kinetic(&self, stmts: &[Stmt]) -> Result<Vec<Stmt>> {
        let mut out = Vec::with_capacity(stmts.len());
        for stmt in stmts {
            match stmt {
                Stmt::From { var, from, to, by, body } if body.iter().any(|s| matches!(s, Stmt::Reaction(_))) => {
                    let bound = |e: &Expr| {
                        self.constant_value(e)
                            .ok_or_else(|| SyntaxError::new(e.pos(), "a FROM loop of reactions needs constant bounds"))
                    };
                    let (first, last) = (bound(from)?, bound(to)?);
                    let step = by.as_ref().map_or(Ok(1.0), bound)?;
                    if step <= 0.0 {
                        return Err(SyntaxError::new(var.pos, "a FROM loop of reactions needs a positive step"));
                    }
                    let mut i = first;
                    while i <= last {
                        let mut unrolled = Vec::with_capacity(body.len());
                        for s in body {
                            let Stmt::Reaction(r) = s else {
                                return unsupported(
                                    stmt_pos(s),
                                    "statements other than reactions in a FROM loop of reactions",
                                );
                            };
                            let mut r = r.clone();
                            for e in reaction_exprs(&mut r) {
                                substitute(e, &var.text, i);
                            }
                            unrolled.push(Stmt::Reaction(r));
                        }
                        out.extend(self.expand_kinetic(&unrolled)?);
                        i += step;
                    }
                }
                Stmt::Reaction(r) => {
                    let mut r = r.clone();
                    for term in reaction_terms(&mut r) {
                        self.name_element(term)?;
                    }
                    out.push(Stmt::Reaction(r));
                }
                Stmt::Compartment { index: Some(index), volume, states, pos } => {
                    for state in states {
                        let Some(&(length, _)) = self.arrays.get(&state.text) else {
                            return Err(SyntaxError::new(
                                state.pos,
                                format!("indexed COMPARTMENT of `{}`, which is not an array", state.text),
                            ));
                        };
                        for j in 0..length {
                            let mut volume = volume.clone();
                            substitute(&mut volume, &index.text, j as f64);
                            let element = Name { text: format!("{}[{j}]", state.text), pos: state.pos };
                            out.push(Stmt::Compartment { index: None, volume, states: vec![element], pos: *pos });
                        }
                    }
                }
                other => out.push(other.clone()),
            }
        }
        Ok(out)
    }

    /// The states of a KINETIC scheme numbered as nocmodl numbers them: the
    /// state each CONSERVE replaces first (from the last CONSERVE), then the others in the order of
    /// nocmodl's symbol table (by first character, and among names with the
    /// same first character the one that first appears latest in the file
    /// first), an array's elements together. The numbering decides NEURON's
    /// pivot order among rows with as many elements.
    fn nocmodl_state_order(&self, states: Vec<String>, conserves: &[Conservation]) -> Vec<String> {
        let mut ordered: Vec<String> = Vec::with_capacity(states.len());
        for c in conserves.iter().rev() {
            if let Some((_, s)) = c.terms.iter().rev().find(|(_, s)| !ordered.contains(s)) {
                ordered.push(s.clone());
            }
        }
        let base = |s: &str| s.split('[').next().unwrap_or(s).to_string();
        let appearance = |name: &str| self.m.program.identifiers.iter().position(|i| i == name).unwrap_or(usize::MAX);
        let mut rest: Vec<&String> = states.iter().filter(|s| !ordered.contains(s)).collect();
        rest.sort_by(|a, b| {
            let (a_base, b_base) = (base(a), base(b));
            let element = |s: &str| s.split_once('[').map_or(0, |(_, j)| j.trim_end_matches(']').parse().unwrap_or(0));
            a_base
                .as_bytes()
                .first()
                .cmp(&b_base.as_bytes().first())
                .then_with(|| appearance(&b_base).cmp(&appearance(&a_base)))
                .then_with(|| element(a).cmp(&element(b)))
        });
        ordered.extend(rest.into_iter().cloned());
        ordered
    }

    /// Names a reaction term of an array state by its element (`ca[3]`);
    /// its index must be a constant within the array.
    fn name_element(&self, term: &mut Term) -> Result<()> {
        let Some(index) = &term.index else { return Ok(()) };
        let Some(&(length, _)) = self.arrays.get(&term.state.text) else {
            return Err(SyntaxError::new(term.state.pos, format!("`{}` is not an array", term.state.text)));
        };
        let Some(j) = self.constant_value(index) else {
            return unsupported(term.state.pos, "a reaction term whose index is not a constant");
        };
        if !(j >= 0.0 && (j as usize) < length && j.fract() == 0.0) {
            return Err(SyntaxError::new(
                term.state.pos,
                format!("index {j} of `{}` is outside 0..{length}", term.state.text),
            ));
        }
        term.state.text = format!("{}[{}]", term.state.text, j as usize);
        term.index = None;
        Ok(())
    }

    fn kinetic_methods(&mut self, name: &str, stmts: &[Stmt]) -> Result<()> {
        let stmts = &self.expand_kinetic(stmts)?;
        // The block's states, in order of first appearance (array elements
        // as `ca[3]`). Other names in reactions (an ASSIGNED `cao`, a
        // PARAMETER) are constants of the step, as in NEURON: they scale
        // fluxes but have no equation.
        let mut states: Vec<String> = Vec::new();
        let is_state = |n: &str| {
            let base = n.split('[').next().unwrap_or(n);
            self.m.variables.get(base).is_some_and(|v| v.role == Role::State)
        };
        let add = |t: &Term, states: &mut Vec<String>| -> Result<()> {
            if t.index.is_some() {
                return unsupported(t.state.pos, "arrays");
            }
            if is_state(&t.state.text) && !states.contains(&t.state.text) {
                states.push(t.state.text.clone());
            }
            Ok(())
        };
        let mut compartments: Vec<(&Expr, Vec<String>)> = Vec::new();
        let mut conserves: Vec<Conservation> = Vec::new();
        let mut linear = true;
        for stmt in stmts {
            match stmt {
                Stmt::Reaction(Reaction::Reversible { left, right, .. }) => {
                    for t in left.iter().chain(right) {
                        add(t, &mut states)?;
                    }
                    let order = |side: &[Term]| side.iter().map(|t| t.coefficient).sum::<u32>();
                    linear &= order(left) <= 1 && order(right) <= 1;
                }
                Stmt::Reaction(Reaction::Irreversible { left, .. }) => {
                    for t in left {
                        add(t, &mut states)?;
                    }
                    linear &= left.iter().map(|t| t.coefficient).sum::<u32>() <= 1;
                }
                Stmt::Reaction(Reaction::Flux { term, .. }) => add(term, &mut states)?,
                Stmt::Reaction(Reaction::Equation { pos, .. }) => {
                    return unsupported(*pos, "`~ a = b` equations in a KINETIC block");
                }
                Stmt::Compartment { index: Some(i), .. } => return unsupported(i.pos, "indexed COMPARTMENT"),
                // A state only in a COMPARTMENT has no equation (nocmodl
                // numbers only the states of reactions and CONSERVEs).
                Stmt::Compartment { volume, states: names, .. } => {
                    compartments.push((volume, names.iter().map(|n| n.text.clone()).collect()));
                }
                Stmt::Conserve { left, right, pos } => {
                    let mut terms = Vec::new();
                    conserve_terms(left, &mut terms).ok_or_else(|| {
                        SyntaxError::new(
                            *pos,
                            "CONSERVE: the left side must be a sum of states with numeric coefficients",
                        )
                    })?;
                    for (_, n) in &terms {
                        if !states.contains(n) {
                            states.push(n.clone());
                        }
                    }
                    conserves.push(Conservation { terms, total: right, pos: *pos });
                }
                _ => {}
            }
        }
        for c in &conserves {
            if let Some((_, other)) = c.terms.iter().find(|(_, s)| !is_state(s)) {
                return Err(SyntaxError::new(c.pos, format!("CONSERVE: `{other}` is not a STATE")));
            }
        }
        let states = self.nocmodl_state_order(states, &conserves);
        let n = states.len();
        let position = |s: &str| states.iter().position(|x| x == s);
        let index = |s: &str| position(s).expect("a state of the block");
        // The row each CONSERVE replaces: its last state not replaced yet,
        // the CONSERVEs taken from the last, as nocmodl (its list of them
        // is built by prepending).
        let mut conserved_rows: Vec<usize> = vec![usize::MAX; conserves.len()];
        for (number, c) in conserves.iter().enumerate().rev() {
            let Some(row) = c.terms.iter().rev().map(|(_, s)| index(s)).find(|r| !conserved_rows.contains(r)) else {
                return unsupported(c.pos, "CONSERVE of states all replaced by other CONSERVE statements");
            };
            conserved_rows[number] = row;
        }
        let mut scope = Scope {
            // A Newton step per instance, not a vectorized loop: NEURON's exact
            // exp costs little here, and a scheme's smallest states amplify
            // its last bit (dbbs Kca1_1).
            exact: true,
            depth: 0,
            usetable: None,
            locals: vec!["f_flux".into(), "b_flux".into()],
            function: None,
            site: Site::Kernel,
        };
        let state = |s: &str| match s.split_once('[') {
            Some((base, j)) => {
                let length = self.arrays.get(base).map_or(1, |a| a.0);
                format!("self.{}[k*{length} + {}]", field(base), j.trim_end_matches(']'))
            }
            None => format!("self.{}[k]", field(s)),
        };
        // The value of every name in a reaction: a state's column, or what
        // the name reads as anywhere else.
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        for stmt in stmts {
            if let Stmt::Reaction(r) = stmt {
                let terms: Vec<&Term> = match r {
                    Reaction::Reversible { left, right, .. } => left.iter().chain(right).collect(),
                    Reaction::Irreversible { left, .. } => left.iter().collect(),
                    Reaction::Flux { term, .. } => vec![term],
                    Reaction::Equation { .. } => Vec::new(),
                };
                for t in terms {
                    let code =
                        if is_state(&t.state.text) { state(&t.state.text) } else { self.read(&t.state, &scope)? };
                    values.insert(t.state.text.clone(), code);
                }
            }
        }
        let value = |s: &str| values[s].clone();
        // A state's row, unless a CONSERVE replaces it (reactions leave
        // those rows alone, as nocmodl's code does).
        let row_of = |s: &str| position(s).filter(|r| !conserved_rows.contains(r));
        let mut code = String::new();
        writeln!(code, "            let dt1 = 1.0/self.dt;").ok();
        writeln!(code, "            *m = [[0.0; {n}]; {n}];").ok();
        writeln!(code, "            *rhs = [0.0; {n}];").ok();
        for (i, s) in states.iter().enumerate() {
            if !conserved_rows.contains(&i) {
                writeln!(code, "            rhs[{i}] = -dt1*({} - old[{i}]);", state(s)).ok();
                writeln!(code, "            m[{i}][{i}] = dt1;").ok();
            }
        }
        // Volumes, applied before the block's statements as nocmodl does.
        let mut volume_of: BTreeMap<String, String> = BTreeMap::new();
        for (volume, names) in &compartments {
            let vol = self.expr(volume, &scope)?;
            for s in names {
                let Some(i) = position(s) else { continue };
                if !conserved_rows.contains(&i) {
                    writeln!(code, "            rhs[{i}] *= {vol};").ok();
                    writeln!(code, "            m[{i}][{i}] *= {vol};").ok();
                }
                volume_of.insert(s.clone(), vol.clone());
            }
        }
        writeln!(code, "            let mut l_f_flux = 0.0_f64;").ok();
        writeln!(code, "            let mut l_b_flux = 0.0_f64;").ok();
        let mut conserve_number = 0;
        for stmt in stmts {
            match stmt {
                Stmt::Reaction(Reaction::Reversible { left, right, forward, backward, .. }) => {
                    let kf = self.expr(forward, &scope)?;
                    let kb = self.expr(backward, &scope)?;
                    let lookup = SchemeLookup { column: &position, row: &row_of, value: &value };
                    reaction_code(&mut code, left, right, &kf, Some(&kb), &lookup);
                }
                Stmt::Reaction(Reaction::Irreversible { left, rate, .. }) => {
                    let kf = self.expr(rate, &scope)?;
                    let lookup = SchemeLookup { column: &position, row: &row_of, value: &value };
                    reaction_code(&mut code, left, &[], &kf, None, &lookup);
                }
                Stmt::Reaction(Reaction::Flux { term, flux, .. }) => {
                    let f = self.expr(flux, &scope)?;
                    writeln!(code, "            l_f_flux = 0.0;").ok();
                    writeln!(code, "            l_b_flux = {f};").ok();
                    if let Some(i) = row_of(&term.state.text) {
                        writeln!(code, "            rhs[{i}] += l_b_flux;").ok();
                    }
                }
                Stmt::Compartment { .. } => {}
                Stmt::Conserve { .. } => {
                    let Conservation { terms, total, .. } = &conserves[conserve_number];
                    let row = conserved_rows[conserve_number];
                    conserve_number += 1;
                    let total = self.expr(total, &scope)?;
                    writeln!(code, "            rhs[{row}] = {total};").ok();
                    for (c, s) in terms.iter().rev() {
                        let vol = volume_of.get(s).cloned().unwrap_or_else(|| "1.0".into());
                        let col = index(s);
                        writeln!(code, "            m[{row}][{col}] = {} * ({vol});", literal(*c)).ok();
                        writeln!(code, "            rhs[{row}] -= {} * {} * ({vol});", literal(*c), state(s)).ok();
                    }
                }
                other => self.statement(other, &mut scope, &mut code, 3)?,
            }
        }
        let order = pivot_order(&matrix_structure(&code, n));
        let order_list: Vec<String> = order.iter().map(usize::to_string).collect();
        writeln!(
            self.kinetic_constants,
            "    /// The rows of KINETIC {name}'s matrix in NEURON's pivot order (its sparse solver's minimum-degree ordering).\n    const KINETIC_ORDER_{name}: [usize; {n}] = [{}];",
            order_list.join(", ")
        )
        .ok();
        let neurite = self.neurite().to_string();
        let mut updates = String::new();
        let mut clamps = String::new();
        for (i, s) in states.iter().enumerate() {
            let x = state(s);
            writeln!(updates, "                {x} += rhs[{i}];").ok();
            writeln!(updates, "                if !linear && {x} < 0.0 {{ {x} = 0.0; }}").ok();
            writeln!(updates, "                err += rhs[{i}].abs();").ok();
            writeln!(clamps, "                    if {x} < -1e-6 {{ {x} = 0.0; ok = false; }}").ok();
        }
        let olds: Vec<String> = states.iter().map(|s| state(s)).collect();
        let olds = olds.join(", ");
        write!(
            self.newton_methods,
            "
        /// KINETIC {name}: matrix `m` and right-hand side `rhs` of the Newton step at the current states of instance k (`old`: the states at the start of the step).
        fn kinetic_{name}(&mut self, k: usize, mut v: f64, globals: &StepGlobals, old: &[f64; {n}], m: &mut [[f64; {n}]; {n}], rhs: &mut [f64; {n}]) {{
{code}        }}

        /// One implicit step of KINETIC {name} for instance k (NEURON's sparse_thread); false if it failed.
        fn kinetic_solve_{name}(&mut self, k: usize, v: f64, globals: &StepGlobals, linear: bool) -> bool {{
            let old = [{olds}];
            let mut m = [[0.0; {n}]; {n}];
            let mut rhs = [0.0; {n}];
            let mut step = 0;
            loop {{
                self.kinetic_{name}(k, v, globals, &old, &mut m, &mut rhs);
                if {neurite}::mechanisms::newton::solve_in_order(&mut m, &mut rhs, &KINETIC_ORDER_{name}).is_err() {{
                    return false;
                }}
                let mut err = 0.0_f64;
{updates}                if step > 20 {{
                    return false;
                }}
                if linear || err <= 1e-6 {{
                    break;
                }}
                step += 1;
            }}
            self.kinetic_{name}(k, v, globals, &old, &mut m, &mut rhs);
            true
        }}

        /// SOLVE {name} STEADYSTATE sparse for instance k, as NEURON's _ss_sparse_thread (dt = 1e9 meanwhile).
        fn kinetic_steady_{name}(&mut self, k: usize, v: f64, globals: &StepGlobals) {{
            let saved_dt = self.dt;
            self.dt = 1e9;
            let mut solved = false;
            if KINETIC_LINEAR_{name} {{
                solved = self.kinetic_solve_{name}(k, v, globals, false);
            }} else {{
                for _ in 0..7 {{
                    if !self.kinetic_solve_{name}(k, v, globals, true) {{
                        break;
                    }}
                    let mut ok = true;
{clamps}                    if ok {{
                        solved = self.kinetic_solve_{name}(k, v, globals, false);
                        break;
                    }}
                }}
            }}
            self.dt = saved_dt;
            if !solved {{
                self.failure.get_or_insert((k, KINETIC_FAILURE));
            }}
        }}"
        )
        .ok();
        writeln!(
            self.kinetic_constants,
            "    /// Whether KINETIC {name} is linear (every reaction of first order), as nocmodl's `_linmat`.\n    const KINETIC_LINEAR_{name}: bool = {linear};"
        )
        .ok();
        Ok(())
    }

    /// A LINEAR or NONLINEAR block, solved for the STATEs its equations
    /// (`~ lhs = rhs`) name, as `SOLVE name` asks (in INITIAL, or each step):
    /// a residual method (states set from x, the block's statements, one
    /// lhs − rhs per equation), then for LINEAR the coefficients (the
    /// residual at 0 and at each unit vector: exact for linear equations)
    /// and one Crout LU solve, as NEURON's `simeq`; for NONLINEAR NEURON's
    /// Newton iteration from the current states.
    fn linear_methods(&mut self, name: &str, stmts: &[Stmt], nonlinear: bool) -> Result<()> {
        let is_state = |n: &str| self.m.variables.get(n).is_some_and(|v| v.role == Role::State);
        let mut states: Vec<String> = Vec::new();
        let mut equations = 0;
        for stmt in stmts {
            if let Stmt::Reaction(Reaction::Equation { left, right, .. }) = stmt {
                equations += 1;
                let mut names = Vec::new();
                collect_names(left, &mut names);
                collect_names(right, &mut names);
                for n in names {
                    if is_state(&n) && !states.contains(&n) {
                        states.push(n);
                    }
                }
            }
        }
        let pos = stmts.first().map_or_else(Position::default, stmt_pos);
        if equations != states.len() {
            return Err(SyntaxError::new(
                pos,
                format!("{name}: {equations} equations for {} STATEs ({})", states.len(), states.join(", ")),
            ));
        }
        let n = states.len();
        let mut scope =
            Scope { exact: true, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Kernel };
        let mut code = String::new();
        for (i, s) in states.iter().enumerate() {
            writeln!(code, "            self.{}[k] = x[{i}];", field(s)).ok();
        }
        let mut equation = 0;
        for stmt in stmts {
            match stmt {
                Stmt::Reaction(Reaction::Equation { left, right, .. }) => {
                    let (l, r) = (self.expr(left, &scope)?, self.expr(right, &scope)?);
                    writeln!(code, "            out[{equation}] = ({l}) - ({r});").ok();
                    equation += 1;
                }
                other => self.statement(other, &mut scope, &mut code, 3)?,
            }
        }
        let neurite = self.neurite().to_string();
        let current: Vec<String> = states.iter().map(|s| format!("self.{}[k]", field(s))).collect();
        let current = current.join(", ");
        let solve = if nonlinear {
            format!(
                "            let mut x = [{current}];
            if {neurite}::mechanisms::newton::solve(&mut x, |x, out| self.linear_residual_{name}(k, v, globals, x, out)).is_err() {{
                self.failure.get_or_insert((k, \"NONLINEAR {name}: the Newton iteration failed\"));
            }}
"
            )
        } else {
            format!(
                "            let zero = [0.0; {n}];
            let mut r0 = [0.0; {n}];
            self.linear_residual_{name}(k, v, globals, &zero, &mut r0);
            let mut m = [[0.0; {n}]; {n}];
            for j in 0..{n} {{
                let mut unit = [0.0; {n}];
                unit[j] = 1.0;
                let mut r = [0.0; {n}];
                self.linear_residual_{name}(k, v, globals, &unit, &mut r);
                for i in 0..{n} {{
                    m[i][j] = r[i] - r0[i];
                }}
            }}
            let mut x = r0.map(|r| -r);
            if {neurite}::mechanisms::newton::solve_linear(&mut m, &mut x).is_err() {{
                self.failure.get_or_insert((k, \"LINEAR {name}: singular system\"));
            }}
"
            )
        };
        write!(
            self.newton_methods,
            "
        /// {kind} {name}: the residual lhs - rhs of each equation at states x, for instance k.
        fn linear_residual_{name}(&mut self, k: usize, mut v: f64, globals: &StepGlobals, x: &[f64; {n}], out: &mut [f64; {n}]) {{
{code}        }}

        /// SOLVE {name} for instance k.
        fn linear_{name}(&mut self, k: usize, v: f64, globals: &StepGlobals) {{
{solve}            let mut out = [0.0; {n}];
            self.linear_residual_{name}(k, v, globals, &x, &mut out);
        }}",
            kind = if nonlinear { "NONLINEAR" } else { "LINEAR" }
        )
        .ok();
        Ok(())
    }

    /// Whether the mechanism can fail at run time (a Newton iteration, an
    /// array index) and so reports failures to the cell group.
    fn reports_failures(&self) -> bool {
        !self.newton_methods.is_empty() || self.indexes_arrays || !self.function_tables.is_empty()
    }

    /// The value of an array element, `name[index]`, as a block: the index
    /// is checked first (the check borrows the mechanism).
    fn array_element(&self, name: &Name, index: &Expr, scope: &Scope) -> Result<String> {
        let i = self.expr(index, scope)?;
        if scope.locals.contains(&name.text) {
            let l = local(&name.text);
            return Ok(format!("{{ let i0 = {i}; let i = self.ix(k, i0, {l}.len()); {l}[i] }}"));
        }
        let Some(&(length, per_instance)) = self.arrays.get(&name.text) else {
            return Err(SyntaxError::new(name.pos, format!("`{}` is not an array", name.text)));
        };
        let f = field(&name.text);
        Ok(if per_instance {
            format!("{{ let i0 = {i}; let i = self.ix(k, i0, {length}); self.{f}[k*{length} + i] }}")
        } else {
            format!("{{ let i0 = {i}; let i = self.ix(k, i0, {length}); self.{f}[i] }}")
        })
    }

    /// Whether a derivimplicit block needs NEURON's Newton iteration: some
    /// statement reads another state of the block, or an equation is not
    /// linear in its own state. Otherwise each equation's backward Euler
    /// step has a closed form, the limit of the iteration.
    fn needs_newton(&self, stmts: &[Stmt], scope: &Scope) -> Result<bool> {
        let states: Vec<String> = stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Derivative { state, .. } => Some(state.text.clone()),
                _ => None,
            })
            .collect();
        // The block's LOCALs are names of the equations too.
        let mut scope = Scope { locals: scope.locals.clone(), function: scope.function.clone(), ..*scope };
        for stmt in stmts {
            if let Stmt::Local(names) = stmt {
                scope.locals.extend(names.iter().map(|(n, _)| n.text.clone()));
            }
        }
        for stmt in stmts {
            if self.check_implicit_shape(stmt, &states).is_err() {
                return Ok(true);
            }
            if let Stmt::Derivative { state, index: None, order: 1, value } = stmt
                && self.linear(value, &state.text, &scope)?.is_none()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A derivimplicit block solved as NEURON solves it: the residual
    /// F(s) = f(s) − (s − s_old)/dt as a method (states set from the
    /// iterate, the block's statements, one residual per equation), handed
    /// to `mechanisms::newton::solve` for each instance; then the block once
    /// more at the solution, as NEURON's outer call. A failure is kept for
    /// the cell group to report.
    fn newton_step(&mut self, name: &str, stmts: &[Stmt], body: &mut String) -> Result<()> {
        let mut states: Vec<String> = Vec::new();
        for stmt in stmts {
            match stmt {
                Stmt::Derivative { state, index: None, order: 1, .. } => states.push(state.text.clone()),
                Stmt::Derivative { state, .. } => return unsupported(state.pos, "array or higher-order derivatives"),
                _ => {}
            }
        }
        let n = states.len();
        let neurite = self.neurite().to_string();
        let method = format!("newton_residual_{name}");
        if !self.newton_methods.contains(&format!("fn {method}(")) {
            let mut scope = Scope {
                exact: false,
                depth: 0,
                usetable: None,
                locals: Vec::new(),
                function: None,
                site: Site::Kernel,
            };
            let mut code = String::new();
            for (i, s) in states.iter().enumerate() {
                writeln!(code, "            self.{}[k] = x[{i}];", field(s)).ok();
                writeln!(code, "            let mut d_{} = 0.0;", field(s)).ok();
            }
            for stmt in stmts {
                match stmt {
                    Stmt::Derivative { state, value, .. } => {
                        let rhs = self.expr(value, &scope)?;
                        writeln!(code, "            d_{} = {rhs};", field(&state.text)).ok();
                    }
                    other => self.statement(other, &mut scope, &mut code, 3)?,
                }
            }
            for (i, s) in states.iter().enumerate() {
                let f = field(s);
                writeln!(code, "            out[{i}] = d_{f} - (self.{f}[k] - x0[{i}])/dt;").ok();
            }
            writeln!(
                self.newton_methods,
                "\n        /// DERIVATIVE {name} for derivimplicit: F(x) = f(x) - (x - x0)/dt of instance k.\n        fn {method}(&mut self, k: usize, mut v: f64, globals: &StepGlobals, x: &[f64; {n}], x0: &[f64; {n}], out: &mut [f64; {n}]) {{\n            let dt = globals.dt;\n{code}        }}"
            )
            .ok();
        }
        let start: Vec<String> = states.iter().map(|s| format!("self.{}[k]", field(s))).collect();
        writeln!(body, "                let x0 = [{}];", start.join(", ")).ok();
        writeln!(body, "                let mut x = x0;").ok();
        writeln!(
            body,
            "                if let Err(e) = {neurite}::mechanisms::newton::solve(&mut x, |x, out| self.{method}(k, v, globals, x, &x0, out)) {{"
        )
        .ok();
        writeln!(body, "                    self.failure.get_or_insert((k, e.reason()));").ok();
        writeln!(body, "                }}").ok();
        writeln!(body, "                let mut out = [0.0; {n}];").ok();
        writeln!(body, "                self.{method}(k, v, globals, &x, &x0, &mut out);").ok();
        Ok(())
    }

    /// derivimplicit can be solved equation by equation, giving NEURON's
    /// simultaneous Newton solution, only when no statement of the block
    /// reads another state of the block: an error here sends the block to
    /// [`Generator::newton_step`].
    fn check_implicit_shape(&self, stmt: &Stmt, block_states: &[String]) -> Result<()> {
        let (mut assigned, mut read) = (Vec::new(), Vec::new());
        let mut pos = stmt_pos(stmt);
        let own = match stmt {
            Stmt::Derivative { state, value, .. } => {
                collect_names(value, &mut read);
                pos = state.pos;
                Some(state.text.as_str())
            }
            other => {
                statement_names(std::slice::from_ref(other), &mut assigned, &mut read);
                None
            }
        };
        if let Some(other) = read.iter().find(|n| block_states.contains(n) && Some(n.as_str()) != own) {
            return unsupported(
                pos,
                &format!("derivimplicit of a block whose statements read its state `{other}` (a coupled system)"),
            );
        }
        Ok(())
    }

    /// `s' = (A*s + B)/D` (the usual `(sinf - s)/stau`) with both terms
    /// over one divisor: the update `s + (1 - exp(dt*(A/D)))*(-(B)/(A) - s)`
    /// is nocmodl's `s + (1 - exp(dt*a))*(-(b)/a - s)` with the common
    /// divisor cancelled in `b/a`, which saves two divisions per state (the
    /// results differ from nocmodl's by rounding only, ~1e-16 relative).
    /// `None` when the equation has another shape or B is zero (the decay
    /// form is used then, exact to the bit).
    fn cnexp_over_divisor(&mut self, value: &Expr, state: &str, s: &str, scope: &Scope) -> Result<Option<String>> {
        let mut e = value;
        while let Expr::Paren(inner) = e {
            e = inner;
        }
        let Expr::Binary { op: BinaryOp::Div, left, right, .. } = e else { return Ok(None) };
        let mut divisor_names = Vec::new();
        collect_names(right, &mut divisor_names);
        if divisor_names.iter().any(|n| n == state) {
            return Ok(None);
        }
        let Some(Linear { a: Some(a), b: Some(b) }) = self.linear(left, state, scope)? else { return Ok(None) };
        let d = self.expr(right, scope)?;
        let mut names = coefficient_names(left, state);
        names.extend(divisor_names);
        if self.is_parameter_only(&names) {
            // SK_E2's `z' = (zInf - z)/zTau` with zTau a parameter: the
            // same factor at every step.
            let cache = format!("cnexp_{}", field(state));
            self.cached.push((cache.clone(), format!("({a}) / {d}")));
            return Ok(Some(format!("                {s} = {s} + self.{cache}[k]*(- ({b}) / ({a}) - {s});\n")));
        }
        Ok(Some(format!(
            "                {{\n                    let a = ({a}) / {d};\n                    {s} = {s} + (1. - exp(dt*a))*(- ({b}) / ({a}) - {s});\n                }}\n"
        )))
    }

    /// Whether `names` (those a cnexp equation's coefficient of its state
    /// reads, [`coefficient_names`]) are only PARAMETER columns and
    /// constants that nothing assigns during the run: then the factor
    /// `1 - exp(dt*a)` is the same at every step and is cached.
    fn is_parameter_only(&self, names: &[String]) -> bool {
        names.iter().all(|n| {
            self.constants.contains_key(n)
                || ((self.columns.iter().any(|(c, r)| c == n && *r == Role::Parameter)
                    || self.global_parameters.iter().any(|(p, _)| p == n))
                    && !self.ion_columns.contains(n)
                    && !self.assigned_in_run.contains(n))
        })
    }

    /// Splits `e` into `a*s + b` as nocmodl does; `None` if `e` is not linear
    /// in `s`.
    fn linear(&self, e: &Expr, s: &str, scope: &Scope) -> Result<Option<Linear>> {
        let mut names = Vec::new();
        collect_names(e, &mut names);
        if !names.iter().any(|n| n == s) {
            return Ok(Some(Linear { a: None, b: Some(self.expr(e, scope)?) }));
        }
        let both = |l: &Expr, r: &Expr| -> Result<Option<(Linear, Linear)>> {
            match (self.linear(l, s, scope)?, self.linear(r, s, scope)?) {
                (Some(a), Some(b)) => Ok(Some((a, b))),
                _ => Ok(None),
            }
        };
        Ok(match e {
            Expr::Var { name, index: None } if name.text == s => Some(Linear { a: Some("1.0".into()), b: None }),
            Expr::Paren(inner) => self
                .linear(inner, s, scope)?
                .map(|l| Linear { a: l.a.map(|a| format!("( {a} )")), b: l.b.map(|b| format!("( {b} )")) }),
            Expr::Unary { op: UnaryOp::Neg, operand, .. } => self
                .linear(operand, s, scope)?
                .map(|l| Linear { a: l.a.map(|a| format!("- ( {a} )")), b: l.b.map(|b| format!("- ( {b} )")) }),
            Expr::Binary { op: op @ (BinaryOp::Add | BinaryOp::Sub), left, right, .. } => {
                let Some((l, r)) = both(left, right)? else { return Ok(None) };
                let sign = if *op == BinaryOp::Add { "+" } else { "-" };
                let combine = |x: Option<String>, y: Option<String>| match (x, y) {
                    (None, None) => None,
                    (Some(x), None) => Some(x),
                    (None, Some(y)) => Some(if sign == "+" { y } else { format!("- {y}") }),
                    (Some(x), Some(y)) => Some(format!("{x} {sign} {y}")),
                };
                Some(Linear { a: combine(l.a, r.a), b: combine(l.b, r.b) })
            }
            Expr::Binary { op: BinaryOp::Mul, left, right, .. } => {
                let mut ln = Vec::new();
                collect_names(left, &mut ln);
                if !ln.iter().any(|n| n == s) {
                    let c = self.expr(left, scope)?;
                    self.linear(right, s, scope)?.map(|r| Linear {
                        a: r.a.map(|a| format!("( {c} )*( {a} )")),
                        b: r.b.map(|b| format!("( {c} )*( {b} )")),
                    })
                } else {
                    let mut rn = Vec::new();
                    collect_names(right, &mut rn);
                    if rn.iter().any(|n| n == s) {
                        return Ok(None);
                    }
                    let c = self.expr(right, scope)?;
                    self.linear(left, s, scope)?.map(|l| Linear {
                        a: l.a.map(|a| format!("( {a} )*( {c} )")),
                        b: l.b.map(|b| format!("( {b} )*( {c} )")),
                    })
                }
            }
            Expr::Binary { op: BinaryOp::Div, left, right, .. } => {
                let mut rn = Vec::new();
                collect_names(right, &mut rn);
                if rn.iter().any(|n| n == s) {
                    return Ok(None);
                }
                let c = self.expr(right, scope)?;
                self.linear(left, s, scope)?.map(|l| Linear {
                    a: l.a.map(|a| format!("( {a} ) / {c}")),
                    b: l.b.map(|b| format!("( {b} ) / {c}")),
                })
            }
            _ => None,
        })
    }

    /// BEFORE/AFTER blocks, each a loop over the instances run by the cell
    /// group at NEURON's call point (`CallPoint`).
    fn before_after_blocks(&self) -> Result<String> {
        let mut code = String::new();
        let points: Vec<String> = self.before_after.iter().map(|(p, _)| format!("CallPoint::{p}")).collect();
        writeln!(code, "        fn call_points(&self) -> &'static [CallPoint] {{ &[{}] }}", points.join(", ")).ok();
        writeln!(code, "        fn before_after(&mut self, point: CallPoint, v: &[f64], globals: &StepGlobals) {{")
            .ok();
        writeln!(code, "            (self.dt, self.celsius) = (globals.dt, globals.celsius);").ok();
        let voltage = if self.m.kind == MechanismKind::Artificial { "f64::NAN" } else { "v[k]" };
        for (point, body) in &self.before_after {
            let mut scope =
                Scope { exact: true, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Kernel };
            let mut inner = String::new();
            self.statements(body, &mut scope, &mut inner, 5)?;
            writeln!(code, "            if point == CallPoint::{point} {{").ok();
            writeln!(code, "                for k in 0..self.count {{").ok();
            writeln!(code, "                    let mut v = {voltage};").ok();
            code.push_str(&inner);
            writeln!(code, "                }}").ok();
            writeln!(code, "            }}").ok();
        }
        writeln!(code, "        }}").ok();
        Ok(code)
    }

    /// The check of the WATCH conditions, at the start of a step as NEURON's
    /// check_thresh: an armed condition that becomes true (within
    /// hoc_epsilon, 1e-11) sends its flag as a self event at once; it fires
    /// again only after being false.
    fn watch_check(&self) -> Result<String> {
        let n = self.watches.len();
        let scope =
            Scope { exact: true, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::NetReceive };
        let mut code = String::new();
        writeln!(code, "        fn has_watches(&self) -> bool {{ true }}").ok();
        writeln!(code, "        fn check_watches(&mut self, v: &[f64], t: f64, outbox: &mut EventOutbox) {{").ok();
        writeln!(code, "            for k in 0..self.count {{").ok();
        writeln!(code, "                let mut v = v.get(k).copied().unwrap_or(f64::NAN);").ok();
        for (i, (value, _)) in self.watches.iter().enumerate() {
            let value = self.expr(value, &scope)?;
            writeln!(code, "                let w = k*{n} + {i};").ok();
            writeln!(code, "                if self.watch_active[w] {{").ok();
            writeln!(code, "                    if ({value}) >= -1e-11 {{").ok();
            writeln!(code, "                        if !self.watch_above[w] {{").ok();
            writeln!(code, "                            self.watch_above[w] = true;").ok();
            writeln!(code, "                            outbox.watch_events.push((t, k, self.watch_flag[w]));").ok();
            writeln!(code, "                        }}").ok();
            writeln!(code, "                    }} else {{").ok();
            writeln!(code, "                        self.watch_above[w] = false;").ok();
            writeln!(code, "                    }}").ok();
            writeln!(code, "                }}").ok();
        }
        writeln!(code, "            }}").ok();
        writeln!(code, "        }}").ok();
        Ok(code)
    }

    /// NET_RECEIVE, and its INITIAL block (run for each NetCon at
    /// initialization) if it has one. The arguments are the NetCon's weight
    /// vector: read into locals, and written back after the block, since
    /// the block may change them (per-NetCon state, as in NEURON).
    fn net_receive(&mut self, params: &[(Name, Units)], body: &[Stmt]) -> Result<String> {
        let names: Vec<String> = params.iter().map(|(n, _)| n.text.clone()).collect();
        let load: String = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("            let mut {} = weights[{i}];\n", local(n)))
            .collect();
        let store: String =
            names.iter().enumerate().map(|(i, n)| format!("            weights[{i}] = {};\n", local(n))).collect();
        let mut scope = Scope {
            exact: true,
            depth: 0,
            usetable: None,
            locals: names.clone(),
            function: None,
            site: Site::NetReceive,
        };
        scope.locals.push("flag".into());
        let mut code = String::new();
        let mut init: Option<&Vec<Stmt>> = None;
        let mut rest: Vec<Stmt> = Vec::new();
        for stmt in body {
            match stmt {
                Stmt::Initial(block) => init = Some(block),
                other => rest.push(other.clone()),
            }
        }
        self.statements(&rest, &mut scope, &mut code, 3)?;
        // v is the node's voltage, as NEURON's `v = NODEV(node)`; a block
        // that assigns v gives it back to the node (`NODEV(node) = v`).
        let (mut assigned, mut read) = (Vec::new(), Vec::new());
        statement_names(&rest, &mut assigned, &mut read);
        let write_back = if assigned.iter().any(|n| n == "v") { "            *node_v = v;\n" } else { "" };
        let mut out = format!(
            "        fn net_receive(&mut self, k: usize, weights: &mut [f64], node_v: &mut f64, flag: f64, t: f64, outbox: &mut EventOutbox) {{\n{}{load}            let mut l_flag = flag;\n            let mut v = *node_v;\n            let mut watch_rm = 0;\n{code}{store}{write_back}        }}\n",
            self.check_tables_call(),
        );
        if let Some(block) = init {
            let mut scope = Scope {
                exact: true,
                depth: 0,
                usetable: None,
                locals: names.clone(),
                function: None,
                site: Site::NetReceive,
            };
            scope.locals.push("flag".into());
            let mut code = String::new();
            self.statements(block, &mut scope, &mut code, 3)?;
            if code.contains("outbox.") {
                let pos = params.first().map_or_else(|| first_neuron_pos(self.m), |(n, _)| n.pos);
                return unsupported(pos, "net_send or net_event in NET_RECEIVE's INITIAL block");
            }
            out.push_str(&format!(
                "        fn net_receive_init(&mut self, k: usize, weights: &mut [f64], t: f64) {{\n{load}            let mut l_flag = 0.0;\n{code}{store}        }}\n"
            ));
        }
        Ok(out)
    }

    fn function_methods(&mut self) -> Result<String> {
        let mut out = String::new();
        let functions: Vec<(String, Callable<'a>)> = self.functions.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (name, (params, _, is_function)) in functions {
            let prefix = if is_function { "f" } else { "p" };
            let tabled = self.tables.iter().position(|t| t.owner == name);
            // With a TABLE, the computation itself is `x_<name>`, and
            // `<name>` interpolates when usetable is on.
            let direct = if tabled.is_some() { format!("x{prefix}_{name}") } else { format!("{prefix}_{name}") };
            // Each twice: with the fast functions for the step loop, and
            // with NEURON's exact ones (`_exact`) for the calls from INITIAL,
            // NET_RECEIVE and the other places that use them.
            let args: String = params.iter().map(|(n, _)| format!(", mut {}: f64", local(&n.text))).collect();
            for exact in [false, true] {
                let scope =
                    Scope { exact, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Function };
                let code = self.callable_code(&name, scope, 3)?;
                let method = if exact { format!("{direct}_exact") } else { direct.clone() };
                if is_function {
                    writeln!(
                        out,
                        "\n        fn {method}(&mut self, k: usize, mut v: f64, t: f64{args}) -> f64 {{\n            let mut {} = 0.0;\n{code}            {}\n        }}",
                        local(&name),
                        local(&name)
                    )
                    .ok();
                } else {
                    writeln!(
                        out,
                        "\n        fn {method}(&mut self, k: usize, mut v: f64, t: f64{args}) {{\n{code}        }}"
                    )
                    .ok();
                }
            }
            if let Some(index) = tabled {
                out.push_str(&self.table_methods(index, params, &direct)?);
                // The exact caller's lookup: the same table, or the exact
                // computation when usetable is off.
                let ret = if is_function { " -> f64" } else { "" };
                writeln!(
                    out,
                    "\n        fn {prefix}_{name}_exact(&mut self, k: usize, v: f64, t: f64, x: f64){ret} {{"
                )
                .ok();
                writeln!(out, "            if self.usetable == 0.0 {{ return self.{direct}_exact(k, v, t, x); }}").ok();
                writeln!(out, "            self.{prefix}_{name}(k, v, t, x)").ok();
                writeln!(out, "        }}").ok();
            }
        }
        if !self.tables.is_empty() {
            writeln!(out, "\n        /// Builds the TABLEs that are missing or whose DEPEND values changed.").ok();
            writeln!(out, "        fn check_tables(&mut self) {{").ok();
            for table in &self.tables {
                writeln!(out, "            self.check_table_{}();", table.owner).ok();
            }
            writeln!(out, "        }}").ok();
        }
        Ok(out)
    }

    /// A TABLE's build and lookup, as nocmodl's `_check_<f>` and `_n_<f>`:
    /// n + 1 points from tmin by an accumulated step, linear interpolation
    /// at `mfac*(x - tmin)`, the end values outside.
    fn table_methods(&mut self, index: usize, params: &[(Name, Units)], direct: &str) -> Result<String> {
        let table = &self.tables[index];
        let (o, pos, function) = (table.owner.clone(), table.pos, table.function);
        if params.len() != 1 {
            return unsupported(pos, "TABLE in a FUNCTION or PROCEDURE without exactly one argument");
        }
        let scope =
            Scope { exact: false, depth: 0, usetable: None, locals: Vec::new(), function: None, site: Site::Function };
        let depend: Vec<String> = table
            .depend
            .clone()
            .iter()
            .map(|d| self.read(&Name { text: d.clone(), pos }, &scope))
            .collect::<Result<_>>()?;
        let (from, to, with) =
            (self.expr(table.from, &scope)?, self.expr(table.to, &scope)?, self.expr(table.with, &scope)?);
        let names = table.names.clone();
        let columns = if function { 1 } else { names.len() };
        let mut out = String::new();
        writeln!(out, "\n        fn check_table_{o}(&mut self) {{").ok();
        writeln!(out, "            if self.usetable == 0.0 || self.count == 0 {{ return; }}").ok();
        // DEPEND and bound variables are GLOBALs (scalars of the type), or
        // read from instance 0.
        writeln!(out, "            let (k, v, t) = (0usize, f64::NAN, 0.0);").ok();
        writeln!(out, "            let depend = [{}];", depend.join(", ")).ok();
        writeln!(out, "            if self.table_{o}_made && self.table_{o}_depend[..] == depend[..] {{ return; }}")
            .ok();
        writeln!(out, "            let tmin = {from};").ok();
        writeln!(out, "            let tmax = {to};").ok();
        writeln!(out, "            let n = ({with}) as usize;").ok();
        writeln!(out, "            let dx = (tmax - tmin)/(n as f64);").ok();
        writeln!(out, "            self.table_{o}_tmin = tmin;").ok();
        writeln!(out, "            self.table_{o}_mfac = 1./dx;").ok();
        writeln!(out, "            self.table_{o}_n = n;").ok();
        // One row per point, the last one twice: a lookup at the upper end
        // interpolates between two equal rows with theta = 0, which is the
        // end value itself, so the lookup needs no branch there.
        writeln!(out, "            self.table_{o} = vec![0.0; (n + 2)*{columns}];").ok();
        writeln!(out, "            let mut x = tmin;").ok();
        writeln!(out, "            for i in 0..=n {{").ok();
        if function {
            writeln!(out, "                self.table_{o}[i] = self.{direct}(k, v, t, x);").ok();
        } else {
            writeln!(out, "                self.{direct}(k, v, t, x);").ok();
            for (c, name) in names.iter().enumerate() {
                writeln!(out, "                self.table_{o}[i*{columns} + {c}] = {};", self.slot(name)).ok();
            }
        }
        writeln!(out, "                x += dx;").ok();
        writeln!(out, "            }}").ok();
        writeln!(out, "            self.table_{o}.copy_within(n*{columns}..(n + 1)*{columns}, (n + 1)*{columns});")
            .ok();
        writeln!(out, "            self.table_{o}_depend = depend.to_vec();").ok();
        writeln!(out, "            self.table_{o}_made = true;").ok();
        writeln!(out, "        }}").ok();
        let prefix = if function { "f" } else { "p" };
        let ret = if function { " -> f64" } else { "" };
        // The same lookup the kernels inline (`table_lookup`).
        writeln!(out, "\n        fn {prefix}_{o}(&mut self, k: usize, v: f64, t: f64, x: f64){ret} {{").ok();
        writeln!(out, "            if self.usetable == 0.0 {{ return self.{direct}(k, v, t, x); }}").ok();
        writeln!(out, "            {}", self.table_lookup(index, "x")).ok();
        writeln!(out, "        }}").ok();
        Ok(out)
    }

    fn statements(&self, stmts: &[Stmt], scope: &mut Scope, out: &mut String, indent: usize) -> Result<()> {
        let depth = scope.locals.len();
        for stmt in stmts {
            self.statement(stmt, scope, out, indent)?;
        }
        scope.locals.truncate(depth);
        Ok(())
    }

    fn statement(&self, stmt: &Stmt, scope: &mut Scope, out: &mut String, indent: usize) -> Result<()> {
        let pad = "    ".repeat(indent);
        match stmt {
            Stmt::Local(names) => {
                for (name, length) in names {
                    scope.locals.push(name.text.clone());
                    match length {
                        Some(length) => writeln!(out, "{pad}let mut {} = [0.0_f64; {length}];", local(&name.text)).ok(),
                        None => writeln!(out, "{pad}let mut {}: f64 = 0.0;", local(&name.text)).ok(),
                    };
                }
            }
            Stmt::Assign { target: Expr::Var { name, index: Some(index) }, value } => {
                let value = self.expr(value, scope)?;
                let i = self.expr(index, scope)?;
                // The index first: its check borrows the mechanism.
                writeln!(out, "{pad}{{").ok();
                writeln!(out, "{pad}    let value = {value};").ok();
                writeln!(out, "{pad}    let i0 = {i};").ok();
                if scope.locals.contains(&name.text) {
                    let l = local(&name.text);
                    writeln!(out, "{pad}    let i = self.ix(k, i0, {l}.len());").ok();
                    writeln!(out, "{pad}    {l}[i] = value;").ok();
                } else {
                    let Some(&(length, per_instance)) = self.arrays.get(&name.text) else {
                        return Err(SyntaxError::new(name.pos, format!("`{}` is not an array", name.text)));
                    };
                    let f = field(&name.text);
                    writeln!(out, "{pad}    let i = self.ix(k, i0, {length});").ok();
                    if per_instance {
                        writeln!(out, "{pad}    self.{f}[k*{length} + i] = value;").ok();
                    } else {
                        writeln!(out, "{pad}    self.{f}[i] = value;").ok();
                    }
                }
                writeln!(out, "{pad}}}").ok();
            }
            Stmt::Assign { target, value } => {
                let Expr::Var { name, index: None } = target else {
                    return unsupported(target.pos(), "assignment to an array element");
                };
                let value = self.expr(value, scope)?;
                let place = self.place(name, scope)?;
                writeln!(out, "{pad}{place} = {value};").ok();
            }
            Stmt::Call(Expr::Call { name, args }) => {
                let code = self.call(name, args, scope)?;
                writeln!(out, "{pad}{code};").ok();
            }
            Stmt::If { cond, then, otherwise } => {
                let cond = self.condition(cond, scope)?;
                writeln!(out, "{pad}if {cond} {{").ok();
                self.statements(then, scope, out, indent + 1)?;
                if let Some(other) = otherwise {
                    writeln!(out, "{pad}}} else {{").ok();
                    self.statements(other, scope, out, indent + 1)?;
                }
                writeln!(out, "{pad}}}").ok();
            }
            Stmt::While { cond, body } => {
                let cond = self.condition(cond, scope)?;
                writeln!(out, "{pad}while {cond} {{").ok();
                self.statements(body, scope, out, indent + 1)?;
                writeln!(out, "{pad}}}").ok();
            }
            Stmt::Block(body) => {
                writeln!(out, "{pad}{{").ok();
                self.statements(body, scope, out, indent + 1)?;
                writeln!(out, "{pad}}}").ok();
            }
            Stmt::Solve { block, method: None, steadystate: None }
                if self.linears.contains_key(&block.text) && scope.site == Site::Kernel =>
            {
                writeln!(out, "{pad}self.linear_{}(k, v, globals);", block.text).ok();
            }
            Stmt::Solve { block, method: None, steadystate: Some(ss) }
                if ss.text == "sparse" && self.kinetics.contains_key(&block.text) && scope.site == Site::Kernel =>
            {
                writeln!(out, "{pad}self.kinetic_steady_{}(k, v, globals);", block.text).ok();
            }
            Stmt::Solve { block, method: None, steadystate: Some(ss) }
                if ss.text == "sparse" && self.kinetics.contains_key(&block.text) && scope.site == Site::Function =>
            {
                // A FUNCTION or PROCEDURE has t and v but no step globals.
                writeln!(
                    out,
                    "{pad}{{ let globals = &StepGlobals {{ t, dt: self.dt, celsius: self.celsius }}; self.kinetic_steady_{}(k, v, globals); }}",
                    block.text
                )
                .ok();
            }
            Stmt::Solve { block, .. } => return unsupported(block.pos, "SOLVE outside BREAKPOINT"),
            Stmt::Table { pos, .. } => return unsupported(*pos, "TABLE"),
            Stmt::Derivative { state, .. } => {
                return unsupported(state.pos, "a derivative outside its DERIVATIVE block");
            }
            Stmt::From { var, from, to, by, body } => {
                // nocmodl's `for (i = from; i <= to; i += by)`, bounds
                // evaluated as C does (to at every test).
                let declared = scope.locals.contains(&var.text);
                let i = local(&var.text);
                let start = self.expr(from, scope)?;
                if !declared {
                    scope.locals.push(var.text.clone());
                }
                let end = self.expr(to, scope)?;
                let step = match by {
                    Some(b) => self.expr(b, scope)?,
                    None => "1.0".into(),
                };
                writeln!(out, "{pad}{{").ok();
                if declared {
                    writeln!(out, "{pad}    {i} = {start};").ok();
                } else {
                    writeln!(out, "{pad}    let mut {i}: f64 = {start};").ok();
                }
                writeln!(out, "{pad}    while {i} <= {end} {{").ok();
                self.statements(body, scope, out, indent + 2)?;
                writeln!(out, "{pad}        {i} += {step};").ok();
                writeln!(out, "{pad}    }}").ok();
                writeln!(out, "{pad}}}").ok();
                if !declared {
                    scope.locals.retain(|l| l != &var.text);
                }
            }
            Stmt::Reaction(_) | Stmt::Conserve { .. } | Stmt::Compartment { .. } => {
                return unsupported(stmt_pos(stmt), "KINETIC statements");
            }
            Stmt::Watch { cond, flag, pos } => {
                let Some(i) =
                    self.watches.iter().position(|(c, f)| watch_condition(cond).as_ref() == Some(c) && f == flag)
                else {
                    return unsupported(*pos, "WATCH outside NET_RECEIVE");
                };
                if scope.site != Site::NetReceive {
                    return unsupported(*pos, "WATCH outside NET_RECEIVE");
                }
                let n = self.watches.len();
                let value = self.expr(&self.watches[i].0, scope)?;
                let flag = self.expr(flag, scope)?;
                // NEURON's _nrn_watch_activate: the first WATCH a NET_RECEIVE
                // call runs switches off the instance's others.
                // Its WATCH events still queued are dropped too.
                writeln!(
                    out,
                    "{pad}if watch_rm == 0 {{ self.watch_active[k*{n}..k*{n} + {n}].fill(false); outbox.watch_resets.push(k); }}"
                )
                .ok();
                writeln!(out, "{pad}watch_rm += 1;").ok();
                writeln!(out, "{pad}self.watch_active[k*{n} + {i}] = true;").ok();
                writeln!(out, "{pad}self.watch_flag[k*{n} + {i}] = {flag};").ok();
                // NEURON arms with the condition's value at the node's
                // voltage (NODEV, not the block's copy) within hoc_epsilon.
                writeln!(out, "{pad}self.watch_above[k*{n} + {i}] = {{ let v = *node_v; ({value}) >= -1e-11 }};").ok();
            }
            Stmt::Initial(_) => return unsupported(Position::default(), "INITIAL inside NET_RECEIVE"),
            Stmt::ForNetCons { pos, .. } => return unsupported(*pos, "FOR_NETCONS"),
            Stmt::Verbatim(pos) => return unsupported(*pos, "VERBATIM"),
            Stmt::Unsupported { what, pos } => return unsupported(*pos, what),
            Stmt::Call(other) => return unsupported(other.pos(), "this statement"),
        }
        Ok(())
    }

    /// Where an assignment to `name` goes.
    fn place(&self, name: &Name, scope: &Scope) -> Result<String> {
        let n = &name.text;
        if scope.locals.contains(n) || scope.function.as_ref() == Some(n) {
            return Ok(local(n));
        }
        if n == "v" {
            // The mechanism's own copy of v, as NEURON's (in NET_RECEIVE
            // the node's voltage, written back after the block).
            return Ok("v".into());
        }
        if self.columns.iter().any(|(c, _)| c == n) {
            return Ok(format!("self.{}[k]", field(n)));
        }
        if self.scalars.contains(n) {
            return Ok(format!("self.{}", field(n)));
        }
        unsupported(name.pos, &format!("assignment to `{n}`"))
    }

    fn condition(&self, e: &Expr, scope: &Scope) -> Result<String> {
        Ok(match e {
            Expr::Paren(inner) => self.condition(inner, scope)?,
            Expr::Binary { op: BinaryOp::And, left, right, .. } => {
                format!("({} && {})", self.condition(left, scope)?, self.condition(right, scope)?)
            }
            Expr::Binary { op: BinaryOp::Or, left, right, .. } => {
                format!("({} || {})", self.condition(left, scope)?, self.condition(right, scope)?)
            }
            Expr::Unary { op: UnaryOp::Not, operand, .. } => format!("!{}", self.condition(operand, scope)?),
            Expr::Binary { op, left, right, .. } if comparison(*op).is_some() => {
                format!(
                    "({} {} {})",
                    self.expr(left, scope)?,
                    comparison(*op).unwrap_or("=="),
                    self.expr(right, scope)?
                )
            }
            other => format!("({} != 0.0)", self.expr(other, scope)?),
        })
    }

    fn expr(&self, e: &Expr, scope: &Scope) -> Result<String> {
        Ok(match e {
            Expr::Number { value, .. } => literal(*value),
            Expr::Var { name, index: Some(index) } => self.array_element(name, index, scope)?,
            Expr::Var { name, index: None } => self.read(name, scope)?,
            Expr::Call { name, args } => self.call(name, args, scope)?,
            Expr::Paren(inner) => format!("({})", self.expr(inner, scope)?),
            Expr::Unary { op: UnaryOp::Neg, operand, .. } => format!("(-{})", self.expr(operand, scope)?),
            Expr::Unary { op: UnaryOp::Not, .. } => format!("(({}) as u8 as f64)", self.condition(e, scope)?),
            Expr::Binary { op: BinaryOp::Pow, left, right, .. } => {
                // Numbers only (`2.3^((34 - 21)/10)`): computed now, once,
                // instead of at every step.
                if let Some(value) = self.constant_value(e) {
                    return Ok(format!("({})", literal(value)));
                }
                self.power(left, right, scope)?
            }
            Expr::Binary { op, left, right, .. } => match op {
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                    let symbol = match op {
                        BinaryOp::Add => "+",
                        BinaryOp::Sub => "-",
                        BinaryOp::Mul => "*",
                        BinaryOp::Div => "/",
                        _ => "%",
                    };
                    format!("({} {symbol} {})", self.expr(left, scope)?, self.expr(right, scope)?)
                }
                _ => format!("(({}) as u8 as f64)", self.condition(e, scope)?),
            },
        })
    }

    /// `x^y` (or `pow(x, y)`) as NEURON's compiled C computes it. The C
    /// compiler (GCC at nrnivmodl's -O2) expands the exact cases of a whole
    /// exponent, `pow(x, 2.0)` to x*x, 1 to x, 0 to 1 and -1 to 1/x, and
    /// calls the C library's `pow` for the others: C's `pow` outside the step
    /// loop (INITIAL, NET_RECEIVE, where NEURON's exact functions are used),
    /// and in the loop `math::powi` for other whole exponents to 64 (products
    /// in two doubles, correctly rounded; C's `pow` is but for about 0.1% of
    /// arguments, there 1 ulp away) and the vectorizing pow for the rest. A
    /// power of numbers the C compiler folds exactly: `powi` everywhere.
    fn power(&self, x: &Expr, y: &Expr, scope: &Scope) -> Result<String> {
        let base = self.expr(x, scope)?;
        let n = self.constant_value(y).filter(|n| n.fract() == 0.0 && (-1.0..=64.0).contains(n));
        Ok(match n {
            Some(2.0) => format!("{{ let x = {base}; x * x }}"),
            Some(1.0) => format!("({base})"),
            Some(0.0) => format!("{{ let _ = {base}; 1.0_f64 }}"),
            Some(-1.0) => format!("(1.0_f64 / ({base}))"),
            Some(n) if !scope.exact || self.constant_value(x).is_some() => {
                format!("{}::math::powi({base}, {})", self.neurite(), n as u32)
            }
            _ => format!("{}::math::pow({base}, {})", self.neurite(), self.expr(y, scope)?),
        })
    }

    /// The value of an expression of numbers, CONSTANTs and DEFINEs alone,
    /// computed as the generated code would compute it (`None` for a whole
    /// power from 3 to 64, which the generated code computes with
    /// `math::powi`).
    fn constant_value(&self, e: &Expr) -> Option<f64> {
        Some(match e {
            Expr::Number { value, .. } => *value,
            Expr::Var { name, index: None } => *self.constants.get(&name.text)?,
            Expr::Paren(inner) => self.constant_value(inner)?,
            Expr::Unary { op: UnaryOp::Neg, operand, .. } => -self.constant_value(operand)?,
            Expr::Binary { op, left, right, .. } => {
                let (x, y) = (self.constant_value(left)?, self.constant_value(right)?);
                match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    BinaryOp::Div => x / y,
                    BinaryOp::Pow => match y {
                        2.0 => x * x,
                        1.0 => x,
                        0.0 => 1.0,
                        -1.0 => 1.0 / x,
                        // The C compiler folds other powers of numbers
                        // correctly rounded; C's pow agrees but for ~0.1% of
                        // arguments. Whole ones are left to math::powi.
                        _ if y.fract() == 0.0 && (3.0..=64.0).contains(&y) => return None,
                        _ => x.powf(y),
                    },
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    fn read(&self, name: &Name, scope: &Scope) -> Result<String> {
        let n = &name.text;
        if scope.locals.contains(n) || scope.function.as_ref() == Some(n) {
            return Ok(local(n));
        }
        Ok(match n.as_str() {
            "v" => "v".into(),
            "t" if scope.site == Site::Kernel => "globals.t".into(),
            "t" => "t".into(),
            "dt" => "self.dt".into(),
            "celsius" => "self.celsius".into(),
            "PI" | "pi" => literal(std::f64::consts::PI),
            "diam" => "self.geometry_diam[k]".into(),
            "area" => "self.geometry_area[k]".into(),
            _ => {
                if self.m.randoms.contains(n) {
                    return Err(SyntaxError::new(
                        name.pos,
                        format!("RANDOM `{n}` is a stream: use it only as the first argument of random_* functions"),
                    ));
                }
                if let Some(value) = self.constants.get(n) {
                    literal(*value)
                } else if self.columns.iter().any(|(c, _)| c == n) {
                    format!("self.{}[k]", field(n))
                } else if self.scalars.contains(n) {
                    format!("self.{}", field(n))
                } else {
                    return unsupported(name.pos, &format!("`{n}`"));
                }
            }
        })
    }

    /// The code of FUNCTION or PROCEDURE `name`'s body (its TABLE statement
    /// left out) in `scope`, with its parameters and, for a FUNCTION, its
    /// own name (the value) as the locals.
    fn callable_code(&self, name: &str, mut scope: Scope, indent: usize) -> Result<String> {
        let (params, body, is_function) = self.functions[name];
        scope.locals = params.iter().map(|(n, _)| n.text.clone()).collect();
        scope.function = is_function.then(|| name.to_string());
        let body: Vec<Stmt> = body.iter().filter(|s| !matches!(s, Stmt::Table { .. })).cloned().collect();
        let mut code = String::new();
        self.statements(&body, &mut scope, &mut code, indent)?;
        Ok(code)
    }

    /// A FUNCTION or PROCEDURE call in a kernel, inlined as a block (a
    /// block expression for a FUNCTION), so that the kernel's loop stays a
    /// plain loop over the columns that the compiler can vectorize. A
    /// tabulated one looks its table up when `usetable` is on.
    fn inline_call(&self, user: &str, args: &[String], scope: &Scope) -> Result<String> {
        let (params, _, is_function) = self.functions[user];
        let inner = Scope { depth: scope.depth + 1, site: Site::Kernel, ..scope.clone() };
        let code = self.callable_code(user, inner, 5)?;
        let mut block = String::from("{\n");
        if !params.is_empty() {
            // All at once: an argument may name a variable that a parameter
            // of the callee shadows.
            let names: Vec<String> = params.iter().map(|(p, _)| format!("mut {}", local(&p.text))).collect();
            block.push_str(&format!("                    let ({},) = ({},);\n", names.join(", "), args.join(", ")));
        }
        let computed = if is_function {
            format!(
                "{{\n                    let mut {} = 0.0;\n{code}                    {}\n                    }}",
                local(user),
                local(user)
            )
        } else {
            format!("{{\n{code}                    }}")
        };
        match self.tables.iter().position(|t| t.owner == user) {
            Some(index) => {
                let x = local(&params[0].0.text);
                let lookup = self.table_lookup(index, &x);
                match scope.usetable {
                    Some(true) => block.push_str(&format!("                    {{ {lookup} }}\n")),
                    Some(false) => block.push_str(&format!("                    {computed}\n")),
                    None => block.push_str(&format!(
                        "                    if self.usetable != 0.0 {{ {lookup} }} else {computed}\n"
                    )),
                }
            }
            None => block.push_str(&format!("                    {computed}\n")),
        }
        block.push_str("                }");
        Ok(block)
    }

    /// nocmodl's table lookup at `x` as a block: assigns the tabulated
    /// variables (PROCEDURE) or is the value (FUNCTION).
    fn table_lookup(&self, index: usize, x: &str) -> String {
        let table = &self.tables[index];
        let o = &table.owner;
        let assign = |value: &dyn Fn(usize) -> String| -> String {
            if table.function {
                value(0)
            } else {
                table
                    .names
                    .iter()
                    .enumerate()
                    .map(|(c, name)| format!("{} = {};", self.slot(name), value(c)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let columns = if table.function { 1 } else { table.names.len() };
        let interpolate = |c: usize| format!("row[{c}] + theta*(row[{}] - row[{c}])", columns + c);
        // nocmodl's lookup: xi <= 0 gives the first value, xi >= n the last,
        // otherwise row i = (int)xi interpolated by theta = xi - i. Clamping
        // xi to [0, n] gives exactly those values (theta = 0 at both ends,
        // and row n + 1 repeats row n), with no branch but the NaN one.
        format!(
            "let xi = self.table_{o}_mfac * ({x} - self.table_{o}_tmin); let n = self.table_{o}_n; \
             if xi.is_nan() {{ {} }} else {{ \
             let xc = if xi <= 0. {{ 0. }} else if xi >= n as f64 {{ n as f64 }} else {{ xi }}; \
             let i = xc as usize; let theta = xc - i as f64; \
             let row = &self.table_{o}[i*{columns}..i*{columns} + {}]; {} }}",
            assign(&|_| "xi".into()),
            2 * columns,
            assign(&interpolate),
        )
    }

    /// NEURON 9's functions of a RANDOM stream, as nocmodl maps them to
    /// `nrnran123_*`: `args[0]` names the stream, `rest[1..]` are the other
    /// arguments, already translated.
    fn random_call(&self, name: &Name, args: &[Expr], rest: &[String]) -> Result<String> {
        let stream = match args.first() {
            Some(Expr::Var { name: r, index: None }) if self.m.randoms.contains(&r.text) => {
                format!("self.{}[k]", random_field(&r.text))
            }
            _ => {
                return Err(SyntaxError::new(
                    name.pos,
                    format!("`{}`: the first argument must be a RANDOM variable", name.text),
                ));
            }
        };
        // The other arguments first: they may borrow the mechanism.
        let binds: String = rest[1..].iter().enumerate().map(|(i, x)| format!("let r{i} = {x}; ")).collect();
        let bound: Vec<String> = (0..rest.len() - 1).map(|i| format!("r{i}")).collect();
        let rest = &bound[..];
        let u32_of = |x: &String| format!("(({x}) as u32)");
        Ok(match (name.text.as_str(), rest) {
            ("random_setseq", [x]) => format!("{stream}.set_position({x})"),
            ("random_setids", [a, b, c]) => format!("{stream}.set_ids({}, {}, {})", u32_of(a), u32_of(b), u32_of(c)),
            ("random_uniform" | "random_dpick", []) => format!("{stream}.uniform_open01()"),
            ("random_uniform", [low, high]) => format!("{stream}.uniform_between({low}, {high})"),
            ("random_negexp", []) => format!("{stream}.negexp()"),
            ("random_negexp", [mean]) => format!("{stream}.negexp_mean({mean})"),
            ("random_normal", []) => format!("{stream}.normal()"),
            ("random_normal", [mu, sigma]) => format!("{stream}.normal_with({mu}, {sigma})"),
            ("random_ipick", []) => format!("{stream}.ipick()"),
            (other, _) => {
                return Err(SyntaxError::new(
                    name.pos,
                    format!("`{other}` with {} arguments is no function of a RANDOM stream", rest.len() + 1),
                ));
            }
        })
        .map(|call| if binds.is_empty() { call } else { format!("{{ {binds}{call} }}") })
    }

    fn call(&self, name: &Name, args: &[Expr], scope: &Scope) -> Result<String> {
        if name.text == "printf" {
            // NEURON prints with C's printf; so does neurite (numbers only).
            let Some(Expr::Var { name: format, index: None }) = args.first() else {
                return unsupported(name.pos, "printf without a format string");
            };
            if !format.text.starts_with('"') {
                return unsupported(name.pos, "printf without a format string");
            }
            let numbers: Vec<String> = args[1..].iter().map(|a| self.expr(a, scope)).collect::<Result<_>>()?;
            let text = c_unescape(&format.text[1..format.text.len().saturating_sub(1).max(1)]);
            return Ok(format!("{}::mechanisms::printf::printf({text:?}, &[{}])", self.neurite(), numbers.join(", ")));
        }
        if name.text.starts_with("random_") {
            // The stream argument is no value: translate the others only.
            let mut a = vec![String::new()];
            for arg in args.iter().skip(1) {
                a.push(self.expr(arg, scope)?);
            }
            return self.random_call(name, args, &a);
        }
        let a: Vec<String> = args.iter().map(|a| self.expr(a, scope)).collect::<Result<_>>()?;
        let one = |f: &str| -> Result<String> {
            match a.as_slice() {
                [x] => Ok(format!("({x}).{f}()")),
                _ => unsupported(name.pos, &format!("`{}` with {} arguments", name.text, a.len())),
            }
        };
        Ok(match name.text.as_str() {
            "exp" => match a.as_slice() {
                [x] if scope.exact => format!("exact_exp({x})"),
                [x] => format!("exp({x})"),
                _ => return unsupported(name.pos, "exp with other than one argument"),
            },
            "log" => one("ln")?,
            "log10" => one("log10")?,
            "sqrt" => one("sqrt")?,
            "fabs" | "abs" => one("abs")?,
            // C's fmod: the remainder with the dividend's sign, as Rust's %.
            "fmod" => match a.as_slice() {
                [x, y] => format!("(({x}) % ({y}))"),
                _ => return unsupported(name.pos, "fmod with other than two arguments"),
            },
            "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "floor" | "ceil" => {
                one(&name.text)?
            }
            "pow" => match args {
                [x, y] => self.power(x, y, scope)?,
                _ => return unsupported(name.pos, "pow with other than two arguments"),
            },
            // CVODE's discontinuity hint; at a fixed step NEURON's answer
            // is whether `te` falls in the step that ends at t.
            "at_time" => match a.as_slice() {
                [te] => {
                    let t = if scope.site == Site::Kernel { "globals.t" } else { "t" };
                    format!("{{ let x = ({te}) - 1e-11; if x <= {t} && x > {t} - self.dt {{ 1.0 }} else {{ 0.0 }} }}")
                }
                _ => return unsupported(name.pos, "at_time with other than one argument"),
            },
            "net_send" => match a.as_slice() {
                [delay, flag] if scope.site == Site::NetReceive => {
                    format!("outbox.self_events.push((t + {delay}, k, {flag}))")
                }
                [delay, flag] if scope.site == Site::Kernel => {
                    format!("outbox.self_events.push((globals.t + {delay}, k, {flag}))")
                }
                [_, _] => return unsupported(name.pos, "net_send here (only in INITIAL and NET_RECEIVE)"),
                _ => return unsupported(name.pos, "net_send with other than two arguments"),
            },
            // NEURON's legacy generator (see neurite's mechanisms::scop).
            "scop_random" | "set_seed" | "normrand" | "exprand" | "poisrand" => {
                let (method, arity) = match name.text.as_str() {
                    "scop_random" => ("uniform", 0),
                    "set_seed" => ("set_seed", 1),
                    "normrand" => ("normal", 2),
                    "exprand" => ("exponential", 1),
                    _ => ("poisson", 1),
                };
                if a.len() != arity {
                    return unsupported(name.pos, &format!("`{}` with {} arguments", name.text, a.len()));
                }
                // Arguments first: they may borrow the mechanism.
                let binds: String = a.iter().enumerate().map(|(i, x)| format!("let a{i} = {x}; ")).collect();
                let args: Vec<String> = (0..a.len()).map(|i| format!("a{i}")).collect();
                let call = format!("self.scop[k].{method}({})", args.join(", "));
                if binds.is_empty() { call } else { format!("{{ {binds}{call} }}") }
            }
            "atan2" => match a.as_slice() {
                [y, x] => format!("({y}).atan2({x})"),
                _ => return unsupported(name.pos, "atan2 with other than two arguments"),
            },
            "fmin" | "fmax" => match a.as_slice() {
                [x, y] => format!("({x}).{}({y})", &name.text[1..]),
                _ => return unsupported(name.pos, &format!("{} with other than two arguments", name.text)),
            },
            "erf" | "erfc" => match a.as_slice() {
                [x] => format!("{}::math::{}({x})", self.neurite(), name.text),
                _ => return unsupported(name.pos, &format!("{} with other than one argument", name.text)),
            },
            // CVODE's marked assignment; at a fixed step a plain one.
            "state_discontinuity" => match (args, a.as_slice()) {
                ([Expr::Var { name: target, index: None }, _], [_, value]) => {
                    format!("{} = {value}", self.place(target, scope)?)
                }
                _ => return unsupported(name.pos, "state_discontinuity other than (variable, value)"),
            },
            "net_move" => match a.as_slice() {
                [time] if scope.site == Site::NetReceive => {
                    format!("{{ let a0 = {time}; outbox.moves.push((k, a0, outbox.self_events.len())) }}")
                }
                [_] => return unsupported(name.pos, "net_move outside NET_RECEIVE"),
                _ => return unsupported(name.pos, "net_move with other than one argument"),
            },
            "net_event" => match a.as_slice() {
                [time] if scope.site == Site::NetReceive => format!("outbox.spikes.push((k, {time}))"),
                [_] => return unsupported(name.pos, "net_event outside NET_RECEIVE"),
                _ => return unsupported(name.pos, "net_event with other than one argument"),
            },
            table if self.function_tables.contains_key(table) => {
                let arguments = self.function_tables[table];
                if arguments != a.len() {
                    return Err(SyntaxError::new(
                        name.pos,
                        format!("FUNCTION_TABLE `{table}` takes {arguments} arguments, {} given", a.len()),
                    ));
                }
                // Arguments first: they may borrow the mechanism.
                let binds: String = a.iter().enumerate().map(|(i, x)| format!("let a{i} = {x}; ")).collect();
                let args: Vec<String> = (0..a.len()).map(|i| format!("a{i}")).collect();
                format!("{{ {binds}self.ft_{table}(k, &[{}]) }}", args.join(", "))
            }
            user if self.functions.contains_key(user) => {
                let (params, _, is_function) = self.functions[user];
                if params.len() != a.len() {
                    return Err(SyntaxError::new(
                        name.pos,
                        format!("`{user}` takes {} arguments, {} given", params.len(), a.len()),
                    ));
                }
                if scope.site == Site::Kernel && scope.depth < MAX_INLINE_DEPTH {
                    return self.inline_call(user, &a, scope);
                }
                let t = if scope.site == Site::Kernel { "globals.t" } else { "t" };
                let v = "v";
                let prefix = if is_function { "f" } else { "p" };
                // Arguments first: they may borrow the mechanism (array
                // elements), which the call then borrows mutably.
                let binds: String = a.iter().enumerate().map(|(i, x)| format!("let a{i} = {x}; ")).collect();
                let args: String = (0..a.len()).map(|i| format!(", a{i}")).collect();
                let exact = if scope.exact { "_exact" } else { "" };
                let call = format!("self.{prefix}_{user}{exact}(k, {v}, {t}{args})");
                if binds.is_empty() { call } else { format!("{{ {binds}{call} }}") }
            }
            other => return unsupported(name.pos, &format!("call of `{other}`")),
        })
    }
}

/// The field holding FUNCTION_TABLE `name`'s values.
fn function_table_field(name: &str) -> String {
    format!("function_table_{name}")
}

/// Rewrites a kernel's loop over the instances `lo..lo + n` (the kernel
/// defines both; `slices` are indexed from 0 for instance `lo`) to use
/// local slices of the columns it touches (`var_g[k]` instead of
/// `self.var_g[k]`), bound to the range once before the loop, so the
/// compiler sees plain loops over equal lengths and vectorizes them as it
/// does neurite's hand-written kernels. Bodies that call FUNCTIONs or
/// PROCEDUREs (methods on `self`) keep the instance index and reach
/// `slices` at `k - lo`. Returns (bindings, body).
fn sliced(body: &str, slices: &[(&str, bool)]) -> (String, String) {
    if body.contains("self.f_")
        || body.contains("self.p_")
        || body.contains("self.ft_")
        || body.contains("self.rng_")
        || body.contains("self.newton_")
        || body.contains("self.kinetic_")
        || body.contains("self.linear_")
        || body.contains("self.ix(")
        || body.contains("[k*")
    {
        let mut body = body.replace("for k in 0..self.count", "for k in lo..lo + n");
        for (name, _) in slices {
            body = replace_indexed(&body, name, &format!("{name}[k - lo]"));
        }
        return (String::new(), body);
    }
    // Fields used: per-instance columns (`self.x[k]`), tables
    // (`self.table_f[c][i]`) and scalars (`self.x`), each with whether the
    // loop writes it.
    let mut columns: Vec<(String, bool)> = Vec::new();
    let mut tables: Vec<String> = Vec::new();
    let mut scalars: Vec<(String, bool)> = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("self.") {
        let after = &rest[at + 5..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..end];
        let tail = &after[end..];
        let note = |list: &mut Vec<(String, bool)>, written: bool| match list.iter_mut().find(|(f, _)| f == name) {
            Some((_, w)) => *w |= written,
            None => list.push((name.to_string(), written)),
        };
        if let Some(after_index) = tail.strip_prefix("[k]") {
            let t = after_index.trim_start();
            note(&mut columns, t.starts_with("= ") || t.starts_with("*="));
        } else if tail.starts_with('[') {
            if !tables.iter().any(|t| t == name) {
                tables.push(name.to_string());
            }
        } else if !tail.starts_with('(') && name != "count" {
            let t = tail.trim_start();
            note(&mut scalars, t.starts_with("= ") && !t.starts_with("=="));
        }
        rest = tail;
    }
    let mut bindings = String::new();
    for (name, mutable) in slices {
        let m = if *mutable { "mut " } else { "" };
        bindings.push_str(&format!("            let {name} = &{m}{name}[..n];\n"));
    }
    let mut body = body.to_string();
    // Columns the loop writes live in locals during an iteration (loaded at
    // its start, stored at its end): the compiler cannot know that the
    // column slices do not overlap, and would otherwise store and reload
    // every intermediate value.
    let (mut loads, mut stores) = (String::new(), String::new());
    for (name, written) in &columns {
        let m = if *written { "mut " } else { "" };
        bindings.push_str(&format!("            let {name} = &{m}self.{name}[lo..lo + n];\n"));
        if *written {
            body = body.replace(&format!("self.{name}[k]"), &format!("c_{name}"));
            loads.push_str(&format!("                let mut c_{name} = {name}[k];\n"));
            stores.push_str(&format!("                {name}[k] = c_{name};\n"));
        } else {
            body = body.replace(&format!("self.{name}[k]"), &format!("{name}[k]"));
        }
    }
    if !loads.is_empty() {
        let head = "for k in 0..self.count {\n";
        let (Some(start), Some(end)) = (body.find(head), body.rfind('}')) else {
            unreachable!("a kernel is one loop over the instances");
        };
        body.insert_str(end, &format!("    {}", stores.trim_start()));
        body.insert_str(start + head.len(), &loads);
    }
    for name in &tables {
        bindings.push_str(&format!("            let {name} = &self.{name};\n"));
        body = body.replace(&format!("self.{name}["), &format!("{name}["));
    }
    // Scalars live in locals during the loop (so they can stay in
    // registers); those the loop writes are stored back after it, leaving
    // the last instance's value as NEURON's GLOBALs do.
    let mut store_back = String::new();
    for (name, written) in &scalars {
        let m = if *written { "mut " } else { "" };
        bindings.push_str(&format!("            let {m}s_{name} = self.{name};\n"));
        body = replace_field(&body, name, &format!("s_{name}"));
        if *written {
            store_back.push_str(&format!("            self.{name} = s_{name};\n"));
        }
    }
    body = body.replace("for k in 0..self.count", "for k in 0..n");
    let constant: Vec<String> = scalars.iter().filter(|(_, w)| !w).map(|(name, _)| format!("s_{name}")).collect();
    body = hoist_invariant_pows(&body, &constant, &mut bindings);
    // The pows left change from instance to instance: the vectorizing one.
    body = body.replace("::math::pow(", "::math::pow_in_loop(");
    // With an exponent of 1 the loop has no call left and vectorizes: one
    // copy of the loop for each answer of the test.
    if body.contains("h_exponent0_is_one)") {
        let version = |answer: &str| body.replace("h_exponent0_is_one)", &format!("{answer})"));
        body = format!("if h_exponent0_is_one {{\n{}}} else {{\n{}}}\n", version("true"), version("false"));
    }
    // Worth it where each instance's work is long and all of it vectorizes
    // (`exp`, divisions), not around calls of the C library's scalar
    // functions (which the overlapping block would repeat) or in a short
    // current evaluation.
    let vector_work = body.contains("exp(") && !body.contains("pow_fixed_exponent") && !body.contains("erf");
    if vector_work && store_back.is_empty() && !body.contains("outbox") && !has_identifier(&body, "lo") {
        let arrays: Vec<(&str, bool)> =
            slices.iter().copied().chain(columns.iter().map(|(name, written)| (name.as_str(), *written))).collect();
        body = with_padded_tail(&body, &arrays);
    }
    body.push_str(&store_back);
    (bindings, body)
}

/// Splits a state kernel into loops over the instances, one per group of
/// the SOLVEd blocks' top-level statements (`rates()`, then `m' = ...`,
/// `h' = ...`): each instance goes through the same statements in the
/// same order, so every value is the one loop's, but each loop's body is
/// short. A long body (the rates' `exp`s, then the divisions that wait on
/// them, then the state's own `exp`) is a chain of latencies longer than
/// the processor's window of instructions can overlap between instances;
/// short loops run at the throughput of `exp` and the divider (the L5
/// cell's Ca_HVA: 17.3 → 12.5 ns per instance). Pieces stay together where
/// a later one reads a name an earlier one defines (a LOCAL, or `v` set by
/// a PROCEDURE), where the body shares anything between instances (a
/// GLOBAL it assigns, a failure, an event, a random stream, a method of
/// the mechanism), and where a piece does little (no `exp`, `pow` or
/// `log`: it joins the loop before it).
fn loop_fission(pieces: Vec<String>) -> Vec<String> {
    let whole = pieces.concat();
    let shared = [
        "failure",
        "outbox",
        "self.rng_",
        "self.f_",
        "self.p_",
        "self.ft_",
        "self.newton_",
        "self.kinetic_",
        "self.linear_",
        "self.ix(",
        "[k*",
        "random",
        "self.scop",
        "printf",
    ];
    if pieces.len() < 2 || shared.iter().any(|s| whole.contains(s)) || writes_scalar(&whole) {
        return vec![whole];
    }
    let defined: Vec<Vec<String>> = pieces.iter().map(|piece| top_level_definitions(piece)).collect();
    let heavy = |piece: &str| ["exp(", "pow(", "log("].iter().any(|f| piece.contains(f));
    let mut groups: Vec<String> = vec![pieces[0].clone()];
    for i in 1..pieces.len() {
        let before = defined[..i].iter().flatten();
        let shares = before.clone().any(|name| pieces[i..].iter().any(|later| has_identifier(later, name)));
        if shares || !heavy(&pieces[i]) {
            groups.last_mut().expect("one group").push_str(&pieces[i]);
        } else {
            groups.push(pieces[i].clone());
        }
    }
    groups
}

/// The names a piece of kernel code defines for the code after it: its
/// top-level `let`s, and `v` where it assigns it (a PROCEDURE's
/// `v = v + 0.0001`).
fn top_level_definitions(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    for line in code.lines() {
        let trimmed = line.trim_start();
        if depth == 0
            && let Some(rest) = trimmed.strip_prefix("let ")
        {
            let rest = rest.strip_prefix("mut ").unwrap_or(rest);
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
        depth = (depth + line.matches('{').count()).saturating_sub(line.matches('}').count());
    }
    let assigns_v = code
        .match_indices("v = ")
        .any(|(at, _)| !code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    if assigns_v {
        names.push("v".into());
    }
    names
}

/// Whether a kernel body assigns a field of the mechanism that is not a
/// column (a GLOBAL: shared by the instances, in their order).
fn writes_scalar(body: &str) -> bool {
    let mut rest = body;
    while let Some(at) = rest.find("self.") {
        let after = &rest[at + 5..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let tail = after[end..].trim_start();
        if !tail.starts_with('[') && !tail.starts_with('(') && tail.starts_with('=') && !tail.starts_with("==") {
            return true;
        }
        rest = &after[end..];
    }
    false
}

/// Instances per SIMD block of a kernel: 8 doubles fill an AVX-512
/// register (two AVX2 ones).
const LANES: usize = 8;

/// Below this many instances a kernel is one plain loop: the compiler's
/// vectorized loop and its remainder beat blocks copied in and out (the
/// L5 cell's channels on 10 compartments: 30-60% faster than two blocks
/// of 8 once the kernel is split into short loops).
const PLAIN_BELOW: usize = 32;

/// Runs a kernel's loop over `0..n` (each iteration reading and writing
/// only element `k` of `arrays`, the names bound to the instances' slices,
/// with whether it writes them) so that the instances past the last whole
/// vector are not computed in scalar code. A vectorized loop ends in scalar
/// iterations, each as slow as a whole vector of [`LANES`] instances (the
/// same `exp`s and divisions with one lane used).
///
/// With at least [`PLAIN_BELOW`] instances the plain loop runs over the
/// whole blocks of `LANES`; when `n` is not a multiple of `LANES`, the last
/// `LANES` instances, copied before anything changes them, are a block
/// overlapping the one before, computed in local arrays: for the instances
/// both hold it computes the same values from the same inputs. Every
/// instance gets exactly what the plain loop gives it; fewer instances
/// keep the plain loop.
fn with_padded_tail(body: &str, arrays: &[(&str, bool)]) -> String {
    let written = || arrays.iter().filter(|(_, w)| *w).map(|(name, _)| *name);
    let mut out = format!(
        "            let whole = n - n % {LANES};\n            let plain = if n < {PLAIN_BELOW} {{ n }} else {{ whole }};\n            let overlap = n >= {PLAIN_BELOW} && whole < n;\n            let last = n.saturating_sub({LANES});\n"
    );
    // What the overlapping block reads of the columns the loop writes,
    // before the loop writes it.
    for name in written() {
        out.push_str(&format!(
            "            let mut t_{name} = [0.0; {LANES}];\n            if overlap {{ t_{name}.copy_from_slice(&{name}[last..n]); }}\n"
        ));
    }
    out.push_str("            {\n                let n = plain;\n");
    for (name, written) in arrays {
        let m = if *written { "mut " } else { "" };
        out.push_str(&format!("                let {name} = &{m}{name}[..n];\n"));
    }
    out.push_str(body);
    out.push_str(&format!(
        "            }}\n            for at in (plain..whole.max(plain)).step_by({LANES}).chain(overlap.then_some(last)) {{\n                let saved = overlap && at == last;\n"
    ));
    for name in written() {
        out.push_str(&format!(
            "                let mut p_{name}: [f64; {LANES}] = if saved {{ t_{name} }} else {{ {name}[at..at + {LANES}].try_into().expect(\"{LANES} instances\") }};\n"
        ));
    }
    // A length the compiler cannot see: with a constant one it unrolls the
    // loop into scalar code instead of vectorizing it.
    out.push_str(&format!("                {{\n                    let n = std::hint::black_box({LANES});\n"));
    for (name, written) in arrays {
        if *written {
            out.push_str(&format!("                    let {name} = &mut p_{name}[..n];\n"));
        } else {
            out.push_str(&format!("                    let {name} = &{name}[at..at + n];\n"));
        }
    }
    out.push_str(body);
    out.push_str("                }\n");
    for name in written() {
        out.push_str(&format!("                {name}[at..at + {LANES}].copy_from_slice(&p_{name});\n"));
    }
    out.push_str("            }\n");
    out
}

/// Whether `text` uses `name` as a whole identifier.
fn has_identifier(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| !text[..at].ends_with(word) && !text[at + name.len()..].starts_with(word))
}

/// Moves the `pow` calls of a kernel loop whose arguments are only numbers
/// and scalars the loop does not write (`q10^((celsius - temp)/10)`) before
/// the loop: the same operations on the same values, once per call instead
/// of once per instance.
fn hoist_invariant_pows(body: &str, constant: &[String], bindings: &mut String) -> String {
    let marker = "::math::pow(";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    let mut hoisted: Vec<String> = Vec::new();
    let mut exponents = 0;
    while let Some(at) = rest.find(marker) {
        // The path before `::math::pow(` (`crate`, `neurite`, ...).
        let start =
            rest[..at].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).map_or(0, |i| i + 1);
        let open = at + marker.len();
        let mut depth = 1;
        let mut end = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let arguments = &rest[open..end];
        let is_invariant = |text: &str| {
            text.chars().all(|c| c.is_ascii_alphanumeric() || "_ ()+-*/.,".contains(c))
                && text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|t| !t.is_empty())
                    .all(|t| t.starts_with(|c: char| c.is_ascii_digit()) || constant.iter().any(|s| s == t))
        };
        let invariant = is_invariant(arguments);
        // The exponent alone fixed: test once whether it is 1.
        let exponent = top_level_comma(arguments)
            .map(|comma| (&arguments[..comma], arguments[comma + 1..].trim()))
            .filter(|(_, y)| !invariant && is_invariant(y))
            // A number known now is not worth a test (and x^1 is folded).
            .filter(|(_, y)| y.contains("s_"));
        out.push_str(&rest[..start]);
        let call = &rest[start..=end];
        if let Some((x, y)) = exponent {
            let k = exponents;
            exponents += 1;
            let path = &rest[start..at];
            bindings.push_str(&format!(
                "            let h_exponent{k} = {y};\n            let h_exponent{k}_is_one = std::hint::black_box(h_exponent{k}) == 1.0;\n"
            ));
            out.push_str(&format!("{path}::math::pow_fixed_exponent({x}, h_exponent{k}, h_exponent{k}_is_one)"));
        } else if invariant {
            let k = match hoisted.iter().position(|h| h == call) {
                Some(k) => k,
                None => {
                    bindings.push_str(&format!("            let h_pow{} = {call};\n", hoisted.len()));
                    hoisted.push(call.to_string());
                    hoisted.len() - 1
                }
            };
            out.push_str(&format!("h_pow{k}"));
        } else {
            out.push_str(call);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the comma between a call's two arguments is (not one inside
/// parentheses).
fn top_level_comma(arguments: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in arguments.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// `text` with `{name}[k]` replaced by `with` where `name` is a whole
/// identifier (not the end of `var_v`, not a field `self.v`).
fn replace_indexed(text: &str, name: &str, with: &str) -> String {
    let pattern = format!("{name}[k]");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&pattern) {
        out.push_str(&rest[..at]);
        let joined = out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        out.push_str(if joined { &pattern } else { with });
        rest = &rest[at + pattern.len()..];
    }
    out.push_str(rest);
    out
}

/// Replaces `self.<name>` (the whole field name, not a longer one) by `with`.
fn replace_field(text: &str, name: &str, with: &str) -> String {
    let pattern = format!("self.{name}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&pattern) {
        let after = &rest[at + pattern.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&pattern);
        } else {
            out.push_str(with);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn comparison(op: BinaryOp) -> Option<&'static str> {
    Some(match op {
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        _ => return None,
    })
}

/// Names assigned and names read by statements (not descending into calls).
fn statement_names(stmts: &[Stmt], assigned: &mut Vec<String>, read: &mut Vec<String>) {
    for stmt in stmts {
        match stmt {
            Stmt::Assign { target, value } => {
                if let Expr::Var { name, .. } = target {
                    assigned.push(name.text.clone());
                }
                collect_names(value, read);
            }
            Stmt::Derivative { value, .. } => collect_names(value, read),
            Stmt::Call(e) => {
                // `state_discontinuity(x, value)` assigns x.
                if let Expr::Call { name, args } = e
                    && name.text == "state_discontinuity"
                    && let Some(Expr::Var { name: target, .. }) = args.first()
                {
                    assigned.push(target.text.clone());
                }
                collect_names(e, read)
            }
            Stmt::If { cond, then, otherwise } => {
                collect_names(cond, read);
                statement_names(then, assigned, read);
                if let Some(o) = otherwise {
                    statement_names(o, assigned, read);
                }
            }
            Stmt::While { cond, body } => {
                collect_names(cond, read);
                statement_names(body, assigned, read);
            }
            Stmt::From { from, to, body, .. } => {
                collect_names(from, read);
                collect_names(to, read);
                statement_names(body, assigned, read);
            }
            Stmt::Block(body) | Stmt::Initial(body) => statement_names(body, assigned, read),
            Stmt::Compartment { volume, .. } => collect_names(volume, read),
            Stmt::Conserve { left, right, .. } => {
                collect_names(left, read);
                collect_names(right, read);
            }
            Stmt::Reaction(Reaction::Reversible { forward, backward, .. }) => {
                collect_names(forward, read);
                collect_names(backward, read);
            }
            Stmt::Reaction(Reaction::Irreversible { rate, .. }) => collect_names(rate, read),
            Stmt::Reaction(Reaction::Flux { flux, .. }) => collect_names(flux, read),
            _ => {}
        }
    }
}

/// Whether any block of `m` calls one of `calls` (names as `f()`).
fn calls_any(m: &Mechanism, calls: &[&str]) -> bool {
    let (mut assigned, mut read) = (Vec::new(), Vec::new());
    for item in &m.program.items {
        if let Item::Block { body, .. } = item {
            statement_names(body, &mut assigned, &mut read);
        }
    }
    read.iter().any(|n| calls.contains(&n.as_str()))
}

/// Whether any block of `m` calls NEURON's legacy random functions.
fn uses_scop_random(m: &Mechanism) -> bool {
    calls_any(m, &["scop_random()", "set_seed()", "normrand()", "exprand()", "poisrand()"])
}

/// The names that the coefficient of `state` in the linear expression `e`
/// (`a` of `a*state + b`) reads: those multiplying or dividing a term that
/// holds the state. `CaDynamics_E2`'s `-(k*ica) - (cai - minCai)/decay` in
/// `cai` gives `decay` alone (ica is in `b`). Anything else holding the
/// state (a call) gives all of its names.
fn coefficient_names(e: &Expr, state: &str) -> Vec<String> {
    let all = |e: &Expr| {
        let mut names = Vec::new();
        collect_names(e, &mut names);
        names
    };
    let holds = |e: &Expr| all(e).iter().any(|n| n == state);
    if !holds(e) {
        return Vec::new();
    }
    match e {
        Expr::Var { index: None, .. } => Vec::new(),
        Expr::Paren(inner) => coefficient_names(inner, state),
        Expr::Unary { op: UnaryOp::Neg, operand, .. } => coefficient_names(operand, state),
        Expr::Binary { op: BinaryOp::Add | BinaryOp::Sub, left, right, .. } => {
            let mut names = coefficient_names(left, state);
            names.extend(coefficient_names(right, state));
            names
        }
        Expr::Binary { op: BinaryOp::Mul, left, right, .. } if !(holds(left) && holds(right)) => {
            let (with, without) = if holds(left) { (left, right) } else { (right, left) };
            let mut names = coefficient_names(with, state);
            names.extend(all(without));
            names
        }
        Expr::Binary { op: BinaryOp::Div, left, right, .. } if !holds(right) => {
            let mut names = coefficient_names(left, state);
            names.extend(all(right));
            names
        }
        other => all(other),
    }
}

fn collect_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Number { .. } => {}
        Expr::Var { name, index } => {
            out.push(name.text.clone());
            if let Some(i) = index {
                collect_names(i, out);
            }
        }
        Expr::Call { name, args } => {
            out.push(format!("{}()", name.text));
            for a in args {
                collect_names(a, out);
            }
        }
        Expr::Unary { operand, .. } => collect_names(operand, out),
        Expr::Binary { left, right, .. } => {
            collect_names(left, out);
            collect_names(right, out);
        }
        Expr::Paren(inner) => collect_names(inner, out),
    }
}

/// A C string literal's text with its escapes resolved (`\n`, `\t`, `\033`,
/// ...), to be written again as a Rust literal.
fn c_unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(d) if d.is_digit(8) => {
                let mut code = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(x) => {
                            code = code * 8 + x;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code).unwrap_or('?'));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Whether statements declare a LOCAL array anywhere.
fn has_local_array(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|stmt| match stmt {
        Stmt::Local(names) => names.iter().any(|(_, length)| length.is_some()),
        Stmt::If { then, otherwise, .. } => has_local_array(then) || otherwise.as_deref().is_some_and(has_local_array),
        Stmt::While { body, .. } | Stmt::From { body, .. } | Stmt::Block(body) | Stmt::Initial(body) => {
            has_local_array(body)
        }
        _ => false,
    })
}

/// A WATCH condition `a > b` (or `>=`) as `a - b`, `a < b` (or `<=`) as
/// `b - a`: positive when it holds, as nocmodl's `_watch_cond`.
fn watch_condition(cond: &Expr) -> Option<Expr> {
    let Expr::Binary { op, left, right, pos } = cond else { return None };
    let (a, b) = match op {
        BinaryOp::Gt | BinaryOp::Ge => (left, right),
        BinaryOp::Lt | BinaryOp::Le => (right, left),
        _ => return None,
    };
    Some(Expr::Binary { op: BinaryOp::Sub, left: a.clone(), right: b.clone(), pos: *pos })
}

/// The WATCH statements of a NET_RECEIVE block, in order.
fn collect_watches(stmts: &[Stmt], out: &mut Vec<(Expr, Expr)>) -> Result<()> {
    for stmt in stmts {
        match stmt {
            Stmt::Watch { cond, flag, pos } => {
                let Some(value) = watch_condition(cond) else {
                    return unsupported(*pos, "WATCH with a condition other than a comparison (<, <=, >, >=)");
                };
                if !out.iter().any(|(c, f)| *c == value && f == flag) {
                    out.push((value, flag.clone()));
                }
            }
            Stmt::If { then, otherwise, .. } => {
                collect_watches(then, out)?;
                if let Some(o) = otherwise {
                    collect_watches(o, out)?;
                }
            }
            Stmt::Initial(body) => {
                let mut inner = Vec::new();
                collect_watches(body, &mut inner)?;
                if !inner.is_empty() {
                    let pos = match body.iter().find(|s| matches!(s, Stmt::Watch { .. })) {
                        Some(Stmt::Watch { pos, .. }) => *pos,
                        _ => Position::default(),
                    };
                    return unsupported(pos, "WATCH in NET_RECEIVE's INITIAL block");
                }
            }
            Stmt::Block(body) | Stmt::While { body, .. } => collect_watches(body, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// A CONSERVE statement of a KINETIC block: (coefficient, state) terms, the
/// total, and where it is.
struct Conservation<'e> {
    terms: Vec<(f64, String)>,
    total: &'e Expr,
    pos: Position,
}

/// How a KINETIC scheme's code reaches a name of a reaction: its column
/// (states), its row (states whose equation no CONSERVE replaced), and its
/// value (states and the other names).
struct SchemeLookup<'f> {
    column: &'f dyn Fn(&str) -> Option<usize>,
    row: &'f dyn Fn(&str) -> Option<usize>,
    value: &'f dyn Fn(&str) -> String,
}

/// A reaction's fluxes and Jacobian terms, as nocmodl writes them:
/// f_flux = kf·Π reactants, b_flux = kb·Π products (terms in reverse
/// order), each state's row changed by its coefficient times the net flux,
/// and the derivative of each flux by each of its states in every row.
fn reaction_code(code: &mut String, left: &[Term], right: &[Term], kf: &str, kb: Option<&str>, lookup: &SchemeLookup) {
    let (index, row_of, state) = (lookup.column, lookup.row, lookup.value);
    let product = |rate: &str, side: &[Term]| -> String {
        let mut p = rate.to_string();
        for t in side.iter().rev() {
            for _ in 0..t.coefficient {
                p.push_str(&format!(" * {}", state(&t.state.text)));
            }
        }
        p
    };
    writeln!(code, "            l_f_flux = {};", product(kf, left)).ok();
    writeln!(code, "            l_b_flux = {};", kb.map_or("0.0".into(), |kb| product(kb, right))).ok();
    let scaled = |c: u32| if c == 1 { String::new() } else { format!("{} * ", literal(f64::from(c))) };
    for t in left {
        if let Some(i) = row_of(&t.state.text) {
            writeln!(code, "            rhs[{i}] -= {}(l_f_flux - l_b_flux);", scaled(t.coefficient)).ok();
        }
    }
    for t in right {
        if let Some(i) = row_of(&t.state.text) {
            writeln!(code, "            rhs[{i}] += {}(l_f_flux - l_b_flux);", scaled(t.coefficient)).ok();
        }
    }
    // d(flux)/d(state) for each state of each side, placed in every row of
    // the reaction: + for reactants of the forward flux, − for products.
    let sides: [(&[Term], Option<&str>, bool); 2] = [(left, Some(kf), true), (right, kb, false)];
    for (side, rate, forward) in sides {
        let Some(rate) = rate else { continue };
        for (j, t) in side.iter().enumerate() {
            let Some(col) = index(&t.state.text) else { continue };
            let mut term = rate.to_string();
            if t.coefficient > 1 {
                term.push_str(&format!(" * {}", literal(f64::from(t.coefficient))));
            }
            for _ in 1..t.coefficient {
                term.push_str(&format!(" * {}", state(&t.state.text)));
            }
            for (i, other) in side.iter().enumerate().rev() {
                if i != j {
                    for _ in 0..other.coefficient {
                        term.push_str(&format!(" * {}", state(&other.state.text)));
                    }
                }
            }
            writeln!(code, "            let term = {term};").ok();
            for r in left {
                if let Some(row) = row_of(&r.state.text) {
                    let op = if forward { "+=" } else { "-=" };
                    writeln!(code, "            m[{row}][{col}] {op} {}term;", scaled(r.coefficient)).ok();
                }
            }
            for p in right {
                if let Some(row) = row_of(&p.state.text) {
                    let op = if forward { "-=" } else { "+=" };
                    writeln!(code, "            m[{row}][{col}] {op} {}term;", scaled(p.coefficient)).ok();
                }
            }
        }
    }
}

/// Which elements of an `n`×`n` KINETIC matrix the generated code sets
/// (`m[row][col]`), as nocmodl's code creates them in NEURON's sparse matrix.
fn matrix_structure(code: &str, n: usize) -> Vec<Vec<bool>> {
    let mut present = vec![vec![false; n]; n];
    let number = |text: &str| -> Option<(usize, usize)> {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        Some((text[..digits].parse().ok()?, digits))
    };
    for (at, _) in code.match_indices("m[") {
        // Only `m[` starting a name (not `rhs[`, `self.m[`...).
        if at > 0 && (code.as_bytes()[at - 1].is_ascii_alphanumeric() || code.as_bytes()[at - 1] == b'_') {
            continue;
        }
        let rest = &code[at + 2..];
        let Some((row, len)) = number(rest) else { continue };
        let Some(rest) = rest[len..].strip_prefix("][") else { continue };
        let Some((col, _)) = number(rest) else { continue };
        if row < n && col < n {
            present[row][col] = true;
        }
    }
    present
}

/// The terms of a reaction, to rename.
fn reaction_terms(r: &mut Reaction) -> Vec<&mut Term> {
    match r {
        Reaction::Reversible { left, right, .. } => left.iter_mut().chain(right.iter_mut()).collect(),
        Reaction::Irreversible { left, .. } => left.iter_mut().collect(),
        Reaction::Flux { term, .. } => vec![term],
        Reaction::Equation { .. } => Vec::new(),
    }
}

/// Every expression of a reaction: rates, fluxes, term indices.
fn reaction_exprs(r: &mut Reaction) -> Vec<&mut Expr> {
    match r {
        Reaction::Reversible { left, right, forward, backward, .. } => {
            let mut out: Vec<&mut Expr> =
                left.iter_mut().chain(right.iter_mut()).filter_map(|t| t.index.as_mut()).collect();
            out.push(forward);
            out.push(backward);
            out
        }
        Reaction::Irreversible { left, rate, .. } => {
            let mut out: Vec<&mut Expr> = left.iter_mut().filter_map(|t| t.index.as_mut()).collect();
            out.push(rate);
            out
        }
        Reaction::Flux { term, flux, .. } => term.index.as_mut().into_iter().chain(std::iter::once(flux)).collect(),
        Reaction::Equation { left, right, .. } => vec![left, right],
    }
}

/// Replaces the loop variable `var` in `e` by the number `value`.
fn substitute(e: &mut Expr, var: &str, value: f64) {
    match e {
        Expr::Var { name, index: None } if name.text == var => {
            *e = Expr::Number { value, text: literal(value), pos: name.pos };
        }
        Expr::Var { index: Some(i), .. } => substitute(i, var, value),
        Expr::Call { args, .. } => args.iter_mut().for_each(|a| substitute(a, var, value)),
        Expr::Unary { operand, .. } => substitute(operand, var, value),
        Expr::Binary { left, right, .. } => {
            substitute(left, var, value);
            substitute(right, var, value);
        }
        Expr::Paren(inner) => substitute(inner, var, value),
        Expr::Number { .. } | Expr::Var { .. } => {}
    }
}

/// The terms of a CONSERVE's left side, `a + 2*b + c`, as (coefficient,
/// state); None for another shape.
fn conserve_terms(e: &Expr, out: &mut Vec<(f64, String)>) -> Option<()> {
    match e {
        Expr::Binary { op: BinaryOp::Add, left, right, .. } => {
            conserve_terms(left, out)?;
            conserve_terms(right, out)
        }
        Expr::Var { name, index: None } => {
            out.push((1.0, name.text.clone()));
            Some(())
        }
        Expr::Binary { op: BinaryOp::Mul, left, right, .. } => match (left.as_ref(), right.as_ref()) {
            (Expr::Number { value, .. }, Expr::Var { name, index: None })
            | (Expr::Var { name, index: None }, Expr::Number { value, .. }) => {
                out.push((*value, name.text.clone()));
                Some(())
            }
            _ => None,
        },
        _ => None,
    }
}

fn stmt_pos(stmt: &Stmt) -> Position {
    match stmt {
        Stmt::Reaction(
            Reaction::Reversible { pos, .. }
            | Reaction::Flux { pos, .. }
            | Reaction::Irreversible { pos, .. }
            | Reaction::Equation { pos, .. },
        )
        | Stmt::Conserve { pos, .. }
        | Stmt::Compartment { pos, .. } => *pos,
        _ => Position::default(),
    }
}

/// NEURON's default reversal potential (mV) of the ions whose reversal
/// potential is a constant unless a mechanism changes concentrations.
fn ion_pos(m: &Mechanism, wanted: &str) -> Position {
    m.program
        .items
        .iter()
        .find_map(|item| match item {
            Item::Neuron(stmts) => stmts.iter().find_map(|s| match s {
                NeuronStmt::UseIon { ion, .. } if ion.text == wanted => Some(ion.pos),
                _ => None,
            }),
            _ => None,
        })
        .unwrap_or(Position { line: 1, col: 1 })
}

fn first_neuron_pos(m: &Mechanism) -> Position {
    m.program
        .items
        .iter()
        .find_map(|item| match item {
            Item::Neuron(stmts) => stmts.iter().find_map(|s| match s {
                NeuronStmt::UseIon { ion, .. } => Some(ion.pos),
                NeuronStmt::Pointer(n) | NeuronStmt::NonspecificCurrent(n) | NeuronStmt::ElectrodeCurrent(n) => {
                    n.first().map(|n| n.pos)
                }
                _ => None,
            }),
            _ => None,
        })
        .unwrap_or(Position { line: 1, col: 1 })
}

fn is_builtin_variable(name: &str) -> bool {
    matches!(name, "v" | "t" | "dt" | "celsius" | "diam" | "area")
}

/// A Rust field name for an NMODL variable (raw identifiers for keywords).
/// A PARAMETER's default as NEURON 9 has it: nocmodl writes defaults with
/// C's `%g`, six significant digits (`15.87301587302` becomes `15.873`),
/// while CONSTANTs and literals keep every digit.
fn parameter_default(value: f64) -> f64 {
    format!("{value:.5e}").parse().unwrap_or(value)
}

/// The field of a RANDOM variable's streams.
fn random_field(name: &str) -> String {
    format!("rng_{name}")
}

fn field(name: &str) -> String {
    format!("var_{name}")
}

/// A Rust local for an NMODL local or parameter.
fn local(name: &str) -> String {
    format!("l_{name}")
}

/// A Rust f64 literal of `value`, round-tripping exactly.
fn literal(value: f64) -> String {
    let text = format!("{value:?}");
    if text.contains('.') || text.contains('e') || text.contains("inf") || text.contains("NaN") {
        if value.is_nan() {
            "f64::NAN".into()
        } else if value.is_infinite() {
            if value > 0.0 { "f64::INFINITY".into() } else { "f64::NEG_INFINITY".into() }
        } else {
            format!("{text}_f64")
        }
    } else {
        format!("{text}.0_f64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_source;

    #[test]
    fn cnexp_has_nocmodls_shape() {
        let src = "NEURON { SUFFIX st RANGE k }\nPARAMETER { k = 2 }\nSTATE { x y }\nASSIGNED { w }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { w = 1  x' = 5*k  y' = -(y - 3)*k/2 + w }";
        let m = check_source(src, "st.mod").unwrap();
        let code = generate(&m, &Options::default()).unwrap();
        // nocmodl: x = x - dt*(- ( ( 5.0 )*( k ) ) ) ;
        assert!(code.contains("c_var_x = c_var_x - dt*(- ((5.0_f64 * var_k[k])));"), "{code}");
        // nocmodl: a = ( ( - ( 1.0 ) )*( k ) ) / 2.0, b = ( ( - ( ( - 3.0 ) ) )*( k ) ) / 2.0 + w.
        // a reads the parameter k alone (w is in b): 1 - exp(dt*a) is the
        // same at every step, computed once per dt.
        assert!(code.contains("let a = ( ( - ( ( 1.0 ) ) )*( self.var_k[k] ) ) / 2.0_f64;"), "{code}");
        assert!(code.contains("self.cnexp_var_y.push(1. - exp(dt*a));"), "{code}");
        assert!(
            code.contains("c_var_y = c_var_y + cnexp_var_y[k]*(- (( ( - ( ( - 3.0_f64 ) ) )*( var_k[k] ) ) / 2.0_f64 + c_var_w) / "),
            "{code}"
        );
        assert!(code.find("c_var_w = 1.0_f64;") < code.find("c_var_y = c_var_y + "), "{code}");
        // With a coefficient that changes (w), the factor is computed at each step.
        let code =
            generate(&check_source(&src.replace("*k/2 + w", "*w/2 + k"), "st.mod").unwrap(), &Options::default())
                .unwrap();
        assert!(code.contains("exp(dt*(( ( - ( ( 1.0 ) ) )*( "), "{code}");
        assert!(!code.contains("cnexp_var_y"), "{code}");
        // SK_E2's `z' = (zInf - z)/zTau` with zTau a parameter: cached too.
        let src = "NEURON { SUFFIX sk RANGE zTau }\nPARAMETER { zTau = 1 }\nSTATE { z }\nASSIGNED { zInf v }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { zInf = v/100  z' = (zInf - z)/zTau }";
        let code = generate(&check_source(src, "sk.mod").unwrap(), &Options::default()).unwrap();
        assert!(code.contains("self.cnexp_var_z.push(1. - exp(dt*a));"), "{code}");
        assert!(!code.contains("(1. - exp(dt*a))*"), "{code}");
    }

    #[test]
    fn a_decay_drops_nocmodls_zero_term_with_the_same_bits() {
        // s + f*(-(0.0)/a - s) and s + f*(-s) agree to the bit, signed zeros
        // included (a is negative for a decay).
        for s in [0.0, -0.0, 1e-300, 0.37, -2.5, 12.5] {
            for (f, a) in [(0.0123, -0.5), (1.0, -1e-9), (0.5, -3.0)] {
                let nocmodl: f64 = s + f * (-(0.0) / a - s);
                let ours: f64 = s + f * (-s);
                assert_eq!(nocmodl.to_bits(), ours.to_bits(), "s {s} f {f} a {a}");
            }
        }
        let src = "NEURON { POINT_PROCESS syn RANGE tau }\nPARAMETER { tau = 2 }\nSTATE { g }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { g' = -g/tau }";
        let code = generate(&check_source(src, "syn.mod").unwrap(), &Options::default()).unwrap();
        assert!(code.contains("c_var_g = c_var_g + cnexp_var_g[k]*(-c_var_g);"), "{code}");
    }

    fn translate(src: &str) -> std::result::Result<String, String> {
        let m = check_source(src, "t.mod").map_err(|e| e.to_string())?;
        generate(&m, &Options::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn review_cases_generate_neurons_semantics() {
        // Arguments are bound at once: f(y, x) inside a scope with x and y.
        let code = translate("NEURON { SUFFIX a RANGE r }\nASSIGNED { r }\nFUNCTION f(x, y) { f = x - 2*y }\nBREAKPOINT { LOCAL x, y  x = 1  y = 10  r = f(y, x) }").unwrap();
        assert!(code.contains("let (mut l_x, mut l_y,) = (l_y, l_x,);"), "{code}");
        // euler: every derivative from the old states, then the updates.
        let code = translate(
            "NEURON { SUFFIX a }\nSTATE { x y }\nBREAKPOINT { SOLVE s METHOD euler }\nDERIVATIVE s { x' = y  y' = -x }",
        )
        .unwrap();
        let (dy, ux) = (code.find("let d_var_y").unwrap(), code.find("c_var_x = c_var_x + dt*d_var_x").unwrap());
        assert!(dy < ux, "{code}");
        // A negative constant keeps its sign as a method receiver.
        let code =
            translate("NEURON { SUFFIX a RANGE r }\nCONSTANT { c = -2 }\nASSIGNED { r }\nBREAKPOINT { r = fabs(c) }")
                .unwrap();
        assert!(code.contains("(-2.0_f64).abs()"), "{code}");
        // A parameter changed during the run is not cached in a cnexp factor.
        let code = translate("NEURON { POINT_PROCESS s RANGE tau }\nPARAMETER { tau = 2 }\nSTATE { g }\nBREAKPOINT { SOLVE d METHOD cnexp }\nDERIVATIVE d { g' = -g/tau }\nNET_RECEIVE(w) { tau = tau*2 }").unwrap();
        assert!(!code.contains("cnexp_var_g"), "{code}");
        // Errors instead of wrong code.
        let err = translate("NEURON { SUFFIX a RANGE r }\nASSIGNED { r }\nFUNCTION f() { TABLE FROM 0 TO 1 WITH 10  f = 1 }\nBREAKPOINT { r = f() }").unwrap_err();
        assert!(err.contains("exactly one argument"), "{err}");
        // v in NET_RECEIVE is the node's voltage (NEURON's `v = NODEV(node)`),
        // also for the FUNCTIONs it calls; what it leaves there goes back.
        let code = translate("NEURON { POINT_PROCESS p RANGE g }\nASSIGNED { v g }\nFUNCTION mg() { mg = 1/(1 + exp(-0.062*v)) }\nNET_RECEIVE(w) { g = g + w*mg()  v = -70 }").unwrap();
        assert!(code.contains("let mut v = *node_v;") && code.contains("self.f_mg_exact(k, v, t)"), "{code}");
        // Called from NET_RECEIVE, a FUNCTION uses NEURON's exact functions.
        let exact = &code[code.find("fn f_mg_exact").unwrap()..];
        assert!(exact[..exact.find("\n        }").unwrap()].contains("exact_exp("), "{code}");
        assert!(code.contains("v = (-70.0_f64);") || code.contains("v = -70.0_f64;"), "{code}");
        assert!(code.contains("*node_v = v;"), "{code}");
        let err = translate("NEURON { SUFFIX a }\nPARAMETER { a = 1 }\nASSIGNED { a }").unwrap_err();
        assert!(err.contains("declared twice"), "{err}");
    }

    #[test]
    fn unsupported_constructs_are_errors_at_their_place() {
        let src = "NEURON { SUFFIX c }\nASSIGNED { x }\nBREAKPOINT { x = tau(1, 2) }\nFUNCTION_TABLE tau(v (mV)) (ms)";
        let m = check_source(src, "c.mod").unwrap();
        let err = generate(&m, &Options::default()).unwrap_err();
        assert_eq!(err.pos.line, 3);
        assert!(err.message.contains("FUNCTION_TABLE `tau` takes 1 arguments, 2 given"), "{}", err.message);
        let src = "NEURON { SUFFIX c USEION ca READ cax WRITE ica }\nASSIGNED { ica }\nBREAKPOINT { ica = 0 }";
        let m = check_source(src, "c.mod").unwrap();
        let err = generate(&m, &Options::default()).unwrap_err();
        assert_eq!((err.pos.line, err.pos.col), (1, 26));
        assert!(err.message.contains("`cax` is no variable of the ion"), "{}", err.message);
    }

    #[test]
    fn derivimplicit_is_backward_euler_per_equation_or_newton_for_coupled_systems() {
        let code = translate("NEURON { SUFFIX f RANGE tau }\nPARAMETER { tau = 10 }\nASSIGNED { v }\nSTATE { u }\nBREAKPOINT { SOLVE s METHOD derivimplicit }\nDERIVATIVE s { u' = (v - u)/tau }").unwrap();
        assert!(code.contains("c_var_u = (c_var_u + dt*("), "{code}");
        assert!(code.contains("))/(1. - dt*("), "{code}");
        assert!(!code.contains("newton"), "{code}");
        // Coupled (x reads y) and nonlinear systems: NEURON's Newton
        // iteration over all the block's states, with its residual.
        for body in ["x' = y  y' = -x", "x' = -x*x  y' = x"] {
            let src = format!(
                "NEURON {{ SUFFIX f }}\nSTATE {{ x y }}\nBREAKPOINT {{ SOLVE s METHOD derivimplicit }}\nDERIVATIVE s {{ {body} }}"
            );
            let code = translate(&src).unwrap();
            assert!(code.contains("fn newton_residual_s(&mut self, k: usize, mut v: f64, globals: &StepGlobals, x: &[f64; 2], x0: &[f64; 2], out: &mut [f64; 2])"), "{code}");
            assert!(code.contains("out[1] = d_var_y - (self.var_y[k] - x0[1])/dt;"), "{code}");
            assert!(
                code.contains(
                    "mechanisms::newton::solve(&mut x, |x, out| self.newton_residual_s(k, v, globals, x, &x0, out))"
                ),
                "{code}"
            );
            assert!(code.contains("fn take_failure(&mut self)"), "{code}");
        }
    }

    #[test]
    fn ion_variables_are_exchanged_columns_and_globals_are_scalars() {
        let src = "NEURON { SUFFIX cad USEION ca READ ica, cai WRITE cai GLOBAL depth RANGE taur }\nPARAMETER { depth = .1 taur = 200 cai }\nASSIGNED { ica }\nSTATE { c }\nINITIAL { c = cai }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { c' = -ica/depth + (1e-4 - c)/taur  cai = c }";
        let code = translate(src).unwrap();
        assert!(
            code.contains("IonUse { ion: \"ca\", valence: None, read: &[\"ica\", \"cai\"], write: &[\"cai\"] }"),
            "{code}"
        );
        assert!(code.contains("VariableInfo::ion(\"cai\""), "{code}");
        assert!(code.contains("VariableInfo::global(\"depth\", 0.1"), "{code}");
        assert!(code.contains("VariableInfo::parameter(\"taur\""), "{code}");
        assert!(!code.contains("VariableInfo::parameter(\"cai\""), "{code}");
        assert!(code.contains("\"cai\" => Some(&mut self.var_cai)"), "{code}");
    }

    #[test]
    fn random_streams_are_per_instance_and_only_arguments_of_random_functions() {
        let src = "NEURON { SUFFIX r RANDOM s RANGE x }\nASSIGNED { x }\nINITIAL { random_setseq(s, 4) x = random_normal(s, 1, 2) }\nBREAKPOINT { SOLVE draw }\nPROCEDURE draw() { x = random_negexp(s) }";
        let code = translate(src).unwrap();
        assert!(code.contains("randoms: &[\"s\"]"), "{code}");
        assert!(code.contains("rng_s: Vec<neurite::random123::Random123Stream>"), "{code}");
        assert!(code.contains("{ let r0 = 4.0_f64; self.rng_s[k].set_position(r0) }"), "{code}");
        assert!(code.contains("{ let r0 = 1.0_f64; let r1 = 2.0_f64; self.rng_s[k].normal_with(r0, r1) }"), "{code}");
        assert!(code.contains("self.rng_s[k].negexp()"), "{code}");
        let err = translate("NEURON { SUFFIX r RANDOM s RANGE x }\nASSIGNED { x }\nINITIAL { x = s + 1 }").unwrap_err();
        assert!(err.starts_with("3:15:") && err.contains("RANDOM `s` is a stream"), "{err}");
        let err =
            translate("NEURON { SUFFIX r RANGE x }\nASSIGNED { x }\nINITIAL { x = random_uniform(x) }").unwrap_err();
        assert!(err.starts_with("3:15:") && err.contains("must be a RANDOM variable"), "{err}");
        let err =
            translate("NEURON { SUFFIX r RANDOM s RANGE x }\nASSIGNED { x }\nINITIAL { x = random_normal(s, 1) }")
                .unwrap_err();
        assert!(err.contains("`random_normal` with 2 arguments"), "{err}");
    }

    #[test]
    fn net_receive_arguments_are_the_netcons_weight_vector() {
        let src = "NEURON { POINT_PROCESS s }\nSTATE { g }\nBREAKPOINT { SOLVE d METHOD cnexp }\nDERIVATIVE d { g' = -g }\nNET_RECEIVE(w, n) {\n INITIAL { n = 2 }\n n = n + 1\n g = g + w*n\n}";
        let code = translate(src).unwrap();
        assert!(code.contains("weights: &[\"w\", \"n\"],"), "{code}");
        assert!(code.contains("let mut l_w = weights[0];") && code.contains("let mut l_n = weights[1];"), "{code}");
        assert!(code.contains("weights[1] = l_n;"), "{code}");
        assert!(code.contains("fn net_receive_init(&mut self, k: usize, weights: &mut [f64], t: f64)"), "{code}");
        assert!(code.contains("l_n = 2.0_f64;"), "{code}");
        let err =
            translate("NEURON { POINT_PROCESS s }\nNET_RECEIVE(w) {\n INITIAL { net_send(1, 1) }\n}").unwrap_err();
        assert!(err.contains("INITIAL block"), "{err}");
    }

    #[test]
    fn parameter_defaults_have_six_significant_digits_as_in_neuron() {
        assert_eq!(parameter_default(15.87301587302), 15.873);
        assert_eq!(parameter_default(-111.33209), -111.332);
        assert_eq!(parameter_default(1.23456789012e-7), 1.23457e-7);
        assert_eq!(parameter_default(0.12), 0.12);
        let code = translate("NEURON { SUFFIX p RANGE a GLOBAL g }\nPARAMETER { a = 15.87301587302 g = 1.23456789 }\nCONSTANT { k = 1.23456789012 }\nASSIGNED { x }\nINITIAL { x = k }").unwrap();
        assert!(code.contains("VariableInfo::parameter(\"a\", 15.873_f64"), "{code}");
        assert!(code.contains("VariableInfo::global(\"g\", 1.23457_f64"), "{code}");
        assert!(code.contains("1.23456789012_f64"), "{code}");
    }

    #[test]
    fn kinetic_schemes_are_newton_steps_with_conserve_rows_as_nocmodl() {
        let src = "NEURON { SUFFIX kin }\nPARAMETER { a = 1 b = 2 }\nSTATE { C O }\nINITIAL { SOLVE s STEADYSTATE sparse }\nBREAKPOINT { SOLVE s METHOD sparse }\nKINETIC s {\n ~ C <-> O (a, b)\n CONSERVE C + O = 1\n}";
        let code = translate(src).unwrap();
        assert!(code.contains("const KINETIC_LINEAR_s: bool = true;"), "{code}");
        // States numbered as nocmodl numbers them: O, which the CONSERVE
        // replaces, first. C's row is a backward Euler step; O's row is the
        // conservation. NEURON's sparse solver pivots on C's row first.
        assert!(code.contains("rhs[1] = -dt1*(self.var_C[k] - old[1]);"), "{code}");
        assert!(!code.contains("rhs[0] = -dt1"), "{code}");
        assert!(code.contains("l_f_flux = self.var_a[k] * self.var_C[k];"), "{code}");
        assert!(code.contains("rhs[0] = 1.0_f64;") && code.contains("m[0][1] = 1.0_f64 * (1.0);"), "{code}");
        assert!(code.contains("const KINETIC_ORDER_s: [usize; 2] = [1, 0];"), "{code}");
        assert!(code.contains("solve_in_order(&mut m, &mut rhs, &KINETIC_ORDER_s)"), "{code}");
        assert!(code.contains("self.kinetic_steady_s(k, v, globals);"), "{code}");
        assert!(code.contains("fn take_failure"), "{code}");
        // A second-order reaction makes the scheme nonlinear.
        let code = translate("NEURON { SUFFIX kin }\nSTATE { A B }\nBREAKPOINT { SOLVE s METHOD sparse }\nKINETIC s { ~ 2 A <-> B (1, 1) }").unwrap();
        assert!(code.contains("const KINETIC_LINEAR_s: bool = false;"), "{code}");
        assert!(code.contains("l_f_flux = 1.0_f64 * self.var_A[k] * self.var_A[k];"), "{code}");
        assert!(code.contains("rhs[0] -= 2.0_f64 * (l_f_flux - l_b_flux);"), "{code}");
    }

    #[test]
    fn watch_arms_conditions_checked_each_step_that_send_their_flag() {
        let src = "NEURON { POINT_PROCESS iz RANGE th }\nPARAMETER { th = 30 }\nASSIGNED { v }\nINITIAL { net_send(0, 1) }\nNET_RECEIVE(w) {\n if (flag == 1) { WATCH (v > th) 2 } else if (flag == 2) { net_event(t)  v = -65 }\n}";
        let code = translate(src).unwrap();
        assert!(code.contains("watch_active: vec![false; count * 1],"), "{code}");
        assert!(
            code.contains(
                "if watch_rm == 0 { self.watch_active[k*1..k*1 + 1].fill(false); outbox.watch_resets.push(k); }"
            ),
            "{code}"
        );
        assert!(
            code.contains("self.watch_above[k*1 + 0] = { let v = *node_v; ((v - self.var_th[k])) >= -1e-11 };"),
            "{code}"
        );
        assert!(code.contains("fn check_watches(&mut self, v: &[f64], t: f64, outbox: &mut EventOutbox)"), "{code}");
        assert!(code.contains("outbox.watch_events.push((t, k, self.watch_flag[w]));"), "{code}");
        let err = translate("NEURON { POINT_PROCESS iz }\nASSIGNED { v }\nNET_RECEIVE(w) { WATCH (v) 2 }").unwrap_err();
        assert!(err.contains("a comparison"), "{err}");
    }

    #[test]
    fn linear_blocks_are_solved_from_their_residuals() {
        let src = "NEURON { SUFFIX lin }\nPARAMETER { a = 2 }\nSTATE { x y }\nINITIAL { SOLVE s }\nLINEAR s {\n ~ a*x - y = 0\n ~ x + y = 1\n}";
        let code = translate(src).unwrap();
        assert!(code.contains("out[0] = (((self.var_a[k] * self.var_x[k]) - self.var_y[k])) - (0.0_f64);"), "{code}");
        assert!(code.contains("self.linear_s(k, v, globals);"), "{code}");
        assert!(code.contains("solve_linear(&mut m, &mut x)"), "{code}");
        let err = translate("NEURON { SUFFIX lin }\nSTATE { x y }\nINITIAL { SOLVE s }\nLINEAR s { ~ x + y = 1 }")
            .unwrap_err();
        assert!(err.contains("1 equations for 2 STATEs"), "{err}");
    }

    #[test]
    fn arrays_and_from_loops_index_with_checks() {
        let src = "DEFINE N 3\nNEURON { POINT_PROCESS q RANGE s }\nASSIGNED { t0[N] s }\nINITIAL { LOCAL i\n FROM i = 0 TO N-1 { t0[i] = i*2 } }\nNET_RECEIVE(w) { LOCAL tmp[2]\n tmp[1] = t0[2]\n s = tmp[1] + fmod(7, 3)\n printf(\"s = %g\\n\", s) }";
        let code = translate(src).unwrap();
        assert!(code.contains("var_t0: vec![0.0; count * 3],"), "{code}");
        assert!(code.contains("while l_i <= (3.0_f64 - 1.0_f64) {") || code.contains("while l_i <="), "{code}");
        assert!(
            code.contains("let i = self.ix(k, i0, 3);") && code.contains("self.var_t0[k*3 + i] = value;"),
            "{code}"
        );
        assert!(code.contains("let mut l_tmp = [0.0_f64; 2];"), "{code}");
        assert!(code.contains("{ let i0 = 2.0_f64; let i = self.ix(k, i0, 3); self.var_t0[k*3 + i] }"), "{code}");
        assert!(code.contains("((7.0_f64) % (3.0_f64))"), "{code}");
        assert!(code.contains("mechanisms::printf::printf(\"s = %g\\n\", &[self.var_s[k]])"), "{code}");
        assert_eq!(c_unescape("a\\tb\\033[0m\\n"), "a\tb\u{1b}[0m\n");
        assert!(code.contains("fn ix(&mut self, k: usize, i: f64, len: usize) -> usize"), "{code}");
    }

    #[test]
    fn powers_fixed_during_a_kernel_leave_its_loop() {
        let code = translate(
            "NEURON { SUFFIX k USEION ca READ cai GLOBAL q10, caix }\nPARAMETER { q10 = 2.3 caix = 1 }\n\
             ASSIGNED { cai tadj a celsius }\nSTATE { n }\nBREAKPOINT { SOLVE s METHOD cnexp }\n\
             DERIVATIVE s { tadj = q10^((celsius - 23)/10)  a = cai^caix  n' = (a - n)*tadj }",
        )
        .unwrap();
        let state = &code[code.find("fn advance_state").unwrap()..];
        let (hoisted, looped) = (state.find("let h_pow").unwrap(), state.find("for k in 0..n").unwrap());
        assert!(hoisted < looped, "{state}");
        assert!(state.contains("let h_exponent0 = s_var_caix;"), "{state}");
        assert!(state.contains("if h_exponent0_is_one {"), "{state}");
        assert!(
            state.contains("pow_fixed_exponent(l_c, h_exponent0, true)") || state.contains("h_exponent0, true)"),
            "{state}"
        );
        assert!(state.contains("h_exponent0, false)"), "{state}");
    }

    #[test]
    fn constant_powers_are_computed_once_and_squares_are_products() {
        let code = translate(
            "NEURON { SUFFIX q RANGE x }\nASSIGNED { x v }\nBREAKPOINT { x = 2.3^((34-21)/10) + (v/48)^2 + v^3 }",
        )
        .unwrap();
        assert!(code.contains(&literal(2.3f64.powf(1.3))), "{code}");
        assert!(!code.contains("(2.3_f64).powf"), "{code}");
        assert!(code.contains("{ let x = ((v / 48.0_f64)); x * x }"), "{code}");
        // Whole exponents: products; others, in the loop, the vectorizing pow.
        assert!(code.contains("math::powi(v, 3)"), "{code}");
        let code =
            translate("NEURON { SUFFIX q RANGE x }\nASSIGNED { x v }\nBREAKPOINT { x = v^3.5 + pow(v, 4) }").unwrap();
        assert!(code.contains("math::pow_in_loop(v, 3.5_f64)") && code.contains("math::powi(v, 4)"), "{code}");
        // As NEURON's C compiler: 1, 0 and -1 expanded everywhere; in INITIAL
        // (NEURON's exact functions) other whole powers are C's pow, but
        // those of numbers, which the C compiler folds correctly rounded.
        let code = translate(
            "NEURON { SUFFIX q RANGE x, y }\nASSIGNED { x y v }\nINITIAL { y = v^3 + v^2 + v^1 + v^0 + v^-1 + 2^5 }\nBREAKPOINT { x = v }",
        )
        .unwrap();
        let initial = &code[code.find("fn initialize").unwrap()..code.find("fn current").unwrap()];
        assert!(initial.contains("math::pow(v, 3.0_f64)"), "{initial}");
        assert!(initial.contains("{ let x = v; x * x }") && initial.contains("(1.0_f64 / (v))"), "{initial}");
        assert!(initial.contains("{ let _ = v; 1.0_f64 }") && initial.contains("math::powi(2.0_f64, 5)"), "{initial}");
    }

    #[test]
    fn a_parameter_set_by_state_discontinuity_keeps_its_cnexp_factor_uncached() {
        let src = "NEURON { POINT_PROCESS s RANGE tau }\nPARAMETER { tau = 2 }\nSTATE { g }\nBREAKPOINT { SOLVE d METHOD cnexp }\nDERIVATIVE d { g' = -g/tau }";
        assert!(translate(src).unwrap().contains("cnexp_var_g"));
        let code = translate(&format!("{src}\nNET_RECEIVE(w) {{ state_discontinuity(tau, 2*tau) }}")).unwrap();
        assert!(!code.contains("cnexp_var_g"), "{code}");
    }

    #[test]
    fn kernels_with_exp_run_in_blocks_and_others_in_a_plain_loop() {
        let code = translate(
            "NEURON { SUFFIX g RANGE gbar }\nPARAMETER { gbar = 0.1 }\nSTATE { m }\nASSIGNED { v minf }\n\
             BREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { minf = 1/(1 + exp(-v/7)) m' = (minf - m)/2 }",
        )
        .unwrap();
        let state = &code[code.find("fn advance_state").unwrap()..];
        let state = &state[..state.find("fn global").unwrap()];
        assert!(
            state.contains("for at in (plain..whole.max(plain)).step_by(8).chain(overlap.then_some(last))"),
            "{state}"
        );
        // The overlapping block reads what the columns held before the loop.
        assert!(state.contains("if overlap { t_var_m.copy_from_slice(&var_m[last..n]); }"), "{state}");
        assert!(state.contains("var_m[at..at + 8].copy_from_slice(&p_var_m);"), "{state}");
        // A cheap current evaluation keeps the plain loop.
        let current = &code[code.find("fn current").unwrap()..code.find("fn advance_state").unwrap()];
        assert!(!current.contains("for at in"), "{current}");
    }

    #[test]
    fn state_kernels_split_into_loops_where_instances_share_nothing() {
        let loops = |src: &str| {
            let code = translate(src).unwrap();
            let state = &code[code.find("fn advance_state").unwrap()..];
            state[..state.find("fn global").unwrap()].matches("for k in 0..n {").count()
        };
        // rates(), m' and h' each with exps: a loop each (every loop has
        // its plain part and its blocks: two `for k` apiece).
        let channel = "NEURON { SUFFIX c RANGE minf, hinf }\nSTATE { m h }\nASSIGNED { v minf hinf mtau htau }\n\
             BREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { rates(v) m' = (minf - m)/mtau h' = (hinf - h)/htau }\n\
             PROCEDURE rates(v) { minf = 1/(1 + exp(-v/7)) mtau = 1 + exp(v/20) hinf = 1/(1 + exp(v/6)) htau = 2 }";
        assert_eq!(loops(channel), 6);
        // A LOCAL set before m' and read after it keeps all three together.
        let local = channel
            .replace("DERIVATIVE s { rates(v)", "DERIVATIVE s { LOCAL q q = exp(v) rates(v)")
            .replace("h' = (hinf - h)/htau", "h' = (hinf - h)/(htau*q)");
        assert_eq!(loops(&local), 2);
        // So does `v` changed by a PROCEDURE and read by a later equation.
        let v_set = channel
            .replace("rates(v)", "rates()")
            .replace("htau = 2 }", "htau = 2 v = v + 1 }")
            .replace("h' = (hinf - h)/htau", "h' = (hinf - h)/(htau + exp(v))");
        assert_eq!(loops(&v_set), 2);
        // A GLOBAL that each instance sets is shared: one plain loop (and no
        // blocks, which would reorder the instances' writes).
        let global = channel.replace("RANGE minf, hinf", "GLOBAL minf, hinf");
        assert_eq!(loops(&global), 1);
    }

    #[test]
    fn pointers_are_exchanged_columns_and_before_after_blocks_run_at_their_points() {
        let src = "NEURON { SUFFIX d POINTER pv RANGE q }\nASSIGNED { pv q v }\nAFTER SOLVE { q = pv - v }\nBEFORE BREAKPOINT { q = 0 }";
        let code = translate(src).unwrap();
        assert!(code.contains("pointers: &[\"pv\"],"), "{code}");
        assert!(code.contains("\"pv\" => Some(&mut self.var_pv),"), "{code}");
        assert!(code.contains("fn call_points(&self) -> &'static [CallPoint] { &[CallPoint::AfterSolve, CallPoint::BeforeBreakpoint] }"), "{code}");
        assert!(code.contains("if point == CallPoint::AfterSolve {"), "{code}");
        let code = translate("NEURON { SUFFIX d }\nASSIGNED { x }\nBEFORE STEP { x = t }").unwrap();
        assert!(code.contains("CallPoint::BeforeStep"), "{code}");
        let err = translate("NEURON { SUFFIX d }\nAFTER STEP { }").unwrap_err();
        assert!(err.contains("AFTER STEP blocks: NEURON runs only"), "{err}");
    }

    #[test]
    fn net_move_legacy_random_numbers_and_cvode_methods() {
        let code = translate("NEURON { ARTIFICIAL_CELL a }\nPARAMETER { seed = 3 }\nASSIGNED { x }\nINITIAL { set_seed(seed) net_send(exprand(2), 1) }\nNET_RECEIVE(w) { x = normrand(0, 1) + scop_random() + poisrand(2) net_move(t + 1) }").unwrap();
        assert!(code.contains("scop: Vec<neurite::mechanisms::scop::ScopRandom>"), "{code}");
        assert!(code.contains("self.scop[k].set_seed(a0)"), "{code}");
        assert!(code.contains("self.scop[k].exponential(a0)"), "{code}");
        assert!(code.contains("self.scop[k].normal(a0, a1)") && code.contains("self.scop[k].uniform()"), "{code}");
        assert!(code.contains("outbox.moves.push((k, a0, outbox.self_events.len()))"), "{code}");
        assert!(code.contains("fn moves_events(&self) -> bool { true }"), "{code}");
        // Mechanisms that draw nothing carry no generator.
        assert!(!translate("NEURON { SUFFIX p }\nASSIGNED { x }\nINITIAL { x = 1 }").unwrap().contains("scop"));
        let err = translate("NEURON { SUFFIX p }\nASSIGNED { x }\nINITIAL { net_move(t) }").unwrap_err();
        assert!(err.contains("net_move outside NET_RECEIVE"), "{err}");
        // `SOLVE proc METHOD after_cvode` is a plain SOLVE of the PROCEDURE
        // at a fixed step; at_time is NEURON's test of the step.
        let code = translate("NEURON { POINT_PROCESS c ELECTRODE_CURRENT i }\nASSIGNED { v i on }\nBREAKPOINT { SOLVE cur METHOD after_cvode }\nPROCEDURE cur() { on = at_time(5) i = on }").unwrap();
        assert!(
            code.contains("c_var_on = { let x = (5.0_f64) - 1e-11; if x <= globals.t && x > globals.t - s_dt"),
            "{code}"
        );
        assert!(code.contains("fn p_cur(&mut self, k: usize, mut v: f64, t: f64)"), "{code}");
    }

    #[test]
    fn kinetic_array_states_are_unrolled_and_states_start_at_their_x0() {
        let src = "NEURON { SUFFIX d }\nDEFINE N 3\nPARAMETER { D = 1 p0 = 2 }\nASSIGNED { vol[N] }\nSTATE { c[N] p }\nINITIAL { FROM i = 0 TO N-1 { c[i] = 1 } }\nBREAKPOINT { SOLVE s METHOD sparse }\nKINETIC s {\n COMPARTMENT i, vol[i] {c}\n ~ c[0] << (1)\n FROM i = 0 TO N-2 { ~ c[i] <-> c[i+1] (D*(i+1), D) }\n ~ p <-> c[2] (1, 1)\n}\nFUNCTION ss() { SOLVE s STEADYSTATE sparse ss = c[0] }";
        let code = translate(src).unwrap();
        // Four states: the three elements and p; the loop gives two reactions.
        assert!(code.contains("old: &[f64; 4]"), "{code}");
        assert!(code.contains("l_f_flux = (self.var_D[k] * ((1.0_f64 + 1.0_f64))) * self.var_c[k*3 + 1];"), "{code}");
        assert!(code.contains("self.var_c[k*3 + 2] += rhs[2];"), "{code}");
        // The indexed COMPARTMENT scales each element's row by its volume.
        assert!(
            code.contains("rhs[2] *= { let i0 = 2.0_f64; let i = self.ix(k, i0, 3); self.var_vol[k*3 + i] };"),
            "{code}"
        );
        // p starts at p0, each element of c at 0, before INITIAL.
        assert!(code.contains("self.var_p[k] = self.var_p0[k];"), "{code}");
        assert!(code.contains("self.var_c[k*3..(k + 1)*3].fill(0.0);"), "{code}");
        assert!(code.contains("let globals = &StepGlobals { t, dt: self.dt, celsius: self.celsius }; self.kinetic_steady_s(k, v, globals);"), "{code}");
        let err = translate(
            "NEURON { SUFFIX d }\nSTATE { c[2] }\nBREAKPOINT { SOLVE s METHOD sparse }\nKINETIC s { ~ c[2] << (1) }",
        )
        .unwrap_err();
        assert!(err.contains("index 2 of `c` is outside 0..2"), "{err}");
    }

    #[test]
    fn review_cases_of_the_night() {
        // A LOCAL in a derivimplicit block keeps the closed form.
        let code = translate("NEURON { SUFFIX f RANGE tau }\nPARAMETER { tau = 10 }\nASSIGNED { v }\nSTATE { x }\nBREAKPOINT { SOLVE s METHOD derivimplicit }\nDERIVATIVE s { LOCAL a\n a = 2*v\n x' = (a - x)/tau }").unwrap();
        assert!(!code.contains("newton"), "{code}");
        // Array elements as indices and as arguments of methods are bound
        // to locals before the mechanism is borrowed again.
        let code = translate("NEURON { POINT_PROCESS q RANGE s }\nASSIGNED { a[3] s }\nFUNCTION f(x) { f = x }\nNET_RECEIVE(w) { s = a[a[1]] + f(a[2]) }").unwrap();
        assert!(code.contains("let i0 = { let i0 = 1.0_f64;"), "{code}");
        assert!(code.contains("let a0 = { let i0 = 2.0_f64;"), "{code}");
        // WATCH in NET_RECEIVE's INITIAL block is refused.
        let err =
            translate("NEURON { POINT_PROCESS q }\nASSIGNED { v }\nNET_RECEIVE(w) { INITIAL { WATCH (v > 0) 2 } }")
                .unwrap_err();
        assert!(err.contains("INITIAL block"), "{err}");
    }

    #[test]
    fn literals_round_trip() {
        for x in [0.1, 1e-9, 96485.33212331001, -54.3, 2.0, 0.0] {
            let text = literal(x);
            let parsed: f64 = text.trim_end_matches("_f64").parse().unwrap();
            assert_eq!(parsed.to_bits(), x.to_bits(), "{text}");
        }
    }
}
