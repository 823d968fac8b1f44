# Comprehensions spread over lines, as CPython 3.13 lays them out (PEP 709
# inlines list/set/dict comprehensions into their function): an `if`
# clause's jump is on the element's line (one 'line' event there per
# test), a target unpacked on its own line raises there, and a
# traceback entry from inside a comprehension is its function's, at the
# comprehension's line, with carets under what raised.
import sys
out = []
def tracer(frame, event, arg):
    if event == 'exception': arg = arg[0].__name__
    elif event != 'line': arg = None
    out.append((event, frame.f_code.co_name, frame.f_lineno - frame.f_code.co_firstlineno, arg))
    return tracer

def lists(xs):
    a = [
        x
        for x in xs
        if x > 1
        if (x <
            3)
    ]
    b = [x for x in xs
         if x and not x == 2]
    c = [(x, y)
         for x in xs if x
         for y in xs
         if y is not None
         if y > x]
    return a, b, c

def others(xs, pairs):
    s = {x
         for x in xs if x % 2}
    d = {k:
         v
         for k, v in pairs
         if k}
    g = list(x
             for x in xs
             if x)
    return s, d, g

sys.settrace(tracer)
r1 = lists([0, 1, 2, 3])
r2 = others([1, 2, 3], [(1, 2), (0, 3), (5, 6)])
sys.settrace(None)
for e in out:
    print(e)
print(r1, r2)

def unpack(xs):
    return {k:
            v
            for k, v in xs}

def divide(xs):
    return [1 /
            x for x in xs]

def nested(xs):
    return [[1 // y for y in range(x)]
            for x in xs]

for f, arg in ((unpack, [1]), (divide, [1, 0]), (nested, [2])):
    try:
        f(arg)
    except Exception as e:
        tb = e.__traceback__.tb_next
        names = []
        while tb is not None:
            names.append((tb.tb_frame.f_code.co_name, tb.tb_lineno - f.__code__.co_firstlineno))
            tb = tb.tb_next
        print(f.__name__, type(e).__name__, names)

def uncaught(xs):
    total = sum([
        len(x)
        for x in xs])
    return total

uncaught(['ab', 3])
