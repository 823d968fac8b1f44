//! `int` and `float` arithmetic (Objects/longobject.c, floatobject.c):
//! 64-bit fast paths that overflow into arbitrary precision, Python's
//! floor division and modulo signs, and CPython's error messages.

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Pow, Signed, ToPrimitive, Zero};

use super::code::BinKind;
use super::object::{ObjKind, Value};
use super::state::{PyResult, Vm};

/// A numeric operand.
#[derive(Debug)]
pub enum Num<'a> {
    /// An int in i64.
    Small(i64),
    /// A big int.
    Big(&'a BigInt),
    /// A float.
    Float(f64),
}

/// The numeric view of a value (bool counts as int).
#[inline]
pub fn as_num(v: &Value) -> Option<Num<'_>> {
    match v {
        Value::Int(i) => Some(Num::Small(*i)),
        Value::Bool(b) => Some(Num::Small(i64::from(*b))),
        Value::Float(f) => Some(Num::Float(*f)),
        Value::Obj(o) => match &o.kind {
            ObjKind::BigInt(b) => Some(Num::Big(b)),
            _ => None,
        },
        _ => None,
    }
}

/// The int value of an int-like (int, bool) as a BigInt.
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(i64::from(*b))),
        Value::Obj(o) => match &o.kind {
            ObjKind::BigInt(b) => Some((**b).clone()),
            _ => None,
        },
        _ => None,
    }
}

/// True for int or bool values.
pub fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_))
        || matches!(v, Value::Obj(o) if matches!(o.kind, ObjKind::BigInt(_)))
}

/// An int value to f64, with CPython's OverflowError.
pub fn int_to_f64(vm: &Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Float(f) => Ok(*f),
        _ => match to_bigint(v).and_then(|b| b.to_f64()) {
            Some(f) if f.is_finite() => Ok(f),
            _ => Err(vm.overflow_error("int too large to convert to float")),
        },
    }
}

/// Floor division and modulo of i64 (b != 0), None on overflow.
#[inline]
pub fn i64_divmod(a: i64, b: i64) -> Option<(i64, i64)> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        Some((q - 1, r + b))
    } else {
        Some((q, r))
    }
}

fn big_floor_divmod(a: &BigInt, b: &BigInt) -> (BigInt, BigInt) {
    a.div_mod_floor(b)
}

