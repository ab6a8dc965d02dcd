"""Hidden checks for the mlp assignment. Never released to students.

Each check takes `submission` (the code under test) and `reference` (the
classes of solutions/mlp.py). Inputs are seeded and differ from the public
ones: networks of 1, 2 and 3 layers with mixed activations and no square
weight matrix, so a transposed weight cannot pass by accident, and batches of
one column. Each method is graded on its own: during its checks the methods it
calls are the reference ones (see DEPENDS in mlp_checks.py), and
backpropagation runs on the reference's z_s and a_s.

MISTAKES is the catalogue of known wrong answers: it names mistakes in the
feedback, and tests/test_suites.py proves that each one loses exactly the
points listed. A mistake replaces one method of NeuralNetwork (its target);
suites.namespace_with puts it on a fresh copy of the reference class.
ALTERNATES are correct answers written differently; they must keep full marks.
"""
import copy
import types

import numpy as np

from mlp_checks import (ACTIVATIONS, MISTAKES as PUBLIC_MISTAKES, _student_class, activation,
                        check_batches, check_feedforward_result, check_gradients, check_losses,
                        check_network, construct, derivative_values_check, expect_raises,
                        gradient_check, guarded, init_outcome, init_parameters, naming, network,
                        parameters_of, random_parameters, replay_init, replay_init_parameters,
                        sin_cos_problem, unknown_check)
from nncheck import CheckFailed, Mistake, cell, expect_array, expect_close

#: Relative tolerance between the student's loss curve (and trained weights)
#: and the reference's. Both run the same float64 arithmetic; a correct answer
#: written otherwise (einsum, loops, in-place updates) only reorders sums, which
#: changes the last bits, and 30 epochs of small-step SGD on this problem do
#: not amplify them (seen: below 1e-12). A wrong batching, sign or loss is off
#: by 1e-3 or more.
CURVE_RTOL = 1e-6

THREE = [5, 4, 3, 2]            # three layers, no two sizes equal
ONE = [4, 3]                    # one layer


def reference_network(reference, net):
    """A reference NeuralNetwork with net's layers, activations and parameters."""
    cls = reference.NeuralNetwork
    ref = cls.__new__(cls)  # the reference class: here, in the grader
    ref.layers, ref.activations = list(net.layers), list(net.activations)
    ref.weights = [np.array(w, dtype=float) for w in net.weights]
    ref.biases = [np.array(b, dtype=float) for b in net.biases]
    return ref


def reference_forward(reference):
    return lambda net, x: reference_network(reference, net).feedforward(x)[1][-1]

# ------------------------------------------------------------------ __init__


@cell("test_init_shapes")
def test_init_shapes_hidden(submission, reference):
    """three layers [5, 4, 3, 2]: shapes, a seeded draw (same weights twice, not all equal), and the defaults"""
    layers, activations = THREE, ["relu", "tanh", "linear"]
    cls = _student_class(submission)
    net = construct(submission, layers, activations)
    with naming(MISTAKES, "__init__", lambda: init_parameters(net),
                lambda v: replay_init_parameters(v, layers, activations, cls)):
        check_network(net, layers, activations)
    again = construct(submission, layers, activations)
    check_network(again, layers, activations)
    if not all(np.array_equal(a, b) for a, b in zip(net.weights, again.weights)):
        raise CheckFailed("two networks made with the same arguments have different weights. "
                          "Seed the draw (np.random.default_rng(seed)), so that a run can be "
                          "repeated exactly.")
    for l, w in enumerate(net.weights):
        if np.ptp(w) == 0:
            raise CheckFailed(f"every entry of weights[{l}] is the same number. Then every unit "
                              "of the layer computes the same thing, gets the same gradient, "
                              "and they never become different: draw the weights at random.")
    default = guarded(submission, "NeuralNetwork.__init__", cls)
    check_network(default, [2, 10, 1], ["sigmoid", "sigmoid"])


