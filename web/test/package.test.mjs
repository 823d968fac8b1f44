// Node's test runner against the built npm package (web/dist/pkg):
//   node --test web/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';

const { createRuntime, PyrtError } = await import(
  process.env.PYRT_PKG ? `${process.env.PYRT_PKG}/pyrt.js` : '../dist/pkg/pyrt.js'
);

/** A runtime whose output is collected. */
async function collecting(options = {}) {
  const io = { out: '', err: '', chunks: [] };
  const rt = await createRuntime({
    ...options,
    stdout: (t) => {
      io.out += t;
      io.chunks.push(t);
    },
    stderr: (t) => (io.err += t),
  });
  return { rt, io };
}

test('prints, exits 0, reports no exception', async () => {
  const { rt, io } = await collecting();
  const r = await rt.run('print("hello", 6 * 7)\nprint("é ü 😀")');
  assert.deepEqual(r, { exitCode: 0, exception: null });
  assert.equal(io.out, 'hello 42\né ü 😀\n');
  assert.equal(io.err, '');
  assert.deepEqual(rt.finalize(), { exitCode: 0 });
});

test('an uncaught exception: traceback on stderr, status 1, exception as data', async () => {
  const { rt, io } = await collecting();
  const r = await rt.run('def f():\n    return {}["k"]\nf()\n', { filename: 'main.py' });
  assert.equal(r.exitCode, 1);
  assert.deepEqual(r.exception, { type: 'KeyError', message: "'k'" });
  assert.match(io.err, /^Traceback \(most recent call last\):\n {2}File "main.py", line 3, in <module>/);
  assert.match(io.err, /KeyError: 'k'\n$/);
});

test('SystemExit gives its code and no exception; SyntaxError is reported', async () => {
  const { rt, io } = await collecting();
  assert.deepEqual(await rt.run('import sys\nsys.exit(3)'), { exitCode: 3, exception: null });
  const r = await rt.run('x = = 1');
  assert.equal(r.exitCode, 1);
  assert.equal(r.exception.type, 'SyntaxError');
  assert.match(io.err, /SyntaxError: invalid syntax\n$/);
});

test('the command line and environment are read as CPython reads them', async () => {
  const { rt, io } = await collecting({
    argv: ['-X', 'dev', '-W', 'error', 'main.py', 'arg1'],
    env: { PYTHONHASHSEED: '123', PYTHONINTMAXSTRDIGITS: '5000' },
  });
  const { config } = rt.config;
  assert.equal(config.dev_mode, true);
  assert.equal(config.hash_seed, 123);
  assert.equal(config.int_max_str_digits, 5000);
  assert.deepEqual(config.argv, ['main.py', 'arg1']);
  await rt.run('import sys\nprint(sys.argv, sys.flags.dev_mode, sys.get_int_max_str_digits())', {
    filename: 'main.py',
  });
  assert.equal(io.out, "['main.py', 'arg1'] True 5000\n");
});

test('-V and bad options end the run as python does', async () => {
  const v = await collecting({ argv: ['-V'] });
  assert.deepEqual(await v.rt.run('print(1)'), { exitCode: 0, exception: null });
  assert.equal(v.io.out, 'Python 3.13.0\n');
  const bad = await collecting({ argv: ['-Z'] });
  assert.equal((await bad.rt.run('print(1)')).exitCode, 2);
  assert.match(bad.io.err, /^Unknown option: -Z\n/);
  assert.equal(bad.io.out, '');
});

test('runMain runs what argv selects: -c, and a script among the files', async () => {
  const c = await collecting({ argv: ['-c', 'import sys; print(sys.argv)', 'x'] });
  assert.equal((await c.rt.runMain()).exitCode, 0);
  assert.equal(c.io.out, "['-c', 'x']\n");
  const s = await collecting({
    argv: ['app.py'],
    files: { 'app.py': 'import helper\nhelper.hi()\n', 'helper.py': 'def hi():\n    print("hi from helper")\n' },
  });
  assert.equal((await s.rt.runMain()).exitCode, 0);
  assert.equal(s.io.out, 'hi from helper\n');
});

test('threads, locks and sleeps run with CPython semantics', async () => {
  const { rt, io } = await collecting();
  const r = await rt.run(`
import threading, time
lock = threading.Lock()
total = 0
def work(n):
    global total
    for _ in range(1000):
        with lock:
            total += 1
    time.sleep(0.01 * n)
    print("done", n)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(total, threading.active_count())
`);
  assert.equal(r.exitCode, 0);
  assert.equal(io.out, 'done 0\ndone 1\ndone 2\ndone 3\n4000 1\n');
});

