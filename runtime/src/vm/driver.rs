//! The VM driver: building an interpreter's VM (builtin types, the
//! exception hierarchy, builtins and `sys`), compiling source into code
//! objects, the eval-breaker hook into the runtime, and running a main
//! program the way `Py_RunMain()` does ([`VmExecutor`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use num_bigint::BigInt;

use super::code::Code;
use super::compile::{CompileOptions, ConstMaker};
use super::dict::Dict;
use super::error::SyntaxErr;
use super::frame::VmThread;
use super::func::{Args, Builtin};
use super::heap::{Heap, pyvec};
use super::object::{ObjKind, ObjRef, PyObject, Value};
use super::state::{MethodTable, Names, NoneLike, PyErr, PyResult, RtParts, Types, Vm, VmParts};
use super::typeobj::{Layout, TypeObj, as_type};
use crate::config::Config;
use crate::gil::{
    ASYNC_EXCEPTION_BIT, CALLS_TO_DO_BIT, EVAL_EVENTS_MASK, GIL_DROP_REQUEST_BIT, SwitchReason,
};
use crate::lifecycle::{Configs, Executor, MainTarget, Runtime};
use crate::mem::Mem;
use crate::platform::{Platform, StdStream};
use crate::thread::ThreadState;

// ---- constants made by the compiler -------------------------------------------------

/// Builds compiler constants on the VM's heap.
struct VmConsts<'a> {
    vm: &'a Vm,
    /// The first allocation failure (the constant became None).
    err: Option<PyErr>,
}

impl VmConsts<'_> {
    fn keep(&mut self, r: PyResult<Value>) -> Value {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.err.get_or_insert(e);
                Value::None
            }
        }
    }
}

impl ConstMaker for VmConsts<'_> {
    fn str(&mut self, s: &[u8]) -> Value {
        let r = self.vm.new_str_bytes(s);
        self.keep(r)
    }
    fn name(&mut self, s: &[u8]) -> Value {
        let r = self.vm.intern_bytes(s);
        self.keep(r)
    }
    fn bytes(&mut self, b: &[u8]) -> Value {
        let r = self.vm.new_bytes(b);
        self.keep(r)
    }
    fn bigint(&mut self, v: BigInt) -> Value {
        let r = self.vm.new_int(v);
        self.keep(r)
    }
    fn tuple(&mut self, items: Vec<Value>) -> Value {
        let r = self.vm.new_tuple(items);
        self.keep(r)
    }
    fn code(&mut self, c: Code) -> Value {
        let r = self.vm.alloc(ObjKind::Code(Box::new(c))).map(Value::Obj);
        self.keep(r)
    }
    fn ellipsis(&mut self) -> Value {
        self.vm.none_like.ellipsis.clone()
    }
}

/// Decodes Python source bytes: a UTF-8 BOM, or a PEP 263 coding
/// declaration for Latin-1/ASCII; UTF-8 otherwise.
fn decode_source(vm: &Vm, src: &[u8], filename: &str) -> PyResult<String> {
    let src = src.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(src);
    // A coding declaration on line 1 or 2.
    let mut coding = None;
    for line in src.split(|&b| b == b'\n').take(2) {
        let l = String::from_utf8_lossy(line);
        let t = l.trim_start();
        if !t.starts_with('#') {
            if !t.is_empty() {
                break;
            }
            continue;
        }
        if let Some(i) = t.find("coding") {
            let rest = &t[i + 6..];
            if let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) {
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                coding = Some(name.to_ascii_lowercase().replace('_', "-"));
                break;
            }
        }
    }
    match coding.as_deref() {
        None | Some("utf-8" | "utf8" | "utf-8-sig") => match std::str::from_utf8(src) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => {
                let pos = e.valid_up_to();
                let line = src[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
                let msg = if coding.is_some() {
                    format!(
                        "(unicode error) 'utf-8' codec can't decode byte 0x{:02x} in position {pos}: invalid start byte",
                        src[pos]
                    )
                } else {
                    format!(
                        "Non-UTF-8 code starting with '\\x{:02x}' in file {filename} on line {line}, but no encoding declared; see https://peps.python.org/pep-0263/ for details",
                        src[pos]
                    )
                };
                Err(syntax_error_plain(vm, &msg, filename, line as u32))
            }
        },
        Some("latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1") => {
            Ok(src.iter().map(|&b| b as char).collect())
        }
        Some("ascii" | "us-ascii") => match src.iter().position(|b| *b >= 0x80) {
            None => Ok(String::from_utf8_lossy(src).into_owned()),
            Some(pos) => {
                let line = src[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(syntax_error_plain(
                    vm,
                    &format!(
                        "(unicode error) 'ascii' codec can't decode byte 0x{:02x} in position {pos}: ordinal not in range(128)",
                        src[pos]
                    ),
                    filename,
                    line as u32,
                ))
            }
        },
        Some(other) => Err(syntax_error_plain(
            vm,
            &format!("unknown encoding: {other}"),
            filename,
            1,
        )),
    }
}

/// A SyntaxError without position details beyond the line.
fn syntax_error_plain(vm: &Vm, msg: &str, filename: &str, line: u32) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let details = vm.new_tuple(vec![
            vm.new_str(filename)?,
            Value::Int(i64::from(line)),
            Value::None,
            Value::None,
            Value::None,
            Value::None,
        ])?;
        let cls = vm.exc_type("SyntaxError");
        Ok(PyErr(
            vm.new_exception(&cls, vec![vm.new_str(msg)?, details])?,
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// The SyntaxError object for a front-end error, with CPython's
/// `(filename, lineno, offset, text, end_lineno, end_offset)`: offsets
/// count code points from 1.
pub(crate) fn syntax_error(vm: &Vm, e: &SyntaxErr, filename: &str, src: &str) -> PyErr {
    syntax_error_mode(vm, e, filename, src, false)
}

/// [`syntax_error`] with the source's mode: `eval` sources keep their
/// text as given, and an error at the very end of one without a final
/// newline has offset 0 (CPython's end-marker position); `exec` sources
/// read as if they ended in a newline.
pub(crate) fn syntax_error_mode(
    vm: &Vm,
    e: &SyntaxErr,
    filename: &str,
    src: &str,
    eval: bool,
) -> PyErr {
    let owned;
    let src = if !eval && !src.is_empty() && !src.ends_with('\n') {
        owned = format!("{src}\n");
        owned.as_str()
    } else {
        src
    };
    if eval && !src.ends_with('\n') {
        let last = src.split('\n').count() as u32;
        let last_len = src.rsplit('\n').next().map_or(0, str::len) as u32;
        if e.line == last
            && e.col >= last_len
            && e.end.is_none_or(|(l, c)| l == last && c >= last_len)
        {
            let mut z = e.clone();
            z.col = u32::MAX;
            z.end = None;
            z.from_tokenizer = true;
            return syntax_error_at(vm, &z, filename, src);
        }
    }
    syntax_error_at(vm, e, filename, src)
}

fn syntax_error_at(vm: &Vm, e: &SyntaxErr, filename: &str, src: &str) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let line_text = src
            .split_inclusive('\n')
            .nth(e.line.saturating_sub(1) as usize);
        let offset_in = |text: Option<&str>, col: u32| -> i64 {
            if col == u32::MAX {
                return 0;
            }
            match text {
                Some(t) => {
                    let col = (col as usize).min(t.len());
                    let cut = (0..=col)
                        .rev()
                        .find(|i| t.is_char_boundary(*i))
                        .unwrap_or(0);
                    t[..cut].chars().count() as i64 + 1
                }
                None => i64::from(col) + 1,
            }
        };
        let offset = offset_in(line_text, e.col);
        let (end_line, end_offset) = match e.end {
            Some((l, c)) => {
                let t = src.split_inclusive('\n').nth(l.saturating_sub(1) as usize);
                (i64::from(l), offset_in(t, c))
            }
            // An unclosed bracket is reported at the end of input, with
            // no end column (CPython's tokenizer leaves it at -1).
            _ if e.msg.ends_with("was never closed") => (i64::from(e.line), 0),
            None if e.from_tokenizer => (i64::from(e.line), offset),
            None => (i64::from(e.line), offset + 1),
        };
        let text = match line_text {
            Some(t) => vm.new_str(t)?,
            None => Value::None,
        };
        let details = vm.new_tuple(vec![
            vm.new_str(filename)?,
            Value::Int(i64::from(e.line)),
            Value::Int(offset),
            text,
            Value::Int(end_line),
            Value::Int(end_offset),
        ])?;
        let cls = vm.exc_type(e.kind.name());
        Ok(PyErr(
            vm.new_exception(&cls, vec![vm.new_str(&e.msg)?, details])?,
        ))
    };
    build().unwrap_or_else(|e| e)
}

