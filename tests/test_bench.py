"""The benchmark runs and prints every row; the reference gradients match autograd.

No timing is asserted here: bench/run.py reports speed, with ratios against
peers measured in the same run (machines are noisy).
"""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from conftest import ASSIGNMENTS, ROOT

#: Relative error allowed between the reference and autograd, both float64: two
#: exact computations in a different order differ by rounding, ~1e-15 here; any
#: real mistake (a missing factor, a transposed term) is off by far more.
REL = 1e-10


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(assignment):
    namespace = {"__name__": f"reference_{assignment}"}
    path = ROOT / "solutions" / f"{assignment}.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def test_quick_benchmark_runs_and_prints_every_row():
    out = subprocess.run([sys.executable, "bench/run.py", "--quick"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    table = out.stdout[out.stdout.index("| row "):]
    for label in bench_module().row_labels(ASSIGNMENTS):
        assert f"| {label} " in table, f"row {label!r} missing:\n{table}"
    for line in table.splitlines()[2:]:
        if line.startswith("| "):
            assert line.rstrip(" |").split("|")[-1].strip() in ("ok", "MISSED", "n/a"), line


def rel_error(actual, expected):
    return np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-300)


def test_autoencoder_reference_gradient_matches_autograd():
    torch = pytest.importorskip("torch")
    ae = reference("autoencoder")
    rng = np.random.default_rng(1)
    m, n, k = 7, 5, 3
    x = rng.normal(size=(m, n))
    params = ae["init_params"](n, k, seed=2)
    params = {name: v + rng.normal(scale=0.3, size=v.shape) for name, v in params.items()}
    xhat, cache = ae["forward"](x, params)
    grads = ae["backward"](x, params, cache)

    tx = torch.from_numpy(x)
    tp = {name: torch.from_numpy(v.copy()).requires_grad_() for name, v in params.items()}
    h1 = torch.sigmoid(tx @ tp["w1"] + tp["b1"])
    h2 = torch.sigmoid(h1 @ tp["w2"] + tp["b2"])
    t_xhat = h2 @ tp["w3"] + tp["b3"]
    loss = ((tx - t_xhat) ** 2).sum() / (2 * m)
    loss.backward()
    assert abs(ae["cost"](x, xhat) - loss.item()) <= REL * abs(loss.item())
    assert set(grads) == set(params)
    for name, t in tp.items():
        assert grads[name].shape == params[name].shape
        assert rel_error(grads[name], t.grad.numpy()) <= REL, name


@pytest.mark.parametrize("activations", [("sigmoid", "tanh", "linear"),
                                         ("relu", "sigmoid", "sigmoid"),
                                         ("tanh", "relu", "tanh")])
def test_mlp_reference_gradient_matches_autograd(activations):
    torch = pytest.importorskip("torch")
    NeuralNetwork = reference("mlp")["NeuralNetwork"]
    layers, batch = [6, 5, 4, 3], 8
    net = NeuralNetwork(layers, list(activations), seed=3)
    rng = np.random.default_rng(4)
    net.biases = [b + rng.normal(scale=0.3, size=b.shape) for b in net.biases]
    x, y = rng.normal(size=(layers[0], batch)), rng.normal(size=(layers[-1], batch))
    z_s, a_s = net.feedforward(x)
    dw, db = net.backpropagation(y, z_s, a_s)

    funcs = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "linear": lambda z: z}
    tw = [torch.from_numpy(w.copy()).requires_grad_() for w in net.weights]
    tb = [torch.from_numpy(b.copy()).requires_grad_() for b in net.biases]
    a = torch.from_numpy(x)
    for w, b, name in zip(tw, tb, activations):
        a = funcs[name](w @ a + b)
    loss = ((a - torch.from_numpy(y)) ** 2).sum() / (2 * batch)
    loss.backward()
    assert rel_error(a_s[-1], a.detach().numpy()) <= REL
    for l in range(len(tw)):
        assert dw[l].shape == net.weights[l].shape and db[l].shape == net.biases[l].shape
        assert rel_error(dw[l], tw[l].grad.numpy()) <= REL, f"dw[{l}]"
        assert rel_error(db[l], tb[l].grad.numpy()) <= REL, f"db[{l}]"
