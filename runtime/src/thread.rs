//! Thread states: `PyThreadState`, attach/detach, `PyGILState_*`.
//!
//! Mirrors `Python/pystate.c` and the thread-state half of
//! `Python/ceval_gil.c` (3.13).
//!
//! A [`ThreadState`] belongs to one interpreter. It is *attached* while
//! its thread holds that interpreter's GIL and it is the thread's current
//! state (one per OS thread, a thread-local pointer), *detached* otherwise.
//! It is *bound* to the OS thread that first attaches it.
//!
//! The GILState API keeps, per runtime and OS thread, the thread state
//! `PyGILState_Ensure` uses (CPython's `autoTSSkey`): the first thread
//! state of the main interpreter attached on that thread, or one Ensure
//! creates and the matching Release deletes.
//!
//! Misuse (attaching over an attached state, deleting the current one,
//! releasing a GIL state that is not current …) is reported with
//! CPython's fatal message as a [`FatalError`].
//!
//! Who touches what: the status word, the eval breaker and the
//! interrupter are atomic/locked and may be touched by any thread; the
//! current-state pointer is thread-local; a thread state's hooks and dict
//! are behind their own mutexes.

use std::any::Any;
use std::cell::{Cell, RefCell};

use crate::fatal::{FatalError, GIL_RELEASED_MSG};
use crate::gil::{Holder, Priority, SwitchReason, Taken};
use crate::interp::{InterpreterState, RuntimeState};
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering};
use crate::sync::Interrupter;
use std::sync::Arc;

const MAIN: u32 = 1;
const BOUND: u32 = 2;
const BOUND_GILSTATE: u32 = 4;
const CLEARED: u32 = 8;
const DELETED: u32 = 16;
const AUTO_CREATED: u32 = 32;
/// The hooks, dict or async exception were ever set: `clear` has work.
const TOUCHED: u32 = 64;

/// Thread idents of green threads: above any address an OS thread ident
/// (a thread-local's address) can take on 64-bit hosts' user space.
const GREEN_IDENT_BASE: u64 = 1 << 56;

/// An exception to raise asynchronously in a thread (`SetAsyncExc`), as the
/// VM represents it.
pub type AsyncExc = std::sync::Arc<dyn Any + Send + Sync>;

/// `PyThreadState`.
pub struct ThreadState {
    id: u64,
    interp: Arc<InterpreterState>,
    pub(crate) holder: std::sync::Arc<Holder>,
    status: AtomicU32,
    /// Attached: written only by the owning OS thread (plain stores),
    /// read by anyone.
    attached: AtomicBool,
    /// `gilstate_counter`: touched only by the owning OS thread.
    gilstate_counter: AtomicI32,
    /// Wakes this thread out of an interruptible wait (pending calls to a
    /// sleeping main thread, `interrupt_main`).
    pub(crate) interrupter: crate::sync::parking_lot::LineIsolated<Interrupter>,
    async_exc: Mutex<Option<AsyncExc>>,
    pub(crate) hooks: Mutex<crate::trace::Hooks>,
    /// `PyThreadState_EnterTracing` depth.
    pub(crate) tracing: AtomicI32,
    /// Python frames on this thread (the VM maintains it).
    frame_depth: AtomicUsize,
    dict: Mutex<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for ThreadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadState")
            .field("id", &self.id)
            .field("interp", &self.interp.id())
            .field("attached", &self.is_attached())
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The attached thread state of this OS thread (`_Py_tss_tstate`).
    static CURRENT: Cell<*const ThreadState> = const { Cell::new(std::ptr::null()) };
    /// The driver's own state while a green thread runs on this OS thread.
    static GREEN_SAVED: Cell<*const ThreadState> = const { Cell::new(std::ptr::null()) };
    /// The running green thread's state, which is its own GILState state
    /// (as an OS thread's first state is) while it runs.
    static GREEN_GILSTATE: Cell<*const ThreadState> = const { Cell::new(std::ptr::null()) };
    /// Per runtime id: this thread's GILState thread state.
    static GILSTATE: RefCell<Vec<(u64, Arc<ThreadState>)>> = const { RefCell::new(Vec::new()) };
}

