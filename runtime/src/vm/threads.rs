//! Python threads on the VM: the `_thread` module (thread starts, the
//! lock types, idents, `interrupt_main`), the blocking protocol its
//! builtins use, and the `threading` module (Python source on top).
//!
//! Every blocking builtin (lock acquire, `time.sleep`) expresses its wait
//! as [`Step`]s (DESIGN.md decision 3) and hands them to [`block`]: on an
//! OS thread the wait parks with the GIL released; an interrupt (a pending
//! call such as `interrupt_main`, an async exception) ends the wait, the
//! eval-breaker work runs — and may raise — and the wait resumes.
//!
//! Objects are touched only by the thread holding the interpreter's GIL
//! (decision 2): a new OS thread attaches its thread state (taking the
//! GIL) before it enters the VM's heap, and detaches after its last object
//! is dropped.

use std::any::Any;
use std::sync::Arc;

use super::frame::VmThread;
use super::func::Args;
use super::native::NativeObject;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{MethodTable, PyResult, Vm};
use super::typeobj::Layout;
use crate::lock::{self, Step};

/// `threading.TIMEOUT_MAX` (CPython's on 64-bit Linux).
pub const TIMEOUT_MAX: f64 = 9_223_372_036.0;

/// Which backend carries Python threads (`-X threads=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadMode {
    /// Real OS threads, one GIL.
    Os,
    /// Green threads on the main OS thread.
    Emulated,
}

/// pyrt's `-X` options for threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadOptions {
    /// `-X threads=emulated|os`.
    pub mode: ThreadMode,
    /// `-X sched_seed=N`.
    pub seed: Option<u64>,
    /// `-X gil_trace=FILE`.
    pub gil_trace: Option<String>,
}

/// True when this build can start OS threads.
pub const HAS_OS_THREADS: bool = cfg!(all(has_os_threads, not(loom)));

/// Reads `-X threads`, `-X sched_seed` and `-X gil_trace` from the
/// configuration's `xoptions` (first occurrence wins, as CPython's lookup).
pub fn thread_options(config: &crate::config::Config) -> Result<ThreadOptions, String> {
    let find = |name: &str| -> Option<Option<String>> {
        config.xoptions.iter().find_map(|o| {
            let s = o.to_string_lossy();
            let (k, v) = match s.find('=') {
                Some(i) => (s[..i].to_string(), Some(s[i + 1..].to_string())),
                None => (s.to_string(), None),
            };
            (k == name).then_some(v)
        })
    };
    let mode = match find("threads") {
        None => {
            if HAS_OS_THREADS {
                ThreadMode::Os
            } else {
                ThreadMode::Emulated
            }
        }
        Some(Some(v)) if v == "os" => {
            if !HAS_OS_THREADS {
                return Err("-X threads=os: this build has no OS threads (use emulated)".into());
            }
            ThreadMode::Os
        }
        Some(Some(v)) if v == "emulated" => ThreadMode::Emulated,
        Some(v) => {
            return Err(format!(
                "-X threads: invalid value {:?} (expected 'emulated' or 'os')",
                v.unwrap_or_default()
            ));
        }
    };
    let seed = match find("sched_seed") {
        None => None,
        Some(v) => match v.as_deref().map(str::parse::<u64>) {
            Some(Ok(n)) => Some(n),
            _ => {
                return Err(format!(
                    "-X sched_seed: invalid value {:?} (expected a non-negative integer)",
                    v.unwrap_or_default()
                ));
            }
        },
    };
    let gil_trace = match find("gil_trace") {
        None => None,
        Some(Some(f)) if !f.is_empty() => Some(f),
        Some(_) => return Err("-X gil_trace: a file name is required (-X gil_trace=FILE)".into()),
    };
    Ok(ThreadOptions {
        mode,
        seed,
        gil_trace,
    })
}

// ---- blocking -----------------------------------------------------------------------------

fn thp() -> *mut VmThread {
    super::eval::thread_ptr()
}

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the running VM thread (eval.rs); used within one
        // statement, no Python code runs meanwhile.
        unsafe { &mut *$p }
    };
}

fn clock(vm: &Vm) -> Arc<dyn crate::platform::Clock> {
    vm_clock(vm)
}

/// The thread state of the running VM thread `t` (null: none).
fn current_tstate(t: *mut VmThread) -> Option<Arc<crate::thread::ThreadState>> {
    if t.is_null() {
        None
    } else {
        th!(t).tstate.clone()
    }
}

/// Runs a blocking operation to completion on this thread: parks with the
/// GIL released between steps; an interrupt runs the eval-breaker work
/// (which may raise, ending the wait with that exception) and retries.
pub(crate) fn block<T>(vm: &Vm, mut step: impl FnMut(u64) -> Step<T>) -> PyResult<T> {
    let c = clock(vm);
    let t = thp();
    let ts = current_tstate(t);
    let Some(ts) = ts else {
        // No thread state: only a non-blocking outcome is possible.
        return match step(c.monotonic_ns()) {
            Step::Ready(v) => Ok(v),
            Step::Wait(_) => Err(vm.runtime_error("cannot block without a Python thread state")),
        };
    };
    block_os(vm, t, &ts, &*c, &mut step)
}

#[cfg(all(has_os_threads, not(loom)))]
fn block_os<T>(
    vm: &Vm,
    t: *mut VmThread,
    ts: &Arc<crate::thread::ThreadState>,
    c: &dyn crate::platform::Clock,
    step: &mut dyn FnMut(u64) -> Step<T>,
) -> PyResult<T> {
    loop {
        match lock::block_on(ts, c, &mut *step) {
            Ok(v) => return Ok(v),
            Err(lock::Blocked::Interrupted) => super::driver::check_breaker(vm, t)?,
            Err(lock::Blocked::Finalizing) => park_forever(),
        }
    }
}

#[cfg(not(all(has_os_threads, not(loom))))]
fn block_os<T>(
    vm: &Vm,
    _t: *mut VmThread,
    _ts: &Arc<crate::thread::ThreadState>,
    c: &dyn crate::platform::Clock,
    step: &mut dyn FnMut(u64) -> Step<T>,
) -> PyResult<T> {
    // One thread and nobody to wake us: only a timed wait can end.
    loop {
        match step(c.monotonic_ns()) {
            Step::Ready(v) => return Ok(v),
            Step::Wait(req) => match req.deadline_ns {
                #[cfg(target_os = "wasi")]
                Some(d) => std::thread::sleep(std::time::Duration::from_nanos(
                    d.saturating_sub(c.monotonic_ns()),
                )),
                // Bare wasm (a page's main thread) cannot block: a timed
                // wait outside the scheduler (an atexit callback that
                // sleeps) spins on the clock until its deadline.
                #[cfg(not(target_os = "wasi"))]
                Some(d) => {
                    while c.monotonic_ns() < d {
                        std::hint::spin_loop();
                    }
                }
                None => {
                    return Err(vm.runtime_error(
                        "deadlock: the only thread would wait forever (no other thread can wake it)",
                    ));
                }
            },
        }
    }
}

/// A thread that wanted the GIL back while the runtime finalizes never
/// gets it (CPython 3.14's rule): it must not touch objects again.
#[cfg(all(has_os_threads, not(loom)))]
fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

// ---- lock objects -----------------------------------------------------------------------

/// `_thread.lock`.
#[derive(Debug)]
pub struct PyLock(pub Arc<lock::Lock>);

impl NativeObject for PyLock {
    fn type_name(&self) -> &'static str {
        "_thread.lock"
    }
    fn repr(&self, _vm: &Vm) -> PyResult<Option<String>> {
        let state = if self.0.locked() {
            "locked"
        } else {
            "unlocked"
        };
        Ok(Some(format!(
            "<{state} _thread.lock object at {:#x}>",
            Arc::as_ptr(&self.0) as usize
        )))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `_thread.RLock`.
#[derive(Debug)]
pub struct PyRLock(pub Arc<lock::RLock>);

impl NativeObject for PyRLock {
    fn type_name(&self) -> &'static str {
        "_thread.RLock"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn native<'a, T: 'static>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a T> {
    if let Some(ObjKind::Native(n)) = v.as_obj().map(|o| &o.kind)
        && let Some(x) = n.as_any().downcast_ref::<T>()
    {
        return Ok(x);
    }
    Err(vm.type_error(format!(
        "descriptor requires a '{what}' object but received a '{}'",
        vm.type_name(v)
    )))
}

/// `(blocking=True, timeout=-1)` of `acquire()`: the deadline, or None
/// for "do not block", checked with CPython's messages
/// (`lock_acquire_parse_args`).
fn acquire_args(vm: &Vm, a: &Args<'_>) -> PyResult<Option<Option<u64>>> {
    let pos = a.pos();
    if pos.len() > 3 {
        return Err(vm.type_error(format!(
            "acquire() takes at most 2 arguments ({} given)",
            pos.len() - 1
        )));
    }
    let mut blocking = pos.get(1).cloned();
    let mut timeout = pos.get(2).cloned();
    for (k, v) in a.kw() {
        match k
            .as_str()
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .as_deref()
        {
            Some("blocking") if blocking.is_none() => blocking = Some(v.clone()),
            Some("timeout") if timeout.is_none() => timeout = Some(v.clone()),
            Some(name) => {
                return Err(vm.type_error(format!(
                    "acquire() got an unexpected keyword argument '{name}'"
                )));
            }
            None => return Err(vm.type_error("keywords must be strings")),
        }
    }
    let blocking = match &blocking {
        Some(b) => vm.truthy(b)?,
        None => true,
    };
    let timeout = match &timeout {
        None => -1.0,
        Some(v) => match v {
            Value::Int(i) => *i as f64,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Float(f) => *f,
            other => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer or float",
                    vm.type_name(other)
                )));
            }
        },
    };
    if !blocking && timeout != -1.0 {
        return Err(vm.value_error("can't specify a timeout for a non-blocking call"));
    }
    if timeout < 0.0 && timeout != -1.0 {
        return Err(vm.value_error("timeout value must be a non-negative number"));
    }
    if !blocking {
        return Ok(None);
    }
    if timeout == -1.0 {
        return Ok(Some(None));
    }
    if timeout > TIMEOUT_MAX {
        return Err(vm.overflow_error("timeout value is too large"));
    }
    let now = clock(vm).monotonic_ns();
    Ok(Some(Some(now.saturating_add((timeout * 1e9) as u64))))
}

