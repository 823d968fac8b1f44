#!/usr/bin/env python3
"""The npm package (pyrt in Node) beside pyrt-native and Pyodide 314, in one run.

Measures, interleaving the runtimes rep by rep and printing medians:
- the package's wasm size, raw and gzip -9 (and Pyodide's wasm + stdlib);
- time from `import()` to a ready runtime in a fresh Node process, and the
  first run of `pass` after it (pyrt), vs loadPyodide();
- each workload's own timed part (its `TIME` line) through the package, in
  pyrt-native, and in Pyodide, with ratios;
- interrupt latency of `while True: pass` and `time.sleep(100)`;
- cost per trace event delivered to a JavaScript callback.

usage: python3 bench/web.py [--reps N] [--pyodide DIR] [WORKLOAD ...]
Needs web/dist/pkg (web/scripts/build.sh), target/release/pyrt-native, and
for the Pyodide columns a copy of shared/bench/pyodide with `npm install`
run in it (--pyodide DIR: its node_modules directory).
"""
import argparse, gzip, json, os, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PKG = os.path.join(ROOT, "web", "dist", "pkg")
NATIVE = os.path.join(ROOT, "target", "release", "pyrt-native")
WORKLOADS = os.path.join(HERE, "workloads")


def node(*args):
    out = subprocess.run(["node", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def native_time(path):
    out = subprocess.run([NATIVE, path], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    t = next(float(l.split()[1]) for l in lines if l.startswith("TIME "))
    return t, "\n".join(l for l in lines if not l.startswith("TIME "))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--pyodide", help="node_modules dir holding pyodide/")
    ap.add_argument("workloads", nargs="*")
    a = ap.parse_args()
    med = statistics.median

    wasm = os.path.join(PKG, "pyrt_web_bg.wasm")
    raw = os.path.getsize(wasm)
    gz = len(gzip.compress(open(wasm, "rb").read(), 9))
    print(f"wasm size: {raw:,} bytes raw, {gz:,} gzip -9")
    if a.pyodide:
        pw = os.path.join(a.pyodide, "pyodide", "pyodide.asm.wasm")
        ps = os.path.join(a.pyodide, "pyodide", "python_stdlib.zip")
        print(f"pyodide: {os.path.getsize(pw):,} bytes wasm + {os.path.getsize(ps):,} stdlib zip")

    ready, first, pready = [], [], []
    for _ in range(a.reps):
        r = node(os.path.join(HERE, "web", "ready.mjs"), PKG)
        ready.append(r["ready_ms"])
        first.append(r["first_run_ms"])
        if a.pyodide:
            pready.append(node(os.path.join(HERE, "web", "ready.mjs"), "--pyodide", a.pyodide)["ready_ms"])
    line = f"import to ready: pyrt {med(ready):.1f} ms (then first run of `pass` {med(first):.1f} ms)"
    if pready:
        line += f", Pyodide {med(pready):.0f} ms"
    print(line)

    names = a.workloads or sorted(f[:-3] for f in os.listdir(WORKLOADS) if f.endswith(".py"))
    print("\n| workload | pyrt-native | pyrt npm (Node) | Pyodide (Node) | npm/native | npm/Pyodide |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in names:
        path = os.path.join(WORKLOADS, name + ".py")
        nat, web, pyo = [], [], []
        for _ in range(a.reps):
            t, ck = native_time(path)
            nat.append(t)
            w = node(os.path.join(HERE, "web", "workload.mjs"), PKG, path, "1")
            if w["checksum"] != ck:
                sys.exit(f"{name}: checksum differs: {w['checksum']!r} vs {ck!r}")
            web.append(w["times"][0])
            if a.pyodide:
                p = node(os.path.join(HERE, "web", "pyodide_workload.mjs"), a.pyodide, path)
                pyo.append(p["times"][0])
        row = f"| {name} | {med(nat):.3f} s | {med(web):.3f} s | "
        row += f"{med(pyo):.3f} s | " if pyo else "— | "
        row += f"{med(web) / med(nat):.2f} | "
        row += f"{med(web) / med(pyo):.2f} |" if pyo else "— |"
        print(row)

    i = node(os.path.join(HERE, "web", "interrupt.mjs"), PKG, "15")
    print(f"\ninterrupt latency (median / max of 15): while True {i['loop']['median_ms']:.2f} / "
          f"{i['loop']['max_ms']:.2f} ms, time.sleep(100) {i['sleep']['median_ms']:.2f} / {i['sleep']['max_ms']:.2f} ms")
    t = node(os.path.join(HERE, "web", "trace.mjs"), PKG)
    print(f"trace events to JS: {t['ns_per_event']:.0f} ns per event ({t['events']:,} events, "
          f"{t['slowdown']:.1f}x on fib(22))")


if __name__ == "__main__":
    main()
