"""Notebook 06's plausible mistakes (language model): each caught once, charged to its own function, explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S06 = "06_language_model"
STABLE = """    z = logits - np.max(logits, axis=0, keepdims=True)
    log_softmax = z - np.log(np.sum(np.exp(z), axis=0, keepdims=True))
    picked"""
NAIVE = """    e = np.exp(logits)
    log_softmax = np.log(e / np.sum(e, axis=0, keepdims=True))
    picked"""

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("shift-not-shifted", S06, "shift_inputs", "x[targets[:, :-1], np.arange(m)[:, None], np.arange(1, T_y)[None, :]]",
     "x[targets, np.arange(m)[:, None], np.arange(T_y)[None, :]]", {"values", "values at edge sizes"},
     "the PREVIOUS token"),
    ("logprob-log-of-softmax", S06, "sequence_log_probability", STABLE, NAIVE, {"values"}, "underflowed to 0"),
    ("loss-mask-ignored", S06, "masked_loss", "np.sum(mask * log_softmax[targets, rows, cols])",
     "np.sum(log_softmax[targets, rows, cols])", {"values", "values at edge sizes"},
     "multiply each step's loss"),
    ("loss-not-averaged", S06, "masked_loss", "loss = float(-np.sum(mask * log_softmax[targets, rows, cols]) / m)",
     "loss = float(-np.sum(mask * log_softmax[targets, rows, cols]))", {"values", "values at edge sizes"},
     "divide the masked sum by m"),
    ("loss-gradient-unmasked", S06, "masked_loss", "dlogits *= mask[None, :, :] / m", "dlogits /= m",
     {"values", "values at edge sizes", "gradient check"}, "the loss is right but dlogits is not"),
    ("ppl-exp-of-sum", S06, "perplexity", "np.exp(loss * m / np.sum(mask))", "np.exp(loss * m)",
     {"values", "values at edge sizes"}, "exp of the MEAN loss per real token"),
    ("ppl-per-sequence", S06, "perplexity", "np.exp(loss * m / np.sum(mask))", "np.exp(loss)",
     {"values", "values at edge sizes"}, "not by m"),
    ("ppl-mask-ignored", S06, "perplexity",
     "loss, _ = masked_loss(logits, targets, mask)\n    ppl = float(np.exp(loss * m / np.sum(mask)))",
     "loss, _ = masked_loss(logits, targets, np.ones_like(mask))\n    ppl = float(np.exp(loss * m / mask.size))",
     {"values", "values at edge sizes"},
     "the padding is counted"),
    ("step-no-clipping", S06, "optimization_step",
     "parameters[key] - learning_rate * np.clip(gradients[key], -max_value, max_value)",
     "parameters[key] - learning_rate * gradients[key]", {"values", "values at edge sizes"}, "not clipped"),
    ("step-in-place", S06, "optimization_step",
     """    new_parameters = {key: parameters[key] - learning_rate * np.clip(gradients[key], -max_value, max_value)
                      for key in parameters}""",
     """    for key in parameters:
        parameters[key] -= learning_rate * np.clip(gradients[key], -max_value, max_value)
    new_parameters = {key: parameters[key].copy() for key in parameters}""",
     {"inputs left unchanged"}, "instead of updating the parameters in place"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
