//! Memory management: allocator domains, pymalloc, debug hooks,
//! tracemalloc, memory limits.
//!
//! Mirrors `Objects/obmalloc.c`, `Include/cpython/pymem.h` and
//! `Python/tracemalloc.c` (CPython 3.13).
//!
//! # Design
//!
//! Three *domains* — RAW (`PyMem_RawMalloc`, callable without the GIL),
//! MEM (`PyMem_Malloc`) and OBJ (`PyObject_Malloc`), both requiring the
//! GIL — each dispatch through an allocator record ([`MemAllocatorEx`]: a
//! context pointer and four functions), exactly as in CPython, so
//! `PyMem_GetAllocator`/`PyMem_SetAllocator` and the C API can wrap them
//! unchanged. The records are layered:
//!
//! ```text
//! tracemalloc hooks   (while tracing: record every block)
//!   debug hooks       (PYTHONMALLOC=*debug, -X dev: pads, patterns, checks)
//!     base allocator  (malloc family | pymalloc | mimalloc)
//! ```
//!
//! `PYTHONMALLOC` chooses the base and whether the debug hooks are on
//! ([`Mem::new`]). pymalloc's state ([`Obmalloc`]) is a value, owned here
//! for the main interpreter; interpreters with their own obmalloc own
//! theirs. Every byte taken from the host is charged to the runtime's
//! [`Account`], which enforces the optional memory limit.
//!
//! # Who may touch what
//!
//! | state | protection |
//! | --- | --- |
//! | allocator table (domain records, arena allocator) | written only by the `unsafe` setters, whose callers guarantee no concurrent use of the domain (CPython's rule); read freely |
//! | [`Obmalloc`] | the GIL of its interpreter (MEM/OBJ callers' contract) |
//! | [`Account`] | lock-free atomics (loom-checked) |
//! | debug registry and quarantine | one mutex |
//! | tracemalloc traces | one mutex |

mod account;
pub mod debug;
mod obmalloc;
mod raw;
pub mod tracemalloc;

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

pub use account::{Account, UNLIMITED};
pub use debug::{FatalHandler, GilCheck};
pub use obmalloc::{
    ALIGNMENT, ARENA_SIZE, MAX_POOLS_IN_ARENA, NB_SMALL_SIZE_CLASSES, Obmalloc, POOL_OVERHEAD,
    POOL_SIZE, SMALL_REQUEST_THRESHOLD,
};
pub use tracemalloc::{StartError, Tracemalloc};

use crate::config::AllocatorName;

/// True when the mimalloc allocator is built in (`WITH_MIMALLOC`): native
/// builds link the real mimalloc; wasm builds have no C toolchain for it,
/// so there `PYTHONMALLOC=mimalloc` is rejected with CPython's "unknown
/// allocator" error, as by a CPython built without mimalloc.
pub const HAS_MIMALLOC: bool = cfg!(not(target_family = "wasm"));

/// `PyMemAllocatorDomain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Domain {
    /// `PYMEM_DOMAIN_RAW`: thread-safe, no GIL needed.
    Raw = 0,
    /// `PYMEM_DOMAIN_MEM`.
    Mem = 1,
    /// `PYMEM_DOMAIN_OBJ`.
    Obj = 2,
}

impl Domain {
    /// All three, in enum order.
    pub const ALL: [Domain; 3] = [Domain::Raw, Domain::Mem, Domain::Obj];

    fn index(self) -> usize {
        self as usize
    }

    /// The debug hooks' API id: 'r', 'm' or 'o'.
    pub fn api_id(self) -> u8 {
        [b'r', b'm', b'o'][self.index()]
    }
}

/// `PyMemAllocatorEx`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MemAllocatorEx {
    /// Passed as the first argument of each function.
    pub ctx: *mut c_void,
    /// `malloc(ctx, size)`.
    pub malloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    /// `calloc(ctx, nelem, elsize)`.
    pub calloc: unsafe extern "C" fn(*mut c_void, usize, usize) -> *mut c_void,
    /// `realloc(ctx, ptr, new_size)`.
    pub realloc: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> *mut c_void,
    /// `free(ctx, ptr)`.
    pub free: unsafe extern "C" fn(*mut c_void, *mut c_void),
}

