"""Every part of the course reads the gradebook nbgrader is configured with."""
import re
import shutil

import pytest

from conftest import ROOT, copy_course, use_gradebook
from nncourse import course, demo, gradebook


def test_the_gradebook_is_the_one_in_grader_config():
    assert gradebook.db_url(ROOT) == course.load_config(ROOT).CourseDirectory.db_url
    assert gradebook.sqlite_file(ROOT) == ROOT / "gradebook.db"


def test_a_course_with_another_gradebook_reads_only_that_one(tmp_path):
    root = use_gradebook(copy_course(tmp_path / "course"), f"sqlite:///{tmp_path}/elsewhere.db")
    gradebook.add_students(root, {"zoe": {"first_name": "Zoe", "last_name": "Adeyemi"}})
    assert gradebook.students(root) == ["zoe"]
    assert (tmp_path / "elsewhere.db").exists() and not (root / "gradebook.db").exists()
    assert gradebook.scores(root) == {a: {} for a in course.assignments(root)}
    gradebook.remove_students(root, ["zoe", "nobody"])
    assert gradebook.students(root) == []


def test_a_copy_of_the_course_never_takes_its_site_config(tmp_path):
    """A scratch copy (tests, benchmarks) must not write to the real course's
    gradebook or exchange, in a git checkout or not (an instructor's copy)."""
    first = copy_course(tmp_path / "first")
    (first / "site_config.py").write_text("c.CourseDirectory.db_url = 'postgresql://db/course'\n")
    assert gradebook.db_url(first) == "postgresql://db/course"
    second = course.copy_course(tmp_path / "second", first)      # not a git checkout
    assert (second / "grader_config.py").exists()
    assert not (second / "site_config.py").exists()
    assert gradebook.sqlite_file(second) == second / "gradebook.db"


def test_no_gradebook_yet_reads_as_empty_and_creates_nothing(tmp_path):
    root = copy_course(tmp_path)
    assert gradebook.students(root) == []
    assert gradebook.scores(root) == {a: {} for a in course.assignments(root)}
    assert not (root / "gradebook.db").exists()


def test_a_db_url_that_is_not_a_url_is_a_clear_error(tmp_path):
    root = use_gradebook(copy_course(tmp_path), "gradebook.db")
    with pytest.raises(course.CourseError, match="must be a database URL"):
        gradebook.scores(root)


def test_a_missing_database_driver_names_the_extra(tmp_path, monkeypatch):
    import nbgrader.api

    def no_driver(url):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
    monkeypatch.setattr(nbgrader.api, "Gradebook", no_driver)
    root = use_gradebook(copy_course(tmp_path), "postgresql://teacher:secret@db.example/course")
    with pytest.raises(course.CourseError, match="requirements-postgres.txt") as e:
        gradebook.students(root)
    assert "secret" not in str(e.value), "the error must not print the password"


def test_no_gradebook_path_or_url_is_built_by_hand():
    """Only grader_config.py says where the gradebook is."""
    offenders = []
    for path in [*ROOT.glob("nncourse/*.py"), *ROOT.glob("bench/*.py"), *ROOT.glob("tests/*.py")]:
        if path.name == "test_gradebook.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""sqlite:///[{"'+]|["']gradebook\.db["']\s*\)|/ ["']gradebook\.db""", line) \
                    and "GRADING_OUTPUTS" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_every_demo_student_has_a_name():
    people = demo.people(ROOT)
    assert set(people) == {s for entries in demo.roster(ROOT).values() for s in entries}
    assert all(n["first_name"] and n["last_name"] for n in people.values())


def test_a_demo_student_without_a_name_is_a_clear_error(tmp_path):
    root = copy_course(tmp_path)
    roster = root / "tests" / "demo" / "roster.py"
    roster.write_text(roster.read_text().replace('"ben": {"first_name"', '"benedict": {"first_name"'))
    with pytest.raises(course.CourseError, match="NAMES needs a first_name and a last_name for ben"):
        demo.people(root)


def test_the_demo_notebooks_are_current(tmp_path):
    """tests/demo/*/*.ipynb are what `python -m nncourse make-demo` writes from the roster."""
    root = copy_course(tmp_path)
    for a in demo.roster(root):
        shutil.rmtree(root / "tests" / "demo" / a)
    written = demo.make_demo(root)
    assert written
    stale = [str(p.relative_to(root)) for p in written
             if p.read_bytes() != (ROOT / p.relative_to(root)).read_bytes()]
    assert stale == [], "run `python -m nncourse make-demo` and commit the notebooks"
