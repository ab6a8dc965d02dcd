"""Whole-class grading: parallel, resumable, idempotent, one run at a time."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest

from conftest import ASSIGNMENTS, ROOT, copy_course
from nncourse import course, demo, grade, gradebook


def make_class(root, copies=1, assignments=ASSIGNMENTS[:1]):
    """Submissions for every demo student of these assignments, `copies` times."""
    with course.in_root(root), course.quiet_logs():
        course.generate(root)
    for a, roster in demo.roster(root).items():
        if a not in assignments:
            continue
        for n in range(copies):
            for s in roster:
                folder = root / "submitted" / f"{s}{n}" / a
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy(root / "tests" / "demo" / a / f"{s}.ipynb", folder / f"{a}.ipynb")
    return root


def run_cli(root, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "nncourse", "grade", *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, **kwargs)


def differences(got, want):
    """(assignment, student, cell, got, want) wherever two score tables differ."""
    return [(a, s, c, got.get(a, {}).get(s, {}).get(c), v)
            for a in want for s in want[a] for c, v in want[a][s].items()
            if got.get(a, {}).get(s, {}).get(c) != v] + [
        (a, s, None, "extra", None) for a in got for s in got[a] if s not in want.get(a, {})]


def explain(root, diffs):
    """What the graded notebooks say in the cells that differ."""
    out = []
    for a, s, cell, *_ in diffs:
        path = root / "autograded" / s / a / f"{a}.ipynb"
        if cell and path.exists():
            nb = course.read_notebook(path)
            for c in nb["cells"]:
                if c["metadata"].get("nbgrader", {}).get("grade_id") == cell:
                    out.append("".join("".join(o.get("text", "")) for o in c.get("outputs", [])))
    return "\n".join(out)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = make_class(copy_course(tmp_path_factory.mktemp("clean")))
    status = grade.grade_class(root, workers=2, say=lambda *_: None)
    return root, status, gradebook.scores(root)


def test_parallel_run_grades_everyone_with_the_expected_scores(clean):
    root, status, scores = clean
    assert set(status.values()) == {"graded"}
    expected = demo.expected_scores(root)
    for a in ASSIGNMENTS[:1]:
        for s, cells in expected[a].items():
            assert scores[a][f"{s}0"] == cells
    text = grade.summary(root, status)
    assert "ada0" in text and "graded" in text
    assert sqlite3.connect(gradebook.sqlite_file(root)).execute("pragma integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_run_resumes_to_the_same_scores(clean, tmp_path, stop):
    root = make_class(copy_course(tmp_path))
    # As a script started in the background would: SIGINT ignored (the CLI undoes that).
    first = run_cli(root, "--workers", "2",
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines = []
    for line in first.stdout:          # stop it right after the first finished grade
        lines.append(line)
        if "] 1/" in line:
            os.killpg(first.pid, stop)
            break
    lines.append(first.communicate(timeout=120)[0])
    finished = sum(grade.is_done(root, a, s) for a, s in grade.submissions(root))
    total = len(grade.submissions(root))
    assert 1 <= finished < total, "the interruption should leave work undone"

    second = run_cli(root, "--workers", "2")
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    assert f"{total - finished} to grade, {finished} already graded" in out
    # No Jupyter kernel runs while grading, so none of its warnings either
    # ("Kernel is running over TCP without encryption" once came with every notebook).
    assert "encryption" not in out and "Kernel" not in out, out
    diffs = differences(gradebook.scores(root), clean[2])
    assert diffs == [], explain(root, diffs) + "\n" + "".join(lines) + "\n" + out

    third = run_cli(root)
    out, _ = third.communicate(timeout=120)
    assert f"0 to grade, {total} already graded" in out
    diffs = differences(gradebook.scores(root), clean[2])
    assert diffs == [], explain(root, diffs)


def test_two_workers_grade_one_students_two_assignments_at_once(tmp_path):
    """Both workers start on the same new student: the gradebook gets them once."""
    root = copy_course(tmp_path)
    with course.in_root(root), course.quiet_logs():
        course.generate(root)
    for a in ASSIGNMENTS:
        folder = root / "submitted" / "zoe" / a
        folder.mkdir(parents=True)
        shutil.copy(root / "tests" / "demo" / a / "ada.ipynb", folder / f"{a}.ipynb")
    status = grade.grade_class(root, workers=2, say=lambda *_: None)
    assert status == {(a, "zoe"): "graded" for a in ASSIGNMENTS}
    expected = demo.expected_scores(root)
    assert {a: gradebook.scores(root)[a]["zoe"] for a in ASSIGNMENTS} == {
        a: expected[a]["ada"] for a in ASSIGNMENTS}


def test_a_changed_submission_is_graded_again(clean):
    root, _, _ = clean
    a = ASSIGNMENTS[0]
    shutil.copy(root / "tests" / "demo" / a / "ada.ipynb", root / "submitted" / "ben0" / a / f"{a}.ipynb")
    assert not grade.is_done(root, a, "ben0")
    status = grade.grade_class(root, workers=1, say=lambda *_: None)
    assert status[(a, "ben0")] == "graded"
    assert sum(v == "graded" for v in status.values()) == 1
    assert gradebook.scores(root)[a]["ben0"] == gradebook.scores(root)[a]["ada0"]


def test_a_second_run_at_once_is_refused(clean):
    root, _, _ = clean
    with grade.CourseLock(root):
        with pytest.raises(course.CourseError, match="Another grading run"):
            grade.grade_class(root, workers=1, say=lambda *_: None)
        cli = run_cli(root)
        out, _ = cli.communicate(timeout=120)
        assert cli.returncode == 1 and "Another grading run is using this course" in out


def test_an_assignment_missing_from_the_gradebook_is_a_clear_error(tmp_path):
    root = copy_course(tmp_path)
    (root / "submitted" / "x" / ASSIGNMENTS[0]).mkdir(parents=True)
    with pytest.raises(course.CourseError, match="not in the gradebook yet"):
        grade.grade_class(root, workers=1, say=lambda *_: None)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validate_passes_on_source_and_fails_on_release(assignment):
    def validate(folder):
        return subprocess.run([sys.executable, "-m", "nbgrader", "validate",
                               f"{folder}/{assignment}/{assignment}.ipynb"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300).stdout
    assert "Success! Your notebook passes all the tests." in validate("source")
    out = validate("release")
    from nncourse.suites import load_suite
    cells = load_suite(assignment, ROOT).cells
    assert f"VALIDATION FAILED ON {len(cells)} CELL(S)!" in out
    for gid in cells:  # each failing cell is shown, and the error says why
        assert f'check("{gid}")' in out
    assert out.count("CheckFailed:") >= len(cells)


def test_shards_run_at_once_and_add_up_to_a_clean_run(clean, tmp_path):
    """Two jobs, --shard 1/2 and --shard 2/2, at the same time on one course:
    together they grade everyone once, with the clean run's scores."""
    root = make_class(copy_course(tmp_path))
    jobs = [run_cli(root, "--workers", "1", "--shard", f"{i}/2") for i in (1, 2)]
    outs = [job.communicate(timeout=600)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outs
    counts = [int(out.split(" to grade")[0].split()[-1]) for out in outs]
    assert sum(counts) == len(grade.submissions(root))
    diffs = differences(gradebook.scores(root), clean[2])
    assert diffs == [], explain(root, diffs)
