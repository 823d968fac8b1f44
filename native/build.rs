//! `wasm_threads`: the wasm32-wasip1-threads build (the threaded module),
//! whose host — pyrt's own — provides the `pyrt` import module.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wasm_threads)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") && target.ends_with("-threads") {
        println!("cargo::rustc-cfg=wasm_threads");
    }
}
