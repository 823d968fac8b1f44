//! `_interpreters`: sub-interpreters from Python (CPython 3.13's private
//! module behind `concurrent.interpreters`).
//!
//! Each sub-interpreter is an interpreter state of the runtime (the
//! isolated preset: its own GIL, daemon threads refused; or the legacy
//! one, sharing the main GIL) with a VM of its own: its own heap (on its
//! own allocator state, as CPython's own obmalloc), types, modules and
//! `__main__`. No object crosses between VMs: `exec`'s `shared` values are
//! copied (None, bool, int, float, str, bytes and tuples of them), and an
//! uncaught exception comes back as a description (`type`, `msg`,
//! `formatted`, `errdisplay`), as in CPython.
//!
//! `exec` runs on the calling OS thread. With OS threads it swaps thread
//! states as `PyThreadState_Swap` does: the caller's interpreter's GIL is
//! released for the run, so threads of different interpreters run in
//! parallel. With emulated threads, the code runs as the main green thread
//! of the sub-interpreter's own scheduler: threads it starts run while it
//! runs (and in later `exec` calls), never beside the caller's.

use std::sync::{Arc, Mutex};

use num_bigint::BigInt;

use super::frame::VmThread;
use super::func::Args;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, Vm};
use crate::interp::{InterpreterConfig, InterpreterState, Whence};
use crate::thread::ThreadState;

/// A sub-interpreter's VM, owned by the registry.
struct VmBox(*mut Vm);

// SAFETY: a sub-interpreter's VM is only used by the thread that entered
// the sub-interpreter (holding its GIL, or the only Python thread under
// emulation), marked `running` for the whole time, and dropped only by
// `destroy` when nobody runs it; the registry itself only moves the
// pointer.
unsafe impl Send for VmBox {}

struct Sub {
    runtime_id: u64,
    interp: Arc<InterpreterState>,
    vm: VmBox,
    running: bool,
}

/// Every runtime's sub-interpreters made by this module.
static SUBS: Mutex<Vec<Sub>> = Mutex::new(Vec::new());

fn subs() -> std::sync::MutexGuard<'static, Vec<Sub>> {
    SUBS.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A value copied into another interpreter (`_PyCrossInterpreterData`).
enum Shared {
    None,
    Bool(bool),
    Int(BigInt),
    Float(f64),
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Tuple(Vec<Shared>),
}

impl Shared {
    fn from_value(vm: &Vm, v: &Value) -> PyResult<Shared> {
        Ok(match v {
            Value::None => Shared::None,
            Value::Bool(b) => Shared::Bool(*b),
            Value::Int(i) => Shared::Int(BigInt::from(*i)),
            Value::Float(f) => Shared::Float(*f),
            Value::Obj(o) => match &o.kind {
                ObjKind::BigInt(b) => Shared::Int((**b).clone()),
                ObjKind::Str(s) => Shared::Str(s.as_bytes().to_vec()),
                ObjKind::Bytes(b) => Shared::Bytes(b.to_vec()),
                ObjKind::Tuple(t) => Shared::Tuple(
                    t.iter()
                        .map(|x| Shared::from_value(vm, x))
                        .collect::<PyResult<_>>()?,
                ),
                _ => return Err(not_shareable(vm, v)),
            },
            _ => return Err(not_shareable(vm, v)),
        })
    }

    fn to_value(&self, vm: &Vm) -> PyResult<Value> {
        Ok(match self {
            Shared::None => Value::None,
            Shared::Bool(b) => Value::Bool(*b),
            Shared::Int(i) => vm.new_int(i.clone())?,
            Shared::Float(f) => Value::Float(*f),
            Shared::Str(s) => vm.new_str_bytes(s)?,
            Shared::Bytes(b) => vm.new_bytes(b)?,
            Shared::Tuple(t) => {
                let items = t.iter().map(|x| x.to_value(vm)).collect::<PyResult<_>>()?;
                vm.new_tuple(items)?
            }
        })
    }
}

fn not_shareable(vm: &Vm, v: &Value) -> PyErr {
    let s = vm
        .str_string(v)
        .unwrap_or_else(|_| format!("<{} object>", vm.type_name(v)));
    vm.new_error(
        "NotShareableError",
        format!("{s} does not support cross-interpreter data"),
    )
}

/// An uncaught exception of a sub-interpreter, described for the caller.
struct ExcInfo {
    name: String,
    qualname: String,
    module: String,
    msg: String,
    formatted: String,
    errdisplay: String,
}

