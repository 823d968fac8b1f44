//! pymalloc: CPython's small-object allocator.
//!
//! Mirrors `Objects/obmalloc.c` and `Include/internal/pycore_obmalloc.h`
//! (3.13). Requests of 1..=512 bytes are rounded up to a multiple of
//! `ALIGNMENT` and served from *pools* — one size class per pool, blocks
//! handed out from a free list threaded through the free blocks, virgin
//! blocks carved on demand — and pools are carved from *arenas* obtained
//! from the arena allocator. Size 0 and larger requests go to the RAW
//! domain. A radix tree over arena addresses answers "is this pointer
//! pymalloc's?" in three loads, so `free` and `realloc` accept any pointer.
//!
//! | constant | 64-bit (CPython) | wasm32 (pyrt's choice) |
//! | --- | --- | --- |
//! | `ALIGNMENT` | 16 (32 size classes) | 8 (64 size classes), as CPython on 32-bit |
//! | `POOL_SIZE` | 16 KiB | 16 KiB |
//! | `ARENA_SIZE` | 1 MiB (64 pools) | 256 KiB (16 pools) |
//!
//! On wasm32 CPython would use 4 KiB pools in 256 KiB arenas; pyrt keeps
//! 16 KiB pools there because wasm memory grows in 64 KiB pages and is
//! never returned to the host, so smaller pools only add header overhead,
//! while 256 KiB arenas keep a small program's footprint at four pages.
//!
//! Arena policy (CPython's): allocation prefers the most used arena (the
//! `usable_arenas` list is sorted by free pools, `nfp2lasta` keeps that
//! O(1)); an arena whose pools are all free is returned to the arena
//! allocator unless it is the last usable one (bpo-37257).
//!
//! Concurrency: an [`Obmalloc`] is not thread-safe. The MEM and OBJ domains
//! that use it require the GIL of the interpreter owning it (CPython's
//! rule); each interpreter with `use_main_obmalloc = 0` owns its own.

use std::ffi::c_void;
use std::ptr::{self, null_mut};

use super::{MemAllocatorEx, ObjectArenaAllocator};

#[cfg(target_pointer_width = "64")]
mod sizes {
    pub const ALIGNMENT_SHIFT: usize = 4;
    pub const ARENA_BITS: usize = 20;
    /// Bits of a user-space address (x86-64 and aarch64: 48).
    pub const ADDRESS_BITS: usize = 48;
}

#[cfg(not(target_pointer_width = "64"))]
mod sizes {
    pub const ALIGNMENT_SHIFT: usize = 3;
    pub const ARENA_BITS: usize = 18;
    pub const ADDRESS_BITS: usize = 32;
}

/// Block alignment and size-class granularity.
pub const ALIGNMENT: usize = 1 << sizes::ALIGNMENT_SHIFT;
/// Largest request pymalloc serves.
pub const SMALL_REQUEST_THRESHOLD: usize = 512;
/// Number of size classes.
pub const NB_SMALL_SIZE_CLASSES: usize = SMALL_REQUEST_THRESHOLD / ALIGNMENT;
/// Pool size (`POOL_SIZE`): 16 KiB.
pub const POOL_BITS: usize = 14;
/// Pool size in bytes.
pub const POOL_SIZE: usize = 1 << POOL_BITS;
const POOL_SIZE_MASK: usize = POOL_SIZE - 1;
/// Arena size in bytes.
pub const ARENA_SIZE: usize = 1 << sizes::ARENA_BITS;
const ARENA_SIZE_MASK: usize = ARENA_SIZE - 1;
/// Pools in an arena whose address is pool-aligned.
pub const MAX_POOLS_IN_ARENA: usize = ARENA_SIZE / POOL_SIZE;
/// Bytes at the start of a pool taken by its header, rounded to `ALIGNMENT`.
pub const POOL_OVERHEAD: usize = std::mem::size_of::<PoolHeader>().div_ceil(ALIGNMENT) * ALIGNMENT;
/// `INITIAL_ARENA_OBJECTS`.
const INITIAL_ARENA_OBJECTS: usize = 16;
/// No arena (an index sentinel).
const NONE: u32 = u32::MAX;
/// `DUMMY_SIZE_IDX`: a freshly carved pool has no size class yet.
const DUMMY_SIZE_IDX: u32 = 0xffff;

/// Size of the blocks of class `idx` (`INDEX2SIZE`).
#[inline]
pub const fn index_to_size(idx: usize) -> usize {
    (idx + 1) << sizes::ALIGNMENT_SHIFT
}

