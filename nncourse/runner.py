"""The sandbox: a plain Python process that runs one student's notebook code.

While a notebook is graded, the grader (nncourse.sandbox, a trusted process)
starts this file as its own process, as an unprivileged user where it can,
in a scratch copy of the student's folder. It holds the student's code and
nothing else of the course: no reference solution, no hidden check, no
expected value, no score. It answers the grader's requests over two pipes:
run this cell, call this function with these arguments, read this attribute.

Only data crosses, in both directions: JSON for structure, raw bytes plus a
dtype and a shape for arrays (never pickle). An object that is not plain data
(a class, an instance, a function) stays where it lives and crosses as a
numbered reference. A grader-side function that student code may call while a
check runs (the reference `forward` while `train` is checked, say) crosses as
a token: calling it here sends a request back, and the grader answers it only
during the check that created it.

This file uses only the standard library and numpy. The grader imports it for
the same wire format (`send`, `recv`, `encode`, `decode`).
"""
import builtins
import contextlib
import copy
import io
import json
import os
import select
import signal
import struct
import sys
import traceback
import warnings
from time import monotonic as _monotonic

import numpy as np

# ------------------------------------------------------------------ the wire

#: Array dtypes that cross as data: booleans, numbers and fixed-width strings.
#: Anything else (object arrays, structured or void dtypes) crosses as a reference.
DATA_KINDS = "biufcUS"
#: Deepest nesting of lists, tuples and dicts that crosses as data.
MAX_DEPTH = 32
#: Largest frame accepted, in bytes: far above anything a check sends.
MAX_FRAME = 1 << 30


class WireError(Exception):
    """A frame that breaks the format, or a value that cannot cross."""


#: Bytes read from each pipe but not yet used: one read takes what is there.
_BUFFERS = {}


def _read_exact(fd, n, deadline=None):
    buffer = _BUFFERS.setdefault(fd, bytearray())
    while len(buffer) < n:
        if deadline is not None:  # the grader never waits on a half-written frame
            remaining = deadline - _monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError("no complete answer in time")
        chunk = os.read(fd, max(n - len(buffer), 1 << 16))
        if not chunk:
            raise EOFError("the other side closed the connection")
        buffer += chunk
    data = bytes(buffer[:n])
    del buffer[:n]
    return data


def forget(fd):
    """Drop what was buffered for a pipe that is being closed."""
    _BUFFERS.pop(fd, None)


def send(fd, header, blobs=()):
    """One frame: the JSON header and the raw blobs it refers to by index."""
    head = json.dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack(">II", len(head), len(blobs)), head]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    data = b"".join(parts)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def recv(fd, deadline=None):
    """(header, blobs) of the next frame; raises EOFError when the pipe closes,
    TimeoutError if a deadline (time.monotonic()) passes first."""
    head_len, count = struct.unpack(">II", _read_exact(fd, 8, deadline))
    if head_len > MAX_FRAME or count > 1 << 20:
        raise WireError("frame too large")
    header = json.loads(_read_exact(fd, head_len, deadline).decode("utf-8"))
    blobs, total = [], head_len
    for _ in range(count):
        (size,) = struct.unpack(">Q", _read_exact(fd, 8, deadline))
        total += size
        if total > MAX_FRAME:
            raise WireError("frame too large")
        blobs.append(_read_exact(fd, size, deadline))
    return header, blobs


