//! Values and objects.
//!
//! A [`Value`] is 16 bytes: `None`, `bool`, an `int` that fits in 64 bits
//! and `float` are stored inline (so `i += 1` allocates nothing — CPython
//! allocates every int above 256); everything else is an [`ObjRef`], a
//! counted pointer to a [`PyObject`] on the interpreter's heap.
//!
//! Reference counts are not atomic: objects belong to one interpreter and
//! are touched only by the thread holding its GIL (DESIGN.md decision 2).
//! That is also why `Value` is `Send`: a thread state can move to another
//! OS thread, but two threads never touch an object at the same time.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use num_bigint::BigInt;

use super::heap::{Heap, PyVec};
use crate::mem::Domain;

/// A Python value.
#[derive(Default)]
#[repr(u64)]
pub enum Value {
    /// An unbound slot (a local not yet assigned). Never visible to Python.
    #[default]
    Undef,
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` in `i64` range.
    Int(i64),
    /// A `float`.
    Float(f64),
    /// Any other object.
    Obj(ObjRef),
}

// SAFETY: see the module doc: values are only touched under their
// interpreter's GIL, by one thread at a time.
unsafe impl Send for Value {}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Undef => f.write_str("<undef>"),
            Value::None => f.write_str("None"),
            Value::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{}", super::format::float_repr(*x)),
            Value::Obj(o) => write!(f, "<{} object at {:p}>", o.kind_name(), o.as_ptr()),
        }
    }
}

const _: () = assert!(std::mem::size_of::<Value>() == 16 && std::mem::align_of::<Value>() == 8);

/// Moves the value out of `*p` with two 8-byte loads.
///
/// The eval loop writes values as a tag word and a payload word; reading
/// one back at once with a single 16-byte load (what `ptr::read` emits)
/// defeats the CPU's store-to-load forwarding and stalls ~12 cycles.
/// Volatile 8-byte loads are never merged.
///
/// # Safety
/// As for `ptr::read`: `p` is valid and the value is moved out once.
#[inline(always)]
pub(crate) unsafe fn read_value(p: *const Value) -> Value {
    let q = p.cast::<std::mem::MaybeUninit<u64>>();
    // SAFETY: `Value` is two 8-byte words (asserted above); bytes are
    // copied as `MaybeUninit`, so padding may be uninitialized; the
    // result is the same bytes, hence a valid `Value` per the caller.
    unsafe {
        let a = std::ptr::read_volatile(q);
        let b = std::ptr::read_volatile(q.add(1));
        std::mem::transmute::<[std::mem::MaybeUninit<u64>; 2], Value>([a, b])
    }
}

impl Clone for Value {
    /// A count update for an object, then a copy of the two words: small
    /// enough to be inlined wherever values are copied (the derived clone,
    /// a match over every variant, was called out of line in the wasm
    /// builds).
    #[inline]
    fn clone(&self) -> Value {
        if let Value::Obj(o) = self {
            let o = &**o;
            o.rc.set(o.rc.get() + 1);
        }
        // SAFETY: for an object the count was just taken for the copy;
        // every other variant is plain data.
        unsafe { std::ptr::read(self) }
    }
}

impl Value {
    /// The object, if this is one.
    #[inline]
    pub fn as_obj(&self) -> Option<&ObjRef> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// True for `None`.
    #[inline]
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// True for an unbound slot.
    #[inline]
    pub fn is_undef(&self) -> bool {
        matches!(self, Value::Undef)
    }

    /// Identity (`is`).
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Undef, Value::Undef) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Obj(a), Value::Obj(b)) => a.ptr_eq(b),
            _ => false,
        }
    }

    /// The str payload, if this is a str.
    #[inline]
    pub fn as_str(&self) -> Option<&PyStr> {
        match self {
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A counted reference to an object.
#[derive(Debug)]
pub struct ObjRef(NonNull<PyObject>);

// SAFETY: as for `Value`.
unsafe impl Send for ObjRef {}

impl ObjRef {
    /// The raw pointer (identity).
    #[inline]
    pub fn as_ptr(&self) -> *const PyObject {
        self.0.as_ptr()
    }

    /// The pointer, for a cache that holds the object without a reference.
    #[inline]
    pub fn as_non_null(&self) -> NonNull<PyObject> {
        self.0
    }

    /// A new reference to the object at `p`.
    ///
    /// # Safety
    ///
    /// `p` points to a live object: something else holds a reference to it
    /// for the duration of the call.
    #[inline]
    pub unsafe fn from_borrowed(p: NonNull<PyObject>) -> ObjRef {
        ObjRef::clone(&std::mem::ManuallyDrop::new(ObjRef(p)))
    }

    /// Same object.
    #[inline]
    pub fn ptr_eq(&self, other: &ObjRef) -> bool {
        self.0 == other.0
    }

    /// The reference count.
    pub fn refcount(&self) -> usize {
        self.rc.get()
    }

    /// Builds a reference from a raw pointer, taking a new count.
    ///
    /// # Safety
    /// `p` points at a live object.
    pub(crate) unsafe fn from_raw_incref(p: NonNull<PyObject>) -> ObjRef {
        // SAFETY: per the caller the object is live.
        let o = unsafe { p.as_ref() };
        o.rc.set(o.rc.get() + 1);
        ObjRef(p)
    }

    pub(crate) fn raw(&self) -> NonNull<PyObject> {
        self.0
    }
}

impl Clone for ObjRef {
    #[inline]
    fn clone(&self) -> ObjRef {
        let o = &**self;
        o.rc.set(o.rc.get() + 1);
        ObjRef(self.0)
    }
}

impl Drop for ObjRef {
    /// The count update is inline everywhere (it is most of what the eval
    /// loop does with values); freeing is out of line, so the inlined
    /// part stays a few instructions.
    #[inline]
    fn drop(&mut self) {
        let o = &**self;
        let n = o.rc.get() - 1;
        o.rc.set(n);
        if n == 0 {
            dealloc_last(self.0);
        }
    }
}

/// The last reference to `p` went away.
#[cold]
#[inline(never)]
fn dealloc_last(p: NonNull<PyObject>) {
    match Heap::current() {
        Some(h) => h.dealloc(p),
        None => {
            // No heap current: leak rather than free through the wrong
            // allocator (see the heap module doc).
            // SAFETY: the object is still allocated (nothing freed it).
            unsafe { p.as_ref() }.rc.set(1);
        }
    }
}

impl std::ops::Deref for ObjRef {
    type Target = PyObject;
    #[inline]
    fn deref(&self) -> &PyObject {
        // SAFETY: a live reference keeps the object alive.
        unsafe { self.0.as_ref() }
    }
}

/// An object: header and payload.
#[repr(C)]
#[derive(Debug)]
pub struct PyObject {
    pub(crate) rc: Cell<usize>,
    /// Cycle-collector links (null when not tracked).
    pub(crate) gc_prev: Cell<*mut PyObject>,
    pub(crate) gc_next: Cell<*mut PyObject>,
    /// Scratch for the collector.
    pub(crate) gc_refs: Cell<isize>,
    /// Payload.
    pub kind: ObjKind,
}

/// Payloads.
#[derive(Debug)]
pub enum ObjKind {
    /// `str`.
    Str(PyStr),
    /// `bytes`.
    Bytes(PyVec<u8>),
    /// An `int` outside `i64`.
    BigInt(Box<BigInt>),
    /// `tuple`.
    Tuple(PyVec<Value>),
    /// `list`.
    List(RefCell<PyVec<Value>>),
    /// `dict`.
    Dict(RefCell<super::dict::Dict>),
    /// `set`.
    Set(RefCell<super::set::SetData>),
    /// `frozenset`.
    FrozenSet(super::set::SetData),
    /// `range`.
    Range(super::iter::RangeObj),
    /// `slice`.
    Slice(Box<[Value; 3]>),
    /// A Python function.
    Function(Box<super::func::Function>),
    /// A function implemented in Rust (optionally bound to `self`).
    Builtin(Box<super::func::Builtin>),
    /// A bound method: (function, self).
    Method(Box<(Value, Value)>),
    /// A class (builtin or defined in Python).
    Type(Box<super::typeobj::TypeObj>),
    /// An instance of a Python class.
    Instance(super::typeobj::Instance),
    /// An exception instance.
    Exception(Box<super::exc::ExcObj>),
    /// A module.
    Module(Box<super::module::ModuleObj>),
    /// A closure cell.
    Cell(RefCell<Value>),
    /// A code object.
    Code(Box<super::code::Code>),
    /// A builtin iterator.
    Iter(RefCell<super::iter::IterState>),
    /// A generator.
    Generator(RefCell<super::generator::GenState>),
    /// `property`: (fget, fset, fdel).
    Property(Box<[Value; 3]>),
    /// `staticmethod`.
    StaticMethod(Value),
    /// `classmethod`.
    ClassMethod(Value),
    /// `super()` bound: (type, object).
    Super(Box<(Value, Value)>),
    /// A dict view: (dict, which).
    DictView(Value, super::dict::ViewKind),
    /// `NotImplemented`.
    NotImplemented,
    /// `Ellipsis`.
    Ellipsis,
    /// A frame seen from Python (tracing, tracebacks).
    Frame(Box<super::frame::FrameObj>),
    /// A traceback entry.
    Traceback(Box<super::exc::TracebackObj>),
    /// An object of a native module type (locks, …).
    Native(Box<super::native::NativeCell<dyn super::native::NativeObject>>),
}

/// A `str`: generalized UTF-8 (lone surrogates allowed) with its length in
/// code points and a cached hash.
///
/// Strings are immutable to Python. The one exception is the VM's
/// in-place concatenation (`s = s + t` where the local is the only
/// reference, as CPython's `BINARY_OP_INPLACE_ADD_UNICODE`), hence the
/// `UnsafeCell`: see [`PyStr::append_unique`].
pub struct PyStr {
    data: std::cell::UnsafeCell<PyVec<u8>>,
    chars: Cell<usize>,
    pub(crate) hash: Cell<i64>,
}

impl std::fmt::Debug for PyStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}

impl PyStr {
    /// A str over `data` holding `chars` code points.
    pub(crate) fn new(data: PyVec<u8>, chars: usize) -> PyStr {
        PyStr {
            data: std::cell::UnsafeCell::new(data),
            chars: Cell::new(chars),
            hash: Cell::new(-1),
        }
    }

    /// The bytes (generalized UTF-8).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the buffer is only mutated by `append_unique`, whose
        // caller guarantees no reference into it exists.
        unsafe { &*self.data.get() }
    }

    /// Appends `b` (holding `chars` code points) in place; false when
    /// memory is exhausted (nothing changed).
    ///
    /// # Safety
    /// The caller holds the only reference to the str object (count 1)
    /// and no borrow of its bytes is alive.
    pub(crate) unsafe fn append_unique(&self, b: &[u8], chars: usize) -> bool {
        // SAFETY: exclusive access per the caller.
        let data = unsafe { &mut *self.data.get() };
        if !super::heap::PyVecExt::push_slice(data, b) {
            return false;
        }
        self.chars.set(self.chars.get() + chars);
        self.hash.set(-1);
        true
    }

    /// As `&str` when it holds no surrogates (almost always).
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// Lossy `&str` view: surrogates become U+FFFD.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        match std::str::from_utf8(self.as_bytes()) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => std::borrow::Cow::Owned(
                super::strrepr::code_points(self.as_bytes())
                    .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                    .collect(),
            ),
        }
    }

    /// Length in code points.
    #[inline]
    pub fn len(&self) -> usize {
        self.chars.get()
    }

    /// True if empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.chars.get() == 0
    }

    /// True if every code point is ASCII.
    #[inline]
    pub fn is_ascii(&self) -> bool {
        self.chars.get() == self.as_bytes().len()
    }
}

impl PyObject {
    /// Allocates an object on `heap`; `None` when out of memory.
    pub(crate) fn alloc(heap: &Heap, kind: ObjKind) -> Option<ObjRef> {
        let size = std::mem::size_of::<PyObject>();
        let p = heap.alloc_bytes(Domain::Obj, size)?.cast::<PyObject>();
        let obj = PyObject {
            rc: Cell::new(1),
            gc_prev: Cell::new(std::ptr::null_mut()),
            gc_next: Cell::new(std::ptr::null_mut()),
            gc_refs: Cell::new(0),
            kind,
        };
        // SAFETY: a fresh, suitably aligned block of the right size (OBJ
        // blocks are aligned to `mem::ALIGNMENT`, ≥ the header's 8).
        unsafe { p.as_ptr().write(obj) };
        let r = ObjRef(p);
        if r.kind.is_container() {
            heap.gc.track(&r);
        }
        Some(r)
    }

    /// Tears an object down and frees it.
    ///
    /// # Safety
    /// The count is zero and `p` came from [`PyObject::alloc`] on `heap`.
    pub(crate) unsafe fn destroy(heap: &Heap, p: NonNull<PyObject>) {
        // SAFETY: per the caller, the object is live and unreferenced.
        let o = unsafe { p.as_ref() };
        heap.gc.untrack(o);
        // SAFETY: dropped once, then the block is freed.
        unsafe {
            std::ptr::drop_in_place(p.as_ptr());
            heap.free_bytes(Domain::Obj, p.cast());
        }
    }

    /// Short name of the payload kind (debugging).
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }
}

impl ObjKind {
    /// True for kinds that can hold references (tracked by the cycle
    /// collector).
    pub(crate) fn is_container(&self) -> bool {
        matches!(
            self,
            ObjKind::Tuple(_)
                | ObjKind::List(_)
                | ObjKind::Dict(_)
                | ObjKind::Set(_)
                | ObjKind::FrozenSet(_)
                | ObjKind::Function(_)
                | ObjKind::Method(_)
                | ObjKind::Type(_)
                | ObjKind::Instance(_)
                | ObjKind::Exception(_)
                | ObjKind::Module(_)
                | ObjKind::Cell(_)
                | ObjKind::Iter(_)
                | ObjKind::Generator(_)
                | ObjKind::Property(_)
                | ObjKind::StaticMethod(_)
                | ObjKind::ClassMethod(_)
                | ObjKind::Super(_)
                | ObjKind::DictView(..)
                | ObjKind::Builtin(_)
                | ObjKind::Frame(_)
                | ObjKind::Traceback(_)
                | ObjKind::Native(_)
        )
    }

    /// Short name (debugging).
    pub fn name(&self) -> &'static str {
        match self {
            ObjKind::Str(_) => "str",
            ObjKind::Bytes(_) => "bytes",
            ObjKind::BigInt(_) => "int",
            ObjKind::Tuple(_) => "tuple",
            ObjKind::List(_) => "list",
            ObjKind::Dict(_) => "dict",
            ObjKind::Set(_) => "set",
            ObjKind::FrozenSet(_) => "frozenset",
            ObjKind::Range(_) => "range",
            ObjKind::Slice(_) => "slice",
            ObjKind::Function(_) => "function",
            ObjKind::Builtin(_) => "builtin_function_or_method",
            ObjKind::Method(_) => "method",
            ObjKind::Type(_) => "type",
            ObjKind::Instance(_) => "instance",
            ObjKind::Exception(_) => "exception",
            ObjKind::Module(_) => "module",
            ObjKind::Cell(_) => "cell",
            ObjKind::Code(_) => "code",
            ObjKind::Iter(_) => "iterator",
            ObjKind::Generator(_) => "generator",
            ObjKind::Property(_) => "property",
            ObjKind::StaticMethod(_) => "staticmethod",
            ObjKind::ClassMethod(_) => "classmethod",
            ObjKind::Super(_) => "super",
            ObjKind::DictView(..) => "dict_view",
            ObjKind::NotImplemented => "NotImplementedType",
            ObjKind::Ellipsis => "ellipsis",
            ObjKind::Frame(_) => "frame",
            ObjKind::Traceback(_) => "traceback",
            ObjKind::Native(_) => "native",
        }
    }
}
