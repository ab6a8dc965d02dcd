"""Public checks for the mlp assignment (the NeuralNetwork class).

Run them from the notebook (each test cell calls ``check``) or from a terminal:

    python nncheck.py mlp.ipynb

Grading runs these and more, on other inputs. Column convention: x is
(features, batch), weights[l] is (layers[l+1], layers[l]), biases[l] is
(layers[l+1], 1).

Each method is checked on its own: the checks build a network with your class
(your __init__ runs first if it works) and then give it known weights and
biases, so a mistake in __init__ does not cost the other methods' points.
"""
import contextlib
import copy

import numpy as np

from nncheck import (GRAD_RTOL, CheckFailed, Mistake, blank, cell, expect_array, expect_close,
                     expect_float, is_callable, is_class, numerical_gradient, quiet, rel_error,
                     same_result, static_kind, type_name)

#: Test cells of the notebook: grade_id -> (method, points).
CELLS = {
    "test_init_shapes": ("__init__", 1),
    "test_init_mismatch": ("__init__", 1),
    "test_getActivationFunction": ("getActivationFunction", 2),
    "test_getActivationFunction_stable": ("getActivationFunction", 1),
    "test_getActivationFunction_unknown": ("getActivationFunction", 1),
    "test_getDerivativeActivationFunction": ("getDerivativeActivationFunction", 2),
    "test_getDerivativeActivationFunction_stable": ("getDerivativeActivationFunction", 1),
    "test_getDerivativeActivationFunction_unknown": ("getDerivativeActivationFunction", 1),
    "test_feedforward_shapes": ("feedforward", 1),
    "test_feedforward_values": ("feedforward", 2),
    "test_backpropagation_shapes": ("backpropagation", 1),
    "test_backpropagation_numerical_gradient": ("backpropagation", 6),
    "test_train_updates": ("train", 2),
    "test_train_converges": ("train", 2),
}

#: The methods each method may call. When a notebook is graded, these are the
#: reference versions during that method's checks, so a mistake in one method
#: costs only that method's points. Locally, your own versions run.
DEPENDS = {
    "getDerivativeActivationFunction": ["NeuralNetwork.getActivationFunction"],
    "feedforward": ["NeuralNetwork.getActivationFunction"],
    "backpropagation": ["NeuralNetwork.getActivationFunction",
                        "NeuralNetwork.getDerivativeActivationFunction",
                        "NeuralNetwork.feedforward"],
    "train": ["NeuralNetwork.getActivationFunction",
              "NeuralNetwork.getDerivativeActivationFunction",
              "NeuralNetwork.feedforward",
              "NeuralNetwork.backpropagation"],
}

ACTIVATIONS = ("sigmoid", "linear", "relu", "tanh")

# ------------------------------------------------------------------ helpers


def _student_class(submission):
    cls = submission.lookup("NeuralNetwork")
    if cls is None:
        raise CheckFailed("`NeuralNetwork` is not defined. Did the cell that defines it "
                          "run without errors?")
    if not is_class(cls):
        raise CheckFailed(f"`NeuralNetwork` is a {type_name(cls)}, not a class.")
    return cls


def guarded(submission, label, fn, *args, **kwargs):
    """Call fn(*args) with nncheck's guards (copies, time limit, readable errors).

    label, e.g. "NeuralNetwork.getActivationFunction", names it in messages.
    """
    owner, _, attr = label.rpartition(".")
    holder_class = type(owner or "NeuralNetwork", (), {attr: staticmethod(fn)})
    holder = object.__new__(holder_class)     # not holder_class(): attr may be __init__
    return submission.method(holder, attr, *args, **kwargs)


def method_of(submission, name):
    """The student's NeuralNetwork.<name>, as found on the class."""
    fn = getattr(_student_class(submission), name, None)
    if not is_callable(fn):
        raise CheckFailed(f"`NeuralNetwork.{name}` is not defined.")
    return fn


def outcome(submission, label, fn, *args):
    """("raised", error name) if fn(*args) raises, else ("returned", result).

    NotImplementedError, a timeout and the like are failed checks, explained by nncheck.
    """
    def attempt(*a):
        try:
            return ("returned", fn(*a))
        except NotImplementedError:
            raise
        except Exception as e:
            return ("raised", type(e).__name__)
    return guarded(submission, label, attempt, *args)


