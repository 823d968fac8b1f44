# if/elif/else, while/else, for/else, break/continue, pass, assert, del, global/nonlocal, chained comparison, conditional expr, walrus
x = 5
if x > 3:
    print("big")
elif x > 1:
    print("mid")
else:
    print("small")
i = 0
while i < 10:
    i += 1
    if i % 2:
        continue
    if i == 8:
        break
    print("even", i)
else:
    print("no break")
for k in range(3):
    pass
else:
    print("for else", k)
for k in []:
    print("never")
else:
    print("empty for else")
print(1 < 2 < 3, 1 < 3 < 2, 1 == 1 != 2, "yes" if x else "no", x and 0, 0 or "d", not x)
if (n := len("abcd")) > 3:
    print("walrus", n)
print([y for y in range(5) if (z := y * 2) > 4], z)
assert x == 5, "never"
try:
    assert x == 6, f"x is {x}"
except AssertionError as e:
    print("AssertionError:", e)
try:
    assert False
except AssertionError as e:
    print("bare assert", e.args)
a = b = 3
a, b = b + 1, a
print(a, b)
(c, d), e = (1, 2), 3
first, *rest = [1, 2, 3]
*init, last = "abc"
print(c, d, e, first, rest, init, last)
v = [1, 2, 3]
del v[1]
print(v)
w = 1
del w
try:
    print(w)
except NameError as e:
    print("NameError:", e)
counter = 0
def bump():
    global counter
    counter += 1
bump(); bump()
print(counter)
def outer():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    inc(); inc()
    return n
print(outer())
for i, (p, q) in enumerate([(1, 2), (3, 4)]):
    print(i, p, q)
n = 0
while True:
    n += 1
    if n >= 3:
        break
print(n)
