//! `str` and `bytes` methods, `format()`, `str.format` and `%`-formatting.

use smallvec::SmallVec;

use super::{int_arg, meth_args};
use crate::vm::func::{Args, NativeFn};
use crate::vm::heap::PyVecExt;
use crate::vm::object::{ObjKind, PyStr, Value};
use crate::vm::state::{PyResult, Vm};
use crate::vm::strrepr::{code_points, decode_at};

fn this<'a>(vm: &Vm, a: &Args<'a>, name: &str) -> PyResult<&'a PyStr> {
    match a.all.first().and_then(|v| v.as_str()) {
        Some(s) => Ok(s),
        None => Err(vm.type_error(format!(
            "descriptor '{name}' for 'str' objects doesn't apply to a '{}' object",
            a.all.first().map(|v| vm.type_name(v)).unwrap_or_default()
        ))),
    }
}

fn str_arg<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a PyStr> {
    v.as_str()
        .ok_or_else(|| vm.type_error(format!("{what}, not {}", vm.type_name(v))))
}

/// Byte offset of the first occurrence of `needle` in `hay`.
pub(crate) fn str_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn str_rfind_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    if needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Code-point index of a byte offset.
fn cp_index(b: &[u8], byte: usize) -> usize {
    b[..byte].iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// Byte offset of a code-point index (clamped).
fn byte_of(b: &[u8], ascii: bool, cp: usize) -> usize {
    if ascii {
        return cp.min(b.len());
    }
    let mut k = 0;
    let mut i = 0;
    while i < b.len() && k < cp {
        i += decode_at(b, i).1;
        k += 1;
    }
    i
}

/// Resolves optional start/end arguments (slice semantics) to byte offsets.
fn range_args(vm: &Vm, s: &PyStr, args: &[Value]) -> PyResult<(usize, usize)> {
    let n = s.len() as i64;
    let get = |i: usize, def: i64| -> PyResult<i64> {
        match args.get(i) {
            None | Some(Value::None) => Ok(def),
            Some(v) => {
                let mut x = int_arg(vm, v)?;
                if x < 0 {
                    x = (x + n).max(0);
                }
                Ok(x.min(n))
            }
        }
    };
    let st = get(0, 0)?;
    let en = get(1, n)?;
    let b = s.as_bytes();
    Ok((
        byte_of(b, s.is_ascii(), st as usize),
        byte_of(b, s.is_ascii(), en.max(st) as usize),
    ))
}

fn s_find_impl(vm: &Vm, a: &Args<'_>, name: &str, rev: bool) -> PyResult<Option<usize>> {
    let p = meth_args(vm, name, a, 1, 3)?;
    let s = this(vm, a, name)?;
    let sub = str_arg(vm, &p[1], "must be str")?;
    let (lo, hi) = range_args(vm, s, &p[2..])?;
    let b = s.as_bytes();
    if lo > hi {
        return Ok(None);
    }
    let r = if rev {
        str_rfind_bytes(&b[lo..hi], sub.as_bytes())
    } else {
        str_find(&b[lo..hi], sub.as_bytes())
    };
    Ok(r.map(|off| cp_index(b, lo + off)))
}

fn s_find(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Int(
        s_find_impl(vm, &a, "find", false)?.map_or(-1, |i| i as i64),
    ))
}

fn s_rfind(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Int(
        s_find_impl(vm, &a, "rfind", true)?.map_or(-1, |i| i as i64),
    ))
}

fn s_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    match s_find_impl(vm, &a, "index", false)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => Err(vm.value_error("substring not found")),
    }
}

fn s_rindex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    match s_find_impl(vm, &a, "rindex", true)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => Err(vm.value_error("substring not found")),
    }
}

fn s_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "count", &a, 1, 3)?;
    let s = this(vm, &a, "count")?;
    let sub = str_arg(vm, &p[1], "must be str")?;
    let (lo, hi) = range_args(vm, s, &p[2..])?;
    let b = &s.as_bytes()[lo..hi.max(lo)];
    let n = sub.as_bytes();
    if n.is_empty() {
        return Ok(Value::Int(cp_index(b, b.len()) as i64 + 1));
    }
    let mut c = 0;
    let mut i = 0;
    while let Some(off) = str_find(&b[i..], n) {
        c += 1;
        i += off + n.len();
    }
    Ok(Value::Int(c))
}

fn s_startswith_impl(vm: &Vm, a: &Args<'_>, name: &str, ends: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 3)?;
    let s = this(vm, a, name)?;
    let (lo, hi) = range_args(vm, s, &p[2..])?;
    let b = &s.as_bytes()[lo..hi.max(lo)];
    let check = |x: &Value| -> PyResult<bool> {
        let t = x.as_str().ok_or_else(|| {
            vm.type_error(format!(
                "{name} first arg must be str or a tuple of str, not {}",
                vm.type_name(x)
            ))
        })?;
        Ok(if ends {
            b.ends_with(t.as_bytes())
        } else {
            b.starts_with(t.as_bytes())
        })
    };
    if let Some(ObjKind::Tuple(items)) = p[1].as_obj().map(|o| &o.kind) {
        for x in items.iter() {
            if check(x)? {
                return Ok(Value::Bool(true));
            }
        }
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(check(&p[1])?))
}

fn s_startswith(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    s_startswith_impl(vm, &a, "startswith", false)
}

fn s_endswith(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    s_startswith_impl(vm, &a, "endswith", true)
}

fn is_space(cp: u32) -> bool {
    matches!(cp, 0x09..=0x0D | 0x1C..=0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000)
}