def static_getter(submission, getter):
    """NeuralNetwork.<getter>, which must be a staticmethod."""
    fn = method_of(submission, getter)
    if static_kind(_student_class(submission), getter) != "staticmethod":
        raise CheckFailed(f"`NeuralNetwork.{getter}` must be a @staticmethod. It takes only a "
                          f"name, and the network calls it as self.{getter}(name); without "
                          "@staticmethod, Python passes self as the name.")
    return fn


def activation(submission, getter, name):
    """getter(name), which must be a function, and a guarded caller for it."""
    label = f"NeuralNetwork.{getter}"
    f = guarded(submission, label, static_getter(submission, getter), name)
    if not is_callable(f):
        raise CheckFailed(f"{label}({name!r}) returned a {type_name(f)}; it must "
                          "return a function of z.")
    return lambda z: guarded(submission, f"{label}({name!r})(z)", f, z)


def network(submission, layers, activations, weights, biases, cls=None):
    """An instance of the student's class with these exact parameters.

    Your __init__ runs first (so attributes of your own are set); if it fails,
    the instance is made without it. Then layers, activations, weights and
    biases are set to the given values.
    """
    cls = cls or _student_class(submission)
    try:
        net = guarded(submission, "NeuralNetwork.__init__", cls, list(layers),
                      list(activations))
    except CheckFailed:
        net = blank(cls)
    if not isinstance(net, cls):
        net = blank(cls)
    net.layers, net.activations = list(layers), list(activations)
    net.weights = [np.array(w, dtype=float) for w in weights]
    net.biases = [np.array(b, dtype=float) for b in biases]
    return net


