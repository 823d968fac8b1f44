//! Turns the target into capability cfgs; code tests capabilities, never
//! target names (see wasmtime's docs/contributing-conditional-compilation.md).
//!
//! - `has_os_threads`: `std::thread::spawn` works (native, and wasm32 with
//!   the `atomics` feature such as wasm32-wasip1-threads).
//! - `has_host_fs`: `std::fs` reaches a real file system (not
//!   wasm32-unknown-unknown, where every call fails).
//! - `has_host_clock`: `std::time::Instant::now()` works (it panics on
//!   wasm32-unknown-unknown).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_os_threads)");
    println!("cargo::rustc-check-cfg=cfg(has_host_fs)");
    println!("cargo::rustc-check-cfg=cfg(has_host_clock)");
    println!("cargo::rustc-check-cfg=cfg(loom)");
    // The compiler's version for `sys.version` (`Py_GetCompiler()`).
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=PYRT_RUSTC_VERSION={version}");
    println!("cargo::rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let wasm = arch == "wasm32" || arch == "wasm64";
    // wasm32-wasip1-threads enables atomics and shared memory without
    // reporting `target_feature="atomics"` (rustc 1.95 prints the same
    // cfgs as wasm32-wasip1): its name is the only sign.
    let threads_target = std::env::var("TARGET").is_ok_and(|t| t.ends_with("-threads"));
    let atomics = features.split(',').any(|f| f == "atomics") || threads_target;
    if !wasm || atomics {
        println!("cargo::rustc-cfg=has_os_threads");
    }
    let bare = wasm && os == "unknown";
    if !bare {
        println!("cargo::rustc-cfg=has_host_fs");
        println!("cargo::rustc-cfg=has_host_clock");
    }
}
