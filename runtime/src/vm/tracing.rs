//! `sys.settrace` and `sys.setprofile` (Python/legacy_tracing.c, 3.13
//! semantics): call/line/return/exception events for the trace function,
//! call/return/c_call/c_return/c_exception for the profile function.
//!
//! A frame's local trace function is what the global one returned for its
//! 'call' event; a 'line' event fires when execution reaches a new line
//! or jumps backwards; the trace and profile functions themselves are not
//! traced.

use super::code::flags;
use super::frame::{Frame, FrameLinks, FrameObj, VmThread};
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, Vm};

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the running VM thread (see eval.rs); one statement only.
        unsafe { &mut *$p }
    };
}

fn is_inlined(f: &Frame) -> bool {
    code_of(f).is_some_and(|c| c.flags & flags::INLINED != 0)
}

/// The frame an inlined comprehension's frame at `depth` belongs to (the
/// nearest caller that is not one).
fn owner_depth(th: &VmThread, depth: usize) -> usize {
    let mut d = depth;
    while d > 0 && is_inlined(&th.frames[d]) {
        d -= 1;
    }
    d
}

/// The frame object of the function the frame at `depth` runs in (its
/// own, or an inlined comprehension's function's), if it has one: where
/// the frame's events go.
fn owner_obj(th: &VmThread, depth: usize) -> Option<&ObjRef> {
    th.frame_objs.get(owner_depth(th, depth))?.as_ref()
}

/// An inlined comprehension's frame (at `depth`, the top) ends with an
/// exception: as CPython's inlined comprehension's cleanup block (no
/// line, then the comprehension's line) a 'line' event of that line in
/// the function's frame, which then unwinds without a second
/// 'exception' event.
pub(crate) fn inlined_unwound(vm: &Vm, thp: *mut VmThread, depth: usize, line: u32) {
    let th = th!(thp);
    if th.tracing || th.trace.is_none() || depth == 0 {
        return;
    }
    th.frames[depth - 1].last_line = line;
    let Some(fo) = owner_obj(th, depth - 1) else {
        return;
    };
    if !has_local_trace(fo) {
        return;
    }
    let fo = fo.clone();
    let _ = line_event(vm, thp, &fo, line);
}

fn code_of(f: &Frame) -> Option<&super::code::Code> {
    match &f.code.kind {
        ObjKind::Code(c) => Some(c),
        _ => None,
    }
}

/// The line of the instruction `f` ran last (0: none, or one without a
/// line).
fn current_line(f: &Frame) -> u32 {
    match code_of(f) {
        Some(c) if f.ip > 0 => c.line_of(f.ip - 1),
        _ => 0,
    }
}

/// A trace or profile function is set on this thread and the thread is
/// not inside one (their own calls are not traced).
#[inline(always)]
pub(crate) fn active(thp: *mut VmThread) -> bool {
    let th = th!(thp);
    !th.tracing && (!th.trace.is_none() || !th.profile.is_none())
}

