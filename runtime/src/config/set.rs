//! Configurations from name/value records: the inverse of `as_dict`, for
//! hosts that configure an interpreter with data rather than a command
//! line. The rules are PEP 741's `PyInitConfig_Set*()` (CPython 3.14)
//! applied to 3.13's fields: start from the preset `_config_init` names
//! (the `python` one when absent), set each field by its `PyConfig` /
//! `PyPreConfig` member name, and report an unknown name or a value of the
//! wrong kind with CPython's messages.
//!
//! The records are settings, not a finished configuration: reading still
//! follows (`PyConfig_Read`). In particular `parse_argv` true means `argv`
//! is a command line to parse — a configuration returned by a read has
//! `argv` already parsed, so hosts passing one back set `parse_argv` false.

use super::dict::ConfigValue;
use super::preconfig::{ConfigInit, PreConfig};
use super::pyconfig::Config;
use crate::Status;
use crate::wstr::{WString, WideStringList};

/// The `PyInitConfig_Set*()` function a value of this kind goes through.
fn setter_name(v: &ConfigValue) -> &'static str {
    match v {
        ConfigValue::Int(_) | ConfigValue::Bool(_) => "PyInitConfig_SetInt",
        ConfigValue::Str(_) => "PyInitConfig_SetStr",
        ConfigValue::List(_) => "PyInitConfig_SetStrList",
    }
}

fn error(v: &ConfigValue, message: String) -> Status {
    Status::error(setter_name(v), message)
}

fn int_of(v: &ConfigValue) -> Result<i32, Status> {
    match v {
        ConfigValue::Bool(b) => Ok(i32::from(*b)),
        ConfigValue::Int(i) => i32::try_from(*i)
            .map_err(|_| error(v, "config option value is out of int range".into())),
        _ => Err(error(v, "config option type is not int".into())),
    }
}

/// `hash_seed`: 0 to 4294967295, as `PYTHONHASHSEED` allows.
fn seed_of(v: &ConfigValue) -> Result<u64, Status> {
    match v {
        ConfigValue::Int(i) => u64::try_from(*i)
            .ok()
            .filter(|s| *s <= 4_294_967_295)
            .ok_or_else(|| error(v, "config option value is out of range".into())),
        _ => Err(error(v, "config option type is not int".into())),
    }
}

fn str_of(v: &ConfigValue) -> Result<Option<WString>, Status> {
    match v {
        ConfigValue::Str(s) => Ok(s.clone()),
        _ => Err(error(v, "config option type is not string".into())),
    }
}

fn list_of(v: &ConfigValue) -> Result<WideStringList, Status> {
    match v {
        ConfigValue::List(items) => {
            let mut l = WideStringList::new();
            for s in items {
                l.append(s.clone());
            }
            Ok(l)
        }
        _ => Err(error(v, "config option type is not strings list".into())),
    }
}

/// The preset `_config_init` names among `fields` (`python` if absent).
fn preset_of(fields: &[(String, ConfigValue)]) -> Result<ConfigInit, Status> {
    let Some((_, v)) = fields.iter().find(|(n, _)| n == "_config_init") else {
        return Ok(ConfigInit::Python);
    };
    match int_of(v)? {
        1 => Ok(ConfigInit::Compat),
        2 => Ok(ConfigInit::Python),
        3 => Ok(ConfigInit::Isolated),
        n => Err(error(v, format!("invalid _config_init value: {n}"))),
    }
}

macro_rules! field_setter {
    ($ty:ty, ints: [$($iname:literal => $ifield:ident),* $(,)?],
     seeds: [$($uname:literal => $ufield:ident),* $(,)?],
     strs: [$($sname:literal => $sfield:ident),* $(,)?],
     lists: [$($lname:literal => $lfield:ident),* $(,)?]) => {
        impl $ty {
            /// Sets the field CPython names `name` (`PyInitConfig_Set*()`);
            /// `_config_init` is chosen by [`Self::from_fields`].
            pub fn set_field(&mut self, name: &str, v: &ConfigValue) -> Result<(), Status> {
                match name {
                    $($iname => self.$ifield = int_of(v)?,)*
                    $($uname => self.$ufield = seed_of(v)?,)*
                    $($sname => self.$sfield = str_of(v)?,)*
                    $($lname => self.$lfield = list_of(v)?,)*
                    _ => {
                        return Err(error(v, format!("unknown config option name: {name}")));
                    }
                }
                Ok(())
            }
        }
    };
}

field_setter!(PreConfig,
    ints: [
        "parse_argv" => parse_argv, "isolated" => isolated,
        "use_environment" => use_environment, "configure_locale" => configure_locale,
        "coerce_c_locale" => coerce_c_locale, "coerce_c_locale_warn" => coerce_c_locale_warn,
        "utf8_mode" => utf8_mode, "dev_mode" => dev_mode, "allocator" => allocator,
    ],
    seeds: [],
    strs: [],
    lists: []
);

