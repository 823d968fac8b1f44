//! Thread-specific storage: `Py_tss_t` / `PyThread_tss_*`.
//!
//! Mirrors `Python/thread.c` (3.13). A [`Tss`] key starts *not created*
//! (`Py_tss_NEEDS_INIT`); `create` allocates a key, `set`/`get` store and
//! read a pointer-sized value for the calling thread, `delete` makes the
//! key not created again (values stored are not freed, as in CPython). No
//! GIL is needed and nothing raises.
//!
//! Implementation: a key is a slot index plus a generation. Each thread
//! has a slot block; a native thread-local caches a view of its slots
//! (pointer and length), so `get` is a thread-local load, a bounds check
//! and a generation compare — no branch on "created": an uncreated key
//! (0) reads slot 0 with generation 0, which is either never-written
//! (value 0) or holds an odd generation that does not match.
//! A deleted-and-reused slot has a new generation, so a stale value is
//! never returned for a new key. Under the emulated thread backend each
//! green thread owns a block and the scheduler swaps the pointer on every
//! switch: Python threads see separate values whichever backend carries
//! them.
//!
//! The slot table is process-wide, like pthread keys.

use std::cell::Cell;

use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicU64, Ordering};

/// Values of one thread (or green thread): `(generation, value)` per slot.
#[derive(Debug, Default)]
pub struct SlotBlock {
    slots: Vec<(u32, usize)>,
}

impl SlotBlock {
    /// An empty block.
    pub fn new() -> SlotBlock {
        SlotBlock::default()
    }
}

/// The OS thread's own block; dropping it (thread exit) clears the view
/// so a late `get` from another thread-local's destructor reads 0.
#[derive(Debug, Default)]
struct OwnBlock(std::cell::UnsafeCell<SlotBlock>);

impl Drop for OwnBlock {
    fn drop(&mut self) {
        let _ = VIEW.try_with(|v| v.set((std::ptr::null(), 0)));
        let _ = CURRENT.try_with(|c| c.set(std::ptr::null_mut()));
    }
}

type View = (*const (u32, usize), usize);

#[cfg(not(loom))]
std::thread_local! {
    static OWN: OwnBlock = OwnBlock::default();
    /// The block in use: this OS thread's own, or the running green
    /// thread's.
    static CURRENT: Cell<*mut SlotBlock> = const { Cell::new(std::ptr::null_mut()) };
    /// `CURRENT`'s slots as (pointer, length), refreshed whenever they
    /// move or the block is swapped.
    static VIEW: Cell<View> = const { Cell::new((std::ptr::null(), 0)) };
}

// loom models its threads' thread-locals only through its own macro.
#[cfg(loom)]
loom::thread_local! {
    static OWN: OwnBlock = OwnBlock::default();
    static CURRENT: Cell<*mut SlotBlock> = Cell::new(std::ptr::null_mut());
    static VIEW: Cell<View> = Cell::new((std::ptr::null(), 0));
}

/// The process-wide slot table: the generation of each slot (odd while a
/// key holds it) and the free slots.
#[derive(Debug, Default)]
struct Table {
    generations: Vec<u32>,
    free: Vec<u32>,
}

#[cfg(not(loom))]
fn table() -> &'static Mutex<Table> {
    static TABLE: std::sync::OnceLock<Mutex<Table>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(Table::default()))
}

#[cfg(loom)]
fn table() -> &'static Mutex<Table> {
    panic!("under loom, use the *_in methods with a model-local table")
}

/// `Py_tss_t`. `Tss::new()` is `Py_tss_NEEDS_INIT`.
#[derive(Debug, Default)]
pub struct Tss {
    /// `index | generation << 32` (generations of live keys are odd, so
    /// a created key is never 0); 0 while not created.
    key: AtomicU64,
}

#[inline]
fn unpack(key: u64) -> (usize, u32) {
    ((key & 0xFFFF_FFFF) as usize, (key >> 32) as u32)
}

impl Tss {
    /// A key in the not-created state.
    #[cfg(not(loom))]
    pub const fn new() -> Tss {
        Tss {
            key: AtomicU64::new(0),
        }
    }

