//! The tokenizer: source text to tokens.
//!
//! Mirrors `Parser/lexer/lexer.c` (3.13) for the subset: names, numbers,
//! strings (all prefixes; f-strings are kept whole and split by the
//! parser), operators, NEWLINE/INDENT/DEDENT with CPython's tab rules and
//! implicit line joining inside brackets. Positions are 1-based lines and
//! 0-based UTF-8 byte columns, as CPython's AST has them. Errors carry
//! CPython's messages.

use super::error::SyntaxErr;

/// Token kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A name or keyword (the parser tells them apart).
    Name,
    /// A number literal.
    Number,
    /// A string literal (any prefix).
    String,
    /// End of a logical line.
    Newline,
    /// Indentation increased.
    Indent,
    /// Indentation decreased.
    Dedent,
    /// End of input.
    EndMarker,
    /// An operator or delimiter; [`Token::op`] names it.
    Op,
}

/// One token.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    /// Kind.
    pub kind: Tok,
    /// The operator (for [`Tok::Op`]).
    pub op: Op,
    /// Byte range in the source.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 0-based byte column of the first byte.
    pub col: u32,
    /// 1-based line after the last byte.
    pub end_line: u32,
    /// 0-based byte column after the last byte.
    pub end_col: u32,
}

/// Operators and delimiters.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    None,
    LPar,
    RPar,
    LSqb,
    RSqb,
    LBrace,
    RBrace,
    Colon,
    Comma,
    Semi,
    Plus,
    Minus,
    Star,
    Slash,
    VBar,
    Amper,
    Less,
    Greater,
    Equal,
    Dot,
    Percent,
    EqEqual,
    NotEqual,
    LessEqual,
    GreaterEqual,
    Tilde,
    Circumflex,
    LeftShift,
    RightShift,
    DoubleStar,
    PlusEqual,
    MinEqual,
    StarEqual,
    SlashEqual,
    PercentEqual,
    AmperEqual,
    VBarEqual,
    CircumflexEqual,
    LeftShiftEqual,
    RightShiftEqual,
    DoubleStarEqual,
    DoubleSlash,
    DoubleSlashEqual,
    At,
    AtEqual,
    RArrow,
    Ellipsis,
    ColonEqual,
    Exclamation,
}

impl Op {
    /// The operator's text.
    pub fn text(self) -> &'static str {
        use Op::*;
        match self {
            None => "",
            LPar => "(",
            RPar => ")",
            LSqb => "[",
            RSqb => "]",
            LBrace => "{",
            RBrace => "}",
            Colon => ":",
            Comma => ",",
            Semi => ";",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            VBar => "|",
            Amper => "&",
            Less => "<",
            Greater => ">",
            Equal => "=",
            Dot => ".",
            Percent => "%",
            EqEqual => "==",
            NotEqual => "!=",
            LessEqual => "<=",
            GreaterEqual => ">=",
            Tilde => "~",
            Circumflex => "^",
            LeftShift => "<<",
            RightShift => ">>",
            DoubleStar => "**",
            PlusEqual => "+=",
            MinEqual => "-=",
            StarEqual => "*=",
            SlashEqual => "/=",
            PercentEqual => "%=",
            AmperEqual => "&=",
            VBarEqual => "|=",
            CircumflexEqual => "^=",
            LeftShiftEqual => "<<=",
            RightShiftEqual => ">>=",
            DoubleStarEqual => "**=",
            DoubleSlash => "//",
            DoubleSlashEqual => "//=",
            At => "@",
            AtEqual => "@=",
            RArrow => "->",
            Ellipsis => "...",
            ColonEqual => ":=",
            Exclamation => "!",
        }
    }
}

/// Three-character, two-character and one-character operators, longest
/// first.
const OPS3: &[(&[u8; 3], Op)] = &[
    (b"**=", Op::DoubleStarEqual),
    (b"...", Op::Ellipsis),
    (b"//=", Op::DoubleSlashEqual),
    (b"<<=", Op::LeftShiftEqual),
    (b">>=", Op::RightShiftEqual),
];
const OPS2: &[(&[u8; 2], Op)] = &[
    (b"!=", Op::NotEqual),
    (b"%=", Op::PercentEqual),
    (b"&=", Op::AmperEqual),
    (b"**", Op::DoubleStar),
    (b"*=", Op::StarEqual),
    (b"+=", Op::PlusEqual),
    (b"-=", Op::MinEqual),
    (b"->", Op::RArrow),
    (b"//", Op::DoubleSlash),
    (b"/=", Op::SlashEqual),
    (b":=", Op::ColonEqual),
    (b"<<", Op::LeftShift),
    (b"<=", Op::LessEqual),
    (b"==", Op::EqEqual),
    (b">=", Op::GreaterEqual),
    (b">>", Op::RightShift),
    (b"@=", Op::AtEqual),
    (b"^=", Op::CircumflexEqual),
    (b"|=", Op::VBarEqual),
];

