# repr() of recursive containers, builtins, functions, bound and builtin
# methods and iterators; str.format fields (indexing, attributes,
# nested specs, errors); f-string conversions, nested specs and '='.
a = [1]; a.append(a); print(a, repr(a))
d = {}; d["self"] = d; print(d)
t = (a,); print(t)
print("{0!r:>10}|{1:^5}|{2[0]}|{3.real}|{k}".format("x", "y", [9], 4, k="K"))
print("{:{w}.{p}f}".format(3.14159, w=10, p=2), "{{}}".format(), "{0}{0}".format("ab"))
for e in ['"{".format(1)', '"{0}{}".format(1, 2)', '"{}{0}".format(1, 2)', '"{x}".format(1)', '"{0[1]}".format([1])', '"{:d}".format("a")', '"{!x}".format(1)', '"{0.foo}".format(1)']:
    try:
        print(e, "->", eval(e))
    except Exception as x:
        print(e, "->", type(x).__name__, x)
name = "w"; val = 3.5
print(f"{name!r:>5} {val:{'.2f'}} {val=} {1 + 1 = } {'nested'!s:^10}|{ {'a': 1}['a'] }")
print(f"{'a' 'b'}", f"{3:#b}", f"{-3:+05d}", f"{255:_x}", f"{1e6:,.0f}", f"{0.000012:.2e}")
print(repr(1.0), repr(-0.0), repr(float('-inf')), repr("tab\there"), repr('q"\''), repr("\x7f\x80\u200b"), repr(b"\x7f\x80"), repr(None), repr(...), repr(NotImplemented))
print(str(int), str(len), repr(print), repr(object()).startswith("<object object at"), repr(type(None)), repr(range(0, 5, 2)), repr(slice(1, None, 2)))
class R:
    def __repr__(self): return "R!"
print([R()], {R(): 1} if False else "", (R(),), {"k": R()}, str(R()), f"{R()}", f"{R()!s}", "%r %s" % (R(), R()))
class NoRepr: pass
print(repr(NoRepr()).startswith("<__main__.NoRepr object at 0x"), str(NoRepr) , NoRepr.__qualname__)
def fn(): pass
print(repr(fn).startswith("<function fn at 0x"), repr(lambda: 0).startswith("<function <lambda> at"), repr(R.__repr__).startswith("<function R.__repr__"))
print(repr(R().__repr__).startswith("<bound method R.__repr__ of R!>"), repr([].append).startswith("<built-in method append of list object at"))
print(repr(iter([])).startswith("<list_iterator object at"), repr(str.upper), repr(dict.fromkeys).startswith("<built-in method fromkeys of type object"))
