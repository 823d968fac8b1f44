# The static and class methods of the builtin types, as CPython 3.13's:
# str.maketrans/translate, bytes.maketrans (static), bytes.fromhex,
# int.from_bytes, dict.fromkeys (class methods), reached through the
# type or an instance alike.
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
             'int.from_bytes(None)', '(7).to_bytes(1, 2)', 'int.from_bytes(iter([1, 2]))']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
