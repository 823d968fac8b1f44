//! Lifecycle: phases, finalization order, Py_AtExit, Py_RunMain exit codes,
//! fatal error reports, re-initialization.

use std::sync::{Arc, Mutex};

use pyrt::lifecycle::{Executor, MAX_AT_EXIT_FUNCS, MainTarget, Phase, Runtime, main_with_runtime};
use pyrt::platform::{CapturedStdio, Environ, Platform, StdStream};
use pyrt::{Args, Config, PreConfig, Status};

fn runtime() -> (Runtime, Arc<CapturedStdio>) {
    let env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PATH", "/usr/bin:/bin")]);
    let (platform, out) = Platform::captured(env, Some(b"/".to_vec()));
    (Runtime::new(platform), out)
}

struct Exit(i32);

impl Executor for Exit {
    fn run_main(&mut self, _rt: &Runtime, _t: &MainTarget) -> i32 {
        self.0
    }
    fn run_interactive(&mut self, _rt: &Runtime) -> i32 {
        self.0
    }
}

fn bytes_args(words: &[&str]) -> Args {
    Args::Bytes(
        std::iter::once("/usr/bin/pyrt")
            .chain(words.iter().copied())
            .map(|w| w.as_bytes().to_vec())
            .collect(),
    )
}

#[test]
fn phases_follow_cpython() {
    let (rt, _out) = runtime();
    assert_eq!(rt.phase(), Phase::New);
    assert!(!rt.is_initialized() && !rt.is_finalizing());
    rt.pre_initialize(&PreConfig::python()).unwrap();
    assert_eq!(rt.phase(), Phase::Preinitialized);
    let mut config = Config::python();
    config.init_main = 0;
    rt.initialize_from_config(&config).unwrap();
    assert_eq!(rt.phase(), Phase::CoreInitialized);
    assert!(!rt.is_initialized());
    assert_eq!(rt.imported_modules(), vec!["_frozen_importlib", "_imp"]);
    rt.initialize_main().unwrap();
    assert!(rt.is_initialized());
    assert_eq!(rt.finalize(), 0);
    assert!(!rt.is_initialized());
    // Py_IsFinalizing() stays true after Py_FinalizeEx() returned.
    assert!(rt.is_finalizing());
    // A second finalize is harmless.
    assert_eq!(rt.finalize(), 0);
}

#[test]
fn preinitialize_twice_keeps_the_first_configuration() {
    let (rt, _out) = runtime();
    let mut pre = PreConfig::python();
    pre.utf8_mode = 1;
    rt.pre_initialize(&pre).unwrap();
    let mut other = PreConfig::python();
    other.utf8_mode = 0;
    rt.pre_initialize(&other).unwrap();
    assert_eq!(rt.preconfig().utf8_mode, 1);
}

#[test]
fn reinitialize_after_finalize() {
    let (rt, _out) = runtime();
    for round in 0..3 {
        let mut config = Config::python();
        config.verbose = round;
        rt.initialize_from_config(&config).unwrap();
        assert!(rt.is_initialized());
        assert_eq!(rt.config().unwrap().verbose, round);
        assert_eq!(rt.finalize(), 0);
        assert!(rt.config().is_none());
    }
}

#[test]
fn at_exit_runs_lifo_after_the_interpreter_and_holds_32() {
    let (rt, _out) = runtime();
    rt.initialize_from_config(&Config::python()).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    for i in 0..MAX_AT_EXIT_FUNCS {
        let log = log.clone();
        rt.at_exit(move || log.lock().unwrap().push(i)).unwrap();
    }
    // The 33rd registration fails (CPython returns -1).
    assert!(rt.at_exit(|| {}).is_err());
    assert_eq!(rt.finalize(), 0);
    let got = log.lock().unwrap().clone();
    let want: Vec<usize> = (0..MAX_AT_EXIT_FUNCS).rev().collect();
    assert_eq!(got, want);
    // The table is empty again for the next life of the runtime.
    rt.initialize_from_config(&Config::python()).unwrap();
    rt.at_exit(|| {}).unwrap();
    rt.finalize();
}