def encode(value, blobs, other, depth=0):
    """value as JSON-able data; arrays go to `blobs`; anything that is not
    plain data is passed to other(value), which returns its encoding.

    Only exact types are data: a subclass of float or of ndarray is not."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if depth > MAX_DEPTH:
        raise WireError("a value nested more than %d levels deep" % MAX_DEPTH)
    if kind is list:
        return {"L": [encode(v, blobs, other, depth + 1) for v in value]}
    if kind is tuple:
        return {"T": [encode(v, blobs, other, depth + 1) for v in value]}
    if kind is dict:
        return {"D": [[encode(k, blobs, other, depth + 1), encode(v, blobs, other, depth + 1)]
                      for k, v in value.items()]}
    if kind is np.ndarray and value.dtype.kind in DATA_KINDS:
        blobs.append(np.ascontiguousarray(value).tobytes())
        return {"A": len(blobs) - 1, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic) and kind.__module__ == "numpy" \
            and value.dtype.kind in DATA_KINDS:
        blobs.append(np.asarray(value).tobytes())
        return {"S": len(blobs) - 1, "dtype": value.dtype.str}
    return other(value)


def _array(obj, blobs):
    dtype = np.dtype(str(obj["dtype"]))
    if dtype.kind not in DATA_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"dtype {dtype} cannot cross as data")
    index = int(obj.get("A", obj.get("S")))
    blob = blobs[index]
    if blob is None:  # each array has bytes of its own: a frame cannot multiply one
        raise WireError("the same bytes named twice")
    blobs[index] = None
    if "S" in obj:
        return np.frombuffer(blob, dtype=dtype, count=1)[0].copy()
    shape = tuple(int(d) for d in obj["shape"])
    if any(d < 0 for d in shape) or len(blob) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise WireError("array bytes do not match the shape")
    return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()


def decode(obj, blobs, other, depth=0):
    """The inverse of encode: tagged objects the data layer does not know
    ({"R": id}, {"K": token}, ...) are passed to other(obj)."""
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if depth > MAX_DEPTH + 1 or type(obj) is not dict:
        raise WireError("malformed value")
    if "L" in obj:
        return [decode(v, blobs, other, depth + 1) for v in obj["L"]]
    if "T" in obj:
        return tuple(decode(v, blobs, other, depth + 1) for v in obj["T"])
    if "D" in obj:
        return {decode(k, blobs, other, depth + 1): decode(v, blobs, other, depth + 1)
                for k, v in obj["D"]}
    if "A" in obj or "S" in obj:
        return _array(obj, blobs)
    return other(obj)


# --------------------------------------------------------------- the sandbox

class CallTimeout(BaseException):
    """Student code ran past its time limit (a BaseException, so that a bare
    ``except Exception`` in student code does not swallow it)."""


class Expired(RuntimeError):
    """A grader-side helper called after the check that lent it had ended."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise CallTimeout in the main thread after `seconds` (none if falsy)."""
    if not seconds:
        yield
        return

    def stop(signum, frame):
        raise CallTimeout()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _same(a, b):
    """Deep equality of data, for noticing arguments changed in place."""
    if type(a) is not type(b):
        return False
    if type(a) is np.ndarray:
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            ((a == b) | ((a != a) & (b != b))).all())
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if type(a) in (bool, int, float, str, type(None)) or isinstance(a, np.generic):
        return a == b or (a != a and b != b)
    return a is b


def _where(tb):
    """' (in `f`, line 3 of its cell)' for the innermost frame of notebook code."""
    best = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename.startswith("<cell"):
            best = (frame.f_code.co_name, lineno)
    return f" (in `{best[0]}`, line {best[1]} of its cell)" if best else ""


