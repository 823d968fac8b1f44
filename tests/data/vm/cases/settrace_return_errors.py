# Errors raised by trace and profile functions at 'return' events are
# raised where CPython 3.13 raises them (and the failing function is
# unset); the trace function runs before the profile function; generators
# get 'call' at each resume and 'return' at each yield.
import sys


def f():
    return 1


def g():
    raise IndexError("g")


def failing(code_name, exc, is_trace=True):
    """A tracer that raises `exc` at the 'return' event of `code_name`."""

    def tracer(frame, event, arg):
        if event == 'return' and frame.f_code.co_name == code_name:
            raise exc
        return tracer if is_trace else None

    return tracer


sys.settrace(failing('f', ValueError("from return")))
try:
    r = f()
    print("no error", r)
except ValueError as e:
    print("caught", e)
print(sys.gettrace())
sys.setprofile(failing('f', KeyError("prof return"), is_trace=False))
try:
    f()
    print("no error")
except KeyError as e:
    print("caught", e)
print(sys.getprofile())
sys.settrace(failing('g', ValueError("while unwinding")))
try:
    g()
except Exception as e:
    print("caught", type(e).__name__, e, repr(e.__context__))
print(sys.gettrace())


# A generator's return traced with an error: raised where it is resumed.
def gen():
    yield 1
    yield 2


def gen_tracer(frame, event, arg):
    if event == 'return' and frame.f_code.co_name == 'gen' and arg is None:
        raise RuntimeError("gen return")
    return gen_tracer


sys.settrace(gen_tracer)
try:
    for x in gen():
        print("item", x)
    print("loop done")
except RuntimeError as e:
    print("caught", e)
print(sys.gettrace())
sys.settrace(gen_tracer)
g = gen()
print(next(g), next(g))
try:
    next(g)
except StopIteration:
    print("StopIteration")
except RuntimeError as e:
    print("caught", e)
print(sys.gettrace())
try:
    next(g)
except StopIteration:
    print("StopIteration again")


# A method called from Rust (a sort key) whose return is traced with an error.
def key(v):
    return -v


sys.settrace(failing('key', ValueError("key return")))
try:
    print(sorted([3, 1, 2], key=key))
except ValueError as e:
    print("caught", e)
print(sys.gettrace())


# The profile function's error skips the trace function's return event.
events = []


def t3(frame, event, arg):
    if frame.f_code.co_name == 'f':
        events.append(("trace", event))
    return t3


def p3(frame, event, arg):
    if frame.f_code.co_name == 'f':
        events.append(("profile", event))
        if event == 'return':
            raise LookupError("profile return")


sys.settrace(t3)
sys.setprofile(p3)
try:
    f()
except LookupError as e:
    print("caught", e)
sys.settrace(None)
sys.setprofile(None)
print(events)


# Event sequences of generators: 'call' at each resume, 'return' at each
# yield (with the value) and at the end, no 'line' event for the line a
# resume goes on with; yield from; a generator consumed from Rust.
seq = []


def inner():
    yield "a"
    return "r"


def outer():
    x = yield from inner()
    yield x
    for i in range(2):
        yield i


def seq_tracer(frame, event, arg):
    if frame.f_code.co_name in ("inner", "outer"):
        seq.append((frame.f_code.co_name, event, frame.f_lineno - frame.f_code.co_firstlineno, arg))
    return seq_tracer


sys.settrace(seq_tracer)
print(list(outer()))
print(sum(x for x in [1, 2, 3]))
g = outer()
print(next(g), g.send(None), next(g))
g.close()
sys.settrace(None)
for s in seq:
    print(s)
