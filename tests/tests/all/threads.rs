//! Thread states, interpreters, the GIL, GILState, pending calls, async
//! exceptions, trace hooks (OS threads).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyrt::fatal::GIL_RELEASED_MSG;
use pyrt::gil::{ASYNC_EXCEPTION_BIT, CALLS_TO_DO_BIT};
use pyrt::interp::{GilKind, InterpreterConfig};
use pyrt::pending::{self, QueueFull};
use pyrt::platform::{Environ, Platform};
use pyrt::thread::{self as th, AttachError, GilState, ThreadState, WaitOutcome};
use pyrt::trace::{Event, What};
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

#[test]
fn main_thread_state_after_init() {
    let rt = runtime();
    let ts = ThreadState::current().expect("main thread state attached");
    assert_eq!(ts.interp().id(), 0);
    assert_eq!(ts.id(), 1);
    assert!(ts.is_attached());
    assert!(ts.interp().gil().is_locked());
    let rs = rt.runtime_state().unwrap();
    assert!(Arc::ptr_eq(&rs.main_thread().unwrap(), &ts));
    let t2 = ts.interp().new_thread_state();
    assert_eq!(t2.id(), 2);
    assert!(!t2.is_attached());
    // Newest first, as PyInterpreterState_ThreadHead/PyThreadState_Next.
    assert!(Arc::ptr_eq(&ts.interp().thread_head().unwrap(), &t2));
    assert!(Arc::ptr_eq(&t2.next().unwrap(), &ts));
    assert!(ts.next().is_none());
    t2.delete().unwrap();
    rt.finalize();
    assert!(ThreadState::current().is_none());
}

#[test]
fn fatal_misuse_is_reported_with_cpythons_messages() {
    let rt = runtime();
    let ts = ThreadState::current().unwrap();
    let err = ts.attach().unwrap_err();
    assert_eq!(
        err,
        AttachError::Fatal(pyrt::fatal::FatalError {
            func: "_PyThreadState_Attach",
            msg: "non-NULL old thread state".into()
        })
    );
    let e = ts.delete().unwrap_err();
    assert_eq!(e.func, "PyThreadState_Delete");
    assert!(e.msg.ends_with(" is still current"), "{}", e.msg);
    let saved = ThreadState::save().unwrap();
    assert!(ThreadState::current().is_none());
    let e = ThreadState::get().unwrap_err();
    assert_eq!(
        (e.func, e.msg.as_str()),
        ("PyThreadState_Get", GIL_RELEASED_MSG)
    );
    let e = pyrt::interp::current_interpreter().unwrap_err();
    assert_eq!(e.func, "PyInterpreterState_Get");
    let e = ThreadState::restore(None).unwrap_err();
    assert!(matches!(e, AttachError::Fatal(f) if f.func == "PyEval_RestoreThread"));
    ThreadState::restore(Some(&saved)).unwrap();
    rt.finalize();
}

#[test]
fn gilstate_from_a_foreign_thread() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    assert!(th::gilstate_check(Some(&rs)));
    let main = ThreadState::save().unwrap();
    assert!(!th::gilstate_check(Some(&rs)));
    let rs2 = rs.clone();
    std::thread::spawn(move || {
        assert!(th::gilstate_this_thread(&rs2).is_none());
        let e = th::gilstate_release(&rs2, GilState::Unlocked).unwrap_err();
        assert_eq!(
            e.msg,
            "auto-releasing thread-state, but no thread-state for this thread"
        );
        let s1 = th::gilstate_ensure(&rs2).unwrap();
        assert_eq!(s1, GilState::Unlocked);
        assert!(th::gilstate_check(Some(&rs2)));
        let ts = ThreadState::current().unwrap();
        assert_eq!(ts.interp().id(), 0);
        assert_eq!(ts.id(), 2);
        let s2 = th::gilstate_ensure(&rs2).unwrap();
        assert_eq!(s2, GilState::Locked);
        th::gilstate_release(&rs2, s2).unwrap();
        assert!(ThreadState::current().is_some());
        th::gilstate_release(&rs2, s1).unwrap();
        // Created by Ensure: deleted by the matching Release.
        assert!(ThreadState::current().is_none());
        assert!(ts.is_deleted());
        assert!(th::gilstate_this_thread(&rs2).is_none());
    })
    .join()
    .unwrap();
    ThreadState::restore(Some(&main)).unwrap();
    // A thread state that keeps its tstate: Ensure re-attaches it.
    let s = th::gilstate_ensure(&rs).unwrap();
    assert_eq!(s, GilState::Locked);
    th::gilstate_release(&rs, s).unwrap();
    rt.finalize();
    assert!(th::gilstate_check(None));
}

