//! Recursive-descent parser from tokens to the syntax tree (`ast`), with
//! errors that name the construct and its line and column.

use crate::ast::*;
use crate::error::{Position, SyntaxError};
use crate::lexer::{Token, TokenKind, tokenize};

type Result<T> = std::result::Result<T, SyntaxError>;

/// Parses a whole NMODL source.
pub fn parse(src: &str) -> Result<Program> {
    let tokens = tokenize(src)?;
    let mut seen = std::collections::HashSet::new();
    let identifiers: Vec<String> = tokens
        .iter()
        .filter_map(|token| match &token.kind {
            TokenKind::Ident(name) if seen.insert(name.clone()) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut parser = Parser { src, tokens, i: 0, defines: Default::default() };
    let mut program = parser.program()?;
    program.identifiers = identifiers;
    Ok(program)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    i: usize,
    /// DEFINE values seen so far (array lengths may name them).
    defines: std::collections::HashMap<String, f64>,
}

fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Ident(s) => format!("`{s}`"),
        TokenKind::Number(s) => format!("number `{s}`"),
        TokenKind::Str(s) => format!("string \"{s}\""),
        TokenKind::Verbatim(_) => "VERBATIM".into(),
        TokenKind::Title(_) => "TITLE".into(),
        TokenKind::Eof => "the end of the file".into(),
        TokenKind::Other(c) => format!("`{c}`"),
        other => format!("`{}`", symbol(other)),
    }
}

fn symbol(kind: &TokenKind) -> &'static str {
    use TokenKind::*;
    match kind {
        Prime => "'",
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Caret => "^",
        Percent => "%",
        Assign => "=",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        And => "&&",
        Or => "||",
        Not => "!",
        Tilde => "~",
        Reversible => "<->",
        Flux => "<<",
        Arrow => "->",
        Comma => ",",
        LParen => "(",
        RParen => ")",
        LBrace => "{",
        RBrace => "}",
        LBracket => "[",
        RBracket => "]",
        _ => "?",
    }
}

/// Statements and blocks neurite reads but does not support (yet): kept as
/// `Unsupported` so that the checker reports them at their place.
const UNSUPPORTED_STATEMENTS: &[&str] =
    &["LONGITUDINAL_DIFFUSION", "LAG", "RESET", "MATCH", "SENS", "PLOT", "PUTQ", "GETQ"];
const UNSUPPORTED_BLOCKS: &[&str] = &["DISCRETE", "PARTIAL", "TERMINAL", "MATCH", "SENS", "PLOT", "KINETIC_DIFFUSION"];

