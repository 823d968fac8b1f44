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
        set(&x.dict, "name_from", Value::None)?;
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
    } else {
        // "Did you mean …?" goes after the message, as traceback.py adds it.
        let msg = msg + &super::suggestions::suffix(vm, x, &x.class);
        if msg.is_empty() {
            name
        } else {
            format!("{name}: {msg}")
        }
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
        if let Some(src) = source_for(vm, c) {
            source_block(&src, loc, e.lineno, carets, out);
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

/// The source of a traceback entry under its "File" line, as
/// Lib/traceback.py 3.13 shows it: the lines the instruction spans
/// (its first and last, and those around the anchors; a run of more
/// than one other line abbreviated), dedented, and under each a caret
/// line — `~~~^^^`, the anchors (a binary operator, a subscript's or a
/// call's brackets) in `^` — unless the instruction is the whole
/// statement (with no anchors) or a `return f(…)`/`x = f(…)` spanning
/// it. Without a position only the entry's line is shown.
fn source_block(src: &str, loc: Option<Loc>, lineno: u32, carets: bool, out: &mut String) {
    let line_at = |n: u32| -> &str {
        src.split('\n')
            .nth((n as usize).saturating_sub(1))
            .unwrap_or("")
            .trim_end()
    };
    let l = loc.filter(|l| l.line == lineno && l.end_line >= l.line && l.end_line - l.line < 1000);
    let Some(l) = l else {
        let line = line_at(lineno).trim_start();
        if !line.is_empty() {
            out.push_str(&format!("    {line}\n"));
        }
        return;
    };
    let original: Vec<&str> = (l.line..=l.end_line).map(line_at).collect();
    let all_lines = dedent(&original);
    if all_lines.iter().all(|x| x.trim().is_empty()) {
        return;
    }
    let chars = |x: &str| x.chars().count();
    let first = original[0];
    let last = original[original.len() - 1];
    let dedent_chars = chars(first) - chars(&all_lines[0]);
    let start = byte_to_char(first, l.col as usize).saturating_sub(dedent_chars);
    let end = byte_to_char(last, l.end_col as usize).saturating_sub(dedent_chars);
    let joined = all_lines.join("\n");
    let total = chars(&joined);
    let last_len = chars(&all_lines[all_lines.len() - 1]);
    let seg_end = total.saturating_sub(last_len.saturating_sub(end));
    let segment: String = joined
        .chars()
        .skip(start)
        .take(seg_end.saturating_sub(start))
        .collect();
    let anchors = caret_anchors(&segment);
    let show = carets && should_show_carets(start, end, &all_lines, anchors.is_some());
    let n = all_lines.len();
    let mut significant = std::collections::BTreeSet::from([0, n - 1]);
    let (mut left_off, mut right_off) = (0, 0);
    let (mut primary, mut secondary) = ('^', '^');
    if let Some(a) = anchors {
        left_off = a.left_off + if a.left_line == 0 { start } else { 0 };
        right_off = a.right_off + if a.right_line == 0 { start } else { 0 };
        (primary, secondary) = ('~', '^');
        for c in [a.left_line, a.right_line] {
            significant.extend([c.wrapping_sub(1), c, c + 1]);
        }
    }
    significant.retain(|&x| x < n);
    let mut result: Vec<String> = Vec::new();
    let output_line = |i: usize, result: &mut Vec<String>| {
        let line = &all_lines[i];
        result.push(line.clone());
        if !show {
            return;
        }
        let spaces = chars(line) - chars(line.trim_start());
        let count = if i == n - 1 { end } else { chars(line) };
        let caret_row: String = (0..count)
            .map(|col| {
                if col < spaces || (i == 0 && col < start) {
                    ' '
                } else if let Some(a) = anchors
                    && (i > a.left_line || (i == a.left_line && col >= left_off))
                    && (i < a.right_line || (i == a.right_line && col < right_off))
                {
                    secondary
                } else {
                    primary
                }
            })
            .collect();
        result.push(caret_row);
    };
    let list: Vec<usize> = significant.into_iter().collect();
    for (k, &i) in list.iter().enumerate() {
        if k > 0 {
            let diff = i - list[k - 1];
            if diff == 2 {
                output_line(i - 1, &mut result);
            } else if diff > 2 {
                result.push(format!("...<{} lines>...", diff - 1));
            }
        }
        output_line(i, &mut result);
    }
    let refs: Vec<&str> = result.iter().map(String::as_str).collect();
    for line in dedent(&refs) {
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
}

/// `textwrap.dedent` of `lines` (without their newlines): the leading
/// whitespace they all share (lines of only whitespace aside, which
/// become empty) removed.
fn dedent(lines: &[&str]) -> Vec<String> {
    let mut margin: Option<&str> = None;
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let ws = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        margin = Some(match margin {
            None => ws,
            Some(m) => {
                let common = m
                    .bytes()
                    .zip(ws.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &m[..common]
            }
        });
    }
    let m = margin.unwrap_or("").len();
    lines
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                String::new()
            } else {
                line[m..].to_string()
            }
        })
        .collect()
}