impl Vm {
    /// Compiles module source. `show_source`: tracebacks show its lines
    /// (files and `-c`; not `exec()` strings or stdin, as CPython 3.13).
    pub fn compile_module_source(
        &self,
        src: &[u8],
        filename: &str,
        show_source: bool,
        interactive: bool,
    ) -> PyResult<ObjRef> {
        let text = decode_source(self, src, filename)?;
        let m = super::parser::parse_module(&text)
            .map_err(|e| syntax_error(self, &e, filename, &text))?;
        let scope =
            super::symtable::build(&m).map_err(|e| syntax_error(self, &e, filename, &text))?;
        let opts = CompileOptions {
            optimize: self.optimize.get(),
            interactive,
        };
        let source: Option<Rc<str>> = if show_source {
            Some(Rc::from(text.as_str()))
        } else {
            None
        };
        let mut maker = VmConsts {
            vm: self,
            err: None,
        };
        let code = super::compile::compile_module(&m, &scope, filename, source, opts, &mut maker)
            .map_err(|e| syntax_error(self, &e, filename, &text))?;
        if let Some(e) = maker.err {
            return Err(e);
        }
        self.alloc(ObjKind::Code(Box::new(code)))
    }

    /// Compiles source for `exec()` (no source lines in tracebacks).
    pub fn compile_source(
        &self,
        src: &[u8],
        filename: &str,
        interactive: bool,
    ) -> PyResult<ObjRef> {
        self.compile_module_source(src, filename, false, interactive)
    }

    /// Compiles an expression for `eval()`.
    pub fn compile_eval(&self, src: &str, filename: &str) -> PyResult<ObjRef> {
        let e = super::parser::parse_expression(src)
            .map_err(|e| syntax_error_mode(self, &e, filename, src, true))?;
        let scope = super::symtable::build_expr(&e)
            .map_err(|e| syntax_error_mode(self, &e, filename, src, true))?;
        let opts = CompileOptions {
            optimize: self.optimize.get(),
            interactive: false,
        };
        let mut maker = VmConsts {
            vm: self,
            err: None,
        };
        let code = super::compile::compile_expression(&e, &scope, filename, opts, &mut maker)
            .map_err(|e| syntax_error(self, &e, filename, src))?;
        if let Some(e) = maker.err {
            return Err(e);
        }
        self.alloc(ObjKind::Code(Box::new(code)))
    }

    /// Runs module source from a file in `globals` (imports).
    pub fn exec_source(&self, src: &[u8], filename: &str, globals: &ObjRef) -> PyResult<()> {
        let code = self.compile_module_source(src, filename, true, false)?;
        super::eval::run_code(self, &code, globals, None)?;
        Ok(())
    }
}

// ---- bootstrap ----------------------------------------------------------------------