/// The frame object for the frame at `depth`, created on first use
/// (with those of its callers, iteratively: no Rust recursion).
/// An inlined comprehension's frame has none of its own: it is its
/// function's (and no frame's `f_back`).
pub(crate) fn frame_obj(vm: &Vm, thp: *mut VmThread, depth: usize) -> PyResult<ObjRef> {
    let th = th!(thp);
    if let Some(Some(o)) = th.frame_objs.get(depth) {
        return Ok(o.clone());
    }
    let depth = owner_depth(th, depth);
    if let Some(Some(o)) = th.frame_objs.get(depth) {
        return Ok(o.clone());
    }
    // The common case: a call from a traced frame, whose object is last.
    if depth > 0
        && th.frame_objs.len() == depth
        && let Some(back) = &th.frame_objs[depth - 1]
        && let Some(f) = th.frames.get(depth)
        && let ObjKind::Code(c) = &f.code.kind
        && c.flags & (flags::MODULE | flags::GENERATOR) == 0
    {
        let (code, globals, back) = (f.code.clone(), f.globals.clone(), Value::Obj(back.clone()));
        let o = new_frame_obj(vm, thp, code, globals, back, depth, c.firstlineno)?;
        th!(thp).frame_objs.push(Some(o.clone()));
        return Ok(o);
    }
    // The deepest caller that already has one.
    let mut start = depth;
    while start > 0 && !matches!(th!(thp).frame_objs.get(start - 1), Some(Some(_))) {
        start -= 1;
    }
    let mut back = if start > 0 {
        th!(thp).frame_objs[start - 1]
            .clone()
            .map_or(Value::None, Value::Obj)
    } else {
        Value::None
    };
    let mut last = None;
    for d in start..=depth {
        if is_inlined(&th!(thp).frames[d]) {
            continue;
        }
        let (code, globals) = {
            let f = &th!(thp).frames[d];
            (f.code.clone(), f.globals.clone())
        };
        // Module code starts at a RESUME without a line: f_lineno is 0
        // until the first line runs (CPython 3.13); a resumed generator's
        // frame is at the yield it resumes from.
        let line = {
            let f = &th!(thp).frames[d];
            code_of(f).map_or(0, |c| {
                if c.flags & flags::MODULE != 0 {
                    0
                } else if c.flags & flags::GENERATOR != 0 && f.ip > 0 {
                    c.line_of(f.ip - 1)
                } else {
                    c.firstlineno
                }
            })
        };
        let o = new_frame_obj(vm, thp, code, globals, back.clone(), d, line)?;
        let th = th!(thp);
        if th.frame_objs.len() <= d {
            th.frame_objs.resize(d + 1, None);
        }
        th.frame_objs[d] = Some(o.clone());
        back = Value::Obj(o.clone());
        last = Some(o);
    }
    last.ok_or_else(|| vm.runtime_error("no frame"))
}

/// A frame object for the frame at `depth`: a kept one reused, or new.
#[inline(always)]
fn new_frame_obj(
    vm: &Vm,
    thp: *mut VmThread,
    code: ObjRef,
    globals: ObjRef,
    back: Value,
    depth: usize,
    line: u32,
) -> PyResult<ObjRef> {
    let links = FrameLinks::new(code, globals, back, depth, thp as usize);
    match th!(thp).spare_frame_objs.pop() {
        Some(o) => {
            if let ObjKind::Frame(f) = &o.kind {
                f.reuse(links, line);
            }
            Ok(o)
        }
        None => vm.alloc(ObjKind::Frame(Box::new(FrameObj::new(links, line)))),
    }
}

/// The frame at `depth` (on the stack still) ends: a frame object someone
/// else holds (a traceback, a tracer) keeps its last locals and line, as
/// CPython's does; then the objects of it and deeper frames are forgotten.
#[inline]
pub(crate) fn frame_exit(vm: &Vm, thp: *mut VmThread, depth: usize) {
    if th!(thp).frame_objs.len() > depth {
        frame_exit_slow(vm, thp, depth);
    }
}

#[inline(never)]
fn frame_exit_slow(vm: &Vm, thp: *mut VmThread, depth: usize) {
    if let Some(Some(fo)) = th!(thp).frame_objs.get(depth)
        && fo.refcount() > 1
        && let ObjKind::Frame(f) = &fo.kind
        && f.links().live_at(thp as usize) == Some(depth)
    {
        let fo = fo.clone();
        let line = current_line(&th!(thp).frames[depth]);
        // Out of memory: the object keeps no locals (an empty f_locals).
        let locals = super::builtins::frame_locals(vm, thp, depth).unwrap_or(Value::None);
        if let ObjKind::Frame(f) = &fo.kind {
            f.end(locals, line);
        }
    }
    drop_frame_objs(thp, depth);
}

