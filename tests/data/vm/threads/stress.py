"""1000 threads started (all alive at once, held at a Barrier) and joined,
five rounds: every thread runs, nothing deadlocks, and memory does not grow
from round to round (tracemalloc counts what the VM's objects hold)."""
import gc
import threading
import tracemalloc

N = 1000
tracemalloc.start()
sizes = []
for round_ in range(5):
    barrier = threading.Barrier(N + 1)
    done = []
    lock = threading.Lock()

    def work(i):
        barrier.wait()
        with lock:
            done.append(i)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(N)]
    for t in ts:
        t.start()
    alive = threading.active_count()
    barrier.wait()
    for t in ts:
        t.join()
    assert sorted(done) == list(range(N)), round_
    assert alive == N + 1, alive
    assert threading.active_count() == 1, threading.active_count()
    del ts, done, barrier, work, t
    gc.collect()
    sizes.append(tracemalloc.get_traced_memory()[0])
growth = sizes[-1] - sizes[1]
print("rounds:", len(sizes), "threads per round:", N)
print("memory growth after the first rounds:", "none" if growth <= 64 * 1024 else f"{growth} bytes")
