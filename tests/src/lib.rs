//! Conformance runners for pyrt: CPython 3.13's recorded behaviour,
//! checked in process.
//!
//! - [`config_cases`]: the configuration cases of
//!   `shared/conformance/config/` (`pyrt-conformance config FILE.jsonl`).

pub mod config_cases;
