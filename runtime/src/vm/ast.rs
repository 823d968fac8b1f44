//! The syntax tree, shaped like CPython's `ast` module (3.13) so the two
//! can be compared node for node (`ast_dump`). Only the subset's nodes
//! exist; positions are CPython's (1-based lines, 0-based UTF-8 byte
//! columns, end positions exclusive).

use std::rc::Rc;

/// A source range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// First line.
    pub line: u32,
    /// First byte column.
    pub col: u32,
    /// Last line.
    pub end_line: u32,
    /// Byte column after the last byte.
    pub end_col: u32,
}

impl Loc {
    /// From `a`'s start to `b`'s end.
    pub fn span(a: Loc, b: Loc) -> Loc {
        Loc {
            line: a.line,
            col: a.col,
            end_line: b.end_line,
            end_col: b.end_col,
        }
    }
}

/// Expression context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// `Load()`.
    Load,
    /// `Store()`.
    Store,
    /// `Del()`.
    Del,
}

/// Binary operators (`operator`).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mult,
    MatMult,
    Div,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
    FloorDiv,
}

impl BinOp {
    /// The node name.
    pub fn name(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "Add",
            Sub => "Sub",
            Mult => "Mult",
            MatMult => "MatMult",
            Div => "Div",
            Mod => "Mod",
            Pow => "Pow",
            LShift => "LShift",
            RShift => "RShift",
            BitOr => "BitOr",
            BitXor => "BitXor",
            BitAnd => "BitAnd",
            FloorDiv => "FloorDiv",
        }
    }

    /// The operator's symbol (for error messages).
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mult => "*",
            MatMult => "@",
            Div => "/",
            Mod => "%",
            Pow => "**",
            LShift => "<<",
            RShift => ">>",
            BitOr => "|",
            BitXor => "^",
            BitAnd => "&",
            FloorDiv => "//",
        }
    }
}

/// Unary operators.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Invert,
    Not,
    UAdd,
    USub,
}

/// `and` / `or`.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

/// Comparison operators.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    /// The node name.
    pub fn name(self) -> &'static str {
        use CmpOp::*;
        match self {
            Eq => "Eq",
            NotEq => "NotEq",
            Lt => "Lt",
            LtE => "LtE",
            Gt => "Gt",
            GtE => "GtE",
            Is => "Is",
            IsNot => "IsNot",
            In => "In",
            NotIn => "NotIn",
        }
    }
}

/// A constant's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An int (decimal digits, sign included; parsed later).
    Int(Rc<str>),
    /// A float.
    Float(f64),
    /// An imaginary literal (outside the subset; kept for the tree).
    Complex(f64),
    /// A str (generalized UTF-8: lone surrogates from `\ud800` escapes).
    Str(Rc<[u8]>),
    /// A bytes literal.
    Bytes(Rc<[u8]>),
    /// `...`.
    Ellipsis,
}

/// An expression node.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub loc: Loc,
}

