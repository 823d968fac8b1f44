//! Debug hooks on the memory allocators (`PYTHONMALLOC=debug`).
//!
//! Mirrors `_PyMem_DebugRawAlloc` & co. in `Objects/obmalloc.c` (3.13).
//! Each block of N bytes is allocated as N + 3·S bytes (S = `size_of::<usize>()`):
//!
//! ```text
//! p-2S .. p-S-1   N, big-endian
//! p-S             API id: 'r' RAW, 'm' MEM, 'o' OBJ
//! p-S+1 .. p-1    S-1 FORBIDDENBYTE (0xFD)
//! p .. p+N-1      data: CLEANBYTE (0xCD) when new, zero for calloc
//! p+N .. p+N+S-1  S FORBIDDENBYTE
//! ```
//!
//! `free` and `realloc` check the id and both pads and report a mismatch
//! with CPython's text (`bad ID`, `bad leading pad byte`, `bad trailing pad
//! byte`), then end the process with a fatal error, like CPython. MEM and
//! OBJ also check that the GIL is held.
//!
//! pyrt goes further than CPython in two places, safely where CPython
//! crashes or stays silent:
//! - a registry of live blocks makes the report memory-safe: a pad or size
//!   field is only read where the block really extends (CPython reads the
//!   tail at `p + N` even when N is garbage, and segfaults on a double
//!   free);
//! - freed blocks wait in a quarantine (up to 256 blocks or 1 MiB), filled
//!   with DEADBYTE (0xDD). Freeing one again is reported as CPython would
//!   begin to (`bad ID: Allocated using API '\xdd'`), and when a block
//!   leaves the quarantine a write after free is detected and reported.
//!
//! Locking: the registry and the quarantine are behind one mutex, taken
//! around each hooked call's bookkeeping (the RAW domain is used without
//! the GIL).

use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::fmt::Write as _;
use std::ptr::{self, null_mut};

use super::MemAllocatorEx;
use crate::loom::lock;
use crate::loom::sync::Mutex;

/// `PYMEM_CLEANBYTE`: fresh memory.
pub const CLEANBYTE: u8 = 0xCD;
/// `PYMEM_DEADBYTE`: freed memory.
pub const DEADBYTE: u8 = 0xDD;
/// `PYMEM_FORBIDDENBYTE`: guard bytes.
pub const FORBIDDENBYTE: u8 = 0xFD;
/// `SST`: the size of the size field.
const SST: usize = std::mem::size_of::<usize>();
/// Extra bytes per block (`PYMEM_DEBUG_EXTRA_BYTES`).
pub const EXTRA: usize = 3 * SST;
/// `ERASED_SIZE` of the realloc hook.
const ERASED_SIZE: usize = 64;
const QUARANTINE_BLOCKS: usize = 256;
const QUARANTINE_BYTES: usize = 1 << 20;

/// Reports a fatal error and ends the process; must not return. Called
/// with the block report (possibly empty) and `func: message`, both raw
/// bytes as CPython prints them (the API id byte is printed as is).
pub type FatalHandler = std::sync::Arc<dyn Fn(&[u8], &[u8]) + Send + Sync>;

/// Answers "does the calling thread hold the GIL?" (`PyGILState_Check`).
pub type GilCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// A freed block waiting in the quarantine, with the allocator that must
/// release it (domains nest: pymalloc's large blocks go through RAW's
/// hooks, as in CPython).
#[derive(Debug)]
struct Freed {
    base: usize,
    nbytes: usize,
    api: u8,
    alloc: MemAllocatorEx,
}

#[derive(Debug, Default)]
struct Tables {
    /// Live blocks: data pointer → (requested size, API id).
    live: HashMap<usize, (usize, u8)>,
    /// Freed blocks not yet returned: data pointer → entry.
    quarantine: VecDeque<Freed>,
    quarantine_bytes: usize,
}

/// What the hooks of all three domains share.
pub struct DebugShared {
    tables: Mutex<Tables>,
    pub(crate) fatal: FatalHandler,
    pub(crate) gil_check: Mutex<Option<GilCheck>>,
    /// The runtime's tracemalloc, for the allocation traceback of a report.
    pub(crate) tracemalloc: *const super::Tracemalloc,
}