/// Integer binary operation on two ints (`None` when the operator does
/// not apply to ints, e.g. `@`).
pub fn int_binop(vm: &Vm, op: BinKind, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    // bool's own `&`, `|`, `^`: a bool of two bools.
    if let (Value::Bool(x), Value::Bool(y)) = (a, b) {
        match op {
            BinKind::And => return Ok(Some(Value::Bool(x & y))),
            BinKind::Or => return Ok(Some(Value::Bool(x | y))),
            BinKind::Xor => return Ok(Some(Value::Bool(x ^ y))),
            _ => {}
        }
    }
    // Fast path: both small.
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let r = match op {
            BinKind::Add => x.checked_add(y).map(Value::Int),
            BinKind::Sub => x.checked_sub(y).map(Value::Int),
            BinKind::Mul => x.checked_mul(y).map(Value::Int),
            BinKind::FloorDiv => {
                if y == 0 {
                    return Err(vm.zero_division("integer division or modulo by zero"));
                }
                i64_divmod(x, y).map(|(q, _)| Value::Int(q))
            }
            BinKind::Mod => {
                if y == 0 {
                    return Err(vm.zero_division("integer modulo by zero"));
                }
                i64_divmod(x, y).map(|(_, r)| Value::Int(r))
            }
            BinKind::TrueDiv => {
                if y == 0 {
                    return Err(vm.zero_division("division by zero"));
                }
                return Ok(Some(Value::Float(
                    true_div_int(&BigInt::from(x), &BigInt::from(y))
                        .map_err(|m| vm.overflow_error(m))?,
                )));
            }
            BinKind::And => Some(Value::Int(x & y)),
            BinKind::Or => Some(Value::Int(x | y)),
            BinKind::Xor => Some(Value::Int(x ^ y)),
            BinKind::LShift => {
                if y < 0 {
                    return Err(vm.value_error("negative shift count"));
                }
                if y < 63 && x.unsigned_abs() < (1u64 << (63 - y)) {
                    Some(Value::Int(x << y))
                } else {
                    None
                }
            }
            BinKind::RShift => {
                if y < 0 {
                    return Err(vm.value_error("negative shift count"));
                }
                Some(Value::Int(if y >= 64 {
                    if x < 0 { -1 } else { 0 }
                } else {
                    x >> y
                }))
            }
            BinKind::Pow => {
                if y < 0 {
                    if x == 0 {
                        return Err(vm.zero_division("0.0 cannot be raised to a negative power"));
                    }
                    return Ok(Some(Value::Float((x as f64).powf(y as f64))));
                }
                if y <= u32::MAX as i64 {
                    x.checked_pow(y as u32).map(Value::Int)
                } else {
                    None
                }
            }
            BinKind::MatMul => return Ok(None),
        };
        if let Some(r) = r {
            return Ok(Some(r));
        }
    }
    // Big path.
    let (Some(x), Some(y)) = (to_bigint(a), to_bigint(b)) else {
        return Ok(None);
    };
    let r = match op {
        BinKind::Add => x + y,
        BinKind::Sub => x - y,
        BinKind::Mul => x * y,
        BinKind::FloorDiv => {
            if y.is_zero() {
                return Err(vm.zero_division("integer division or modulo by zero"));
            }
            big_floor_divmod(&x, &y).0
        }
        BinKind::Mod => {
            if y.is_zero() {
                return Err(vm.zero_division("integer modulo by zero"));
            }
            big_floor_divmod(&x, &y).1
        }
        BinKind::TrueDiv => {
            if y.is_zero() {
                return Err(vm.zero_division("division by zero"));
            }
            return Ok(Some(Value::Float(
                true_div_int(&x, &y).map_err(|m| vm.overflow_error(m))?,
            )));
        }
        BinKind::And => x & y,
        BinKind::Or => x | y,
        BinKind::Xor => x ^ y,
        BinKind::LShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            let s = y
                .to_u64()
                .filter(|s| *s < (1 << 40))
                .ok_or_else(|| vm.overflow_error("too many digits in integer"))?;
            if x.is_zero() {
                BigInt::zero()
            } else {
                check_size(vm, x.bits() + s)?;
                x << s
            }
        }
        BinKind::RShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            match y.to_u64() {
                Some(s) if s < x.bits() + 1 => {
                    // Floor semantics for negatives.
                    let d = BigInt::one() << s;
                    x.div_floor(&d)
                }
                _ => {
                    if x.is_negative() {
                        BigInt::from(-1)
                    } else {
                        BigInt::zero()
                    }
                }
            }
        }
        BinKind::Pow => {
            if y.is_negative() {
                let xf = x.to_f64().unwrap_or(f64::INFINITY);
                let yf = y.to_f64().unwrap_or(f64::NEG_INFINITY);
                if xf == 0.0 {
                    return Err(vm.zero_division("0.0 cannot be raised to a negative power"));
                }
                return Ok(Some(Value::Float(xf.powf(yf))));
            }
            let e = y
                .to_u64()
                .ok_or_else(|| vm.overflow_error("exponent too large"))?;
            if x.is_zero() || x.is_one() || e == 0 {
                if e == 0 { BigInt::one() } else { x }
            } else if x == BigInt::from(-1) {
                if e % 2 == 0 { BigInt::one() } else { x }
            } else {
                check_size(vm, x.bits().saturating_mul(e))?;
                Pow::pow(x, e)
            }
        }
        BinKind::MatMul => return Ok(None),
    };
    Ok(Some(vm.new_int(r)?))
}

/// Guards against ints too large to build (bits).
fn check_size(vm: &Vm, bits: u64) -> PyResult<()> {
    if bits > (1 << 32) {
        return Err(vm.memory_error());
    }
    Ok(())
}

