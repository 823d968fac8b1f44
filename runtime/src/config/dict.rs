//! Configurations as ordered dictionaries.
//!
//! Mirrors `_PyPreConfig_AsDict()`, `_PyConfig_AsDict()` and
//! `_Py_GetGlobalVariablesAsDict()` — what `_testinternalcapi.get_configs()`
//! returns. Field order and value kinds are CPython's: `PyConfig` members
//! declared `BOOL` render as `True`/`False` (so a raw `-1` renders as
//! `True`), `INT`/`UINT`/`ULONG` as ints, `WSTR`/`WSTR_OPT` as a string or
//! `None`, `WSTR_LIST` as a list.

use crate::wstr::{WString, WideStringList};

/// One value of a configuration dictionary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigValue {
    /// An `int`.
    Int(i64),
    /// A `bool`.
    Bool(bool),
    /// A `str` or `None`.
    Str(Option<WString>),
    /// A `list` of `str`.
    List(Vec<WString>),
}

impl ConfigValue {
    pub(crate) fn int(v: i32) -> ConfigValue {
        ConfigValue::Int(i64::from(v))
    }

    pub(crate) fn bool(v: i32) -> ConfigValue {
        ConfigValue::Bool(v != 0)
    }

    pub(crate) fn str(v: &Option<WString>) -> ConfigValue {
        ConfigValue::Str(v.clone())
    }

    pub(crate) fn list(v: &WideStringList) -> ConfigValue {
        ConfigValue::List(v.items().to_vec())
    }

    /// The value as JSON text (strings lossy-escaped as `json.dumps`
    /// would with `ensure_ascii`).
    pub fn to_json(&self) -> String {
        match self {
            ConfigValue::Int(i) => i.to_string(),
            ConfigValue::Bool(b) => b.to_string(),
            ConfigValue::Str(None) => "null".to_owned(),
            ConfigValue::Str(Some(s)) => json_str(s),
            ConfigValue::List(items) => {
                let parts: Vec<String> = items.iter().map(json_str).collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
}

/// An ordered configuration dictionary.
pub type ConfigDict = Vec<(&'static str, ConfigValue)>;

/// Renders a dictionary as a JSON object.
pub fn dict_to_json(dict: &ConfigDict) -> String {
    let parts: Vec<String> = dict
        .iter()
        .map(|(k, v)| format!("\"{k}\": {}", v.to_json()))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// JSON string literal with `\uXXXX` escapes for everything outside
/// printable ASCII (Python's `json.dumps` default), surrogates included.
pub(crate) fn json_str(s: &WString) -> String {
    let mut out = String::with_capacity(s.as_bytes().len() + 2);
    out.push('"');
    for cp in s.code_points() {
        match cp {
            0x22 => out.push_str("\\\""),
            0x5C => out.push_str("\\\\"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0x20..=0x7E => out.push(cp as u8 as char),
            0x10000.. => {
                let v = cp - 0x10000;
                out.push_str(&format!(
                    "\\u{:04x}\\u{:04x}",
                    0xD800 + (v >> 10),
                    0xDC00 + (v & 0x3FF)
                ));
            }
            _ => out.push_str(&format!("\\u{cp:04x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rendering_matches_python_json_dumps() {
        let s = WString::from_code_points([0x61, 0x22, 0xE9, 0xDCFF, 0x1F600]).unwrap();
        assert_eq!(json_str(&s), r#""a\"\u00e9\udcff\ud83d\ude00""#);
        let d: ConfigDict = vec![
            ("a", ConfigValue::bool(-1)),
            ("b", ConfigValue::Str(None)),
            ("c", ConfigValue::List(vec![WString::from("x")])),
        ];
        assert_eq!(dict_to_json(&d), r#"{"a": true, "b": null, "c": ["x"]}"#);
    }
}
