//! `PyMutex`: a one-byte mutex.
//!
//! Mirrors `Include/cpython/lock.h` and `Python/lock.c` (3.13).
//!
//! | bit | name | meaning |
//! | --- | --- | --- |
//! | 0 | `LOCKED` | held |
//! | 1 | `HAS_PARKED` | at least one thread is (or is about to be) parked on it |
//!
//! Lock: CAS `0 → LOCKED`. Otherwise, in this GIL build, no spinning
//! (`MAX_SPIN_COUNT` is 0; 40 in free-threaded CPython); set `HAS_PARKED`
//! and park on the byte's address, releasing the GIL while asleep.
//! Unlock: CAS `LOCKED → 0` if nobody is parked; otherwise wake one
//! waiter, and if it has waited longer than 1 ms hand the lock to it
//! directly (the byte stays `LOCKED`), so a thread that keeps re-locking
//! cannot starve it. `HAS_PARKED` stays set while waiters remain.
//! Unlocking an unlocked mutex is a fatal error.

use std::time::Duration;

use super::parking_lot::{ParkResult, ParkingLot, WaitNode};
use crate::loom::sync::atomic::{AtomicU8, Ordering};

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;
const HAS_PARKED: u8 = 2;

/// `TIME_TO_BE_FAIR_NS`: a waiter older than this gets the lock handed off.
pub const TIME_TO_BE_FAIR_NS: u64 = 1_000_000;

/// `_PyLockFlags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockFlags {
    /// `_PY_LOCK_DETACH`: release the GIL while parked.
    pub detach: bool,
    /// `_PY_LOCK_HANDLE_SIGNALS`: an interrupted wait runs pending calls and
    /// may fail with [`LockStatus::Interrupted`].
    pub handle_signals: bool,
}

/// `PyLockStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockStatus {
    /// `PY_LOCK_ACQUIRED`.
    Acquired,
    /// `PY_LOCK_FAILURE`: timed out or would block.
    Failure,
    /// `PY_LOCK_INTR`: interrupted, and a pending call raised.
    Interrupted,
}

/// `PyMutex`. Zero-initialized means unlocked; not recursive.
#[repr(transparent)]
#[derive(Debug, Default)]
pub struct PyMutex {
    bits: AtomicU8,
}

impl PyMutex {
    /// An unlocked mutex (`PyMutex m = {0}`).
    #[cfg(not(loom))]
    pub const fn new() -> PyMutex {
        PyMutex {
            bits: AtomicU8::new(UNLOCKED),
        }
    }

    /// An unlocked mutex.
    #[cfg(loom)]
    pub fn new() -> PyMutex {
        PyMutex {
            bits: AtomicU8::new(UNLOCKED),
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.bits) as usize
    }

    /// The raw byte (`LOCKED = 1`, `HAS_PARKED = 2`).
    pub fn bits(&self) -> u8 {
        self.bits.load(Ordering::Relaxed)
    }

    /// True while held.
    pub fn is_locked(&self) -> bool {
        self.bits() & LOCKED != 0
    }

    /// `PyMutex_Lock`: blocks, releasing the GIL while parked.
    #[inline]
    pub fn lock(&self) {
        if self
            .bits
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        self.lock_timed_in(
            ParkingLot::global_for_mutex(),
            None,
            LockFlags {
                detach: true,
                handle_signals: false,
            },
        );
    }

    /// Takes the lock if free.
    #[inline]
    pub fn try_lock(&self) -> bool {
        let mut v = self.bits.load(Ordering::Relaxed);
        loop {
            if v & LOCKED != 0 {
                return false;
            }
            match self
                .bits
                .compare_exchange(v, v | LOCKED, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(x) => v = x,
            }
        }
    }

    /// `_PyMutex_LockTimed`: `timeout` `None` blocks forever, `Some(ZERO)`
    /// never blocks.
    pub fn lock_timed(&self, timeout: Option<Duration>, flags: LockFlags) -> LockStatus {
        self.lock_timed_in(ParkingLot::global_for_mutex(), timeout, flags)
    }