impl Parser<'_> {
    fn tok(&self) -> &Token {
        &self.tokens[self.i.min(self.tokens.len() - 1)]
    }
    fn peek(&self) -> &TokenKind {
        &self.tok().kind
    }
    fn peek_at(&self, k: usize) -> &TokenKind {
        &self.tokens[(self.i + k).min(self.tokens.len() - 1)].kind
    }
    fn pos(&self) -> Position {
        self.tok().pos
    }
    fn advance(&mut self) -> Token {
        let t = self.tok().clone();
        if self.i < self.tokens.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn err<T>(&self, context: &str, expected: &str) -> Result<T> {
        Err(SyntaxError::new(self.pos(), format!("{context}: expected {expected}, found {}", describe(self.peek()))))
    }
    fn is(&self, kind: &TokenKind) -> bool {
        self.peek() == kind
    }
    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.is(kind) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, kind: &TokenKind, context: &str) -> Result<()> {
        if self.eat(kind) { Ok(()) } else { self.err(context, &format!("`{}`", symbol(kind))) }
    }
    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), TokenKind::Ident(w) if w == word)
    }
    fn eat_word(&mut self, word: &str) -> bool {
        if self.is_word(word) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn name(&mut self, context: &str) -> Result<Name> {
        match self.peek().clone() {
            TokenKind::Ident(text) => {
                let pos = self.pos();
                self.advance();
                Ok(Name { text, pos })
            }
            _ => self.err(context, "a name"),
        }
    }
    fn name_list(&mut self, context: &str) -> Result<Vec<Name>> {
        let mut names = vec![self.name(context)?];
        while self.eat(&TokenKind::Comma) {
            names.push(self.name(context)?);
        }
        Ok(names)
    }

    /// A number with an optional sign.
    fn signed_number(&mut self, context: &str) -> Result<f64> {
        let negative = if self.eat(&TokenKind::Minus) {
            true
        } else {
            self.eat(&TokenKind::Plus);
            false
        };
        match self.peek().clone() {
            TokenKind::Number(text) => {
                let pos = self.pos();
                self.advance();
                let value: f64 =
                    text.parse().map_err(|_| SyntaxError::new(pos, format!("{context}: bad number `{text}`")))?;
                Ok(if negative { -value } else { value })
            }
            _ => self.err(context, "a number"),
        }
    }

    /// Units in parentheses, if the next token opens them: their text as
    /// written.
    fn units(&mut self) -> Result<Units> {
        if !self.is(&TokenKind::LParen) {
            return Ok(None);
        }
        let open = self.advance();
        let mut depth = 1;
        let start = open.span.1;
        loop {
            match self.peek() {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        let end = self.tok().span.0;
                        self.advance();
                        return Ok(Some(self.src[start..end].trim().to_string()));
                    }
                }
                TokenKind::Eof | TokenKind::LBrace | TokenKind::RBrace => {
                    return Err(SyntaxError::new(open.pos, "units: `(` without `)`"));
                }
                _ => {}
            }
            self.advance();
        }
    }

    /// Skips a `{ ... }` block (for blocks whose content does not matter).
    fn skip_braces(&mut self, context: &str) -> Result<()> {
        let open = self.pos();
        self.expect(&TokenKind::LBrace, context)?;
        let mut depth = 1;
        while depth > 0 {
            match self.advance().kind {
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => depth -= 1,
                TokenKind::Eof => return Err(SyntaxError::new(open, format!("{context}: `{{` without `}}`"))),
                _ => {}
            }
        }
        Ok(())
    }

    fn program(&mut self) -> Result<Program> {
        let mut items = Vec::new();
        loop {
            let pos = self.pos();
            let item = match self.peek().clone() {
                TokenKind::Eof => break,
                TokenKind::Title(text) => {
                    self.advance();
                    Item::Title(text)
                }
                TokenKind::Verbatim(_) => {
                    self.advance();
                    Item::Verbatim(pos)
                }
                TokenKind::Ident(word) => {
                    self.advance();
                    match word.as_str() {
                        "NEURON" => Item::Neuron(self.neuron_block()?),
                        "UNITS" => Item::Units(self.units_block()?),
                        "PARAMETER" => Item::Parameter(self.declarations("PARAMETER block")?),
                        "CONSTANT" => Item::Constant(self.declarations("CONSTANT block")?),
                        "ASSIGNED" => Item::Assigned(self.declarations("ASSIGNED block")?),
                        "STATE" => Item::State(self.declarations("STATE block")?),
                        "INDEPENDENT" => {
                            self.skip_braces("INDEPENDENT block")?;
                            Item::Independent
                        }
                        "DEFINE" => {
                            let name = self.name("DEFINE")?;
                            let value = self.signed_number("DEFINE")?;
                            self.defines.insert(name.text.clone(), value);
                            Item::Define(name, value)
                        }
                        "LOCAL" => Item::Local(self.local_names()?),
                        "UNITSON" | "UNITSOFF" | "THREADSAFE" => continue,
                        "FUNCTION_TABLE" => {
                            let name = self.name("FUNCTION_TABLE")?;
                            let params = self.params("FUNCTION_TABLE")?;
                            self.units()?;
                            Item::FunctionTable { name, params }
                        }
                        _ => self.block(&word, pos)?,
                    }
                }
                _ => return self.err("at top level", "a block keyword (NEURON, PARAMETER, BREAKPOINT, ...)"),
            };
            items.push(item);
        }
        Ok(Program { items, identifiers: Vec::new() })
    }

    fn block(&mut self, word: &str, pos: Position) -> Result<Item> {
        let kind = match word {
            "INITIAL" => BlockKind::Initial,
            "BREAKPOINT" => BlockKind::Breakpoint,
            "DERIVATIVE" => BlockKind::Derivative(self.name("DERIVATIVE")?),
            "KINETIC" => {
                let name = self.name("KINETIC")?;
                self.solvefor()?;
                BlockKind::Kinetic(name)
            }
            "LINEAR" => {
                let name = self.name("LINEAR")?;
                self.solvefor()?;
                BlockKind::Linear(name)
            }
            "NONLINEAR" => {
                let name = self.name("NONLINEAR")?;
                self.solvefor()?;
                BlockKind::Nonlinear(name)
            }
            "PROCEDURE" => {
                let name = self.name("PROCEDURE")?;
                let params = self.params("PROCEDURE")?;
                self.units()?;
                BlockKind::Procedure { name, params }
            }
            "FUNCTION" => {
                let name = self.name("FUNCTION")?;
                let params = self.params("FUNCTION")?;
                self.units()?;
                BlockKind::Function { name, params }
            }
            "NET_RECEIVE" => BlockKind::NetReceive { params: self.params("NET_RECEIVE")? },
            "BEFORE" | "AFTER" => {
                let when = self.name(word)?;
                if !matches!(when.text.as_str(), "INITIAL" | "BREAKPOINT" | "SOLVE" | "STEP") {
                    return Err(SyntaxError::new(
                        when.pos,
                        format!("{word}: expected INITIAL, BREAKPOINT, SOLVE or STEP, found `{}`", when.text),
                    ));
                }
                BlockKind::BeforeAfter { after: word == "AFTER", when }
            }
            "CONSTRUCTOR" => BlockKind::Constructor,
            "DESTRUCTOR" => BlockKind::Destructor,
            w if UNSUPPORTED_BLOCKS.contains(&w) => {
                while !self.is(&TokenKind::LBrace) && !self.is(&TokenKind::Eof) {
                    self.advance();
                }
                self.skip_braces(w)?;
                return Ok(Item::Unsupported { what: format!("{w} block"), pos });
            }
            w => {
                return Err(SyntaxError::new(
                    pos,
                    format!("at top level: expected a block keyword (NEURON, PARAMETER, BREAKPOINT, ...), found `{w}`"),
                ));
            }
        };
        let body = self.body(word)?;
        Ok(Item::Block { kind, body, pos })
    }

    fn solvefor(&mut self) -> Result<()> {
        if self.eat_word("SOLVEFOR") {
            self.name_list("SOLVEFOR")?;
        }
        Ok(())
    }

    /// `(a (units), b)` parameter lists; `()` and no list at all are empty.
    fn params(&mut self, context: &str) -> Result<Vec<(Name, Units)>> {
        let mut params = Vec::new();
        if !self.eat(&TokenKind::LParen) {
            return Ok(params);
        }
        if self.eat(&TokenKind::RParen) {
            return Ok(params);
        }
        loop {
            let name = self.name(context)?;
            let units = self.units()?;
            params.push((name, units));
            if self.eat(&TokenKind::RParen) {
                return Ok(params);
            }
            self.expect(&TokenKind::Comma, context)?;
        }
    }

    fn neuron_block(&mut self) -> Result<Vec<NeuronStmt>> {
        const CONTEXT: &str = "NEURON block";
        self.expect(&TokenKind::LBrace, CONTEXT)?;
        let mut stmts = Vec::new();
        loop {
            if self.eat(&TokenKind::RBrace) {
                return Ok(stmts);
            }
            let pos = self.pos();
            let word = self.name(CONTEXT)?;
            let stmt = match word.text.as_str() {
                "SUFFIX" => NeuronStmt::Suffix(self.name("SUFFIX")?),
                "POINT_PROCESS" => NeuronStmt::PointProcess(self.name("POINT_PROCESS")?),
                "ARTIFICIAL_CELL" => NeuronStmt::ArtificialCell(self.name("ARTIFICIAL_CELL")?),
                "USEION" => {
                    let ion = self.name("USEION")?;
                    let read = if self.eat_word("READ") { self.name_list("USEION READ")? } else { Vec::new() };
                    let write = if self.eat_word("WRITE") { self.name_list("USEION WRITE")? } else { Vec::new() };
                    let valence = if self.eat_word("VALENCE") { Some(self.signed_number("VALENCE")?) } else { None };
                    if self.eat_word("REPRESENTS") {
                        self.ontology_term()?;
                    }
                    NeuronStmt::UseIon { ion, read, write, valence }
                }
                "NONSPECIFIC_CURRENT" => NeuronStmt::NonspecificCurrent(self.name_list("NONSPECIFIC_CURRENT")?),
                "ELECTRODE_CURRENT" => NeuronStmt::ElectrodeCurrent(self.name_list("ELECTRODE_CURRENT")?),
                "RANGE" => NeuronStmt::Range(self.name_list("RANGE")?),
                "GLOBAL" => NeuronStmt::Global(self.name_list("GLOBAL")?),
                "POINTER" => NeuronStmt::Pointer(self.name_list("POINTER")?),
                "BBCOREPOINTER" => NeuronStmt::BbcorePointer(self.name_list("BBCOREPOINTER")?),
                "EXTERNAL" => NeuronStmt::External(self.name_list("EXTERNAL")?),
                "RANDOM" => NeuronStmt::Random(self.name_list("RANDOM")?),
                "THREADSAFE" => NeuronStmt::ThreadSafe,
                "REPRESENTS" => {
                    self.ontology_term()?;
                    NeuronStmt::Represents
                }
                other => {
                    return Err(SyntaxError::new(
                        pos,
                        format!("NEURON block: unknown statement `{other}` (expected SUFFIX, USEION, RANGE, ...)"),
                    ));
                }
            };
            stmts.push(stmt);
        }
    }

    /// `[NCIT:C17145]`-style ontology terms of REPRESENTS.
    fn ontology_term(&mut self) -> Result<()> {
        self.expect(&TokenKind::LBracket, "REPRESENTS")?;
        while !self.eat(&TokenKind::RBracket) {
            if self.is(&TokenKind::Eof) {
                return self.err("REPRESENTS", "`]`");
            }
            self.advance();
        }
        Ok(())
    }

    fn units_block(&mut self) -> Result<Vec<UnitDef>> {
        const CONTEXT: &str = "UNITS block";
        self.expect(&TokenKind::LBrace, CONTEXT)?;
        let mut defs = Vec::new();
        loop {
            if self.eat(&TokenKind::RBrace) {
                return Ok(defs);
            }
            if self.is(&TokenKind::LParen) {
                let name = self.units()?.unwrap_or_default();
                self.expect(&TokenKind::Assign, CONTEXT)?;
                match self.units()? {
                    Some(definition) => defs.push(UnitDef::Alias { name, definition }),
                    None => return self.err(CONTEXT, "a unit in parentheses"),
                }
                continue;
            }
            let name = self.name(CONTEXT)?;
            self.expect(&TokenKind::Assign, CONTEXT)?;
            let definition = match self.peek() {
                TokenKind::LParen => self.units()?.unwrap_or_default(),
                TokenKind::Number(_) | TokenKind::Minus => self.signed_number(CONTEXT)?.to_string(),
                _ => return self.err(CONTEXT, "a unit in parentheses or a number"),
            };
            let units = self.units()?;
            defs.push(UnitDef::Constant { name, definition, units });
        }
    }

    /// Declarations of PARAMETER, CONSTANT, ASSIGNED and STATE: `name [N]
    /// [= value] [(units)] [<low, high>] [FROM a TO b] [<tolerance>]`.
    fn declarations(&mut self, context: &str) -> Result<Vec<Declaration>> {
        self.expect(&TokenKind::LBrace, context)?;
        let mut decls = Vec::new();
        loop {
            if self.eat(&TokenKind::RBrace) {
                return Ok(decls);
            }
            if self.eat(&TokenKind::Comma) || self.eat_word("UNITSON") || self.eat_word("UNITSOFF") {
                continue;
            }
            let name = self.name(context)?;
            let (mut length, mut length_name) = (None, None);
            if self.eat(&TokenKind::LBracket) {
                if matches!(self.peek(), TokenKind::Ident(_)) {
                    length_name = Some(self.name(context)?);
                } else {
                    let n = self.signed_number(context)?;
                    if n < 1.0 || n.fract() != 0.0 {
                        return Err(SyntaxError::new(
                            name.pos,
                            format!("{context}: array `{}` needs a length >= 1", name.text),
                        ));
                    }
                    length = Some(n as usize);
                }
                self.expect(&TokenKind::RBracket, context)?;
            }
            let value = if self.eat(&TokenKind::Assign) { Some(self.signed_number(context)?) } else { None };
            let units = self.units()?;
            let mut limits = None;
            if self.eat(&TokenKind::Lt) {
                let low = self.signed_number(context)?;
                if self.eat(&TokenKind::Comma) {
                    let high = self.signed_number(context)?;
                    limits = Some((low, high));
                }
                self.expect(&TokenKind::Gt, context)?;
            }
            if self.eat_word("FROM") {
                self.signed_number(context)?;
                if !self.eat_word("TO") {
                    return self.err(context, "TO");
                }
                self.signed_number(context)?;
            }
            if self.eat(&TokenKind::Lt) {
                // An absolute tolerance, for CVODE.
                self.signed_number(context)?;
                self.expect(&TokenKind::Gt, context)?;
            }
            decls.push(Declaration { name, length, length_name, value, units, limits });
        }
    }

    fn local_names(&mut self) -> Result<Vec<(Name, Option<usize>)>> {
        let mut names = Vec::new();
        loop {
            let name = self.name("LOCAL")?;
            let length = if self.eat(&TokenKind::LBracket) {
                let n = if matches!(self.peek(), TokenKind::Ident(_)) {
                    let define = self.name("LOCAL")?;
                    *self.defines.get(&define.text).ok_or_else(|| {
                        SyntaxError::new(define.pos, format!("LOCAL: `{}` is not a DEFINE", define.text))
                    })?
                } else {
                    self.signed_number("LOCAL")?
                };
                self.expect(&TokenKind::RBracket, "LOCAL")?;
                if n < 1.0 || n.fract() != 0.0 {
                    return Err(SyntaxError::new(
                        name.pos,
                        format!("LOCAL: array `{}` needs a length >= 1", name.text),
                    ));
                }
                Some(n as usize)
            } else {
                None
            };
            names.push((name, length));
            if !self.eat(&TokenKind::Comma) {
                return Ok(names);
            }
        }
    }

    fn body(&mut self, context: &str) -> Result<Vec<Stmt>> {
        let open = self.pos();
        self.expect(&TokenKind::LBrace, context)?;
        let mut stmts = Vec::new();
        loop {
            match self.peek() {
                TokenKind::RBrace => {
                    self.advance();
                    return Ok(stmts);
                }
                TokenKind::Eof => {
                    return Err(SyntaxError::new(open, format!("{context}: `{{` without `}}`")));
                }
                _ => {
                    if let Some(stmt) = self.statement(context)? {
                        stmts.push(stmt);
                    }
                }
            }
        }
    }

    fn statement(&mut self, context: &str) -> Result<Option<Stmt>> {
        let pos = self.pos();
        let word = match self.peek().clone() {
            TokenKind::Verbatim(_) => {
                self.advance();
                return Ok(Some(Stmt::Verbatim(pos)));
            }
            TokenKind::LBrace => return Ok(Some(Stmt::Block(self.body(context)?))),
            TokenKind::Tilde => {
                self.advance();
                return Ok(Some(Stmt::Reaction(self.reaction(pos)?)));
            }
            TokenKind::Ident(word) => word,
            _ => return self.err(context, "a statement"),
        };
        let stmt = match word.as_str() {
            "UNITSON" | "UNITSOFF" | "MUTEXLOCK" | "MUTEXUNLOCK" => {
                self.advance();
                return Ok(None);
            }
            "PROTECT" => {
                self.advance();
                return self.statement(context);
            }
            "LOCAL" => {
                self.advance();
                Stmt::Local(self.local_names()?)
            }
            "SOLVE" => {
                self.advance();
                let block = self.name("SOLVE")?;
                let method = if self.eat_word("METHOD") { Some(self.name("SOLVE METHOD")?) } else { None };
                let steadystate =
                    if self.eat_word("STEADYSTATE") { Some(self.name("SOLVE STEADYSTATE")?) } else { None };
                if self.is_word("IFERROR") {
                    return Ok(Some(Stmt::Unsupported { what: "SOLVE ... IFERROR".into(), pos: self.pos() }));
                }
                Stmt::Solve { block, method, steadystate }
            }
            "TABLE" => {
                self.advance();
                let mut names = Vec::new();
                while let TokenKind::Ident(w) = self.peek() {
                    if w == "DEPEND" || w == "FROM" {
                        break;
                    }
                    names.push(self.name("TABLE")?);
                    self.eat(&TokenKind::Comma);
                }
                let mut depend = Vec::new();
                if self.eat_word("DEPEND") {
                    depend = self.name_list("TABLE DEPEND")?;
                }
                if !self.eat_word("FROM") {
                    return self.err("TABLE", "FROM");
                }
                let from = self.expr()?;
                if !self.eat_word("TO") {
                    return self.err("TABLE", "TO");
                }
                let to = self.expr()?;
                if !self.eat_word("WITH") {
                    return self.err("TABLE", "WITH");
                }
                let with = self.expr()?;
                Stmt::Table { names, depend, from, to, with, pos }
            }
            "if" => {
                self.advance();
                self.if_statement()?
            }
            "else" => {
                return Err(SyntaxError::new(pos, format!("{context}: `else` without `if`")));
            }
            "while" => {
                self.advance();
                self.expect(&TokenKind::LParen, "while")?;
                let cond = self.expr()?;
                self.expect(&TokenKind::RParen, "while")?;
                Stmt::While { cond, body: self.body("while")? }
            }
            "FROM" => {
                self.advance();
                let var = self.name("FROM loop")?;
                self.expect(&TokenKind::Assign, "FROM loop")?;
                let from = self.expr()?;
                if !self.eat_word("TO") {
                    return self.err("FROM loop", "TO");
                }
                let to = self.expr()?;
                let by = if self.eat_word("BY") { Some(self.expr()?) } else { None };
                Stmt::From { var, from, to, by, body: self.body("FROM loop")? }
            }
            "CONSERVE" => {
                self.advance();
                let left = self.expr()?;
                self.expect(&TokenKind::Assign, "CONSERVE")?;
                let right = self.expr()?;
                Stmt::Conserve { left, right, pos }
            }
            "COMPARTMENT" => {
                self.advance();
                let index = if matches!(self.peek(), TokenKind::Ident(_)) && self.peek_at(1) == &TokenKind::Comma {
                    let name = self.name("COMPARTMENT")?;
                    self.advance();
                    Some(name)
                } else {
                    None
                };
                let volume = self.expr()?;
                self.expect(&TokenKind::LBrace, "COMPARTMENT")?;
                let mut states = Vec::new();
                while !self.eat(&TokenKind::RBrace) {
                    states.push(self.name("COMPARTMENT")?);
                    self.eat(&TokenKind::Comma);
                }
                Stmt::Compartment { index, volume, states, pos }
            }
            "WATCH" => {
                self.advance();
                self.expect(&TokenKind::LParen, "WATCH")?;
                let cond = self.expr()?;
                self.expect(&TokenKind::RParen, "WATCH")?;
                let flag = self.expr()?;
                Stmt::Watch { cond, flag, pos }
            }
            "INITIAL" => {
                self.advance();
                Stmt::Initial(self.body("INITIAL")?)
            }
            "FOR_NETCONS" => {
                self.advance();
                let args = self.params("FOR_NETCONS")?.into_iter().map(|(n, _)| n).collect();
                Stmt::ForNetCons { args, body: self.body("FOR_NETCONS")?, pos }
            }
            w if UNSUPPORTED_STATEMENTS.contains(&w) => {
                // Skip to the end of the line.
                self.advance();
                while !self.tok().line_start && !self.is(&TokenKind::Eof) && !self.is(&TokenKind::RBrace) {
                    self.advance();
                }
                Stmt::Unsupported { what: w.to_string(), pos }
            }
            _ => self.assignment_or_call(context)?,
        };
        Ok(Some(stmt))
    }

    fn if_statement(&mut self) -> Result<Stmt> {
        self.expect(&TokenKind::LParen, "if")?;
        let cond = self.expr()?;
        self.expect(&TokenKind::RParen, "if")?;
        let then = self.body("if")?;
        let otherwise = if self.eat_word("else") {
            if self.eat_word("if") { Some(vec![self.if_statement()?]) } else { Some(self.body("else")?) }
        } else {
            None
        };
        Ok(Stmt::If { cond, then, otherwise })
    }

    fn assignment_or_call(&mut self, context: &str) -> Result<Stmt> {
        let name = self.name(context)?;
        if self.is(&TokenKind::LParen) {
            let args = self.args()?;
            return Ok(Stmt::Call(Expr::Call { name, args }));
        }
        let index = if self.eat(&TokenKind::LBracket) {
            let e = self.expr()?;
            self.expect(&TokenKind::RBracket, "index")?;
            Some(e)
        } else {
            None
        };
        let mut order = 0;
        while self.eat(&TokenKind::Prime) {
            order += 1;
        }
        if !self.eat(&TokenKind::Assign) {
            return self.err(&format!("{context}: statement starting with `{}`", name.text), "`=`, `'` or `(`");
        }
        let value = self.expr()?;
        if order > 0 {
            Ok(Stmt::Derivative { state: name, index, order, value })
        } else {
            Ok(Stmt::Assign { target: Expr::Var { name, index: index.map(Box::new) }, value })
        }
    }

    fn reaction(&mut self, pos: Position) -> Result<Reaction> {
        // A reaction (terms and an arrow) or, in LINEAR/NONLINEAR blocks,
        // an equation `~ lhs = rhs`.
        let start = self.i;
        if let Ok(left) = self.terms() {
            match self.peek() {
                TokenKind::Reversible => {
                    self.advance();
                    let right = self.terms()?;
                    self.expect(&TokenKind::LParen, "reaction rates")?;
                    let forward = self.expr()?;
                    self.expect(&TokenKind::Comma, "reaction rates")?;
                    let backward = self.expr()?;
                    self.expect(&TokenKind::RParen, "reaction rates")?;
                    return Ok(Reaction::Reversible { left, right, forward, backward, pos });
                }
                TokenKind::Flux if left.len() == 1 => {
                    self.advance();
                    self.expect(&TokenKind::LParen, "flux")?;
                    let flux = self.expr()?;
                    self.expect(&TokenKind::RParen, "flux")?;
                    let term = left.into_iter().next().expect("one term");
                    return Ok(Reaction::Flux { term, flux, pos });
                }
                TokenKind::Arrow => {
                    self.advance();
                    self.expect(&TokenKind::LParen, "reaction rate")?;
                    let rate = self.expr()?;
                    self.expect(&TokenKind::RParen, "reaction rate")?;
                    return Ok(Reaction::Irreversible { left, rate, pos });
                }
                _ => {}
            }
        }
        self.i = start;
        let left = self.expr()?;
        self.expect(&TokenKind::Assign, "equation after `~`")?;
        let right = self.expr()?;
        Ok(Reaction::Equation { left, right, pos })
    }

    fn terms(&mut self) -> Result<Vec<Term>> {
        let mut terms = Vec::new();
        loop {
            let coefficient = match self.peek().clone() {
                TokenKind::Number(text) => {
                    let pos = self.pos();
                    self.advance();
                    text.parse::<u32>().map_err(|_| SyntaxError::new(pos, format!("bad coefficient `{text}`")))?
                }
                _ => 1,
            };
            let state = self.name("reaction")?;
            let index = if self.eat(&TokenKind::LBracket) {
                let e = self.expr()?;
                self.expect(&TokenKind::RBracket, "index")?;
                Some(e)
            } else {
                None
            };
            terms.push(Term { coefficient, state, index });
            if !self.eat(&TokenKind::Plus) {
                return Ok(terms);
            }
        }
    }

    fn args(&mut self) -> Result<Vec<Expr>> {
        self.expect(&TokenKind::LParen, "call")?;
        let mut args = Vec::new();
        if self.eat(&TokenKind::RParen) {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(&TokenKind::RParen) {
                return Ok(args);
            }
            self.expect(&TokenKind::Comma, "call arguments")?;
        }
    }

    /// Expressions, lowest precedence first (NEURON's: `||`, `&&`,
    /// comparisons, `+ -`, `* / %`, unary `- !`, then `^`, right-associative
    /// and binding tighter than unary minus).
    fn expr(&mut self) -> Result<Expr> {
        self.binary(0)
    }

    fn binary(&mut self, level: usize) -> Result<Expr> {
        const LEVELS: &[&[(TokenKind, BinaryOp)]] = &[
            &[(TokenKind::Or, BinaryOp::Or)],
            &[(TokenKind::And, BinaryOp::And)],
            &[
                (TokenKind::Lt, BinaryOp::Lt),
                (TokenKind::Le, BinaryOp::Le),
                (TokenKind::Gt, BinaryOp::Gt),
                (TokenKind::Ge, BinaryOp::Ge),
                (TokenKind::Eq, BinaryOp::Eq),
                (TokenKind::Ne, BinaryOp::Ne),
            ],
            &[(TokenKind::Plus, BinaryOp::Add), (TokenKind::Minus, BinaryOp::Sub)],
            &[(TokenKind::Star, BinaryOp::Mul), (TokenKind::Slash, BinaryOp::Div), (TokenKind::Percent, BinaryOp::Rem)],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let Some(&(_, op)) = LEVELS[level].iter().find(|(k, _)| k == self.peek()) else {
                return Ok(left);
            };
            let pos = self.advance().pos;
            let right = self.binary(level + 1)?;
            left = Expr::Binary { op, left: Box::new(left), right: Box::new(right), pos };
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        let pos = self.pos();
        if self.eat(&TokenKind::Minus) {
            return Ok(Expr::Unary { op: UnaryOp::Neg, operand: Box::new(self.unary()?), pos });
        }
        if self.eat(&TokenKind::Not) {
            return Ok(Expr::Unary { op: UnaryOp::Not, operand: Box::new(self.unary()?), pos });
        }
        if self.eat(&TokenKind::Plus) {
            return self.unary();
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr> {
        let base = self.primary()?;
        if self.is(&TokenKind::Caret) {
            let pos = self.advance().pos;
            let exponent = self.unary()?;
            return Ok(Expr::Binary { op: BinaryOp::Pow, left: Box::new(base), right: Box::new(exponent), pos });
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr> {
        let pos = self.pos();
        match self.peek().clone() {
            TokenKind::Number(text) => {
                self.advance();
                let value: f64 = text.parse().map_err(|_| SyntaxError::new(pos, format!("bad number `{text}`")))?;
                // Units after a number (`1(um)`): NEURON does not convert.
                self.units()?;
                Ok(Expr::Number { value, text, pos })
            }
            TokenKind::Ident(_) => {
                let name = self.name("expression")?;
                if self.is(&TokenKind::LParen) {
                    let args = self.args()?;
                    return Ok(Expr::Call { name, args });
                }
                let index = if self.eat(&TokenKind::LBracket) {
                    let e = self.expr()?;
                    self.expect(&TokenKind::RBracket, "index")?;
                    Some(Box::new(e))
                } else {
                    None
                };
                Ok(Expr::Var { name, index })
            }
            TokenKind::LParen => {
                self.advance();
                let inner = self.expr()?;
                self.expect(&TokenKind::RParen, "parenthesized expression")?;
                Ok(Expr::Paren(Box::new(inner)))
            }
            TokenKind::Str(text) => {
                // printf's format: a string is only ever an argument.
                self.advance();
                Ok(Expr::Var { name: Name { text: format!("\"{text}\""), pos }, index: None })
            }
            _ => self.err("expression", "a number, a name or `(`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_neurons() {
        let p = parse("BREAKPOINT { x = -a^2 + b*c/d - e }").unwrap();
        let Item::Block { body, .. } = &p.items[0] else { panic!() };
        let Stmt::Assign { value, .. } = &body[0] else { panic!() };
        // ((-(a^2)) + ((b*c)/d)) - e
        let Expr::Binary { op: BinaryOp::Sub, left, .. } = value else { panic!("{value:?}") };
        let Expr::Binary { op: BinaryOp::Add, left: neg, right: div, .. } = left.as_ref() else { panic!() };
        assert!(matches!(neg.as_ref(), Expr::Unary { op: UnaryOp::Neg, operand, .. }
            if matches!(operand.as_ref(), Expr::Binary { op: BinaryOp::Pow, .. })));
        assert!(matches!(div.as_ref(), Expr::Binary { op: BinaryOp::Div, .. }));
    }

    #[test]
    fn errors_name_the_construct_and_place() {
        let err = parse("NEURON {\n  SUFFIX hh\n  RANGE a,\n}").unwrap_err();
        assert_eq!((err.pos.line, err.pos.col), (4, 1));
        assert!(err.message.contains("RANGE"), "{}", err.message);
        let err = parse("PARAMETER {\n g = .1 (S/cm2\n}").unwrap_err();
        assert!(err.message.contains("units"), "{}", err.message);
        let err = parse("BREAKPOINT { x = }").unwrap_err();
        assert!(err.message.contains("expression"), "{}", err.message);
    }

    #[test]
    fn declarations_units_limits_and_reactions() {
        let src = "PARAMETER { gnabar = .12 (S/cm2) <0,1e9> el = -54.3 (mV) }\nSTATE { m h cai (mM) <1e-5> x[3] }\nKINETIC k { ~ 2 A + B <-> C (kf, kb) ~ cai << (-ica*area) COMPARTMENT i, vol[i] {x} CONSERVE A + C = 1 }\nLINEAR l { ~ a + b = 3 }";
        let p = parse(src).unwrap();
        let Item::Parameter(params) = &p.items[0] else { panic!() };
        assert_eq!(params[0].value, Some(0.12));
        assert_eq!(params[0].units.as_deref(), Some("S/cm2"));
        assert_eq!(params[0].limits, Some((0.0, 1e9)));
        assert_eq!(params[1].value, Some(-54.3));
        let Item::State(states) = &p.items[1] else { panic!() };
        assert_eq!(states.iter().map(|d| d.name.text.as_str()).collect::<Vec<_>>(), ["m", "h", "cai", "x"]);
        assert_eq!(states[3].length, Some(3));
        let Item::Block { body, .. } = &p.items[2] else { panic!() };
        assert!(matches!(&body[0], Stmt::Reaction(Reaction::Reversible { left, .. }) if left[0].coefficient == 2));
        assert!(matches!(&body[1], Stmt::Reaction(Reaction::Flux { .. })));
        assert!(matches!(&body[2], Stmt::Compartment { index: Some(_), .. }));
        assert!(matches!(&body[3], Stmt::Conserve { .. }));
        let Item::Block { body, .. } = &p.items[3] else { panic!() };
        assert!(matches!(&body[0], Stmt::Reaction(Reaction::Equation { .. })));
    }
}
