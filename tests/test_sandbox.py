"""The boundary to student code (nncourse/sandbox.py, nncourse/runner.py).

Only data crosses, in a format that cannot run code; student objects stay in
the sandbox; functions lent to a check expire with it; a hung or crashed
sandbox is replaced; as root the sandbox is another user who cannot read the
course; without root an audit hook refuses the casual reads."""
import json
import os

import numpy as np
import pytest

from conftest import ROOT, copy_course
from nncourse import nncheck, runner, sandbox

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _roundtrip(value):
    blobs = []
    obj = runner.encode(value, blobs, lambda v: {"R": 1})
    header = json.loads(json.dumps(obj))
    return runner.decode(header, blobs, lambda tag: ("ref", tag["R"]))


def test_data_crosses_exactly():
    value = {"a": [1, 2.5, None, True, "s"], 3: (np.arange(6.0).reshape(2, 3), np.float64(0.5)),
             "f32": np.ones(2, dtype=np.float32), "i": np.int64(7), "nan": float("nan")}
    back = _roundtrip(value)
    assert type(back[3][0]) is np.ndarray and np.array_equal(back[3][0], value[3][0])
    assert type(back[3][1]) is np.float64 and type(back["i"]) is np.int64
    assert back["f32"].dtype == np.float32 and back["a"] == value["a"]
    assert back["nan"] != back["nan"]


def test_what_is_not_plain_data_crosses_as_a_reference():
    class Agreeable(np.ndarray):
        pass

    class Yes(float):
        pass
    for value in (np.zeros(2).view(Agreeable), Yes(1.0), np.array([object()]), lambda: 0):
        assert _roundtrip(value) == ("ref", 1)


@pytest.mark.parametrize("obj", [
    {"A": 0, "dtype": "|O", "shape": [1]},                   # object arrays would unpickle
    {"A": 0, "dtype": "<f8", "shape": [5]},                  # bytes do not match the shape
    {"A": 0, "dtype": [["a", "<f8"]], "shape": [1]},
    {"X": 1},
])
def test_malformed_or_unsafe_frames_are_refused(obj):
    with pytest.raises((runner.WireError, TypeError, ValueError)):
        runner.decode(obj, [b"\0" * 8], lambda tag: (_ for _ in ()).throw(runner.WireError()))


@pytest.fixture
def box(tmp_path):
    (tmp_path / "note.txt").write_text("the student's own file")
    with sandbox.Sandbox(tmp_path, call_timeout=2.0, timeout_error=nncheck.CallTimeout,
                         uid=sandbox.sandbox_uid()) as box:
        yield box


def test_student_objects_stay_in_the_sandbox(box):
    box.run_cell("import numpy as np\nclass Net:\n    def __init__(self):\n"
                 "        self.w = np.ones((2, 2))\n    def f(self, x):\n        return self.w @ x\n"
                 "net = Net()", "<cell 1>", 10)
    ns = sandbox.RemoteNamespace(box)
    net = ns.get("net")
    assert isinstance(net, sandbox.Remote) and nncheck.type_name(net) == "Net"
    assert isinstance(net, ns.get("Net")) and nncheck.is_class(ns.get("Net"))
    assert np.array_equal(net.f(np.ones(2)), [2.0, 2.0])
    net.w = np.eye(2)
    assert np.array_equal(net.w, np.eye(2))
    assert ns.get("undefined") is None and "net" in ns


def test_a_lent_function_answers_only_during_its_check(box):
    box.run_cell("def train(x):\n    global kept\n    kept = helper\n    return helper(x) + 1",
                 "<cell 1>", 10)
    ns = sandbox.RemoteNamespace(box)
    sub = nncheck.Submission(ns)
    with sub.using(helper=lambda x: x * 10):
        assert sub.train(2.0) == 21.0
    ns.end_check()
    box.run_cell("try:\n    kept(1)\nexcept RuntimeError as e:\n    print('refused:', e)",
                 "<cell 2>", 10)
    out = box.run_cell("print(kept.__name__)", "<cell 3>", 10)
    assert "grader_function" in out["stdout"]
    assert "refused: this helper was lent to one check, which has ended" in \
        box.run_cell("try:\n    kept(1)\nexcept RuntimeError as e:\n    print('refused:', e)",
                     "<cell 4>", 10)["stdout"]


def test_errors_come_back_named_and_cannot_stop_the_grader(box):
    box.run_cell("def f():\n    raise SystemExit('bye')\ndef g():\n    raise KeyError('xhat')",
                 "<cell 1>", 10)
    ns = sandbox.RemoteNamespace(box)
    with pytest.raises(Exception) as info:
        ns.get("f")()
    assert type(info.value).__name__ == "SystemExit" and not isinstance(info.value, SystemExit)
    with pytest.raises(KeyError, match="xhat"):
        ns.get("g")()


