//! The wasm-bindgen exports. `web/js/pyrt.js` (the npm package's entry)
//! is the only intended caller: it drives [`PyrtRuntime`] in slices from
//! the event loop.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use js_sys::{Function, Uint8Array};
use pyrt::Args;
use pyrt::gil::SwitchReason;
use pyrt::gil_log::EventKind;
use pyrt::platform::{Clock, Environ, FileSystem, MemoryFs, Platform, StdStream, Stdio};
use pyrt::vm::driver::{HostTraceEvent, SliceOutcome};
use pyrt::vm::session::Session;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;

    /// A JavaScript function called as `f(chunk: Uint8Array)`.
    type ChunkCallback;
    #[wasm_bindgen(method, js_name = call, catch)]
    fn call_chunk(this: &ChunkCallback, ctx: &JsValue, chunk: &Uint8Array) -> Result<(), JsValue>;

    /// A JavaScript function called as
    /// `f(event, threadId, filename, name, lineno)`.
    type TraceCallback;
    #[wasm_bindgen(method, js_name = call, catch)]
    fn call_trace(
        this: &TraceCallback,
        ctx: &JsValue,
        event: &JsValue,
        thread: f64,
        filename: &JsValue,
        name: &JsValue,
        lineno: u32,
    ) -> Result<(), JsValue>;

    /// A JavaScript function called as `f(message: string)`.
    type MessageCallback;
    #[wasm_bindgen(method, js_name = call, catch)]
    fn call_message(this: &MessageCallback, ctx: &JsValue, message: &str) -> Result<(), JsValue>;
}

/// The JavaScript side of one runtime: its callbacks.
#[derive(Default)]
struct Callbacks {
    stdout: Option<Function>,
    stderr: Option<Function>,
    trace: Option<Function>,
}

thread_local! {
    // wasm32-unknown-unknown without the atomics feature has one thread:
    // these are per-instance globals, keyed by runtime id.
    static CALLBACKS: RefCell<HashMap<u32, Callbacks>> = RefCell::new(HashMap::new());
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
    static PANIC_HANDLER: RefCell<Option<Function>> = const { RefCell::new(None) };
    /// JavaScript strings for names the tracer reports again and again.
    static STRINGS: RefCell<HashMap<String, JsValue>> = RefCell::new(HashMap::new());
}

fn js_str(s: &str) -> JsValue {
    STRINGS.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(v) = m.get(s) {
            return v.clone();
        }
        let v = JsValue::from_str(s);
        if m.len() < 4096 {
            m.insert(s.to_owned(), v.clone());
        }
        v
    })
}

/// `performance.now()` and `Date.now()`.
#[derive(Debug, Default)]
struct JsClock;

impl Clock for JsClock {
    fn monotonic_ns(&self) -> u64 {
        (performance_now() * 1e6) as u64
    }

    fn time_ns(&self) -> u64 {
        (date_now() * 1e6) as u64
    }
}

/// Standard streams that hand each chunk written to the runtime's
/// JavaScript callbacks.
#[derive(Debug)]
struct JsStdio {
    id: u32,
}

impl Stdio for JsStdio {
    fn write(&self, stream: StdStream, data: &[u8]) -> std::io::Result<()> {
        let f = CALLBACKS.with(|c| {
            c.borrow().get(&self.id).and_then(|cb| match stream {
                StdStream::Stdout => cb.stdout.clone(),
                StdStream::Stderr => cb.stderr.clone(),
                StdStream::Stdin => None,
            })
        });
        if let Some(f) = f {
            // A throwing callback must not unwind through the runtime's
            // frames; the text is then lost, as on a closed pipe read by
            // nobody.
            let _ = f
                .unchecked_ref::<ChunkCallback>()
                .call_chunk(&JsValue::NULL, &Uint8Array::from(data));
        }
        Ok(())
    }

    fn flush(&self, _stream: StdStream) -> std::io::Result<()> {
        Ok(())
    }

    fn read_stdin(&self, _buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }

    fn is_tty(&self, _stream: StdStream) -> bool {
        false
    }
}

/// Reports a panic to the handler the package installed (it then marks
/// the instance dead and rejects what waits on it) and to the console.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let msg = info.to_string();
        let _ = PANIC_HANDLER.try_with(|h| {
            if let Ok(h) = h.try_borrow()
                && let Some(f) = h.as_ref()
            {
                let _ = f
                    .unchecked_ref::<MessageCallback>()
                    .call_message(&JsValue::NULL, &msg);
            }
        });
    }));
}

/// Panics on purpose: the package's tests check that a panic surfaces as
/// an error and leaves a working package behind.
#[wasm_bindgen(js_name = debugPanic)]
pub fn debug_panic() {
    panic!("debugPanic() was called");
}

