//! `range` and the builtin iterators.

use super::dict::ViewKind;
use super::object::Value;

/// A `range` (64-bit bounds; ranges beyond `i64` are outside the subset).
#[derive(Clone, Copy, Debug)]
pub struct RangeObj {
    /// Start.
    pub start: i64,
    /// Stop.
    pub stop: i64,
    /// Step (non-zero).
    pub step: i64,
}

impl RangeObj {
    /// `len(range)`.
    pub fn len(&self) -> i64 {
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            if lo < hi { (hi - lo - 1) / step + 1 } else { 0 }
        } else if lo > hi {
            (lo - hi - 1) / (-step) + 1
        } else {
            0
        };
        n.min(i64::MAX as i128) as i64
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The i-th element (no bounds check).
    pub fn at(&self, i: i64) -> i64 {
        self.start + i * self.step
    }
}

/// The state of a builtin iterator.
#[derive(Debug)]
pub enum IterState {
    /// Over a list, tuple or bytes by index.
    Seq {
        /// The sequence.
        seq: Value,
        /// Next index.
        idx: usize,
        /// Type name (`list_iterator`, …).
        name: &'static str,
    },
    /// Over a range.
    Range {
        /// Next value.
        cur: i64,
        /// Values left.
        left: i64,
        /// Step.
        step: i64,
    },
    /// Over a str, by byte position.
    Str {
        /// The str.
        s: Value,
        /// Next byte.
        pos: usize,
    },
    /// Over a dict or a view.
    Dict {
        /// The dict object.
        d: Value,
        /// Next entry index.
        pos: usize,
        /// Keys, values or items.
        kind: ViewKind,
        /// Size when iteration started.
        len: usize,
    },
    /// Over a set.
    Set {
        /// The set object.
        s: Value,
        /// Next slot.
        pos: usize,
        /// Size when iteration started.
        len: usize,
    },
    /// `enumerate`.
    Enumerate {
        /// The iterator.
        it: Value,
        /// Next count.
        n: Value,
    },
    /// `zip`.
    Zip {
        /// The iterators.
        its: Vec<Value>,
        /// `strict=True`.
        strict: bool,
    },
    /// `map`.
    Map {
        /// The function.
        f: Value,
        /// The iterators.
        its: Vec<Value>,
    },
    /// `filter`.
    Filter {
        /// The predicate (None: truth).
        f: Value,
        /// The iterator.
        it: Value,
    },
    /// `reversed` over a sequence.
    Reversed {
        /// The sequence.
        seq: Value,
        /// Next index (-1: done).
        idx: i64,
    },
    /// The old sequence protocol: `seq[0]`, `seq[1]`, … until IndexError
    /// (or StopIteration), for an object with `__getitem__` and no
    /// `__iter__`.
    Indexed {
        /// The object.
        seq: Value,
        /// Next index.
        idx: i64,
    },
    /// `iter(callable, sentinel)`.
    Call {
        /// The callable.
        f: Value,
        /// The sentinel.
        sentinel: Value,
    },
    /// Finished.
    Done,
}

impl IterState {
    /// The iterator type's name.
    pub fn type_name(&self) -> &'static str {
        match self {
            IterState::Seq { name, .. } => name,
            IterState::Range { .. } => "range_iterator",
            IterState::Str { .. } => "str_ascii_iterator",
            IterState::Dict {
                kind: ViewKind::Keys,
                ..
            } => "dict_keyiterator",
            IterState::Dict {
                kind: ViewKind::Values,
                ..
            } => "dict_valueiterator",
            IterState::Dict {
                kind: ViewKind::Items,
                ..
            } => "dict_itemiterator",
            IterState::Set { .. } => "set_iterator",
            IterState::Enumerate { .. } => "enumerate",
            IterState::Zip { .. } => "zip",
            IterState::Map { .. } => "map",
            IterState::Filter { .. } => "filter",
            IterState::Reversed { .. } => "reversed",
            IterState::Indexed { .. } => "iterator",
            IterState::Call { .. } => "callable_iterator",
            IterState::Done => "iterator",
        }
    }

    /// Values it references.
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        match self {
            IterState::Seq { seq, .. }
            | IterState::Reversed { seq, .. }
            | IterState::Indexed { seq, .. } => visit(seq),
            IterState::Str { s, .. } | IterState::Set { s, .. } => visit(s),
            IterState::Dict { d, .. } => visit(d),
            IterState::Enumerate { it, n } => {
                visit(it);
                visit(n);
            }
            IterState::Zip { its, .. } => its.iter().for_each(visit),
            IterState::Map { f, its } => {
                visit(f);
                its.iter().for_each(visit);
            }
            IterState::Filter { f, it } => {
                visit(f);
                visit(it);
            }
            IterState::Call { f, sentinel } => {
                visit(f);
                visit(sentinel);
            }
            IterState::Range { .. } | IterState::Done => {}
        }
    }
}
