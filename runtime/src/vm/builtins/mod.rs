//! The `builtins` module: functions, and the methods of builtin types
//! (Python/bltinmodule.c and the Objects/ files), with CPython's argument
//! errors.

/// Native functions, each a one-line call of a shared implementation:
/// `name => |vm, a| body;` defines `fn name(vm, a: Args) -> PyResult<Value>`.
macro_rules! native_fns {
    ($($name:ident => $body:expr;)*) => {
        $(fn $name(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
            #[allow(clippy::redundant_closure_call)]
            ($body)(vm, &a)
        })*
    };
}

mod containers;
pub(crate) use containers::list_append;
mod nums;
pub(crate) mod opmethods;
mod strs;
mod types;

use std::cell::RefCell;

use num_traits::{Signed, ToPrimitive, Zero};

use super::func::{Args, NativeFn};
use super::int::{is_int, to_bigint};
use super::iter::IterState;
use super::object::{ObjKind, ObjRef, Value};
use super::ops::new_iter;
use super::state::{MethodTable, PyResult, Vm};
use super::typeobj::{as_type, is_subtype};

pub(crate) use containers::{Update, dict_copy, dict_update_from, merge_sort, set_binop};
pub(crate) use nums::round_value;
pub(crate) use strs::{ascii_of, bytes_of, format_value, percent_format, str_find};
pub(crate) use types::{construct_builtin, float_to_int};

pub(crate) use containers::{
    DICT_METHODS, DICTVIEW_METHODS, FROZENSET_METHODS, LIST_METHODS, RANGE_METHODS, SET_METHODS,
    TUPLE_METHODS,
};
pub(crate) use nums::{FLOAT_METHODS, INT_METHODS};
pub(crate) use strs::{BYTES_METHODS, STR_METHODS};
pub(crate) use types::{
    BASE_EXCEPTION_METHODS, GENERATOR_METHODS, OBJECT_METHODS, PROPERTY_METHODS, TYPE_METHODS,
};

/// Positional arguments only, `min..=max` of them (CPython's messages).
pub(crate) fn pos_args<'a>(
    vm: &Vm,
    name: &str,
    a: &Args<'a>,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if !a.no_kw() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let p = a.pos();
    if p.len() < min || p.len() > max {
        if min == max && min == 1 {
            return Err(vm.type_error(format!(
                "{name}() takes exactly one argument ({} given)",
                p.len()
            )));
        }
        if min == max && min == 0 {
            return Err(vm.type_error(format!("{name}() takes no arguments ({} given)", p.len())));
        }
        if p.len() < min {
            return Err(vm.type_error(format!(
                "{name} expected {}{min} argument{}, got {}",
                if min == max { "" } else { "at least " },
                if min == 1 { "" } else { "s" },
                p.len()
            )));
        }
        return Err(vm.type_error(format!(
            "{name} expected {}{max} argument{}, got {}",
            if min == max { "" } else { "at most " },
            if max == 1 { "" } else { "s" },
            p.len()
        )));
    }
    Ok(p)
}

/// Method arguments: `self` plus `min..=max` positional ones.
pub(crate) fn meth_args<'a>(
    vm: &Vm,
    name: &str,
    a: &Args<'a>,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if !a.no_kw() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let p = a.pos();
    let n = p.len().saturating_sub(1);
    if n < min || n > max {
        if min == max && is_slot_wrapper(name) {
            return Err(vm.type_error(format!(
                "expected {min} argument{}, got {n}",
                if min == 1 { "" } else { "s" }
            )));
        }
        // CPython's METH_NOARGS and METH_O methods name their type.
        let qualified = || match p.first().map(|s| vm.type_name(s)).as_deref() {
            // bool's methods are int's.
            Some("bool") => format!("int.{name}"),
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        };
        if min == max && min == 0 {
            return Err(vm.type_error(format!("{}() takes no arguments ({n} given)", qualified())));
        }
        if min == max && min == 1 {
            return Err(vm.type_error(format!(
                "{}() takes exactly one argument ({n} given)",
                qualified()
            )));
        }
        if n < min {
            return Err(vm.type_error(format!(
                "{name} expected {}{min} argument{}, got {n}",
                if min == max { "" } else { "at least " },
                if min == 1 { "" } else { "s" }
            )));
        }
        return Err(vm.type_error(format!(
            "{name} expected {}{max} argument{}, got {n}",
            if min == max { "" } else { "at most " },
            if max == 1 { "" } else { "s" }
        )));
    }
    Ok(p)
}

/// Whether CPython implements the builtin types' method `name` as a
/// slot wrapper (`int.__add__`, `list.__len__`, …: their argument errors
/// read "expected 1 argument, got 0") rather than as a method (`__format__`,
/// `__round__`, `__reversed__`, …: "int.__round__() takes …").
fn is_slot_wrapper(name: &str) -> bool {
    name.len() > 4
        && name.starts_with("__")
        && name.ends_with("__")
        && !matches!(
            name,
            "__format__"
                | "__round__"
                | "__trunc__"
                | "__floor__"
                | "__ceil__"
                | "__reduce__"
                | "__reduce_ex__"
                | "__sizeof__"
                | "__getnewargs__"
                | "__getstate__"
                | "__setstate__"
                | "__dir__"
                | "__reversed__"
                | "__class_getitem__"
                | "__init_subclass__"
                | "__subclasshook__"
                | "__copy__"
                | "__deepcopy__"
                | "__length_hint__"
                | "__enter__"
                | "__exit__"
                | "__missing__"
        )
}

