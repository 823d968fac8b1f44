//! The malloc family (`PYMEM_ALLOCATOR_MALLOC`) and the default arena
//! allocator.
//!
//! Mirrors `_PyMem_RawMalloc` & co. in `Objects/obmalloc.c`: size 0 is
//! served as 1 byte so every call returns a unique non-NULL pointer,
//! `calloc(0, n)` as `calloc(1, 1)`, `realloc(p, 0)` never frees. On Linux
//! these are libc's `malloc`/`calloc`/`realloc`/`free` (the allocator
//! CPython's RAW domain uses). Elsewhere — wasm, where there may be no C
//! allocator at all — blocks come from Rust's global allocator with a
//! 16-byte header holding the size, which `free` needs to rebuild the
//! layout.
//!
//! Every block is counted in the runtime's [`Account`] at its usable size,
//! so a memory limit covers the malloc family too.

use std::ffi::c_void;
use std::ptr;

use super::account::Account;

/// The context of the malloc-family functions: the account they charge.
#[derive(Debug)]
pub struct RawCtx {
    pub(crate) account: std::sync::Arc<Account>,
}

/// Maximum alignment the malloc family guarantees (C's `max_align_t`).
#[cfg(not(target_os = "linux"))]
const MAX_ALIGN: usize = 16;

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::c_void;

    /// # Safety
    /// As `malloc`.
    #[inline]
    pub(super) unsafe fn malloc(size: usize) -> *mut c_void {
        // SAFETY: libc malloc accepts any size.
        unsafe { libc::malloc(size) }
    }

    /// # Safety
    /// As `calloc`.
    #[inline]
    pub(super) unsafe fn calloc(nelem: usize, elsize: usize) -> *mut c_void {
        // SAFETY: libc calloc checks the multiplication itself.
        unsafe { libc::calloc(nelem, elsize) }
    }

    /// # Safety
    /// `p` was returned by this module's malloc/calloc/realloc and not freed.
    #[inline]
    pub(super) unsafe fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: the caller guarantees `p` is a live libc block.
        unsafe { libc::realloc(p, size) }
    }

    /// # Safety
    /// `p` was returned by this module and not freed.
    #[inline]
    pub(super) unsafe fn free(p: *mut c_void) {
        // SAFETY: the caller guarantees `p` is a live libc block.
        unsafe { libc::free(p) }
    }

    /// # Safety
    /// `p` is a live block of this module.
    #[inline]
    pub(super) unsafe fn usable_size(p: *mut c_void) -> usize {
        // SAFETY: the caller guarantees `p` is a live libc block.
        unsafe { libc::malloc_usable_size(p) }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    //! Blocks from Rust's global allocator: `[size: usize | pad][data]`,
    //! the header `MAX_ALIGN` bytes long so data stays aligned.
    use super::MAX_ALIGN;
    use std::alloc::{Layout, alloc, alloc_zeroed, dealloc};
    use std::ffi::c_void;

    const HEADER: usize = MAX_ALIGN;

    fn layout(size: usize) -> Option<Layout> {
        Layout::from_size_align(size.checked_add(HEADER)?, MAX_ALIGN).ok()
    }

    /// # Safety
    /// As `malloc`.
    pub(super) unsafe fn malloc(size: usize) -> *mut c_void {
        let Some(l) = layout(size) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `l` has a non-zero size (HEADER > 0).
        let base = unsafe { alloc(l) };
        if base.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: the block is at least HEADER bytes and MAX_ALIGN-aligned.
        unsafe {
            base.cast::<usize>().write(size);
            base.add(HEADER).cast()
        }
    }

    /// # Safety
    /// As `calloc`.
    pub(super) unsafe fn calloc(nelem: usize, elsize: usize) -> *mut c_void {
        let Some(size) = nelem.checked_mul(elsize) else {
            return std::ptr::null_mut();
        };
        let Some(l) = layout(size) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `l` has a non-zero size.
        let base = unsafe { alloc_zeroed(l) };
        if base.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `malloc`.
        unsafe {
            base.cast::<usize>().write(size);
            base.add(HEADER).cast()
        }
    }

    /// # Safety
    /// `p` is a live block of this module.
    pub(super) unsafe fn usable_size(p: *mut c_void) -> usize {
        // SAFETY: live blocks carry their size HEADER bytes before `p`.
        unsafe { p.cast::<u8>().sub(HEADER).cast::<usize>().read() }
    }

    /// # Safety
    /// `p` is a live block of this module.
    pub(super) unsafe fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: `p` is live (caller); the old layout is rebuilt from its
        // header; `size + HEADER` was checked to form a valid layout.
        unsafe {
            let old = usable_size(p);
            let Some(new_layout) = layout(size) else {
                return std::ptr::null_mut();
            };
            let base = p.cast::<u8>().sub(HEADER);
            let old_layout = layout(old).expect("layout of a live block");
            let nb = std::alloc::realloc(base, old_layout, new_layout.size());
            if nb.is_null() {
                return std::ptr::null_mut();
            }
            nb.cast::<usize>().write(size);
            nb.add(HEADER).cast()
        }
    }

    /// # Safety
    /// `p` is a live block of this module.
    pub(super) unsafe fn free(p: *mut c_void) {
        // SAFETY: `p` is live (caller); its layout is rebuilt from the header.
        unsafe {
            let size = usable_size(p);
            let base = p.cast::<u8>().sub(HEADER);
            dealloc(base, layout(size).expect("layout of a live block"));
        }
    }
}