/// The result of `PyGILState_Ensure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum GilState {
    /// `PyGILState_LOCKED`: the thread already had its state attached.
    Locked = 0,
    /// `PyGILState_UNLOCKED`: Ensure attached (or created) it.
    Unlocked = 1,
}

/// How an interruptible wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The wait ran its course (or its condition was met).
    Completed,
    /// A pending call, async exception or interrupt cut it short.
    Interrupted,
}

/// Why attaching failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttachError {
    /// CPython would abort.
    Fatal(FatalError),
    /// The runtime is finalizing and this is not the finalizing thread: it
    /// must not run Python code again.
    Finalizing,
}

impl From<FatalError> for AttachError {
    fn from(e: FatalError) -> Self {
        AttachError::Fatal(e)
    }
}

impl ThreadState {
    pub(crate) fn new(interp: Arc<InterpreterState>, id: u64) -> Arc<ThreadState> {
        Arc::new(ThreadState {
            id,
            interp,
            holder: std::sync::Arc::new(Holder::new(crate::gil::next_holder_id())),
            status: AtomicU32::new(0),
            attached: AtomicBool::new(false),
            gilstate_counter: AtomicI32::new(1),
            interrupter: crate::sync::parking_lot::LineIsolated::new(Interrupter::new()),
            async_exc: Mutex::new(None),
            hooks: Mutex::new(crate::trace::Hooks::default()),
            tracing: AtomicI32::new(0),
            frame_depth: AtomicUsize::new(0),
            dict: Mutex::new(None),
        })
    }

    /// `PyThreadState_GetID()`: unique within the interpreter, from 1.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A process-wide unique id (the GIL's holder id).
    pub fn unique_id(&self) -> u64 {
        self.holder.id
    }

    /// `PyThreadState_GetInterpreter()`.
    pub fn interp(&self) -> &Arc<InterpreterState> {
        &self.interp
    }

    /// The eval breaker word the eval loop tests.
    pub fn eval_breaker(&self) -> &crate::gil::EvalBreaker {
        &self.holder.breaker
    }

    /// The ident of the OS thread it is bound to (0 if never attached):
    /// what `threading.get_ident()` returns.
    pub fn thread_ident(&self) -> u64 {
        self.holder.thread_ident.load(Ordering::Relaxed)
    }

    /// The ident it has as a green thread (what `thread_ident` returns once
    /// its first slice ran, unless it was bound to an OS thread before).
    pub fn green_ident(&self) -> u64 {
        match self.thread_ident() {
            0 => GREEN_IDENT_BASE + self.holder.id,
            n => n,
        }
    }

    /// True while attached.
    pub fn is_attached(&self) -> bool {
        self.attached.load(Ordering::Acquire)
    }

    /// True if it is the runtime's main thread state
    /// (`_PyRuntime.main_tstate`).
    pub fn is_main(&self) -> bool {
        self.status.load(Ordering::Acquire) & MAIN != 0
    }

    /// Makes it the runtime's main thread state.
    pub(crate) fn mark_main(&self) {
        self.status.fetch_or(MAIN, Ordering::AcqRel);
    }

    /// True once deleted.
    pub fn is_deleted(&self) -> bool {
        self.status.load(Ordering::Acquire) & DELETED != 0
    }

    /// Number of Python frames on this thread.
    pub fn frame_depth(&self) -> usize {
        self.frame_depth.load(Ordering::Relaxed)
    }

    /// Sets the frame depth (the VM calls this).
    pub fn set_frame_depth(&self, n: usize) {
        self.frame_depth.store(n, Ordering::Relaxed);
    }

    /// `PyThreadState_GetDict()`: a slot for the VM's per-thread dict.
    pub fn with_dict<R>(&self, f: impl FnOnce(&mut Option<Box<dyn Any + Send>>) -> R) -> R {
        self.touch();
        f(&mut lock(&self.dict))
    }

