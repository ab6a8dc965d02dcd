"""The instructor pipeline, for real: nbgrader's exchange, autograde, feedback, export.

One scratch copy of the course runs the demo main job once (the same code as
`python -m nncourse demo`); the tests below read what it produced.
"""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ASSIGNMENTS, ROOT, copy_course
from nncourse import course, demo, gradebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    lines = []
    scores = demo.run(root, say=lines.append)
    # The instructor's own source notebook, graded like a submission.
    nb_api = course.api(root)
    with course.in_root(root), course.quiet_logs():
        for a in ASSIGNMENTS:
            dest = root / "submitted" / "instructor" / a
            dest.mkdir(parents=True)
            shutil.copy(root / "source" / a / f"{a}.ipynb", dest)
            course._ok(nb_api.autograde(a, "instructor"), "autograde instructor")
    return root, scores, "\n".join(lines)


def test_demo_students_get_exactly_the_expected_scores(graded):
    root, scores, _ = graded
    assert scores == demo.expected_scores(root)


def test_the_source_notebook_gets_full_marks(graded):
    root, _, _ = graded
    after = gradebook.scores(root)
    for a in ASSIGNMENTS:
        cells = demo.load_points(root, a)
        assert after[a]["instructor"] == {g: float(p) for g, p in cells.items()}


def test_submissions_travelled_through_the_course_exchange(graded):
    root, _, _ = graded
    inbound = root / "exchange" / "nn-from-scratch" / "inbound"
    students = {p.name.split("+")[0] for p in inbound.iterdir()}
    assert students == {s for a in demo.roster(root).values() for s in a}
    for a, roster in demo.roster(root).items():
        for s in roster:
            assert (root / "submitted" / s / a / "timestamp.txt").exists()


def test_the_gradebook_lists_the_demo_students_by_name(graded):
    root, _, _ = graded
    with gradebook.opened(root) as gb:
        names = {s.id: {"first_name": s.first_name, "last_name": s.last_name, "email": s.email}
                 for s in gb.students}
    assert {s: names[s] for s in demo.people(root)} == demo.people(root)


def test_each_student_fetched_their_feedback(graded):
    root, _, _ = graded
    for a, roster in demo.roster(root).items():
        for s in roster:
            fetched = list((root / "students" / s / a / "feedback").glob(f"*/{a}.html"))
            assert len(fetched) == 1, (s, a)
            assert fetched[0].read_bytes() == (root / "feedback" / s / a / f"{a}.html").read_bytes()


def test_plain_nbgrader_commands_use_grader_config(graded):
    """`nbgrader list --inbound` from the course root sees the course's own
    exchange, which only grader_config.py names."""
    root, _, _ = graded
    out = subprocess.run([sys.executable, "-m", "nbgrader", "list", "--inbound"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    for s in demo.roster(root)["autoencoder"]:
        assert f"nn-from-scratch {s} autoencoder" in text, text
    assert "WARNING" not in text, "grader_config.py has an option nbgrader does not know"


def test_grading_runs_in_the_sandbox_with_the_cell_time_limits():
    """Autograde, built from the course config, runs GradeInSandbox in place of
    nbgrader's Execute, with 60 s for answer cells and 20 s for other cells."""
    from nbgrader.converters import Autograde
    from nncourse.preprocessors import GradeInSandbox
    config = course.load_config(ROOT)
    names = [p if isinstance(p, str) else p.__name__
             for p in Autograde(config=config).autograde_preprocessors]
    assert names[0] == "nncourse.preprocessors.GradeInSandbox"
    assert not any(n.endswith("Execute") for n in names)
    grader = GradeInSandbox(config=config)
    assert (grader.graded_cell_timeout, grader.other_cell_timeout) == (60, 20)
    assert Path(grader.course_root) == ROOT


def test_grades_csv_has_every_student(graded):
    root, scores, _ = graded
    with open(root / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["student_id"] in scores.get(row["assignment"], {}):
            expected = sum(scores[row["assignment"]][row["student_id"]].values())
            assert float(row["score"]) == pytest.approx(expected)
    assert {(r["assignment"], r["student_id"]) for r in rows} >= {
        (a, s) for a, st in scores.items() for s in st}


def test_feedback_explains_without_leaking_hidden_tests(graded):
    root, _, _ = graded
    for a, roster in demo.roster(root).items():
        reference_lines = [l for l in _body_lines(root, a) if len(l) >= 20]
        for s in roster:
            html = (root / "feedback" / s / a / f"{a}.html").read_text()
            assert "checks passed" in html
            for secret in ("grade_cell", "BEGIN HIDDEN", "nncourse.grading", "_hidden"):
                assert secret not in html, f"{secret} in {s}'s feedback"
            leaked = [l for l in reference_lines if l in html and s == "ben"]
            assert leaked == [], leaked


def test_feedback_names_the_demo_mistakes(graded):
    root, _, _ = graded
    suites_by_name = {}
    from nncourse import suites
    for a, roster in demo.roster(root).items():
        suite = suites_by_name.setdefault(a, suites.load_suite(a, root))
        says = {m.name: m.says for m in suite.mistakes}
        for s, entry in roster.items():
            if not entry:
                continue
            html = (root / "feedback" / s / a / f"{a}.html").read_text()
            import html as htmllib
            text = " ".join(htmllib.unescape(html).split())  # reports are wrapped
            for mistake in entry["mistakes"]:
                assert " ".join(says[mistake].split()) in text, f"{s}'s feedback does not name {mistake}"


def _body_lines(root, assignment):
    from test_sources import body_lines
    return body_lines((root / "solutions" / f"{assignment}.py").read_text())


def test_demo_refuses_to_erase_real_students(graded, tmp_path):
    root, _, _ = graded
    (root / "submitted" / "zoe" / "autoencoder").mkdir(parents=True)
    try:
        with pytest.raises(course.CourseError, match="Nothing was changed"):
            demo.run(root, say=lambda *_: None)
        assert gradebook.sqlite_file(root).exists()
    finally:
        shutil.rmtree(root / "submitted" / "zoe")


def test_plain_nbgrader_works_without_an_activated_venv(tmp_path):
    """`.venv/bin/nbgrader generate_assignment` from the course root, with the
    venv's bin/ not on PATH: the course config puts it there, so nbgrader finds
    alembic and creates the gradebook."""
    root = copy_course(tmp_path / "course")
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("VIRTUAL_ENV",)}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = ":".join(p for p in env.get("PATH", "/usr/bin:/bin").split(":")
                           if p != bin_dir) or "/usr/bin:/bin"
    out = subprocess.run([str(Path(bin_dir) / "nbgrader"), "generate_assignment", "autoencoder",
                          "--force"], cwd=root, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert gradebook.sqlite_file(root).exists() and (root / "release" / "autoencoder").is_dir()
