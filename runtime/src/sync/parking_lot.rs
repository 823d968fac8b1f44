//! The parking lot: wait queues keyed by address.
//!
//! Mirrors `Python/parking_lot.c` (3.13). Waiters are kept per bucket
//! (hash of the key), in arrival order. `park` re-checks its condition
//! under the bucket lock before sleeping, so a wake-up that happens
//! between the caller's test and its sleep is never lost (the waker takes
//! the same lock). Each waiter sleeps on its own node (mutex + condvar),
//! which also carries the two fields `PyMutex` needs for hand-off.
//!
//! Protocol of a node's `state` (an atomic; it only ever leaves
//! `Waiting`, by one compare-and-swap, until its owner reuses the node):
//!
//! | state | set by | meaning |
//! | --- | --- | --- |
//! | `Waiting` | `park` | queued, asleep or about to sleep |
//! | `Unparked` | `unpark_*` (after dequeuing, bucket lock held) | woken; no longer in any queue |
//! | `Interrupted` | [`Interrupter::interrupt`], a timeout | woken; still queued until `park` removes it |
//!
//! An OS waiter sleeps with `std::thread::park` (a futex on Linux), so
//! waking a thread that has not gone to sleep yet costs no system call —
//! the common case when two threads hand a `PyMutex` back and forth. Each
//! OS thread reuses one node while nobody else holds a reference to it,
//! so parking allocates nothing in the steady state.

use std::collections::VecDeque;
use std::time::Duration;

use crate::loom::lock;
use crate::loom::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use crate::loom::sync::{Arc, Mutex};

/// How a park ended (`Py_PARK_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParkResult {
    /// Woken by an unpark (`Py_PARK_OK`).
    Unparked,
    /// The validation failed: the caller's condition changed
    /// (`Py_PARK_AGAIN`).
    Again,
    /// The timeout expired (`Py_PARK_TIMEOUT`).
    Timeout,
    /// Woken by an interrupt (`Py_PARK_INTR`).
    Interrupted,
}

const WAITING: u8 = 0;
const UNPARKED: u8 = 1;
const INTERRUPTED: u8 = 2;

/// Notified when a green thread's wait ends (the emulated scheduler).
pub trait GreenWaker: Send + Sync {
    /// The wait of green thread `task` ended.
    fn wake(&self, task: usize);
}

/// One parked thread: an OS thread asleep in `thread::park`, or a green
/// thread suspended by the emulated scheduler.
pub struct WaitNode {
    state: AtomicU8,
    /// The sleeping OS thread (none for a green waiter).
    thread: Option<crate::loom::thread::Thread>,
    green: Option<(std::sync::Weak<dyn GreenWaker>, usize)>,
    /// `mutex_entry.time_to_be_fair` of a PyMutex waiter.
    pub(crate) time_to_be_fair: AtomicU64,
    /// `mutex_entry.handed_off`: the waker gave this waiter the lock.
    pub(crate) handed_off: AtomicBool,
}

impl std::fmt::Debug for WaitNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitNode")
            .field("state", &self.state.load(Ordering::Relaxed))
            .field("green", &self.green.as_ref().map(|g| g.1))
            .finish_non_exhaustive()
    }
}

#[cfg(not(loom))]
std::thread_local! {
    /// The calling OS thread's reusable node.
    static OWN_NODE: std::cell::RefCell<Option<Arc<WaitNode>>> = const { std::cell::RefCell::new(None) };
}

impl WaitNode {
    fn blank(thread: Option<crate::loom::thread::Thread>) -> WaitNode {
        WaitNode {
            state: AtomicU8::new(WAITING),
            thread,
            green: None,
            time_to_be_fair: AtomicU64::new(0),
            handed_off: AtomicBool::new(false),
        }
    }

