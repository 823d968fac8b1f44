# 'line' events of statements spread over lines, as CPython 3.13 places
# their instructions: a store or `del` on its target's line (after the
# value's lines), a two-part slice made on the subscript's line,
# decorators called innermost first on their own lines then the name
# bound on the `def` line, an attribute in a multi-line chain on its
# name's line (a method call there too; a starred call's callee back on
# its first line), `assert` raising at its test.
import sys
out = []
def tracer(frame, event, arg):
    if frame.f_code.co_name in ('f', 'deco', 'C'):
        if event == 'exception': arg = arg[0].__name__
        elif event != 'line': arg = None
        out.append((event, frame.f_code.co_name, frame.f_lineno - frame.f_code.co_firstlineno, arg))
    return tracer

def deco(fn):
    return fn

def g(*a, **k):
    return len(a) + len(k)

class O:
    v = 1
    def m(self, *a):
        return self

class open_ctx:
    def __init__(self, a): pass
    def __enter__(self): return self
    def __exit__(self, *a): return False

def f(x, o):
    y = g(1,
          2,
          k=3)
    z = (x
         + y
         - 1)
    w = (x <
         y <=
         z)
    t = x if (
        y > 0) else z
    u = [1, 2, 3][
        0:
        2]
    a, *b = (
        1, 2, 3)
    x += (
        1)
    del (
        a)
    assert (
        x), "msg"
    if (n := (
            5)):
        pass
    @deco
    @deco
    def h(p,
          q=(1,
             2)):
        return p
    @deco
    class C(
            object):
        v = 1
    lam = (lambda q:
           q + 1)
    r = lam(
        2)
    try:
        assert (x ==
                0), (
            "no")
    except AssertionError:
        pass
    with open_ctx(
            1) as cm:
        pass
    r = (o
         .m(1)
         .m(
             2)
         .v)
    o.v = (
        3)
    (o
     .v) = 4
    o.v += (
        1)
    s = "a b".split(
        " ")
    t = (o.m(*[1])
         .m(*[
             2]))
    del (o
         .v)
    return (x,
            y)

sys.settrace(tracer)
f(1, O())
sys.settrace(None)
for e in out:
    print(e)

# A decorated definition's code starts at its first decorator.
@deco
@deco
def top():
    pass

@deco
class Top:
    pass

print(top.__code__.co_firstlineno, Top.__firstlineno__)
