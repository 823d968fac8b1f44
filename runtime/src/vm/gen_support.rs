//! Running generators: resuming a suspended frame inside the loop or from
//! Rust, suspending it at a `yield`, `send`/`throw`/`close`.

use super::eval::thread_ptr;
use super::frame::{Ret, VmThread};
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, Vm};

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the running VM thread (see eval.rs); used within one
        // statement, never across a call back into the loop.
        unsafe { &mut *$p }
    };
}

/// Where a yielded value went.
#[derive(Debug)]
pub enum Suspended {
    /// The generator was resumed from Rust: return the value to it.
    ToRust(Value),
    /// Pushed on the resuming frame's stack; continue the loop.
    InLoop,
}

/// Suspends the top frame (a generator) at a `yield` of `v`.
pub(crate) fn suspend(vm: &Vm, thp: *mut VmThread, v: Value) -> Suspended {
    if let Some(depth) = th!(thp).frames.len().checked_sub(1) {
        super::tracing::frame_exit(vm, thp, depth);
    }
    let th = th!(thp);
    let Some(mut frame) = th.frames.pop() else {
        return Suspended::ToRust(v);
    };
    let ret = std::mem::replace(&mut frame.ret, Ret::Push);
    let ret_sp = frame.ret_sp;
    if let Some(g) = frame.generator.take()
        && let ObjKind::Generator(st) = &g.kind
    {
        let mut st = st.borrow_mut();
        // The frame's slots and stack move into the generator's own
        // buffer, which keeps its allocation from one yield to the next.
        st.stack.clear();
        move_tail(&mut th.stack, frame.base, &mut st.stack);
        frame.base = 0;
        frame.ret_sp = 0;
        st.frame = Some(frame);
        st.running = false;
    }
    th.stack.truncate(ret_sp);
    match ret {
        Ret::Generator | Ret::GeneratorNext | Ret::Boundary => Suspended::ToRust(v),
        _ => {
            th!(thp).stack.push(v);
            Suspended::InLoop
        }
    }
}

/// Moves `from[at..]` to the end of `to` in one copy; both vectors keep
/// their buffers (a generator's from one yield to the next).
fn move_tail(from: &mut Vec<Value>, at: usize, to: &mut Vec<Value>) {
    let n = from.len() - at;
    to.reserve(n);
    // SAFETY: `from`'s length is cut to `at` first, so the `n` values past
    // it are no longer its own; they are copied once into `to`'s spare
    // capacity (reserved above; the two buffers are distinct vectors) and
    // owned by `to` once its length covers them.
    unsafe {
        from.set_len(at);
        std::ptr::copy_nonoverlapping(from.as_ptr().add(at), to.as_mut_ptr().add(to.len()), n);
        to.set_len(to.len() + n);
    }
}

/// Marks a generator finished (returned or raised out).
pub(crate) fn finished(g: &ObjRef) {
    if let ObjKind::Generator(st) = &g.kind
        && let Ok(mut st) = st.try_borrow_mut()
    {
        st.frame = None;
        st.stack.clear();
        st.running = false;
    }
}

/// `StopIteration(value)`.
pub(crate) fn stop_iteration(vm: &Vm, value: Value) -> PyResult<PyErr> {
    let cls = vm.exc_type("StopIteration");
    let args = if value.is_none() { vec![] } else { vec![value] };
    Ok(PyErr(vm.new_exception(&cls, args)?))
}

/// The `value` of a StopIteration.
pub(crate) fn stop_value(vm: &Vm, e: &PyErr) -> Value {
    match &e.0.kind {
        ObjKind::Exception(x) => vm.dict_get_str(&x.dict, "value").unwrap_or(Value::None),
        _ => Value::None,
    }
}