fn lock_acquire(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let pos = a.pos();
    let this = pos
        .first()
        .ok_or_else(|| vm.type_error("acquire() needs self"))?;
    let l = &native::<PyLock>(vm, this, "_thread.lock")?.0;
    let deadline = match acquire_args(vm, &a)? {
        None => return Ok(Value::Bool(l.try_acquire())),
        Some(d) => d,
    };
    // Uncontended: no clock read, no wait set up, no new reference.
    if l.try_acquire() {
        return Ok(Value::Bool(true));
    }
    block_lock(vm, l.clone(), deadline)
}

/// A lock step's outcome as the Python value `acquire()` returns.
fn as_value(s: Step<bool>) -> Step<Value> {
    match s {
        Step::Ready(b) => Step::Ready(Value::Bool(b)),
        Step::Wait(r) => Step::Wait(r),
    }
}

fn lock_enter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = &native::<PyLock>(vm, &this, "_thread.lock")?.0;
    if l.try_acquire() {
        return Ok(Value::Bool(true));
    }
    block_lock(vm, l.clone(), None)
}

fn lock_release(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyLock>(vm, &this, "_thread.lock")?;
    l.0.release()
        .map_err(|_| vm.runtime_error("release unlocked lock"))?;
    Ok(Value::None)
}

fn lock_locked(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    Ok(Value::Bool(
        native::<PyLock>(vm, &this, "_thread.lock")?.0.locked(),
    ))
}

fn lock_at_fork_reinit(_vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    Ok(Value::None)
}

const LOCK_METHODS: MethodTable = &[
    ("acquire", lock_acquire),
    ("acquire_lock", lock_acquire),
    ("release", lock_release),
    ("release_lock", lock_release),
    ("locked", lock_locked),
    ("locked_lock", lock_locked),
    ("__enter__", lock_enter),
    ("__exit__", lock_release),
    ("_at_fork_reinit", lock_at_fork_reinit),
];

/// The current Python thread's ident (`threading.get_ident()`).
pub(crate) fn current_ident() -> u64 {
    crate::thread::ThreadState::with_current(|t| t.map_or(0, |t| t.thread_ident()))
}

fn rlock_acquire(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    let me = current_ident();
    let deadline = match acquire_args(vm, &a)? {
        None => {
            let now = clock(vm).monotonic_ns();
            return Ok(Value::Bool(match l.0.acquire(me, Some(0), now) {
                Step::Ready(b) => b,
                Step::Wait(_) => false,
            }));
        }
        Some(d) => d,
    };
    let l = l.0.clone();
    block_value_with(vm, deadline.is_some(), move |now| {
        as_value(l.acquire(me, deadline, now))
    })
}

fn rlock_enter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    let me = current_ident();
    let l = l.0.clone();
    block_value_with(vm, false, move |now| as_value(l.acquire(me, None, now)))
}

fn rlock_release(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    l.0.release(current_ident())
        .map_err(|_| vm.runtime_error("cannot release un-acquired lock"))?;
    Ok(Value::None)
}

fn rlock_is_owned(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    Ok(Value::Bool(l.0.count(current_ident()) > 0))
}

fn rlock_recursion_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    Ok(Value::Int(l.0.count(current_ident()) as i64))
}

/// `_release_save()`: releases every level; returns (count, owner).
fn rlock_release_save(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    let me = current_ident();
    let n = l.0.count(me);
    if n == 0 {
        return Err(vm.runtime_error("cannot release un-acquired lock"));
    }
    for _ in 0..n {
        let _ = l.0.release(me);
    }
    vm.new_tuple(vec![Value::Int(n as i64), Value::Int(me as i64)])
}

/// `_acquire_restore((count, owner))`.
fn rlock_acquire_restore(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let pos = a.pos();
    let this = pos.first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    let state = pos.get(1).cloned().unwrap_or(Value::None);
    let n = match state.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) if !t.is_empty() => match t[0] {
            Value::Int(n) if n > 0 => n as u64,
            _ => 1,
        },
        _ => 1,
    };
    let me = current_ident();
    let l = l.0.clone();
    block_value_with(vm, false, move |now| match l.acquire(me, None, now) {
        Step::Ready(_) => {
            // Re-entrant from here on: the other levels are immediate.
            for _ in 1..n {
                let _ = l.acquire(me, None, now);
            }
            Step::Ready(Value::None)
        }
        Step::Wait(r) => Step::Wait(r),
    })
}

fn rlock_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    let l = native::<PyRLock>(vm, &this, "_thread.RLock")?;
    let me = current_ident();
    let owned = l.0.is_owned();
    let s = format!(
        "<{} _thread.RLock object owner={} count={} at {:#x}>",
        if owned { "locked" } else { "unlocked" },
        if l.0.count(me) > 0 { me } else { 0 },
        l.0.count(me),
        std::ptr::from_ref(l) as usize
    );
    vm.new_str(&s)
}

fn rlock_new(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    vm.new_native(PyRLock(Arc::new(lock::RLock::new())))
}

const RLOCK_METHODS: MethodTable = &[
    ("acquire", rlock_acquire),
    ("release", rlock_release),
    ("__enter__", rlock_enter),
    ("__exit__", rlock_release),
    ("_is_owned", rlock_is_owned),
    ("_recursion_count", rlock_recursion_count),
    ("_release_save", rlock_release_save),
    ("_acquire_restore", rlock_acquire_restore),
    ("__repr__", rlock_repr),
];

fn allocate_lock(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "allocate_lock", &a, 0, 0)?;
    vm.new_native(PyLock(Arc::new(lock::Lock::new())))
}

// ---- event flags --------------------------------------------------------------------------

/// `_pyrt.Flag`: the runtime's event flag ([`lock::Event`]) with
/// `threading.Event`'s methods. `threading.Event` and the start and finish
/// signals of `threading.Thread` rest on it: one object and native calls
/// where CPython's Python Event builds a Condition, a Lock and a waiter
/// lock per wait.
#[derive(Debug)]
pub struct PyFlag(pub Arc<lock::Event>);

impl NativeObject for PyFlag {
    fn type_name(&self) -> &'static str {
        "_pyrt.Flag"
    }
    fn repr(&self, _vm: &Vm) -> PyResult<Option<String>> {
        let state = if self.0.is_set() { "set" } else { "unset" };
        Ok(Some(format!(
            "<_pyrt.Flag at {:#x}: {state}>",
            Arc::as_ptr(&self.0) as usize
        )))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn flag_of(vm: &Vm, a: &Args<'_>) -> PyResult<Arc<lock::Event>> {
    let this = a.pos().first().cloned().unwrap_or(Value::None);
    Ok(native::<PyFlag>(vm, &this, "_pyrt.Flag")?.0.clone())
}

fn flag_new(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "Flag", &a, 0, 0)?;
    vm.new_native(PyFlag(Arc::new(lock::Event::new())))
}

fn flag_is_set(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Bool(flag_of(vm, &a)?.is_set()))
}

fn flag_set(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    flag_of(vm, &a)?.set();
    Ok(Value::None)
}

fn flag_clear(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    flag_of(vm, &a)?.clear();
    Ok(Value::None)
}

