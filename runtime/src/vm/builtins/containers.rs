//! Methods of list, tuple, dict, set, frozenset and the dict views
//! (Objects/listobject.c, tupleobject.c, dictobject.c, setobject.c), with
//! CPython's error messages.

use std::cell::RefCell;

use super::{int_arg, meth_args, new_set};
use crate::vm::code::{BinKind, CmpKind};
use crate::vm::dict::{self, Dict};
use crate::vm::func::{Args, NativeFn};
use crate::vm::heap::PyVec;
use crate::vm::object::{ObjKind, Value};
use crate::vm::set::{self, SetData};
use crate::vm::state::{PyResult, Vm};

fn list_of<'a>(vm: &Vm, v: &'a Value, name: &str) -> PyResult<&'a RefCell<PyVec<Value>>> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::List(l)) => Ok(l),
        _ => Err(vm.type_error(format!(
            "descriptor '{name}' for 'list' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))),
    }
}

fn dict_of<'a>(vm: &Vm, v: &'a Value, name: &str) -> PyResult<&'a RefCell<Dict>> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Dict(d)) => Ok(d),
        _ => Err(vm.type_error(format!(
            "descriptor '{name}' for 'dict' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))),
    }
}

/// The members of a set or frozenset value, with hashes.
fn set_members(v: &Value) -> Option<Vec<(Value, i64)>> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Set(s)) => Some(set::members(&s.borrow())),
        Some(ObjKind::FrozenSet(s)) => Some(set::members(s)),
        _ => None,
    }
}

/// Membership in a set or frozenset value.
fn set_has(vm: &Vm, s: &Value, key: &Value) -> PyResult<bool> {
    match s.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Set(c)) => set::contains(vm, c, key),
        Some(ObjKind::FrozenSet(f)) => {
            // A frozenset's table is immutable: probe a temporary cell view.
            let hash = vm.hash(key)?;
            for (m, h) in f.iter_hashed() {
                if h == hash && vm.eq(m, key)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

// ---- list ----------------------------------------------------------------------

/// `list.append` (the eval loop recognises it: `list_append_on_stack`).
pub(crate) fn list_append(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "append", &a, 1, 1)?;
    let l = list_of(vm, &p[0], "append")?;
    let mut b = l.borrow_mut();
    b.try_reserve(1).map_err(|_| vm.memory_error())?;
    b.push(p[1].clone());
    Ok(Value::None)
}

fn list_extend(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "extend", &a, 1, 1)?;
    let l = list_of(vm, &p[0], "extend")?;
    let items = vm.to_vec(&p[1])?;
    let mut b = l.borrow_mut();
    b.try_reserve(items.len()).map_err(|_| vm.memory_error())?;
    b.extend(items);
    Ok(Value::None)
}

fn list_insert(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "insert", &a, 2, 2)?;
    let l = list_of(vm, &p[0], "insert")?;
    let i = int_arg(vm, &p[1])?;
    let mut b = l.borrow_mut();
    let n = b.len() as i64;
    let at = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    b.try_reserve(1).map_err(|_| vm.memory_error())?;
    b.insert(at, p[2].clone());
    Ok(Value::None)
}

fn list_pop(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "pop", &a, 0, 1)?;
    let l = list_of(vm, &p[0], "pop")?;
    let i = match p.get(1) {
        Some(v) => int_arg(vm, v)?,
        None => -1,
    };
    let v = {
        let mut b = l.borrow_mut();
        if b.is_empty() {
            return Err(vm.index_error("pop from empty list"));
        }
        let n = b.len() as i64;
        let at = if i < 0 { i + n } else { i };
        if at < 0 || at >= n {
            return Err(vm.index_error("pop index out of range"));
        }
        b.remove(at as usize)
    };
    Ok(v)
}