#[test]
fn gilstate_release_requires_the_state_to_be_current() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let _main = ThreadState::save().unwrap();
    let e = th::gilstate_release(&rs, GilState::Unlocked).unwrap_err();
    assert_eq!(e.func, "PyGILState_Release");
    assert!(
        e.msg.starts_with("thread state 0x") && e.msg.ends_with(" must be current when releasing"),
        "{}",
        e.msg
    );
    ThreadState::restore(Some(&_main)).unwrap();
    rt.finalize();
}

#[test]
fn gil_serializes_many_threads() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let main = ThreadState::save().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let (rs, c) = (rs.clone(), counter.clone());
            std::thread::spawn(move || {
                for _ in 0..500 {
                    let s = th::gilstate_ensure(&rs).unwrap();
                    // Non-atomic read-modify-write: only safe under the GIL.
                    let v = c.load(Ordering::Relaxed);
                    std::hint::spin_loop();
                    c.store(v + 1, Ordering::Relaxed);
                    th::gilstate_release(&rs, s).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::Relaxed), 4000);
    ThreadState::restore(Some(&main)).unwrap();
    rt.finalize();
}

#[test]
fn sub_interpreters_own_or_share_the_gil() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let main_ts = ThreadState::current().unwrap();
    let sub = rt.new_interpreter(&InterpreterConfig::isolated()).unwrap();
    assert_eq!(sub.interp().id(), 1);
    assert_eq!(sub.interp().whence().describe(), "C-API");
    assert!(Arc::ptr_eq(&ThreadState::current().unwrap(), &sub));
    assert!(!main_ts.is_attached());
    assert!(!Arc::ptr_eq(sub.interp().gil(), main_ts.interp().gil()));
    // Once a sub-interpreter exists, PyGILState_Check() always says yes.
    assert!(th::gilstate_check(Some(&rs)));
    ThreadState::swap(None).unwrap();
    let legacy = rt.new_interpreter(&InterpreterConfig::legacy()).unwrap();
    assert_eq!(legacy.interp().id(), 2);
    assert!(Arc::ptr_eq(legacy.interp().gil(), main_ts.interp().gil()));
    // Head is the newest.
    let ids: Vec<i64> = rs.interpreters().iter().map(|i| i.id()).collect();
    assert_eq!(ids, vec![2, 1, 0]);
    assert_eq!(rs.interpreters()[0].next().unwrap().id(), 1);
    rt.end_interpreter(&legacy).unwrap();
    // Ending requires the state to be current, frameless and alone.
    ThreadState::swap(Some(&sub)).unwrap();
    let extra = sub.interp().new_thread_state();
    assert_eq!(
        rt.end_interpreter(&extra).unwrap_err().msg,
        "thread is not current"
    );
    assert_eq!(
        rt.end_interpreter(&sub).unwrap_err().msg,
        "not the last thread"
    );
    extra.delete().unwrap();
    sub.set_frame_depth(1);
    assert_eq!(
        rt.end_interpreter(&sub).unwrap_err().msg,
        "thread still has a frame"
    );
    sub.set_frame_depth(0);
    rt.end_interpreter(&sub).unwrap();
    assert!(ThreadState::current().is_none());
    assert_eq!(rs.interpreters().len(), 1);
    let bad = InterpreterConfig {
        check_multi_interp_extensions: false,
        ..InterpreterConfig::isolated()
    };
    let e = rt.new_interpreter(&bad).unwrap_err();
    assert_eq!(
        e.message(),
        "per-interpreter obmalloc does not support single-phase init extension modules"
    );
    assert_eq!(InterpreterConfig::isolated().gil, GilKind::Own);
    ThreadState::restore(Some(&main_ts)).unwrap();
    rt.finalize();
}

