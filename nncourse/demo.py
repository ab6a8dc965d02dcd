"""The instructor's whole pipeline, run on the bundled demo students.

    python -m nncourse demo

generates the release, releases it to the course's exchange, fetches and
submits each demo student's notebook through that exchange, collects,
autogrades, generates feedback, exports grades.csv and prints the scores.
"""
import copy
import importlib.util
import json
import shutil
import time
from pathlib import Path

from . import course

#: What the demo creates, and so what it may delete before a new run.
DEMO_OUTPUTS = ["gradebook.db", "submitted", "autograded", "feedback", "exchange", "students",
                "grades.csv"]


def roster(root=course.ROOT):
    spec = importlib.util.spec_from_file_location("roster", Path(root) / "tests" / "demo" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ROSTER


def _strip_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def student_notebook(root, assignment, entry):
    """The notebook a demo student hands in: the release, filled in per `entry`."""
    root = Path(root)
    released = course.read_notebook(root / "release" / assignment / f"{assignment}.ipynb")
    if entry is None:
        return released
    answers = {c["metadata"]["nbgrader"]["grade_id"]: _strip_markers("".join(c["source"]))
               for c in course.read_notebook(root / "source" / assignment / f"{assignment}.ipynb")["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    answers.update(entry["cells"])
    filled = copy.deepcopy(released)
    for c in filled["cells"]:
        grade_id = c["metadata"].get("nbgrader", {}).get("grade_id")
        if c["metadata"].get("nbgrader", {}).get("solution") and grade_id in answers:
            c["source"] = answers[grade_id].rstrip("\n")
    return filled


def make_demo(root=course.ROOT):
    """Write tests/demo/<assignment>/<student>.ipynb from the roster."""
    written = []
    for assignment, students in roster(root).items():
        folder = Path(root) / "tests" / "demo" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for student, entry in students.items():
            path = folder / f"{student}.ipynb"
            with open(path, "w", encoding="utf-8") as f:
                json.dump(student_notebook(root, assignment, entry), f, indent=1, ensure_ascii=False)
                f.write("\n")
            written.append(path)
    return written


def load_points(root, assignment):
    """{grade_id: points} of an assignment, from its public checks module."""
    from .suites import load_suite
    return {g: p for g, (_, p) in load_suite(assignment, root).cells.items()}


def expected_scores(root=course.ROOT):
    """{assignment: {student: {grade_id: points}}} the demo must produce."""
    from .suites import load_suite
    result = {}
    for assignment, students in roster(root).items():
        suite = load_suite(assignment, root)
        by_name = {m.name: m for m in suite.mistakes}
        result[assignment] = {}
        for student, entry in students.items():
            scores = {}
            for grade_id, (_, points) in suite.cells.items():
                if entry is None:
                    scores[grade_id] = 0.0
                else:
                    lost = sum(by_name[m].loses.get(grade_id, 0) for m in entry["mistakes"])
                    scores[grade_id] = round(float(points - lost), 2)  # as grading rounds
            result[assignment][student] = scores
    return result


def _refuse_to_erase_real_work(root):
    demo_students = {s for students in roster(root).values() for s in students}
    submitted = Path(root) / "submitted"
    others = sorted(p.name for p in submitted.iterdir() if p.name not in demo_students) \
        if submitted.is_dir() else []
    db = Path(root) / "gradebook.db"
    if db.exists():
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{db}") as gb:
            others += [s.id for s in gb.students if s.id not in demo_students]
    if others:
        raise course.CourseError(
            "The demo starts from an empty gradebook, but this course already holds work of "
            f"students who are not demo students ({', '.join(sorted(set(others))[:5])}...). "
            "Nothing was changed. Run the demo in a fresh clone instead.")


def scores(root=course.ROOT):
    """{assignment: {student: {grade_id: score}}} from the gradebook."""
    from nbgrader.api import Gradebook
    result = {}
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        for assignment in course.assignments(root):
            result[assignment] = {}
            for sub in gb.assignment_submissions(assignment):
                cells = {}
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        cells[grade.name] = grade.score
                result[assignment][sub.student_id] = cells
    return result


def score_table(root=course.ROOT, by_cell=True):
    """The per-student (and per-cell) score table, as text."""
    from nbgrader.api import Gradebook
    table = scores(root)
    lines = []
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        names = course.assignments(root)
        students = sorted({s for a in table.values() for s in a})
        maxima = {a: gb.find_assignment(a).max_score for a in names}
        head = f"{'student':<10}" + "".join(f"{a:>16}" for a in names) + f"{'total':>12}"
        lines += ["Scores", head, "-" * len(head)]
        for s in students:
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
            lines.append(f"{'':<{width}}" + "".join(f"{s:>8}" for s in students))
            for c in cells:
                lines.append(f"{c:<{width}}" + "".join(
                    f"{table[a].get(s, {}).get(c, float('nan')):>8g}" for s in students))
    return "\n".join(lines)


def run(root=course.ROOT, say=print):
    """The main job, on the demo students. Returns the scores."""
    from .grade import CourseLock
    root = Path(root).resolve()
    with CourseLock(root):
        return _run(root, say)


def _run(root, say):
    start = time.perf_counter()
    _refuse_to_erase_real_work(root)
    for name in DEMO_OUTPUTS:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    changed = course.sync_shared(root)
    if changed:
        say(f"updated shared files in source/: {', '.join(changed)}")
    names = course.assignments(root)
    students = roster(root)
    with course.in_root(root), course.quiet_logs():
        nb_api = course.api(root)
        for a in names:
            say(f"[{a}] generate_assignment and release_assignment")
            course._ok(nb_api.generate_assignment(a, force=True, create=True), f"generate {a}")
            course._ok(nb_api.release_assignment(a), f"release_assignment {a}")
        for a in names:
            for student in students.get(a, {}):
                say(f"[{a}] {student}: fetch_assignment, then submit")
                course.student_fetch_and_submit(root, student, a,
                                                root / "tests" / "demo" / a / f"{student}.ipynb",
                                                root / "students" / student)
        for a in names:
            say(f"[{a}] collect")
            course._ok(nb_api.collect(a, update=True), f"collect {a}")
            for student in sorted(students.get(a, {})):
                say(f"[{a}] autograde {student}")
                course._ok(nb_api.autograde(a, student, force=True, create=True),
                           f"autograde {a} {student}")
            say(f"[{a}] generate_feedback")
            course._ok(nb_api.generate_feedback(a, force=True), f"generate_feedback {a}")
        export_csv(root)
    say("")
    say(score_table(root))
    say("")
    say(f"grades.csv, feedback/<student>/<assignment>/*.html and autograded/ written in "
        f"{time.perf_counter() - start:.0f} s.")
    return scores(root)


def export_csv(root=course.ROOT):
    """`nbgrader export` to grades.csv, with the course config."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin(config=course.load_config(root))
    plugin.to = str(Path(root) / "grades.csv")
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        plugin.export(gb)
