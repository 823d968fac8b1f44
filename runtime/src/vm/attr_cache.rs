//! Inline caches for attribute access (CPython 3.11+'s specialized
//! `LOAD_ATTR_INSTANCE_VALUE`, `LOAD_ATTR_METHOD_WITH_VALUES`,
//! `STORE_ATTR_INSTANCE_VALUE`, `LOAD_ATTR_MODULE` and the method loads of
//! builtin types).
//!
//! One [`AttrCache`] per `LoadAttr`/`LoadMethod`/`StoreAttr`/`DeleteAttr` instruction
//! remembers what the full lookup learned about the receiver's type for
//! that name. CPython guards with a per-type version tag; pyrt guards with
//! the receiver's type (by identity) and the type epoch
//! ([`super::typeobj::type_epoch`]), which changes whenever any class
//! namespace changes or any class is freed. So while both match, the
//! facts hold: the name is not a data descriptor on the class, there is
//! no `__setattr__` to call, and the class's function or plain value for
//! the name (held without a reference, as the type attribute cache holds
//! its results) is still alive in the namespace that had it.
//!
//! What stays per instance — whether the instance dict has the name — is
//! looked up every time, first at the entry index where the last instance
//! had it (instances made by one `__init__` share their dict layout).
//!
//! A module receiver is cached like a global (CPython's
//! `LOAD_ATTR_MODULE`): the namespace's keys version and the entry index.
//!
//! A site that keeps missing (a receiver of many types) stops refilling
//! after [`MAX_FILLS`] and takes the general path only.

use std::cell::Cell;
use std::ptr::NonNull;

use super::code::Code;
use super::object::{ObjKind, ObjRef, PyObject, Value};
use super::state::{PyResult, Vm};
use super::typeobj::type_epoch;

/// Refills a site may do before it gives up caching.
const MAX_FILLS: u16 = 64;

/// What an attribute site learned; see the module docs. Cells field by
/// field: a lookup reads what it needs and a hint update writes one.
#[derive(Debug, Default)]
pub struct AttrCache {
    /// The receiver's type (identity; 0: nothing cached).
    ty: Cell<usize>,
    /// The type epoch the facts were learned in.
    epoch: Cell<u64>,
    /// Where the last instance's dict had the name.
    hint: Cell<u32>,
    /// Refills so far.
    fills: Cell<u16>,
    /// What the class has for the name.
    class_attr: Cell<ClassAttr>,
    /// A module receiver: its namespace's keys version when the name was
    /// found there at entry `hint` (0: no module facts). While the keys
    /// version stands no key moved, so the entry is still the name's
    /// (CPython's `LOAD_ATTR_MODULE`).
    module_keys: Cell<u64>,
}

/// The class's attribute for a cached name, objects held without a
/// reference (valid within the epoch: the namespace holds one). Flat, so
/// the cache stays small to copy.
#[derive(Clone, Copy, Debug, Default)]
enum ClassAttr {
    /// Nothing the cache can use: none, or one the general path binds
    /// (a classmethod, a staticmethod, a bound builtin…).
    #[default]
    Unknown,
    /// A plain function (or a builtin type's method descriptor): a method
    /// call passes the receiver as self.
    Method(NonNull<PyObject>),
    /// A property whose getter is a plain function (held by the property,
    /// which the namespace holds): the eval loop runs the getter as a
    /// frame of its own (CPython's `LOAD_ATTR_PROPERTY`).
    Property(NonNull<PyObject>),
    // A value binding leaves as it is (a class constant, a default): what
    // an instance without its own attribute of the name reads.
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Obj(NonNull<PyObject>),
}

impl ClassAttr {
    /// A value that binding leaves as it is.
    fn plain(v: &Value) -> ClassAttr {
        match v {
            Value::Undef => ClassAttr::Unknown,
            Value::None => ClassAttr::None,
            Value::Bool(b) => ClassAttr::Bool(*b),
            Value::Int(i) => ClassAttr::Int(*i),
            Value::Float(f) => ClassAttr::Float(*f),
            Value::Obj(o) => ClassAttr::Obj(o.as_non_null()),
        }
    }

