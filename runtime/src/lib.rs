//! pyrt: CPython's runtime core, rebuilt in Rust for WebAssembly.
//!
//! The parts of CPython documented in the C-API chapters "Initialization,
//! Finalization, and Threads", "Python Initialization Configuration" and
//! "Memory Management", with CPython 3.13's observable behaviour, and no
//! process globals: every piece of state lives in a [`Runtime`] value.
//!
//! - [`config`]: `PyPreConfig`, `PyConfig`, `PyStatus`, the command line and
//!   the environment.
//! - [`lifecycle`]: pre-initialization, initialization phases,
//!   finalization, `Py_RunMain`, process-wide parameters.
//! - [`interp`], [`thread`], [`gil`]: interpreters, thread states, the GIL
//!   and the eval breaker, `PyGILState_*`.
//! - [`sched`]: the two thread backends (OS threads, emulated green
//!   threads with deterministic scheduling); [`lock`]: the locks behind
//!   `threading`.
//! - [`pending`], [`tss`], [`trace`], [`sync`]: pending calls,
//!   thread-specific storage, trace/profile hooks, `PyMutex`.
//! - [`mem`]: allocator domains, pymalloc, debug hooks, tracemalloc, limits.
//! - [`platform`]: the host a runtime runs on (environment, stdio, files,
//!   clock).
//! - [`vm`]: the Python subset that makes all of this do real work: parser,
//!   compiler, objects, a suspendable eval loop, builtins and modules.

pub mod codecs;
pub mod config;
pub mod fatal;
pub mod gil;
pub mod gil_log;
pub mod interp;
pub mod lifecycle;
#[cfg(not(loom))]
pub mod lock;
mod loom;
pub mod mem;
pub mod pending;
pub mod platform;
#[cfg(not(loom))]
pub mod sched;
mod status;
pub mod sync;
pub mod thread;
pub mod trace;
pub mod tss;
#[cfg(not(loom))]
pub mod vm;
pub mod warnings;
mod wstr;

pub use config::{Args, Config, PreConfig};
pub use lifecycle::{Executor, MainTarget, Runtime};
pub use platform::Platform;
pub use status::{InitResult, Status};
pub use wstr::{EncodeError, WString, WideStringList};
