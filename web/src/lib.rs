//! `pyrt-web`: pyrt for JavaScript — the wasm-bindgen facade the npm
//! package (`web/pkg/`) wraps.
//!
//! Built for `wasm32-unknown-unknown`, where Python threads are emulated
//! green threads and the page's event loop drives the runtime in time
//! slices. Everything here is glue: the runtime's own
//! [`pyrt::vm::session::Session`] does the work; this crate gives it a
//! JavaScript clock, standard streams that call JavaScript functions, an
//! in-memory file system, and turns its results into JavaScript values.
//!
//! On other targets the crate is empty (so `cargo test --workspace` builds
//! it natively).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod bindings;
