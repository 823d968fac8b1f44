//! `dict`: an insertion-ordered hash table (Objects/dictobject.c's
//! compact layout: a sparse index table over a dense entry array).
//!
//! Keys that compare by value without running Python code (str, int,
//! float, bool, None) are found with the table borrowed. Other keys may run
//! `__eq__`, which may change the dict: those lookups release the borrow
//! for each comparison and start over if the dict changed meanwhile, as
//! CPython does — never a double borrow.

use std::cell::RefCell;

use super::heap::{PyVec, pyvec};
use super::object::{ObjKind, ObjRef, Value};
use super::state::{PyResult, Vm};

/// A dict version no other dict mutation anywhere has produced (CPython's
/// global dict version counter): caches keyed on versions can never be
/// fooled by a new dict at a freed one's address. Each thread draws from a
/// block of 2^40 versions of its own.
#[inline]
pub(crate) fn next_version() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static BLOCKS: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    NEXT.with(|n| {
        let mut v = n.get();
        if v & ((1 << 40) - 1) == 0 {
            v = BLOCKS.fetch_add(1, Ordering::Relaxed) << 40;
        }
        n.set(v + 1);
        v + 1
    })
}

const EMPTY: u32 = u32::MAX;
const DUMMY: u32 = u32::MAX - 1;

/// One entry (`key` is `Undef` once deleted).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key's hash.
    pub hash: i64,
    /// Key.
    pub key: Value,
    /// Value.
    pub value: Value,
}

/// Which view of a dict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// `dict.keys()`.
    Keys,
    /// `dict.values()`.
    Values,
    /// `dict.items()`.
    Items,
}

/// The table.
#[derive(Debug)]
pub struct Dict {
    indices: PyVec<u32>,
    /// Entries in insertion order (with holes).
    pub entries: PyVec<Entry>,
    used: usize,
    /// Bumped on every change (iteration checks).
    pub version: u64,
    /// Bumped when the keys or their places change (an insert, a delete,
    /// a resize) — not when a value is replaced: `LoadGlobal`'s cache
    /// keeps an entry index valid while it stands (CPython's dict keys
    /// version).
    pub keys_version: u64,
    /// A class namespace: its changes also invalidate the type attribute
    /// cache (see [`super::typeobj::type_epoch`]).
    pub(crate) type_ns: bool,
}

impl Default for Dict {
    fn default() -> Self {
        Dict::new()
    }
}

/// How a key compares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    /// int, bool, float.
    Number,
    /// An int beyond 64 bits.
    Big,
    /// str.
    Str,
    /// Compares by identity or by a value pyrt knows (None, bytes, types,
    /// functions, modules).
    Plain,
    /// May define `__eq__`.
    Python,
}

fn key_class(v: &Value) -> KeyClass {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => KeyClass::Number,
        Value::None | Value::Undef => KeyClass::Plain,
        Value::Obj(o) => match &o.kind {
            ObjKind::Str(_) => KeyClass::Str,
            ObjKind::BigInt(_) => KeyClass::Big,
            ObjKind::Bytes(_)
            | ObjKind::Type(_)
            | ObjKind::Function(_)
            | ObjKind::Builtin(_)
            | ObjKind::Module(_)
            | ObjKind::Code(_)
            | ObjKind::NotImplemented
            | ObjKind::Ellipsis => KeyClass::Plain,
            _ => KeyClass::Python,
        },
    }
}

