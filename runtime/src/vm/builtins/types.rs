//! Constructors of the builtin types (`int(x)`, `list(it)`, `range(n)` …)
//! and the methods of object, type, BaseException, generators and
//! property.

use num_traits::ToPrimitive;

use super::{int_arg, meth_args, new_set, pos_args};
use crate::vm::dict;
use crate::vm::func::{Args, NativeFn};
use crate::vm::int::{int_to_f64, is_int, parse_int};
use crate::vm::iter::{IterState, RangeObj};
use crate::vm::object::{ObjKind, ObjRef, Value};
use crate::vm::ops::new_iter;
use crate::vm::state::{PyErr, PyResult, Vm};
use crate::vm::typeobj::{TypeObj, as_type};

/// No keyword arguments for constructor `name`.
fn no_kw(vm: &Vm, a: &Args<'_>, name: &str) -> PyResult<()> {
    if a.no_kw() {
        Ok(())
    } else {
        Err(vm.type_error(format!("{name}() takes no keyword arguments")))
    }
}

/// Calls a builtin type.
pub(crate) fn construct_builtin(
    vm: &Vm,
    cls: &ObjRef,
    t: &TypeObj,
    a: Args<'_>,
) -> PyResult<Value> {
    let p = a.pos();
    match t.kind_tag {
        "object" => {
            if !a.all.is_empty() {
                return Err(vm.type_error("object() takes no arguments"));
            }
            vm.new_instance(cls)
        }
        "type" => {
            no_kw(vm, &a, "type")?;
            match p.len() {
                1 => Ok(Value::Obj(vm.type_of(&p[0]))),
                3 => crate::vm::call::type_new(vm, &p[0], &p[1], &p[2]),
                _ => Err(vm.type_error("type() takes 1 or 3 arguments")),
            }
        }
        "NoneType" => {
            pos_args(vm, "NoneType", &a, 0, 0)?;
            Ok(Value::None)
        }
        "NotImplementedType" => Ok(vm.none_like.not_implemented.clone()),
        "ellipsis" => Ok(vm.none_like.ellipsis.clone()),
        "bool" => {
            let p = pos_args(vm, "bool", &a, 0, 1)?;
            Ok(Value::Bool(match p.first() {
                Some(v) => vm.truthy(v)?,
                None => false,
            }))
        }
        "int" => construct_int(vm, a),
        "float" => {
            let p = pos_args(vm, "float", &a, 0, 1)?;
            match p.first() {
                None => Ok(Value::Float(0.0)),
                Some(v) => to_float(vm, v),
            }
        }
        "str" => construct_str(vm, a),
        "bytes" => construct_bytes(vm, a),
        "tuple" => {
            let p = pos_args(vm, "tuple", &a, 0, 1)?;
            match p.first() {
                None => Ok(vm.empty_tuple.clone()),
                Some(v) if matches!(v.as_obj().map(|o| &o.kind), Some(ObjKind::Tuple(_))) => {
                    Ok(v.clone())
                }
                Some(v) => {
                    let items = vm.to_vec(v)?;
                    vm.new_tuple(items)
                }
            }
        }
        "list" => {
            let p = pos_args(vm, "list", &a, 0, 1)?;
            match p.first() {
                None => vm.new_list(Vec::new()),
                Some(v) => {
                    let items = vm.to_vec(v)?;
                    vm.new_list(items)
                }
            }
        }
        "dict" => {
            if p.len() > 1 {
                return Err(
                    vm.type_error(format!("dict expected at most 1 argument, got {}", p.len()))
                );
            }
            let d = Value::Obj(vm.new_dict()?);
            if let Some(m) = p.first() {
                super::dict_update_from(vm, &d, m, super::Update::Any)?;
            }
            if let Some(ObjKind::Dict(dd)) = d.as_obj().map(|o| &o.kind) {
                for (k, v) in a.kw() {
                    dict::set(vm, dd, k.clone(), v.clone())?;
                }
            }
            Ok(d)
        }
        "set" | "frozenset" => {
            let name = t.kind_tag;
            no_kw(vm, &a, name)?;
            if p.len() > 1 {
                return Err(vm.type_error(format!(
                    "{name} expected at most 1 argument, got {}",
                    p.len()
                )));
            }
            let items = match p.first() {
                Some(v) => vm.to_vec(v)?,
                None => Vec::new(),
            };
            new_set(vm, items, name == "frozenset")
        }
        "range" => construct_range(vm, a),
        "slice" => {
            no_kw(vm, &a, "slice")?;
            let (start, stop, step) = match p.len() {
                1 => (Value::None, p[0].clone(), Value::None),
                2 => (p[0].clone(), p[1].clone(), Value::None),
                3 => (p[0].clone(), p[1].clone(), p[2].clone()),
                0 => return Err(vm.type_error("slice expected at least 1 argument, got 0")),
                n => {
                    return Err(
                        vm.type_error(format!("slice expected at most 3 arguments, got {n}"))
                    );
                }
            };
            Ok(Value::Obj(
                vm.alloc(ObjKind::Slice(Box::new([start, stop, step])))?,
            ))
        }
        "property" => {
            let mut f = [Value::None, Value::None, Value::None];
            for (i, v) in p.iter().take(3).enumerate() {
                f[i] = v.clone();
            }
            for (k, v) in a.kw() {
                match k.as_str().map(|s| s.as_bytes()) {
                    Some(b"fget") => f[0] = v.clone(),
                    Some(b"fset") => f[1] = v.clone(),
                    Some(b"fdel") => f[2] = v.clone(),
                    Some(b"doc") => {}
                    _ => {
                        return Err(vm.type_error(format!(
                            "property() got an unexpected keyword argument '{}'",
                            vm.display_str(k)
                        )));
                    }
                }
            }
            Ok(Value::Obj(vm.alloc(ObjKind::Property(Box::new(f)))?))
        }
        "staticmethod" | "classmethod" => {
            let name = t.kind_tag;
            let p = pos_args(vm, name, &a, 1, 1)?;
            let kind = if name == "staticmethod" {
                ObjKind::StaticMethod(p[0].clone())
            } else {
                if !vm.callable(&p[0]) {
                    return Err(
                        vm.type_error(format!("'{}' object is not callable", vm.type_name(&p[0])))
                    );
                }
                ObjKind::ClassMethod(p[0].clone())
            };
            Ok(Value::Obj(vm.alloc(kind)?))
        }
        "super" => {
            no_kw(vm, &a, "super")?;
            match p.len() {
                0 => crate::vm::call::zero_arg_super(vm, crate::vm::eval::thread_ptr()),
                1 => Err(vm.not_supported("unbound super objects (super(type))")),
                2 => {
                    if !matches!(p[0].as_obj().map(|o| &o.kind), Some(ObjKind::Type(_))) {
                        return Err(vm.type_error(format!(
                            "super() argument 1 must be a type, not {}",
                            vm.type_name(&p[0])
                        )));
                    }
                    crate::vm::call::make_super(vm, p[0].clone(), p[1].clone())
                }
                n => Err(vm.type_error(format!("super() takes at most 2 arguments ({n} given)"))),
            }
        }
        "enumerate" => {
            let mut it = p.first().cloned();
            let mut start = p.get(1).cloned();
            for (k, v) in a.kw() {
                match k.as_str().map(|s| s.as_bytes()) {
                    Some(b"iterable") => it = Some(v.clone()),
                    Some(b"start") => start = Some(v.clone()),
                    _ => {
                        return Err(vm.type_error(format!(
                            "enumerate() got an unexpected keyword argument '{}'",
                            vm.display_str(k)
                        )));
                    }
                }
            }
            if p.len() > 2 {
                return Err(vm.type_error(format!(
                    "enumerate() takes at most 2 arguments ({} given)",
                    p.len()
                )));
            }
            let Some(it) = it else {
                return Err(vm.type_error("enumerate() missing required argument 'iterable'"));
            };
            let n = match start {
                Some(s) if is_int(&s) => match s {
                    Value::Bool(b) => Value::Int(i64::from(b)),
                    other => other,
                },
                Some(s) => {
                    return Err(vm.type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        vm.type_name(&s)
                    )));
                }
                None => Value::Int(0),
            };
            let it = vm.iter(&it)?;
            new_iter(vm, IterState::Enumerate { it, n })
        }
        "zip" => {
            let mut strict = false;
            for (k, v) in a.kw() {
                match k.as_str().map(|s| s.as_bytes()) {
                    Some(b"strict") => strict = vm.truthy(v)?,
                    _ => {
                        return Err(vm.type_error(format!(
                            "zip() got an unexpected keyword argument '{}'",
                            vm.display_str(k)
                        )));
                    }
                }
            }
            let mut its = Vec::with_capacity(p.len());
            for x in p {
                its.push(vm.iter(x)?);
            }
            new_iter(vm, IterState::Zip { its, strict })
        }
        "map" => {
            no_kw(vm, &a, "map")?;
            if p.len() < 2 {
                return Err(vm.type_error("map() must have at least two arguments."));
            }
            let mut its = Vec::with_capacity(p.len() - 1);
            for x in &p[1..] {
                its.push(vm.iter(x)?);
            }
            new_iter(
                vm,
                IterState::Map {
                    f: p[0].clone(),
                    its,
                },
            )
        }
        "filter" => {
            no_kw(vm, &a, "filter")?;
            if p.len() != 2 {
                return Err(vm.type_error(format!("filter expected 2 arguments, got {}", p.len())));
            }
            let it = vm.iter(&p[1])?;
            new_iter(
                vm,
                IterState::Filter {
                    f: p[0].clone(),
                    it,
                },
            )
        }
        "reversed" => {
            no_kw(vm, &a, "reversed")?;
            if p.len() != 1 {
                return Err(vm.type_error(format!("reversed expected 1 argument, got {}", p.len())));
            }
            reversed(vm, &p[0])
        }
        other => Err(vm.type_error(format!("cannot create '{other}' instances"))),
    }
}

