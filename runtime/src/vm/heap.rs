//! Where Python objects live: the interpreter's heap.
//!
//! Every object header and every payload buffer (list items, dict tables,
//! string bytes) is allocated from the runtime's allocator domains — OBJ
//! for objects, MEM for buffers — so tracemalloc, the debug hooks and the
//! memory limit see what Python code really holds (DESIGN.md decision 6).
//!
//! The heap in use is a thread-local pointer set while a thread runs
//! Python code of that interpreter (it holds the interpreter's GIL then).
//! Objects are only created and destroyed in that state; a value dropped
//! with no heap current (a bug elsewhere) is leaked, never freed through
//! the wrong allocator.
//!
//! Deallocation is iterative (CPython's "trashcan"): freeing an object
//! whose fields free more objects queues them instead of recursing, so
//! tearing down a million-deep nested list cannot overflow the Rust stack.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

use allocator_api2::alloc::{AllocError, Allocator, Layout};

use crate::mem::{Domain, Mem};

/// The per-interpreter heap.
pub struct Heap {
    pub(crate) mem: Arc<Mem>,
    /// Objects queued for deallocation while one is being torn down.
    pending: RefCell<Vec<NonNull<super::object::PyObject>>>,
    deallocating: Cell<bool>,
    pub(crate) gc: super::gc::GcState,
    /// Suspended generators whose last reference went: kept alive until
    /// the eval loop closes them (CPython runs `gen.close()` from the
    /// deallocator; pyrt runs it at the next safe point, with no borrow of
    /// anything held).
    finalize: RefCell<Vec<super::object::ObjRef>>,
    /// `finalize` is not empty.
    pub(crate) finalize_pending: Cell<bool>,
    /// Off while the VM is torn down (no thread can run finalizers then).
    pub(crate) finalizers_enabled: Cell<bool>,
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap").finish_non_exhaustive()
    }
}

thread_local! {
    static CURRENT: Cell<*const Heap> = const { Cell::new(std::ptr::null()) };
}

impl Heap {
    /// A heap over `mem`.
    pub fn new(mem: Arc<Mem>) -> Heap {
        Heap {
            mem,
            pending: RefCell::new(Vec::new()),
            deallocating: Cell::new(false),
            gc: super::gc::GcState::new(),
            finalize: RefCell::new(Vec::new()),
            finalize_pending: Cell::new(false),
            finalizers_enabled: Cell::new(true),
        }
    }

    /// The heap current on this thread.
    #[inline]
    pub(crate) fn current() -> Option<&'static Heap> {
        let p = CURRENT.with(Cell::get);
        // SAFETY: set by `enter` from a heap that outlives the guard (the
        // VM owns it and clears the pointer when it goes).
        unsafe { p.as_ref() }
    }

    /// Makes `self` this thread's heap until the guard drops.
    pub fn enter(&self) -> HeapGuard {
        let prev = CURRENT.with(|c| c.replace(self as *const Heap));
        HeapGuard { prev }
    }

    /// Allocates `size` bytes in `d`; `None` when out of memory or over the
    /// runtime's limit.
    #[inline]
    pub(crate) fn alloc_bytes(&self, d: Domain, size: usize) -> Option<NonNull<u8>> {
        // SAFETY: the caller holds the GIL of this interpreter (a heap is
        // only current while it does).
        NonNull::new(unsafe { self.mem.malloc(d, size) }.cast::<u8>())
    }

    /// Frees a block from `d`.
    ///
    /// # Safety
    /// `p` came from `alloc_bytes(d, ..)` of this heap and is not used
    /// again.
    #[inline]
    pub(crate) unsafe fn free_bytes(&self, d: Domain, p: NonNull<u8>) {
        // SAFETY: per the caller.
        unsafe { self.mem.free(d, p.as_ptr().cast::<c_void>()) }
    }

    /// Queues `p` for deallocation, or deallocates it (and everything its
    /// teardown releases) now.
    #[inline]
    pub(crate) fn dealloc(&self, p: NonNull<super::object::PyObject>) {
        self.pending.borrow_mut().push(p);
        if self.deallocating.get() {
            return;
        }
        self.deallocating.set(true);
        loop {
            let next = self.pending.borrow_mut().pop();
            let Some(p) = next else { break };
            // SAFETY: the object is live (count zero, not yet destroyed).
            let obj = unsafe { p.as_ref() };
            if self.finalizers_enabled.get() && super::generator::needs_finalizer(obj) {
                // Resurrect it for its finalizer.
                // SAFETY: live object; the new reference is the queue's.
                let r = unsafe { super::object::ObjRef::from_raw_incref(p) };
                self.finalize.borrow_mut().push(r);
                self.finalize_pending.set(true);
                continue;
            }
            // SAFETY: the count reached zero: nobody else references the
            // object; it was allocated by `PyObject::alloc` on this heap.
            unsafe { super::object::PyObject::destroy(self, p) };
        }
        self.deallocating.set(false);
    }
}