/// Installs the function a panic's message goes to.
#[wasm_bindgen(js_name = setPanicHandler)]
pub fn set_panic_handler(f: Option<Function>) {
    PANIC_HANDLER.with(|h| *h.borrow_mut() = f);
}

/// One Python runtime: a configured, initialized interpreter and the
/// program it runs in slices.
#[wasm_bindgen]
#[derive(Debug)]
pub struct PyrtRuntime {
    id: u32,
    session: Session,
    fs: Arc<MemoryFs>,
}

#[wasm_bindgen]
impl PyrtRuntime {
    /// Configures and initializes a runtime as `python` would with this
    /// `argv` (argv[0] is the program name) and environment (`NAME=value`
    /// entries). `stdout`/`stderr` receive each chunk written as a
    /// `Uint8Array`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        argv: Vec<String>,
        env: Vec<String>,
        cwd: String,
        stdout: Option<Function>,
        stderr: Option<Function>,
    ) -> PyrtRuntime {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        });
        CALLBACKS.with(|c| {
            c.borrow_mut().insert(
                id,
                Callbacks {
                    stdout,
                    stderr,
                    trace: None,
                },
            );
        });
        let environ = Environ::from_pairs(env.iter().map(|e| match e.split_once('=') {
            Some((k, v)) => (k.as_bytes(), v.as_bytes()),
            None => (e.as_bytes(), &b""[..]),
        }));
        let fs = Arc::new(MemoryFs::new());
        let platform = Platform {
            environ,
            cwd: Some(cwd.into_bytes()),
            stdio: Arc::new(JsStdio { id }),
            fs: fs.clone(),
            clock: Arc::new(JsClock),
            pid: None,
            cpu_count: Some(1),
            executable: None,
        };
        let args = Args::Bytes(argv.into_iter().map(String::into_bytes).collect());
        let session = Session::new(platform, args);
        PyrtRuntime { id, session, fs }
    }

    /// The exit status of a command line that ended the run during
    /// configuration (`-V`, `--help`, a bad option), if it did.
    #[wasm_bindgen(js_name = earlyExit)]
    pub fn early_exit(&self) -> Option<i32> {
        if self.session.is_initialized() {
            None
        } else {
            self.session.early_exit()
        }
    }

    /// Starts `source` as `__main__`, compiled as `filename`.
    #[wasm_bindgen(js_name = startSource)]
    pub fn start_source(&mut self, source: &str, filename: &str) {
        self.session.start_source(source.as_bytes(), filename);
    }

    /// Starts the program the command line selects (script from the
    /// in-memory files, `-c`, `-m`).
    #[wasm_bindgen(js_name = startMain)]
    pub fn start_main(&mut self) {
        self.session.start_main();
    }

    /// Runs about `budget` instructions (≤ 0: no bound). Returns
    /// `[kind, value]`: `[0, status]` finished, `[1, 0]` paused, `[2, ms]`
    /// every thread sleeps for `ms` more, `[3, 0]` every thread is blocked.
    #[wasm_bindgen(js_name = runSlice)]
    pub fn run_slice(&mut self, budget: f64) -> Vec<f64> {
        let budget = (budget > 0.0).then_some(budget as u64);
        match self.session.run_slice(budget) {
            SliceOutcome::Finished(c) => vec![0.0, f64::from(c)],
            SliceOutcome::Paused => vec![1.0, 0.0],
            SliceOutcome::Sleeping { until_ns } => {
                let now = self.session.runtime().platform().clock.monotonic_ns();
                vec![2.0, until_ns.saturating_sub(now) as f64 / 1e6]
            }
            SliceOutcome::Blocked => vec![3.0, 0.0],
        }
    }

    /// Raises KeyboardInterrupt in the main thread at the next slice.
    pub fn interrupt(&self) -> bool {
        self.session.interrupt()
    }

    /// `[type name, message]` of the exception that ended the last
    /// program, if one did.
    #[wasm_bindgen(js_name = lastException)]
    pub fn last_exception(&self) -> Option<Vec<String>> {
        self.session
            .uncaught()
            .map(|u| vec![u.type_name.clone(), u.message.clone()])
    }

    /// Ends the run as `Py_RunMain` does (atexit, flush, finalize);
    /// returns the exit status.
    pub fn finish(&mut self, status: i32) -> i32 {
        self.session.finish(status)
    }

    /// Reports trace events ('call', 'line', 'return', 'exception') of
    /// every thread to `f(event, threadId, filename, name, lineno)` (the
    /// thread state's unique id, as in GIL events);
    /// `undefined` stops.
    #[wasm_bindgen(js_name = setTrace)]
    pub fn set_trace(&mut self, f: Option<Function>) {
        let id = self.id;
        let on = f.is_some();
        CALLBACKS.with(|c| {
            if let Some(cb) = c.borrow_mut().get_mut(&id) {
                cb.trace = f;
            }
        });
        let tracer: Option<pyrt::vm::driver::HostTracer> = on.then(|| {
            Arc::new(move |e: &HostTraceEvent<'_>| {
                let f = CALLBACKS.with(|c| c.borrow().get(&id).and_then(|cb| cb.trace.clone()));
                if let Some(f) = f {
                    let _ = f.unchecked_ref::<TraceCallback>().call_trace(
                        &JsValue::NULL,
                        &js_str(e.event),
                        e.thread_id as f64,
                        &js_str(e.filename),
                        &js_str(e.name),
                        e.lineno,
                    );
                }
            }) as pyrt::vm::driver::HostTracer
        });
        self.session.set_host_tracer(tracer);
    }

    /// Starts (or stops) recording GIL events.
    #[wasm_bindgen(js_name = setGilEvents)]
    pub fn set_gil_events(&self, on: bool) {
        if let Some(i) = self.session.runtime().main_interpreter() {
            let log = i.gil().events();
            if on {
                log.enable(self.session.runtime().platform().clock.clone());
            } else {
                log.disable();
            }
        }
    }

    /// The GIL events since the last call, flat: `[timeMs, threadId,
    /// kind, reason]` per event (the thread state's unique id); kind 0 take, 1 drop, 2 drop request;
    /// reason (drops) 0 interval, 1 block, 2 exit, 3 yield.
    #[wasm_bindgen(js_name = takeGilEvents)]
    pub fn take_gil_events(&self) -> Vec<f64> {
        let Some(i) = self.session.runtime().main_interpreter() else {
            return Vec::new();
        };
        let events = i.gil().events().take_events();
        let mut out = Vec::with_capacity(events.len() * 4);
        for e in events {
            let (kind, reason) = match e.kind {
                EventKind::Take => (0.0, 0.0),
                EventKind::Drop(r) => (
                    1.0,
                    match r {
                        SwitchReason::Interval => 0.0,
                        SwitchReason::Block => 1.0,
                        SwitchReason::Exit => 2.0,
                        SwitchReason::Yield => 3.0,
                    },
                ),
                EventKind::DropRequest => (2.0, 0.0),
            };
            out.extend_from_slice(&[e.time_ns as f64 / 1e6, e.holder as f64, kind, reason]);
        }
        out
    }

    /// The names of the GIL event log's lanes, flat: `[threadId, name, …]`
    /// (thread-state ids as in GIL events; `threading` names each thread as
    /// it starts, while GIL events are recorded).
    #[wasm_bindgen(js_name = threadNames)]
    pub fn thread_names(&self) -> Vec<String> {
        let Some(i) = self.session.runtime().main_interpreter() else {
            return Vec::new();
        };
        i.gil()
            .events()
            .names()
            .into_iter()
            .flat_map(|(id, name)| [id.to_string(), name])
            .collect()
    }

    /// `_testinternalcapi.get_configs()` as JSON: `{"pre_config": …,
    /// "config": …}` (null before initialization).
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> String {
        match self.session.runtime().get_configs() {
            Some(c) => format!(
                "{{\"pre_config\": {}, \"config\": {}}}",
                pyrt::config::dict_to_json(&c.pre_config),
                pyrt::config::dict_to_json(&c.config)
            ),
            None => "null".to_owned(),
        }
    }

    /// `[used, peak, limit (-1: none), arenas, allocatedBlocks]` bytes and
    /// counts of the runtime's memory.
    #[wasm_bindgen(js_name = memoryStats)]
    pub fn memory_stats(&self) -> Vec<f64> {
        let s = self.session.runtime().mem().stats();
        vec![
            s.used as f64,
            s.peak as f64,
            s.limit.map_or(-1.0, |l| l as f64),
            s.arenas as f64,
            s.allocated_blocks as f64,
        ]
    }

    /// Caps the runtime's memory at `bytes` (≤ 0: no cap); allocations
    /// past it raise MemoryError.
    #[wasm_bindgen(js_name = setMemoryLimit)]
    pub fn set_memory_limit(&self, bytes: f64) {
        let limit = (bytes > 0.0).then_some(bytes as usize);
        self.session.runtime().mem().set_limit(limit);
    }

    /// Writes a file of the runtime's in-memory file system.
    #[wasm_bindgen(js_name = writeFile)]
    pub fn write_file(&self, path: &str, data: &[u8]) {
        let _ = self.fs.write(path.as_bytes(), data);
    }

    /// Reads a file of the in-memory file system.
    #[wasm_bindgen(js_name = readFile)]
    pub fn read_file(&self, path: &str) -> Option<Vec<u8>> {
        self.fs.read(path.as_bytes()).ok()
    }
}

impl Drop for PyrtRuntime {
    fn drop(&mut self) {
        let id = self.id;
        let _ = CALLBACKS.try_with(|c| c.borrow_mut().remove(&id));
    }
}
