//! Tracing and profiling hooks, and the reference tracer.
//!
//! Mirrors `PyEval_SetTrace`/`PyEval_SetProfile` (+ `AllThreads`),
//! `PyThreadState_EnterTracing`/`LeaveTracing` and `PyRefTracer_*`
//! (3.13). The runtime keeps the hooks and their rules; the VM reports
//! events:
//!
//! - a trace function gets call, line, return, exception and opcode
//!   events; a profile function gets call, return, c_call, c_return and
//!   c_exception;
//! - a hook that fails is removed for that thread (`sys.gettrace()` is
//!   `None` afterwards) and the error propagates;
//! - while a thread is inside `EnterTracing`, no event reaches it (a hook
//!   does not trace itself).

use std::any::Any;
use std::sync::Arc;

use crate::interp::InterpreterState;
use crate::loom::lock;
use crate::loom::sync::atomic::Ordering;
use crate::thread::ThreadState;

/// `PyTrace_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum What {
    /// `PyTrace_CALL`.
    Call = 0,
    /// `PyTrace_EXCEPTION`.
    Exception = 1,
    /// `PyTrace_LINE`.
    Line = 2,
    /// `PyTrace_RETURN`.
    Return = 3,
    /// `PyTrace_C_CALL`.
    CCall = 4,
    /// `PyTrace_C_EXCEPTION`.
    CException = 5,
    /// `PyTrace_C_RETURN`.
    CReturn = 6,
    /// `PyTrace_OPCODE`.
    Opcode = 7,
}

impl What {
    /// The name `sys.settrace` functions receive.
    pub fn name(self) -> &'static str {
        match self {
            What::Call => "call",
            What::Exception => "exception",
            What::Line => "line",
            What::Return => "return",
            What::CCall => "c_call",
            What::CException => "c_exception",
            What::CReturn => "c_return",
            What::Opcode => "opcode",
        }
    }

    /// True for the events a profile function receives.
    pub fn is_profile_event(self) -> bool {
        matches!(
            self,
            What::Call | What::Return | What::CCall | What::CReturn | What::CException
        )
    }

    /// True for the events a trace function receives.
    pub fn is_trace_event(self) -> bool {
        matches!(
            self,
            What::Call | What::Line | What::Return | What::Exception | What::Opcode
        )
    }
}

/// One event: the frame and the argument are the VM's objects.
pub struct Event<'a> {
    /// The event.
    pub what: What,
    /// The frame (VM object).
    pub frame: &'a dyn Any,
    /// The argument (return value, exception triple, C function), if any.
    pub arg: Option<&'a dyn Any>,
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

/// What a failing hook reports (the VM's exception).
pub type HookError = Box<dyn Any + Send>;

/// `Py_tracefunc` with its `obj`.
pub type TraceFunc = Arc<dyn Fn(&ThreadState, &Event<'_>) -> Result<(), HookError> + Send + Sync>;

/// The hooks of one thread state.
#[derive(Clone, Default)]
pub struct Hooks {
    /// `c_tracefunc`.
    pub trace: Option<TraceFunc>,
    /// `c_profilefunc`.
    pub profile: Option<TraceFunc>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("trace", &self.trace.is_some())
            .field("profile", &self.profile.is_some())
            .finish()
    }
}

impl ThreadState {
    /// `PyEval_SetTrace` for this thread (`None` disables).
    pub fn set_trace(&self, f: Option<TraceFunc>) {
        self.touch();
        lock(&self.hooks).trace = f;
    }

    /// `PyEval_SetProfile` for this thread.
    pub fn set_profile(&self, f: Option<TraceFunc>) {
        self.touch();
        lock(&self.hooks).profile = f;
    }

    /// The thread's hooks.
    pub fn hooks(&self) -> Hooks {
        lock(&self.hooks).clone()
    }

    /// True if an event would reach a hook.
    pub fn has_hooks(&self) -> bool {
        let h = lock(&self.hooks);
        h.trace.is_some() || h.profile.is_some()
    }

    /// `PyThreadState_EnterTracing`.
    pub fn enter_tracing(&self) {
        self.tracing.fetch_add(1, Ordering::Relaxed);
    }

    /// `PyThreadState_LeaveTracing`.
    pub fn leave_tracing(&self) {
        self.tracing.fetch_sub(1, Ordering::Relaxed);
    }

    /// Delivers an event to the hooks that take it. A hook that fails is
    /// removed for this thread and its error returned.
    pub fn call_hooks(&self, event: &Event<'_>) -> Result<(), HookError> {
        if self.tracing.load(Ordering::Relaxed) > 0 {
            return Ok(());
        }
        let hooks = self.hooks();
        if event.what.is_profile_event()
            && let Some(p) = hooks.profile
        {
            self.enter_tracing();
            let r = p(self, event);
            self.leave_tracing();
            if let Err(e) = r {
                self.set_profile(None);
                return Err(e);
            }
        }
        if event.what.is_trace_event()
            && let Some(t) = hooks.trace
        {
            self.enter_tracing();
            let r = t(self, event);
            self.leave_tracing();
            if let Err(e) = r {
                self.set_trace(None);
                return Err(e);
            }
        }
        Ok(())
    }
}

impl InterpreterState {
    /// `PyEval_SetTraceAllThreads`: every thread of this interpreter.
    pub fn set_trace_all_threads(&self, f: Option<TraceFunc>) {
        for ts in self.threads() {
            ts.set_trace(f.clone());
        }
    }

    /// `PyEval_SetProfileAllThreads`.
    pub fn set_profile_all_threads(&self, f: Option<TraceFunc>) {
        for ts in self.threads() {
            ts.set_profile(f.clone());
        }
    }
}

/// `PyRefTracerEvent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum RefTracerEvent {
    /// `PyRefTracer_CREATE`: after an object is initialized.
    Create = 0,
    /// `PyRefTracer_DESTROY`: before it is deallocated.
    Destroy = 1,
}

/// `PyRefTracer` with its `data`: called with the object's address.
pub type RefTracer = Arc<dyn Fn(usize, RefTracerEvent) -> Result<(), HookError> + Send + Sync>;
