//! Pending calls: `Py_AddPendingCall`, `Py_MakePendingCalls`.
//!
//! Mirrors the pending-call half of `Python/ceval_gil.c` (3.13):
//!
//! - `Py_AddPendingCall` goes to the runtime-wide *main-thread* queue: 32
//!   entries, the 33rd add fails (-1) without blocking; the call runs on the
//!   main thread of the main interpreter, which gets the `CALLS_TO_DO` bit.
//! - Each interpreter has its own queue (300 entries, at most 100 run per
//!   pass) that any of its threads may run.
//! - A pass runs the interpreter queue, then — on the main thread of the
//!   main interpreter only — the main-thread queue. Only one thread per
//!   interpreter handles calls at a time; a thread that finds another one
//!   handling moves the bit to it. A failing call stops the pass, sets the
//!   bit again, and its error propagates; the calls behind it run at the
//!   next check.
//!
//! Beyond CPython: adding a call also *wakes* the target thread if it is
//! in an interruptible wait (sleep, lock, join), so a pending call — an
//! interrupt, typically — runs within microseconds instead of when the
//! sleep ends.
//!
//! Locking: each queue is behind its own mutex, never held while a call
//! runs (a call may add calls).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::gil::CALLS_TO_DO_BIT;
use crate::interp::RuntimeState;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use crate::thread::ThreadState;

/// `MAXPENDINGCALLS_MAIN`.
pub const MAX_PENDING_MAIN: usize = 32;
/// `MAXPENDINGCALLS`.
pub const MAX_PENDING: usize = 300;
/// `MAXPENDINGCALLSLOOP`.
pub const MAX_PENDING_LOOP: usize = 100;

/// What a failing pending call reports (the VM's exception).
pub type PendingError = Box<dyn std::any::Any + Send>;

/// A pending call: `int (*func)(void *)` with its argument.
pub type PendingFn = Box<dyn FnOnce() -> Result<(), PendingError> + Send>;

/// The queue was full (`Py_AddPendingCall` returned -1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull;

/// One pending-call queue (`struct _pending_calls`).
pub struct PendingCalls {
    queue: Mutex<VecDeque<PendingFn>>,
    max: usize,
    maxloop: usize,
    npending: AtomicUsize,
    /// Unique id of the thread handling calls (0: none).
    handling: AtomicU64,
}

impl std::fmt::Debug for PendingCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCalls")
            .field("npending", &self.len())
            .field("max", &self.max)
            .finish()
    }
}

impl PendingCalls {
    /// The runtime-wide main-thread queue: 32 entries, all run per pass.
    pub(crate) fn main_thread_queue() -> PendingCalls {
        PendingCalls::with_limits(MAX_PENDING_MAIN, MAX_PENDING_MAIN)
    }

    /// An interpreter's queue: 300 entries, 100 per pass.
    pub(crate) fn interpreter_queue() -> PendingCalls {
        PendingCalls::with_limits(MAX_PENDING, MAX_PENDING_LOOP)
    }

    fn with_limits(max: usize, maxloop: usize) -> PendingCalls {
        PendingCalls {
            queue: Mutex::new(VecDeque::new()),
            max,
            maxloop,
            npending: AtomicUsize::new(0),
            handling: AtomicU64::new(0),
        }
    }

    /// Calls waiting.
    pub fn len(&self) -> usize {
        self.npending.load(Ordering::Acquire)
    }

    /// True if none wait.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `_push_pending_call`: `Err(QueueFull)` when full.
    pub(crate) fn push(&self, f: PendingFn) -> Result<(), QueueFull> {
        let mut q = lock(&self.queue);
        if q.len() >= self.max {
            return Err(QueueFull);
        }
        q.push_back(f);
        self.npending.store(q.len(), Ordering::Release);
        Ok(())
    }

    fn pop(&self) -> Option<PendingFn> {
        let mut q = lock(&self.queue);
        let f = q.pop_front();
        self.npending.store(q.len(), Ordering::Release);
        f
    }

    /// `_make_pending_calls`: runs up to `maxloop` calls, one at a time.
    fn run(&self) -> Result<(), PendingError> {
        for _ in 0..self.maxloop {
            let Some(f) = self.pop() else { break };
            f()?;
        }
        Ok(())
    }
}

fn is_main_thread_of_main_interp(ts: &ThreadState) -> bool {
    ts.interp().id() == 0 && ts.is_main()
}

/// `_PyEval_AddPendingCall(interp, …, mainthreadonly = 0)`: a call any
/// thread of the main interpreter may run; also used internally.
pub fn add_interpreter_call(
    interp: &crate::interp::InterpreterState,
    f: PendingFn,
) -> Result<(), QueueFull> {
    interp.pending.push(f)?;
    for ts in interp.threads() {
        ts.eval_breaker().set(CALLS_TO_DO_BIT);
    }
    // Wake the thread holding this interpreter's GIL if it waits.
    for ts in interp.threads() {
        if ts.unique_id() == interp.gil().last_holder() {
            ts.interrupt();
        }
    }
    Ok(())
}

