# Convoy effect: 1000 x sleep(0.0002) alone, then beside one CPU-bound
# thread (shared/bench/cpython-py/convoy.py).
import threading
import time


def sleeps():
    t0 = time.perf_counter()
    for i in range(1000):
        time.sleep(0.0002)
    return time.perf_counter() - t0


alone = sleeps()
stop = False


def spin():
    n = 0
    while not stop:
        n += 1


t = threading.Thread(target=spin)
t.start()
beside = sleeps()
stop = True
t.join()
print(f"RESULT convoy_alone {alone * 1000:.1f} ms")
print(f"RESULT convoy_beside_cpu_thread {beside * 1000:.1f} ms")
print(f"RESULT convoy_slowdown {beside / alone:.2f} x")