/// `wait(timeout=None)`: as `threading.Event.wait` — true once set (or
/// set since the wait began); a timeout ≤ 0 only looks.
fn flag_wait(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let pos = a.pos();
    if pos.len() > 2 {
        return Err(vm.type_error(format!(
            "wait() takes at most 1 argument ({} given)",
            pos.len() - 1
        )));
    }
    let mut timeout = pos.get(1).cloned();
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"timeout") if timeout.is_none() => timeout = Some(v.clone()),
            _ => {
                return Err(vm.type_error(format!(
                    "wait() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    let ev = flag_of(vm, &a)?;
    if ev.is_set() {
        return Ok(Value::Bool(true));
    }
    let deadline = match timeout.unwrap_or(Value::None) {
        Value::None => None,
        t => {
            let secs = match t {
                Value::Int(i) => i as f64,
                Value::Bool(b) => f64::from(u8::from(b)),
                Value::Float(f) => f,
                other => {
                    return Err(vm.type_error(format!(
                        "'>' not supported between instances of '{}' and 'int'",
                        vm.type_name(&other)
                    )));
                }
            };
            if secs.is_nan() || secs <= 0.0 {
                return Ok(Value::Bool(false));
            }
            if secs > TIMEOUT_MAX {
                return Err(vm.overflow_error("timeout value is too large"));
            }
            Some(clock(vm).monotonic_ns().saturating_add((secs * 1e9) as u64))
        }
    };
    let sets = ev.sets();
    block_value_with(vm, deadline.is_some(), move |now| {
        as_value(ev.wait_from(sets, deadline, now))
    })
}

const FLAG_METHODS: MethodTable = &[
    ("is_set", flag_is_set),
    ("isSet", flag_is_set),
    ("set", flag_set),
    ("clear", flag_clear),
    ("wait", flag_wait),
];

/// Adds `Flag` (type registration and factory) to the `_pyrt` module.
pub(crate) fn add_flag_type(vm: &Vm, module: &ObjRef) -> PyResult<()> {
    let t = super::driver::new_type(
        vm,
        "Flag",
        Some(&vm.types.object),
        FLAG_METHODS,
        Layout::Builtin,
        "_pyrt",
    )?;
    vm.register_native_type("_pyrt.Flag", t);
    let d = super::modules::mdict(module);
    vm.dict_set_str(&d, "Flag", vm.new_builtin("Flag", "_pyrt", flag_new)?)
}

// ---- threading.Thread's bookkeeping ------------------------------------------------------

/// What `threading` registers with the VM as it is imported
/// (`_pyrt.thread_setup`): its thread registry and `current_thread`, which
/// the natives that do a Thread's bookkeeping use (CPython keeps the like
/// in `_thread`'s module state).
#[derive(Debug)]
pub(crate) struct ThreadingRefs {
    /// `threading._active`: ident → Thread.
    active: ObjRef,
    /// `threading._limbo`: Thread → Thread, started but not yet running.
    limbo: ObjRef,
    /// `threading.current_thread`.
    current_thread: Value,
    /// `threading._newname`'s counter (`Thread-N`, `Dummy-N`).
    counter: std::cell::Cell<i64>,
    /// `Thread.daemon`, the property: a thread whose class still has it
    /// has its flag read from `_daemonic` without calling the getter.
    daemon_property: Value,
    /// The attribute names the natives set, interned once.
    names: ThreadNames,
    /// `Thread.__init__` as written in Python: what the native
    /// `__init__` ([`thread_init_method`]) hands unusual calls to.
    py_init: Value,
    /// `Thread.start` and `Thread.join` as written in Python.
    py_start: Value,
    py_join: Value,
    /// (class address, type epoch) of the last Thread class found to keep
    /// the natives' attributes plainly in its instances' dicts
    /// ([`plain_dict`]); (0, 0) for none.
    plain_class: std::cell::Cell<(usize, u64)>,
}

/// Interned attribute names of a Thread.
#[derive(Debug)]
struct ThreadNames {
    target: Name,
    name: Name,
    args: Name,
    kwargs: Name,
    daemonic: Name,
    ident: Name,
    native_id: Name,
    started: Name,
    done: Name,
    is_stopped: Name,
    initialized: Name,
    daemon: Name,
    bootstrap: Name,
}

/// An interned attribute name, with the dict entry it was last found at
/// in a Thread's dict: every Thread's attributes go in in the same order
/// (`init_thread`), so the guess, compared by identity, is nearly always
/// right and saves the hashed probe.
#[derive(Debug)]
struct Name {
    v: Value,
    hint: std::cell::Cell<u32>,
}

impl std::ops::Deref for Name {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.v
    }
}

/// `name` in the instance's dict (see [`Name`]), as an attribute
/// cache's hinted lookup.
fn dict_get_hinted(vm: &Vm, inst: &super::typeobj::Instance, name: &Name) -> Option<Value> {
    super::attr_cache::dict_lookup(vm, &name.hint, &inst.dict, &name.v)
        .unwrap_or_else(|| vm.dict_get_strval(&inst.dict, &name.v))
}

impl ThreadNames {
    fn new(vm: &Vm) -> PyResult<ThreadNames> {
        let n = |s: &str| -> PyResult<Name> {
            Ok(Name {
                v: vm.intern_bytes(s.as_bytes())?,
                hint: std::cell::Cell::new(0),
            })
        };
        Ok(ThreadNames {
            target: n("_target")?,
            name: n("_name")?,
            args: n("_args")?,
            kwargs: n("_kwargs")?,
            daemonic: n("_daemonic")?,
            ident: n("_ident")?,
            native_id: n("_native_id")?,
            started: n("_started")?,
            done: n("_done")?,
            is_stopped: n("_is_stopped")?,
            initialized: n("_initialized")?,
            daemon: n("daemon")?,
            bootstrap: n("_bootstrap")?,
        })
    }
}

/// The instance of `obj` when the Thread attributes the natives set and
/// read live plainly in its dict: its class has no `__setattr__` or
/// `__getattribute__` of its own and no property (pyrt's only data
/// descriptor) of any of those names. Decided once per class and type
/// epoch (any class namespace change starts a new one), so the common
/// case costs a compare.
fn plain_dict<'a>(
    vm: &Vm,
    refs: &ThreadingRefs,
    obj: &'a Value,
) -> Option<&'a super::typeobj::Instance> {
    let Some(ObjKind::Instance(inst)) = obj.as_obj().map(|o| &o.kind) else {
        return None;
    };
    let cls = inst.class.try_borrow().ok()?;
    let key = (cls.as_ptr() as usize, super::typeobj::type_epoch());
    if refs.plain_class.get() == key {
        return Some(inst);
    }
    let n = &refs.names;
    let plain = vm.special_cached(&cls, "__setattr__", true).is_none()
        && vm.special_cached(&cls, "__delattr__", true).is_none()
        && vm.getattribute_hook(&cls).is_none()
        && [
            &n.target,
            &n.name,
            &n.args,
            &n.kwargs,
            &n.daemonic,
            &n.ident,
            &n.native_id,
            &n.started,
            &n.done,
            &n.is_stopped,
            &n.initialized,
        ]
        .into_iter()
        .all(|name| match vm.lookup_type(&cls, name) {
            Some(Value::Obj(d)) if matches!(d.kind, ObjKind::Property(_)) => false,
            Some(v) => vm.user_descriptor(&v).is_none(),
            None => true,
        });
    if plain {
        refs.plain_class.set(key);
        return Some(inst);
    }
    None
}

/// Sets attributes of `obj` as `setattr` would: straight into its
/// instance dict when nothing on its class could intercept them
/// ([`plain_dict`]).
fn set_attrs(
    vm: &Vm,
    refs: &ThreadingRefs,
    obj: &Value,
    attrs: &[(&Value, Value)],
) -> PyResult<()> {
    if let Some(inst) = plain_dict(vm, refs, obj) {
        // A fresh Thread's dict (Thread.__init__ first thing in the
        // subclass's): filled without a lookup per name.
        if let ObjKind::Dict(d) = &inst.dict.kind
            && super::dict::fill_empty(vm, d, attrs)?
        {
            vm.note_inst_dict_size(inst);
            return Ok(());
        }
        for (name, v) in attrs {
            vm.dict_set_ref(&inst.dict, name, v.clone())?;
        }
        vm.note_inst_dict_size(inst);
        return Ok(());
    }
    for (name, v) in attrs {
        vm.setattr(obj, name, v.clone())?;
    }
    Ok(())
}

/// `getattr(obj, name)` for the Thread attributes the natives read:
/// from the instance dict when [`plain_dict`] holds and it has the name.
fn get_attr(vm: &Vm, refs: &ThreadingRefs, obj: &Value, name: &Name) -> PyResult<Value> {
    if let Some(inst) = plain_dict(vm, refs, obj)
        && let Some(v) = dict_get_hinted(vm, inst, name)
    {
        return Ok(v);
    }
    vm.getattr(obj, name)
}

/// A registry dict's table.
fn dict_cell(o: &ObjRef) -> &std::cell::RefCell<super::dict::Dict> {
    match &o.kind {
        ObjKind::Dict(d) => d,
        _ => unreachable!("thread_setup checked the registry dicts"),
    }
}

/// The refs `threading` registered, or the error for a native called
/// before it did.
fn threading_refs(vm: &Vm) -> PyResult<std::cell::Ref<'_, ThreadingRefs>> {
    std::cell::Ref::filter_map(vm.threading.borrow(), Option::as_ref)
        .map_err(|_| vm.runtime_error("threading is not initialized"))
}

