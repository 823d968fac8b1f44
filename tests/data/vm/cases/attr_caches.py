# Attribute inline caches (LoadAttr/LoadMethod/StoreAttr remember what
# they learned about a type): every way the learned facts can go stale
# must be seen at the same instruction. Each helper below is one site,
# called again after the change.
import sys


def get_x(o):
    return o.x


def show_attribute_error(f, *args):
    try:
        print(f(*args))
    except AttributeError as e:
        print("AttributeError:", e)


def call_m(o):
    return o.m()


def set_x(o, v):
    o.x = v


class A:
    def __init__(self, x):
        self.x = x

    def m(self):
        return "A.m"


# Instances with different dict layouts at one site.
a1 = A(1)
a2 = A(2)
a2.__dict__.clear()
a2.y = 0
a2.x = 22
print(get_x(a1), get_x(a2), get_x(a1))

# The instance's own attribute wins over the class's function, and the
# function comes back when it goes.
a = A(3)
print(call_m(a))
a.m = lambda: "instance m"
print(call_m(a))
del a.m
print(call_m(a))

# The class's function replaced.
A.m = lambda self: "new A.m"
print(call_m(a))

# A property added on the class takes over loads and stores.
print(get_x(a))
set_x(a, 5)
A.x = property(lambda self: "prop", lambda self, v: print("prop set", v))
print(get_x(a))
set_x(a, 6)
del A.x
print(get_x(a))

# __setattr__ added after stores were cached.
def loud_setattr(self, name, v):
    print("setattr", name, v)
    object.__setattr__(self, name, v)


set_x(a, 7)
A.__setattr__ = loud_setattr
set_x(a, 8)
del A.__setattr__
set_x(a, 9)
print(get_x(a))

# __class__ reassigned.
class B:
    def m(self):
        return "B.m"


b = A(10)
print(call_m(b))
b.__class__ = B
print(call_m(b), get_x(b))

# A deleted attribute: AttributeError, then the class attribute.
c = A(11)
print(get_x(c))
del c.x
show_attribute_error(get_x, c)
A.x = "class x"
print(get_x(c))
del A.x

# Subclass overriding the method; classes freed and made again.
class C(A):
    def m(self):
        return "C.m"


print(call_m(A(0)), call_m(C(0)), call_m(A(0)))
for i in range(3):
    class D:
        def m(self, i=i):
            return f"D{i}.m"
    print(call_m(D()))
    del D

# One site, many classes (more than a site keeps learning about).
classes = [type(f"K{i}", (), {"m": (lambda i: lambda self: i)(i), "x": i}) for i in range(100)]
print(sum(call_m(k()) for k in classes), sum(get_x(k()) for k in classes))
print(call_m(A(1)), get_x(A(1)))

# Builtin kinds: the method of the receiver's type, a class's between.
def append(l, v):
    l.append(v)
    return l


class Recorder:
    def __init__(self):
        self.items = []

    def append(self, v):
        self.items.append(v * 10)

    def __repr__(self):
        return f"Recorder({self.items})"


print(append([], 1), append(Recorder(), 1), append([], 2))
def upper(s):
    return s.upper()


print(upper("ab"), upper("cd"))
show_attribute_error(upper, 3)

# getattr/setattr with a computed name meet the cached names.
name = "".join(["x"])
e = A(12)
setattr(e, name, 13)
print(get_x(e), getattr(e, name))
print(sys.intern("".join(["ab", "c"])) is sys.intern("abc"))
try:
    sys.intern(1)
except TypeError as e:
    print("TypeError:", e)

# Module attributes: a rebinding is seen, a deletion raises, the name comes
# back after the namespace grew (its keys moved), methods of a module are
# plain functions.
import math


def get_pyrt_value():
    return math.pyrt_value


def call_sqrt(x):
    return math.sqrt(x)


math.pyrt_value = 1
print(get_pyrt_value(), call_sqrt(16.0))
math.pyrt_value = 2
print(get_pyrt_value())
del math.pyrt_value
show_attribute_error(get_pyrt_value)
for i in range(40):
    setattr(math, f"pyrt_filler_{i}", i)
math.pyrt_value = 3
print(get_pyrt_value(), call_sqrt(25.0))
real_sqrt = math.sqrt
math.sqrt = lambda x: "replaced"
print(call_sqrt(1.0))
math.sqrt = real_sqrt
print(call_sqrt(9.0))
for i in range(40):
    delattr(math, f"pyrt_filler_{i}")
del math.pyrt_value

# Class attributes read through instances (constants, defaults): the
# instance's own wins, a class rebinding or deletion is seen, and what
# binding changes (staticmethod, classmethod, a builtin method) stays right.
def get_k(o):
    return o.K


def call_k(o):
    return o.K()


class HasK:
    K = 5


hk = HasK()
print(get_k(hk), get_k(hk))
hk.K = 6
print(get_k(hk))
del hk.K
HasK.K = "seven"
print(get_k(hk))
HasK.K = (8, 9)
print(get_k(hk), get_k(HasK()))
HasK.K = None
print(get_k(hk))
HasK.K = 1.5
print(get_k(hk))
HasK.K = len
print(get_k(hk)([1, 2]))
HasK.K = staticmethod(lambda: "static")
print(get_k(hk)(), call_k(hk))
HasK.K = classmethod(lambda cls: cls.__name__)
print(get_k(hk)(), call_k(hk))
HasK.K = property(lambda self: "prop K")
print(get_k(hk))
del HasK.K
show_attribute_error(get_k, hk)
HasK.K = lambda self: "method K"
print(call_k(hk), get_k(hk)())

# A method read without a call is a bound method, made from the cache.
def get_bound(o):
    return o.m


a = A(20)
bm = get_bound(a)
print(bm(), bm.__self__ is a, bm.__func__ is A.m, get_bound(a) == bm, get_bound(A(21)) == bm)
A.m = lambda self: "rebound"
print(get_bound(a)(), bm())
a.m = lambda: "own"
print(get_bound(a)())

# Properties read through the cache run their getter as a frame.
class Prop:
    def __init__(self):
        self._x = 1
    @property
    def x(self):
        return self._x * 10
    @property
    def boom(self):
        raise ValueError("getter failed")
    @property
    def gen(self):
        yield 1
    y = property(lambda self: 5)
    z = property(len)
    def __len__(self):
        return 3
p = Prop()
for i in range(3):
    print(p.x, p.y, p.z, list(p.gen))
p.__dict__["x"] = 99
print(p.x, sorted(p.__dict__))
for i in range(2):
    try:
        p.boom
    except ValueError as e:
        print("ValueError:", e)
Prop.x = property(lambda self: -1)
print(p.x)
del Prop.x
print(p.x)
def deep(self):
    return self.deep
Prop.deep = property(deep)
try:
    p.deep
except RecursionError as e:
    print("RecursionError")
