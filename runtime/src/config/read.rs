//! `PyConfig_Read()`: command line, environment and defaults.
//!
//! Mirrors `_PyConfig_Read()` in `Python/initconfig.c` (3.13). The order
//! of the steps is observable (it decides which error wins when several
//! inputs are bad) and was checked against CPython 3.13.0:
//!
//! 1. pre-read of `-E`/`-I`/`-X` and `PYTHONDEVMODE` (shared with the
//!    pre-configuration); `-I` implies `-E -s -P`;
//! 2. the command line proper: usage errors, `-h`, `-V` (EXIT statuses),
//!    then `argv` is cut after the program and `warnoptions` built;
//! 3. environment flags and `PYTHONHASHSEED`;
//! 4. `PYTHON_GIL` then `-X gil`;
//! 5. `-X`/environment pairs: faulthandler, importtime, no_debug_ranges,
//!    tracemalloc, perf, int_max_str_digits, cpu_count, pycache_prefix
//!    (for each, the variable is validated before the option);
//! 6. import configuration: path configuration, `PYTHON_FROZEN_MODULES`
//!    then `-X frozen_modules`;
//! 7. defaults, encodings, `argv = [""]` if empty.

use super::env::{env_flag, get_env, str_to_int, strtoul, wstr_to_int};
use super::getopt::{GetOpt, LongOpt, Opt};
use super::locale::LocaleEnv;
use super::preconfig::{PreCmdline, PreConfig, get_xoption, xoption_value};
use super::pyconfig::{Config, DEFAULT_MAX_STR_DIGITS, GlobalConfigVars, MAX_STR_DIGITS_THRESHOLD};
use super::{pathconfig, usage};
use crate::platform::{FileSystem, StdStream, Stdio};
use crate::status::{InitResult, Status};
use crate::wstr::{WString, WideStringList};

/// `MAX_HASH_SEED`.
const MAX_HASH_SEED: u64 = 4_294_967_295;

/// What reading a configuration may consult besides the configuration.
pub(crate) struct ReadContext<'a> {
    /// The runtime's pre-configuration (after pre-initialization).
    pub(crate) preconfig: &'a PreConfig,
    /// Environment and LC_CTYPE locale.
    pub(crate) loc: &'a LocaleEnv,
    /// Legacy global configuration variables (compat preset input).
    pub(crate) globals: &'a GlobalConfigVars,
    /// The working directory, for making paths absolute.
    pub(crate) cwd: Option<&'a [u8]>,
    /// Files (path configuration).
    pub(crate) fs: &'a dyn FileSystem,
    /// Where `-h`, `-V` and usage errors are printed.
    pub(crate) stdio: &'a dyn Stdio,
    /// `PySys_AddWarnOption()` calls made before initialization.
    pub(crate) preinit_warnoptions: &'a WideStringList,
    /// `PySys_AddXOption()` calls made before initialization.
    pub(crate) preinit_xoptions: &'a WideStringList,
    /// The host's executable, when `argv[0]` cannot be resolved.
    pub(crate) host_executable: Option<&'a [u8]>,
}

impl ReadContext<'_> {
    fn utf8_mode(&self) -> bool {
        self.preconfig.utf8_mode == 1
    }

    fn getenv(&self, use_env: bool, name: &str) -> Option<&[u8]> {
        get_env(&self.loc.environ, use_env, name)
    }

    /// `CONFIG_GET_ENV_DUP`: a variable decoded with `Py_DecodeLocale()`.
    fn getenv_wide(&self, use_env: bool, name: &str) -> Option<WString> {
        self.getenv(use_env, name)
            .map(|v| self.loc.decode(v, self.utf8_mode()))
    }

    fn print(&self, stream: StdStream, text: &[u8]) {
        // fprintf() to a closed stream is ignored, as in C.
        let _ = self.stdio.write(stream, text);
    }

    fn encode(&self, s: &WString) -> Vec<u8> {
        self.loc.encode(s, self.utf8_mode())
    }

    /// Absolute form of a path (`_Py_abspath`), relative to `cwd`.
    pub(crate) fn abspath(&self, path: &WString) -> WString {
        if path.starts_with("/") {
            return path.clone();
        }
        let Some(cwd) = self.cwd else {
            return path.clone();
        };
        let mut out = self.loc.decode(cwd, self.utf8_mode());
        if !out.ends_with("/") {
            out.push_str("/");
        }
        out.push_wstr(path);
        out
    }
}

