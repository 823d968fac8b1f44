//! Built-in modules: `sys` (everything the configuration decides),
//! `os`, `time`, `atexit`, `json`, `gc`, `math`, `faulthandler`,
//! `tracemalloc`, `_testinternalcapi`, `_io`.

use std::cell::Cell;

use num_traits::ToPrimitive;

use super::builtins::{int_arg, pos_args};
use super::dict;
use super::driver::new_type;
use super::func::{Args, Builtin, NativeFn};
use super::io::TextIo;
use super::object::{ObjKind, ObjRef, Value};
use super::state::{MethodTable, PyResult, Vm};
use super::typeobj::{Layout, TypeObj};
use crate::config::ConfigValue;
use crate::platform::StdStream;
use crate::wstr::WString;

/// `sys.stdlib_module_names`: CPython 3.13's list of its standard
/// library's module names (a NameError's "Did you forget to import …?").
pub(crate) const STDLIB_MODULE_NAMES: [&str; 289] = [
    "__future__",
    "_abc",
    "_aix_support",
    "_android_support",
    "_ast",
    "_asyncio",
    "_bisect",
    "_blake2",
    "_bz2",
    "_codecs",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    "_collections",
    "_collections_abc",
    "_colorize",
    "_compat_pickle",
    "_compression",
    "_contextvars",
    "_csv",
    "_ctypes",
    "_curses",
    "_curses_panel",
    "_datetime",
    "_dbm",
    "_decimal",
    "_elementtree",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "_functools",
    "_gdbm",
    "_hashlib",
    "_heapq",
    "_imp",
    "_interpchannels",
    "_interpqueues",
    "_interpreters",
    "_io",
    "_ios_support",
    "_json",
    "_locale",
    "_lsprof",
    "_lzma",
    "_markupbase",
    "_md5",
    "_multibytecodec",
    "_multiprocessing",
    "_opcode",
    "_opcode_metadata",
    "_operator",
    "_osx_support",
    "_overlapped",
    "_pickle",
    "_posixshmem",
    "_posixsubprocess",
    "_py_abc",
    "_pydatetime",
    "_pydecimal",
    "_pyio",
    "_pylong",
    "_pyrepl",
    "_queue",
    "_random",
    "_scproxy",
    "_sha1",
    "_sha2",
    "_sha3",
    "_signal",
    "_sitebuiltins",
    "_socket",
    "_sqlite3",
    "_sre",
    "_ssl",
    "_stat",
    "_statistics",
    "_string",
    "_strptime",
    "_struct",
    "_suggestions",
    "_symtable",
    "_sysconfig",
    "_thread",
    "_threading_local",
    "_tkinter",
    "_tokenize",
    "_tracemalloc",
    "_typing",
    "_uuid",
    "_warnings",
    "_weakref",
    "_weakrefset",
    "_winapi",
    "_wmi",
    "_zoneinfo",
    "abc",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "atexit",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "idlelib",
    "imaplib",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "tempfile",
    "termios",
    "textwrap",
    "this",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

/// Names of the modules built into the VM (`sys.builtin_module_names`).
pub const NAMES: &[&str] = &[
    "_interpreters",
    "_io",
    "_pyrt",
    "_testinternalcapi",
    "_thread",
    "atexit",
    "builtins",
    "faulthandler",
    "gc",
    "json",
    "math",
    "os",
    "sys",
    "time",
    "tracemalloc",
];

/// Registers the module factories.
pub(crate) fn register(vm: &Vm) -> PyResult<()> {
    let mut m = vm.builtin_modules.borrow_mut();
    m.insert("sys", make_sys);
    m.insert("os", make_os);
    m.insert("time", make_time);
    m.insert("atexit", make_atexit);
    m.insert("json", make_json);
    m.insert("gc", make_gc);
    m.insert("math", make_math);
    m.insert("faulthandler", make_faulthandler);
    m.insert("tracemalloc", make_tracemalloc);
    m.insert("_testinternalcapi", make_testinternalcapi);
    m.insert("_io", make_io);
    m.insert("_pyrt", make_pyrt);
    m.insert("_thread", super::threads::make_thread_module);
    m.insert("_interpreters", super::interpreters::make_module);
    m.insert("threading", super::threads::make_threading_module);
    m.insert("_pyrt_generics", |vm| {
        frozen_module(vm, "_pyrt_generics", include_str!("py/generics.py"))
    });
    Ok(())
}

/// A module run from Python source frozen into the runtime
/// (`<frozen NAME>`), registered in `sys.modules` before it runs (as
/// importlib does) and taken out again if it fails.
pub(crate) fn frozen_module(vm: &Vm, name: &str, src: &str) -> PyResult<ObjRef> {
    let m = vm.new_module(name)?;
    let d = mdict(&m);
    let file = format!("<frozen {name}>");
    vm.dict_set_str(&d, "__builtins__", Value::Obj(vm.builtins.clone()))?;
    vm.dict_set_str(&d, "__file__", vm.new_str(&file)?)?;
    vm.dict_set_str(&vm.modules, name, Value::Obj(m.clone()))?;
    if let Err(e) = vm.exec_source(src.as_bytes(), &file, &d) {
        if let ObjKind::Dict(md) = &vm.modules.kind {
            let _ = super::dict::remove(vm, md, &vm.new_str(name)?);
        }
        return Err(e);
    }
    Ok(m)
}

/// `name` from the frozen `_pyrt_generics` module (`types.GenericAlias`,
/// `types.UnionType` and the union of two classes), loaded on first use.
pub(crate) fn generics(vm: &Vm, name: &str) -> PyResult<Value> {
    let m = vm.import_module("_pyrt_generics")?;
    vm.getattr(&Value::Obj(m), &vm.new_str(name)?)
}

/// A module named `name` with the builtin functions `fns`.
pub(crate) fn module_with(
    vm: &Vm,
    name: &'static str,
    fns: &[(&'static str, NativeFn)],
) -> PyResult<ObjRef> {
    let m = vm.new_module(name)?;
    let d = mdict(&m);
    for (n, f) in fns {
        vm.dict_set_str(&d, n, vm.new_builtin(n, name, *f)?)?;
    }
    Ok(m)
}

pub(crate) fn mdict(m: &ObjRef) -> ObjRef {
    match &m.kind {
        ObjKind::Module(mo) => mo.dict.clone(),
        _ => m.clone(),
    }
}

fn wstr(vm: &Vm, w: &WString) -> PyResult<Value> {
    vm.new_str_bytes(w.as_bytes())
}

fn opt_wstr(vm: &Vm, w: &Option<WString>) -> PyResult<Value> {
    match w {
        Some(w) => wstr(vm, w),
        None => Ok(Value::None),
    }
}

fn wlist(vm: &Vm, items: &[WString]) -> PyResult<Value> {
    let v: Vec<Value> = items.iter().map(|w| wstr(vm, w)).collect::<PyResult<_>>()?;
    vm.new_list(v)
}

fn float_arg(vm: &Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        v if super::int::is_int(v) => super::int::int_to_f64(vm, v),
        v => Err(vm.type_error(format!("must be real number, not {}", vm.type_name(v)))),
    }
}

// ---- struct sequences ---------------------------------------------------------------

/// A named-tuple-like type (`sys.flags`, `sys.version_info`): fields are
/// attributes; indexing, iteration, comparison and hashing go through
/// the values as a tuple.
fn structseq_type(
    vm: &Vm,
    name: &'static str,
    module: &str,
    n_seq: usize,
    n_fields: usize,
) -> PyResult<ObjRef> {
    let d = vm.new_dict()?;
    for (mname, f) in STRUCTSEQ_METHODS {
        let b = vm.alloc(ObjKind::Builtin(Box::new(Builtin {
            name: mname,
            f: *f,
            bound: Value::Undef,
            owner: name,
            module: "",
        })))?;
        vm.dict_set_str(&d, mname, Value::Obj(b))?;
    }
    vm.dict_set_str(&d, "__module__", vm.new_str(module)?)?;
    vm.dict_set_str(&d, "n_sequence_fields", Value::Int(n_seq as i64))?;
    vm.dict_set_str(&d, "n_fields", Value::Int(n_fields as i64))?;
    vm.dict_set_str(&d, "n_unnamed_fields", Value::Int(0))?;
    let object = vm.types.object.clone();
    super::typeobj::mark_namespace(&d);
    let t = vm.alloc(ObjKind::Type(Box::new(TypeObj {
        name: name.to_string(),
        qualname: std::cell::RefCell::new(name.to_string()),
        bases: vec![object.clone()],
        mro: std::cell::RefCell::new(Vec::new()),
        dict: d,
        layout: Layout::Object,
        builtin: false,
        kind_tag: name,
        inst_dict_hint: Cell::new(0),
        hooks: Cell::new((0, 0)),
        has_del: Cell::new(false),
        slots: None,
    })))?;
    if let ObjKind::Type(tt) = &t.kind {
        *tt.mro.borrow_mut() = vec![t.clone(), object];
    }
    Ok(t)
}

const VALUES_KEY: &str = "__structseq_values__";
const NAMES_KEY: &str = "__structseq_names__";

/// A `types.SimpleNamespace`-like record with `fields` (made as
/// `sys.implementation` is).
pub(crate) fn namespace(vm: &Vm, fields: Vec<(&str, Value)>) -> PyResult<Value> {
    let n = fields.len();
    let t = structseq_type(vm, "SimpleNamespace", "types", n, n)?;
    structseq(vm, &t, fields, n)
}

/// An instance of a struct sequence type: `fields` (name, value), the
/// first `n_seq` of them in the tuple.
fn structseq(vm: &Vm, t: &ObjRef, fields: Vec<(&str, Value)>, n_seq: usize) -> PyResult<Value> {
    let inst = vm.new_instance(t)?;
    let ObjKind::Instance(i) = &inst.as_obj().expect("instance").kind else {
        unreachable!()
    };
    let mut seq = Vec::new();
    let mut names = Vec::new();
    for (k, (name, v)) in fields.into_iter().enumerate() {
        if k < n_seq {
            seq.push(v.clone());
            names.push(vm.new_str(name)?);
        }
        vm.dict_set_str(&i.dict, name, v)?;
    }
    vm.dict_set_str(&i.dict, VALUES_KEY, vm.new_tuple(seq)?)?;
    vm.dict_set_str(&i.dict, NAMES_KEY, vm.new_tuple(names)?)?;
    Ok(inst)
}

fn ss_values(vm: &Vm, v: &Value) -> PyResult<Value> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Instance(i)) => vm
            .dict_get_str(&i.dict, VALUES_KEY)
            .ok_or_else(|| vm.type_error("not a struct sequence")),
        _ => Ok(v.clone()),
    }
}