pub(crate) fn reversed(vm: &Vm, v: &Value) -> PyResult<Value> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::List(l)) => {
            let idx = l.borrow().len() as i64 - 1;
            new_iter(
                vm,
                IterState::Reversed {
                    seq: v.clone(),
                    idx,
                },
            )
        }
        Some(ObjKind::Tuple(t)) => {
            let idx = t.len() as i64 - 1;
            new_iter(
                vm,
                IterState::Reversed {
                    seq: v.clone(),
                    idx,
                },
            )
        }
        Some(ObjKind::Range(r)) => {
            let n = r.len();
            let last = if n == 0 { r.start } else { r.at(n - 1) };
            new_iter(
                vm,
                IterState::Range {
                    cur: last,
                    left: n,
                    step: r.step.wrapping_neg(),
                },
            )
        }
        Some(ObjKind::Str(_) | ObjKind::Bytes(_) | ObjKind::Dict(_) | ObjKind::DictView(..)) => {
            let mut items = vm.to_vec(v)?;
            items.reverse();
            let l = vm.new_list(items)?;
            new_iter(
                vm,
                IterState::Seq {
                    seq: l,
                    idx: 0,
                    name: "reversed",
                },
            )
        }
        _ => {
            if let Some(f) = vm.user_special(v, "__reversed__") {
                return vm.call_special(&f, v, &[]);
            }
            if vm.user_special(v, "__len__").is_some()
                && vm.user_special(v, "__getitem__").is_some()
            {
                let n = vm.len(v)?;
                let mut items = Vec::with_capacity(n.min(4096));
                for i in (0..n).rev() {
                    items.push(vm.getitem(v, &Value::Int(i as i64))?);
                }
                let l = vm.new_list(items)?;
                return new_iter(
                    vm,
                    IterState::Seq {
                        seq: l,
                        idx: 0,
                        name: "reversed",
                    },
                );
            }
            Err(vm.type_error(format!("'{}' object is not reversible", vm.type_name(v))))
        }
    }
}

