//! Tokens of NMODL. The lexer is written by hand because NMODL's lexical
//! structure depends on context in ways a token table does not express
//! well: `COMMENT ... ENDCOMMENT` and `VERBATIM ... ENDVERBATIM` span lines
//! and hold arbitrary text, `TITLE` takes the rest of its line, and `:` and
//! `?` start comments. Everything else is plain: identifiers (keywords are
//! identifiers the parser recognizes), numbers, operators. Units such as
//! `(mA/cm2)` are lexed as ordinary tokens; the parser, which knows where
//! units may stand, takes their text from the source.

use crate::error::{Position, SyntaxError};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A name or keyword.
    Ident(String),
    /// A number literal, as written (its value is parsed by the parser).
    Number(String),
    /// A string literal (without quotes).
    Str(String),
    /// The text between `VERBATIM` and `ENDVERBATIM`.
    Verbatim(String),
    /// The rest of the line after `TITLE`.
    Title(String),
    /// `'` (a derivative, after a state name).
    Prime,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `^`
    Caret,
    /// `%`
    Percent,
    /// `=`
    Assign,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `!`
    Not,
    /// `~` (a reaction in KINETIC, an equation in LINEAR/NONLINEAR)
    Tilde,
    /// `<->`
    Reversible,
    /// `<<`
    Flux,
    /// `->`
    Arrow,
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// Any other character (allowed only inside units, e.g. `(%)`).
    Other(char),
    /// End of the file.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it starts.
    pub pos: Position,
    /// Byte range in the source.
    pub span: (usize, usize),
    /// Whether a line break precedes it (declaration lists end at lines).
    pub line_start: bool,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, k: usize) -> u8 {
        self.bytes.get(self.i + k).copied().unwrap_or(0)
    }

    fn bump(&mut self) -> u8 {
        let c = self.peek(0);
        self.i += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if c & 0xC0 != 0x80 {
            // Columns count characters, not UTF-8 continuation bytes.
            self.col += 1;
        }
        c
    }

    fn pos(&self) -> Position {
        Position { line: self.line, col: self.col }
    }

    /// Skips to the line after the next line that holds `word` as its first
    /// word, returning the text before that line; `None` at end of file.
    fn until_line_starting_with(&mut self, word: &str) -> Option<String> {
        let start = self.i;
        loop {
            // At a line start: is the first word `word`?
            let line_start = self.i;
            while matches!(self.peek(0), b' ' | b'\t' | b'\r') {
                self.bump();
            }
            let rest = &self.src[self.i..];
            if rest.starts_with(word)
                && !rest[word.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                let text = self.src[start..line_start].to_string();
                for _ in 0..word.len() {
                    self.bump();
                }
                return Some(text);
            }
            while self.peek(0) != b'\n' && self.i < self.bytes.len() {
                self.bump();
            }
            if self.i >= self.bytes.len() {
                return None;
            }
            self.bump();
        }
    }

    fn rest_of_line(&mut self) -> String {
        let start = self.i;
        while self.peek(0) != b'\n' && self.i < self.bytes.len() {
            self.bump();
        }
        self.src[start..self.i].trim().to_string()
    }
}

