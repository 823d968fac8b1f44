# The old sequence protocol: an object with __getitem__ and no __iter__
# iterates by index until IndexError (or StopIteration), as CPython's
# 'iterator' type does, for every consumer of iterables.
class Sq:
    def __getitem__(self, i):
        if i >= 3:
            raise IndexError(i)
        return i * i
class St:
    def __getitem__(self, i):
        if i == 2:
            raise StopIteration
        return chr(97 + i)
class Bad:
    def __getitem__(self, i):
        raise KeyError(i)
print(list(Sq()), 4 in Sq(), 5 in Sq(), sorted(Sq(), reverse=True), type(iter(Sq())).__name__, list(St()), tuple(enumerate(Sq())))
a, b, c = Sq(); print(a, b, c, sum(Sq()), max(Sq()), "-".join(St()), [x for x in Sq()], dict.fromkeys(St()))
it = iter(Sq()); print(next(it), next(it), next(it), next(it, "end"), next(it, "end2"))
for e in ["list(Bad())", "5 in Bad()", "iter(5)", "list(zip(Sq(), St()))"]:
    try:
        print(e, "->", eval(e))
    except Exception as x:
        print(e, "->", type(x).__name__, x)
