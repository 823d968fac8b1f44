//! Runtime lifecycle: pre-initialization, initialization, finalization.
//!
//! Mirrors `Python/pylifecycle.c` and `Modules/main.c` (3.13).
//!
//! # Design
//!
//! CPython keeps the runtime in one process global, `_PyRuntime`. pyrt
//! keeps it in a [`Runtime`] value (DESIGN.md decision 1): a process may
//! hold many, each with its own [`Platform`] — environment, standard
//! streams, files, clock — so tests run in parallel and a server can host
//! many isolated runtimes.
//!
//! A runtime moves through CPython's states, which fatal-error reports
//! name: *preinitializing* → *preinitialized* (allocator, locale and UTF-8
//! mode fixed) → *core initialized* (configuration read, main interpreter
//! created, import machinery up; `_init_main = 0` stops here) →
//! *initialized* (encodings, tracemalloc, warnings, the C-locale warning)
//! → *finalizing*. [`Runtime::finalize`] runs CPython's order (SPEC B.3);
//! afterwards the runtime can be initialized again.
//!
//! What runs the program is not this module's business: [`Runtime::run_main`]
//! resolves the program the configuration selects (`-c`, `-m`, a file, or
//! stdin) exactly as `Py_RunMain` does — including its errors and exit
//! codes — and hands it to an [`Executor`] (the VM).
//!
//! Locking: the lifecycle state is behind one mutex, never held while an
//! executor or an at-exit callback runs (they may call back in).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::codecs;
use crate::config::{
    Args, Config, ConfigDict, GlobalConfigVars, LocaleEnv, PreConfig, PreReadContext, ReadContext,
    locale,
};
use crate::interp::{InterpreterConfig, InterpreterState, RuntimeState, Whence};
use crate::mem::{FatalHandler, Mem};
use crate::platform::{FileKind, Platform, StdStream};
use crate::status::{InitResult, Status};
use crate::thread::ThreadState;
use crate::warnings;
use crate::wstr::{WString, WideStringList};

pub mod version;
pub use version::{
    BUILD_DATE, PY_VERSION, PYRT_VERSION, build_info, compiler, copyright, platform, version,
};

/// `Py_AtExit`'s table size (`NEXITFUNCS`).
pub const MAX_AT_EXIT_FUNCS: usize = 32;

/// The lifecycle phase (what `Python runtime state:` prints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Nothing done yet (`unknown`).
    New,
    /// Inside pre-initialization.
    Preinitializing,
    /// Allocator, locale and UTF-8 mode are fixed.
    Preinitialized,
    /// The main interpreter exists; only built-in imports work.
    CoreInitialized,
    /// Fully initialized.
    Initialized,
    /// `Py_FinalizeEx` has passed the point of no return.
    Finalizing,
}

impl Phase {
    pub(crate) fn from_u8(v: u8) -> Phase {
        match v {
            1 => Phase::Preinitializing,
            2 => Phase::Preinitialized,
            3 => Phase::CoreInitialized,
            4 => Phase::Initialized,
            5 => Phase::Finalizing,
            _ => Phase::New,
        }
    }

    /// The text after `Python runtime state: `.
    pub(crate) fn describe(self) -> String {
        match self {
            Phase::Finalizing => format!("finalizing (tstate=0x{:016x})", current_thread_id()),
            Phase::Initialized => "initialized".to_owned(),
            Phase::CoreInitialized => "core initialized".to_owned(),
            Phase::Preinitialized => "preinitialized".to_owned(),
            Phase::Preinitializing => "preinitializing".to_owned(),
            Phase::New => "unknown".to_owned(),
        }
    }
}

/// A `Py_AtExit` callback.
type AtExitFunc = Box<dyn FnOnce() + Send>;

/// The main interpreter as far as the lifecycle knows it.
#[derive(Debug)]
struct MainInterp {
    /// The interpreter (its `PyConfig` lives there).
    interp: Arc<InterpreterState>,
    /// Warning filters from `-W` / `PYTHONWARNINGS`.
    warning_filters: Vec<warnings::Filter>,
    /// Built-in modules imported so far, in order (`sys.modules`' core).
    imported: Vec<&'static str>,
}

struct State {
    phase: Phase,
    preinitialized: bool,
    core_initialized: bool,
    initialized: bool,
    /// `Py_IsFinalizing()`: stays true after finalization returns.
    finalizing: bool,
    preconfig: PreConfig,
    /// `_PyRuntime.preconfig.utf8_mode` while reading.
    runtime_utf8_mode: i32,
    loc: LocaleEnv,
    globals: GlobalConfigVars,
    /// `Py_GetArgcArgv()`.
    orig_argv: WideStringList,
    at_exit: Vec<AtExitFunc>,
    preinit_warnoptions: WideStringList,
    preinit_xoptions: WideStringList,
    interp: Option<MainInterp>,
    /// Interpreters, thread states, main-thread pending calls.
    runtime_state: Option<Arc<RuntimeState>>,
    /// The exception a failing initialization step left pending (printed
    /// by the fatal error report), e.g. `LookupError: unknown encoding: x`.
    pending_exception: Option<String>,
    /// Allocators, chosen by the pre-configuration.
    mem: Option<Arc<Mem>>,
    /// The memory limit, kept across re-initializations.
    memory_limit: Option<usize>,
}

impl State {
    fn new(platform: &Platform) -> State {
        State {
            phase: Phase::New,
            preinitialized: false,
            core_initialized: false,
            initialized: false,
            finalizing: false,
            preconfig: PreConfig::python(),
            runtime_utf8_mode: 0,
            loc: LocaleEnv::new(platform.environ.clone()),
            globals: GlobalConfigVars::default(),
            orig_argv: WideStringList::new(),
            at_exit: Vec::new(),
            preinit_warnoptions: WideStringList::new(),
            preinit_xoptions: WideStringList::new(),
            interp: None,
            runtime_state: None,
            pending_exception: None,
            mem: None,
            memory_limit: None,
        }
    }
}

/// A Python runtime: what CPython keeps in `_PyRuntime`.
pub struct Runtime {
    platform: Platform,
    state: Mutex<State>,
    /// The phase, readable without the state lock (fatal errors from the
    /// allocators may fire anywhere).
    phase: Arc<AtomicU8>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("phase", &self.phase())
            .finish_non_exhaustive()
    }
}

