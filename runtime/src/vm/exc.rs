//! Exception objects (Objects/exceptions.c) and traceback entries.

use std::cell::{Cell, RefCell};

use super::object::{ObjRef, Value};

/// An exception instance.
#[derive(Debug)]
pub struct ExcObj {
    /// Its class.
    pub class: ObjRef,
    /// `args` (a tuple).
    pub args: RefCell<Value>,
    /// `__dict__` (a dict object) for other attributes.
    pub dict: ObjRef,
    /// Where it went: innermost frame last (as `tb_next` order).
    pub traceback: RefCell<Vec<TbEntry>>,
    /// `__cause__`.
    pub cause: RefCell<Value>,
    /// `__context__`.
    pub context: RefCell<Value>,
    /// `__suppress_context__`.
    pub suppress_context: Cell<bool>,
}

/// One traceback entry.
#[derive(Debug, Clone)]
pub struct TbEntry {
    /// The code object.
    pub code: ObjRef,
    /// The instruction index.
    pub lasti: u32,
    /// The line.
    pub lineno: u32,
    /// The frame object (`tb_frame`).
    pub frame: Option<ObjRef>,
    /// The traceback object for the chain from this entry on, once
    /// `__traceback__` made it: entries are only ever added in front, so
    /// it stays right, and `e.__traceback__` is the same object each time.
    pub obj: Option<ObjRef>,
}

/// A `traceback` object as Python sees it (built on demand).
#[derive(Debug)]
pub struct TracebackObj {
    /// `tb_frame`-like data: the code.
    pub code: ObjRef,
    /// `tb_lineno`.
    pub lineno: u32,
    /// `tb_lasti`.
    pub lasti: u32,
    /// `tb_next`.
    pub next: Value,
    /// `tb_frame` (None: a frame without an object).
    pub frame: Option<ObjRef>,
}