/// Keys whose equality needs no Python code, compared directly; `None`
/// when `__eq__` may have to run.
#[inline]
pub(crate) fn simple_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => return Some(x == y),
        (Value::Obj(x), Value::Obj(y)) => {
            if x.ptr_eq(y) {
                return Some(true);
            }
            if let (ObjKind::Str(p), ObjKind::Str(q)) = (&x.kind, &y.kind) {
                return Some(p.as_bytes() == q.as_bytes());
            }
        }
        _ => {}
    }
    let (ca, cb) = (key_class(a), key_class(b));
    if ca == KeyClass::Python || cb == KeyClass::Python {
        return None;
    }
    Some(match (a, b) {
        (Value::Obj(x), Value::Obj(y)) => match (&x.kind, &y.kind) {
            (ObjKind::Str(s), ObjKind::Str(t)) => s.as_bytes() == t.as_bytes(),
            (ObjKind::BigInt(p), ObjKind::BigInt(q)) => p == q,
            (ObjKind::Bytes(p), ObjKind::Bytes(q)) => p[..] == q[..],
            _ => false,
        },
        _ if ca == KeyClass::Number && cb == KeyClass::Number => {
            let f = |v: &Value| match v {
                Value::Int(i) => (*i as f64, Some(*i)),
                Value::Bool(b) => (f64::from(u8::from(*b)), Some(i64::from(*b))),
                Value::Float(x) => (*x, None),
                _ => (f64::NAN, None),
            };
            let ((fa, ia), (fb, ib)) = (f(a), f(b));
            match (ia, ib) {
                (Some(x), Some(y)) => x == y,
                (Some(x), None) => fb == x as f64 && fb.fract() == 0.0 && fb as i64 == x,
                (None, Some(y)) => fa == y as f64 && fa.fract() == 0.0 && fa as i64 == y,
                (None, None) => fa == fb,
            }
        }
        (Value::None, Value::None) => true,
        _ if ca == KeyClass::Big || cb == KeyClass::Big => {
            // A big int against a float may be equal: let the VM decide.
            if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
                return None;
            }
            false
        }
        _ => false,
    })
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict {
            indices: pyvec(),
            entries: pyvec(),
            used: 0,
            version: next_version(),
            keys_version: next_version(),
            type_ns: false,
        }
    }

    /// An empty dict with room for `n` items (no resize before the `n`th
    /// insert); `None` if that much memory is not to be had.
    pub fn with_capacity(n: usize) -> Option<Dict> {
        let mut d = Dict::new();
        if n == 0 {
            return Some(d);
        }
        let mut size = 8usize;
        while (n + 1) * 3 >= size * 2 {
            size <<= 1;
        }
        d.indices.try_reserve(size).ok()?;
        d.indices.resize(size, EMPTY);
        d.entries.try_reserve(n).ok()?;
        Some(d)
    }

    /// Records a change: a new version and, for a class namespace, a new
    /// type epoch. Called before any removed value is dropped.
    #[inline]
    fn changed(&mut self) {
        // Compared only with this dict's own earlier versions (a lookup or
        // an iteration noticing a change): a step suffices.
        self.version = self.version.wrapping_add(1);
        self.namespace_changed();
    }

    /// [`Dict::changed`] for a change of the keys or their places: a
    /// version no dict had before (caches compare keys versions of
    /// whichever dict a frame runs with).
    #[inline]
    fn keys_changed(&mut self) {
        self.version = next_version();
        self.keys_version = self.version;
        self.namespace_changed();
    }

    /// A class namespace's change starts a new type epoch.
    #[inline]
    fn namespace_changed(&self) {
        if self.type_ns {
            super::typeobj::bump_type_epoch();
        }
    }

    /// The value of the live entry at index `ix`.
    #[inline]
    pub fn value_at(&self, ix: usize) -> Option<&Value> {
        self.entries
            .get(ix)
            .filter(|e| !e.key.is_undef())
            .map(|e| &e.value)
    }

    /// Empties the dict, returning its old contents (the collector's
    /// `tp_clear`); the dict stays what it was (a class namespace or not).
    pub(crate) fn take_all(&mut self) -> Dict {
        let mut old = std::mem::take(self);
        self.type_ns = old.type_ns;
        old.type_ns = false;
        self.keys_changed();
        old
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.used
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    fn mask(&self) -> usize {
        self.indices.len().wrapping_sub(1)
    }

    /// Probe positions for `hash`.
    fn probe(&self, hash: i64) -> impl Iterator<Item = usize> + '_ {
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        let mut first = true;
        std::iter::from_fn(move || {
            if first {
                first = false;
                return Some(i);
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
            Some(i)
        })
    }

    /// Finds `key` when its equality is simple; `Err(idx)` means a
    /// candidate entry `idx` needs a Python-level comparison.
    fn find_simple(
        &self,
        hash: i64,
        key: &Value,
        skip_until: usize,
    ) -> Result<Option<usize>, usize> {
        self.find_with(hash, skip_until, |k| simple_eq(k, key))
    }

    /// `find_simple` with the key comparison given (`eq(stored)`: equal,
    /// not equal, or None when `__eq__` must decide).
    #[inline(always)]
    fn find_with(
        &self,
        hash: i64,
        skip_until: usize,
        eq: impl Fn(&Value) -> Option<bool>,
    ) -> Result<Option<usize>, usize> {
        if self.indices.is_empty() {
            return Ok(None);
        }
        let mut seen = 0;
        for slot in self.probe(hash) {
            let ix = self.indices[slot];
            if ix == EMPTY {
                return Ok(None);
            }
            if ix == DUMMY {
                continue;
            }
            let e = &self.entries[ix as usize];
            if e.hash == hash {
                if seen < skip_until {
                    seen += 1;
                    continue;
                }
                seen += 1;
                match eq(&e.key) {
                    Some(true) => return Ok(Some(ix as usize)),
                    Some(false) => {}
                    None => return Err(ix as usize),
                }
            }
        }
        Ok(None)
    }

    fn resize(&mut self, vm: &Vm, min_used: usize) -> PyResult<()> {
        let mut size = 8usize;
        while size * 2 <= min_used * 3 {
            size <<= 1;
        }
        // Compact the entries.
        let mut entries: PyVec<Entry> = pyvec();
        entries
            .try_reserve(self.used.max(1))
            .map_err(|_| vm.memory_error())?;
        for e in self.entries.drain(..) {
            if !e.key.is_undef() {
                entries.push(e);
            }
        }
        let mut indices: PyVec<u32> = pyvec();
        indices.try_reserve(size).map_err(|_| vm.memory_error())?;
        indices.resize(size, EMPTY);
        self.entries = entries;
        self.indices = indices;
        // Entries moved: index caches must miss even if the insert that
        // asked for room then fails (MemoryError).
        self.keys_version = next_version();
        for n in 0..self.entries.len() {
            let i = self.free_slot(self.entries[n].hash);
            self.indices[i] = n as u32;
        }
        Ok(())
    }

    /// The first slot on `hash`'s probe sequence that holds no entry
    /// (never used, or a deleted entry's).
    #[inline]
    fn free_slot(&self, hash: i64) -> usize {
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let ix = self.indices[i];
            if ix == EMPTY || ix == DUMMY {
                return i;
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    fn insert_new(&mut self, vm: &Vm, hash: i64, key: Value, value: Value) -> PyResult<()> {
        if self.indices.is_empty() || (self.entries.len() + 1) * 3 >= self.indices.len() * 2 {
            self.resize(vm, (self.used + 1) * 2)?;
        }
        self.entries.try_reserve(1).map_err(|_| vm.memory_error())?;
        let n = self.entries.len() as u32;
        let i = self.free_slot(hash);
        self.indices[i] = n;
        self.entries.push(Entry { hash, key, value });
        self.used += 1;
        self.keys_changed();
        Ok(())
    }

    /// [`Dict::insert_new`] for `n` keys at once (none present, all
    /// distinct): room made once, one new version.
    fn insert_new_n(
        &mut self,
        vm: &Vm,
        n: usize,
        items: impl Iterator<Item = (i64, Value, Value)>,
    ) -> PyResult<()> {
        if self.indices.is_empty() || (self.entries.len() + n) * 3 >= self.indices.len() * 2 {
            self.resize(vm, (self.used + n) * 2)?;
        }
        self.entries.try_reserve(n).map_err(|_| vm.memory_error())?;
        for (hash, key, value) in items.take(n) {
            let i = self.free_slot(hash);
            self.indices[i] = self.entries.len() as u32;
            self.entries.push(Entry { hash, key, value });
            self.used += 1;
        }
        self.keys_changed();
        Ok(())
    }

    /// Iterates (key, value) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries
            .iter()
            .filter(|e| !e.key.is_undef())
            .map(|e| (&e.key, &e.value))
    }

    /// The entry at position `i` of the entry array, if live.
    pub fn entry_at(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i).filter(|e| !e.key.is_undef())
    }

    /// Size of the entry array (iteration bound).
    pub fn entries_len(&self) -> usize {
        self.entries.len()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.keys_changed();
        let old = (
            std::mem::replace(&mut self.indices, pyvec()),
            std::mem::replace(&mut self.entries, pyvec()),
        );
        self.used = 0;
        drop(old);
    }

    /// Looks up the str object `key` given its hash (no Python code): the
    /// same object is a hit without comparing bytes (names in code are
    /// mostly the very str objects that were stored).
    #[inline]
    pub fn get_strobj(&self, key: &ObjRef, bytes: &[u8], hash: i64) -> Option<&Value> {
        self.index_strobj(key, bytes, hash)
            .map(|ix| &self.entries[ix].value)
    }

    /// The entry index of str object `key` (see [`Dict::get_strobj`]).
    #[inline]
    pub fn index_strobj(&self, key: &ObjRef, bytes: &[u8], hash: i64) -> Option<usize> {
        self.find_str(hash, |k| is_str_key(k, key, bytes))
    }

    /// Looks up a str key given its bytes and hash (no Python code).
    pub fn get_str(&self, key: &[u8], hash: i64) -> Option<&Value> {
        self.find_str(hash, |k| k.as_str().is_some_and(|s| s.as_bytes() == key))
            .map(|ix| &self.entries[ix].value)
    }

    /// The index of the entry with `hash` whose key `is_key` accepts (a
    /// comparison that runs no Python code).
    #[inline]
    fn find_str(&self, hash: i64, is_key: impl Fn(&Value) -> bool) -> Option<usize> {
        self.find_with(hash, 0, |k| Some(is_key(k))).ok().flatten()
    }

    /// Removes the entry at `ix` (found by a lookup).
    fn remove_at(&mut self, ix: usize) -> Entry {
        let hash = self.entries[ix].hash;
        let mut slot_found = None;
        for slot in self.probe(hash) {
            if self.indices[slot] == ix as u32 {
                slot_found = Some(slot);
                break;
            }
            if self.indices[slot] == EMPTY {
                break;
            }
        }
        if let Some(s) = slot_found {
            self.indices[s] = DUMMY;
        }
        let e = std::mem::replace(
            &mut self.entries[ix],
            Entry {
                hash: 0,
                key: Value::Undef,
                value: Value::Undef,
            },
        );
        self.used -= 1;
        self.keys_changed();
        e
    }
}

