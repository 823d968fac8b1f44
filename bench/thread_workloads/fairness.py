# Fairness: 4 CPU-bound threads for 1 s at the default 5 ms interval; the
# spread of their iteration counts (shared/bench/cpython-py/fairness.py).
import threading
import time

stop = False
counts = [0, 0, 0, 0]


def spin(i):
    n = 0
    while not stop:
        n += 1
    counts[i] = n


ts = [threading.Thread(target=spin, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
time.sleep(1.0)
stop = True
for t in ts:
    t.join()
print(f"RESULT fairness_max_over_min {max(counts) / max(min(counts), 1):.3f} x")