    /// The plain value again (None for `Unknown` and `Method`).
    ///
    /// # Safety
    ///
    /// An object kept is alive: its cache entry is valid (see the module
    /// docs).
    #[inline]
    unsafe fn plain_value(self) -> Option<Value> {
        Some(match self {
            ClassAttr::Unknown | ClassAttr::Method(_) | ClassAttr::Property(_) => return None,
            ClassAttr::None => Value::None,
            ClassAttr::Bool(b) => Value::Bool(b),
            ClassAttr::Int(i) => Value::Int(i),
            ClassAttr::Float(f) => Value::Float(f),
            // SAFETY: the caller's contract.
            ClassAttr::Obj(o) => Value::Obj(unsafe { ObjRef::from_borrowed(o) }),
        })
    }
}

/// A cache per attribute instruction.
pub type AttrCaches = Box<[AttrCache]>;

/// Empty caches for `n` sites.
pub fn new_caches(n: usize) -> AttrCaches {
    (0..n).map(|_| AttrCache::default()).collect()
}

/// The instance behind `obj` and its class's identity, when `obj` is an
/// instance of a Python class.
#[inline]
fn instance(obj: &Value) -> Option<(&super::typeobj::Instance, usize)> {
    let Value::Obj(o) = obj else { return None };
    let ObjKind::Instance(inst) = &o.kind else {
        return None;
    };
    let ty = inst.class.try_borrow().ok()?.as_ptr() as usize;
    Some((inst, ty))
}

/// The site's cache when it is valid for receivers of type `ty`.
#[inline]
fn valid(code: &Code, ci: usize, ty: usize) -> Option<&AttrCache> {
    let c = code.attr_cache.get(ci)?;
    (c.ty.get() == ty && c.epoch.get() == type_epoch()).then_some(c)
}

/// `name` in the instance dict `d`, tried first at entry `hint` (a site's,
/// or a Thread attribute name's guess, kept up to date); the
/// outer None when the dict cannot be read here (borrowed).
#[inline]
pub(crate) fn dict_lookup(
    vm: &Vm,
    hint: &Cell<u32>,
    d: &ObjRef,
    name: &Value,
) -> Option<Option<Value>> {
    let ObjKind::Dict(d) = &d.kind else {
        return None;
    };
    let at = hint.get() as usize;
    let (v, ix) = super::dict::fast::get_hinted(vm, d, name, at)?;
    if let Some(ix) = ix
        && ix != at
    {
        hint.set(ix as u32);
    }
    Some(v)
}

/// The namespace dict of `obj` when it is a module.
#[inline]
fn module_dict(obj: &Value) -> Option<&std::cell::RefCell<super::dict::Dict>> {
    let Value::Obj(o) = obj else { return None };
    let ObjKind::Module(m) = &o.kind else {
        return None;
    };
    match &m.dict.kind {
        ObjKind::Dict(d) => Some(d),
        _ => None,
    }
}

/// `module.name` from the cache.
#[inline]
fn module_value(code: &Code, ci: usize, obj: &Value) -> Option<Value> {
    let d = module_dict(obj)?;
    let c = code.attr_cache.get(ci)?;
    let b = d.try_borrow().ok()?;
    let keys = c.module_keys.get();
    if keys == 0 || b.keys_version != keys {
        return None;
    }
    b.value_at(c.hint.get() as usize).cloned()
}

/// `obj.name` from the cache: None when the general path must run.
#[inline]
pub(crate) fn load_attr(
    vm: &Vm,
    code: &Code,
    ci: usize,
    obj: &Value,
    name: &Value,
) -> Option<Value> {
    let Some((inst, ty)) = instance(obj) else {
        return module_value(code, ci, obj);
    };
    let c = valid(code, ci, ty)?;
    let class_attr = c.class_attr.get();
    if let ClassAttr::Property(_) = class_attr {
        // A data descriptor wins over the instance dict: see
        // `property_getter`.
        return None;
    }
    if let Some(v) = dict_lookup(vm, &c.hint, &inst.dict, name)? {
        return Some(v);
    }
    if let ClassAttr::Method(m) = class_attr {
        // A bound method, as `Vm::bind` makes one for a plain function
        // (None, to the general path, if there is no memory for it, or
        // for a method descriptor, which binds differently).
        // SAFETY: `c` is valid (checked in `valid`): the epoch stands.
        let f = unsafe { ObjRef::from_borrowed(m) };
        if !matches!(f.kind, ObjKind::Function(_)) {
            return None;
        }
        return bound_method(vm, Value::Obj(f), obj);
    }
    // SAFETY: as above.
    unsafe { class_attr.plain_value() }
}

