"""Notebook 11 beyond grading: the backward direction really reads right to left, its data and its figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from autograde import reference
from course_utils import nb11
from course_utils.plots import draw_unrolled_rnn

S11 = "11_bidirectional_rnn"


def _parameters(rng, n_a, n_x, n_y):
    p = {}
    for d in ("f", "b"):
        p.update({f"Waa_{d}": rng.normal(0, 0.5, (n_a, n_a)), f"Wax_{d}": rng.normal(0, 0.5, (n_a, n_x)),
                  f"ba_{d}": rng.normal(0, 0.3, (n_a, 1))})
    return {**p, "Wy": rng.normal(0, 0.5, (n_y, 2 * n_a)), "by": rng.normal(0, 0.3, (n_y, 1))}


def test_backward_direction_is_the_right_to_left_recurrence():
    """rnn_forward on the reversed sequence, its states reversed back, is the recurrence from x<T_x> down."""
    brnn_forward = reference.namespace(S11)["brnn_forward"]
    rng = np.random.default_rng(0)
    n_x, n_a, n_y, m, T_x = 3, 4, 2, 2, 5
    p = _parameters(rng, n_a, n_x, n_y)
    x, a0_f, a0_b = rng.normal(size=(n_x, m, T_x)), rng.normal(size=(n_a, m)), rng.normal(size=(n_a, m))
    a_f, a_b, _, _ = brnn_forward(x, a0_f, a0_b, p)
    state, expected = a0_b, np.zeros_like(a_b)
    for t in reversed(range(T_x)):
        state = np.tanh(p["Waa_b"] @ state + p["Wax_b"] @ x[:, :, t] + p["ba_b"])
        expected[:, :, t] = state
    assert np.allclose(a_b, expected, rtol=1e-12, atol=1e-14)
    # what each direction can see: a change at the first position moves every forward state and only the
    # first backward state
    x2 = x.copy()
    x2[:, :, 0] += 1.0
    a_f2, a_b2, _, _ = brnn_forward(x2, a0_f, a0_b, p)
    assert np.all(np.abs(a_f2 - a_f).max(axis=(0, 1)) > 0)
    assert np.array_equal(a_b2[:, :, 1:], a_b[:, :, 1:]) and not np.array_equal(a_b2[:, :, 0], a_b[:, :, 0])


def test_teddy_data_only_the_following_word_decides():
    x, y, ambiguous, sentences = nb11.teddy_data(np.random.default_rng(1), 600)
    assert x.shape == (len(nb11.VOCAB), 600, nb11.T_X) and y.shape == (2, 600, nb11.T_X)
    assert np.all(x.sum(axis=0) == 1) and np.all(y.sum(axis=0) == 1)
    words = x.argmax(axis=0)
    rows, cols = np.nonzero(ambiguous)
    assert all(nb11.VOCAB[words[i, t]] in nb11.AMBIGUOUS for i, t in zip(rows, cols))
    names = y[1][ambiguous].astype(bool)
    assert 0.4 < names.mean() < 0.6  # name and thing equally likely
    # the following word decides: a surname exactly when the ambiguous word is a name
    following = np.array([nb11.VOCAB[words[i, t + 1]] in nb11.SURNAMES for i, t in zip(rows, cols)])
    assert np.array_equal(following, names)
    # the words before carry no hint: the prefixes of both kinds are the same set
    prefix = {k: {" ".join(nb11.VOCAB[w] for w in words[i, :t]) for i, t, n in zip(rows, cols, names) if n == k}
              for k in (True, False)}
    assert prefix[True] == prefix[False] == {" ".join(p) for p in nb11.PREFIXES}
    assert sentences[0].split()[0] in {p[0] for p in nb11.PREFIXES}
    with pytest.raises(ValueError, match="m must be"):
        nb11.teddy_data(np.random.default_rng(0), 0)


def test_lecture_sentences_are_in_the_vocabulary():
    x, words = nb11.lecture_sentences()
    assert x.shape == (len(nb11.VOCAB), 2, nb11.T_X)
    assert [w[2] for w in words] == ["teddy", "teddy"]


def test_unrolled_drawing_has_two_directions():
    ax = nb11.draw_bidirectional_rnn(T=3, labels=["a", "b", "c"], title="t")
    texts = {t.get_text() for t in ax.texts}
    assert r"$\overleftarrow{a}^{\langle 2 \rangle}$" in texts and r"$\overrightarrow{a}^{\langle 2 \rangle}$" in texts
    with pytest.raises(ValueError, match="labels"):
        nb11.draw_bidirectional_rnn(T=3, labels=["a", "b"])
    with pytest.raises(ValueError, match="direction"):
        draw_unrolled_rnn(T=3, direction="sideways")
    with pytest.raises(ValueError, match="draw_bidirectional_rnn"):  # the message says where it is drawn
        draw_unrolled_rnn(T=3, direction="bidirectional")
