//! The eval loop (Python/ceval.c, Python/bytecodes.c, 3.13).
//!
//! One loop runs every frame of a thread: a call to a Python function
//! pushes a frame and continues; a return pops it and resumes the caller.
//! The Rust stack grows only when Rust code calls back into Python (a
//! builtin calling a key function, a `__eq__` during a dict lookup …),
//! and that nesting is bounded.
//!
//! The loop checks the eval breaker (pending calls, GIL drop requests,
//! asynchronous exceptions, a scheduled cycle collection) at backward
//! jumps and function entries, as CPython does.
//!
//! The thread's state is reached through a raw pointer: no Rust
//! reference to it is held across a call that may re-enter the loop.

use std::cell::{Cell, RefCell};

use smallvec::SmallVec;

use super::attr_cache::Access;
use super::code::{BinKind, CmpKind, Code, Op, flags};
use super::frame::{Frame, Ret, VmThread};
use super::func::{Args, Function, NativeFn};
use super::heap::PyVecExt;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, Vm};

thread_local! {
    static THREAD: Cell<*mut VmThread> = const { Cell::new(std::ptr::null_mut()) };
}

/// Deepest Rust-level nesting of eval loops (each costs Rust stack).
const MAX_NATIVE_DEPTH: usize = 160;

/// Makes `th` this OS thread's running VM thread until the guard drops.
pub fn enter_thread(th: *mut VmThread) -> ThreadGuard {
    let prev = THREAD.with(|c| c.replace(th));
    ThreadGuard { prev }
}

/// Restores the previous VM thread.
#[derive(Debug)]
pub struct ThreadGuard {
    prev: *mut VmThread,
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        THREAD.with(|c| c.set(self.prev));
    }
}

/// The running VM thread's pointer.
pub(crate) fn thread_ptr() -> *mut VmThread {
    THREAD.with(Cell::get)
}

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the pointer is this OS thread's running VM thread (set by
        // `enter_thread`); the reference is used within one statement and
        // never held across a call that may re-enter the loop.
        unsafe { &mut *$p }
    };
}

fn code_of(f: &Frame) -> &Code {
    match &f.code.kind {
        ObjKind::Code(c) => c,
        _ => unreachable!("frames hold code objects"),
    }
}

/// Calls a Python function from Rust (a nested loop).
pub fn call_function(vm: &Vm, func: &ObjRef, args: Args<'_>) -> PyResult<Value> {
    let thp = thread_ptr();
    if thp.is_null() {
        return Err(vm.runtime_error("no Python thread is running"));
    }
    let depth = th!(thp).native_depth;
    if depth >= MAX_NATIVE_DEPTH {
        return Err(vm.new_error("RecursionError", "maximum recursion depth exceeded"));
    }
    match push_py_frame(vm, thp, func, None, args)? {
        Ok(e) => run_entered(vm, thp, e),
        // A generator object.
        Err(v) => Ok(v),
    }
}

/// Calls `f(a, b, c)` (a trace or profile function): straight into its
/// frame when it is a Python function taking exactly three positional
/// parameters — the arguments move onto the frame, no argument vector,
/// no binding — else through `Vm::call`. The arguments come as separate
/// values and the result goes straight back: moving them through an
/// array and a nested `Result` stalled the processor on every event
/// (16-byte loads of values just written as two 8-byte halves); inline in
/// its one caller, the result is written where that caller returns it.
#[inline(always)]
pub(crate) fn call3(
    vm: &Vm,
    thp: *mut VmThread,
    f: &Value,
    a: Value,
    b: Value,
    c: Value,
) -> PyResult<Value> {
    if let Value::Obj(func) = f
        && let Some((fun, code)) = simple_callee(vm, thp, func, 3)
        && th!(thp).native_depth < MAX_NATIVE_DEPTH
    {
        let th = th!(thp);
        let sp = th.stack.len();
        th.stack.reserve(5);
        // SAFETY: room for five values was reserved just above; each slot
        // past the length is written once before the length covers it.
        // The callable's slot stays empty: the frame's `func` keeps the
        // function (a second reference was two more updates, every event,
        // of the one count all the events touch).
        unsafe {
            let p = th.stack.as_mut_ptr().add(sp);
            std::ptr::write(p, Value::Undef);
            std::ptr::write(p.add(1), Value::Undef);
            std::ptr::write(p.add(2), a);
            std::ptr::write(p.add(3), b);
            std::ptr::write(p.add(4), c);
            th.stack.set_len(sp + 5);
        }
        enter_simple(thp, func, fun, code, sp, sp + 2, Ret::Boundary);
        let e = entered(vm, thp, th!(thp).frames.len() - 1);
        return run_entered(vm, thp, e);
    }
    vm.call(f, Args::positional(&[a, b, c]))
}

/// A frame pushed for a run from Rust: its index, and the error a trace
/// or profile function raised for its 'call' event, which the run raises
/// in the new frame (as CPython does).
pub(crate) struct Entered {
    pub(crate) stop: usize,
    pub(crate) pending: Option<PyErr>,
}

/// Runs the frame pushed from Rust to its end, one Rust level deeper.
pub(crate) fn run_entered(vm: &Vm, thp: *mut VmThread, e: Entered) -> PyResult<Value> {
    th!(thp).native_depth += 1;
    // The common case straight into the untraced loop (a trace function,
    // a callback); `run_with` takes over at the first error.
    let r = match e.pending {
        None if !tracing_now(thp) => match run_inner::<false>(vm, thp, e.stop) {
            Ok(v) => Ok(v),
            Err(err) => run_with(vm, thp, e.stop, Some(err)),
        },
        pending => run_with(vm, thp, e.stop, pending),
    };
    th!(thp).native_depth -= 1;
    r
}

/// The function and code of `func` when a call with `npos` positional
/// arguments and no keywords can enter it without argument binding
/// (CPython's "exact args" case), within the recursion limit.
#[inline]
fn simple_callee<'a>(
    vm: &Vm,
    thp: *mut VmThread,
    func: &'a ObjRef,
    npos: usize,
) -> Option<(&'a Function, &'a Code)> {
    if let ObjKind::Function(f) = &func.kind
        && let ObjKind::Code(c) = &f.code.kind
        && c.simple_call
        && c.argcount as usize == npos
        && th!(thp).frames.len() < vm.recursion_limit.get()
    {
        return Some((f, c));
    }
    None
}

/// Reports the 'call' event of the frame just pushed at `stop`.
fn entered(vm: &Vm, thp: *mut VmThread, stop: usize) -> Entered {
    Entered {
        stop,
        pending: super::tracing::on_call(vm, thp).err(),
    }
}

/// Pushes the frame of a call to the Python function `func` (with
/// `self_arg` first, for a bound method) returning to Rust, and reports
/// the 'call' event: `Ok(Ok(entered))`, or `Ok(Err(generator))` when
/// calling it made a generator.
fn push_py_frame(
    vm: &Vm,
    thp: *mut VmThread,
    func: &ObjRef,
    self_arg: Option<&Value>,
    args: Args<'_>,
) -> PyResult<Result<Entered, Value>> {
    let sp = th!(thp).stack.len();
    {
        let th = th!(thp);
        th.stack.push(Value::Obj(func.clone()));
        th.stack.push(Value::Undef);
        if let Some(s) = self_arg {
            th.stack.push(s.clone());
        }
        th.stack.extend_from_slice(args.all);
    }
    let nkw = args.kwnames.len();
    let npos = args.all.len() - nkw + usize::from(self_arg.is_some());
    // Fast path: exactly the positional parameters (a tracer's three, a
    // key function's one) — no argument binding.
    if nkw == 0
        && let Some((f, c)) = simple_callee(vm, thp, func, npos)
    {
        enter_simple(thp, func, f, c, sp, sp + 2, Ret::Boundary);
        return Ok(Ok(entered(vm, thp, th!(thp).frames.len() - 1)));
    }
    let kwnames: SmallVec<[Value; 4]> = args.kwnames.iter().cloned().collect();
    match push_function_frame(vm, thp, func, sp, sp + 2, npos, &kwnames, Ret::Boundary) {
        Err(e) => {
            th!(thp).stack.truncate(sp);
            Err(e)
        }
        Ok(false) => Ok(Err(th!(thp).stack.pop().unwrap_or_default())),
        Ok(true) => Ok(Ok(entered(vm, thp, th!(thp).frames.len() - 1))),
    }
}

/// Pushes a frame running `code` in `globals` (with `locals` for `exec`
/// with a separate namespace) and reports the 'call' event; returns its
/// index. A green thread's first frame, and `run_code`'s.
pub(crate) fn push_code_frame(
    vm: &Vm,
    thp: *mut VmThread,
    code: &ObjRef,
    globals: &ObjRef,
    locals: Option<ObjRef>,
) -> PyResult<Entered> {
    let builtins = module_builtins(vm, globals);
    let ObjKind::Code(c) = &code.kind else {
        return Err(vm.type_error("expected a code object"));
    };
    let sp = th!(thp).stack.len();
    let th = th!(thp);
    if th.frames.len() >= vm.recursion_limit.get() {
        return Err(vm.new_error("RecursionError", "maximum recursion depth exceeded"));
    }
    th.stack.reserve(c.nslots() + c.stacksize as usize);
    for _ in 0..c.nslots() {
        th.stack.push(Value::Undef);
    }
    th.frames.push(Frame {
        code: code.clone(),
        ip: 0,
        base: sp,
        ret_sp: sp,
        globals: globals.clone(),
        builtins,
        locals,
        func: None,
        generator: None,
        ret: Ret::Boundary,
        last_line: 0,
        last_traced: -1,
        handler_lasti: 0,
    });
    Ok(entered(vm, thp, th!(thp).frames.len() - 1))
}

/// Pushes the frame of a call to `func` (a green thread's first frame):
/// `Ok(Ok(index))`, or `Ok(Err(result))` when `func` is not a Python
/// function and was simply called.
pub(crate) fn push_call_frame(
    vm: &Vm,
    thp: *mut VmThread,
    func: &Value,
    args: Args<'_>,
) -> PyResult<Result<Entered, Value>> {
    let (f, self_arg) = match func.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Function(_)) => (func.clone(), None),
        Some(ObjKind::Method(m))
            if matches!(m.0.as_obj().map(|o| &o.kind), Some(ObjKind::Function(_))) =>
        {
            (m.0.clone(), Some(m.1.clone()))
        }
        _ => {
            // A builtin: it runs to completion here (a wait inside it
            // cannot leave the Rust stack).
            let saved = th!(thp).green_base.take();
            let r = vm.call(func, args);
            th!(thp).green_base = saved;
            return r.map(Err);
        }
    };
    let fo = f.as_obj().expect("a function").clone();
    push_py_frame(vm, thp, &fo, self_arg.as_ref(), args)
}

/// Runs a code object (module body, `exec`) in `globals` with `locals`.
pub fn run_code(
    vm: &Vm,
    code: &ObjRef,
    globals: &ObjRef,
    locals: Option<ObjRef>,
) -> PyResult<Value> {
    let thp = thread_ptr();
    if thp.is_null() {
        return Err(vm.runtime_error("no Python thread is running"));
    }
    let e = push_code_frame(vm, thp, code, globals, locals)?;
    run_entered(vm, thp, e)
}

/// The builtins dict for a globals dict (`__builtins__`, else the VM's).
fn module_builtins(vm: &Vm, globals: &ObjRef) -> ObjRef {
    match vm.dict_get_strval(globals, &vm.names.builtins) {
        Some(Value::Obj(b)) => match &b.kind {
            ObjKind::Module(m) => m.dict.clone(),
            ObjKind::Dict(_) => b,
            _ => vm.builtins_dict.clone(),
        },
        _ => vm.builtins_dict.clone(),
    }
}

/// Sets up the frame of a call: the callee's arguments are on the stack at
/// `args_at..` (positional first, then keyword values named by
/// `kwnames`); `ret_sp` is where the stack returns to.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_function_frame(
    vm: &Vm,
    thp: *mut VmThread,
    func: &ObjRef,
    ret_sp: usize,
    args_at: usize,
    npos: usize,
    kwnames: &[Value],
    ret: Ret,
) -> PyResult<bool> {
    let ObjKind::Function(f) = &func.kind else {
        return Err(vm.type_error("not a function"));
    };
    let ObjKind::Code(code) = &f.code.kind else {
        return Err(vm.type_error("function without code"));
    };
    if th!(thp).frames.len() >= vm.recursion_limit.get() {
        return Err(vm.new_error("RecursionError", "maximum recursion depth exceeded"));
    }
    let nslots = code.nslots();
    let nlocals = code.nlocals();
    let argcount = code.argcount as usize;
    // Fast path: exactly the positional parameters, no keywords.
    let simple = kwnames.is_empty()
        && npos == argcount
        && code.kwonlyargcount == 0
        && code.flags & (flags::VARARGS | flags::VARKEYWORDS) == 0;
    // Or fewer positional arguments than parameters, the rest from the
    // defaults (CPython's common case after exact arguments).
    let defaults = if simple {
        None
    } else {
        positional_defaults(f, code, npos, kwnames)
    };
    if simple || defaults.is_some() {
        let th = th!(thp);
        th.stack.reserve(nslots - npos + code.stacksize as usize);
        if let Some(d) = defaults {
            let first = argcount - d.len();
            th.stack.extend(d[npos - first..].iter().cloned());
        }
        for _ in argcount..nslots {
            th.stack.push(Value::Undef);
        }
    } else {
        if let Err(e) = bind_args(vm, thp, f, code, args_at, npos, kwnames) {
            // Nothing of the call stays on the stack.
            th!(thp).stack.truncate(args_at);
            return Err(e);
        }
    }
    // Cells and free variables.
    if !code.cellvars.is_empty() || !code.freevars.is_empty() {
        for (i, _) in code.cellvars.iter().enumerate() {
            let init = match code.cell2arg[i] {
                Some(a) => std::mem::take(&mut th!(thp).stack[args_at + a as usize]),
                None => Value::Undef,
            };
            let cell = vm.alloc(ObjKind::Cell(RefCell::new(init)))?;
            th!(thp).stack[args_at + nlocals + i] = Value::Obj(cell);
        }
        if let Value::Obj(t) = &f.closure
            && let ObjKind::Tuple(cells) = &t.kind
        {
            for (i, c) in cells.iter().enumerate() {
                th!(thp).stack[args_at + nlocals + code.cellvars.len() + i] = c.clone();
            }
        }
    }
    let frame = Frame {
        code: f.code.clone(),
        ip: 0,
        base: args_at,
        ret_sp,
        globals: f.globals.clone(),
        builtins: f.builtins.clone(),
        locals: None,
        func: Some(func.clone()),
        generator: None,
        ret,
        last_line: 0,
        last_traced: -1,
        handler_lasti: 0,
    };
    if code.flags & flags::GENERATOR != 0 {
        // A generator function: its frame and slots move into a new
        // generator object, which is the call's result.
        let stack: Vec<Value> = th!(thp).stack.drain(args_at..).collect();
        let g = super::generator::GenState {
            frame: Some(Frame {
                base: 0,
                ret_sp: 0,
                ret: Ret::Push,
                ..frame
            }),
            stack,
            running: false,
            started: false,
            name: f.name.borrow().clone(),
            qualname: f.qualname.borrow().clone(),
            code: f.code.clone(),
        };
        let gobj = vm.alloc(ObjKind::Generator(RefCell::new(g)))?;
        let th = th!(thp);
        th.stack.truncate(ret_sp);
        th.stack.push(Value::Obj(gobj));
        return Ok(false);
    }
    th!(thp).frames.push(frame);
    Ok(true)
}

