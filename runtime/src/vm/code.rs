//! Bytecode: opcodes and code objects.
//!
//! Like CPython 3.13's, with a few simplifications: every instruction is
//! an opcode and a 32-bit argument (no EXTENDED_ARG), jumps are absolute
//! instruction indices, and exception handling uses a table (CPython's
//! "zero-cost" exceptions): entering a `try` costs nothing.
//!
//! Call protocol: the callee is below a "self or undef" slot and the
//! arguments: `[callable, self_or_undef, arg1 … argN]`. `LoadMethod` fills
//! the self slot so a method call allocates no bound method.

use std::rc::Rc;

use super::ast::Loc;
use super::object::Value;

/// Opcodes. The comment on each is its stack effect `(before -- after)`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `( -- )`.
    Nop,
    /// `(x -- )`.
    PopTop,
    /// `(… x … -- … x … x)`: copies the arg-th value from the top (1 = TOS).
    Copy,
    /// `(… a … b -- … b … a)`: swaps TOS with the arg-th value.
    Swap,
    /// `( -- undef)`: the empty self slot of a call.
    PushUndef,
    /// `( -- consts[arg])`.
    LoadConst,
    /// `( -- locals[arg])`; UnboundLocalError if unbound.
    LoadFast,
    /// `(v -- )`: `locals[arg] = v`.
    StoreFast,
    /// `LoadFast` whose next instruction is `LoadConst`: when not tracing,
    /// the eval loop runs both at once (and a following numeric
    /// `BinaryOp`/`CompareOp`), then skips them. The fused-over
    /// instructions stay in place, so jumps, line numbers and tracing see
    /// the plain sequence. Effect as `LoadFast`.
    LoadFastLoadConst,
    /// `LoadFast` followed by `LoadFast`, fused the same way.
    LoadFastLoadFast,
    /// `( -- )`: `del locals[arg]`.
    DeleteFast,
    /// `( -- cell[arg].value)`: cells and free variables.
    LoadDeref,
    /// `(v -- )`.
    StoreDeref,
    /// `( -- )`.
    DeleteDeref,
    /// `( -- cell[arg])`: the cell itself, for a closure.
    LoadClosure,
    /// `( -- globals/builtins[names[arg]])`.
    LoadGlobal,
    /// `(v -- )`.
    StoreGlobal,
    /// `( -- )`.
    DeleteGlobal,
    /// `( -- v)`: locals dict, then globals, then builtins (module and
    /// class bodies).
    LoadName,
    /// `(v -- )`.
    StoreName,
    /// `( -- )`.
    DeleteName,
    /// `(obj -- obj.names[arg])`.
    LoadAttr,
    /// `(obj -- meth self | attr undef)`.
    LoadMethod,
    /// `(v obj -- )`: `obj.names[arg] = v`.
    StoreAttr,
    /// `(obj -- )`.
    DeleteAttr,
    /// `(container key -- container[key])`.
    BinarySubscr,
    /// `(v container key -- )`.
    StoreSubscr,
    /// `(container key -- )`.
    DeleteSubscr,
    /// `(a b -- a op b)`; arg: [`BinKind`] (+16 for in-place).
    BinaryOp,
    /// `(a -- op a)`; arg: 0 neg, 1 pos, 2 invert, 3 not.
    UnaryOp,
    /// `(a b -- a cmp b)`; arg: [`CmpKind`].
    CompareOp,
    /// `(a b -- a is b)`; arg 1: `is not`.
    IsOp,
    /// `(a b -- a in b)`; arg 1: `not in`.
    ContainsOp,
    /// `(v1 … vn -- tuple)`.
    BuildTuple,
    /// `(v1 … vn -- list)`.
    BuildList,
    /// `(v1 … vn -- set)`.
    BuildSet,
    /// `(k1 v1 … kn vn -- dict)`.
    BuildMap,
    /// `(v1 … vn keys -- dict)`: `keys` a tuple of n constants (CPython's
    /// BUILD_CONST_KEY_MAP).
    BuildConstKeyMap,
    /// `(s1 … sn -- str)`: f-string pieces.
    BuildString,
    /// `(start stop [step] -- slice)`; arg 2 or 3.
    BuildSlice,
    /// `(… list … v -- … list …)`: appends v to the list arg deep.
    ListAppend,
    /// `(… set … v -- … set …)`.
    SetAdd,
    /// `(… dict … k v -- … dict …)`.
    MapAdd,
    /// `(… list … iterable -- … list …)`.
    ListExtend,
    /// `(… set … iterable -- … set …)`.
    SetUpdate,
    /// `(… dict … mapping -- … dict …)`.
    DictUpdate,
    /// `(… callable … dict … mapping -- …)`: `**mapping` in a call
    /// (duplicate keys are errors).
    DictMerge,
    /// `(list -- tuple)`.
    ListToTuple,
    /// `(seq -- vn … v1)`.
    UnpackSequence,
    /// `(seq -- …)`: starred; arg = before | after << 8.
    UnpackEx,
    /// `(v [spec] -- str)`; arg: conversion (0 none, 1 str, 2 repr, 3
    /// ascii) | 4 if a spec is on the stack.
    FormatValue,
    /// `(iterable -- iterator)`.
    GetIter,
    /// `(iter -- iter next)`, or pops iter and jumps to arg at the end.
    ForIter,
    /// Jump to arg.
    Jump,
    /// Jump back to arg (an eval-breaker check point).
    JumpBackward,
    /// `(v -- )`: jump to arg if false.
    PopJumpIfFalse,
    /// `(v -- )`: jump to arg if true.
    PopJumpIfTrue,
    /// `(v -- )`: jump if None.
    PopJumpIfNone,
    /// `(v -- )`: jump if not None.
    PopJumpIfNotNone,
    /// `(v -- v)` and jump if false, else `(v -- )`.
    JumpIfFalseOrPop,
    /// `(v -- v)` and jump if true, else `(v -- )`.
    JumpIfTrueOrPop,
    /// `(callable self a1 … an -- result)`.
    Call,
    /// `(callable self a1 … an kwnames -- result)`: the last
    /// `len(kwnames)` arguments are keywords.
    CallKw,
    /// `(callable self args_tuple [kwargs_dict] -- result)`; arg 1 if a
    /// kwargs dict is present.
    CallEx,
    /// `(code [defaults] [kwdefaults] [closure] -- function)`; arg flags:
    /// 1 defaults, 2 kwdefaults, 8 closure.
    MakeFunction,
    /// `(body_function name base1 … basen -- class)`; arg n; kwnames
    /// variant via `BuildClassKw`.
    BuildClass,
    /// `(body name bases… kwnames -- class)`.
    BuildClassKw,
    /// `(v -- )`: returns v.
    ReturnValue,
    /// `( -- )`: returns the constant of the `LoadConst; ReturnValue` at
    /// arg. The compiler's last pass makes each `Jump` to such a pair one,
    /// on the jump's line (CPython duplicates such exit blocks: a
    /// function's implicit `return None` is on the line that reached it).
    /// Not in the loop's fast path: where nothing can see the line (no
    /// tracing, no frame object) it goes on to the pair's `ReturnValue`.
    ReturnConst,
    /// `(v -- sent)`: a generator yields v.
    YieldValue,
    /// `(iter sent -- iter)` yielding, or `(iter sent -- result)`: one
    /// step of `yield from`.
    YieldFrom,
    /// Raise: arg 0 re-raise the handled exception, 1 `(exc -- )`, 2
    /// `(exc cause -- )`.
    RaiseVarargs,
    /// `(exc -- )`: re-raise exc keeping its traceback (cleanup handlers).
    Reraise,
    /// `(exc -- prev exc)`: enter an except block.
    PushExcInfo,
    /// `(prev -- )`: leave an except block, restoring the handled exception.
    PopExcept,
    /// `(exc type -- exc bool)`.
    CheckExcMatch,
    /// `(exc -- type exc tb)`.
    ExcInfo,
    /// `( -- AssertionError)`.
    LoadAssertionError,
    /// `(mgr -- exit enter mgr)`: the with-statement's special lookups.
    BeforeWith,
    /// `(level fromlist -- module)`: `import names[arg]`.
    ImportName,
    /// `(module -- module attr)`.
    ImportFrom,
    /// `(module -- )`: `from module import *`.
    ImportStar,
    /// `( -- )`: `__annotations__ = {}` in module and class bodies.
    SetupAnnotations,
    /// `(exc -- )` from a generator: converts StopIteration (PEP 479).
    StopIterationError,
    /// `(v -- )`: prints the value of an expression statement (REPL).
    PrintExpr,
    /// `( -- locals)`: `locals()` of a class body (for `__classcell__`).
    LoadLocals,
    /// Raises SyntaxError-like NotImplementedError naming names[arg]:
    /// a construct the compiler accepted only to fail when reached.
    Unsupported,
}

