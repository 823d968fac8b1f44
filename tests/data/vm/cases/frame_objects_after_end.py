# Frame objects outlive their frames as CPython's do: a traceback's
# tb_frame has the frame's globals, its caller, and its locals and line as
# they were when the frame ended; a frame object taken with
# sys._getframe() or kept by a tracer likewise; a running frame's f_lineno
# is the line it is at.
import sys
import threading

G = "global"


def inner(a):
    b = a + 1
    raise ValueError(b)


def outer(n):
    m = n * 10
    return inner(m)


try:
    outer(4)
except ValueError as e:
    tb = e.__traceback__
    while tb is not None:
        fr = tb.tb_frame
        back = fr.f_back.f_code.co_name if fr.f_back is not None else None
        print(fr.f_code.co_name, tb.tb_lineno, fr.f_lineno, back,
              fr.f_globals is globals(),
              sorted((k, v) for k, v in fr.f_locals.items() if k in "abmn"))
        tb = tb.tb_next


def keep():
    x = 1
    fo = sys._getframe()
    x = 2
    return fo


first = keep()
second = keep()
print(first is second, sorted(first.f_locals), first.f_locals["x"], first.f_lineno)


def where():
    return sys._getframe(1).f_lineno


def caller():
    a = where()
    b = where(
    )
    return a, b


print(caller())
kept = []


def tracer(frame, event, arg):
    if event == "call":
        kept.append(frame)
    return None


def traced(v):
    w = [v, v]
    return len(w)


sys.settrace(tracer)
traced(3)
traced(4)
sys.settrace(None)
print([sorted(f.f_locals.items()) for f in kept], [f.f_lineno for f in kept])


# A frame from another thread, read after that thread ended.
box = []


def work(k):
    y = k + 100
    box.append(sys._getframe())


t = threading.Thread(target=work, args=(5,))
t.start()
t.join()
print(sorted(box[0].f_locals.items()), box[0].f_code.co_name)


# An exception kept in its own frame's locals (a cycle through the frame
# object) is collected.
import gc

freed = []


class Marker:
    def __del__(self):
        freed.append(1)


def make():
    m = Marker()
    try:
        raise KeyError("k")
    except KeyError as e:
        err = e


for i in range(3):
    make()
gc.collect()
print(len(freed))


# A running frame's repr and f_lineno: the line it is at now.
def at_line():
    x = 1
    fo = sys._getframe()
    y = 2
    return repr(fo).split(",", 1)[1], fo.f_lineno, repr(sys._getframe(1)).split(",", 1)[1]


print(at_line())