/// `a op b` for two inline numbers, when it cannot fail or overflow.
#[inline(always)]
fn fast_binop(kind: BinKind, a: &Value, b: &Value) -> Option<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => match kind {
            BinKind::Add => x.checked_add(*y).map(Value::Int),
            BinKind::Sub => x.checked_sub(*y).map(Value::Int),
            BinKind::Mul => mul_i64(*x, *y).map(Value::Int),
            BinKind::And => Some(Value::Int(x & y)),
            BinKind::Or => Some(Value::Int(x | y)),
            BinKind::Xor => Some(Value::Int(x ^ y)),
            // Both non-negative: unsigned division needs no overflow
            // check (an i64 `%` was a call in the wasm builds).
            BinKind::Mod if *y > 0 && *x >= 0 => Some(Value::Int((*x as u64 % *y as u64) as i64)),
            BinKind::FloorDiv if *y > 0 && *x >= 0 => {
                Some(Value::Int((*x as u64 / *y as u64) as i64))
            }
            _ => None,
        },
        (Value::Float(x), Value::Float(y)) => match kind {
            BinKind::Add => Some(Value::Float(x + y)),
            BinKind::Sub => Some(Value::Float(x - y)),
            BinKind::Mul => Some(Value::Float(x * y)),
            BinKind::TrueDiv if *y != 0.0 => Some(Value::Float(x / y)),
            // A positive finite base: libm's pow, as CPython (no domain
            // error is possible; an overflow takes the slow path).
            BinKind::Pow if *x > 0.0 && x.is_finite() && y.is_finite() => {
                let r = x.powf(*y);
                r.is_finite().then_some(Value::Float(r))
            }
            _ => None,
        },
        (Value::Float(x), Value::Int(y)) => match kind {
            BinKind::Add => Some(Value::Float(x + *y as f64)),
            BinKind::Sub => Some(Value::Float(x - *y as f64)),
            BinKind::Mul => Some(Value::Float(x * *y as f64)),
            _ => None,
        },
        (Value::Int(x), Value::Float(y)) => match kind {
            BinKind::Add => Some(Value::Float(*x as f64 + y)),
            BinKind::Sub => Some(Value::Float(*x as f64 - y)),
            BinKind::Mul => Some(Value::Float(*x as f64 * y)),
            _ => None,
        },
        _ => None,
    }
}

/// `x * y` unless it overflows i64. wasm has no multiply-with-overflow:
/// `checked_mul` there is a call to a 128-bit multiply, so operands that
/// fit in 32 bits (whose product cannot overflow) multiply directly.
#[inline(always)]
fn mul_i64(x: i64, y: i64) -> Option<i64> {
    #[cfg(target_family = "wasm")]
    if i64::from(x as i32) == x && i64::from(y as i32) == y {
        return Some(x * y);
    }
    x.checked_mul(y)
}

/// `a op b` for two inline ints or two floats.
#[inline(always)]
fn fast_compare(op: CmpKind, a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(match op {
            CmpKind::Lt => x < y,
            CmpKind::Le => x <= y,
            CmpKind::Eq => x == y,
            CmpKind::Ne => x != y,
            CmpKind::Gt => x > y,
            CmpKind::Ge => x >= y,
        }),
        (Value::Float(x), Value::Float(y)) => Some(match op {
            CmpKind::Lt => x < y,
            CmpKind::Le => x <= y,
            CmpKind::Eq => x == y,
            CmpKind::Ne => x != y,
            CmpKind::Gt => x > y,
            CmpKind::Ge => x >= y,
        }),
        _ => None,
    }
}

/// `a + b` with `a` a str held only by the stack and local slot `local`
/// (about to be stored back there): appends `b` to `a` in place and
/// stores the result. False (nothing changed) when the shape does not
/// fit.
#[inline(never)]
fn concat_in_place(thp: *mut VmThread, local: usize) -> bool {
    let th = th!(thp);
    let n = th.stack.len();
    if n < 2 || local >= n - 2 {
        return false;
    }
    let (Value::Obj(a), Value::Obj(b)) = (&th.stack[n - 2], &th.stack[n - 1]) else {
        return false;
    };
    let (ObjKind::Str(sa), ObjKind::Str(sb)) = (&a.kind, &b.kind) else {
        return false;
    };
    if !matches!(&th.stack[local], Value::Obj(l) if l.ptr_eq(a)) || a.ptr_eq(b) || a.refcount() != 2
    {
        return false;
    }
    // The two references are the local and the stack copy: with the
    // local's dropped, the stack holds the only one.
    // SAFETY: count 1 after the local is cleared (below, before the
    // append); no borrow of the bytes is alive (`sb` is another object).
    let ok = unsafe {
        let ap: *const super::object::PyStr = sa;
        let blen = sb.len();
        let bytes: *const [u8] = sb.as_bytes();
        let local_ref = std::mem::take(&mut th.stack[local]);
        if (*ap).append_unique(&*bytes, blen) {
            drop(local_ref);
            true
        } else {
            th.stack[local] = local_ref;
            false
        }
    };
    if !ok {
        return false;
    }
    // [.., a, b] -> local = a; stack [..]
    let b = th.stack.pop().unwrap_or_default();
    let a = th.stack.pop().unwrap_or_default();
    th.stack[local] = a;
    drop(b);
    true
}

/// Enters a function whose call needs no argument binding (see
/// `Code::simple_call`): the arguments already sit in its first slots.
#[inline(always)]
fn enter_simple(
    thp: *mut VmThread,
    func: &ObjRef,
    f: &Function,
    code: &Code,
    ret_sp: usize,
    args_at: usize,
    ret: Ret,
) {
    let th = th!(thp);
    let extra = code.nslots() - code.argcount as usize;
    th.stack.reserve(extra + code.stacksize as usize);
    for _ in 0..extra {
        th.stack.push(Value::Undef);
    }
    if !code.freevars.is_empty() {
        enter_closure(thp, f, code, args_at);
    }
    th.frames.reserve(1);
    let n = th.frames.len();
    // SAFETY: room for one more frame was reserved; writing the fields
    // straight into the slot avoids building the frame on the Rust stack
    // and copying it (the copy was a measurable share of a call).
    unsafe {
        std::ptr::write(
            th.frames.as_mut_ptr().add(n),
            Frame {
                code: f.code.clone(),
                ip: 0,
                base: args_at,
                ret_sp,
                globals: f.globals.clone(),
                builtins: f.builtins.clone(),
                locals: None,
                func: Some(func.clone()),
                generator: None,
                ret,
                last_line: 0,
                last_traced: -1,
                handler_lasti: 0,
            },
        );
        th.frames.set_len(n + 1);
    }
}

/// Enters a property's getter `g` (a Python function) as a frame called
/// with `obj`, its return value to be pushed where the attribute's value
/// goes (CPython's `LOAD_ATTR_PROPERTY`).
#[inline(never)]
fn enter_getter(vm: &Vm, thp: *mut VmThread, g: ObjRef, obj: Value) -> PyResult<()> {
    let th = th!(thp);
    let at = th.stack.len();
    th.stack.push(Value::Obj(g.clone()));
    th.stack.push(obj);
    if let Some((f, c)) = simple_callee(vm, thp, &g, 1) {
        enter_simple(thp, &g, f, c, at, at + 1, Ret::Push);
        return breaker(vm, thp);
    }
    push_frame_for_call(vm, thp, &g, at, at + 1, 1, &[], Ret::Push)
}

/// BUILD_TUPLE / BUILD_LIST: the top `n` values moved straight into the
/// new object's buffer (no intermediate vector).
#[inline(never)]
fn build_seq(vm: &Vm, thp: *mut VmThread, n: usize, list: bool) -> PyResult<Value> {
    let mut v = super::heap::pyvec();
    v.try_reserve_exact(n).map_err(|_| vm.memory_error())?;
    let st = &mut th!(thp).stack;
    let at = st.len() - n;
    v.extend(st.drain(at..));
    if list {
        vm.list_from_pyvec(v)
    } else {
        vm.tuple_from_pyvec(v)
    }
}

/// A simple call's free variables: the closure's cells into their slots
/// (after the locals; a simple-call code has no cells of its own).
#[inline(never)]
fn enter_closure(thp: *mut VmThread, f: &Function, code: &Code, args_at: usize) {
    if let Value::Obj(t) = &f.closure
        && let ObjKind::Tuple(cells) = &t.kind
    {
        let at = args_at + code.nlocals();
        let st = &mut th!(thp).stack;
        for (i, c) in cells.iter().enumerate() {
            st[at + i] = c.clone();
        }
    }
}

/// The defaults of `f` when a call with `npos` positional arguments and
/// no keywords binds by position and takes the missing parameters from
/// them: no keyword-only parameters, no `*args`/`**kwargs`, and enough
/// defaults.
#[inline(never)]
fn positional_defaults<'a>(
    f: &'a Function,
    code: &Code,
    npos: usize,
    kwnames: &[Value],
) -> Option<std::cell::Ref<'a, [Value]>> {
    let argcount = code.argcount as usize;
    if !kwnames.is_empty()
        || npos >= argcount
        || code.kwonlyargcount != 0
        || code.flags & (flags::VARARGS | flags::VARKEYWORDS) != 0
    {
        return None;
    }
    let d = f.defaults.try_borrow().ok()?;
    std::cell::Ref::filter_map(d, |d| match d.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) if npos + t.len() >= argcount => Some(&t[..]),
        _ => None,
    })
    .ok()
}

/// Moves the values at `from..` off the thread's stack.
#[inline(always)]
fn take_from(thp: *mut VmThread, from: usize) -> SmallVec<[Value; 8]> {
    let st = &mut th!(thp).stack;
    let n = st.len() - from;
    let mut out = SmallVec::with_capacity(n);
    // SAFETY: the values at from..from+n are moved out exactly once: the
    // length is cut to `from` before anything else touches the stack.
    unsafe {
        let p = st.as_ptr().add(from);
        for i in 0..n {
            out.push(std::ptr::read(p.add(i)));
        }
        st.set_len(from);
    }
    out
}

/// CALL_FUNCTION_EX's operands as a call's arguments on the stack: the
/// positional sequence's items (a tuple or list read as it is, another
/// iterable collected), then the keyword mapping's values (a dict read as
/// it is, another mapping copied as DICT_MERGE would); returns the keyword
/// names (a tuple, or None). Errors name the function as CPython's do.
fn spread_call_args(
    vm: &Vm,
    thp: *mut VmThread,
    callable_at: usize,
    args: &Value,
    kwargs: &Value,
) -> PyResult<Value> {
    match args.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => th!(thp).stack.extend(t.iter().cloned()),
        Some(ObjKind::List(l)) => th!(thp).stack.extend(l.borrow().iter().cloned()),
        _ => match vm.to_vec(args) {
            Ok(items) => th!(thp).stack.extend(items),
            Err(e) if vm.exc_matches(&e, "TypeError") => {
                let f = th!(thp).stack[callable_at].clone();
                return Err(vm.type_error(format!(
                    "{} argument after * must be an iterable, not {}",
                    vm.function_str(&f),
                    vm.type_name(args)
                )));
            }
            Err(e) => return Err(e),
        },
    }
    let items = match kwargs.as_obj().map(|o| &o.kind) {
        _ if kwargs.is_none() => return Ok(Value::None),
        Some(ObjKind::Dict(d)) => super::dict::items(d),
        _ => {
            let d = Value::Obj(vm.new_dict()?);
            let f = th!(thp).stack[callable_at].clone();
            super::builtins::dict_update_from(vm, &d, kwargs, super::builtins::Update::Merge(&f))?;
            let Some(ObjKind::Dict(d)) = d.as_obj().map(|o| &o.kind) else {
                unreachable!("new_dict makes a dict")
            };
            super::dict::items(d)
        }
    };
    if items.is_empty() {
        return Ok(Value::None);
    }
    let mut names = Vec::with_capacity(items.len());
    for (k, v) in items {
        if k.as_str().is_none() {
            return Err(vm.type_error("keywords must be strings"));
        }
        names.push(k);
        th!(thp).stack.push(v);
    }
    vm.new_tuple(names)
}

/// Moves the `N` values at `from..` off the thread's stack into an array,
/// then drops the rest down to `keep` (the callable and self slot).
#[inline(always)]
fn take_array<const N: usize>(thp: *mut VmThread, from: usize, keep: usize) -> [Value; N] {
    let st = &mut th!(thp).stack;
    debug_assert_eq!(st.len(), from + N);
    // SAFETY: the stack holds exactly N values at from..from+N (the
    // caller matched on the length); each is moved out once and the
    // length is cut to `from` before anything else touches the stack.
    let a = unsafe {
        let p = st.as_ptr().add(from);
        let a = std::array::from_fn(|i| std::ptr::read(p.add(i)));
        st.set_len(from);
        a
    };
    st.truncate(keep);
    a
}