#: How far the sample standard deviation of a starting weight matrix may be from
#: 1/sqrt(n_in). Its relative standard error is about 1/sqrt(2 * entries):
#: 0.002 for weights[0] (300 x 400) and 0.013 for weights[1] (10 x 300), so 0.1
#: is over seven of them; a scale of 1 (the blog's) or sqrt(2/n_in) is far outside.
SCALE_RTOL = 0.1


@cell("test_init_shapes")
def test_init_scale_hidden(submission, reference):
    """weights[l] start with standard deviation 1/sqrt(layers[l]), and the biases at zero, as the notebook says"""
    layers, activations = [400, 300, 10], ["tanh", "linear"]
    cls = _student_class(submission)
    net = construct(submission, layers, activations)
    check_network(net, layers, activations)
    weights, biases = init_parameters(net)
    with naming(MISTAKES, "__init__", (weights, biases),
                lambda v: replay_init_parameters(v, layers, activations, cls)):
        _check_scale(weights, biases, layers)


def _check_scale(weights, biases, layers):
    for l, w in enumerate(weights):
        want, got = 1.0 / np.sqrt(layers[l]), float(np.std(w))
        if not abs(got / want - 1.0) <= SCALE_RTOL:
            raise CheckFailed(
                f"weights[{l}] has standard deviation {got:.3g}; the notebook starts the weights "
                f"of layer l at N(0, 1/layers[l]), standard deviation 1/sqrt({layers[l]}) = "
                f"{want:.3g}. Larger weights saturate tanh and sigmoid units from the start.")
    for l, b in enumerate(biases):
        if np.any(np.asarray(b) != 0):
            raise CheckFailed(f"biases[{l}] does not start at zero, as the notebook asks (random "
                              "biases only shift the units' starting point; the weights break "
                              "the symmetry).")


@cell("test_init_mismatch")
def test_init_mismatch_hidden(submission, reference):
    """too many activations, or one too few for three layers, raise ValueError"""
    cls = _student_class(submission)
    for layers, activations in (([2, 3], ["sigmoid", "linear"]),
                                ([4, 3, 2, 1], ["tanh", "relu"])):
        result = init_outcome(submission, layers, activations)
        with naming(MISTAKES, "__init__", result,
                    lambda v: replay_init(v, layers, activations, cls)):
            expect_raises(result, f"NeuralNetwork({layers}, {activations})")

# ----------------------------------------------------- getActivationFunction


Z_3D = np.random.default_rng(101).normal(0.0, 3.0, size=(2, 3, 4))
Z_LARGE = np.array([[-1000.0, -745.0, -40.0, 0.0], [40.0, 709.0, 710.0, 1000.0]])


@cell("test_getActivationFunction")
def test_getActivationFunction_hidden(submission, reference):
    """each activation on a (2, 3, 4) array, against the reference"""
    for name in ACTIVATIONS:
        f = activation(submission, "getActivationFunction", name)
        out = f(Z_3D)
        with naming(MISTAKES, "getActivationFunction", lambda: out,
                    lambda v: v(name)(Z_3D.copy())):
            out = expect_array(out, Z_3D.shape, f"getActivationFunction({name!r})(z) for z "
                               "of shape (2, 3, 4)")
            expect_close(out, reference.NeuralNetwork.getActivationFunction(name)(Z_3D),
                         f"getActivationFunction({name!r})(z)")


def sigmoid_at_large_z(submission, reference, method, label):
    """The student's `method`("sigmoid") on Z_LARGE matches the reference's."""
    out = activation(submission, method, "sigmoid")(Z_LARGE)
    with naming(MISTAKES, method, lambda: out, lambda v: v("sigmoid")(Z_LARGE.copy())):
        out = expect_array(out, Z_LARGE.shape, f"{label} at large |z|")
        expect_close(out, getattr(reference.NeuralNetwork, method)("sigmoid")(Z_LARGE),
                     f"{label} at large |z|")


@cell("test_getActivationFunction_stable")
def test_getActivationFunction_stable_hidden(submission, reference):
    """the sigmoid is finite and exact at large |z| (709 and 710 are where exp overflows)"""
    sigmoid_at_large_z(submission, reference, "getActivationFunction", "sigmoid(z)")


