for f in [lambda: [0] * (2**34), lambda: "a" * (2**38), lambda: b"ab" * (2**37), lambda: (1,) * (2**34), lambda: "x".center(2**40), lambda: format(1, "99999999999"), lambda: bytes(2**38), lambda: list(range(2**34))]:
    try:
        f()
        print("ok?")
    except Exception as e:
        print(type(e).__name__, e)
print("alive")
