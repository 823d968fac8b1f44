import sys, os, time, json, gc, atexit
print(sys.argv, type(sys.version), sys.version_info[:2], sys.version_info >= (3, 13), sys.platform in ("linux", "wasi", "wasm", "darwin"))
print(sys.maxsize, sys.byteorder, sys.flags.optimize, sys.flags[3], len(sys.flags), type(sys.path), sys.getrecursionlimit())
print(sys.getswitchinterval(), sys.stdout.encoding, sys.getfilesystemencoding(), sys.dont_write_bytecode, sys.hexversion >> 24)
print("PATH" in os.environ, os.getpid() > 0, isinstance(os.cpu_count(), int), os.sep, os.name)
t0 = time.monotonic(); time.sleep(0.01); t1 = time.monotonic()
print(t1 - t0 >= 0.009, time.time() > 1.6e9, isinstance(time.perf_counter(), float), isinstance(time.time_ns(), int))
print(json.dumps({"a": [1, 2.5, None, True, "é"]}), json.dumps([1, 2], indent=2), json.dumps({"b": 1, "a": 2}, sort_keys=True, separators=(",", ":")))
print(json.loads('{"x": [1, 2.0, "s", null, true, false], "y": {"z": -1e3}}'), json.dumps({1: "a"}), json.dumps(set([1]) and "s", default=repr))
print(json.dumps(object, default=lambda o: "obj"))
try:
    json.dumps({1, 2})
except TypeError as e:
    print("TypeError:", e)
try:
    json.loads("{bad")
except ValueError as e:
    print(type(e).__name__ + ":", e)
class Node:
    pass
a = Node(); b = Node(); a.b = b; b.a = a
del a, b
print(gc.collect() >= 2, gc.isenabled(), gc.get_threshold())
atexit.register(print, "at exit", 1)
@atexit.register
def bye():
    print("bye")
sys.stdout.write("written\n")
print("end of main")