def test_inputs_changed_in_place_are_reported(box):
    box.run_cell("def f(x):\n    x += 1\n    return 0.0", "<cell 1>", 10)
    with pytest.raises(nncheck.CheckFailed, match="changed its argument #1 in place"):
        nncheck.Submission(sandbox.RemoteNamespace(box)).f(np.zeros(3))


def test_a_hung_sandbox_is_replaced_and_the_rest_still_works(box):
    box.run_cell("def ok():\n    return 1.0\ndef hang():\n    while True:\n        try:\n"
                 "            while True: pass\n        except BaseException:\n            pass",
                 "<cell 1>", 10)
    sub = nncheck.Submission(sandbox.RemoteNamespace(box))
    with pytest.raises(nncheck.CheckFailed, match="did not finish"):
        sub.hang()
    assert sub.ok() == 1.0          # a new process, the same cells run again
    with pytest.raises(nncheck.CheckFailed, match="not called again"):
        sub.hang()


def test_a_crashing_sandbox_is_replaced(box):
    box.run_cell("import os, signal\ndef crash():\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                 "def ok():\n    return 2.0", "<cell 1>", 10)
    sub = nncheck.Submission(sandbox.RemoteNamespace(box))
    with pytest.raises(nncheck.CheckFailed, match="process stopped"):
        sub.crash()
    assert sub.ok() == 2.0


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run the sandbox as another user")
def test_as_root_the_sandbox_is_another_user_who_cannot_read_the_course(tmp_path):
    root = copy_course(tmp_path / "course")
    uid = sandbox.secure_course(root)
    assert uid is not None and uid != 0
    secrets = sandbox.secrets(root)
    assert any("solutions" in str(p) for p in secrets) and any("hidden" in str(p) for p in secrets)
    with sandbox.Sandbox(root / "release" / "autoencoder", uid=uid) as box:
        assert box.probe(secrets) == []
        out = box.run_cell("import os\nprint(os.getuid())\nprint(open('autoencoder.ipynb').read(9))",
                           "<cell 1>", 10)
        assert out["stdout"].split()[0] == str(uid) and out["error"] is None
        for command in (f"open({str(root / 'solutions' / 'autoencoder.py')!r}).read()",
                        f"import subprocess; subprocess.run(['cat', "
                        f"{str(root / 'tests' / 'hidden' / 'mlp_hidden.py')!r}], check=True)"):
            out = box.run_cell(command, "<cell 2>", 10)
            assert out["error"] is not None, command


def test_without_root_the_audit_hook_refuses_course_files(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    with sandbox.Sandbox(folder, uid=None, protect=[ROOT]) as box:
        out = box.run_cell(f"open({str(ROOT / 'solutions' / 'autoencoder.py')!r}).read()",
                           "<cell 1>", 10)
        assert out["error"]["ename"] == "PermissionError"
        out = box.run_cell("import numpy, os\nprint(numpy.ones(2).sum())", "<cell 2>", 10)
        assert out["error"] is None and out["stdout"].strip() == "2.0"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run the sandbox as another user")
def test_grading_refuses_to_start_when_the_course_stays_readable(monkeypatch):
    """If the sandbox's user could still read a course file after the course was
    closed to it (here: a file system that ignores chmod, as some mounts and
    ACLs do), grading stops before any notebook runs, and says what to change."""
    import shutil
    import tempfile
    from pathlib import Path
    place = Path(tempfile.mkdtemp(prefix="nncourse-open-"))   # a folder anyone can enter
    place.chmod(0o711)
    root = copy_course(place / "course")
    monkeypatch.setattr(sandbox, "_SECURED", {})
    monkeypatch.setattr(sandbox.os, "chmod", lambda *args, **kwargs: None)
    try:
        with pytest.raises(sandbox.SandboxError, match=r"could read course files.*solutions/"):
            sandbox.secure_course(root)
    finally:
        shutil.rmtree(place)


def test_the_hidden_suite_runs_under_pytest_against_a_notebook():
    """`pytest tests/hidden/<a>_hidden.py --notebook <nb>`: the demo student who
    averages the bias gradients fails exactly the three bias checks, public and
    hidden; the reference notebook passes everything."""
    import subprocess
    import sys

    def run(notebook):
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             str(ROOT / "tests" / "hidden" / "autoencoder_hidden.py"),
             "--notebook", str(ROOT / "tests" / "demo" / "autoencoder" / notebook)],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
    dev = run("dev.ipynb")
    failed = sorted(line.split("::")[1].split()[0] for line in dev.stdout.splitlines()
                    if line.startswith("FAILED"))
    assert dev.returncode == 1, dev.stdout[-2000:]
    assert failed == sorted(f"test_backward_{b}_{kind}" for b in ("b1", "b2", "b3")
                            for kind in ("hidden", "public")), dev.stdout[-2000:]
    ada = run("ada.ipynb")
    assert ada.returncode == 0 and " passed" in ada.stdout, ada.stdout[-2000:]
