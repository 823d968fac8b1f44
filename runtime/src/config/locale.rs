//! The LC_CTYPE locale, modelled as data.
//!
//! CPython asks libc: `setlocale(LC_CTYPE, "")` picks the locale named by
//! `LC_ALL`, `LC_CTYPE` or `LANG`, `nl_langinfo(CODESET)` names its
//! encoding, and PEP 538 coercion *sets* `LC_CTYPE=C.UTF-8` in the process
//! environment. pyrt cannot touch libc's process-wide locale (several
//! runtimes share a process, and wasm has no locale database), so each
//! runtime carries its own [`LocaleEnv`]: its environment block and its
//! current LC_CTYPE. The rules are glibc's; the locale database is pyrt's:
//!
//! | locale name (from the environment) | available | codeset |
//! | --- | --- | --- |
//! | `C`, `POSIX` (reported as `C`) | yes | `ANSI_X3.4-1968` (ASCII) |
//! | `C.UTF-8`, `C.utf8`, `*.UTF-8`, `*.utf8` (any case, `utf8`/`utf-8`) | yes | `UTF-8` |
//! | `*.ISO-8859-1`, `*.iso88591`, `*.ISO8859-1` | yes | `ISO-8859-1` |
//! | anything else | no: `setlocale` fails and LC_CTYPE stays `C` | |
//!
//! This differs from a particular Linux machine only in which locales are
//! installed (this machine has `C.UTF-8` alone, so `LANG=en_US.UTF-8`
//! falls back to `C` there); the decisions built on it — UTF-8 mode,
//! coercion, stdio error handlers — follow CPython exactly.

use crate::platform::Environ;
use crate::wstr::WString;

/// A locale's character encoding (`nl_langinfo(CODESET)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codeset {
    /// The C locale's 7-bit ASCII.
    Ascii,
    /// UTF-8.
    Utf8,
    /// ISO-8859-1.
    Latin1,
}

impl Codeset {
    /// The name `nl_langinfo(CODESET)` returns on glibc.
    pub fn langinfo_name(self) -> &'static str {
        match self {
            Codeset::Ascii => "ANSI_X3.4-1968",
            Codeset::Utf8 => "UTF-8",
            Codeset::Latin1 => "ISO-8859-1",
        }
    }
}

/// An LC_CTYPE locale: the name `setlocale(LC_CTYPE, NULL)` reports and its
/// codeset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    /// The locale name.
    pub name: String,
    /// Its codeset.
    pub codeset: Codeset,
}

impl Locale {
    /// The "C" locale every process starts in.
    pub fn c() -> Locale {
        Locale {
            name: "C".to_owned(),
            codeset: Codeset::Ascii,
        }
    }

    /// `setlocale(LC_CTYPE, name)`: `None` if the locale is not available.
    pub fn lookup(name: &str) -> Option<Locale> {
        if name == "C" || name == "POSIX" {
            return Some(Locale::c());
        }
        let (_, charset) = name.split_once('.')?;
        let charset = charset.split('@').next().unwrap_or("");
        let norm: String = charset
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        let codeset = match norm.as_str() {
            "utf8" => Codeset::Utf8,
            "iso88591" => Codeset::Latin1,
            _ => return None,
        };
        Some(Locale {
            name: name.to_owned(),
            codeset,
        })
    }

    /// True for the legacy C locale (`strcmp(loc, "C") == 0`).
    pub fn is_c(&self) -> bool {
        self.name == "C"
    }

    /// `_Py_IsLocaleCoercionTarget()`.
    pub fn is_coercion_target(&self) -> bool {
        matches!(self.name.as_str(), "C.UTF-8" | "C.utf8" | "UTF-8")
    }
}

/// A runtime's view of its environment and LC_CTYPE locale.
#[derive(Clone, Debug)]
pub struct LocaleEnv {
    /// The environment block (coercion writes `LC_CTYPE` into it).
    pub environ: Environ,
    /// The current LC_CTYPE locale.
    pub ctype: Locale,
}

/// The locales PEP 538 coercion tries, in order.
const COERCION_TARGETS: &[&str] = &["C.UTF-8", "C.utf8", "UTF-8"];

impl LocaleEnv {
    /// A process that has not called `setlocale` yet: the C locale.
    pub fn new(environ: Environ) -> LocaleEnv {
        LocaleEnv {
            environ,
            ctype: Locale::c(),
        }
    }

