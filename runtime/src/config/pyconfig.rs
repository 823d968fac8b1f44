//! `PyConfig`: every field CPython 3.13 has, its presets and its dict form.
//!
//! Integer fields keep CPython's encoding (`-1` = "not set, decide while
//! reading"; flags that count, such as `verbose`, hold the count), so the
//! raw presets and the values after reading can be compared with
//! CPython's field by field. Reading lives in `read.rs`.

use super::dict::{ConfigDict, ConfigValue};
use super::preconfig::ConfigInit;
use crate::wstr::{WString, WideStringList};

/// `_PY_LONG_DEFAULT_MAX_STR_DIGITS`.
pub const DEFAULT_MAX_STR_DIGITS: i32 = 4300;
/// `_PY_LONG_MAX_STR_DIGITS_THRESHOLD`: the smallest non-zero limit.
pub const MAX_STR_DIGITS_THRESHOLD: i32 = 640;

/// `PyConfig` (3.13). Field names are CPython's, without the leading
/// underscore of the private ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `_config_init`: the preset this configuration started from.
    pub config_init: ConfigInit,
    /// `-I`: isolate from the user's environment.
    pub isolated: i32,
    /// Read `PYTHON*` variables.
    pub use_environment: i32,
    /// Python Development Mode.
    pub dev_mode: i32,
    /// Install signal handlers at startup.
    pub install_signal_handlers: i32,
    /// Use `hash_seed` instead of a random one.
    pub use_hash_seed: i32,
    /// `PYTHONHASHSEED` value (0 disables randomization).
    pub hash_seed: u64,
    /// `faulthandler.enable()` at startup.
    pub faulthandler: i32,
    /// tracemalloc frames to record at startup (0 = off).
    pub tracemalloc: i32,
    /// `-X perf` (1) / `-X perf_jit` (2).
    pub perf_profiling: i32,
    /// `-X importtime`.
    pub import_time: i32,
    /// Keep column information in code objects.
    pub code_debug_ranges: i32,
    /// `-X showrefcount`.
    pub show_ref_count: i32,
    /// `PYTHONDUMPREFS` (debug builds).
    pub dump_refs: i32,
    /// `PYTHONDUMPREFSFILE`.
    pub dump_refs_file: Option<WString>,
    /// `PYTHONMALLOCSTATS`.
    pub malloc_stats: i32,
    /// File-system encoding.
    pub filesystem_encoding: Option<WString>,
    /// File-system error handler.
    pub filesystem_errors: Option<WString>,
    /// `-X pycache_prefix` / `PYTHONPYCACHEPREFIX`.
    pub pycache_prefix: Option<WString>,
    /// Parse `argv` as `python`'s command line (2 once parsed).
    pub parse_argv: i32,
    /// The command line as given, executable included.
    pub orig_argv: WideStringList,
    /// `sys.argv`.
    pub argv: WideStringList,
    /// `-X` options, in order.
    pub xoptions: WideStringList,
    /// `sys.warnoptions`.
    pub warnoptions: WideStringList,
    /// Import `site` at startup.
    pub site_import: i32,
    /// `-b` count.
    pub bytes_warning: i32,
    /// `-X warn_default_encoding`.
    pub warn_default_encoding: i32,
    /// `-i` / `PYTHONINSPECT`.
    pub inspect: i32,
    /// `-i`.
    pub interactive: i32,
    /// `-O` count.
    pub optimization_level: i32,
    /// `-d` count.
    pub parser_debug: i32,
    /// Write `.pyc` files.
    pub write_bytecode: i32,
    /// `-v` count.
    pub verbose: i32,
    /// `-q`.
    pub quiet: i32,
    /// Add the user site directory.
    pub user_site_directory: i32,
    /// Configure C stdio buffering at startup.
    pub configure_c_stdio: i32,
    /// Buffered stdout/stderr (`-u` clears it).
    pub buffered_stdio: i32,
    /// Standard streams' encoding.
    pub stdio_encoding: Option<WString>,
    /// Standard streams' error handler.
    pub stdio_errors: Option<WString>,
    /// `--check-hash-based-pycs`.
    pub check_hash_pycs_mode: Option<WString>,
    /// `-X frozen_modules`.
    pub use_frozen_modules: i32,
    /// `-P`: don't prepend a potentially unsafe path to `sys.path`.
    pub safe_path: i32,
    /// `sys.get_int_max_str_digits()` at startup.
    pub int_max_str_digits: i32,
    /// `-X cpu_count` (-1 = the host's count).
    pub cpu_count: i32,
    /// Print path-configuration warnings.
    pub pathconfig_warnings: i32,
    /// `sys.executable` source when set; `argv[0]` by default.
    pub program_name: Option<WString>,
    /// `PYTHONPATH`, verbatim.
    pub pythonpath_env: Option<WString>,
    /// `PYTHONHOME`.
    pub home: Option<WString>,
    /// `sys.platlibdir`.
    pub platlibdir: Option<WString>,
    /// What `sys.path[0]` became (output, 3.13).
    pub sys_path_0: Option<WString>,
    /// `module_search_paths` is given: don't compute it.
    pub module_search_paths_set: i32,
    /// `sys.path` after `sys_path_0`.
    pub module_search_paths: WideStringList,
    /// `sys._stdlib_dir`.
    pub stdlib_dir: Option<WString>,
    /// `sys.executable`.
    pub executable: Option<WString>,
    /// `sys._base_executable`.
    pub base_executable: Option<WString>,
    /// `sys.prefix`.
    pub prefix: Option<WString>,
    /// `sys.base_prefix`.
    pub base_prefix: Option<WString>,
    /// `sys.exec_prefix`.
    pub exec_prefix: Option<WString>,
    /// `sys.base_exec_prefix`.
    pub base_exec_prefix: Option<WString>,
    /// `-x`: skip the first source line.
    pub skip_source_first_line: i32,
    /// `-c` program, with a trailing newline.
    pub run_command: Option<WString>,
    /// `-m` module name.
    pub run_module: Option<WString>,
    /// Script path, made absolute.
    pub run_filename: Option<WString>,
    /// `_install_importlib`.
    pub install_importlib: i32,
    /// `_init_main`: run the main initialization phase.
    pub init_main: i32,
    /// `_is_python_build`.
    pub is_python_build: i32,
}