    /// `PyThreadState_GetUnchecked()`: this OS thread's attached state.
    pub fn current() -> Option<Arc<ThreadState>> {
        let p = CURRENT.with(Cell::get);
        if p.is_null() {
            return None;
        }
        // SAFETY: CURRENT points at an attached thread state, kept alive by
        // its interpreter's registry; a thread state cannot be deleted while
        // attached (delete refuses), so the pointer is valid, and
        // incrementing the count of a live Arc is sound.
        unsafe {
            Arc::increment_strong_count(p);
            Some(Arc::from_raw(p))
        }
    }

    /// True if this OS thread has an attached state.
    pub fn has_current() -> bool {
        !CURRENT.with(Cell::get).is_null()
    }

    /// Runs `f` with the current thread state without touching its count.
    pub fn with_current<R>(f: impl FnOnce(Option<&ThreadState>) -> R) -> R {
        let p = CURRENT.with(Cell::get);
        // SAFETY: see `current()`.
        f(unsafe { p.as_ref() })
    }

    /// `PyThreadState_Get()`: the attached state, or CPython's fatal error.
    pub fn get() -> Result<Arc<ThreadState>, FatalError> {
        ThreadState::current().ok_or_else(|| FatalError::new("PyThreadState_Get", GIL_RELEASED_MSG))
    }

    fn runtime(&self) -> Option<std::sync::Arc<RuntimeState>> {
        self.interp.runtime()
    }

    fn bind(&self) {
        let st = self.status.load(Ordering::Acquire);
        if st & BOUND == 0 {
            self.holder
                .thread_ident
                .store(crate::lifecycle::current_thread_id(), Ordering::Relaxed);
            self.status.fetch_or(BOUND, Ordering::AcqRel);
        }
    }

    /// `_PyThreadState_Attach()`: takes the interpreter's GIL and makes
    /// this the OS thread's current state. `prio` [`Priority::Prompt`] for
    /// a thread coming back from a blocking call.
    pub fn attach_with(self: &Arc<Self>, prio: Priority) -> Result<(), AttachError> {
        if ThreadState::has_current() {
            return Err(
                FatalError::new("_PyThreadState_Attach", "non-NULL old thread state").into(),
            );
        }
        if self.is_deleted() {
            return Err(
                FatalError::new("_PyThreadState_Attach", "thread state was deleted").into(),
            );
        }
        match self.interp.gil.take(&self.holder, prio) {
            Taken::Held => {}
            Taken::MustExit => return Err(AttachError::Finalizing),
        }
        self.bind();
        self.attached.store(true, Ordering::Release);
        CURRENT.with(|c| c.set(Arc::as_ptr(self)));
        self.bind_gilstate_if_unset();
        // Pending calls queued while detached must run at the next check.
        // (An async exception's bit lives in this state's own breaker and
        // survives detaching.)
        crate::pending::recompute_calls_to_do(self);
        Ok(())
    }

    /// Attaches with normal priority.
    pub fn attach(self: &Arc<Self>) -> Result<(), AttachError> {
        self.attach_with(Priority::Normal)
    }

    /// `_PyThreadState_Detach()`: releases the GIL; no current state after.
    pub fn detach(&self, reason: SwitchReason) -> Result<(), FatalError> {
        let cur = CURRENT.with(Cell::get);
        if !std::ptr::eq(cur, self) {
            return Err(FatalError::new(
                "_PyThreadState_Detach",
                "the thread state to detach is not the current one",
            ));
        }
        CURRENT.with(|c| c.set(std::ptr::null()));
        self.attached.store(false, Ordering::Release);
        self.interp.gil.drop_gil(&self.holder, reason);
        Ok(())
    }

    /// `PyThreadState_Swap()`: detaches the current state (if any) and
    /// attaches `new` (if any); returns the old one.
    pub fn swap(new: Option<&Arc<ThreadState>>) -> Result<Option<Arc<ThreadState>>, AttachError> {
        let old = ThreadState::current();
        if let Some(o) = &old {
            o.detach(SwitchReason::Yield)?;
        }
        if let Some(n) = new {
            n.attach()?;
        }
        Ok(old)
    }

    /// `PyEval_SaveThread()`: detaches the current state and returns it
    /// (`Py_BEGIN_ALLOW_THREADS`).
    pub fn save() -> Result<Arc<ThreadState>, FatalError> {
        let ts = ThreadState::current()
            .ok_or_else(|| FatalError::new("PyEval_SaveThread", GIL_RELEASED_MSG))?;
        ts.detach(SwitchReason::Block)?;
        Ok(ts)
    }

