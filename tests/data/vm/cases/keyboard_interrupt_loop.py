import _thread, threading, time
def t():
    time.sleep(0.2)
    _thread.interrupt_main()
threading.Thread(target=t).start()
n = 0
while True:
    n += 1
