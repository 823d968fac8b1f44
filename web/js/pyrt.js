// pyrt — CPython's runtime core for WebAssembly, as an npm package.
//
// createRuntime() configures and initializes a Python runtime exactly as
// `python` would with the given command line and environment; run() runs
// source as __main__ in time slices, so the page's (or Node's) event loop
// keeps running: sleeping threads resume from timers, Stop buttons work,
// and no SharedArrayBuffer is needed. Python threads are emulated green
// threads with CPython's semantics.
//
// Each runtime lives in its own WebAssembly instance (the module is
// compiled once): runtimes are isolated from each other, and a runtime
// that panics is marked dead without affecting the others.

const GLUE = new URL('./pyrt_web.js', import.meta.url);
const WASM = new URL('./pyrt_web_bg.wasm', import.meta.url);

/** A runtime that panicked (a bug in pyrt) or was used after finalize(). */
export class PyrtError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PyrtError';
  }
}

const IS_NODE = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
let compiled = null;
let instances = 0;

async function readWasm(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return WebAssembly.compile(source);
  }
  const url = source ? new URL(source, import.meta.url) : WASM;
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch {
      // Served without the application/wasm type: compile the bytes.
    }
  }
  const resp = await fetch(url);
  if (!resp.ok) throw new PyrtError(`cannot load ${url}: HTTP ${resp.status}`);
  return WebAssembly.compile(await resp.arrayBuffer());
}

/**
 * Compiles the WebAssembly module ahead of the first createRuntime()
 * (optional: createRuntime() does it on first use). `source` may be a
 * URL, bytes or a WebAssembly.Module.
 */
export function preload(source) {
  if (!compiled || source) compiled = readWasm(source);
  return compiled;
}

const yieldToEventLoop = (() => {
  if (typeof setImmediate === 'function') {
    return () => new Promise((resolve) => setImmediate(resolve));
  }
  // Browsers: a message round trip (setTimeout(0) is clamped to 4 ms).
  const channel = new MessageChannel();
  const queue = [];
  channel.port1.onmessage = () => queue.shift()();
  return () =>
    new Promise((resolve) => {
      queue.push(resolve);
      channel.port2.postMessage(0);
    });
})();