    /// A node for the calling OS thread: its cached one when nobody else
    /// still references it (a waker drops its reference after waking),
    /// else a new one.
    fn for_current_thread() -> Arc<WaitNode> {
        #[cfg(not(loom))]
        {
            OWN_NODE.with(|c| {
                let mut c = c.borrow_mut();
                if let Some(n) = c.as_ref()
                    && Arc::strong_count(n) == 1
                {
                    n.reset();
                    return n.clone();
                }
                let n = Arc::new(WaitNode::blank(Some(crate::loom::thread::current())));
                *c = Some(n.clone());
                n
            })
        }
        #[cfg(loom)]
        Arc::new(WaitNode::blank(Some(crate::loom::thread::current())))
    }

    /// Makes a node whose wait ended (and that nobody else references)
    /// ready for the next wait of the same thread.
    pub(crate) fn reset(&self) {
        self.state.store(WAITING, Ordering::Relaxed);
        self.time_to_be_fair.store(0, Ordering::Relaxed);
        self.handed_off.store(false, Ordering::Relaxed);
    }

    /// A node for green thread `task` of a scheduler.
    pub(crate) fn green(waker: std::sync::Weak<dyn GreenWaker>, task: usize) -> WaitNode {
        WaitNode {
            green: Some((waker, task)),
            ..WaitNode::blank(None)
        }
    }

    /// Ends the wait with `to`; false if it had already ended.
    fn wake(&self, to: u8) -> bool {
        if self
            .state
            .compare_exchange(WAITING, to, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        // The waker's `Arc` keeps the node (and its thread handle) alive.
        if let Some(t) = &self.thread {
            t.unpark();
        }
        if let Some((waker, task)) = &self.green
            && let Some(w) = waker.upgrade()
        {
            w.wake(*task);
        }
        true
    }

    fn result(state: u8) -> Option<ParkResult> {
        match state {
            UNPARKED => Some(ParkResult::Unparked),
            INTERRUPTED => Some(ParkResult::Interrupted),
            _ => None,
        }
    }

    /// How the wait ended: `None` while still waiting.
    pub(crate) fn outcome(&self) -> Option<ParkResult> {
        WaitNode::result(self.state.load(Ordering::Acquire))
    }

    /// Ends a green wait by timeout (the scheduler's timer fired).
    pub(crate) fn time_out(&self) -> bool {
        self.state
            .compare_exchange(WAITING, INTERRUPTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Sleeps until the wait ends or `deadline` (runtime-clock ns) passes.
    fn sleep(&self, deadline: Option<u64>) -> ParkResult {
        loop {
            if let Some(r) = WaitNode::result(self.state.load(Ordering::Acquire)) {
                return r;
            }
            match deadline {
                None => park_forever(),
                Some(d) => {
                    let now = crate::loom::monotonic_ns();
                    if now >= d || cfg!(any(loom, not(has_host_clock))) {
                        // (Under loom a timeout may fire at any moment:
                        // model it firing now. Without a clock, time
                        // cannot be waited for: the timeout is spent.)
                        return ParkResult::Timeout;
                    }
                    park_for(std::time::Duration::from_nanos(d - now));
                }
            }
        }
    }
}

/// Parks the calling OS thread until unparked (or spuriously).
fn park_forever() {
    #[cfg(any(has_os_threads, loom))]
    crate::loom::thread::park();
    #[cfg(not(any(has_os_threads, loom)))]
    crate::fatal::fatal_error(
        "_PyParkingLot_Park",
        "deadlock: waiting for an event that no thread can deliver",
    );
}

/// Parks the calling OS thread for at most `d`.
fn park_for(d: Duration) {
    #[cfg(all(has_os_threads, not(loom)))]
    std::thread::park_timeout(d);
    #[cfg(all(not(has_os_threads), has_host_clock, not(loom)))]
    std::thread::sleep(d);
    #[cfg(any(loom, all(not(has_os_threads), not(has_host_clock))))]
    let _ = d;
}

struct Waiter {
    key: usize,
    node: Arc<WaitNode>,
}

/// A set of wait queues.
pub struct ParkingLot {
    buckets: Box<[Mutex<VecDeque<Waiter>>]>,
}

impl std::fmt::Debug for ParkingLot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParkingLot")
            .field("buckets", &self.buckets.len())
            .finish()
    }
}

const NUM_BUCKETS: usize = 257;

/// Where a thread registers its current wait so that it can be
/// interrupted (one per thread state).
///
/// Waits are what is frequent (every blocking lock acquire registers and
/// unregisters one), interrupts rare (pending calls, async exceptions):
/// so a wait costs the slot's lock and one atomic swap, and an interrupt
/// takes the lock too. `interrupt` sets `pending`, then looks in the
/// slot under its lock; `register` fills the slot under the lock, then
/// takes `pending`. The swaps of `pending` and the lock's acquisitions
/// are all in one order, so either the registering side sees the
/// interrupt's `pending` or the interrupting side sees the node (a
/// double wake-up is harmless: a node is woken at most once). A thread
/// state keeps its interrupter in a [`LineIsolated`], so the interrupting
/// thread's writes do not evict what the owner reads.
#[derive(Debug, Default)]
pub struct Interrupter {
    /// The owner's current wait, if any.
    slot: Mutex<Option<Arc<WaitNode>>>,
    /// An interrupt arrived: the next wait (or the current one) ends.
    pending: AtomicBool,
}

impl Interrupter {
    /// A fresh interrupter.
    pub fn new() -> Interrupter {
        Interrupter::default()
    }

