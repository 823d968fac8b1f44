//! Generators: a suspended frame and its stack.

use super::frame::Frame;
use super::object::{ObjRef, Value};

/// A generator's state.
#[derive(Debug)]
pub struct GenState {
    /// The suspended frame (None once finished).
    pub frame: Option<Frame>,
    /// Its slots and operand stack while suspended.
    pub stack: Vec<Value>,
    /// Running right now (re-entry is a ValueError).
    pub running: bool,
    /// Has started (a non-None `send` before start is an error).
    pub started: bool,
    /// `__name__`.
    pub name: Value,
    /// `__qualname__`.
    pub qualname: Value,
    /// The code object.
    pub code: ObjRef,
}

impl GenState {
    /// Values it references.
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        self.stack.iter().for_each(&mut *visit);
        if let Some(f) = &self.frame {
            f.traverse(visit);
        }
    }
}

/// True for a generator that started and is suspended at a `yield`: its
/// last reference going must close it (`GeneratorExit` into the frame, so
/// `finally` blocks run), as CPython's generator finalizer does.
pub(crate) fn needs_finalizer(o: &super::object::PyObject) -> bool {
    match &o.kind {
        super::object::ObjKind::Generator(st) => match st.try_borrow() {
            Ok(st) => st.started && !st.running && st.frame.is_some(),
            Err(_) => false,
        },
        super::object::ObjKind::Instance(i) => {
            !i.finalized.get()
                && i.class
                    .try_borrow()
                    .is_ok_and(|c| super::typeobj::as_type(&c).is_some_and(|t| t.has_del.get()))
        }
        _ => false,
    }
}
