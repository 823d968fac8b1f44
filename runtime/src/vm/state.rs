//! The VM of one interpreter: its heap, builtin types, modules and the
//! constructors everything else uses.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The VM's own name-keyed tables (interned strs, exception types by
/// name): a fast fixed-seed hash (foldhash) rather than SipHash, whose
/// cost showed in every intern.
type NameMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
use std::rc::Rc;
use std::sync::Arc;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::dict::Dict;
use super::exc::ExcObj;
use super::func::{Args, Builtin, NativeFn};
use super::heap::PyVecExt;
use super::heap::{Heap, PyVec, pyvec};
use super::module::ModuleObj;
use super::object::{ObjKind, ObjRef, PyObject, PyStr, Value};
use super::typeobj::{Instance, Layout, TypeObj};

/// A raised exception (the exception object).
#[derive(Clone)]
pub struct PyErr(pub ObjRef);

impl std::fmt::Debug for PyErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyErr({})", self.0.kind_name())
    }
}

/// The result of anything that can raise.
pub type PyResult<T> = Result<T, PyErr>;

/// Builtin types.
#[derive(Debug)]
pub struct Types {
    pub object: ObjRef,
    pub type_: ObjRef,
    pub none: ObjRef,
    pub bool_: ObjRef,
    pub int: ObjRef,
    pub float: ObjRef,
    pub str_: ObjRef,
    pub bytes: ObjRef,
    pub tuple: ObjRef,
    pub list: ObjRef,
    pub dict: ObjRef,
    pub set: ObjRef,
    pub frozenset: ObjRef,
    pub range: ObjRef,
    pub slice: ObjRef,
    pub function: ObjRef,
    pub builtin_function: ObjRef,
    pub method: ObjRef,
    pub module: ObjRef,
    pub cell: ObjRef,
    pub code: ObjRef,
    pub generator: ObjRef,
    pub property: ObjRef,
    pub staticmethod: ObjRef,
    pub classmethod: ObjRef,
    pub super_: ObjRef,
    pub not_implemented_type: ObjRef,
    pub ellipsis_type: ObjRef,
    pub frame: ObjRef,
    pub traceback: ObjRef,
    pub dict_keys: ObjRef,
    pub dict_values: ObjRef,
    pub dict_items: ObjRef,
    pub enumerate: ObjRef,
    pub zip: ObjRef,
    pub map: ObjRef,
    pub filter: ObjRef,
    pub reversed: ObjRef,
    pub base_exception: ObjRef,
}

/// Interned names used on hot paths.
#[derive(Debug)]
pub struct Names {
    pub init: Value,
    pub new: Value,
    pub name: Value,
    pub qualname: Value,
    pub module: Value,
    pub doc: Value,
    pub dict: Value,
    pub class: Value,
    pub classcell: Value,
    pub builtins: Value,
    pub file: Value,
    pub main: Value,
    pub spec: Value,
    pub annotations: Value,
    pub empty: Value,
}

