//! `pyrt-bench`: pyrt's counterparts of the C programs in
//! `shared/bench/cpython-c/`, printing the same `REPORT` lines so the two
//! can be put side by side (`bench/compare.py` runs them interleaved).
//!
//! ```text
//! pyrt-bench init [isolated|python|nosite] [CYCLES]   (init.c)
//! pyrt-bench mem [PAIRS]                              (mem.c)
//! pyrt-bench gil [N] | tss [N] | mutex [N]            (gil.c, tss.c, mutex.c)
//! pyrt-bench pending [busy|sleep]                     (pending.c)
//! pyrt-bench gilsched     (pingpong.py, fairness.py, convoy.py at Rust level;
//!                          emulated switch cost)
//! pyrt-bench ir OP N                                  (ir.c: one op N times,
//!     for callgrind; Ir per op = (Ir(OP, 2N) - Ir(OP, N)) / N)
//! ```

use std::ffi::c_void;
use std::hint::black_box;
use std::time::Instant;

use pyrt::config::AllocatorName;
use pyrt::mem::{Domain, Mem};
use pyrt::platform::{Environ, Platform};
use pyrt::{Args, Config, Runtime};

mod threads;

fn median(v: &[f64]) -> f64 {
    let mut c = v.to_vec();
    c.sort_by(|a, b| a.total_cmp(b));
    let n = c.len();
    if n % 2 == 1 {
        c[n / 2]
    } else {
        (c[n / 2 - 1] + c[n / 2]) / 2.0
    }
}

/// `REPORT()` of common.h.
pub(crate) fn report(name: &str, unit: &str, v: &[f64]) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "{name:<44} median {:>10.2} {unit}  (min {min:.2} max {max:.2}, n={})",
        median(v),
        v.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("init") => init(args.get(1).map_or("isolated", String::as_str), args.get(2)),
        Some("mem") => mem(args.get(1)),
        Some("gil") => threads::gil(args.get(1)),
        Some("tss") => threads::tss(args.get(1)),
        Some("mutex") => threads::mutex(args.get(1)),
        Some("pending") => threads::pending(args.get(1).map_or("busy", String::as_str)),
        Some("gilsched") => threads::gilsched(),
        Some("ir") => ir(args.get(1).map_or("none", String::as_str), args.get(2)),
        _ => {
            eprintln!(
                "usage: pyrt-bench init [isolated|python|nosite] [CYCLES] | mem [PAIRS] | gil [N] | tss [N] \
                 | mutex [N] | pending [busy|sleep] | gilsched | ir OP N"
            );
            std::process::exit(2);
        }
    }
}

/// init.c: `PyConfig_Init*Config`, program name, `Py_InitializeFromConfig`,
/// `Py_FinalizeEx`, repeated on one runtime. `python` also reads a command
/// line (`-c pass`) and an environment: the full `python` startup.
fn init(mode: &str, cycles: Option<&String>) {
    let n: usize = cycles.and_then(|c| c.parse().ok()).unwrap_or(50);
    let env = Environ::from_pairs([
        ("LANG", "C.UTF-8"),
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/root"),
    ]);
    let (platform, _out) = Platform::captured(env, Some(b"/".to_vec()));
    let rt = Runtime::new(platform);
    let argv0 = std::env::args_os()
        .next()
        .unwrap_or_default()
        .into_encoded_bytes();
    let (mut ti, mut tf, mut tc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let t0 = Instant::now();
        let mut c = if mode == "python" {
            Config::python()
        } else {
            Config::isolated()
        };
        if mode == "python" {
            let args = Args::Bytes(vec![argv0.clone(), b"-c".to_vec(), b"pass".to_vec()]);
            rt.config_set_args(&mut c, &args).expect("set args");
        } else {
            c.parse_argv = 0;
            let mut name = None;
            rt.config_set_bytes_string(&c, &mut name, &argv0)
                .expect("program name");
            c.program_name = name;
        }
        if mode == "nosite" {
            c.site_import = 0;
        }
        rt.initialize_from_config(&c).expect("initialize");
        let t1 = Instant::now();
        if rt.finalize() < 0 {
            eprintln!("finalize failed");
            std::process::exit(1);
        }
        let t2 = Instant::now();
        ti.push((t1 - t0).as_secs_f64() * 1e6);
        tf.push((t2 - t1).as_secs_f64() * 1e6);
        tc.push((t2 - t0).as_secs_f64() * 1e6);
    }
    let label = match mode {
        "nosite" => "isolated,site_import=0",
        "python" => "python",
        _ => "isolated",
    };
    println!(
        "config={label} cycles={n}  (pyrt {})",
        pyrt::lifecycle::PYRT_VERSION
    );
    if n > 0 {
        report("first cycle init+fin (us)", "us", &tc[..1]);
    }
    if n > 2 {
        report("init (us, cycles 2..n)", "us", &ti[1..]);
        report("finalize (us, cycles 2..n)", "us", &tf[1..]);
        report("cycle (us, cycles 2..n)", "us", &tc[1..]);
    }
    println!("RSS after {n} cycles: {} kB", rss_kb());
}