/// Stored key `k` is the str object `key` (text `bytes`) or a str with the
/// same text.
#[inline]
fn is_str_key(k: &Value, key: &ObjRef, bytes: &[u8]) -> bool {
    match k {
        Value::Obj(k) => {
            k.ptr_eq(key) || matches!(&k.kind, ObjKind::Str(s) if s.as_bytes() == bytes)
        }
        _ => false,
    }
}

/// Finds the entry index of `key` in a dict cell, running `__eq__` where
/// needed without holding the borrow.
pub fn lookup(vm: &Vm, d: &RefCell<Dict>, key: &Value, hash: i64) -> PyResult<Option<usize>> {
    let mut skip = 0;
    loop {
        let (version, candidate) = {
            let b = d.borrow();
            match b.find_simple(hash, key, skip) {
                Ok(r) => return Ok(r),
                Err(ix) => (b.version, (ix, b.entries[ix].key.clone())),
            }
        };
        let (ix, ckey) = candidate;
        let eq = vm.eq(&ckey, key)?;
        let b = d.borrow();
        if b.version != version {
            // Mutated by __eq__: start over.
            skip = 0;
            drop(b);
            continue;
        }
        if eq && b.entries.get(ix).is_some_and(|e| e.key.is(&ckey)) {
            return Ok(Some(ix));
        }
        skip += 1;
    }
}

