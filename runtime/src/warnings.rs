//! Warning filters from `-W` / `PYTHONWARNINGS`.
//!
//! Mirrors `warnings._processoptions()` (Lib/warnings.py, 3.13), which
//! runs when the `warnings` module is imported at startup: each option
//! `action:message:category:module:lineno` becomes a filter, and a bad one
//! is reported as `Invalid -W option ignored: <reason>` on stderr without
//! stopping the interpreter. The reasons and their wording are CPython's.
//! The resulting filters are what the VM's warning machinery consults.

use crate::wstr::WString;

/// A filter action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `default`: print the first occurrence per location.
    Default,
    /// `always`.
    Always,
    /// `all` (an alias of `always` in 3.13's option parser).
    All,
    /// `ignore`.
    Ignore,
    /// `module`: once per module.
    Module,
    /// `once`: once per message.
    Once,
    /// `error`: raise the warning.
    Error,
}

impl Action {
    const ALL: [(&'static str, Action); 7] = [
        ("default", Action::Default),
        ("always", Action::Always),
        ("all", Action::All),
        ("ignore", Action::Ignore),
        ("module", Action::Module),
        ("once", Action::Once),
        ("error", Action::Error),
    ];

    /// The action's name.
    pub fn name(self) -> &'static str {
        Action::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("default", |(n, _)| n)
    }
}

/// The built-in warning categories (`Warning` and its subclasses).
pub const CATEGORIES: &[&str] = &[
    "Warning",
    "UserWarning",
    "DeprecationWarning",
    "PendingDeprecationWarning",
    "SyntaxWarning",
    "RuntimeWarning",
    "FutureWarning",
    "ImportWarning",
    "UnicodeWarning",
    "BytesWarning",
    "ResourceWarning",
    "EncodingWarning",
];

/// Built-in classes that are not warnings (`invalid warning category`).
const NON_WARNING_CLASSES: &[&str] = &[
    "BaseException",
    "BaseExceptionGroup",
    "Exception",
    "ExceptionGroup",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "EOFError",
    "EnvironmentError",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "RuntimeError",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "ValueError",
    "ZeroDivisionError",
    "bool",
    "bytearray",
    "bytes",
    "classmethod",
    "complex",
    "dict",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "list",
    "map",
    "memoryview",
    "object",
    "property",
    "range",
    "reversed",
    "set",
    "slice",
    "staticmethod",
    "str",
    "super",
    "tuple",
    "type",
    "zip",
];

/// Built-in names that exist but are not classes: `issubclass()` raises.
const NON_CLASS_BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "breakpoint",
    "callable",
    "chr",
    "compile",
    "delattr",
    "dir",
    "divmod",
    "eval",
    "exec",
    "format",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "locals",
    "max",
    "min",
    "next",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "repr",
    "round",
    "setattr",
    "sorted",
    "sum",
    "vars",
    "__import__",
    "__build_class__",
    "Ellipsis",
    "NotImplemented",
    "__debug__",
    "__name__",
    "__doc__",
    "__package__",
    "__loader__",
    "__spec__",
];

/// One parsed `-W` filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// What to do.
    pub action: Action,
    /// The message prefix to match (literal text; CPython escapes it into a
    /// regular expression).
    pub message: String,
    /// The category's name.
    pub category: String,
    /// The module name to match exactly (empty: any).
    pub module: String,
    /// Line number (0: any).
    pub lineno: u64,
}

/// The result of processing the options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Processed {
    /// Valid filters, in option order.
    pub filters: Vec<Filter>,
    /// Text to write to stderr (the `Invalid -W option ignored` lines).
    pub stderr: String,
}

/// Why importing `warnings` failed (an exception escaped
/// `_processoptions`); the remaining options were not processed.
const IMPORT_FAILED: &str = "'import warnings' failed; traceback:\n";

/// `warnings._processoptions(sys.warnoptions)`.
pub fn process_options(options: &[WString]) -> Processed {
    let mut out = Processed::default();
    for arg in options {
        let arg = arg.to_string_lossy();
        match set_option(&arg) {
            Ok(filter) => out.filters.push(filter),
            Err(OptionError::Invalid(msg)) => {
                out.stderr.push_str("Invalid -W option ignored: ");
                out.stderr.push_str(&msg);
                out.stderr.push('\n');
            }
            Err(OptionError::Exception(exc)) => {
                out.stderr.push_str(IMPORT_FAILED);
                out.stderr.push_str(&exc);
                out.stderr.push('\n');
                break;
            }
        }
    }
    out
}

enum OptionError {
    /// `_OptionError`: reported and skipped.
    Invalid(String),
    /// Any other exception: aborts the import of `warnings`.
    Exception(String),
}

