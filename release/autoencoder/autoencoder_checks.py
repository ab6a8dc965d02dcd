"""Public checks for the autoencoder assignment.

Run them from the notebook (each test cell calls ``check``) or from a terminal:

    python nncheck.py autoencoder.ipynb

Grading runs these and more, on other inputs. Shapes: x (m, n), k hidden units.
"""
import numpy as np

from nncheck import (GRAD_RTOL, ROUNDING_RTOL, CheckFailed, Mistake, cell, expect_array,
                     expect_close, expect_float, numerical_gradient, rel_error, type_name)

#: Test cells of the notebook: grade_id -> (function, points).
CELLS = {
    "test_g_values": ("g", 1),
    "test_g_stable": ("g", 1),
    "test_gGradient_shape": ("gGradient", 1),
    "test_gGradient_values": ("gGradient", 1),
    "test_cost": ("cost", 2),
    "test_numerical_gradient": ("numerical_gradient", 2),
    "test_forward_shapes": ("forward", 1),
    "test_forward_values": ("forward", 2),
    "test_backward_shapes": ("backward", 1),
    "test_backward_numerical_gradient": ("backward", 6),
    "test_train_losses": ("train", 2),
    "test_train_converges": ("train", 2),
}

#: The graded functions each function may call. When a notebook is graded, these
#: are the reference versions during that function's checks, so a mistake in one
#: function costs only that function's points. Locally, your own versions run.
DEPENDS = {
    "gGradient": ["g"],
    "forward": ["g"],
    "backward": ["g", "gGradient", "forward", "cost"],
    "train": ["g", "gGradient", "forward", "backward", "cost"],
}


def param_shapes(n, k):
    """The shape of every parameter for n features and k hidden units."""
    return {"w1": (n, k), "b1": (k,), "w2": (k, n), "b2": (n,), "w3": (n, n), "b3": (n,)}


def random_params(n, k, seed):
    """Seeded parameters of moderate size, biases included (not zero)."""
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0.0, 0.7, size=shape)
            for name, shape in param_shapes(n, k).items()}


