//! Memory tests: every allocator configuration against a model, the debug
//! block layout, limits, arena release, tracemalloc.

use std::ffi::c_void;
use std::sync::Arc;

use proptest::prelude::*;

use super::*;

fn fatal() -> FatalHandler {
    Arc::new(|dump: &[u8], msg: &[u8]| {
        eprintln!("{}", String::from_utf8_lossy(dump));
        eprintln!("Fatal Python error: {}", String::from_utf8_lossy(msg));
        std::process::abort();
    })
}

fn configs() -> Vec<AllocatorName> {
    let mut v = vec![
        AllocatorName::Default,
        AllocatorName::Debug,
        AllocatorName::Malloc,
        AllocatorName::MallocDebug,
        AllocatorName::Pymalloc,
        AllocatorName::PymallocDebug,
    ];
    if HAS_MIMALLOC {
        v.push(AllocatorName::Mimalloc);
        v.push(AllocatorName::MimallocDebug);
    }
    v
}

#[derive(Clone, Debug)]
enum Op {
    Malloc(Domain, usize),
    Calloc(Domain, usize, usize),
    Realloc(usize, usize),
    Free(usize),
    /// Write a fresh pattern into a block.
    Touch(usize),
}

fn domain() -> impl Strategy<Value = Domain> {
    prop_oneof![Just(Domain::Raw), Just(Domain::Mem), Just(Domain::Obj)]
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => 0usize..=64,
        4 => 0usize..=600,
        1 => 0usize..=5000,
        1 => Just(512usize),
        1 => Just(513usize),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (domain(), size()).prop_map(|(d, n)| Op::Malloc(d, n)),
        1 => (domain(), 0usize..40, 0usize..40).prop_map(|(d, a, b)| Op::Calloc(d, a, b)),
        2 => (any::<usize>(), size()).prop_map(|(i, n)| Op::Realloc(i, n)),
        2 => any::<usize>().prop_map(Op::Free),
        1 => any::<usize>().prop_map(Op::Touch),
    ]
}

struct Block {
    d: Domain,
    p: *mut u8,
    n: usize,
    seed: u8,
}

fn fill(b: &Block) {
    for i in 0..b.n {
        // SAFETY: the block holds `n` bytes.
        unsafe { *b.p.add(i) = b.seed.wrapping_add(i as u8) };
    }
}

fn verify(b: &Block, upto: usize) {
    for i in 0..upto.min(b.n) {
        // SAFETY: the block holds `n` bytes.
        let v = unsafe { *b.p.add(i) };
        assert_eq!(
            v,
            b.seed.wrapping_add(i as u8),
            "corrupted byte {i} of a {}-byte {:?} block",
            b.n,
            b.d
        );
    }
}

