//! Methods of int and float, `round()` (Objects/longobject.c,
//! Objects/floatobject.c).

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

use super::meth_args;
use crate::vm::code::{BinKind, CmpKind};
use crate::vm::func::{Args, NativeFn};
use crate::vm::int::{is_int, to_bigint};
use crate::vm::object::Value;
use crate::vm::state::{PyResult, Vm};

/// The inverse of `b` modulo `m` (None if not invertible).
pub(crate) fn mod_inverse(b: &BigInt, m: &BigInt) -> Option<BigInt> {
    let m = m.abs();
    if m.is_one() {
        return Some(BigInt::zero());
    }
    let b = b.mod_floor(&m);
    let g = b.extended_gcd(&m);
    if !g.gcd.is_one() {
        return None;
    }
    Some(g.x.mod_floor(&m))
}

/// Rounds the rational `num / den` (den > 0) to the nearest integer,
/// ties to even.
fn round_half_even(num: &BigInt, den: &BigInt) -> BigInt {
    let (q, r) = num.div_mod_floor(den);
    let twice: BigInt = &r * 2;
    match twice.cmp(den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if q.is_even() {
                q
            } else {
                q + 1
            }
        }
    }
}

/// `x` as an exact fraction `num / den` with `den` a power of two.
fn float_as_ratio(x: f64) -> (BigInt, BigInt) {
    let bits = x.to_bits();
    let neg = bits >> 63 == 1;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let mut num = BigInt::from(m);
    if neg {
        num = -num;
    }
    if e >= 0 {
        (num << (e as usize), BigInt::one())
    } else {
        (num, BigInt::one() << ((-e) as usize))
    }
}

/// `round(x, ndigits)` for a float: correctly rounded, ties to even on
/// the exact binary value (as CPython's dtoa-based rounding).
fn round_float(vm: &Vm, x: f64, nd: i64) -> PyResult<f64> {
    if !x.is_finite() || x == 0.0 {
        return Ok(x);
    }
    // Beyond these, the result is x itself or a signed zero.
    if nd > 330 {
        return Ok(x);
    }
    if nd < -330 {
        return Ok(0.0f64.copysign(x));
    }
    let (num, den) = float_as_ratio(x.abs());
    let p = BigInt::from(10).pow(nd.unsigned_abs() as u32);
    let q = if nd >= 0 {
        round_half_even(&(num * &p), &den)
    } else {
        round_half_even(&num, &(den * &p))
    };
    let text = format!("{q}e{}", -nd);
    let r: f64 = text.parse().unwrap_or(f64::INFINITY);
    if r.is_infinite() {
        return Err(vm.overflow_error("rounded value too large to represent"));
    }
    Ok(r.copysign(x))
}

/// `round(v[, ndigits])`.
pub(crate) fn round_value(vm: &Vm, v: &Value, ndigits: Option<&Value>) -> PyResult<Value> {
    let nd = match ndigits {
        None | Some(Value::None) => None,
        Some(n) => match vm.index_of(n, "")? {
            Some(i) => Some(i),
            None if is_int(n) => Some(if to_bigint(n).is_some_and(|b| b.is_negative()) {
                i64::MIN
            } else {
                i64::MAX
            }),
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name(n)
                )));
            }
        },
    };
    match v {
        Value::Float(x) => match nd {
            None => {
                if x.is_nan() {
                    return Err(vm.value_error("cannot convert float NaN to integer"));
                }
                if x.is_infinite() {
                    return Err(vm.overflow_error("cannot convert float infinity to integer"));
                }
                let r = x.round_ties_even();
                if r.abs() < 9.0e18 {
                    Ok(Value::Int(r as i64))
                } else {
                    let (n, d) = float_as_ratio(r);
                    vm.new_int(n / d)
                }
            }
            Some(n) => Ok(Value::Float(round_float(vm, *x, n)?)),
        },
        v if is_int(v) => match nd {
            None => Ok(match v {
                Value::Bool(b) => Value::Int(i64::from(*b)),
                _ => v.clone(),
            }),
            Some(n) if n >= 0 => Ok(match v {
                Value::Bool(b) => Value::Int(i64::from(*b)),
                _ => v.clone(),
            }),
            Some(n) => {
                let b = to_bigint(v).unwrap_or_default();
                if n < -4300 * 4 {
                    return Ok(Value::Int(0));
                }
                let p = BigInt::from(10).pow(n.unsigned_abs() as u32);
                let q = round_half_even(&b, &p);
                vm.new_int(q * p)
            }
        },
        _ => match vm.user_special(v, "__round__") {
            Some(f) => {
                let args: Vec<Value> = ndigits.cloned().into_iter().collect();
                vm.call_special(&f, v, &args)
            }
            None => Err(vm.type_error(format!(
                "type {} doesn't define __round__ method",
                vm.type_name(v)
            ))),
        },
    }
}

