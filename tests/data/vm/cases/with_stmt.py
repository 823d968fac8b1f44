class CM:
    def __init__(self, name, swallow=False):
        self.name = name
        self.swallow = swallow
    def __enter__(self):
        print("enter", self.name)
        return self.name
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None, ev)
        return self.swallow
with CM("a") as a, CM("b") as b:
    print("body", a, b)
with CM("s", True):
    raise KeyError("k")
try:
    with CM("p"):
        raise ValueError("v")
except ValueError as e:
    print("propagated", e)
def f():
    with CM("r"):
        return "returned"
print(f())
for i in range(2):
    with CM(f"loop{i}"):
        if i == 0:
            continue
        break
try:
    with 5:
        pass
except TypeError as e:
    print("TypeError:", e)

# `with ():` is one item, the empty tuple (found by the front-end fuzzer).
try:
    with ():
        pass
except TypeError as e:
    print("with ():", e)

# __enter__/__exit__ are bound as attribute access binds them: a
# staticmethod gets no self, a classmethod the class, a plain builtin
# stored on the class is not a descriptor.
class StaticCM:
    @staticmethod
    def __enter__(*a):
        print("static enter", len(a))
    @classmethod
    def __exit__(cls, *a):
        print("classmethod exit", cls.__name__, len(a))
with StaticCM():
    pass
class BuiltinCM:
    __enter__ = print
    __exit__ = print
try:
    with BuiltinCM():
        pass
except TypeError as e:
    print("TypeError:", e)
class Loud:
    def __init__(self, n, suppress=False):
        self.n, self.suppress = n, suppress
    def __enter__(self):
        print("enter", self.n)
        return self.n
    def __exit__(self, t, v, tb):
        print("exit", self.n, t.__name__ if t else None, v)
        return self.suppress
def two_items():
    with Loud(1) as a, Loud(2) as b:
        return a + b
print(two_items())
with Loud(3, True):
    raise ValueError("suppressed")
class RaisingExit:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        raise RuntimeError("in exit")
try:
    with RaisingExit():
        raise ValueError("body")
except RuntimeError as e:
    print("RuntimeError:", e, "context:", repr(e.__context__))
def gen():
    with Loud("g"):
        yield 1
        yield 2
print(list(gen()))
g = gen()
next(g)
g.close()
import threading
lock = threading.RLock()
with lock:
    with lock:
        print("reentrant", lock._is_owned())
print("released", lock._is_owned())