@cell("test_getActivationFunction_unknown")
def test_getActivationFunction_unknown_hidden(submission, reference):
    """'swish' and 'leaky_relu' raise ValueError"""
    unknown_check(submission, "getActivationFunction", ["swish", "leaky_relu"], MISTAKES)

# ------------------------------------------- getDerivativeActivationFunction


@cell("test_getDerivativeActivationFunction")
def test_getDerivativeActivationFunction_hidden(submission, reference):
    """each derivative on a (2, 3, 4) array, against the reference (relu' is never asked at 0)"""
    assert not (Z_3D == 0).any()
    derivative_values_check(
        submission, Z_3D,
        lambda name: reference.NeuralNetwork.getDerivativeActivationFunction(name)(Z_3D),
        MISTAKES)


@cell("test_getDerivativeActivationFunction_stable")
def test_getDerivativeActivationFunction_stable_hidden(submission, reference):
    """sigmoid' is finite and exact at large |z|"""
    sigmoid_at_large_z(submission, reference, "getDerivativeActivationFunction", "sigmoid'(z)")


@cell("test_getDerivativeActivationFunction_unknown")
def test_getDerivativeActivationFunction_unknown_hidden(submission, reference):
    """'swish' and 'leaky_relu' raise ValueError"""
    unknown_check(submission, "getDerivativeActivationFunction", ["swish", "leaky_relu"], MISTAKES)

# ---------------------------------------------------------------- feedforward


def _feedforward_of(submission, layers, activations, batch, seed):
    net = network(submission, layers, activations, *random_parameters(layers, seed))
    x = np.random.default_rng(seed + 1).normal(size=(layers[0], batch))
    before = copy.deepcopy(net)
    result = submission.method(net, "feedforward", x)
    return net, x, result, lambda v: v(copy.deepcopy(before), x.copy())


@cell("test_feedforward_shapes")
def test_feedforward_shapes_hidden(submission, reference):
    """feedforward shapes for one layer with a batch of one column, and for three layers"""
    for layers, activations, batch in ((ONE, ["sigmoid"], 1),
                                       (THREE, ["relu", "tanh", "sigmoid"], 6)):
        _, _, result, replay = _feedforward_of(submission, layers, activations, batch, 106)
        with naming(MISTAKES, "feedforward", result, replay):
            check_feedforward_result(result, layers, batch)


@cell("test_feedforward_values")
def test_feedforward_values_hidden(submission, reference):
    """every z and a of a three-layer ['relu', 'tanh', 'sigmoid'] and a one-layer ['linear'] network"""
    for layers, activations, batch in ((THREE, ["relu", "tanh", "sigmoid"], 6),
                                       (ONE, ["linear"], 3)):
        net, x, result, replay = _feedforward_of(submission, layers, activations, batch, 107)
        with naming(MISTAKES, "feedforward", result, replay):
            z_s, a_s = check_feedforward_result(result, layers, batch)
            ref_z, ref_a = reference_network(reference, net).feedforward(x)
            for l in range(len(ref_z)):
                expect_close(z_s[l], ref_z[l], f"z_s[{l}] (layers {layers}, {activations})")
            for l in range(len(ref_a)):
                expect_close(a_s[l], ref_a[l], f"a_s[{l}] (layers {layers}, {activations})")

# ------------------------------------------------------------ backpropagation


def _problem(submission, reference, layers, activations, batch, seed):
    params = random_parameters(layers, seed)
    net = network(submission, layers, activations, *params)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(layers[0], batch))
    y = rng.normal(size=(layers[-1], batch))
    known = types.SimpleNamespace(layers=layers, activations=activations, weights=params[0],
                                  biases=params[1])   # what the check gave net, kept here
    z_s, a_s = reference_network(reference, known).feedforward(x)
    return net, x, y, z_s, a_s, params


