//! tracemalloc: traced blocks, current and peak traced memory.
//!
//! Mirrors `Python/tracemalloc.c` (3.13) as far as the runtime core goes:
//! `start(nframe)` installs hooks on the three domains that record every
//! block (domain 0, requested size), `stop()` restores the allocators and
//! forgets the traces, `get_traced_memory()` gives (current, peak),
//! `reset_peak()`, and the C API `PyTraceMalloc_Track`/`Untrack` for
//! blocks allocated elsewhere (any tracemalloc domain). Frames are
//! recorded by the VM once it exists; the limit is validated here with
//! CPython's message.
//!
//! Locking: the traces are behind one mutex (`TABLES_LOCK`), taken by the
//! hooks of all three domains; RAW is called without the GIL.

use std::collections::HashMap;
use std::ffi::c_void;

use super::MemAllocatorEx;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, Ordering};

/// The tracemalloc domain of Python's own allocations.
pub const DEFAULT_DOMAIN: u32 = 0;
/// Largest traceback limit.
pub const MAX_NFRAME: u32 = 65535;

#[derive(Debug, Default)]
struct Tables {
    traces: HashMap<(u32, usize), usize>,
    traced_memory: usize,
    peak_traced_memory: usize,
    max_nframe: u32,
}

/// The tracemalloc state of a runtime.
#[derive(Debug)]
pub struct Tracemalloc {
    tracing: AtomicBool,
    tables: Mutex<Tables>,
}

/// Why `start()` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartError(pub &'static str);

impl Default for Tracemalloc {
    fn default() -> Self {
        Tracemalloc::new()
    }
}

impl Tracemalloc {
    /// Not tracing.
    pub fn new() -> Tracemalloc {
        Tracemalloc {
            tracing: AtomicBool::new(false),
            tables: Mutex::new(Tables {
                max_nframe: 1,
                ..Tables::default()
            }),
        }
    }

    /// `tracemalloc.is_tracing()`.
    pub fn is_tracing(&self) -> bool {
        self.tracing.load(Ordering::Acquire)
    }

    /// `tracemalloc.get_traceback_limit()`.
    pub fn traceback_limit(&self) -> u32 {
        lock(&self.tables).max_nframe
    }

    /// Validates the frame count of `tracemalloc.start(nframe)` and starts
    /// recording (the caller installs the hooks).
    pub(crate) fn begin(&self, nframe: i64) -> Result<(), StartError> {
        if !(1..=i64::from(MAX_NFRAME)).contains(&nframe) {
            return Err(StartError(
                "the number of frames must be in range [1; 65535]",
            ));
        }
        lock(&self.tables).max_nframe = nframe as u32;
        self.tracing.store(true, Ordering::Release);
        Ok(())
    }

    /// Stops recording and clears the traces (the caller removes the hooks).
    pub(crate) fn end(&self) {
        self.tracing.store(false, Ordering::Release);
        let mut t = lock(&self.tables);
        t.traces.clear();
        t.traced_memory = 0;
        t.peak_traced_memory = 0;
    }

    /// `tracemalloc.get_traced_memory()`: (current, peak) bytes.
    pub fn traced_memory(&self) -> (usize, usize) {
        let t = lock(&self.tables);
        (t.traced_memory, t.peak_traced_memory)
    }

    /// `tracemalloc.reset_peak()`.
    pub fn reset_peak(&self) {
        let mut t = lock(&self.tables);
        t.peak_traced_memory = t.traced_memory;
    }

    /// `tracemalloc.clear_traces()`.
    pub fn clear_traces(&self) {
        let mut t = lock(&self.tables);
        t.traces.clear();
        t.traced_memory = 0;
    }

    /// Number of traced blocks.
    pub fn trace_count(&self) -> usize {
        lock(&self.tables).traces.len()
    }

    /// The size of the traced block at `(domain, ptr)`.
    pub fn traced_size(&self, domain: u32, ptr: usize) -> Option<usize> {
        lock(&self.tables).traces.get(&(domain, ptr)).copied()
    }

    fn add(&self, domain: u32, ptr: usize, size: usize) {
        let mut t = lock(&self.tables);
        if let Some(old) = t.traces.insert((domain, ptr), size) {
            t.traced_memory -= old;
        }
        t.traced_memory += size;
        t.peak_traced_memory = t.peak_traced_memory.max(t.traced_memory);
    }

    fn remove(&self, domain: u32, ptr: usize) {
        let mut t = lock(&self.tables);
        if let Some(old) = t.traces.remove(&(domain, ptr)) {
            t.traced_memory -= old;
        }
    }

    /// `PyTraceMalloc_Track()`: 0, or -2 when not tracing.
    pub fn track(&self, domain: u32, ptr: usize, size: usize) -> i32 {
        if !self.is_tracing() {
            return -2;
        }
        self.add(domain, ptr, size);
        0
    }

    /// `PyTraceMalloc_Untrack()`: 0 (also for an unknown block), or -2
    /// when not tracing.
    pub fn untrack(&self, domain: u32, ptr: usize) -> i32 {
        if !self.is_tracing() {
            return -2;
        }
        self.remove(domain, ptr);
        0
    }
}