    /// `PyEval_RestoreThread()`: re-attaches after a blocking section
    /// (`Py_END_ALLOW_THREADS`), ahead of CPU-bound waiters.
    pub fn restore(ts: Option<&Arc<ThreadState>>) -> Result<(), AttachError> {
        let ts = ts.ok_or_else(|| FatalError::new("PyEval_RestoreThread", GIL_RELEASED_MSG))?;
        ts.attach_with(Priority::Prompt)
    }

    /// Notes that the hooks, dict or async exception were set.
    pub(crate) fn touch(&self) {
        if self.status.load(Ordering::Relaxed) & TOUCHED == 0 {
            self.status.fetch_or(TOUCHED, Ordering::AcqRel);
        }
    }

    /// `PyThreadState_Clear()`: forgets the thread's hooks, dict and
    /// pending async exception.
    pub fn clear(&self) {
        if self.status.fetch_or(CLEARED, Ordering::AcqRel) & TOUCHED != 0 {
            *lock(&self.async_exc) = None;
            *lock(&self.hooks) = crate::trace::Hooks::default();
            *lock(&self.dict) = None;
        }
    }

    /// `PyThreadState_Delete()`: must not be attached.
    pub fn delete(self: &Arc<Self>) -> Result<(), FatalError> {
        if self.is_attached() {
            return Err(FatalError::new(
                "PyThreadState_Delete",
                format!("tstate {:p} is still current", Arc::as_ptr(self)),
            ));
        }
        self.finish_delete();
        Ok(())
    }

    fn finish_delete(self: &Arc<Self>) {
        if self.status.load(Ordering::Acquire) & CLEARED == 0 {
            self.clear();
        }
        self.status.fetch_or(DELETED, Ordering::AcqRel);
        self.interp.unregister(self);
        if self.status.load(Ordering::Acquire) & BOUND_GILSTATE != 0 {
            forget_gilstate(self.interp.runtime_id, self);
        }
        if self.is_main()
            && let Some(rt) = self.runtime()
        {
            let mut main = lock(&rt.main_tstate);
            if main.as_ref().is_some_and(|m| Arc::ptr_eq(m, self)) {
                *main = None;
                self.status.fetch_and(!MAIN, Ordering::AcqRel);
            }
        }
    }

    /// `PyThreadState_DeleteCurrent()`: clears and deletes the attached
    /// state and releases the GIL.
    pub fn delete_current() -> Result<(), FatalError> {
        let ts = ThreadState::current()
            .ok_or_else(|| FatalError::new("PyThreadState_DeleteCurrent", GIL_RELEASED_MSG))?;
        ts.clear();
        CURRENT.with(|c| c.set(std::ptr::null()));
        ts.attached.store(false, Ordering::Release);
        ts.finish_delete();
        ts.interp.gil.drop_gil(&ts.holder, SwitchReason::Exit);
        Ok(())
    }

    /// `PyThreadState_SetAsyncExc()` for this thread: `Some` schedules the
    /// exception, `None` clears a pending one.
    pub fn set_async_exc(&self, exc: Option<AsyncExc>) {
        let set = exc.is_some();
        self.touch();
        *lock(&self.async_exc) = exc;
        if set {
            self.holder.breaker.set(crate::gil::ASYNC_EXCEPTION_BIT);
            self.interrupter.interrupt();
        } else {
            self.holder.breaker.clear(crate::gil::ASYNC_EXCEPTION_BIT);
        }
    }

    /// Takes the pending async exception (the eval loop raises it).
    pub fn take_async_exc(&self) -> Option<AsyncExc> {
        self.holder.breaker.clear(crate::gil::ASYNC_EXCEPTION_BIT);
        lock(&self.async_exc).take()
    }

