//! `PyPreConfig` and pre-initialization reading.
//!
//! Mirrors `Python/preconfig.c` (3.13). The pre-configuration decides what
//! must be fixed before anything is decoded or allocated: the memory
//! allocator, the LC_CTYPE locale (PEP 538 coercion) and UTF-8 mode
//! (PEP 540), plus `isolated`, `use_environment` and `dev_mode`, which
//! both configurations share. Reading it scans the command line for the
//! few options that matter here (`-E`, `-I`, `-X …`) and loops when the
//! text encoding changes under it (`_PyPreConfig_Read`): argv bytes are
//! decoded again with the new encoding, at most twice.

use super::dict::{ConfigDict, ConfigValue};
use super::env::get_env;
use super::getopt::{GetOpt, Opt};
use super::locale::LocaleEnv;
use crate::status::{InitResult, Status};
use crate::wstr::{WString, WideStringList};

/// Which preset a configuration started from (`_PyConfigInitEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ConfigInit {
    /// `_PyConfig_INIT_COMPAT`: the legacy `Py_Initialize()` configuration,
    /// which reads the `Py_*Flag` global variables.
    Compat = 1,
    /// `_PyConfig_INIT_PYTHON`: behaves like the `python` program.
    Python = 2,
    /// `_PyConfig_INIT_ISOLATED`: ignores the environment and command line.
    Isolated = 3,
}

/// `PyMemAllocatorName`: the `PYTHONMALLOC` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum AllocatorName {
    /// `PYMEM_ALLOCATOR_NOT_SET`: keep the current allocators.
    NotSet = 0,
    /// `default`: the build's default (malloc + pymalloc).
    Default = 1,
    /// `debug`: the default allocators with debug hooks.
    Debug = 2,
    /// `malloc`: the host allocator for every domain.
    Malloc = 3,
    /// `malloc_debug`.
    MallocDebug = 4,
    /// `pymalloc`: pymalloc for MEM and OBJ.
    Pymalloc = 5,
    /// `pymalloc_debug`.
    PymallocDebug = 6,
    /// `mimalloc`: mimalloc for MEM and OBJ (only where it is built).
    Mimalloc = 7,
    /// `mimalloc_debug`.
    MimallocDebug = 8,
}

impl AllocatorName {
    /// `_PyMem_GetAllocatorName()`: exact, case-sensitive names. The
    /// mimalloc names exist only in builds that include mimalloc
    /// (`WITH_MIMALLOC`), like CPython.
    pub fn from_name(name: &[u8]) -> Option<AllocatorName> {
        Some(match name {
            b"default" => AllocatorName::Default,
            b"debug" => AllocatorName::Debug,
            b"malloc" => AllocatorName::Malloc,
            b"malloc_debug" => AllocatorName::MallocDebug,
            b"pymalloc" => AllocatorName::Pymalloc,
            b"pymalloc_debug" => AllocatorName::PymallocDebug,
            b"mimalloc" if crate::mem::HAS_MIMALLOC => AllocatorName::Mimalloc,
            b"mimalloc_debug" if crate::mem::HAS_MIMALLOC => AllocatorName::MimallocDebug,
            _ => return None,
        })
    }

    /// The enum value from its integer (as stored in `PyPreConfig`).
    pub fn from_i32(v: i32) -> Option<AllocatorName> {
        Some(match v {
            0 => AllocatorName::NotSet,
            1 => AllocatorName::Default,
            2 => AllocatorName::Debug,
            3 => AllocatorName::Malloc,
            4 => AllocatorName::MallocDebug,
            5 => AllocatorName::Pymalloc,
            6 => AllocatorName::PymallocDebug,
            7 => AllocatorName::Mimalloc,
            8 => AllocatorName::MimallocDebug,
            _ => return None,
        })
    }
}