/// `Py_AddPendingCall`: schedules `f` on the main thread of the main
/// interpreter. Callable from any thread, with or without a thread state.
/// The 33rd call in the queue is refused. The main thread is woken if it
/// is sleeping or blocked in an interruptible wait.
pub fn add_pending_call(rt: &Arc<RuntimeState>, f: PendingFn) -> Result<(), QueueFull> {
    rt.main_pending.push(f)?;
    // Under the lock rather than cloning the `Arc`: its count shares a
    // cache line with fields the busy main thread reads.
    if let Some(main) = &*crate::loom::lock(&rt.main_tstate) {
        main.eval_breaker().set(CALLS_TO_DO_BIT);
        main.interrupt();
    }
    Ok(())
}

/// Re-derives the `CALLS_TO_DO` bit of a thread that just took the GIL.
pub(crate) fn recompute_calls_to_do(ts: &ThreadState) {
    let interp = ts.interp();
    let todo = !interp.pending.is_empty()
        || (is_main_thread_of_main_interp(ts) && !interp.main_pending.is_empty());
    if todo {
        ts.eval_breaker().set(CALLS_TO_DO_BIT);
    }
}

/// `make_pending_calls(tstate)`: what the eval loop runs when it sees
/// `CALLS_TO_DO`. The caller holds the GIL with `ts` attached.
pub fn make_pending_calls(ts: &ThreadState) -> Result<(), PendingError> {
    let interp = ts.interp();
    let me = ts.unique_id();
    // Only one thread per interpreter handles pending calls at a time.
    let handling = interp.pending.handling.load(Ordering::Acquire);
    if handling != 0 && handling != me {
        ts.eval_breaker().clear(CALLS_TO_DO_BIT);
        if let Some(h) = interp
            .threads()
            .into_iter()
            .find(|t| t.unique_id() == handling)
        {
            h.eval_breaker().set(CALLS_TO_DO_BIT);
        }
        return Ok(());
    }
    interp.pending.handling.store(me, Ordering::Release);
    ts.eval_breaker().clear(CALLS_TO_DO_BIT);
    // (An interrupt that found this thread awake stays noted: its next
    // interruptible wait returns at once, once, and the caller finds
    // nothing to do. Clearing it here would cost a cache miss on every
    // call.)
    let main = is_main_thread_of_main_interp(ts);
    let mut result = Ok(());
    if !interp.pending.is_empty() {
        result = interp.pending.run();
    }
    if result.is_ok() && main && !interp.main_pending.is_empty() {
        result = interp.main_pending.run();
    }
    interp.pending.handling.store(0, Ordering::Release);
    // Calls left (failure, or more than a pass): run them at the next check.
    let left = !interp.pending.is_empty() || (main && !interp.main_pending.is_empty());
    if left {
        ts.eval_breaker().set(CALLS_TO_DO_BIT);
    }
    result
}

/// `Py_MakePendingCalls()`: runs the calls if the calling thread is the
/// main thread of the main interpreter; otherwise does nothing.
pub fn make_pending_calls_current() -> Result<(), PendingError> {
    let Some(ts) = ThreadState::current() else {
        return Ok(());
    };
    if !is_main_thread_of_main_interp(&ts) {
        return Ok(());
    }
    make_pending_calls(&ts)
}

/// `_Py_FinishPendingCalls`: at finalization, runs calls until both queues
/// are empty; a failing call is reported to `on_error` and the rest run.
pub fn finish_pending_calls(ts: &ThreadState, on_error: &mut dyn FnMut(PendingError)) {
    loop {
        let interp = ts.interp();
        let main_left = !interp.main_pending.is_empty();
        if interp.pending.is_empty() && !(is_main_thread_of_main_interp(ts) && main_left) {
            break;
        }
        if let Err(e) = make_pending_calls(ts) {
            on_error(e);
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicUsize;

    /// Two producers add calls to a queue of 2 while a consumer runs it:
    /// every accepted call runs exactly once, a refused one never.
    #[test]
    fn loom_pending_call_runs_exactly_once_or_is_refused() {
        // Three threads: bound preemptions so the model stays tractable
        // (as tokio's loom tests do).
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let q = Arc::new(PendingCalls::with_limits(2, 2));
            let runs: Arc<Vec<AtomicUsize>> =
                Arc::new((0..3).map(|_| AtomicUsize::new(0)).collect());
            let accepted: Arc<Vec<AtomicUsize>> =
                Arc::new((0..3).map(|_| AtomicUsize::new(0)).collect());
            let producers: Vec<_> = [vec![0usize, 1], vec![2]]
                .into_iter()
                .map(|ids| {
                    let (q, runs, accepted) = (q.clone(), runs.clone(), accepted.clone());
                    loom::thread::spawn(move || {
                        for id in ids {
                            let r = runs.clone();
                            let ok = q
                                .push(Box::new(move || {
                                    r[id].fetch_add(1, Ordering::SeqCst);
                                    Ok(())
                                }))
                                .is_ok();
                            if ok {
                                accepted[id].store(1, Ordering::SeqCst);
                            }
                        }
                    })
                })
                .collect();
            let consumer = {
                let q = q.clone();
                loom::thread::spawn(move || q.run().unwrap())
            };
            for p in producers {
                p.join().unwrap();
            }
            consumer.join().unwrap();
            q.run().unwrap();
            for id in 0..3 {
                assert_eq!(
                    runs[id].load(Ordering::SeqCst),
                    accepted[id].load(Ordering::SeqCst)
                );
            }
            assert!(q.is_empty());
        });
    }
}
