def level3(d):
    return d["missing"]
def level2(d):
    return level3(d) + 1
def level1():
    data = {"a": 1}
    return level2(data)
print("before")
level1()