/// What `Py_RunMain()` runs, as the configuration selects it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MainTarget {
    /// `-c`: the command (with its trailing newline).
    Command(WString),
    /// `-m`: the module name and the file that defines it (`None` for a
    /// built-in module).
    Module {
        /// Dotted module name.
        name: WString,
        /// Source file found on `sys.path`.
        path: Option<WString>,
    },
    /// A script: its absolute path and source bytes.
    File {
        /// Absolute path (`run_filename`).
        path: WString,
        /// The file's contents.
        source: Vec<u8>,
    },
    /// The program is read from stdin (not a terminal).
    Stdin,
    /// The interactive loop (stdin is a terminal, or `-i` without program).
    Interactive,
}

/// Runs Python code for [`Runtime::run_main`]: the VM implements it.
pub trait Executor {
    /// Runs the main program; returns the exit status: 0, the `SystemExit`
    /// code, or 1 for an uncaught exception.
    fn run_main(&mut self, rt: &Runtime, target: &MainTarget) -> i32;
    /// The interactive loop run after the program under `-i`; returns the
    /// exit status.
    fn run_interactive(&mut self, rt: &Runtime) -> i32;
    /// Called once after the program (and any `-i` loop), before
    /// finalization: waits for threads, runs `atexit` callbacks, flushes
    /// `sys.stdout`/`sys.stderr` and lets go of the interpreter's objects.
    /// Returns the exit status and whether flushing stdout succeeded
    /// (CPython exits with 120 when it did not).
    fn shutdown(&mut self, rt: &Runtime, exitcode: i32) -> (i32, bool) {
        let _ = rt;
        (exitcode, true)
    }
}