#[inline]
fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Correctly rounded int / int (`long_true_divide`).
pub fn true_div_int(a: &BigInt, b: &BigInt) -> Result<f64, &'static str> {
    if let (Some(x), Some(y)) = (a.to_i64(), b.to_i64())
        && x.unsigned_abs() < (1 << 53)
        && y.unsigned_abs() < (1 << 53)
    {
        return Ok(x as f64 / y as f64);
    }
    let neg = (a.sign() == Sign::Minus) != (b.sign() == Sign::Minus);
    let (a, b) = (a.abs(), b.abs());
    // Scale so the quotient has 55+ significant bits, then round.
    let shift = 55i64 - (a.bits() as i64 - b.bits() as i64);
    let (num, den) = if shift > 0 {
        (a << shift as u64, b)
    } else {
        (a, b << (-shift) as u64)
    };
    let (q, r) = num.div_rem(&den);
    let mut q = q;
    // Sticky bit for correct rounding.
    if !r.is_zero() {
        q = (q << 1u32) | BigInt::one();
    } else {
        q <<= 1u32;
    }
    let f = q.to_f64().unwrap_or(f64::INFINITY);
    let e = -shift - 1;
    let v = if e > 1023 {
        f64::INFINITY
    } else if e < -1100 {
        0.0
    } else {
        // ldexp with exact rounding for normal results.
        f * 2f64.powi(e as i32)
    };
    if v.is_infinite() {
        return Err("integer division result too large for a float");
    }
    Ok(if neg { -v } else { v })
}

/// Float binary operation (either side may be an int).
pub fn float_binop(vm: &Vm, op: BinKind, a: f64, b: f64) -> PyResult<Option<Value>> {
    let r = match op {
        BinKind::Add => a + b,
        BinKind::Sub => a - b,
        BinKind::Mul => a * b,
        BinKind::TrueDiv => {
            if b == 0.0 {
                return Err(vm.zero_division("float division by zero"));
            }
            a / b
        }
        BinKind::FloorDiv => {
            if b == 0.0 {
                return Err(vm.zero_division("float floor division by zero"));
            }
            float_divmod(a, b).0
        }
        BinKind::Mod => {
            if b == 0.0 {
                return Err(vm.zero_division("float modulo by zero"));
            }
            float_divmod(a, b).1
        }
        BinKind::Pow => return float_pow(vm, a, b).map(Some),
        _ => return Ok(None),
    };
    Ok(Some(Value::Float(r)))
}

/// Python's float divmod (`float_divmod`).
pub fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

/// `float ** float` with CPython's errors.
pub fn float_pow(vm: &Vm, a: f64, b: f64) -> PyResult<Value> {
    if a == 0.0 && b < 0.0 {
        return Err(vm.zero_division("0.0 cannot be raised to a negative power"));
    }
    if a < 0.0 && b.fract() != 0.0 && b.is_finite() {
        return Err(
            vm.not_supported("raising a negative number to a fractional power (complex results)")
        );
    }
    let r = a.powf(b);
    if r.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(vm.overflow_error("(34, 'Numerical result out of range')"));
    }
    Ok(Value::Float(r))
}

/// Compares two numbers exactly (int vs float without rounding errors).
pub fn num_cmp(a: &Num<'_>, b: &Num<'_>) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (Num::Small(x), Num::Small(y)) => Some(x.cmp(y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
        (Num::Small(x), Num::Float(y)) => cmp_int_float(&BigInt::from(*x), *y),
        (Num::Float(x), Num::Small(y)) => {
            cmp_int_float(&BigInt::from(*y), *x).map(Ordering::reverse)
        }
        (Num::Big(x), Num::Float(y)) => cmp_int_float(x, *y),
        (Num::Float(x), Num::Big(y)) => cmp_int_float(y, *x).map(Ordering::reverse),
        (Num::Big(x), Num::Big(y)) => Some(x.cmp(y)),
        (Num::Big(x), Num::Small(y)) => Some((*x).cmp(&BigInt::from(*y))),
        (Num::Small(x), Num::Big(y)) => Some(BigInt::from(*x).cmp(y)),
    }
}