/// The 3.13 builtin exception hierarchy: (name, base).
const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("GeneratorExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("SystemExit", "BaseException"),
    ("Exception", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("FloatingPointError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("AttributeError", "Exception"),
    ("BufferError", "Exception"),
    ("EOFError", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("MemoryError", "Exception"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("OSError", "Exception"),
    ("BlockingIOError", "OSError"),
    ("ChildProcessError", "OSError"),
    ("ConnectionError", "OSError"),
    ("BrokenPipeError", "ConnectionError"),
    ("ConnectionAbortedError", "ConnectionError"),
    ("ConnectionRefusedError", "ConnectionError"),
    ("ConnectionResetError", "ConnectionError"),
    ("FileExistsError", "OSError"),
    ("FileNotFoundError", "OSError"),
    ("InterruptedError", "OSError"),
    ("IsADirectoryError", "OSError"),
    ("NotADirectoryError", "OSError"),
    ("PermissionError", "OSError"),
    ("ProcessLookupError", "OSError"),
    ("TimeoutError", "OSError"),
    ("ReferenceError", "Exception"),
    ("RuntimeError", "Exception"),
    ("NotImplementedError", "RuntimeError"),
    ("PythonFinalizationError", "RuntimeError"),
    ("RecursionError", "RuntimeError"),
    ("StopAsyncIteration", "Exception"),
    ("StopIteration", "Exception"),
    ("SyntaxError", "Exception"),
    ("IndentationError", "SyntaxError"),
    ("TabError", "IndentationError"),
    ("SystemError", "Exception"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("UnicodeError", "ValueError"),
    ("UnicodeDecodeError", "UnicodeError"),
    ("UnicodeEncodeError", "UnicodeError"),
    ("UnicodeTranslateError", "UnicodeError"),
    ("Warning", "Exception"),
    ("BytesWarning", "Warning"),
    ("DeprecationWarning", "Warning"),
    ("EncodingWarning", "Warning"),
    ("FutureWarning", "Warning"),
    ("ImportWarning", "Warning"),
    ("PendingDeprecationWarning", "Warning"),
    ("ResourceWarning", "Warning"),
    ("RuntimeWarning", "Warning"),
    ("SyntaxWarning", "Warning"),
    ("UnicodeWarning", "Warning"),
    ("UserWarning", "Warning"),
];

/// A builtin type object with `methods` in its namespace.
pub(crate) fn new_type(
    vm: &Vm,
    name: &'static str,
    base: Option<&ObjRef>,
    methods: MethodTable,
    layout: Layout,
    module: &str,
) -> PyResult<ObjRef> {
    new_type_from(vm, name, base, &[methods], layout, module)
}

/// A builtin type object with the methods of all `tables` in its
/// namespace.
fn new_type_from(
    vm: &Vm,
    name: &'static str,
    base: Option<&ObjRef>,
    tables: &[MethodTable],
    layout: Layout,
    module: &str,
) -> PyResult<ObjRef> {
    let d = vm.new_dict()?;
    for (mname, f) in tables.iter().flat_map(|t| t.iter()) {
        let b = Value::Obj(vm.alloc(ObjKind::Builtin(Box::new(Builtin {
            name: mname,
            f: *f,
            bound: Value::Undef,
            owner: name,
            module: "",
        })))?);
        // CPython's static and class methods of the builtin types.
        let b = match *mname {
            "maketrans" => Value::Obj(vm.alloc(ObjKind::StaticMethod(b))?),
            "fromhex" | "from_bytes" | "fromkeys" => Value::Obj(vm.alloc(ObjKind::ClassMethod(b))?),
            _ => b,
        };
        vm.dict_set_str(&d, mname, b)?;
    }
    if matches!(name, "list" | "dict" | "set") {
        // Unhashable, as CPython marks them.
        vm.dict_set_str(&d, "__hash__", Value::None)?;
    }
    vm.dict_set_str(&d, "__module__", vm.new_str(module)?)?;
    vm.dict_set_str(&d, "__doc__", Value::None)?;
    super::typeobj::mark_namespace(&d);
    let t = vm.alloc(ObjKind::Type(Box::new(TypeObj {
        name: name.to_string(),
        qualname: RefCell::new(name.to_string()),
        bases: base.into_iter().cloned().collect(),
        mro: RefCell::new(Vec::new()),
        dict: d,
        layout,
        builtin: true,
        kind_tag: name,
        inst_dict_hint: Cell::new(0),
        hooks: Cell::new((0, 0)),
        has_del: Cell::new(false),
        slots: None,
    })))?;
    let mut mro = vec![t.clone()];
    if let Some(b) = base.and_then(|b| as_type(b)) {
        mro.extend(b.mro());
    }
    if let Some(tt) = as_type(&t) {
        *tt.mro.borrow_mut() = mro;
    }
    Ok(t)
}

fn placeholder_types(p: &ObjRef) -> Types {
    Types {
        object: p.clone(),
        type_: p.clone(),
        none: p.clone(),
        bool_: p.clone(),
        int: p.clone(),
        float: p.clone(),
        str_: p.clone(),
        bytes: p.clone(),
        tuple: p.clone(),
        list: p.clone(),
        dict: p.clone(),
        set: p.clone(),
        frozenset: p.clone(),
        range: p.clone(),
        slice: p.clone(),
        function: p.clone(),
        builtin_function: p.clone(),
        method: p.clone(),
        module: p.clone(),
        cell: p.clone(),
        code: p.clone(),
        generator: p.clone(),
        property: p.clone(),
        staticmethod: p.clone(),
        classmethod: p.clone(),
        super_: p.clone(),
        not_implemented_type: p.clone(),
        ellipsis_type: p.clone(),
        frame: p.clone(),
        traceback: p.clone(),
        dict_keys: p.clone(),
        dict_values: p.clone(),
        dict_items: p.clone(),
        enumerate: p.clone(),
        zip: p.clone(),
        map: p.clone(),
        filter: p.clone(),
        reversed: p.clone(),
        base_exception: p.clone(),
    }
}

fn build_types(vm: &Vm) -> PyResult<Types> {
    use super::builtins as b;
    let object = new_type(
        vm,
        "object",
        None,
        b::OBJECT_METHODS,
        Layout::Object,
        "builtins",
    )?;
    let o = Some(&object);
    let t = |name: &'static str, methods: MethodTable| {
        new_type(vm, name, o, methods, Layout::Builtin, "builtins")
    };
    let t2 = |name: &'static str, tables: &[MethodTable]| {
        new_type_from(vm, name, o, tables, Layout::Builtin, "builtins")
    };
    use super::builtins::opmethods as ops;
    let int = t("int", b::INT_METHODS)?;
    let iters = super::builtins::iter_methods();
    let base_exception = new_type(
        vm,
        "BaseException",
        o,
        b::BASE_EXCEPTION_METHODS,
        Layout::Exception,
        "builtins",
    )?;
    Ok(Types {
        type_: t("type", b::TYPE_METHODS)?,
        none: t2("NoneType", &[ops::NONE_OPS])?,
        bool_: new_type(vm, "bool", Some(&int), &[], Layout::Builtin, "builtins")?,
        float: t("float", b::FLOAT_METHODS)?,
        str_: t2("str", &[b::STR_METHODS, ops::STR_OPS])?,
        bytes: t2("bytes", &[b::BYTES_METHODS, ops::STR_OPS])?,
        tuple: t2("tuple", &[b::TUPLE_METHODS, ops::TUPLE_OPS])?,
        list: t2("list", &[b::LIST_METHODS, ops::LIST_OPS])?,
        dict: t2("dict", &[b::DICT_METHODS, ops::DICT_OPS])?,
        set: t2("set", &[b::SET_METHODS, ops::SET_OPS, ops::SET_INPLACE_OPS])?,
        frozenset: t2(
            "frozenset",
            &[b::FROZENSET_METHODS, ops::SET_OPS, ops::VALUE_HASH],
        )?,
        range: t2("range", &[b::RANGE_METHODS, ops::RANGE_OPS])?,
        slice: t("slice", &[])?,
        function: t("function", &[])?,
        builtin_function: t("builtin_function_or_method", &[])?,
        method: t("method", &[])?,
        module: t("module", &[])?,
        cell: t("cell", &[])?,
        code: t("code", &[])?,
        generator: t("generator", b::GENERATOR_METHODS)?,
        property: t("property", b::PROPERTY_METHODS)?,
        staticmethod: t("staticmethod", &[])?,
        classmethod: t("classmethod", &[])?,
        super_: t("super", &[])?,
        not_implemented_type: t("NotImplementedType", &[])?,
        ellipsis_type: t("ellipsis", &[])?,
        frame: t("frame", &[])?,
        traceback: t("traceback", &[])?,
        dict_keys: t("dict_keys", b::DICTVIEW_METHODS)?,
        dict_values: t("dict_values", b::DICTVIEW_METHODS)?,
        dict_items: t("dict_items", b::DICTVIEW_METHODS)?,
        enumerate: t("enumerate", iters)?,
        zip: t("zip", iters)?,
        map: t("map", iters)?,
        filter: t("filter", iters)?,
        reversed: t("reversed", iters)?,
        int,
        base_exception,
        object,
    })
}

fn build_names(vm: &Vm) -> PyResult<Names> {
    Ok(Names {
        init: vm.new_str("__init__")?,
        new: vm.new_str("__new__")?,
        name: vm.new_str("__name__")?,
        qualname: vm.new_str("__qualname__")?,
        module: vm.new_str("__module__")?,
        doc: vm.new_str("__doc__")?,
        dict: vm.new_str("__dict__")?,
        class: vm.new_str("__class__")?,
        classcell: vm.new_str("__classcell__")?,
        builtins: vm.new_str("__builtins__")?,
        file: vm.new_str("__file__")?,
        main: vm.new_str("__main__")?,
        spec: vm.new_str("__spec__")?,
        annotations: vm.new_str("__annotations__")?,
        empty: vm.new_str("")?,
    })
}

/// What an interpreter's VM is built from.
#[derive(Debug)]
pub struct VmInit {
    /// The interpreter's configuration.
    pub config: Config,
    /// The host.
    pub platform: Platform,
    /// The allocator domains objects come from.
    pub mem: Arc<Mem>,
    /// The interpreter state (None for a VM outside a runtime: tests).
    pub interp: Option<Arc<crate::interp::InterpreterState>>,
    /// `_testinternalcapi.get_configs()` data.
    pub configs: Option<Configs>,
}

impl Vm {
    /// Builds a VM: builtin types, exceptions, `builtins`, `sys`. The
    /// caller must hold the interpreter's GIL.
    pub fn new(init: VmInit) -> Result<Box<Vm>, String> {
        let VmInit {
            config,
            platform,
            mem,
            interp,
            configs,
        } = init;
        let thread_options = super::threads::thread_options(&config)?;
        let heap = Heap::new(mem);
        let placeholder = PyObject::alloc(&heap, ObjKind::Ellipsis).ok_or("out of memory")?;
        let empty = PyObject::alloc(&heap, ObjKind::Tuple(pyvec())).ok_or("out of memory")?;
        let ni = PyObject::alloc(&heap, ObjKind::NotImplemented).ok_or("out of memory")?;
        let ell = PyObject::alloc(&heap, ObjKind::Ellipsis).ok_or("out of memory")?;
        let suspend_marker =
            PyObject::alloc(&heap, ObjKind::NotImplemented).ok_or("out of memory")?;
        let mode_switch_marker =
            PyObject::alloc(&heap, ObjKind::NotImplemented).ok_or("out of memory")?;
        let dict = || {
            PyObject::alloc(&heap, ObjKind::Dict(RefCell::new(Dict::new()))).ok_or("out of memory")
        };
        let (builtins_dict, modules) = (dict()?, dict()?);
        let hash_key = super::hash::hash_key(config.use_hash_seed != 0, config.hash_seed);
        let rt = RtParts { platform, interp };
        let parts = VmParts {
            thread_options,
            suspend_marker,
            mode_switch_marker,
            heap,
            types: placeholder_types(&placeholder),
            names: Names {
                init: Value::None,
                new: Value::None,
                name: Value::None,
                qualname: Value::None,
                module: Value::None,
                doc: Value::None,
                dict: Value::None,
                class: Value::None,
                classcell: Value::None,
                builtins: Value::None,
                file: Value::None,
                main: Value::None,
                spec: Value::None,
                annotations: Value::None,
                empty: Value::None,
            },
            none_like: NoneLike {
                not_implemented: Value::Obj(ni),
                ellipsis: Value::Obj(ell),
            },
            builtins: placeholder.clone(),
            builtins_dict,
            modules,
            empty_tuple: Value::Obj(empty),
            hash_key,
            config,
            rt,
        };
        let mut vm = Box::new(Vm::from_parts(parts));
        // The heap lives inside the box: its address is stable from here.
        let guard = vm.heap.enter();
        let r = (|| -> PyResult<()> {
            let types = build_types(&vm)?;
            vm.types = types;
            vm.names = build_names(&vm)?;
            // Exceptions.
            vm.register_exc_type("BaseException", vm.types.base_exception.clone());
            for (name, base) in &EXCEPTIONS[1..] {
                let b = vm.exc_type(base);
                let t = new_type(&vm, name, Some(&b), &[], Layout::Exception, "builtins")?;
                vm.register_exc_type(name, t);
            }
            let me = vm.exc_type("MemoryError");
            let e = vm.new_exception(&me, Vec::new())?;
            *vm.memory_error.borrow_mut() = Some(e);
            // builtins (its dict was made before the types existed).
            for (k, v) in [
                ("__name__", vm.new_str("builtins")?),
                ("__doc__", Value::None),
                ("__package__", vm.new_str("")?),
                ("__loader__", Value::None),
                ("__spec__", Value::None),
            ] {
                vm.dict_set_str(&vm.builtins_dict, k, v)?;
            }
            let bm = vm.alloc(ObjKind::Module(Box::new(super::module::ModuleObj {
                name: vm.new_str("builtins")?,
                dict: vm.builtins_dict.clone(),
            })))?;
            vm.builtins = bm.clone();
            super::builtins::install(&vm, &vm.builtins_dict)?;
            vm.dict_set_str(&vm.modules, "builtins", Value::Obj(bm))?;
            vm.recursion_limit.set(1000);
            vm.int_max_str_digits
                .set(i64::from(vm.config.int_max_str_digits.max(0)));
            vm.optimize
                .set(vm.config.optimization_level.clamp(0, 255) as u8);
            *vm.configs.borrow_mut() = configs;
            super::modules::register(&vm)?;
            let sys = vm.import_builtin_module("sys")?;
            *vm.sys.borrow_mut() = Some(sys);
            Ok(())
        })();
        drop(placeholder);
        drop(guard);
        match r {
            Ok(()) => Ok(vm),
            Err(e) => {
                let _g = vm.heap.enter();
                let msg = format!("{} during VM initialization", e.0.kind_name());
                drop(e);
                Err(msg)
            }
        }
    }

    /// Tears the VM down: clears module namespaces, collects cycles and
    /// frees every object with the heap current.
    pub fn teardown(self: Box<Self>) {
        let guard = self.heap.enter();
        // Green threads still alive (daemons) are abandoned: their state
        // goes while the heap exists.
        let sched = self.scheduler.borrow_mut().take();
        drop(sched);
        self.heap.finalizers_enabled.set(false);
        for g in self.heap.take_finalizable() {
            super::gen_support::finished(&g);
            drop(g);
        }
        // Break the module ↔ function cycles as CPython's finalization does.
        if let ObjKind::Dict(mods) = &self.modules.kind {
            for (_, m) in super::dict::items(mods) {
                if let Some(ObjKind::Module(mo)) = m.as_obj().map(|o| &o.kind)
                    && let ObjKind::Dict(d) = &mo.dict.kind
                    && !mo.dict.ptr_eq(&self.builtins_dict)
                {
                    let old = std::mem::take(&mut *d.borrow_mut());
                    drop(old);
                }
            }
            let old = std::mem::take(&mut *mods.borrow_mut());
            drop(old);
        }
        *self.sys.borrow_mut() = None;
        *self.threading.borrow_mut() = None;
        *self.host_trace.borrow_mut() = None;
        self.atexit.borrow_mut().clear();
        self.heap.gc.collect(true);
        if let ObjKind::Dict(b) = &self.builtins_dict.kind {
            let old = std::mem::take(&mut *b.borrow_mut());
            drop(old);
        }
        self.heap.gc.collect(true);
        drop(self);
        drop(guard);
    }
}

// ---- the eval breaker -----------------------------------------------------------------

/// An exception a pending call or an asynchronous-exception request
/// raises in the thread that runs it (`KeyboardInterrupt` from
/// `interrupt_main`, …).
#[derive(Clone, Debug)]
pub struct RaiseRequest {
    /// Builtin exception class name.
    pub class: String,
    /// Message (empty: no arguments).
    pub msg: String,
}

/// Raises KeyboardInterrupt in the runtime's main thread at its next
/// eval-breaker check — also out of a sleep or a lock wait — as SIGINT
/// does in CPython (`_thread.interrupt_main()`, and hosts: a Stop button,
/// Ctrl-C). False if the pending-call queue is full.
pub fn interrupt_runtime(rt: &Arc<crate::interp::RuntimeState>) -> bool {
    crate::pending::add_pending_call(
        rt,
        Box::new(|| {
            Err(Box::new(RaiseRequest {
                class: "KeyboardInterrupt".into(),
                msg: String::new(),
            }))
        }),
    )
    .is_ok()
}

/// [`interrupt_runtime`] for a [`Runtime`] (false when it is not
/// initialized).
pub fn interrupt(rt: &Runtime) -> bool {
    rt.runtime_state().is_some_and(|s| interrupt_runtime(&s))
}

fn raise_request(vm: &Vm, r: &RaiseRequest) -> PyErr {
    let cls = vm.exc_type(&r.class);
    let args = if r.msg.is_empty() {
        Vec::new()
    } else {
        vec![vm.new_str(&r.msg).unwrap_or(Value::None)]
    };
    match vm.new_exception(&cls, args) {
        Ok(e) => PyErr(e),
        Err(e) => e,
    }
}

/// Handles the eval-breaker bits of the running thread: GIL drop
/// requests, pending calls, asynchronous exceptions.
#[cold]
pub(crate) fn check_breaker(vm: &Vm, thp: *mut VmThread) -> PyResult<()> {
    // SAFETY: the running VM thread (eval.rs); no Python code runs while
    // the reference is alive.
    let ts = match unsafe { &(*thp).tstate } {
        Some(t) if t.eval_breaker().any() => t.clone(),
        _ => return Ok(()),
    };
    let eb = ts.eval_breaker();
    let bits = eb.load();
    if bits & EVAL_EVENTS_MASK == 0 {
        return Ok(());
    }
    if bits & CALLS_TO_DO_BIT != 0
        && let Err(e) = crate::pending::make_pending_calls(&ts)
    {
        return Err(match e.downcast_ref::<RaiseRequest>() {
            Some(r) => raise_request(vm, r),
            None => vm.runtime_error("a pending call failed"),
        });
    }
    if bits & GIL_DROP_REQUEST_BIT != 0 {
        // Give the GIL away and queue for it again.
        if ts.detach(SwitchReason::Interval).is_ok() && ts.attach().is_err() {
            // The runtime finalizes (and frees this VM's objects): a thread
            // that wanted the GIL back never runs Python again.
            crate::thread::hang_forever();
        }
    }
    if bits & ASYNC_EXCEPTION_BIT != 0
        && let Some(x) = ts.take_async_exc()
    {
        return Err(match x.downcast_ref::<RaiseRequest>() {
            Some(r) => raise_request(vm, r),
            None => match x.downcast_ref::<&'static str>() {
                Some(name) => raise_request(
                    vm,
                    &RaiseRequest {
                        class: (*name).to_string(),
                        msg: String::new(),
                    },
                ),
                None => vm.new_error("SystemError", "unknown asynchronous exception"),
            },
        });
    }
    Ok(())
}

// ---- running programs -------------------------------------------------------------------

/// What an uncaught exception means for the exit status
/// (`_Py_HandleSystemExit` / `PyErr_Print`).
pub fn handle_uncaught(vm: &Vm, e: &PyErr) -> i32 {
    if vm.exc_matches(e, "SystemExit") {
        let code = match &e.0.kind {
            ObjKind::Exception(x) => vm.dict_get_str(&x.dict, "code").unwrap_or(Value::None),
            _ => Value::None,
        };
        return match &code {
            Value::None => 0,
            Value::Int(i) => *i as i32,
            Value::Bool(b) => i32::from(*b),
            v if super::int::is_int(v) => -1,
            other => {
                let text = vm.str_string(other).unwrap_or_default();
                super::io::write_stderr(vm, &format!("{text}\n"));
                1
            }
        };
    }
    // sys.excepthook, if replaced.
    let hook = vm
        .sys
        .borrow()
        .clone()
        .and_then(|s| vm.dict_get_str(&module_dict(&s), "excepthook"));
    let default = vm
        .sys
        .borrow()
        .clone()
        .and_then(|s| vm.dict_get_str(&module_dict(&s), "__excepthook__"));
    let ev = Value::Obj(e.0.clone());
    if let (Some(h), Some(d)) = (&hook, &default)
        && !h.is(d)
    {
        let t = Value::Obj(vm.type_of(&ev));
        let tb = super::exc_support::traceback_of(vm, &ev).unwrap_or(Value::None);
        if let Err(e2) = vm.call(h, Args::positional(&[t, ev.clone(), tb])) {
            super::io::write_stderr(vm, "Error in sys.excepthook:\n");
            super::exc_support::print_exception(vm, &e2.0);
            super::io::write_stderr(vm, "\nOriginal exception was:\n");
            super::exc_support::print_exception(vm, &e.0);
        }
    } else {
        super::exc_support::print_exception(vm, &e.0);
    }
    if vm.exc_matches(e, "KeyboardInterrupt") {
        return EXIT_KEYBOARD_INTERRUPT;
    }
    1
}

/// The status for an uncaught KeyboardInterrupt: CPython re-raises
/// SIGINT (the shell sees 130); a host that can signal itself does so.
pub const EXIT_KEYBOARD_INTERRUPT: i32 = 130;

fn module_dict(m: &ObjRef) -> ObjRef {
    match &m.kind {
        ObjKind::Module(mo) => mo.dict.clone(),
        _ => m.clone(),
    }
}

/// One trace event as a host tracer receives it
/// ([`VmExecutor::set_host_tracer`]): what `sys.settrace` functions see,
/// as plain data.
#[derive(Clone, Copy, Debug)]
pub struct HostTraceEvent<'a> {
    /// 'call', 'line', 'return' or 'exception'.
    pub event: &'a str,
    /// `threading.get_ident()` of the thread.
    pub thread_ident: u64,
    /// The thread state's unique id (small; the GIL event log's holder).
    pub thread_id: u64,
    /// `co_filename`.
    pub filename: &'a str,
    /// `co_name`.
    pub name: &'a str,
    /// `f_lineno`.
    pub lineno: u32,
}

/// A host's trace callback (`PyEval_SetTraceAllThreads` for embedders
/// that are not Python: a debugger UI, a stepper in a page).
pub type HostTracer = Arc<dyn Fn(&HostTraceEvent<'_>) + Send + Sync>;

/// A host tracer and the builtin trace function that feeds it.
#[derive(Clone)]
pub(crate) struct InstalledTracer {
    pub(crate) tracer: HostTracer,
    pub(crate) func: Value,
}

impl std::fmt::Debug for InstalledTracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstalledTracer").finish_non_exhaustive()
    }
}