/// An int argument as a `Py_ssize_t` (TypeError with CPython's wording
/// otherwise; OverflowError beyond `sys.maxsize`, which is 2**31 - 1 on
/// wasm32).
pub(crate) fn int_arg(vm: &Vm, v: &Value) -> PyResult<i64> {
    match vm.index_of(v, "")? {
        Some(i) if isize::try_from(i).is_ok() => Ok(i),
        Some(_) => Err(vm.overflow_error("Python int too large to convert to C ssize_t")),
        None => {
            if is_int(v) {
                return Err(vm.overflow_error("Python int too large to convert to C ssize_t"));
            }
            Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(v)
            )))
        }
    }
}

/// Registers builtin functions into the builtins dict.
pub(crate) fn install(vm: &Vm, d: &ObjRef) -> PyResult<()> {
    let fns: &[(&'static str, NativeFn)] = &[
        ("print", bi_print),
        ("len", bi_len),
        ("repr", bi_repr),
        ("ascii", bi_ascii),
        ("abs", bi_abs),
        ("all", bi_all),
        ("any", bi_any),
        ("sum", bi_sum),
        ("min", bi_min),
        ("max", bi_max),
        ("sorted", bi_sorted),
        ("isinstance", bi_isinstance),
        ("issubclass", bi_issubclass),
        ("hasattr", bi_hasattr),
        ("getattr", bi_getattr),
        ("setattr", bi_setattr),
        ("delattr", bi_delattr),
        ("id", bi_id),
        ("hash", bi_hash),
        ("iter", bi_iter),
        ("next", bi_next),
        ("callable", bi_callable),
        ("chr", bi_chr),
        ("ord", bi_ord),
        ("hex", bi_hex),
        ("oct", bi_oct),
        ("bin", bi_bin),
        ("divmod", bi_divmod),
        ("pow", bi_pow),
        ("round", bi_round),
        ("format", bi_format),
        ("globals", bi_globals),
        ("locals", bi_locals),
        ("vars", bi_vars),
        ("dir", bi_dir),
        ("exec", bi_exec),
        ("compile", bi_compile),
        ("eval", bi_eval),
        ("input", bi_input),
        ("open", bi_open),
        ("__import__", bi_import),
        ("exit", bi_exit),
        ("quit", bi_exit),
    ];
    for (name, f) in fns {
        vm.dict_set_str(d, name, vm.new_builtin(name, "builtins", *f)?)?;
    }
    let t = &vm.types;
    for (name, ty) in [
        ("object", &t.object),
        ("type", &t.type_),
        ("bool", &t.bool_),
        ("int", &t.int),
        ("float", &t.float),
        ("str", &t.str_),
        ("bytes", &t.bytes),
        ("tuple", &t.tuple),
        ("list", &t.list),
        ("dict", &t.dict),
        ("set", &t.set),
        ("frozenset", &t.frozenset),
        ("range", &t.range),
        ("slice", &t.slice),
        ("property", &t.property),
        ("staticmethod", &t.staticmethod),
        ("classmethod", &t.classmethod),
        ("super", &t.super_),
        ("enumerate", &t.enumerate),
        ("zip", &t.zip),
        ("map", &t.map),
        ("filter", &t.filter),
        ("reversed", &t.reversed),
    ] {
        vm.dict_set_str(d, name, Value::Obj(ty.clone()))?;
    }
    vm.dict_set_str(d, "None", Value::None)?;
    vm.dict_set_str(d, "True", Value::Bool(true))?;
    vm.dict_set_str(d, "False", Value::Bool(false))?;
    vm.dict_set_str(d, "NotImplemented", vm.none_like.not_implemented.clone())?;
    vm.dict_set_str(d, "Ellipsis", vm.none_like.ellipsis.clone())?;
    vm.dict_set_str(d, "__debug__", Value::Bool(vm.optimize.get() == 0))?;
    for (name, cls) in vm.exc_types() {
        vm.dict_set_str(d, &name, Value::Obj(cls))?;
    }
    for alias in ["EnvironmentError", "IOError"] {
        vm.dict_set_str(d, alias, Value::Obj(vm.exc_type("OSError")))?;
    }
    Ok(())
}

/// Methods shared by builtin iterators.
pub(crate) fn iter_methods() -> MethodTable {
    &[
        ("__iter__", iter_iter),
        ("__next__", iter_next),
        ("__length_hint__", iter_length_hint),
    ]
}

fn iter_iter(_vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(a.all[0].clone())
}

fn iter_next(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    match vm.next(&a.all[0])? {
        Some(v) => Ok(v),
        None => Err(super::gen_support::stop_iteration(vm, Value::None)?),
    }
}

fn iter_length_hint(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    if let Some(ObjKind::Iter(st)) = a.all[0].as_obj().map(|o| &o.kind)
        && let IterState::Range { left, .. } = &*st.borrow()
    {
        return Ok(Value::Int(*left));
    }
    let _ = vm;
    Ok(Value::Int(0))
}

// ---- I/O ------------------------------------------------------------------------

fn bi_print(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut sep = None;
    let mut end = None;
    let mut file = Value::None;
    let mut flush = false;
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"sep") => sep = Some(v.clone()),
            Some(b"end") => end = Some(v.clone()),
            Some(b"file") => file = v.clone(),
            Some(b"flush") => flush = vm.truthy(v)?,
            _ => {
                return Err(vm.type_error(format!(
                    "print() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    let check = |v: &Option<Value>, what: &str| -> PyResult<Option<String>> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(x) => match x.as_str() {
                Some(s) => Ok(Some(s.to_string_lossy().into_owned())),
                None => Err(vm.type_error(format!(
                    "{what} must be None or a string, not {}",
                    vm.type_name(x)
                ))),
            },
        }
    };
    let sep_s = check(&sep, "sep")?.unwrap_or_else(|| " ".into());
    let end_s = check(&end, "end")?.unwrap_or_else(|| "\n".into());
    let file = if file.is_none() {
        match vm.sys.borrow().clone() {
            Some(s) => vm.getattr(&Value::Obj(s), &vm.new_str("stdout")?)?,
            None => Value::None,
        }
    } else {
        file
    };
    if file.is_none() {
        return Ok(Value::None);
    }
    let write = vm.getattr(&file, &vm.new_str("write")?)?;
    // Build the text as generalized UTF-8 (surrogates survive).
    let mut text: Vec<u8> = Vec::new();
    for (i, x) in a.pos().iter().enumerate() {
        if i > 0 {
            text.extend_from_slice(sep_s.as_bytes());
        }
        let s = vm.str_(x)?;
        if let Some(ps) = s.as_str() {
            text.extend_from_slice(ps.as_bytes());
        }
    }
    text.extend_from_slice(end_s.as_bytes());
    vm.call(&write, Args::positional(&[vm.new_str_bytes(&text)?]))?;
    if flush {
        let f = vm.getattr(&file, &vm.new_str("flush")?)?;
        vm.call(&f, Args::positional(&[]))?;
    }
    Ok(Value::None)
}

fn bi_input(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "input", &a, 0, 1)?;
    if let Some(prompt) = p.first() {
        let s = vm.str_(prompt)?;
        let out = vm.getattr(
            &Value::Obj(
                vm.sys
                    .borrow()
                    .clone()
                    .ok_or_else(|| vm.runtime_error("lost sys"))?,
            ),
            &vm.new_str("stdout")?,
        )?;
        let w = vm.getattr(&out, &vm.new_str("write")?)?;
        vm.call(&w, Args::positional(&[s]))?;
        let f = vm.getattr(&out, &vm.new_str("flush")?)?;
        vm.call(&f, Args::positional(&[]))?;
    }
    let line = super::io::read_line(vm)?;
    if line.is_empty() {
        return Err(vm.new_error("EOFError", "EOF when reading a line"));
    }
    vm.new_str(line.strip_suffix('\n').unwrap_or(&line))
}

