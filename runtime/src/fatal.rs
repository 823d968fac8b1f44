//! Fatal errors (`Py_FatalError`) and detected API misuse.
//!
//! CPython ends the process on API misuse (deleting the current thread
//! state, releasing a GIL state that is not current, unlocking an unlocked
//! mutex …) with `Fatal Python error: <func>: <message>`. pyrt detects the
//! same conditions and reports them with the same text, in two forms: the
//! Rust API returns a [`FatalError`] value the caller can handle, and the
//! C-API-style entry points pass it to [`fatal_error`], which prints
//! CPython's report and aborts (exit status 134), as CPython does.

use std::fmt;

/// A misuse CPython treats as fatal: the reporting function and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FatalError {
    /// CPython's function name (`PyThreadState_Delete` …).
    pub func: &'static str,
    /// The message, verbatim.
    pub msg: String,
}

impl FatalError {
    pub(crate) fn new(func: &'static str, msg: impl Into<String>) -> FatalError {
        FatalError {
            func,
            msg: msg.into(),
        }
    }

    /// Reports this error as CPython would and aborts.
    pub fn abort(&self) -> ! {
        fatal_error(self.func, &self.msg)
    }
}

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.func, self.msg)
    }
}

impl std::error::Error for FatalError {}

/// The text "the function must be called with the GIL held, …" of
/// `_Py_EnsureFuncTstateNotNULL`.
pub const GIL_RELEASED_MSG: &str = "the function must be called with the GIL held, after Python \
initialization and before Python finalization, but the GIL is released (the current Python thread \
state is NULL)";

/// `Py_FatalError` / `_Py_FatalErrorFunc`: prints
/// `Fatal Python error: <func>: <msg>`, the runtime state and the current
/// thread, to the current runtime's stderr (the process's when no thread
/// state is attached), then aborts.
pub fn fatal_error(func: &str, msg: &str) -> ! {
    let report = crate::thread::fatal_report(func, msg);
    crate::thread::write_fatal_report(&report);
    std::process::abort()
}
