"""An assignment's checks in one place: public, hidden, reference, mistakes.

One function, `grade_cell`, turns checks into a cell's score. Grading
(nncourse.preprocessors.GradeInSandbox, against a notebook in its sandbox),
the repo's tests and the benchmarks all call it.
"""
import importlib
import importlib.util
import sys
import types
from pathlib import Path

from .course import ROOT


class Suite:
    """assignment; nncheck, public and hidden modules; reference functions;
    cells {grade_id: (function, points)}; mistakes; alternates."""


def _file_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_suite(assignment, root=ROOT, checks_dir=None):
    """Load an assignment's suite.

    checks_dir: the folder holding nncheck.py and <assignment>_checks.py
    (default source/<assignment>/). The reference is executed from
    solutions/<assignment>.py into a fresh namespace, never imported, so no
    module named after it exists for student code to find.
    """
    root = Path(root)
    checks_dir = str(Path(checks_dir or root / "source" / assignment).resolve())
    if checks_dir not in sys.path:
        sys.path.insert(0, checks_dir)
    suite = Suite()
    suite.assignment = assignment
    suite.nncheck = importlib.import_module("nncheck")
    suite.public = importlib.import_module(f"{assignment}_checks")
    suite.hidden = _file_module(root / "tests" / "hidden" / f"{assignment}_hidden.py",
                                f"_hidden_{assignment}")
    source = (root / "solutions" / f"{assignment}.py").read_text(encoding="utf-8")
    suite.reference_namespace = suite.nncheck.load_namespace(source, "<reference>")
    suite.reference = types.SimpleNamespace(
        **{k: v for k, v in suite.reference_namespace.items()
           if isinstance(v, (types.FunctionType, type))})
    suite.reference_source = source
    suite.cells = dict(suite.public.CELLS)
    suite.mistakes = list(suite.hidden.MISTAKES)
    suite.alternates = list(getattr(suite.hidden, "ALTERNATES", []))
    return suite


def checks_of(suite, grade_id):
    nncheck = suite.nncheck
    return nncheck.checks_for(suite.public, grade_id) + nncheck.checks_for(suite.hidden, grade_id)


def grade_cell(suite, grade_id, namespace):
    """Run one test cell's public and hidden checks. Returns (score, outcomes)."""
    if grade_id not in suite.cells:
        raise KeyError(f"unknown test cell {grade_id!r}")
    function, points = suite.cells[grade_id]
    isolate = {name: reference_attribute(suite, name)
               for name in getattr(suite.public, "DEPENDS", {}).get(function, [])}
    fixtures = {"reference": suite.reference}
    outcomes = [suite.nncheck.run_check(fn, namespace, fixtures, suite.mistakes, isolate)
                for fn in checks_of(suite, grade_id)]
    passed = sum(o.passed for o in outcomes)
    return round(points * passed / len(outcomes), 2), outcomes


def reference_attribute(suite, name):
    """The reference's `name`; for "Class.attr", the raw class attribute
    (a staticmethod stays a staticmethod when put on the student's class)."""
    if "." in name:
        cls_name, attr = name.split(".", 1)
        return vars(getattr(suite.reference, cls_name))[attr]
    return getattr(suite.reference, name)


def grade_namespace(suite, namespace):
    """{grade_id: (score, outcomes)} for every test cell."""
    return {grade_id: grade_cell(suite, grade_id, namespace) for grade_id in suite.cells}


def namespace_with(suite, **functions):
    """A fresh namespace holding the reference, with some functions replaced.

    Replacements are rebound to the namespace, so that a replacement calling
    `forward` calls this namespace's forward, as notebook code would.

    A method is replaced by naming it: "Class.method", or just "method" when
    that is not a top-level name but an attribute of exactly one class of the
    reference (graded methods are named so in CELLS). The method is set on this
    namespace's own copy of the class, so the suite's reference is untouched;
    a plain function given for a staticmethod becomes one. It keeps its own
    globals: a method reaches the rest of its class through `self`.
    """
    ns = suite.nncheck.load_namespace(suite.reference_source, "<reference>")
    for name, fn in functions.items():
        if "." in name:
            cls_name, attr = name.split(".", 1)
            owners = [ns[cls_name]]
        else:
            attr = name
            owners = [] if name in ns else [
                v for v in ns.values() if isinstance(v, type)
                and v.__module__ == ns["__name__"] and name in vars(v)]
        if len(owners) == 1:
            if isinstance(vars(owners[0]).get(attr), staticmethod) \
                    and not isinstance(fn, staticmethod):
                fn = staticmethod(fn)
            setattr(owners[0], attr, fn)
            continue
        if isinstance(fn, types.FunctionType) and fn.__name__ != "<lambda>":
            fn = types.FunctionType(fn.__code__, ns, name, fn.__defaults__, fn.__closure__)
        ns[name] = fn
    return ns
