g = {"x": 2}
exec("y = x * 3", g)
print(g["y"], eval("x + y", g), eval("[i for i in range(3)]"), eval("1 + 2 * 3"))
exec("def f(a):\n    return a + 1\nprint(f(1))")
print(f(10))
ns = {}
exec("z = 5", {}, ns)
print(ns)
code = compile("q = 7", "<c>", "exec")
exec(code)
print(q, eval(compile("q * 2", "<e>", "eval")))
try:
    eval("1 +")
except SyntaxError as e:
    print("SyntaxError:", e.msg, e.lineno, e.offset)
try:
    exec("raise ValueError('from exec')")
except ValueError as e:
    print("ValueError:", e)
print(eval("__name__"), eval("len")("abc"))
def scoped():
    v = 3
    return eval("v + 1")
print(scoped())
