//! Configuration cases recorded from CPython 3.13, run in process.

use pyrt::config::{ConfigDict, ConfigValue, Locale};
use pyrt::platform::{Environ, Platform};
use pyrt::{Config, PreConfig, Runtime};
use pyrt_conformance::config_cases::{load_deviations, run_file};
use serde_json::Value;

use crate::data;

fn run_cases(file: &str) {
    let path = data(file);
    let devs = load_deviations(&data("config/deviations.jsonl")).unwrap();
    let report = run_file(&path, &devs).unwrap();
    let mut msg = String::new();
    for (id, problems) in &report.failed {
        msg.push_str(&format!("FAIL {id}\n"));
        for p in problems.iter().take(8) {
            msg.push_str(&format!("  {p}\n"));
        }
    }
    assert!(report.failed.is_empty(), "{msg}{}", report.summary());
    assert!(report.passed > 0);
}

/// The 141 cases of `shared/conformance/config/visible.jsonl`.
#[test]
fn visible_cases_match_cpython() {
    run_cases("config/visible.jsonl");
}

/// Cases written for pyrt with `config_oracle.py --generate`
/// (`data/config/pyrt_specs.jsonl`): option scanning quirks, error
/// precedence, flag variables, locales, warnings options.
#[test]
fn pyrt_cases_match_cpython() {
    run_cases("config/pyrt_cases.jsonl");
}

fn embed_defaults() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("config/embed_defaults.json")).unwrap())
        .unwrap()
}

fn to_json(d: &ConfigDict) -> serde_json::Map<String, Value> {
    d.iter()
        .map(|(k, v)| {
            let v = match v {
                ConfigValue::Int(i) => Value::from(*i),
                ConfigValue::Bool(b) => Value::from(*b),
                ConfigValue::Str(None) => Value::Null,
                ConfigValue::Str(Some(s)) => Value::from(s.to_string()),
                ConfigValue::List(l) => {
                    Value::Array(l.iter().map(|s| Value::from(s.to_string())).collect())
                }
            };
            ((*k).to_owned(), v)
        })
        .collect()
}

fn assert_dict_eq(label: &str, got: &ConfigDict, want: &Value) {
    let got = to_json(got);
    let want = want.as_object().unwrap();
    for (k, v) in want {
        assert_eq!(got.get(k), Some(v), "{label}: field {k}");
    }
    assert_eq!(got.len(), want.len(), "{label}: field count");
}

/// `PyPreConfig_Init*Config` and `PyConfig_Init*Config` raw values, as
/// the embedding probe recorded them (`embed_defaults.json`).
#[test]
fn presets_match_cpython_raw_defaults() {
    let d = embed_defaults();
    assert_dict_eq(
        "preconfig python",
        &PreConfig::python().as_dict(),
        &d["preconfig_python_raw"],
    );
    assert_dict_eq(
        "preconfig isolated",
        &PreConfig::isolated().as_dict(),
        &d["preconfig_isolated_raw"],
    );
    assert_dict_eq(
        "config python",
        &Config::python().as_dict(),
        &d["config_python_raw"]["config"],
    );
    assert_dict_eq(
        "config isolated",
        &Config::isolated().as_dict(),
        &d["config_isolated_raw"]["config"],
    );
}

/// `PyConfig_Read()` of each preset with no argv, in the probe's
/// environment (`LANG=C.UTF-8`; the isolated preset keeps the C locale).
#[test]
fn read_presets_match_cpython() {
    let d = embed_defaults();
    for (config, key) in [
        (Config::python(), "config_python_read"),
        (Config::isolated(), "config_isolated_read"),
    ] {
        let env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PATH", "/usr/bin:/bin")]);
        let (platform, _out) = Platform::captured(env, Some(b"/".to_vec()));
        let rt = Runtime::new(platform);
        let mut config = config;
        rt.read_config(&mut config).unwrap();
        assert_dict_eq(key, &config.as_dict(), &d[key]["config"]);
    }
}

/// After initialization with no argv, the path-independent fields match
/// the running interpreters the probe recorded.
#[test]
fn initialized_presets_match_cpython_running_values() {
    let d = embed_defaults();
    for (config, key) in [
        (Config::python(), "running_python"),
        (Config::isolated(), "running_isolated"),
    ] {
        let env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PATH", "/usr/bin:/bin")]);
        let (platform, _out) = Platform::captured(env, Some(b"/".to_vec()));
        let rt = Runtime::new(platform);
        rt.initialize_from_config(&config).unwrap();
        let got = rt.get_configs().unwrap();
        let want = &d[key]["config"];
        let got_pre = to_json(&got.pre_config);
        for (k, v) in want["pre_config"].as_object().unwrap() {
            assert_eq!(got_pre.get(k), Some(v), "{key} pre_config.{k}");
        }
        let got_cfg = to_json(&got.config);
        // Path fields describe CPython's install; pyrt's layout differs.
        let path_fields = [
            "executable",
            "base_executable",
            "prefix",
            "base_prefix",
            "exec_prefix",
            "base_exec_prefix",
            "stdlib_dir",
            "module_search_paths",
            "sys_path_0",
        ];
        for (k, v) in want["config"].as_object().unwrap() {
            if !path_fields.contains(&k.as_str()) {
                assert_eq!(got_cfg.get(k), Some(v), "{key} config.{k}");
            }
        }
        let gc = to_json(&got.global_config);
        for (k, v) in want["global_config"].as_object().unwrap() {
            assert_eq!(gc.get(k), Some(v), "{key} global_config.{k}");
        }
        rt.finalize();
    }
}

#[test]
fn locale_model_reports_glibc_names() {
    assert_eq!(Locale::lookup("POSIX").unwrap().name, "C");
    assert!(Locale::lookup("tlh_US").is_none());
}