impl std::fmt::Debug for DebugShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugShared").finish_non_exhaustive()
    }
}

impl DebugShared {
    pub(crate) fn new(fatal: FatalHandler) -> DebugShared {
        DebugShared {
            tables: Mutex::new(Tables::default()),
            fatal,
            gil_check: Mutex::new(None),
            tracemalloc: std::ptr::null(),
        }
    }

    /// `_PyMem_DumpTraceback()`: where the block was allocated, or the hint
    /// to enable tracemalloc. Until the VM records Python frames, a traced
    /// block's traceback is CPython's frame-less one (`<unknown>`, line 0).
    fn dump_traceback(&self, p: usize) -> String {
        // SAFETY: set at creation to the runtime's tracemalloc, which
        // outlives the hooks (null only before wiring).
        let Some(tm) = (unsafe { self.tracemalloc.as_ref() }) else {
            return String::new();
        };
        if !tm.is_tracing() {
            return "Enable tracemalloc to get the memory block allocation traceback\n\n"
                .to_owned();
        }
        if tm
            .traced_size(super::tracemalloc::DEFAULT_DOMAIN, p)
            .is_none()
        {
            return String::new();
        }
        "Memory block allocated at (most recent call first):\n  File \"<unknown>\", line 0\n\n"
            .to_owned()
    }

    /// Number of blocks waiting in the quarantine.
    pub fn quarantined(&self) -> usize {
        lock(&self.tables).quarantine.len()
    }
}

/// `debug_alloc_api_t`: the context of one hooked domain.
#[derive(Debug)]
pub struct DebugApi {
    /// 'r', 'm' or 'o'.
    pub(crate) api_id: u8,
    /// The allocator being wrapped.
    pub(crate) alloc: MemAllocatorEx,
    pub(crate) shared: *const DebugShared,
}

impl DebugApi {
    fn shared(&self) -> &DebugShared {
        // SAFETY: the shared state is owned by the runtime's memory state,
        // which outlives every hook context.
        unsafe { &*self.shared }
    }
}

fn write_size(p: *mut u8, n: usize) {
    // SAFETY: callers pass the start of a header with SST writable bytes.
    unsafe { ptr::copy_nonoverlapping(n.to_be_bytes().as_ptr(), p, SST) };
}

fn read_size(p: *const u8) -> usize {
    let mut b = [0u8; SST];
    // SAFETY: callers pass the start of a readable header.
    unsafe { ptr::copy_nonoverlapping(p, b.as_mut_ptr(), SST) };
    usize::from_be_bytes(b)
}

/// Lays out a debug block in `base` (N + EXTRA bytes) and returns the data
/// pointer.
///
/// # Safety
/// `base` points to `nbytes + EXTRA` writable bytes.
unsafe fn decorate(base: *mut u8, nbytes: usize, api: u8, fill: bool) -> *mut u8 {
    // SAFETY: the layout fits in `nbytes + EXTRA` bytes (caller).
    unsafe {
        write_size(base, nbytes);
        *base.add(SST) = api;
        ptr::write_bytes(base.add(SST + 1), FORBIDDENBYTE, SST - 1);
        let data = base.add(2 * SST);
        if fill && nbytes > 0 {
            ptr::write_bytes(data, CLEANBYTE, nbytes);
        }
        ptr::write_bytes(data.add(nbytes), FORBIDDENBYTE, SST);
        data
    }
}