def random_parameters(layers, seed, scale=0.8):
    """Seeded weights (n_out, n_in) and nonzero biases (n_out, 1)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, scale, size=(o, i)) for i, o in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0.0, 0.5, size=(o, 1)) for o in layers[1:]]
    return weights, biases


def cost(a_last, y):
    """C = (1/2B) * sum((a_last - y)**2), B = y.shape[1]."""
    return float(np.sum((a_last - y) ** 2) / (2.0 * y.shape[1]))


@contextlib.contextmanager
def naming(mistakes, target, observed, replay):
    """On a failed check, name each known mistake of `target` that reproduces
    `observed` when replayed: replay(variant) computes what observed holds."""
    try:
        yield
    except CheckFailed as e:
        found = []
        for m in mistakes:
            if m.target != target:
                continue
            try:
                with quiet():
                    expected = replay(m.variant)
            except Exception:
                continue
            if same_result(observed() if callable(observed) else observed, expected):
                found.append(m.says)
        if not found:
            raise
        raise CheckFailed(str(e) + "".join(f"\n      This looks like a known mistake: {s}"
                                           for s in found)) from None


def expect_raises(result, what, error="ValueError"):
    """result from `outcome`: it must be ("raised", error)."""
    if result[0] != "raised":
        raise CheckFailed(f"{what} returned a {type_name(result[1])} instead of raising "
                          f"{error}. An unknown or inconsistent input must stop the program "
                          "with a clear message, not carry on with a guess.")
    if result[1] != error:
        raise CheckFailed(f"{what} raised {result[1]}; expected {error} (the error for a "
                          "bad argument value).")


def check_network(net, layers, activations):
    """Validate the attributes made by __init__."""
    for attr in ("layers", "activations", "weights", "biases"):
        if not hasattr(net, attr):
            raise CheckFailed(f"the network has no attribute `{attr}`; __init__ must set "
                              "self.layers, self.activations, self.weights and self.biases.")
    if list(net.layers) != list(layers) or list(net.activations) != list(activations):
        raise CheckFailed(f"self.layers, self.activations are {net.layers!r}, "
                          f"{net.activations!r}; expected {list(layers)!r}, {list(activations)!r}.")
    L = len(layers) - 1
    for attr in ("weights", "biases"):
        value = getattr(net, attr)
        if not isinstance(value, list) or len(value) != L:
            raise CheckFailed(f"self.{attr} must be a list of {L} arrays (one per layer "
                              f"after the input) for layers={list(layers)}.")
    for l in range(L):
        shape = (layers[l + 1], layers[l])
        hint = (" weights[l] maps layer l (layers[l] units) to layer l+1 (layers[l+1] units), "
                "acting on columns: z = w @ a + b, so it is (layers[l+1], layers[l]).")
        try:
            expect_array(net.weights[l], shape, f"weights[{l}]")
        except CheckFailed as e:
            raise CheckFailed(str(e) + (hint if np.shape(net.weights[l]) == shape[::-1] else "")) \
                from None
        hint = (" A bias is a column (layers[l+1], 1), so that w @ a + b broadcasts it over "
                "the batch's columns.")
        try:
            expect_array(net.biases[l], (layers[l + 1], 1), f"biases[{l}]")
        except CheckFailed as e:
            raise CheckFailed(str(e) + hint) from None


def construct(submission, layers, activations):
    return guarded(submission, "NeuralNetwork.__init__", _student_class(submission),
                   list(layers), list(activations))


def init_outcome(submission, layers, activations):
    return outcome(submission, "NeuralNetwork.__init__", _student_class(submission),
                   list(layers), list(activations))


class _Blank:
    """What a replayed __init__ fills in, here in the checking process (the
    mistakes' __init__ only set attributes)."""


def replay_init(variant, layers, activations, cls=None):
    """What __init__ `variant` does: ("raised", name) or ("returned", None)."""
    net = _Blank()
    try:
        variant(net, list(layers), list(activations))
    except Exception as e:
        return ("raised", type(e).__name__)
    return ("returned", None)


def init_parameters(net):
    return [np.asarray(w) for w in getattr(net, "weights", [])], \
        [np.asarray(b) for b in getattr(net, "biases", [])]


def replay_init_parameters(variant, layers, activations, cls=None):
    net = _Blank()
    variant(net, list(layers), list(activations))
    return init_parameters(net)


def check_feedforward_result(result, layers, batch):
    """Validate feedforward's (z_s, a_s) and return them as lists."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed("feedforward must return a pair (z_s, a_s).")
    z_s, a_s = result
    L = len(layers) - 1
    if not isinstance(z_s, (list, tuple)) or len(z_s) != L:
        raise CheckFailed(f"z_s must be a list of {L} arrays, one per layer after the input "
                          f"(layers={list(layers)}).")
    if not isinstance(a_s, (list, tuple)) or len(a_s) != L + 1:
        raise CheckFailed(f"a_s must be a list of {L + 1} arrays: a_s[0] is x itself, then "
                          f"one per layer (layers={list(layers)}).")
    for l in range(L):
        expect_array(z_s[l], (layers[l + 1], batch), f"z_s[{l}]")
    for l in range(L + 1):
        expect_array(a_s[l], (layers[l], batch), f"a_s[{l}]")
    return list(z_s), list(a_s)


def check_gradients(result, layers):
    """Validate backpropagation's (dw, db) and return them as lists."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed("backpropagation must return a pair (dw, db).")
    dw, db = result
    L = len(layers) - 1
    for name, value in (("dw", dw), ("db", db)):
        if not isinstance(value, (list, tuple)) or len(value) != L:
            raise CheckFailed(f"{name} must be a list of {L} arrays, one per layer "
                              f"(layers={list(layers)}).")
    for l in range(L):
        expect_array(dw[l], (layers[l + 1], layers[l]), f"dw[{l}] (the shape of weights[{l}])")
        hint = ""
        if np.ndim(db[l]) == 2 and np.shape(db[l])[0] == layers[l + 1] and np.shape(db[l])[1] != 1:
            hint = (" One bias is shared by every column of the batch, so its gradient "
                    "sums delta over the batch (BP3 summed over examples): "
                    "axis=1, keepdims=True.")
        try:
            expect_array(db[l], (layers[l + 1], 1), f"db[{l}] (the shape of biases[{l}])")
        except CheckFailed as e:
            raise CheckFailed(str(e) + hint) from None
    return list(dw), list(db)


def evaluation_network(submission, layers, activations, weights, biases):
    """A network with exactly these parameters, to compute C with. While
    grading, a plain object here holding the reference methods lent for the
    check, so nothing the notebook does can change what it computes; locally,
    one of your class."""
    methods = {name.split(".", 1)[1]: f for name, f in submission.lent.items()
               if name.startswith("NeuralNetwork.")}
    if "feedforward" not in methods:
        return network(submission, layers, activations, weights, biases)
    net = type("NeuralNetwork", (), methods)()
    net.layers, net.activations = list(layers), list(activations)
    net.weights = [np.array(w, dtype=float) for w in weights]
    net.biases = [np.array(b, dtype=float) for b in biases]
    return net


def gradient_check(submission, net, x, y, z_s, a_s, which, forward, mistakes, where, known):
    """backpropagation's dw (which="weights") or db ("biases"), every layer, against
    a central-difference gradient of C(forward(x)). forward(net, x) -> a_s[-1];
    known: (layers, activations, weights, biases), what the check gave net."""
    layers, activations, *params = known
    before = copy.deepcopy(net)
    result = submission.method(net, "backpropagation", y, z_s, a_s)

    def replay(variant):
        return variant(copy.deepcopy(before), y, z_s, a_s)

    with naming(mistakes, "backpropagation", lambda: result, replay):
        dw, db = check_gradients(result, layers)
        got = dw if which == "weights" else db
        symbol = "dw" if which == "weights" else "db"
        # The check's own copies of the parameters are perturbed and set on a
        # network made for computing C, before each evaluation.
        weights = [np.array(w, dtype=float) for w in params[0]]
        biases = [np.array(b, dtype=float) for b in params[1]]
        perturbed = weights if which == "weights" else biases
        evaluator = evaluation_network(submission, layers, activations, weights, biases)

        def C():
            evaluator.weights, evaluator.biases = weights, biases
            return cost(forward(evaluator, x), y)
        for l in range(len(perturbed)):
            expected = numerical_gradient(C, perturbed[l])
            try:
                expect_close(got[l], expected, f"{symbol}[{l}] (compared with a numerical "
                             f"gradient of C, {where})", rtol=GRAD_RTOL)
            except CheckFailed as e:
                named = any(m.target == "backpropagation" for m in mistakes)  # they say it
                hint = "" if named else _gradient_hint(got[l], expected, y.shape[1])
                raise CheckFailed(str(e) + hint) from None


def _gradient_hint(got, expected, batch):
    """A hint when a wrong gradient is a simple multiple of the right one."""
    if rel_error(-got, expected) <= GRAD_RTOL:
        return (" It is exactly the negative of the gradient: BP1 starts from "
                "grad_a C = (a^L - y) / B, not (y - a^L).")
    if rel_error(got, batch * expected) <= GRAD_RTOL:
        return (f" It is B = {batch} times the gradient: C is a mean over the batch, so "
                "grad_a C = (a^L - y) / B.")
    if rel_error(got * batch, expected) <= GRAD_RTOL:
        return f" It is 1/B = 1/{batch} of the gradient: divide by B once, not twice."
    return ""


def parameters_of(net):
    return ([np.array(w, dtype=float) for w in net.weights],
            [np.array(b, dtype=float) for b in net.biases])


def recording_train(submission, net, *args, **kwargs):
    """Run your net.train(*args, **kwargs) while NeuralNetwork.backpropagation
    records the y of every call (one call per update), then runs as before.
    Returns the y's seen."""
    seen = []
    original = getattr(_student_class(submission), "backpropagation", None)
    if not is_callable(original):
        submission.method(net, "train", *args, **kwargs)
        return seen

    def backpropagation(self, *a, **k):
        y = a[0] if a else k.get("y")
        seen.append(np.array(y, dtype=float))
        return original(self, *a, **k)
    with submission.using(**{"NeuralNetwork.backpropagation": backpropagation}):
        submission.method(net, "train", *args, **kwargs)
    return seen


def _describe(batches):
    shown = [tuple(np.shape(b)) for b in batches[:6]]
    return f"{shown}{' ...' if len(batches) > 6 else ''}"


def check_batches(submission, layers, activations, n, batch_size, seed, mistakes):
    """One epoch of train on N=n columns: the updates must be one per batch of
    consecutive columns x[:, i:i + batch_size], in order."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(layers[0], n))
    y = rng.normal(size=(layers[-1], n))
    weights, biases = random_parameters(layers, seed + 1)
    net = network(submission, layers, activations, weights, biases)
    lr = 0.1
    starts = list(range(0, n, batch_size))
    want = ", ".join(f"{i}-{min(i + batch_size, n) - 1}" for i in starts)
    plain = network(submission, layers, activations, weights, biases)

    def replay(variant):
        fresh = copy.deepcopy(plain)
        variant(fresh, x.copy(), y.copy(), batch_size, 1, lr)
        return parameters_of(fresh)

    seen = recording_train(submission, net, x, y, batch_size=batch_size, epochs=1, lr=lr)
    with naming(mistakes, "train", lambda: parameters_of(net), replay):
        what = (f"One epoch over N={n} columns with batch_size={batch_size} makes "
                f"{len(starts)} updates, on columns {want} in order")
        if seen:
            ok = len(seen) == len(starts) and all(
                b.shape == y[:, i:i + batch_size].shape and np.array_equal(b, y[:, i:i + batch_size])
                for b, i in zip(seen, starts))
            if not ok:
                hint = ""
                if any(b.ndim != 2 or b.shape[1] > batch_size for b in seen):
                    hint = (" A batch was more than batch_size columns wide. x is "
                            "(features, N): the examples are its columns, so a batch is "
                            "x[:, i:i + batch_size]; x[i:i + batch_size] takes rows, "
                            "that is features.")
                raise CheckFailed(f"{what}. Your train called backpropagation {len(seen)} "
                                  f"time(s), with y batches of shapes {_describe(seen)}."
                                  + hint)
            return
        # train did not call self.backpropagation: check what one epoch did instead
        what += (" (your train does not call self.backpropagation, so its batches are "
                 "checked through the weights after one epoch)")
        expected = copy.deepcopy(plain)
        for i in starts:
            xb, yb = x[:, i:i + batch_size], y[:, i:i + batch_size]
            z_s, a_s = submission.method(expected, "feedforward", xb)
            dw, db = submission.method(expected, "backpropagation", yb, z_s, a_s)
            expected.weights = [w - lr * d for w, d in zip(expected.weights, dw)]
            expected.biases = [b - lr * d for b, d in zip(expected.biases, db)]
        got_w, got_b = parameters_of(net)
        for l in range(len(layers) - 1):
            expect_close(got_w[l], expected.weights[l], f"{what}; weights[{l}] after one epoch")
            expect_close(got_b[l], expected.biases[l], f"{what}; biases[{l}] after one epoch")


def check_losses(losses, epochs):
    if not isinstance(losses, list) or len(losses) != epochs:
        got = len(losses) if isinstance(losses, (tuple, dict, str)) else type_name(losses)
        raise CheckFailed(f"train must return a list of {epochs} floats (one per epoch); "
                          f"got {got}.")
    for i, loss in enumerate(losses):
        expect_float(loss, f"losses[{i}]")
    return losses


def sin_cos_problem(n, seed):
    """x as in sin_problem, (1, n); y = (sin x, cos x), (2, n): two outputs, so C
    (a sum over outputs, a mean over columns) differs from a mean over entries."""
    x, y = sin_problem(n, seed)
    return x, np.vstack([y, np.cos(x)])


def sin_problem(n, seed):
    """x = 2 pi * rand, (1, n); y = sin(x), (1, n): the regression of the course's blog post."""
    x = 2 * np.pi * np.random.default_rng(seed).uniform(size=(1, n))
    return x, np.sin(x)

# ------------------------------------------------------- known mistakes


def _table(sigmoid):
    return {"sigmoid": sigmoid, "linear": lambda z: np.array(z, dtype=float),
            "relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}


def _stable_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))


