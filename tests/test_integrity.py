"""Grading integrity (issue 7): missing work earns nothing, honest code earns everything, and the judge
never trusts the shape of what comes back. These run the judge directly on prepared data (no sandbox)."""

from __future__ import annotations

import collections
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograde import reference, specs, wire
from autograde.checks import judge
from autograde.spec import HIDDEN_SEED

S03, S04 = "03_recurrent_neural_network", "04_backpropagation_through_time"
FUNCTIONS = [(stem, f.name) for stem in (S03, S04) for f in specs.get(stem).functions]


def _results(prep, outputs):
    return [{"outputs": o, "args_after": wire.copy(c.args), "error": None, "not_implemented": False}
            for o, c in zip(outputs, prep.cases)]


def _score(prep, outputs) -> float:
    return judge(prep, _results(prep, outputs)).score


def _zeros(value):
    """The same structure with zeros for every number (an honest all-zeros answer)."""
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    if isinstance(value, float):
        return 0.0
    if isinstance(value, tuple):
        return tuple(_zeros(v) for v in value)
    if isinstance(value, list):
        return [_zeros(v) for v in value]
    if isinstance(value, dict):
        return {k: _zeros(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------- A: missing work

@pytest.mark.parametrize("stem, name, make", [
    (S03, "softmax", lambda ref: None),
    (S04, "rnn_cell_backward", lambda ref: {}),
    (S04, "rnn_backward", lambda ref: {}),
    (S04, "rnn_loss_and_gradients", lambda ref: (ref[0], None)),
    (S04, "rnn_loss_and_gradients", lambda ref: (ref[0],)),
    (S04, "rnn_loss_and_gradients", lambda ref: ref[0]),
    (S03, "rnn_cell_forward", lambda ref: (ref[0], None, ref[2])),
    (S03, "rnn_cell_forward", lambda ref: (ref[0],)),
    (S03, "compact_parameters", lambda ref: {"Wa": ref["Wa"]}),
])
def test_missing_outputs_score_no_more_than_zeros_in_their_place(stem, name, make):
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    incomplete = [make(ref) for ref in prep.expected]
    result = judge(prep, _results(prep, incomplete))
    zeros = [_zeros(ref) for ref in prep.expected]
    assert result.score <= _score(prep, zeros) < prep.spec.max_score, result.to_json()
    values = next(c for c in result.checks if c.name == "values")
    assert not values.passed and "match the reference" not in values.text


def _drop(value, path):
    """``value`` with the item at ``path`` (a list of keys/indices) removed or replaced by None."""
    if not path:
        return None
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and key in value:
        out = dict(value)
        if rest:
            out[key] = _drop(value[key], rest)
        else:
            del out[key]
        return out
    if isinstance(value, (tuple, list)) and isinstance(key, int) and key < len(value):
        items = list(value)
        items[key] = _drop(value[key], rest)
        return type(value)(items)
    return value


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _fill_zeros(incomplete, ref):
    """What the student's answer would be with zeros in place of what is missing."""
    if incomplete is None:
        return _zeros(ref)
    if isinstance(ref, dict) and isinstance(incomplete, dict):
        return {k: _fill_zeros(incomplete.get(k), v) for k, v in ref.items()}
    if isinstance(ref, (tuple, list)) and isinstance(incomplete, (tuple, list)):
        return type(ref)(_fill_zeros(incomplete[i] if i < len(incomplete) else None, r) for i, r in enumerate(ref))
    return incomplete


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUNCTIONS), st.data())
def test_no_incomplete_answer_beats_the_same_with_zeros(function, data):
    stem, name = function
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    paths = list(_paths(prep.expected[0]))
    chosen = data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3))
    incomplete = copy.deepcopy(prep.expected)
    for path in chosen:
        incomplete = [_drop(out, list(path)) for out in incomplete]
    filled = [_fill_zeros(out, ref) for out, ref in zip(incomplete, prep.expected)]
    assert _score(prep, incomplete) <= _score(prep, filled)


