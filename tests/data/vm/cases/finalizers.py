# __del__ (PEP 442): run when the last reference goes — at once, before
# the next statement —, once per object even if resurrected, for objects
# in cycles when the collector finds them, and for what __main__ still
# holds at exit; an exception in it is reported and ignored.
import gc
import sys


class Fin:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("del", self.name)


f = Fin("rebound")
f = None
print("after rebind")
f = Fin("deleted")
del f
print("after del")
lst = [Fin("list item")]
lst[0] = 1
print("after list store")
d = {"k": Fin("dict value")}
d["k"] = 2
print("after dict store")


class Holder:
    pass


h = Holder()
h.attr = Fin("attribute")
h.attr = None
print("after attribute store")
Fin("temporary")
print("after temporary")


def local_objects():
    x = Fin("local 1")
    y = Fin("local 2")
    return "returned"


print(local_objects())
print("after call")


class Sub(Fin):
    pass


s = Sub("subclass")
del s
print("after subclass")


class NoArgs:
    def __del__(self):
        print("del NoArgs")


NoArgs()
print("after NoArgs")


class Bad:
    def __del__(self):
        raise ValueError("in __del__")


Bad()
sys.stderr.flush()
print("after Bad")

keep = []


class Resurrect:
    count = 0

    def __del__(self):
        Resurrect.count += 1
        keep.append(self)


Resurrect()
print("resurrected", len(keep), Resurrect.count)
keep.clear()
print("dropped again", Resurrect.count)

a = Fin("cycle a")
b = Fin("cycle b")
a.other = b
b.other = a
del a, b
print("before collect")
print(gc.collect() >= 2)
print("after collect")


class Late:
    pass


def late_del(self):
    print("late __del__")


Late.__del__ = late_del
Late()
print("after Late")


def gen():
    try:
        yield 1
    finally:
        print("generator finally")


g = gen()
next(g)
del g
print("after generator")

at_exit = Fin("global at exit")
print("end")