fn op1(c: u8) -> Option<Op> {
    Some(match c {
        b'(' => Op::LPar,
        b')' => Op::RPar,
        b'[' => Op::LSqb,
        b']' => Op::RSqb,
        b'{' => Op::LBrace,
        b'}' => Op::RBrace,
        b':' => Op::Colon,
        b',' => Op::Comma,
        b';' => Op::Semi,
        b'+' => Op::Plus,
        b'-' => Op::Minus,
        b'*' => Op::Star,
        b'/' => Op::Slash,
        b'|' => Op::VBar,
        b'&' => Op::Amper,
        b'<' => Op::Less,
        b'>' => Op::Greater,
        b'=' => Op::Equal,
        b'.' => Op::Dot,
        b'%' => Op::Percent,
        b'~' => Op::Tilde,
        b'^' => Op::Circumflex,
        b'@' => Op::At,
        b'!' => Op::Exclamation,
        _ => return None,
    })
}

/// Tokenizes `src`. `base_line`/`base_col` offset positions (for
/// expressions inside f-strings); `fstring_expr` tokenizes one f-string
/// replacement field's expression (no NEWLINE/INDENT tokens).
pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxErr> {
    Lexer::new(src, 1, 0, false).run()
}

/// Tokenizes an expression embedded at (`line`, `col`) of an enclosing
/// source (an f-string replacement field).
pub fn tokenize_embedded(src: &str, line: u32, col: u32) -> Result<Vec<Token>, SyntaxErr> {
    Lexer::new(src, line, col, true).run()
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    /// Column correction for the first line of an embedded source.
    first_line_col: u32,
    base_line: u32,
    embedded: bool,
    toks: Vec<Token>,
    indents: Vec<(u32, u32)>,
    parens: Vec<(u8, u32, u32)>,
    at_line_start: bool,
    /// The current logical line has produced a token.
    line_has_tokens: bool,
}