/// Argument binding for the general case (`_PyEval_MakeFrameVector`'s
/// `initialize_locals`), with CPython's TypeError messages: the
/// parameters' slots are made where the positional arguments already are
/// (`at..`), the keyword values and any extra positionals moved out first.
#[inline(never)]
fn bind_args(
    vm: &Vm,
    thp: *mut VmThread,
    f: &Function,
    code: &Code,
    at: usize,
    npos: usize,
    kwnames: &[Value],
) -> PyResult<()> {
    let nslots = code.nslots();
    // The common keyword call: values moved straight into their slots.
    if let Some(slots) = kw_slots(code, npos, kwnames) {
        // The values sit in slots npos.. (all below nslots: each goes to a
        // distinct parameter from npos up): parked above the slots, then
        // swapped into theirs.
        let nkw = kwnames.len();
        let st = &mut th!(thp).stack;
        st.reserve(at + nslots + nkw - st.len() + code.stacksize as usize);
        st.resize(at + nslots + nkw, Value::Undef);
        for j in 0..nkw {
            st.swap(at + npos + j, at + nslots + j);
        }
        for (j, &i) in slots[..nkw].iter().enumerate() {
            st.swap(at + nslots + j, at + i as usize);
        }
        st.truncate(at + nslots);
        return fill_defaults(vm, thp, f, code, at, npos);
    }
    let argcount = code.argcount as usize;
    let kwonly = code.kwonlyargcount as usize;
    let posonly = code.posonlyargcount as usize;
    let has_varargs = code.flags & flags::VARARGS != 0;
    let has_varkw = code.flags & flags::VARKEYWORDS != 0;
    // The function's name, for error messages only.
    let qual = || vm.display_str(&f.qualname.borrow());
    // Keyword values, then positionals past the parameters, off the stack.
    let kwv = take_from(thp, at + npos);
    let extra = if npos > argcount {
        take_from(thp, at + argcount)
    } else {
        SmallVec::new()
    };
    let mut vararg_idx = argcount + kwonly;
    let varargs = if has_varargs {
        Some(vm.new_tuple(extra.into_vec())?)
    } else if npos > argcount {
        let kwgiven = kwnames.len();
        let defaults = f.defaults.borrow().clone();
        let ndef = match defaults.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Tuple(t)) => t.len(),
            _ => 0,
        };
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let q = qual();
        let takes = if ndef > 0 {
            format!(
                "from {} to {} positional arguments",
                argcount - ndef,
                argcount
            )
        } else {
            format!("{argcount} positional argument{}", plural(argcount))
        };
        let msg = if kwgiven > 0 {
            format!(
                "{q}() takes {takes} but {npos} positional argument{} (and {kwgiven} keyword-only argument{}) were given",
                plural(npos),
                plural(kwgiven)
            )
        } else {
            format!(
                "{q}() takes {takes} but {npos} {} given",
                if npos == 1 { "was" } else { "were" }
            )
        };
        return Err(vm.type_error(msg));
    } else {
        None
    };
    // The slots: the positionals are in place; the rest start unbound.
    {
        let th = th!(thp);
        th.stack
            .reserve(at + nslots - th.stack.len() + code.stacksize as usize);
        th.stack.resize(at + nslots, Value::Undef);
    }
    if let Some(t) = varargs {
        th!(thp).stack[at + vararg_idx] = t;
        vararg_idx += 1;
    }
    let kwdict = if has_varkw {
        let d = vm.new_dict()?;
        th!(thp).stack[at + vararg_idx] = Value::Obj(d.clone());
        Some(d)
    } else {
        None
    };
    // Keywords.
    let mut posonly_as_kw: Vec<String> = Vec::new();
    for (name, val) in kwnames.iter().zip(kwv) {
        let nb = name.as_str().map(|s| s.as_bytes()).unwrap_or(b"");
        let idx = code.varnames[..argcount + kwonly]
            .iter()
            .position(|v| v.as_bytes() == nb);
        match idx {
            Some(i) if i >= posonly => {
                let slot = &mut th!(thp).stack[at + i];
                if !slot.is_undef() {
                    let q = qual();
                    return Err(vm.type_error(format!(
                        "{q}() got multiple values for argument '{}'",
                        code.varnames[i]
                    )));
                }
                *slot = val;
            }
            other => {
                if let Some(d) = &kwdict {
                    vm.dict_set(d, name.clone(), val)?;
                } else if let Some(i) = other {
                    posonly_as_kw.push(code.varnames[i].to_string());
                } else {
                    let q = qual();
                    return Err(vm.type_error(format!(
                        "{q}() got an unexpected keyword argument '{}'",
                        String::from_utf8_lossy(nb)
                    )));
                }
            }
        }
    }
    if !posonly_as_kw.is_empty() {
        let q = qual();
        return Err(vm.type_error(format!(
            "{q}() got some positional-only arguments passed as keyword arguments: '{}'",
            posonly_as_kw.join(", ")
        )));
    }
    fill_defaults(vm, thp, f, code, at, npos)
}

/// The parameter slots the keyword arguments `kwnames` of a call with
/// `npos` positionals go to, when they bind without a question: the
/// function takes no `*args`/`**kwargs`, and each name is a distinct
/// parameter that can be passed by keyword and has no positional value.
/// None: the general binding decides (and makes any error).
fn kw_slots(code: &Code, npos: usize, kwnames: &[Value]) -> Option<[u8; 8]> {
    let nparams = code.argcount as usize + code.kwonlyargcount as usize;
    if code.flags & (flags::VARARGS | flags::VARKEYWORDS) != 0
        || npos > code.argcount as usize
        || nparams > 64
        || kwnames.len() > 8
    {
        return None;
    }
    let first = npos.max(code.posonlyargcount as usize);
    let mut seen = 0u64;
    let mut slots = [0u8; 8];
    for (j, name) in kwnames.iter().enumerate() {
        let nb = name.as_str()?.as_bytes();
        let i = code.varnames[first..nparams]
            .iter()
            .position(|v| v.as_bytes() == nb)?
            + first;
        if seen & (1 << i) != 0 {
            return None;
        }
        seen |= 1 << i;
        slots[j] = i as u8;
    }
    Some(slots)
}

/// The parameters the arguments left unbound take their defaults; CPython's
/// error for those without one.
fn fill_defaults(
    vm: &Vm,
    thp: *mut VmThread,
    f: &Function,
    code: &Code,
    at: usize,
    npos: usize,
) -> PyResult<()> {
    let argcount = code.argcount as usize;
    let kwonly = code.kwonlyargcount as usize;
    let qual = || vm.display_str(&f.qualname.borrow());
    let unbound = move |i: usize| th!(thp).stack[at + i].is_undef();
    // Defaults.
    if npos < argcount {
        let defaults = f.defaults.borrow().clone();
        if let Some(ObjKind::Tuple(d)) = defaults.as_obj().map(|o| &o.kind) {
            let first = argcount - d.len();
            for (k, dv) in d.iter().enumerate() {
                if unbound(first + k) {
                    th!(thp).stack[at + first + k] = dv.clone();
                }
            }
        }
        if (0..argcount).any(unbound) {
            return Err(missing_args(
                vm,
                code,
                0..argcount,
                unbound,
                "positional",
                qual,
            ));
        }
    }
    if kwonly > 0 {
        // Keyword-only defaults: the (few) entries of __kwdefaults__
        // matched to the parameters by name, no hashing.
        let kwd = f.kwdefaults.borrow().clone();
        if let Some(ObjKind::Dict(d)) = kwd.as_obj().map(|o| &o.kind) {
            let kwparams = &code.varnames[argcount..argcount + kwonly];
            for (k, v) in d.borrow().iter() {
                let Some(kb) = k.as_str().map(|s| s.as_bytes()) else {
                    continue;
                };
                if let Some(j) = kwparams.iter().position(|p| p.as_bytes() == kb)
                    && unbound(argcount + j)
                {
                    th!(thp).stack[at + argcount + j] = v.clone();
                }
            }
        }
        if (argcount..argcount + kwonly).any(unbound) {
            return Err(missing_args(
                vm,
                code,
                argcount..argcount + kwonly,
                unbound,
                "keyword-only",
                qual,
            ));
        }
    }
    Ok(())
}

/// CPython's "f() missing N required <kind> argument(s): 'a' and 'b'" for
/// the parameters in `params` still unbound (some are).
#[cold]
fn missing_args(
    vm: &Vm,
    code: &Code,
    params: std::ops::Range<usize>,
    unbound: impl Fn(usize) -> bool,
    kind: &str,
    qual: impl FnOnce() -> String,
) -> PyErr {
    let missing: SmallVec<[&str; 4]> = params
        .filter(|&i| unbound(i))
        .map(|i| &*code.varnames[i])
        .collect();
    vm.type_error(format!(
        "{}() missing {} required {kind} argument{}: {}",
        qual(),
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
        name_list(&missing)
    ))
}

