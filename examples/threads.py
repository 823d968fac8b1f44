"""Threads on pyrt: a producer/consumer on a Condition, a Barrier, and an
unlocked counter whose lost updates are reproducible under
`-X threads=emulated -X sched_seed=N`."""
import sys
import threading
import time

items = []
cond = threading.Condition()
done = False


def producer():
    global done
    for i in range(5):
        time.sleep(0.001)
        with cond:
            items.append(i)
            cond.notify()
    with cond:
        done = True
        cond.notify_all()


def consumer(out):
    while True:
        with cond:
            while not items and not done:
                cond.wait()
            if not items:
                return
            out.append(items.pop(0))


got = []
threads = [threading.Thread(target=producer), threading.Thread(target=consumer, args=(got,))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("consumed in order:", got)

barrier = threading.Barrier(3)
order = []


def phase(n):
    order.append(("before", n))
    barrier.wait()
    order.append(("after", n))


ts = [threading.Thread(target=phase, args=(n,)) for n in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("all 'before' precede every 'after':",
      max(i for i, e in enumerate(order) if e[0] == "before") < min(i for i, e in enumerate(order) if e[0] == "after"))

sys.setswitchinterval(1e-6)
counter = 0


def add(v):
    return v + 1


def racer():
    global counter
    for _ in range(2000):
        counter = add(counter)


ts = [threading.Thread(target=racer) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(f"unlocked counter: {counter} of 8000 ({threading.active_count()} thread left)")
