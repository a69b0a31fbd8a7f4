//! The syntax tree of an NMODL file, as written (no meaning attached yet;
//! see `model` for the checked model). Every node that can be wrong carries
//! its position.

use crate::error::Position;

/// A name where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The name.
    pub text: String,
    /// Where.
    pub pos: Position,
}

/// Units as written between parentheses, e.g. `mA/cm2`.
pub type Units = Option<String>;

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal (units after it, e.g. `1(um)`, are dropped: NEURON
    /// does not convert them).
    Number {
        /// Its value.
        value: f64,
        /// As written.
        text: String,
        /// Where.
        pos: Position,
    },
    /// A variable, `x` or `x[i]`.
    Var {
        /// The name.
        name: Name,
        /// Index, for arrays.
        index: Option<Box<Expr>>,
    },
    /// A call, `f(a, b)`.
    Call {
        /// The function.
        name: Name,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `-a` or `!a`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Operand.
        operand: Box<Expr>,
        /// Where.
        pos: Position,
    },
    /// `a op b`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// Where the operator is.
        pos: Position,
    },
    /// `(a)`, kept because NEURON's cnexp keeps the written grouping.
    Paren(Box<Expr>),
}

impl Expr {
    /// Where the expression starts.
    pub fn pos(&self) -> Position {
        match self {
            Expr::Number { pos, .. } | Expr::Unary { pos, .. } => *pos,
            Expr::Var { name, .. } | Expr::Call { name, .. } => name.pos,
            Expr::Binary { left, .. } => left.pos(),
            Expr::Paren(inner) => inner.pos(),
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `!`
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `^`
    Pow,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// A statement of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `LOCAL a, b[2]`
    Local(Vec<(Name, Option<usize>)>),
    /// `x = e` or `x[i] = e`.
    Assign {
        /// Target.
        target: Expr,
        /// Value.
        value: Expr,
    },
    /// `x' = e` (a differential equation; `order` primes).
    Derivative {
        /// The state.
        state: Name,
        /// Index, for array states.
        index: Option<Expr>,
        /// Number of primes.
        order: usize,
        /// Right-hand side.
        value: Expr,
    },
    /// `~ A + 2 B <-> C (kf, kb)`, `~ A << (flux)`, or (LINEAR/NONLINEAR)
    /// `~ lhs = rhs`.
    Reaction(Reaction),
    /// `CONSERVE a + b = total`
    Conserve {
        /// Left side.
        left: Expr,
        /// Right side.
        right: Expr,
        /// Where.
        pos: Position,
    },
    /// `COMPARTMENT [i,] volume {states}`
    Compartment {
        /// Index variable for arrays.
        index: Option<Name>,
        /// Volume.
        volume: Expr,
        /// States it applies to.
        states: Vec<Name>,
        /// Where.
        pos: Position,
    },
    /// `SOLVE block [METHOD m] [STEADYSTATE m]`
    Solve {
        /// The block solved.
        block: Name,
        /// Its method.
        method: Option<Name>,
        /// Steady state method (`STEADYSTATE sparse`).
        steadystate: Option<Name>,
    },
    /// `TABLE names [DEPEND names] FROM a TO b WITH n`
    Table {
        /// Tabulated variables (empty for a FUNCTION's own value).
        names: Vec<Name>,
        /// Variables whose change rebuilds the table.
        depend: Vec<Name>,
        /// Lower bound.
        from: Expr,
        /// Upper bound.
        to: Expr,
        /// Number of intervals.
        with: Expr,
        /// Where.
        pos: Position,
    },
    /// `if (c) {..} else ..`
    If {
        /// Condition.
        cond: Expr,
        /// Then branch.
        then: Vec<Stmt>,
        /// Else branch (a nested `If` for `else if`).
        otherwise: Option<Vec<Stmt>>,
    },
    /// `while (c) {..}`
    While {
        /// Condition.
        cond: Expr,
        /// Body.
        body: Vec<Stmt>,
    },
    /// `FROM i = a TO b [BY c] {..}`
    From {
        /// Loop variable.
        var: Name,
        /// First value.
        from: Expr,
        /// Last value.
        to: Expr,
        /// Step.
        by: Option<Expr>,
        /// Body.
        body: Vec<Stmt>,
    },
    /// A call as a statement, e.g. `rates(v)`, `net_send(0, 1)`.
    Call(Expr),
    /// `{ ... }`
    Block(Vec<Stmt>),
    /// `WATCH (cond) flag`
    Watch {
        /// Condition.
        cond: Expr,
        /// Flag sent.
        flag: Expr,
        /// Where.
        pos: Position,
    },
    /// `INITIAL {..}` inside NET_RECEIVE.
    Initial(Vec<Stmt>),
    /// `FOR_NETCONS(args) {..}`
    ForNetCons {
        /// Arguments.
        args: Vec<Name>,
        /// Body.
        body: Vec<Stmt>,
        /// Where.
        pos: Position,
    },
    /// C code, which neurite cannot compile.
    Verbatim(Position),
    /// A statement neurite does not support yet.
    Unsupported {
        /// The construct.
        what: String,
        /// Where.
        pos: Position,
    },
}

/// A reaction or equation of a KINETIC, LINEAR or NONLINEAR block.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// `~ lhs <-> rhs (kf, kb)`; terms are (coefficient, state, index).
    Reversible {
        /// Reactants.
        left: Vec<Term>,
        /// Products.
        right: Vec<Term>,
        /// Forward rate.
        forward: Expr,
        /// Backward rate.
        backward: Expr,
        /// Where.
        pos: Position,
    },
    /// `~ A << (flux)`
    Flux {
        /// The state.
        term: Term,
        /// The flux into it.
        flux: Expr,
        /// Where.
        pos: Position,
    },
    /// `~ A -> (rate)` (an irreversible reaction, NMODL's newer form).
    Irreversible {
        /// Reactants.
        left: Vec<Term>,
        /// Rate.
        rate: Expr,
        /// Where.
        pos: Position,
    },
    /// `~ lhs = rhs` (LINEAR, NONLINEAR).
    Equation {
        /// Left side.
        left: Expr,
        /// Right side.
        right: Expr,
        /// Where.
        pos: Position,
    },
}

/// A term of a reaction, `2 A` or `A[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Stoichiometric coefficient.
    pub coefficient: u32,
    /// The state.
    pub state: Name,
    /// Index, for array states.
    pub index: Option<Expr>,
}