/// `_PyMem_RawMalloc`.
///
/// # Safety
/// `ctx` points to a live [`RawCtx`].
pub unsafe extern "C" fn raw_malloc(ctx: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: the caller guarantees `ctx` is a live RawCtx.
    let ctx = unsafe { &*ctx.cast::<RawCtx>() };
    let size = size.max(1);
    // SAFETY: any size is accepted.
    let p = unsafe { imp::malloc(size) };
    charge_new(ctx, p)
}

/// `_PyMem_RawCalloc`.
///
/// # Safety
/// `ctx` points to a live [`RawCtx`].
pub unsafe extern "C" fn raw_calloc(ctx: *mut c_void, nelem: usize, elsize: usize) -> *mut c_void {
    // SAFETY: the caller guarantees `ctx` is a live RawCtx.
    let ctx = unsafe { &*ctx.cast::<RawCtx>() };
    let (nelem, elsize) = if nelem == 0 || elsize == 0 {
        (1, 1)
    } else {
        (nelem, elsize)
    };
    // SAFETY: calloc checks the product.
    let p = unsafe { imp::calloc(nelem, elsize) };
    charge_new(ctx, p)
}

fn charge_new(ctx: &RawCtx, p: *mut c_void) -> *mut c_void {
    if p.is_null() {
        return p;
    }
    // SAFETY: `p` was just returned by this module's allocator.
    let usable = unsafe { imp::usable_size(p) };
    if ctx.account.try_reserve(usable) {
        p
    } else {
        // SAFETY: `p` is live and not handed out.
        unsafe { imp::free(p) };
        ptr::null_mut()
    }
}

/// `_PyMem_RawRealloc`.
///
/// # Safety
/// `ctx` points to a live [`RawCtx`]; `p` is NULL or a live block of the
/// malloc family.
pub unsafe extern "C" fn raw_realloc(ctx: *mut c_void, p: *mut c_void, size: usize) -> *mut c_void {
    if p.is_null() {
        // SAFETY: forwarded contract.
        return unsafe { raw_malloc(ctx, size) };
    }
    // SAFETY: the caller guarantees `ctx` is a live RawCtx.
    let ctx = unsafe { &*ctx.cast::<RawCtx>() };
    let size = size.max(1);
    // SAFETY: `p` is a live block (caller).
    let old = unsafe { imp::usable_size(p) };
    // Reserve the growth first, so a refused realloc leaves `p` intact.
    let grow = size.saturating_sub(old);
    if grow > 0 && !ctx.account.try_reserve(grow) {
        return ptr::null_mut();
    }
    // SAFETY: `p` is a live block (caller).
    let np = unsafe { imp::realloc(p, size) };
    if np.is_null() {
        ctx.account.release(grow);
        return np;
    }
    // SAFETY: `np` is live.
    let new = unsafe { imp::usable_size(np) };
    // Settle the difference between what was reserved and what the
    // allocator's rounding gave.
    let reserved = old + grow;
    if new > reserved {
        ctx.account.force_reserve(new - reserved);
    } else {
        ctx.account.release(reserved - new);
    }
    np
}