@cell("test_backpropagation_shapes")
def test_backpropagation_shapes_hidden(submission, reference):
    """(dw, db) shapes for one layer with one column, and for three layers"""
    for layers, activations, batch in ((ONE, ["tanh"], 1),
                                       (THREE, ["sigmoid", "relu", "linear"], 6)):
        net, _, y, z_s, a_s, _ = _problem(submission, reference, layers, activations, batch, 108)
        before = copy.deepcopy(net)
        result = submission.method(net, "backpropagation", y, z_s, a_s)
        with naming(MISTAKES, "backpropagation", result,
                    lambda v: v(copy.deepcopy(before), y, z_s, a_s)):
            check_gradients(result, layers)


def _numerical_check(submission, reference, layers, activations, which, seed):
    batch = 5
    net, x, y, z_s, a_s, params = _problem(submission, reference, layers, activations, batch, seed)
    gradient_check(submission, net, x, y, z_s, a_s, which, reference_forward(reference),
                   MISTAKES, f"layers {layers}, {activations}, batch of {batch}",
                   (layers, activations, *params))


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_one_layer_weights_hidden(submission, reference):
    """one layer ['sigmoid']: dw matches a numerical gradient"""
    _numerical_check(submission, reference, ONE, ["sigmoid"], "weights", 109)


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_one_layer_biases_hidden(submission, reference):
    """one layer ['sigmoid']: db matches a numerical gradient"""
    _numerical_check(submission, reference, ONE, ["sigmoid"], "biases", 109)


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_three_layers_weights_hidden(submission, reference):
    """three layers ['relu', 'tanh', 'linear']: dw matches a numerical gradient at every layer"""
    _numerical_check(submission, reference, THREE, ["relu", "tanh", "linear"], "weights", 110)


@cell("test_backpropagation_numerical_gradient")
def test_backpropagation_three_layers_biases_hidden(submission, reference):
    """three layers ['relu', 'tanh', 'linear']: db matches a numerical gradient at every layer"""
    _numerical_check(submission, reference, THREE, ["relu", "tanh", "linear"], "biases", 110)

# --------------------------------------------------------------------- train


@cell("test_train_updates")
def test_train_updates_hidden(submission, reference):
    """one epoch: N=23, batch_size=7 makes 4 updates (the last on 2 columns); N=5, batch_size=10 makes 1"""
    check_batches(submission, [3, 4, 2], ["sigmoid", "linear"], 23, 7, 111, MISTAKES)
    check_batches(submission, [2, 3, 1], ["tanh", "sigmoid"], 5, 10, 113, MISTAKES)


@cell("test_train_converges")
def test_train_converges_hidden(submission, reference):
    """the blog's fit, of (sin x, cos x), 50 points, batch_size=8, 30 epochs: the loss curve and weights of the reference"""
    layers, activations = [1, 10, 2], ["tanh", "linear"]
    weights, biases = random_parameters(layers, 115)
    net = network(submission, layers, activations, weights, biases)
    before = copy.deepcopy(net)
    x, y = sin_cos_problem(50, 116)
    args = dict(batch_size=8, epochs=30, lr=0.05)
    losses = submission.method(net, "train", x, y, **args)

    def replay(variant):
        # On a reference network with the same parameters, here in the grader:
        # while train is graded, the methods it calls are the reference ones.
        fresh = reference_network(reference, before)
        return variant(fresh, x.copy(), y.copy(), **args), parameters_of(fresh)

    with naming(MISTAKES, "train", lambda: (losses, parameters_of(net)), replay):
        check_losses(losses, 30)
        ref = reference_network(reference, before)
        ref_losses = ref.train(x, y, **args)
        expect_close(np.array(losses), np.array(ref_losses), "the loss curve (losses[e] is C "
                     "over all columns after epoch e)", rtol=CURVE_RTOL)
        got_w, got_b = parameters_of(net)
        for l in range(len(layers) - 1):
            expect_close(got_w[l], ref.weights[l], f"weights[{l}] after training", rtol=CURVE_RTOL)
            expect_close(got_b[l], ref.biases[l], f"biases[{l}] after training", rtol=CURVE_RTOL)

# ------------------------------------------------------ the mistake catalogue