/// The VM of one interpreter.
#[derive(Debug)]
pub struct Vm {
    pub types: Types,
    pub names: Names,
    exc_types: RefCell<NameMap<String, ObjRef>>,
    /// Interned strs (CPython's interned dict): the names code objects
    /// use and what `sys.intern` was given, one object per spelling, so
    /// attribute and global lookups compare keys by identity.
    interned: RefCell<NameMap<Box<[u8]>, ObjRef>>,
    /// The classes of `exc_support::SPECIAL_EXC`, found on first use.
    pub(crate) special_exc_types: std::cell::OnceCell<Vec<Option<ObjRef>>>,
    /// The one-ASCII-character strs, made on first use (see
    /// `new_str_bytes`).
    ascii_strs: RefCell<[Option<ObjRef>; 128]>,
    iter_types: RefCell<NameMap<&'static str, ObjRef>>,
    /// Types of native objects by type name (a handful: searched).
    native_types: RefCell<Vec<(&'static str, ObjRef)>>,
    pub none_like: NoneLike,
    pub builtins: ObjRef,
    pub builtins_dict: ObjRef,
    /// `sys.modules`.
    pub modules: ObjRef,
    pub sys: RefCell<Option<ObjRef>>,
    /// What `threading` registered for the Thread natives.
    pub(crate) threading: RefCell<Option<super::threads::ThreadingRefs>>,
    pub empty_tuple: Value,
    pub memory_error: RefCell<Option<ObjRef>>,
    pub recursion_limit: Cell<usize>,
    pub int_max_str_digits: Cell<i64>,
    pub hash_key: (u64, u64),
    /// `-O` level.
    pub optimize: Cell<u8>,
    pub config: crate::config::Config,
    pub rt_parts: RtParts,
    /// `atexit` callbacks: (func, args tuple, kwargs dict or None).
    pub atexit: RefCell<Vec<(Value, Value, Value)>>,
    /// Builtin module factories by name.
    pub builtin_modules: RefCell<HashMap<&'static str, ModuleFactory>>,
    /// Instance counter for `id()` of unboxed values.
    pub next_id: Cell<u64>,
    /// Source of each file compiled (for tracebacks of `-c` and stdin).
    pub sources: RefCell<HashMap<Rc<str>, Rc<str>>>,
    /// Attributes of types by (type, name), valid within a type epoch
    /// (CPython's type method cache; ops.rs).
    pub(crate) type_cache: RefCell<Box<[TypeCacheEntry]>>,
    /// `faulthandler.is_enabled()`.
    pub faulthandler: Cell<bool>,
    /// `_testinternalcapi.get_configs()` data, captured at creation.
    pub configs: RefCell<Option<crate::lifecycle::Configs>>,
    /// The marker error a suspending green thread returns through the
    /// eval loop (never raised, never seen by Python code).
    suspend_marker: ObjRef,
    /// The marker of [`Vm::mode_switch_err`] (never raised either).
    mode_switch_marker: ObjRef,
    /// The emulated-thread scheduler (created on first use).
    pub(crate) scheduler: RefCell<Option<Arc<crate::sched::Scheduler>>>,
    /// Start `__main__` as the main green thread and return (a host runs
    /// it in slices) instead of running it to completion.
    pub(crate) defer_main: Cell<bool>,
    /// `__main__` was started that way.
    pub(crate) main_started: Cell<bool>,
    /// The host's tracer and the builtin trace function that feeds it,
    /// installed on every thread ([`super::driver::VmExecutor::set_host_tracer`]).
    pub(crate) host_trace: RefCell<Option<super::driver::InstalledTracer>>,
    /// Trace event names ('call', 'line', …), made once.
    event_strs: std::cell::OnceCell<[Value; super::tracing::Event::COUNT]>,
    /// The VM threads alive (for `settrace_all_threads`).
    threads: RefCell<Vec<*mut super::frame::VmThread>>,
    /// Emptied VM threads of ended green threads, their stacks' memory
    /// kept for the next ones (a thread start then allocates no stacks).
    /// Boxed: a thread runs from its box's address (`Box::into_raw`), so
    /// a spare keeps its box and a start allocates nothing.
    #[allow(clippy::vec_box)]
    spare_threads: RefCell<Vec<Box<super::frame::VmThread>>>,
    /// `-X threads`, `-X sched_seed`, `-X gil_trace`.
    pub thread_options: super::threads::ThreadOptions,
    /// The heap: declared last so every object field above is dropped
    /// while it still exists.
    pub heap: Heap,
}

/// Pieces of the runtime the VM uses.
#[derive(Debug)]
pub struct RtParts {
    /// stdio, clock, filesystem, environment.
    pub platform: crate::platform::Platform,
    /// The interpreter.
    pub interp: Option<std::sync::Arc<crate::interp::InterpreterState>>,
}

/// Singletons that are objects.
#[derive(Debug)]
pub struct NoneLike {
    pub not_implemented: Value,
    pub ellipsis: Value,
}

/// What a type attribute cache entry answers, besides its type.
#[derive(Debug)]
pub(crate) enum TypeCacheKey {
    /// Nothing yet.
    Empty,
    /// `lookup_type(t, name)` for this str object (held, so its address
    /// is not reused while the entry exists).
    Name(ObjRef),
    /// A special method looked up by a name in the runtime's own code;
    /// `true`: only in Python classes (`user_special`).
    Special(&'static str, bool),
}

/// One entry of the type attribute cache ([`Vm::lookup_type`]).
#[derive(Debug)]
pub(crate) struct TypeCacheEntry {
    /// The type epoch it was made in ([`super::typeobj::type_epoch`]).
    pub epoch: u64,
    /// The type's address.
    pub ty: usize,
    pub key: TypeCacheKey,
    /// The result (`Undef`: not found), held without a reference: valid
    /// only while `epoch` is the current epoch.
    pub value: std::mem::ManuallyDrop<Value>,
}

/// Entries of the type attribute cache (a power of two).
pub(crate) const TYPE_CACHE_SIZE: usize = 1024;

/// Creates a built-in module.
pub type ModuleFactory = fn(&Vm) -> PyResult<ObjRef>;

/// Builtin methods of one type.
pub type MethodTable = &'static [(&'static str, NativeFn)];

