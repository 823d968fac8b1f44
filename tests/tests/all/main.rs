//! pyrt's integration tests: one binary, a module per area.

mod config;
mod config_props;
mod lifecycle;
mod mem;
mod sched;
mod threads;
mod vm_threads;

use std::path::PathBuf;

/// `tests/data/...` of this crate.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(rel)
}