fn ss_repr(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let this = &p[0];
    let ObjKind::Instance(i) = &this.as_obj().ok_or_else(|| vm.type_error("bad self"))?.kind else {
        return Err(vm.type_error("bad self"));
    };
    let t = vm.type_of(this);
    let (module, name) = match &t.kind {
        ObjKind::Type(tt) => (
            vm.dict_get_str(&tt.dict, "__module__")
                .map(|m| vm.display_str(&m))
                .unwrap_or_default(),
            tt.name.clone(),
        ),
        _ => (String::new(), String::new()),
    };
    let names = vm
        .dict_get_str(&i.dict, NAMES_KEY)
        .map(|n| vm.to_vec(&n))
        .transpose()?
        .unwrap_or_default();
    let values = vm.to_vec(&ss_values(vm, this)?)?;
    let mut out = if name == "SimpleNamespace" {
        "namespace(".to_string()
    } else {
        format!("{module}.{name}(")
    };
    for (k, (n, v)) in names.iter().zip(values.iter()).enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(&vm.display_str(n));
        out.push('=');
        out.push_str(&vm.repr_string(v)?);
    }
    out.push(')');
    vm.new_str(&out)
}

fn ss_len(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Int(vm.len(&ss_values(vm, &a.pos()[0])?)? as i64))
}

fn ss_getitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 2 {
        return Err(vm.type_error("__getitem__ expected 1 argument"));
    }
    vm.getitem(&ss_values(vm, &p[0])?, &p[1])
}

fn ss_iter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    vm.iter(&ss_values(vm, &a.pos()[0])?)
}

fn ss_hash(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Int(vm.hash(&ss_values(vm, &a.pos()[0])?)?))
}

fn ss_cmp(vm: &Vm, a: Args<'_>, op: super::code::CmpKind) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 2 {
        return Err(vm.type_error("comparison expected 1 argument"));
    }
    let other = &p[1];
    let is_tuple_like = matches!(other.as_obj().map(|o| &o.kind), Some(ObjKind::Tuple(_)))
        || matches!(other.as_obj().map(|o| &o.kind), Some(ObjKind::Instance(i)) if vm.dict_get_str(&i.dict, VALUES_KEY).is_some());
    if !is_tuple_like {
        return Ok(vm.none_like.not_implemented.clone());
    }
    vm.compare(&ss_values(vm, &p[0])?, &ss_values(vm, other)?, op)
}

macro_rules! ss_cmps {
    ($($f:ident = $op:ident;)*) => {
        $(fn $f(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
            ss_cmp(vm, a, super::code::CmpKind::$op)
        })*
    };
}

ss_cmps! {
    ss_lt = Lt;
    ss_le = Le;
    ss_eq = Eq;
    ss_ne = Ne;
    ss_gt = Gt;
    ss_ge = Ge;
}

fn ss_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let t = ss_values(vm, &p[0])?;
    let f = vm.getattr(&t, &vm.new_str("count")?)?;
    vm.call(&f, Args::positional(&p[1..]))
}

fn ss_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let t = ss_values(vm, &p[0])?;
    let f = vm.getattr(&t, &vm.new_str("index")?)?;
    vm.call(&f, Args::positional(&p[1..]))
}

const STRUCTSEQ_METHODS: MethodTable = &[
    ("__repr__", ss_repr),
    ("__len__", ss_len),
    ("__getitem__", ss_getitem),
    ("__iter__", ss_iter),
    ("__hash__", ss_hash),
    ("__lt__", ss_lt),
    ("__le__", ss_le),
    ("__eq__", ss_eq),
    ("__ne__", ss_ne),
    ("__gt__", ss_gt),
    ("__ge__", ss_ge),
    ("count", ss_count),
    ("index", ss_index),
];

/// A `ModuleSpec`-like object for `__spec__` (name, origin, parent).
pub(crate) fn module_spec(vm: &Vm, name: &str, origin: Option<&str>) -> PyResult<Value> {
    let t = structseq_type(vm, "ModuleSpec", "_frozen_importlib", 4, 4)?;
    let parent = name.rsplit_once('.').map_or("", |(p, _)| p);
    let origin_v = match origin {
        Some(o) => vm.new_str(o)?,
        None => Value::None,
    };
    structseq(
        vm,
        &t,
        vec![
            ("name", vm.new_str(name)?),
            ("origin", origin_v),
            ("parent", vm.new_str(parent)?),
            ("has_location", Value::Bool(origin.is_some())),
            ("loader", Value::None),
            ("submodule_search_locations", Value::None),
            ("cached", Value::None),
        ],
        4,
    )
}

// ---- sys ----------------------------------------------------------------------------

fn thp() -> *mut super::frame::VmThread {
    super::eval::thread_ptr()
}

macro_rules! th {
    ($p:expr) => {
        // SAFETY: the running VM thread (eval.rs); used within one
        // statement, no Python code runs meanwhile.
        unsafe { &mut *$p }
    };
}

fn config_flag(v: i32) -> Value {
    Value::Int(i64::from(v))
}

/// pyrt's own `-X` options select the runtime's machinery (thread
/// backend, scheduling seed, GIL trace); they are consumed, not shown to
/// the program, so a program sees the same `sys._xoptions` and
/// `sys.orig_argv` under either thread backend.
fn is_pyrt_xoption(s: &str) -> bool {
    let key = s.split('=').next().unwrap_or("");
    matches!(key, "threads" | "sched_seed" | "gil_trace")
}

/// `orig_argv` without pyrt's own `-X` options (those before the script,
/// command or module).
fn without_pyrt_options<'a>(
    items: impl Iterator<Item = &'a crate::wstr::WString>,
) -> Vec<crate::wstr::WString> {
    let items: Vec<&crate::wstr::WString> = items.collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut options = true;
    while i < items.len() {
        let s = items[i].to_string_lossy().into_owned();
        if i > 0 && options {
            if s == "-X"
                && items
                    .get(i + 1)
                    .is_some_and(|v| is_pyrt_xoption(&v.to_string_lossy()))
            {
                i += 2;
                continue;
            }
            if let Some(rest) = s.strip_prefix("-X")
                && is_pyrt_xoption(rest)
            {
                i += 1;
                continue;
            }
            if matches!(s.as_str(), "-X" | "-W" | "--check-hash-based-pycs") {
                out.push(items[i].clone());
                if let Some(v) = items.get(i + 1) {
                    out.push((*v).clone());
                }
                i += 2;
                continue;
            }
            if !s.starts_with('-')
                || s == "-"
                || s == "--"
                || s.starts_with("-c")
                || s.starts_with("-m")
            {
                options = false;
            }
        }
        out.push(items[i].clone());
        i += 1;
    }
    out
}