fn name_list(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        _ => format!("{}, and {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

/// Why the loop stopped early (for drivers that run in slices).
#[derive(Debug)]
pub enum Stop {
    /// The stop frame returned.
    Returned(Value),
}

/// Runs frames, starting by raising `initial` in the top frame (a
/// generator's `throw()`).
pub(crate) fn run_with(
    vm: &Vm,
    thp: *mut VmThread,
    stop: usize,
    initial: Option<PyErr>,
) -> PyResult<Value> {
    let mut pending: Option<PyErr> = initial;
    let mut reraise = false;
    loop {
        let r = match pending.take() {
            // Two copies of the loop: the untraced one carries no tracing
            // checks (fewer live values across the dispatch, no per-
            // instruction branch); each hands over to the other when the
            // frame it enters is (not) traced.
            None if tracing_now(thp) => run_inner::<true>(vm, thp, stop),
            None => run_inner::<false>(vm, thp, stop),
            Some(e) => Err(e),
        };
        match r {
            Ok(v) => return Ok(v),
            Err(e) if vm.is_mode_switch(&e) => {}
            // A suspended green thread: frames and stack stay as they are.
            Err(e) if vm.is_suspend(&e) => return Err(e),
            Err(e) if std::mem::take(&mut th!(thp).unwound_past_stop) => return Err(e),
            Err(e) => {
                // Unwind: find a handler in this frame or pop it.
                match unwind(vm, thp, stop, e, reraise) {
                    Unwound::Handled => {
                        reraise = false;
                        continue;
                    }
                    Unwound::Propagate(e) => return Err(e),
                    Unwound::Next(e) => {
                        // Popped a frame; the error continues in the caller.
                        pending = Some(e);
                        reraise = false;
                        continue;
                    }
                }
            }
        }
    }
}

enum Unwound {
    Handled,
    Next(PyErr),
    Propagate(PyErr),
}

thread_local! {
    /// Set by `Reraise`: the next unwind adds no traceback entry.
    static RERAISING: Cell<bool> = const { Cell::new(false) };
    /// Set by a cleanup block's `Reraise` (`RERAISE_AT_RAISE`): the
    /// instruction that raised the exception in the frame, which is where
    /// the frame is (its line) if the exception leaves it.
    static RERAISE_LASTI: Cell<Option<u32>> = const { Cell::new(None) };
    /// Set when an inlined comprehension's frame unwound: its 'exception'
    /// event was the function's, which raises none of its own.
    static INLINED_UNWOUND: Cell<bool> = const { Cell::new(false) };
}

fn unwind(vm: &Vm, thp: *mut VmThread, stop: usize, mut e: PyErr, _reraise: bool) -> Unwound {
    let reraising = RERAISING.with(|r| r.replace(false));
    let at_raise = RERAISE_LASTI.with(|r| r.take());
    let from_inlined = INLINED_UNWOUND.with(|r| r.replace(false));
    let fi = th!(thp).frames.len() - 1;
    let (code, lasti, base, is_inlined) = {
        let f = &th!(thp).frames[fi];
        let c = code_of(f);
        (
            f.code.clone(),
            f.ip.saturating_sub(1),
            f.base,
            c.flags & flags::INLINED != 0,
        )
    };
    let ObjKind::Code(c) = &code.kind else {
        return Unwound::Propagate(e);
    };
    if !reraising && !from_inlined {
        // The frame's object goes with the entry (`tb_frame`). An inlined
        // comprehension's entry is its function's (that frame object, in
        // that function's name), at the comprehension's instruction — the
        // function's frame, unwinding next, adds none of its own.
        let fo = super::tracing::frame_obj(vm, thp, fi).ok();
        super::exc_support::add_traceback(vm, &e, &code, lasti as u32, c.line_of(lasti), fo);
    }
    if !reraising && !from_inlined {
        super::tracing::on_exception(vm, thp, &e);
    }
    if let Some(h) = c.handler_for(lasti) {
        let th = th!(thp);
        th.stack.truncate(base + c.nslots() + h.depth as usize);
        th.stack.push(Value::Obj(e.0));
        th.frames[fi].ip = h.target as usize;
        // A cleanup's re-raise put the frame back where the exception was
        // raised: that stays its place (CPython's RERAISE sets instr_ptr,
        // which the next handler's lasti is taken from).
        th.frames[fi].handler_lasti = at_raise.unwrap_or(lasti as u32);
        return Unwound::Handled;
    }
    // No handler: its 'return' event, then pop the frame.
    if let Some(lasti) = at_raise {
        th!(thp).frames[fi].ip = lasti as usize + 1;
    }
    if let Err(traced) = super::tracing::on_return(vm, thp, &Value::None, true) {
        e = traced;
    }
    super::tracing::frame_exit(vm, thp, fi);
    let frame = th!(thp).frames.pop().expect("a frame");
    th!(thp).stack.truncate(frame.ret_sp);
    if let Some(g) = &frame.generator {
        super::gen_support::finished(g);
    }
    if fi == stop
        || matches!(
            frame.ret,
            Ret::Boundary | Ret::Generator | Ret::GeneratorNext
        )
    {
        return Unwound::Propagate(e);
    }
    if is_inlined {
        INLINED_UNWOUND.with(|r| r.set(true));
        super::tracing::inlined_unwound(vm, thp, fi, c.firstlineno);
    }
    Unwound::Next(e)
}

/// The eval loop's stack and frame helpers (`stack!`, `pop!`, `push!`,
/// `top!`, `sync!`, `finalizers!`, `err!`, `tri!`), defined where the
/// loop's variables are in scope — in `run_inner` and in `cold_op` — from
/// one definition. `$d` is a literal `$` for the inner macros' own
/// arguments; the variables are passed in so that they resolve at the
/// call site.
// rustfmt re-indents the `$d`-escaped inner macros on every run (not
// idempotent), so this definition is laid out by hand.
#[rustfmt::skip]
macro_rules! frame_ops {
    ($d:tt, $vm:ident, $thp:ident, $fi:ident, $ip:ident, $base:ident) => {
        #[allow(unused_macros)]
        macro_rules! stack {
            () => {
                th!($thp).stack
            };
        }
        #[allow(unused_macros)]
        macro_rules! pop {
            () => {{
                let st = &mut th!($thp).stack;
                let n = st.len();
                debug_assert!(n > $base);
                // SAFETY: the compiler's stack-depth tracking pairs every
                // pop with an earlier push in this frame, so the operand
                // stack above the frame's slots is not empty; the length
                // drops first, so the value is moved out exactly once.
                unsafe {
                    st.set_len(n - 1);
                    super::object::read_value(st.as_ptr().add(n - 1))
                }
            }};
        }
        #[allow(unused_macros)]
        macro_rules! push {
            ($d v:expr) => {{
                let v = $d v;
                let st = &mut th!($thp).stack;
                let n = st.len();
                if n < st.capacity() {
                    // SAFETY: `n` is below the capacity; the slot is
                    // uninitialized and becomes part of the vector.
                    unsafe {
                        std::ptr::write(st.as_mut_ptr().add(n), v);
                        st.set_len(n + 1);
                    }
                } else {
                    st.push(v)
                }
            }};
        }
        #[allow(unused_macros)]
        macro_rules! top {
            () => {
                th!($thp).stack.last().cloned().unwrap_or_default()
            };
        }
        #[allow(unused_macros)]
        macro_rules! sync {
            () => {{
                let frames = &mut th!($thp).frames;
                debug_assert!($fi < frames.len());
                // SAFETY: `fi` is the loop's frame, which stays on the
                // frame stack while its instructions run.
                unsafe { frames.get_unchecked_mut($fi) }.ip = $ip
            }};
        }
        #[allow(unused_macros)]
        macro_rules! finalizers {
            () => {
                if $vm.heap.finalize_pending.get() {
                    sync!();
                    $vm.run_finalizers();
                }
            };
        }
        #[allow(unused_macros)]
        macro_rules! err {
            ($d e:expr) => {{
                sync!();
                return Err($d e);
            }};
        }
        #[allow(unused_macros)]
        macro_rules! tri {
            ($d e:expr) => {
                match $d e {
                    Ok(v) => v,
                    Err(e) => err!(e),
                }
            };
        }
    };
}

/// The main loop proper: runs until the stop frame returns (Ok) or an
/// instruction raises (Err, unwound by the caller).
#[allow(clippy::too_many_lines)]
fn run_inner<const TRACING: bool>(vm: &Vm, thp: *mut VmThread, stop: usize) -> PyResult<Value> {
    'frame: loop {
        let mut fi = th!(thp).frames.len() - 1;
        let (code_ptr, mut base) = {
            let f = &th!(thp).frames[fi];
            let ObjKind::Code(c) = &f.code.kind else {
                return Err(vm.type_error("bad frame"));
            };
            (&**c as *const Code, f.base)
        };
        // SAFETY: the frame at `fi` owns a reference to its code object
        // for as long as it is on the frame stack; every path that pops
        // it leaves this iteration (`continue 'frame` or return) without
        // touching `code` again. Not cloning saves a count update on
        // every frame entry.
        let mut code: &Code = unsafe { &*code_ptr };
        let mut instrs = &code.instrs[..];
        // (Read by the traced copy of the loop only.)
        let mut line_starts = &code.line_starts[..];
        let _nslots = code.nslots();
        // A frame entered (or returned to) while tracing was switched on
        // or off continues in the other copy of the loop.
        if tracing_now(thp) != TRACING {
            return Err(vm.mode_switch_err());
        }
        let tracing = TRACING;
        let mut ip = th!(thp).frames[fi].ip;
        frame_ops!($, vm, thp, fi, ip, base);
        loop {
            debug_assert!(ip < instrs.len());
            // SAFETY: every code object ends in a return and every jump
            // target is an instruction index (compiler invariants), so `ip`
            // stays in range.
            let ins = unsafe { *instrs.get_unchecked(ip) };
            ip += 1;
            debug_assert!(!tracing || ip - 1 < line_starts.len());
            // SAFETY: the compiler makes one `line_starts` entry per
            // instruction, and `ip - 1` is the instruction just fetched.
            if tracing && unsafe { *line_starts.get_unchecked(ip - 1) } {
                sync!();
                tri!(super::tracing::on_instruction(vm, thp, fi, code, ip - 1));
                if th!(thp).frames.len() - 1 != fi {
                    continue 'frame;
                }
            }
            let arg = ins.arg;
            match ins.op {
                Op::Nop => {}
                Op::PopTop => {
                    drop(pop!());
                    finalizers!();
                }
                Op::Copy => {
                    let n = stack!().len();
                    let v = stack!()[n - arg as usize].clone();
                    push!(v);
                }
                Op::Swap => {
                    let n = stack!().len();
                    stack!().swap(n - 1, n - arg as usize);
                }
                Op::PushUndef => push!(Value::Undef),
                Op::LoadConst => {
                    debug_assert!((arg as usize) < code.consts.len());
                    // SAFETY: the compiler only emits constant indices of
                    // the code's own table.
                    let v = unsafe { code.consts.get_unchecked(arg as usize) }.clone();
                    push!(v);
                }
                Op::LoadFast => {
                    let st = &th!(thp).stack;
                    debug_assert!(base + (arg as usize) < st.len());
                    // SAFETY: local slot `arg` < nslots (compiler); the
                    // frame's slots stay on the stack while it runs.
                    let v = unsafe { st.get_unchecked(base + arg as usize) }.clone();
                    if v.is_undef() {
                        err!(unbound_local(vm, &code.varnames[arg as usize]));
                    }
                    push!(v);
                }
                Op::LoadFastLoadConst | Op::LoadFastLoadFast => {
                    let st = &th!(thp).stack;
                    debug_assert!(base + (arg as usize) < st.len());
                    // SAFETY: as for LoadFast.
                    let a = unsafe { st.get_unchecked(base + arg as usize) }.clone();
                    if a.is_undef() {
                        err!(unbound_local(vm, &code.varnames[arg as usize]));
                    }
                    if tracing {
                        push!(a);
                        continue;
                    }
                    // SAFETY: the second instruction follows (the fused
                    // op is never last: a return ends every code).
                    let second = unsafe { *instrs.get_unchecked(ip) };
                    let b = if ins.op == Op::LoadFastLoadConst {
                        // SAFETY: as for LoadConst.
                        unsafe { code.consts.get_unchecked(second.arg as usize) }.clone()
                    } else {
                        let st = &th!(thp).stack;
                        // SAFETY: as for LoadFast.
                        let v = unsafe { st.get_unchecked(base + second.arg as usize) }.clone();
                        if v.is_undef() {
                            // Let the plain LoadFast raise with its own position.
                            push!(a);
                            continue;
                        }
                        v
                    };
                    ip += 1;
                    // A numeric operation right after: no pushes at all.
                    if let Some(&third) = instrs.get(ip) {
                        match third.op {
                            Op::BinaryOp => {
                                if let Some(v) = fast_binop(BinKind::from_arg(third.arg), &a, &b) {
                                    ip += 1;
                                    push!(v);
                                    continue;
                                }
                            }
                            Op::CompareOp => {
                                if let Some(t) = fast_compare(CmpKind::from_arg(third.arg), &a, &b)
                                {
                                    ip += 1;
                                    if let Some(next) = instrs.get(ip)
                                        && next.op == Op::PopJumpIfFalse
                                    {
                                        ip = if t { ip + 1 } else { next.arg as usize };
                                        continue;
                                    }
                                    push!(Value::Bool(t));
                                    continue;
                                }
                            }
                            _ => {}
                        }
                    }
                    push!(a);
                    push!(b);
                }
                Op::StoreFast => {
                    let v = pop!();
                    let st = &mut th!(thp).stack;
                    debug_assert!(base + (arg as usize) < st.len());
                    // SAFETY: as for LoadFast.
                    let old =
                        std::mem::replace(unsafe { st.get_unchecked_mut(base + arg as usize) }, v);
                    drop(old);
                    finalizers!();
                }
                Op::LoadDeref => {
                    let cell = stack!()[base + arg as usize].clone();
                    let v = match cell.as_obj().map(|o| &o.kind) {
                        Some(ObjKind::Cell(c)) => c.borrow().clone(),
                        _ => Value::Undef,
                    };
                    if v.is_undef() {
                        let name = deref_name(code, arg as usize);
                        if (arg as usize) < code.nlocals() + code.cellvars.len() {
                            err!(unbound_local(vm, &name));
                        }
                        err!(vm.new_error(
                            "NameError",
                            format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope")
                        ));
                    }
                    push!(v);
                }
                Op::StoreDeref => {
                    let v = pop!();
                    let cell = stack!()[base + arg as usize].clone();
                    if let Some(ObjKind::Cell(c)) = cell.as_obj().map(|o| &o.kind) {
                        let old = c.replace(v);
                        drop(old);
                    }
                }
                // LoadName in a frame without a locals mapping (module
                // code) is a global lookup, with the same cache.
                Op::LoadGlobal | Op::LoadName
                    if ins.op == Op::LoadGlobal || {
                        let frames = &th!(thp).frames;
                        debug_assert!(fi < frames.len());
                        // SAFETY: this loop's frame (see sync!).
                        unsafe { frames.get_unchecked(fi) }.locals.is_none()
                    } =>
                {
                    let (name_i, cache_i) = super::code::cached_name_parts(arg);
                    let (globals, builtins) = {
                        let frames = &th!(thp).frames;
                        debug_assert!(fi < frames.len());
                        // SAFETY: this loop's frame (see sync!).
                        let f = unsafe { frames.get_unchecked(fi) };
                        (&f.globals as *const ObjRef, &f.builtins as *const ObjRef)
                    };
                    // SAFETY: the frame (alive for this instruction) owns
                    // both dicts.
                    let (globals, builtins) = unsafe { (&*globals, &*builtins) };
                    let (Some(gd), Some(bd)) = (dict_of(globals), dict_of(builtins)) else {
                        err!(name_error(vm, &code.names[name_i]));
                    };
                    let cached = code.global_cache.get(cache_i).and_then(|c| {
                        // SAFETY: the cache is only borrowed mutably below,
                        // after this read ended.
                        let c = unsafe { c.try_borrow_unguarded() }.ok()?;
                        // SAFETY: read only, and no Python code (which could
                        // change a namespace) runs while these are held.
                        let (g, b) =
                            unsafe { (gd.try_borrow_unguarded(), bd.try_borrow_unguarded()) };
                        let (g, b) = (g.ok()?, b.ok()?);
                        if c.globals_keys != g.keys_version || c.builtins_keys != b.keys_version {
                            return None;
                        }
                        if c.in_builtins { b } else { g }.value_at(c.index).cloned()
                    });
                    let v = match cached {
                        Some(v) => v,
                        None => {
                            let name = &code.names[name_i];
                            let Value::Obj(n) = name else {
                                err!(name_error(vm, name));
                            };
                            let ObjKind::Str(ns) = &n.kind else {
                                err!(name_error(vm, name));
                            };
                            let h = super::hash::str_hash(vm, ns);
                            let found = {
                                let (g, b) = (gd.borrow(), bd.borrow());
                                let at = |d: &super::dict::Dict, in_builtins| {
                                    let ix = d.index_strobj(n, ns.as_bytes(), h)?;
                                    Some((in_builtins, ix, d.entries[ix].value.clone()))
                                };
                                at(&g, false)
                                    .or_else(|| at(&b, true))
                                    .map(|f| (f, g.keys_version, b.keys_version))
                            };
                            let Some(((in_builtins, index, v), gk, bk)) = found else {
                                err!(name_error(vm, name));
                            };
                            if let Some(c) = code.global_cache.get(cache_i) {
                                *c.borrow_mut() = super::code::GlobalCache {
                                    globals_keys: gk,
                                    builtins_keys: bk,
                                    in_builtins,
                                    index,
                                };
                            }
                            v
                        }
                    };
                    push!(v);
                    if !tracing
                        && let Some(next) = instrs.get(ip)
                        && next.op == Op::PushUndef
                    {
                        push!(Value::Undef);
                        ip += 1;
                    }
                }
                Op::StoreGlobal => {
                    let v = pop!();
                    let g = th!(thp).frames[fi].globals.clone();
                    tri!(vm.dict_set_ref(&g, &code.names[arg as usize], v));
                    finalizers!();
                }
                // (LoadGlobal always takes the arm above.)
                Op::LoadName | Op::LoadGlobal => {
                    let name = &code.names[super::code::cached_name_parts(arg).0];
                    let (locals, globals, builtins) = {
                        let f = &th!(thp).frames[fi];
                        (f.locals.clone(), f.globals.clone(), f.builtins.clone())
                    };
                    let mut found = None;
                    if let Some(l) = &locals {
                        found = match &l.kind {
                            ObjKind::Dict(d) => tri!(super::dict::get(vm, d, name)),
                            _ => match vm.getitem(&Value::Obj(l.clone()), name) {
                                Ok(v) => Some(v),
                                Err(e) if vm.exc_matches(&e, "KeyError") => None,
                                Err(e) => err!(e),
                            },
                        };
                    }
                    let v = match found {
                        Some(v) => v,
                        None => match vm
                            .dict_get_strval(&globals, name)
                            .or_else(|| vm.dict_get_strval(&builtins, name))
                        {
                            Some(v) => v,
                            None => err!(name_error(vm, name)),
                        },
                    };
                    push!(v);
                }
                Op::StoreName => {
                    let v = pop!();
                    let target = {
                        let f = &th!(thp).frames[fi];
                        f.locals.clone().unwrap_or_else(|| f.globals.clone())
                    };
                    match &target.kind {
                        ObjKind::Dict(_) => {
                            tri!(vm.dict_set_ref(&target, &code.names[arg as usize], v))
                        }
                        _ => tri!(vm.setitem(&Value::Obj(target), &code.names[arg as usize], v)),
                    }
                    finalizers!();
                }
                Op::LoadAttr => {
                    let obj = pop!();
                    let (name_i, ci) = super::code::cached_name_parts(arg);
                    let name = &code.names[name_i];
                    if let Some(v) = super::attr_cache::load_attr(vm, code, ci, &obj, name) {
                        drop(obj);
                        push!(v);
                        continue;
                    }
                    sync!();
                    // A property's getter runs as a frame: [getter, obj]
                    // called like a method with no arguments.
                    if !tracing_now(thp)
                        && let Some(g) = super::attr_cache::property_getter(code, ci, &obj)
                    {
                        tri!(enter_getter(vm, thp, g, obj));
                        continue 'frame;
                    }
                    super::attr_cache::fill(vm, code, ci, &obj, name, Access::Load);
                    let v = tri!(vm.getattr(&obj, name));
                    push!(v);
                }
                Op::LoadMethod => {
                    let obj = pop!();
                    let (name_i, ci) = super::code::cached_name_parts(arg);
                    let name = &code.names[name_i];
                    let (m, slf) = match super::attr_cache::load_method(vm, code, ci, &obj, name) {
                        Some(ms) => ms,
                        None => {
                            sync!();
                            super::attr_cache::fill(vm, code, ci, &obj, name, Access::Load);
                            tri!(load_method(vm, &obj, name))
                        }
                    };
                    push!(m);
                    push!(slf);
                }
                Op::StoreAttr => {
                    let obj = pop!();
                    let v = pop!();
                    sync!();
                    let (name_i, ci) = super::code::cached_name_parts(arg);
                    let name = &code.names[name_i];
                    match super::attr_cache::store_attr(vm, code, ci, &obj, name, v) {
                        Ok(r) => tri!(r),
                        Err(v) => {
                            super::attr_cache::fill(vm, code, ci, &obj, name, Access::Store);
                            tri!(vm.setattr(&obj, name, v));
                        }
                    }
                    drop(obj);
                    finalizers!();
                }
                Op::BinarySubscr => {
                    let key = pop!();
                    let obj = pop!();
                    // Fast paths: list[int], dict[str].
                    if let (Value::Obj(o), Value::Int(i)) = (&obj, &key)
                        && let ObjKind::List(l) = &o.kind
                    {
                        let l = l.borrow();
                        let n = l.len() as i64;
                        let j = if *i < 0 { i + n } else { *i };
                        if (0..n).contains(&j) {
                            let v = l[j as usize].clone();
                            drop(l);
                            push!(v);
                            continue;
                        }
                    }
                    if let Value::Obj(o) = &obj
                        && let ObjKind::Dict(d) = &o.kind
                        && let Some(v) = super::dict::fast::get(vm, d, &key)
                    {
                        push!(v);
                        continue;
                    }
                    sync!();
                    let v = tri!(vm.getitem(&obj, &key));
                    push!(v);
                }
                Op::StoreSubscr => {
                    let key = pop!();
                    let obj = pop!();
                    let v = pop!();
                    if let (Value::Obj(o), Value::Int(i)) = (&obj, &key)
                        && let ObjKind::List(l) = &o.kind
                        && let Ok(mut l) = l.try_borrow_mut()
                    {
                        let n = l.len() as i64;
                        let j = if *i < 0 { i + n } else { *i };
                        if (0..n).contains(&j) {
                            let old = std::mem::replace(&mut l[j as usize], v);
                            drop(l);
                            drop(old);
                            finalizers!();
                            continue;
                        }
                        drop(l);
                        sync!();
                        tri!(vm.setitem(&obj, &key, v));
                        finalizers!();
                        continue;
                    }
                    let v = match obj.as_obj().map(|o| &o.kind) {
                        Some(ObjKind::Dict(d)) => match super::dict::fast::set(vm, d, &key, v) {
                            Ok(r) => {
                                tri!(r);
                                finalizers!();
                                continue;
                            }
                            Err(v) => v,
                        },
                        _ => v,
                    };
                    sync!();
                    tri!(vm.setitem(&obj, &key, v));
                    finalizers!();
                }
                Op::BinaryOp => {
                    let kind = BinKind::from_arg(arg);
                    // Fast paths for small ints and floats, on the operands
                    // in place (numbers need no drop).
                    {
                        let st = &mut th!(thp).stack;
                        let n = st.len();
                        debug_assert!(n >= base + 2);
                        // SAFETY: two operands sit above the frame's slots
                        // (compiler stack tracking); only read here.
                        let (a, b) =
                            unsafe { (&*st.as_ptr().add(n - 2), &*st.as_ptr().add(n - 1)) };
                        if let Some(v) = fast_binop(kind, a, b) {
                            // SAFETY: both operands are numbers (no drop
                            // owed); the result replaces the first and the
                            // length drops by one.
                            unsafe {
                                std::ptr::write(st.as_mut_ptr().add(n - 2), v);
                                st.set_len(n - 1);
                            }
                            continue;
                        }
                        // `s = s + t` / `s += t` on a str only the local
                        // `s` references: append in place (CPython's
                        // BINARY_OP_INPLACE_ADD_UNICODE), not copy s.
                        if kind == BinKind::Add
                            && matches!(a, Value::Obj(o) if matches!(o.kind, ObjKind::Str(_)))
                            && let Some(next) = instrs.get(ip)
                            && next.op == Op::StoreFast
                            && concat_in_place(thp, base + next.arg as usize)
                        {
                            ip += 1;
                            continue;
                        }
                    }
                    let b = pop!();
                    let a = pop!();
                    sync!();
                    let v = tri!(vm.binary_op(&a, &b, kind, arg >= 16));
                    push!(v);
                }
                Op::UnaryOp => {
                    let v = pop!();
                    sync!();
                    let r = tri!(vm.unary_op(&v, arg));
                    push!(r);
                }
                Op::CompareOp => {
                    let op = CmpKind::from_arg(arg);
                    {
                        let st = &mut th!(thp).stack;
                        let n = st.len();
                        debug_assert!(n >= base + 2);
                        // SAFETY: as for BinaryOp.
                        let (a, b) =
                            unsafe { (&*st.as_ptr().add(n - 2), &*st.as_ptr().add(n - 1)) };
                        if let Some(t) = fast_compare(op, a, b) {
                            // COMPARE_OP + POP_JUMP_IF_FALSE, fused.
                            if let Some(next) = instrs.get(ip)
                                && next.op == Op::PopJumpIfFalse
                                && !tracing
                            {
                                // SAFETY: numbers need no drop.
                                unsafe { st.set_len(n - 2) };
                                ip = if t { ip + 1 } else { next.arg as usize };
                                continue;
                            }
                            // SAFETY: numbers need no drop; the result
                            // replaces the first operand.
                            unsafe {
                                std::ptr::write(st.as_mut_ptr().add(n - 2), Value::Bool(t));
                                st.set_len(n - 1);
                            }
                            continue;
                        }
                    }
                    let b = pop!();
                    let a = pop!();
                    sync!();
                    let v = tri!(vm.compare(&a, &b, op));
                    push!(v);
                }
                Op::IsOp => {
                    let b = pop!();
                    let a = pop!();
                    push!(Value::Bool(a.is(&b) != (arg == 1)));
                }
                Op::ContainsOp => {
                    let container = pop!();
                    let item = pop!();
                    if let Value::Obj(o) = &container
                        && let ObjKind::Dict(d) = &o.kind
                        && let Some(r) = super::dict::fast::contains(vm, d, &item)
                    {
                        push!(Value::Bool(r != (arg == 1)));
                        continue;
                    }
                    sync!();
                    let r = tri!(vm.contains(&container, &item));
                    push!(Value::Bool(r != (arg == 1)));
                }
                Op::BuildTuple | Op::BuildList => {
                    let v = tri!(build_seq(vm, thp, arg as usize, ins.op == Op::BuildList));
                    push!(v);
                }
                Op::ListAppend | Op::SetAdd => {
                    let v = pop!();
                    let n = stack!().len();
                    let target = stack!()[n - arg as usize].clone();
                    sync!();
                    match target.as_obj().map(|o| &o.kind) {
                        Some(ObjKind::List(l)) => {
                            let mut l = l.borrow_mut();
                            if l.try_reserve(1).is_err() {
                                drop(l);
                                err!(vm.memory_error());
                            }
                            l.push(v);
                        }
                        Some(ObjKind::Set(s)) => tri!(super::set::add(vm, s, v)),
                        _ => {}
                    }
                }
                Op::GetIter => {
                    let v = pop!();
                    sync!();
                    let it = tri!(vm.iter(&v));
                    push!(it);
                }
                Op::ForIter => {
                    // Fast paths: range and list iterators, looked at in
                    // place (no count update for a clone).
                    let top = match th!(thp).stack.last() {
                        Some(Value::Obj(o)) => o.as_ptr(),
                        _ => std::ptr::null(),
                    };
                    // SAFETY: the stack's reference keeps the iterator
                    // alive until the `pop!` that ends the loop, after which
                    // `o` is not used; the object does not move when the
                    // stack grows.
                    if let Some(o) = unsafe { top.as_ref() }
                        && let ObjKind::Iter(st) = &o.kind
                    {
                        let mut st = st.borrow_mut();
                        match &mut *st {
                            super::iter::IterState::Range { cur, left, step } => {
                                if *left > 0 {
                                    let v = *cur;
                                    *cur = cur.wrapping_add(*step);
                                    *left -= 1;
                                    drop(st);
                                    push!(Value::Int(v));
                                } else {
                                    drop(st);
                                    drop(pop!());
                                    ip = arg as usize;
                                }
                                continue;
                            }
                            super::iter::IterState::Seq { seq, idx, .. } => {
                                if let Value::Obj(so) = seq
                                    && let Some(next) = match &so.kind {
                                        ObjKind::List(l) => Some(l.borrow().get(*idx).cloned()),
                                        ObjKind::Tuple(t) => Some(t.get(*idx).cloned()),
                                        _ => None,
                                    }
                                {
                                    match next {
                                        Some(v) => {
                                            *idx += 1;
                                            drop(st);
                                            push!(v);
                                        }
                                        None => {
                                            *st = super::iter::IterState::Done;
                                            drop(st);
                                            drop(pop!());
                                            ip = arg as usize;
                                        }
                                    }
                                    continue;
                                }
                            }
                            _ => {}
                        }
                    }
                    let it = top!();
                    // Generators: resume as a frame.
                    if let Value::Obj(o) = &it
                        && let ObjKind::Generator(_) = &o.kind
                    {
                        sync!();
                        match super::gen_support::resume_in_loop(
                            vm,
                            thp,
                            o,
                            Value::None,
                            Ret::GenFor(arg),
                        ) {
                            Ok(true) => {
                                // An error of the 'call' event is raised in
                                // the generator's frame, now on top.
                                tri!(super::tracing::on_call(vm, thp));
                                continue 'frame;
                            }
                            Ok(false) => {
                                // Exhausted.
                                drop(pop!());
                                ip = arg as usize;
                                continue;
                            }
                            Err(e) => err!(e),
                        }
                    }
                    sync!();
                    match tri!(vm.next(&it)) {
                        Some(v) => push!(v),
                        None => {
                            drop(pop!());
                            ip = arg as usize;
                        }
                    }
                }
                Op::Jump => ip = arg as usize,
                Op::JumpBackward => {
                    // The loop body's length counts against the slice.
                    th!(thp).budget_left -= (ip - arg as usize) as i64;
                    // An exception raised here points at the jump (the
                    // loop's last line); a suspended thread resumes at the
                    // loop head.
                    sync!();
                    match breaker(vm, thp) {
                        Ok(()) => ip = arg as usize,
                        Err(e) => {
                            if vm.is_suspend(&e) {
                                ip = arg as usize;
                            }
                            err!(e);
                        }
                    }
                }
                Op::PopJumpIfFalse => {
                    let v = pop!();
                    let t = match v {
                        Value::Bool(b) => b,
                        _ => {
                            sync!();
                            tri!(vm.truthy(&v))
                        }
                    };
                    if !t {
                        ip = arg as usize;
                    }
                }
                Op::PopJumpIfTrue => {
                    let v = pop!();
                    let t = match v {
                        Value::Bool(b) => b,
                        _ => {
                            sync!();
                            tri!(vm.truthy(&v))
                        }
                    };
                    if t {
                        ip = arg as usize;
                    }
                }
                Op::PopJumpIfNone => {
                    if pop!().is_none() {
                        ip = arg as usize;
                    }
                }
                Op::PopJumpIfNotNone => {
                    if !pop!().is_none() {
                        ip = arg as usize;
                    }
                }
                Op::JumpIfFalseOrPop | Op::JumpIfTrueOrPop => {
                    let v = top!();
                    sync!();
                    let t = tri!(vm.truthy(&v));
                    if t == (ins.op == Op::JumpIfTrueOrPop) {
                        ip = arg as usize;
                    } else {
                        drop(pop!());
                    }
                }
                Op::Call | Op::CallKw => {
                    // Fast path: a Python function called with exactly its
                    // positional parameters enters without argument binding.
                    // (In the untraced copy only while nothing traces: a
                    // trace function set by the last call needs the
                    // general path's 'call' event.)
                    if ins.op == Op::Call && (tracing || !tracing_now(thp)) {
                        let th = th!(thp);
                        let n = th.stack.len();
                        let callable_at = n - arg as usize - 2;
                        let entered = match &th.stack[callable_at] {
                            Value::Obj(o) => match &o.kind {
                                ObjKind::Function(f) => {
                                    let has_self = !th.stack[callable_at + 1].is_undef();
                                    match &f.code.kind {
                                        ObjKind::Code(c)
                                            if c.simple_call
                                                && th.frames.len() < vm.recursion_limit.get()
                                                && c.argcount as usize
                                                    == arg as usize + usize::from(has_self) =>
                                        {
                                            let func = o.clone();
                                            let args_at = if has_self {
                                                callable_at + 1
                                            } else {
                                                callable_at + 2
                                            };
                                            let cp = &**c as *const Code;
                                            sync!();
                                            enter_simple(
                                                thp,
                                                &func,
                                                f,
                                                c,
                                                callable_at,
                                                args_at,
                                                Ret::Push,
                                            );
                                            // Switch to the new frame in place.
                                            fi += 1;
                                            // SAFETY: the new frame owns a reference
                                            // to its code (see the frame prologue).
                                            code = unsafe { &*cp };
                                            instrs = &code.instrs[..];
                                            line_starts = &code.line_starts[..];
                                            base = args_at;
                                            ip = 0;
                                            true
                                        }
                                        _ => false,
                                    }
                                }
                                _ => false,
                            },
                            _ => false,
                        };
                        if entered {
                            if tracing {
                                // The new frame's 'call' event.
                                tri!(super::tracing::on_call(vm, thp));
                            }
                            tri!(breaker(vm, thp));
                            continue;
                        }
                        // Fast path: a builtin function or method descriptor
                        // (no profiler: it would want c_call events).
                        if th!(thp).profile.is_none()
                            && let Value::Obj(o) = &th!(thp).stack[callable_at]
                            && let ObjKind::Builtin(b) = &o.kind
                            && b.bound.is_undef()
                        {
                            let f = b.f;
                            if arg == 1
                                && std::ptr::fn_addr_eq(f, super::builtins::list_append as NativeFn)
                                && list_append_on_stack(thp, callable_at)
                            {
                                continue;
                            }
                            sync!();
                            tri!(call_builtin_on_stack(vm, thp, callable_at, f));
                            if !tracing && tracing_now(thp) {
                                // `sys.settrace(f)`: traced from the next
                                // instruction on, in the other copy.
                                continue 'frame;
                            }
                            continue;
                        }
                        // A builtin class (`range(n)`, `int(s)`, `list(it)`;
                        // CPython's CALL_BUILTIN_CLASS): its constructor,
                        // with the arguments moved off the stack likewise
                        // (not `super`: `super()` needs the caller's frame).
                        if th!(thp).profile.is_none()
                            && let Value::Obj(o) = &th!(thp).stack[callable_at]
                            && let ObjKind::Type(t) = &o.kind
                            && t.builtin
                            && t.layout != super::typeobj::Layout::Exception
                            && !o.ptr_eq(&vm.types.super_)
                        {
                            let cls = o.clone();
                            sync!();
                            tri!(call_builtin_type_on_stack(vm, thp, callable_at, cls));
                            continue;
                        }
                    }
                    let (nargs, kwnames) = if ins.op == Op::CallKw {
                        let names = pop!();
                        (arg as usize, names)
                    } else {
                        (arg as usize, Value::None)
                    };
                    sync!();
                    match tri!(do_call(vm, thp, nargs, &kwnames)) {
                        CallOutcome::Pushed => continue 'frame,
                        // As after the builtin fast path above.
                        CallOutcome::Done if !tracing && tracing_now(thp) => continue 'frame,
                        CallOutcome::Done => {}
                    }
                }
                Op::ReturnValue => {
                    let v = pop!();
                    sync!();
                    // The 'return' event, the frame still on top.
                    let traced = if tracing {
                        super::tracing::on_return(vm, thp, &v, false)
                    } else {
                        Ok(())
                    };
                    // The common cases: a plain call returns to a Python
                    // caller, or the frame a run from Rust pushed (a trace
                    // function, a callback) returns to it; the frame is
                    // dropped in place, not moved.
                    if traced.is_ok() && (tracing || !tracing_now(thp)) {
                        let th = th!(thp);
                        if let Some(f) = th.frames.last()
                            && (if fi == stop {
                                matches!(f.ret, Ret::Boundary)
                            } else {
                                matches!(f.ret, Ret::Push)
                            })
                            && f.generator.is_none()
                            // (A frame with an object ends in return_slow.)
                            && th.frame_objs.len() <= fi
                        {
                            let ret_sp = f.ret_sp;
                            let n = th.frames.len();
                            // SAFETY: the last frame leaves the vector (its
                            // length is cut first) and its fields that own
                            // something are moved out once, field by field
                            // (a whole-frame copy cost a 64-byte move per
                            // return in wasm); `generator` is None and
                            // `ret` is `Push` (checked above): nothing else
                            // to drop.
                            let owned = unsafe {
                                th.frames.set_len(n - 1);
                                let fp = th.frames.as_ptr().add(n - 1);
                                (
                                    std::ptr::read(std::ptr::addr_of!((*fp).code)),
                                    std::ptr::read(std::ptr::addr_of!((*fp).globals)),
                                    std::ptr::read(std::ptr::addr_of!((*fp).builtins)),
                                    std::ptr::read(std::ptr::addr_of!((*fp).func)),
                                    std::ptr::read(std::ptr::addr_of!((*fp).locals)),
                                )
                            };
                            // One by one: the tuple's drop was a call, out
                            // of line, on every return.
                            let (code_ref, globals, builtins, func, locals) = owned;
                            drop(code_ref);
                            drop(globals);
                            drop(builtins);
                            drop(func);
                            drop(locals);
                            // Drop the callable and the callee's slots in
                            // order (as CPython clears a frame: finalizers
                            // run local by local), inline (most are plain
                            // numbers).
                            let len = th.stack.len();
                            // SAFETY: the length is cut first; each value
                            // in ret_sp..len is then moved out once.
                            // Dropping runs no Python code (finalizers are
                            // queued), so nothing writes to the stack
                            // before the loop ends.
                            unsafe {
                                th.stack.set_len(ret_sp);
                                let p = th.stack.as_ptr();
                                for i in ret_sp..len {
                                    drop(super::object::read_value(p.add(i)));
                                }
                            }
                            if fi == stop {
                                return Ok(v);
                            }
                            push!(v);
                            // Back to the caller in place.
                            fi -= 1;
                            debug_assert!(fi < th.frames.len());
                            // SAFETY: the caller's frame is now the last.
                            let f = unsafe { th.frames.get_unchecked(fi) };
                            let ObjKind::Code(c) = &f.code.kind else {
                                continue 'frame;
                            };
                            let cp = &**c as *const Code;
                            // SAFETY: as in the frame prologue.
                            code = unsafe { &*cp };
                            instrs = &code.instrs[..];
                            line_starts = &code.line_starts[..];
                            base = f.base;
                            ip = f.ip;
                            finalizers!();
                            continue;
                        }
                    }
                    match return_slow(vm, thp, fi == stop, v, traced)? {
                        Flow::Return(v) => return Ok(v),
                        _ => continue 'frame,
                    }
                }
                _ => match cold_op(vm, thp, ins, ip, fi, base, code, stop)? {
                    Flow::Next => {}
                    Flow::Jump(to) => ip = to,
                    Flow::Frame => continue 'frame,
                    Flow::Return(v) => return Ok(v),
                },
            }
        }
    }
}

/// What a call did.
pub(crate) enum CallOutcome {
    /// A Python frame was pushed: continue with it.
    Pushed,
    /// The result is on the stack.
    Done,
}

/// Calls `[callable, self_or_undef, args…]` at the top of the stack.
fn do_call(vm: &Vm, thp: *mut VmThread, nargs: usize, kwnames: &Value) -> PyResult<CallOutcome> {
    let n = th!(thp).stack.len();
    let callable_at = n - nargs - 2;
    let callable = th!(thp).stack[callable_at].clone();
    let self_slot = th!(thp).stack[callable_at + 1].clone();
    // The keyword names, borrowed from the caller's tuple.
    let kw: &[Value] = match kwnames.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t,
        _ => &[],
    };
    let has_self = !self_slot.is_undef();
    let args_at = if has_self {
        callable_at + 1
    } else {
        callable_at + 2
    };
    let total = nargs + usize::from(has_self);
    let npos = total - kw.len();
    if let Value::Obj(o) = &callable {
        match &o.kind {
            ObjKind::Function(_) => {
                push_frame_for_call(vm, thp, o, callable_at, args_at, npos, kw, Ret::Push)?;
                return Ok(CallOutcome::Pushed);
            }

            ObjKind::Method(m) if !has_self => {
                // Unpack the bound method in place: [func, self, args…].
                if let Value::Obj(f) = &m.0
                    && matches!(f.kind, ObjKind::Function(_))
                {
                    let (f, s) = (m.0.clone(), m.1.clone());
                    th!(thp).stack[callable_at] = f.clone();
                    th!(thp).stack[callable_at + 1] = s;
                    let fo = f.as_obj().expect("function").clone();
                    push_frame_for_call(
                        vm,
                        thp,
                        &fo,
                        callable_at,
                        callable_at + 1,
                        npos + 1,
                        kw,
                        Ret::Push,
                    )?;
                    return Ok(CallOutcome::Pushed);
                }
            }
            ObjKind::Type(t) if t.layout == super::typeobj::Layout::Object && !t.builtin => {
                // A Python class: create the instance, run __init__ as a frame.
                if let Some((inst, init)) = super::call::prepare_instance(vm, o)? {
                    match init {
                        Some(Value::Obj(initf)) if matches!(initf.kind, ObjKind::Function(_)) => {
                            let st = &mut th!(thp).stack;
                            st[callable_at] = Value::Obj(initf.clone());
                            // [init, inst, args…]: the instance as self, in
                            // the empty self slot (or inserted after a
                            // self the call already had).
                            if has_self {
                                st.insert(callable_at + 1, inst.clone());
                            } else {
                                st[callable_at + 1] = inst.clone();
                            }
                            // An `__init__` taking exactly these positionals
                            // enters without binding, as a plain call does.
                            if kw.is_empty()
                                && !tracing_now(thp)
                                && let Some((f, c)) = simple_callee(vm, thp, &initf, npos + 1)
                            {
                                enter_simple(
                                    thp,
                                    &initf,
                                    f,
                                    c,
                                    callable_at,
                                    callable_at + 1,
                                    Ret::Init(inst),
                                );
                                breaker(vm, thp)?;
                                return Ok(CallOutcome::Pushed);
                            }
                            push_frame_for_call(
                                vm,
                                thp,
                                &initf,
                                callable_at,
                                callable_at + 1,
                                npos + 1,
                                kw,
                                Ret::Init(inst),
                            )?;
                            return Ok(CallOutcome::Pushed);
                        }
                        // A native `__init__` (threading.Thread's): called
                        // with the instance first; its result checked as a
                        // Python one's.
                        Some(Value::Obj(initf)) if matches!(initf.kind, ObjKind::Builtin(_)) => {
                            let mut args: SmallVec<[Value; 8]> = SmallVec::new();
                            args.push(inst.clone());
                            args.extend(th!(thp).stack.drain(args_at..));
                            th!(thp).stack.truncate(callable_at);
                            let r = call_native_moved(vm, thp, &Value::Obj(initf), &args, kw)?;
                            if !r.is_none() {
                                return Err(vm.type_error(format!(
                                    "__init__() should return None, not '{}'",
                                    vm.type_name(&r)
                                )));
                            }
                            th!(thp).stack.push(inst);
                            return Ok(CallOutcome::Done);
                        }
                        // No __init__ of its own, no arguments: done.
                        None if npos == 0 && kw.is_empty() => {
                            th!(thp).stack.truncate(callable_at);
                            th!(thp).stack.push(inst);
                            return Ok(CallOutcome::Done);
                        }
                        // The general path makes its own instance: this
                        // one was never seen (no __del__ for it).
                        _ => super::typeobj::never_used(&inst),
                    }
                }
            }
            _ => {}
        }
    }
    // Everything else: a native call with the arguments moved out.
    let args: SmallVec<[Value; 8]> = th!(thp).stack.drain(args_at..).collect();
    th!(thp).stack.truncate(callable_at);
    let r = call_native_moved(vm, thp, &callable, &args, kw)?;
    th!(thp).stack.push(r);
    Ok(CallOutcome::Done)
}

