class N:
    def __init__(self, v): self.v = v
    def __repr__(self): return f"N({self.v})"
    def __add__(self, o): return N(self.v + (o.v if isinstance(o, N) else o))
    def __radd__(self, o): return N(o + self.v)
    def __sub__(self, o): return N(self.v - o.v)
    def __mul__(self, o): return N(self.v * o)
    def __rmul__(self, o): return N(self.v * o * 10)
    def __truediv__(self, o): return N(self.v / o)
    def __floordiv__(self, o): return N(self.v // o)
    def __mod__(self, o): return N(self.v % o)
    def __pow__(self, o): return N(self.v ** o)
    def __neg__(self): return N(-self.v)
    def __pos__(self): return N(+self.v)
    def __abs__(self): return N(abs(self.v))
    def __invert__(self): return N(~self.v)
    def __lt__(self, o): return self.v < o.v
    def __le__(self, o): return self.v <= o.v
    def __gt__(self, o): return self.v > o.v
    def __ge__(self, o): return self.v >= o.v
    def __eq__(self, o): return isinstance(o, N) and self.v == o.v
    def __hash__(self): return hash(self.v)
    def __iadd__(self, o):
        self.v += o
        return self
    def __bool__(self): return self.v != 0
    def __int__(self): return int(self.v)
    def __float__(self): return float(self.v)
    def __index__(self): return int(self.v)
    def __round__(self, n=None): return N(round(self.v, n))
    def __len__(self): return abs(self.v)
    def __getitem__(self, k): return k * 2
    def __setitem__(self, k, v): print("set", k, v)
    def __delitem__(self, k): print("del", k)
    def __contains__(self, k): return k == self.v
    def __format__(self, spec): return f"N<{self.v:{spec}}>"
    def __str__(self): return f"n{self.v}"
a, b = N(7), N(2)
print(a + b, a + 1, 1 + a, a - b, a * 3, 3 * a, a / 2, a // 2, a % 4, a ** 2, -a, +a, abs(N(-3)), ~a)
print(a < b, a <= b, a > b, a >= b, a == N(7), a != b, sorted([a, b, N(0)]), max(a, b), bool(N(0)), int(a), float(a))
print([1, 2, 3][N(1)], hex(N(255)), round(N(2.567), 1), len(a), a[3], 7 in a, 8 in a, f"{a:>4}", str(a), format(a, "03d"))
a[1] = 2
del a[5]
c = a
c += 5
print(c is a, a)
print(sum([N(1), N(2)], N(0)))
class Cmp:
    def __eq__(self, o): return "eq-result"
print(Cmp() == 1, Cmp() != 1)
try:
    a < 5
except AttributeError as e:
    print("AttributeError:", e)
try:
    N(1) @ N(2)
except TypeError as e:
    print("TypeError:", e)
class Only:
    pass
try:
    Only() < Only()
except TypeError as e:
    print("TypeError:", e)