fn bi_open(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    Err(vm.not_supported("open() (file objects)"))
}

fn bi_exit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let cls = vm.exc_type("SystemExit");
    Err(super::state::PyErr(
        vm.new_exception(&cls, a.pos().to_vec())?,
    ))
}

/// The interactive display hook (`sys.displayhook`).
pub(crate) fn display_hook(vm: &Vm, v: &Value) -> PyResult<()> {
    if v.is_none() {
        return Ok(());
    }
    let r = vm.repr(v)?;
    let out = vm.getattr(
        &Value::Obj(
            vm.sys
                .borrow()
                .clone()
                .ok_or_else(|| vm.runtime_error("lost sys"))?,
        ),
        &vm.new_str("stdout")?,
    )?;
    let w = vm.getattr(&out, &vm.new_str("write")?)?;
    vm.call(&w, Args::positional(&[r]))?;
    vm.call(&w, Args::positional(&[vm.new_str("\n")?]))?;
    vm.dict_set_str(&vm.builtins_dict, "_", v.clone())?;
    Ok(())
}

// ---- basic functions --------------------------------------------------------------

pub(crate) fn bi_len(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "len", &a, 1, 1)?;
    Ok(Value::Int(vm.len(&p[0])? as i64))
}

fn bi_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "repr", &a, 1, 1)?;
    vm.repr(&p[0])
}

fn bi_ascii(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "ascii", &a, 1, 1)?;
    ascii_of(vm, &p[0])
}

fn bi_abs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "abs", &a, 1, 1)?;
    match &p[0] {
        Value::Int(i) => match i.checked_abs() {
            Some(v) => Ok(Value::Int(v)),
            None => vm.new_int(num_bigint::BigInt::from(*i).abs()),
        },
        Value::Bool(b) => Ok(Value::Int(i64::from(*b))),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v if is_int(v) => vm.new_int(to_bigint(v).unwrap_or_default().abs()),
        v => match vm.user_special(v, "__abs__") {
            Some(f) => vm.call_special(&f, v, &[]),
            None => {
                Err(vm.type_error(format!("bad operand type for abs(): '{}'", vm.type_name(v))))
            }
        },
    }
}

