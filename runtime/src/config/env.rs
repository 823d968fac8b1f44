//! Reading `PYTHON*` variables and numbers the way CPython does.
//!
//! Mirrors the helpers of `Python/preconfig.c` and `Python/initconfig.c`:
//! `_Py_GetEnv` (an empty value is unset), `_Py_str_to_int` (C `strtol`
//! base 10: leading white space and a sign accepted, the whole string must
//! be consumed, no overflow), `_Py_get_env_flag` (a flag variable that is
//! not a non-negative integer counts as 1), and `strtoul` for
//! `PYTHONHASHSEED` (a leading `-` wraps around, as in C).

use crate::platform::Environ;
use crate::wstr::WString;

/// `_Py_GetEnv(use_environment, name)`.
pub(crate) fn get_env<'a>(environ: &'a Environ, use_env: bool, name: &str) -> Option<&'a [u8]> {
    if !use_env {
        return None;
    }
    environ.get_nonempty(name.as_bytes())
}

fn is_c_space(c: u32) -> bool {
    matches!(c, 0x20 | 0x09..=0x0D)
}

/// Parses `[space*][+|-]digits` fully; returns `(negative, magnitude)` or
/// `None` if nothing was converted or characters remain. Magnitude
/// saturates at `u128::MAX` (callers check their own ranges).
fn parse_c_integer<I: Iterator<Item = u32>>(it: I) -> Option<(bool, u128)> {
    let mut it = it.peekable();
    while it.peek().is_some_and(|&c| is_c_space(c)) {
        it.next();
    }
    let mut negative = false;
    if let Some(&c) = it.peek()
        && (c == u32::from(b'+') || c == u32::from(b'-'))
    {
        negative = c == u32::from(b'-');
        it.next();
    }
    let mut any = false;
    let mut value: u128 = 0;
    for c in it {
        if !(0x30..=0x39).contains(&c) {
            return None; // *endptr != '\0' (or no digits at all)
        }
        any = true;
        value = value
            .saturating_mul(10)
            .saturating_add(u128::from(c - 0x30));
    }
    any.then_some((negative, value))
}

fn to_int(parsed: Option<(bool, u128)>) -> Option<i32> {
    let (neg, mag) = parsed?;
    // strtol reports ERANGE beyond `long`; then the int range check.
    if neg {
        if mag > 1u128 << 63 {
            return None;
        }
        i32::try_from(-(mag as i128)).ok()
    } else {
        i32::try_from(mag).ok()
    }
}

/// `_Py_str_to_int()`.
pub(crate) fn str_to_int(s: &[u8]) -> Option<i32> {
    to_int(parse_c_integer(s.iter().map(|&b| u32::from(b))))
}

/// `config_wstr_to_int()` (`wcstol`).
pub(crate) fn wstr_to_int(s: &WString) -> Option<i32> {
    to_int(parse_c_integer(s.code_points()))
}

/// C `strtoul(s, &end, 10)` requiring `*end == '\0'`: `Some(value)` or
/// `None` (nothing converted, trailing characters, or `ERANGE`).
pub(crate) fn strtoul(s: &[u8]) -> Option<u64> {
    let (neg, mag) = parse_c_integer(s.iter().map(|&b| u32::from(b)))?;
    let mag = u64::try_from(mag).ok()?; // ERANGE → ULONG_MAX, rejected by callers
    Some(if neg { mag.wrapping_neg() } else { mag })
}

/// `_Py_get_env_flag()`: raises `*flag` to the variable's value; a value
/// that is not an integer, or is negative, counts as 1.
pub(crate) fn env_flag(environ: &Environ, use_env: bool, flag: &mut i32, name: &str) {
    let Some(var) = get_env(environ, use_env, name) else {
        return;
    };
    let value = match str_to_int(var) {
        Some(v) if v >= 0 => v,
        _ => 1,
    };
    if *flag < value {
        *flag = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_rules() {
        assert_eq!(str_to_int(b"42"), Some(42));
        assert_eq!(str_to_int(b" \t+7"), Some(7));
        assert_eq!(str_to_int(b"-3"), Some(-3));
        assert_eq!(str_to_int(b"7 "), None);
        assert_eq!(str_to_int(b""), None);
        assert_eq!(str_to_int(b"+"), None);
        assert_eq!(str_to_int(b"0x10"), None);
        assert_eq!(str_to_int(b"2147483647"), Some(i32::MAX));
        assert_eq!(str_to_int(b"2147483648"), None);
        assert_eq!(str_to_int(b"-2147483648"), Some(i32::MIN));
        assert_eq!(str_to_int(b"99999999999999999999999"), None);
    }

    #[test]
    fn strtoul_wraps_negative_values() {
        assert_eq!(strtoul(b" 42"), Some(42));
        assert_eq!(strtoul(b"-1"), Some(u64::MAX));
        assert_eq!(strtoul(b"-0"), Some(0));
        assert_eq!(strtoul(b"18446744073709551616"), None);
        assert_eq!(strtoul(b"4294967295"), Some(4_294_967_295));
    }

    #[test]
    fn env_flags_count_text_and_negatives_as_one() {
        let env = Environ::from_pairs([("A", "yes"), ("B", "-3"), ("C", "2"), ("D", "0")]);
        for (name, want) in [("A", 1), ("B", 1), ("C", 2), ("D", 0), ("E", 0)] {
            let mut flag = 0;
            env_flag(&env, true, &mut flag, name);
            assert_eq!(flag, want, "{name}");
        }
        let mut flag = 3;
        env_flag(&env, true, &mut flag, "C");
        assert_eq!(flag, 3);
        let mut flag = 0;
        env_flag(&env, false, &mut flag, "C");
        assert_eq!(flag, 0);
    }
}
