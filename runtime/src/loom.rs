//! The concurrency facade: `std` normally, `loom` under `--cfg loom`.
//!
//! Every atomic, lock and cell of the concurrency modules (memory account,
//! tracemalloc tables, and later the GIL, parking lot, pending calls, TSS
//! and registries) comes from here, so `RUSTFLAGS="--cfg loom" cargo test
//! --release -p pyrt --lib loom_` model-checks them (tokio's
//! `tokio/src/loom/` does the same).

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) mod sync {
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            AtomicBool, AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize,
            Ordering, fence,
        };
    }
}

#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) mod sync {
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            AtomicBool, AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize,
            Ordering, fence,
        };
    }
}

/// Thread handles and parking (`std::thread` or `loom::thread`).
#[cfg(not(loom))]
pub(crate) mod thread {
    #[cfg(has_os_threads)]
    pub(crate) use std::thread::park;
    pub(crate) use std::thread::{Thread, current};
}

#[cfg(loom)]
pub(crate) mod thread {
    pub(crate) use loom::thread::{Thread, current, park};
}

/// Monotonic nanoseconds for the lock slow paths (`PyTime_MonotonicRaw`).
/// Used only where a thread really waits on another OS thread; loom cannot
/// model time, so under loom it is a constant.
#[cfg(all(not(loom), has_host_clock))]
pub(crate) fn monotonic_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(any(loom, not(has_host_clock)))]
pub(crate) fn monotonic_ns() -> u64 {
    0
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