impl Vm {
    // ---- allocation --------------------------------------------------------

    /// Allocates an object (MemoryError when out of memory).
    #[inline]
    pub fn alloc(&self, kind: ObjKind) -> PyResult<ObjRef> {
        PyObject::alloc(&self.heap, kind).ok_or_else(|| self.memory_error())
    }

    /// The preallocated MemoryError.
    pub fn memory_error(&self) -> PyErr {
        match &*self.memory_error.borrow() {
            Some(e) => PyErr(e.clone()),
            None => crate::fatal::fatal_error(
                "_PyErr_NoMemory",
                "out of memory before MemoryError exists",
            ),
        }
    }

    /// A str from generalized UTF-8 bytes.
    pub fn new_str_bytes(&self, b: &[u8]) -> PyResult<Value> {
        // The empty str and one-ASCII-character strs are shared (CPython
        // shares its one-character Latin-1 strs): a split, an index or an
        // iteration over text makes no new object for them.
        match b {
            [] if let Value::Obj(_) = &self.names.empty => return Ok(self.names.empty.clone()),
            [c] if c.is_ascii() => {
                if let Some(o) = &self.ascii_strs.borrow()[usize::from(*c)] {
                    return Ok(Value::Obj(o.clone()));
                }
                let v = self.new_str_bytes_ascii(b)?;
                if let Value::Obj(o) = &v {
                    self.ascii_strs.borrow_mut()[usize::from(*c)] = Some(o.clone());
                }
                return Ok(v);
            }
            _ => {}
        }
        let mut data = pyvec();
        data.try_reserve_exact(b.len())
            .map_err(|_| self.memory_error())?;
        data.push_slice(b);
        let chars = super::strrepr::char_count(b);
        Ok(Value::Obj(
            self.alloc(ObjKind::Str(PyStr::new(data, chars)))?,
        ))
    }

    /// The interned str spelled `b` (made and interned on first use).
    pub fn intern_bytes(&self, b: &[u8]) -> PyResult<Value> {
        if let Some(o) = self.interned.borrow().get(b) {
            return Ok(Value::Obj(o.clone()));
        }
        let v = self.new_str_bytes(b)?;
        if let Value::Obj(o) = &v {
            self.interned.borrow_mut().insert(b.into(), o.clone());
        }
        Ok(v)
    }

    /// `sys.intern(s)` for an exact str `s`: the interned str equal to it,
    /// `s` itself becoming it when none is yet.
    pub fn intern(&self, s: &ObjRef) -> ObjRef {
        let ObjKind::Str(st) = &s.kind else {
            return s.clone();
        };
        let b = st.as_bytes();
        if let Some(o) = self.interned.borrow().get(b) {
            return o.clone();
        }
        self.interned.borrow_mut().insert(b.into(), s.clone());
        s.clone()
    }

    /// `str(i)` for an inline int, formatted without a temporary heap
    /// string.
    pub fn int_str(&self, i: i64) -> PyResult<Value> {
        if (0..10).contains(&i) {
            // One digit: the shared one-character str.
            return self.new_str_bytes(&[b'0' + i as u8]);
        }
        let mut buf = [0u8; 20];
        let pos = decimal_digits(i.unsigned_abs(), &mut buf);
        if i < 0 {
            let mut data = pyvec();
            data.try_reserve_exact(buf.len() - pos + 1)
                .map_err(|_| self.memory_error())?;
            data.push(b'-');
            data.push_slice(&buf[pos..]);
            let n = data.len();
            return self.str_from_pyvec(data, n);
        }
        self.new_str_bytes_ascii(&buf[pos..])
    }

    /// A str from ASCII bytes (no code-point counting).
    fn new_str_bytes_ascii(&self, b: &[u8]) -> PyResult<Value> {
        let mut data = pyvec();
        data.try_reserve_exact(b.len())
            .map_err(|_| self.memory_error())?;
        data.push_slice(b);
        self.str_from_pyvec(data, b.len())
    }

    /// A str.
    #[inline]
    pub fn new_str(&self, s: &str) -> PyResult<Value> {
        self.new_str_bytes(s.as_bytes())
    }

    /// A str from an owned buffer with a known code-point count.
    pub fn str_from_pyvec(&self, data: PyVec<u8>, chars: usize) -> PyResult<Value> {
        Ok(Value::Obj(
            self.alloc(ObjKind::Str(PyStr::new(data, chars)))?,
        ))
    }

    /// A bytes object.
    pub fn new_bytes(&self, b: &[u8]) -> PyResult<Value> {
        let mut data = pyvec();
        data.try_reserve_exact(b.len())
            .map_err(|_| self.memory_error())?;
        data.push_slice(b);
        Ok(Value::Obj(self.alloc(ObjKind::Bytes(data))?))
    }

