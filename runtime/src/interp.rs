//! Interpreters: `PyInterpreterState`, `PyInterpreterConfig`, the registry.
//!
//! Mirrors `Python/pystate.c` and the sub-interpreter parts of
//! `Python/pylifecycle.c` (3.13).
//!
//! A runtime ([`RuntimeState`]) holds its interpreters, newest first (the
//! order `PyInterpreterState_Head`/`Next` walk); the main interpreter has id
//! 0 and the others count up. An interpreter holds its thread states
//! (newest first, ids counting from 1), its pending-call queue, its
//! configuration and its GIL: the main interpreter's, shared by
//! `SHARED_GIL` interpreters, or its own with `OWN_GIL`, so that
//! interpreters run in parallel.
//!
//! Locking: each registry is behind its own mutex (CPython's `HEAD_LOCK`);
//! iteration hands out `Arc`s, so a walker never sees a freed state.

use std::any::Any;
use std::sync::Weak;

use crate::config::Config;
use crate::fatal::{FatalError, GIL_RELEASED_MSG};
use crate::gil::Gil;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::pending::PendingCalls;
use crate::platform::{Clock, Stdio};
use crate::thread::ThreadState;
use std::sync::Arc;

/// `PyInterpreterConfig.gil`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum GilKind {
    /// `PyInterpreterConfig_DEFAULT_GIL` (treated as shared).
    Default = 0,
    /// `PyInterpreterConfig_SHARED_GIL`: the main interpreter's GIL.
    Shared = 1,
    /// `PyInterpreterConfig_OWN_GIL`: a GIL of its own.
    Own = 2,
}

/// `PyInterpreterConfig`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterpreterConfig {
    /// Share the main interpreter's obmalloc state.
    pub use_main_obmalloc: bool,
    /// `os.fork()` allowed.
    pub allow_fork: bool,
    /// `os.exec*()` allowed.
    pub allow_exec: bool,
    /// Threads allowed.
    pub allow_threads: bool,
    /// Daemon threads allowed.
    pub allow_daemon_threads: bool,
    /// Refuse single-phase-init extension modules.
    pub check_multi_interp_extensions: bool,
    /// Which GIL.
    pub gil: GilKind,
}

impl InterpreterConfig {
    /// `_PyInterpreterConfig_INIT`: the isolated preset (what
    /// `concurrent.interpreters` uses): own GIL, own obmalloc.
    pub fn isolated() -> InterpreterConfig {
        InterpreterConfig {
            use_main_obmalloc: false,
            allow_fork: false,
            allow_exec: false,
            allow_threads: true,
            allow_daemon_threads: false,
            check_multi_interp_extensions: true,
            gil: GilKind::Own,
        }
    }

    /// `_PyInterpreterConfig_LEGACY_INIT`: `Py_NewInterpreter()`'s preset.
    pub fn legacy() -> InterpreterConfig {
        InterpreterConfig {
            use_main_obmalloc: true,
            allow_fork: true,
            allow_exec: true,
            allow_threads: true,
            allow_daemon_threads: true,
            check_multi_interp_extensions: false,
            gil: GilKind::Shared,
        }
    }

    /// The error `Py_NewInterpreterFromConfig` reports for an invalid
    /// combination (`init_interp_settings`).
    pub fn check(&self) -> Result<(), &'static str> {
        if !self.use_main_obmalloc && !self.check_multi_interp_extensions {
            return Err(
                "per-interpreter obmalloc does not support single-phase init extension modules",
            );
        }
        Ok(())
    }
}

/// How an interpreter came to be (`_PyInterpreterState_WHENCE_*`, shown by
/// `concurrent.interpreters` as `whence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    /// The main interpreter.
    RuntimeInit,
    /// `Py_NewInterpreter`/`Py_NewInterpreterFromConfig` (the C API).
    CApi,
    /// `_interpreters.create()` / `concurrent.interpreters.create()`.
    Stdlib,
}

