//! pyrt's wasmtime host: loads pyrt's WebAssembly component (the runtime
//! and VM built for wasm32-wasip2 with emulated threads, exporting
//! `wasi:cli/run`) and runs Python programs in it with `python`'s command
//! line — argv and the environment go to the runtime untouched; the
//! runtime parses them exactly as CPython 3.13 does.
//!
//! ```no_run
//! let pyrt = pyrt_host::Pyrt::load_default()?;
//! let code = pyrt.run(&pyrt_host::RunConfig::new(["pyrt", "-c", "print(6 * 7)"]))?;
//! assert_eq!(code, 0);
//! # Ok::<(), wasmtime::Error>(())
//! ```
//!
//! Compiling the component takes a while (Cranelift); the compiled form is
//! cached on disk, keyed on wasmtime's version, the engine configuration
//! and the component's bytes, so later loads take milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context;
use wasmtime::{Config, Engine, Result, Store};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};

mod threaded;
pub use threaded::{PyrtThreaded, THREADED_MODULE_PATH};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "pyrt",
        additional_derives: [PartialEq],
    });
}
use bindings::Pyrt as Pyrt_;

/// The component this host was built with (`PYRT_COMPONENT` at build time,
/// else built by `build.rs`).
pub const COMPONENT_PATH: &str = env!("PYRT_COMPONENT_PATH");

/// The wasmtime version the compiled-component cache is keyed on.
const WASMTIME_VERSION: &str = "48.0.8";

/// A loaded pyrt component, ready to run programs (each run gets a fresh
/// instance: a fresh runtime, as a fresh `python` process).
pub struct Pyrt {
    engine: Engine,
    component: Component,
    linker: Linker<State>,
}

impl std::fmt::Debug for Pyrt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pyrt").finish_non_exhaustive()
    }
}

struct State {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// One run: the command line, environment and host directories the
/// program may use.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// `argv`, `argv[0]` included (as `python`'s).
    pub argv: Vec<String>,
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Host directories granted to the program, each at its own path.
    pub dirs: Vec<PathBuf>,
    /// The working directory the program sees (granted too).
    pub cwd: Option<PathBuf>,
}

impl RunConfig {
    /// A run of `argv` with an empty environment and no files.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(argv: I) -> RunConfig {
        RunConfig {
            argv: argv.into_iter().map(Into::into).collect(),
            ..RunConfig::default()
        }
    }
}

/// Native stack the guest may use: the VM's recursion guards (recursion
/// limit 1000, nested reprs) are sized for a native thread's 8 MiB, and
/// wasmtime's default (512 KiB) trapped a deep `repr()` with "call stack
/// exhausted" instead of RecursionError.
pub(crate) const MAX_WASM_STACK: usize = 4 << 20;

/// Host thread stacks that run guest code: room for [`MAX_WASM_STACK`]
/// plus the host's own frames.
pub(crate) const HOST_THREAD_STACK: usize = 8 << 20;

/// The engine configuration both guests share: the native stack they may
/// use ([`MAX_WASM_STACK`]); `PYRT_PROFILE=perfmap` writes
/// `/tmp/perf-PID.map` so Linux `perf` names the guest's functions (and,
/// with the compiled cache file mapped, `perf annotate` shows their code).
pub(crate) fn base_config() -> Config {
    let mut config = Config::new();
    config.async_stack_size(MAX_WASM_STACK + (1 << 20));
    config.max_wasm_stack(MAX_WASM_STACK);
    if std::env::var("PYRT_PROFILE").as_deref() == Ok("perfmap") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

fn engine() -> Result<Engine> {
    Engine::new(&base_config())
}

/// Where compiled components are cached: `$PYRT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/pyrt`, else `~/.cache/pyrt`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PYRT_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("pyrt"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("pyrt"))
}

fn cache_key(engine: &Engine, bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    WASMTIME_VERSION.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    bytes.hash(&mut h);
    format!("{:016x}", h.finish())
}

impl Pyrt {
    /// Loads the component this host was built with.
    pub fn load_default() -> Result<Pyrt> {
        Pyrt::load(Path::new(COMPONENT_PATH))
    }