/// The getter of the property `obj.name` reads, from the cache (the
/// caller runs it as a frame with `obj` as its argument); None when the
/// general path must run.
#[inline]
pub(crate) fn property_getter(code: &Code, ci: usize, obj: &Value) -> Option<ObjRef> {
    let (_, ty) = instance(obj)?;
    let c = valid(code, ci, ty)?;
    match c.class_attr.get() {
        // SAFETY: `c` is valid: the epoch stands, so the class namespace
        // still holds the property, which holds its getter.
        ClassAttr::Property(g) => Some(unsafe { ObjRef::from_borrowed(g) }),
        _ => None,
    }
}

/// `(f, obj)` as a bound method object.
#[inline(never)]
fn bound_method(vm: &Vm, f: Value, obj: &Value) -> Option<Value> {
    vm.alloc(ObjKind::Method(Box::new((f, obj.clone()))))
        .ok()
        .map(Value::Obj)
}

/// `obj.name` for a method call from the cache: (method, self) or
/// (value, Undef); None when the general path must run.
#[inline]
pub(crate) fn load_method(
    vm: &Vm,
    code: &Code,
    ci: usize,
    obj: &Value,
    name: &Value,
) -> Option<(Value, Value)> {
    let (ty, inst) = match instance(obj) {
        Some((inst, ty)) => (ty, Some(inst)),
        None => match super::eval::builtin_kind_type(vm, obj) {
            Some(t) => (t.as_ptr() as usize, None),
            // `module.function(...)`: a plain attribute, no self.
            None => return module_value(code, ci, obj).map(|v| (v, Value::Undef)),
        },
    };
    let c = valid(code, ci, ty)?;
    if let ClassAttr::Property(_) = c.class_attr.get() {
        return None;
    }
    if let Some(inst) = inst {
        // The instance's own attribute wins over a (non-data) function.
        if let Some(v) = dict_lookup(vm, &c.hint, &inst.dict, name)? {
            return Some((v, Value::Undef));
        }
    }
    let class_attr = c.class_attr.get();
    if let ClassAttr::Method(m) = class_attr {
        // SAFETY: found in a class namespace in this type epoch; the epoch
        // stands (checked in `valid`), so that namespace still holds a
        // reference (see the module docs).
        let m = unsafe { ObjRef::from_borrowed(m) };
        return Some((Value::Obj(m), obj.clone()));
    }
    // SAFETY: as above.
    unsafe { class_attr.plain_value() }.map(|v| (v, Value::Undef))
}

/// `obj.name = value` from the cache: `Err(value)` back when the general
/// path must run.
#[inline]
pub(crate) fn store_attr(
    vm: &Vm,
    code: &Code,
    ci: usize,
    obj: &Value,
    name: &Value,
    value: Value,
) -> Result<PyResult<()>, Value> {
    let Some((inst, ty)) = instance(obj) else {
        return Err(value);
    };
    if valid(code, ci, ty).is_none() {
        return Err(value);
    }
    let r = vm.dict_set_ref(&inst.dict, name, value);
    vm.note_inst_dict_size(inst);
    Ok(r)
}

/// What a site does with the attribute.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Load,
    Store,
    Delete,
}

/// `del obj.name` at site `ci`: straight out of the instance dict when the
/// site's facts hold for `obj`'s class (no `__delattr__`, no property or
/// data descriptor of that name). None: the general path.
#[inline]
pub(crate) fn delete_attr(
    vm: &Vm,
    code: &Code,
    ci: usize,
    obj: &Value,
    name: &Value,
) -> Option<PyResult<()>> {
    let (inst, ty) = instance(obj)?;
    valid(code, ci, ty)?;
    let ObjKind::Dict(d) = &inst.dict.kind else {
        return None;
    };
    Some(match super::dict::remove(vm, d, name) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(vm.no_attribute(obj, name)),
        Err(e) => Err(e),
    })
}