/// `struct pool_header`. Lives at the start of each pool, inside the arena.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct PoolHeader {
    /// Number of allocated blocks (`ref.count`).
    count: u32,
    /// Head of the free list; NULL when the pool is full.
    freeblock: *mut u8,
    /// Next pool of this size class, or next free pool of the arena.
    nextpool: *mut PoolHeader,
    /// Previous pool of this size class.
    prevpool: *mut PoolHeader,
    /// Index of the owning arena object.
    arenaindex: u32,
    /// Size class.
    szidx: u32,
    /// Offset of the next virgin block.
    nextoffset: u32,
    /// Largest valid `nextoffset`.
    maxnextoffset: u32,
}

/// `struct arena_object`.
#[derive(Clone, Copy, Debug)]
struct ArenaObject {
    /// Base address from the arena allocator; 0 when the slot is unused.
    address: usize,
    /// Next virgin pool to carve.
    pool_address: usize,
    nfreepools: u32,
    ntotalpools: u32,
    /// Singly-linked list of empty pools (through `nextpool`).
    freepools: *mut PoolHeader,
    nextarena: u32,
    prevarena: u32,
}

const EMPTY_ARENA: ArenaObject = ArenaObject {
    address: 0,
    pool_address: 0,
    nfreepools: 0,
    ntotalpools: 0,
    freepools: ptr::null_mut(),
    nextarena: NONE,
    prevarena: NONE,
};

/// The radix tree over arena addresses (`arena_map_*`).
///
/// The address bits above `ARENA_BITS` select a top, a mid and a bottom
/// node; a bottom entry records which part of that `ARENA_SIZE`-aligned
/// chunk belongs to an arena: `[tail_hi, ARENA_SIZE)` for an arena that
/// starts in the chunk (`tail_hi = -1` when it starts at the chunk's
/// base), `[0, tail_lo)` for one that ends in it.
mod arena_map {
    use super::{ARENA_SIZE, ARENA_SIZE_MASK, sizes};

    const INDEX_BITS: usize = sizes::ADDRESS_BITS - sizes::ARENA_BITS;
    pub(super) const BOT_BITS: usize = INDEX_BITS / 3;
    pub(super) const MID_BITS: usize = INDEX_BITS / 3;
    pub(super) const TOP_BITS: usize = INDEX_BITS - BOT_BITS - MID_BITS;
    const BOT_LEN: usize = 1 << BOT_BITS;
    const MID_LEN: usize = 1 << MID_BITS;
    const TOP_LEN: usize = 1 << TOP_BITS;

    #[derive(Clone, Copy, Default, Debug)]
    pub(super) struct Coverage {
        tail_hi: i32,
        tail_lo: i32,
    }

    pub(super) type Bot = [Coverage; BOT_LEN];
    pub(super) type Mid = [Option<Box<Bot>>; MID_LEN];

    #[derive(Debug)]
    pub(super) struct ArenaMap {
        root: Box<[Option<Box<Mid>>]>,
        pub(super) mid_count: usize,
        pub(super) bot_count: usize,
    }

    #[inline]
    fn indices(p: usize) -> Option<(usize, usize, usize)> {
        if sizes::ADDRESS_BITS < usize::BITS as usize
            && p.checked_shr(sizes::ADDRESS_BITS as u32).unwrap_or(0) != 0
        {
            return None;
        }
        let i = p >> sizes::ARENA_BITS;
        Some((
            i >> (MID_BITS + BOT_BITS),
            (i >> BOT_BITS) & (MID_LEN - 1),
            i & (BOT_LEN - 1),
        ))
    }

    impl ArenaMap {
        pub(super) fn new() -> ArenaMap {
            ArenaMap {
                root: (0..TOP_LEN).map(|_| None).collect(),
                mid_count: 0,
                bot_count: 0,
            }
        }

        /// Bytes the root node takes.
        pub(super) fn root_bytes(&self) -> usize {
            TOP_LEN * std::mem::size_of::<Option<Box<Mid>>>()
        }

        pub(super) fn mid_bytes() -> usize {
            std::mem::size_of::<Mid>()
        }

        pub(super) fn bot_bytes() -> usize {
            std::mem::size_of::<Bot>()
        }

        fn get_mut(&mut self, p: usize, create: bool) -> Option<&mut Coverage> {
            let (t, m, b) = indices(p)?;
            let slot = &mut self.root[t];
            if slot.is_none() {
                if !create {
                    return None;
                }
                *slot = Some(Box::new(std::array::from_fn(|_| None)));
                self.mid_count += 1;
            }
            let mid = slot.as_mut()?;
            if mid[m].is_none() {
                if !create {
                    return None;
                }
                mid[m] = Some(Box::new([Coverage::default(); BOT_LEN]));
                self.bot_count += 1;
            }
            mid[m].as_mut().map(|bot| &mut bot[b])
        }