    /// A tuple.
    pub fn new_tuple(&self, items: Vec<Value>) -> PyResult<Value> {
        if items.is_empty() {
            return Ok(self.empty_tuple.clone());
        }
        let mut v = pyvec();
        v.try_reserve_exact(items.len())
            .map_err(|_| self.memory_error())?;
        v.extend(items);
        self.tuple_from_pyvec(v)
    }

    /// A tuple from a buffer (the shared empty tuple for an empty one).
    pub fn tuple_from_pyvec(&self, v: PyVec<Value>) -> PyResult<Value> {
        if v.is_empty() {
            return Ok(self.empty_tuple.clone());
        }
        Ok(Value::Obj(self.alloc(ObjKind::Tuple(v))?))
    }

    /// A tuple from a slice.
    pub fn tuple_from(&self, items: &[Value]) -> PyResult<Value> {
        if items.is_empty() {
            return Ok(self.empty_tuple.clone());
        }
        let mut v = pyvec();
        v.try_reserve_exact(items.len())
            .map_err(|_| self.memory_error())?;
        v.extend_from_slice(items);
        Ok(Value::Obj(self.alloc(ObjKind::Tuple(v))?))
    }

    /// A list.
    pub fn new_list(&self, items: Vec<Value>) -> PyResult<Value> {
        let mut v = pyvec();
        v.try_reserve(items.len())
            .map_err(|_| self.memory_error())?;
        v.extend(items);
        Ok(Value::Obj(self.alloc(ObjKind::List(RefCell::new(v)))?))
    }

    /// A list from a buffer.
    pub fn list_from_pyvec(&self, v: PyVec<Value>) -> PyResult<Value> {
        Ok(Value::Obj(self.alloc(ObjKind::List(RefCell::new(v)))?))
    }

    /// An empty dict object.
    pub fn new_dict(&self) -> PyResult<ObjRef> {
        self.alloc(ObjKind::Dict(RefCell::new(Dict::new())))
    }

    /// An int from a big integer (normalized to the inline form when it
    /// fits).
    pub fn new_int(&self, v: BigInt) -> PyResult<Value> {
        match v.to_i64() {
            Some(i) => Ok(Value::Int(i)),
            None => Ok(Value::Obj(self.alloc(ObjKind::BigInt(Box::new(v)))?)),
        }
    }

    /// A module object named `name`.
    pub fn new_module(&self, name: &str) -> PyResult<ObjRef> {
        let d = self.new_dict()?;
        let n = self.new_str(name)?;
        self.dict_set_str(&d, "__name__", n.clone())?;
        self.dict_set_str(&d, "__doc__", Value::None)?;
        self.dict_set_str(&d, "__package__", Value::None)?;
        self.dict_set_str(&d, "__loader__", Value::None)?;
        self.dict_set_str(&d, "__spec__", Value::None)?;
        self.alloc(ObjKind::Module(Box::new(ModuleObj { name: n, dict: d })))
    }

    /// A builtin function.
    pub fn new_builtin(
        &self,
        name: &'static str,
        module: &'static str,
        f: NativeFn,
    ) -> PyResult<Value> {
        Ok(Value::Obj(self.alloc(ObjKind::Builtin(Box::new(
            Builtin {
                name,
                f,
                bound: Value::Undef,
                owner: "",
                module,
            },
        )))?))
    }

    /// A fresh unique number for `id()` of values without an address.
    pub fn fresh_id(&self) -> u64 {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        n
    }

    // ---- dict helpers --------------------------------------------------------

    /// `d[name] = v` for a dict object and a str key.
    pub fn dict_set_str(&self, d: &ObjRef, name: &str, v: Value) -> PyResult<()> {
        let k = self.new_str(name)?;
        self.dict_set(d, k, v)
    }

    /// `d[k] = v` for a dict object.
    pub fn dict_set(&self, d: &ObjRef, k: Value, v: Value) -> PyResult<()> {
        self.dict_set_ref(d, &k, v)
    }

    /// `dict_set` with the key borrowed (see `dict::set_ref`).
    #[inline]
    pub fn dict_set_ref(&self, d: &ObjRef, k: &Value, v: Value) -> PyResult<()> {
        match &d.kind {
            ObjKind::Dict(c) => super::dict::set_ref(self, c, k, v),
            _ => Err(self.type_error("expected a dict")),
        }
    }