fn run_ops(name: AllocatorName, ops: &[Op]) {
    let mem = Mem::new(name, fatal());
    let baseline = mem.account().used();
    let mut live: Vec<Block> = Vec::new();
    let mut seed = 1u8;
    for op in ops {
        seed = seed.wrapping_add(37);
        match *op {
            Op::Malloc(d, n) => {
                // SAFETY: single-threaded test: exclusive use of every domain.
                let p = unsafe { mem.malloc(d, n) }.cast::<u8>();
                assert!(!p.is_null());
                assert_eq!(p as usize % ALIGNMENT.min(8), 0, "alignment");
                assert!(live.iter().all(|b| b.p != p), "pointer handed out twice");
                let b = Block { d, p, n, seed };
                fill(&b);
                live.push(b);
            }
            Op::Calloc(d, a, e) => {
                // SAFETY: as above.
                let p = unsafe { mem.calloc(d, a, e) }.cast::<u8>();
                assert!(!p.is_null());
                for i in 0..a * e {
                    // SAFETY: the block holds a*e bytes.
                    assert_eq!(unsafe { *p.add(i) }, 0, "calloc memory not zeroed");
                }
                let b = Block {
                    d,
                    p,
                    n: a * e,
                    seed,
                };
                fill(&b);
                live.push(b);
            }
            Op::Realloc(i, n) if !live.is_empty() => {
                let i = i % live.len();
                let old = &live[i];
                verify(old, old.n);
                // SAFETY: `old.p` is a live block of `old.d`.
                let p = unsafe { mem.realloc(old.d, old.p.cast(), n) }.cast::<u8>();
                assert!(!p.is_null());
                let mut b = Block {
                    d: old.d,
                    p,
                    n,
                    seed: old.seed,
                };
                verify(&b, old.n.min(n));
                b.seed = seed;
                fill(&b);
                live[i] = b;
            }
            Op::Free(i) if !live.is_empty() => {
                let b = live.swap_remove(i % live.len());
                verify(&b, b.n);
                // SAFETY: live block of its domain.
                unsafe { mem.free(b.d, b.p.cast()) };
            }
            Op::Touch(i) if !live.is_empty() => {
                let i = i % live.len();
                live[i].seed = seed;
                fill(&live[i]);
            }
            _ => {}
        }
    }
    for b in &live {
        verify(b, b.n);
    }
    for b in live {
        // SAFETY: live block of its domain.
        unsafe { mem.free(b.d, b.p.cast()) };
    }
    if !mem.debug_enabled() {
        // Everything given back: only kept arenas (at most one) remain.
        let arenas = mem.stats().arenas;
        assert!(arenas <= 1, "{arenas} arenas left");
        assert_eq!(
            mem.account().used() - arenas * ARENA_SIZE,
            baseline,
            "account leak"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random malloc/calloc/realloc/free sequences in every allocator
    /// configuration never corrupt data nor hand a block out twice.
    #[test]
    fn random_sequences_match_the_model(ops in proptest::collection::vec(op(), 1..400)) {
        for name in configs() {
            run_ops(name, &ops);
        }
    }
}

#[test]
fn zero_size_and_overflow_rules() {
    for name in configs() {
        let mem = Mem::new(name, fatal());
        for d in Domain::ALL {
            // SAFETY: exclusive use (single-threaded test).
            unsafe {
                let a = mem.malloc(d, 0);
                let b = mem.malloc(d, 0);
                assert!(
                    !a.is_null() && !b.is_null() && a != b,
                    "{name:?} {d:?} malloc(0)"
                );
                let c = mem.calloc(d, 0, 8);
                assert!(!c.is_null());
                let r = mem.realloc(d, a, 0);
                assert!(!r.is_null(), "realloc(p, 0) must not free");
                assert!(mem.malloc(d, isize::MAX as usize + 1).is_null());
                assert!(mem.calloc(d, isize::MAX as usize, 2).is_null());
                assert!(
                    mem.realloc(d, std::ptr::null_mut(), isize::MAX as usize + 1)
                        .is_null()
                );
                let n = mem.realloc(d, std::ptr::null_mut(), 10);
                assert!(!n.is_null());
                mem.free(d, std::ptr::null_mut());
                for p in [r, b, c, n] {
                    mem.free(d, p);
                }
            }
        }
    }
}

#[test]
fn debug_block_layout_matches_cpython() {
    let mem = Mem::new(AllocatorName::Debug, fatal());
    let s = std::mem::size_of::<usize>();
    // SAFETY: exclusive use; reads stay inside the decorated block.
    unsafe {
        let p = mem.malloc(Domain::Mem, 5).cast::<u8>();
        let head = std::slice::from_raw_parts(p.sub(2 * s), 2 * s + 5 + s);
        let mut want = vec![0u8; s];
        want[s - 1] = 5;
        want.push(b'm');
        want.extend(std::iter::repeat_n(0xFD, s - 1));
        want.extend([0xCD; 5]);
        want.extend(std::iter::repeat_n(0xFD, s));
        assert_eq!(head, &want[..]);
        // Grow 5 → 9: the new bytes are CLEANBYTE.
        std::ptr::write_bytes(p, 0x61, 5);
        let p = mem.realloc(Domain::Mem, p.cast(), 9).cast::<u8>();
        assert_eq!(
            std::slice::from_raw_parts(p, 9 + s),
            &[
                0x61, 0x61, 0x61, 0x61, 0x61, 0xCD, 0xCD, 0xCD, 0xCD, 0xFD, 0xFD, 0xFD, 0xFD, 0xFD,
                0xFD, 0xFD, 0xFD
            ][..9 + s]
        );
        // Shrink 9 → 3: the trailer moves.
        let p = mem.realloc(Domain::Mem, p.cast(), 3).cast::<u8>();
        assert_eq!(
            &std::slice::from_raw_parts(p, 3 + s)[..4],
            &[0x61, 0x61, 0x61, 0xFD]
        );
        // calloc data is zeroed; malloc(0) has its trailer at p.
        let z = mem.calloc(Domain::Obj, 1, 4).cast::<u8>();
        assert_eq!(
            std::slice::from_raw_parts(z.sub(s), 5),
            &[b'o', 0xFD, 0xFD, 0xFD, 0xFD]
        );
        assert_eq!(std::slice::from_raw_parts(z, 4), &[0, 0, 0, 0]);
        let e = mem.malloc(Domain::Raw, 0).cast::<u8>();
        assert_eq!(*e.sub(s), b'r');
        assert_eq!(*e, 0xFD);
        for (d, q) in [(Domain::Mem, p), (Domain::Obj, z), (Domain::Raw, e)] {
            mem.free(d, q.cast());
        }
    }
    assert!(mem.debug_enabled());
    assert_eq!(mem.allocator_name(), Some("pymalloc_debug"));
}

#[test]
fn allocator_names_follow_pythonmalloc() {
    let cases = [
        (AllocatorName::Default, "pymalloc"),
        (AllocatorName::Pymalloc, "pymalloc"),
        (AllocatorName::Debug, "pymalloc_debug"),
        (AllocatorName::Malloc, "malloc"),
        (AllocatorName::MallocDebug, "malloc_debug"),
        (AllocatorName::PymallocDebug, "pymalloc_debug"),
    ];
    for (name, want) in cases {
        assert_eq!(
            Mem::new(name, fatal()).allocator_name(),
            Some(want),
            "{name:?}"
        );
    }
    if HAS_MIMALLOC {
        assert_eq!(
            Mem::new(AllocatorName::Mimalloc, fatal()).allocator_name(),
            Some("mimalloc")
        );
        assert_eq!(
            Mem::new(AllocatorName::MimallocDebug, fatal()).allocator_name(),
            Some("mimalloc_debug")
        );
    }
    // Setting up debug hooks twice changes nothing.
    let mem = Mem::new(AllocatorName::Debug, fatal());
    let before = mem.get_allocator(Domain::Mem).ctx;
    // SAFETY: exclusive use.
    unsafe { mem.setup_debug_hooks() };
    assert_eq!(mem.get_allocator(Domain::Mem).ctx, before);
}

#[test]
fn memory_limit_fails_cleanly_and_recovers() {
    for name in configs() {
        let mem = Mem::new(name, fatal());
        mem.set_limit(Some(mem.account().used() + 4 * ARENA_SIZE));
        let mut blocks = Vec::new();
        let failed_at = loop {
            // SAFETY: exclusive use.
            let p = unsafe { mem.malloc(Domain::Obj, 1000) };
            if p.is_null() {
                break blocks.len();
            }
            blocks.push(p);
            assert!(blocks.len() < 100_000, "{name:?}: limit never reached");
        };
        assert!(failed_at > 100, "{name:?}");
        assert!(mem.account().used() <= mem.account().limit());
        // Small requests also fail once the arenas are full, then work again.
        for p in blocks.drain(..) {
            // SAFETY: live OBJ blocks.
            unsafe { mem.free(Domain::Obj, p) };
        }
        // SAFETY: exclusive use.
        let p = unsafe { mem.malloc(Domain::Obj, 1000) };
        assert!(
            !p.is_null(),
            "{name:?}: runtime unusable after hitting the limit"
        );
        // SAFETY: live block.
        unsafe { mem.free(Domain::Obj, p) };
        mem.set_limit(None);
        assert_eq!(mem.stats().limit, None);
    }
}

#[test]
fn empty_arenas_are_returned_except_the_last() {
    let mem = Mem::new(AllocatorName::Pymalloc, fatal());
    let mut v = Vec::new();
    for _ in 0..(3 * ARENA_SIZE / 64) {
        // SAFETY: exclusive use.
        v.push(unsafe { mem.malloc(Domain::Obj, 64) });
    }
    assert!(mem.stats().arenas >= 3);
    assert_eq!(mem.stats().allocated_blocks, v.len() as isize);
    for p in v {
        // SAFETY: live OBJ blocks.
        unsafe { mem.free(Domain::Obj, p) };
    }
    assert_eq!(mem.stats().arenas, 1);
    assert_eq!(mem.stats().allocated_blocks, 0);
    let stats = mem.debug_malloc_stats().unwrap();
    assert!(stats.starts_with(&format!(
        "Small block threshold = 512, in {NB_SMALL_SIZE_CLASSES} size classes.\n\n\
         class   size   num pools   blocks in use  avail blocks\n"
    )));
    assert!(stats.contains("# arenas allocated current         =                    1\n"));
    assert!(stats.contains("\narena map counts\n# arena map mid nodes"));
    assert!(
        Mem::new(AllocatorName::Malloc, fatal())
            .debug_malloc_stats()
            .is_none()
    );
}

#[test]
fn tracemalloc_traces_every_domain() {
    let mem = Mem::new(AllocatorName::Default, fatal());
    let before = mem.get_allocator(Domain::Obj);
    // SAFETY: exclusive use.
    unsafe {
        assert!(mem.tracemalloc_start(0).is_err());
        mem.tracemalloc_start(1).unwrap();
        let a = mem.malloc(Domain::Obj, 100);
        let b = mem.malloc(Domain::Raw, 1000);
        assert_eq!(mem.tracemalloc().traced_memory(), (1100, 1100));
        let a = mem.realloc(Domain::Obj, a, 200);
        assert_eq!(mem.tracemalloc().traced_memory().0, 1200);
        mem.free(Domain::Raw, b);
        assert_eq!(mem.tracemalloc().traced_memory(), (200, 1200));
        mem.tracemalloc().reset_peak();
        assert_eq!(mem.tracemalloc().traced_memory(), (200, 200));
        mem.tracemalloc_stop();
        assert!(!mem.tracemalloc().is_tracing());
        assert_eq!(mem.get_allocator(Domain::Obj).ctx, before.ctx);
        mem.free(Domain::Obj, a);
    }
}

#[test]
fn custom_allocator_hook_wraps_the_previous_one() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct Counting {
        inner: MemAllocatorEx,
        calls: AtomicUsize,
    }
    unsafe extern "C" fn m(ctx: *mut c_void, n: usize) -> *mut c_void {
        // SAFETY: ctx is a live Counting.
        unsafe {
            let c = &*ctx.cast::<Counting>();
            c.calls.fetch_add(1, Ordering::Relaxed);
            (c.inner.malloc)(c.inner.ctx, n)
        }
    }
    unsafe extern "C" fn ca(ctx: *mut c_void, a: usize, b: usize) -> *mut c_void {
        // SAFETY: ctx is a live Counting.
        unsafe {
            let c = &*ctx.cast::<Counting>();
            (c.inner.calloc)(c.inner.ctx, a, b)
        }
    }
    unsafe extern "C" fn r(ctx: *mut c_void, p: *mut c_void, n: usize) -> *mut c_void {
        // SAFETY: ctx is a live Counting.
        unsafe {
            let c = &*ctx.cast::<Counting>();
            (c.inner.realloc)(c.inner.ctx, p, n)
        }
    }
    unsafe extern "C" fn f(ctx: *mut c_void, p: *mut c_void) {
        // SAFETY: ctx is a live Counting.
        unsafe {
            let c = &*ctx.cast::<Counting>();
            (c.inner.free)(c.inner.ctx, p)
        }
    }
    let mem = Mem::new(AllocatorName::Default, fatal());
    let hook = Box::new(Counting {
        inner: mem.get_allocator(Domain::Mem),
        calls: AtomicUsize::new(0),
    });
    let ctx: *mut c_void = (&raw const *hook).cast_mut().cast();
    // SAFETY: exclusive use; `hook` outlives its installation.
    unsafe {
        mem.set_allocator(
            Domain::Mem,
            MemAllocatorEx {
                ctx,
                malloc: m,
                calloc: ca,
                realloc: r,
                free: f,
            },
        );
        let p = mem.malloc(Domain::Mem, 10);
        mem.free(Domain::Mem, p);
        assert_eq!(hook.calls.load(Ordering::Relaxed), 1);
        assert_eq!(mem.allocator_name(), None);
        mem.set_allocator(Domain::Mem, hook.inner);
    }
    assert_eq!(mem.allocator_name(), Some("pymalloc"));
}

#[test]
fn raw_buffer_is_zeroed_and_counted() {
    let mem = Mem::new(AllocatorName::Default, fatal());
    let before = mem.account().used();
    {
        let mut b = mem.raw_buffer(1000).unwrap();
        assert!(b.iter().all(|&x| x == 0));
        b[999] = 7;
        assert!(mem.account().used() >= before + 1000);
    }
    assert_eq!(mem.account().used(), before);
}

#[test]
fn raw_domain_is_thread_safe() {
    let mem = Arc::new(Mem::new(AllocatorName::Debug, fatal()));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let mem = mem.clone();
            std::thread::spawn(move || {
                for i in 0..2000usize {
                    let n = (i * 7 + t) % 700;
                    // SAFETY: RAW is thread-safe.
                    unsafe {
                        let p = mem.malloc(Domain::Raw, n).cast::<u8>();
                        std::ptr::write_bytes(p, t as u8, n);
                        let p = mem.realloc(Domain::Raw, p.cast(), n + 5).cast::<u8>();
                        assert!((0..n).all(|k| *p.add(k) == t as u8));
                        mem.free(Domain::Raw, p.cast());
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
