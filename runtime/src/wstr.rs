//! Wide strings: the `wchar_t *` of CPython's configuration API.
//!
//! CPython keeps every configuration string (`PyConfig.program_name`,
//! `argv`, `PYTHONPATH` …) as a `wchar_t *`, decoded from the bytes the OS
//! gave it with `Py_DecodeLocale()`. Undecodable bytes survive as lone
//! surrogates U+DC80..U+DCFF (the `surrogateescape` error handler), so a
//! wide string can hold code points a Rust `String` cannot.
//!
//! [`WString`] stores such a string as *generalized UTF-8*: every code point
//! in `0..=0x10FFFF`, surrogates included, encoded on its own in the usual
//! UTF-8 byte pattern. A wide string without surrogates is therefore
//! byte-for-byte a valid `str` ([`WString::as_str`] is free), and one with
//! them round-trips losslessly back to the bytes it came from
//! ([`WString::encode_utf8_surrogateescape`]). Surrogate pairs are never
//! joined: like a Python `str`, `"\ud800" + "\udc00"` is two code points.
//!
//! [`WideStringList`] is `PyWideStringList`.

use std::borrow::Cow;
use std::fmt;

/// A string of Unicode code points that may include lone surrogates.
///
/// Invariant: `bytes` is generalized UTF-8 (shortest-form UTF-8 of code
/// points `0..=0x10FFFF`, surrogates allowed, never paired).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WString {
    bytes: Vec<u8>,
}

/// A code point that cannot be encoded by the requested codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Index (in code points) of the first code point that failed.
    pub position: usize,
    /// The code point.
    pub code_point: u32,
}

impl WString {
    /// An empty string.
    pub const fn new() -> WString {
        WString { bytes: Vec::new() }
    }

