# format() over CPython 3.13's spec mini-language for int, bool, float,
# str and None (every flag, alignment, grouping and type; its errors and
# their exception types), float repr/str, and int()/float() parsing
# (underscores, prefixes, whitespace, digits of any script).
vals = [0, 7, -42, 3.14159, -0.0, 1e16, 1.5e-7, 2**64, True, float("inf"), float("nan"), "ab", None]
specs = ["", "5", "<6", ">6", "^7", "*^9", "+", " ", "-", "06", "x", "#x", "X", "#o", "b", "#b", "c", "d", ",", "_", ",d", "_x", ".2f", ".0f", "10.3f", "e", ".3e", "E", "g", ".3g", "G", "%", ".1%", "n", "s", "10s", ".1s", "=+8", "#.3g", "08.2f", "+,.2f", "z.1f", ">+10.2e", "#10x", "0=10"]
for v in vals:
    for s in specs:
        try:
            r = format(v, s)
        except Exception as e:
            r = type(e).__name__ + ": " + str(e)
        print(repr(v), repr(s), repr(r))
for f in [0.1, 1/3, 1e22, 1e-5, 123456789.123, 5e-324, 1.7976931348623157e308, 100.0, 1e15, 12345678901234567.0]:
    print(repr(f), str(f), f"{f}", f"{f!r:>30}", round(f, 3), f.is_integer(), f.as_integer_ratio() if f == f and abs(f) != float("inf") else None)
for s in ["1_000", " 12 ", "0b101", "0o17", "0x_ff", "-0", "+5", "1__0", "٣", "1e3", "", "12a", " -3 "]:
    for base in [10, 0, 16]:
        try:
            r = int(s, base)
        except Exception as e:
            r = type(e).__name__ + ": " + str(e)
        print(repr(s), base, r)
for s in ["1.5", " -2e3 ", "inf", "-Infinity", "nan", "1_0.5", "0x1p3", "1e500", ".5", "5.", "1..2", "١.٥"]:
    try:
        r = float(s)
    except Exception as e:
        r = type(e).__name__ + ": " + str(e)
    print(repr(s), r)
