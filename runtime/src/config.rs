//! Configuration: `PyPreConfig`, `PyConfig`, `PyStatus`, `PyWideStringList`,
//! the `python` command line and the `PYTHON*` environment.
//!
//! Mirrors `Python/preconfig.c`, `Python/initconfig.c`, `Python/getopt.c`
//! and the path computation of `Modules/getpath.py` (CPython 3.13), and
//! reproduces their observable behaviour exactly: the same fields and
//! presets, the same option scanning quirks, the same error messages and
//! exit statuses, the same precedence between the command line, the
//! environment and explicit settings. The conformance runner
//! (`pyrt-conformance config`) checks this against CPython's own results.
//!
//! Deliberate differences, each documented where it lives:
//! - the locale is modelled as data with pyrt's own locale database
//!   ([`locale`]), because libc's process-wide locale cannot be shared by
//!   several runtimes and does not exist in wasm;
//! - path configuration follows pyrt's layout: its modules are built in,
//!   so no landmark files are needed (`pathconfig.rs`).
//!
//! The usual sequence, as in CPython's `Py_BytesMain()`:
//!
//! ```
//! use pyrt::{Args, Config, Platform, PreConfig, Runtime};
//! use pyrt::platform::Environ;
//!
//! let (platform, _out) = Platform::captured(Environ::from_pairs([("LANG", "C.UTF-8")]), None);
//! let rt = Runtime::new(platform);
//! let args = Args::Bytes(vec![b"python3".to_vec(), b"-O".to_vec(), b"-c".to_vec(), b"pass".to_vec()]);
//! rt.pre_initialize_from_args(&PreConfig::python(), &args)?;
//! let mut config = Config::python();
//! rt.config_set_args(&mut config, &args)?;
//! rt.read_config(&mut config)?;
//! assert_eq!(config.optimization_level, 1);
//! assert_eq!(config.run_command.unwrap().to_string(), "pass\n");
//! # Ok::<(), pyrt::Status>(())
//! ```

mod dict;
mod env;
mod getopt;
pub mod locale;
mod pathconfig;
mod preconfig;
mod pyconfig;
mod read;
mod set;
mod usage;

pub use dict::{ConfigDict, ConfigValue, dict_to_json};
pub use locale::{Codeset, Locale};
pub use preconfig::{AllocatorName, Args, ConfigInit, PreConfig};
pub use pyconfig::{Config, DEFAULT_MAX_STR_DIGITS, GlobalConfigVars, MAX_STR_DIGITS_THRESHOLD};

pub(crate) use locale::LocaleEnv;
pub(crate) use preconfig::PreReadContext;
pub(crate) use read::ReadContext;
