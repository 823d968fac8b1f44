# Counts far beyond memory give MemoryError/OverflowError, never a crash.
for expr in ("[0, 1] * (2**40)", "[0] * (2**62)",
             "'ab' * (2**40)", "b'x' * (2**40)", "bytes(2**50)", "[0] * (2**100)"):
    try:
        eval(expr)
        print(expr, "ok")
    except (MemoryError, OverflowError) as e:
        print(expr, type(e).__name__)