/// `_pyrt.thread_setup(active, limbo, current_thread, Thread)`:
/// `threading` registers its registry dicts, `current_thread` and the
/// Thread class.
fn thread_setup(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "thread_setup", &a, 4, 4)?;
    let names = ThreadNames::new(vm)?;
    let (daemon_property, [py_init, py_start, py_join]) = match p[3].as_obj() {
        Some(t) if let ObjKind::Type(tt) = &t.kind => {
            // `__init__`, `start` and `join` natively; the Python ones
            // for what the native ones leave to them.
            let mut python = [Value::None, Value::None, Value::None];
            let natives: [(&'static str, super::func::NativeFn); 3] = [
                ("__init__", thread_init_method),
                ("start", thread_start_method),
                ("join", thread_join_method),
            ];
            for ((name, f), py) in natives.into_iter().zip(&mut python) {
                *py = vm.dict_get_str(&tt.dict, name).unwrap_or(Value::None);
                let native = vm.alloc(ObjKind::Builtin(Box::new(super::func::Builtin {
                    name,
                    f,
                    bound: Value::Undef,
                    owner: "Thread",
                    module: "",
                })))?;
                vm.dict_set_str(&tt.dict, name, Value::Obj(native))?;
            }
            (
                vm.lookup_type(t, &names.daemon).unwrap_or(Value::None),
                python,
            )
        }
        _ => return Err(vm.type_error("thread_setup() needs the Thread class")),
    };
    let dict = |v: &Value| match v.as_obj() {
        Some(o) if matches!(o.kind, ObjKind::Dict(_)) => Ok(o.clone()),
        _ => Err(vm.type_error(format!("expected a dict, got '{}'", vm.type_name(v)))),
    };
    let mut slot = vm
        .threading
        .try_borrow_mut()
        .map_err(|_| vm.runtime_error("thread_setup() called while threading is in use"))?;
    *slot = Some(ThreadingRefs {
        active: dict(&p[0])?,
        limbo: dict(&p[1])?,
        current_thread: p[2].clone(),
        counter: std::cell::Cell::new(0),
        daemon_property,
        names,
        py_init,
        py_start,
        py_join,
        plain_class: std::cell::Cell::new((0, 0)),
    });
    Ok(Value::None)
}

/// `_pyrt.next_thread_number()`: the next number for a default thread
/// name (`threading._newname`).
fn next_thread_number(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "next_thread_number", &a, 0, 0)?;
    Ok(Value::Int(next_number(&*threading_refs(vm)?)))
}

/// `thread.<name>`'s `_pyrt.Flag`, set.
fn set_thread_flag(vm: &Vm, refs: &ThreadingRefs, thread: &Value, name: &Name) -> PyResult<()> {
    let f = get_attr(vm, refs, thread, name)?;
    native::<PyFlag>(vm, &f, "_pyrt.Flag")?.0.set();
    Ok(())
}

/// The next `Thread-N` number.
fn next_number(refs: &ThreadingRefs) -> i64 {
    let n = refs.counter.get() + 1;
    refs.counter.set(n);
    n
}

/// `_pyrt.thread_init(thread, target, name, args, kwargs, daemon)`: the
/// body of CPython's `Thread.__init__` after its `group` assertion (which
/// stays in Python, so `-O` drops it as it does CPython's): the default
/// name `Thread-N (target)`, the daemon flag (the current thread's unless
/// given), and the Thread's attributes, set as that body sets them.
fn thread_init(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "thread_init", &a, 6, 6)?;
    let [thread, target, name, args, kwargs, daemon] = p else {
        unreachable!("pos_args checked the count")
    };
    init_thread(
        vm,
        &*threading_refs(vm)?,
        [thread, target, name, args, kwargs, daemon],
    )?;
    Ok(Value::None)
}

/// `Thread.__init__(self, group=None, target=None, name=None, args=(),
/// kwargs=None, *, daemon=None)`, installed on the class by
/// `thread_setup`: the body natively ([`init_thread`]) when the call
/// binds plainly — at most those five positionals, keywords among the
/// six names, none twice, `group` None. Anything else goes to the Python
/// `__init__`, which raises CPython's binding errors and runs the
/// `group` assertion (which `-O` drops) from a frame of its own.
fn thread_init_method(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    const NAMES: [&[u8]; 6] = [b"group", b"target", b"name", b"args", b"kwargs", b"daemon"];
    let pos = a.pos();
    let mut slots: [Option<&Value>; 6] = [None; 6];
    let mut plain = !pos.is_empty() && pos.len() <= 6;
    if plain {
        for (slot, v) in slots.iter_mut().zip(&pos[1..]) {
            *slot = Some(v);
        }
        for (k, v) in a.kw() {
            let ix = k
                .as_str()
                .and_then(|k| NAMES.iter().position(|n| *n == k.as_bytes()));
            match ix {
                Some(ix) if slots[ix].is_none() => slots[ix] = Some(v),
                _ => {
                    plain = false;
                    break;
                }
            }
        }
    }
    let refs = threading_refs(vm)?;
    if !plain || slots[0].is_some_and(|g| !g.is_none()) {
        let py_init = refs.py_init.clone();
        drop(refs);
        return vm.call(&py_init, a);
    }
    let or_none = |v: Option<&Value>| v.cloned().unwrap_or(Value::None);
    let args = slots[3].cloned().unwrap_or_else(|| vm.empty_tuple.clone());
    let [target, name, kwargs, daemon] = [slots[1], slots[2], slots[4], slots[5]].map(or_none);
    init_thread(
        vm,
        &refs,
        [&pos[0], &target, &name, &args, &kwargs, &daemon],
    )?;
    Ok(Value::None)
}

/// The body of CPython's `Thread.__init__` after its `group` assertion.
fn init_thread(vm: &Vm, refs: &ThreadingRefs, p: [&Value; 6]) -> PyResult<()> {
    let [thread, target, name, args, kwargs, daemon] = p;
    let kwargs = if kwargs.is_none() {
        Value::Obj(vm.new_dict()?)
    } else {
        kwargs.clone()
    };
    let name = if vm.truthy(name)? {
        vm.str_(name)?
    } else {
        let mut s = Vec::with_capacity(48);
        s.extend_from_slice(b"Thread-");
        let mut digits = [0u8; 20];
        let at = super::state::decimal_digits(next_number(refs) as u64, &mut digits);
        s.extend_from_slice(&digits[at..]);
        if !target.is_none()
            && let Some(t) = vm.getattr_optional(target, &vm.names.name)?
        {
            let t = vm.format(&t, "")?;
            s.extend_from_slice(b" (");
            s.extend_from_slice(t.as_str().map_or(&b""[..], |t| t.as_bytes()));
            s.push(b')');
        }
        vm.new_str_bytes(&s)?
    };
    let daemonic = if daemon.is_none() {
        current_daemon(vm, refs)?
    } else {
        if vm.truthy(daemon)? && !daemons_allowed(vm) {
            return Err(vm.runtime_error("daemon threads are disabled in this (sub)interpreter"));
        }
        daemon.clone()
    };
    let flag = || vm.new_native(PyFlag(Arc::new(lock::Event::new())));
    let n = &refs.names;
    set_attrs(
        vm,
        refs,
        thread,
        &[
            (&n.target, target.clone()),
            (&n.name, name),
            (&n.args, args.clone()),
            (&n.kwargs, kwargs),
            (&n.daemonic, daemonic),
            (&n.ident, Value::None),
            (&n.native_id, Value::None),
            (&n.started, flag()?),
            (&n.done, flag()?),
            (&n.is_stopped, Value::Bool(false)),
            (&n.initialized, Value::Bool(true)),
        ],
    )
}

/// `current_thread().daemon`: read from the thread's `_daemonic` when its
/// class has Thread's own `daemon` property (what the getter returns).
fn current_daemon(vm: &Vm, refs: &ThreadingRefs) -> PyResult<Value> {
    let current = current_thread(vm, refs)?;
    if let Some(ObjKind::Instance(inst)) = current.as_obj().map(|o| &o.kind)
        && let Some(Value::Obj(p)) = vm.lookup_type(&inst.class.borrow(), &refs.names.daemon)
        && refs.daemon_property.as_obj().is_some_and(|d| d.ptr_eq(&p))
        && let Some(v) = dict_get_hinted(vm, inst, &refs.names.daemonic)
    {
        return Ok(v);
    }
    vm.getattr(&current, &refs.names.daemon)
}

/// `threading.current_thread()`: the registered Thread of this thread's
/// ident, else what the Python function makes (a `_DummyThread`).
fn current_thread(vm: &Vm, refs: &ThreadingRefs) -> PyResult<Value> {
    let ident = Value::Int(current_ident() as i64);
    match super::dict::get(vm, dict_cell(&refs.active), &ident)? {
        Some(t) => Ok(t),
        None => vm.call(&refs.current_thread, Args::positional(&[])),
    }
}

/// `_pyrt.thread_enter(thread)`: what a new thread does first (CPython's
/// `Thread._bootstrap_inner` up to the trace hooks): records its ident and
/// native id on the Thread, names its GIL lane, moves it from `_limbo` to
/// `_active` and sets its started flag. Native, so no other Python thread
/// runs between the registry's two updates (unless a Thread subclass's
/// own `__hash__` or `__eq__` runs Python code in them: the thread is in
/// both dicts then, never in neither); `threading`'s readers take both
/// dicts in one native call ([`thread_registry`]) and need no lock
/// against it.
fn thread_enter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "thread_enter", &a, 1, 1)?;
    let thread = &p[0];
    let refs = threading_refs(vm)?;
    let n = &refs.names;
    let ident = Value::Int(current_ident() as i64);
    let native_id = crate::thread::ThreadState::with_current(|t| t.map_or(0, |t| t.unique_id()));
    set_attrs(
        vm,
        &refs,
        thread,
        &[
            (&n.ident, ident.clone()),
            (&n.native_id, Value::Int(native_id as i64)),
        ],
    )?;
    if gil_events_on(vm) {
        set_gil_name(vm, &get_attr(vm, &refs, thread, &n.name)?)?;
    }
    super::dict::set(vm, dict_cell(&refs.active), ident, thread.clone())?;
    super::dict::remove(vm, dict_cell(&refs.limbo), thread)?;
    set_thread_flag(vm, &refs, thread, &n.started)?;
    Ok(Value::None)
}

