# 'line' and 'return' events at loops and exits, as CPython 3.13 lays
# them out: `continue` on its own line, a loop's closing jump on the line
# before it (copied to each branch that reaches it), `while True` once on
# the way in, a `return` after a `finally` body on that body's last line,
# the implicit `return None` on the line that reached it (also a false
# `if` at the end of a body), generator expressions, lambdas spanning
# lines, `with` blocks that swallow an exception, nested try blocks.
import sys
out = []
def tracer(frame, event, arg):
    if event == 'exception': arg = arg[0].__name__
    elif event != 'line': arg = None
    out.append((event, frame.f_code.co_name, frame.f_lineno - frame.f_code.co_firstlineno, arg))
    return tracer

def g1():
    x = (a * 2 for a in range(3))
    return sum(x)

def g2(n):
    f = lambda y: (y +
                   1)
    return [f(i) for i in range(n)
            if i]

def g3():
    for i in range(3):
        pass
    else:
        y = 1
    while True:
        break
    try:
        return 1
    finally:
        z = 2

def g4(d):
    assert d, "no"
    with open_cm() as c:
        pass
    return {k: v for k, v in d.items()}

class CM:
    def __enter__(self): return self
    def __exit__(self, *a): return True
def open_cm(): return CM()

def g5():
    with CM():
        raise ValueError
    return 2

def g6(x):
    if x:
        return 1
    elif x is None:
        return 2
    return 3

def g7():
    s = 0
    for i in range(2):
        for j in range(2):
            if j:
                continue
            s += 1
    return s

def g8():
    try:
        try:
            raise KeyError
        except ValueError:
            pass
    except KeyError:
        return "k"

def f(x):
    if x:
        y = 1
def h(x):
    if x:
        y = 1
    else:
        y = 2
def k(x):
    for i in range(x):
        if i:
            y = 1
def w():
    try:
        pass
    finally:
        y = 3

def run(f, *a):
    try:
        f(*a)
    except Exception:
        pass

sys.settrace(tracer)
run(g1); run(g2, 3); run(g3); run(g4, {1: 2}); run(g4, {}); run(g5); run(g6, 0); run(g6, None); run(g6, 1); run(g7); run(g8); run(f, 0); run(f, 1); run(h, 0); run(h, 1); run(k, 2); run(w)
sys.settrace(None)
for e in out: print(e)
