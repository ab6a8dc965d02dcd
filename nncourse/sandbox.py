"""The grader's side of the boundary to student code.

A notebook under grading runs in a sandbox (nncourse/runner.py): its own
Python process, started here, as an unprivileged user when the grader runs as
root, in a scratch copy of the student's folder, with a scrubbed environment
and resource limits. This process keeps the reference, the hidden checks,
their expected values and the scoring, and talks to the sandbox through two
pipes in a data-only format (runner.send / runner.recv: JSON plus raw array
bytes, never pickle).

The checks never know where student code runs. They receive an
nncheck.Submission whose namespace is a RemoteNamespace: looking up `forward`
gives a Remote, and calling it sends the arguments to the sandbox and brings
the result back as plain data. A student object that is not data (a class, an
instance, a function it returned) stays in the sandbox and is a Remote here.
While a function is checked on its own, its helpers are the reference ones:
the sandbox gets a token in their place, and a call to it comes back here to
run the reference. Tokens answer only during the check that created them.
"""
import builtins
import contextlib
import functools
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import runner
from .runner import WireError, decode, encode, recv, send

RUNNER = Path(runner.__file__).resolve()

#: Seconds the sandbox may run past its own time limit before it is killed
#: (a student's bare `except:` can swallow the limit inside the sandbox once).
GRACE = 5.0

#: Limits for every sandbox process. Address space: numpy with OpenBLAS maps
#: several hundred MB; a notebook here needs well under 1 GiB, and a runaway
#: allocation becomes a MemoryError. CPU seconds: far above a whole notebook.
#: File size: the notebook's own files are small; a disk-filling write stops
#: at 64 MiB. Processes: a handful beyond those already running.
LIMITS = {"RLIMIT_AS": 6 * 2 ** 30, "RLIMIT_CPU": 600, "RLIMIT_FSIZE": 64 * 2 ** 20,
          "RLIMIT_NPROC": 16, "RLIMIT_CORE": 0}

#: When the grader runs as root, each sandbox runs as a user id of its own
#: (no account is needed for a bare uid): UID_BASE + slot * UID_RANGE + n, the
#: slot from the grading process's id and n counting its sandboxes. Two
#: sandboxes never share one, so none can read or signal another's.
UID_BASE, UID_SLOTS, UID_RANGE = 200_000, 40_000, 50_000
SANDBOX_GID = 65534  # nogroup

#: Environment of the sandbox: nothing of the grader's.
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
       "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


class SandboxError(Exception):
    """The sandbox could not start, or the course is not safe to grade."""


class SandboxDied(Exception):
    """The sandbox process ended (killed, crashed or hung) during a request."""


# ------------------------------------------------------------------ errors

_MIRRORS = {}


def mirror_error(ename, evalue, where=""):
    """A local exception standing for one raised by student code: same name,
    same message, a subclass of the builtin of that name when it is an
    Exception (so `except NotImplementedError` still works), else of
    Exception. Never a BaseException only: nothing student code raises can
    stop the grader."""
    ename = str(ename)[:80]
    ename = ename if ename.isidentifier() else "Exception"
    cls = _MIRRORS.get(ename)
    if cls is None:
        base = getattr(builtins, ename, None)
        if not (isinstance(base, type) and issubclass(base, Exception)):
            base = Exception
        cls = type(ename, (base,), {"__str__": lambda self: self.args[0] if self.args else "",
                                    "__module__": "notebook"})
        if base is not Exception:  # keep only the builtins' names: the notebook's own
            _MIRRORS[ename] = cls  # names must not pile up in a worker that outlives it
    error = cls.__new__(cls)
    error.args = (str(evalue)[:2000],)
    error._nncheck_where = str(where)[:200]
    return error


# ------------------------------------------------------------------ memory

#: Memory a lent helper may take in the grader, beyond what it holds already:
#: the checks' own inputs need a few MB; a notebook calling the reference with
#: inputs that broadcast to gigabytes gets a MemoryError instead.
CALLBACK_MEMORY = 512 * 2 ** 20


