s = list(range(10))
print(s[2:5], s[:3], s[7:], s[-3:], s[::3], s[::-1], s[8:2:-2], s[100:], s[-100:2], s[1:-1:2])
t = tuple(s)
print(t[2:4], "abcdefg"[1:6:2], "abc"[::-1], s[slice(1, 4)], slice(1, 2, 3))
s[2:4] = []
print(s)
s[::2] = "abcd"
print(s)
del s[1:3]
print(s)
a, b, *c = range(5)
print(a, b, c)
(x, y), z = "ab", 3
print(x, y, z)
for k, v in {"a": 1}.items():
    print(k, v)
def f():
    return 1, 2
p, q = f()
print(p + q)
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print("ValueError:", e)
try:
    a, b, c = [1]
except ValueError as e:
    print("ValueError:", e)
try:
    a, *b, c = [1]
except ValueError as e:
    print("ValueError:", e)
try:
    x, y = 5
except TypeError as e:
    print("TypeError:", e)
try:
    s[::2] = [1]
except ValueError as e:
    print("ValueError:", e)
print(s[1:2] + [9], [*"ab", *(1, 2)], {**{"a": 1}, "b": 2})
