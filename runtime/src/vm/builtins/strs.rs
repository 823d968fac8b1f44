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
        None => Err(descriptor_error(vm, a, name, "str")),
    }
}

fn descriptor_error(vm: &Vm, a: &Args<'_>, name: &str, ty: &str) -> crate::vm::state::PyErr {
    vm.type_error(format!(
        "descriptor '{name}' for '{ty}' objects doesn't apply to a '{}' object",
        a.all.first().map(|v| vm.type_name(v)).unwrap_or_default()
    ))
}

fn str_arg<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a PyStr> {
    v.as_str()
        .ok_or_else(|| vm.type_error(format!("{what}, not {}", vm.type_name(v))))
}

/// A str argument checked as CPython's argument clinic does: "`what`
/// must be str, not None" names None itself.
fn clinic_str<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a [u8]> {
    match v.as_str() {
        Some(s) => Ok(s.as_bytes()),
        None => Err(vm.type_error(format!("{what} must be str, not {}", clinic_type(vm, v)))),
    }
}

/// An argument's type as the argument clinic names it (None is "None").
fn clinic_type(vm: &Vm, v: &Value) -> String {
    if v.is_none() {
        "None".into()
    } else {
        vm.type_name(v).to_string()
    }
}

/// The bytes of a `bytes` object.
pub(crate) fn bytes_of(v: &Value) -> Option<&[u8]> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Bytes(b)) => Some(&b[..]),
        _ => None,
    }
}

/// What the methods shared by `str` and `bytes` work on: a str (UTF-8;
/// indexes and lengths in code points; Unicode whitespace, line breaks
/// and case) or bytes (a byte each; ASCII whitespace, line breaks and
/// case; other bytes have no case and are no letters or digits).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Str,
    Bytes,
}

/// A method's receiver: its bytes, its length in units (code points or
/// bytes) and whether a unit is a byte.
struct Recv<'a> {
    b: &'a [u8],
    len: usize,
    ascii: bool,
}

impl Recv<'_> {
    /// Unit index of byte offset `byte`.
    fn index(&self, byte: usize) -> usize {
        if self.ascii {
            byte
        } else {
            cp_index(self.b, byte)
        }
    }
}

impl Text {
    fn recv<'a>(self, vm: &Vm, a: &Args<'a>, name: &str) -> PyResult<Recv<'a>> {
        match self {
            Text::Str => {
                let s = this(vm, a, name)?;
                Ok(Recv {
                    b: s.as_bytes(),
                    len: s.len(),
                    ascii: s.is_ascii(),
                })
            }
            Text::Bytes => match a.all.first().and_then(bytes_of) {
                Some(b) => Ok(Recv {
                    b,
                    len: b.len(),
                    ascii: true,
                }),
                None => Err(descriptor_error(vm, a, name, "bytes")),
            },
        }
    }

    /// The unit at byte offset `i`: its code point (a str's) or value (a
    /// byte's), and its length in bytes.
    #[inline]
    fn at(self, b: &[u8], i: usize) -> (u32, usize) {
        match self {
            Text::Str => decode_at(b, i),
            Text::Bytes => (u32::from(b[i]), 1),
        }
    }

    fn is_space(self, c: u32) -> bool {
        match self {
            Text::Str => is_space(c),
            Text::Bytes => matches!(c, 0x09..=0x0D | 0x20),
        }
    }

    fn is_line_break(self, c: u32) -> bool {
        match self {
            Text::Str => matches!(
                c,
                0x0A | 0x0B | 0x0C | 0x0D | 0x1C | 0x1D | 0x1E | 0x85 | 0x2028 | 0x2029
            ),
            Text::Bytes => matches!(c, 0x0A | 0x0D),
        }
    }

    /// A unit as a char for the case and class predicates: a byte past
    /// ASCII is none of them.
    fn ch(self, c: u32) -> char {
        match self {
            Text::Str => ch(c),
            Text::Bytes if c < 0x80 => c as u8 as char,
            Text::Bytes => '\0',
        }
    }

    /// A new str or bytes object of these bytes.
    fn make(self, vm: &Vm, b: &[u8]) -> PyResult<Value> {
        match self {
            Text::Str => vm.new_str_bytes(b),
            Text::Bytes => vm.new_bytes(b),
        }
    }

    /// An argument of the receiver's kind; `str_what` begins a str's
    /// message (bytes have one message).
    fn arg<'a>(self, vm: &Vm, v: &'a Value, str_what: &str) -> PyResult<&'a [u8]> {
        match self {
            Text::Str => Ok(str_arg(vm, v, str_what)?.as_bytes()),
            Text::Bytes => bytes_of(v).ok_or_else(|| {
                vm.type_error(format!(
                    "a bytes-like object is required, not '{}'",
                    vm.type_name(v)
                ))
            }),
        }
    }

    /// The needle of find/index/count: a str, or bytes or a byte's value.
    fn needle<'a>(self, vm: &Vm, v: &'a Value, name: &str) -> PyResult<std::borrow::Cow<'a, [u8]>> {
        if self == Text::Str {
            return Ok(clinic_str(vm, v, &format!("{name}() argument 1"))?.into());
        }
        if let Some(b) = bytes_of(v) {
            return Ok(b.into());
        }
        match vm.index_of(v, "")? {
            Some(i) => match u8::try_from(i) {
                Ok(x) => Ok(vec![x].into()),
                Err(_) => Err(vm.value_error("byte must be in range(0, 256)")),
            },
            None => Err(vm.type_error(format!(
                "argument should be integer or bytes-like object, not '{}'",
                vm.type_name(v)
            ))),
        }
    }
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

/// Resolves optional start/end arguments (slice semantics) to byte
/// offsets; None when the range is empty past its start (a start beyond
/// the end, or an end before the start), where CPython finds nothing,
/// not even an empty needle.
fn range_args(vm: &Vm, r: &Recv<'_>, args: &[Value]) -> PyResult<Option<(usize, usize)>> {
    let n = r.len as i64;
    let get = |i: usize, def: i64| -> PyResult<i64> {
        match args.get(i) {
            None | Some(Value::None) => Ok(def),
            Some(v) => {
                let x = slice_index(vm, v)?;
                Ok(if x < 0 { (x + n).max(0) } else { x })
            }
        }
    };
    let st = get(0, 0)?;
    let en = get(1, n)?.min(n);
    if st > n || en < st {
        return Ok(None);
    }
    Ok(Some((
        byte_of(r.b, r.ascii, st as usize),
        byte_of(r.b, r.ascii, en as usize),
    )))
}

