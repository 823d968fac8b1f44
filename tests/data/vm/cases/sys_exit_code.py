import sys
print("about to exit")
try:
    sys.exit(3)
finally:
    print("finally")