/// `_PyMem_DebugRawAlloc`.
///
/// # Safety
/// `ctx` is a live [`DebugApi`].
unsafe fn debug_alloc(use_calloc: bool, ctx: *mut c_void, nbytes: usize) -> *mut c_void {
    // SAFETY: caller contract.
    let api = unsafe { &*ctx.cast::<DebugApi>() };
    if nbytes > isize::MAX as usize - EXTRA {
        return null_mut();
    }
    let total = nbytes + EXTRA;
    let a = api.alloc;
    // SAFETY: the wrapped allocator with its own context.
    let base = unsafe {
        if use_calloc {
            (a.calloc)(a.ctx, 1, total)
        } else {
            (a.malloc)(a.ctx, total)
        }
    }
    .cast::<u8>();
    if base.is_null() {
        return null_mut();
    }
    // SAFETY: `base` has `total` bytes.
    let data = unsafe { decorate(base, nbytes, api.api_id, !use_calloc) };
    lock(&api.shared().tables)
        .live
        .insert(data as usize, (nbytes, api.api_id));
    data.cast()
}

/// Formats `%p` as glibc does.
fn fmt_ptr(p: usize) -> String {
    format!("{p:#x}")
}

/// The report of `_PyObject_DebugDumpAddress` for the block at `p`, read
/// only where the registry says memory is ours. Bytes, because the API id
/// is printed raw (`'%c'`).
fn dump_address(shared: &DebugShared, tables: &Tables, p: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let live = tables.live.get(&p).map(|&(n, _)| n);
    let freed = tables
        .quarantine
        .iter()
        .find(|f| f.base + 2 * SST == p)
        .map(|f| f.nbytes);
    let Some(real) = live.or(freed) else {
        // Nothing known at this address: reading it could fault.
        out.extend_from_slice(
            format!(
                "Debug memory block at address p={}: not a block of the debug hooks \
                 (never allocated, or freed long ago)\n\n",
                fmt_ptr(p)
            )
            .as_bytes(),
        );
        return out;
    };
    let q = p as *const u8;
    // SAFETY: the block (live or quarantined) spans [p-2S, p+real+S).
    let byte = |off: isize| unsafe { *q.offset(off) };
    out.extend_from_slice(
        format!("Debug memory block at address p={}: API '", fmt_ptr(p)).as_bytes(),
    );
    out.push(byte(-(SST as isize)));
    out.extend_from_slice(b"'\n");
    // SAFETY: the header is inside the block.
    let nbytes = read_size(unsafe { q.sub(2 * SST) });
    let mut s = String::new();
    let _ = writeln!(s, "    {nbytes} bytes originally requested");
    let _ = write!(s, "    The {} pad bytes at p-{} are ", SST - 1, SST - 1);
    let lead_ok = (1..SST).all(|i| byte(-(i as isize)) == FORBIDDENBYTE);
    if lead_ok {
        s.push_str("FORBIDDENBYTE, as expected.\n");
    } else {
        let _ = writeln!(s, "not all FORBIDDENBYTE (0x{FORBIDDENBYTE:02x}):");
        for i in (1..SST).rev() {
            let b = byte(-(i as isize));
            let _ = write!(s, "        at p-{i}: 0x{b:02x}");
            if b != FORBIDDENBYTE {
                s.push_str(" *** OUCH");
            }
            s.push('\n');
        }
        s.push_str(
            "    Because memory is corrupted at the start, the count of bytes requested\n       \
             may be bogus, and checking the trailing pad bytes may segfault.\n",
        );
    }
    let tail = p.wrapping_add(nbytes);
    let _ = write!(s, "    The {SST} pad bytes at tail={} are ", fmt_ptr(tail));
    if nbytes != real {
        // CPython would read at a bogus address here; pyrt only reads
        // inside the block.
        let _ = writeln!(
            s,
            "not checked: the count of bytes requested is bogus (the block holds {real} bytes)."
        );
    } else {
        let tail_ok = (0..SST).all(|i| byte((nbytes + i) as isize) == FORBIDDENBYTE);
        if tail_ok {
            s.push_str("FORBIDDENBYTE, as expected.\n");
        } else {
            let _ = writeln!(s, "not all FORBIDDENBYTE (0x{FORBIDDENBYTE:02x}):");
            for i in 0..SST {
                let b = byte((nbytes + i) as isize);
                let _ = write!(s, "        at tail+{i}: 0x{b:02x}");
                if b != FORBIDDENBYTE {
                    s.push_str(" *** OUCH");
                }
                s.push('\n');
            }
        }
    }
    let shown = nbytes.min(real);
    if shown > 0 {
        s.push_str("    Data at p:");
        let first = shown.min(8);
        for i in 0..first {
            let _ = write!(s, " {:02x}", byte(i as isize));
        }
        if shown > first {
            let mut start = first;
            if shown - first > 8 {
                s.push_str(" ...");
                start = shown - 8;
            }
            for i in start..shown {
                let _ = write!(s, " {:02x}", byte(i as isize));
            }
        }
        s.push('\n');
    }
    s.push('\n');
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(shared.dump_traceback(p).as_bytes());
    out
}

