//! Classes: `type` objects for builtin types and classes defined in
//! Python, their method resolution order, and instances.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

use super::object::{ObjKind, ObjRef, Value};

/// What instances of a type are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Plain objects with a `__dict__` (`object` and Python classes).
    Object,
    /// Exceptions (`BaseException` and subclasses).
    Exception,
    /// A builtin payload kind (int, str, list, …); subclassing these in
    /// Python is outside the subset.
    Builtin,
}

/// A class.
#[derive(Debug)]
pub struct TypeObj {
    /// `__name__`.
    pub name: String,
    /// `__qualname__`.
    pub qualname: RefCell<String>,
    /// Direct bases.
    pub bases: Vec<ObjRef>,
    /// Method resolution order (this type first).
    pub mro: RefCell<Vec<ObjRef>>,
    /// The class namespace (a dict object).
    pub dict: ObjRef,
    /// What instances are made of.
    pub layout: Layout,
    /// A builtin type (attributes cannot be set from Python).
    pub builtin: bool,
    /// The payload kind name for builtin types (`"int"`, …).
    pub kind_tag: &'static str,
    /// How many attributes its instances came to hold (the most seen):
    /// new instances' dicts are made that big at once instead of growing
    /// through each size (CPython shares the keys of instance dicts).
    pub inst_dict_hint: Cell<u32>,
    /// It or a class of its MRO defines `__del__` (set when the class is
    /// made or `__del__` is assigned to it): its instances are queued for
    /// their finalizer when their last reference goes.
    pub has_del: Cell<bool>,
    /// The attribute names its instances may hold when they have no
    /// `__dict__` (it and every Python base define `__slots__` without
    /// `'__dict__'`): its slots and its bases', mangled; None: a dict.
    pub slots: Option<std::rc::Rc<[Value]>>,
    /// Which of the hooks the hot paths must look for it has (the
    /// `HOOK_*` bits), as found in the type epoch given (0: not known):
    /// in that epoch, checking for them is a compare
    /// ([`crate::vm::state::Vm::type_hooks`]).
    pub hooks: Cell<(u64, u8)>,
}

/// A `__getattribute__` of a Python class in the MRO.
pub(crate) const HOOK_GETATTRIBUTE: u8 = 1;
/// A `__hash__` of a Python class in the MRO, or `__hash__ = None`.
pub(crate) const HOOK_HASH: u8 = 2;

/// The type epoch: changes whenever any class namespace changes or any
/// class is freed. [`crate::vm::state::Vm::lookup_type`]'s cache entries
/// are valid only in the epoch they were made in, so they can hold their
/// results without references (as CPython's method cache does): while the
/// epoch stands, every namespace a result came from still holds it.
///
/// One counter for the process: a change in another interpreter only makes
/// this one's entries miss once. Relaxed suffices — a namespace is changed
/// and read only under its interpreter's GIL, which orders the two.
static TYPE_EPOCH: AtomicU64 = AtomicU64::new(1);

/// The current type epoch.
#[inline]
pub(crate) fn type_epoch() -> u64 {
    TYPE_EPOCH.load(Ordering::Relaxed)
}

/// Starts a new type epoch (a class namespace changed or a class is freed).
#[inline]
pub(crate) fn bump_type_epoch() {
    TYPE_EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// Marks `d` (a dict object) as a class namespace.
pub(crate) fn mark_namespace(d: &ObjRef) {
    if let ObjKind::Dict(c) = &d.kind {
        c.borrow_mut().type_ns = true;
    }
    bump_type_epoch();
}

impl Drop for TypeObj {
    fn drop(&mut self) {
        // A new class may be made at this one's address.
        bump_type_epoch();
    }
}

impl TypeObj {
    /// The MRO entries, this type first.
    pub fn mro(&self) -> Vec<ObjRef> {
        self.mro.borrow().clone()
    }
}

/// An instance of a Python class.
#[derive(Debug)]
pub struct Instance {
    /// Its class.
    pub class: RefCell<ObjRef>,
    /// Its `__dict__` (a dict object).
    pub dict: ObjRef,
    /// Its `__del__` ran (PEP 442: at most once, even if resurrected).
    pub finalized: Cell<bool>,
}

/// Marks an instance made but never handed to Python code: it is dropped
/// without its `__del__`.
pub(crate) fn never_used(inst: &Value) {
    if let Value::Obj(o) = inst
        && let ObjKind::Instance(i) = &o.kind
    {
        i.finalized.set(true);
    }
}

/// The type payload of a class object.
#[inline]
pub fn as_type(o: &ObjRef) -> Option<&TypeObj> {
    match &o.kind {
        ObjKind::Type(t) => Some(t),
        _ => None,
    }
}

/// C3 linearization of `bases` for a new class (`None`: inconsistent).
pub fn c3_mro(new: &ObjRef, bases: &[ObjRef]) -> Option<Vec<ObjRef>> {
    let mut seqs: Vec<Vec<ObjRef>> = bases
        .iter()
        .filter_map(|b| as_type(b).map(TypeObj::mro))
        .collect();
    seqs.push(bases.to_vec());
    let mut out = vec![new.clone()];
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Some(out);
        }
        let mut cand = None;
        for s in &seqs {
            let head = &s[0];
            let in_tail = seqs.iter().any(|t| t[1..].iter().any(|x| x.ptr_eq(head)));
            if !in_tail {
                cand = Some(head.clone());
                break;
            }
        }
        let c = cand?;
        for s in &mut seqs {
            if s[0].ptr_eq(&c) {
                s.remove(0);
            }
        }
        out.push(c);
    }
}

/// True if `t` is `base` or a subclass of it.
pub fn is_subtype(t: &ObjRef, base: &ObjRef) -> bool {
    if t.ptr_eq(base) {
        return true;
    }
    match as_type(t) {
        Some(tt) => tt.mro.borrow().iter().any(|m| m.ptr_eq(base)),
        None => false,
    }
}

/// The class of a Python value's object, for objects that carry one.
pub fn instance_class(v: &Value) -> Option<ObjRef> {
    match v {
        Value::Obj(o) => match &o.kind {
            ObjKind::Instance(i) => Some(i.class.borrow().clone()),
            ObjKind::Exception(e) => Some(e.class.clone()),
            _ => None,
        },
        _ => None,
    }
}
