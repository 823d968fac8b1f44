//! The cycle collector (Modules/gcmodule.c's algorithm, two generations).
//!
//! Reference counting frees most objects; containers that reference
//! each other in a cycle are found here. Container objects are linked into
//! the young generation when created. A collection of a generation:
//! 1. copies each object's count into `gc_refs` (offset, to tell members
//!    of the generation apart from everything else),
//! 2. subtracts every reference from one member to another,
//! 3. marks what is reachable from members still referenced from outside,
//! 4. clears the rest (dropping their references breaks the cycles; the
//!    counts then free them).
//!
//! Survivors of a young collection move to the old generation. A full
//! collection runs when the old generation has grown by a quarter since
//! the last one (CPython's `long_lived_pending` rule).
//!
//! Collections run only at safe points of the eval loop (like CPython's
//! `_PY_GC_SCHEDULED_BIT`), never inside an allocation, so no container is
//! ever borrowed while it is traversed.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use super::object::{ObjKind, ObjRef, PyObject, Value};

const UNTRACKED: isize = 0;
const YOUNG: isize = 1;
const OLD: isize = 2;
/// During a collection a member holds `OFFSET + count` (so it is told apart
/// from the generation tags above, whatever the pointer width), then
/// `REACHABLE` once marked.
const OFFSET: isize = 3;
const REACHABLE: isize = -1;

/// Collector state of one heap.
#[derive(Debug)]
pub struct GcState {
    heads: [Cell<*mut PyObject>; 2],
    counts: [Cell<usize>; 2],
    /// Containers created since the last collection.
    pub(crate) allocations: Cell<usize>,
    /// `gc.get_threshold()[0]`.
    pub(crate) threshold: Cell<usize>,
    /// `gc.get_threshold()[1]`: young collections between full ones.
    threshold1: Cell<usize>,
    /// `gc.get_threshold()[2]` (kept for the API; pyrt has two
    /// generations, so it only gates like CPython 3.13's third one did).
    threshold2: Cell<usize>,
    young_collections: Cell<usize>,
    old_at_last_full: Cell<usize>,
    /// `gc.isenabled()`.
    pub(crate) enabled: Cell<bool>,
    collecting: Cell<bool>,
    /// Objects freed by collections, in total.
    pub(crate) collected_total: Cell<usize>,
    /// Number of collections run.
    pub(crate) collections: Cell<usize>,
}

impl Default for GcState {
    fn default() -> Self {
        GcState::new()
    }
}

impl GcState {
    /// A collector with CPython 3.13's default threshold (2000).
    pub fn new() -> GcState {
        GcState {
            heads: [
                Cell::new(std::ptr::null_mut()),
                Cell::new(std::ptr::null_mut()),
            ],
            counts: [Cell::new(0), Cell::new(0)],
            allocations: Cell::new(0),
            threshold: Cell::new(2000),
            threshold1: Cell::new(10),
            threshold2: Cell::new(10),
            young_collections: Cell::new(0),
            old_at_last_full: Cell::new(0),
            enabled: Cell::new(true),
            collecting: Cell::new(false),
            collected_total: Cell::new(0),
            collections: Cell::new(0),
        }
    }

    fn link(&self, o: &PyObject, g: usize) {
        let p = std::ptr::from_ref(o).cast_mut();
        let head = self.heads[g].get();
        o.gc_prev.set(std::ptr::null_mut());
        o.gc_next.set(head);
        if !head.is_null() {
            // SAFETY: tracked objects are live (untracked before freeing).
            unsafe { (*head).gc_prev.set(p) };
        }
        self.heads[g].set(p);
        self.counts[g].set(self.counts[g].get() + 1);
        o.gc_refs.set(if g == 0 { YOUNG } else { OLD });
    }

    fn unlink(&self, o: &PyObject, g: usize) {
        let prev = o.gc_prev.get();
        let next = o.gc_next.get();
        if prev.is_null() {
            self.heads[g].set(next);
        } else {
            // SAFETY: list neighbours are live tracked objects.
            unsafe { (*prev).gc_next.set(next) };
        }
        if !next.is_null() {
            // SAFETY: as above.
            unsafe { (*next).gc_prev.set(prev) };
        }
        o.gc_prev.set(std::ptr::null_mut());
        o.gc_next.set(std::ptr::null_mut());
        self.counts[g].set(self.counts[g].get() - 1);
        o.gc_refs.set(UNTRACKED);
    }

