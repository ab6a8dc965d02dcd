"""The course on disk: its assignments, its nbgrader config, its release.

Everything here drives stock nbgrader (its API and its exchange); nothing
re-implements grading.
"""
import contextlib
import filecmp
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(__file__).resolve().parent

#: Files with one source in this package, copied into every source/<assignment>/
#: by `sync_shared`, because a student receives release/<assignment>/ alone.
SHARED = {"nncheck.py": PACKAGE / "nncheck.py", "digits.npz": PACKAGE / "data" / "digits.npz"}

#: What grading and the demo produce in the course (not in git; the default
#: sqlite gradebook among them). A fresh copy of the course leaves them out.
GRADING_OUTPUTS = ["gradebook.db", "submitted", "autograded", "feedback", "exchange", "students",
                   "grades.csv"]

#: This machine's settings (a shared exchange, a PostgreSQL gradebook), loaded
#: by grader_config.py when present; never copied, so a scratch copy of the
#: course cannot write to the real course's exchange or gradebook.
SITE_CONFIG = "site_config.py"


# nbgrader runs console scripts of its own environment (alembic, for a new
# gradebook), so that environment's bin/ must be on PATH even when Python was
# started by its full path.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


class CourseError(Exception):
    """A problem the instructor must fix; the message says how."""


def assignments(root=ROOT):
    """Assignment names, in course order (the folders of source/)."""
    return sorted(p.name for p in (Path(root) / "source").iterdir()
                  if (p / f"{p.name}.ipynb").exists())


def sync_shared(root=ROOT):
    """Copy the shared files into each source/<assignment>/; return what changed."""
    changed = []
    for a in assignments(root):
        for name, src in SHARED.items():
            dest = Path(root) / "source" / a / name
            if not dest.exists() or not filecmp.cmp(src, dest, shallow=False):
                shutil.copyfile(src, dest)
                changed.append(str(dest.relative_to(root)))
    return changed


def stale_shared(root=ROOT):
    """Shared copies in source/ that differ from their one source."""
    return [f"source/{a}/{name}" for a in assignments(root) for name, src in SHARED.items()
            if not (Path(root) / "source" / a / name).exists()
            or not filecmp.cmp(src, Path(root) / "source" / a / name, shallow=False)]


def copy_course(dest, root=ROOT):
    """Copy the course into dest as a fresh clone would have it: the files git
    tracks, and untracked ones it does not ignore. Outside a git checkout, every
    file except the virtualenv, caches, what grading produces and this
    machine's site_config.py."""
    dest = Path(dest)
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                                 "-z"], cwd=root, capture_output=True, check=True
                                ).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = []
    names = [n for n in listed if n]
    if not names:
        shutil.copytree(root, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            *GRADING_OUTPUTS, SITE_CONFIG, ".venv", ".git", "__pycache__", ".grading.lock*"))
        return dest
    for name in names:
        if (Path(root) / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(root) / name, dest / name)
    return dest


def load_config(root=ROOT, **overrides):
    """The course's nbgrader config, exactly as `nbgrader` run from `root` reads it.

    overrides: {"Section.option": value}, applied on top (like command-line flags);
    a value of None removes the option, so nbgrader's own default applies.
    """
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    for key, value in overrides.items():
        section, option = key.rsplit(".", 1)
        if value is None:
            config[section].pop(option, None)
        else:
            config[section][option] = value
    return config


def api(root=ROOT, **overrides):
    """An NbGraderAPI on the course config (quiet: its log goes to the result dicts)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = load_config(root, **overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def _ok(result, what):
    if not result.get("success"):
        raise CourseError(f"{what} failed:\n{result.get('error') or result.get('log')}")
    return result


def generate(root=ROOT, assignment=None, **overrides):
    """`nbgrader generate_assignment` for one or all assignments (writes release/)."""
    nb_api = api(root, **overrides)
    for a in [assignment] if assignment else assignments(root):
        _ok(nb_api.generate_assignment(a, force=True, create=True), f"generate_assignment {a}")


def build_release(out_dir, root=ROOT):
    """Generate the release of every assignment into out_dir/<assignment>/.

    Runs in a scratch copy of source/ with nbgrader's default gradebook there
    (a sqlite file in the scratch folder), so it never touches the course's
    gradebook or submissions.
    """
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(Path(root) / "source", Path(scratch) / "source",
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        generate(root, **{"CourseDirectory.root": scratch, "CourseDirectory.db_url": None})
        for a in assignments(root):
            dest = Path(out_dir) / a
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(Path(scratch) / "release" / a, dest)


def release_differences(root=ROOT):
    """Files of release/ that differ from a fresh generate_assignment of source/."""
    with tempfile.TemporaryDirectory() as fresh:
        build_release(fresh, root)
        diffs = []
        for a in assignments(root):
            cmp = filecmp.dircmp(Path(fresh) / a, Path(root) / "release" / a,
                                 ignore=["__pycache__", ".ipynb_checkpoints"])
            diffs += [f"release/{a}/{n}" for n in cmp.left_only + cmp.right_only]
            diffs += [f"release/{a}/{n}" for n in cmp.common_files
                      if not filecmp.cmp(Path(fresh) / a / n, Path(root) / "release" / a / n,
                                         shallow=False)]
        return diffs


# ---------------------------------------------------------------- the exchange

def _exchange_parts(config, student_id, assignment_id, workdir):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    config = config.copy()
    config.CourseDirectory.student_id = student_id
    config.CourseDirectory.assignment_id = assignment_id
    config.Exchange.assignment_dir = str(workdir)
    config.Exchange.cache = str(Path(workdir) / ".nbgrader_cache")
    coursedir = CourseDirectory(config=config)
    return dict(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def _run_exchange(cls, **parts):
    log = logging.getLogger(f"nncourse.exchange.{cls.__name__}")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    exchange = cls(**parts)
    exchange.log = log
    exchange.start()


def student_fetch_and_submit(root, student_id, assignment_id, notebook, workdir):
    """As student `student_id`: fetch the released assignment into workdir, put
    `notebook` in place of the released notebook, and submit it.

    This is what a student does in JupyterLab, through nbgrader's own exchange.
    """
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    config = load_config(root)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    parts = _exchange_parts(config, student_id, assignment_id, workdir)
    if not (workdir / assignment_id).exists():
        _run_exchange(ExchangeFetchAssignment, **parts)
    shutil.copyfile(notebook, workdir / assignment_id / f"{assignment_id}.ipynb")
    _run_exchange(ExchangeSubmit, **parts)


def student_fetch_feedback(root, student_id, assignment_id, workdir):
    """As student `student_id`: fetch the released feedback of an assignment into
    workdir/<assignment>/feedback/<timestamp>/ (nbgrader fetch_feedback). Returns
    the feedback HTML files fetched."""
    from nbgrader.exchange.default import ExchangeFetchFeedback
    parts = _exchange_parts(load_config(root), student_id, assignment_id, workdir)
    _run_exchange(ExchangeFetchFeedback, **parts)
    return sorted((Path(workdir) / assignment_id / "feedback").glob("*/*.html"))


def read_notebook(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@contextlib.contextmanager
def quiet_logs():
    """Keep nbgrader's INFO chatter off the instructor's terminal."""
    root_logger = logging.getLogger()
    previous = root_logger.level
    root_logger.setLevel(logging.WARNING)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stderr(sink):
            yield sink
    finally:
        root_logger.setLevel(previous)


def in_root(root):
    """cd into the course root: nbgrader resolves some paths against the cwd."""
    return contextlib.chdir(root)