fn cmp_int_float(i: &BigInt, f: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    if let Some(x) = i.to_i64()
        && x.unsigned_abs() < (1 << 53)
    {
        return (x as f64).partial_cmp(&f);
    }
    // Compare exactly: floor of f as a big int, then the fraction.
    let fl = f.floor();
    let fi = BigInt::from_f64_exact(fl);
    match i.cmp(&fi) {
        Ordering::Equal => Some(if f > fl {
            Ordering::Less
        } else {
            Ordering::Equal
        }),
        o => Some(o),
    }
}

/// Exact conversion of an integral float.
trait FromF64Exact {
    fn from_f64_exact(f: f64) -> BigInt;
}

impl FromF64Exact for BigInt {
    fn from_f64_exact(f: f64) -> BigInt {
        num_traits::FromPrimitive::from_f64(f).unwrap_or_default()
    }
}

/// Decimal text of an int, honouring `int_max_str_digits`.
pub fn int_to_decimal(vm: &Vm, v: &Value) -> PyResult<String> {
    match v {
        Value::Int(i) => Ok(i.to_string()),
        Value::Bool(b) => Ok(if *b { "1".into() } else { "0".into() }),
        _ => {
            let b = to_bigint(v).unwrap_or_default();
            let limit = vm.int_max_str_digits.get();
            if limit > 0 {
                // Cheap bound first: bits * log10(2).
                let digits_lo =
                    ((b.bits() as f64 - 1.0) * std::f64::consts::LOG10_2).floor() as i64 + 1;
                if digits_lo > limit {
                    return Err(vm.value_error(format!(
                        "Exceeds the limit ({limit} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit"
                    )));
                }
            }
            let s = b.to_string();
            let n = s.trim_start_matches('-').len() as i64;
            if limit > 0 && n > limit {
                return Err(vm.value_error(format!(
                    "Exceeds the limit ({limit} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit"
                )));
            }
            Ok(s)
        }
    }
}

/// `int(s, base)` parsing with CPython's rules and messages.
pub fn parse_int(vm: &Vm, text: &str, base: u32, shown: &str) -> PyResult<Value> {
    let invalid = || {
        vm.value_error(format!(
            "invalid literal for int() with base {base}: {shown}"
        ))
    };
    let text = super::unicode_classes::ascii_digits(text);
    let s = text.trim_matches(|c: char| c.is_whitespace());
    let (neg, mut body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut base = base;
    let lower = body.to_ascii_lowercase();
    if base == 0 || base == 16 || base == 8 || base == 2 {
        let prefix = |p: &str, b: u32| lower.starts_with(p) && (base == 0 || base == b);
        if prefix("0x", 16) {
            base = 16;
            body = &body[2..];
        } else if prefix("0o", 8) {
            base = 8;
            body = &body[2..];
        } else if prefix("0b", 2) {
            base = 2;
            body = &body[2..];
        } else if base == 0 {
            base = 10;
            if body.len() > 1
                && body.starts_with('0')
                && body.bytes().any(|c| c != b'0' && c != b'_')
            {
                return Err(
                    vm.value_error(format!("invalid literal for int() with base 0: {shown}"))
                );
            }
        }
        if body.starts_with('_') && base != 10 {
            body = &body[1..];
        }
    }
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return Err(invalid());
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    if !digits.chars().all(|c| c.is_digit(base)) {
        // Non-ASCII decimal digits (e.g. Arabic-Indic) are outside the subset.
        return Err(invalid());
    }
    let limit = vm.int_max_str_digits.get();
    if base == 10 && limit > 0 && digits.len() as i64 > limit {
        return Err(vm.value_error(format!(
            "Exceeds the limit ({limit} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        )));
    }
    if let Ok(v) = i64::from_str_radix(&digits, base) {
        return Ok(Value::Int(if neg { -v } else { v }));
    }
    let v = BigInt::parse_bytes(digits.as_bytes(), base).ok_or_else(invalid)?;
    vm.new_int(if neg { -v } else { v })
}
