// node bench/web/trace.mjs PKG_DIR
// Cost per trace event delivered to JavaScript: fib(22) with no tracer and
// with a no-op onTrace callback (interleaved, median of 5 each); the extra
// time divided by the number of events delivered.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkg] = process.argv.slice(2);
const { createRuntime } = await import(pathToFileURL(resolve(pkg, 'pyrt.js')).href);
const src = 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(22)\n';
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const plain = [];
const traced = [];
let events = 0;
for (let i = 0; i < 5; i++) {
  for (const trace of [false, true]) {
    let n = 0;
    const rt = await createRuntime({ onTrace: trace ? () => n++ : undefined, sliceMs: 50 });
    await rt.run('pass');
    const t0 = performance.now();
    await rt.run(src);
    const ms = performance.now() - t0;
    (trace ? traced : plain).push(ms);
    if (trace) events = n;
  }
}
const extra = median(traced) - median(plain);
console.log(JSON.stringify({ events, plain_ms: median(plain), traced_ms: median(traced), ns_per_event: (extra * 1e6) / events, slowdown: median(traced) / median(plain) }));