        /// `arena_map_mark_used()`: `false` if the address is outside the
        /// map (then the arena cannot be used).
        pub(super) fn mark(&mut self, base: usize, used: bool) -> bool {
            let tail = (base & ARENA_SIZE_MASK) as i32;
            if tail == 0 {
                match self.get_mut(base, used) {
                    Some(c) => {
                        c.tail_hi = if used { -1 } else { 0 };
                        true
                    }
                    None => false,
                }
            } else {
                let Some(next) = base.checked_add(ARENA_SIZE) else {
                    return false;
                };
                if indices(next).is_none() {
                    return false;
                }
                match self.get_mut(base, used) {
                    Some(c) => c.tail_hi = if used { tail } else { 0 },
                    None => return false,
                }
                match self.get_mut(next, used) {
                    Some(c) => c.tail_lo = if used { tail } else { 0 },
                    None => return false,
                }
                true
            }
        }

        /// `arena_map_is_used()`.
        #[inline]
        pub(super) fn is_used(&self, p: usize) -> bool {
            let Some((t, m, b)) = indices(p) else {
                return false;
            };
            let Some(mid) = &self.root[t] else {
                return false;
            };
            let Some(bot) = &mid[m] else {
                return false;
            };
            let c = bot[b];
            let tail = (p & ARENA_SIZE_MASK) as i32;
            tail < c.tail_lo || (tail >= c.tail_hi && c.tail_hi != 0)
        }
    }
}

/// Receives pymalloc's statistics text before each new arena.
pub type ArenaHook = Box<dyn Fn(&str) + Send>;

/// One pymalloc state (`struct _obmalloc_state`): pools, arenas and the
/// arena map.
pub struct Obmalloc {
    /// `usedpools[i]` is the sentinel of the circular list of partially
    /// used pools of class `i`. Boxed: pools point at the sentinels.
    usedpools: Box<[PoolHeader]>,
    arenas: Vec<ArenaObject>,
    unused_arena_objects: u32,
    usable_arenas: u32,
    /// `nfp2lasta[n]`: the last arena in `usable_arenas` with `n` free pools.
    nfp2lasta: Box<[u32]>,
    narenas_currently_allocated: usize,
    ntimes_arena_allocated: usize,
    narenas_highwater: usize,
    /// Blocks of this state's domains served by the RAW domain.
    raw_allocated_blocks: isize,
    map: arena_map::ArenaMap,
    /// Where arenas come from (`_PyObject_Arena`).
    pub(crate) arena_allocator: *const ObjectArenaAllocator,
    /// The RAW domain, for size 0 and requests above 512 bytes.
    pub(crate) raw: *const MemAllocatorEx,
    /// Called with the statistics text before each new arena
    /// (`PYTHONMALLOCSTATS`).
    pub(crate) on_new_arena: Option<ArenaHook>,
}

impl std::fmt::Debug for Obmalloc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obmalloc")
            .field("narenas", &self.narenas_currently_allocated)
            .finish_non_exhaustive()
    }
}

// SAFETY: an Obmalloc owns its pools and arenas exclusively; the raw
// pointers it holds point into memory it owns or into the runtime's
// allocator tables, which outlive it. Access is serialized by the owner
// (the GIL), so moving it to another thread is sound.
unsafe impl Send for Obmalloc {}

impl Obmalloc {
    /// A state with no arenas. `raw` and `arena_allocator` must stay valid
    /// for its whole life.
    pub(crate) fn new(
        raw: *const MemAllocatorEx,
        arena_allocator: *const ObjectArenaAllocator,
    ) -> Obmalloc {
        let mut usedpools: Box<[PoolHeader]> = (0..NB_SMALL_SIZE_CLASSES)
            .map(|_| PoolHeader {
                count: 0,
                freeblock: null_mut(),
                nextpool: null_mut(),
                prevpool: null_mut(),
                arenaindex: NONE,
                szidx: DUMMY_SIZE_IDX,
                nextoffset: 0,
                maxnextoffset: 0,
            })
            .collect();
        for s in usedpools.iter_mut() {
            let p: *mut PoolHeader = s;
            s.nextpool = p;
            s.prevpool = p;
        }
        Obmalloc {
            usedpools,
            arenas: Vec::new(),
            unused_arena_objects: NONE,
            usable_arenas: NONE,
            nfp2lasta: vec![NONE; MAX_POOLS_IN_ARENA + 1].into_boxed_slice(),
            narenas_currently_allocated: 0,
            ntimes_arena_allocated: 0,
            narenas_highwater: 0,
            raw_allocated_blocks: 0,
            map: arena_map::ArenaMap::new(),
            arena_allocator,
            raw,
            on_new_arena: None,
        }
    }

    #[inline]
    fn sentinel(&mut self, idx: usize) -> *mut PoolHeader {
        &mut self.usedpools[idx]
    }

