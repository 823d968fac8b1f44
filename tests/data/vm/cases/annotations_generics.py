# Annotations evaluated as in CPython 3.13 (no __future__ import): a module's
# and a class's into __annotations__ (names mangled), a function's into its
# __annotations__ when it is defined (parameters, then 'return'); a
# function's local annotations are not evaluated. Generic aliases
# (list[int]) and unions (int | None) as types.GenericAlias/UnionType.
print(list[int], dict[str, list[int]], tuple[int, ...], type[int], set[float], frozenset[str], tuple[()])
x = list[int]
print(x.__origin__, x.__args__, x == list[int], x != list[str], hash(x) == hash(list[int]), x(), x((1, 2)))
print(type(x), type(int | str))
print(int | None, int | str | int, (int | str).__args__, int | int, None | int, list[int] | None)
print(isinstance(1, int | str), isinstance(None, int | None), isinstance('a', int | float), issubclass(bool, int | str))
print((int | str) == (str | int), {int | str: 1}[str | int])
class C: pass
print(C | None, list[C])
for bad in ["isinstance([], list[int])", "issubclass(list, list[int])", "None | None", "int | 1", "1 | int", "isinstance(1, 2)"]:
    try:
        print(eval(bad))
    except TypeError as e:
        print(bad, "->", e)
def f(a: int | None = None, b: list[str] = []) -> dict[str, int]:
    return {}
print(f.__annotations__)

x: int = 5
y: "str"
z: list[int] = []
(w): int = 1
class C:
    a: int
    b: float = 1.0
    __p: str
    def m(self, q: int, *r: str, s: bool = True, **t: dict) -> None:
        v: int = 1
        return v
def f(a, b: int = 2, /, c: 'x' = 3, *, d: float) -> str: pass
def g(): pass
print(__annotations__)
print(C.__annotations__)
print(C.m.__annotations__)
print(f.__annotations__)
print(g.__annotations__, g.__annotations__ is g.__annotations__)
g.__annotations__ = {'k': 1}
print(g.__annotations__)
lam = lambda x: x
print(lam.__annotations__)
try:
    def h(x: undefined_name_q): pass
except NameError as e:
    print("NameError", e)
try:
    class D:
        u: undefined_name_r
except NameError as e:
    print("NameError", e)
def k():
    z: undefined_name_s = 1
    return z
print(k())