test('the event loop keeps running while Python computes', async () => {
  const { rt, io } = await collecting();
  let ticks = 0;
  const iv = setInterval(() => ticks++, 5);
  const t0 = performance.now();
  await rt.run('n = 0\nfor i in range(2000000):\n    n += i\nprint(n)');
  const ms = performance.now() - t0;
  clearInterval(iv);
  assert.equal(io.out, '1999999000000\n');
  // At least one timer tick per 20 ms of running.
  assert.ok(ticks >= Math.floor(ms / 20), `${ticks} ticks in ${ms.toFixed(0)} ms`);
});

test('a sleeping program waits on a timer, not a busy loop', async () => {
  const { rt } = await collecting();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await rt.run('import time\ntime.sleep(0.3)');
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  assert.ok(wall >= 299, `slept ${wall} ms`);
  assert.ok((cpu.user + cpu.system) / 1000 < 100, `used ${(cpu.user + cpu.system) / 1000} ms CPU`);
});

test('interrupt() stops a running loop with KeyboardInterrupt', async () => {
  const { rt, io } = await collecting();
  let t = 0;
  setTimeout(() => {
    t = performance.now();
    assert.equal(rt.interrupt(), true);
  }, 50);
  const r = await rt.run('while True:\n    pass\n');
  const latency = performance.now() - t;
  assert.deepEqual(r, { exitCode: 130, exception: { type: 'KeyboardInterrupt', message: '' } });
  assert.match(io.err, /KeyboardInterrupt\n$/);
  assert.ok(latency < 50, `latency ${latency} ms`);
  // The runtime stays usable.
  assert.equal((await rt.run('print("again")')).exitCode, 0);
  assert.match(io.out, /again\n$/);
  assert.equal(rt.interrupt(), false);
});

test('interrupt() ends a sleep at once, and the program may catch it', async () => {
  const { rt, io } = await collecting();
  let t = 0;
  setTimeout(() => {
    t = performance.now();
    rt.interrupt();
  }, 50);
  const r = await rt.run(`
import time
try:
    time.sleep(100)
except KeyboardInterrupt:
    print("caught")
`);
  const latency = performance.now() - t;
  assert.deepEqual(r, { exitCode: 0, exception: null });
  assert.equal(io.out, 'caught\n');
  assert.ok(latency < 50, `latency ${latency} ms`);
});

test('interrupt() reaches a main thread blocked on a lock no thread will release', async () => {
  const { rt } = await collecting();
  setTimeout(() => rt.interrupt(), 30);
  const r = await rt.run('import threading\nl = threading.Lock()\nl.acquire()\nl.acquire()\n');
  assert.equal(r.exception.type, 'KeyboardInterrupt');
});

test('trace events reach JavaScript: call, line, return with names and lines', async () => {
  const events = [];
  const { rt } = await collecting({ onTrace: (e) => events.push(e) });
  await rt.run('def f(x):\n    y = x + 1\n    return y\nf(1)\n', { filename: 'prog.py' });
  const mine = events
    .filter((e) => e.filename === 'prog.py')
    .map((e) => `${e.event} ${e.name}:${e.lineno}`);
  assert.deepEqual(mine, [
    'call <module>:0',
    'line <module>:1',
    'line <module>:4',
    'call f:1',
    'line f:2',
    'line f:3',
    'return f:3',
    'return <module>:4',
  ]);
  assert.ok(events.every((e) => typeof e.thread === 'number' && e.thread > 0));
  rt.setTrace(null);
  events.length = 0;
  await rt.run('x = 1\n');
  assert.equal(events.length, 0);
});

test('GIL events show which thread held the GIL and why it switched', async () => {
  const batches = [];
  const { rt } = await collecting({ onGil: (b) => batches.push(b) });
  await rt.run(`
import threading, time
def spin():
    n = 0
    for i in range(20000):
        n += i
ts = [threading.Thread(target=spin) for _ in range(2)]
for t in ts: t.start()
time.sleep(0.01)
for t in ts: t.join()
`);
  const events = batches.flat();
  const threads = new Set(events.filter((e) => e.kind === 'take').map((e) => e.thread));
  assert.ok(threads.size >= 3, `${threads.size} threads took the GIL`);
  const reasons = new Set(events.filter((e) => e.kind === 'drop').map((e) => e.reason));
  assert.ok(reasons.has('block'), [...reasons].join());
  assert.ok(reasons.has('exit'), [...reasons].join());
  for (let i = 1; i < events.length; i++) assert.ok(events[i].time >= events[i - 1].time);
  // Lanes carry threading's names.
  const names = rt.threadNames();
  assert.equal(names.get(1), 'MainThread');
  const named = [...threads].map((t) => names.get(t)).filter((n) => /^Thread-\d+ \(spin\)$/.test(n ?? ''));
  assert.equal(named.length, 2, JSON.stringify([...names]));
});

