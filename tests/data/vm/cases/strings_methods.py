s = "Hello, World"
print(s.upper(), s.lower(), s.swapcase(), s.title(), "hello world".capitalize(), s.casefold())
print(s.find("o"), s.rfind("o"), s.find("z"), s.index("W"), s.count("l"), s.count(""), s.startswith("He"), s.endswith(("x", "ld")))
print(s.split(", "), "a b  c".split(), "a,b,,c".split(","), "a,b,c".split(",", 1), "a,b,c".rsplit(",", 1), "x\ny\r\nz".splitlines())
print("-".join(["a", "b"]), " x ".strip(), "xxaxx".strip("x"), "  a".lstrip(), "a  ".rstrip(), "abc".replace("b", "BB"), "aaa".replace("a", "b", 2))
print("ab".center(6, "*"), "ab".ljust(4) + "|", "ab".rjust(4), "42".zfill(5), "-42".zfill(5), "a\tb".expandtabs(4))
print("abc".partition("b"), "abc".rpartition("x"), "prefix_x".removeprefix("prefix_"), "x.py".removesuffix(".py"))
print("abc".isalpha(), "123".isdigit(), "abc1".isalnum(), " \t".isspace(), "Ab".isupper(), "ab".islower(), "Hello World".istitle(), "a_1".isidentifier())
print("12".isdecimal(), "½".isnumeric(), "abc".isascii(), "\x07".isprintable())
print("{} {}".format(1, 2), "{1} {0}".format("a", "b"), "{x}".format(x=3), "{:>5}|{:<5}|{:^5}".format("a", "b", "c"), "{0!r}".format("s"))
print("%s %d %.2f %x %r %5s|%-5s|" % ("a", 3, 2.5, 255, "q", "r", "l"), "%(a)s" % {"a": 1}, "%%" % ())
print(f"{3.14159:.3f} {42:05d} {'x'!r} {1+1} {'a':>3} {10:x} {1e10:g} {12345678:,} {0.25:.0%}")
w = 7
print(f"{w=}", f"{w * 2 = }", f"{'nested {}'.format(1)}")
print("abc"[1], "abc"[-1], "abcdef"[1:4], "abcdef"[::2], "abcdef"[::-1], "abc" * 2, "a" + "b", "b" in "abc")
print(str(1), str(1.5), str([1, "a"]), str(None), str(b"x"), str((1,)), str({"a": 1}))
print("é".encode(), b"\xc3\xa9".decode(), "abc".encode("ascii"), bytes([97, 98]), bytes(3), b"ab" + b"c", b"abc"[1], b"abc"[1:])
print(sorted({"b", "a", "c"}), max("hello"), min("hello"))
for bad in [lambda: "a".index("z"), lambda: "{".format(), lambda: "%d" % "x", lambda: "a" + 1, lambda: "abc"[5], lambda: "é".encode("ascii")]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__ + ":", e)
print("Thread-%d" % 5, "%s-%s" % ("a", "b"), "%d%%" % -3, "%s" % 1.5, "%d" % True, "%s" % True, "%5d|%-4s|" % (3, "x"), "%(a)s %(b)d" % {"a": "A", "b": 2})
print("%s" % "caf\u00e9", "%d" % 2**70, "%i %u" % (1, 2))

# printf-style formatting: text runs around specs (non-ASCII included),
# mapping keys and the errors CPython gives.
class Doubler:
    def __getitem__(self, k):
        return k * 2


for f, a in [("Thread-%d", 5), ("héllo %s wörld %d%%", ("ä", -12)), ("%5d|%-5d|%05d", (1, 2, 3)),
             ("%(a)s-%(b)r", {"a": "x", "b": "y"}), ("%x %X %o %#x", (255, 255, 8, 255)),
             ("%.2f %e %g", (3.14159, 12345.678, 0.0001)), ("%c%c", (65, "b")), ("€%s€", "z"),
             ("%*d", (5, 42)), ("%.3s", "abcdef"), ("%d", 2**70), ("%i %u", (-3, 4)),
             ("%(ab)s", Doubler()), ("%", 1), ("%y", 1), ("ä%ü", 1), ("%\x01", 1), ("%d %d", (1,)),
             ("%d", (1, 2)), ("%(a", {"a": 1}), ("%d", "x"), ("%(a)s", 1), ("%(a)s", [1]),
             ("%(a)s", "abc"), ("%(a)s", (1,)), ("%(a)s", object())]:
    try:
        print(repr(f % a))
    except Exception as e:
        print(type(e).__name__, e)

# Whitespace split with maxsplit keeps the rest's far whitespace (found
# while moving split's parts to byte ranges).
for s in ["  a  b   c  ", "\ta\nb  c\x1c", "a b c d e", "  ", "x"]:
    for n in (0, 1, 2, 3, 9):
        print(repr(s), n, s.split(None, n), s.rsplit(None, n))
print("a,,b,".split(","), "a,,b,".rsplit(",", 1), "ab".split("ab"), "".split(","))
# One-ASCII-character strs are shared, as CPython's one-character
# Latin-1 strs are.
word, letter = "abc", "a"
print(word[0] is letter[0], len({id(c) for c in "aaaa"}), "é"[0] == "é")
# join reads a list's or tuple's items in place; CPython's messages.
print(",".join(["a", "b"]), "".join(()), "-".join(("x",)), "é".join(["ü", "ß"]),
      " ".join(str(i) for i in range(3)), ",".join({"k": 1}))
for bad in (["a", 1], (None,), 5):
    try:
        ",".join(bad)
    except TypeError as e:
        print("TypeError:", e)
