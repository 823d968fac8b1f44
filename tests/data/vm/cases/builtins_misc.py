# isinstance, issubclass, hasattr/getattr/setattr/delattr, id, hash, callable, chr, ord, repr, ascii, format, type, vars, dir, globals, locals
class A:
    x = 1
class B(A):
    pass
b = B()
print(isinstance(b, A), isinstance(b, (int, B)), isinstance(1, bool), isinstance(True, int), issubclass(B, A), issubclass(bool, int))
print(hasattr(b, "x"), hasattr(b, "y"), getattr(b, "x"), getattr(b, "y", 7))
setattr(b, "y", 5)
print(b.y, getattr(b, "y"))
delattr(b, "y")
print(hasattr(b, "y"))
print(id(b) == id(b), id(b) != id(A()), hash(1) == hash(1.0), hash("a") == hash("a"), hash((1, 2)) == hash((1, 2)))
print(callable(len), callable(A), callable(b), callable(1))
print(chr(65), chr(0x1F600) == "\U0001F600", ord("a"), ord("é"), ord(b"a"))
print(repr("it's"), repr('say "hi"'), repr("a\nb\t\x00"), repr(b"\x00ab'"), ascii("héllo"), repr(1.0), repr(1e100), repr(-0.0))
print(format(3.14159, ".2f"), format(42, "08b"), format(1234567, ","), format("x", "^5"), format(0.5, "%"), format(255, "#x"))
print(type(1), type("a"), type([]), type(None), type(type), type(b).__name__, type(1.5).__name__)
print(sorted(vars(b)), "x" in dir(b), "__init__" in dir(A), sorted(k for k in vars(A) if not k.startswith("__")))
g = globals()
print(g["__name__"], "A" in g)
def f(p):
    q = 2
    return sorted(locals().items())
print(f(1))
try:
    getattr(b, "nope")
except AttributeError as e:
    print("AttributeError:", e)
try:
    chr(-1)
except ValueError as e:
    print("ValueError:", e)
try:
    ord("ab")
except TypeError as e:
    print("TypeError:", e)
try:
    hash([])
except TypeError as e:
    print("TypeError:", e)
try:
    isinstance(1, 2)
except TypeError as e:
    print("TypeError:", e)

# Argument errors of builtin methods: METH_NOARGS/METH_O methods name
# their type; encode/decode check their arguments before the codec.
for t in ['[].append()', '[].clear(1)', '{}.keys(1)', '"".upper(1)', 'set().add()',
          '"".join()', '(1,).count()', 'True.bit_length(1)', '{}.get()', '[].pop(1, 2)',
          'b"".decode(1, 2, 3)', '"".encode(1)', '"".encode("utf-8", 2)', 'b"".decode(1)',
          '"".encode(encoding=1)', '"".encode(foo=1)', '"".encode("utf-8", encoding="ascii")',
          '"é".encode("ascii", errors="replace")', 'b"\\xff".decode(errors="replace")',
          '"é".encode(encoding="latin-1")', 'b"x".decode("nope")']:
    try:
        print(t, '=', eval(t))
    except Exception as e:
        print(t, '->', type(e).__name__, e)