def test_all_zeros_gets_no_constant_factor_hint():
    prep = reference.prepare(S03, "softmax", HIDDEN_SEED)
    result = judge(prep, _results(prep, [_zeros(r) for r in prep.expected]))
    assert all("factor of 0" not in c.text for c in result.checks), result.to_json()


def test_wrong_strings_fail_the_value_check_not_the_shapes():
    from autograde.checks import _compare

    fspec = specs.get(S03).function("softmax")
    structure, values, _ = _compare(["a", "b"], ["a", "c"], fspec)
    assert values and not structure


# ------------------------------------------------------------------------------------ C: honest code

# (the reference on many seeds of hidden inputs, for every notebook: tests/test_seeds.py)


def test_dict_and_tuple_subclasses_count_as_what_they_are():
    prep = reference.prepare(S04, "rnn_loss_and_gradients", HIDDEN_SEED)
    Pair = collections.namedtuple("Pair", "loss gradients")
    outputs = [wire.copy(Pair(ref[0], collections.OrderedDict(ref[1]))) for ref in prep.expected]
    assert _score(prep, outputs) == prep.spec.max_score
    prep = reference.prepare(S04, "rnn_cell_backward", HIDDEN_SEED)
    outputs = [wire.copy(collections.OrderedDict(ref)) for ref in prep.expected]
    assert _score(prep, outputs) == prep.spec.max_score


# --------------------------------------------------------------------- B: finite differences are no answer

@pytest.mark.parametrize("name", ["rnn_cell_backward", "rnn_backward", "rnn_loss_and_gradients"])
def test_a_backward_pass_by_finite_differences_scores_no_more_than_zeros(name):
    prep = reference.prepare(S04, name, HIDDEN_SEED)
    within = prep.spec.gradient.within
    numeric = []
    for ref, num in zip(prep.expected, prep.numeric):
        if within:
            numeric.append((ref[0], {**ref[1], **num}))
        else:
            numeric.append({**ref, **num})
    result = judge(prep, _results(prep, numeric))
    assert result.score <= _score(prep, [_zeros(r) for r in prep.expected]), result.to_json()
    assert any("finite differences" in c.text for c in result.checks)


def test_honest_analytic_variants_keep_full_marks():
    """Backpropagation written differently (other summation orders, einsum) agrees to float64 precision."""
    prep = reference.prepare(S04, "rnn_cell_backward", HIDDEN_SEED)
    outputs = []
    for case in prep.cases:
        a_next, a_prev, xt, p = case.args["cache"]
        dz = case.args["da_next"] * (1 - np.tanh(np.arctanh(a_next)) ** 2)
        outputs.append({"dxt": np.einsum("ij,ik->jk", p["Wax"], dz), "da_prev": (dz.T @ p["Waa"]).T,
                        "dWax": np.einsum("im,jm->ij", dz, xt), "dWaa": sum(np.outer(dz[:, k], a_prev[:, k])
                                                                         for k in range(dz.shape[1])),
                        "dba": dz[:, ::-1].sum(axis=1, keepdims=True)})
    result = judge(prep, _results(prep, outputs))
    assert result.score == prep.spec.max_score, result.to_json()


def test_hidden_inputs_depend_on_the_secret(monkeypatch):
    from autograde import secret

    fspec = specs.get(S03).function("softmax")
    fns = reference.functions(specs.get(S03))
    monkeypatch.setenv(secret.ENV, "one secret")
    a = fspec.cases(secret.mix(HIDDEN_SEED), fns, S03)
    monkeypatch.setenv(secret.ENV, "another secret")
    b = fspec.cases(secret.mix(HIDDEN_SEED), fns, S03)
    public = fspec.cases(HIDDEN_SEED, fns, S03)
    assert not np.array_equal(a[0].args["z"], b[0].args["z"])
    assert not np.array_equal(a[0].args["z"], public[0].args["z"])
    monkeypatch.setenv(secret.ENV, "one secret")
    assert np.array_equal(fspec.cases(secret.mix(HIDDEN_SEED), fns, S03)[0].args["z"], a[0].args["z"])
