"""Hidden checks for the autoencoder assignment. Never released to students.

Each check takes `submission` (the code under test) and `reference` (the
functions of solutions/autoencoder.py). Inputs are seeded and differ from the
public ones: m, n and k all different, and m = 1. Each function is graded on
its own: during its checks the helpers it calls are the reference ones (see
DEPENDS in autoencoder_checks.py), and backward runs on the reference cache.

MISTAKES is the catalogue of known wrong answers: it names mistakes in the
feedback, and tests/test_autoencoder_suite.py proves that each one loses
exactly the points listed. ALTERNATES are correct answers written differently;
they must keep full marks.
"""
import numpy as np

from autoencoder_checks import (MISTAKES as PUBLIC_MISTAKES, backward_on, check_forward_result,
                                check_grads, check_train_result, random_params)
from nncheck import (GRAD_RTOL, CheckFailed, Mistake, cell, expect_array, expect_close,
                     expect_float, numerical_gradient)

#: Relative tolerance between the student's loss curve and the reference's.
#: Both run the same arithmetic in float64; reordering sums changes the last
#: bits only, and plain gradient descent on this problem does not amplify them
#: (seen: below 1e-12 over 300 epochs; the checks run 100). A wrong update is off by 1e-2 or more.
CURVE_RTOL = 1e-6

M, N, K = 7, 4, 3          # all different, so a transposed shape cannot pass


def _problem(m, n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(m, n)), random_params(n, k, seed=seed + 1)

# --------------------------------------------------------------------------- g


@cell("test_g_values")
def test_g_values_hidden(submission, reference):
    """g works on any shape: a (2, 3, 4) array"""
    x = np.random.default_rng(101).normal(0, 3, size=(2, 3, 4))
    out = expect_array(submission.g(x), x.shape, "g(x) for x of shape (2, 3, 4)")
    expect_close(out, reference.g(x), "g(x)")


@cell("test_g_stable")
def test_g_stable_hidden(submission, reference):
    """g is finite and exact at large |x|, and returns nothing that overflowed"""
    x = np.array([[-1000.0, -745.0, -40.0, 0.0], [40.0, 709.0, 710.0, 1000.0]])
    out = expect_array(submission.g(x), x.shape, "g(x) at large |x|")
    expect_close(out, reference.g(x), "g(x) at large |x|")

# ------------------------------------------------------------------- gGradient


@cell("test_gGradient_shape")
def test_gGradient_shape_hidden(submission, reference):
    """gGradient keeps the shape for (m, n) with m != n, and for m = 1"""
    for shape in ((M, N), (1, 5)):
        z = np.random.default_rng(102).normal(size=shape)
        expect_array(submission.gGradient(z), shape, f"gGradient(z) for z of shape {shape}")


@cell("test_gGradient_values")
def test_gGradient_values_hidden(submission, reference):
    """gGradient matches g(z)(1 - g(z)) on (m, n) inputs, large ones included"""
    z = np.random.default_rng(103).normal(0, 4, size=(M, N))
    out = expect_array(submission.gGradient(z), z.shape, f"gGradient(z) for z of shape {z.shape}")
    expect_close(out, reference.gGradient(z), "gGradient(z)")

# ------------------------------------------------------------------------ cost


@cell("test_cost")
def test_cost_hidden(submission, reference):
    """cost on an (m, n) batch with m != n"""
    rng = np.random.default_rng(104)
    x, xhat = rng.normal(size=(M, N)), rng.normal(size=(M, N))
    out = expect_float(submission.cost(x, xhat), "cost(x, xhat)")
    expect_close(out, reference.cost(x, xhat), f"cost(x, xhat) for x of shape {x.shape}")

# ---------------------------------------------------------- numerical_gradient


@cell("test_numerical_gradient")
def test_numerical_gradient_hidden(submission, reference):
    """numerical_gradient is central-difference accurate on a 3-d array"""
    x = np.random.default_rng(105).normal(size=(2, 3, 2))
    out = submission.numerical_gradient(lambda v: float(np.sum(np.exp(v))), x)
    out = expect_array(out, x.shape, "numerical_gradient(f, x) for x of shape (2, 3, 2)")
    expect_close(out, np.exp(x), "numerical_gradient of sum(exp(x)) (a one-sided "
                 "difference is not accurate enough)", rtol=GRAD_RTOL)