fn make_sys(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(vm, "sys", SYS_FUNCTIONS)?;
    let d = mdict(&m);
    let c = &vm.config;
    let set = |k: &str, v: Value| vm.dict_set_str(&d, k, v);

    set("argv", wlist(vm, c.argv.items())?)?;
    let orig: Vec<crate::wstr::WString> = without_pyrt_options(c.orig_argv.items().iter());
    set("orig_argv", wlist(vm, &orig)?)?;
    set("warnoptions", wlist(vm, c.warnoptions.items())?)?;
    let xo = vm.new_dict()?;
    for x in c.xoptions.items() {
        let s = x.to_string_lossy().into_owned();
        if is_pyrt_xoption(&s) {
            continue;
        }
        match s.split_once('=') {
            Some((k, v)) => vm.dict_set(&xo, vm.new_str(k)?, vm.new_str(v)?)?,
            None => vm.dict_set(&xo, vm.new_str(&s)?, Value::Bool(true))?,
        }
    }
    set("_xoptions", Value::Obj(xo))?;
    let mut path = Vec::new();
    if let Some(p0) = &c.sys_path_0 {
        path.push(wstr(vm, p0)?);
    }
    for p in c.module_search_paths.items() {
        path.push(wstr(vm, p)?);
    }
    set("path", vm.new_list(path)?)?;
    set("executable", opt_wstr(vm, &c.executable)?)?;
    set("_base_executable", opt_wstr(vm, &c.base_executable)?)?;
    set("prefix", opt_wstr(vm, &c.prefix)?)?;
    set("base_prefix", opt_wstr(vm, &c.base_prefix)?)?;
    set("exec_prefix", opt_wstr(vm, &c.exec_prefix)?)?;
    set("base_exec_prefix", opt_wstr(vm, &c.base_exec_prefix)?)?;
    set("platlibdir", opt_wstr(vm, &c.platlibdir)?)?;
    set("_stdlib_dir", opt_wstr(vm, &c.stdlib_dir)?)?;
    set("pycache_prefix", opt_wstr(vm, &c.pycache_prefix)?)?;
    set("dont_write_bytecode", Value::Bool(c.write_bytecode == 0))?;
    set(
        "version",
        vm.new_str(&crate::lifecycle::version::version())?,
    )?;
    set("hexversion", Value::Int(0x030D_00F0))?;
    set("api_version", Value::Int(1013))?;
    set(
        "platform",
        vm.new_str(crate::lifecycle::version::platform())?,
    )?;
    set(
        "copyright",
        vm.new_str(crate::lifecycle::version::copyright())?,
    )?;
    set(
        "byteorder",
        vm.new_str(if cfg!(target_endian = "little") {
            "little"
        } else {
            "big"
        })?,
    )?;
    set("maxsize", Value::Int(isize::MAX as i64))?;
    set("maxunicode", Value::Int(0x10FFFF))?;
    set("float_repr_style", vm.new_str("short")?)?;
    set("modules", Value::Obj(vm.modules.clone()))?;
    let names: Vec<Value> = NAMES
        .iter()
        .map(|n| vm.new_str(n))
        .collect::<PyResult<_>>()?;
    set("builtin_module_names", vm.new_tuple(names)?)?;
    let stdlib: Vec<Value> = STDLIB_MODULE_NAMES
        .iter()
        .map(|n| vm.new_str(n))
        .collect::<PyResult<_>>()?;
    let frozenset = Value::Obj(vm.types.frozenset.clone());
    set(
        "stdlib_module_names",
        vm.call(&frozenset, Args::positional(&[vm.new_list(stdlib)?]))?,
    )?;

    // version_info and friends.
    let vi_t = structseq_type(vm, "version_info", "sys", 5, 5)?;
    let vi = structseq(
        vm,
        &vi_t,
        vec![
            ("major", Value::Int(3)),
            ("minor", Value::Int(13)),
            ("micro", Value::Int(0)),
            ("releaselevel", vm.new_str("final")?),
            ("serial", Value::Int(0)),
        ],
        5,
    )?;
    set("version_info", vi.clone())?;
    let impl_t = structseq_type(vm, "SimpleNamespace", "types", 4, 4)?;
    set(
        "implementation",
        structseq(
            vm,
            &impl_t,
            vec![
                ("name", vm.new_str("pyrt")?),
                ("cache_tag", Value::None),
                ("version", vi),
                ("hexversion", Value::Int(0x030D_00F0)),
            ],
            4,
        )?,
    )?;
    let hi_t = structseq_type(vm, "hash_info", "sys", 9, 9)?;
    set(
        "hash_info",
        structseq(
            vm,
            &hi_t,
            vec![
                ("width", Value::Int(64)),
                ("modulus", Value::Int((1i64 << 61) - 1)),
                ("inf", Value::Int(314_159)),
                ("nan", Value::Int(0)),
                ("imag", Value::Int(1_000_003)),
                ("algorithm", vm.new_str("siphash13")?),
                ("hash_bits", Value::Int(64)),
                ("seed_bits", Value::Int(128)),
                ("cutoff", Value::Int(0)),
            ],
            9,
        )?,
    )?;
    let ii_t = structseq_type(vm, "int_info", "sys", 4, 4)?;
    set(
        "int_info",
        structseq(
            vm,
            &ii_t,
            vec![
                ("bits_per_digit", Value::Int(30)),
                ("sizeof_digit", Value::Int(4)),
                ("default_max_str_digits", Value::Int(4300)),
                ("str_digits_check_threshold", Value::Int(640)),
            ],
            4,
        )?,
    )?;
    let fi_t = structseq_type(vm, "float_info", "sys", 11, 11)?;
    set(
        "float_info",
        structseq(
            vm,
            &fi_t,
            vec![
                ("max", Value::Float(f64::MAX)),
                ("max_exp", Value::Int(1024)),
                ("max_10_exp", Value::Int(308)),
                ("min", Value::Float(f64::MIN_POSITIVE)),
                ("min_exp", Value::Int(-1021)),
                ("min_10_exp", Value::Int(-307)),
                ("dig", Value::Int(15)),
                ("mant_dig", Value::Int(53)),
                ("epsilon", Value::Float(f64::EPSILON)),
                ("radix", Value::Int(2)),
                ("rounds", Value::Int(1)),
            ],
            11,
        )?,
    )?;

    // flags (sys.flags: 18 sequence fields, plus `gil`).
    let utf8_mode = match vm.configs.borrow().as_ref() {
        Some(cf) => cf
            .pre_config
            .iter()
            .find(|(k, _)| *k == "utf8_mode")
            .map_or(0, |(_, v)| match v {
                ConfigValue::Int(i) => *i,
                ConfigValue::Bool(b) => i64::from(*b),
                _ => 0,
            }),
        None => 0,
    };
    let flags_t = structseq_type(vm, "flags", "sys", 18, 19)?;
    let flags = structseq(
        vm,
        &flags_t,
        vec![
            ("debug", config_flag(c.parser_debug)),
            ("inspect", config_flag(c.inspect)),
            ("interactive", config_flag(c.interactive)),
            ("optimize", config_flag(c.optimization_level)),
            (
                "dont_write_bytecode",
                config_flag(i32::from(c.write_bytecode == 0)),
            ),
            (
                "no_user_site",
                config_flag(i32::from(c.user_site_directory == 0)),
            ),
            ("no_site", config_flag(i32::from(c.site_import == 0))),
            (
                "ignore_environment",
                config_flag(i32::from(c.use_environment == 0)),
            ),
            ("verbose", config_flag(c.verbose)),
            ("bytes_warning", config_flag(c.bytes_warning)),
            ("quiet", config_flag(c.quiet)),
            (
                "hash_randomization",
                config_flag(i32::from(c.use_hash_seed == 0 || c.hash_seed != 0)),
            ),
            ("isolated", config_flag(c.isolated)),
            ("dev_mode", Value::Bool(c.dev_mode != 0)),
            ("utf8_mode", Value::Int(utf8_mode)),
            (
                "warn_default_encoding",
                config_flag(c.warn_default_encoding),
            ),
            ("safe_path", Value::Bool(c.safe_path != 0)),
            ("int_max_str_digits", config_flag(c.int_max_str_digits)),
            ("gil", Value::Int(1)),
        ],
        18,
    )?;
    set("flags", flags)?;

    // Standard streams.
    let io_t = io_type(vm)?;
    let _ = io_t;
    let enc = c
        .stdio_encoding
        .as_ref()
        .map_or_else(|| "utf-8".to_string(), |w| w.to_string_lossy().into_owned());
    let errs = c.stdio_errors.as_ref().map_or_else(
        || "strict".to_string(),
        |w| w.to_string_lossy().into_owned(),
    );
    let buffered = c.buffered_stdio != 0;
    let stdio = vm.rt_parts.platform.stdio.clone();
    let mk = |stream: StdStream, errors: &str, line: bool, through: bool| -> PyResult<Value> {
        vm.new_native(TextIo::new(stream, &enc, errors, line, through))
    };
    let stdin = mk(
        StdStream::Stdin,
        &errs,
        stdio.is_tty(StdStream::Stdin) && buffered,
        false,
    )?;
    let stdout = mk(
        StdStream::Stdout,
        &errs,
        stdio.is_tty(StdStream::Stdout) && buffered,
        !buffered,
    )?;
    let stderr = mk(
        StdStream::Stderr,
        "backslashreplace",
        stdio.is_tty(StdStream::Stderr) && buffered,
        true,
    )?;
    for (n, v) in [("stdin", &stdin), ("stdout", &stdout), ("stderr", &stderr)] {
        set(n, v.clone())?;
        set(&format!("__{n}__"), v.clone())?;
    }
    let dh = vm.new_builtin("displayhook", "sys", sys_displayhook)?;
    set("displayhook", dh.clone())?;
    set("__displayhook__", dh)?;
    let eh = vm.new_builtin("excepthook", "sys", sys_excepthook)?;
    set("excepthook", eh.clone())?;
    set("__excepthook__", eh)?;
    if c.interactive != 0
        || c.inspect != 0
        || (c.run_command.is_none() && c.run_module.is_none() && c.run_filename.is_none())
    {
        set("ps1", vm.new_str(">>> ")?)?;
        set("ps2", vm.new_str("... ")?)?;
    }
    Ok(m)
}

const SYS_FUNCTIONS: &[(&str, NativeFn)] = &[
    ("exit", sys_exit),
    ("getrecursionlimit", sys_getrecursionlimit),
    ("setrecursionlimit", sys_setrecursionlimit),
    ("get_int_max_str_digits", sys_get_int_max_str_digits),
    ("set_int_max_str_digits", sys_set_int_max_str_digits),
    ("getswitchinterval", sys_getswitchinterval),
    ("setswitchinterval", sys_setswitchinterval),
    ("getfilesystemencoding", sys_getfilesystemencoding),
    ("getfilesystemencodeerrors", sys_getfilesystemencodeerrors),
    ("getdefaultencoding", sys_getdefaultencoding),
    ("settrace", sys_settrace),
    ("gettrace", sys_gettrace),
    ("setprofile", sys_setprofile),
    ("getprofile", sys_getprofile),
    ("_is_gil_enabled", sys_is_gil_enabled),
    ("_getframe", sys_getframe),
    ("exception", sys_exception),
    ("exc_info", sys_exc_info),
    ("intern", sys_intern),
    ("getrefcount", sys_getrefcount),
    ("_debugmallocstats", sys_debugmallocstats),
    ("is_finalizing", sys_is_finalizing),
];

