//! `pyrt-native`: the `python` command line on pyrt's VM, as a native
//! program. argv and the environment go to the runtime untouched; the
//! runtime parses them exactly as CPython 3.13 does.

use std::process::ExitCode;

use pyrt::Args;
use pyrt::lifecycle::{Runtime, main_with_runtime};
use pyrt::platform::Platform;
use pyrt::vm::driver::VmExecutor;

fn main() -> ExitCode {
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
    let rt = Runtime::new(Platform::host());
    let mut executor = VmExecutor::new();
    let code = main_with_runtime(&rt, Args::Bytes(argv), &mut executor);
    drop(rt);
    if executor.keyboard_interrupt() {
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
