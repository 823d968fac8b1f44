# Traceback source lines as Lib/traceback.py 3.13 shows them when an
# instruction spans several lines: every line of it (the first, the last,
# those around the anchors; longer runs abbreviated), dedented, each with
# its caret line; `assert` raises at its test; an error in a multi-line
# attribute chain points at the attribute's name; a decorator raises on
# its own line.
import sys

def div(a, b):
    return a / b

def bad_deco(f):
    raise ValueError("deco")

class O:
    def m(self, *a):
        return self

def call_multi():
    div(
        1,
        0)

def assign_call():
    x = div(1,
            0)

def return_call():
    return div(
        1, 0)

def binop_multi():
    a, b = 1, 0
    x = (a
         /
         b)

def binop_then_more():
    a, b = 1, 0
    x = (a /
         b) + 1

def subscript_multi():
    d = {}
    x = d[
        'k'
    ]

def long_call():
    div(1,
        2,
        3,
        4,
        5,
        6)

def long_binop():
    x = (1 +
         2 +
         3 +
         4 /
         0)

def nested_indent():
    if True:
        y = [1][
            5]

def comments_and_blank():
    div(1,  # one

        0)  # two

def unicode_args():
    div('\u00e9\u00e9' if
        False else 1, 0)

def assert_one():
    x = 2
    assert x == 1, "m"

def assert_multi():
    assert (1 ==
            2), 'no'

def attr_chain():
    s = 'a'
    x = (s
         .upper()
         .nope())

def method_chain_starred():
    o = O()
    (o.m(*[1])
     .nope(*[
         2]))

def decorated():
    @bad_deco
    def h():
        pass

def slice_store():
    x = [1, 2]
    x[
        0:
        1] = 5

def dict_value():
    x = {'a': 1,
         'b': 1 / 0}

for f in (call_multi, assign_call, return_call, binop_multi, binop_then_more,
          subscript_multi, long_call, long_binop, nested_indent,
          comments_and_blank, unicode_args, assert_one, assert_multi,
          attr_chain, method_chain_starred, decorated, slice_store, dict_value):
    try:
        f()
    except Exception as e:
        print(f.__name__, type(e).__name__)
        sys.excepthook(type(e), e, e.__traceback__)