def _student_traceback(e):
    """Traceback lines of notebook code only (no frame of this file)."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith("<cell")]
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
    return lines + traceback.format_exception_only(type(e), e)


class Server:
    """Holds the student's namespace and answers the grader's requests."""

    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out
        self.ns = {"__name__": "__main__", "__builtins__": builtins,
                   "display": lambda *values: print(*values)}
        self.objects = {}        # reference number -> object
        self.numbers = {}        # id(object) -> reference number
        self.proxies = {}        # grader token -> proxy function
        self.swaps = {}          # swap number -> how to undo it
        self.swap_count = 0
        self.depth = 0           # nesting of requests being served
        # A child that student code forks must never talk to the grader.
        os.register_at_fork(after_in_child=self._forget_pipes)

    def _forget_pipes(self):
        for fd in (self.fd_in, self.fd_out):
            try:
                os.close(fd)
            except OSError:
                pass

    # ---------------------------------------------------------- references

    def ref(self, value):
        number = self.numbers.get(id(value))
        if number is None or self.objects[number] is not value:
            number = len(self.objects) + 1
            self.objects[number] = value
            self.numbers[id(value)] = number
        kind = type(value)
        return {"R": number, "type": kind.__name__, "call": callable(value),
                "cls": isinstance(value, type)}

    def _other_out(self, value):
        token = getattr(value, "__nncourse_token__", None) if callable(value) else None
        if isinstance(token, int) and self.proxies.get(token) is value:
            return {"K": token}
        return self.ref(value)

    def _other_in(self, obj):
        if "R" in obj:
            number = int(obj["R"])
            if number not in self.objects:
                raise WireError("unknown reference")
            return self.objects[number]
        if "K" in obj:
            return self.proxy(int(obj["K"]))
        if "SM" in obj:
            return staticmethod(self.decode(obj["SM"], self._blobs))
        raise WireError("malformed value")

    def encode(self, value, blobs):
        return encode(value, blobs, self._other_out)

    def decode(self, obj, blobs):
        self._blobs = blobs
        return decode(obj, blobs, self._other_in)

    def state(self, obj, blobs):
        """What the grader's function will read of `obj` (a method's self):
        its data attributes, and the class attributes that are grader
        functions. Sent along with a callback, it saves a request per read."""
        attrs = {}
        for name, value in vars(obj).items():
            part = []
            try:
                attrs[name] = encode(value, part, _not_data)
            except (WireError, _NotData):
                continue
            base = len(blobs)
            blobs.extend(part)
            attrs[name] = _shift(attrs[name], base)
        lent = {}
        for klass in reversed(type(obj).__mro__):
            for name, value in vars(klass).items():
                kind = "static" if isinstance(value, staticmethod) else "method"
                function = value.__func__ if isinstance(value, staticmethod) else value
                token = getattr(function, "__nncourse_token__", None)
                if isinstance(token, int) and self.proxies.get(token) is function:
                    lent[name] = [kind, token]
                else:
                    lent.pop(name, None)
        return {"R": self.ref(obj)["R"], "attrs": attrs, "lent": lent}

    def proxy(self, token):
        """A plain function that stands for a grader-side function. Being a
        real function, it binds as a method when set on a class."""
        if token not in self.proxies:
            server = self

            def stand_in(*args, **kwargs):
                return server.callback(token, args, kwargs)
            stand_in.__nncourse_token__ = token
            stand_in.__name__ = stand_in.__qualname__ = f"grader_function_{token}"
            self.proxies[token] = stand_in
        return self.proxies[token]

    # ------------------------------------------------------------ messages

    def reply(self, value):
        blobs = []
        try:
            header = {"op": "reply", "value": self.encode(value, blobs)}
        except WireError as e:
            header, blobs = {"op": "raise", "kind": "wire", "ename": "ValueError",
                             "evalue": f"the result cannot be checked: {e}", "where": ""}, []
        send(self.fd_out, header, blobs)

    def reply_error(self, e, kind="error"):
        if isinstance(e, CallTimeout):
            kind = "timeout"
        try:
            text = str(e)
        except BaseException:
            text = "(an error whose message could not be shown)"
        send(self.fd_out, {"op": "raise", "kind": kind, "ename": type(e).__name__,
                           "evalue": text[:2000], "where": _where(e.__traceback__)})

    def callback(self, token, args, kwargs):
        """Ask the grader to run its function `token`; serve nested requests
        until the answer comes."""
        blobs = []
        header = {"op": "callback", "token": token,
                  "args": self.encode(list(args), blobs),
                  "kwargs": self.encode(dict(kwargs), blobs),
                  "states": [self.state(a, blobs) for a in args if _instance(a)]}
        send(self.fd_out, header, blobs)
        return self.wait()

    def wait(self):
        while True:
            header, blobs = recv(self.fd_in)
            op = header.get("op")
            if op == "reply":
                return self.decode(header["value"], blobs)
            if op == "raise":
                if header.get("kind") == "expired":
                    raise Expired(header.get("evalue", ""))
                raise _error_named(header.get("ename"), header.get("evalue", ""))
            self.serve(header, blobs)

    def loop(self):
        while True:
            try:
                header, blobs = recv(self.fd_in)
            except (EOFError, OSError):
                return
            if header.get("op") == "bye":
                return
            self.serve(header, blobs)

    # ------------------------------------------------------------ requests

    def serve(self, header, blobs):
        op = header.get("op")
        handler = getattr(self, "op_" + str(op), None)
        if handler is None:
            send(self.fd_out, {"op": "raise", "kind": "wire", "ename": "ValueError",
                               "evalue": f"unknown request {op!r}", "where": ""})
            return
        self.depth += 1
        try:
            value = handler(header, blobs)
        except BaseException as e:  # whatever student code raised goes back as data
            self.reply_error(e)
            return
        finally:
            self.depth -= 1
        if header.get("raw"):
            send(self.fd_out, {"op": "reply", "value": value})
        else:
            self.reply(value)

    @contextlib.contextmanager
    def guarded(self, seconds):
        """No warnings, no float complaints, prints captured, and a time limit:
        for the outermost request only (a nested one runs inside it)."""
        if self.depth != 1:
            yield
            return
        sink = io.StringIO()
        with _time_limit(seconds), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    yield

    def op_exec(self, header, blobs):
        """Run one cell. Returns its printed output and error, as data."""
        out, err = io.StringIO(), io.StringIO()
        error = None
        timer = header.get("timeout")
        try:
            with _time_limit(timer), warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.showwarning = lambda m, c, f, l, file=None, line=None: err.write(
                    warnings.formatwarning(m, c, "<cell>", l, ""))
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    exec(compile(header["source"], header["filename"], "exec"), self.ns)
        except CallTimeout:
            error = {"ename": "CellTimeoutError", "evalue": f"the cell ran past {timer:g} s",
                     "traceback": [f"CellTimeoutError: the cell ran past {timer:g} s and was stopped"]}
        except BaseException as e:  # SystemExit and KeyboardInterrupt too: the next cell still runs
            error = {"ename": type(e).__name__, "evalue": str(e)[:2000],
                     "traceback": _student_traceback(e)}
        limit = int(header.get("max_output", 100_000))
        return {"stdout": out.getvalue()[:limit], "stderr": err.getvalue()[:limit],
                "error": error}

    def op_lookup(self, header, blobs):
        """The notebook's global `name`, or a marker that it is not defined."""
        name = header["name"]
        if name not in self.ns:
            return {"missing": True}
        return {"value": self.ns[name]}

    def op_call(self, header, blobs):
        target = self.decode(header["target"], blobs)
        args = self.decode(header["args"], blobs)
        kwargs = self.decode(header["kwargs"], blobs)
        before = [copy.deepcopy(a) if _plain(a) else None for a in args]
        with self.guarded(header.get("timeout")):
            result = target(*args, **kwargs)
        mutated = [[i, a] for i, (a, b) in enumerate(zip(args, before))
                   if b is not None and not _same(a, b)]
        return {"result": result, "mutated": mutated}

    def op_hold(self, header, blobs):
        """Keep a value here; the grader gets a reference to it (sent raw)."""
        return self.ref(self.decode(header["value"], blobs))

    def op_value(self, header, blobs):
        """The current value of something held."""
        return self.decode(header["target"], blobs)

    def op_getattr(self, header, blobs):
        obj = self.decode(header["target"], blobs)
        with self.guarded(header.get("timeout")):
            return getattr(obj, header["name"])

    def op_setattr(self, header, blobs):
        obj = self.decode(header["target"], blobs)
        value = self.decode(header["value"], blobs)
        with self.guarded(header.get("timeout")):
            setattr(obj, header["name"], value)

    def op_isinstance(self, header, blobs):
        return isinstance(self.decode(header["target"], blobs),
                          self.decode(header["cls"], blobs))

    def op_deepcopy(self, header, blobs):
        obj = self.decode(header["target"], blobs)
        with self.guarded(header.get("timeout")):
            return copy.deepcopy(obj)

    def op_static_kind(self, header, blobs):
        """What the class attribute `name` is: 'staticmethod', 'function', ..."""
        import inspect
        cls = self.decode(header["target"], blobs)
        try:
            value = inspect.getattr_static(cls, header["name"])
        except AttributeError:
            return "missing"
        return type(value).__name__

    def op_swap(self, header, blobs):
        """Put value in place of a global, or of a class attribute
        ("Class.attr"); returns a number that op_restore takes."""
        name, value = header["name"], self.decode(header["value"], blobs)
        missing = object()
        if "." in name:
            cls_name, attr = name.split(".", 1)
            owner = self.ns.get(cls_name)
            if not isinstance(owner, type):
                return 0  # no such class: the checks will say so
            old = vars(owner).get(attr, missing)
            setattr(owner, attr, value)
        else:
            owner, attr = None, name
            old = self.ns.get(name, missing)
            self.ns[name] = value
        self.swap_count += 1
        self.swaps[self.swap_count] = (owner, attr, old, missing)
        return self.swap_count

    def op_restore(self, header, blobs):
        if int(header["number"]) not in self.swaps:
            return  # undone already
        owner, attr, old, missing = self.swaps.pop(int(header["number"]))
        if owner is None:
            if old is missing:
                self.ns.pop(attr, None)
            else:
                self.ns[attr] = old
        elif old is missing:
            delattr(owner, attr)
        else:
            setattr(owner, attr, old)

    def op_probe(self, header, blobs):
        """Which of these paths can this process open for reading?"""
        readable = []
        for path in header["paths"]:
            try:
                with open(path, "rb"):
                    readable.append(path)
            except OSError:
                pass
        return readable


