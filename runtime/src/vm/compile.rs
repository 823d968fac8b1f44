//! The compiler: syntax tree to code objects (Python/compile.c and
//! Python/codegen.c, 3.13, for the subset).
//!
//! One pass over the tree per scope, with a static stack-depth count so
//! exception-table entries know what to cut the stack back to. `break`,
//! `continue` and `return` inside `try/finally` and `with` run the
//! cleanup inline, as CPython does.

use std::rc::Rc;

use num_bigint::BigInt;

use super::ast::*;
use super::code::{BinKind, CmpKind, Code, ExcEntry, GlobalCache, Instr, Op, flags};
use super::error::SyntaxErr;
use super::object::Value;
use super::symtable::{Access, Scope, ScopeKind};

/// Compile-time choices (`-O`, interactive mode).
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions {
    /// `sys.flags.optimize`: asserts are removed and `__debug__` is false
    /// when ≥ 1.
    pub optimize: u8,
    /// Interactive: expression statements print their value.
    pub interactive: bool,
}

/// What a constant becomes: the compiler builds values through this so
/// it needs no heap itself.
pub trait ConstMaker {
    /// A str constant (generalized UTF-8).
    fn str(&mut self, s: &[u8]) -> Value;
    /// A name (attribute, global, keyword…) or an identifier-like str
    /// constant: interned where the maker can (CPython interns them).
    fn name(&mut self, s: &[u8]) -> Value {
        self.str(s)
    }
    /// A bytes constant.
    fn bytes(&mut self, b: &[u8]) -> Value;
    /// An int too big for `i64`.
    fn bigint(&mut self, v: BigInt) -> Value;
    /// A tuple of constants.
    fn tuple(&mut self, items: Vec<Value>) -> Value;
    /// A code object.
    fn code(&mut self, c: Code) -> Value;
    /// `...`.
    fn ellipsis(&mut self) -> Value;
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Label(usize);

#[derive(Clone, Debug)]
enum FBlock {
    /// A loop: continue target, break target, and whether a FOR iterator
    /// sits on the stack.
    Loop {
        cont: Label,
        brk: Label,
        for_loop: bool,
    },
    /// A `try` body with a `finally`.
    Finally(Rc<Vec<Stmt>>),
    /// Inside the body of a `finally` that runs after an exception (the
    /// exception and the handled-exception slot are on the stack).
    FinallyEnd,
    /// An `except` handler body: the previous handled exception is on the
    /// stack; `name` is unbound on exit.
    Handler { name: Option<Rc<str>> },
    /// A `with` body: the exit callable is on the stack.
    With,
    /// A `try`/`with` body covered by a handler (nothing to pop).
    Try,
}

struct Unit<'s> {
    scope: &'s Scope,
    /// Class bodies: names assigned as `self.NAME` in nested functions
    /// (`__static_attributes__`).
    static_attrs: std::collections::BTreeSet<Rc<str>>,
    instrs: Vec<Instr>,
    locs: Vec<Loc>,
    handler_of: Vec<Option<(Label, u32)>>,
    consts: Vec<Value>,
    names: Vec<(Rc<[u8]>, Value)>,
    /// Where each deduplicated constant is in `consts`.
    const_ix: std::collections::HashMap<ConstKey, u32>,
    /// Where each name is in `names` (a module may have many).
    name_ix: std::collections::HashMap<Rc<[u8]>, u32>,
    varnames: Vec<Rc<str>>,
    labels: Vec<Option<usize>>,
    label_depth: Vec<Option<u32>>,
    depth: u32,
    max_depth: u32,
    handlers: Vec<(Label, u32)>,
    fblocks: Vec<FBlock>,
    loc: Loc,
    qualname: Rc<str>,
    child: usize,
    n_global_cache: usize,
    /// Attribute caches so far (one per LoadAttr/LoadMethod/StoreAttr/DeleteAttr).
    n_attr_cache: usize,
    /// A name index past what LoadGlobal/LoadName encode (16 bits).
    too_many_names: bool,
    reachable: bool,
    /// Where the implicit `return None` at the end of a body starts (its
    /// `LoadConst`): the exit CPython duplicates at each jump to it.
    implicit_return: Option<usize>,
    /// The jumps back that close `for` and `while` loops, in order: on no
    /// line of their own (the line before them), copied to each jump to
    /// them.
    closing_jumps: Vec<usize>,
}

/// A constant that is stored once per code object, however often it
/// appears.
#[derive(Debug, PartialEq, Eq, Hash)]
enum ConstKey {
    None,
    Bool(bool),
    Int(i64),
    /// By its bits: `0.0` and `-0.0` stay two constants.
    Float(u64),
    Str(Rc<[u8]>),
}

/// The global-cache index that means "no cache".
const NO_CACHE: usize = 0xFFFF;

/// The compiler for one module.
pub struct Compiler<'a> {
    filename: Rc<str>,
    source: Option<Rc<str>>,
    opts: CompileOptions,
    maker: &'a mut dyn ConstMaker,
    units: Vec<Unit<'a>>,
}

impl std::fmt::Debug for Compiler<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler")
            .field("filename", &self.filename)
            .field("units", &self.units.len())
            .finish_non_exhaustive()
    }
}

/// Compiles a module.
pub fn compile_module(
    m: &Module,
    scope: &Scope,
    filename: &str,
    source: Option<Rc<str>>,
    opts: CompileOptions,
    maker: &mut dyn ConstMaker,
) -> Result<Code, SyntaxErr> {
    let mut c = Compiler {
        filename: Rc::from(filename),
        source,
        opts,
        maker,
        units: Vec::new(),
    };
    c.push_unit(scope, Rc::from("<module>"));
    // Module docstring.
    let mut body: &[Stmt] = &m.body;
    if let Some(first) = m.body.first()
        && let StmtKind::Expr { value } = &first.kind
        && let ExprKind::Constant {
            value: Constant::Str(s),
            ..
        } = &value.kind
        && !opts.interactive
    {
        if opts.optimize < 2 {
            c.set_loc(first.loc);
            let v = c.maker.str(s);
            c.emit_const(v);
            c.emit_name(Op::StoreName, "__doc__");
        }
        body = &m.body[1..];
    }
    if has_annotations(body) {
        c.emit(Op::SetupAnnotations, 0);
    }
    for s in body {
        c.stmt(s)?;
    }
    c.emit_implicit_return();
    c.finish_unit("<module>", 0, flags::MODULE, 1)
}

/// Compiles an expression (`eval`).
pub fn compile_expression(
    e: &Expr,
    scope: &Scope,
    filename: &str,
    opts: CompileOptions,
    maker: &mut dyn ConstMaker,
) -> Result<Code, SyntaxErr> {
    let mut c = Compiler {
        filename: Rc::from(filename),
        source: None,
        opts,
        maker,
        units: Vec::new(),
    };
    c.push_unit(scope, Rc::from("<module>"));
    c.expr(e)?;
    c.emit(Op::ReturnValue, 0);
    c.finish_unit("<module>", 0, flags::MODULE, 1)
}

fn has_annotations(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::AnnAssign { simple: true, .. } => true,
        StmtKind::If { body, orelse, .. }
        | StmtKind::While { body, orelse, .. }
        | StmtKind::For { body, orelse, .. } => has_annotations(body) || has_annotations(orelse),
        StmtKind::With { body, .. } => has_annotations(body),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            has_annotations(body)
                || handlers.iter().any(|h| has_annotations(&h.body))
                || has_annotations(orelse)
                || has_annotations(finalbody)
        }
        _ => false,
    })
}

/// CPython's duplicated exits, which take the line of the jump that
/// reaches them: a `Jump` to the implicit `return None` (its `LoadConst`
/// at `ret`) becomes a `ReturnConst` (see `Op::ReturnConst`), a `Jump` to
/// a loop's closing jump back a copy of it; a conditional jump to either
/// goes to a copy of its own, on its line, added at the end. (A `return`
/// statement or a `continue` has a line of its own: jumps to one stay.)
fn copy_exits(
    instrs: &mut Vec<Instr>,
    locs: &mut Vec<Loc>,
    handler_of: &mut Vec<Option<(Label, u32)>>,
    ret: Option<usize>,
    closing: &[usize],
) {
    debug_assert!(ret.is_none_or(|at| instrs.get(at).is_some_and(|i| i.op == Op::LoadConst)));
    for i in 0..instrs.len() {
        let ins = instrs[i];
        if !ins.op.is_jump() {
            continue;
        }
        let t = ins.arg as usize;
        let copy = if ret == Some(t) {
            Instr {
                op: Op::ReturnConst,
                arg: t as u32,
            }
        } else if closing.binary_search(&t).is_ok() {
            instrs[t]
        } else {
            continue;
        };
        if ins.op == Op::Jump {
            instrs[i] = copy;
            continue;
        }
        if !matches!(
            ins.op,
            Op::PopJumpIfFalse | Op::PopJumpIfTrue | Op::PopJumpIfNone | Op::PopJumpIfNotNone
        ) {
            continue;
        }
        instrs[i].arg = instrs.len() as u32;
        instrs.push(copy);
        locs.push(locs[i]);
        // (A loop's jump back checks for interrupts: it raises into the
        // handler its original is under.)
        handler_of.push(handler_of[t]);
    }
}

/// The location of instructions with no line (CPython's `--` in `dis`):
/// exception-handler entries and cleanups. No 'line' event fires on them,
/// and the next instruction with a line fires one.
const NO_LINE: Loc = Loc {
    line: 0,
    col: 0,
    end_line: 0,
    end_col: 0,
};

/// `Reraise`'s argument in cleanup blocks (CPython's `RERAISE` with a
/// nonzero oparg): the frame's line goes back to the instruction that
/// raised, for the 'return' event and `f_lineno` as the frame unwinds.
pub(crate) const RERAISE_AT_RAISE: u32 = 1;

/// Which instructions a 'line' event can fire before (see
/// `Code::line_starts`).
fn line_starts(instrs: &[Instr], locs: &[Loc], handlers: &[ExcEntry]) -> Vec<bool> {
    let line = |i: usize| locs.get(i).map(|l| l.line);
    let mut starts: Vec<bool> = (0..instrs.len())
        .map(|i| i == 0 || line(i) != line(i - 1))
        .collect();
    for ins in instrs {
        if ins.op.is_jump() {
            starts[ins.arg as usize] = true;
        }
    }
    for h in handlers {
        starts[h.target as usize] = true;
    }
    starts
}

fn stack_effect(op: Op, arg: u32, jump: bool) -> i32 {
    use Op::*;
    match op {
        Nop | Jump | JumpBackward | Swap | LoadAttr | UnaryOp | GetIter | ListToTuple
        | Unsupported | SetupAnnotations | ReturnConst => 0,
        PopTop | StoreFast | StoreDeref | StoreGlobal | StoreName | DeleteAttr | ReturnValue
        | Reraise | PopExcept | ImportStar | PrintExpr | StopIterationError => -1,
        Copy | PushUndef | LoadConst | LoadFast | LoadFastLoadConst | LoadFastLoadFast
        | LoadDeref | LoadClosure | LoadGlobal | LoadName | LoadAssertionError | LoadLocals => 1,
        DeleteFast | DeleteDeref | DeleteGlobal | DeleteName => 0,
        LoadMethod => 1,
        StoreAttr => -2,
        BinarySubscr => -1,
        StoreSubscr => -3,
        DeleteSubscr => -2,
        BinaryOp | CompareOp | IsOp | ContainsOp => -1,
        BuildTuple | BuildList | BuildSet | BuildString => 1 - arg as i32,
        BuildMap => 1 - 2 * arg as i32,
        BuildConstKeyMap => -(arg as i32),
        BuildSlice => 1 - arg as i32,
        ListAppend | SetAdd | ListExtend | SetUpdate | DictUpdate | DictMerge => -1,
        MapAdd => -2,
        UnpackSequence => arg as i32 - 1,
        UnpackEx => (arg & 0xFF) as i32 + (arg >> 8) as i32,
        FormatValue => {
            if arg & 4 != 0 {
                -1
            } else {
                0
            }
        }
        ForIter => {
            if jump {
                -1
            } else {
                1
            }
        }
        PopJumpIfFalse | PopJumpIfTrue | PopJumpIfNone | PopJumpIfNotNone => -1,
        JumpIfFalseOrPop | JumpIfTrueOrPop => {
            if jump {
                0
            } else {
                -1
            }
        }
        Call => -(arg as i32) - 1,
        CallKw => -(arg as i32) - 2,
        CallEx => -(arg as i32 & 1) - 2,
        // Pops the defaults (1), keyword defaults (2), annotations (4) and
        // closure (8) it is given.
        MakeFunction => -((arg & 0xf).count_ones() as i32),
        BuildClass => -(arg as i32) - 1,
        BuildClassKw => -(arg as i32) - 2,
        YieldValue => 0,
        YieldFrom => -1,
        RaiseVarargs => -(arg as i32),
        PushExcInfo => 1,
        CheckExcMatch => 0,
        ExcInfo => 2,
        BeforeWith => 3,
        ImportName => -1,
        ImportFrom => 1,
    }
}