@contextlib.contextmanager
def _memory_cap(extra):
    """Address space capped at its current size plus `extra` while inside."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = size + extra
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# ------------------------------------------------------------------ remote

class Remote:
    """An object that lives in the sandbox. Attribute reads and writes, calls
    and isinstance go there; what comes back is data or another Remote."""

    _nncheck_remote = True
    __slots__ = ("_box", "_number", "_generation", "_nncheck_type", "_nncheck_callable",
                 "_nncheck_is_class", "_cache", "__weakref__")

    def __init__(self, box, tag):
        set_ = object.__setattr__
        set_(self, "_box", box)
        set_(self, "_number", int(tag["R"]))
        set_(self, "_generation", box.generation)
        set_(self, "_nncheck_type", str(tag.get("type", "object")))
        set_(self, "_nncheck_callable", bool(tag.get("call")))
        set_(self, "_nncheck_is_class", bool(tag.get("cls")))
        set_(self, "_cache", (None, {}))

    def _remember(self, values):
        """Attribute values the sandbox sent with a callback: good until the
        next request reaches the sandbox (which might run code that changes them)."""
        object.__setattr__(self, "_cache", (self._box.epoch, values))

    def _request(self, op, **fields):
        return self._box.on_object(self, op, **fields)

    def _get(self, name):
        """getattr in the sandbox, dunder names included."""
        return self._request("getattr", name=name)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        epoch, values = self._cache
        if epoch == self._box.epoch and name in values:
            return values[name]
        return self._get(name)

    def __setattr__(self, name, value):
        self._request("setattr", name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._box.call(self, args, kwargs)

    def __instancecheck__(self, obj):
        return isinstance(obj, Remote) and bool(self._box.on_object(obj, "isinstance", cls=self))

    def __deepcopy__(self, memo):
        return self._request("deepcopy")

    def __repr__(self):
        return f"<{self._nncheck_type} object of the notebook>"


# ------------------------------------------------------------------ sandbox

def _write_back(local, new):
    """A student function changed argument `local` in place (in the sandbox);
    make the same change here, so the caller's own check notices it."""
    if type(local) is np.ndarray and type(new) is np.ndarray \
            and local.shape == new.shape and local.dtype == new.dtype:
        np.copyto(local, new)
    elif type(local) is dict and type(new) is dict:
        local.clear()
        local.update(new)
    elif type(local) is list and type(new) is list:
        local[:] = new


def _not_copied(folder, names):
    """Editor clutter, and every symbolic link: a link in a submission could
    point at a course file, which the grader (root) would copy in as data."""
    return [n for n in names if n in (".ipynb_checkpoints", "__pycache__")
            or os.path.islink(os.path.join(folder, n))]


