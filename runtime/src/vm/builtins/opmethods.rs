//! The operator methods of the builtin sequences, strings, dicts and sets
//! (`list.__add__`, `dict.__or__`, `set.__and__`, `str.__mod__`, the rich
//! comparisons, …), as CPython's slot wrappers behave: the operation when
//! the other operand is one the type's slot accepts, NotImplemented
//! otherwise, and "expected 1 argument, got N" for a wrong count. The
//! operations themselves are the VM's (`binary_op`, `compare`), so a
//! method and its operator cannot disagree.

use crate::vm::code::{BinKind, CmpKind};
use crate::vm::func::{Args, NativeFn};
use crate::vm::object::{ObjKind, Value};
use crate::vm::state::{PyResult, Vm};

/// The operand kinds the slots accept from each other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    List,
    Tuple,
    Str,
    Bytes,
    Dict,
    Set,
}

fn family(v: &Value) -> Option<Family> {
    Some(match &v.as_obj()?.kind {
        ObjKind::List(_) => Family::List,
        ObjKind::Tuple(_) => Family::Tuple,
        ObjKind::Str(_) => Family::Str,
        ObjKind::Bytes(_) => Family::Bytes,
        ObjKind::Dict(_) => Family::Dict,
        ObjKind::Set(_) | ObjKind::FrozenSet(_) => Family::Set,
        _ => return None,
    })
}

/// The receiver and the one other operand of a binary slot wrapper.
fn operands<'a>(vm: &Vm, a: &Args<'a>) -> PyResult<(&'a Value, &'a Value)> {
    let n = a.all.len().saturating_sub(1);
    if n != 1 || !a.no_kw() {
        return Err(vm.type_error(format!("expected 1 argument, got {n}")));
    }
    Ok((&a.all[0], &a.all[1]))
}

/// What the other operand of a binary method must be.
#[derive(Clone, Copy)]
enum Rhs {
    /// Of the receiver's family, else NotImplemented (a number slot).
    Same,
    /// Of the receiver's family, else a TypeError (sequence
    /// concatenation: its wrapper has no NotImplemented).
    Concat,
    /// An index, else a TypeError (sequence repetition).
    Index,
    /// Anything (`str % x`; `list += iterable`).
    Any,
}

fn accepts(vm: &Vm, rhs: Rhs, this: &Value, other: &Value) -> PyResult<bool> {
    let same = family(this).is_some() && family(this) == family(other);
    Ok(match rhs {
        Rhs::Same => same,
        Rhs::Concat if same => true,
        Rhs::Concat => {
            let (t, o) = (vm.type_name(this), vm.type_name(other));
            return Err(vm.type_error(if family(this) == Some(Family::Bytes) {
                format!("can't concat {o} to {t}")
            } else {
                format!("can only concatenate {t} (not \"{o}\") to {t}")
            }));
        }
        Rhs::Index => {
            if vm.index_of(other, "")?.is_none() && !crate::vm::int::is_int(other) {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name(other)
                )));
            }
            true
        }
        Rhs::Any => true,
    })
}

fn binop(vm: &Vm, a: &Args<'_>, op: BinKind, rhs: Rhs, reflected: bool) -> PyResult<Value> {
    let (this, other) = operands(vm, a)?;
    if !accepts(vm, rhs, this, other)? {
        return Ok(vm.none_like.not_implemented.clone());
    }
    if reflected {
        vm.binary_op(other, this, op, false)
    } else {
        vm.binary_op(this, other, op, false)
    }
}

/// An in-place method: the receiver changed in place and returned.
fn inplace(vm: &Vm, a: &Args<'_>, op: BinKind, rhs: Rhs) -> PyResult<Value> {
    let (this, other) = operands(vm, a)?;
    if !accepts(vm, rhs, this, other)? {
        return Ok(vm.none_like.not_implemented.clone());
    }
    vm.binary_op(this, other, op, true)
}

fn cmp(vm: &Vm, a: &Args<'_>, kind: CmpKind) -> PyResult<Value> {
    let (this, other) = operands(vm, a)?;
    if !accepts(vm, Rhs::Same, this, other)? {
        return Ok(vm.none_like.not_implemented.clone());
    }
    vm.compare(this, other, kind)
}