    /// Makes this green thread's state current on the driving OS thread,
    /// whose own state (which holds the real GIL) is set aside: an emulated
    /// switch is a pointer swap. Green threads get a synthetic thread ident
    /// so `threading.get_ident()` tells them apart.
    /// Slices nest (a green thread waiting inside a nested call lets the
    /// others run from there): the returned token restores the outer
    /// slice's state in [`ThreadState::leave_green`].
    pub(crate) fn enter_green(self: &Arc<Self>) -> GreenToken {
        let prev = CURRENT.with(|c| c.replace(Arc::as_ptr(self)));
        let token = GreenToken {
            saved: GREEN_SAVED.with(|g| g.replace(prev)),
            gilstate: GREEN_GILSTATE.with(Cell::get),
        };
        if self.interp.id() == 0 {
            GREEN_GILSTATE.with(|g| g.set(Arc::as_ptr(self)));
        }
        if std::ptr::eq(prev, Arc::as_ptr(self)) {
            // The driver's own state runs as a green thread (the main
            // thread under emulation): already attached.
            return token;
        }
        if self.status.load(Ordering::Acquire) & BOUND == 0 {
            self.holder
                .thread_ident
                .store(GREEN_IDENT_BASE + self.holder.id, Ordering::Relaxed);
            self.status.fetch_or(BOUND, Ordering::AcqRel);
        }
        self.attached.store(true, Ordering::Release);
        token
    }

    /// Ends a green thread's slice: the state current before it (the
    /// driver's, or an outer slice's) is current again.
    pub(crate) fn leave_green(&self, token: GreenToken) {
        GREEN_GILSTATE.with(|g| g.set(token.gilstate));
        let prev = GREEN_SAVED.with(|g| g.replace(token.saved));
        if !std::ptr::eq(prev, self) {
            self.attached.store(false, Ordering::Release);
        }
        CURRENT.with(|c| c.set(prev));
    }

    /// Wakes this thread if it is in an interruptible wait.
    pub fn interrupt(&self) {
        self.interrupter.interrupt();
    }

    /// Sleeps `d` on this OS thread with the GIL released (`time.sleep`).
    /// Ends early, with [`WaitOutcome::Interrupted`], when a pending call,
    /// an async exception or an interrupt arrives for this thread: the
    /// caller runs its eval-breaker work and sleeps the rest if it wants.
    #[cfg(all(has_os_threads, not(loom)))]
    pub fn sleep(self: &Arc<Self>, d: std::time::Duration) -> WaitOutcome {
        let marker = 0u8;
        let key = std::ptr::from_ref(&marker) as usize;
        let (res, _) = crate::sync::ParkingLot::global().park(
            key,
            || true,
            |_| {},
            Some(d),
            Some(&*self.interrupter),
            &mut |sleep| while_detached(sleep),
        );
        match res {
            crate::sync::ParkResult::Interrupted => WaitOutcome::Interrupted,
            _ => WaitOutcome::Completed,
        }
    }

    /// The next thread state of the interpreter (`PyThreadState_Next`).
    pub fn next(&self) -> Option<Arc<ThreadState>> {
        self.interp.thread_after(self)
    }

    fn bind_gilstate_if_unset(self: &Arc<Self>) {
        if self.interp.id() != 0 || self.status.load(Ordering::Relaxed) & BOUND_GILSTATE != 0 {
            return;
        }
        let rt_id = self.interp.runtime_id;
        if gilstate_ptr(rt_id).is_null() {
            GILSTATE.with(|g| g.borrow_mut().push((rt_id, self.clone())));
            self.status.fetch_or(BOUND_GILSTATE, Ordering::AcqRel);
        }
    }
}

fn forget_gilstate(rt_id: u64, ts: &Arc<ThreadState>) {
    let _ = GILSTATE.try_with(|g| {
        g.borrow_mut()
            .retain(|(id, t)| !(*id == rt_id && Arc::ptr_eq(t, ts)));
    });
}

/// This thread's GILState thread state for runtime `rt_id`, as a pointer
/// (null if none): no reference-count traffic on the hot paths.
fn gilstate_ptr(rt_id: u64) -> *const ThreadState {
    let green = GREEN_GILSTATE.with(Cell::get);
    // SAFETY: set only while that green thread runs on this OS thread; its
    // scheduler task owns it meanwhile.
    if !green.is_null() && unsafe { &*green }.interp.runtime_id == rt_id {
        return green;
    }
    GILSTATE.with(|g| {
        g.borrow()
            .iter()
            .find(|(id, _)| *id == rt_id)
            .map_or(std::ptr::null(), |(_, t)| Arc::as_ptr(t))
    })
}

