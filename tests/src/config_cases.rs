//! The configuration case runner (`pyrt-conformance config FILE.jsonl`).
//!
//! Runs the case format of `shared/conformance/config/` in process against
//! pyrt's configuration reader and lifecycle, the way
//! `config_oracle.py` runs them against a `python` executable:
//!
//! - argv tokens `{DUMP}` (the dump program, after `-c` or glued),
//!   `{SCRIPT}` (a temporary script whose first line is a comment),
//!   `{MODULE}` (a module in the temporary working directory), `{TMP}` and
//!   `{PREFIX}`; with no program token the dump program is fed on stdin;
//! - environment = `PATH`, `LANG=C.UTF-8`, `HOME=/nonexistent-oracle-home`
//!   updated by the case (`null` removes a variable);
//! - output normalised: temporary directory → `<TMP>`, executable →
//!   `<EXE>`, prefix → `<PREFIX>`, dump program → `<DUMP>`.
//!
//! Where the oracle runs the dump program, this runner's executor takes
//! `_testinternalcapi.get_configs()` straight from the runtime, so the
//! `pre_config` and `config` sections are compared; the `runtime` section
//! (sys.flags and other values computed by Python code) is checked when
//! the same cases run through the VM.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use pyrt::config::{ConfigDict, ConfigValue};
use pyrt::lifecycle::{Configs, Executor, MainTarget, Runtime, main_with_runtime};
use pyrt::platform::{Environ, Platform};
use pyrt::{Args, WString};
use serde_json::{Map, Value};

/// The dump program of `config_oracle.py`, byte for byte.
pub const DUMP_CODE: &str = include_str!("../data/config/dump_code.py");

/// The executable path the runner pretends to run as.
pub const FAKE_EXE: &str = "/opt/pyrt-conformance/bin/python3";
/// Its prefix (`dirname(dirname(FAKE_EXE))`).
pub const FAKE_PREFIX: &str = "/opt/pyrt-conformance";

const BASE_ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("LANG", "C.UTF-8"),
    ("HOME", "/nonexistent-oracle-home"),
];

/// One case of a `.jsonl` file.
#[derive(Clone, Debug)]
pub struct Case {
    /// `id`.
    pub id: String,
    /// `argv` after the executable, with placeholders.
    pub argv: Vec<String>,
    /// Environment changes (`None` removes).
    pub env: Vec<(String, Option<String>)>,
    /// Explicit stdin.
    pub stdin: Option<String>,
    /// `expect`.
    pub expect: Map<String, Value>,
}

impl Case {
    /// Parses one JSON line.
    pub fn parse(line: &str) -> Result<Case, String> {
        let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let obj = v.as_object().ok_or("case is not an object")?;
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .ok_or("case without id")?
            .to_owned();
        let argv = obj
            .get("argv")
            .and_then(Value::as_array)
            .ok_or("case without argv")?
            .iter()
            .map(|a| {
                a.as_str()
                    .map(str::to_owned)
                    .ok_or("argv item is not a string")
            })
            .collect::<Result<Vec<_>, _>>()?;
        let env = obj
            .get("env")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default();
        let stdin = obj.get("stdin").and_then(Value::as_str).map(str::to_owned);
        let expect = obj
            .get("expect")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(Case {
            id,
            argv,
            env,
            stdin,
            expect,
        })
    }
}

/// What running a case produced, normalised.
#[derive(Clone, Debug, Default)]
pub struct CaseResult {
    /// Exit status.
    pub exit_code: i32,
    /// Normalised stdout without empty lines (as the oracle keeps it).
    pub stdout: String,
    /// Normalised stderr.
    pub stderr: String,
    /// `pre_config` as JSON, when the program ran.
    pub pre_config: Option<Map<String, Value>>,
    /// `config` as JSON, when the program ran.
    pub config: Option<Map<String, Value>>,
}

/// Records `get_configs()` when the main program would run.
#[derive(Default)]
struct DumpExecutor {
    configs: Option<Configs>,
}

impl Executor for DumpExecutor {
    fn run_main(&mut self, rt: &Runtime, _target: &MainTarget) -> i32 {
        self.configs = rt.get_configs();
        0
    }

    fn run_interactive(&mut self, rt: &Runtime) -> i32 {
        if self.configs.is_none() {
            self.configs = rt.get_configs();
        }
        0
    }
}