    /// The generalized UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The string as `&str`, if it has no surrogate code points.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The string with each surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match self.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(
                self.code_points()
                    .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                    .collect(),
            ),
        }
    }

    /// True if the string is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Number of code points.
    pub fn char_count(&self) -> usize {
        // Every code point starts with a non-continuation byte.
        self.bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
    }

    /// Iterates over the code points.
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: &self.bytes,
            pos: 0,
        }
    }

    /// Appends a code point. Returns `false` (and appends nothing) if `cp`
    /// is above U+10FFFF.
    pub fn push_code_point(&mut self, cp: u32) -> bool {
        match cp {
            0..=0x7F => self.bytes.push(cp as u8),
            0x80..=0x7FF => {
                self.bytes.push(0xC0 | (cp >> 6) as u8);
                self.bytes.push(0x80 | (cp & 0x3F) as u8);
            }
            0x800..=0xFFFF => {
                self.bytes.push(0xE0 | (cp >> 12) as u8);
                self.bytes.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                self.bytes.push(0x80 | (cp & 0x3F) as u8);
            }
            0x10000..=0x10FFFF => {
                self.bytes.push(0xF0 | (cp >> 18) as u8);
                self.bytes.push(0x80 | ((cp >> 12) & 0x3F) as u8);
                self.bytes.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                self.bytes.push(0x80 | (cp & 0x3F) as u8);
            }
            _ => return false,
        }
        true
    }

    /// Appends a `str`.
    pub fn push_str(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
    }

    /// Appends another wide string.
    pub fn push_wstr(&mut self, s: &WString) {
        self.bytes.extend_from_slice(&s.bytes);
    }

    /// Builds a string from code points; `None` if one is above U+10FFFF.
    pub fn from_code_points<I: IntoIterator<Item = u32>>(cps: I) -> Option<WString> {
        let mut s = WString::new();
        for cp in cps {
            if !s.push_code_point(cp) {
                return None;
            }
        }
        Some(s)
    }

    /// Decodes UTF-8 with the `surrogateescape` error handler: every byte of
    /// an invalid sequence becomes U+DC00 + byte (CPython's
    /// `_Py_DecodeUTF8_surrogateescape`).
    pub fn decode_utf8_surrogateescape(bytes: &[u8]) -> WString {
        let mut out = WString {
            bytes: Vec::with_capacity(bytes.len()),
        };
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for &b in chunk.invalid() {
                out.push_code_point(0xDC00 + u32::from(b));
            }
        }
        out
    }

    /// Decodes ASCII with `surrogateescape` (bytes ≥ 0x80 are escaped).
    pub fn decode_ascii_surrogateescape(bytes: &[u8]) -> WString {
        let mut out = WString::new();
        for &b in bytes {
            if b < 0x80 {
                out.bytes.push(b);
            } else {
                out.push_code_point(0xDC00 + u32::from(b));
            }
        }
        out
    }

    /// Decodes ISO-8859-1 (every byte is a code point).
    pub fn decode_latin1(bytes: &[u8]) -> WString {
        let mut out = WString::new();
        for &b in bytes {
            out.push_code_point(u32::from(b));
        }
        out
    }

    /// Encodes to UTF-8 with `surrogateescape`: U+DC80..U+DCFF become the
    /// byte they escape; any other surrogate is an error.
    pub fn encode_utf8_surrogateescape(&self) -> Result<Vec<u8>, EncodeError> {
        if self.as_str().is_some() {
            return Ok(self.bytes.clone());
        }
        let mut out = Vec::with_capacity(self.bytes.len());
        for (i, cp) in self.code_points().enumerate() {
            match cp {
                0xDC80..=0xDCFF => out.push((cp - 0xDC00) as u8),
                0xD800..=0xDFFF => {
                    return Err(EncodeError {
                        position: i,
                        code_point: cp,
                    });
                }
                _ => {
                    let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        Ok(out)
    }

    /// Encodes to ASCII with `surrogateescape`.
    pub fn encode_ascii_surrogateescape(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.bytes.len());
        for (i, cp) in self.code_points().enumerate() {
            match cp {
                0..=0x7F => out.push(cp as u8),
                0xDC80..=0xDCFF => out.push((cp - 0xDC00) as u8),
                _ => {
                    return Err(EncodeError {
                        position: i,
                        code_point: cp,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Encodes to ISO-8859-1 (`surrogateescape` for U+DC80..U+DCFF).
    pub fn encode_latin1_surrogateescape(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.bytes.len());
        for (i, cp) in self.code_points().enumerate() {
            match cp {
                0..=0xFF => out.push(cp as u8),
                0xDC80..=0xDCFF => out.push((cp - 0xDC00) as u8),
                _ => {
                    return Err(EncodeError {
                        position: i,
                        code_point: cp,
                    });
                }
            }
        }
        Ok(out)
    }

    /// True if the string equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.bytes == s.as_bytes()
    }

    /// True if the string starts with `s`.
    pub fn starts_with(&self, s: &str) -> bool {
        self.bytes.starts_with(s.as_bytes())
    }

    /// True if the string ends with `s`.
    pub fn ends_with(&self, s: &str) -> bool {
        self.bytes.ends_with(s.as_bytes())
    }

    /// Splits at the first ASCII `sep`: `("name", Some("value"))` for
    /// `name=value`, `("name", None)` if `sep` is absent.
    pub fn split_once_ascii(&self, sep: u8) -> (WString, Option<WString>) {
        debug_assert!(sep.is_ascii());
        match self.bytes.iter().position(|&b| b == sep) {
            Some(i) => (
                WString {
                    bytes: self.bytes[..i].to_vec(),
                },
                Some(WString {
                    bytes: self.bytes[i + 1..].to_vec(),
                }),
            ),
            None => (self.clone(), None),
        }
    }

    /// Splits on an ASCII separator (empty pieces kept).
    pub fn split_ascii(&self, sep: u8) -> Vec<WString> {
        debug_assert!(sep.is_ascii());
        self.bytes
            .split(|&b| b == sep)
            .map(|p| WString { bytes: p.to_vec() })
            .collect()
    }

    /// Position (in bytes) of an ASCII byte.
    pub fn find_ascii(&self, b: u8) -> Option<usize> {
        self.bytes.iter().position(|&x| x == b)
    }

    /// The suffix after byte offset `at`, which must be a code point
    /// boundary.
    pub fn tail(&self, at: usize) -> WString {
        debug_assert!(at == self.bytes.len() || (self.bytes[at] & 0xC0) != 0x80);
        WString {
            bytes: self.bytes[at..].to_vec(),
        }
    }

    /// The prefix before byte offset `at`, a code point boundary.
    pub fn head(&self, at: usize) -> WString {
        debug_assert!(at == self.bytes.len() || (self.bytes[at] & 0xC0) != 0x80);
        WString {
            bytes: self.bytes[..at].to_vec(),
        }
    }

    /// Builds from generalized UTF-8 bytes; `None` if they are not.
    pub fn from_generalized_utf8(bytes: Vec<u8>) -> Option<WString> {
        let mut it = CodePoints {
            bytes: &bytes,
            pos: 0,
        };
        while it.pos < bytes.len() {
            it.checked_next()?;
        }
        Some(WString { bytes })
    }
}

impl From<&str> for WString {
    fn from(s: &str) -> WString {
        WString {
            bytes: s.as_bytes().to_vec(),
        }
    }
}

impl From<String> for WString {
    fn from(s: String) -> WString {
        WString {
            bytes: s.into_bytes(),
        }
    }
}

impl From<&String> for WString {
    fn from(s: &String) -> WString {
        WString::from(s.as_str())
    }
}

impl fmt::Display for WString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for WString {
    /// Python-style `repr()`: surrogates shown as `\udcXX`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for cp in self.code_points() {
            match char::from_u32(cp) {
                Some('\'') => f.write_str("\\'")?,
                Some('\\') => f.write_str("\\\\")?,
                Some('\n') => f.write_str("\\n")?,
                Some('\r') => f.write_str("\\r")?,
                Some('\t') => f.write_str("\\t")?,
                Some(c) if (c as u32) < 0x20 || c as u32 == 0x7F => {
                    write!(f, "\\x{:02x}", c as u32)?
                }
                Some(c) => write!(f, "{c}")?,
                None => write!(f, "\\u{cp:04x}")?,
            }
        }
        f.write_str("'")
    }
}

impl PartialEq<str> for WString {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for WString {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// Iterator over the code points of a [`WString`].
#[derive(Debug, Clone)]
pub struct CodePoints<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl CodePoints<'_> {
    /// Decodes one code point, validating the generalized UTF-8 form.
    fn checked_next(&mut self) -> Option<u32> {
        let b = &self.bytes[self.pos..];
        let first = *b.first()?;
        let (len, init) = match first {
            0x00..=0x7F => (1, u32::from(first)),
            0xC2..=0xDF => (2, u32::from(first & 0x1F)),
            0xE0..=0xEF => (3, u32::from(first & 0x0F)),
            0xF0..=0xF4 => (4, u32::from(first & 0x07)),
            _ => return None,
        };
        if b.len() < len {
            return None;
        }
        let mut cp = init;
        for &c in &b[1..len] {
            if (c & 0xC0) != 0x80 {
                return None;
            }
            cp = (cp << 6) | u32::from(c & 0x3F);
        }
        let min = [0, 0, 0x80, 0x800, 0x10000][len];
        if cp < min || cp > 0x10FFFF {
            return None;
        }
        self.pos += len;
        Some(cp)
    }
}

impl Iterator for CodePoints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        // The invariant of WString makes the checked decode infallible; a
        // corrupt string ends the iteration instead of panicking.
        let cp = self.checked_next();
        if cp.is_none() {
            debug_assert!(false, "WString invariant broken");
            self.pos = self.bytes.len();
        }
        cp
    }
}

/// `PyWideStringList`: an ordered list of wide strings.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct WideStringList {
    items: Vec<WString>,
}

impl WideStringList {
    /// An empty list (`_PyWideStringList_INIT`).
    pub const fn new() -> WideStringList {
        WideStringList { items: Vec::new() }
    }

    /// `PyWideStringList_Append`.
    pub fn append(&mut self, item: impl Into<WString>) {
        self.items.push(item.into());
    }

    /// `PyWideStringList_Insert`: `index` must be `>= 0`; an index past the
    /// end appends.
    pub fn insert(&mut self, index: isize, item: impl Into<WString>) -> crate::InitResult {
        if index < 0 {
            return Err(crate::Status::error_without_func(
                "PyWideStringList_Insert index must be >= 0",
            ));
        }
        let index = (index as usize).min(self.items.len());
        self.items.insert(index, item.into());
        Ok(())
    }

    /// Appends every item of `other` (`_PyWideStringList_Extend`).
    pub fn extend(&mut self, other: &WideStringList) {
        self.items.extend(other.items.iter().cloned());
    }

    /// True if `item` is in the list (`_PyWideStringList_Find`).
    pub fn contains(&self, item: &WString) -> bool {
        self.items.contains(item)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if the list is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items.
    pub fn items(&self) -> &[WString] {
        &self.items
    }

    /// Mutable access to the items.
    pub fn items_mut(&mut self) -> &mut Vec<WString> {
        &mut self.items
    }

    /// Removes every item (`_PyWideStringList_Clear`).
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, WString> {
        self.items.iter()
    }
}

impl fmt::Debug for WideStringList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<S: Into<WString>> FromIterator<S> for WideStringList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        WideStringList {
            items: iter.into_iter().map(Into::into).collect(),
        }
    }
}