/// `PyObjectArenaAllocator`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ObjectArenaAllocator {
    /// Passed as the first argument of each function.
    pub ctx: *mut c_void,
    /// `alloc(ctx, size)`.
    pub alloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    /// `free(ctx, ptr, size)`.
    pub free: unsafe extern "C" fn(*mut c_void, *mut c_void, usize),
}

/// Memory figures of a runtime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemStats {
    /// Bytes held from the host (malloc-family blocks at their usable size,
    /// pymalloc arenas).
    pub used: usize,
    /// High-water mark of `used`.
    pub peak: usize,
    /// The limit, if any.
    pub limit: Option<usize>,
    /// pymalloc arenas allocated.
    pub arenas: usize,
    /// Blocks allocated through pymalloc's domains (`sys.getallocatedblocks`).
    pub allocated_blocks: isize,
    /// tracemalloc's (current, peak), when tracing.
    pub traced: Option<(usize, usize)>,
}

/// Fields drop in declaration order: `obmalloc` first, while the arena
/// allocator and the account it frees through are still alive.
struct Inner {
    obmalloc: UnsafeCell<Obmalloc>,
    table: [UnsafeCell<MemAllocatorEx>; 3],
    arena: UnsafeCell<ObjectArenaAllocator>,
    account: Arc<Account>,
    raw_ctx: raw::RawCtx,
    debug_shared: debug::DebugShared,
    debug_apis: [UnsafeCell<debug::DebugApi>; 3],
    tracemalloc: Tracemalloc,
    trace_apis: [UnsafeCell<tracemalloc::TraceApi>; 3],
    /// Allocators before tracemalloc installed its hooks.
    saved: UnsafeCell<Option<[MemAllocatorEx; 3]>>,
}

/// The memory state of a runtime: `_PyRuntime.allocators`, the main
/// interpreter's obmalloc state, tracemalloc and the byte account.
pub struct Mem {
    inner: Box<Inner>,
}

// SAFETY: the allocator table and hook contexts are written only through
// the `unsafe` setters (callers guarantee no concurrent use of the
// domain); Obmalloc is reached only through MEM/OBJ calls, whose callers
// hold the GIL; everything else is atomics or mutexes.
unsafe impl Send for Mem {}
// SAFETY: as above.
unsafe impl Sync for Mem {}

impl std::fmt::Debug for Mem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mem")
            .field("allocator", &self.allocator_name())
            .field("stats", &self.stats())
            .finish()
    }
}

unsafe extern "C" fn pymalloc_malloc(ctx: *mut c_void, n: usize) -> *mut c_void {
    // SAFETY: `ctx` is the Obmalloc cell; MEM/OBJ callers hold the GIL,
    // which gives this call exclusive access.
    unsafe { (*ctx.cast::<Obmalloc>()).malloc(n) }
}

unsafe extern "C" fn pymalloc_calloc(ctx: *mut c_void, nelem: usize, elsize: usize) -> *mut c_void {
    // SAFETY: as in `pymalloc_malloc`.
    unsafe { (*ctx.cast::<Obmalloc>()).calloc(nelem, elsize) }
}

unsafe extern "C" fn pymalloc_realloc(ctx: *mut c_void, p: *mut c_void, n: usize) -> *mut c_void {
    // SAFETY: as in `pymalloc_malloc`; `p` is a block of this domain.
    unsafe { (*ctx.cast::<Obmalloc>()).realloc(p, n) }
}

unsafe extern "C" fn pymalloc_free(ctx: *mut c_void, p: *mut c_void) {
    // SAFETY: as in `pymalloc_malloc`; `p` is a block of this domain.
    unsafe { (*ctx.cast::<Obmalloc>()).free(p) }
}

#[cfg(not(target_family = "wasm"))]
mod mimalloc {
    //! mimalloc for MEM and OBJ (`_PyMem_MiMalloc`), charged to the account.
    use super::raw::RawCtx;
    use libmimalloc_sys as mi;
    use std::ffi::c_void;

