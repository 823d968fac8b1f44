# Generators (send, return values, yield from with exceptions, close and
# finally, exhaustion), closures over loop variables and defaults, scoping
# (enclosing, global, UnboundLocalError), as CPython 3.13.
def g1():
    x = yield 1
    print("got", x)
    y = yield x * 2
    return y
g = g1(); print(next(g), g.send(5))
try:
    g.send(9)
except StopIteration as e:
    print("ret", e.value, e.args)
def g2():
    yield from range(3)
    r = yield from g1()
    yield r
print(list(g2()) if False else "skip")
gg = g2(); print([next(gg) for _ in range(4)], gg.send("a"), next(gg, "x") if False else "")
def g3():
    try:
        yield 1
    finally:
        print("cleanup")
for v in g3():
    print("v", v)
    break
print("after break")
def counter():
    n = 0
    while True:
        n += 1
        cmd = yield n
        if cmd == "stop":
            return n
c = counter(); next(c); next(c); 
try:
    c.send("stop")
except StopIteration as e:
    print("stopped at", e.value)
print(next(c, "exhausted"))
def genexp_scope():
    x = 10
    return list(x + i for i in range(3))
print(genexp_scope())
def g4():
    yield 1
    raise ValueError("in gen")
try:
    list(g4())
except ValueError as e:
    print("VE", e)
def g5():
    yield 1
    return
    yield 2
print(list(g5()))
gen = (i * i for i in range(3)); print(type(gen).__name__, next(gen), list(gen), list(gen))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
f = fib(); print([next(f) for _ in range(10)])
print(g1.__name__, type(g1()).__name__, g1().__name__, g1().__qualname__)
def deleg():
    try:
        yield from g6()
    except KeyError as e:
        yield "deleg caught " + repr(e)
def g6():
    yield "a"
    raise KeyError("k")
print(list(deleg()))
it = iter([1, 2, 3]); print(next(it), list(it), next(it, None))
def closure_loop():
    fs = [lambda: i for i in range(3)]
    gs = [lambda i=i: i for i in range(3)]
    return [f() for f in fs], [g() for g in gs]
print(closure_loop())
x = "global"
def scope_test():
    def inner():
        return x
    x = "enclosing"
    return inner()
print(scope_test())
def unbound():
    print(y)
    y = 1
try:
    unbound()
except UnboundLocalError as e:
    print("ULE", e)
def gl():
    global gz
    gz = 5
gl(); print(gz)
class K:
    a = 1
    b = [a * i for i in range(3)] if False else None
    def m(self): return K.a
print(K().m())
try:
    g = g1(); next(g); g.throw(TypeError("via throw"))
except TypeError as e:
    print("thrown", e)
g = g1(); print(g.close(), g.gi_running if hasattr(g, "gi_running") else "nogirunning")