impl Config {
    /// `_PyConfig_InitCompatConfig()`: the legacy `Py_Initialize()` preset.
    pub fn compat() -> Config {
        Config {
            config_init: ConfigInit::Compat,
            isolated: -1,
            use_environment: -1,
            dev_mode: -1,
            install_signal_handlers: 1,
            use_hash_seed: -1,
            hash_seed: 0,
            faulthandler: -1,
            tracemalloc: -1,
            perf_profiling: -1,
            import_time: 0,
            code_debug_ranges: 1,
            show_ref_count: 0,
            dump_refs: 0,
            dump_refs_file: None,
            malloc_stats: 0,
            filesystem_encoding: None,
            filesystem_errors: None,
            pycache_prefix: None,
            parse_argv: 0,
            orig_argv: WideStringList::new(),
            argv: WideStringList::new(),
            xoptions: WideStringList::new(),
            warnoptions: WideStringList::new(),
            site_import: -1,
            bytes_warning: -1,
            warn_default_encoding: 0,
            inspect: -1,
            interactive: -1,
            optimization_level: -1,
            parser_debug: -1,
            write_bytecode: -1,
            verbose: -1,
            quiet: -1,
            user_site_directory: -1,
            configure_c_stdio: 0,
            buffered_stdio: -1,
            stdio_encoding: None,
            stdio_errors: None,
            check_hash_pycs_mode: None,
            use_frozen_modules: 1,
            safe_path: 0,
            int_max_str_digits: -1,
            cpu_count: -1,
            pathconfig_warnings: -1,
            program_name: None,
            pythonpath_env: None,
            home: None,
            platlibdir: None,
            sys_path_0: None,
            module_search_paths_set: 0,
            module_search_paths: WideStringList::new(),
            stdlib_dir: None,
            executable: None,
            base_executable: None,
            prefix: None,
            base_prefix: None,
            exec_prefix: None,
            base_exec_prefix: None,
            skip_source_first_line: 0,
            run_command: None,
            run_module: None,
            run_filename: None,
            install_importlib: 1,
            init_main: 1,
            is_python_build: 0,
        }
    }

