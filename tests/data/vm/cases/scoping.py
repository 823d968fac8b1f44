x = "global"
def read():
    return x
def shadow():
    x = "local"
    return x
def unbound():
    print(x)
    x = 1
print(read(), shadow())
try:
    unbound()
except UnboundLocalError as e:
    print("UnboundLocalError:", e)
def closure_unbound():
    def inner():
        return y
    try:
        inner()
    except NameError as e:
        print("NameError:", e)
    y = 1
closure_unbound()
try:
    undefined_name
except NameError as e:
    print("NameError:", e)
class K:
    a = 1
    b = a + 1
    def m(self):
        try:
            return a
        except NameError as e:
            return str(e)
print(K.b, K().m())
def gen_scope():
    v = 5
    class Inner:
        w = v * 2
    return Inner.w
print(gen_scope())