    /// True if `p` lies in one of this state's arenas (`address_in_range`).
    #[inline]
    pub fn owns(&self, p: *const c_void) -> bool {
        self.map.is_used(p as usize)
    }

    /// Blocks currently allocated through this state, small and large
    /// (`_Py_GetAllocatedBlocks`).
    pub fn allocated_blocks(&self) -> isize {
        let mut n = self.raw_allocated_blocks;
        for a in self.arenas.iter().filter(|a| a.address != 0) {
            let mut base = a.address;
            if base & POOL_SIZE_MASK != 0 {
                base = (base & !POOL_SIZE_MASK) + POOL_SIZE;
            }
            while base < a.pool_address {
                // SAFETY: every pool below pool_address was carved and has
                // an initialized header.
                n += unsafe { (*(base as *const PoolHeader)).count } as isize;
                base += POOL_SIZE;
            }
        }
        n
    }

    /// `pymalloc_alloc`: a block of `nbytes` (1..=512), or NULL.
    ///
    /// # Safety
    /// The caller has exclusive access to this state.
    #[inline]
    unsafe fn pymalloc_alloc(&mut self, nbytes: usize) -> *mut u8 {
        if nbytes.wrapping_sub(1) >= SMALL_REQUEST_THRESHOLD {
            return null_mut();
        }
        let size = (nbytes - 1) >> sizes::ALIGNMENT_SHIFT;
        let head = self.sentinel(size);
        // SAFETY: the sentinel and every pool on its list are valid
        // headers; a pool on a used list has a non-NULL free list.
        unsafe {
            let pool = (*head).nextpool;
            if pool != head {
                (*pool).count += 1;
                let bp = (*pool).freeblock;
                let next = bp.cast::<*mut u8>().read();
                (*pool).freeblock = next;
                if next.is_null() {
                    Self::pool_extend(pool, size);
                }
                bp
            } else {
                self.allocate_from_new_pool(size)
            }
        }
    }

    /// `pymalloc_pool_extend`: carve a virgin block, or unlink a full pool.
    ///
    /// # Safety
    /// `pool` is a used pool of class `size` whose free list just ran out.
    #[inline]
    unsafe fn pool_extend(pool: *mut PoolHeader, size: usize) {
        // SAFETY: `pool` is a valid header (caller); offsets stay inside it.
        unsafe {
            if (*pool).nextoffset <= (*pool).maxnextoffset {
                let fb = pool.cast::<u8>().add((*pool).nextoffset as usize);
                (*pool).freeblock = fb;
                (*pool).nextoffset += index_to_size(size) as u32;
                fb.cast::<*mut u8>().write(null_mut());
                return;
            }
            // Pool is full: unlink from used pools.
            let next = (*pool).nextpool;
            let prev = (*pool).prevpool;
            (*next).prevpool = prev;
            (*prev).nextpool = next;
        }
    }

    /// `allocate_from_new_pool`.
    ///
    /// # Safety
    /// The caller has exclusive access to this state.
    unsafe fn allocate_from_new_pool(&mut self, size: usize) -> *mut u8 {
        if self.usable_arenas == NONE {
            let Some(idx) = self.new_arena() else {
                return null_mut();
            };
            self.usable_arenas = idx;
            let a = &mut self.arenas[idx as usize];
            a.nextarena = NONE;
            a.prevarena = NONE;
            let nf = a.nfreepools as usize;
            debug_assert_eq!(self.nfp2lasta[nf], NONE);
            self.nfp2lasta[nf] = idx;
        }
        let ua = self.usable_arenas;
        let nf = self.arenas[ua as usize].nfreepools as usize;
        if self.nfp2lasta[nf] == ua {
            self.nfp2lasta[nf] = NONE;
        }
        if nf > 1 {
            debug_assert_eq!(self.nfp2lasta[nf - 1], NONE);
            self.nfp2lasta[nf - 1] = ua;
        }

        let pool: *mut PoolHeader;
        let a = &mut self.arenas[ua as usize];
        if !a.freepools.is_null() {
            pool = a.freepools;
            // SAFETY: free pools are valid headers linked through nextpool.
            a.freepools = unsafe { (*pool).nextpool };
            a.nfreepools -= 1;
            if a.nfreepools == 0 {
                self.unlink_full_usable_head();
            }
        } else {
            pool = a.pool_address as *mut PoolHeader;
            debug_assert!(a.pool_address <= a.address + ARENA_SIZE - POOL_SIZE);
            // SAFETY: `pool` is a pool-aligned, POOL_SIZE region inside the
            // arena that has not been carved before.
            unsafe {
                (*pool).arenaindex = ua;
                (*pool).szidx = DUMMY_SIZE_IDX;
            }
            a.pool_address += POOL_SIZE;
            a.nfreepools -= 1;
            if a.nfreepools == 0 {
                self.unlink_full_usable_head();
            }
        }

        let next = self.sentinel(size);
        // SAFETY: `pool` is a valid pool header owned by this state and
        // `next` the sentinel of its class; the block offsets computed below
        // stay within the pool.
        unsafe {
            (*pool).nextpool = next;
            (*pool).prevpool = next;
            (*next).nextpool = pool;
            (*next).prevpool = pool;
            (*pool).count = 1;
            if (*pool).szidx as usize == size {
                // Same class as before: header and free list are valid.
                let bp = (*pool).freeblock;
                debug_assert!(!bp.is_null());
                (*pool).freeblock = bp.cast::<*mut u8>().read();
                return bp;
            }
            (*pool).szidx = size as u32;
            let bsize = index_to_size(size);
            let bp = pool.cast::<u8>().add(POOL_OVERHEAD);
            (*pool).nextoffset = (POOL_OVERHEAD + 2 * bsize) as u32;
            (*pool).maxnextoffset = (POOL_SIZE - bsize) as u32;
            (*pool).freeblock = bp.add(bsize);
            (*pool).freeblock.cast::<*mut u8>().write(null_mut());
            bp
        }
    }