    /// `config_init_defaults()`, shared by the Python and isolated presets.
    fn defaults() -> Config {
        Config {
            isolated: 0,
            use_environment: 1,
            site_import: 1,
            bytes_warning: 0,
            inspect: 0,
            interactive: 0,
            optimization_level: 0,
            parser_debug: 0,
            write_bytecode: 1,
            verbose: 0,
            quiet: 0,
            user_site_directory: 1,
            buffered_stdio: 1,
            pathconfig_warnings: 1,
            ..Config::compat()
        }
    }

    /// `PyConfig_InitPythonConfig()`: behaves like the `python` program.
    pub fn python() -> Config {
        Config {
            config_init: ConfigInit::Python,
            configure_c_stdio: 1,
            parse_argv: 1,
            ..Config::defaults()
        }
    }

    /// The preset `init` names (`PyConfig_Init*Config`).
    pub fn preset(init: ConfigInit) -> Config {
        match init {
            ConfigInit::Python => Config::python(),
            ConfigInit::Isolated => Config::isolated(),
            ConfigInit::Compat => Config::compat(),
        }
    }

    /// `PyConfig_InitIsolatedConfig()`: ignores the environment, the command
    /// line and the user site; configures nothing process-wide.
    pub fn isolated() -> Config {
        Config {
            config_init: ConfigInit::Isolated,
            isolated: 1,
            use_environment: 0,
            user_site_directory: 0,
            dev_mode: 0,
            install_signal_handlers: 0,
            use_hash_seed: 0,
            faulthandler: 0,
            tracemalloc: 0,
            perf_profiling: 0,
            int_max_str_digits: DEFAULT_MAX_STR_DIGITS,
            safe_path: 1,
            pathconfig_warnings: 0,
            ..Config::defaults()
        }
    }

    /// `PyConfig_SetString()`.
    pub fn set_string(field: &mut Option<WString>, value: Option<&str>) {
        *field = value.map(WString::from);
    }

