"""Thread module emulating a subset of Java's threading model.

pyrt's `threading`: CPython 3.13's API and observable behaviour (names,
messages, join/daemon rules, excepthook output), written on pyrt's `_thread`
module, whose locks and thread starts run on either thread backend.
"""

import _thread
import sys
from _pyrt import set_gil_name as _set_gil_name, Flag as _Flag
from _pyrt import thread_init as _thread_init, thread_enter as _thread_enter
from _pyrt import thread_exit as _thread_exit, thread_registry as _thread_registry
from _pyrt import next_thread_number as _next_thread_number
from _pyrt import thread_setup as _pyrt_thread_setup

__all__ = ['get_ident', 'active_count', 'Condition', 'current_thread',
           'enumerate', 'main_thread', 'TIMEOUT_MAX', 'Event', 'Lock',
           'RLock', 'Semaphore', 'BoundedSemaphore', 'Thread', 'Barrier',
           'BrokenBarrierError', 'local', 'excepthook', 'ExceptHookArgs',
           'gettrace', 'getprofile', 'setprofile', 'settrace', 'get_native_id',
           'settrace_all_threads', 'setprofile_all_threads']

_start_new_thread = _thread.start_new_thread
_allocate_lock = _thread.allocate_lock
get_ident = _thread.get_ident
get_native_id = _thread.get_native_id
ThreadError = _thread.error
TIMEOUT_MAX = _thread.TIMEOUT_MAX
Lock = _thread.allocate_lock
_CRLock = _thread.RLock
RLock = _thread.RLock
_daemon_threads_allowed = _thread.daemon_threads_allowed
del _thread

_trace_hook = None
_profile_hook = None


def setprofile(func):
    global _profile_hook
    _profile_hook = func


def setprofile_all_threads(func):
    setprofile(func)
    _sys_setprofile_all_threads(func)


def getprofile():
    return _profile_hook


def settrace(func):
    global _trace_hook
    _trace_hook = func


def settrace_all_threads(func):
    settrace(func)
    _sys_settrace_all_threads(func)


def gettrace():
    return _trace_hook


def _sys_settrace_all_threads(func):
    import _pyrt
    _pyrt.settrace_all_threads(func)


def _sys_setprofile_all_threads(func):
    import _pyrt
    _pyrt.setprofile_all_threads(func)


class Condition:
    def __init__(self, lock=None):
        if lock is None:
            lock = RLock()
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        self._waiters = []

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *args):
        return self._lock.__exit__(*args)

    def __repr__(self):
        return f"<Condition({self._lock}, {len(self._waiters)})>"

    def _is_owned(self):
        lock = self._lock
        if hasattr(lock, '_is_owned'):
            return lock._is_owned()
        if lock.acquire(False):
            lock.release()
            return False
        return True

    def _release_save(self):
        lock = self._lock
        if hasattr(lock, '_release_save'):
            return lock._release_save()
        lock.release()
        return None

    def _acquire_restore(self, state):
        lock = self._lock
        if hasattr(lock, '_acquire_restore'):
            lock._acquire_restore(state)
        else:
            lock.acquire()

    def wait(self, timeout=None):
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = _allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        saved = self._release_save()
        gotit = False
        try:
            if timeout is None:
                waiter.acquire()
                gotit = True
            elif timeout > 0:
                gotit = waiter.acquire(True, timeout)
            else:
                gotit = waiter.acquire(False)
            return gotit
        finally:
            self._acquire_restore(saved)
            if not gotit:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass

    def wait_for(self, predicate, timeout=None):
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = _time() + waittime
                else:
                    waittime = endtime - _time()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        while waiters and n > 0:
            waiter = waiters.pop(0)
            try:
                waiter.release()
            except RuntimeError:
                pass
            else:
                n -= 1

    def notify_all(self):
        self.notify(len(self._waiters))

    def notifyAll(self):
        self.notify_all()


