//! "Did you mean: …?" for NameError, AttributeError and `from m import x`
//! ImportError, as CPython 3.13's traceback printing adds it
//! (Lib/traceback.py's candidates, Python/suggestions.c's weighted
//! Levenshtein distance over the names' UTF-8 bytes), and "Did you forget
//! to import 'sys'?" for a standard-library module name.

use super::exc::ExcObj;
use super::object::{ObjKind, ObjRef, Value};
use super::state::Vm;

const MAX_CANDIDATE_ITEMS: usize = 750;
const MAX_STRING_SIZE: usize = 40;
const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;

/// The cost of turning byte `a` into `b`: free, a case flip, or a move.
fn substitution_cost(a: u8, b: u8) -> usize {
    if a & 31 != b & 31 {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) {
        CASE_COST
    } else {
        MOVE_COST
    }
}

/// The weighted edit distance of `a` and `b`, or `max_cost + 1` once it
/// is known to exceed `max_cost`.
fn levenshtein<'a>(mut a: &'a [u8], mut b: &'a [u8], max_cost: usize) -> usize {
    if a == b {
        return 0;
    }
    while let (Some(x), Some(y)) = (a.first(), b.first())
        && x == y
    {
        a = &a[1..];
        b = &b[1..];
    }
    while let (Some(x), Some(y)) = (a.last(), b.last())
        && x == y
    {
        a = &a[..a.len() - 1];
        b = &b[..b.len() - 1];
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    // One row of the matrix, updated in place.
    let mut row: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (bi, &code) in b.iter().enumerate() {
        let mut distance = bi * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (i, &ac) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, ac);
            distance = row[i];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            row[i] = result;
            minimum = minimum.min(result);
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// The closest of `candidates` to `wrong` (CPython's
/// `_Py_CalculateSuggestions`): at most a third of the characters
/// changed, the first of equally close ones.
fn closest<'a>(candidates: &'a [String], wrong: &str) -> Option<&'a str> {
    if candidates.len() >= MAX_CANDIDATE_ITEMS {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        if c == wrong {
            continue;
        }
        let limit = (wrong.len() + c.len() + 3) * MOVE_COST / 6;
        let limit = match best {
            Some((_, d)) => limit.min(d.saturating_sub(1)),
            None => limit,
        };
        let d = levenshtein(wrong.as_bytes(), c.as_bytes(), limit);
        if d > limit {
            continue;
        }
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|b| b.0)
}

/// The str keys of a dict value, in order.
fn dict_names(vm: &Vm, d: &Value, out: &mut Vec<String>) {
    if let Some(ObjKind::Dict(dd)) = d.as_obj().map(|o| &o.kind) {
        for k in super::dict::keys(dd) {
            if k.as_str().is_some() {
                out.push(vm.display_str(&k));
            }
        }
    }
}

/// The innermost traceback entry's frame object.
fn innermost_frame(x: &ExcObj) -> Option<ObjRef> {
    x.traceback.borrow().last().and_then(|e| e.frame.clone())
}

fn frame_attr(vm: &Vm, frame: &ObjRef, name: &str) -> Option<Value> {
    let n = vm.new_str(name).ok()?;
    vm.getattr(&Value::Obj(frame.clone()), &n).ok()
}

fn attr(vm: &Vm, x: &ExcObj, name: &str) -> Value {
    vm.dict_get_str(&x.dict, name).unwrap_or(Value::None)
}

/// The sorted str names `dir(obj)` gives (None if `dir` fails).
fn dir_names(vm: &Vm, obj: &Value) -> Option<Vec<String>> {
    let dir = vm.dict_get_str(&vm.builtins_dict, "dir")?;
    let r = vm
        .call(
            &dir,
            super::func::Args::positional(std::slice::from_ref(obj)),
        )
        .ok()?;
    let items = vm.to_vec(&r).ok()?;
    let mut names: Vec<String> = items
        .iter()
        .filter(|v| v.as_str().is_some())
        .map(|v| vm.display_str(v))
        .collect();
    names.sort();
    Some(names)
}

