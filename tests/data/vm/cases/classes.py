class Base:
    kind = "base"
    count = 0
    def __init__(self, name):
        self.name = name
        Base.count += 1
    def hello(self):
        return f"{self.kind}:{self.name}"
    def __repr__(self):
        return f"Base({self.name!r})"
    def __str__(self):
        return "str-" + self.name
    @staticmethod
    def st(x):
        return x * 2
    @classmethod
    def cm(cls):
        return cls.__name__
    @property
    def upper(self):
        return self.name.upper()
    @upper.setter
    def upper(self, v):
        self.name = v.lower()
class Child(Base):
    kind = "child"
    def __init__(self, name, extra):
        super().__init__(name)
        self.extra = extra
    def hello(self):
        return super().hello() + "!" + str(self.extra)
b = Base("b"); c = Child("c", 1)
print(b.hello(), c.hello(), repr(b), str(c), [b, c], Base.count, Child.st(4), c.cm(), Base.cm())
print(c.upper); c.upper = "NEW"; print(c.name, c.upper)
print(isinstance(c, Base), type(c).__name__, Child.__mro__, Child.__bases__, Child.__name__, Child.__qualname__)
print(c.__dict__, sorted(Child.__dict__.keys() - {"__module__", "__doc__", "__init__", "hello", "kind"}))
class Vec:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __eq__(self, o):
        return isinstance(o, Vec) and (self.x, self.y) == (o.x, o.y)
    def __lt__(self, o):
        return (self.x, self.y) < (o.x, o.y)
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __len__(self):
        return 2
    def __getitem__(self, i):
        return (self.x, self.y)[i]
    def __iter__(self):
        yield self.x
        yield self.y
    def __hash__(self):
        return hash((self.x, self.y))
    def __repr__(self):
        return f"Vec({self.x}, {self.y})"
    def __bool__(self):
        return bool(self.x or self.y)
    def __contains__(self, v):
        return v in (self.x, self.y)
    def __call__(self, k):
        return self.x * k
v = Vec(1, 2)
print(v + Vec(3, 4), v == Vec(1, 2), v != Vec(0, 0), sorted([Vec(2, 0), Vec(1, 5)]), len(v), v[1], list(v), bool(Vec(0, 0)), 2 in v, v(10))
print({v: "x"}[Vec(1, 2)], max([Vec(1, 1), Vec(0, 9)]))
class Ctx:
    def __enter__(self):
        print("enter")
        return self
    def __exit__(self, t, e, tb):
        print("exit", t.__name__ if t else None, e)
        return True
with Ctx() as cx:
    print("body", type(cx).__name__)
    raise ValueError("swallowed")
print("after with")
class Counter:
    def __init__(self):
        self.n = 0
    def __iter__(self):
        return self
    def __next__(self):
        self.n += 1
        if self.n > 3:
            raise StopIteration
        return self.n
print(list(Counter()), [x * 2 for x in Counter()])
class Slotless:
    pass
s = Slotless(); s.a = 1; print(s.a, vars(s))
try:
    Base()
except TypeError as e:
    print("TypeError:", e)
try:
    b.missing
except AttributeError as e:
    print("AttributeError:", e)
class WithGetattr:
    def __getattr__(self, n):
        return n * 2
print(WithGetattr().ab)
class A:
    def who(self): return "A"
class B(A):
    def who(self): return "B" + super().who()
class C(B):
    def who(self): return "C" + super().who()
print(C().who(), [k.__name__ for k in C.__mro__])
print(type("Dyn", (Base,), {"kind": "dyn"})("d").hello())

# super().name: functions and method descriptors called with the instance
# as self; everything else bound as super's attribute access binds it.
class SupA:
    def __init__(self, x):
        self.x = x
    def m(self, k=1):
        return ("SupA.m", k)
    @classmethod
    def cm(cls):
        return ("SupA.cm", cls.__name__)
    @staticmethod
    def sm(*a):
        return ("SupA.sm", len(a))
    @property
    def p(self):
        return "SupA.p"
    v = 42
class SupB(SupA):
    def __init__(self, x):
        super().__init__(x * 2)
        print(super().m(), super().m(k=3), super().cm(), super().sm(), super().p, super().v)
        print(super().__repr__().startswith("<__main__.SupB"), super().__class__)
        try:
            super().nope()
        except AttributeError as e:
            print("AttributeError:", e)
    @classmethod
    def cm2(cls):
        return super().cm()
print(SupB(1).x, SupB.cm2())
class SupC:
    def __init__(self):
        super().__init__()
        print("object.__init__ through super()")
SupC()
