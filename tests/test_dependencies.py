"""One rule for which graded functions the reference answers: each function's declared dependencies, complete.

While a graded function is graded, the graded functions its spec declares in ``depends`` answer with the
reference, so that a mistake in one of them costs points once; any other graded function the student's code
calls is the student's own. The rule serves all three ways of grading: the grader (hidden inputs, in the
sandbox), nbgrader's hidden test ``check.grade`` (hidden inputs, in the kernel) and the self-check (visible
inputs, answered from the calls the build recorded). These tests check, for every notebook, that

- the declaration is complete: it is exactly the graded functions the reference solution calls;
- a textbook decomposition that calls wrong lower-level functions still scores full marks, by all three;
- a lower-level function that calls a higher-level graded function gains nothing from the reference.
"""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path

import pytest

from autograde import reference, specs, testfunctions
from autograde.calls import run_cases
from autograde.selfcheck import SelfCheck, visible_result
from autograde.spec import VISIBLE_SEED
from conftest import function_result, load, replaced_function, solution_cell, solution_path, write_submission
from autograde.kernel import load_namespace


def direct_calls(stem: str, name: str) -> set[str]:
    """The graded functions (this notebook's and those it imports) that the reference ``name`` calls itself,
    on its visible cases: calls made inside those functions are theirs, not its."""
    nb = specs.get(stem)
    fns = reference.functions(nb)
    graded = dict.fromkeys([f.name for f in nb.functions] + list(nb.imports))
    called: set[str] = set()
    depth = [0]

    def recorder(other: str):
        target = fns(other)

        def record(*args, **kwargs):
            if depth[0] == 0:
                called.add(other)
            depth[0] += 1
            try:
                return target(*args, **kwargs)
            finally:
                depth[0] -= 1

        return record

    fn = fns(name)
    stand_ins = {other: recorder(other) for other in graded if other != name}
    cases = nb.function(name).cases(VISIBLE_SEED, fns, stem)
    results = run_cases(fn, fn.__globals__, [c.args for c in cases], stand_ins, testfunctions.resolve)
    assert not any(r["error"] for r in results), [r["error"] for r in results]
    return called


FUNCTIONS = [(stem, f.name) for stem, nb in specs.all_specs().items() for f in nb.functions]
WITH_DEPENDENCIES = [(stem, f.name) for stem, nb in specs.all_specs().items() for f in nb.functions if f.depends]


@pytest.mark.parametrize("stem, name", FUNCTIONS, ids=[n for _, n in FUNCTIONS])
def test_declared_dependencies_are_exactly_what_the_reference_calls(stem, name):
    declared = set(specs.get(stem).function(name).depends)
    assert declared == direct_calls(stem, name), (
        f"{name}: the spec declares {sorted(declared)}, the reference calls {sorted(direct_calls(stem, name))}")


def test_the_rule_is_not_vacuous():
    # (so that the next test checks something in most notebooks)
    assert len(WITH_DEPENDENCIES) >= 20
    assert {stem for stem, _ in WITH_DEPENDENCIES} >= {
        "03_recurrent_neural_network", "04_backpropagation_through_time", "05_types_of_rnns", "06_language_model",
        "09_gru", "10_lstm", "11_bidirectional_rnn", "12_deep_rnns"}


def _wrong(name: str) -> str:
    return f"def {name}(*args, **kwargs):\n    raise ValueError('a wrong {name}, on purpose')\n"


def _three_ways(grader, tmp_path: Path, stem: str, nb: dict, name: str) -> dict[str, tuple[float, float]]:
    """``name``'s (score, max) from the grader, from nbgrader's hidden test and from the self-check."""
    path = write_submission(tmp_path, stem, nb)
    (result,) = grader.grade([path])
    graded = function_result(result, name)
    namespace, _ = load_namespace(path)
    fn = namespace[name]
    with contextlib.redirect_stdout(io.StringIO()):
        hidden = SelfCheck(stem).grade(fn)
    own, _ = visible_result(stem, name, fn)
    return {"grader": (graded.score, graded.max_score), "check.grade": (hidden, graded.max_score),
            "self-check": (own.score, own.max_score)}


@pytest.mark.parametrize("stem, name", WITH_DEPENDENCIES, ids=[n for _, n in WITH_DEPENDENCIES])
def test_a_textbook_solution_calling_wrong_dependencies_scores_full(grader, tmp_path, stem, name):
    """Every dependency defined in the notebook is replaced by one that raises; those imported from an
    earlier notebook are missing (the submission holds no earlier notebook), so they raise too when called."""
    nb = specs.get(stem)
    notebook = copy.deepcopy(load(solution_path(stem)))
    for dep in nb.function(name).depends:
        if nb.home_of(dep) == stem:
            solution_cell(notebook, dep)["source"] = _wrong(dep)
    scores = _three_ways(grader, tmp_path, stem, notebook, name)
    assert all(score == top for score, top in scores.values()), scores


# a lower-level function computed by calling the higher-level graded function that is built on it
SHORTCUTS = [
    ("03_recurrent_neural_network", "rnn_cell_forward", """def rnn_cell_forward(xt, a_prev, parameters):
    a, y_pred, caches = rnn_forward(xt[:, :, None], a_prev, parameters)
    return a[:, :, 0], y_pred[:, :, 0], caches[0][0]
"""),
    ("09_gru", "gru_cell_forward", """def gru_cell_forward(xt, c_prev, parameters):
    c, y_pred, (cache_list, x) = gru_forward(xt[:, :, None], c_prev, parameters)
    return c[:, :, 0], y_pred[:, :, 0], cache_list[0]
"""),
    ("09_gru", "gru_cell_backward", """def gru_cell_backward(dc_next, cache):
    g = gru_backward(dc_next[:, :, None], ([cache], cache[2][:, :, None]))
    return {"dxt": g["dx"][:, :, 0], "dc_prev": g["dc0"],
            **{k: g[k] for k in ("dWc", "dbc", "dWu", "dbu", "dWr", "dbr")}}
"""),
    ("12_deep_rnns", "rnn_layer_forward", """def rnn_layer_forward(x, a0, layer):
    n_a = layer["Waa"].shape[0]
    parameters = {"layers": [layer], "Wya": np.zeros((1, n_a)), "by": np.zeros((1, 1))}
    a, y_pred, (layer_caches, _, _) = deep_rnn_forward(x, [a0], parameters)
    return a[0], layer_caches[0]
"""),
]


@pytest.mark.parametrize("case", SHORTCUTS, ids=[c[1] for c in SHORTCUTS])
def test_a_function_calling_the_one_built_on_it_gains_nothing(grader, tmp_path, case):
    stem, name, source = case
    scores = _three_ways(grader, tmp_path, stem, replaced_function(stem, name, source), name)
    # the higher-level function is the student's own, which calls this one: it never gets an answer
    assert all(score == 0 for score, _ in scores.values()), scores