/// `PyPreConfig`. Integer fields use CPython's encoding: `-1` means "not
/// set yet, decide while reading".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreConfig {
    /// `_config_init`.
    pub config_init: ConfigInit,
    /// Parse `argv` for `-E`, `-I` and `-X` (only with the Python preset).
    pub parse_argv: i32,
    /// `-I`: implies `use_environment = 0`.
    pub isolated: i32,
    /// Read `PYTHON*` variables (`-E` clears it).
    pub use_environment: i32,
    /// Set LC_CTYPE from the environment.
    pub configure_locale: i32,
    /// PEP 538: 0 = off, 1 = on if the locale is C, 2 = coerced.
    pub coerce_c_locale: i32,
    /// Warn when coercing or running in the C locale.
    pub coerce_c_locale_warn: i32,
    /// PEP 540 UTF-8 mode.
    pub utf8_mode: i32,
    /// Python Development Mode (`-X dev`, `PYTHONDEVMODE`).
    pub dev_mode: i32,
    /// `PyMemAllocatorName` as an int.
    pub allocator: i32,
}

impl PreConfig {
    /// `_PyPreConfig_InitCompatConfig()`.
    pub fn compat() -> PreConfig {
        PreConfig {
            config_init: ConfigInit::Compat,
            parse_argv: 0,
            isolated: -1,
            use_environment: -1,
            configure_locale: 1,
            coerce_c_locale: 0,
            coerce_c_locale_warn: 0,
            utf8_mode: 0,
            dev_mode: -1,
            allocator: AllocatorName::NotSet as i32,
        }
    }

    /// `PyPreConfig_InitPythonConfig()`.
    pub fn python() -> PreConfig {
        PreConfig {
            config_init: ConfigInit::Python,
            parse_argv: 1,
            isolated: 0,
            use_environment: 1,
            coerce_c_locale: -1,
            coerce_c_locale_warn: -1,
            utf8_mode: -1,
            ..PreConfig::compat()
        }
    }

    /// `PyPreConfig_InitIsolatedConfig()`.
    pub fn isolated() -> PreConfig {
        PreConfig {
            config_init: ConfigInit::Isolated,
            configure_locale: 0,
            isolated: 1,
            use_environment: 0,
            utf8_mode: 0,
            dev_mode: 0,
            ..PreConfig::compat()
        }
    }

    /// The preset `init` names.
    pub fn preset(init: ConfigInit) -> PreConfig {
        match init {
            ConfigInit::Python => PreConfig::python(),
            ConfigInit::Isolated => PreConfig::isolated(),
            ConfigInit::Compat => PreConfig::compat(),
        }
    }

    /// The preset matching a `PyConfig`'s `_config_init`, with the shared
    /// fields taken from it (`_PyPreConfig_InitFromConfig`).
    pub fn from_config(config: &super::Config) -> PreConfig {
        let mut pre = PreConfig::preset(config.config_init);
        pre.get_config(config);
        pre
    }

    /// `_PyPreConfig_GetConfig()`: copies the fields a `PyConfig` may have
    /// set explicitly.
    pub(crate) fn get_config(&mut self, config: &super::Config) {
        for (dst, src) in [
            (&mut self.parse_argv, config.parse_argv),
            (&mut self.isolated, config.isolated),
            (&mut self.use_environment, config.use_environment),
            (&mut self.dev_mode, config.dev_mode),
        ] {
            if src != -1 {
                *dst = src;
            }
        }
    }

    /// `_PyPreConfig_GetGlobalConfig()`: the compat preset reads the legacy
    /// `Py_*Flag` variables.
    pub(crate) fn get_global_vars(&mut self, globals: &super::GlobalConfigVars) {
        if self.config_init != ConfigInit::Compat {
            return;
        }
        if self.isolated < 0 {
            self.isolated = globals.isolated_flag;
        }
        if self.use_environment < 0 {
            self.use_environment = i32::from(globals.ignore_environment_flag == 0);
        }
        if self.utf8_mode < 0 {
            self.utf8_mode = globals.utf8_mode;
        }
    }

