# The operator methods of the builtin types called directly, as CPython
# 3.13's slot wrappers answer: NotImplemented for another type's operand
# (an int's slots take ints only), a TypeError where a sequence slot has
# no NotImplemented (concatenation, repetition), "expected 1 argument, got
# 0", unhashable list/dict/set (__hash__ is None), a bool of two bools
# from bool's &, | and ^, int.__neg__ negating, str % x checking that
# every argument was used.
print([1].__add__([2]), [1].__mul__(2), list([1, 2].__reversed__()), {1: 2}.__or__({3: 4}), list({1: 2, 3: 4}.__reversed__()))
print({1}.__and__({1, 2}), {1}.__or__({2}), (5).__and__(3), (5).__or__(3), [].__hash__, {}.__hash__, set().__hash__)
print([1, 2].__lt__([1, 3]), [1].__eq__(1), (1,).__eq__(1), {1}.__eq__(1), "a".__eq__(1), (1).__eq__("a"), (1.0).__lt__("x"))
print(True & True, True | False, True ^ True, True & 3, (5).__neg__(), (2.5).__neg__(), (5).__invert__(), (5).__pos__())
print(hash((1, 2)) == (1, 2).__hash__(), hash("ab") == "ab".__hash__(), hash(frozenset([1])) == frozenset([1]).__hash__())
for e in ['[1].__mul__("a")', '[1].__mul__(2.5)', '[1].__rmul__("a")', '"a".__add__(1)', 'b"a".__add__("x")', '(1,).__add__([1])', '[1].__iadd__(5)', '[1].__iadd__("ab")',
          '"a".__mul__(2.5)', '"a".__mod__(1)', '"a".__rmod__(1)', '"%s".__rmod__("x")', '{1}.__iand__([1])', '{1:2}.__ior__([(3,4)])', '{1:2}.__or__([(3,4)])',
          'hash(range(3)) == hash(range(0, 3))', '[].sort(1)', '[].sort(1, 2)',
          'True.bit_length(1)', 'True.__add__()', '(1).__round__(1, 2)', '[].__reversed__(1)', '(1).__index__(2)', '"a".__format__()', 'range(3).__hash__() == hash(range(3))',
          '[1] * 2.5', '"a" + 1', 'b"a" + "x"', '(1,) + [1]', '[1,2] < (1,2)', '[1].__lt__((1,))', '{1}.__lt__([1])', '{1}.__le__(frozenset([1]))', 'frozenset([1]).__hash__() == hash(frozenset([1]))']:
    try:
        print(e, "->", repr(eval(e)))
    except Exception as x:
        print(e, "->", type(x).__name__, x)
vals = [7, 2.5, True, 0]
M = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__",
     "__mod__", "__rmod__", "__pow__", "__divmod__", "__rdivmod__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
     "__lshift__", "__rlshift__", "__rshift__", "__rrshift__", "__lt__", "__eq__", "__ne__", "__ge__"]
for x in vals:
    for m in M:
        for y in vals + ["s"]:
            try:
                r = repr(getattr(x, m)(y))
            except AttributeError as e:
                r = "AttributeError"
            except Exception as e:
                r = type(e).__name__ + ": " + str(e)
            print(repr(x), m, repr(y), r)
    for m in ["__neg__", "__pos__", "__abs__", "__bool__", "__int__", "__float__", "__index__", "__hash__"]:
        try:
            r = repr(getattr(x, m)())
        except AttributeError:
            r = "AttributeError"
        except Exception as e:
            r = type(e).__name__ + ": " + str(e)
        print(repr(x), m, r)
print(range(0).__bool__(), range(3).__bool__(), list(range(3).__reversed__()), None.__bool__(), bool(None), bool(range(2)))
try: None.__bool__(1)
except TypeError as e: print(e)
