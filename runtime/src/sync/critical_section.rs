//! Critical sections: `Py_BEGIN_CRITICAL_SECTION` & co.
//!
//! Mirrors `Include/cpython/critical_section.h` (3.13). In a GIL build —
//! pyrt is one — the GIL already serializes access to objects, and the
//! macros only open and close a block: nothing is locked. The API exists so
//! code written for free-threaded CPython runs unchanged; [`CriticalSection`]
//! and [`CriticalSection2`] are guards ended in LIFO order by scope.
//!
//! (In free-threaded CPython a section locks the object's mutex, two-object
//! sections lock in address order, and sections are suspended while the
//! thread blocks; pyrt documents that contract but, being a GIL build, does
//! not need it.)

use std::marker::PhantomData;

use super::PyMutex;

/// `Py_BEGIN_CRITICAL_SECTION(op)` … `Py_END_CRITICAL_SECTION()`.
#[derive(Debug)]
#[must_use = "the section ends when the guard is dropped"]
pub struct CriticalSection<'a> {
    _mutex: PhantomData<&'a PyMutex>,
}

impl<'a> CriticalSection<'a> {
    /// `PyCriticalSection_Begin`: with the GIL held, nothing to lock.
    pub fn begin(mutex: &'a PyMutex) -> CriticalSection<'a> {
        let _ = mutex;
        CriticalSection {
            _mutex: PhantomData,
        }
    }
}

/// `Py_BEGIN_CRITICAL_SECTION2(a, b)` … `Py_END_CRITICAL_SECTION2()`.
#[derive(Debug)]
#[must_use = "the section ends when the guard is dropped"]
pub struct CriticalSection2<'a> {
    _mutexes: PhantomData<(&'a PyMutex, &'a PyMutex)>,
}

impl<'a> CriticalSection2<'a> {
    /// `PyCriticalSection2_Begin`: with the GIL held, nothing to lock.
    pub fn begin(a: &'a PyMutex, b: &'a PyMutex) -> CriticalSection2<'a> {
        let _ = (a, b);
        CriticalSection2 {
            _mutexes: PhantomData,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn gil_build_sections_lock_nothing() {
        let (a, b) = (PyMutex::new(), PyMutex::new());
        let outer = CriticalSection::begin(&a);
        {
            let _inner = CriticalSection2::begin(&a, &b);
            assert!(!a.is_locked() && !b.is_locked());
        }
        drop(outer);
        assert_eq!(a.bits(), 0);
    }
}
