"""The fictional students of the demo, and what each one submits.

Each student hands in the released notebook. `cells` maps a solution cell's
grade_id to the code the student wrote there; cells not listed hold the
reference answer. A student whose entry is None hands in the untouched stub.
`mistakes` names the entries of tests/hidden/<assignment>_hidden.py MISTAKES
the student makes: their expected score is full marks minus those losses.
`python -m nncourse make-demo` writes tests/demo/<assignment>/<student>.ipynb
from this file; tests/test_sources.py checks the bundled notebooks are current.
`NAMES` gives each student a first and last name (and an address at
example.org): the demo puts them into the gradebook, so the formgrader lists
people, not "None, None".
"""

NAMES = {
    "ada": {"first_name": "Ada", "last_name": "Okafor",
            "email": "ada.okafor@example.org"},
    "ben": {"first_name": "Ben", "last_name": "Lindqvist",
            "email": "ben.lindqvist@example.org"},
    "cleo": {"first_name": "Cleo", "last_name": "Marchetti",
            "email": "cleo.marchetti@example.org"},
    "dev": {"first_name": "Dev", "last_name": "Raman",
            "email": "dev.raman@example.org"},
}

ROSTER = {
    "autoencoder": {
        # The reference answer.
        "ada": {"cells": {}, "mistakes": []},
        # Opened the notebook and handed it straight back.
        "ben": None,
        # The seed answer's first suggestion: an (n, n) "Jacobian" for g'.
        "cleo": {
            "cells": {"gGradient": '''def gGradient(x):
    """Derivative of the sigmoid."""
    # g'(x) is the n x n Jacobian matrix
    return np.dot(g(x).T, 1 - g(x))
'''},
            "mistakes": ["gGradient_jacobian"],
        },
        # Averages the bias gradients, as in the seed answer's first version,
        # and writes the plain sigmoid (correct, with a harmless overflow warning).
        "dev": {
            "cells": {
                "g": '''def g(x):
    """Sigmoid."""
    return 1 / (1 + np.exp(-x))
''',
                "backward": '''def backward(x, params, cache):
    """Gradients of the cost."""
    m = x.shape[0]
    h1, h2 = cache["h1"], cache["h2"]
    dSdxhat = (h2 @ params["w3"] + params["b3"] - x) / m
    dSdw3 = np.dot(h2.T, dSdxhat)
    dSdb3 = dSdxhat.mean(axis=0)
    dSdz2 = np.dot(dSdxhat, params["w3"].T) * h2 * (1 - h2)
    dSdw2 = np.dot(h1.T, dSdz2)
    dSdb2 = dSdz2.mean(axis=0)
    dSdz1 = np.dot(dSdz2, params["w2"].T) * h1 * (1 - h1)
    dSdw1 = np.dot(x.T, dSdz1)
    dSdb1 = dSdz1.mean(axis=0)
    return {"w1": dSdw1, "b1": dSdb1, "w2": dSdw2, "b2": dSdb2, "w3": dSdw3, "b3": dSdb3}
''',
            },
            "mistakes": ["backward_bias_mean"],
        },
    },
    "mlp": {
        # The reference answer.
        "ada": {"cells": {}, "mistakes": []},
        # Opened the notebook and handed it straight back.
        "ben": None,
        # The blog's start (standard normal weights and biases) and the blog's signs:
        # delta from (y - a), and an update that adds lr * dw. The two
        # cancel, so her network trains, but backpropagation returns the negative gradient,
        # and train climbs the true gradient that backpropagation is meant to return.
        "cleo": {
            "cells": {"NeuralNetwork": """class NeuralNetwork(object):
    def __init__(self, layers=[2, 10, 1], activations=['sigmoid', 'sigmoid'], seed=0):
        if len(layers) != len(activations) + 1:
            raise ValueError("one activation per layer after the input, please")
        self.layers = layers
        self.activations = activations
        rng = np.random.default_rng(seed)
        self.weights = []
        self.biases = []
        for i in range(len(layers) - 1):
            self.weights.append(rng.standard_normal((layers[i + 1], layers[i])))
            self.biases.append(rng.standard_normal((layers[i + 1], 1)))

    @staticmethod
    def getActivationFunction(name):
        if name == 'sigmoid':
            return lambda x: 0.5 * (1 + np.tanh(x / 2))
        elif name == 'linear':
            return lambda x: x
        elif name == 'relu':
            def relu(x):
                y = np.copy(x)
                y[y < 0] = 0
                return y
            return relu
        elif name == 'tanh':
            return np.tanh
        raise ValueError('Unknown activation function: ' + str(name))

    @staticmethod
    def getDerivativeActivationFunction(name):
        if name == 'sigmoid':
            sig = NeuralNetwork.getActivationFunction('sigmoid')
            return lambda x: sig(x) * (1 - sig(x))
        elif name == 'linear':
            return lambda x: np.ones_like(x)
        elif name == 'relu':
            def relu_diff(x):
                y = np.copy(x)
                y[y >= 0] = 1
                y[y < 0] = 0
                return y
            return relu_diff
        elif name == 'tanh':
            return lambda x: 1 - np.tanh(x) ** 2
        raise ValueError('Unknown activation function: ' + str(name))

    def feedforward(self, x):
        a = np.copy(x)
        z_s = []
        a_s = [a]
        for i in range(len(self.weights)):
            activation_function = self.getActivationFunction(self.activations[i])
            z_s.append(self.weights[i].dot(a) + self.biases[i])
            a = activation_function(z_s[-1])
            a_s.append(a)
        return (z_s, a_s)

    def backpropagation(self, y, z_s, a_s):
        deltas = [None] * len(self.weights)
        deltas[-1] = (y - a_s[-1]) * (self.getDerivativeActivationFunction(self.activations[-1]))(z_s[-1])
        for i in reversed(range(len(deltas) - 1)):
            deltas[i] = self.weights[i + 1].T.dot(deltas[i + 1]) * (self.getDerivativeActivationFunction(self.activations[i])(z_s[i]))
        batch_size = y.shape[1]
        db = [d.dot(np.ones((batch_size, 1))) / float(batch_size) for d in deltas]
        dw = [d.dot(a_s[i].T) / float(batch_size) for i, d in enumerate(deltas)]
        return dw, db

    def train(self, x, y, batch_size=10, epochs=100, lr=0.01):
        losses = []
        for e in range(epochs):
            i = 0
            while i < x.shape[1]:
                x_batch = x[:, i:i + batch_size]
                y_batch = y[:, i:i + batch_size]
                i = i + batch_size
                z_s, a_s = self.feedforward(x_batch)
                dw, db = self.backpropagation(y_batch, z_s, a_s)
                self.weights = [w + lr * dweight for w, dweight in zip(self.weights, dw)]
                self.biases = [w + lr * dbias for w, dbias in zip(self.biases, db)]
            a = self.feedforward(x)[1][-1]
            losses.append(float(np.sum((a - y) ** 2) / (2 * x.shape[1])))
        return losses
"""},
            "mistakes": ["backpropagation_negative_gradient", "train_gradient_ascent", "init_blog"],
        },
        # Kept the blog's activation helpers: the exp(x) / (1 + exp(x)) sigmoid, and an
        # unknown name that prints a message and falls back to linear.
        "dev": {
            "cells": {"NeuralNetwork": """class NeuralNetwork:
    def __init__(self, layers=[2, 10, 1], activations=['sigmoid', 'sigmoid'], seed=0):
        if len(layers) != len(activations) + 1:
            raise ValueError(f"{len(layers)} layers need {len(layers) - 1} activations")
        self.layers = list(layers)
        self.activations = list(activations)
        rng = np.random.default_rng(seed)
        self.weights = [rng.normal(size=(n, m)) / np.sqrt(m) for m, n in zip(layers[:-1], layers[1:])]
        self.biases = [np.zeros((n, 1)) for n in layers[1:]]

    @staticmethod
    def getActivationFunction(name):
        if name == 'sigmoid':
            return lambda x: np.exp(x) / (1 + np.exp(x))
        elif name == 'linear':
            return lambda x: x
        elif name == 'relu':
            def relu(x):
                y = np.copy(x)
                y[y < 0] = 0
                return y
            return relu
        elif name == 'tanh':
            return np.tanh
        else:
            print('Unknown activation function. linear is used')
            return lambda x: x

    @staticmethod
    def getDerivativeActivationFunction(name):
        if name == 'sigmoid':
            sig = lambda x: np.exp(x) / (1 + np.exp(x))
            return lambda x: sig(x) * (1 - sig(x))
        elif name == 'linear':
            return lambda x: np.ones_like(x)
        elif name == 'relu':
            return lambda x: (x > 0) * 1.0
        elif name == 'tanh':
            return lambda x: 1 - np.tanh(x) ** 2
        else:
            print('Unknown activation function. linear is used')
            return NeuralNetwork.getDerivativeActivationFunction('linear')

    def feedforward(self, x):
        z_s, a_s = [], [x]
        for w, b, name in zip(self.weights, self.biases, self.activations):
            z_s.append(w @ a_s[-1] + b)
            a_s.append(self.getActivationFunction(name)(z_s[-1]))
        return z_s, a_s

    def backpropagation(self, y, z_s, a_s):
        B = y.shape[1]
        delta = (a_s[-1] - y) / B * self.getDerivativeActivationFunction(self.activations[-1])(z_s[-1])  # BP1
        dw, db = [], []
        for l in range(len(self.weights) - 1, -1, -1):
            dw.insert(0, delta @ a_s[l].T)                          # BP4
            db.insert(0, np.sum(delta, axis=1, keepdims=True))      # BP3
            if l > 0:
                delta = (self.weights[l].T @ delta) * self.getDerivativeActivationFunction(self.activations[l - 1])(z_s[l - 1])  # BP2
        return dw, db

    def train(self, x, y, batch_size=10, epochs=100, lr=0.01):
        losses = []
        for _ in range(epochs):
            for start in range(0, x.shape[1], batch_size):
                xb, yb = x[:, start:start + batch_size], y[:, start:start + batch_size]
                dw, db = self.backpropagation(yb, *self.feedforward(xb))
                for l in range(len(self.weights)):
                    self.weights[l] = self.weights[l] - lr * dw[l]
                    self.biases[l] = self.biases[l] - lr * db[l]
            out = self.feedforward(x)[1][-1]
            losses.append(float(np.sum((out - y) ** 2)) / (2 * x.shape[1]))
        return losses
"""},
            "mistakes": ["activation_exp_overflow", "activation_unknown_is_linear",
                         "derivative_exp_overflow", "derivative_unknown_is_linear"],
        },
    },
}