/// `d[key]` (None if absent).
pub fn get(vm: &Vm, d: &RefCell<Dict>, key: &Value) -> PyResult<Option<Value>> {
    let hash = vm.hash(key)?;
    get_h(vm, d, key, hash)
}

/// `d[key]` with a known hash.
pub fn get_h(vm: &Vm, d: &RefCell<Dict>, key: &Value, hash: i64) -> PyResult<Option<Value>> {
    Ok(lookup(vm, d, key, hash)?.map(|ix| d.borrow().entries[ix].value.clone()))
}

/// `d[key] = value`. An int or str key (namespaces: module globals,
/// instance attributes) takes `fast::set`.
#[inline]
pub fn set(vm: &Vm, d: &RefCell<Dict>, key: Value, value: Value) -> PyResult<()> {
    set_ref(vm, d, &key, value)
}

/// `set` with the key borrowed (a name from a code object): cloned only
/// when a new entry is made.
#[inline]
pub fn set_ref(vm: &Vm, d: &RefCell<Dict>, key: &Value, value: Value) -> PyResult<()> {
    match fast::set(vm, d, key, value) {
        Ok(r) => r,
        Err(value) => {
            let hash = vm.hash(key)?;
            set_h(vm, d, key.clone(), hash, value)
        }
    }
}

