# The static and class methods of the builtin types, as CPython 3.13's:
# str.maketrans/translate, bytes.maketrans (static), bytes.fromhex,
# int.from_bytes, float.fromhex, dict.fromkeys (class methods), reached
# through the type or an instance alike.
t = str.maketrans("abc", "xyz", "d")
print(sorted(t.items()), "abcd-e".translate(t), "".maketrans({"a": "A", 98: None}))
print("hello".translate({ord("l"): "L", ord("o"): None, ord("h"): 0x48}), "x".translate([]))
print("ab".translate(str.maketrans({"a": "αβ"})), "ab".maketrans("a", "b") == str.maketrans("a", "b"))
print(bytes.maketrans(b"ab", b"xy")[97:99], b"".maketrans(b"a", b"b")[97], b"".fromhex("41 42"), bytes.fromhex("00ff"))
print(int.from_bytes(b"\x01\x00"), int.from_bytes(b"\x01\x00", "little"), int.from_bytes(b"\xff", signed=True),
      int.from_bytes([1, 2, 3], "big"), (5).from_bytes(b"\x07"), int.from_bytes(b""), int.from_bytes(b"\x80\x00", byteorder="big", signed=True))
print(dict.fromkeys("ab"), dict.fromkeys([1, 2], 0), {}.fromkeys("x", []))
print(type(int.from_bytes(b"\x02")).__name__, (7).from_bytes(b"\x03"), True.from_bytes(b"\x01"))
for expr in ['str.maketrans("ab", "c")', 'str.maketrans(1)', 'str.maketrans({"ab": 1})', 'str.maketrans({1.5: 1})',
             '"a".translate({97: 1.5})', '"a".translate({97: 0x110000})', 'str.maketrans()', 'int.from_bytes("ab")',
             'int.from_bytes([256])', 'int.from_bytes(b"a", "middle")', 'int.from_bytes(5)', 'dict.fromkeys()',
             'bytes.fromhex("0g")', 'bytes.maketrans(b"a")',
             'int.from_bytes(None)', '(7).to_bytes(1, 2)', 'int.from_bytes(iter([1, 2]))',
             '(5).to_bytes(-1, "x")', '(5).to_bytes(2, "little")']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)

# float.fromhex, correctly rounded (half to even, subnormals), and its errors.
xs = [0.0, -0.0, 1.0, 0.1, 1/3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 123.456, -2.5e-310, 1e-320, 3.0e200]
out = []
for x in xs:
    h = x.hex()
    out.append((h, float.fromhex(h) == x))
print(out)
for s in ["0x1.8p1", "1.8p1", "-0x1p-1074", "0x1p-1075", "0x1.0000000000001p-1075", "0x3p-1076", "0x1.fffffffffffff8p1023", "0x1.fffffffffffff7ffp1023",
          "0x1p1024", "inf", "-Infinity", "nan", "0x.8", "0x8.", "  0x1p0  ", "0x", "0xg", "0x1p", "0x1.2.3", "", "0x1.00000000000008p0", "0x1.00000000000018p0",
          "0x1.000000000000080000001p0", "0x123456789abcdef0123p-10", "0x0.0000000000000000000001p80", "0x1p-1074", "0x1.8p-1074", "0x1.4p-1074", "0x1.cp-1074"]:
    try:
        print(repr(s), float.fromhex(s))
    except Exception as e:
        print(repr(s), type(e).__name__, e)
