def count(n):
    i = 0
    while i < n:
        yield i
        i += 1
    return "end"
print(list(count(3)), sum(count(5)), [x * x for x in count(4)])
g = count(2)
print(next(g), next(g))
try:
    next(g)
except StopIteration as e:
    print("stop", e.value)
def echo():
    got = yield "ready"
    while True:
        got = yield f"got {got}"
e = echo()
print(next(e), e.send(1), e.send("x"))
e.close()
def deleg():
    r = yield from count(2)
    yield r
print(list(deleg()))
gen = (i * 2 for i in range(4))
print(list(gen), list(gen))
print(sum(x for x in range(10) if x % 2), max(len(w) for w in ["a", "abc"]))
def thrower():
    try:
        yield 1
    except ValueError as ex:
        yield f"caught {ex}"
t = thrower()
print(next(t), t.throw(ValueError("boom")))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
f = fib()
print([next(f) for _ in range(10)])
def gen_finally():
    try:
        yield 1
        yield 2
    finally:
        print("gen cleanup")
for v in gen_finally():
    print("v", v)
    break
print(type(count(1)).__name__, count.__name__)