fn construct_range(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    no_kw(vm, &a, "range")?;
    let p = a.pos();
    let arg = |v: &Value| -> PyResult<i64> {
        match vm.index_of(v, "")? {
            Some(i) => Ok(i),
            None if is_int(v) => Err(vm.not_supported("range() bounds beyond 64 bits")),
            None => Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(v)
            ))),
        }
    };
    let (start, stop, step) = match p.len() {
        1 => (0, arg(&p[0])?, 1),
        2 => (arg(&p[0])?, arg(&p[1])?, 1),
        3 => (arg(&p[0])?, arg(&p[1])?, arg(&p[2])?),
        0 => return Err(vm.type_error("range expected at least 1 argument, got 0")),
        n => return Err(vm.type_error(format!("range expected at most 3 arguments, got {n}"))),
    };
    if step == 0 {
        return Err(vm.value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Obj(vm.alloc(ObjKind::Range(RangeObj {
        start,
        stop,
        step,
    }))?))
}

/// `int(x)` / `int(x, base)`.
fn construct_int(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut p: Vec<Value> = a.pos().to_vec();
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"base") if p.len() == 1 => p.push(v.clone()),
            _ => {
                return Err(vm.type_error(format!(
                    "int() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    if p.len() > 2 {
        return Err(vm.type_error(format!("int expected at most 2 arguments, got {}", p.len())));
    }
    let Some(x) = p.first() else {
        return Ok(Value::Int(0));
    };
    if let Some(b) = p.get(1) {
        let base = int_arg(vm, b)?;
        if base != 0 && !(2..=36).contains(&base) {
            return Err(vm.value_error("int() base must be >= 2 and <= 36, or 0"));
        }
        return match x.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Str(s)) => {
                parse_int(vm, &s.to_string_lossy(), base as u32, &vm.repr_string(x)?)
            }
            Some(ObjKind::Bytes(b)) => {
                let text = String::from_utf8_lossy(b).into_owned();
                parse_int(vm, &text, base as u32, &vm.repr_string(x)?)
            }
            _ => Err(vm.type_error("int() can't convert non-string with explicit base")),
        };
    }
    match x {
        Value::Int(_) => Ok(x.clone()),
        Value::Bool(b) => Ok(Value::Int(i64::from(*b))),
        Value::Float(f) => float_to_int(vm, *f),
        _ => match x.as_obj().map(|o| &o.kind) {
            Some(ObjKind::BigInt(_)) => Ok(x.clone()),
            Some(ObjKind::Str(s)) => parse_int(vm, &s.to_string_lossy(), 10, &vm.repr_string(x)?),
            Some(ObjKind::Bytes(b)) => {
                let text = String::from_utf8_lossy(b).into_owned();
                parse_int(vm, &text, 10, &vm.repr_string(x)?)
            }
            _ => {
                for name in ["__int__", "__index__", "__trunc__"] {
                    if let Some(f) = vm.user_special(x, name) {
                        let r = vm.call_special(&f, x, &[])?;
                        if !is_int(&r) {
                            return Err(vm.type_error(format!(
                                "{name} returned non-int (type {})",
                                vm.type_name(&r)
                            )));
                        }
                        return Ok(r);
                    }
                }
                Err(vm.type_error(format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    vm.type_name(x)
                )))
            }
        },
    }
}