/// Built-in modules the runtime core provides before any VM module is
/// registered: the import machinery itself.
const CORE_MODULES: &[(&str, ModuleKind)] = &[
    ("_frozen_importlib", ModuleKind::Frozen),
    ("_imp", ModuleKind::Builtin),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModuleKind {
    Frozen,
    Builtin,
}

/// True if `name` is a module built into pyrt.
pub fn is_builtin_module_name(name: &str) -> bool {
    CORE_MODULES.iter().any(|(n, _)| *n == name)
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Runtime {
    /// `_PyRuntime_Initialize()`: a runtime over `platform`, not yet
    /// pre-initialized.
    pub fn new(platform: Platform) -> Runtime {
        let state = Mutex::new(State::new(&platform));
        Runtime {
            platform,
            state,
            phase: Arc::new(AtomicU8::new(Phase::New as u8)),
        }
    }

    fn set_phase(&self, st: &mut State, phase: Phase) {
        st.phase = phase;
        self.phase.store(phase as u8, Ordering::Release);
    }

    /// The memory state (allocator domains). Created at pre-initialization
    /// with the allocator `PYTHONMALLOC` chose; before that, the defaults.
    pub fn mem(&self) -> Arc<Mem> {
        let mut st = lock(&self.state);
        if st.mem.is_none() {
            let mem = self.new_mem(crate::config::AllocatorName::NotSet, st.memory_limit);
            st.mem = Some(mem);
        }
        st.mem.clone().expect("created above")
    }

    /// Sets (or clears) the cap on the bytes this runtime holds from its
    /// host. An allocation past it fails (the VM raises `MemoryError`) and
    /// the runtime stays usable.
    pub fn set_memory_limit(&self, limit: Option<usize>) {
        let mut st = lock(&self.state);
        st.memory_limit = limit;
        if let Some(mem) = &st.mem {
            mem.set_limit(limit);
        }
    }

    fn new_mem(&self, name: crate::config::AllocatorName, limit: Option<usize>) -> Arc<Mem> {
        let stdio = self.platform.stdio.clone();
        let phase = self.phase.clone();
        // Memory corruption is fatal, as in CPython: report, then abort.
        let fatal: FatalHandler = Arc::new(move |dump: &[u8], msg: &[u8]| {
            let mut out = dump.to_vec();
            out.extend_from_slice(b"Fatal Python error: ");
            out.extend_from_slice(msg);
            out.push(b'\n');
            let phase = Phase::from_u8(phase.load(Ordering::Acquire));
            out.extend_from_slice(
                format!("Python runtime state: {}\n\n", phase.describe()).as_bytes(),
            );
            if matches!(
                phase,
                Phase::CoreInitialized | Phase::Initialized | Phase::Finalizing
            ) {
                out.extend_from_slice(
                    format!(
                        "Current thread 0x{:016x} (most recent call first):\n  <no Python frame>\n",
                        current_thread_id()
                    )
                    .as_bytes(),
                );
            }
            let _ = stdio.write(StdStream::Stderr, &out);
            let _ = stdio.flush(StdStream::Stderr);
            std::process::abort();
        });
        let mem = Arc::new(Mem::new(name, fatal));
        mem.set_limit(limit);
        mem
    }

    /// The host this runtime runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The current lifecycle phase.
    pub fn phase(&self) -> Phase {
        lock(&self.state).phase
    }

    /// The runtime's environment block (after locale coercion, which
    /// exports `LC_CTYPE`): what `os.environ` starts from.
    pub fn environ(&self) -> crate::platform::Environ {
        lock(&self.state).loc.environ.clone()
    }

    /// The LC_CTYPE locale currently in effect.
    pub fn ctype_locale(&self) -> locale::Locale {
        lock(&self.state).loc.ctype.clone()
    }

    /// `_PyRuntime.preconfig`: the pre-configuration in effect.
    pub fn preconfig(&self) -> PreConfig {
        lock(&self.state).preconfig.clone()
    }

    /// The legacy global configuration variables (`Py_VerboseFlag` …):
    /// inputs of the compat preset, written back after initialization.
    pub fn global_config_vars(&self) -> GlobalConfigVars {
        lock(&self.state).globals.clone()
    }

    /// Sets the legacy global variables before a compat initialization.
    pub fn set_global_config_vars(&self, vars: GlobalConfigVars) {
        lock(&self.state).globals = vars;
    }

    /// `Py_PreInitialize(preconfig)`.
    pub fn pre_initialize(&self, preconfig: &PreConfig) -> InitResult {
        self.pre_initialize_impl(preconfig, None)
    }

    /// `Py_PreInitializeFromBytesArgs` / `Py_PreInitializeFromArgs`: with
    /// `parse_argv`, `-E`, `-I` and `-X` on the command line count.
    pub fn pre_initialize_from_args(&self, preconfig: &PreConfig, args: &Args) -> InitResult {
        self.pre_initialize_impl(preconfig, Some(args))
    }

    /// `_Py_PreInitializeFromPyArgv()`.
    fn pre_initialize_impl(&self, src: &PreConfig, args: Option<&Args>) -> InitResult {
        let mut st = lock(&self.state);
        if st.preinitialized {
            // Already configured: the new configuration is ignored.
            return Ok(());
        }
        self.set_phase(&mut st, Phase::Preinitializing);
        let mut config = src.clone();
        let State {
            loc,
            runtime_utf8_mode,
            globals,
            ..
        } = &mut *st;
        let mut cx = PreReadContext {
            loc,
            runtime_utf8_mode,
            globals,
        };
        config.read(&mut cx, args)?;
        self.pre_config_write(&mut st, &mut config);
        // _PyMem_SetupAllocators(): the allocator is chosen once, here.
        let limit = st.memory_limit;
        st.mem = Some(self.new_mem(config.allocator_name(), limit));
        st.preconfig = config;
        self.set_phase(&mut st, Phase::Preinitialized);
        st.preinitialized = true;
        Ok(())
    }

    /// `_PyPreConfig_Write()`: fixes the allocator, coerces the locale and
    /// sets LC_CTYPE.
    fn pre_config_write(&self, st: &mut State, config: &mut PreConfig) {
        if config.configure_locale != 0 {
            if config.coerce_c_locale != 0 {
                let (coerced, warning) = st
                    .loc
                    .coerce_legacy_locale(config.coerce_c_locale_warn != 0);
                if let Some(w) = warning {
                    let _ = self.platform.stdio.write(StdStream::Stderr, w.as_bytes());
                }
                if !coerced {
                    config.coerce_c_locale = 0;
                }
            }
            st.loc.set_from_env();
        }
        st.runtime_utf8_mode = config.utf8_mode;
        st.globals.utf8_mode = config.utf8_mode.max(0);
    }

    /// `_Py_PreInitializeFromConfig()`: implicit pre-initialization by the
    /// configuration API. With `parse_argv`, the command line is `args`, or
    /// the configuration's own `argv` when none is given.
    fn pre_initialize_from_config(&self, config: &Config, args: Option<&Args>) -> InitResult {
        if lock(&self.state).preinitialized {
            return Ok(());
        }
        let pre = PreConfig::from_config(config);
        if config.parse_argv == 0 {
            return self.pre_initialize_impl(&pre, None);
        }
        match args {
            Some(args) => self.pre_initialize_impl(&pre, Some(args)),
            None => {
                let own = Args::Wide(config.argv.items().to_vec());
                self.pre_initialize_impl(&pre, Some(&own))
            }
        }
    }

    /// `Py_DecodeLocale()`: decodes OS bytes with the runtime's encoding.
    pub fn decode_locale(&self, bytes: &[u8]) -> WString {
        let st = lock(&self.state);
        st.loc.decode(bytes, st.runtime_utf8_mode == 1)
    }

    /// `Py_EncodeLocale()`.
    pub fn encode_locale(&self, s: &WString) -> Vec<u8> {
        let st = lock(&self.state);
        st.loc.encode(s, st.runtime_utf8_mode == 1)
    }

    /// `PyConfig_SetBytesArgv` / `PyConfig_SetArgv`: pre-initializes if
    /// needed (so bytes decode with the right encoding), then sets `argv`.
    pub fn config_set_args(&self, config: &mut Config, args: &Args) -> InitResult {
        self.pre_initialize_from_config(config, Some(args))?;
        let st = lock(&self.state);
        config.argv = args.to_wide(&st.loc, st.runtime_utf8_mode == 1);
        Ok(())
    }

    /// `PyConfig_SetBytesString()`: decodes `bytes` with the locale after
    /// pre-initializing.
    pub fn config_set_bytes_string(
        &self,
        config: &Config,
        field: &mut Option<WString>,
        bytes: &[u8],
    ) -> InitResult {
        self.pre_initialize_from_config(config, None)?;
        *field = Some(self.decode_locale(bytes));
        Ok(())
    }

    /// `PySys_AddWarnOption()` before initialization.
    pub fn add_warn_option(&self, option: impl Into<WString>) {
        lock(&self.state).preinit_warnoptions.append(option);
    }

    /// `PySys_AddXOption()` before initialization.
    pub fn add_xoption(&self, option: impl Into<WString>) {
        lock(&self.state).preinit_xoptions.append(option);
    }

    /// `PyConfig_Read()`: computes every derived field except the path
    /// configuration. May print help or usage and return an EXIT status.
    pub fn read_config(&self, config: &mut Config) -> InitResult {
        self.read_config_impl(config, false)
    }

    fn read_config_impl(&self, config: &mut Config, compute_path_config: bool) -> InitResult {
        self.pre_initialize_from_config(config, None)?;
        let st = lock(&self.state);
        let cx = ReadContext {
            preconfig: &st.preconfig,
            loc: &st.loc,
            globals: &st.globals,
            cwd: self.platform.cwd.as_deref(),
            fs: &*self.platform.fs,
            stdio: &*self.platform.stdio,
            preinit_warnoptions: &st.preinit_warnoptions,
            preinit_xoptions: &st.preinit_xoptions,
            host_executable: self.platform.executable.as_deref(),
        };
        config.read_with(&cx, compute_path_config)
    }

    /// `Py_InitializeFromConfig()`: pre-initialize if needed, then the core
    /// phase, then (if `config.init_main`) the main phase. The
    /// configuration is copied.
    pub fn initialize_from_config(&self, config: &Config) -> InitResult {
        self.pre_initialize_from_config(config, None)?;
        if !lock(&self.state).core_initialized {
            self.init_core(config)?;
        } else {
            self.reconfigure_core(config)?;
        }
        if config.init_main != 0 {
            self.init_main()?;
        }
        Ok(())
    }

    /// `Py_InitializeEx()`: the compat configuration; a no-op if already
    /// initialized.
    pub fn initialize(&self) -> InitResult {
        if self.is_initialized() {
            return Ok(());
        }
        self.initialize_from_config(&Config::compat())
    }

    /// `pyinit_core()`: read the configuration (path configuration
    /// included), write it, create the main interpreter, start the import
    /// machinery.
    fn init_core(&self, src: &Config) -> InitResult {
        let mut config = src.clone();
        self.read_config_impl(&mut config, true)?;
        if ThreadState::has_current() {
            return Err(Status::error(
                "pyinit_core",
                "the calling thread already has an attached thread state",
            ));
        }
        let mut st = lock(&self.state);
        // _PyConfig_Write()
        st.globals.set_from(&config);
        st.preconfig.isolated = config.isolated;
        st.preconfig.use_environment = config.use_environment;
        st.preconfig.dev_mode = config.dev_mode;
        st.orig_argv = config.orig_argv.clone();
        let malloc_stats = config.malloc_stats != 0;
        // pycore_create_interpreter(): the runtime state, the main
        // interpreter (id 0) and its main thread state, attached.
        let rs = RuntimeState::new(
            self.platform.clock.clone(),
            self.platform.stdio.clone(),
            self.phase.clone(),
        );
        let interp = rs.new_interpreter(InterpreterConfig::legacy(), config, Whence::RuntimeInit);
        let ts = interp.new_thread_state();
        *crate::loom::lock(&rs.main_tstate) = Some(ts.clone());
        ts.mark_main();
        if let Err(e) = ts.attach() {
            return Err(Status::error("pycore_create_interpreter", format!("{e:?}")));
        }
        // The debug hooks' "GIL must be held" check for MEM and OBJ
        // (`_PyMem_DebugCheckGIL`): PyGILState_Check() of this runtime.
        if let Some(mem) = &st.mem {
            let weak = Arc::downgrade(&rs);
            mem.set_gil_check(Some(Arc::new(move || {
                weak.upgrade()
                    .is_none_or(|rs| crate::thread::gilstate_check(Some(&rs)))
            })));
        }
        st.runtime_state = Some(rs);
        st.interp = Some(MainInterp {
            interp,
            warning_filters: Vec::new(),
            imported: Vec::new(),
        });
        st.core_initialized = true;
        self.set_phase(&mut st, Phase::CoreInitialized);
        drop(st);
        if malloc_stats {
            // PYTHONMALLOCSTATS: statistics before each new arena.
            let stdio = self.platform.stdio.clone();
            let mem = self.mem();
            // SAFETY: single-threaded startup: nothing else uses MEM/OBJ.
            unsafe {
                mem.set_new_arena_hook(Some(Box::new(move |text: &str| {
                    let _ = stdio.write(StdStream::Stderr, text.as_bytes());
                })));
            }
        }
        self.init_importlib();
        Ok(())
    }

    /// `pyinit_core_reconfigure()`: a second `Py_InitializeFromConfig()`
    /// after the core phase replaces the interpreter's configuration.
    fn reconfigure_core(&self, src: &Config) -> InitResult {
        let mut config = src.clone();
        self.read_config_impl(&mut config, true)?;
        let mut st = lock(&self.state);
        st.globals.set_from(&config);
        if let Some(m) = st.interp.as_mut() {
            m.interp.set_pyconfig(config);
        }
        Ok(())
    }

    /// `init_importlib()`: imports the import machinery itself, reporting
    /// each import under `-v` and `-X importtime` as CPython does.
    fn init_importlib(&self) {
        for &(name, kind) in CORE_MODULES {
            self.import_builtin(name, kind);
        }
    }

    fn import_builtin(&self, name: &'static str, kind: ModuleKind) {
        let (verbose, import_time) = {
            let st = lock(&self.state);
            let c = st
                .interp
                .as_ref()
                .expect("core initialized")
                .interp
                .pyconfig();
            (c.verbose, c.import_time != 0)
        };
        let start = self.platform.clock.monotonic_ns();
        {
            let mut st = lock(&self.state);
            if let Some(interp) = st.interp.as_mut()
                && !interp.imported.contains(&name)
            {
                interp.imported.push(name);
            }
        }
        let elapsed_us = (self.platform.clock.monotonic_ns() - start) / 1000;
        let mut err = String::new();
        if verbose > 0 {
            match (name, kind) {
                // The two modules CPython imports before its importer exists.
                ("_frozen_importlib", _) => err.push_str("import _frozen_importlib # frozen\n"),
                ("_imp", _) => err.push_str("import _imp # builtin\n"),
                (_, ModuleKind::Frozen) => err.push_str(&format!(
                    "import '{name}' # <class '_frozen_importlib.FrozenImporter'>\n"
                )),
                (_, ModuleKind::Builtin) => err.push_str(&format!(
                    "import '{name}' # <class '_frozen_importlib.BuiltinImporter'>\n"
                )),
            }
        }
        if import_time {
            let first = lock(&self.state)
                .interp
                .as_ref()
                .is_some_and(|i| i.imported.first() == Some(&name));
            if first {
                err.push_str("import time: self [us] | cumulative | imported package\n");
            }
            err.push_str(&format!(
                "import time: {elapsed_us:>9} | {elapsed_us:>10} | {name}\n"
            ));
        }
        if !err.is_empty() {
            let _ = self.platform.stdio.write(StdStream::Stderr, err.as_bytes());
        }
    }

    /// `_Py_InitializeMain()` / `init_interp_main()`.
    pub fn initialize_main(&self) -> InitResult {
        self.init_main()
    }

    fn init_main(&self) -> InitResult {
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        if !st.core_initialized {
            return Err(Status::error(
                "_Py_InitializeMain",
                "runtime core not initialized",
            ));
        }
        if st.initialized {
            return Ok(());
        }
        let preconfig = st.preconfig.clone();
        let coerce_warn =
            preconfig.coerce_c_locale_warn != 0 && st.loc.legacy_locale_detected(true);
        let main = st.interp.as_mut().expect("core initialized");
        let mut config = main.interp.pyconfig();

        // _PyUnicode_InitEncodings(): encodings get their codec names.
        let fs_enc = config.filesystem_encoding.clone().unwrap_or_default();
        match codecs::lookup(&fs_enc.to_string_lossy()) {
            Some(codec) => config.filesystem_encoding = Some(WString::from(codec.name())),
            None => {
                st.pending_exception = Some(format!("LookupError: unknown encoding: {fs_enc}"));
                return Err(Status::error(
                    "init_fs_encoding",
                    "failed to get the Python codec of the filesystem encoding",
                ));
            }
        }
        let stdio_enc = config.stdio_encoding.clone().unwrap_or_default();
        match codecs::lookup(&stdio_enc.to_string_lossy()) {
            Some(codec) => config.stdio_encoding = Some(WString::from(codec.name())),
            None => {
                st.pending_exception = Some(format!("LookupError: unknown encoding: {stdio_enc}"));
                return Err(Status::error(
                    "init_stdio_encoding",
                    "failed to get the Python codec name of the stdio encoding",
                ));
            }
        }
        st.globals.filesystem_default_encoding = config.filesystem_encoding.clone();
        st.globals.filesystem_default_encode_errors = config.filesystem_errors.clone();

        // tracemalloc.start(config.tracemalloc)
        let frames = config.tracemalloc;
        if frames > 0 {
            let mem = st.mem.clone().expect("pre-initialized");
            // SAFETY: single-threaded startup: nothing else uses the domains.
            if let Err(e) = unsafe { mem.tracemalloc_start(i64::from(frames)) } {
                st.pending_exception = Some(format!("ValueError: {}", e.0));
                return Err(Status::error("init_interp_main", "can't start tracemalloc"));
            }
        }

        // import warnings: sys.warnoptions become filters.
        let warn_out = warnings::process_options(config.warnoptions.items());
        main.warning_filters = warn_out.filters;
        main.interp.set_pyconfig(config);

        st.initialized = true;
        self.set_phase(st, Phase::Initialized);
        drop(guard);

        let mut err = warn_out.stderr;
        if coerce_warn {
            err.push_str(locale::C_LOCALE_WARNING);
        }
        if !err.is_empty() {
            let _ = self.platform.stdio.write(StdStream::Stderr, err.as_bytes());
        }
        Ok(())
    }

    /// `Py_IsInitialized()`.
    pub fn is_initialized(&self) -> bool {
        lock(&self.state).initialized
    }

    /// `Py_IsFinalizing()`: true from the point of no return of
    /// finalization, and still true after it returned.
    pub fn is_finalizing(&self) -> bool {
        lock(&self.state).finalizing
    }

    /// The main interpreter's configuration (`PyConfig` of
    /// `_PyInterpreterState_GetConfig`), once the core phase ran.
    pub fn config(&self) -> Option<Config> {
        lock(&self.state)
            .interp
            .as_ref()
            .map(|m| m.interp.pyconfig())
    }

    /// The runtime state: interpreters, thread states, main-thread pending
    /// calls (after the core phase).
    pub fn runtime_state(&self) -> Option<Arc<RuntimeState>> {
        lock(&self.state).runtime_state.clone()
    }

    /// The main interpreter (after the core phase).
    pub fn main_interpreter(&self) -> Option<Arc<InterpreterState>> {
        lock(&self.state).interp.as_ref().map(|m| m.interp.clone())
    }

    /// The warning filters set up from `-W` and `PYTHONWARNINGS`.
    pub fn warning_filters(&self) -> Vec<warnings::Filter> {
        lock(&self.state)
            .interp
            .as_ref()
            .map(|i| i.warning_filters.clone())
            .unwrap_or_default()
    }

    /// Built-in modules imported so far.
    pub fn imported_modules(&self) -> Vec<&'static str> {
        lock(&self.state)
            .interp
            .as_ref()
            .map(|i| i.imported.clone())
            .unwrap_or_default()
    }

    /// `_testinternalcapi.get_configs()`: `global_config`, `pre_config`
    /// and `config`.
    pub fn get_configs(&self) -> Option<Configs> {
        let st = lock(&self.state);
        let main = st.interp.as_ref()?;
        Some(Configs {
            global_config: st.globals.as_dict(),
            pre_config: st.preconfig.as_dict(),
            config: main.interp.pyconfig().as_dict(),
        })
    }

    fn config_str(&self, f: impl Fn(&Config) -> Option<WString>) -> Option<WString> {
        lock(&self.state)
            .interp
            .as_ref()
            .and_then(|m| f(&m.interp.pyconfig()))
    }

    /// `Py_GetProgramName()`: `None` before initialization (CPython
    /// returns NULL).
    pub fn program_name(&self) -> Option<WString> {
        self.config_str(|c| c.program_name.clone())
    }

    /// `Py_GetProgramFullPath()`: `sys.executable`.
    pub fn program_full_path(&self) -> Option<WString> {
        self.config_str(|c| c.executable.clone())
    }

    /// `Py_GetPrefix()`: `sys.base_prefix`.
    pub fn prefix(&self) -> Option<WString> {
        self.config_str(|c| c.base_prefix.clone())
    }

    /// `Py_GetExecPrefix()`: `sys.base_exec_prefix`.
    pub fn exec_prefix(&self) -> Option<WString> {
        self.config_str(|c| c.base_exec_prefix.clone())
    }

    /// `Py_GetPythonHome()`.
    pub fn python_home(&self) -> Option<WString> {
        self.config_str(|c| c.home.clone())
    }

    /// `Py_GetPath()`: the module search path joined with `:`.
    pub fn path(&self) -> Option<WString> {
        self.config_str(|c| {
            let mut out = WString::new();
            for (i, p) in c.module_search_paths.iter().enumerate() {
                if i > 0 {
                    out.push_str(":");
                }
                out.push_wstr(p);
            }
            Some(out)
        })
    }

    /// `Py_GetArgcArgv()`: the original command line.
    pub fn argc_argv(&self) -> WideStringList {
        lock(&self.state).orig_argv.clone()
    }

    /// `Py_AtExit(func)`: registers a low-level exit function, called
    /// last-in first-out after the interpreter is gone. At most 32;
    /// `Err(())` (CPython's -1) when the table is full.
    #[allow(clippy::result_unit_err)]
    pub fn at_exit(&self, func: impl FnOnce() + Send + 'static) -> Result<(), ()> {
        let mut st = lock(&self.state);
        if st.at_exit.len() >= MAX_AT_EXIT_FUNCS {
            return Err(());
        }
        st.at_exit.push(Box::new(func));
        Ok(())
    }

    /// `Py_FinalizeEx()`: 0, or -1 if flushing stdout/stderr failed.
    /// A no-op returning 0 when not initialized. Failing pending calls are
    /// dropped; [`finalize_with`](Self::finalize_with) reports them.
    pub fn finalize(&self) -> i32 {
        self.finalize_with(&mut |_| {})
    }

    /// `Py_FinalizeEx()`, CPython's order (SPEC B.3): pick the finalizing
    /// thread state; run the remaining pending calls; from the point of no
    /// return no other thread may take the GIL (a daemon thread that tries
    /// is stopped); delete the other thread states; flush; end the
    /// sub-interpreters; stop tracemalloc; delete the main interpreter; run
    /// the `Py_AtExit` functions; flush again.
    pub fn finalize_with(
        &self,
        on_pending_error: &mut dyn FnMut(crate::pending::PendingError),
    ) -> i32 {
        let st = lock(&self.state);
        if !st.initialized {
            return 0;
        }
        let rs = st.runtime_state.clone().expect("initialized");
        let main = st
            .interp
            .as_ref()
            .map(|m| m.interp.clone())
            .expect("initialized");
        drop(st);

        // 2. The finalizing thread state: the current one if it belongs to
        // the main interpreter, else the main thread state.
        let ts = match ThreadState::current() {
            Some(t) if Arc::ptr_eq(t.interp(), &main) => t,
            other => {
                if let Some(t) = other {
                    let _ = t.detach(crate::gil::SwitchReason::Yield);
                }
                let t = rs.main_thread().unwrap_or_else(|| main.new_thread_state());
                if t.attach().is_err() {
                    return -1;
                }
                t
            }
        };
        main.finalizing.store(true, Ordering::Release);

        // 4. Pending calls (threads were joined and atexit callbacks run
        // by the interpreter before this point).
        crate::pending::finish_pending_calls(&ts, on_pending_error);

        // 6. The point of no return.
        let mut st = lock(&self.state);
        st.finalizing = true;
        st.initialized = false;
        self.set_phase(&mut st, Phase::Finalizing);
        drop(st);
        rs.finalizing_holder
            .store(ts.unique_id(), Ordering::Release);
        main.gil().set_finalizing(ts.unique_id());

        // 7. Delete the other thread states of the main interpreter.
        for other in main.threads() {
            if !Arc::ptr_eq(&other, &ts) && !other.is_attached() {
                let _ = other.delete();
            }
        }

        // 8. Flush stdout and stderr.
        let mut status = 0;
        if self.flush_std_files().is_err() {
            status = -1;
        }

        // 10. End the remaining sub-interpreters (`finalize_subinterpreters`):
        // their leftover thread states are deleted, then a fresh one ends
        // the interpreter.
        for interp in rs.interpreters() {
            if interp.id() == 0 {
                continue;
            }
            let _ = ts.detach(crate::gil::SwitchReason::Yield);
            for leftover in interp.threads() {
                if !leftover.is_attached() {
                    let _ = leftover.delete();
                }
            }
            let sub = interp.new_thread_state();
            if interp.has_own_gil() {
                interp.gil().set_finalizing(sub.unique_id());
            }
            if sub.attach().is_ok() && self.end_interpreter_unchecked(&rs, &sub).is_err() {
                let _ = ThreadState::delete_current();
                rs.remove_interpreter(&interp);
            }
            let _ = ts.attach();
        }

        // 12. tracemalloc stops after the objects are destroyed; malloc
        // statistics; the main interpreter goes.
        let st = lock(&self.state);
        let malloc_stats = main.pyconfig().malloc_stats != 0;
        let mem = st.mem.clone();
        drop(st);
        if let Some(mem) = &mem {
            // The main thread state goes below: no GIL to check after that.
            mem.set_gil_check(None);
            // SAFETY: only the finalizing thread runs from here.
            unsafe { mem.tracemalloc_stop() };
            if malloc_stats && let Some(text) = mem.debug_malloc_stats() {
                let _ = self
                    .platform
                    .stdio
                    .write(StdStream::Stderr, text.as_bytes());
            }
        }
        let _ = ThreadState::delete_current();
        rs.remove_interpreter(&main);
        let mut st = lock(&self.state);
        st.interp = None;
        st.runtime_state = None;
        st.core_initialized = false;
        let funcs = std::mem::take(&mut st.at_exit);
        drop(st);

        // 13. Py_AtExit functions run LIFO, after the interpreter is gone.
        for f in funcs.into_iter().rev() {
            f();
        }
        if self.flush_std_files().is_err() {
            status = -1;
        }
        // _PyRuntime_Finalize(): the runtime can be initialized again.
        let mut st = lock(&self.state);
        let finalizing = st.finalizing;
        let limit = st.memory_limit;
        *st = State::new(&self.platform);
        st.finalizing = finalizing;
        st.memory_limit = limit;
        self.phase.store(Phase::New as u8, Ordering::Release);
        status
    }

    /// `Py_NewInterpreterFromConfig()`: a new interpreter and a thread
    /// state for it, attached on the calling thread (the previously
    /// attached state, if any, is detached first and restored on failure).
    /// The interpreter starts with a copy of the main one's `PyConfig`.
    pub fn new_interpreter(&self, config: &InterpreterConfig) -> Result<Arc<ThreadState>, Status> {
        if let Err(msg) = config.check() {
            return Err(Status::error("init_interp_settings", msg));
        }
        let (rs, main) = {
            let st = lock(&self.state);
            match (&st.runtime_state, &st.interp) {
                (Some(rs), Some(m)) if st.initialized => (rs.clone(), m.interp.clone()),
                _ => {
                    return Err(Status::error(
                        "Py_NewInterpreterFromConfig",
                        "Py_Initialize must be called first",
                    ));
                }
            }
        };
        let old = ThreadState::current();
        if let Some(o) = &old {
            o.detach(crate::gil::SwitchReason::Yield)
                .map_err(|e| Status::error(e.func, e.msg))?;
        }
        let interp = rs.new_interpreter(*config, main.pyconfig(), Whence::CApi);
        let ts = interp.new_thread_state();
        if let Err(e) = ts.attach() {
            let _ = ts.delete();
            rs.remove_interpreter(&interp);
            if let Some(o) = &old {
                let _ = o.attach();
            }
            return Err(Status::error(
                "Py_NewInterpreterFromConfig",
                format!("{e:?}"),
            ));
        }
        Ok(ts)
    }

    /// `Py_EndInterpreter(tstate)`: `tstate` must be current, have no
    /// frame and be its interpreter's last thread state. No thread state is
    /// current afterwards.
    pub fn end_interpreter(&self, ts: &Arc<ThreadState>) -> Result<(), crate::fatal::FatalError> {
        let rs = self.runtime_state().ok_or_else(|| {
            crate::fatal::FatalError::new("Py_EndInterpreter", "runtime not initialized")
        })?;
        self.end_interpreter_unchecked(&rs, ts)
    }

    fn end_interpreter_unchecked(
        &self,
        rs: &Arc<RuntimeState>,
        ts: &Arc<ThreadState>,
    ) -> Result<(), crate::fatal::FatalError> {
        use crate::fatal::FatalError;
        let is_current = ThreadState::with_current(|c| c.is_some_and(|c| std::ptr::eq(c, &**ts)));
        if !is_current {
            return Err(FatalError::new(
                "Py_EndInterpreter",
                "thread is not current",
            ));
        }
        if ts.frame_depth() != 0 {
            return Err(FatalError::new(
                "Py_EndInterpreter",
                "thread still has a frame",
            ));
        }
        let interp = ts.interp().clone();
        interp.finalizing.store(true, Ordering::Release);
        crate::pending::finish_pending_calls(ts, &mut |_| {});
        if interp.threads().iter().any(|t| !Arc::ptr_eq(t, ts)) {
            return Err(FatalError::new("Py_EndInterpreter", "not the last thread"));
        }
        ThreadState::delete_current()?;
        rs.remove_interpreter(&interp);
        Ok(())
    }

    /// `flush_std_files()`.
    fn flush_std_files(&self) -> std::io::Result<()> {
        let out = self.platform.stdio.flush(StdStream::Stdout);
        let err = self.platform.stdio.flush(StdStream::Stderr);
        out.and(err)
    }

    /// `Py_ExitStatusException()`: prints the fatal error report of an
    /// ERROR status and returns the process exit code (1), or returns the
    /// code of an EXIT status.
    pub fn exit_status_exception(&self, status: &Status) -> i32 {
        match status {
            Status::Exit(code) => *code,
            Status::Error { func, msg } => {
                let report = self.fatal_error_report(*func, msg);
                let _ = self
                    .platform
                    .stdio
                    .write(StdStream::Stderr, report.as_bytes());
                let _ = self.platform.stdio.flush(StdStream::Stderr);
                1
            }
        }
    }

    /// The text of a fatal error (`fatal_error()` in pylifecycle.c).
    pub fn fatal_error_report(&self, func: Option<&str>, msg: &str) -> String {
        let st = lock(&self.state);
        let mut out = String::from("Fatal Python error: ");
        if let Some(func) = func {
            out.push_str(func);
            out.push_str(": ");
        }
        out.push_str(msg);
        out.push('\n');
        let state = st.phase.describe();
        out.push_str("Python runtime state: ");
        out.push_str(&state);
        out.push('\n');
        if st.core_initialized {
            if let Some(exc) = &st.pending_exception {
                out.push_str(exc);
                out.push('\n');
            }
            out.push_str(&format!(
                "\nCurrent thread 0x{:016x} (most recent call first):\n  <no Python frame>\n",
                current_thread_id()
            ));
        } else {
            out.push('\n');
        }
        out
    }

    /// `Py_RunMain()`: runs the program the configuration selects, then
    /// finalizes. Returns the exit status: the program's, 120 if
    /// finalization failed to flush stdout/stderr.
    pub fn run_main(&self, executor: &mut dyn Executor) -> i32 {
        let exitcode = self.run_python(executor);
        let (mut exitcode, flushed) = executor.shutdown(self, exitcode);
        if self.finalize() < 0 || !flushed {
            // Value unlikely to be confused with a non-error exit status
            // or other special meaning.
            exitcode = 120;
        }
        exitcode
    }

    /// The first half of [`Runtime::run_main`]: runs the program the
    /// configuration selects (`pymain_run_python()`) without finalizing.
    /// An executor that runs programs in slices only starts it here.
    pub fn run_program(&self, executor: &mut dyn Executor) -> i32 {
        self.run_python(executor)
    }

    /// The first step of `pymain_run_python()`: computes what
    /// `sys.path[0]` becomes for the configured program and records it in
    /// the main interpreter's configuration. Hosts that hand the runtime a
    /// program's source themselves (the browser package) call this before
    /// starting it. `None` before initialization.
    pub fn prepare_main(&self) -> Option<Config> {
        let mut config = self.config()?;
        self.compute_sys_path_0(&mut config);
        if let Some(m) = lock(&self.state).interp.as_ref() {
            let p0 = config.sys_path_0.clone();
            m.interp.update_pyconfig(|c| c.sys_path_0 = p0);
        }
        Some(config)
    }

    /// `pymain_run_python()`.
    fn run_python(&self, executor: &mut dyn Executor) -> i32 {
        let Some(config) = self.prepare_main() else {
            return 1;
        };
        let stdin_tty = self.platform.stdio.is_tty(StdStream::Stdin);
        let stdin_is_interactive = stdin_tty || config.interactive != 0;

        let exitcode = if let Some(cmd) = &config.run_command {
            executor.run_main(self, &MainTarget::Command(cmd.clone()))
        } else if let Some(module) = &config.run_module {
            match self.find_main_module(&config, module) {
                Ok(target) => executor.run_main(self, &target),
                Err(code) => code,
            }
        } else if let Some(file) = &config.run_filename {
            match self.read_main_file(&config, file) {
                Ok(target) => executor.run_main(self, &target),
                Err(code) => code,
            }
        } else if stdin_is_interactive {
            executor.run_interactive(self)
        } else {
            executor.run_main(self, &MainTarget::Stdin)
        };

        // pymain_repl(): -i keeps a prompt after the program.
        let mut inspect = config.inspect != 0;
        if !inspect
            && config.use_environment != 0
            && self.environ().get_nonempty(b"PYTHONINSPECT").is_some()
        {
            inspect = true;
        }
        let ran_code = config.run_command.is_some()
            || config.run_module.is_some()
            || config.run_filename.is_some();
        if inspect && stdin_is_interactive && ran_code {
            return executor.run_interactive(self);
        }
        exitcode
    }

    /// `_PyPathConfig_ComputeSysPath0()`: what `sys.path[0]` becomes,
    /// unless `safe_path`.
    fn compute_sys_path_0(&self, config: &mut Config) {
        if config.safe_path != 0 {
            config.sys_path_0 = None;
            return;
        }
        let Some(argv0) = config.argv.items().first().cloned() else {
            return;
        };
        let cwd = || {
            self.platform
                .cwd
                .as_deref()
                .map(|c| self.decode_locale(c))
                .unwrap_or_else(|| WString::from("."))
        };
        let path0 = if argv0.eq_str("-m") {
            cwd()
        } else if argv0.eq_str("-c") {
            WString::new()
        } else {
            // A script: its real directory when it exists, else the
            // directory part of the path as given.
            let abs = if argv0.starts_with("/") || argv0.is_empty() {
                argv0.clone()
            } else {
                let mut p = cwd();
                if !p.ends_with("/") {
                    p.push_str("/");
                }
                p.push_wstr(&argv0);
                p
            };
            let real = if argv0.is_empty() {
                None
            } else {
                self.platform
                    .fs
                    .canonicalize(&self.encode_locale(&abs))
                    .ok()
                    .map(|b| self.decode_locale(&b))
            };
            let path = real.unwrap_or(argv0);
            match path.as_bytes().iter().rposition(|&b| b == b'/') {
                Some(0) => WString::from("/"),
                Some(i) => path.head(i),
                None => WString::new(),
            }
        };
        config.sys_path_0 = Some(path0);
    }

    /// `pymain_run_file()`: the script's source, or the exit code of the
    /// error CPython reports.
    fn read_main_file(&self, config: &Config, file: &WString) -> Result<MainTarget, i32> {
        let program = config.program_name.clone().unwrap_or_default();
        let encoded = self.encode_locale(file);
        match self.platform.fs.kind(&encoded) {
            Some(FileKind::Dir) => {
                let mut main = file.clone();
                main.push_str("/__main__.py");
                if let Ok(source) = self.platform.fs.read(&self.encode_locale(&main)) {
                    return Ok(MainTarget::File { path: main, source });
                }
                let msg = format!(
                    "{}: can't find '__main__' module in {}\n",
                    program,
                    py_repr(file)
                );
                self.write_stderr(msg.as_bytes());
                Err(1)
            }
            _ => match self.platform.fs.read(&encoded) {
                Ok(source) => Ok(MainTarget::File {
                    path: file.clone(),
                    source,
                }),
                Err(e) => {
                    let (errno, text) = errno_of(&e);
                    let msg = format!(
                        "{}: can't open file {}: [Errno {errno}] {text}\n",
                        program,
                        py_repr(file)
                    );
                    self.write_stderr(msg.as_bytes());
                    Err(2)
                }
            },
        }
    }

    /// `runpy._run_module_as_main()`'s search: a built-in module, else
    /// `NAME.py` or `NAME/__main__.py` on `sys.path`.
    fn find_main_module(&self, config: &Config, module: &WString) -> Result<MainTarget, i32> {
        let name = module.to_string_lossy().into_owned();
        if is_builtin_module_name(&name) {
            return Ok(MainTarget::Module {
                name: module.clone(),
                path: None,
            });
        }
        let rel = name.replace('.', "/");
        let mut dirs: Vec<WString> = Vec::new();
        if let Some(p0) = &config.sys_path_0 {
            dirs.push(if p0.is_empty() {
                self.platform
                    .cwd
                    .as_deref()
                    .map(|c| self.decode_locale(c))
                    .unwrap_or_default()
            } else {
                p0.clone()
            });
        }
        dirs.extend(config.module_search_paths.iter().cloned());
        for dir in dirs {
            let mut base = dir.clone();
            if !base.ends_with("/") {
                base.push_str("/");
            }
            base.push_str(&rel);
            let mut file = base.clone();
            file.push_str(".py");
            if self.platform.fs.kind(&self.encode_locale(&file)) == Some(FileKind::File) {
                return Ok(MainTarget::Module {
                    name: module.clone(),
                    path: Some(file),
                });
            }
            let mut pkg_main = base.clone();
            pkg_main.push_str("/__main__.py");
            if self.platform.fs.kind(&self.encode_locale(&pkg_main)) == Some(FileKind::File) {
                let mut main_name = module.clone();
                main_name.push_str(".__main__");
                return Ok(MainTarget::Module {
                    name: main_name,
                    path: Some(pkg_main),
                });
            }
            let mut pkg_init = base;
            pkg_init.push_str("/__init__.py");
            if self.platform.fs.kind(&self.encode_locale(&pkg_init)) == Some(FileKind::File) {
                let msg = format!(
                    "{}: No module named {name}.__main__; '{name}' is a package and cannot be directly executed\n",
                    config.executable.clone().unwrap_or_default()
                );
                self.write_stderr(msg.as_bytes());
                return Err(1);
            }
        }
        let msg = format!(
            "{}: No module named {name}\n",
            config.executable.clone().unwrap_or_default()
        );
        self.write_stderr(msg.as_bytes());
        Err(1)
    }

    fn write_stderr(&self, data: &[u8]) {
        let _ = self.platform.stdio.write(StdStream::Stderr, data);
    }
}

impl Drop for Runtime {
    /// A runtime dropped while initialized is finalized first; one whose
    /// initialization failed half-way lets go of the thread state it
    /// attached on this thread, so the thread can host another runtime.
    fn drop(&mut self) {
        if self.is_initialized() {
            self.finalize();
            return;
        }
        let rs = lock(&self.state).runtime_state.clone();
        if let Some(rs) = rs {
            let mine = ThreadState::with_current(|c| {
                c.and_then(|t| t.interp().runtime())
                    .is_some_and(|r| Arc::ptr_eq(&r, &rs))
            });
            if mine {
                let _ = ThreadState::delete_current();
            }
            for interp in rs.interpreters() {
                rs.remove_interpreter(&interp);
            }
        }
    }
}

/// The three dictionaries of `_testinternalcapi.get_configs()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configs {
    /// `global_config`.
    pub global_config: ConfigDict,
    /// `pre_config`.
    pub pre_config: ConfigDict,
    /// `config`.
    pub config: ConfigDict,
}

