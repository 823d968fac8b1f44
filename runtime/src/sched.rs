//! Thread backends: OS threads and emulated (green) threads.
//!
//! DESIGN.md's "one scheduler, two backends". A Python thread's body is a
//! [`GreenThread`]: it runs in *slices* and returns why it stopped — it
//! finished, it used up its budget or was asked to drop the GIL, or it
//! must wait (a [`WaitRequest`]: a parking-lot key, a condition re-checked
//! under the queue lock, an optional deadline). Blocking is a request, not
//! a call (decision 3), so the same body runs on either backend:
//!
//! - **OS threads** ([`run_on_os_thread`]): the body runs on its own OS
//!   thread holding the interpreter's GIL; a yield is a GIL drop and
//!   re-take; a wait parks the OS thread on the parking lot with the GIL
//!   released.
//! - **Emulated threads** ([`Scheduler`]): one OS thread runs every body in
//!   turn. A switch swaps the current thread state and its TSS block — a
//!   pointer swap, no GIL traffic — exactly where a GIL hand-off would
//!   happen: the slice budget (the switch interval, counted in
//!   instructions) runs out, or the body waits. Waits use the same parking
//!   lot, so an OS thread releasing a lock wakes a green waiter and vice
//!   versa. Green switches appear in the GIL event log like real ones.
//!
//! With a seed the emulated scheduler is deterministic: the next thread is
//! drawn from the runnable ones by a seeded generator, the clock is
//! virtual (instructions advance it, and when every thread sleeps it jumps
//! to the earliest wake-up), so every run of a program gives the same
//! interleaving and the same GIL event log.
//!
//! [`Scheduler::run`] can stop early — after N instructions, or when every
//! thread sleeps (returning the next wake-up time) — so a browser page can
//! drive Python from its event loop and keep a Stop button working.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::gil::{GIL_DROP_REQUEST_BIT, SwitchReason};
use crate::interp::InterpreterState;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::platform::{Clock, ManualClock};
use crate::sync::parking_lot::{GreenWaker, WaitNode};
use crate::sync::{ParkResult, ParkingLot};
use crate::thread::ThreadState;
use crate::tss::SlotBlock;

/// Instructions per microsecond of switch interval in emulation: 5 ms →
/// 250 000 instructions (roughly CPython's pace), `1e-6` s → 50.
pub const INSTRUCTIONS_PER_US: u64 = 50;
/// Virtual nanoseconds per instruction (1000 / 50).
pub const VIRTUAL_NS_PER_INSTRUCTION: u64 = 1000 / INSTRUCTIONS_PER_US;

/// Why a body is resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// First slice.
    Start,
    /// After a yield.
    Resumed,
    /// Its wait's key was unparked.
    Unparked,
    /// Its wait's deadline passed.
    Timeout,
    /// An interrupt, pending call or async exception cut the wait short.
    Interrupted,
    /// The wait's condition no longer held: retry at once.
    Again,
}

/// What a body waits for.
pub struct WaitRequest {
    /// The parking-lot key (an address the waker also uses).
    pub key: usize,
    /// Re-checked under the queue lock: if false, the wait ends at once
    /// ([`Wake::Again`]), so a wake-up between the check and the wait is
    /// never lost.
    pub validate: Validate,
    /// Absolute deadline on the runtime's clock (ns), if any.
    pub deadline_ns: Option<u64>,
    /// Interrupts (pending calls to this thread, async exceptions) end it.
    pub interruptible: bool,
}

/// A wait's condition, re-checked under the queue lock.
pub enum Validate {
    /// Always wait (a sleep: only the deadline or an interrupt ends it).
    Always,
    /// Wait while the object says so (a lock: no allocation per wait).
    Check(Arc<dyn WaitCheck>),
    /// Any other condition.
    Closure(Box<dyn FnOnce() -> bool + Send>),
}

