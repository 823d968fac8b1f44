//! Calling classes: instantiation, class creation (`__build_class__`,
//! `type(name, bases, ns)`), `super()`.

use std::cell::{Cell, RefCell};

use super::frame::VmThread;
use super::func::Args;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyResult, Vm};
use super::typeobj::{Layout, TypeObj, as_type, c3_mro, is_subtype};

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the running VM thread (see eval.rs); one statement only.
        unsafe { &mut *$p }
    };
}

/// For a Python class: a fresh instance and its `__init__` (None if the
/// class has no `__init__` of its own or inherited from Python), or None
/// if `__new__` is customized (then the generic path runs).
pub(crate) fn prepare_instance(vm: &Vm, cls: &ObjRef) -> PyResult<Option<(Value, Option<Value>)>> {
    let new_name = vm.names.new.clone();
    if let Some(n) = vm.lookup_type(cls, &new_name)
        && !matches!(&n, Value::Obj(o) if matches!(o.kind, ObjKind::Builtin(_)))
    {
        return Ok(None);
    }
    let inst = vm.new_instance(cls)?;
    let init = vm.lookup_type(cls, &vm.names.init.clone());
    let init = match init {
        Some(Value::Obj(o)) if is_object_init(&o) => None,
        other => other,
    };
    Ok(Some((inst, init)))
}

/// `object.__init__`, which takes no arguments and does nothing (a
/// native `__init__` of another owner, such as `threading.Thread`'s, is
/// called like a Python one).
fn is_object_init(o: &ObjRef) -> bool {
    matches!(&o.kind, ObjKind::Builtin(b) if b.owner == "object")
}

/// Calls a class object from Rust.
pub(crate) fn call_type(vm: &Vm, cls: &ObjRef, args: Args<'_>) -> PyResult<Value> {
    let Some(t) = as_type(cls) else {
        return Err(vm.type_error("not a type"));
    };
    if t.builtin && t.layout != Layout::Exception {
        return super::builtins::construct_builtin(vm, cls, t, args);
    }
    match t.layout {
        Layout::Exception => {
            let pos = args.pos().to_vec();
            // A Python __new__ override is outside the subset for exceptions.
            let e = vm.new_exception(cls, pos)?;
            let ev = Value::Obj(e);
            if let Some(init) = vm.user_special(&ev, "__init__") {
                let mut all = vec![ev.clone()];
                all.extend_from_slice(args.all);
                let r = vm.call(
                    &init,
                    Args {
                        all: &all,
                        kwnames: args.kwnames,
                    },
                )?;
                if !r.is_none() {
                    return Err(vm.type_error(format!(
                        "__init__() should return None, not '{}'",
                        vm.type_name(&r)
                    )));
                }
            } else if !args.no_kw() {
                return Err(vm.type_error(format!("{}() takes no keyword arguments", t.name)));
            }
            Ok(ev)
        }
        Layout::Object | Layout::Builtin => {
            // A custom __new__ (staticmethod function).
            if let Some(n) = vm.lookup_type(cls, &vm.names.new.clone())
                && !matches!(&n, Value::Obj(o) if matches!(o.kind, ObjKind::Builtin(_)))
            {
                let f = match &n {
                    Value::Obj(o) => match &o.kind {
                        ObjKind::StaticMethod(f) => f.clone(),
                        _ => n.clone(),
                    },
                    _ => n.clone(),
                };
                let mut all = vec![Value::Obj(cls.clone())];
                all.extend_from_slice(args.all);
                let inst = vm.call(
                    &f,
                    Args {
                        all: &all,
                        kwnames: args.kwnames,
                    },
                )?;
                if vm.isinstance(&inst, cls)
                    && let Some(init) = vm.lookup_type(&vm.type_of(&inst), &vm.names.init.clone())
                    && !matches!(&init, Value::Obj(o) if matches!(o.kind, ObjKind::Builtin(_)))
                {
                    let mut all = vec![inst.clone()];
                    all.extend_from_slice(args.all);
                    vm.call(
                        &init,
                        Args {
                            all: &all,
                            kwnames: args.kwnames,
                        },
                    )?;
                }
                return Ok(inst);
            }
            let inst = vm.new_instance(cls)?;
            match vm.lookup_type(cls, &vm.names.init.clone()) {
                Some(Value::Obj(o)) if !is_object_init(&o) => {
                    let mut all = vec![inst.clone()];
                    all.extend_from_slice(args.all);
                    let r = vm.call(
                        &Value::Obj(o),
                        Args {
                            all: &all,
                            kwnames: args.kwnames,
                        },
                    )?;
                    if !r.is_none() {
                        return Err(vm.type_error(format!(
                            "__init__() should return None, not '{}'",
                            vm.type_name(&r)
                        )));
                    }
                }
                _ => {
                    if !args.all.is_empty() {
                        return Err(vm.type_error(format!("{}() takes no arguments", t.name)));
                    }
                }
            }
            Ok(inst)
        }
    }
}

