//! The GIL event log: who held the GIL when, and why it changed hands.
//!
//! Recording is off by default and then costs one relaxed load per GIL
//! transition. When on, each take, drop (with its [`SwitchReason`]) and
//! drop request is appended with a timestamp from the runtime's clock
//! (virtual time under deterministic emulation, so the log of a seeded run
//! is identical every time). [`EventLog::chrome_trace_json`] renders the
//! log as Chrome trace-event JSON (open it in Perfetto or
//! `chrome://tracing`): one lane per thread, a slice per GIL tenure named
//! after the reason it ended.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::gil::SwitchReason;
use crate::loom::lock;
use crate::loom::sync::Mutex;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::platform::Clock;

/// One entry of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// Nanoseconds on the runtime clock.
    pub time_ns: u64,
    /// The thread state's holder id.
    pub holder: u64,
    /// The native thread ident (0 if unknown).
    pub thread_ident: u64,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to the GIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The thread took the GIL.
    Take,
    /// The thread dropped it.
    Drop(SwitchReason),
    /// A waiter asked the holder to drop it (after a switch interval).
    DropRequest,
}

/// The log.
pub struct EventLog {
    enabled: AtomicBool,
    inner: Mutex<LogInner>,
}

#[derive(Default)]
struct LogInner {
    clock: Option<Arc<dyn Clock>>,
    events: Vec<Event>,
    names: Vec<(u64, String)>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::new()
    }
}

impl EventLog {
    /// A disabled, empty log.
    pub fn new() -> EventLog {
        EventLog {
            enabled: AtomicBool::new(false),
            inner: Mutex::new(LogInner::default()),
        }
    }

    /// Starts recording with timestamps from `clock`.
    pub fn enable(&self, clock: Arc<dyn Clock>) {
        lock(&self.inner).clock = Some(clock);
        self.enabled.store(true, Ordering::Release);
    }

    /// Stops recording (the events stay).
    pub fn disable(&self) {
        self.enabled.store(false, Ordering::Release);
    }

    /// True while recording.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Names a lane (`threading.Thread.name`).
    pub fn set_name(&self, holder: u64, name: &str) {
        let mut inner = lock(&self.inner);
        inner.names.retain(|(h, _)| *h != holder);
        inner.names.push((holder, name.to_owned()));
    }

    #[inline]
    fn record(&self, holder: u64, thread_ident: u64, kind: EventKind) {
        if self.is_enabled() {
            self.push(holder, thread_ident, kind);
        }
    }

    #[cold]
    #[inline(never)]
    fn push(&self, holder: u64, thread_ident: u64, kind: EventKind) {
        let mut inner = lock(&self.inner);
        let time_ns = inner.clock.as_ref().map_or(0, |c| c.monotonic_ns());
        inner.events.push(Event {
            time_ns,
            holder,
            thread_ident,
            kind,
        });
    }

    #[inline]
    pub(crate) fn record_take(&self, holder: u64, ident: u64) {
        self.record(holder, ident, EventKind::Take);
    }

    #[inline]
    pub(crate) fn record_drop(&self, holder: u64, ident: u64, reason: SwitchReason) {
        self.record(holder, ident, EventKind::Drop(reason));
    }

    #[inline]
    pub(crate) fn record_request(&self, holder: u64) {
        self.record(holder, 0, EventKind::DropRequest);
    }

    /// A copy of the events so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.inner).events.clone()
    }

    /// Takes the events so far (a host draining the log between slices).
    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut lock(&self.inner).events)
    }

    /// The lane names: (holder, thread name).
    pub fn names(&self) -> Vec<(u64, String)> {
        lock(&self.inner).names.clone()
    }

    /// Forgets the events so far.
    pub fn clear(&self) {
        lock(&self.inner).events.clear();
    }

    /// The log as Chrome trace-event JSON: a complete event (`ph: X`) per
    /// GIL tenure on the holder's lane, named `GIL` with the reason it
    /// ended in `args`, and an instant event (`ph: i`) per drop request.
    pub fn chrome_trace_json(&self) -> String {
        let inner = lock(&self.inner);
        let mut out = String::from("{\"traceEvents\": [\n");
        let mut first = true;
        let mut push = |out: &mut String, s: String| {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(&s);
        };
        let name_of = |h: u64| {
            inner
                .names
                .iter()
                .find(|(x, _)| *x == h)
                .map_or_else(|| format!("thread {h}"), |(_, n)| n.clone())
        };
        let mut lanes: Vec<u64> = Vec::new();
        for e in &inner.events {
            if !lanes.contains(&e.holder) {
                lanes.push(e.holder);
            }
        }
        for h in &lanes {
            push(
                &mut out,
                format!(
                    "{{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": 1, \"tid\": {h}, \"args\": {{\"name\": {}}}}}",
                    json_string(&name_of(*h))
                ),
            );
        }
        let mut open: Vec<(u64, u64)> = Vec::new();
        for e in &inner.events {
            let us = |ns: u64| format!("{}.{:03}", ns / 1000, ns % 1000);
            match e.kind {
                EventKind::Take => open.push((e.holder, e.time_ns)),
                EventKind::Drop(reason) => {
                    if let Some(i) = open.iter().position(|(h, _)| *h == e.holder) {
                        let (_, start) = open.remove(i);
                        push(
                            &mut out,
                            format!(
                                "{{\"ph\": \"X\", \"name\": \"GIL\", \"pid\": 1, \"tid\": {}, \"ts\": {}, \"dur\": {}, \"args\": {{\"released\": \"{}\"}}}}",
                                e.holder,
                                us(start),
                                us(e.time_ns.saturating_sub(start)),
                                reason.name()
                            ),
                        );
                    }
                }
                EventKind::DropRequest => push(
                    &mut out,
                    format!(
                        "{{\"ph\": \"i\", \"name\": \"drop request\", \"s\": \"t\", \"pid\": 1, \"tid\": {}, \"ts\": {}}}",
                        e.holder,
                        us(e.time_ns)
                    ),
                ),
            }
        }
        out.push_str("\n], \"displayTimeUnit\": \"ms\"}\n");
        out
    }
}

fn json_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::platform::ManualClock;

    #[test]
    fn chrome_trace_has_one_slice_per_tenure() {
        let log = EventLog::new();
        log.record_take(1, 0);
        assert!(log.events().is_empty(), "disabled log records nothing");
        let clock = Arc::new(ManualClock::new(0));
        log.enable(clock.clone());
        log.set_name(1, "MainThread");
        log.record_take(1, 0);
        clock.advance(5000);
        log.record_request(1);
        log.record_drop(1, 0, SwitchReason::Interval);
        log.record_take(2, 0);
        clock.advance(1500);
        log.record_drop(2, 0, SwitchReason::Block);
        let json = log.chrome_trace_json();
        assert!(json.contains("\"args\": {\"name\": \"MainThread\"}"));
        assert!(json.contains(
            "\"tid\": 1, \"ts\": 0.000, \"dur\": 5.000, \"args\": {\"released\": \"interval\"}"
        ));
        assert!(json.contains(
            "\"tid\": 2, \"ts\": 5.000, \"dur\": 1.500, \"args\": {\"released\": \"block\"}"
        ));
        assert!(json.contains("\"name\": \"drop request\""));
        assert_eq!(log.events().len(), 5);
    }
}