fn strip_impl(vm: &Vm, a: &Args<'_>, name: &str, left: bool, right: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 0, 1)?;
    let s = this(vm, a, name)?;
    let chars: Option<Vec<u32>> = match p.get(1) {
        None | Some(Value::None) => None,
        Some(v) => Some(
            code_points(str_arg(vm, v, &format!("{name} arg must be None or str"))?.as_bytes())
                .collect(),
        ),
    };
    let strip = |cp: u32| match &chars {
        None => is_space(cp),
        Some(cs) => cs.contains(&cp),
    };
    let b = s.as_bytes();
    let cps: Vec<(usize, usize, u32)> = {
        let mut v = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let (cp, n) = decode_at(b, i);
            v.push((i, n, cp));
            i += n;
        }
        v
    };
    let mut lo = 0;
    let mut hi = cps.len();
    if left {
        while lo < hi && strip(cps[lo].2) {
            lo += 1;
        }
    }
    if right {
        while hi > lo && strip(cps[hi - 1].2) {
            hi -= 1;
        }
    }
    if lo == 0 && hi == cps.len() {
        return Ok(a.all[0].clone());
    }
    let start = cps.get(lo).map_or(b.len(), |c| c.0);
    let end = if hi == 0 {
        0
    } else {
        cps[hi - 1].0 + cps[hi - 1].1
    };
    vm.new_str_bytes(&b[start..end.max(start)])
}

fn s_strip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, "strip", true, true)
}

fn s_lstrip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, "lstrip", true, false)
}

fn s_rstrip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, "rstrip", false, true)
}

fn split_impl(vm: &Vm, a: &Args<'_>, name: &str, rev: bool) -> PyResult<Value> {
    let mut sep = Value::None;
    let mut maxsplit = -1i64;
    let pos = a.pos();
    if pos.len() > 3 {
        return Err(vm.type_error(format!(
            "{name}() takes at most 2 arguments ({} given)",
            pos.len() - 1
        )));
    }
    if let Some(v) = pos.get(1) {
        sep = v.clone();
    }
    if let Some(v) = pos.get(2) {
        maxsplit = int_arg(vm, v)?;
    }
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"sep") => sep = v.clone(),
            Some(b"maxsplit") => maxsplit = int_arg(vm, v)?,
            _ => {
                return Err(vm.type_error(format!(
                    "{name}() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    let s = this(vm, a, name)?;
    let b = s.as_bytes();
    // The parts as byte ranges of `b`, made into strs at the end.
    let mut parts: SmallVec<[(usize, usize); 8]> = SmallVec::new();
    if sep.is_none() {
        // Whitespace splitting.
        let mut words: SmallVec<[(usize, usize); 8]> = SmallVec::new();
        let mut i = 0;
        let mut start = None;
        while i < b.len() {
            let (cp, n) = decode_at(b, i);
            if is_space(cp) {
                if let Some(st) = start.take() {
                    words.push((st, i));
                }
            } else if start.is_none() {
                start = Some(i);
            }
            i += n;
        }
        if let Some(st) = start {
            words.push((st, b.len()));
        }
        let max = if maxsplit < 0 {
            usize::MAX
        } else {
            maxsplit as usize
        };
        if words.len() > max {
            // `max` splits, then the rest as it is: CPython keeps the
            // whitespace at the rest's far end (trailing for split,
            // leading for rsplit).
            if rev {
                let keep = words.len() - max;
                parts.push((0, words[keep - 1].1));
                parts.extend(words[keep..].iter().copied());
            } else {
                parts.extend(words[..max].iter().copied());
                parts.push((words[max].0, b.len()));
            }
        } else {
            parts = words;
        }
    } else {
        let sep = str_arg(vm, &sep, "must be str or None")?;
        let sb = sep.as_bytes();
        if sb.is_empty() {
            return Err(vm.value_error("empty separator"));
        }
        let max = if maxsplit < 0 {
            usize::MAX
        } else {
            maxsplit as usize
        };
        if rev {
            let mut end = b.len();
            let mut count = 0;
            while count < max {
                match str_rfind_bytes(&b[..end], sb) {
                    Some(i) => {
                        parts.push((i + sb.len(), end));
                        end = i;
                        count += 1;
                    }
                    None => break,
                }
            }
            parts.push((0, end));
            parts.reverse();
        } else {
            let mut start = 0;
            let mut count = 0;
            while count < max {
                match str_find(&b[start..], sb) {
                    Some(i) => {
                        parts.push((start, start + i));
                        start += i + sb.len();
                        count += 1;
                    }
                    None => break,
                }
            }
            parts.push((start, b.len()));
        }
    }
    let items: Vec<Value> = parts
        .iter()
        .map(|&(i, j)| vm.new_str_bytes(&b[i..j]))
        .collect::<PyResult<_>>()?;
    vm.new_list(items)
}

fn s_split(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    split_impl(vm, &a, "split", false)
}

fn s_rsplit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    split_impl(vm, &a, "rsplit", true)
}

fn s_splitlines(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let s = this(vm, &a, "splitlines")?;
    let keep = match a.pos().get(1).or(a.kwarg("keepends")) {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = decode_at(b, i);
        let is_break = matches!(
            cp,
            0x0A | 0x0B | 0x0C | 0x0D | 0x1C | 0x1D | 0x1E | 0x85 | 0x2028 | 0x2029
        );
        if is_break {
            let mut end = i + n;
            if cp == 0x0D && b.get(end) == Some(&b'\n') {
                end += 1;
            }
            out.push(vm.new_str_bytes(&b[start..if keep { end } else { i }])?);
            start = end;
            i = end;
            continue;
        }
        i += n;
    }
    if start < b.len() {
        out.push(vm.new_str_bytes(&b[start..])?);
    }
    vm.new_list(out)
}

fn s_join(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "join", &a, 1, 1)?;
    let s = this(vm, &a, "join")?;
    // A list's or tuple's items read in place (no copy; no Python code
    // runs while the list is borrowed), another iterable's collected.
    let collected: Vec<Value>;
    let list;
    let items: &[Value] = match p[1].as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t,
        Some(ObjKind::List(l)) => {
            list = l.borrow();
            &list
        }
        _ => {
            // (CPython's PySequence_Fast message when it is no iterable.)
            let it = vm.iter(&p[1]).map_err(|e| {
                if vm.exc_matches(&e, "TypeError") {
                    vm.type_error("can only join an iterable")
                } else {
                    e
                }
            })?;
            let mut v = Vec::new();
            while let Some(x) = vm.next(&it)? {
                v.push(x);
            }
            collected = v;
            &collected
        }
    };
    // The exact size first, then one copy into the str's own buffer.
    let (mut len, mut chars) = (0usize, 0usize);
    for (i, x) in items.iter().enumerate() {
        let Some(t) = x.as_str() else {
            return Err(vm.type_error(format!(
                "sequence item {i}: expected str instance, {} found",
                vm.type_name(x)
            )));
        };
        len += t.as_bytes().len();
        chars += t.len();
    }
    if let Some(gaps) = items.len().checked_sub(1) {
        len += s.as_bytes().len() * gaps;
        chars += s.len() * gaps;
    }
    let mut data = crate::vm::heap::pyvec();
    data.try_reserve_exact(len).map_err(|_| vm.memory_error())?;
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            data.push_slice(s.as_bytes());
        }
        data.push_slice(x.as_str().map_or(&b""[..], |t| t.as_bytes()));
    }
    vm.str_from_pyvec(data, chars)
}

