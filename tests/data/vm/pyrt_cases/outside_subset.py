# Constructs outside pyrt's subset fail with a clear error naming them.
tests = [
    "match 1:\n    case 1:\n        pass\n",
    "async def f():\n    pass\n",
    "def f[T](x: T) -> T:\n    return x\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "type Alias = int\n",
]
for src in tests:
    try:
        exec(src)
        print("ran:", src.splitlines()[0])
    except (SyntaxError, NotImplementedError) as e:
        print(type(e).__name__ + ":", e)
try:
    open("file.txt")
except NotImplementedError as e:
    print("NotImplementedError:", e)
try:
    import collections
except ImportError as e:
    print(type(e).__name__ + ":", e)
import _interpreters
i = _interpreters.create()
def f():
    pass
try:
    _interpreters.exec(i, f)
except NotImplementedError as e:
    print("NotImplementedError:", e)
_interpreters.destroy(i)