    /// Loads a component file, from the compiled cache when it has it.
    pub fn load(path: &Path) -> Result<Pyrt> {
        let engine = engine()?;
        let component: Component = load_cached(&engine, path, "component")?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Ok(Pyrt {
            engine,
            component,
            linker,
        })
    }

    /// Runs a program in a fresh instance; returns its exit status. A
    /// guest trap is an error (never a panic).
    pub fn run(&self, run: &RunConfig) -> Result<i32> {
        self.instantiate(run)?.run(None)
    }

    /// An instance with `run`'s command line, environment and directories;
    /// it can run the program several times.
    pub fn instantiate(&self, run: &RunConfig) -> Result<Instance> {
        let state = State {
            ctx: wasi_builder(run)?.build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, state);
        let bindings = Pyrt_::instantiate(&mut store, &self.component, &self.linker)
            .context("cannot instantiate the pyrt component")?;
        Ok(Instance { store, bindings })
    }
}

/// The WASI context of a run: its argv, environment (and `PWD`), the
/// host's stdio, and the granted directories, each at its own path.
pub(crate) fn wasi_builder(run: &RunConfig) -> Result<wasmtime_wasi::WasiCtxBuilder> {
    let mut b = WasiCtx::builder();
    b.inherit_stdio();
    b.args(&run.argv);
    for (k, v) in &run.env {
        b.env(k, v);
    }
    let mut granted: Vec<PathBuf> = Vec::new();
    let mut grant = |d: &Path, b: &mut wasmtime_wasi::WasiCtxBuilder| -> Result<()> {
        let d = d.canonicalize().unwrap_or_else(|_| d.to_path_buf());
        if granted.contains(&d) {
            return Ok(());
        }
        let guest = d.to_string_lossy().into_owned();
        b.preopened_dir(&d, &guest, FsPerms::ReadWrite)
            .with_context(|| format!("cannot grant {}", d.display()))?;
        granted.push(d);
        Ok(())
    };
    if let Some(cwd) = &run.cwd {
        grant(cwd, &mut b)?;
        // WASI has no working directory: the guest takes it from PWD.
        b.env("PWD", cwd.to_string_lossy());
    }
    for d in &run.dirs {
        grant(d, &mut b)?;
    }
    Ok(b)
}

/// What wasmtime compiles and can serialize: a component or a core module.
pub(crate) trait Compiled: Sized {
    fn compile(engine: &Engine, bytes: &[u8]) -> Result<Self>;
    /// # Safety
    /// As `Component::deserialize_file`: `path` holds what `serialize`
    /// wrote for an engine of the same configuration and version.
    unsafe fn deserialize(engine: &Engine, path: &Path) -> Result<Self>;
    fn serialize(&self) -> Result<Vec<u8>>;
}

impl Compiled for Component {
    fn compile(engine: &Engine, bytes: &[u8]) -> Result<Self> {
        Component::new(engine, bytes)
    }
    unsafe fn deserialize(engine: &Engine, path: &Path) -> Result<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { Component::deserialize_file(engine, path) }
    }
    fn serialize(&self) -> Result<Vec<u8>> {
        Component::serialize(self)
    }
}

impl Compiled for wasmtime::Module {
    fn compile(engine: &Engine, bytes: &[u8]) -> Result<Self> {
        wasmtime::Module::new(engine, bytes)
    }
    unsafe fn deserialize(engine: &Engine, path: &Path) -> Result<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { wasmtime::Module::deserialize_file(engine, path) }
    }
    fn serialize(&self) -> Result<Vec<u8>> {
        wasmtime::Module::serialize(self)
    }
}