/// A native call of `callable` with its arguments moved off the stack,
/// with 'c_call' events when a profile function is set.
fn call_native_moved(
    vm: &Vm,
    thp: *mut VmThread,
    callable: &Value,
    args: &[Value],
    kw: &[Value],
) -> PyResult<Value> {
    if tracing_active(thp) {
        super::tracing::native_call(vm, thp, callable, args, kw)
    } else {
        call_native_value(vm, thp, callable, args, kw)
    }
}

/// A trace or profile function is set on this thread right now and not
/// suspended (the thread is not inside one: trace and profile functions
/// and what they call are not traced). The frame-local `tracing` flag is
/// fixed when a frame is entered — a tracer's own frames run on the fast
/// paths; calls and returns must see `sys.settrace` called meanwhile.
#[inline(always)]
fn tracing_now(thp: *mut VmThread) -> bool {
    super::tracing::active(thp)
}

/// A profile function wants 'c_call' events now.
fn tracing_active(thp: *mut VmThread) -> bool {
    let th = th!(thp);
    !th.tracing && !th.profile.is_none()
}

/// Calls a non-Python-function callable with arguments already off the
/// stack.
pub(crate) fn call_native_value(
    vm: &Vm,
    thp: *mut VmThread,
    callable: &Value,
    args: &[Value],
    kw: &[Value],
) -> PyResult<Value> {
    // zero-argument super() needs the caller's frame.
    if let Value::Obj(o) = callable
        && o.ptr_eq(&vm.types.super_)
        && args.is_empty()
    {
        return super::call::zero_arg_super(vm, thp);
    }
    vm.call(
        callable,
        Args {
            all: args,
            kwnames: kw,
        },
    )
}