    /// The head of `usable_arenas` became wholly allocated: unlink it.
    fn unlink_full_usable_head(&mut self) {
        let ua = self.usable_arenas as usize;
        let next = self.arenas[ua].nextarena;
        self.usable_arenas = next;
        if next != NONE {
            self.arenas[next as usize].prevarena = NONE;
        }
    }

    /// `new_arena`.
    fn new_arena(&mut self) -> Option<u32> {
        if let Some(cb) = &self.on_new_arena {
            cb(&self.debug_malloc_stats());
        }
        if self.unused_arena_objects == NONE {
            let old = self.arenas.len();
            let new = if old == 0 {
                INITIAL_ARENA_OBJECTS
            } else {
                old.checked_mul(2)?
            };
            if u32::try_from(new).is_err() {
                return None;
            }
            self.arenas.resize(new, EMPTY_ARENA);
            for i in old..new {
                self.arenas[i].nextarena = if i + 1 < new { (i + 1) as u32 } else { NONE };
            }
            self.unused_arena_objects = old as u32;
        }
        let idx = self.unused_arena_objects;
        self.unused_arena_objects = self.arenas[idx as usize].nextarena;
        // SAFETY: the arena allocator table outlives this state.
        let aa = unsafe { &*self.arena_allocator };
        // SAFETY: calling the installed arena allocator with its own ctx.
        let mut address = unsafe { (aa.alloc)(aa.ctx, ARENA_SIZE) } as usize;
        if address != 0 && !self.map.mark(address, true) {
            // SAFETY: `address` came from this allocator with ARENA_SIZE.
            unsafe { (aa.free)(aa.ctx, address as *mut c_void, ARENA_SIZE) };
            address = 0;
        }
        if address == 0 {
            self.arenas[idx as usize].nextarena = self.unused_arena_objects;
            self.unused_arena_objects = idx;
            return None;
        }
        self.narenas_currently_allocated += 1;
        self.ntimes_arena_allocated += 1;
        self.narenas_highwater = self.narenas_highwater.max(self.narenas_currently_allocated);
        let a = &mut self.arenas[idx as usize];
        a.address = address;
        a.freepools = null_mut();
        a.pool_address = address;
        a.nfreepools = MAX_POOLS_IN_ARENA as u32;
        let excess = address & POOL_SIZE_MASK;
        if excess != 0 {
            a.nfreepools -= 1;
            a.pool_address += POOL_SIZE - excess;
        }
        a.ntotalpools = a.nfreepools;
        Some(idx)
    }

    /// `pymalloc_free`: `false` if `p` is not pymalloc's.
    ///
    /// # Safety
    /// Exclusive access; `p` is a live block of this state, or not in any
    /// of its arenas.
    #[inline]
    unsafe fn pymalloc_free(&mut self, p: *mut u8) -> bool {
        if !self.map.is_used(p as usize) {
            return false;
        }
        let pool = (p as usize & !POOL_SIZE_MASK) as *mut PoolHeader;
        // SAFETY: `p` is inside one of our arenas, so its pool-aligned base
        // is a carved pool with a valid header (blocks are only handed out
        // from carved pools), and `p` is a live block of it (caller).
        unsafe {
            debug_assert!((*pool).count > 0);
            let lastfree = (*pool).freeblock;
            p.cast::<*mut u8>().write(lastfree);
            (*pool).freeblock = p;
            (*pool).count -= 1;
            if lastfree.is_null() {
                // The pool was full: link it back among the used pools.
                let next = self.sentinel((*pool).szidx as usize);
                let prev = (*next).prevpool;
                (*pool).nextpool = next;
                (*pool).prevpool = prev;
                (*next).prevpool = pool;
                (*prev).nextpool = pool;
                return true;
            }
            if (*pool).count != 0 {
                return true;
            }
            self.insert_to_freepool(pool);
        }
        true
    }

