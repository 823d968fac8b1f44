// Runs the conformance programs corpus through the npm package in Node,
// with the same expected files as ../shared/conformance/run_programs.py:
// stdout exact, exit status, last non-empty stderr line.
//
//   node web/test/corpus.mjs [--runs N] [--pkg DIR] PROGRAMS_DIR_OR_FILES...
//
// Each program runs as `python <argv...> NAME.py <script_args...>` would:
// a fresh runtime configured from that command line and the expected
// file's environment (PATH only, plus its `env`), the source handed to
// rt.run() as NAME.py in the program's directory, then rt.finalize()
// (atexit, flush) for the final status. Hand-written expectations are
// skipped, as run_programs.py --skip-hand does. The last line printed is
// "N passed, N failed".

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let runs = 1;
let pkg = new URL('../dist/pkg/', import.meta.url);
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--pkg') pkg = pathToFileURL(resolve(args[++i]) + '/');
  else paths.push(args[i]);
}
const { createRuntime } = await import(new URL('pyrt.js', pkg).href);

function programs() {
  const out = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.endsWith('.py') && !name.startsWith('_')) out.push(join(p, name));
      }
    } else out.push(p);
  }
  return out;
}

function lastStderrLine(text) {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim());
  return lines.length ? lines[lines.length - 1] : null;
}

async function runOnce(prog, spec) {
  const name = basename(prog);
  let stdout = '';
  let stderr = '';
  const rt = await createRuntime({
    argv: [...(spec.argv ?? []), name, ...(spec.script_args ?? [])],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(spec.env ?? {}) },
    cwd: resolve(dirname(prog)),
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  const source = readFileSync(prog, 'utf8');
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('timed out after 60 s')), 60000).unref(),
  );
  const r = await Promise.race([rt.run(source, { filename: name }), timeout]);
  const { exitCode } = rt.finalize();
  return { stdout, exitCode: r && exitCode, stderrLast: lastStderrLine(stderr) };
}

let passed = 0;
let failed = 0;
for (const prog of programs()) {
  const specPath = prog.slice(0, -3) + '.expected.json';
  if (!existsSync(specPath)) continue;
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  if (spec.expected === 'hand') continue;
  let problem = null;
  for (let i = 0; i < runs && !problem; i++) {
    try {
      const got = await runOnce(prog, spec);
      if (got.stdout !== spec.stdout) {
        problem = `stdout differs:\n--- expected\n${spec.stdout}--- got\n${got.stdout}`;
      } else if (got.exitCode !== spec.exit_code) {
        problem = `exit code ${got.exitCode}, expected ${spec.exit_code}`;
      } else if (got.stderrLast !== spec.stderr_last_line) {
        problem = `stderr last line ${JSON.stringify(got.stderrLast)}, expected ${JSON.stringify(spec.stderr_last_line)}`;
      }
    } catch (e) {
      problem = `error: ${e.stack ?? e}`;
    }
  }
  if (problem) {
    failed++;
    console.log(`FAIL ${basename(prog)}: ${problem}`);
  } else {
    passed++;
    console.log(`ok   ${basename(prog)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