/// The trace function a host tracer is installed as: reports the event
/// and keeps tracing the frame.
fn host_trace_fn(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let Some(InstalledTracer { tracer, func: me }) = vm.host_trace.borrow().clone() else {
        return Ok(Value::None);
    };
    let p = a.pos();
    let (Some(Value::Obj(fo)), Some(ev)) = (p.first(), p.get(1)) else {
        return Ok(me);
    };
    let (ObjKind::Frame(f), Some(event)) = (&fo.kind, ev.as_str().and_then(|e| e.as_str())) else {
        return Ok(me);
    };
    let code = f.code();
    if let ObjKind::Code(c) = &code.kind {
        tracer(&HostTraceEvent {
            event,
            thread_ident: super::threads::current_ident(),
            thread_id: crate::thread::ThreadState::with_current(|t| t.map_or(0, |t| t.unique_id())),
            filename: &c.filename,
            name: &c.name,
            lineno: f.lineno.get(),
        });
    }
    Ok(me)
}

/// The exception that ended a program, for hosts that report it as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncaught {
    /// The exception's type name (`ZeroDivisionError`).
    pub type_name: String,
    /// `str()` of the exception.
    pub message: String,
}

fn describe_uncaught(vm: &Vm, e: &PyErr) -> Option<Uncaught> {
    if vm.exc_matches(e, "SystemExit") {
        return None;
    }
    let v = Value::Obj(e.0.clone());
    Some(Uncaught {
        type_name: vm.type_name(&v),
        message: vm.str_string(&v).unwrap_or_default(),
    })
}