/// A declared variable of PARAMETER, ASSIGNED, STATE or CONSTANT.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// Its name.
    pub name: Name,
    /// Array length, for `x[N]` (resolved by the checker when it is a
    /// DEFINE name).
    pub length: Option<usize>,
    /// The DEFINE name that gives the length, for `x[NANN]`.
    pub length_name: Option<Name>,
    /// Default value.
    pub value: Option<f64>,
    /// Units.
    pub units: Units,
    /// `<low, high>` limits.
    pub limits: Option<(f64, f64)>,
}

/// A statement of the NEURON block.
#[derive(Debug, Clone, PartialEq)]
pub enum NeuronStmt {
    /// `SUFFIX name`
    Suffix(Name),
    /// `POINT_PROCESS name`
    PointProcess(Name),
    /// `ARTIFICIAL_CELL name`
    ArtificialCell(Name),
    /// `USEION x READ a WRITE b VALENCE z`
    UseIon {
        /// The ion.
        ion: Name,
        /// Variables read.
        read: Vec<Name>,
        /// Variables written.
        write: Vec<Name>,
        /// Valence, for ions NEURON does not know.
        valence: Option<f64>,
    },
    /// `NONSPECIFIC_CURRENT i`
    NonspecificCurrent(Vec<Name>),
    /// `ELECTRODE_CURRENT i`
    ElectrodeCurrent(Vec<Name>),
    /// `RANGE a, b`
    Range(Vec<Name>),
    /// `GLOBAL a, b`
    Global(Vec<Name>),
    /// `POINTER p`
    Pointer(Vec<Name>),
    /// `BBCOREPOINTER p`
    BbcorePointer(Vec<Name>),
    /// `EXTERNAL f`
    External(Vec<Name>),
    /// `RANDOM r` (NEURON 9)
    Random(Vec<Name>),
    /// `THREADSAFE`
    ThreadSafe,
    /// `REPRESENTS ...` (ontology annotation, ignored)
    Represents,
}

