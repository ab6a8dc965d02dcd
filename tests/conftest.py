"""Shared fixtures: the course root, and each assignment's suite."""
import json
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
