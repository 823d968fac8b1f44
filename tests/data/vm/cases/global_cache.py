# Global and builtin name lookups stay right as namespaces change (the VM
# caches where each LoadGlobal found its name).
import builtins

g = 1


def read():
    return g


def read_len():
    return len("abc")


out = []
for i in range(3):
    out.append(read())
    g = i * 10  # rebinding keeps the cache valid, and shows
out.append(read())
print(out)

# A global that shadows a builtin, then goes away again.
print(read_len())
len = lambda s: "shadow"
print(read_len())
del len
print(read_len())

# A builtin replaced in builtins itself.
orig = builtins.len
builtins.len = lambda s: "patched"
print(read_len())
builtins.len = orig
print(read_len())

# Deleting the global a function reads.
del g
try:
    read()
except NameError as e:
    print("NameError:", e)
g = "back"
print(read())

# Many new globals (the dict grows and entries move) between reads.
for k in range(100):
    globals()["x%d" % k] = k
print(read(), x99)
for k in range(0, 100, 2):
    del globals()["x%d" % k]
print(read(), x99)

# The same code object run with other globals.
src = "def f():\n    return name\n"
ns1 = {"name": "one"}
ns2 = {"name": "two"}
exec(src, ns1)
exec(src, ns2)
print(ns1["f"](), ns2["f"]())
code = ns1["f"].__code__
ns3 = {"name": "three"}
exec(compile("result = (lambda: name)()", "<s>", "exec"), ns3)
print(ns3["result"])


# A loop in one function while another rebinds a global it reads.
counter = 0


def bump():
    global counter
    counter += 1
    return counter


def total(n):
    s = 0
    for _ in range(n):
        s += bump() + counter
    return s


print(total(5), counter)
