# Descriptors defined in Python: __get__/__set__/__delete__ on instances
# and classes, data before the instance dict, non-data after it; and
# __delattr__, object.__setattr__/__delattr__ going through them.
class Data:
    def __init__(self):
        self.log = []
    def __get__(self, obj, owner):
        self.log.append(("get", obj is None, owner.__name__))
        return "data" if obj is not None else self
    def __set__(self, obj, value):
        self.log.append(("set", value))
    def __delete__(self, obj):
        self.log.append(("delete",))

class NonData:
    def __get__(self, obj, owner):
        return ("nondata", obj is None)

class SetOnly:
    def __set__(self, obj, value):
        obj.__dict__["so"] = value * 2

class C:
    d = Data()
    n = NonData()
    so = SetOnly()

c = C()
print(c.d)
c.d = 5
print(c.__dict__)
del c.d
print(C.d is C.__dict__["d"], C.__dict__["d"].log)
print(c.n, C.n)
c.n = 3
print(c.n)
del c.n
print(c.n)
c.so = 4
print(c.so, c.__dict__)
try:
    del c.so
except AttributeError as e:
    print("AttributeError", e)
for i in range(3):          # the same loads through the attribute caches
    print(c.d, c.n)
    c.d = i

class D:
    def __delattr__(self, name):
        print("delattr", name)
        object.__delattr__(self, name)
    def __setattr__(self, name, value):
        print("setattr", name, value)
        object.__setattr__(self, name, value)

x = D()
x.a = 1
del x.a
try:
    del x.a
except AttributeError as e:
    print("AttributeError", e)

class P:
    @property
    def p(self):
        return 1
    @p.setter
    def p(self, v):
        print("p.setter", v)
    @p.deleter
    def p(self):
        print("p.deleter")
    def __setattr__(self, name, value):
        print("__setattr__ first", name)
        object.__setattr__(self, name, value)

p = P()
p.p = 2
del p.p
object.__setattr__(p, "p", 3)

# One `del o.x` site, its cache filled, then the class changes under it.
class E:
    pass


def drop_x(o):
    del o.x


e = E()
for i in range(3):
    e.x = i
    drop_x(e)
print(hasattr(e, "x"))
try:
    drop_x(e)
except AttributeError as err:
    print("AttributeError", err)
E.__delattr__ = lambda self, name: print("E.__delattr__", name)
drop_x(e)
del E.__delattr__
E.x = property(lambda self: 1, None, lambda self: print("deleter"))
drop_x(e)
E.x = Data()
drop_x(e)
print(E.__dict__["x"].log[-1])
