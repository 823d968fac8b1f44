import sys
print("a", "b", sep="-", end="!\n")
print("x", 1, None, [1], sep="")
print()
print("to stderr", file=sys.stderr)
print("flushed", flush=True)
print(*range(3), sep=", ")
sys.stdout.write("raw\n")
print(repr(sys.stdout.write("abc")))
print()
print("é ü 日本", "\u2603")
try:
    print("x", sep=1)
except TypeError as e:
    print("TypeError:", e)
try:
    input()
except EOFError as e:
    print("EOFError:", e)
