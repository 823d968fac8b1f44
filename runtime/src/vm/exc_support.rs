//! Exceptions at work: creation details per class, raising (cause and
//! context), matching, and tracebacks printed exactly as CPython 3.13
//! prints them, carets included (Lib/traceback.py's rules).

use super::ast::{ExprKind, Loc};
use super::exc::{ExcObj, TbEntry, TracebackObj};
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyErr, PyResult, Vm};
use super::typeobj::{as_type, is_subtype};

/// The exception classes whose instances get attributes of their own
/// (`init_special`).
pub(crate) const SPECIAL_EXC: [&str; 7] = [
    "StopIteration",
    "SystemExit",
    "SyntaxError",
    "ImportError",
    "NameError",
    "AttributeError",
    "OSError",
];

/// Class-specific attributes set from the constructor arguments.
pub(crate) fn init_special(vm: &Vm, e: &ObjRef) -> PyResult<()> {
    let ObjKind::Exception(x) = &e.kind else {
        return Ok(());
    };
    // The attribute names interned (made once, not per exception).
    let set = |d: &ObjRef, name: &str, v: Value| {
        let k = vm.intern_bytes(name.as_bytes())?;
        vm.dict_set(d, k, v)
    };
    // Which of the classes with attributes of their own the exception's
    // class derives from: one walk of its MRO against the classes (found
    // once per VM), not a registry lookup and subtype test per class.
    let special = vm
        .special_exc_types
        .get_or_init(|| SPECIAL_EXC.iter().map(|n| vm.exc_type_opt(n)).collect());
    let mut found = [false; SPECIAL_EXC.len()];
    if let Some(t) = super::typeobj::as_type(&x.class) {
        for m in t.mro.borrow().iter() {
            if let Some(i) = special
                .iter()
                .position(|c| c.as_ref().is_some_and(|c| c.ptr_eq(m)))
            {
                found[i] = true;
            }
        }
    }
    if !found.contains(&true) {
        // The common case: no attributes to set.
        return Ok(());
    }
    let args: Vec<Value> = match &*x.args.borrow() {
        Value::Obj(t) => match &t.kind {
            ObjKind::Tuple(items) => items.iter().cloned().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let is = |name: &str| {
        SPECIAL_EXC
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| found[i])
    };
    if is("StopIteration") {
        set(
            &x.dict,
            "value",
            args.first().cloned().unwrap_or(Value::None),
        )?;
    } else if is("SystemExit") {
        let code = match args.len() {
            0 => Value::None,
            1 => args[0].clone(),
            _ => vm.tuple_from(&args)?,
        };
        set(&x.dict, "code", code)?;
    } else if is("SyntaxError") {
        let mut fields = [
            Value::None,
            Value::None,
            Value::None,
            Value::None,
            Value::None,
            Value::None,
        ];
        set(&x.dict, "msg", args.first().cloned().unwrap_or(Value::None))?;
        if let Some(Value::Obj(t)) = args.get(1)
            && let ObjKind::Tuple(items) = &t.kind
        {
            for (i, it) in items.iter().take(6).enumerate() {
                fields[i] = it.clone();
            }
        }
        for (n, v) in [
            "filename",
            "lineno",
            "offset",
            "text",
            "end_lineno",
            "end_offset",
        ]
        .iter()
        .zip(fields)
        {
            set(&x.dict, n, v)?;
        }
        set(&x.dict, "print_file_and_line", Value::None)?;
    } else if is("ImportError") {
        set(&x.dict, "name", Value::None)?;
        set(&x.dict, "path", Value::None)?;
        set(&x.dict, "msg", args.first().cloned().unwrap_or(Value::None))?;
    } else if is("NameError") || is("AttributeError") {
        set(&x.dict, "name", Value::None)?;
        if is("AttributeError") {
            set(&x.dict, "obj", Value::None)?;
        }
    } else if is("OSError") {
        let (errno, strerror) = if args.len() >= 2 {
            (args[0].clone(), args[1].clone())
        } else {
            (Value::None, Value::None)
        };
        set(&x.dict, "errno", errno)?;
        set(&x.dict, "strerror", strerror)?;
        set(
            &x.dict,
            "filename",
            args.get(2).cloned().unwrap_or(Value::None),
        )?;
    }
    Ok(())
}

/// `str(exception)` for builtin classes.
pub(crate) fn exc_str(vm: &Vm, o: &ObjRef, e: &ExcObj) -> PyResult<Value> {
    let args: Vec<Value> = match &*e.args.borrow() {
        Value::Obj(t) => match &t.kind {
            ObjKind::Tuple(items) => items.iter().cloned().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let is = |name: &str| is_subtype(&e.class, &vm.exc_type(name));
    if is("KeyError") && args.len() == 1 {
        return vm.repr(&args[0]);
    }
    if is("SyntaxError") {
        let msg = vm.dict_get_str(&e.dict, "msg").unwrap_or(Value::None);
        let msg_s = if msg.is_none() {
            String::new()
        } else {
            vm.str_string(&msg)?
        };
        let filename = vm.dict_get_str(&e.dict, "filename").unwrap_or(Value::None);
        let lineno = vm.dict_get_str(&e.dict, "lineno").unwrap_or(Value::None);
        let fname = filename.as_str().map(|s| {
            let f = s.to_string_lossy().into_owned();
            f.rsplit('/').next().unwrap_or(&f).to_string()
        });
        let s = match (fname, &lineno) {
            (Some(f), Value::Int(l)) => format!("{msg_s} ({f}, line {l})"),
            (Some(f), _) => format!("{msg_s} ({f})"),
            (None, Value::Int(l)) => format!("{msg_s} (line {l})"),
            (None, _) => msg_s,
        };
        return vm.new_str(&s);
    }
    if is("OSError") && args.len() >= 2 {
        let errno = vm.str_string(&args[0])?;
        let strerror = vm.str_string(&args[1])?;
        let s = match args.get(2) {
            Some(f) if !f.is_none() => {
                format!("[Errno {errno}] {strerror}: {}", vm.repr_string(f)?)
            }
            _ => format!("[Errno {errno}] {strerror}"),
        };
        return vm.new_str(&s);
    }
    let _ = o;
    match args.len() {
        0 => vm.new_str(""),
        1 => vm.str_(&args[0]),
        _ => {
            let t = vm.tuple_from(&args)?;
            vm.str_(&t)
        }
    }
}

/// Records that `e` passed through (code, lasti): the entry goes first
/// (tracebacks list the outermost frame first).
pub(crate) fn add_traceback(
    _vm: &Vm,
    e: &PyErr,
    code: &ObjRef,
    lasti: u32,
    lineno: u32,
    frame: Option<ObjRef>,
) {
    if let ObjKind::Exception(x) = &e.0.kind {
        x.traceback.borrow_mut().insert(
            0,
            TbEntry {
                code: code.clone(),
                lasti,
                lineno,
                frame,
                obj: None,
            },
        );
    }
}

/// Turns the operand of `raise` into the exception to raise, setting
/// `__cause__` and `__context__`.
pub(crate) fn make_raisable(
    vm: &Vm,
    exc: Value,
    cause: Option<Value>,
    handled: &Value,
) -> PyResult<PyErr> {
    let base = vm.types.base_exception.clone();
    let e = match &exc {
        Value::Obj(o) => match &o.kind {
            ObjKind::Exception(_) => o.clone(),
            ObjKind::Type(_) if is_subtype(o, &base) => {
                let v = vm.call(&exc, super::func::Args::positional(&[]))?;
                match v {
                    Value::Obj(e) if matches!(e.kind, ObjKind::Exception(_)) => e,
                    other => {
                        return Err(vm.type_error(format!(
                            "calling {} should have returned an instance of BaseException, not {}",
                            vm.repr_string(&exc)?,
                            vm.type_name(&other)
                        )));
                    }
                }
            }
            _ => return Err(vm.type_error("exceptions must derive from BaseException")),
        },
        _ => return Err(vm.type_error("exceptions must derive from BaseException")),
    };
    let ObjKind::Exception(x) = &e.kind else {
        unreachable!()
    };
    if let Some(c) = cause {
        let cv = match &c {
            Value::None => Value::None,
            Value::Obj(o) => match &o.kind {
                ObjKind::Exception(_) => c.clone(),
                ObjKind::Type(_) if is_subtype(o, &base) => {
                    vm.call(&c, super::func::Args::positional(&[]))?
                }
                _ => return Err(vm.type_error("exception causes must derive from BaseException")),
            },
            _ => return Err(vm.type_error("exception causes must derive from BaseException")),
        };
        *x.cause.borrow_mut() = cv;
        x.suppress_context.set(true);
    }
    set_context(&e, handled);
    Ok(PyErr(e))
}

/// Sets `__context__` of a newly raised exception to the one being
/// handled (breaking cycles as `_PyErr_SetObject` does).
pub(crate) fn set_context(e: &ObjRef, handled: &Value) {
    let Value::Obj(h) = handled else { return };
    if h.ptr_eq(e) || !matches!(h.kind, ObjKind::Exception(_)) {
        return;
    }
    let ObjKind::Exception(x) = &e.kind else {
        return;
    };
    if !x.context.borrow().is_none() {
        return;
    }
    // Break a cycle: if e is in h's context chain, cut it there.
    let mut o = h.clone();
    loop {
        let next = match &o.kind {
            ObjKind::Exception(ox) => ox.context.borrow().clone(),
            _ => Value::None,
        };
        match next {
            Value::Obj(n) => {
                if n.ptr_eq(e) {
                    if let ObjKind::Exception(ox) = &o.kind {
                        *ox.context.borrow_mut() = Value::None;
                    }
                    break;
                }
                o = n;
            }
            _ => break,
        }
    }
    *x.context.borrow_mut() = handled.clone();
}

/// `except typ:` matching.
pub(crate) fn exc_match(vm: &Vm, exc: &Value, typ: &Value) -> PyResult<bool> {
    let base = vm.types.base_exception.clone();
    let check = |t: &Value| -> PyResult<bool> {
        match t {
            Value::Obj(o) if as_type(o).is_some() && is_subtype(o, &base) => {
                Ok(vm.isinstance(exc, o))
            }
            _ => Err(vm.type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    };
    match typ {
        Value::Obj(o) if matches!(o.kind, ObjKind::Tuple(_)) => {
            let ObjKind::Tuple(items) = &o.kind else {
                unreachable!()
            };
            for t in items.iter() {
                if check(t)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => check(typ),
    }
}

/// `exc.__traceback__` as a chain of traceback objects: the ones made
/// before for the entries that had them, new ones for the entries added
/// in front since.
pub(crate) fn traceback_of(vm: &Vm, exc: &Value) -> PyResult<Value> {
    let Some(ObjKind::Exception(x)) = exc.as_obj().map(|o| &o.kind) else {
        return Ok(Value::None);
    };
    let n = x.traceback.borrow().len();
    let mut next = Value::None;
    for i in (0..n).rev() {
        // No borrow is held across the allocation (it may collect).
        let (cached, code, lineno, lasti, frame) = {
            let entries = x.traceback.borrow();
            let Some(e) = entries.get(i) else {
                return Ok(Value::None);
            };
            (
                e.obj.clone(),
                e.code.clone(),
                e.lineno,
                e.lasti,
                e.frame.clone(),
            )
        };
        if let Some(o) = cached {
            next = Value::Obj(o);
            continue;
        }
        let o = vm.alloc(ObjKind::Traceback(Box::new(TracebackObj {
            code,
            lineno,
            lasti,
            next,
            frame,
        })))?;
        if let Some(e) = x.traceback.borrow_mut().get_mut(i) {
            e.obj = Some(o.clone());
        }
        next = Value::Obj(o);
    }
    Ok(next)
}

/// `exc.__traceback__ = tb` / `exc.with_traceback(tb)`: the entries of the
/// chain `tb` (its own objects kept), or none for None.
pub(crate) fn set_traceback(vm: &Vm, x: &ExcObj, tb: &Value) -> PyResult<()> {
    let mut entries = Vec::new();
    let mut cur = tb.clone();
    loop {
        match cur.as_obj().map(|o| (o, &o.kind)) {
            None if cur.is_none() => break,
            Some((o, ObjKind::Traceback(t))) => {
                entries.push(TbEntry {
                    code: t.code.clone(),
                    lasti: t.lasti,
                    lineno: t.lineno,
                    frame: t.frame.clone(),
                    obj: Some(o.clone()),
                });
                let next = t.next.clone();
                cur = next;
            }
            _ => return Err(vm.type_error("__traceback__ must be a traceback or None")),
        }
    }
    let old = std::mem::replace(&mut *x.traceback.borrow_mut(), entries);
    drop(old);
    Ok(())
}

/// The qualified class name as tracebacks print it.
pub(crate) fn exc_type_name(vm: &Vm, cls: &ObjRef) -> String {
    let Some(t) = as_type(cls) else {
        return "?".into();
    };
    let q = t.qualname.borrow().clone();
    match vm
        .dict_get_str(&t.dict, "__module__")
        .and_then(|m| m.as_str().map(|s| s.to_string_lossy().into_owned()))
    {
        Some(m) if m != "builtins" && m != "__main__" => format!("{m}.{q}"),
        _ => q,
    }
}

/// The last line of a traceback: `Type: message` (or `Type`).
pub fn format_exception_only(vm: &Vm, e: &ObjRef) -> String {
    let ObjKind::Exception(x) = &e.kind else {
        return String::new();
    };
    let name = exc_type_name(vm, &x.class);
    let msg = match vm.str_(&Value::Obj(e.clone())) {
        Ok(s) => vm.display_str(&s),
        Err(_) => "<exception str() failed>".into(),
    };
    let mut out = if is_subtype(&x.class, &vm.exc_type("SyntaxError")) {
        syntax_error_lines(vm, x, &name)
    } else if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    };
    // PEP 678 notes.
    if let Some(Value::Obj(n)) = vm.dict_get_str(&x.dict, "__notes__")
        && let ObjKind::List(l) = &n.kind
    {
        for note in l.borrow().iter() {
            out.push('\n');
            out.push_str(&vm.display_str(note));
        }
    }
    out
}

fn syntax_error_lines(vm: &Vm, x: &ExcObj, name: &str) -> String {
    let get = |k: &str| vm.dict_get_str(&x.dict, k).unwrap_or(Value::None);
    let msg = get("msg");
    let msg = if msg.is_none() {
        String::new()
    } else {
        vm.display_str(&msg)
    };
    let mut out = String::new();
    let filename = get("filename");
    let lineno = get("lineno");
    if let (Some(f), Value::Int(l)) = (filename.as_str(), &lineno) {
        out.push_str(&format!("  File \"{}\", line {l}\n", f.to_string_lossy()));
    }
    let text = get("text");
    if let Some(t) = text.as_str() {
        let t = t.to_string_lossy();
        let line = t.split('\n').next().unwrap_or("");
        let stripped = line.trim_start();
        let indent = line.chars().count() - stripped.chars().count();
        let stripped = stripped.trim_end();
        out.push_str(&format!("    {stripped}\n"));
        if let Value::Int(off) = get("offset") {
            let end = match (get("end_offset"), get("end_lineno"), &lineno) {
                (Value::Int(e), Value::Int(el), Value::Int(l)) if el == *l && e > off => e,
                _ => off + 1,
            };
            let start = (off - 1 - indent as i64).max(0) as usize;
            let width = ((end - off) as usize)
                .max(1)
                .min(stripped.chars().count().saturating_sub(start).max(1));
            out.push_str(&format!("    {}{}\n", " ".repeat(start), "^".repeat(width)));
        }
    }
    out.push_str(&if msg.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {msg}")
    });
    out
}

/// The full traceback text of `e` with its cause/context chain, as
/// `sys.excepthook` prints it.
pub fn format_exception(vm: &Vm, e: &ObjRef) -> String {
    format_with(vm, e, true)
}

/// `format_exception` as CPython's default unraisable hook prints it
/// (finalizer errors: "Exception ignored in …"): no caret lines.
pub fn format_unraisable(vm: &Vm, e: &ObjRef) -> String {
    format_with(vm, e, false)
}

fn format_with(vm: &Vm, e: &ObjRef, carets: bool) -> String {
    let mut seen: Vec<usize> = Vec::new();
    let mut out = String::new();
    format_chain(vm, e, &mut seen, &mut out, 0, carets);
    out
}

fn format_chain(
    vm: &Vm,
    e: &ObjRef,
    seen: &mut Vec<usize>,
    out: &mut String,
    depth: usize,
    carets: bool,
) {
    seen.push(e.as_ptr() as usize);
    let ObjKind::Exception(x) = &e.kind else {
        return;
    };
    if depth < 100 {
        let cause = x.cause.borrow().clone();
        let context = x.context.borrow().clone();
        if let Value::Obj(c) = &cause
            && !seen.contains(&(c.as_ptr() as usize))
        {
            format_chain(vm, c, seen, out, depth + 1, carets);
            out.push_str(
                "\nThe above exception was the direct cause of the following exception:\n\n",
            );
        } else if !x.suppress_context.get()
            && let Value::Obj(c) = &context
            && !seen.contains(&(c.as_ptr() as usize))
        {
            format_chain(vm, c, seen, out, depth + 1, carets);
            out.push_str(
                "\nDuring handling of the above exception, another exception occurred:\n\n",
            );
        }
    }
    let tb = x.traceback.borrow().clone();
    if !tb.is_empty() {
        out.push_str("Traceback (most recent call last):\n");
        format_tb(vm, &tb, out, carets);
    }
    out.push_str(&format_exception_only(vm, e));
    out.push('\n');
}

/// Formats traceback entries, collapsing long runs of the same frame as
/// CPython does ("[Previous line repeated N more times]").
fn format_tb(vm: &Vm, tb: &[TbEntry], out: &mut String, carets: bool) {
    let mut last: Option<(usize, u32, String)> = None;
    let mut count = 0;
    for e in tb {
        let ObjKind::Code(c) = &e.code.kind else {
            continue;
        };
        let key = (e.code.as_ptr() as usize, e.lineno, c.name.to_string());
        if last.as_ref() == Some(&key) {
            count += 1;
        } else {
            if count > 3 {
                let n = count - 3;
                out.push_str(&format!(
                    "  [Previous line repeated {n} more time{}]\n",
                    if n == 1 { "" } else { "s" }
                ));
            }
            last = Some(key);
            count = 1;
        }
        if count > 3 {
            continue;
        }
        out.push_str(&format!(
            "  File \"{}\", line {}, in {}\n",
            c.filename,
            e.lineno,
            entry_name(e, c)
        ));
        let loc = c.locs.get(e.lasti as usize).copied();
        if let Some(src) = source_for(vm, c)
            && let Some(line) = src.split('\n').nth((e.lineno as usize).saturating_sub(1))
        {
            let line = line.trim_end_matches('\r');
            let stripped = line.trim_start();
            if !stripped.trim().is_empty() {
                let indent = line.len() - stripped.len();
                out.push_str(&format!("    {}\n", stripped.trim_end()));
                if let Some(l) = loc.filter(|_| carets)
                    && let Some(carets) = caret_line(line, indent, l, e.lineno)
                {
                    out.push_str(&format!("    {carets}\n"));
                }
            }
        }
    }
    if count > 3 {
        let n = count - 3;
        out.push_str(&format!(
            "  [Previous line repeated {n} more time{}]\n",
            if n == 1 { "" } else { "s" }
        ));
    }
}

/// The function an entry is in: its code's, or for an inlined
/// comprehension's code the function's it runs in (its frame object's).
fn entry_name(e: &TbEntry, c: &super::code::Code) -> std::rc::Rc<str> {
    if c.flags & super::code::flags::INLINED != 0
        && let Some(fo) = &e.frame
        && let ObjKind::Frame(f) = &fo.kind
        && let ObjKind::Code(fc) = &f.links().code.kind
    {
        return fc.name.clone();
    }
    c.name.clone()
}

fn source_for(vm: &Vm, c: &super::code::Code) -> Option<std::rc::Rc<str>> {
    if let Some(s) = &c.source {
        return Some(s.clone());
    }
    vm.sources.borrow().get(&c.filename).cloned()
}

/// The `~~~^^^` line under a traceback line (Lib/traceback.py 3.13,
/// single-line instructions): shown when the instruction does not span
/// the whole line, or when it has anchors (a binary operator, a
/// subscript's brackets, a call's parentheses) — except for `return f(…)`
/// and `x = f(…)` spanning the whole statement.
fn caret_line(line: &str, indent: usize, l: Loc, lineno: u32) -> Option<String> {
    if l.line != lineno || l.end_line != l.line || l.end_col <= l.col {
        return None;
    }
    let (col, end) = (l.col as usize, l.end_col as usize);
    if end > line.len()
        || col < indent
        || !line.is_char_boundary(col)
        || !line.is_char_boundary(end)
    {
        return None;
    }
    // Work on the dedented line, in characters.
    let ded = &line[indent..];
    let to_chars = |b: usize| ded[..b].chars().count();
    let (start_c, end_c) = (to_chars(col - indent), to_chars(end - indent));
    let seg = &line[col..end];
    let anchors = anchors(seg).map(|(a, b)| {
        (
            start_c + seg[..a].chars().count(),
            start_c + seg[..b].chars().count(),
        )
    });
    // return f(...) / x = f(...) spanning the statement: no carets.
    if let Ok(m) = super::parser::parse_module(ded.trim_end())
        && let Some(st) = m.body.first()
    {
        let value = match &st.kind {
            super::ast::StmtKind::Return { value: Some(v) } => match &v.kind {
                ExprKind::Call { func, .. } if matches!(func.kind, ExprKind::Name { .. }) => {
                    Some(v.loc)
                }
                _ => None,
            },
            super::ast::StmtKind::Assign { targets, value }
                if targets.len() == 1 && matches!(targets[0].kind, ExprKind::Name { .. }) =>
            {
                match &value.kind {
                    ExprKind::Call { .. } => Some(value.loc),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(v) = value
            && v.line == 1
            && v.end_line == 1
            && v.col as usize == col - indent
            && v.end_col as usize == end - indent
        {
            return None;
        }
    }
    if anchors.is_none() {
        let before = ded[..col - indent].trim();
        let after = line[end..].trim();
        if before.is_empty() && after.is_empty() {
            return None;
        }
    }
    let mut s = String::new();
    for c in 0..end_c {
        if c < start_c {
            s.push(' ');
        } else if let Some((a, b)) = anchors {
            s.push(if c >= a && c < b { '^' } else { '~' });
        } else {
            s.push('^');
        }
    }
    Some(s)
}

/// Byte range (in `seg`) of the anchors: a binary operator (1 or 2
/// characters), a subscript's `[…]`, a call's `(…)`.
fn anchors(seg: &str) -> Option<(usize, usize)> {
    if seg.contains('\n') {
        return None;
    }
    let wrapped = format!("(\n{seg}\n)");
    let e = super::parser::parse_expression(&wrapped).ok()?;
    let b = seg.as_bytes();
    let at = |line: u32, col: u32| -> Option<usize> { (line == 2).then_some(col as usize) };
    match &e.kind {
        ExprKind::BinOp { left, right, .. } => {
            let mut p = at(left.loc.end_line, left.loc.end_col)?;
            while p < b.len() && (b[p].is_ascii_whitespace() || b[p] == b')') {
                p += 1;
            }
            if p >= b.len() {
                return None;
            }
            let right_col = at(right.loc.line, right.loc.col).unwrap_or(usize::MAX);
            let mut q = p + 1;
            if q < b.len()
                && q < right_col
                && !b[q].is_ascii_whitespace()
                && b[q] != b'\\'
                && b[q] != b'#'
            {
                q += 1;
            }
            Some((p, q))
        }
        ExprKind::Subscript { value, .. } => {
            let a = at(value.loc.end_line, value.loc.end_col)?;
            let lb = seg[a..].find('[')? + a;
            Some((lb, seg.len()))
        }
        ExprKind::Call { func, .. } => {
            let a = at(func.loc.end_line, func.loc.end_col)?;
            let lp = seg[a..].find('(')? + a;
            Some((lp, seg.len()))
        }
        _ => None,
    }
}

/// Prints an uncaught exception to the VM's stderr (`PyErr_Print`).
pub fn print_exception(vm: &Vm, e: &ObjRef) {
    let text = format_exception(vm, e);
    super::io::write_stderr(vm, &text);
}

/// True if `cls` is `BaseException` or a subclass.
pub fn is_exception_class(vm: &Vm, v: &Value) -> bool {
    matches!(v, Value::Obj(o) if as_type(o).is_some() && is_subtype(o, &vm.types.base_exception))
}