/// The fatal handler returned: end the process anyway.
fn unreachable_fatal() -> ! {
    std::process::abort()
}

/// `_PyMem_DebugCheckAddress`: verifies the block at `p` or reports it.
fn check_address(api: &DebugApi, tables: &Tables, func: &str, p: usize) {
    let shared = api.shared();
    let known = tables
        .live
        .get(&p)
        .map(|&(n, id)| (n, id, true))
        .or_else(|| {
            tables
                .quarantine
                .iter()
                .find(|f| f.base + 2 * SST == p)
                .map(|f| (f.nbytes, f.api, false))
        });
    let Some((real, _, _)) = known else {
        report(
            shared,
            tables,
            p,
            func,
            b"bad ID: not a block allocated by the debug hooks".to_vec(),
        );
    };
    let q = p as *const u8;
    // SAFETY: the block (live or quarantined) spans [p-2S, p+real+S).
    let byte = |off: isize| unsafe { *q.offset(off) };
    let id = byte(-(SST as isize));
    if id != api.api_id {
        let mut msg = b"bad ID: Allocated using API '".to_vec();
        msg.push(id);
        msg.extend_from_slice(b"', verified using API '");
        msg.push(api.api_id);
        msg.push(b'\'');
        report(shared, tables, p, func, msg);
    }
    if (1..SST).any(|i| byte(-(i as isize)) != FORBIDDENBYTE) {
        report(shared, tables, p, func, b"bad leading pad byte".to_vec());
    }
    // SAFETY: the header is inside the block.
    let nbytes = read_size(unsafe { q.sub(2 * SST) });
    if nbytes != real || (0..SST).any(|i| byte((nbytes + i) as isize) != FORBIDDENBYTE) {
        report(shared, tables, p, func, b"bad trailing pad byte".to_vec());
    }
}

/// Prints the block report and the fatal error, then ends the process.
fn report(shared: &DebugShared, tables: &Tables, p: usize, func: &str, msg: Vec<u8>) -> ! {
    let dump = dump_address(shared, tables, p);
    let mut line = format!("{func}: ").into_bytes();
    line.extend_from_slice(&msg);
    (shared.fatal)(&dump, &line);
    unreachable_fatal()
}

/// Moves a freed block into the quarantine; returns the blocks pushed out,
/// which the caller frees after checking them.
fn quarantine(tables: &mut Tables, f: Freed) -> Vec<Freed> {
    tables.quarantine_bytes += f.nbytes + EXTRA;
    tables.quarantine.push_back(f);
    let mut out = Vec::new();
    while tables.quarantine.len() > QUARANTINE_BLOCKS || tables.quarantine_bytes > QUARANTINE_BYTES
    {
        let Some(old) = tables.quarantine.pop_front() else {
            break;
        };
        tables.quarantine_bytes -= old.nbytes + EXTRA;
        out.push(old);
    }
    out
}