impl Config {
    /// `PyConfig_Read()`-style reading without path configuration; the
    /// runtime's `initialize_from_config` reads with it.
    pub(crate) fn read_with(
        &mut self,
        cx: &ReadContext<'_>,
        compute_path_config: bool,
    ) -> InitResult {
        cx.globals.apply_to(self);

        if self.orig_argv.is_empty() && !(self.argv.len() == 1 && self.argv.items()[0].is_empty()) {
            self.orig_argv = self.argv.clone();
        }

        self.read_precmdline(cx);

        if self.isolated != 0 {
            self.safe_path = 1;
            self.use_environment = 0;
            self.user_site_directory = 0;
        }

        self.read_cmdline(cx)?;

        // Early PySys_AddXOption() calls.
        self.xoptions.extend(cx.preinit_xoptions);

        self.read_rest(cx, compute_path_config)
    }

    /// `core_read_precmdline()`.
    fn read_precmdline(&mut self, cx: &ReadContext<'_>) {
        let mut cmdline = PreCmdline::new();
        if self.parse_argv == 1 {
            cmdline.argv = self.argv.clone();
        }
        let mut pre = cx.preconfig.clone();
        pre.get_config(self);
        cmdline.read(&pre, cx.loc);
        // _PyPreCmdline_SetConfig
        self.xoptions.extend(&cmdline.xoptions);
        self.isolated = cmdline.isolated;
        self.use_environment = cmdline.use_environment;
        self.dev_mode = cmdline.dev_mode;
        self.warn_default_encoding = cmdline.warn_default_encoding.max(0);
    }

    /// `config_read_cmdline()`.
    fn read_cmdline(&mut self, cx: &ReadContext<'_>) -> InitResult {
        let mut cmdline_warnoptions = WideStringList::new();
        if self.parse_argv < 0 {
            self.parse_argv = 1;
        }
        if self.parse_argv == 1 {
            let opt_index = self.parse_cmdline(cx, &mut cmdline_warnoptions)?;
            self.run_filename_abspath(cx);
            self.update_argv(opt_index);
        } else {
            self.run_filename_abspath(cx);
        }

        let mut env_warnoptions = WideStringList::new();
        if self.use_environment != 0
            && let Some(env) = cx.getenv_wide(true, "PYTHONWARNINGS")
        {
            // wcstok(env, L","): empty items are skipped, items are not
            // stripped.
            for item in env.split_ascii(b',') {
                if !item.is_empty() {
                    env_warnoptions.append(item);
                }
            }
        }
        self.init_warnoptions(
            &cmdline_warnoptions,
            &env_warnoptions,
            cx.preinit_warnoptions,
        );
        Ok(())
    }

