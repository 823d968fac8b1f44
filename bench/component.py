#!/usr/bin/env python3
"""The component in wasmtime: sizes, first compile, cached start-to-exit of
`pyrt -c pass` beside CPython's and pyrt-native's (medians of interleaved
runs).

usage: python3 bench/component.py [--reps N]
Needs target/release/pyrt (cargo build --release -p pyrt-host).
"""
import argparse, gzip, os, shutil, statistics, subprocess, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYRT = os.path.join(ROOT, "target", "release", "pyrt")
NATIVE = os.path.join(ROOT, "target", "release", "pyrt-native")
COMPONENT = os.path.join(ROOT, "target", "wasm-guest", "wasm32-wasip2", "wasm-release", "pyrt-native.wasm")
PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3.13")


def wall(cmd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=21)
    a = ap.parse_args()
    data = open(COMPONENT, "rb").read()
    print(f"component: {len(data)} bytes, {len(gzip.compress(data, 9))} gzip")
    with tempfile.TemporaryDirectory() as cache:
        env = {"PATH": os.environ["PATH"], "PYRT_CACHE_DIR": cache}
        first = wall([PYRT, "-c", "pass"], env)
        print(f"first run (compile with Cranelift, then cache): {first:.2f} s")
        cmds = {"CPython -I -S -c pass": [PY313, "-I", "-S", "-c", "pass"],
                "pyrt-native -c pass": [NATIVE, "-c", "pass"],
                "pyrt (component, cached) -c pass": [PYRT, "-c", "pass"]}
        times = {k: [] for k in cmds}
        for _ in range(a.reps):
            for k, c in cmds.items():
                times[k].append(wall(c, env))
        for k in cmds:
            print(f"{k:<36} median {statistics.median(times[k]) * 1000:7.2f} ms  (min {min(times[k]) * 1000:.2f})")


if __name__ == "__main__":
    main()