/// Checks that a block leaving the quarantine still holds only DEADBYTE.
fn check_dead(shared: &DebugShared, tables: &Tables, f: &Freed, func: &str) {
    let base = f.base as *const u8;
    let total = f.nbytes + EXTRA;
    // SAFETY: the quarantined block is still allocated (total bytes).
    let bytes = unsafe { std::slice::from_raw_parts(base, total) };
    if let Some(first) = bytes.iter().position(|&b| b != DEADBYTE) {
        let p = f.base + 2 * SST;
        let mut s = format!(
            "Debug memory block at address p={}: API '{}', freed\n    {} bytes originally requested\n    \
             The block was written to after it was freed:\n",
            fmt_ptr(p),
            f.api as char,
            f.nbytes
        );
        for (i, &b) in bytes
            .iter()
            .enumerate()
            .skip(first)
            .filter(|(_, b)| **b != DEADBYTE)
            .take(16)
        {
            let off = i as isize - 2 * SST as isize;
            let _ = writeln!(s, "        at p{off:+}: 0x{b:02x} *** OUCH");
        }
        s.push('\n');
        (shared.fatal)(s.as_bytes(), format!("{func}: write after free").as_bytes());
        let _ = tables;
        unreachable_fatal();
    }
}

/// Frees blocks evicted from the quarantine, each through the allocator
/// that made it.
///
/// # Safety
/// Each entry's `alloc` made its block.
unsafe fn release(evicted: Vec<Freed>) {
    for f in evicted {
        // SAFETY: the block came from `f.alloc` (recorded at free time).
        unsafe { (f.alloc.free)(f.alloc.ctx, f.base as *mut c_void) };
    }
}

fn check_gil(api: &DebugApi, func: &str) {
    if api.api_id == b'r' {
        return;
    }
    let shared = api.shared();
    let check = lock(&shared.gil_check).clone();
    if let Some(check) = check
        && !check()
    {
        let msg = format!("{func}: Python memory allocator called without holding the GIL");
        (shared.fatal)(b"", msg.as_bytes());
        unreachable_fatal();
    }
}

/// `_PyMem_DebugRawMalloc` / `_PyMem_DebugMalloc`.
///
/// # Safety
/// `ctx` is a live [`DebugApi`].
pub unsafe extern "C" fn debug_malloc(ctx: *mut c_void, nbytes: usize) -> *mut c_void {
    // SAFETY: caller contract.
    let api = unsafe { &*ctx.cast::<DebugApi>() };
    check_gil(api, "_PyMem_DebugMalloc");
    // SAFETY: forwarded.
    unsafe { debug_alloc(false, ctx, nbytes) }
}

/// `_PyMem_DebugRawCalloc` / `_PyMem_DebugCalloc`.
///
/// # Safety
/// `ctx` is a live [`DebugApi`].
pub unsafe extern "C" fn debug_calloc(
    ctx: *mut c_void,
    nelem: usize,
    elsize: usize,
) -> *mut c_void {
    // SAFETY: caller contract.
    let api = unsafe { &*ctx.cast::<DebugApi>() };
    check_gil(api, "_PyMem_DebugCalloc");
    let Some(nbytes) = nelem.checked_mul(elsize) else {
        return null_mut();
    };
    // SAFETY: forwarded.
    unsafe { debug_alloc(true, ctx, nbytes) }
}

/// `_PyMem_DebugRawFree` / `_PyMem_DebugFree`.
///
/// # Safety
/// `ctx` is a live [`DebugApi`]; `p` is NULL or a block of this domain.
pub unsafe extern "C" fn debug_free(ctx: *mut c_void, p: *mut c_void) {
    // SAFETY: caller contract.
    let api = unsafe { &*ctx.cast::<DebugApi>() };
    check_gil(api, "_PyMem_DebugFree");
    if p.is_null() {
        return;
    }
    let shared = api.shared();
    let evicted = {
        let mut tables = lock(&shared.tables);
        check_address(api, &tables, "_PyMem_DebugRawFree", p as usize);
        let (nbytes, id) = tables.live.remove(&(p as usize)).unwrap_or((0, api.api_id));
        let base = (p as usize) - 2 * SST;
        // SAFETY: the block spans nbytes + EXTRA bytes from `base`.
        unsafe { ptr::write_bytes(base as *mut u8, DEADBYTE, nbytes + EXTRA) };
        let evicted = quarantine(
            &mut tables,
            Freed {
                base,
                nbytes,
                api: id,
                alloc: api.alloc,
            },
        );
        for f in &evicted {
            check_dead(shared, &tables, f, "_PyMem_DebugRawFree");
        }
        evicted
    };
    // SAFETY: each evicted block records the allocator that made it.
    unsafe { release(evicted) };
}

