"""The guards of the check runner, one by one."""
import sys

import numpy as np
import pytest

from nncourse import nncheck
from nncourse.nncheck import CheckFailed, Submission


@pytest.mark.parametrize("value,says", [
    ([1.0, 2.0], "is a list"),
    (3.0, "is a scalar"),
    (np.array(3.0), "0-d array"),
    (np.zeros((3, 2)), "has shape (3, 2); expected (2, 3)"),
    (np.zeros((2, 3), dtype=int), "dtype int64"),
    (np.full((2, 3), np.nan), "nan or inf"),
    (np.zeros((2, 3)).view(np.matrix), "not a plain numpy array"),
])
def test_expect_array_says_what_is_wrong(value, says):
    with pytest.raises(CheckFailed, match=None) as e:
        nncheck.expect_array(value, (2, 3), "out")
    assert says in str(e.value)


def test_expect_float_rejects_lookalikes():
    class Yes(float):
        def __eq__(self, other):
            return True
    for value in (np.array(1.0), Yes(1.0), True, "1.0", float("nan")):
        with pytest.raises(CheckFailed):
            nncheck.expect_float(value, "cost")
    assert nncheck.expect_float(np.float64(2.5), "cost") == 2.5


def test_calls_get_copies_and_mutation_is_reported():
    def f(x):
        x += 1
        return x
    x = np.zeros(3)
    with pytest.raises(CheckFailed, match="changed its argument #1 in place"):
        Submission({"f": f}).f(x)
    assert (x == 0).all()


def test_a_runaway_call_is_stopped_once(monkeypatch):
    monkeypatch.setattr(nncheck, "CALL_TIMEOUT", 0.2)
    def spin():
        while True:
            pass
    sub = Submission({"spin": spin})
    with pytest.raises(CheckFailed, match="did not finish within 0.2 s"):
        sub.spin()
    with pytest.raises(CheckFailed, match="earlier, so it was not called again"):
        sub.spin()
    nncheck.TIMED_OUT.remove(spin)


def test_warnings_and_prints_never_reach_stderr(capfd):
    def noisy(x):
        print("spam", file=sys.stderr)
        return np.exp(x)
    out = Submission({"noisy": noisy}).noisy(np.array([1000.0]))
    assert np.isinf(out).all()
    assert capfd.readouterr().err == ""


def test_using_restores_functions_and_class_attributes():
    class Net:
        @staticmethod
        def act(z):
            return "student"
    ns = {"Net": Net, "g": "student g"}
    sub = Submission(ns)
    with sub.using(g="reference g", **{"Net.act": staticmethod(lambda z: "reference")}):
        assert ns["g"] == "reference g" and Net.act(0) == "reference"
    assert ns["g"] == "student g" and Net.act(0) == "student"


def test_patched_numpy_does_not_change_comparisons(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "abs", lambda x: x * 0)
    with pytest.raises(CheckFailed, match="relative error"):
        nncheck.expect_close(np.ones(2), np.zeros(2), "out")


def test_a_bug_in_a_check_is_reported_not_raised():
    def test_broken(submission):
        return 1 / 0
    outcome = nncheck.run_check(test_broken, {}, {})
    assert not outcome.passed and "please tell the course staff" in outcome.message


def test_reports_wrap_at_a_readable_width():
    long = "an explanation " * 30
    text = nncheck.format_outcomes("test_x: 0 of 1 points", [nncheck.Outcome("a check", False, long)])
    assert max(len(line) for line in text.splitlines()) <= nncheck.REPORT_WIDTH
    assert " ".join(text.split()).endswith(long.strip())