    /// A key in the not-created state.
    #[cfg(loom)]
    pub fn new() -> Tss {
        Tss {
            key: AtomicU64::new(0),
        }
    }

    /// `PyThread_tss_alloc()`.
    pub fn alloc() -> Box<Tss> {
        Box::new(Tss::new())
    }

    /// `PyThread_tss_free()`: deletes, then frees.
    #[expect(
        clippy::boxed_local,
        reason = "mirrors PyThread_tss_free taking the allocation"
    )]
    pub fn free(key: Box<Tss>) {
        key.delete();
    }

    /// `PyThread_tss_is_created()`.
    pub fn is_created(&self) -> bool {
        self.key.load(Ordering::Acquire) != 0
    }

    /// `PyThread_tss_create()`: `Ok` also if already created.
    #[allow(clippy::result_unit_err)]
    pub fn create(&self) -> Result<(), ()> {
        self.create_in(table())
    }

    fn create_in(&self, table: &Mutex<Table>) -> Result<(), ()> {
        if self.is_created() {
            return Ok(());
        }
        let mut t = lock(table);
        // Re-check under the table lock: two threads may race to create.
        if self.is_created() {
            return Ok(());
        }
        let index = match t.free.pop() {
            Some(i) => i as usize,
            None => {
                if t.generations.len() >= u32::MAX as usize - 1 {
                    return Err(());
                }
                t.generations.push(0);
                t.generations.len() - 1
            }
        };
        t.generations[index] = t.generations[index].wrapping_add(1) | 1;
        let generation = t.generations[index];
        self.key.store(
            index as u64 | (u64::from(generation) << 32),
            Ordering::Release,
        );
        Ok(())
    }

    /// `PyThread_tss_delete()`: not created afterwards; no-op if not created.
    pub fn delete(&self) {
        self.delete_in(table());
    }

    fn delete_in(&self, table: &Mutex<Table>) {
        let key = self.key.swap(0, Ordering::AcqRel);
        if key == 0 {
            return;
        }
        let (index, _) = unpack(key);
        let mut t = lock(table);
        // A new generation for the next key in this slot.
        t.generations[index] = t.generations[index].wrapping_add(1) & !1;
        t.free.push(index as u32);
    }

    /// `PyThread_tss_set()`: stores `value` for the calling thread.
    /// Setting a not-created key is an error here (undefined in CPython).
    #[allow(clippy::result_unit_err)]
    #[inline]
    pub fn set(&self, value: usize) -> Result<(), ()> {
        let key = self.key.load(Ordering::Acquire);
        if key == 0 {
            return Err(());
        }
        let (index, generation) = unpack(key);
        let (p, len) = VIEW.with(Cell::get);
        if index < len {
            // SAFETY: the view describes the current block's live slots
            // (refreshed whenever they move or the block changes) and only
            // this thread touches them.
            unsafe { *p.cast_mut().add(index) = (generation, value) };
            return Ok(());
        }
        with_block(|b| {
            if b.slots.len() <= index {
                b.slots.resize(index + 1, (0, 0));
            }
            b.slots[index] = (generation, value);
        });
        Ok(())
    }

    /// `PyThread_tss_get()`: the calling thread's value, 0 (NULL) if none.
    #[inline]
    pub fn get(&self) -> usize {
        let (index, generation) = unpack(self.key.load(Ordering::Acquire));
        let (p, len) = VIEW.with(Cell::get);
        if index < len {
            // SAFETY: as in `set`.
            let (g, v) = unsafe { *p.add(index) };
            return if g == generation { v } else { 0 };
        }
        // Beyond this thread's slots (or no view yet): never set here.
        0
    }
}