class Semaphore:
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = Condition(Lock())
        self._value = value

    def __repr__(self):
        cls = self.__class__
        return f"<{cls.__module__}.{cls.__qualname__} at {id(self):#x}: value={self._value}>"

    def acquire(self, blocking=True, timeout=None):
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        rc = False
        endtime = None
        with self._cond:
            while self._value == 0:
                if not blocking:
                    break
                if timeout is not None:
                    if endtime is None:
                        endtime = _time() + timeout
                    else:
                        timeout = endtime - _time()
                        if timeout <= 0:
                            break
                self._cond.wait(timeout)
            else:
                self._value -= 1
                rc = True
        return rc

    __enter__ = acquire

    def release(self, n=1):
        if n < 1:
            raise ValueError('n must be one or more')
        with self._cond:
            self._value += n
            self._cond.notify(n)

    def __exit__(self, t, v, tb):
        self.release()


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        super().__init__(value)
        self._initial_value = value

    def __repr__(self):
        cls = self.__class__
        return (f"<{cls.__module__}.{cls.__qualname__} at {id(self):#x}:"
                f" value={self._value}/{self._initial_value}>")

    def release(self, n=1):
        if n < 1:
            raise ValueError('n must be one or more')
        with self._cond:
            if self._value + n > self._initial_value:
                raise ValueError("Semaphore released too many times")
            self._value += n
            self._cond.notify(n)


class Event:
    # CPython's Event is a flag under a Condition; pyrt's rests on the
    # runtime's event flag (_pyrt.Flag), with the same wake-up rule: a
    # waiter returns True once set() ran after it began waiting.
    def __init__(self):
        self._ev = _Flag()

    def __repr__(self):
        cls = self.__class__
        status = 'set' if self._ev.is_set() else 'unset'
        return f"<{cls.__module__}.{cls.__qualname__} at {id(self):#x}: {status}>"

    @property
    def _flag(self):
        return self._ev.is_set()

    def is_set(self):
        return self._ev.is_set()

    def isSet(self):
        return self._ev.is_set()

    def set(self):
        self._ev.set()

    def clear(self):
        self._ev.clear()

    def wait(self, timeout=None):
        return self._ev.wait(timeout)


class BrokenBarrierError(RuntimeError):
    pass


class Barrier:
    def __init__(self, parties, action=None, timeout=None):
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._cond = Condition(Lock())
        self._action = action
        self._timeout = timeout
        self._parties = parties
        self._state = 0  # 0 filling, 1 draining, -1 resetting, -2 broken
        self._count = 0

    def __repr__(self):
        cls = self.__class__
        if self.broken:
            return f"<{cls.__module__}.{cls.__qualname__} at {id(self):#x}: broken>"
        return (f"<{cls.__module__}.{cls.__qualname__} at {id(self):#x}:"
                f" waiters={self.n_waiting}/{self.parties}>")

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self._timeout
        with self._cond:
            self._enter()
            index = self._count
            self._count += 1
            try:
                if index + 1 == self._parties:
                    self._release()
                else:
                    self._wait(timeout)
                return index
            finally:
                self._count -= 1
                self._exit()

    def _enter(self):
        while self._state in (-1, 1):
            self._cond.wait()
        if self._state < 0:
            raise BrokenBarrierError
        assert self._state == 0

    def _release(self):
        try:
            if self._action:
                self._action()
            self._state = 1
            self._cond.notify_all()
        except:
            self._break()
            raise

    def _wait(self, timeout):
        if not self._cond.wait_for(lambda: self._state != 0, timeout):
            self._break()
            raise BrokenBarrierError
        if self._state < 0:
            raise BrokenBarrierError
        assert self._state == 1

    def _exit(self):
        if self._count == 0:
            if self._state in (-1, 1):
                self._state = 0
                self._cond.notify_all()

    def reset(self):
        with self._cond:
            if self._count > 0:
                if self._state == 0:
                    self._state = -1
                elif self._state == -2:
                    self._state = -1
            else:
                self._state = 0
            self._cond.notify_all()

    def abort(self):
        with self._cond:
            self._break()

    def _break(self):
        self._state = -2
        self._cond.notify_all()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        if self._state == 0:
            return self._count
        return 0

    @property
    def broken(self):
        return self._state == -2