/// Runs Python programs for [`Runtime::run_main`]: owns the main
/// interpreter's VM and the main thread's VM state.
#[derive(Default)]
pub struct VmExecutor {
    vm: Option<Box<Vm>>,
    thread: Option<Box<VmThread>>,
    /// The program ended with an uncaught KeyboardInterrupt.
    keyboard_interrupt: bool,
    /// The exception that ended the last program run in slices.
    uncaught: Option<Uncaught>,
    /// Installed on the VM when it is built.
    host_tracer: Option<HostTracer>,
    /// A program started with [`VmExecutor::start_source`].
    sliced: Option<Sliced>,
    /// [`VmExecutor::defer_main`] was called.
    defer: bool,
}

/// A program run in time slices.
enum Sliced {
    /// The main module runs (emulated threads).
    Main,
    /// `threading._shutdown()` runs; then the status is this.
    Shutdown(i32),
    /// On OS threads: runs to completion at the first slice.
    Os(ObjRef, ObjRef),
    /// Ended with this status.
    Done(i32),
}

/// How a time slice of a started program ended ([`VmExecutor::run_slice`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceOutcome {
    /// The program — its main module and non-daemon threads — ended with
    /// this exit status; [`VmExecutor::finish`] finalizes.
    Finished(i32),
    /// The instruction budget ran out: call again (a page lets its event
    /// loop run first).
    Paused,
    /// Every thread sleeps until `until_ns` on the runtime's clock: call
    /// again then (or after an interrupt).
    Sleeping {
        /// Runtime-clock time of the next wake-up.
        until_ns: u64,
    },
    /// Every thread waits for something no Python thread can do; only an
    /// interrupt ([`interrupt`]) can end it.
    Blocked,
}

impl std::fmt::Debug for VmExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VmExecutor")
            .field("has_vm", &self.vm.is_some())
            .finish()
    }
}

impl VmExecutor {
    /// An executor; the VM is built on first use.
    pub fn new() -> VmExecutor {
        VmExecutor::default()
    }

