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

# Per-cell timeout when grading, in seconds. One call into student code is
# stopped after nncheck.CALL_TIMEOUT (10 s) and reported as a timeout; this is
# the backstop for code that blocks outside such a call.
c.Execute.timeout = 60
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
