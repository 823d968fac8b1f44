# Two CPU-bound loops, each in its own sub-interpreter (own GIL), run by
# two threads: the parallel speedup over running them one after the other
# (2.0 = perfectly parallel; one shared GIL would give ~1.0).
import _interpreters as I
import threading
import time

WORK = "n = 0\nfor i in range(1_500_000):\n    n += i\n"
subs = [I.create(), I.create()]
I.exec(subs[0], WORK)  # warm up
t0 = time.perf_counter()
for s in subs:
    I.exec(s, WORK)
seq = time.perf_counter() - t0
ts = [threading.Thread(target=I.exec, args=(s, WORK)) for s in subs]
t0 = time.perf_counter()
for t in ts:
    t.start()
for t in ts:
    t.join()
par = time.perf_counter() - t0
for s in subs:
    I.destroy(s)
print(f"RESULT subinterp_speedup {seq / par:.3f}")