/// Forgets the frame objects of frames at `depth` and deeper (they
/// ended); those nobody else holds are kept for reuse.
fn drop_frame_objs(thp: *mut VmThread, depth: usize) {
    const KEEP: usize = 8;
    let th = th!(thp);
    while th.frame_objs.len() > depth {
        let Some(Some(o)) = th.frame_objs.pop() else {
            continue;
        };
        if o.refcount() == 1
            && th.spare_frame_objs.len() < KEEP
            && let ObjKind::Frame(f) = &o.kind
        {
            f.clear();
            th.spare_frame_objs.push(o);
        }
    }
}

/// `sys._getframe(n)`: the frame object `n` calls up, its line current.
/// Inlined comprehensions' frames are not counted (they are their
/// functions').
pub(crate) fn frame_object(vm: &Vm, thp: *mut VmThread, up: usize) -> PyResult<Option<ObjRef>> {
    let th = th!(thp);
    let mut seen = 0;
    for d in (0..th.frames.len()).rev() {
        if is_inlined(&th.frames[d]) {
            continue;
        }
        if seen == up {
            // Its line, and its callers', are read live (`f_lineno`).
            return frame_obj(vm, thp, d).map(Some);
        }
        seen += 1;
    }
    Ok(None)
}

fn set_line(fo: &ObjRef, line: u32) {
    if let ObjKind::Frame(f) = &fo.kind {
        f.lineno.set(line);
    }
}

fn local_trace(fo: &ObjRef) -> Value {
    match &fo.kind {
        ObjKind::Frame(f) => f.trace.borrow().clone(),
        _ => Value::None,
    }
}

fn has_local_trace(fo: &ObjRef) -> bool {
    matches!(&fo.kind, ObjKind::Frame(f) if !f.trace.borrow().is_none())
}

fn set_local_trace(fo: &ObjRef, v: Value) {
    if let ObjKind::Frame(f) = &fo.kind {
        *f.trace.borrow_mut() = v;
    }
}

/// Sets the thread's trace function. Each of its frames then counts the
/// instruction it is at (a call in progress) as the last one traced: the
/// rest of that line raises no 'line' event — CPython compares with the
/// line of the previous instruction the frame ran, traced or not.
pub(crate) fn set_trace(th: &mut VmThread, f: Value) {
    if !f.is_none() {
        for fr in &mut th.frames {
            if fr.ip > 0 {
                fr.last_line = current_line(fr);
                fr.last_traced = fr.ip as i32 - 1;
            }
        }
    }
    th.trace = f;
}

/// The events trace and profile functions receive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Event {
    Call,
    Line,
    Return,
    Exception,
    CCall,
    CReturn,
    CException,
}

impl Event {
    pub(crate) const COUNT: usize = 7;
    pub(crate) const ALL: [Event; Event::COUNT] = [
        Event::Call,
        Event::Line,
        Event::Return,
        Event::Exception,
        Event::CCall,
        Event::CReturn,
        Event::CException,
    ];

    /// The name the function gets.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Event::Call => "call",
            Event::Line => "line",
            Event::Return => "return",
            Event::Exception => "exception",
            Event::CCall => "c_call",
            Event::CReturn => "c_return",
            Event::CException => "c_exception",
        }
    }
}

/// Calls a trace/profile function with tracing suspended; an error in it
/// removes it (as CPython does) and propagates. What a trace function
/// returns for 'call', 'line' and 'exception' becomes the frame's local
/// trace function; anything else is dropped — here, not returned: the
/// value comes back from the eval loop as two 8-byte stores, and moving
/// it on whole (one 16-byte load) stalled the processor on every event.
fn call_tracer(
    vm: &Vm,
    thp: *mut VmThread,
    f: &Value,
    fo: &ObjRef,
    event: Event,
    arg: Value,
    is_profile: bool,
) -> PyResult<()> {
    th!(thp).tracing = true;
    let r = match vm.event_str(event) {
        Ok(ev) => super::eval::call3(vm, thp, f, Value::Obj(fo.clone()), ev, arg),
        Err(e) => Err(e),
    };
    th!(thp).tracing = false;
    if let Ok(v) = &r {
        // SAFETY: the value is moved out of `r` once (two 8-byte loads)
        // and `r` is forgotten, never dropped.
        let v = unsafe { super::object::read_value(v) };
        std::mem::forget(r);
        if !is_profile && event != Event::Return {
            set_local_trace(fo, v);
        }
        return Ok(());
    }
    let th = th!(thp);
    if is_profile {
        th.profile = Value::None;
    } else {
        th.trace = Value::None;
    }
    r.map(drop)
}