// ---- int ---------------------------------------------------------------------------

fn int_self(vm: &Vm, v: &Value, name: &str) -> PyResult<BigInt> {
    to_bigint(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' for 'int' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))
    })
}

fn int_bit_length(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "bit_length", &a, 0, 0)?;
    Ok(Value::Int(
        int_self(vm, &p[0], "bit_length")?.magnitude().bits() as i64,
    ))
}

fn int_bit_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "bit_count", &a, 0, 0)?;
    let b = int_self(vm, &p[0], "bit_count")?;
    Ok(Value::Int(
        b.magnitude()
            .iter_u64_digits()
            .map(|d| i64::from(d.count_ones()))
            .sum(),
    ))
}

fn int_conjugate(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "conjugate", &a, 0, 0)?;
    vm.new_int(int_self(vm, &p[0], "conjugate")?)
}

fn int_as_integer_ratio(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "as_integer_ratio", &a, 0, 0)?;
    let n = vm.new_int(int_self(vm, &p[0], "as_integer_ratio")?)?;
    vm.new_tuple(vec![n, Value::Int(1)])
}

fn int_is_integer(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "is_integer", &a, 0, 0)?;
    int_self(vm, &p[0], "is_integer")?;
    Ok(Value::Bool(true))
}

fn int_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__index__", &a, 0, 0)?;
    vm.new_int(int_self(vm, &p[0], "__index__")?)
}

fn int_float(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__float__", &a, 0, 0)?;
    Ok(Value::Float(crate::vm::int::int_to_f64(vm, &p[0])?))
}

fn int_to_bytes(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let v = int_self(vm, &p[0], "to_bytes")?;
    let length = match p.get(1).or_else(|| a.kwarg("length")) {
        Some(l) => super::int_arg(vm, l)?,
        None => 1,
    };
    let (little, signed) = order_and_sign(vm, &a, p.get(2), "to_bytes")?;
    if length < 0 {
        return Err(vm.value_error("length argument must be non-negative"));
    }
    if v.is_negative() && !signed {
        return Err(vm.overflow_error("can't convert negative int to unsigned"));
    }
    let mut bytes = if signed {
        v.to_signed_bytes_be()
    } else {
        v.to_bytes_be().1
    };
    if v.is_zero() {
        bytes.clear();
    }
    let len = length as usize;
    if bytes.len() > len {
        // Leading sign-extension bytes may be dropped.
        let fill = if v.is_negative() { 0xff } else { 0 };
        while bytes.len() > len
            && bytes[0] == fill
            && (bytes.len() < 2 || (bytes[1] & 0x80 != 0) == v.is_negative())
        {
            bytes.remove(0);
        }
        if bytes.len() > len {
            return Err(vm.overflow_error("int too big to convert"));
        }
    }
    let fill = if v.is_negative() { 0xff } else { 0 };
    let mut out = vec![fill; len - bytes.len()];
    out.extend(bytes);
    if little {
        out.reverse();
    }
    vm.new_bytes(&out)
}

