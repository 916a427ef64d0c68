"""Notebook 09 (GRU): plausible mistakes, each caught by the named checks, explained, and charged once."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S09 = "09_gru"
WRONG = {"values", "values at edge sizes"}
WRONG_GRADIENTS = WRONG | {"gradient check"}

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("simple-concat-order", S09, "simple_gru_cell_forward", "np.concatenate([c_prev, xt])",
     "np.concatenate([xt, c_prev])", WRONG, "c first"),
    ("simple-update-swapped", S09, "simple_gru_cell_forward", "c_next = gu * cct + (1 - gu) * c_prev",
     "c_next = (1 - gu) * cct + gu * c_prev", WRONG, "convention is swapped"),
    ("simple-keep-term-missing", S09, "simple_gru_cell_forward", "c_next = gu * cct + (1 - gu) * c_prev",
     "c_next = gu * cct", WRONG, "term is missing"),
    ("simple-keep-factor-missing", S09, "simple_gru_cell_forward", "c_next = gu * cct + (1 - gu) * c_prev",
     "c_next = gu * cct + c_prev", WRONG, "without its factor (1 − Γu)"),
    ("simple-candidate-sigmoid", S09, "simple_gru_cell_forward", "cct = np.tanh(Wc @ concat + bc)",
     "cct = sigmoid(Wc @ concat + bc)", WRONG, "candidate c̃⟨t⟩ uses σ"),
    ("simple-gate-tanh", S09, "simple_gru_cell_forward", "gu = sigmoid(Wu @ concat + bu)",
     "gu = np.tanh(Wu @ concat + bu)", WRONG, "update gate Γu uses tanh"),
    ("full-relevance-forgotten", S09, "gru_cell_forward", "np.concatenate([gr * c_prev, xt])",
     "np.concatenate([c_prev, xt])", WRONG, "what the simplified GRU gives"),
    ("full-relevance-after-product", S09, "gru_cell_forward", "cct = np.tanh(Wc @ np.concatenate([gr * c_prev, xt]) + bc)",
     "n_a = c_prev.shape[0]\n    cct = np.tanh(gr * (Wc[:, :n_a] @ c_prev) + Wc[:, n_a:] @ xt + bc)", WRONG,
     "Γr multiplies the product"),
    ("full-relevance-tanh", S09, "gru_cell_forward", "gr = sigmoid(Wr @ concat + br)", "gr = np.tanh(Wr @ concat + br)",
     WRONG, "relevance gate Γr uses tanh"),
    ("full-concat-order", S09, "gru_cell_forward", "[c_prev, xt]", "[xt, c_prev]", WRONG, "c first"),
    ("full-update-swapped", S09, "gru_cell_forward", "c_next = gu * cct + (1 - gu) * c_prev",
     "c_next = (1 - gu) * cct + gu * c_prev", WRONG, "convention is swapped"),
    ("forward-c0-every-step", S09, "gru_forward", "gru_cell_forward(x[:, :, t], c_next, parameters)",
     "gru_cell_forward(x[:, :, t], c0, parameters)", WRONG, "computed from c0"),
    ("simple-backward-direct-path", S09, "simple_gru_cell_backward", "dc_prev = dc_next * (1 - gu) + dconcat[:n_a]",
     "dc_prev = dconcat[:n_a]", WRONG_GRADIENTS, "misses the direct path"),
    ("simple-backward-bias-flat", S09, "simple_gru_cell_backward", "dbu = np.sum(dzu, axis=1, keepdims=True)",
     "dbu = np.sum(dzu, axis=1)", {"shapes and dtypes"}, "has shape"),
    ("backward-direct-path", S09, "gru_cell_backward", "dc_prev = dc_next * (1 - gu) + ds[:n_a] * gr + dconcat[:n_a]",
     "dc_prev = ds[:n_a] * gr + dconcat[:n_a]", WRONG_GRADIENTS, "misses the direct path"),
    ("backward-relevance-factor", S09, "gru_cell_backward", "dc_prev = dc_next * (1 - gu) + ds[:n_a] * gr + dconcat[:n_a]",
     "dc_prev = dc_next * (1 - gu) + ds[:n_a] + dconcat[:n_a]", WRONG_GRADIENTS, "misses Γr"),
    ("backward-not-accumulated", S09, "gru_backward", "totals[name] += grads[name]", "totals[name] = grads[name]",
     WRONG_GRADIENTS, "instead of overwriting"),
    ("backward-not-carried", S09, "gru_backward", "dc[:, :, t] + dc_prevt", "dc[:, :, t]",
     WRONG_GRADIENTS, "only the last time step's dx is right"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