    /// Wakes the owner's current park with [`ParkResult::Interrupted`], or
    /// makes its next park return immediately.
    pub fn interrupt(&self) {
        self.pending.swap(true, Ordering::SeqCst);
        let slot = lock(&self.slot);
        if let Some(node) = &*slot
            && self.pending.swap(false, Ordering::SeqCst)
        {
            node.wake(INTERRUPTED);
        }
    }

    /// Forgets an interrupt that arrived while not parked.
    pub fn clear(&self) {
        if self.pending.load(Ordering::Relaxed) {
            self.pending.store(false, Ordering::Relaxed);
        }
    }

    /// Registers `node` as the owner's current wait; if an interrupt is
    /// already pending, consumes it and wakes the node at once.
    pub(crate) fn register(&self, node: &Arc<WaitNode>) {
        *lock(&self.slot) = Some(node.clone());
        if self.pending.swap(false, Ordering::SeqCst) {
            node.wake(INTERRUPTED);
        }
    }

    /// Forgets the owner's current wait.
    pub(crate) fn unregister(&self) {
        let old = lock(&self.slot).take();
        // (The node's count falls with the lock released.)
        drop(old);
    }
}

/// A value with a cache line of padding on each side: nothing else shares
/// its lines, without the cost of an over-aligned allocation.
#[derive(Debug)]
#[repr(C)]
pub struct LineIsolated<T> {
    _before: [u8; 64],
    value: T,
    _after: [u8; 64],
}

impl<T> LineIsolated<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> LineIsolated<T> {
        LineIsolated {
            _before: [0; 64],
            value,
            _after: [0; 64],
        }
    }
}

impl<T> std::ops::Deref for LineIsolated<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl Default for ParkingLot {
    fn default() -> Self {
        ParkingLot::new()
    }
}

impl ParkingLot {
    /// An empty parking lot.
    pub fn new() -> ParkingLot {
        ParkingLot {
            buckets: (0..NUM_BUCKETS)
                .map(|_| Mutex::new(VecDeque::new()))
                .collect(),
        }
    }

