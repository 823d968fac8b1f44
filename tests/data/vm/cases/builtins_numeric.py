# abs, divmod, pow, round, min, max, sum, int/float/bool constructors, hex/oct/bin
def show(*a):
    print(*[repr(x) for x in a])

show(abs(-3), abs(3.5), abs(-0.0), abs(True), abs(-10**30))
show(divmod(7, 2), divmod(-7, 2), divmod(7, -2), divmod(7.5, 2), divmod(-7.5, 2))
show(pow(2, 10), pow(2, -1), pow(2, 100), pow(3, 4, 5), pow(-3, 3, 7), pow(3, -1, 7), pow(2.0, 0.5))
show(round(2.5), round(3.5), round(-2.5), round(0.125, 2), round(2.675, 2), round(1234, -2), round(1250, -2), round(1350, -2))
show(round(1.5e300, -299), round(7), round(7.7), round(-0.4), round(0.5, 0), round(12345.6789, 1))
show(min(3, 1, 2), max(3, 1, 2), min([4, 5, 1]), max("abc"), min([], default=9), max([1, 2], key=lambda x: -x))
show(sum([1, 2, 3]), sum([1, 2], 10), sum([0.1] * 10), sum([1, 2.5]), sum([[1], [2]], []), sum(range(101)))
show(int("42"), int(" -7 "), int("0x1f", 16), int("0b101", 0), int("z", 36), int(3.99), int(-3.99), int(True))
show(int("1_000"), float("1e3"), float(" -inf "), float("nan"), float("1_0.5"), float(7), bool(0), bool(""), bool([0]))
show(hex(255), hex(-255), oct(8), bin(5), bin(-5), hex(10**20))
show(7 // 2, -7 // 2, 7 % -2, -7 % 2, 7.0 // 2, 2 ** -2, 10 / 4, 0.1 + 0.2, 1e16 + 1, 2 ** 63, -(2 ** 63))
show(1 < 2.5, 3 == 3.0, 10**20 > 1e19, (1, 2) < (1, 3), [1, 2] == [1, 2], "a" < "b", None is None)
show(True + True, True * 3, 5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 70, -1 >> 3, (2**70) >> 60)
for bad in ["abc", "", "1.5", "0x"]:
    try:
        int(bad)
    except ValueError as e:
        print("ValueError:", e)
for bad in ["abc", "1e", ""]:
    try:
        float(bad)
    except ValueError as e:
        print("ValueError:", e)
for f in (lambda: 1 / 0, lambda: 1 // 0, lambda: 1 % 0, lambda: 1.0 / 0, lambda: divmod(1, 0), lambda: 0 ** -1):
    try:
        f()
    except ZeroDivisionError as e:
        print("ZeroDivisionError:", e)
try:
    float(10**400)
except OverflowError as e:
    print("OverflowError:", e)
try:
    abs("x")
except TypeError as e:
    print("TypeError:", e)
try:
    1 + "a"
except TypeError as e:
    print("TypeError:", e)
try:
    "a" * 2.5
except TypeError as e:
    print("TypeError:", e)
try:
    round(float("nan"))
except ValueError as e:
    print("ValueError:", e)
try:
    min([])
except ValueError as e:
    print("ValueError:", e)