fn sys_exit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "exit", &a, 0, 1)?;
    let cls = vm.exc_type("SystemExit");
    Err(super::state::PyErr(vm.new_exception(&cls, p.to_vec())?))
}

fn sys_getrecursionlimit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getrecursionlimit", &a, 0, 0)?;
    Ok(Value::Int(vm.recursion_limit.get() as i64))
}

fn sys_setrecursionlimit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "setrecursionlimit", &a, 1, 1)?;
    if matches!(p[0], Value::Float(_)) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let n = int_arg(vm, &p[0])?;
    if n < 1 {
        return Err(vm.value_error("recursion limit must be greater or equal than 1"));
    }
    let t = thp();
    let depth = if t.is_null() { 0 } else { th!(t).frames.len() };
    if usize::try_from(n).unwrap_or(usize::MAX) <= depth {
        return Err(vm.new_error(
            "RecursionError",
            format!("cannot set the recursion limit to {n} at the recursion depth {depth}: the limit is too low"),
        ));
    }
    vm.recursion_limit.set(n.min(i64::from(i32::MAX)) as usize);
    Ok(Value::None)
}

fn sys_get_int_max_str_digits(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_int_max_str_digits", &a, 0, 0)?;
    Ok(Value::Int(vm.int_max_str_digits.get()))
}

fn sys_set_int_max_str_digits(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let v = match (a.pos(), a.kwarg("maxdigits")) {
        ([v], None) | ([], Some(v)) => v,
        _ => {
            return Err(vm.type_error(
                "set_int_max_str_digits() missing required argument 'maxdigits' (pos 1)",
            ));
        }
    };
    let n = int_arg(vm, v)?;
    if n != 0 && n < 640 {
        return Err(vm.value_error("maxdigits must be >= 640 or 0 for unlimited"));
    }
    vm.int_max_str_digits.set(n);
    Ok(Value::None)
}

fn gil(vm: &Vm) -> Option<&std::sync::Arc<crate::gil::Gil>> {
    vm.rt_parts.interp.as_ref().map(|i| i.gil())
}

fn sys_getswitchinterval(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getswitchinterval", &a, 0, 0)?;
    let us = gil(vm).map_or(crate::gil::DEFAULT_INTERVAL_US, |g| g.interval_us());
    Ok(Value::Float(1e-6 * us as f64))
}

fn sys_setswitchinterval(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "setswitchinterval", &a, 1, 1)?;
    let x = float_arg(vm, &p[0])?;
    if x.is_nan() || x <= 0.0 {
        return Err(vm.value_error("switch interval must be strictly positive"));
    }
    let us = (1e6 * x) as u64;
    if let Some(g) = gil(vm) {
        g.set_interval_us(us);
    }
    Ok(Value::None)
}

fn sys_getfilesystemencoding(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getfilesystemencoding", &a, 0, 0)?;
    match &vm.config.filesystem_encoding {
        Some(w) => wstr(vm, w),
        None => vm.new_str("utf-8"),
    }
}

fn sys_getfilesystemencodeerrors(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getfilesystemencodeerrors", &a, 0, 0)?;
    match &vm.config.filesystem_errors {
        Some(w) => wstr(vm, w),
        None => vm.new_str("surrogateescape"),
    }
}

fn sys_getdefaultencoding(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getdefaultencoding", &a, 0, 0)?;
    vm.new_str("utf-8")
}

fn sys_settrace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "settrace", &a, 1, 1)?;
    let t = thp();
    if !t.is_null() {
        super::tracing::set_trace(th!(t), p[0].clone());
    }
    Ok(Value::None)
}

fn sys_gettrace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "gettrace", &a, 0, 0)?;
    let t = thp();
    Ok(if t.is_null() {
        Value::None
    } else {
        th!(t).trace.clone()
    })
}

fn sys_setprofile(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "setprofile", &a, 1, 1)?;
    let t = thp();
    if !t.is_null() {
        th!(t).profile = p[0].clone();
    }
    Ok(Value::None)
}

fn sys_getprofile(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getprofile", &a, 0, 0)?;
    let t = thp();
    Ok(if t.is_null() {
        Value::None
    } else {
        th!(t).profile.clone()
    })
}

fn sys_is_gil_enabled(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "_is_gil_enabled", &a, 0, 0)?;
    Ok(Value::Bool(true))
}

fn sys_getframe(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "_getframe", &a, 0, 1)?;
    let n = match p.first() {
        Some(v) => int_arg(vm, v)?,
        None => 0,
    };
    let t = thp();
    if t.is_null() || n < 0 {
        return Err(vm.value_error("call stack is not deep enough"));
    }
    match super::tracing::frame_object(vm, t, usize::try_from(n).unwrap_or(usize::MAX))? {
        Some(f) => Ok(Value::Obj(f)),
        None => Err(vm.value_error("call stack is not deep enough")),
    }
}

fn handled(vm: &Vm) -> Value {
    let _ = vm;
    let t = thp();
    if t.is_null() {
        Value::None
    } else {
        th!(t).handled.clone()
    }
}

fn sys_exception(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "exception", &a, 0, 0)?;
    Ok(handled(vm))
}

fn sys_exc_info(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "exc_info", &a, 0, 0)?;
    let e = handled(vm);
    if e.is_none() {
        return vm.new_tuple(vec![Value::None, Value::None, Value::None]);
    }
    let t = Value::Obj(vm.type_of(&e));
    let tb = super::exc_support::traceback_of(vm, &e)?;
    vm.new_tuple(vec![t, e, tb])
}

fn sys_intern(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "intern", &a, 1, 1)?;
    if p[0].as_str().is_none() {
        return Err(vm.type_error(format!(
            "intern() argument must be str, not {}",
            vm.type_name(&p[0])
        )));
    }
    match &p[0] {
        Value::Obj(o) if matches!(o.kind, ObjKind::Str(_)) => Ok(Value::Obj(vm.intern(o))),
        v => Ok(v.clone()),
    }
}

fn sys_getrefcount(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "getrefcount", &a, 1, 1)?;
    Ok(Value::Int(match &p[0] {
        Value::Obj(o) => o.refcount() as i64,
        // Immortal in CPython 3.12+.
        _ => 4_294_967_295,
    }))
}

fn sys_debugmallocstats(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "_debugmallocstats", &a, 0, 0)?;
    if let Some(text) = vm.heap.mem.debug_malloc_stats() {
        let _ = vm
            .rt_parts
            .platform
            .stdio
            .write(StdStream::Stderr, text.as_bytes());
    }
    Ok(Value::None)
}

fn sys_is_finalizing(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "is_finalizing", &a, 0, 0)?;
    Ok(Value::Bool(
        vm.rt_parts
            .interp
            .as_ref()
            .is_some_and(|i| i.is_finalizing()),
    ))
}

fn sys_displayhook(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "displayhook", &a, 1, 1)?;
    super::builtins::display_hook(vm, &p[0])?;
    Ok(Value::None)
}

fn sys_excepthook(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "excepthook", &a, 3, 3)?;
    match p[1].as_obj() {
        Some(e) if matches!(e.kind, ObjKind::Exception(_)) => {
            super::exc_support::print_exception(vm, e);
            Ok(Value::None)
        }
        _ => Err(vm.type_error(format!(
            "TypeError: print_exception(): Exception expected for value, {} found",
            vm.type_name(&p[1])
        ))),
    }
}

// ---- _io --------------------------------------------------------------------------------

fn io_type(vm: &Vm) -> PyResult<ObjRef> {
    let existing = vm.native_type("_io.TextIOWrapper");
    if !existing.ptr_eq(&vm.types.object) {
        return Ok(existing);
    }
    let t = new_type(
        vm,
        "TextIOWrapper",
        Some(&vm.types.object),
        super::io::TEXTIO_METHODS,
        Layout::Builtin,
        "_io",
    )?;
    vm.register_native_type("_io.TextIOWrapper", t.clone());
    Ok(t)
}

fn make_io(vm: &Vm) -> PyResult<ObjRef> {
    let m = vm.new_module("_io")?;
    vm.dict_set_str(&mdict(&m), "TextIOWrapper", Value::Obj(io_type(vm)?))?;
    Ok(m)
}

// ---- os -------------------------------------------------------------------------------

fn make_os(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(
        vm,
        "os",
        &[
            ("getpid", os_getpid),
            ("cpu_count", os_cpu_count),
            ("getcwd", os_getcwd),
            ("getenv", os_getenv),
            ("strerror", os_strerror),
        ],
    )?;
    let d = mdict(&m);
    let env = vm.new_dict()?;
    for (k, v) in vm.rt_parts.platform.environ.iter() {
        let kw = WString::decode_utf8_surrogateescape(k);
        let vw = WString::decode_utf8_surrogateescape(v);
        vm.dict_set(&env, wstr(vm, &kw)?, wstr(vm, &vw)?)?;
    }
    vm.dict_set_str(&d, "environ", Value::Obj(env))?;
    vm.dict_set_str(&d, "name", vm.new_str("posix")?)?;
    vm.dict_set_str(&d, "sep", vm.new_str("/")?)?;
    vm.dict_set_str(&d, "linesep", vm.new_str("\n")?)?;
    vm.dict_set_str(&d, "pathsep", vm.new_str(":")?)?;
    vm.dict_set_str(&d, "curdir", vm.new_str(".")?)?;
    vm.dict_set_str(&d, "devnull", vm.new_str("/dev/null")?)?;
    Ok(m)
}

fn os_getpid(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getpid", &a, 0, 0)?;
    match vm.rt_parts.platform.pid {
        Some(p) => Ok(Value::Int(i64::from(p))),
        None => Ok(Value::Int(1)),
    }
}