fn map_chars(
    vm: &Vm,
    a: &Args<'_>,
    name: &str,
    f: impl Fn(char, bool, &mut String) -> bool,
) -> PyResult<Value> {
    meth_args(vm, name, a, 0, 0)?;
    let s = this(vm, a, name)?;
    let mut out = String::with_capacity(s.as_bytes().len());
    let mut prev_cased = false;
    let mut raw: Vec<u8> = Vec::new();
    let mut any_surrogate = false;
    for cp in code_points(s.as_bytes()) {
        match char::from_u32(cp) {
            Some(c) => {
                prev_cased = f(c, prev_cased, &mut out);
            }
            None => {
                any_surrogate = true;
                prev_cased = false;
                crate::vm::parser::push_code_point(&mut raw, cp);
                out.push('\u{FFFF}');
            }
        }
    }
    if any_surrogate {
        // Put the surrogates back.
        let mut res = Vec::new();
        let mut it = raw.chunks(3);
        for c in out.chars() {
            if c == '\u{FFFF}' {
                if let Some(ch) = it.next() {
                    res.extend_from_slice(ch);
                }
            } else {
                let mut buf = [0u8; 4];
                res.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        return vm.new_str_bytes(&res);
    }
    vm.new_str(&out)
}

fn s_upper(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, "upper", |c, _, o| {
        o.extend(c.to_uppercase());
        false
    })
}

fn s_lower(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, "lower", |c, _, o| {
        o.extend(c.to_lowercase());
        false
    })
}

fn s_casefold(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, "casefold", |c, _, o| {
        if c == 'ß' {
            o.push_str("ss");
        } else {
            o.extend(c.to_lowercase());
        }
        false
    })
}

fn s_swapcase(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, "swapcase", |c, _, o| {
        if c.is_uppercase() {
            o.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            o.extend(c.to_uppercase());
        } else {
            o.push(c);
        }
        false
    })
}

fn s_title(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, "title", |c, prev, o| {
        let cased = c.is_alphabetic() && (c.is_uppercase() || c.is_lowercase());
        if prev {
            o.extend(c.to_lowercase());
        } else {
            o.extend(c.to_uppercase());
        }
        cased || (prev && c.is_alphabetic())
    })
}

fn s_capitalize(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let first = std::cell::Cell::new(true);
    map_chars(vm, &a, "capitalize", |c, _, o| {
        if first.get() {
            o.extend(c.to_uppercase());
            first.set(false);
        } else {
            o.extend(c.to_lowercase());
        }
        false
    })
}

fn pred(
    vm: &Vm,
    a: &Args<'_>,
    name: &str,
    empty: bool,
    f: impl Fn(u32) -> bool,
) -> PyResult<Value> {
    meth_args(vm, name, a, 0, 0)?;
    let s = this(vm, a, name)?;
    if s.is_empty() {
        return Ok(Value::Bool(empty));
    }
    Ok(Value::Bool(code_points(s.as_bytes()).all(f)))
}

fn ch(cp: u32) -> char {
    char::from_u32(cp).unwrap_or('\u{FFFD}')
}

fn s_isdigit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isdigit", false, |c| {
        ch(c).is_numeric() && (ch(c).is_ascii_digit() || c > 0x7F)
    })
}

fn s_isdecimal(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isdecimal", false, |c| {
        ch(c).is_ascii_digit() || (c > 0x7F && ch(c).is_numeric())
    })
}

fn s_isnumeric(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isnumeric", false, |c| ch(c).is_numeric())
}

fn s_isalpha(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isalpha", false, |c| ch(c).is_alphabetic())
}

fn s_isalnum(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isalnum", false, |c| ch(c).is_alphanumeric())
}

fn s_isspace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isspace", false, is_space)
}

fn s_isascii(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, "isascii", true, |c| c < 0x80)
}

fn s_isprintable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(
        vm,
        &a,
        "isprintable",
        true,
        crate::vm::unicode_printable::is_printable,
    )
}

fn s_isidentifier(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    meth_args(vm, "isidentifier", &a, 0, 0)?;
    let s = this(vm, &a, "isidentifier")?;
    let mut it = code_points(s.as_bytes());
    let ok = match it.next() {
        Some(c) => {
            let c0 = ch(c);
            (c0 == '_' || unicode_ident::is_xid_start(c0))
                && it.all(|c| ch(c) == '_' || unicode_ident::is_xid_continue(ch(c)))
        }
        None => false,
    };
    Ok(Value::Bool(ok))
}

fn s_isupper(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    meth_args(vm, "isupper", &a, 0, 0)?;
    let s = this(vm, &a, "isupper")?;
    let cs: Vec<char> = code_points(s.as_bytes()).map(ch).collect();
    Ok(Value::Bool(
        cs.iter().any(|c| c.is_uppercase()) && !cs.iter().any(|c| c.is_lowercase()),
    ))
}

fn s_islower(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    meth_args(vm, "islower", &a, 0, 0)?;
    let s = this(vm, &a, "islower")?;
    let cs: Vec<char> = code_points(s.as_bytes()).map(ch).collect();
    Ok(Value::Bool(
        cs.iter().any(|c| c.is_lowercase()) && !cs.iter().any(|c| c.is_uppercase()),
    ))
}

