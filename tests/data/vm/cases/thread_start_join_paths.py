# Thread.start() and join() take a native path when nothing is unusual
# and their Python path otherwise (errors, classes that intercept
# attributes, a timeout): both must behave as CPython's.
import threading

log = []


def work(tag):
    log.append(("run", tag, threading.current_thread().name))


class Logged(threading.Thread):
    def __setattr__(self, name, value):
        if name in ("_ident", "_name"):
            log.append(("set", name, type(value).__name__))
        object.__setattr__(self, name, value)


class Looked(threading.Thread):
    seen = 0

    def __getattribute__(self, name):
        if name == "_started":
            type(self).seen += 1
        return object.__getattribute__(self, name)


class WithIdentProperty(threading.Thread):
    @property
    def _ident(self):
        return self.__dict__.get("ident_store")

    @_ident.setter
    def _ident(self, v):
        self.__dict__["ident_store"] = v
        log.append(("ident property set", type(v).__name__))


for cls in (threading.Thread, Logged, Looked, WithIdentProperty):
    t = cls(target=work, args=(cls.__name__,), name="t-" + cls.__name__)
    r1 = t.start()
    r2 = t.join()
    print(cls.__name__, r1, r2, t.is_alive(), t.ident is not None, log)
    log.clear()
print("getattribute saw _started", Looked.seen > 0)


class NoInit(threading.Thread):
    def __init__(self):
        pass


for what, f in (("start without __init__", lambda: NoInit().start()),
                ("join without __init__", lambda: NoInit().join()),
                ("join before start", lambda: threading.Thread(target=work).join())):
    try:
        f()
    except RuntimeError as e:
        print(what, "->", e)

t = threading.Thread(target=work, args=("twice",))
t.start()
t.join()
try:
    t.start()
except RuntimeError as e:
    print("second start ->", e)
print(t.join(), t.join(None), t.join(5), t.join(timeout=0))


def joins_itself():
    try:
        threading.current_thread().join()
    except RuntimeError as e:
        print("self join ->", e)


s = threading.Thread(target=joins_itself)
s.start()
s.join()


# Threads started and joined from other threads, with a Condition between.
cond = threading.Condition()
ready = []


def child(n):
    with cond:
        ready.append(n)
        cond.notify_all()


def parent():
    kids = [threading.Thread(target=child, args=(n,)) for n in range(4)]
    for k in kids:
        k.start()
    for k in kids:
        k.join()
    with cond:
        cond.wait_for(lambda: len(ready) == 4)
    print("parent saw", sorted(ready))


p = threading.Thread(target=parent)
p.start()
p.join()
print(threading.active_count(), [x.name for x in threading.enumerate()])
