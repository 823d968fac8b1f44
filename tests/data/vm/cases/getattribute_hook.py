# A class's own __getattribute__ sees every attribute load (method calls,
# getattr, hasattr, __class__), __getattr__ runs after its AttributeError,
# object.__getattribute__ and super() reach the ordinary lookup, and
# special-method lookups (len, +, iteration) bypass it — as in CPython.
seen = []


class Traced:
    cls_attr = "class value"

    def __init__(self):
        self.x = 1

    def m(self, k):
        return ("m", k)

    def __getattribute__(self, name):
        seen.append(name)
        return object.__getattribute__(self, name)

    def __len__(self):
        return 3

    def __add__(self, other):
        return ("add", other)

    def __iter__(self):
        return iter([1, 2])


t = Traced()
print(t.x, t.cls_attr, t.m(5), len(t), t + 1, list(t))
print(getattr(t, "x"), getattr(t, "nope", "default"), hasattr(t, "nope"), hasattr(t, "m"))
print(t.__class__.__name__, type(t).__name__)
print(seen)
seen.clear()
try:
    t.missing
except AttributeError as e:
    print("AttributeError:", e)
for i in range(3):
    t.x
print(seen)


class WithGetattr:
    def __getattribute__(self, name):
        if name.startswith("a"):
            return "hooked " + name
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        return "fallback " + name


w = WithGetattr()
w.zz = "stored"
print(w.apple, w.zz, w.other, getattr(w, "x", None))


class Raises:
    def __getattribute__(self, name):
        raise AttributeError("nothing here: " + name)


try:
    Raises().anything
except AttributeError as e:
    print("AttributeError:", e)
print(hasattr(Raises(), "y"), getattr(Raises(), "y", 7))


class Base:
    def __getattribute__(self, name):
        if name == "magic":
            return 42
        return super().__getattribute__(name)


class Derived(Base):
    def __init__(self):
        self.v = "v"

    def meth(self):
        return self.magic, self.v


d = Derived()
print(d.magic, d.v, d.meth(), Derived().meth())
try:
    d.nothing
except AttributeError as e:
    print("AttributeError:", e)
try:
    object.__getattribute__(d, 1)
except TypeError as e:
    print("TypeError:", e)
try:
    object.__getattribute__(d, "nothing")
except AttributeError as e:
    print("AttributeError:", e)


class Counting:
    count = 0

    def __getattribute__(self, name):
        type(self).count += 1
        return 0


c = Counting()
for i in range(5):
    c.anything
print(Counting.count, c.whatever, type(c).count)


class E(Exception):
    def __getattribute__(self, name):
        if name == "extra":
            return "from hook"
        return super().__getattribute__(name)


e = E("msg")
print(e.extra, e.args)
