import sys
def down(n):
    return down(n + 1)
try:
    down(0)
except RecursionError as e:
    print("RecursionError:", e)
sys.setrecursionlimit(50)
depth = 0
def d():
    global depth
    depth += 1
    d()
try:
    d()
except RecursionError:
    print("depth reached", depth)
print(sys.getrecursionlimit())
try:
    sys.setrecursionlimit(0)
except ValueError as e:
    print("ValueError:", e)
nested = []
for _ in range(100000):
    nested = [nested]
print("deep list built")
del nested
print("deep list freed")