/// Splits `src` into tokens (the last one is `Eof`).
pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lx = Lexer { src, bytes: src.as_bytes(), i: 0, line: 1, col: 1 };
    let mut tokens = Vec::new();
    let mut line_start = true;
    loop {
        // Blanks and comments.
        loop {
            match lx.peek(0) {
                b'\n' => {
                    lx.bump();
                    line_start = true;
                }
                b' ' | b'\t' | b'\r' | 0x0c => {
                    lx.bump();
                }
                b':' | b'?' => {
                    while lx.peek(0) != b'\n' && lx.i < lx.bytes.len() {
                        lx.bump();
                    }
                }
                _ => break,
            }
        }
        let pos = lx.pos();
        let start = lx.i;
        if lx.i >= lx.bytes.len() {
            tokens.push(Token { kind: TokenKind::Eof, pos, span: (start, start), line_start: true });
            return Ok(tokens);
        }
        let c = lx.peek(0);
        let kind = if c.is_ascii_alphabetic() || c == b'_' {
            while lx.peek(0).is_ascii_alphanumeric() || lx.peek(0) == b'_' {
                lx.bump();
            }
            let word = &src[start..lx.i];
            match word {
                "COMMENT" => {
                    if lx.until_line_starting_with("ENDCOMMENT").is_none() {
                        return Err(SyntaxError::new(pos, "COMMENT without ENDCOMMENT"));
                    }
                    continue;
                }
                "VERBATIM" => match lx.until_line_starting_with("ENDVERBATIM") {
                    // The text of the lines between the keywords.
                    Some(text) => {
                        TokenKind::Verbatim(text.split_once('\n').map_or(String::new(), |(_, rest)| rest.into()))
                    }
                    None => return Err(SyntaxError::new(pos, "VERBATIM without ENDVERBATIM")),
                },
                "TITLE" => TokenKind::Title(lx.rest_of_line()),
                _ => TokenKind::Ident(word.to_string()),
            }
        } else if c.is_ascii_digit() || (c == b'.' && lx.peek(1).is_ascii_digit()) {
            while lx.peek(0).is_ascii_digit() {
                lx.bump();
            }
            if lx.peek(0) == b'.' {
                lx.bump();
                while lx.peek(0).is_ascii_digit() {
                    lx.bump();
                }
            }
            if matches!(lx.peek(0), b'e' | b'E')
                && (lx.peek(1).is_ascii_digit() || (matches!(lx.peek(1), b'+' | b'-') && lx.peek(2).is_ascii_digit()))
            {
                lx.bump();
                if matches!(lx.peek(0), b'+' | b'-') {
                    lx.bump();
                }
                while lx.peek(0).is_ascii_digit() {
                    lx.bump();
                }
            }
            TokenKind::Number(src[start..lx.i].to_string())
        } else if c == b'"' {
            lx.bump();
            while lx.peek(0) != b'"' {
                if lx.i >= lx.bytes.len() || lx.peek(0) == b'\n' {
                    return Err(SyntaxError::new(pos, "unterminated string"));
                }
                lx.bump();
            }
            lx.bump();
            TokenKind::Str(src[start + 1..lx.i - 1].to_string())
        } else {
            let two = [c, lx.peek(1)];
            let (kind, len) = match &two {
                b"==" => (TokenKind::Eq, 2),
                b"!=" => (TokenKind::Ne, 2),
                b"<=" => (TokenKind::Le, 2),
                b">=" => (TokenKind::Ge, 2),
                b"&&" => (TokenKind::And, 2),
                b"||" => (TokenKind::Or, 2),
                b"<<" => (TokenKind::Flux, 2),
                b"->" => (TokenKind::Arrow, 2),
                b"<-" if lx.peek(2) == b'>' => (TokenKind::Reversible, 3),
                _ => (
                    match c {
                        b'\'' => TokenKind::Prime,
                        b'+' => TokenKind::Plus,
                        b'-' => TokenKind::Minus,
                        b'*' => TokenKind::Star,
                        b'/' => TokenKind::Slash,
                        b'^' => TokenKind::Caret,
                        b'%' => TokenKind::Percent,
                        b'=' => TokenKind::Assign,
                        b'<' => TokenKind::Lt,
                        b'>' => TokenKind::Gt,
                        b'!' => TokenKind::Not,
                        b'~' => TokenKind::Tilde,
                        b',' => TokenKind::Comma,
                        b'(' => TokenKind::LParen,
                        b')' => TokenKind::RParen,
                        b'{' => TokenKind::LBrace,
                        b'}' => TokenKind::RBrace,
                        b'[' => TokenKind::LBracket,
                        b']' => TokenKind::RBracket,
                        _ => TokenKind::Other(src[start..].chars().next().unwrap_or('?')),
                    },
                    1,
                ),
            };
            let len = if let TokenKind::Other(ch) = kind { ch.len_utf8() } else { len };
            for _ in 0..len {
                lx.bump();
            }
            kind
        };
        tokens.push(Token { kind, pos, span: (start, lx.i), line_start });
        line_start = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_names_and_operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("m' = .5e-3*x^2 <-> y << 1.(/mV)"),
            vec![
                Ident("m".into()),
                Prime,
                Assign,
                Number(".5e-3".into()),
                Star,
                Ident("x".into()),
                Caret,
                Number("2".into()),
                Reversible,
                Ident("y".into()),
                Flux,
                Number("1.".into()),
                LParen,
                Slash,
                Ident("mV".into()),
                RParen,
                Eof
            ]
        );
    }

    #[test]
    fn comments_verbatim_and_title() {
        let src = "TITLE my channel : not a comment here\n: comment\nCOMMENT\n x = 1\nENDCOMMENT\nVERBATIM\n  int x;\nENDVERBATIM\n? note\na";
        let tokens = tokenize(src).unwrap();
        assert_eq!(tokens[0].kind, TokenKind::Title("my channel : not a comment here".into()));
        assert_eq!(tokens[1].kind, TokenKind::Verbatim("  int x;\n".into()));
        assert_eq!(tokens[1].pos.line, 6);
        assert_eq!(tokens[2].kind, TokenKind::Ident("a".into()));
        assert_eq!((tokens[2].pos.line, tokens[2].pos.col), (10, 1));
    }

    #[test]
    fn unterminated_blocks_are_errors_at_their_start() {
        let err = tokenize("a\n  COMMENT\n x").unwrap_err();
        assert_eq!((err.pos.line, err.pos.col), (2, 3));
        assert!(tokenize("VERBATIM\nint x;").is_err());
    }
}
