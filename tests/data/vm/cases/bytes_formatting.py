# bytes %-formatting as CPython 3.13's (PEP 461: %s/%b take bytes or
# __bytes__, %r/%a give ascii(), %c one byte, numbers as str's, a
# mapping's keys are bytes; its errors), and bytes.hex() with a separator.
class X:
    def __bytes__(self): return b"xb"
for expr in ['b"%s-%b" % (b"a", b"bc")', 'b"%5s|%-4s|%.1s" % (b"ab", b"c", b"xyz")', 'b"%d %i %x %X %o %05.1f %e %g" % (42, -3, 255, 255, 8, 2.25, 1e10, 0.5)',
             'b"%r %a" % ("\u00e9", b"q")', 'b"%c%c" % (65, b"B")', 'b"%(k)s=%(v)d" % {b"k": b"key", b"v": 7}', 'b"100%%" % ()',
             'b"%s" % X()', 'b"%s" % "str"', 'b"%c" % 256', 'b"%c" % "a"', 'b"%s %s" % (b"a",)', 'b"%s" % (b"a", b"b")',
             'b"%y" % 1', 'b"%" % ()', 'b"\xff%s\x80" % b"\xfe"', 'b"%s" % b"\xe9"', 'b"%5b" % b"z"', 'b"%-5d|" % 3',
             '"%s" % b"x"', 'b"%(k)s" % {"k": 1}', 'b"%s" % 5', 'b"%d" % "x"']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
for expr in ['b"\x01\x02\x03\x04\x05".hex(":")', 'b"\x01\x02\x03\x04\x05".hex(":", 2)', 'b"\x01\x02\x03\x04\x05".hex(":", -2)', 'b"\x01\x02\x03".hex(b"-")',
             'b"".hex(":")', 'b"\x01".hex(":", 3)', 'b"\x01\x02".hex(sep="_", bytes_per_sep=1)', 'b"\x01\x02".hex("ab")', 'b"\x01\x02".hex("\u00e9")',
             'b"\x01\x02".hex(1)', 'b"\x01\x02\x03\x04".hex(" ", 0)', 'b"ab".hex(None)']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
