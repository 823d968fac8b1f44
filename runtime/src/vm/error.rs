//! Compile-time errors: `SyntaxError` and its subclasses as the front end
//! reports them, before they become Python exception objects.

/// Which `SyntaxError` class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxKind {
    /// `SyntaxError`.
    Syntax,
    /// `IndentationError`.
    Indentation,
    /// `TabError`.
    Tab,
}

impl SyntaxKind {
    /// The class name.
    pub fn name(self) -> &'static str {
        match self {
            SyntaxKind::Syntax => "SyntaxError",
            SyntaxKind::Indentation => "IndentationError",
            SyntaxKind::Tab => "TabError",
        }
    }
}

/// A syntax error with CPython's message and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxErr {
    /// The message (`msg`).
    pub msg: String,
    /// 1-based line.
    pub line: u32,
    /// 0-based byte column.
    pub col: u32,
    /// End line and byte column, when CPython reports a range.
    pub end: Option<(u32, u32)>,
    /// Class.
    pub kind: SyntaxKind,
    /// Raised by the tokenizer (CPython then reports no end offset).
    pub from_tokenizer: bool,
}

impl SyntaxErr {
    /// A `SyntaxError` at (`line`, `col`).
    pub fn new(msg: impl Into<String>, line: u32, col: u32) -> SyntaxErr {
        SyntaxErr {
            msg: msg.into(),
            line,
            col,
            end: None,
            kind: SyntaxKind::Syntax,
            from_tokenizer: false,
        }
    }

    /// With an end position.
    #[must_use]
    pub fn with_end(mut self, line: u32, col: u32) -> SyntaxErr {
        self.end = Some((line, col));
        self
    }

    /// As an `IndentationError`.
    #[must_use]
    pub fn indentation(mut self) -> SyntaxErr {
        self.kind = SyntaxKind::Indentation;
        self
    }
}

impl std::fmt::Display for SyntaxErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} (line {})", self.kind.name(), self.msg, self.line)
    }
}
