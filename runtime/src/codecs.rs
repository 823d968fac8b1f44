//! The codec registry: encoding names and their canonical codec names.
//!
//! Mirrors `codecs.lookup()` on CPython 3.13: the name is lowercased,
//! normalized like `encodings.normalize_encoding()` (runs of characters
//! other than ASCII letters, digits and `.` become one `_`), resolved
//! through the alias table of `encodings/aliases.py`, and answered with
//! the codec's `name` (`latin-1` → `iso8859-1`, `ANSI_X3.4-1968` →
//! `ascii`). pyrt ships the Unicode codecs and ASCII/Latin-1; any other
//! name raises `LookupError: unknown encoding: NAME`, as CPython does for
//! a codec it lacks.

/// A codec pyrt implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// UTF-8.
    Utf8,
    /// UTF-8 with a BOM.
    Utf8Sig,
    /// 7-bit ASCII.
    Ascii,
    /// ISO-8859-1.
    Latin1,
    /// UTF-16 with a BOM (native order: little endian).
    Utf16,
    /// UTF-16LE.
    Utf16Le,
    /// UTF-16BE.
    Utf16Be,
    /// UTF-32 with a BOM (little endian).
    Utf32,
    /// UTF-32LE.
    Utf32Le,
    /// UTF-32BE.
    Utf32Be,
}

impl Codec {
    /// The codec's `name` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Utf8 => "utf-8",
            Codec::Utf8Sig => "utf-8-sig",
            Codec::Ascii => "ascii",
            Codec::Latin1 => "iso8859-1",
            Codec::Utf16 => "utf-16",
            Codec::Utf16Le => "utf-16-le",
            Codec::Utf16Be => "utf-16-be",
            Codec::Utf32 => "utf-32",
            Codec::Utf32Le => "utf-32-le",
            Codec::Utf32Be => "utf-32-be",
        }
    }
}

/// `encodings.normalize_encoding()` after CPython's lowercasing.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            }
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

fn module(name: &str) -> Option<Codec> {
    Some(match name {
        "utf_8" => Codec::Utf8,
        "utf_8_sig" => Codec::Utf8Sig,
        "ascii" => Codec::Ascii,
        "latin_1" => Codec::Latin1,
        "utf_16" => Codec::Utf16,
        "utf_16_le" => Codec::Utf16Le,
        "utf_16_be" => Codec::Utf16Be,
        "utf_32" => Codec::Utf32,
        "utf_32_le" => Codec::Utf32Le,
        "utf_32_be" => Codec::Utf32Be,
        _ => return None,
    })
}

fn alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "646" | "ansi_x3.4_1968" | "ansi_x3_4_1968" | "ansi_x3.4_1986" | "cp367" | "csascii"
        | "ibm367" | "iso646_us" | "iso_646.irv_1991" | "iso_ir_6" | "us" | "us_ascii" => "ascii",
        "8859" | "cp819" | "csisolatin1" | "ibm819" | "iso8859" | "iso8859_1" | "iso_8859_1"
        | "iso_8859_1_1987" | "iso_ir_100" | "l1" | "latin" | "latin1" => "latin_1",
        "u16" | "utf16" => "utf_16",
        "unicodebigunmarked" | "utf_16be" => "utf_16_be",
        "unicodelittleunmarked" | "utf_16le" => "utf_16_le",
        "u32" | "utf32" => "utf_32",
        "utf_32be" => "utf_32_be",
        "utf_32le" => "utf_32_le",
        "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" | "cp65001" => "utf_8",
        _ => return None,
    })
}

/// `codecs.lookup(name)`: the codec, or `None` for `LookupError`.
pub fn lookup(name: &str) -> Option<Codec> {
    let norm = normalize(name);
    let aliased = alias(&norm).or_else(|| alias(&norm.replace('.', "_")));
    aliased
        .and_then(module)
        .or_else(|| module(&norm))
        .or_else(|| module(&norm.replace('.', "_")))
}

/// The error handlers CPython registers at startup.
pub fn is_known_error_handler(name: &str) -> bool {
    matches!(
        name,
        "strict"
            | "ignore"
            | "replace"
            | "backslashreplace"
            | "xmlcharrefreplace"
            | "namereplace"
            | "surrogateescape"
            | "surrogatepass"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_cpython() {
        // Pairs observed with CPython 3.13.0's codecs.lookup().name.
        for (given, want) in [
            ("UTF-8", Some("utf-8")),
            ("utf8", Some("utf-8")),
            ("U8", Some("utf-8")),
            ("latin-1", Some("iso8859-1")),
            ("L1", Some("iso8859-1")),
            ("ISO-8859-1", Some("iso8859-1")),
            ("ANSI_X3.4-1968", Some("ascii")),
            ("us-ascii", Some("ascii")),
            ("646", Some("ascii")),
            ("utf-16", Some("utf-16")),
            ("UTF16LE", None),
            ("utf_32_be", Some("utf-32-be")),
            ("cp65001", Some("utf-8")),
            ("latin", Some("iso8859-1")),
            ("iso8859", Some("iso8859-1")),
            ("8859", Some("iso8859-1")),
            (" utf-8 ", Some("utf-8")),
            ("utf-8-sig", Some("utf-8-sig")),
            ("bogus", None),
        ] {
            assert_eq!(lookup(given).map(Codec::name), want, "{given}");
        }
    }
}
