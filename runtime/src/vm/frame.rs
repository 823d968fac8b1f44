//! Frames and the per-thread VM state.
//!
//! Frames live in a vector on the VM thread, their slots and operand
//! stacks in one shared value stack: a Python call pushes a frame and
//! continues the same loop, so Python recursion never grows the Rust
//! stack, and a thread can be suspended between any two instructions.

use super::object::{ObjRef, Value};

/// What the caller does with a frame's return value.
#[derive(Debug, Clone)]
pub enum Ret {
    /// Push it on the caller's stack.
    Push,
    /// `__init__` returned: it must be None; push the instance.
    Init(Value),
    /// A class body finished: build the class.
    BuildClass(Box<ClassParts>),
    /// The frame was entered from Rust (a nested call): the loop returns
    /// the value to its caller.
    Boundary,
    /// A generator resumed from Rust (`next()`): yields and returns go
    /// back to the Rust caller.
    Generator,
    /// A generator stepped by Rust-level iteration (`sum(gen)`, `list(gen)`):
    /// as `Generator`, but its return only ends it — no StopIteration is
    /// made for a consumer that just stops (CPython's `gen_iternext`).
    GeneratorNext,
    /// A generator resumed by a `for` loop's FOR_ITER: a yield pushes the
    /// value; a return ends the loop (jump to the target).
    GenFor(u32),
}

/// What `__build_class__` needs after the class body ran.
#[derive(Debug, Clone)]
pub struct ClassParts {
    /// Class name.
    pub name: Value,
    /// Bases (a tuple).
    pub bases: Value,
    /// Keywords (a dict, or None).
    pub kwargs: Value,
}

/// One activation.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The code object.
    pub code: ObjRef,
    /// Next instruction.
    pub ip: usize,
    /// Index of slot 0 in the thread's value stack.
    pub base: usize,
    /// Stack length to restore when the frame returns (the callee slot).
    pub ret_sp: usize,
    /// Module globals (a dict object).
    pub globals: ObjRef,
    /// The builtins dict.
    pub builtins: ObjRef,
    /// The namespace dict of module and class bodies.
    pub locals: Option<ObjRef>,
    /// The function being run (None for module and class bodies).
    pub func: Option<ObjRef>,
    /// The generator that owns this frame, if any.
    pub generator: Option<ObjRef>,
    /// What to do with the return value.
    pub ret: Ret,
    /// Line of the last "line" trace event.
    pub last_line: u32,
    /// Instruction of the last trace event (-1: none yet).
    pub last_traced: i32,
    /// The instruction whose exception entered the frame's latest
    /// handler: where a cleanup block's re-raise puts the frame back
    /// (CPython pushes it for `RERAISE` with an oparg).
    pub handler_lasti: u32,
}

impl Frame {
    /// Values it references besides its stack region.
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&Value::Obj(self.code.clone()));
        visit(&Value::Obj(self.globals.clone()));
        if let Some(l) = &self.locals {
            visit(&Value::Obj(l.clone()));
        }
        if let Some(f) = &self.func {
            visit(&Value::Obj(f.clone()));
        }
        if let Ret::Init(v) = &self.ret {
            visit(v);
        }
        if let Ret::BuildClass(c) = &self.ret {
            visit(&c.name);
            visit(&c.bases);
            visit(&c.kwargs);
        }
    }
}

/// A frame as Python code sees it (`sys._getframe`, tracer arguments):
/// a snapshot taken when asked for.
///
/// A frame object nobody else holds when its frame ends is kept by the
/// thread and reused for the next traced frame (tracing makes one per
/// call): its links are replaced then, hence the cell.
#[derive(Debug)]
pub struct FrameObj {
    /// `f_lineno`.
    pub lineno: std::cell::Cell<u32>,
    /// `f_trace`.
    pub trace: std::cell::RefCell<Value>,
    links: std::cell::RefCell<FrameLinks>,
}

/// What a frame object refers to.
#[derive(Debug)]
pub struct FrameLinks {
    /// `f_code`.
    pub code: ObjRef,
    /// `f_globals`.
    pub globals: ObjRef,
    /// `f_locals` once the frame ended (a dict snapshot), else None.
    pub locals: Value,
    /// `f_back`.
    pub back: Value,
    /// Depth of the frame on its thread (identifies it while live);
    /// `usize::MAX` once the frame ended.
    pub depth: usize,
    /// The VM thread running the frame (its address), 0 for none.
    pub owner: usize,
}

impl FrameLinks {
    /// The links of the frame at `depth` of VM thread `owner` (its
    /// address; 0: no running frame) running `code`, called from `back`.
    pub fn new(
        code: ObjRef,
        globals: ObjRef,
        back: Value,
        depth: usize,
        owner: usize,
    ) -> FrameLinks {
        FrameLinks {
            code,
            globals,
            locals: Value::None,
            back,
            depth,
            owner,
        }
    }

    /// The frame is still running: at `depth` of VM thread `owner`.
    pub fn live_at(&self, owner: usize) -> Option<usize> {
        (self.owner == owner && self.depth != usize::MAX).then_some(self.depth)
    }
}