impl Validate {
    /// True if the wait should still begin.
    pub fn check(self) -> bool {
        match self {
            Validate::Always => true,
            Validate::Check(c) => c.still_waiting(),
            Validate::Closure(f) => f(),
        }
    }
}

impl std::fmt::Debug for Validate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Validate::Always => "Always",
            Validate::Check(_) => "Check",
            Validate::Closure(_) => "Closure",
        })
    }
}

/// An object a thread waits on, which can tell whether the wait is still
/// needed.
pub trait WaitCheck: Send + Sync {
    /// False once the condition the waiter waits for may hold.
    fn still_waiting(&self) -> bool;
}

impl std::fmt::Debug for WaitRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitRequest")
            .field("key", &self.key)
            .field("deadline_ns", &self.deadline_ns)
            .field("interruptible", &self.interruptible)
            .finish_non_exhaustive()
    }
}

/// Why a slice ended.
#[derive(Debug)]
pub enum SliceExit {
    /// The thread is done.
    Finished,
    /// Budget used up, or the GIL drop request was honoured.
    Yielded,
    /// The thread must wait.
    Blocked(WaitRequest),
}

/// What a body sees of its slice.
pub struct Slice<'a> {
    /// The thread state (attached for the slice).
    pub tstate: &'a Arc<ThreadState>,
    /// Why the body is resumed.
    pub wake: Wake,
    budget: u64,
    used: u64,
    clock: &'a dyn Clock,
}

impl std::fmt::Debug for Slice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slice")
            .field("wake", &self.wake)
            .field("budget", &self.budget)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

impl Slice<'_> {
    /// Asks to run `n` more instructions: counts them and returns true, or
    /// returns false (counting nothing) once the budget is used up — the
    /// body then yields before running them.
    #[inline]
    pub fn tick(&mut self, n: u64) -> bool {
        if self.used >= self.budget {
            return false;
        }
        self.used += n;
        true
    }

    /// Instructions counted so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Instructions left in the budget.
    pub fn remaining(&self) -> u64 {
        self.budget.saturating_sub(self.used)
    }

    /// True if the body should stop now: budget used or a GIL drop request
    /// pending (the eval-breaker check the VM makes).
    #[inline]
    pub fn should_yield(&self) -> bool {
        self.used >= self.budget || self.tstate.eval_breaker().is_set(GIL_DROP_REQUEST_BIT)
    }

    /// The runtime clock now (virtual under deterministic emulation).
    pub fn now_ns(&self) -> u64 {
        self.clock.monotonic_ns()
    }
}

/// A Python thread's body, runnable in slices on either backend.
pub trait GreenThread: Send {
    /// Runs until the thread finishes, must wait, or should yield.
    fn resume(&mut self, slice: &mut Slice<'_>) -> SliceExit;
}

impl<F: FnMut(&mut Slice<'_>) -> SliceExit + Send> GreenThread for F {
    fn resume(&mut self, slice: &mut Slice<'_>) -> SliceExit {
        self(slice)
    }
}

/// Runs `body` to completion on the calling OS thread with `tstate`:
/// attaches it, yields the GIL when asked, parks with the GIL released when
/// the body waits, deletes the thread state at the end. Returns `false` if
/// the runtime started finalizing first (the body was abandoned, as a
/// daemon thread is).
#[cfg(all(has_os_threads, not(loom)))]
pub fn run_on_os_thread(
    tstate: &Arc<ThreadState>,
    body: &mut dyn GreenThread,
    clock: &dyn Clock,
) -> bool {
    use crate::gil::Priority;
    if tstate.attach().is_err() {
        return false;
    }
    let mut wake = Wake::Start;
    loop {
        let mut slice = Slice {
            tstate,
            wake,
            budget: u64::MAX,
            used: 0,
            clock,
        };
        match body.resume(&mut slice) {
            SliceExit::Finished => {
                let _ = ThreadState::delete_current();
                return true;
            }
            SliceExit::Yielded => {
                let _ = tstate.detach(SwitchReason::Yield);
                if tstate.attach().is_err() {
                    return false;
                }
                wake = Wake::Resumed;
            }
            SliceExit::Blocked(req) => {
                let timeout = req.deadline_ns.map(|d| {
                    std::time::Duration::from_nanos(d.saturating_sub(clock.monotonic_ns()))
                });
                let mut finalizing = false;
                let (res, _) = ParkingLot::global().park(
                    req.key,
                    || req.validate.check(),
                    |_| {},
                    timeout,
                    req.interruptible.then_some(&*tstate.interrupter),
                    &mut |sleep| {
                        let _ = tstate.detach(SwitchReason::Block);
                        let r = sleep();
                        if tstate.attach_with(Priority::Prompt).is_err() {
                            finalizing = true;
                        }
                        r
                    },
                );
                if finalizing {
                    return false;
                }
                wake = match res {
                    ParkResult::Unparked => Wake::Unparked,
                    ParkResult::Again => Wake::Again,
                    ParkResult::Timeout => Wake::Timeout,
                    ParkResult::Interrupted => Wake::Interrupted,
                };
            }
        }
    }
}

/// Emulated-scheduler settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedConfig {
    /// Deterministic scheduling with this seed (and a virtual clock).
    pub seed: Option<u64>,
}