fn excinfo(vm: &Vm, e: &PyErr) -> ExcInfo {
    let t = vm.type_of(&Value::Obj(e.0.clone()));
    let attr = |n: &str| {
        vm.getattr(
            &Value::Obj(t.clone()),
            &vm.new_str(n).unwrap_or(Value::None),
        )
        .ok()
        .and_then(|v| {
            v.as_str()
                .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
        })
        .unwrap_or_default()
    };
    let (name, qualname, module) = (attr("__name__"), attr("__qualname__"), attr("__module__"));
    let msg = vm.str_string(&Value::Obj(e.0.clone())).unwrap_or_default();
    // `_PyXI_excinfo_format`: the (qualified) type name, then the message.
    let mut formatted = if module == "builtins" || module == "__main__" {
        qualname.clone()
    } else {
        format!("{module}.{qualname}")
    };
    if !msg.is_empty() {
        formatted.push_str(": ");
        formatted.push_str(&msg);
    }
    ExcInfo {
        name,
        qualname,
        module,
        msg,
        formatted,
        errdisplay: super::exc_support::format_exception(vm, &e.0)
            .trim_end()
            .to_string(),
    }
}

fn excinfo_value(vm: &Vm, x: &ExcInfo) -> PyResult<Value> {
    let ty = super::modules::namespace(
        vm,
        vec![
            ("__name__", vm.new_str(&x.name)?),
            ("__qualname__", vm.new_str(&x.qualname)?),
            ("__module__", vm.new_str(&x.module)?),
        ],
    )?;
    super::modules::namespace(
        vm,
        vec![
            ("type", ty),
            ("msg", vm.new_str(&x.msg)?),
            ("formatted", vm.new_str(&x.formatted)?),
            ("errdisplay", vm.new_str(&x.errdisplay)?),
        ],
    )
}

fn current_interp(vm: &Vm) -> PyResult<&Arc<InterpreterState>> {
    vm.rt_parts
        .interp
        .as_ref()
        .ok_or_else(|| vm.runtime_error("no interpreter state"))
}

/// CPython's `WHENCE_*` numbers.
fn whence_number(w: Whence) -> i64 {
    match w {
        Whence::RuntimeInit => 1,
        Whence::CApi => 3,
        Whence::Stdlib => 5,
    }
}

fn id_pair(vm: &Vm, i: &InterpreterState) -> PyResult<Value> {
    vm.new_tuple(vec![
        Value::Int(i.id()),
        Value::Int(whence_number(i.whence())),
    ])
}

/// An interpreter ID argument (an int ≥ 0).
fn id_arg(vm: &Vm, v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i),
        Value::Int(i) => Err(vm.value_error(format!(
            "interpreter ID must be a non-negative int, got {i}"
        ))),
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => Err(vm.type_error(format!(
            "interpreter ID must be an int, got {}",
            vm.type_name(v)
        ))),
    }
}

fn not_found(vm: &Vm, id: i64) -> PyErr {
    vm.new_error(
        "InterpreterNotFoundError",
        format!("unrecognized interpreter ID {id}"),
    )
}

/// `create(config=None, *, reqrefs=False)`.
fn create(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let config = match a.pos().first().or_else(|| a.kwarg("config")) {
        None | Some(Value::None) => InterpreterConfig::isolated(),
        Some(v) => match v.as_str().map(|s| s.as_bytes()) {
            Some(b"isolated") => InterpreterConfig::isolated(),
            Some(b"legacy") => InterpreterConfig::legacy(),
            Some(other) => {
                return Err(vm.value_error(format!(
                    "unsupported config name '{}'",
                    String::from_utf8_lossy(other)
                )));
            }
            None => {
                return Err(vm.type_error(format!(
                    "config must be a str or None, not {}",
                    vm.type_name(v)
                )));
            }
        },
    };
    let me = current_interp(vm)?;
    let Some(rs) = me.runtime() else {
        return Err(vm.new_error("InterpreterError", "interpreter creation failed"));
    };
    let sub = rs.new_interpreter(config, me.pyconfig(), Whence::Stdlib);
    let made = with_entered(vm, &sub, None, |_| {
        Vm::new(super::driver::VmInit {
            config: vm.config.clone(),
            platform: vm.rt_parts.platform.clone(),
            mem: Arc::new(vm.heap.mem.new_sibling()),
            interp: Some(sub.clone()),
            configs: None,
        })
    });
    match made {
        Ok(Ok(new_vm)) => {
            let id = sub.id();
            subs().push(Sub {
                runtime_id: sub.runtime_id,
                interp: sub,
                vm: VmBox(Box::into_raw(new_vm)),
                running: false,
            });
            Ok(Value::Int(id))
        }
        Ok(Err(msg)) => {
            rs.remove_interpreter(&sub);
            Err(vm.new_error(
                "InterpreterError",
                format!("interpreter creation failed: {msg}"),
            ))
        }
        Err(e) => {
            rs.remove_interpreter(&sub);
            Err(e)
        }
    }
}