def _newname(name_template):
    return name_template % _next_thread_number()


_active_limbo_lock = RLock()
_active = {}
_limbo = {}
_dangling = []


class Thread:
    # `_pyrt.thread_setup` (below the class) replaces __init__, start and
    # join with native methods that do the common case themselves and
    # hand everything else (binding errors, the group assertion, a
    # timeout, a class that intercepts attributes, a second start) to the
    # Python definitions here, which stay CPython's.
    _initialized = False

    def __init__(self, group=None, target=None, name=None,
                 args=(), kwargs=None, *, daemon=None):
        assert group is None, "group argument must be None for now"
        # CPython's body, natively: kwargs defaulted to {}; the name given
        # (str()) or "Thread-N (target.__name__)"; _daemonic given (checked
        # against the interpreter's allow_daemon_threads) or the current
        # thread's; _target, _name, _args, _kwargs, _ident/_native_id None,
        # the _started and _done flags (the runtime's event flags, without
        # Event's Python layer), _is_stopped False, _initialized True.
        _thread_init(self, target, name, args, kwargs, daemon)

    def __repr__(self):
        assert self._initialized, "Thread.__init__() was not called"
        status = "initial"
        if self._started.is_set():
            status = "started"
        if self._is_stopped:
            status = "stopped"
        if self._daemonic:
            status += " daemon"
        if self._ident is not None:
            status += f" {self._ident}"
        return f"<{self.__class__.__name__}({self._name}, {status})>"

    def start(self):
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        if self._started.is_set():
            raise RuntimeError("threads can only be started once")
        # The registry (_active, _limbo) changes one dict operation at a
        # time, or natively in _thread_enter/_thread_exit; its readers take
        # both dicts in one native call. No lock is needed around it.
        _limbo[self] = self
        try:
            _start_new_thread(self._bootstrap, ())
        except Exception:
            del _limbo[self]
            raise
        self._started.wait()

    def run(self):
        try:
            if self._target is not None:
                self._target(*self._args, **self._kwargs)
        finally:
            del self._target, self._args, self._kwargs

    def _bootstrap(self):
        try:
            # ident, native id, GIL lane name, _limbo -> _active, _started
            _thread_enter(self)
            if _trace_hook:
                sys.settrace(_trace_hook)
            if _profile_hook:
                sys.setprofile(_profile_hook)
            try:
                self.run()
            except:
                self._invoke_excepthook()
        finally:
            # leaves _active; _is_stopped; _done (CPython's _delete)
            _thread_exit(self)

    def _invoke_excepthook(self):
        exc_type, exc_value, exc_tb = sys.exc_info()
        hook = excepthook
        try:
            hook(ExceptHookArgs(exc_type, exc_value, exc_tb, self))
        except SystemExit:
            pass
        except BaseException as e:
            _pyrt_print_exception("Exception in threading.excepthook:", e)

    def join(self, timeout=None):
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if not self._started.is_set():
            raise RuntimeError("cannot join thread before it is started")
        if self._ident == get_ident() and _active.get(self._ident) is self:
            raise RuntimeError("cannot join current thread")
        if timeout is None:
            self._done.wait()
        else:
            self._done.wait(max(timeout, 0))

    @property
    def name(self):
        assert self._initialized, "Thread.__init__() not called"
        return self._name

    @name.setter
    def name(self, name):
        assert self._initialized, "Thread.__init__() not called"
        self._name = str(name)

    @property
    def ident(self):
        assert self._initialized, "Thread.__init__() not called"
        return self._ident

    @property
    def native_id(self):
        assert self._initialized, "Thread.__init__() not called"
        return self._native_id

    def is_alive(self):
        assert self._initialized, "Thread.__init__() not called"
        return self._started.is_set() and not self._is_stopped

    @property
    def daemon(self):
        assert self._initialized, "Thread.__init__() not called"
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic):
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if self._started.is_set():
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = daemonic

    def isDaemon(self):
        return self.daemon

    def setDaemon(self, daemonic):
        self.daemon = daemonic

    def getName(self):
        return self.name

    def setName(self, name):
        self.name = name


