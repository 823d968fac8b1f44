//! The byte account of a runtime and its optional limit.
//!
//! Every byte a runtime obtains from its host — blocks of the malloc
//! family (counted at their usable size) and pymalloc arenas — is reserved
//! here before it is taken, and released when it is given back. With a
//! limit set, a reservation that would exceed it fails, the allocation
//! returns NULL, and the VM raises `MemoryError`; nothing else changes, so
//! the runtime stays usable (DESIGN.md decision 6).
//!
//! Concurrency: the RAW domain is used without the GIL, so the account is
//! lock-free: `used` only changes by compare-and-swap against `limit`.
//! Invariant (model-checked by `loom_account_never_exceeds_limit`):
//! `used <= limit` at every instant, and `used` equals the sum of live
//! reservations.

use crate::loom::sync::atomic::{AtomicUsize, Ordering};

/// No limit.
pub const UNLIMITED: usize = usize::MAX;

/// Bytes in use, their high-water mark, and the limit.
#[derive(Debug)]
pub struct Account {
    used: AtomicUsize,
    peak: AtomicUsize,
    limit: AtomicUsize,
}

impl Default for Account {
    fn default() -> Self {
        Account::new()
    }
}

impl Account {
    /// An empty, unlimited account.
    pub fn new() -> Account {
        Account {
            used: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            limit: AtomicUsize::new(UNLIMITED),
        }
    }

    /// Reserves `n` bytes; `false` if that would exceed the limit.
    #[inline]
    pub fn try_reserve(&self, n: usize) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        let mut cur = self.used.load(Ordering::Relaxed);
        loop {
            let Some(new) = cur.checked_add(n).filter(|&v| v <= limit) else {
                return false;
            };
            match self
                .used
                .compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    self.raise_peak(new);
                    return true;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds `n` bytes without checking the limit: settles an allocator's
    /// rounding after a reservation already passed the check.
    #[inline]
    pub(crate) fn force_reserve(&self, n: usize) {
        let new = self.used.fetch_add(n, Ordering::Relaxed) + n;
        self.raise_peak(new);
    }

    /// Raises the high-water mark to `new`; a plain load in the common case
    /// where the mark is already higher.
    #[inline]
    fn raise_peak(&self, new: usize) {
        if new > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(new, Ordering::Relaxed);
        }
    }

    /// Releases `n` previously reserved bytes.
    #[inline]
    pub fn release(&self, n: usize) {
        let prev = self.used.fetch_sub(n, Ordering::Relaxed);
        debug_assert!(prev >= n, "memory account released more than it reserved");
    }

    /// Bytes currently held.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The most bytes ever held at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// The limit ([`UNLIMITED`] if none).
    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// Sets the limit. Lowering it below what is in use makes later
    /// allocations fail until enough is freed; nothing is reclaimed.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn limit_refuses_and_recovers() {
        let a = Account::new();
        a.set_limit(100);
        assert!(a.try_reserve(60));
        assert!(!a.try_reserve(41));
        assert!(a.try_reserve(40));
        assert_eq!(a.used(), 100);
        a.release(60);
        assert!(a.try_reserve(50));
        assert_eq!(a.peak(), 100);
        assert!(!a.try_reserve(usize::MAX));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two threads reserving and releasing against a limit: the limit is
    /// never exceeded and the count is exact afterwards.
    #[test]
    fn loom_account_never_exceeds_limit() {
        loom::model(|| {
            let a = Arc::new(Account::new());
            a.set_limit(3);
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let a = a.clone();
                    loom::thread::spawn(move || {
                        let mut held = 0;
                        for _ in 0..2 {
                            if a.try_reserve(1) {
                                held += 1;
                                assert!(a.used() <= 3);
                            }
                        }
                        held
                    })
                })
                .collect();
            let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(total, 3);
            assert_eq!(a.used(), 3);
            a.release(3);
            assert_eq!(a.used(), 0);
        });
    }
}