/// A frame was entered ('call').
#[inline]
pub(crate) fn on_call(vm: &Vm, thp: *mut VmThread) -> PyResult<()> {
    if !active(thp) {
        return Ok(());
    }
    on_call_traced(vm, thp)
}

#[inline(never)]
fn on_call_traced(vm: &Vm, thp: *mut VmThread) -> PyResult<()> {
    let depth = th!(thp).frames.len() - 1;
    if is_inlined(&th!(thp).frames[depth]) {
        // A comprehension runs in its function's frame (CPython 3.12+
        // inlines it): no 'call' event, and its lines continue the
        // function's.
        let frames = &mut th!(thp).frames;
        if depth > 0 {
            frames[depth].last_line = frames[depth - 1].last_line;
        }
        return Ok(());
    }
    // Drop stale frame objects of frames that are gone.
    drop_frame_objs(thp, depth);
    let profile = th!(thp).profile.clone();
    let fo = frame_obj(vm, thp, depth)?;
    // The trace function first (see `on_return`).
    if !th!(thp).trace.is_none() {
        let trace = th!(thp).trace.clone();
        call_tracer(vm, thp, &trace, &fo, Event::Call, Value::None, false)?;
        // The first instruction starts a line (a resumed generator goes on
        // with the line of its yield).
        let f = &mut th!(thp).frames[depth];
        if f.ip == 0 {
            f.last_line = 0;
            f.last_traced = -1;
        }
    }
    if !profile.is_none() {
        call_tracer(vm, thp, &profile, &fo, Event::Call, Value::None, true)?;
    }
    Ok(())
}

/// Before instruction `ip` of the top frame (at `depth`, running
/// `code`): 'line' events. Inline: it runs before every instruction while
/// tracing, and most continue a line — decided from the frame's own
/// fields, without its frame object.
#[inline]
pub(crate) fn on_instruction(
    vm: &Vm,
    thp: *mut VmThread,
    depth: usize,
    code: &super::code::Code,
    ip: usize,
) -> PyResult<()> {
    let th = th!(thp);
    if th.tracing || th.trace.is_none() {
        return Ok(());
    }
    let f = &mut th.frames[depth];
    let line = code.line_of(ip);
    let jumped_back = f.last_traced >= 0 && (ip as i32) <= f.last_traced;
    f.last_traced = ip as i32;
    if line == 0 {
        // No line (a handler's entry or cleanup): the next instruction
        // with one starts a line, as after CPython's `--` instructions.
        f.last_line = 0;
        return Ok(());
    }
    if line == f.last_line && !jumped_back {
        return Ok(());
    }
    // A new line, or a jump back: an event if the frame has a local trace
    // function.
    f.last_line = line;
    let Some(fo) = owner_obj(th, depth) else {
        return Ok(());
    };
    if !has_local_trace(fo) {
        return Ok(());
    }
    let fo = fo.clone();
    line_event(vm, thp, &fo, line)
}

/// A 'line' event to the frame's local trace function.
#[inline(never)]
fn line_event(vm: &Vm, thp: *mut VmThread, fo: &ObjRef, line: u32) -> PyResult<()> {
    set_line(fo, line);
    let lt = local_trace(fo);
    call_tracer(vm, thp, &lt, fo, Event::Line, Value::None, false)
}