impl Whence {
    /// The text `Interpreter.whence` shows.
    pub fn describe(self) -> &'static str {
        match self {
            Whence::RuntimeInit => "runtime init",
            Whence::CApi => "C-API",
            Whence::Stdlib => "_interpreters module",
        }
    }
}

/// The runtime-wide state threads and interpreters share
/// (`_PyRuntimeState` minus what lifecycle keeps): the interpreter
/// registry, the main-thread pending calls, the finalizing thread.
pub struct RuntimeState {
    pub(crate) id: u64,
    interps: Mutex<Vec<Arc<InterpreterState>>>,
    next_interp_id: AtomicU64,
    /// `_PyRuntime.ceval.pending_mainthread`: `Py_AddPendingCall`'s queue.
    pub(crate) main_pending: Arc<PendingCalls>,
    /// The main thread of the main interpreter (`_PyRuntime.main_tstate`).
    pub(crate) main_tstate: Mutex<Option<Arc<ThreadState>>>,
    /// `PyGILState_Check()` is disabled once a sub-interpreter exists.
    pub(crate) gilstate_check_enabled: AtomicBool,
    /// `_PyRuntime._finalizing`: holder id of the finalizing thread.
    pub(crate) finalizing_holder: AtomicU64,
    pub(crate) ref_tracer: Mutex<Option<crate::trace::RefTracer>>,
    pub(crate) clock: std::sync::Arc<dyn Clock>,
    pub(crate) stdio: std::sync::Arc<dyn Stdio>,
    /// The lifecycle phase (for fatal-error reports).
    pub(crate) phase: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

impl std::fmt::Debug for RuntimeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeState")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn next_runtime_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl RuntimeState {
    pub(crate) fn new(
        clock: std::sync::Arc<dyn Clock>,
        stdio: std::sync::Arc<dyn Stdio>,
        phase: std::sync::Arc<std::sync::atomic::AtomicU8>,
    ) -> Arc<RuntimeState> {
        Arc::new(RuntimeState {
            id: next_runtime_id(),
            interps: Mutex::new(Vec::new()),
            next_interp_id: AtomicU64::new(0),
            main_pending: Arc::new(PendingCalls::main_thread_queue()),
            main_tstate: Mutex::new(None),
            gilstate_check_enabled: AtomicBool::new(true),
            finalizing_holder: AtomicU64::new(0),
            ref_tracer: Mutex::new(None),
            clock,
            stdio,
            phase,
        })
    }

    /// Creates an interpreter and registers it (`PyInterpreterState_New`).
    /// The first one is the main interpreter (id 0).
    pub(crate) fn new_interpreter(
        self: &Arc<Self>,
        config: InterpreterConfig,
        pyconfig: Config,
        whence: Whence,
    ) -> Arc<InterpreterState> {
        let id = self.next_interp_id.fetch_add(1, Ordering::Relaxed) as i64;
        let gil = match (id, config.gil) {
            (0, _) | (_, GilKind::Own) => Arc::new(Gil::new()),
            _ => self
                .main_interpreter()
                .map(|m| m.gil.clone())
                .unwrap_or_else(|| Arc::new(Gil::new())),
        };
        if id != 0 {
            self.gilstate_check_enabled.store(false, Ordering::Relaxed);
        }
        let interp = Arc::new(InterpreterState {
            id,
            runtime: Arc::downgrade(self),
            runtime_id: self.id,
            main_pending: self.main_pending.clone(),
            config,
            whence,
            pyconfig: Mutex::new(pyconfig),
            gil,
            threads: Mutex::new(Vec::new()),
            next_thread_id: AtomicU64::new(1),
            pending: PendingCalls::interpreter_queue(),
            finalizing: AtomicBool::new(false),
            dict: Mutex::new(None),
        });
        lock(&self.interps).insert(0, interp.clone());
        interp
    }

