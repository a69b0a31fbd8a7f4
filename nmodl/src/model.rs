//! The checked model of a .mod file: what the mechanism is, its variables
//! with their roles, its ions and blocks, with every name used resolved.
//! Anything neurite cannot compile (VERBATIM C code, unsupported blocks) is
//! an error here, at its place.

use std::collections::{BTreeMap, HashSet};

use crate::ast::*;
use crate::error::{Position, SyntaxError};

type Result<T> = std::result::Result<T, SyntaxError>;

/// What kind of mechanism a file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MechanismKind {
    /// `SUFFIX name`: inserted in sections, one instance per segment.
    Density,
    /// `POINT_PROCESS name`
    Point,
    /// `ARTIFICIAL_CELL name`
    Artificial,
}

/// Role of a variable of the mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// PARAMETER
    Parameter,
    /// ASSIGNED
    Assigned,
    /// STATE
    State,
    /// CONSTANT (or DEFINE, or a named physical constant of UNITS)
    Constant,
}

/// A variable of the mechanism.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its declaration.
    pub decl: Declaration,
    /// Its role.
    pub role: Role,
    /// RANGE (one value per instance) rather than GLOBAL (one per type).
    pub range: bool,
}

/// An ion the mechanism uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Ion {
    /// Its name (`na`, `k`, `ca`, ...).
    pub name: String,
    /// Variables read (`ena`, `cai`, ...).
    pub read: Vec<String>,
    /// Variables written (`ina`, `cai`, ...).
    pub write: Vec<String>,
    /// Valence, when given.
    pub valence: Option<f64>,
}

/// A mechanism, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Mechanism {
    /// Its name (suffix, point process or artificial cell name).
    pub name: String,
    /// Kind.
    pub kind: MechanismKind,
    /// TITLE, if any.
    pub title: Option<String>,
    /// Variables by name, in declaration order of their blocks.
    pub variables: BTreeMap<String, Variable>,
    /// Ions.
    pub ions: Vec<Ion>,
    /// NONSPECIFIC_CURRENT names.
    pub nonspecific_currents: Vec<String>,
    /// ELECTRODE_CURRENT names.
    pub electrode_currents: Vec<String>,
    /// POINTER names.
    pub pointers: Vec<String>,
    /// RANDOM names (NEURON 9: a Random123 stream per instance).
    pub randoms: Vec<String>,
    /// Named constants of UNITS with NEURON 9's values (FARADAY, R, ...).
    pub unit_constants: BTreeMap<String, f64>,
    /// The syntax tree.
    pub program: Program,
}

/// NEURON 9's values (nrnunits.lib, CODATA 2018) of the physical units
/// that UNITS blocks name as constants, e.g. `FARADAY = (faraday) (coulomb)`.
/// The size of a unit in SI base units, for the target units of a named
/// constant: products and quotients of (prefixed) coulomb, joule, degC,
/// kelvin, mole, volt, ampere, second, liter and meter, and numbers
/// (`10000 coulomb`, `joule/degC`, `millijoule/degC`).
fn unit_scale(units: &str) -> Option<f64> {
    let mut scale = 1.0;
    for (i, part) in units.split('/').enumerate() {
        let mut factor = 1.0;
        for word in part.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()) {
            factor *= match word.parse::<f64>() {
                Ok(number) => number,
                Err(_) => unit_word(word)?,
            };
        }
        if i == 0 { scale *= factor } else { scale /= factor }
    }
    Some(scale)
}

/// One (prefixed) unit name in SI base units.
fn unit_word(word: &str) -> Option<f64> {
    const BASES: &[(&str, f64)] = &[
        ("coulombs", 1.0),
        ("coulomb", 1.0),
        ("coul", 1.0),
        ("joules", 1.0),
        ("joule", 1.0),
        ("degC", 1.0),
        ("kelvin", 1.0),
        ("K", 1.0),
        ("moles", 1.0),
        ("mole", 1.0),
        ("mol", 1.0),
        ("volts", 1.0),
        ("volt", 1.0),
        ("amperes", 1.0),
        ("ampere", 1.0),
        ("amp", 1.0),
        ("seconds", 1.0),
        ("second", 1.0),
        ("liters", 1e-3),
        ("liter", 1e-3),
        ("meters", 1.0),
        ("meter", 1.0),
        ("1", 1.0),
    ];
    const PREFIXES: &[(&str, f64)] = &[
        ("", 1.0),
        ("kilo", 1e3),
        ("mega", 1e6),
        ("centi", 1e-2),
        ("milli", 1e-3),
        ("micro", 1e-6),
        ("nano", 1e-9),
        ("pico", 1e-12),
    ];
    PREFIXES.iter().find_map(|(prefix, p)| {
        let rest = word.strip_prefix(prefix)?;
        BASES.iter().find(|(b, _)| *b == rest).map(|(_, f)| p * f)
    })
}

