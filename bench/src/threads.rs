//! Thread-core benchmarks: counterparts of `gil.c`, `tss.c`, `mutex.c` and
//! `pending.c`, plus Rust-level versions of the Python-level GIL
//! measurements (`cpython-py/pingpong.py`, `fairness.py`, `convoy.py`) and
//! the emulated backend's switch cost.
//!
//! The Rust-level GIL measurements run the same thread choreography as the
//! Python scripts on real OS threads holding pyrt's GIL, with a "loop
//! iteration" standing in for a bytecode (each checks the eval breaker, as
//! the VM will). They measure the GIL's hand-off behaviour, not bytecode
//! speed; ratios within one side (convoy: with/without a CPU thread;
//! fairness: max/min) are what compare across implementations.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyrt::gil::{GIL_DROP_REQUEST_BIT, SwitchReason};
use pyrt::interp::RuntimeState;
use pyrt::lock::{Event, Lock, block_on};
use pyrt::platform::{Clock, Environ, Platform};
use pyrt::sched::{
    RunLimit, RunOutcome, SchedConfig, Scheduler, Slice, SliceExit, run_on_os_thread,
};
use pyrt::sync::PyMutex;
use pyrt::thread::{ThreadState, WaitOutcome, allow_threads, gilstate_ensure, gilstate_release};
use pyrt::tss::Tss;
use pyrt::{Config, Runtime};

use crate::report;

fn runtime() -> Runtime {
    let (platform, _out) = Platform::captured(Environ::new(), Some(b"/".to_vec()));
    let rt = Runtime::new(platform);
    rt.initialize_from_config(&Config::isolated())
        .expect("initialize");
    rt
}

fn ns_per(t0: Instant, n: usize) -> f64 {
    t0.elapsed().as_nanos() as f64 / n as f64
}

fn ensure_release(rs: &Arc<RuntimeState>) {
    let s = gilstate_ensure(rs).expect("ensure");
    gilstate_release(rs, black_box(s)).expect("release");
}

/// gil.c: SaveThread/RestoreThread and the GILState pairs.
pub fn gil(n: Option<&String>) {
    const REPS: usize = 15;
    let n: usize = n.and_then(|c| c.parse().ok()).unwrap_or(200_000);
    let rt = runtime();
    let rs = rt.runtime_state().expect("runtime state");
    let mut rsave = Vec::new();
    for _ in 0..REPS {
        let t0 = Instant::now();
        for _ in 0..n {
            let t = ThreadState::save().expect("save");
            ThreadState::restore(Some(black_box(&t))).expect("restore");
        }
        rsave.push(ns_per(t0, n));
    }
    let mut rmain = Vec::new();
    for _ in 0..REPS {
        let t0 = Instant::now();
        for _ in 0..n * 10 {
            ensure_release(&rs);
        }
        rmain.push(ns_per(t0, n * 10));
    }
    let main = ThreadState::save().expect("save");
    let rs2 = rs.clone();
    let (fresh, held, nested) = std::thread::spawn(move || {
        let rs = rs2;
        let (mut fresh, mut held, mut nested) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..REPS {
            // (a) no thread state: each ensure creates one, release deletes it.
            let m = n / 10;
            let t0 = Instant::now();
            for _ in 0..m {
                ensure_release(&rs);
            }
            fresh.push(ns_per(t0, m));
            // (b) keeps a thread state: a pair is a GIL take + drop.
            let outer = gilstate_ensure(&rs).expect("ensure");
            let sv = ThreadState::save().expect("save");
            let t0 = Instant::now();
            for _ in 0..n {
                ensure_release(&rs);
            }
            held.push(ns_per(t0, n));
            ThreadState::restore(Some(&sv)).expect("restore");
            // (c) nested, GIL held: a counter.
            let t0 = Instant::now();
            for _ in 0..n * 10 {
                ensure_release(&rs);
            }
            nested.push(ns_per(t0, n * 10));
            gilstate_release(&rs, outer).expect("release");
        }
        (fresh, held, nested)
    })
    .join()
    .expect("worker");
    ThreadState::restore(Some(&main)).expect("restore");
    println!(
        "pyrt {}, N={n}, reps={REPS} (ns per pair; median over reps)",
        pyrt::lifecycle::PYRT_VERSION
    );
    report("SaveThread+RestoreThread (main, uncontended)", "ns", &rsave);
    report("GILState Ensure+Release, main holds GIL", "ns", &rmain);
    report("GILState Ensure+Release, C thread no tstate", "ns", &fresh);
    report("GILState Ensure+Release, C thread has tstate", "ns", &held);
    report("GILState Ensure+Release, nested (GIL held)", "ns", &nested);
    rt.finalize();
}