    /// `PyInterpreterState_Main()`.
    pub fn main_interpreter(&self) -> Option<Arc<InterpreterState>> {
        lock(&self.interps).iter().find(|i| i.id == 0).cloned()
    }

    /// `PyInterpreterState_Head()` and the rest of the list, newest first.
    pub fn interpreters(&self) -> Vec<Arc<InterpreterState>> {
        lock(&self.interps).clone()
    }

    /// Looks an interpreter up by id.
    pub fn interpreter(&self, id: i64) -> Option<Arc<InterpreterState>> {
        lock(&self.interps).iter().find(|i| i.id == id).cloned()
    }

    pub(crate) fn remove_interpreter(&self, interp: &Arc<InterpreterState>) {
        lock(&self.interps).retain(|i| !Arc::ptr_eq(i, interp));
    }

    /// The main thread of the main interpreter.
    pub fn main_thread(&self) -> Option<Arc<ThreadState>> {
        lock(&self.main_tstate).clone()
    }

    /// The runtime's clock.
    pub fn clock(&self) -> std::sync::Arc<dyn Clock> {
        self.clock.clone()
    }

    /// `PyRefTracer_SetTracer`.
    pub fn set_ref_tracer(&self, tracer: Option<crate::trace::RefTracer>) {
        *lock(&self.ref_tracer) = tracer;
    }

    /// `PyRefTracer_GetTracer`.
    pub fn ref_tracer(&self) -> Option<crate::trace::RefTracer> {
        lock(&self.ref_tracer).clone()
    }
}

/// `PyInterpreterState`.
pub struct InterpreterState {
    pub(crate) id: i64,
    pub(crate) runtime: Weak<RuntimeState>,
    /// The runtime's id (readable without upgrading `runtime`).
    pub(crate) runtime_id: u64,
    /// The runtime's main-thread pending calls (shared).
    pub(crate) main_pending: Arc<PendingCalls>,
    config: InterpreterConfig,
    whence: Whence,
    pyconfig: Mutex<Config>,
    pub(crate) gil: Arc<Gil>,
    threads: Mutex<Vec<Arc<ThreadState>>>,
    next_thread_id: AtomicU64,
    /// `interp->ceval.pending`.
    pub(crate) pending: PendingCalls,
    pub(crate) finalizing: AtomicBool,
    dict: Mutex<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for InterpreterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterpreterState")
            .field("id", &self.id)
            .field("whence", &self.whence)
            .finish_non_exhaustive()
    }
}

impl InterpreterState {
    /// `PyInterpreterState_GetID()`: 0 for the main interpreter.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The interpreter's `PyInterpreterConfig`.
    pub fn config(&self) -> InterpreterConfig {
        self.config
    }

    /// How it was created.
    pub fn whence(&self) -> Whence {
        self.whence
    }

    /// A copy of its `PyConfig` (`_PyInterpreterState_GetConfig`).
    pub fn pyconfig(&self) -> Config {
        lock(&self.pyconfig).clone()
    }

    /// Replaces its `PyConfig`.
    pub(crate) fn set_pyconfig(&self, c: Config) {
        *lock(&self.pyconfig) = c;
    }

    /// Updates its `PyConfig` in place.
    pub(crate) fn update_pyconfig(&self, f: impl FnOnce(&mut Config)) {
        f(&mut lock(&self.pyconfig));
    }

    /// Its GIL.
    pub fn gil(&self) -> &Arc<Gil> {
        &self.gil
    }

    /// True for an `OWN_GIL` interpreter (or the main one).
    pub fn has_own_gil(&self) -> bool {
        self.id == 0 || self.config.gil == GilKind::Own
    }

    /// The runtime it belongs to.
    pub fn runtime(&self) -> Option<Arc<RuntimeState>> {
        self.runtime.upgrade()
    }

