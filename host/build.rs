//! Builds the guests — `pyrt-native` for wasm32-wasip2, which is a
//! component exporting `wasi:cli/run`, and for wasm32-wasip1-threads, the
//! threaded core module — unless `PYRT_COMPONENT` / `PYRT_THREADED_MODULE`
//! name prebuilt ones. A nested cargo with its own target directory (sharing
//! the outer one deadlocks on its lock) and a clean environment.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PYRT_COMPONENT");
    println!("cargo:rerun-if-env-changed=PYRT_THREADED_MODULE");
    let component = std::env::var("PYRT_COMPONENT").ok();
    let threaded = std::env::var("PYRT_THREADED_MODULE").ok();
    if let Some(p) = &component {
        println!("cargo:rustc-env=PYRT_COMPONENT_PATH={p}");
    }
    if let Some(p) = &threaded {
        println!("cargo:rustc-env=PYRT_THREADED_MODULE_PATH={p}");
    }
    if component.is_some() && threaded.is_some() {
        return;
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest
        .parent()
        .expect("host/ is in the workspace")
        .to_path_buf();
    for dir in ["runtime/src", "native/src", "wit"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    for file in ["Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let target_dir = root.join("target").join("wasm-guest");
    if component.is_none() {
        build_guest(&root, &target_dir, "wasm32-wasip2");
        let wasm = target_dir
            .join("wasm32-wasip2")
            .join("wasm-release")
            .join("pyrt-native.wasm");
        println!("cargo:rustc-env=PYRT_COMPONENT_PATH={}", wasm.display());
    }
    if threaded.is_none() {
        build_guest(&root, &target_dir, "wasm32-wasip1-threads");
        let wasm = target_dir
            .join("wasm32-wasip1-threads")
            .join("wasm-release")
            .join("pyrt-native.wasm");
        println!(
            "cargo:rustc-env=PYRT_THREADED_MODULE_PATH={}",
            wasm.display()
        );
    }
}

/// `pyrt-native` for `target`, `--profile wasm-release`, in `target_dir`.
fn build_guest(root: &std::path::Path, target_dir: &std::path::Path, target: &str) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "-p",
            "pyrt-native",
            "--target",
            target,
            "--profile",
            "wasm-release",
        ])
        .arg("--target-dir")
        .arg(target_dir);
    for var in [
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo for the guest");
    assert!(status.success(), "building pyrt-native for {target} failed");
}