def _init_variant(assert_only=False, transposed=False, flat_bias=False, blog=False):
    def __init__(self, layers=(2, 10, 1), activations=('sigmoid', 'sigmoid'), seed=0):
        if assert_only:
            assert len(layers) == len(activations) + 1
        elif len(layers) != len(activations) + 1:
            raise ValueError("one activation per layer after the input")
        self.layers, self.activations = list(layers), list(activations)
        rng = np.random.default_rng(seed)
        shapes = [(o, i) for i, o in zip(self.layers[:-1], self.layers[1:])]
        if blog:                                # standard normal weights and biases, layer by layer
            self.weights, self.biases = [], []
            for s in shapes:
                self.weights.append(rng.standard_normal(s))
                self.biases.append(rng.standard_normal((s[0], 1)))
            return
        self.weights = [rng.normal(0.0, 1.0 / np.sqrt(s[1]), size=s[::-1] if transposed else s)
                        for s in shapes]
        self.biases = [np.zeros(s[0]) if flat_bias else np.zeros((s[0], 1)) for s in shapes]
    return __init__


def _feedforward_variant(same_activation=False, keep_x=True):
    def feedforward(self, x):
        a = np.asarray(x, dtype=float)
        z_s, a_s = [], [a] if keep_x else []
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = w @ a + b
            a = self.getActivationFunction(self.activations[0 if same_activation else l])(z)
            z_s.append(z)
            a_s.append(a)
        return z_s, a_s
    return feedforward


def _backprop_variant(negative=False, average=True, bias_sum=True, hidden_derivative=True,
                      transpose_dw=False):
    def backpropagation(self, y, z_s, a_s):
        L = len(self.weights)
        fprime = [self.getDerivativeActivationFunction(n) for n in self.activations]
        grad_a = (y - a_s[-1]) if negative else (a_s[-1] - y)
        if average:
            grad_a = grad_a / y.shape[1]
        deltas = [None] * L
        deltas[-1] = grad_a * fprime[-1](z_s[-1])
        for l in range(L - 2, -1, -1):
            back = self.weights[l + 1].T @ deltas[l + 1]
            deltas[l] = back * fprime[l](z_s[l]) if hidden_derivative else back
        db = [d.sum(axis=1, keepdims=True) if bias_sum else d for d in deltas]
        dw = [(a @ d.T) if transpose_dw else (d @ a.T) for d, a in zip(deltas, a_s[:-1])]
        return dw, db
    return backpropagation


def _train_variant(sign=-1, wrong_axis=False, drop_last=False, loss_before=False,
                   loss_mean=False):
    def train(self, x, y, batch_size=10, epochs=100, lr=0.01):
        n = x.shape[1]

        def update(xb, yb):
            z_s, a_s = self.feedforward(xb)
            dw, db = self.backpropagation(yb, z_s, a_s)
            self.weights = [w + sign * lr * d for w, d in zip(self.weights, dw)]
            self.biases = [b + sign * lr * d for b, d in zip(self.biases, db)]

        def loss():
            if loss_mean:                        # 1/k of C for k outputs
                return float(0.5 * np.mean((self.feedforward(x)[1][-1] - y) ** 2))
            return float(np.sum((self.feedforward(x)[1][-1] - y) ** 2) / (2.0 * n))

        losses = []
        for _ in range(epochs):
            if loss_before:
                losses.append(loss())
            if wrong_axis:                       # the blog's loop, on (features, N) arrays
                i = 0
                while i < len(y):
                    x_batch, y_batch = x[i:i + batch_size], y[i:i + batch_size]
                    i = i + batch_size
                    update(x_batch, y_batch)
            else:
                stop = n - batch_size + 1 if drop_last else n
                for i in range(0, stop, batch_size):
                    update(x[:, i:i + batch_size], y[:, i:i + batch_size])
            if not loss_before:
                losses.append(loss())
        return losses
    return train


def _activation_sigmoid_sign(name):
    if name == 'sigmoid':
        return lambda z: 1 / (1 + np.exp(z))
    return _plain_activation(name)


def _plain_activation(name):
    table = {'linear': lambda z: np.array(z, dtype=float), 'relu': lambda z: np.maximum(z, 0.0),
             'tanh': np.tanh}
    if name not in table:
        raise ValueError(name)
    return table[name]


