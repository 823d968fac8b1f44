//! Code points of generalized UTF-8 (UTF-8 that may also hold lone
//! surrogates, as Python's `str` can) and `repr()` of str and bytes.

use super::unicode_printable::is_printable;

/// Decodes the code point at `b[i..]`; returns it and its length. Bytes
/// that are not generalized UTF-8 (never produced by pyrt) decode as
/// U+FFFD one byte at a time rather than panicking.
#[inline]
pub fn decode_at(b: &[u8], i: usize) -> (u32, usize) {
    let c0 = b[i];
    if c0 < 0x80 {
        return (u32::from(c0), 1);
    }
    let (len, init) = match c0 {
        0xC2..=0xDF => (2, u32::from(c0 & 0x1F)),
        0xE0..=0xEF => (3, u32::from(c0 & 0x0F)),
        0xF0..=0xF4 => (4, u32::from(c0 & 0x07)),
        _ => return (0xFFFD, 1),
    };
    if i + len > b.len() {
        return (0xFFFD, 1);
    }
    let mut cp = init;
    for &c in &b[i + 1..i + len] {
        if c & 0xC0 != 0x80 {
            return (0xFFFD, 1);
        }
        cp = (cp << 6) | u32::from(c & 0x3F);
    }
    (cp, len)
}

/// Iterates the code points of generalized UTF-8.
pub fn code_points(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let (cp, n) = decode_at(b, i);
        i += n;
        Some(cp)
    })
}

/// Number of code points.
pub fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// `repr(str)`.
pub fn repr_str(b: &[u8]) -> String {
    let has_single = b.contains(&b'\'');
    let has_double = b.contains(&b'"');
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut out = String::with_capacity(b.len() + 2);
    out.push(quote);
    for cp in code_points(b) {
        match cp {
            0x5C => out.push_str("\\\\"),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            _ if cp == quote as u32 => {
                out.push('\\');
                out.push(quote);
            }
            _ if is_printable(cp) => out.push(char::from_u32(cp).unwrap_or('\u{FFFD}')),
            _ if cp < 0x100 => out.push_str(&format!("\\x{cp:02x}")),
            _ if cp < 0x10000 => out.push_str(&format!("\\u{cp:04x}")),
            _ => out.push_str(&format!("\\U{cp:08x}")),
        }
    }
    out.push(quote);
    out
}

/// `repr(bytes)`.
pub fn repr_bytes(b: &[u8]) -> String {
    let has_single = b.contains(&b'\'');
    let has_double = b.contains(&b'"');
    let quote = if has_single && !has_double {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7E => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote as char);
    out
}
