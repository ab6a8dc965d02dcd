"""Reference solution: a one-hidden-layer autoencoder in numpy.

Row convention: one example per row.
    x     : (m, n)   m examples, n features
    z1, h1: (m, k)   k hidden units
    z2, h2: (m, n)
    xhat  : (m, n)

    z1 = x w1 + b1,  h1 = g(z1),  z2 = h1 w2 + b2,  h2 = g(z2),  xhat = h2 w3 + b3
    S  = (1/2m) * sum((x - xhat)**2)

This file is the single source of truth for the graded functions. Each function
below also appears, line for line, in a solution region of
source/autoencoder/autoencoder.ipynb; tests/test_sources.py enforces that.
"""
import numpy as np


def g(x):
    """Numerically stable sigmoid, elementwise: 1 / (1 + exp(-x)).

    x: any shape -> float array of the same shape, values in [0, 1].
    Finite and correct for every x, |x| = 1000 included: nothing overflows.
    """
    x = np.asarray(x, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * x))   # = 1 / (1 + exp(-x)); tanh is bounded: no overflow


def gGradient(x):
    """Derivative of the sigmoid, elementwise: g(x) * (1 - g(x)).

    x: any shape -> same shape. This is not a Jacobian: each output entry
    depends only on the matching input entry.
    """
    s = g(x)
    return s * (1.0 - s)


def cost(x, xhat):
    """Half mean squared error over examples.

    x, xhat: (m, n) -> Python float  (1 / (2m)) * sum((x - xhat)**2),  m = x.shape[0].
    """
    m = x.shape[0]
    return float(np.sum((x - xhat) ** 2) / (2.0 * m))


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function of an array.

    f: callable taking x and returning a float; x: float array, any shape.
    x is perturbed in place one entry at a time and restored.
    Returns grad with x's shape: (f(x + h e_i) - f(x - h e_i)) / (2h) at entry i.
    """
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def init_params(n, k, seed=0):
    """Small random weights and zero biases.

    Returns a dict: w1 (n, k), b1 (k,), w2 (k, n), b2 (n,), w3 (n, n), b3 (n,).
    """
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, k)),
        "b1": np.zeros(k),
        "w2": rng.normal(0.0, 1.0 / np.sqrt(k), size=(k, n)),
        "b2": np.zeros(n),
        "w3": rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n)),
        "b3": np.zeros(n),
    }


def forward(x, params):
    """Forward pass.

    x: (m, n); params as from init_params.
    Returns (xhat, cache): xhat (m, n); cache dict z1 (m, k), h1 (m, k), z2 (m, n), h2 (m, n).
    """
    z1 = x @ params["w1"] + params["b1"]
    h1 = g(z1)
    z2 = h1 @ params["w2"] + params["b2"]
    h2 = g(z2)
    xhat = h2 @ params["w3"] + params["b3"]
    return xhat, {"z1": z1, "h1": h1, "z2": z2, "h2": h2}


def backward(x, params, cache):
    """Exact gradient of cost(x, forward(x, params)[0]) for every parameter.

    x: (m, n); params as from init_params; cache from forward.
    Returns grads, a dict with the keys and shapes of params.
    """
    m = x.shape[0]
    h1, h2 = cache["h1"], cache["h2"]
    xhat = h2 @ params["w3"] + params["b3"]
    dxhat = (xhat - x) / m                      # (m, n)
    dw3 = h2.T @ dxhat                          # (n, n)
    db3 = dxhat.sum(axis=0)                     # (n,)  a bias touches every row: sum
    dz2 = (dxhat @ params["w3"].T) * gGradient(cache["z2"])   # (m, n), elementwise
    dw2 = h1.T @ dz2                            # (k, n)
    db2 = dz2.sum(axis=0)                       # (n,)
    dz1 = (dz2 @ params["w2"].T) * gGradient(cache["z1"])     # (m, k)
    dw1 = x.T @ dz1                             # (n, k)
    db1 = dz1.sum(axis=0)                       # (k,)
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2, "w3": dw3, "b3": db3}


def train(x, params, lr, epochs):
    """Full-batch gradient descent.

    x: (m, n); params as from init_params (not mutated); lr: float; epochs: int.
    Returns (params, losses): the trained params (new arrays) and a list of
    `epochs` floats, losses[i] being the cost before update i.
    """
    params = {name: value.copy() for name, value in params.items()}
    losses = []
    for _ in range(epochs):
        xhat, cache = forward(x, params)
        losses.append(cost(x, xhat))
        grads = backward(x, params, cache)
        for name in params:
            params[name] = params[name] - lr * grads[name]
    return params, losses