fn list_remove(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "remove", &a, 1, 1)?;
    let l = list_of(vm, &p[0], "remove")?;
    let mut i = 0;
    loop {
        let cur = l.borrow().get(i).cloned();
        let Some(cur) = cur else { break };
        if vm.eq(&cur, &p[1])? {
            let removed = {
                let mut b = l.borrow_mut();
                if i < b.len() { Some(b.remove(i)) } else { None }
            };
            drop(removed);
            return Ok(Value::None);
        }
        i += 1;
    }
    Err(vm.value_error("list.remove(x): x not in list"))
}

fn seq_bounds(vm: &Vm, p: &[Value], len: usize) -> PyResult<(usize, usize)> {
    let clamp = |v: i64| -> usize {
        let n = len as i64;
        (if v < 0 { (v + n).max(0) } else { v.min(n) }) as usize
    };
    let start = match p.get(2) {
        Some(v) => clamp(int_arg(vm, v)?),
        None => 0,
    };
    let stop = match p.get(3) {
        Some(v) => clamp(int_arg(vm, v)?),
        None => len,
    };
    Ok((start, stop))
}

fn list_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "index", &a, 1, 3)?;
    let l = list_of(vm, &p[0], "index")?;
    let len = l.borrow().len();
    let (start, stop) = seq_bounds(vm, p, len)?;
    let mut i = start;
    while i < stop {
        let cur = l.borrow().get(i).cloned();
        let Some(cur) = cur else { break };
        if vm.eq(&cur, &p[1])? {
            return Ok(Value::Int(i as i64));
        }
        i += 1;
    }
    Err(vm.value_error(format!("{} is not in list", vm.repr_string(&p[1])?)))
}

fn list_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "count", &a, 1, 1)?;
    let l = list_of(vm, &p[0], "count")?;
    let items: Vec<Value> = l.borrow().iter().cloned().collect();
    let mut n = 0;
    for x in &items {
        if vm.eq(x, &p[1])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn list_reverse(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "reverse", &a, 0, 0)?;
    list_of(vm, &p[0], "reverse")?.borrow_mut().reverse();
    Ok(Value::None)
}

fn list_copy(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "copy", &a, 0, 0)?;
    let items: Vec<Value> = list_of(vm, &p[0], "copy")?
        .borrow()
        .iter()
        .cloned()
        .collect();
    vm.new_list(items)
}

fn list_clear(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "clear", &a, 0, 0)?;
    let old = std::mem::replace(
        &mut *list_of(vm, &p[0], "clear")?.borrow_mut(),
        crate::vm::heap::pyvec(),
    );
    drop(old);
    Ok(Value::None)
}

/// A stable merge sort with a comparison that can raise (CPython sorts
/// with `<` only; an error stops the sort and leaves a permutation).
pub(crate) fn merge_sort(
    items: &mut [(Value, Value)],
    lt: &mut dyn FnMut(&Value, &Value) -> PyResult<bool>,
) -> PyResult<()> {
    let n = items.len();
    if n < 2 {
        return Ok(());
    }
    // Binary insertion sort on runs of 32, then bottom-up merges.
    const RUN: usize = 32;
    let mut start = 0;
    while start < n {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            // Find the insertion point in items[start..i] (after equal ones).
            let (mut lo, mut hi) = (start, i);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if lt(&items[i].0, &items[mid].0)? {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            items[lo..=i].rotate_right(1);
        }
        start = end;
    }
    let mut width = RUN;
    let mut buf: Vec<(Value, Value)> = Vec::with_capacity(n);
    while width < n {
        let mut lo = 0;
        while lo + width < n {
            let mid = lo + width;
            let hi = (lo + 2 * width).min(n);
            // Skip when already ordered.
            if !lt(&items[mid].0, &items[mid - 1].0)? {
                lo = hi;
                continue;
            }
            buf.clear();
            let (mut i, mut j) = (lo, mid);
            let mut err = None;
            while i < mid && j < hi {
                match lt(&items[j].0, &items[i].0) {
                    Ok(true) => {
                        buf.push(items[j].clone());
                        j += 1;
                    }
                    Ok(false) => {
                        buf.push(items[i].clone());
                        i += 1;
                    }
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = err {
                return Err(e);
            }
            buf.extend(items[i..mid].iter().cloned());
            buf.extend(items[j..hi].iter().cloned());
            for (k, v) in buf.drain(..).enumerate() {
                items[lo + k] = v;
            }
            lo = hi;
        }
        width *= 2;
    }
    Ok(())
}

/// `<` for sorting, with fast paths for ints, floats and strs.
fn sort_lt(vm: &Vm, a: &Value, b: &Value) -> PyResult<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        _ => {
            if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
                return Ok(x.as_bytes() < y.as_bytes());
            }
            let r = vm.compare(a, b, CmpKind::Lt)?;
            vm.truthy(&r)
        }
    }
}

