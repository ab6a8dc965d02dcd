"""The adversarial corpus: crafted submissions graded by real nbgrader autograde,
through the class-grading command. Each must get exactly its expected per-cell
scores, and its graded notebook must tell the student why."""
import importlib.util
import json
import re

import pytest

from conftest import ASSIGNMENTS, ROOT, copy_course
from nncourse import demo, grade, suites

CORPUS = ROOT / "tests" / "corpus"


def load_cases(assignment):
    path = CORPUS / f"{assignment}_cases.py"
    if not path.exists():
        return {}
    import sys
    if str(CORPUS) not in sys.path:
        sys.path.insert(0, str(CORPUS))
    spec = importlib.util.spec_from_file_location(f"{assignment}_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


ALL_CASES = [(a, name) for a in ASSIGNMENTS for name in load_cases(a)]


def expected(cells, expect):
    """Full marks, except what `expect` says ("rest": every other cell;
    "rest_after": every cell after the last one named)."""
    order = list(cells)
    named = [g for g in expect if g in cells]
    out = {g: float(p) for g, (_, p) in cells.items()}
    if "rest" in expect:
        out = {g: expect["rest"] for g in out}
    if "rest_after" in expect:
        last = max(order.index(g) for g in named)
        out.update({g: expect["rest_after"] for g in order[last + 1:]})
    out.update({g: float(expect[g]) for g in named})
    return out


def selected_cases(session):
    """The cases this pytest run will check (all of them, unless -k picks some)."""
    chosen = [tuple(item.callspec.params[k] for k in ("assignment", "name"))
              for item in session.items
              if item.originalname == "test_case" and hasattr(item, "callspec")]
    return chosen or ALL_CASES


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request):
    root = copy_course(tmp_path_factory.mktemp("corpus"))
    from nncourse import course
    with course.in_root(root), course.quiet_logs():
        course.generate(root)
    for a, name in selected_cases(request.session):
        case = load_cases(a)[name]
        nb = demo.student_notebook(root, a, None if case.get("stub") else
                                   {"cells": case.get("cells", {}), "mistakes": []})
        if case.get("transform"):
            case["transform"](nb)
        folder = root / "submitted" / name / a
        folder.mkdir(parents=True)
        (folder / f"{a}.ipynb").write_text(json.dumps(nb))
    log = []
    status = grade.grade_class(root, workers=2, say=log.append)
    return root, status, demo.scores(root), log


def test_corpus_has_twenty_cases_per_assignment():
    for a in ASSIGNMENTS:
        assert len(load_cases(a)) >= 20, a


@pytest.mark.parametrize("assignment,name", ALL_CASES, ids=[f"{a}-{n}" for a, n in ALL_CASES])
def test_case(graded, assignment, name):
    root, status, scores, _ = graded
    case = load_cases(assignment)[name]
    assert status[(assignment, name)] == "graded"
    cells = suites.load_suite(assignment, root).cells
    assert scores[assignment][name] == expected(cells, case["expect"])
    nb = json.loads((root / "autograded" / name / assignment / f"{assignment}.ipynb").read_text())
    seen = "\n".join("".join(o.get("text", "")) + "".join(o.get("traceback", []))
                     for c in nb["cells"] for o in c.get("outputs", []))
    flat = " ".join(seen.split())  # reports are wrapped
    assert " ".join(case["says"].split()) in flat
    for text in case.get("absent", []):
        assert " ".join(text.split()) not in flat
    # No traceback shows a frame of the hidden suite (its code and names).
    plain = re.sub(r"\x1b\[[0-9;]*m", "", seen)
    assert f"{assignment}_hidden.py:" not in plain and f'{assignment}_hidden.py", line' not in plain