/// The `byteorder` and `signed` arguments of `int.to_bytes` and
/// `int.from_bytes`: (little-endian, signed), with CPython's errors.
fn order_and_sign(
    vm: &Vm,
    a: &Args<'_>,
    order: Option<&Value>,
    fname: &str,
) -> PyResult<(bool, bool)> {
    let little = match order.or_else(|| a.kwarg("byteorder")) {
        None => false,
        Some(o) => match o.as_str().map(|s| s.as_bytes()) {
            Some(b"little") => true,
            Some(b"big") => false,
            Some(_) => {
                return Err(vm.value_error("byteorder must be either 'little' or 'big'"));
            }
            None => {
                return Err(vm.type_error(format!(
                    "{fname}() argument 'byteorder' must be str, not {}",
                    vm.type_name(o)
                )));
            }
        },
    };
    let signed = match a.kwarg("signed") {
        Some(s) => vm.truthy(s)?,
        None => false,
    };
    Ok((little, signed))
}

/// `int.from_bytes(bytes, byteorder='big', *, signed=False)`, a class
/// method (a subclass gets `cls(value)`).
fn int_from_bytes(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = &a.pos()[1..];
    let cls = &a.all[0];
    let Some(src) = p.first().or_else(|| a.kwarg("bytes")) else {
        return Err(vm.type_error("from_bytes() missing required argument 'bytes' (pos 1)"));
    };
    let (little, signed) = order_and_sign(vm, &a, p.get(1), "from_bytes")?;
    let mut data: Vec<u8> = match super::bytes_of(src) {
        Some(b) => b.to_vec(),
        None if src.as_str().is_some() || is_int(src) => {
            return Err(vm.type_error(format!(
                "cannot convert '{}' object to bytes",
                vm.type_name(src)
            )));
        }
        None => {
            let mut v = Vec::new();
            let items = vm.to_vec(src).map_err(|e| {
                if vm.exc_matches(&e, "TypeError") {
                    vm.type_error(format!(
                        "cannot convert '{}' object to bytes",
                        vm.type_name(src)
                    ))
                } else {
                    e
                }
            })?;
            for x in items {
                match vm.index_of(&x, "")? {
                    Some(i) => v.push(
                        u8::try_from(i)
                            .map_err(|_| vm.value_error("bytes must be in range(0, 256)"))?,
                    ),
                    None => {
                        return Err(vm.type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            vm.type_name(&x)
                        )));
                    }
                }
            }
            v
        }
    };
    if little {
        data.reverse();
    }
    let v = if signed {
        BigInt::from_signed_bytes_be(&data)
    } else {
        BigInt::from_bytes_be(num_bigint::Sign::Plus, &data)
    };
    let v = vm.new_int(v)?;
    if cls.as_obj().is_some_and(|c| c.ptr_eq(&vm.types.int)) {
        return Ok(v);
    }
    vm.call(cls, Args::positional(&[v]))
}

fn num_binop(vm: &Vm, a: Args<'_>, name: &str, op: BinKind, reflected: bool) -> PyResult<Value> {
    let Some(p) = slot_operands(vm, &a, name)? else {
        return Ok(vm.none_like.not_implemented.clone());
    };
    let (x, y) = if reflected {
        (&p[1], &p[0])
    } else {
        (&p[0], &p[1])
    };
    vm.binary_op(x, y, op, false)
}

fn num_cmp(vm: &Vm, a: Args<'_>, name: &str, op: CmpKind) -> PyResult<Value> {
    let Some(p) = slot_operands(vm, &a, name)? else {
        return Ok(vm.none_like.not_implemented.clone());
    };
    vm.compare(&p[0], &p[1], op)
}

/// `[self, other]` of a binary number slot, or None where the slot
/// answers NotImplemented: an int's slot takes ints only (a float is the
/// float's business: it gets the reflected call), a float's takes ints
/// and floats.
fn slot_operands<'a>(vm: &Vm, a: &Args<'a>, name: &str) -> PyResult<Option<&'a [Value]>> {
    let p = meth_args(vm, name, a, 1, 1)?;
    let other_ok = if is_int(&p[0]) {
        is_int(&p[1])
    } else {
        crate::vm::int::as_num(&p[1]).is_some()
    };
    Ok(other_ok.then_some(p))
}

macro_rules! num_ops {
    ($($f:ident = $name:literal, $op:ident, $refl:literal;)*) => {
        $(fn $f(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
            num_binop(vm, a, $name, BinKind::$op, $refl)
        })*
    };
}

