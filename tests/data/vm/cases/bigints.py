import sys
a = 2 ** 200
print(a, a // 3, a % 1000007, -a // 7, a * a, a - a, hex(a), a.bit_length(), (-a) >> 3, a & (2 ** 64 - 1), a | 1, a ^ a)
print(int("9" * 50) + 1, 10 ** 30 / 10 ** 10, 2 ** 64 == 18446744073709551616, (10 ** 20) ** 0.5, abs(-(10 ** 25)))
print(pow(3, 200, 10 ** 9 + 7), divmod(-(10 ** 22), 7), 10 ** 25 < 10 ** 25 + 1, float(2 ** 100), int(1e30))
f = 1
for i in range(1, 60):
    f *= i
print(f, str(f)[:10], len(str(f)), f.to_bytes(33, "big")[:3])
print(sys.get_int_max_str_digits())
try:
    str(10 ** 5000)
except ValueError as e:
    print("ValueError:", e)
sys.set_int_max_str_digits(0)
print(len(str(10 ** 5000)))
sys.set_int_max_str_digits(640)
try:
    int("1" * 700)
except ValueError as e:
    print("ValueError:", e)
try:
    sys.set_int_max_str_digits(5)
except ValueError as e:
    print("ValueError:", e)
print(hash(2 ** 61 - 1), hash(2 ** 61), hash(-1), hash(-2), hash(10 ** 30))