    /// `config_parse_cmdline()`: returns the index of the program in
    /// `argv` (`_PyOS_optind`, backed up by one for `-c`/`-m`).
    fn parse_cmdline(
        &mut self,
        cx: &ReadContext<'_>,
        warnoptions: &mut WideStringList,
    ) -> InitResult<usize> {
        let argv = self.argv.items().to_vec();
        let program = self
            .program_name
            .clone()
            .or_else(|| argv.first().cloned())
            .unwrap_or_default();
        let mut print_version = 0;
        let mut g = GetOpt::new(&argv);
        loop {
            let opt = g.next_opt();
            match opt {
                Opt::End => break,
                Opt::Short('c', Some(cmd)) => {
                    if self.run_command.is_none() {
                        let mut command = cmd;
                        command.push_str("\n");
                        self.run_command = Some(command);
                    }
                    break;
                }
                Opt::Short('m', Some(module)) => {
                    if self.run_module.is_none() {
                        self.run_module = Some(module);
                    }
                    break;
                }
                Opt::Long(LongOpt::CheckHashBasedPycs, Some(arg)) => {
                    if arg.eq_str("always") || arg.eq_str("never") || arg.eq_str("default") {
                        self.check_hash_pycs_mode = Some(arg);
                    } else {
                        cx.print(
                            StdStream::Stderr,
                            b"--check-hash-based-pycs must be one of 'default', 'always', or 'never'\n",
                        );
                        self.usage(cx, true, &program);
                        return Err(Status::exit(2));
                    }
                }
                Opt::Long(LongOpt::HelpAll, _) => {
                    self.usage(cx, false, &program);
                    cx.print(StdStream::Stdout, b"\n");
                    cx.print(StdStream::Stdout, usage::ENVVARS.as_bytes());
                    cx.print(StdStream::Stdout, b"\n");
                    cx.print(StdStream::Stdout, usage::xoptions().as_bytes());
                    return Err(Status::exit(0));
                }
                Opt::Long(LongOpt::HelpEnv, _) => {
                    cx.print(StdStream::Stdout, usage::ENVVARS.as_bytes());
                    return Err(Status::exit(0));
                }
                Opt::Long(LongOpt::HelpXoptions, _) => {
                    cx.print(StdStream::Stdout, usage::xoptions().as_bytes());
                    return Err(Status::exit(0));
                }
                Opt::Short('b', _) => self.bytes_warning += 1,
                Opt::Short('d', _) => self.parser_debug += 1,
                Opt::Short('i', _) => {
                    self.inspect += 1;
                    self.interactive += 1;
                }
                // Handled by the pre-read of the command line.
                Opt::Short('E' | 'I' | 'X', _) => {}
                Opt::Short('O', _) => self.optimization_level += 1,
                Opt::Short('P', _) => self.safe_path = 1,
                Opt::Short('B', _) => self.write_bytecode = 0,
                Opt::Short('s', _) => self.user_site_directory = 0,
                Opt::Short('S', _) => self.site_import = 0,
                Opt::Short('t', _) => {} // ignored for backwards compatibility
                Opt::Short('u', _) => self.buffered_stdio = 0,
                Opt::Short('v', _) => self.verbose += 1,
                Opt::Short('x', _) => self.skip_source_first_line = 1,
                Opt::Short('h' | '?', _) => {
                    self.usage(cx, false, &program);
                    return Err(Status::exit(0));
                }
                Opt::Short('V', _) => print_version += 1,
                Opt::Short('W', Some(arg)) => warnoptions.append(arg),
                Opt::Short('q', _) => self.quiet += 1,
                Opt::Short('R', _) => self.use_hash_seed = 0,
                Opt::Invalid { message } => {
                    let mut m = message;
                    m.push(b'\n');
                    cx.print(StdStream::Stderr, &m);
                    self.usage(cx, true, &program);
                    return Err(Status::exit(2));
                }
                Opt::Short(..) | Opt::Long(..) => {
                    self.usage(cx, true, &program);
                    return Err(Status::exit(2));
                }
            }
        }

        if print_version > 0 {
            let text = if print_version >= 2 {
                format!("Python {}\n", crate::lifecycle::version())
            } else {
                format!("Python {}\n", crate::lifecycle::PY_VERSION)
            };
            cx.print(StdStream::Stdout, text.as_bytes());
            return Err(Status::exit(0));
        }

        let mut optind = g.optind;
        if self.run_command.is_none()
            && self.run_module.is_none()
            && optind < argv.len()
            && !argv[optind].eq_str("-")
            && self.run_filename.is_none()
        {
            self.run_filename = Some(argv[optind].clone());
        }
        if self.run_command.is_some() || self.run_module.is_some() {
            optind -= 1;
        }
        Ok(optind)
    }

    /// `config_usage()`: the usage line and either the full help (stdout)
    /// or the "Try" hint (stderr).
    fn usage(&self, cx: &ReadContext<'_>, error: bool, program: &WString) {
        let stream = if error {
            StdStream::Stderr
        } else {
            StdStream::Stdout
        };
        let mut line = b"usage: ".to_vec();
        line.extend(cx.encode(program));
        line.extend_from_slice(b" [option] ... [-c cmd | -m mod | file | -] [arg] ...\n");
        cx.print(stream, &line);
        if error {
            cx.print(stream, b"Try `python -h' for more information.\n");
        } else {
            cx.print(stream, usage::HELP.as_bytes());
        }
    }

    /// `config_run_filename_abspath()`.
    fn run_filename_abspath(&mut self, cx: &ReadContext<'_>) {
        if let Some(f) = &self.run_filename {
            self.run_filename = Some(cx.abspath(f));
        }
    }

