// node bench/web/pyodide_workload.mjs PYODIDE_NODE_MODULES_DIR WORKLOAD.py
// Runs a workload in Pyodide (loaded once, outside the timing) and prints
// JSON like workload.mjs: the workload's own TIME line and its checksum.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, file] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(resolve(dir, 'pyodide', 'pyodide.mjs')).href);
let out = '';
const py = await loadPyodide({ stdout: (t) => (out += `${t}\n`) });
py.runPython(readFileSync(file, 'utf8'), { globals: py.toPy({}) });
const lines = out.trim().split('\n');
const times = [Number(lines.find((l) => l.startsWith('TIME ')).split(' ')[1])];
console.log(JSON.stringify({ times, checksum: lines.filter((l) => !l.startsWith('TIME ')).join('\n') }));
