//! Data attributes of builtin kinds (`__name__`, `__dict__`, `co_name`,
//! `f_lineno`, `real` …) and the hooks for native objects.

use super::func::Args;
use super::object::{ObjKind, Value};
use super::state::{PyResult, Vm};

/// A special attribute of `obj`, if `name` is one.
pub(crate) fn special_attr(vm: &Vm, obj: &Value, name: &[u8]) -> PyResult<Option<Value>> {
    if name == b"__class__" {
        return Ok(Some(Value::Obj(vm.type_of(obj))));
    }
    if !name.starts_with(b"__")
        && !matches!(
            name.first(),
            Some(
                b'a' | b'c'
                    | b'f'
                    | b't'
                    | b'r'
                    | b'i'
                    | b'n'
                    | b'd'
                    | b's'
                    | b'g'
                    | b'e'
                    | b'l'
                    | b'w'
                    | b'm'
            )
        )
    {
        return Ok(None);
    }
    let s = |x: &str| vm.new_str(x).map(Some);
    Ok(match obj {
        Value::Int(_) | Value::Bool(_) => match name {
            b"real" | b"numerator" => Some(match obj {
                Value::Bool(b) => Value::Int(i64::from(*b)),
                _ => obj.clone(),
            }),
            b"imag" => Some(Value::Int(0)),
            b"denominator" => Some(Value::Int(1)),
            _ => None,
        },
        Value::Float(f) => match name {
            b"real" => Some(Value::Float(*f)),
            b"imag" => Some(Value::Float(0.0)),
            _ => None,
        },
        Value::Obj(o) => match &o.kind {
            ObjKind::BigInt(_) => match name {
                b"real" | b"numerator" => Some(obj.clone()),
                b"imag" => Some(Value::Int(0)),
                b"denominator" => Some(Value::Int(1)),
                _ => None,
            },
            ObjKind::Type(t) => match name {
                b"__name__" => s(&t.name)?,
                b"__qualname__" => s(&t.qualname.borrow())?,
                b"__dict__" => Some(Value::Obj(t.dict.clone())),
                b"__mro__" => Some(vm.new_tuple(t.mro().into_iter().map(Value::Obj).collect())?),
                b"__bases__" => {
                    Some(vm.new_tuple(t.bases.iter().cloned().map(Value::Obj).collect())?)
                }
                b"__base__" => Some(t.bases.first().cloned().map_or(Value::None, Value::Obj)),
                b"__module__" => Some(
                    vm.dict_get_str(&t.dict, "__module__")
                        .unwrap_or(Value::None),
                ),
                b"__doc__" => Some(vm.dict_get_str(&t.dict, "__doc__").unwrap_or(Value::None)),
                _ => None,
            },
            ObjKind::Instance(i) => match name {
                // A bare `object()` or a slotted instance has none.
                b"__dict__" if super::call::has_instance_dict(vm, &i.class.borrow()) => {
                    Some(Value::Obj(i.dict.clone()))
                }
                _ => None,
            },
            ObjKind::Module(m) => match name {
                b"__dict__" => Some(Value::Obj(m.dict.clone())),
                _ => None,
            },
            ObjKind::Function(f) => match name {
                b"__name__" => Some(f.name.borrow().clone()),
                b"__qualname__" => Some(f.qualname.borrow().clone()),
                b"__module__" => Some(f.module.borrow().clone()),
                b"__doc__" => Some(f.doc.borrow().clone()),
                b"__defaults__" => Some(f.defaults.borrow().clone()),
                b"__kwdefaults__" => Some(f.kwdefaults.borrow().clone()),
                b"__code__" => Some(Value::Obj(f.code.clone())),
                b"__globals__" => Some(Value::Obj(f.globals.clone())),
                b"__closure__" => Some(f.closure.clone()),
                b"__builtins__" => Some(Value::Obj(vm.builtins_dict.clone())),
                b"__dict__" => {
                    let d = match &*f.dict.borrow() {
                        Some(d) => d.clone(),
                        None => vm.new_dict()?,
                    };
                    *f.dict.borrow_mut() = Some(d.clone());
                    Some(Value::Obj(d))
                }
                b"__annotations__" => {
                    let a = f.annotations.borrow().clone();
                    if a.is_none() {
                        let d = Value::Obj(vm.new_dict()?);
                        *f.annotations.borrow_mut() = d.clone();
                        Some(d)
                    } else {
                        Some(a)
                    }
                }
                _ => None,
            },
            ObjKind::Builtin(b) => match name {
                b"__name__" => s(b.name)?,
                b"__qualname__" => {
                    if b.owner.is_empty() {
                        s(b.name)?
                    } else {
                        s(&format!("{}.{}", b.owner, b.name))?
                    }
                }
                b"__self__" => Some(if b.bound.is_undef() {
                    if b.module.is_empty() {
                        Value::None
                    } else {
                        vm.import_builtin_module(b.module)
                            .map(Value::Obj)
                            .unwrap_or(Value::None)
                    }
                } else {
                    b.bound.clone()
                }),
                b"__module__" => {
                    if b.module.is_empty() {
                        Some(Value::None)
                    } else {
                        s(b.module)?
                    }
                }
                b"__doc__" => Some(Value::None),
                _ => None,
            },
            ObjKind::Method(m) => match name {
                b"__func__" => Some(m.0.clone()),
                b"__self__" => Some(m.1.clone()),
                b"__name__" | b"__qualname__" | b"__doc__" | b"__module__" => {
                    let n = vm.new_str(std::str::from_utf8(name).unwrap_or(""))?;
                    Some(vm.getattr(&m.0, &n)?)
                }
                _ => None,
            },
            ObjKind::Code(c) => match name {
                b"co_name" => s(&c.name)?,
                b"co_qualname" => s(&c.qualname)?,
                b"co_filename" => s(&c.filename)?,
                b"co_firstlineno" => Some(Value::Int(i64::from(c.firstlineno))),
                b"co_argcount" => Some(Value::Int(i64::from(c.argcount))),
                b"co_posonlyargcount" => Some(Value::Int(i64::from(c.posonlyargcount))),
                b"co_kwonlyargcount" => Some(Value::Int(i64::from(c.kwonlyargcount))),
                b"co_flags" => Some(Value::Int(i64::from(c.flags & 0xFFFF))),
                b"co_nlocals" => Some(Value::Int(c.nlocals() as i64)),
                b"co_varnames" => {
                    let v: Vec<Value> = c
                        .varnames
                        .iter()
                        .map(|n| vm.new_str(n))
                        .collect::<PyResult<_>>()?;
                    Some(vm.new_tuple(v)?)
                }
                b"co_cellvars" => {
                    let v: Vec<Value> = c
                        .cellvars
                        .iter()
                        .map(|n| vm.new_str(n))
                        .collect::<PyResult<_>>()?;
                    Some(vm.new_tuple(v)?)
                }
                b"co_freevars" => {
                    let v: Vec<Value> = c
                        .freevars
                        .iter()
                        .map(|n| vm.new_str(n))
                        .collect::<PyResult<_>>()?;
                    Some(vm.new_tuple(v)?)
                }
                b"co_names" => Some(vm.tuple_from(&c.names)?),
                b"co_consts" => Some(vm.tuple_from(&c.consts)?),
                _ => None,
            },
            ObjKind::Frame(f) => match name {
                b"f_code" => Some(Value::Obj(f.code())),
                b"f_lineno" => Some(Value::Int(i64::from(super::tracing::f_lineno(f)))),
                b"f_globals" => Some(Value::Obj(f.links().globals.clone())),
                b"f_locals" => Some(super::tracing::f_locals(vm, f)?),
                b"f_back" => Some(f.links().back.clone()),
                b"f_trace" => Some(f.trace.borrow().clone()),
                b"f_builtins" => Some(Value::Obj(vm.builtins_dict.clone())),
                b"f_lasti" => Some(Value::Int(0)),
                _ => None,
            },
            ObjKind::Traceback(t) => match name {
                b"tb_lineno" => Some(Value::Int(i64::from(t.lineno))),
                b"tb_lasti" => Some(Value::Int(i64::from(t.lasti) * 2)),
                b"tb_next" => Some(t.next.clone()),
                b"tb_frame" => match &t.frame {
                    Some(f) => Some(Value::Obj(f.clone())),
                    None => {
                        let g = vm.new_dict()?;
                        Some(Value::Obj(vm.alloc(ObjKind::Frame(Box::new(
                            super::frame::FrameObj::new(
                                super::frame::FrameLinks::new(
                                    t.code.clone(),
                                    g,
                                    Value::None,
                                    usize::MAX,
                                    0,
                                ),
                                t.lineno,
                            ),
                        )))?))
                    }
                },
                _ => None,
            },
            ObjKind::Exception(e) => match name {
                b"args" => Some(e.args.borrow().clone()),
                b"__cause__" => Some(e.cause.borrow().clone()),
                b"__context__" => Some(e.context.borrow().clone()),
                b"__suppress_context__" => Some(Value::Bool(e.suppress_context.get())),
                b"__traceback__" => Some(super::exc_support::traceback_of(vm, obj)?),
                b"__dict__" => Some(Value::Obj(e.dict.clone())),
                _ => None,
            },
            ObjKind::Range(r) => match name {
                b"start" => Some(Value::Int(r.start)),
                b"stop" => Some(Value::Int(r.stop)),
                b"step" => Some(Value::Int(r.step)),
                _ => None,
            },
            ObjKind::Slice(sl) => match name {
                b"start" => Some(sl[0].clone()),
                b"stop" => Some(sl[1].clone()),
                b"step" => Some(sl[2].clone()),
                _ => None,
            },
            ObjKind::Property(p) => match name {
                b"fget" => Some(p[0].clone()),
                b"fset" => Some(p[1].clone()),
                b"fdel" => Some(p[2].clone()),
                b"__doc__" => Some(match &p[0] {
                    Value::Obj(f) => match &f.kind {
                        ObjKind::Function(func) => func.doc.borrow().clone(),
                        _ => Value::None,
                    },
                    _ => Value::None,
                }),
                _ => None,
            },
            ObjKind::StaticMethod(f) | ObjKind::ClassMethod(f) => match name {
                b"__func__" | b"__wrapped__" => Some(f.clone()),
                _ => None,
            },
            ObjKind::Generator(g) => match name {
                b"__name__" => Some(g.borrow().name.clone()),
                b"__qualname__" => Some(g.borrow().qualname.clone()),
                b"gi_running" => Some(Value::Bool(g.borrow().running)),
                b"gi_code" => Some(Value::Obj(g.borrow().code.clone())),
                _ => None,
            },
            ObjKind::Cell(c) => match name {
                b"cell_contents" => {
                    let v = c.borrow().clone();
                    if v.is_undef() {
                        return Err(vm.value_error("Cell is empty"));
                    }
                    Some(v)
                }
                _ => None,
            },
            ObjKind::Native(_) => super::io::textio_attr(vm, obj, name)?,
            ObjKind::Super(sp) => match name {
                b"__thisclass__" => Some(sp.0.clone()),
                b"__self__" => Some(sp.1.clone()),
                b"__self_class__" => Some(Value::Obj(vm.type_of(&sp.1))),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// Setting attributes on native objects is not supported.
pub(crate) fn native_setattr(vm: &Vm, obj: &Value, name: &Value, _value: Value) -> PyResult<()> {
    Err(vm.attribute_error(
        format!(
            "'{}' object attribute '{}' is read-only",
            vm.type_name(obj),
            vm.display_str(name)
        ),
        name,
        obj,
    ))
}

/// `len()` of a native object: via its `__len__` method, if any.
pub(crate) fn native_len(vm: &Vm, obj: &Value) -> PyResult<Option<usize>> {
    match vm.lookup_special(obj, "__len__") {
        Some(f) => {
            let r = vm.call_special(&f, obj, &[])?;
            match r {
                Value::Int(i) if i >= 0 => Ok(Some(i as usize)),
                _ => Err(vm.type_error("__len__ should return an int >= 0")),
            }
        }
        None => Ok(None),
    }
}

/// Calling a native object: via its type's `__call__`.
pub(crate) fn native_call(vm: &Vm, obj: &Value, args: Args<'_>) -> PyResult<Value> {
    match vm.lookup_special(obj, "__call__") {
        Some(f) => {
            let mut all = vec![obj.clone()];
            all.extend_from_slice(args.all);
            vm.call(
                &f,
                Args {
                    all: &all,
                    kwnames: args.kwnames,
                },
            )
        }
        None => Err(vm.type_error(format!("'{}' object is not callable", vm.type_name(obj)))),
    }
}

/// `obj[key]` on a native object.
pub(crate) fn native_getitem(vm: &Vm, obj: &Value, key: &Value) -> PyResult<Value> {
    match vm.lookup_special(obj, "__getitem__") {
        Some(f) => vm.call_special(&f, obj, std::slice::from_ref(key)),
        None => Err(vm.type_error(format!(
            "'{}' object is not subscriptable",
            vm.type_name(obj)
        ))),
    }
}

/// `obj[key] = v` on a native object.
pub(crate) fn native_setitem(vm: &Vm, obj: &Value, key: &Value, v: Value) -> PyResult<()> {
    match vm.lookup_special(obj, "__setitem__") {
        Some(f) => vm.call_special(&f, obj, &[key.clone(), v]).map(|_| ()),
        None => Err(vm.type_error(format!(
            "'{}' object does not support item assignment",
            vm.type_name(obj)
        ))),
    }
}

/// `iter()` of a native object.
pub(crate) fn native_iter(vm: &Vm, obj: &Value) -> PyResult<Value> {
    match vm.lookup_special(obj, "__iter__") {
        Some(f) => vm.call_special(&f, obj, &[]),
        None => Err(vm.type_error(format!("'{}' object is not iterable", vm.type_name(obj)))),
    }
}

/// `next()` of a native object.
pub(crate) fn native_next(vm: &Vm, obj: &Value) -> PyResult<Option<Value>> {
    match vm.lookup_special(obj, "__next__") {
        Some(f) => match vm.call_special(&f, obj, &[]) {
            Ok(v) => Ok(Some(v)),
            Err(e) if vm.exc_matches(&e, "StopIteration") => Ok(None),
            Err(e) => Err(e),
        },
        None => Err(vm.type_error(format!("'{}' object is not an iterator", vm.type_name(obj)))),
    }
}
