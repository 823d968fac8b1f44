//! The VM case-file suite: Python snippets (`DIR/NAME.py`) with the
//! stdout, stderr and exit status CPython 3.13 gives for them
//! (`DIR/NAME.expected.json`, written by `--generate` with CPython).
//!
//! Each case runs as `INTERP NAME.py` in `DIR`, with an environment of
//! only `PATH` (so CPython runs in its C-locale UTF-8 mode, as pyrt does)
//! and stdin closed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// Exit status (-N: killed by signal N).
    pub exit_code: i32,
}

/// Runs `interp` (a command line, split on spaces) on `dir/name`.
pub fn run(interp: &str, dir: &Path, name: &str) -> std::io::Result<Outcome> {
    let mut words = interp.split_whitespace();
    let prog = words.next().unwrap_or("python3");
    let mut cmd = Command::new(prog);
    cmd.args(words)
        .arg(name)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    let out = cmd.output()?;
    let exit_code = match out.status.code() {
        Some(c) => c,
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                -out.status.signal().unwrap_or(0)
            }
            #[cfg(not(unix))]
            {
                -1
            }
        }
    };
    // Script paths are absolute in tracebacks: name the case directory
    // `<DIR>` so expected files hold for any checkout location. Object
    // addresses on stderr ("Exception ignored in: <function … at 0x…>")
    // differ between interpreters and runs: `0x?`.
    let d = dir.to_string_lossy().into_owned();
    let norm = |b: &[u8]| String::from_utf8_lossy(b).replace(&d, "<DIR>");
    Ok(Outcome {
        stdout: norm(&out.stdout),
        stderr: norm(&crate::mem_faults::normalize(&out.stderr)),
        exit_code,
    })
}

fn cases(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".py"))
        .collect();
    names.sort();
    Ok(names)
}

fn expected_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{}.expected.json", name.trim_end_matches(".py")))
}

/// The expected file for a platform variant (`NAME.VARIANT.expected.json`,
/// e.g. `wasm32` where `sys.maxsize` is 2**31 - 1) when one exists, else
/// the common one.
fn expected_for(dir: &Path, name: &str, variant: Option<&str>) -> PathBuf {
    if let Some(v) = variant {
        let p = dir.join(format!(
            "{}.{v}.expected.json",
            name.trim_end_matches(".py")
        ));
        if p.exists() {
            return p;
        }
    }
    expected_path(dir, name)
}

/// Writes the expected files from `interp` (CPython 3.13), for the cases
/// whose name contains `only` if given.
pub fn generate(interp: &str, dir: &Path, only: Option<&str>) -> std::io::Result<usize> {
    let names: Vec<String> = cases(dir)?
        .into_iter()
        .filter(|n| only.is_none_or(|o| n.contains(o)))
        .collect();
    for name in &names {
        let o = run(interp, dir, name)?;
        let j = json!({"stdout": o.stdout, "stderr": o.stderr, "exit_code": o.exit_code});
        let text = serde_json::to_string_pretty(&j).unwrap_or_default();
        std::fs::write(expected_path(dir, name), text + "\n")?;
    }
    Ok(names.len())
}

/// A unified-ish diff of two texts, line by line (first difference and
/// some context).
fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let first = w
        .iter()
        .zip(g.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let mut out = String::new();
    for i in first.saturating_sub(2)..(first + 4).min(w.len().max(g.len())) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => out.push_str(&format!("      {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!("    - {a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!("    + {b}\n"));
                }
            }
        }
    }
    out
}

/// Runs every case against `interp`; prints a FAIL block per mismatch and
/// "N passed, N failed". Returns the number of failures.
pub fn check(
    interp: &str,
    dir: &Path,
    only: Option<&str>,
    variant: Option<&str>,
) -> std::io::Result<usize> {
    let mut passed = 0;
    let mut failed = 0;
    for name in cases(dir)? {
        if only.is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let want: Value = match std::fs::read_to_string(expected_for(dir, &name, variant)) {
            Ok(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
            Err(_) => {
                println!("FAIL {name}: no expected file (generate it with CPython 3.13)");
                failed += 1;
                continue;
            }
        };
        let got = run(interp, dir, &name)?;
        let mut problems = Vec::new();
        let ws = want["stdout"].as_str().unwrap_or_default();
        if ws != got.stdout {
            problems.push(format!("  stdout differs:\n{}", diff(ws, &got.stdout)));
        }
        let we = want["stderr"].as_str().unwrap_or_default();
        if we != got.stderr {
            problems.push(format!("  stderr differs:\n{}", diff(we, &got.stderr)));
        }
        let wc = want["exit_code"].as_i64().unwrap_or(-999);
        if wc != i64::from(got.exit_code) {
            problems.push(format!("  exit code: expected {wc}, got {}", got.exit_code));
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL {name}");
            for p in problems {
                print!("{p}");
                if !p.ends_with('\n') {
                    println!();
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed)
}
