//! Embedding the component through the library: configure, run,
//! interrupt a `while True` loop, run again in the same instance.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pyrt_host::{ConfigValue, GilEventKind, Pyrt, RunConfig, Status, SwitchReason};

#[test]
fn interrupt_a_loop_then_run_again_in_the_same_instance() {
    let pyrt = Pyrt::load_default().expect("component loads");
    let run = RunConfig::new([
        "pyrt",
        "-c",
        "import sys\ntry:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    print('stopped')\n    sys.exit(7)\n",
    ]);
    let mut inst = pyrt.instantiate(&run).expect("instantiates");
    for _ in 0..2 {
        let stop = Arc::new(AtomicBool::new(false));
        let stopper = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                stop.store(true, Ordering::Release);
            })
        };
        let t0 = Instant::now();
        let code = inst.run(Some(&stop)).expect("runs");
        stopper.join().expect("stopper");
        assert_eq!(code, 7, "the program caught KeyboardInterrupt and exited 7");
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    }
}

#[test]
fn an_uncaught_interrupt_exits_130_and_run_main_gives_the_status() {
    let pyrt = Pyrt::load_default().expect("component loads");
    let mut inst = pyrt
        .instantiate(&RunConfig::new([
            "pyrt",
            "-c",
            "import time; time.sleep(60)",
        ]))
        .expect("instantiates");
    let stop = AtomicBool::new(true);
    let t0 = Instant::now();
    assert_eq!(inst.run(Some(&stop)).expect("runs"), 130);
    assert!(t0.elapsed() < Duration::from_secs(10));
    let mut inst = pyrt
        .instantiate(&RunConfig::new(["pyrt", "-c", "raise SystemExit(5)"]))
        .expect("instantiates");
    assert_eq!(inst.run_main().expect("runs"), 5);
}

#[test]
fn the_threaded_module_runs_programs_with_real_threads_from_the_library() {
    let pyrt = pyrt_host::PyrtThreaded::load_default().expect("threaded module loads");
    let src = "import threading, sys\n\
               out = []\n\
               ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n\
               for t in ts: t.start()\n\
               for t in ts: t.join()\n\
               sys.exit(sum(out))\n";
    for _ in 0..2 {
        let code = pyrt
            .run(&RunConfig::new(["pyrt", "-c", src]))
            .expect("runs");
        assert_eq!(code, 28);
    }
    // A guest error is a status, not a panic.
    let code = pyrt
        .run(&RunConfig::new([
            "pyrt",
            "-X",
            "threads=bogus",
            "-c",
            "pass",
        ]))
        .expect("runs");
    assert_ne!(code, 0);
}

#[test]
fn configuration_is_read_as_python_reads_it_or_gives_its_status() {
    let pyrt = Pyrt::load_default().expect("component loads");
    let mut run = RunConfig::new(["pyrt", "-X", "dev", "-c", "pass"]);
    run.env.push(("PYTHONHASHSEED".into(), "42".into()));
    let c = pyrt.read_config(&run).expect("host ok").expect("config");
    assert_eq!(c.get("dev_mode"), Some(&ConfigValue::Boolean(true)));
    assert_eq!(c.get("hash_seed"), Some(&ConfigValue::Integer(42)));
    assert_eq!(
        c.get("run_command"),
        Some(&ConfigValue::Text(Some("pass\n".into())))
    );
    assert!(c.pre_config.iter().any(|f| f.name == "utf8_mode"));
    let bad = pyrt
        .read_config(&RunConfig::new([
            "pyrt",
            "-X",
            "int_max_str_digits=5",
            "-c",
            "pass",
        ]))
        .expect("host ok");
    assert!(
        matches!(bad, Err(Status::Error(ref e)) if e.message.contains("int_max_str_digits")),
        "{bad:?}"
    );
    let usage = pyrt
        .read_config(&RunConfig::new(["pyrt", "-Z"]))
        .expect("host ok");
    assert!(matches!(usage, Err(Status::Exit(2))), "{usage:?}");
}

