#!/usr/bin/env bash
# Builds the npm package (web/dist/pkg) and the playground (web/dist/playground)
# from the pyrt-web crate: cargo for wasm32-unknown-unknown, then
# wasm-bindgen-cli --target web (one build that works in Node and browsers).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p pyrt-web --target wasm32-unknown-unknown --profile wasm-release
out=web/dist/pkg
rm -rf web/dist
mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name pyrt_web \
  target/wasm32-unknown-unknown/wasm-release/pyrt_web.wasm
cp web/js/pyrt.js web/js/pyrt.d.ts web/package.json web/README.md "$out/"
mkdir -p web/dist/playground
cp -r web/playground/. web/dist/playground/
cp -r "$out" web/dist/playground/pyrt
echo "built $out ($(wc -c < "$out/pyrt_web_bg.wasm") bytes wasm) and web/dist/playground"