fn is_id_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_id_continue(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_continue(c)
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, line: u32, col: u32, embedded: bool) -> Lexer<'a> {
        Lexer {
            src: text.as_bytes(),
            text,
            pos: 0,
            line,
            line_start: 0,
            first_line_col: col,
            base_line: line,
            embedded,
            toks: Vec::new(),
            indents: vec![(0, 0)],
            parens: Vec::new(),
            at_line_start: !embedded,
            line_has_tokens: false,
        }
    }

    fn col_of(&self, pos: usize) -> u32 {
        let c = (pos - self.line_start) as u32;
        if self.line == self.base_line {
            c + self.first_line_col
        } else {
            c
        }
    }

    fn err_at(&self, msg: impl Into<String>, pos: usize) -> SyntaxErr {
        SyntaxErr::new(msg, self.line, self.col_of(pos))
    }

    fn peek(&self, k: usize) -> u8 {
        self.src.get(self.pos + k).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: Tok, op: Op, start: usize, start_line: u32, start_col: u32) {
        self.toks.push(Token {
            kind,
            op,
            start,
            end: self.pos,
            line: start_line,
            col: start_col,
            end_line: self.line,
            end_col: self.col_of(self.pos),
        });
        if !matches!(kind, Tok::Newline | Tok::Indent | Tok::Dedent) {
            self.line_has_tokens = true;
        }
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    fn run(mut self) -> Result<Vec<Token>, SyntaxErr> {
        loop {
            if self.at_line_start {
                self.at_line_start = false;
                if !self.indentation()? {
                    continue;
                }
            }
            let Some(&c) = self.src.get(self.pos) else {
                break;
            };
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\r' | b'\n' => {
                    let start = self.pos;
                    let (l, col) = (self.line, self.col_of(start));
                    self.pos += if c == b'\r' && self.peek(1) == b'\n' {
                        2
                    } else {
                        1
                    };
                    let logical = self.parens.is_empty() && self.line_has_tokens && !self.embedded;
                    if logical {
                        self.toks.push(Token {
                            kind: Tok::Newline,
                            op: Op::None,
                            start,
                            end: self.pos,
                            line: l,
                            col,
                            end_line: l,
                            end_col: col + 1,
                        });
                        self.line_has_tokens = false;
                    }
                    self.newline();
                    if self.parens.is_empty() && !self.embedded {
                        self.at_line_start = true;
                    }
                }
                b'#' => {
                    while self.pos < self.src.len() && !matches!(self.src[self.pos], b'\n' | b'\r')
                    {
                        self.pos += 1;
                    }
                }
                b'\\' => {
                    let start = self.pos;
                    self.pos += 1;
                    match self.peek(0) {
                        b'\n' => {
                            self.pos += 1;
                            self.newline();
                        }
                        b'\r' => {
                            self.pos += if self.peek(1) == b'\n' { 2 } else { 1 };
                            self.newline();
                        }
                        0 if self.pos >= self.src.len() => {
                            return Err(self.err_at("unexpected EOF while parsing", start));
                        }
                        _ => {
                            return Err(self.err_at(
                                "unexpected character after line continuation character",
                                start + 1,
                            ));
                        }
                    }
                    if self.pos >= self.src.len() {
                        return Err(self.err_at("unexpected EOF while parsing", self.pos));
                    }
                }
                b'0'..=b'9' => self.number()?,
                b'.' if self.peek(1).is_ascii_digit() => self.number()?,
                b'"' | b'\'' => self.string(self.pos)?,
                _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                    self.name_or_prefixed_string()?
                }
                _ => self.operator()?,
            }
        }
        // End of input.
        if let Some(&(p, l, col)) = self.parens.last() {
            let _ = l;
            return Err(SyntaxErr::new(
                format!("'{}' was never closed", p as char),
                l,
                col,
            ));
        }
        let (l, col) = (self.line, self.col_of(self.pos));
        if !self.embedded {
            if self.line_has_tokens {
                self.toks.push(Token {
                    kind: Tok::Newline,
                    op: Op::None,
                    start: self.pos,
                    end: self.pos,
                    line: l,
                    col,
                    end_line: l,
                    end_col: col + 1,
                });
            }
            let eof_line = if self.pos > self.line_start { l + 1 } else { l };
            while self.indents.len() > 1 {
                self.indents.pop();
                self.toks.push(Token {
                    kind: Tok::Dedent,
                    op: Op::None,
                    start: self.pos,
                    end: self.pos,
                    line: eof_line,
                    col: 0,
                    end_line: eof_line,
                    end_col: 0,
                });
            }
        }
        self.toks.push(Token {
            kind: Tok::EndMarker,
            op: Op::None,
            start: self.pos,
            end: self.pos,
            line: l,
            col,
            end_line: l,
            end_col: col,
        });
        Ok(self.toks)
    }

    /// Measures the indentation of a new line; emits INDENT/DEDENT. Returns
    /// false for blank and comment-only lines (nothing emitted).
    fn indentation(&mut self) -> Result<bool, SyntaxErr> {
        let (mut col, mut altcol) = (0u32, 0u32);
        let start = self.pos;
        loop {
            match self.peek(0) {
                b' ' => {
                    col += 1;
                    altcol += 1;
                }
                b'\t' => {
                    col = (col / 8 + 1) * 8;
                    altcol += 1;
                }
                b'\x0c' => {
                    col = 0;
                    altcol = 0;
                }
                _ => break,
            }
            self.pos += 1;
        }
        match self.peek(0) {
            b'#' | b'\n' | b'\r' => return Ok(false),
            0 if self.pos >= self.src.len() => return Ok(false),
            b'\\' => {
                // A continuation right at the indentation: CPython treats
                // the indentation as the line's.
            }
            _ => {}
        }
        let &(cur, curalt) = self.indents.last().expect("base level");
        if col == cur {
            if altcol != curalt {
                return Err(self.tab_error(start));
            }
        } else if col > cur {
            if altcol <= curalt {
                return Err(self.tab_error(start));
            }
            self.indents.push((col, altcol));
            self.toks.push(Token {
                kind: Tok::Indent,
                op: Op::None,
                start,
                end: self.pos,
                line: self.line,
                col: 0,
                end_line: self.line,
                end_col: self.col_of(self.pos),
            });
        } else {
            while self.indents.len() > 1 && col < self.indents.last().expect("nonempty").0 {
                self.indents.pop();
                self.toks.push(Token {
                    kind: Tok::Dedent,
                    op: Op::None,
                    start: self.pos,
                    end: self.pos,
                    line: self.line,
                    col: self.col_of(self.pos),
                    end_line: self.line,
                    end_col: self.col_of(self.pos),
                });
            }
            let &(now, nowalt) = self.indents.last().expect("base level");
            if col != now {
                let mut e = SyntaxErr::new(
                    "unindent does not match any outer indentation level",
                    self.line,
                    self.col_of(self.pos),
                );
                e.kind = super::error::SyntaxKind::Indentation;
                e.from_tokenizer = true;
                return Err(e);
            }
            if altcol != nowalt {
                return Err(self.tab_error(start));
            }
        }
        Ok(true)
    }

    fn tab_error(&self, start: usize) -> SyntaxErr {
        let mut e = SyntaxErr::new(
            "inconsistent use of tabs and spaces in indentation",
            self.line,
            self.col_of(start),
        );
        e.kind = super::error::SyntaxKind::Tab;
        e.from_tokenizer = true;
        e
    }

    fn operator(&mut self) -> Result<(), SyntaxErr> {
        let start = self.pos;
        let (l, col) = (self.line, self.col_of(start));
        let rest = &self.src[self.pos..];
        let mut op = None;
        if rest.len() >= 3 {
            op = OPS3
                .iter()
                .find(|(t, _)| &rest[..3] == *t)
                .map(|(_, o)| (*o, 3));
        }
        if op.is_none() && rest.len() >= 2 {
            op = OPS2
                .iter()
                .find(|(t, _)| &rest[..2] == *t)
                .map(|(_, o)| (*o, 2));
        }
        if op.is_none() {
            op = op1(rest[0]).map(|o| (o, 1));
        }
        let Some((op, n)) = op else {
            let ch = self.text[self.pos..].chars().next().unwrap_or('\0');
            if ch == '$' || ch == '?' || ch == '`' {
                return Err(self.err_at("invalid syntax", start));
            }
            return Err(self.err_at(
                format!("invalid character '{ch}' (U+{:04X})", ch as u32),
                start,
            ));
        };
        self.pos += n;
        match op {
            Op::LPar | Op::LSqb | Op::LBrace => {
                if self.parens.len() >= 200 {
                    return Err(self.err_at("too many nested parentheses", start));
                }
                self.parens.push((rest[0], l, col));
            }
            Op::RPar | Op::RSqb | Op::RBrace => {
                let close = rest[0];
                match self.parens.pop() {
                    None => {
                        return Err(self.err_at(format!("unmatched '{}'", close as char), start));
                    }
                    Some((open, ol, _)) => {
                        let expected = match open {
                            b'(' => b')',
                            b'[' => b']',
                            _ => b'}',
                        };
                        if close != expected {
                            let msg = if ol != l {
                                format!(
                                    "closing parenthesis '{}' does not match opening parenthesis '{}' on line {ol}",
                                    close as char, open as char
                                )
                            } else {
                                format!(
                                    "closing parenthesis '{}' does not match opening parenthesis '{}'",
                                    close as char, open as char
                                )
                            };
                            return Err(self.err_at(msg, start));
                        }
                    }
                }
            }
            _ => {}
        }
        self.push(Tok::Op, op, start, l, col);
        Ok(())
    }

    fn name_or_prefixed_string(&mut self) -> Result<(), SyntaxErr> {
        let start = self.pos;
        // String prefixes: r, b, u, f and their combinations.
        let mut p = self.pos;
        while p < self.src.len()
            && p - start < 2
            && matches!(self.src[p] | 0x20, b'r' | b'b' | b'u' | b'f')
        {
            p += 1;
        }
        if p > start && p < self.src.len() && matches!(self.src[p], b'"' | b'\'') {
            let prefix = self.text[start..p].to_ascii_lowercase();
            let ok = matches!(
                prefix.as_str(),
                "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
            );
            if ok {
                return self.string(start);
            }
        }
        let (l, col) = (self.line, self.col_of(start));
        let mut it = self.text[self.pos..].char_indices();
        let mut end = self.pos;
        let mut first = true;
        for (i, ch) in &mut it {
            let ok = if first {
                is_id_start(ch)
            } else {
                is_id_continue(ch)
            };
            if !ok {
                if first {
                    return Err(self.err_at(
                        format!("invalid character '{ch}' (U+{:04X})", ch as u32),
                        start,
                    ));
                }
                break;
            }
            first = false;
            end = self.pos + i + ch.len_utf8();
        }
        // Non-ASCII identifiers are NFKC-normalized by CPython; the subset
        // keeps them as written (NFKC is the identity for common text).
        self.pos = end;
        self.push(Tok::Name, Op::None, start, l, col);
        Ok(())
    }

    fn number(&mut self) -> Result<(), SyntaxErr> {
        let start = self.pos;
        let (l, col) = (self.line, self.col_of(start));
        let s = self.src;
        let digits = |lx: &mut Self, ok: &dyn Fn(u8) -> bool| -> Result<bool, SyntaxErr> {
            // Digits with single underscores between them.
            let mut any = false;
            loop {
                let c = lx.peek(0);
                if ok(c) {
                    lx.pos += 1;
                    any = true;
                } else if c == b'_' && any && ok(lx.peek(1)) {
                    lx.pos += 1;
                } else if c == b'_' {
                    return Err(lx.err_at("invalid decimal literal", lx.pos));
                } else {
                    return Ok(any);
                }
            }
        };
        if s[self.pos] == b'0' && matches!(self.peek(1) | 0x20, b'x' | b'o' | b'b') {
            let kind = self.peek(1) | 0x20;
            self.pos += 2;
            if self.peek(0) == b'_' {
                self.pos += 1;
            }
            let ok: &dyn Fn(u8) -> bool = match kind {
                b'x' => &|c: u8| c.is_ascii_hexdigit(),
                b'o' => &|c: u8| (b'0'..=b'7').contains(&c),
                _ => &|c: u8| c == b'0' || c == b'1',
            };
            let any = digits(self, ok)?;
            let name = match kind {
                b'x' => "hexadecimal",
                b'o' => "octal",
                _ => "binary",
            };
            if !any || self.peek(0).is_ascii_alphanumeric() {
                let c = self.peek(0);
                if any && c.is_ascii_digit() {
                    return Err(self.err_at(
                        format!("invalid digit '{}' in {name} literal", c as char),
                        self.pos,
                    ));
                }
                return Err(self.err_at(format!("invalid {name} literal"), self.pos));
            }
        } else {
            let leading_zero = s[self.pos] == b'0';
            let int_start = self.pos;
            digits(self, &|c: u8| c.is_ascii_digit())?;
            let mut is_float = false;
            if self.peek(0) == b'.' {
                is_float = true;
                self.pos += 1;
                if self.peek(0).is_ascii_digit() {
                    digits(self, &|c: u8| c.is_ascii_digit())?;
                }
            }
            if self.peek(0) | 0x20 == b'e' {
                let save = self.pos;
                self.pos += 1;
                if matches!(self.peek(0), b'+' | b'-') {
                    self.pos += 1;
                }
                if self.peek(0).is_ascii_digit() {
                    digits(self, &|c: u8| c.is_ascii_digit())?;
                    is_float = true;
                } else {
                    self.pos = save;
                    return Err(self.err_at("invalid decimal literal", save));
                }
            }
            if self.peek(0) | 0x20 == b'j' {
                self.pos += 1;
                is_float = true;
            }
            if !is_float && leading_zero {
                let text = &self.text[int_start..self.pos];
                if text.bytes().any(|c| c != b'0' && c != b'_') {
                    return Err(SyntaxErr::new(
                        "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                        l,
                        col,
                    )
                    .with_end(l, self.col_of(self.pos)));
                }
            }
        }
        let c = self.peek(0);
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            // `1if x else y` is allowed by CPython with a warning for some
            // keywords; the subset rejects letters after a number.
            let word = &self.text[self.pos..];
            let kw = ["and", "else", "for", "if", "in", "is", "not", "or"];
            if !kw.iter().any(|k| word.starts_with(k)) {
                return Err(self.err_at("invalid decimal literal", start));
            }
        }
        self.push(Tok::Number, Op::None, start, l, col);
        Ok(())
    }

    /// A string starting at `start` (its prefix, if any, begins there; the
    /// quote is at `self.pos` after the prefix).
    fn string(&mut self, start: usize) -> Result<(), SyntaxErr> {
        let (l, col) = (self.line, self.col_of(start));
        while !matches!(self.peek(0), b'"' | b'\'') {
            self.pos += 1;
        }
        let prefix = self.text[start..self.pos].to_ascii_lowercase();
        let raw = prefix.contains('r');
        let is_f = prefix.contains('f');
        let q = self.peek(0);
        let triple = self.peek(1) == q && self.peek(2) == q;
        self.pos += if triple { 3 } else { 1 };
        let mut depth = 0usize; // f-string braces
        loop {
            let Some(&c) = self.src.get(self.pos) else {
                let msg = if triple {
                    format!(
                        "unterminated triple-quoted string literal (detected at line {})",
                        self.line
                    )
                } else {
                    format!(
                        "unterminated string literal (detected at line {})",
                        self.line
                    )
                };
                return Err(SyntaxErr::new(msg, l, col));
            };
            let next = self.peek(1);
            let protects = if raw {
                next == q || next == b'\\' || next == b'\n' || next == b'\r'
            } else {
                !(is_f && (next == b'{' || next == b'}'))
            };
            if c == b'\\' && protects && self.pos + 1 < self.src.len() {
                // Escapes (and in raw strings, a backslash still protects
                // the next character from ending the string).
                self.pos += 1;
                match self.peek(0) {
                    b'\r' => {
                        self.pos += if self.peek(1) == b'\n' { 2 } else { 1 };
                        self.newline();
                    }
                    b'\n' => {
                        self.pos += 1;
                        self.newline();
                    }
                    0 if self.pos >= self.src.len() => {}
                    _ => {
                        let ch = self.text[self.pos..]
                            .chars()
                            .next()
                            .map_or(1, char::len_utf8);
                        self.pos += ch;
                    }
                }
                continue;
            }
            if c == b'\n' || c == b'\r' {
                if !triple && depth == 0 {
                    return Err(SyntaxErr::new(
                        format!(
                            "unterminated string literal (detected at line {})",
                            self.line
                        ),
                        l,
                        col,
                    ));
                }
                self.pos += if c == b'\r' && self.peek(1) == b'\n' {
                    2
                } else {
                    1
                };
                self.newline();
                continue;
            }
            if is_f && (c == b'{' || c == b'}') {
                if self.peek(1) == c && depth == 0 {
                    self.pos += 2;
                    continue;
                }
                if c == b'{' {
                    depth += 1;
                } else {
                    depth = depth.saturating_sub(1);
                }
                self.pos += 1;
                continue;
            }
            if c == q && depth == 0 {
                if triple {
                    if self.peek(1) == q && self.peek(2) == q {
                        self.pos += 3;
                        break;
                    }
                } else {
                    self.pos += 1;
                    break;
                }
            } else if depth > 0 && is_f && (c == b'\'' || c == b'"') {
                // A string nested in a replacement field (PEP 701 allows
                // reusing the quote): skip it whole.
                let nq = c;
                let ntriple = self.peek(1) == nq && self.peek(2) == nq;
                let mut p = self.pos + if ntriple { 3 } else { 1 };
                let mut closed = false;
                while p < self.src.len() {
                    let d = self.src[p];
                    if d == b'\\' {
                        p += 2;
                        continue;
                    }
                    if d == nq
                        && (!ntriple
                            || (self.src.get(p + 1) == Some(&nq)
                                && self.src.get(p + 2) == Some(&nq)))
                    {
                        p += if ntriple { 3 } else { 1 };
                        closed = true;
                        break;
                    }
                    if d == b'\n' && !ntriple {
                        break;
                    }
                    p += 1;
                }
                if closed {
                    // Count the lines crossed by a triple-quoted one.
                    for k in self.pos..p {
                        if self.src[k] == b'\n' {
                            self.line += 1;
                            self.line_start = k + 1;
                        }
                    }
                    self.pos = p;
                    continue;
                }
            }
            let ch = self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
            self.pos += ch;
        }
        self.push(Tok::String, Op::None, start, l, col);
        Ok(())
    }
}