/// `int(f)` for a float: truncation.
pub(crate) fn float_to_int(vm: &Vm, f: f64) -> PyResult<Value> {
    if f.is_nan() {
        return Err(vm.value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(vm.overflow_error("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Value::Int(t as i64));
    }
    let b = num_bigint::BigInt::from(t.to_i128().unwrap_or(0));
    if t.abs() < 1.0e38 {
        return vm.new_int(b);
    }
    // Exact conversion of a large float.
    let bits = t.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let m = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut v = num_bigint::BigInt::from(m) << (exp as usize);
    if t < 0.0 {
        v = -v;
    }
    vm.new_int(v)
}

/// `float(x)`.
pub(crate) fn to_float(vm: &Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Float(_) => Ok(v.clone()),
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Bool(b) => Ok(Value::Float(f64::from(u8::from(*b)))),
        _ => match v.as_obj().map(|o| &o.kind) {
            Some(ObjKind::BigInt(_)) => Ok(Value::Float(int_to_f64(vm, v)?)),
            Some(ObjKind::Str(s)) => parse_float(vm, &s.to_string_lossy(), v),
            Some(ObjKind::Bytes(b)) => parse_float(vm, &String::from_utf8_lossy(b), v),
            _ => {
                if let Some(f) = vm.user_special(v, "__float__") {
                    let r = vm.call_special(&f, v, &[])?;
                    if !matches!(r, Value::Float(_)) {
                        return Err(vm.type_error(format!(
                            "{}.__float__ returned non-float (type {})",
                            vm.type_name(v),
                            vm.type_name(&r)
                        )));
                    }
                    return Ok(r);
                }
                if let Some(f) = vm.user_special(v, "__index__") {
                    let r = vm.call_special(&f, v, &[])?;
                    return Ok(Value::Float(int_to_f64(vm, &r)?));
                }
                Err(vm.type_error(format!(
                    "float() argument must be a string or a real number, not '{}'",
                    vm.type_name(v)
                )))
            }
        },
    }
}

/// Parses a float literal as `float(str)` does (whitespace, sign,
/// `inf`/`nan`, underscores between digits).
fn parse_float(vm: &Vm, text: &str, orig: &Value) -> PyResult<Value> {
    let bad = || -> PyErr {
        match vm.repr_string(orig) {
            Ok(r) => vm.value_error(format!("could not convert string to float: {r}")),
            Err(e) => e,
        }
    };
    let text = crate::vm::unicode_classes::ascii_digits(text);
    let s = text.trim_matches(|c: char| c.is_whitespace());
    if s.is_empty() {
        return Err(bad());
    }
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let ok =
                i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit();
            if !ok {
                return Err(bad());
            }
        }
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    let body = cleaned.trim_start_matches(['+', '-']);
    if cleaned.len() - body.len() > 1 {
        return Err(bad());
    }
    let lower = body.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !special
        && !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return Err(bad());
    }
    cleaned.parse::<f64>().map(Value::Float).map_err(|_| bad())
}