    /// `insert_to_freepool`: the pool became empty.
    ///
    /// # Safety
    /// `pool` is an empty pool on a used list of this state.
    unsafe fn insert_to_freepool(&mut self, pool: *mut PoolHeader) {
        // SAFETY: `pool` and its neighbours are valid headers (caller).
        let ai = unsafe {
            let next = (*pool).nextpool;
            let prev = (*pool).prevpool;
            (*next).prevpool = prev;
            (*prev).nextpool = next;
            (*pool).arenaindex
        };
        let ao = ai as usize;
        // SAFETY: as above; freepools is singly linked through nextpool.
        unsafe { (*pool).nextpool = self.arenas[ao].freepools };
        self.arenas[ao].freepools = pool;
        let mut nf = self.arenas[ao].nfreepools as usize;
        let lastnf = self.nfp2lasta[nf];
        if lastnf == ai {
            let p = self.arenas[ao].prevarena;
            self.nfp2lasta[nf] = if p != NONE && self.arenas[p as usize].nfreepools as usize == nf {
                p
            } else {
                NONE
            };
        }
        nf += 1;
        self.arenas[ao].nfreepools = nf as u32;

        // Case 1: every pool free and not the last usable arena: release.
        if nf == self.arenas[ao].ntotalpools as usize && self.arenas[ao].nextarena != NONE {
            let (prev, next) = (self.arenas[ao].prevarena, self.arenas[ao].nextarena);
            if prev == NONE {
                self.usable_arenas = next;
            } else {
                self.arenas[prev as usize].nextarena = next;
            }
            if next != NONE {
                self.arenas[next as usize].prevarena = prev;
            }
            self.arenas[ao].nextarena = self.unused_arena_objects;
            self.unused_arena_objects = ai;
            let address = self.arenas[ao].address;
            self.map.mark(address, false);
            // SAFETY: the arena table outlives this state; `address` came
            // from this allocator with ARENA_SIZE and no block in it is live.
            unsafe {
                let aa = &*self.arena_allocator;
                (aa.free)(aa.ctx, address as *mut c_void, ARENA_SIZE);
            }
            self.arenas[ao].address = 0;
            self.narenas_currently_allocated -= 1;
            return;
        }

        // Case 2: first free pool: put the arena at the head.
        if nf == 1 {
            self.arenas[ao].nextarena = self.usable_arenas;
            self.arenas[ao].prevarena = NONE;
            if self.usable_arenas != NONE {
                self.arenas[self.usable_arenas as usize].prevarena = ai;
            }
            self.usable_arenas = ai;
            if self.nfp2lasta[1] == NONE {
                self.nfp2lasta[1] = ai;
            }
            return;
        }

        if self.nfp2lasta[nf] == NONE {
            self.nfp2lasta[nf] = ai;
        }
        // Case 4: it was the rightmost with its old count: still sorted.
        if ai == lastnf {
            return;
        }
        // Case 3: slide the arena right, after `lastnf`.
        let (prev, next) = (self.arenas[ao].prevarena, self.arenas[ao].nextarena);
        debug_assert!(next != NONE);
        if prev != NONE {
            self.arenas[prev as usize].nextarena = next;
        } else {
            self.usable_arenas = next;
        }
        self.arenas[next as usize].prevarena = prev;
        let l = lastnf as usize;
        self.arenas[ao].prevarena = lastnf;
        self.arenas[ao].nextarena = self.arenas[l].nextarena;
        let an = self.arenas[ao].nextarena;
        if an != NONE {
            self.arenas[an as usize].prevarena = ai;
        }
        self.arenas[l].nextarena = ai;
    }

    /// The RAW domain allocator.
    #[inline]
    fn raw(&self) -> &MemAllocatorEx {
        // SAFETY: the allocator table outlives this state.
        unsafe { &*self.raw }
    }

    /// `_PyObject_Malloc`.
    ///
    /// # Safety
    /// Exclusive access to this state (the GIL).
    #[inline]
    pub unsafe fn malloc(&mut self, nbytes: usize) -> *mut c_void {
        // SAFETY: forwarded exclusivity.
        let p = unsafe { self.pymalloc_alloc(nbytes) };
        if !p.is_null() {
            return p.cast();
        }
        let raw = *self.raw();
        // SAFETY: the RAW allocator with its own context.
        let p = unsafe { (raw.malloc)(raw.ctx, nbytes) };
        if !p.is_null() {
            self.raw_allocated_blocks += 1;
        }
        p
    }