fn rss_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(-1)
}

const REPS: usize = 7;
const LIVE: usize = 1000;

/// An allocator under test: `alloc(size)`, `free(ptr)`.
trait Alloc {
    fn alloc(&self, n: usize) -> *mut u8;
    fn free(&self, p: *mut u8);
}

struct Libc;
#[cfg(target_os = "linux")]
impl Alloc for Libc {
    #[inline]
    fn alloc(&self, n: usize) -> *mut u8 {
        // SAFETY: libc malloc.
        unsafe { libc::malloc(n).cast() }
    }
    #[inline]
    fn free(&self, p: *mut u8) {
        // SAFETY: `p` came from libc malloc.
        unsafe { libc::free(p.cast()) }
    }
}

struct Dom<'a>(&'a Mem, Domain);
impl Alloc for Dom<'_> {
    #[inline]
    fn alloc(&self, n: usize) -> *mut u8 {
        // SAFETY: this benchmark's single thread is the only user.
        unsafe { self.0.malloc(self.1, n).cast() }
    }
    #[inline]
    fn free(&self, p: *mut u8) {
        // SAFETY: `p` came from this domain; single thread.
        unsafe { self.0.free(self.1, p.cast::<c_void>()) }
    }
}

fn pair(label: &str, a: &dyn Alloc, size: usize, n: usize) {
    let mut v = Vec::new();
    for _ in 0..REPS {
        let t0 = Instant::now();
        for i in 0..n {
            let p = a.alloc(size);
            // SAFETY: `p` has at least `size` >= 1 bytes.
            unsafe { *p = i as u8 };
            black_box(p);
            a.free(p);
        }
        v.push(t0.elapsed().as_secs_f64() * 1e9 / n as f64);
    }
    report(&format!("{label} size {size}"), "ns", &v);
}

fn random(label: &str, a: &dyn Alloc, maxsz: u32, n: usize) {
    let mut v = Vec::new();
    for _ in 0..REPS {
        let mut s: u32 = 12345;
        let mut next = || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            s >> 8
        };
        let mut live: Vec<*mut u8> = (0..LIVE)
            .map(|_| a.alloc((1 + next() % maxsz) as usize))
            .collect();
        let t0 = Instant::now();
        for _ in 0..n {
            let k = (next() as usize) % LIVE;
            a.free(live[k]);
            let z = (1 + next() % maxsz) as usize;
            let p = a.alloc(z);
            // SAFETY: at least one byte.
            unsafe { *p = 1 };
            live[k] = p;
        }
        v.push(t0.elapsed().as_secs_f64() * 1e9 / n as f64);
        for p in live {
            a.free(p);
        }
    }
    report(&format!("{label} random 1..{maxsz} keep {LIVE}"), "ns", &v);
}

