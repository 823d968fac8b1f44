//! `import`: built-in modules first, then `.py` files on `sys.path`
//! (read through the runtime's file system). Packages and relative
//! imports beyond the main directory are outside the subset.

use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyResult, Vm};

impl Vm {
    /// The built-in module `name` (created on first import).
    pub fn import_builtin_module(&self, name: &str) -> PyResult<ObjRef> {
        if let Some(Value::Obj(m)) = self.dict_get_str(&self.modules, name) {
            return Ok(m);
        }
        let factory = self.builtin_modules.borrow().get(name).copied();
        let Some(f) = factory else {
            return Err(module_not_found(self, name));
        };
        let m = f(self)?;
        self.dict_set_str(&self.modules, name, Value::Obj(m.clone()))?;
        Ok(m)
    }

    /// Imports `name` (a dotted name) and returns the leaf module.
    pub fn import_module(&self, name: &str) -> PyResult<ObjRef> {
        if let Some(Value::Obj(m)) = self.dict_get_str(&self.modules, name) {
            return Ok(m);
        }
        if let Some((parent, leaf)) = name.rsplit_once('.') {
            let p = self.import_module(parent)?;
            if let Some(Value::Obj(m)) = self.dict_get_str(&self.modules, name) {
                return Ok(m);
            }
            let _ = (p, leaf);
            return Err(module_not_found(self, name));
        }
        if self.builtin_modules.borrow().contains_key(name) {
            return self.import_builtin_module(name);
        }
        self.import_from_path(name)
    }

    fn import_from_path(&self, name: &str) -> PyResult<ObjRef> {
        let sys = self.sys.borrow().clone();
        let paths: Vec<Value> = match sys.and_then(|s| {
            self.getattr(&Value::Obj(s), &self.new_str("path").ok()?)
                .ok()
        }) {
            Some(p) => self.to_vec(&p).unwrap_or_default(),
            None => Vec::new(),
        };
        let fs = self.rt_parts.platform.fs.clone();
        for p in paths {
            let Some(dir) = p.as_str() else { continue };
            let dir = dir.to_string_lossy().into_owned();
            let dir = if dir.is_empty() {
                String::from_utf8_lossy(self.rt_parts.platform.cwd.as_deref().unwrap_or(b"."))
                    .into_owned()
            } else {
                dir
            };
            let file = format!("{}/{name}.py", dir.trim_end_matches('/'));
            if fs.kind(file.as_bytes()) == Some(crate::platform::FileKind::File) {
                let src = fs
                    .read(file.as_bytes())
                    .map_err(|e| self.new_error("OSError", e.to_string()))?;
                let m = self.new_module(name)?;
                let ObjKind::Module(mo) = &m.kind else {
                    unreachable!()
                };
                self.dict_set_str(&mo.dict, "__file__", self.new_str(&file)?)?;
                self.dict_set_str(&mo.dict, "__builtins__", Value::Obj(self.builtins.clone()))?;
                self.dict_set_str(&self.modules, name, Value::Obj(m.clone()))?;
                let r = self.exec_source(&src, &file, &mo.dict);
                if let Err(e) = r {
                    // A failed import leaves no module behind.
                    if let ObjKind::Dict(d) = &self.modules.kind {
                        let _ = super::dict::remove(self, d, &self.new_str(name)?);
                    }
                    return Err(e);
                }
                return Ok(m);
            }
            let pkg = format!("{}/{name}/__init__.py", dir.trim_end_matches('/'));
            if fs.kind(pkg.as_bytes()) == Some(crate::platform::FileKind::File) {
                return Err(self.not_supported(format!("importing the package '{name}'")));
            }
        }
        Err(module_not_found(self, name))
    }
}

fn module_not_found(vm: &Vm, name: &str) -> super::state::PyErr {
    let e = vm.new_error("ModuleNotFoundError", format!("No module named '{name}'"));
    if let ObjKind::Exception(x) = &e.0.kind {
        let _ = vm.dict_set_str(&x.dict, "name", vm.new_str(name).unwrap_or(Value::None));
    }
    e
}

/// `IMPORT_NAME`.
pub(crate) fn import_name(
    vm: &Vm,
    name: &Value,
    _globals: &ObjRef,
    fromlist: &Value,
    level: &Value,
) -> PyResult<Value> {
    let n = vm.display_str(name);
    if let Value::Int(l) = level
        && *l > 0
    {
        return Err(vm.new_error(
            "ImportError",
            "attempted relative import with no known parent package",
        ));
    }
    let leaf = vm.import_module(&n)?;
    let has_fromlist = !fromlist.is_none() && vm.truthy(fromlist)?;
    if has_fromlist || !n.contains('.') {
        return Ok(Value::Obj(leaf));
    }
    let top = n.split('.').next().unwrap_or(&n);
    Ok(Value::Obj(vm.import_module(top)?))
}

/// `IMPORT_FROM`.
pub(crate) fn import_from(vm: &Vm, module: &Value, name: &Value) -> PyResult<Value> {
    if let Some(v) = vm.getattr_optional(module, name)? {
        return Ok(v);
    }
    let mname = module.as_obj().map(|m| match &m.kind {
        ObjKind::Module(mo) => vm.display_str(&mo.name),
        _ => String::new(),
    });
    let mname = mname.unwrap_or_default();
    // A submodule?
    let full = format!("{mname}.{}", vm.display_str(name));
    if let Ok(m) = vm.import_module(&full) {
        return Ok(Value::Obj(m));
    }
    let loc = match module.as_obj().map(|m| &m.kind) {
        Some(ObjKind::Module(mo)) => match vm.dict_get_str(&mo.dict, "__file__") {
            Some(f) if f.as_str().is_some() => vm.display_str(&f),
            _ => "unknown location".into(),
        },
        _ => "unknown location".into(),
    };
    let e = vm.new_error(
        "ImportError",
        format!(
            "cannot import name '{}' from '{mname}' ({loc})",
            vm.display_str(name)
        ),
    );
    if let ObjKind::Exception(x) = &e.0.kind {
        let _ = vm.dict_set_str(&x.dict, "name", vm.new_str(&mname)?);
        let _ = vm.dict_set_str(&x.dict, "name_from", name.clone());
    }
    Err(e)
}

/// `from module import *`.
pub(crate) fn import_star(vm: &Vm, module: &Value, target: &ObjRef) -> PyResult<()> {
    let Some(ObjKind::Module(m)) = module.as_obj().map(|o| &o.kind) else {
        return Ok(());
    };
    let names: Vec<Value> = match vm.dict_get_str(&m.dict, "__all__") {
        Some(all) => vm.to_vec(&all)?,
        None => match &m.dict.kind {
            ObjKind::Dict(d) => super::dict::keys(d)
                .into_iter()
                .filter(|k| !k.as_str().is_some_and(|s| s.as_bytes().starts_with(b"_")))
                .collect(),
            _ => Vec::new(),
        },
    };
    for n in names {
        let v = vm.getattr(module, &n)?;
        vm.dict_set(target, n, v)?;
    }
    Ok(())
}
