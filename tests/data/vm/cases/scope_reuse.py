# A `finally` body is compiled twice (normal and exceptional exits); the
# scopes nested in it must be found again, not taken as new ones.
def f(n):
    try:
        r = n * 2
    finally:
        g = lambda x: x + n
        h = [y * n for y in range(3)]
    return r, g(1), h

print(f(3))
for i in range(2):
    try:
        if i:
            raise ValueError(i)
    finally:
        print("finally", i, (lambda: i * 10)(), [k for k in range(i)])