/// Context of a tracing hook: the allocator it wraps.
#[derive(Debug)]
pub struct TraceApi {
    pub(crate) alloc: MemAllocatorEx,
    pub(crate) tm: *const Tracemalloc,
}

impl TraceApi {
    fn tm(&self) -> &Tracemalloc {
        // SAFETY: the tracemalloc state is owned by the runtime's memory
        // state, which outlives every hook context.
        unsafe { &*self.tm }
    }
}

/// `tracemalloc_alloc` (malloc).
///
/// # Safety
/// `ctx` is a live [`TraceApi`].
pub unsafe extern "C" fn trace_malloc(ctx: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: caller contract; the wrapped allocator with its context.
    unsafe {
        let api = &*ctx.cast::<TraceApi>();
        let p = (api.alloc.malloc)(api.alloc.ctx, size);
        if !p.is_null() {
            api.tm().add(DEFAULT_DOMAIN, p as usize, size);
        }
        p
    }
}

/// `tracemalloc_alloc` (calloc).
///
/// # Safety
/// `ctx` is a live [`TraceApi`].
pub unsafe extern "C" fn trace_calloc(
    ctx: *mut c_void,
    nelem: usize,
    elsize: usize,
) -> *mut c_void {
    // SAFETY: caller contract; the wrapped allocator with its context.
    unsafe {
        let api = &*ctx.cast::<TraceApi>();
        let p = (api.alloc.calloc)(api.alloc.ctx, nelem, elsize);
        if !p.is_null() {
            api.tm()
                .add(DEFAULT_DOMAIN, p as usize, nelem.wrapping_mul(elsize));
        }
        p
    }
}

/// `tracemalloc_realloc`.
///
/// # Safety
/// `ctx` is a live [`TraceApi`]; `p` NULL or a block of the wrapped domain.
pub unsafe extern "C" fn trace_realloc(
    ctx: *mut c_void,
    p: *mut c_void,
    size: usize,
) -> *mut c_void {
    // SAFETY: caller contract; the wrapped allocator with its context.
    unsafe {
        let api = &*ctx.cast::<TraceApi>();
        let np = (api.alloc.realloc)(api.alloc.ctx, p, size);
        if !np.is_null() {
            if !p.is_null() && np != p {
                api.tm().remove(DEFAULT_DOMAIN, p as usize);
            }
            api.tm().add(DEFAULT_DOMAIN, np as usize, size);
        }
        np
    }
}

/// `tracemalloc_free`.
///
/// # Safety
/// `ctx` is a live [`TraceApi`]; `p` NULL or a block of the wrapped domain.
pub unsafe extern "C" fn trace_free(ctx: *mut c_void, p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: caller contract; the wrapped allocator with its context.
    unsafe {
        let api = &*ctx.cast::<TraceApi>();
        (api.alloc.free)(api.alloc.ctx, p);
        api.tm().remove(DEFAULT_DOMAIN, p as usize);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn track_untrack_follow_cpython_codes() {
        let tm = Tracemalloc::new();
        assert_eq!(tm.track(7, 0x1000, 100), -2);
        assert_eq!(tm.untrack(7, 0x1000), -2);
        assert_eq!(
            tm.begin(0),
            Err(StartError(
                "the number of frames must be in range [1; 65535]"
            ))
        );
        assert!(tm.begin(65536).is_err());
        tm.begin(1).unwrap();
        assert_eq!(tm.track(7, 0x1000, 100), 0);
        assert_eq!(tm.track(7, 0x1000, 200), 0);
        assert_eq!(tm.trace_count(), 1);
        assert_eq!(tm.traced_memory(), (200, 200));
        assert_eq!(tm.untrack(7, 0x1000), 0);
        assert_eq!(tm.untrack(7, 0x1000), 0);
        assert_eq!(tm.traced_memory(), (0, 200));
        tm.reset_peak();
        assert_eq!(tm.traced_memory(), (0, 0));
        tm.end();
        assert!(!tm.is_tracing());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Concurrent track/untrack from two threads (RAW hooks run without
    /// the GIL): the traced total always equals the sum of live traces,
    /// and the peak never falls below it.
    #[test]
    fn loom_tracemalloc_totals_stay_consistent() {
        loom::model(|| {
            let tm = Arc::new(Tracemalloc::new());
            tm.begin(1).unwrap();
            let handles: Vec<_> = (0..2usize)
                .map(|t| {
                    let tm = tm.clone();
                    loom::thread::spawn(move || {
                        let ptr = 0x1000 * (t + 1);
                        assert_eq!(tm.track(DEFAULT_DOMAIN, ptr, 10 * (t + 1)), 0);
                        let (cur, peak) = tm.traced_memory();
                        assert!(cur <= peak && cur >= 10 * (t + 1));
                        assert_eq!(tm.untrack(DEFAULT_DOMAIN, ptr), 0);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            let (cur, peak) = tm.traced_memory();
            assert_eq!(cur, 0);
            assert!(peak == 20 || peak == 30 || peak == 10);
            assert_eq!(tm.trace_count(), 0);
        });
    }
}