fn unit_value(definition: &str) -> Option<f64> {
    const FARADAY: f64 = 96485.33212331001;
    const GAS_CONSTANT: f64 = 8.31446261815324;
    const ELECTRON_CHARGE: f64 = 1.602176634e-19;
    const BOLTZMANN: f64 = 1.380649e-23;
    Some(match definition.trim() {
        "faraday" => FARADAY,
        "k-mole" => GAS_CONSTANT,
        "e" => ELECTRON_CHARGE,
        "k" => BOLTZMANN,
        "pi" => std::f64::consts::PI,
        "1" => 1.0,
        other => return other.parse().ok(),
    })
}

/// Functions NEURON's translated code can call without declaring them.
const BUILTIN_FUNCTIONS: &[&str] = &[
    "exp",
    "log",
    "log10",
    "sqrt",
    "fabs",
    "pow",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "floor",
    "ceil",
    "fmod",
    "erf",
    "erfc",
    "fmin",
    "fmax",
    "abs",
    "net_send",
    "net_event",
    "net_move",
    "printf",
    "scop_random",
    "normrand",
    "exprand",
    "poisrand",
    "unirand",
    "set_seed",
    "random_negexp",
    "random_uniform",
    "random_normal",
    "random_ipick",
    "random_dpick",
    "random_setseq",
    "random_setids",
    "at_time",
    "nrn_ghk",
    "ghk",
    "efun",
    "nernst",
    "state_discontinuity",
];

/// Variables every mechanism can read without declaring them.
const BUILTIN_VARIABLES: &[&str] =
    &["v", "t", "dt", "celsius", "diam", "area", "PI", "FARADAY", "R", "secondorder", "pi", "f_flux", "b_flux"];

/// Solve methods of NEURON's fixed-step code.
const METHODS: &[&str] =
    &["cnexp", "derivimplicit", "euler", "runge", "sparse", "after_cvode", "cvode_t", "cvode_v", "adrunge", "clsoda"];

