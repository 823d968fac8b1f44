//! Memory: the debug-hook fault runner, and allocation through a runtime.

use pyrt::mem::Domain;
use pyrt::platform::{Environ, Platform};
use pyrt::{Config, Runtime};
use pyrt_conformance::mem_faults;

use crate::data;

/// Every fault kind is detected with CPython's report and aborts.
#[test]
fn mem_faults_are_reported_like_cpython() {
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_pyrt-conformance"));
    let (passed, failed) = mem_faults::run_all(exe, &data("mem_faults"));
    let msg: String = failed
        .iter()
        .map(|(k, w)| format!("FAIL {k}\n{w}"))
        .collect();
    assert!(failed.is_empty(), "{msg}");
    assert_eq!(passed, mem_faults::KINDS.len());
}

fn runtime(env: &[(&str, &str)]) -> Runtime {
    let (platform, _out) = Platform::captured(
        Environ::from_pairs(env.iter().copied()),
        Some(b"/".to_vec()),
    );
    Runtime::new(platform)
}

#[test]
fn pythonmalloc_selects_the_allocator() {
    let mut cases = vec![
        ("", "pymalloc"),
        ("default", "pymalloc"),
        ("malloc", "malloc"),
        ("debug", "pymalloc_debug"),
        ("pymalloc_debug", "pymalloc_debug"),
        ("malloc_debug", "malloc_debug"),
    ];
    if pyrt::mem::HAS_MIMALLOC {
        cases.push(("mimalloc", "mimalloc"));
        cases.push(("mimalloc_debug", "mimalloc_debug"));
    }
    for (var, want) in cases {
        let rt = runtime(&[("LANG", "C.UTF-8"), ("PYTHONMALLOC", var)]);
        rt.initialize_from_config(&Config::python()).unwrap();
        assert_eq!(
            rt.mem().allocator_name(),
            Some(want),
            "PYTHONMALLOC={var:?}"
        );
        rt.finalize();
    }
    // -X dev picks the debug hooks when PYTHONMALLOC is unset.
    let rt = runtime(&[("LANG", "C.UTF-8"), ("PYTHONDEVMODE", "1")]);
    rt.initialize_from_config(&Config::python()).unwrap();
    assert_eq!(rt.mem().allocator_name(), Some("pymalloc_debug"));
    rt.finalize();
}

#[test]
fn tracemalloc_option_starts_tracing() {
    let rt = runtime(&[("LANG", "C.UTF-8"), ("PYTHONTRACEMALLOC", "5")]);
    rt.initialize_from_config(&Config::python()).unwrap();
    let mem = rt.mem();
    assert!(mem.tracemalloc().is_tracing());
    assert_eq!(mem.tracemalloc().traceback_limit(), 5);
    // SAFETY: single thread, the only user of the domains.
    unsafe {
        let p = mem.malloc(Domain::Obj, 123);
        assert_eq!(mem.tracemalloc().traced_memory().0, 123);
        mem.free(Domain::Obj, p);
    }
    rt.finalize();
    assert!(!mem.tracemalloc().is_tracing());
}

#[test]
fn memory_limit_survives_reinitialization() {
    let rt = runtime(&[("LANG", "C.UTF-8")]);
    rt.set_memory_limit(Some(10 << 20));
    for _ in 0..2 {
        rt.initialize_from_config(&Config::python()).unwrap();
        let mem = rt.mem();
        assert_eq!(mem.stats().limit, Some(10 << 20));
        // SAFETY: single thread.
        unsafe {
            assert!(mem.malloc(Domain::Raw, 20 << 20).is_null());
            let p = mem.malloc(Domain::Raw, 1 << 20);
            assert!(!p.is_null());
            mem.free(Domain::Raw, p);
        }
        rt.finalize();
    }
}

#[test]
fn malloc_stats_are_printed_at_exit() {
    let env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PYTHONMALLOCSTATS", "1")]);
    let (platform, out) = Platform::captured(env, Some(b"/".to_vec()));
    let rt = Runtime::new(platform);
    rt.initialize_from_config(&Config::python()).unwrap();
    let mem = rt.mem();
    // SAFETY: single thread.
    let blocks: Vec<_> = (0..20_000)
        .map(|_| unsafe { mem.malloc(Domain::Obj, 48) })
        .collect();
    for p in blocks {
        // SAFETY: live OBJ blocks.
        unsafe { mem.free(Domain::Obj, p) };
    }
    rt.finalize();
    let err = String::from_utf8(out.stderr()).unwrap();
    // Once before each new arena, once at exit.
    let dumps = err
        .matches("Small block threshold = 512, in 32 size classes.")
        .count();
    assert!(dumps >= 2, "{err}");
    assert!(err.contains("# arenas allocated total"));
}
