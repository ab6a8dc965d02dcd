"""nncheck: run an assignment's checks against your code.

This file ships with every assignment. You can use it two ways:

* In the notebook, each test cell calls ``check("test_<function>...")``. It runs
  the public checks for that cell on the functions you defined and prints what
  passed and what did not.
* In a terminal, ``python nncheck.py autoencoder.ipynb`` runs the code cells of
  the notebook (not the test cells and not the slow demo cells) in a fresh
  namespace, then prints a per-function table of the public checks.

Public checks are a subset of what grading runs. More checks, on other inputs,
run when your notebook is graded, so passing here is necessary, not sufficient.

A check is a plain function ``test_...(submission)`` tagged with ``@cell(grade_id)``.
It calls your code through ``submission.<name>(...)``, which copies the inputs,
silences warnings, stops runaway loops and turns errors into readable messages.
"""
import contextlib
import copy
import importlib
import io
import itertools
import json
import os
import signal
import sys
import threading
import time
import traceback
import types
import warnings

import numpy as np

# Taken from numpy's own submodules, not from the `np` namespace, so that a
# notebook that reassigns np.allclose, np.abs or np.ndarray changes nothing here.
try:
    from numpy._core import multiarray as _multiarray, umath as _umath
    from numpy._core import _ufunc_config
except ImportError:  # numpy < 2
    from numpy.core import multiarray as _multiarray, umath as _umath
    from numpy.core import _ufunc_config

_ndarray = _multiarray.ndarray
_array = _multiarray.array
_abs = _umath.absolute
_isfinite = _umath.isfinite
_maximum = _umath.maximum
_errstate = _ufunc_config.errstate
_floating = np.floating
_integer = np.integer

#: Seconds one call into your code may take before it is stopped. Well below
#: the grader's 60 s limit for a test cell, so a runaway loop costs one check,
#: not the cell.
CALL_TIMEOUT = 10.0

#: Relative error below which two float64 results count as equal. Rounding in a
#: differently ordered but correct computation stays near 1e-15; real mistakes
#: (a missing 1/m, a transposed gradient) are off by far more than 1e-6.
VALUE_RTOL = 1e-6

#: Step for the central-difference gradient. Its truncation error is O(h**2),
#: about 1e-10 here, and its rounding error about eps / h, also near 1e-10.
GRAD_STEP = 1e-5

#: Relative error allowed between an analytic and a central-difference gradient.
#: Correct gradients land near 1e-9; a wrong one is off by 1e-2 or more.
GRAD_RTOL = 1e-6

#: Functions (the objects, not their names; for a method, its function) that
#: already ran past CALL_TIMEOUT in this process. Later calls fail at once, so
#: one runaway loop costs CALL_TIMEOUT once, not once per check.
TIMED_OUT = []


def _identity(fn):
    """The function behind fn: obj.method is a new bound method at every access."""
    return getattr(fn, "__func__", fn)


class CheckFailed(AssertionError):
    """A check did not pass. The message is written for the student."""


class CallTimeout(BaseException):
    """Your code ran longer than CALL_TIMEOUT (a BaseException, so that a bare
    ``except Exception`` in student code cannot swallow it)."""


# --------------------------------------------------------------------------
# Registering checks
# --------------------------------------------------------------------------

def cell(grade_id):
    """Tag a check function with the nbgrader test cell it belongs to."""
    def tag(fn):
        fn.grade_id = grade_id
        return fn
    return tag


def checks_for(module, grade_id=None):
    """The check functions of a module, in the order they are defined."""
    found = [f for f in vars(module).values()
             if isinstance(f, types.FunctionType) and hasattr(f, "grade_id")
             and f.__name__.startswith("test_") and f.__module__ == module.__name__]
    found.sort(key=lambda f: f.__code__.co_firstlineno)
    return [f for f in found if grade_id is None or f.grade_id == grade_id]


# --------------------------------------------------------------------------
# Calling student code
# --------------------------------------------------------------------------

