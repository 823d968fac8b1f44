//! `pyrt`: `python`'s command line, running pyrt's WebAssembly component
//! in wasmtime. argv and the environment are handed to the runtime
//! untouched; the program may use the working directory and the
//! directories of files named on the command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let cwd = std::env::current_dir().ok();
    // The script's directory (and any other file's) is granted as well.
    let dirs: Vec<PathBuf> = argv
        .iter()
        .skip(1)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .filter_map(|p| {
            let abs = cwd.as_ref().map_or(p.clone(), |c| c.join(&p));
            abs.parent().map(PathBuf::from)
        })
        .collect();
    let run = pyrt_host::RunConfig {
        argv,
        env,
        dirs,
        cwd,
    };
    // Ctrl-C: KeyboardInterrupt in the program's main thread, delivered
    // between slices (also out of a sleep or a lock wait), as SIGINT in
    // CPython.
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone());
    let result = if wants_os_threads(&run.argv) {
        // Real threads: the wasm32-wasip1-threads module.
        pyrt_host::PyrtThreaded::load_default().and_then(|mut p| {
            p.exit_process_on_thread_end(true);
            p.run_with_stop(&run, Some(&stop))
        })
    } else {
        pyrt_host::Pyrt::load_default()
            .and_then(|p| p.instantiate(&run))
            .and_then(|mut i| i.run(Some(&stop)))
    };
    match result {
        Ok(code) => ExitCode::from((code & 0xFF) as u8),
        Err(e) => {
            eprintln!("pyrt: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// True if the interpreter options (those before the script, `-c` or
/// `-m`) include `-X threads=os`; the runtime itself reads the rest of the
/// command line.
fn wants_os_threads(argv: &[String]) -> bool {
    let mut it = argv.iter().skip(1);
    let mut os = false;
    while let Some(a) = it.next() {
        let x = if a == "-X" {
            it.next().map(String::as_str)
        } else if let Some(v) = a.strip_prefix("-X") {
            Some(v)
        } else if a == "-c" || a == "-m" || a == "-" || a == "--" || !a.starts_with('-') {
            break;
        } else {
            if matches!(a.as_str(), "-W" | "--check-hash-based-pycs") {
                it.next();
            }
            None
        };
        // First occurrence wins, as the runtime's -X lookup.
        if let Some(x) = x
            && let Some(v) = x.strip_prefix("threads=")
        {
            os = v == "os";
            break;
        }
    }
    os
}
