"""The source notebooks, solutions/ and release/ agree, and the release leaks nothing."""
import ast
import re

import pytest

from conftest import ASSIGNMENTS, ROOT, notebook_cells
from nncourse import course


def functions_of(source):
    """{name: ast dump} of the top-level functions and classes in Python source."""
    tree = ast.parse(source)
    return {n.name: ast.dump(n) for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def methods_of(source):
    """Names of the methods of the top-level classes in Python source."""
    return {m.name for n in ast.parse(source).body if isinstance(n, ast.ClassDef)
            for m in n.body if isinstance(m, ast.FunctionDef)}


def source_cells(assignment):
    return notebook_cells(ROOT / "source" / assignment / f"{assignment}.ipynb")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_regions_match_solutions_module(assignment):
    """Every function defined in a solution or locked code cell is, AST for AST,
    the function of the same name in solutions/<assignment>.py."""
    reference = functions_of((ROOT / "solutions" / f"{assignment}.py").read_text())
    seen = set()
    for cell, meta in source_cells(assignment):
        if cell["cell_type"] != "code" or meta.get("grade"):
            continue
        for name, dump in functions_of("".join(cell["source"])).items():
            assert name in reference, f"{name} is in the notebook but not in solutions/"
            assert dump == reference[name], f"{name} differs between the notebook and solutions/"
            seen.add(name)
        seen |= methods_of("".join(cell["source"]))   # a graded unit may be a method
    graded = {function for function, _ in _cells(assignment).values()}
    assert graded <= seen, f"graded functions without a solution cell: {graded - seen}"


def _cells(assignment):
    from nncourse.suites import load_suite
    return load_suite(assignment, ROOT).cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_match_the_points_table(assignment):
    """The notebook's autograder cells are exactly CELLS, with the same points,
    and each one runs its own public check and holds nothing hidden (grading
    runs the hidden checks from outside the notebook)."""
    cells = _cells(assignment)
    found = {}
    for cell, meta in source_cells(assignment):
        if meta.get("grade") and not meta.get("solution"):
            gid = meta["grade_id"]
            assert re.fullmatch(r"test_[A-Za-z]+(_[a-z_]+)?", gid)
            found[gid] = meta["points"]
            src = "".join(cell["source"])
            assert f'check("{gid}")' in src
            assert "HIDDEN" not in src and "nncourse" not in src
    assert found == {gid: points for gid, (_, points) in cells.items()}
    assert list(found) == list(cells), "test cells are not in the order of CELLS"


def test_shared_copies_are_current():
    assert course.stale_shared(ROOT) == [], "run `python -m nncourse release`"


def test_release_is_current():
    """release/ is exactly what generate_assignment makes of source/ today."""
    with course.quiet_logs():
        assert course.release_differences(ROOT) == [], "run `python -m nncourse release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_and_no_hidden_test(assignment):
    release = ROOT / "release" / assignment
    text = "\n".join(p.read_text(errors="replace") for p in release.iterdir()
                     if p.suffix in (".ipynb", ".py"))
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "grade_cell", "_hidden"):
        assert marker not in text
    # No line of the reference's graded function bodies appears in the release,
    # except the given (locked) ones and lines too generic to mean anything.
    given = {line.strip() for cell, meta in source_cells(assignment)
             if meta.get("locked") and not meta.get("grade") and cell["cell_type"] == "code"
             for line in "".join(cell["source"]).splitlines()}
    notebook = (release / f"{assignment}.ipynb").read_text()
    for line in body_lines((ROOT / "solutions" / f"{assignment}.py").read_text()):
        if len(line) >= 20 and line not in given:
            assert line not in notebook, f"reference line in the release: {line}"


def body_lines(source):
    """The stripped code lines of every function body, docstrings left out."""
    lines = source.splitlines()
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            for stmt in body:
                out += [l.strip() for l in lines[stmt.lineno - 1:stmt.end_lineno]]
    return [l for l in out if l and not l.startswith("#")]