class _NotData(Exception):
    pass


def _not_data(value):
    raise _NotData()


def _shift(obj, base):
    """An encoded value whose blob indices start at `base` instead of 0."""
    if type(obj) is dict:
        if "A" in obj or "S" in obj:
            key = "A" if "A" in obj else "S"
            return dict(obj, **{key: obj[key] + base})
        return {k: [_shift(v, base) for v in vals] if k in ("L", "T") else
                [[_shift(a, base), _shift(b, base)] for a, b in vals] for k, vals in obj.items()}
    return obj


def _instance(value):
    """An instance of a class of the notebook (a method's self)."""
    return hasattr(value, "__dict__") and not isinstance(value, type) and not callable(value)


def _plain(value):
    """Data (as opposed to references): worth copying to notice changes."""
    return type(value) in (list, tuple, dict, np.ndarray)


_ERRORS = {}


def _error_named(ename, evalue):
    """An exception named like the grader's, raised inside student code."""
    base = getattr(builtins, str(ename), None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = RuntimeError
    return base(evalue)


# ----------------------------------------------------------------- start-up

def _limit(resource_name, value):
    import resource
    which = getattr(resource, resource_name)
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if soft == resource.RLIM_INFINITY or soft > value:
        resource.setrlimit(which, (value, hard))


def _own_processes():
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def set_limits(limits):
    """Resource limits for everything student code does from here on."""
    for name, value in limits.items():
        if name == "RLIMIT_NPROC":
            value += _own_processes()
        try:
            _limit(name, int(value))
        except (ValueError, OSError):
            pass


def refuse_course_files(protected, allowed):
    """Without a separate user, the operating system cannot keep the course's
    files from this process. This audit hook refuses the casual ways in:
    opening, listing or running anything under `protected` outside `allowed`."""
    protected = [os.path.realpath(p) for p in protected]
    allowed = [os.path.realpath(p) for p in allowed]

    def inside(path, bases):
        return any(path == b or path.startswith(b + os.sep) for b in bases)

    def hook(event, args):
        if event in ("open", "os.listdir", "os.scandir", "shutil.copyfile") and args \
                and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if inside(path, protected) and not inside(path, allowed):
                raise PermissionError(f"{path}: course files cannot be read while grading")
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                       "os.spawn", "os.fork", "pty.spawn"):
            raise PermissionError("starting other programs is not allowed while grading")
    sys.addaudithook(hook)


def main():
    config = json.loads(sys.argv[1])
    fd_in, fd_out = config["fd_in"], config["fd_out"]
    # Student prints go to the cells' captured output; the process's own
    # stdout and stderr lead nowhere, so nothing can corrupt the pipes.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = open(os.devnull)
    here = os.getcwd()
    sys.path.insert(0, here)
    set_limits(config.get("limits", {}))
    if config.get("protect"):
        refuse_course_files(config["protect"], [here] + config.get("allow", []))
    Server(fd_in, fd_out).loop()


if __name__ == "__main__":
    main()