    fn ensure(&mut self, rt: &Runtime) -> Result<(), i32> {
        if self.vm.is_some() {
            return Ok(());
        }
        let Some(config) = rt.config() else {
            return Err(1);
        };
        let init = VmInit {
            config,
            platform: rt.platform().clone(),
            mem: rt.mem(),
            interp: rt.main_interpreter(),
            configs: rt.get_configs(),
        };
        match Vm::new(init) {
            Ok(vm) => {
                let mut th = Box::new(VmThread::new());
                th.tstate = ThreadState::current();
                vm.register_thread(std::ptr::from_mut(&mut *th));
                vm.defer_main.set(self.defer);
                if vm.thread_options.gil_trace.is_some()
                    && let Some(i) = &vm.rt_parts.interp
                {
                    i.gil().events().enable(vm.rt_parts.platform.clock.clone());
                }
                self.vm = Some(vm);
                self.thread = Some(th);
                if let Some(t) = self.host_tracer.clone() {
                    self.set_host_tracer(Some(t));
                }
                Ok(())
            }
            Err(msg) => {
                let text = format!("Fatal Python error: init_interp_main: {msg}\n");
                let _ = rt
                    .platform()
                    .stdio
                    .write(StdStream::Stderr, text.as_bytes());
                Err(1)
            }
        }
    }

    /// Runs `f` with the VM's heap and the main VM thread current.
    fn with_vm<R>(&mut self, f: impl FnOnce(&Vm) -> R) -> Option<R> {
        let vm = self.vm.as_deref()?;
        let th = self.thread.as_deref_mut()?;
        let _h = vm.heap.enter();
        let _t = super::eval::enter_thread(th as *mut VmThread);
        Some(f(vm))
    }

    /// True if the program ended with an uncaught `KeyboardInterrupt`
    /// (a native host then re-raises SIGINT, as CPython does).
    pub fn keyboard_interrupt(&self) -> bool {
        self.keyboard_interrupt
    }

    /// The VM, for embedders and tests (None before the first run).
    pub fn vm(&self) -> Option<&Vm> {
        self.vm.as_deref()
    }

    /// The exception that ended the last program started with
    /// [`VmExecutor::start_source`] (None: it ended normally or by
    /// `SystemExit`).
    pub fn uncaught(&self) -> Option<&Uncaught> {
        self.uncaught.as_ref()
    }

    /// Installs `tracer` as the trace function of every thread, present
    /// and future (`None` removes it): it receives the 'call', 'line',
    /// 'return' and 'exception' events `sys.settrace` functions get. Like
    /// `PyEval_SetTraceAllThreads`, it shares the slot `sys.settrace` uses:
    /// a program that sets its own trace function replaces it on that
    /// thread.
    pub fn set_host_tracer(&mut self, tracer: Option<HostTracer>) {
        self.host_tracer.clone_from(&tracer);
        self.with_vm(|vm| {
            let f = match &tracer {
                Some(t) => match vm.new_builtin("_host_trace", "_pyrt", host_trace_fn) {
                    Ok(f) => {
                        *vm.host_trace.borrow_mut() = Some(InstalledTracer {
                            tracer: t.clone(),
                            func: f.clone(),
                        });
                        f
                    }
                    Err(_) => return,
                },
                None => {
                    *vm.host_trace.borrow_mut() = None;
                    Value::None
                }
            };
            vm.set_hook_on_all_threads(&f, false);
        });
    }

    /// Flushes `sys.stdout` and `sys.stderr` (a host streaming output
    /// does this between slices). False if a flush failed.
    pub fn flush_std(&mut self) -> bool {
        self.with_vm(super::io::flush_std).unwrap_or(true)
    }

    /// Makes [`Runtime::run_program`] only start the program the
    /// configuration selects (script, `-c`, `-m`, stdin) on the emulated
    /// scheduler; [`VmExecutor::run_slice`] then runs it. (On OS threads,
    /// and for the REPL, programs still run to completion there.)
    pub fn defer_main(&mut self, rt: &Runtime) -> Result<(), i32> {
        // The VM is built when the program starts (after `sys.path[0]` is
        // known); the flag goes to it then.
        let _ = rt;
        self.defer = true;
        if let Some(vm) = &self.vm {
            vm.defer_main.set(true);
        }
        Ok(())
    }

    /// True when a started program waits for [`VmExecutor::run_slice`].
    pub fn has_started_program(&self) -> bool {
        self.sliced.is_some()
    }

    /// Starts `source` as `__main__` without running it: the program then
    /// runs in slices ([`VmExecutor::run_slice`]), so a host keeps control
    /// between them (a browser's event loop, a Stop button). With emulated
    /// threads (`-X threads=emulated`, the default without OS threads)
    /// every slice is bounded; on OS threads the first slice runs the
    /// program to completion.
    pub fn start_source(&mut self, rt: &Runtime, source: &[u8], filename: &str) -> Result<(), i32> {
        self.ensure(rt)?;
        self.uncaught = None;
        let mut unc = None;
        let r = self.with_vm(|vm| {
            let file = (!filename.starts_with('<')).then_some(filename);
            match prepare_main_module(vm, source, filename, true, file, None) {
                Err(e) => {
                    unc = describe_uncaught(vm, &e);
                    Sliced::Done(handle_uncaught(vm, &e))
                }
                Ok((code, d)) => {
                    if vm.emulated() {
                        match super::threads::spawn_main_green(
                            vm,
                            super::threads::GreenStart::Code(code, d),
                        ) {
                            Ok(()) => Sliced::Main,
                            Err(e) => Sliced::Done(handle_uncaught(vm, &e)),
                        }
                    } else {
                        Sliced::Os(code, d)
                    }
                }
            }
        });
        self.sliced = r;
        self.uncaught = unc;
        Ok(())
    }

    /// Runs the started program for about `instructions` more (None: until
    /// it ends or every thread waits). Never sleeps: when every thread
    /// waits it returns [`SliceOutcome::Sleeping`] or
    /// [`SliceOutcome::Blocked`].
    pub fn run_slice(&mut self, instructions: Option<u64>) -> SliceOutcome {
        let Some(state) = self.sliced.take() else {
            return SliceOutcome::Finished(1);
        };
        let limit = crate::sched::RunLimit {
            instructions,
            block: false,
        };
        let mut ki = false;
        let mut unc = None;
        let (next, out) = self
            .with_vm(|vm| {
                let mut state = state;
                loop {
                    match state {
                        Sliced::Done(c) => return (Sliced::Done(c), SliceOutcome::Finished(c)),
                        Sliced::Os(code, d) => {
                            let r = super::eval::run_code(vm, &code, &d, None);
                            vm.run_finalizers();
                            let c = match r {
                                Ok(_) => 0,
                                Err(e) => {
                                    ki = vm.exc_matches(&e, "KeyboardInterrupt");
                                    unc = describe_uncaught(vm, &e);
                                    handle_uncaught(vm, &e)
                                }
                            };
                            wait_for_thread_shutdown(vm);
                            state = Sliced::Done(c);
                        }
                        Sliced::Main | Sliced::Shutdown(_) => {
                            match super::threads::poll_main_green(vm, limit) {
                                Err(crate::sched::RunOutcome::Paused) => {
                                    return (state, SliceOutcome::Paused);
                                }
                                Err(crate::sched::RunOutcome::Sleeping { until_ns }) => {
                                    return (state, SliceOutcome::Sleeping { until_ns });
                                }
                                Err(_) => return (state, SliceOutcome::Blocked),
                                Ok(r) => {
                                    let c = match (&state, r) {
                                        (Sliced::Shutdown(c), Err(e)) => {
                                            report_shutdown_error(vm, &e);
                                            *c
                                        }
                                        (Sliced::Shutdown(c), Ok(_)) => *c,
                                        (_, Ok(_)) => 0,
                                        (_, Err(e)) => {
                                            ki = vm.exc_matches(&e, "KeyboardInterrupt");
                                            unc = describe_uncaught(vm, &e);
                                            handle_uncaught(vm, &e)
                                        }
                                    };
                                    vm.run_finalizers();
                                    if matches!(state, Sliced::Shutdown(_)) {
                                        state = Sliced::Done(c);
                                        continue;
                                    }
                                    // Then wait for the non-daemon threads, as
                                    // Py_FinalizeEx does first.
                                    state = match threading_shutdown(vm) {
                                        Some(f) => match super::threads::spawn_main_green(
                                            vm,
                                            super::threads::GreenStart::Call(
                                                f,
                                                Vec::new(),
                                                Value::None,
                                            ),
                                        ) {
                                            Ok(()) => Sliced::Shutdown(c),
                                            Err(_) => Sliced::Done(c),
                                        },
                                        None => Sliced::Done(c),
                                    };
                                }
                            }
                        }
                    }
                }
            })
            .unwrap_or((Sliced::Done(1), SliceOutcome::Finished(1)));
        self.keyboard_interrupt |= ki;
        if unc.is_some() {
            self.uncaught = unc;
        }
        self.sliced = Some(next);
        out
    }