/// `Thread.start(self)`, installed on the class by `thread_setup`:
/// natively ([`start_plain`]) when nothing is unusual, else the Python
/// `start`, which raises CPython's errors from a frame of its own.
fn thread_start_method(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    if let [thread] = a.pos()
        && a.kwnames.is_empty()
        && let Some(r) = start_plain(vm, thread)?
    {
        return Ok(r);
    }
    let py_start = threading_refs(vm)?.py_start.clone();
    vm.call(&py_start, a)
}

/// `Thread.start()` when the Thread is initialized and not started and
/// keeps its attributes plainly in its dict ([`plain_dict`]): enters it
/// in `_limbo`, starts the thread on `thread._bootstrap`, and waits
/// (suspending a green thread) until the new thread has set `_started`.
/// None, having done nothing, otherwise.
fn start_plain(vm: &Vm, thread: &Value) -> PyResult<Option<Value>> {
    let (started, bootstrap) = {
        let refs = threading_refs(vm)?;
        let n = &refs.names;
        let Some(inst) = plain_dict(vm, &refs, thread) else {
            return Ok(None);
        };
        let Some(started) = inst_flag(vm, inst, &n.started) else {
            return Ok(None);
        };
        if !initialized(vm, inst, n) || started.is_set() {
            return Ok(None);
        }
        // `thread._bootstrap`: a bound method made here when the class's
        // is a plain function the instance does not shadow (what
        // `getattr` makes, without its general lookup).
        let bootstrap = match vm.lookup_type(&inst.class.borrow(), &n.bootstrap) {
            Some(f @ Value::Obj(_))
                if matches!(f.as_obj().map(|o| &o.kind), Some(ObjKind::Function(_)))
                    && vm.dict_get_strval(&inst.dict, &n.bootstrap).is_none() =>
            {
                Ok(Value::Obj(
                    vm.alloc(ObjKind::Method(Box::new((f, thread.clone()))))?,
                ))
            }
            _ => Err(n.bootstrap.clone()),
        };
        super::dict::set(vm, dict_cell(&refs.limbo), thread.clone(), thread.clone())?;
        (started, bootstrap)
    };
    // (Python code may run from here on: no refs held.)
    let started_thread = match bootstrap {
        Ok(f) => Ok(f),
        Err(name) => vm.getattr(thread, &name),
    }
    .and_then(|f| start_thread(vm, f, Vec::new(), Value::None));
    if let Err(e) = started_thread {
        let refs = threading_refs(vm)?;
        super::dict::remove(vm, dict_cell(&refs.limbo), thread)?;
        return Err(e);
    }
    wait_flag(vm, started).map(Some)
}

/// `Thread.join(self, timeout=None)`, installed on the class by
/// `thread_setup`: natively ([`join_plain`]) without a timeout when
/// nothing is unusual, else the Python `join`.
fn thread_join_method(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let no_timeout = match (a.pos(), a.kwnames) {
        ([_], []) => true,
        ([_, t], []) => t.is_none(),
        ([_], [k]) => k.as_str().is_some_and(|k| k.as_bytes() == b"timeout") && a.all[1].is_none(),
        _ => false,
    };
    if no_timeout && let Some(r) = join_plain(vm, &a.all[0])? {
        return Ok(r);
    }
    let py_join = threading_refs(vm)?.py_join.clone();
    vm.call(&py_join, a)
}

/// `Thread.join()` when the Thread is started, is not the current thread
/// and keeps its attributes plainly ([`plain_dict`]): waits (suspending a
/// green thread) for its `_done`. None, having done nothing, otherwise.
fn join_plain(vm: &Vm, thread: &Value) -> PyResult<Option<Value>> {
    let done = {
        let refs = threading_refs(vm)?;
        let n = &refs.names;
        let Some(inst) = plain_dict(vm, &refs, thread) else {
            return Ok(None);
        };
        let (Some(started), Some(done)) = (
            inst_flag(vm, inst, &n.started),
            inst_flag(vm, inst, &n.done),
        ) else {
            return Ok(None);
        };
        if !initialized(vm, inst, n)
            || !started.is_set()
            || matches!(dict_get_hinted(vm, inst, &n.ident),
                Some(Value::Int(i)) if i as u64 == current_ident())
        {
            return Ok(None);
        }
        done
    };
    wait_flag(vm, done).map(Some)
}

/// The `_pyrt.Flag` a plain Thread's dict holds under `name`.
fn inst_flag(vm: &Vm, inst: &super::typeobj::Instance, name: &Name) -> Option<Arc<lock::Event>> {
    let f = dict_get_hinted(vm, inst, name)?;
    native::<PyFlag>(vm, &f, "").ok().map(|f| f.0.clone())
}

/// A plain Thread's `_initialized` is True (its `__init__` ran).
fn initialized(vm: &Vm, inst: &super::typeobj::Instance, n: &ThreadNames) -> bool {
    matches!(
        dict_get_hinted(vm, inst, &n.initialized),
        Some(Value::Bool(true))
    )
}

/// Waits for `ev` without a timeout (a green thread suspends); None, the
/// value of the `start()` or `join()` call.
fn wait_flag(vm: &Vm, ev: Arc<lock::Event>) -> PyResult<Value> {
    if ev.is_set() {
        return Ok(Value::None);
    }
    let sets = ev.sets();
    let t = thp();
    if can_suspend(t) {
        let first = flag_step(&ev, sets, 0);
        return suspend_unless_ready(vm, t, false, first, move || StepFn::Flag { ev, sets });
    }
    block_value_with(vm, false, move |now| flag_step(&ev, sets, now))
}

/// One step of [`wait_flag`]'s wait: None once the flag was set.
fn flag_step(ev: &Arc<lock::Event>, sets: u64, now: u64) -> Step<Value> {
    match ev.wait_from(sets, None, now) {
        Step::Ready(_) => Step::Ready(Value::None),
        Step::Wait(r) => Step::Wait(r),
    }
}

/// `_pyrt.thread_exit(thread)`: what a thread does last (CPython's
/// `Thread._delete` and the end of its `_bootstrap_inner`): leaves
/// `_active`, is marked stopped, sets its done flag (which `join` waits
/// on).
fn thread_exit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "thread_exit", &a, 1, 1)?;
    let thread = &p[0];
    let refs = threading_refs(vm)?;
    let ident = Value::Int(current_ident() as i64);
    let removed = super::dict::remove(vm, dict_cell(&refs.active), &ident)?;
    set_attrs(
        vm,
        &refs,
        thread,
        &[(&refs.names.is_stopped, Value::Bool(true))],
    )?;
    set_thread_flag(vm, &refs, thread, &refs.names.done)?;
    drop(refs);
    // (A finalizer the removal triggers runs with the refs released.)
    drop(removed);
    Ok(Value::None)
}

/// `_pyrt.thread_registry()`: the threads of `_active` then `_limbo`, as
/// one list, read at one moment (`threading.enumerate`).
fn thread_registry(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "thread_registry", &a, 0, 0)?;
    let out: Vec<Value> = {
        let refs = threading_refs(vm)?;
        let busy = |_| vm.runtime_error("the thread registry is being changed");
        let active = dict_cell(&refs.active).try_borrow().map_err(busy)?;
        let limbo = dict_cell(&refs.limbo).try_borrow().map_err(busy)?;
        // A thread between its two registry updates (a Thread subclass's
        // own `__hash__` can run Python code there) is listed once.
        let mut out: Vec<Value> = active.iter().map(|(_, v)| v.clone()).collect();
        let running = out.len();
        for (_, t) in limbo.iter() {
            if !out[..running].iter().any(|a| a.is(t)) {
                out.push(t.clone());
            }
        }
        out
    };
    vm.new_list(out)
}

/// The GIL event log records (thread names are worth setting).
fn gil_events_on(vm: &Vm) -> bool {
    vm.rt_parts
        .interp
        .as_ref()
        .is_some_and(|i| i.gil().events().is_enabled())
}

/// Names the current thread's lane in the GIL event log.
pub(crate) fn set_gil_name(vm: &Vm, name: &Value) -> PyResult<()> {
    if gil_events_on(vm)
        && let Some(i) = &vm.rt_parts.interp
        && let Some(id) = crate::thread::ThreadState::with_current(|t| t.map(|t| t.unique_id()))
    {
        let name = vm.str_string(name)?;
        i.gil().events().set_name(id, &name);
    }
    Ok(())
}

/// Adds the Thread bookkeeping natives to the `_pyrt` module.
pub(crate) fn add_thread_natives(vm: &Vm, module: &ObjRef) -> PyResult<()> {
    let d = super::modules::mdict(module);
    for (name, f) in [
        ("thread_setup", thread_setup as super::func::NativeFn),
        ("thread_init", thread_init),
        ("thread_enter", thread_enter),
        ("thread_exit", thread_exit),
        ("thread_registry", thread_registry),
        ("next_thread_number", next_thread_number),
    ] {
        vm.dict_set_str(&d, name, vm.new_builtin(name, "_pyrt", f)?)?;
    }
    Ok(())
}