/// `list.sort(*, key=None, reverse=False)`.
pub(crate) fn list_sort(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() > 1 {
        return Err(vm.type_error("sort() takes no positional arguments"));
    }
    let mut key = Value::None;
    let mut reverse = false;
    for (k, v) in a.kw() {
        match k.as_str().map(|s| s.as_bytes()) {
            Some(b"key") => key = v.clone(),
            Some(b"reverse") => reverse = vm.truthy(v)?,
            _ => {
                return Err(vm.type_error(format!(
                    "sort() got an unexpected keyword argument '{}'",
                    vm.display_str(k)
                )));
            }
        }
    }
    let l = list_of(vm, &p[0], "sort")?;
    // CPython empties the list while sorting; changes made meanwhile are
    // detected.
    let taken = std::mem::replace(&mut *l.borrow_mut(), crate::vm::heap::pyvec());
    let mut items: Vec<(Value, Value)> = Vec::with_capacity(taken.len());
    let mut result = Ok(());
    for x in taken.iter() {
        let k = if key.is_none() {
            x.clone()
        } else {
            match vm.call(&key, Args::positional(std::slice::from_ref(x))) {
                Ok(k) => k,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        };
        items.push((k, x.clone()));
    }
    if result.is_ok() {
        if reverse {
            items.reverse();
        }
        result = merge_sort(&mut items, &mut |x, y| sort_lt(vm, x, y));
        if reverse {
            items.reverse();
        }
    }
    let modified = !l.borrow().is_empty();
    let mut out = crate::vm::heap::pyvec();
    if result.is_ok() {
        out.try_reserve(items.len())
            .map_err(|_| vm.memory_error())?;
        out.extend(items.into_iter().map(|(_, v)| v));
    } else {
        out = taken;
    }
    let old = std::mem::replace(&mut *l.borrow_mut(), out);
    drop(old);
    result?;
    if modified {
        return Err(vm.value_error("list modified during sort"));
    }
    Ok(Value::None)
}

fn seq_len(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__len__", &a, 0, 0)?;
    Ok(Value::Int(vm.len(&p[0])? as i64))
}

fn seq_getitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__getitem__", &a, 1, 1)?;
    vm.getitem(&p[0], &p[1])
}

fn seq_setitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__setitem__", &a, 2, 2)?;
    vm.setitem(&p[0], &p[1], p[2].clone())?;
    Ok(Value::None)
}

fn seq_delitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__delitem__", &a, 1, 1)?;
    vm.delitem(&p[0], &p[1])?;
    Ok(Value::None)
}

fn seq_contains(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__contains__", &a, 1, 1)?;
    Ok(Value::Bool(vm.contains(&p[0], &p[1])?))
}

fn seq_iter(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "__iter__", &a, 0, 0)?;
    vm.iter(&p[0])
}