/// A start or end argument: an index, clamped as a slice's.
fn slice_index(vm: &Vm, v: &Value) -> PyResult<i64> {
    // An int past i64 is clamped, as CPython clamps to Py_ssize_t.
    if matches!(v, Value::Obj(_))
        && let Some(big) = crate::vm::int::to_bigint(v)
    {
        return Ok(match i64::try_from(&big) {
            Ok(i) => i,
            Err(_) if big.sign() == num_bigint::Sign::Minus => i64::MIN / 2,
            Err(_) => i64::MAX / 2,
        });
    }
    match vm.index_of(v, "")? {
        Some(i) => Ok(i),
        None => {
            Err(vm.type_error("slice indices must be integers or None or have an __index__ method"))
        }
    }
}

fn find_impl(vm: &Vm, a: &Args<'_>, t: Text, name: &str, rev: bool) -> PyResult<Option<usize>> {
    let p = meth_args(vm, name, a, 1, 3)?;
    let r = t.recv(vm, a, name)?;
    let sub = t.needle(vm, &p[1], name)?;
    let Some((lo, hi)) = range_args(vm, &r, &p[2..])? else {
        return Ok(None);
    };
    let b = r.b;
    let found = if rev {
        str_rfind_bytes(&b[lo..hi], &sub)
    } else {
        str_find(&b[lo..hi], &sub)
    };
    Ok(found.map(|off| r.index(lo + off)))
}

fn find_value(found: Option<usize>) -> PyResult<Value> {
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
}

fn index_value(vm: &Vm, t: Text, found: Option<usize>) -> PyResult<Value> {
    match found {
        Some(i) => Ok(Value::Int(i as i64)),
        None if t == Text::Str => Err(vm.value_error("substring not found")),
        None => Err(vm.value_error("subsection not found")),
    }
}

fn s_find(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    find_value(find_impl(vm, &a, Text::Str, "find", false)?)
}

fn s_rfind(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    find_value(find_impl(vm, &a, Text::Str, "rfind", true)?)
}

fn s_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    index_value(vm, Text::Str, find_impl(vm, &a, Text::Str, "index", false)?)
}

fn s_rindex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    index_value(vm, Text::Str, find_impl(vm, &a, Text::Str, "rindex", true)?)
}

fn count_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let p = meth_args(vm, "count", a, 1, 3)?;
    let r = t.recv(vm, a, "count")?;
    let n = t.needle(vm, &p[1], "count")?;
    let Some((lo, hi)) = range_args(vm, &r, &p[2..])? else {
        return Ok(Value::Int(0));
    };
    let b = &r.b[lo..hi];
    if n.is_empty() {
        let units = if r.ascii {
            b.len()
        } else {
            cp_index(b, b.len())
        };
        return Ok(Value::Int(units as i64 + 1));
    }
    let mut c = 0;
    let mut i = 0;
    while let Some(off) = str_find(&b[i..], &n) {
        c += 1;
        i += off + n.len();
    }
    Ok(Value::Int(c))
}

fn s_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    count_impl(vm, &a, Text::Str)
}

fn startswith_impl(vm: &Vm, a: &Args<'_>, t: Text, name: &str, ends: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 3)?;
    let r = t.recv(vm, a, name)?;
    let range = range_args(vm, &r, &p[2..])?;
    let check = |x: &Value| -> PyResult<bool> {
        let s = match t {
            Text::Str => x.as_str().map(|s| s.as_bytes()),
            Text::Bytes => bytes_of(x),
        };
        let s = s.ok_or_else(|| {
            let ty = if t == Text::Str { "str" } else { "bytes" };
            vm.type_error(format!(
                "{name} first arg must be {ty} or a tuple of {ty}, not {}",
                vm.type_name(x)
            ))
        })?;
        let Some((lo, hi)) = range else {
            return Ok(false);
        };
        let b = &r.b[lo..hi];
        Ok(if ends {
            b.ends_with(s)
        } else {
            b.starts_with(s)
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
    startswith_impl(vm, &a, Text::Str, "startswith", false)
}

fn s_endswith(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    startswith_impl(vm, &a, Text::Str, "endswith", true)
}

fn is_space(cp: u32) -> bool {
    matches!(cp, 0x09..=0x0D | 0x1C..=0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000)
}

/// The units of `b` as (byte offset, byte length, code point or byte).
fn units(t: Text, b: &[u8]) -> Vec<(usize, usize, u32)> {
    let mut v = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = t.at(b, i);
        v.push((i, n, cp));
        i += n;
    }
    v
}

fn strip_impl(
    vm: &Vm,
    a: &Args<'_>,
    t: Text,
    name: &str,
    left: bool,
    right: bool,
) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 0, 1)?;
    let r = t.recv(vm, a, name)?;
    let chars: Option<Vec<u32>> = match p.get(1) {
        None | Some(Value::None) => None,
        Some(v) => {
            let set = match (t, v.as_str()) {
                (Text::Str, Some(s)) => s.as_bytes(),
                (Text::Str, None) => {
                    return Err(vm.type_error(format!("{name} arg must be None or str")));
                }
                (Text::Bytes, _) => t.arg(vm, v, "")?,
            };
            Some(units(t, set).into_iter().map(|u| u.2).collect())
        }
    };
    let strip = |cp: u32| match &chars {
        None => t.is_space(cp),
        Some(cs) => cs.contains(&cp),
    };
    let b = r.b;
    let cps = units(t, b);
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
    t.make(vm, &b[start..end.max(start)])
}

fn s_strip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, Text::Str, "strip", true, true)
}

fn s_lstrip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, Text::Str, "lstrip", true, false)
}

fn s_rstrip(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    strip_impl(vm, &a, Text::Str, "rstrip", false, true)
}