/// Pushes a frame for a Python function called from the loop.
#[allow(clippy::too_many_arguments)]
fn push_frame_for_call(
    vm: &Vm,
    thp: *mut VmThread,
    func: &ObjRef,
    callable_at: usize,
    args_at: usize,
    npos: usize,
    kw: &[Value],
    ret: Ret,
) -> PyResult<()> {
    match push_function_frame(vm, thp, func, callable_at, args_at, npos, kw, ret) {
        Ok(true) => {
            super::tracing::on_call(vm, thp)?;
            // Function entry is an eval-breaker check point.
            breaker(vm, thp)
        }
        // A generator object is on the stack: the caller continues.
        Ok(false) => Ok(()),
        Err(e) => {
            th!(thp).stack.truncate(callable_at);
            Err(e)
        }
    }
}

/// Completes a frame's return per its continuation. `Ok(Some(v))`: push
/// `v`; `Ok(None)`: the continuation already arranged the caller.
fn finish_return(vm: &Vm, thp: *mut VmThread, frame: Frame, v: Value) -> PyResult<Option<Value>> {
    match frame.ret {
        Ret::Push | Ret::Boundary => Ok(Some(v)),
        Ret::Init(inst) => {
            if !v.is_none() {
                return Err(vm.type_error(format!(
                    "__init__() should return None, not '{}'",
                    vm.type_name(&v)
                )));
            }
            Ok(Some(inst))
        }
        Ret::BuildClass(c) => {
            let ns = frame.locals.clone().map(Value::Obj).unwrap_or(Value::None);
            let cls = super::call::build_class(vm, &c.name, &c.bases, &ns, &c.kwargs)?;
            let _ = thp;
            Ok(Some(cls))
        }
        Ret::Generator => {
            // The generator returned: StopIteration(v) to its consumer.
            if let Some(g) = &frame.generator {
                super::gen_support::finished(g);
            }
            Err(super::gen_support::stop_iteration(vm, v)?)
        }
        Ret::GeneratorNext => {
            // Ended: the consumer sees the generator finished.
            if let Some(g) = &frame.generator {
                super::gen_support::finished(g);
            }
            Ok(Some(v))
        }
        Ret::GenFor(target) => {
            // A for loop's generator is exhausted: pop it, leave the loop.
            if let Some(g) = &frame.generator {
                super::gen_support::finished(g);
            }
            let th = th!(thp);
            drop(th.stack.pop());
            if let Some(f) = th.frames.last_mut() {
                f.ip = target as usize;
            }
            Ok(None)
        }
    }
}

/// Starts running a class body: a frame whose locals are a fresh
/// namespace dict; when it returns, the class is built.
fn start_class_body(
    vm: &Vm,
    thp: *mut VmThread,
    body: &Value,
    name: Value,
    bases: Value,
    kwargs: Value,
) -> PyResult<()> {
    let Some(ObjKind::Function(f)) = body.as_obj().map(|o| &o.kind) else {
        return Err(vm.type_error("__build_class__: func must be a function"));
    };
    let ns = super::call::prepare_namespace(vm, &name, &bases, &kwargs)?;
    let sp = th!(thp).stack.len();
    let ObjKind::Code(code) = &f.code.kind else {
        return Err(vm.type_error("bad class body"));
    };
    {
        let th = th!(thp);
        for _ in 0..code.nslots() {
            th.stack.push(Value::Undef);
        }
    }
    if let Value::Obj(t) = &f.closure
        && let ObjKind::Tuple(cells) = &t.kind
    {
        let nl = code.nlocals() + code.cellvars.len();
        for (i, c) in cells.iter().enumerate() {
            th!(thp).stack[sp + nl + i] = c.clone();
        }
    }
    for (i, _) in code.cellvars.iter().enumerate() {
        let cell = vm.alloc(ObjKind::Cell(RefCell::new(Value::Undef)))?;
        th!(thp).stack[sp + code.nlocals() + i] = Value::Obj(cell);
    }
    if th!(thp).frames.len() >= vm.recursion_limit.get() {
        th!(thp).stack.truncate(sp);
        return Err(vm.new_error("RecursionError", "maximum recursion depth exceeded"));
    }
    th!(thp).frames.push(Frame {
        code: f.code.clone(),
        ip: 0,
        base: sp,
        ret_sp: sp,
        globals: f.globals.clone(),
        builtins: module_builtins(vm, &f.globals),
        locals: Some(ns),
        func: None,
        generator: None,
        ret: Ret::BuildClass(Box::new(super::frame::ClassParts {
            name,
            bases,
            kwargs,
        })),
        last_line: 0,
        last_traced: -1,
        handler_lasti: 0,
    });
    super::tracing::on_call(vm, thp)
}

/// The eval-breaker check: pending calls, GIL drop requests, async
/// exceptions, a due cycle collection. The test for "nothing to do" is
/// inline (it runs at every call and backward jump); the work is not.
#[inline(always)]
pub(crate) fn breaker(vm: &Vm, thp: *mut VmThread) -> PyResult<()> {
    let th = th!(thp);
    // A call or return check point: about the instructions around it.
    th.budget_left -= 2;
    if eval_events(thp)
        || vm.heap.gc.due()
        || vm.heap.finalize_pending.get()
        || (th!(thp).budget_left <= 0 && th!(thp).green_base.is_some())
    {
        return breaker_slow(vm, thp);
    }
    Ok(())
}

/// An eval-breaker event (pending call, GIL drop request, async
/// exception…) is set for the thread.
#[inline(always)]
fn eval_events(thp: *mut VmThread) -> bool {
    // SAFETY: the running VM thread; read only.
    match unsafe { &(*thp).tstate } {
        Some(ts) => ts.eval_breaker().any(),
        None => false,
    }
}

#[inline(never)]
fn breaker_slow(vm: &Vm, thp: *mut VmThread) -> PyResult<()> {
    if vm.heap.gc.due() {
        vm.heap.collect_if_due();
    }
    if vm.heap.finalize_pending.get() {
        vm.run_finalizers();
    }
    if eval_events(thp) {
        super::driver::check_breaker(vm, thp)?;
    }
    let th = th!(thp);
    if th.budget_left <= 0 && th.green_base.is_some() {
        if th.green_base == Some(th.native_depth) {
            // The slice is used up: return to the scheduler (a GIL
            // hand-off).
            th.suspended = Some(super::threads::Suspend::Yield);
            return Err(vm.suspend_err());
        }
        // Inside a nested call the Rust stack cannot be left: the other
        // threads run from here instead.
        super::threads::yield_nested(vm, thp)?;
    }
    Ok(())
}

/// `obj.name` for a method call: (method, self) without a bound method.
pub(crate) fn load_method(vm: &Vm, obj: &Value, name: &Value) -> PyResult<(Value, Value)> {
    match obj {
        Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_)) => {
            let ObjKind::Instance(inst) = &o.kind else {
                unreachable!()
            };
            let cls = inst.class.borrow().clone();
            if let Some(c) = vm.lookup_type(&cls, name)
                && super::ops::binds_as_method(&c)
                && vm.dict_get_strval(&inst.dict, name).is_none()
                && vm.getattribute_hook(&cls).is_none()
            {
                return Ok((c, obj.clone()));
            }
        }
        // `super().name(...)` on an instance: a function or method
        // descriptor found along the MRO is called with the instance as
        // self, no bound method made.
        Value::Obj(o) if let ObjKind::Super(s) = &o.kind => {
            let (start, inst) = (&s.0, &s.1);
            if !matches!(inst.as_obj().map(|i| &i.kind), Some(ObjKind::Type(_)))
                && let Some((v, _)) = vm.super_lookup(start, inst, name)
                && super::ops::binds_as_method(&v)
            {
                return Ok((v, inst.clone()));
            }
        }
        Value::Obj(o) if matches!(o.kind, ObjKind::Module(_) | ObjKind::Type(_)) => {}
        _ => {
            // Builtin kinds: unbound method descriptor + self (the type
            // found without a new reference, the method through the type
            // attribute cache).
            if let Some(t) = builtin_kind_type(vm, obj)
                && let Some(c) = vm.lookup_type(t, name)
                && let Value::Obj(co) = &c
                && let ObjKind::Builtin(b) = &co.kind
                && b.bound.is_undef()
                && !b.owner.is_empty()
            {
                return Ok((c, obj.clone()));
            }
            let t = vm.type_of(obj);
            if let Some(c) = vm.lookup_type(&t, name)
                && let Value::Obj(co) = &c
                && let ObjKind::Builtin(b) = &co.kind
                && b.bound.is_undef()
                && !b.owner.is_empty()
                && !matches!(obj, Value::Obj(x) if matches!(x.kind, ObjKind::Exception(_) | ObjKind::Function(_)))
            {
                return Ok((c, obj.clone()));
            }
        }
    }
    Ok((vm.getattr(obj, name)?, Value::Undef))
}