impl Heap {
    /// A cycle collection (`full`: every generation); garbage that wants a
    /// finalizer is queued for it (see `Gc::collect_with`).
    pub(crate) fn collect(&self, full: bool) -> usize {
        let n = self.gc.collect_with(full, self.finalize_queue());
        self.note_queued();
        n
    }

    /// The collection the thresholds call for, as `collect`.
    pub(crate) fn collect_if_due(&self) -> usize {
        let n = self.gc.collect_if_due(self.finalize_queue());
        self.note_queued();
        n
    }

    fn finalize_queue(&self) -> Option<&RefCell<Vec<super::object::ObjRef>>> {
        self.finalizers_enabled.get().then_some(&self.finalize)
    }

    fn note_queued(&self) {
        if !self.finalize.borrow().is_empty() {
            self.finalize_pending.set(true);
        }
    }

    /// Takes the objects waiting for their finalizer.
    pub(crate) fn take_finalizable(&self) -> Vec<super::object::ObjRef> {
        self.finalize_pending.set(false);
        std::mem::take(&mut *self.finalize.borrow_mut())
    }
}

/// Restores the previous current heap on drop.
#[derive(Debug)]
pub struct HeapGuard {
    prev: *const Heap,
}

impl Drop for HeapGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// The allocator of payload buffers: the current heap's MEM domain.
#[derive(Clone, Copy, Debug, Default)]
pub struct PyAlloc;

// SAFETY: blocks come from the MEM domain of the current heap and go back
// to it; every Python buffer is allocated and freed with the same heap
// current (objects never cross interpreters). Without a current heap,
// allocation fails and deallocation leaks, which is safe.
unsafe impl Allocator for PyAlloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let heap = Heap::current().ok_or(AllocError)?;
        if layout.align() > crate::mem::ALIGNMENT {
            return Err(AllocError);
        }
        let size = layout.size().max(1);
        let p = heap.alloc_bytes(Domain::Mem, size).ok_or(AllocError)?;
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, _layout: Layout) {
        if let Some(heap) = Heap::current() {
            // SAFETY: allocated by `allocate` above on this heap.
            unsafe { heap.free_bytes(Domain::Mem, ptr) };
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        _old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let heap = Heap::current().ok_or(AllocError)?;
        if new.align() > crate::mem::ALIGNMENT {
            return Err(AllocError);
        }
        // SAFETY: `ptr` is a live MEM block of this heap (the Allocator
        // contract); realloc keeps the contents.
        let p = unsafe {
            heap.mem
                .realloc(Domain::Mem, ptr.as_ptr().cast(), new.size().max(1))
        };
        let p = NonNull::new(p.cast::<u8>()).ok_or(AllocError)?;
        Ok(NonNull::slice_from_raw_parts(p, new.size()))
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: same contract as `grow`.
        unsafe { self.grow(ptr, old, new) }
    }
}

/// A vector whose buffer lives in the interpreter's MEM domain.
pub type PyVec<T> = allocator_api2::vec::Vec<T, PyAlloc>;

/// An empty [`PyVec`].
#[inline]
pub fn pyvec<T>() -> PyVec<T> {
    PyVec::new_in(PyAlloc)
}

/// A [`PyVec`] with room for `n`, or `None` when memory is exhausted.
pub fn pyvec_with_capacity<T>(n: usize) -> Option<PyVec<T>> {
    let mut v = PyVec::new_in(PyAlloc);
    v.try_reserve(n).ok()?;
    Some(v)
}

/// Appending plain-data slices to a [`PyVec`] with one copy
/// (allocator-api2's `extend_from_slice` copies element by element).
pub trait PyVecExt<T: Copy> {
    /// Appends `s`; false (nothing appended) when memory is exhausted.
    fn push_slice(&mut self, s: &[T]) -> bool;
}

impl<T: Copy> PyVecExt<T> for PyVec<T> {
    #[inline]
    fn push_slice(&mut self, s: &[T]) -> bool {
        if self.try_reserve(s.len()).is_err() {
            return false;
        }
        let n = self.len();
        // SAFETY: capacity for `s.len()` more elements was reserved; the
        // source is a distinct live slice of `Copy` values; the new length
        // covers exactly the initialized prefix.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), self.as_mut_ptr().add(n), s.len());
            self.set_len(n + s.len());
        }
        true
    }
}