    fn charge(ctx: &RawCtx, p: *mut c_void) -> *mut c_void {
        if p.is_null() {
            return p;
        }
        // SAFETY: `p` is a live mimalloc block.
        let n = unsafe { mi::mi_usable_size(p) };
        if ctx.account.try_reserve(n) {
            p
        } else {
            // SAFETY: `p` is live and not handed out.
            unsafe { mi::mi_free(p) };
            std::ptr::null_mut()
        }
    }

    pub(super) unsafe extern "C" fn malloc(ctx: *mut c_void, n: usize) -> *mut c_void {
        // SAFETY: `ctx` is the runtime's RawCtx; mi_malloc takes any size.
        unsafe { charge(&*ctx.cast::<RawCtx>(), mi::mi_malloc(n.max(1))) }
    }

    pub(super) unsafe extern "C" fn calloc(ctx: *mut c_void, a: usize, b: usize) -> *mut c_void {
        let (a, b) = if a == 0 || b == 0 { (1, 1) } else { (a, b) };
        // SAFETY: as in `malloc`; mi_calloc checks the product.
        unsafe { charge(&*ctx.cast::<RawCtx>(), mi::mi_calloc(a, b)) }
    }

    pub(super) unsafe extern "C" fn realloc(
        ctx: *mut c_void,
        p: *mut c_void,
        n: usize,
    ) -> *mut c_void {
        // SAFETY: `ctx` is the runtime's RawCtx; `p` is NULL or a live
        // mimalloc block of this domain.
        unsafe {
            let ctx = &*ctx.cast::<RawCtx>();
            let old = if p.is_null() {
                0
            } else {
                mi::mi_usable_size(p)
            };
            let n = n.max(1);
            let grow = n.saturating_sub(old);
            if grow > 0 && !ctx.account.try_reserve(grow) {
                return std::ptr::null_mut();
            }
            let np = mi::mi_realloc(p, n);
            if np.is_null() {
                ctx.account.release(grow);
                return np;
            }
            let new = mi::mi_usable_size(np);
            let reserved = old + grow;
            if new > reserved {
                ctx.account.force_reserve(new - reserved);
            } else {
                ctx.account.release(reserved - new);
            }
            np
        }
    }

    pub(super) unsafe extern "C" fn free(ctx: *mut c_void, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        // SAFETY: `p` is a live mimalloc block of this domain.
        unsafe {
            (*ctx.cast::<RawCtx>())
                .account
                .release(mi::mi_usable_size(p));
            mi::mi_free(p);
        }
    }
}

/// Which base allocator a domain uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Malloc,
    Pymalloc,
    Mimalloc,
}

fn placeholder_allocator() -> MemAllocatorEx {
    MemAllocatorEx {
        ctx: std::ptr::null_mut(),
        malloc: raw::raw_malloc,
        calloc: raw::raw_calloc,
        realloc: raw::raw_realloc,
        free: raw::raw_free,
    }
}