fn construct_str(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let mut obj = p.first().cloned();
    let mut encoding = p.get(1).cloned();
    let mut errors = p.get(2).cloned();
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"object") => obj = Some(v.clone()),
            Some(b"encoding") => encoding = Some(v.clone()),
            Some(b"errors") => errors = Some(v.clone()),
            _ => {
                return Err(vm.type_error(format!(
                    "str() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    if p.len() > 3 {
        return Err(vm.type_error(format!("str expected at most 3 arguments, got {}", p.len())));
    }
    let Some(obj) = obj else {
        return vm.new_str("");
    };
    if encoding.is_none() && errors.is_none() {
        return vm.str_(&obj);
    }
    codec_args_are_str(vm, "str", &encoding, &errors)?;
    match obj.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Bytes(_)) => {
            let enc = encoding.unwrap_or(vm.new_str("utf-8")?);
            let err = errors.unwrap_or(vm.new_str("strict")?);
            vm.call_native(super::strs::b_decode, &[obj, enc, err])
        }
        Some(ObjKind::Str(_)) => Err(vm.type_error("decoding str is not supported")),
        _ => Err(vm.type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            vm.type_name(&obj)
        ))),
    }
}

/// `str()`'s and `bytes()`'s check that `encoding` and `errors`, when
/// given, are strs.
fn codec_args_are_str(
    vm: &Vm,
    func: &str,
    encoding: &Option<Value>,
    errors: &Option<Value>,
) -> PyResult<()> {
    for (what, v) in [("encoding", encoding), ("errors", errors)] {
        if let Some(v) = v
            && v.as_str().is_none()
        {
            return Err(vm.type_error(format!(
                "{func}() argument '{what}' must be str, not {}",
                vm.type_name(v)
            )));
        }
    }
    Ok(())
}

fn construct_bytes(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let src = p.first().cloned().or_else(|| a.kwarg("source").cloned());
    let enc = p.get(1).cloned().or_else(|| a.kwarg("encoding").cloned());
    let errors = p.get(2).cloned().or_else(|| a.kwarg("errors").cloned());
    codec_args_are_str(vm, "bytes", &enc, &errors)?;
    let Some(src) = src else {
        return vm.new_bytes(b"");
    };
    if let Some(ObjKind::Str(_)) = src.as_obj().map(|o| &o.kind) {
        let Some(enc) = enc else {
            return Err(vm.type_error("string argument without an encoding"));
        };
        let err = errors.unwrap_or(vm.new_str("strict")?);
        return vm.call_native(super::strs::s_encode, &[src, enc, err]);
    }
    if enc.is_some() {
        return Err(vm.type_error("encoding without a string argument"));
    }
    // A count: any int, bool included (a bool is one).
    let count = match &src {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Int(n) => Some(*n),
        v if crate::vm::int::is_int(v) => {
            return Err(vm.overflow_error("cannot fit 'int' into an index-sized integer"));
        }
        _ => None,
    };
    match (&src, count) {
        (_, Some(n)) => {
            if n < 0 {
                return Err(vm.value_error("negative count"));
            }
            let Some(n) = super::super::ops::ssize(n) else {
                return Err(vm.overflow_error("cannot fit 'int' into an index-sized integer"));
            };
            if n > (1 << 31) {
                return Err(vm.memory_error());
            }
            let mut zeros = Vec::new();
            if zeros.try_reserve_exact(n).is_err() {
                return Err(vm.memory_error());
            }
            zeros.resize(n, 0u8);
            return vm.new_bytes(&zeros);
        }
        (Value::Obj(o), _) if matches!(o.kind, ObjKind::Bytes(_)) => return Ok(src.clone()),
        _ => {}
    }
    let items = match vm.to_vec(&src) {
        Ok(v) => v,
        Err(e) if vm.exc_matches(&e, "TypeError") => {
            return Err(vm.type_error(format!(
                "cannot convert '{}' object to bytes",
                vm.type_name(&src)
            )));
        }
        Err(e) => return Err(e),
    };
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        let i = match vm.index_of(x, "")? {
            Some(i) => i,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name(x)
                )));
            }
        };
        if !(0..256).contains(&i) {
            return Err(vm.value_error("bytes must be in range(0, 256)"));
        }
        out.push(i as u8);
    }
    vm.new_bytes(&out)
}

