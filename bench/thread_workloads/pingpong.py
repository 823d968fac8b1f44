# GIL ping-pong: two threads hand control back and forth through two Locks
# (shared/bench/cpython-py/pingpong.py, Lock variant)
import threading
import time

N = 20000
a = threading.Lock()
b = threading.Lock()
a.acquire()
b.acquire()


def other():
    for i in range(N):
        a.acquire()
        b.release()


t = threading.Thread(target=other)
t.start()
t0 = time.perf_counter()
for i in range(N):
    a.release()
    b.acquire()
t1 = time.perf_counter()
t.join()
print("round trips", N)
print(f"TIME {t1 - t0:.6f}")