/// `Py_BytesMain()` / `Py_Main()`: pre-initialize from the command line,
/// read the configuration, initialize and run the program with
/// `executor`. Returns the process exit status.
pub fn main(platform: Platform, args: Args, executor: &mut dyn Executor) -> i32 {
    let rt = Runtime::new(platform);
    main_with_runtime(&rt, args, executor)
}

/// [`main`] on a runtime the caller keeps (to inspect it afterwards).
pub fn main_with_runtime(rt: &Runtime, args: Args, executor: &mut dyn Executor) -> i32 {
    let init = || -> InitResult {
        rt.pre_initialize_from_args(&PreConfig::python(), &args)?;
        let mut config = Config::python();
        rt.config_set_args(&mut config, &args)?;
        rt.initialize_from_config(&config)
    };
    if let Err(status) = init() {
        return rt.exit_status_exception(&status);
    }
    rt.run_main(executor)
}

/// A stable identifier of the calling OS thread, as fatal error reports
/// print it.
pub fn current_thread_id() -> u64 {
    thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.with(|m| std::ptr::from_ref(m) as usize as u64)
}

/// `repr()` of a path string.
fn py_repr(s: &WString) -> String {
    format!("{s:?}")
}

/// `errno` and `strerror()` text of an I/O error.
pub(crate) fn errno_of(e: &std::io::Error) -> (i32, &'static str) {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => (2, "No such file or directory"),
        K::PermissionDenied => (13, "Permission denied"),
        K::IsADirectory => (21, "Is a directory"),
        _ => match e.raw_os_error() {
            Some(20) => (20, "Not a directory"),
            Some(36) => (36, "File name too long"),
            Some(40) => (40, "Too many levels of symbolic links"),
            Some(28) => (28, "No space left on device"),
            Some(32) => (32, "Broken pipe"),
            Some(9) => (9, "Bad file descriptor"),
            Some(17) => (17, "File exists"),
            _ => (5, "Input/output error"),
        },
    }
}

#[cfg(test)]
mod tests;