    /// `PyThreadState_New(interp)`: a detached thread state, not yet bound
    /// to an OS thread (binding happens when it is first attached).
    pub fn new_thread_state(self: &Arc<Self>) -> Arc<ThreadState> {
        let id = self.next_thread_id.fetch_add(1, Ordering::Relaxed);
        let ts = ThreadState::new(self.clone(), id);
        lock(&self.threads).insert(0, ts.clone());
        ts
    }

    /// `PyInterpreterState_ThreadHead()` and the rest, newest first.
    pub fn threads(&self) -> Vec<Arc<ThreadState>> {
        lock(&self.threads).clone()
    }

    /// `PyInterpreterState_ThreadHead()`.
    pub fn thread_head(&self) -> Option<Arc<ThreadState>> {
        lock(&self.threads).first().cloned()
    }

    /// The thread state after `ts` (`PyThreadState_Next`).
    pub fn thread_after(&self, ts: &ThreadState) -> Option<Arc<ThreadState>> {
        let threads = lock(&self.threads);
        let pos = threads.iter().position(|t| std::ptr::eq(&**t, ts))?;
        threads.get(pos + 1).cloned()
    }

    pub(crate) fn unregister(&self, ts: &ThreadState) {
        lock(&self.threads).retain(|t| !std::ptr::eq(&**t, ts));
    }

    /// Number of thread states.
    pub fn thread_count(&self) -> usize {
        lock(&self.threads).len()
    }

    /// The next interpreter in the runtime's list (`PyInterpreterState_Next`).
    pub fn next(&self) -> Option<Arc<InterpreterState>> {
        let rt = self.runtime()?;
        let list = rt.interpreters();
        let pos = list.iter().position(|i| std::ptr::eq(&**i, self))?;
        list.get(pos + 1).cloned()
    }

    /// `PyInterpreterState_GetDict()`: a slot the VM keeps its per-interpreter
    /// dict in (`None` until it puts one there).
    pub fn with_dict<R>(&self, f: impl FnOnce(&mut Option<Box<dyn Any + Send>>) -> R) -> R {
        f(&mut lock(&self.dict))
    }

    /// True once `Py_EndInterpreter`/finalization began for it.
    pub fn is_finalizing(&self) -> bool {
        self.finalizing.load(Ordering::Acquire)
    }
}

/// `PyInterpreterState_Get()`: the current thread's interpreter, or the
/// CPython fatal error when no thread state is attached.
pub fn current_interpreter() -> Result<Arc<InterpreterState>, FatalError> {
    crate::thread::ThreadState::current()
        .map(|ts| ts.interp().clone())
        .ok_or_else(|| FatalError::new("PyInterpreterState_Get", GIL_RELEASED_MSG))
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// Two threads add and remove thread states while a third walks the
    /// registry: every walk sees a consistent list, ids are unique, and
    /// the registry ends empty.
    #[test]
    fn loom_tstate_registry_add_remove_races_are_safe() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let rs = RuntimeState::new(
                std::sync::Arc::new(crate::platform::ManualClock::new(0)),
                std::sync::Arc::new(crate::platform::CapturedStdio::new()),
                std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0)),
            );
            let interp = rs.new_interpreter(
                InterpreterConfig::legacy(),
                Config::python(),
                Whence::RuntimeInit,
            );
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let interp = interp.clone();
                    loom::thread::spawn(move || {
                        let ts = interp.new_thread_state();
                        let id = ts.id();
                        interp.unregister(&ts);
                        id
                    })
                })
                .collect();
            let walker = {
                let interp = interp.clone();
                loom::thread::spawn(move || {
                    let list = interp.threads();
                    assert!(list.len() <= 2);
                    if list.len() == 2 {
                        assert_ne!(list[0].id(), list[1].id());
                    }
                })
            };
            let ids: Vec<u64> = hs.into_iter().map(|h| h.join().unwrap()).collect();
            walker.join().unwrap();
            assert_ne!(ids[0], ids[1]);
            assert_eq!(interp.thread_count(), 0);
        });
    }
}
