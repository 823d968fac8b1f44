//! Property: any command line and environment — arbitrary bytes included —
//! yields a configuration or CPython's error, never a panic.

use proptest::prelude::*;
use pyrt::lifecycle::{Executor, MainTarget, Runtime, main_with_runtime};
use pyrt::platform::{Environ, Platform};
use pyrt::{Args, Config, WString};

/// Pieces that exercise the scanner and the variable parsers.
const WORDS: &[&str] = &[
    "-c",
    "-m",
    "-W",
    "-X",
    "-E",
    "-I",
    "-O",
    "-OO",
    "-b",
    "-bb",
    "-B",
    "-d",
    "-i",
    "-P",
    "-q",
    "-R",
    "-s",
    "-S",
    "-u",
    "-v",
    "-V",
    "-VV",
    "-x",
    "-h",
    "-?",
    "-J",
    "-Z",
    "--",
    "-",
    "--help",
    "--version",
    "--help-env",
    "--help-xoptions",
    "--help-all",
    "--check-hash-based-pycs",
    "always",
    "sometimes",
    "dev",
    "utf8",
    "utf8=0",
    "utf8=1",
    "utf8=2",
    "int_max_str_digits=",
    "int_max_str_digits=639",
    "int_max_str_digits=4300",
    "tracemalloc",
    "tracemalloc=70000",
    "cpu_count=0",
    "cpu_count=default",
    "frozen_modules=off",
    "gil=0",
    "gil=1",
    "pycache_prefix=",
    "importtime",
    "pass",
    "x.py",
    "error",
    "ignore::UserWarning",
    "-b-",
    "-Xdev",
    "-Wd",
    "-cpass",
    "-mjson",
    "-bEsB",
    "-OqS",
    "",
];

const VARS: &[&str] = &[
    "PYTHONHASHSEED",
    "PYTHONMALLOC",
    "PYTHONUTF8",
    "PYTHONDEVMODE",
    "PYTHONOPTIMIZE",
    "PYTHONVERBOSE",
    "PYTHONWARNINGS",
    "PYTHONIOENCODING",
    "PYTHONINTMAXSTRDIGITS",
    "PYTHONTRACEMALLOC",
    "PYTHON_CPU_COUNT",
    "PYTHON_FROZEN_MODULES",
    "PYTHON_GIL",
    "PYTHONCOERCECLOCALE",
    "PYTHONSAFEPATH",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONPLATLIBDIR",
    "PYTHONPYCACHEPREFIX",
    "PYTHONINSPECT",
    "PYTHONUNBUFFERED",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "PYTHONPERFSUPPORT",
    "PYTHONMALLOCSTATS",
    "PYTHONFAULTHANDLER",
    "PATH",
];

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "2",
    "-1",
    " 42",
    "4294967296",
    "random",
    "debug",
    "malloc",
    "mimalloc",
    "bogus",
    "warn",
    "C",
    "POSIX",
    "C.UTF-8",
    "default",
    "on",
    "off",
    "latin-1:replace",
    ":",
    "a,b,,c",
    "/tmp",
    "yes",
    "65536",
];

fn word() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(|w| w.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::sample::select(VALUES).prop_map(|w| w.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

struct Recorder(bool);

impl Executor for Recorder {
    fn run_main(&mut self, rt: &Runtime, _target: &MainTarget) -> i32 {
        self.0 = rt.get_configs().is_some();
        0
    }
    fn run_interactive(&mut self, rt: &Runtime) -> i32 {
        self.0 = rt.get_configs().is_some();
        0
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// The whole `python` startup: a configuration (the program runs) or
    /// one of CPython's outcomes: exit 0 (help/version), 1 (fatal error),
    /// 2 (usage error, missing script).
    #[test]
    fn any_argv_and_env_give_a_config_or_cpythons_error(
        argv in proptest::collection::vec(word(), 0..8),
        env in proptest::collection::vec((proptest::sample::select(VARS), value()), 0..6),
    ) {
        let environ = Environ::from_pairs(env.iter().map(|(k, v)| (k.as_bytes(), v.as_slice())));
        let (platform, out) = Platform::captured(environ, Some(b"/nonexistent-cwd".to_vec()));
        let rt = Runtime::new(platform);
        let mut full = vec![b"/usr/bin/pyrt".to_vec()];
        full.extend(argv);
        let mut rec = Recorder(false);
        let code = main_with_runtime(&rt, Args::Bytes(full), &mut rec);
        prop_assert!(matches!(code, 0..=2), "exit {code}");
        if code == 1 && !rec.0 {
            // A fatal error, a missing module or a directory without
            // __main__.py names its cause.
            let err = String::from_utf8_lossy(&out.stderr()).into_owned();
            prop_assert!(
                err.contains("Fatal Python error: ")
                    || err.contains("No module named")
                    || err.contains("can't find '__main__' module in "),
                "{err}"
            );
        }
        if code == 2 {
            let err = String::from_utf8_lossy(&out.stderr()).into_owned();
            prop_assert!(err.contains("usage: ") || err.contains("can't open file"), "{err}");
        }
    }

    /// `PyConfig_Read()` is idempotent: reading an already read
    /// configuration changes nothing (arguments are parsed once).
    #[test]
    fn reading_twice_changes_nothing(argv in proptest::collection::vec(word(), 0..6)) {
        let (platform, _out) = Platform::captured(Environ::from_pairs([("LANG", "C.UTF-8")]), Some(b"/".to_vec()));
        let rt = Runtime::new(platform);
        let mut config = Config::python();
        let mut full = vec![WString::from("python3")];
        full.extend(argv.iter().map(|a| WString::decode_utf8_surrogateescape(a)));
        if rt.config_set_args(&mut config, &Args::Wide(full)).is_err() {
            return Ok(());
        }
        if rt.read_config(&mut config).is_ok() {
            let once = config.clone();
            prop_assert!(rt.read_config(&mut config).is_ok());
            prop_assert_eq!(once, config);
        }
    }
}