native_fns! {
    add => |vm, a| binop(vm, a, BinKind::Add, Rhs::Concat, false);
    mul => |vm, a| binop(vm, a, BinKind::Mul, Rhs::Index, false);
    rmul => |vm, a| binop(vm, a, BinKind::Mul, Rhs::Index, true);
    iadd_any => |vm, a| inplace(vm, a, BinKind::Add, Rhs::Any);
    imul => |vm, a| inplace(vm, a, BinKind::Mul, Rhs::Index);
    mod_any => |vm, a| binop(vm, a, BinKind::Mod, Rhs::Any, false);
    rmod => |vm, a| binop(vm, a, BinKind::Mod, Rhs::Same, true);
    or => |vm, a| binop(vm, a, BinKind::Or, Rhs::Same, false);
    ror => |vm, a| binop(vm, a, BinKind::Or, Rhs::Same, true);
    ior_same => |vm, a| inplace(vm, a, BinKind::Or, Rhs::Same);
    dict_ior => |vm, a| inplace(vm, a, BinKind::Or, Rhs::Any);
    and => |vm, a| binop(vm, a, BinKind::And, Rhs::Same, false);
    rand => |vm, a| binop(vm, a, BinKind::And, Rhs::Same, true);
    iand => |vm, a| inplace(vm, a, BinKind::And, Rhs::Same);
    xor => |vm, a| binop(vm, a, BinKind::Xor, Rhs::Same, false);
    rxor => |vm, a| binop(vm, a, BinKind::Xor, Rhs::Same, true);
    ixor => |vm, a| inplace(vm, a, BinKind::Xor, Rhs::Same);
    sub => |vm, a| binop(vm, a, BinKind::Sub, Rhs::Same, false);
    rsub => |vm, a| binop(vm, a, BinKind::Sub, Rhs::Same, true);
    isub => |vm, a| inplace(vm, a, BinKind::Sub, Rhs::Same);
    lt => |vm, a| cmp(vm, a, CmpKind::Lt);
    le => |vm, a| cmp(vm, a, CmpKind::Le);
    eq => |vm, a| cmp(vm, a, CmpKind::Eq);
    ne => |vm, a| cmp(vm, a, CmpKind::Ne);
    gt => |vm, a| cmp(vm, a, CmpKind::Gt);
    ge => |vm, a| cmp(vm, a, CmpKind::Ge);
}

/// `__hash__` of the hashable builtins: the value's hash (as `hash()`).
fn hash(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::meth_args(vm, "__hash__", &a, 0, 0)?;
    Ok(Value::Int(vm.hash(&p[0])?))
}

/// `__bool__` of `range` and `NoneType`: the value's truth.
fn truth(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::meth_args(vm, "__bool__", &a, 0, 0)?;
    Ok(Value::Bool(vm.truthy(&p[0])?))
}

/// `__reversed__`: the reverse iterator `reversed()` gives.
fn reversed(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = super::meth_args(vm, "__reversed__", &a, 0, 0)?;
    super::types::reversed(vm, &p[0])
}

const COMPARISONS: [(&str, NativeFn); 6] = [
    ("__lt__", lt),
    ("__le__", le),
    ("__eq__", eq),
    ("__ne__", ne),
    ("__gt__", gt),
    ("__ge__", ge),
];

/// Operator methods of `list`.
pub(crate) const LIST_OPS: &[(&str, NativeFn)] = &[
    ("__add__", add),
    ("__iadd__", iadd_any),
    ("__mul__", mul),
    ("__rmul__", rmul),
    ("__imul__", imul),
    ("__reversed__", reversed),
    COMPARISONS[0],
    COMPARISONS[1],
    COMPARISONS[2],
    COMPARISONS[3],
    COMPARISONS[4],
    COMPARISONS[5],
];

/// Operator methods of `tuple`.
pub(crate) const TUPLE_OPS: &[(&str, NativeFn)] = &[
    ("__add__", add),
    ("__mul__", mul),
    ("__rmul__", rmul),
    ("__hash__", hash),
    COMPARISONS[0],
    COMPARISONS[1],
    COMPARISONS[2],
    COMPARISONS[3],
    COMPARISONS[4],
    COMPARISONS[5],
];

/// Operator methods of `str` and `bytes`.
pub(crate) const STR_OPS: &[(&str, NativeFn)] = &[
    ("__add__", add),
    ("__mul__", mul),
    ("__rmul__", rmul),
    ("__mod__", mod_any),
    ("__rmod__", rmod),
    ("__hash__", hash),
    COMPARISONS[0],
    COMPARISONS[1],
    COMPARISONS[2],
    COMPARISONS[3],
    COMPARISONS[4],
    COMPARISONS[5],
];

/// Operator methods of `dict` (it has no ordering).
pub(crate) const DICT_OPS: &[(&str, NativeFn)] = &[
    ("__or__", or),
    ("__ror__", ror),
    ("__ior__", dict_ior),
    ("__reversed__", reversed),
    ("__eq__", eq),
    ("__ne__", ne),
];

/// Operator methods of `set` and `frozenset` (the in-place ones are
/// `set`'s: see [`SET_INPLACE_OPS`]).
pub(crate) const SET_OPS: &[(&str, NativeFn)] = &[
    ("__or__", or),
    ("__ror__", ror),
    ("__and__", and),
    ("__rand__", rand),
    ("__xor__", xor),
    ("__rxor__", rxor),
    ("__sub__", sub),
    ("__rsub__", rsub),
    COMPARISONS[0],
    COMPARISONS[1],
    COMPARISONS[2],
    COMPARISONS[3],
    COMPARISONS[4],
    COMPARISONS[5],
];

/// `set`'s in-place operator methods.
pub(crate) const SET_INPLACE_OPS: &[(&str, NativeFn)] = &[
    ("__ior__", ior_same),
    ("__iand__", iand),
    ("__ixor__", ixor),
    ("__isub__", isub),
];

/// `__hash__` of `frozenset` (by value, as `hash()`).
pub(crate) const VALUE_HASH: &[(&str, NativeFn)] = &[("__hash__", hash)];

/// `range`'s hash, truth and reverse iteration.
pub(crate) const RANGE_OPS: &[(&str, NativeFn)] = &[
    ("__hash__", hash),
    ("__bool__", truth),
    ("__reversed__", reversed),
];

/// `NoneType.__bool__`.
pub(crate) const NONE_OPS: &[(&str, NativeFn)] = &[("__bool__", truth)];
