//! `pyrt-native`: the `python` command line on pyrt's VM, as a native
//! program. argv and the environment go to the runtime untouched; the
//! runtime parses them exactly as CPython 3.13 does.

use std::process::ExitCode;
use std::sync::Arc;

use pyrt::Args;
use pyrt::lifecycle::{Runtime, main_with_runtime};
use pyrt::platform::Platform;
use pyrt::vm::driver::VmExecutor;

fn main() -> ExitCode {
    let (code, keyboard_interrupt) = run_main();
    if keyboard_interrupt {
        // CPython re-raises SIGINT with the default action so the parent
        // sees the program die of it (_Py_UnhandledKeyboardInterrupt).
        #[cfg(unix)]
        {
            // SAFETY: resetting SIGINT to its default action and raising it
            // in the current process; no Rust state depends on the handler.
            unsafe {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::raise(libc::SIGINT);
            }
        }
    }
    ExitCode::from(u8::try_from(code & 0xFF).unwrap_or(1))
}

/// `Py_RunMain()` for this process's argv and environment: (exit status,
/// ended by an uncaught KeyboardInterrupt).
fn run_main() -> (i32, bool) {
    let argv: Vec<Vec<u8>> = std::env::args_os()
        .map(|a| a.into_encoded_bytes())
        .collect();
    // WASI has no working directory of its own; hosts that run pyrt-native
    // as a WASI command pass theirs in PWD (wasi-libc then resolves
    // relative paths against it, as `python` would).
    #[cfg(target_os = "wasi")]
    if let Some(pwd) = std::env::var_os("PWD") {
        let _ = std::env::set_current_dir(pwd);
    }
    let rt = Arc::new(Runtime::new(Platform::host()));
    // Ctrl-C: KeyboardInterrupt in the main thread through a pending call,
    // as CPython's SIGINT handler does (also out of a sleep or lock wait).
    #[cfg(unix)]
    let sigint = watch_sigint(&rt);
    let mut executor = VmExecutor::new();
    let code = main_with_runtime(&rt, Args::Bytes(argv), &mut executor);
    #[cfg(unix)]
    if let Some(h) = sigint {
        h.close();
    }
    drop(rt);
    (code, executor.keyboard_interrupt())
}

/// The component's `pyrt:runtime` exports (wit/pyrt.wit).
#[cfg(all(target_os = "wasi", target_env = "p2"))]
mod component {
    wit_bindgen::generate!({
        path: "../wit",
        world: "pyrt",
    });

    use std::cell::RefCell;

    use exports::pyrt::runtime::session::{GuestProgram, SliceOutcome};
    use pyrt::Args;
    use pyrt::platform::Platform;
    use pyrt::vm::driver;
    use pyrt::vm::session::Session;

    struct Pyrt;

    impl exports::pyrt::runtime::lifecycle::Guest for Pyrt {
        fn run_main() -> i32 {
            super::run_main().0
        }
    }

    impl exports::pyrt::runtime::session::Guest for Pyrt {
        type Program = Program;
    }

    /// A `python` run driven in slices by the host.
    struct Program(RefCell<Session>);

    impl GuestProgram for Program {
        fn new() -> Program {
            let argv: Vec<Vec<u8>> = std::env::args_os()
                .map(|a| a.into_encoded_bytes())
                .collect();
            if let Some(pwd) = std::env::var_os("PWD") {
                let _ = std::env::set_current_dir(pwd);
            }
            let mut s = Session::new(Platform::host(), Args::Bytes(argv));
            s.start_main();
            Program(RefCell::new(s))
        }

        fn run_slice(&self, instructions: Option<u64>) -> SliceOutcome {
            let mut s = self.0.borrow_mut();
            match s.run_slice(instructions) {
                driver::SliceOutcome::Finished(c) => SliceOutcome::Finished(c),
                driver::SliceOutcome::Paused => SliceOutcome::Paused,
                driver::SliceOutcome::Sleeping { until_ns } => {
                    let now = s.runtime().platform().clock.monotonic_ns();
                    SliceOutcome::Sleeping(until_ns.saturating_sub(now))
                }
                driver::SliceOutcome::Blocked => SliceOutcome::Blocked,
            }
        }

        fn interrupt(&self) -> bool {
            self.0.borrow().interrupt()
        }

        fn finish(&self, status: i32) -> i32 {
            self.0.borrow_mut().finish(status)
        }
    }

    export!(Pyrt);
}

/// Delivers SIGINT to the runtime as an interrupt, from a watcher thread
/// (nothing runs in the signal handler itself but signal-hook's self-pipe
/// write).
#[cfg(unix)]
fn watch_sigint(rt: &Arc<Runtime>) -> Option<signal_hook::iterator::Handle> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT]).ok()?;
    let handle = signals.handle();
    let rt = Arc::downgrade(rt);
    std::thread::Builder::new()
        .name("sigint".into())
        .spawn(move || {
            for _ in signals.forever() {
                match rt.upgrade() {
                    Some(rt) => {
                        pyrt::vm::driver::interrupt(&rt);
                    }
                    None => break,
                }
            }
        })
        .ok()?;
    Some(handle)
}
