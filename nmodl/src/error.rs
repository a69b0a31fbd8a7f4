//! Errors of the NMODL compiler: every one names its place in the file.

/// A place in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column (characters), from 1.
    pub col: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A construct that cannot be read or translated, at a place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct SyntaxError {
    /// Where.
    pub pos: Position,
    /// What is wrong, naming the construct.
    pub message: String,
}

impl SyntaxError {
    /// An error at `pos`.
    pub fn new(pos: Position, message: impl Into<String>) -> Self {
        SyntaxError { pos, message: message.into() }
    }
}

/// An error of one file: `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NmodlError {
    /// The file could not be read.
    #[error("{file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// A construct at a place in the file.
    #[error("{file}:{}: {}", .error.pos, .error.message)]
    At {
        /// The file.
        file: String,
        /// What and where.
        error: SyntaxError,
    },
}