test('memory stats and limit: MemoryError past the limit, runtime still usable', async () => {
  const { rt, io } = await collecting({ memoryLimit: 8 * 1024 * 1024 });
  await rt.run('pass');
  const s = rt.memoryStats();
  assert.ok(s.used > 0 && s.peak >= s.used && s.arenas > 0, JSON.stringify(s));
  assert.equal(s.limit, 8 * 1024 * 1024);
  const r = await rt.run('x = []\nwhile True:\n    x.append("y" * 100000)\n');
  assert.equal(r.exception.type, 'MemoryError');
  assert.equal((await rt.run('print("fine")')).exitCode, 0);
  assert.match(io.out, /fine\n$/);
});

test('sizes beyond wasm32 memory raise MemoryError instead of trapping', async () => {
  const { rt, io } = await collecting();
  const r = await rt.run('try:\n    [0] * (2**29)\nexcept MemoryError:\n    print("MemoryError")\n');
  assert.equal(r.exitCode, 0);
  assert.equal(io.out, 'MemoryError\n');
  assert.equal(rt.dead, false);
});

test('finalize() runs atexit callbacks and waits for non-daemon threads', async () => {
  const { rt, io } = await collecting();
  await rt.run('import atexit\natexit.register(print, "bye")\nprint("main")\n');
  assert.equal(io.out, 'main\n');
  assert.deepEqual(rt.finalize(), { exitCode: 0 });
  assert.equal(io.out, 'main\nbye\n');
  await assert.rejects(rt.run('pass'), PyrtError);
});

test('a panic surfaces as an error; other and new runtimes keep working', async () => {
  const a = await collecting();
  const b = await collecting();
  assert.throws(() => a.rt.debugPanic(), (e) => e instanceof PyrtError && /panicked/.test(e.message));
  assert.equal(a.rt.dead, true);
  await assert.rejects(a.rt.run('pass'), PyrtError);
  assert.equal((await b.rt.run('print("b lives")')).exitCode, 0);
  assert.equal(b.io.out, 'b lives\n');
  const c = await collecting();
  assert.equal((await c.rt.run('print("c works")')).exitCode, 0);
  assert.equal(c.io.out, 'c works\n');
});

test('runtimes are isolated from each other and may run at once', async () => {
  const a = await collecting({ env: { WHO: 'a' } });
  const b = await collecting({ env: { WHO: 'b' } });
  const src = 'import os, time\nx = os.environ["WHO"]\nfor i in range(3):\n    time.sleep(0.01)\n    print(x, i)\n';
  const [ra, rb] = await Promise.all([a.rt.run(src), b.rt.run(src)]);
  assert.equal(ra.exitCode + rb.exitCode, 0);
  assert.equal(a.io.out, 'a 0\na 1\na 2\n');
  assert.equal(b.io.out, 'b 0\nb 1\nb 2\n');
});

test('a second run while one runs is refused', async () => {
  const { rt } = await collecting();
  const first = rt.run('import time\ntime.sleep(0.05)');
  await assert.rejects(rt.run('pass'), /already running/);
  assert.equal((await first).exitCode, 0);
});

test('sub-interpreters run in the package (the VM case, CPython 3.13 output)', async () => {
  const { readFileSync } = await import('node:fs');
  const cases = new URL('../../tests/data/vm/cases/', import.meta.url);
  const src = readFileSync(new URL('subinterpreters.py', cases), 'utf8');
  const expected = JSON.parse(readFileSync(new URL('subinterpreters.expected.json', cases), 'utf8'));
  const { rt, io } = await collecting();
  const r = await rt.run(src, { filename: 'subinterpreters.py' });
  assert.equal(r.exitCode, 0);
  // The sub-interpreter left at the end is destroyed at finalization,
  // after the main interpreter's atexit callbacks.
  assert.deepEqual(rt.finalize(), { exitCode: 0 });
  assert.equal(io.out, expected.stdout);
});
