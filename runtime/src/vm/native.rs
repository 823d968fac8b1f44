//! Objects of native module types (locks, events, file-like streams …).

use std::any::Any;

use super::object::Value;
use super::state::{PyResult, Vm};

/// An object implemented in Rust with its own type.
pub trait NativeObject: Any {
    /// The type name (`"_thread.lock"`, …); its type object is looked up
    /// by this name in the VM's native type registry.
    fn type_name(&self) -> &'static str;
    /// Values it references (for the cycle collector).
    fn traverse(&self, _visit: &mut dyn FnMut(&Value)) {}
    /// Drops its references (the cycle collector breaking a cycle).
    fn clear(&self) {}
    /// `repr()`; `None` for the default `<type object at 0x…>`.
    fn repr(&self, _vm: &Vm) -> PyResult<Option<String>> {
        Ok(None)
    }
    /// As `Any`, for downcasting.
    fn as_any(&self) -> &dyn Any;
}

impl std::fmt::Debug for dyn NativeObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.type_name())
    }
}
