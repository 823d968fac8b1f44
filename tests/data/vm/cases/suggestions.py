# "Did you mean …?" as CPython 3.13's traceback printing adds it, shown
# through sys.excepthook: NameError (locals, globals, builtins; an
# attribute of self; a standard-library module not imported),
# AttributeError (dir() of the object, private names only when asked or
# inside its own methods), ImportError from `from m import x`, and none
# for a far name, a long one, or a hand-made exception.
import sys


def show(f):
    try:
        f()
    except Exception as e:
        sys.excepthook(type(e), e, e.__traceback__)


lenght = 1
show(lambda: lengt)
show(lambda: prnt)
show(lambda: Print)
show(lambda: math)
show(lambda: sys.exitt)
show(lambda: "a".uper())
show(lambda: [].apend)


def local_typo():
    counter = 1
    return countr


show(local_typo)


class B:
    def __init__(self):
        self.blah = 1
        self._secret = 2

    def m(self):
        return blah

    def n(self):
        return self._secrt


show(B().m)
show(B().n)
show(lambda: B()._secrt)
show(lambda: B().secrt)
show(lambda: B().zzzzzzzz)


def imp():
    from sys import argvv


show(imp)
abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz = 1
show(lambda: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzz)


def raises(e):
    raise e


show(lambda: raises(AttributeError("plain")))
show(lambda: raises(NameError("custom")))
print("sys" in sys.stdlib_module_names, "pyrt" in sys.stdlib_module_names, len(sys.stdlib_module_names))
