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
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
