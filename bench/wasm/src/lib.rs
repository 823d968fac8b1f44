//! Exports for timing allocation on wasm32 from JavaScript (no imports:
//! the host times each call with `performance.now()`).
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
