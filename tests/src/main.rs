//! `pyrt-conformance`: runs conformance suites against pyrt in process.
//!
//! ```text
//! pyrt-conformance config FILE.jsonl [--deviations FILE]
//!     Runs configuration cases; prints a FAIL block per failing case and
//!     ends with "N passed, N failed[, N skipped]". Deviations default to
//!     deviations.jsonl beside FILE.
//! pyrt-conformance mem-faults [DATA-DIR]
//!     Commits each memory fault kind under the debug hooks in a child
//!     process and checks CPython's report; ends with "N passed, N failed".
//! pyrt-conformance ast-dump [--attrs] FILE...
//!     Parses each file with pyrt's parser and prints CPython's
//!     `ast.dump()` of the tree (one line per file), or the SyntaxError as
//!     `SyntaxError: msg (line, col)`.
//! pyrt-conformance vm-cases --interp CMD [--generate] [--only TEXT] [--variant V] DIR
//!     Runs each DIR/NAME.py with CMD and compares stdout, stderr and exit
//!     status with DIR/NAME.expected.json, or DIR/NAME.V.expected.json
//!     where a platform differs on purpose ("N passed, N failed");
//!     `--generate` writes the expected files instead (run it with
//!     CPython 3.13).
//! pyrt-conformance fuzz-frontend [--iters N] [--seed S] CORPUS-DIR...
//!     Mutates the corpus files and parses/compiles each input; any panic
//!     is saved to target/fuzz-crashes/ and fails the run.
//! pyrt-conformance show-config [PYTHON-ARGS...]
//!     Reads the configuration exactly as `python PYTHON-ARGS...` would in
//!     this process's environment, and prints get_configs() as JSON (or
//!     CPython's help, version, usage error or fatal error).
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use pyrt::config::dict_to_json;
use pyrt::lifecycle::{Executor, MainTarget, Runtime, main_with_runtime};
use pyrt::platform::StdStream;
use pyrt::{Args, Platform};
use pyrt_conformance::{config_cases, mem_faults};

fn usage() -> ExitCode {
    eprintln!(
        "usage: pyrt-conformance config FILE.jsonl [--deviations FILE]\n       \
         pyrt-conformance mem-faults [DATA-DIR]\n       \
         pyrt-conformance show-config [PYTHON-ARGS...]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("config") => run_config(&args[1..]),
        Some("show-config") => show_config(),
        Some("ast-dump") => ast_dump(&args[1..]),
        Some("mem-faults") => run_mem_faults(args.get(1)),
        Some("vm-cases") => run_vm_cases(&args[1..]),
        Some("fuzz-frontend") => run_fuzz(&args[1..]),
        Some("mem-fault") => match args.get(1) {
            Some(kind) => ExitCode::from(mem_faults::commit(kind) as u8),
            None => usage(),
        },
        _ => usage(),
    }
}

