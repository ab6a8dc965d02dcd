"""Each hidden suite, proven both ways, in-process (fast; the same grade_cell
that nbgrader's kernel runs). tests/test_pipeline.py repeats the key cases
through real `nbgrader autograde`."""
import pytest

from conftest import ROOT
from nncourse import suites


def full_marks(suite):
    return {gid: float(points) for gid, (_, points) in suite.cells.items()}


def scores_of(results):
    return {gid: score for gid, (score, _) in results.items()}


def failures(results):
    return [o for _, outcomes in results.values() for o in outcomes if not o.passed]


def test_reference_passes_every_check(suite):
    results = suites.grade_namespace(suite, suites.namespace_with(suite))
    assert failures(results) == []
    assert scores_of(results) == full_marks(suite)


def _mistake_ids(suite):
    return [m.name for m in suite.mistakes]


def pytest_generate_tests(metafunc):
    if "mistake_name" in metafunc.fixturenames or "alternate_index" in metafunc.fixturenames:
        from conftest import ASSIGNMENTS
        params = []
        for a in ASSIGNMENTS:
            s = suites.load_suite(a, ROOT)
            if "mistake_name" in metafunc.fixturenames:
                params += [(a, m.name) for m in s.mistakes]
            else:
                params += [(a, i) for i in range(len(s.alternates))]
        name = "mistake_name" if "mistake_name" in metafunc.fixturenames else "alternate_index"
        metafunc.parametrize(("assignment", name), params,
                             ids=[f"{a}-{n}" for a, n in params])


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def get(assignment):
        if assignment not in cache:
            cache[assignment] = suites.load_suite(assignment, ROOT)
        return cache[assignment]
    return get


def test_each_mistake_loses_exactly_its_points_and_is_named(loaded, assignment, mistake_name):
    suite = loaded(assignment)
    mistake = next(m for m in suite.mistakes if m.name == mistake_name)
    results = suites.grade_namespace(suite, suites.namespace_with(suite, **{mistake.target: mistake.variant}))
    expected = {gid: points - mistake.loses.get(gid, 0) for gid, points in full_marks(suite).items()}
    assert scores_of(results) == pytest.approx(expected)
    messages = "\n".join(o.message for o in failures(results))
    assert mistake.says in messages, f"the feedback does not name {mistake.name}:\n{messages}"


def test_each_correct_alternative_keeps_full_marks(loaded, assignment, alternate_index):
    suite = loaded(assignment)
    target, function = suite.alternates[alternate_index]
    results = suites.grade_namespace(suite, suites.namespace_with(suite, **{target: function}))
    assert failures(results) == [], [o.message for o in failures(results)]


def test_the_untouched_stub_scores_zero(suite):
    from nncourse.nncheck import notebook_namespace
    ns, _ = notebook_namespace(str(ROOT / "release" / suite.assignment / f"{suite.assignment}.ipynb"))
    results = suites.grade_namespace(suite, ns)
    assert all(score == 0 for score in scores_of(results).values())
    assert all("not implemented yet" in o.message for o in failures(results))


def test_every_mistake_targets_a_graded_function_and_loses_points(suite):
    functions = {f for f, _ in suite.cells.values()}
    for m in suite.mistakes:
        assert m.target in functions, m.name
        assert m.loses and set(m.loses) <= set(suite.cells), m.name
        assert all(suite.cells[g][0] == m.target for g in m.loses), \
            f"{m.name} is listed as costing another function's points"
