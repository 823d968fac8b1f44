# Two sub-interpreters, each with its own GIL, run CPU-bound code at the
# same time from two threads (in pyrt's threaded wasm module these are two
# wasm threads). Nothing is shared between them: values go in by copy,
# and an uncaught exception comes back as a description.
import _interpreters
import threading
import time

WORK = """
total = 0
for i in range(n):
    total += i * i
print(f"interpreter {me}: sum of squares below {n} = {total}")
"""

subs = [_interpreters.create() for _ in range(2)]


def run(k):
    _interpreters.exec(subs[k], WORK, {"n": 2_000_000, "me": subs[k]})


t0 = time.perf_counter()
threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"both done in {time.perf_counter() - t0:.2f} s")

err = _interpreters.exec(subs[0], "1 / 0")
print("uncaught in the sub-interpreter:", err.formatted)
for s in subs:
    _interpreters.destroy(s)