/// Loads the wasm file `path` compiled: from the cache (keyed on the
/// wasmtime version, the engine's configuration and the bytes) when it
/// has it, else compiled with Cranelift and cached.
pub(crate) fn load_cached<C: Compiled>(engine: &Engine, path: &Path, what: &str) -> Result<C> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the pyrt {what} {}", path.display()))?;
    let cached = cache_dir().map(|d| d.join(format!("{}.cwasm", cache_key(engine, &bytes))));
    if let Some(c) = &cached
        && c.exists()
    {
        // SAFETY: the file was written by `Compiled::serialize` of this
        // host for an engine with the same configuration and wasmtime
        // version (both are in its name), in the user's own cache
        // directory; wasmtime checks its header.
        if let Ok(compiled) = unsafe { C::deserialize(engine, c) } {
            return Ok(compiled);
        }
    }
    let compiled =
        C::compile(engine, &bytes).with_context(|| format!("cannot compile {}", path.display()))?;
    if let (Some(c), Ok(ser)) = (&cached, compiled.serialize()) {
        write_cache(c, &ser);
    }
    Ok(compiled)
}

/// Writes a compiled artifact to the cache (atomically; a cache that
/// cannot be written only costs time).
fn write_cache(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

/// An instantiated component.
pub struct Instance {
    store: Store<State>,
    bindings: Pyrt_,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance").finish_non_exhaustive()
    }
}

/// Instructions per slice: about 20 ms of Python, so an interrupt is
/// delivered promptly while slicing costs nothing measurable.
const SLICE_INSTRUCTIONS: u64 = 1_000_000;

impl Instance {
    /// Runs the program the command line selects, in slices; when `stop`
    /// becomes true (Ctrl-C, a Stop button) the program gets a
    /// KeyboardInterrupt in its main thread — in a loop, a sleep or a lock
    /// wait — and may catch it. Returns the exit status (130 for an uncaught
    /// KeyboardInterrupt).
    pub fn run(&mut self, stop: Option<&AtomicBool>) -> Result<i32> {
        exit_status(self.run_inner(stop))
    }

    fn run_inner(&mut self, stop: Option<&AtomicBool>) -> Result<i32> {
        let program = self
            .bindings
            .pyrt_runtime_session()
            .program()
            .call_constructor(&mut self.store)?;
        let code = drive(
            stop,
            |i: &mut Instance| {
                let p = i.bindings.pyrt_runtime_session().program();
                p.call_interrupt(&mut i.store, program).map(drop)
            },
            |i: &mut Instance| {
                let p = i.bindings.pyrt_runtime_session().program();
                p.call_run_slice(&mut i.store, program, Some(SLICE_INSTRUCTIONS))
            },
            self,
        )?;
        let session = self.bindings.pyrt_runtime_session();
        let code = session
            .program()
            .call_finish(&mut self.store, program, code)?;
        program.resource_drop(&mut self.store)?;
        Ok(code)
    }

    /// `lifecycle.run-main`: the program to completion in one call (no
    /// interrupts).
    pub fn run_main(&mut self) -> Result<i32> {
        exit_status(
            self.bindings
                .pyrt_runtime_lifecycle()
                .call_run_main(&mut self.store),
        )
    }
}

/// Runs slices until the program finishes: `interrupt` when `stop` is
/// set, and between slices sleeps until the next wake-up (waking early for
/// a stop). Returns the program's status.
fn drive<S>(
    stop: Option<&AtomicBool>,
    mut interrupt: impl FnMut(&mut S) -> Result<()>,
    mut slice: impl FnMut(&mut S) -> Result<SliceOutcome>,
    s: &mut S,
) -> Result<i32> {
    loop {
        if stop.is_some_and(|s| s.swap(false, Ordering::AcqRel)) {
            interrupt(s)?;
        }
        let wait = match slice(s)? {
            SliceOutcome::Finished(code) => return Ok(code),
            SliceOutcome::Paused => continue,
            SliceOutcome::Sleeping(ns) => Duration::from_nanos(ns),
            SliceOutcome::Blocked => Duration::from_secs(3600),
        };
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if stop.is_some_and(|s| s.load(Ordering::Acquire)) {
                break;
            }
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(5)));
        }
    }
}

/// A guest's `exit(n)` is a status, not an error; anything else trapped.
fn exit_status(r: Result<i32>) -> Result<i32> {
    r.or_else(|e| match e.downcast_ref::<I32Exit>() {
        Some(exit) => Ok(exit.0),
        None => Err(e.context("the pyrt runtime trapped")),
    })
}

