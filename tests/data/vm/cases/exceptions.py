def f():
    try:
        raise KeyError("k")
    except KeyError as e:
        raise ValueError("wrapped") from e
try:
    f()
except ValueError as e:
    print(repr(e), repr(e.__cause__), e.__suppress_context__, repr(e.__context__))
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise TypeError("during")
except TypeError as e:
    print(repr(e.__context__), e.__cause__, e.__suppress_context__)
try:
    raise RuntimeError("x") from None
except RuntimeError as e:
    print(e.__cause__, e.__suppress_context__)
def g():
    try:
        return "try"
    finally:
        print("finally runs")
print(g())
def h():
    for i in range(3):
        try:
            if i == 1:
                continue
            if i == 2:
                break
        finally:
            print("fin", i)
    return "done"
print(h())
try:
    pass
except Exception:
    print("no")
else:
    print("else runs")
finally:
    print("finally too")
try:
    raise ValueError
except (TypeError, ValueError) as e:
    print("caught", type(e).__name__, e.args)
class MyErr(Exception):
    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code
try:
    raise MyErr(7)
except Exception as e:
    print(type(e).__name__, e, e.code, e.args, isinstance(e, MyErr))
try:
    raise MyErr(1)
except MyErr:
    try:
        raise
    except MyErr as e2:
        print("reraised", e2.code)
e = None
try:
    raise OSError(2, "No such file")
except OSError as err:
    print(err.errno, err.strerror, err)
print(repr(KeyError("a")), str(KeyError("a")), repr(ValueError()), str(ValueError(1, 2)), repr(StopIteration(3)), StopIteration(3).value)
print(issubclass(KeyError, LookupError), issubclass(ModuleNotFoundError, ImportError), issubclass(RecursionError, RuntimeError), ZeroDivisionError.__mro__)
try:
    raise TypeError("a", 1)
except TypeError as ex:
    print(ex.args, str(ex))
def nested():
    try:
        raise ValueError("inner")
    except ValueError:
        try:
            raise KeyError("second")
        except KeyError as k:
            return repr(k.__context__)
print(nested())
try:
    raise 5
except TypeError as e:
    print("TypeError:", e)
import sys
try:
    raise ValueError("v")
except ValueError:
    print(sys.exc_info()[0].__name__, repr(sys.exception()))
print(sys.exception())
err = ValueError("note me")
err.add_note("a note")
print(err.__notes__)