/// Learns the facts for `obj.name` at site `ci` (before the general path
/// runs). Runs no Python code.
#[inline(never)]
pub(crate) fn fill(vm: &Vm, code: &Code, ci: usize, obj: &Value, name: &Value, access: Access) {
    let store = access != Access::Load;
    let Some(c) = code.attr_cache.get(ci) else {
        return;
    };
    let fills = c.fills.get();
    if fills >= MAX_FILLS {
        return;
    }
    c.fills.set(fills + 1);
    // Forget the old facts first: what follows may learn none.
    c.ty.set(0);
    c.module_keys.set(0);
    c.class_attr.set(ClassAttr::Unknown);
    // Specials (`__class__`, `__dict__`, …) are not cached.
    if name
        .as_str()
        .is_none_or(|s| s.as_bytes().starts_with(b"__"))
    {
        return;
    }
    if let Some(d) = module_dict(obj) {
        let (Value::Obj(key), Some(ks)) = (name, name.as_str()) else {
            return;
        };
        let Ok(b) = d.try_borrow() else { return };
        let hash = super::hash::str_hash(vm, ks);
        if let Some(ix) = b.index_strobj(key, ks.as_bytes(), hash) {
            c.hint.set(ix as u32);
            c.module_keys.set(b.keys_version);
        }
        return;
    }
    let (ty, class_attr) = match instance(obj) {
        Some((inst, ty)) => {
            // (`instance` found the class not borrowed; lookups run no
            // Python code that could borrow it.)
            let Ok(cls) = inst.class.try_borrow() else {
                return;
            };
            // A bare `object()` or a slotted instance takes only some
            // attributes (`generic_setattr` checks).
            if store && !super::call::slot_allowed(vm, &cls, name) {
                return;
            }
            let cattr = vm.lookup_type(&cls, name);
            drop(cls);
            let class_attr = match &cattr {
                // A property read through a plain function: its getter
                // (stores and other getters: the general path).
                Some(Value::Obj(d)) if let ObjKind::Property(p) = &d.kind => match &p[0] {
                    Value::Obj(g) if !store && matches!(g.kind, ObjKind::Function(_)) => {
                        ClassAttr::Property(g.as_non_null())
                    }
                    _ => return,
                },
                // A function, or a method descriptor (`threading.Thread`'s
                // native methods): a method call takes it with the
                // instance as self (a plain load binds a method
                // descriptor on the general path).
                Some(v @ Value::Obj(f)) if super::ops::binds_as_method(v) => {
                    ClassAttr::Method(f.as_non_null())
                }
                // What `Vm::bind` would change stays with the general path.
                Some(Value::Obj(d))
                    if matches!(&d.kind, ObjKind::StaticMethod(_) | ObjKind::ClassMethod(_)) =>
                {
                    ClassAttr::Unknown
                }
                // A descriptor defined in Python decides for itself.
                Some(v) if vm.user_descriptor(v).is_some() => return,
                Some(v) => ClassAttr::plain(v),
                None => ClassAttr::Unknown,
            };
            let hook = match access {
                Access::Load => None,
                Access::Store => Some("__setattr__"),
                Access::Delete => Some("__delattr__"),
            };
            if hook.is_some_and(|h| vm.user_special(obj, h).is_some()) {
                return;
            }
            // A class's own `__getattribute__` sees every load.
            if !store
                && inst
                    .class
                    .try_borrow()
                    .is_ok_and(|c| vm.getattribute_hook(&c).is_some())
            {
                return;
            }
            (ty, class_attr)
        }
        None if !store => {
            let Some(t) = super::eval::builtin_kind_type(vm, obj) else {
                return;
            };
            let method = match vm.lookup_type(t, name) {
                Some(Value::Obj(b))
                    if matches!(&b.kind, ObjKind::Builtin(f) if f.bound.is_undef() && !f.owner.is_empty())
                        && !matches!(obj, Value::Obj(x) if matches!(x.kind, ObjKind::Exception(_) | ObjKind::Function(_))) =>
                {
                    ClassAttr::Method(b.as_non_null())
                }
                _ => return,
            };
            (t.as_ptr() as usize, method)
        }
        None => return,
    };
    c.ty.set(ty);
    c.epoch.set(type_epoch());
    c.class_attr.set(class_attr);
}
