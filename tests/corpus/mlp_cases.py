"""Adversarial submissions for the mlp (the NeuralNetwork class), graded by real nbgrader autograde.

Each case is the reference answer with one crafted change: `cells` replaces
solution cells (by grade_id) with the code shown, `transform` edits the notebook
JSON. `expect` lists the test cells that must not get full marks, with their
score ("rest" sets every other cell, "rest_after" every cell after the last one
named); `says` is what the student must read in that notebook's graded output,
and `absent` (optional) what they must not.
tests/test_corpus.py runs them all.

The whole class is one solution cell, "NeuralNetwork". So a case replaces that
cell with the reference class (read from solutions/mlp.py, so the cases follow
the reference) in which one method is broken, by a targeted edit that must
apply. An error at the top level of that cell, before the class statement,
leaves NeuralNetwork undefined: then every test cell scores 0, whatever the
methods would have done. Every method is graded with the reference versions of
the methods it calls (DEPENDS in mlp_checks.py), so a broken method costs only
its own cells.
"""
import textwrap
from pathlib import Path

from corpus_tools import (CLAIM_A_SCORE, READ_EVERY_WAY, STEAL, add_outputs, delete_test_cell,
                          duplicate_test_cell, edit_test_cell, move_test_cell_to_top,
                          strip_nbgrader_metadata)

ALL_ZERO = {"rest": 0.0}
CELL = "NeuralNetwork"       # grade_id of the one solution cell

_REFERENCE = (Path(__file__).resolve().parents[2] / "solutions" / "mlp.py").read_text(encoding="utf-8")
CLASS = _REFERENCE[_REFERENCE.index("class NeuralNetwork:"):].rstrip("\n") + "\n"


def edit(old, new, source=CLASS):
    """source with the one occurrence of `old` replaced by `new`."""
    assert source.count(old) == 1, f"expected exactly one {old!r} in the reference class"
    return source.replace(old, new)


def _method_span(name, source=CLASS):
    """(start, end) of method `name` in source: its decorators, def and body,
    without the blank lines after it."""
    lines = source.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(f"    def {name}(")]
    assert len(starts) == 1, f"expected one method {name!r} in the reference class"
    first = starts[0]
    while lines[first - 1].startswith("    @"):
        first -= 1
    last = starts[0] + 1
    while last < len(lines) and not (lines[last].startswith("    ") and lines[last][4] not in " \n"):
        last += 1
    while not lines[last - 1].strip():
        last -= 1
    offset = [0]
    for line in lines:
        offset.append(offset[-1] + len(line))
    return offset[first], offset[last]


def swap_method(name, new, source=CLASS):
    """source with method `name` replaced by `new` (written at column 0; it is
    indented into the class), or removed if `new` is empty."""
    start, end = _method_span(name, source)
    body = textwrap.indent(textwrap.dedent(new).strip("\n") + "\n", "    ") if new else ""
    rest = source[end:]
    if not new:
        rest = rest.lstrip("\n")
        return (source[:start] + rest).rstrip("\n") + "\n"
    return source[:start] + body + rest


def class_with(name, new):
    return {CELL: swap_method(name, new)}