/// mem.c: alloc+free pairs per size and random sizes with 1000 live blocks,
/// in the default configuration (malloc for RAW, pymalloc for MEM/OBJ).
fn mem(pairs: Option<&String>) {
    let n: usize = pairs.and_then(|c| c.parse().ok()).unwrap_or(10_000_000);
    let mem = Mem::new(
        AllocatorName::Default,
        std::sync::Arc::new(|_: &[u8], m: &[u8]| {
            eprintln!("Fatal Python error: {}", String::from_utf8_lossy(m));
            std::process::abort()
        }),
    );
    println!(
        "pyrt {}, N={n} pairs per rep, reps={REPS} (ns per alloc+free pair, median of reps)",
        pyrt::lifecycle::PYRT_VERSION
    );
    let raw = Dom(&mem, Domain::Raw);
    let pm = Dom(&mem, Domain::Mem);
    let po = Dom(&mem, Domain::Obj);
    // An initialized CPython has live objects in every size class, so no
    // pair below empties its pool; keep one live block per class likewise.
    let keep: Vec<*mut u8> = (1..=512)
        .step_by(pyrt::mem::ALIGNMENT)
        .map(|n| po.alloc(n))
        .collect();
    for size in [16, 64, 256, 512] {
        #[cfg(target_os = "linux")]
        pair("malloc/free        ", &Libc, size, n);
        pair("PyMem_RawMalloc    ", &raw, size, n);
        pair("PyMem_Malloc       ", &pm, size, n);
        pair("PyObject_Malloc    ", &po, size, n);
    }
    for maxsz in [512, 2048] {
        #[cfg(target_os = "linux")]
        random("malloc/free    ", &Libc, maxsz, n);
        random("PyMem_Malloc   ", &pm, maxsz, n);
        random("PyObject_Malloc", &po, maxsz, n);
    }
    for p in keep {
        po.free(p);
    }
}

/// ir.c's single-op driver: runs `op` `n` times in an initialized runtime
/// (isolated configuration, no site), for instruction counting.
fn ir(op: &str, n: Option<&String>) {
    let n: usize = n.and_then(|c| c.parse().ok()).unwrap_or(1000);
    let (platform, _out) = Platform::captured(Environ::new(), Some(b"/".to_vec()));
    let rt = Runtime::new(platform);
    let mut c = Config::isolated();
    c.site_import = 0;
    rt.initialize_from_config(&c).expect("initialize");
    let mem = rt.mem();
    let po = Dom(&mem, Domain::Obj);
    let keep: Vec<*mut u8> = (1..=512)
        .step_by(pyrt::mem::ALIGNMENT)
        .map(|k| po.alloc(k))
        .collect();
    let alloc_loop = |a: &dyn Alloc, size: usize| {
        for i in 0..n {
            let p = a.alloc(size);
            // SAFETY: at least one byte.
            unsafe { *p = i as u8 };
            black_box(p);
            a.free(p);
        }
    };
    let rand_loop = |a: &dyn Alloc, maxsz: u32| {
        let mut s: u32 = 12345;
        let mut next = || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            s >> 8
        };
        let mut live: Vec<*mut u8> = (0..LIVE)
            .map(|_| a.alloc((1 + next() % maxsz) as usize))
            .collect();
        for _ in 0..n {
            let k = (next() as usize) % LIVE;
            a.free(live[k]);
            let p = a.alloc((1 + next() % maxsz) as usize);
            // SAFETY: at least one byte.
            unsafe { *p = 1 };
            live[k] = p;
        }
        for p in live {
            a.free(p);
        }
    };
    let dom = |name: &str| match name {
        "pymem" => Domain::Mem,
        "pyobj" => Domain::Obj,
        _ => Domain::Raw,
    };
    match op {
        "none" => {}
        "save_restore" | "gilstate_main" | "gilstate_fresh" | "gilstate_haststate" | "tss_get"
        | "tss_set" | "pymutex" => threads::ir(&rt, op, n),
        "init_cycle" => {
            for _ in 0..n {
                rt.finalize();
                rt.initialize_from_config(&c).expect("initialize");
            }
        }
        _ => {
            if let Some(rest) = op.strip_prefix("rand512_") {
                rand_loop(&Dom(&mem, dom(rest)), 512);
            } else if let Some(rest) = op.strip_prefix("rand2048_") {
                rand_loop(&Dom(&mem, dom(rest)), 2048);
            } else {
                let split = op.find(|ch: char| ch.is_ascii_digit()).unwrap_or(op.len());
                let (name, size) = op.split_at(split);
                let size: usize = size.parse().unwrap_or(16);
                #[cfg(target_os = "linux")]
                if name == "malloc" {
                    alloc_loop(&Libc, size);
                    return;
                }
                alloc_loop(&Dom(&mem, dom(name)), size);
            }
        }
    }
    for p in keep {
        po.free(p);
    }
    rt.finalize();
}