std::thread_local! {
    static TL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// tss.c: `PyThread_tss_set`/`get` against a native thread-local.
pub fn tss(n: Option<&String>) {
    const REPS: usize = 11;
    static KEY: Tss = Tss::new();
    let n: usize = n.and_then(|c| c.parse().ok()).unwrap_or(20_000_000);
    let rt = runtime();
    KEY.create().expect("tss create");
    println!(
        "pyrt {}, N={n} per rep, reps={REPS}",
        pyrt::lifecycle::PYRT_VERSION
    );
    let lp = |label: &str, f: &dyn Fn(usize)| {
        let mut v = Vec::new();
        for _ in 0..REPS {
            let t0 = Instant::now();
            for i in 0..n {
                f(i);
            }
            v.push(ns_per(t0, n));
        }
        report(label, "ns", &v);
    };
    lp("PyThread_tss_set", &|i| {
        KEY.set(black_box(i | 1)).expect("set");
    });
    lp("PyThread_tss_get", &|_| {
        black_box(KEY.get());
    });
    lp("_Thread_local set (inline, volatile sink)", &|i| {
        TL.with(|c| c.set(black_box(i | 1)))
    });
    lp("_Thread_local get (inline, volatile sink)", &|_| {
        black_box(TL.with(std::cell::Cell::get));
    });
    lp("empty loop (volatile sink)", &|i| {
        black_box(i);
    });
    KEY.delete();
    rt.finalize();
}

/// mutex.c: `PyMutex` uncontended and contended by two threads, and the
/// lock behind `threading.Lock`.
pub fn mutex(n: Option<&String>) {
    const REPS: usize = 11;
    const NC: usize = 2_000_000;
    static PM: PyMutex = PyMutex::new();
    // Guarded by PM: relaxed load + store, so lost updates would show if
    // the mutex failed to exclude.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let bump = || {
        // mutex.c's `counter++` on a volatile long: a separate load and
        // store.
        let v = black_box(COUNTER.load(Ordering::Relaxed));
        COUNTER.store(v + 1, Ordering::Relaxed);
    };
    let n: usize = n.and_then(|c| c.parse().ok()).unwrap_or(20_000_000);
    let rt = runtime();
    let main = ThreadState::save().expect("save");
    println!(
        "pyrt {}, uncontended N={n}/rep, contended 2 threads x {NC} ops (ns per lock+unlock pair)",
        pyrt::lifecycle::PYRT_VERSION
    );
    let mut v = Vec::new();
    for _ in 0..REPS {
        let t0 = Instant::now();
        for _ in 0..n {
            PM.lock();
            bump();
            PM.unlock();
        }
        v.push(ns_per(t0, n));
    }
    report("PyMutex_Lock+Unlock uncontended", "ns", &v);
    let lock = Arc::new(Lock::new());
    let mut v = Vec::new();
    for _ in 0..REPS {
        let t0 = Instant::now();
        for _ in 0..n / 4 {
            assert!(lock.try_acquire());
            bump();
            lock.release().expect("release");
        }
        v.push(ns_per(t0, n / 4));
    }
    report("PyThread_acquire/release_lock uncontended", "ns", &v);
    let mut v = Vec::new();
    for _ in 0..5 {
        COUNTER.store(0, Ordering::Relaxed);
        let t0 = Instant::now();
        let hs: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..NC {
                        PM.lock();
                        COUNTER.store(COUNTER.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                        PM.unlock();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().expect("thread");
        }
        let dt = t0.elapsed().as_secs_f64();
        let c = COUNTER.load(Ordering::Relaxed);
        if c != 2 * NC as u64 {
            println!("COUNTER MISMATCH {c}");
        }
        v.push(2.0 * NC as f64 / dt / 1e6);
    }
    report("PyMutex contended 2 threads", "Mops/s", &v);
    ThreadState::restore(Some(&main)).expect("restore");
    rt.finalize();
}

/// pending.c: queue capacity, and the latency from `Py_AddPendingCall` to
/// the callback running in a main thread that is busy (checking the eval
/// breaker as the eval loop does) or sleeping 1 ms at a time.
pub fn pending(mode: &str) {
    const M: usize = 2000;
    let sleep_mode = mode == "sleep";
    let rt = runtime();
    let rs = rt.runtime_state().expect("runtime state");
    let main = ThreadState::current().expect("main thread state");
    println!("pyrt {}", pyrt::lifecycle::PYRT_VERSION);

    // Capacity: the main thread holds the GIL, not evaluating, while
    // another thread fills its queue.
    let count = Arc::new(AtomicU64::new(0));
    let (rs2, c2) = (rs.clone(), count.clone());
    let (ok, fail_at) = std::thread::spawn(move || {
        for i in 0..1000 {
            let c = c2.clone();
            let added = pyrt::pending::add_pending_call(
                &rs2,
                Box::new(move || {
                    c.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }),
            );
            if added.is_err() {
                return (i, i);
            }
        }
        (1000, usize::MAX)
    })
    .join()
    .expect("filler");
    println!(
        "queue capacity: {ok} calls accepted, Py_AddPendingCall returned -1 on call #{} (1-based)",
        fail_at.wrapping_add(1)
    );
    pyrt::pending::make_pending_calls(&main).expect("pending calls");
    println!(
        "after running bytecode: {} of {ok} queued callbacks ran",
        count.load(Ordering::Relaxed)
    );

    // Latency. As in pending.c the callback touches only static data (a
    // C callback is a function pointer with a `void *` argument).
    static T_ADD: [AtomicU64; M] = [const { AtomicU64::new(0) }; M];
    static T_RUN: [AtomicU64; M] = [const { AtomicU64::new(0) }; M];
    static DONE: AtomicI64 = AtomicI64::new(-1);
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    fn now() -> u64 {
        EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
    now();
    let stop = Arc::new(AtomicBool::new(false));
    let adder = {
        let (rs, stop) = (rs.clone(), stop.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let mut n = 0;
            for i in 0..M {
                std::thread::sleep(Duration::from_micros(50 + (i as u64 * 37) % 200));
                let cb = Box::new(move || {
                    T_RUN[i].store(now(), Ordering::SeqCst);
                    DONE.store(i as i64, Ordering::SeqCst);
                    Ok(())
                });
                T_ADD[i].store(now(), Ordering::SeqCst);
                if pyrt::pending::add_pending_call(&rs, cb).is_err() {
                    println!("Py_AddPendingCall returned -1 at call {i}");
                    break;
                }
                let mut gave_up = false;
                while DONE.load(Ordering::SeqCst) != i as i64 {
                    std::thread::sleep(Duration::from_micros(20));
                    if now() - T_ADD[i].load(Ordering::SeqCst) > 2_000_000_000 {
                        println!("callback {i} did not run within 2 s -> aborting latency test");
                        gave_up = true;
                        break;
                    }
                }
                if gave_up {
                    break;
                }
                n += 1;
            }
            stop.store(true, Ordering::SeqCst);
            main_interrupt(&rs);
            n
        })
    };
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        if sleep_mode {
            if main.sleep(Duration::from_millis(1)) == WaitOutcome::Interrupted {
                pyrt::pending::make_pending_calls(&main).expect("pending calls");
            }
        } else {
            i = black_box(i + 1);
            if main.eval_breaker().any() {
                pyrt::pending::make_pending_calls(&main).expect("pending calls");
                if main.eval_breaker().is_set(GIL_DROP_REQUEST_BIT) {
                    main.detach(SwitchReason::Interval).expect("detach");
                    main.attach().expect("attach");
                }
            }
        }
    }
    let n = allow_threads(|| adder.join().expect("thread"));
    println!("latency samples: {n}");
    if n >= 10 {
        let mut lat: Vec<f64> = (0..n)
            .map(|i| {
                (T_RUN[i].load(Ordering::SeqCst) as f64 - T_ADD[i].load(Ordering::SeqCst) as f64)
                    / 1e3
            })
            .collect();
        lat.sort_by(f64::total_cmp);
        println!(
            "latency add->callback, main thread in {}: median {:.2} us, p10 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2} (n={n})",
            if sleep_mode {
                "'while not stop: time.sleep(0.001)'"
            } else {
                "busy 'while not stop: i+=1'"
            },
            lat[n / 2],
            lat[n / 10],
            lat[n * 9 / 10],
            lat[n * 99 / 100],
            lat[n - 1]
        );
    }
    rt.finalize();
}

