# threading.Event: flag, waits with timeouts, wake-ups, repr, subclassing.
import threading
import time

e = threading.Event()
print(e.is_set(), e.wait(0), e.wait(-1), e.wait(0.01))
e.set()
print(e.is_set(), e.wait(), e.wait(5), e.wait(timeout=0))
e.clear()
print(e.is_set(), repr(e).endswith(": unset>"), repr(e).startswith("<threading.Event at 0x"))
e.set()
print(repr(e).endswith(": set>"))
e.clear()

# A waiter woken by set() returns True even if the flag is cleared
# right after (waiters are notified, not re-checking later).
results = []
ev = threading.Event()
go = threading.Event()


def waiter(n):
    go.set()
    results.append((n, ev.wait(10)))


ts = [threading.Thread(target=waiter, args=(i,)) for i in range(3)]
for t in ts:
    t.start()
go.wait()
time.sleep(0.05)
ev.set()
ev.clear()
for t in ts:
    t.join()
print(sorted(results), ev.is_set())

# Subclassing keeps working.


class Counted(threading.Event):
    def __init__(self):
        super().__init__()
        self.sets = 0

    def set(self):
        self.sets += 1
        super().set()


c = Counted()
c.set()
c.set()
print(c.sets, c.is_set(), repr(c).startswith("<__main__.Counted at 0x"))

# A timed wait times out with False.
t0 = time.monotonic()
print(threading.Event().wait(0.05), time.monotonic() - t0 >= 0.04)
try:
    threading.Event().wait("1")
except TypeError as e:
    print("TypeError:", e)

# Thread start/join signals.
th = threading.Thread(target=lambda: None)
print(th.is_alive())
th.start()
th.join()
print(th.is_alive(), "stopped" in repr(th))