fn split_impl(vm: &Vm, a: &Args<'_>, t: Text, name: &str, rev: bool) -> PyResult<Value> {
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
    let b = t.recv(vm, a, name)?.b;
    // The parts as byte ranges of `b`, made into strs at the end.
    let mut parts: SmallVec<[(usize, usize); 8]> = SmallVec::new();
    if sep.is_none() {
        // Whitespace splitting.
        let mut words: SmallVec<[(usize, usize); 8]> = SmallVec::new();
        let mut i = 0;
        let mut start = None;
        while i < b.len() {
            let (cp, n) = t.at(b, i);
            if t.is_space(cp) {
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
        let sb = t.arg(vm, &sep, "must be str or None")?;
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
        .map(|&(i, j)| t.make(vm, &b[i..j]))
        .collect::<PyResult<_>>()?;
    vm.new_list(items)
}

fn s_split(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    split_impl(vm, &a, Text::Str, "split", false)
}

fn s_rsplit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    split_impl(vm, &a, Text::Str, "rsplit", true)
}

fn splitlines_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let b = t.recv(vm, a, "splitlines")?.b;
    at_most_one(vm, a, "splitlines")?;
    let keep = match a.pos().get(1).or(a.kwarg("keepends")) {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = t.at(b, i);
        if t.is_line_break(cp) {
            let mut end = i + n;
            if cp == 0x0D && b.get(end) == Some(&b'\n') {
                end += 1;
            }
            out.push(t.make(vm, &b[start..if keep { end } else { i }])?);
            start = end;
            i = end;
            continue;
        }
        i += n;
    }
    if start < b.len() {
        out.push(t.make(vm, &b[start..])?);
    }
    vm.new_list(out)
}

/// At most one argument after the receiver.
fn at_most_one(vm: &Vm, a: &Args<'_>, name: &str) -> PyResult<()> {
    let n = a.all.len() - 1;
    if n > 1 {
        return Err(vm.type_error(format!("{name}() takes at most 1 argument ({n} given)")));
    }
    Ok(())
}

fn s_splitlines(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    splitlines_impl(vm, &a, Text::Str)
}

fn join_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let p = meth_args(vm, "join", a, 1, 1)?;
    let r = t.recv(vm, a, "join")?;
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
    fn item(t: Text, x: &Value) -> Option<(&[u8], usize)> {
        match t {
            Text::Str => x.as_str().map(|s| (s.as_bytes(), s.len())),
            Text::Bytes => bytes_of(x).map(|b| (b, b.len())),
        }
    }
    // The exact size first, then one copy into the new object's buffer.
    let (mut len, mut chars) = (0usize, 0usize);
    for (i, x) in items.iter().enumerate() {
        let Some((b, n)) = item(t, x) else {
            let want = match t {
                Text::Str => "str instance",
                Text::Bytes => "a bytes-like object",
            };
            return Err(vm.type_error(format!(
                "sequence item {i}: expected {want}, {} found",
                vm.type_name(x)
            )));
        };
        len += b.len();
        chars += n;
    }
    if let Some(gaps) = items.len().checked_sub(1) {
        len += r.b.len() * gaps;
        chars += r.len * gaps;
    }
    let mut data = crate::vm::heap::pyvec();
    data.try_reserve_exact(len).map_err(|_| vm.memory_error())?;
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            data.push_slice(r.b);
        }
        data.push_slice(item(t, x).map_or(&b""[..], |(b, _)| b));
    }
    match t {
        Text::Str => vm.str_from_pyvec(data, chars),
        Text::Bytes => Ok(Value::Obj(vm.alloc(ObjKind::Bytes(data))?)),
    }
}

fn s_join(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    join_impl(vm, &a, Text::Str)
}

/// A case mapping: `f` maps each char (with whether the previous one was
/// cased) into the output and says whether it is cased. Bytes map only
/// their ASCII letters.
fn map_chars(
    vm: &Vm,
    a: &Args<'_>,
    t: Text,
    name: &str,
    f: &dyn Fn(char, bool, &mut String) -> bool,
) -> PyResult<Value> {
    meth_args(vm, name, a, 0, 0)?;
    let r = t.recv(vm, a, name)?;
    if t == Text::Bytes {
        let mut out = Vec::with_capacity(r.b.len());
        let mut prev_cased = false;
        let mut one = String::new();
        for &x in r.b {
            if x.is_ascii() {
                one.clear();
                prev_cased = f(x as char, prev_cased, &mut one);
                out.extend_from_slice(one.as_bytes());
            } else {
                // A byte past ASCII stays as it is, but counts as an
                // uncased character (capitalize's first one, title's
                // word break): `f` sees it as NUL, its output dropped.
                one.clear();
                prev_cased = f('\0', prev_cased, &mut one);
                out.push(x);
            }
        }
        return vm.new_bytes(&out);
    }
    // A capital sigma that `f` lowers takes its final form at the end of
    // a word (CPython's handle_capital_sigma; case folding has none).
    let sigma = name != "casefold";
    let cps: Vec<u32> = code_points(r.b).collect();
    let mut out = Vec::with_capacity(r.b.len());
    let mut one = String::new();
    let mut prev_cased = false;
    for (i, &cp) in cps.iter().enumerate() {
        match char::from_u32(cp) {
            Some(c) => {
                one.clear();
                prev_cased = f(c, prev_cased, &mut one);
                if cp == 0x3A3 && sigma && one == "σ" && final_sigma(&cps, i) {
                    one.clear();
                    one.push('ς');
                }
                out.extend_from_slice(one.as_bytes());
            }
            None => {
                // A lone surrogate: no case, kept as it is.
                prev_cased = false;
                crate::vm::parser::push_code_point(&mut out, cp);
            }
        }
    }
    vm.new_str_bytes(&out)
}

/// Whether the capital sigma at `i` ends a word: a cased character
/// before it and none after it, case-ignorable ones skipped both ways.
fn final_sigma(cps: &[u32], i: usize) -> bool {
    use crate::vm::unicode_case::{CASE_IGNORABLE, CASED};
    use crate::vm::unicode_classes::in_ranges;
    let significant = |c: &&u32| !in_ranges(&CASE_IGNORABLE, **c);
    let before = cps[..i].iter().rev().find(significant);
    let after = cps[i + 1..].iter().find(significant);
    before.is_some_and(|c| in_ranges(&CASED, *c)) && !after.is_some_and(|c| in_ranges(&CASED, *c))
}

fn upper(c: char, _: bool, o: &mut String) -> bool {
    o.extend(c.to_uppercase());
    false
}

