//! The locks behind `threading`: `_thread.lock`, `_thread.RLock`, and the
//! event flag `threading.Event` rests on.
//!
//! Mirrors the lock objects of `Modules/_threadmodule.c` (3.13: a
//! `PyMutex` with timed, interruptible acquisition, releasable by any
//! thread) — written request-style, so one implementation serves both
//! thread backends: `acquire` either succeeds, fails (timeout, or would
//! block), or returns a [`WaitRequest`] that the backend performs (an OS
//! thread parks with the GIL released; a green thread is suspended) before
//! the caller tries again. [`block_on`] runs that loop for Rust callers on
//! OS threads.
//!
//! | bit of `Lock` | meaning |
//! | --- | --- |
//! | `LOCKED` (1) | held |
//! | `HAS_WAITERS` (2) | some thread waits or is about to; release must wake |

use std::sync::Arc;

use crate::loom::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use crate::sched::{Validate, WaitCheck, WaitRequest};
use crate::sync::ParkingLot;

const LOCKED: u8 = 1;
const HAS_WAITERS: u8 = 2;

/// One step of a blocking operation.
#[derive(Debug)]
pub enum Step<T> {
    /// Done.
    Ready(T),
    /// Wait as requested, then call again.
    Wait(WaitRequest),
}

fn timed_out(deadline_ns: Option<u64>, now_ns: u64) -> bool {
    deadline_ns.is_some_and(|d| now_ns >= d)
}

/// `_thread.lock`.
#[derive(Debug, Default)]
pub struct Lock {
    bits: AtomicU8,
}

impl WaitCheck for Lock {
    /// Still held with waiters flagged: a release between the failed
    /// acquire and the wait makes the wait end at once.
    fn still_waiting(&self) -> bool {
        self.bits.load(Ordering::Relaxed) == LOCKED | HAS_WAITERS
    }
}

/// `release` of an unlocked lock (`RuntimeError: release unlocked lock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLocked;

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Lock {
        Lock::default()
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.bits) as usize
    }

    /// `lock.locked()`.
    pub fn locked(&self) -> bool {
        self.bits.load(Ordering::Acquire) & LOCKED != 0
    }

    /// `lock.acquire(blocking=False)`.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        let mut v = self.bits.load(Ordering::Relaxed);
        loop {
            if v & LOCKED != 0 {
                return false;
            }
            match self.bits.compare_exchange_weak(
                v,
                v | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(x) => v = x,
            }
        }
    }

    /// One step of `lock.acquire(timeout=…)`: `Ready(true)` acquired,
    /// `Ready(false)` timed out (`deadline_ns` passed; `Some(now)` means
    /// non-blocking), or wait and call again.
    pub fn acquire(self: &Arc<Self>, deadline_ns: Option<u64>, now_ns: u64) -> Step<bool> {
        loop {
            if self.try_acquire() {
                return Step::Ready(true);
            }
            if timed_out(deadline_ns, now_ns) {
                return Step::Ready(false);
            }
            let v = self.bits.load(Ordering::Relaxed);
            if v & LOCKED == 0 {
                continue;
            }
            if v & HAS_WAITERS == 0
                && self
                    .bits
                    .compare_exchange(v, v | HAS_WAITERS, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            return Step::Wait(WaitRequest {
                key: self.key(),
                // Still held with waiters flagged (see `still_waiting`).
                validate: Validate::Check(self.clone()),
                deadline_ns,
                interruptible: true,
            });
        }
    }

    /// `lock.release()`: any thread may release; wakes one waiter.
    pub fn release(&self) -> Result<(), NotLocked> {
        let mut v = self.bits.load(Ordering::Acquire);
        loop {
            if v & LOCKED == 0 {
                return Err(NotLocked);
            }
            if v & HAS_WAITERS != 0 {
                ParkingLot::global().unpark_one(self.key(), |_, has_more| {
                    self.bits
                        .store(if has_more { HAS_WAITERS } else { 0 }, Ordering::Release);
                });
                return Ok(());
            }
            match self
                .bits
                .compare_exchange(v, 0, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(x) => v = x,
            }
        }
    }
}

/// `_thread.RLock`: re-entrant, owned by the thread that acquired it.
#[derive(Debug, Default)]
pub struct RLock {
    lock: Arc<Lock>,
    owner: AtomicU64,
    count: AtomicU64,
}

/// Releasing an `RLock` the caller does not own
/// (`RuntimeError: cannot release un-acquired lock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotOwner;

impl RLock {
    /// An unowned RLock.
    pub fn new() -> RLock {
        RLock::default()
    }

    /// One step of `rlock.acquire(timeout=…)` by thread `me` (a thread
    /// state's unique id).
    pub fn acquire(&self, me: u64, deadline_ns: Option<u64>, now_ns: u64) -> Step<bool> {
        if self.owner.load(Ordering::Relaxed) == me {
            self.count.fetch_add(1, Ordering::Relaxed);
            return Step::Ready(true);
        }
        match self.lock.acquire(deadline_ns, now_ns) {
            Step::Ready(true) => {
                self.owner.store(me, Ordering::Relaxed);
                self.count.store(1, Ordering::Relaxed);
                Step::Ready(true)
            }
            other => other,
        }
    }

    /// `rlock.release()` by thread `me`.
    pub fn release(&self, me: u64) -> Result<(), NotOwner> {
        if self.owner.load(Ordering::Relaxed) != me || self.count.load(Ordering::Relaxed) == 0 {
            return Err(NotOwner);
        }
        if self.count.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.owner.store(0, Ordering::Relaxed);
            self.lock.release().map_err(|_| NotOwner)?;
        }
        Ok(())
    }

    /// Recursion depth held by `me` (0 if not the owner).
    pub fn count(&self, me: u64) -> u64 {
        if self.owner.load(Ordering::Relaxed) == me {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// True if some thread holds it.
    pub fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) != 0
    }
}

