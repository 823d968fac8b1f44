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
//! - [`mem`]: allocator domains, pymalloc, debug hooks, tracemalloc, limits.
//! - [`platform`]: the host a runtime runs on (environment, stdio, files,
//!   clock).

pub mod codecs;
pub mod config;
pub mod lifecycle;
mod loom;
pub mod mem;
pub mod platform;
mod status;
pub mod warnings;
mod wstr;

pub use config::{Args, Config, PreConfig};
pub use lifecycle::{Executor, MainTarget, Runtime};
pub use platform::Platform;
pub use status::{InitResult, Status};
pub use wstr::{EncodeError, WString, WideStringList};