/// `_PyMem_DebugRawRealloc` / `_PyMem_DebugRealloc`.
///
/// # Safety
/// `ctx` is a live [`DebugApi`]; `p` is NULL or a block of this domain.
pub unsafe extern "C" fn debug_realloc(
    ctx: *mut c_void,
    p: *mut c_void,
    nbytes: usize,
) -> *mut c_void {
    // SAFETY: caller contract.
    let api = unsafe { &*ctx.cast::<DebugApi>() };
    check_gil(api, "_PyMem_DebugRealloc");
    if p.is_null() {
        // SAFETY: forwarded.
        return unsafe { debug_alloc(false, ctx, nbytes) };
    }
    let shared = api.shared();
    {
        // Check, then let go of the lock: the wrapped allocator may re-enter
        // the hooks of another domain (pymalloc sends large blocks to RAW).
        let tables = lock(&shared.tables);
        check_address(api, &tables, "_PyMem_DebugRawRealloc", p as usize);
    }
    if nbytes > isize::MAX as usize - EXTRA {
        return null_mut();
    }
    let data = p.cast::<u8>();
    // SAFETY: the block is live, checked, and owned by the caller: header,
    // data and trailer are ours; all offsets below stay within the old or
    // the new block.
    let (new_data, size) = unsafe {
        let head = data.sub(2 * SST);
        let original = read_size(head);
        let tail = data.add(original);
        let mut save = [0u8; 2 * ERASED_SIZE];
        if original <= save.len() {
            ptr::copy_nonoverlapping(data, save.as_mut_ptr(), original);
            ptr::write_bytes(head, DEADBYTE, original + EXTRA);
        } else {
            ptr::copy_nonoverlapping(data, save.as_mut_ptr(), ERASED_SIZE);
            ptr::write_bytes(head, DEADBYTE, ERASED_SIZE + 2 * SST);
            ptr::copy_nonoverlapping(
                tail.sub(ERASED_SIZE),
                save.as_mut_ptr().add(ERASED_SIZE),
                ERASED_SIZE,
            );
            ptr::write_bytes(
                tail.sub(ERASED_SIZE),
                DEADBYTE,
                ERASED_SIZE + EXTRA - 2 * SST,
            );
        }
        let a = api.alloc;
        let r = (a.realloc)(a.ctx, head.cast(), nbytes + EXTRA).cast::<u8>();
        let (head, size) = if r.is_null() {
            (head, original)
        } else {
            (r, nbytes)
        };
        let new_data = decorate(head, size, api.api_id, false);
        if original <= save.len() {
            ptr::copy_nonoverlapping(save.as_ptr(), new_data, size.min(original));
        } else {
            let i = original - ERASED_SIZE;
            ptr::copy_nonoverlapping(save.as_ptr(), new_data, size.min(ERASED_SIZE));
            if size > i {
                ptr::copy_nonoverlapping(
                    save.as_ptr().add(ERASED_SIZE),
                    new_data.add(i),
                    (size - i).min(ERASED_SIZE),
                );
            }
        }
        if r.is_null() {
            return null_mut();
        }
        if size > original {
            ptr::write_bytes(new_data.add(original), CLEANBYTE, size - original);
        }
        (new_data, size)
    };
    let mut tables = lock(&shared.tables);
    tables.live.remove(&(p as usize));
    tables.live.insert(new_data as usize, (size, api.api_id));
    new_data.cast()
}

/// Frees every quarantined block (at finalization), checking each.
pub(crate) fn drain_quarantine(shared: &DebugShared) {
    let evicted: Vec<Freed> = {
        let mut tables = lock(&shared.tables);
        let all: Vec<Freed> = tables.quarantine.drain(..).collect();
        tables.quarantine_bytes = 0;
        for f in &all {
            check_dead(shared, &tables, f, "_PyMem_DebugRawFree");
        }
        all
    };
    // SAFETY: each entry records the allocator that made its block.
    unsafe { release(evicted) };
}