fn lower(c: char, _: bool, o: &mut String) -> bool {
    o.extend(c.to_lowercase());
    false
}

fn swapcase(c: char, _: bool, o: &mut String) -> bool {
    if c.is_uppercase() {
        o.extend(c.to_lowercase());
    } else if c.is_lowercase() {
        o.extend(c.to_uppercase());
    } else {
        o.push(c);
    }
    false
}

/// `c`'s titlecase mapping: its uppercase one but where Unicode says
/// otherwise (digraphs such as 'ǆ' → 'ǅ', 'ß' → "Ss", Greek with
/// ypogegrammeni, Georgian letters that stay as they are).
fn push_title(c: char, o: &mut String) {
    use crate::vm::unicode_case::{TITLE, lookup};
    match lookup(&TITLE, c) {
        Some(t) => o.push_str(t),
        None => o.extend(c.to_uppercase()),
    }
}

/// A titlecase letter (category Lt, e.g. 'ǅ'): cased, neither upper- nor
/// lowercase.
fn is_titlecase(c: char) -> bool {
    crate::vm::unicode_case::TITLECASE_LETTERS
        .binary_search(&(c as u32))
        .is_ok()
}

fn title(c: char, prev: bool, o: &mut String) -> bool {
    let cased = c.is_uppercase() || c.is_lowercase() || is_titlecase(c);
    if prev {
        o.extend(c.to_lowercase());
    } else {
        push_title(c, o);
    }
    // CPython's previous_is_cased: only a cased character continues a
    // word ("they're" → "They'Re").
    cased
}

fn capitalize_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let first = std::cell::Cell::new(true);
    map_chars(
        vm,
        a,
        t,
        "capitalize",
        &|c: char, _: bool, o: &mut String| {
            if first.get() {
                push_title(c, o);
                first.set(false);
            } else {
                o.extend(c.to_lowercase());
            }
            false
        },
    )
}

fn s_upper(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, Text::Str, "upper", &upper)
}

fn s_lower(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, Text::Str, "lower", &lower)
}

fn s_casefold(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    use crate::vm::unicode_case::{FOLD, lookup};
    map_chars(
        vm,
        &a,
        Text::Str,
        "casefold",
        &|c: char, _: bool, o: &mut String| {
            match lookup(&FOLD, c) {
                Some(f) => o.push_str(f),
                None => o.extend(c.to_lowercase()),
            }
            false
        },
    )
}

fn s_swapcase(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, Text::Str, "swapcase", &swapcase)
}

fn s_title(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    map_chars(vm, &a, Text::Str, "title", &title)
}

fn s_capitalize(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    capitalize_impl(vm, &a, Text::Str)
}

/// A predicate true when every unit satisfies `f` (given the unit as a
/// char, see [`Text::ch`]); `empty` for the empty receiver.
fn pred(
    vm: &Vm,
    a: &Args<'_>,
    t: Text,
    name: &str,
    empty: bool,
    f: fn(u32, char) -> bool,
) -> PyResult<Value> {
    meth_args(vm, name, a, 0, 0)?;
    let b = t.recv(vm, a, name)?.b;
    if b.is_empty() {
        return Ok(Value::Bool(empty));
    }
    Ok(Value::Bool(units(t, b).iter().all(|u| f(u.2, t.ch(u.2)))))
}

fn ch(cp: u32) -> char {
    char::from_u32(cp).unwrap_or('\u{FFFD}')
}

// The classes by CPython's tables (a unit as `Text::ch` gives it: a byte
// past ASCII is in none).

fn class(table: &[(u32, u32)], k: char) -> bool {
    crate::vm::unicode_classes::in_ranges(table, k as u32)
}

fn is_digit(_: u32, k: char) -> bool {
    class(&crate::vm::unicode_classes::DIGIT, k)
}

fn is_alpha(_: u32, k: char) -> bool {
    class(&crate::vm::unicode_classes::ALPHA, k)
}

/// CPython's isalnum: alpha, decimal, digit or numeric.
fn is_alnum(_: u32, k: char) -> bool {
    use crate::vm::unicode_classes::{ALPHA, NUMERIC};
    class(&ALPHA, k) || class(&NUMERIC, k)
}

fn is_ascii(c: u32, _: char) -> bool {
    c < 0x80
}

fn s_isdigit(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isdigit", false, is_digit)
}

fn s_isdecimal(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isdecimal", false, |_, k| {
        class(&crate::vm::unicode_classes::DECIMAL, k)
    })
}

fn s_isnumeric(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isnumeric", false, |_, k| {
        class(&crate::vm::unicode_classes::NUMERIC, k)
    })
}

fn s_isalpha(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isalpha", false, is_alpha)
}

fn s_isalnum(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isalnum", false, is_alnum)
}

fn s_isspace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isspace", false, |c, _| is_space(c))
}

fn s_isascii(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isascii", true, is_ascii)
}

