#!/usr/bin/env python3
"""Side-by-side benchmarks: CPython 3.13's C anchors vs pyrt, in one run.

Builds shared/bench/cpython-c/ in a temporary copy (as its run_all.sh does),
then runs each CPython program and its pyrt counterpart interleaved
(C, pyrt, C, pyrt, ...) and prints, per measured line, the medians of the
per-run medians and the median of the pairwise ratios pyrt/CPython.
With --ir, also counts instructions per operation under callgrind:
(Ir(op, 2N) - Ir(op, N)) / N for both (ir.c and `pyrt-bench ir`).

usage: python3 bench/compare.py [--cpython-c DIR] [--reps N] [--ir]
                                [init] [mem] [gil] [tss] [mutex] [pending] [gilsched]
The gilsched suite runs shared/bench/cpython-py's pingpong.py, fairness.py and
convoy.py on CPython (Python level) against pyrt-bench's Rust-level versions.
Needs target/release/pyrt-bench (cargo build --release -p pyrt-bench).
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYRT = os.path.join(ROOT, "target", "release", "pyrt-bench")

PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3.13")
CPY_PY = os.path.join(ROOT, "..", "shared", "bench", "cpython-py")

SUITES = {
    # name: (CPython command (relative to the C build dir), pyrt args)
    "init isolated": (["./init_313", "isolated", "40"], ["init", "isolated", "40"]),
    "init python": (["./init_313", "python", "40"], ["init", "python", "40"]),
    "init nosite": (["./init_313", "nosite", "40"], ["init", "nosite", "40"]),
    "mem": (["./mem_313", "2000000"], ["mem", "2000000"]),
    "gil": (["./gil_313"], ["gil"]),
    "tss": (["./tss_313"], ["tss"]),
    "mutex": (["./mutex_313"], ["mutex"]),
    "pending busy": (["./pending_313", "busy", "fill"], ["pending", "busy"]),
    "pending sleep": (["./pending_313", "sleep", "nofill"], ["pending", "sleep"]),
    "gilsched pingpong": ([PY313, os.path.join(CPY_PY, "pingpong.py")], ["gilsched"]),
    "gilsched fairness": ([PY313, os.path.join(CPY_PY, "fairness.py"), "0.005", "1.0", "3"], ["gilsched"]),
    "gilsched convoy": ([PY313, os.path.join(CPY_PY, "convoy.py"), "0.005", "1000"], ["gilsched"]),
}
def c_ir(op):
    return lambda work, n: [os.path.join(work, "ir_313"), op, str(n)]


def p_ir(op):
    return lambda work, n: [PYRT, "ir", op, str(n)]


# (label, CPython command for n, pyrt command for n, n)
IR_OPS = [(
    "init+finalize cycle",
    lambda work, n: [os.path.join(work, "init_313"), "nosite", str(n)],
    lambda work, n: [PYRT, "init", "nosite", str(n)],
    5,
)] + [
    (f"{c}{s}", c_ir(f"{c}{s}"), p_ir(f"{c}{s}"), 200000)
    for s in (16, 64, 256, 512)
    for c in ("malloc", "pymem", "pyobj")
] + [(op, c_ir(op), p_ir(op), 200000) for op in ("rand512_malloc", "rand512_pymem", "rand512_pyobj")] + [
    (op, c_ir(op), p_ir(op), n) for op, n in (
        ("save_restore", 100000), ("gilstate_main", 100000), ("gilstate_fresh", 20000),
        ("gilstate_haststate", 100000), ("tss_get", 1000000), ("tss_set", 1000000),
        ("pymutex", 1000000))
]

LINE = re.compile(r"^(\S.*?)\s+median\s+([0-9.]+) (\S+)")
LATENCY = re.compile(r"^latency add->callback, main thread in .*?: median ([0-9.]+) us, p10 [0-9.]+, p90 ([0-9.]+)")
FAIR = re.compile(r"median max/min=([0-9.]+)\s+median observed switches/s=([0-9.]+)")
CONVOY = re.compile(r"^\s+time\.sleep\(0\.0002\) (alone|\+ 1 CPU-bound thread)\s.*total ([0-9.]+) s")


def medians(out):
    """Every measured value of one run: {label: (value, unit)}."""
    res = {}
    convoy = {}
    for line in out.splitlines():
        m = LATENCY.match(line)
        if m:
            res["pending-call latency median"] = (float(m.group(1)), "us")
            res["pending-call latency p90"] = (float(m.group(2)), "us")
            continue
        m = FAIR.search(line)
        if m:
            res["fairness 4 CPU threads 5 ms: max/min count"] = (float(m.group(1)), "x")
            res["fairness 4 CPU threads 5 ms: switches/s"] = (float(m.group(2)), "/s")
            continue
        m = CONVOY.match(line)
        if m:
            convoy[m.group(1)] = float(m.group(2)) * 1e3
            continue
        m = LINE.match(line)
        if m:
            res[m.group(1).strip()] = (float(m.group(2)), m.group(3))
    if len(convoy) == 2:
        res["convoy 1000 x sleep(0.0002), alone"] = (convoy["alone"], "ms")
        res["convoy 1000 x sleep(0.0002), + 1 CPU thread"] = (convoy["+ 1 CPU-bound thread"], "ms")
        res["convoy slowdown (with / alone)"] = (convoy["+ 1 CPU-bound thread"] / convoy["alone"], "x")
    return res


def run(cmd, cwd=None):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd).stdout


def ir_count(cmd):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                         capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpython-c", default=os.path.join(ROOT, "..", "shared", "bench", "cpython-c"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ir", action="store_true")
    ap.add_argument("suites", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(PYRT):
        sys.exit("build it first: cargo build --release -p pyrt-bench")
    work = tempfile.mkdtemp(prefix="pyrt-bench-")
    for f in os.listdir(a.cpython_c):
        if f.endswith((".c", ".h")) or f == "Makefile":
            shutil.copy(os.path.join(a.cpython_c, f), work)
    subprocess.run(["make", "-s", "init_313", "mem_313", "ir_313", "gil_313", "tss_313", "mutex_313",
                    "pending_313"], cwd=work, check=True)
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"# machine: {os.cpu_count()} cpus, load {load}; reps={a.reps} interleaved")
    suites = [s for s in SUITES if not a.suites or s.split()[0] in a.suites]
    pyrt_cache = {}
    for name in suites:
        ccmd, pcmd = SUITES[name]
        cres, pres = [], []
        for i in range(a.reps):
            cres.append(medians(run(ccmd, cwd=work)))
            # gilsched's one pyrt run covers three CPython scripts.
            key = (tuple(pcmd), i)
            if key not in pyrt_cache or pcmd != ["gilsched"]:
                pyrt_cache[key] = medians(run([PYRT] + pcmd))
            pres.append(pyrt_cache[key])
        print(f"\n## {name}")
        print(f"{'measure':<44} {'CPython 3.13':>14} {'pyrt':>12} {'pyrt/CPython':>13}")
        for label in cres[0]:
            cv = [r[label][0] for r in cres if label in r]
            pv = [r[label][0] for r in pres if label in r]
            if not pv or not cv:
                continue
            unit = cres[0][label][1]
            ratios = [p / c for c, p in zip(cv, pv) if c > 0]
            print(f"{label:<44} {statistics.median(cv):>11.2f} {unit:<2} {statistics.median(pv):>9.2f} {unit:<2} "
                  f"{statistics.median(ratios):>12.3f}")
    if a.ir:
        print("\n## instructions per operation (callgrind)")
        print(f"{'op':<20} {'CPython 3.13':>14} {'pyrt':>10} {'ratio':>8}")
        for label, ccmd, pcmd, n in IR_OPS:
            c1, c2 = ir_count(ccmd(work, n)), ir_count(ccmd(work, 2 * n))
            p1, p2 = ir_count(pcmd(work, n)), ir_count(pcmd(work, 2 * n))
            if None in (c1, c2, p1, p2):
                print(f"{label:<20} (not measured)")
                continue
            ci, pi = (c2 - c1) / n, (p2 - p1) / n
            print(f"{label:<20} {ci:>14.1f} {pi:>10.1f} {pi / ci:>8.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