    /// `config_update_argv()`: `argv` becomes the program and its
    /// arguments, with `-c`/`-m` standing for the program.
    fn update_argv(&mut self, opt_index: usize) {
        let mut new_argv: WideStringList = if self.argv.len() <= opt_index {
            std::iter::once(WString::new()).collect()
        } else {
            self.argv.items()[opt_index..].iter().cloned().collect()
        };
        if self.run_command.is_some() {
            new_argv.items_mut()[0] = WString::from("-c");
        } else if self.run_module.is_some() {
            new_argv.items_mut()[0] = WString::from("-m");
        }
        self.argv = new_argv;
    }

    /// `config_init_warnoptions()`: lowest priority first, duplicates
    /// dropped.
    fn init_warnoptions(
        &mut self,
        cmdline: &WideStringList,
        env: &WideStringList,
        sys: &WideStringList,
    ) {
        let mut options = WideStringList::new();
        let existing = self.warnoptions.clone();
        let append = |options: &mut WideStringList, opt: &WString| {
            if !existing.contains(opt) && !options.contains(opt) {
                options.append(opt.clone());
            }
        };
        if self.dev_mode != 0 {
            append(&mut options, &WString::from("default"));
        }
        for opt in env.iter().chain(cmdline.iter()) {
            append(&mut options, opt);
        }
        if self.bytes_warning != 0 {
            let filter = if self.bytes_warning > 1 {
                "error::BytesWarning"
            } else {
                "default::BytesWarning"
            };
            append(&mut options, &WString::from(filter));
        }
        for opt in sys.iter() {
            append(&mut options, opt);
        }
        options.extend(&existing);
        self.warnoptions = options;
    }

    /// `config_read()`: everything after the command line.
    fn read_rest(&mut self, cx: &ReadContext<'_>, compute_path_config: bool) -> InitResult {
        if self.use_environment != 0 {
            self.read_env_vars(cx)?;
        }
        self.read_gil(cx)?;
        if get_xoption(&self.xoptions, "showrefcount").is_some() {
            self.show_ref_count = 1;
        }
        self.read_complex_options(cx)?;
        if self.install_importlib != 0 {
            self.init_import(cx, compute_path_config)?;
        }

        if self.dev_mode != 0 && self.faulthandler < 0 {
            self.faulthandler = 1;
        }
        if self.faulthandler < 0 {
            self.faulthandler = 0;
        }
        if self.tracemalloc < 0 {
            self.tracemalloc = 0;
        }
        if self.perf_profiling < 0 {
            self.perf_profiling = 0;
        }
        if self.use_hash_seed < 0 {
            self.use_hash_seed = 0;
            self.hash_seed = 0;
        }

        if self.filesystem_encoding.is_none() || self.filesystem_errors.is_none() {
            self.init_fs_encoding(cx);
        }
        self.init_stdio_encoding(cx);

        if self.argv.is_empty() {
            self.argv.append("");
        }
        if self.check_hash_pycs_mode.is_none() {
            self.check_hash_pycs_mode = Some(WString::from("default"));
        }
        if self.configure_c_stdio < 0 {
            self.configure_c_stdio = 1;
        }
        // Only parse arguments once.
        if self.parse_argv == 1 {
            self.parse_argv = 2;
        }
        Ok(())
    }

    /// `config_read_env_vars()`.
    fn read_env_vars(&mut self, cx: &ReadContext<'_>) -> InitResult {
        let env = &cx.loc.environ;
        env_flag(env, true, &mut self.parser_debug, "PYTHONDEBUG");
        env_flag(env, true, &mut self.verbose, "PYTHONVERBOSE");
        env_flag(env, true, &mut self.optimization_level, "PYTHONOPTIMIZE");
        env_flag(env, true, &mut self.inspect, "PYTHONINSPECT");
        let mut flag = 0;
        env_flag(env, true, &mut flag, "PYTHONDONTWRITEBYTECODE");
        if flag != 0 {
            self.write_bytecode = 0;
        }
        let mut flag = 0;
        env_flag(env, true, &mut flag, "PYTHONNOUSERSITE");
        if flag != 0 {
            self.user_site_directory = 0;
        }
        let mut flag = 0;
        env_flag(env, true, &mut flag, "PYTHONUNBUFFERED");
        if flag != 0 {
            self.buffered_stdio = 0;
        }
        if cx.getenv(true, "PYTHONDUMPREFS").is_some() {
            self.dump_refs = 1;
        }
        if cx.getenv(true, "PYTHONMALLOCSTATS").is_some() {
            self.malloc_stats = 1;
        }
        if self.dump_refs_file.is_none() {
            self.dump_refs_file = cx.getenv_wide(true, "PYTHONDUMPREFSFILE");
        }
        if self.pythonpath_env.is_none() {
            self.pythonpath_env = cx.getenv_wide(true, "PYTHONPATH");
        }
        if self.platlibdir.is_none() {
            self.platlibdir = cx.getenv_wide(true, "PYTHONPLATLIBDIR");
        }
        if self.use_hash_seed < 0 {
            self.init_hash_seed(cx)?;
        }
        if cx.getenv(true, "PYTHONSAFEPATH").is_some() {
            self.safe_path = 1;
        }
        Ok(())
    }