impl Op {
    /// True for jumps whose argument is an instruction index.
    pub fn is_jump(self) -> bool {
        matches!(
            self,
            Op::ForIter
                | Op::Jump
                | Op::JumpBackward
                | Op::PopJumpIfFalse
                | Op::PopJumpIfTrue
                | Op::PopJumpIfNone
                | Op::PopJumpIfNotNone
                | Op::JumpIfFalseOrPop
                | Op::JumpIfTrueOrPop
        )
    }
}

/// Binary operator kinds (`BinaryOp` arg).
#[allow(missing_docs)]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinKind {
    Add = 0,
    Sub,
    Mul,
    MatMul,
    TrueDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    Or,
    Xor,
    And,
    FloorDiv,
}

impl BinKind {
    /// From the low bits of a `BinaryOp` arg.
    pub fn from_arg(a: u32) -> BinKind {
        use BinKind::*;
        match a & 15 {
            0 => Add,
            1 => Sub,
            2 => Mul,
            3 => MatMul,
            4 => TrueDiv,
            5 => Mod,
            6 => Pow,
            7 => LShift,
            8 => RShift,
            9 => Or,
            10 => Xor,
            11 => And,
            _ => FloorDiv,
        }
    }

    /// The operator symbol.
    pub fn symbol(self) -> &'static str {
        use BinKind::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            MatMul => "@",
            TrueDiv => "/",
            Mod => "%",
            Pow => "** or pow()",
            LShift => "<<",
            RShift => ">>",
            Or => "|",
            Xor => "^",
            And => "&",
            FloorDiv => "//",
        }
    }

    /// `__add__` and friends, with the reflected and in-place names.
    pub fn dunders(self) -> (&'static str, &'static str, &'static str) {
        use BinKind::*;
        match self {
            Add => ("__add__", "__radd__", "__iadd__"),
            Sub => ("__sub__", "__rsub__", "__isub__"),
            Mul => ("__mul__", "__rmul__", "__imul__"),
            MatMul => ("__matmul__", "__rmatmul__", "__imatmul__"),
            TrueDiv => ("__truediv__", "__rtruediv__", "__itruediv__"),
            Mod => ("__mod__", "__rmod__", "__imod__"),
            Pow => ("__pow__", "__rpow__", "__ipow__"),
            LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
            RShift => ("__rshift__", "__rrshift__", "__irshift__"),
            Or => ("__or__", "__ror__", "__ior__"),
            Xor => ("__xor__", "__rxor__", "__ixor__"),
            And => ("__and__", "__rand__", "__iand__"),
            FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
        }
    }
}

