//! Exports for timing allocation and running emulated threads on wasm32
//! from JavaScript (no imports: the host times each call with
//! `performance.now()`; `smoke.mjs` checks the emulated threads).
//!
//! `pymalloc_*` use pyrt's OBJ domain (pymalloc; arenas from Rust's
//! allocator), `rust_*` use Rust's global allocator (dlmalloc on
//! wasm32-unknown-unknown), the allocator a Rust wasm module has by default.

use std::alloc::{Layout, alloc, dealloc};
use std::ffi::c_void;
use std::hint::black_box;
use std::sync::OnceLock;

use pyrt::config::AllocatorName;
use pyrt::mem::{Domain, Mem};

fn mem() -> &'static Mem {
    static MEM: OnceLock<Mem> = OnceLock::new();
    MEM.get_or_init(|| {
        let m = Mem::new(
            AllocatorName::Default,
            std::sync::Arc::new(|_: &[u8], _: &[u8]| std::process::abort()),
        );
        // One live block per size class, as in an initialized interpreter.
        for n in (1..=512).step_by(pyrt::mem::ALIGNMENT) {
            // SAFETY: single-threaded module; the blocks stay alive.
            unsafe { m.malloc(Domain::Obj, n) };
        }
        m
    })
}

/// `n` alloc+free pairs of `size` bytes through pymalloc.
#[unsafe(no_mangle)]
pub extern "C" fn pymalloc_pairs(size: u32, n: u32) {
    let m = mem();
    for i in 0..n {
        // SAFETY: single-threaded module, the only user of the domain.
        unsafe {
            let p = m.malloc(Domain::Obj, size as usize).cast::<u8>();
            *p = i as u8;
            black_box(p);
            m.free(Domain::Obj, p.cast::<c_void>());
        }
    }
}

/// `n` alloc+free pairs of `size` bytes through Rust's allocator.
#[unsafe(no_mangle)]
pub extern "C" fn rust_pairs(size: u32, n: u32) {
    let l = Layout::from_size_align(size as usize, 8).expect("layout");
    for i in 0..n {
        // SAFETY: non-zero size layout; freed with the same layout.
        unsafe {
            let p = alloc(l);
            *p = i as u8;
            black_box(p);
            dealloc(p, l);
        }
    }
}

fn random(n: u32, mut a: impl FnMut(usize) -> *mut u8, mut f: impl FnMut(*mut u8, usize)) {
    let mut s: u32 = 12345;
    let mut next = || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s >> 8
    };
    let mut live: Vec<(*mut u8, usize)> = (0..1000)
        .map(|_| {
            let z = (1 + next() % 512) as usize;
            (a(z), z)
        })
        .collect();
    for _ in 0..n {
        let k = next() as usize % 1000;
        f(live[k].0, live[k].1);
        let z = (1 + next() % 512) as usize;
        let p = a(z);
        // SAFETY: at least one byte.
        unsafe { *p = 1 };
        live[k] = (p, z);
    }
    for (p, z) in live {
        f(p, z);
    }
}

/// `n` free+alloc of random sizes 1..512 with 1000 live blocks, pymalloc.
#[unsafe(no_mangle)]
pub extern "C" fn pymalloc_random(n: u32) {
    let m = mem();
    random(
        n,
        // SAFETY: single-threaded module.
        |z| unsafe { m.malloc(Domain::Obj, z).cast() },
        // SAFETY: blocks come from the same domain.
        |p, _| unsafe { m.free(Domain::Obj, p.cast()) },
    );
}

/// The same with Rust's allocator.
#[unsafe(no_mangle)]
pub extern "C" fn rust_random(n: u32) {
    random(
        n,
        // SAFETY: non-zero sizes.
        |z| unsafe { alloc(Layout::from_size_align(z, 8).expect("layout")) },
        // SAFETY: freed with the layout it was allocated with.
        |p, z| unsafe { dealloc(p, Layout::from_size_align(z, 8).expect("layout")) },
    );
}

/// An increment split into load, add and store (as `x += 1` is in
/// bytecode), `left` times, on a shared counter.
struct Racy {
    left: u32,
    step: u8,
    value: u64,
    shared: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl pyrt::sched::GreenThread for Racy {
    fn resume(&mut self, s: &mut pyrt::sched::Slice<'_>) -> pyrt::sched::SliceExit {
        use std::sync::atomic::Ordering::Relaxed;
        loop {
            if self.left == 0 {
                return pyrt::sched::SliceExit::Finished;
            }
            if !s.tick(1) {
                return pyrt::sched::SliceExit::Yielded;
            }
            match self.step {
                0 => self.value = self.shared.load(Relaxed),
                1 => self.value += 1,
                _ => {
                    self.shared.store(self.value, Relaxed);
                    self.left -= 1;
                }
            }
            self.step = (self.step + 1) % 3;
        }
    }
}

/// Emulated threads on wasm32: `threads` green threads each increment a
/// shared counter `increments` times without a lock, switching every
/// `interval_us` µs of virtual time (50 instructions per µs). With a seed
/// the result is the same on every run. Returns the final count, or
/// `u64::MAX` if the runtime failed to start or the threads did not finish.
#[unsafe(no_mangle)]
pub extern "C" fn emulated_race(seed: u64, threads: u32, increments: u32, interval_us: u32) -> u64 {
    use pyrt::platform::{Environ, Platform};
    use pyrt::sched::{RunLimit, RunOutcome, SchedConfig, Scheduler};
    let (platform, _out) = Platform::captured(Environ::new(), Some(b"/".to_vec()));
    let rt = pyrt::Runtime::new(platform);
    if rt
        .initialize_from_config(&pyrt::Config::isolated())
        .is_err()
    {
        return u64::MAX;
    }
    let Some(interp) = rt.main_interpreter() else {
        return u64::MAX;
    };
    interp.gil().set_interval_us(u64::from(interval_us));
    let sched = Scheduler::new(
        &interp,
        SchedConfig { seed: Some(seed) },
        rt.platform().clock.clone(),
    );
    let shared = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    for _ in 0..threads {
        sched.spawn(Box::new(Racy {
            left: increments,
            step: 0,
            value: 0,
            shared: shared.clone(),
        }));
    }
    let done = sched.run(RunLimit::TO_COMPLETION) == RunOutcome::Done;
    rt.finalize();
    if done {
        shared.load(std::sync::atomic::Ordering::Relaxed)
    } else {
        u64::MAX
    }
}

/// `n` green-thread switches between two threads that yield after every
/// instruction (the host times the call). Returns the switches made.
#[unsafe(no_mangle)]
pub extern "C" fn emulated_switches(n: u32) -> u64 {
    use pyrt::platform::{Environ, Platform};
    use pyrt::sched::{RunLimit, SchedConfig, Scheduler, Slice, SliceExit};
    let (platform, _out) = Platform::captured(Environ::new(), Some(b"/".to_vec()));
    let rt = pyrt::Runtime::new(platform);
    if rt
        .initialize_from_config(&pyrt::Config::isolated())
        .is_err()
    {
        return 0;
    }
    let Some(interp) = rt.main_interpreter() else {
        return 0;
    };
    let sched = Scheduler::new(&interp, SchedConfig::default(), rt.platform().clock.clone());
    for _ in 0..2 {
        let mut left = n / 2;
        sched.spawn(Box::new(move |s: &mut Slice<'_>| {
            if left == 0 {
                return SliceExit::Finished;
            }
            left -= 1;
            s.tick(1);
            SliceExit::Yielded
        }));
    }
    sched.run(RunLimit::TO_COMPLETION);
    let switches = sched.instructions();
    rt.finalize();
    switches
}
