"""nbgrader configuration for the course "Neural networks from scratch in numpy".

Loaded by nbgrader_config.py, so every plain `nbgrader ...` command run from this
directory uses it (tests/test_pipeline.py proves it).
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
if here not in sys.path:
    sys.path.insert(0, here)  # for nncourse.preprocessors below
c = get_config()  # noqa: F821 - provided by nbgrader's config loader

c.CourseDirectory.root = here
c.CourseDirectory.course_id = "nn-from-scratch"
# nbgrader's `generate_solution` would write here; the reference *code* lives in
# solutions/ (Python modules) and must not be mixed with generated notebooks.
c.CourseDirectory.solution_directory = "solution"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
# Never release or copy editor and cache clutter.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# The exchange lives inside the course, so no root and no /usr/local/share.
c.Exchange.root = os.path.join(here, "exchange")

# Per-cell timeouts when grading, in seconds. Inside a test cell, one call into
# student code is stopped after nncheck.CALL_TIMEOUT (10 s) and reported as a
# timeout, and a function that timed out is not called again; the cell limit is
# the backstop for code that blocks outside such a call. Test cells and the
# cells that hold the answers get GRADED_CELL_TIMEOUT. Every other cell (the
# notebook's demos and plots, which the reference runs in a few seconds, and
# cells a student added) gets OTHER_CELL_TIMEOUT: those cells score nothing, so
# an endless loop there costs the grading run 20 s a cell, not 60.
GRADED_CELL_TIMEOUT = 60
OTHER_CELL_TIMEOUT = 20


def cell_timeout(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return GRADED_CELL_TIMEOUT if meta.get("grade") or meta.get("solution") else OTHER_CELL_TIMEOUT


c.Execute.timeout = GRADED_CELL_TIMEOUT
c.Execute.timeout_func = cell_timeout
# A deleted test cell is put back (and graded), never silently lost. nbgrader
# 0.9.6 crashes on some damaged notebooks while doing so (a duplicated test
# cell, a stripped cell metadata); nncourse.preprocessors makes those gradable.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nncourse.preprocessors.RepairCellMetadata",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nncourse.preprocessors.SafeOverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Feedback shows which checks failed and why, not the hidden test code (#917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]

# The kernel that grades a notebook inherits this environment: it tells
# nncourse.grading where the course (reference and hidden suites) is, and lets
# the kernel import the nncourse package from this directory.
os.environ["NNCOURSE_ROOT"] = here
os.environ["PYTHONPATH"] = os.pathsep.join(
    [here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != here])
