for v in [0.1, 1/3, 1e16, 1e22, 123456789.0, 1.5e-7, 2.0 ** 0.5, -0.0, float("inf"), float("nan"), 1e300 * 10, 5e-324, 0.1 + 0.2]:
    print(repr(v), str(v), f"{v:.3g}", f"{v:e}" if v == v and abs(v) != float("inf") else "-")
print(round(2.675, 2), round(1.005, 2), 1.1 * 3, 7.0 / 2, 7.0 // 2, -7.0 % 3, 2.5.is_integer(), (0.5).as_integer_ratio(), float.hex(1.0) if False else (3.0).hex())
print(f"{1234.5678:10.2f}|{1234.5678:<10.1f}|{-1.5:+.1f}|{1e-5:f}|{123456789.0:,.2f}|{0.000001234:.3e}|{1.0:g}|{1e20:g}")
print(int(2.5), int(-2.5), float(3), 3.0 == 3, hash(3.0) == hash(3), 1e308 * 10, -1e308 * 10, 0.0 == -0.0)
import math
print(math.sqrt(16), math.floor(-2.5), math.ceil(2.1), math.pi, math.isnan(float("nan")), math.isinf(1e309), math.gcd(12, 18), math.factorial(10), math.fsum([0.1] * 10))
