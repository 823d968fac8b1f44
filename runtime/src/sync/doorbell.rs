//! A doorbell: one thread sleeps until another rings, and a ring while
//! nobody sleeps costs one atomic load — no lock, no system call (std's
//! `Condvar::notify_all` makes a futex call every time). The emulated
//! scheduler's thread sleeps on one when every green thread waits; wakers
//! on other OS threads (a lock released there, an interrupt) ring it.
//!
//! The rule that makes it safe: the ringer publishes its news (under a
//! lock of its own) *before* `ring`, and the sleeper announces itself
//! (`sleeping`, SeqCst) *before* it looks for news; SeqCst orders the
//! announcement and the ringer's check, so either the ringer sees the
//! sleeper and signals it, or the sleeper sees the news — never neither
//! (`loom_doorbell_never_misses_a_ring`).

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Condvar, Mutex};

#[derive(Debug, Default)]
pub(crate) struct Doorbell {
    mutex: Mutex<()>,
    cond: Condvar,
    sleeping: AtomicBool,
}

impl Doorbell {
    /// Wakes the sleeper, if one sleeps (call after publishing the news).
    pub(crate) fn ring(&self) {
        if self.sleeping.load(Ordering::SeqCst) {
            let _g = crate::loom::lock(&self.mutex);
            self.cond.notify_all();
        }
    }

    /// Sleeps until rung or until `timeout` passes, unless `news()` (looked
    /// at after announcing the sleep) already holds. May return early.
    pub(crate) fn sleep(&self, news: impl Fn() -> bool, timeout: Option<std::time::Duration>) {
        let guard = crate::loom::lock(&self.mutex);
        self.sleeping.store(true, Ordering::SeqCst);
        if !news() {
            match timeout {
                #[cfg(not(loom))]
                Some(t) => drop(
                    self.cond
                        .wait_timeout(guard, t)
                        .unwrap_or_else(|e| e.into_inner()),
                ),
                #[cfg(loom)]
                Some(_) => drop(self.cond.wait(guard).unwrap_or_else(|e| e.into_inner())),
                None => drop(self.cond.wait(guard).unwrap_or_else(|e| e.into_inner())),
            }
        } else {
            drop(guard);
        }
        self.sleeping.store(false, Ordering::SeqCst);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;

    /// A ring racing with a sleeper about to sleep is never lost: the
    /// sleeper either sees the news or is woken (a lost ring would leave
    /// it asleep: loom reports the deadlock).
    #[test]
    fn loom_doorbell_never_misses_a_ring() {
        loom::model(|| {
            let bell = Arc::new(Doorbell::default());
            let news = Arc::new(Mutex::new(false));
            let (b2, n2) = (bell.clone(), news.clone());
            let ringer = loom::thread::spawn(move || {
                *crate::loom::lock(&n2) = true;
                b2.ring();
            });
            while !*crate::loom::lock(&news) {
                bell.sleep(|| *crate::loom::lock(&news), None);
            }
            ringer.join().unwrap();
        });
    }
}
