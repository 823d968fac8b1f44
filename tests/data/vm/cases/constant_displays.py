# Displays of constants as CPython 3.13 compiles them: a list or set of
# three or more constants (negated numbers and nested tuples of constants
# count) is built from one tuple constant on the display's first line; a
# dict with two or more constant keys loads its values, then the keys as
# one tuple; a `for` loop or an `in` test over a list of constants reads a
# tuple. 'line' events show the layout; the values must not change.
import sys
out = []
def tracer(frame, event, arg):
    if frame.f_code.co_name == 'displays':
        out.append((event, frame.f_lineno - frame.f_code.co_firstlineno))
    return tracer

def displays(k):
    a = [1,
         2]
    b = [1,
         -2,
         (3,
          -4.5)]
    c = {1,
         1.0,
         True}
    d = {1:
         'x',
         2: k,
         1.0: 'y'}
    e = {k:
         1,
         2: 3}
    f = [
        k,
        2,
        3]
    n = 0
    for x in [1,
              2]:
        n += x
    t = (k in [1,
               2,
               3.0])
    u = (k not in [-1,
                   'a'])
    return a, b, c, d, e, f, n, t, u

sys.settrace(tracer)
r = displays(3)
sys.settrace(None)
for x in out:
    print(x)
print(r)
print([type(v).__name__ for v in r[1]], [type(v).__name__ for v in r[3]])
# Each run builds new containers from the shared constant.
l1 = displays(0)[1]
l1.append(9)
print(displays(0)[1], l1)
print({10**20: 1, -10**20: 2, 'k': [1, 2, 3]})
print([0.0, -0.0, 1e300, -1e300])