    /// Ends a program run in slices the way `Py_RunMain` ends: `atexit`,
    /// flushing, finalization. Returns the exit status (120 if flushing
    /// failed).
    pub fn finish(&mut self, rt: &Runtime, exitcode: i32) -> i32 {
        self.sliced = None;
        let (mut code, flushed) = self.shutdown(rt, exitcode);
        if rt.finalize() < 0 || !flushed {
            code = 120;
        }
        code
    }

    /// Runs source as `__main__` (embedding API: `PyRun_SimpleString`).
    pub fn run_source(&mut self, rt: &Runtime, source: &[u8], filename: &str) -> i32 {
        if let Err(code) = self.ensure(rt) {
            return code;
        }
        self.with_vm(
            |vm| match run_main_module(vm, source, filename, true, None, None) {
                Ok(()) => 0,
                Err(e) => handle_uncaught(vm, &e),
            },
        )
        .unwrap_or(1)
    }
}

/// Creates `__main__` and compiles `source` for it: (code, globals).
fn prepare_main_module(
    vm: &Vm,
    source: &[u8],
    filename: &str,
    show_source: bool,
    file: Option<&str>,
    spec_name: Option<&str>,
) -> PyResult<(ObjRef, ObjRef)> {
    let m = match vm.dict_get_str(&vm.modules, "__main__") {
        Some(Value::Obj(m)) if matches!(m.kind, ObjKind::Module(_)) => m,
        _ => {
            let m = vm.new_module("__main__")?;
            vm.dict_set_str(&vm.modules, "__main__", Value::Obj(m.clone()))?;
            m
        }
    };
    let d = module_dict(&m);
    vm.dict_set_str(&d, "__builtins__", Value::Obj(vm.builtins.clone()))?;
    vm.dict_set_str(&d, "__annotations__", Value::Obj(vm.new_dict()?))?;
    if let Some(f) = file {
        vm.dict_set_str(&d, "__file__", vm.new_str(f)?)?;
        vm.dict_set_str(&d, "__cached__", Value::None)?;
    }
    if let Some(name) = spec_name {
        let spec = super::modules::module_spec(vm, name, file)?;
        vm.dict_set_str(&d, "__spec__", spec)?;
    }
    let code = vm.compile_module_source(source, filename, show_source, false)?;
    Ok((code, d))
}

/// Creates `__main__` and runs `source` in it.
fn run_main_module(
    vm: &Vm,
    source: &[u8],
    filename: &str,
    show_source: bool,
    file: Option<&str>,
    spec_name: Option<&str>,
) -> PyResult<()> {
    let (code, d) = prepare_main_module(vm, source, filename, show_source, file, spec_name)?;
    if vm.defer_main.get() && vm.emulated() {
        super::threads::spawn_main_green(vm, super::threads::GreenStart::Code(code, d))?;
        vm.main_started.set(true);
        return Ok(());
    }
    let r = if vm.emulated() {
        super::threads::run_main_green(vm, super::threads::GreenStart::Code(code, d.clone()))
    } else {
        super::eval::run_code(vm, &code, &d, None)
    };
    vm.run_finalizers();
    r?;
    Ok(())
}

