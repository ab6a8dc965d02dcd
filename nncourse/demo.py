"""The instructor's whole pipeline, run on the bundled demo students.

    python -m nncourse demo

generates the release, releases it to the course's exchange, puts the class
list (names included) into the gradebook, fetches and submits each demo
student's notebook through that exchange, collects, autogrades, generates and
releases feedback, which each student fetches, exports grades.csv and prints
the scores.
"""
import copy
import importlib.util
import json
import shutil
import time
from pathlib import Path

from . import course, gradebook


def _roster_module(root):
    spec = importlib.util.spec_from_file_location("roster", Path(root) / "tests" / "demo" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def roster(root=course.ROOT):
    """{assignment: {student: entry}} (tests/demo/roster.py)."""
    return _roster_module(root).ROSTER


def people(root=course.ROOT):
    """{student: {"first_name": ..., "last_name": ..., "email": ...}} for every demo student."""
    module = _roster_module(root)
    names = getattr(module, "NAMES", {})
    students = {s for entries in module.ROSTER.values() for s in entries}
    unnamed = sorted(s for s in students
                     if not (names.get(s, {}).get("first_name") and names.get(s, {}).get("last_name")))
    if unnamed:
        raise course.CourseError(
            f"tests/demo/roster.py: NAMES needs a first_name and a last_name for {', '.join(unnamed)}")
    return {s: dict(names[s]) for s in sorted(students)}


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
    others += [s for s in gradebook.students(root) if s not in demo_students]
    if others:
        raise course.CourseError(
            "The demo starts from an empty gradebook, but this course already holds work of "
            f"students who are not demo students ({', '.join(sorted(set(others))[:5])}...). "
            "Nothing was changed. Run the demo in a fresh clone instead.")


def run(root=course.ROOT, say=print):
    """The main job, on the demo students. Returns the scores."""
    from .grade import CourseLock
    root = Path(root).resolve()
    with CourseLock(root):
        return _run(root, say)


def _run(root, say):
    start = time.perf_counter()
    _refuse_to_erase_real_work(root)
    names = people(root)
    # A server gradebook (PostgreSQL) outlives the files below: empty it of the demo students.
    gradebook.remove_students(root, names)
    for name in course.GRADING_OUTPUTS:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    changed = course.sync_shared(root)
    if changed:
        say(f"updated shared files in source/: {', '.join(changed)}")
    assignments = course.assignments(root)
    students = roster(root)
    with course.in_root(root), course.quiet_logs():
        nb_api = course.api(root)
        for a in assignments:
            say(f"[{a}] generate_assignment and release_assignment")
            course._ok(nb_api.generate_assignment(a, force=True, create=True), f"generate {a}")
            course._ok(nb_api.release_assignment(a), f"release_assignment {a}")
        say("the class list: " + ", ".join(f"{n['first_name']} {n['last_name']} ({s})"
                                             for s, n in names.items()))
        gradebook.add_students(root, names)
        for a in assignments:
            for student in students.get(a, {}):
                say(f"[{a}] {student}: fetch_assignment, then submit")
                course.student_fetch_and_submit(root, student, a,
                                                root / "tests" / "demo" / a / f"{student}.ipynb",
                                                root / "students" / student)
        for a in assignments:
            say(f"[{a}] collect")
            course._ok(nb_api.collect(a, update=True), f"collect {a}")
            for student in sorted(students.get(a, {})):
                say(f"[{a}] autograde {student}")
                course._ok(nb_api.autograde(a, student, force=True, create=True),
                           f"autograde {a} {student}")
            say(f"[{a}] generate_feedback, release_feedback")
            course._ok(nb_api.generate_feedback(a, force=True), f"generate_feedback {a}")
            course._ok(nb_api.release_feedback(a), f"release_feedback {a}")
            for student in sorted(students.get(a, {})):
                say(f"[{a}] {student}: fetch_feedback")
                if not course.student_fetch_feedback(root, student, a, root / "students" / student):
                    raise course.CourseError(f"{student} fetched no feedback for {a}")
        gradebook.export_csv(root)
    say("")
    say(gradebook.score_table(root))
    say("")
    say(f"grades.csv, feedback/<student>/<assignment>/*.html (also fetched by each student, "
        f"into students/<student>/<assignment>/feedback/) and autograded/ written in "
        f"{time.perf_counter() - start:.0f} s.")
    return gradebook.scores(root)