class Sandbox:
    """One student's notebook code, running in its own process.

    folder: the student's submitted folder (copied to a scratch folder the
    sandbox owns). call_timeout: seconds one call may run (the sandbox stops
    it and raises timeout_error here). protect: paths that a sandbox running
    as the grader's own user must not open (the casual layer when no separate
    user is possible)."""

    def __init__(self, folder, call_timeout=9.5, timeout_error=None, uid=None,
                 protect=(), allow=(), limits=None):
        self.call_timeout = call_timeout
        self.timeout_error = timeout_error or TimeoutError
        self.uid = uid
        self.protect = [str(p) for p in protect]
        self.allow = [str(p) for p in allow] + [os.path.realpath(sys.prefix)]
        self.limits = dict(LIMITS if limits is None else limits)
        self.scratch = Path(tempfile.mkdtemp(prefix="nncourse-sandbox-"))
        self.tokens = {}            # token -> grader function lent for the current check
        self.next_token = 1
        self.remotes = {}
        self.history = []           # (source, filename) of every cell run, for a restart
        self.generation = 0
        self.proc = None
        self._stderr = None
        self._deadline = None
        self.epoch = 0              # requests sent so far: dates attribute values seen
        shutil.copytree(folder, self.scratch, dirs_exist_ok=True, symlinks=True,
                        ignore=_not_copied)
        shutil.copyfile(RUNNER, self.scratch / ".sandbox_runner.py")
        if uid is not None:
            for path in [self.scratch, *self.scratch.rglob("*")]:
                os.chown(path, uid, SANDBOX_GID, follow_symlinks=False)
        os.chmod(self.scratch, 0o700)
        self.start()

    # -------------------------------------------------------------- process

    def start(self):
        to_box_r, to_box_w = os.pipe()
        from_box_r, from_box_w = os.pipe()
        config = {"fd_in": to_box_r, "fd_out": from_box_w, "limits": self.limits,
                  "protect": self.protect if self.uid is None else [], "allow": self.allow}
        env = dict(ENV, HOME=str(self.scratch), MPLCONFIGDIR=str(self.scratch / ".matplotlib"))
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()
        extra = {}
        if self.uid is not None:
            extra = dict(user=self.uid, group=SANDBOX_GID, extra_groups=[])
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(self.scratch / ".sandbox_runner.py"), json.dumps(config)],
                cwd=self.scratch, env=env, pass_fds=(to_box_r, from_box_w),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                start_new_session=True, **extra)
        except OSError as e:
            raise SandboxError(f"the sandbox could not start ({e})") from None
        finally:
            os.close(to_box_r)
            os.close(from_box_w)
        self.fd_out, self.fd_in = to_box_w, from_box_r
        self.dead = False
        self.generation += 1
        self.remotes = {}
        self._deadline = None

    def why_dead(self):
        """What the operating system says about the ended process."""
        code = self.proc.poll() if self.proc else None
        if code is None:
            return "it stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            more = {"SIGXCPU": " (out of CPU time)", "SIGKILL": " (killed)",
                    "SIGSEGV": " (a crash)"}.get(name, "")
            return f"it was ended by {name}{more}"
        self._stderr.seek(0)
        tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-1:]
        return f"it exited with status {code}" + (f": {tail[0]}" if tail else "")

    def kill(self):
        if self.proc is None:
            return
        self.dead = True
        for fd in (self.fd_out, self.fd_in):
            runner.forget(fd)
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.uid is not None:
            _kill_user(self.uid)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def restart(self):
        """A new process with the same cells run again (outputs dropped):
        after a hang or a crash, the rest of the notebook is still graded."""
        self.kill()
        self.start()
        history, self.history = self.history, []
        for source, filename, timeout in history:
            try:
                self.run_cell(source, filename, timeout, restart_on_failure=False)
            except SandboxDied:
                self.kill()
                self.start()

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                send(self.fd_out, {"op": "bye"})
            except OSError:
                pass
        self.kill()
        self._stderr.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----------------------------------------------------------------- wire

    def _encode_other(self, value):
        if isinstance(value, Remote):
            if value._box is not self or value._generation != self.generation:
                raise SandboxDied("an object of an earlier run of the notebook's process")
            return {"R": value._number}
        if isinstance(value, staticmethod):
            return {"SM": self._encode(value.__func__, [])}
        if callable(value):
            token = self.next_token
            self.next_token += 1
            self.tokens[token] = value
            return {"K": token}
        raise WireError(f"a {type(value).__name__} cannot be sent to the notebook")

    def _encode(self, value, blobs):
        return encode(value, blobs, self._encode_other)

    def _decode_other(self, tag):
        if "R" in tag:
            number = int(tag["R"])
            if number not in self.remotes:
                self.remotes[number] = Remote(self, tag)
            return self.remotes[number]
        if "K" in tag:
            function = self.tokens.get(int(tag["K"]))
            if function is None:
                raise WireError("a lent function of an earlier check")
            return function
        raise WireError("malformed value from the notebook")

    def _decode(self, obj, blobs):
        return decode(obj, blobs, self._decode_other)

    def request(self, header, timeout=None):
        """Send a request; serve the sandbox's callbacks until its answer.
        Returns the decoded value. Student errors come back as mirror_error
        exceptions; a time limit as timeout_error; a dead or hung sandbox as
        SandboxDied (the process is then gone: call restart())."""
        if self.dead and self._deadline is None:
            self.restart()
        blobs = []
        header = {k: (self._encode(v, blobs) if k in ("target", "args", "kwargs", "value", "cls")
                      else v) for k, v in header.items()}
        outermost = self._deadline is None
        if outermost and timeout:
            header["timeout"] = timeout
            self._deadline = time.monotonic() + timeout + GRACE
        elif outermost:
            self._deadline = time.monotonic() + 3600
        done = False
        self.epoch += 1
        try:
            try:
                send(self.fd_out, header, blobs)
            except OSError:
                raise SandboxDied(self.why_dead()) from None
            while True:
                answer, blobs = self._receive()
                op = answer.get("op")
                if op == "reply":
                    try:
                        value = self._decode(answer.get("value"), blobs)
                    except Exception as e:  # a frame the notebook forged or broke
                        raise SandboxDied(f"it sent an answer that is not data "
                                          f"({type(e).__name__})") from None
                    done = True
                    return value
                if op == "raise":
                    done = True
                    if answer.get("kind") == "timeout":
                        raise self.timeout_error()
                    raise mirror_error(answer.get("ename"), answer.get("evalue", ""),
                                       answer.get("where", ""))
                if op == "callback":
                    self._serve_callback(answer, blobs)
                    continue
                raise WireError(f"unexpected message {op!r} from the notebook")
        finally:
            if outermost:
                self._deadline = None
            if not done:  # interrupted mid-request: the process is in an unknown state
                self.kill()

    def _receive(self):
        try:
            return recv(self.fd_in, self._deadline)
        except TimeoutError:
            raise SandboxDied(f"it ran {self.call_timeout + GRACE:g} s past its time limit "
                              "and was stopped") from None
        except (EOFError, OSError, WireError, ValueError, RecursionError, struct.error):
            raise SandboxDied(self.why_dead()) from None

    def _serve_callback(self, header, blobs):
        """Run a lent grader function for student code; only data goes back."""
        function = self.tokens.get(int(header.get("token", 0)))
        if function is None:
            send(self.fd_out, {"op": "raise", "kind": "expired", "ename": "RuntimeError",
                               "evalue": "this helper was lent to one check, which has ended"})
            return
        try:
            args = self._decode(header.get("args"), blobs)
            kwargs = self._decode(header.get("kwargs"), blobs)
            for state in header.get("states", []):
                self._remember_state(state, blobs)
            with _memory_cap(CALLBACK_MEMORY):
                result = function(*args, **{str(k): v for k, v in kwargs.items()})
            out = []
            reply = {"op": "reply", "value": self._encode(result, out)}
        except (SandboxDied, KeyboardInterrupt):
            raise
        except BaseException as e:  # the reference raised, e.g. ValueError for a bad name
            if type(e).__name__ == "CallTimeout":
                raise
            reply, out = {"op": "raise", "kind": "error", "ename": type(e).__name__,
                          "evalue": str(e)[:500]}, []
        send(self.fd_out, reply, out)

    def _remember_state(self, state, blobs):
        remote = self.remotes.get(int(state["R"]))
        if remote is None:
            return
        values = {str(k): self._decode(v, blobs) for k, v in state.get("attrs", {}).items()}
        for name, (kind, token) in state.get("lent", {}).items():
            function = self.tokens.get(int(token))
            if function is not None and name not in values:
                values[name] = function if kind == "static" else functools.partial(function, remote)
        remote._remember(values)

    # ------------------------------------------------------------- requests

    def run_cell(self, source, filename, timeout, restart_on_failure=True):
        """Run a code cell; returns {"stdout", "stderr", "error"} (error None
        or {"ename", "evalue", "traceback"})."""
        try:
            result = self.request({"op": "exec", "source": source, "filename": filename,
                                   "timeout": timeout}, timeout=timeout)
            if not (isinstance(result, dict) and {"stdout", "stderr", "error"} <= result.keys()):
                raise SandboxDied("it answered a cell with something else")
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # died, hung, or forged an answer: a new process goes on
            if not isinstance(e, SandboxDied):
                self.kill()
                e = SandboxDied(f"it answered with {type(e).__name__}")
            if not restart_on_failure:
                raise e from None
            message = f"the notebook's Python process stopped during this cell: {e}"
            self.restart()
            return {"stdout": "", "stderr": "", "error": {
                "ename": "SandboxStopped", "evalue": message, "traceback": [message]}}
        self.history.append((source, filename, timeout))
        return result

    def lookup(self, name):
        found = self.request({"op": "lookup", "name": name}, timeout=self.call_timeout)
        return found.get("value") if not found.get("missing") else _MISSING

    def call(self, target, args, kwargs):
        try:
            answer = self.request({"op": "call", "target": target, "args": list(args),
                                   "kwargs": dict(kwargs)}, timeout=self.call_timeout)
        except SandboxDied as e:
            self.restart()
            if "time limit" in str(e):
                raise self.timeout_error() from None
            raise mirror_error("ProcessStopped", f"the notebook's Python process stopped ({e})") \
                from None
        for index, value in answer["mutated"]:
            if 0 <= index < len(args):
                _write_back(args[index], value)
        return answer["result"]

    def on_object(self, remote, op, **fields):
        try:
            return self.request(dict(fields, op=op, target=remote), timeout=self.call_timeout)
        except SandboxDied as e:
            self.restart()
            raise mirror_error("ProcessStopped", f"the notebook's Python process stopped ({e})") \
                from None

    def swap(self, name, value):
        number = self.request({"op": "swap", "name": name, "value": value},
                              timeout=self.call_timeout)
        generation = self.generation

        def restore():
            # Not in a new process: it never had this swap (and request() would
            # start one if the old one was stopped meanwhile).
            if number and generation == self.generation and not self.dead:
                self.request({"op": "restore", "number": number}, timeout=self.call_timeout)
        return restore

    def end_check(self):
        """Every function lent during the check is taken back."""
        self.tokens.clear()

    def probe(self, paths):
        """The paths this sandbox can open for reading."""
        return self.request({"op": "probe", "paths": [str(p) for p in paths]}, timeout=30)


