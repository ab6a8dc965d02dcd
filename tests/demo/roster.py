"""The fictional students of the demo, and what each one submits.

Each student hands in the released notebook. `cells` maps a solution cell's
grade_id to the code the student wrote there; cells not listed hold the
reference answer. A student whose entry is None hands in the untouched stub.
`mistakes` names the entries of tests/hidden/<assignment>_hidden.py MISTAKES
the student makes: their expected score is full marks minus those losses.
`python -m nncourse make-demo` writes tests/demo/<assignment>/<student>.ipynb
from this file; tests/test_demo.py checks the bundled notebooks are current.
"""

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
}
