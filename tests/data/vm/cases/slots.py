# __slots__ as CPython enforces it: instances of a class whose every
# Python base has slots (and no '__dict__' slot) take only those names
# (mangled when private), have no __dict__; a subclass without __slots__
# gets a dict again; CPython's errors for other names, a slot clashing
# with a class variable, a non-str item. (Not compared: the member
# descriptors CPython puts in the class dict, and a dict-having
# subclass's __dict__, which in pyrt also holds its bases' slot values.)
class P:
    __slots__ = ('x', '__y')
    def __init__(self):
        self.x = 1
        self.__y = 2
    def gy(self): return self.__y
class Q(P):
    __slots__ = 'z'
class R(P):
    pass
class S:
    __slots__ = ['a', '__dict__']
p = P()
print(p.x, p.gy())
for src in ["p.w = 1", "p.__dict__", "vars(p)", "Q().z", "q = Q(); q.z = 3; print(q.z, q.x)", "q = Q(); q.w = 1",
            "r = R(); r.w = 5; print(r.w, r.__dict__['w'])", "s = S(); s.b = 2; print(s.__dict__)", "del p.x; p.x",
            "class T:\n    __slots__ = ('a',)\n    a = 1", "class U:\n    __slots__ = (1,)", "class V(Exception):\n    __slots__ = ()\nv = V(); v.q = 1; print(v.q)",
            "print(P.__slots__, Q.__slots__)", "class W:\n    __slots__ = ()\nW().x = 1"]:
    try:
        exec(src, {'p': p, 'P': P, 'Q': Q, 'R': R, 'S': S})
    except Exception as e:
        print(repr(src), '->', type(e).__name__, e)