    /// `_PyObject_Calloc` (the caller checked `nelem * elsize` for
    /// overflow).
    ///
    /// # Safety
    /// Exclusive access to this state.
    pub unsafe fn calloc(&mut self, nelem: usize, elsize: usize) -> *mut c_void {
        let nbytes = nelem.wrapping_mul(elsize);
        // SAFETY: forwarded exclusivity.
        let p = unsafe { self.pymalloc_alloc(nbytes) };
        if !p.is_null() {
            // SAFETY: `p` is a block of at least `nbytes` bytes.
            unsafe { ptr::write_bytes(p, 0, nbytes) };
            return p.cast();
        }
        let raw = *self.raw();
        // SAFETY: the RAW allocator with its own context.
        let p = unsafe { (raw.calloc)(raw.ctx, nelem, elsize) };
        if !p.is_null() {
            self.raw_allocated_blocks += 1;
        }
        p
    }

    /// `_PyObject_Free`.
    ///
    /// # Safety
    /// Exclusive access; `p` is NULL or a live block of this state's
    /// domains.
    #[inline]
    pub unsafe fn free(&mut self, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        // SAFETY: forwarded contract.
        if unsafe { !self.pymalloc_free(p.cast()) } {
            let raw = *self.raw();
            // SAFETY: `p` is not pymalloc's, so it came from the RAW domain.
            unsafe { (raw.free)(raw.ctx, p) };
            self.raw_allocated_blocks -= 1;
        }
    }

    /// `_PyObject_Realloc`.
    ///
    /// # Safety
    /// Exclusive access; `p` is NULL or a live block of this state's
    /// domains.
    pub unsafe fn realloc(&mut self, p: *mut c_void, nbytes: usize) -> *mut c_void {
        if p.is_null() {
            // SAFETY: forwarded exclusivity.
            return unsafe { self.malloc(nbytes) };
        }
        if self.map.is_used(p as usize) {
            let pool = (p as usize & !POOL_SIZE_MASK) as *const PoolHeader;
            // SAFETY: `p` is a live pymalloc block; its pool header is valid.
            let size = index_to_size(unsafe { (*pool).szidx } as usize);
            let copy = if nbytes <= size {
                // Shrinking: keep the block unless at least 25% is saved.
                if 4 * nbytes > 3 * size {
                    return p;
                }
                nbytes
            } else {
                size
            };
            // SAFETY: exclusivity forwarded; both blocks are live and at
            // least `copy` bytes long, and distinct.
            unsafe {
                let np = self.malloc(nbytes);
                if !np.is_null() {
                    ptr::copy_nonoverlapping(p.cast::<u8>(), np.cast::<u8>(), copy);
                    self.free(p);
                }
                return np;
            }
        }
        let raw = *self.raw();
        // SAFETY: not pymalloc's, so a RAW block.
        unsafe { (raw.realloc)(raw.ctx, p, nbytes) }
    }