/// Python `repr()` of a `str` (enough for option text).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn set_option(arg: &str) -> Result<Filter, OptionError> {
    let mut parts: Vec<&str> = arg.split(':').collect();
    if parts.len() > 5 {
        return Err(OptionError::Invalid(format!(
            "too many fields (max 5): {}",
            py_repr(arg)
        )));
    }
    parts.resize(5, "");
    let strip = |s: &str| s.trim_matches(|c: char| c.is_whitespace()).to_owned();
    let (action, message, category, module, lineno) = (
        strip(parts[0]),
        strip(parts[1]),
        strip(parts[2]),
        strip(parts[3]),
        strip(parts[4]),
    );
    let action = get_action(&action)?;
    let category = get_category(&category)?;
    let lineno = if lineno.is_empty() {
        0
    } else {
        match parse_python_int(&lineno) {
            Some((false, v)) => v,
            Some((true, 0)) => 0,
            // int() succeeded but the value is negative: repr of the int.
            Some((true, v)) => {
                return Err(OptionError::Invalid(format!("invalid lineno -{v}")));
            }
            None => {
                return Err(OptionError::Invalid(format!(
                    "invalid lineno {}",
                    py_repr(&lineno)
                )));
            }
        }
    };
    Ok(Filter {
        action,
        message,
        category,
        module,
        lineno,
    })
}

fn get_action(action: &str) -> Result<Action, OptionError> {
    if action.is_empty() {
        return Ok(Action::Default);
    }
    Action::ALL
        .iter()
        .find(|(name, _)| name.starts_with(action))
        .map(|&(_, a)| a)
        .ok_or_else(|| OptionError::Invalid(format!("invalid action: {}", py_repr(action))))
}

fn get_category(category: &str) -> Result<String, OptionError> {
    if category.is_empty() {
        return Ok("Warning".to_owned());
    }
    let klass = match category.rsplit_once('.') {
        None => category,
        Some((module, klass)) => {
            if module != "builtins" {
                // pyrt's modules are built in; none but `builtins` defines
                // warning categories. A module that exists lacks the name.
                if crate::lifecycle::is_builtin_module_name(module) {
                    return Err(OptionError::Invalid(format!(
                        "unknown warning category: {}",
                        py_repr(category)
                    )));
                }
                return Err(OptionError::Invalid(format!(
                    "invalid module name: {}",
                    py_repr(module)
                )));
            }
            klass
        }
    };
    if CATEGORIES.contains(&klass) {
        Ok(klass.to_owned())
    } else if NON_WARNING_CLASSES.contains(&klass) {
        Err(OptionError::Invalid(format!(
            "invalid warning category: {}",
            py_repr(category)
        )))
    } else if NON_CLASS_BUILTINS.contains(&klass) {
        Err(OptionError::Exception(
            "TypeError: issubclass() arg 1 must be a class".to_owned(),
        ))
    } else {
        Err(OptionError::Invalid(format!(
            "unknown warning category: {}",
            py_repr(category)
        )))
    }
}

/// `int(text)` for an already stripped decimal string: optional sign,
/// digits with single underscores between them. Returns `(negative,
/// magnitude)`, saturating above `u64::MAX` (only its sign matters here).
fn parse_python_int(text: &str) -> Option<(bool, u64)> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        value = value.saturating_mul(10).saturating_add(u64::from(d));
    }
    Some((negative, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(opts: &[&str]) -> Processed {
        let v: Vec<WString> = opts.iter().map(|s| WString::from(*s)).collect();
        process_options(&v)
    }

    #[test]
    fn messages_match_cpython() {
        // Observed with CPython 3.13.0: python -W <opt> -c pass
        let cases = [
            ("bogus", "invalid action: 'bogus'"),
            ("x", "invalid action: 'x'"),
            ("error::Foo", "unknown warning category: 'Foo'"),
            ("::ValueError", "invalid warning category: 'ValueError'"),
            // A module that exists but lacks the name (CPython: `sys.X`).
            ("::_imp.X", "unknown warning category: '_imp.X'"),
            ("::nomod.X", "invalid module name: 'nomod'"),
            ("::a.b.C", "invalid module name: 'a.b'"),
            ("ignore:::x:-1", "invalid lineno -1"),
            ("ignore::UserWarning:x:y", "invalid lineno 'y'"),
            ("a:b:c:d:e:f", "too many fields (max 5): 'a:b:c:d:e:f'"),
        ];
        for (opt, msg) in cases {
            let p = run(&[opt]);
            assert_eq!(
                p.stderr,
                format!("Invalid -W option ignored: {msg}\n"),
                "{opt}"
            );
            assert!(p.filters.is_empty());
        }
    }

    #[test]
    fn valid_options_become_filters() {
        let p = run(&[
            "all",
            "a",
            "d",
            "e::",
            "error::UserWarning",
            "::builtins.UserWarning",
            "ignore:::x: 5",
            " ignore ::  Warning",
            "ignore::UserWarning::1_0",
        ]);
        assert_eq!(p.stderr, "");
        let actions: Vec<_> = p.filters.iter().map(|f| f.action.name()).collect();
        assert_eq!(
            actions,
            [
                "all", "always", "default", "error", "error", "default", "ignore", "ignore",
                "ignore"
            ]
        );
        assert_eq!(p.filters[6].lineno, 5);
        assert_eq!(p.filters[8].lineno, 10);
    }

    #[test]
    fn non_class_category_aborts_processing() {
        let p = run(&["::len", "::ValueError"]);
        assert_eq!(
            p.stderr,
            "'import warnings' failed; traceback:\nTypeError: issubclass() arg 1 must be a class\n"
        );
    }
}
