//! Builds the guests — `pyrt-native` for wasm32-wasip2, which is a
//! component exporting `wasi:cli/run`, and for wasm32-wasip1-threads, the
//! threaded core module — unless `PYRT_COMPONENT` / `PYRT_THREADED_MODULE`
//! name prebuilt ones. A nested cargo with its own target directory (sharing
//! the outer one deadlocks on its lock) and a clean environment.

use std::path::PathBuf;
use std::process::Command;

/// (prebuilt-file variable, the path variable the host reads, target).
const GUESTS: [(&str, &str, &str); 2] = [
    ("PYRT_COMPONENT", "PYRT_COMPONENT_PATH", "wasm32-wasip2"),
    (
        "PYRT_THREADED_MODULE",
        "PYRT_THREADED_MODULE_PATH",
        "wasm32-wasip1-threads",
    ),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest
        .parent()
        .expect("host/ is in the workspace")
        .to_path_buf();
    let target_dir = root.join("target").join("wasm-guest");
    let mut watching = false;
    for (prebuilt, path_var, target) in GUESTS {
        println!("cargo:rerun-if-env-changed={prebuilt}");
        if let Ok(p) = std::env::var(prebuilt) {
            println!("cargo:rustc-env={path_var}={p}");
            continue;
        }
        if !watching {
            for dir in ["runtime/src", "native/src", "native/build.rs", "wit"] {
                println!("cargo:rerun-if-changed={}", root.join(dir).display());
            }
            for file in ["Cargo.lock", "Cargo.toml"] {
                println!("cargo:rerun-if-changed={}", root.join(file).display());
            }
            watching = true;
        }
        build_guest(&root, &target_dir, target);
        let wasm = target_dir
            .join(target)
            .join("wasm-release")
            .join("pyrt-native.wasm");
        println!("cargo:rustc-env={path_var}={}", wasm.display());
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