/// What the traceback adds to the message of exception `x` of class
/// `cls` (empty for none).
pub(crate) fn suffix(vm: &Vm, x: &ExcObj, cls: &ObjRef) -> String {
    let is = |name: &str| super::typeobj::is_subtype(cls, &vm.exc_type(name));
    let mut out = String::new();
    if is("NameError") || is("AttributeError") {
        let wrong = attr(vm, x, "name");
        let Some(w) = wrong.as_str().map(|s| s.to_string_lossy().into_owned()) else {
            return out;
        };
        let suggestion = if is("AttributeError") {
            attribute_suggestion(vm, x, &w)
        } else {
            name_suggestion(vm, x, &w)
        };
        if let Some(s) = &suggestion {
            out.push_str(&format!(". Did you mean: '{s}'?"));
        }
        if is("NameError") && super::modules::STDLIB_MODULE_NAMES.contains(&w.as_str()) {
            if suggestion.is_some() {
                out.push_str(&format!(" Or did you forget to import '{w}'?"));
            } else {
                out.push_str(&format!(". Did you forget to import '{w}'?"));
            }
        }
    } else if is("ImportError")
        && let Some(w) = attr(vm, x, "name_from")
            .as_str()
            .map(|s| s.to_string_lossy().into_owned())
    {
        let module = attr(vm, x, "name");
        let names = module
            .as_str()
            .and_then(|m| vm.import_module(&m.to_string_lossy()).ok())
            .and_then(|m| dir_names(vm, &Value::Obj(m)));
        if let Some(mut names) = names {
            if !w.starts_with('_') {
                names.retain(|n| !n.starts_with('_'));
            }
            if let Some(s) = closest(&names, &w) {
                out.push_str(&format!(". Did you mean: '{s}'?"));
            }
        }
    }
    out
}

fn attribute_suggestion(vm: &Vm, x: &ExcObj, wrong: &str) -> Option<String> {
    let obj = attr(vm, x, "obj");
    let mut names = dir_names(vm, &obj)?;
    // Private names only for a private wrong name, or inside one of the
    // object's own methods.
    let mut hide = !wrong.starts_with('_');
    if hide
        && let Some(f) = innermost_frame(x)
        && let Some(Value::Obj(locals)) = frame_attr(vm, &f, "f_locals")
        && let Some(s) = vm.dict_get_str(&locals, "self")
        && s.is(&obj)
    {
        hide = false;
    }
    if hide {
        names.retain(|n| !n.starts_with('_'));
    }
    closest(&names, wrong).map(str::to_string)
}

fn name_suggestion(vm: &Vm, x: &ExcObj, wrong: &str) -> Option<String> {
    let f = innermost_frame(x)?;
    let mut names = Vec::new();
    let locals = frame_attr(vm, &f, "f_locals");
    for which in ["f_globals", "f_builtins"] {
        if which == "f_globals"
            && let Some(l) = &locals
        {
            dict_names(vm, l, &mut names);
        }
        if let Some(d) = frame_attr(vm, &f, which) {
            dict_names(vm, &d, &mut names);
        }
    }
    // In a method, an attribute of `self` of that name comes first.
    if let Some(Value::Obj(l)) = &locals
        && matches!(l.kind, ObjKind::Dict(_))
        && let Some(s) = vm.dict_get_str(l, "self")
        && let Ok(n) = vm.new_str(wrong)
        && vm.getattr_optional(&s, &n).ok().flatten().is_some()
    {
        return Some(format!("self.{wrong}"));
    }
    closest(&names, wrong).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_weigh_case_flips_half() {
        assert_eq!(levenshtein(b"abc", b"abc", 10), 0);
        assert_eq!(levenshtein(b"abc", b"aBc", 10), CASE_COST);
        assert_eq!(levenshtein(b"abc", b"abd", 10), MOVE_COST);
        assert_eq!(levenshtein(b"abc", b"abcd", 10), MOVE_COST);
        assert_eq!(levenshtein(b"kitten", b"sitting", 100), 3 * MOVE_COST);
        assert_eq!(levenshtein(b"abcdef", b"uvwxyz", 3), 4);
    }

    #[test]
    fn closest_takes_the_first_of_equals_and_skips_far_ones() {
        let c: Vec<String> = ["lenght", "length", "zzzzzz"].map(String::from).to_vec();
        assert_eq!(closest(&c, "lengt"), Some("lenght"));
        assert_eq!(closest(&c, "qqqq"), None);
        assert_eq!(closest(&c, "length"), Some("lenght"));
    }
}
