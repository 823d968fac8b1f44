// Emulated threads inside wasm32-unknown-unknown (Node): a seeded racy
// workload gives the same result on every run and loses updates; different
// seeds interleave differently; the switch cost is printed.
// usage: node bench/wasm/smoke.mjs target/wasm32-unknown-unknown/release/pyrt_bench_wasm.wasm
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2]), {});
const x = instance.exports;
const THREADS = 4, INCREMENTS = 2000;
const a = x.emulated_race(7n, THREADS, INCREMENTS, 1);
const b = x.emulated_race(7n, THREADS, INCREMENTS, 1);
assert.notEqual(a, 0xffffffffffffffffn, 'runtime started and threads finished');
assert.equal(a, b, 'same seed, same result');
assert.ok(a < BigInt(THREADS * INCREMENTS), `a race with a 1 µs interval loses updates (${a})`);
const results = new Set();
for (let seed = 0n; seed < 8n; seed++) results.add(x.emulated_race(seed, THREADS, INCREMENTS, 1));
assert.ok(results.size > 1, 'different seeds, different interleavings');
// A long interval: each thread finishes its slice uninterrupted.
assert.equal(x.emulated_race(7n, THREADS, INCREMENTS, 5000), BigInt(THREADS * INCREMENTS));
const N = 1_000_000;
const v = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  assert.equal(x.emulated_switches(N), BigInt(N));
  v.push((performance.now() - t0) * 1e6 / N);
}
v.sort((p, q) => p - q);
console.log(`emulated threads on wasm32 (Node ${process.version}): seed 7 -> ${a} of ${THREADS * INCREMENTS}, ${results.size} distinct results over 8 seeds; switch ${v[2].toFixed(1)} ns (median of 5)`);