    /// `_PyPreConfig_AsDict()`, in CPython's key order.
    pub fn as_dict(&self) -> ConfigDict {
        vec![
            ("_config_init", ConfigValue::int(self.config_init as i32)),
            ("parse_argv", ConfigValue::int(self.parse_argv)),
            ("isolated", ConfigValue::int(self.isolated)),
            ("use_environment", ConfigValue::int(self.use_environment)),
            ("configure_locale", ConfigValue::int(self.configure_locale)),
            ("coerce_c_locale", ConfigValue::int(self.coerce_c_locale)),
            (
                "coerce_c_locale_warn",
                ConfigValue::int(self.coerce_c_locale_warn),
            ),
            ("utf8_mode", ConfigValue::int(self.utf8_mode)),
            ("dev_mode", ConfigValue::int(self.dev_mode)),
            ("allocator", ConfigValue::int(self.allocator)),
        ]
    }

    /// Copies every field of `other` (`preconfig_copy`).
    fn copy_from(&mut self, other: &PreConfig) {
        *self = other.clone();
    }
}

/// Command-line arguments as the OS or the embedder gives them
/// (`_PyArgv`): bytes to be decoded with the locale, or already wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Args {
    /// `char **argv` (`Py_BytesMain`, `PyConfig_SetBytesArgv`).
    Bytes(Vec<Vec<u8>>),
    /// `wchar_t **argv` (`Py_Main`, `PyConfig_SetArgv`).
    Wide(Vec<WString>),
}

impl Args {
    /// `_PyArgv_AsWstrList()`: decodes bytes with `Py_DecodeLocale()`.
    /// Strings are cut at an embedded NUL, as C sees them.
    pub(crate) fn to_wide(&self, loc: &LocaleEnv, utf8_mode: bool) -> WideStringList {
        match self {
            Args::Bytes(v) => v
                .iter()
                .map(|a| {
                    let end = a.iter().position(|&b| b == 0).unwrap_or(a.len());
                    loc.decode(&a[..end], utf8_mode)
                })
                .collect(),
            Args::Wide(v) => v
                .iter()
                .map(|a| match a.find_ascii(0) {
                    Some(end) => a.head(end),
                    None => a.clone(),
                })
                .collect(),
        }
    }
}

/// `_PyPreCmdline`: what pre-reading the command line and environment
/// found, shared by the pre-configuration and the configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct PreCmdline {
    pub(crate) argv: WideStringList,
    pub(crate) xoptions: WideStringList,
    pub(crate) isolated: i32,
    pub(crate) use_environment: i32,
    pub(crate) dev_mode: i32,
    pub(crate) warn_default_encoding: i32,
}

impl PreCmdline {
    pub(crate) fn new() -> PreCmdline {
        PreCmdline {
            isolated: -1,
            use_environment: -1,
            dev_mode: -1,
            warn_default_encoding: -1,
            ..PreCmdline::default()
        }
    }

    /// `_PyPreCmdline_Read()`.
    pub(crate) fn read(&mut self, pre: &PreConfig, loc: &LocaleEnv) {
        // precmdline_get_preconfig
        for (dst, src) in [
            (&mut self.isolated, pre.isolated),
            (&mut self.use_environment, pre.use_environment),
            (&mut self.dev_mode, pre.dev_mode),
        ] {
            if src != -1 {
                *dst = src;
            }
        }
        if pre.parse_argv != 0 {
            self.parse_cmdline();
        }
        if self.isolated < 0 {
            self.isolated = 0;
        }
        if self.isolated > 0 {
            self.use_environment = 0;
        }
        if self.use_environment < 0 {
            self.use_environment = 0;
        }
        let use_env = self.use_environment != 0;
        if self.dev_mode < 0
            && (get_xoption(&self.xoptions, "dev").is_some()
                || get_env(&loc.environ, use_env, "PYTHONDEVMODE").is_some())
        {
            self.dev_mode = 1;
        }
        if self.dev_mode < 0 {
            self.dev_mode = 0;
        }
        if get_xoption(&self.xoptions, "warn_default_encoding").is_some()
            || get_env(&loc.environ, use_env, "PYTHONWARNDEFAULTENCODING").is_some()
        {
            self.warn_default_encoding = 1;
        }
    }

