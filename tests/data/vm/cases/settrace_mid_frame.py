# Tracing switched on in the middle of running frames, as debuggers do
# (pdb's set_trace: f_trace on the caller's frames, then sys.settrace):
# line events start at the next line, not the rest of the current one;
# 'return' events see the returning frame's locals, and the frame is
# still the tracer's caller's caller.
import sys

out = []


def tr(frame, event, arg):
    entry = [event, frame.f_code.co_name, frame.f_lineno]
    if event == "return":
        entry.append(sorted(frame.f_locals.items()))
        entry.append(arg)
        entry.append(sys._getframe(1).f_code.co_name)
    out.append(tuple(entry))
    return tr


def set_trace():
    # Like pdb.set_trace: the caller's frames get the local tracer.
    f = sys._getframe(1)
    while f is not None:
        f.f_trace = tr
        f = f.f_back
    sys.settrace(tr)


def inner(x):
    y = x * 2
    set_trace(); z = y + 1
    w = z + 1
    return w


def outer():
    a = inner(3)
    b = a + 1
    return b


print(outer())
sys.settrace(None)
for e in out:
    print(*e)
out.clear()


def direct():
    sys._getframe().f_trace = tr
    sys.settrace(tr); q = 1
    r = q + 1
    for i in range(2):
        r += i
    return r


print(direct())
sys.settrace(None)
for e in out:
    print(*e)
out.clear()


# A generator's 'return' events at its yields see its locals too.
def gen(n):
    for i in range(n):
        sq = i * i
        yield sq


sys.settrace(tr)
print(list(gen(2)))
sys.settrace(None)
for e in out:
    print(*e)
out.clear()


# An exception leaving a traced frame: its 'return' event sees the locals
# and arg None.
def boom(v):
    u = v + 1
    raise KeyError(u)


sys.settrace(tr)
try:
    boom(1)
except KeyError as e:
    print("caught", e)
sys.settrace(None)
for e in out:
    print(*e)
