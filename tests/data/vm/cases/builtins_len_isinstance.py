# len() and isinstance(), which the eval loop calls without an argument
# array: results, __len__ errors, arity and keyword errors, and both
# reached as class attributes (no self is bound to a builtin).
class L:
    def __len__(self):
        return 7
class B:
    def __len__(self):
        return -1
class N:
    def __len__(self):
        return "x"
class H:
    len = len
    isinstance = isinstance
h = H()
for t in [lambda: len([1, 2]), lambda: len("héllo"), lambda: len({1: 2}), lambda: len(L()),
          lambda: len(5), lambda: len(B()), lambda: len(N()), lambda: len(), lambda: len(1, 2),
          lambda: isinstance(3, int), lambda: isinstance(3, (str, int)), lambda: isinstance(True, int),
          lambda: isinstance(3, 4), lambda: isinstance(3), lambda: h.len([1]), lambda: h.isinstance(1, int), lambda: len(x=[1])]:
    try:
        print(t())
    except Exception as e:
        print(type(e).__name__, e)
