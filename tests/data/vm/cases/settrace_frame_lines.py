# f_lineno as a trace function sees it on 'call' events: 0 for module
# code (its RESUME has no line), the def/class line for functions and
# class bodies.
import sys

events = []


def tracer(frame, event, arg):
    if frame.f_code.co_filename == "traced.py":
        events.append(f"{event} {frame.f_code.co_name}:{frame.f_lineno}")
    return tracer


src = "def f(x):\n    y = x + 1\n    return y\nclass C:\n    z = f(1)\nf(2)\n"
sys.settrace(tracer)
exec(compile(src, "traced.py", "exec"), {})
sys.settrace(None)
for e in events:
    print(e)