    /// `_PyConfig_AsDict()`: every field, in CPython's member order.
    pub fn as_dict(&self) -> ConfigDict {
        use ConfigValue as V;
        vec![
            ("_config_init", V::int(self.config_init as i32)),
            ("isolated", V::bool(self.isolated)),
            ("use_environment", V::bool(self.use_environment)),
            ("dev_mode", V::bool(self.dev_mode)),
            (
                "install_signal_handlers",
                V::bool(self.install_signal_handlers),
            ),
            ("use_hash_seed", V::bool(self.use_hash_seed)),
            ("hash_seed", V::Int(self.hash_seed as i64)),
            ("faulthandler", V::bool(self.faulthandler)),
            ("tracemalloc", V::int(self.tracemalloc)),
            ("perf_profiling", V::int(self.perf_profiling)),
            ("import_time", V::bool(self.import_time)),
            ("code_debug_ranges", V::bool(self.code_debug_ranges)),
            ("show_ref_count", V::bool(self.show_ref_count)),
            ("dump_refs", V::bool(self.dump_refs)),
            ("dump_refs_file", V::str(&self.dump_refs_file)),
            ("malloc_stats", V::bool(self.malloc_stats)),
            ("filesystem_encoding", V::str(&self.filesystem_encoding)),
            ("filesystem_errors", V::str(&self.filesystem_errors)),
            ("pycache_prefix", V::str(&self.pycache_prefix)),
            ("parse_argv", V::bool(self.parse_argv)),
            ("orig_argv", V::list(&self.orig_argv)),
            ("argv", V::list(&self.argv)),
            ("xoptions", V::list(&self.xoptions)),
            ("warnoptions", V::list(&self.warnoptions)),
            ("site_import", V::bool(self.site_import)),
            ("bytes_warning", V::int(self.bytes_warning)),
            ("warn_default_encoding", V::bool(self.warn_default_encoding)),
            ("inspect", V::bool(self.inspect)),
            ("interactive", V::bool(self.interactive)),
            ("optimization_level", V::int(self.optimization_level)),
            ("parser_debug", V::bool(self.parser_debug)),
            ("write_bytecode", V::bool(self.write_bytecode)),
            ("verbose", V::int(self.verbose)),
            ("quiet", V::bool(self.quiet)),
            ("user_site_directory", V::bool(self.user_site_directory)),
            ("configure_c_stdio", V::bool(self.configure_c_stdio)),
            ("buffered_stdio", V::bool(self.buffered_stdio)),
            ("stdio_encoding", V::str(&self.stdio_encoding)),
            ("stdio_errors", V::str(&self.stdio_errors)),
            ("check_hash_pycs_mode", V::str(&self.check_hash_pycs_mode)),
            ("use_frozen_modules", V::bool(self.use_frozen_modules)),
            ("safe_path", V::bool(self.safe_path)),
            ("int_max_str_digits", V::int(self.int_max_str_digits)),
            ("cpu_count", V::int(self.cpu_count)),
            ("pathconfig_warnings", V::bool(self.pathconfig_warnings)),
            ("program_name", V::str(&self.program_name)),
            ("pythonpath_env", V::str(&self.pythonpath_env)),
            ("home", V::str(&self.home)),
            ("platlibdir", V::str(&self.platlibdir)),
            ("sys_path_0", V::str(&self.sys_path_0)),
            (
                "module_search_paths_set",
                V::bool(self.module_search_paths_set),
            ),
            ("module_search_paths", V::list(&self.module_search_paths)),
            ("stdlib_dir", V::str(&self.stdlib_dir)),
            ("executable", V::str(&self.executable)),
            ("base_executable", V::str(&self.base_executable)),
            ("prefix", V::str(&self.prefix)),
            ("base_prefix", V::str(&self.base_prefix)),
            ("exec_prefix", V::str(&self.exec_prefix)),
            ("base_exec_prefix", V::str(&self.base_exec_prefix)),
            (
                "skip_source_first_line",
                V::bool(self.skip_source_first_line),
            ),
            ("run_command", V::str(&self.run_command)),
            ("run_module", V::str(&self.run_module)),
            ("run_filename", V::str(&self.run_filename)),
            ("_install_importlib", V::bool(self.install_importlib)),
            ("_init_main", V::bool(self.init_main)),
            ("_is_python_build", V::bool(self.is_python_build)),
        ]
    }
}

/// The legacy global configuration variables (`Py_VerboseFlag` …),
/// deprecated since 3.12. They are *inputs* only for the compat preset and
/// are written back from the final configuration after initialization
/// (`config_set_global_vars`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct GlobalConfigVars {
    pub filesystem_default_encoding: Option<WString>,
    pub has_filesystem_default_encoding: i32,
    pub filesystem_default_encode_errors: Option<WString>,
    pub has_filesystem_default_encode_errors: i32,
    pub utf8_mode: i32,
    pub debug_flag: i32,
    pub verbose_flag: i32,
    pub quiet_flag: i32,
    pub interactive_flag: i32,
    pub inspect_flag: i32,
    pub optimize_flag: i32,
    pub no_site_flag: i32,
    pub bytes_warning_flag: i32,
    pub frozen_flag: i32,
    pub ignore_environment_flag: i32,
    pub dont_write_bytecode_flag: i32,
    pub no_user_site_directory: i32,
    pub unbuffered_stdio_flag: i32,
    pub hash_randomization_flag: i32,
    pub isolated_flag: i32,
}