fn s_istitle(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    meth_args(vm, "istitle", &a, 0, 0)?;
    let s = this(vm, &a, "istitle")?;
    let mut prev_cased = false;
    let mut any = false;
    for c in code_points(s.as_bytes()).map(ch) {
        if c.is_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    Ok(Value::Bool(any))
}

fn s_replace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() < 3 || p.len() > 4 {
        return Err(vm.type_error(format!(
            "replace expected at least 2 arguments, got {}",
            p.len().saturating_sub(1)
        )));
    }
    let s = this(vm, &a, "replace")?;
    let old = str_arg(vm, &p[1], "replace() argument 1 must be str")?;
    let new = str_arg(vm, &p[2], "replace() argument 2 must be str")?;
    let mut count = match p.get(3).or(a.kwarg("count")) {
        Some(v) => int_arg(vm, v)?,
        None => -1,
    };
    let b = s.as_bytes();
    let (ob, nb) = (old.as_bytes(), new.as_bytes());
    let mut out = Vec::with_capacity(b.len());
    if ob.is_empty() {
        // Insert between code points.
        let mut i = 0;
        if count != 0 {
            out.extend_from_slice(nb);
            count -= 1;
        }
        while i < b.len() {
            let n = decode_at(b, i).1;
            out.extend_from_slice(&b[i..i + n]);
            i += n;
            if count != 0 && i <= b.len() {
                out.extend_from_slice(nb);
                count -= 1;
            }
        }
        return vm.new_str_bytes(&out);
    }
    let mut i = 0;
    while i < b.len() {
        if count != 0 && b[i..].starts_with(ob) {
            out.extend_from_slice(nb);
            i += ob.len();
            count -= 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    vm.new_str_bytes(&out)
}

fn pad_impl(vm: &Vm, a: &Args<'_>, name: &str, align: char) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 2)?;
    let s = this(vm, a, name)?;
    let width = int_arg(vm, &p[1])?;
    if width > crate::vm::format::MAX_BUILT_WIDTH as i64 {
        return Err(vm.memory_error());
    }
    let fill = match p.get(2) {
        Some(f) => {
            let fs = str_arg(vm, f, "The fill character must be a unicode character")?;
            if fs.len() != 1 {
                return Err(vm.type_error("The fill character must be exactly one character long"));
            }
            fs.to_string_lossy().into_owned()
        }
        None => " ".into(),
    };
    let n = s.len() as i64;
    if width <= n {
        return Ok(a.all[0].clone());
    }
    let total = (width - n) as usize;
    let (l, r) = match align {
        '<' => (0, total),
        '>' => (total, 0),
        _ => {
            // CPython's center: left gets the extra when width is odd and
            // the string length is odd.
            let left = total / 2 + (total & (width as usize) & 1);
            (left, total - left)
        }
    };
    let mut out = fill.repeat(l).into_bytes();
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(fill.repeat(r).as_bytes());
    vm.new_str_bytes(&out)
}

fn s_center(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, "center", '^')
}

fn s_ljust(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, "ljust", '<')
}

fn s_rjust(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, "rjust", '>')
}

fn s_zfill(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "zfill", &a, 1, 1)?;
    let s = this(vm, &a, "zfill")?;
    let width = int_arg(vm, &p[1])?;
    if width > crate::vm::format::MAX_BUILT_WIDTH as i64 {
        return Err(vm.memory_error());
    }
    let n = s.len() as i64;
    if width <= n {
        return Ok(a.all[0].clone());
    }
    let b = s.as_bytes();
    let (sign, rest) = match b.first() {
        Some(b'+' | b'-') => (&b[..1], &b[1..]),
        _ => (&b[..0], b),
    };
    let mut out = sign.to_vec();
    out.extend(std::iter::repeat_n(b'0', (width - n) as usize));
    out.extend_from_slice(rest);
    vm.new_str_bytes(&out)
}

fn partition_impl(vm: &Vm, a: &Args<'_>, name: &str, rev: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 1)?;
    let s = this(vm, a, name)?;
    let sep = str_arg(vm, &p[1], "must be str")?;
    if sep.as_bytes().is_empty() {
        return Err(vm.value_error("empty separator"));
    }
    let b = s.as_bytes();
    let found = if rev {
        str_rfind_bytes(b, sep.as_bytes())
    } else {
        str_find(b, sep.as_bytes())
    };
    let parts = match found {
        Some(i) => vec![
            vm.new_str_bytes(&b[..i])?,
            p[1].clone(),
            vm.new_str_bytes(&b[i + sep.as_bytes().len()..])?,
        ],
        None => {
            if rev {
                vec![vm.new_str("")?, vm.new_str("")?, a.all[0].clone()]
            } else {
                vec![a.all[0].clone(), vm.new_str("")?, vm.new_str("")?]
            }
        }
    };
    vm.new_tuple(parts)
}

fn s_partition(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    partition_impl(vm, &a, "partition", false)
}

fn s_rpartition(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    partition_impl(vm, &a, "rpartition", true)
}

fn s_removeprefix(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "removeprefix", &a, 1, 1)?;
    let s = this(vm, &a, "removeprefix")?;
    let x = str_arg(vm, &p[1], "removeprefix() argument must be str")?;
    match s.as_bytes().strip_prefix(x.as_bytes()) {
        Some(r) => vm.new_str_bytes(r),
        None => Ok(a.all[0].clone()),
    }
}

fn s_removesuffix(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "removesuffix", &a, 1, 1)?;
    let s = this(vm, &a, "removesuffix")?;
    let x = str_arg(vm, &p[1], "removesuffix() argument must be str")?;
    if x.as_bytes().is_empty() {
        return Ok(a.all[0].clone());
    }
    match s.as_bytes().strip_suffix(x.as_bytes()) {
        Some(r) => vm.new_str_bytes(r),
        None => Ok(a.all[0].clone()),
    }
}

