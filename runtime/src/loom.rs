//! The concurrency facade: `std` normally, `loom` under `--cfg loom`.
//!
//! Every atomic, lock and cell of the concurrency modules (memory account,
//! tracemalloc tables, and later the GIL, parking lot, pending calls, TSS
//! and registries) comes from here, so `RUSTFLAGS="--cfg loom" cargo test
//! --release -p pyrt --lib loom_` model-checks them (tokio's
//! `tokio/src/loom/` does the same).

#[cfg(not(loom))]
pub(crate) mod sync {
    pub(crate) use std::sync::{Mutex, MutexGuard};
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    }
}

#[cfg(loom)]
pub(crate) mod sync {
    pub(crate) use loom::sync::{Mutex, MutexGuard};
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it
/// (the protected invariants are restored before any call that may panic).
#[cfg(not(loom))]
pub(crate) fn lock<T>(m: &sync::Mutex<T>) -> sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(loom)]
pub(crate) fn lock<T>(m: &sync::Mutex<T>) -> sync::MutexGuard<'_, T> {
    m.lock().unwrap()
}
