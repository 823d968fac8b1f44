#!/usr/bin/env python3
"""Python-level thread measurements: CPython 3.13, pyrt on OS threads and
pyrt on emulated threads, interleaved, medians of `--reps` runs.

Runs bench/thread_workloads/: the timed ones (TIME lines: thread start+join,
Lock ping-pong, settrace on fib, with the untraced fib for the slowdown)
and the RESULT ones (fairness, convoy, interrupt latency).

With --wasm, two more columns: the component in wasmtime (`pyrt`, emulated
threads) and the threaded module (`pyrt -X threads=os`, wasm threads);
needs target/release/pyrt (cargo build --release -p pyrt-host).

usage: python3 bench/threads.py [--reps N] [--wasm]
"""
import argparse, os, signal, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYRT = os.path.join(ROOT, "target", "release", "pyrt-native")
PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3.13")
W = os.path.join(HERE, "thread_workloads")
INTERPS = [("CPython", [PY313]), ("pyrt-os", [PYRT, "-X", "threads=os"]),
           ("pyrt-emulated", [PYRT, "-X", "threads=emulated"])]
PYRT_CLI = os.path.join(ROOT, "target", "release", "pyrt")
WASM_INTERPS = [("component", [PYRT_CLI]), ("wasm-threads", [PYRT_CLI, "-X", "threads=os"])]
PER_OP = {  # workload: (operations in the timed part, unit per op)
    "thread_spawn": (2000, "us/thread"),
    "pingpong": (20000, "k round trips/s"),
}


def run(cmd, name, *extra):
    try:
        # SIGINT back to its default in the child: a shell's background job
        # ignores it, and CPython then installs no handler, so
        # `_thread.interrupt_main()` (interrupt_latency) would do nothing.
        out = subprocess.run(cmd + [os.path.join(W, name + ".py"), *extra], capture_output=True,
                             text=True, env={"PATH": os.environ["PATH"]}, timeout=300,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    except subprocess.TimeoutExpired:
        # One hung run (seen once with CPython's interrupt_latency under
        # load) drops that sample instead of the whole measurement.
        print(f"warning: {cmd} {name} timed out; sample dropped", file=sys.stderr)
        return {}
    if out.returncode != 0:
        sys.exit(f"{cmd} {name} failed:\n{out.stderr}")
    res = {}
    for line in out.stdout.splitlines():
        w = line.split()
        if w[0] == "TIME":
            res[name] = float(w[1])
        elif w[0] == "RESULT":
            res[w[1]] = float(w[2])
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--wasm", action="store_true")
    a = ap.parse_args()
    interps = INTERPS + (WASM_INTERPS if a.wasm else [])
    names = ["thread_spawn", "pingpong", "settrace", "fairness", "convoy", "interrupt_latency",
             "subinterpreters"]
    vals = {}
    for _ in range(a.reps):
        for name in names:
            for iname, cmd in interps:
                for k, v in run(cmd, name).items():
                    vals.setdefault((k, iname), []).append(v)
                if name == "settrace":
                    for k, v in run(cmd, name, "untraced").items():
                        vals.setdefault(("fib_untraced", iname), []).append(v)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"reps {a.reps}, interleaved; load {' '.join(load)}; medians")
    keys = []
    for (k, _) in vals:
        if k not in keys:
            keys.append(k)
    print(f"{'measure':<28}" + "".join(f"{n:>16}" for n, _ in interps))
    for k in keys:
        row = f"{k:<28}"
        for iname, _ in interps:
            if (k, iname) not in vals:
                row += f"{'n/a':>16}"
                continue
            m = statistics.median(vals[(k, iname)])
            if k in PER_OP:
                n, unit = PER_OP[k]
                m = m / n * 1e6 if unit.startswith("us") else n / m / 1e3
            row += f"{m:>16.3f}"
        print(row + (f"  {PER_OP[k][1]}" if k in PER_OP else "  s" if k in ("settrace", "fib_untraced") else ""))
    for iname, _ in interps:
        t = statistics.median(vals[("settrace", iname)]) / statistics.median(vals[("fib_untraced", iname)])
        print(f"settrace slowdown on fib, {iname}: {t:.2f}x")


if __name__ == "__main__":
    main()
