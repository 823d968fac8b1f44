def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise RuntimeError("could not parse") from e
def load():
    try:
        parse("x")
    except RuntimeError:
        raise KeyError("while loading")
load()
