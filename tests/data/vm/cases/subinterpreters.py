# Sub-interpreters through _interpreters: create, exec with shared values,
# uncaught exceptions described (not raised), destroy, the errors, threads
# inside a sub-interpreter, and isolation (nothing is shared).
import _interpreters as I

# Each interpreter has its own sys.stdout: every print flushes, so the
# output interleaves the same way whatever the buffering.
_print = print


def print(*a, **k):
    _print(*a, flush=True, **k)


F = "import builtins\ndef print(*a, **k):\n    builtins.print(*a, flush=True, **k)\n"


def ex(i, src, shared=None):
    return I.exec(i, F + src, shared)


print(I.get_main(), I.get_current(), I.list_all())
a = I.create()
b = I.create("legacy")
print(sorted(I.list_all()) == sorted([(0, 1), (a, 5), (b, 5)]), a != b)

print(ex(a, "x = 40\nprint('in a:', x)"))
print(ex(a, "print('a keeps its names:', x + 2)"))
r = ex(b, "print(x)")
print(r.type.__name__, r.type.__module__, "|", r.msg, "|", r.formatted)
print(r.errdisplay.splitlines()[0], "...", r.errdisplay.splitlines()[-1])

# Shared values are copied in.
ex(a, "print(s, t, type(big).__name__, big > 2**39)",
       {"s": "héllo", "t": (1, 2.5, None, True, b"xy", ("in",)), "big": 2**40})
print(I.is_shareable(1), I.is_shareable("s"), I.is_shareable((1, (b"x",))),
      I.is_shareable([1]), I.is_shareable(object()))

# Each interpreter has its own modules and __main__.
ex(a, "import sys; sys.tag = 'a'; print(__name__, type(sys.modules['__main__']).__name__)")
ex(b, "import sys; print(hasattr(sys, 'tag'))")
ex(a, "import _interpreters as I; print(I.get_current()[0] != I.get_main()[0], I.is_running(I.get_current()[0]))")
print(I.is_running(a), I.is_running(0))

# Exceptions: described, with the type's module.
for src in ["raise KeyError('k')", "raise SystemExit(3)", "1/0",
            "import _interpreters as I; I.destroy(I.get_current()[0])",
            "class E(Exception): pass\nraise E('mine')"]:
    r = ex(a, src)
    print(r.type.__name__, r.type.__qualname__, r.type.__module__, "|", r.formatted)

# Threads inside a sub-interpreter.
print(ex(a, """
import threading
out = []
def work(k):
    out.append(k * k)
ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print('threads in a:', sorted(out))
"""))
r = ex(a, "import threading; threading.Thread(target=print, daemon=True)")
print(r.formatted)
print(ex(b, "import threading; threading.Thread(target=print, daemon=True); print('legacy allows daemons')"))

# Errors.
def show(f):
    try:
        print("ok", f())
    except Exception as e:
        print(type(e).__name__, "|", e, "|", [c.__name__ for c in type(e).__mro__[1:3]])

show(lambda: I.create("bogus"))
show(lambda: I.destroy(0))
show(lambda: I.destroy(12345))
show(lambda: I.exec(12345, "pass"))
show(lambda: I.exec(0, "pass"))
show(lambda: I.exec(a, 42))
show(lambda: I.exec("x", "pass"))
show(lambda: I.destroy(-1))
show(lambda: I.exec(a))

I.destroy(a)
show(lambda: I.destroy(a))
show(lambda: ex(a, "pass"))
print(sorted(I.list_all()) == sorted([(0, 1), (b, 5)]))
I.destroy(b)
print(I.list_all())

# Left at exit: destroyed at finalization, after the main interpreter's
# atexit callbacks.
import atexit
atexit.register(print, "main's atexit")
c = I.create()
ex(c, "import atexit; atexit.register(print, \"the sub-interpreter's atexit\")")
print("end of main")