MISTAKES = list(PUBLIC_MISTAKES) + [
    Mistake("activation_sigmoid_sign", "getActivationFunction", _activation_sigmoid_sign,
            "the sigmoid is computed as 1 / (1 + exp(z)), which is sigmoid(-z): the exponent "
            "needs a minus sign, 1 / (1 + exp(-z)).",
            {"test_getActivationFunction": 2, "test_getActivationFunction_stable": 1}),
    Mistake("init_assert", "__init__", _init_variant(assert_only=True),
            "a mismatch between layers and activations is caught with assert, which raises "
            "AssertionError (and disappears under python -O). Raise ValueError with a message "
            "that says what is wrong.",
            {"test_init_mismatch": 1}),
    Mistake("init_weights_transposed", "__init__", _init_variant(transposed=True),
            "weights[l] is (layers[l], layers[l+1]), the row-convention shape. With one example "
            "per column, z = w @ a + b needs w of shape (layers[l+1], layers[l]).",
            {"test_init_shapes": 1}),
    Mistake("init_blog", "__init__", _init_variant(blog=True),
            "the weights and biases start as standard normal draws, as in the blog; the notebook "
            "draws the weights with standard deviation 1/sqrt(layers[l]), so that z = w @ a + b "
            "starts near 1 in size whatever the layer's width, and starts the biases at zero.",
            {"test_init_shapes": 0.33}),
    Mistake("init_bias_vector", "__init__", _init_variant(flat_bias=True),
            "biases[l] is a flat vector (layers[l+1],). Added to a (layers[l+1], B) array it "
            "would broadcast along the wrong axis; make it a column (layers[l+1], 1).",
            {"test_init_shapes": 1}),
    Mistake("feedforward_one_activation", "feedforward", _feedforward_variant(same_activation=True),
            "every layer uses the first activation; layer l must use activations[l].",
            {"test_feedforward_values": 2}),
    Mistake("feedforward_no_input", "feedforward", _feedforward_variant(keep_x=False),
            "a_s does not start with x. backpropagation needs a_s[0] = x for the first "
            "layer's dC/dw (BP4 uses a^0 = x).",
            {"test_feedforward_shapes": 1, "test_feedforward_values": 2}),
    Mistake("backpropagation_negative_gradient", "backpropagation",
            _backprop_variant(negative=True),
            "dw and db are the NEGATIVE of the gradient: the blog's delta starts from (y - a), "
            "and its train then adds lr * dw. The gradient of C starts from (a - y) (BP1: "
            "grad_a C = (a^L - y) / B), and descent subtracts it.",
            {"test_backpropagation_numerical_gradient": 6}),
    Mistake("backpropagation_summed", "backpropagation", _backprop_variant(average=False),
            "dw and db are B times too large: they sum over the batch instead of averaging. "
            "C has a 1/(2B) in front, so grad_a C = (a^L - y) / B.",
            {"test_backpropagation_numerical_gradient": 6}),
    Mistake("backpropagation_bias_not_summed", "backpropagation",
            _backprop_variant(bias_sum=False),
            "db[l] is delta itself, one column per example. A bias is shared by the whole "
            "batch, so BP3 sums delta over the columns: delta.sum(axis=1, keepdims=True).",
            {"test_backpropagation_shapes": 1, "test_backpropagation_numerical_gradient": 6}),
    Mistake("backpropagation_no_hidden_derivative", "backpropagation",
            _backprop_variant(hidden_derivative=False),
            "the hidden layers' delta lacks the factor f'(z^l): BP2 is "
            "delta^l = (w^(l+1).T @ delta^(l+1)) * f'(z^l). A one-layer network cannot show it.",
            {"test_backpropagation_numerical_gradient": 4}),
    Mistake("backpropagation_weights_transposed", "backpropagation",
            _backprop_variant(transpose_dw=True),
            "dw[l] is transposed: BP4 is delta^l @ (a^(l-1)).T, of shape (layers[l+1], layers[l]) "
            "like weights[l].",
            {"test_backpropagation_shapes": 1, "test_backpropagation_numerical_gradient": 6}),
    Mistake("train_gradient_ascent", "train", _train_variant(sign=+1),
            "train adds lr * dw. backpropagation returns the gradient of C, so descent is "
            "w - lr * dw (the blog's + only worked because its delta had the opposite sign).",
            {"test_train_converges": 2}),
    Mistake("train_wrong_axis", "train", _train_variant(wrong_axis=True),
            "the batches are sliced along the feature axis, x[i:i + batch_size] while "
            "i < len(y), as in the blog. With x of shape (features, N) that takes rows "
            "(features): every epoch is one full-batch update. A batch of columns is "
            "x[:, i:i + batch_size], for i in range(0, N, batch_size).",
            {"test_train_updates": 2, "test_train_converges": 1}),
    Mistake("train_drops_last_batch", "train", _train_variant(drop_last=True),
            "the last, shorter batch is skipped when batch_size does not divide N; its columns "
            "never update the weights. range(0, N, batch_size) with x[:, i:i + batch_size] "
            "includes it.",
            {"test_train_updates": 2, "test_train_converges": 1}),
    Mistake("train_loss_mean_over_entries", "train", _train_variant(loss_mean=True),
            "losses[e] is 0.5 * mean((a - y)**2) over every entry, which is C divided by the "
            "number of outputs. C = (1/2B) * sum((a - y)**2) sums over the outputs of each "
            "column and averages over the B columns only.",
            {"test_train_converges": 2}),
    Mistake("train_loss_before_epoch", "train", _train_variant(loss_before=True),
            "losses[e] is C before epoch e; it must be C over all columns after epoch e.",
            {"test_train_converges": 2}),
]