/// Runs `f` on this OS thread with a new thread state of `interp`
/// current (the caller's detached meanwhile, with OS threads), with
/// `sub_vm`'s heap and a VM thread of its own when it is given.
fn with_entered<R>(
    vm: &Vm,
    interp: &Arc<InterpreterState>,
    sub_vm: Option<&Vm>,
    f: impl FnOnce(&Arc<ThreadState>) -> R,
) -> PyResult<R> {
    let ts = interp.new_thread_state();
    let emulated = vm.emulated();
    let outer = ThreadState::current();
    let token = if emulated {
        // One OS thread runs every Python thread: the state is entered the
        // way the scheduler enters a green thread's.
        Some(ts.enter_green())
    } else {
        if let Err(e) = ThreadState::swap(Some(&ts)) {
            let _ = ts.delete();
            return Err(vm.runtime_error(format!("cannot enter the interpreter: {e:?}")));
        }
        None
    };
    let r = match sub_vm {
        Some(svm) => {
            let _h = svm.heap.enter();
            let mut th = Box::new(VmThread::new());
            th.tstate = Some(ts.clone());
            let thp = std::ptr::from_mut(&mut *th);
            svm.register_thread(thp);
            let r = {
                let _g = super::eval::enter_thread(thp);
                let r = f(&ts);
                svm.run_finalizers();
                r
            };
            svm.unregister_thread(thp);
            drop(th);
            r
        }
        None => f(&ts),
    };
    match token {
        Some(t) => ts.leave_green(t),
        None => {
            // Back to the caller's state (waiting for its GIL).
            if let Err(e) = ThreadState::swap(outer.as_ref()) {
                return Err(vm.runtime_error(format!("cannot leave the interpreter: {e:?}")));
            }
        }
    }
    ts.clear();
    let _ = ts.delete();
    Ok(r)
}

/// Marks sub-interpreter `id` running and returns it; errors as CPython's.
fn claim(vm: &Vm, id: i64) -> PyResult<(Arc<InterpreterState>, *mut Vm)> {
    let me = current_interp(vm)?;
    let mut s = subs();
    let Some(sub) = s
        .iter_mut()
        .find(|x| x.runtime_id == me.runtime_id && x.interp.id() == id)
    else {
        let running = me.id() == id || me.runtime().and_then(|rs| rs.interpreter(id)).is_some();
        return Err(if running {
            vm.new_error("InterpreterError", "interpreter already running")
        } else {
            not_found(vm, id)
        });
    };
    if sub.running {
        return Err(vm.new_error("InterpreterError", "interpreter already running"));
    }
    sub.running = true;
    Ok((sub.interp.clone(), sub.vm.0))
}

fn release(id: i64, runtime_id: u64) {
    if let Some(sub) = subs()
        .iter_mut()
        .find(|x| x.runtime_id == runtime_id && x.interp.id() == id)
    {
        sub.running = false;
    }
}

/// `exec(id, code, shared=None, *, restrict=False)`.
fn exec(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    exec_named(vm, a, "exec")
}

/// `run_string(id, script, shared=None, *, restrict=False)`.
fn run_string(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    exec_named(vm, a, "run_string")
}