/// Comparison kinds (`CompareOp` arg).
#[allow(missing_docs)]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    Lt = 0,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl CmpKind {
    /// From a `CompareOp` arg.
    pub fn from_arg(a: u32) -> CmpKind {
        match a {
            0 => CmpKind::Lt,
            1 => CmpKind::Le,
            2 => CmpKind::Eq,
            3 => CmpKind::Ne,
            4 => CmpKind::Gt,
            _ => CmpKind::Ge,
        }
    }

    /// The operator symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpKind::Lt => "<",
            CmpKind::Le => "<=",
            CmpKind::Eq => "==",
            CmpKind::Ne => "!=",
            CmpKind::Gt => ">",
            CmpKind::Ge => ">=",
        }
    }

    /// The dunder and its reflection.
    pub fn dunders(self) -> (&'static str, &'static str) {
        match self {
            CmpKind::Lt => ("__lt__", "__gt__"),
            CmpKind::Le => ("__le__", "__ge__"),
            CmpKind::Eq => ("__eq__", "__eq__"),
            CmpKind::Ne => ("__ne__", "__ne__"),
            CmpKind::Gt => ("__gt__", "__lt__"),
            CmpKind::Ge => ("__ge__", "__le__"),
        }
    }

    /// The swapped comparison (`a < b` is `b > a`).
    pub fn swapped(self) -> CmpKind {
        match self {
            CmpKind::Lt => CmpKind::Gt,
            CmpKind::Le => CmpKind::Ge,
            CmpKind::Eq => CmpKind::Eq,
            CmpKind::Ne => CmpKind::Ne,
            CmpKind::Gt => CmpKind::Lt,
            CmpKind::Ge => CmpKind::Le,
        }
    }
}

