//! The emulated backend (green threads), the OS backend driver, and the
//! request-style locks on both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use pyrt::lock::{Event, Lock, Step};
use pyrt::platform::{Environ, Platform};
use pyrt::sched::{
    GreenThread, RunLimit, RunOutcome, SchedConfig, Scheduler, Slice, SliceExit, Wake,
};
use pyrt::thread::ThreadState;
use pyrt::tss::Tss;
use pyrt::{Config, Runtime};

fn runtime() -> Runtime {
    let (platform, _out) = Platform::captured(
        Environ::from_pairs([("LANG", "C.UTF-8")]),
        Some(b"/".to_vec()),
    );
    let rt = Runtime::new(platform);
    rt.initialize_from_config(&Config::python()).unwrap();
    rt
}

fn scheduler(rt: &Runtime, seed: Option<u64>) -> Scheduler {
    Scheduler::new(
        &rt.main_interpreter().unwrap(),
        SchedConfig { seed },
        rt.platform().clock.clone(),
    )
}

/// Counts `n` "instructions", one at a time, into `shared`.
struct Counter {
    left: u64,
    shared: Arc<AtomicU64>,
}

impl GreenThread for Counter {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        while self.left > 0 {
            if !s.tick(1) {
                return SliceExit::Yielded;
            }
            self.left -= 1;
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
        SliceExit::Finished
    }
}

/// An increment split across three instructions (load, add, store — as
/// `x += 1` is in bytecode): a switch between the load and the store loses
/// an update.
struct Racy {
    left: u64,
    step: u8,
    value: u64,
    shared: Arc<AtomicU64>,
}

impl GreenThread for Racy {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        loop {
            if self.left == 0 {
                return SliceExit::Finished;
            }
            if !s.tick(1) {
                return SliceExit::Yielded;
            }
            match self.step {
                0 => self.value = self.shared.load(Ordering::Relaxed),
                1 => self.value += 1,
                _ => {
                    self.shared.store(self.value, Ordering::Relaxed);
                    self.left -= 1;
                }
            }
            self.step = (self.step + 1) % 3;
        }
    }
}

#[test]
fn green_threads_share_one_os_thread_and_switch_on_the_interval() {
    let rt = runtime();
    let interp = rt.main_interpreter().unwrap();
    interp.gil().set_interval_us(1); // 50 instructions per slice
    let sched = scheduler(&rt, None);
    let shared = Arc::new(AtomicU64::new(0));
    let before = interp.thread_count();
    for _ in 0..4 {
        sched.spawn(Box::new(Counter {
            left: 1000,
            shared: shared.clone(),
        }));
    }
    assert_eq!(interp.thread_count(), before + 4);
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert_eq!(shared.load(Ordering::Relaxed), 4000);
    assert_eq!(sched.instructions(), 4000);
    // Finished green threads' states are deleted.
    assert_eq!(interp.thread_count(), before);
    rt.finalize();
}

fn racy_run(seed: u64) -> (u64, Vec<pyrt::gil_log::Event>) {
    let rt = runtime();
    let interp = rt.main_interpreter().unwrap();
    interp.gil().set_interval_us(1);
    let sched = scheduler(&rt, Some(seed));
    interp.gil().events().enable(sched.clock());
    let shared = Arc::new(AtomicU64::new(0));
    for _ in 0..4 {
        sched.spawn(Box::new(Racy {
            left: 300,
            step: 0,
            value: 0,
            shared: shared.clone(),
        }));
    }
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    let events = interp.gil().events().events();
    interp.gil().events().disable();
    rt.finalize();
    // Holder ids differ between runs: renumber by first appearance.
    let mut ids = Vec::new();
    let events = events
        .into_iter()
        .map(|mut e| {
            let i = ids.iter().position(|&x| x == e.holder).unwrap_or_else(|| {
                ids.push(e.holder);
                ids.len() - 1
            });
            e.holder = i as u64;
            e.thread_ident = 0;
            e
        })
        .collect();
    (shared.load(Ordering::Relaxed), events)
}