    /// Starts tracking a new container.
    pub(crate) fn track(&self, o: &ObjRef) {
        self.link(o, 0);
        self.allocations.set(self.allocations.get() + 1);
    }

    /// Stops tracking an object being freed.
    pub(crate) fn untrack(&self, o: &PyObject) {
        match o.gc_refs.get() {
            YOUNG => self.unlink(o, 0),
            OLD => self.unlink(o, 1),
            _ => {}
        }
        let a = self.allocations.get();
        if a > 0 {
            self.allocations.set(a - 1);
        }
    }

    /// `gc.get_threshold()`.
    pub fn thresholds(&self) -> (usize, usize, usize) {
        (
            self.threshold.get(),
            self.threshold1.get(),
            self.threshold2.get(),
        )
    }

    /// `gc.set_threshold()`; a zero first threshold disables automatic
    /// collection, as in CPython.
    pub fn set_thresholds(&self, t: (usize, usize, usize)) {
        self.threshold.set(if t.0 == 0 { usize::MAX } else { t.0 });
        self.threshold1.set(t.1.max(1));
        self.threshold2.set(t.2);
    }

    /// `gc.enable()` / `gc.disable()`.
    pub fn set_enabled(&self, on: bool) {
        self.enabled.set(on);
    }

    /// `gc.isenabled()`.
    pub fn enabled(&self) -> bool {
        self.enabled.get()
    }

    /// Number of tracked objects per generation.
    pub fn counts(&self) -> (usize, usize) {
        (self.counts[0].get(), self.counts[1].get())
    }

    /// True if a collection should run at the next safe point.
    #[inline]
    pub fn due(&self) -> bool {
        self.enabled.get()
            && self.allocations.get() > self.threshold.get()
            && !self.collecting.get()
    }

    fn members(&self, g: usize) -> Vec<NonNull<PyObject>> {
        let mut v = Vec::with_capacity(self.counts[g].get());
        let mut p = self.heads[g].get();
        while let Some(n) = NonNull::new(p) {
            v.push(n);
            // SAFETY: tracked objects are live.
            p = unsafe { n.as_ref() }.gc_next.get();
        }
        v
    }

    /// Runs the collection the thresholds call for; returns the number of
    /// unreachable objects found.
    pub fn collect_if_due(&self, finalize: Option<&RefCell<Vec<ObjRef>>>) -> usize {
        if !self.due() {
            return 0;
        }
        let young = self.young_collections.get() + 1;
        let old = self.counts[1].get();
        let grown = old.saturating_sub(self.old_at_last_full.get());
        if young >= self.threshold1.get() && grown * 4 > self.old_at_last_full.get() {
            self.collect_with(true, finalize)
        } else {
            self.young_collections.set(young);
            self.collect_with(false, finalize)
        }
    }

    /// Collects the young generation, or everything with `full`, breaking
    /// every unreachable cycle (finalizers are not run).
    pub fn collect(&self, full: bool) -> usize {
        self.collect_with(full, None)
    }