/// The type of a value of a common builtin kind, without a new reference.
#[inline]
pub(crate) fn builtin_kind_type<'a>(vm: &'a Vm, v: &'a Value) -> Option<&'a ObjRef> {
    let t = &vm.types;
    Some(match v.as_obj().map(|o| &o.kind)? {
        ObjKind::Native(n) => &n.ty,
        ObjKind::List(_) => &t.list,
        ObjKind::Dict(_) => &t.dict,
        ObjKind::Str(_) => &t.str_,
        ObjKind::Tuple(_) => &t.tuple,
        ObjKind::Set(_) => &t.set,
        ObjKind::Bytes(_) => &t.bytes,
        _ => return None,
    })
}

fn dict_of(d: &ObjRef) -> Option<&RefCell<super::dict::Dict>> {
    match &d.kind {
        ObjKind::Dict(c) => Some(c),
        _ => None,
    }
}

fn unbound_local(vm: &Vm, name: &str) -> PyErr {
    vm.new_error(
        "UnboundLocalError",
        format!("cannot access local variable '{name}' where it is not associated with a value"),
    )
}

fn name_error(vm: &Vm, name: &Value) -> PyErr {
    let n = vm.display_str(name);
    let e = vm.new_error("NameError", format!("name '{n}' is not defined"));
    if let ObjKind::Exception(x) = &e.0.kind {
        let _ = vm.dict_set_str(&x.dict, "name", name.clone());
    }
    e
}

fn deref_name(code: &Code, i: usize) -> String {
    let nl = code.nlocals();
    if i < nl {
        return code.varnames[i].to_string();
    }
    let i = i - nl;
    if i < code.cellvars.len() {
        return code.cellvars[i].to_string();
    }
    code.freevars
        .get(i - code.cellvars.len())
        .map_or_else(String::new, ToString::to_string)
}

/// Unpacks `seq` into `n` values (or `n` + a starred list + `after`).
fn unpack(vm: &Vm, seq: &Value, n: usize, after: Option<usize>) -> PyResult<Vec<Value>> {
    let items: Vec<Value> = match seq.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t.iter().cloned().collect(),
        Some(ObjKind::List(l)) => l.borrow().iter().cloned().collect(),
        _ => {
            let it = match vm.iter(seq) {
                Ok(it) => it,
                Err(e) if vm.exc_matches(&e, "TypeError") => {
                    return Err(vm.type_error(format!(
                        "cannot unpack non-iterable {} object",
                        vm.type_name(seq)
                    )));
                }
                Err(e) => return Err(e),
            };
            let mut out = Vec::new();
            let limit = if after.is_some() { usize::MAX } else { n + 1 };
            while out.len() < limit {
                match vm.next(&it)? {
                    Some(x) => out.push(x),
                    None => break,
                }
            }
            out
        }
    };
    match after {
        None => {
            if items.len() == n {
                Ok(items)
            } else if items.len() < n {
                Err(vm.value_error(format!(
                    "not enough values to unpack (expected {n}, got {})",
                    items.len()
                )))
            } else {
                Err(vm.value_error(format!("too many values to unpack (expected {n})")))
            }
        }
        Some(after) => {
            if items.len() < n + after {
                return Err(vm.value_error(format!(
                    "not enough values to unpack (expected at least {}, got {})",
                    n + after,
                    items.len()
                )));
            }
            let mut out: Vec<Value> = items[..n].to_vec();
            let mid = items[n..items.len() - after].to_vec();
            out.push(vm.new_list(mid)?);
            out.extend_from_slice(&items[items.len() - after..]);
            Ok(out)
        }
    }
}

/// `MAKE_FUNCTION`.
fn make_function(
    vm: &Vm,
    code_v: &Value,
    globals: ObjRef,
    builtins: ObjRef,
    defaults: Value,
    kwdefaults: Value,
    closure: Value,
) -> PyResult<Value> {
    let Some(code) = code_v.as_obj() else {
        return Err(vm.type_error("MAKE_FUNCTION without code"));
    };
    let ObjKind::Code(c) = &code.kind else {
        return Err(vm.type_error("MAKE_FUNCTION without code"));
    };
    // The code's names as shared strs (CPython's function shares its
    // code object's co_name and co_qualname): a nested function or a
    // comprehension made in a loop allocates no strs for them.
    let (name, qualname) = c.name_strs.clone();
    let module = vm
        .dict_get_strval(&globals, &vm.names.name)
        .unwrap_or(Value::None);
    let doc = c
        .consts
        .first()
        .filter(|v| v.as_str().is_some())
        .cloned()
        .unwrap_or(Value::None);
    let f = vm.alloc(ObjKind::Function(Box::new(Function {
        code: code.clone(),
        globals,
        builtins,
        name: RefCell::new(name),
        qualname: RefCell::new(qualname),
        defaults: RefCell::new(defaults),
        kwdefaults: RefCell::new(kwdefaults),
        closure,
        dict: RefCell::new(None),
        module: RefCell::new(module),
        doc: RefCell::new(doc),
        annotations: RefCell::new(Value::None),
    })))?;
    Ok(Value::Obj(f))
}

/// RETURN_VALUE when the frame does not simply return to a Python caller:
/// returning to Rust, from a generator, after a 'return' event that
/// raised (`traced`), or with a continuation (`__init__`, a class body).
/// `at_stop`: the frame is the one the loop was started for.
#[inline(never)]
fn return_slow(
    vm: &Vm,
    thp: *mut VmThread,
    at_stop: bool,
    v: Value,
    traced: PyResult<()>,
) -> PyResult<Flow> {
    super::tracing::frame_exit(vm, thp, th!(thp).frames.len() - 1);
    let frame = th!(thp).frames.pop().expect("frame");
    th!(thp).stack.truncate(frame.ret_sp);
    let done = at_stop
        || matches!(
            frame.ret,
            Ret::Boundary | Ret::Generator | Ret::GeneratorNext
        );
    // The return tracer's error is raised in the caller instead.
    let finished = match traced {
        Ok(()) => finish_return(vm, thp, frame, v),
        Err(e) => {
            if let Some(g) = &frame.generator {
                super::gen_support::finished(g);
            }
            Err(e)
        }
    };
    match finished {
        Ok(Some(v)) => {
            if done {
                return Ok(Flow::Return(v));
            }
            th!(thp).stack.push(v);
        }
        Ok(None) => {
            // Build-class continuation pushed a frame or value.
        }
        Err(e) => {
            if done {
                // The stop frame is already gone: the error leaves this
                // run without unwinding.
                th!(thp).unwound_past_stop = true;
            }
            return Err(e);
        }
    }
    if done {
        return Ok(Flow::Return(Value::None));
    }
    Ok(Flow::Frame)
}

/// Calls the builtin `f` whose callable slot is at `callable_at` with the
/// arguments above it (and the self slot's value first, when set), moved
/// off the stack; pushes the result.
#[inline(never)]
fn call_builtin_on_stack(
    vm: &Vm,
    thp: *mut VmThread,
    callable_at: usize,
    f: super::func::NativeFn,
) -> PyResult<()> {
    // `len(x)`, `isinstance(x, C)`: the arguments taken off the stack as
    // they are (CPython's CALL_LEN, CALL_ISINSTANCE).
    let th = th!(thp);
    if th.stack[callable_at + 1].is_undef() {
        let nargs = th.stack.len() - callable_at - 2;
        if nargs == 1 && std::ptr::fn_addr_eq(f, super::builtins::bi_len as NativeFn) {
            let x = th.stack.pop().unwrap_or_default();
            th.stack.truncate(callable_at);
            let n = vm.len(&x)?;
            th!(thp).stack.push(Value::Int(n as i64));
            return Ok(());
        }
        if nargs == 2 && std::ptr::fn_addr_eq(f, super::builtins::bi_isinstance as NativeFn) {
            let cls = th.stack.pop().unwrap_or_default();
            let x = th.stack.pop().unwrap_or_default();
            th.stack.truncate(callable_at);
            let r = super::builtins::isinstance(vm, &x, &cls)?;
            th!(thp).stack.push(Value::Bool(r));
            return Ok(());
        }
    }
    call_on_stack(vm, thp, callable_at, f)
}

/// Calls the builtin class `cls` (not an exception class) whose callable
/// slot is at `callable_at`, as [`call_builtin_on_stack`] calls a builtin.
#[inline(never)]
fn call_builtin_type_on_stack(
    vm: &Vm,
    thp: *mut VmThread,
    callable_at: usize,
    cls: ObjRef,
) -> PyResult<()> {
    let Some(t) = super::typeobj::as_type(&cls) else {
        return Err(vm.type_error("not a type"));
    };
    call_on_stack(vm, thp, callable_at, |vm, a| {
        super::builtins::construct_builtin(vm, &cls, t, a)
    })
}

