"""Reading the course's gradebook: the one nbgrader is configured with.

Every part of the course (the grading summary, the demo, the export, the
benchmarks, the tests) reads scores through here, from the database that
`c.CourseDirectory.db_url` names (grader_config.py, or this machine's
site_config.py): a sqlite file by default, PostgreSQL past one machine
(`pip install -r requirements-postgres.txt`).
"""
import contextlib
import math
from pathlib import Path

from . import course


def db_url(root=course.ROOT):
    """The gradebook URL nbgrader uses for this course."""
    url = course.load_config(root).CourseDirectory.db_url
    if not isinstance(url, str) or "://" not in url:
        raise course.CourseError(
            "c.CourseDirectory.db_url (grader_config.py, site_config.py) must be a database URL such as "
            f"sqlite:////path/gradebook.db or postgresql://user@host/course; got {url!r}")
    return url


def sqlite_file(root=course.ROOT):
    """The gradebook's file if it is a sqlite database, else None."""
    from sqlalchemy.engine import make_url
    url = make_url(db_url(root))
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def exists(root=course.ROOT):
    """Whether the gradebook exists yet (a sqlite file is only made on first use;
    a server database is there as long as its server is)."""
    path = sqlite_file(root)
    return path.exists() if path else True


@contextlib.contextmanager
def opened(root=course.ROOT):
    """nbgrader's Gradebook on the course's configured database."""
    from nbgrader.api import Gradebook
    url = db_url(root)
    try:
        gb = Gradebook(url)
    except ModuleNotFoundError as e:
        raise course.CourseError(
            f"The gradebook {url.split('@')[-1]} needs the database driver '{e.name}': "
            "pip install -r requirements-postgres.txt") from None
    try:
        yield gb
    finally:
        gb.close()


def students(root=course.ROOT):
    """Ids of every student in the gradebook."""
    if not exists(root):
        return []
    with opened(root) as gb:
        return sorted(s.id for s in gb.students)


def add_students(root, people):
    """Add or update students: people is {id: {"first_name": ..., "last_name": ..., "email": ...}}."""
    with opened(root) as gb:
        for student_id, names in sorted(people.items()):
            gb.update_or_create_student(student_id, **names)


def remove_students(root, ids):
    """Remove these students and all their submissions from the gradebook."""
    if not exists(root):
        return
    with opened(root) as gb:
        known = {s.id for s in gb.students}
        for student_id in sorted(set(ids) & known):
            gb.remove_student(student_id)


def scores(root=course.ROOT):
    """{assignment: {student: {grade_id: score}}} from the gradebook."""
    result = {a: {} for a in course.assignments(root)}
    if not exists(root):
        return result
    with opened(root) as gb:
        for assignment in result:
            for sub in gb.assignment_submissions(assignment):
                result[assignment][sub.student_id] = {
                    grade.name: grade.score for nb in sub.notebooks for grade in nb.grades}
    return result


def score_table(root=course.ROOT, by_cell=True):
    """The per-student (and per-cell) score table, as text."""
    table = scores(root)
    names = course.assignments(root)
    with opened(root) as gb:
        maxima = {a: gb.find_assignment(a).max_score for a in names}
    students_seen = sorted({s for a in table.values() for s in a})
    head = f"{'student':<10}" + "".join(f"{a:>16}" for a in names) + f"{'total':>12}"
    lines = ["Scores", head, "-" * len(head)]
    for s in students_seen:
        row, total = f"{s:<10}", 0.0
        for a in names:
            got = sum(table[a].get(s, {}).values())
            total += got
            row += f"{got:>9.2f} / {maxima[a]:<4g}"
        lines.append(row + f"{total:>9.2f} / {sum(maxima.values()):g}")
    if by_cell:
        for a in names:
            cells = list(next(iter(table[a].values()), {}).keys())
            if not cells:
                continue
            lines += ["", f"Per test cell: {a}"]
            width = max(len(c) for c in cells)
            lines.append(f"{'':<{width}}" + "".join(f"{s:>8}" for s in students_seen))
            for c in cells:
                lines.append(f"{c:<{width}}" + "".join(
                    f"{table[a].get(s, {}).get(c, math.nan):>8g}" for s in students_seen))
    return "\n".join(lines)


def export_csv(root=course.ROOT, to=None):
    """What `nbgrader export` writes, with the course config, to `to`
    (default: grades.csv in the course). Returns the path."""
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin(config=course.load_config(root))
    plugin.to = str(to or Path(root) / "grades.csv")
    with opened(root) as gb:
        plugin.export(gb)
    return Path(plugin.to)
