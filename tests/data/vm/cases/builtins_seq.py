# len, sorted, reversed, enumerate, zip, map, filter, range, iter, next, any, all, list/tuple/dict/set constructors
print(len("héllo"), len([1, 2]), len((1,)), len({1: 2}), len({1, 2, 3}), len(range(10)), len(range(10, 0, -3)), len(b"ab"))
print(sorted([3, 1, 2]), sorted("bca"), sorted([3, 1, 2], reverse=True), sorted(["bb", "a", "ccc"], key=len))
print(sorted([(1, "b"), (1, "a"), (0, "z")]), sorted([2, 1], key=lambda x: x, reverse=False))
print(list(reversed([1, 2, 3])), list(reversed((1, 2))), list(reversed(range(5))), list(reversed("abc")))
print(list(enumerate("ab")), list(enumerate("ab", 10)), list(enumerate([], start=3)))
print(list(zip([1, 2, 3], "ab")), list(zip()), list(zip([1], [2], [3])))
print(list(map(str, [1, 2])), list(map(lambda a, b: a + b, [1, 2], [10, 20, 30])))
print(list(filter(None, [0, 1, "", "x", None])), list(filter(lambda x: x > 1, [1, 2, 3])))
print(list(range(5)), list(range(2, 8, 2)), list(range(5, 0, -1)), range(3), range(1, 10, 3), list(range(0)))
r = range(0, 20, 5)
print(r[1], r[-1], r[1:3], 10 in r, 11 in r, r.index(15), r.count(5), r.start, r.stop, r.step)
it = iter([1, 2])
print(next(it), next(it), next(it, "done"))
print(any([0, 0, 1]), any([]), all([1, 1]), all([]), all([1, 0]))
print(list("abc"), tuple([1, 2]), dict([(1, 2), (3, 4)]), dict(a=1, b=2), dict({1: 2}, c=3), set("aab") == {"a", "b"})
print(list(), tuple(), dict(), set(), frozenset([1, 1]), sorted(set([3, 1, 2])))
print(list(iter(lambda: 5, 5)), [x for x in iter([9, 8].pop, 8)])
try:
    next(iter([]))
except StopIteration as e:
    print("StopIteration", e.args)
try:
    list(zip([1], [2, 3], strict=True))
except ValueError as e:
    print("ValueError:", e)
try:
    len(5)
except TypeError as e:
    print("TypeError:", e)
try:
    iter(5)
except TypeError as e:
    print("TypeError:", e)
try:
    sorted([1, "a"])
except TypeError as e:
    print("TypeError:", e)
try:
    range(1, 2, 0)
except ValueError as e:
    print("ValueError:", e)
try:
    dict([(1, 2, 3)])
except ValueError as e:
    print("ValueError:", e)