fn with_block<R>(f: impl FnOnce(&mut SlotBlock) -> R) -> R {
    let mut p = CURRENT.with(Cell::get);
    if p.is_null() {
        p = OWN.with(|o| o.0.get());
        CURRENT.with(|c| c.set(p));
    }
    // SAFETY: `p` is this OS thread's own block (thread-local, lives as long
    // as the thread) or the block the scheduler installed for the running
    // green thread (kept alive by it while installed); only this thread
    // uses it, and no reference escapes `f`.
    let b = unsafe { &mut *p };
    let r = f(b);
    VIEW.with(|v| v.set((b.slots.as_ptr(), b.slots.len())));
    r
}

/// Installs `block` as the calling thread's TSS values (a green-thread
/// switch); returns the previous one. `None` restores the OS thread's own.
///
/// # Safety
/// `block` stays valid and is used by no other thread until it is swapped
/// out again.
pub(crate) unsafe fn swap_block(block: Option<*mut SlotBlock>) -> *mut SlotBlock {
    let own = OWN.with(|o| o.0.get());
    let new = block.unwrap_or(own);
    let old = CURRENT.with(|c| c.replace(new));
    // SAFETY: the caller guarantees `new` is valid and ours to use.
    let b = unsafe { &*new };
    VIEW.with(|v| v.set((b.slots.as_ptr(), b.slots.len())));
    if old.is_null() { own } else { old }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn cpython_return_values() {
        let k = Tss::new();
        assert!(!k.is_created());
        assert_eq!(k.get(), 0);
        assert_eq!(k.set(1), Err(()));
        k.create().unwrap();
        k.create().unwrap();
        assert!(k.is_created());
        assert_eq!(k.get(), 0);
        k.set(42).unwrap();
        assert_eq!(k.get(), 42);
        k.delete();
        assert!(!k.is_created());
        k.delete();
        k.create().unwrap();
        assert_eq!(k.get(), 0, "a re-created key does not see old values");
        let b = Tss::alloc();
        b.create().unwrap();
        b.set(7).unwrap();
        Tss::free(b);
        k.delete();
    }

    #[cfg(has_os_threads)]
    #[test]
    fn values_are_per_thread() {
        static K: Tss = Tss::new();
        K.create().unwrap();
        K.set(1).unwrap();
        let hs: Vec<_> = (2..6)
            .map(|v| {
                std::thread::spawn(move || {
                    assert_eq!(K.get(), 0);
                    K.set(v).unwrap();
                    std::thread::yield_now();
                    K.get()
                })
            })
            .collect();
        for (h, v) in hs.into_iter().zip(2..6) {
            assert_eq!(h.join().unwrap(), v);
        }
        assert_eq!(K.get(), 1);
    }

    #[test]
    fn swapped_blocks_isolate_green_threads() {
        let k = Tss::new();
        k.create().unwrap();
        k.set(10).unwrap();
        let mut a = SlotBlock::new();
        let mut b = SlotBlock::new();
        // SAFETY: the blocks outlive their installation below.
        unsafe {
            let own = swap_block(Some(&mut a));
            assert_eq!(k.get(), 0);
            k.set(1).unwrap();
            swap_block(Some(&mut b));
            assert_eq!(k.get(), 0);
            k.set(2).unwrap();
            swap_block(Some(&mut a));
            assert_eq!(k.get(), 1);
            swap_block(Some(own));
        }
        assert_eq!(k.get(), 10);
        k.delete();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two threads race to create the same key and each stores its own
    /// value: one slot is allocated, and each thread reads only its value.
    #[test]
    fn loom_tss_values_never_leak_across_threads() {
        loom::model(|| {
            let table = Arc::new(Mutex::new(Table::default()));
            let key = Arc::new(Tss::new());
            let hs: Vec<_> = (1..=2usize)
                .map(|v| {
                    let (table, key) = (table.clone(), key.clone());
                    loom::thread::spawn(move || {
                        key.create_in(&table).unwrap();
                        let mut block = SlotBlock::new();
                        // SAFETY: the block outlives its installation.
                        unsafe {
                            let own = swap_block(Some(&mut block));
                            assert_eq!(key.get(), 0);
                            key.set(v).unwrap();
                            loom::thread::yield_now();
                            assert_eq!(key.get(), v);
                            swap_block(Some(own));
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(lock(&table).generations.len(), 1);
        });
    }
}