fn exec_named(vm: &Vm, a: Args<'_>, fname: &str) -> PyResult<Value> {
    let pos = a.pos();
    let code_kw = if fname == "exec" { "code" } else { "script" };
    let Some(idv) = pos.first().or_else(|| a.kwarg("id")) else {
        return Err(vm.type_error(format!(
            "_interpreters.{fname}() missing required argument 'id' (pos 1)"
        )));
    };
    let id = id_arg(vm, idv)?;
    let Some(code) = pos.get(1).or_else(|| a.kwarg(code_kw)) else {
        return Err(vm.type_error(format!(
            "_interpreters.{fname}() missing required argument '{code_kw}' (pos 2)"
        )));
    };
    let src: Vec<u8> = match code.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Str(s)) => s.as_bytes().to_vec(),
        Some(ObjKind::Function(_) | ObjKind::Code(_)) => {
            return Err(vm.new_error(
                "NotImplementedError",
                format!(
                    "_interpreters.{fname}() of a function or code object is not supported by pyrt (pass the source text)"
                ),
            ));
        }
        _ => {
            return Err(vm.type_error(format!(
                "_interpreters.{fname}() argument 2 must be a string, a function, or a code object, not {}",
                vm.type_name(code)
            )));
        }
    };
    let mut shared = Vec::new();
    match pos.get(2).or_else(|| a.kwarg("shared")) {
        None | Some(Value::None) => {}
        Some(Value::Obj(o)) if matches!(o.kind, ObjKind::Dict(_)) => {
            let ObjKind::Dict(dd) = &o.kind else {
                unreachable!("matched a dict")
            };
            for (k, v) in super::dict::items(dd) {
                let Some(ks) = k.as_str() else {
                    return Err(vm.type_error(format!(
                        "expected str keys in shared, got {}",
                        vm.type_name(&k)
                    )));
                };
                shared.push((ks.as_bytes().to_vec(), Shared::from_value(vm, &v)?));
            }
        }
        Some(v) => {
            return Err(vm.type_error(format!(
                "expected a dict for shared, got {}",
                vm.type_name(v)
            )));
        }
    }
    let (interp, sub_vm) = claim(vm, id)?;
    // Output so far first: each interpreter has its own sys.stdout.
    let _ = super::io::flush_std(vm);
    let runtime_id = interp.runtime_id;
    // SAFETY: claimed: nobody else uses or drops this VM until `release`.
    let svm = unsafe { &*sub_vm };
    let r = with_entered(vm, &interp, Some(svm), |_| run_in(svm, &src, &shared));
    release(id, runtime_id);
    match r? {
        None => Ok(Value::None),
        Some(x) => excinfo_value(vm, &x),
    }
}

/// Runs `src` in the entered sub-interpreter's `__main__`.
fn run_in(vm: &Vm, src: &[u8], shared: &[(Vec<u8>, Shared)]) -> Option<ExcInfo> {
    let r = (|| -> PyResult<()> {
        let m = match vm.dict_get_str(&vm.modules, "__main__") {
            Some(Value::Obj(m)) if matches!(m.kind, ObjKind::Module(_)) => m,
            _ => {
                let m = vm.new_module("__main__")?;
                vm.dict_set_str(&vm.modules, "__main__", Value::Obj(m.clone()))?;
                m
            }
        };
        let d = super::modules::mdict(&m);
        vm.dict_set_str(&d, "__builtins__", Value::Obj(vm.builtins.clone()))?;
        for (k, v) in shared {
            let key = vm.new_str_bytes(k)?;
            let val = v.to_value(vm)?;
            vm.dict_set(&d, key, val)?;
        }
        let code = vm.compile_source(src, "<string>", false)?;
        if vm.emulated() {
            super::threads::run_main_green(vm, super::threads::GreenStart::Code(code, d))?;
        } else {
            super::eval::run_code(vm, &code, &d, None)?;
        }
        Ok(())
    })();
    let info = r.err().map(|e| excinfo(vm, &e));
    let _ = super::io::flush_std(vm);
    info
}

/// `destroy(id, *, restrict=False)`.
fn destroy(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let Some(idv) = a.pos().first().or_else(|| a.kwarg("id")) else {
        return Err(vm.type_error("_interpreters.destroy() missing required argument 'id' (pos 1)"));
    };
    let id = id_arg(vm, idv)?;
    let me = current_interp(vm)?;
    if me.id() == id {
        return Err(vm.new_error("InterpreterError", "cannot destroy the current interpreter"));
    }
    let sub = {
        let mut s = subs();
        let Some(i) = s
            .iter()
            .position(|x| x.runtime_id == me.runtime_id && x.interp.id() == id)
        else {
            return Err(not_found(vm, id));
        };
        if s[i].running {
            return Err(vm.new_error("InterpreterError", "interpreter running"));
        }
        s.remove(i)
    };
    end(vm, sub)?;
    Ok(Value::None)
}

/// `Py_EndInterpreter`: waits for the sub-interpreter's threads, runs its
/// `atexit` callbacks, frees its VM and removes its state.
fn end(vm: &Vm, sub: Sub) -> PyResult<()> {
    let Sub { interp, vm: b, .. } = sub;
    // SAFETY: removed from the registry while not running: this is the
    // only reference, and the VM was made by `Box::into_raw`.
    let svm = unsafe { Box::from_raw(b.0) };
    let r = with_entered(vm, &interp, Some(&svm), |_| {
        super::driver::wait_for_thread_shutdown(&svm);
        super::driver::run_atexit(&svm, 0);
        let _ = super::io::flush_std(&svm);
    });
    // The VM goes with its own heap current (teardown enters it).
    let r2 = with_entered(vm, &interp, None, |_| svm.teardown());
    if let Some(rs) = interp.runtime() {
        rs.remove_interpreter(&interp);
    }
    r.and(r2)
}