impl<'a> IntoIterator for &'a WideStringList {
    type Item = &'a WString;
    type IntoIter = std::slice::Iter<'a, WString>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogateescape_round_trips_invalid_utf8() {
        let raw = b"ok\xff\xc3(\xed\xa0\x80end";
        let w = WString::decode_utf8_surrogateescape(raw);
        assert!(w.as_str().is_none());
        let cps: Vec<u32> = w.code_points().collect();
        assert_eq!(&cps[..3], &[b'o' as u32, b'k' as u32, 0xDCFF]);
        assert_eq!(w.encode_utf8_surrogateescape().unwrap(), raw);
    }

    #[test]
    fn lone_surrogate_outside_escape_range_fails_to_encode() {
        let w = WString::from_code_points([0x61, 0xD800]).unwrap();
        assert_eq!(
            w.encode_utf8_surrogateescape(),
            Err(EncodeError {
                position: 1,
                code_point: 0xD800
            })
        );
        assert_eq!(format!("{w:?}"), "'a\\ud800'");
    }

    #[test]
    fn surrogates_are_not_joined() {
        let w = WString::from_code_points([0xD800, 0xDC00]).unwrap();
        assert_eq!(w.char_count(), 2);
        assert_eq!(w.code_points().collect::<Vec<_>>(), vec![0xD800, 0xDC00]);
    }

    #[test]
    fn insert_rejects_negative_index_and_clamps() {
        let mut l: WideStringList = ["a", "b"].into_iter().collect();
        let err = l.insert(-1, "x").unwrap_err();
        assert_eq!(err.message(), "PyWideStringList_Insert index must be >= 0");
        l.insert(99, "z").unwrap();
        l.insert(0, "y").unwrap();
        assert_eq!(format!("{l:?}"), "['y', 'a', 'b', 'z']");
    }

    #[test]
    fn generalized_utf8_validation() {
        assert!(WString::from_generalized_utf8(b"\xed\xa0\x80".to_vec()).is_some());
        assert!(WString::from_generalized_utf8(b"\xc0\x80".to_vec()).is_none());
        assert!(WString::from_generalized_utf8(b"\xf4\x90\x80\x80".to_vec()).is_none());
    }
}
