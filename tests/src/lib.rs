//! Conformance runners for pyrt: CPython 3.13's recorded behaviour,
//! checked in process.
//!
//! - [`config_cases`]: the configuration cases of
//!   `shared/conformance/config/` (`pyrt-conformance config FILE.jsonl`).
//! - [`mem_faults`]: memory faults under the debug hooks, reported as
//!   CPython reports them (`pyrt-conformance mem-faults`).
//! - [`fuzz_frontend`]: a mutation fuzzer for the parser and compiler
//!   (`pyrt-conformance fuzz-frontend`).
//! - [`vm_cases`]: Python snippets with CPython 3.13's output
//!   (`pyrt-conformance vm-cases`).

pub mod config_cases;
pub mod fuzz_frontend;
pub mod mem_faults;
pub mod vm_cases;
