//! Low-level synchronization: the parking lot, `PyMutex`, critical
//! sections.
//!
//! Mirrors `Python/parking_lot.c`, `Python/lock.c` and
//! `Python/critical_section.c` (CPython 3.13).
//!
//! - [`parking_lot`]: threads wait on an address (a *key*); a waker wakes
//!   one or all waiters of a key and can, while the bucket is locked, run a
//!   callback that sees the waiter (how `PyMutex` hands the lock off). Parks
//!   may release the GIL while asleep (`detach`) and be interrupted (a
//!   pending call to a sleeping main thread).
//! - [`PyMutex`]: one byte, `LOCKED | HAS_PARKED`; uncontended lock and
//!   unlock are one compare-and-swap each; a contended unlock wakes one
//!   waiter and hands the lock straight to it if it waited over 1 ms.
//! - `doorbell`: a sleeper woken by a ring that costs nothing while nobody
//!   sleeps (the emulated scheduler's idle wait).
//! - [`critical_section`]: the API of `Py_BEGIN_CRITICAL_SECTION` with the
//!   GIL build's semantics (the GIL already serializes: nothing is locked).
//!
//! The parking lot is process-wide, as in CPython (a PyMutex is one byte and
//! carries no runtime pointer); it holds no runtime state, only the queues
//! of threads that are currently waiting.

pub mod critical_section;
#[cfg(any(loom, has_os_threads))]
pub(crate) mod doorbell;
mod mutex;
pub mod parking_lot;

pub use mutex::{LockFlags, LockStatus, PyMutex, TIME_TO_BE_FAIR_NS};
pub use parking_lot::{Interrupter, ParkResult, ParkingLot};
