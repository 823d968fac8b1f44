//! Module objects.

use super::object::{ObjRef, Value};

/// A module.
#[derive(Debug)]
pub struct ModuleObj {
    /// `__name__` (str).
    pub name: Value,
    /// The namespace (a dict object).
    pub dict: ObjRef,
}