pub use bindings::exports::pyrt::runtime::configuration::{
    ConfigValue, Configs, ErrorInfo, Field, Status,
};
pub use bindings::exports::pyrt::runtime::interpreters::{
    GilEvent, GilEventKind, MemoryStats, SwitchReason, ThreadInfo, TraceEvent, Uncaught,
};
pub use bindings::exports::pyrt::runtime::session::SliceOutcome;

impl Configs {
    /// The value of the config field `name` (CPython's `PyConfig` member).
    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.config
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.value)
    }
}

impl Pyrt {
    /// Reads the configuration `python` would have with `run`'s argv and
    /// environment, without initializing (`configuration.read`). The outer
    /// error is the host's; the inner one CPython's `PyStatus`.
    pub fn read_config(&self, run: &RunConfig) -> Result<std::result::Result<Configs, Status>> {
        let mut inst = self.instantiate(run)?;
        let c = inst.bindings.pyrt_runtime_configuration();
        c.call_read(&mut inst.store, &run.argv, &run.env)
    }

    /// An interpreter configured from `run`'s argv and environment
    /// (`interpreters.interpreter.create`), in a fresh instance.
    pub fn interpreter(&self, run: &RunConfig) -> Result<std::result::Result<Interpreter, Status>> {
        let mut inst = self.instantiate(run)?;
        let api = inst.bindings.pyrt_runtime_interpreters().interpreter();
        match api.call_create(&mut inst.store, &run.argv, &run.env)? {
            Ok(handle) => Ok(Ok(Interpreter { inst, handle })),
            Err(s) => Ok(Err(s)),
        }
    }

    /// An interpreter configured from records (`interpreters.interpreter.
    /// from-config`: PEP 741's rules on the preset `_config_init` names,
    /// then `PyConfig_Read`), with `run`'s environment and file access; a
    /// field of [`Pyrt::read_config`]'s result can be changed and passed
    /// back (with `parse_argv` false: its `argv` is already parsed).
    pub fn interpreter_from_config(
        &self,
        run: &RunConfig,
        configs: &Configs,
    ) -> Result<std::result::Result<Interpreter, Status>> {
        let mut inst = self.instantiate(run)?;
        let api = inst.bindings.pyrt_runtime_interpreters().interpreter();
        match api.call_from_config(&mut inst.store, configs, &run.env)? {
            Ok(handle) => Ok(Ok(Interpreter { inst, handle })),
            Err(s) => Ok(Err(s)),
        }
    }
}

/// An interpreter in its own instance: run programs in it, interrupt them,
/// read its threads, GIL and trace events, memory; set limits.
pub struct Interpreter {
    inst: Instance,
    handle: wasmtime::component::ResourceAny,
}

impl std::fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interpreter").finish_non_exhaustive()
    }
}

macro_rules! call {
    ($self:ident . $m:ident ( $($a:expr),* )) => {{
        let api = $self.inst.bindings.pyrt_runtime_interpreters().interpreter();
        api.$m(&mut $self.inst.store, $self.handle $(, $a)*)
    }};
}

impl Interpreter {
    /// `PyInterpreterState_GetID()`.
    pub fn id(&mut self) -> Result<i64> {
        call!(self.call_id())
    }

    /// The configuration in effect.
    pub fn config(&mut self) -> Result<Configs> {
        call!(self.call_config())
    }

    /// Runs `source` as `__main__` to its end (threads included), in
    /// slices; `stop` interrupts it as in [`Instance::run`]. Returns the
    /// program's exit status (the runtime stays initialized: run more, then
    /// [`Interpreter::finalize`]).
    pub fn run_source(
        &mut self,
        source: &str,
        filename: &str,
        stop: Option<&AtomicBool>,
    ) -> Result<i32> {
        call!(self.call_run_source(source, filename))?;
        self.drive(stop)
    }