/// Checks a parsed file; `file` names the mechanism when it has no SUFFIX
/// (NEURON then uses the file's name).
pub fn check(program: &Program, file: &str) -> Result<Mechanism> {
    let mut kind_and_name: Option<(MechanismKind, Name)> = None;
    let mut m = Mechanism {
        name: String::new(),
        kind: MechanismKind::Density,
        title: None,
        variables: BTreeMap::new(),
        ions: Vec::new(),
        nonspecific_currents: Vec::new(),
        electrode_currents: Vec::new(),
        pointers: Vec::new(),
        randoms: Vec::new(),
        unit_constants: BTreeMap::new(),
        program: program.clone(),
    };
    let mut ranges = HashSet::new();
    let mut known: HashSet<String> = BUILTIN_VARIABLES.iter().map(|s| s.to_string()).collect();
    let mut functions: HashSet<String> = BUILTIN_FUNCTIONS.iter().map(|s| s.to_string()).collect();
    let mut blocks: HashSet<String> = HashSet::new();

    // Declarations first: names may be used before their block.
    for item in &program.items {
        match item {
            Item::Title(t) => m.title = Some(t.clone()),
            Item::Verbatim(pos) => return Err(verbatim(*pos)),
            Item::Unsupported { what, pos } => return Err(unsupported(what, *pos)),
            Item::Neuron(stmts) => {
                for stmt in stmts {
                    match stmt {
                        NeuronStmt::Suffix(n) | NeuronStmt::PointProcess(n) | NeuronStmt::ArtificialCell(n) => {
                            let kind = match stmt {
                                NeuronStmt::Suffix(_) => MechanismKind::Density,
                                NeuronStmt::PointProcess(_) => MechanismKind::Point,
                                _ => MechanismKind::Artificial,
                            };
                            if let Some((_, first)) = &kind_and_name {
                                return Err(SyntaxError::new(
                                    n.pos,
                                    format!(
                                        "NEURON block: a second mechanism name `{}` (first `{}`)",
                                        n.text, first.text
                                    ),
                                ));
                            }
                            kind_and_name = Some((kind, n.clone()));
                        }
                        NeuronStmt::UseIon { ion, read, write, valence } => {
                            for v in read.iter().chain(write) {
                                known.insert(v.text.clone());
                            }
                            m.ions.push(Ion {
                                name: ion.text.clone(),
                                read: read.iter().map(|n| n.text.clone()).collect(),
                                write: write.iter().map(|n| n.text.clone()).collect(),
                                valence: *valence,
                            });
                        }
                        NeuronStmt::NonspecificCurrent(names) => {
                            m.nonspecific_currents.extend(names.iter().map(|n| n.text.clone()))
                        }
                        NeuronStmt::ElectrodeCurrent(names) => {
                            m.electrode_currents.extend(names.iter().map(|n| n.text.clone()))
                        }
                        NeuronStmt::Range(names) => ranges.extend(names.iter().map(|n| n.text.clone())),
                        NeuronStmt::Pointer(names) | NeuronStmt::BbcorePointer(names) => {
                            for n in names {
                                known.insert(n.text.clone());
                                m.pointers.push(n.text.clone());
                            }
                        }
                        NeuronStmt::External(names) => {
                            for n in names {
                                known.insert(n.text.clone());
                                functions.insert(n.text.clone());
                            }
                        }
                        NeuronStmt::Random(names) => {
                            for n in names {
                                known.insert(n.text.clone());
                                m.randoms.push(n.text.clone());
                            }
                        }
                        NeuronStmt::Global(_) | NeuronStmt::ThreadSafe | NeuronStmt::Represents => {}
                    }
                }
            }
            Item::Units(defs) => {
                for def in defs {
                    if let UnitDef::Constant { name, definition, units } = def {
                        let value = unit_value(definition).ok_or_else(|| {
                            SyntaxError::new(
                                name.pos,
                                format!("UNITS block: unknown unit `{definition}` for `{}`", name.text),
                            )
                        })?;
                        // Expressed in its target units, as NEURON's unit
                        // arithmetic does: `(faraday) (kilocoulombs)` is
                        // 96485.33.../1000.
                        let scale = match units {
                            Some(target) if definition.trim().parse::<f64>().is_err() => unit_scale(target)
                                .ok_or_else(|| {
                                    SyntaxError::new(
                                        name.pos,
                                        format!("UNITS block: unknown unit `{target}` for `{}`", name.text),
                                    )
                                })?,
                            _ => 1.0,
                        };
                        let value = value / scale;
                        m.unit_constants.insert(name.text.clone(), value);
                        known.insert(name.text.clone());
                    }
                }
            }
            Item::Parameter(decls) | Item::Assigned(decls) | Item::State(decls) | Item::Constant(decls) => {
                let role = match item {
                    Item::Parameter(_) => Role::Parameter,
                    Item::Assigned(_) => Role::Assigned,
                    Item::State(_) => Role::State,
                    _ => Role::Constant,
                };
                for decl in decls {
                    if let Some(first) = m.variables.get(&decl.name.text) {
                        return Err(SyntaxError::new(
                            decl.name.pos,
                            format!(
                                "`{}` is declared twice (first at line {})",
                                decl.name.text, first.decl.name.pos.line
                            ),
                        ));
                    }
                    known.insert(decl.name.text.clone());
                    m.variables.insert(decl.name.text.clone(), Variable { decl: decl.clone(), role, range: false });
                }
            }
            Item::Define(name, _) => {
                known.insert(name.text.clone());
            }
            Item::Local(names) => known.extend(names.iter().map(|(n, _)| n.text.clone())),
            Item::FunctionTable { name, .. } => {
                functions.insert(name.text.clone());
            }
            Item::Block { kind, .. } => match kind {
                BlockKind::Procedure { name, .. } | BlockKind::Function { name, .. } => {
                    functions.insert(name.text.clone());
                    if matches!(kind, BlockKind::Function { .. }) {
                        // A FUNCTION's value is assigned to its name.
                        known.insert(name.text.clone());
                    }
                }
                BlockKind::Derivative(name)
                | BlockKind::Kinetic(name)
                | BlockKind::Linear(name)
                | BlockKind::Nonlinear(name) => {
                    blocks.insert(name.text.clone());
                }
                _ => {}
            },
            Item::Independent => {}
        }
    }
    // Array lengths given by DEFINE names.
    let defines: BTreeMap<String, f64> = program
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Define(name, value) => Some((name.text.clone(), *value)),
            _ => None,
        })
        .collect();
    for var in m.variables.values_mut() {
        if let Some(name) = &var.decl.length_name {
            let value =
                defines.get(&name.text).copied().filter(|v| *v >= 1.0 && v.fract() == 0.0).ok_or_else(|| {
                    SyntaxError::new(
                        name.pos,
                        format!("array `{}`: `{}` is not a DEFINE of a length >= 1", var.decl.name.text, name.text),
                    )
                })?;
            var.decl.length = Some(value as usize);
        }
    }
    let (kind, name) = match kind_and_name {
        Some((kind, name)) => (kind, name.text),
        None => {
            // NEURON names a mechanism without SUFFIX after its file.
            let stem =
                std::path::Path::new(file).file_stem().map_or("mechanism".into(), |s| s.to_string_lossy().into_owned());
            (MechanismKind::Density, stem)
        }
    };
    m.name = name;
    m.kind = kind;
    for (name, var) in m.variables.iter_mut() {
        // PARAMETERs are GLOBAL unless RANGE; ASSIGNED and STATE are RANGE
        // unless GLOBAL (NEURON's rules).
        var.range = match var.role {
            Role::Parameter => ranges.contains(name),
            Role::Assigned | Role::State => !program_globals(program).contains(name),
            Role::Constant => false,
        };
    }

    // Bodies: every name resolved, every SOLVE known.
    let cx = Context { known: &known, functions: &functions, blocks: &blocks, variables: &m.variables };
    for item in &program.items {
        if let Item::Block { kind, body, .. } = item {
            let mut scope: Vec<String> = match kind {
                BlockKind::Procedure { params, .. } | BlockKind::Function { params, .. } => {
                    params.iter().map(|(n, _)| n.text.clone()).collect()
                }
                // NET_RECEIVE also sees the event's flag.
                BlockKind::NetReceive { params } => {
                    params.iter().map(|(n, _)| n.text.clone()).chain(["flag".to_string()]).collect()
                }
                _ => Vec::new(),
            };
            let in_derivative = matches!(kind, BlockKind::Derivative(_));
            cx.statements(body, &mut scope, in_derivative)?;
        }
    }
    Ok(m)
}

