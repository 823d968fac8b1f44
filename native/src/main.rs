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
    #[cfg(wasm_threads)]
    let code = report_exit_status(code);
    ExitCode::from(u8::try_from(code & 0xFF).unwrap_or(1))
}

/// WASI preview 1 exit statuses stop at 125 in wasmtime (126 and up are
/// the shell's), so the threaded module hands its real status (130 for an
/// uncaught KeyboardInterrupt, 120 …) to pyrt's host through
/// `pyrt.exit-status` and exits with a status WASI accepts.
#[cfg(wasm_threads)]
fn report_exit_status(code: i32) -> i32 {
    #[link(wasm_import_module = "pyrt")]
    unsafe extern "C" {
        #[link_name = "exit-status"]
        fn exit_status(code: i32);
    }
    // SAFETY: a host function taking a number; it touches no guest memory.
    unsafe { exit_status(code) };
    if (0..126).contains(&code) { code } else { 1 }
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
    #[cfg(wasm_threads)]
    watch_host_interrupts(&rt);
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
    use std::sync::{Arc, Mutex};

    use exports::pyrt::runtime::session::{GuestProgram, SliceOutcome};
    use pyrt::Args;
    use pyrt::gil::SwitchReason;
    use pyrt::gil_log::EventKind;
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
            outcome(&mut self.0.borrow_mut(), instructions)
        }

        fn interrupt(&self) -> bool {
            self.0.borrow().interrupt()
        }

        fn finish(&self, status: i32) -> i32 {
            self.0.borrow_mut().finish(status)
        }
    }

    /// Runs a slice and says how it ended, in the WIT's terms.
    fn outcome(s: &mut Session, instructions: Option<u64>) -> SliceOutcome {
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

    // ---- configuration ----------------------------------------------------

    use exports::pyrt::runtime::configuration::{
        ConfigValue, Configs, ErrorInfo, Field, Status as WitStatus,
    };
    use exports::pyrt::runtime::interpreters::{
        GilEvent, GilEventKind, GuestInterpreter, Interpreter as WitInterpreter, MemoryStats,
        SwitchReason as WitSwitchReason, ThreadInfo, TraceEvent, Uncaught as WitUncaught,
    };
    use pyrt::config::{ConfigDict, ConfigValue as Cv};
    use pyrt::platform::Environ;
    use pyrt::{Config, PreConfig, Runtime, Status};

    fn fields(d: &ConfigDict) -> Vec<Field> {
        d.iter()
            .map(|(name, v)| Field {
                name: (*name).to_owned(),
                value: match v {
                    Cv::Int(i) => ConfigValue::Integer(*i),
                    Cv::Bool(b) => ConfigValue::Boolean(*b),
                    Cv::Str(s) => {
                        ConfigValue::Text(s.as_ref().map(|w| w.to_string_lossy().into_owned()))
                    }
                    Cv::List(l) => ConfigValue::TextList(
                        l.iter().map(|w| w.to_string_lossy().into_owned()).collect(),
                    ),
                },
            })
            .collect()
    }

    /// WIT fields as the runtime's name/value records.
    fn records(fields: Vec<Field>) -> Vec<(String, Cv)> {
        fields
            .into_iter()
            .map(|f| {
                let v = match f.value {
                    ConfigValue::Integer(i) => Cv::Int(i),
                    ConfigValue::Boolean(b) => Cv::Bool(b),
                    ConfigValue::Text(s) => Cv::Str(s.map(|s| s.as_str().into())),
                    ConfigValue::TextList(l) => {
                        Cv::List(l.iter().map(|s| s.as_str().into()).collect())
                    }
                };
                (f.name, v)
            })
            .collect()
    }

    fn wit_status(s: &Status) -> WitStatus {
        match s {
            Status::Exit(code) => WitStatus::Exit(*code),
            Status::Error { func, msg } => WitStatus::Error(ErrorInfo {
                function: func.unwrap_or_default().to_owned(),
                message: msg.to_string(),
            }),
        }
    }

    /// A platform with the component's stdio and files and `env` as its
    /// environment (its `PWD`, if any, as the working directory).
    fn platform_with(env: &[(String, String)]) -> Platform {
        let mut p = Platform::host();
        p.environ = Environ::from_pairs(env.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())));
        if let Some((_, pwd)) = env.iter().find(|(k, _)| k == "PWD") {
            p.cwd = Some(pwd.clone().into_bytes());
        }
        p
    }

    fn args_of(argv: Vec<String>) -> Args {
        Args::Bytes(argv.into_iter().map(String::into_bytes).collect())
    }

    impl exports::pyrt::runtime::configuration::Guest for Pyrt {
        fn read(argv: Vec<String>, env: Vec<(String, String)>) -> Result<Configs, WitStatus> {
            let rt = Runtime::new(platform_with(&env));
            let args = args_of(argv);
            let read = (|| {
                rt.pre_initialize_from_args(&PreConfig::python(), &args)?;
                let mut config = Config::python();
                rt.config_set_args(&mut config, &args)?;
                rt.read_config(&mut config)?;
                Ok::<Config, Status>(config)
            })();
            match read {
                Ok(config) => Ok(Configs {
                    pre_config: fields(&rt.preconfig().as_dict()),
                    config: fields(&config.as_dict()),
                }),
                Err(s) => Err(wit_status(&s)),
            }
        }
    }

    // ---- interpreters -----------------------------------------------------

    /// Trace events kept between takes, at most.
    const TRACE_CAP: usize = 1_000_000;

    struct Interp {
        s: RefCell<Session>,
        trace: Arc<Mutex<Vec<TraceEvent>>>,
    }

    impl exports::pyrt::runtime::interpreters::Guest for Pyrt {
        type Interpreter = Interp;
    }

    impl Interp {
        fn gil(&self) -> Option<Arc<pyrt::interp::InterpreterState>> {
            self.s.borrow().runtime().main_interpreter()
        }
    }

    impl GuestInterpreter for Interp {
        fn create(
            argv: Vec<String>,
            env: Vec<(String, String)>,
        ) -> Result<WitInterpreter, WitStatus> {
            let s = Session::new(platform_with(&env), args_of(argv));
            if !s.is_initialized() {
                return Err(WitStatus::Exit(s.early_exit().unwrap_or(1)));
            }
            Ok(WitInterpreter::new(Interp {
                s: RefCell::new(s),
                trace: Arc::new(Mutex::new(Vec::new())),
            }))
        }

        fn from_config(
            configs: Configs,
            env: Vec<(String, String)>,
        ) -> Result<WitInterpreter, WitStatus> {
            let pre =
                PreConfig::from_fields(&records(configs.pre_config)).map_err(|e| wit_status(&e))?;
            let config =
                Config::from_fields(&records(configs.config)).map_err(|e| wit_status(&e))?;
            let s = Session::from_configs(platform_with(&env), &pre, &config);
            if !s.is_initialized() {
                return Err(WitStatus::Exit(s.early_exit().unwrap_or(1)));
            }
            Ok(WitInterpreter::new(Interp {
                s: RefCell::new(s),
                trace: Arc::new(Mutex::new(Vec::new())),
            }))
        }

        fn id(&self) -> i64 {
            self.gil().map_or(-1, |i| i.id())
        }

        fn config(&self) -> Configs {
            match self.s.borrow().runtime().get_configs() {
                Some(c) => Configs {
                    pre_config: fields(&c.pre_config),
                    config: fields(&c.config),
                },
                None => Configs {
                    pre_config: Vec::new(),
                    config: Vec::new(),
                },
            }
        }

        fn run_source(&self, source: String, filename: String) {
            self.s
                .borrow_mut()
                .start_source(source.as_bytes(), &filename);
        }

        fn exec_file(&self, path: String) -> Result<(), String> {
            let src = std::fs::read(&path).map_err(|e| format!("can't open file '{path}': {e}"))?;
            self.s.borrow_mut().start_source(&src, &path);
            Ok(())
        }

        fn run_slice(&self, instructions: Option<u64>) -> SliceOutcome {
            outcome(&mut self.s.borrow_mut(), instructions)
        }

        fn interrupt(&self) -> bool {
            self.s.borrow().interrupt()
        }

        fn uncaught(&self) -> Option<WitUncaught> {
            self.s.borrow().uncaught().map(|u| WitUncaught {
                type_name: u.type_name.clone(),
                message: u.message.clone(),
            })
        }

        fn finalize(&self, status: i32) -> i32 {
            self.s.borrow_mut().finish(status)
        }

        fn threads(&self) -> Vec<ThreadInfo> {
            self.gil().map_or_else(Vec::new, |i| {
                let names = i.gil().events().names();
                i.threads()
                    .iter()
                    .map(|t| ThreadInfo {
                        id: t.unique_id(),
                        ident: t.thread_ident(),
                        name: names
                            .iter()
                            .find(|(id, _)| *id == t.unique_id())
                            .map(|(_, n)| n.clone()),
                    })
                    .collect()
            })
        }

        fn switch_interval(&self) -> f64 {
            let us = self
                .gil()
                .map_or(pyrt::gil::DEFAULT_INTERVAL_US, |i| i.gil().interval_us());
            1e-6 * us as f64
        }

        fn set_switch_interval(&self, seconds: f64) -> Result<(), String> {
            if seconds.is_nan() || seconds <= 0.0 {
                return Err("switch interval must be strictly positive".into());
            }
            if let Some(i) = self.gil() {
                i.gil().set_interval_us((1e6 * seconds) as u64);
            }
            Ok(())
        }

        fn async_exception(&self, thread_id: u64, exception: String) -> bool {
            let Some(i) = self.gil() else { return false };
            match i.threads().into_iter().find(|t| t.unique_id() == thread_id) {
                Some(t) => {
                    t.set_async_exc(Some(Arc::new(driver::RaiseRequest {
                        class: exception,
                        msg: String::new(),
                    })));
                    true
                }
                None => false,
            }
        }

        fn memory_stats(&self) -> MemoryStats {
            let m = self.s.borrow().runtime().mem().stats();
            MemoryStats {
                used: m.used as u64,
                peak: m.peak as u64,
                limit: m.limit.map(|l| l as u64),
                arenas: m.arenas as u64,
                allocated_blocks: m.allocated_blocks as i64,
            }
        }

        fn set_memory_limit(&self, bytes: Option<u64>) {
            let limit = bytes.map(|b| usize::try_from(b).unwrap_or(usize::MAX));
            self.s.borrow().runtime().mem().set_limit(limit);
        }

        fn record_gil_events(&self, on: bool) {
            let s = self.s.borrow();
            if let Some(i) = s.runtime().main_interpreter() {
                if on {
                    i.gil()
                        .events()
                        .enable(s.runtime().platform().clock.clone());
                } else {
                    i.gil().events().disable();
                }
            }
        }

        fn take_gil_events(&self) -> Vec<GilEvent> {
            let Some(i) = self.gil() else {
                return Vec::new();
            };
            i.gil()
                .events()
                .take_events()
                .into_iter()
                .map(|e| GilEvent {
                    time_ns: e.time_ns,
                    thread_id: e.holder,
                    kind: match e.kind {
                        EventKind::Take => GilEventKind::Take,
                        EventKind::DropRequest => GilEventKind::DropRequest,
                        EventKind::Drop(r) => GilEventKind::Drop(match r {
                            SwitchReason::Interval => WitSwitchReason::Interval,
                            SwitchReason::Block => WitSwitchReason::Block,
                            SwitchReason::Exit => WitSwitchReason::Exit,
                            SwitchReason::Yield => WitSwitchReason::Yield,
                        }),
                    },
                })
                .collect()
        }

        fn record_trace_events(&self, on: bool) {
            let buf = self.trace.clone();
            let tracer: Option<driver::HostTracer> = on.then(|| {
                Arc::new(move |e: &driver::HostTraceEvent<'_>| {
                    let mut b = buf.lock().unwrap_or_else(|p| p.into_inner());
                    if b.len() < TRACE_CAP {
                        b.push(TraceEvent {
                            event: e.event.to_owned(),
                            thread_id: e.thread_id,
                            filename: e.filename.to_owned(),
                            name: e.name.to_owned(),
                            lineno: e.lineno,
                        });
                    }
                }) as driver::HostTracer
            });
            self.s.borrow_mut().set_host_tracer(tracer);
        }

        fn take_trace_events(&self) -> Vec<TraceEvent> {
            std::mem::take(&mut *self.trace.lock().unwrap_or_else(|p| p.into_inner()))
        }
    }

    export!(Pyrt);
}

/// In the threaded module the host reports Ctrl-C through the blocking
/// import `pyrt.wait-interrupt`, which a watcher thread sits in: 1 for an
/// interrupt (KeyboardInterrupt in the main thread, as SIGINT in CPython),
/// 0 once the run ends.
#[cfg(wasm_threads)]
fn watch_host_interrupts(rt: &Arc<Runtime>) {
    #[link(wasm_import_module = "pyrt")]
    unsafe extern "C" {
        #[link_name = "wait-interrupt"]
        fn wait_interrupt() -> i32;
    }
    let rt = Arc::downgrade(rt);
    let _ = std::thread::Builder::new()
        .name("interrupts".into())
        .spawn(move || {
            // SAFETY: a host function without arguments that touches no
            // guest memory; it only blocks and returns a number.
            while unsafe { wait_interrupt() } == 1 {
                match rt.upgrade() {
                    Some(rt) => {
                        pyrt::vm::driver::interrupt(&rt);
                    }
                    None => break,
                }
            }
        });
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
