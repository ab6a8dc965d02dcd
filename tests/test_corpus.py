"""The adversarial corpus: crafted submissions graded by real nbgrader autograde,
through the class-grading command. Each must get exactly its expected per-cell
scores, and its graded notebook must tell the student why."""
import importlib.util
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ASSIGNMENTS, ROOT, copy_course
from nncourse import demo, grade, gradebook, suites

CORPUS = ROOT / "tests" / "corpus"
sys.path.insert(0, str(CORPUS))
from corpus_tools import add_cell_after  # noqa: E402


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
def graded(request):
    # Where a course really lives (/srv/course, say): a folder every user can
    # enter, so the sandbox's user could reach the course, and only the
    # permissions secure_course sets keep it out.
    place = Path(tempfile.mkdtemp(prefix="nncourse-corpus-"))
    place.chmod(0o711)
    request.addfinalizer(lambda: shutil.rmtree(place, ignore_errors=True))
    root = copy_course(place / "course")
    from nncourse import course
    with course.in_root(root), course.quiet_logs():
        course.generate(root)
    for a, name in selected_cases(request.session):
        case = load_cases(a)[name]
        cells = {k: fill(v, root, a) for k, v in case.get("cells", {}).items()}
        nb = demo.student_notebook(root, a, None if case.get("stub") else
                                   {"cells": cells, "mistakes": []})
        if case.get("transform"):
            case["transform"](nb)
        if case.get("extra"):
            after, source = case["extra"]
            add_cell_after(nb, after, fill(source, root, a))
        folder = root / "submitted" / name / a
        folder.mkdir(parents=True)
        for link, target in case.get("symlinks", {}).items():
            # What a student can leave in a folder nbgrader collects (the
            # exchange's inbound folder is writable by every student).
            (folder / link).symlink_to(fill(target, root, a))
        (folder / f"{a}.ipynb").write_text(json.dumps(nb))
    log = []
    status = grade.grade_class(root, workers=2, say=log.append)
    return root, status, gradebook.scores(root), log


def fill(source, root, assignment):
    """A case's code with the graded course's folder in it, as if the student
    had found out where the course lives."""
    return source.replace("{course_root}", str(root)).replace("{assignment}", assignment)


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
    assert " ".join(case["says"].split()) in flat, flat[:3000]
    for text in case.get("absent", []):
        assert " ".join(fill(text, root, assignment).split()) not in flat
    # No traceback shows a frame of the hidden suite (its code and names).
    plain = re.sub(r"\x1b\[[0-9;]*m", "", seen)
    assert f"{assignment}_hidden.py:" not in plain and f'{assignment}_hidden.py", line' not in plain


def test_no_case_could_write_into_the_course(graded):
    """writes_course_files tried the gradebook, every submitted, autograded and
    feedback folder: nothing was written (as root, the sandbox is another user)."""
    root = graded[0]
    import os
    if os.geteuid() != 0:
        pytest.skip("without root, the sandbox runs as the grader's own user")
    assert not [p for p in root.rglob("PWNED")]
    assert b"PWNED" not in gradebook.sqlite_file(root).read_bytes()[-64:]


def _long_lines(path):
    return {l.strip() for l in path.read_text().splitlines()
            if len(l.strip()) > 40 and "import" not in l}


def test_feedback_shows_no_course_secret(graded):
    """Whatever a notebook printed while graded, no line of the hidden suites
    reached its graded notebook; and none of the reference either, where the
    notebook holds no reference code of its own (the stub-based cases)."""
    root = graded[0]
    for a in ASSIGNMENTS:
        hidden = _long_lines(root / "tests" / "hidden" / f"{a}_hidden.py")
        solution = _long_lines(root / "solutions" / f"{a}.py")
        for name, case in load_cases(a).items():
            nb_path = root / "autograded" / name / a / f"{a}.ipynb"
            if not nb_path.exists():
                continue
            text = nb_path.read_text()
            released = (root / "release" / a / f"{a}.ipynb").read_text() + \
                (root / "submitted" / name / a / f"{a}.ipynb").read_text()  # its own code
            secrets = {l for l in hidden | (solution if case.get("stub") else set())
                       if json.dumps(l)[1:-1] not in released}  # docstrings are released
            leaked = [l for l in secrets if json.dumps(l)[1:-1] in text]
            assert not leaked, (name, leaked[:3])
