//! Path configuration for pyrt's layout.
//!
//! Mirrors what `Modules/getpath.py` computes in CPython 3.13 —
//! `program_name`, `home`, `executable`, the prefixes, `stdlib_dir`,
//! `platlibdir` and `module_search_paths` — for pyrt's own layout:
//!
//! ```text
//! <prefix>/bin/pyrt                     the executable (or anywhere: see below)
//! <prefix>/<platlibdir>/python3.13/     pure-Python modules found on sys.path
//! ```
//!
//! - `program_name`: `argv[0]` as given, else `python3`.
//! - `executable`: `program_name` made absolute when it contains a `/`,
//!   else the first `PATH` entry holding it, else the host's executable.
//! - `prefix`/`exec_prefix`: `PYTHONHOME` (`prefix[:exec_prefix]`) when set;
//!   otherwise the executable's directory, or its parent when that
//!   directory is named `bin`.
//! - `module_search_paths`: each `PYTHONPATH` entry made absolute, then
//!   `stdlib_dir`.
//!
//! Deliberate difference: pyrt's modules are built in, so there are no
//! landmark files to find. A `PYTHONHOME` or `PYTHONPLATLIBDIR` naming a
//! place without a standard library is therefore not an error (CPython
//! fails to import `encodings` there); the values are still reported.
//! `pyvenv.cfg` files are not consulted: pyrt has no virtual environments.

use super::pyconfig::Config;
use super::read::ReadContext;
use crate::platform::FileKind;
use crate::status::InitResult;
use crate::wstr::{WString, WideStringList};

/// `<prefix>/<platlibdir>/python3.13`.
const STDLIB_NAME: &str = "python3.13";

/// Computes the path configuration fields that are still unset.
pub(crate) fn compute(config: &mut Config, cx: &ReadContext<'_>) -> InitResult {
    let use_env = config.use_environment != 0;
    let utf8 = cx.preconfig.utf8_mode == 1;
    let decode = |b: &[u8]| cx.loc.decode(b, utf8);

    if config.program_name.is_none() {
        config.program_name = Some(match config.orig_argv.items().first() {
            Some(a) if !a.is_empty() => a.clone(),
            _ => WString::from("python3"),
        });
    }
    if config.home.is_none() {
        config.home = cx
            .loc
            .environ
            .get_nonempty(b"PYTHONHOME")
            .filter(|_| use_env)
            .map(decode);
    }
    if config.platlibdir.is_none() {
        config.platlibdir = Some(WString::from("lib"));
    }
    if config.executable.is_none() {
        let program = config.program_name.clone().unwrap_or_default();
        config.executable = Some(find_executable(&program, cx, use_env));
    }
    if config.base_executable.is_none() {
        config.base_executable = config.executable.clone();
    }

    let (prefix, exec_prefix) = match &config.home {
        Some(home) => match home.find_ascii(b':') {
            Some(i) => (home.head(i), home.tail(i + 1)),
            None => (home.clone(), home.clone()),
        },
        None => {
            let p = prefix_of(config.executable.as_ref().unwrap_or(&WString::new()));
            (p.clone(), p)
        }
    };
    for (field, value) in [
        (&mut config.prefix, &prefix),
        (&mut config.base_prefix, &prefix),
        (&mut config.exec_prefix, &exec_prefix),
        (&mut config.base_exec_prefix, &exec_prefix),
    ] {
        if field.is_none() {
            *field = Some(value.clone());
        }
    }
    let platlibdir = config.platlibdir.clone().unwrap_or_default();
    let stdlib_dir = join(&join(&prefix, &platlibdir), &WString::from(STDLIB_NAME));
    if config.stdlib_dir.is_none() {
        config.stdlib_dir = Some(stdlib_dir.clone());
    }
    if config.module_search_paths_set == 0 {
        let mut paths = WideStringList::new();
        if let Some(pp) = &config.pythonpath_env {
            for entry in pp.split_ascii(b':') {
                paths.append(cx.abspath(&entry));
            }
        }
        paths.append(stdlib_dir);
        config.module_search_paths = paths;
        config.module_search_paths_set = 1;
    }
    Ok(())
}

fn find_executable(program: &WString, cx: &ReadContext<'_>, _use_env: bool) -> WString {
    let utf8 = cx.preconfig.utf8_mode == 1;
    if program.find_ascii(b'/').is_some() {
        return cx.abspath(program);
    }
    if let Some(path) = cx.loc.environ.get_nonempty(b"PATH") {
        for dir in path.split(|&b| b == b':') {
            let dir = cx.loc.decode(dir, utf8);
            let candidate = cx.abspath(&join(&dir, program));
            let encoded = cx.loc.encode(&candidate, utf8);
            if cx.fs.kind(&encoded) == Some(FileKind::File) {
                return candidate;
            }
        }
    }
    match cx.host_executable {
        Some(exe) => cx.loc.decode(exe, utf8),
        None => WString::new(),
    }
}

/// `dirname(executable)`, or its parent when that directory is `bin`.
fn prefix_of(executable: &WString) -> WString {
    let dir = dirname(executable);
    let bytes = dir.as_bytes();
    if bytes.ends_with(b"/bin") {
        let parent = dirname(&dir);
        if parent.is_empty() {
            return WString::from("/");
        }
        return parent;
    }
    dir
}

/// `os.path.dirname` for POSIX paths.
pub(crate) fn dirname(path: &WString) -> WString {
    match path.as_bytes().iter().rposition(|&b| b == b'/') {
        Some(0) => WString::from("/"),
        Some(i) => {
            // Strip repeated separators ("a//b" → "a").
            let mut end = i;
            while end > 1 && path.as_bytes()[end - 1] == b'/' {
                end -= 1;
            }
            path.head(end)
        }
        None => WString::new(),
    }
}

/// `os.path.join(a, b)` for POSIX paths.
pub(crate) fn join(a: &WString, b: &WString) -> WString {
    if b.starts_with("/") || a.is_empty() {
        return b.clone();
    }
    let mut out = a.clone();
    if !out.ends_with("/") {
        out.push_str("/");
    }
    out.push_wstr(b);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_path_helpers() {
        let w = WString::from;
        assert_eq!(dirname(&w("/a/b/c")), w("/a/b"));
        assert_eq!(dirname(&w("/a")), w("/"));
        assert_eq!(dirname(&w("a")), w(""));
        assert_eq!(dirname(&w("/a//b")), w("/a"));
        assert_eq!(join(&w("/a"), &w("b")), w("/a/b"));
        assert_eq!(join(&w("/a/"), &w("/b")), w("/b"));
        assert_eq!(prefix_of(&w("/opt/pyrt/bin/pyrt")), w("/opt/pyrt"));
        assert_eq!(
            prefix_of(&w("/work/target/release/pyrt")),
            w("/work/target/release")
        );
        assert_eq!(prefix_of(&w("/bin/pyrt")), w("/"));
    }
}