/// The namespace a class body runs in (`__prepare__` is outside the
/// subset: always a dict).
pub(crate) fn prepare_namespace(
    vm: &Vm,
    _name: &Value,
    _bases: &Value,
    kwargs: &Value,
) -> PyResult<ObjRef> {
    if let Some(ObjKind::Dict(d)) = kwargs.as_obj().map(|o| &o.kind) {
        for (k, _) in super::dict::items(d) {
            if vm.display_str(&k) == "metaclass" {
                return Err(vm.not_supported("the metaclass keyword"));
            }
        }
    }
    vm.new_dict()
}

/// Creates a class from a finished body (`type.__new__` + `__init_subclass__`
/// + `__set_name__` + the `__class__` cell).
pub(crate) fn build_class(
    vm: &Vm,
    name: &Value,
    bases: &Value,
    ns: &Value,
    kwargs: &Value,
) -> PyResult<Value> {
    let mut base_list: Vec<ObjRef> = match bases.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t
            .iter()
            .map(|b| match b {
                Value::Obj(o) if as_type(o).is_some() => Ok(o.clone()),
                _ => Err(vm.type_error(format!("bases must be types, not {}", vm.type_name(b)))),
            })
            .collect::<PyResult<_>>()?,
        _ => Vec::new(),
    };
    if base_list.is_empty() {
        base_list.push(vm.types.object.clone());
    }
    // Layout: the most derived base layout.
    let mut layout = Layout::Object;
    for b in &base_list {
        let bt = as_type(b).expect("checked");
        match bt.layout {
            Layout::Exception => layout = Layout::Exception,
            Layout::Builtin if !b.ptr_eq(&vm.types.object) => {
                return Err(vm.not_supported(format!("subclassing the builtin type '{}'", bt.name)));
            }
            _ => {}
        }
    }
    let Some(nsd) = ns.as_obj() else {
        return Err(vm.type_error("class namespace must be a dict"));
    };
    let ObjKind::Dict(nsdict) = &nsd.kind else {
        return Err(vm.type_error("class namespace must be a dict"));
    };
    // Copy the namespace into the class dict.
    let d = vm.new_dict()?;
    let mut classcell = None;
    let mut qualname = None;
    for (k, v) in super::dict::items(nsdict) {
        match vm.display_str(&k).as_str() {
            "__classcell__" => {
                classcell = Some(v);
                continue;
            }
            // type.__new__ takes the qualified name out of the namespace.
            "__qualname__" => {
                qualname = Some(v);
                continue;
            }
            _ => {}
        }
        vm.dict_set(&d, k, v)?;
    }
    let name_s = vm.display_str(name);
    let qual = qualname.map_or_else(|| name_s.clone(), |q| vm.display_str(&q));
    let slots = class_slots(vm, &name_s, &d, &base_list, layout)?;
    // __eq__ without __hash__ makes instances unhashable.
    if vm.dict_get_str(&d, "__eq__").is_some() && vm.dict_get_str(&d, "__hash__").is_none() {
        vm.dict_set_str(&d, "__hash__", Value::None)?;
    }
    // __new__ and __init_subclass__ given as plain functions are
    // implicitly static/class methods.
    if let Some(n) = vm.dict_get_str(&d, "__new__")
        && matches!(&n, Value::Obj(o) if matches!(o.kind, ObjKind::Function(_)))
    {
        let sm = vm.alloc(ObjKind::StaticMethod(n))?;
        vm.dict_set_str(&d, "__new__", Value::Obj(sm))?;
    }
    if let Some(n) = vm.dict_get_str(&d, "__init_subclass__")
        && matches!(&n, Value::Obj(o) if matches!(o.kind, ObjKind::Function(_)))
    {
        let cm = vm.alloc(ObjKind::ClassMethod(n))?;
        vm.dict_set_str(&d, "__init_subclass__", Value::Obj(cm))?;
    }
    super::typeobj::mark_namespace(&d);
    let cls = vm.alloc(ObjKind::Type(Box::new(TypeObj {
        name: name_s.clone(),
        qualname: RefCell::new(qual),
        bases: base_list.clone(),
        mro: RefCell::new(Vec::new()),
        dict: d.clone(),
        layout,
        builtin: false,
        kind_tag: "",
        inst_dict_hint: Cell::new(0),
        hooks: Cell::new((0, 0)),
        has_del: Cell::new(false),
        slots,
    })))?;
    let mro = c3_mro(&cls, &base_list).ok_or_else(|| {
        let names: Vec<String> = base_list
            .iter()
            .filter_map(|b| as_type(b).map(|t| t.name.clone()))
            .collect();
        vm.type_error(format!(
            "Cannot create a consistent method resolution order (MRO) for bases {}",
            names.join(", ")
        ))
    })?;
    if let ObjKind::Type(t) = &cls.kind {
        t.has_del.set(mro.iter().any(|m| {
            as_type(m).is_some_and(|mt| {
                mt.has_del.get() || (!mt.builtin && vm.dict_get_str(&mt.dict, "__del__").is_some())
            })
        }));
        *t.mro.borrow_mut() = mro;
    }
    super::typeobj::bump_type_epoch();
    if let Some(Value::Obj(cell)) = classcell
        && let ObjKind::Cell(c) = &cell.kind
    {
        *c.borrow_mut() = Value::Obj(cls.clone());
    }
    let clsv = Value::Obj(cls.clone());
    // __set_name__ on descriptors.
    for (k, v) in super::dict::items(match &d.kind {
        ObjKind::Dict(x) => x,
        _ => unreachable!(),
    }) {
        if matches!(v, Value::Obj(ref o) if matches!(o.kind, ObjKind::Instance(_)))
            && let Some(sn) = vm.user_special(&v, "__set_name__")
        {
            vm.call_special(&sn, &v, &[clsv.clone(), k])?;
        }
    }
    // __init_subclass__ of the first base that defines one in Python.
    let parent_mro: Vec<ObjRef> = match &cls.kind {
        ObjKind::Type(t) => t.mro.borrow()[1..].to_vec(),
        _ => Vec::new(),
    };
    for p in parent_mro {
        let pt = as_type(&p).expect("type");
        if let Some(f) = vm.dict_get_str(&pt.dict, "__init_subclass__") {
            let func = match &f {
                Value::Obj(o) => match &o.kind {
                    ObjKind::ClassMethod(inner) => inner.clone(),
                    _ => f.clone(),
                },
                _ => f.clone(),
            };
            let mut names = Vec::new();
            let mut all = vec![clsv.clone()];
            if let Some(ObjKind::Dict(kd)) = kwargs.as_obj().map(|o| &o.kind) {
                for (k, v) in super::dict::items(kd) {
                    all.push(v);
                    names.push(k);
                }
            }
            vm.call(
                &func,
                Args {
                    all: &all,
                    kwnames: &names,
                },
            )?;
            break;
        }
        if pt.builtin {
            if let Some(ObjKind::Dict(kd)) = kwargs.as_obj().map(|o| &o.kind)
                && !kd.borrow().is_empty()
            {
                return Err(vm.type_error(format!(
                    "{}.__init_subclass__() takes no keyword arguments",
                    name_s
                )));
            }
            break;
        }
    }
    Ok(clsv)
}