// ---- object -------------------------------------------------------------------------

fn obj_init(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.is_empty() {
        return Err(vm.type_error("descriptor '__init__' of 'object' object needs an argument"));
    }
    if p.len() > 1 || !a.no_kw() {
        // Extra arguments are an error unless the class customizes __new__.
        let t = vm.type_of(&p[0]);
        let custom_new = vm
            .lookup_type(&t, &vm.names.new)
            .is_some_and(|n| !matches!(&n, Value::Obj(o) if matches!(o.kind, ObjKind::Builtin(_))));
        if !custom_new {
            return Err(vm.type_error(
                "object.__init__() takes exactly one argument (the instance to initialize)",
            ));
        }
    }
    Ok(Value::None)
}

fn obj_new(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let Some(cls) = p.first() else {
        return Err(vm.type_error("object.__new__(): not enough arguments"));
    };
    match cls.as_obj() {
        Some(c) if as_type(c).is_some() => {
            let t = as_type(c).expect("type");
            if t.builtin && t.kind_tag != "object" {
                return Err(vm.type_error(format!(
                    "object.__new__({}) is not safe, use {}.__new__()",
                    t.name, t.name
                )));
            }
            if t.layout == crate::vm::typeobj::Layout::Exception {
                return Ok(Value::Obj(vm.new_exception(c, p[1..].to_vec())?));
            }
            vm.new_instance(c)
        }
        _ => Err(vm.type_error(format!(
            "object.__new__(X): X is not a type object ({})",
            vm.type_name(cls)
        ))),
    }
}

fn obj_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__repr__", &a, 0, 0)?;
    vm.new_str(&vm.default_repr(&p[0]))
}

fn obj_str(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__str__", &a, 0, 0)?;
    vm.repr(&p[0])
}

fn obj_eq(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__eq__", &a, 1, 1)?;
    Ok(if p[0].is(&p[1]) {
        Value::Bool(true)
    } else {
        vm.none_like.not_implemented.clone()
    })
}

fn obj_ne(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__ne__", &a, 1, 1)?;
    let eq = match vm.user_special(&p[0], "__eq__") {
        Some(f) => vm.call_special(&f, &p[0], std::slice::from_ref(&p[1]))?,
        None => {
            if p[0].is(&p[1]) {
                Value::Bool(true)
            } else {
                vm.none_like.not_implemented.clone()
            }
        }
    };
    if crate::vm::ops::is_not_implemented(&eq) {
        return Ok(eq);
    }
    Ok(Value::Bool(!vm.truthy(&eq)?))
}

fn obj_not_implemented(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    meth_args(vm, "__lt__", &a, 1, 1)?;
    Ok(vm.none_like.not_implemented.clone())
}

fn obj_hash(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__hash__", &a, 0, 0)?;
    let ptr = match &p[0] {
        Value::Obj(o) => o.as_ptr() as usize,
        _ => return Ok(Value::Int(vm.hash(&p[0])?)),
    };
    Ok(Value::Int(crate::vm::hash::hash_pointer(ptr)))
}

fn obj_format(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__format__", &a, 1, 1)?;
    let spec = match p[1].as_str() {
        Some(s) => s.to_string_lossy().into_owned(),
        None => {
            return Err(vm.type_error(format!(
                "__format__() argument must be str, not {}",
                vm.type_name(&p[1])
            )));
        }
    };
    if !spec.is_empty() {
        return Err(vm.type_error(format!(
            "unsupported format string passed to {}.__format__",
            vm.type_name(&p[0])
        )));
    }
    vm.str_(&p[0])
}

fn obj_setattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__setattr__", &a, 2, 2)?;
    match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Instance(_)) => {
            super::attr_name(vm, &p[1], "")?;
            vm.generic_setattr(&p[0], &p[1], p[2].clone())?;
            Ok(Value::None)
        }
        _ => {
            vm.setattr(&p[0], &p[1], p[2].clone())?;
            Ok(Value::None)
        }
    }
}