# ------------------------------------------------- correct, written otherwise


def _activation_other(name):
    if name == 'sigmoid':
        return lambda z: 0.5 * (1 + np.tanh(z / 2))        # sigmoid via tanh
    if name == 'linear':
        return lambda z: z
    if name == 'relu':
        return lambda z: z * (z > 0)
    if name == 'tanh':
        return lambda z: 2 / (1 + np.exp(-2 * z)) - 1
    raise ValueError(f"no activation named {name}")


def _activation_naive(name):
    table = {'sigmoid': lambda z: 1 / (1 + np.exp(-z)), 'linear': lambda z: z + 0.0,
             'relu': lambda z: np.where(z > 0, z, 0.0), 'tanh': np.tanh}
    if name not in table:
        raise ValueError(name)
    return table[name]


def _derivative_other(name):
    if name == 'sigmoid':
        return lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2
    if name == 'linear':
        return lambda z: np.full(np.shape(z), 1.0)
    if name == 'relu':
        return lambda z: np.heaviside(z, 0.0)
    if name == 'tanh':
        return lambda z: 1 / np.cosh(z) ** 2
    raise ValueError("unknown activation: " + repr(name))


def _init_other(self, layers=[2, 10, 1], activations=['sigmoid', 'sigmoid'], seed=0):
    if len(activations) != len(layers) - 1:
        raise ValueError("need len(layers) - 1 activations")
    self.layers = layers
    self.activations = activations
    rng = np.random.default_rng(seed)
    self.weights, self.biases = [], []
    for i in range(len(layers) - 1):
        self.weights.append(rng.standard_normal((layers[i + 1], layers[i])) / np.sqrt(layers[i]))
        self.biases.append(np.zeros((layers[i + 1], 1)))
    self.num_layers = len(layers) - 1


def _feedforward_other(self, x):
    a_s = [x]
    z_s = []
    for i in range(len(self.weights)):
        z_s.append(np.dot(self.weights[i], a_s[-1]) + self.biases[i])
        a_s.append(self.getActivationFunction(self.activations[i])(z_s[-1]))
    return (z_s, a_s)