/// The character index of byte offset `b` in `line` (a partial
/// character counts as one, as CPython decodes with errors="replace").
fn byte_to_char(line: &str, b: usize) -> usize {
    let b = b.min(line.len());
    let whole = line[..line.floor_char_boundary(b)].chars().count();
    whole + usize::from(!line.is_char_boundary(b))
}

/// Where a caret line's `^` part starts and ends: line index in the
/// segment and character offset (on the segment's first line, from the
/// segment's start).
#[derive(Clone, Copy)]
struct Anchors {
    left_line: usize,
    left_off: usize,
    right_line: usize,
    right_off: usize,
}

/// The anchors of an instruction's source `segment`
/// (`_extract_caret_anchors_from_line_segment`): a binary operator (one
/// or two characters), a subscript's `[…]`, a call's `(…)`.
fn caret_anchors(segment: &str) -> Option<Anchors> {
    let e = super::parser::parse_expression(&format!("(\n{segment}\n)")).ok()?;
    let lines: Vec<Vec<char>> = segment.split('\n').map(|x| x.chars().collect()).collect();
    let seg_lines: Vec<&str> = segment.split('\n').collect();
    let normalize = |line: usize, off: u32| -> Option<usize> {
        Some(byte_to_char(seg_lines.get(line)?, off as usize))
    };
    let next_valid = |mut line: usize, mut col: usize| -> Option<(usize, usize)> {
        while line < lines.len() && col >= lines[line].len() {
            col = 0;
            line += 1;
        }
        (line < lines.len()).then_some((line, col))
    };
    let increment_until = |mut line: usize, mut col: usize, stop: &dyn Fn(char) -> bool| {
        loop {
            let ch = *lines.get(line)?.get(col)?;
            if ch == '\\' || ch == '#' {
                (line, col) = next_valid(line + 1, 0)?;
            } else if !stop(ch) {
                (line, col) = next_valid(line, col + 1)?;
            } else {
                return Some((line, col));
            }
        }
    };
    // The wrapping "(\n" puts the segment's first line on line 2.
    let end_of = |l: Loc, force_valid: bool| -> Option<(usize, usize)> {
        let line = (l.end_line as usize).checked_sub(2)?;
        let col = normalize(line, l.end_col)?;
        if force_valid {
            next_valid(line, col)
        } else {
            Some((line, col))
        }
    };
    let brackets = |inner: Loc, open: char| -> Option<Anchors> {
        let (line, col) = end_of(inner, true)?;
        let (left_line, left_off) = increment_until(line, col, &|c| c == open)?;
        let (right_line, right_off) = end_of(e.loc, false)?;
        Some(Anchors {
            left_line,
            left_off,
            right_line,
            right_off,
        })
    };
    match &e.kind {
        ExprKind::BinOp { left, right, .. } => {
            let (line, col) = end_of(left.loc, true)?;
            let (line, col) = increment_until(line, col, &|c| !c.is_whitespace() && c != ')')?;
            let mut right_col = col + 1;
            let right_line = (right.loc.line as usize).checked_sub(2)?;
            if right_col < lines[line].len()
                && (right_line > line || Some(right_col) < normalize(right_line, right.loc.col))
                && !lines[line][right_col].is_whitespace()
                && lines[line][right_col] != '\\'
                && lines[line][right_col] != '#'
            {
                right_col += 1;
            }
            Some(Anchors {
                left_line: line,
                left_off: col,
                right_line: line,
                right_off: right_col,
            })
        }
        ExprKind::Subscript { value, .. } => brackets(value.loc, '['),
        ExprKind::Call { func, .. } => brackets(func.loc, '('),
        _ => None,
    }
}

/// `_should_show_carets`: not for a `return f(…)` or `x = f(…)` that is
/// the whole statement; with anchors; or when the instruction is not all
/// of its lines.
fn should_show_carets(start: usize, end: usize, all_lines: &[String], anchors: bool) -> bool {
    if let Ok(m) = super::parser::parse_module(&all_lines.join("\n")) {
        let Some(st) = m.body.first() else {
            return false;
        };
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
            && v.end_line as usize == all_lines.len()
            && byte_to_char(&all_lines[0], v.col as usize) == start
            && byte_to_char(&all_lines[all_lines.len() - 1], v.end_col as usize) == end
        {
            return false;
        }
    }
    if anchors {
        return true;
    }
    let first: String = all_lines[0].chars().take(start).collect();
    let last: String = all_lines[all_lines.len() - 1].chars().skip(end).collect();
    !first.trim_start().is_empty() || !last.trim_end().is_empty()
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
