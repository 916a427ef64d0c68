"""Random inputs shared by the specs (never reference code: only shapes and random numbers)."""

from __future__ import annotations

import numpy as np

from course_utils import data

# sizes used by the sequence notebooks: typical ones, and edge ones (m = 1, T_x = 1, n = 1)
SEQ_SIZES = (
    dict(n_x=3, n_a=5, n_y=2, m=4, T_x=6),
    dict(n_x=4, n_a=3, n_y=3, m=3, T_x=5),
)
SEQ_EDGE = (
    dict(n_x=2, n_a=3, n_y=2, m=1, T_x=1),
    dict(n_x=1, n_a=1, n_y=1, m=1, T_x=2),
    dict(n_x=3, n_a=2, n_y=4, m=2, T_x=1),
)
# with one class the softmax is 1 and a cross-entropy loss is 0 whatever the weights: keep n_y = 2 for losses
LOSS_EDGE = tuple(dict(size, n_y=max(2, size["n_y"])) for size in SEQ_EDGE)


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape).astype(np.float64)


def rnn_parameters(rng: np.random.Generator, n_a: int, n_x: int, n_y: int, **_: int) -> dict:
    """A basic RNN's parameters, scaled so that tanh is neither saturated nor linear."""
    return data.rnn_parameters(rng, n_a, n_x, n_y, scale=0.5)


def one_hot_targets(rng: np.random.Generator, n_y: int, m: int, T_x: int) -> np.ndarray:
    """y of shape (n_y, m, T_x), one 1 per column."""
    classes = rng.integers(0, n_y, size=(m, T_x))
    y = np.zeros((n_y, m, T_x))
    np.put_along_axis(y, classes[None], 1.0, axis=0)
    return y