    pub(crate) fn lock_timed_in(
        &self,
        lot: &ParkingLot,
        timeout: Option<Duration>,
        flags: LockFlags,
    ) -> LockStatus {
        let mut v = self.bits.load(Ordering::Relaxed);
        if v & LOCKED == 0 {
            if self
                .bits
                .compare_exchange(v, v | LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return LockStatus::Acquired;
            }
        } else if timeout == Some(Duration::ZERO) {
            return LockStatus::Failure;
        }
        let now = crate::loom::monotonic_ns();
        let deadline =
            timeout.map(|t| now.saturating_add(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)));
        let time_to_be_fair = now + TIME_TO_BE_FAIR_NS;
        loop {
            if v & LOCKED == 0 {
                match self.bits.compare_exchange(
                    v,
                    v | LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return LockStatus::Acquired,
                    Err(x) => {
                        v = x;
                        continue;
                    }
                }
            }
            // The time left; none left means fail without parking again
            // (CPython passes timeout 0, which fails at the top).
            let remaining = match deadline {
                None => None,
                Some(d) => {
                    let left = d.saturating_sub(crate::loom::monotonic_ns());
                    if left == 0 {
                        return LockStatus::Failure;
                    }
                    Some(Duration::from_nanos(left))
                }
            };
            let mut newv = v;
            if v & HAS_PARKED == 0 {
                newv = v | HAS_PARKED;
                if let Err(x) =
                    self.bits
                        .compare_exchange(v, newv, Ordering::Relaxed, Ordering::Relaxed)
                {
                    v = x;
                    continue;
                }
            }
            let (res, node) = lot.park(
                self.key(),
                || self.bits.load(Ordering::Relaxed) == newv,
                |n: &WaitNode| n.time_to_be_fair.store(time_to_be_fair, Ordering::Relaxed),
                remaining,
                None,
                &mut |sleep| {
                    if flags.detach {
                        crate::thread::while_detached(sleep)
                    } else {
                        sleep()
                    }
                },
            );
            match res {
                ParkResult::Unparked if node.handed_off.load(Ordering::Acquire) => {
                    debug_assert!(self.bits.load(Ordering::Relaxed) & LOCKED != 0);
                    return LockStatus::Acquired;
                }
                ParkResult::Interrupted
                    if flags.handle_signals
                        && crate::pending::make_pending_calls_current().is_err() =>
                {
                    return LockStatus::Interrupted;
                }
                ParkResult::Timeout => return LockStatus::Failure,
                _ => {}
            }
            v = self.bits.load(Ordering::Relaxed);
        }
    }

    /// `PyMutex_Unlock`. Unlocking an unlocked mutex is a fatal error.
    #[inline]
    pub fn unlock(&self) {
        if self
            .bits
            .compare_exchange(LOCKED, UNLOCKED, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        if self.try_unlock_in(ParkingLot::global_for_mutex()).is_err() {
            crate::fatal::fatal_error("PyMutex_Unlock", "unlocking mutex that is not locked");
        }
    }

    /// `_PyMutex_TryUnlock`: `Err(())` if not locked.
    #[allow(clippy::result_unit_err)]
    pub fn try_unlock(&self) -> Result<(), ()> {
        self.try_unlock_in(ParkingLot::global_for_mutex())
    }

    pub(crate) fn try_unlock_in(&self, lot: &ParkingLot) -> Result<(), ()> {
        let mut v = self.bits.load(Ordering::Acquire);
        loop {
            if v & LOCKED == 0 {
                return Err(());
            }
            if v & HAS_PARKED != 0 {
                lot.unpark_one(self.key(), |waiter, has_more| {
                    // mutex_unpark(): runs under the bucket lock.
                    let mut nv = UNLOCKED;
                    if let Some(w) = waiter {
                        let fair =
                            crate::loom::monotonic_ns() > w.time_to_be_fair.load(Ordering::Relaxed);
                        w.handed_off.store(fair, Ordering::Release);
                        if fair {
                            nv |= LOCKED;
                        }
                        if has_more {
                            nv |= HAS_PARKED;
                        }
                    }
                    self.bits.store(nv, Ordering::Release);
                });
                return Ok(());
            }
            match self
                .bits
                .compare_exchange(v, UNLOCKED, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(x) => v = x,
            }
        }
    }
}

impl ParkingLot {
    #[cfg(not(loom))]
    fn global_for_mutex() -> &'static ParkingLot {
        ParkingLot::global()
    }

    #[cfg(loom)]
    fn global_for_mutex() -> &'static ParkingLot {
        panic!("under loom, use the *_in methods with a model-local ParkingLot")
    }
}

#[cfg(all(test, not(loom), has_os_threads))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn one_byte_and_bits_as_cpython() {
        assert_eq!(std::mem::size_of::<PyMutex>(), 1);
        let m = PyMutex::new();
        assert_eq!(m.bits(), 0);
        m.lock();
        assert_eq!(m.bits(), 1);
        assert!(!m.try_lock());
        m.unlock();
        assert_eq!(m.bits(), 0);
        assert_eq!(m.try_unlock(), Err(()));
        assert_eq!(
            m.lock_timed(Some(Duration::ZERO), LockFlags::default()),
            LockStatus::Acquired
        );
        assert_eq!(
            m.lock_timed(Some(Duration::ZERO), LockFlags::default()),
            LockStatus::Failure
        );
        assert_eq!(
            m.lock_timed(Some(Duration::from_millis(2)), LockFlags::default()),
            LockStatus::Failure
        );
        m.unlock();
    }

    #[test]
    fn contended_counter_is_exact() {
        let m = Arc::new(PyMutex::new());
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let (m, c) = (m.clone(), count.clone());
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        m.lock();
                        let v = c.load(Ordering::Relaxed);
                        c.store(v + 1, Ordering::Relaxed);
                        m.unlock();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(count.load(Ordering::Relaxed), 80_000);
        assert_eq!(m.bits(), 0);
    }

    #[test]
    fn parked_waiter_sets_has_parked_and_gets_handed_off_when_starved() {
        let m = Arc::new(PyMutex::new());
        m.lock();
        let m2 = m.clone();
        let h = std::thread::spawn(move || {
            m2.lock();
            m2.unlock();
        });
        while m.bits() != LOCKED | HAS_PARKED {
            std::thread::yield_now();
        }
        // The waiter has waited > 1 ms: unlock hands it the lock directly.
        std::thread::sleep(Duration::from_millis(3));
        m.unlock();
        h.join().unwrap();
        assert_eq!(m.bits(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two threads lock and unlock: mutual exclusion holds, no wake-up is
    /// lost (the model would report a deadlock), and the byte ends at 0.
    #[test]
    fn loom_pymutex_excludes_and_never_loses_a_wakeup() {
        loom::model(|| {
            let lot = Arc::new(ParkingLot::new());
            let m = Arc::new(PyMutex::new());
            let inside = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (lot, m, inside) = (lot.clone(), m.clone(), inside.clone());
                    loom::thread::spawn(move || {
                        assert_eq!(
                            m.lock_timed_in(&lot, None, LockFlags::default()),
                            LockStatus::Acquired
                        );
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        m.try_unlock_in(&lot).unwrap();
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(m.bits(), 0);
        });
    }
}