    /// `precmdline_parse_cmdline()`: only `-E`, `-I` and `-X` matter; errors
    /// are ignored here (the configuration reports them).
    fn parse_cmdline(&mut self) {
        let argv = self.argv.items().to_vec();
        let mut g = GetOpt::new(&argv);
        loop {
            match g.next_opt() {
                Opt::End | Opt::Short('c' | 'm', _) => break,
                Opt::Short('E', _) => self.use_environment = 0,
                Opt::Short('I', _) => self.isolated = 1,
                Opt::Short('X', Some(arg)) => self.xoptions.append(arg),
                _ => {}
            }
        }
    }
}

/// `_Py_get_xoption()`: the first `-X` option named `name` (`name` or
/// `name=value`).
pub(crate) fn get_xoption<'a>(xoptions: &'a WideStringList, name: &str) -> Option<&'a WString> {
    xoptions.iter().find(|opt| {
        let key_len = opt.find_ascii(b'=').unwrap_or(opt.as_bytes().len());
        &opt.as_bytes()[..key_len] == name.as_bytes()
    })
}

/// The value part of an `-X name=value` option: `""` when there is no
/// `=` (`config_get_xoption_value`).
pub(crate) fn xoption_value(opt: &WString) -> WString {
    match opt.find_ascii(b'=') {
        Some(i) => opt.tail(i + 1),
        None => WString::new(),
    }
}

/// State of a pre-configuration read that the runtime keeps: the locale
/// and the UTF-8 mode currently used to decode (`_PyRuntime.preconfig`).
pub(crate) struct PreReadContext<'a> {
    pub(crate) loc: &'a mut LocaleEnv,
    /// `_PyRuntime.preconfig.utf8_mode` while reading.
    pub(crate) runtime_utf8_mode: &'a mut i32,
    pub(crate) globals: &'a super::GlobalConfigVars,
}

impl PreConfig {
    /// `_PyPreConfig_Read()`. Side effects on the locale are reverted
    /// afterwards except for the coercion's `LC_CTYPE` export, as in
    /// CPython.
    pub(crate) fn read(&mut self, cx: &mut PreReadContext<'_>, args: Option<&Args>) -> InitResult {
        self.get_global_vars(cx.globals);
        let init_ctype = cx.loc.ctype.clone();
        let save_config = self.clone();
        if self.configure_locale != 0 {
            cx.loc.set_from_env();
        }
        let save_runtime_utf8 = *cx.runtime_utf8_mode;
        let mut cmdline = PreCmdline::new();
        let mut locale_coerced = false;
        let mut loops = 0;
        let result = loop {
            let utf8_mode = self.utf8_mode;
            loops += 1;
            if loops == 3 {
                break Err(Status::error(
                    "_PyPreConfig_Read",
                    "Encoding changed twice while reading the configuration",
                ));
            }
            *cx.runtime_utf8_mode = self.utf8_mode;
            if let Some(args) = args {
                cmdline.argv = args.to_wide(cx.loc, self.utf8_mode == 1);
            }
            if let Err(e) = self.read_once(&mut cmdline, cx.loc) {
                break Err(e);
            }
            let mut encoding_changed = false;
            if self.coerce_c_locale != 0 && !locale_coerced {
                locale_coerced = true;
                let _ = cx.loc.coerce_legacy_locale(false);
                encoding_changed = true;
            }
            if utf8_mode == -1 {
                if self.utf8_mode == 1 {
                    encoding_changed = true;
                }
            } else if self.utf8_mode != utf8_mode {
                encoding_changed = true;
            }
            if !encoding_changed {
                break Ok(());
            }
            let (new_utf8, new_coerce) = (self.utf8_mode, self.coerce_c_locale);
            self.copy_from(&save_config);
            self.utf8_mode = new_utf8;
            self.coerce_c_locale = new_coerce;
        };
        cx.loc.ctype = init_ctype;
        *cx.runtime_utf8_mode = save_runtime_utf8;
        result
    }

