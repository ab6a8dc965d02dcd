"""Grading inside the nbgrader kernel. This module never ships to students.

The hidden region of every test cell in source/ is the same two lines:

    import nncourse.grading
    nncourse.grading.grade_cell("test_forward_values", globals())

The hidden test code itself never sits in the notebook, so neither the
feedback HTML nor a traceback can show it. `grade_cell` runs the cell's public
and hidden checks against the notebook's live functions, prints a short report
and returns the points earned: the cell's last expression, which nbgrader takes
as the score.

`activate` runs when nncheck is imported by the notebook's first (locked) cell,
before any student code. It loads the reference and the hidden checks and then
installs an audit hook that refuses, from then on, to open any file of the
course outside the notebook's own folder and the Python installation: the
reference solutions, the hidden suites, the source notebooks and other
students' work. What the hook, the integrity checks and the per-call time
limit cover, and what they do not, is written down in README.md ("Threat model").
"""
import linecache
import os
import sys
import types
from pathlib import Path

from . import suites

ROOT = Path(os.environ.get("NNCOURSE_ROOT") or Path(__file__).resolve().parents[1]).resolve()

_STATE = None


def _snapshot(*modules):
    """Identity of every function and class attribute of these modules."""
    snap = {}
    for module in modules:
        for attr, value in vars(module).items():
            if isinstance(value, (types.FunctionType, type)):
                snap[(module.__name__, attr)] = value
                if isinstance(value, type):
                    for k, v in vars(value).items():
                        if isinstance(v, (types.FunctionType, staticmethod, classmethod)):
                            snap[(module.__name__, f"{attr}.{k}")] = v
    return snap


def _current(module_name, attr):
    value = sys.modules.get(module_name)
    for part in attr.split("."):
        value = getattr(value, part, None) if not isinstance(value, type) else vars(value).get(part)
    return value


def _allowed(path, state):
    for base in state.allowed:
        if path == base or path.startswith(base + os.sep):
            return True
    return False


def _via_linecache(depth=6):
    """Is this open linecache's (a traceback being displayed)? Then the refusal
    is not recorded against the student: the traceback shows no hidden lines,
    and linecache quietly returns nothing, to the student's code too."""
    frame = sys._getframe(2)
    for _ in range(depth):
        if frame is None:
            return False
        if frame.f_code.co_filename == linecache.__file__:
            return True
        frame = frame.f_back
    return False


def _audit(event, args):
    state = _STATE
    if event != "open" or state is None or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.realpath(os.fsdecode(args[0]))
    if path.startswith(state.root + os.sep) and not _allowed(path, state):
        if not _via_linecache():
            state.blocked.append(os.path.relpath(path, state.root))
        raise PermissionError(f"reading {os.path.relpath(path, state.root)} is not allowed "
                              "while a notebook is being graded")


def activate(here):
    """Load the suite for the notebook in `here`, then lock the course's files."""
    global _STATE
    if _STATE is not None:
        return _STATE
    here = Path(here).resolve()
    found = sorted(p.name[:-len("_checks.py")] for p in here.glob("*_checks.py"))
    if len(found) != 1:
        raise RuntimeError(f"expected one *_checks.py in {here}, found {found}")
    state = suites.load_suite(found[0], ROOT, checks_dir=here)
    state.helpers = _snapshot(state.nncheck, state.public)
    state.blocked = []
    state.root = str(ROOT)
    state.allowed = [str(here), os.path.realpath(sys.prefix), str(ROOT / "nncourse")]
    _STATE = state
    sys.addaudithook(_audit)
    _limit_memory()
    return state


#: Address space one grading kernel may use. A notebook here needs well under
#: 1 GiB; the cap turns a runaway allocation into a MemoryError the checks
#: report, instead of swapping the machine or waking the OOM killer while other
#: students' notebooks are being graded beside it.
MEMORY_LIMIT = 6 * 2 ** 30


def _limit_memory():
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))
    except (ImportError, ValueError, OSError):
        pass


def integrity_problems(state):
    """Plain-language reasons this notebook cannot be trusted, if any."""
    problems = []
    patched = state.nncheck.tampered_numpy()
    if patched:
        problems.append("numpy's comparison functions were replaced (" + ", ".join(patched)
                        + "). The checks never use them, but replacing them is not allowed.")
    if sys.modules.get("nncheck") is not state.nncheck:
        problems.append("the course's nncheck module was replaced.")
    changed = sorted(f"{m}.{a}" for (m, a), v in state.helpers.items() if _current(m, a) is not v)
    if changed:
        problems.append("the course's check helpers were redefined (" + ", ".join(changed) + ").")
    if state.blocked:
        problems.append("the notebook tried to read course files during grading ("
                        + ", ".join(sorted(set(state.blocked))) + ").")
    return problems


def grade_cell(grade_id, namespace):
    """Run the public and hidden checks of one test cell; print them; return the points."""
    try:
        state = activate(os.getcwd())
        points = state.cells[grade_id][1]
        problems = integrity_problems(state)
        if problems:  # do not even run checks whose helpers may be patched
            score, outcomes = 0.0, []
        else:
            score, outcomes = suites.grade_cell(state, grade_id, namespace)
            problems = integrity_problems(state)
    except Exception as e:  # a grader fault must be loud, never a silent score
        print(f"{grade_id}: the grader itself failed ({type(e).__name__}: {e}). "
              "This is not your fault; the course staff will regrade this cell.")
        return 0.0
    except KeyboardInterrupt:  # nbgrader's per-cell time limit (Execute.timeout) ran out
        print(f"{grade_id}: 0 points. This cell was stopped: it ran past the time limit "
              "for one cell. Look for a function that runs much longer than it should.")
        return 0.0
    passed = sum(o.passed for o in outcomes)
    if problems:
        score = 0.0
    report = state.helpers[("nncheck", "format_outcomes")]  # the original, not a patch
    print(report(f"{grade_id}: {score:g} of {points} points "
                 f"({passed} of {len(outcomes)} checks passed)" if outcomes else
                 f"{grade_id}: 0 of {points} points (checks not run)", outcomes))
    for p in problems:
        print(f"  INTEGRITY: {p} This cell scores 0.")
    return score