def _backprop_einsum(self, y, z_s, a_s):
    B = y.shape[1]
    deltas = [None] * len(self.weights)
    deltas[-1] = (a_s[-1] - y) / B * self.getDerivativeActivationFunction(self.activations[-1])(z_s[-1])
    for l in reversed(range(len(deltas) - 1)):
        deltas[l] = (np.einsum("ji,jb->ib", self.weights[l + 1], deltas[l + 1])
                     * self.getDerivativeActivationFunction(self.activations[l])(z_s[l]))
    dw = [np.einsum("ib,jb->ij", d, a_s[l]) for l, d in enumerate(deltas)]
    db = [np.einsum("ib->i", d)[:, None] for d in deltas]
    return dw, db


def _backprop_loops(self, y, z_s, a_s):
    B = y.shape[1]
    L = len(self.weights)
    dw = [np.zeros_like(w) for w in self.weights]
    db = [np.zeros_like(b) for b in self.biases]
    for k in range(B):                                  # one example (column) at a time
        delta = ((a_s[-1][:, k:k + 1] - y[:, k:k + 1])
                 * self.getDerivativeActivationFunction(self.activations[-1])(z_s[-1][:, k:k + 1]))
        for l in range(L - 1, -1, -1):
            dw[l] += np.outer(delta, a_s[l][:, k]) / B
            db[l] += delta / B
            if l > 0:
                delta = (self.weights[l].T.dot(delta)
                         * self.getDerivativeActivationFunction(self.activations[l - 1])(z_s[l - 1][:, k:k + 1]))
    return dw, db


def _train_while(self, x, y, batch_size=10, epochs=100, lr=0.01):
    losses = []
    n = y.shape[1]
    for epoch in range(epochs):
        start = 0
        while start < n:
            cols = np.arange(start, min(start + batch_size, n))
            z_s, a_s = self.feedforward(x[:, cols])
            dw, db = self.backpropagation(y[:, cols], z_s, a_s)
            for l in range(len(self.weights)):
                self.weights[l] -= lr * dw[l]               # in place on self: allowed
                self.biases[l] -= lr * db[l]
            start += batch_size
        out = self.feedforward(x)[1][-1]
        losses.append(0.5 * np.mean(np.sum((out - y) ** 2, axis=0)))
    return losses


def _train_inline(self, x, y, batch_size=10, epochs=100, lr=0.01):
    """The gradient written out inside train, without calling self.backpropagation."""
    losses = []
    n = x.shape[1]
    for _ in range(epochs):
        for i in range(0, n, batch_size):
            xb, yb = x[:, i:i + batch_size], y[:, i:i + batch_size]
            z_s, a_s = self.feedforward(xb)
            delta = (a_s[-1] - yb) / xb.shape[1] * \
                self.getDerivativeActivationFunction(self.activations[-1])(z_s[-1])
            dw, db = [], []
            for l in range(len(self.weights) - 1, -1, -1):
                dw.insert(0, delta @ a_s[l].T)
                db.insert(0, delta.sum(axis=1, keepdims=True))
                if l:
                    delta = (self.weights[l].T @ delta) * \
                        self.getDerivativeActivationFunction(self.activations[l - 1])(z_s[l - 1])
            self.weights = [w - lr * d for w, d in zip(self.weights, dw)]
            self.biases = [b - lr * d for b, d in zip(self.biases, db)]
        losses.append(float(np.sum((self.feedforward(x)[1][-1] - y) ** 2) / (2 * n)))
    return losses


#: (target, function): each must keep full marks.
ALTERNATES = [
    ("__init__", _init_other),
    ("getActivationFunction", _activation_other),
    ("getActivationFunction", _activation_naive),
    ("getDerivativeActivationFunction", _derivative_other),
    ("feedforward", _feedforward_other),
    ("backpropagation", _backprop_einsum),
    ("backpropagation", _backprop_loops),
    ("train", _train_while),
    ("train", _train_inline),
]

# ------------------------------------------------ the public checks, for pytest

# `pytest tests/hidden/mlp_hidden.py --notebook ...` runs what grading runs:
# these checks and the public ones of the same cells. (nncheck.checks_for
# takes from a module only the checks defined there, so grading is unchanged.)
import mlp_checks as _public  # noqa: E402

globals().update({name: f for name, f in vars(_public).items() if name.startswith("test_")})
