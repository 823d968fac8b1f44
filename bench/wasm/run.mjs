// Times pymalloc against Rust's default allocator inside wasm32 (Node).
// usage: node bench/wasm/run.mjs target/wasm32-unknown-unknown/release/pyrt_bench_wasm.wasm
import { readFileSync } from 'node:fs';
const bytes = readFileSync(process.argv[2]);
const { instance } = await WebAssembly.instantiate(bytes, {});
const x = instance.exports;
const N = 2_000_000, REPS = 7;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
function time(f) {
  const v = [];
  for (let r = 0; r < REPS; r++) { const t0 = performance.now(); f(); v.push((performance.now() - t0) * 1e6 / N); }
  return median(v);
}
console.log(`wasm32 in Node ${process.version}, N=${N}, reps=${REPS} (ns per alloc+free, median)`);
for (const size of [16, 64, 256, 512]) {
  const r = time(() => x.rust_pairs(size, N));
  const p = time(() => x.pymalloc_pairs(size, N));
  console.log(`size ${String(size).padStart(3)}: rust alloc ${r.toFixed(2)} ns, pymalloc ${p.toFixed(2)} ns, ratio ${(p / r).toFixed(3)}`);
}
const r = time(() => x.rust_random(N));
const p = time(() => x.pymalloc_random(N));
console.log(`random 1..512 keep 1000: rust alloc ${r.toFixed(2)} ns, pymalloc ${p.toFixed(2)} ns, ratio ${(p / r).toFixed(3)}`);