def _overflowing_sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))


def _derivative_table(sigmoid):
    return {"sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)),
            "linear": lambda z: np.ones_like(z, dtype=float),
            "relu": lambda z: (np.asarray(z) > 0).astype(float),
            "tanh": lambda z: 1 - np.tanh(z) ** 2}


def _pick(table, name, fallback=None):
    if name in table:
        return table[name]
    if fallback is not None:
        print("Unknown activation function. linear is used")
        return fallback
    raise ValueError(f"unknown activation {name!r}")


def _activation_exp_overflow(name):
    return _pick(_table(_overflowing_sigmoid), name)


def _activation_unknown_linear(name):
    return _pick(_table(_stable_sigmoid), name, fallback=lambda z: z)


def _derivative_exp_overflow(name):
    return _pick(_derivative_table(_overflowing_sigmoid), name)


def _derivative_unknown_linear(name):
    return _pick(_derivative_table(_stable_sigmoid), name, fallback=np.ones_like)


def _derivative_linear_scalar(name):
    table = _derivative_table(_stable_sigmoid)
    table["linear"] = lambda z: 1
    return _pick(table, name)


#: Mistakes from the course's blog post that these checks can name.
MISTAKES = [
    Mistake("activation_exp_overflow", "getActivationFunction", _activation_exp_overflow,
            "the sigmoid is written np.exp(x) / (1 + np.exp(x)), which is inf / inf = nan "
            "for x above about 709. Use a form that only takes exp of non-positive numbers "
            "(see the hint above the class).",
            {"test_getActivationFunction_stable": 1}),
    Mistake("activation_unknown_is_linear", "getActivationFunction", _activation_unknown_linear,
            "an unknown activation name silently falls back to linear (with a print). A typo "
            "such as 'sigmiod' would then train a linear network without anyone noticing; "
            "raise ValueError instead.",
            {"test_getActivationFunction_unknown": 1}),
    Mistake("derivative_exp_overflow", "getDerivativeActivationFunction", _derivative_exp_overflow,
            "the derivative uses the sigmoid np.exp(x) / (1 + np.exp(x)), which is nan for x "
            "above about 709, so f'(z) is nan too. Compute it from a stable sigmoid.",
            {"test_getDerivativeActivationFunction_stable": 1}),
    Mistake("derivative_unknown_is_linear", "getDerivativeActivationFunction",
            _derivative_unknown_linear,
            "an unknown activation name silently gets the linear derivative (with a print); "
            "raise ValueError instead, as getActivationFunction does.",
            {"test_getDerivativeActivationFunction_unknown": 1}),
    Mistake("derivative_linear_scalar", "getDerivativeActivationFunction",
            _derivative_linear_scalar,
            "the linear derivative returns the number 1, not an array of ones shaped like z. "
            "Broadcasting hides it inside a product, but f'(z) must have z's shape: "
            "np.ones_like(z).",
            {"test_getDerivativeActivationFunction": 2}),
]