fn s_isprintable(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pred(vm, &a, Text::Str, "isprintable", true, |c, _| {
        crate::vm::unicode_printable::is_printable(c)
    })
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

/// isupper (`upper`) or islower: some unit of that case, none of the other.
fn is_case(vm: &Vm, a: &Args<'_>, t: Text, name: &str, upper: bool) -> PyResult<Value> {
    meth_args(vm, name, a, 0, 0)?;
    let b = t.recv(vm, a, name)?.b;
    let (mut this_case, mut other) = (false, false);
    for u in units(t, b) {
        let c = t.ch(u.2);
        this_case |= if upper {
            c.is_uppercase()
        } else {
            c.is_lowercase()
        };
        other |= is_titlecase(c)
            || if upper {
                c.is_lowercase()
            } else {
                c.is_uppercase()
            };
    }
    Ok(Value::Bool(this_case && !other))
}

fn s_isupper(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    is_case(vm, &a, Text::Str, "isupper", true)
}

fn s_islower(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    is_case(vm, &a, Text::Str, "islower", false)
}

fn istitle_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    meth_args(vm, "istitle", a, 0, 0)?;
    let b = t.recv(vm, a, "istitle")?.b;
    let mut prev_cased = false;
    let mut any = false;
    for u in units(t, b) {
        let c = t.ch(u.2);
        if c.is_uppercase() || is_titlecase(c) {
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

fn s_istitle(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    istitle_impl(vm, &a, Text::Str)
}

fn replace_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let p = a.pos();
    let n = p.len().saturating_sub(1);
    if !(2..=3).contains(&n) {
        let (least, bound) = if n < 2 { (true, 2) } else { (false, 3) };
        return Err(vm.type_error(match (t, least) {
            (Text::Str, true) => {
                format!("replace() takes at least 2 positional arguments ({n} given)")
            }
            (Text::Str, false) => format!("replace() takes at most 3 arguments ({n} given)"),
            (Text::Bytes, true) => format!("replace expected at least {bound} arguments, got {n}"),
            (Text::Bytes, false) => format!("replace expected at most {bound} arguments, got {n}"),
        }));
    }
    let b = t.recv(vm, a, "replace")?.b;
    let ob = t.arg(vm, &p[1], "replace() argument 1 must be str")?;
    let nb = t.arg(vm, &p[2], "replace() argument 2 must be str")?;
    let mut count = match p.get(3).or(a.kwarg("count")) {
        Some(v) => int_arg(vm, v)?,
        None => -1,
    };
    let mut out = Vec::with_capacity(b.len());
    if ob.is_empty() {
        // Insert between units.
        let mut i = 0;
        if count != 0 {
            out.extend_from_slice(nb);
            count -= 1;
        }
        while i < b.len() {
            let n = t.at(b, i).1;
            out.extend_from_slice(&b[i..i + n]);
            i += n;
            if count != 0 && i <= b.len() {
                out.extend_from_slice(nb);
                count -= 1;
            }
        }
        return t.make(vm, &out);
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
    t.make(vm, &out)
}

fn s_replace(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    replace_impl(vm, &a, Text::Str)
}

fn pad_impl(vm: &Vm, a: &Args<'_>, t: Text, name: &str, align: char) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 2)?;
    let r = t.recv(vm, a, name)?;
    let width = int_arg(vm, &p[1])?;
    if width > crate::vm::format::MAX_BUILT_WIDTH as i64 {
        return Err(vm.memory_error());
    }
    let fill: &[u8] = match (p.get(2), t) {
        (None, _) => b" ",
        (Some(f), Text::Str) => {
            let fs = str_arg(vm, f, "The fill character must be a unicode character")?;
            if fs.len() != 1 {
                return Err(vm.type_error("The fill character must be exactly one character long"));
            }
            fs.as_bytes()
        }
        (Some(f), Text::Bytes) => match bytes_of(f) {
            Some(fb) if fb.len() == 1 => fb,
            _ => {
                return Err(vm.type_error(format!(
                    "{name}() argument 2 must be a byte string of length 1, not {}",
                    vm.type_name(f)
                )));
            }
        },
    };
    let n = r.len as i64;
    if width <= n {
        return Ok(a.all[0].clone());
    }
    let total = (width - n) as usize;
    let (l, rt) = match align {
        '<' => (0, total),
        '>' => (total, 0),
        _ => {
            // CPython's center: left gets the extra when width is odd and
            // the string length is odd.
            let left = total / 2 + (total & (width as usize) & 1);
            (left, total - left)
        }
    };
    let mut out = fill.repeat(l);
    out.extend_from_slice(r.b);
    out.extend_from_slice(&fill.repeat(rt));
    t.make(vm, &out)
}

fn s_center(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, Text::Str, "center", '^')
}

fn s_ljust(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, Text::Str, "ljust", '<')
}

fn s_rjust(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    pad_impl(vm, &a, Text::Str, "rjust", '>')
}

fn zfill_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let p = meth_args(vm, "zfill", a, 1, 1)?;
    let r = t.recv(vm, a, "zfill")?;
    let width = int_arg(vm, &p[1])?;
    if width > crate::vm::format::MAX_BUILT_WIDTH as i64 {
        return Err(vm.memory_error());
    }
    let n = r.len as i64;
    if width <= n {
        return Ok(a.all[0].clone());
    }
    let b = r.b;
    let (sign, rest) = match b.first() {
        Some(b'+' | b'-') => (&b[..1], &b[1..]),
        _ => (&b[..0], b),
    };
    let mut out = sign.to_vec();
    out.extend(std::iter::repeat_n(b'0', (width - n) as usize));
    out.extend_from_slice(rest);
    t.make(vm, &out)
}

fn s_zfill(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    zfill_impl(vm, &a, Text::Str)
}

fn partition_impl(vm: &Vm, a: &Args<'_>, t: Text, name: &str, rev: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 1)?;
    let b = t.recv(vm, a, name)?.b;
    let sep = t.arg(vm, &p[1], "must be str")?;
    if sep.is_empty() {
        return Err(vm.value_error("empty separator"));
    }
    let found = if rev {
        str_rfind_bytes(b, sep)
    } else {
        str_find(b, sep)
    };
    let parts = match found {
        Some(i) => vec![
            t.make(vm, &b[..i])?,
            p[1].clone(),
            t.make(vm, &b[i + sep.len()..])?,
        ],
        None => {
            if rev {
                vec![t.make(vm, b"")?, t.make(vm, b"")?, a.all[0].clone()]
            } else {
                vec![a.all[0].clone(), t.make(vm, b"")?, t.make(vm, b"")?]
            }
        }
    };
    vm.new_tuple(parts)
}

fn s_partition(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    partition_impl(vm, &a, Text::Str, "partition", false)
}

fn s_rpartition(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    partition_impl(vm, &a, Text::Str, "rpartition", true)
}

fn remove_affix(vm: &Vm, a: &Args<'_>, t: Text, name: &str, suffix: bool) -> PyResult<Value> {
    let p = meth_args(vm, name, a, 1, 1)?;
    let b = t.recv(vm, a, name)?.b;
    let x = match t {
        Text::Str => clinic_str(vm, &p[1], &format!("{name}() argument"))?,
        Text::Bytes => t.arg(vm, &p[1], "")?,
    };
    let rest = if suffix {
        b.strip_suffix(x).filter(|_| !x.is_empty())
    } else {
        b.strip_prefix(x).filter(|_| !x.is_empty())
    };
    match rest {
        Some(r) => t.make(vm, r),
        None => Ok(a.all[0].clone()),
    }
}

fn s_removeprefix(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    remove_affix(vm, &a, Text::Str, "removeprefix", false)
}

