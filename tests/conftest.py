"""Shared fixtures: the course root, and each assignment's suite; and for the
slow tests, the system services they need (see need())."""
import json
import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nncourse import course, suites  # noqa: E402

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