# ------------------------------------------------------------------ __init__


@cell("test_init_shapes")
def test_init_shapes_public(submission):
    """NeuralNetwork([2, 10, 1], ['sigmoid', 'sigmoid']): weights (10, 2), (1, 10); biases (10, 1), (1, 1)"""
    layers, activations = [2, 10, 1], ["sigmoid", "sigmoid"]
    net = construct(submission, layers, activations)
    check_network(net, layers, activations)


@cell("test_init_mismatch")
def test_init_mismatch_public(submission):
    """NeuralNetwork([2, 3, 1], ['sigmoid']) raises ValueError (two layers need two activations)"""
    expect_raises(init_outcome(submission, [2, 3, 1], ["sigmoid"]),
                  "NeuralNetwork([2, 3, 1], ['sigmoid'])")

# ----------------------------------------------------- getActivationFunction


Z_SMALL = np.array([[-3.0, -0.5, 0.25], [0.5, 2.0, 4.0]])
ACTIVATION_VALUES = {
    "sigmoid": 0.5 * (1.0 + np.tanh(Z_SMALL / 2.0)),
    "linear": Z_SMALL,
    "relu": np.where(Z_SMALL > 0, Z_SMALL, 0.0),
    "tanh": np.tanh(Z_SMALL),
}


@cell("test_getActivationFunction")
def test_getActivationFunction_public(submission):
    """'sigmoid', 'linear', 'relu' and 'tanh' give the right values, with z's shape"""
    for name in ACTIVATIONS:
        f = activation(submission, "getActivationFunction", name)
        out = expect_array(f(Z_SMALL), Z_SMALL.shape, f"getActivationFunction({name!r})(z) "
                           "for z of shape (2, 3)")
        expect_close(out, ACTIVATION_VALUES[name], f"getActivationFunction({name!r})(z)")


