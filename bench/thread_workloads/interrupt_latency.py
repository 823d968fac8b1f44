# Interrupt latency: _thread.interrupt_main() from a thread until the main
# thread's handler runs, in a running loop and in a sleep.
import _thread
import threading
import time

sent = [0.0]


def fire(delay):
    time.sleep(delay)
    sent[0] = time.perf_counter()
    _thread.interrupt_main()


def loop_case():
    t = threading.Thread(target=fire, args=(0.05,))
    t.start()
    try:
        n = 0
        while True:
            n += 1
    except KeyboardInterrupt:
        got = time.perf_counter()
    t.join()
    return got - sent[0]


def sleep_case():
    t = threading.Thread(target=fire, args=(0.05,))
    t.start()
    try:
        time.sleep(1)
    except KeyboardInterrupt:
        got = time.perf_counter()
    t.join()
    return got - sent[0]


loops = sorted(loop_case() for _ in range(3))
sleeps = sorted(sleep_case() for _ in range(3))
print(f"RESULT interrupt_running_loop {loops[1] * 1e6:.0f} us")
print(f"RESULT interrupt_sleep {sleeps[1] * 1e6:.0f} us")