static CASE_COUNTER: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let n = CASE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pyrt-oracle-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(std::fs::canonicalize(&path)?))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs one case in process.
pub fn run_case(case: &Case) -> std::io::Result<CaseResult> {
    let tmp = TempDir::new()?;
    let tmp_s = tmp.0.to_string_lossy().into_owned();
    let script = tmp.0.join("oracle_script.py");
    std::fs::write(
        &script,
        format!("# first line (skipped by -x)\n{DUMP_CODE}"),
    )?;
    std::fs::write(tmp.0.join("oracle_dump_mod.py"), DUMP_CODE)?;
    let script_s = script.to_string_lossy().into_owned();

    let mut argv: Vec<Vec<u8>> = vec![FAKE_EXE.as_bytes().to_vec()];
    let mut program_given = false;
    for a in &case.argv {
        let mut a = a.clone();
        for (tok, val) in [
            ("{DUMP}", DUMP_CODE),
            ("{SCRIPT}", script_s.as_str()),
            ("{MODULE}", "oracle_dump_mod"),
        ] {
            if a.contains(tok) {
                a = a.replace(tok, val);
                program_given = true;
            }
        }
        argv.push(
            a.replace("{TMP}", &tmp_s)
                .replace("{PREFIX}", FAKE_PREFIX)
                .into_bytes(),
        );
    }
    let stdin = match &case.stdin {
        Some(s) => s.clone().into_bytes(),
        None if !program_given => format!("exec({})\n", py_str_repr(DUMP_CODE)).into_bytes(),
        None => Vec::new(),
    };

    let mut env: Vec<(String, String)> = BASE_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (k, v) in &case.env {
        env.retain(|(name, _)| name != k);
        if let Some(v) = v {
            env.push((
                k.clone(),
                v.replace("{TMP}", &tmp_s).replace("{PREFIX}", FAKE_PREFIX),
            ));
        }
    }
    let environ = Environ::from_pairs(env.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())));
    let (platform, out) =
        Platform::captured_with_stdin(environ, Some(tmp_s.clone().into_bytes()), stdin);
    let rt = Runtime::new(platform);
    let mut exec = DumpExecutor::default();
    let exit_code = main_with_runtime(&rt, Args::Bytes(argv), &mut exec);

    let norm = Normalizer::new(&tmp_s);
    let stdout = String::from_utf8_lossy(&out.stdout()).into_owned();
    let stdout: Vec<&str> = stdout.lines().filter(|l| !l.is_empty()).collect();
    let mut result = CaseResult {
        exit_code,
        stdout: norm.text(&stdout.join("\n")),
        stderr: norm.text(&String::from_utf8_lossy(&out.stderr())),
        ..CaseResult::default()
    };
    if let Some(configs) = exec.configs {
        result.pre_config = Some(norm.dict(&configs.pre_config));
        result.config = Some(norm.dict(&configs.config));
    }
    Ok(result)
}

/// Python `repr()` of a `str` of printable text (for the stdin program).
fn py_str_repr(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

struct Normalizer {
    reps: Vec<(String, &'static str)>,
}

impl Normalizer {
    fn new(tmp: &str) -> Normalizer {
        Normalizer {
            reps: vec![
                (tmp.to_owned(), "<TMP>"),
                (FAKE_EXE.to_owned(), "<EXE>"),
                (FAKE_PREFIX.to_owned(), "<PREFIX>"),
            ],
        }
    }

    fn text(&self, s: &str) -> String {
        let mut s = s.to_owned();
        for (src, dst) in &self.reps {
            s = s.replace(src.as_str(), dst);
        }
        let dump_nl = format!("{DUMP_CODE}\n");
        if s == DUMP_CODE || s == dump_nl {
            let nl = s.ends_with("\n\n") || s == dump_nl;
            return format!("<DUMP>{}", if nl { "\n" } else { "" });
        }
        s.replace(DUMP_CODE, "<DUMP>")
    }

    fn value(&self, v: &ConfigValue) -> Value {
        match v {
            ConfigValue::Int(i) => Value::from(*i),
            ConfigValue::Bool(b) => Value::from(*b),
            ConfigValue::Str(None) => Value::Null,
            ConfigValue::Str(Some(s)) => Value::from(self.text(&s.to_string_lossy())),
            ConfigValue::List(items) => Value::Array(
                items
                    .iter()
                    .map(|s: &WString| Value::from(self.text(&s.to_string_lossy())))
                    .collect(),
            ),
        }
    }

    fn dict(&self, d: &ConfigDict) -> Map<String, Value> {
        d.iter()
            .map(|(k, v)| ((*k).to_owned(), self.value(v)))
            .collect()
    }
}

/// The problems of a result against a case's expectation (empty: pass).
pub fn check(case: &Case, res: &CaseResult) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(want) = case.expect.get("exit_code").and_then(Value::as_i64)
        && i64::from(res.exit_code) != want
    {
        problems.push(format!("exit_code {} != {}", res.exit_code, want));
    }
    for (key, stream, text) in [
        ("stderr_contains", "stderr", &res.stderr),
        ("stdout_contains", "stdout", &res.stdout),
    ] {
        let wanted: Vec<&str> = match case.expect.get(key) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for w in wanted {
            if !text.contains(w) {
                problems.push(format!("{stream} missing {w:?}"));
            }
        }
    }
    for (sect, got) in [("pre_config", &res.pre_config), ("config", &res.config)] {
        let Some(want) = case.expect.get(sect).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in want {
            let g = got.as_ref().and_then(|m| m.get(k));
            match g {
                Some(g) if g == v => {}
                Some(g) => problems.push(format!("{sect}.{k}: got {g} want {v}")),
                None => problems.push(format!("{sect}.{k}: got <absent> want {v}")),
            }
        }
    }
    problems
}

/// The outcome of a whole file.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Cases that matched.
    pub passed: usize,
    /// Cases that did not, with their problems.
    pub failed: Vec<(String, Vec<String>)>,
    /// Cases listed in the deviations file, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl Report {
    /// The summary line: `N passed, N failed[, N skipped]`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed.len());
        if !self.skipped.is_empty() {
            s.push_str(&format!(", {} skipped", self.skipped.len()));
        }
        s
    }
}

/// Reads `deviations.jsonl` (`{id, reason}` per line).
pub fn load_deviations(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let id = v["id"].as_str().ok_or("deviation without id")?.to_owned();
        let reason = v["reason"].as_str().unwrap_or("").to_owned();
        out.insert(id, reason);
    }
    Ok(out)
}

/// Runs every case of a `.jsonl` file, skipping listed deviations.
pub fn run_file(path: &Path, deviations: &HashMap<String, String>) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut report = Report::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case = Case::parse(line)?;
        if let Some(reason) = deviations.get(&case.id) {
            report.skipped.push((case.id.clone(), reason.clone()));
            continue;
        }
        let res = run_case(&case).map_err(|e| format!("{}: {e}", case.id))?;
        let problems = check(&case, &res);
        if problems.is_empty() {
            report.passed += 1;
        } else {
            report.failed.push((case.id.clone(), problems));
        }
    }
    Ok(report)
}
