#!/usr/bin/env bash
# Every pyrt test, in the order a failure is cheapest to find. CI runs this
# (.ci/run); so does the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --release -- -D warnings
cargo clippy -p pyrt-web --target wasm32-unknown-unknown --release -- -D warnings
cargo clippy -p pyrt-native --target wasm32-wasip2 --release -- -D warnings
cargo clippy -p pyrt-native --target wasm32-wasip1-threads --release -- -D warnings

step "unit, integration and doc tests (conformance cases, memory faults, lifecycle, VM threads, the pyrt CLI)"
cargo test --workspace --release

step "property tests, long run: any argv/env gives a config or CPython's error"
PROPTEST_CASES=200000 cargo test --release -p pyrt-conformance --test all config_props

step "loom model checks"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pyrt --lib loom_

step "portable builds"
for target in wasm32-wasip2 wasm32-unknown-unknown wasm32-wasip1-threads; do
    cargo build --release -p pyrt --target "$target"
done

step "emulated threads inside wasm32-unknown-unknown (Node)"
cargo build --release -p pyrt-bench-wasm --target wasm32-unknown-unknown
node bench/wasm/smoke.mjs target/wasm32-unknown-unknown/release/pyrt_bench_wasm.wasm

step "VM: case files vs CPython 3.13's recorded output, pyrt-specific cases"
cargo build --release -p pyrt-native -p pyrt-conformance
cargo run -q --release -p pyrt-conformance -- vm-cases --interp target/release/pyrt-native tests/data/vm/cases | tail -1
cargo run -q --release -p pyrt-conformance -- vm-cases --interp "$PWD/target/release/pyrt-native -X threads=emulated" tests/data/vm/cases | tail -1
cargo run -q --release -p pyrt-conformance -- vm-cases --interp target/release/pyrt-native tests/data/vm/pyrt_cases | tail -1

step "VM: front-end fuzzing (parse, scopes, compile never panic on mutated corpus sources)"
cargo run -q --release -p pyrt-conformance -- fuzz-frontend --iters 1000000 --seed 1 tests/data/vm/cases tests/data/programs | tail -1

step "VM: CPython's configuration dump program, unchanged, running on pyrt-native"
ORACLE_PYTHON="$PWD/target/release/pyrt-native" python3 tests/data/config/config_oracle.py \
    --jsonl tests/data/config/visible.jsonl --deviations tests/data/config/deviations.jsonl --check | tail -1

step "VM: the programs corpus, OS threads, 3 runs each (results must not flake)"
python3 tests/data/run_programs.py --interp target/release/pyrt-native --skip-hand --runs 3 tests/data/programs | tail -1

step "VM: the programs corpus, emulated threads, 3 runs each; seeded races reproducible"
python3 tests/data/run_programs.py --interp "target/release/pyrt-native -X threads=emulated" --skip-hand --runs 3 tests/data/programs | tail -1
python3 tests/data/vm/threads/check_emulated.py target/release/pyrt-native

step "VM: stress, 1000 threads alive at once, started and joined 5 times, both backends"
target/release/pyrt-native -X threads=os tests/data/vm/threads/stress.py
target/release/pyrt-native -X threads=emulated tests/data/vm/threads/stress.py
mapfile -t programs < <(grep -L -E 'threading|_thread|concurrent' tests/data/programs/*.py)

step "VM inside wasm: pyrt-native for wasm32-wasip1 under Node's WASI, same cases and programs"
cargo build --release -p pyrt-native --target wasm32-wasip1
wasm_interp="node --no-warnings $PWD/tests/wasi/run.mjs $PWD/target/wasm32-wasip1/release/pyrt-native.wasm"
cargo run -q --release -p pyrt-conformance -- vm-cases --variant wasm32 --interp "$wasm_interp" tests/data/vm/cases | tail -1
python3 tests/data/run_programs.py --interp "$wasm_interp" --skip-hand tests/data/programs | tail -1

step "the component in wasmtime, and the threaded module (-X threads=os, wasm threads): the pyrt CLI runs the programs corpus"
cargo build --release -p pyrt-host
python3 tests/data/run_programs.py --interp target/release/pyrt --skip-hand --runs 2 tests/data/programs | tail -1
python3 tests/data/run_programs.py --interp "target/release/pyrt -X threads=os" --skip-hand --runs 2 tests/data/programs | tail -1
# Sub-interpreters in the component (emulated) and on wasm threads (own GILs).
cargo run -q --release -p pyrt-conformance -- vm-cases --variant wasm32 --interp "$PWD/target/release/pyrt" --only subinterpreters tests/data/vm/cases | tail -1
cargo run -q --release -p pyrt-conformance -- vm-cases --variant wasm32 --interp "$PWD/target/release/pyrt -X threads=os" --only subinterpreters tests/data/vm/cases | tail -1
target/release/pyrt -X threads=os examples/threads.py
target/release/pyrt -X threads=os examples/subinterpreters.py
target/release/pyrt -X sched_seed=7 examples/threads.py
ORACLE_PYTHON="$PWD/target/release/pyrt" python3 tests/data/config/config_oracle.py \
    --jsonl tests/data/config/visible.jsonl --deviations tests/data/config/deviations.wasm32.jsonl --check | tail -1

step "the npm package in Node: its tests, and the programs corpus through it (3 runs each)"
web/scripts/build.sh
node --test web/test/*.test.mjs
node web/test/corpus.mjs --runs 3 tests/data/programs | tail -1

step "the package's TypeScript types; the playground in headless Chromium: threaded example, Stop, GIL timeline, screenshot"
(cd web/test && npm ci --no-audit --no-fund --silent)
npx --prefix web/test tsc -p web/test/types/tsconfig.json
node --test web/test/browser/
ls web/dist/screenshots/playground-threads.png

step "conformance runners"
cargo run -q --release -p pyrt-conformance -- config tests/data/config/visible.jsonl | tail -1
cargo run -q --release -p pyrt-conformance -- config tests/data/config/pyrt_cases.jsonl | tail -1
cargo run -q --release -p pyrt-conformance -- mem-faults | tail -1

printf '\nall tests passed\n'