@cell("test_getActivationFunction_stable")
def test_getActivationFunction_stable_public(submission):
    """the sigmoid stays finite and correct at z = -1000 and 1000"""
    z = np.array([[-1000.0, 1000.0]])
    f = activation(submission, "getActivationFunction", "sigmoid")
    out = f(z)
    with naming(MISTAKES, "getActivationFunction", lambda: out,
                lambda v: v("sigmoid")(z.copy())):
        out = expect_array(out, (1, 2), "sigmoid([[-1000, 1000]])")
        expect_close(out, np.array([[0.0, 1.0]]), "sigmoid([[-1000, 1000]])")


PROBE = np.array([[-2.0, 0.5], [1.5, 3.0]])


def unknown_check(submission, getter, names, mistakes):
    """getter(name) must raise ValueError for each of these unknown names."""
    for name in names:
        result = outcome(submission, f"NeuralNetwork.{getter}", static_getter(submission, getter),
                         name)

        def observed():
            if result[0] == "raised":
                return result
            return ("returned", guarded(submission, f"NeuralNetwork.{getter}({name!r})(z)",
                                        result[1], PROBE.copy()))

        def replay(variant):
            try:
                f = variant(name)
            except ValueError:
                return ("raised", "ValueError")
            return ("returned", f(PROBE.copy()))

        with naming(mistakes, getter, observed, replay):
            expect_raises(result, f"NeuralNetwork.{getter}({name!r})")