    /// `preconfig_read()`.
    fn read_once(&mut self, cmdline: &mut PreCmdline, loc: &LocaleEnv) -> InitResult {
        cmdline.read(self, loc);
        // precmdline_set_preconfig
        self.isolated = cmdline.isolated;
        self.use_environment = cmdline.use_environment;
        self.dev_mode = cmdline.dev_mode;

        self.init_coerce_c_locale(loc);
        self.init_utf8_mode(cmdline, loc)?;
        self.init_allocator(loc)
    }

    /// `preconfig_init_coerce_c_locale()`.
    fn init_coerce_c_locale(&mut self, loc: &LocaleEnv) {
        if self.configure_locale == 0 {
            self.coerce_c_locale = 0;
            self.coerce_c_locale_warn = 0;
            return;
        }
        let use_env = self.use_environment != 0;
        if let Some(env) = get_env(&loc.environ, use_env, "PYTHONCOERCECLOCALE") {
            if env == b"0" {
                if self.coerce_c_locale < 0 {
                    self.coerce_c_locale = 0;
                }
            } else if env == b"warn" {
                if self.coerce_c_locale_warn < 0 {
                    self.coerce_c_locale_warn = 1;
                }
            } else if self.coerce_c_locale < 0 {
                self.coerce_c_locale = 1;
            }
        }
        // PYTHONCOERCECLOCALE=1 coerces only if LC_CTYPE is really "C".
        if self.coerce_c_locale < 0 || self.coerce_c_locale == 1 {
            self.coerce_c_locale = if loc.legacy_locale_detected(false) {
                2
            } else {
                0
            };
        }
        if self.coerce_c_locale_warn < 0 {
            self.coerce_c_locale_warn = 0;
        }
    }

    /// `preconfig_init_utf8_mode()`.
    fn init_utf8_mode(&mut self, cmdline: &PreCmdline, loc: &LocaleEnv) -> InitResult {
        const FUNC: &str = "preconfig_init_utf8_mode";
        if self.utf8_mode >= 0 {
            return Ok(());
        }
        if let Some(xopt) = get_xoption(&cmdline.xoptions, "utf8") {
            self.utf8_mode = match xopt.find_ascii(b'=') {
                None => 1,
                Some(i) => {
                    let v = xopt.tail(i + 1);
                    if v.eq_str("1") {
                        1
                    } else if v.eq_str("0") {
                        0
                    } else {
                        return Err(Status::error(FUNC, "invalid -X utf8 option value"));
                    }
                }
            };
            return Ok(());
        }
        if let Some(opt) = get_env(&loc.environ, self.use_environment != 0, "PYTHONUTF8") {
            self.utf8_mode = match opt {
                b"1" => 1,
                b"0" => 0,
                _ => {
                    return Err(Status::error(
                        FUNC,
                        "invalid PYTHONUTF8 environment variable value",
                    ));
                }
            };
            return Ok(());
        }
        // The C and POSIX locales enable UTF-8 mode (PEP 540).
        if self.utf8_mode < 0 && loc.ctype.is_c() {
            self.utf8_mode = 1;
        }
        if self.utf8_mode < 0 {
            self.utf8_mode = 0;
        }
        Ok(())
    }

    /// `preconfig_init_allocator()`: `PYTHONMALLOC` beats dev mode.
    fn init_allocator(&mut self, loc: &LocaleEnv) -> InitResult {
        if self.allocator == AllocatorName::NotSet as i32
            && let Some(name) = get_env(&loc.environ, self.use_environment != 0, "PYTHONMALLOC")
        {
            match AllocatorName::from_name(name) {
                Some(a) => self.allocator = a as i32,
                None => {
                    return Err(Status::error(
                        "preconfig_init_allocator",
                        "PYTHONMALLOC: unknown allocator",
                    ));
                }
            }
        }
        if self.dev_mode != 0 && self.allocator == AllocatorName::NotSet as i32 {
            self.allocator = AllocatorName::Debug as i32;
        }
        Ok(())
    }

    /// The allocator as an enum (`NotSet` for out-of-range values).
    pub fn allocator_name(&self) -> AllocatorName {
        AllocatorName::from_i32(self.allocator).unwrap_or(AllocatorName::NotSet)
    }
}
