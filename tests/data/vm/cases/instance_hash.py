# Instances hash by identity unless a Python class in the MRO defines
# __hash__ (or sets it to None, as defining __eq__ alone does); the
# answer follows class changes made after instances exist.
class Plain:
    pass


class EqOnly:
    def __eq__(self, other):
        return True


class Hashed:
    def __hash__(self):
        return 7


class FromHashed(Hashed):
    pass


class Unhashable(Hashed):
    __hash__ = None


p = Plain()
d = {p: 1}
print(d[p], p in d, hash(p) == hash(p), {p, p} == {p})
for cls in (EqOnly, Unhashable):
    try:
        hash(cls())
    except TypeError as e:
        print("TypeError:", e)
print(hash(Hashed()), hash(FromHashed()), {FromHashed(): 1}.get(FromHashed(), "missing"))

before = hash(p)
Plain.__hash__ = lambda self: 42
print(hash(p), hash(Plain()))
del Plain.__hash__
print(hash(p) == before)
Plain.__hash__ = None
try:
    hash(p)
except TypeError as e:
    print("TypeError:", e)
del Plain.__hash__


class Later:
    pass


x = Later()
s = {x}
Later.__hash__ = lambda self: 1
Later.__eq__ = lambda self, other: True
print(x in s, Later() in {Later()}, len({Later(), Later()}))
