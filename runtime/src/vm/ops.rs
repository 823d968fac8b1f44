//! The object protocols (Objects/abstract.c, Objects/object.c,
//! Objects/typeobject.c's slot wrappers): truth, repr/str, hashing,
//! comparison, arithmetic, attributes, items, iteration and calls, with
//! CPython's dunder dispatch and error messages.

use std::cell::RefCell;
use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};
use smallvec::SmallVec;

use super::code::{BinKind, CmpKind};
use super::func::{Args, Builtin};
use super::heap::PyVecExt;
use super::int::{Num, as_num, float_binop, int_binop, num_cmp, to_bigint};
use super::iter::IterState;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, TYPE_CACHE_SIZE, TypeCacheKey, Vm};
use super::typeobj::{Layout, as_type, is_subtype, type_epoch};

thread_local! {
    /// Objects whose repr is being computed (`Py_ReprEnter`).
    static REPR_STACK: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Depth of Rust-level recursion in repr/eq/hash of nested containers.
const MAX_NATIVE_NESTING: usize = 1800;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Guards Rust recursion (`Py_EnterRecursiveCall`).
pub(crate) struct Nest;

impl Nest {
    pub(crate) fn enter(vm: &Vm, what: &str) -> PyResult<Nest> {
        let n = NESTING.with(|c| {
            let n = c.get() + 1;
            c.set(n);
            n
        });
        if n > MAX_NATIVE_NESTING {
            NESTING.with(|c| c.set(c.get() - 1));
            return Err(vm.new_error(
                "RecursionError",
                format!("maximum recursion depth exceeded{what}"),
            ));
        }
        Ok(Nest)
    }
}

impl Drop for Nest {
    fn drop(&mut self) {
        NESTING.with(|c| c.set(c.get() - 1));
    }
}

impl Vm {
    // ---- type lookups ----------------------------------------------------------

    /// Looks `name` up in the MRO of type `t` (`_PyType_Lookup`), through
    /// the type attribute cache.
    pub fn lookup_type(&self, t: &ObjRef, name: &Value) -> Option<Value> {
        let (Value::Obj(n), Some(s)) = (name, name.as_str()) else {
            // Only str keys are ever found in a class namespace here.
            return None;
        };
        let kt = t.as_ptr() as usize;
        let slot = ((kt >> 4) ^ super::hash::str_hash(self, s) as usize) & (TYPE_CACHE_SIZE - 1);
        let epoch = type_epoch();
        if let Some(hit) = self.type_cache_get(slot, epoch, kt, |k| {
            matches!(k, TypeCacheKey::Name(k) if k.ptr_eq(n)
                || matches!(&k.kind, ObjKind::Str(ks) if ks.as_bytes() == s.as_bytes()))
        }) {
            return hit;
        }
        let v = self.lookup_type_uncached(t, |d| self.dict_get_strval(d, name), false);
        self.type_cache_store(slot, epoch, kt, TypeCacheKey::Name(n.clone()), v.as_ref());
        v
    }

    /// The MRO walk behind the type caches; `user_only` stops at the first
    /// builtin type. Runs no Python code.
    fn lookup_type_uncached(
        &self,
        t: &ObjRef,
        get: impl Fn(&ObjRef) -> Option<Value>,
        user_only: bool,
    ) -> Option<Value> {
        let tt = as_type(t)?;
        for m in tt.mro.borrow().iter() {
            let mt = as_type(m)?;
            if user_only && mt.builtin {
                return None;
            }
            if let Some(v) = get(&mt.dict) {
                return Some(v);
            }
        }
        None
    }

    /// A special method (by a name in the runtime's code) of type `t`,
    /// through the type attribute cache.
    pub(crate) fn special_cached(
        &self,
        t: &ObjRef,
        name: &'static str,
        user_only: bool,
    ) -> Option<Value> {
        let kt = t.as_ptr() as usize;
        let kn = name.as_ptr() as usize;
        let slot = ((kt >> 4) ^ (kn >> 1) ^ usize::from(user_only)) & (TYPE_CACHE_SIZE - 1);
        let epoch = type_epoch();
        if let Some(hit) = self.type_cache_get(slot, epoch, kt, |k| {
            matches!(*k, TypeCacheKey::Special(k, u) if std::ptr::eq(k, name) && u == user_only)
        }) {
            return hit;
        }
        let v = self.lookup_type_uncached(t, |d| self.dict_get_str(d, name), user_only);
        self.type_cache_store(
            slot,
            epoch,
            kt,
            TypeCacheKey::Special(name, user_only),
            v.as_ref(),
        );
        v
    }

    /// The cached result at `slot` if its entry is for type `ty`, of this
    /// epoch, and its key is the one `is_key` wants.
    #[inline]
    fn type_cache_get(
        &self,
        slot: usize,
        epoch: u64,
        ty: usize,
        is_key: impl Fn(&TypeCacheKey) -> bool,
    ) -> Option<Option<Value>> {
        let c = self.type_cache.borrow();
        let e = &c[slot];
        (e.epoch == epoch && e.ty == ty && is_key(&e.key)).then(|| {
            // `Value::clone` takes a new reference to an object the entry
            // holds none on: valid within the entry's epoch.
            (!e.value.is_undef()).then(|| Value::clone(&e.value))
        })
    }

    fn type_cache_store(
        &self,
        slot: usize,
        epoch: u64,
        ty: usize,
        key: TypeCacheKey,
        v: Option<&Value>,
    ) {
        let old = {
            let mut c = self.type_cache.borrow_mut();
            let e = &mut c[slot];
            e.epoch = epoch;
            e.ty = ty;
            // SAFETY: a copy without a reference, read back (cloned) only
            // while `epoch` stands — while every class namespace is
            // unchanged and every class alive, so the namespace it came
            // from still holds it (`type_epoch`'s invariant).
            e.value =
                std::mem::ManuallyDrop::new(unsafe { std::ptr::read(v.unwrap_or(&Value::Undef)) });
            std::mem::replace(&mut e.key, key)
        };
        drop(old);
    }

    /// The `__getattribute__` class `cls` defines or inherits from a
    /// Python class; None (the common case) decided once per class and
    /// type epoch.
    pub(crate) fn getattribute_hook(&self, cls: &ObjRef) -> Option<Value> {
        if self.type_hooks(cls) & super::typeobj::HOOK_GETATTRIBUTE == 0 {
            return None;
        }
        self.special_cached(cls, "__getattribute__", true)
    }

    /// The `HOOK_*` bits of class `cls` (all set for a non-type): looked
    /// up once per class and type epoch.
    #[inline]
    pub(crate) fn type_hooks(&self, cls: &ObjRef) -> u8 {
        let Some(t) = as_type(cls) else {
            return u8::MAX;
        };
        let epoch = type_epoch();
        let (at, hooks) = t.hooks.get();
        if at == epoch {
            return hooks;
        }
        self.find_type_hooks(cls, t, epoch)
    }

    #[cold]
    fn find_type_hooks(&self, cls: &ObjRef, t: &super::typeobj::TypeObj, epoch: u64) -> u8 {
        use super::typeobj::{HOOK_GETATTRIBUTE, HOOK_HASH};
        let mut hooks = 0;
        if self.special_cached(cls, "__getattribute__", true).is_some() {
            hooks |= HOOK_GETATTRIBUTE;
        }
        if self.special_cached(cls, "__hash__", true).is_some()
            || matches!(
                self.special_cached(cls, "__hash__", false),
                Some(Value::None)
            )
        {
            hooks |= HOOK_HASH;
        }
        t.hooks.set((epoch, hooks));
        hooks
    }

    /// Looks up a special method on the type of `v` (not the instance).
    pub fn lookup_special(&self, v: &Value, name: &'static str) -> Option<Value> {
        let t = self.type_of(v);
        self.special_cached(&t, name, false)
    }

    /// A special method defined by a Python class (not a builtin type's
    /// own implementation).
    pub fn user_special(&self, v: &Value, name: &'static str) -> Option<Value> {
        match v {
            // The class borrowed, not cloned: lookups run no Python code.
            Value::Obj(o) if let ObjKind::Instance(i) = &o.kind => match i.class.try_borrow() {
                Ok(c) => self.special_cached(&c, name, true),
                Err(_) => self.special_cached(&self.type_of(v), name, true),
            },
            Value::Obj(o) if matches!(o.kind, ObjKind::Exception(_)) => {
                let t = self.type_of(v);
                self.special_cached(&t, name, true)
            }
            _ => None,
        }
    }

    /// The AttributeError for a property without the `part` (getter,
    /// setter, deleter) an access needs.
    fn property_lacks(&self, obj: &Value, name: &Value, part: &str) -> PyErr {
        self.attribute_error(
            format!(
                "property '{}' of '{}' object has no {part}",
                self.display_str(name),
                self.type_name(obj)
            ),
            name,
            obj,
        )
    }

    /// A class attribute that is a descriptor defined in Python (an
    /// instance of a class with `__get__`, `__set__` or `__delete__`): its
    /// methods. Data descriptors (`__set__` or `__delete__`) come before
    /// the instance's dict, as in CPython.
    pub(crate) fn user_descriptor(&self, attr: &Value) -> Option<UserDescriptor> {
        let Value::Obj(o) = attr else { return None };
        if !matches!(o.kind, ObjKind::Instance(_)) {
            return None;
        }
        let d = UserDescriptor {
            get: self.user_special(attr, "__get__"),
            set: self.user_special(attr, "__set__"),
            delete: self.user_special(attr, "__delete__"),
        };
        (d.get.is_some() || d.is_data()).then_some(d)
    }

    /// Calls the special method `f` found on `obj`'s type, binding `obj`.
    pub fn call_special(&self, f: &Value, obj: &Value, args: &[Value]) -> PyResult<Value> {
        let mut all: SmallVec<[Value; 4]> = SmallVec::new();
        all.push(obj.clone());
        all.extend(args.iter().cloned());
        match f {
            Value::Obj(o) => match &o.kind {
                ObjKind::StaticMethod(inner) => self.call(inner, Args::positional(args)),
                ObjKind::ClassMethod(inner) => {
                    let mut a2: SmallVec<[Value; 4]> = SmallVec::new();
                    a2.push(Value::Obj(self.type_of(obj)));
                    a2.extend(args.iter().cloned());
                    self.call(inner, Args::positional(&a2))
                }
                _ => self.call(f, Args::positional(&all)),
            },
            _ => self.call(f, Args::positional(&all)),
        }
    }

    /// `isinstance(v, cls)` for a class object.
    pub fn isinstance(&self, v: &Value, cls: &ObjRef) -> bool {
        let t = self.type_of(v);
        is_subtype(&t, cls)
    }

    // ---- truth -----------------------------------------------------------------

    /// `bool(v)`.
    pub fn truthy(&self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::None | Value::Undef => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(s) => !s.is_empty(),
                ObjKind::Bytes(b) => !b.is_empty(),
                ObjKind::BigInt(_) => true,
                ObjKind::Tuple(t) => !t.is_empty(),
                ObjKind::List(l) => !l.borrow().is_empty(),
                ObjKind::Dict(d) => !d.borrow().is_empty(),
                ObjKind::Set(s) => !s.borrow().is_empty(),
                ObjKind::FrozenSet(s) => !s.is_empty(),
                ObjKind::Range(r) => !r.is_empty(),
                ObjKind::DictView(d, _) => self.len(d)? > 0,
                ObjKind::Instance(_) | ObjKind::Exception(_) => {
                    if let Some(f) = self.user_special(v, "__bool__") {
                        let r = self.call_special(&f, v, &[])?;
                        match r {
                            Value::Bool(b) => b,
                            _ => {
                                return Err(self.type_error(format!(
                                    "__bool__ should return bool, returned {}",
                                    self.type_name(&r)
                                )));
                            }
                        }
                    } else if let Some(f) = self.user_special(v, "__len__") {
                        let r = self.call_special(&f, v, &[])?;
                        self.len_result(&r)? > 0
                    } else {
                        true
                    }
                }
                _ => true,
            },
        })
    }

    fn len_result(&self, r: &Value) -> PyResult<usize> {
        match r {
            Value::Int(i) if *i >= 0 => ssize(*i)
                .ok_or_else(|| self.overflow_error("cannot fit 'int' into an index-sized integer")),
            Value::Bool(b) => Ok(usize::from(*b)),
            Value::Int(_) => Err(self.value_error("__len__() should return >= 0")),
            _ if super::int::is_int(r) => {
                if to_bigint(r).is_some_and(|b| b.is_negative()) {
                    Err(self.value_error("__len__() should return >= 0"))
                } else {
                    Err(self.overflow_error("cannot fit 'int' into an index-sized integer"))
                }
            }
            _ => Err(self.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                self.type_name(r)
            ))),
        }
    }

    // ---- repr / str ------------------------------------------------------------

    /// `repr(v)` as a Rust string.
    pub fn repr_string(&self, v: &Value) -> PyResult<String> {
        let r = self.repr(v)?;
        Ok(r.as_str()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default())
    }

    /// `repr(v)`.
    pub fn repr(&self, v: &Value) -> PyResult<Value> {
        let s: String = match v {
            Value::None | Value::Undef => "None".into(),
            Value::Bool(b) => (if *b { "True" } else { "False" }).into(),
            Value::Int(i) => return self.int_str(*i),
            Value::Float(f) => super::format::float_repr(*f),
            Value::Obj(o) => return self.repr_obj(v, o),
        };
        self.new_str(&s)
    }

    fn repr_obj(&self, v: &Value, o: &ObjRef) -> PyResult<Value> {
        let addr = o.as_ptr() as usize;
        let s: String = match &o.kind {
            ObjKind::Str(s) => super::strrepr::repr_str(s.as_bytes()),
            ObjKind::Bytes(b) => super::strrepr::repr_bytes(b),
            ObjKind::BigInt(_) => super::int::int_to_decimal(self, v)?,
            ObjKind::Tuple(_)
            | ObjKind::List(_)
            | ObjKind::Dict(_)
            | ObjKind::Set(_)
            | ObjKind::FrozenSet(_)
            | ObjKind::DictView(..) => {
                return self.repr_container(v, o);
            }
            ObjKind::Range(r) => {
                if r.step == 1 {
                    format!("range({}, {})", r.start, r.stop)
                } else {
                    format!("range({}, {}, {})", r.start, r.stop, r.step)
                }
            }
            ObjKind::Slice(s) => format!(
                "slice({}, {}, {})",
                self.repr_string(&s[0])?,
                self.repr_string(&s[1])?,
                self.repr_string(&s[2])?
            ),
            ObjKind::Function(f) => {
                let q = f.qualname.borrow().clone();
                format!("<function {} at {addr:#x}>", self.display_str(&q))
            }
            ObjKind::Builtin(b) => {
                if b.bound.is_undef() {
                    if b.owner.is_empty() {
                        format!("<built-in function {}>", b.name)
                    } else {
                        format!("<method '{}' of '{}' objects>", b.name, b.owner)
                    }
                } else if matches!(b.bound, Value::Obj(ref m) if matches!(m.kind, ObjKind::Module(_)))
                {
                    format!("<built-in function {}>", b.name)
                } else {
                    format!(
                        "<built-in method {} of {} object at {:#x}>",
                        b.name,
                        self.type_name(&b.bound),
                        b.bound.as_obj().map_or(0, |x| x.as_ptr() as usize)
                    )
                }
            }
            ObjKind::Method(m) => {
                // A builtin bound to a class (a builtin class method).
                if let Some(ObjKind::Builtin(b)) = m.0.as_obj().map(|o| &o.kind) {
                    return self.new_str(&format!(
                        "<built-in method {} of {} object at {:#x}>",
                        b.name,
                        self.type_name(&m.1),
                        m.1.as_obj().map_or(0, |x| x.as_ptr() as usize)
                    ));
                }
                let fname = self.qualname_of(&m.0)?;
                format!("<bound method {} of {}>", fname, self.repr_string(&m.1)?)
            }
            ObjKind::Type(t) => {
                let module = self.dict_get_str(&t.dict, "__module__");
                let q = t.qualname.borrow().clone();
                match module
                    .as_ref()
                    .and_then(|m| m.as_str().map(|s| s.to_string_lossy().into_owned()))
                {
                    Some(m) if m != "builtins" => format!("<class '{m}.{q}'>"),
                    _ => format!("<class '{q}'>"),
                }
            }
            ObjKind::Instance(_) => {
                if let Some(f) = self.user_special(v, "__repr__") {
                    let _g = Nest::enter(self, " while getting the repr of an object")?;
                    let r = self.call_special(&f, v, &[])?;
                    if r.as_str().is_none() {
                        return Err(self.type_error(format!(
                            "__repr__ returned non-string (type {})",
                            self.type_name(&r)
                        )));
                    }
                    return Ok(r);
                }
                self.default_repr(v)
            }
            ObjKind::Exception(e) => {
                if let Some(f) = self.user_special(v, "__repr__") {
                    let r = self.call_special(&f, v, &[])?;
                    return Ok(r);
                }
                let name = as_type(&e.class)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                let args = e.args.borrow().clone();
                let inner = match &args {
                    Value::Obj(t) => match &t.kind {
                        ObjKind::Tuple(items) if items.len() == 1 => self.repr_string(&items[0])?,
                        ObjKind::Tuple(items) => {
                            let parts: Vec<String> = items
                                .iter()
                                .map(|x| self.repr_string(x))
                                .collect::<PyResult<_>>()?;
                            parts.join(", ")
                        }
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                format!("{name}({inner})")
            }
            ObjKind::Module(m) => {
                let name = self.display_str(&m.name);
                match self.dict_get_str(&m.dict, "__file__") {
                    Some(f) if f.as_str().is_some() => {
                        format!("<module '{name}' from {}>", self.repr_string(&f)?)
                    }
                    _ => format!("<module '{name}' (built-in)>"),
                }
            }
            ObjKind::Cell(_) => format!("<cell at {addr:#x}>"),
            ObjKind::Code(c) => format!(
                "<code object {} at {addr:#x}, file \"{}\", line {}>",
                c.name, c.filename, c.firstlineno
            ),
            ObjKind::Iter(it) => format!("<{} object at {addr:#x}>", it.borrow().type_name()),
            ObjKind::Generator(g) => {
                let q = g.borrow().qualname.clone();
                format!("<generator object {} at {addr:#x}>", self.display_str(&q))
            }
            ObjKind::Property(_) => format!("<property object at {addr:#x}>"),
            ObjKind::StaticMethod(f) => format!("<staticmethod({})>", self.repr_string(f)?),
            ObjKind::ClassMethod(f) => format!("<classmethod({})>", self.repr_string(f)?),
            ObjKind::Super(s) => format!(
                "<super: {}, {}>",
                self.repr_string(&s.0)?,
                self.repr_string(&s.1)?
            ),
            ObjKind::NotImplemented => "NotImplemented".into(),
            ObjKind::Ellipsis => "Ellipsis".into(),
            ObjKind::Frame(f) => format!(
                "<frame at {addr:#x}, file '{}', line {}, code {}>",
                match &f.code().kind {
                    ObjKind::Code(c) => c.filename.to_string(),
                    _ => String::new(),
                },
                super::tracing::f_lineno(f),
                match &f.code().kind {
                    ObjKind::Code(c) => c.name.to_string(),
                    _ => String::new(),
                }
            ),
            ObjKind::Traceback(_) => format!("<traceback object at {addr:#x}>"),
            ObjKind::Native(n) => match n.repr(self)? {
                Some(s) => s,
                None => self.default_repr(v),
            },
        };
        self.new_str(&s)
    }

    /// `<module.Class object at 0x…>`.
    pub fn default_repr(&self, v: &Value) -> String {
        let t = self.type_of(v);
        let addr = v.as_obj().map_or(0, |o| o.as_ptr() as usize);
        let (m, q) = match &t.kind {
            ObjKind::Type(tt) => (
                self.dict_get_str(&tt.dict, "__module__")
                    .and_then(|m| m.as_str().map(|s| s.to_string_lossy().into_owned())),
                tt.qualname.borrow().clone(),
            ),
            _ => (None, "object".into()),
        };
        match m {
            Some(m) if m != "builtins" => format!("<{m}.{q} object at {addr:#x}>"),
            _ => format!("<{q} object at {addr:#x}>"),
        }
    }

    fn qualname_of(&self, f: &Value) -> PyResult<String> {
        Ok(match f {
            Value::Obj(o) => match &o.kind {
                ObjKind::Function(func) => self.display_str(&func.qualname.borrow()),
                ObjKind::Builtin(b) => b.name.to_string(),
                _ => self.repr_string(f)?,
            },
            _ => self.repr_string(f)?,
        })
    }

    /// The text of a str value (lossy), or its repr for non-str.
    pub fn display_str(&self, v: &Value) -> String {
        match v.as_str() {
            Some(s) => s.to_string_lossy().into_owned(),
            None => String::new(),
        }
    }

    fn repr_container(&self, v: &Value, o: &ObjRef) -> PyResult<Value> {
        let addr = o.as_ptr() as usize;
        let recursing = REPR_STACK.with(|s| s.borrow().contains(&addr));
        if recursing {
            let s = match &o.kind {
                ObjKind::List(_) => "[...]",
                ObjKind::Dict(_) => "{...}",
                ObjKind::Tuple(_) => "(...)",
                _ => "...",
            };
            return self.new_str(s);
        }
        let _g = Nest::enter(self, " while getting the repr of an object")?;
        REPR_STACK.with(|s| s.borrow_mut().push(addr));
        let r = self.repr_container_inner(v, o);
        REPR_STACK.with(|s| s.borrow_mut().pop());
        let s = r?;
        self.new_str(&s)
    }

    fn repr_items(&self, items: &[Value]) -> PyResult<Vec<String>> {
        items.iter().map(|x| self.repr_string(x)).collect()
    }

    fn repr_container_inner(&self, _v: &Value, o: &ObjRef) -> PyResult<String> {
        Ok(match &o.kind {
            ObjKind::Tuple(items) => {
                let parts = self.repr_items(items)?;
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            ObjKind::List(l) => {
                let items: Vec<Value> = l.borrow().iter().cloned().collect();
                format!("[{}]", self.repr_items(&items)?.join(", "))
            }
            ObjKind::Dict(d) => {
                let items = super::dict::items(d);
                let mut parts = Vec::with_capacity(items.len());
                for (k, val) in items {
                    parts.push(format!(
                        "{}: {}",
                        self.repr_string(&k)?,
                        self.repr_string(&val)?
                    ));
                }
                format!("{{{}}}", parts.join(", "))
            }
            ObjKind::Set(s) => {
                let items: Vec<Value> = s.borrow().iter().cloned().collect();
                if items.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.repr_items(&items)?.join(", "))
                }
            }
            ObjKind::FrozenSet(s) => {
                let items: Vec<Value> = s.iter().cloned().collect();
                if items.is_empty() {
                    "frozenset()".into()
                } else {
                    format!("frozenset({{{}}})", self.repr_items(&items)?.join(", "))
                }
            }
            ObjKind::DictView(d, kind) => {
                let name = match kind {
                    super::dict::ViewKind::Keys => "dict_keys",
                    super::dict::ViewKind::Values => "dict_values",
                    super::dict::ViewKind::Items => "dict_items",
                };
                let items = match &d.as_obj().map(|x| &x.kind) {
                    Some(ObjKind::Dict(dd)) => super::dict::items(dd),
                    _ => Vec::new(),
                };
                let mut parts = Vec::new();
                for (k, val) in items {
                    parts.push(match kind {
                        super::dict::ViewKind::Keys => self.repr_string(&k)?,
                        super::dict::ViewKind::Values => self.repr_string(&val)?,
                        super::dict::ViewKind::Items => {
                            format!("({}, {})", self.repr_string(&k)?, self.repr_string(&val)?)
                        }
                    });
                }
                format!("{name}([{}])", parts.join(", "))
            }
            _ => String::new(),
        })
    }

    /// `str(v)`.
    pub fn str_(&self, v: &Value) -> PyResult<Value> {
        match v {
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(_) => Ok(v.clone()),
                ObjKind::Instance(_) => {
                    if let Some(f) = self.user_special(v, "__str__") {
                        let r = self.call_special(&f, v, &[])?;
                        if r.as_str().is_none() {
                            return Err(self.type_error(format!(
                                "__str__ returned non-string (type {})",
                                self.type_name(&r)
                            )));
                        }
                        return Ok(r);
                    }
                    self.repr(v)
                }
                ObjKind::Exception(e) => {
                    if let Some(f) = self.user_special(v, "__str__") {
                        let r = self.call_special(&f, v, &[])?;
                        if r.as_str().is_none() {
                            return Err(self.type_error(format!(
                                "__str__ returned non-string (type {})",
                                self.type_name(&r)
                            )));
                        }
                        return Ok(r);
                    }
                    super::exc_support::exc_str(self, o, e)
                }
                _ => self.repr(v),
            },
            _ => self.repr(v),
        }
    }

    /// `str(v)` as a Rust string.
    pub fn str_string(&self, v: &Value) -> PyResult<String> {
        let s = self.str_(v)?;
        Ok(self.display_str(&s))
    }

    // ---- hashing -----------------------------------------------------------------

    /// `hash(v)`.
    pub fn hash(&self, v: &Value) -> PyResult<i64> {
        use super::hash::*;
        Ok(match v {
            Value::None | Value::Undef => NONE_HASH,
            Value::Bool(b) => i64::from(*b),
            Value::Int(i) => hash_i64(*i),
            Value::Float(f) => hash_f64(*f),
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(s) => str_hash(self, s),
                ObjKind::Bytes(b) => hash_bytes(self, b),
                ObjKind::BigInt(b) => hash_bigint(b),
                ObjKind::Tuple(items) => {
                    let _g = Nest::enter(self, " in comparison")?;
                    let mut hs = Vec::with_capacity(items.len());
                    for x in items.iter() {
                        hs.push(self.hash(x)?);
                    }
                    hash_tuple(hs.into_iter(), items.len())
                }
                ObjKind::FrozenSet(s) => hash_frozenset(s.iter_hashed().map(|(_, h)| h), s.len()),
                ObjKind::Range(r) => {
                    let parts = [hash_i64(r.len()), hash_i64(r.start), hash_i64(r.step)];
                    hash_tuple(parts.into_iter(), 3)
                }
                ObjKind::List(_)
                | ObjKind::Dict(_)
                | ObjKind::Set(_)
                | ObjKind::Slice(_)
                | ObjKind::DictView(..) => {
                    return Err(
                        self.type_error(format!("unhashable type: '{}'", self.type_name(v)))
                    );
                }
                ObjKind::Instance(inst)
                    if inst
                        .class
                        .try_borrow()
                        .is_ok_and(|c| self.type_hooks(&c) & super::typeobj::HOOK_HASH == 0) =>
                {
                    // No `__hash__` of a Python class: by identity.
                    hash_pointer(o.as_ptr() as usize)
                }
                ObjKind::Instance(_) | ObjKind::Exception(_) => {
                    let t = self.type_of(v);
                    // __hash__ = None (set implicitly when __eq__ is
                    // defined without __hash__) makes it unhashable.
                    if let Some(Value::None) = self.special_cached(&t, "__hash__", false) {
                        return Err(
                            self.type_error(format!("unhashable type: '{}'", self.type_name(v)))
                        );
                    }
                    if let Some(f) = self.user_special(v, "__hash__") {
                        let r = self.call_special(&f, v, &[])?;
                        // slot_tp_hash: a result that fits Py_ssize_t is
                        // the hash as it is (-1 becomes -2); a bigger int
                        // is hashed as an int.
                        let as_is = |i: i64| if i == -1 { -2 } else { i };
                        return match &r {
                            Value::Int(i) => Ok(as_is(*i)),
                            Value::Bool(b) => Ok(i64::from(*b)),
                            _ if super::int::is_int(&r) => {
                                let b = to_bigint(&r).unwrap_or_default();
                                Ok(i64::try_from(&b).map_or_else(|_| hash_bigint(&b), as_is))
                            }
                            _ => Err(self.type_error("__hash__ method should return an integer")),
                        };
                    }
                    hash_pointer(o.as_ptr() as usize)
                }
                _ => hash_pointer(o.as_ptr() as usize),
            },
        })
    }

    // ---- comparison --------------------------------------------------------------

    /// `a == b` as a bool.
    pub fn eq(&self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(r) = super::dict::simple_eq(a, b) {
            return Ok(r);
        }
        let r = self.compare(a, b, CmpKind::Eq)?;
        self.truthy(&r)
    }

    /// Rich comparison.
    pub fn compare(&self, a: &Value, b: &Value, op: CmpKind) -> PyResult<Value> {
        // Numbers.
        if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
            let ord = num_cmp(&x, &y);
            return Ok(Value::Bool(cmp_result(ord, op)));
        }
        // Python-level dunders first (subclass reflected first).
        let ua = matches!(a, Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_) | ObjKind::Exception(_)));
        let ub = matches!(b, Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_) | ObjKind::Exception(_)));
        if ua || ub {
            let (fwd, refl) = op.dunders();
            let ta = self.type_of(a);
            let tb = self.type_of(b);
            let b_sub = !ta.ptr_eq(&tb) && is_subtype(&tb, &ta);
            if b_sub && let Some(f) = self.user_special(b, refl) {
                let r = self.call_special(&f, b, std::slice::from_ref(a))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            if let Some(f) = self.user_special(a, fwd) {
                let r = self.call_special(&f, a, std::slice::from_ref(b))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            if !b_sub && let Some(f) = self.user_special(b, refl) {
                let r = self.call_special(&f, b, std::slice::from_ref(a))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            if op == CmpKind::Ne
                && let Some(f) = self.user_special(a, "__eq__")
            {
                let r = self.call_special(&f, a, std::slice::from_ref(b))?;
                if !is_not_implemented(&r) {
                    return Ok(Value::Bool(!self.truthy(&r)?));
                }
            }
        }
        match op {
            CmpKind::Eq | CmpKind::Ne => {
                let eq = self.builtin_eq(a, b)?;
                Ok(Value::Bool(if op == CmpKind::Eq { eq } else { !eq }))
            }
            _ => {
                let ord = self.builtin_order(a, b, op)?;
                Ok(Value::Bool(cmp_result(ord, op)))
            }
        }
    }

    /// Equality of builtin values (identity for others).
    fn builtin_eq(&self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(r) = super::dict::simple_eq(a, b) {
            return Ok(r);
        }
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return Ok(a.is(b));
        };
        if x.ptr_eq(y) {
            return Ok(true);
        }
        let _g = Nest::enter(self, " in comparison")?;
        Ok(match (&x.kind, &y.kind) {
            (ObjKind::Tuple(p), ObjKind::Tuple(q)) => self.seq_eq(p, q)?,
            (ObjKind::List(p), ObjKind::List(q)) => {
                let (p, q): (Vec<Value>, Vec<Value>) = (
                    p.borrow().iter().cloned().collect(),
                    q.borrow().iter().cloned().collect(),
                );
                self.seq_eq(&p, &q)?
            }
            (ObjKind::Dict(p), ObjKind::Dict(q)) => {
                if p.borrow().len() != q.borrow().len() {
                    return Ok(false);
                }
                for (k, v) in super::dict::items(p) {
                    match super::dict::get(self, q, &k)? {
                        Some(w) => {
                            if !self.eq(&v, &w)? {
                                return Ok(false);
                            }
                        }
                        None => return Ok(false),
                    }
                }
                true
            }
            (ObjKind::Set(_) | ObjKind::FrozenSet(_), ObjKind::Set(_) | ObjKind::FrozenSet(_)) => {
                let (pa, pb) = (self.set_members(a), self.set_members(b));
                pa.len() == pb.len() && self.all_in(&pa, b)?
            }
            (ObjKind::Range(p), ObjKind::Range(q)) => {
                let (lp, lq) = (p.len(), q.len());
                lp == lq && (lp == 0 || (p.start == q.start && (lp == 1 || p.step == q.step)))
            }
            (ObjKind::Slice(p), ObjKind::Slice(q)) => self.seq_eq(&p[..], &q[..])?,
            (ObjKind::DictView(p, kp), ObjKind::DictView(q, kq))
                if kp == kq && *kp != super::dict::ViewKind::Values =>
            {
                let (pl, ql) = (self.to_vec(a)?, self.to_vec(b)?);
                pl.len() == ql.len() && self.all_in(&pl, &self.set_from_values(ql)?)?
            }
            (ObjKind::Method(p), ObjKind::Method(q)) => p.0.is(&q.0) && p.1.is(&q.1),
            (ObjKind::BigInt(p), ObjKind::BigInt(q)) => p == q,
            _ => {
                let _ = (p_none(), ());
                false
            }
        })
    }

    fn seq_eq(&self, p: &[Value], q: &[Value]) -> PyResult<bool> {
        if p.len() != q.len() {
            return Ok(false);
        }
        for (x, y) in p.iter().zip(q) {
            if !x.is(y) && !self.eq(x, y)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn set_members(&self, v: &Value) -> Vec<Value> {
        match v.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Set(s)) => s.borrow().iter().cloned().collect(),
            Some(ObjKind::FrozenSet(s)) => s.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn all_in(&self, items: &[Value], container: &Value) -> PyResult<bool> {
        for x in items {
            if !self.contains(container, x)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn set_from_values(&self, items: Vec<Value>) -> PyResult<Value> {
        let s = self.alloc(ObjKind::Set(RefCell::new(super::set::SetData::new())))?;
        if let ObjKind::Set(c) = &s.kind {
            for x in items {
                super::set::add(self, c, x)?;
            }
        }
        Ok(Value::Obj(s))
    }

    /// Ordering of builtin values (TypeError if unorderable).
    fn builtin_order(&self, a: &Value, b: &Value, op: CmpKind) -> PyResult<Option<Ordering>> {
        let err = || {
            self.type_error(format!(
                "'{}' not supported between instances of '{}' and '{}'",
                op.symbol(),
                self.type_name(a),
                self.type_name(b)
            ))
        };
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return Err(err());
        };
        let _g = Nest::enter(self, " in comparison")?;
        match (&x.kind, &y.kind) {
            (ObjKind::Str(p), ObjKind::Str(q)) => Ok(Some(p.as_bytes().cmp(q.as_bytes()))),
            (ObjKind::Bytes(p), ObjKind::Bytes(q)) => Ok(Some(p[..].cmp(&q[..]))),
            (ObjKind::Tuple(p), ObjKind::Tuple(q)) => self.seq_order(&p[..], &q[..], op),
            (ObjKind::List(p), ObjKind::List(q)) => {
                let (p, q): (Vec<Value>, Vec<Value>) = (
                    p.borrow().iter().cloned().collect(),
                    q.borrow().iter().cloned().collect(),
                );
                self.seq_order(&p, &q, op)
            }
            (ObjKind::Set(_) | ObjKind::FrozenSet(_), ObjKind::Set(_) | ObjKind::FrozenSet(_)) => {
                let (pa, pb) = (self.set_members(a), self.set_members(b));
                let a_in_b = self.all_in(&pa, b)?;
                let b_in_a = self.all_in(&pb, a)?;
                // Subset ordering: not a total order; encode via result.
                let r = match op {
                    CmpKind::Le => a_in_b,
                    CmpKind::Lt => a_in_b && pa.len() < pb.len(),
                    CmpKind::Ge => b_in_a,
                    CmpKind::Gt => b_in_a && pa.len() > pb.len(),
                    _ => false,
                };
                Ok(Some(if r {
                    match op {
                        CmpKind::Lt | CmpKind::Le => Ordering::Less,
                        _ => Ordering::Greater,
                    }
                } else {
                    match op {
                        CmpKind::Lt | CmpKind::Le => Ordering::Greater,
                        _ => Ordering::Less,
                    }
                })
                .map(|o| {
                    if matches!(op, CmpKind::Le | CmpKind::Ge) && r {
                        if op == CmpKind::Le {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    } else {
                        o
                    }
                }))
            }
            _ => Err(err()),
        }
    }

    fn seq_order(&self, p: &[Value], q: &[Value], op: CmpKind) -> PyResult<Option<Ordering>> {
        for (x, y) in p.iter().zip(q) {
            if x.is(y) || self.eq(x, y)? {
                continue;
            }
            // First difference decides, with the element comparison.
            let r = self.compare(x, y, CmpKind::Lt)?;
            if self.truthy(&r)? {
                return Ok(Some(Ordering::Less));
            }
            let r = self.compare(x, y, op)?;
            let t = self.truthy(&r)?;
            return Ok(Some(match op {
                CmpKind::Gt | CmpKind::Ge => {
                    if t {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                _ => {
                    if t {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
            }));
        }
        Ok(Some(p.len().cmp(&q.len())))
    }

    // ---- arithmetic ----------------------------------------------------------------

    /// `a op b` (in place with `inplace`).
    pub fn binary_op(&self, a: &Value, b: &Value, op: BinKind, inplace: bool) -> PyResult<Value> {
        // Numbers.
        if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
            let r = match (&x, &y) {
                (Num::Float(_), _) | (_, Num::Float(_)) => {
                    let fx = num_to_f64(self, &x)?;
                    let fy = num_to_f64(self, &y)?;
                    float_binop(self, op, fx, fy)?
                }
                _ => int_binop(self, op, a, b)?,
            };
            if let Some(r) = r {
                return Ok(r);
            }
        }
        if let Some(r) = self.builtin_binop(a, b, op, inplace)? {
            return Ok(r);
        }
        // Dunders.
        let (fwd, refl, inpl) = op.dunders();
        let ua = matches!(a, Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_) | ObjKind::Exception(_)));
        let ub = matches!(b, Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_) | ObjKind::Exception(_)));
        if ua || ub {
            if inplace
                && ua
                && let Some(f) = self.user_special(a, inpl)
            {
                let r = self.call_special(&f, a, std::slice::from_ref(b))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            let ta = self.type_of(a);
            let tb = self.type_of(b);
            let b_sub = !ta.ptr_eq(&tb) && is_subtype(&tb, &ta);
            if b_sub && let Some(f) = self.user_special(b, refl) {
                let r = self.call_special(&f, b, std::slice::from_ref(a))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            if let Some(f) = self.user_special(a, fwd) {
                let r = self.call_special(&f, a, std::slice::from_ref(b))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
            if !b_sub
                && !ta.ptr_eq(&tb)
                && let Some(f) = self.user_special(b, refl)
            {
                let r = self.call_special(&f, b, std::slice::from_ref(a))?;
                if !is_not_implemented(&r) {
                    return Ok(r);
                }
            }
        }
        // `int | None`: a types.UnionType.
        let class_or_none = |v: &Value| {
            v.is_none() || matches!(v, Value::Obj(o) if super::typeobj::as_type(o).is_some())
        };
        if op == BinKind::Or
            && class_or_none(a)
            && class_or_none(b)
            && !(a.is_none() && b.is_none())
        {
            let union = super::modules::generics(self, "_union")?;
            return self.call(&union, Args::positional(&[a.clone(), b.clone()]));
        }
        Err(self.binop_error(a, b, op, inplace))
    }

    fn binop_error(&self, a: &Value, b: &Value, op: BinKind, inplace: bool) -> PyErr {
        let sym = if inplace {
            match op {
                BinKind::Pow => "**=".to_string(),
                _ => format!("{}=", op.symbol()),
            }
        } else {
            op.symbol().to_string()
        };
        if op == BinKind::Add
            && let Some(name) = concat_kind(a)
            && !matches!(b, Value::Obj(o) if matches!(o.kind, ObjKind::Instance(_)))
        {
            if name == "bytes" {
                // (bytes' own concatenation, `bytes_concat`.)
                return self.type_error(format!("can't concat {} to bytes", self.type_name(b)));
            }
            return self.type_error(format!(
                "can only concatenate {name} (not \"{}\") to {name}",
                self.type_name(b)
            ));
        }
        if op == BinKind::Mul
            && (concat_kind(a).is_some() || concat_kind(b).is_some())
            && (matches!(a, Value::Float(_))
                || matches!(b, Value::Float(_))
                || !super::int::is_int(a) && !super::int::is_int(b))
        {
            let other = if concat_kind(a).is_some() { b } else { a };
            return self.type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                self.type_name(other)
            ));
        }
        self.type_error(format!(
            "unsupported operand type(s) for {sym}: '{}' and '{}'",
            self.type_name(a),
            self.type_name(b)
        ))
    }

    fn builtin_binop(
        &self,
        a: &Value,
        b: &Value,
        op: BinKind,
        inplace: bool,
    ) -> PyResult<Option<Value>> {
        let (Value::Obj(x), _) = (a, b) else {
            // int * sequence
            if op == BinKind::Mul
                && super::int::is_int(a)
                && let Value::Obj(_) = b
                && concat_kind(b).is_some()
            {
                return self.builtin_binop(b, a, op, false);
            }
            return Ok(None);
        };
        match (&x.kind, op) {
            (ObjKind::Str(s), BinKind::Add) => {
                if let Some(t) = b.as_str() {
                    let mut data = super::heap::pyvec();
                    data.try_reserve_exact(s.as_bytes().len() + t.as_bytes().len())
                        .map_err(|_| self.memory_error())?;
                    data.push_slice(s.as_bytes());
                    data.push_slice(t.as_bytes());
                    return Ok(Some(self.str_from_pyvec(data, s.len() + t.len())?));
                }
            }
            (ObjKind::Str(s), BinKind::Mul) => {
                if let Some(n) = self.repeat_count(b)? {
                    // CPython: more than PY_SSIZE_T_MAX code points is an
                    // OverflowError; an allocation that fails, MemoryError.
                    if s.len()
                        .checked_mul(n)
                        .is_none_or(|c| c > isize::MAX as usize)
                    {
                        return Err(self.overflow_error("repeated string is too long"));
                    }
                    let total = s
                        .as_bytes()
                        .len()
                        .checked_mul(n)
                        .ok_or_else(|| self.memory_error())?;
                    let mut data = super::heap::pyvec();
                    data.try_reserve_exact(total)
                        .map_err(|_| self.memory_error())?;
                    for _ in 0..n {
                        data.push_slice(s.as_bytes());
                    }
                    return Ok(Some(self.str_from_pyvec(data, s.len() * n)?));
                }
            }
            (ObjKind::Str(_) | ObjKind::Bytes(_), BinKind::Mod) => {
                return Ok(Some(super::builtins::percent_format(self, a, b)?));
            }
            (ObjKind::Bytes(p), BinKind::Add) => {
                if let Some(ObjKind::Bytes(q)) = b.as_obj().map(|o| &o.kind) {
                    let mut v = p.to_vec();
                    v.extend_from_slice(q);
                    return Ok(Some(self.new_bytes(&v)?));
                }
            }
            (ObjKind::Bytes(p), BinKind::Mul) => {
                if let Some(n) = self.repeat_count(b)? {
                    if p.len()
                        .checked_mul(n)
                        .is_none_or(|c| c > isize::MAX as usize)
                    {
                        return Err(self.overflow_error("repeated bytes are too long"));
                    }
                    let mut v: Vec<u8> = Vec::new();
                    v.try_reserve_exact(p.len() * n)
                        .map_err(|_| self.memory_error())?;
                    for _ in 0..n {
                        v.extend_from_slice(p);
                    }
                    return Ok(Some(self.new_bytes(&v)?));
                }
            }
            (ObjKind::List(l), BinKind::Add) => {
                if let Some(ObjKind::List(m)) = b.as_obj().map(|o| &o.kind) {
                    if inplace {
                        let items: Vec<Value> = m.borrow().iter().cloned().collect();
                        let mut lb = l.borrow_mut();
                        lb.try_reserve(items.len())
                            .map_err(|_| self.memory_error())?;
                        lb.extend(items);
                        return Ok(Some(a.clone()));
                    }
                    let mut v: Vec<Value> = l.borrow().iter().cloned().collect();
                    v.extend(m.borrow().iter().cloned());
                    return Ok(Some(self.new_list(v)?));
                }
                if inplace {
                    // list += iterable
                    let items = self.to_vec(b)?;
                    let mut lb = l.borrow_mut();
                    lb.try_reserve(items.len())
                        .map_err(|_| self.memory_error())?;
                    lb.extend(items);
                    return Ok(Some(a.clone()));
                }
            }
            (ObjKind::List(l), BinKind::Mul) => {
                if let Some(n) = self.repeat_count(b)? {
                    let items: Vec<Value> = l.borrow().iter().cloned().collect();
                    let total = items
                        .len()
                        .checked_mul(n)
                        .ok_or_else(|| self.memory_error())?;
                    // (A count the address space cannot hold is a
                    // MemoryError, not an allocation failure: on wasm32
                    // 2**28 values already exceed it.)
                    if total > (1 << 31) {
                        return Err(self.memory_error());
                    }
                    let mut v = Vec::new();
                    v.try_reserve_exact(total)
                        .map_err(|_| self.memory_error())?;
                    for _ in 0..n {
                        v.extend(items.iter().cloned());
                    }
                    if inplace {
                        let mut lb = l.borrow_mut();
                        lb.clear();
                        lb.try_reserve(v.len()).map_err(|_| self.memory_error())?;
                        lb.extend(v);
                        return Ok(Some(a.clone()));
                    }
                    return Ok(Some(self.new_list(v)?));
                }
            }
            (ObjKind::Tuple(p), BinKind::Add) => {
                if let Some(ObjKind::Tuple(q)) = b.as_obj().map(|o| &o.kind) {
                    let mut v: Vec<Value> = p.iter().cloned().collect();
                    v.extend(q.iter().cloned());
                    return Ok(Some(self.new_tuple(v)?));
                }
            }
            (ObjKind::Tuple(p), BinKind::Mul) => {
                if let Some(n) = self.repeat_count(b)? {
                    let total = p.len().checked_mul(n).ok_or_else(|| self.memory_error())?;
                    // (A count the address space cannot hold is a
                    // MemoryError, not an allocation failure: on wasm32
                    // 2**28 values already exceed it.)
                    if total > (1 << 31) {
                        return Err(self.memory_error());
                    }
                    let mut v = Vec::new();
                    v.try_reserve_exact(total)
                        .map_err(|_| self.memory_error())?;
                    for _ in 0..n {
                        v.extend(p.iter().cloned());
                    }
                    return Ok(Some(self.new_tuple(v)?));
                }
            }
            (
                ObjKind::Set(_) | ObjKind::FrozenSet(_),
                BinKind::Or | BinKind::And | BinKind::Sub | BinKind::Xor,
            ) => {
                if matches!(
                    b.as_obj().map(|o| &o.kind),
                    Some(ObjKind::Set(_) | ObjKind::FrozenSet(_))
                ) {
                    return Ok(Some(super::builtins::set_binop(self, a, b, op, inplace)?));
                }
            }
            (ObjKind::Dict(_), BinKind::Or) => {
                if let Some(ObjKind::Dict(q)) = b.as_obj().map(|o| &o.kind) {
                    let target = if inplace {
                        a.clone()
                    } else {
                        super::builtins::dict_copy(self, a)?
                    };
                    if let Some(ObjKind::Dict(t)) = target.as_obj().map(|o| &o.kind) {
                        for (k, v) in super::dict::items(q) {
                            super::dict::set(self, t, k, v)?;
                        }
                    }
                    return Ok(Some(target));
                }
                if inplace {
                    // `d |= x` takes what `dict.update` takes.
                    super::builtins::dict_update_from(self, a, b, super::builtins::Update::Any)?;
                    return Ok(Some(a.clone()));
                }
            }
            (ObjKind::DictView(..), BinKind::And | BinKind::Or | BinKind::Sub | BinKind::Xor) => {
                let sa = self.set_from_values(self.to_vec(a)?)?;
                let sb = self.set_from_values(self.to_vec(b)?)?;
                return Ok(Some(super::builtins::set_binop(self, &sa, &sb, op, false)?));
            }
            _ => {}
        }
        Ok(None)
    }

    /// The repeat count for `seq * n` (negative counts as 0); None if `n`
    /// is not an int.
    fn repeat_count(&self, n: &Value) -> PyResult<Option<usize>> {
        match n {
            Value::Int(i) => match ssize((*i).max(0)) {
                Some(n) => Ok(Some(n)),
                None => Err(self.overflow_error("cannot fit 'int' into an index-sized integer")),
            },
            Value::Bool(b) => Ok(Some(usize::from(*b))),
            _ if super::int::is_int(n) => {
                if to_bigint(n).is_some_and(|b| b.is_negative()) {
                    Ok(Some(0))
                } else {
                    Err(self.overflow_error("cannot fit 'int' into an index-sized integer"))
                }
            }
            _ => Ok(None),
        }
    }

    /// Unary `-`, `+`, `~`, `not`.
    pub fn unary_op(&self, v: &Value, which: u32) -> PyResult<Value> {
        if which == 3 {
            return Ok(Value::Bool(!self.truthy(v)?));
        }
        match (v, which) {
            (Value::Int(i), 0) => match i.checked_neg() {
                Some(n) => return Ok(Value::Int(n)),
                None => return self.new_int(-BigInt::from(*i)),
            },
            (Value::Int(i), 1) => return Ok(Value::Int(*i)),
            (Value::Int(i), 2) => return Ok(Value::Int(!i)),
            (Value::Bool(b), 0) => return Ok(Value::Int(-i64::from(*b))),
            (Value::Bool(b), 1) => return Ok(Value::Int(i64::from(*b))),
            (Value::Bool(b), 2) => return Ok(Value::Int(!i64::from(*b))),
            (Value::Float(f), 0) => return Ok(Value::Float(-f)),
            (Value::Float(f), 1) => return Ok(Value::Float(*f)),
            _ => {}
        }
        if let Some(b) = to_bigint(v) {
            return match which {
                0 => self.new_int(-b),
                1 => self.new_int(b),
                _ => self.new_int(!b),
            };
        }
        let name = ["__neg__", "__pos__", "__invert__"][which as usize];
        if let Some(f) = self.user_special(v, name) {
            return self.call_special(&f, v, &[]);
        }
        let sym = ["-", "+", "~"][which as usize];
        Err(self.type_error(format!(
            "bad operand type for unary {sym}: '{}'",
            self.type_name(v)
        )))
    }

    // ---- attributes ----------------------------------------------------------------

    /// `getattr(obj, name)`.
    pub fn getattr(&self, obj: &Value, name: &Value) -> PyResult<Value> {
        match self.getattr_opt(obj, name)? {
            Some(v) => Ok(v),
            None => Err(self.no_attribute(obj, name)),
        }
    }

    /// The AttributeError for a missing attribute.
    pub fn no_attribute(&self, obj: &Value, name: &Value) -> PyErr {
        let n = self.display_str(name);
        let msg = match obj.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Module(m)) => format!(
                "module '{}' has no attribute '{n}'",
                self.display_str(&m.name)
            ),
            Some(ObjKind::Type(t)) => format!("type object '{}' has no attribute '{n}'", t.name),
            _ => format!("'{}' object has no attribute '{n}'", self.type_name(obj)),
        };
        self.attribute_error(msg, name, obj)
    }

    /// `PyObject_GetOptionalAttr`: `Ok(None)` when missing, an
    /// AttributeError raised by a `__getattr__` included.
    pub fn getattr_optional(&self, obj: &Value, name: &Value) -> PyResult<Option<Value>> {
        match self.getattr_opt(obj, name) {
            Err(e) if self.exc_matches(&e, "AttributeError") => Ok(None),
            r => r,
        }
    }

    /// `getattr(obj, name, None)`-like: `Ok(None)` when missing (an
    /// AttributeError a `__getattr__` raises is returned as the error).
    pub fn getattr_opt(&self, obj: &Value, name: &Value) -> PyResult<Option<Value>> {
        // A class's own `__getattribute__` answers everything (CPython's
        // `slot_tp_getattr_hook`), `__getattr__` after its AttributeError.
        let hook = match obj.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Instance(inst)) => match inst.class.try_borrow() {
                Ok(c) => self.getattribute_hook(&c),
                Err(_) => self.user_special(obj, "__getattribute__"),
            },
            Some(ObjKind::Exception(_)) => self.user_special(obj, "__getattribute__"),
            _ => None,
        };
        if let Some(ga) = hook {
            return match self.call_special(&ga, obj, std::slice::from_ref(name)) {
                Err(e) if self.exc_matches(&e, "AttributeError") => {
                    match self.user_special(obj, "__getattr__") {
                        Some(f) => self
                            .call_special(&f, obj, std::slice::from_ref(name))
                            .map(Some),
                        None => Err(e),
                    }
                }
                r => r.map(Some),
            };
        }
        self.generic_getattr(obj, name, true)
    }

    /// `object.__getattribute__`: the lookup a class's own
    /// `__getattribute__` bypasses; `getattr_hook` adds `__getattr__` on a
    /// miss (what `getattr` does, not what `object.__getattribute__`
    /// does).
    #[inline(always)]
    pub fn generic_getattr(
        &self,
        obj: &Value,
        name: &Value,
        getattr_hook: bool,
    ) -> PyResult<Option<Value>> {
        let nb = name.as_str().map(|s| s.as_bytes()).unwrap_or(b"");
        // Specials first.
        if let Some(v) = super::attrs::special_attr(self, obj, nb)? {
            return Ok(Some(v));
        }
        match obj {
            Value::Obj(o) => match &o.kind {
                ObjKind::Instance(inst) => {
                    let cls = inst.class.borrow().clone();
                    let cattr = self.lookup_type(&cls, name);
                    if let Some(Value::Obj(d)) = &cattr
                        && let ObjKind::Property(p) = &d.kind
                    {
                        if p[0].is_none() {
                            return Err(self.property_lacks(obj, name, "getter"));
                        }
                        return self
                            .call(&p[0], Args::positional(std::slice::from_ref(obj)))
                            .map(Some);
                    }
                    let descr = cattr.as_ref().and_then(|c| self.user_descriptor(c));
                    if let (Some(c), Some(d)) = (&cattr, &descr)
                        && d.is_data()
                        && let Some(g) = &d.get
                    {
                        return self
                            .call_special(g, c, &[obj.clone(), Value::Obj(cls.clone())])
                            .map(Some);
                    }
                    if let Some(v) = self.dict_get_strval(&inst.dict, name) {
                        return Ok(Some(v));
                    }
                    if let Some(c) = cattr {
                        if let Some(g) = descr.and_then(|d| d.get) {
                            return self
                                .call_special(&g, &c, &[obj.clone(), Value::Obj(cls.clone())])
                                .map(Some);
                        }
                        return Ok(Some(self.bind(c, obj, &cls)?));
                    }
                    // __getattr__ fallback.
                    if getattr_hook
                        && let Some(ga) = self.special_cached(&cls, "__getattr__", false)
                    {
                        match self.call_special(&ga, obj, std::slice::from_ref(name)) {
                            Ok(v) => return Ok(Some(v)),
                            // Its own AttributeError (message and all) is the
                            // answer, as in CPython.
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(None)
                }
                ObjKind::Exception(e) => {
                    let cls = e.class.clone();
                    let cattr = self.lookup_type(&cls, name);
                    if let Some(Value::Obj(d)) = &cattr
                        && let ObjKind::Property(p) = &d.kind
                    {
                        return self
                            .call(&p[0], Args::positional(std::slice::from_ref(obj)))
                            .map(Some);
                    }
                    if let Some(v) = self.dict_get_strval(&e.dict, name) {
                        return Ok(Some(v));
                    }
                    match cattr {
                        Some(c) => Ok(Some(self.bind(c, obj, &cls)?)),
                        None => Ok(None),
                    }
                }
                ObjKind::Type(_) => self.type_getattr(o, name),
                ObjKind::Module(m) => {
                    if let Some(v) = self.dict_get_strval(&m.dict, name) {
                        return Ok(Some(v));
                    }
                    // Module __getattr__ (PEP 562).
                    if let Some(ga) = self.dict_get_str(&m.dict, "__getattr__") {
                        match self.call(&ga, Args::positional(std::slice::from_ref(name))) {
                            Ok(v) => return Ok(Some(v)),
                            Err(e) if self.exc_matches(&e, "AttributeError") => return Ok(None),
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(None)
                }
                ObjKind::Function(f) => {
                    if let Some(d) = &*f.dict.borrow()
                        && let Some(v) = self.dict_get_strval(d, name)
                    {
                        return Ok(Some(v));
                    }
                    self.builtin_type_attr(obj, name)
                }
                ObjKind::Super(s) => self.super_getattr(&s.0, &s.1, name),
                _ => self.builtin_type_attr(obj, name),
            },
            _ => self.builtin_type_attr(obj, name),
        }
    }

    /// Attribute of a builtin-kind object: its type's methods, bound.
    fn builtin_type_attr(&self, obj: &Value, name: &Value) -> PyResult<Option<Value>> {
        let t = self.type_of(obj);
        match self.lookup_type(&t, name) {
            Some(c) => Ok(Some(self.bind(c, obj, &t)?)),
            None => Ok(None),
        }
    }

    /// Binds a class attribute found for `obj` (descriptor protocol).
    /// How CPython's call errors name a callable (`_PyObject_FunctionStr`):
    /// `module.qualname()`, just `qualname()` for builtins, else `str(f)`.
    pub(crate) fn function_str(&self, f: &Value) -> String {
        let attr = |name: &str| {
            self.new_str(name)
                .ok()
                .and_then(|n| self.getattr_optional(f, &n).ok().flatten())
        };
        let Some(qualname) = attr("__qualname__").and_then(|q| self.str_string(&q).ok()) else {
            return self.str_string(f).unwrap_or_default();
        };
        match attr("__module__").and_then(|m| self.str_string(&m).ok()) {
            Some(m) if m != "builtins" => format!("{m}.{qualname}()"),
            _ => format!("{qualname}()"),
        }
    }

    /// A special method found on `obj`'s type as a call's (callable, self)
    /// pair: functions and method descriptors with `obj` as self, unbound
    /// (no bound-method object); anything else bound as attribute access
    /// would bind it, with no self (`Value::Undef`).
    pub(crate) fn method_pair(
        &self,
        attr: Value,
        obj: &Value,
        cls: &ObjRef,
    ) -> PyResult<(Value, Value)> {
        if binds_as_method(&attr) {
            return Ok((attr, obj.clone()));
        }
        Ok((self.bind(attr, obj, cls)?, Value::Undef))
    }

    pub fn bind(&self, attr: Value, obj: &Value, cls: &ObjRef) -> PyResult<Value> {
        let Value::Obj(a) = &attr else {
            return Ok(attr);
        };
        Ok(match &a.kind {
            ObjKind::Function(_) => {
                Value::Obj(self.alloc(ObjKind::Method(Box::new((attr.clone(), obj.clone()))))?)
            }
            ObjKind::Builtin(b) if b.bound.is_undef() && !b.owner.is_empty() => {
                Value::Obj(self.alloc(ObjKind::Builtin(Box::new(Builtin {
                    name: b.name,
                    f: b.f,
                    bound: obj.clone(),
                    owner: b.owner,
                    module: b.module,
                })))?)
            }
            ObjKind::StaticMethod(f) => f.clone(),
            ObjKind::ClassMethod(f) => Value::Obj(self.alloc(ObjKind::Method(Box::new((
                f.clone(),
                Value::Obj(cls.clone()),
            ))))?),
            ObjKind::Property(p) => {
                self.call(&p[0], Args::positional(std::slice::from_ref(obj)))?
            }
            _ => attr,
        })
    }

    fn type_getattr(&self, t: &ObjRef, name: &Value) -> PyResult<Option<Value>> {
        // Metatype (`type`) data first: handled by special_attr.
        match self.lookup_type(t, name) {
            Some(v) => {
                if let Value::Obj(a) = &v {
                    match &a.kind {
                        ObjKind::ClassMethod(f) => {
                            return Ok(Some(Value::Obj(self.alloc(ObjKind::Method(Box::new(
                                (f.clone(), Value::Obj(t.clone())),
                            )))?)));
                        }
                        ObjKind::StaticMethod(f) => return Ok(Some(f.clone())),
                        _ => {}
                    }
                }
                if let Some(g) = self.user_descriptor(&v).and_then(|d| d.get) {
                    return self
                        .call_special(&g, &v, &[Value::None, Value::Obj(t.clone())])
                        .map(Some);
                }
                Ok(Some(v))
            }
            None => {
                // Methods of `type` itself (mro(), __subclasses__ …).
                let meta = self.types.type_.clone();
                match self.lookup_type(&meta, name) {
                    Some(c) if !t.ptr_eq(&meta) => {
                        Ok(Some(self.bind(c, &Value::Obj(t.clone()), &meta)?))
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    fn super_getattr(&self, start: &Value, obj: &Value, name: &Value) -> PyResult<Option<Value>> {
        let Some((v, objtype)) = self.super_lookup(start, obj, name) else {
            return Ok(None);
        };
        if matches!(obj.as_obj().map(|o| &o.kind), Some(ObjKind::Type(_))) {
            if let Value::Obj(a) = &v
                && let ObjKind::ClassMethod(f) = &a.kind
            {
                return Ok(Some(Value::Obj(
                    self.alloc(ObjKind::Method(Box::new((f.clone(), obj.clone()))))?,
                )));
            }
            return Ok(Some(v));
        }
        Ok(Some(self.bind(v, obj, &objtype)?))
    }

    /// What `super(start, obj).name` finds, unbound, with the type whose
    /// MRO was searched (the object's type, or the object itself when it
    /// is a subclass of `start`: classmethods).
    pub(crate) fn super_lookup(
        &self,
        start: &Value,
        obj: &Value,
        name: &Value,
    ) -> Option<(Value, ObjRef)> {
        let start = start.as_obj()?;
        let objtype = match obj.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Type(_))
                if as_type(start).is_some() && is_subtype(obj.as_obj().expect("obj"), start) =>
            {
                obj.as_obj().expect("obj").clone()
            }
            _ => self.type_of(obj),
        };
        // The MRO read in place: the namespace lookups below run no Python
        // code that could change it.
        let found = {
            let mro = as_type(&objtype)?.mro.borrow();
            let pos = mro
                .iter()
                .position(|m| m.ptr_eq(start))
                .map_or(mro.len(), |p| p + 1);
            mro[pos..]
                .iter()
                .find_map(|m| as_type(m).and_then(|mt| self.dict_get_strval(&mt.dict, name)))
        };
        found.map(|v| (v, objtype))
    }

    /// Raises the class's instance-dict size hint to `inst`'s dict size
    /// (new instances' dicts start that big).
    #[inline]
    pub(crate) fn note_inst_dict_size(&self, inst: &super::typeobj::Instance) {
        if let (Ok(cls), ObjKind::Dict(d)) = (inst.class.try_borrow(), &inst.dict.kind)
            && let Some(t) = as_type(&cls)
        {
            let n = d.borrow().len() as u32;
            if n > t.inst_dict_hint.get() && n <= MAX_INST_DICT_HINT {
                t.inst_dict_hint.set(n);
            }
        }
    }

    /// `object.__setattr__` of an instance: a property's setter or a data
    /// descriptor's `__set__`, else the instance's dict.
    pub fn generic_setattr(&self, obj: &Value, name: &Value, value: Value) -> PyResult<()> {
        let Some(ObjKind::Instance(inst)) = obj.as_obj().map(|o| &o.kind) else {
            return self.setattr(obj, name, value);
        };
        let cls = inst.class.borrow().clone();
        let cattr = self.lookup_type(&cls, name);
        if let Some(Value::Obj(d)) = &cattr
            && let ObjKind::Property(p) = &d.kind
        {
            if p[1].is_none() {
                return Err(self.property_lacks(obj, name, "setter"));
            }
            self.call(&p[1], Args::positional(&[obj.clone(), value]))?;
            return Ok(());
        }
        if let Some(c) = &cattr
            && let Some(d) = self.user_descriptor(c)
            && d.is_data()
        {
            let Some(set) = &d.set else {
                return Err(self.attribute_error("__set__", name, obj));
            };
            self.call_special(set, c, &[obj.clone(), value])?;
            return Ok(());
        }
        if name.as_str().is_some_and(|s| s.as_bytes() == b"__class__") {
            if let Value::Obj(c) = &value
                && as_type(c).is_some_and(|t| t.layout == Layout::Object)
            {
                *inst.class.borrow_mut() = c.clone();
                return Ok(());
            }
            return Err(self.type_error(
                "__class__ assignment only supported for mutable types or ModuleType subclasses",
            ));
        }
        if !super::call::slot_allowed(self, &cls, name) {
            // A bare `object()`, or a class with `__slots__`: no dict to
            // set other attributes in.
            return Err(self.setattr_error(obj, name));
        }
        drop(cls);
        self.dict_set_ref(&inst.dict, name, value)?;
        self.note_inst_dict_size(inst);
        Ok(())
    }

    /// `object.__delattr__` of an instance: a property's deleter or a data
    /// descriptor's `__delete__`, else the instance's dict.
    pub fn generic_delattr(&self, obj: &Value, name: &Value) -> PyResult<()> {
        let Some(ObjKind::Instance(inst)) = obj.as_obj().map(|o| &o.kind) else {
            return self.delattr(obj, name);
        };
        let cls = inst.class.borrow().clone();
        let cattr = self.lookup_type(&cls, name);
        if let Some(Value::Obj(p)) = &cattr
            && let ObjKind::Property(pp) = &p.kind
        {
            if pp[2].is_none() {
                return Err(self.property_lacks(obj, name, "deleter"));
            }
            self.call(&pp[2], Args::positional(std::slice::from_ref(obj)))?;
            return Ok(());
        }
        if let Some(c) = &cattr
            && let Some(d) = self.user_descriptor(c)
            && d.is_data()
        {
            let Some(del) = &d.delete else {
                return Err(self.attribute_error("__delete__", name, obj));
            };
            self.call_special(del, c, std::slice::from_ref(obj))?;
            return Ok(());
        }
        drop(cls);
        let ObjKind::Dict(c) = &inst.dict.kind else {
            return Err(self.no_attribute(obj, name));
        };
        match super::dict::remove(self, c, name)? {
            Some(_) => Ok(()),
            None => Err(self.no_attribute(obj, name)),
        }
    }

    /// `setattr(obj, name, value)`.
    pub fn setattr(&self, obj: &Value, name: &Value, value: Value) -> PyResult<()> {
        match obj {
            Value::Obj(o) => match &o.kind {
                ObjKind::Instance(_) => {
                    if let Some(sa) = self.user_special(obj, "__setattr__") {
                        self.call_special(&sa, obj, &[name.clone(), value])?;
                        return Ok(());
                    }
                    self.generic_setattr(obj, name, value)
                }
                ObjKind::Exception(e) => match name.as_str().map(|s| s.as_bytes()) {
                    Some(b"args") => {
                        let t = self.tuple_from(&self.to_vec(&value)?)?;
                        *e.args.borrow_mut() = t;
                        Ok(())
                    }
                    Some(b"__cause__") => {
                        *e.cause.borrow_mut() = value;
                        e.suppress_context.set(true);
                        Ok(())
                    }
                    Some(b"__context__") => {
                        *e.context.borrow_mut() = value;
                        Ok(())
                    }
                    Some(b"__suppress_context__") => {
                        e.suppress_context.set(self.truthy(&value)?);
                        Ok(())
                    }
                    Some(b"__traceback__") => super::exc_support::set_traceback(self, e, &value),
                    _ => self.dict_set(&e.dict, name.clone(), value),
                },
                ObjKind::Type(t) => {
                    if t.builtin {
                        return Err(self.type_error(format!(
                            "cannot set '{}' attribute of immutable type '{}'",
                            self.display_str(name),
                            t.name
                        )));
                    }
                    match name.as_str().map(|s| s.as_bytes()) {
                        Some(b"__qualname__") => {
                            *t.qualname.borrow_mut() = self.display_str(&value)
                        }
                        // Its instances from now on (subclasses made
                        // before keep what they had).
                        Some(b"__del__") => t.has_del.set(true),
                        Some(b"__name__") => {}
                        _ => {}
                    }
                    self.dict_set(&t.dict, name.clone(), value)
                }
                ObjKind::Module(m) => self.dict_set(&m.dict, name.clone(), value),
                ObjKind::Function(f) => {
                    match name.as_str().map(|s| s.as_bytes()) {
                        Some(b"__code__") => {
                            return Err(
                                if matches!(value.as_obj().map(|o| &o.kind), Some(ObjKind::Code(_)))
                                {
                                    self.new_error(
                                        "NotImplementedError",
                                        "assigning a function's __code__ is not supported by pyrt",
                                    )
                                } else {
                                    self.type_error("__code__ must be set to a code object")
                                },
                            );
                        }
                        Some(b"__annotations__") => *f.annotations.borrow_mut() = value,
                        Some(b"__name__") => *f.name.borrow_mut() = value,
                        Some(b"__qualname__") => *f.qualname.borrow_mut() = value,
                        Some(b"__doc__") => *f.doc.borrow_mut() = value,
                        Some(b"__module__") => *f.module.borrow_mut() = value,
                        Some(b"__defaults__") => *f.defaults.borrow_mut() = value,
                        Some(b"__kwdefaults__") => *f.kwdefaults.borrow_mut() = value,
                        _ => {
                            // (The borrow ends before the dict is made.)
                            let existing = f.dict.borrow().clone();
                            let d = match existing {
                                Some(d) => d,
                                None => {
                                    let d = self.new_dict()?;
                                    *f.dict.borrow_mut() = Some(d.clone());
                                    d
                                }
                            };
                            return self.dict_set(&d, name.clone(), value);
                        }
                    }
                    Ok(())
                }
                ObjKind::Frame(fr) if self.display_str(name) == "f_trace" => {
                    *fr.trace.borrow_mut() = value;
                    Ok(())
                }
                ObjKind::Native(_) => super::attrs::native_setattr(self, obj, name, value),
                _ => Err(self.setattr_error(obj, name)),
            },
            _ => Err(self.setattr_error(obj, name)),
        }
    }

    fn setattr_error(&self, obj: &Value, name: &Value) -> PyErr {
        let t = self.type_of(obj);
        let has = self.lookup_type(&t, name).is_some();
        if name.as_str().is_some_and(|s| s.as_bytes() == b"__class__") {
            return self.type_error(
                "__class__ assignment only supported for mutable types or ModuleType subclasses",
            );
        }
        // An attribute the object computes (`int.real`, `f.__code__` …):
        // CPython's read-only getset descriptor.
        if !has
            && !matches!(obj.as_obj().map(|o| &o.kind), Some(ObjKind::Instance(_)))
            && let Some(s) = name.as_str()
            && let Ok(Some(_)) = super::attrs::special_attr(self, obj, s.as_bytes())
        {
            return self.attribute_error(
                format!(
                    "attribute '{}' of '{}' objects is not writable",
                    self.display_str(name),
                    self.type_name(obj)
                ),
                name,
                obj,
            );
        }
        if has {
            self.attribute_error(
                format!(
                    "'{}' object attribute '{}' is read-only",
                    self.type_name(obj),
                    self.display_str(name)
                ),
                name,
                obj,
            )
        } else {
            self.attribute_error(
                format!(
                    "'{}' object has no attribute '{}' and no __dict__ for setting new attributes",
                    self.type_name(obj),
                    self.display_str(name)
                ),
                name,
                obj,
            )
        }
    }

    /// `delattr(obj, name)`.
    pub fn delattr(&self, obj: &Value, name: &Value) -> PyResult<()> {
        let d = match obj.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Instance(_)) => {
                if let Some(da) = self.user_special(obj, "__delattr__") {
                    self.call_special(&da, obj, std::slice::from_ref(name))?;
                    return Ok(());
                }
                return self.generic_delattr(obj, name);
            }
            Some(ObjKind::Exception(e)) => e.dict.clone(),
            Some(ObjKind::Module(m)) => m.dict.clone(),
            Some(ObjKind::Type(t)) if !t.builtin => t.dict.clone(),
            Some(ObjKind::Function(f)) => match &*f.dict.borrow() {
                Some(d) => d.clone(),
                None => return Err(self.no_attribute(obj, name)),
            },
            _ => return Err(self.setattr_error(obj, name)),
        };
        let ObjKind::Dict(c) = &d.kind else {
            return Err(self.no_attribute(obj, name));
        };
        match super::dict::remove(self, c, name)? {
            Some(_) => Ok(()),
            None => Err(self.no_attribute(obj, name)),
        }
    }

    // ---- items ----------------------------------------------------------------------

    /// An index for sequences (`__index__`).
    pub fn index_of(&self, v: &Value, what: &str) -> PyResult<Option<i64>> {
        match v {
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(i64::from(*b))),
            _ if super::int::is_int(v) => {
                let b = to_bigint(v).unwrap_or_default();
                Ok(Some(b.to_i64().ok_or_else(|| {
                    self.new_error(
                        "IndexError",
                        format!("cannot fit 'int' into an index-sized integer{what}"),
                    )
                })?))
            }
            Value::Obj(_) => {
                if let Some(f) = self.user_special(v, "__index__") {
                    let r = self.call_special(&f, v, &[])?;
                    return self.index_of(&r, what);
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// `obj[key]`.
    pub fn getitem(&self, obj: &Value, key: &Value) -> PyResult<Value> {
        super::items::getitem(self, obj, key)
    }

    /// `obj[key] = value`.
    pub fn setitem(&self, obj: &Value, key: &Value, value: Value) -> PyResult<()> {
        super::items::setitem(self, obj, key, value)
    }

    /// `del obj[key]`.
    pub fn delitem(&self, obj: &Value, key: &Value) -> PyResult<()> {
        super::items::delitem(self, obj, key)
    }

    /// A range's length as a `Py_ssize_t` (OverflowError beyond
    /// `sys.maxsize`, as CPython's `range.__len__`).
    fn range_len(&self, n: i64) -> PyResult<usize> {
        ssize(n.max(0))
            .ok_or_else(|| self.overflow_error("Python int too large to convert to C ssize_t"))
    }

    /// `len(v)`.
    pub fn len(&self, v: &Value) -> PyResult<usize> {
        if let Value::Obj(o) = v {
            let n = match &o.kind {
                ObjKind::Str(s) => Some(s.len()),
                ObjKind::Bytes(b) => Some(b.len()),
                ObjKind::Tuple(t) => Some(t.len()),
                ObjKind::List(l) => Some(l.borrow().len()),
                ObjKind::Dict(d) => Some(d.borrow().len()),
                ObjKind::Set(s) => Some(s.borrow().len()),
                ObjKind::FrozenSet(s) => Some(s.len()),
                ObjKind::Range(r) => Some(self.range_len(r.len())?),
                ObjKind::DictView(d, _) => return self.len(d),
                ObjKind::Instance(_) | ObjKind::Exception(_) => {
                    if let Some(f) = self.user_special(v, "__len__") {
                        let r = self.call_special(&f, v, &[])?;
                        return self.len_result(&r);
                    }
                    None
                }
                ObjKind::Native(_) => super::attrs::native_len(self, v)?,
                _ => None,
            };
            if let Some(n) = n {
                return Ok(n);
            }
        }
        Err(self.type_error(format!(
            "object of type '{}' has no len()",
            self.type_name(v)
        )))
    }

    /// `item in container`.
    pub fn contains(&self, container: &Value, item: &Value) -> PyResult<bool> {
        if let Value::Obj(o) = container {
            match &o.kind {
                ObjKind::Str(s) => {
                    let Some(t) = item.as_str() else {
                        return Err(self.type_error(format!(
                            "'in <string>' requires string as left operand, not {}",
                            self.type_name(item)
                        )));
                    };
                    return Ok(super::builtins::str_find(s.as_bytes(), t.as_bytes()).is_some());
                }
                ObjKind::Bytes(b) => {
                    // A byte's value (any index, in range) or bytes.
                    if let Some(n) = super::builtins::bytes_of(item) {
                        return Ok(super::builtins::str_find(b, n).is_some());
                    }
                    return match self.index_of(item, "")? {
                        Some(i) => match u8::try_from(i) {
                            Ok(x) => Ok(b.contains(&x)),
                            Err(_) => Err(self.value_error("byte must be in range(0, 256)")),
                        },
                        None => Err(self.type_error(format!(
                            "a bytes-like object is required, not '{}'",
                            self.type_name(item)
                        ))),
                    };
                }
                ObjKind::Dict(d) => {
                    return Ok(super::dict::lookup(self, d, item, self.hash(item)?)?.is_some());
                }
                ObjKind::Set(s) => return super::set::contains(self, s, item),
                ObjKind::FrozenSet(s) => return super::set::frozen_contains(self, s, item),
                ObjKind::Range(r) => {
                    if let Some(i) = match item {
                        Value::Int(i) => Some(*i),
                        Value::Bool(b) => Some(i64::from(*b)),
                        _ => None,
                    } {
                        let n = r.len();
                        if n == 0 {
                            return Ok(false);
                        }
                        let off = i as i128 - r.start as i128;
                        let k = off / r.step as i128;
                        return Ok(off % r.step as i128 == 0 && k >= 0 && k < n as i128);
                    }
                }
                ObjKind::DictView(d, super::dict::ViewKind::Keys) => return self.contains(d, item),
                ObjKind::Tuple(t) => {
                    for x in t.iter() {
                        if x.is(item) || self.eq(x, item)? {
                            return Ok(true);
                        }
                    }
                    return Ok(false);
                }
                ObjKind::List(l) => {
                    let mut i = 0;
                    loop {
                        let x = match l.borrow().get(i) {
                            Some(x) => x.clone(),
                            None => return Ok(false),
                        };
                        if x.is(item) || self.eq(&x, item)? {
                            return Ok(true);
                        }
                        i += 1;
                    }
                }
                ObjKind::Instance(_) | ObjKind::Exception(_) => {
                    if let Some(f) = self.user_special(container, "__contains__") {
                        let r = self.call_special(&f, container, std::slice::from_ref(item))?;
                        return self.truthy(&r);
                    }
                }
                _ => {}
            }
        }
        // Fall back to iteration.
        let it = match self.iter(container) {
            Ok(it) => it,
            Err(e) if self.exc_matches(&e, "TypeError") => {
                return Err(self.type_error(format!(
                    "argument of type '{}' is not iterable",
                    self.type_name(container)
                )));
            }
            Err(e) => return Err(e),
        };
        while let Some(x) = self.next(&it)? {
            if x.is(item) || self.eq(&x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    // ---- iteration ------------------------------------------------------------------

    /// `iter(v)`.
    pub fn iter(&self, v: &Value) -> PyResult<Value> {
        super::items::iter(self, v)
    }

    /// `next(it)`: `None` when exhausted.
    pub fn next(&self, it: &Value) -> PyResult<Option<Value>> {
        super::items::next(self, it)
    }

    /// Collects an iterable into a vector.
    pub fn to_vec(&self, v: &Value) -> PyResult<Vec<Value>> {
        if let Value::Obj(o) = v {
            match &o.kind {
                ObjKind::Tuple(t) => return Ok(t.iter().cloned().collect()),
                ObjKind::List(l) => return Ok(l.borrow().iter().cloned().collect()),
                _ => {}
            }
        }
        // Size the result up front when the length is known (a huge
        // range fails at once with MemoryError, as in CPython).
        let hint = match v.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Range(r)) => self.range_len(r.len())?,
            Some(ObjKind::Str(s)) => s.len(),
            Some(ObjKind::Dict(d)) => d.borrow().len(),
            Some(ObjKind::Set(d)) => d.borrow().len(),
            _ => 0,
        };
        let mut out = Vec::new();
        out.try_reserve_exact(hint)
            .map_err(|_| self.memory_error())?;
        let it = self.iter(v)?;
        while let Some(x) = self.next(&it)? {
            if out.len() == out.capacity() {
                // Growth never aborts the process: exhaustion is MemoryError.
                out.try_reserve(out.len().max(8))
                    .map_err(|_| self.memory_error())?;
            }
            out.push(x);
        }
        Ok(out)
    }

    // ---- calls ------------------------------------------------------------------------

    /// Calls `f` from Rust. Python functions run in a nested eval loop.
    pub fn call(&self, f: &Value, args: Args<'_>) -> PyResult<Value> {
        let Value::Obj(o) = f else {
            return Err(self.type_error(format!("'{}' object is not callable", self.type_name(f))));
        };
        match &o.kind {
            ObjKind::Builtin(b) => {
                if b.bound.is_undef() {
                    (b.f)(self, args)
                } else {
                    let mut all: SmallVec<[Value; 6]> = SmallVec::new();
                    all.push(b.bound.clone());
                    all.extend(args.all.iter().cloned());
                    (b.f)(
                        self,
                        Args {
                            all: &all,
                            kwnames: args.kwnames,
                        },
                    )
                }
            }
            ObjKind::Function(_) => super::eval::call_function(self, o, args),
            ObjKind::Method(m) => {
                let mut all: SmallVec<[Value; 6]> = SmallVec::new();
                all.push(m.1.clone());
                all.extend(args.all.iter().cloned());
                self.call(
                    &m.0,
                    Args {
                        all: &all,
                        kwnames: args.kwnames,
                    },
                )
            }
            ObjKind::Type(_) => super::call::call_type(self, o, args),
            ObjKind::StaticMethod(inner) => self.call(inner, args),
            ObjKind::Instance(_) | ObjKind::Exception(_) => {
                match self.user_special(f, "__call__") {
                    Some(c) => {
                        let mut all: SmallVec<[Value; 6]> = SmallVec::new();
                        all.push(f.clone());
                        all.extend(args.all.iter().cloned());
                        self.call(
                            &c,
                            Args {
                                all: &all,
                                kwnames: args.kwnames,
                            },
                        )
                    }
                    None => {
                        Err(self
                            .type_error(format!("'{}' object is not callable", self.type_name(f))))
                    }
                }
            }
            ObjKind::Native(_) => super::attrs::native_call(self, f, args),
            _ => Err(self.type_error(format!("'{}' object is not callable", self.type_name(f)))),
        }
    }

    /// True if `v` can be called.
    pub fn callable(&self, v: &Value) -> bool {
        match v.as_obj().map(|o| &o.kind) {
            Some(
                ObjKind::Builtin(_)
                | ObjKind::Function(_)
                | ObjKind::Method(_)
                | ObjKind::Type(_)
                | ObjKind::StaticMethod(_),
            ) => true,
            Some(ObjKind::Instance(_) | ObjKind::Exception(_)) => {
                self.user_special(v, "__call__").is_some()
            }
            _ => false,
        }
    }

    /// `format(v, spec)`.
    pub fn format(&self, v: &Value, spec: &str) -> PyResult<Value> {
        super::builtins::format_value(self, v, spec)
    }
}

fn p_none() {}

fn cmp_result(ord: Option<Ordering>, op: CmpKind) -> bool {
    match ord {
        None => op == CmpKind::Ne,
        Some(o) => match op {
            CmpKind::Lt => o == Ordering::Less,
            CmpKind::Le => o != Ordering::Greater,
            CmpKind::Eq => o == Ordering::Equal,
            CmpKind::Ne => o != Ordering::Equal,
            CmpKind::Gt => o == Ordering::Greater,
            CmpKind::Ge => o != Ordering::Less,
        },
    }
}

/// True for the `NotImplemented` singleton.
pub fn is_not_implemented(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.kind, ObjKind::NotImplemented))
}

fn concat_kind(v: &Value) -> Option<&'static str> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Str(_)) => Some("str"),
        Some(ObjKind::List(_)) => Some("list"),
        Some(ObjKind::Tuple(_)) => Some("tuple"),
        Some(ObjKind::Bytes(_)) => Some("bytes"),
        _ => None,
    }
}

fn num_to_f64(vm: &Vm, n: &Num<'_>) -> PyResult<f64> {
    Ok(match n {
        Num::Small(i) => *i as f64,
        Num::Float(f) => *f,
        Num::Big(b) => match b.to_f64() {
            Some(f) if f.is_finite() => f,
            _ => return Err(vm.overflow_error("int too large to convert to float")),
        },
    })
}

/// `IterState` helper for callers constructing iterators.
pub(crate) fn new_iter(vm: &Vm, st: IterState) -> PyResult<Value> {
    Ok(Value::Obj(vm.alloc(ObjKind::Iter(RefCell::new(st)))?))
}

/// A non-negative i64 as a `Py_ssize_t`-sized count: None when it exceeds
/// `sys.maxsize` (on wasm32 that is 2**31 - 1, as in CPython's 32-bit
/// builds).
pub(crate) fn ssize(i: i64) -> Option<usize> {
    usize::try_from(i)
        .ok()
        .filter(|&n| n <= isize::MAX as usize)
}

/// The largest instance dict size a class's hint grows to (a class whose
/// instances are used as open-ended maps must not make every new instance
/// huge).
const MAX_INST_DICT_HINT: u32 = 32;

/// A class attribute that binding makes a method of the receiver: a
/// Python function or an unbound method descriptor of a builtin type. A
/// call can pass the receiver as self instead of making the bound method.
pub(crate) fn binds_as_method(v: &Value) -> bool {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Function(_)) => true,
        Some(ObjKind::Builtin(b)) => b.bound.is_undef() && !b.owner.is_empty(),
        _ => false,
    }
}

/// A descriptor class's methods (see `Vm::user_descriptor`).
pub(crate) struct UserDescriptor {
    pub(crate) get: Option<Value>,
    pub(crate) set: Option<Value>,
    pub(crate) delete: Option<Value>,
}

impl UserDescriptor {
    /// A data descriptor: it decides stores and deletes, and its `__get__`
    /// comes before the instance's dict.
    pub(crate) fn is_data(&self) -> bool {
        self.set.is_some() || self.delete.is_some()
    }
}