/// One instruction.
#[derive(Clone, Copy, Debug)]
pub struct Instr {
    /// Opcode.
    pub op: Op,
    /// Argument.
    pub arg: u32,
}

/// An exception-table entry: an exception raised by an instruction in
/// `start..end` jumps to `target` with the stack cut to `depth` values
/// (above the locals) and the exception pushed.
#[derive(Clone, Copy, Debug)]
pub struct ExcEntry {
    /// First covered instruction.
    pub start: u32,
    /// After the last covered instruction.
    pub end: u32,
    /// Handler.
    pub target: u32,
    /// Stack depth to restore.
    pub depth: u32,
}

/// Code flags (`co_flags` subset).
pub mod flags {
    /// A function (has fast locals).
    pub const OPTIMIZED: u32 = 0x1;
    /// `*args`.
    pub const VARARGS: u32 = 0x4;
    /// `**kwargs`.
    pub const VARKEYWORDS: u32 = 0x8;
    /// A nested function.
    pub const NESTED: u32 = 0x10;
    /// A generator.
    pub const GENERATOR: u32 = 0x20;
    /// Has no free or cell variables.
    pub const NOFREE: u32 = 0x40;
    /// pyrt: a comprehension compiled as a function but behaving as
    /// CPython 3.12's inlined ones (no frame in tracebacks or traces).
    pub const INLINED: u32 = 0x1000_0000;
    /// pyrt: a class body.
    pub const CLASS_BODY: u32 = 0x2000_0000;
    /// pyrt: a module body.
    pub const MODULE: u32 = 0x4000_0000;
}

/// A code object.
#[derive(Debug)]
pub struct Code {
    /// Instructions.
    pub instrs: Vec<Instr>,
    /// Source position of each instruction.
    pub locs: Vec<Loc>,
    /// For each instruction, whether a 'line' event can fire before it:
    /// the first one, one on another line than the instruction before
    /// it, a jump or exception-handler target (the compiler's
    /// `line_starts`). Control reaches any other only from the
    /// instruction just before it, on the same line, so the traced loop
    /// skips its line check (as CPython 3.12+ instruments only the
    /// instructions that start a line).
    pub line_starts: Vec<bool>,
    /// Constants.
    pub consts: Vec<Value>,
    /// Names (globals, attributes, imports).
    pub names: Vec<Value>,
    /// Local variable names (arguments first).
    pub varnames: Vec<Rc<str>>,
    /// Cell variable names (locals captured by inner functions).
    pub cellvars: Vec<Rc<str>>,
    /// Free variable names (captured from outer functions).
    pub freevars: Vec<Rc<str>>,
    /// For each cell variable that is also an argument, its local index.
    pub cell2arg: Vec<Option<u32>>,
    /// Positional parameter count (including positional-only).
    pub argcount: u32,
    /// Positional-only parameter count.
    pub posonlyargcount: u32,
    /// Keyword-only parameter count.
    pub kwonlyargcount: u32,
    /// `co_flags`.
    pub flags: u32,
    /// Function name.
    pub name: Rc<str>,
    /// Qualified name.
    pub qualname: Rc<str>,
    /// File name.
    pub filename: Rc<str>,
    /// First line.
    pub firstlineno: u32,
    /// Exception table.
    pub exc_table: Vec<ExcEntry>,
    /// Deepest operand stack.
    pub stacksize: u32,
    /// The source text (for tracebacks).
    pub source: Option<Rc<str>>,
    /// Positional parameters only, no cells of its own (free variables
    /// are fine: `enter_simple` copies the closure in), not a generator: a
    /// call with exactly `argcount` positional arguments needs no argument
    /// binding.
    pub simple_call: bool,
    /// Global-lookup caches, one per `LoadGlobal`.
    pub global_cache: Vec<std::cell::RefCell<GlobalCache>>,
    /// Attribute caches, one per `LoadAttr`/`LoadMethod`/`StoreAttr`/`DeleteAttr`
    /// (their arg: name index | cache index << 16).
    pub attr_cache: super::attr_cache::AttrCaches,
    /// `name` and `qualname` as (interned) strs, which every function made
    /// from this code shares (CPython's `co_name`, `co_qualname`).
    pub name_strs: (Value, Value),
}