#[test]
fn finalize_ends_leftover_sub_interpreters() {
    let rt = runtime();
    let main_ts = ThreadState::current().unwrap();
    let _sub = rt.new_interpreter(&InterpreterConfig::isolated()).unwrap();
    ThreadState::swap(Some(&main_ts)).unwrap();
    let rs = rt.runtime_state().unwrap();
    assert_eq!(rs.interpreters().len(), 2);
    assert_eq!(rt.finalize(), 0);
    assert!(rs.interpreters().is_empty());
    assert!(ThreadState::current().is_none());
}

#[test]
fn pending_calls_queue_limits_and_order() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let ts = ThreadState::current().unwrap();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..32 {
        let log = log.clone();
        pending::add_pending_call(
            &rs,
            Box::new(move || {
                log.lock().unwrap().push(i);
                Ok(())
            }),
        )
        .unwrap();
    }
    assert_eq!(
        pending::add_pending_call(&rs, Box::new(|| Ok(()))),
        Err(QueueFull)
    );
    assert!(ts.eval_breaker().is_set(CALLS_TO_DO_BIT));
    pending::make_pending_calls(&ts).unwrap();
    assert_eq!(*log.lock().unwrap(), (0..32).collect::<Vec<_>>());
    assert!(!ts.eval_breaker().is_set(CALLS_TO_DO_BIT));

    // A failing call stops the pass; the rest run at the next check.
    log.lock().unwrap().clear();
    for i in 0..5 {
        let log = log.clone();
        pending::add_pending_call(
            &rs,
            Box::new(move || {
                log.lock().unwrap().push(i);
                if i == 1 {
                    Err(Box::new("boom"))
                } else {
                    Ok(())
                }
            }),
        )
        .unwrap();
    }
    let e = pending::make_pending_calls(&ts).unwrap_err();
    assert_eq!(*e.downcast::<&str>().unwrap(), "boom");
    assert_eq!(*log.lock().unwrap(), vec![0, 1]);
    assert!(ts.eval_breaker().is_set(CALLS_TO_DO_BIT));
    pending::make_pending_calls(&ts).unwrap();
    assert_eq!(*log.lock().unwrap(), vec![0, 1, 2, 3, 4]);

    // Interpreter queue: 300 entries, 100 per pass.
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..300 {
        let n = n.clone();
        pending::add_interpreter_call(
            ts.interp(),
            Box::new(move || {
                n.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }),
        )
        .unwrap();
    }
    assert_eq!(
        pending::add_interpreter_call(ts.interp(), Box::new(|| Ok(()))),
        Err(QueueFull)
    );
    for want in [100, 200, 300] {
        pending::make_pending_calls(&ts).unwrap();
        assert_eq!(n.load(Ordering::Relaxed), want);
    }
    rt.finalize();
}

#[test]
fn main_thread_only_calls_do_not_run_elsewhere() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let main = ThreadState::save().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r2 = ran.clone();
    pending::add_pending_call(
        &rs,
        Box::new(move || {
            r2.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }),
    )
    .unwrap();
    let rs2 = rs.clone();
    std::thread::spawn(move || {
        let s = th::gilstate_ensure(&rs2).unwrap();
        pending::make_pending_calls_current().unwrap();
        th::gilstate_release(&rs2, s).unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(ran.load(Ordering::Relaxed), 0);
    ThreadState::restore(Some(&main)).unwrap();
    pending::make_pending_calls_current().unwrap();
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    rt.finalize();
}

/// Beyond CPython: a pending call wakes a sleeping main thread at once.
#[test]
fn pending_call_wakes_a_sleeping_main_thread() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let ts = ThreadState::current().unwrap();
    let rs2 = rs.clone();
    let adder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let t = Instant::now();
        pending::add_pending_call(&rs2, Box::new(|| Ok(()))).unwrap();
        t
    });
    let t0 = Instant::now();
    assert_eq!(ts.sleep(Duration::from_secs(30)), WaitOutcome::Interrupted);
    let woke = Instant::now();
    let added = adder.join().unwrap();
    assert!(woke.duration_since(t0) < Duration::from_secs(5));
    assert!(
        woke.duration_since(added) < Duration::from_millis(50),
        "{:?}",
        woke.duration_since(added)
    );
    assert!(ts.is_attached(), "the GIL is held again after the sleep");
    pending::make_pending_calls(&ts).unwrap();
    assert_eq!(ts.sleep(Duration::from_millis(1)), WaitOutcome::Completed);
    rt.finalize();
}

