//! `set` and `frozenset`: open addressing with CPython's probe sequence,
//! fill factor and resize policy (Objects/setobject.c, 3.13), so a set of
//! ints iterates — and prints — in the same order as CPython's.

use std::cell::RefCell;

use super::dict::simple_eq;
use super::heap::{PyVec, pyvec};
use super::object::Value;
use super::state::{PyResult, Vm};

const MINSIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// One slot.
#[derive(Debug, Clone)]
pub struct Slot {
    /// Hash (-1 marks a deleted slot).
    pub hash: i64,
    /// Key (`Undef`: empty or deleted).
    pub key: Value,
}

/// The table.
#[derive(Debug)]
pub struct SetData {
    /// Slots (length a power of two).
    pub table: PyVec<Slot>,
    fill: usize,
    used: usize,
    /// Bumped on every change.
    pub version: u64,
}

impl Default for SetData {
    fn default() -> Self {
        SetData::new()
    }
}

enum Probe {
    /// The key is at this slot.
    Found(usize),
    /// Not present; insert at this slot.
    Absent(usize),
    /// A slot whose key needs a Python comparison.
    Compare(usize),
}

impl SetData {
    /// An empty set.
    pub fn new() -> SetData {
        SetData {
            table: pyvec(),
            fill: 0,
            used: 0,
            version: 0,
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.used
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Members in table order.
    pub fn iter(&self) -> impl Iterator<Item = &Value> {
        self.table
            .iter()
            .filter(|s| !s.key.is_undef())
            .map(|s| &s.key)
    }

    /// Members with hashes.
    pub fn iter_hashed(&self) -> impl Iterator<Item = (&Value, i64)> {
        self.table
            .iter()
            .filter(|s| !s.key.is_undef())
            .map(|s| (&s.key, s.hash))
    }

    fn ensure_table(&mut self, vm: &Vm) -> PyResult<()> {
        if self.table.is_empty() {
            let mut t = pyvec();
            t.try_reserve(MINSIZE).map_err(|_| vm.memory_error())?;
            t.resize(
                MINSIZE,
                Slot {
                    hash: 0,
                    key: Value::Undef,
                },
            );
            self.table = t;
        }
        Ok(())
    }

    /// Probes for `key`, skipping the first `skip` slots that needed a
    /// Python comparison and compared unequal.
    fn probe(&self, key: &Value, hash: i64, skip: usize) -> Probe {
        let mask = self.table.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        let mut compared = 0;
        let mut freeslot: Option<usize> = None;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                let s = &self.table[j];
                if s.key.is_undef() && s.hash == 0 {
                    return Probe::Absent(freeslot.unwrap_or(j));
                }
                if s.hash == hash && !s.key.is_undef() {
                    match simple_eq(&s.key, key) {
                        Some(true) => return Probe::Found(j),
                        Some(false) => {}
                        None => {
                            if compared >= skip {
                                return Probe::Compare(j);
                            }
                            compared += 1;
                        }
                    }
                } else if s.hash == -1 && freeslot.is_none() {
                    freeslot = Some(j);
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    fn resize(&mut self, vm: &Vm, minused: usize) -> PyResult<()> {
        let mut newsize = MINSIZE;
        while newsize <= minused {
            newsize <<= 1;
        }
        let old = std::mem::replace(&mut self.table, pyvec());
        let mut t: PyVec<Slot> = pyvec();
        t.try_reserve(newsize).map_err(|_| vm.memory_error())?;
        t.resize(
            newsize,
            Slot {
                hash: 0,
                key: Value::Undef,
            },
        );
        self.table = t;
        self.fill = self.used;
        let mask = newsize - 1;
        for s in old {
            if s.key.is_undef() {
                continue;
            }
            // set_insert_clean()
            let mut perturb = s.hash as u64;
            let mut i = (s.hash as u64 as usize) & mask;
            'outer: loop {
                if self.table[i].key.is_undef() {
                    break;
                }
                if i + LINEAR_PROBES <= mask {
                    for _ in 0..LINEAR_PROBES {
                        i += 1;
                        if self.table[i].key.is_undef() {
                            break 'outer;
                        }
                    }
                }
                perturb >>= PERTURB_SHIFT;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(1)
                    .wrapping_add(perturb as usize))
                    & mask;
            }
            self.table[i] = s;
        }
        self.version += 1;
        Ok(())
    }
}

/// Finds `key`'s slot, running `__eq__` without holding the borrow.
fn find(vm: &Vm, s: &RefCell<SetData>, key: &Value, hash: i64) -> PyResult<Result<usize, usize>> {
    find_by(vm, || s.borrow(), key, hash)
}

/// `find` over the table `get` gives (a borrow of a set's cell, or a
/// frozenset's table itself).
fn find_by<B: std::ops::Deref<Target = SetData>>(
    vm: &Vm,
    get: impl Fn() -> B,
    key: &Value,
    hash: i64,
) -> PyResult<Result<usize, usize>> {
    let mut skip = 0;
    loop {
        let (version, slot, ckey) = {
            let b = get();
            if b.table.is_empty() {
                return Ok(Err(usize::MAX));
            }
            match b.probe(key, hash, skip) {
                Probe::Found(i) => return Ok(Ok(i)),
                Probe::Absent(i) => return Ok(Err(i)),
                Probe::Compare(i) => (b.version, i, b.table[i].key.clone()),
            }
        };
        let eq = vm.eq(&ckey, key)?;
        let b = get();
        if b.version != version {
            skip = 0;
            continue;
        }
        if eq {
            return Ok(Ok(slot));
        }
        skip += 1;
    }
}

/// `key in s`.
pub fn contains(vm: &Vm, s: &RefCell<SetData>, key: &Value) -> PyResult<bool> {
    let hash = vm.hash(key)?;
    Ok(find(vm, s, key, hash)?.is_ok())
}

/// `key in fs` for a frozenset: hashed as for a set (an unhashable key
/// is a TypeError).
pub fn frozen_contains(vm: &Vm, s: &SetData, key: &Value) -> PyResult<bool> {
    let hash = vm.hash(key)?;
    Ok(find_by(vm, || s, key, hash)?.is_ok())
}

/// `s.add(key)`.
pub fn add(vm: &Vm, s: &RefCell<SetData>, key: Value) -> PyResult<()> {
    let hash = vm.hash(&key)?;
    add_h(vm, s, key, hash)
}

/// `s.add(key)` with a known hash.
pub fn add_h(vm: &Vm, s: &RefCell<SetData>, key: Value, hash: i64) -> PyResult<()> {
    s.borrow_mut().ensure_table(vm)?;
    match find(vm, s, &key, hash)? {
        Ok(_) => Ok(()),
        Err(slot) => {
            let mut b = s.borrow_mut();
            let was_dummy = b.table[slot].hash == -1;
            b.table[slot] = Slot { hash, key };
            b.used += 1;
            b.version += 1;
            if !was_dummy {
                b.fill += 1;
                let mask = b.table.len() - 1;
                if b.fill * 5 >= mask * 3 {
                    let used = b.used;
                    b.resize(vm, if used > 50000 { used * 2 } else { used * 4 })?;
                }
            }
            Ok(())
        }
    }
}

/// `s.discard(key)`: true if it was present.
pub fn discard(vm: &Vm, s: &RefCell<SetData>, key: &Value) -> PyResult<bool> {
    let hash = vm.hash(key)?;
    match find(vm, s, key, hash)? {
        Ok(slot) => {
            let old = {
                let mut b = s.borrow_mut();
                b.used -= 1;
                b.version += 1;
                std::mem::replace(
                    &mut b.table[slot],
                    Slot {
                        hash: -1,
                        key: Value::Undef,
                    },
                )
            };
            drop(old);
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// Removes and returns an arbitrary member (`set.pop`), scanning from
/// the start as CPython's finger does on a fresh set.
pub fn pop(s: &RefCell<SetData>) -> Option<Value> {
    let mut b = s.borrow_mut();
    let i = b.table.iter().position(|sl| !sl.key.is_undef())?;
    let sl = std::mem::replace(
        &mut b.table[i],
        Slot {
            hash: -1,
            key: Value::Undef,
        },
    );
    b.used -= 1;
    b.version += 1;
    Some(sl.key)
}

/// Removes everything.
pub fn clear(s: &RefCell<SetData>) {
    let mut b = s.borrow_mut();
    b.table = pyvec();
    b.fill = 0;
    b.used = 0;
    b.version += 1;
}

/// Snapshot of the members in table order.
pub fn members(s: &SetData) -> Vec<(Value, i64)> {
    s.iter_hashed().map(|(k, h)| (k.clone(), h)).collect()
}
