//! The debug-hook fault runner (`pyrt-conformance mem-faults`).
//!
//! Each fault kind runs in a child process (`pyrt-conformance mem-fault
//! KIND`): a runtime initialized with `PYTHONMALLOC=debug` commits the
//! fault through the allocator domains, the debug hooks report it and the
//! process aborts, as CPython's does. The parent compares the child's
//! stderr, addresses replaced by `0x?`, with
//! `data/mem_faults/KIND.expected` (CPython's own report where CPython
//! detects the fault) and requires death by SIGABRT.

use std::ffi::c_void;
use std::path::Path;
use std::process::Command;

use pyrt::mem::Domain;
use pyrt::platform::{Environ, Platform};
use pyrt::{Config, Runtime};

/// The fault kinds, with whether tracemalloc is on.
pub const KINDS: &[(&str, bool)] = &[
    ("overflow", false),
    ("underflow", false),
    ("overflow-100", false),
    ("realloc-overflow", false),
    ("api-mismatch-obj-freed-as-mem", false),
    ("api-mismatch-raw-freed-as-mem", false),
    ("overflow-with-tracemalloc", true),
    ("double-free", false),
    ("write-after-free", false),
    ("mem-without-gil", false),
];

/// Runs one fault in this process. Returns only if it was not detected.
pub fn commit(kind: &str) -> i32 {
    let tracemalloc = KINDS.iter().any(|(k, t)| *k == kind && *t);
    let mut env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PYTHONMALLOC", "debug")]);
    if tracemalloc {
        env.set(b"PYTHONTRACEMALLOC", b"1");
    }
    let platform = Platform {
        environ: env,
        ..Platform::host()
    };
    let rt = Runtime::new(platform);
    if let Err(e) = rt.initialize_from_config(&Config::python()) {
        return rt.exit_status_exception(&e);
    }
    let mem = rt.mem();
    // SAFETY: this single thread is the only user of every domain; the
    // faults below are deliberate and end the process in the debug hooks.
    unsafe {
        let m = |d: Domain, n: usize| mem.malloc(d, n).cast::<u8>();
        match kind {
            "overflow" | "overflow-with-tracemalloc" => {
                let p = m(Domain::Mem, 16);
                *p.add(16) = b'x';
                mem.free(Domain::Mem, p.cast());
            }
            "underflow" => {
                let p = m(Domain::Mem, 16);
                *p.sub(1) = b'x';
                mem.free(Domain::Mem, p.cast());
            }
            "overflow-100" => {
                let p = m(Domain::Mem, 100);
                std::ptr::write_bytes(p, b'z', 100);
                *p.add(100) = b'x';
                mem.free(Domain::Mem, p.cast());
            }
            "realloc-overflow" => {
                let p = m(Domain::Mem, 16);
                *p.add(16) = b'x';
                mem.realloc(Domain::Mem, p.cast(), 32);
            }
            "api-mismatch-obj-freed-as-mem" => {
                let p = m(Domain::Obj, 16);
                mem.free(Domain::Mem, p.cast());
            }
            "api-mismatch-raw-freed-as-mem" => {
                let p = m(Domain::Raw, 16);
                mem.free(Domain::Mem, p.cast());
            }
            "double-free" => {
                let p = m(Domain::Mem, 16);
                mem.free(Domain::Mem, p.cast());
                mem.free(Domain::Mem, p.cast());
            }
            "write-after-free" => {
                let p = m(Domain::Mem, 16);
                mem.free(Domain::Mem, p.cast());
                *p = b'x';
                *p.add(15) = b'y';
                // Push it out of the quarantine with other frees.
                let others: Vec<*mut c_void> = (0..300).map(|_| m(Domain::Mem, 8).cast()).collect();
                for q in others {
                    mem.free(Domain::Mem, q);
                }
            }
            "mem-without-gil" => {
                // Py_BEGIN_ALLOW_THREADS, then PyMem_Malloc.
                let _saved = pyrt::thread::ThreadState::save();
                let p = m(Domain::Mem, 16);
                mem.free(Domain::Mem, p.cast());
            }
            _ => {
                eprintln!("pyrt-conformance: unknown fault kind {kind:?}");
                return 2;
            }
        }
    }
    eprintln!("fault {kind} was not detected");
    3
}

/// Replaces every `0x` followed by hex digits with `0x?`.
pub fn normalize(stderr: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stderr.len());
    let mut i = 0;
    while i < stderr.len() {
        if stderr[i..].starts_with(b"0x") {
            let digits = stderr[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if digits >= 6 {
                out.extend_from_slice(b"0x?");
                i += 2 + digits;
                continue;
            }
        }
        out.push(stderr[i]);
        i += 1;
    }
    out
}

/// Runs every fault kind through `exe mem-fault KIND`; returns (passed,
/// failures with their explanation).
pub fn run_all(exe: &Path, data: &Path) -> (usize, Vec<(String, String)>) {
    let mut passed = 0;
    let mut failed = Vec::new();
    for (kind, _) in KINDS {
        let want = match std::fs::read(data.join(format!("{kind}.expected"))) {
            Ok(w) => w,
            Err(e) => {
                failed.push(((*kind).to_owned(), format!("no expectation: {e}")));
                continue;
            }
        };
        let out = match Command::new(exe).args(["mem-fault", kind]).output() {
            Ok(o) => o,
            Err(e) => {
                failed.push((
                    (*kind).to_owned(),
                    format!("cannot run {}: {e}", exe.display()),
                ));
                continue;
            }
        };
        let got = normalize(&out.stderr);
        let aborted = aborted(&out.status);
        if got == want && aborted {
            passed += 1;
        } else {
            let mut why = String::new();
            if !aborted {
                why.push_str(&format!("  status {:?}, expected SIGABRT\n", out.status));
            }
            if got != want {
                why.push_str("  stderr differs:\n");
                let g = String::from_utf8_lossy(&got).into_owned();
                let w = String::from_utf8_lossy(&want).into_owned();
                for (gl, wl) in g.lines().zip(w.lines()).filter(|(a, b)| a != b).take(5) {
                    why.push_str(&format!("    got:  {gl}\n    want: {wl}\n"));
                }
                if g.lines().count() != w.lines().count() {
                    why.push_str(&format!(
                        "    {} lines, expected {}\n",
                        g.lines().count(),
                        w.lines().count()
                    ));
                }
            }
            failed.push(((*kind).to_owned(), why));
        }
    }
    (passed, failed)
}

#[cfg(unix)]
fn aborted(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(6)
}

#[cfg(not(unix))]
fn aborted(status: &std::process::ExitStatus) -> bool {
    !status.success()
}
