"""Plausible student mistakes: each is caught, charged to its own function only, and explained.

Each case edits one function of the reference notebook. Notebooks 05 on keep their lists in
``tests/test_mistakes_nbNN.py``, with the same check (``conftest.assert_mistake_caught_once``). The grader must take points from that function
(from the named checks, and no others), leave every other function of the notebook at full marks, and
say something useful: the hint, or the kind of problem.
"""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once, edited_solution, function_result, write_submission

S03, S04 = "03_recurrent_neural_network", "04_backpropagation_through_time"

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("softmax-unstable", S03, "softmax", "np.exp(z - np.max(z, axis=0, keepdims=True))", "np.exp(z)",
     {"values"}, "subtract each column's maximum"),
    ("softmax-axis", S03, "softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e, axis=1, keepdims=True)",
     {"values", "values at edge sizes"}, "wrong axis"),
    ("softmax-mutates-input", S03, "softmax", "e = np.exp(z - np.max(z, axis=0, keepdims=True))",
     "z -= np.max(z, axis=0, keepdims=True)\n    e = np.exp(z)", {"inputs left unchanged"}, "modified in place"),
    ("cell-missing-tanh", S03, "rnn_cell_forward", "np.tanh(Waa @ a_prev + Wax @ xt + ba)",
     "Waa @ a_prev + Wax @ xt + ba", {"values", "values at edge sizes"}, "is tanh applied?"),
    ("cell-sigmoid", S03, "rnn_cell_forward", "np.tanh(Waa @ a_prev + Wax @ xt + ba)",
     "1 / (1 + np.exp(-(Waa @ a_prev + Wax @ xt + ba)))", {"values", "values at edge sizes"}, "uses tanh"),
    ("cell-no-softmax", S03, "rnn_cell_forward", "softmax(Wya @ a_next + by)", "Wya @ a_next + by",
     {"values", "values at edge sizes"}, "is softmax applied"),
    ("cell-float32", S03, "rnn_cell_forward", "a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)",
     "a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba).astype(np.float32)", {"shapes and dtypes"}, "float32"),
    ("forward-a0-reused", S03, "rnn_forward", "rnn_cell_forward(x[:, :, t], a_next, parameters)",
     "rnn_cell_forward(x[:, :, t], a0, parameters)", {"values", "values at edge sizes"}, "computed from a0"),
    ("compact-swapped", S03, "compact_parameters", 'np.hstack([parameters["Waa"], parameters["Wax"]])',
     'np.hstack([parameters["Wax"], parameters["Waa"]])', {"values", "values at edge sizes"}, "wrong order"),
    ("compact-cell-order", S03, "rnn_cell_forward_compact", "np.vstack([a_prev, xt])", "np.vstack([xt, a_prev])",
     {"values", "values at edge sizes"}, "differs from the expected value"),
    ("cell-no-bias", S03, "rnn_cell_forward", "np.tanh(Waa @ a_prev + Wax @ xt + ba)",
     "np.tanh(Waa @ a_prev + Wax @ xt)", {"values", "values at edge sizes"}, "without the bias"),
    ("split-at-n_x", S03, "split_parameters", "n_a = Wa.shape[0]", "n_a = Wa.shape[1] - Wa.shape[0]",
     {"shapes and dtypes", "values", "values at edge sizes"}, "where does it end in Wa"),
    ("split-swapped", S03, "split_parameters", "Waa, Wax = Wa[:, :n_a], Wa[:, n_a:]",
     "Waa, Wax = Wa[:, -n_a:], Wa[:, :-n_a]", {"values", "values at edge sizes"},
     "Waa and Wax are swapped"),
    ("numgrad-one-sided", S04, "numerical_gradient", "grad[idx] = (f_plus - f_minus) / (2 * eps)",
     "grad[idx] = (f_plus - f(x)) / eps", {"values", "values at edge sizes", "gradient check"}, "one-sided"),
    ("numgrad-half-step", S04, "numerical_gradient", "(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps",
     {"values", "values at edge sizes", "gradient check"}, "constant factor of 2"),
    ("numgrad-never-restores", S04, "numerical_gradient", "x[idx] = saved\n",
     "\n", {"values", "gradient check", "inputs left unchanged"}, "restore each entry"),
    ("cell-backward-no-tanh-derivative", S04, "rnn_cell_backward", "dz = da_next * (1 - a_next**2)", "dz = da_next",
     {"values", "values at edge sizes", "gradient check"}, "tanh's derivative"),
    ("cell-backward-dba-flat", S04, "rnn_cell_backward", "np.sum(dz, axis=1, keepdims=True)", "np.sum(dz, axis=1)",
     {"shapes and dtypes"}, "has shape"),
    ("cell-backward-derivative-at-a-prev", S04, "rnn_cell_backward", "dz = da_next * (1 - a_next**2)",
     "dz = da_next * (1 - a_prev**2)", {"values", "values at edge sizes", "gradient check"},
     "taken at the wrong step"),
    ("cell-backward-da-prev-not-transposed", S04, "rnn_cell_backward", "da_prev = Waa.T @ dz", "da_prev = Waa @ dz",
     {"values", "values at edge sizes", "gradient check"}, "Waa transposed"),
    ("backward-left-to-right", S04, "rnn_backward", "for t in reversed(range(T_x)):", "for t in range(T_x):",
     {"values", "values at edge sizes", "gradient check"}, "right to left"),
    ("backward-not-accumulated", S04, "rnn_backward", 'dWax += grads["dWax"]', 'dWax = grads["dWax"]',
     {"values", "values at edge sizes", "gradient check"}, "instead of overwriting"),
    ("backward-no-carry", S04, "rnn_backward", "da[:, :, t] + da_prevt", "da[:, :, t]",
     {"values", "values at edge sizes", "gradient check"}, "only the last time step's dx is right"),
    ("backward-mutates-da", S04, "rnn_backward", "grads = rnn_cell_backward(da[:, :, t] + da_prevt, cache_list[t])",
     "da[:, :, t] += da_prevt\n        grads = rnn_cell_backward(da[:, :, t], cache_list[t])",
     {"inputs left unchanged"}, "da was modified in place"),
    ("loss-not-averaged", S04, "rnn_loss_and_gradients", "loss -= np.sum(y[:, :, t] * log_probs) / m",
     "loss -= np.sum(y[:, :, t] * log_probs)", {"values", "values at edge sizes"},
     "not averaged over the m examples"),
    ("loss-log-of-softmax", S04, "rnn_loss_and_gradients", "loss -= np.sum(y[:, :, t] * log_probs) / m",
     "loss -= np.sum(y[:, :, t] * np.log(y_pred[:, :, t])) / m", {"values"}, "0 * log(0) is NaN"),
    ("loss-gradient-not-scaled", S04, "rnn_loss_and_gradients", "dzy = (y_pred[:, :, t] - y[:, :, t]) / m",
     "dzy = y_pred[:, :, t] - y[:, :, t]", {"values", "values at edge sizes", "gradient check"},
     "the loss is right but the gradients are not"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)


def test_messages_never_show_hidden_inputs(grader, tmp_path):
    path = write_submission(tmp_path, S03, edited_solution(S03, "rnn_cell_forward", "np.tanh(", "np.sin("))
    (result,) = grader.grade([path])
    messages = " ".join(c.text for c in function_result(result, "rnn_cell_forward").checks)
    assert "differs from the expected value by up to" in messages
    assert "[[" not in messages and "array(" not in messages