    /// The process-wide parking lot (`_PyParkingLot`).
    #[cfg(not(loom))]
    pub fn global() -> &'static ParkingLot {
        static LOT: std::sync::OnceLock<ParkingLot> = std::sync::OnceLock::new();
        LOT.get_or_init(ParkingLot::new)
    }

    fn bucket(&self, key: usize) -> &Mutex<VecDeque<Waiter>> {
        &self.buckets[(key ^ (key >> 7)) % NUM_BUCKETS]
    }

    /// `_PyParkingLot_Park`: sleeps on `key` if `validate()` (run under the
    /// bucket lock) holds, until unparked, timed out, or interrupted through
    /// `interrupter`. `prepare` sets the node's hand-off fields before it
    /// becomes visible. `around_sleep` wraps the sleep itself (releasing the
    /// GIL while asleep, as CPython's `detach` does).
    pub fn park(
        &self,
        key: usize,
        validate: impl FnOnce() -> bool,
        prepare: impl FnOnce(&WaitNode),
        timeout: Option<Duration>,
        interrupter: Option<&Interrupter>,
        around_sleep: &mut dyn FnMut(&mut dyn FnMut() -> ParkResult) -> ParkResult,
    ) -> (ParkResult, Arc<WaitNode>) {
        let node = WaitNode::for_current_thread();
        prepare(&node);
        {
            let mut q = lock(self.bucket(key));
            if !validate() {
                return (ParkResult::Again, node);
            }
            q.push_back(Waiter {
                key,
                node: node.clone(),
            });
        }
        if let Some(int) = interrupter {
            int.register(&node);
        }
        let deadline = timeout.map(|t| {
            crate::loom::monotonic_ns()
                .saturating_add(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX))
        });
        let mut sleep = || node.sleep(deadline);
        let mut result = around_sleep(&mut sleep);
        if let Some(int) = interrupter {
            int.unregister();
        }
        if result != ParkResult::Unparked {
            // Timed out or interrupted: leave the queue, unless an unpark
            // dequeued us meanwhile, in which case it counts as a wake-up
            // (its callback already ran for us).
            let mut q = lock(self.bucket(key));
            let before = q.len();
            q.retain(|w| !Arc::ptr_eq(&w.node, &node));
            if q.len() == before {
                result = ParkResult::Unparked;
            }
        }
        (result, node)
    }

    /// Queues a prepared node on `key` if `validate()` holds under the
    /// bucket lock (the first half of `park`, for waits that do not block
    /// an OS thread). `false`: validation failed, nothing queued.
    pub(crate) fn enqueue(
        &self,
        key: usize,
        validate: impl FnOnce() -> bool,
        node: &Arc<WaitNode>,
    ) -> bool {
        let mut q = lock(self.bucket(key));
        if !validate() {
            return false;
        }
        q.push_back(Waiter {
            key,
            node: node.clone(),
        });
        true
    }

    /// Removes a node from `key`'s queue; `false` if an unpark took it
    /// first (which then counts as a wake-up).
    pub(crate) fn dequeue(&self, key: usize, node: &Arc<WaitNode>) -> bool {
        let mut q = lock(self.bucket(key));
        let before = q.len();
        q.retain(|w| !Arc::ptr_eq(&w.node, node));
        q.len() != before
    }

    /// `_PyParkingLot_Unpark`: wakes the first waiter of `key`. `f` runs
    /// under the bucket lock with the waiter (if any) and whether more
    /// waiters of `key` remain.
    pub fn unpark_one(&self, key: usize, f: impl FnOnce(Option<&WaitNode>, bool)) -> bool {
        let mut q = lock(self.bucket(key));
        // Most buckets hold one key's waiters: the first is the one.
        let waiter = if q.front().is_some_and(|w| w.key == key) {
            q.pop_front()
        } else {
            let pos = q.iter().position(|w| w.key == key);
            pos.and_then(|i| q.remove(i))
        };
        let has_more = q.iter().any(|w| w.key == key);
        f(waiter.as_ref().map(|w| &*w.node), has_more);
        drop(q);
        match waiter {
            Some(w) => {
                w.node.wake(UNPARKED);
                true
            }
            None => false,
        }
    }

    /// `_PyParkingLot_UnparkAll`: wakes every waiter of `key`.
    pub fn unpark_all(&self, key: usize) -> usize {
        let woken: Vec<Waiter> = {
            let mut q = lock(self.bucket(key));
            // The common cases without reshuffling the queue: nobody
            // waiting on `key` (an event set before anyone waits), or
            // everyone in the bucket waiting on it.
            let mine = q.iter().filter(|w| w.key == key).count();
            if mine == 0 {
                return 0;
            }
            if mine == q.len() {
                q.drain(..).collect()
            } else {
                let (mine, rest): (VecDeque<Waiter>, VecDeque<Waiter>) =
                    q.drain(..).partition(|w| w.key == key);
                *q = rest;
                mine.into_iter().collect()
            }
        };
        for w in &woken {
            w.node.wake(UNPARKED);
        }
        woken.len()
    }

    /// Number of threads waiting on `key`.
    pub fn waiters(&self, key: usize) -> usize {
        lock(self.bucket(key))
            .iter()
            .filter(|w| w.key == key)
            .count()
    }
}