const BUILTIN_CLASS_NAME: &str = "__class__";

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("a unit")
    }

    fn push_unit(&mut self, scope: &'a Scope, qualname: Rc<str>) {
        let mut varnames: Vec<Rc<str>> = scope.params.clone();
        if matches!(scope.kind, ScopeKind::Function | ScopeKind::Comprehension) {
            for (n, _) in &scope.names {
                if matches!(
                    scope.access.get(n),
                    Some(Access::Local) | Some(Access::Cell)
                ) && !varnames.contains(n)
                {
                    varnames.push(n.clone());
                }
            }
        }
        self.units.push(Unit {
            scope,
            instrs: Vec::new(),
            locs: Vec::new(),
            handler_of: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            name_ix: std::collections::HashMap::new(),
            const_ix: std::collections::HashMap::new(),
            varnames,
            labels: Vec::new(),
            label_depth: Vec::new(),
            depth: 0,
            max_depth: 0,
            handlers: Vec::new(),
            fblocks: Vec::new(),
            loc: Loc {
                line: scope.line,
                col: 0,
                end_line: scope.line,
                end_col: 0,
            },
            qualname,
            child: 0,
            n_global_cache: 0,
            n_attr_cache: 0,
            too_many_names: false,
            reachable: true,
            implicit_return: None,
            closing_jumps: Vec::new(),
            static_attrs: std::collections::BTreeSet::new(),
        });
    }

    fn finish_unit(
        &mut self,
        name: &str,
        argcounts: u32,
        mut flags: u32,
        firstline: u32,
    ) -> Result<Code, SyntaxErr> {
        let u = self.units.pop().expect("a unit");
        if u.too_many_names {
            return Err(self.syntax_error(
                "too many names in one code object (pyrt reads at most 65536 distinct names per code object)",
                u.loc,
            ));
        }
        // Resolve labels.
        let mut instrs = u.instrs;
        for ins in &mut instrs {
            if ins.op.is_jump() {
                ins.arg = u.labels[ins.arg as usize].expect("label bound") as u32;
            }
        }
        let (mut locs, mut handler_of) = (u.locs, u.handler_of);
        copy_exits(
            &mut instrs,
            &mut locs,
            &mut handler_of,
            u.implicit_return,
            &u.closing_jumps,
        );
        // Runtime superinstructions (see `Op::LoadFastLoadConst`).
        for i in 0..instrs.len().saturating_sub(1) {
            if instrs[i].op == Op::LoadFast {
                match instrs[i + 1].op {
                    Op::LoadConst => instrs[i].op = Op::LoadFastLoadConst,
                    Op::LoadFast => instrs[i].op = Op::LoadFastLoadFast,
                    _ => {}
                }
            }
        }
        // The eval loop fetches instructions without bounds checks: the
        // code must end in a terminator and every jump must land inside.
        let n_instrs = instrs.len();
        let ends_ok = instrs.last().is_some_and(|l| {
            matches!(
                l.op,
                Op::ReturnValue
                    | Op::ReturnConst
                    | Op::Jump
                    | Op::JumpBackward
                    | Op::RaiseVarargs
                    | Op::Reraise
            )
        });
        if !ends_ok
            || instrs
                .iter()
                .any(|i| i.op.is_jump() && i.arg as usize >= n_instrs)
        {
            return Err(SyntaxErr::new(
                format!("internal compiler error in {name}: bad control flow"),
                firstline,
                0,
            ));
        }
        // Exception table: runs of instructions with the same handler.
        let mut table: Vec<ExcEntry> = Vec::new();
        let mut i = 0;
        while i < handler_of.len() {
            if let Some((l, d)) = handler_of[i] {
                let start = i;
                while i < handler_of.len() && handler_of[i] == Some((l, d)) {
                    i += 1;
                }
                table.push(ExcEntry {
                    start: start as u32,
                    end: i as u32,
                    target: u.labels[l.0].expect("handler bound") as u32,
                    depth: d,
                });
            } else {
                i += 1;
            }
        }
        if table.iter().any(|e| e.target as usize >= n_instrs) {
            return Err(SyntaxErr::new(
                format!("internal compiler error in {name}: bad handler"),
                firstline,
                0,
            ));
        }
        let line_starts = line_starts(&instrs, &locs, &table);
        let scope = u.scope;
        let argcount = argcounts & 0xFFFF;
        let posonly = (argcounts >> 16) & 0xFF;
        let kwonly = argcounts >> 24;
        if scope.is_generator {
            flags |= super::code::flags::GENERATOR;
        }
        if scope.cellvars.is_empty() && scope.freevars.is_empty() {
            flags |= super::code::flags::NOFREE;
        }
        let cell2arg = scope
            .cellvars
            .iter()
            .map(|c| u.varnames.iter().position(|v| v == c).map(|i| i as u32))
            .collect();
        let names = u.names.into_iter().map(|(_, v)| v).collect();
        let simple_call = kwonly == 0
            && flags
                & (super::code::flags::VARARGS
                    | super::code::flags::VARKEYWORDS
                    | super::code::flags::GENERATOR)
                == 0
            && scope.cellvars.is_empty();
        let name_strs = (
            self.maker.name(name.as_bytes()),
            self.maker.name(u.qualname.as_bytes()),
        );
        Ok(Code {
            name_strs,
            simple_call,
            instrs,
            locs,
            line_starts,
            consts: u.consts,
            names,
            varnames: u.varnames,
            cellvars: scope.cellvars.clone(),
            freevars: scope.freevars.clone(),
            cell2arg,
            argcount,
            posonlyargcount: posonly,
            kwonlyargcount: kwonly,
            flags,
            name: Rc::from(name),
            qualname: u.qualname,
            filename: self.filename.clone(),
            firstlineno: firstline,
            exc_table: table,
            stacksize: u.max_depth + 2,
            source: self.source.clone(),
            global_cache: (0..u.n_global_cache)
                .map(|_| std::cell::RefCell::new(GlobalCache::default()))
                .collect(),
            attr_cache: super::attr_cache::new_caches(u.n_attr_cache),
        })
    }

    // ---- emission ----------------------------------------------------------

    /// The jump back that closes a loop, on the line of what came before
    /// it (see `Unit::closing_jumps`).
    fn emit_closing_jump(&mut self, start: Label) {
        let at = self.unit().instrs.len();
        self.unit().closing_jumps.push(at);
        self.emit_jump(Op::JumpBackward, start);
    }

    /// The `return None` that ends a body without one of its own.
    fn emit_implicit_return(&mut self) {
        let at = self.unit().instrs.len();
        self.unit().implicit_return = Some(at);
        self.emit_const(Value::None);
        self.emit(Op::ReturnValue, 0);
    }

    fn set_loc(&mut self, l: Loc) {
        self.unit().loc = l;
    }

    fn emit(&mut self, op: Op, arg: u32) {
        let u = self.unit();
        if !u.reachable {
            // Dead code after return/raise/jump: still emitted (targets
            // may land here), depth kept.
        }
        let loc = u.loc;
        let h = u.handlers.last().copied();
        u.instrs.push(Instr { op, arg });
        u.locs.push(loc);
        u.handler_of.push(h);
        let eff = stack_effect(op, arg, false);
        if op.is_jump() {
            let jeff = stack_effect(op, arg, true);
            let target_depth = (u.depth as i32 + jeff).max(0) as u32;
            let l = arg as usize;
            if u.label_depth[l].is_none() {
                u.label_depth[l] = Some(target_depth);
            }
        }
        u.depth = (u.depth as i32 + eff).max(0) as u32;
        if u.depth > u.max_depth {
            u.max_depth = u.depth;
        }
        u.reachable = !matches!(
            op,
            Op::Jump | Op::JumpBackward | Op::ReturnValue | Op::RaiseVarargs | Op::Reraise
        );
    }

    fn new_label(&mut self) -> Label {
        let u = self.unit();
        u.labels.push(None);
        u.label_depth.push(None);
        Label(u.labels.len() - 1)
    }

    fn bind(&mut self, l: Label) {
        let u = self.unit();
        u.labels[l.0] = Some(u.instrs.len());
        if let Some(d) = u.label_depth[l.0] {
            u.depth = d;
        }
        u.reachable = true;
    }

    fn emit_jump(&mut self, op: Op, l: Label) {
        self.emit(op, l.0 as u32);
    }

    fn emit_const(&mut self, v: Value) {
        let idx = self.add_const(v);
        self.emit(Op::LoadConst, idx);
    }

    fn add_const(&mut self, v: Value) -> u32 {
        let u = self.unit();
        // Dedup simple constants.
        let key = match &v {
            Value::None => Some(ConstKey::None),
            Value::Bool(b) => Some(ConstKey::Bool(*b)),
            Value::Int(i) => Some(ConstKey::Int(*i)),
            Value::Float(f) => Some(ConstKey::Float(f.to_bits())),
            Value::Obj(o) => match &o.kind {
                super::object::ObjKind::Str(x) => Some(ConstKey::Str(Rc::from(x.as_bytes()))),
                _ => None,
            },
            _ => None,
        };
        if let Some(k) = &key
            && let Some(&i) = u.const_ix.get(k)
        {
            return i;
        }
        let i = u.consts.len() as u32;
        u.consts.push(v);
        if let Some(k) = key {
            u.const_ix.insert(k, i);
        }
        i
    }

    fn name_index(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.unit().name_ix.get(name.as_bytes()) {
            return i;
        }
        let v = self.maker.name(name.as_bytes());
        let u = self.unit();
        let key: Rc<[u8]> = Rc::from(name.as_bytes());
        let i = u.names.len() as u32;
        u.names.push((key.clone(), v));
        u.name_ix.insert(key, i);
        i
    }

    /// `name` as the current scope knows it (a private name mangled).
    fn mangled(&self, name: &Rc<str>) -> Rc<str> {
        self.units.last().expect("unit").scope.mangled(name)
    }

    fn emit_name(&mut self, op: Op, name: &str) {
        // An attribute's private name is mangled too (`self.__x`).
        let mangled;
        let name = if matches!(
            op,
            Op::LoadAttr | Op::LoadMethod | Op::StoreAttr | Op::DeleteAttr
        ) {
            mangled = self.mangled(&Rc::from(name));
            &*mangled
        } else {
            name
        };
        let i = self.name_index(name);
        let arg = match op {
            // LoadName's global lookup (without a locals mapping) shares
            // LoadGlobal's cache.
            Op::LoadGlobal | Op::LoadName => self.cached_name_arg(i, |u| &mut u.n_global_cache),
            Op::LoadAttr | Op::LoadMethod | Op::StoreAttr | Op::DeleteAttr => {
                self.cached_name_arg(i, |u| &mut u.n_attr_cache)
            }
            _ => i,
        };
        self.emit(op, arg);
    }

    /// The arg of a name instruction with an inline cache: name index |
    /// cache index << 16 (decoded by `code::cached_name_parts`), the cache
    /// counted by `count`. Past 0xFFFE caches the rest share the index
    /// 0xFFFF: no cache.
    fn cached_name_arg(
        &mut self,
        name_i: u32,
        count: impl for<'u> FnOnce(&'u mut Unit<'a>) -> &'u mut usize,
    ) -> u32 {
        let u = self.unit();
        if name_i > 0xFFFF {
            u.too_many_names = true;
        }
        let n = count(u);
        let c = (*n).min(NO_CACHE) as u32;
        if c < NO_CACHE as u32 {
            *n += 1;
        }
        (name_i & 0xFFFF) | (c << 16)
    }

    fn local_index(&self, name: &str) -> Option<u32> {
        let u = self.units.last().expect("unit");
        u.varnames
            .iter()
            .position(|v| &**v == name)
            .map(|i| i as u32)
    }

    fn deref_index(&self, name: &str) -> u32 {
        let u = self.units.last().expect("unit");
        let nl = u.varnames.len();
        if let Some(i) = u.scope.cellvars.iter().position(|v| &**v == name) {
            return (nl + i) as u32;
        }
        let i = u
            .scope
            .freevars
            .iter()
            .position(|v| &**v == name)
            .unwrap_or(0);
        (nl + u.scope.cellvars.len() + i) as u32
    }

    fn syntax_error(&self, msg: impl Into<String>, loc: Loc) -> SyntaxErr {
        SyntaxErr::new(msg, loc.line, loc.col).with_end(loc.end_line, loc.end_col)
    }

    // ---- names -------------------------------------------------------------

    fn name_op(&mut self, name: &Rc<str>, ctx: Ctx, loc: Loc) -> Result<(), SyntaxErr> {
        if &**name == "__debug__" && ctx == Ctx::Load {
            self.emit_const(Value::Bool(self.opts.optimize == 0));
            return Ok(());
        }
        let scope = self.units.last().expect("unit").scope;
        // A private name (`__x` in a class) is mangled, as everywhere.
        let name = &scope.mangled(name);
        let mut access = scope.lookup(name);
        if scope.kind == ScopeKind::Class && &**name == BUILTIN_CLASS_NAME && access == Access::Free
        {
            access = Access::Free;
        }
        let _ = loc;
        match access {
            Access::Local => {
                let i = self.local_index(name).expect("local slot");
                let op = match ctx {
                    Ctx::Load => Op::LoadFast,
                    Ctx::Store => Op::StoreFast,
                    Ctx::Del => Op::DeleteFast,
                };
                self.emit(op, i);
            }
            Access::Cell | Access::Free => {
                let i = self.deref_index(name);
                let op = match ctx {
                    Ctx::Load => Op::LoadDeref,
                    Ctx::Store => Op::StoreDeref,
                    Ctx::Del => Op::DeleteDeref,
                };
                self.emit(op, i);
            }
            Access::GlobalExplicit | Access::GlobalImplicit => {
                let in_func = matches!(scope.kind, ScopeKind::Function | ScopeKind::Comprehension);
                let op = match ctx {
                    Ctx::Load if in_func || access == Access::GlobalExplicit => Op::LoadGlobal,
                    Ctx::Load => Op::LoadName,
                    Ctx::Store => Op::StoreGlobal,
                    Ctx::Del => Op::DeleteGlobal,
                };
                self.emit_name(op, name);
            }
            Access::Name => {
                let op = match ctx {
                    Ctx::Load => Op::LoadName,
                    Ctx::Store => Op::StoreName,
                    Ctx::Del => Op::DeleteName,
                };
                self.emit_name(op, name);
            }
        }
        Ok(())
    }

    // ---- statements --------------------------------------------------------

    fn stmts(&mut self, ss: &[Stmt]) -> Result<(), SyntaxErr> {
        for s in ss {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), SyntaxErr> {
        self.set_loc(s.loc);
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                is_async,
                returns,
                ..
            } => {
                if *is_async {
                    return Err(self.syntax_error("'async def' is not supported by pyrt", s.loc));
                }
                for d in decorator_list {
                    self.expr(d)?;
                }
                self.set_loc(s.loc);
                self.make_function(
                    name,
                    args,
                    FuncBody::Stmts(body),
                    returns.as_deref(),
                    s.loc,
                    first_line(decorator_list, s.loc),
                )?;
                self.apply_decorators(decorator_list, s.loc);
                self.name_op(name, Ctx::Store, s.loc)?;
            }
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
            } => {
                for d in decorator_list {
                    self.expr(d)?;
                }
                self.set_loc(s.loc);
                self.class_def(
                    name,
                    bases,
                    keywords,
                    body,
                    s.loc,
                    first_line(decorator_list, s.loc),
                )?;
                self.apply_decorators(decorator_list, s.loc);
                self.name_op(name, Ctx::Store, s.loc)?;
            }
            StmtKind::Return { value } => {
                let kind = self.units.last().expect("unit").scope.kind;
                if !matches!(kind, ScopeKind::Function) {
                    return Err(self.syntax_error("'return' outside function", s.loc));
                }
                match value {
                    Some(v) => self.expr(v)?,
                    None => self.emit_const(Value::None),
                }
                let ran_finally = self.unwind_all(true)?;
                // CPython places the return at its value — or, after a
                // `finally` body run on the way out, on that body's last
                // line (the return appears to happen after it).
                if !ran_finally {
                    self.set_loc(value.as_ref().map_or(s.loc, |v| v.loc));
                }
                self.emit(Op::ReturnValue, 0);
            }
            StmtKind::Delete { targets } => {
                for t in targets {
                    self.del_target(t)?;
                }
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Copy, 1);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, *op, value)?,
            StmtKind::AnnAssign {
                target,
                value,
                simple,
                annotation,
            } => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store_target(target)?;
                } else if !simple {
                    // `obj.attr: T` evaluates obj (and `a[i]: T` a and i).
                    match &target.kind {
                        ExprKind::Attribute { value, .. } => {
                            self.expr(value)?;
                            self.emit(Op::PopTop, 0);
                        }
                        ExprKind::Subscript { value, slice, .. } => {
                            self.expr(value)?;
                            self.emit(Op::PopTop, 0);
                            self.expr(slice)?;
                            self.emit(Op::PopTop, 0);
                        }
                        _ => {}
                    }
                }
                // A module's or class's annotation is evaluated: a simple
                // name's goes into `__annotations__` (a function's are not
                // evaluated at all).
                let kind = self.units.last().expect("unit").scope.kind;
                if matches!(kind, ScopeKind::Module | ScopeKind::Class) {
                    self.expr(annotation)?;
                    if let (true, ExprKind::Name { id, .. }) = (*simple, &target.kind) {
                        self.set_loc(s.loc);
                        self.emit_name(Op::LoadName, "__annotations__");
                        let key = self.mangled(id);
                        let k = self.maker.name(key.as_bytes());
                        self.emit_const(k);
                        self.emit(Op::StoreSubscr, 0);
                    } else {
                        self.emit(Op::PopTop, 0);
                    }
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    return Err(self.syntax_error("'async for' is not supported by pyrt", s.loc));
                }
                self.for_stmt(target, iter, body, orelse, s.loc)?;
            }
            StmtKind::While { test, body, orelse } => self.while_stmt(test, body, orelse)?,
            StmtKind::If { test, body, orelse } => {
                let end = self.new_label();
                let else_l = if orelse.is_empty() {
                    end
                } else {
                    self.new_label()
                };
                self.cond_jump(test, false, else_l)?;
                self.stmts(body)?;
                if !orelse.is_empty() {
                    self.emit_jump(Op::Jump, end);
                    self.bind(else_l);
                    self.stmts(orelse)?;
                }
                self.bind(end);
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    return Err(self.syntax_error("'async with' is not supported by pyrt", s.loc));
                }
                self.with_stmt(items, body, s.loc)?;
            }
            StmtKind::Raise { exc, cause } => {
                let mut n = 0;
                if let Some(e) = exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.set_loc(s.loc);
                self.emit(Op::RaiseVarargs, n);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                star,
            } => {
                if *star {
                    return Err(self.syntax_error("'except*' is not supported by pyrt", s.loc));
                }
                // The `try:` line has an instruction of its own (CPython's
                // NOP), so tracers see a line event for it.
                self.set_loc(s.loc);
                self.emit(Op::Nop, 0);
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)?;
                } else {
                    self.try_finally(body, handlers, orelse, finalbody)?;
                }
            }
            StmtKind::Assert { test, msg } => {
                if self.opts.optimize == 0 {
                    let end = self.new_label();
                    self.cond_jump(test, true, end)?;
                    self.set_loc(s.loc);
                    self.emit(Op::LoadAssertionError, 0);
                    if let Some(m) = msg {
                        self.emit(Op::PushUndef, 0);
                        self.expr(m)?;
                        self.set_loc(s.loc);
                        self.emit(Op::Call, 1);
                    }
                    // Raised at the test (its carets in the traceback).
                    self.set_loc(test.loc);
                    self.emit(Op::RaiseVarargs, 1);
                    self.bind(end);
                }
            }
            StmtKind::Import { names } => {
                for a in names {
                    self.set_loc(s.loc);
                    self.emit_const(Value::Int(0));
                    self.emit_const(Value::None);
                    self.emit_name(Op::ImportName, &a.name);
                    match &a.asname {
                        Some(asname) => {
                            // `import a.b.c as d` binds the leaf module.
                            let parts: Vec<&str> = a.name.split('.').collect();
                            for p in &parts[1..] {
                                self.emit_name(Op::ImportFrom, p);
                                self.emit(Op::Swap, 2);
                                self.emit(Op::PopTop, 0);
                            }
                            self.name_op(asname, Ctx::Store, s.loc)?;
                        }
                        None => {
                            let top: Rc<str> =
                                Rc::from(a.name.split('.').next().unwrap_or(&a.name));
                            self.name_op(&top, Ctx::Store, s.loc)?;
                        }
                    }
                }
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                self.emit_const(Value::Int(i64::from(*level)));
                let items: Vec<Value> = names
                    .iter()
                    .map(|a| self.maker.name(a.name.as_bytes()))
                    .collect();
                let t = self.maker.tuple(items);
                self.emit_const(t);
                let m = module.as_deref().unwrap_or("");
                self.emit_name(Op::ImportName, m);
                if names.len() == 1 && &*names[0].name == "*" {
                    self.emit(Op::ImportStar, 0);
                } else {
                    for a in names {
                        self.emit_name(Op::ImportFrom, &a.name);
                        let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
                        self.name_op(&bound, Ctx::Store, s.loc)?;
                    }
                    self.emit(Op::PopTop, 0);
                }
            }
            StmtKind::Global { .. } | StmtKind::Nonlocal { .. } | StmtKind::Pass => {
                if matches!(s.kind, StmtKind::Pass) {
                    self.emit(Op::Nop, 0);
                }
            }
            StmtKind::Expr { value } => {
                if self.opts.interactive && self.units.len() == 1 {
                    self.expr(value)?;
                    self.emit(Op::PrintExpr, 0);
                } else if let ExprKind::Constant { .. } = value.kind {
                    // A constant statement (docstring-like) compiles to nothing.
                    self.emit(Op::Nop, 0);
                } else {
                    self.expr(value)?;
                    self.emit(Op::PopTop, 0);
                }
            }
            StmtKind::Break => {
                if !self.in_loop() {
                    return Err(self.syntax_error("'break' outside loop", s.loc));
                }
                self.unwind_to_loop(true)?;
            }
            StmtKind::Continue => {
                if !self.in_loop() {
                    return Err(self.syntax_error("'continue' not properly in loop", s.loc));
                }
                self.unwind_to_loop(false)?;
            }
            StmtKind::Unsupported { what } => {
                return Err(self.syntax_error(format!("{what} is not supported by pyrt"), s.loc));
            }
        }
        Ok(())
    }

    fn in_loop(&self) -> bool {
        self.units
            .last()
            .expect("unit")
            .fblocks
            .iter()
            .any(|b| matches!(b, FBlock::Loop { .. }))
    }

    /// Emits the cleanup of one block being left by break/continue/return.
    /// `preserve_tos`: a return value sits on top and must survive.
    fn unwind_block(&mut self, b: &FBlock, preserve_tos: bool) -> Result<(), SyntaxErr> {
        match b {
            FBlock::Loop { for_loop: true, .. } => {
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit(Op::PopTop, 0);
            }
            FBlock::Loop { .. } | FBlock::Try => {}
            FBlock::Finally(body) => {
                // Run the finally body with the handler popped.
                let body = body.clone();
                self.stmts(&body)?;
            }
            FBlock::FinallyEnd => {
                // [.., prev_exc, exc] below: drop exc, restore prev.
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                    self.emit(Op::PopTop, 0);
                    self.emit(Op::Swap, 2);
                } else {
                    self.emit(Op::PopTop, 0);
                }
                self.emit(Op::PopExcept, 0);
            }
            FBlock::Handler { name } => {
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit(Op::PopExcept, 0);
                if let Some(n) = name {
                    self.emit_const(Value::None);
                    let n = n.clone();
                    self.name_op(&n, Ctx::Store, Loc::default())?;
                    self.name_op(&n, Ctx::Del, Loc::default())?;
                }
            }
            FBlock::With => {
                // [.., exit, self] (+ return value): exit(None, None, None).
                if preserve_tos {
                    // [exit, self, rv] -> [rv, self, exit] -> [rv, exit, self]
                    self.emit(Op::Swap, 3);
                    self.emit(Op::Swap, 2);
                }
                self.emit_const(Value::None);
                self.emit_const(Value::None);
                self.emit_const(Value::None);
                self.emit(Op::Call, 3);
                self.emit(Op::PopTop, 0);
            }
        }
        Ok(())
    }

    /// Pops every block for a `return` (running finally bodies).
    ///
    /// Each block's cleanup is compiled with that block (and the ones
    /// inside it) already off the stack, as CPython's
    /// `compiler_unwind_fblock_stack` does: a `return` or `break` inside a
    /// `finally` body unwinds only the blocks around it (compiling the same
    /// `finally` again would never end).
    /// True when a `finally` body was compiled on the way.
    fn unwind_all(&mut self, preserve_tos: bool) -> Result<bool, SyntaxErr> {
        let blocks = self.unit().fblocks.clone();
        let saved_handlers = self.unit().handlers.clone();
        let mut ran_finally = false;
        for (i, b) in blocks.iter().enumerate().rev() {
            self.pop_handler_for(b);
            self.unit().fblocks.truncate(i);
            self.unwind_block(b, preserve_tos)?;
            ran_finally |= matches!(b, FBlock::Finally(_));
        }
        self.unit().fblocks = blocks;
        self.unit().handlers = saved_handlers;
        Ok(ran_finally)
    }

    /// Pops the exception handler covering a block before its cleanup
    /// runs (so an error in a finally body is not caught by itself).
    fn pop_handler_for(&mut self, b: &FBlock) {
        if matches!(
            b,
            FBlock::Finally(_)
                | FBlock::With
                | FBlock::Try
                | FBlock::Handler { .. }
                | FBlock::FinallyEnd
        ) {
            self.unit().handlers.pop();
        }
    }

    fn unwind_to_loop(&mut self, is_break: bool) -> Result<(), SyntaxErr> {
        let blocks = self.unit().fblocks.clone();
        let saved_handlers = self.unit().handlers.clone();
        for (i, b) in blocks.iter().enumerate().rev() {
            if let FBlock::Loop {
                cont,
                brk,
                for_loop,
            } = b
            {
                if is_break {
                    if *for_loop {
                        self.emit(Op::PopTop, 0);
                    }
                    self.emit_jump(Op::Jump, *brk);
                } else {
                    self.emit_jump(Op::JumpBackward, *cont);
                }
                self.unit().fblocks = blocks.clone();
                self.unit().handlers = saved_handlers;
                // Whatever follows is unreachable; restore depth for the
                // statements after break/continue in the same block.
                return Ok(());
            }
            self.pop_handler_for(b);
            self.unit().fblocks.truncate(i);
            self.unwind_block(b, false)?;
        }
        self.unit().fblocks = blocks;
        self.unit().handlers = saved_handlers;
        Ok(())
    }

    fn for_stmt(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        loc: Loc,
    ) -> Result<(), SyntaxErr> {
        self.iterable(iter)?;
        self.set_loc(iter.loc);
        self.emit(Op::GetIter, 0);
        let start = self.new_label();
        let cleanup = self.new_label();
        let end = self.new_label();
        self.bind(start);
        self.set_loc(loc);
        self.emit_jump(Op::ForIter, cleanup);
        self.unit().fblocks.push(FBlock::Loop {
            cont: start,
            brk: end,
            for_loop: true,
        });
        self.store_target(target)?;
        self.stmts(body)?;
        self.emit_closing_jump(start);
        // What follows the loop (its end reached by `ForIter`) is on the
        // `for` line until a statement says otherwise.
        self.set_loc(loc);
        self.unit().fblocks.pop();
        self.bind(cleanup);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }

    fn while_stmt(&mut self, test: &Expr, body: &[Stmt], orelse: &[Stmt]) -> Result<(), SyntaxErr> {
        let start = self.new_label();
        let else_l = self.new_label();
        let end = self.new_label();
        let always_true = matches!(
            test.kind,
            ExprKind::Constant {
                value: Constant::Bool(true),
                ..
            }
        ) || matches!(test.kind, ExprKind::Constant { value: Constant::Int(ref s), .. } if &**s != "10:0");
        if always_true {
            // The `while` line once on the way in (CPython's NOP).
            self.set_loc(test.loc);
            self.emit(Op::Nop, 0);
        }
        self.bind(start);
        if !always_true {
            self.cond_jump(test, false, else_l)?;
        }
        self.unit().fblocks.push(FBlock::Loop {
            cont: start,
            brk: end,
            for_loop: false,
        });
        self.stmts(body)?;
        if always_true {
            // No test to run again: the jump back is the `while` line's
            // (its 'line' event each time round, as CPython's).
            self.set_loc(test.loc);
            self.emit_jump(Op::JumpBackward, start);
        } else {
            self.emit_closing_jump(start);
            self.set_loc(test.loc);
        }
        self.unit().fblocks.pop();
        self.bind(else_l);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }

    fn with_stmt(&mut self, items: &[WithItem], body: &[Stmt], loc: Loc) -> Result<(), SyntaxErr> {
        let item = &items[0];
        self.expr(&item.context_expr)?;
        self.set_loc(item.context_expr.loc);
        // (mgr -- exit self enter self) then call enter.
        self.emit(Op::BeforeWith, 0);
        self.emit(Op::Call, 0);
        // [exit, self, result]
        let handler = self.new_label();
        let depth = self.unit().depth - 1;
        self.unit().handlers.push((handler, depth));
        self.unit().fblocks.push(FBlock::With);
        match &item.optional_vars {
            Some(t) => self.store_target(t)?,
            None => self.emit(Op::PopTop, 0),
        }
        if items.len() > 1 {
            self.with_stmt(&items[1..], body, loc)?;
        } else {
            self.stmts(body)?;
        }
        self.unit().fblocks.pop();
        self.unit().handlers.pop();
        // Normal exit: exit(None, None, None).
        self.set_loc(loc);
        self.emit_const(Value::None);
        self.emit_const(Value::None);
        self.emit_const(Value::None);
        self.emit(Op::Call, 3);
        self.emit(Op::PopTop, 0);
        let after = self.new_label();
        self.emit_jump(Op::Jump, after);
        // Exceptional exit: [exit, self, exc].
        self.bind_handler(handler, depth + 1);
        let cleanup = self.new_label();
        self.unit().handlers.push((cleanup, depth + 1));
        self.emit(Op::PushExcInfo, 0); // [exit, self, prev, exc]
        self.emit(Op::Copy, 4); // exit
        self.emit(Op::Copy, 4); // self
        self.emit(Op::Copy, 3); // exc
        self.emit(Op::ExcInfo, 0); // type exc tb
        self.emit(Op::Call, 3); // [exit, self, prev, exc, res]
        let suppress = self.new_label();
        self.emit_jump(Op::PopJumpIfTrue, suppress);
        self.emit(Op::Reraise, RERAISE_AT_RAISE);
        self.bind(suppress);
        self.unit().handlers.pop();
        // [exit, self, prev, exc]
        self.emit(Op::PopTop, 0);
        self.emit(Op::PopExcept, 0);
        self.emit(Op::PopTop, 0);
        self.emit(Op::PopTop, 0);
        self.emit_jump(Op::Jump, after);
        // Cleanup of the cleanup: [exit, self, prev, exc2] → restore and re-raise.
        self.bind_handler(cleanup, depth + 2);
        self.cleanup_reraise();
        self.bind(after);
        Ok(())
    }

    /// A handler's cleanup block, `[prev, exc2]`: restores the exception
    /// being handled before and re-raises `exc2` — on no line, as
    /// CPython's (no 'line' event; the frame's line goes back to where
    /// `exc2` was raised).
    fn cleanup_reraise(&mut self) {
        let loc = self.unit().loc;
        self.set_loc(NO_LINE);
        self.emit(Op::Swap, 2);
        self.emit(Op::PopExcept, 0);
        self.emit(Op::Reraise, RERAISE_AT_RAISE);
        self.set_loc(loc);
    }

    /// Binds a handler label with the stack at `depth` (the exception is
    /// pushed by the unwinder: `depth` counts it).
    fn bind_handler(&mut self, l: Label, depth: u32) {
        let u = self.unit();
        u.label_depth[l.0] = Some(depth);
        self.bind(l);
    }

    fn try_except(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
    ) -> Result<(), SyntaxErr> {
        let handler = self.new_label();
        let end = self.new_label();
        let depth = self.unit().depth;
        self.unit().handlers.push((handler, depth));
        self.unit().fblocks.push(FBlock::Try);
        self.stmts(body)?;
        self.unit().fblocks.pop();
        self.unit().handlers.pop();
        self.stmts(orelse)?;
        self.emit_jump(Op::Jump, end);
        // [exc]
        self.bind_handler(handler, depth + 1);
        let cleanup = self.new_label();
        self.unit().handlers.push((cleanup, depth + 1));
        self.set_loc(NO_LINE);
        self.emit(Op::PushExcInfo, 0); // [prev, exc]
        for h in handlers {
            self.set_loc(h.loc);
            let next = self.new_label();
            if let Some(t) = &h.typ {
                self.expr(t)?;
                self.emit(Op::CheckExcMatch, 0);
                self.emit_jump(Op::PopJumpIfFalse, next);
            }
            // Matched: [prev, exc]
            match &h.name {
                Some(n) => {
                    self.name_op(n, Ctx::Store, h.loc)?; // [prev]
                    // The body runs with `n` bound; it is deleted on exit.
                    let body_cleanup = self.new_label();
                    let d = self.unit().depth;
                    self.unit().handlers.push((body_cleanup, d));
                    self.unit().fblocks.push(FBlock::Handler {
                        name: Some(n.clone()),
                    });
                    self.stmts(&h.body)?;
                    self.unit().fblocks.pop();
                    self.unit().handlers.pop();
                    self.emit(Op::PopExcept, 0);
                    self.emit_const(Value::None);
                    self.name_op(n, Ctx::Store, h.loc)?;
                    self.name_op(n, Ctx::Del, h.loc)?;
                    self.emit_jump(Op::Jump, end);
                    // Exception in the body: unbind the name, re-raise.
                    self.bind_handler(body_cleanup, d + 1);
                    self.set_loc(NO_LINE);
                    self.emit_const(Value::None);
                    self.name_op(n, Ctx::Store, h.loc)?;
                    self.name_op(n, Ctx::Del, h.loc)?;
                    self.emit(Op::Reraise, RERAISE_AT_RAISE);
                }
                None => {
                    self.emit(Op::PopTop, 0); // [prev]
                    self.unit().fblocks.push(FBlock::Handler { name: None });
                    self.stmts(&h.body)?;
                    self.unit().fblocks.pop();
                    self.emit(Op::PopExcept, 0);
                    self.emit_jump(Op::Jump, end);
                }
            }
            self.bind_at(next, depth + 2);
        }
        // No handler matched: re-raise (on the last `except` line). [prev, exc]
        if let Some(h) = handlers.last() {
            self.set_loc(h.loc);
        }
        self.emit(Op::Reraise, 0);
        self.unit().handlers.pop();
        // Cleanup: an exception while handling. [prev, exc2]
        self.bind_handler(cleanup, depth + 2);
        self.cleanup_reraise();
        self.bind(end);
        Ok(())
    }

    fn bind_at(&mut self, l: Label, depth: u32) {
        self.unit().label_depth[l.0] = Some(depth);
        self.bind(l);
    }

    fn try_finally(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
        finalbody: &[Stmt],
    ) -> Result<(), SyntaxErr> {
        let handler = self.new_label();
        let end = self.new_label();
        let depth = self.unit().depth;
        let fin: Rc<Vec<Stmt>> = Rc::new(finalbody.to_vec());
        self.unit().handlers.push((handler, depth));
        self.unit().fblocks.push(FBlock::Finally(fin.clone()));
        if handlers.is_empty() {
            self.stmts(body)?;
        } else {
            self.try_except(body, handlers, orelse)?;
        }
        self.unit().fblocks.pop();
        self.unit().handlers.pop();
        // Normal path: run the finally body.
        self.stmts(finalbody)?;
        self.emit_jump(Op::Jump, end);
        // Exceptional path: [exc]
        self.bind_handler(handler, depth + 1);
        let cleanup = self.new_label();
        self.unit().handlers.push((cleanup, depth + 1));
        self.set_loc(NO_LINE);
        self.emit(Op::PushExcInfo, 0); // [prev, exc]
        self.unit().fblocks.push(FBlock::FinallyEnd);
        self.stmts(finalbody)?;
        self.unit().fblocks.pop();
        self.emit(Op::Reraise, 0);
        self.unit().handlers.pop();
        self.bind_handler(cleanup, depth + 2);
        self.cleanup_reraise();
        self.bind(end);
        Ok(())
    }

    fn aug_assign(&mut self, target: &Expr, op: BinOp, value: &Expr) -> Result<(), SyntaxErr> {
        let bin = binkind(op) as u32 + 16;
        match &target.kind {
            ExprKind::Name { id, .. } => {
                self.name_op(id, Ctx::Load, target.loc)?;
                self.expr(value)?;
                self.set_loc(Loc::span(target.loc, value.loc));
                self.emit(Op::BinaryOp, bin);
                self.name_op(id, Ctx::Store, target.loc)?;
            }
            ExprKind::Attribute {
                value: obj, attr, ..
            } => {
                self.note_static_attr(obj, attr);
                self.expr(obj)?;
                self.emit(Op::Copy, 1);
                self.set_loc(attr_loc(target.loc, target, attr));
                self.emit_name(Op::LoadAttr, attr);
                self.expr(value)?;
                self.set_loc(Loc::span(target.loc, value.loc));
                self.emit(Op::BinaryOp, bin);
                self.emit(Op::Swap, 2);
                self.set_loc(attr_loc(target.loc, target, attr));
                self.emit_name(Op::StoreAttr, attr);
            }
            ExprKind::Subscript {
                value: obj, slice, ..
            } => {
                self.expr(obj)?;
                self.subscript_key(slice, target.loc)?;
                self.emit(Op::Copy, 2);
                self.emit(Op::Copy, 2);
                self.set_loc(target.loc);
                self.emit(Op::BinarySubscr, 0);
                self.expr(value)?;
                self.set_loc(Loc::span(target.loc, value.loc));
                self.emit(Op::BinaryOp, bin);
                // [obj, key, result] → [result, obj, key]
                self.emit(Op::Swap, 3);
                self.emit(Op::Swap, 2);
                self.set_loc(target.loc);
                self.emit(Op::StoreSubscr, 0);
            }
            _ => {
                return Err(
                    self.syntax_error("illegal expression for augmented assignment", target.loc)
                );
            }
        }
        Ok(())
    }

    /// A dict of `items` (a parameter's name, mangled, to the value of its
    /// expression: keyword-only defaults, annotations), built at `loc`;
    /// false, nothing emitted, when there are none.
    fn name_map(&mut self, items: &[(Rc<str>, &Expr)], loc: Loc) -> Result<bool, SyntaxErr> {
        if items.is_empty() {
            return Ok(false);
        }
        for (name, e) in items {
            let k = self.mangled(name);
            let k = self.maker.name(k.as_bytes());
            self.emit_const(k);
            self.expr(e)?;
        }
        self.set_loc(loc);
        self.emit(Op::BuildMap, items.len() as u32);
        Ok(true)
    }

    /// Calls the decorators (loaded before the function or class, now on
    /// top) innermost first, each on its own line, as CPython does; then
    /// the definition's line again for the name it binds.
    fn apply_decorators(&mut self, decorators: &[Expr], def: Loc) {
        for d in decorators.iter().rev() {
            self.set_loc(d.loc);
            self.emit(Op::PushUndef, 0);
            self.emit(Op::Swap, 2);
            self.emit(Op::Call, 1);
        }
        self.set_loc(def);
    }

    /// `self.NAME = …` in a function nested in a class: NAME goes into
    /// the innermost enclosing class's `__static_attributes__`.
    fn note_static_attr(&mut self, obj: &Expr, attr: &Rc<str>) {
        if !matches!(&obj.kind, ExprKind::Name { id, .. } if &**id == "self") {
            return;
        }
        let n = self.units.len();
        if let Some(u) = self.units[..n.saturating_sub(1)]
            .iter_mut()
            .rev()
            .find(|u| u.scope.kind == ScopeKind::Class)
        {
            u.static_attrs.insert(attr.clone());
        }
    }

    fn store_target(&mut self, t: &Expr) -> Result<(), SyntaxErr> {
        match &t.kind {
            ExprKind::Name { id, .. } => {
                self.set_loc(t.loc);
                self.name_op(id, Ctx::Store, t.loc)?;
            }
            ExprKind::Attribute { value, attr, .. } => {
                self.note_static_attr(value, attr);
                self.expr(value)?;
                self.set_loc(attr_loc(t.loc, t, attr));
                self.emit_name(Op::StoreAttr, attr);
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value)?;
                self.subscript_key(slice, t.loc)?;
                self.set_loc(t.loc);
                self.emit(Op::StoreSubscr, 0);
            }
            ExprKind::Tuple { elts, .. } | ExprKind::List { elts, .. } => {
                self.set_loc(t.loc);
                self.unpack(elts, t.loc)?;
                for e in elts {
                    let e = match &e.kind {
                        ExprKind::Starred { value, .. } => value,
                        _ => e,
                    };
                    self.store_target(e)?;
                }
            }
            ExprKind::Starred { .. } => {
                return Err(self.syntax_error(
                    "starred assignment target must be in a list or tuple",
                    t.loc,
                ));
            }
            _ => return Err(self.syntax_error("cannot assign to expression", t.loc)),
        }
        Ok(())
    }

    fn unpack(&mut self, elts: &[Expr], loc: Loc) -> Result<(), SyntaxErr> {
        let star = elts
            .iter()
            .position(|e| matches!(e.kind, ExprKind::Starred { .. }));
        match star {
            None => self.emit(Op::UnpackSequence, elts.len() as u32),
            Some(i) => {
                if elts
                    .iter()
                    .filter(|e| matches!(e.kind, ExprKind::Starred { .. }))
                    .count()
                    > 1
                {
                    return Err(
                        self.syntax_error("multiple starred expressions in assignment", loc)
                    );
                }
                let before = i as u32;
                let after = (elts.len() - i - 1) as u32;
                self.emit(Op::UnpackEx, before | (after << 8));
            }
        }
        Ok(())
    }

    fn del_target(&mut self, t: &Expr) -> Result<(), SyntaxErr> {
        match &t.kind {
            ExprKind::Name { id, .. } => {
                self.set_loc(t.loc);
                self.name_op(id, Ctx::Del, t.loc)?;
            }
            ExprKind::Attribute { value, attr, .. } => {
                self.expr(value)?;
                self.set_loc(attr_loc(t.loc, t, attr));
                self.emit_name(Op::DeleteAttr, attr);
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value)?;
                self.subscript_key(slice, t.loc)?;
                self.set_loc(t.loc);
                self.emit(Op::DeleteSubscr, 0);
            }
            ExprKind::Tuple { elts, .. } | ExprKind::List { elts, .. } => {
                for e in elts {
                    self.del_target(e)?;
                }
            }
            _ => return Err(self.syntax_error("cannot delete expression", t.loc)),
        }
        Ok(())
    }

    // ---- functions and classes -------------------------------------------

    /// The scope of the child node at `loc`: usually the next one in
    /// order; a `finally` body compiled a second time finds its scopes
    /// again by position.
    fn child_scope(&mut self, loc: Loc) -> Result<&'a Scope, SyntaxErr> {
        let key = super::symtable::loc_key(loc);
        let u = self.units.last_mut().expect("unit");
        let children: &'a [Scope] = &u.scope.children;
        if let Some(s) = children.get(u.child)
            && s.key == key
        {
            u.child += 1;
            return Ok(s);
        }
        match children.iter().position(|c| c.key == key) {
            Some(i) => {
                u.child = i + 1;
                Ok(&children[i])
            }
            None => Err(SyntaxErr::new(
                "internal compiler error: no scope for a nested block",
                loc.line,
                loc.col,
            )),
        }
    }

    fn child_qualname(&self, name: &str) -> Rc<str> {
        let u = self.units.last().expect("unit");
        match u.scope.kind {
            ScopeKind::Module => Rc::from(name),
            ScopeKind::Function | ScopeKind::Comprehension => {
                Rc::from(format!("{}.<locals>.{name}", u.qualname).as_str())
            }
            ScopeKind::Class => Rc::from(format!("{}.{name}", u.qualname).as_str()),
        }
    }

    fn make_function(
        &mut self,
        name: &Rc<str>,
        args: &Arguments,
        body: FuncBody<'_>,
        returns: Option<&Expr>,
        loc: Loc,
        first_line: u32,
    ) -> Result<(), SyntaxErr> {
        // Defaults are evaluated in the enclosing scope.
        let mut fl = 0;
        if !args.defaults.is_empty() {
            for d in &args.defaults {
                self.expr(d)?;
            }
            self.set_loc(loc);
            self.emit(Op::BuildTuple, args.defaults.len() as u32);
            fl |= 1;
        }
        let kwd: Vec<(Rc<str>, &Expr)> = args
            .kwonlyargs
            .iter()
            .zip(&args.kw_defaults)
            .filter_map(|(a, d)| d.as_ref().map(|d| (a.arg.clone(), d)))
            .collect();
        if self.name_map(&kwd, loc)? {
            fl |= 2;
        }
        // Annotations, evaluated now into `__annotations__` (3.13).
        if self.name_map(&annotations(args, returns), loc)? {
            fl |= 4;
        }
        let scope = self.child_scope(loc)?;
        let qualname = self.child_qualname(name);
        self.push_unit(scope, qualname);
        self.set_loc(loc);
        match body {
            FuncBody::Stmts(stmts) => {
                // Docstring: the first constant string statement.
                let mut stmts = stmts;
                if let Some(first) = stmts.first()
                    && let StmtKind::Expr { value } = &first.kind
                    && let ExprKind::Constant {
                        value: Constant::Str(s),
                        ..
                    } = &value.kind
                {
                    let v = if self.opts.optimize >= 2 {
                        Value::None
                    } else {
                        self.maker.str(s)
                    };
                    // consts[0] is the docstring (CPython's convention).
                    self.unit().consts.push(v);
                    stmts = &stmts[1..];
                    if stmts.is_empty() {
                        self.set_loc(first.loc);
                        self.emit(Op::Nop, 0);
                    }
                } else {
                    self.unit().consts.push(Value::None);
                }
                for s in stmts {
                    self.stmt(s)?;
                }
                if self.unit().reachable || self.unit().instrs.is_empty() {
                    // Implicit `return None` at the last line.
                    self.emit_implicit_return();
                }
            }
            FuncBody::Expr(e) => {
                self.unit().consts.push(Value::None);
                self.expr(e)?;
                self.emit(Op::ReturnValue, 0);
            }
        }
        let nposonly = args.posonlyargs.len() as u32;
        let nargs = nposonly + args.args.len() as u32;
        let nkw = args.kwonlyargs.len() as u32;
        let mut f = flags::OPTIMIZED | flags::NESTED;
        if args.vararg.is_some() {
            f |= flags::VARARGS;
        }
        if args.kwarg.is_some() {
            f |= flags::VARKEYWORDS;
        }
        let code = self.finish_unit(name, nargs | (nposonly << 16) | (nkw << 24), f, first_line)?;
        let has_closure = !code.freevars.is_empty();
        let freevars = code.freevars.clone();
        let cv = self.maker.code(code);
        if has_closure {
            for fv in &freevars {
                let i = self.closure_source(fv);
                self.emit(Op::LoadClosure, i);
            }
            self.emit(Op::BuildTuple, freevars.len() as u32);
            fl |= 8;
        }
        self.emit_const(cv);
        self.set_loc(loc);
        self.emit(Op::MakeFunction, fl);
        Ok(())
    }

    /// Where the enclosing scope keeps a variable an inner scope captures.
    fn closure_source(&self, name: &str) -> u32 {
        self.deref_index(name)
    }

    fn class_def(
        &mut self,
        name: &Rc<str>,
        bases: &[Expr],
        keywords: &[Keyword],
        body: &[Stmt],
        loc: Loc,
        first_line: u32,
    ) -> Result<(), SyntaxErr> {
        let scope = self.child_scope(loc)?;
        let qualname = self.child_qualname(name);
        self.push_unit(scope, qualname.clone());
        // The body's prologue is on its first line (a decorator's, if any).
        self.set_loc(Loc {
            line: first_line,
            col: 0,
            end_line: first_line,
            end_col: 0,
        });
        // __module__ = __name__; __qualname__ = qualname
        self.emit_name(Op::LoadName, "__name__");
        self.emit_name(Op::StoreName, "__module__");
        let q = self.maker.str(qualname.as_bytes());
        self.emit_const(q);
        self.emit_name(Op::StoreName, "__qualname__");
        self.emit_const(Value::Int(i64::from(first_line)));
        self.emit_name(Op::StoreName, "__firstlineno__");
        let mut stmts = body;
        if let Some(first) = body.first()
            && let StmtKind::Expr { value } = &first.kind
            && let ExprKind::Constant {
                value: Constant::Str(s),
                ..
            } = &value.kind
        {
            if self.opts.optimize < 2 {
                let v = self.maker.str(s);
                self.emit_const(v);
                self.emit_name(Op::StoreName, "__doc__");
            }
            stmts = &body[1..];
        }
        if has_annotations(stmts) {
            self.emit(Op::SetupAnnotations, 0);
        }
        for s in stmts {
            self.stmt(s)?;
        }
        let attrs: Vec<Value> = self
            .unit()
            .static_attrs
            .clone()
            .iter()
            .map(|a| self.maker.name(a.as_bytes()))
            .collect();
        let t = self.maker.tuple(attrs);
        self.emit_const(t);
        self.emit_name(Op::StoreName, "__static_attributes__");
        if scope.needs_class_cell {
            let i = self.deref_index("__class__");
            self.emit(Op::LoadClosure, i);
            self.emit_name(Op::StoreName, "__classcell__");
        }
        self.emit_implicit_return();
        let code = self.finish_unit(name, 0, flags::CLASS_BODY, first_line)?;
        let freevars = code.freevars.clone();
        let cv = self.maker.code(code);
        let mut fl = 0;
        if !freevars.is_empty() {
            for fv in &freevars {
                let i = self.closure_source(fv);
                self.emit(Op::LoadClosure, i);
            }
            self.emit(Op::BuildTuple, freevars.len() as u32);
            fl |= 8;
        }
        self.emit_const(cv);
        self.set_loc(loc);
        self.emit(Op::MakeFunction, fl);
        let n = self.maker.name(name.as_bytes());
        self.emit_const(n);
        for b in bases {
            if matches!(b.kind, ExprKind::Starred { .. }) {
                return Err(
                    self.syntax_error("starred class bases are not supported by pyrt", b.loc)
                );
            }
            self.expr(b)?;
        }
        self.set_loc(loc);
        if keywords.is_empty() {
            self.emit(Op::BuildClass, bases.len() as u32);
        } else {
            let mut names = Vec::new();
            for k in keywords {
                let Some(a) = &k.arg else {
                    return Err(self.syntax_error(
                        "**kwargs in class definitions are not supported by pyrt",
                        k.loc,
                    ));
                };
                self.expr(&k.value)?;
                names.push(self.maker.name(a.as_bytes()));
            }
            let t = self.maker.tuple(names);
            self.emit_const(t);
            self.set_loc(loc);
            self.emit(Op::BuildClassKw, (bases.len() + keywords.len()) as u32);
        }
        Ok(())
    }

    // ---- expressions ---------------------------------------------------------

    /// Compiles `e` as a condition: jumps to `target` when its truth is
    /// `when`.
    fn cond_jump(&mut self, e: &Expr, when: bool, target: Label) -> Result<(), SyntaxErr> {
        self.cond_jump_at(e, when, target, None)
    }

    /// As [`Self::cond_jump`], the jumps at `at` when given (a
    /// comprehension's `if`: on its element's line, as CPython's
    /// `compiler_jump_if` with the element's location), else each at its
    /// condition's position.
    fn cond_jump_at(
        &mut self,
        e: &Expr,
        when: bool,
        target: Label,
        at: Option<Loc>,
    ) -> Result<(), SyntaxErr> {
        match &e.kind {
            ExprKind::UnaryOp {
                op: UnaryOp::Not,
                operand,
            } => return self.cond_jump_at(operand, !when, target, at),
            ExprKind::BoolOp { op, values } => {
                let is_and = *op == BoolOp::And;
                // `a and b` jumps when false if any is false.
                if is_and != when {
                    // and/false or or/true: each operand can jump directly.
                    for v in values {
                        self.cond_jump_at(v, when, target, at)?;
                    }
                } else {
                    let skip = self.new_label();
                    let n = values.len();
                    for (i, v) in values.iter().enumerate() {
                        if i + 1 < n {
                            self.cond_jump_at(v, !when, skip, at)?;
                        } else {
                            self.cond_jump_at(v, when, target, at)?;
                        }
                    }
                    self.bind(skip);
                }
                return Ok(());
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } if ops.len() == 1
                && matches!(ops[0], CmpOp::Is | CmpOp::IsNot)
                && matches!(
                    comparators[0].kind,
                    ExprKind::Constant {
                        value: Constant::None,
                        ..
                    }
                ) =>
            {
                self.expr(left)?;
                self.set_loc(at.unwrap_or(e.loc));
                let is = ops[0] == CmpOp::Is;
                let op = if is == when {
                    Op::PopJumpIfNone
                } else {
                    Op::PopJumpIfNotNone
                };
                self.emit_jump(op, target);
                return Ok(());
            }
            _ => {}
        }
        self.expr(e)?;
        self.set_loc(at.unwrap_or(e.loc));
        self.emit_jump(
            if when {
                Op::PopJumpIfTrue
            } else {
                Op::PopJumpIfFalse
            },
            target,
        );
        Ok(())
    }

    fn constant(&mut self, c: &Constant, loc: Loc) -> Result<Value, SyntaxErr> {
        Ok(match c {
            Constant::None => Value::None,
            Constant::Bool(b) => Value::Bool(*b),
            Constant::Int(s) => {
                let (radix, digits) = s.split_once(':').unwrap_or(("10", s));
                let radix: u32 = radix.parse().unwrap_or(10);
                let digits: String = digits.chars().filter(|c| *c != '_').collect();
                match i64::from_str_radix(&digits, radix) {
                    Ok(v) => Value::Int(v),
                    Err(_) => match BigInt::parse_bytes(digits.as_bytes(), radix) {
                        Some(v) => {
                            if radix == 10 && digits.len() > 4300 {
                                // CPython checks int_max_str_digits at run
                                // time for decimal literals; the compiler
                                // reports it as a SyntaxError.
                                return Err(self.syntax_error(
                                    format!(
                                        "Exceeds the limit (4300 digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.",
                                        digits.len()
                                    ),
                                    loc,
                                ));
                            }
                            self.maker.bigint(v)
                        }
                        None => return Err(self.syntax_error("invalid int literal", loc)),
                    },
                }
            }
            Constant::Float(f) => Value::Float(*f),
            Constant::Complex(_) => {
                return Err(self.syntax_error("complex numbers are not supported by pyrt", loc));
            }
            // Identifier-like constants are interned, as CPython does
            // (`getattr(o, "name")`, `d["key"]` meet the names).
            Constant::Str(s) if s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_') => {
                self.maker.name(s)
            }
            Constant::Str(s) => self.maker.str(s),
            Constant::Bytes(b) => self.maker.bytes(b),
            Constant::Ellipsis => self.maker.ellipsis(),
        })
    }

    fn expr(&mut self, e: &Expr) -> Result<(), SyntaxErr> {
        self.set_loc(e.loc);
        match &e.kind {
            ExprKind::Constant { value, .. } => {
                let v = self.constant(value, e.loc)?;
                self.emit_const(v);
            }
            ExprKind::Name { id, ctx } => self.name_op(id, *ctx, e.loc)?,
            ExprKind::BoolOp { op, values } => {
                let end = self.new_label();
                let jop = if *op == BoolOp::And {
                    Op::JumpIfFalseOrPop
                } else {
                    Op::JumpIfTrueOrPop
                };
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        self.set_loc(e.loc);
                        self.emit_jump(jop, end);
                    }
                }
                self.bind(end);
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value)?;
                self.emit(Op::Copy, 1);
                if let ExprKind::Name { id, .. } = &target.kind {
                    self.name_op(id, Ctx::Store, target.loc)?;
                }
            }
            ExprKind::BinOp { left, op, right } => {
                self.expr(left)?;
                self.expr(right)?;
                self.set_loc(e.loc);
                self.emit(Op::BinaryOp, binkind(*op) as u32);
            }
            ExprKind::UnaryOp { op, operand } => {
                // `-literal` is a constant, as in CPython.
                if *op == UnaryOp::USub
                    && let Some(v) = self.folded(e)?
                {
                    self.emit_const(v);
                    return Ok(());
                }
                self.expr(operand)?;
                self.set_loc(e.loc);
                let a = match op {
                    UnaryOp::USub => 0,
                    UnaryOp::UAdd => 1,
                    UnaryOp::Invert => 2,
                    UnaryOp::Not => 3,
                };
                self.emit(Op::UnaryOp, a);
            }
            ExprKind::Lambda { args, body } => {
                let name: Rc<str> = Rc::from("<lambda>");
                self.make_function(&name, args, FuncBody::Expr(body), None, e.loc, e.loc.line)?;
            }
            ExprKind::IfExp { test, body, orelse } => {
                let else_l = self.new_label();
                let end = self.new_label();
                self.cond_jump(test, false, else_l)?;
                self.expr(body)?;
                self.emit_jump(Op::Jump, end);
                self.bind(else_l);
                self.expr(orelse)?;
                self.bind(end);
            }
            ExprKind::Dict { keys, values } => {
                let has_unpack = keys.iter().any(Option::is_none);
                // Two or more constant keys: the values, then the keys as
                // one tuple constant, on the display's line (CPython's
                // `compiler_subdict`).
                let const_keys = if !has_unpack && keys.len() > 1 && keys.len() <= 16 {
                    self.const_items(keys.iter().flatten())?
                } else {
                    None
                };
                if let Some(ks) = const_keys {
                    for v in values {
                        self.expr(v)?;
                    }
                    self.set_loc(e.loc);
                    self.emit_const(ks);
                    self.emit(Op::BuildConstKeyMap, keys.len() as u32);
                } else if !has_unpack {
                    for (k, v) in keys.iter().zip(values) {
                        self.expr(k.as_ref().expect("key"))?;
                        self.expr(v)?;
                    }
                    self.set_loc(e.loc);
                    self.emit(Op::BuildMap, keys.len() as u32);
                } else {
                    self.emit(Op::BuildMap, 0);
                    for (k, v) in keys.iter().zip(values) {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Op::MapAdd, 1);
                            }
                            None => {
                                self.expr(v)?;
                                self.set_loc(e.loc);
                                self.emit(Op::DictUpdate, 1);
                            }
                        }
                    }
                }
            }
            ExprKind::Set { elts } => self.sequence(elts, Op::BuildSet, e.loc)?,
            ExprKind::List {
                elts,
                ctx: Ctx::Load,
            } => self.sequence(elts, Op::BuildList, e.loc)?,
            ExprKind::Tuple {
                elts,
                ctx: Ctx::Load,
            } => {
                if let Some(v) = self.const_tuple(elts)? {
                    self.emit_const(v);
                } else {
                    self.sequence(elts, Op::BuildTuple, e.loc)?;
                }
            }
            ExprKind::List { .. } | ExprKind::Tuple { .. } => {
                return Err(self.syntax_error("invalid target context", e.loc));
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(CompKind::List, generators, elt, None, e.loc)?
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(CompKind::Set, generators, elt, None, e.loc)?
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.comprehension(CompKind::Dict, generators, key, Some(value), e.loc)?;
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(CompKind::Gen, generators, elt, None, e.loc)?
            }
            ExprKind::Await { .. } => {
                return Err(self.syntax_error("'await' is not supported by pyrt", e.loc));
            }
            ExprKind::Yield { value } => {
                match value {
                    Some(v) => self.expr(v)?,
                    None => self.emit_const(Value::None),
                }
                self.set_loc(e.loc);
                self.emit(Op::YieldValue, 0);
            }
            ExprKind::YieldFrom { value } => {
                self.expr(value)?;
                self.set_loc(e.loc);
                self.emit(Op::GetIter, 0);
                self.emit_const(Value::None);
                self.emit(Op::YieldFrom, 0);
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => self.compare(left, ops, comparators, e.loc)?,
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(func, args, keywords, e.loc)?,
            ExprKind::FormattedValue {
                value,
                conversion,
                format_spec,
            } => {
                self.expr(value)?;
                let mut arg = match *conversion {
                    115 => 1,
                    114 => 2,
                    97 => 3,
                    _ => 0,
                };
                if let Some(spec) = format_spec {
                    self.expr(spec)?;
                    arg |= 4;
                }
                self.set_loc(e.loc);
                self.emit(Op::FormatValue, arg);
            }
            ExprKind::JoinedStr { values } => {
                if values.len() == 1
                    && let ExprKind::Constant { .. } = values[0].kind
                {
                    self.expr(&values[0])?;
                    return Ok(());
                }
                for v in values {
                    self.expr(v)?;
                }
                self.set_loc(e.loc);
                if values.is_empty() {
                    let s = self.maker.str(b"");
                    self.emit_const(s);
                } else if values.len() > 1 {
                    self.emit(Op::BuildString, values.len() as u32);
                } else if !matches!(values[0].kind, ExprKind::FormattedValue { .. }) {
                    // fine
                }
            }
            ExprKind::Attribute { value, attr, ctx } => {
                self.expr(value)?;
                self.set_loc(attr_loc(e.loc, e, attr));
                match ctx {
                    Ctx::Load => self.emit_name(Op::LoadAttr, attr),
                    _ => return Err(self.syntax_error("invalid attribute context", e.loc)),
                }
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value)?;
                self.subscript_key(slice, e.loc)?;
                self.set_loc(e.loc);
                self.emit(Op::BinarySubscr, 0);
            }
            ExprKind::Starred { .. } => {
                return Err(self.syntax_error("can't use starred expression here", e.loc));
            }
            ExprKind::Slice { lower, upper, step } => {
                let mut n = 2;
                for x in [lower, upper] {
                    match x {
                        Some(x) => self.expr(x)?,
                        None => self.emit_const(Value::None),
                    }
                }
                if let Some(s) = step {
                    self.expr(s)?;
                    n = 3;
                }
                self.set_loc(e.loc);
                self.emit(Op::BuildSlice, n);
            }
        }
        Ok(())
    }

    /// The key of a subscript at `loc`: a slice without a step is made on
    /// the subscript's line (CPython's BINARY_SLICE/STORE_SLICE take its
    /// bounds off the stack there), any other key as the expression it is.
    fn subscript_key(&mut self, slice: &Expr, loc: Loc) -> Result<(), SyntaxErr> {
        if let ExprKind::Slice {
            lower,
            upper,
            step: None,
        } = &slice.kind
        {
            for x in [lower, upper] {
                match x {
                    Some(x) => self.expr(x)?,
                    None => self.emit_const(Value::None),
                }
            }
            self.set_loc(loc);
            self.emit(Op::BuildSlice, 2);
            return Ok(());
        }
        self.expr(slice)
    }

    /// `e` as one constant, as CPython's AST optimizer folds it: a
    /// literal, a negated number, a tuple of those.
    fn folded(&mut self, e: &Expr) -> Result<Option<Value>, SyntaxErr> {
        Ok(match &e.kind {
            ExprKind::Constant { value, .. } if !matches!(value, Constant::Complex(_)) => {
                Some(self.constant(value, e.loc)?)
            }
            ExprKind::UnaryOp {
                op: UnaryOp::USub,
                operand,
            } => match &operand.kind {
                ExprKind::Constant {
                    value: value @ (Constant::Int(_) | Constant::Float(_)),
                    ..
                } => match self.constant(value, operand.loc)? {
                    Value::Int(i) if i != i64::MIN => Some(Value::Int(-i)),
                    Value::Float(f) => Some(Value::Float(-f)),
                    _ => None,
                },
                _ => None,
            },
            ExprKind::Tuple {
                elts,
                ctx: Ctx::Load,
            } => self.const_tuple(elts)?,
            _ => None,
        })
    }

    /// A tuple of constants becomes one constant.
    fn const_tuple(&mut self, elts: &[Expr]) -> Result<Option<Value>, SyntaxErr> {
        if elts.is_empty() || elts.len() > 32 {
            return Ok(None);
        }
        self.const_items(elts)
    }

    /// The tuple of `elts` when each folds to a constant.
    fn const_items<'e>(
        &mut self,
        elts: impl IntoIterator<Item = &'e Expr>,
    ) -> Result<Option<Value>, SyntaxErr> {
        let mut items = Vec::new();
        for e in elts {
            match self.folded(e)? {
                Some(v) => items.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(self.maker.tuple(items)))
    }

    /// An iterable a `for` loop or an `in` test only reads: a list display
    /// of constants is a tuple constant (CPython's `fold_iter`).
    fn iterable(&mut self, e: &Expr) -> Result<(), SyntaxErr> {
        if let ExprKind::List {
            elts,
            ctx: Ctx::Load,
        } = &e.kind
            && let Some(t) = self.const_items(elts)?
        {
            self.set_loc(e.loc);
            self.emit_const(t);
            return Ok(());
        }
        self.expr(e)
    }

    fn sequence(&mut self, elts: &[Expr], build: Op, loc: Loc) -> Result<(), SyntaxErr> {
        let has_star = elts
            .iter()
            .any(|e| matches!(e.kind, ExprKind::Starred { .. }));
        // Three or more constants in a list or set: built from one tuple
        // constant, on the display's line (CPython's `starunpack_helper`).
        if !has_star
            && build != Op::BuildTuple
            && elts.len() > 2
            && let Some(t) = self.const_items(elts)?
        {
            self.set_loc(loc);
            self.emit(build, 0);
            self.emit_const(t);
            self.emit(
                if build == Op::BuildSet {
                    Op::SetUpdate
                } else {
                    Op::ListExtend
                },
                1,
            );
            return Ok(());
        }
        if !has_star {
            for x in elts {
                self.expr(x)?;
            }
            self.set_loc(loc);
            self.emit(build, elts.len() as u32);
            return Ok(());
        }
        // With unpacking: build a list (or set) and extend it.
        let (start, add, extend) = if build == Op::BuildSet {
            (Op::BuildSet, Op::SetAdd, Op::SetUpdate)
        } else {
            (Op::BuildList, Op::ListAppend, Op::ListExtend)
        };
        self.emit(start, 0);
        for x in elts {
            match &x.kind {
                ExprKind::Starred { value, .. } => {
                    self.expr(value)?;
                    self.set_loc(x.loc);
                    self.emit(extend, 1);
                }
                _ => {
                    self.expr(x)?;
                    self.emit(add, 1);
                }
            }
        }
        if build == Op::BuildTuple {
            self.emit(Op::ListToTuple, 0);
        }
        Ok(())
    }

    fn compare(
        &mut self,
        left: &Expr,
        ops: &[CmpOp],
        comparators: &[Expr],
        loc: Loc,
    ) -> Result<(), SyntaxErr> {
        self.expr(left)?;
        if ops.len() == 1 {
            if matches!(ops[0], CmpOp::In | CmpOp::NotIn) {
                self.iterable(&comparators[0])?;
            } else {
                self.expr(&comparators[0])?;
            }
            self.set_loc(loc);
            self.emit_compare(ops[0]);
            return Ok(());
        }
        let cleanup = self.new_label();
        let end = self.new_label();
        for (i, (op, right)) in ops.iter().zip(comparators).enumerate() {
            self.expr(right)?;
            self.set_loc(loc);
            if i + 1 < ops.len() {
                self.emit(Op::Swap, 2);
                self.emit(Op::Copy, 2);
                self.emit_compare(*op);
                self.emit_jump(Op::JumpIfFalseOrPop, cleanup);
            } else {
                self.emit_compare(*op);
            }
        }
        self.emit_jump(Op::Jump, end);
        let d = self.unit().depth + 1;
        self.bind_at(cleanup, d);
        self.emit(Op::Swap, 2);
        self.emit(Op::PopTop, 0);
        self.bind(end);
        Ok(())
    }

    fn emit_compare(&mut self, op: CmpOp) {
        match op {
            CmpOp::Eq => self.emit(Op::CompareOp, CmpKind::Eq as u32),
            CmpOp::NotEq => self.emit(Op::CompareOp, CmpKind::Ne as u32),
            CmpOp::Lt => self.emit(Op::CompareOp, CmpKind::Lt as u32),
            CmpOp::LtE => self.emit(Op::CompareOp, CmpKind::Le as u32),
            CmpOp::Gt => self.emit(Op::CompareOp, CmpKind::Gt as u32),
            CmpOp::GtE => self.emit(Op::CompareOp, CmpKind::Ge as u32),
            CmpOp::Is => self.emit(Op::IsOp, 0),
            CmpOp::IsNot => self.emit(Op::IsOp, 1),
            CmpOp::In => self.emit(Op::ContainsOp, 0),
            CmpOp::NotIn => self.emit(Op::ContainsOp, 1),
        }
    }

    fn call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
        loc: Loc,
    ) -> Result<(), SyntaxErr> {
        // Method call: obj.m(...)
        let simple_args = !args
            .iter()
            .any(|a| matches!(a.kind, ExprKind::Starred { .. }))
            && !keywords.iter().any(|k| k.arg.is_none());
        let mut loc = loc;
        match &func.kind {
            ExprKind::Attribute {
                value,
                attr,
                ctx: Ctx::Load,
            } => {
                self.expr(value)?;
                let at = attr_loc(func.loc, func, attr);
                self.set_loc(at);
                self.emit_name(Op::LoadMethod, attr);
                if simple_args {
                    // A method call is on its name's line, as CPython's.
                    loc = attr_loc(loc, func, attr);
                } else if at.line != func.loc.line {
                    // CPython loads the attribute, then pushes NULL on the
                    // callee's first line: that line's event.
                    self.set_loc(func.loc);
                    self.emit(Op::Nop, 0);
                }
            }
            _ => {
                self.expr(func)?;
                self.set_loc(func.loc);
                self.emit(Op::PushUndef, 0);
            }
        }
        if simple_args {
            for a in args {
                self.expr(a)?;
            }
            if keywords.is_empty() {
                self.set_loc(loc);
                self.emit(Op::Call, args.len() as u32);
            } else {
                let mut names = Vec::new();
                for k in keywords {
                    self.expr(&k.value)?;
                    names.push(self.maker.name(k.arg.as_deref().unwrap_or("").as_bytes()));
                }
                let t = self.maker.tuple(names);
                self.emit_const(t);
                self.set_loc(loc);
                self.emit(Op::CallKw, (args.len() + keywords.len()) as u32);
            }
            return Ok(());
        }
        // General form: an args sequence and a kwargs mapping. `f(*a)` and
        // `f(**k)` pass `a` and `k` as they are (CallEx makes the tuple and
        // checks the mapping, as CPython's CALL_FUNCTION_EX does).
        if let [
            Expr {
                kind: ExprKind::Starred { value, .. },
                ..
            },
        ] = args
        {
            self.expr(value)?;
        } else {
            self.call_args_list(args)?;
        }
        match keywords {
            [] => {
                self.set_loc(loc);
                self.emit(Op::CallEx, 0);
            }
            [
                Keyword {
                    arg: None, value, ..
                },
            ] => {
                self.expr(value)?;
                self.set_loc(loc);
                self.emit(Op::CallEx, 1);
            }
            _ => {
                self.emit(Op::BuildMap, 0);
                for k in keywords {
                    match &k.arg {
                        Some(name) => {
                            let n = self.maker.name(name.as_bytes());
                            self.emit_const(n);
                            self.expr(&k.value)?;
                            self.emit(Op::MapAdd, 1);
                        }
                        None => {
                            self.expr(&k.value)?;
                            self.set_loc(k.loc);
                            self.emit(Op::DictMerge, 1);
                        }
                    }
                }
                self.set_loc(loc);
                self.emit(Op::CallEx, 1);
            }
        }
        Ok(())
    }

    /// A call's positional arguments, some starred, as one tuple.
    fn call_args_list(&mut self, args: &[Expr]) -> Result<(), SyntaxErr> {
        self.emit(Op::BuildList, 0);
        for a in args {
            match &a.kind {
                ExprKind::Starred { value, .. } => {
                    self.expr(value)?;
                    self.set_loc(a.loc);
                    self.emit(Op::ListExtend, 1);
                }
                _ => {
                    self.expr(a)?;
                    self.emit(Op::ListAppend, 1);
                }
            }
        }
        self.emit(Op::ListToTuple, 0);
        Ok(())
    }

    fn comprehension(
        &mut self,
        kind: CompKind,
        generators: &[Comprehension],
        elt: &Expr,
        value: Option<&Expr>,
        loc: Loc,
    ) -> Result<(), SyntaxErr> {
        if generators.iter().any(|g| g.is_async) {
            return Err(self.syntax_error(
                "asynchronous comprehension outside of an asynchronous function",
                loc,
            ));
        }
        // The outermost iterable, evaluated here (its lambdas and
        // comprehensions are scopes that come before this one).
        self.expr(&generators[0].iter)?;
        self.set_loc(generators[0].iter.loc);
        self.emit(Op::GetIter, 0);
        let scope = self.child_scope(loc)?;
        let name = match kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Gen => "<genexpr>",
        };
        let qualname = self.child_qualname(name);
        self.push_unit(scope, qualname);
        self.set_loc(loc);
        self.unit().consts.push(Value::None);
        if kind != CompKind::Gen {
            let build = match kind {
                CompKind::List => Op::BuildList,
                CompKind::Set => Op::BuildSet,
                _ => Op::BuildMap,
            };
            self.emit(build, 0);
        }
        self.comp_generator(kind, generators, 0, elt, value)?;
        if kind == CompKind::Gen {
            // A generator expression ends on its loop's line (CPython's
            // END_FOR, then the implicit `return None` after it).
            self.set_loc(generators[0].iter.loc);
            self.emit_const(Value::None);
        } else {
            self.set_loc(loc);
        }
        self.emit(Op::ReturnValue, 0);
        let mut f = flags::OPTIMIZED | flags::NESTED;
        if kind != CompKind::Gen {
            f |= flags::INLINED;
        }
        let code = self.finish_unit(name, 1, f, loc.line)?;
        let freevars = code.freevars.clone();
        let cv = self.maker.code(code);
        let mut fl = 0;
        if !freevars.is_empty() {
            for fv in &freevars {
                let i = self.closure_source(fv);
                self.emit(Op::LoadClosure, i);
            }
            self.emit(Op::BuildTuple, freevars.len() as u32);
            fl |= 8;
        }
        self.emit_const(cv);
        self.set_loc(loc);
        self.emit(Op::MakeFunction, fl);
        // [iter, func] → func(iter)
        self.emit(Op::Swap, 2);
        self.emit(Op::PushUndef, 0);
        self.emit(Op::Swap, 2);
        self.emit(Op::Call, 1);
        Ok(())
    }

    fn comp_generator(
        &mut self,
        kind: CompKind,
        gens: &[Comprehension],
        i: usize,
        elt: &Expr,
        value: Option<&Expr>,
    ) -> Result<(), SyntaxErr> {
        let g = &gens[i];
        let start = self.new_label();
        let cleanup = self.new_label();
        if i == 0 {
            self.emit(Op::LoadFast, 0); // .0
        } else {
            self.expr(&g.iter)?;
            self.set_loc(g.iter.loc);
            self.emit(Op::GetIter, 0);
        }
        self.bind(start);
        self.set_loc(g.iter.loc);
        self.emit_jump(Op::ForIter, cleanup);
        self.store_target(&g.target)?;
        let skip = self.new_label();
        for c in &g.ifs {
            self.cond_jump_at(c, false, skip, Some(elt.loc))?;
        }
        if i + 1 < gens.len() {
            self.comp_generator(kind, gens, i + 1, elt, value)?;
        } else {
            // Depth of the collection below: the iterators of all levels.
            let depth = (gens.len() + 1) as u32;
            // Adding to the collection is on the element's position (a
            // dict's from its key to its value), as CPython's.
            match kind {
                CompKind::List => {
                    self.expr(elt)?;
                    self.set_loc(elt.loc);
                    self.emit(Op::ListAppend, depth);
                }
                CompKind::Set => {
                    self.expr(elt)?;
                    self.set_loc(elt.loc);
                    self.emit(Op::SetAdd, depth);
                }
                CompKind::Dict => {
                    let value = value.expect("dict value");
                    self.expr(elt)?;
                    self.expr(value)?;
                    self.set_loc(Loc {
                        end_line: value.loc.end_line,
                        end_col: value.loc.end_col,
                        ..elt.loc
                    });
                    self.emit(Op::MapAdd, depth);
                }
                CompKind::Gen => {
                    self.expr(elt)?;
                    self.set_loc(elt.loc);
                    self.emit(Op::YieldValue, 0);
                    self.emit(Op::PopTop, 0);
                }
            }
        }
        self.bind(skip);
        // The jump back is on the element's line too (CPython's `elt_loc`).
        self.set_loc(elt.loc);
        self.emit_jump(Op::JumpBackward, start);
        self.bind(cleanup);
        Ok(())
    }
}