/// The top frame is returning (`exception`: it is unwinding with an
/// exception); it is still on the frame stack, as CPython's is for the
/// event (its `f_locals`, `sys._getframe(1)` from the tracer).
///
/// The trace function is called first, then the profile function (CPython
/// 3.13 calls its monitoring tools from the highest id down: sys.settrace's
/// before sys.setprofile's). An error either raises is returned, with an
/// entry for the returning frame in its traceback: it replaces the frame's
/// return value (or the exception it was unwinding with) in the caller, as
/// CPython raises it at the frame's return, where no handler of the frame
/// applies. The other function then sees the frame unwind as CPython
/// shows it: the profile function a 'return' with None, the trace
/// function an 'exception' and a 'return' with None.
#[inline]
pub(crate) fn on_return(
    vm: &Vm,
    thp: *mut VmThread,
    value: &Value,
    exception: bool,
) -> PyResult<()> {
    if active(thp) {
        return top_return_event(vm, thp, value, exception, false);
    }
    Ok(())
}

/// The 'return' event of the top frame (see `return_event`).
#[inline(never)]
fn top_return_event(
    vm: &Vm,
    thp: *mut VmThread,
    value: &Value,
    exception: bool,
    at_yield: bool,
) -> PyResult<()> {
    let depth = th!(thp).frames.len() - 1;
    let (code, ip) = {
        let f = &th!(thp).frames[depth];
        (f.code.clone(), f.ip)
    };
    return_event(vm, thp, &code, ip, depth, value, exception, at_yield)
}

/// The top frame, a generator's, yields `value`: its 'return' event. An
/// error a tracer raises is raised at the yield, in the generator's frame.
pub(crate) fn on_yield(vm: &Vm, thp: *mut VmThread, value: &Value) -> PyResult<()> {
    if !active(thp) {
        return Ok(());
    }
    top_return_event(vm, thp, value, false, true)
}

/// The 'return' event of the frame at `depth` (`code`, `ip`); see
/// `on_return`. `at_yield`: the frame stays (a generator yielding), so an
/// error is raised in it and it unwinds with its own events.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn return_event(
    vm: &Vm,
    thp: *mut VmThread,
    code: &ObjRef,
    ip: usize,
    depth: usize,
    value: &Value,
    exception: bool,
    at_yield: bool,
) -> PyResult<()> {
    let ObjKind::Code(c) = &code.kind else {
        return Ok(());
    };
    if c.flags & flags::INLINED != 0 {
        // The function's frame goes on from the comprehension's line.
        let frames = &mut th!(thp).frames;
        if depth > 0 {
            frames[depth - 1].last_line = frames[depth].last_line;
        }
        return Ok(());
    }
    let fo = match th!(thp).frame_objs.get(depth).cloned().flatten() {
        Some(fo) => fo,
        None => return Ok(()),
    };
    let line = c.line_of(ip.saturating_sub(1));
    set_line(&fo, line);
    let arg = if exception {
        Value::None
    } else {
        value.clone()
    };
    let mut r = Ok(());
    if has_local_trace(&fo) {
        let lt = local_trace(&fo);
        r = call_tracer(vm, thp, &lt, &fo, Event::Return, arg.clone(), false);
    }
    let profile = th!(thp).profile.clone();
    if !profile.is_none() {
        let arg = if r.is_ok() { arg } else { Value::None };
        if let Err(e) = call_tracer(vm, thp, &profile, &fo, Event::Return, arg, true)
            && r.is_ok()
        {
            if !at_yield && has_local_trace(&fo) && !th!(thp).trace.is_none() {
                exception_event(vm, thp, &fo, line, &e);
                if has_local_trace(&fo) {
                    let lt = local_trace(&fo);
                    let _ = call_tracer(vm, thp, &lt, &fo, Event::Return, Value::None, false);
                }
            }
            r = Err(e);
        }
    }
    if at_yield {
        return r;
    }
    if let Err(e) = &r {
        let lasti = ip.saturating_sub(1);
        super::exc_support::add_traceback(vm, e, code, lasti as u32, line, Some(fo.clone()));
    }
    drop(fo);
    frame_exit(vm, thp, depth);
    r
}

/// An exception was raised (or propagated into) the top frame.
pub(crate) fn on_exception(vm: &Vm, thp: *mut VmThread, e: &PyErr) {
    if !active(thp) {
        return;
    }
    let depth = th!(thp).frames.len() - 1;
    let Some(fo) = owner_obj(th!(thp), depth).cloned() else {
        return;
    };
    let line = current_line(&th!(thp).frames[depth]);
    exception_event(vm, thp, &fo, line, e);
}

