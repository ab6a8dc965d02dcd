"""Shared fixtures: the course root, each assignment's suite, the fixtures of
the hidden suites (tests/hidden/), which are pytest suites of their own, and for
the slow tests, the system services they need (see need())."""
import json
import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nncourse import course, sandbox, suites  # noqa: E402

ASSIGNMENTS = course.assignments(ROOT)


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def suite(request):
    return suites.load_suite(request.param, ROOT)


def notebook_cells(path):
    """(cell, nbgrader metadata) for every cell of a notebook file."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(c, c.get("metadata", {}).get("nbgrader", {})) for c in nb["cells"]]


def copy_course(dest):
    """Copy the course as a fresh clone would have it (see nncourse.course.copy_course)."""
    return course.copy_course(dest, ROOT)


def pytest_addoption(parser):
    parser.addoption("--notebook", default=None, metavar="PATH",
                     help="run a hidden suite (tests/hidden/<assignment>_hidden.py) against "
                          "this notebook, in the grading sandbox")


# ------------------------------------------------------------ hidden suites

# The hidden suites are pytest suites. Run one against a notebook:
# 
#     pytest tests/hidden/autoencoder_hidden.py --notebook submitted/ada/autoencoder/autoencoder.ipynb
# 
# The notebook's code runs in the grading sandbox, exactly as grading runs it
# (every code cell but the test cells and the course's demo cells); each check
# runs here, against the notebook's objects, with the helpers of the function
# it checks lent from the reference (DEPENDS), as in grading. The public checks
# of the same cells run too (each hidden module lists them). Without
# --notebook, the checks run against the reference solution. -k, -x, --pdb and
# pytest's usual output all work.


# The hidden suites import their assignment's public checks and nncheck.
for _folder in sorted((ROOT / "source").iterdir()):
    if _folder.is_dir() and str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def _assignment(module):
    name = module.__name__.rsplit(".", 1)[-1]
    return name[:-len("_hidden")] if name.endswith("_hidden") else None


@pytest.fixture(scope="module")
def hidden_suite(request):
    assignment = _assignment(request.module)
    if assignment not in course.assignments(ROOT):
        pytest.skip(f"{request.module.__name__} is not a hidden suite")
    return suites.load_suite(assignment, ROOT)


@pytest.fixture(scope="module")
def notebook(request, hidden_suite):
    """The notebook given with --notebook, run in a sandbox (or None)."""
    path = request.config.getoption("--notebook")
    if not path:
        yield None
        return
    namespace, results = sandbox.open_notebook(path, ROOT, hidden_suite.nncheck)
    for result in results:
        if result["error"]:
            print(f"a cell of the notebook raised {result['error']['ename']}: "
                  f"{result['error']['evalue']}")
    yield namespace
    namespace.box.close()


@pytest.fixture
def reference(hidden_suite):
    return hidden_suite.reference


@pytest.fixture
def submission(request, hidden_suite, notebook):
    """The code under test: the notebook's, or the reference's."""
    nncheck = hidden_suite.nncheck
    namespace = notebook if notebook is not None else nncheck.load_namespace(
        hidden_suite.reference_source, "<reference>")
    function = hidden_suite.cells[request.function.grade_id][0]
    isolate = {name: suites.reference_attribute(hidden_suite, name)
               for name in getattr(hidden_suite.public, "DEPENDS", {}).get(function, [])}
    sub = nncheck.Submission(namespace)
    try:
        with sub.using(**isolate):
            yield sub
    finally:
        if notebook is not None:
            notebook.end_check()

def need(ok, why):
    """Skip a slow test whose requirement is missing, saying why; where the
    requirement must be there (CI sets NNCOURSE_REQUIRE_SLOW=1), fail instead."""
    if ok:
        return
    if os.environ.get("NNCOURSE_REQUIRE_SLOW") == "1":
        pytest.fail(f"{why} (NNCOURSE_REQUIRE_SLOW=1: .ci/run installs this)", pytrace=False)
    pytest.skip(why)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_gradebook(root, url):
    """Point a course copy's gradebook at `url`, as an instructor does in grader_config.py."""
    with open(Path(root) / "grader_config.py", "a", encoding="utf-8") as f:
        f.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    return root