num_ops! {
    n_add = "__add__", Add, false;
    n_radd = "__radd__", Add, true;
    n_sub = "__sub__", Sub, false;
    n_rsub = "__rsub__", Sub, true;
    n_mul = "__mul__", Mul, false;
    n_rmul = "__rmul__", Mul, true;
    n_truediv = "__truediv__", TrueDiv, false;
    n_floordiv = "__floordiv__", FloorDiv, false;
    n_mod = "__mod__", Mod, false;
    n_pow = "__pow__", Pow, false;
    n_rtruediv = "__rtruediv__", TrueDiv, true;
    n_rfloordiv = "__rfloordiv__", FloorDiv, true;
    n_rmod = "__rmod__", Mod, true;
    n_rpow = "__rpow__", Pow, true;
    n_and = "__and__", And, false;
    n_rand = "__rand__", And, true;
    n_or = "__or__", Or, false;
    n_ror = "__ror__", Or, true;
    n_xor = "__xor__", Xor, false;
    n_rxor = "__rxor__", Xor, true;
    n_lshift = "__lshift__", LShift, false;
    n_rlshift = "__rlshift__", LShift, true;
    n_rshift = "__rshift__", RShift, false;
    n_rrshift = "__rrshift__", RShift, true;
}

fn divmod_impl(vm: &Vm, a: Args<'_>, name: &str, reflected: bool) -> PyResult<Value> {
    let Some(p) = slot_operands(vm, &a, name)? else {
        return Ok(vm.none_like.not_implemented.clone());
    };
    let (x, y) = if reflected {
        (&p[1], &p[0])
    } else {
        (&p[0], &p[1])
    };
    vm.call_native(super::bi_divmod, &[x.clone(), y.clone()])
}

fn n_divmod(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    divmod_impl(vm, a, "__divmod__", false)
}

fn n_rdivmod(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    divmod_impl(vm, a, "__rdivmod__", true)
}

macro_rules! num_cmps {
    ($($f:ident = $name:literal, $op:ident;)*) => {
        $(fn $f(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
            num_cmp(vm, a, $name, CmpKind::$op)
        })*
    };
}

num_cmps! {
    n_lt = "__lt__", Lt;
    n_le = "__le__", Le;
    n_eq = "__eq__", Eq;
    n_ne = "__ne__", Ne;
    n_gt = "__gt__", Gt;
    n_ge = "__ge__", Ge;
}

fn n_neg(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__neg__", &a, 0, 0)?;
    vm.unary_op(&p[0], 0)
}

fn n_pos(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__pos__", &a, 0, 0)?;
    vm.unary_op(&p[0], 1)
}

fn n_invert(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__invert__", &a, 0, 0)?;
    vm.unary_op(&p[0], 2)
}

fn n_abs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__abs__", &a, 0, 0)?;
    vm.call_native(super::bi_abs, &p[..1])
}

fn n_hash(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__hash__", &a, 0, 0)?;
    Ok(Value::Int(vm.hash(&p[0])?))
}

fn n_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__repr__", &a, 0, 0)?;
    vm.repr(&p[0])
}

fn n_format(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__format__", &a, 1, 1)?;
    let spec = vm.display_str(&p[1]);
    vm.format(&p[0], &spec)
}

fn n_bool(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__bool__", &a, 0, 0)?;
    Ok(Value::Bool(vm.truthy(&p[0])?))
}

fn n_int(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__int__", &a, 0, 0)?;
    vm.call(&Value::Obj(vm.types.int.clone()), Args::positional(&p[..1]))
}

fn n_round(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__round__", &a, 0, 1)?;
    round_value(vm, &p[0], p.get(1))
}