    fn env_str(&self, name: &str) -> Option<String> {
        self.environ
            .get_nonempty(name.as_bytes())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// `_Py_SetLocaleFromEnv(LC_CTYPE)`: `setlocale(LC_CTYPE, "")`.
    pub fn set_from_env(&mut self) {
        let name = self
            .env_str("LC_ALL")
            .or_else(|| self.env_str("LC_CTYPE"))
            .or_else(|| self.env_str("LANG"))
            .unwrap_or_else(|| "C".to_owned());
        // An unavailable locale makes setlocale() fail: nothing changes.
        if let Some(loc) = Locale::lookup(&name) {
            self.ctype = loc;
        }
    }

    /// `_Py_LegacyLocaleDetected(warn)`.
    pub fn legacy_locale_detected(&self, warn: bool) -> bool {
        if !warn && self.env_str("LC_ALL").is_some() {
            // Don't coerce the C locale if LC_ALL is set.
            return false;
        }
        self.ctype.is_c()
    }

    /// `_Py_CoerceLegacyLocale(warn)`: switches LC_CTYPE to the first
    /// available coercion target and exports it as `LC_CTYPE`. Returns the
    /// warning to print (when `warn`) and whether coercion happened.
    pub fn coerce_legacy_locale(&mut self, warn: bool) -> (bool, Option<String>) {
        if self.env_str("LC_ALL").is_some() {
            return (false, None);
        }
        for target in COERCION_TARGETS {
            if Locale::lookup(target).is_some() {
                self.environ.set(b"LC_CTYPE", target.as_bytes());
                self.set_from_env();
                let msg = warn.then(|| {
                    format!(
                        "Python detected LC_CTYPE=C: LC_CTYPE coerced to {target} (set another \
                         locale or PYTHONCOERCECLOCALE=0 to disable this locale coercion behavior).\n"
                    )
                });
                return (true, msg);
            }
        }
        (false, None)
    }

    /// `Py_DecodeLocale()`: decodes OS bytes (argv, environment values) to a
    /// wide string with `surrogateescape`.
    pub fn decode(&self, bytes: &[u8], utf8_mode: bool) -> WString {
        if utf8_mode {
            return WString::decode_utf8_surrogateescape(bytes);
        }
        match self.ctype.codeset {
            Codeset::Utf8 => WString::decode_utf8_surrogateescape(bytes),
            Codeset::Ascii => WString::decode_ascii_surrogateescape(bytes),
            Codeset::Latin1 => WString::decode_latin1(bytes),
        }
    }

    /// `Py_EncodeLocale()` with `surrogateescape`; unencodable code points
    /// become `?` (only possible for strings that did not come from bytes).
    pub fn encode(&self, s: &WString, utf8_mode: bool) -> Vec<u8> {
        let encoded = if utf8_mode {
            s.encode_utf8_surrogateescape()
        } else {
            match self.ctype.codeset {
                Codeset::Utf8 => s.encode_utf8_surrogateescape(),
                Codeset::Ascii => s.encode_ascii_surrogateescape(),
                Codeset::Latin1 => s.encode_latin1_surrogateescape(),
            }
        };
        encoded.unwrap_or_else(|_| {
            s.code_points()
                .map(|c| if c < 0x80 { c as u8 } else { b'?' })
                .collect()
        })
    }
}

/// The C-locale warning printed at startup (`_C_LOCALE_WARNING`).
pub const C_LOCALE_WARNING: &str = "Python runtime initialized with LC_CTYPE=C (a locale with \
default ASCII encoding), which may cause Unicode compatibility problems. Using C.UTF-8, C.utf8, \
or UTF-8 (if available) as alternative Unicode-compatible locales is recommended.\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> LocaleEnv {
        LocaleEnv::new(Environ::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn lookup_follows_the_database() {
        assert_eq!(Locale::lookup("POSIX").unwrap().name, "C");
        assert_eq!(Locale::lookup("C.utf8").unwrap().codeset, Codeset::Utf8);
        assert_eq!(
            Locale::lookup("de_DE.ISO-8859-1").unwrap().codeset,
            Codeset::Latin1
        );
        assert!(Locale::lookup("en_US").is_none());
        assert!(Locale::lookup("xx.KOI8-R").is_none());
    }

    #[test]
    fn lc_all_beats_lc_ctype_beats_lang() {
        let mut l = env(&[("LANG", "C"), ("LC_CTYPE", "C.UTF-8")]);
        l.set_from_env();
        assert_eq!(l.ctype.name, "C.UTF-8");
        let mut l = env(&[("LC_ALL", "C"), ("LC_CTYPE", "C.UTF-8")]);
        l.set_from_env();
        assert!(l.ctype.is_c());
        let mut l = env(&[("LANG", "nope.KOI8")]);
        l.set_from_env();
        assert!(l.ctype.is_c());
    }

    #[test]
    fn coercion_exports_lc_ctype_unless_lc_all() {
        let mut l = env(&[("LANG", "C")]);
        l.set_from_env();
        assert!(l.legacy_locale_detected(false));
        let (done, msg) = l.coerce_legacy_locale(true);
        assert!(done);
        assert!(msg.unwrap().contains("LC_CTYPE coerced to C.UTF-8"));
        assert_eq!(l.environ.get(b"LC_CTYPE"), Some(&b"C.UTF-8"[..]));
        assert_eq!(l.ctype.name, "C.UTF-8");

        let mut l = env(&[("LC_ALL", "C")]);
        l.set_from_env();
        assert!(!l.legacy_locale_detected(false));
        assert!(l.legacy_locale_detected(true));
        assert!(!l.coerce_legacy_locale(false).0);
    }

    #[test]
    fn decoding_depends_on_mode_and_codeset() {
        let c = env(&[]);
        assert_eq!(
            c.decode(b"\xe9", false).code_points().collect::<Vec<_>>(),
            vec![0xDCE9]
        );
        assert_eq!(c.decode("é".as_bytes(), true), WString::from("é"));
    }
}