// ---- thread starts ------------------------------------------------------------------------

/// Values moved to a new OS thread. They are only touched by whichever
/// thread holds the interpreter's GIL.
#[cfg(all(has_os_threads, not(loom)))]
struct GilBound<T>(T);

// SAFETY: the payload (VM objects and a pointer to the VM) is used only
// after the new thread has attached its thread state, i.e. while it holds
// the interpreter's GIL, which orders every access with the other
// threads' (decision 2). The VM outlives the thread's use of it: the
// runtime waits for non-daemon threads before finalizing, and a daemon
// thread that wants the GIL during finalization parks forever.
#[cfg(all(has_os_threads, not(loom)))]
unsafe impl<T> Send for GilBound<T> {}

fn start_new_thread(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "start_new_thread", &a, 2, 3)?;
    let func = p[0].clone();
    if !vm.callable(&func) {
        return Err(vm.type_error("first arg must be callable"));
    }
    let args: Vec<Value> = match p[1].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t.iter().cloned().collect(),
        _ => return Err(vm.type_error("2nd arg must be a tuple")),
    };
    let kwargs = p.get(2).cloned().unwrap_or(Value::None);
    if !kwargs.is_none() && !matches!(kwargs.as_obj().map(|o| &o.kind), Some(ObjKind::Dict(_))) {
        return Err(vm.type_error("optional 3rd arg must be a dictionary"));
    }
    start_thread(vm, func, args, kwargs)
}

/// Starts a thread running `func(*args, **kwargs)` on the interpreter's
/// backend; its ident.
fn start_thread(vm: &Vm, func: Value, args: Vec<Value>, kwargs: Value) -> PyResult<Value> {
    let Some(interp) = vm.rt_parts.interp.clone() else {
        return Err(vm.runtime_error("can't start new thread"));
    };
    if interp.is_finalizing() {
        return Err(vm.new_error(
            "PythonFinalizationError",
            "can't create new thread at interpreter shutdown",
        ));
    }
    if vm.emulated() {
        return start_green_thread(vm, func, args, kwargs);
    }
    start_os_thread(vm, &interp, func, args, kwargs)
}

#[cfg(all(has_os_threads, not(loom)))]
fn start_os_thread(
    vm: &Vm,
    interp: &Arc<crate::interp::InterpreterState>,
    func: Value,
    args: Vec<Value>,
    kwargs: Value,
) -> PyResult<Value> {
    let ts = interp.new_thread_state();
    let payload = GilBound((std::ptr::from_ref(vm), func, args, kwargs));
    let (tx, rx) = std::sync::mpsc::channel::<u64>();
    let spawned = std::thread::Builder::new().spawn(move || {
        let _ = tx.send(crate::lifecycle::current_thread_id());
        let payload = payload;
        // A new thread takes the GIL ahead of CPU-bound waiters, as one
        // back from a blocking call does: `start()` waits for it, and
        // threads started one after another then take turns from the
        // start instead of the first ones getting extra switch intervals.
        if ts.attach_with(crate::gil::Priority::Prompt).is_err() {
            // Finalizing already: the thread never runs.
            std::mem::forget(payload);
            return;
        }
        let (vmp, func, args, kwargs) = payload.0;
        // SAFETY: see `GilBound`: the VM is alive while this thread holds
        // the GIL, which it does from here to `delete_current`.
        let vm = unsafe { &*vmp };
        {
            let _h = vm.heap.enter();
            let mut th = Box::new(VmThread::new());
            th.tstate = Some(ts.clone());
            let thp = std::ptr::from_mut(&mut *th);
            vm.register_thread(thp);
            {
                let _g = super::eval::enter_thread(thp);
                run_thread_body(vm, &func, &args, &kwargs);
                drop((func, args, kwargs));
                vm.run_finalizers();
            }
            vm.unregister_thread(thp);
            drop(th);
        }
        let _ = crate::thread::ThreadState::delete_current();
    });
    match spawned {
        Ok(_) => Ok(Value::Int(rx.recv().unwrap_or(0) as i64)),
        Err(_) => Err(vm.runtime_error("can't start new thread")),
    }
}

#[cfg(not(all(has_os_threads, not(loom))))]
fn start_os_thread(
    vm: &Vm,
    _interp: &Arc<crate::interp::InterpreterState>,
    _func: Value,
    _args: Vec<Value>,
    _kwargs: Value,
) -> PyResult<Value> {
    Err(vm.runtime_error("can't start new thread"))
}

/// Calls the thread's function; an uncaught exception other than
/// SystemExit is reported as CPython's `thread_run` does (through
/// `sys.unraisablehook`'s default format).
#[cfg(all(has_os_threads, not(loom)))]
fn run_thread_body(vm: &Vm, func: &Value, args: &[Value], kwargs: &Value) {
    let mut all: Vec<Value> = args.to_vec();
    let mut names: Vec<Value> = Vec::new();
    if let Some(ObjKind::Dict(d)) = kwargs.as_obj().map(|o| &o.kind) {
        for (k, v) in super::dict::items(d) {
            names.push(k);
            all.push(v);
        }
    }
    let r = vm.call(
        func,
        Args {
            all: &all,
            kwnames: &names,
        },
    );
    if let Err(e) = r
        && !vm.exc_matches(&e, "SystemExit")
    {
        let fr = vm.repr_string(func).unwrap_or_else(|_| "<function>".into());
        super::io::write_stderr(
            vm,
            &format!("Exception ignored in thread started by {fr}:\n"),
        );
        super::exc_support::print_exception(vm, &e.0);
    }
}

fn get_ident(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "get_ident", &a, 0, 0)?;
    Ok(Value::Int(current_ident() as i64))
}

fn get_native_id(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "get_native_id", &a, 0, 0)?;
    let id = crate::thread::ThreadState::with_current(|t| t.map_or(0, |t| t.unique_id()));
    Ok(Value::Int(id as i64))
}

fn thread_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    super::builtins::pos_args(vm, "_count", &a, 0, 0)?;
    let n = vm
        .rt_parts
        .interp
        .as_ref()
        .map_or(0, |i| i.thread_count().saturating_sub(1));
    Ok(Value::Int(n as i64))
}

/// `_thread.interrupt_main(signum=SIGINT)`: as if SIGINT arrived — the
/// main thread raises KeyboardInterrupt at its next check, also out of a
/// sleep or lock wait.
fn interrupt_main(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "interrupt_main", &a, 0, 1)?;
    let signum = match p.first() {
        None => 2,
        Some(v) => super::builtins::int_arg(vm, v)?,
    };
    if !(1..65).contains(&signum) {
        return Err(vm.value_error("signal number out of range"));
    }
    if signum != 2 {
        // Other signals have the default action ignored here (no handler
        // installed by Python): nothing happens, as in CPython.
        return Ok(Value::None);
    }
    let Some(rt) = vm.rt_parts.interp.as_ref().and_then(|i| i.runtime()) else {
        return Ok(Value::None);
    };
    let _ = super::driver::interrupt_runtime(&rt);
    Ok(Value::None)
}

fn daemon_threads_allowed(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Bool(daemons_allowed(vm)))
}

/// The interpreter lets threads be daemons (its config's
/// `allow_daemon_threads`).
fn daemons_allowed(vm: &Vm) -> bool {
    vm.rt_parts
        .interp
        .as_ref()
        .is_none_or(|i| i.config().allow_daemon_threads)
}

fn stack_size(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::builtins::pos_args(vm, "stack_size", &a, 0, 1)?;
    match p.first() {
        None => Ok(Value::Int(0)),
        Some(v) => {
            let n = super::builtins::int_arg(vm, v)?;
            if n != 0 && n < 32768 {
                return Err(vm.value_error("size not valid: 32768 bytes"));
            }
            Ok(Value::Int(0))
        }
    }
}

/// The `_thread` module.
pub(crate) fn make_thread_module(vm: &Vm) -> PyResult<ObjRef> {
    let m = super::modules::module_with(
        vm,
        "_thread",
        &[
            ("start_new_thread", start_new_thread),
            ("start_new", start_new_thread),
            ("allocate_lock", allocate_lock),
            ("allocate", allocate_lock),
            ("get_ident", get_ident),
            ("get_native_id", get_native_id),
            ("_count", thread_count),
            ("interrupt_main", interrupt_main),
            ("daemon_threads_allowed", daemon_threads_allowed),
            ("stack_size", stack_size),
        ],
    )?;
    let d = super::modules::mdict(&m);
    let native_type = |name: &'static str, key: &'static str, methods: MethodTable| {
        let t = super::driver::new_type(
            vm,
            name,
            Some(&vm.types.object),
            methods,
            Layout::Builtin,
            "_thread",
        )?;
        vm.register_native_type(key, t.clone());
        Ok::<ObjRef, super::state::PyErr>(t)
    };
    let lock_t = native_type("lock", "_thread.lock", LOCK_METHODS)?;
    vm.dict_set_str(&d, "LockType", Value::Obj(lock_t.clone()))?;
    vm.dict_set_str(&d, "lock", Value::Obj(lock_t))?;
    native_type("RLock", "_thread.RLock", RLOCK_METHODS)?;
    // `_thread.RLock()` creates one: a builtin factory under the type's name.
    vm.dict_set_str(&d, "RLock", vm.new_builtin("RLock", "_thread", rlock_new)?)?;
    vm.dict_set_str(&d, "TIMEOUT_MAX", Value::Float(TIMEOUT_MAX))?;
    vm.dict_set_str(&d, "error", Value::Obj(vm.exc_type("RuntimeError")))?;
    Ok(m)
}

