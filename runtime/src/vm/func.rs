//! Functions: Python functions, builtins, and the argument conventions.

use std::cell::RefCell;

use super::object::{ObjRef, Value};
use super::state::{PyResult, Vm};

/// A function defined in Python.
#[derive(Debug)]
pub struct Function {
    /// Its code object.
    pub code: ObjRef,
    /// Module globals (a dict object).
    pub globals: ObjRef,
    /// The builtins namespace (a dict object), found when the function
    /// was made (CPython's `func_builtins`).
    pub builtins: ObjRef,
    /// `__name__`.
    pub name: RefCell<Value>,
    /// `__qualname__`.
    pub qualname: RefCell<Value>,
    /// Positional defaults (a tuple, or None).
    pub defaults: RefCell<Value>,
    /// Keyword-only defaults (a dict, or None).
    pub kwdefaults: RefCell<Value>,
    /// Closure cells (a tuple, or None).
    pub closure: Value,
    /// `__dict__` (created on first attribute set).
    pub dict: RefCell<Option<ObjRef>>,
    /// `__module__`.
    pub module: RefCell<Value>,
    /// `__doc__`.
    pub doc: RefCell<Value>,
    /// `__annotations__` (a dict, made on first use when the definition
    /// had none).
    pub annotations: RefCell<Value>,
}

/// The arguments of a native call: positional values, then keyword
/// values named by `kwnames` (vectorcall's layout).
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    /// All argument values (keywords last).
    pub all: &'a [Value],
    /// Names of the trailing keyword values (str values).
    pub kwnames: &'a [Value],
}

impl<'a> Args<'a> {
    /// Positional arguments only.
    pub fn positional(args: &'a [Value]) -> Args<'a> {
        Args {
            all: args,
            kwnames: &[],
        }
    }

    /// The positional part.
    #[inline]
    pub fn pos(&self) -> &'a [Value] {
        &self.all[..self.all.len() - self.kwnames.len()]
    }

    /// The keyword part: (name, value).
    pub fn kw(&self) -> impl Iterator<Item = (&'a Value, &'a Value)> {
        let n = self.all.len() - self.kwnames.len();
        self.kwnames.iter().zip(&self.all[n..])
    }

    /// The keyword named `name`.
    pub fn kwarg(&self, name: &str) -> Option<&'a Value> {
        self.kw()
            .find(|(k, _)| k.as_str().is_some_and(|s| s.as_bytes() == name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// True if there are no keyword arguments.
    pub fn no_kw(&self) -> bool {
        self.kwnames.is_empty()
    }
}

/// A function implemented in Rust.
pub type NativeFn = fn(&Vm, Args<'_>) -> PyResult<Value>;

/// A builtin function or method.
#[derive(Debug)]
pub struct Builtin {
    /// `__name__`.
    pub name: &'static str,
    /// The implementation; for methods, `args[0]` is `self`.
    pub f: NativeFn,
    /// Bound `self` (`Undef`: an unbound method descriptor or a plain
    /// function).
    pub bound: Value,
    /// The owning type's name, for method descriptors (`"list"`); empty
    /// for module functions.
    pub owner: &'static str,
    /// The module name for module-level functions (`"builtins"`, …).
    pub module: &'static str,
}