    /// `_PyObject_DebugMallocStats()`: the statistics text.
    pub fn debug_malloc_stats(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Small block threshold = {SMALL_REQUEST_THRESHOLD}, in {NB_SMALL_SIZE_CLASSES} size classes."
        );
        let mut numpools = [0usize; NB_SMALL_SIZE_CLASSES];
        let mut numblocks = [0usize; NB_SMALL_SIZE_CLASSES];
        let mut numfree = [0usize; NB_SMALL_SIZE_CLASSES];
        let mut numfreepools = 0usize;
        let mut arena_alignment = 0usize;
        let mut narenas = 0usize;
        for a in self.arenas.iter().filter(|a| a.address != 0) {
            narenas += 1;
            numfreepools += a.nfreepools as usize;
            let mut base = a.address;
            if base & POOL_SIZE_MASK != 0 {
                arena_alignment += POOL_SIZE;
                base = (base & !POOL_SIZE_MASK) + POOL_SIZE;
            }
            while base < a.pool_address {
                // SAFETY: carved pools have valid headers.
                let p = unsafe { &*(base as *const PoolHeader) };
                base += POOL_SIZE;
                if p.count == 0 {
                    continue;
                }
                let sz = p.szidx as usize;
                numpools[sz] += 1;
                numblocks[sz] += p.count as usize;
                numfree[sz] += blocks_in_pool(sz) - p.count as usize;
            }
        }
        out.push('\n');
        out.push_str("class   size   num pools   blocks in use  avail blocks\n");
        out.push_str("-----   ----   ---------   -------------  ------------\n");
        let (mut allocated, mut available, mut headers, mut quant) = (0, 0, 0, 0);
        for i in 0..NB_SMALL_SIZE_CLASSES {
            let (p, b, f) = (numpools[i], numblocks[i], numfree[i]);
            if p == 0 {
                continue;
            }
            let size = index_to_size(i);
            let _ = writeln!(out, "{i:>5} {size:>6} {p:>11} {b:>15} {f:>13}");
            allocated += b * size;
            available += f * size;
            headers += p * POOL_OVERHEAD;
            quant += p * ((POOL_SIZE - POOL_OVERHEAD) % size);
        }
        out.push('\n');
        printone(
            &mut out,
            "# arenas allocated total",
            self.ntimes_arena_allocated,
        );
        printone(
            &mut out,
            "# arenas reclaimed",
            self.ntimes_arena_allocated - narenas,
        );
        printone(&mut out, "# arenas highwater mark", self.narenas_highwater);
        printone(&mut out, "# arenas allocated current", narenas);
        printone(
            &mut out,
            &format!("{narenas} arenas * {ARENA_SIZE} bytes/arena"),
            narenas * ARENA_SIZE,
        );
        out.push('\n');
        let mut total = printone(&mut out, "# bytes in allocated blocks", allocated);
        total += printone(&mut out, "# bytes in available blocks", available);
        total += printone(
            &mut out,
            &format!("{numfreepools} unused pools * {POOL_SIZE} bytes"),
            numfreepools * POOL_SIZE,
        );
        total += printone(&mut out, "# bytes lost to pool headers", headers);
        total += printone(&mut out, "# bytes lost to quantization", quant);
        total += printone(&mut out, "# bytes lost to arena alignment", arena_alignment);
        printone(&mut out, "Total", total);
        out.push_str("\narena map counts\n");
        printone(&mut out, "# arena map mid nodes", self.map.mid_count);
        printone(&mut out, "# arena map bot nodes", self.map.bot_count);
        out.push('\n');
        let mut total = printone(
            &mut out,
            "# bytes lost to arena map root",
            self.map.root_bytes(),
        );
        total += printone(
            &mut out,
            "# bytes lost to arena map mid",
            arena_map::ArenaMap::mid_bytes() * self.map.mid_count,
        );
        total += printone(
            &mut out,
            "# bytes lost to arena map bot",
            arena_map::ArenaMap::bot_bytes() * self.map.bot_count,
        );
        printone(&mut out, "Total", total);
        out
    }

    /// Number of arenas currently allocated.
    pub fn arenas_allocated(&self) -> usize {
        self.narenas_currently_allocated
    }
}

/// `NUMBLOCKS(idx)`: blocks of class `idx` in a pool.
const fn blocks_in_pool(idx: usize) -> usize {
    (POOL_SIZE - POOL_OVERHEAD) / index_to_size(idx)
}

/// `printone()`: the label padded to 35 columns, `=`, the value with
/// thousands separators right-aligned in 21 columns.
fn printone(out: &mut String, msg: &str, value: usize) -> usize {
    out.push_str(msg);
    for _ in msg.len()..35 {
        out.push(' ');
    }
    out.push('=');
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    out.push_str(&format!("{grouped:>21}\n"));
    value
}

impl Drop for Obmalloc {
    fn drop(&mut self) {
        // Return every arena, whatever is still allocated in it: the
        // state's owner is gone (interpreter deleted, runtime finalized).
        if self.arena_allocator.is_null() {
            return;
        }
        // SAFETY: the arena table outlives this state (owner's contract).
        let aa = unsafe { &*self.arena_allocator };
        for a in &mut self.arenas {
            if a.address != 0 {
                // SAFETY: each address came from this allocator with ARENA_SIZE.
                unsafe { (aa.free)(aa.ctx, a.address as *mut c_void, ARENA_SIZE) };
                a.address = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_cpython_on_64_bit() {
        if cfg!(target_pointer_width = "64") {
            assert_eq!(ALIGNMENT, 16);
            assert_eq!(NB_SMALL_SIZE_CLASSES, 32);
            assert_eq!(POOL_SIZE, 16 * 1024);
            assert_eq!(ARENA_SIZE, 1024 * 1024);
            assert_eq!(std::mem::size_of::<PoolHeader>(), 48);
            assert_eq!(POOL_OVERHEAD, 48);
            assert_eq!(MAX_POOLS_IN_ARENA, 64);
        }
    }

    #[test]
    fn printone_formats_like_cpython() {
        let mut s = String::new();
        printone(&mut s, "# bytes lost to arena map root", 262_144);
        assert_eq!(
            s,
            "# bytes lost to arena map root     =              262,144\n"
        );
        let mut s = String::new();
        printone(&mut s, "Total", 0);
        assert_eq!(
            s,
            "Total                              =                    0\n"
        );
    }
}