fn obj_getattribute(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__getattribute__", &a, 1, 1)?;
    super::attr_name(vm, &p[1], "")?;
    match vm.generic_getattr(&p[0], &p[1], false)? {
        Some(v) => Ok(v),
        None => Err(vm.no_attribute(&p[0], &p[1])),
    }
}

fn obj_delattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__delattr__", &a, 1, 1)?;
    match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Instance(_)) => {
            super::attr_name(vm, &p[1], "")?;
            vm.generic_delattr(&p[0], &p[1])?;
            Ok(Value::None)
        }
        _ => {
            vm.delattr(&p[0], &p[1])?;
            Ok(Value::None)
        }
    }
}

fn obj_init_subclass(_vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    Ok(Value::None)
}

fn obj_dir(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__dir__", &a, 0, 0)?;
    vm.call_native(super::bi_dir, &p[..1])
}

/// Methods of `object`.
pub(crate) const OBJECT_METHODS: &[(&str, NativeFn)] = &[
    ("__init__", obj_init),
    ("__new__", obj_new),
    ("__repr__", obj_repr),
    ("__str__", obj_str),
    ("__eq__", obj_eq),
    ("__ne__", obj_ne),
    ("__lt__", obj_not_implemented),
    ("__le__", obj_not_implemented),
    ("__gt__", obj_not_implemented),
    ("__ge__", obj_not_implemented),
    ("__hash__", obj_hash),
    ("__format__", obj_format),
    ("__setattr__", obj_setattr),
    ("__getattribute__", obj_getattribute),
    ("__delattr__", obj_delattr),
    ("__init_subclass__", obj_init_subclass),
    ("__dir__", obj_dir),
];

// ---- type --------------------------------------------------------------------------

fn type_mro(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "mro", &a, 0, 0)?;
    match p[0].as_obj().and_then(|o| as_type(o)) {
        Some(t) => vm.new_list(t.mro().into_iter().map(Value::Obj).collect()),
        None => Err(vm.type_error("descriptor 'mro' requires a 'type' object")),
    }
}

fn type_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__repr__", &a, 0, 0)?;
    vm.repr(&p[0])
}

/// Methods of `type`.
pub(crate) const TYPE_METHODS: &[(&str, NativeFn)] = &[("mro", type_mro), ("__repr__", type_repr)];

// ---- BaseException -----------------------------------------------------------------------

fn exc_this<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a crate::vm::exc::ExcObj> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Exception(e)) => Ok(e),
        _ => Err(vm.type_error(format!(
            "descriptor requires a 'BaseException' object but received a '{}'",
            vm.type_name(v)
        ))),
    }
}

fn exc_init(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let Some(this) = p.first() else {
        return Err(vm.type_error("BaseException.__init__ needs an argument"));
    };
    let e = exc_this(vm, this)?;
    if !a.no_kw() {
        return Err(vm.type_error(format!(
            "{}() takes no keyword arguments",
            vm.type_name(this)
        )));
    }
    *e.args.borrow_mut() = vm.tuple_from(&p[1..])?;
    if let Some(o) = this.as_obj() {
        crate::vm::exc_support::init_special(vm, o)?;
    }
    Ok(Value::None)
}

fn exc_str_m(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__str__", &a, 0, 0)?;
    let e = exc_this(vm, &p[0])?;
    crate::vm::exc_support::exc_str(vm, p[0].as_obj().expect("exception"), e)
}

fn exc_repr_m(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__repr__", &a, 0, 0)?;
    exc_this(vm, &p[0])?;
    vm.repr(&p[0])
}

fn exc_with_traceback(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "with_traceback", &a, 1, 1)?;
    let e = exc_this(vm, &p[0])?;
    crate::vm::exc_support::set_traceback(vm, e, &p[1])?;
    Ok(p[0].clone())
}

fn exc_add_note(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "add_note", &a, 1, 1)?;
    let e = exc_this(vm, &p[0])?;
    if p[1].as_str().is_none() {
        return Err(vm.type_error(format!("note must be a str, not '{}'", vm.type_name(&p[1]))));
    }
    let notes = match vm.dict_get_str(&e.dict, "__notes__") {
        Some(n) => n,
        None => {
            let l = vm.new_list(Vec::new())?;
            vm.dict_set_str(&e.dict, "__notes__", l.clone())?;
            l
        }
    };
    match notes.as_obj().map(|o| &o.kind) {
        Some(ObjKind::List(l)) => l.borrow_mut().push(p[1].clone()),
        _ => return Err(vm.type_error("Cannot add note: __notes__ is not a list")),
    }
    Ok(Value::None)
}