/// The 'exception' event for frame object `fo` at `line` (its local trace
/// function only).
fn exception_event(vm: &Vm, thp: *mut VmThread, fo: &ObjRef, line: u32, e: &PyErr) {
    if !has_local_trace(fo) {
        return;
    }
    set_line(fo, line);
    let ev = Value::Obj(e.0.clone());
    let t = Value::Obj(vm.type_of(&ev));
    let tb = super::exc_support::traceback_of(vm, &ev).unwrap_or(Value::None);
    let Ok(arg) = vm.new_tuple(vec![t, ev, tb]) else {
        return;
    };
    let lt = local_trace(fo);
    let _ = call_tracer(vm, thp, &lt, fo, Event::Exception, arg, false);
}

/// A builtin call under a profile function: c_call / c_return /
/// c_exception around it.
pub(crate) fn native_call(
    vm: &Vm,
    thp: *mut VmThread,
    callable: &Value,
    args: &[Value],
    kw: &[Value],
) -> PyResult<Value> {
    let is_c = matches!(
        callable.as_obj().map(|o| &o.kind),
        Some(ObjKind::Builtin(_))
    );
    if !is_c || !active(thp) || th!(thp).profile.is_none() {
        return super::eval::call_native_value(vm, thp, callable, args, kw);
    }
    let depth = th!(thp).frames.len() - 1;
    let fo = frame_obj(vm, thp, depth)?;
    let profile = th!(thp).profile.clone();
    // The descriptor, unbound (its __name__ is the method name).
    call_tracer(vm, thp, &profile, &fo, Event::CCall, callable.clone(), true)?;
    let r = super::eval::call_native_value(vm, thp, callable, args, kw);
    let profile = th!(thp).profile.clone();
    if !profile.is_none() {
        let ev = if r.is_ok() {
            Event::CReturn
        } else {
            Event::CException
        };
        call_tracer(vm, thp, &profile, &fo, ev, callable.clone(), true)?;
    }
    r
}

/// Where the frame of `fo` runs, if it is running on this thread: its
/// VM thread and depth.
fn live_frame(fo: &FrameObj) -> Option<(*mut VmThread, usize)> {
    let thp = super::eval::thread_ptr();
    if thp.is_null() {
        return None;
    }
    let l = fo.links();
    let d = l.live_at(thp as usize)?;
    let f = th!(thp).frames.get(d)?;
    f.code.ptr_eq(&l.code).then_some((thp, d))
}

/// `frame.f_lineno`: the line a running frame is at, else the last one
/// recorded (the event's, or where the frame ended).
pub(crate) fn f_lineno(fo: &FrameObj) -> u32 {
    // A running frame's inlined comprehensions (the frames right above
    // it) are part of it: the line is theirs.
    let live = live_frame(fo).map(|(thp, d)| {
        let frames = &th!(thp).frames;
        let mut d = d;
        while frames.get(d + 1).is_some_and(is_inlined) {
            d += 1;
        }
        current_line(&frames[d])
    });
    match live {
        Some(line) if line != 0 => line,
        _ => fo.lineno.get(),
    }
}

/// `frame.f_locals`: the live frame's locals when it is still running on
/// this thread, else the snapshot taken when it ended (empty).
pub(crate) fn f_locals(vm: &Vm, fo: &FrameObj) -> PyResult<Value> {
    let (depth, locals) = {
        let l = fo.links();
        match live_frame(fo) {
            Some((_, d)) => (Some(d), Value::None),
            None => (None, l.locals.clone()),
        }
    };
    let thp = super::eval::thread_ptr();
    if let Some(depth) = depth {
        return super::builtins::frame_locals(vm, thp, depth);
    }
    match locals {
        Value::None => Ok(Value::Obj(vm.new_dict()?)),
        v => Ok(v),
    }
}