function textSink(callback, fallback) {
  const decoder = new TextDecoder('utf-8');
  if (callback) return (chunk) => callback(decoder.decode(chunk, { stream: true }));
  let pending = '';
  return (chunk) => {
    pending += decoder.decode(chunk, { stream: true });
    const nl = pending.lastIndexOf('\n');
    if (nl >= 0) {
      fallback(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  };
}

const GIL_KINDS = ['take', 'drop', 'request'];
const GIL_REASONS = ['interval', 'block', 'exit', 'yield'];

/**
 * Creates a runtime configured from `argv` (the words after `python`)
 * and `env`, as CPython 3.13 reads them.
 *
 * @param {import('./pyrt').RuntimeOptions} [options]
 * @returns {Promise<Runtime>}
 */
export async function createRuntime(options = {}) {
  const {
    argv = [],
    env = {},
    cwd = '/',
    files = {},
    executable = 'python',
    stdout,
    stderr,
    onTrace,
    onGil,
    memoryLimit,
    sliceMs = 4,
    wasm,
  } = options;
  const module = await preload(wasm);
  const glue = await import(`${GLUE.href}?instance=${++instances}`);
  if (IS_NODE) {
    // The glue's async init looks at `Request`/`Response`, which makes
    // Node load its fetch implementation (~15 ms); instantiating the
    // compiled module synchronously skips that.
    glue.initSync({ module });
  } else {
    await glue.default({ module_or_path: module });
  }
  return new Runtime(glue, {
    argv: [executable, ...argv.map(String)],
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    cwd,
    files,
    stdout,
    stderr,
    onTrace,
    onGil,
    memoryLimit,
    sliceMs,
  });
}

/** A Python runtime: one interpreter, programs run in time slices. */
export class Runtime {
  #glue;
  #rt;
  #cwd;
  #dead = null;
  #panic = null;
  #running = false;
  #inSlice = false;
  #pendingInterrupt = false;
  #wake = null;
  #budget = 20000;
  #sliceMs;
  #onGil;
  #lastStatus = 0;
  #finalized = null;

  constructor(glue, o) {
    this.#glue = glue;
    this.#cwd = o.cwd.endsWith('/') ? o.cwd : `${o.cwd}/`;
    this.#sliceMs = o.sliceMs;
    this.#onGil = o.onGil ?? null;
    glue.setPanicHandler((message) => {
      this.#panic = message;
    });
    const out = textSink(o.stdout, (t) => console.log(t));
    const err = textSink(o.stderr, (t) => console.error(t));
    this.#rt = this.#call(() => new glue.PyrtRuntime(o.argv, o.env, o.cwd, out, err));
    for (const [path, data] of Object.entries(o.files)) this.writeFile(path, data);
    if (o.memoryLimit) this.#call(() => this.#rt.setMemoryLimit(o.memoryLimit));
    if (o.onTrace) this.setTrace(o.onTrace);
    if (this.#onGil) this.#call(() => this.#rt.setGilEvents(true));
  }

  /** Calls into the instance; a trap (a Rust panic) kills this runtime. */
  #call(f) {
    if (this.#dead) throw this.#dead;
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.#dead = new PyrtError(
          `pyrt panicked: ${this.#panic ?? e.message}; this runtime is dead, create a new one`,
        );
        this.#dead.cause = e;
        this.#wake?.();
        throw this.#dead;
      }
      throw e;
    }
  }

  #path(p) {
    return p.startsWith('/') ? p : this.#cwd + p;
  }

  /** True after a panic: every call throws, create a new runtime. */
  get dead() {
    return this.#dead !== null;
  }

  /** The configuration CPython would compute: `{ pre_config, config }`. */
  get config() {
    return JSON.parse(this.#call(() => this.#rt.configJson()));
  }

  /**
   * Thread names by thread id (the ids of GIL and trace events), for the
   * threads started while GIL events were recorded.
   */
  threadNames() {
    const flat = this.#call(() => this.#rt.threadNames());
    const names = new Map();
    for (let i = 0; i < flat.length; i += 2) names.set(Number(flat[i]), flat[i + 1]);
    return names;
  }

  /** Memory figures of the runtime (bytes and counts). */
  memoryStats() {
    const [used, peak, limit, arenas, allocatedBlocks] = this.#call(() => this.#rt.memoryStats());
    return { used, peak, limit: limit < 0 ? null : limit, arenas, allocatedBlocks };
  }

  /** Writes a file (string or bytes) into the runtime's file system. */
  writeFile(path, data) {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.#call(() => this.#rt.writeFile(this.#path(path), bytes));
  }

  /** Reads a file of the runtime's file system (undefined if missing). */
  readFile(path) {
    return this.#call(() => this.#rt.readFile(this.#path(path)));
  }

  /**
   * Delivers 'call', 'line', 'return' and 'exception' events of every
   * thread to `f({ event, thread, filename, name, lineno })` (null stops).
   */
  setTrace(f) {
    const cb = f
      ? (event, thread, filename, name, lineno) => f({ event, thread, filename, name, lineno })
      : undefined;
    this.#call(() => this.#rt.setTrace(cb));
  }

  /** Runs `source` as `__main__`; see RunResult. */
  run(source, { filename = '<exec>' } = {}) {
    return this.#drive(() => {
      if (!filename.startsWith('<')) this.writeFile(filename, source);
      this.#rt.startSource(source, filename);
    });
  }

  /** Runs what the command line selects (a script among `files`, -c, -m). */
  runMain() {
    return this.#drive(() => this.#rt.startMain());
  }

  async #drive(start) {
    if (this.#finalized) throw new PyrtError('the runtime was finalized');
    if (this.#running) throw new PyrtError('a program is already running in this runtime');
    this.#running = true;
    try {
      const early = this.#call(() => this.#rt.earlyExit());
      if (early !== undefined) return this.#result(early);
      this.#call(start);
      for (;;) {
        if (this.#pendingInterrupt) {
          this.#pendingInterrupt = false;
          this.#call(() => this.#rt.interrupt());
        }
        const t0 = performance.now();
        this.#inSlice = true;
        let kind, value;
        try {
          [kind, value] = this.#call(() => this.#rt.runSlice(this.#budget));
        } finally {
          this.#inSlice = false;
        }
        const dt = performance.now() - t0;
        this.#deliverGil();
        if (kind === 0) return this.#result(value);
        if (kind === 1) {
          // Keep slices near sliceMs: short enough for a responsive page
          // and a prompt Stop, long enough to amortize the round trip.
          if (dt < this.#sliceMs / 2) this.#budget = Math.min(this.#budget * 2, 1e8);
          else if (dt > this.#sliceMs) {
            this.#budget = Math.max(1000, Math.floor((this.#budget * this.#sliceMs) / dt));
          }
          await yieldToEventLoop();
        } else {
          await this.#sleep(kind === 2 ? value : Infinity);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #sleep(ms) {
    return new Promise((resolve) => {
      let timer = null;
      const done = () => {
        if (timer !== null) clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      this.#wake = done;
      if (this.#pendingInterrupt || this.#dead) return done();
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
    });
  }

  #result(exitCode) {
    this.#lastStatus = exitCode;
    const exc = this.#call(() => this.#rt.lastException());
    return {
      exitCode,
      exception: exc ? { type: exc[0], message: exc[1] } : null,
    };
  }

  #deliverGil() {
    if (!this.#onGil) return;
    const flat = this.#call(() => this.#rt.takeGilEvents());
    if (flat.length === 0) return;
    const events = [];
    for (let i = 0; i < flat.length; i += 4) {
      events.push({
        time: flat[i],
        thread: flat[i + 1],
        kind: GIL_KINDS[flat[i + 2]],
        reason: flat[i + 2] === 1 ? GIL_REASONS[flat[i + 3]] : null,
      });
    }
    this.#onGil(events);
  }

  /**
   * Raises KeyboardInterrupt in the running program's main thread — in a
   * running loop and in a sleep or lock wait alike. Returns false when no
   * program runs.
   */
  interrupt() {
    if (!this.#running || this.#dead) return false;
    // Between slices the interrupt goes in before the next one; a wait
    // ends at once.
    this.#pendingInterrupt = true;
    this.#wake?.();
    return true;
  }

  /**
   * Ends the runtime as `Py_RunMain` ends: waits for non-daemon threads,
   * runs atexit callbacks, flushes and finalizes. Returns the exit status
   * (the last program's, or 120 if flushing failed).
   */
  finalize() {
    if (this.#finalized) return this.#finalized;
    if (this.#running) throw new PyrtError('cannot finalize while a program runs (interrupt it)');
    const exitCode = this.#call(() => this.#rt.finish(this.#lastStatus));
    this.#finalized = { exitCode };
    this.#rt.free();
    return this.#finalized;
  }

  /** Panics inside the runtime (tests of the recovery path use this). */
  debugPanic() {
    this.#call(() => this.#glue.debugPanic());
  }
}