/// `type(name, bases, dict)`.
pub(crate) fn type_new(vm: &Vm, name: &Value, bases: &Value, ns: &Value) -> PyResult<Value> {
    let wrong = |i: u8, want: &str, v: &Value| {
        vm.type_error(format!(
            "type.__new__() argument {i} must be {want}, not {}",
            vm.type_name(v)
        ))
    };
    if name.as_str().is_none() {
        return Err(wrong(1, "str", name));
    }
    if !matches!(bases.as_obj().map(|o| &o.kind), Some(ObjKind::Tuple(_))) {
        return Err(wrong(2, "tuple", bases));
    }
    let Some(ObjKind::Dict(src)) = ns.as_obj().map(|o| &o.kind) else {
        return Err(wrong(3, "dict", ns));
    };
    let d = vm.new_dict()?;
    for (k, v) in super::dict::items(src) {
        vm.dict_set(&d, k, v)?;
    }
    if vm.dict_get_str(&d, "__module__").is_none() {
        let m = current_module_name(vm);
        vm.dict_set_str(&d, "__module__", m)?;
    }
    build_class(vm, name, bases, &Value::Obj(d), &Value::None)
}

/// What `__slots__` in the class namespace `d` makes of its instances'
/// attributes (`TypeObj::slots`): CPython's checks (str items, no clash
/// with a class variable), names mangled; None when instances keep a
/// `__dict__` — no `__slots__`, `'__dict__'` among them, or a base that
/// has one. The slot values live in the instance's dict, which is not
/// reachable from Python when there are slots.
fn class_slots(
    vm: &Vm,
    name: &str,
    d: &ObjRef,
    bases: &[ObjRef],
    layout: Layout,
) -> PyResult<Option<std::rc::Rc<[Value]>>> {
    let Some(spec) = vm.dict_get_str(d, "__slots__") else {
        return Ok(None);
    };
    let items = match spec.as_str() {
        Some(_) => vec![spec.clone()],
        None => vm.to_vec(&spec)?,
    };
    let mut names: Vec<Value> = Vec::new();
    let mut with_dict = layout == Layout::Exception;
    for it in &items {
        let Some(s) = it.as_str() else {
            return Err(vm.type_error(format!(
                "__slots__ items must be strings, not '{}'",
                vm.type_name(it)
            )));
        };
        let raw = String::from_utf8_lossy(s.as_bytes()).into_owned();
        if raw == "__dict__" {
            with_dict = true;
            continue;
        }
        if raw == "__weakref__" {
            continue;
        }
        let mangled = super::symtable::mangle(Some(name), &std::rc::Rc::from(raw.as_str()));
        if vm.dict_get_str(d, &mangled).is_some() {
            return Err(vm.value_error(format!(
                "'{raw}' in __slots__ conflicts with class variable"
            )));
        }
        names.push(vm.new_str(&mangled)?);
    }
    for b in bases {
        match as_type(b) {
            Some(_) if b.ptr_eq(&vm.types.object) => {}
            Some(bt) => match &bt.slots {
                Some(inherited) => names.extend(inherited.iter().cloned()),
                None => with_dict = true,
            },
            None => with_dict = true,
        }
    }
    Ok((!with_dict).then(|| std::rc::Rc::from(names)))
}