# --------------------------------------------------------------------- forward


@cell("test_forward_shapes")
def test_forward_shapes_hidden(submission, reference):
    """forward shapes with m, n, k all different, and with m = 1"""
    for m, n, k in ((M, N, K), (1, 5, 2)):
        x, params = _problem(m, n, k, seed=106)
        check_forward_result(submission.forward(x, params), m, n, k)


@cell("test_forward_values")
def test_forward_values_hidden(submission, reference):
    """forward values: xhat and every cache entry"""
    x, params = _problem(M, N, K, seed=107)
    xhat, cache = check_forward_result(submission.forward(x, params), M, N, K)
    ref_xhat, ref_cache = reference.forward(x, params)
    expect_close(xhat, ref_xhat, "xhat")
    for key in ("z1", "h1", "z2", "h2"):
        expect_close(cache[key], ref_cache[key], f"cache[{key!r}]")

# -------------------------------------------------------------------- backward


def _backward_of(submission, reference, x, params):
    _, cache = reference.forward(x, params)
    return backward_on(submission, x, params, cache)


@cell("test_backward_shapes")
def test_backward_shapes_hidden(submission, reference):
    """backward shapes with m, n, k all different, and with m = 1"""
    for m, n, k in ((M, N, K), (1, 5, 2)):
        x, params = _problem(m, n, k, seed=108)
        check_grads(_backward_of(submission, reference, x, params), n, k)


def _numerical_check(submission, reference, name):
    x, params = _problem(M, N, K, seed=109)
    grads = check_grads(_backward_of(submission, reference, x, params), N, K)
    work = {k: v.copy() for k, v in params.items()}
    expected = numerical_gradient(
        lambda: reference.cost(x, reference.forward(x, work)[0]), work[name])
    hint = ""
    if name.startswith("b"):
        ratio = np.sum(grads[name]) / np.sum(expected) if np.sum(expected) else 0.0
        if abs(ratio * M - 1) < 1e-3:
            hint = (" It is 1/m of the right value: a bias adds to every example, "
                    "so its gradient sums over examples; it is not their mean.")
    try:
        expect_close(grads[name], expected, f"grads[{name!r}] (compared with a numerical "
                     f"gradient, m={M}, n={N}, k={K})", rtol=GRAD_RTOL)
    except CheckFailed as e:
        raise CheckFailed(str(e) + hint) from None


@cell("test_backward_numerical_gradient")
def test_backward_w1_hidden(submission, reference):
    """grads['w1'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "w1")


@cell("test_backward_numerical_gradient")
def test_backward_b1_hidden(submission, reference):
    """grads['b1'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "b1")


@cell("test_backward_numerical_gradient")
def test_backward_w2_hidden(submission, reference):
    """grads['w2'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "w2")


@cell("test_backward_numerical_gradient")
def test_backward_b2_hidden(submission, reference):
    """grads['b2'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "b2")