/// Expression kinds.
#[allow(missing_docs)]
#[derive(Clone, Debug)]
pub enum ExprKind {
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    NamedExpr {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Lambda {
        args: Box<Arguments>,
        body: Box<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `keys[i]` is `None` for a `**mapping` item.
    Dict {
        keys: Vec<Option<Expr>>,
        values: Vec<Expr>,
    },
    Set {
        elts: Vec<Expr>,
    },
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    SetComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    GeneratorExp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    Await {
        value: Box<Expr>,
    },
    Yield {
        value: Option<Box<Expr>>,
    },
    YieldFrom {
        value: Box<Expr>,
    },
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    /// `conversion`: -1, or `'s'`/`'r'`/`'a'` as a code point.
    FormattedValue {
        value: Box<Expr>,
        conversion: i32,
        format_spec: Option<Box<Expr>>,
    },
    JoinedStr {
        values: Vec<Expr>,
    },
    Constant {
        value: Constant,
        kind_u: bool,
    },
    Attribute {
        value: Box<Expr>,
        attr: Rc<str>,
        ctx: Ctx,
    },
    Subscript {
        value: Box<Expr>,
        slice: Box<Expr>,
        ctx: Ctx,
    },
    Starred {
        value: Box<Expr>,
        ctx: Ctx,
    },
    Name {
        id: Rc<str>,
        ctx: Ctx,
    },
    List {
        elts: Vec<Expr>,
        ctx: Ctx,
    },
    Tuple {
        elts: Vec<Expr>,
        ctx: Ctx,
    },
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
}

/// `comprehension`.
#[derive(Clone, Debug)]
pub struct Comprehension {
    /// The loop target.
    pub target: Expr,
    /// The iterable.
    pub iter: Expr,
    /// Conditions.
    pub ifs: Vec<Expr>,
    /// `async for`.
    pub is_async: bool,
}

/// `keyword` (`arg` `None` for `**kwargs`).
#[derive(Clone, Debug)]
pub struct Keyword {
    /// The name.
    pub arg: Option<Rc<str>>,
    /// The value.
    pub value: Expr,
    /// Where.
    pub loc: Loc,
}

/// `arg`.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The name.
    pub arg: Rc<str>,
    /// Its annotation.
    pub annotation: Option<Box<Expr>>,
    /// Where.
    pub loc: Loc,
}

/// `arguments`.
#[derive(Clone, Debug, Default)]
pub struct Arguments {
    /// Positional-only parameters.
    pub posonlyargs: Vec<Arg>,
    /// Positional-or-keyword parameters.
    pub args: Vec<Arg>,
    /// `*args`.
    pub vararg: Option<Arg>,
    /// Keyword-only parameters.
    pub kwonlyargs: Vec<Arg>,
    /// Their defaults (`None`: required).
    pub kw_defaults: Vec<Option<Expr>>,
    /// `**kwargs`.
    pub kwarg: Option<Arg>,
    /// Defaults of the last positional parameters.
    pub defaults: Vec<Expr>,
}

/// `alias`.
#[derive(Clone, Debug)]
pub struct Alias {
    /// Dotted name (or `*`).
    pub name: Rc<str>,
    /// `as` name.
    pub asname: Option<Rc<str>>,
    /// Where.
    pub loc: Loc,
}

/// `withitem`.
#[derive(Clone, Debug)]
pub struct WithItem {
    /// The context manager.
    pub context_expr: Expr,
    /// The `as` target.
    pub optional_vars: Option<Expr>,
}

/// `ExceptHandler`.
#[derive(Clone, Debug)]
pub struct ExceptHandler {
    /// The class (or tuple) matched.
    pub typ: Option<Expr>,
    /// `as` name.
    pub name: Option<Rc<str>>,
    /// The handler body.
    pub body: Vec<Stmt>,
    /// Where.
    pub loc: Loc,
}

/// A statement node.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Where.
    pub loc: Loc,
}

/// Statement kinds.
#[allow(missing_docs)]
#[derive(Clone, Debug)]
pub enum StmtKind {
    FunctionDef {
        name: Rc<str>,
        args: Box<Arguments>,
        body: Vec<Stmt>,
        decorator_list: Vec<Expr>,
        returns: Option<Box<Expr>>,
        is_async: bool,
    },
    ClassDef {
        name: Rc<str>,
        bases: Vec<Expr>,
        keywords: Vec<Keyword>,
        body: Vec<Stmt>,
        decorator_list: Vec<Expr>,
    },
    Return {
        value: Option<Expr>,
    },
    Delete {
        targets: Vec<Expr>,
    },
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
        simple: bool,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        is_async: bool,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
        is_async: bool,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
        star: bool,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Import {
        names: Vec<Alias>,
    },
    ImportFrom {
        module: Option<Rc<str>>,
        names: Vec<Alias>,
        level: u32,
    },
    Global {
        names: Vec<Rc<str>>,
    },
    Nonlocal {
        names: Vec<Rc<str>>,
    },
    Expr {
        value: Expr,
    },
    Pass,
    Break,
    Continue,
    /// A statement outside the subset (`match`, `type`, …), kept so the
    /// compiler can name it in its error.
    Unsupported {
        what: &'static str,
    },
}

/// A parsed module.
#[derive(Clone, Debug)]
pub struct Module {
    /// Its statements.
    pub body: Vec<Stmt>,
}
