# Container semantics beside CPython 3.13's: slicing (steps, bounds,
# extended-slice assignment and deletion), sorting, list/dict/set/range
# methods and operators (dict | and |= with any pairs, set algebra across
# set/frozenset/iterables, dict views), min/max/sum/zip/enumerate, and
# their errors.
def t(expr, env=None):
    try:
        r = eval(expr, env or {})
        print(expr, "->", repr(r))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
L = "[5, 3, 9, 1]"
for e in [L + "[1:3]", L + "[::-2]", L + "[-10:10]", L + "[3:1:-1]", L + "[::0]", L + "[10]",
          "sorted([3, 1, 2], key=None)", "sorted([(1, 'b'), (1, 'a'), (0, 'z')])", "sorted([1, 'a'])", "sorted(['b', 'A', 'c'], key=str.lower)",
          "[1, 2, 3].index(2, 1)", "[1, 2, 3].index(2, 2)", "[1, 2].pop(5)", "[].pop()", "[1, 2, 3].remove(5)", "[1,2,3].insert(-10, 0)",
          "list(range(10))[slice(2, 8, 3)]", "(1, 2, 3)[::-1]", "'abcdef'[1:5:2]", "[1] * -1", "[[]] * 3", "[1, 2] + (3,)",
          "{'a': 1} | {'b': 2}", "{'a': 1}.keys() & {'a', 'c'}", "{'a': 1, 'b': 2}.keys() - {'a'}",
          "list({'a': 1, 'b': 2}.values())", "{1: 'x'}.get(1.0)", "{True: 'y'}[1]", "dict(a=1, b=2)", "dict([('a', 1)], a=2)", "dict([1, 2])",
          "dict([(1, 2, 3)])", "{}.popitem()", "{1: 2}.pop(3)", "{1: 2}.pop(3, 'd')", "{1, 2} ^ {2, 3}", "{1, 2} <= {1, 2, 3}", "{1} < {1}",
          "frozenset({1}) | {2}", "{1} | frozenset({2})", "{1, 2}.issubset([1, 2, 3])", "{1}.isdisjoint((2,))",
          "set([1, [2]])", "{[1]: 2}", "hash([])", "len({1, 1.0, True})", "{1.0: 'a', 1: 'b'}", "[1, 2, 3][1:2] == [2]",
          "min([])", "max([], default=None)", "min(3, 1, key=lambda x: -x)", "max('abc', 'abd')", "min([[2], [1, 5]])", "sum([[1], [2]], [])",
          "list(zip([1, 2], 'ab', strict=True))", "list(zip([1], 'ab', strict=True))", "list(enumerate('ab', start=-1))", "list(reversed('abc'))",
          "any(x > 2 for x in [1, 3])", "all([])", "list(map(pow, [2, 3], [3, 2]))", "list(filter(lambda x: x % 2, range(6)))",
          "[x * y for x in range(3) if x for y in range(x)]", "{x: x * x for x in range(4) if x % 2}", "{c for c in 'hello'} == set('helo')",
          "list(range(0, -10, -3))", "range(1, 10, 2)[2]", "range(10)[::-1]", "range(5).index(3)", "range(5).count(7)", "3 in range(0, 10, 3)",
          "len(range(0, 100, 7))", "range(0)", "bool(range(0))", "range(1, 2) == range(1, 2, 5)", "list(range(3)) == range(3)"]:
    t(e)
a = [1, 2, 3, 4, 5]
a[1:3] = "xy"; print(a)
a[::2] = [0, 0, 0]; print(a)
try:
    a[::2] = [1]
except ValueError as e:
    print(e)
del a[::2]; print(a)
a[5:] = [9]; print(a)
a[:0] = [7, 8]; print(a)
b = [3, 1, 2]; b.sort(reverse=True); print(b, b.reverse(), b)
c = [1, 2]; c += (3,); c *= 2; print(c)
d = {"x": 1}; d |= [("y", 2)]; print(d)
s = {1}; s |= {2}; s &= {2, 3}; s ^= {4}; s -= {4}; print(s)
print([1, 2, 3].copy() is not None, list.__name__, [].__class__.__name__)