    /// `config_init_hash_seed()`.
    fn init_hash_seed(&mut self, cx: &ReadContext<'_>) -> InitResult {
        match cx.getenv(self.use_environment != 0, "PYTHONHASHSEED") {
            Some(text) if text != b"random" => match strtoul(text) {
                Some(seed) if seed <= MAX_HASH_SEED => {
                    self.use_hash_seed = 1;
                    self.hash_seed = seed;
                }
                _ => {
                    return Err(Status::error(
                        "config_init_hash_seed",
                        "PYTHONHASHSEED must be \"random\" or an integer in range [0; 4294967295]",
                    ));
                }
            },
            _ => {
                self.use_hash_seed = 0;
                self.hash_seed = 0;
            }
        }
        Ok(())
    }

    /// `config_read_gil()`: `PYTHON_GIL` then `-X gil`. The GIL cannot be
    /// disabled: pyrt is a GIL build.
    fn read_gil(&mut self, cx: &ReadContext<'_>) -> InitResult {
        fn check(value: &[u32]) -> InitResult {
            const FUNC: &str = "config_read_gil";
            match value {
                [0x31] => Ok(()),
                [0x30] => Err(Status::error(
                    FUNC,
                    "Disabling the GIL is not supported by this build",
                )),
                _ => Err(Status::error(
                    FUNC,
                    "PYTHON_GIL / -X gil must be \"0\" or \"1\"",
                )),
            }
        }
        if let Some(env) = cx.getenv(self.use_environment != 0, "PYTHON_GIL") {
            let cps: Vec<u32> = env.iter().map(|&b| u32::from(b)).collect();
            check(&cps)?;
        }
        if let Some(opt) = get_xoption(&self.xoptions, "gil") {
            let value: Vec<u32> = xoption_value(opt).code_points().collect();
            check(&value)?;
        }
        Ok(())
    }

    /// `config_read_complex_options()`.
    fn read_complex_options(&mut self, cx: &ReadContext<'_>) -> InitResult {
        let use_env = self.use_environment != 0;
        if self.faulthandler < 0
            && (cx.getenv(use_env, "PYTHONFAULTHANDLER").is_some()
                || get_xoption(&self.xoptions, "faulthandler").is_some())
        {
            self.faulthandler = 1;
        }
        if cx.getenv(use_env, "PYTHONPROFILEIMPORTTIME").is_some()
            || get_xoption(&self.xoptions, "importtime").is_some()
        {
            self.import_time = 1;
        }
        if cx.getenv(use_env, "PYTHONNODEBUGRANGES").is_some()
            || get_xoption(&self.xoptions, "no_debug_ranges").is_some()
        {
            self.code_debug_ranges = 0;
        }
        if self.tracemalloc < 0 {
            self.init_tracemalloc(cx)?;
        }
        if self.perf_profiling < 0 {
            self.init_perf_profiling(cx);
        }
        if self.int_max_str_digits < 0 {
            self.init_int_max_str_digits(cx)?;
        }
        if self.cpu_count < 0 {
            self.init_cpu_count(cx)?;
        }
        if self.pycache_prefix.is_none() {
            self.init_pycache_prefix(cx);
        }
        Ok(())
    }