fn os_cpu_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "cpu_count", &a, 0, 0)?;
    // -X cpu_count / PYTHON_CPU_COUNT override the host's count.
    if vm.config.cpu_count > 0 {
        return Ok(Value::Int(i64::from(vm.config.cpu_count)));
    }
    Ok(vm
        .rt_parts
        .platform
        .cpu_count
        .map_or(Value::None, |n| Value::Int(n as i64)))
}

fn os_getcwd(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "getcwd", &a, 0, 0)?;
    match &vm.rt_parts.platform.cwd {
        Some(c) => wstr(vm, &WString::decode_utf8_surrogateescape(c)),
        None => Err(vm.new_error("FileNotFoundError", "[Errno 2] No such file or directory")),
    }
}

fn os_getenv(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "getenv", &a, 1, 2)?;
    let os = vm.import_builtin_module("os")?;
    let env = vm
        .dict_get_str(&mdict(&os), "environ")
        .unwrap_or(Value::None);
    if let Some(ObjKind::Dict(d)) = env.as_obj().map(|o| &o.kind)
        && let Some(v) = dict::get(vm, d, &p[0])?
    {
        return Ok(v);
    }
    Ok(p.get(1).cloned().unwrap_or(Value::None))
}

fn os_strerror(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "strerror", &a, 1, 1)?;
    let n = int_arg(vm, &p[0])?;
    let e = std::io::Error::from_raw_os_error(n as i32);
    let (_, text) = crate::lifecycle::errno_of(&e);
    vm.new_str(text)
}

// ---- time -----------------------------------------------------------------------------

fn make_time(vm: &Vm) -> PyResult<ObjRef> {
    module_with(
        vm,
        "time",
        &[
            ("time", time_time),
            ("time_ns", time_time_ns),
            ("monotonic", time_monotonic),
            ("monotonic_ns", time_monotonic_ns),
            ("perf_counter", time_monotonic),
            ("perf_counter_ns", time_monotonic_ns),
            ("sleep", time_sleep),
        ],
    )
}

fn clock(vm: &Vm) -> std::sync::Arc<dyn crate::platform::Clock> {
    super::threads::vm_clock(vm)
}

fn time_time(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "time", &a, 0, 0)?;
    Ok(Value::Float(clock(vm).time_ns() as f64 * 1e-9))
}

fn time_time_ns(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "time_ns", &a, 0, 0)?;
    Ok(Value::Int(clock(vm).time_ns() as i64))
}

fn time_monotonic(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "monotonic", &a, 0, 0)?;
    Ok(Value::Float(clock(vm).monotonic_ns() as f64 * 1e-9))
}

fn time_monotonic_ns(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "monotonic_ns", &a, 0, 0)?;
    Ok(Value::Int(clock(vm).monotonic_ns() as i64))
}

fn time_sleep(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "sleep", &a, 1, 1)?;
    let secs = match &p[0] {
        Value::Float(f) => *f,
        v if super::int::is_int(v) => super::int::int_to_f64(vm, v)?,
        v => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer or float",
                vm.type_name(v)
            )));
        }
    };
    if secs.is_nan() {
        return Err(vm.value_error("Invalid value NaN (not a number)"));
    }
    if secs < 0.0 {
        return Err(vm.value_error("sleep length must be non-negative"));
    }
    if secs > 9.2e9 {
        return Err(vm.overflow_error("sleep length is too large"));
    }
    let c = clock(vm);
    let deadline = c.monotonic_ns().saturating_add((secs * 1e9) as u64);
    if super::threads::is_green(vm) {
        return super::threads::sleep_until(vm, deadline).map(|()| Value::None);
    }
    loop {
        let now = c.monotonic_ns();
        if now >= deadline {
            break;
        }
        let left = std::time::Duration::from_nanos(deadline - now);
        sleep_once(vm, left)?;
        // An interruption (pending call, async exception) runs here; an
        // exception it raises ends the sleep.
        let t = thp();
        if !t.is_null() {
            super::driver::check_breaker(vm, t)?;
        }
    }
    Ok(Value::None)
}

/// Sleeps up to `d` with the GIL released; returns early when the thread
/// is interrupted.
#[cfg(all(has_os_threads, not(loom)))]
fn sleep_once(vm: &Vm, d: std::time::Duration) -> PyResult<()> {
    let t = thp();
    let ts = if t.is_null() {
        None
    } else {
        th!(t).tstate.clone()
    };
    match ts {
        Some(ts) => {
            let _ = ts.sleep(d);
        }
        None => {
            let _ = vm;
            std::thread::sleep(d);
        }
    }
    Ok(())
}

#[cfg(not(all(has_os_threads, not(loom))))]
fn sleep_once(vm: &Vm, d: std::time::Duration) -> PyResult<()> {
    if cfg!(target_os = "wasi") {
        std::thread::sleep(d);
        Ok(())
    } else {
        // A bare wasm host has no way to block: the emulated scheduler's
        // virtual clock drives sleeping threads there.
        Err(vm.not_supported("time.sleep() outside the emulated scheduler on this host"))
    }
}

// ---- atexit -------------------------------------------------------------------------------

fn make_atexit(vm: &Vm) -> PyResult<ObjRef> {
    module_with(
        vm,
        "atexit",
        &[
            ("register", atexit_register),
            ("unregister", atexit_unregister),
            ("_clear", atexit_clear),
            ("_run_exitfuncs", atexit_run),
            ("_ncallbacks", atexit_ncallbacks),
        ],
    )
}

fn atexit_register(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let Some(f) = p.first() else {
        return Err(vm.type_error("register() takes at least 1 argument (0 given)"));
    };
    if !vm.callable(f) {
        return Err(vm.type_error("the first argument must be callable"));
    }
    let args = vm.tuple_from(&p[1..])?;
    let kwargs = if a.no_kw() {
        Value::None
    } else {
        let d = vm.new_dict()?;
        for (k, v) in a.kw() {
            vm.dict_set(&d, k.clone(), v.clone())?;
        }
        Value::Obj(d)
    };
    vm.atexit.borrow_mut().push((f.clone(), args, kwargs));
    Ok(f.clone())
}

fn atexit_unregister(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "unregister", &a, 1, 1)?;
    let entries: Vec<Value> = vm.atexit.borrow().iter().map(|e| e.0.clone()).collect();
    let mut keep = Vec::with_capacity(entries.len());
    for f in &entries {
        keep.push(!vm.eq(f, &p[0])?);
    }
    let mut i = 0;
    vm.atexit.borrow_mut().retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
    Ok(Value::None)
}

fn atexit_clear(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "_clear", &a, 0, 0)?;
    vm.atexit.borrow_mut().clear();
    Ok(Value::None)
}

fn atexit_run(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "_run_exitfuncs", &a, 0, 0)?;
    super::driver::run_atexit(vm, 0);
    Ok(Value::None)
}

fn atexit_ncallbacks(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "_ncallbacks", &a, 0, 0)?;
    Ok(Value::Int(vm.atexit.borrow().len() as i64))
}

// ---- gc ----------------------------------------------------------------------------------

fn make_gc(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(
        vm,
        "gc",
        &[
            ("collect", gc_collect),
            ("enable", gc_enable),
            ("disable", gc_disable),
            ("isenabled", gc_isenabled),
            ("get_count", gc_get_count),
            ("get_threshold", gc_get_threshold),
            ("set_threshold", gc_set_threshold),
        ],
    )?;
    vm.dict_set_str(&mdict(&m), "garbage", vm.new_list(Vec::new())?)?;
    Ok(m)
}

fn gc_collect(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let g = match (a.pos(), a.kwarg("generation")) {
        ([], None) => 2,
        ([v], None) | ([], Some(v)) => int_arg(vm, v)?,
        _ => return Err(vm.type_error("collect() takes at most 1 argument")),
    };
    if !(0..=2).contains(&g) {
        return Err(vm.value_error("invalid generation"));
    }
    // Finalizers of the garbage run now, then what they left is freed
    // (CPython's collection runs them within the call as well).
    let mut n = vm.heap.collect(g >= 1);
    if vm.heap.finalize_pending.get() {
        vm.run_finalizers();
        n += vm.heap.collect(g >= 1);
    }
    Ok(Value::Int(n as i64))
}

fn gc_enable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "enable", &a, 0, 0)?;
    vm.heap.gc.set_enabled(true);
    Ok(Value::None)
}

fn gc_disable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "disable", &a, 0, 0)?;
    vm.heap.gc.set_enabled(false);
    Ok(Value::None)
}

fn gc_isenabled(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "isenabled", &a, 0, 0)?;
    Ok(Value::Bool(vm.heap.gc.enabled()))
}

fn gc_get_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_count", &a, 0, 0)?;
    let (young, old) = vm.heap.gc.counts();
    vm.new_tuple(vec![
        Value::Int(young as i64),
        Value::Int(old as i64),
        Value::Int(0),
    ])
}

fn gc_get_threshold(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_threshold", &a, 0, 0)?;
    let (t0, t1, t2) = vm.heap.gc.thresholds();
    vm.new_tuple(vec![
        Value::Int(t0 as i64),
        Value::Int(t1 as i64),
        Value::Int(t2 as i64),
    ])
}

fn gc_set_threshold(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "set_threshold", &a, 1, 3)?;
    let mut t = vm.heap.gc.thresholds();
    let vals: Vec<i64> = p.iter().map(|v| int_arg(vm, v)).collect::<PyResult<_>>()?;
    if let Some(v) = vals.first() {
        t.0 = (*v).max(0) as usize;
    }
    if let Some(v) = vals.get(1) {
        t.1 = (*v).max(0) as usize;
    }
    if let Some(v) = vals.get(2) {
        t.2 = (*v).max(0) as usize;
    }
    vm.heap.gc.set_thresholds(t);
    Ok(Value::None)
}