/// Deterministic emulation: a seed gives the same result and the same GIL
/// event log on every run; other seeds give other interleavings.
#[test]
fn seeded_scheduling_is_reproducible() {
    let (r1, log1) = racy_run(7);
    let (r2, log2) = racy_run(7);
    assert_eq!(r1, r2);
    assert_eq!(log1, log2);
    assert!(
        r1 < 1200,
        "a race with a tiny interval loses updates ({r1})"
    );
    let mut outcomes = std::collections::HashSet::new();
    for seed in 0..8 {
        outcomes.insert(racy_run(seed).0);
    }
    assert!(
        outcomes.len() > 1,
        "different seeds give different results: {outcomes:?}"
    );
}

/// A body that takes a shared lock, holds it across a yield, releases it.
struct LockUser {
    lock: Arc<Lock>,
    held: Arc<AtomicUsize>,
    rounds: u32,
    holding: bool,
}

impl GreenThread for LockUser {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        if self.holding {
            assert_eq!(self.held.fetch_sub(1, Ordering::SeqCst), 1);
            self.lock.release().unwrap();
            self.holding = false;
            self.rounds -= 1;
        }
        if self.rounds == 0 {
            return SliceExit::Finished;
        }
        match self.lock.acquire(None, s.now_ns()) {
            Step::Ready(true) => {
                assert_eq!(self.held.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                self.holding = true;
                // Hold it across a switch.
                SliceExit::Yielded
            }
            Step::Ready(false) => unreachable!("no deadline"),
            Step::Wait(req) => SliceExit::Blocked(req),
        }
    }
}

#[test]
fn locks_block_and_wake_green_threads() {
    for seed in [None, Some(1), Some(2), Some(3)] {
        let rt = runtime();
        let sched = scheduler(&rt, seed);
        let lock = Arc::new(Lock::new());
        let held = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            sched.spawn(Box::new(LockUser {
                lock: lock.clone(),
                held: held.clone(),
                rounds: 20,
                holding: false,
            }));
        }
        assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
        assert!(!lock.locked());
        rt.finalize();
    }
}

#[test]
fn locks_work_across_os_threads_too() {
    let rt = runtime();
    let interp = rt.main_interpreter().unwrap();
    let main = ThreadState::save().unwrap();
    let lock = Arc::new(Lock::new());
    let held = Arc::new(AtomicUsize::new(0));
    let clock = rt.platform().clock.clone();
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let ts = interp.new_thread_state();
            let mut body = LockUser {
                lock: lock.clone(),
                held: held.clone(),
                rounds: 50,
                holding: false,
            };
            let clock = clock.clone();
            std::thread::spawn(move || pyrt::sched::run_on_os_thread(&ts, &mut body, &*clock))
        })
        .collect();
    for h in hs {
        assert!(h.join().unwrap());
    }
    assert!(!lock.locked());
    ThreadState::restore(Some(&main)).unwrap();
    rt.finalize();
}

/// Sleeps `ms` (virtual time under a seed), then records the time.
struct Sleeper {
    until: Option<u64>,
    ms: u64,
    woke_at: Arc<AtomicU64>,
}

impl GreenThread for Sleeper {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        let now = s.now_ns();
        let until = *self.until.get_or_insert(now + self.ms * 1_000_000);
        if now >= until {
            self.woke_at.store(now, Ordering::SeqCst);
            return SliceExit::Finished;
        }
        let key = self as *const Self as usize;
        SliceExit::Blocked(pyrt::sched::WaitRequest {
            key,
            validate: pyrt::sched::Validate::Always,
            deadline_ns: Some(until),
            interruptible: true,
        })
    }
}