    /// `d.get(name)` for a dict object and a str key (no Python code).
    pub fn dict_get_str(&self, d: &ObjRef, name: &str) -> Option<Value> {
        match &d.kind {
            ObjKind::Dict(c) => {
                let h = super::hash::hash_str_bytes(self, name.as_bytes());
                c.borrow().get_str(name.as_bytes(), h).cloned()
            }
            _ => None,
        }
    }

    /// `d.get(k)` where k is a str value (cached hash).
    #[inline]
    pub fn dict_get_strval(&self, d: &ObjRef, k: &Value) -> Option<Value> {
        match (&d.kind, k) {
            (ObjKind::Dict(c), Value::Obj(ko)) => {
                let ObjKind::Str(s) = &ko.kind else {
                    return None;
                };
                let h = super::hash::str_hash(self, s);
                c.borrow().get_strobj(ko, s.as_bytes(), h).cloned()
            }
            _ => None,
        }
    }

    // ---- types ---------------------------------------------------------------

    /// The type of a value.
    pub fn type_of(&self, v: &Value) -> ObjRef {
        let t = &self.types;
        match v {
            Value::Undef | Value::None => t.none.clone(),
            Value::Bool(_) => t.bool_.clone(),
            Value::Int(_) => t.int.clone(),
            Value::Float(_) => t.float.clone(),
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(_) => t.str_.clone(),
                ObjKind::Bytes(_) => t.bytes.clone(),
                ObjKind::BigInt(_) => t.int.clone(),
                ObjKind::Tuple(_) => t.tuple.clone(),
                ObjKind::List(_) => t.list.clone(),
                ObjKind::Dict(_) => t.dict.clone(),
                ObjKind::Set(_) => t.set.clone(),
                ObjKind::FrozenSet(_) => t.frozenset.clone(),
                ObjKind::Range(_) => t.range.clone(),
                ObjKind::Slice(_) => t.slice.clone(),
                ObjKind::Function(_) => t.function.clone(),
                ObjKind::Builtin(_) => t.builtin_function.clone(),
                ObjKind::Method(_) => t.method.clone(),
                ObjKind::Type(_) => t.type_.clone(),
                ObjKind::Instance(i) => i.class.borrow().clone(),
                ObjKind::Exception(e) => e.class.clone(),
                ObjKind::Module(_) => t.module.clone(),
                ObjKind::Cell(_) => t.cell.clone(),
                ObjKind::Code(_) => t.code.clone(),
                ObjKind::Generator(_) => t.generator.clone(),
                ObjKind::Property(_) => t.property.clone(),
                ObjKind::StaticMethod(_) => t.staticmethod.clone(),
                ObjKind::ClassMethod(_) => t.classmethod.clone(),
                ObjKind::Super(_) => t.super_.clone(),
                ObjKind::DictView(_, k) => match k {
                    super::dict::ViewKind::Keys => t.dict_keys.clone(),
                    super::dict::ViewKind::Values => t.dict_values.clone(),
                    super::dict::ViewKind::Items => t.dict_items.clone(),
                },
                ObjKind::NotImplemented => t.not_implemented_type.clone(),
                ObjKind::Ellipsis => t.ellipsis_type.clone(),
                ObjKind::Frame(_) => t.frame.clone(),
                ObjKind::Traceback(_) => t.traceback.clone(),
                ObjKind::Iter(it) => {
                    let name = it.borrow().type_name();
                    match name {
                        "enumerate" => t.enumerate.clone(),
                        "zip" => t.zip.clone(),
                        "map" => t.map.clone(),
                        "filter" => t.filter.clone(),
                        "reversed" => t.reversed.clone(),
                        _ => self.iter_type(name),
                    }
                }
                ObjKind::Native(n) => n.ty.clone(),
            },
        }
    }

    /// The type object for an iterator kind (created on first use).
    fn iter_type(&self, name: &'static str) -> ObjRef {
        if let Some(t) = self.iter_types.borrow().get(name) {
            return t.clone();
        }
        let t = self
            .make_builtin_type(
                name,
                &self.types.object,
                super::builtins::iter_methods(),
                "builtins",
            )
            .unwrap_or_else(|_| self.types.object.clone());
        self.iter_types.borrow_mut().insert(name, t.clone());
        t
    }

    /// The type object registered for a native type name.
    pub fn native_type(&self, name: &'static str) -> ObjRef {
        let types = self.native_types.borrow();
        // The same literal is (nearly always) the same address: compare
        // addresses first, names only if that finds nothing.
        types
            .iter()
            .find(|(n, _)| std::ptr::eq(*n, name))
            .or_else(|| types.iter().find(|(n, _)| *n == name))
            .map_or_else(|| self.types.object.clone(), |(_, t)| t.clone())
    }

    /// The str object for a trace event name (cached: tracers get one
    /// event per line).
    #[inline]
    pub(crate) fn event_str(&self, event: super::tracing::Event) -> PyResult<Value> {
        match self.event_strs.get() {
            Some(names) => Ok(names[event as usize].clone()),
            None => self.event_str_first(event),
        }
    }

    #[inline(never)]
    fn event_str_first(&self, event: super::tracing::Event) -> PyResult<Value> {
        let mut names: [Value; super::tracing::Event::COUNT] = Default::default();
        for (i, v) in names.iter_mut().enumerate() {
            *v = self.new_str(super::tracing::Event::ALL[i].name())?;
        }
        Ok(self.event_strs.get_or_init(|| names)[event as usize].clone())
    }

    /// Python threads are emulated green threads (`-X threads=emulated`).
    #[inline]
    pub(crate) fn emulated(&self) -> bool {
        self.thread_options.mode == super::threads::ThreadMode::Emulated
    }

    /// The error a suspending green thread returns.
    pub(crate) fn suspend_err(&self) -> PyErr {
        PyErr(self.suspend_marker.clone())
    }

    /// True for [`Vm::suspend_err`].
    #[inline]
    pub(crate) fn is_suspend(&self, e: &PyErr) -> bool {
        e.0.ptr_eq(&self.suspend_marker)
    }

    /// The eval loop's signal to its driver: the frame it entered needs the
    /// other (traced or untraced) copy of the loop. Never seen outside
    /// `eval::run_with`.
    pub(crate) fn mode_switch_err(&self) -> PyErr {
        PyErr(self.mode_switch_marker.clone())
    }

    /// True for [`Vm::mode_switch_err`].
    #[inline]
    pub(crate) fn is_mode_switch(&self, e: &PyErr) -> bool {
        e.0.ptr_eq(&self.mode_switch_marker)
    }

    /// Adds a running VM thread to the registry.
    pub(crate) fn register_thread(&self, t: *mut super::frame::VmThread) {
        self.threads.borrow_mut().push(t);
        if let Some(h) = &*self.host_trace.borrow() {
            // SAFETY: `t` is a freshly created thread its creator owns and
            // registers under the GIL; nothing else references it yet.
            unsafe { (*t).trace = h.func.clone() };
        }
    }

    /// A VM thread for a new green thread: a spare one, or a new one.
    pub(crate) fn new_green_vm_thread(&self) -> Box<super::frame::VmThread> {
        self.spare_threads
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Box::new(super::frame::VmThread::new()))
    }

    /// An ended green thread's VM thread (unregistered), emptied and kept
    /// for the next one while there are few spares.
    pub(crate) fn recycle_green_vm_thread(&self, t: Box<super::frame::VmThread>) {
        const MAX_SPARE_THREADS: usize = 8;
        let t = t.recycled();
        let mut spares = self.spare_threads.borrow_mut();
        if spares.len() < MAX_SPARE_THREADS {
            spares.push(t);
        }
    }

    /// Removes a VM thread from the registry (before it is dropped).
    pub(crate) fn unregister_thread(&self, t: *mut super::frame::VmThread) {
        self.threads.borrow_mut().retain(|x| !std::ptr::eq(*x, t));
    }

    /// Sets the trace (or, with `profile`, the profile) function of every
    /// registered thread (`PyEval_SetTraceAllThreads`).
    pub(crate) fn set_hook_on_all_threads(&self, f: &Value, profile: bool) {
        for t in self.threads_snapshot() {
            // SAFETY: registered threads are alive (unregistered before
            // they are dropped) and, like every object, touched only by the
            // thread holding the VM (the GIL), which the caller is; no
            // reference into them is held across this statement.
            let th = unsafe { &mut *t };
            if profile {
                th.profile = f.clone();
            } else {
                super::tracing::set_trace(th, f.clone());
            }
        }
    }

    /// The registered VM threads.
    pub(crate) fn threads_snapshot(&self) -> Vec<*mut super::frame::VmThread> {
        self.threads.borrow().clone()
    }

    /// Registers a native type.
    pub fn register_native_type(&self, name: &'static str, t: ObjRef) {
        let mut types = self.native_types.borrow_mut();
        match types.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = t,
            None => types.push((name, t)),
        }
    }

    /// `type(v).__name__`.
    pub fn type_name(&self, v: &Value) -> String {
        let t = self.type_of(v);
        match &t.kind {
            ObjKind::Type(tt) => tt.name.clone(),
            _ => "object".into(),
        }
    }

    /// Creates a builtin type with methods.
    pub fn make_builtin_type(
        &self,
        name: &'static str,
        base: &ObjRef,
        methods: MethodTable,
        module: &str,
    ) -> PyResult<ObjRef> {
        let d = self.new_dict()?;
        for (mname, f) in methods {
            let b = self.alloc(ObjKind::Builtin(Box::new(Builtin {
                name: mname,
                f: *f,
                bound: Value::Undef,
                owner: name,
                module: "",
            })))?;
            self.dict_set_str(&d, mname, Value::Obj(b))?;
        }
        let m = self.new_str(module)?;
        self.dict_set_str(&d, "__module__", m)?;
        super::typeobj::mark_namespace(&d);
        let t = self.alloc(ObjKind::Type(Box::new(TypeObj {
            name: name.to_string(),
            qualname: RefCell::new(name.to_string()),
            bases: vec![base.clone()],
            mro: RefCell::new(Vec::new()),
            dict: d,
            layout: Layout::Builtin,
            builtin: true,
            kind_tag: name,
            inst_dict_hint: Cell::new(0),
            hooks: Cell::new((0, 0)),
            has_del: Cell::new(false),
            slots: None,
        })))?;
        let mut mro = vec![t.clone()];
        if let ObjKind::Type(bt) = &base.kind {
            mro.extend(bt.mro());
        }
        if let ObjKind::Type(tt) = &t.kind {
            *tt.mro.borrow_mut() = mro;
        }
        Ok(t)
    }

    /// The exception class named `name`.
    pub fn exc_type(&self, name: &str) -> ObjRef {
        self.exc_types
            .borrow()
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.types.base_exception.clone())
    }

    /// The exception class named `name`, if registered.
    pub fn exc_type_opt(&self, name: &str) -> Option<ObjRef> {
        self.exc_types.borrow().get(name).cloned()
    }

    /// All builtin exception classes (for the builtins module).
    pub fn exc_types(&self) -> Vec<(String, ObjRef)> {
        let mut v: Vec<_> = self
            .exc_types
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Registers an exception class by name (builtins and module ones).
    pub fn register_exc_type(&self, name: &str, t: ObjRef) {
        self.exc_types.borrow_mut().insert(name.to_string(), t);
    }

    // ---- exceptions ----------------------------------------------------------

    /// Instantiates exception class `cls` with `args` (no `__init__` call:
    /// builtin initialization).
    pub fn new_exception(&self, cls: &ObjRef, args: Vec<Value>) -> PyResult<ObjRef> {
        let args = self.new_tuple(args)?;
        let dict = self.new_dict()?;
        let e = self.alloc(ObjKind::Exception(Box::new(ExcObj {
            class: cls.clone(),
            args: RefCell::new(args),
            dict,
            traceback: RefCell::new(Vec::new()),
            cause: RefCell::new(Value::None),
            context: RefCell::new(Value::None),
            suppress_context: Cell::new(false),
        })))?;
        super::exc_support::init_special(self, &e)?;
        Ok(e)
    }

    /// An exception of class `name` with a message.
    pub fn new_error(&self, name: &str, msg: impl AsRef<str>) -> PyErr {
        let cls = self.exc_type(name);
        let m = match self.new_str(msg.as_ref()) {
            Ok(m) => m,
            Err(e) => return e,
        };
        match self.new_exception(&cls, vec![m]) {
            Ok(e) => PyErr(e),
            Err(e) => e,
        }
    }

    /// `TypeError(msg)`.
    pub fn type_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("TypeError", msg)
    }

    /// `ValueError(msg)`.
    pub fn value_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("ValueError", msg)
    }

    /// `IndexError(msg)`.
    pub fn index_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("IndexError", msg)
    }

    /// `KeyError(key)`.
    pub fn key_error(&self, key: Value) -> PyErr {
        let cls = self.exc_type("KeyError");
        match self.new_exception(&cls, vec![key]) {
            Ok(e) => PyErr(e),
            Err(e) => e,
        }
    }

    /// `AttributeError(msg)` with `name` and `obj` set.
    pub fn attribute_error(&self, msg: impl AsRef<str>, name: &Value, obj: &Value) -> PyErr {
        let e = self.new_error("AttributeError", msg);
        if let ObjKind::Exception(x) = &e.0.kind {
            let _ = self.dict_set_str(&x.dict, "name", name.clone());
            let _ = self.dict_set_str(&x.dict, "obj", obj.clone());
        }
        e
    }

    /// `RuntimeError(msg)`.
    pub fn runtime_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("RuntimeError", msg)
    }

    /// `OverflowError(msg)`.
    pub fn overflow_error(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("OverflowError", msg)
    }

    /// `ZeroDivisionError(msg)`.
    pub fn zero_division(&self, msg: impl AsRef<str>) -> PyErr {
        self.new_error("ZeroDivisionError", msg)
    }

    /// `NotImplementedError(msg)` for constructs outside the subset.
    pub fn not_supported(&self, what: impl AsRef<str>) -> PyErr {
        self.new_error(
            "NotImplementedError",
            format!("{} is not supported by pyrt", what.as_ref()),
        )
    }

    /// True if `e` is an instance of exception class `name`.
    pub fn exc_matches(&self, e: &PyErr, name: &str) -> bool {
        let cls = self.exc_type(name);
        match &e.0.kind {
            ObjKind::Exception(x) => super::typeobj::is_subtype(&x.class, &cls),
            _ => false,
        }
    }

    /// Calls a native function as if from Python with positional args.
    pub fn call_native(&self, f: NativeFn, args: &[Value]) -> PyResult<Value> {
        f(self, Args::positional(args))
    }

    /// The instance of a Python class, or None.
    pub fn new_instance(&self, cls: &ObjRef) -> PyResult<Value> {
        let hint = super::typeobj::as_type(cls).map_or(0, |t| t.inst_dict_hint.get());
        let d = match hint {
            0 => self.new_dict()?,
            n => match Dict::with_capacity(n as usize) {
                Some(d) => self.alloc(ObjKind::Dict(RefCell::new(d)))?,
                None => return Err(self.memory_error()),
            },
        };
        Ok(Value::Obj(self.alloc(ObjKind::Instance(Instance {
            class: RefCell::new(cls.clone()),
            dict: d,
            finalized: Cell::new(false),
        }))?))
    }

    pub(crate) fn from_parts(parts: VmParts) -> Vm {
        Vm {
            heap: parts.heap,
            types: parts.types,
            names: parts.names,
            exc_types: RefCell::default(),
            interned: RefCell::default(),
            ascii_strs: RefCell::new(std::array::from_fn(|_| None)),
            special_exc_types: std::cell::OnceCell::new(),
            iter_types: RefCell::default(),
            native_types: RefCell::new(Vec::new()),
            none_like: parts.none_like,
            builtins: parts.builtins,
            builtins_dict: parts.builtins_dict,
            modules: parts.modules,
            sys: RefCell::new(None),
            threading: RefCell::new(None),
            empty_tuple: parts.empty_tuple,
            memory_error: RefCell::new(None),
            recursion_limit: Cell::new(1000),
            int_max_str_digits: Cell::new(4300),
            hash_key: parts.hash_key,
            optimize: Cell::new(0),
            config: parts.config,
            rt_parts: parts.rt,
            atexit: RefCell::new(Vec::new()),
            builtin_modules: RefCell::new(HashMap::new()),
            next_id: Cell::new(0),
            sources: RefCell::new(HashMap::new()),
            configs: RefCell::new(None),
            threads: RefCell::new(Vec::new()),
            spare_threads: RefCell::new(Vec::new()),
            event_strs: std::cell::OnceCell::new(),
            defer_main: Cell::new(false),
            host_trace: RefCell::new(None),
            main_started: Cell::new(false),
            suspend_marker: parts.suspend_marker,
            mode_switch_marker: parts.mode_switch_marker,
            scheduler: RefCell::new(None),
            thread_options: parts.thread_options,
            faulthandler: Cell::new(false),
            type_cache: RefCell::new(
                (0..TYPE_CACHE_SIZE)
                    .map(|_| TypeCacheEntry {
                        epoch: 0,
                        ty: 0,
                        key: TypeCacheKey::Empty,
                        value: std::mem::ManuallyDrop::new(Value::Undef),
                    })
                    .collect(),
            ),
        }
    }
}

/// What [`Vm::from_parts`] needs (built by `bootstrap`).
pub(crate) struct VmParts {
    pub heap: Heap,
    pub types: Types,
    pub names: Names,
    pub none_like: NoneLike,
    pub builtins: ObjRef,
    pub builtins_dict: ObjRef,
    pub modules: ObjRef,
    pub empty_tuple: Value,
    pub hash_key: (u64, u64),
    pub config: crate::config::Config,
    pub rt: RtParts,
    pub thread_options: super::threads::ThreadOptions,
    pub suspend_marker: ObjRef,
    pub mode_switch_marker: ObjRef,
}

/// Writes the decimal digits of `m` at the end of `buf`; the index of the
/// first (`str(int)` without the formatting machinery).
pub(crate) fn decimal_digits(mut m: u64, buf: &mut [u8; 20]) -> usize {
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            return pos;
        }
    }
}
