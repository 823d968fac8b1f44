try:
    import nonexistent_module_xyz
except ImportError as e:
    print(type(e).__name__ + ":", e, e.name)
try:
    from sys import nothing_here
except ImportError as e:
    print("ImportError:", e)
from json import dumps as d
print(d([1]))
import sys as s2
print(s2 is __import__("sys"))