/// Calls `f` with the arguments of the call whose callable slot is at
/// `callable_at` (and its self slot, if set), moved off the stack; pushes
/// the result where the callable was.
#[inline(always)]
fn call_on_stack(
    vm: &Vm,
    thp: *mut VmThread,
    callable_at: usize,
    f: impl Fn(&Vm, Args<'_>) -> PyResult<Value>,
) -> PyResult<()> {
    let th = th!(thp);
    let has_self = !th.stack[callable_at + 1].is_undef();
    let args_at = if has_self {
        callable_at + 1
    } else {
        callable_at + 2
    };
    // The arguments move off the stack into an array of their own (the
    // builtin may run Python code that grows the stack): up to four of
    // them — a method's self and its arguments, `__exit__`'s four —
    // without a vector.
    let call = |args: &[Value]| f(vm, Args::positional(args));
    let r = match th.stack.len() - args_at {
        0 => {
            th.stack.truncate(callable_at);
            call(&[])
        }
        1 => call(&take_array::<1>(thp, args_at, callable_at)),
        2 => call(&take_array::<2>(thp, args_at, callable_at)),
        3 => call(&take_array::<3>(thp, args_at, callable_at)),
        4 => call(&take_array::<4>(thp, args_at, callable_at)),
        _ => {
            let args = take_from(thp, args_at);
            th!(thp).stack.truncate(callable_at);
            call(&args)
        }
    }?;
    th!(thp).stack.push(r);
    Ok(())
}

/// `lst.append(x)` on an exact list, called as a method (CPython's
/// CALL_LIST_APPEND): the item moves from the stack into the list with no
/// argument vector and no call. False, with the stack untouched, when the
/// general call must handle it (not a list, the list borrowed, no memory).
#[inline(never)]
fn list_append_on_stack(thp: *mut VmThread, callable_at: usize) -> bool {
    let th = th!(thp);
    // [list.append, lst, x]
    debug_assert_eq!(th.stack.len(), callable_at + 3);
    let (head, x) = th.stack.split_at_mut(callable_at + 2);
    let Some(ObjKind::List(l)) = head[callable_at + 1].as_obj().map(|o| &o.kind) else {
        return false;
    };
    let Ok(mut items) = l.try_borrow_mut() else {
        return false;
    };
    if items.try_reserve(1).is_err() {
        return false;
    }
    items.push(std::mem::take(&mut x[0]));
    drop(items);
    th.stack.truncate(callable_at);
    th.stack.push(Value::None);
    true
}

/// What an out-of-line handler asks the dispatch loop to do next.
enum Flow {
    /// The next instruction of the same frame.
    Next,
    /// Instruction `.0` of the same frame next.
    Jump(usize),
    /// The top frame changed: re-enter the loop's frame prologue.
    Frame,
    /// The loop returns this value to its Rust caller.
    Return(Value),
}

/// The handlers of the less common instructions, out of the dispatch loop:
/// a smaller loop leaves the wasm engines' register allocators fewer
/// values to keep alive around it. Same macros as the loop's; errors are
/// returned after the frame's `ip` is saved.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn cold_op(
    vm: &Vm,
    thp: *mut VmThread,
    ins: super::code::Instr,
    mut ip: usize,
    fi: usize,
    base: usize,
    code: &Code,
    stop: usize,
) -> PyResult<Flow> {
    let arg = ins.arg;
    frame_ops!($, vm, thp, fi, ip, base);
    let _ = base;
    match ins.op {
        Op::DeleteFast => {
            let old = std::mem::take(&mut stack!()[base + arg as usize]);
            if old.is_undef() {
                err!(unbound_local(vm, &code.varnames[arg as usize]));
            }
            drop(old);
            finalizers!();
        }
        Op::DeleteDeref => {
            let cell = stack!()[base + arg as usize].clone();
            if let Some(ObjKind::Cell(c)) = cell.as_obj().map(|o| &o.kind) {
                let old = c.replace(Value::Undef);
                if old.is_undef() {
                    err!(unbound_local(vm, &deref_name(code, arg as usize)));
                }
            }
        }
        Op::LoadClosure => {
            let v = stack!()[base + arg as usize].clone();
            push!(v);
        }
        // `del` of a global, or of a name in a namespace (the locals
        // mapping if the frame has one, else the globals).
        Op::DeleteGlobal | Op::DeleteName => {
            let target = {
                let f = &th!(thp).frames[fi];
                match &f.locals {
                    Some(l) if ins.op == Op::DeleteName => l.clone(),
                    _ => f.globals.clone(),
                }
            };
            let name = &code.names[arg as usize];
            let ObjKind::Dict(d) = &target.kind else {
                return Ok(Flow::Next);
            };
            if tri!(super::dict::remove(vm, d, name)).is_none() {
                err!(name_error(vm, name));
            }
        }
        Op::DeleteAttr => {
            let obj = pop!();
            sync!();
            let (name_i, ci) = super::code::cached_name_parts(arg);
            let name = &code.names[name_i];
            match super::attr_cache::delete_attr(vm, code, ci, &obj, name) {
                Some(r) => tri!(r),
                None => {
                    super::attr_cache::fill(vm, code, ci, &obj, name, Access::Delete);
                    tri!(vm.delattr(&obj, name));
                }
            }
        }
        Op::DeleteSubscr => {
            let key = pop!();
            let obj = pop!();
            sync!();
            tri!(vm.delitem(&obj, &key));
        }
        Op::BuildSet => {
            let n = stack!().len();
            let items: Vec<Value> = stack!().drain(n - arg as usize..).collect();
            sync!();
            let s = tri!(vm.alloc(ObjKind::Set(RefCell::new(super::set::SetData::new()))));
            if let ObjKind::Set(c) = &s.kind {
                for x in items {
                    tri!(super::set::add(vm, c, x));
                }
            }
            push!(Value::Obj(s));
        }
        Op::BuildMap => {
            let n = stack!().len();
            let items: Vec<Value> = stack!().drain(n - 2 * arg as usize..).collect();
            sync!();
            let d = tri!(vm.new_dict());
            for kv in items.chunks(2) {
                tri!(vm.dict_set(&d, kv[0].clone(), kv[1].clone()));
            }
            push!(Value::Obj(d));
        }
        Op::BuildConstKeyMap => {
            let keys = pop!();
            let n = stack!().len();
            let values: Vec<Value> = stack!().drain(n - arg as usize..).collect();
            sync!();
            let d = tri!(vm.new_dict());
            if let Some(ObjKind::Tuple(ks)) = keys.as_obj().map(|o| &o.kind) {
                for (k, v) in ks.iter().zip(values) {
                    tri!(vm.dict_set(&d, k.clone(), v));
                }
            }
            push!(Value::Obj(d));
        }
        Op::BuildString => {
            let n = stack!().len();
            let from = n - arg as usize;
            let mut data = super::heap::pyvec::<u8>();
            let mut chars = 0;
            let total: usize = stack!()[from..]
                .iter()
                .filter_map(|p| p.as_str())
                .map(|s| s.as_bytes().len())
                .sum();
            if data.try_reserve_exact(total).is_err() {
                err!(vm.memory_error());
            }
            for p in &stack!()[from..] {
                if let Some(s) = p.as_str() {
                    data.push_slice(s.as_bytes());
                    chars += s.len();
                }
            }
            stack!().truncate(from);
            let s = tri!(vm.str_from_pyvec(data, chars));
            push!(s);
        }
        Op::BuildSlice => {
            let step = if arg == 3 { pop!() } else { Value::None };
            let stop = pop!();
            let start = pop!();
            let s = tri!(vm.alloc(ObjKind::Slice(Box::new([start, stop, step]))));
            push!(Value::Obj(s));
        }
        Op::MapAdd => {
            let v = pop!();
            let k = pop!();
            let n = stack!().len();
            let target = stack!()[n - arg as usize].clone();
            sync!();
            if let Some(d) = target.as_obj() {
                tri!(vm.dict_set(d, k, v));
            }
        }
        Op::ListExtend | Op::SetUpdate => {
            let it = pop!();
            let n = stack!().len();
            let target = stack!()[n - arg as usize].clone();
            sync!();
            let items = match vm.to_vec(&it) {
                Ok(v) => v,
                Err(e) if vm.exc_matches(&e, "TypeError") && ins.op == Op::ListExtend => {
                    err!(vm.type_error(format!(
                        "Value after * must be an iterable, not {}",
                        vm.type_name(&it)
                    )));
                }
                Err(e) => err!(e),
            };
            match target.as_obj().map(|o| &o.kind) {
                Some(ObjKind::List(l)) => l.borrow_mut().extend(items),
                Some(ObjKind::Set(s)) => {
                    for x in items {
                        tri!(super::set::add(vm, s, x));
                    }
                }
                _ => {}
            }
        }
        Op::DictUpdate | Op::DictMerge => {
            let m = pop!();
            let n = stack!().len();
            let target = stack!()[n - arg as usize].clone();
            // A call's `**m`: [callable, self, args, kwargs] below.
            let callable =
                (ins.op == Op::DictMerge).then(|| stack!()[n - arg as usize - 3].clone());
            sync!();
            // `{**m}` and a call's `**m` take a mapping only.
            let how = match &callable {
                Some(f) => super::builtins::Update::Merge(f),
                None => super::builtins::Update::Mapping,
            };
            tri!(super::builtins::dict_update_from(vm, &target, &m, how));
        }
        Op::ListToTuple => {
            let l = pop!();
            let items = tri!(vm.to_vec(&l));
            let t = tri!(vm.new_tuple(items));
            push!(t);
        }
        Op::UnpackSequence => {
            let seq = pop!();
            // A tuple or list of the right length: its items pushed in
            // place (CPython's UNPACK_SEQUENCE_TUPLE/LIST).
            let pushed = match seq.as_obj().map(|o| &o.kind) {
                Some(ObjKind::Tuple(t)) if t.len() == arg as usize => {
                    th!(thp).stack.extend(t.iter().rev().cloned());
                    true
                }
                Some(ObjKind::List(l)) if l.borrow().len() == arg as usize => {
                    th!(thp).stack.extend(l.borrow().iter().rev().cloned());
                    true
                }
                _ => false,
            };
            if pushed {
                return Ok(Flow::Next);
            }
            sync!();
            let items = tri!(unpack(vm, &seq, arg as usize, None));
            for x in items.into_iter().rev() {
                push!(x);
            }
        }
        Op::UnpackEx => {
            let seq = pop!();
            sync!();
            let before = (arg & 0xFF) as usize;
            let after = (arg >> 8) as usize;
            let items = tri!(unpack(vm, &seq, before, Some(after)));
            for x in items.into_iter().rev() {
                push!(x);
            }
        }
        Op::FormatValue => {
            if arg == 0 {
                // f"{x}" for the common kinds: no format spec.
                let th = th!(thp);
                let n = th.stack.len();
                match &th.stack[n - 1] {
                    Value::Obj(o) if matches!(o.kind, ObjKind::Str(_)) => return Ok(Flow::Next),
                    Value::Int(i) => {
                        let i = *i;
                        let s = tri!(vm.int_str(i));
                        th!(thp).stack[n - 1] = s;
                        return Ok(Flow::Next);
                    }
                    _ => {}
                }
            }
            let spec = if arg & 4 != 0 { Some(pop!()) } else { None };
            let v = pop!();
            sync!();
            let v = match arg & 3 {
                1 => tri!(vm.str_(&v)),
                2 => tri!(vm.repr(&v)),
                3 => tri!(super::builtins::ascii_of(vm, &v)),
                _ => v,
            };
            let spec_s = spec.as_ref().map(|s| vm.display_str(s)).unwrap_or_default();
            let r = if spec_s.is_empty() && v.as_str().is_some() {
                v
            } else {
                tri!(vm.format(&v, &spec_s))
            };
            push!(r);
        }
        Op::MakeFunction => {
            let code_v = pop!();
            let closure = if arg & 8 != 0 { pop!() } else { Value::None };
            let annotations = if arg & 4 != 0 { pop!() } else { Value::None };
            let kwdefaults = if arg & 2 != 0 { pop!() } else { Value::None };
            let defaults = if arg & 1 != 0 { pop!() } else { Value::None };
            let (globals, builtins) = {
                let f = &th!(thp).frames[fi];
                (f.globals.clone(), f.builtins.clone())
            };
            sync!();
            let f = tri!(make_function(
                vm, &code_v, globals, builtins, defaults, kwdefaults, closure
            ));
            if let (Value::Obj(fo), false) = (&f, annotations.is_none())
                && let ObjKind::Function(func) = &fo.kind
            {
                *func.annotations.borrow_mut() = annotations;
            }
            push!(f);
        }
        Op::RaiseVarargs => {
            sync!();
            let e = match arg {
                0 => {
                    let h = th!(thp).handled.clone();
                    match h {
                        Value::Obj(o) if matches!(o.kind, ObjKind::Exception(_)) => {
                            RERAISING.with(|r| r.set(true));
                            PyErr(o)
                        }
                        _ => vm.runtime_error("No active exception to reraise"),
                    }
                }
                1 => {
                    let exc = pop!();
                    tri!(super::exc_support::make_raisable(
                        vm,
                        exc,
                        None,
                        &th!(thp).handled.clone()
                    ))
                }
                _ => {
                    let cause = pop!();
                    let exc = pop!();
                    tri!(super::exc_support::make_raisable(
                        vm,
                        exc,
                        Some(cause),
                        &th!(thp).handled.clone()
                    ))
                }
            };
            return Err(e);
        }
        Op::ReturnConst => {
            // A jump's copy of a `return None` (see `Op::ReturnConst`):
            // where nothing sees its line, the jump it was (out of the
            // loop's own arms: an arm there made wasmtime's code for the
            // whole loop slower).
            if !tracing_now(thp) && th!(thp).frame_objs.len() <= fi {
                return Ok(Flow::Jump(arg as usize));
            }
            let v = code.consts[code.instrs[arg as usize].arg as usize].clone();
            sync!();
            let traced = super::tracing::on_return(vm, thp, &v, false);
            return return_slow(vm, thp, fi == stop, v, traced);
        }
        Op::Reraise => {
            let e = pop!();
            sync!();
            RERAISING.with(|r| r.set(true));
            if arg == super::compile::RERAISE_AT_RAISE {
                let lasti = th!(thp).frames[fi].handler_lasti;
                RERAISE_LASTI.with(|r| r.set(Some(lasti)));
            }
            match e {
                Value::Obj(o) => return Err(PyErr(o)),
                _ => err!(vm.runtime_error("reraise of a non-exception")),
            }
        }
        Op::PushExcInfo => {
            let e = pop!();
            let prev = std::mem::replace(&mut th!(thp).handled, e.clone());
            push!(prev);
            push!(e);
        }
        Op::PopExcept => {
            let prev = pop!();
            let old = std::mem::replace(&mut th!(thp).handled, prev);
            drop(old);
        }
        Op::CheckExcMatch => {
            let typ = pop!();
            let exc = top!();
            sync!();
            let r = tri!(super::exc_support::exc_match(vm, &exc, &typ));
            push!(Value::Bool(r));
        }
        Op::ExcInfo => {
            let exc = pop!();
            let t = Value::Obj(vm.type_of(&exc));
            let tb = tri!(super::exc_support::traceback_of(vm, &exc));
            push!(t);
            push!(exc);
            push!(tb);
        }
        Op::LoadAssertionError => push!(Value::Obj(vm.exc_type("AssertionError"))),
        Op::BeforeWith => {
            let mgr = pop!();
            sync!();
            let enter = vm.lookup_special(&mgr, "__enter__");
            let exit = vm.lookup_special(&mgr, "__exit__");
            let (Some(enter), Some(exit)) = (enter, exit) else {
                err!(vm.type_error(format!(
                    "'{}' object does not support the context manager protocol",
                    vm.type_name(&mgr)
                )));
            };
            // [exit, self, enter, self]: two call heads, each a callable
            // and its self slot (as LoadMethod leaves them).
            let t = vm.type_of(&mgr);
            let (exit, exit_self) = tri!(vm.method_pair(exit, &mgr, &t));
            let (enter, enter_self) = tri!(vm.method_pair(enter, &mgr, &t));
            push!(exit);
            push!(exit_self);
            push!(enter);
            push!(enter_self);
        }
        Op::ImportName => {
            let fromlist = pop!();
            let level = pop!();
            sync!();
            let globals = th!(thp).frames[fi].globals.clone();
            let m = tri!(super::import::import_name(
                vm,
                &code.names[arg as usize],
                &globals,
                &fromlist,
                &level
            ));
            push!(m);
        }
        Op::ImportFrom => {
            let m = top!();
            sync!();
            let v = tri!(super::import::import_from(
                vm,
                &m,
                &code.names[arg as usize]
            ));
            push!(v);
        }
        Op::ImportStar => {
            let m = pop!();
            sync!();
            let target = {
                let f = &th!(thp).frames[fi];
                f.locals.clone().unwrap_or_else(|| f.globals.clone())
            };
            tri!(super::import::import_star(vm, &m, &target));
        }
        Op::SetupAnnotations => {
            let target = {
                let f = &th!(thp).frames[fi];
                f.locals.clone().unwrap_or_else(|| f.globals.clone())
            };
            if vm.dict_get_strval(&target, &vm.names.annotations).is_none() {
                let d = tri!(vm.new_dict());
                tri!(vm.dict_set(&target, vm.names.annotations.clone(), Value::Obj(d)));
            }
        }
        Op::StopIterationError => {
            let e = pop!();
            err!(PyErr(
                e.as_obj().cloned().unwrap_or_else(|| vm.memory_error().0)
            ));
        }
        Op::PrintExpr => {
            let v = pop!();
            sync!();
            tri!(super::builtins::display_hook(vm, &v));
        }
        Op::LoadLocals => {
            let l = th!(thp).frames[fi].locals.clone();
            match l {
                Some(l) => push!(Value::Obj(l)),
                None => err!(vm.new_error("SystemError", "no locals")),
            }
        }
        Op::Unsupported => {
            err!(vm.not_supported(vm.display_str(&code.names[arg as usize])));
        }
        Op::CallEx => {
            let kwargs = if arg & 1 != 0 { pop!() } else { Value::None };
            let args = pop!();
            sync!();
            let n = stack!().len();
            let kwt = tri!(spread_call_args(vm, thp, n - 2, &args, &kwargs));
            drop((args, kwargs));
            let count = th!(thp).stack.len() - n;
            match tri!(do_call(vm, thp, count, &kwt)) {
                CallOutcome::Pushed => return Ok(Flow::Frame),
                CallOutcome::Done => {}
            }
        }
        Op::BuildClass | Op::BuildClassKw => {
            let kwnames = if ins.op == Op::BuildClassKw {
                pop!()
            } else {
                Value::None
            };
            let nkw = match kwnames.as_obj().map(|o| &o.kind) {
                Some(ObjKind::Tuple(t)) => t.len(),
                _ => 0,
            };
            let n = stack!().len();
            let items: Vec<Value> = stack!().drain(n - arg as usize..).collect();
            let name = pop!();
            let body = pop!();
            let (bases, kwvals) = items.split_at(items.len() - nkw);
            sync!();
            let bases = tri!(vm.tuple_from(bases));
            let kwargs = if nkw > 0 {
                let d = tri!(vm.new_dict());
                if let Some(ObjKind::Tuple(t)) = kwnames.as_obj().map(|o| &o.kind) {
                    for (k, v) in t.iter().zip(kwvals) {
                        tri!(vm.dict_set(&d, k.clone(), v.clone()));
                    }
                }
                Value::Obj(d)
            } else {
                Value::None
            };
            tri!(start_class_body(vm, thp, &body, name, bases, kwargs));
            return Ok(Flow::Frame);
        }
        Op::YieldValue => {
            let v = pop!();
            sync!();
            tri!(super::tracing::on_yield(vm, thp, &v));
            match super::gen_support::suspend(vm, thp, v) {
                super::gen_support::Suspended::ToRust(v) => return Ok(Flow::Return(v)),
                super::gen_support::Suspended::InLoop => return Ok(Flow::Frame),
            }
        }
        Op::YieldFrom => {
            // [inner, sent]: step the inner iterator; yield what it
            // yields (re-running this instruction on resume) or push
            // its return value.
            let sent = pop!();
            let inner = top!();
            sync!();
            match tri!(super::gen_support::yield_from_step(vm, &inner, sent)) {
                super::gen_support::YfStep::Yield(v) => {
                    ip -= 1;
                    sync!();
                    // Re-running this instruction on resume is not a jump
                    // back (no 'line' event).
                    th!(thp).frames[fi].last_traced = ip as i32 - 1;
                    tri!(super::tracing::on_yield(vm, thp, &v));
                    match super::gen_support::suspend(vm, thp, v) {
                        super::gen_support::Suspended::ToRust(v) => return Ok(Flow::Return(v)),
                        super::gen_support::Suspended::InLoop => return Ok(Flow::Frame),
                    }
                }
                super::gen_support::YfStep::Done(result) => {
                    drop(pop!());
                    push!(result);
                }
            }
        }
        _ => {}
    }
    // `del` and the other rare instructions may have dropped the last
    // reference to an object with a finalizer.
    finalizers!();
    Ok(Flow::Next)
}
