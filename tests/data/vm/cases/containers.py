l = [3, 1, 2]
l.append(4); l.extend([5, 6]); l.insert(0, 0); l.insert(-1, 9); l.insert(100, 7)
print(l, l.pop(), l.pop(0), l.index(2), l.count(1), len(l))
l.remove(9); l.sort(); print(l); l.reverse(); print(l, l.copy() == l, l.copy() is l)
l2 = l[:]; l2.clear(); print(l2, l)
l[1:3] = ["a", "b", "c"]; print(l); del l[0]; print(l); del l[::2]; print(l)
m = [1, 2, 3, 4, 5]; m[::2] = [9, 9, 9]; print(m, m[-2:], m[:-2], m[10:], m[::-2])
print([1, 2] + [3], [0] * 3, 2 in [1, 2], [1, [2, 3]] == [1, [2, 3]], [1, 2] < [1, 3], [] == [])
t = (1, 2, 3, 2)
print(t.count(2), t.index(3), t[1:], t + (4,), t * 2, (1,) == (1,), () , (1, 2) + (), len(t))
d = {"a": 1, "b": 2}
d["c"] = 3; d.update({"d": 4}, e=5); d.setdefault("f", 6); d.setdefault("a", 99)
print(d, d.get("a"), d.get("z"), d.get("z", 0), d.pop("b"), d.pop("zz", None), "a" in d, len(d))
print(list(d.keys()), list(d.values()), list(d.items()), d.popitem(), d)
print(dict.fromkeys("ab", 0), {**d, "x": 1}, d | {"q": 1}, {k: v for k, v in d.items() if v > 3})
dd = d.copy(); dd.clear(); print(dd, d == d.copy(), {1: 2} == {1: 2.0})
s = {1, 2, 3}
s.add(4); s.discard(1); s.discard(100); s.remove(2)
print(sorted(s), 3 in s, sorted(s | {9}), sorted(s & {3, 4, 5}), sorted(s - {3}), sorted(s ^ {4, 5}))
print(sorted(s.union([7])), sorted(s.intersection({3})), sorted(s.difference({3})), s.issubset({3, 4, 5}), s.issuperset({3}), s.isdisjoint({8}))
fs = frozenset([1, 2]); print(sorted(fs), fs == frozenset({2, 1}), hash(fs) == hash(frozenset([2, 1])), sorted(fs | {3}))
print({1: "a", 2: "b"}.items() , {}.keys(), set(), frozenset())
nested = {"k": [1, {"z": (2, 3)}]}
print(nested, nested["k"][1]["z"][0])
for bad in [lambda: [].pop(), lambda: [1].index(5), lambda: {}["x"], lambda: {1}.remove(2), lambda: set().pop(), lambda: (1,).index(9), lambda: [1][5], lambda: {}.popitem()]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__ + ":", e)
a = [1, 2, 3]
a += [4]; print(a)
b = (1,); b += (2,); print(b)

# frozenset membership is hashed (unhashable keys raise), as for set
fs = frozenset([1, "a", (2, 3), 4.0])
print(1 in fs, 1.0 in fs, True in fs, "a" in fs, (2, 3) in fs, 4 in fs, 5 in fs, "b" not in fs)
try:
    [1] in fs
except TypeError as e:
    print("TypeError", e)
try:
    [1] in frozenset()
except TypeError as e:
    print("TypeError", e)
class K:
    def __hash__(self): return 1
    def __eq__(self, o): print("eq called"); return o == 1
print(K() in fs)
big = frozenset(range(10000))
print(sum(1 for i in range(0, 20000, 7) if i in big))