    /// `config_init_tracemalloc()`.
    fn init_tracemalloc(&mut self, cx: &ReadContext<'_>) -> InitResult {
        const FUNC: &str = "config_init_tracemalloc";
        if let Some(env) = cx.getenv(self.use_environment != 0, "PYTHONTRACEMALLOC") {
            match str_to_int(env) {
                Some(n) if n >= 0 => self.tracemalloc = n,
                _ => {
                    return Err(Status::error(
                        FUNC,
                        "PYTHONTRACEMALLOC: invalid number of frames",
                    ));
                }
            }
        }
        if let Some(opt) = get_xoption(&self.xoptions, "tracemalloc") {
            self.tracemalloc = match opt.find_ascii(b'=') {
                Some(i) => match wstr_to_int(&opt.tail(i + 1)) {
                    Some(n) if n >= 0 => n,
                    _ => {
                        return Err(Status::error(
                            FUNC,
                            "-X tracemalloc=NFRAME: invalid number of frames",
                        ));
                    }
                },
                None => 1,
            };
        }
        Ok(())
    }

    /// `config_init_perf_profiling()`: any non-zero integer enables (SPEC
    /// A.6 says only `1`; CPython 3.13.0 gives 1 for `PYTHONPERFSUPPORT=2`).
    fn init_perf_profiling(&mut self, cx: &ReadContext<'_>) {
        let use_env = self.use_environment != 0;
        let enabled = |name: &str| {
            cx.getenv(use_env, name)
                .is_some_and(|v| str_to_int(v).unwrap_or(0) != 0)
        };
        if enabled("PYTHONPERFSUPPORT") {
            self.perf_profiling = 1;
        }
        if get_xoption(&self.xoptions, "perf").is_some() {
            self.perf_profiling = 1;
        }
        if enabled("PYTHON_PERF_JIT_SUPPORT") {
            self.perf_profiling = 2;
        }
        if get_xoption(&self.xoptions, "perf_jit").is_some() {
            self.perf_profiling = 2;
        }
    }

    /// `config_init_int_max_str_digits()`.
    fn init_int_max_str_digits(&mut self, cx: &ReadContext<'_>) -> InitResult {
        const FUNC: &str = "config_init_int_max_str_digits";
        let valid = |n: i32| n == 0 || n >= MAX_STR_DIGITS_THRESHOLD;
        if let Some(env) = cx.getenv(self.use_environment != 0, "PYTHONINTMAXSTRDIGITS") {
            match str_to_int(env) {
                Some(n) if valid(n) => self.int_max_str_digits = n,
                _ => {
                    return Err(Status::error(
                        FUNC,
                        "PYTHONINTMAXSTRDIGITS: invalid limit; must be >= 640 or 0 for unlimited.",
                    ));
                }
            }
        }
        if let Some(opt) = get_xoption(&self.xoptions, "int_max_str_digits") {
            let parsed = match opt.find_ascii(b'=') {
                // `-X int_max_str_digits=` (empty) parses as 0: wcstol
                // converts nothing and leaves `*endptr == '\0'`.
                Some(i) => {
                    let v = opt.tail(i + 1);
                    if v.is_empty() {
                        Some(0)
                    } else {
                        wstr_to_int(&v)
                    }
                }
                None => None,
            };
            match parsed {
                Some(n) if valid(n) => self.int_max_str_digits = n,
                _ => {
                    return Err(Status::error(
                        FUNC,
                        "-X int_max_str_digits: invalid limit; must be >= 640 or 0 for unlimited.",
                    ));
                }
            }
        }
        if self.int_max_str_digits < 0 {
            self.int_max_str_digits = DEFAULT_MAX_STR_DIGITS;
        }
        Ok(())
    }

    /// `config_init_cpu_count()`.
    fn init_cpu_count(&mut self, cx: &ReadContext<'_>) -> InitResult {
        let error = || {
            Status::error(
                "config_init_cpu_count",
                "-X cpu_count=n option: n is missing or an invalid number, n must be greater than 0",
            )
        };
        if let Some(env) = cx.getenv(self.use_environment != 0, "PYTHON_CPU_COUNT") {
            self.cpu_count = if env == b"default" {
                -1
            } else {
                match str_to_int(env) {
                    Some(n) if n >= 1 => n,
                    _ => return Err(error()),
                }
            };
        }
        if let Some(opt) = get_xoption(&self.xoptions, "cpu_count") {
            let Some(i) = opt.find_ascii(b'=') else {
                return Err(error());
            };
            let v = opt.tail(i + 1);
            self.cpu_count = if v.eq_str("default") {
                -1
            } else {
                match wstr_to_int(&v) {
                    Some(n) if n >= 1 => n,
                    _ => return Err(error()),
                }
            };
        }
        Ok(())
    }

