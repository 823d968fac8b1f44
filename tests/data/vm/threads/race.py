import sys, threading
sys.setswitchinterval(1e-6)
counter = 0
def add(v):
    return v + 1
def work():
    global counter
    for _ in range(2000):
        counter = add(counter)
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(counter)