/// Wakes the main thread out of a sleep so it sees `stop`.
fn main_interrupt(rs: &Arc<RuntimeState>) {
    let _ = pyrt::pending::add_pending_call(rs, Box::new(|| Ok(())));
}

/// A CPU-bound body: counts until `stop`, yielding the GIL when asked
/// (the eval breaker check of a loop's backward jump).
fn cpu_body(
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    me: u64,
    last: Arc<AtomicU64>,
    switches: Arc<AtomicU64>,
) -> impl FnMut(&mut Slice<'_>) -> SliceExit + Send {
    let mut c = 0u64;
    let mut sw = 0u64;
    move |s: &mut Slice<'_>| {
        loop {
            if stop.load(Ordering::Relaxed) {
                count.store(c, Ordering::Relaxed);
                switches.fetch_add(sw, Ordering::Relaxed);
                return SliceExit::Finished;
            }
            c += 1;
            if last.load(Ordering::Relaxed) != me {
                last.store(me, Ordering::Relaxed);
                sw += 1;
            }
            if s.should_yield() {
                return SliceExit::Yielded;
            }
        }
    }
}

/// Rust-level pingpong.py, fairness.py and convoy.py on the OS backend,
/// and the emulated backend's switch cost.
pub fn gilsched() {
    let rt = runtime();
    let interp = rt.main_interpreter().expect("main interpreter");
    let clock: Arc<dyn Clock> = rt.platform().clock.clone();
    let main = ThreadState::current().expect("main");
    println!(
        "pyrt {} (Rust-level: a loop iteration stands in for a bytecode)",
        pyrt::lifecycle::PYRT_VERSION
    );

    // Ping-pong: two threads, two Locks, each holding the GIL while not
    // blocked.
    const N: usize = 20_000;
    let mut v = Vec::new();
    for _ in 0..7 {
        let (a, b) = (Arc::new(Lock::new()), Arc::new(Lock::new()));
        assert!(a.try_acquire() && b.try_acquire());
        let ts = interp.new_thread_state();
        let (a2, b2, clock2) = (a.clone(), b.clone(), clock.clone());
        let worker = std::thread::spawn(move || {
            ts.attach().expect("attach");
            for _ in 0..N {
                block_on(&ts, &*clock2, |now| a2.acquire(None, now)).expect("acquire");
                b2.release().expect("release");
            }
            ThreadState::delete_current().expect("delete");
        });
        let t0 = Instant::now();
        for _ in 0..N {
            a.release().expect("release");
            block_on(&main, &*clock, |now| b.acquire(None, now)).expect("acquire");
        }
        v.push(N as f64 / t0.elapsed().as_secs_f64());
        allow_threads(|| worker.join().expect("thread"));
    }
    report("ping-pong 2 threads via 2 Locks", "rt/s", &v);
    let mut v = Vec::new();
    for _ in 0..5 {
        let (e1, e2) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let ts = interp.new_thread_state();
        let (e1b, e2b, clock2) = (e1.clone(), e2.clone(), clock.clone());
        let worker = std::thread::spawn(move || {
            ts.attach().expect("attach");
            for _ in 0..N {
                block_on(&ts, &*clock2, |now| e1b.wait(None, now)).expect("wait");
                e1b.clear();
                e2b.set();
            }
            ThreadState::delete_current().expect("delete");
        });
        let t0 = Instant::now();
        for _ in 0..N {
            e1.set();
            block_on(&main, &*clock, |now| e2.wait(None, now)).expect("wait");
            e2.clear();
        }
        v.push(N as f64 / t0.elapsed().as_secs_f64());
        allow_threads(|| worker.join().expect("thread"));
    }
    report("ping-pong 2 threads via 2 Events", "rt/s", &v);

    // Fairness: 4 CPU-bound threads for 1 s, switch interval 5 ms.
    let mut ratios = Vec::new();
    let mut rates = Vec::new();
    for _ in 0..3 {
        let stop = Arc::new(AtomicBool::new(false));
        let last = Arc::new(AtomicU64::new(u64::MAX));
        let switches = Arc::new(AtomicU64::new(0));
        let counts: Vec<Arc<AtomicU64>> = (0..4).map(|_| Arc::new(AtomicU64::new(0))).collect();
        let t0 = Instant::now();
        let hs: Vec<_> = (0..4)
            .map(|me| {
                let ts = interp.new_thread_state();
                let mut body = cpu_body(
                    stop.clone(),
                    counts[me].clone(),
                    me as u64,
                    last.clone(),
                    switches.clone(),
                );
                let clock = clock.clone();
                std::thread::spawn(move || run_on_os_thread(&ts, &mut body, &*clock))
            })
            .collect();
        main.sleep(Duration::from_secs(1));
        stop.store(true, Ordering::Relaxed);
        for h in hs {
            allow_threads(|| h.join().expect("thread"));
        }
        let dt = t0.elapsed().as_secs_f64();
        let c: Vec<u64> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let ratio =
            *c.iter().max().expect("4") as f64 / (*c.iter().min().expect("4")).max(1) as f64;
        println!(
            "  counts={c:?} max/min={ratio:.3} switches/s={:.0}",
            switches.load(Ordering::Relaxed) as f64 / dt
        );
        ratios.push(ratio);
        rates.push(switches.load(Ordering::Relaxed) as f64 / dt);
    }
    report("fairness 4 CPU threads 5 ms: max/min count", "x", &ratios);
    report("fairness 4 CPU threads 5 ms: switches/s", "/s", &rates);

    // Convoy: 1000 × a blocking 200 µs wait, alone and next to a CPU-bound
    // thread.
    let io = |cpu: bool| -> f64 {
        let stop = Arc::new(AtomicBool::new(false));
        let cpu_thread = cpu.then(|| {
            let ts = interp.new_thread_state();
            let z = || Arc::new(AtomicU64::new(0));
            let mut body = cpu_body(stop.clone(), z(), 0, z(), z());
            let clock = clock.clone();
            let h = std::thread::spawn(move || run_on_os_thread(&ts, &mut body, &*clock));
            main.sleep(Duration::from_millis(20));
            h
        });
        let ts = interp.new_thread_state();
        let t0 = Instant::now();
        let h = std::thread::spawn(move || {
            ts.attach().expect("attach");
            for _ in 0..1000 {
                ts.sleep(Duration::from_micros(200));
            }
            ThreadState::delete_current().expect("delete");
        });
        allow_threads(|| h.join().expect("thread"));
        let dt = t0.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        if let Some(h) = cpu_thread {
            allow_threads(|| h.join().expect("thread"));
        }
        dt
    };
    let (mut alone, mut with, mut slow) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let a = io(false);
        let w = io(true);
        alone.push(a * 1e3);
        with.push(w * 1e3);
        slow.push(w / a);
    }
    report("convoy 1000 x sleep(0.0002), alone", "ms", &alone);
    report("convoy 1000 x sleep(0.0002), + 1 CPU thread", "ms", &with);
    report("convoy slowdown (with / alone)", "x", &slow);

    // Emulated backend: cost of one green-thread switch (two threads that
    // yield after every instruction; each yield switches to the other).
    const S: u64 = 1_000_000;
    let mut v = Vec::new();
    for _ in 0..7 {
        let sched = Scheduler::new(&interp, SchedConfig::default(), clock.clone());
        for _ in 0..2 {
            let mut left = S / 2;
            sched.spawn(Box::new(move |s: &mut Slice<'_>| {
                if left == 0 {
                    return SliceExit::Finished;
                }
                left -= 1;
                s.tick(1);
                SliceExit::Yielded
            }));
        }
        let t0 = Instant::now();
        assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
        v.push(t0.elapsed().as_nanos() as f64 / S as f64);
    }
    report("emulated switch (2 green threads)", "ns", &v);
    rt.finalize();
}