// ---- faulthandler ------------------------------------------------------------------------

fn make_faulthandler(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(
        vm,
        "faulthandler",
        &[
            ("is_enabled", fh_is_enabled),
            ("enable", fh_enable),
            ("disable", fh_disable),
        ],
    )?;
    vm.faulthandler.set(vm.config.faulthandler != 0);
    Ok(m)
}

fn fh_is_enabled(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "is_enabled", &a, 0, 0)?;
    Ok(Value::Bool(vm.faulthandler.get()))
}

fn fh_enable(vm: &Vm, _a: Args<'_>) -> PyResult<Value> {
    vm.faulthandler.set(true);
    Ok(Value::None)
}

fn fh_disable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "disable", &a, 0, 0)?;
    vm.faulthandler.set(false);
    Ok(Value::None)
}

// ---- tracemalloc --------------------------------------------------------------------------

fn make_tracemalloc(vm: &Vm) -> PyResult<ObjRef> {
    module_with(
        vm,
        "tracemalloc",
        &[
            ("start", tm_start),
            ("stop", tm_stop),
            ("is_tracing", tm_is_tracing),
            ("get_traced_memory", tm_get_traced_memory),
            ("reset_peak", tm_reset_peak),
            ("get_traceback_limit", tm_get_traceback_limit),
            ("clear_traces", tm_clear_traces),
        ],
    )
}

fn tm_start(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "start", &a, 0, 1)?;
    let n = match p.first() {
        Some(v) => int_arg(vm, v)?,
        None => 1,
    };
    // SAFETY: the GIL is held and no other thread allocates from the
    // object domains meanwhile (tracemalloc's own lock covers RAW users).
    unsafe { vm.heap.mem.tracemalloc_start(n) }.map_err(|e| vm.value_error(e.0))?;
    Ok(Value::None)
}

fn tm_stop(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "stop", &a, 0, 0)?;
    // SAFETY: as for `start`.
    unsafe { vm.heap.mem.tracemalloc_stop() };
    Ok(Value::None)
}

fn tm_is_tracing(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "is_tracing", &a, 0, 0)?;
    Ok(Value::Bool(vm.heap.mem.tracemalloc().is_tracing()))
}

fn tm_get_traced_memory(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_traced_memory", &a, 0, 0)?;
    let (cur, peak) = vm.heap.mem.tracemalloc().traced_memory();
    vm.new_tuple(vec![Value::Int(cur as i64), Value::Int(peak as i64)])
}

fn tm_reset_peak(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "reset_peak", &a, 0, 0)?;
    vm.heap.mem.tracemalloc().reset_peak();
    Ok(Value::None)
}

fn tm_get_traceback_limit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_traceback_limit", &a, 0, 0)?;
    Ok(Value::Int(i64::from(
        vm.heap.mem.tracemalloc().traceback_limit(),
    )))
}

fn tm_clear_traces(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "clear_traces", &a, 0, 0)?;
    vm.heap.mem.tracemalloc().clear_traces();
    Ok(Value::None)
}

// ---- _testinternalcapi ------------------------------------------------------------------------

fn make_testinternalcapi(vm: &Vm) -> PyResult<ObjRef> {
    module_with(vm, "_testinternalcapi", &[("get_configs", tic_get_configs)])
}

fn config_value(vm: &Vm, v: &ConfigValue) -> PyResult<Value> {
    Ok(match v {
        ConfigValue::Int(i) => Value::Int(*i),
        ConfigValue::Bool(b) => Value::Bool(*b),
        ConfigValue::Str(s) => opt_wstr(vm, s)?,
        ConfigValue::List(items) => wlist(vm, items)?,
    })
}

fn tic_get_configs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pos_args(vm, "get_configs", &a, 0, 0)?;
    let configs = vm.configs.borrow().clone();
    let Some(c) = configs else {
        return Err(vm.runtime_error("no configuration"));
    };
    let out = vm.new_dict()?;
    for (name, d) in [
        ("global_config", &c.global_config),
        ("pre_config", &c.pre_config),
        ("config", &c.config),
    ] {
        let sub = vm.new_dict()?;
        for (k, v) in d {
            vm.dict_set_str(&sub, k, config_value(vm, v)?)?;
        }
        vm.dict_set_str(&out, name, Value::Obj(sub))?;
    }
    Ok(Value::Obj(out))
}

// ---- math ---------------------------------------------------------------------------------

fn make_math(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(
        vm,
        "math",
        &[
            ("sqrt", m_sqrt),
            ("floor", m_floor),
            ("ceil", m_ceil),
            ("trunc", m_trunc),
            ("fabs", m_fabs),
            ("exp", m_exp),
            ("log", m_log),
            ("log2", m_log2),
            ("log10", m_log10),
            ("sin", m_sin),
            ("cos", m_cos),
            ("tan", m_tan),
            ("asin", m_asin),
            ("acos", m_acos),
            ("atan", m_atan),
            ("atan2", m_atan2),
            ("hypot", m_hypot),
            ("pow", m_pow),
            ("copysign", m_copysign),
            ("isnan", m_isnan),
            ("isinf", m_isinf),
            ("isfinite", m_isfinite),
            ("gcd", m_gcd),
            ("factorial", m_factorial),
            ("isqrt", m_isqrt),
            ("fsum", m_fsum),
        ],
    )?;
    let d = mdict(&m);
    vm.dict_set_str(&d, "pi", Value::Float(std::f64::consts::PI))?;
    vm.dict_set_str(&d, "e", Value::Float(std::f64::consts::E))?;
    vm.dict_set_str(&d, "tau", Value::Float(std::f64::consts::TAU))?;
    vm.dict_set_str(&d, "inf", Value::Float(f64::INFINITY))?;
    vm.dict_set_str(&d, "nan", Value::Float(f64::NAN))?;
    Ok(m)
}

fn math1(
    vm: &Vm,
    a: &Args<'_>,
    name: &str,
    f: fn(f64) -> f64,
    domain: fn(f64) -> bool,
) -> PyResult<Value> {
    let p = pos_args(vm, name, a, 1, 1)?;
    let x = float_arg(vm, &p[0])?;
    if !domain(x) {
        return Err(vm.value_error("math domain error"));
    }
    let r = f(x);
    if r.is_infinite() && x.is_finite() {
        return Err(vm.overflow_error("math range error"));
    }
    Ok(Value::Float(r))
}

fn any(_: f64) -> bool {
    true
}

fn m_sqrt(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "sqrt", f64::sqrt, |x| x >= 0.0 || x.is_nan())
}
fn m_exp(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "exp", f64::exp, any)
}
fn m_log2(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "log2", f64::log2, |x| x > 0.0 || x.is_nan())
}
fn m_log10(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "log10", f64::log10, |x| x > 0.0 || x.is_nan())
}
fn m_sin(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "sin", f64::sin, |x| !x.is_infinite())
}
fn m_cos(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "cos", f64::cos, |x| !x.is_infinite())
}
fn m_tan(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "tan", f64::tan, |x| !x.is_infinite())
}
fn m_asin(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "asin", f64::asin, |x| {
        (-1.0..=1.0).contains(&x) || x.is_nan()
    })
}
fn m_acos(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "acos", f64::acos, |x| {
        (-1.0..=1.0).contains(&x) || x.is_nan()
    })
}
fn m_atan(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "atan", f64::atan, any)
}
fn m_fabs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    math1(vm, &a, "fabs", f64::abs, any)
}

fn m_log(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "log", &a, 1, 2)?;
    let ln = |v: &Value| -> PyResult<f64> {
        // Big ints: log of the magnitude without overflow.
        if let Some(b) = super::int::to_bigint(v)
            && b.to_f64().is_none_or(f64::is_infinite)
        {
            if b.sign() != num_bigint::Sign::Plus {
                return Err(vm.value_error("math domain error"));
            }
            let bits = b.bits();
            let shift = bits.saturating_sub(64);
            let top = (&b >> shift).to_f64().unwrap_or(1.0);
            return Ok(top.ln() + shift as f64 * std::f64::consts::LN_2);
        }
        let x = float_arg(vm, v)?;
        if x <= 0.0 {
            return Err(vm.value_error("math domain error"));
        }
        Ok(x.ln())
    };
    let n = ln(&p[0])?;
    match p.get(1) {
        None => Ok(Value::Float(n)),
        Some(b) => {
            let d = ln(b)?;
            if d == 0.0 {
                return Err(vm.zero_division("float division by zero"));
            }
            Ok(Value::Float(n / d))
        }
    }
}

fn to_int_result(vm: &Vm, x: f64) -> PyResult<Value> {
    super::builtins::float_to_int(vm, x)
}

fn m_floor(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "floor", &a, 1, 1)?;
    if super::int::is_int(&p[0]) {
        return vm.call(&Value::Obj(vm.types.int.clone()), Args::positional(p));
    }
    if let Some(f) = vm.user_special(&p[0], "__floor__") {
        return vm.call_special(&f, &p[0], &[]);
    }
    to_int_result(vm, float_arg(vm, &p[0])?.floor())
}

fn m_ceil(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "ceil", &a, 1, 1)?;
    if super::int::is_int(&p[0]) {
        return vm.call(&Value::Obj(vm.types.int.clone()), Args::positional(p));
    }
    if let Some(f) = vm.user_special(&p[0], "__ceil__") {
        return vm.call_special(&f, &p[0], &[]);
    }
    to_int_result(vm, float_arg(vm, &p[0])?.ceil())
}