impl FrameObj {
    /// A frame object for the frame `links` describe, at line `lineno`.
    pub fn new(links: FrameLinks, lineno: u32) -> FrameObj {
        FrameObj {
            lineno: std::cell::Cell::new(lineno),
            trace: std::cell::RefCell::new(Value::None),
            links: std::cell::RefCell::new(links),
        }
    }

    /// Its links (borrowed: do not hold across a call into Python).
    pub fn links(&self) -> std::cell::Ref<'_, FrameLinks> {
        self.links.borrow()
    }

    /// `f_code`.
    pub fn code(&self) -> ObjRef {
        self.links.borrow().code.clone()
    }

    /// Makes the object describe a new frame (it was [`FrameObj::clear`]ed
    /// and nothing else refers to it).
    pub(crate) fn reuse(&self, links: FrameLinks, lineno: u32) {
        self.lineno.set(lineno);
        let old_trace = self.trace.replace(Value::None);
        let old = self.links.replace(links);
        drop((old_trace, old));
    }

    /// Its frame ended: `f_locals` is now `locals` (the last values),
    /// `f_lineno` the last line it ran.
    pub(crate) fn end(&self, locals: Value, line: u32) {
        self.lineno.set(line);
        let old = {
            let mut l = self.links.borrow_mut();
            l.depth = usize::MAX;
            std::mem::replace(&mut l.locals, locals)
        };
        drop(old);
    }

    /// Drops what could keep other objects alive — the locals kept at the
    /// frame's end, the caller's frame object, the local trace function:
    /// the collector's `tp_clear`, and before the object is kept for reuse.
    pub(crate) fn clear(&self) {
        let old_trace = self.trace.replace(Value::None);
        let old = self.links.try_borrow_mut().map(|mut l| {
            (
                std::mem::replace(&mut l.locals, Value::None),
                std::mem::replace(&mut l.back, Value::None),
            )
        });
        drop((old_trace, old));
    }
}

/// The VM side of a Python thread.
#[derive(Debug)]
pub struct VmThread {
    /// Active frames, innermost last.
    pub frames: Vec<Frame>,
    /// Slots and operand stacks of all frames.
    pub stack: Vec<Value>,
    /// The exception being handled (`sys.exception()`), or None.
    pub handled: Value,
    /// Nested Rust-level calls into the eval loop (bounded so no input
    /// overflows the Rust stack).
    pub native_depth: usize,
    /// `sys.settrace` function.
    pub trace: Value,
    /// `sys.setprofile` function.
    pub profile: Value,
    /// Inside a trace/profile callback.
    pub tracing: bool,
    /// Python frame objects handed to tracers, by frame depth.
    pub frame_objs: Vec<Option<ObjRef>>,
    /// Frame objects of ended frames that nobody else held, for reuse.
    pub spare_frame_objs: Vec<ObjRef>,
    /// Set when the loop returns an error raised after its stop frame
    /// was popped (a generator's `StopIteration` to its Rust consumer):
    /// the caller must not unwind further.
    pub unwound_past_stop: bool,
    /// Emulated threads: the `native_depth` of the loop that may suspend
    /// (return to the scheduler); None on OS threads.
    pub green_base: Option<usize>,
    /// Instructions left in this slice (counted at backward jumps and
    /// calls); the loop yields at a check once it is spent.
    pub budget_left: i64,
    /// Why the loop suspended.
    pub suspended: Option<super::threads::Suspend>,
    /// How the green main thread's run ended.
    pub green_result: Option<super::state::PyResult<Value>>,
    /// The runtime thread state this VM thread runs on (its eval breaker).
    pub tstate: Option<std::sync::Arc<crate::thread::ThreadState>>,
}

impl Default for VmThread {
    fn default() -> Self {
        VmThread::new()
    }
}

impl VmThread {
    /// A thread with no frames.
    pub fn new() -> VmThread {
        VmThread::with_buffers(Vec::new(), Vec::with_capacity(1024))
    }

    /// This thread emptied to its initial state, keeping the allocations
    /// of its frame and value stacks for another thread.
    pub(crate) fn recycled(mut self: Box<Self>) -> Box<VmThread> {
        let mut frames = std::mem::take(&mut self.frames);
        let mut stack = std::mem::take(&mut self.stack);
        frames.clear();
        stack.clear();
        *self = VmThread::with_buffers(frames, stack);
        self
    }

    fn with_buffers(frames: Vec<Frame>, stack: Vec<Value>) -> VmThread {
        VmThread {
            frames,
            stack,
            handled: Value::None,
            native_depth: 0,
            trace: Value::None,
            profile: Value::None,
            tracing: false,
            frame_objs: Vec::new(),
            spare_frame_objs: Vec::new(),
            tstate: None,
            unwound_past_stop: false,
            green_base: None,
            budget_left: i64::MAX,
            suspended: None,
            green_result: None,
        }
    }

    /// Values it references (roots for the cycle collector are never
    /// collected, but generators referencing frames need the stack).
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        self.stack.iter().for_each(&mut *visit);
        for f in &self.frames {
            f.traverse(visit);
        }
        visit(&self.handled);
        visit(&self.trace);
        visit(&self.profile);
    }
}