class ExceptHookArgs:
    def __init__(self, exc_type, exc_value, exc_traceback, thread):
        self.exc_type = exc_type
        self.exc_value = exc_value
        self.exc_traceback = exc_traceback
        self.thread = thread

    def __repr__(self):
        return (f"ExceptHookArgs(exc_type={self.exc_type!r}, exc_value={self.exc_value!r},"
                f" exc_traceback={self.exc_traceback!r}, thread={self.thread!r})")


def excepthook(args):
    """Handle uncaught Thread.run() exception."""
    if args.exc_type == SystemExit:
        return
    if args.thread is not None:
        name = args.thread.name
    else:
        name = get_ident()
    _pyrt_print_exception(f"Exception in thread {name}:", args.exc_value)


__excepthook__ = excepthook


def _pyrt_print_exception(header, exc):
    import _pyrt
    _pyrt.print_exception(header, exc)


class _MainThread(Thread):
    def __init__(self):
        Thread.__init__(self, name="MainThread", daemon=False)
        self._started.set()
        _set_gil_name("MainThread")
        self._ident = get_ident()
        self._native_id = get_native_id()
        with _active_limbo_lock:
            _active[self._ident] = self


class _DummyThread(Thread):
    def __init__(self):
        Thread.__init__(self, name=_newname("Dummy-%d"), daemon=True)
        self._started.set()
        self._ident = get_ident()
        self._native_id = get_native_id()
        with _active_limbo_lock:
            _active[self._ident] = self

    def is_alive(self):
        return not self._is_stopped and self._started.is_set()

    def join(self, timeout=None):
        raise RuntimeError("cannot join a dummy thread")


def current_thread():
    try:
        return _active[get_ident()]
    except KeyError:
        return _DummyThread()


def currentThread():
    return current_thread()


def active_count():
    with _active_limbo_lock:
        return len(_thread_registry())


def activeCount():
    return active_count()


def _enumerate():
    return _thread_registry()


def enumerate():
    with _active_limbo_lock:
        return _thread_registry()


_pyrt_thread_setup(_active, _limbo, current_thread, Thread)
_main_thread = _MainThread()


def main_thread():
    return _main_thread


def _shutdown():
    """Wait until every non-daemon thread has ended (Py_Finalize calls it
    before the atexit callbacks)."""
    if _main_thread._is_stopped:
        return
    while True:
        with _active_limbo_lock:
            pending = [t for t in _thread_registry()
                       if not t.daemon and t is not _main_thread and t.is_alive()]
        if not pending:
            break
        for t in pending:
            t._done.wait()
    _main_thread._is_stopped = True


def _time():
    import time
    return time.monotonic()


class local:
    """Thread-local data: each thread sees its own attributes."""

    def __new__(cls, *args, **kw):
        if (args or kw) and (cls.__init__ is object.__init__):
            raise TypeError("Initialization arguments are not supported")
        self = object.__new__(cls)
        dicts = {get_ident(): {}}
        object.__setattr__(self, '_local__impl', (dicts, args, kw))
        return self

    def _local__dict(self):
        impl = object.__getattribute__(self, '_local__impl')
        dicts = impl[0]
        key = get_ident()
        d = dicts.get(key)
        if d is None:
            d = {}
            dicts[key] = d
            init = type(self).__init__
            if init is not object.__init__:
                init(self, *impl[1], **impl[2])
        return d

    def __getattr__(self, name):
        d = local._local__dict(self)
        try:
            return d[name]
        except KeyError:
            pass
        if type(self) is local:
            tname = '_thread._local'
        else:
            tname = type(self).__name__
        raise AttributeError(f"'{tname}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name == '__dict__':
            raise AttributeError(
                "%r object attribute '__dict__' is read-only" % self.__class__.__name__)
        local._local__dict(self)[name] = value

    def __delattr__(self, name):
        d = local._local__dict(self)
        try:
            del d[name]
        except KeyError:
            raise AttributeError(name) from None


local.__module__ = '_thread'
local.__name__ = '_local'
local.__qualname__ = '_local'