#[test]
fn virtual_time_jumps_when_every_thread_sleeps() {
    let rt = runtime();
    let sched = scheduler(&rt, Some(42));
    let a = Arc::new(AtomicU64::new(0));
    let b = Arc::new(AtomicU64::new(0));
    sched.spawn(Box::new(Sleeper {
        until: None,
        ms: 100_000,
        woke_at: a.clone(),
    }));
    sched.spawn(Box::new(Sleeper {
        until: None,
        ms: 5_000,
        woke_at: b.clone(),
    }));
    let t = std::time::Instant::now();
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(2),
        "virtual sleeps take no real time"
    );
    assert!(b.load(Ordering::SeqCst) >= 5_000_000_000);
    assert!(a.load(Ordering::SeqCst) >= 100_000_000_000);
    rt.finalize();
}

#[test]
fn time_sliced_runs_return_to_the_host() {
    let rt = runtime();
    let sched = scheduler(&rt, None);
    let shared = Arc::new(AtomicU64::new(0));
    sched.spawn(Box::new(Counter {
        left: 1_000_000,
        shared: shared.clone(),
    }));
    let r = sched.run(RunLimit {
        instructions: Some(10_000),
        block: false,
    });
    assert_eq!(r, RunOutcome::Paused);
    assert!(shared.load(Ordering::Relaxed) >= 10_000 && shared.load(Ordering::Relaxed) < 1_000_000);
    // A sleeping program hands control back with its wake-up time.
    let woke = Arc::new(AtomicU64::new(0));
    let sched2 = scheduler(&rt, None);
    sched2.spawn(Box::new(Sleeper {
        until: None,
        ms: 50,
        woke_at: woke.clone(),
    }));
    match sched2.run(RunLimit {
        instructions: None,
        block: false,
    }) {
        RunOutcome::Sleeping { until_ns } => assert!(until_ns > rt.platform().clock.monotonic_ns()),
        other => panic!("{other:?}"),
    }
    assert_eq!(sched2.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert!(woke.load(Ordering::SeqCst) > 0);
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    rt.finalize();
}

/// Waits on an event, interruptibly; records how each wait ended.
struct Waiter {
    event: Arc<Event>,
    wakes: Arc<std::sync::Mutex<Vec<Wake>>>,
}

impl GreenThread for Waiter {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        self.wakes.lock().unwrap().push(s.wake);
        if s.wake == Wake::Interrupted {
            pyrt::pending::make_pending_calls(s.tstate).unwrap();
        }
        match self.event.wait(None, s.now_ns()) {
            Step::Ready(_) => SliceExit::Finished,
            Step::Wait(req) => SliceExit::Blocked(req),
        }
    }
}

/// Under emulation too, a pending call interrupts the main thread's wait;
/// the wait then resumes and an event set from another OS thread ends it.
#[test]
fn pending_calls_interrupt_green_waits_and_os_threads_wake_green_ones() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let main = ThreadState::current().unwrap();
    let sched = scheduler(&rt, None);
    let event = Arc::new(Event::new());
    let wakes = Arc::new(std::sync::Mutex::new(Vec::new()));
    sched.spawn_with(
        main.clone(),
        Box::new(Waiter {
            event: event.clone(),
            wakes: wakes.clone(),
        }),
    );
    let ran = Arc::new(AtomicUsize::new(0));
    let (rs2, ev2, ran2) = (rs.clone(), event.clone(), ran.clone());
    let other = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        pyrt::pending::add_pending_call(
            &rs2,
            Box::new(move || {
                ran2.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        ev2.set();
    });
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    other.join().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(
        *wakes.lock().unwrap(),
        vec![Wake::Start, Wake::Interrupted, Wake::Unparked]
    );
    // The main thread state survives its green life.
    assert!(main.is_attached() && !main.is_deleted());
    rt.finalize();
}