fn read_stdin_all(vm: &Vm) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match vm.rt_parts.platform.stdio.read_stdin(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// True if `src` is an unfinished statement the REPL should keep reading.
fn incomplete(src: &str) -> bool {
    match super::parser::parse_module(src) {
        Ok(_) => false,
        Err(e) => {
            let m = e.msg.as_str();
            m.contains("was never closed")
                || m.contains("unterminated triple-quoted")
                || m.starts_with("expected an indented block")
                || m.contains("unexpected EOF")
        }
    }
}

impl Executor for VmExecutor {
    fn run_main(&mut self, rt: &Runtime, target: &MainTarget) -> i32 {
        if let Err(code) = self.ensure(rt) {
            return code;
        }
        let target = target.clone();
        let mut ki = false;
        let code = self
            .with_vm(|vm| {
                let r = match &target {
                    MainTarget::Command(cmd) => {
                        run_main_module(vm, cmd.as_bytes(), "<string>", true, None, None)
                    }
                    MainTarget::File { path, source } => {
                        let p = path.to_string_lossy().into_owned();
                        let src = if vm.config.skip_source_first_line != 0 {
                            // -x: skip the first line (keep its newline for line numbers).
                            match source.iter().position(|&b| b == b'\n') {
                                Some(i) => &source[i..],
                                None => &[][..],
                            }
                        } else {
                            &source[..]
                        };
                        run_main_module(vm, src, &p, true, Some(&p), None)
                    }
                    MainTarget::Module { name, path } => {
                        let n = name.to_string_lossy().into_owned();
                        match path {
                            None => {
                                let exe = vm.config.executable.clone().unwrap_or_default();
                                super::io::write_stderr(
                                    vm,
                                    &format!(
                                        "{}: No code object available for {n}\n",
                                        exe.to_string_lossy()
                                    ),
                                );
                                return 1;
                            }
                            Some(p) => {
                                let p = p.to_string_lossy().into_owned();
                                // runpy: sys.argv[0] becomes the module's file.
                                if let Some(sys) = vm.sys.borrow().clone()
                                    && let Some(Value::Obj(argv)) =
                                        vm.dict_get_str(&module_dict(&sys), "argv")
                                    && let ObjKind::List(l) = &argv.kind
                                    && let Ok(pv) = vm.new_str(&p)
                                    && let Some(first) = l.borrow_mut().first_mut()
                                {
                                    *first = pv;
                                }
                                match vm.rt_parts.platform.fs.read(p.as_bytes()) {
                                    Ok(src) => {
                                        run_main_module(vm, &src, &p, true, Some(&p), Some(&n))
                                    }
                                    Err(e) => Err(vm.new_error("OSError", e.to_string())),
                                }
                            }
                        }
                    }
                    MainTarget::Stdin => {
                        let src = read_stdin_all(vm);
                        run_main_module(vm, &src, "<stdin>", false, Some("<stdin>"), None)
                    }
                    MainTarget::Interactive => return repl(vm),
                };
                match r {
                    Ok(()) => 0,
                    Err(e) => {
                        ki = vm.exc_matches(&e, "KeyboardInterrupt");
                        handle_uncaught(vm, &e)
                    }
                }
            })
            .unwrap_or(1);
        self.keyboard_interrupt |= ki;
        if self
            .vm
            .as_ref()
            .is_some_and(|vm| vm.main_started.replace(false))
        {
            self.sliced = Some(Sliced::Main);
        }
        code
    }

    fn run_interactive(&mut self, rt: &Runtime) -> i32 {
        if let Err(code) = self.ensure(rt) {
            return code;
        }
        self.with_vm(repl).unwrap_or(1)
    }

    fn shutdown(&mut self, _rt: &Runtime, exitcode: i32) -> (i32, bool) {
        let mut flush_ok = true;
        let mut code = exitcode;
        if self.vm.is_some() {
            let r = self.with_vm(|vm| {
                // wait_for_thread_shutdown(): non-daemon threads end
                // before the atexit callbacks run.
                wait_for_thread_shutdown(vm);
                let c = run_atexit(vm, code);
                // finalize_subinterpreters(): those left are destroyed
                // (their own atexit callbacks run then).
                super::interpreters::end_all(vm);
                write_gil_trace(vm);
                // finalize_modules(): __main__'s names go first, so objects
                // only it held (suspended generators …) are finalized
                // while the interpreter can still run their code.
                if let Some(Value::Obj(m)) = vm.dict_get_str(&vm.modules, "__main__")
                    && let ObjKind::Module(mo) = &m.kind
                    && let ObjKind::Dict(d) = &mo.dict.kind
                {
                    let old = std::mem::take(&mut *d.borrow_mut());
                    drop(old);
                }
                vm.run_finalizers();
                let ok = super::io::flush_std(vm);
                (c, ok)
            });
            if let Some((c, ok)) = r {
                code = c;
                flush_ok = ok;
            }
        }
        // Drop the thread's values, then the VM, with its heap current.
        if let (Some(vm), Some(th)) = (self.vm.take(), self.thread.take()) {
            {
                let _h = vm.heap.enter();
                drop(th);
            }
            vm.teardown();
        }
        (code, flush_ok)
    }
}

/// `-X gil_trace=FILE`: the GIL event log as Chrome trace-event JSON
/// (open it in Perfetto or chrome://tracing).
fn write_gil_trace(vm: &Vm) {
    let (Some(file), Some(interp)) = (&vm.thread_options.gil_trace, &vm.rt_parts.interp) else {
        return;
    };
    let json = interp.gil().events().chrome_trace_json();
    if let Err(e) = vm
        .rt_parts
        .platform
        .fs
        .write(file.as_bytes(), json.as_bytes())
    {
        super::io::write_stderr(
            vm,
            &format!("pyrt: cannot write the GIL trace to {file}: {e}\n"),
        );
    }
}

/// Calls `threading._shutdown()` if `threading` was imported; an error is
/// reported as CPython's "Exception ignored on threading shutdown".
pub(crate) fn wait_for_thread_shutdown(vm: &Vm) {
    let Some(f) = threading_shutdown(vm) else {
        return;
    };
    let r = if vm.emulated() {
        super::threads::run_main_green(
            vm,
            super::threads::GreenStart::Call(f, Vec::new(), Value::None),
        )
    } else {
        vm.call(&f, Args::positional(&[]))
    };
    if let Err(e) = r {
        report_shutdown_error(vm, &e);
    }
}

/// `threading._shutdown`, if `threading` was imported.
fn threading_shutdown(vm: &Vm) -> Option<Value> {
    match vm.dict_get_str(&vm.modules, "threading")? {
        Value::Obj(m) => vm.dict_get_str(&module_dict(&m), "_shutdown"),
        _ => None,
    }
}

fn report_shutdown_error(vm: &Vm, e: &PyErr) {
    super::io::write_stderr(vm, "Exception ignored on threading shutdown:\n");
    super::exc_support::print_exception(vm, &e.0);
}

/// Runs the `atexit` callbacks, last registered first; a failing one is
/// reported as "Exception ignored in atexit callback" and the rest run.
pub(crate) fn run_atexit(vm: &Vm, exitcode: i32) -> i32 {
    let code = exitcode;
    loop {
        let next = vm.atexit.borrow_mut().pop();
        let Some((f, args, kwargs)) = next else { break };
        let mut all: Vec<Value> = match args.as_obj().map(|o| &o.kind) {
            Some(ObjKind::Tuple(t)) => t.iter().cloned().collect(),
            _ => Vec::new(),
        };
        let mut names = Vec::new();
        if let Some(ObjKind::Dict(d)) = kwargs.as_obj().map(|o| &o.kind) {
            for (k, v) in super::dict::items(d) {
                names.push(k);
                all.push(v);
            }
        }
        if let Err(e) = vm.call(
            &f,
            Args {
                all: &all,
                kwnames: &names,
            },
        ) {
            if vm.exc_matches(&e, "SystemExit") {
                // CPython ignores SystemExit here too, but reports it.
            }
            let fr = vm.repr_string(&f).unwrap_or_else(|_| "<callback>".into());
            super::io::write_stderr(vm, &format!("Exception ignored in atexit callback: {fr}\n"));
            super::exc_support::print_exception(vm, &e.0);
        }
    }
    code
}

/// The basic REPL (`PyRun_InteractiveLoop` with the basic reader):
/// prompts `sys.ps1`/`sys.ps2` on stderr, one statement at a time,
/// expression values through the display hook.
fn repl(vm: &Vm) -> i32 {
    let stdio = vm.rt_parts.platform.stdio.clone();
    if vm.config.quiet == 0
        && vm.config.run_command.is_none()
        && vm.config.run_module.is_none()
        && vm.config.run_filename.is_none()
    {
        let banner = format!(
            "Python {} on {}\nType \"help\", \"copyright\", \"credits\" or \"license\" for more information.\n",
            crate::lifecycle::version::version(),
            crate::lifecycle::version::platform()
        );
        super::io::write_stderr(vm, &banner);
    }
    let main = match vm.dict_get_str(&vm.modules, "__main__") {
        Some(Value::Obj(m)) => m,
        _ => match vm.new_module("__main__") {
            Ok(m) => {
                let _ = vm.dict_set_str(&vm.modules, "__main__", Value::Obj(m.clone()));
                m
            }
            Err(_) => return 1,
        },
    };
    let d = module_dict(&main);
    let _ = vm.dict_set_str(&d, "__builtins__", Value::Obj(vm.builtins.clone()));
    let prompt = |name: &str, default: &str| -> String {
        vm.sys
            .borrow()
            .clone()
            .and_then(|s| vm.dict_get_str(&module_dict(&s), name))
            .map_or_else(
                || default.to_string(),
                |v| vm.str_string(&v).unwrap_or_default(),
            )
    };
    let mut pending = Vec::<u8>::new();
    let mut buf = String::new();
    loop {
        let p = if buf.is_empty() {
            prompt("ps1", ">>> ")
        } else {
            prompt("ps2", "... ")
        };
        super::io::write_stderr(vm, &p);
        let _ = super::io::flush_std(vm);
        // Read one line.
        let mut line = Vec::new();
        let mut eof = false;
        loop {
            if let Some(i) = pending.iter().position(|&b| b == b'\n') {
                line.extend(pending.drain(..=i));
                break;
            }
            let mut chunk = [0u8; 4096];
            match stdio.read_stdin(&mut chunk) {
                Ok(0) | Err(_) => {
                    line.append(&mut pending);
                    eof = true;
                    break;
                }
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        }
        if eof && line.is_empty() {
            super::io::write_stderr(vm, "\n");
            if !buf.is_empty() {
                let _ = run_interactive_chunk(vm, &buf, &d);
            }
            return 0;
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let text = if text.ends_with('\n') {
            text
        } else {
            format!("{text}\n")
        };
        if buf.is_empty() && text.trim().is_empty() {
            continue;
        }
        buf.push_str(&text);
        let first_opens = buf.lines().next().is_some_and(|l| {
            let t = l.split('#').next().unwrap_or("").trim_end();
            t.ends_with(':') || t.ends_with('\\')
        });
        let blank = text.trim().is_empty();
        let multi = buf.lines().count() > 1 || first_opens;
        if (multi && !blank) || (!multi && incomplete(&buf)) {
            continue;
        }
        let chunk = std::mem::take(&mut buf);
        if let Some(code) = run_interactive_chunk(vm, &chunk, &d) {
            return code;
        }
    }
}

/// Runs one interactive statement; `Some(status)` when it raised
/// SystemExit.
fn run_interactive_chunk(vm: &Vm, src: &str, globals: &ObjRef) -> Option<i32> {
    let r = vm
        .compile_module_source(src.as_bytes(), "<stdin>", false, true)
        .and_then(|code| super::eval::run_code(vm, &code, globals, None));
    match r {
        Ok(_) => None,
        Err(e) if vm.exc_matches(&e, "SystemExit") => Some(handle_uncaught(vm, &e)),
        Err(e) => {
            handle_uncaught(vm, &e);
            None
        }
    }
}