    /// A collection. With `finalize`, unreachable objects that want a
    /// finalizer (`__del__`, a suspended generator) are queued there and
    /// nothing is broken this time (PEP 442: finalizers run on intact
    /// objects; the next collection frees what they did not resurrect).
    pub fn collect_with(&self, full: bool, finalize: Option<&RefCell<Vec<ObjRef>>>) -> usize {
        if self.collecting.get() {
            return 0;
        }
        self.collecting.set(true);
        let mut objs = self.members(0);
        if full {
            objs.extend(self.members(1));
        }
        // Unlink all members; survivors are relinked as old.
        for p in &objs {
            // SAFETY: live tracked objects.
            let o = unsafe { p.as_ref() };
            self.unlink(o, if o.gc_refs.get() == YOUNG { 0 } else { 1 });
        }
        // 1. Counts.
        for p in &objs {
            // SAFETY: as above.
            let o = unsafe { p.as_ref() };
            o.gc_refs.set(OFFSET + o.rc.get() as isize);
        }
        // 2. Subtract internal references.
        for p in &objs {
            // SAFETY: as above.
            let o = unsafe { p.as_ref() };
            traverse(o, &mut |v| {
                if let Value::Obj(r) = v {
                    let g = r.gc_refs.get();
                    if g >= OFFSET {
                        r.gc_refs.set(g - 1);
                    }
                }
            });
        }
        // 3. Mark what is reachable from outside.
        let mut work: Vec<NonNull<PyObject>> = Vec::new();
        for p in &objs {
            // SAFETY: as above.
            let o = unsafe { p.as_ref() };
            if o.gc_refs.get() > OFFSET {
                o.gc_refs.set(REACHABLE);
                work.push(*p);
            }
        }
        while let Some(p) = work.pop() {
            // SAFETY: as above.
            let o = unsafe { p.as_ref() };
            traverse(o, &mut |v| {
                if let Value::Obj(r) = v {
                    let g = r.gc_refs.get();
                    if g >= OFFSET {
                        r.gc_refs.set(REACHABLE);
                        work.push(r.raw());
                    }
                }
            });
        }
        // 4. Survivors to the old generation; the rest is garbage.
        let mut garbage: Vec<ObjRef> = Vec::new();
        for p in &objs {
            // SAFETY: as above.
            let o = unsafe { p.as_ref() };
            if o.gc_refs.get() == REACHABLE {
                self.link(o, 1);
            } else {
                self.link(o, 1);
                // SAFETY: live; the extra count keeps it alive while the
                // cycle is broken.
                garbage.push(unsafe { ObjRef::from_raw_incref(*p) });
            }
        }
        let mut n = garbage.len();
        let finalizable: Vec<&ObjRef> = match finalize {
            Some(_) => garbage
                .iter()
                .rev() // oldest first, as CPython's collector finds them
                .filter(|g| super::generator::needs_finalizer(g))
                .collect(),
            None => Vec::new(),
        };
        if let Some(q) = finalize
            && !finalizable.is_empty()
        {
            q.borrow_mut().extend(finalizable.into_iter().cloned());
            n = 0;
        } else {
            for g in &garbage {
                clear(g);
            }
        }
        drop(garbage);
        self.allocations.set(0);
        if full {
            self.young_collections.set(0);
            self.old_at_last_full.set(self.counts[1].get());
        }
        self.collected_total.set(self.collected_total.get() + n);
        self.collections.set(self.collections.get() + 1);
        self.collecting.set(false);
        n
    }
}

/// Visits the values an object references.
pub(crate) fn traverse(o: &PyObject, visit: &mut dyn FnMut(&Value)) {
    match &o.kind {
        ObjKind::Tuple(items) => items.iter().for_each(&mut *visit),
        ObjKind::List(l) => {
            if let Ok(l) = l.try_borrow() {
                l.iter().for_each(&mut *visit);
            }
        }
        ObjKind::Dict(d) => {
            if let Ok(d) = d.try_borrow() {
                for (k, v) in d.iter() {
                    visit(k);
                    visit(v);
                }
            }
        }
        ObjKind::Set(s) => {
            if let Ok(s) = s.try_borrow() {
                s.iter().for_each(&mut *visit);
            }
        }
        ObjKind::FrozenSet(s) => s.iter().for_each(&mut *visit),
        ObjKind::Function(f) => {
            visit(&Value::Obj(f.code.clone()));
            visit(&Value::Obj(f.globals.clone()));
            visit(&Value::Obj(f.builtins.clone()));
            visit(&f.closure);
            if let Ok(d) = f.defaults.try_borrow() {
                visit(&d);
            }
            if let Ok(d) = f.kwdefaults.try_borrow() {
                visit(&d);
            }
            if let Ok(d) = f.dict.try_borrow()
                && let Some(d) = &*d
            {
                visit(&Value::Obj(d.clone()));
            }
        }
        ObjKind::Method(m) => {
            visit(&m.0);
            visit(&m.1);
        }
        ObjKind::Type(t) => {
            visit(&Value::Obj(t.dict.clone()));
            for b in &t.bases {
                visit(&Value::Obj(b.clone()));
            }
        }
        ObjKind::Instance(i) => {
            if let Ok(c) = i.class.try_borrow() {
                visit(&Value::Obj(c.clone()));
            }
            visit(&Value::Obj(i.dict.clone()));
        }
        ObjKind::Exception(e) => {
            visit(&Value::Obj(e.class.clone()));
            visit(&Value::Obj(e.dict.clone()));
            if let Ok(tb) = e.traceback.try_borrow() {
                for t in tb.iter() {
                    for o in [&t.frame, &t.obj].into_iter().flatten() {
                        visit(&Value::Obj(o.clone()));
                    }
                }
            }
            if let Ok(a) = e.args.try_borrow() {
                visit(&a);
            }
            if let Ok(c) = e.cause.try_borrow() {
                visit(&c);
            }
            if let Ok(c) = e.context.try_borrow() {
                visit(&c);
            }
        }
        ObjKind::Module(m) => visit(&Value::Obj(m.dict.clone())),
        ObjKind::Cell(c) => {
            if let Ok(c) = c.try_borrow() {
                visit(&c);
            }
        }
        ObjKind::Iter(it) => {
            if let Ok(it) = it.try_borrow() {
                it.traverse(visit);
            }
        }
        ObjKind::Generator(g) => {
            if let Ok(g) = g.try_borrow() {
                g.traverse(visit);
            }
        }
        ObjKind::Property(p) => p.iter().for_each(&mut *visit),
        ObjKind::StaticMethod(f) | ObjKind::ClassMethod(f) => visit(f),
        ObjKind::Super(s) => {
            visit(&s.0);
            visit(&s.1);
        }
        ObjKind::DictView(d, _) => visit(d),
        ObjKind::Builtin(b) => visit(&b.bound),
        ObjKind::Frame(f) => {
            if let Ok(t) = f.trace.try_borrow() {
                visit(&t);
            }
            let l = f.links();
            visit(&l.locals);
            visit(&l.back);
        }
        ObjKind::Traceback(t) => {
            visit(&t.next);
            if let Some(f) = &t.frame {
                visit(&Value::Obj(f.clone()));
            }
        }
        ObjKind::Native(n) => {
            visit(&Value::Obj(n.ty.clone()));
            n.traverse(visit);
        }
        ObjKind::Str(_)
        | ObjKind::Bytes(_)
        | ObjKind::BigInt(_)
        | ObjKind::Range(_)
        | ObjKind::Slice(_)
        | ObjKind::Code(_)
        | ObjKind::NotImplemented
        | ObjKind::Ellipsis => {}
    }
}

