# bytes methods as CPython 3.13's: searching (a bytes or an int needle,
# start/end), splitting, stripping, joining, case mapping and predicates
# on ASCII only, padding, partitioning, replacing, tabs, fromhex/hex,
# maketrans/translate, and the errors for a str where bytes belong.
b = b"Hello, World! hello"
print(b.find(b"llo"), b.find(b"llo", 5), b.rfind(b"llo"), b.find(b"zz"), b.find(108), b.rfind(108, 0, 5))
print(b.index(b"W"), b.rindex(b"l"), b.count(b"l"), b.count(b"l", 5, -1), b.count(b""), b.count(111))
print(b.startswith(b"Hell"), b.endswith((b"x", b"llo")), b.startswith(b"World", 7), b.endswith(b"Hello", 0, 5))
print(b"  a b\tc\n".split(), b"a,b,,c".split(b","), b"a,b,c".split(b",", 1), b"a,b,c".rsplit(b",", 1))
print(b"  x  y  ".split(None, 1), b"  x  y  ".rsplit(maxsplit=1), b"".split(), b"".split(b","))
print(b"a\nb\r\nc\rd".splitlines(), b"a\nb\r\n".splitlines(True), b"x\x0by\x0cz".splitlines())
print(b"  pad \t\n".strip(), b"xxhixx".strip(b"x"), b"  l".lstrip(), b"r  ".rstrip(), b"abcab".strip(b"ab"))
print(b"-".join([b"a", b"b", b"c"]), b"".join([]), b", ".join((b"x",)), b"+".join(iter([b"1", b"2"])))
print(b"\xc7a".capitalize(), b"\xc7a b".title(), b"MiXeD 123 \xff".upper(), b"MiXeD".lower(), b"MiXeD".swapcase(), b"hello world".title(), b"hELLO".capitalize())
print(b"abc".isalpha(), b"ab1".isalnum(), b"123".isdigit(), b" \t".isspace(), b"\x80".isascii(), b"".isascii())
print(b"ABC".isupper(), b"abc".islower(), b"Title Case".istitle(), b"".isalpha(), b"\xe9".isalpha(), b"A1".isupper())
print(b"ab".center(7), b"ab".center(6, b"*"), b"ab".ljust(5, b"."), b"ab".rjust(5), b"-42".zfill(6), b"7".zfill(3))
print(b"a=b=c".partition(b"="), b"a=b=c".rpartition(b"="), b"abc".partition(b"x"), b"abc".rpartition(b"x"))
print(b"aXbXc".replace(b"X", b"--"), b"aaa".replace(b"a", b"b", 2), b"ab".replace(b"", b"."), b"ab".replace(b"", b".", 1))
print(b"prefix-x".removeprefix(b"prefix-"), b"x.py".removesuffix(b".py"), b"x".removesuffix(b""))
print(b"a\tbc\td".expandtabs(), b"a\tb".expandtabs(4), b"12\t\n\tx".expandtabs(2))
print(bytes.fromhex("de ad BEEF"), bytes.fromhex(""), b"\x01\xab".hex(), b"xyz".hex())
t = bytes.maketrans(b"abc", b"xyz")
print(len(t), t[97:100], b"aabbcc".translate(t), b"abcdef".translate(None, b"bd"), b"abc".translate(t, b"a"))
print(b"abc" * 2, 2 * b"ab", b"ab" + b"cd", b"b" in b"abc", 98 in b"abc", b"" in b"x", list(b"hi"), b"abc"[::-1])
print(b"abc" < b"abd", b"ab" < b"abc", b"b" > b"abc", hash(b"x") == hash(b"x"), bytes(3), bytes([1, 2]), bytes(b"q"))
print(str(b"a'b"), repr(b'a"b'), repr(b"\x00\n\t\\"), b"%s" if False else b"ok")
for expr in ['b"a".split("x")', 'b"a".strip("x")', 'b"a".find("x")', 'b"a".count(1.5)',
             'b"a".find(256)', 'b"a".startswith("a")', 'b"a".replace("a", b"b")', 'b"-".join([b"a", "b"])',
             'b"-".join([1])', 'b"a".center(5, "x")', 'b"a".center(5, b"xy")', 'b"a".partition(b"")',
             'b"a".partition("a")', 'b"a".removeprefix("a")', 'b"a".index(b"z")', 'b"a".rindex(b"z")',
             'bytes.fromhex("zz")', 'bytes.fromhex("abc")', 'bytes.fromhex(5)', '"a" in b"abc"', '300 in b"abc"',
             'bytes.maketrans(b"ab", b"c")', 'b"a".translate(b"short")', 'bytes.upper("x")', 'b"a".split(b"")',
             'b"a".zfill("3")', 'b"a".split(maxsplit="1")', 'b"a".expandtabs("x")']:
    try:
        print(expr, "->", eval(expr))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