/// Methods of `list`.
pub(crate) const LIST_METHODS: &[(&str, NativeFn)] = &[
    ("append", list_append),
    ("extend", list_extend),
    ("insert", list_insert),
    ("pop", list_pop),
    ("remove", list_remove),
    ("index", list_index),
    ("count", list_count),
    ("sort", list_sort),
    ("reverse", list_reverse),
    ("copy", list_copy),
    ("clear", list_clear),
    ("__len__", seq_len),
    ("__getitem__", seq_getitem),
    ("__setitem__", seq_setitem),
    ("__delitem__", seq_delitem),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

// ---- tuple ---------------------------------------------------------------------

fn tuple_items(vm: &Vm, v: &Value) -> PyResult<Vec<Value>> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Tuple(t)) => Ok(t.iter().cloned().collect()),
        _ => Err(vm.type_error(format!(
            "descriptor for 'tuple' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))),
    }
}

fn tuple_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "index", &a, 1, 3)?;
    let items = tuple_items(vm, &p[0])?;
    let (start, stop) = seq_bounds(vm, p, items.len())?;
    for (i, x) in items.iter().enumerate().take(stop).skip(start) {
        if vm.eq(x, &p[1])? {
            return Ok(Value::Int(i as i64));
        }
    }
    Err(vm.value_error("tuple.index(x): x not in tuple"))
}

fn tuple_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "count", &a, 1, 1)?;
    let mut n = 0;
    for x in &tuple_items(vm, &p[0])? {
        if vm.eq(x, &p[1])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

/// Methods of `tuple`.
pub(crate) const TUPLE_METHODS: &[(&str, NativeFn)] = &[
    ("index", tuple_index),
    ("count", tuple_count),
    ("__len__", seq_len),
    ("__getitem__", seq_getitem),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

// ---- dict ----------------------------------------------------------------------

/// A shallow copy of a dict value.
pub(crate) fn dict_copy(vm: &Vm, v: &Value) -> PyResult<Value> {
    let d = dict_of(vm, v, "copy")?;
    let items = dict::items(d);
    let out = vm.new_dict()?;
    if let ObjKind::Dict(o) = &out.kind {
        for (k, val) in items {
            dict::set(vm, o, k, val)?;
        }
    }
    Ok(Value::Obj(out))
}

/// What `dict_update_from` takes `m` for.
#[derive(Clone, Copy)]
pub(crate) enum Update<'a> {
    /// `dict.update(m)`, `dict(m)`: a mapping or an iterable of pairs.
    Any,
    /// `{**m}` (DICT_UPDATE): a mapping only.
    Mapping,
    /// `**m` in a call of this callable (DICT_MERGE): a mapping only,
    /// duplicate keys an error, the errors naming the function.
    Merge(&'a Value),
}

/// `target.update(m)`, as `how` says.
pub(crate) fn dict_update_from(
    vm: &Vm,
    target: &Value,
    m: &Value,
    how: Update<'_>,
) -> PyResult<()> {
    let merge_for = match how {
        Update::Merge(f) => Some(f),
        _ => None,
    };
    let merge = merge_for.is_some();
    let fname = || merge_for.map(|f| vm.function_str(f)).unwrap_or_default();
    let t = dict_of(vm, target, "update")?;
    if let Some(ObjKind::Dict(src)) = m.as_obj().map(|o| &o.kind) {
        for (k, v) in dict::items(src) {
            if merge && dict::get(vm, t, &k)?.is_some() {
                return Err(vm.type_error(format!(
                    "{} got multiple values for keyword argument '{}'",
                    fname(),
                    vm.display_str(&k)
                )));
            }
            dict::set(vm, t, k, v)?;
        }
        return Ok(());
    }
    // A mapping: anything with keys() and __getitem__.
    let keys_name = vm.new_str("keys")?;
    if let Some(keys) = vm.getattr_optional(m, &keys_name)? {
        let ks = vm.call(&keys, Args::positional(&[]))?;
        for k in vm.to_vec(&ks)? {
            let v = vm.getitem(m, &k)?;
            if merge && dict::get(vm, t, &k)?.is_some() {
                return Err(vm.type_error(format!(
                    "{} got multiple values for keyword argument '{}'",
                    fname(),
                    vm.display_str(&k)
                )));
            }
            dict::set(vm, t, k, v)?;
        }
        return Ok(());
    }
    match how {
        Update::Merge(_) => {
            return Err(vm.type_error(format!(
                "{} argument after ** must be a mapping, not {}",
                fname(),
                vm.type_name(m)
            )));
        }
        Update::Mapping => {
            return Err(vm.type_error(format!("'{}' object is not a mapping", vm.type_name(m))));
        }
        Update::Any => {}
    }
    // An iterable of pairs.
    let it = vm.iter(m)?;
    let mut i = 0;
    while let Some(pair) = vm.next(&it)? {
        let kv = match vm.to_vec(&pair) {
            Ok(kv) => kv,
            Err(e) if vm.exc_matches(&e, "TypeError") => {
                return Err(vm.type_error(format!(
                    "cannot convert dictionary update sequence element #{i} to a sequence"
                )));
            }
            Err(e) => return Err(e),
        };
        if kv.len() != 2 {
            return Err(vm.value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                kv.len()
            )));
        }
        let mut kv = kv.into_iter();
        let (k, v) = (kv.next().unwrap_or_default(), kv.next().unwrap_or_default());
        dict::set(vm, t, k, v)?;
        i += 1;
    }
    Ok(())
}

