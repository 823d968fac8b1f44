# CPython 3.13's messages for common errors at the edges of builtins:
# item deletion from immutables, a str method called on the wrong type,
# bytes concatenation, zip over a non-iterable, `{**x}` of a non-mapping,
# str() with too many arguments, type() with bad arguments, __import__ of
# a non-string, assigning a non-iterable to a list slice.
cases = [
    "del (1, 2)[0]", "del 'abc'[0]", "str.join(1, 2)", "str.upper(5)",
    "b'a' + 'b'", "b'a' + 1", "zip(5)", "zip([1], 5)", "{**1}", "{'a': 1, **[]}",
    "str(1, 2, 3, 4)", "type('X', 1, {})", "type(1, (), {})", "type('X', (), [])",
    "__import__(1)", "x = [1, 2]\nx[0:1] = 5", "x = [1, 2]\nx[::2] = None",
    "x = [1, 2]\nx[:] = (y for y in [3])\nprint(x)", "[1] + 'a'", "'a' + 1",
]
for c in cases:
    try:
        exec(c, {})
        print("ok", repr(c))
    except Exception as e:
        print(repr(c), "->", type(e).__name__, e)

# A bare object() has no __dict__; computed attributes are read-only;
# only instances of Python classes may change __class__; a function's
# attributes go in its own dict.
for c in ["o = object()\no.x = 1", "o = object()\no.__dict__", "vars(object())",
          "(1).real = 2", "(1).bit_length = 2", "1 .__class__ = str", "'a'.x = 1",
          "f = lambda: 0\nf.x = 1\nprint(f.x, f.__dict__)", "def g(): pass\ng.__code__ = 1"]:
    try:
        exec(c, {})
    except Exception as e:
        print(repr(c), "->", type(e).__name__, e)