fn s_expandtabs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let s = this(vm, &a, "expandtabs")?;
    let tab = match a.pos().get(1).or(a.kwarg("tabsize")) {
        Some(v) => int_arg(vm, v)?,
        None => 8,
    };
    if tab > i64::from(i32::MAX) {
        return Err(vm.overflow_error("Python int too large to convert to C int"));
    }
    if tab > crate::vm::format::MAX_BUILT_WIDTH as i64 {
        return Err(vm.memory_error());
    }
    let mut out = Vec::new();
    let mut col = 0i64;
    for cp in code_points(s.as_bytes()) {
        match cp {
            0x09 => {
                if tab > 0 {
                    let n = tab - col % tab;
                    out.extend(std::iter::repeat_n(b' ', n as usize));
                    col += n;
                }
            }
            0x0A | 0x0D => {
                out.push(cp as u8);
                col = 0;
            }
            _ => {
                crate::vm::parser::push_code_point(&mut out, cp);
                col += 1;
            }
        }
    }
    vm.new_str_bytes(&out)
}

/// `encoding` and `errors` of `str.encode` / `bytes.decode` (positional or
/// by name, each a str), with CPython's argument errors.
fn codec_args(vm: &Vm, a: &Args<'_>, name: &str) -> PyResult<(String, String)> {
    const PARAMS: [&str; 2] = ["encoding", "errors"];
    let pos = a.pos().get(1..).unwrap_or_default();
    if pos.len() > 2 {
        return Err(vm.type_error(format!(
            "{name}() takes at most 2 arguments ({} given)",
            pos.len()
        )));
    }
    let mut vals: [Option<&Value>; 2] = [pos.first(), pos.get(1)];
    for (k, v) in a.kw() {
        let key = vm.display_str(k);
        let Some(i) = PARAMS.iter().position(|p| *p == key) else {
            return Err(vm.type_error(format!(
                "{name}() got an unexpected keyword argument '{key}'"
            )));
        };
        if i < pos.len() {
            return Err(vm.type_error(format!(
                "argument for {name}() given by name ('{key}') and position ({})",
                i + 1
            )));
        }
        vals[i] = Some(v);
    }
    let mut out = [String::from("utf-8"), String::from("strict")];
    for (i, v) in vals.iter().enumerate() {
        if let Some(v) = v {
            if v.as_str().is_none() {
                return Err(vm.type_error(format!(
                    "{name}() argument '{}' must be str, not {}",
                    PARAMS[i],
                    vm.type_name(v)
                )));
            }
            out[i] = vm.display_str(v);
        }
    }
    let [enc, errors] = out;
    Ok((enc, errors))
}

pub(crate) fn s_encode(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let s = this(vm, &a, "encode")?;
    let (enc, errors) = codec_args(vm, &a, "encode")?;
    let norm = enc.to_ascii_lowercase().replace('_', "-");
    if !matches!(
        norm.as_str(),
        "utf-8" | "utf8" | "ascii" | "us-ascii" | "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1"
    ) {
        return Err(vm.new_error("LookupError", format!("unknown encoding: {enc}")));
    }
    let b = crate::vm::io::encode(vm, s.as_bytes(), &norm, &errors)?;
    vm.new_bytes(&b)
}

fn s_format(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let s = this(vm, &a, "format")?;
    let text = s.to_string_lossy().into_owned();
    let pos = &a.pos()[1..];
    let kw: Vec<(String, Value)> = a
        .kw()
        .map(|(k, v)| (vm.display_str(k), v.clone()))
        .collect();
    let out = str_format(vm, &text, pos, &kw, 2)?;
    vm.new_str(&out)
}

fn s_format_map(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "format_map", &a, 1, 1)?;
    let s = this(vm, &a, "format_map")?;
    let text = s.to_string_lossy().into_owned();
    let mut kw = Vec::new();
    if let Some(ObjKind::Dict(d)) = p[1].as_obj().map(|o| &o.kind) {
        for (k, v) in crate::vm::dict::items(d) {
            kw.push((vm.display_str(&k), v));
        }
    }
    let out = str_format(vm, &text, &[], &kw, 2)?;
    vm.new_str(&out)
}

