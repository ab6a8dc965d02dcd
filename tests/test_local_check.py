"""The student's side: a release folder alone, checked from a terminal."""
import shutil
import subprocess
import sys

import pytest

from conftest import ASSIGNMENTS, ROOT


def local_check(tmp_path, assignment, notebook=None):
    """Copy release/<assignment>/ alone, optionally put `notebook` in it, run nncheck."""
    folder = tmp_path / assignment
    shutil.copytree(ROOT / "release" / assignment, folder)
    if notebook is not None:
        shutil.copy(notebook, folder / f"{assignment}.ipynb")
    return subprocess.run([sys.executable, "nncheck.py", f"{assignment}.ipynb"], cwd=folder,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stub_fails_every_public_check_and_says_so(tmp_path, assignment):
    out = local_check(tmp_path, assignment)
    assert out.returncode == 1
    assert "FAILING" in out.stdout and "not implemented yet" in out.stdout
    assert out.stderr == ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_and_never_claims_all_tests_passed(tmp_path, assignment):
    student = next(iter(_roster_with_no_mistakes(assignment)))
    out = local_check(tmp_path, assignment, ROOT / "tests" / "demo" / assignment / f"{student}.ipynb")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAILING" not in out.stdout
    assert "all tests passed" not in out.stdout.lower()
    assert "Hidden checks run when the notebook is graded" in out.stdout


def test_wrong_gGradient_is_named_in_the_local_check(tmp_path):
    out = local_check(tmp_path, "autoencoder", ROOT / "tests" / "demo" / "autoencoder" / "cleo.ipynb")
    assert out.returncode == 1
    assert "gGradient(z) for z of shape (4, 3) has shape (3, 3); expected (4, 3)" in out.stdout
    assert "(n, n) 'Jacobian'" in out.stdout


def test_usage_errors_are_clear(tmp_path):
    folder = tmp_path / "a"
    shutil.copytree(ROOT / "release" / ASSIGNMENTS[0], folder)
    out = subprocess.run([sys.executable, "nncheck.py", "missing.ipynb"], cwd=folder,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "no such notebook" in out.stderr


def _roster_with_no_mistakes(assignment):
    from nncourse import demo
    return [s for s, e in demo.roster(ROOT)[assignment].items() if e and not e["mistakes"]]
