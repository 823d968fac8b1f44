# threading.Thread(target=f).start(); join() for a no-op f (shared/bench/cpython-py/thread_spawn.py)
import threading
import time


def f():
    pass


N = 2000
t0 = time.perf_counter()
for i in range(N):
    t = threading.Thread(target=f)
    t.start()
    t.join()
t1 = time.perf_counter()
print("threads started and joined", N)
print(f"TIME {t1 - t0:.6f}")
