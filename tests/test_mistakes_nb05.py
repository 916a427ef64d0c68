"""Notebook 05's plausible mistakes: each is caught, charged to its own function only, and explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S05 = "05_types_of_rnns"
VALUES = {"values", "values at edge sizes"}
GRADIENTS = {"values", "values at edge sizes", "gradient check"}

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("many-to-one-first-step", S05, "many_to_one_forward", "a[:, :, -1]", "a[:, :, 0]",
     {"values"}, "the last hidden state"),
    ("many-to-one-gradient-every-step", S05, "many_to_one_loss_and_gradients", "da[:, :, -1] = Wya.T @ dz",
     "da[:, :, :] = (Wya.T @ dz)[:, :, None]", GRADIENTS, "its loss at the last step only"),
    ("many-to-one-loss-not-averaged", S05, "many_to_one_loss_and_gradients",
     "loss = float(-np.sum(y * log_softmax(Wya @ a_last + by)) / m)",
     "loss = float(-np.sum(y * log_softmax(Wya @ a_last + by)))", VALUES, "not averaged over the m examples"),
    ("tagger-mask-ignored", S05, "tagger_loss_and_gradients",
     "        loss -= float(np.sum(mask[:, t] * np.sum(y[:, :, t] * log_p, axis=0))) / n_real\n"
     "        dz = mask[:, t] * (y_pred[:, :, t] - y[:, :, t]) / n_real",
     "        loss -= float(np.sum(y[:, :, t] * log_p)) / mask.size\n"
     "        dz = (y_pred[:, :, t] - y[:, :, t]) / mask.size", {"values", "gradient check"}, "the padding is counted"),
    ("tagger-divided-by-m", S05, "tagger_loss_and_gradients", "n_real = np.sum(mask)", "n_real = mask.shape[0]",
     GRADIENTS, "divided by m"),
    ("encoder-not-given-da0", S05, "encoder_decoder_loss_and_gradients", 'da_enc[:, :, -1] = g_dec["da0"]', "",
     GRADIENTS, "the encoder's only gradient is the decoder's da0"),
    ("generate-probabilities-fed-back", S05, "one_to_many_generate",
     "        xt = np.zeros((n_y, m))\n        xt[indices[:, t], np.arange(m)] = 1.0", "        xt = yt",
     VALUES, "the probabilities y_pred<t> are fed back"),
    ("generate-x1-every-step", S05, "one_to_many_generate",
     "        xt = np.zeros((n_y, m))\n        xt[indices[:, t], np.arange(m)] = 1.0", "        xt = x1",
     VALUES, "every step gets x1"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