/// The (name index, cache index) of a name instruction with an inline
/// cache (LoadGlobal/LoadName, LoadAttr/LoadMethod/StoreAttr/DeleteAttr), whose arg
/// the compiler packs as name | cache << 16.
#[inline(always)]
pub fn cached_name_parts(arg: u32) -> (usize, usize) {
    ((arg & 0xFFFF) as usize, (arg >> 16) as usize)
}

/// A `LoadGlobal` inline cache: where the name was found, valid while
/// neither dict's keys changed (CPython's `LOAD_GLOBAL_MODULE` /
/// `LOAD_GLOBAL_BUILTIN`): rebinding a global keeps it valid.
#[derive(Clone, Debug, Default)]
pub struct GlobalCache {
    /// Globals dict keys version when cached (0: empty cache).
    pub globals_keys: u64,
    /// Builtins dict keys version when cached.
    pub builtins_keys: u64,
    /// Found in builtins (else in globals).
    pub in_builtins: bool,
    /// Its entry index there.
    pub index: usize,
}

impl Code {
    /// Number of fast locals.
    pub fn nlocals(&self) -> usize {
        self.varnames.len()
    }

    /// Local slots plus cells and free variables.
    pub fn nslots(&self) -> usize {
        self.varnames.len() + self.cellvars.len() + self.freevars.len()
    }

    /// The line of instruction `i` (0 for none).
    pub fn line_of(&self, i: usize) -> u32 {
        self.locs.get(i).map_or(self.firstlineno, |l| l.line)
    }

    /// The exception handler for instruction `i`.
    pub fn handler_for(&self, i: usize) -> Option<ExcEntry> {
        let i = i as u32;
        // Entries are emitted innermost-first for nested ranges.
        self.exc_table
            .iter()
            .copied()
            .find(|e| e.start <= i && i < e.end)
    }

    /// A listing of the instructions (`_pyrt.dis`): one line per
    /// instruction with its line number, then nested code objects.
    pub fn disassemble(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            out,
            "code {} ({}:{})",
            self.qualname, self.filename, self.firstlineno
        );
        for (i, ins) in self.instrs.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:>5} {:>4} {:?} {}",
                self.line_of(i),
                i,
                ins.op,
                ins.arg
            );
        }
        for e in &self.exc_table {
            let _ = writeln!(
                out,
                "  handler {}..{} -> {} depth {}",
                e.start, e.end, e.target, e.depth
            );
        }
        for c in &self.consts {
            if let Value::Obj(o) = c
                && let super::object::ObjKind::Code(inner) = &o.kind
            {
                inner.disassemble(out);
            }
        }
    }

    /// True if this is a generator function's code.
    pub fn is_generator(&self) -> bool {
        self.flags & flags::GENERATOR != 0
    }
}
