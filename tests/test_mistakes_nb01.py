"""Notebook 01's plausible mistakes: each is caught, charged to its own function only, and explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S01 = "01_why_sequence_models"
VALUES = {"values", "values at edge sizes"}
LOOP = """    x = np.zeros((n_x, m, T_x))
    mask = np.zeros((m, T_x))
    for i, s in enumerate(sequences):
        length = min(s.shape[1], T_x)
        x[:, i, :length] = s[:, :length]
        mask[i, :length] = 1.0"""

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("counts-no-biases", S01, "parameter_counts",
     "    standard = n_in * n_hidden + n_hidden + n_hidden * n_out + n_out\n"
     "    rnn = n_a * n_a + n_a * n_x + n_a + n_y * n_a + n_y",
     "    standard = n_in * n_hidden + n_hidden * n_out\n    rnn = n_a * n_a + n_a * n_x + n_y * n_a",
     VALUES, "the biases are missing"),
    ("counts-rnn-per-step", S01, "parameter_counts", "rnn = n_a * n_a + n_a * n_x + n_a + n_y * n_a + n_y",
     "rnn = (n_a * n_a + n_a * n_x + n_a + n_y * n_a + n_y) * T_x", VALUES, "share one set of parameters"),
    ("counts-hidden-not-per-step", S01, "parameter_counts", "n_hidden, n_out = n_x * T_x, n_a * T_x, n_y * T_x",
     "n_hidden, n_out = n_x * T_x, n_a, n_y * T_x", VALUES, "n_a units for each of the T_x positions"),
    ("mask-transposed", S01, "pad_batch", LOOP, LOOP.replace("np.zeros((m, T_x))", "np.zeros((T_x, m))")
     .replace("mask[i, :length]", "mask[:length, i]"), {"shapes and dtypes", "values", "values at edge sizes"},
     "the mask is transposed"),
    ("mask-bool", S01, "pad_batch", "mask = np.zeros((m, T_x))\n", "mask = np.zeros((m, T_x), dtype=bool)\n",
     {"shapes and dtypes"}, "dtype bool, expected float64"),
    ("padding-at-front", S01, "pad_batch", "x[:, i, :length] = s[:, :length]", "x[:, i, T_x - length:] = s[:, :length]",
     VALUES, "the padding is at the front"),
    ("padding-wrong-axis", S01, "pad_batch", LOOP, LOOP.replace("np.zeros((n_x, m, T_x))", "np.zeros((n_x, T_x, m))")
     .replace("x[:, i, :length]", "x[:, :length, i]"), {"shapes and dtypes", "values", "values at edge sizes"},
     "x has its axes in the wrong order"),
    ("truncation-keeps-last", S01, "pad_batch", "x[:, i, :length] = s[:, :length]",
     "x[:, i, :length] = s[:, s.shape[1] - length:]", {"values", "values at edge sizes"}, "keep the first T_x"),
    ("unpad-keeps-padding", S01, "unpad_batch", "sequences.append(x[:, i, :length].copy())",
     "sequences.append(x[:, i, :].copy())", {"shapes and dtypes", "values", "values at edge sizes"},
     "the padding is still there"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
