"""The course on a PostgreSQL gradebook, on a real server (Debian's PostgreSQL,
started by the `postgres_server` fixture): a whole-class grading run, two shards
at once, an interrupted and resumed run, and `nbgrader export`, with every
score read back through the configured gradebook."""
import csv
import importlib.util
import os
import signal
import subprocess
import sys

import pytest

from conftest import ASSIGNMENTS, copy_course, free_port, need, use_gradebook
from nncourse import demo, grade, gradebook
from pgserver import Server, binaries
from test_grade import make_class, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def postgres_server():
    bin_dir = binaries()
    need(bin_dir is not None, "no PostgreSQL server binaries (initdb, pg_ctl) in "
         "/usr/lib/postgresql/*/bin or on PATH: apt-get install postgresql")
    need(importlib.util.find_spec("psycopg") is not None,
         "the PostgreSQL driver is not installed: pip install -r requirements-postgres.txt")
    server = Server(bin_dir, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_course(postgres_server, tmp_path, request):
    """A copy of the course with demo submissions, its gradebook a new PostgreSQL database."""
    url = postgres_server.create_database(request.node.name.lower().replace("[", "_").strip("]"))
    root = use_gradebook(copy_course(tmp_path), url)
    assert gradebook.db_url(root) == url
    return make_class(root)


def expected(root, copies=1):
    a = ASSIGNMENTS[0]
    return {a: {f"{s}{n}": cells for s, cells in demo.expected_scores(root)[a].items()
                for n in range(copies)},
            **{b: {} for b in ASSIGNMENTS[1:]}}


def differences(root, want, log=""):
    """What the gradebook holds that differs from `want`, cell by cell, with the
    grading log (its summary flags timeouts) to explain it."""
    got = gradebook.scores(root)
    diff = {(a, s, c): (got.get(a, {}).get(s, {}).get(c), v)
            for a in want for s in want[a] for c, v in want[a][s].items()
            if got.get(a, {}).get(s, {}).get(c) != v}
    extra = {(a, s) for a in got for s in got[a] if s not in want.get(a, {})}
    return (diff, extra, log[-3000:]) if diff or extra else None


def test_a_whole_class_grades_into_postgresql(pg_course):
    root = pg_course
    status = grade.grade_class(root, workers=2, say=lambda *_: None)
    assert set(status.values()) == {"graded"}
    assert differences(root, expected(root)) is None
    # The summary reads the same gradebook: every score shown, none a "-".
    text = grade.summary(root, status)
    for (a, s) in status:
        line = next(l for l in text.splitlines() if l.startswith(s))
        assert line.split()[2] == f"{sum(expected(root)[a][s].values()):g}", text
    assert not list(root.glob("*.db")), "a sqlite gradebook appeared beside PostgreSQL"

    # nbgrader export, the stock command, from the course root.
    out = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv"],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    with open(root / "grades.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENTS[0]]
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: sum(cells.values()) for s, cells in expected(root)[ASSIGNMENTS[0]].items()}
    assert gradebook.export_csv(root, root / "again.csv").read_text() == \
        (root / "grades.csv").read_text()


def test_two_shards_at_once_add_up_to_a_single_run(pg_course):
    root = make_class(pg_course, copies=2)   # 8 students: the hash puts some in each shard
    jobs = [run_cli(root, "--workers", "1", "--shard", f"{i}/2") for i in (1, 2)]
    outs = [job.communicate(timeout=600)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outs
    counts = [int(out.split(" to grade")[0].split()[-1]) for out in outs]
    assert sorted(counts) != [0, len(grade.submissions(root))], "one shard got everyone"
    assert sum(counts) == len(grade.submissions(root))
    assert differences(root, expected(root, copies=2), "\n".join(outs)) is None


def test_an_interrupted_run_resumes_to_the_same_scores(pg_course):
    root = pg_course
    first = run_cli(root, "--workers", "2")
    for line in first.stdout:
        if "] 1/" in line:
            os.killpg(first.pid, signal.SIGTERM)
            break
    first.communicate(timeout=120)
    total = len(grade.submissions(root))
    finished = sum(grade.is_done(root, a, s) for a, s in grade.submissions(root))
    assert 1 <= finished < total, "the interruption should leave work undone"
    second = run_cli(root, "--workers", "2")
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    assert f"{total - finished} to grade, {finished} already graded" in out
    assert differences(root, expected(root), out) is None


def test_the_demo_runs_on_postgresql(postgres_server, tmp_path):
    """`python -m nncourse demo` on a PostgreSQL gradebook that already holds the
    demo students (a previous demo): it empties them out, grades everyone
    again, and its scores, names and grades.csv all come from PostgreSQL."""
    url = postgres_server.create_database("demo")
    root = use_gradebook(copy_course(tmp_path), url)
    gradebook.add_students(root, {"ada": {"first_name": "Stale", "last_name": "Name"}})
    demo.run(root, say=lambda *_: None)
    assert differences(root, demo.expected_scores(root)) is None
    scores = gradebook.scores(root)
    assert not list(root.glob("*.db"))
    with gradebook.opened(root) as gb:
        assert {s.id: (s.first_name, s.last_name) for s in gb.students} == {
            s: (n["first_name"], n["last_name"]) for s, n in demo.people(root).items()}
    with open(root / "grades.csv") as f:
        assert {(r["assignment"], r["student_id"]) for r in csv.DictReader(f)} == {
            (a, s) for a, students in scores.items() for s in students}
