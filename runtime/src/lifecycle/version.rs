//! Process-wide parameters: `Py_GetVersion()`, `Py_GetPlatform()`,
//! `Py_GetCopyright()`, `Py_GetCompiler()`, `Py_GetBuildInfo()`.
//!
//! pyrt implements CPython 3.13's semantics and reports its version as
//! `3.13.0`, like CPython's alternative implementations report the
//! language version they follow. The build information names pyrt itself
//! in the place CPython puts its git branch: `sys.version` reads
//! `3.13.0 (pyrt-0.1.0, Nov 28 2026, 00:00:00) [rustc 1.95.0]`.

/// `PY_VERSION`: the Python language version pyrt follows.
pub const PY_VERSION: &str = "3.13.0";

/// pyrt's own version.
pub const PYRT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release date of this pyrt version (fixed, so builds are
/// reproducible).
pub const BUILD_DATE: &str = "Nov 28 2026, 00:00:00";

/// `Py_GetBuildInfo()`.
pub fn build_info() -> String {
    format!("pyrt-{PYRT_VERSION}, {BUILD_DATE}")
}

/// `Py_GetCompiler()`.
pub fn compiler() -> String {
    format!("[rustc {}]", env!("PYRT_RUSTC_VERSION"))
}

/// `Py_GetVersion()` (`sys.version`).
pub fn version() -> String {
    format!("{PY_VERSION} ({}) {}", build_info(), compiler())
}

/// `Py_GetPlatform()` (`sys.platform`): CPython's names; `wasi` for the
/// WASI targets (as CPython's WASI build) and `wasm` on a bare
/// `wasm32-unknown-unknown` host such as a browser.
pub fn platform() -> &'static str {
    if cfg!(target_os = "linux") {
        "linux"
    } else if cfg!(target_os = "macos") {
        "darwin"
    } else if cfg!(windows) {
        "win32"
    } else if cfg!(target_os = "wasi") {
        "wasi"
    } else if cfg!(target_os = "emscripten") {
        "emscripten"
    } else if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "unknown"
    }
}

/// `Py_GetCopyright()` (`sys.copyright`).
pub fn copyright() -> &'static str {
    "Copyright (c) 2026 The pyrt authors.\nAll Rights Reserved.\n\n\
     pyrt implements the Python language and the CPython runtime's behaviour;\n\
     Python is Copyright (c) 2001 Python Software Foundation."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_has_cpythons_shape() {
        let v = version();
        assert!(v.starts_with("3.13.0 (pyrt-"));
        assert!(v.contains(", Nov 28 2026, 00:00:00) [rustc "));
        assert!(v.ends_with(']'));
    }
}
