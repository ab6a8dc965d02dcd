"""Reference solution: a multilayer perceptron, the NeuralNetwork class, in numpy.

Column convention: one example per COLUMN (the autoencoder used one per row, so
every shape here is the transpose of the matching autoencoder shape).
    x, a_s[0]      : (layers[0], B)         B examples
    weights[l]     : (layers[l+1], layers[l])
    biases[l]      : (layers[l+1], 1)        broadcast over the B columns
    z_s[l], a_s[l+1]: (layers[l+1], B)
    z = w a + b,  a' = f(z)   layer by layer;  L = len(weights) layers
    C = (1/2B) * sum((a_s[-1] - y)**2)       y: (layers[-1], B)

This file is the single source of truth for the graded methods. The class
below also appears, line for line, in one solution cell of
source/mlp/mlp.ipynb; tests/test_sources.py enforces that.
"""
import numpy as np


class NeuralNetwork:
    """A fully connected network, trained by minibatch gradient descent.

    layers: sizes [n_0, n_1, ..., n_L]; activations: L names, the activation
    of each layer after the input: 'sigmoid', 'linear', 'relu' or 'tanh'.
    The network is its four attributes layers, activations, weights, biases.
    """

    def __init__(self, layers=(2, 10, 1), activations=('sigmoid', 'sigmoid'), seed=0):
        """weights[l]: (layers[l+1], layers[l]), seeded normal; biases[l]: (layers[l+1], 1), zero."""
        if len(layers) != len(activations) + 1:
            raise ValueError(f"{len(layers)} layer sizes need {len(layers) - 1} activations "
                             f"(one per layer after the input); got {len(activations)}.")
        self.layers = list(layers)
        self.activations = list(activations)
        rng = np.random.default_rng(seed)
        self.weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
                        for n_in, n_out in zip(self.layers[:-1], self.layers[1:])]
        self.biases = [np.zeros((n_out, 1)) for n_out in self.layers[1:]]

    @staticmethod
    def getActivationFunction(name):
        """The activation called `name`, as a function: z (any shape) -> same shape.

        Raises ValueError for an unknown name. The sigmoid never overflows.
        """
        if name == 'sigmoid':
            # 1 / (1 + e^-z) = (1 + tanh(z/2)) / 2: one pass, and tanh never overflows.
            return lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
        if name == 'linear':
            return lambda z: np.array(z, dtype=float)
        if name == 'relu':
            return lambda z: np.maximum(z, 0.0)
        if name == 'tanh':
            return np.tanh
        raise ValueError(f"unknown activation {name!r}; use 'sigmoid', 'linear', "
                         "'relu' or 'tanh'.")

    @staticmethod
    def getDerivativeActivationFunction(name):
        """The derivative f' of the activation called `name`: z (any shape) -> same shape.

        Elementwise. Raises ValueError for an unknown name.
        """
        if name == 'sigmoid':
            def sigmoid_prime(z):
                t = np.tanh(0.5 * z)        # sigmoid(z) = (1 + t) / 2, computed once
                return 0.25 * (1.0 - t) * (1.0 + t)
            return sigmoid_prime
        if name == 'linear':
            return lambda z: np.ones_like(z, dtype=float)
        if name == 'relu':
            return lambda z: (np.asarray(z) > 0).astype(float)
        if name == 'tanh':
            return lambda z: 1.0 - np.tanh(z) ** 2
        raise ValueError(f"unknown activation {name!r}; use 'sigmoid', 'linear', "
                         "'relu' or 'tanh'.")

    def feedforward(self, x):
        """x: (layers[0], B) -> (z_s, a_s).

        z_s: L arrays, z_s[l] (layers[l+1], B); a_s: L + 1 arrays, a_s[0] = x,
        a_s[l+1] = f_l(z_s[l]) (layers[l+1], B).
        """
        a = np.asarray(x, dtype=float)
        z_s, a_s = [], [a]
        for w, b, name in zip(self.weights, self.biases, self.activations):
            z = w @ a + b                               # (n_out, n_in) @ (n_in, B) + (n_out, 1)
            a = self.getActivationFunction(name)(z)
            z_s.append(z)
            a_s.append(a)
        return z_s, a_s

    def backpropagation(self, y, z_s, a_s):
        """Gradients of C = (1/2B) sum((a_s[-1] - y)**2) by the four equations.

        y: (layers[-1], B); z_s, a_s: as returned by feedforward.
        Returns (dw, db): lists with the shapes of weights and biases,
        dw[l] = dC/dweights[l], db[l] = dC/dbiases[l].
            BP1  delta^L = grad_a C * f_L'(z^L)
            BP2  delta^l = (w^{l+1}.T delta^{l+1}) * f_l'(z^l)
            BP3  dC/db^l = delta^l             (summed over the batch)
            BP4  dC/dw^l = delta^l (a^{l-1}).T
        Layers l = 1..L after the input a^0 = x; with i = l - 1: w^l is weights[i],
        z^l is z_s[i], f_l is activations[i], delta^l is deltas[i], a^l is a_s[i + 1].
        """
        batch = y.shape[1]
        L = len(self.weights)
        deltas = [None] * L
        grad_a = (a_s[-1] - y) / batch                  # dC/da^L, (layers[-1], B)
        deltas[-1] = grad_a * self.getDerivativeActivationFunction(self.activations[-1])(z_s[-1])  # BP1
        for l in range(L - 2, -1, -1):
            deltas[l] = ((self.weights[l + 1].T @ deltas[l + 1])
                         * self.getDerivativeActivationFunction(self.activations[l])(z_s[l]))  # BP2
        db = [d.sum(axis=1, keepdims=True) for d in deltas]              # BP3, (n_out, 1)
        dw = [d @ a.T for d, a in zip(deltas, a_s[:-1])]                 # BP4, (n_out, n_in)
        return dw, db

    def train(self, x, y, batch_size=10, epochs=100, lr=0.01):
        """Minibatch gradient descent over the columns of x, in order.

        x: (layers[0], N); y: (layers[-1], N); neither is changed. Each epoch
        takes the batches x[:, i:i + batch_size] for i = 0, batch_size, ...
        (the last may be shorter) and makes one update per batch:
        w <- w - lr * dw. Returns losses: `epochs` floats, losses[e] being C
        over all N columns after epoch e.
        """
        n = x.shape[1]
        losses = []
        for _ in range(epochs):
            for i in range(0, n, batch_size):
                x_batch, y_batch = x[:, i:i + batch_size], y[:, i:i + batch_size]
                z_s, a_s = self.feedforward(x_batch)
                dw, db = self.backpropagation(y_batch, z_s, a_s)
                self.weights = [w - lr * d for w, d in zip(self.weights, dw)]
                self.biases = [b - lr * d for b, d in zip(self.biases, db)]
            a_last = self.feedforward(x)[1][-1]
            losses.append(float(np.sum((a_last - y) ** 2) / (2.0 * n)))
        return losses