/// A function's annotations in the order CPython evaluates them: the
/// parameters' (positional, then positional-only, `*args`, keyword-only,
/// `**kwargs`), then the return's.
pub(crate) fn annotations<'e>(
    args: &'e Arguments,
    returns: Option<&'e Expr>,
) -> Vec<(Rc<str>, &'e Expr)> {
    let params = args
        .args
        .iter()
        .chain(&args.posonlyargs)
        .chain(args.vararg.iter())
        .chain(&args.kwonlyargs)
        .chain(args.kwarg.iter());
    let mut out: Vec<(Rc<str>, &Expr)> = params
        .filter_map(|a| a.annotation.as_deref().map(|e| (a.arg.clone(), e)))
        .collect();
    if let Some(r) = returns {
        out.push((Rc::from("return"), r));
    }
    out
}

/// The first line of a definition's code object (`co_firstlineno`): its
/// first decorator's, else its own (CPython's).
fn first_line(decorators: &[Expr], def: Loc) -> u32 {
    decorators.first().map_or(def.line, |d| d.loc.line)
}

/// Where an instruction on attribute `attr` of `e` is (`loc`, the
/// expression's or the call's): from the attribute's name on when `e`
/// ends on a later line — an error in a multi-line chain points at the
/// name, and traces its line (CPython's
/// `update_start_location_to_match_attr`).
fn attr_loc(loc: Loc, e: &Expr, attr: &str) -> Loc {
    if loc.line == e.loc.end_line {
        return loc;
    }
    let len = attr.chars().count() as u32;
    let Some(col) = e.loc.end_col.checked_sub(len) else {
        return loc;
    };
    let end_line = loc.end_line.max(e.loc.end_line);
    Loc {
        line: e.loc.end_line,
        col,
        end_line,
        end_col: if end_line == e.loc.end_line {
            loc.end_col.max(col)
        } else {
            loc.end_col
        },
    }
}

enum FuncBody<'b> {
    Stmts(&'b [Stmt]),
    Expr(&'b Expr),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

fn binkind(op: BinOp) -> BinKind {
    match op {
        BinOp::Add => BinKind::Add,
        BinOp::Sub => BinKind::Sub,
        BinOp::Mult => BinKind::Mul,
        BinOp::MatMult => BinKind::MatMul,
        BinOp::Div => BinKind::TrueDiv,
        BinOp::Mod => BinKind::Mod,
        BinOp::Pow => BinKind::Pow,
        BinOp::LShift => BinKind::LShift,
        BinOp::RShift => BinKind::RShift,
        BinOp::BitOr => BinKind::Or,
        BinOp::BitXor => BinKind::Xor,
        BinOp::BitAnd => BinKind::And,
        BinOp::FloorDiv => BinKind::FloorDiv,
    }
}