impl Mem {
    /// The memory state for a `PYTHONMALLOC` choice (`_PyMem_SetupAllocators`).
    /// `NotSet` and `Default` give pyrt's defaults: malloc for RAW, pymalloc
    /// for MEM and OBJ. `fatal` reports corrupted blocks (debug hooks).
    pub fn new(name: AllocatorName, fatal: FatalHandler) -> Mem {
        let account = Arc::new(Account::new());
        let inner = Box::new(Inner {
            obmalloc: UnsafeCell::new(Obmalloc::new(std::ptr::null(), std::ptr::null())),
            table: [
                UnsafeCell::new(placeholder_allocator()),
                UnsafeCell::new(placeholder_allocator()),
                UnsafeCell::new(placeholder_allocator()),
            ],
            arena: UnsafeCell::new(ObjectArenaAllocator {
                ctx: std::ptr::null_mut(),
                alloc: raw::arena_alloc,
                free: raw::arena_free,
            }),
            account: account.clone(),
            raw_ctx: raw::RawCtx { account },
            debug_shared: debug::DebugShared::new(fatal),
            debug_apis: std::array::from_fn(|i| {
                UnsafeCell::new(debug::DebugApi {
                    api_id: Domain::ALL[i].api_id(),
                    alloc: placeholder_allocator(),
                    shared: std::ptr::null(),
                })
            }),
            tracemalloc: Tracemalloc::new(),
            trace_apis: std::array::from_fn(|_| {
                UnsafeCell::new(tracemalloc::TraceApi {
                    alloc: placeholder_allocator(),
                    tm: std::ptr::null(),
                })
            }),
            saved: UnsafeCell::new(None),
        });
        let mut mem = Mem { inner };
        {
            // Wire the self-references through the owning `&mut`, now that
            // the Box gives every field a stable address.
            let i: &mut Inner = &mut mem.inner;
            let raw_ctx: *mut c_void = (&raw mut i.raw_ctx).cast();
            i.arena.get_mut().ctx = raw_ctx;
            let table0 = i.table[0].get();
            let arena = i.arena.get();
            let ob = i.obmalloc.get_mut();
            ob.raw = table0;
            ob.arena_allocator = arena;
            i.debug_shared.tracemalloc = &raw const i.tracemalloc;
            let shared = &raw const i.debug_shared;
            let tm = &raw const i.tracemalloc;
            for d in 0..3 {
                i.debug_apis[d].get_mut().shared = shared;
                i.trace_apis[d].get_mut().tm = tm;
            }
        }
        let i = &*mem.inner;
        let (raw_base, mem_base, debug) = match name {
            AllocatorName::NotSet | AllocatorName::Default | AllocatorName::Pymalloc => {
                (Base::Malloc, Base::Pymalloc, false)
            }
            AllocatorName::Debug | AllocatorName::PymallocDebug => {
                (Base::Malloc, Base::Pymalloc, true)
            }
            AllocatorName::Malloc => (Base::Malloc, Base::Malloc, false),
            AllocatorName::MallocDebug => (Base::Malloc, Base::Malloc, true),
            AllocatorName::Mimalloc => (Base::Malloc, Base::Mimalloc, false),
            AllocatorName::MimallocDebug => (Base::Malloc, Base::Mimalloc, true),
        };
        // SAFETY: no other user of the domains exists yet.
        unsafe {
            *i.table[0].get() = mem.base_allocator(raw_base);
            *i.table[1].get() = mem.base_allocator(mem_base);
            *i.table[2].get() = mem.base_allocator(mem_base);
            if debug {
                mem.setup_debug_hooks();
            }
        }
        mem
    }

    fn base_allocator(&self, base: Base) -> MemAllocatorEx {
        let i = &*self.inner;
        let raw_ctx: *mut c_void = (&raw const i.raw_ctx).cast_mut().cast();
        match base {
            Base::Malloc => MemAllocatorEx {
                ctx: raw_ctx,
                malloc: raw::raw_malloc,
                calloc: raw::raw_calloc,
                realloc: raw::raw_realloc,
                free: raw::raw_free,
            },
            Base::Pymalloc => MemAllocatorEx {
                ctx: i.obmalloc.get().cast(),
                malloc: pymalloc_malloc,
                calloc: pymalloc_calloc,
                realloc: pymalloc_realloc,
                free: pymalloc_free,
            },
            #[cfg(not(target_family = "wasm"))]
            Base::Mimalloc => MemAllocatorEx {
                ctx: raw_ctx,
                malloc: mimalloc::malloc,
                calloc: mimalloc::calloc,
                realloc: mimalloc::realloc,
                free: mimalloc::free,
            },
            #[cfg(target_family = "wasm")]
            Base::Mimalloc => unreachable!("mimalloc is rejected by AllocatorName::from_name here"),
        }
    }

    fn entry(&self, d: Domain) -> MemAllocatorEx {
        // SAFETY: the table is only written by the unsafe setters, whose
        // callers guarantee no concurrent use; reading a copy is sound.
        unsafe { *self.inner.table[d.index()].get() }
    }

    /// `PyMem_RawMalloc` / `PyMem_Malloc` / `PyObject_Malloc`: `size`
    /// above `isize::MAX` returns NULL without calling the allocator; size
    /// 0 returns a unique non-NULL pointer.
    ///
    /// # Safety
    /// For MEM and OBJ the caller holds the GIL (no other thread uses the
    /// domain concurrently).
    #[inline]
    pub unsafe fn malloc(&self, d: Domain, size: usize) -> *mut c_void {
        if size > isize::MAX as usize {
            return std::ptr::null_mut();
        }
        let a = self.entry(d);
        // SAFETY: the installed allocator with its own context; GIL per
        // the caller.
        unsafe { (a.malloc)(a.ctx, size) }
    }