/// Borrows the thread state behind a pointer from [`gilstate_ptr`] as an
/// `Arc` without changing its count.
///
/// # Safety
///
/// `p` must come from `gilstate_ptr` on this thread, and the table entry
/// must not be removed while the borrow lives.
unsafe fn borrow_arc(p: *const ThreadState) -> std::mem::ManuallyDrop<Arc<ThreadState>> {
    // SAFETY: the caller guarantees `p` is the pointer of an `Arc` the
    // GILSTATE table owns; ManuallyDrop keeps this copy from releasing the
    // table's count.
    std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(p) })
}

/// `PyGILState_Ensure()`: makes sure the calling OS thread — any thread,
/// including one pyrt did not create — has an attached thread state of the
/// main interpreter, creating one if needed.
pub fn gilstate_ensure(rt: &std::sync::Arc<RuntimeState>) -> Result<GilState, AttachError> {
    let p = gilstate_ptr(rt.id);
    if p.is_null() {
        let main = rt.main_interpreter().ok_or_else(|| {
            FatalError::new(
                "PyGILState_Ensure",
                "Couldn't create thread-state for new thread",
            )
        })?;
        let t = main.new_thread_state();
        t.status.fetch_or(AUTO_CREATED, Ordering::AcqRel);
        t.gilstate_counter.store(0, Ordering::Relaxed);
        GILSTATE.with(|g| g.borrow_mut().push((rt.id, t.clone())));
        t.status.fetch_or(BOUND_GILSTATE, Ordering::AcqRel);
        t.attach()?;
        t.gilstate_counter.store(1, Ordering::Relaxed);
        return Ok(GilState::Unlocked);
    }
    // SAFETY: `p` is this thread's table entry; attaching never removes it.
    let t = unsafe { borrow_arc(p) };
    let has_gil = CURRENT.with(Cell::get) == p;
    if !has_gil {
        t.attach()?;
    }
    let n = t.gilstate_counter.load(Ordering::Relaxed);
    t.gilstate_counter.store(n + 1, Ordering::Relaxed);
    Ok(if has_gil {
        GilState::Locked
    } else {
        GilState::Unlocked
    })
}

/// `PyGILState_Release()`.
pub fn gilstate_release(
    rt: &std::sync::Arc<RuntimeState>,
    old: GilState,
) -> Result<(), FatalError> {
    let p = gilstate_ptr(rt.id);
    if p.is_null() {
        return Err(FatalError::new(
            "PyGILState_Release",
            "auto-releasing thread-state, but no thread-state for this thread",
        ));
    }
    if CURRENT.with(Cell::get) != p {
        return Err(FatalError::new(
            "PyGILState_Release",
            format!("thread state {p:p} must be current when releasing"),
        ));
    }
    // SAFETY: `p` is current, hence attached and registered; the table
    // entry is only removed by `delete_current` below, which holds its own
    // count, and `ts` is not used after it.
    let ts = unsafe { borrow_arc(p) };
    let n = ts.gilstate_counter.load(Ordering::Relaxed) - 1;
    if n == 0 {
        // Clear while the GIL is held (destructors may run, with the
        // counter still 1), then delete; deleting the current state
        // releases the GIL.
        ts.clear();
        ts.gilstate_counter.store(0, Ordering::Relaxed);
        ThreadState::delete_current()?;
    } else {
        ts.gilstate_counter.store(n, Ordering::Relaxed);
        if old == GilState::Unlocked {
            ts.detach(SwitchReason::Block)?;
        }
    }
    Ok(())
}

/// `PyGILState_Check()`: 1 if this thread's GILState state is attached;
/// always true before initialization and once a sub-interpreter exists.
pub fn gilstate_check(rt: Option<&RuntimeState>) -> bool {
    let Some(rt) = rt else { return true };
    if !rt.gilstate_check_enabled.load(Ordering::Relaxed) {
        return true;
    }
    let cur = CURRENT.with(Cell::get);
    !cur.is_null() && gilstate_ptr(rt.id) == cur
}