fn dict_get(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "get", &a, 1, 2)?;
    let d = dict_of(vm, &p[0], "get")?;
    Ok(dict::get(vm, d, &p[1])?.unwrap_or_else(|| p.get(2).cloned().unwrap_or(Value::None)))
}

fn dict_view(vm: &Vm, a: Args<'_>, name: &str, kind: dict::ViewKind) -> PyResult<Value> {
    let p = meth_args(vm, name, &a, 0, 0)?;
    dict_of(vm, &p[0], name)?;
    Ok(Value::Obj(vm.alloc(ObjKind::DictView(p[0].clone(), kind))?))
}

fn dict_keys(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    dict_view(vm, a, "keys", dict::ViewKind::Keys)
}

fn dict_values(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    dict_view(vm, a, "values", dict::ViewKind::Values)
}

fn dict_items(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    dict_view(vm, a, "items", dict::ViewKind::Items)
}

fn dict_pop(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "pop", &a, 1, 2)?;
    let d = dict_of(vm, &p[0], "pop")?;
    match dict::remove(vm, d, &p[1])? {
        Some(v) => Ok(v),
        None => match p.get(2) {
            Some(def) => Ok(def.clone()),
            None => Err(vm.key_error(p[1].clone())),
        },
    }
}

fn dict_popitem(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "popitem", &a, 0, 0)?;
    let d = dict_of(vm, &p[0], "popitem")?;
    match dict::pop_last(d) {
        Some((k, v)) => vm.new_tuple(vec![k, v]),
        None => Err(vm.key_error(vm.new_str("popitem(): dictionary is empty")?)),
    }
}

fn dict_setdefault(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "setdefault", &a, 1, 2)?;
    let d = dict_of(vm, &p[0], "setdefault")?;
    if let Some(v) = dict::get(vm, d, &p[1])? {
        return Ok(v);
    }
    let def = p.get(2).cloned().unwrap_or(Value::None);
    dict::set(vm, d, p[1].clone(), def.clone())?;
    Ok(def)
}

fn dict_update(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = a.pos();
    if p.len() > 2 {
        return Err(vm.type_error(format!(
            "update expected at most 1 argument, got {}",
            p.len() - 1
        )));
    }
    if let Some(m) = p.get(1) {
        dict_update_from(vm, &p[0], m, Update::Any)?;
    }
    let d = dict_of(vm, &p[0], "update")?;
    for (k, v) in a.kw() {
        dict::set(vm, d, k.clone(), v.clone())?;
    }
    Ok(Value::None)
}

fn dict_copy_m(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "copy", &a, 0, 0)?;
    dict_copy(vm, &p[0])
}

fn dict_clear(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "clear", &a, 0, 0)?;
    let d = dict_of(vm, &p[0], "clear")?;
    let old = std::mem::take(&mut *d.borrow_mut());
    drop(old);
    Ok(Value::None)
}