CASES = {
    "stub": dict(stub=True, expect=ALL_ZERO, says="is not implemented yet"),
    "syntax_error": dict(
        cells={CELL: edit("    def feedforward(self, x):\n", "    def feedforward(self, x)\n")},
        expect=ALL_ZERO,
        says="`NeuralNetwork` is not defined. Did the cell that defines it run without errors?"),
    "raises_when_run": dict(
        # Before the class statement: the class is never defined.
        cells={CELL: "import a_module_that_does_not_exist\n\n" + CLASS},
        expect=ALL_ZERO, says="`NeuralNetwork` is not defined"),
    "raises_after_class": dict(
        # After the class statement: the class exists, and that is all that is graded.
        cells={CELL: CLASS + "\nraise RuntimeError('the class is defined; then this')\n"},
        expect={}, says="test_init_shapes: 1 of 1 points"),
    "infinite_loop": dict(
        # A loop that never ends, in backpropagation. Its checks each stop it
        # after 10 s once, then fail at once; train keeps its points (its checks
        # use the reference backpropagation). The demo cells that train hit
        # their 20 s cell limit and score nothing either way. No traceback of
        # an interrupted cell may read or show the hidden suite (see `absent`).
        cells={CELL: edit("        deltas = [None] * L\n",
                          "        deltas = [None] * L\n"
                          "        while L > 0:\n"
                          "            deltas[-1] = 0\n")},
        expect={"test_backpropagation_shapes": 0.0,
                "test_backpropagation_numerical_gradient": 0.0},
        says="`NeuralNetwork.backpropagation` did not finish within 10 s earlier, "
             "so it was not called again."),
    "sys_exit_in_method": dict(
        # SystemExit is not an Exception: it must still be a failed check, not
        # the end of the checks.
        cells={CELL: "import sys\n\n" + edit("        a = np.asarray(x, dtype=float)\n",
                                              "        sys.exit('bye')\n"
                                              "        a = np.asarray(x, dtype=float)\n")},
        expect={"test_feedforward_shapes": 0.0, "test_feedforward_values": 0.0},
        says="`NeuralNetwork.feedforward` raised SystemExit: bye"),
    "returns_nan": dict(
        # e^-z / (1 + e^-z)^2 is exact, but inf / inf = nan once -z > 709.
        cells={CELL: edit("                return 0.25 * (1.0 - t) * (1.0 + t)\n",
                          "                return np.exp(-z) / (1.0 + np.exp(-z)) ** 2\n")},
        expect={"test_getDerivativeActivationFunction_stable": 0.0},
        says="sigmoid'([[-1000, 1000]]) contains nan or inf."),
    "wrong_dtype": dict(
        cells={CELL: edit("            return lambda z: (np.asarray(z) > 0).astype(float)\n",
                          "            return lambda z: np.asarray(z) > 0\n")},
        expect={"test_getDerivativeActivationFunction": 0.0},
        # A wrong type only: no known mistake is named (they reproduce the values).
        says="has dtype bool; expected floats", absent=["This looks like a known mistake"]),
    "returns_list": dict(
        cells={CELL: edit("size=(n_out, n_in))\n", "size=(n_out, n_in)).tolist()\n")},
        expect={"test_init_shapes": 0.0},
        says="weights[0] is a list; return a numpy array of shape (10, 2)"),
    "returns_python_scalar": dict(
        cells={CELL: edit("db = [d.sum(axis=1, keepdims=True) for d in deltas]",
                          "db = [float(d.sum()) for d in deltas]")},
        expect={"test_backpropagation_shapes": 0.0,
                "test_backpropagation_numerical_gradient": 0.0},
        says="db[0] (the shape of biases[0]) is a scalar (float)"),
    "returns_0d_array": dict(
        cells={CELL: edit("losses.append(float(np.sum((a_last - y) ** 2) / (2.0 * n)))",
                          "losses.append(np.asarray(np.sum((a_last - y) ** 2) / (2.0 * n)))")},
        expect={"test_train_converges": 0.0},
        says="losses[0] is a 0-d array; return a Python float"),
    "mutates_inputs": dict(
        # The error is computed in y's own memory: the caller's y is overwritten.
        cells={CELL: edit("            losses.append(float(np.sum((a_last - y) ** 2) / (2.0 * n)))\n",
                          "            err = y\n"
                          "            err -= a_last\n"
                          "            losses.append(float(np.sum(err ** 2) / (2.0 * n)))\n")},
        expect={"test_train_updates": 0.0, "test_train_converges": 0.0},
        says="`NeuralNetwork.train` changed its argument #2 in place"),
    "huge_allocation": dict(
        # Only __init__'s cells: the other checks build their networks without it.
        cells={CELL: edit("        if len(layers) != len(activations) + 1:\n",
                          "        scratch = np.ones((100_000, 100_000))\n"
                          "        if len(layers) != len(activations) + 1:\n")},
        expect={"test_init_shapes": 0.0, "test_init_mismatch": 0.0},
        says="`NeuralNetwork.__init__` ran out of memory"),
    "output_spam": dict(
        # 100k lines at the top of the cell, and 1000 more from __init__ at every
        # call (the demo cells build three networks, and call train and
        # feedforward in loops, so those stay quiet).
        cells={CELL: "for i in range(100_000):\n    print('debug', i)\n\n" + edit(
            "        self.layers = list(layers)\n",
            "        for i in range(1000):\n"
            "            print('init', i)\n"
            "        self.layers = list(layers)\n")},
        expect={}, says="test_init_shapes: 1 of 1 points"),
    "sys_exit": dict(
        cells={CELL: "import sys\n\n" + CLASS + "\nsys.exit()\n"},
        expect={}, says="test_train_converges: 2 of 2 points"),
    # What the notebook says a method must do, graded as it says.
    "train_loss_mean_over_entries": dict(
        # 0.5 * mean over every entry is C / k for k outputs: right only for one output.
        cells={CELL: edit("            losses.append(float(np.sum((a_last - y) ** 2) / (2.0 * n)))\n",
                          "            losses.append(float(0.5 * np.mean((a_last - y) ** 2)))\n")},
        expect={"test_train_converges": 0.0},
        says="losses[e] is 0.5 * mean((a - y)**2) over every entry, which is C divided by the "
             "number of outputs."),
    "init_blog_weights": dict(
        # The blog's start: standard normal weights and random biases.
        cells={CELL: edit("        self.weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))\n",
                          "        self.weights = [rng.normal(0.0, 1.0, size=(n_out, n_in))\n")},
        expect={"test_init_shapes": 0.67},
        says="the notebook starts the weights of layer l at N(0, 1/layers[l])"),
    "missing_staticmethod": dict(
        # Called on the class, it would still work; the network calls it as
        # self.getActivationFunction(name), which passes self as the name.
        cells={CELL: edit("    @staticmethod\n    def getActivationFunction(name):\n",
                          "    def getActivationFunction(name):\n")},
        expect={"test_getActivationFunction": 0.0, "test_getActivationFunction_stable": 0.0,
                "test_getActivationFunction_unknown": 0.0},
        says="`NeuralNetwork.getActivationFunction` must be a @staticmethod."),
    "method_missing": dict(
        cells=class_with("train", ""),
        expect={"test_train_updates": 0.0, "test_train_converges": 0.0},
        says="`NeuralNetwork.train` is not defined."),
    "test_cell_deleted": dict(
        transform=delete_test_cell("test_feedforward_values"), expect={},
        says="test_feedforward_values: 2 of 2 points"),
    "test_cell_edited": dict(
        transform=edit_test_cell("test_backpropagation_numerical_gradient", "print('all good')\n6"),
        cells=class_with("backpropagation", '''
            def backpropagation(self, y, z_s, a_s):
                return [np.zeros_like(w) for w in self.weights], [np.zeros_like(b) for b in self.biases]'''),
        expect={"test_backpropagation_numerical_gradient": 0.0},
        says="test_backpropagation_numerical_gradient: 0 of 6 points"),
    "test_cell_moved_up": dict(
        transform=move_test_cell_to_top("test_train_converges"),
        expect={"test_train_converges": 0.0}, says="`NeuralNetwork` is not defined"),
    "test_cell_duplicated": dict(
        transform=duplicate_test_cell("test_init_shapes"), expect={},
        says="test_init_shapes: 1 of 1 points"),
    # Patching numpy, nncheck or the checks in the notebook's own process
    # changes nothing: the checks run in the grader's process. (Before the
    # sandbox, these scored 0 for tampering; now they get what the code earns.)
    "patches_allclose": dict(
        cells={CELL: CLASS + "\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"},
        expect={}, says="test_init_shapes: 1 of 1 points"),
    "patches_np_testing": dict(
        cells={CELL: edit("        batch = y.shape[1]\n",
                          "        np.testing.assert_allclose = lambda *a, **k: None\n"
                          "        batch = y.shape[1]\n")},
        expect={}, says="test_backpropagation_shapes: 1 of 1 points"),
    "redefines_course_helpers": dict(
        cells={CELL: "import nncheck\nimport mlp_checks\n\n" + CLASS + "\n"
                     "def check(*args, **kwargs):\n    return 100\n\n"
                     "nncheck.expect_close = lambda *a, **k: None\n"
                     "mlp_checks.check_gradients = lambda result, layers: result\n"},
        expect={}, says="test_init_shapes: 1 of 1 points"),
    "imports_reference": dict(
        cells={CELL: "import sys\nsys.path.insert(0, '{course_root}')\n"
                     "from solutions.mlp import NeuralNetwork"},
        expect=ALL_ZERO, says="`NeuralNetwork` is not defined"),
    "reads_hidden_suite_when_graded": dict(
        # The notebook's process cannot read the hidden suite, whatever it tries;
        # the attempt itself costs nothing.
        cells={CELL: "import os\n\n" + edit(
            "        a = np.asarray(x, dtype=float)\n",
            "        try:\n"
            "            with open('{course_root}/tests/hidden/mlp_hidden.py') as f:\n"
            "                print(f.read())\n"
            "        except OSError:\n"
            "            pass\n"
            "        a = np.asarray(x, dtype=float)\n")},
        expect={}, says="test_feedforward_shapes: 1 of 1 points", absent=["CURVE_RTOL"]),
    # What a student who has read every line of the grader would try.
    "steals_reference_from_memory": dict(
        cells={CELL: STEAL + "\nNeuralNetwork = _steal('NeuralNetwork')\n"},
        expect=ALL_ZERO, says="`NeuralNetwork` is not defined"),
    "claims_a_score": dict(
        stub=True, extra=("setup", CLAIM_A_SCORE), expect=ALL_ZERO, says="is not implemented yet"),
    "reads_course_files": dict(
        stub=True, extra=("setup", READ_EVERY_WAY), expect=ALL_ZERO,
        says="cat failed: CalledProcessError",
        absent=["CURVE_RTOL", "### BEGIN SOLUTION", "SQLite format"]),
    "ndarray_subclass": dict(
        cells={CELL: "class Agreeable(np.ndarray):\n    def __eq__(self, other):\n        return True\n\n\n"
                     + edit("            return lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))\n",
                            "            return lambda z: (0.5 * (1.0 + np.tanh(0.5 * z))).view(Agreeable)\n")},
        expect={"test_getActivationFunction": 0.0, "test_getActivationFunction_stable": 0.0},
        says="is an Agreeable, not a plain numpy array"),
    "eq_always_true": dict(
        cells={CELL: "class Yes(float):\n    def __eq__(self, other):\n        return True\n"
                     "    __hash__ = float.__hash__\n\n\n"
                     + edit("losses.append(float(np.sum((a_last - y) ** 2) / (2.0 * n)))",
                            "losses.append(Yes(np.sum((a_last - y) ** 2) / (2.0 * n)))")},
        expect={"test_train_converges": 0.0}, says="losses[0] is a Yes; return a Python float"),
    "metadata_stripped": dict(
        transform=strip_nbgrader_metadata, expect={}, says="test_train_converges: 2 of 2 points"),
    "saved_with_outputs": dict(
        transform=add_outputs, expect={}, says="test_getActivationFunction: 2 of 2 points"),
    # The notebook's process is the student's: what the grader reads of a
    # network after the student's method ran is answered by student code, so the
    # gradient checks compute C on parameters they keep themselves.
    "backpropagation_freezes_weights": dict(
        # backpropagation returns zeros, and from then on the network ignores new
        # weights: a check that set perturbed weights on it and read them back
        # would see C constant, its numerical gradient zero, like the answer.
        cells={CELL: swap_method("backpropagation", """
def backpropagation(self, y, z_s, a_s):
    self.__dict__["_frozen"] = True
    return ([np.zeros_like(w) for w in self.weights],
            [np.zeros_like(b) for b in self.biases])

@property
def weights(self):
    return self.__dict__["_weights"]

@weights.setter
def weights(self, value):
    if not self.__dict__.get("_frozen"):
        self.__dict__["_weights"] = value

@property
def biases(self):
    return self.__dict__["_biases"]

@biases.setter
def biases(self, value):
    if not self.__dict__.get("_frozen"):
        self.__dict__["_biases"] = value
""")},
        expect={"test_backpropagation_numerical_gradient": 0.0},
        says="test_backpropagation_numerical_gradient: 0 of 6 points"),
}
