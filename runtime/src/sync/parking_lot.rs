//! The parking lot: wait queues keyed by address.
//!
//! Mirrors `Python/parking_lot.c` (3.13). Waiters are kept per bucket
//! (hash of the key), in arrival order. `park` re-checks its condition
//! under the bucket lock before sleeping, so a wake-up that happens
//! between the caller's test and its sleep is never lost (the waker takes
//! the same lock). Each waiter sleeps on its own node (mutex + condvar),
//! which also carries the two fields `PyMutex` needs for hand-off.
//!
//! Protocol of a node's `state` (guarded by the node mutex):
//!
//! | state | set by | meaning |
//! | --- | --- | --- |
//! | `Waiting` | `park` | queued, asleep or about to sleep |
//! | `Unparked` | `unpark_*` (after dequeuing, bucket lock held) | woken; no longer in any queue |
//! | `Interrupted` | [`Interrupter::interrupt`] | woken; still queued until `park` removes it |

use std::collections::VecDeque;
use std::time::Duration;

use crate::loom::lock;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64};
use crate::loom::sync::{Arc, Condvar, Mutex};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    Waiting,
    Unparked,
    Interrupted,
}

/// Notified when a green thread's wait ends (the emulated scheduler).
pub trait GreenWaker: Send + Sync {
    /// The wait of green thread `task` ended.
    fn wake(&self, task: usize);
}

/// One parked thread: an OS thread asleep on the condvar, or a green
/// thread suspended by the emulated scheduler.
pub struct WaitNode {
    state: Mutex<NodeState>,
    cond: Condvar,
    green: Option<(std::sync::Weak<dyn GreenWaker>, usize)>,
    /// `mutex_entry.time_to_be_fair` of a PyMutex waiter.
    pub(crate) time_to_be_fair: AtomicU64,
    /// `mutex_entry.handed_off`: the waker gave this waiter the lock.
    pub(crate) handed_off: AtomicBool,
}

impl std::fmt::Debug for WaitNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitNode")
            .field("green", &self.green.as_ref().map(|g| g.1))
            .finish_non_exhaustive()
    }
}

impl WaitNode {
    fn new() -> WaitNode {
        WaitNode {
            state: Mutex::new(NodeState::Waiting),
            cond: Condvar::new(),
            green: None,
            time_to_be_fair: AtomicU64::new(0),
            handed_off: AtomicBool::new(false),
        }
    }

    /// A node for green thread `task` of a scheduler.
    pub(crate) fn green(waker: std::sync::Weak<dyn GreenWaker>, task: usize) -> WaitNode {
        WaitNode {
            green: Some((waker, task)),
            ..WaitNode::new()
        }
    }

    fn wake(&self, to: NodeState) -> bool {
        let mut st = lock(&self.state);
        if *st != NodeState::Waiting {
            return false;
        }
        *st = to;
        self.cond.notify_one();
        drop(st);
        if let Some((waker, task)) = &self.green
            && let Some(w) = waker.upgrade()
        {
            w.wake(*task);
        }
        true
    }

    /// How the wait ended: `None` while still waiting.
    pub(crate) fn outcome(&self) -> Option<ParkResult> {
        match *lock(&self.state) {
            NodeState::Waiting => None,
            NodeState::Unparked => Some(ParkResult::Unparked),
            NodeState::Interrupted => Some(ParkResult::Interrupted),
        }
    }

    /// Ends a green wait by timeout (the scheduler's timer fired).
    pub(crate) fn time_out(&self) -> bool {
        let mut st = lock(&self.state);
        if *st != NodeState::Waiting {
            return false;
        }
        *st = NodeState::Interrupted;
        true
    }
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
#[derive(Debug, Default)]
pub struct Interrupter {
    slot: Mutex<InterruptSlot>,
}

#[derive(Debug, Default)]
struct InterruptSlot {
    node: Option<Arc<WaitNode>>,
    /// An interrupt arrived while not parked: the next park returns at once.
    pending: bool,
}

impl Interrupter {
    /// A fresh interrupter.
    pub fn new() -> Interrupter {
        Interrupter::default()
    }

    /// Wakes the owner's current park with [`ParkResult::Interrupted`], or
    /// makes its next park return immediately.
    pub fn interrupt(&self) {
        let mut slot = lock(&self.slot);
        match &slot.node {
            Some(node) => {
                node.wake(NodeState::Interrupted);
            }
            None => slot.pending = true,
        }
    }

    /// Forgets an interrupt that arrived while not parked.
    pub fn clear(&self) {
        lock(&self.slot).pending = false;
    }

    /// Registers `node` as the owner's current wait; if an interrupt is
    /// already pending, consumes it and wakes the node at once.
    pub(crate) fn register(&self, node: &Arc<WaitNode>) {
        let mut slot = lock(&self.slot);
        if slot.pending {
            slot.pending = false;
            drop(slot);
            node.wake(NodeState::Interrupted);
        } else {
            slot.node = Some(node.clone());
        }
    }

    /// Forgets the owner's current wait.
    pub(crate) fn unregister(&self) {
        lock(&self.slot).node = None;
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
        let node = Arc::new(WaitNode::new());
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
            let mut slot = lock(&int.slot);
            if slot.pending {
                slot.pending = false;
                drop(slot);
                node.wake(NodeState::Interrupted);
            } else {
                slot.node = Some(node.clone());
            }
        }
        let mut sleep = || -> ParkResult {
            let mut st = lock(&node.state);
            loop {
                match *st {
                    NodeState::Unparked => return ParkResult::Unparked,
                    NodeState::Interrupted => return ParkResult::Interrupted,
                    NodeState::Waiting => {}
                }
                match timeout {
                    None => st = node.cond.wait(st).unwrap_or_else(|e| e.into_inner()),
                    Some(t) => {
                        let (g, res) = node
                            .cond
                            .wait_timeout(st, t)
                            .unwrap_or_else(|e| e.into_inner());
                        st = g;
                        if res.timed_out() && *st == NodeState::Waiting {
                            return ParkResult::Timeout;
                        }
                    }
                }
            }
        };
        let mut result = around_sleep(&mut sleep);
        if let Some(int) = interrupter {
            lock(&int.slot).node = None;
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
        let pos = q.iter().position(|w| w.key == key);
        let waiter = pos.and_then(|i| q.remove(i));
        let has_more = q.iter().any(|w| w.key == key);
        f(waiter.as_ref().map(|w| &*w.node), has_more);
        drop(q);
        match waiter {
            Some(w) => {
                w.node.wake(NodeState::Unparked);
                true
            }
            None => false,
        }
    }

    /// `_PyParkingLot_UnparkAll`: wakes every waiter of `key`.
    pub fn unpark_all(&self, key: usize) -> usize {
        let woken: Vec<Waiter> = {
            let mut q = lock(self.bucket(key));
            let (mine, rest): (VecDeque<Waiter>, VecDeque<Waiter>) =
                q.drain(..).partition(|w| w.key == key);
            *q = rest;
            mine.into_iter().collect()
        };
        for w in &woken {
            w.node.wake(NodeState::Unparked);
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