    /// `PyMem_RawCalloc` & co.: NULL when `nelem * elsize` overflows
    /// `isize`.
    ///
    /// # Safety
    /// As [`malloc`](Self::malloc).
    pub unsafe fn calloc(&self, d: Domain, nelem: usize, elsize: usize) -> *mut c_void {
        if elsize != 0 && nelem > isize::MAX as usize / elsize {
            return std::ptr::null_mut();
        }
        let a = self.entry(d);
        // SAFETY: as in `malloc`.
        unsafe { (a.calloc)(a.ctx, nelem, elsize) }
    }

    /// `PyMem_RawRealloc` & co.: `realloc(NULL, n)` is `malloc(n)`;
    /// `realloc(p, 0)` does not free.
    ///
    /// # Safety
    /// As [`malloc`](Self::malloc); `p` is NULL or a live block of `d`.
    pub unsafe fn realloc(&self, d: Domain, p: *mut c_void, size: usize) -> *mut c_void {
        if size > isize::MAX as usize {
            return std::ptr::null_mut();
        }
        let a = self.entry(d);
        // SAFETY: as in `malloc`; `p` belongs to `d` (caller).
        unsafe { (a.realloc)(a.ctx, p, size) }
    }

    /// `PyMem_RawFree` & co.: `free(NULL)` does nothing.
    ///
    /// # Safety
    /// As [`malloc`](Self::malloc); `p` is NULL or a live block of `d`.
    #[inline]
    pub unsafe fn free(&self, d: Domain, p: *mut c_void) {
        let a = self.entry(d);
        // SAFETY: as in `malloc`; `p` belongs to `d` (caller).
        unsafe { (a.free)(a.ctx, p) }
    }

    /// `PyMem_GetAllocator`.
    pub fn get_allocator(&self, d: Domain) -> MemAllocatorEx {
        self.entry(d)
    }

    /// `PyMem_SetAllocator`.
    ///
    /// # Safety
    /// No thread uses domain `d` during the call. Blocks allocated before
    /// must still be freed by the allocator that made them (install a hook
    /// that wraps the previous allocator, as CPython requires). `a`'s
    /// context must outlive its use.
    pub unsafe fn set_allocator(&self, d: Domain, a: MemAllocatorEx) {
        // SAFETY: exclusive use of the domain (caller).
        unsafe { *self.inner.table[d.index()].get() = a };
    }

    /// `PyObject_GetArenaAllocator`.
    pub fn get_arena_allocator(&self) -> ObjectArenaAllocator {
        // SAFETY: written only by `set_arena_allocator` (exclusive use).
        unsafe { *self.inner.arena.get() }
    }

    /// `PyObject_SetArenaAllocator`.
    ///
    /// # Safety
    /// No thread uses MEM/OBJ during the call; arenas already allocated are
    /// freed through the new allocator, so set it before any arena exists
    /// or make it compatible.
    pub unsafe fn set_arena_allocator(&self, a: ObjectArenaAllocator) {
        // SAFETY: exclusive use (caller).
        unsafe { *self.inner.arena.get() = a };
    }

    fn is_debug_hooked(&self, d: Domain) -> bool {
        self.entry(d).ctx == self.inner.debug_apis[d.index()].get().cast()
    }

    /// `PyMem_SetupDebugHooks`: installs the debug hooks on every domain
    /// not already hooked.
    ///
    /// # Safety
    /// No thread uses any domain during the call, and no block allocated
    /// before is freed through the hooks (the hooks only accept their own
    /// blocks).
    pub unsafe fn setup_debug_hooks(&self) {
        for d in Domain::ALL {
            if self.is_debug_hooked(d) {
                continue;
            }
            let api = self.inner.debug_apis[d.index()].get();
            // SAFETY: exclusive use of the domains (caller).
            unsafe {
                (*api).alloc = self.entry(d);
                self.set_allocator(
                    d,
                    MemAllocatorEx {
                        ctx: api.cast(),
                        malloc: debug::debug_malloc,
                        calloc: debug::debug_calloc,
                        realloc: debug::debug_realloc,
                        free: debug::debug_free,
                    },
                );
            }
        }
    }

