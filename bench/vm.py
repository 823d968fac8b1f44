#!/usr/bin/env python3
"""The VM against CPython 3.13, side by side in one run.

Runs each workload of bench/workloads/ (copies of shared/bench/workloads/:
each prints a checksum line and `TIME <seconds>` for its timed part) with
pyrt-native and CPython interleaved (CPython, pyrt, CPython, pyrt, ...),
checks the checksums agree, and prints the median times and the median of
the pairwise ratios pyrt/CPython. With --ir, also the instruction counts of
one whole run of each under callgrind (process start included: compare it
with the `-c pass` row) and their ratio. With --wasm, also pyrt-native
built for wasm32-wasip1 under Node's WASI (V8), as a third column.

With --threads, the workloads are bench/thread_workloads/ (thread start
and join, Lock ping-pong, a no-op tracer) and pyrt runs on OS threads and on
emulated threads (`-X threads=emulated`) as two columns.

usage: python3 bench/vm.py [--reps N] [--ir] [--wasm] [--threads] [WORKLOAD ...]
Needs target/release/pyrt-native (cargo build --release -p pyrt-native) and,
with --wasm, target/wasm32-wasip1/release/pyrt-native.wasm.
"""
import argparse, glob, os, re, shutil, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYRT = os.path.join(ROOT, "target", "release", "pyrt-native")
WASM = os.path.join(ROOT, "target", "wasm32-wasip1", "release", "pyrt-native.wasm")
WASI_RUN = os.path.join(ROOT, "tests", "wasi", "run.mjs")
PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3.13")


def run(cmd, path):
    out = subprocess.run(cmd + [path], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} {path} failed ({out.returncode}):\n{out.stderr}")
    lines = out.stdout.splitlines()
    t = next(float(l.split()[1]) for l in lines if l.startswith("TIME "))
    checksum = [l for l in lines if not l.startswith("TIME ")]
    return t, checksum


def instructions(cmd, path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd + [path],
                       capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True)
        for line in open(out):
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no callgrind summary")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--ir", action="store_true")
    ap.add_argument("--wasm", action="store_true")
    ap.add_argument("--threads", action="store_true")
    ap.add_argument("--component", action="store_true",
                    help="also the component in wasmtime (target/release/pyrt)")
    ap.add_argument("workloads", nargs="*")
    a = ap.parse_args()
    wdir = os.path.join(HERE, "thread_workloads" if a.threads else "workloads")
    names = a.workloads or sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(wdir, "*.py")))
    interps = [("CPython", [PY313]), ("pyrt", [PYRT])]
    if a.threads:
        interps.append(("pyrt-emulated", [PYRT, "-X", "threads=emulated"]))
    if a.wasm:
        interps.append(("pyrt-wasm", ["node", "--no-warnings", WASI_RUN, WASM]))
    if a.component:
        interps.append(("component", [os.path.join(ROOT, "target", "release", "pyrt")]))
    load = open("/proc/loadavg").read().split()[:3]
    print(f"reps {a.reps}, interleaved; load {' '.join(load)}; {os.cpu_count()} CPUs")
    hdr = f"{'workload':<15}" + "".join(f"{n + ' median':>18}" for n, _ in interps) + f"{'pyrt/CPython':>14}"
    if a.threads:
        hdr += f"{'emu/CPython':>14}"
    if a.wasm:
        hdr += f"{'wasm/CPython':>14}"
    if a.component:
        hdr += f"{'comp/native':>14}"
    print(hdr)
    for name in names:
        path = os.path.join(wdir, name + ".py")
        times = {n: [] for n, _ in interps}
        sums = {}
        for _ in range(a.reps):
            for n, cmd in interps:
                t, c = run(cmd, path)
                times[n].append(t)
                sums[n] = c
        ref = sums["CPython"]
        for n in sums:
            if sums[n] != ref:
                sys.exit(f"{name}: {n} printed {sums[n]}, CPython {ref}")
        row = f"{name:<15}" + "".join(f"{statistics.median(times[n]):>16.4f} s" for n, _ in interps)
        row += f"{statistics.median(p / c for p, c in zip(times['pyrt'], times['CPython'])):>14.2f}"
        if a.threads:
            row += f"{statistics.median(p / c for p, c in zip(times['pyrt-emulated'], times['CPython'])):>14.2f}"
        if a.wasm:
            row += f"{statistics.median(p / c for p, c in zip(times['pyrt-wasm'], times['CPython'])):>14.2f}"
        if a.component:
            row += f"{statistics.median(p / c for p, c in zip(times['component'], times['pyrt'])):>14.2f}"
        print(row, flush=True)
    if a.ir:
        if not shutil.which("valgrind"):
            sys.exit("--ir needs valgrind")
        print(f"\n{'instructions':<15}{'CPython':>16}{'pyrt':>16}{'pyrt/CPython':>14}")
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write("print('x')\nprint('TIME 0')\n")
            empty = f.name
        for name, path in [("(start, exit)", empty)] + [
                (n, os.path.join(wdir, n + ".py")) for n in names]:
            c = instructions([PY313], path)
            p = instructions([PYRT], path)
            print(f"{name:<15}{c / 1e6:>14.1f} M{p / 1e6:>14.1f} M{p / c:>14.2f}", flush=True)
        os.unlink(empty)


if __name__ == "__main__":
    main()
