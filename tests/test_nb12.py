"""Notebook 12 beyond grading: nested gradient keys, the striped-ruler data, the stacked drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from autograde.checks import _gradient_output
from autograde.specs import get
from course_utils.nb12 import band_data, draw_deep_rnn


def test_gradient_keys_may_name_nested_entries():
    spec = get("12_deep_rnns").function("deep_rnn_backward")
    out = {"dx": np.ones(2), "da0": [np.zeros(1), np.full(1, 2.0)],
           "layers": [{"dWaa": np.full(1, 3.0)}, {"dWaa": np.full(1, 4.0)}]}
    assert _gradient_output(out, "dx", spec)[0] == 1.0
    assert _gradient_output(out, "da0[1]", spec)[0] == 2.0
    assert _gradient_output(out, "layers[1].dWaa", spec)[0] == 4.0
    for missing in ("layers[2].dWaa", "layers[0].dWax", "da0[5]", "nothing"):
        assert _gradient_output(out, missing, spec) is None
    assert _gradient_output({"layers": "not a list"}, "layers[0].dWaa", spec) is None


def test_band_data_targets_follow_the_stripes():
    x, y = band_data(np.random.default_rng(0), 500, 6, bands=6)
    assert x.shape == (1, 500, 6) and y.shape == (2, 500, 6)
    assert np.all((x >= 0) & (x < 1)) and np.all(y.sum(axis=0) == 1)
    mean = (x[0] + np.concatenate([np.full((500, 1), 0.5), x[0, :, :-1]], axis=1)) / 2
    assert np.array_equal(y[1].astype(bool), np.floor(6 * mean).astype(int) % 2 == 1)
    assert 0.4 < y[1].mean() < 0.6 and 0.4 < y[1, :, 0].mean() < 0.6  # the first step too
    with pytest.raises(ValueError, match="bands"):
        band_data(np.random.default_rng(0), 3, 4, bands=1)


def test_deep_rnn_drawing_has_every_layer_and_step():
    ax = draw_deep_rnn(L=2, T=3, dense=1, title="t")
    texts = {t.get_text() for t in ax.texts}
    assert {rf"$a^{{[{l}]\langle {t} \rangle}}$" for l in (1, 2) for t in (1, 2, 3)} <= texts
    assert "dense" in texts
    with pytest.raises(ValueError, match="L must be"):
        draw_deep_rnn(L=0)
