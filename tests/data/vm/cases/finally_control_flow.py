# return / break / continue inside finally bodies, also while another
# return or break is unwinding through them (CPython 3.13 semantics).
log = []


def ret_over_ret():
    try:
        return 1
    finally:
        log.append("fin")
        return 2


def ret_in_finally_after_raise():
    try:
        raise ValueError("lost")
    finally:
        return "swallowed"


def nested():
    try:
        try:
            return "inner"
        finally:
            log.append("inner fin")
            return "inner fin ret"
    finally:
        log.append("outer fin")


def loop_break_in_finally():
    out = []
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                return ("returned", out)
        finally:
            out.append(i)
            if i == 3:
                break
    return ("broke", out)


def while_continue_in_finally():
    n = 0
    seen = []
    while n < 4:
        n += 1
        try:
            if n == 2:
                break
        finally:
            seen.append(n)
            continue
    return seen


def with_and_finally():
    class CM:
        def __enter__(self):
            log.append("enter")
        def __exit__(self, *a):
            log.append("exit")
    try:
        with CM():
            return "from with"
    finally:
        log.append("fin after with")
        return "from finally"


print(ret_over_ret(), ret_in_finally_after_raise(), nested())
print(loop_break_in_finally(), while_continue_in_finally(), with_and_finally())
print(log)
