# Waits inside calls from builtins (a generator driven by sorted(), map(),
# sum()): on emulated threads the other threads run from there.
import threading, time
def job(i):
    t = threading.Thread(target=time.sleep, args=(0.01,))
    t.start(); t.join()
    return i
print(sorted((job(i) for i in range(5)), key=lambda x: -x))
lock = threading.Lock()
ev = threading.Event()
def holder():
    with lock:
        ev.set()
        time.sleep(0.05)
threading.Thread(target=holder).start()
ev.wait()
print(list(map(lambda _: lock.acquire() and not lock.release(), range(3))))
print(sum(time.sleep(0.001) or 1 for _ in range(5)))