/// Methods of `int` (and `bool`).
pub(crate) const INT_METHODS: &[(&str, NativeFn)] = &[
    ("bit_length", int_bit_length),
    ("bit_count", int_bit_count),
    ("conjugate", int_conjugate),
    ("as_integer_ratio", int_as_integer_ratio),
    ("is_integer", int_is_integer),
    ("to_bytes", int_to_bytes),
    ("from_bytes", int_from_bytes),
    ("__index__", int_index),
    ("__int__", n_int),
    ("__float__", int_float),
    ("__round__", n_round),
    ("__add__", n_add),
    ("__radd__", n_radd),
    ("__sub__", n_sub),
    ("__rsub__", n_rsub),
    ("__mul__", n_mul),
    ("__rmul__", n_rmul),
    ("__truediv__", n_truediv),
    ("__floordiv__", n_floordiv),
    ("__mod__", n_mod),
    ("__pow__", n_pow),
    ("__rtruediv__", n_rtruediv),
    ("__rfloordiv__", n_rfloordiv),
    ("__rmod__", n_rmod),
    ("__rpow__", n_rpow),
    ("__divmod__", n_divmod),
    ("__rdivmod__", n_rdivmod),
    ("__and__", n_and),
    ("__rand__", n_rand),
    ("__or__", n_or),
    ("__ror__", n_ror),
    ("__xor__", n_xor),
    ("__rxor__", n_rxor),
    ("__lshift__", n_lshift),
    ("__rlshift__", n_rlshift),
    ("__rshift__", n_rshift),
    ("__rrshift__", n_rrshift),
    ("__neg__", n_neg),
    ("__pos__", n_pos),
    ("__invert__", n_invert),
    ("__abs__", n_abs),
    ("__lt__", n_lt),
    ("__le__", n_le),
    ("__eq__", n_eq),
    ("__ne__", n_ne),
    ("__gt__", n_gt),
    ("__ge__", n_ge),
    ("__hash__", n_hash),
    ("__repr__", n_repr),
    ("__format__", n_format),
    ("__bool__", n_bool),
];

// ---- float ---------------------------------------------------------------------------

fn float_self(vm: &Vm, v: &Value, name: &str) -> PyResult<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        _ => Err(vm.type_error(format!(
            "descriptor '{name}' for 'float' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))),
    }
}

fn float_is_integer(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "is_integer", &a, 0, 0)?;
    let x = float_self(vm, &p[0], "is_integer")?;
    Ok(Value::Bool(x.is_finite() && x.fract() == 0.0))
}

fn float_as_integer_ratio(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "as_integer_ratio", &a, 0, 0)?;
    let x = float_self(vm, &p[0], "as_integer_ratio")?;
    if x.is_infinite() {
        return Err(vm.overflow_error("cannot convert Infinity to integer ratio"));
    }
    if x.is_nan() {
        return Err(vm.value_error("cannot convert NaN to integer ratio"));
    }
    let (n, d) = float_as_ratio(x);
    let g = n.gcd(&d);
    let (n, d) = if g.is_zero() {
        (n, d)
    } else {
        (n / &g, d / &g)
    };
    let nv = vm.new_int(n)?;
    let dv = vm.new_int(d)?;
    vm.new_tuple(vec![nv, dv])
}

fn float_conjugate(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "conjugate", &a, 0, 0)?;
    Ok(Value::Float(float_self(vm, &p[0], "conjugate")?))
}

fn float_float(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__float__", &a, 0, 0)?;
    Ok(Value::Float(float_self(vm, &p[0], "__float__")?))
}

