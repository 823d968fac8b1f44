# A no-op tracer (returns itself: line events) on fib(25) (shared/bench/cpython-py/settrace.py)
import sys
import time


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tracer(frame, event, arg):
    return tracer


traced = sys.argv[1:] != ["untraced"]
if traced:
    sys.settrace(tracer)
t0 = time.perf_counter()
r = fib(25)
t1 = time.perf_counter()
sys.settrace(None)
print("fib(25)", r)
print(f"TIME {t1 - t0:.6f}")