/// `dict.fromkeys(iterable, value=None)`, a class method: a new dict (of
/// the class: `cls()` for another) with each key set to `value`.
fn dict_fromkeys(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = &a.pos()[1..];
    if p.is_empty() || p.len() > 2 || !a.no_kw() {
        return Err(vm.type_error(format!(
            "fromkeys expected at least 1 argument, got {}",
            p.len()
        )));
    }
    let cls = &a.all[0];
    let value = p.get(1).cloned().unwrap_or(Value::None);
    if cls.as_obj().is_some_and(|c| c.ptr_eq(&vm.types.dict)) {
        let out = vm.new_dict()?;
        if let ObjKind::Dict(d) = &out.kind {
            for k in vm.to_vec(&p[0])? {
                dict::set(vm, d, k, value.clone())?;
            }
        }
        return Ok(Value::Obj(out));
    }
    let out = vm.call(cls, Args::positional(&[]))?;
    for k in vm.to_vec(&p[0])? {
        vm.setitem(&out, &k, value.clone())?;
    }
    Ok(out)
}

/// Methods of `dict`.
pub(crate) const DICT_METHODS: &[(&str, NativeFn)] = &[
    ("get", dict_get),
    ("keys", dict_keys),
    ("values", dict_values),
    ("items", dict_items),
    ("pop", dict_pop),
    ("popitem", dict_popitem),
    ("setdefault", dict_setdefault),
    ("update", dict_update),
    ("copy", dict_copy_m),
    ("clear", dict_clear),
    ("fromkeys", dict_fromkeys),
    ("__len__", seq_len),
    ("__getitem__", seq_getitem),
    ("__setitem__", seq_setitem),
    ("__delitem__", seq_delitem),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

fn view_isdisjoint(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "isdisjoint", &a, 1, 1)?;
    for x in vm.to_vec(&p[1])? {
        if vm.contains(&p[0], &x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// Methods of the dict views.
pub(crate) const DICTVIEW_METHODS: &[(&str, NativeFn)] = &[
    ("isdisjoint", view_isdisjoint),
    ("__len__", seq_len),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

// ---- set and frozenset -------------------------------------------------------------

fn set_cell<'a>(vm: &Vm, v: &'a Value, name: &str) -> PyResult<&'a RefCell<SetData>> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Set(s)) => Ok(s),
        _ => Err(vm.type_error(format!(
            "descriptor '{name}' for 'set' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))),
    }
}

fn is_frozen(v: &Value) -> bool {
    matches!(v.as_obj().map(|o| &o.kind), Some(ObjKind::FrozenSet(_)))
}

/// `a | b`, `a & b`, `a - b`, `a ^ b` on sets (both operands sets or
/// frozensets); in place when `inplace` and `a` is a set.
pub(crate) fn set_binop(
    vm: &Vm,
    a: &Value,
    b: &Value,
    op: BinKind,
    inplace: bool,
) -> PyResult<Value> {
    let am = set_members(a).unwrap_or_default();
    let bm = set_members(b).unwrap_or_default();
    let mut out: Vec<Value> = Vec::new();
    match op {
        BinKind::Or => {
            out.extend(am.iter().map(|(k, _)| k.clone()));
            out.extend(bm.iter().map(|(k, _)| k.clone()));
        }
        BinKind::And => {
            // Iterate the smaller one, as CPython does.
            let (small, big) = if am.len() <= bm.len() {
                (&am, b)
            } else {
                (&bm, a)
            };
            for (k, _) in small {
                if set_has(vm, big, k)? {
                    out.push(k.clone());
                }
            }
        }
        BinKind::Sub => {
            for (k, _) in &am {
                if !set_has(vm, b, k)? {
                    out.push(k.clone());
                }
            }
        }
        BinKind::Xor => {
            for (k, _) in &am {
                if !set_has(vm, b, k)? {
                    out.push(k.clone());
                }
            }
            for (k, _) in &bm {
                if !set_has(vm, a, k)? {
                    out.push(k.clone());
                }
            }
        }
        _ => return Err(vm.type_error("unsupported set operation")),
    }
    if inplace && let Some(ObjKind::Set(cell)) = a.as_obj().map(|o| &o.kind) {
        set::clear(cell);
        for k in out {
            set::add(vm, cell, k)?;
        }
        return Ok(a.clone());
    }
    new_set(vm, out, is_frozen(a))
}

/// The argument of a set method as a set value (any iterable).
fn as_set_value(vm: &Vm, v: &Value) -> PyResult<Value> {
    if set_members(v).is_some() {
        return Ok(v.clone());
    }
    let items = vm.to_vec(v)?;
    new_set(vm, items, false)
}

fn set_method_binop(vm: &Vm, a: Args<'_>, name: &str, op: BinKind) -> PyResult<Value> {
    let p = a.pos();
    if !a.no_kw() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    if set_members(&p[0]).is_none() {
        return Err(vm.type_error(format!("descriptor '{name}' requires a 'set' object")));
    }
    let mut acc = match set_members(&p[0]) {
        Some(m) => new_set(
            vm,
            m.into_iter().map(|(k, _)| k).collect(),
            is_frozen(&p[0]),
        )?,
        None => unreachable!(),
    };
    for other in &p[1..] {
        let o = as_set_value(vm, other)?;
        acc = set_binop(vm, &acc, &o, op, false)?;
    }
    Ok(acc)
}

fn set_union(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_method_binop(vm, a, "union", BinKind::Or)
}

fn set_intersection(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_method_binop(vm, a, "intersection", BinKind::And)
}

fn set_difference(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_method_binop(vm, a, "difference", BinKind::Sub)
}

fn set_symmetric_difference(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "symmetric_difference", &a, 1, 1)?;
    let o = as_set_value(vm, &p[1])?;
    set_binop(vm, &p[0], &o, BinKind::Xor, false)
}

fn set_update_op(vm: &Vm, a: Args<'_>, name: &str, op: BinKind) -> PyResult<Value> {
    let p = a.pos();
    set_cell(vm, &p[0], name)?;
    for other in &p[1..] {
        let o = as_set_value(vm, other)?;
        set_binop(vm, &p[0], &o, op, true)?;
    }
    Ok(Value::None)
}

fn set_update(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_update_op(vm, a, "update", BinKind::Or)
}

fn set_intersection_update(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_update_op(vm, a, "intersection_update", BinKind::And)
}

fn set_difference_update(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    set_update_op(vm, a, "difference_update", BinKind::Sub)
}

fn set_symmetric_difference_update(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "symmetric_difference_update", &a, 1, 1)?;
    set_cell(vm, &p[0], "symmetric_difference_update")?;
    let o = as_set_value(vm, &p[1])?;
    set_binop(vm, &p[0], &o, BinKind::Xor, true)?;
    Ok(Value::None)
}

fn set_add(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "add", &a, 1, 1)?;
    set::add(vm, set_cell(vm, &p[0], "add")?, p[1].clone())?;
    Ok(Value::None)
}

fn set_discard(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "discard", &a, 1, 1)?;
    set::discard(vm, set_cell(vm, &p[0], "discard")?, &p[1])?;
    Ok(Value::None)
}