/// Drops an unreachable object's references (`tp_clear`).
fn clear(o: &ObjRef) {
    match &o.kind {
        ObjKind::List(l) => {
            let old = l
                .try_borrow_mut()
                .map(|mut l| std::mem::replace(&mut *l, super::heap::pyvec()));
            drop(old);
        }
        ObjKind::Dict(d) => {
            let old = d.try_borrow_mut().map(|mut d| d.take_all());
            drop(old);
        }
        ObjKind::Set(s) => {
            let old = s.try_borrow_mut().map(|mut s| std::mem::take(&mut *s));
            drop(old);
        }
        ObjKind::Function(f) => {
            let a = f.defaults.replace(Value::None);
            let b = f.kwdefaults.replace(Value::None);
            let c = f.dict.replace(None);
            drop((a, b, c));
        }
        ObjKind::Instance(_) | ObjKind::Module(_) | ObjKind::Type(_) => {
            let d = match &o.kind {
                ObjKind::Instance(i) => i.dict.clone(),
                ObjKind::Module(m) => m.dict.clone(),
                ObjKind::Type(t) => t.dict.clone(),
                _ => return,
            };
            if let ObjKind::Dict(d) = &d.kind {
                let old = d.try_borrow_mut().map(|mut d| d.take_all());
                drop(old);
            }
        }
        ObjKind::Exception(e) => {
            let a = e.args.replace(Value::None);
            let b = e.cause.replace(Value::None);
            let c = e.context.replace(Value::None);
            let tb = e
                .traceback
                .try_borrow_mut()
                .map(|mut t| std::mem::take(&mut *t));
            drop((a, b, c, tb));
            if let ObjKind::Dict(d) = &e.dict.kind {
                let old = d.try_borrow_mut().map(|mut d| d.take_all());
                drop(old);
            }
        }
        ObjKind::Cell(c) => {
            let old = c.try_borrow_mut().map(|mut c| std::mem::take(&mut *c));
            drop(old);
        }
        ObjKind::Iter(it) => {
            let old = it
                .try_borrow_mut()
                .map(|mut it| std::mem::replace(&mut *it, super::iter::IterState::Done));
            drop(old);
        }
        ObjKind::Generator(g) => {
            let old = g
                .try_borrow_mut()
                .map(|mut g| (g.frame.take(), std::mem::take(&mut g.stack)));
            drop(old);
        }
        ObjKind::Native(n) => n.clear(),
        ObjKind::Frame(f) => f.clear(),
        _ => {}
    }
}