    /// `config_init_pycache_prefix()`: `-X pycache_prefix` without a
    /// non-empty value cancels the variable.
    fn init_pycache_prefix(&mut self, cx: &ReadContext<'_>) {
        if let Some(opt) = get_xoption(&self.xoptions, "pycache_prefix") {
            self.pycache_prefix = match opt.find_ascii(b'=') {
                Some(i) if i + 1 < opt.as_bytes().len() => Some(opt.tail(i + 1)),
                _ => None,
            };
            return;
        }
        self.pycache_prefix = cx.getenv_wide(self.use_environment != 0, "PYTHONPYCACHEPREFIX");
    }

    /// `config_init_import()`.
    fn init_import(&mut self, cx: &ReadContext<'_>, compute_path_config: bool) -> InitResult {
        if compute_path_config {
            pathconfig::compute(self, cx)?;
        }
        match cx.getenv(self.use_environment != 0, "PYTHON_FROZEN_MODULES") {
            None => {}
            Some(b"on") => self.use_frozen_modules = 1,
            Some(b"off") => self.use_frozen_modules = 0,
            Some(_) => {
                return Err(Status::error_without_func(
                    "bad value for PYTHON_FROZEN_MODULES (expected \"on\" or \"off\")",
                ));
            }
        }
        if let Some(opt) = get_xoption(&self.xoptions, "frozen_modules") {
            let v = xoption_value(opt);
            if v.eq_str("on") || v.is_empty() {
                self.use_frozen_modules = 1;
            } else if v.eq_str("off") {
                self.use_frozen_modules = 0;
            } else {
                return Err(Status::error_without_func(
                    "bad value for option -X frozen_modules (expected \"on\" or \"off\")",
                ));
            }
        }
        Ok(())
    }

    /// `_Py_GetLocaleEncoding()` as CPython reports it before codec
    /// normalization (`"UTF-8"`, `"ANSI_X3.4-1968"`).
    fn locale_encoding(cx: &ReadContext<'_>) -> &'static str {
        if cx.utf8_mode() {
            "utf-8"
        } else {
            cx.loc.ctype.codeset.langinfo_name()
        }
    }

    /// `config_init_fs_encoding()`.
    fn init_fs_encoding(&mut self, cx: &ReadContext<'_>) {
        if self.filesystem_encoding.is_none() {
            self.filesystem_encoding = Some(WString::from(Self::locale_encoding(cx)));
        }
        if self.filesystem_errors.is_none() {
            self.filesystem_errors = Some(WString::from("surrogateescape"));
        }
    }

    /// `config_init_stdio_encoding()`.
    fn init_stdio_encoding(&mut self, cx: &ReadContext<'_>) {
        if self.stdio_encoding.is_some() && self.stdio_errors.is_some() {
            return;
        }
        if let Some(opt) = cx.getenv(self.use_environment != 0, "PYTHONIOENCODING") {
            let (enc, errors) = match opt.iter().position(|&b| b == b':') {
                Some(i) => (&opt[..i], Some(&opt[i + 1..]).filter(|e| !e.is_empty())),
                None => (opt, None),
            };
            let mut errors = errors;
            if !enc.is_empty() {
                if self.stdio_encoding.is_none() {
                    self.stdio_encoding = Some(cx.loc.decode(enc, cx.utf8_mode()));
                }
                // PYTHONIOENCODING=latin1 behaves as latin1:strict.
                if errors.is_none() {
                    errors = Some(b"strict");
                }
            }
            if self.stdio_errors.is_none()
                && let Some(e) = errors
            {
                self.stdio_errors = Some(cx.loc.decode(e, cx.utf8_mode()));
            }
        }
        if self.stdio_encoding.is_none() {
            self.stdio_encoding = Some(WString::from(Self::locale_encoding(cx)));
        }
        if self.stdio_errors.is_none() {
            // config_get_stdio_errors()
            let errors =
                if cx.utf8_mode() || cx.loc.ctype.is_c() || cx.loc.ctype.is_coercion_target() {
                    "surrogateescape"
                } else {
                    "strict"
                };
            self.stdio_errors = Some(WString::from(errors));
        }
    }
}
