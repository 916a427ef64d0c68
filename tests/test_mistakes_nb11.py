"""Notebook 11's plausible mistakes: each is caught, charged to its own function only, and explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S11 = "11_bidirectional_rnn"
VALUES = {"values", "values at edge sizes"}
GRADIENTS = VALUES | {"gradient check"}

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("output-halves-swapped", S11, "brnn_output", "np.concatenate([a_f, a_b], axis=0)",
     "np.concatenate([a_b, a_f], axis=0)", VALUES, "halves of Wy are swapped"),
    ("output-no-softmax", S11, "brnn_output", "softmax(Wy @ stacked[:, :, t] + by)", "Wy @ stacked[:, :, t] + by",
     VALUES, "apply softmax"),
    ("forward-not-reversed", S11, "brnn_forward",
     "a_b_read, _, caches_b = rnn_forward(x[:, :, ::-1], a0_b, params_b)\n    a_b = a_b_read[:, :, ::-1]",
     "a_b, _, caches_b = rnn_forward(x, a0_b, params_b)", VALUES, "reversed sequence x[:, :, ::-1]"),
    ("forward-not-re-reversed", S11, "brnn_forward", "a_b = a_b_read[:, :, ::-1]", "a_b = a_b_read", VALUES,
     "not in position order"),
    ("forward-shared-parameters", S11, "brnn_forward",
     '"Waa": parameters["Waa_b"], "Wax": parameters["Wax_b"], "ba": parameters["ba_b"]',
     '"Waa": parameters["Waa_f"], "Wax": parameters["Wax_f"], "ba": parameters["ba_f"]', VALUES,
     "uses the forward direction's weights"),
    ("forward-starts-from-a0-f", S11, "brnn_forward", "rnn_forward(x[:, :, ::-1], a0_b, params_b)",
     "rnn_forward(x[:, :, ::-1], a0_f, params_b)", VALUES, "starts from a0_f"),
    ("backward-da-b-not-reversed", S11, "brnn_backward", "rnn_backward(da_b[:, :, ::-1], caches_b)",
     "rnn_backward(da_b, caches_b)", GRADIENTS, "reverse da_b in time before rnn_backward"),
    ("backward-dx-not-re-reversed", S11, "brnn_backward", 'grads_b["dx"][:, :, ::-1]', 'grads_b["dx"]', GRADIENTS,
     "reverse it into position order"),
    ("backward-dwy-halves-swapped", S11, "brnn_backward",
     "np.concatenate([a_f[:, :, t], a_b[:, :, t]], axis=0)", "np.concatenate([a_b[:, :, t], a_f[:, :, t]], axis=0)",
     GRADIENTS, "dWy has its halves swapped"),
    ("backward-upstream-split-swapped", S11, "brnn_backward",
     "da_f[:, :, t] = da[:n_a]\n        da_b[:, :, t] = da[n_a:]",
     "da_f[:, :, t] = da[n_a:]\n        da_b[:, :, t] = da[:n_a]", GRADIENTS, "the first n_a rows of Wyᵀ dz⟨t⟩"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