    /// Runs the file `path` (a guest path) as `__main__`, as
    /// [`Interpreter::run_source`]. The outer error is the host's; the inner
    /// one a file that cannot be read.
    pub fn exec_file(
        &mut self,
        path: &str,
        stop: Option<&AtomicBool>,
    ) -> Result<std::result::Result<i32, String>> {
        if let Err(e) = call!(self.call_exec_file(path))? {
            return Ok(Err(e));
        }
        self.drive(stop).map(Ok)
    }

    /// Starts `source` as `__main__` without running it: drive it with
    /// [`Interpreter::run_slice`], then [`Interpreter::finish_program`].
    pub fn start_source(&mut self, source: &str, filename: &str) -> Result<()> {
        call!(self.call_run_source(source, filename))
    }

    /// Runs about `instructions` more of the started program.
    pub fn run_slice(&mut self, instructions: Option<u64>) -> Result<SliceOutcome> {
        call!(self.call_run_slice(instructions))
    }

    /// Runs the started program to its end, as [`Interpreter::run_source`].
    pub fn finish_program(&mut self, stop: Option<&AtomicBool>) -> Result<i32> {
        self.drive(stop)
    }

    fn drive(&mut self, stop: Option<&AtomicBool>) -> Result<i32> {
        let r = drive(
            stop,
            |s| {
                let api = s.inst.bindings.pyrt_runtime_interpreters().interpreter();
                api.call_interrupt(&mut s.inst.store, s.handle).map(drop)
            },
            |s| {
                let api = s.inst.bindings.pyrt_runtime_interpreters().interpreter();
                api.call_run_slice(&mut s.inst.store, s.handle, Some(SLICE_INSTRUCTIONS))
            },
            self,
        );
        exit_status(r)
    }

    /// KeyboardInterrupt in the main thread at its next check.
    pub fn interrupt(&mut self) -> Result<bool> {
        call!(self.call_interrupt())
    }

    /// The exception that ended the last program, if one did.
    pub fn uncaught(&mut self) -> Result<Option<Uncaught>> {
        call!(self.call_uncaught())
    }

    /// `atexit`, flush, finalize; the final exit status.
    pub fn finalize(&mut self, status: i32) -> Result<i32> {
        exit_status(call!(self.call_finalize(status)))
    }

    /// The interpreter's thread states.
    pub fn threads(&mut self) -> Result<Vec<ThreadInfo>> {
        call!(self.call_threads())
    }

    /// `sys.getswitchinterval()`.
    pub fn switch_interval(&mut self) -> Result<f64> {
        call!(self.call_switch_interval())
    }

    /// `sys.setswitchinterval()`.
    pub fn set_switch_interval(&mut self, seconds: f64) -> Result<std::result::Result<(), String>> {
        call!(self.call_set_switch_interval(seconds))
    }

    /// `PyThreadState_SetAsyncExc` with a builtin exception's name.
    pub fn async_exception(&mut self, thread_id: u64, exception: &str) -> Result<bool> {
        call!(self.call_async_exception(thread_id, exception))
    }

    /// Memory figures.
    pub fn memory_stats(&mut self) -> Result<MemoryStats> {
        call!(self.call_memory_stats())
    }

    /// Caps the runtime's memory (None: no cap).
    pub fn set_memory_limit(&mut self, bytes: Option<u64>) -> Result<()> {
        call!(self.call_set_memory_limit(bytes))
    }

    /// Starts or stops recording GIL events.
    pub fn record_gil_events(&mut self, on: bool) -> Result<()> {
        call!(self.call_record_gil_events(on))
    }

    /// The GIL events since the last call.
    pub fn take_gil_events(&mut self) -> Result<Vec<GilEvent>> {
        call!(self.call_take_gil_events())
    }

    /// Starts or stops recording trace events of every thread.
    pub fn record_trace_events(&mut self, on: bool) -> Result<()> {
        call!(self.call_record_trace_events(on))
    }

    /// The trace events since the last call.
    pub fn take_trace_events(&mut self) -> Result<Vec<TraceEvent>> {
        call!(self.call_take_trace_events())
    }
}