_MISSING = object()


class RemoteNamespace:
    """The notebook's globals as nncheck.Submission sees them."""

    def __init__(self, box):
        self.box = box
        self.timed_out = set()      # labels of functions that ran past the limit

    def get(self, name, default=None):
        try:
            value = self.box.lookup(name)
        except SandboxDied:
            self.box.restart()
            value = self.box.lookup(name)
        return default if value is _MISSING else value

    def __contains__(self, name):
        return self.get(name, _MISSING) is not _MISSING

    def swap(self, name, value):
        return self.box.swap(name, value)

    def hold(self, value):
        """value, kept in the notebook's process: calls pass it by reference."""
        return self.box.request({"op": "hold", "value": value, "raw": True},
                                timeout=self.box.call_timeout)

    def end_check(self):
        self.box.end_check()


# ------------------------------------------------------------------ the OS

_SANDBOXES_STARTED = [0]


def sandbox_uid():
    """A user id for a new sandbox, or None when not root. Each sandbox of a
    grading process gets its own (by process id and a count), so a process a
    notebook leaves behind can never touch a later student's sandbox."""
    if os.geteuid() != 0:
        return None
    _SANDBOXES_STARTED[0] += 1
    return UID_BASE + (os.getpid() % UID_SLOTS) * UID_RANGE + _SANDBOXES_STARTED[0] % UID_RANGE