@cell("test_getActivationFunction_unknown")
def test_getActivationFunction_unknown_public(submission):
    """getActivationFunction('softmax') raises ValueError (an unknown name is not linear)"""
    unknown_check(submission, "getActivationFunction", ["softmax"], MISTAKES)

# ------------------------------------------- getDerivativeActivationFunction


DERIVATIVE_VALUES = {
    "sigmoid": 0.25 / np.cosh(Z_SMALL / 2.0) ** 2,
    "linear": np.ones_like(Z_SMALL),
    "relu": (Z_SMALL > 0).astype(float),
    "tanh": 1.0 / np.cosh(Z_SMALL) ** 2,
}


def derivative_values_check(submission, z, expected_of, mistakes):
    """Every derivative, on z, against expected_of(name)."""
    for name in ACTIVATIONS:
        f = activation(submission, "getDerivativeActivationFunction", name)
        out = f(z)
        with naming(mistakes, "getDerivativeActivationFunction", lambda: out,
                    lambda v: v(name)(z.copy())):
            out = expect_array(out, z.shape, f"getDerivativeActivationFunction({name!r})(z) "
                               f"for z of shape {z.shape}")
            expect_close(out, expected_of(name), f"getDerivativeActivationFunction({name!r})(z)")


@cell("test_getDerivativeActivationFunction")
def test_getDerivativeActivationFunction_public(submission):
    """f'(z) for 'sigmoid', 'linear', 'relu', 'tanh': right values, z's shape (linear: ones)"""
    derivative_values_check(submission, Z_SMALL, DERIVATIVE_VALUES.get, MISTAKES)


@cell("test_getDerivativeActivationFunction_stable")
def test_getDerivativeActivationFunction_stable_public(submission):
    """the sigmoid's derivative stays finite (zero) at z = -1000 and 1000"""
    z = np.array([[-1000.0, 1000.0]])
    f = activation(submission, "getDerivativeActivationFunction", "sigmoid")
    out = f(z)
    with naming(MISTAKES, "getDerivativeActivationFunction", lambda: out,
                lambda v: v("sigmoid")(z.copy())):
        out = expect_array(out, (1, 2), "sigmoid'([[-1000, 1000]])")
        expect_close(out, np.zeros((1, 2)), "sigmoid'([[-1000, 1000]])")


@cell("test_getDerivativeActivationFunction_unknown")
def test_getDerivativeActivationFunction_unknown_public(submission):
    """getDerivativeActivationFunction('softmax') raises ValueError"""
    unknown_check(submission, "getDerivativeActivationFunction", ["softmax"], MISTAKES)

# ---------------------------------------------------------------- feedforward


FWD_X = np.array([[0.35, 0.82, -0.4, 1.1], [0.33, -1.3, 0.9, 0.05]])          # (2, 4)
FWD_WEIGHTS = [np.array([[1.44, -1.81], [0.3, -0.4], [-0.32, -0.15]]),          # (3, 2)
               np.array([[-0.43, 1.66, 0.11], [-0.18, -0.14, -0.33]])]          # (2, 3)
FWD_BIASES = [np.array([[0.1], [-0.2], [0.3]]), np.array([[0.5], [-0.5]])]
#: a_s[-1] of a [2, 3, 2] network with activations ['tanh', 'sigmoid'] on FWD_X.
FWD_OUT = np.array([[0.5353855143030875, 0.7203793187732802, 0.4917095133796555, 0.5694078355196467],
                    [0.37393415861906976, 0.30430302235156553, 0.4166675263613059, 0.340414079340401]])


@cell("test_feedforward_shapes")
def test_feedforward_shapes_public(submission):
    """feedforward(x) for layers [3, 4, 2], x (3, 5): 2 z's (4, 5), (2, 5); a_s (3, 5), (4, 5), (2, 5)"""
    layers = [3, 4, 2]
    net = network(submission, layers, ["sigmoid", "linear"], *random_parameters(layers, 21))
    x = np.random.default_rng(22).normal(size=(3, 5))
    check_feedforward_result(submission.method(net, "feedforward", x), layers, 5)


