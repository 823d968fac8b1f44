# 'line'/'return' events and f_lineno where control does not just run on:
# loops with break/continue/else, generators and yield from, try/except/
# else/finally (handler entries and cleanups have no line; a cleanup's
# re-raise puts the frame back on the raising line), with blocks, the
# implicit `return None` reached by jumps (on the jumping line), and
# comprehensions, which run in their function's frame (CPython 3.12+
# inlines them: a 'line' event per iteration, on the element's and the
# `for` clause's lines, and after an exception in one).
import sys
out = []
def tracer(frame, event, arg):
    if event == 'exception':
        arg = arg[0].__name__
    elif event != 'line':
        arg = None
    out.append((event, frame.f_code.co_name, frame.f_lineno - frame.f_code.co_firstlineno, arg))
    return tracer

def gen(n):
    for i in range(n):
        if i % 2: yield i
        else:
            yield -i
    return 5

def loops(n):
    t = 0
    i = 0
    while i < n:
        i += 1
        if i == 2: continue
        if i == 5:
            break
        t += i
    else:
        t = -1
    for j in range(3): t += j; t -= 1
    for j in range(3):
        for k in range(2):
            if k: continue
            t += k
    return t

def excs(x):
    try:
        if x: raise ValueError(x)
        y = 1
    except ValueError as e:
        y = 2
    except TypeError:
        y = 3
    else:
        y = 4
    finally:
        y += 10
    try:
        try:
            1/0
        finally:
            y += 1
    except ZeroDivisionError:
        pass
    with_ = [a * 2 for a in range(3) if a]
    d = {k: v for k, v in zip("ab", (1, 2))}
    return y, with_, d

def cond(a): return (a if a > 1 else
    -a)

def multi(a,
          b):
    return (a +
            b +
            cond(a))

def yf():
    r = yield from gen(3)
    yield r


class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        return False

def f1():
    try:
        raise KeyError
    except ValueError:
        y = 2
    return 1

def f2():
    try:
        raise KeyError
    except KeyError:
        y = 2
        raise ValueError
    except ValueError:
        pass

def f3():
    try:
        raise KeyError
    finally:
        y = 3

def f4():
    with CM() as c:
        x = 1
    with CM():
        raise KeyError

def f5():
    try:
        raise KeyError
    except KeyError as e:
        z = 1
        raise ValueError

def f6():
    x = [a
         for a in range(3)]
    y = 2
    return {a:
            a for a in [1, 2]}

def f7():
    return [1/a for a in (1, 0)]

def run(f):
    try:
        f()
    except Exception:
        pass


sys.settrace(tracer)
list(gen(4))
loops(10)
excs(0); excs(1)
cond(0); cond(3)
multi(1,
   2)
list(yf())
while_ = 0
for q in range(2):
    while_ += q
for f in (f1, f2, f3, f4, f5, f6, f7):
    run(f)
sys.settrace(None)
for e in out: print(e)


# A comprehension's frame is its function's: sys._getframe skips it.
def caller():
    return sys._getframe(1).f_code.co_name, sys._getframe(1).f_lineno


def comp_caller():
    return [caller()
            for _ in (1,)]


print(comp_caller())
print([sys._getframe().f_code.co_name for _ in (1,)])