#[test]
fn an_interpreter_runs_programs_and_reports_threads_gil_and_trace_events() {
    let pyrt = Pyrt::load_default().expect("component loads");
    let mut it = pyrt
        .interpreter(&RunConfig::new(["pyrt", "-X", "sched_seed=3"]))
        .expect("host ok")
        .expect("interpreter");
    assert_eq!(it.id().expect("id"), 0);
    assert!((it.switch_interval().expect("get") - 0.005).abs() < 1e-9);
    assert!(it.set_switch_interval(0.0).expect("host ok").is_err());
    it.set_switch_interval(0.001)
        .expect("host ok")
        .expect("set");
    it.record_gil_events(true).expect("gil on");
    it.record_trace_events(true).expect("trace on");
    let src = "import threading\ndef f(n):\n    return n * 2\nts = [threading.Thread(target=f, args=(i,)) for i in range(3)]\nfor t in ts: t.start()\nfor t in ts: t.join()\n";
    assert_eq!(it.run_source(src, "prog.py", None).expect("runs"), 0);
    let gil = it.take_gil_events().expect("gil events");
    let takers: std::collections::BTreeSet<u64> = gil
        .iter()
        .filter(|e| matches!(e.kind, GilEventKind::Take))
        .map(|e| e.thread_id)
        .collect();
    assert!(takers.len() >= 4, "{gil:?}");
    assert!(
        gil.iter()
            .any(|e| matches!(e.kind, GilEventKind::Drop(SwitchReason::Exit)))
    );
    let trace = it.take_trace_events().expect("trace events");
    let calls_of_f = trace
        .iter()
        .filter(|e| e.filename == "prog.py" && e.event == "call" && e.name == "f")
        .count();
    assert_eq!(calls_of_f, 3);
    assert!(it.take_trace_events().expect("drained").is_empty());
    it.record_trace_events(false).expect("trace off");
    // Memory: stats, and a limit that turns into MemoryError.
    let m = it.memory_stats().expect("stats");
    assert!(m.used > 0 && m.peak >= m.used && m.limit.is_none(), "{m:?}");
    it.set_memory_limit(Some(m.used + (4 << 20)))
        .expect("limit");
    assert_eq!(
        it.run_source(
            "x = []\nwhile True:\n    x.append('y' * 100000)\n",
            "<mem>",
            None
        )
        .expect("runs"),
        1
    );
    assert_eq!(
        it.uncaught().expect("uncaught").map(|u| u.type_name),
        Some("MemoryError".into())
    );
    it.set_memory_limit(None).expect("no limit");
    // An asynchronous exception into a spinning thread ends it, so the
    // program (which joins it) ends.
    let src = "import threading\nready = threading.Event()\ndef spin():\n    ready.set()\n    try:\n        while True:\n            pass\n    except ValueError:\n        pass\nt = threading.Thread(target=spin)\nt.start()\nready.wait()\nt.join()\n";
    it.start_source(src, "<async>").expect("starts");
    let is_spinner =
        |t: &pyrt_host::ThreadInfo| t.name.as_deref().is_some_and(|n| n.ends_with("(spin)"));
    let mut infos = Vec::new();
    for _ in 0..1000 {
        it.run_slice(Some(10_000)).expect("slice");
        infos = it.threads().expect("threads");
        if infos.iter().any(is_spinner) {
            break;
        }
    }
    // Listed by threading's name (GIL events are being recorded).
    let spinner = infos
        .iter()
        .find(|t| is_spinner(t))
        .map(|t| t.id)
        .expect("the spinning thread is listed by name");
    assert!(
        !it.async_exception(999_999, "ValueError")
            .expect("no such thread")
    );
    assert!(it.async_exception(spinner, "ValueError").expect("sent"));
    assert_eq!(it.finish_program(None).expect("ends"), 0);
    assert_eq!(it.finalize(0).expect("finalize"), 0);
}