/// The flag of `threading.Event`.
#[derive(Debug, Default)]
pub struct Event {
    flag: AtomicBool,
    /// Bumped by every `set`: a waiter that saw the flag unset returns
    /// true once a `set` happened since, even if a `clear` followed before
    /// it ran again (CPython's Event wakes its waiters by notification).
    sets: AtomicU64,
}

impl Event {
    /// Unset.
    pub fn new() -> Event {
        Event::default()
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.flag) as usize
    }

    /// `event.is_set()`.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// How many times it was set (what [`Event::wait_from`] starts from).
    pub fn sets(&self) -> u64 {
        self.sets.load(Ordering::Acquire)
    }

    /// `event.set()`: wakes every waiter.
    pub fn set(&self) {
        self.sets.fetch_add(1, Ordering::AcqRel);
        self.flag.store(true, Ordering::Release);
        ParkingLot::global().unpark_all(self.key());
    }

    /// `event.clear()`.
    pub fn clear(&self) {
        self.flag.store(false, Ordering::Release);
    }

    /// One step of `event.wait(timeout)`: `Ready(flag)` or wait.
    pub fn wait(self: &Arc<Self>, deadline_ns: Option<u64>, now_ns: u64) -> Step<bool> {
        let sets = self.sets();
        self.wait_from(sets, deadline_ns, now_ns)
    }

    /// One step of a wait that began when the set count was `sets`: ready
    /// (true) once the flag is set or a `set` happened since.
    pub fn wait_from(
        self: &Arc<Self>,
        sets: u64,
        deadline_ns: Option<u64>,
        now_ns: u64,
    ) -> Step<bool> {
        if self.is_set() || self.sets() != sets {
            return Step::Ready(true);
        }
        if timed_out(deadline_ns, now_ns) {
            return Step::Ready(false);
        }
        let me = self.clone();
        Step::Wait(WaitRequest {
            key: self.key(),
            validate: Validate::Closure(Box::new(move || !me.is_set() && me.sets() == sets)),
            deadline_ns,
            interruptible: true,
        })
    }
}

/// Why [`block_on`] stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// A pending call, async exception or interrupt arrived: run the
    /// eval-breaker work, then call again if nothing was raised.
    Interrupted,
    /// The runtime is finalizing: this thread must stop.
    Finalizing,
}

/// Runs `step` on the calling OS thread until it is ready, parking with the
/// GIL released between steps.
#[cfg(all(has_os_threads, not(loom)))]
pub fn block_on<T>(
    tstate: &Arc<crate::thread::ThreadState>,
    clock: &dyn crate::platform::Clock,
    mut step: impl FnMut(u64) -> Step<T>,
) -> Result<T, Blocked> {
    use crate::sync::ParkResult;
    loop {
        let req = match step(clock.monotonic_ns()) {
            Step::Ready(v) => return Ok(v),
            Step::Wait(r) => r,
        };
        let timeout = req
            .deadline_ns
            .map(|d| std::time::Duration::from_nanos(d.saturating_sub(clock.monotonic_ns())));
        let mut finalizing = false;
        let (res, _) = ParkingLot::global().park(
            req.key,
            || req.validate.check(),
            |_| {},
            timeout,
            req.interruptible.then_some(&*tstate.interrupter),
            &mut |sleep| {
                let attached = tstate.is_attached();
                if attached {
                    let _ = tstate.detach(crate::gil::SwitchReason::Block);
                }
                let r = sleep();
                if attached && tstate.attach_with(crate::gil::Priority::Prompt).is_err() {
                    finalizing = true;
                }
                r
            },
        );
        if finalizing {
            return Err(Blocked::Finalizing);
        }
        if res == ParkResult::Interrupted {
            return Err(Blocked::Interrupted);
        }
    }
}

#[cfg(all(test, has_os_threads, not(loom)))]
mod tests {
    use super::*;

    /// Parks on the global lot until `ev` is ready (no GIL, no interrupts).
    fn wait_from(ev: &Arc<Event>, sets: u64) -> bool {
        loop {
            match ev.wait_from(sets, None, 0) {
                Step::Ready(b) => return b,
                Step::Wait(req) => {
                    ParkingLot::global().park(
                        req.key,
                        || req.validate.check(),
                        |_| {},
                        None,
                        None,
                        &mut |s| s(),
                    );
                }
            }
        }
    }

    /// A `set` immediately undone by `clear` still wakes every waiter that
    /// began before it, with true (CPython's Event notifies its waiters);
    /// repeated so the set/clear lands at every point of a waiter's park.
    #[test]
    fn event_set_then_clear_wakes_every_waiter() {
        for _ in 0..2000 {
            let ev = Arc::new(Event::new());
            let sets = ev.sets();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let ev = ev.clone();
                    std::thread::spawn(move || wait_from(&ev, sets))
                })
                .collect();
            ev.set();
            ev.clear();
            for w in waiters {
                assert!(w.join().unwrap());
            }
            assert!(!ev.is_set());
        }
    }

    /// A timed wait on an unset event ends false at its deadline.
    #[test]
    fn event_wait_times_out() {
        let ev = Arc::new(Event::new());
        assert!(matches!(ev.wait(Some(10), 11), Step::Ready(false)));
        assert!(matches!(ev.wait(Some(10), 5), Step::Wait(_)));
        ev.set();
        assert!(matches!(ev.wait(Some(10), 11), Step::Ready(true)));
    }
}