/// `d[key] = value` with a known hash.
pub fn set_h(vm: &Vm, d: &RefCell<Dict>, key: Value, hash: i64, value: Value) -> PyResult<()> {
    let known = d.try_borrow().ok().and_then(|b| fast::find(vm, &b, &key));
    let found = match known {
        Some((f, _)) => f,
        None => lookup(vm, d, &key, hash)?,
    };
    store(vm, d.borrow_mut(), found, hash, || key, value)
}

/// Stores `value` at entry `found` of the borrowed dict, or in a new entry
/// under `key()`.
#[inline(always)]
fn store(
    vm: &Vm,
    mut b: std::cell::RefMut<'_, Dict>,
    found: Option<usize>,
    hash: i64,
    key: impl FnOnce() -> Value,
    value: Value,
) -> PyResult<()> {
    match found {
        Some(ix) => {
            b.changed();
            let old = std::mem::replace(&mut b.entries[ix].value, value);
            drop(b);
            // After the borrow: the old value's teardown may reach the dict.
            drop(old);
            Ok(())
        }
        None => b.insert_new(vm, hash, key(), value),
    }
}

/// The eval loop's subscript and `in` fast paths: an int or str key, whose
/// hash and comparisons with the keys it meets run no Python code. Each
/// returns None when the general path must decide (another kind of key, a
/// candidate key with its own `__eq__`, the dict borrowed).
pub(crate) mod fast {
    use super::*;

    /// The entry index of `key` (`Some(None)`: absent) and its hash. The
    /// comparison with a stored key of the same kind is inline.
    #[inline]
    pub(super) fn find(vm: &Vm, d: &Dict, key: &Value) -> Option<(Option<usize>, i64)> {
        let (hash, found) = match key {
            Value::Int(i) => {
                let hash = super::super::hash::hash_i64(*i);
                let found = d.find_with(hash, 0, |k| match k {
                    Value::Int(j) => Some(i == j),
                    _ => simple_eq(k, key),
                });
                (hash, found)
            }
            Value::Obj(o) => match &o.kind {
                ObjKind::Str(s) => {
                    let hash = super::super::hash::str_hash(vm, s);
                    let found = d.find_with(hash, 0, |k| match k {
                        Value::Obj(ko) if ko.ptr_eq(o) || matches!(ko.kind, ObjKind::Str(_)) => {
                            Some(is_str_key(k, o, s.as_bytes()))
                        }
                        _ => simple_eq(k, key),
                    });
                    (hash, found)
                }
                _ => return None,
            },
            _ => return None,
        };
        Some((found.ok()?, hash))
    }

    /// `d[key]` when present.
    #[inline(never)]
    pub(crate) fn get(vm: &Vm, d: &RefCell<Dict>, key: &Value) -> Option<Value> {
        let b = d.try_borrow().ok()?;
        let ix = find(vm, &b, key)?.0?;
        Some(b.entries[ix].value.clone())
    }

    /// `d[key]` for a str `key`, tried first at entry `hint` (an attribute
    /// cache's guess, compared by identity), with the entry index it was
    /// found at; `Some((None, None))` when absent, None when `d` cannot be
    /// read here (borrowed).
    #[inline]
    pub(crate) fn get_hinted(
        vm: &Vm,
        d: &RefCell<Dict>,
        key: &Value,
        hint: usize,
    ) -> Option<(Option<Value>, Option<usize>)> {
        let b = d.try_borrow().ok()?;
        if let (Some(e), Value::Obj(k)) = (b.entries.get(hint), key)
            && let Value::Obj(ek) = &e.key
            && ek.ptr_eq(k)
        {
            return Some((Some(e.value.clone()), Some(hint)));
        }
        let ix = find(vm, &b, key)?.0;
        Some((ix.map(|ix| b.entries[ix].value.clone()), ix))
    }

