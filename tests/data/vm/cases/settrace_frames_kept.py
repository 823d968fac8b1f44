# Frame objects a tracer keeps stay what they were after their frames end
# (pyrt reuses only the frame objects nobody holds); tracers of every
# shape: a plain function, one with defaults, *args, a bound method, a
# callable instance; an error raised by a tracer.
import sys

kept = []


def keeper(frame, event, arg):
    if event == "call":
        kept.append(frame)
    return keeper


def leaf(x):
    return x + 1


def mid(x):
    y = leaf(x)
    return leaf(y)


sys.settrace(keeper)
mid(1)
mid(2)
sys.settrace(None)
for f in kept:
    back = f.f_back.f_code.co_name if f.f_back is not None else None
    print(f.f_code.co_name, f.f_lineno, back, f.f_trace is keeper)
print(len({id(f) for f in kept}) == len(kept))
print(kept[1].f_back is kept[0], kept[2].f_back is kept[0])

events = []


def with_default(frame, event, arg, extra=None):
    events.append(("default", event, frame.f_code.co_name))
    return with_default


def star(*args):
    events.append(("star", args[1], args[0].f_code.co_name))
    return star


class Tracer:
    def method(self, frame, event, arg):
        events.append(("method", event, frame.f_code.co_name))
        return self.method

    def __call__(self, frame, event, arg):
        events.append(("instance", event, frame.f_code.co_name))
        return self


for t in (with_default, star, Tracer().method, Tracer()):
    sys.settrace(t)
    leaf(0)
    sys.settrace(None)
for e in events:
    print(*e)


def failing(frame, event, arg):
    if event == "line":
        raise ValueError("tracer failed on " + frame.f_code.co_name)
    return failing


sys.settrace(failing)
try:
    mid(5)
except ValueError as e:
    print("caught", e)
print(sys.gettrace())
print(mid(5))

calls = []


def profiler(frame, event, arg):
    calls.append((event, frame.f_code.co_name))


sys.setprofile(profiler)
mid(3)
sys.setprofile(None)
print(calls)

# An error a profile or trace function raises for the 'call' event of a
# function called from a builtin (sorted's key) is raised in that call
# and can be caught; the interpreter goes on.


def key(x):
    return -x


def refuse_key(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "key":
        raise ValueError("no calls to " + frame.f_code.co_name)
    return refuse_key


for install in (sys.setprofile, sys.settrace):
    install(refuse_key)
    try:
        print(sorted([3, 1, 2], key=key))
    except ValueError as e:
        print("caught", e)
    install(None)
    print(sys.getprofile(), sys.gettrace(), sorted([3, 1, 2], key=key), mid(1))
