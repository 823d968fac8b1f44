# The eval loop's shortcuts — d[k], d[k] = v and `k in d` on dicts with
# int or str keys, and lst.append(x) — must behave exactly as the general
# paths they skip: other key kinds, keys with their own __eq__, subclasses,
# and errors.

# Int and str keys, present and absent.
d = {1: "one", "a": "A"}
print(d[1], d["a"], 1 in d, "a" in d, 2 in d, "b" in d, 2 not in d)
d[1] = "uno"
d["b"] = "B"
d[2] = "two"
print(d)
try:
    d[3]
except KeyError as e:
    print("KeyError", repr(e))
try:
    d["zz"]
except KeyError as e:
    print("KeyError", repr(e))

# Keys that compare equal across kinds: 1, 1.0 and True are one key.
d = {1.0: "float"}
print(d[1], 1 in d, True in d)
d[1] = "int"
print(d)
d = {True: "t"}
print(d[1], 1 in d)
d[1] = "one"
print(d)
big = 2**70
d = {big: "big"}
print(big in d, d[2**70], 0 in d)

# Hash collisions between an int key and a stored key with its own __eq__.
class Eq:
    calls = 0

    def __init__(self, h):
        self.h = h

    def __hash__(self):
        return self.h

    def __eq__(self, other):
        Eq.calls += 1
        return other == self.h


d = {Eq(5): "eq"}
print(d[5], 5 in d, Eq.calls)
d[5] = "replaced"
print(list(d.values()), Eq.calls)

# A key whose __eq__ mutates the dict during lookup.
class Mut:
    def __hash__(self):
        return 7

    def __eq__(self, other):
        dd.clear()
        return False


dd = {Mut(): 1}
print(7 in dd, len(dd))

# Unhashable and non-simple keys take the general path.
d = {(1, 2): "t"}
print(d[(1, 2)], (1, 2) in d)
try:
    d[[1]]
except TypeError as e:
    print("TypeError", e)
try:
    [1] in d
except TypeError as e:
    print("TypeError", e)
try:
    d[[1]] = 0
except TypeError as e:
    print("TypeError", e)

# Mapping-like classes keep their own behaviour (subclassing dict is
# outside pyrt's subset).
class Logged:
    def __init__(self):
        self.d = {}

    def __getitem__(self, k):
        print("get", k)
        return self.d.get(k, "missing")

    def __setitem__(self, k, v):
        print("set", k, v)
        self.d[k] = v

    def __contains__(self, k):
        print("contains", k)
        return k in self.d


lg = Logged()
lg["x"] = 1
lg[2] = 3
print("x" in lg, 5 in lg, lg["x"], lg[9])

# A dict growing through the fast store keeps insertion order.
d = {}
for i in range(40):
    d[i % 17] = d[i % 17] + i if i % 17 in d else i
    d[str(i % 5)] = i
print(d)
print(sum(d[k] for k in d if k.__class__ is int))

# list.append: exact lists, subclasses, unbound calls, errors.
out = []
for i in range(5):
    out.append(i * i)
print(out, out.append(9), out)


class Appender:
    def __init__(self):
        self.items = []

    def append(self, x):
        print("Appender.append", x)
        self.items.append(x * 10)


ap = Appender()
ap.append(1)
print(ap.items)
append = Appender.append
append(ap, 2)
print(ap.items)
ap = out.append
ap(100)
list.append(out, 101)
print(out[-2:])
try:
    out.append()
except TypeError as e:
    print("TypeError", e)
try:
    out.append(1, 2)
except TypeError as e:
    print("TypeError", e)
try:
    list.append((), 1)
except TypeError as e:
    print("TypeError", e)
x = []
x.append(x)
print(x)
print([].append(1))