/// When [`Scheduler::run`] should return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimit {
    /// After about this many instructions (whole slices).
    pub instructions: Option<u64>,
    /// Wait (really sleep) when every thread waits; if false, return
    /// [`RunOutcome::Sleeping`]/[`RunOutcome::Blocked`] instead.
    pub block: bool,
}

impl RunLimit {
    /// Run until every thread finished, sleeping through waits.
    pub const TO_COMPLETION: RunLimit = RunLimit {
        instructions: None,
        block: true,
    };
}

/// Why [`Scheduler::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every thread finished.
    Done,
    /// The instruction limit was reached; threads remain runnable.
    Paused,
    /// Every thread waits; the earliest deadline is `until_ns`.
    Sleeping {
        /// Runtime-clock time of the next wake-up.
        until_ns: u64,
    },
    /// Every thread waits without a deadline (for an outside event — or a
    /// deadlock).
    Blocked,
}

struct Waiting {
    key: usize,
    node: crate::loom::sync::Arc<WaitNode>,
    deadline: Option<u64>,
    interruptible: bool,
}

struct Task {
    body: Option<Box<dyn GreenThread>>,
    tstate: Arc<ThreadState>,
    tss: Box<SlotBlock>,
    wait: Option<Waiting>,
    wake: Wake,
    /// The node of the task's last wait, reused for its next one when
    /// nobody else holds it any more (a wait allocates nothing then).
    spare: Option<crate::loom::sync::Arc<WaitNode>>,
}

struct State {
    tasks: Vec<Option<Task>>,
    runnable: VecDeque<usize>,
    timers: BTreeMap<(u64, u64), usize>,
    timer_seq: u64,
    rng: Option<u64>,
    last_holder: Option<u64>,
    instructions: u64,
    /// [`Scheduler::run_until_finished`]'s thread (its unique id).
    stop_on: Option<u64>,
    /// That thread finished.
    stopped: bool,
    /// Scratch for [`Scheduler::collect_wakeups`] (kept for its capacity).
    scratch: Vec<usize>,
}

struct Inner {
    state: Mutex<State>,
    /// Tasks whose wait ended (pushed by [`GreenWaker::wake`]).
    woken: Mutex<Vec<usize>>,
    /// Where the scheduler's OS thread sleeps when every thread waits.
    #[cfg(all(has_os_threads, not(loom)))]
    bell: crate::sync::doorbell::Doorbell,
}

impl GreenWaker for Inner {
    fn wake(&self, task: usize) {
        // Its own lock: a wake-up can come from inside the scheduler while
        // it holds `state` (an interrupt already pending when a wait
        // registers fires at once).
        lock(&self.woken).push(task);
        #[cfg(all(has_os_threads, not(loom)))]
        self.bell.ring();
    }
}

