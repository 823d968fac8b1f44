def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw.items()))
print(f(1, c=3))
print(f(1, 5, 6, 7, c=8, e=9))
print(f(*[1, 2, 3], **{"c": 4, "z": 5}))
def pos(a, b, /, c):
    return a, b, c
print(pos(1, 2, c=3), pos(1, 2, 3))
def defaults(x=[]):
    x.append(1)
    return len(x)
print(defaults(), defaults(), defaults([]))
sq = lambda x, y=1: x * y
print(sq(3), sq(3, 4), (lambda: "anon")())
def gen_closures():
    fs = [lambda i=i: i for i in range(3)]
    late = [lambda: i for i in range(3)]
    return [g() for g in fs], [g() for g in late]
print(gen_closures())
def make_counter():
    count = 0
    def counter():
        nonlocal count
        count += 1
        return count
    return counter
c1 = make_counter(); c1(); print(c1(), make_counter()())
def rec(n):
    return 1 if n <= 1 else n * rec(n - 1)
print(rec(20))
def doc():
    """The doc."""
print(doc.__doc__, doc.__name__, f.__defaults__, f.__kwdefaults__, rec.__qualname__)
def outer():
    def inner():
        pass
    return inner
print(outer().__qualname__)
def kwonly(*, a):
    return a
for call in [lambda: f(), lambda: f(1), lambda: pos(1, b=2, c=3), lambda: kwonly(1), lambda: f(1, c=1, a=2), lambda: sq(), lambda: kwonly(a=1, b=2), lambda: rec(1, 2)]:
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
def varargs(*a, **k):
    return a, k
print(varargs(), varargs(1, x=2))
def unpack(a, b, c):
    return a + b + c
print(unpack(*"abc"), unpack(1, *[2], **{"c": 3}))
def ann(x: int) -> str:
    return str(x)
print(ann(5))

# Argument binding: positional calls filled from defaults (the in-place fast
# path), keywords bound in place, and CPython's errors.
def bf(a, b=2, *args, c, d=4, **kw): return (a, b, args, c, d, kw)
def bg(a, b=2): return (a, b)
def bh(a, /, b, *, c=3): return (a, b, c)
def bk(*args, **kw): return (args, kw)
def bm(x, y, z=3): return (x, y, z)
tests = [lambda: bf(1, c=3), lambda: bf(1, 2, 3, 4, c=5, e=6), lambda: bf(c=1, a=2), lambda: bg(1), lambda: bg(1, 2),
         lambda: bg(b=5, a=1), lambda: bg(), lambda: bg(1, 2, 3), lambda: bg(1, a=2), lambda: bg(1, x=2), lambda: bh(1, 2),
         lambda: bh(1, b=2, c=4), lambda: bh(a=1, b=2), lambda: bh(1), lambda: bk(), lambda: bk(1, 2, x=3), lambda: bf(1),
         lambda: bm(1), lambda: bm(1, 2), lambda: bm(1, 2, z=9), lambda: bm(1, 2, 3, 4), lambda: bm(1, y=2, x=3),
         lambda: bg(1, 2, b=3), lambda: bf(1, 2, 3, c=1, d=2, c2=3)]
for t in tests:
    try:
        print(t())
    except TypeError as e:
        print("TypeError:", e)
class BindC:
    def meth(self, a, b=7):
        return (a, b)
bc = BindC()
print(bc.meth(1), bc.meth(1, 2), bc.meth(a=3))
try:
    bc.meth()
except TypeError as e:
    print("TypeError:", e)

# f(*a, **k): the sequence and mapping passed as they are, CPython's
# messages naming the function.
def spread(*a, **k):
    return a, k
def two(x, y=2):
    return x, y
print(spread(*[1, 2], **{"a": 1}), spread(*(1,), x=3), spread(*"ab"))
print(two(*(1,), **{"y": 5}), spread(0, *(1, 2), 3), spread(*(1,), *[2]))
kw = {"y": 7}
print(two(1, **kw), kw)
class Mapping:
    def keys(self):
        return ["q"]
    def __getitem__(self, k):
        return 9
print(spread(**Mapping()), spread(*(i for i in range(3))))
for bad in (
    lambda: spread(*1),
    lambda: spread(**1),
    lambda: spread(1, *1),
    lambda: spread(**{"a": 1}, **{"a": 2}),
    lambda: spread(**{"a": 1}, **3),
    lambda: two(1, **{"x": 2}),
    lambda: spread(**{1: 2}),
    lambda: print(*1),
    lambda: len(**1),
):
    try:
        bad()
    except TypeError as e:
        print("TypeError:", e)
class Meth:
    def m(self, *a, **k):
        return a, k
print(Meth().m(*[1], **{"z": 0}), Meth.m(*[Meth(), 2])[0])

# Closures called with exactly their parameters enter without binding;
# their free variables are the closure's cells.
def counter():
    v = 0
    def get():
        return v
    def bump(by):
        nonlocal v
        v += by
    return get, bump
get, bump = counter()
bump(2)
bump(3)
print(get(), [f() for f in [lambda i=i: i for i in range(3)]])
def free_before_bound():
    def f():
        return x
    try:
        f()
    except NameError as e:
        print("NameError:", e)
    x = 5
    return f()
print(free_before_bound())