/// The `threading` module: Python source on `_thread`.
pub(crate) fn make_threading_module(vm: &Vm) -> PyResult<ObjRef> {
    super::modules::frozen_module(vm, "threading", include_str!("py/threading.py"))
}

// ---- emulated threads -----------------------------------------------------------------------

/// Why a green thread's eval loop returned to the scheduler.
pub enum Suspend {
    /// Its slice was used up.
    Yield,
    /// It must wait: `req` for the scheduler, then `step` again, whose
    /// ready value is the result of the call that blocked.
    Wait {
        /// Retries the blocked operation.
        step: StepFn,
        /// The wait, handed to the scheduler.
        req: Option<crate::sched::WaitRequest>,
        /// `step` has a deadline: it needs the time (otherwise it gets 0
        /// and no clock is read).
        timed: bool,
    },
}

/// What a suspended green thread retries when its wait ends.
pub enum StepFn {
    /// `lock.acquire()`, the most common wait: no boxed closure.
    Lock {
        /// The lock.
        lock: Arc<crate::lock::Lock>,
        /// The acquire's deadline on the scheduler's clock.
        deadline: Option<u64>,
    },
    /// `Thread.start()`/`join()` waiting for a Thread's flag (no timeout):
    /// no boxed closure either.
    Flag {
        /// The flag.
        ev: Arc<lock::Event>,
        /// Its set count when the wait began.
        sets: u64,
    },
    /// Any other blocking call.
    Boxed(Box<dyn FnMut(u64) -> Step<Value>>),
}

impl std::fmt::Debug for StepFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StepFn::Lock { .. } => "Lock",
            StepFn::Flag { .. } => "Flag",
            StepFn::Boxed(_) => "Boxed",
        })
    }
}

impl StepFn {
    fn step(&mut self, now: u64) -> Step<Value> {
        match self {
            StepFn::Lock { lock, deadline } => as_value(lock.acquire(*deadline, now)),
            StepFn::Flag { ev, sets } => flag_step(ev, *sets, now),
            StepFn::Boxed(f) => f(now),
        }
    }
}

impl std::fmt::Debug for Suspend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Suspend::Yield => f.write_str("Yield"),
            Suspend::Wait { req, .. } => f.debug_struct("Wait").field("req", req).finish(),
        }
    }
}

/// The clock Python code sees: the scheduler's (virtual under
/// `-X sched_seed`) once there is one, else the host's.
pub(crate) fn vm_clock(vm: &Vm) -> Arc<dyn crate::platform::Clock> {
    match &*vm.scheduler.borrow() {
        Some(s) => s.clock(),
        None => vm.rt_parts.platform.clock.clone(),
    }
}

/// The emulated scheduler, created on first use.
pub(crate) fn scheduler(vm: &Vm) -> Option<Arc<crate::sched::Scheduler>> {
    if let Some(s) = &*vm.scheduler.borrow() {
        return Some(s.clone());
    }
    let interp = vm.rt_parts.interp.clone()?;
    let s = Arc::new(crate::sched::Scheduler::new(
        &interp,
        crate::sched::SchedConfig {
            seed: vm.thread_options.seed,
        },
        vm.rt_parts.platform.clock.clone(),
    ));
    if vm.thread_options.gil_trace.is_some() {
        // Deterministic runs log virtual time.
        interp.gil().events().enable(s.clock());
    }
    *vm.scheduler.borrow_mut() = Some(s.clone());
    Some(s)
}

/// True when the running thread is green and at the loop that may
/// suspend.
fn can_suspend(t: *mut VmThread) -> bool {
    !t.is_null() && {
        let th = th!(t);
        th.green_base == Some(th.native_depth)
    }
}

/// Runs a blocking operation whose result is a Python value: a green
/// thread at its suspendable loop suspends (the scheduler runs others
/// until the wait ends, then the call completes with `step`'s value); an
/// OS thread parks with the GIL released ([`block`]).
pub(crate) fn block_value(
    vm: &Vm,
    step: impl FnMut(u64) -> Step<Value> + 'static,
) -> PyResult<Value> {
    block_value_with(vm, true, step)
}

/// [`block_value`]; `timed` false: `step` has no deadline, so a green
/// thread's steps get 0 for the time instead of a clock read each.
pub(crate) fn block_value_with(
    vm: &Vm,
    timed: bool,
    mut step: impl FnMut(u64) -> Step<Value> + 'static,
) -> PyResult<Value> {
    let t = thp();
    if can_suspend(t) {
        let first = step(green_now(vm, timed));
        return suspend_unless_ready(vm, t, timed, first, move || StepFn::Boxed(Box::new(step)));
    }
    if !t.is_null() && th!(t).green_base.is_some() {
        return block_nested(vm, t, &mut step);
    }
    block(vm, step)
}

/// `lock.acquire()` that must wait: [`block_value_with`] without a boxed
/// closure for a green thread.
fn block_lock(vm: &Vm, lock: Arc<crate::lock::Lock>, deadline: Option<u64>) -> PyResult<Value> {
    let t = thp();
    let timed = deadline.is_some();
    if can_suspend(t) {
        let first = as_value(lock.acquire(deadline, green_now(vm, timed)));
        return suspend_unless_ready(vm, t, timed, first, move || StepFn::Lock { lock, deadline });
    }
    block_value_with(vm, timed, move |now| as_value(lock.acquire(deadline, now)))
}

/// The time a green thread's step gets: 0 when it has no deadline (no
/// clock read).
fn green_now(vm: &Vm, timed: bool) -> u64 {
    if timed {
        vm_clock(vm).monotonic_ns()
    } else {
        0
    }
}

/// A green thread's first step: its value, or the thread suspends with
/// the wait and the step to retry.
fn suspend_unless_ready(
    vm: &Vm,
    t: *mut VmThread,
    timed: bool,
    first: Step<Value>,
    step: impl FnOnce() -> StepFn,
) -> PyResult<Value> {
    match first {
        Step::Ready(v) => Ok(v),
        Step::Wait(req) => {
            th!(t).suspended = Some(Suspend::Wait {
                step: step(),
                req: Some(req),
                timed,
            });
            Err(vm.suspend_err())
        }
    }
}

/// A green thread whose slice ran out inside a nested call: the other
/// threads get a slice each from here, then it continues with a new one.
pub(crate) fn yield_nested(vm: &Vm, t: *mut VmThread) -> PyResult<()> {
    if let Some(sched) = scheduler(vm) {
        let slice = sched.interval_instructions();
        let _ = sched.run_nested(slice);
        th!(t).budget_left = i64::try_from(slice).unwrap_or(i64::MAX);
    }
    super::driver::check_breaker(vm, t)
}

/// A green thread waiting inside a nested call (a callback from a builtin:
/// `sorted(key=...)`, a generator driven by `list()`...) cannot return to
/// the scheduler, so it lets the other threads run from here, a slice at a
/// time, and retries — sleeping (or jumping the virtual clock) when every
/// thread sleeps. Interrupts are checked between rounds. (Two threads that
/// both wait nested, each for the other, cannot both resume: that one
/// deadlock is reported.)
fn block_nested(
    vm: &Vm,
    t: *mut VmThread,
    step: &mut dyn FnMut(u64) -> Step<Value>,
) -> PyResult<Value> {
    let Some(sched) = scheduler(vm) else {
        return Err(vm.runtime_error("no emulated scheduler"));
    };
    let c = sched.clock();
    let slice = sched.interval_instructions();
    loop {
        let req = match step(c.monotonic_ns()) {
            Step::Ready(v) => return Ok(v),
            Step::Wait(req) => req,
        };
        let outcome = sched.run_nested(slice);
        // An interrupt (or another pending call) may have come meanwhile.
        super::driver::check_breaker(vm, t)?;
        let idle_to = match outcome {
            crate::sched::RunOutcome::Done | crate::sched::RunOutcome::Paused => None,
            crate::sched::RunOutcome::Sleeping { until_ns } => {
                Some(req.deadline_ns.map_or(until_ns, |d| d.min(until_ns)))
            }
            crate::sched::RunOutcome::Blocked => match req.deadline_ns {
                Some(d) => Some(d),
                None => {
                    if !req.validate.check() {
                        continue;
                    }
                    return Err(vm.runtime_error(
                        "deadlock: this thread waits inside a call from a builtin and no other thread can run",
                    ));
                }
            },
        };
        if let Some(d) = idle_to {
            // In steps of at most 10 ms, so a host interrupt is seen soon.
            sched.idle_until(d.min(c.monotonic_ns().saturating_add(10_000_000)));
        }
    }
}