@cell("test_feedforward_values")
def test_feedforward_values_public(submission):
    """feedforward on a [2, 3, 2] network with activations ['tanh', 'sigmoid']: a_s[0] is x, and a_s[-1]"""
    net = network(submission, [2, 3, 2], ["tanh", "sigmoid"], FWD_WEIGHTS, FWD_BIASES)
    z_s, a_s = check_feedforward_result(submission.method(net, "feedforward", FWD_X), [2, 3, 2], 4)
    expect_close(a_s[0], FWD_X, "a_s[0] (it is x itself)")
    expect_close(a_s[-1], FWD_OUT, "a_s[-1]")

# ------------------------------------------------------------ backpropagation


def _own_forward(submission):
    return lambda net, x: submission.method(net, "feedforward", x)[1][-1]


def _backprop_problem(submission, layers, activations, batch, seed):
    params = random_parameters(layers, seed)
    net = network(submission, layers, activations, *params)
    rng = np.random.default_rng(seed + 1)
    return net, rng.normal(size=(layers[0], batch)), rng.normal(size=(layers[-1], batch)), params


@cell("test_backpropagation_shapes")
def test_backpropagation_shapes_public(submission):
    """backpropagation returns (dw, db) shaped like weights and biases, for layers [3, 4, 2]"""
    layers = [3, 4, 2]
    net, x, y, _ = _backprop_problem(submission, layers, ["sigmoid", "linear"], 5, 23)
    z_s, a_s = submission.method(net, "feedforward", x)
    check_gradients(submission.method(net, "backpropagation", y, z_s, a_s), layers)


def _own_numerical_check(submission, which):
    layers = [3, 4, 2]
    activations = ["sigmoid", "linear"]
    net, x, y, params = _backprop_problem(submission, layers, activations, 4, 25)
    z_s, a_s = submission.method(evaluation_network(submission, layers, activations, *params),
                                 "feedforward", x)
    gradient_check(submission, net, x, y, z_s, a_s, which, _own_forward(submission), MISTAKES,
                   "your own feedforward, layers [3, 4, 2], batch of 4",
                   (layers, activations, *params))


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_weights_public(submission):
    """dw matches a numerical gradient of C, for every layer"""
    _own_numerical_check(submission, "weights")


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_biases_public(submission):
    """db matches a numerical gradient of C, for every layer"""
    _own_numerical_check(submission, "biases")

# --------------------------------------------------------------------- train


@cell("test_train_updates")
def test_train_updates_public(submission):
    """one epoch, N=25, batch_size=10: 3 updates, on columns 0-9, 10-19, 20-24"""
    check_batches(submission, [2, 3, 1], ["tanh", "linear"], 25, 10, 27, MISTAKES)


@cell("test_train_converges")
def test_train_converges_public(submission):
    """train fits (sin x, cos x) on 40 points: one loss per epoch, the last is C after training (summed over both outputs), and C falls"""
    layers = [1, 8, 2]
    net = network(submission, layers, ["tanh", "linear"], *random_parameters(layers, 29))
    x, y = sin_cos_problem(40, 30)
    losses = check_losses(submission.method(net, "train", x, y, batch_size=10, epochs=40,
                                            lr=0.1), 40)
    final = cost(submission.method(net, "feedforward", x)[1][-1], y)
    try:
        expect_close(losses[-1], final, "losses[-1] (it should be C over all columns after "
                     "the last epoch)")
    except CheckFailed as e:
        hint = ""
        if abs(losses[-1] * y.shape[0] - final) <= 1e-9 * final:
            hint = (f" It is C divided by the {y.shape[0]} outputs: C = (1/2B) * sum((a - y)**2) "
                    "sums over the outputs of each column and averages over the B columns only, "
                    "so np.mean over every entry is too small by the number of outputs.")
        raise CheckFailed(str(e) + hint) from None
    if not losses[-1] < 0.5 * losses[0]:
        moved = "rose" if losses[-1] > losses[0] else "only went"
        raise CheckFailed(f"C {moved} from {losses[0]:.4g} to {losses[-1]:.4g} in 40 "
                          "epochs at lr=0.1; expected it to at least halve. Is the update "
                          "w - lr * dw, with dw the gradient from backpropagation?")
