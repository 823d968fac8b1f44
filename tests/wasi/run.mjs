// Runs a WASI preview-1 command (pyrt-native built for wasm32-wasip1) under
// Node's WASI with the host's file system and working directory, so the
// conformance runners can use it as an interpreter:
//   node tests/wasi/run.mjs target/wasm32-wasip1/release/pyrt-native.wasm ARGS...
// Environment variables are passed through; PWD tells the guest its working
// directory.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [wasmPath, ...args] = process.argv.slice(2);
const env = { ...process.env, PWD: process.cwd() };
const wasi = new WASI({
  version: 'preview1',
  args: ['python', ...args],
  env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
// Each WASI function is called through a JS wrapper. Called directly,
// V8 takes its fast-API path into Node 20's WASI, which keeps a view of
// the module's memory from before it grew: a program that grows its memory
// a lot (deep tracebacks, big lists) then ends with a SIGSEGV in node, no
// wasm trap (nodejs/node#53087 and its duplicates). The wrappers cost
// nothing measurable: WASI calls are I/O.
const imports = wasi.getImportObject();
const preview1 = imports.wasi_snapshot_preview1;
for (const name of Object.keys(preview1)) {
  const f = preview1[name];
  preview1[name] = (...a) => f(...a);
}
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance);
