"""Adversarial submissions for the autoencoder, graded by real nbgrader autograde.

Each case is the reference answer with one crafted change: `cells` replaces
solution cells (by grade_id) with the code shown, `transform` edits the notebook
JSON. `expect` lists the test cells that must not get full marks, with their
score ("rest" sets every other cell); `says` is what the student must read in
that notebook's graded output. tests/test_corpus.py runs them all.
"""
from corpus_tools import (CLAIM_A_SCORE, DETECT_GRADING, FILL_DISK, FORK_BOMB, READ_EVERY_WAY,
                          STEAL, WRITE_EVERYWHERE, add_cell_after, add_fake_test_cell, add_outputs, delete_test_cell,
                          duplicate_test_cell, edit_test_cell, move_test_cell_to_top,
                          strip_nbgrader_metadata)

#: Processes that outlive the notebook's sandbox. A reaper (a child subreaper)
#: keeps three chains of small Python processes that fork and exit without pause,
#: so each has a new pid every fraction of a millisecond; _kill_user's one pass
#: over /proc kills the reaper and every pid it listed, not the one forked after
#: the listing. Once the reaper is gone (the sandbox was closed), what is left of
#: the chains kills every process of the sandbox's user id for 60 s: the
#: sandboxes of the students that worker grades next.
def mark_test_cells_as_answers(nb):
    for c in nb["cells"]:
        meta = c["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["solution"] = True


LINGER = """import os as _os, sys as _sys, time as _time

_HOP = '''
import os, signal, sys, time
reaper, until = int(sys.argv[1]), float(sys.argv[2])

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
try:
    while alive(reaper) and time.time() < until:
        try:
            if os.fork():
                os._exit(0)
        except OSError:
            time.sleep(0.001)
    time.sleep(0.05)
    me, session = os.getuid(), os.getsid(0)
    while time.time() < until:
        for entry in os.listdir("/proc"):
            try:
                if os.stat(f"/proc/{entry}").st_uid == me and os.getsid(int(entry)) != session:
                    os.kill(int(entry), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        time.sleep(0.002)
finally:
    os._exit(0)
'''

_REAPER = '''
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)      # PR_SET_CHILD_SUBREAPER
until = sys.argv[2]
for _ in range(3):
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", sys.argv[1], str(os.getppid()), until])
while time.time() < float(until):
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.01)
'''

if _os.fork() == 0:
    try:
        _os.setsid()                # out of the sandbox's process group (killpg)
        _os.execv(_sys.executable, [_sys.executable, "-I", "-S", "-c", _REAPER, _HOP,
                                    str(_time.time() + 60)])
    finally:
        _os._exit(0)
"""

GRADED = ["g", "gGradient", "cost", "numerical_gradient", "forward", "backward", "train"]
SIGNATURES = {"g": "x", "gGradient": "x", "cost": "x, xhat", "numerical_gradient": "f, x, h=1e-5",
              "forward": "x, params", "backward": "x, params, cache",
              "train": "x, params, lr, epochs"}


def every_function(body):
    """Every graded function written as `body`, with {name} and {args} filled in."""
    return {name: f"def {name}({SIGNATURES[name]}):\n    " + body.replace("{name}", name).replace(
        "{args}", SIGNATURES[name].replace("h=1e-5", "h")) for name in GRADED}

ALL_ZERO = {"rest": 0.0}

CASES = {
    "stub": dict(stub=True, expect=ALL_ZERO, says="is not implemented yet"),
    "syntax_error": dict(
        cells={"cost": "def cost(x, xhat)\n    return 0.0"},
        expect={"test_cost": 0.0},
        says="`cost` is not defined. Did the cell that defines it run without errors?"),
    "raises_when_run": dict(
        cells={"g": "import a_module_that_does_not_exist\n\ndef g(x):\n    return 1 / (1 + np.exp(-x))"},
        expect={"test_g_values": 0.0, "test_g_stable": 0.0},
        says="`g` is not defined"),
    "infinite_loop": dict(
        cells={"forward": "def forward(x, params):\n    while True:\n        pass"},
        expect={"test_forward_shapes": 0.0, "test_forward_values": 0.0},
        says="`forward` did not finish within 10 s (an infinite loop?)"),
    "returns_nan": dict(
        cells={"cost": "def cost(x, xhat):\n    return float('nan')"},
        expect={"test_cost": 0.0}, says="cost(x, xhat) is nan"),
    "wrong_dtype": dict(
        cells={"g": "def g(x):\n    return (np.asarray(x) > 0).astype(int)"},
        expect={"test_g_values": 0.0, "test_g_stable": 0.0}, says="has dtype int64; expected floats"),
    "returns_list": dict(
        cells={"gGradient": "def gGradient(x):\n    s = g(x)\n    return (s * (1 - s)).tolist()"},
        expect={"test_gGradient_shape": 0.0, "test_gGradient_values": 0.0},
        says="is a list; return a numpy array"),
    "returns_python_scalar": dict(
        cells={"g": "def g(x):\n    return float(np.mean(1 / (1 + np.exp(-np.asarray(x)))))"},
        expect={"test_g_values": 0.0, "test_g_stable": 0.0}, says="is a scalar (float)"),
    "returns_0d_array": dict(
        cells={"cost": "def cost(x, xhat):\n    return np.asarray(np.sum((x - xhat) ** 2) / (2 * x.shape[0]))"},
        expect={"test_cost": 0.0}, says="is a 0-d array; return a Python float"),
    "mutates_inputs": dict(
        cells={"train": '''def train(x, params, lr, epochs):
    losses = []
    for _ in range(epochs):
        xhat, cache = forward(x, params)
        losses.append(cost(x, xhat))
        grads = backward(x, params, cache)
        for name in params:
            params[name] -= lr * grads[name]
    return params, losses'''},
        expect={"test_train_losses": 0.0, "test_train_converges": 0.0},
        says="`train` changed its argument #2 in place"),
    "huge_allocation": dict(
        cells={"forward": "def forward(x, params):\n    big = np.ones((100_000, 100_000))\n    return big, {}"},
        expect={"test_forward_shapes": 0.0, "test_forward_values": 0.0},
        says="`forward` ran out of memory"),
    "output_spam": dict(
        # 100k lines at the top of a cell, and 1000 more from inside a function at every call.
        cells={"cost": "for i in range(100_000):\n    print('debug', i)\n\n"
                       "def cost(x, xhat):\n    return float(np.sum((x - xhat) ** 2) / (2 * x.shape[0]))",
               "numerical_gradient": """def numerical_gradient(f, x, h=1e-5):
    for i in range(1000):
        print("inside", i)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad"""},
        expect={}, says="test_numerical_gradient: 2 of 2 points"),
    "sys_exit": dict(
        cells={"cost": "import sys\n\ndef cost(x, xhat):\n    return float(np.sum((x - xhat) ** 2) / (2 * x.shape[0]))\n\nsys.exit()"},
        expect={}, says="test_cost: 2 of 2 points"),
    "test_cell_deleted": dict(
        transform=delete_test_cell("test_cost"), expect={}, says="test_cost: 2 of 2 points"),
    "test_cell_edited": dict(
        transform=edit_test_cell("test_backward_numerical_gradient", "print('all good')\n6"),
        cells={"backward": "def backward(x, params, cache):\n    return {k: np.zeros_like(v) for k, v in params.items()}"},
        expect={"test_backward_shapes": 1.0, "test_backward_numerical_gradient": 0.0},
        says="test_backward_numerical_gradient: 0 of 6 points"),
    "test_cell_moved_up": dict(
        transform=move_test_cell_to_top("test_train_converges"),
        expect={"test_train_converges": 0.0}, says="`train` is not defined"),
    "test_cell_duplicated": dict(
        transform=duplicate_test_cell("test_cost"), expect={}, says="test_cost: 2 of 2 points"),
    # Patching numpy, nncheck or the checks in the notebook's own process
    # changes nothing: the checks run in the grader's process. (Before the
    # sandbox, these scored 0 for tampering; now they get what the code earns.)
    "patches_allclose": dict(
        cells={"g": "def g(x):\n    return 1 / (1 + np.exp(-x))\n\nnp.allclose = lambda *a, **k: True\n"
                    "np.isclose = lambda *a, **k: True"},
        expect={}, says="test_g_values: 1 of 1 points"),
    "patches_np_testing": dict(
        cells={"cost": "def cost(x, xhat):\n    return 0.0\n\n"
                       "np.testing.assert_allclose = lambda *a, **k: None"},
        expect={"test_cost": 0.0}, says="cost(x, xhat) with x of shape (3, 2) is wrong"),
    "redefines_course_helpers": dict(
        cells={"g": "import nncheck\n\ndef g(x):\n    return 1 / (1 + np.exp(-x))\n\n"
                    "def check(*args, **kwargs):\n    return 100\n\n"
                    "nncheck.expect_close = lambda *a, **k: None\n"
                    "nncheck.run_check = lambda *a, **k: None",
               "cost": "def cost(x, xhat):\n    return 0.0"},
        expect={"test_cost": 0.0}, says="cost(x, xhat) with x of shape (3, 2) is wrong"),
    "imports_reference": dict(
        cells={"backward": "import sys\nsys.path.insert(0, '{course_root}')\n"
                           "from solutions.autoencoder import backward"},
        expect={"test_backward_shapes": 0.0, "test_backward_numerical_gradient": 0.0},
        says="`backward` is not defined"),
    # What a student who has read every line of the grader would try.
    "steals_reference_from_memory": dict(
        cells=dict(every_function("return _steal('{name}')({args})"), g=STEAL + """
def g(x):
    return _steal('g')(x)"""),
        expect=ALL_ZERO, says="raised LookupError: no reference solution in this process"),
    "imports_the_grader": dict(
        cells=dict(every_function("import sys\n    sys.path.insert(0, '{course_root}')\n"
                                  "    from nncourse import suites\n"
                                  "    return getattr(suites.load_suite('autoencoder', '{course_root}')"
                                  ".reference, '{name}')({args})")),
        expect=ALL_ZERO, says="PermissionError"),
    "claims_a_score": dict(
        stub=True, extra=("setup", CLAIM_A_SCORE), expect=ALL_ZERO, says="is not implemented yet"),
    "reads_course_files": dict(
        stub=True, extra=("setup", READ_EVERY_WAY), expect=ALL_ZERO,
        says="cat failed: CalledProcessError",
        absent=["CURVE_RTOL", "def _numerical_check", "### BEGIN SOLUTION", "SQLite format"]),
    "writes_course_files": dict(
        extra=("setup", WRITE_EVERYWHERE), expect={}, says="could not write",
        absent=["wrote {course_root}"]),
    "detects_grading": dict(
        cells=dict(every_function("if _being_graded():\n        return _steal('{name}')({args})\n"
                                  "    raise NotImplementedError"),
                   g=DETECT_GRADING + STEAL + """
def g(x):
    if _being_graded():
        return _steal('g')(x)
    raise NotImplementedError"""),
        expect=ALL_ZERO, says="no reference solution in this process"),
    "fork_bomb": dict(
        extra=("setup", FORK_BOMB), expect={}, says="fork stopped after"),
    "fills_disk": dict(
        extra=("setup", FILL_DISK), expect={}, says="the disk write stopped after 64 MiB"),
    "ndarray_subclass": dict(
        cells={"forward": '''class Agreeable(np.ndarray):
    def __eq__(self, other):
        return True

def forward(x, params):
    z1 = x @ params["w1"] + params["b1"]; h1 = g(z1)
    z2 = h1 @ params["w2"] + params["b2"]; h2 = g(z2)
    xhat = (h2 @ params["w3"] + params["b3"] + 1.0).view(Agreeable)
    return xhat, {"z1": z1, "h1": h1, "z2": z2, "h2": h2}'''},
        expect={"test_forward_shapes": 0.0, "test_forward_values": 0.0},
        says="is an Agreeable, not a plain numpy array"),
    "eq_always_true": dict(
        cells={"cost": '''class Yes(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__

def cost(x, xhat):
    return Yes(123.0)'''},
        expect={"test_cost": 0.0}, says="is a Yes; return a Python float"),
    "adds_a_test_cell": dict(
        transform=add_fake_test_cell, expect={}, says="test_g_values: 1 of 1 points"),
    # What the notebook says a function must do, graded as it says.
    "backward_reads_xhat_from_cache": dict(
        # Passes with its own forward; grading gives backward the cache the notebook promises.
        cells={"forward": """def forward(x, params):
    z1 = x @ params["w1"] + params["b1"]
    h1 = g(z1)
    z2 = h1 @ params["w2"] + params["b2"]
    h2 = g(z2)
    xhat = h2 @ params["w3"] + params["b3"]
    return xhat, {"z1": z1, "h1": h1, "z2": z2, "h2": h2, "xhat": xhat}""",
               "backward": """def backward(x, params, cache):
    m = x.shape[0]
    h1, h2 = cache["h1"], cache["h2"]
    dxhat = (cache["xhat"] - x) / m
    dz2 = (dxhat @ params["w3"].T) * gGradient(cache["z2"])
    dz1 = (dz2 @ params["w2"].T) * gGradient(cache["z1"])
    return {"w1": x.T @ dz1, "b1": dz1.sum(axis=0), "w2": h1.T @ dz2, "b2": dz2.sum(axis=0),
            "w3": h2.T @ dxhat, "b3": dxhat.sum(axis=0)}"""},
        expect={"test_backward_shapes": 0.0, "test_backward_numerical_gradient": 0.0},
        says="backward may read only z1, h1, z2 and h2 from the cache"),
    "numerical_gradient_on_copies": dict(
        cells={"numerical_gradient": """def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad"""},
        expect={"test_numerical_gradient": 1.33},
        says="numerical_gradient perturbs copies of x"),
    "numerical_gradient_restores_by_arithmetic": dict(
        cells={"numerical_gradient": """def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h
        grad[i] = (plus - minus) / (2 * h)
    return grad"""},
        expect={}, says="test_numerical_gradient: 2 of 2 points"),
    "metadata_stripped": dict(
        transform=strip_nbgrader_metadata, expect={}, says="test_cost: 2 of 2 points"),
    "saved_with_outputs": dict(
        transform=add_outputs, expect={}, says="test_g_values: 1 of 1 points"),
    "backward_rebinds_lent_helpers": dict(
        # A backward that returns zeros and rebinds `cost` in the notebook: the public
        # gradient checks compute cost(x, forward(x, params)[0]) with the helpers
        # lent for the check, as the check knows them, never looked up again.
        cells={"backward": """def backward(x, params, cache):
    globals()["cost"] = lambda x, xhat: 0.0
    return {k: np.zeros_like(v) for k, v in params.items()}"""},
        expect={"test_backward_numerical_gradient": 0.0},
        says="test_backward_numerical_gradient: 0 of 6 points"),
    "forged_frame_fails_the_notebook": dict(
        # A cell writes a frame of its own to the grader's pipe: a "timeout" answer
        # to the request that runs the cell. Any answer that is not the cell's
        # result stops that sandbox; a new one runs the cells again, and grading goes on.
        extra=("setup", """import json as _json, os as _os, struct as _struct, sys as _sys
_fd = _json.loads(_sys.argv[1])["fd_out"]
_head = _json.dumps({"op": "raise", "kind": "timeout"}).encode()
_os.write(_fd, _struct.pack(">II", len(_head), 0) + _head)
"""),
        expect={}, says="test_cost: 2 of 2 points"),
    # A notebook that leaves processes behind (they leave the process group with
    # setsid and change their pid every millisecond) to signal, read or trace the
    # sandboxes of the students graded after it. Each sandbox has a user id of its
    # own, and kill -1 as that user ends every one of its processes at once; the
    # zz_lingering_victim_* notebooks are the reference answer and keep full marks
    # whichever worker grades them.
    "zz_lingering_attacker": dict(extra=("setup", LINGER), expect={}, says="test_cost: 2 of 2 points"),
    **{f"zz_lingering_victim_{i}": dict(expect={}, says="test_train_converges: 2 of 2 points")
       for i in range(1, 5)},
    "half_frame_stalls_the_grader": dict(
        # A cell writes the first 2 bytes of a frame header to the grader's pipe,
        # blocks SIGALRM (the sandbox's own timer) and sleeps. The grader reads
        # every part of a frame against the cell's deadline (20 s + 5 s): then it
        # stops that sandbox, and the rest of the notebook is graded.
        extra=("setup", """import json as _json, os as _os, signal as _signal, sys as _sys, time as _time
_signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGALRM})
_os.write(_json.loads(_sys.argv[1])["fd_out"], b"\\0\\0")
_time.sleep(45)
_os._exit(0)
"""),
        expect={}, says="past its time limit"),
    "symlink_in_submission": dict(
        # A symlink in the submitted folder, to a file only root can read. nbgrader
        # copies a submission as root, following links: grading removes every link
        # from the submission first, and never copies one into a sandbox.
        stub=True, symlinks={"notes.py": "{course_root}/solutions/{assignment}.py"},
        extra=("setup", "try:\n    print(open('notes.py').read())\nexcept OSError as e:\n"
                        "    print('no notes:', type(e).__name__)\n"),
        expect=ALL_ZERO, says="is not implemented yet",
        absent=["Reference solution: a one-hidden-layer autoencoder in numpy."]),
    "test_cells_marked_as_answers": dict(
        # Every test cell's nbgrader metadata says solution: true, and its source
        # prints a score: a test cell must still be graded by the grader, never run.
        stub=True, extra=("setup", CLAIM_A_SCORE), transform=mark_test_cells_as_answers,
        expect=ALL_ZERO, says="is not implemented yet"),
    "train_fabricates_losses": dict(
        # No training: the cost before any update (from the lent helpers), then a
        # made-up curve that falls. One epoch must be one gradient step, and the
        # params returned must have the cost the last loss reports.
        cells={"train": """def train(x, params, lr, epochs):
    first = cost(x, forward(x, params)[0])
    return {k: v.copy() for k, v in params.items()}, [first * 0.9 ** i for i in range(epochs)]"""},
        expect={"test_train_losses": 0.0, "test_train_converges": 0.0},
        says="test_train_converges: 0 of 2 points"),
    "keeps_a_lent_helper": dict(
        # train keeps the reference `backward` it was lent; a cell after the last
        # test cell calls it on inputs of its own and prints what it gets.
        cells={"train": """_kept = []

def train(x, params, lr, epochs):
    _kept.append(backward)
    params = {k: v.copy() for k, v in params.items()}
    losses = []
    for _ in range(epochs):
        xhat, cache = forward(x, params)
        losses.append(cost(x, xhat))
        grads = backward(x, params, cache)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params, losses"""},
        extra=("test_train_converges", """try:
    print("kept:", _kept[0](np.ones((2, 3)), init_params(3, 2), forward(np.ones((2, 3)), init_params(3, 2))[1]))
except Exception as e:
    print("kept helper:", e)
"""),
        expect={}, says="this helper was lent to one check, which has ended"),
}