/// `str.format`: replacement fields with positions/names, attribute and
/// index access, conversions and nested specs.
fn str_format(
    vm: &Vm,
    text: &str,
    pos: &[Value],
    kw: &[(String, Value)],
    depth: usize,
) -> PyResult<String> {
    let mut out = String::new();
    let c: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut auto = 0usize;
    let mut manual = false;
    while i < c.len() {
        match c[i] {
            '{' if c.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if c.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '}' => return Err(vm.value_error("Single '}' encountered in format string")),
            '{' => {
                let mut j = i + 1;
                let mut d = 1;
                while j < c.len() {
                    if c[j] == '{' {
                        d += 1;
                    } else if c[j] == '}' {
                        d -= 1;
                        if d == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                if j >= c.len() {
                    return Err(vm.value_error("Single '{' encountered in format string"));
                }
                let field: String = c[i + 1..j].iter().collect();
                i = j + 1;
                // Split field_name!conv:spec
                let (name_part, rest) = match field.find(['!', ':']) {
                    Some(k) => (&field[..k], &field[k..]),
                    None => (&field[..], ""),
                };
                let (conv, spec) = if let Some(r) = rest.strip_prefix('!') {
                    match r.find(':') {
                        Some(k) => (r[..k].to_string(), r[k + 1..].to_string()),
                        None => (r.to_string(), String::new()),
                    }
                } else if let Some(r) = rest.strip_prefix(':') {
                    (String::new(), r.to_string())
                } else {
                    (String::new(), String::new())
                };
                // Resolve the argument.
                let (first, accessors) = match name_part.find(['.', '[']) {
                    Some(k) => (&name_part[..k], &name_part[k..]),
                    None => (name_part, ""),
                };
                let mut v = if first.is_empty() {
                    if manual {
                        return Err(vm.value_error("cannot switch from manual field specification to automatic field numbering"));
                    }
                    let v = pos.get(auto).cloned().ok_or_else(|| {
                        vm.index_error(format!(
                            "Replacement index {auto} out of range for positional args tuple"
                        ))
                    })?;
                    auto += 1;
                    v
                } else if let Ok(n) = first.parse::<usize>() {
                    if auto > 0 {
                        return Err(vm.value_error("cannot switch from automatic field numbering to manual field specification"));
                    }
                    manual = true;
                    pos.get(n).cloned().ok_or_else(|| {
                        vm.index_error(format!(
                            "Replacement index {n} out of range for positional args tuple"
                        ))
                    })?
                } else {
                    match kw.iter().find(|(k, _)| k == first) {
                        Some((_, v)) => v.clone(),
                        None => return Err(vm.key_error(vm.new_str(first)?)),
                    }
                };
                // .attr and [key]
                let mut acc = accessors;
                while !acc.is_empty() {
                    if let Some(r) = acc.strip_prefix('.') {
                        let end = r.find(['.', '[']).unwrap_or(r.len());
                        v = vm.getattr(&v, &vm.new_str(&r[..end])?)?;
                        acc = &r[end..];
                    } else if let Some(r) = acc.strip_prefix('[') {
                        let end = r
                            .find(']')
                            .ok_or_else(|| vm.value_error("Missing ']' in format string"))?;
                        let key = &r[..end];
                        let k = match key.parse::<i64>() {
                            Ok(n) => Value::Int(n),
                            Err(_) => vm.new_str(key)?,
                        };
                        v = vm.getitem(&v, &k)?;
                        acc = &r[end + 1..];
                    } else {
                        return Err(vm.value_error(
                            "Only '.' or '[' may follow ']' in format field specifier",
                        ));
                    }
                }
                let v = match conv.as_str() {
                    "" => v,
                    "s" => vm.str_(&v)?,
                    "r" => vm.repr(&v)?,
                    "a" => ascii_of(vm, &v)?,
                    other => {
                        return Err(vm.value_error(format!(
                            "Unknown conversion specifier {}",
                            other.chars().next().unwrap_or(' ')
                        )));
                    }
                };
                let spec = if spec.contains('{') {
                    if depth == 0 {
                        return Err(vm.value_error("Max string recursion exceeded"));
                    }
                    str_format(vm, &spec, pos, kw, depth - 1)?
                } else {
                    spec
                };
                let f = vm.format(&v, &spec)?;
                out.push_str(&vm.display_str(&f));
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `format(v, spec)`.
pub(crate) fn format_value(vm: &Vm, v: &Value, spec: &str) -> PyResult<Value> {
    use crate::vm::format::{format_float, format_int, format_str, parse_spec};
    // User __format__ first.
    if let Some(f) = vm.user_special(v, "__format__") {
        let r = vm.call_special(&f, v, &[vm.new_str(spec)?])?;
        if r.as_str().is_none() {
            return Err(vm.type_error(format!(
                "__format__ must return a str, not {}",
                vm.type_name(&r)
            )));
        }
        return Ok(r);
    }
    let spec_err = |m: String| {
        if m == crate::vm::format::MEMORY_ERROR {
            vm.memory_error()
        } else {
            vm.value_error(m)
        }
    };
    let r = match v {
        Value::Bool(b) if spec.is_empty() => return vm.new_str(if *b { "True" } else { "False" }),
        Value::Int(_) | Value::Bool(_) => {
            let s = parse_spec(spec).map_err(spec_err)?;
            if s.ty.is_none() && spec.is_empty() {
                return vm.str_(v);
            }
            format_int(&crate::vm::int::to_bigint(v).unwrap_or_default(), &s).map_err(spec_err)?
        }
        Value::Float(f) => {
            if spec.is_empty() {
                return vm.str_(v);
            }
            let s = parse_spec(spec).map_err(spec_err)?;
            format_float(*f, &s).map_err(spec_err)?
        }
        Value::Obj(o) => match &o.kind {
            ObjKind::BigInt(b) => {
                if spec.is_empty() {
                    return vm.str_(v);
                }
                let s = parse_spec(spec).map_err(spec_err)?;
                if s.ty.is_none() || s.ty == Some('d') {
                    // Decimal text honours int_max_str_digits.
                    crate::vm::int::int_to_decimal(vm, v)?;
                }
                format_int(b, &s).map_err(spec_err)?
            }
            ObjKind::Str(st) => {
                if spec.is_empty() {
                    return Ok(v.clone());
                }
                let s = parse_spec(spec).map_err(spec_err)?;
                format_str(&st.to_string_lossy(), &s).map_err(spec_err)?
            }
            _ => {
                if spec.is_empty() {
                    return vm.str_(v);
                }
                return Err(vm.type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    vm.type_name(v)
                )));
            }
        },
        Value::None | Value::Undef => {
            if spec.is_empty() {
                return vm.new_str("None");
            }
            return Err(vm.type_error("unsupported format string passed to NoneType.__format__"));
        }
    };
    vm.new_str(&r)
}

/// `ascii(v)`: repr with non-ASCII escaped.
pub(crate) fn ascii_of(vm: &Vm, v: &Value) -> PyResult<Value> {
    let r = vm.repr(v)?;
    let Some(s) = r.as_str() else { return Ok(r) };
    if s.is_ascii() {
        return Ok(r);
    }
    let mut out = String::new();
    for cp in code_points(s.as_bytes()) {
        if cp < 0x80 {
            out.push(cp as u8 as char);
        } else if cp < 0x100 {
            out.push_str(&format!("\\x{cp:02x}"));
        } else if cp < 0x10000 {
            out.push_str(&format!("\\u{cp:04x}"));
        } else {
            out.push_str(&format!("\\U{cp:08x}"));
        }
    }
    vm.new_str(&out)
}

/// `str % args`.
pub(crate) fn percent_format(vm: &Vm, fmt: &Value, args: &Value) -> PyResult<Value> {
    let f = fmt
        .as_str()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let f: &str = &f;
    let items: Vec<Value> = match args.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => t.iter().cloned().collect(),
        _ => vec![args.clone()],
    };
    let mapping = matches!(args.as_obj().map(|o| &o.kind), Some(ObjKind::Dict(_)));
    let mut out = String::with_capacity(f.len() + 16);
    // Scanned by bytes: the format syntax is ASCII, so text between specs
    // is copied a run at a time and every index below is a char boundary.
    let c = f.as_bytes();
    let mut i = 0;
    let mut k = 0;
    while i < c.len() {
        if c[i] != b'%' {
            let run = c[i..]
                .iter()
                .position(|&x| x == b'%')
                .map_or(c.len(), |n| i + n);
            out.push_str(&f[i..run]);
            i = run;
            continue;
        }
        i += 1;
        if i >= c.len() {
            return Err(vm.value_error("incomplete format"));
        }
        // %(name)
        let mut arg: Option<Value> = None;
        if c[i] == b'(' {
            let end = c[i..]
                .iter()
                .position(|&x| x == b')')
                .ok_or_else(|| vm.value_error("incomplete format key"))?
                + i;
            let key = &f[i + 1..end];
            // CPython's "mapping": has __getitem__, not a tuple or str.
            let mapping_like = !matches!(
                args.as_obj().map(|o| &o.kind),
                Some(ObjKind::Tuple(_) | ObjKind::Str(_))
            ) && vm.lookup_special(args, "__getitem__").is_some();
            if !mapping_like {
                return Err(vm.type_error("format requires a mapping"));
            }
            arg = Some(vm.getitem(args, &vm.new_str(key)?)?);
            i = end + 1;
        }
        let mut flags = String::new();
        while i < c.len() && b"-+ #0".contains(&c[i]) {
            flags.push(char::from(c[i]));
            i += 1;
        }
        let mut width = String::new();
        while i < c.len() && (c[i].is_ascii_digit() || c[i] == b'*') {
            if c[i] == b'*' {
                let w = items
                    .get(k)
                    .cloned()
                    .ok_or_else(|| vm.type_error("not enough arguments for format string"))?;
                k += 1;
                width = int_arg(vm, &w)?.to_string();
            } else {
                width.push(char::from(c[i]));
            }
            i += 1;
        }
        let mut prec = None;
        if i < c.len() && c[i] == b'.' {
            i += 1;
            let mut p = String::new();
            while i < c.len() && c[i].is_ascii_digit() {
                p.push(char::from(c[i]));
                i += 1;
            }
            prec = Some(p);
        }
        while i < c.len() && b"hlL".contains(&c[i]) {
            i += 1;
        }
        if i >= c.len() {
            return Err(vm.value_error("incomplete format"));
        }
        let conv = f[i..].chars().next().unwrap_or('%');
        // The conversion's index in chars, for the error message.
        let conv_at = i;
        i += conv.len_utf8();
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = match arg {
            Some(v) => v,
            None => {
                if mapping && items.len() == 1 {
                    return Err(vm.type_error("format requires a mapping"));
                }
                let v = items
                    .get(k)
                    .cloned()
                    .ok_or_else(|| vm.type_error("not enough arguments for format string"))?;
                k += 1;
                v
            }
        };
        // The plain forms (`%d` of an int, `%s` of a str) need no spec.
        if flags.is_empty() && width.is_empty() && prec.is_none() {
            match (conv, &v) {
                ('d' | 'i' | 'u', Value::Int(n)) => {
                    push_i64(&mut out, *n);
                    continue;
                }
                ('s', Value::Obj(o)) if let ObjKind::Str(s) = &o.kind => {
                    out.push_str(&s.to_string_lossy());
                    continue;
                }
                _ => {}
            }
        }
        let align = if flags.contains('-') { "<" } else { ">" };
        let zero = flags.contains('0') && !flags.contains('-');
        let sign = if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        };
        let alt = if flags.contains('#') { "#" } else { "" };
        let w = width.clone();
        let pr = prec.as_ref().map(|p| format!(".{p}")).unwrap_or_default();
        let piece = match conv {
            's' | 'r' | 'a' => {
                let s = match conv {
                    's' => vm.str_(&v)?,
                    'r' => vm.repr(&v)?,
                    _ => ascii_of(vm, &v)?,
                };
                let spec = format!("{align}{w}{pr}");
                vm.display_str(&format_value(vm, &s, &spec)?)
            }
            'd' | 'i' | 'u' => {
                let iv = match &v {
                    Value::Float(f) => vm.new_int(num_bigint::BigInt::from(f.trunc() as i64))?,
                    x if crate::vm::int::is_int(x) => x.clone(),
                    x => {
                        return Err(vm.type_error(format!(
                            "%{conv} format: a real number is required, not {}",
                            vm.type_name(x)
                        )));
                    }
                };
                let spec = format!(
                    "{}{sign}{}{w}d",
                    if zero { "" } else { align },
                    if zero { "0" } else { "" }
                );
                vm.display_str(&format_value(vm, &iv, &spec)?)
            }
            'x' | 'X' | 'o' => {
                if !crate::vm::int::is_int(&v) {
                    return Err(vm.type_error(format!(
                        "%{conv} format: an integer is required, not {}",
                        vm.type_name(&v)
                    )));
                }
                let spec = format!(
                    "{}{sign}{alt}{}{w}{conv}",
                    if zero { "" } else { align },
                    if zero { "0" } else { "" }
                );
                vm.display_str(&format_value(vm, &v, &spec)?)
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                let fv = match &v {
                    Value::Float(_) => v.clone(),
                    x if crate::vm::int::is_int(x) => {
                        Value::Float(crate::vm::int::int_to_f64(vm, x)?)
                    }
                    x => {
                        return Err(
                            vm.type_error(format!("must be real number, not {}", vm.type_name(x)))
                        );
                    }
                };
                let pr = if pr.is_empty() { ".6".to_string() } else { pr };
                let spec = format!(
                    "{}{sign}{alt}{}{w}{pr}{conv}",
                    if zero { "" } else { align },
                    if zero { "0" } else { "" }
                );
                vm.display_str(&format_value(vm, &fv, &spec)?)
            }
            'c' => match &v {
                Value::Int(n) => char::from_u32(*n as u32)
                    .map(String::from)
                    .unwrap_or_default(),
                x => vm.display_str(x),
            },
            other => {
                return Err(vm.value_error(format!(
                    "unsupported format character '{}' ({:#x}) at index {}",
                    if (' '..='~').contains(&other) {
                        other
                    } else {
                        '?'
                    },
                    other as u32,
                    f[..conv_at].chars().count()
                )));
            }
        };
        out.push_str(&piece);
    }
    if k < items.len()
        && !mapping
        && matches!(args.as_obj().map(|o| &o.kind), Some(ObjKind::Tuple(_)))
    {
        return Err(vm.type_error("not all arguments converted during string formatting"));
    }
    vm.new_str(&out)
}

/// Appends `n` in decimal (the `%d` of an inline int, without the
/// formatting machinery).
fn push_i64(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let pos = crate::vm::state::decimal_digits(n.unsigned_abs(), &mut buf);
    if n < 0 {
        out.push('-');
    }
    out.extend(buf[pos..].iter().map(|&d| char::from(d)));
}

fn s_dunder_len(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let s = this(vm, &a, "__len__")?;
    Ok(Value::Int(s.len() as i64))
}

fn s_dunder_contains(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__contains__", &a, 1, 1)?;
    Ok(Value::Bool(vm.contains(&p[0], &p[1])?))
}

fn s_dunder_getitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__getitem__", &a, 1, 1)?;
    vm.getitem(&p[0], &p[1])
}

fn s_dunder_format(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__format__", &a, 1, 1)?;
    format_value(vm, &p[0], &vm.display_str(&p[1]))
}

/// Methods of `str`.
pub(crate) const STR_METHODS: &[(&str, NativeFn)] = &[
    ("find", s_find),
    ("rfind", s_rfind),
    ("index", s_index),
    ("rindex", s_rindex),
    ("count", s_count),
    ("startswith", s_startswith),
    ("endswith", s_endswith),
    ("strip", s_strip),
    ("lstrip", s_lstrip),
    ("rstrip", s_rstrip),
    ("split", s_split),
    ("rsplit", s_rsplit),
    ("splitlines", s_splitlines),
    ("join", s_join),
    ("upper", s_upper),
    ("lower", s_lower),
    ("casefold", s_casefold),
    ("swapcase", s_swapcase),
    ("title", s_title),
    ("capitalize", s_capitalize),
    ("isdigit", s_isdigit),
    ("isdecimal", s_isdecimal),
    ("isnumeric", s_isnumeric),
    ("isalpha", s_isalpha),
    ("isalnum", s_isalnum),
    ("isspace", s_isspace),
    ("isascii", s_isascii),
    ("isprintable", s_isprintable),
    ("isidentifier", s_isidentifier),
    ("isupper", s_isupper),
    ("islower", s_islower),
    ("istitle", s_istitle),
    ("replace", s_replace),
    ("center", s_center),
    ("ljust", s_ljust),
    ("rjust", s_rjust),
    ("zfill", s_zfill),
    ("partition", s_partition),
    ("rpartition", s_rpartition),
    ("removeprefix", s_removeprefix),
    ("removesuffix", s_removesuffix),
    ("expandtabs", s_expandtabs),
    ("encode", s_encode),
    ("format", s_format),
    ("format_map", s_format_map),
    ("__len__", s_dunder_len),
    ("__contains__", s_dunder_contains),
    ("__getitem__", s_dunder_getitem),
    ("__format__", s_dunder_format),
];

fn bthis<'a>(vm: &Vm, a: &Args<'a>) -> PyResult<&'a [u8]> {
    match a.all.first().and_then(|v| v.as_obj()).map(|o| &o.kind) {
        Some(ObjKind::Bytes(b)) => Ok(&b[..]),
        _ => Err(vm.type_error("descriptor requires a 'bytes' object")),
    }
}