fn bi_all(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "all", &a, 1, 1)?;
    let it = vm.iter(&p[0])?;
    while let Some(x) = vm.next(&it)? {
        if !vm.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn bi_any(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "any", &a, 1, 1)?;
    let it = vm.iter(&p[0])?;
    while let Some(x) = vm.next(&it)? {
        if vm.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn bi_sum(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut start = Value::Int(0);
    let p = a.pos();
    if p.is_empty() || p.len() > 2 {
        return Err(vm
            .type_error(format!(
                "sum() takes at most 2 arguments ({} given)",
                a.all.len()
            ))
            .clone())
        .map_err(|e| {
            if p.is_empty() {
                vm.type_error("sum() takes at least 1 positional argument (0 given)")
            } else {
                e
            }
        });
    }
    if p.len() == 2 {
        start = p[1].clone();
    }
    if let Some(s) = a.kwarg("start") {
        start = s.clone();
    }
    // The iterable first, then the start (CPython's order of checks).
    let it = vm.iter(&p[0])?;
    if start.as_str().is_some() {
        return Err(vm.type_error("sum() can't sum strings [use ''.join(seq) instead]"));
    }
    if matches!(start.as_obj().map(|o| &o.kind), Some(ObjKind::Bytes(_))) {
        return Err(vm.type_error("sum() can't sum bytes [use b''.join(seq) instead]"));
    }
    let mut acc = start;
    // Float sums use compensated (Neumaier) summation as CPython 3.12+.
    let mut fsum: Option<(f64, f64)> = None;
    while let Some(x) = vm.next(&it)? {
        if let (Value::Float(s), Value::Float(y)) = (&acc, &x) {
            let (sum, comp) = fsum.unwrap_or((*s, 0.0));
            let t = sum + y;
            let c = if sum.abs() >= y.abs() {
                comp + ((sum - t) + y)
            } else {
                comp + ((y - t) + sum)
            };
            fsum = Some((t, c));
            acc = Value::Float(t);
            continue;
        }
        if let (Value::Float(_), Value::Int(i)) = (&acc, &x) {
            let (sum, comp) = fsum.unwrap_or((0.0, 0.0));
            let y = *i as f64;
            let base = match acc {
                Value::Float(s) if fsum.is_none() => s,
                _ => sum,
            };
            let t = base + y;
            let c = if base.abs() >= y.abs() {
                comp + ((base - t) + y)
            } else {
                comp + ((y - t) + base)
            };
            fsum = Some((t, c));
            acc = Value::Float(t);
            continue;
        }
        if let Some((s, c)) = fsum.take() {
            acc = Value::Float(s + c);
        }
        acc = vm.binary_op(&acc, &x, super::code::BinKind::Add, false)?;
    }
    if let Some((s, c)) = fsum {
        acc = Value::Float(s + c);
    }
    Ok(acc)
}

fn minmax(vm: &Vm, a: Args<'_>, is_min: bool) -> PyResult<Value> {
    let name = if is_min { "min" } else { "max" };
    let mut key = Value::None;
    let mut default = None;
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"key") => key = v.clone(),
            Some(b"default") => default = Some(v.clone()),
            _ => {
                return Err(vm.type_error(format!(
                    "{name}() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    let p = a.pos();
    if p.is_empty() {
        return Err(vm.type_error(format!("{name} expected at least 1 argument, got 0")));
    }
    let items: Vec<Value> = if p.len() == 1 {
        vm.to_vec(&p[0])?
    } else {
        if default.is_some() {
            return Err(vm.type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )));
        }
        p.to_vec()
    };
    if items.is_empty() {
        return match default {
            Some(d) => Ok(d),
            None => Err(vm.value_error(format!("{name}() iterable argument is empty"))),
        };
    }
    let mut best = items[0].clone();
    let mut best_key = if key.is_none() {
        best.clone()
    } else {
        vm.call(&key, Args::positional(std::slice::from_ref(&best)))?
    };
    for x in items.into_iter().skip(1) {
        let k = if key.is_none() {
            x.clone()
        } else {
            vm.call(&key, Args::positional(std::slice::from_ref(&x)))?
        };
        let op = if is_min {
            super::code::CmpKind::Lt
        } else {
            super::code::CmpKind::Gt
        };
        let better = vm.compare(&k, &best_key, op)?;
        if vm.truthy(&better)? {
            best = x;
            best_key = k;
        }
    }
    Ok(best)
}

fn bi_min(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    minmax(vm, a, true)
}

fn bi_max(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    minmax(vm, a, false)
}

fn bi_sorted(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 1 {
        return Err(vm.type_error(format!("sorted expected 1 argument, got {}", p.len())));
    }
    let items = vm.to_vec(&p[0])?;
    let l = vm.new_list(items)?;
    let mut margs = vec![l.clone()];
    margs.extend_from_slice(&a.all[1..]);
    containers::list_sort(
        vm,
        Args {
            all: &margs,
            kwnames: a.kwnames,
        },
    )?;
    Ok(l)
}

fn class_check(vm: &Vm, cls: &Value, what: &str, v: &Value, sub: bool) -> PyResult<bool> {
    match cls {
        Value::Obj(o) if as_type(o).is_some() => {
            if sub {
                match v {
                    Value::Obj(t) if as_type(t).is_some() => Ok(is_subtype(t, o)),
                    _ => Err(vm.type_error("issubclass() arg 1 must be a class")),
                }
            } else {
                Ok(vm.isinstance(v, o))
            }
        }
        Value::Obj(o) if matches!(o.kind, ObjKind::Tuple(_)) => {
            let ObjKind::Tuple(items) = &o.kind else {
                unreachable!()
            };
            for c in items.iter() {
                if class_check(vm, c, what, v, sub)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => {
            let union = super::modules::generics(vm, "UnionType")?;
            let alias = super::modules::generics(vm, "GenericAlias")?;
            let t = Value::Obj(vm.type_of(cls));
            if t.is(&union) {
                let args = vm.getattr(cls, &vm.new_str("__args__")?)?;
                return class_check(vm, &args, what, v, sub);
            }
            if t.is(&alias) {
                return Err(vm.type_error(format!(
                    "{what}() argument 2 cannot be a parameterized generic"
                )));
            }
            let (one, many) = if what == "issubclass" {
                ("a class", "classes")
            } else {
                ("a type", "types")
            };
            Err(vm.type_error(format!(
                "{what}() arg 2 must be {one}, a tuple of {many}, or a union"
            )))
        }
    }
}

pub(crate) fn bi_isinstance(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "isinstance", &a, 2, 2)?;
    Ok(Value::Bool(class_check(
        vm,
        &p[1],
        "isinstance",
        &p[0],
        false,
    )?))
}

/// `isinstance(v, cls)` for a call the eval loop made without an argument
/// array (CPython's CALL_ISINSTANCE).
pub(crate) fn isinstance(vm: &Vm, v: &Value, cls: &Value) -> PyResult<bool> {
    class_check(vm, cls, "isinstance", v, false)
}

fn bi_issubclass(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "issubclass", &a, 2, 2)?;
    if !matches!(p[0].as_obj().map(|o| &o.kind), Some(ObjKind::Type(_)))
        && vm.getattr_opt(&p[0], &vm.new_str("__bases__")?)?.is_none()
    {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    }
    Ok(Value::Bool(class_check(
        vm,
        &p[1],
        "issubclass",
        &p[0],
        true,
    )?))
}

fn attr_name<'a>(vm: &Vm, v: &'a Value, f: &str) -> PyResult<&'a Value> {
    if v.as_str().is_none() {
        return Err(vm.type_error(
            format!("attribute name must be string, not '{}'", vm.type_name(v)).replace("{f}", f),
        ));
    }
    Ok(v)
}

fn bi_hasattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "hasattr", &a, 2, 2)?;
    let n = attr_name(vm, &p[1], "hasattr")?;
    match vm.getattr_opt(&p[0], n) {
        Ok(v) => Ok(Value::Bool(v.is_some())),
        Err(e) if vm.exc_matches(&e, "AttributeError") => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn bi_getattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "getattr", &a, 2, 3)?;
    let n = attr_name(vm, &p[1], "getattr")?;
    match vm.getattr_opt(&p[0], n) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => match p.get(2) {
            Some(d) => Ok(d.clone()),
            None => Err(vm.no_attribute(&p[0], n)),
        },
        Err(e) if p.len() == 3 && vm.exc_matches(&e, "AttributeError") => Ok(p[2].clone()),
        Err(e) => Err(e),
    }
}