field_setter!(Config,
    ints: [
        "isolated" => isolated, "use_environment" => use_environment, "dev_mode" => dev_mode,
        "install_signal_handlers" => install_signal_handlers, "use_hash_seed" => use_hash_seed,
        "faulthandler" => faulthandler, "tracemalloc" => tracemalloc,
        "perf_profiling" => perf_profiling, "import_time" => import_time,
        "code_debug_ranges" => code_debug_ranges, "show_ref_count" => show_ref_count,
        "dump_refs" => dump_refs, "malloc_stats" => malloc_stats, "parse_argv" => parse_argv,
        "site_import" => site_import, "bytes_warning" => bytes_warning,
        "warn_default_encoding" => warn_default_encoding, "inspect" => inspect,
        "interactive" => interactive, "optimization_level" => optimization_level,
        "parser_debug" => parser_debug, "write_bytecode" => write_bytecode,
        "verbose" => verbose, "quiet" => quiet, "user_site_directory" => user_site_directory,
        "configure_c_stdio" => configure_c_stdio, "buffered_stdio" => buffered_stdio,
        "use_frozen_modules" => use_frozen_modules, "safe_path" => safe_path,
        "int_max_str_digits" => int_max_str_digits, "cpu_count" => cpu_count,
        "pathconfig_warnings" => pathconfig_warnings,
        "module_search_paths_set" => module_search_paths_set,
        "skip_source_first_line" => skip_source_first_line,
        "_install_importlib" => install_importlib, "_init_main" => init_main,
        "_is_python_build" => is_python_build,
    ],
    seeds: ["hash_seed" => hash_seed],
    strs: [
        "dump_refs_file" => dump_refs_file, "filesystem_encoding" => filesystem_encoding,
        "filesystem_errors" => filesystem_errors, "pycache_prefix" => pycache_prefix,
        "stdio_encoding" => stdio_encoding, "stdio_errors" => stdio_errors,
        "check_hash_pycs_mode" => check_hash_pycs_mode, "program_name" => program_name,
        "pythonpath_env" => pythonpath_env, "home" => home, "platlibdir" => platlibdir,
        "sys_path_0" => sys_path_0, "stdlib_dir" => stdlib_dir, "executable" => executable,
        "base_executable" => base_executable, "prefix" => prefix, "base_prefix" => base_prefix,
        "exec_prefix" => exec_prefix, "base_exec_prefix" => base_exec_prefix,
        "run_command" => run_command, "run_module" => run_module,
        "run_filename" => run_filename,
    ],
    lists: [
        "orig_argv" => orig_argv, "argv" => argv, "xoptions" => xoptions,
        "warnoptions" => warnoptions, "module_search_paths" => module_search_paths,
    ]
);

/// A configuration from records: the preset, then every other field set.
fn from_fields<C>(
    fields: &[(String, ConfigValue)],
    preset: fn(ConfigInit) -> C,
    set: fn(&mut C, &str, &ConfigValue) -> Result<(), Status>,
) -> Result<C, Status> {
    let mut c = preset(preset_of(fields)?);
    for (name, v) in fields.iter().filter(|(n, _)| n != "_config_init") {
        set(&mut c, name, v)?;
    }
    Ok(c)
}

impl PreConfig {
    /// A pre-configuration from records (see the module docs).
    pub fn from_fields(fields: &[(String, ConfigValue)]) -> Result<PreConfig, Status> {
        from_fields(fields, PreConfig::preset, PreConfig::set_field)
    }
}

impl Config {
    /// A configuration from records (see the module docs).
    pub fn from_fields(fields: &[(String, ConfigValue)]) -> Result<Config, Status> {
        from_fields(fields, Config::preset, Config::set_field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, ConfigValue)]) -> Vec<(String, ConfigValue)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect()
    }

    /// `as_dict`'s pairs as owned records.
    fn records(d: crate::config::ConfigDict) -> Vec<(String, ConfigValue)> {
        d.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
    }

    #[test]
    fn every_dict_field_can_be_set_back() {
        let c = Config::python();
        let back = Config::from_fields(&records(c.as_dict())).unwrap();
        assert_eq!(back.as_dict(), c.as_dict());
        let p = PreConfig::isolated();
        let back = PreConfig::from_fields(&records(p.as_dict())).unwrap();
        assert_eq!(back.as_dict(), p.as_dict());
    }

    #[test]
    fn presets_names_and_kinds() {
        let c = Config::from_fields(&fields(&[
            ("_config_init", ConfigValue::Int(3)),
            ("optimization_level", ConfigValue::Int(2)),
            ("dev_mode", ConfigValue::Bool(true)),
            ("argv", ConfigValue::List(vec!["x.py".into()])),
            ("run_command", ConfigValue::Str(Some("pass\n".into()))),
        ]))
        .unwrap();
        assert_eq!(c.config_init, ConfigInit::Isolated);
        assert_eq!((c.optimization_level, c.dev_mode, c.isolated), (2, 1, 1));
        assert_eq!(c.argv.len(), 1);
        let err = |f: &[(&str, ConfigValue)]| Config::from_fields(&fields(f)).unwrap_err();
        assert_eq!(
            err(&[("no_such", ConfigValue::Int(1))]),
            Status::error("PyInitConfig_SetInt", "unknown config option name: no_such")
        );
        assert_eq!(
            err(&[("argv", ConfigValue::Int(1))]),
            Status::error(
                "PyInitConfig_SetInt",
                "config option type is not strings list"
            )
        );
        assert_eq!(
            err(&[("verbose", ConfigValue::Str(None))]),
            Status::error("PyInitConfig_SetStr", "config option type is not int")
        );
        assert_eq!(
            err(&[("verbose", ConfigValue::Int(1 << 40))]),
            Status::error(
                "PyInitConfig_SetInt",
                "config option value is out of int range"
            )
        );
        assert!(Config::from_fields(&fields(&[("_config_init", ConfigValue::Int(7))])).is_err());
    }
}
