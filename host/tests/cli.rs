//! The `pyrt` CLI end to end: the component in wasmtime, with `python`'s
//! command line, exit codes, files and threads.

use std::process::{Command, Output};

fn pyrt(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyrt"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("run pyrt")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pyrt-host-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn runs_a_command_and_reports_the_platform() {
    let o = pyrt(
        &["-c", "import sys; print(6 * 7, sys.platform, sys.maxsize)"],
        &tmp("cmd"),
    );
    assert_eq!(
        text(&o.stdout),
        "42 wasi 2147483647\n",
        "{}",
        text(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn exit_codes_and_tracebacks_are_cpythons() {
    let d = tmp("exit");
    let o = pyrt(&["-c", "import sys; sys.exit(3)"], &d);
    assert_eq!(o.status.code(), Some(3));
    std::fs::write(d.join("boom.py"), "def f():\n    return 1 / 0\nf()\n").expect("write");
    let o = pyrt(&["boom.py"], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("boom.py\", line 2, in f"), "{err}");
    assert!(
        err.ends_with("ZeroDivisionError: division by zero\n"),
        "{err}"
    );
}

#[test]
fn bad_options_give_pythons_usage_error() {
    let o = pyrt(&["-X", "utf8=2", "-c", "pass"], &tmp("usage"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with(
            "Fatal Python error: preconfig_init_utf8_mode: invalid -X utf8 option value"
        ),
        "{}",
        text(&o.stderr)
    );
    let o = pyrt(&["--bogus"], &tmp("usage2"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with("unknown option --bogus"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn threads_run_emulated_and_reproducibly() {
    let d = tmp("threads");
    std::fs::write(
        d.join("race.py"),
        "import sys, threading\nsys.setswitchinterval(1e-6)\nn = 0\ndef add(v):\n    return v + 1\n\
         def w():\n    global n\n    for _ in range(2000):\n        n = add(n)\n\
         ts = [threading.Thread(target=w) for _ in range(4)]\nfor t in ts: t.start()\nfor t in ts: t.join()\nprint(n)\n",
    )
    .expect("write");
    let a = pyrt(&["-X", "sched_seed=7", "race.py"], &d);
    let b = pyrt(&["-X", "sched_seed=7", "race.py"], &d);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let n: u32 = text(&a.stdout).trim().parse().expect("a number");
    assert!(n < 8000, "updates are lost in a race ({n})");
}

#[test]
fn the_working_directory_is_readable_and_writable() {
    let d = tmp("files");
    std::fs::write(d.join("main.py"), "import helper\nprint(helper.VALUE)\n").expect("write");
    std::fs::write(
        d.join("helper.py"),
        "VALUE = 'imported from the working directory'\n",
    )
    .expect("write");
    let o = pyrt(&["main.py"], &d);
    assert_eq!(
        text(&o.stdout),
        "imported from the working directory\n",
        "{}",
        text(&o.stderr)
    );
    let o = pyrt(
        &[
            "-X",
            "gil_trace=gil.json",
            "-c",
            "import threading; t = threading.Thread(target=print); t.start(); t.join()",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let trace = std::fs::read_to_string(d.join("gil.json")).expect("trace written");
    assert!(trace.starts_with("{\"traceEvents\""), "{trace}");
}

#[test]
fn threads_os_runs_python_threads_on_wasm_threads() {
    // `-X threads=os` selects the wasm32-wasip1-threads module: Python
    // threads are wasm threads spawned by the host (`wasi:thread-spawn`),
    // each an OS thread; a sleeping thread does not hold up the others.
    let src = "import threading, time\n\
               ids, lock, total = set(), threading.Lock(), [0]\n\
               def work():\n    with lock:\n        ids.add(threading.get_native_id())\n    \
               time.sleep(0.2)\n    for _ in range(1000):\n        with lock:\n            total[0] += 1\n\
               ts = [threading.Thread(target=work) for _ in range(4)]\n\
               t0 = time.monotonic()\n\
               for t in ts: t.start()\n\
               for t in ts: t.join()\n\
               print(len(ids), threading.get_native_id() not in ids, total[0], time.monotonic() - t0 < 0.6)\n";
    let o = pyrt(&["-X", "threads=os", "-c", src], &tmp("osthreads"));
    assert_eq!(text(&o.stdout), "4 True 4000 True\n", "{}", text(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn threads_os_exit_leaves_blocked_daemon_threads_behind() {
    let src = "import threading, sys\n\
               threading.Thread(target=threading.Event().wait, daemon=True).start()\n\
               print('bye')\nsys.exit(5)\n";
    let o = pyrt(&["-X", "threads=os", "-c", src], &tmp("osdaemon"));
    assert_eq!(text(&o.stdout), "bye\n", "{}", text(&o.stderr));
    assert_eq!(o.status.code(), Some(5));
}

#[test]
fn threads_os_share_one_monotonic_clock() {
    // Each wasm thread has its own WASI context; time.monotonic() must
    // still be one clock (a thread started later must not see time run
    // backwards, and a wake-up measured across threads is prompt).
    let src = "import threading, time\n\
               seen = []\n\
               ev = threading.Event()\n\
               def later():\n    time.sleep(0.1)\n    seen.append(time.monotonic())\n    ev.set()\n\
               before = time.monotonic()\n\
               t = threading.Thread(target=later)\n\
               t.start()\n\
               ev.wait()\n\
               after = time.monotonic()\n\
               t.join()\n\
               print(before <= seen[0] <= after, 0 <= after - seen[0] < 0.05)\n";
    let o = pyrt(&["-X", "threads=os", "-c", src], &tmp("osclock"));
    assert_eq!(text(&o.stdout), "True True\n", "{}", text(&o.stderr));
}

#[test]
fn deep_native_recursion_is_a_recursion_error_not_a_trap() {
    // repr() of a deeply nested list recurses in Rust; the guest gets a
    // native stack as deep as the VM's recursion guards assume, in the
    // component and on wasm threads alike.
    let src = "import threading\n\
               def deep():\n    x = []\n    for _ in range(200000):\n        x = [x]\n    try:\n        repr(x)\n    except RecursionError as e:\n        print(type(e).__name__)\n\
               deep()\n\
               t = threading.Thread(target=deep)\nt.start()\nt.join()\n";
    for mode in [&[][..], &["-X", "threads=os"][..]] {
        let mut args = mode.to_vec();
        args.extend(["-c", src]);
        let o = pyrt(&args, &tmp("deeprepr"));
        assert_eq!(
            text(&o.stdout),
            "RecursionError\nRecursionError\n",
            "{mode:?}: {}",
            text(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0));
    }
}