/// Methods of `BaseException`.
pub(crate) const BASE_EXCEPTION_METHODS: &[(&str, NativeFn)] = &[
    ("__init__", exc_init),
    ("__str__", exc_str_m),
    ("__repr__", exc_repr_m),
    ("with_traceback", exc_with_traceback),
    ("add_note", exc_add_note),
];

// ---- generators ------------------------------------------------------------------------

fn gen_this<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a ObjRef> {
    match v.as_obj() {
        Some(o) if matches!(o.kind, ObjKind::Generator(_)) => Ok(o),
        _ => Err(vm.type_error(format!(
            "descriptor requires a 'generator' object but received a '{}'",
            vm.type_name(v)
        ))),
    }
}

fn gen_send(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "send", &a, 1, 1)?;
    let g = gen_this(vm, &p[0])?;
    crate::vm::gen_support::send(vm, g, p[1].clone())
}

fn gen_throw(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "throw", &a, 1, 3)?;
    let g = gen_this(vm, &p[0])?;
    let exc = if p.len() >= 3 && !p[2].is_none() {
        // throw(type, value): a value instance, or type(value).
        if matches!(p[2].as_obj().map(|o| &o.kind), Some(ObjKind::Exception(_))) {
            p[2].clone()
        } else {
            vm.call(&p[1], Args::positional(&p[2..3]))?
        }
    } else {
        p[1].clone()
    };
    let err = crate::vm::exc_support::make_raisable(vm, exc, None, &Value::None)?;
    crate::vm::gen_support::throw(vm, g, err)
}

fn gen_close(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "close", &a, 0, 0)?;
    let g = gen_this(vm, &p[0])?;
    crate::vm::gen_support::close(vm, g)
}

fn gen_iter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__iter__", &a, 0, 0)?;
    Ok(p[0].clone())
}

fn gen_next_m(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__next__", &a, 0, 0)?;
    let g = gen_this(vm, &p[0])?;
    match crate::vm::gen_support::resume_nested(vm, g, Value::None, None)? {
        Some(v) => Ok(v),
        None => Err(crate::vm::gen_support::stop_iteration(vm, Value::None)?),
    }
}

/// Methods of generators.
pub(crate) const GENERATOR_METHODS: &[(&str, NativeFn)] = &[
    ("send", gen_send),
    ("throw", gen_throw),
    ("close", gen_close),
    ("__iter__", gen_iter),
    ("__next__", gen_next_m),
];

// ---- property ----------------------------------------------------------------------------

fn prop_this<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a [Value; 3]> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Property(p)) => Ok(p),
        _ => Err(vm.type_error("descriptor requires a 'property' object")),
    }
}

fn prop_with(vm: &Vm, a: Args<'_>, name: &str, which: usize) -> PyResult<Value> {
    let p = meth_args(vm, name, &a, 1, 1)?;
    let mut f = prop_this(vm, &p[0])?.clone();
    f[which] = p[1].clone();
    Ok(Value::Obj(vm.alloc(ObjKind::Property(Box::new(f)))?))
}

fn prop_getter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    prop_with(vm, a, "getter", 0)
}

fn prop_setter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    prop_with(vm, a, "setter", 1)
}

fn prop_deleter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    prop_with(vm, a, "deleter", 2)
}

fn prop_get(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__get__", &a, 1, 2)?;
    let f = prop_this(vm, &p[0])?;
    if p[1].is_none() {
        return Ok(p[0].clone());
    }
    if f[0].is_none() {
        return Err(vm.new_error("AttributeError", "property has no getter"));
    }
    vm.call(&f[0], Args::positional(&p[1..2]))
}

fn prop_set(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__set__", &a, 2, 2)?;
    let f = prop_this(vm, &p[0])?;
    if f[1].is_none() {
        return Err(vm.new_error("AttributeError", "property has no setter"));
    }
    vm.call(&f[1], Args::positional(&p[1..3]))
}

/// Methods of `property`.
pub(crate) const PROPERTY_METHODS: &[(&str, NativeFn)] = &[
    ("getter", prop_getter),
    ("setter", prop_setter),
    ("deleter", prop_deleter),
    ("__get__", prop_get),
    ("__set__", prop_set),
];
