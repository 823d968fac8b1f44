print([x * 2 for x in range(5)], [x for x in range(10) if x % 3 == 0], [(x, y) for x in range(3) for y in range(x)])
print({x: x * x for x in range(4)}, {x % 3 for x in range(10)} == {0, 1, 2}, [[j for j in range(i)] for i in range(4)])
x = "outer"
print([x for x in "ab"], x)
def scope():
    k = 10
    return [k + i for i in range(3)]
print(scope())
class C:
    vals = [1, 2]
    doubled = [v * 2 for v in vals]
print(C.doubled)
matrix = [[1, 2], [3, 4]]
print([row[i] for i in range(2) for row in matrix], [n for row in matrix for n in row])
print(list(zip(*matrix)), sorted({v: k for k, v in {"a": 1, "b": 2}.items()}.items()))
a, *b = [i for i in range(4)]
print(a, b, [*range(3), *"ab"], (*[1], 2), {**{"a": 1}, **{"b": 2}}, {*[1, 1, 2]})
print([y := 5, y ** 2])