fn set_remove(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "remove", &a, 1, 1)?;
    if !set::discard(vm, set_cell(vm, &p[0], "remove")?, &p[1])? {
        return Err(vm.key_error(p[1].clone()));
    }
    Ok(Value::None)
}

fn set_pop(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "pop", &a, 0, 0)?;
    match set::pop(set_cell(vm, &p[0], "pop")?) {
        Some(v) => Ok(v),
        None => Err(vm.key_error(vm.new_str("pop from an empty set")?)),
    }
}

fn set_clear(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "clear", &a, 0, 0)?;
    set::clear(set_cell(vm, &p[0], "clear")?);
    Ok(Value::None)
}

fn set_copy(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "copy", &a, 0, 0)?;
    if is_frozen(&p[0]) {
        return Ok(p[0].clone());
    }
    let m = set_members(&p[0]).unwrap_or_default();
    new_set(vm, m.into_iter().map(|(k, _)| k).collect(), false)
}

fn set_issubset(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "issubset", &a, 1, 1)?;
    let o = as_set_value(vm, &p[1])?;
    for (k, _) in set_members(&p[0]).unwrap_or_default() {
        if !set_has(vm, &o, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn set_issuperset(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "issuperset", &a, 1, 1)?;
    for k in vm.to_vec(&p[1])? {
        if !set_has(vm, &p[0], &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn set_isdisjoint(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let p = meth_args(vm, "isdisjoint", &a, 1, 1)?;
    for k in vm.to_vec(&p[1])? {
        if set_has(vm, &p[0], &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// Methods of `set`.
pub(crate) const SET_METHODS: &[(&str, NativeFn)] = &[
    ("add", set_add),
    ("discard", set_discard),
    ("remove", set_remove),
    ("pop", set_pop),
    ("clear", set_clear),
    ("copy", set_copy),
    ("update", set_update),
    ("intersection_update", set_intersection_update),
    ("difference_update", set_difference_update),
    (
        "symmetric_difference_update",
        set_symmetric_difference_update,
    ),
    ("union", set_union),
    ("intersection", set_intersection),
    ("difference", set_difference),
    ("symmetric_difference", set_symmetric_difference),
    ("issubset", set_issubset),
    ("issuperset", set_issuperset),
    ("isdisjoint", set_isdisjoint),
    ("__len__", seq_len),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

/// Methods of `frozenset`.
pub(crate) const FROZENSET_METHODS: &[(&str, NativeFn)] = &[
    ("copy", set_copy),
    ("union", set_union),
    ("intersection", set_intersection),
    ("difference", set_difference),
    ("symmetric_difference", set_symmetric_difference),
    ("issubset", set_issubset),
    ("issuperset", set_issuperset),
    ("isdisjoint", set_isdisjoint),
    ("__len__", seq_len),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];

// ---- range -----------------------------------------------------------------------

fn range_pos(vm: &Vm, a: &Args<'_>, name: &str) -> PyResult<(Option<i64>, Value)> {
    let p = meth_args(vm, name, a, 1, 1)?;
    let Some(ObjKind::Range(r)) = p[0].as_obj().map(|o| &o.kind) else {
        return Err(vm.type_error(format!("descriptor '{name}' requires a 'range' object")));
    };
    // Only ints (and bools) can be members without a Python-level search.
    let pos = match &p[1] {
        Value::Int(_) | Value::Bool(_) => {
            let x = match &p[1] {
                Value::Bool(b) => i64::from(*b),
                Value::Int(i) => *i,
                _ => 0,
            };
            let off = x.checked_sub(r.start);
            off.and_then(|off| {
                let inside = if r.step > 0 {
                    x >= r.start && x < r.stop
                } else {
                    x <= r.start && x > r.stop
                };
                (inside && off % r.step == 0).then_some(off / r.step)
            })
        }
        v => {
            // Other values compare equal through ==.
            let mut found = None;
            for i in 0..r.len() {
                if vm.eq(&Value::Int(r.at(i)), v)? {
                    found = Some(i);
                    break;
                }
            }
            found
        }
    };
    Ok((pos, p[1].clone()))
}

fn range_index(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    match range_pos(vm, &a, "index")? {
        (Some(i), _) => Ok(Value::Int(i)),
        (None, v) => Err(vm.value_error(format!("{} is not in range", vm.repr_string(&v)?))),
    }
}

fn range_count(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    Ok(Value::Int(i64::from(
        range_pos(vm, &a, "count")?.0.is_some(),
    )))
}

/// Methods of `range`.
pub(crate) const RANGE_METHODS: &[(&str, NativeFn)] = &[
    ("index", range_index),
    ("count", range_count),
    ("__len__", seq_len),
    ("__getitem__", seq_getitem),
    ("__contains__", seq_contains),
    ("__iter__", seq_iter),
];
