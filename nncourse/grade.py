"""Grade a whole class: every submission in submitted/, in parallel.

    python -m nncourse grade [ASSIGNMENT ...] [--workers N] [--force]

Stock nbgrader grades one notebook after another. Here each worker process
imports nbgrader once, builds one NbGraderAPI, and then runs nbgrader's own
`autograde` for many students, fed by concurrent.futures. Nothing here grades:
the scores come from nbgrader and the test cells.

Safe to interrupt and re-run. A submission counts as graded only once
nbgrader has finished it and its ledger file (autograded/<student>/<assignment>/
.graded) records the hash of what was submitted; a re-run grades what is new,
changed or unfinished, and skips the rest. One run at a time: a second run on
the same course refuses with a clear message instead of sharing the gradebook.
"""
import concurrent.futures
import fcntl
import hashlib
import os
import signal
import time
from pathlib import Path

from . import course, gradebook

LEDGER = ".graded"
LOCK = ".grading.lock"


class CourseLock:
    """An exclusive lock on the course's gradebook, for one grading run (or,
    with `shard`, for one shard: different shards may run at once)."""

    def __init__(self, root, shard=None):
        name = LOCK if shard is None else f"{LOCK}.shard-{shard[0]}-of-{shard[1]}"
        self.path = Path(root) / name
        self.file = None

    def __enter__(self):
        self.file = open(self.path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.seek(0)
            holder = self.file.read().strip() or "another process"
            self.file.close()
            raise course.CourseError(
                f"Another grading run is using this course's gradebook ({holder}). "
                "Nothing was changed; wait for it to finish, then run again.") from None
        self.file.seek(0)
        self.file.truncate()
        self.file.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self.file.flush()
        return self

    def __exit__(self, *exc):
        self.file.seek(0)
        self.file.truncate()
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def submission_hash(root, assignment, student):
    """sha256 over the submitted files of one student's assignment."""
    digest = hashlib.sha256()
    folder = Path(root) / "submitted" / student / assignment
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix == ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _ledger(root, assignment, student):
    return Path(root) / "autograded" / student / assignment / LEDGER


def is_done(root, assignment, student):
    ledger = _ledger(root, assignment, student)
    return ledger.exists() and ledger.read_text().strip() == submission_hash(root, assignment, student)


def drop_links(folder):
    """Remove every symbolic link in a submitted folder. nbgrader copies a
    submission by following links, as root: a link to a course file would
    become a copy of it in autograded/ and in the student's feedback."""
    removed = []
    for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
        if path.is_symlink():
            path.unlink()
            removed.append(str(path.relative_to(folder)))
    return removed


def in_shard(student, shard):
    """Whether a student belongs to shard (i, n), 1 <= i <= n: a stable split by
    a hash of the id, the same on every machine and in every run."""
    if shard is None:
        return True
    i, n = shard
    return int(hashlib.sha256(student.encode()).hexdigest(), 16) % n == i - 1


def parse_shard(text):
    try:
        i, n = (int(p) for p in text.split("/"))
    except ValueError:
        raise course.CourseError(f"--shard takes I/N, e.g. 2/4; got {text!r}") from None
    if not 1 <= i <= n:
        raise course.CourseError(f"--shard {text}: I must be between 1 and N")
    return i, n


def submissions(root, assignments=None):
    """[(assignment, student)] found in submitted/, in a stable order."""
    names = assignments or course.assignments(root)
    found = []
    submitted = Path(root) / "submitted"
    if not submitted.is_dir():
        return found
    for student in sorted(p.name for p in submitted.iterdir() if p.is_dir()):
        for a in names:
            if (submitted / student / a).is_dir():
                found.append((a, student))
    return found


# ------------------------------------------------------------------ workers

_API = None
_ROOT = None


def _sqlite_without_fsync_per_commit():
    """nbgrader commits once per graded cell; on sqlite each commit waits for
    the disk (fsync). In write-ahead-log mode (set once on the gradebook by
    _prepare_gradebook, before the workers start), synchronous=NORMAL still
    never corrupts the gradebook and keeps every commit that returned if a
    process crashes; it only skips waiting for the disk on each commit.
    (PostgreSQL gradebooks are untouched.)"""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _pragmas(connection, record):
        if type(connection).__module__.startswith("sqlite3"):
            cursor = connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


#: Address space of one grading worker. It holds nbgrader, the suites and one
#: notebook's data at a time (a few hundred MB); the cap turns anything a
#: notebook makes it build (a lent reference helper called on huge inputs, say)
#: into a MemoryError for that notebook, not a worker killed by the system,
#: which would stop the class run.
WORKER_MEMORY = 4 * 2 ** 30


def _start_worker(root):
    """Runs once per worker process: nbgrader is imported and configured once."""
    global _API, _ROOT
    _ROOT = Path(root)
    os.chdir(root)
    _sqlite_without_fsync_per_commit()
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > WORKER_MEMORY:
            resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, hard))
    except (ImportError, ValueError, OSError):
        pass
    with course.quiet_logs():
        _API = course.api(root)