#[test]
fn tss_values_are_per_green_thread() {
    static KEY: Tss = Tss::new();
    KEY.create().unwrap();
    KEY.set(99).unwrap();
    let rt = runtime();
    let sched = scheduler(&rt, Some(3));
    let ok = Arc::new(AtomicUsize::new(0));
    for v in 1..=4usize {
        let ok = ok.clone();
        let mut phase = 0;
        sched.spawn(Box::new(move |s: &mut Slice<'_>| {
            phase += 1;
            match phase {
                1 => {
                    assert_eq!(KEY.get(), 0);
                    KEY.set(v).unwrap();
                    s.tick(1);
                    SliceExit::Yielded
                }
                _ => {
                    assert_eq!(KEY.get(), v);
                    ok.fetch_add(1, Ordering::SeqCst);
                    SliceExit::Finished
                }
            }
        }));
    }
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert_eq!(ok.load(Ordering::SeqCst), 4);
    assert_eq!(KEY.get(), 99, "the driver's own value is untouched");
    rt.finalize();
}

#[test]
fn green_threads_have_distinct_idents_and_current_states() {
    let rt = runtime();
    let sched = scheduler(&rt, None);
    let idents = Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..3 {
        let idents = idents.clone();
        sched.spawn(Box::new(move |s: &mut Slice<'_>| {
            let cur = ThreadState::current().unwrap();
            assert!(Arc::ptr_eq(&cur, s.tstate));
            idents.lock().unwrap().push(cur.thread_ident());
            SliceExit::Finished
        }));
    }
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    let mut v = idents.lock().unwrap().clone();
    v.sort_unstable();
    v.dedup();
    assert_eq!(v.len(), 3);
    let main = ThreadState::current().unwrap();
    assert!(!v.contains(&main.thread_ident()));
    rt.finalize();
}

/// Stress: a thousand green threads started and finished, twice; no thread
/// state is left behind.
#[test]
fn thousand_green_threads() {
    let rt = runtime();
    let interp = rt.main_interpreter().unwrap();
    let base = interp.thread_count();
    for _ in 0..2 {
        let sched = scheduler(&rt, Some(9));
        let shared = Arc::new(AtomicU64::new(0));
        for _ in 0..1000 {
            sched.spawn(Box::new(Counter {
                left: 10,
                shared: shared.clone(),
            }));
        }
        assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
        assert_eq!(shared.load(Ordering::Relaxed), 10_000);
        assert_eq!(interp.thread_count(), base);
    }
    rt.finalize();
}

/// Stress: a thousand OS threads each run a body through the OS backend.
#[test]
fn thousand_os_threads() {
    let rt = runtime();
    let interp = rt.main_interpreter().unwrap();
    let base = interp.thread_count();
    let main = ThreadState::save().unwrap();
    let shared = Arc::new(AtomicU64::new(0));
    let clock = rt.platform().clock.clone();
    for _ in 0..10 {
        let hs: Vec<_> = (0..100)
            .map(|_| {
                let ts = interp.new_thread_state();
                let mut body = Counter {
                    left: 10,
                    shared: shared.clone(),
                };
                let clock = clock.clone();
                std::thread::spawn(move || pyrt::sched::run_on_os_thread(&ts, &mut body, &*clock))
            })
            .collect();
        for h in hs {
            assert!(h.join().unwrap());
        }
    }
    assert_eq!(shared.load(Ordering::Relaxed), 10_000);
    assert_eq!(interp.thread_count(), base);
    ThreadState::restore(Some(&main)).unwrap();
    rt.finalize();
}