/// `float.fromhex(s)`, a class method: `[sign] ['0x'] hex [. hex] [p exp]`
/// (or inf/nan), correctly rounded (half to even, subnormals included).
fn float_fromhex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "fromhex", &a, 1, 1)?;
    let Some(text) = p[1].as_str() else {
        return Err(vm.type_error(format!(
            "fromhex() argument must be str, not {}",
            vm.type_name(&p[1])
        )));
    };
    let text = text.to_string_lossy();
    let invalid = || vm.value_error("invalid hexadecimal floating-point string");
    let t = text.trim().to_ascii_lowercase();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, &t[..]),
    };
    let sign = |x: f64| if neg { -x } else { x };
    match body {
        "inf" | "infinity" => return Ok(Value::Float(sign(f64::INFINITY))),
        "nan" => return Ok(Value::Float(sign(f64::NAN))),
        _ => {}
    }
    let body = body.strip_prefix("0x").unwrap_or(body);
    let (mant, exp) = match body.split_once('p') {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| invalid())?),
        None => (body, 0),
    };
    let (int_part, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac.is_empty() {
        return Err(invalid());
    }
    let mut m = num_bigint::BigUint::default();
    for c in int_part.chars().chain(frac.chars()) {
        let d = c.to_digit(16).ok_or_else(invalid)?;
        m = (m << 4u32) + d;
    }
    if m.is_zero() {
        return Ok(Value::Float(sign(0.0)));
    }
    // The value is m * 2**e2; keep 53 bits (fewer for a subnormal).
    let e2 = exp.saturating_sub(4 * frac.len() as i64);
    let bits = m.bits() as i64;
    if e2.saturating_add(bits) > 1024 {
        return Err(vm.overflow_error("hexadecimal value too large to represent as a float"));
    }
    if e2.saturating_add(bits) < -1075 {
        return Ok(Value::Float(sign(0.0)));
    }
    let shift = (bits - 53).max(-1074 - e2);
    let (mut q, mut e) = if shift > 0 {
        let q = &m >> (shift as u64);
        let rem = &m - (&q << (shift as u64));
        let half = num_bigint::BigUint::one() << ((shift - 1) as u64);
        let q = if rem > half || (rem == half && q.bit(0)) {
            q + 1u32
        } else {
            q
        };
        (q, e2 + shift)
    } else {
        (m << ((-shift) as u64), e2 + shift)
    };
    if q.bits() > 53 {
        q >>= 1u32;
        e += 1;
    }
    let q: u64 = q.try_into().unwrap_or(0);
    let f = if q >= 1 << 52 {
        let biased = e + 52 + 1023;
        if biased >= 2047 {
            return Err(vm.overflow_error("hexadecimal value too large to represent as a float"));
        }
        f64::from_bits(((biased as u64) << 52) | (q - (1 << 52)))
    } else {
        // A subnormal: e is -1074 here.
        f64::from_bits(q)
    };
    Ok(Value::Float(sign(f)))
}

fn float_hex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "hex", &a, 0, 0)?;
    let x = float_self(vm, &p[0], "hex")?;
    if x.is_nan() {
        return vm.new_str("nan");
    }
    if x.is_infinite() {
        return vm.new_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return vm.new_str(&format!("{sign}0x0.0p+0"));
    }
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (lead, e) = if exp == 0 {
        (0, -1022)
    } else {
        (1, exp - 1023)
    };
    let digits = format!("{frac:013x}");
    vm.new_str(&format!(
        "{sign}0x{lead}.{digits}p{}{e}",
        if e >= 0 { "+" } else { "" }
    ))
}

/// Methods of `float`.
pub(crate) const FLOAT_METHODS: &[(&str, NativeFn)] = &[
    ("is_integer", float_is_integer),
    ("as_integer_ratio", float_as_integer_ratio),
    ("conjugate", float_conjugate),
    ("hex", float_hex),
    ("fromhex", float_fromhex),
    ("__float__", float_float),
    ("__int__", n_int),
    ("__round__", n_round),
    ("__add__", n_add),
    ("__radd__", n_radd),
    ("__sub__", n_sub),
    ("__rsub__", n_rsub),
    ("__mul__", n_mul),
    ("__rmul__", n_rmul),
    ("__truediv__", n_truediv),
    ("__floordiv__", n_floordiv),
    ("__mod__", n_mod),
    ("__pow__", n_pow),
    ("__rtruediv__", n_rtruediv),
    ("__rfloordiv__", n_rfloordiv),
    ("__rmod__", n_rmod),
    ("__rpow__", n_rpow),
    ("__divmod__", n_divmod),
    ("__rdivmod__", n_rdivmod),
    ("__neg__", n_neg),
    ("__pos__", n_pos),
    ("__abs__", n_abs),
    ("__lt__", n_lt),
    ("__le__", n_le),
    ("__eq__", n_eq),
    ("__ne__", n_ne),
    ("__gt__", n_gt),
    ("__ge__", n_ge),
    ("__hash__", n_hash),
    ("__repr__", n_repr),
    ("__format__", n_format),
    ("__bool__", n_bool),
];
