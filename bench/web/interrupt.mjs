// node bench/web/interrupt.mjs PKG_DIR [TRIALS]
// Interrupt latency through the npm package: from rt.interrupt() to the
// program's KeyboardInterrupt ending its run, for a running `while True`
// loop and for `time.sleep(100)`; medians and maxima in ms.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkg, trials = '15'] = process.argv.slice(2);
const { createRuntime } = await import(pathToFileURL(resolve(pkg, 'pyrt.js')).href);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const out = {};
for (const [name, src] of [
  ['loop', 'while True:\n    pass\n'],
  ['sleep', 'import time\ntime.sleep(100)\n'],
]) {
  const ms = [];
  for (let i = 0; i < Number(trials); i++) {
    const rt = await createRuntime({ stderr: () => {} });
    let t = 0;
    setTimeout(() => {
      t = performance.now();
      rt.interrupt();
    }, 30 + i * 7);
    const r = await rt.run(src);
    ms.push(performance.now() - t);
    if (r.exception?.type !== 'KeyboardInterrupt') throw new Error(`${name}: ${JSON.stringify(r)}`);
  }
  out[name] = { median_ms: median(ms), max_ms: Math.max(...ms) };
}
console.log(JSON.stringify(out));
