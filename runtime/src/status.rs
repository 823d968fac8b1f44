//! `PyStatus`: the outcome of an initialization step.
//!
//! Mirrors `Include/cpython/initconfig.h` (3.13). CPython returns a
//! by-value struct with three outcomes — OK, ERROR (function name +
//! message) and EXIT (exit code) — and callers test it with
//! `PyStatus_Exception()`. pyrt keeps the same three outcomes as a
//! `Result`: `Ok(_)` is `PyStatus_Ok()`, `Err(Status::Error { .. })` is
//! `PyStatus_Error()`, `Err(Status::Exit(code))` is `PyStatus_Exit()`, so
//! steps chain with `?` exactly where CPython writes
//! `if (_PyStatus_EXCEPTION(status)) return status;`.

use std::borrow::Cow;
use std::fmt;

/// A non-OK initialization outcome (`PyStatus` with `_type` ERROR or EXIT).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Status {
    /// `PyStatus_Error()`: initialization failed. `func` is the name of the
    /// CPython function that reports this error (`_PyStatus_ERR` captures
    /// `__func__`); `None` for errors created with the public
    /// `PyStatus_Error()`, which prints no function name.
    Error {
        /// Name of the reporting function, as CPython prints it.
        func: Option<&'static str>,
        /// The message.
        msg: Cow<'static, str>,
    },
    /// `PyStatus_Exit()`: the process should exit with this code (`-h`,
    /// `-V`, usage errors, `SystemExit` during startup).
    Exit(i32),
}

/// `Ok(T)` or a [`Status`]: the pyrt spelling of a `PyStatus` return.
pub type InitResult<T = ()> = Result<T, Status>;

impl Status {
    /// `_PyStatus_ERR(msg)` reported by `func`.
    pub fn error(func: &'static str, msg: impl Into<Cow<'static, str>>) -> Status {
        Status::Error {
            func: Some(func),
            msg: msg.into(),
        }
    }

    /// `PyStatus_Error(msg)`: an error without a function name.
    pub fn error_without_func(msg: impl Into<Cow<'static, str>>) -> Status {
        Status::Error {
            func: None,
            msg: msg.into(),
        }
    }

    /// `PyStatus_NoMemory()`.
    pub fn no_memory(func: &'static str) -> Status {
        Status::error(func, "memory allocation failed")
    }

    /// `PyStatus_Exit(code)`.
    pub fn exit(code: i32) -> Status {
        Status::Exit(code)
    }

    /// `PyStatus_IsError()`.
    pub fn is_error(&self) -> bool {
        matches!(self, Status::Error { .. })
    }

    /// `PyStatus_IsExit()`.
    pub fn is_exit(&self) -> bool {
        matches!(self, Status::Exit(_))
    }

    /// The exit code of an EXIT status.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Status::Exit(code) => Some(*code),
            Status::Error { .. } => None,
        }
    }

    /// The error message (empty for EXIT).
    pub fn message(&self) -> &str {
        match self {
            Status::Error { msg, .. } => msg,
            Status::Exit(_) => "",
        }
    }

    /// The reporting function, if any.
    pub fn func(&self) -> Option<&'static str> {
        match self {
            Status::Error { func, .. } => *func,
            Status::Exit(_) => None,
        }
    }
}

impl fmt::Display for Status {
    /// `<func>: <msg>` as in the first line of a fatal error report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Error {
                func: Some(func),
                msg,
            } => write!(f, "{func}: {msg}"),
            Status::Error { func: None, msg } => f.write_str(msg),
            Status::Exit(code) => write!(f, "exit({code})"),
        }
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_outcomes() {
        let ok: InitResult = Ok(());
        assert!(ok.is_ok());
        let e = Status::error("config_init_hash_seed", "bad");
        assert!(e.is_error() && !e.is_exit());
        assert_eq!(e.to_string(), "config_init_hash_seed: bad");
        let x = Status::exit(2);
        assert!(x.is_exit() && !x.is_error());
        assert_eq!(x.exit_code(), Some(2));
        assert_eq!(
            Status::error_without_func("bad value").to_string(),
            "bad value"
        );
        assert_eq!(Status::no_memory("f").message(), "memory allocation failed");
    }
}