impl GlobalConfigVars {
    /// `_Py_GetGlobalVariablesAsDict()`.
    pub fn as_dict(&self) -> ConfigDict {
        use ConfigValue as V;
        vec![
            (
                "Py_FileSystemDefaultEncoding",
                V::str(&self.filesystem_default_encoding),
            ),
            (
                "Py_HasFileSystemDefaultEncoding",
                V::int(self.has_filesystem_default_encoding),
            ),
            (
                "Py_FileSystemDefaultEncodeErrors",
                V::str(&self.filesystem_default_encode_errors),
            ),
            (
                "_Py_HasFileSystemDefaultEncodeErrors",
                V::int(self.has_filesystem_default_encode_errors),
            ),
            ("Py_UTF8Mode", V::int(self.utf8_mode)),
            ("Py_DebugFlag", V::int(self.debug_flag)),
            ("Py_VerboseFlag", V::int(self.verbose_flag)),
            ("Py_QuietFlag", V::int(self.quiet_flag)),
            ("Py_InteractiveFlag", V::int(self.interactive_flag)),
            ("Py_InspectFlag", V::int(self.inspect_flag)),
            ("Py_OptimizeFlag", V::int(self.optimize_flag)),
            ("Py_NoSiteFlag", V::int(self.no_site_flag)),
            ("Py_BytesWarningFlag", V::int(self.bytes_warning_flag)),
            ("Py_FrozenFlag", V::int(self.frozen_flag)),
            (
                "Py_IgnoreEnvironmentFlag",
                V::int(self.ignore_environment_flag),
            ),
            (
                "Py_DontWriteBytecodeFlag",
                V::int(self.dont_write_bytecode_flag),
            ),
            (
                "Py_NoUserSiteDirectory",
                V::int(self.no_user_site_directory),
            ),
            ("Py_UnbufferedStdioFlag", V::int(self.unbuffered_stdio_flag)),
            (
                "Py_HashRandomizationFlag",
                V::int(self.hash_randomization_flag),
            ),
            ("Py_IsolatedFlag", V::int(self.isolated_flag)),
        ]
    }

    /// `config_get_global_vars()`: the compat preset's inputs.
    pub(crate) fn apply_to(&self, config: &mut Config) {
        if config.config_init != ConfigInit::Compat {
            return;
        }
        fn copy(field: &mut i32, value: i32) {
            if *field == -1 {
                *field = value;
            }
        }
        fn copy_not(field: &mut i32, value: i32) {
            if *field == -1 {
                *field = i32::from(value == 0);
            }
        }
        copy(&mut config.isolated, self.isolated_flag);
        copy_not(&mut config.use_environment, self.ignore_environment_flag);
        copy(&mut config.bytes_warning, self.bytes_warning_flag);
        copy(&mut config.inspect, self.inspect_flag);
        copy(&mut config.interactive, self.interactive_flag);
        copy(&mut config.optimization_level, self.optimize_flag);
        copy(&mut config.parser_debug, self.debug_flag);
        copy(&mut config.verbose, self.verbose_flag);
        copy(&mut config.quiet, self.quiet_flag);
        copy_not(&mut config.pathconfig_warnings, self.frozen_flag);
        copy_not(&mut config.buffered_stdio, self.unbuffered_stdio_flag);
        copy_not(&mut config.site_import, self.no_site_flag);
        copy_not(&mut config.write_bytecode, self.dont_write_bytecode_flag);
        copy_not(&mut config.user_site_directory, self.no_user_site_directory);
    }

    /// `config_set_global_vars()`: written back after initialization.
    pub(crate) fn set_from(&mut self, config: &Config) {
        fn copy(var: &mut i32, field: i32) {
            if field != -1 {
                *var = field;
            }
        }
        fn copy_not(var: &mut i32, field: i32) {
            if field != -1 {
                *var = i32::from(field == 0);
            }
        }
        copy(&mut self.isolated_flag, config.isolated);
        copy_not(&mut self.ignore_environment_flag, config.use_environment);
        copy(&mut self.bytes_warning_flag, config.bytes_warning);
        copy(&mut self.inspect_flag, config.inspect);
        copy(&mut self.interactive_flag, config.interactive);
        copy(&mut self.optimize_flag, config.optimization_level);
        copy(&mut self.debug_flag, config.parser_debug);
        copy(&mut self.verbose_flag, config.verbose);
        copy(&mut self.quiet_flag, config.quiet);
        copy_not(&mut self.frozen_flag, config.pathconfig_warnings);
        copy_not(&mut self.unbuffered_stdio_flag, config.buffered_stdio);
        copy_not(&mut self.no_site_flag, config.site_import);
        copy_not(&mut self.dont_write_bytecode_flag, config.write_bytecode);
        copy_not(&mut self.no_user_site_directory, config.user_site_directory);
        self.hash_randomization_flag =
            i32::from(config.use_hash_seed == 0 || config.hash_seed != 0);
    }
}
