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

# Grading runs no notebook in a Jupyter kernel. GradeInSandbox (in
# nncourse/preprocessors.py) takes the place of nbgrader's Execute: the
# student's code runs in a sandbox process (nncourse/sandbox.py), as another
# user when grading runs as root, and every test cell is graded from this
# process, which holds the reference and the hidden checks. Per-cell time
# limits, in seconds: answer cells get GRADED_CELL_TIMEOUT; every other cell
# that runs (cells a student added) gets OTHER_CELL_TIMEOUT, since it scores
# nothing. Inside a test cell, one call into student code is stopped after
# nncheck.CALL_TIMEOUT (10 s); the course's demo cells are not run at all.
GRADED_CELL_TIMEOUT = 60
OTHER_CELL_TIMEOUT = 20
c.GradeInSandbox.course_root = here
c.GradeInSandbox.graded_cell_timeout = GRADED_CELL_TIMEOUT
c.GradeInSandbox.other_cell_timeout = OTHER_CELL_TIMEOUT
c.Autograde.autograde_preprocessors = [
    "nncourse.preprocessors.GradeInSandbox",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
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
# Feedback HTML is made from what students wrote: strip any script or active
# HTML from it, so that opening a student's feedback cannot run their code.
c.HTMLExporter.sanitize_html = True
# Feedback shows which checks failed and why, not the hidden test code (#917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]

# nbgrader runs console scripts of its own environment (alembic creates a new
# gradebook), so this environment's bin/ goes on PATH even when the venv is
# not activated.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# This machine's settings, kept out of git: a shared exchange outside the course
# (JupyterHub), a PostgreSQL gradebook (c.CourseDirectory.db_url). See README,
# "Running the course on JupyterHub"; deploy/hubctl.py add-course writes it.
if os.path.exists(os.path.join(here, "site_config.py")):
    load_subconfig(os.path.join(here, "site_config.py"))  # noqa: F821