def _seed_jacobian(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return np.dot(s.T, 1 - s)


def _exp_over_one_plus_exp(x):
    return np.exp(x) / (1 + np.exp(x))


def _perturbs_copies(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


#: Mistakes from the course's starting story that these checks can name.
MISTAKES = [
    Mistake("gGradient_jacobian", "gGradient", _seed_jacobian,
            "gGradient returned np.dot(g(x).T, 1 - g(x)), an (n, n) 'Jacobian'. The "
            "sigmoid acts elementwise, so its derivative is elementwise too: "
            "g(x) * (1 - g(x)), the same shape as x.",
            {"test_gGradient_shape": 1, "test_gGradient_values": 1}),
    Mistake("g_exp_overflow", "g", _exp_over_one_plus_exp,
            "exp(x) / (1 + exp(x)) gives inf / inf = nan for large x. Use "
            "1 / (1 + exp(-x)), or a form that only takes exp of non-positive numbers.",
            {"test_g_stable": 1}),
    Mistake("numerical_gradient_on_copies", "numerical_gradient", _perturbs_copies,
            "numerical_gradient perturbs copies of x (x.copy() + h e_i) and passes them to f. "
            "That is correct for an f that reads its argument, but the notebook's gradient "
            "check passes an f that reads the parameters themselves: perturb x in place, call "
            "f(x), and put the entry back.",
            {"test_numerical_gradient": 0.67}),
]

# --------------------------------------------------------------------------- g

X_SMALL = np.array([[-3.0, -0.5, 0.0], [0.5, 2.0, 4.0]])


@cell("test_g_values")
def test_g_values_public(submission):
    """g matches the sigmoid elementwise and keeps the shape of x"""
    out = expect_array(submission.g(X_SMALL), X_SMALL.shape, "g(x) for x of shape (2, 3)")
    expect_close(out, 0.5 * (1.0 + np.tanh(X_SMALL / 2.0)), "g(x)")


@cell("test_g_stable")
def test_g_stable_public(submission):
    """g stays finite and correct at x = +-1000"""
    x = np.array([-1000.0, 1000.0])
    out = expect_array(submission.g(x), (2,), "g([-1000, 1000])")
    expect_close(out, np.array([0.0, 1.0]), "g([-1000, 1000])")

# ------------------------------------------------------------------- gGradient


@cell("test_gGradient_shape")
def test_gGradient_shape_public(submission):
    """gGradient(z) has the shape of z (it is elementwise, not a Jacobian)"""
    z = np.linspace(-2, 2, 12).reshape(4, 3)
    expect_array(submission.gGradient(z), (4, 3), "gGradient(z) for z of shape (4, 3)")


@cell("test_gGradient_values")
def test_gGradient_values_public(submission):
    """gGradient(z) = g(z) * (1 - g(z))"""
    out = expect_array(submission.gGradient(X_SMALL), X_SMALL.shape,
                       "gGradient(x) for x of shape (2, 3)")
    expect_close(out, 0.25 / np.cosh(X_SMALL / 2.0) ** 2, "gGradient(x)")

# ------------------------------------------------------------------------ cost


@cell("test_cost")
def test_cost_public(submission):
    """cost(x, xhat) = (1/2m) * sum((x - xhat)**2), a float"""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    out = expect_float(submission.cost(x, np.zeros((3, 2))), "cost(x, xhat)")
    expect_close(out, 5.0, "cost(x, xhat) with x of shape (3, 2)")

# ---------------------------------------------------------- numerical_gradient


@cell("test_numerical_gradient")
def test_numerical_gradient_public(submission):
    """numerical_gradient of sum(x**3) is 3 x**2, with x left unchanged"""
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
    out = submission.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    out = expect_array(out, x.shape, "numerical_gradient(f, x) for x of shape (2, 3)")
    expect_close(out, 3 * x ** 2, "numerical_gradient of sum(x**3)", rtol=GRAD_RTOL)


IN_PLACE = ("The notebook asks numerical_gradient to perturb x itself, in place, and to put "
            "each entry back: the gradient check after backward passes an f that ignores its "
            "argument and reads the parameters it closes over, so perturbing a copy leaves "
            "that f constant.")


def in_place_check(submission, x0, what):
    """numerical_gradient(f, x) where f reads x itself, not its argument."""
    x = submission.hold(x0.copy())
    out = submission.numerical_gradient(lambda _: float(np.sum(submission.current(x) ** 3)), x)
    out = expect_array(out, x0.shape, f"numerical_gradient(f, x) for x of shape {x0.shape}")
    now = submission.current(x)
    if rel_error(now, x0) > ROUNDING_RTOL:
        raise CheckFailed("numerical_gradient left x changed: put each entry back exactly "
                          "(save `old = x[i]` before changing it, then `x[i] = old`).")
    try:
        expect_close(out, 3 * x0 ** 2, what, rtol=GRAD_RTOL)
    except CheckFailed as e:
        raise CheckFailed(f"{e} {IN_PLACE}") from None


@cell("test_numerical_gradient")
def test_numerical_gradient_in_place_public(submission):
    """numerical_gradient perturbs x itself and puts it back (f may read x instead of its argument)"""
    in_place_check(submission, np.array([[0.5, -1.0], [2.0, 1.5]]),
                   "numerical_gradient with an f that reads x itself")

# --------------------------------------------------------------------- forward


FWD_X = np.array([[0.35, 0.82], [0.33, -1.3], [0.91, 0.45]])
FWD_PARAMS = {
    "w1": np.array([[1.44, -1.81, 0.3, -0.4], [-0.32, -0.15, -1.43, -0.16]]),
    "b1": np.array([0.1, -0.2, 0.3, 0.0]),
    "w2": np.array([[-0.43, 1.66], [0.11, -0.18], [-0.14, -0.33], [-0.53, -0.2]]),
    "b2": np.array([0.5, -0.5]),
    "w3": np.array([[0.34, -0.17], [0.68, -0.14]]),
    "b3": np.array([1.0, -1.0]),
}
FWD_XHAT = np.array([[1.5492794649617716, -1.1632244556462106],
                     [1.5363839589457737, -1.156030854302218],
                     [1.5904707281634631, -1.169144786956054]])


def check_forward_result(result, m, n, k):
    """Validate forward's (xhat, cache) and return them."""
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        raise CheckFailed("forward must return a pair (xhat, cache), cache being a dict.")
    xhat, cache = result
    expect_array(xhat, (m, n), f"xhat for x of shape ({m}, {n})")
    for key, shape in (("z1", (m, k)), ("h1", (m, k)), ("z2", (m, n)), ("h2", (m, n))):
        if key not in cache:
            raise CheckFailed(f"cache has no key {key!r}; it needs z1, h1, z2 and h2.")
        expect_array(cache[key], shape, f"cache[{key!r}]")
    return xhat, cache


@cell("test_forward_shapes")
def test_forward_shapes_public(submission):
    """forward returns xhat (m, n) and a cache with z1, h1 (m, k), z2, h2 (m, n)"""
    x = np.random.default_rng(5).normal(size=(5, 3))
    check_forward_result(submission.forward(x, random_params(3, 2, seed=6)), 5, 3, 2)


@cell("test_forward_values")
def test_forward_values_public(submission):
    """forward computes xhat = g(g(x w1 + b1) w2 + b2) w3 + b3"""
    xhat, _ = check_forward_result(submission.forward(FWD_X, FWD_PARAMS), 3, 2, 4)
    expect_close(xhat, FWD_XHAT, "xhat")

# -------------------------------------------------------------------- backward


def check_grads(grads, n, k):
    """Validate backward's dict of gradients and return it."""
    if not isinstance(grads, dict):
        raise CheckFailed(f"backward returned a {type_name(grads)}; return a dict "
                          "with the keys of params.")
    for name, shape in param_shapes(n, k).items():
        if name not in grads:
            raise CheckFailed(f"grads has no key {name!r}.")
        hint = ""
        if name.startswith("b") and np.ndim(grads[name]) == 2:
            hint = (" A bias is one vector shared by every example, so its gradient "
                    "sums over the examples (axis 0).")
        try:
            expect_array(grads[name], shape, f"grads[{name!r}]")
        except AssertionError as e:
            raise CheckFailed(str(e) + hint) from None
    return grads


#: What the notebook asks forward to keep in its cache, and all that backward
#: may read there: grading calls backward with exactly these (from the
#: reference forward), so each function is graded on its own.
CACHE_KEYS = ("z1", "h1", "z2", "h2")


def backward_on(submission, x, params, cache):
    """Your backward, given only the cache entries the notebook promises."""
    cache = {k: cache[k] for k in CACHE_KEYS if k in cache}
    try:
        return submission.backward(x, params, cache)
    except CheckFailed as e:
        if "raised KeyError" not in str(e):
            raise
        raise CheckFailed(f"{e} backward may read only z1, h1, z2 and h2 from the cache: that is "
                          "what the notebook asks forward to keep, and grading calls backward "
                          "with a cache holding just those. Compute anything else (xhat, m) "
                          "inside backward.") from None


@cell("test_backward_shapes")
def test_backward_shapes_public(submission):
    """backward returns a gradient for every parameter, shaped like it"""
    x = np.random.default_rng(7).normal(size=(5, 3))
    params = random_params(3, 2, seed=8)
    _, cache = submission.forward(x, params)
    check_grads(backward_on(submission, x, params, cache), 3, 2)


def _own_numerical_check(submission, name):
    """Compare grads[name] with a numerical gradient of your own cost(forward(...))."""
    x = np.random.default_rng(9).normal(size=(4, 3))
    params = random_params(3, 2, seed=10)
    _, cache = submission.forward(x, params)
    grads = check_grads(backward_on(submission, x, params, cache), 3, 2)
    work = {k: v.copy() for k, v in params.items()}

    def f():
        return submission.cost(x, submission.forward(x, work)[0])
    expected = numerical_gradient(f, work[name])
    expect_close(grads[name], expected, f"grads[{name!r}] (compared with a numerical "
                 "gradient of your own cost(x, forward(x, params)[0]))", rtol=GRAD_RTOL)


@cell("test_backward_numerical_gradient")
def test_backward_w1_public(submission):
    """grads['w1'] matches a numerical gradient"""
    _own_numerical_check(submission, "w1")


@cell("test_backward_numerical_gradient")
def test_backward_b1_public(submission):
    """grads['b1'] matches a numerical gradient"""
    _own_numerical_check(submission, "b1")


@cell("test_backward_numerical_gradient")
def test_backward_w2_public(submission):
    """grads['w2'] matches a numerical gradient"""
    _own_numerical_check(submission, "w2")


@cell("test_backward_numerical_gradient")
def test_backward_b2_public(submission):
    """grads['b2'] matches a numerical gradient"""
    _own_numerical_check(submission, "b2")


@cell("test_backward_numerical_gradient")
def test_backward_w3_public(submission):
    """grads['w3'] matches a numerical gradient"""
    _own_numerical_check(submission, "w3")


@cell("test_backward_numerical_gradient")
def test_backward_b3_public(submission):
    """grads['b3'] matches a numerical gradient"""
    _own_numerical_check(submission, "b3")

# ----------------------------------------------------------------------- train


def check_train_result(result, epochs, n, k):
    """Validate train's (params, losses) and return them."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("train must return a pair (params, losses).")
    params, losses = result
    check_grads(params, n, k)  # same keys and shapes as the parameters
    if not isinstance(losses, list) or len(losses) != epochs:
        got = len(losses) if isinstance(losses, (tuple, dict, str)) else type_name(losses)
        raise CheckFailed(f"losses must be a list of {epochs} floats (one per epoch); "
                          f"got {got}.")
    for i, loss in enumerate(losses):
        expect_float(loss, f"losses[{i}]")
    return params, losses


@cell("test_train_losses")
def test_train_losses_public(submission):
    """train returns (params, losses); losses[0] is the cost before any update, and one epoch is one step params - lr * grads"""
    x = np.random.default_rng(11).uniform(size=(6, 3))
    params = random_params(3, 2, seed=12)
    first = submission.cost(x, submission.forward(x, params)[0])
    _, losses = check_train_result(submission.train(x, params, 0.1, 5), 5, 3, 2)
    expect_close(losses[0], first, "losses[0] (it should be the cost before update 0)")
    # One epoch is one step down the gradient: params - lr * grads.
    trained, _ = check_train_result(submission.train(x, params, 0.1, 1), 1, 3, 2)
    _, cache = submission.forward(x, params)
    grads = check_grads(backward_on(submission, x, params, cache), 3, 2)
    for name in sorted(params):
        expect_close(trained[name], params[name] - 0.1 * grads[name],
                     f"params[{name!r}] after one epoch (it should be params - lr * grads)")


@cell("test_train_converges")
def test_train_converges_public(submission):
    """train lowers the cost steadily on a small problem"""
    x = np.random.default_rng(13).uniform(size=(8, 3))
    params = random_params(3, 2, seed=14)
    trained, losses = check_train_result(submission.train(x, params, 0.5, 50), 50, 3, 2)
    final = submission.cost(x, submission.forward(x, trained)[0])
    if not final <= losses[-1] * (1 + 1e-9):
        raise CheckFailed(f"the params train returns have cost {final:.4f}, more than the "
                          f"{losses[-1]:.4f} of the last loss it reports: return the params "
                          "after the last update, and record each loss from the real params.")
    if not all(b <= a for a, b in zip(losses, losses[1:])):
        raise CheckFailed("the cost went up during training; is the update "
                          "params - lr * grads?")
    if not losses[-1] < 0.5 * losses[0]:
        raise CheckFailed(f"the cost only fell from {losses[0]:.4f} to {losses[-1]:.4f} "
                          "in 50 epochs at lr=0.5; expected it to at least halve.")
