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

/// A native object with its type, found once when it is made (not by
/// name on every attribute lookup).
pub struct NativeCell<T: ?Sized + NativeObject> {
    /// Its type object.
    pub ty: super::object::ObjRef,
    /// The object.
    pub obj: T,
}

impl<T: ?Sized + NativeObject> std::ops::Deref for NativeCell<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.obj
    }
}

impl std::fmt::Debug for NativeCell<dyn NativeObject> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.obj.fmt(f)
    }
}

impl Vm {
    /// A new native object of the type registered for its type name.
    pub fn new_native(&self, obj: impl NativeObject) -> PyResult<Value> {
        let ty = self.native_type(obj.type_name());
        let cell: Box<NativeCell<dyn NativeObject>> = Box::new(NativeCell { ty, obj });
        Ok(Value::Obj(
            self.alloc(super::object::ObjKind::Native(cell))?,
        ))
    }
}

impl std::fmt::Debug for dyn NativeObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.type_name())
    }
}
