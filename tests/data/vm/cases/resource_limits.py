# Exhaustion gives CPython's errors and the interpreter stays usable.
import sys
def deep(n):
    return deep(n + 1)
for _ in range(3):
    try:
        deep(0)
    except RecursionError as e:
        print("RecursionError:", e)
sys.setrecursionlimit(100000)
try:
    deep(0)
except RecursionError as e:
    print("RecursionError with a high limit:", e)
x = "a" * 10
try:
    y = x * (2 ** 62)
except (MemoryError, OverflowError) as e:
    print(type(e).__name__)
try:
    l = [0] * (2 ** 62)
except (MemoryError, OverflowError) as e:
    print(type(e).__name__)
print("still running", sum(range(10)))
