//! The threaded module: `pyrt-native` built for wasm32-wasip1-threads, a
//! core module whose Python threads are real wasm threads on one shared
//! memory (`-X threads=os`).
//!
//! wasmtime 48 has no wasi-threads implementation any more, so this host
//! provides `wasi:thread-spawn` itself: each spawned thread is an OS
//! thread with its own store, WASI context and instance on the module's
//! shared memory, entering at `wasi_thread_start(tid, start_arg)`. A trap
//! or `proc_exit` on any thread ends the whole run: its status is kept,
//! and an epoch tick stops every other thread at its next check.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::error::Context;
use wasmtime::{Engine, ExternType, Linker, Module, Result, SharedMemory, Store};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;

use crate::{RunConfig, load_cached, wasi_builder};

/// The threaded module this host was built with (`PYRT_THREADED_MODULE` at
/// build time, else built by `build.rs`).
pub const THREADED_MODULE_PATH: &str = env!("PYRT_THREADED_MODULE_PATH");

/// A loaded threaded module, ready to run programs (each in a fresh
/// instance set).
pub struct PyrtThreaded {
    engine: Engine,
    module: Module,
    exit_process: bool,
}

impl std::fmt::Debug for PyrtThreaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyrtThreaded").finish_non_exhaustive()
    }
}

/// What every thread of one run shares.
struct Run {
    engine: Engine,
    module: Module,
    linker: OnceLock<Linker<ThreadData>>,
    config: RunConfig,
    next_tid: AtomicI32,
    exit_process: bool,
    /// The run's monotonic clock origin: every thread's WASI context reads
    /// the same clock (wasmtime-wasi starts a fresh origin per context,
    /// which would skew `time.monotonic()` and every cross-thread deadline).
    origin: std::time::Instant,
    /// The status that ended the run from a thread other than the main
    /// one (its `proc_exit`, or 1 after a trap).
    ended: Mutex<Option<i32>>,
    /// Interrupts for the guest's watcher thread (`pyrt.wait-interrupt`).
    interrupts: Mutex<Interrupts>,
    interrupt_cv: Condvar,
    /// The status the guest reported through `pyrt.exit-status` (any
    /// value; its WASI exit status is limited to 0..126).
    reported: Mutex<Option<i32>>,
}

#[derive(Default)]
struct Interrupts {
    pending: u32,
    /// The run ended: the watcher returns.
    over: bool,
}

impl Run {
    fn interrupts(&self) -> std::sync::MutexGuard<'_, Interrupts> {
        self.interrupts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn interrupt(&self) {
        self.interrupts().pending += 1;
        self.interrupt_cv.notify_all();
    }

    fn finish(&self) {
        self.interrupts().over = true;
        self.interrupt_cv.notify_all();
    }

