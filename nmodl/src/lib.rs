//! # neurite-nmodl
//!
//! The NMODL compiler of neurite, split as NEURON's NMODL framework and
//! Arbor's modcc split theirs: a `lexer` and `parser` build the syntax tree
//! (`ast`), `model` checks it into a model with meaning (names resolved,
//! blocks and solve methods known), and a code generator (to come) turns the
//! model into Rust that implements neurite's `Mechanism` trait.
//!
//! Errors name `file:line:col` and the construct.

#![deny(missing_docs)]

pub mod ast;
pub mod codegen;
pub mod error;
pub mod lexer;
pub mod model;
pub mod parser;

pub use error::{NmodlError, Position, SyntaxError};
pub use model::{Mechanism, MechanismKind};

/// Reads, parses, checks and translates a .mod file into a Rust module.
pub fn translate_file(path: &std::path::Path, options: &codegen::Options) -> Result<(Mechanism, String), NmodlError> {
    let file = path.display().to_string();
    let m = check_file(path)?;
    let code = codegen::generate(&m, options).map_err(|error| NmodlError::At { file, error })?;
    Ok((m, code))
}

/// Reads, parses and checks a .mod file.
pub fn check_file(path: &std::path::Path) -> Result<Mechanism, NmodlError> {
    let file = path.display().to_string();
    let src =
        std::fs::read_to_string(path).map_err(|e| NmodlError::Io { file: file.clone(), message: e.to_string() })?;
    check_source(&src, &file)
}

/// Parses and checks NMODL source text; `file` names it in errors.
pub fn check_source(src: &str, file: &str) -> Result<Mechanism, NmodlError> {
    let at = |error| NmodlError::At { file: file.to_string(), error };
    let program = parser::parse(src).map_err(at)?;
    model::check(&program, file).map_err(at)
}