/// Names the NEURON block declares GLOBAL.
pub(crate) fn program_globals(program: &Program) -> HashSet<String> {
    let mut globals = HashSet::new();
    for item in &program.items {
        if let Item::Neuron(stmts) = item {
            for stmt in stmts {
                if let NeuronStmt::Global(names) = stmt {
                    globals.extend(names.iter().map(|n| n.text.clone()));
                }
            }
        }
    }
    globals
}

fn verbatim(pos: Position) -> SyntaxError {
    SyntaxError::new(pos, "VERBATIM: C code cannot be compiled by neurite; write it in NMODL")
}

fn unsupported(what: &str, pos: Position) -> SyntaxError {
    SyntaxError::new(pos, format!("{what}: not supported by neurite"))
}

struct Context<'a> {
    known: &'a HashSet<String>,
    functions: &'a HashSet<String>,
    blocks: &'a HashSet<String>,
    variables: &'a BTreeMap<String, Variable>,
}

impl Context<'_> {
    fn statements(&self, stmts: &[Stmt], scope: &mut Vec<String>, in_derivative: bool) -> Result<()> {
        let depth = scope.len();
        for stmt in stmts {
            self.statement(stmt, scope, in_derivative)?;
        }
        scope.truncate(depth);
        Ok(())
    }

    fn statement(&self, stmt: &Stmt, scope: &mut Vec<String>, in_derivative: bool) -> Result<()> {
        match stmt {
            Stmt::Local(names) => scope.extend(names.iter().map(|(n, _)| n.text.clone())),
            Stmt::Assign { target, value } => {
                self.expr(target, scope)?;
                self.expr(value, scope)?;
            }
            Stmt::Derivative { state, index, value, .. } => {
                let is_state = self.variables.get(&state.text).is_some_and(|v| v.role == Role::State);
                if !is_state {
                    return Err(SyntaxError::new(
                        state.pos,
                        format!("`{}'`: a derivative of something that is not a STATE", state.text),
                    ));
                }
                if !in_derivative {
                    return Err(SyntaxError::new(state.pos, format!("`{}'` outside a DERIVATIVE block", state.text)));
                }
                if let Some(i) = index {
                    self.expr(i, scope)?;
                }
                self.expr(value, scope)?;
            }
            Stmt::Reaction(reaction) => match reaction {
                Reaction::Reversible { left, right, forward, backward, .. } => {
                    for term in left.iter().chain(right) {
                        self.term(term, scope)?;
                    }
                    self.expr(forward, scope)?;
                    self.expr(backward, scope)?;
                }
                Reaction::Flux { term, flux, .. } => {
                    self.term(term, scope)?;
                    self.expr(flux, scope)?;
                }
                Reaction::Irreversible { left, rate, .. } => {
                    for term in left {
                        self.term(term, scope)?;
                    }
                    self.expr(rate, scope)?;
                }
                Reaction::Equation { left, right, .. } => {
                    self.expr(left, scope)?;
                    self.expr(right, scope)?;
                }
            },
            Stmt::Conserve { left, right, .. } => {
                self.expr(left, scope)?;
                self.expr(right, scope)?;
            }
            Stmt::Compartment { index, volume, states, .. } => {
                let depth = scope.len();
                if let Some(i) = index {
                    scope.push(i.text.clone());
                }
                self.expr(volume, scope)?;
                scope.truncate(depth);
                for s in states {
                    self.name(s, scope)?;
                }
            }
            Stmt::Solve { block, method, steadystate } => {
                if !self.blocks.contains(&block.text) && !self.functions.contains(&block.text) {
                    return Err(SyntaxError::new(block.pos, format!("SOLVE: no block named `{}`", block.text)));
                }
                for m in method.iter().chain(steadystate) {
                    if !METHODS.contains(&m.text.as_str()) {
                        return Err(SyntaxError::new(m.pos, format!("SOLVE: unknown method `{}`", m.text)));
                    }
                }
            }
            Stmt::Table { names, depend, from, to, with, .. } => {
                for n in names.iter().chain(depend) {
                    self.name(n, scope)?;
                }
                for e in [from, to, with] {
                    self.expr(e, scope)?;
                }
            }
            Stmt::If { cond, then, otherwise } => {
                self.expr(cond, scope)?;
                self.statements(then, scope, in_derivative)?;
                if let Some(other) = otherwise {
                    self.statements(other, scope, in_derivative)?;
                }
            }
            Stmt::While { cond, body } => {
                self.expr(cond, scope)?;
                self.statements(body, scope, in_derivative)?;
            }
            Stmt::From { var, from, to, by, body } => {
                self.expr(from, scope)?;
                self.expr(to, scope)?;
                if let Some(b) = by {
                    self.expr(b, scope)?;
                }
                scope.push(var.text.clone());
                self.statements(body, scope, in_derivative)?;
                scope.pop();
            }
            Stmt::Call(e) => self.expr(e, scope)?,
            Stmt::Block(body) | Stmt::Initial(body) => self.statements(body, scope, in_derivative)?,
            Stmt::Watch { cond, flag, .. } => {
                self.expr(cond, scope)?;
                self.expr(flag, scope)?;
            }
            Stmt::ForNetCons { args, body, .. } => {
                let depth = scope.len();
                scope.extend(args.iter().map(|n| n.text.clone()));
                self.statements(body, scope, in_derivative)?;
                scope.truncate(depth);
            }
            Stmt::Verbatim(pos) => return Err(verbatim(*pos)),
            Stmt::Unsupported { what, pos } => return Err(unsupported(what, *pos)),
        }
        Ok(())
    }

    fn term(&self, term: &Term, scope: &[String]) -> Result<()> {
        self.name(&term.state, scope)?;
        if let Some(i) = &term.index {
            self.expr(i, scope)?;
        }
        Ok(())
    }

    fn name(&self, name: &Name, scope: &[String]) -> Result<()> {
        if scope.contains(&name.text) || self.known.contains(&name.text) || name.text.starts_with('"') {
            Ok(())
        } else {
            Err(SyntaxError::new(name.pos, format!("undeclared name `{}`", name.text)))
        }
    }

    fn expr(&self, e: &Expr, scope: &[String]) -> Result<()> {
        match e {
            Expr::Number { .. } => Ok(()),
            Expr::Var { name, index } => {
                self.name(name, scope)?;
                if let Some(i) = index {
                    self.expr(i, scope)?;
                }
                Ok(())
            }
            Expr::Call { name, args } => {
                if !self.functions.contains(&name.text) {
                    return Err(SyntaxError::new(name.pos, format!("call of unknown function `{}`", name.text)));
                }
                args.iter().try_for_each(|a| self.expr(a, scope))
            }
            Expr::Unary { operand, .. } => self.expr(operand, scope),
            Expr::Binary { left, right, .. } => {
                self.expr(left, scope)?;
                self.expr(right, scope)
            }
            Expr::Paren(inner) => self.expr(inner, scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_constants_are_expressed_in_their_target_units_as_neuron_does() {
        let m = check_source(
            "NEURON { SUFFIX u }\nUNITS {\n F1 = (faraday) (kilocoulombs)\n F2 = (faraday) (10000 coulomb)\n F3 = (faraday) (coulomb)\n R2 = (k-mole) (millijoule/degC)\n R1 = (k-mole) (joule/degC)\n}",
            "u.mod",
        )
        .unwrap();
        // nocmodl's values (its generated C, as hex floats).
        assert_eq!(m.unit_constants["F1"], f64::from_bits(0x405_81f0fae775425));
        assert_eq!(m.unit_constants["F2"], 9.648533212331001);
        assert_eq!(m.unit_constants["F3"], 96485.33212331001);
        assert_eq!(m.unit_constants["R2"], 8314.462618153239);
        assert_eq!(m.unit_constants["R1"], 8.31446261815324);
        let err = check_source("NEURON { SUFFIX u }\nUNITS { F = (faraday) (furlongs) }", "u.mod").unwrap_err();
        assert!(err.to_string().contains("unknown unit `furlongs`"), "{err}");
    }
    use crate::check_source;

    #[test]
    fn a_channel_is_checked_into_its_model() {
        let src = "NEURON { SUFFIX leak USEION k READ ek WRITE ik RANGE g GLOBAL tau }\nUNITS { (mA) = (milliamp) F = (faraday) (coulomb) }\nPARAMETER { g = .001 (S/cm2) tau = 2 (ms) }\nASSIGNED { v (mV) ik (mA/cm2) ek (mV) }\nSTATE { n }\nBREAKPOINT { SOLVE s METHOD cnexp ik = g*n*(v - ek) }\nDERIVATIVE s { n' = (1 - n)/tau }";
        let m = check_source(src, "leak.mod").unwrap();
        assert_eq!(m.name, "leak");
        assert_eq!(m.kind, MechanismKind::Density);
        assert!(m.variables["g"].range && !m.variables["tau"].range);
        assert!(m.variables["n"].range);
        assert_eq!(m.unit_constants["F"], 96485.33212331001);
        assert_eq!(m.ions[0].write, ["ik"]);
    }

    #[test]
    fn errors_name_file_line_column_and_construct() {
        let err = |src: &str| check_source(src, "x.mod").unwrap_err().to_string();
        assert_eq!(err("NEURON { SUFFIX a }\nBREAKPOINT {\n  y = 1\n}"), "x.mod:3:3: undeclared name `y`");
        assert_eq!(
            err("NEURON { SUFFIX a }\nINITIAL {\nVERBATIM\n int i;\nENDVERBATIM\n}"),
            "x.mod:3:1: VERBATIM: C code cannot be compiled by neurite; write it in NMODL"
        );
        assert!(err("NEURON { SUFFIX a }\nBREAKPOINT { SOLVE s METHOD cnexp }").contains("no block named `s`"));
        assert!(
            err("NEURON { SUFFIX a }\nSTATE { m }\nDERIVATIVE s { m' = 1 }\nBREAKPOINT { SOLVE s METHOD magic }")
                .contains("unknown method `magic`")
        );
        assert!(err("NEURON { SUFFIX a }\nASSIGNED { x }\nDERIVATIVE s { x' = 1 }").contains("not a STATE"));
        assert!(err("NEURON { SUFFIX a }\nBREAKPOINT { foo(1) }").contains("unknown function `foo`"));
        assert!(err("NEURON { SUFFIX a POINT_PROCESS b }").contains("second mechanism name"));
        assert!(err("NEURON { SUFFIX a }\nDISCRETE d { }").contains("DISCRETE block: not supported"));
    }

    #[test]
    fn a_file_without_suffix_is_named_after_the_file() {
        let m = check_source("PARAMETER { x = 1 }", "dir/mine.mod").unwrap();
        assert_eq!(m.name, "mine");
    }
}