/// Kinds of code block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// INITIAL
    Initial,
    /// BREAKPOINT
    Breakpoint,
    /// DERIVATIVE name
    Derivative(Name),
    /// KINETIC name
    Kinetic(Name),
    /// LINEAR name
    Linear(Name),
    /// NONLINEAR name
    Nonlinear(Name),
    /// PROCEDURE name(params)
    Procedure {
        /// Name.
        name: Name,
        /// Parameters with their units.
        params: Vec<(Name, Units)>,
    },
    /// FUNCTION name(params)
    Function {
        /// Name.
        name: Name,
        /// Parameters with their units.
        params: Vec<(Name, Units)>,
    },
    /// NET_RECEIVE(params)
    NetReceive {
        /// Parameters (the first is the weight).
        params: Vec<(Name, Units)>,
    },
    /// BEFORE/AFTER INITIAL, BREAKPOINT, SOLVE or STEP.
    BeforeAfter {
        /// `true` for AFTER.
        after: bool,
        /// INITIAL, BREAKPOINT, SOLVE or STEP.
        when: Name,
    },
    /// CONSTRUCTOR
    Constructor,
    /// DESTRUCTOR
    Destructor,
}

/// A top-level item of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// TITLE
    Title(String),
    /// NEURON { ... }
    Neuron(Vec<NeuronStmt>),
    /// UNITS { ... }: `(name) = (definition)` and named constants.
    Units(Vec<UnitDef>),
    /// PARAMETER { ... }
    Parameter(Vec<Declaration>),
    /// CONSTANT { ... }
    Constant(Vec<Declaration>),
    /// ASSIGNED { ... }
    Assigned(Vec<Declaration>),
    /// STATE { ... }
    State(Vec<Declaration>),
    /// INDEPENDENT { t FROM 0 TO 1 ... } (ignored, as NEURON's t is fixed)
    Independent,
    /// DEFINE NAME value
    Define(Name, f64),
    /// LOCAL a, b (shared by all instances)
    Local(Vec<(Name, Option<usize>)>),
    /// FUNCTION_TABLE name(args)
    FunctionTable {
        /// Name.
        name: Name,
        /// Arguments.
        params: Vec<(Name, Units)>,
    },
    /// A code block.
    Block {
        /// What block.
        kind: BlockKind,
        /// Its statements.
        body: Vec<Stmt>,
        /// Where its keyword is.
        pos: Position,
    },
    /// VERBATIM at top level.
    Verbatim(Position),
    /// A block neurite does not support.
    Unsupported {
        /// The construct.
        what: String,
        /// Where.
        pos: Position,
    },
}

/// A definition of the UNITS block.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitDef {
    /// `(mV) = (millivolt)`
    Alias {
        /// The short name.
        name: String,
        /// Its definition.
        definition: String,
    },
    /// `FARADAY = (faraday) (coulomb)`, a named physical constant.
    Constant {
        /// Its name in the file.
        name: Name,
        /// The unit it is the value of (`faraday`, `k-mole`, ...), or a
        /// number as in `x = 96485 (coulomb)`.
        definition: String,
        /// Units it is expressed in.
        units: Units,
    },
}

/// A whole file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// Its top-level items in order.
    pub items: Vec<Item>,
    /// Every identifier in the order it first appears in the source:
    /// nocmodl builds its symbol table in that order, and the table's order
    /// numbers the states of KINETIC schemes.
    pub identifiers: Vec<String>,
}
