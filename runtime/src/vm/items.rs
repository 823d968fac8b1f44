//! Subscription and iteration of builtin types (sequence and mapping
//! protocols), with CPython's messages.

use std::cell::RefCell;

use num_traits::Signed;

use super::dict::ViewKind;
use super::iter::IterState;
use super::object::{ObjKind, Value};
use super::ops::new_iter;
use super::state::{PyResult, Vm};

/// A resolved slice over a sequence of `len`: start, step and count.
pub(crate) struct SliceIdx {
    pub start: i64,
    pub step: i64,
    pub count: usize,
}

/// `slice.indices(len)` (`PySlice_AdjustIndices`).
pub(crate) fn slice_indices(vm: &Vm, s: &[Value; 3], len: usize) -> PyResult<SliceIdx> {
    let len = len as i64;
    let get = |v: &Value| -> PyResult<Option<i64>> {
        if v.is_none() {
            return Ok(None);
        }
        match vm.index_of(v, "")? {
            Some(i) => Ok(Some(i)),
            None => {
                // Big ints clamp.
                if let Some(b) = super::int::to_bigint(v) {
                    return Ok(Some(if b.is_negative() {
                        i64::MIN / 2
                    } else {
                        i64::MAX / 2
                    }));
                }
                Err(vm.type_error(
                    "slice indices must be integers or None or have an __index__ method",
                ))
            }
        }
    };
    let step = get(&s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    let (lower, upper) = if step < 0 { (-1, len - 1) } else { (0, len) };
    let clamp = |v: Option<i64>, def: i64| -> i64 {
        match v {
            None => def,
            Some(mut x) => {
                if x < 0 {
                    x += len;
                    if x < lower {
                        x = lower;
                    }
                } else if x > upper {
                    x = upper;
                }
                x
            }
        }
    };
    let start = clamp(get(&s[0])?, if step < 0 { upper } else { lower });
    let stop = clamp(get(&s[1])?, if step < 0 { lower } else { upper });
    let count = if step > 0 {
        if start < stop {
            ((stop - start - 1) / step + 1) as usize
        } else {
            0
        }
    } else if stop < start {
        ((start - stop - 1) / (-step) + 1) as usize
    } else {
        0
    };
    Ok(SliceIdx { start, step, count })
}

fn norm_index(vm: &Vm, key: &Value, len: usize, what: &str) -> PyResult<Option<usize>> {
    let Some(i) = vm.index_of(key, "")? else {
        return Err(vm.type_error(format!(
            "{what} indices must be integers or slices, not {}",
            vm.type_name(key)
        )));
    };
    let n = len as i64;
    let j = if i < 0 { i + n } else { i };
    Ok(if (0..n).contains(&j) {
        Some(j as usize)
    } else {
        None
    })
}

/// Indexes a str by code point.
fn str_index(b: &[u8], ascii: bool, i: usize) -> (usize, usize) {
    if ascii {
        return (i, i + 1);
    }
    let mut k = 0;
    let mut pos = 0;
    while pos < b.len() {
        let (_, n) = super::strrepr::decode_at(b, pos);
        if k == i {
            return (pos, pos + n);
        }
        k += 1;
        pos += n;
    }
    (b.len(), b.len())
}

/// `obj[key]`.
pub(crate) fn getitem(vm: &Vm, obj: &Value, key: &Value) -> PyResult<Value> {
    let Value::Obj(o) = obj else {
        return Err(vm.type_error(format!(
            "'{}' object is not subscriptable",
            vm.type_name(obj)
        )));
    };
    let slice = match key.as_obj().map(|k| &k.kind) {
        Some(ObjKind::Slice(s)) => Some(s),
        _ => None,
    };
    match &o.kind {
        ObjKind::List(l) => {
            if let Some(s) = slice {
                let items: Vec<Value> = {
                    let l = l.borrow();
                    let si = slice_indices(vm, s, l.len())?;
                    (0..si.count)
                        .map(|k| l[(si.start + k as i64 * si.step) as usize].clone())
                        .collect()
                };
                return vm.new_list(items);
            }
            let l = l.borrow();
            match norm_index(vm, key, l.len(), "list")? {
                Some(i) => Ok(l[i].clone()),
                None => Err(vm.index_error("list index out of range")),
            }
        }
        ObjKind::Tuple(t) => {
            if let Some(s) = slice {
                let si = slice_indices(vm, s, t.len())?;
                if si.start == 0 && si.step == 1 && si.count == t.len() {
                    return Ok(obj.clone());
                }
                let items: Vec<Value> = (0..si.count)
                    .map(|k| t[(si.start + k as i64 * si.step) as usize].clone())
                    .collect();
                return vm.new_tuple(items);
            }
            match norm_index(vm, key, t.len(), "tuple")? {
                Some(i) => Ok(t[i].clone()),
                None => Err(vm.index_error("tuple index out of range")),
            }
        }
        ObjKind::Str(st) => {
            let b = st.as_bytes();
            let ascii = st.is_ascii();
            if let Some(s) = slice {
                let si = slice_indices(vm, s, st.len())?;
                if ascii {
                    let mut out = Vec::with_capacity(si.count);
                    for k in 0..si.count {
                        out.push(b[(si.start + k as i64 * si.step) as usize]);
                    }
                    return vm.new_str_bytes(&out);
                }
                let cps: Vec<(usize, usize)> = {
                    let mut v = Vec::with_capacity(st.len());
                    let mut pos = 0;
                    while pos < b.len() {
                        let (_, n) = super::strrepr::decode_at(b, pos);
                        v.push((pos, n));
                        pos += n;
                    }
                    v
                };
                let mut out = Vec::new();
                for k in 0..si.count {
                    let (p, n) = cps[(si.start + k as i64 * si.step) as usize];
                    out.extend_from_slice(&b[p..p + n]);
                }
                return vm.new_str_bytes(&out);
            }
            match norm_index(vm, key, st.len(), "string")? {
                Some(i) => {
                    let (a, z) = str_index(b, ascii, i);
                    vm.new_str_bytes(&b[a..z])
                }
                None => Err(vm.index_error("string index out of range")),
            }
        }
        ObjKind::Bytes(bts) => {
            if let Some(s) = slice {
                let si = slice_indices(vm, s, bts.len())?;
                let out: Vec<u8> = (0..si.count)
                    .map(|k| bts[(si.start + k as i64 * si.step) as usize])
                    .collect();
                return vm.new_bytes(&out);
            }
            match norm_index(vm, key, bts.len(), "byte")? {
                Some(i) => Ok(Value::Int(i64::from(bts[i]))),
                None => Err(vm.index_error("index out of range")),
            }
        }
        ObjKind::Range(r) => {
            if let Some(s) = slice {
                let si = slice_indices(vm, s, r.len() as usize)?;
                let start = r.at(si.start);
                let step = r.step * si.step;
                let stop = start + step * si.count as i64;
                return Ok(Value::Obj(vm.alloc(ObjKind::Range(
                    super::iter::RangeObj { start, stop, step },
                ))?));
            }
            match norm_index(vm, key, r.len() as usize, "range")? {
                Some(i) => Ok(Value::Int(r.at(i as i64))),
                None => Err(vm.index_error("range object index out of range")),
            }
        }
        ObjKind::Dict(d) => match super::dict::get(vm, d, key)? {
            Some(v) => Ok(v),
            None => Err(vm.key_error(key.clone())),
        },
        ObjKind::Instance(_) | ObjKind::Exception(_) => {
            if let Some(f) = vm.user_special(obj, "__getitem__") {
                return vm.call_special(&f, obj, std::slice::from_ref(key));
            }
            Err(vm.type_error(format!(
                "'{}' object is not subscriptable",
                vm.type_name(obj)
            )))
        }
        ObjKind::Type(_) => {
            // list[int] and the like: generic aliases are outside the
            // subset; __class_getitem__ of Python classes works.
            if let Some(f) = vm.lookup_type(o, &vm.new_str("__class_getitem__")?) {
                let f = match &f {
                    Value::Obj(x) => match &x.kind {
                        ObjKind::ClassMethod(inner) => inner.clone(),
                        _ => f.clone(),
                    },
                    _ => f.clone(),
                };
                return vm.call(
                    &f,
                    super::func::Args::positional(&[obj.clone(), key.clone()]),
                );
            }
            // list[int], dict[str, int] …: a types.GenericAlias.
            if let Some(t) = super::typeobj::as_type(o)
                && t.builtin
                && matches!(
                    t.name.as_str(),
                    "list" | "dict" | "tuple" | "set" | "frozenset" | "type"
                )
            {
                let ga = super::modules::generics(vm, "GenericAlias")?;
                return vm.call(
                    &ga,
                    super::func::Args::positional(&[obj.clone(), key.clone()]),
                );
            }
            Err(vm.type_error(format!(
                "type '{}' is not subscriptable",
                vm.display_str(&vm.getattr(obj, &vm.names.name)?)
            )))
        }
        ObjKind::Native(_) => super::attrs::native_getitem(vm, obj, key),
        _ => Err(vm.type_error(format!(
            "'{}' object is not subscriptable",
            vm.type_name(obj)
        ))),
    }
}

/// `obj[key] = value`.
pub(crate) fn setitem(vm: &Vm, obj: &Value, key: &Value, value: Value) -> PyResult<()> {
    let Value::Obj(o) = obj else {
        return Err(vm.type_error(format!(
            "'{}' object does not support item assignment",
            vm.type_name(obj)
        )));
    };
    match &o.kind {
        ObjKind::List(l) => {
            if let Some(ObjKind::Slice(s)) = key.as_obj().map(|k| &k.kind) {
                // A value that cannot be iterated: CPython's message
                // (`PySequence_Fast`), whatever the slice.
                let items = match value.as_obj().map(|o| &o.kind) {
                    Some(ObjKind::List(_) | ObjKind::Tuple(_)) => vm.to_vec(&value)?,
                    _ => match vm.iter(&value) {
                        Ok(it) => vm.to_vec(&it)?,
                        Err(e) if vm.exc_matches(&e, "TypeError") => {
                            return Err(vm.type_error("must assign iterable to extended slice"));
                        }
                        Err(e) => return Err(e),
                    },
                };
                let mut l = l.borrow_mut();
                let si = slice_indices(vm, s, l.len())?;
                if si.step == 1 {
                    let start = si.start.max(0) as usize;
                    let end = (start + si.count).min(l.len());
                    l.splice(start..end, items);
                    return Ok(());
                }
                if items.len() != si.count {
                    return Err(vm.value_error(format!(
                        "attempt to assign sequence of size {} to extended slice of size {}",
                        items.len(),
                        si.count
                    )));
                }
                for (k, v) in items.into_iter().enumerate() {
                    l[(si.start + k as i64 * si.step) as usize] = v;
                }
                return Ok(());
            }
            let old = {
                let mut l = l.borrow_mut();
                match norm_index(vm, key, l.len(), "list")? {
                    Some(i) => std::mem::replace(&mut l[i], value),
                    None => return Err(vm.index_error("list assignment index out of range")),
                }
            };
            drop(old);
            Ok(())
        }
        ObjKind::Dict(d) => super::dict::set(vm, d, key.clone(), value),
        ObjKind::Instance(_) | ObjKind::Exception(_) => {
            if let Some(f) = vm.user_special(obj, "__setitem__") {
                vm.call_special(&f, obj, &[key.clone(), value])?;
                return Ok(());
            }
            Err(vm.type_error(format!(
                "'{}' object does not support item assignment",
                vm.type_name(obj)
            )))
        }
        ObjKind::Native(_) => super::attrs::native_setitem(vm, obj, key, value),
        _ => Err(vm.type_error(format!(
            "'{}' object does not support item assignment",
            vm.type_name(obj)
        ))),
    }
}

/// `del obj[key]`.
pub(crate) fn delitem(vm: &Vm, obj: &Value, key: &Value) -> PyResult<()> {
    let Value::Obj(o) = obj else {
        return Err(vm.type_error(format!(
            "'{}' object doesn't support item deletion",
            vm.type_name(obj)
        )));
    };
    match &o.kind {
        ObjKind::List(l) => {
            if let Some(ObjKind::Slice(s)) = key.as_obj().map(|k| &k.kind) {
                let removed: Vec<Value> = {
                    let mut l = l.borrow_mut();
                    let si = slice_indices(vm, s, l.len())?;
                    let mut idx: Vec<usize> = (0..si.count)
                        .map(|k| (si.start + k as i64 * si.step) as usize)
                        .collect();
                    idx.sort_unstable();
                    let mut out = Vec::new();
                    for i in idx.into_iter().rev() {
                        out.push(l.remove(i));
                    }
                    out
                };
                drop(removed);
                return Ok(());
            }
            let old = {
                let mut l = l.borrow_mut();
                match norm_index(vm, key, l.len(), "list")? {
                    Some(i) => l.remove(i),
                    None => return Err(vm.index_error("list assignment index out of range")),
                }
            };
            drop(old);
            Ok(())
        }
        ObjKind::Dict(d) => match super::dict::remove(vm, d, key)? {
            Some(_) => Ok(()),
            None => Err(vm.key_error(key.clone())),
        },
        ObjKind::Instance(_) | ObjKind::Exception(_) => {
            if let Some(f) = vm.user_special(obj, "__delitem__") {
                vm.call_special(&f, obj, std::slice::from_ref(key))?;
                return Ok(());
            }
            Err(vm.type_error(format!(
                "'{}' object doesn't support item deletion",
                vm.type_name(obj)
            )))
        }
        _ => Err(vm.type_error(format!(
            "'{}' object doesn't support item deletion",
            vm.type_name(obj)
        ))),
    }
}

/// `iter(v)`.
pub(crate) fn iter(vm: &Vm, v: &Value) -> PyResult<Value> {
    let not_iterable = || vm.type_error(format!("'{}' object is not iterable", vm.type_name(v)));
    let Value::Obj(o) = v else {
        return Err(not_iterable());
    };
    let st = match &o.kind {
        ObjKind::List(_) => IterState::Seq {
            seq: v.clone(),
            idx: 0,
            name: "list_iterator",
        },
        ObjKind::Tuple(_) => IterState::Seq {
            seq: v.clone(),
            idx: 0,
            name: "tuple_iterator",
        },
        ObjKind::Bytes(_) => IterState::Seq {
            seq: v.clone(),
            idx: 0,
            name: "bytes_iterator",
        },
        ObjKind::Str(_) => IterState::Str {
            s: v.clone(),
            pos: 0,
        },
        ObjKind::Range(r) => IterState::Range {
            cur: r.start,
            left: r.len(),
            step: r.step,
        },
        ObjKind::Dict(d) => IterState::Dict {
            d: v.clone(),
            pos: 0,
            kind: ViewKind::Keys,
            len: d.borrow().len(),
        },
        ObjKind::DictView(d, k) => {
            let len = match d.as_obj().map(|x| &x.kind) {
                Some(ObjKind::Dict(dd)) => dd.borrow().len(),
                _ => 0,
            };
            IterState::Dict {
                d: d.clone(),
                pos: 0,
                kind: *k,
                len,
            }
        }
        ObjKind::Set(s) => IterState::Set {
            s: v.clone(),
            pos: 0,
            len: s.borrow().len(),
        },
        ObjKind::FrozenSet(s) => IterState::Set {
            s: v.clone(),
            pos: 0,
            len: s.len(),
        },
        ObjKind::Iter(_) | ObjKind::Generator(_) => return Ok(v.clone()),
        ObjKind::Instance(_) | ObjKind::Exception(_) => {
            if let Some(f) = vm.user_special(v, "__iter__") {
                let it = vm.call_special(&f, v, &[])?;
                if vm.user_special(&it, "__next__").is_none()
                    && !matches!(
                        it.as_obj().map(|x| &x.kind),
                        Some(ObjKind::Iter(_) | ObjKind::Generator(_))
                    )
                {
                    return Err(vm.type_error(format!(
                        "iter() returned non-iterator of type '{}'",
                        vm.type_name(&it)
                    )));
                }
                return Ok(it);
            }
            if vm.user_special(v, "__getitem__").is_some() {
                // The old sequence protocol: index until IndexError.
                return new_iter(
                    vm,
                    IterState::Indexed {
                        seq: v.clone(),
                        idx: 0,
                    },
                );
            }
            return Err(not_iterable());
        }
        ObjKind::Native(_) => return super::attrs::native_iter(vm, v),
        _ => return Err(not_iterable()),
    };
    new_iter(vm, st)
}

/// `next(it)`: None when exhausted (StopIteration).
pub(crate) fn next(vm: &Vm, it: &Value) -> PyResult<Option<Value>> {
    let Value::Obj(o) = it else {
        return Err(vm.type_error(format!("'{}' object is not an iterator", vm.type_name(it))));
    };
    match &o.kind {
        ObjKind::Iter(st) => iter_next(vm, st),
        ObjKind::Generator(_) => super::gen_support::gen_next(vm, o),
        ObjKind::Instance(_) | ObjKind::Exception(_) => match vm.user_special(it, "__next__") {
            Some(f) => match vm.call_special(&f, it, &[]) {
                Ok(v) => Ok(Some(v)),
                Err(e) if vm.exc_matches(&e, "StopIteration") => Ok(None),
                Err(e) => Err(e),
            },
            None => Err(vm.type_error(format!("'{}' object is not an iterator", vm.type_name(it)))),
        },
        ObjKind::Native(_) => super::attrs::native_next(vm, it),
        _ => Err(vm.type_error(format!("'{}' object is not an iterator", vm.type_name(it)))),
    }
}

fn iter_next(vm: &Vm, cell: &RefCell<IterState>) -> PyResult<Option<Value>> {
    // Simple states advance with the borrow held (no Python code runs).
    {
        let mut st = cell.borrow_mut();
        match &mut *st {
            IterState::Done => return Ok(None),
            IterState::Range { cur, left, step } => {
                if *left <= 0 {
                    return Ok(None);
                }
                let v = *cur;
                *cur = cur.wrapping_add(*step);
                *left -= 1;
                return Ok(Some(Value::Int(v)));
            }
            IterState::Seq { seq, idx, .. } => {
                let v = match seq.as_obj().map(|o| &o.kind) {
                    Some(ObjKind::List(l)) => l.borrow().get(*idx).cloned(),
                    Some(ObjKind::Tuple(t)) => t.get(*idx).cloned(),
                    Some(ObjKind::Bytes(b)) => b.get(*idx).map(|x| Value::Int(i64::from(*x))),
                    _ => None,
                };
                match v {
                    Some(v) => {
                        *idx += 1;
                        return Ok(Some(v));
                    }
                    None => {
                        *st = IterState::Done;
                        return Ok(None);
                    }
                }
            }
            IterState::Str { s, pos } => {
                let r = match s.as_str() {
                    Some(ps) if *pos < ps.as_bytes().len() => {
                        let (_, n) = super::strrepr::decode_at(ps.as_bytes(), *pos);
                        let piece = ps.as_bytes()[*pos..*pos + n].to_vec();
                        *pos += n;
                        Some(piece)
                    }
                    _ => None,
                };
                return match r {
                    Some(p) => {
                        drop(st);
                        Ok(Some(vm.new_str_bytes(&p)?))
                    }
                    None => {
                        *st = IterState::Done;
                        Ok(None)
                    }
                };
            }
            IterState::Dict { d, pos, kind, len } => {
                let Some(ObjKind::Dict(dd)) = d.as_obj().map(|o| &o.kind) else {
                    return Ok(None);
                };
                let db = dd.borrow();
                if db.len() != *len {
                    *len = usize::MAX;
                    drop(db);
                    return Err(vm.runtime_error("dictionary changed size during iteration"));
                }
                while *pos < db.entries_len() {
                    let i = *pos;
                    *pos += 1;
                    if let Some(e) = db.entry_at(i) {
                        let (k, v) = (e.key.clone(), e.value.clone());
                        let kind = *kind;
                        drop(db);
                        drop(st);
                        return Ok(Some(match kind {
                            ViewKind::Keys => k,
                            ViewKind::Values => v,
                            ViewKind::Items => vm.new_tuple(vec![k, v])?,
                        }));
                    }
                }
                drop(db);
                *st = IterState::Done;
                return Ok(None);
            }
            IterState::Set { s, pos, len } => {
                let r = match s.as_obj().map(|o| &o.kind) {
                    Some(ObjKind::Set(c)) => {
                        let b = c.borrow();
                        if b.len() != *len {
                            drop(b);
                            return Err(vm.runtime_error("Set changed size during iteration"));
                        }
                        let mut out = None;
                        while *pos < b.table.len() {
                            let i = *pos;
                            *pos += 1;
                            if !b.table[i].key.is_undef() {
                                out = Some(b.table[i].key.clone());
                                break;
                            }
                        }
                        out
                    }
                    Some(ObjKind::FrozenSet(fs)) => {
                        let mut out = None;
                        while *pos < fs.table.len() {
                            let i = *pos;
                            *pos += 1;
                            if !fs.table[i].key.is_undef() {
                                out = Some(fs.table[i].key.clone());
                                break;
                            }
                        }
                        out
                    }
                    _ => None,
                };
                if r.is_none() {
                    *st = IterState::Done;
                }
                return Ok(r);
            }
            _ => {}
        }
    }
    // States that call back into Python: clone what is needed first.
    let snapshot = {
        let st = cell.borrow();
        match &*st {
            IterState::Enumerate { it, n } => Some((1, vec![it.clone(), n.clone()])),
            IterState::Zip { its, .. } => Some((2, its.clone())),
            IterState::Map { f, its } => {
                let mut v = vec![f.clone()];
                v.extend(its.iter().cloned());
                Some((3, v))
            }
            IterState::Filter { f, it } => Some((4, vec![f.clone(), it.clone()])),
            IterState::Reversed { seq, idx } => Some((5, vec![seq.clone(), Value::Int(*idx)])),
            IterState::Call { f, sentinel } => Some((6, vec![f.clone(), sentinel.clone()])),
            IterState::Indexed { seq, idx } => Some((7, vec![seq.clone(), Value::Int(*idx)])),
            _ => None,
        }
    };
    let Some((kind, vals)) = snapshot else {
        return Ok(None);
    };
    let done = |cell: &RefCell<IterState>| {
        *cell.borrow_mut() = IterState::Done;
    };
    match kind {
        1 => match vm.next(&vals[0])? {
            Some(x) => {
                let n = vals[1].clone();
                let n1 = vm.binary_op(&n, &Value::Int(1), super::code::BinKind::Add, false)?;
                if let IterState::Enumerate { n: slot, .. } = &mut *cell.borrow_mut() {
                    *slot = n1;
                }
                Ok(Some(vm.new_tuple(vec![n, x])?))
            }
            None => {
                done(cell);
                Ok(None)
            }
        },
        2 => {
            let strict = matches!(&*cell.borrow(), IterState::Zip { strict: true, .. });
            if vals.is_empty() {
                done(cell);
                return Ok(None);
            }
            let mut out = Vec::with_capacity(vals.len());
            for (i, it) in vals.iter().enumerate() {
                match vm.next(it)? {
                    Some(x) => out.push(x),
                    None => {
                        done(cell);
                        if strict {
                            if i > 0 {
                                return Err(vm.value_error(format!(
                                    "zip() argument {} is shorter than argument{} 1{}",
                                    i + 1,
                                    if i > 1 { "s" } else { "" },
                                    if i > 1 {
                                        format!("-{i}")
                                    } else {
                                        String::new()
                                    }
                                )));
                            }
                            for (j, rest) in vals.iter().enumerate().skip(1) {
                                if vm.next(rest)?.is_some() {
                                    return Err(vm.value_error(format!(
                                        "zip() argument {} is longer than argument{} 1{}",
                                        j + 1,
                                        if j > 1 { "s" } else { "" },
                                        if j > 1 {
                                            format!("-{j}")
                                        } else {
                                            String::new()
                                        }
                                    )));
                                }
                            }
                        }
                        return Ok(None);
                    }
                }
            }
            Ok(Some(vm.new_tuple(out)?))
        }
        3 => {
            let mut args = Vec::with_capacity(vals.len() - 1);
            for it in &vals[1..] {
                match vm.next(it)? {
                    Some(x) => args.push(x),
                    None => {
                        done(cell);
                        return Ok(None);
                    }
                }
            }
            Ok(Some(
                vm.call(&vals[0], super::func::Args::positional(&args))?,
            ))
        }
        4 => loop {
            match vm.next(&vals[1])? {
                Some(x) => {
                    let keep = if vals[0].is_none() {
                        vm.truthy(&x)?
                    } else {
                        let r = vm.call(
                            &vals[0],
                            super::func::Args::positional(std::slice::from_ref(&x)),
                        )?;
                        vm.truthy(&r)?
                    };
                    if keep {
                        return Ok(Some(x));
                    }
                }
                None => {
                    done(cell);
                    return Ok(None);
                }
            }
        },
        5 => {
            let Value::Int(idx) = vals[1] else {
                return Ok(None);
            };
            if idx < 0 {
                done(cell);
                return Ok(None);
            }
            let len = vm.len(&vals[0])? as i64;
            if idx >= len {
                done(cell);
                return Ok(None);
            }
            let v = vm.getitem(&vals[0], &Value::Int(idx))?;
            if let IterState::Reversed { idx: slot, .. } = &mut *cell.borrow_mut() {
                *slot = idx - 1;
            }
            Ok(Some(v))
        }
        6 => {
            let v = vm.call(&vals[0], super::func::Args::positional(&[]))?;
            if vm.eq(&v, &vals[1])? {
                done(cell);
                return Ok(None);
            }
            Ok(Some(v))
        }
        7 => {
            let Value::Int(idx) = vals[1] else {
                return Ok(None);
            };
            match vm.getitem(&vals[0], &Value::Int(idx)) {
                Ok(v) => {
                    if let IterState::Indexed { idx: slot, .. } = &mut *cell.borrow_mut() {
                        *slot = idx + 1;
                    }
                    Ok(Some(v))
                }
                Err(e)
                    if vm.exc_matches(&e, "IndexError") || vm.exc_matches(&e, "StopIteration") =>
                {
                    done(cell);
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        _ => Ok(None),
    }
}
