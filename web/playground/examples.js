// Example programs of the playground.
export const EXAMPLES = {
  'Threads with a lock': {
    seed: '',
    source: `import threading, time

lock = threading.Lock()
counter = 0

def worker(name, n):
    global counter
    for i in range(n):
        with lock:
            counter += 1
        if i % 500 == 0:
            time.sleep(0.002)   # blocking: the GIL goes to another thread
    print(f"{name} done")

threads = [threading.Thread(target=worker, args=(f"worker-{i}", 2000), name=f"worker-{i}")
           for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter =", counter)
`,
  },
  'A race, reproducible with a seed': {
    seed: '7',
    source: `# An unlocked read-modify-write races when the GIL switches between
# the read and the write. With -X sched_seed=N (the Seed box) the
# emulated scheduler switches at the same points on every run: the same
# seed prints the same total; another seed may not.
import sys, threading

sys.setswitchinterval(1e-6)
total = 0

def add():
    global total
    for _ in range(20000):
        t = total
        total = t + 1

threads = [threading.Thread(target=add) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("expected 80000, got", total)
`,
  },
  'Producer / consumer': {
    seed: '',
    source: `import threading, time

items = []
cond = threading.Condition()
DONE = object()

def producer():
    for i in range(5):
        time.sleep(0.05)
        with cond:
            items.append(i)
            print("produced", i)
            cond.notify()
    with cond:
        items.append(DONE)
        cond.notify()

def consumer():
    while True:
        with cond:
            cond.wait_for(lambda: items)
            item = items.pop(0)
        if item is DONE:
            break
        print("    consumed", item)

threading.Thread(target=producer, name="producer").start()
c = threading.Thread(target=consumer, name="consumer")
c.start()
c.join()
print("all consumed")
`,
  },
  'Stop me (a busy loop)': {
    seed: '',
    source: `# Press Stop: KeyboardInterrupt arrives in the running loop.
n = 0
try:
    while True:
        n += 1
except KeyboardInterrupt:
    print("interrupted after", n, "iterations")
    raise
`,
  },
  'Stop me (a long sleep)': {
    seed: '',
    source: `# Press Stop: the sleep ends at once with KeyboardInterrupt.
import time
print("sleeping for 100 s...")
time.sleep(100)
`,
  },
};
