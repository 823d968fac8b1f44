class CM:
    def __init__(self, name, swallow=False):
        self.name = name
        self.swallow = swallow
    def __enter__(self):
        print("enter", self.name)
        return self.name
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None, ev)
        return self.swallow
with CM("a") as a, CM("b") as b:
    print("body", a, b)
with CM("s", True):
    raise KeyError("k")
try:
    with CM("p"):
        raise ValueError("v")
except ValueError as e:
    print("propagated", e)
def f():
    with CM("r"):
        return "returned"
print(f())
for i in range(2):
    with CM(f"loop{i}"):
        if i == 0:
            continue
        break
try:
    with 5:
        pass
except TypeError as e:
    print("TypeError:", e)

# `with ():` is one item, the empty tuple (found by the front-end fuzzer).
try:
    with ():
        pass
except TypeError as e:
    print("with ():", e)
