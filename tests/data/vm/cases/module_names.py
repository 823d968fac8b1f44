# Module-level code reads names through the same cache as functions'
# globals (LoadName without a locals mapping); with a locals mapping
# (class bodies, exec with two namespaces) it looks them up each time.
import builtins

x = 1
seen = []
for i in range(4):
    seen.append(x)  # read at module level, inside a loop
    x = x + i  # rebinding an existing name in place
print(seen, x)

# Shadowing a builtin at module level, then removing the shadow.
for step in range(3):
    if step == 1:
        len = lambda s: "shadow"
    if step == 2:
        del len
    print(step, len("abc"))

# A builtin replaced in builtins itself, read from module level.
orig = builtins.abs
for step in range(2):
    if step == 1:
        builtins.abs = lambda v: "patched"
    print(abs(-3))
builtins.abs = orig

# Deleting a name the loop reads.
y = "y"
for step in range(2):
    try:
        print(y)
    except NameError as e:
        print("NameError:", e)
    if step == 0:
        del y

# Many new names (the dict grows, entries move) between reads.
z = "z"
for k in range(60):
    globals()["n%d" % k] = k
    if k % 20 == 0:
        print(z, k)
for k in range(0, 60, 3):
    del globals()["n%d" % k]
print(z, n59)

# exec with separate locals: locals first, then globals, then builtins.
g = {"a": "global a", "b": "global b"}
l = {"a": "local a"}
code = "r = []\nfor _ in range(2):\n    r.append((a, b, len('xy')))\n"
exec(code, g, l)
print(l["r"])
exec(code, g)
print(g["r"])

# Class bodies read their own namespace first.
class K:
    x = "class x"
    got = [x for _ in range(1)]
    again = x
print(K.again, x)

# A key of another type that equals a str (same hash): found by the str,
# and the str found by it — in namespaces too.
class K:
    def __hash__(self):
        return hash("x")

    def __eq__(self, other):
        return True


d = {}
d[K()] = 1
d["x"] = 2
print(len(d), list(d.values()), type(list(d)[0]).__name__)
d2 = {"x": 1}
d2[K()] = 5
print(len(d2), d2["x"], type(list(d2)[0]).__name__)
ns = {}
exec("x = 1", ns)
ns[K()] = 7
exec("y = x", ns)
print(ns["y"], len([k for k in ns if k != "__builtins__"]))

# hash() of a __hash__ result: as it is when it fits 64 bits (-1 -> -2),
# else the int's hash.
class J:
    def __init__(self, h):
        self.h = h

    def __hash__(self):
        return self.h


print(hash(K()) == hash("x"), [hash(J(h)) for h in (2**62, -(2**62), -1, 2**63, -(2**64) - 5, True)])