@cell("test_backward_numerical_gradient")
def test_backward_w3_hidden(submission, reference):
    """grads['w3'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "w3")


@cell("test_backward_numerical_gradient")
def test_backward_b3_hidden(submission, reference):
    """grads['b3'] matches a numerical gradient of the cost"""
    _numerical_check(submission, reference, "b3")

# ----------------------------------------------------------------------- train


@cell("test_train_losses")
def test_train_losses_hidden(submission, reference):
    """train: one loss per epoch, each the cost before that update, and the right params"""
    x, params = _problem(9, N, K, seed=110)
    got, losses = check_train_result(submission.train(x, params, 0.3, 7), 7, N, K)
    ref_params, ref_losses = reference.train(x, params, 0.3, 7)
    expect_close(np.array(losses), np.array(ref_losses), "losses (losses[i] is the cost "
                 "before update i)", rtol=CURVE_RTOL)
    for name in ref_params:
        expect_close(got[name], ref_params[name], f"trained params[{name!r}]", rtol=CURVE_RTOL)


@cell("test_train_converges")
def test_train_converges_hidden(submission, reference):
    """train follows the reference loss curve for 100 epochs on low-rank data"""
    rng = np.random.default_rng(111)
    x = 1 / (1 + np.exp(-(rng.normal(size=(40, 2)) @ rng.normal(size=(2, 6)))))
    params = random_params(6, 3, seed=112)
    _, losses = check_train_result(submission.train(x, params, 1.0, 100),
                                   100, 6, 3)
    _, ref_losses = reference.train(x, params, 1.0, 100)
    expect_close(np.array(losses), np.array(ref_losses), "the loss curve over 100 epochs "
                 "at lr=1.0", rtol=CURVE_RTOL)

# ------------------------------------------------------ the mistake catalogue


def _s(z):
    return 0.5 * (1 + np.tanh(z / 2))


def _forward(x, p):
    z1 = x @ p["w1"] + p["b1"]
    h1 = _s(z1)
    z2 = h1 @ p["w2"] + p["b2"]
    h2 = _s(z2)
    return h2 @ p["w3"] + p["b3"], {"z1": z1, "h1": h1, "z2": z2, "h2": h2}


def _backward(x, p, cache, bias=lambda d: d.sum(axis=0), weight=lambda a, d: a.T @ d):
    m = x.shape[0]
    h1, h2 = cache["h1"], cache["h2"]
    dxhat = (h2 @ p["w3"] + p["b3"] - x) / m
    dz2 = (dxhat @ p["w3"].T) * h2 * (1 - h2)
    dz1 = (dz2 @ p["w2"].T) * h1 * (1 - h1)
    return {"w3": weight(h2, dxhat), "b3": bias(dxhat), "w2": weight(h1, dz2),
            "b2": bias(dz2), "w1": weight(x, dz1), "b1": bias(dz1)}


def _cost(x, xhat):
    return float(np.sum((x - xhat) ** 2) / (2 * x.shape[0]))


def _train(x, params, lr, epochs, sign=-1, copy=True, after=False):
    p = {k: v.copy() for k, v in params.items()} if copy else params
    losses = []
    for _ in range(epochs):
        xhat, cache = _forward(x, p)
        if not after:
            losses.append(_cost(x, xhat))
        grads = _backward(x, p, cache)
        for name in p:
            if copy:
                p[name] = p[name] + sign * lr * grads[name]
            else:
                p[name] += sign * lr * grads[name]
        if after:
            losses.append(_cost(x, _forward(x, p)[0]))
    return p, losses


def _forward_difference(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - base) / h
        x[i] = old
    return grad


ALL_BACKWARD = {"test_backward_numerical_gradient": 6}

MISTAKES = list(PUBLIC_MISTAKES) + [
    Mistake("cost_no_half", "cost", lambda x, xhat: float(np.sum((x - xhat) ** 2) / x.shape[0]),
            "cost is twice the expected value: the 1/2 in (1/2m) is missing.",
            {"test_cost": 2}),
    Mistake("cost_no_mean", "cost", lambda x, xhat: float(0.5 * np.sum((x - xhat) ** 2)),
            "cost is m times the expected value: divide by the number of examples m.",
            {"test_cost": 2}),
    Mistake("numerical_gradient_one_sided", "numerical_gradient", _forward_difference,
            "numerical_gradient uses a one-sided difference (f(x+h) - f(x)) / h; the "
            "central difference (f(x+h) - f(x-h)) / 2h is far more accurate.",
            {"test_numerical_gradient": 2}),
    Mistake("forward_sigmoid_output", "forward",
            lambda x, p: (_s(_forward(x, p)[0]), _forward(x, p)[1]),
            "xhat went through the sigmoid; the last layer is linear: xhat = h2 w3 + b3.",
            {"test_forward_values": 2}),
    Mistake("backward_bias_mean", "backward",
            lambda x, p, c: _backward(x, p, c, bias=lambda d: d.mean(axis=0)),
            "the bias gradients are averaged over the examples (mean); the 1/m is "
            "already in the cost, so they must be summed: dz.sum(axis=0).",
            {"test_backward_numerical_gradient": 3}),
    Mistake("backward_bias_rows", "backward",
            lambda x, p, c: _backward(x, p, c, bias=lambda d: d),
            "the bias gradients have one row per example (m, .), like the m x k bias "
            "matrices in the original question; a bias is a vector, so sum over axis 0.",
            {"test_backward_shapes": 1, "test_backward_numerical_gradient": 6}),
    Mistake("backward_weights_transposed", "backward",
            lambda x, p, c: _backward(x, p, c, weight=lambda a, d: d.T @ a),
            "the weight gradients are transposed: dS/dw = a.T @ dz has the shape of w.",
            {"test_backward_shapes": 1, "test_backward_numerical_gradient": 6}),
    Mistake("train_gradient_ascent", "train",
            lambda x, p, lr, e: _train(x, p, lr, e, sign=+1),
            "train moves up the gradient (params + lr * grads); descent is params - lr * grads.",
            {"test_train_losses": 2, "test_train_converges": 2}),
    Mistake("train_loss_after_update", "train",
            lambda x, p, lr, e: _train(x, p, lr, e, after=True),
            "losses[i] is recorded after update i; it must be the cost before it.",
            {"test_train_losses": 2, "test_train_converges": 2}),
    Mistake("train_mutates_params", "train",
            lambda x, p, lr, e: _train(x, p, lr, e, copy=False),
            "`train` changed its argument #2 in place",
            {"test_train_losses": 2, "test_train_converges": 2}),
]

# ------------------------------------------------- correct, written otherwise


def _g_naive(x):
    return 1 / (1 + np.exp(-x))


def _gGradient_exp(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def _cost_trace(x, xhat):
    m = x.shape[0]
    return (1.0 / (2 * m)) * np.trace(np.dot(x - xhat, (x - xhat).T))


def _backward_einsum(x, p, cache):
    m = x.shape[0]
    h1, h2 = cache["h1"], cache["h2"]
    d3 = (np.einsum("ij,jk->ik", h2, p["w3"]) + p["b3"] - x) / m
    d2 = np.einsum("ik,jk->ij", d3, p["w3"]) * h2 * (1 - h2)
    d1 = np.einsum("ik,jk->ij", d2, p["w2"]) * h1 * (1 - h1)
    return {"w3": np.einsum("ij,ik->jk", h2, d3), "b3": np.einsum("ij->j", d3),
            "w2": np.einsum("ij,ik->jk", h1, d2), "b2": np.einsum("ij->j", d2),
            "w1": np.einsum("ij,ik->jk", x, d1), "b1": np.einsum("ij->j", d1)}


def _backward_loops(x, p, cache):
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    m = x.shape[0]
    for i in range(m):
        xi, h1, h2 = x[i], cache["h1"][i], cache["h2"][i]
        d3 = (h2 @ p["w3"] + p["b3"] - xi) / m
        d2 = (p["w3"] @ d3) * h2 * (1 - h2)
        d1 = (p["w2"] @ d2) * h1 * (1 - h1)
        grads["w3"] += np.outer(h2, d3)
        grads["b3"] += d3
        grads["w2"] += np.outer(h1, d2)
        grads["b2"] += d2
        grads["w1"] += np.outer(xi, d1)
        grads["b1"] += d1
    return grads


def _train_loop(x, params, lr, epochs):
    p = dict(params)
    losses = []
    epoch = 0
    while epoch < epochs:
        xhat, cache = forward(x, p)  # noqa: F821 - the notebook's forward, at call time
        losses.append(cost(x, xhat))  # noqa: F821
        grads = backward(x, p, cache)  # noqa: F821
        p = {k: p[k] - lr * grads[k] for k in p}
        epoch += 1
    return p, losses


def _numerical_gradient_flat(f, x, h=1e-5):
    flat = x.reshape(-1)
    grad = np.empty_like(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad.reshape(x.shape)


def _numerical_gradient_restored_by_arithmetic(f, x, h=1e-5):
    """Restores each entry by adding h back: an ulp or two off, which is rounding."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h
        grad[i] = (plus - minus) / (2 * h)
    return grad


#: (target, function): each must keep full marks.
ALTERNATES = [
    ("g", _g_naive),
    ("gGradient", _gGradient_exp),
    ("cost", _cost_trace),
    ("backward", _backward_einsum),
    ("backward", _backward_loops),
    ("train", _train_loop),
    ("numerical_gradient", _numerical_gradient_flat),
    ("numerical_gradient", _numerical_gradient_restored_by_arithmetic),
]

# ------------------------------------------------ the public checks, for pytest

# `pytest tests/hidden/autoencoder_hidden.py --notebook ...` runs what grading runs:
# these checks and the public ones of the same cells. (nncheck.checks_for
# takes from a module only the checks defined there, so grading is unchanged.)
import autoencoder_checks as _public  # noqa: E402

globals().update({name: f for name, f in vars(_public).items() if name.startswith("test_")})