fn bi_setattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "setattr", &a, 3, 3)?;
    let n = attr_name(vm, &p[1], "setattr")?;
    vm.setattr(&p[0], n, p[2].clone())?;
    Ok(Value::None)
}

fn bi_delattr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "delattr", &a, 2, 2)?;
    let n = attr_name(vm, &p[1], "delattr")?;
    vm.delattr(&p[0], n)?;
    Ok(Value::None)
}

fn bi_id(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "id", &a, 1, 1)?;
    Ok(Value::Int(match &p[0] {
        Value::Obj(o) => o.as_ptr() as i64,
        Value::None => 0x1000,
        Value::Bool(b) => 0x1010 + i64::from(*b) * 16,
        Value::Int(i) => 0x7000_0000_0000 ^ i.wrapping_mul(16),
        Value::Float(f) => 0x6000_0000_0000 ^ (f.to_bits() as i64 >> 4),
        Value::Undef => 0,
    }))
}

fn bi_hash(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "hash", &a, 1, 1)?;
    Ok(Value::Int(vm.hash(&p[0])?))
}

fn bi_iter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "iter", &a, 1, 2)?;
    if p.len() == 2 {
        if !vm.callable(&p[0]) {
            return Err(vm.type_error("iter(v, w): v must be callable"));
        }
        return new_iter(
            vm,
            IterState::Call {
                f: p[0].clone(),
                sentinel: p[1].clone(),
            },
        );
    }
    vm.iter(&p[0])
}

fn bi_next(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "next", &a, 1, 2)?;
    let is_iter = match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Iter(_) | ObjKind::Generator(_)) => true,
        Some(ObjKind::Instance(_) | ObjKind::Native(_)) => {
            vm.lookup_special(&p[0], "__next__").is_some()
        }
        _ => false,
    };
    if !is_iter {
        return Err(vm.type_error(format!(
            "'{}' object is not an iterator",
            vm.type_name(&p[0])
        )));
    }
    if let Some(ObjKind::Generator(_)) = p[0].as_obj().map(|o| &o.kind) {
        let g = p[0].as_obj().expect("gen");
        return match super::gen_support::resume_nested(vm, g, Value::None, None) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => match p.get(1) {
                Some(d) => Ok(d.clone()),
                None => Err(super::gen_support::stop_iteration(vm, Value::None)?),
            },
            Err(e) if p.len() == 2 && vm.exc_matches(&e, "StopIteration") => Ok(p[1].clone()),
            Err(e) => Err(e),
        };
    }
    match vm.next(&p[0])? {
        Some(v) => Ok(v),
        None => match p.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(super::gen_support::stop_iteration(vm, Value::None)?),
        },
    }
}

fn bi_callable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "callable", &a, 1, 1)?;
    Ok(Value::Bool(vm.callable(&p[0])))
}

fn bi_chr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "chr", &a, 1, 1)?;
    let v = &p[0];
    let i = if is_int(v) {
        // Past i64 is as out of range as past 0x10FFFF.
        to_bigint(v)
            .and_then(|b| i64::try_from(b).ok())
            .unwrap_or(-1)
    } else {
        match vm.index_of(v, "")? {
            Some(i) => i,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name(v)
                )));
            }
        }
    };
    if !(0..=0x10FFFF).contains(&i) {
        return Err(vm.value_error("chr() arg not in range(0x110000)"));
    }
    let mut b = Vec::new();
    super::parser::push_code_point(&mut b, i as u32);
    vm.new_str_bytes(&b)
}

