# Keyword arguments bound to parameters: in and out of order, with
# defaults and keyword-only parameters, past eight of them, from **
# mappings, and CPython's errors for each way a binding fails.
def f(a, b=2, *, c=3, d):
    return (a, b, c, d)
def g(a, /, b, c=5):
    return (a, b, c)
def h(x, y, z):
    return (x, y, z)
def many(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9=9):
    return (a0, a9, a8)
tests = [
    lambda: f(1, d=4),
    lambda: f(1, d=4, b=7),
    lambda: f(d=4, a=0),
    lambda: f(1, c=0, d=1, b=2),
    lambda: f(1, 2, 3, d=4),
    lambda: f(1, a=2, d=3),
    lambda: f(1, e=5, d=3),
    lambda: f(1),
    lambda: f(b=1, d=2),
    lambda: g(1, b=2),
    lambda: g(a=1, b=2),
    lambda: g(1, c=3, b=4),
    lambda: g(1, 2, b=3),
    lambda: h(z=3, y=2, x=1),
    lambda: h(1, z=3, y=2),
    lambda: h(1, z=3),
    lambda: h(1, 2, 3, x=4),
    lambda: many(a8=8, a7=7, a6=6, a5=5, a4=4, a3=3, a2=2, a1=1, a0=0),
    lambda: many(0, 1, 2, 3, 4, 5, 6, 7, a8=8, a9=10),
    lambda: h(**{'x': 1, 'y': 2, 'z': 3}),
    lambda: h(1, **{'z': 3, 'y': 2}),
    lambda: h(1, y=2, **{'z': 3}),
]
for t in tests:
    try:
        print(t())
    except TypeError as e:
        print("TypeError:", e)
