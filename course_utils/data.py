"""Data and parameters for the notebooks' experiments, made by seeded code (nothing is downloaded).

Every function takes a ``numpy.random.Generator``, so that a run is reproducible.
"""

from __future__ import annotations

import numpy as np


def rnn_parameters(rng: np.random.Generator, n_a: int, n_x: int, n_y: int, scale: float = 0.5) -> dict:
    """Random parameters of a basic RNN, with the lecture's names.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_a, n_x, n_y : int
        Sizes of the hidden state, the input and the output.
    scale : float
        Standard deviation of the weights; the biases get 0.6 × scale.

    Returns
    -------
    dict with Waa (n_a, n_a), Wax (n_a, n_x), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1), all float64.
    """
    return {
        "Waa": rng.normal(0.0, scale, size=(n_a, n_a)),
        "Wax": rng.normal(0.0, scale, size=(n_a, n_x)),
        "Wya": rng.normal(0.0, scale, size=(n_y, n_a)),
        "ba": rng.normal(0.0, 0.6 * scale, size=(n_a, 1)),
        "by": rng.normal(0.0, 0.6 * scale, size=(n_y, 1)),
    }


def delayed_echo(rng: np.random.Generator, m: int, T_x: int, n_symbols: int = 4, delay: int = 1):
    """A toy task that needs memory: the target at time t is the input symbol at time t - delay.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the random symbols.
    m, T_x : int
        Number of sequences and their length.
    n_symbols : int
        Size of the alphabet (symbols 0 .. n_symbols - 1).
    delay : int
        How many steps back the target looks, 0 <= delay < T_x.

    Returns
    -------
    x : array (n_symbols, m, T_x), one-hot random symbols
    y : array (n_symbols, m, T_x), one-hot targets; symbol 0 for the first ``delay`` steps
    """
    if delay < 0 or delay >= T_x:
        raise ValueError(f"delay must be in [0, T_x); got delay={delay}, T_x={T_x}")
    symbols = rng.integers(0, n_symbols, size=(m, T_x))
    targets = np.zeros_like(symbols)
    targets[:, delay:] = symbols[:, : T_x - delay]
    eye = np.eye(n_symbols)  # row k is symbol k's one-hot vector
    return eye[symbols].transpose(2, 0, 1), eye[targets].transpose(2, 0, 1)