#[test]
fn run_main_exit_codes() {
    for code in [0, 1, 3, 255] {
        let (rt, _out) = runtime();
        assert_eq!(
            main_with_runtime(&rt, bytes_args(&["-c", "pass"]), &mut Exit(code)),
            code
        );
    }
}

#[test]
fn run_main_returns_120_when_flushing_stdout_fails() {
    let (rt, out) = runtime();
    rt.initialize_from_config(&Config::python()).unwrap();
    out.fail_writes_to(Some(StdStream::Stdout));
    assert_eq!(rt.run_main(&mut Exit(0)), 120);
}

#[test]
fn missing_script_and_module_errors() {
    let (rt, out) = runtime();
    let code = main_with_runtime(&rt, bytes_args(&["/nonexistent/x.py"]), &mut Exit(0));
    assert_eq!(code, 2);
    assert_eq!(
        String::from_utf8_lossy(&out.take_stderr()),
        "/usr/bin/pyrt: can't open file '/nonexistent/x.py': [Errno 2] No such file or directory\n"
    );
    let (rt, out) = runtime();
    let code = main_with_runtime(&rt, bytes_args(&["-m", "no_such_mod"]), &mut Exit(0));
    assert_eq!(code, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.take_stderr()),
        "/usr/bin/pyrt: No module named no_such_mod\n"
    );
}

#[test]
fn script_target_carries_path_and_source() {
    let dir = std::env::temp_dir().join(format!("pyrt-lifecycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("prog.py");
    std::fs::write(&script, "print('hi')\n").unwrap();
    struct Capture(Option<MainTarget>);
    impl Executor for Capture {
        fn run_main(&mut self, _rt: &Runtime, t: &MainTarget) -> i32 {
            self.0 = Some(t.clone());
            0
        }
        fn run_interactive(&mut self, _rt: &Runtime) -> i32 {
            0
        }
    }
    let (rt, _out) = runtime();
    let mut cap = Capture(None);
    let code = main_with_runtime(&rt, bytes_args(&[script.to_str().unwrap(), "a"]), &mut cap);
    assert_eq!(code, 0);
    match cap.0.unwrap() {
        MainTarget::File { path, source } => {
            assert_eq!(path.to_string(), script.to_str().unwrap());
            assert_eq!(source, b"print('hi')\n");
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fatal_error_reports() {
    let (rt, out) = runtime();
    let code = main_with_runtime(&rt, bytes_args(&["-X", "utf8=2"]), &mut Exit(0));
    assert_eq!(code, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.take_stderr()),
        "Fatal Python error: preconfig_init_utf8_mode: invalid -X utf8 option value\n\
         Python runtime state: preinitializing\n\n"
    );
    let (rt, out) = runtime();
    let code = main_with_runtime(&rt, bytes_args(&["-X", "frozen_modules=x"]), &mut Exit(0));
    assert_eq!(code, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.take_stderr()),
        "Fatal Python error: bad value for option -X frozen_modules (expected \"on\" or \"off\")\n\
         Python runtime state: preinitialized\n\n"
    );
    // With a thread state: the pending exception, then the thread dump.
    let (rt, out) = runtime();
    let code = main_with_runtime(
        &rt,
        bytes_args(&["-X", "tracemalloc=65536", "-c", "pass"]),
        &mut Exit(0),
    );
    assert_eq!(code, 1);
    let err = String::from_utf8_lossy(&out.take_stderr()).into_owned();
    assert!(
        err.starts_with(
            "Fatal Python error: init_interp_main: can't start tracemalloc\n\
         Python runtime state: core initialized\n\
         ValueError: the number of frames must be in range [1; 65535]\n\n\
         Current thread 0x"
        ),
        "{err}"
    );
    assert!(
        err.ends_with(" (most recent call first):\n  <no Python frame>\n"),
        "{err}"
    );
    assert_eq!(rt.exit_status_exception(&Status::exit(7)), 7);
}

#[test]
fn argc_argv_is_the_original_command_line() {
    let (rt, _out) = runtime();
    let code = main_with_runtime(&rt, bytes_args(&["-O", "-c", "pass", "x"]), &mut Exit(0));
    assert_eq!(code, 0);
    // Finalized: the runtime forgot it. Check during the run instead.
    let (rt, _out) = runtime();
    struct Check(Vec<String>);
    impl Executor for Check {
        fn run_main(&mut self, rt: &Runtime, _t: &MainTarget) -> i32 {
            self.0 = rt.argc_argv().iter().map(|w| w.to_string()).collect();
            0
        }
        fn run_interactive(&mut self, _rt: &Runtime) -> i32 {
            0
        }
    }
    let mut c = Check(Vec::new());
    main_with_runtime(&rt, bytes_args(&["-O", "-c", "pass", "x"]), &mut c);
    assert_eq!(c.0, ["/usr/bin/pyrt", "-O", "-c", "pass", "x"]);
}

#[test]
fn undecodable_argv_bytes_survive_as_surrogates() {
    let (rt, _out) = runtime();
    let args = Args::Bytes(vec![
        b"pyrt".to_vec(),
        b"-c".to_vec(),
        b"pass".to_vec(),
        b"\xff\xfe".to_vec(),
    ]);
    rt.pre_initialize_from_args(&PreConfig::python(), &args)
        .unwrap();
    let mut config = Config::python();
    rt.config_set_args(&mut config, &args).unwrap();
    rt.read_config(&mut config).unwrap();
    let last = config.argv.items().last().unwrap();
    assert_eq!(last.code_points().collect::<Vec<_>>(), vec![0xDCFF, 0xDCFE]);
    assert_eq!(rt.encode_locale(last), b"\xff\xfe");
}

#[test]
fn many_runtimes_in_one_process_have_separate_environments() {
    let handles: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let env = Environ::from_pairs([("PYTHONOPTIMIZE", i.to_string())]);
                let (platform, _out) = Platform::captured(env, Some(b"/".to_vec()));
                let rt = Runtime::new(platform);
                rt.initialize_from_config(&Config::python()).unwrap();
                let level = rt.config().unwrap().optimization_level;
                rt.finalize();
                level
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), i as i32);
    }
}

