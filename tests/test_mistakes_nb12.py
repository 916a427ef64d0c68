"""Notebook 12's plausible mistakes: each is caught, charged to its own function only, and explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S12 = "12_deep_rnns"
VALUES = {"values", "values at edge sizes"}
GRADIENTS = VALUES | {"gradient check"}
# a mistake that also breaks the shapes of some stacks (layers of different sizes) raises there: those inputs
# fail every check of theirs
EVERYTHING = {"shapes and dtypes", "values", "values at edge sizes", "inputs left unchanged"}

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("layer-a-prev-not-updated", S12, "rnn_layer_forward", "        a_prev = a_next\n", "        a_prev = a0\n",
     VALUES, "is a_prev updated inside the loop"),
    ("dense-no-bias", S12, "time_distributed_dense", "a.reshape(n_in, m * T_x) + b)", "a.reshape(n_in, m * T_x))",
     VALUES, "the bias b is missing"),
    ("stack-layers-read-x", S12, "deep_rnn_forward", "rnn_layer_forward(below, a0[l], layer)",
     "rnn_layer_forward(x, a0[l], layer)", EVERYTHING, "every layer reads x"),
    ("stack-parameters-mixed", S12, "deep_rnn_forward", "rnn_layer_forward(below, a0[l], layer)",
     "rnn_layer_forward(below, a0[l], layers[0])", EVERYTHING, "the first layer's parameters"),
    ("stack-gradient-not-passed-down", S12, "deep_rnn_backward", '        da = grads["dx"]\n',
     '        da = np.zeros_like(grads["dx"])\n', GRADIENTS, "pass it on down"),
    ("stack-layers-in-wrong-order", S12, "deep_rnn_backward", "layers[l] = {", "layers[L - 1 - l] = {",
     GRADIENTS | {"shapes and dtypes"}, "the layers' gradients are in the wrong order"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
