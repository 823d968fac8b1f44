// node bench/web/workload.mjs PKG_DIR WORKLOAD.py [REPS]
// Runs a workload through the npm package (a fresh runtime per rep) and
// prints JSON: the workload's own TIME lines (seconds) and its checksum.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkg, file, reps = '1'] = process.argv.slice(2);
const { createRuntime } = await import(pathToFileURL(resolve(pkg, 'pyrt.js')).href);
const src = readFileSync(file, 'utf8');
const times = [];
let checksum = null;
for (let i = 0; i < Number(reps); i++) {
  let out = '';
  const rt = await createRuntime({ argv: [file], stdout: (t) => (out += t), sliceMs: 8 });
  const r = await rt.run(src, { filename: file });
  if (r.exitCode !== 0) throw new Error(`${file}: exit ${r.exitCode}`);
  rt.finalize();
  const lines = out.trim().split('\n');
  times.push(Number(lines.find((l) => l.startsWith('TIME ')).split(' ')[1]));
  checksum = lines.filter((l) => !l.startsWith('TIME ')).join('\n');
}
console.log(JSON.stringify({ times, checksum }));
