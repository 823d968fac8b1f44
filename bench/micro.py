#!/usr/bin/env python3
"""Instructions per Python operation, pyrt-native beside CPython 3.13.

Each operation runs in a loop inside a function, N and 3N times, under
callgrind (PYTHONHASHSEED=0); the difference divided by 2N is what one
iteration costs, loop included (the `empty` row is the loop alone).
Instruction counts, not times: deterministic on this noisy machine, and
they find the operations where pyrt does more work than CPython.

usage: python3 bench/micro.py [--n N] [OP ...]
Needs valgrind and target/release/pyrt-native.
"""
import argparse, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYRT = os.path.join(ROOT, "target", "release", "pyrt-native")
PY313 = os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python3.13")

OPS = {
    "empty": "pass",
    "call0": "f0()",
    "call1": "f1(i)",
    "callkw": "f2(1, b=i)",
    "meth": "o.m()",
    "attr": "o.x",
    "setattr": "o.x = i",
    "isinstance": "isinstance(o, C)",
    "len": "len(lst)",
    "in_list": "3 in lst",
    "in_dict": "i in d",
    "dict_get": "d.get(i)",
    "dict_set": "d[5] = i",
    "fstring": 'f"{i} x"',
    "str_add": 's + "b"',
    "str_join": '",".join(sl)',
    "str_split": 's2.split(",")',
    "str_format": '"%d-%s" % (i, s)',
    "list_new": "[i, i]",
    "tuple_unpack": "a, b = t",
    "list_comp": "[x for x in t]",
    "int_add": "i + 1",
    "float_mul": "fl * 1.5",
    "cmp_chain": "0 < i < 10**9",
    "new_instance": "C()",
    "super_init": "D()",
    "closure": "g()",
    "try_except": "try_f()",
    "raise_catch": "raise_f()",
    "generator": "sum(gen3())",
    "sorted_key": "sorted(t, key=lambda x: -x)",
    "max": "max(t)",
    "dict_iter": "for k in d3: pass",
    "getattr": 'getattr(o, "x")',
    "hasattr": 'hasattr(o, "y")',
    "with_lock": "with lk: pass",
}

PRELUDE = '''import sys, threading
def f0(): pass
def f1(a): pass
def f2(a, b=2): pass
class C:
    def __init__(self): self.x = 1
    def m(self): pass
class B0:
    def __init__(self): pass
class D(B0):
    def __init__(self): super().__init__()
o = C()
lst = [1, 2, 3, 4, 5]
d = {}
d3 = {1: 1, 2: 2, 3: 3}
s = "abc"
s2 = "a,b,c,d"
sl = ["a", "b", "c"]
t = (1, 2)
fl = 2.5
lk = threading.Lock()
def mk():
    v = 1
    def g(): return v
    return g
g = mk()
def try_f():
    try:
        return 1
    except KeyError:
        return 2
def raise_f():
    try:
        raise ValueError
    except ValueError:
        return 1
def gen3():
    yield 1; yield 2; yield 3
def main(N):
    for i in range(N):
        %s
main(int(sys.argv[1]))
'''


def instructions(cmd):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    m = re.search(r"refs:\s+([\d,]+)", r.stderr)
    if r.returncode != 0 or not m:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return int(m.group(1).replace(",", ""))


def per_iteration(interp, path, n):
    return (instructions([interp, path, str(3 * n)]) - instructions([interp, path, str(n)])) / (2 * n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("ops", nargs="*")
    a = ap.parse_args()
    ops = a.ops or list(OPS)
    print(f"instructions per iteration (callgrind, N = {a.n} and {3 * a.n})")
    print(f"{'operation':<14}{'pyrt':>9}{'CPython':>9}{'pyrt/CPython':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for op in ops:
            path = os.path.join(tmp, f"{op}.py")
            with open(path, "w") as f:
                f.write(PRELUDE % OPS[op])
            p = per_iteration(PYRT, path, a.n)
            c = per_iteration(PY313, path, a.n)
            print(f"{op:<14}{p:>9.0f}{c:>9.0f}{p / c:>14.2f}", flush=True)


if __name__ == "__main__":
    main()
