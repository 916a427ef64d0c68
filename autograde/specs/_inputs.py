"""Random inputs shared by the specs (never reference code: only shapes and random numbers)."""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.numeric import gradients
from autograde.spec import Case, size_label
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


def drawn(rng: np.random.Generator, size: dict) -> dict:
    """``size`` with each range ``(lo, hi)`` of a size replaced by a number drawn in it (inclusive): a case whose
    sizes leave no values to draw (one class, one word) still differs from the visible cases by its sizes."""
    return {k: (int(rng.integers(v[0], v[1] + 1)) if isinstance(v, tuple) and len(v) == 2
                and all(isinstance(x, int) for x in v) else v) for k, v in size.items()}


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape).astype(np.float64)


def rnn_parameters(rng: np.random.Generator, n_a: int, n_x: int, n_y: int, **_: int) -> dict:
    """A basic RNN's parameters, scaled so that tanh is neither saturated nor linear."""
    return data.rnn_parameters(rng, n_a, n_x, n_y, scale=0.5)


def one_hot_targets(rng: np.random.Generator, n_y: int, m: int, T_x: int) -> np.ndarray:
    """y of shape (n_y, m, T_x), one 1 per column. With two classes or more and two steps or more, every
    sequence changes class from its first step to its second, so that a loss or gradient that pairs the targets
    with the wrong time step is caught by every case of any secret, not only where the targets happen to vary."""
    classes = rng.integers(0, n_y, size=(m, T_x))
    if n_y >= 2 and T_x >= 2:
        classes[:, 1] = (classes[:, 0] + rng.integers(1, n_y, size=m)) % n_y
    y = np.zeros((n_y, m, T_x))
    np.put_along_axis(y, classes[None], 1.0, axis=0)
    return y


def cell_backward_case(forward: str, parameters, state: str = "a"):
    """``make_case`` of a backward pass through one step of a single-state cell (04's rnn_cell_backward, 09's
    GRU cells): inputs xt, the previous state ``<state>_prev`` and ``parameters`` (made by ``parameters(rng,
    **size)``), the loss gradient ``d<state>_next`` arriving at the new state, and the cache of the reference
    ``forward``."""

    def make(rng: np.random.Generator, size: dict, fns) -> Case:
        n_x, n_a, m = size["n_x"], size["n_a"], size["m"]
        xt, prev = normal(rng, n_x, m), normal(rng, n_a, m, scale=0.8)
        params = parameters(rng, **size)
        d_next = normal(rng, n_a, m)
        _, _, cache = fns(forward)(xt, prev, params)
        context = {"xt": xt, f"{state}_prev": prev, "parameters": params, f"d{state}_next": d_next}
        return Case(size_label(size), {f"d{state}_next": d_next, "cache": cache}, context)

    return make


def cell_backward_numeric(keys, state: str = "a"):
    """The finite-difference gradients for :func:`cell_backward_case`: of sum(d<state>_next ∗ <state>_next), with
    respect to xt, the previous state and the parameters ``keys``."""

    def numeric(forward, context: dict) -> dict:
        c = wire.copy(context)
        p = c["parameters"]

        def loss() -> float:
            return np.sum(c[f"d{state}_next"] * forward(c["xt"], c[f"{state}_prev"], p)[0])

        return gradients(loss, {"dxt": c["xt"], f"d{state}_prev": c[f"{state}_prev"],
                                **{f"d{k}": p[k] for k in keys}})

    return numeric


def sequence_backward_case(forward: str, parameters, state: str = "a", caches_at: int = 2):
    """``make_case`` of a backward pass through a whole sequence (04's rnn_backward, 09's gru_backward, 10's
    lstm_backward): inputs x, an initial state ``<state>0`` and ``parameters`` (made by ``parameters(rng,
    **size)``), the loss gradient ``d<state>`` arriving at every step, and the caches of the reference
    ``forward`` (its output number ``caches_at``)."""
    def make(rng: np.random.Generator, size: dict, fns) -> Case:
        n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
        x, s0 = normal(rng, n_x, m, T_x), normal(rng, n_a, m, scale=0.8)
        params = parameters(rng, **size)
        ds = normal(rng, n_a, m, T_x)
        caches = fns(forward)(x, s0, params)[caches_at]
        context = {"x": x, f"{state}0": s0, "parameters": params, f"d{state}": ds}
        return Case(size_label(size), {f"d{state}": ds, "caches": caches}, context)

    return make


def sequence_backward_numeric(keys, state: str = "a"):
    """The finite-difference gradients for :func:`sequence_backward_case`: of the scalar whose gradient
    ``d<state>`` is (the sum over t of d<state>⟨t⟩ ∗ <state>⟨t⟩, the forward's first output), with respect to x,
    the initial state and the parameters ``keys``."""
    def numeric(forward, context: dict) -> dict:
        c = wire.copy(context)
        p = c["parameters"]

        def loss() -> float:
            return np.sum(c[f"d{state}"] * forward(c["x"], c[f"{state}0"], p)[0])

        return gradients(loss, {"dx": c["x"], f"d{state}0": c[f"{state}0"], **{f"d{k}": p[k] for k in keys}})

    return numeric