/// ir.c's thread ops, for instruction counts: `op` run `n` times.
pub fn ir(rt: &Runtime, op: &str, n: usize) {
    static KEY: Tss = Tss::new();
    static PM: PyMutex = PyMutex::new();
    let rs = rt.runtime_state().expect("runtime state");
    KEY.create().expect("tss create");
    match op {
        "save_restore" => {
            for _ in 0..n {
                let t = ThreadState::save().expect("save");
                ThreadState::restore(Some(black_box(&t))).expect("restore");
            }
        }
        "gilstate_main" => {
            for _ in 0..n {
                ensure_release(&rs);
            }
        }
        "gilstate_fresh" | "gilstate_haststate" => {
            let main = ThreadState::save().expect("save");
            let fresh = op == "gilstate_fresh";
            let rs2 = rs.clone();
            std::thread::spawn(move || {
                if fresh {
                    for _ in 0..n {
                        ensure_release(&rs2);
                    }
                } else {
                    let outer = gilstate_ensure(&rs2).expect("ensure");
                    let sv = ThreadState::save().expect("save");
                    for _ in 0..n {
                        ensure_release(&rs2);
                    }
                    ThreadState::restore(Some(&sv)).expect("restore");
                    gilstate_release(&rs2, outer).expect("release");
                }
            })
            .join()
            .expect("thread");
            ThreadState::restore(Some(&main)).expect("restore");
        }
        "tss_set" => {
            for i in 0..n {
                KEY.set(black_box(i | 1)).expect("set");
            }
        }
        "tss_get" => {
            for _ in 0..n {
                black_box(KEY.get());
            }
        }
        "pymutex" => {
            for _ in 0..n {
                PM.lock();
                PM.unlock();
            }
        }
        _ => unreachable!("checked by the caller"),
    }
    KEY.delete();
}