/// Sleeps without releasing anything.
#[cfg(test)]
pub(crate) fn plain_sleep(sleep: &mut dyn FnMut() -> ParkResult) -> ParkResult {
    sleep()
}

#[cfg(all(test, not(loom), has_os_threads))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn validate_failure_returns_again() {
        let lot = ParkingLot::new();
        let (r, _) = lot.park(1, || false, |_| {}, None, None, &mut plain_sleep);
        assert_eq!(r, ParkResult::Again);
        assert_eq!(lot.waiters(1), 0);
    }

    #[test]
    fn timeout_and_unpark() {
        let lot = Arc::new(ParkingLot::new());
        let (r, _) = lot.park(
            7,
            || true,
            |_| {},
            Some(Duration::from_millis(5)),
            None,
            &mut plain_sleep,
        );
        assert_eq!(r, ParkResult::Timeout);
        assert_eq!(lot.waiters(7), 0);
        let flag = Arc::new(AtomicUsize::new(0));
        let l2 = lot.clone();
        let f2 = flag.clone();
        let h = std::thread::spawn(move || {
            let (r, _) = l2.park(
                7,
                || f2.load(Ordering::SeqCst) == 0,
                |_| {},
                None,
                None,
                &mut plain_sleep,
            );
            r
        });
        while lot.waiters(7) == 0 {
            std::thread::yield_now();
        }
        flag.store(1, Ordering::SeqCst);
        let mut saw = None;
        assert!(lot.unpark_one(7, |w, more| saw = Some((w.is_some(), more))));
        assert_eq!(saw, Some((true, false)));
        assert_eq!(h.join().unwrap(), ParkResult::Unparked);
    }

    #[test]
    fn interrupt_wakes_a_parked_thread_and_is_not_lost_before_parking() {
        let lot = Arc::new(ParkingLot::new());
        let int = Arc::new(Interrupter::new());
        int.interrupt();
        let (r, _) = lot.park(3, || true, |_| {}, None, Some(&int), &mut plain_sleep);
        assert_eq!(r, ParkResult::Interrupted);
        let (l2, i2) = (lot.clone(), int.clone());
        let h = std::thread::spawn(move || {
            l2.park(3, || true, |_| {}, None, Some(&i2), &mut plain_sleep)
                .0
        });
        while lot.waiters(3) == 0 {
            std::thread::yield_now();
        }
        int.interrupt();
        assert_eq!(h.join().unwrap(), ParkResult::Interrupted);
        assert_eq!(lot.waiters(3), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// An interrupt racing with a thread about to park is never lost: the
    /// park ends with `Interrupted` (a lost one would deadlock the model).
    #[test]
    fn loom_interrupt_is_never_lost() {
        loom::model(|| {
            let lot = Arc::new(ParkingLot::new());
            let int = Arc::new(Interrupter::new());
            let (lot2, int2) = (lot.clone(), int.clone());
            let owner = loom::thread::spawn(move || {
                let (res, _) =
                    lot2.park(1, || true, |_| {}, None, Some(&int2), &mut |sleep| sleep());
                res
            });
            int.interrupt();
            assert_eq!(owner.join().unwrap(), ParkResult::Interrupted);
        });
    }
}
