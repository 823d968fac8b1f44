# pyrt's documented limit: a code object cannot read a global name past
# its 65 536th distinct name (CPython has no limit); up to that, big
# generated modules compile in linear time (names and constants are
# indexed, not searched).
src = "".join("n%d = %d\n" % (i, i) for i in range(60000)) + "total = n0 + n59999\n"
ns = {}
exec(compile(src, "<big>", "exec"), ns)
print(ns["total"], len(ns))
src = "".join("m%d = 0\n" % i for i in range(65537)) + "print(m65536)\n"
try:
    compile(src, "<huge>", "exec")
    print("compiled")
except SyntaxError as e:
    print("SyntaxError:", e.msg)