fn bi_ord(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "ord", &a, 1, 1)?;
    match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Str(s)) => {
            if s.len() != 1 {
                return Err(vm.type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.len()
                )));
            }
            Ok(Value::Int(i64::from(
                super::strrepr::decode_at(s.as_bytes(), 0).0,
            )))
        }
        Some(ObjKind::Bytes(b)) => {
            if b.len() != 1 {
                return Err(vm.type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    b.len()
                )));
            }
            Ok(Value::Int(i64::from(b[0])))
        }
        _ => Err(vm.type_error(format!(
            "ord() expected string of length 1, but {} found",
            vm.type_name(&p[0])
        ))),
    }
}

fn radix(vm: &Vm, a: Args<'_>, name: &str, base: u32, prefix: &str) -> PyResult<Value> {
    let p = pos_args(vm, name, &a, 1, 1)?;
    let v = match to_bigint(&p[0]) {
        Some(v) => v,
        None => match vm.index_of(&p[0], "")? {
            Some(i) => num_bigint::BigInt::from(i),
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name(&p[0])
                )));
            }
        },
    };
    let digits = v.magnitude().to_str_radix(base);
    let s = if v.is_negative() {
        format!("-{prefix}{digits}")
    } else {
        format!("{prefix}{digits}")
    };
    vm.new_str(&s)
}

fn bi_hex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    radix(vm, a, "hex", 16, "0x")
}

fn bi_oct(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    radix(vm, a, "oct", 8, "0o")
}

fn bi_bin(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    radix(vm, a, "bin", 2, "0b")
}

fn bi_divmod(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "divmod", &a, 2, 2)?;
    let (x, y) = (&p[0], &p[1]);
    if let (Some(_), Some(_)) = (super::int::as_num(x), super::int::as_num(y)) {
        if (matches!(x, Value::Float(_)) || matches!(y, Value::Float(_))) && !vm.truthy(y)? {
            return Err(vm.zero_division("float divmod()"));
        }
        let q = vm.binary_op(x, y, super::code::BinKind::FloorDiv, false)?;
        let r = vm.binary_op(x, y, super::code::BinKind::Mod, false)?;
        return vm.new_tuple(vec![q, r]);
    }
    if let Some(f) = vm.user_special(x, "__divmod__") {
        return vm.call_special(&f, x, std::slice::from_ref(y));
    }
    Err(vm.type_error(format!(
        "unsupported operand type(s) for divmod(): '{}' and '{}'",
        vm.type_name(x),
        vm.type_name(y)
    )))
}

fn bi_pow(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut p: Vec<Value> = a.pos().to_vec();
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"base") => p.insert(0, v.clone()),
            Some(b"exp") => p.push(v.clone()),
            Some(b"mod") => p.push(v.clone()),
            _ => {
                return Err(vm.type_error(format!(
                    "pow() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    match p.len() {
        0 => return Err(vm.type_error("pow() missing required argument 'base' (pos 1)")),
        1 => return Err(vm.type_error("pow() missing required argument 'exp' (pos 2)")),
        2 | 3 => {}
        n => {
            return Err(vm.type_error(format!("pow() takes at most 3 arguments ({n} given)")));
        }
    }
    if p.len() == 3 && !p[2].is_none() {
        let (Some(b), Some(e), Some(m)) = (to_bigint(&p[0]), to_bigint(&p[1]), to_bigint(&p[2]))
        else {
            return Err(
                vm.type_error("pow() 3rd argument not allowed unless all arguments are integers")
            );
        };
        if m.is_zero() {
            return Err(vm.value_error("pow() 3rd argument cannot be 0"));
        }
        let r = if e.is_negative() {
            // Modular inverse.
            let inv = nums::mod_inverse(&b, &m)
                .ok_or_else(|| vm.value_error("base is not invertible for the given modulus"))?;
            inv.modpow(&(-e), &m.abs())
        } else {
            b.modpow(&e, &m.abs())
        };
        // Result has the sign of m.
        let r = if m.is_negative() && !r.is_zero() {
            r + m
        } else {
            r
        };
        return vm.new_int(r);
    }
    vm.binary_op(&p[0], &p[1], super::code::BinKind::Pow, false)
}

fn bi_round(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut p: Vec<Value> = a.pos().to_vec();
    if let Some(n) = a.kwarg("ndigits") {
        p.push(n.clone());
    }
    if p.is_empty() {
        return Err(vm.type_error("round() missing required argument 'number' (pos 1)"));
    }
    if p.len() > 2 {
        return Err(vm.type_error(format!(
            "round() takes at most 2 arguments ({} given)",
            p.len()
        )));
    }
    if !matches!(p[0], Value::Int(_) | Value::Bool(_) | Value::Float(_))
        && !is_int(&p[0])
        && vm.lookup_special(&p[0], "__round__").is_none()
    {
        return Err(vm.type_error(format!(
            "type {} doesn't define __round__ method",
            vm.type_name(&p[0])
        )));
    }
    round_value(vm, &p[0], p.get(1))
}

fn bi_format(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "format", &a, 1, 2)?;
    let spec = match p.get(1) {
        Some(s) => match s.as_str() {
            Some(x) => x.to_string_lossy().into_owned(),
            None => {
                return Err(vm.type_error(format!(
                    "format() argument 2 must be str, not {}",
                    vm.type_name(s)
                )));
            }
        },
        None => String::new(),
    };
    vm.format(&p[0], &spec)
}

fn current_frame_dicts(vm: &Vm) -> PyResult<(ObjRef, Value)> {
    let thp = super::eval::thread_ptr();
    if thp.is_null() {
        return Err(vm.runtime_error("no frame"));
    }
    // SAFETY: the running VM thread; read-only snapshot within this call.
    let n = unsafe { &*thp }.frames.len();
    if n == 0 {
        return Err(vm.runtime_error("no frame"));
    }
    // SAFETY: as above.
    let globals = unsafe { &*thp }.frames[n - 1].globals.clone();
    Ok((globals, frame_locals(vm, thp, n - 1)?))
}

/// `locals()` of the frame at index `fi` of the running thread: the
/// namespace of module and class bodies, a snapshot dict for functions.
pub(crate) fn frame_locals(
    vm: &Vm,
    thp: *mut super::frame::VmThread,
    fi: usize,
) -> PyResult<Value> {
    // SAFETY: the running VM thread; the references below are dropped
    // before any Python code can run (dict stores of str keys run none).
    let th = unsafe { &*thp };
    let Some(f) = th.frames.get(fi) else {
        return Err(vm.runtime_error("no frame"));
    };
    if let Some(l) = &f.locals {
        return Ok(Value::Obj(l.clone()));
    }
    if f.func.is_none() {
        return Ok(Value::Obj(f.globals.clone()));
    }
    let d = vm.new_dict()?;
    if let ObjKind::Code(c) = &f.code.kind {
        let mut items: Vec<(std::rc::Rc<str>, Value)> = Vec::new();
        for (i, n) in c.varnames.iter().enumerate() {
            let v = th.stack[f.base + i].clone();
            let v = match v.as_obj().map(|o| &o.kind) {
                Some(ObjKind::Cell(cell)) if c.cellvars.iter().any(|cv| cv == n) => {
                    cell.borrow().clone()
                }
                _ => v,
            };
            if !v.is_undef() {
                items.push((n.clone(), v));
            }
        }
        for (k, n) in c.cellvars.iter().chain(c.freevars.iter()).enumerate() {
            if let Some(ObjKind::Cell(cell)) =
                th.stack[f.base + c.nlocals() + k].as_obj().map(|o| &o.kind)
            {
                let v = cell.borrow().clone();
                if !v.is_undef() {
                    items.push((n.clone(), v));
                }
            }
        }
        for (n, v) in items {
            vm.dict_set_str(&d, &n, v)?;
        }
    }
    Ok(Value::Obj(d))
}

fn bi_globals(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "globals", &a, 0, 0)?;
    Ok(Value::Obj(current_frame_dicts(vm)?.0))
}