#[test]
fn async_exception_sets_the_breaker_and_is_taken_once() {
    let rt = runtime();
    let ts = ThreadState::current().unwrap();
    ts.set_async_exc(Some(Arc::new("KeyboardInterrupt")));
    assert!(ts.eval_breaker().is_set(ASYNC_EXCEPTION_BIT));
    let e = ts.take_async_exc().unwrap();
    assert_eq!(*e.downcast_ref::<&str>().unwrap(), "KeyboardInterrupt");
    assert!(ts.take_async_exc().is_none());
    assert!(!ts.eval_breaker().is_set(ASYNC_EXCEPTION_BIT));
    ts.set_async_exc(Some(Arc::new(1)));
    ts.set_async_exc(None);
    assert!(!ts.eval_breaker().is_set(ASYNC_EXCEPTION_BIT));
    rt.finalize();
}

#[test]
fn trace_hooks_follow_cpython_rules() {
    let rt = runtime();
    let ts = ThreadState::current().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    ts.set_trace(Some(Arc::new(move |_ts: &ThreadState, e: &Event<'_>| {
        s2.lock().unwrap().push(e.what.name());
        if e.what == What::Exception {
            Err(Box::new("tracer failed"))
        } else {
            Ok(())
        }
    })));
    let frame = ();
    for what in [What::Call, What::Line, What::CCall, What::Return] {
        ts.call_hooks(&Event {
            what,
            frame: &frame,
            arg: None,
        })
        .unwrap();
    }
    // A profile-only event does not reach a trace function.
    assert_eq!(*seen.lock().unwrap(), vec!["call", "line", "return"]);
    // Inside EnterTracing nothing is delivered.
    ts.enter_tracing();
    ts.call_hooks(&Event {
        what: What::Line,
        frame: &frame,
        arg: None,
    })
    .unwrap();
    ts.leave_tracing();
    assert_eq!(seen.lock().unwrap().len(), 3);
    // A failing trace function is removed.
    assert!(
        ts.call_hooks(&Event {
            what: What::Exception,
            frame: &frame,
            arg: None
        })
        .is_err()
    );
    assert!(ts.hooks().trace.is_none());
    // All-threads variant.
    let other = ts.interp().new_thread_state();
    ts.interp()
        .set_profile_all_threads(Some(Arc::new(|_: &ThreadState, _: &Event<'_>| Ok(()))));
    assert!(other.hooks().profile.is_some() && ts.hooks().profile.is_some());
    other.delete().unwrap();
    rt.finalize();
}

#[test]
fn a_thread_waiting_for_the_gil_at_finalization_must_exit() {
    let rt = runtime();
    let rs = rt.runtime_state().unwrap();
    let main = ThreadState::current().unwrap();
    let interp = main.interp().clone();
    let daemon = interp.new_thread_state();
    let h = std::thread::spawn(move || daemon.attach());
    while interp.gil().waiters() == 0 {
        std::thread::yield_now();
    }
    drop(rs);
    assert_eq!(rt.finalize(), 0);
    assert_eq!(h.join().unwrap(), Err(AttachError::Finalizing));
}

#[test]
fn switch_interval_is_per_gil() {
    let rt = runtime();
    let ts = ThreadState::current().unwrap();
    assert_eq!(ts.interp().gil().interval_us(), 5000);
    ts.interp().gil().set_interval_us(1);
    assert_eq!(ts.interp().gil().interval_us(), 1);
    rt.finalize();
}
