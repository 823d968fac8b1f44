// node bench/web/ready.mjs PKG_DIR | --pyodide NODE_MODULES_DIR
// Milliseconds from the start of `import()` to a runtime ready to run code
// (pyrt: createRuntime resolved; Pyodide: loadPyodide resolved), in a
// fresh process, plus the first run of `pass`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const t0 = performance.now();
let ready;
let t1;
if (args[0] === '--pyodide') {
  const { loadPyodide } = await import(pathToFileURL(resolve(args[1], 'pyodide', 'pyodide.mjs')).href);
  const py = await loadPyodide();
  t1 = performance.now();
  py.runPython('pass');
} else {
  const { createRuntime } = await import(pathToFileURL(resolve(args[0], 'pyrt.js')).href);
  const rt = await createRuntime();
  t1 = performance.now();
  await rt.run('pass');
}
ready = t1 - t0;
console.log(JSON.stringify({ ready_ms: ready, first_run_ms: performance.now() - t1 }));
