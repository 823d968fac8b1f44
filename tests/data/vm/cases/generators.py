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

# Generators consumed by Rust-level iteration (sum, list, join, max...):
# their return ends them without a StopIteration, as CPython's
# gen_iternext; next() from Python still raises it with the value.
def upto(n):
    for i in range(n):
        yield i
    return "done"
print(sum(upto(4)), list(upto(3)), tuple(upto(0)), sorted(upto(3), reverse=True), max(upto(5)),
      "".join(str(x) for x in upto(3)))
it = upto(1)
print(next(it))
try:
    next(it)
except StopIteration as e:
    print("StopIteration", e.value)
def failing():
    yield 1
    raise ValueError("in the generator")
try:
    list(failing())
except ValueError as e:
    print("ValueError:", e)