/// `PyGILState_GetThisThreadState()`.
pub fn gilstate_this_thread(rt: &RuntimeState) -> Option<Arc<ThreadState>> {
    let p = gilstate_ptr(rt.id);
    // SAFETY: a non-null pointer from `gilstate_ptr` is owned by this
    // thread's table or its running green thread's task; cloning it takes a
    // count of our own.
    (!p.is_null()).then(|| {
        // SAFETY: as above.
        let borrowed = unsafe { borrow_arc(p) };
        Arc::clone(&borrowed)
    })
}

/// Runs `sleep` with the current thread state detached (GIL released),
/// re-attaching it afterwards ahead of CPU-bound waiters: how a blocking
/// wait releases the GIL (`Py_BEGIN/END_ALLOW_THREADS`). If the runtime
/// started finalizing meanwhile, this thread must never run Python again:
/// it stays asleep forever (CPython 3.14's rule; 3.13 exits the OS thread,
/// which Rust cannot do soundly).
/// What [`ThreadState::enter_green`] set aside.
#[derive(Debug)]
pub(crate) struct GreenToken {
    saved: *const ThreadState,
    gilstate: *const ThreadState,
}

pub(crate) fn while_detached<R>(sleep: &mut dyn FnMut() -> R) -> R {
    let Some(ts) = ThreadState::current() else {
        return sleep();
    };
    if ts.detach(SwitchReason::Block).is_err() {
        return sleep();
    }
    let r = sleep();
    if ts.attach_with(Priority::Prompt) == Err(AttachError::Finalizing) {
        hang_forever();
    }
    r
}

/// `Py_BEGIN_ALLOW_THREADS … Py_END_ALLOW_THREADS`: runs `f` — a blocking
/// call that touches no Python state — with the current thread state
/// detached, so other threads can take the GIL meanwhile.
pub fn allow_threads<R>(f: impl FnOnce() -> R) -> R {
    let mut f = Some(f);
    while_detached(&mut || (f.take().expect("called once"))())
}

/// Parks the calling OS thread for good (a daemon thread at shutdown).
pub(crate) fn hang_forever() -> ! {
    #[cfg(has_os_threads)]
    loop {
        std::thread::park();
    }
    #[cfg(not(has_os_threads))]
    crate::fatal::fatal_error(
        "hang_forever",
        "a single-threaded runtime cannot block forever",
    )
}

/// The text of a fatal error report for the current thread's runtime.
pub(crate) fn fatal_report(func: &str, msg: &str) -> Vec<u8> {
    let mut out = format!("Fatal Python error: {func}: {msg}\n").into_bytes();
    let (phase, has_tstate) = ThreadState::with_current(|ts| match ts {
        Some(ts) => (
            ts.runtime().map(|rt| {
                crate::lifecycle::Phase::from_u8(
                    rt.phase.load(std::sync::atomic::Ordering::Acquire),
                )
            }),
            true,
        ),
        None => (None, false),
    });
    let state = phase.map_or_else(|| "unknown".to_owned(), |p| p.describe());
    out.extend_from_slice(format!("Python runtime state: {state}\n\n").as_bytes());
    if has_tstate {
        out.extend_from_slice(
            format!(
                "Current thread 0x{:016x} (most recent call first):\n  <no Python frame>\n",
                crate::lifecycle::current_thread_id()
            )
            .as_bytes(),
        );
    }
    out
}

/// Writes a fatal report to the current runtime's stderr, or the process's.
pub(crate) fn write_fatal_report(report: &[u8]) {
    let stdio =
        ThreadState::with_current(|ts| ts.and_then(|t| t.runtime()).map(|rt| rt.stdio.clone()));
    match stdio {
        Some(s) => {
            let _ = s.write(crate::platform::StdStream::Stderr, report);
            let _ = s.flush(crate::platform::StdStream::Stderr);
        }
        None => {
            use std::io::Write;
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(report);
            let _ = e.flush();
        }
    }
}