def _kill_user(uid):
    """Every process of a sandbox user id (a student's background children):
    kill(-1) sent as that user reaches all of them at once, however fast they
    fork, and nothing else."""
    for _ in range(3):
        try:
            subprocess.run(["kill", "-s", "KILL", "--", "-1"], user=uid, group=SANDBOX_GID,
                           extra_groups=[], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass
        if not any(_owned_by(entry, uid) for entry in os.listdir("/proc") if entry.isdigit()):
            return


def _owned_by(entry, uid):
    try:
        return os.stat(f"/proc/{entry}").st_uid == uid
    except OSError:
        return False


#: What a sandbox may read in the course folder: the Python environment and
#: the released assignments. Everything else at the top of the course is
#: closed to other users before grading starts (solutions/, tests/, source/,
#: submissions, grades, feedback, the gradebook, .git, ...).
OPEN_TO_SANDBOX = {".venv", "release", "nncourse"}


def secrets(root):
    """Sample files a sandbox must not be able to read."""
    root = Path(root)
    found = [p for pattern in ("solutions/*", "tests/hidden/*", "source/*/*.ipynb")
             for p in sorted(root.glob(pattern)) if p.is_file()]
    for top in sorted(root.iterdir()):
        if top.name in OPEN_TO_SANDBOX:
            continue
        if top.is_file():
            found.append(top)
        elif top.is_dir():
            files = (p for p in top.rglob("*") if p.is_file())
            found += [p for _, p in zip(range(20), files)]
    return found


def secure_course(root):
    """Close the course to other users (see OPEN_TO_SANDBOX), then prove it:
    a sandbox running as another user tries to read a sample of the course's
    files and must fail on every one. Raises SandboxError saying what to
    change. Returns the uid sandboxes will use, or None when not root."""
    uid = sandbox_uid()
    if uid is None:
        return None
    root = Path(root).resolve()
    for top in root.iterdir():
        if top.name not in OPEN_TO_SANDBOX and not top.is_symlink():
            os.chmod(top, os.stat(top).st_mode & ~0o077)
    sample = secrets(root)
    with tempfile.TemporaryDirectory() as empty:
        try:
            with Sandbox(empty, uid=uid) as box:
                readable = box.probe(sample)
        except (SandboxError, SandboxDied) as e:
            raise SandboxError(
                f"A sandbox running as user id {uid} could not start ({e}). It runs "
                f"{sys.executable}: that interpreter and its packages must be readable by "
                "every user (make the course's .venv from the system Python, e.g. "
                "`make PYTHON=/usr/bin/python3`, in a folder every user can enter).") from None
    if readable:
        raise SandboxError(
            "Student code could read course files while grading: "
            + ", ".join(str(Path(p).relative_to(root)) for p in readable[:5])
            + ". Make them unreadable to other users (chmod o-rwx), including through "
            "group or ACL permissions, then grade again.")
    return uid


# ------------------------------------------------------------------ notebooks

_SECURED = {}


def for_course(root, folder, nncheck):
    """A Sandbox for one student's folder, graded by the course at `root`:
    as another user when this process is root (the course made unreadable to
    it first, once per process), else as this user with the casual guard."""
    root = os.path.realpath(root)
    if root not in _SECURED:
        _SECURED[root] = secure_course(root) is not None
    uid = sandbox_uid() if _SECURED[root] else None
    return Sandbox(folder, uid=uid, protect=[] if uid is not None else [root],
                   allow=[os.path.join(root, name) for name in OPEN_TO_SANDBOX],
                   call_timeout=nncheck.CALL_TIMEOUT - 0.5, timeout_error=nncheck.CallTimeout)


def cell_kind(cell, skip_tag):
    """How grading treats a notebook cell: "test" (graded from the grader,
    never run), "demo" (the course's demo cells, not run), "answer", "other"
    (run in the sandbox) or None (not code)."""
    if cell.get("cell_type") != "code":
        return None
    meta = cell.get("metadata", {})
    grading = meta.get("nbgrader", {})
    if grading.get("grade") and not grading.get("solution"):
        return "test"
    if skip_tag in meta.get("tags", []):
        return "demo"
    return "answer" if grading.get("solution") else "other"


def without_magics(source):
    """IPython's % and ! lines cannot run in plain Python; the local check
    (nncheck.py) skips them the same way."""
    return "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def open_notebook(path, root, nncheck, timeouts=(60, 20)):
    """The namespace of a notebook file, run in a sandbox as grading runs it
    (every cell but test cells and the course's demo cells): for running a
    hidden suite under pytest. Returns (RemoteNamespace, the cells' results)."""
    import json
    path = Path(path).resolve()
    nb = json.loads(path.read_text(encoding="utf-8"))
    box = for_course(root, path.parent, nncheck)
    results = []
    for index, cell in enumerate(nb["cells"]):
        kind = cell_kind(cell, nncheck.SKIP_TAG)
        if kind in ("answer", "other"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            timeout = timeouts[0] if kind == "answer" else timeouts[1]
            results.append(box.run_cell(without_magics(source), f"<cell {index}>", timeout))
    return RemoteNamespace(box), results