    /// True if the debug hooks are installed on every domain
    /// (`_PyMem_DebugEnabled`).
    pub fn debug_enabled(&self) -> bool {
        Domain::ALL.iter().all(|&d| self.is_debug_hooked(d))
    }

    /// Sets the "does this thread hold the GIL?" check of the debug hooks
    /// (the thread-state module installs it; without it the check passes,
    /// as `PyGILState_Check()` does before initialization).
    pub fn set_gil_check(&self, check: Option<GilCheck>) {
        *crate::loom::lock(&self.inner.debug_shared.gil_check) = check;
    }

    /// `_PyMem_GetCurrentAllocatorName()`: `pymalloc`, `malloc`,
    /// `mimalloc`, their `_debug` forms, or `None` for a custom setup.
    pub fn allocator_name(&self) -> Option<&'static str> {
        let debug = self.debug_enabled();
        let base = |d: Domain| -> Option<Base> {
            let a = if debug {
                // SAFETY: hook contexts are only written by the setters.
                unsafe { (*self.inner.debug_apis[d.index()].get()).alloc }
            } else {
                self.entry(d)
            };
            let raw_ctx: *mut c_void = (&raw const self.inner.raw_ctx).cast_mut().cast();
            if a.ctx == self.inner.obmalloc.get().cast() {
                Some(Base::Pymalloc)
            } else if a.ctx == raw_ctx {
                // malloc and mimalloc share the account context.
                let m = self.base_allocator(Base::Malloc);
                if a.malloc as usize == m.malloc as usize {
                    Some(Base::Malloc)
                } else {
                    Some(Base::Mimalloc)
                }
            } else {
                None
            }
        };
        let names = match (base(Domain::Raw)?, base(Domain::Mem)?, base(Domain::Obj)?) {
            (Base::Malloc, Base::Pymalloc, Base::Pymalloc) => ("pymalloc", "pymalloc_debug"),
            (Base::Malloc, Base::Malloc, Base::Malloc) => ("malloc", "malloc_debug"),
            (Base::Malloc, Base::Mimalloc, Base::Mimalloc) => ("mimalloc", "mimalloc_debug"),
            _ => return None,
        };
        Some(if debug { names.1 } else { names.0 })
    }

    /// True if pymalloc serves MEM or OBJ (`_PyMem_PymallocEnabled`).
    pub fn pymalloc_enabled(&self) -> bool {
        matches!(self.allocator_name(), Some("pymalloc" | "pymalloc_debug"))
    }

    /// The runtime's byte account.
    pub fn account(&self) -> &Account {
        &self.inner.account
    }

    /// A memory state for a sub-interpreter with its own allocator
    /// state (CPython's own obmalloc): the same allocators, fatal-error
    /// handler and limit, a separate account.
    pub fn new_sibling(&self) -> Mem {
        let name = self
            .allocator_name()
            .and_then(|n| AllocatorName::from_name(n.as_bytes()))
            .unwrap_or(AllocatorName::Default);
        let m = Mem::new(name, self.inner.debug_shared.fatal.clone());
        m.inner.account.set_limit(self.inner.account.limit());
        m
    }

    /// Sets or clears the memory limit (bytes held from the host).
    pub fn set_limit(&self, limit: Option<usize>) {
        self.inner.account.set_limit(limit.unwrap_or(UNLIMITED));
    }

    /// tracemalloc's state.
    pub fn tracemalloc(&self) -> &Tracemalloc {
        &self.inner.tracemalloc
    }

    /// `tracemalloc.start(nframe)`: validates `nframe` (1..=65535), then
    /// hooks the three domains. Starting again only updates the limit.
    ///
    /// # Safety
    /// No thread uses any domain during the call.
    pub unsafe fn tracemalloc_start(&self, nframe: i64) -> Result<(), StartError> {
        let tm = &self.inner.tracemalloc;
        let was = tm.is_tracing();
        tm.begin(nframe)?;
        if was {
            return Ok(());
        }
        // SAFETY: exclusive use of the domains (caller).
        unsafe {
            *self.inner.saved.get() = Some(Domain::ALL.map(|d| self.entry(d)));
            for d in Domain::ALL {
                let api = self.inner.trace_apis[d.index()].get();
                (*api).alloc = self.entry(d);
                self.set_allocator(
                    d,
                    MemAllocatorEx {
                        ctx: api.cast(),
                        malloc: tracemalloc::trace_malloc,
                        calloc: tracemalloc::trace_calloc,
                        realloc: tracemalloc::trace_realloc,
                        free: tracemalloc::trace_free,
                    },
                );
            }
        }
        Ok(())
    }

    /// `tracemalloc.stop()`: restores the allocators and clears the traces.
    ///
    /// # Safety
    /// No thread uses any domain during the call.
    pub unsafe fn tracemalloc_stop(&self) {
        let tm = &self.inner.tracemalloc;
        if !tm.is_tracing() {
            return;
        }
        // SAFETY: exclusive use of the domains (caller).
        unsafe {
            if let Some(saved) = (*self.inner.saved.get()).take() {
                for d in Domain::ALL {
                    self.set_allocator(d, saved[d.index()]);
                }
            }
        }
        tm.end();
    }

    /// `_PyObject_DebugMallocStats()`: pymalloc's statistics, or `None`
    /// when pymalloc is not in use.
    pub fn debug_malloc_stats(&self) -> Option<String> {
        if !self.pymalloc_enabled() {
            return None;
        }
        // SAFETY: a read-only walk; callers hold the GIL (MEM/OBJ contract)
        // or run single-threaded (startup, finalization).
        Some(unsafe { (*self.inner.obmalloc.get()).debug_malloc_stats() })
    }

    /// Prints statistics through `sink` before each new arena
    /// (`PYTHONMALLOCSTATS`); `None` stops it.
    ///
    /// # Safety
    /// No thread uses MEM/OBJ during the call.
    pub unsafe fn set_new_arena_hook(&self, sink: Option<obmalloc::ArenaHook>) {
        // SAFETY: exclusive use (caller).
        unsafe { (*self.inner.obmalloc.get()).on_new_arena = sink };
    }

    /// Memory figures.
    pub fn stats(&self) -> MemStats {
        let a = &self.inner.account;
        // SAFETY: a read of counters; see `debug_malloc_stats`.
        let ob = unsafe { &*self.inner.obmalloc.get() };
        let tm = &self.inner.tracemalloc;
        MemStats {
            used: a.used(),
            peak: a.peak(),
            limit: Some(a.limit()).filter(|&l| l != UNLIMITED),
            arenas: ob.arenas_allocated(),
            allocated_blocks: ob.allocated_blocks(),
            traced: tm.is_tracing().then(|| tm.traced_memory()),
        }
    }

    /// A zeroed RAW block with a safe interface: freed when dropped.
    pub fn raw_buffer(&self, len: usize) -> Option<RawBuf<'_>> {
        // SAFETY: RAW needs no GIL.
        let p = unsafe { self.calloc(Domain::Raw, 1, len) };
        NonNull::new(p.cast::<u8>()).map(|ptr| RawBuf {
            mem: self,
            ptr,
            len,
        })
    }
}

impl Drop for Mem {
    fn drop(&mut self) {
        // Return quarantined debug blocks to the allocators that made them
        // while those still exist.
        debug::drain_quarantine(&self.inner.debug_shared);
    }
}

/// A block of the RAW domain, zeroed, freed on drop.
pub struct RawBuf<'m> {
    mem: &'m Mem,
    ptr: NonNull<u8>,
    len: usize,
}

impl std::fmt::Debug for RawBuf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawBuf").field("len", &self.len).finish()
    }
}

impl std::ops::Deref for RawBuf<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` is a live, zero-initialized block of `len` bytes
        // owned by this value.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl std::ops::DerefMut for RawBuf<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for RawBuf<'_> {
    fn drop(&mut self) {
        // SAFETY: the block came from the RAW domain of `mem`.
        unsafe { self.mem.free(Domain::Raw, self.ptr.as_ptr().cast()) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
