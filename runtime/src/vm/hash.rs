//! Hashing exactly as CPython 3.13 (Python/pyhash.c, Objects/longobject.c,
//! Objects/tupleobject.c): ints modulo 2**61 - 1, floats consistent with
//! ints, str and bytes with SipHash-1-3 keyed from PYTHONHASHSEED, tuples
//! with the xxHash-based combiner. With `PYTHONHASHSEED=0` str hashes equal
//! CPython's, so even str-keyed sets iterate in CPython's order.

use std::hash::Hasher;

use num_bigint::{BigInt, Sign};
use num_traits::{ToPrimitive, Zero};

use super::object::PyStr;
use super::state::Vm;

const MODULUS: u64 = (1 << 61) - 1;
const BITS: u32 = 61;
const INF: i64 = 314_159;

/// The SipHash key for a configuration's hash seed (`_Py_HashRandomization_Init`).
pub fn hash_key(use_seed: bool, seed: u64) -> (u64, u64) {
    if use_seed {
        if seed == 0 {
            return (0, 0);
        }
        // lcg_urandom(seed) fills the secret.
        let mut x = seed as u32;
        let mut buf = [0u8; 16];
        for b in &mut buf {
            x = x.wrapping_mul(214_013).wrapping_add(2_531_011);
            *b = ((x >> 16) & 0xFF) as u8;
        }
        let k0 = u64::from_le_bytes(buf[..8].try_into().unwrap_or([0; 8]));
        let k1 = u64::from_le_bytes(buf[8..].try_into().unwrap_or([0; 8]));
        return (k0, k1);
    }
    // Random: std's per-process random keys.
    use std::hash::BuildHasher;
    let s = std::collections::hash_map::RandomState::new();
    (s.hash_one(0x5eed_u64), s.hash_one(0xface_u64))
}

/// SipHash-1-3 of `b` (`_Py_HashBytes`).
pub fn hash_bytes(vm: &Vm, b: &[u8]) -> i64 {
    if b.is_empty() {
        return 0;
    }
    let mut h = siphasher::sip::SipHasher13::new_with_keys(vm.hash_key.0, vm.hash_key.1);
    h.write(b);
    let x = h.finish() as i64;
    if x == -1 { -2 } else { x }
}

/// The hash of a str given as generalized UTF-8, over CPython's internal
/// representation (latin-1, UCS-2 or UCS-4 little-endian).
pub fn hash_str_bytes(vm: &Vm, b: &[u8]) -> i64 {
    if b.is_ascii() {
        return hash_bytes(vm, b);
    }
    let cps: Vec<u32> = super::strrepr::code_points(b).collect();
    let max = cps.iter().copied().max().unwrap_or(0);
    let mut buf = Vec::with_capacity(cps.len() * 4);
    if max < 0x100 {
        buf.extend(cps.iter().map(|&c| c as u8));
    } else if max < 0x10000 {
        for c in &cps {
            buf.extend_from_slice(&(*c as u16).to_le_bytes());
        }
    } else {
        for c in &cps {
            buf.extend_from_slice(&c.to_le_bytes());
        }
    }
    hash_bytes(vm, &buf)
}

/// The (cached) hash of a str.
#[inline]
pub fn str_hash(vm: &Vm, s: &PyStr) -> i64 {
    let h = s.hash.get();
    if h != -1 {
        return h;
    }
    let h = hash_str_bytes(vm, s.as_bytes());
    s.hash.set(h);
    h
}

/// `hash(int)` for an i64.
#[inline]
pub fn hash_i64(v: i64) -> i64 {
    if (-(MODULUS as i64) < v) && v < MODULUS as i64 {
        return if v == -1 { -2 } else { v };
    }
    let m = (v.unsigned_abs() % MODULUS) as i64;
    let x = if v < 0 { -m } else { m };
    if x == -1 { -2 } else { x }
}

/// `hash(int)` for a big int.
pub fn hash_bigint(v: &BigInt) -> i64 {
    let m = v.magnitude() % num_bigint::BigUint::from(MODULUS);
    let m = m.to_u64().unwrap_or(0) as i64;
    let x = if v.sign() == Sign::Minus { -m } else { m };
    if x == -1 { -2 } else { x }
}

/// `hash(float)` (`_Py_HashDouble`); NaN hashes to 0 for unboxed floats.
pub fn hash_f64(v: f64) -> i64 {
    if v.is_nan() {
        return 0;
    }
    if v.is_infinite() {
        return if v > 0.0 { INF } else { -INF };
    }
    if v.fract() == 0.0 && v.abs() < 9.2e18 {
        return hash_i64(v as i64);
    }
    let (mut m, mut e) = frexp(v);
    let mut sign = 1i64;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (BITS - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % BITS as i32
    } else {
        BITS as i32 - 1 - ((-1 - e) % BITS as i32)
    };
    let e = e as u32;
    x = ((x << e) & MODULUS) | (x >> (BITS - e));
    let x = (x as i64).wrapping_mul(sign);
    if x == -1 { -2 } else { x }
}

fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(v * 2f64.powi(64));
        return (m, e - 64);
    }
    let e = exp - 1022;
    let m = f64::from_bits((bits & !(0x7FF << 52)) | (1022 << 52));
    (m, e)
}

/// The tuple combiner (xxHash-based, 64-bit).
pub fn hash_tuple(lanes: impl Iterator<Item = i64>, len: usize) -> i64 {
    const P1: u64 = 11_400_714_785_074_694_791;
    const P2: u64 = 14_029_467_366_897_019_727;
    const P5: u64 = 2_870_177_450_012_600_261;
    let mut acc = P5;
    for lane in lanes {
        acc = acc.wrapping_add((lane as u64).wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add((len as u64) ^ (P5 ^ 3_527_539));
    if acc == u64::MAX {
        1_546_275_796
    } else {
        acc as i64
    }
}

/// The default `object.__hash__` (from the address, rotated by 4).
pub fn hash_pointer(p: usize) -> i64 {
    let y = p.rotate_right(4) as i64;
    if y == -1 { -2 } else { y }
}

/// `hash(None)` (constant since 3.12).
pub const NONE_HASH: i64 = 0xFCA8_6420;

/// `hash(frozenset)` combining member hashes.
pub fn hash_frozenset(hashes: impl Iterator<Item = i64>, len: usize) -> i64 {
    let shuffle = |h: u64| ((h ^ 89_869_747) ^ (h << 16)).wrapping_mul(3_644_798_167);
    let mut h: u64 = 0;
    for x in hashes {
        h ^= shuffle(x as u64);
    }
    h ^= ((len as u64) + 1).wrapping_mul(1_927_868_237);
    h ^= (h >> 11) ^ (h >> 25);
    h = h.wrapping_mul(69_069).wrapping_add(907_133_923);
    if h == u64::MAX { 590_923_713 } else { h as i64 }
}

/// True if the big int is zero (helper for callers).
pub fn big_is_zero(v: &BigInt) -> bool {
    v.is_zero()
}