/// `time.sleep` until `deadline_ns` on the VM's clock, interruptibly.
pub(crate) fn sleep_until(vm: &Vm, deadline_ns: u64) -> PyResult<()> {
    let t = thp();
    if t.is_null() || th!(t).green_base.is_none() {
        return Err(vm.runtime_error("not a green thread"));
    }
    let key = Arc::new(0u8);
    block_value(vm, move |now| {
        if now >= deadline_ns {
            Step::Ready(Value::None)
        } else {
            Step::Wait(crate::sched::WaitRequest {
                key: Arc::as_ptr(&key) as usize,
                validate: crate::sched::Validate::Always,
                deadline_ns: Some(deadline_ns),
                interruptible: true,
            })
        }
    })
    .map(|_| ())
}

/// True when `time.sleep` must go through the scheduler.
pub(crate) fn is_green(vm: &Vm) -> bool {
    let _ = vm;
    let t = thp();
    !t.is_null() && th!(t).green_base.is_some()
}

/// What a green thread runs first.
pub(crate) enum GreenStart {
    /// A code object (module body) in a globals dict.
    Code(ObjRef, ObjRef),
    /// A call.
    Call(Value, Vec<Value>, Value),
}

/// A Python thread's body for the emulated scheduler.
struct GreenVm {
    vm: *const Vm,
    th: *mut VmThread,
    /// The thread owns its VM state (every thread but the main one).
    owned: bool,
    start: Option<GreenStart>,
    /// Index of the base frame.
    stop: usize,
    /// The thread's function, whose `repr()` an uncaught exception's
    /// report names (computed only then: it costs more than the start).
    func: Value,
}

// SAFETY: a green body runs only on the OS thread that runs the scheduler,
// inside `Scheduler::run`, which the VM calls with the GIL held; its
// objects are touched by no other thread (decision 2).
unsafe impl Send for GreenVm {}

impl Drop for GreenVm {
    fn drop(&mut self) {
        if self.owned && !self.th.is_null() {
            // SAFETY: `vm` outlives the scheduler that owns this body (the
            // VM drops its scheduler first in teardown).
            let vm = unsafe { &*self.vm };
            let _h = vm.heap.enter();
            vm.unregister_thread(self.th);
            // SAFETY: created by Box::into_raw in `start_green_thread`,
            // taken back once here.
            vm.recycle_green_vm_thread(unsafe { Box::from_raw(self.th) });
            drop(self.start.take());
            drop(std::mem::replace(&mut self.func, Value::None));
        }
    }
}

/// Pushes the first frame of a green thread; `Ok(Err(v))` when the call
/// completed at once (a builtin).
fn push_start(
    vm: &Vm,
    t: *mut VmThread,
    start: GreenStart,
) -> PyResult<Result<super::eval::Entered, Value>> {
    match start {
        GreenStart::Code(code, globals) => {
            super::eval::push_code_frame(vm, t, &code, &globals, None).map(Ok)
        }
        GreenStart::Call(f, args, kwargs) => {
            let mut all = args;
            let mut names = Vec::new();
            if let Some(ObjKind::Dict(d)) = kwargs.as_obj().map(|o| &o.kind) {
                for (k, v) in super::dict::items(d) {
                    names.push(k);
                    all.push(v);
                }
            }
            super::eval::push_call_frame(
                vm,
                t,
                &f,
                Args {
                    all: &all,
                    kwnames: &names,
                },
            )
        }
    }
}

impl crate::sched::GreenThread for GreenVm {
    fn resume(&mut self, slice: &mut crate::sched::Slice<'_>) -> crate::sched::SliceExit {
        use crate::sched::{SliceExit, Wake};
        // SAFETY: see `GreenVm`'s Drop.
        let vm = unsafe { &*self.vm };
        let _h = vm.heap.enter();
        let t = self.th;
        let _g = super::eval::enter_thread(t);
        let budget = i64::try_from(slice.remaining()).unwrap_or(i64::MAX).max(1);
        th!(t).budget_left = budget;
        let r: PyResult<Value> = if let Some(start) = self.start.take() {
            th!(t).green_base = Some(th!(t).native_depth);
            match push_start(vm, t, start) {
                Ok(Ok(super::eval::Entered { stop, pending })) => {
                    self.stop = stop;
                    super::eval::run_with(vm, t, stop, pending)
                }
                Ok(Err(v)) => Ok(v),
                Err(e) => Err(e),
            }
        } else {
            match th!(t).suspended.take() {
                None | Some(Suspend::Yield) => super::eval::run_with(vm, t, self.stop, None),
                Some(Suspend::Wait {
                    mut step, timed, ..
                }) => {
                    let interrupted = if slice.wake == Wake::Interrupted {
                        super::driver::check_breaker(vm, t).err()
                    } else {
                        None
                    };
                    match interrupted {
                        Some(e) => super::eval::run_with(vm, t, self.stop, Some(e)),
                        None => match step.step(if timed { slice.now_ns() } else { 0 }) {
                            Step::Ready(v) => {
                                th!(t).stack.push(v);
                                super::eval::run_with(vm, t, self.stop, None)
                            }
                            Step::Wait(req) => {
                                th!(t).suspended = Some(Suspend::Wait {
                                    step,
                                    req: None,
                                    timed,
                                });
                                return SliceExit::Blocked(req);
                            }
                        },
                    }
                }
            }
        };
        let used = (budget - th!(t).budget_left).max(0) as u64;
        slice.tick(used);
        match r {
            Err(e) if vm.is_suspend(&e) => match th!(t).suspended.as_mut() {
                Some(Suspend::Wait { req, .. }) => match req.take() {
                    Some(req) => SliceExit::Blocked(req),
                    None => SliceExit::Yielded,
                },
                _ => SliceExit::Yielded,
            },
            r => {
                th!(t).green_base = None;
                if self.owned {
                    if let Err(e) = &r
                        && !vm.exc_matches(e, "SystemExit")
                    {
                        let fr = vm
                            .repr_string(&self.func)
                            .unwrap_or_else(|_| "<function>".into());
                        super::io::write_stderr(
                            vm,
                            &format!("Exception ignored in thread started by {fr}:\n"),
                        );
                        super::exc_support::print_exception(vm, &e.0);
                    }
                    drop(r);
                    vm.run_finalizers();
                } else {
                    th!(t).green_result = Some(r);
                }
                SliceExit::Finished
            }
        }
    }
}

/// Makes `start` the running VM thread's (the main thread's) next green
/// run; [`poll_main_green`] runs it.
pub(crate) fn spawn_main_green(vm: &Vm, start: GreenStart) -> PyResult<()> {
    let t = thp();
    let ts = current_tstate(t);
    let (Some(sched), Some(ts)) = (scheduler(vm), ts) else {
        return Err(vm.runtime_error("no thread state for the emulated scheduler"));
    };
    th!(t).green_result = None;
    let body = GreenVm {
        vm: std::ptr::from_ref(vm),
        th: t,
        owned: false,
        start: Some(start),
        stop: 0,
        func: Value::None,
    };
    sched.spawn_with(ts, Box::new(body));
    Ok(())
}

/// Runs green threads within `limit` until the main thread's green run
/// ends: `Ok(result)`, or `Err(outcome)` when the limit or a wait stopped
/// the scheduler first.
pub(crate) fn poll_main_green(
    vm: &Vm,
    limit: crate::sched::RunLimit,
) -> Result<PyResult<Value>, crate::sched::RunOutcome> {
    let t = thp();
    let ts = current_tstate(t);
    let (Some(sched), Some(ts)) = (scheduler(vm), ts) else {
        return Ok(Err(
            vm.runtime_error("no thread state for the emulated scheduler")
        ));
    };
    let outcome = sched.run_until_finished(&ts, limit);
    match th!(t).green_result.take() {
        Some(r) => Ok(r),
        None => Err(outcome),
    }
}

/// Runs `start` as the main thread under the emulated scheduler — other
/// green threads run whenever it yields or waits — until it finishes.
pub(crate) fn run_main_green(vm: &Vm, start: GreenStart) -> PyResult<Value> {
    let t = thp();
    let saved = if t.is_null() {
        None
    } else {
        Some((th!(t).green_base, th!(t).budget_left))
    };
    spawn_main_green(vm, start)?;
    let r = poll_main_green(vm, crate::sched::RunLimit::TO_COMPLETION);
    if let Some(s) = saved {
        (th!(t).green_base, th!(t).budget_left) = s;
    }
    match r {
        Ok(r) => r,
        Err(outcome) => Err(vm.runtime_error(match outcome {
            crate::sched::RunOutcome::Blocked => {
                "deadlock: every thread waits and nothing can wake them"
            }
            _ => "the emulated scheduler stopped early",
        })),
    }
}

/// Starts a green thread calling `func(*args, **kwargs)`; returns its
/// ident.
fn start_green_thread(vm: &Vm, func: Value, args: Vec<Value>, kwargs: Value) -> PyResult<Value> {
    let Some(sched) = scheduler(vm) else {
        return Err(vm.runtime_error("can't start new thread"));
    };
    let th = Box::into_raw(vm.new_green_vm_thread());
    vm.register_thread(th);
    let body = GreenVm {
        vm: std::ptr::from_ref(vm),
        th,
        owned: true,
        start: Some(GreenStart::Call(func.clone(), args, kwargs)),
        stop: 0,
        func,
    };
    let ts = sched.spawn(Box::new(body));
    // SAFETY: just created; the scheduler runs it only after this returns.
    unsafe { (*th).tstate = Some(ts.clone()) };
    Ok(Value::Int(ts.green_ident() as i64))
}
