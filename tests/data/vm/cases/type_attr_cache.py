# Class attribute lookups stay right when classes change (the VM caches
# lookups per type; every change must show).
import gc


class Base:
    x = 1

    def m(self):
        return "Base.m"


class Mid(Base):
    pass


class Leaf(Mid):
    pass


o = Leaf()
print(o.x, o.m())
# A base gains what a subclass finds.
Mid.x = 2
print(o.x)
Leaf.m = lambda self: "Leaf.m"
print(o.m())
del Leaf.m
print(o.m())
del Mid.x
print(o.x)
# Replacing a method on the class a bound method came from.
Base.m = lambda self: "Base.m2"
print(o.m(), Leaf().m())
# Instance attributes shadow class data, not properties.


class P:
    def __init__(self):
        self._v = 0

    @property
    def v(self):
        return self._v * 10


p = P()
p._v = 3
print(p.v)
try:
    p.v = 5
except AttributeError as e:
    print("AttributeError:", e)
P.v = property(lambda self: -1, lambda self, val: setattr(self, "_v", val))
p.v = 7
print(p.v, p._v)
del P.v
p.v = 8
print(p.v, p.__dict__)
# __setattr__ / __getattr__ added and removed after instances exist.


class S:
    pass


s = S()
s.a = 1
S.__setattr__ = lambda self, k, val: object.__setattr__(self, k, val * 2)
s.b = 2
print(s.a, s.b)
del S.__setattr__
s.c = 3
print(s.c)
S.__getattr__ = lambda self, k: "missing " + k
print(s.zzz)
del S.__getattr__
try:
    s.zzz
except AttributeError as e:
    print("AttributeError:", e)
# Classes made and freed in a loop: a new class may take a freed one's
# place; its attributes are its own.
seen = []
for i in range(200):
    C = type("C", (), {"val": i, "get": lambda self: self.val})
    seen.append(C().get())
    del C
    if i % 50 == 0:
        gc.collect()
print(seen == list(range(200)))


def make(n):
    class K:
        def who(self):
            return n
    return K()


print([make(i).who() for i in range(5)])
# Special methods found through the class (hash, len, iteration).


class H:
    def __hash__(self):
        return 1

    def __len__(self):
        return 3


h = H()
print(hash(h), len(h))
H.__hash__ = lambda self: 2
H.__len__ = lambda self: 4
print(hash(h), len(h))
H.__hash__ = None
try:
    hash(h)
except TypeError as e:
    print("TypeError:", e)
# Instances of one class with different attribute counts (new instances'
# dicts are sized from earlier ones): order and contents are their own.


class Bag:
    pass


bags = []
for n in (3, 100, 0, 5):
    b = Bag()
    for i in range(n):
        setattr(b, "a%d" % (n - i), i)
    bags.append(b)
print([len(b.__dict__) for b in bags], list(bags[3].__dict__), bags[1].a1)