/// `_PyMem_RawFree`.
///
/// # Safety
/// `ctx` points to a live [`RawCtx`]; `p` is NULL or a live block of the
/// malloc family.
pub unsafe extern "C" fn raw_free(ctx: *mut c_void, p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `ctx` is a live RawCtx and `p` a live block.
    unsafe {
        let ctx = &*ctx.cast::<RawCtx>();
        ctx.account.release(imp::usable_size(p));
        imp::free(p);
    }
}

/// The default arena allocator (`_PyObject_Arena`): anonymous `mmap` on
/// Linux (as CPython); elsewhere a block from Rust's global allocator
/// aligned to the pool size, so no pool is lost to alignment.
///
/// # Safety
/// `ctx` points to a live [`RawCtx`].
pub unsafe extern "C" fn arena_alloc(ctx: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: the caller guarantees `ctx` is a live RawCtx.
    let ctx = unsafe { &*ctx.cast::<RawCtx>() };
    if !ctx.account.try_reserve(size) {
        return ptr::null_mut();
    }
    // SAFETY: `size` is the arena size, non-zero.
    let p = unsafe { arena_imp::alloc(size) };
    if p.is_null() {
        ctx.account.release(size);
    }
    p
}

/// Frees an arena from [`arena_alloc`].
///
/// # Safety
/// `ctx` points to a live [`RawCtx`]; `p` came from [`arena_alloc`] with
/// the same `size`.
pub unsafe extern "C" fn arena_free(ctx: *mut c_void, p: *mut c_void, size: usize) {
    // SAFETY: forwarded contract.
    unsafe {
        let ctx = &*ctx.cast::<RawCtx>();
        arena_imp::free(p, size);
        ctx.account.release(size);
    }
}

#[cfg(target_os = "linux")]
mod arena_imp {
    use std::ffi::c_void;

    /// # Safety
    /// `size` is non-zero.
    pub(super) unsafe fn alloc(size: usize) -> *mut c_void {
        // SAFETY: an anonymous private mapping with no address hint.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p
        }
    }

    /// # Safety
    /// `p` is a mapping of `size` bytes from `alloc`.
    pub(super) unsafe fn free(p: *mut c_void, size: usize) {
        // SAFETY: `p`/`size` describe a mapping made by `alloc` (caller).
        unsafe { libc::munmap(p, size) };
    }
}

#[cfg(not(target_os = "linux"))]
mod arena_imp {
    use std::alloc::Layout;
    use std::ffi::c_void;

    fn layout(size: usize) -> Option<Layout> {
        Layout::from_size_align(size, super::super::obmalloc::POOL_SIZE).ok()
    }

    /// # Safety
    /// `size` is non-zero.
    pub(super) unsafe fn alloc(size: usize) -> *mut c_void {
        match layout(size) {
            // SAFETY: the layout has a non-zero size.
            Some(l) => unsafe { std::alloc::alloc(l).cast() },
            None => std::ptr::null_mut(),
        }
    }

    /// # Safety
    /// `p` came from `alloc(size)`.
    pub(super) unsafe fn free(p: *mut c_void, size: usize) {
        if let Some(l) = layout(size) {
            // SAFETY: `p` was allocated with this layout (caller).
            unsafe { std::alloc::dealloc(p.cast(), l) };
        }
    }
}