fn run_fuzz(args: &[String]) -> ExitCode {
    let mut iters = 1_000_000u64;
    let mut seed = 1u64;
    let mut dirs = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iters" => iters = it.next().and_then(|v| v.parse().ok()).unwrap_or(iters),
            "--seed" => seed = it.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            d => dirs.push(PathBuf::from(d)),
        }
    }
    let refs: Vec<&std::path::Path> = dirs.iter().map(PathBuf::as_path).collect();
    let t0 = std::time::Instant::now();
    let failures = pyrt_conformance::fuzz_frontend::run(
        &refs,
        iters,
        seed,
        std::path::Path::new("target/fuzz-crashes"),
    );
    println!(
        "{iters} inputs (seed {seed}) in {:.1} s: {failures} panics",
        t0.elapsed().as_secs_f64()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_vm_cases(args: &[String]) -> ExitCode {
    let mut interp = None;
    let mut generate = false;
    let mut only = None;
    let mut variant = None;
    let mut dir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--interp" => interp = it.next().cloned(),
            "--generate" => generate = true,
            "--only" => only = it.next().cloned(),
            "--variant" => variant = it.next().cloned(),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let (Some(interp), Some(dir)) = (interp, dir) else {
        return usage();
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let interp = match std::fs::canonicalize(&interp) {
        Ok(p) if !interp.contains(' ') => p.to_string_lossy().into_owned(),
        _ => interp,
    };
    if generate {
        return match pyrt_conformance::vm_cases::generate(&interp, &dir, only.as_deref()) {
            Ok(n) => {
                println!("generated {n} expected files");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        };
    }
    match pyrt_conformance::vm_cases::check(&interp, &dir, only.as_deref(), variant.as_deref()) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn run_config(args: &[String]) -> ExitCode {
    let mut file = None;
    let mut deviations = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--deviations" => match it.next() {
                Some(p) => deviations = Some(PathBuf::from(p)),
                None => return usage(),
            },
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => return usage(),
        }
    }
    let Some(file) = file else { return usage() };
    let deviations = deviations.unwrap_or_else(|| file.with_file_name("deviations.jsonl"));
    let devs = match config_cases::load_deviations(&deviations) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("pyrt-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match config_cases::run_file(&file, &devs) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pyrt-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    for (id, reason) in &report.skipped {
        println!("DEVIATION {id}: {reason}");
    }
    for (id, problems) in &report.failed {
        println!("FAIL {id}");
        for p in problems {
            println!("  {p}");
        }
    }
    println!("{}", report.summary());
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_mem_faults(dir: Option<&String>) -> ExitCode {
    let data = dir
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mem_faults"));
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("pyrt-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let (passed, failed) = mem_faults::run_all(&exe, &data);
    for (kind, why) in &failed {
        println!("FAIL {kind}\n{why}");
    }
    println!("{passed} passed, {} failed", failed.len());
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the configuration where `python` would run the program.
struct ShowConfig;

impl Executor for ShowConfig {
    fn run_main(&mut self, rt: &Runtime, target: &MainTarget) -> i32 {
        let Some(c) = rt.get_configs() else { return 1 };
        let text = format!(
            "{{\"main\": \"{}\",\n \"global_config\": {},\n \"pre_config\": {},\n \"config\": {}}}\n",
            match target {
                MainTarget::Command(_) => "command",
                MainTarget::Module { .. } => "module",
                MainTarget::File { .. } => "file",
                MainTarget::Stdin => "stdin",
                MainTarget::Interactive => "interactive",
            },
            dict_to_json(&c.global_config),
            dict_to_json(&c.pre_config),
            dict_to_json(&c.config),
        );
        let _ = rt
            .platform()
            .stdio
            .write(StdStream::Stdout, text.as_bytes());
        0
    }

    fn run_interactive(&mut self, rt: &Runtime) -> i32 {
        self.run_main(rt, &MainTarget::Interactive)
    }
}

fn show_config() -> ExitCode {
    // argv[0] stays the program so usage lines name it; the words after
    // "show-config" are the Python command line.
    let mut argv: Vec<Vec<u8>> = Vec::new();
    let mut os_args = std::env::args_os();
    if let Some(a0) = os_args.next() {
        argv.push(a0.into_encoded_bytes());
    }
    argv.extend(os_args.skip(1).map(|a| a.into_encoded_bytes()));
    let rt = Runtime::new(Platform::host());
    let code = main_with_runtime(&rt, Args::Bytes(argv), &mut ShowConfig);
    ExitCode::from(u8::try_from(code & 0xFF).unwrap_or(1))
}

fn ast_dump(args: &[String]) -> ExitCode {
    let attrs = args.iter().any(|a| a == "--attrs");
    for f in args.iter().filter(|a| *a != "--attrs") {
        let src = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{f}: {e}");
                return ExitCode::from(1);
            }
        };
        let Ok(src) = String::from_utf8(src) else {
            println!("SyntaxError: invalid utf-8");
            continue;
        };
        match pyrt::vm::parser::parse_module(&src) {
            Ok(m) => println!("{}", pyrt::vm::ast_dump::dump_module(&m, attrs)),
            Err(e) => println!("{}: {} ({}, {})", e.kind.name(), e.msg, e.line, e.col),
        }
    }
    ExitCode::SUCCESS
}