fn s_removesuffix(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    remove_affix(vm, &a, Text::Str, "removesuffix", true)
}

fn expandtabs_impl(vm: &Vm, a: &Args<'_>, t: Text) -> PyResult<Value> {
    let b = t.recv(vm, a, "expandtabs")?.b;
    at_most_one(vm, a, "expandtabs")?;
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
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = t.at(b, i);
        match cp {
            0x09 => {
                if tab > 0 {
                    let k = tab - col % tab;
                    out.extend(std::iter::repeat_n(b' ', k as usize));
                    col += k;
                }
            }
            0x0A | 0x0D => {
                out.push(cp as u8);
                col = 0;
            }
            _ => {
                out.extend_from_slice(&b[i..i + n]);
                col += 1;
            }
        }
        i += n;
    }
    t.make(vm, &out)
}

fn s_expandtabs(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    expandtabs_impl(vm, &a, Text::Str)
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

/// `str.maketrans(x[, y[, z]])`, a static method: the dict `translate`
/// takes (code points to code points, strs or None).
fn s_maketrans(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.is_empty() || p.len() > 3 || !a.no_kw() {
        return Err(vm.type_error(format!(
            "maketrans expected at {}, got {}",
            if p.is_empty() {
                "least 1 argument"
            } else {
                "most 3 arguments"
            },
            p.len()
        )));
    }
    let out = Value::Obj(vm.new_dict()?);
    let ord = |c: u32| Value::Int(i64::from(c));
    if p.len() == 1 {
        let Some(ObjKind::Dict(d)) = p[0].as_obj().map(|o| &o.kind) else {
            return Err(
                vm.type_error("if you give only one argument to maketrans it must be a dict")
            );
        };
        let items: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in items {
            let key = match k.as_str() {
                Some(s) if s.len() == 1 => ord(code_points(s.as_bytes()).next().unwrap_or(0)),
                Some(_) => {
                    return Err(
                        vm.value_error("string keys in translate table must be of length 1")
                    );
                }
                None if crate::vm::int::is_int(&k) => k,
                None => {
                    return Err(
                        vm.type_error("keys in translate table must be strings or integers")
                    );
                }
            };
            vm.setitem(&out, &key, v)?;
        }
        return Ok(out);
    }
    let x = clinic_str(vm, &p[0], "maketrans() argument 1")?;
    let y = clinic_str(vm, &p[1], "maketrans() argument 2")?;
    let (xs, ys): (Vec<u32>, Vec<u32>) = (code_points(x).collect(), code_points(y).collect());
    if xs.len() != ys.len() {
        return Err(vm.value_error("the first two maketrans arguments must have equal length"));
    }
    for (f, t) in xs.into_iter().zip(ys) {
        vm.setitem(&out, &ord(f), ord(t))?;
    }
    if let Some(z) = p.get(2) {
        for c in code_points(clinic_str(vm, z, "maketrans() argument 3")?) {
            vm.setitem(&out, &ord(c), Value::None)?;
        }
    }
    Ok(out)
}

/// `s.translate(table)`: each character looked up in `table` by its code
/// point (`table[ord(c)]`): a lookup error keeps it, None deletes it, an
/// int or a str replaces it.
fn s_translate(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "translate", &a, 1, 1)?;
    let s = this(vm, &a, "translate")?;
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = decode_at(b, i);
        match vm.getitem(&p[1], &Value::Int(i64::from(cp))) {
            Ok(Value::None) => {}
            Ok(v) => {
                if let Some(t) = v.as_str() {
                    out.extend_from_slice(t.as_bytes());
                } else if crate::vm::int::is_int(&v) {
                    let c = vm.index_of(&v, "").ok().flatten();
                    match c
                        .and_then(|c| u32::try_from(c).ok())
                        .filter(|c| *c < 0x11_0000)
                    {
                        Some(c) => crate::vm::parser::push_code_point(&mut out, c),
                        None => {
                            return Err(
                                vm.value_error("character mapping must be in range(0x110000)")
                            );
                        }
                    }
                } else {
                    return Err(vm.type_error("character mapping must return integer, None or str"));
                }
            }
            Err(e) if vm.exc_matches(&e, "LookupError") => out.extend_from_slice(&b[i..i + n]),
            Err(e) => return Err(e),
        }
        i += n;
    }
    vm.new_str_bytes(&out)
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
        } else if let Some(o) = m.strip_prefix(crate::vm::format::OVERFLOW_ERROR) {
            vm.overflow_error(o)
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
            let name = if matches!(v, Value::Bool(_)) {
                "bool"
            } else {
                "int"
            };
            format_int(&crate::vm::int::to_bigint(v).unwrap_or_default(), &s, name)
                .map_err(spec_err)?
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
                format_int(b, &s, "int").map_err(spec_err)?
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
    if let Some(b) = bytes_of(fmt) {
        // Bytes formatting runs on the bytes as Latin-1 text: every piece
        // it inserts is Latin-1 (bytes) or ASCII, so the text goes back to
        // bytes one char per byte.
        let f: String = b.iter().map(|&x| char::from(x)).collect();
        let out = percent_core(vm, &f, args, Text::Bytes)?;
        let bytes: Vec<u8> = out.chars().map(|c| c as u32 as u8).collect();
        return vm.new_bytes(&bytes);
    }
    let f = fmt
        .as_str()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let out = percent_core(vm, &f, args, Text::Str)?;
    vm.new_str(&out)
}

/// A bytes-formatting operand of `%s`/`%b` as Latin-1 text: bytes, or
/// what its `__bytes__` gives.
fn percent_bytes_arg(vm: &Vm, v: &Value) -> PyResult<String> {
    let latin1 = |b: &[u8]| b.iter().map(|&x| char::from(x)).collect::<String>();
    if let Some(b) = bytes_of(v) {
        return Ok(latin1(b));
    }
    if let Some(f) = vm.lookup_special(v, "__bytes__") {
        let r = vm.call_special(&f, v, &[])?;
        if let Some(b) = bytes_of(&r) {
            return Ok(latin1(b));
        }
        return Err(vm.type_error(format!(
            "__bytes__ returned non-bytes (type {})",
            vm.type_name(&r)
        )));
    }
    Err(vm.type_error(format!(
        "%b requires a bytes-like object, or an object that implements __bytes__, not '{}'",
        vm.type_name(v)
    )))
}