fn m_trunc(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "trunc", &a, 1, 1)?;
    if super::int::is_int(&p[0]) {
        return vm.call(&Value::Obj(vm.types.int.clone()), Args::positional(p));
    }
    to_int_result(vm, float_arg(vm, &p[0])?.trunc())
}

fn m_atan2(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "atan2", &a, 2, 2)?;
    Ok(Value::Float(
        float_arg(vm, &p[0])?.atan2(float_arg(vm, &p[1])?),
    ))
}

fn m_hypot(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    let mut acc = 0.0f64;
    for v in p {
        acc = acc.hypot(float_arg(vm, v)?);
    }
    Ok(Value::Float(acc))
}

fn m_pow(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "pow", &a, 2, 2)?;
    let (x, y) = (float_arg(vm, &p[0])?, float_arg(vm, &p[1])?);
    if x == 0.0 && y < 0.0 {
        return Err(vm.value_error("math domain error"));
    }
    if x < 0.0 && y.is_finite() && y.fract() != 0.0 {
        return Err(vm.value_error("math domain error"));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(vm.overflow_error("math range error"));
    }
    Ok(Value::Float(r))
}

fn m_copysign(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "copysign", &a, 2, 2)?;
    Ok(Value::Float(
        float_arg(vm, &p[0])?.copysign(float_arg(vm, &p[1])?),
    ))
}

fn m_isnan(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "isnan", &a, 1, 1)?;
    Ok(Value::Bool(float_arg(vm, &p[0])?.is_nan()))
}

fn m_isinf(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "isinf", &a, 1, 1)?;
    Ok(Value::Bool(float_arg(vm, &p[0])?.is_infinite()))
}

fn m_isfinite(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "isfinite", &a, 1, 1)?;
    Ok(Value::Bool(float_arg(vm, &p[0])?.is_finite()))
}

fn int_of(vm: &Vm, v: &Value) -> PyResult<num_bigint::BigInt> {
    match super::int::to_bigint(v) {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(v)
        ))),
    }
}

fn m_gcd(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    use num_integer::Integer;
    let mut g = num_bigint::BigInt::from(0);
    for v in a.pos() {
        g = g.gcd(&int_of(vm, v)?);
    }
    vm.new_int(g)
}

fn m_factorial(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "factorial", &a, 1, 1)?;
    let n = int_of(vm, &p[0])?;
    if n.sign() == num_bigint::Sign::Minus {
        return Err(vm.value_error("factorial() not defined for negative values"));
    }
    let n = n.to_u64().ok_or_else(|| {
        vm.overflow_error("factorial() argument should not exceed 9223372036854775807")
    })?;
    let mut acc = num_bigint::BigInt::from(1);
    for i in 2..=n {
        acc *= i;
    }
    vm.new_int(acc)
}

fn m_isqrt(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "isqrt", &a, 1, 1)?;
    let n = int_of(vm, &p[0])?;
    if n.sign() == num_bigint::Sign::Minus {
        return Err(vm.value_error("isqrt() argument must be nonnegative"));
    }
    vm.new_int(n.sqrt())
}

fn m_fsum(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "fsum", &a, 1, 1)?;
    // Shewchuk's exact partial sums (as Modules/mathmodule.c).
    let mut partials: Vec<f64> = Vec::new();
    let it = vm.iter(&p[0])?;
    while let Some(v) = vm.next(&it)? {
        let mut x = float_arg(vm, &v)?;
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        partials.push(x);
    }
    let mut hi = 0.0;
    if let Some(mut n) = partials.len().checked_sub(1) {
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(Value::Float(hi))
}

// ---- json -----------------------------------------------------------------------------------

fn make_json(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(vm, "json", &[("dumps", json_dumps), ("loads", json_loads)])?;
    let ve = vm.exc_type("ValueError");
    let t = new_type(
        vm,
        "JSONDecodeError",
        Some(&ve),
        &[],
        Layout::Exception,
        "json.decoder",
    )?;
    vm.register_exc_type("json.JSONDecodeError", t.clone());
    vm.dict_set_str(&mdict(&m), "JSONDecodeError", Value::Obj(t))?;
    Ok(m)
}

struct JsonOpts {
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    ensure_ascii: bool,
    default: Value,
    allow_nan: bool,
}

fn json_dumps(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 1 {
        return Err(vm.type_error(format!(
            "dumps() takes 1 positional argument but {} were given",
            p.len()
        )));
    }
    let mut o = JsonOpts {
        indent: None,
        item_sep: ", ".into(),
        key_sep: ": ".into(),
        sort_keys: false,
        ensure_ascii: true,
        default: Value::None,
        allow_nan: true,
    };
    let mut seps = None;
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"indent") => {
                o.indent = match v {
                    Value::None => None,
                    v if super::int::is_int(v) => {
                        let n = int_arg(vm, v)?.max(0) as usize;
                        if n > super::format::MAX_BUILT_WIDTH {
                            return Err(vm.memory_error());
                        }
                        Some(" ".repeat(n))
                    }
                    v => Some(vm.str_string(v)?),
                }
            }
            Some(b"separators") => seps = Some(v.clone()),
            Some(b"sort_keys") => o.sort_keys = vm.truthy(v)?,
            Some(b"ensure_ascii") => o.ensure_ascii = vm.truthy(v)?,
            Some(b"default") => o.default = v.clone(),
            Some(b"allow_nan") => o.allow_nan = vm.truthy(v)?,
            Some(b"skipkeys" | b"check_circular" | b"cls") => {}
            _ => {
                return Err(vm.type_error(format!(
                    "dumps() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    if o.indent.is_some() {
        o.item_sep = ",".into();
    }
    if let Some(s) = seps.filter(|s| !s.is_none()) {
        let parts = vm.to_vec(&s)?;
        if parts.len() != 2 {
            return Err(vm.value_error("separators must be a (item_separator, key_separator) pair"));
        }
        o.item_sep = vm.str_string(&parts[0])?;
        o.key_sep = vm.str_string(&parts[1])?;
    }
    let mut out = String::new();
    let mut stack: Vec<usize> = Vec::new();
    json_encode(vm, &p[0], &o, 0, &mut out, &mut stack)?;
    vm.new_str(&out)
}

fn json_str(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_float(vm: &Vm, x: f64, o: &JsonOpts) -> PyResult<String> {
    if x.is_finite() {
        return Ok(super::format::float_repr(x));
    }
    if !o.allow_nan {
        return Err(vm.value_error(format!(
            "Out of range float values are not JSON compliant: {}",
            super::format::float_repr(x)
        )));
    }
    Ok(if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    })
}

fn json_newline(o: &JsonOpts, level: usize, out: &mut String) {
    if let Some(ind) = &o.indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(ind);
        }
    }
}

fn json_encode(
    vm: &Vm,
    v: &Value,
    o: &JsonOpts,
    level: usize,
    out: &mut String,
    stack: &mut Vec<usize>,
) -> PyResult<()> {
    if stack.len() > 900 {
        return Err(vm.new_error(
            "RecursionError",
            "maximum recursion depth exceeded while encoding a JSON object",
        ));
    }
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(x) => out.push_str(&json_float(vm, *x, o)?),
        Value::Undef => out.push_str("null"),
        Value::Obj(obj) => match &obj.kind {
            ObjKind::Str(s) => json_str(&s.to_string_lossy(), o.ensure_ascii, out),
            ObjKind::BigInt(_) => out.push_str(&super::int::int_to_decimal(vm, v)?),
            ObjKind::List(_) | ObjKind::Tuple(_) => {
                let id = obj.as_ptr() as usize;
                if stack.contains(&id) {
                    return Err(vm.value_error("Circular reference detected"));
                }
                let items = vm.to_vec(v)?;
                if items.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                stack.push(id);
                out.push('[');
                for (k, x) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(&o.item_sep);
                    }
                    json_newline(o, level + 1, out);
                    json_encode(vm, x, o, level + 1, out, stack)?;
                }
                json_newline(o, level, out);
                out.push(']');
                stack.pop();
            }
            ObjKind::Dict(d) => {
                let id = obj.as_ptr() as usize;
                if stack.contains(&id) {
                    return Err(vm.value_error("Circular reference detected"));
                }
                let mut items = dict::items(d);
                if items.is_empty() {
                    out.push_str("{}");
                    return Ok(());
                }
                if o.sort_keys {
                    let mut keyed: Vec<(Value, Value)> = Vec::with_capacity(items.len());
                    let mut vals = Vec::with_capacity(items.len());
                    for (i, (k, val)) in items.into_iter().enumerate() {
                        keyed.push((k, Value::Int(i as i64)));
                        vals.push(val);
                    }
                    super::builtins::merge_sort(&mut keyed, &mut |a, b| {
                        let r = vm.compare(a, b, super::code::CmpKind::Lt)?;
                        vm.truthy(&r)
                    })?;
                    items = keyed
                        .into_iter()
                        .map(|(k, i)| {
                            let ix = if let Value::Int(i) = i { i as usize } else { 0 };
                            (k, vals[ix].clone())
                        })
                        .collect();
                }
                stack.push(id);
                out.push('{');
                for (n, (k, x)) in items.iter().enumerate() {
                    let key = match k {
                        Value::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                        Value::None => "null".into(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => json_float(vm, *f, o)?,
                        k if k.as_str().is_some() => vm.display_str(k),
                        k if super::int::is_int(k) => super::int::int_to_decimal(vm, k)?,
                        k => {
                            return Err(vm.type_error(format!(
                                "keys must be str, int, float, bool or None, not {}",
                                vm.type_name(k)
                            )));
                        }
                    };
                    if n > 0 {
                        out.push_str(&o.item_sep);
                    }
                    json_newline(o, level + 1, out);
                    json_str(&key, o.ensure_ascii, out);
                    out.push_str(&o.key_sep);
                    json_encode(vm, x, o, level + 1, out, stack)?;
                }
                json_newline(o, level, out);
                out.push('}');
                stack.pop();
            }
            _ => {
                if o.default.is_none() {
                    return Err(vm.type_error(format!(
                        "Object of type {} is not JSON serializable",
                        vm.type_name(v)
                    )));
                }
                let id = obj.as_ptr() as usize;
                if stack.contains(&id) {
                    return Err(vm.value_error("Circular reference detected"));
                }
                let r = vm.call(&o.default, Args::positional(std::slice::from_ref(v)))?;
                stack.push(id);
                json_encode(vm, &r, o, level, out, stack)?;
                stack.pop();
            }
        },
    }
    Ok(())
}