/// The emulated backend: green threads of one interpreter on one OS
/// thread.
pub struct Scheduler {
    inner: Arc<Inner>,
    interp: Arc<InterpreterState>,
    clock: Arc<dyn Clock>,
    virtual_clock: Option<Arc<ManualClock>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("interp", &self.interp.id())
            .field("deterministic", &self.virtual_clock.is_some())
            .finish_non_exhaustive()
    }
}

/// SplitMix64: a tiny, well-mixed generator for reproducible choices.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Scheduler {
    /// A scheduler for `interp`. Deterministic with a seed: then its clock
    /// is virtual (starting at 0) and also drives the GIL event log.
    pub fn new(
        interp: &Arc<InterpreterState>,
        config: SchedConfig,
        real_clock: Arc<dyn Clock>,
    ) -> Scheduler {
        let virtual_clock = config.seed.map(|_| Arc::new(ManualClock::new(0)));
        let clock: Arc<dyn Clock> = match &virtual_clock {
            Some(v) => v.clone(),
            None => real_clock,
        };
        Scheduler {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    tasks: Vec::new(),
                    runnable: VecDeque::new(),
                    timers: BTreeMap::new(),
                    timer_seq: 0,
                    rng: config.seed,
                    last_holder: None,
                    instructions: 0,
                    stop_on: None,
                    stopped: false,
                    scratch: Vec::new(),
                }),
                woken: Mutex::new(Vec::new()),
                #[cfg(all(has_os_threads, not(loom)))]
                bell: crate::sync::doorbell::Doorbell::default(),
            }),
            interp: interp.clone(),
            clock,
            virtual_clock,
        }
    }

    /// The clock green threads see (virtual when deterministic).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Instructions run so far.
    pub fn instructions(&self) -> u64 {
        lock(&self.inner.state).instructions
    }

    /// Starts a green thread with a new thread state of the interpreter.
    pub fn spawn(&self, body: Box<dyn GreenThread>) -> Arc<ThreadState> {
        let ts = self.interp.new_thread_state();
        self.spawn_with(ts.clone(), body);
        ts
    }

    /// Starts a green thread on an existing (detached) thread state, such
    /// as the main thread's.
    pub fn spawn_with(&self, tstate: Arc<ThreadState>, body: Box<dyn GreenThread>) {
        let mut st = lock(&self.inner.state);
        let id = match st.tasks.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                st.tasks.push(None);
                st.tasks.len() - 1
            }
        };
        st.tasks[id] = Some(Task {
            body: Some(body),
            tstate,
            tss: Box::new(SlotBlock::new()),
            wait: None,
            wake: Wake::Start,
            spare: None,
        });
        st.runnable.push_back(id);
    }

    /// Green threads not finished yet.
    pub fn live(&self) -> usize {
        lock(&self.inner.state)
            .tasks
            .iter()
            .filter(|t| t.is_some())
            .count()
    }

    fn budget(&self) -> u64 {
        (self.interp.gil().interval_us() * INSTRUCTIONS_PER_US).max(1)
    }

    /// Moves woken and timed-out waiters to the front of the runnable
    /// queue, in the order they woke: a thread back from a wait (a sleep,
    /// a lock, I/O) runs before the threads that used up their slices —
    /// the emulated form of the GIL's anti-convoy hand-off, so a sleeper
    /// beside a CPU-bound thread wakes on time instead of one interval
    /// late.
    fn collect_wakeups(&self, st: &mut State) {
        // Lock order: `state`, then `woken`.
        let mut woken = std::mem::take(&mut st.scratch);
        std::mem::swap(&mut woken, &mut *lock(&self.inner.woken));
        // Made runnable here, pushed at the back, then rotated to the front.
        let mut ready = 0;
        for &id in &woken {
            let Some(task) = st.tasks.get_mut(id).and_then(Option::as_mut) else {
                continue;
            };
            let Some(w) = &task.wait else { continue };
            let Some(res) = w.node.outcome() else {
                continue;
            };
            let w = task.wait.take().expect("checked");
            if w.interruptible {
                task.tstate.interrupter.unregister();
            }
            task.wake = match res {
                ParkResult::Interrupted => {
                    // An interrupt leaves the node queued; remove it. If an
                    // unpark took it meanwhile, that is the wake-up.
                    if ParkingLot::global().dequeue(w.key, &w.node) {
                        Wake::Interrupted
                    } else {
                        Wake::Unparked
                    }
                }
                _ => Wake::Unparked,
            };
            if w.deadline.is_some() {
                st.timers.retain(|_, t| *t != id);
            }
            task.spare = Some(w.node);
            st.runnable.push_back(id);
            ready += 1;
        }
        let now = if st.timers.is_empty() {
            0
        } else {
            self.clock.monotonic_ns()
        };
        while let Some((&(deadline, seq), &id)) = st.timers.iter().next() {
            if deadline > now {
                break;
            }
            st.timers.remove(&(deadline, seq));
            let Some(task) = st.tasks.get_mut(id).and_then(Option::as_mut) else {
                continue;
            };
            let Some(w) = task.wait.take() else { continue };
            if w.interruptible {
                task.tstate.interrupter.unregister();
            }
            let timed_out = w.node.time_out() && ParkingLot::global().dequeue(w.key, &w.node);
            task.wake = if timed_out {
                Wake::Timeout
            } else {
                Wake::Unparked
            };
            task.spare = Some(w.node);
            st.runnable.push_back(id);
            ready += 1;
            // A racing wake-up may also list this task; it is skipped above
            // since the wait is gone.
        }
        // (A no-op when nothing woke or only the woken are runnable.)
        if ready > 0 && ready < st.runnable.len() {
            st.runnable.rotate_right(ready);
        }
        woken.clear();
        st.scratch = woken;
    }

    /// Runs green threads until `ts`'s thread finishes ([`RunOutcome::Done`],
    /// other threads may remain) or `limit` says to return.
    pub fn run_until_finished(&self, ts: &Arc<ThreadState>, limit: RunLimit) -> RunOutcome {
        lock(&self.inner.state).stop_on = Some(ts.unique_id());
        let r = self.run(limit);
        lock(&self.inner.state).stop_on = None;
        r
    }

    /// Runs green threads until `limit` says to return.
    pub fn run(&self, limit: RunLimit) -> RunOutcome {
        self.run_impl(limit, false)
    }

    /// From inside a running green thread that must wait where it cannot
    /// return to the scheduler (a nested call): runs the other threads for
    /// about `instructions`, never sleeping, and leaves a finish that
    /// [`Scheduler::run_until_finished`] watches for the outer run.
    pub fn run_nested(&self, instructions: u64) -> RunOutcome {
        self.run_impl(
            RunLimit {
                instructions: Some(instructions.max(1)),
                block: false,
            },
            true,
        )
    }

    /// Lets time pass until `deadline_ns` or a wake-up, whichever is first:
    /// the virtual clock jumps; a real one is waited on.
    pub fn idle_until(&self, deadline_ns: u64) {
        if let Some(vc) = &self.virtual_clock {
            let now = vc.monotonic_ns();
            if deadline_ns > now {
                vc.advance(deadline_ns - now);
            }
            return;
        }
        let _ = self.wait_for_event(Some(deadline_ns));
    }

    /// The switch interval in instructions.
    pub fn interval_instructions(&self) -> u64 {
        self.budget()
    }

    fn run_impl(&self, limit: RunLimit, nested: bool) -> RunOutcome {
        let start = self.instructions();
        loop {
            let mut st = lock(&self.inner.state);
            self.collect_wakeups(&mut st);
            if st.runnable.is_empty() {
                if st.tasks.iter().all(Option::is_none) {
                    return RunOutcome::Done;
                }
                let next = st.timers.keys().next().map(|&(d, _)| d);
                if !nested && let (Some(vc), Some(d)) = (&self.virtual_clock, next) {
                    // Deterministic: every thread sleeps; time jumps.
                    let now = vc.monotonic_ns();
                    if d > now {
                        vc.advance(d - now);
                    }
                    continue;
                }
                if !limit.block {
                    return match next {
                        Some(until_ns) => RunOutcome::Sleeping { until_ns },
                        None => RunOutcome::Blocked,
                    };
                }
                drop(st);
                if !self.wait_for_event(next) {
                    return RunOutcome::Blocked;
                }
                continue;
            }
            let idx = match &mut st.rng {
                Some(seed) => (next_random(seed) % st.runnable.len() as u64) as usize,
                None => 0,
            };
            let id = if idx == 0 {
                st.runnable.pop_front()
            } else {
                st.runnable.remove(idx)
            }
            .expect("index in range");
            // With a seed, slice lengths vary (½ to 1½ intervals, drawn from
            // the seeded generator) as CPython's timed switches do, so a
            // switch can land anywhere in a loop body — reproducibly.
            let interval = self.budget();
            let interval = match &mut st.rng {
                Some(seed) => interval / 2 + next_random(seed) % (interval + 1),
                None => interval,
            }
            .max(1);
            // A sleeper due before the slice would end cuts it short (at
            // the instruction pace of the virtual clock), so a thread back
            // from a short sleep does not wait behind a CPU-bound one for a
            // whole interval: the emulated form of the GIL's anti-convoy
            // hand-off.
            let interval = match st.timers.keys().next() {
                Some(&(due, _)) => {
                    let left = due.saturating_sub(self.clock.monotonic_ns());
                    interval.min((left / VIRTUAL_NS_PER_INSTRUCTION).max(1))
                }
                None => interval,
            };
            let budget = match limit.instructions {
                Some(n) => interval.min(n.saturating_sub(st.instructions - start).max(1)),
                None => interval,
            };
            let task = st.tasks[id].as_mut().expect("runnable task exists");
            let mut body = task.body.take().expect("not running");
            // The task's thread state without a clone (two atomic count
            // updates per slice, a tenth of a green thread switch).
            // SAFETY: the Arc in the task keeps the state alive until the
            // `Finished` arm below takes the task out of `tasks` (only this
            // loop does), after this handle's last use; tasks added during
            // the slice may move the task, not the state it points to. The
            // handle is never dropped (ManuallyDrop), so the count is
            // untouched.
            let tstate =
                std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(Arc::as_ptr(&task.tstate)) });
            let wake = task.wake;
            let tss: *mut SlotBlock = &mut *task.tss;
            let holder = tstate.unique_id();
            if st.last_holder != Some(holder) {
                self.interp
                    .gil()
                    .events()
                    .record_take(holder, tstate.thread_ident());
                st.last_holder = Some(holder);
            }
            drop(st);

            let token = tstate.enter_green();
            // SAFETY: the block lives in the task (boxed, not moved while
            // the task exists) and only this thread uses it until swapped
            // back below.
            let own_tss = unsafe { crate::tss::swap_block(Some(tss)) };
            let mut slice = Slice {
                tstate: &tstate,
                wake,
                budget,
                used: 0,
                clock: &*self.clock,
            };
            let exit = body.resume(&mut slice);
            let used = slice.used;
            // SAFETY: restores this OS thread's own block.
            unsafe { crate::tss::swap_block(Some(own_tss)) };
            tstate.leave_green(token);
            if let Some(vc) = &self.virtual_clock {
                vc.advance(used * VIRTUAL_NS_PER_INSTRUCTION);
            }

            let mut st = lock(&self.inner.state);
            st.instructions += used;
            let events = self.interp.gil().events();
            match exit {
                SliceExit::Finished => {
                    events.record_drop(holder, tstate.thread_ident(), SwitchReason::Exit);
                    st.last_holder = None;
                    // (The borrowed handle's last use: the task owns the
                    // state from here.)
                    let done = st.tasks[id].take().expect("task exists");
                    if st.stop_on == Some(holder) {
                        st.stop_on = None;
                        st.stopped = true;
                    }
                    // The driver's own state (the main thread) outlives its
                    // green life; every other thread state goes.
                    if !done.tstate.is_attached() {
                        done.tstate.clear();
                        let _ = done.tstate.delete();
                    }
                }
                SliceExit::Yielded => {
                    tstate.eval_breaker().clear(GIL_DROP_REQUEST_BIT);
                    let task = st.tasks[id].as_mut().expect("task exists");
                    task.body = Some(body);
                    task.wake = Wake::Resumed;
                    if st.runnable.is_empty() {
                        // Nobody else to run: no switch happens.
                        st.runnable.push_back(id);
                    } else {
                        events.record_drop(holder, tstate.thread_ident(), SwitchReason::Interval);
                        st.last_holder = None;
                        st.runnable.push_back(id);
                    }
                }
                SliceExit::Blocked(req) => {
                    let task = st.tasks[id].as_mut().expect("task exists");
                    task.body = Some(body);
                    let node = match task.spare.take() {
                        #[cfg(not(loom))]
                        Some(n) if crate::loom::sync::Arc::strong_count(&n) == 1 => {
                            n.reset();
                            n
                        }
                        _ => {
                            let weak: std::sync::Weak<dyn GreenWaker> = {
                                let strong: Arc<dyn GreenWaker> = self.inner.clone();
                                Arc::downgrade(&strong)
                            };
                            crate::loom::sync::Arc::new(WaitNode::green(weak, id))
                        }
                    };
                    if !ParkingLot::global().enqueue(req.key, || req.validate.check(), &node) {
                        task.wake = Wake::Again;
                        st.runnable.push_front(id);
                    } else {
                        events.record_drop(holder, tstate.thread_ident(), SwitchReason::Block);
                        st.last_holder = None;
                        if req.interruptible {
                            tstate.interrupter.register(&node);
                        }
                        if let Some(d) = req.deadline_ns {
                            st.timer_seq += 1;
                            let seq = st.timer_seq;
                            st.timers.insert((d, seq), id);
                        }
                        let task = st.tasks[id].as_mut().expect("task exists");
                        task.wait = Some(Waiting {
                            key: req.key,
                            node,
                            deadline: req.deadline_ns,
                            interruptible: req.interruptible,
                        });
                    }
                }
            }
            if !nested && std::mem::take(&mut st.stopped) {
                return RunOutcome::Done;
            }
            if let Some(n) = limit.instructions
                && st.instructions - start >= n
            {
                return RunOutcome::Paused;
            }
        }
    }

    /// Waits (really) for a wake-up or until `deadline`; false if that can
    /// never come (no deadline, and no other thread to wake us).
    #[cfg(all(has_os_threads, not(loom)))]
    fn wait_for_event(&self, deadline: Option<u64>) -> bool {
        let timeout = deadline
            .map(|d| std::time::Duration::from_nanos(d.saturating_sub(self.clock.monotonic_ns())));
        self.inner
            .bell
            .sleep(|| !lock(&self.inner.woken).is_empty(), timeout);
        true
    }

    /// Without OS threads nobody else can wake us: sleep until the
    /// deadline (WASI has a clock to sleep on), or report blocked.
    #[cfg(not(all(has_os_threads, not(loom))))]
    fn wait_for_event(&self, deadline: Option<u64>) -> bool {
        match deadline {
            #[cfg(has_host_clock)]
            Some(d) => {
                let left = d.saturating_sub(self.clock.monotonic_ns());
                std::thread::sleep(std::time::Duration::from_nanos(left));
                true
            }
            _ => false,
        }
    }
}