/// A green thread is its own GILState thread: `PyGILState_Check` holds,
/// `Ensure` finds it attached, and the debug allocator's "GIL must be
/// held" check passes for MEM and OBJ allocations.
#[test]
fn green_threads_pass_gilstate_and_debug_allocator_checks() {
    let (platform, _out) = Platform::captured(
        Environ::from_pairs([("LANG", "C.UTF-8"), ("PYTHONMALLOC", "debug")]),
        Some(b"/".to_vec()),
    );
    let rt = Runtime::new(platform);
    rt.initialize_from_config(&Config::python()).unwrap();
    let rs = rt.runtime_state().unwrap();
    let mem = rt.mem();
    let sched = scheduler(&rt, Some(5));
    let ok = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let (rs, mem, ok) = (rs.clone(), mem.clone(), ok.clone());
        let mut rounds = 0;
        sched.spawn(Box::new(move |s: &mut Slice<'_>| {
            assert!(pyrt::thread::gilstate_check(Some(&rs)));
            let g = pyrt::thread::gilstate_ensure(&rs).unwrap();
            assert_eq!(g, pyrt::thread::GilState::Locked);
            assert!(Arc::ptr_eq(
                &pyrt::thread::gilstate_this_thread(&rs).unwrap(),
                s.tstate
            ));
            pyrt::thread::gilstate_release(&rs, g).unwrap();
            // SAFETY: allocated and freed here, by the running thread.
            unsafe {
                let p = mem.malloc(pyrt::mem::Domain::Mem, 24);
                assert!(!p.is_null());
                mem.free(pyrt::mem::Domain::Mem, p);
                let q = mem.malloc(pyrt::mem::Domain::Obj, 40);
                mem.free(pyrt::mem::Domain::Obj, q);
            }
            rounds += 1;
            s.tick(1);
            if rounds == 5 {
                ok.fetch_add(1, Ordering::SeqCst);
                SliceExit::Finished
            } else {
                SliceExit::Yielded
            }
        }));
    }
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert_eq!(ok.load(Ordering::SeqCst), 3);
    // Back on the driver: its own GILState state again.
    let main = ThreadState::current().unwrap();
    assert!(Arc::ptr_eq(
        &pyrt::thread::gilstate_this_thread(&rs).unwrap(),
        &main
    ));
    rt.finalize();
}

/// Logs its name at every resume; `Waiter` waits on an event first,
/// `Setter` sets it, `Spinner` uses whole slices `slices` times.
enum Actor {
    Waiter(Arc<Event>),
    Setter(Arc<Event>),
    Spinner(u32),
}

struct Logged {
    actor: Actor,
    log: Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl GreenThread for Logged {
    fn resume(&mut self, s: &mut Slice<'_>) -> SliceExit {
        let log = |what| self.log.lock().unwrap().push(what);
        match &mut self.actor {
            Actor::Waiter(ev) => match ev.wait(None, s.now_ns()) {
                Step::Ready(_) => {
                    log("waiter woke");
                    SliceExit::Finished
                }
                Step::Wait(req) => {
                    log("waiter waits");
                    SliceExit::Blocked(req)
                }
            },
            Actor::Setter(ev) => {
                ev.set();
                log("setter set");
                SliceExit::Finished
            }
            Actor::Spinner(left) => {
                log("spinner slice");
                while s.tick(1) {}
                *left -= 1;
                if *left == 0 {
                    SliceExit::Finished
                } else {
                    SliceExit::Yielded
                }
            }
        }
    }
}

/// A thread whose wait ends runs before the threads that used up their
/// slices (the emulated anti-convoy rule): a sleeper or lock waiter beside a
/// CPU-bound thread resumes at once, not one switch interval later.
#[test]
fn woken_green_threads_run_before_threads_that_used_their_slices() {
    let rt = runtime();
    let sched = scheduler(&rt, None);
    let ev = Arc::new(Event::new());
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    for actor in [
        Actor::Waiter(ev.clone()),
        Actor::Spinner(3),
        Actor::Setter(ev.clone()),
    ] {
        sched.spawn(Box::new(Logged {
            actor,
            log: log.clone(),
        }));
    }
    assert_eq!(sched.run(RunLimit::TO_COMPLETION), RunOutcome::Done);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "waiter waits",
            "spinner slice",
            "setter set",
            // Before the spinner's next slice, though it queued first.
            "waiter woke",
            "spinner slice",
            "spinner slice",
        ]
    );
    rt.finalize();
}
