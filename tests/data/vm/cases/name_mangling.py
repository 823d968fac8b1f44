# Private name mangling (CPython's _Py_Mangle): in a class, __x (not
# __x__) is _Class__x for names, attributes, parameters, keyword-only
# defaults, imports, globals, except-as names; the class name's leading
# underscores are dropped (all underscores: no mangling); a function's
# own __name__ and __qualname__ stay as written.
class A:
    __cls = 1
    def __init__(self):
        self.__x = 1
        self.__y__ = 2
        self._z = 3
    def __priv(self):
        return self.__x
    def get(self, *, __k=5):
        return self.__priv(), A.__cls, __k
    def shadow(self, __p):
        __q = __p + 1
        f = lambda __r: __r + __q
        return f(1), [__i for __i in range(2)]
class B(A):
    def __init__(self):
        super().__init__()
        self.__x = 10
print(sorted(vars(B())), B().get(), A()._A__x, B()._B__x, A._A__cls, A().shadow(1))
print(A.__dict__.get('_A__priv').__name__, A._A__priv.__qualname__)
class __Under:
    def m(self):
        self.__v = 1
        return vars(self)
print(__Under().m())
class ___:
    def m(self):
        self.__v = 1
        return vars(self)
print(___().m())
def outer():
    class C:
        def m(self):
            __g = 1
            return self.__h() if False else __g
    return C().m()
print(outer())
class D:
    import sys as __sys
    def m(self):
        return self.__sys.version_info[0]
    def n(self):
        global __gg
        __gg = 5
        return __gg
print(D().m(), D().n(), '_D__gg' in globals())
class E:
    def f(self):
        try:
            raise ValueError
        except ValueError as __e:
            return type(__e).__name__
    def g(self):
        return getattr(self, '__nope', 'default'), hasattr(self, '_E__f')
print(E().f(), E().g())
try:
    A().__x
except AttributeError as e:
    print(e)