#[test]
fn process_wide_getters() {
    let (rt, _out) = runtime();
    assert_eq!(rt.program_name(), None);
    assert_eq!(rt.prefix(), None);
    let args = bytes_args(&["-c", "pass"]);
    rt.pre_initialize_from_args(&PreConfig::python(), &args)
        .unwrap();
    let mut config = Config::python();
    rt.config_set_args(&mut config, &args).unwrap();
    rt.initialize_from_config(&config).unwrap();
    assert_eq!(rt.program_name().unwrap().to_string(), "/usr/bin/pyrt");
    assert_eq!(rt.program_full_path().unwrap().to_string(), "/usr/bin/pyrt");
    assert_eq!(rt.prefix().unwrap().to_string(), "/usr");
    assert_eq!(rt.exec_prefix().unwrap().to_string(), "/usr");
    assert_eq!(rt.path().unwrap().to_string(), "/usr/lib/python3.13");
    assert_eq!(rt.python_home(), None);
    assert!(pyrt::lifecycle::version().starts_with("3.13.0 ("));
    assert_eq!(pyrt::lifecycle::platform(), "linux");
    assert!(pyrt::lifecycle::copyright().contains("pyrt"));
    assert!(pyrt::lifecycle::compiler().starts_with("[rustc "));
    rt.finalize();
    assert_eq!(rt.program_name(), None);
}

/// Finalization drops the memory state (pymalloc arenas included) and the
/// interpreter; a thousand cycles leave nothing behind.
#[test]
fn reinitialization_leaks_nothing() {
    let (rt, _out) = runtime();
    rt.initialize_from_config(&Config::python()).unwrap();
    let mem = std::sync::Arc::downgrade(&rt.mem());
    rt.finalize();
    assert!(
        mem.upgrade().is_none(),
        "memory state survived finalization"
    );
    for _ in 0..1000 {
        rt.initialize_from_config(&Config::python()).unwrap();
        let m = rt.mem();
        // SAFETY: single thread.
        unsafe {
            let p = m.malloc(pyrt::mem::Domain::Obj, 64);
            m.free(pyrt::mem::Domain::Obj, p);
        }
        assert!(m.stats().used <= pyrt::mem::ARENA_SIZE + 4096);
        drop(m);
        assert_eq!(rt.finalize(), 0);
    }
    assert!(rt.config().is_none());
    assert_eq!(rt.phase(), Phase::New);
}