pub(crate) fn b_decode(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let b = bthis(vm, &a)?;
    let (enc, errors) = codec_args(vm, &a, "decode")?;
    let enc = enc.to_ascii_lowercase().replace('_', "-");
    match enc.as_str() {
        "utf-8" | "utf8" => match std::str::from_utf8(b) {
            Ok(s) => vm.new_str(s),
            Err(e) => match errors.as_str() {
                "surrogateescape" => {
                    let w = crate::WString::decode_utf8_surrogateescape(b);
                    vm.new_str_bytes(w.as_bytes())
                }
                "replace" => vm.new_str(&String::from_utf8_lossy(b)),
                "ignore" => {
                    let s: String = String::from_utf8_lossy(b)
                        .chars()
                        .filter(|c| *c != '\u{FFFD}')
                        .collect();
                    vm.new_str(&s)
                }
                _ => {
                    let pos = e.valid_up_to();
                    Err(vm.new_error(
                        "UnicodeDecodeError",
                        format!(
                            "'utf-8' codec can't decode byte {:#04x} in position {pos}: invalid start byte",
                            b[pos]
                        ),
                    ))
                }
            },
        },
        "ascii" | "us-ascii" => {
            if let Some(pos) = b.iter().position(|c| *c >= 0x80) {
                return Err(vm.new_error(
                    "UnicodeDecodeError",
                    format!("'ascii' codec can't decode byte {:#04x} in position {pos}: ordinal not in range(128)", b[pos]),
                ));
            }
            vm.new_str_bytes(b)
        }
        "latin-1" | "latin1" | "iso-8859-1" => {
            let w = crate::WString::decode_latin1(b);
            vm.new_str_bytes(w.as_bytes())
        }
        _ => Err(vm.new_error("LookupError", format!("unknown encoding: {enc}"))),
    }
}

fn b_hex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let b = bthis(vm, &a)?;
    let s: String = b.iter().map(|x| format!("{x:02x}")).collect();
    vm.new_str(&s)
}

/// Methods of `bytes`.
pub(crate) const BYTES_METHODS: &[(&str, NativeFn)] = &[("decode", b_decode), ("hex", b_hex)];