fn bi_locals(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "locals", &a, 0, 0)?;
    Ok(current_frame_dicts(vm)?.1)
}

fn bi_vars(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "vars", &a, 0, 1)?;
    match p.first() {
        None => Ok(current_frame_dicts(vm)?.1),
        Some(v) => match vm.getattr_optional(v, &vm.names.dict)? {
            Some(d) => Ok(d),
            None => Err(vm.type_error("vars() argument must have __dict__ attribute")),
        },
    }
}

fn bi_dir(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "dir", &a, 0, 1)?;
    let mut names: Vec<Value> = Vec::new();
    let add_dict = |d: &ObjRef, names: &mut Vec<Value>| {
        if let ObjKind::Dict(dd) = &d.kind {
            names.extend(super::dict::keys(dd));
        }
    };
    match p.first() {
        None => {
            let (_, locals) = current_frame_dicts(vm)?;
            if let Some(d) = locals.as_obj() {
                add_dict(d, &mut names);
            }
        }
        Some(v) => {
            if let Some(f) = vm.user_special(v, "__dir__") {
                let r = vm.call_special(&f, v, &[])?;
                names = vm.to_vec(&r)?;
            } else {
                match v.as_obj().map(|o| &o.kind) {
                    Some(ObjKind::Module(m)) => add_dict(&m.dict, &mut names),
                    Some(ObjKind::Type(t)) => {
                        for m in t.mro() {
                            if let Some(mt) = as_type(&m) {
                                add_dict(&mt.dict, &mut names);
                            }
                        }
                    }
                    _ => {
                        if let Some(Value::Obj(d)) = vm.getattr_optional(v, &vm.names.dict)? {
                            add_dict(&d, &mut names);
                        }
                        let t = vm.type_of(v);
                        if let Some(tt) = as_type(&t) {
                            for m in tt.mro() {
                                if let Some(mt) = as_type(&m) {
                                    add_dict(&mt.dict, &mut names);
                                }
                            }
                        }
                        if let Some(ObjKind::Instance(_) | ObjKind::Exception(_)) =
                            v.as_obj().map(|o| &o.kind)
                        {
                            names.push(vm.new_str("__class__")?);
                            names.push(vm.new_str("__dict__")?);
                        }
                    }
                }
            }
        }
    }
    // Unique, sorted.
    let mut strs: Vec<Vec<u8>> = names
        .iter()
        .filter_map(|n| n.as_str().map(|s| s.as_bytes().to_vec()))
        .collect();
    strs.sort();
    strs.dedup();
    let out: Vec<Value> = strs
        .iter()
        .map(|s| vm.new_str_bytes(s))
        .collect::<PyResult<_>>()?;
    vm.new_list(out)
}