def _grade_one(assignment, student):
    """nbgrader autograde for one submission; then write its ledger."""
    start = time.perf_counter()
    expected = submission_hash(_ROOT, assignment, student)
    with course.quiet_logs():
        result = _API.autograde(assignment, student, force=True, create=True)
    if result.get("success"):
        _ledger(_ROOT, assignment, student).write_text(expected + "\n")
        error = ""
    else:
        text = (result.get("log") or result.get("error") or "").strip().splitlines()
        error = next((l.strip() for l in reversed(text)
                      if ("Error" in l or "Exception" in l) and "Please see" not in l
                      and "error processing" not in l), "autograde failed")
    return assignment, student, bool(result.get("success")), error, time.perf_counter() - start


# ------------------------------------------------------------------ driver

def _prepare_gradebook(root, todo):
    """Every assignment to grade must be in the gradebook (generate_assignment).
    Every student is added here, before the workers start: two workers grading
    one student's two assignments would otherwise both try to add the student."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy import text
    db = course.load_config(root).CourseDirectory.db_url
    with course.quiet_logs(), Gradebook(db) as gb:
        for a in sorted({a for a, _ in todo}):
            try:
                gb.find_assignment(a)
            except MissingEntry:
                raise course.CourseError(
                    f"'{a}' is not in the gradebook yet: run `nbgrader generate_assignment {a}` "
                    "from the course root first. Nothing was graded.") from None
        for s in sorted({s for _, s in todo}):
            gb.update_or_create_student(s)
        if gb.db.bind.dialect.name == "sqlite":  # persistent; see _sqlite_without_fsync_per_commit
            gb.db.execute(text("PRAGMA journal_mode=WAL"))


def _notes(root, assignment, student):
    """What a TA should know about a graded notebook: timeouts, integrity flags."""
    notes = set()
    for nb_path in (Path(root) / "autograded" / student / assignment).glob("*.ipynb"):
        nb = course.read_notebook(nb_path)
        for c in nb["cells"]:
            for out in c.get("outputs", []):
                text = "".join(out.get("text", "")) if out.get("output_type") == "stream" else ""
                if "INTEGRITY:" in text:
                    notes.add("integrity")
                if "did not finish within" in text or out.get("ename") == "CellTimeoutError":
                    notes.add("timeout")
                if out.get("output_type") == "error" and c["metadata"].get("nbgrader", {}).get("grade"):
                    notes.add("test cell error")
    return sorted(notes)


def grade_class(root=course.ROOT, assignments=None, workers=None, force=False, say=print,
                shard=None):
    """Autograde every pending submission (of one shard, if given).
    Returns {(assignment, student): status}."""
    root = Path(root).resolve()
    # One worker per core, from measurement: a notebook's grader and sandbox take
    # turns, so each notebook keeps about one core busy. On 2 cores, 40 notebooks
    # took 0.268, 0.283 and 0.287 s each with 2, 3 and 4 workers.
    workers = workers or os.cpu_count() or 1
    with CourseLock(root, shard):
        todo, status = [], {}
        for a, s in submissions(root, assignments):
            if not in_shard(s, shard):
                continue
            if not force and is_done(root, a, s):
                status[(a, s)] = "already graded"
            else:
                todo.append((a, s))
        for a, s in todo:
            for link in drop_links(root / "submitted" / s / a):
                say(f"removed a symbolic link from {s}'s {a} submission: {link}")
        say(f"{len(todo)} to grade, {len(status)} already graded, {workers} worker(s)")
        _prepare_gradebook(root, todo)
        start = time.perf_counter()
        done = 0
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, initializer=_start_worker, initargs=(str(root),))
        try:
            futures = [pool.submit(_grade_one, a, s) for a, s in todo]
            for future in concurrent.futures.as_completed(futures):
                a, s, ok, error, seconds = future.result()
                done += 1
                status[(a, s)] = "graded" if ok else f"FAILED: {error}"
                bar = "#" * (20 * done // len(todo))
                say(f"[{bar:<20}] {done}/{len(todo)}  {a}  {s}  "
                    f"{'ok' if ok else 'FAILED'}  {seconds:.1f} s")
        except KeyboardInterrupt:
            say("Interrupted. Finished grades are kept; run again to grade the rest.")
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if todo:
            elapsed = time.perf_counter() - start
            say(f"graded {len(todo)} in {elapsed:.1f} s ({60 * len(todo) / elapsed:.1f} per minute)")
    return status


def summary(root, status):
    """The per-student table printed at the end of a run."""
    table = gradebook.scores(root)
    lines = [f"{'student':<14}{'assignment':<14}{'score':>12}  status / notes"]
    for (a, s), state in sorted(status.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        got = table.get(a, {}).get(s)
        score = f"{sum(got.values()):g}" if got else "-"
        notes = ", ".join(_notes(root, a, s)) if got else ""
        lines.append(f"{s:<14}{a:<14}{score:>12}  {state}{'; ' + notes if notes else ''}")
    return "\n".join(lines)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(args):
    shard = parse_shard(args.shard) if args.shard else None
    # Ctrl-C, `kill -INT` and `kill -TERM` all stop a run the same way: finished
    # grades are kept. (A run started in the background by a script inherits an
    # ignored SIGINT; this undoes that, so it can still be interrupted.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    status = grade_class(course.ROOT, args.assignments or None, args.workers, args.force,
                         shard=shard, say=lambda text: print(text, flush=True))
    print()
    print(summary(course.ROOT, status))
    failed = [k for k, v in status.items() if v.startswith("FAILED")]
    return 1 if failed else 0