    /// `key in d`.
    #[inline(never)]
    pub(crate) fn contains(vm: &Vm, d: &RefCell<Dict>, key: &Value) -> Option<bool> {
        let b = d.try_borrow().ok()?;
        Some(find(vm, &b, key)?.0.is_some())
    }

    /// `d[key] = value`; `Err(value)` back when the general path must
    /// store it.
    #[inline(never)]
    pub(crate) fn set(
        vm: &Vm,
        d: &RefCell<Dict>,
        key: &Value,
        value: Value,
    ) -> Result<PyResult<()>, Value> {
        let Ok(b) = d.try_borrow_mut() else {
            return Err(value);
        };
        match find(vm, &b, key) {
            Some((found, hash)) => Ok(store(vm, b, found, hash, || key.clone(), value)),
            None => Err(value),
        }
    }
}

/// `del d[key]`: the removed value, or None if absent.
pub fn remove(vm: &Vm, d: &RefCell<Dict>, key: &Value) -> PyResult<Option<Value>> {
    // An int or str key (namespaces, registries): found inline.
    let found = d.try_borrow().ok().and_then(|b| fast::find(vm, &b, key));
    if let Some((ix, _)) = found {
        return Ok(ix.map(|ix| d.borrow_mut().remove_at(ix).value));
    }
    let hash = vm.hash(key)?;
    match lookup(vm, d, key, hash)? {
        Some(ix) => {
            let e = d.borrow_mut().remove_at(ix);
            Ok(Some(e.value))
        }
        None => Ok(None),
    }
}

/// Stores str-keyed items into `d` when it has no items (an object's
/// fresh namespace) without looking any key up: the keys must be distinct
/// str values. False, having done nothing, when `d` has items or is
/// borrowed (the caller sets them one by one then).
pub fn fill_empty(vm: &Vm, d: &RefCell<Dict>, items: &[(&Value, Value)]) -> PyResult<bool> {
    let Ok(mut b) = d.try_borrow_mut() else {
        return Ok(false);
    };
    if b.used != 0 {
        return Ok(false);
    }
    debug_assert!(
        items
            .iter()
            .enumerate()
            .all(|(i, (k, _))| items[..i].iter().all(|(j, _)| !j.is(k))),
        "fill_empty takes distinct keys"
    );
    if items.iter().any(|(k, _)| k.as_str().is_none()) {
        return Err(vm.type_error("fill_empty takes str keys"));
    }
    // (Every key is a str: checked above.)
    let hashed = items.iter().map(|(k, v)| {
        let hash = k.as_str().map_or(0, |s| super::hash::str_hash(vm, s));
        (hash, (*k).clone(), v.clone())
    });
    b.insert_new_n(vm, items.len(), hashed)?;
    Ok(true)
}

/// Sets a str-keyed item (module and instance namespaces).
pub fn set_str(vm: &Vm, d: &RefCell<Dict>, key: &Value, value: Value) -> PyResult<()> {
    set(vm, d, key.clone(), value)
}

/// Pops the last item (`popitem`).
pub fn pop_last(d: &RefCell<Dict>) -> Option<(Value, Value)> {
    let mut b = d.borrow_mut();
    let ix = b.entries.iter().rposition(|e| !e.key.is_undef())?;
    let e = b.remove_at(ix);
    // Trim trailing holes so repeated popitem stays cheap.
    while b.entries.last().is_some_and(|e| e.key.is_undef()) {
        b.entries.pop();
    }
    Some((e.key, e.value))
}

/// Snapshot of the keys.
pub fn keys(d: &RefCell<Dict>) -> Vec<Value> {
    d.borrow().iter().map(|(k, _)| k.clone()).collect()
}

/// Snapshot of the items.
pub fn items(d: &RefCell<Dict>) -> Vec<(Value, Value)> {
    d.borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