#[test]
fn the_threaded_module_delivers_a_stop_as_keyboard_interrupt() {
    let pyrt = pyrt_host::PyrtThreaded::load_default().expect("threaded module loads");
    let src = "import sys, time, threading\n\
               threading.Thread(target=time.sleep, args=(0.1,)).start()\n\
               try:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    pass\n\
               try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    sys.exit(7)\n";
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            for _ in 0..2 {
                std::thread::sleep(Duration::from_millis(400));
                stop.store(true, Ordering::Release);
            }
        })
    };
    let t0 = Instant::now();
    let code = pyrt
        .run_with_stop(&RunConfig::new(["pyrt", "-c", src]), Some(&stop))
        .expect("runs");
    stopper.join().expect("stopper");
    assert_eq!(code, 7);
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    // An uncaught one: status 130, which WASI's exit cannot carry.
    let stop = AtomicBool::new(true);
    let code = pyrt
        .run_with_stop(
            &RunConfig::new(["pyrt", "-c", "while True:\n    pass\n"]),
            Some(&stop),
        )
        .expect("runs");
    assert_eq!(code, 130);
}

#[test]
fn an_interpreter_configured_from_records_runs_with_them() {
    let pyrt = Pyrt::load_default().expect("component loads");
    let run = RunConfig::new(["pyrt"]);
    // Read what `python` would have, change fields, pass it back (argv is
    // already parsed: parse_argv false).
    let mut c = pyrt
        .read_config(&RunConfig::new(["pyrt", "-c", "pass", "a"]))
        .expect("host ok")
        .expect("config");
    let set = |fields: &mut Vec<pyrt_host::Field>, name: &str, value: ConfigValue| {
        let f = fields
            .iter_mut()
            .find(|f| f.name == name)
            .expect("field exists");
        f.value = value;
    };
    set(&mut c.config, "parse_argv", ConfigValue::Boolean(false));
    set(&mut c.config, "optimization_level", ConfigValue::Integer(2));
    set(
        &mut c.config,
        "int_max_str_digits",
        ConfigValue::Integer(1000),
    );
    set(
        &mut c.config,
        "argv",
        ConfigValue::TextList(vec!["prog".into(), "x".into()]),
    );
    let mut it = pyrt
        .interpreter_from_config(&run, &c)
        .expect("host ok")
        .expect("interpreter");
    assert_eq!(
        it.config().expect("config").get("optimization_level"),
        Some(&ConfigValue::Integer(2))
    );
    let check = "import sys\nassert sys.flags.optimize == 2, sys.flags\nassert sys.argv == ['prog', 'x'], sys.argv\nassert sys.get_int_max_str_digits() == 1000\n";
    assert_eq!(it.run_source(check, "<check>", None).expect("runs"), 0);
    assert_eq!(it.finalize(0).expect("finalize"), 0);
    // Only the fields given, on the isolated preset.
    let only = pyrt_host::Configs {
        pre_config: Vec::new(),
        config: vec![
            pyrt_host::Field {
                name: "_config_init".into(),
                value: ConfigValue::Integer(3),
            },
            pyrt_host::Field {
                name: "verbose".into(),
                value: ConfigValue::Integer(0),
            },
        ],
    };
    let mut it = pyrt
        .interpreter_from_config(&run, &only)
        .expect("host ok")
        .expect("interpreter");
    assert_eq!(
        it.config().expect("config").get("isolated"),
        Some(&ConfigValue::Boolean(true))
    );
    // An unknown name or a value of the wrong kind: CPython's status.
    let mut bad = only.clone();
    bad.config[1].name = "no_such_option".into();
    assert!(matches!(
        pyrt.interpreter_from_config(&run, &bad).expect("host ok"),
        Err(Status::Error(ref e)) if e.function == "PyInitConfig_SetInt"
            && e.message == "unknown config option name: no_such_option"
    ));
    let mut bad = only.clone();
    bad.config[1].value = ConfigValue::Text(Some("1".into()));
    assert!(matches!(
        pyrt.interpreter_from_config(&run, &bad).expect("host ok"),
        Err(Status::Error(ref e)) if e.message == "config option type is not int"
    ));
}