/// Instances of `cls` have a `__dict__` (not a bare `object()`, not a
/// class with slots only).
pub(crate) fn has_instance_dict(vm: &Vm, cls: &ObjRef) -> bool {
    !cls.ptr_eq(&vm.types.object) && as_type(cls).is_none_or(|t| t.slots.is_none())
}

/// `name` is one of the attributes instances of `cls` may hold (all, when
/// they have a `__dict__`; else a class's slots).
pub(crate) fn slot_allowed(vm: &Vm, cls: &ObjRef, name: &Value) -> bool {
    if has_instance_dict(vm, cls) {
        return true;
    }
    match as_type(cls).and_then(|t| t.slots.as_ref()) {
        None => false,
        Some(names) => {
            let want = name.as_str().map(|s| s.as_bytes());
            names
                .iter()
                .any(|n| n.as_str().map(|s| s.as_bytes()) == want)
        }
    }
}

fn current_module_name(vm: &Vm) -> Value {
    let thp = super::eval::thread_ptr();
    if thp.is_null() {
        return Value::None;
    }
    th!(thp)
        .frames
        .last()
        .and_then(|f| vm.dict_get_strval(&f.globals, &vm.names.name))
        .unwrap_or(Value::None)
}

/// Zero-argument `super()`: the `__class__` cell and the first argument of
/// the calling frame.
pub(crate) fn zero_arg_super(vm: &Vm, thp: *mut VmThread) -> PyResult<Value> {
    let Some(f) = th!(thp).frames.last() else {
        return Err(vm.runtime_error("super(): no arguments"));
    };
    let ObjKind::Code(code) = &f.code.kind else {
        return Err(vm.runtime_error("super(): no code"));
    };
    if code.argcount == 0 && code.flags & super::code::flags::VARARGS == 0 {
        return Err(vm.runtime_error("super(): no arguments"));
    }
    let base = f.base;
    let mut first = th!(thp).stack[base].clone();
    // If the first argument is a cell (captured self), read it.
    if code.cell2arg.contains(&Some(0)) {
        let ci = code
            .cell2arg
            .iter()
            .position(|a| *a == Some(0))
            .unwrap_or(0);
        if let Some(ObjKind::Cell(c)) = th!(thp).stack[base + code.nlocals() + ci]
            .as_obj()
            .map(|o| &o.kind)
        {
            first = c.borrow().clone();
        }
    }
    if first.is_undef() {
        return Err(vm.runtime_error("super(): arg[0] deleted"));
    }
    let idx = code.freevars.iter().position(|n| &**n == "__class__");
    let Some(idx) = idx else {
        return Err(vm.runtime_error("super(): __class__ cell not found"));
    };
    let slot = base + code.nlocals() + code.cellvars.len() + idx;
    let cls = match th!(thp).stack[slot].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Cell(c)) => c.borrow().clone(),
        _ => Value::Undef,
    };
    if !matches!(&cls, Value::Obj(o) if as_type(o).is_some()) {
        return Err(vm.runtime_error("super(): __class__ is not a type"));
    }
    make_super(vm, cls, first)
}

/// `super(type, obj)`.
pub(crate) fn make_super(vm: &Vm, cls: Value, obj: Value) -> PyResult<Value> {
    let Some(c) = cls.as_obj() else {
        return Err(vm.type_error("super() argument 1 must be a type"));
    };
    let ok = match obj.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Type(_)) => {
            is_subtype(obj.as_obj().expect("obj"), c) || vm.isinstance(&obj, c)
        }
        _ => vm.isinstance(&obj, c),
    };
    if !ok {
        return Err(vm.type_error("super(type, obj): obj must be an instance or subtype of type"));
    }
    Ok(Value::Obj(vm.alloc(ObjKind::Super(Box::new((cls, obj))))?))
}