/// Destroys every sub-interpreter of `vm`'s runtime left at finalization
/// (CPython's `finalize_subinterpreters`).
pub(crate) fn end_all(vm: &Vm) {
    let Some(me) = vm.rt_parts.interp.as_ref() else {
        return;
    };
    let left: Vec<Sub> = {
        let mut s = subs();
        let (mine, rest): (Vec<Sub>, Vec<Sub>) = std::mem::take(&mut *s)
            .into_iter()
            .partition(|x| x.runtime_id == me.runtime_id && !x.running);
        *s = rest;
        mine
    };
    for sub in left {
        let _ = end(vm, sub);
    }
}

fn list_all(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    let me = current_interp(vm)?;
    let mut all = me.runtime().map(|rs| rs.interpreters()).unwrap_or_default();
    all.sort_by_key(|i| i.id());
    let items = all
        .iter()
        .map(|i| id_pair(vm, i))
        .collect::<PyResult<Vec<_>>>()?;
    vm.new_list(items)
}

fn get_current(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    id_pair(vm, current_interp(vm)?)
}

fn get_main(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    let me = current_interp(vm)?;
    match me.runtime().and_then(|rs| rs.main_interpreter()) {
        Some(m) => id_pair(vm, &m),
        None => id_pair(vm, me),
    }
}

/// `is_running(id, *, restrict=False)`.
fn is_running(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let Some(idv) = a.pos().first().or_else(|| a.kwarg("id")) else {
        return Err(
            vm.type_error("_interpreters.is_running() missing required argument 'id' (pos 1)")
        );
    };
    let id = id_arg(vm, idv)?;
    let me = current_interp(vm)?;
    if me.id() == id {
        return Ok(Value::Bool(true));
    }
    if let Some(sub) = subs()
        .iter()
        .find(|x| x.runtime_id == me.runtime_id && x.interp.id() == id)
    {
        return Ok(Value::Bool(sub.running));
    }
    match me.runtime().and_then(|rs| rs.interpreter(id)) {
        // The main interpreter (or one made through the C API) runs its
        // main thread.
        Some(_) => Ok(Value::Bool(true)),
        None => Err(not_found(vm, id)),
    }
}

/// `is_shareable(obj)`.
fn is_shareable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let v = a.pos().first().cloned().unwrap_or(Value::None);
    Ok(Value::Bool(Shared::from_value(vm, &v).is_ok()))
}

/// The `_interpreters` module.
pub(crate) fn make_module(vm: &Vm) -> PyResult<ObjRef> {
    let m = super::modules::module_with(
        vm,
        "_interpreters",
        &[
            ("create", create),
            ("destroy", destroy),
            ("exec", exec),
            ("run_string", run_string),
            ("list_all", list_all),
            ("get_current", get_current),
            ("get_main", get_main),
            ("is_running", is_running),
            ("is_shareable", is_shareable),
        ],
    )?;
    let d = super::modules::mdict(&m);
    for (name, base) in [
        ("InterpreterError", "Exception"),
        ("InterpreterNotFoundError", "InterpreterError"),
        ("NotShareableError", "ValueError"),
    ] {
        let t = exc_type(vm, name, base)?;
        vm.dict_set_str(&d, name, Value::Obj(t))?;
    }
    for (name, v) in [
        ("WHENCE_UNKNOWN", 0),
        ("WHENCE_RUNTIME", 1),
        ("WHENCE_LEGACY_CAPI", 2),
        ("WHENCE_CAPI", 3),
        ("WHENCE_XI", 4),
        ("WHENCE_STDLIB", 5),
    ] {
        vm.dict_set_str(&d, name, Value::Int(v))?;
    }
    Ok(m)
}

/// The module's exception types, made once per VM (in module
/// `interpreters`, as CPython names them).
fn exc_type(vm: &Vm, name: &'static str, base: &str) -> PyResult<ObjRef> {
    if let Some(t) = vm.exc_type_opt(name) {
        return Ok(t);
    }
    let b = vm.exc_type(base);
    let t = super::driver::new_type(
        vm,
        name,
        Some(&b),
        &[],
        super::typeobj::Layout::Exception,
        "interpreters",
    )?;
    vm.register_exc_type(name, t.clone());
    Ok(t)
}
