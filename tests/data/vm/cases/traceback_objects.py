# Traceback objects as CPython makes them: e.__traceback__ is the same
# object each time, a re-raise puts a new head on the chain the handler
# saw, with_traceback and __traceback__ assignment keep the given chain.
import sys
def f():
    raise ValueError(1)
try:
    f()
except ValueError as e:
    a = e.__traceback__
    b = e.__traceback__
    print(a is b, a.tb_next is b.tb_next, a.tb_next.tb_next is None, a.tb_frame is b.tb_frame)
    e2 = e.with_traceback(a.tb_next)
    print(e2 is e, e.__traceback__ is a.tb_next, e.__traceback__.tb_frame.f_code.co_name)
    e.__traceback__ = a
    print(e.__traceback__ is a)
    e.__traceback__ = None
    print(e.__traceback__)
    try:
        e.__traceback__ = 5
    except TypeError as t:
        print("TypeError", t)
    try:
        e.with_traceback(5)
    except TypeError as t:
        print("TypeError", t)
def g():
    try:
        f()
    except ValueError as e:
        global inner
        inner = e.__traceback__
        raise
try:
    g()
except ValueError as e:
    outer = e.__traceback__
    print(outer.tb_next.tb_frame.f_code.co_name, outer.tb_next.tb_next.tb_frame.f_code.co_name, outer.tb_next is inner)