fn source_arg(vm: &Vm, v: &Value, what: &str) -> PyResult<String> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Str(s)) => Ok(s.to_string_lossy().into_owned()),
        Some(ObjKind::Bytes(b)) => Ok(String::from_utf8_lossy(b).into_owned()),
        _ => Err(vm.type_error(format!(
            "{what}() arg 1 must be a string, bytes or code object"
        ))),
    }
}

fn exec_dicts(vm: &Vm, p: &[Value]) -> PyResult<(ObjRef, Option<ObjRef>)> {
    let (fg, fl) = current_frame_dicts(vm)?;
    let globals = match p.get(1) {
        None | Some(Value::None) => fg,
        Some(Value::Obj(d)) if matches!(d.kind, ObjKind::Dict(_)) => d.clone(),
        Some(other) => {
            return Err(vm.type_error(format!(
                "exec() globals must be a dict, not {}",
                vm.type_name(other)
            )));
        }
    };
    if vm.dict_get_strval(&globals, &vm.names.builtins).is_none() {
        vm.dict_set(
            &globals,
            vm.names.builtins.clone(),
            Value::Obj(vm.builtins.clone()),
        )?;
    }
    let locals = match p.get(2) {
        None | Some(Value::None) => {
            if p.get(1).is_none_or(Value::is_none) {
                fl.as_obj().cloned().filter(|l| !l.ptr_eq(&globals))
            } else {
                None
            }
        }
        Some(Value::Obj(d)) => Some(d.clone()),
        Some(_) => return Err(vm.type_error("locals must be a mapping")),
    };
    Ok((globals, locals))
}

fn bi_compile(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let mut p: Vec<Value> = a.pos().to_vec();
    for (k, v) in a.kw() {
        let slot = match k.as_str().map(|s| s.as_bytes()) {
            Some(b"source") => 0,
            Some(b"filename") => 1,
            Some(b"mode") => 2,
            Some(b"flags" | b"dont_inherit" | b"optimize" | b"_feature_version") => continue,
            _ => {
                return Err(vm.type_error(format!(
                    "compile() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        };
        while p.len() <= slot {
            p.push(Value::Undef);
        }
        p[slot] = v.clone();
    }
    if p.len() < 3 || p[..3].iter().any(Value::is_undef) {
        return Err(vm.type_error("compile() missing required argument 'mode' (pos 3)"));
    }
    let src = source_arg(vm, &p[0], "compile")?;
    let filename = vm.str_string(&p[1])?;
    let mode = vm.display_str(&p[2]);
    let code = match mode.as_str() {
        "exec" => vm.compile_source(src.as_bytes(), &filename, false)?,
        "single" => vm.compile_source(src.as_bytes(), &filename, true)?,
        "eval" => vm.compile_eval(src.trim_start_matches([' ', '\t']), &filename)?,
        _ => return Err(vm.value_error("compile() mode must be 'exec', 'eval' or 'single'")),
    };
    Ok(Value::Obj(code))
}

fn bi_exec(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "exec", &a, 1, 3)?;
    let (globals, locals) = exec_dicts(vm, p)?;
    if let Some(ObjKind::Code(_)) = p[0].as_obj().map(|o| &o.kind) {
        super::eval::run_code(vm, p[0].as_obj().expect("code"), &globals, locals)?;
        return Ok(Value::None);
    }
    let src = source_arg(vm, &p[0], "exec")?;
    let code = vm.compile_source(src.as_bytes(), "<string>", false)?;
    super::eval::run_code(vm, &code, &globals, locals)?;
    Ok(Value::None)
}

fn bi_eval(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "eval", &a, 1, 3)?;
    let (globals, locals) = exec_dicts(vm, p)?;
    if let Some(ObjKind::Code(_)) = p[0].as_obj().map(|o| &o.kind) {
        return super::eval::run_code(vm, p[0].as_obj().expect("code"), &globals, locals);
    }
    let src = source_arg(vm, &p[0], "eval")?;
    let code = vm.compile_eval(src.trim_start_matches([' ', '\t']), "<string>")?;
    super::eval::run_code(vm, &code, &globals, locals)
}

fn bi_import(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let Some(name) = p.first() else {
        return Err(vm.type_error("__import__() missing required argument 'name' (pos 1)"));
    };
    if name.as_str().is_none() {
        return Err(vm.type_error("module name must be a string"));
    }
    let n = vm.display_str(name);
    let fromlist = p
        .get(3)
        .cloned()
        .or_else(|| a.kwarg("fromlist").cloned())
        .unwrap_or(Value::None);
    let m = vm.import_module(&n)?;
    if (!fromlist.is_none() && vm.truthy(&fromlist)?) || !n.contains('.') {
        return Ok(Value::Obj(m));
    }
    Ok(Value::Obj(
        vm.import_module(n.split('.').next().unwrap_or(&n))?,
    ))
}

// ---- helpers for other modules -----------------------------------------------------

/// Unused-import guards for helpers other files use.
pub(crate) fn _keep(v: &num_bigint::BigInt) -> Option<i64> {
    v.to_i64()
}

/// A fresh set object from values.
pub(crate) fn new_set(vm: &Vm, items: Vec<Value>, frozen: bool) -> PyResult<Value> {
    let data = RefCell::new(super::set::SetData::new());
    for x in items {
        super::set::add(vm, &data, x)?;
    }
    let kind = if frozen {
        ObjKind::FrozenSet(data.into_inner())
    } else {
        ObjKind::Set(data)
    };
    Ok(Value::Obj(vm.alloc(kind)?))
}
