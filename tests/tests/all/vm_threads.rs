//! Python threads on the VM, driven by an embedder: time-sliced runs on
//! the emulated backend, the host interrupt (a Stop button) in a running
//! loop, in a sleep and in a lock wait, on both backends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyrt::lifecycle::Runtime;
use pyrt::platform::{CapturedStdio, Environ, Platform};
use pyrt::vm::driver::{SliceOutcome, VmExecutor, interrupt};
use pyrt::{Args, Config, PreConfig};

/// An initialized runtime reading `python ARGS -c pass` (the program
/// itself is started with `start_source`).
fn runtime(xoptions: &[&str]) -> (Runtime, Arc<CapturedStdio>) {
    let env = Environ::from_pairs([("LANG", "C.UTF-8"), ("PATH", "/usr/bin:/bin")]);
    let (platform, out) = Platform::captured(env, Some(b"/".to_vec()));
    let rt = Runtime::new(platform);
    let mut words: Vec<Vec<u8>> = vec![b"/usr/bin/pyrt".to_vec()];
    for x in xoptions {
        words.push(b"-X".to_vec());
        words.push(x.as_bytes().to_vec());
    }
    words.extend([b"-c".to_vec(), b"pass".to_vec()]);
    let args = Args::Bytes(words);
    rt.pre_initialize_from_args(&PreConfig::python(), &args)
        .expect("pre-init");
    let mut config = Config::python();
    rt.config_set_args(&mut config, &args).expect("args");
    rt.initialize_from_config(&config).expect("init");
    (rt, out)
}

fn text(b: Vec<u8>) -> String {
    String::from_utf8_lossy(&b).into_owned()
}