@contextlib.contextmanager
def _time_limit(seconds):
    """Raise CallTimeout in the main thread after `seconds` (POSIX only)."""
    usable = (hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _stop(signum, frame):
        raise CallTimeout()

    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def quiet():
    """No warnings, no floating-point complaints, no prints reach the cell.

    nbgrader scores a test cell 0 if anything reaches stderr, so a harmless
    overflow warning from a correct answer must not decide a grade.
    """
    sink = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _errstate(all="ignore"):
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                yield sink


def _student_line(tb, error=None):
    """The innermost traceback frame that is the student's code, as text."""
    if getattr(error, "_nncheck_where", None) is not None:
        return error._nncheck_where  # raised in the notebook's own process
    here = os.path.dirname(os.path.abspath(__file__))
    best = None
    for frame, lineno in traceback.walk_tb(tb):
        fname = frame.f_code.co_filename
        if ("site-packages" in fname or fname.startswith(here + os.sep)
                or fname.startswith(sys.prefix)
                or str(frame.f_globals.get("__name__")).startswith("nncourse.")):
            continue
        best = (frame.f_code.co_name, lineno)
    if best is None:
        return ""
    return f" (in `{best[0]}`, line {best[1]} of its cell)"


def _a(noun):
    """'a list', 'an Agreeable': the noun with its indefinite article."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


# While a notebook is graded, its objects live in another process and the
# checks hold stand-ins for them ("remote" objects). These helpers answer the
# same questions for a local object and for a stand-in.

def _remote(value):
    return getattr(type(value), "_nncheck_remote", False) is True


def type_name(value):
    """The name of value's type, as the notebook defined it."""
    return value._nncheck_type if _remote(value) else type(value).__name__


def is_callable(value):
    return value._nncheck_callable if _remote(value) else callable(value)


def is_class(value):
    return value._nncheck_is_class if _remote(value) else isinstance(value, type)


def blank(cls):
    """An instance of cls made without running its __init__."""
    return cls._get("__new__")(cls) if _remote(cls) else cls.__new__(cls)


def static_kind(cls, name):
    """What cls holds under `name`, undecorated: 'staticmethod', 'function', 'missing'..."""
    if _remote(cls):
        return cls._request("static_kind", name=name)
    import inspect
    try:
        return type(inspect.getattr_static(cls, name)).__name__
    except AttributeError:
        return "missing"


#: An input changed in place by this little (relative to its largest entry) is
#: rounding, not a change: restoring an entry by arithmetic (x[i] += h,
#: x[i] -= 2*h, x[i] += h) can leave it an ulp or two off. That moves no gradient
#: by more than ~1e-16 relative, far below GRAD_RTOL, so it costs nothing.
ROUNDING_RTOL = 1e-12


def _change(a, b):
    """How much an input changed in place, a (before) to b (after): 0.0 if
    not at all, the largest change relative to the largest entry for float
    arrays of one shape, inf for any other change."""
    if _remote(a) or _remote(b):
        return 0.0  # an object of the notebook: its process reports in-place changes
    if type(a) is not type(b):
        return float("inf")
    if isinstance(a, _ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return float("inf")
        same = (a == b) | ((a != a) & (b != b))
        if bool(same.all()):
            return 0.0
        if a.dtype.kind != "f" or not bool(_isfinite(a).all() and _isfinite(b).all()):
            return float("inf")
        scale = float(_abs(a).max()) or 1.0
        return float(_abs(a - b).max()) / scale
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((_change(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return float("inf")
        return max((_change(x, y) for x, y in zip(a, b)), default=0.0)
    return 0.0 if (a is b or a == b) else float("inf")


def _swap_local(ns, name, value):
    """Put value in place of ns[name] (or of a class attribute, "Class.attr");
    return a function that undoes it."""
    missing = object()
    if "." in name:
        cls_name, attr = name.split(".", 1)
        owner = ns.get(cls_name)
        if not isinstance(owner, type):
            return lambda: None  # no such class: the checks will say so
        old = vars(owner).get(attr, missing)
        setattr(owner, attr, value)

        def restore():
            if old is missing:
                delattr(owner, attr)
            else:
                setattr(owner, attr, old)
        return restore
    old = ns.get(name, missing)
    ns[name] = value

    def restore():
        if old is missing:
            ns.pop(name, None)
        else:
            ns[name] = old
    return restore


class Submission:
    """The functions under test, looked up by name in a namespace.

    namespace: a notebook's globals, or a module's dict. Functions are looked up
    when called, so a test can swap in the reference for a helper (``using``)
    and grade each function on its own.
    """

    def __init__(self, namespace, label="your notebook"):
        self._ns = namespace
        self._label = label
        self._held = []          # values calls pass as themselves (see hold)
        self._lent = {}          # name -> what `using` put there, as the checks know it
        self.calls = []          # (name, args, result) of each call, for diagnosis

    @property
    def lent(self):
        """{name: what `using` lent for it} while a check runs."""
        return dict(self._lent)

    def hold(self, value):
        """value, to be passed to your code as itself rather than a copy (for
        a function that must work on its input in place). While grading, it is
        kept in the notebook's process."""
        hold = getattr(self._ns, "hold", None)
        if hold is not None:
            value = hold(value)
        self._held.append(value)
        return value

    def current(self, held):
        """The value, as it is now, of something made by hold()."""
        return held._request("value") if _remote(held) else held

    def defines(self, name):
        return is_callable(self._ns.get(name))

    def lookup(self, name):
        """The object the notebook defines as `name` (a class, say), or None.
        Not guarded: call its methods through `method`."""
        return self._ns.get(name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    @contextlib.contextmanager
    def using(self, **replacements):
        """Temporarily replace helpers by name, e.g. ``using(g=reference.g)``.

        A dotted name, ``"NeuralNetwork.feedforward"``, replaces that attribute
        of the student's class (pass the raw class attribute, e.g. a
        staticmethod object, as found in the reference class's ``vars``).
        """
        swap = getattr(self._ns, "swap", None) or (lambda n, v: _swap_local(self._ns, n, v))
        restores = []
        lent_before = dict(self._lent)
        try:
            for name, value in replacements.items():
                restores.append(swap(name, value))
                self._lent[name] = value
            yield self
        finally:
            self._lent = lent_before
            for restore in reversed(restores):
                restore()

    def call(self, name, *args, **kwargs):
        """Call the student's `name` on copies of args; return its result.

        Raises CheckFailed, with a message for the student, if the function is
        missing, raises, runs too long, or changes its inputs in place.
        """
        # A helper lent for this check is called as the check knows it, not looked
        # up again in the notebook, whose code may have rebound the name since.
        fn = self._lent[name] if name in self._lent else self._ns.get(name)
        if fn is None:
            raise CheckFailed(f"`{name}` is not defined. Did the cell that defines it "
                              "run without errors?")
        if not is_callable(fn):
            raise CheckFailed(f"`{name}` is {_a(type_name(fn))}, not a function.")
        return self._guarded(name, fn, args, kwargs)

    def method(self, obj, name, *args, **kwargs):
        """Call obj.name(*args) with the same guards as `call`."""
        label = f"{type_name(obj)}.{name}"
        lent = self._lent.get(label)
        if lent is not None:  # as in call: the lent method itself, bound to obj here
            fn = lent.__get__(obj) if not isinstance(lent, staticmethod) else lent.__func__
            return self._guarded(label, fn, args, kwargs)
        fn = getattr(obj, name, None)
        if not is_callable(fn):
            raise CheckFailed(f"`{label}` is not defined.")
        return self._guarded(label, fn, args, kwargs)

    def _guarded(self, name, fn, args, kwargs):
        # In the notebook's own process (grading), a timed-out function is also
        # known by name: after a hang that process is replaced, and its objects.
        timed_out = getattr(self._ns, "timed_out", None)
        if any(_identity(fn) is f for f in TIMED_OUT) or (
                _remote(fn) and name in (timed_out or ())):
            raise CheckFailed(f"`{name}` did not finish within {CALL_TIMEOUT:g} s "
                              "earlier, so it was not called again.")
        given = copy.deepcopy(args, {id(v): v for v in self._held})
        before = copy.deepcopy(args)
        try:
            with quiet(), _time_limit(CALL_TIMEOUT):
                result = fn(*given, **kwargs)
        except CallTimeout:
            TIMED_OUT.append(_identity(fn))
            if timed_out is not None:
                timed_out.add(name)
            raise CheckFailed(f"`{name}` did not finish within {CALL_TIMEOUT:g} s "
                              "(an infinite loop?).") from None
        except NotImplementedError:
            raise CheckFailed(f"`{name}` is not implemented yet "
                              "(it raises NotImplementedError).") from None
        except MemoryError:
            raise CheckFailed(f"`{name}` ran out of memory.") from None
        except RecursionError:
            raise CheckFailed(f"`{name}` recursed too deeply.") from None
        except CheckFailed:
            raise
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # any error in student code is a failed check,
            # SystemExit included: sys.exit() inside a function must not end the checks
            raise CheckFailed(f"`{name}` raised {type(e).__name__}: {e}"
                              f"{_student_line(e.__traceback__, e)}") from None
        for i, (a, b) in enumerate(zip(before, given)):
            change = _change(a, b)
            if change > ROUNDING_RTOL:
                by = f" (by up to {change:.1e} of its largest entry)" if change < float("inf") else ""
                raise CheckFailed(
                    f"`{name}` changed its argument #{i + 1} in place{by}. Work on a copy "
                    "(e.g. `w = w - lr * dw`, not `w -= ...`); where the notebook asks you to "
                    "work in place (numerical_gradient), put each entry back exactly: save "
                    "`old = x[i]` before changing it, then `x[i] = old`.")
        self.calls.append((name, before, result))
        return result


def load_namespace(source, filename="<solution>"):
    """Execute Python source in a fresh namespace and return it (a dict)."""
    ns = {"__name__": "__submission__"}
    exec(compile(source, filename, "exec"), ns)
    return ns


# --------------------------------------------------------------------------
# Expectations, used inside checks
# --------------------------------------------------------------------------

def _shape(x):
    return tuple(x.shape)


def expect_array(value, shape, what):
    """value must be a float numpy array (not a subclass) of this shape, all finite."""
    if isinstance(value, (list, tuple)):
        raise CheckFailed(f"{what} is {_a(type_name(value))}; return a numpy array "
                          f"of shape {shape} (np.asarray).")
    if isinstance(value, (int, float, complex, _floating, _integer)):
        raise CheckFailed(f"{what} is a scalar ({type(value).__name__}); expected an "
                          f"array of shape {shape}.")
    if type(value) is not _ndarray:
        raise CheckFailed(f"{what} is {_a(type_name(value))}, not a plain numpy "
                          f"array; expected an array of shape {shape}.")
    if value.ndim == 0:
        raise CheckFailed(f"{what} is a 0-d array; expected shape {shape}.")
    if _shape(value) != tuple(shape):
        raise CheckFailed(f"{what} has shape {_shape(value)}; expected {tuple(shape)}.")
    if not issubclass(value.dtype.type, _floating):
        raise CheckFailed(f"{what} has dtype {value.dtype}; expected floats.")
    if not bool(_isfinite(value).all()):
        raise CheckFailed(f"{what} contains nan or inf.")
    return value


def expect_float(value, what):
    """value must be a Python float (np.float64 is one), finite."""
    if isinstance(value, _ndarray):
        kind = "0-d array" if value.ndim == 0 else f"array of shape {_shape(value)}"
        raise CheckFailed(f"{what} is a {kind}; return a Python float (use float(...)).")
    if isinstance(value, bool) or not isinstance(value, (float, _floating)):
        raise CheckFailed(f"{what} is {_a(type_name(value))}; return a Python float.")
    if type(value) not in (float, np.float64):
        raise CheckFailed(f"{what} is {_a(type_name(value))}; return a Python float.")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise CheckFailed(f"{what} is {value}.")
    return value


def rel_error(x, y):
    """Largest relative error between two arrays (cs231n's definition)."""
    x = _array(x, dtype=float, subok=False)
    y = _array(y, dtype=float, subok=False)
    return float((_abs(x - y) / _maximum(1e-8, _abs(x) + _abs(y))).max())


def expect_close(actual, expected, what, rtol=VALUE_RTOL):
    """actual (already validated) must match expected to relative error rtol."""
    if _shape(_array(actual)) != _shape(_array(expected)):
        raise CheckFailed(f"{what} has shape {_shape(_array(actual))}; "
                          f"expected {_shape(_array(expected))}.")
    err = rel_error(actual, expected)
    if not err <= rtol:
        raise CheckFailed(f"{what} is wrong: relative error {err:.1e} (allowed {rtol:.0e}).")


def numerical_gradient(f, x, h=GRAD_STEP):
    """Central-difference gradient of scalar f() with respect to array x.

    f: callable of no arguments that reads x; x: float array, any shape,
    perturbed in place and restored. Returns an array of x's shape.
    """
    grad = _array(x, dtype=float) * 0.0
    for i in itertools.product(*(range(d) for d in x.shape)):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


# --------------------------------------------------------------------------
# Running checks
# --------------------------------------------------------------------------

class Mistake:
    """A known wrong answer, kept as code so feedback can name it.

    target: the graded function it replaces; variant: the wrong function;
    says: what the feedback tells the student; loses: {grade_id: points lost}
    when this mistake is the only one (the proof the suite catches it).
    """

    def __init__(self, name, target, variant, says, loses):
        self.name, self.target, self.variant = name, target, variant
        self.says, self.loses = says, dict(loses)

    def __repr__(self):
        return f"Mistake({self.name!r})"


#: Tolerances for same_result: a replayed mistake and a student's result that
#: make the same mistake differ only by rounding (~1e-15 relative); another
#: mistake, or a correct answer, differs by far more than 1e-6.
SAME_RTOL = 1e-6
SAME_ATOL = 1e-9


def _kind(value):
    """What sort of answer a value is, for same_result: arrays by dtype kind,
    numbers by int or float, anything else by its type."""
    if isinstance(value, _ndarray):
        return ("array", type(value), {"u": "i", "c": "f"}.get(value.dtype.kind, value.dtype.kind))
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, _integer)):
        return "int"
    if isinstance(value, (float, _floating)):
        return "float"
    return type(value)


def same_result(a, b):
    """True if a and b are the same answer: the same structure and kinds (an
    array of bools is not an array of floats, a list is not an array), equal
    values up to rounding, nan equal to nan. Used to name known mistakes: a
    result that is only of the wrong type never reproduces a mistake."""
    try:
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same_result(a[k], b[k]) for k in a)
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
            return len(a) == len(b) and all(same_result(x, y) for x, y in zip(a, b))
        if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
            return type(a) is type(b) and a == b
        if _kind(a) != _kind(b):
            return False
        x, y = _array(a, dtype=float, subok=False), _array(b, dtype=float, subok=False)
        if x.shape != y.shape:
            return False
        with _errstate(all="ignore"):
            both_nan = (x != x) & (y != y)
            return bool((both_nan | (_abs(x - y) <= SAME_ATOL + SAME_RTOL * _abs(y))).all())
    except Exception:
        return False


def diagnose(submission, mistakes):
    """Names the known mistakes whose variant reproduces a recorded call."""
    found = []
    for name, args, result in submission.calls:
        for m in mistakes:
            if m.target != name or m in found:
                continue
            try:
                with quiet(), _time_limit(CALL_TIMEOUT):
                    expected = m.variant(*copy.deepcopy(args))
            except KeyboardInterrupt:
                raise
            except BaseException:
                continue
            if same_result(result, expected):
                found.append(m)
    return found


class Outcome:
    """Result of one check: name, passed, message (failure text or '')."""

    def __init__(self, name, passed, message=""):
        self.name, self.passed, self.message = name, passed, message


def run_check(fn, namespace, fixtures, mistakes=(), isolate=None):
    """Run one check against a namespace; never raises.

    isolate: {name: function} put in the namespace for the duration of the
    check (the reference helpers, when grading), then taken out again.
    """
    sub = Submission(namespace)
    kwargs = {}
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        kwargs[p] = sub if p == "submission" else fixtures[p]
    label = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
    try:
        try:
            with sub.using(**(isolate or {})):
                fn(**kwargs)
        finally:
            end_check = getattr(namespace, "end_check", None)
            if end_check is not None:  # what was lent to this check is taken back
                end_check()
    except CheckFailed as e:
        msg = str(e)
        for m in diagnose(sub, mistakes):
            msg += f"\n      This looks like a known mistake: {m.says}"
        return Outcome(label, False, msg)
    except CallTimeout:
        return Outcome(label, False, f"timed out after {CALL_TIMEOUT:g} s")
    except Exception as e:  # a bug in a check must not crash the run
        # The details go to the checking process's own stderr (the grader's log
        # while grading), never into the report.
        traceback.print_exc(file=sys.__stderr__)
        return Outcome(label, False, f"the check itself failed ({type(e).__name__}); "
                                     "please tell the course staff")
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # SystemExit from student code the check called
        return Outcome(label, False, f"your code raised {type(e).__name__} during this check"
                                     f"{_student_line(e.__traceback__, e)}")
    return Outcome(label, True)


#: Reports are wrapped at this many characters: the feedback HTML shows test
#: cell output in a box that does not wrap, and so do many terminals.
REPORT_WIDTH = 88


def wrap(text, indent, hang=2):
    """text wrapped at REPORT_WIDTH, every line indented by `indent` spaces and
    continued lines by `hang` more (a line of its own in text, such as a named
    mistake, stays its own)."""
    import textwrap
    pad = " " * indent
    out = []
    for line in text.splitlines() or [""]:
        extra = len(line) - len(line.lstrip())
        out += textwrap.wrap(line.strip(), REPORT_WIDTH, initial_indent=pad + " " * extra,
                             subsequent_indent=pad + " " * (extra + hang),
                             break_long_words=False, break_on_hyphens=False) or [pad]
    return "\n".join(out)


def format_outcomes(title, outcomes):
    lines = [wrap(title, 0)]
    for o in outcomes:
        lines.append(wrap(f"{'PASS' if o.passed else 'FAIL'}  {o.name}", 2, hang=6))
        if o.message:
            lines.append(wrap(o.message, 8))
    return "\n".join(lines)


def _public_module(assignment):
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(f"{assignment}_checks")


def check(grade_id, namespace=None):
    """Run the public checks of one test cell against the notebook's functions.

    Prints one line per check; raises CheckFailed if any failed, else returns
    None. While a notebook is graded, test cells do not run in the notebook:
    the grader runs their public and hidden checks from outside and writes
    the report in their place.
    """
    if namespace is None:
        namespace = sys.modules["__main__"].__dict__
    module = _public_module(_assignment_of(grade_id))
    checks = checks_for(module, grade_id)
    if not checks:
        raise ValueError(f"no public checks are registered for {grade_id!r}")
    outcomes = [run_check(fn, namespace, {}, getattr(module, "MISTAKES", ()))
                for fn in checks]
    passed = sum(o.passed for o in outcomes)
    print(format_outcomes(f"{grade_id}: {passed}/{len(outcomes)} public checks passed",
                          outcomes))
    print("  (more checks run when the notebook is graded)")
    if passed < len(outcomes):
        # An error makes the cell fail visibly, in JupyterLab and in `nbgrader validate`.
        raise CheckFailed(f"{len(outcomes) - passed} of {len(outcomes)} public checks for "
                          f"{grade_id} failed; see above.")
    return None


def _assignment_of(grade_id):
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.endswith("_checks.py"):
            assignment = name[:-len("_checks.py")]
            if grade_id in getattr(_public_module(assignment), "CELLS", {}):
                return assignment
    raise ValueError(f"unknown test cell {grade_id!r}")


# --------------------------------------------------------------------------
# Terminal: python nncheck.py NOTEBOOK.ipynb
# --------------------------------------------------------------------------

#: Cells with this tag (the slow real-data demos) are not run by the local check.
SKIP_TAG = "skip-local-check"


def notebook_namespace(path):
    """Execute a notebook's code cells, except test cells and skipped cells.

    Returns (namespace, problems): problems lists cells that raised.
    """
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    ns = {"__name__": "__main__"}
    problems = []
    os.environ.setdefault("MPLBACKEND", "Agg")
    for index, c in enumerate(nb.get("cells", [])):
        if c.get("cell_type") != "code":
            continue
        meta = c.get("metadata", {})
        grading = meta.get("nbgrader", {})
        if grading.get("grade") and not grading.get("solution"):
            continue
        if SKIP_TAG in meta.get("tags", []):
            continue
        source = "".join(c.get("source", ""))
        source = "\n".join(line for line in source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        try:
            with quiet(), _time_limit(CALL_TIMEOUT):
                exec(compile(source, f"<cell {index}>", "exec"), ns)
        except CallTimeout:
            problems.append(f"cell {index} did not finish within {CALL_TIMEOUT:g} s")
        except BaseException as e:  # SystemExit too: keep checking the rest
            problems.append(f"cell {index} raised {type(e).__name__}: {e}")
    return ns, problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0].endswith(".ipynb"):
        print("usage: python nncheck.py NOTEBOOK.ipynb", file=sys.stderr)
        return 2
    path = argv[0]
    if not os.path.exists(path):
        print(f"nncheck: no such notebook: {path}", file=sys.stderr)
        return 2
    assignment = os.path.splitext(os.path.basename(path))[0]
    try:
        module = _public_module(assignment)
    except ImportError:
        print(f"nncheck: no public checks for {assignment!r} beside nncheck.py",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    ns, problems = notebook_namespace(path)
    rows, details = [], []
    mistakes = getattr(module, "MISTAKES", ())
    for grade_id, (function, points) in module.CELLS.items():
        outcomes = [run_check(fn, ns, {}, mistakes) for fn in checks_for(module, grade_id)]
        rows.append((function, grade_id, sum(o.passed for o in outcomes), len(outcomes)))
        details += [f"{grade_id}: {o.name}\n    {o.message}" for o in outcomes if not o.passed]
    print(f"Public checks for {os.path.basename(path)}\n")
    width = max(len(r[1]) for r in rows) + 2
    fwidth = max(len(r[0]) for r in rows + [("function",)]) + 2
    print(f"  {'function':<{fwidth}}{'test cell':<{width}}public checks")
    for function, grade_id, passed, total in rows:
        mark = "ok" if passed == total else "FAILING"
        print(f"  {function:<{fwidth}}{grade_id:<{width}}{passed}/{total}  {mark}")
    if problems:
        print("\nCells that raised while loading the notebook:")
        for p in problems:
            print("  " + p)
    if details:
        print("\nWhat failed:")
        for d in details:
            print(wrap(d, 2))
    passed = sum(r[2] for r in rows)
    total = sum(r[3] for r in rows)
    print(f"\n{passed} of {total} public checks passed in "
          f"{time.perf_counter() - start:.1f} s. Hidden checks run when the notebook is "
          "graded; they use other inputs and check more.")
    return 0 if passed == total and not problems else 1


if __name__ == "__main__":
    # Run the copy imported as `nncheck`, the one the checks modules use, so
    # there is a single CheckFailed class.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import nncheck
    sys.exit(nncheck.main())
