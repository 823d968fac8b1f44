# threading.Thread's construction, naming, daemon inheritance and
# registry, done partly by the runtime's natives (_pyrt.thread_init,
# thread_enter, thread_exit, thread_registry): what Python sees is
# CPython's.
import threading
import _thread


class Numbered(threading.Thread):
    def __init__(self, n):
        super().__init__(name=None, daemon=None)
        self.n = n

    def run(self):
        me = threading.current_thread()
        print("run", self.n, self.name.startswith("Thread-"), self.daemon, me is self,
              self in threading.enumerate(), self.is_alive(), self.ident == threading.get_ident())


for i in range(3):
    t = Numbered(i)
    print(repr(t).split(",")[1])
    t.start()
    t.join()
    print(t.is_alive(), repr(t).split(",")[1].split()[0])
print(threading.active_count(), len(threading.enumerate()), threading.enumerate()[0].name)

t = threading.Thread(target=print, args=("hi",), kwargs={"end": "!\n"}, name=42)
print(repr(t.name))
t.start()
t.join()


def g():
    pass


class CallableWithoutName:
    def __call__(self):
        pass


print(threading.Thread(target=g).name.endswith(" (g)"),
      threading.Thread(target=lambda: 0).name.endswith(" (<lambda>)"),
      threading.Thread(target=CallableWithoutName()).name.count("("),
      threading.Thread(name="").name.startswith("Thread-"))
for bad in (lambda: threading.Thread(group=1), lambda: threading.Thread(bogus=1),
            lambda: threading.Thread(None, g, "n", (), {}, True)):
    try:
        bad()
    except (AssertionError, TypeError) as e:
        print(type(e).__name__, e)
print(threading.Thread(target=g, daemon=True).daemon, threading.Thread(target=g, daemon=0).daemon)


def inner():
    print("inherited daemon", threading.Thread(target=g).daemon)


d = threading.Thread(target=inner, daemon=True)
d.start()
d.join()
try:
    d.start()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    threading.current_thread().join()
except RuntimeError as e:
    print("RuntimeError:", e)
print(threading.main_thread().name, threading.current_thread().daemon)

done = threading.Event()


def raw():
    ct = threading.current_thread()
    print("dummy", type(ct).__name__, ct.name.startswith("Dummy-"), ct.daemon,
          threading.Thread(target=g).daemon)
    done.set()


_thread.start_new_thread(raw, ())
done.wait()


class WithProperty(threading.Thread):
    @property
    def daemon(self):
        return "from the subclass"


def child():
    print("child daemon", threading.Thread(target=g).daemon)


w = WithProperty(target=child)
w.start()
w.join()
