//! Embedding the component through the library: configure, run,
//! interrupt a `while True` loop, run again in the same instance.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pyrt_host::{Pyrt, RunConfig};

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