/// Pushes the generator's frame to resume it with `sent`; false if it is
/// already finished.
pub(crate) fn resume_in_loop(
    vm: &Vm,
    thp: *mut VmThread,
    g: &ObjRef,
    sent: Value,
    ret: Ret,
) -> PyResult<bool> {
    let ObjKind::Generator(st) = &g.kind else {
        return Err(vm.type_error("not a generator"));
    };
    let (mut frame, base, started) = {
        let Ok(mut st) = st.try_borrow_mut() else {
            return Err(vm.value_error("generator already executing"));
        };
        if st.running {
            return Err(vm.value_error("generator already executing"));
        }
        let Some(frame) = st.frame.take() else {
            return Ok(false);
        };
        let started = st.started;
        if !started && !sent.is_none() {
            st.frame = Some(frame);
            return Err(vm.type_error("can't send non-None value to a just-started generator"));
        }
        if th!(thp).frames.len() >= vm.recursion_limit.get() {
            st.frame = Some(frame);
            return Err(vm.new_error("RecursionError", "maximum recursion depth exceeded"));
        }
        st.running = true;
        st.started = true;
        // The slots move back onto the thread's stack; the generator's
        // buffer keeps its allocation for the next yield.
        let th = th!(thp);
        let base = th.stack.len();
        th.stack.append(&mut st.stack);
        (frame, base, started)
    };
    let th = th!(thp);
    if started {
        th.stack.push(sent);
    }
    frame.base = base;
    frame.ret_sp = base;
    frame.ret = ret;
    frame.generator = Some(g.clone());
    th.frames.push(frame);
    Ok(true)
}

/// Resumes a generator from Rust: `Ok(Some(v))` it yielded `v`;
/// `Err(StopIteration)` it returned; other errors propagate.
pub(crate) fn resume_nested(
    vm: &Vm,
    g: &ObjRef,
    sent: Value,
    throw: Option<PyErr>,
) -> PyResult<Option<Value>> {
    resume_nested_as(vm, g, sent, throw, Ret::Generator)
}

/// [`resume_nested`] with the frame's continuation `ret`
/// (`Ret::GeneratorNext`: a return comes back as a value, the generator
/// finished).
fn resume_nested_as(
    vm: &Vm,
    g: &ObjRef,
    sent: Value,
    throw: Option<PyErr>,
    ret: Ret,
) -> PyResult<Option<Value>> {
    let thp = thread_ptr();
    if thp.is_null() {
        return Err(vm.runtime_error("no Python thread is running"));
    }
    if !resume_in_loop(vm, thp, g, sent, ret)? {
        return match throw {
            Some(e) => Err(e),
            None => Ok(None),
        };
    }
    // An error of the 'call' event is raised in the generator's frame
    // (before any thrown exception).
    let entered = super::eval::Entered {
        stop: th!(thp).frames.len() - 1,
        pending: super::tracing::on_call(vm, thp).err().or(throw),
    };
    match super::eval::run_entered(vm, thp, entered) {
        Ok(v) => {
            // Yielded (frame kept) or returned (frame gone, handled as an
            // error by finish_return).
            Ok(Some(v))
        }
        Err(e) => Err(e),
    }
}

/// `next(gen)` for Rust-level iteration: None when exhausted (its return
/// makes no StopIteration, as CPython's `gen_iternext`).
pub(crate) fn gen_next(vm: &Vm, g: &ObjRef) -> PyResult<Option<Value>> {
    match resume_nested_as(vm, g, Value::None, None, Ret::GeneratorNext) {
        Ok(Some(_)) if is_finished(g) => Ok(None),
        Ok(v) => Ok(v),
        Err(e) if vm.exc_matches(&e, "StopIteration") => Ok(None),
        Err(e) => Err(e),
    }
}

/// The generator has ended (its frame is gone).
fn is_finished(g: &ObjRef) -> bool {
    match &g.kind {
        ObjKind::Generator(st) => st.try_borrow().is_ok_and(|st| st.frame.is_none()),
        _ => false,
    }
}

/// One step of `yield from`.
#[derive(Debug)]
pub enum YfStep {
    /// The inner iterator yielded this.
    Yield(Value),
    /// It finished with this result.
    Done(Value),
}

/// Advances the inner iterator of `yield from` with `sent`.
pub(crate) fn yield_from_step(vm: &Vm, inner: &Value, sent: Value) -> PyResult<YfStep> {
    if let Value::Obj(o) = inner
        && let ObjKind::Generator(_) = &o.kind
    {
        return match resume_nested(vm, o, sent, None) {
            Ok(Some(v)) => Ok(YfStep::Yield(v)),
            Ok(None) => Ok(YfStep::Done(Value::None)),
            Err(e) if vm.exc_matches(&e, "StopIteration") => {
                // CPython's tracers see the inner generator's return as a
                // StopIteration in the delegating frame.
                super::tracing::on_exception(vm, thread_ptr(), &e);
                Ok(YfStep::Done(stop_value(vm, &e)))
            }
            Err(e) => Err(e),
        };
    }
    if sent.is_none() {
        match vm.next(inner)? {
            Some(v) => Ok(YfStep::Yield(v)),
            None => Ok(YfStep::Done(Value::None)),
        }
    } else {
        let send = vm.getattr(inner, &vm.new_str("send")?)?;
        match vm.call(&send, super::func::Args::positional(&[sent])) {
            Ok(v) => Ok(YfStep::Yield(v)),
            Err(e) if vm.exc_matches(&e, "StopIteration") => Ok(YfStep::Done(stop_value(vm, &e))),
            Err(e) => Err(e),
        }
    }
}