/// Runs slices of `n` instructions until the program ends; returns
/// (status, slices taken).
fn run_in_slices(ex: &mut VmExecutor, n: u64) -> (i32, usize) {
    let mut slices = 0;
    loop {
        slices += 1;
        match ex.run_slice(Some(n)) {
            SliceOutcome::Finished(c) => return (c, slices),
            SliceOutcome::Paused => {}
            SliceOutcome::Sleeping { .. } | SliceOutcome::Blocked => {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        assert!(slices < 1_000_000, "program never ended");
    }
}

const THREADS: &str = "\
import threading, sys
sys.setswitchinterval(1e-6)
out = []
lock = threading.Lock()
def work(n):
    for i in range(50):
        with lock:
            out.append(n)
ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(len(out), sorted(set(out)), threading.active_count())
";

#[test]
fn sliced_run_matches_a_whole_run_and_is_reproducible() {
    let mut outputs = Vec::new();
    // (A slice's budget counts loop bodies by their jumps' length: 300 is
    // a few iterations of each thread's loop.)
    for slice in [300u64, 50_000, u64::MAX] {
        let (rt, out) = runtime(&["threads=emulated", "sched_seed=3"]);
        let mut ex = VmExecutor::new();
        ex.start_source(&rt, THREADS.as_bytes(), "<threads>")
            .expect("started");
        let (code, slices) = run_in_slices(&mut ex, slice);
        assert_eq!(code, 0, "{}", text(out.stderr()));
        if slice == 300 {
            assert!(slices > 5, "a small budget takes several slices ({slices})");
        }
        assert_eq!(ex.finish(&rt, code), 0);
        outputs.push(text(out.stdout()));
    }
    assert_eq!(outputs[0], "150 [0, 1, 2] 1\n");
    assert!(outputs.iter().all(|o| o == &outputs[0]), "{outputs:?}");
}

#[test]
fn interrupt_stops_a_busy_loop_between_slices() {
    let (rt, out) = runtime(&["threads=emulated"]);
    let mut ex = VmExecutor::new();
    ex.start_source(&rt, b"n = 0\nwhile True:\n    n += 1\n", "<loop>")
        .expect("started");
    for _ in 0..5 {
        assert_eq!(ex.run_slice(Some(10_000)), SliceOutcome::Paused);
    }
    assert!(interrupt(&rt), "queued");
    let code = match ex.run_slice(Some(10_000)) {
        SliceOutcome::Finished(c) => c,
        other => panic!("still running: {other:?}"),
    };
    assert_eq!(code, 130);
    let err = text(out.stderr());
    assert!(err.ends_with("KeyboardInterrupt\n"), "{err}");
    assert!(err.contains("line 2, in <module>"), "{err}");
    assert!(ex.keyboard_interrupt());
    ex.finish(&rt, code);
}

#[test]
fn interrupt_ends_a_sleep_and_the_program_may_catch_it() {
    let (rt, out) = runtime(&["threads=emulated"]);
    let mut ex = VmExecutor::new();
    let src = "\
import time
try:
    time.sleep(30)
except KeyboardInterrupt:
    print('caught')
print('after')
";
    ex.start_source(&rt, src.as_bytes(), "<sleep>")
        .expect("started");
    match ex.run_slice(Some(10_000)) {
        SliceOutcome::Sleeping { until_ns } => {
            assert!(until_ns > rt.platform().clock.monotonic_ns() + 20_000_000_000);
        }
        other => panic!("not sleeping: {other:?}"),
    }
    let t0 = Instant::now();
    assert!(interrupt(&rt));
    assert_eq!(ex.run_slice(Some(10_000)), SliceOutcome::Finished(0));
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(ex.finish(&rt, 0), 0);
    assert_eq!(text(out.stdout()), "caught\nafter\n");
}

#[test]
fn every_thread_waiting_is_reported_and_interruptible() {
    let (rt, out) = runtime(&["threads=emulated"]);
    let mut ex = VmExecutor::new();
    let src = "\
import threading
l = threading.Lock()
l.acquire()
try:
    l.acquire()
except KeyboardInterrupt:
    print('interrupted wait')
";
    ex.start_source(&rt, src.as_bytes(), "<deadlock>")
        .expect("started");
    assert_eq!(ex.run_slice(None), SliceOutcome::Blocked);
    assert!(interrupt(&rt));
    assert_eq!(ex.run_slice(None), SliceOutcome::Finished(0));
    ex.finish(&rt, 0);
    assert_eq!(text(out.stdout()), "interrupted wait\n");
}

#[test]
fn os_threads_interrupt_a_sleeping_main_thread_from_the_host() {
    let (rt, out) = runtime(&["threads=os"]);
    let rt = Arc::new(rt);
    let stopper = {
        let rt = rt.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            assert!(interrupt(&rt));
        })
    };
    let mut ex = VmExecutor::new();
    let src = "\
import threading, time
def spin():
    time.sleep(0.01)
t = threading.Thread(target=spin)
t.start()
t.join()
try:
    time.sleep(30)
except KeyboardInterrupt:
    print('woken')
";
    let t0 = Instant::now();
    ex.start_source(&rt, src.as_bytes(), "<os>")
        .expect("started");
    assert_eq!(ex.run_slice(None), SliceOutcome::Finished(0));
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    stopper.join().expect("stopper");
    ex.finish(&rt, 0);
    assert_eq!(text(out.stdout()), "woken\n", "{}", text(out.stderr()));
}

#[test]
fn an_interrupt_pending_before_a_wait_ends_it_at_once() {
    // No eval-breaker check runs between the start and the sleep, so the
    // interrupt is already pending when the wait registers (it used to
    // wake the waiter while the scheduler held its lock).
    let (rt, out) = runtime(&["threads=emulated"]);
    let mut ex = VmExecutor::new();
    let src =
        "import time\ntry:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print('caught')\n";
    ex.start_source(&rt, src.as_bytes(), "<pending>")
        .expect("started");
    assert!(interrupt(&rt));
    let t0 = Instant::now();
    let mut code = None;
    for _ in 0..10 {
        match ex.run_slice(Some(10_000)) {
            SliceOutcome::Finished(c) => {
                code = Some(c);
                break;
            }
            SliceOutcome::Sleeping { .. } | SliceOutcome::Blocked => {
                std::thread::sleep(Duration::from_millis(1));
            }
            SliceOutcome::Paused => {}
        }
    }
    assert_eq!(code, Some(0));
    assert!(t0.elapsed() < Duration::from_secs(5));
    ex.finish(&rt, 0);
    assert_eq!(text(out.stdout()), "caught\n");
}