    /// `pyrt.wait-interrupt`: blocks until an interrupt (1) or the end of
    /// the run (0).
    fn wait_interrupt(&self) -> i32 {
        let mut g = self.interrupts();
        loop {
            if g.over {
                return 0;
            }
            if g.pending > 0 {
                g.pending -= 1;
                return 1;
            }
            g = self.interrupt_cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

struct ThreadData {
    wasi: WasiP1Ctx,
    run: Arc<Run>,
}

fn engine() -> Result<Engine> {
    let mut config = crate::base_config();
    config.wasm_threads(true);
    config.shared_memory(true);
    config.epoch_interruption(true);
    Engine::new(&config)
}

impl PyrtThreaded {
    /// Loads the module this host was built with.
    pub fn load_default() -> Result<PyrtThreaded> {
        PyrtThreaded::load(Path::new(THREADED_MODULE_PATH))
    }

    /// Loads a module file, from the compiled cache when it has it.
    pub fn load(path: &Path) -> Result<PyrtThreaded> {
        let engine = engine()?;
        let module: Module = load_cached(&engine, path, "threaded module")?;
        Ok(PyrtThreaded {
            engine,
            module,
            exit_process: false,
        })
    }

    /// Makes a trap or `proc_exit` on a thread other than the main one
    /// exit this host process at once with its status (the `pyrt` CLI):
    /// a thread of the run may be parked where nothing can wake it.
    /// Without it, the status is kept and the other threads stop at their
    /// next epoch check.
    pub fn exit_process_on_thread_end(&mut self, on: bool) {
        self.exit_process = on;
    }

    /// Runs a program; returns its exit status once the main thread ends
    /// (daemon threads still running are stopped, as a process exit
    /// would). A trap is an error, never a panic.
    pub fn run(&self, config: &RunConfig) -> Result<i32> {
        self.run_with_stop(config, None)
    }

    /// [`PyrtThreaded::run`]; when `stop` becomes true (Ctrl-C, a Stop
    /// button) the program gets a KeyboardInterrupt in its main thread —
    /// in a loop, a sleep or a lock wait — and may catch it.
    pub fn run_with_stop(&self, config: &RunConfig, stop: Option<&AtomicBool>) -> Result<i32> {
        let memory_ty = self
            .module
            .imports()
            .find_map(|i| match i.ty() {
                ExternType::Memory(m) if i.module() == "env" && i.name() == "memory" => Some(m),
                _ => None,
            })
            .context("the threaded module imports no shared memory")?;
        let memory = SharedMemory::new(&self.engine, memory_ty)?;
        let run = Arc::new(Run {
            engine: self.engine.clone(),
            module: self.module.clone(),
            linker: OnceLock::new(),
            config: config.clone(),
            next_tid: AtomicI32::new(1),
            exit_process: self.exit_process,
            origin: std::time::Instant::now(),
            ended: Mutex::new(None),
            interrupts: Mutex::new(Interrupts::default()),
            interrupt_cv: Condvar::new(),
            reported: Mutex::new(None),
        });
        let mut store = new_store(&run)?;
        let mut linker: Linker<ThreadData> = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |t: &mut ThreadData| &mut t.wasi)?;
        linker.define(&store, "env", "memory", memory)?;
        linker.func_wrap(
            "wasi",
            "thread-spawn",
            |caller: wasmtime::Caller<'_, ThreadData>, start_arg: i32| -> i32 {
                spawn(&caller.data().run, start_arg)
            },
        )?;
        linker.func_wrap(
            "pyrt",
            "wait-interrupt",
            |caller: wasmtime::Caller<'_, ThreadData>| -> i32 {
                caller.data().run.clone().wait_interrupt()
            },
        )?;
        linker.func_wrap(
            "pyrt",
            "exit-status",
            |caller: wasmtime::Caller<'_, ThreadData>, code: i32| {
                *caller
                    .data()
                    .run
                    .reported
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(code);
            },
        )?;
        let _ = run.linker.set(linker);
        let linker = run.linker.get().expect("set above");
        let instance = linker
            .instantiate(&mut store, &run.module)
            .context("cannot instantiate the pyrt threaded module")?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        // `stop` (Ctrl-C, a Stop button) becomes an interrupt for the
        // guest's watcher thread, checked every few milliseconds.
        let done = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            if let Some(stop) = stop {
                let (run, done) = (&run, &done);
                scope.spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        if stop.swap(false, Ordering::AcqRel) {
                            run.interrupt();
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                });
            }
            let r = start.call(&mut store, ());
            done.store(true, Ordering::Release);
            r
        });
        run.finish();
        // The main thread is done: stop every other thread at its next
        // check, as a process exit does.
        self.engine.increment_epoch();
        if let Some(code) = *run.ended.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(code);
        }
        // The guest exited normally: its reported status is the full one.
        let exited = match &result {
            Ok(()) => true,
            Err(e) => e.downcast_ref::<I32Exit>().is_some(),
        };
        if let (true, Some(code)) = (
            exited,
            *run.reported.lock().unwrap_or_else(|e| e.into_inner()),
        ) {
            return Ok(code);
        }
        match result {
            Ok(()) => Ok(0),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(e.context("the pyrt runtime trapped")),
            },
        }
    }
}

/// A monotonic clock shared by the threads of one run.
struct SharedMonotonic(std::time::Instant);

impl wasmtime_wasi::HostMonotonicClock for SharedMonotonic {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

fn new_store(run: &Arc<Run>) -> Result<Store<ThreadData>> {
    let wasi = wasi_builder(&run.config)?
        .monotonic_clock(SharedMonotonic(run.origin))
        .build_p1();
    let mut store = Store::new(
        &run.engine,
        ThreadData {
            wasi,
            run: run.clone(),
        },
    );
    // Epoch checks only matter once the run ends (see `Run::ended`).
    store.set_epoch_deadline(1);
    store.epoch_deadline_trap();
    Ok(store)
}

/// `wasi:thread-spawn`: a new OS thread entering the module at
/// `wasi_thread_start(tid, start_arg)`; the thread id, or a negative
/// number if none could start.
fn spawn(run: &Arc<Run>, start_arg: i32) -> i32 {
    let tid = run.next_tid.fetch_add(1, Ordering::Relaxed);
    if !(1..0x1FFF_FFFF).contains(&tid) {
        return -1;
    }
    let run2 = run.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("pyrt-wasm-{tid}"))
        .stack_size(crate::HOST_THREAD_STACK)
        .spawn(move || {
            let result = (|| -> Result<()> {
                let mut store = new_store(&run2)?;
                let linker = run2.linker.get().context("no linker")?;
                let instance = linker.instantiate(&mut store, &run2.module)?;
                let f =
                    instance.get_typed_func::<(i32, i32), ()>(&mut store, "wasi_thread_start")?;
                f.call(&mut store, (tid, start_arg))
            })();
            if let Err(e) = result {
                let code = match e.downcast_ref::<I32Exit>() {
                    Some(exit) => exit.0,
                    None if e.downcast_ref::<wasmtime::Trap>()
                        == Some(&wasmtime::Trap::Interrupt) =>
                    {
                        // Stopped because the run already ended.
                        return;
                    }
                    None => {
                        eprintln!("pyrt: thread {tid} trapped: {e:#}");
                        1
                    }
                };
                if run2.exit_process {
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                    std::process::exit(code);
                }
                let mut ended = run2.ended.lock().unwrap_or_else(|e| e.into_inner());
                if ended.is_none() {
                    *ended = Some(code);
                }
                drop(ended);
                run2.engine.increment_epoch();
            }
        });
    if spawned.is_ok() { tid } else { -1 }
}