/// `gen.send(v)`.
pub(crate) fn send(vm: &Vm, g: &ObjRef, v: Value) -> PyResult<Value> {
    match resume_nested(vm, g, v, None)? {
        Some(v) => Ok(v),
        None => Err(stop_iteration(vm, Value::None)?),
    }
}

/// `gen.throw(exc)`.
pub(crate) fn throw(vm: &Vm, g: &ObjRef, exc: PyErr) -> PyResult<Value> {
    let started = match &g.kind {
        ObjKind::Generator(st) => st.borrow().started,
        _ => false,
    };
    if !started {
        // Not started: the exception is raised at once and it finishes.
        finished(g);
        return Err(exc);
    }
    match resume_nested(vm, g, Value::None, Some(exc))? {
        Some(v) => Ok(v),
        None => Err(stop_iteration(vm, Value::None)?),
    }
}

/// `gen.close()`.
pub(crate) fn close(vm: &Vm, g: &ObjRef) -> PyResult<Value> {
    let (alive, started, guarded) = match &g.kind {
        ObjKind::Generator(st) => {
            let st = st.borrow();
            // Suspended at a yield no handler covers (no try, no with)
            // and not delegating (`yield from` closes its inner iterator
            // first): GeneratorExit would only unwind the frame, so, as
            // CPython 3.12+, close() does not run it (no trace events).
            let guarded = st.frame.as_ref().is_some_and(|f| match &f.code.kind {
                ObjKind::Code(c) => {
                    c.instrs
                        .get(f.ip)
                        .is_some_and(|i| i.op == super::code::Op::YieldFrom)
                        || c.handler_for(f.ip.saturating_sub(1)).is_some()
                }
                _ => true,
            });
            (st.frame.is_some(), st.started, guarded)
        }
        _ => (false, false, false),
    };
    if !alive {
        return Ok(Value::None);
    }
    if !started || !guarded {
        finished(g);
        return Ok(Value::None);
    }
    let cls = vm.exc_type("GeneratorExit");
    let e = PyErr(vm.new_exception(&cls, vec![])?);
    match resume_nested(vm, g, Value::None, Some(e)) {
        Ok(Some(_)) => Err(vm.runtime_error("generator ignored GeneratorExit")),
        Ok(None) => Ok(Value::None),
        Err(e) if vm.exc_matches(&e, "GeneratorExit") || vm.exc_matches(&e, "StopIteration") => {
            Ok(Value::None)
        }
        Err(e) => Err(e),
    }
}

impl Vm {
    /// Runs the finalizers of the objects whose last reference went (see
    /// `Heap::take_finalizable`): closes generators, calls instances'
    /// `__del__` (once each: PEP 442; an instance it resurrects lives on).
    /// An exception escaping one is reported as CPython's "Exception
    /// ignored in" and dropped.
    pub(crate) fn run_finalizers(&self) {
        loop {
            let list = self.heap.take_finalizable();
            if list.is_empty() {
                break;
            }
            for o in list {
                if let ObjKind::Instance(i) = &o.kind {
                    i.finalized.set(true);
                    let obj = Value::Obj(o.clone());
                    if let Some(f) = self.user_special(&obj, "__del__")
                        && let Err(e) = self.call_special(&f, &obj, &[])
                    {
                        self.report_ignored(&f, &e);
                    }
                    drop(obj);
                    drop(o);
                    continue;
                }
                if let Err(e) = close(self, &o) {
                    self.report_ignored(&Value::Obj(o.clone()), &e);
                }
                finished(&o);
                drop(o);
            }
        }
    }

    /// CPython's `PyErr_WriteUnraisable` report for an error in the
    /// finalizer of `what`.
    fn report_ignored(&self, what: &Value, e: &PyErr) {
        let r = self.repr_string(what).unwrap_or_default();
        let text = format!(
            "Exception ignored in: {r}\n{}",
            super::exc_support::format_unraisable(self, &e.0)
        );
        super::io::write_stderr(self, &text);
    }
}
