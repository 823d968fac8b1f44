# CPython 3.13's argument errors of builtins, in CPython's order of
# checks: chr of a non-int and of a huge int, int() with three arguments,
# issubclass checking its first argument first, pow/round missing
# arguments, round of a type without __round__, str()/bytes() with a
# non-str encoding, sum() of a non-iterable with a str start, bytes of a
# bool or a huge int.
for expr in ['chr("a")', 'chr(None)', 'chr(2**70)', 'chr(-1)', 'chr(True)', 'int(10, 3, 5)', 'issubclass(1, 2)',
             'issubclass("a", int)', 'issubclass(int, 2)', 'issubclass(bool, (int, str))', 'pow()', 'pow(2)', 'pow(2, 3, 5, 7)',
             'round()', 'round([1], [2])', 'round(2.5, "x")', 'round(1234, -2)', 'str(1, 2)', 'str(b"a", "ascii", 3)',
             'str(b"a", errors="strict")', 'bytes(1, 2)', 'bytes("a", 2)', 'bytes("a", "ascii", 1)', 'bytes(True)',
             'bytes(False)', 'bytes(2**70)', 'bytes(-1)', 'sum(1.5, "x")', 'sum([1], "x")', 'sum([b"a"], b"")',
             'divmod(2.5, 0)', 'divmod(7, 0.0)', 'divmod(-7, 2)']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