struct JsonParser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

fn json_error(vm: &Vm, p: &JsonParser<'_>, msg: &str, pos: usize) -> super::state::PyErr {
    let before = &p.text.as_bytes()[..pos.min(p.s.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col_chars = std::str::from_utf8(&before[line_start..])
        .map_or(pos - line_start, |s| s.chars().count())
        + 1;
    let char_pos = std::str::from_utf8(before).map_or(pos, |s| s.chars().count());
    let text = format!("{msg}: line {line} column {col_chars} (char {char_pos})");
    let cls = vm.exc_type("json.JSONDecodeError");
    match vm
        .new_str(&text)
        .and_then(|t| vm.new_exception(&cls, vec![t]))
    {
        Ok(e) => {
            if let ObjKind::Exception(x) = &e.kind {
                let _ = vm.dict_set_str(&x.dict, "msg", vm.new_str(msg).unwrap_or(Value::None));
                let _ = vm.dict_set_str(&x.dict, "pos", Value::Int(char_pos as i64));
                let _ = vm.dict_set_str(&x.dict, "lineno", Value::Int(line as i64));
                let _ = vm.dict_set_str(&x.dict, "colno", Value::Int(col_chars as i64));
            }
            super::state::PyErr(e)
        }
        Err(e) => e,
    }
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn value(&mut self, vm: &Vm) -> PyResult<Value> {
        self.ws();
        if self.depth > 900 {
            return Err(vm.new_error(
                "RecursionError",
                "maximum recursion depth exceeded while decoding a JSON document",
            ));
        }
        let Some(&c) = self.s.get(self.pos) else {
            return Err(json_error(vm, self, "Expecting value", self.pos));
        };
        match c {
            b'{' => {
                self.pos += 1;
                self.depth += 1;
                let d = vm.new_dict()?;
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Obj(d));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return Err(json_error(
                            vm,
                            self,
                            "Expecting property name enclosed in double quotes",
                            self.pos,
                        ));
                    }
                    let k = self.string(vm)?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return Err(json_error(vm, self, "Expecting ':' delimiter", self.pos));
                    }
                    self.pos += 1;
                    let v = self.value(vm)?;
                    vm.dict_set(&d, k, v)?;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(json_error(vm, self, "Expecting ',' delimiter", self.pos)),
                    }
                }
                self.depth -= 1;
                Ok(Value::Obj(d))
            }
            b'[' => {
                self.pos += 1;
                self.depth += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    self.depth -= 1;
                    return vm.new_list(items);
                }
                loop {
                    items.push(self.value(vm)?);
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(json_error(vm, self, "Expecting ',' delimiter", self.pos)),
                    }
                }
                self.depth -= 1;
                vm.new_list(items)
            }
            b'"' => self.string(vm),
            b'n' if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Value::None)
            }
            b't' if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Value::Bool(true))
            }
            b'f' if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Value::Bool(false))
            }
            b'N' if self.s[self.pos..].starts_with(b"NaN") => {
                self.pos += 3;
                Ok(Value::Float(f64::NAN))
            }
            b'I' if self.s[self.pos..].starts_with(b"Infinity") => {
                self.pos += 8;
                Ok(Value::Float(f64::INFINITY))
            }
            b'-' if self.s[self.pos..].starts_with(b"-Infinity") => {
                self.pos += 9;
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            b'-' | b'0'..=b'9' => self.number(vm),
            _ => Err(json_error(vm, self, "Expecting value", self.pos)),
        }
    }

    fn number(&mut self, vm: &Vm) -> PyResult<Value> {
        let start = self.pos;
        if self.s[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
            }
            _ => return Err(json_error(vm, self, "Expecting value", start)),
        }
        let _ = int_start;
        let mut float = false;
        if self.s.get(self.pos) == Some(&b'.')
            && self.s.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            float = true;
            self.pos += 1;
            while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                float = true;
                while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let text = &self.text[start..self.pos];
        if float {
            Ok(Value::Float(text.parse().unwrap_or(f64::NAN)))
        } else {
            super::int::parse_int(vm, text, 10, text)
        }
    }

    fn string(&mut self, vm: &Vm) -> PyResult<Value> {
        let start = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(json_error(
                    vm,
                    self,
                    "Unterminated string starting at",
                    start,
                ));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos + 1) else {
                        return Err(json_error(
                            vm,
                            self,
                            "Unterminated string starting at",
                            start,
                        ));
                    };
                    self.pos += 2;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = |p: &Self, at: usize| -> Option<u32> {
                                let h = p.text.get(at..at + 4)?;
                                u32::from_str_radix(h, 16).ok()
                            };
                            let Some(mut cp) = hex(self, self.pos) else {
                                return Err(json_error(
                                    vm,
                                    self,
                                    "Invalid \\uXXXX escape",
                                    self.pos - 1,
                                ));
                            };
                            self.pos += 4;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                                && let Some(lo) = hex(self, self.pos + 2)
                                && (0xDC00..0xE000).contains(&lo)
                            {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                self.pos += 6;
                            }
                            super::parser::push_code_point(&mut out, cp);
                        }
                        _ => return Err(json_error(vm, self, "Invalid \\escape", self.pos - 2)),
                    }
                }
                c if c < 0x20 => {
                    return Err(json_error(
                        vm,
                        self,
                        "Invalid control character at",
                        self.pos,
                    ));
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        vm.new_str_bytes(&out)
    }
}

fn json_loads(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 1 {
        return Err(vm.type_error(format!(
            "loads() takes 1 positional argument but {} were given",
            p.len()
        )));
    }
    let text = match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Str(s)) => s.to_string_lossy().into_owned(),
        Some(ObjKind::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => {
            return Err(vm.type_error(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                vm.type_name(&p[0])
            )));
        }
    };
    let mut parser = JsonParser {
        s: text.as_bytes(),
        text: &text,
        pos: 0,
        depth: 0,
    };
    let v = parser.value(vm)?;
    parser.ws();
    if parser.pos < parser.s.len() {
        return Err(json_error(vm, &parser, "Extra data", parser.pos));
    }
    Ok(v)
}

// ---- _pyrt --------------------------------------------------------------------------------

fn make_pyrt(vm: &Vm) -> PyResult<ObjRef> {
    let m = module_with(
        vm,
        "_pyrt",
        &[
            ("dis", pyrt_dis),
            ("print_exception", pyrt_print_exception),
            ("settrace_all_threads", pyrt_settrace_all),
            ("setprofile_all_threads", pyrt_setprofile_all),
            ("set_gil_name", pyrt_set_gil_name),
        ],
    )?;
    super::threads::add_flag_type(vm, &m)?;
    super::threads::add_thread_natives(vm, &m)?;
    Ok(m)
}

/// `_pyrt.set_gil_name(name)`: names the current thread's lane in the GIL
/// event log while it records (`threading` calls it as a thread starts),
/// so `-X gil_trace` files and GIL timelines show thread names.
fn pyrt_set_gil_name(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "set_gil_name", &a, 1, 1)?;
    super::threads::set_gil_name(vm, &p[0])?;
    Ok(Value::None)
}

/// `_pyrt.print_exception(header, exc)`: the header line, then the
/// traceback as the default `sys.excepthook` prints it (threading's
/// default excepthook).
fn pyrt_print_exception(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "print_exception", &a, 2, 2)?;
    let header = vm.str_string(&p[0])?;
    super::io::write_stderr(vm, &format!("{header}\n"));
    if let Some(e) = p[1].as_obj()
        && matches!(e.kind, ObjKind::Exception(_))
    {
        super::exc_support::print_exception(vm, e);
    }
    let _ = super::io::flush_std(vm);
    Ok(Value::None)
}

/// `sys.settrace()` for every thread of the interpreter
/// (`threading.settrace_all_threads`).
fn pyrt_settrace_all(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_hook_all(vm, &a, "settrace_all_threads", false)
}

/// `sys.setprofile()` for every thread of the interpreter.
fn pyrt_setprofile_all(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_hook_all(vm, &a, "setprofile_all_threads", true)
}

fn set_hook_all(vm: &Vm, a: &Args<'_>, name: &str, profile: bool) -> PyResult<Value> {
    let p = pos_args(vm, name, a, 1, 1)?;
    let f = if p[0].is_none() {
        Value::None
    } else {
        p[0].clone()
    };
    vm.set_hook_on_all_threads(&f, profile);
    Ok(Value::None)
}

/// `_pyrt.dis(f)`: the bytecode listing of a function or code object.
fn pyrt_dis(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = pos_args(vm, "dis", &a, 1, 1)?;
    let code = match p[0].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Function(f)) => f.code.clone(),
        Some(ObjKind::Code(_)) => p[0].as_obj().expect("code").clone(),
        _ => return Err(vm.type_error("dis() expects a function or code object")),
    };
    let mut out = String::new();
    if let ObjKind::Code(c) = &code.kind {
        c.disassemble(&mut out);
    }
    vm.new_str(&out)
}
