"""Notebook 10 (LSTM): plausible mistakes, each caught by the named checks, explained, and charged once."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S10 = "10_lstm"
WRONG = {"values", "values at edge sizes"}
WRONG_GRADIENTS = WRONG | {"gradient check"}

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("cell-concat-order", S10, "lstm_cell_forward", "np.concatenate([a_prev, xt])", "np.concatenate([xt, a_prev])",
     WRONG, "a first"),
    ("cell-candidate-sigmoid", S10, "lstm_cell_forward", "cct = np.tanh(Wc @ concat + bc)",
     "cct = sigmoid(Wc @ concat + bc)", WRONG, "candidate c̃⟨t⟩ uses σ"),
    ("cell-forget-tanh", S10, "lstm_cell_forward", "ft = sigmoid(Wf @ concat + bf)", "ft = np.tanh(Wf @ concat + bf)",
     WRONG, "forget gate Γf uses tanh"),
    ("cell-output-tanh", S10, "lstm_cell_forward", "ot = sigmoid(Wo @ concat + bo)", "ot = np.tanh(Wo @ concat + bo)",
     WRONG, "output gate Γo uses tanh"),
    ("cell-no-tanh-of-c", S10, "lstm_cell_forward", "a_next = ot * np.tanh(c_next)", "a_next = ot * c_next",
     WRONG, "is tanh applied to c_next?"),
    ("cell-gru-coupling", S10, "lstm_cell_forward", "c_next = it * cct + ft * c_prev",
     "c_next = it * cct + (1 - it) * c_prev", WRONG, "through the forget gate"),
    ("forward-c0-from-a0", S10, "lstm_forward", "c_next = np.zeros((n_a, m))", "c_next = a0",
     WRONG, "c⟨0⟩ = 0"),
    ("cell-backward-no-dc-through-a", S10, "lstm_cell_backward", "dc = dc_next + da_next * ot * (1 - tanh_c**2)",
     "dc = dc_next", WRONG_GRADIENTS, "comes through a⟨t⟩"),
    ("cell-backward-bias-flat", S10, "lstm_cell_backward", 'np.sum(dz, axis=1, keepdims=True)', "np.sum(dz, axis=1)",
     {"shapes and dtypes"}, "has shape"),
    ("backward-dc-not-carried", S10, "lstm_backward", "lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt,",
     "lstm_cell_backward(da[:, :, t] + da_prevt, np.zeros((n_a, m)),", WRONG_GRADIENTS, "dc_prev is not carried back"),
    ("backward-da-not-carried", S10, "lstm_backward", "lstm_cell_backward(da[:, :, t] + da_prevt,",
     "lstm_cell_backward(da[:, :, t],", WRONG_GRADIENTS, "da_prev is not carried back"),
    ("backward-nothing-from-above", S10, "lstm_backward", "lstm_cell_backward(da[:, :, t] + da_prevt,",
     "lstm_cell_backward(da_prevt,", WRONG_GRADIENTS, "never enters"),
    # the same as the reference where T_x = 1 (two of the three edge sizes), not at T_x = 2
    ("backward-loop-forwards", S10, "lstm_backward", "for t in reversed(range(T_x)):", "for t in range(T_x):",
     WRONG_GRADIENTS, "the loop runs forwards"),
    ("backward-totals-overwritten", S10, "lstm_backward", "totals[name] += grads[name]", "totals[name] = grads[name]",
     WRONG_GRADIENTS, "added to the totals (+=)"),
    ("peephole-missing", S10, "lstm_peephole_cell_forward", 'pf, pu, po = parameters["pf"], parameters["pu"], parameters["po"]',
     "pf = pu = po = 0.0", WRONG, "also gets p∗c⟨t-1⟩"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