/// `%`-formatting of `f` (a str's text, or bytes as Latin-1 text).
fn percent_core(vm: &Vm, f: &str, args: &Value, t: Text) -> PyResult<String> {
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
            let key = match t {
                Text::Str => vm.new_str(key)?,
                Text::Bytes => {
                    vm.new_bytes(&key.chars().map(|c| c as u32 as u8).collect::<Vec<u8>>())?
                }
            };
            arg = Some(vm.getitem(args, &key)?);
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
                ('s', Value::Obj(o))
                    if t == Text::Str
                        && let ObjKind::Str(s) = &o.kind =>
                {
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
            's' | 'b' if t == Text::Bytes => {
                let s = vm.new_str(&percent_bytes_arg(vm, &v)?)?;
                let spec = format!("{align}{w}{pr}");
                vm.display_str(&format_value(vm, &s, &spec)?)
            }
            's' | 'r' | 'a' => {
                let s = match conv {
                    's' => vm.str_(&v)?,
                    'r' if t == Text::Str => vm.repr(&v)?,
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
            'c' if t == Text::Bytes => match (&v, bytes_of(&v)) {
                (_, Some(b)) if b.len() == 1 => char::from(b[0]).to_string(),
                (x, None) if crate::vm::int::is_int(x) => match vm.index_of(x, "").ok().flatten() {
                    Some(n @ 0..=255) => char::from(n as u8).to_string(),
                    _ => return Err(vm.overflow_error("%c arg not in range(256)")),
                },
                _ => {
                    return Err(
                        vm.type_error("%c requires an integer in range(256) or a single byte")
                    );
                }
            },
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
    // CPython's "dict" operand: subscriptable, not a tuple, not a str
    // (bytes formatting: not bytes); it may go unused.
    let dict_like = !matches!(
        (args.as_obj().map(|o| &o.kind), t),
        (Some(ObjKind::Tuple(_)), _)
            | (Some(ObjKind::Str(_)), Text::Str)
            | (Some(ObjKind::Bytes(_)), Text::Bytes)
    ) && vm.lookup_special(args, "__getitem__").is_some();
    if k < items.len() && !dict_like {
        return Err(vm.type_error(match t {
            Text::Str => "not all arguments converted during string formatting",
            Text::Bytes => "not all arguments converted during bytes formatting",
        }));
    }
    Ok(out)
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
    ("maketrans", s_maketrans),
    ("translate", s_translate),
    ("format", s_format),
    ("format_map", s_format_map),
    ("__len__", s_dunder_len),
    ("__contains__", s_dunder_contains),
    ("__getitem__", s_dunder_getitem),
    ("__format__", s_dunder_format),
];

fn bthis<'a>(vm: &Vm, a: &Args<'a>, name: &str) -> PyResult<&'a [u8]> {
    Ok(Text::Bytes.recv(vm, a, name)?.b)
}

pub(crate) fn b_decode(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let b = bthis(vm, &a, "decode")?;
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

/// `b.hex(sep=None, bytes_per_sep=1)`: two hex digits a byte, with `sep`
/// (one ASCII char) between groups of `bytes_per_sep` bytes counted from
/// the right (from the left when negative; 0: no separator).
fn b_hex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let b = bthis(vm, &a, "hex")?;
    let p = a.pos();
    if p.len() > 3 {
        return Err(vm.type_error(format!(
            "hex() takes at most 2 arguments ({} given)",
            p.len() - 1
        )));
    }
    let sep = p.get(1).or_else(|| a.kwarg("sep"));
    let per = match p.get(2).or_else(|| a.kwarg("bytes_per_sep")) {
        Some(v) => int_arg(vm, v)?,
        None => 1,
    };
    let sep = match sep {
        None => None,
        Some(v) => {
            let sb = match (v.as_str(), bytes_of(v)) {
                (Some(s), _) => s.as_bytes(),
                (None, Some(b)) => b,
                _ => {
                    return Err(
                        vm.type_error(format!("object of type '{}' has no len()", vm.type_name(v)))
                    );
                }
            };
            let units = v.as_str().map_or(sb.len(), |s| s.len());
            if units != 1 {
                return Err(vm.value_error("sep must be length 1."));
            }
            if !sb[0].is_ascii() {
                return Err(vm.value_error("sep must be ASCII."));
            }
            Some(sb[0])
        }
    };
    let group = per.unsigned_abs() as usize;
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if let Some(c) = sep
            && group > 0
            && i > 0
        {
            // Groups counted from the right unless `bytes_per_sep` < 0.
            let at = if per > 0 { b.len() - i } else { i };
            if at % group == 0 {
                s.push(char::from(c));
            }
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        s.push(char::from(HEX[usize::from(x >> 4)]));
        s.push(char::from(HEX[usize::from(x & 15)]));
    }
    vm.new_str(&s)
}

/// `bytes.fromhex(s)`, a class method.
fn b_fromhex(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = &a.pos()[1..];
    if p.len() != 1 || !a.no_kw() {
        return Err(vm.type_error(format!(
            "fromhex() takes exactly one argument ({} given)",
            p.len()
        )));
    }
    let s = str_arg(vm, &p[0], "fromhex() argument must be str")?.as_bytes();
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut i = 0;
    while i < s.len() {
        if t_space(s[i]) {
            i += 1;
            continue;
        }
        let bad = |at: usize| {
            vm.value_error(format!(
                "non-hexadecimal number found in fromhex() arg at position {}",
                cp_index(s, at)
            ))
        };
        let hi = digit(s[i]).ok_or_else(|| bad(i))?;
        let lo = s
            .get(i + 1)
            .and_then(|&c| digit(c))
            .ok_or_else(|| bad(i + 1))?;
        out.push(hi << 4 | lo);
        i += 2;
    }
    vm.new_bytes(&out)
}

/// ASCII whitespace, as `bytes.fromhex` skips it.
fn t_space(c: u8) -> bool {
    Text::Bytes.is_space(u32::from(c))
}

/// `bytes.maketrans(from, to)`: the 256-byte table mapping each byte of
/// `from` to the byte of `to` at its place.
fn b_maketrans(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() != 2 {
        return Err(vm.type_error(format!("maketrans expected 2 arguments, got {}", p.len())));
    }
    let from = Text::Bytes.arg(vm, &p[0], "")?;
    let to = Text::Bytes.arg(vm, &p[1], "")?;
    if from.len() != to.len() {
        return Err(vm.value_error("maketrans arguments must have same length"));
    }
    let mut table: Vec<u8> = (0..=255).collect();
    for (&f, &t) in from.iter().zip(to) {
        table[usize::from(f)] = t;
    }
    vm.new_bytes(&table)
}

/// `b.translate(table, delete=b'')`: each byte not in `delete` mapped
/// through `table` (None: kept).
fn b_translate(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() < 2 || p.len() > 3 {
        return Err(vm.type_error(format!(
            "translate expected at least 1 argument, got {}",
            p.len().saturating_sub(1)
        )));
    }
    let b = bthis(vm, &a, "translate")?;
    let table = match &p[1] {
        Value::None => None,
        v => {
            let t = Text::Bytes.arg(vm, v, "")?;
            if t.len() != 256 {
                return Err(vm.value_error("translation table must be 256 characters long"));
            }
            Some(t)
        }
    };
    let delete = match p.get(2).or(a.kwarg("delete")) {
        Some(v) => Text::Bytes.arg(vm, v, "")?,
        None => b"",
    };
    let out: Vec<u8> = b
        .iter()
        .filter(|c| !delete.contains(c))
        .map(|&c| table.map_or(c, |t| t[usize::from(c)]))
        .collect();
    vm.new_bytes(&out)
}

const B: Text = Text::Bytes;

native_fns! {
    b_find => |vm, a| find_value(find_impl(vm, a, B, "find", false)?);
    b_rfind => |vm, a| find_value(find_impl(vm, a, B, "rfind", true)?);
    b_index => |vm, a| index_value(vm, B, find_impl(vm, a, B, "index", false)?);
    b_rindex => |vm, a| index_value(vm, B, find_impl(vm, a, B, "rindex", true)?);
    b_count => |vm, a| count_impl(vm, a, B);
    b_startswith => |vm, a| startswith_impl(vm, a, B, "startswith", false);
    b_endswith => |vm, a| startswith_impl(vm, a, B, "endswith", true);
    b_strip => |vm, a| strip_impl(vm, a, B, "strip", true, true);
    b_lstrip => |vm, a| strip_impl(vm, a, B, "lstrip", true, false);
    b_rstrip => |vm, a| strip_impl(vm, a, B, "rstrip", false, true);
    b_split => |vm, a| split_impl(vm, a, B, "split", false);
    b_rsplit => |vm, a| split_impl(vm, a, B, "rsplit", true);
    b_splitlines => |vm, a| splitlines_impl(vm, a, B);
    b_join => |vm, a| join_impl(vm, a, B);
    b_upper => |vm, a| map_chars(vm, a, B, "upper", &upper);
    b_lower => |vm, a| map_chars(vm, a, B, "lower", &lower);
    b_swapcase => |vm, a| map_chars(vm, a, B, "swapcase", &swapcase);
    b_title => |vm, a| map_chars(vm, a, B, "title", &title);
    b_capitalize => |vm, a| capitalize_impl(vm, a, B);
    b_isdigit => |vm, a| pred(vm, a, B, "isdigit", false, is_digit);
    b_isalpha => |vm, a| pred(vm, a, B, "isalpha", false, is_alpha);
    b_isalnum => |vm, a| pred(vm, a, B, "isalnum", false, is_alnum);
    b_isspace => |vm, a| pred(vm, a, B, "isspace", false, |c, _| B.is_space(c));
    b_isascii => |vm, a| pred(vm, a, B, "isascii", true, is_ascii);
    b_isupper => |vm, a| is_case(vm, a, B, "isupper", true);
    b_islower => |vm, a| is_case(vm, a, B, "islower", false);
    b_istitle => |vm, a| istitle_impl(vm, a, B);
    b_replace => |vm, a| replace_impl(vm, a, B);
    b_center => |vm, a| pad_impl(vm, a, B, "center", '^');
    b_ljust => |vm, a| pad_impl(vm, a, B, "ljust", '<');
    b_rjust => |vm, a| pad_impl(vm, a, B, "rjust", '>');
    b_zfill => |vm, a| zfill_impl(vm, a, B);
    b_partition => |vm, a| partition_impl(vm, a, B, "partition", false);
    b_rpartition => |vm, a| partition_impl(vm, a, B, "rpartition", true);
    b_removeprefix => |vm, a| remove_affix(vm, a, B, "removeprefix", false);
    b_removesuffix => |vm, a| remove_affix(vm, a, B, "removesuffix", true);
    b_expandtabs => |vm, a| expandtabs_impl(vm, a, B);
}

/// Methods of `bytes`.
pub(crate) const BYTES_METHODS: &[(&str, NativeFn)] = &[
    ("decode", b_decode),
    ("hex", b_hex),
    ("fromhex", b_fromhex),
    ("maketrans", b_maketrans),
    ("translate", b_translate),
    ("find", b_find),
    ("rfind", b_rfind),
    ("index", b_index),
    ("rindex", b_rindex),
    ("count", b_count),
    ("startswith", b_startswith),
    ("endswith", b_endswith),
    ("strip", b_strip),
    ("lstrip", b_lstrip),
    ("rstrip", b_rstrip),
    ("split", b_split),
    ("rsplit", b_rsplit),
    ("splitlines", b_splitlines),
    ("join", b_join),
    ("upper", b_upper),
    ("lower", b_lower),
    ("swapcase", b_swapcase),
    ("title", b_title),
    ("capitalize", b_capitalize),
    ("isdigit", b_isdigit),
    ("isalpha", b_isalpha),
    ("isalnum", b_isalnum),
    ("isspace", b_isspace),
    ("isascii", b_isascii),
    ("isupper", b_isupper),
    ("islower", b_islower),
    ("istitle", b_istitle),
    ("replace", b_replace),
    ("center", b_center),
    ("ljust", b_ljust),
    ("rjust", b_rjust),
    ("zfill", b_zfill),
    ("partition", b_partition),
    ("rpartition", b_rpartition),
    ("removeprefix", b_removeprefix),
    ("removesuffix", b_removesuffix),
    ("expandtabs", b_expandtabs),
];
