# An exception escaping a function started with _thread.start_new_thread
# is reported as unraisable (the thread ends, the program goes on).
import _thread
import time


class Job:
    def __call__(self):
        raise ValueError("boom")

    def __repr__(self):
        return "<Job>"


_thread.start_new_thread(Job(), ())
time.sleep(0.2)
print("main goes on")
