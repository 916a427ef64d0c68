"""Notebook 05's figures and small tasks: the five RNN shapes of the lecture, unrolled, and data for one task
per shape.

The diagrams use the drawing primitives of :mod:`course_utils.drawing` (boxes, arrows, the ⟨t⟩ notation), so
that they look like the unrolled network of notebooks 03 and 04. Data comes from seeded code; nothing here
computes a graded answer (no forward or backward pass, no one-hot encoding).
"""

from __future__ import annotations

import numpy as np

from course_utils.drawing import BACKWARD, CELL, INPUT, OUTPUT, STATE0, arrow, box, sup

KINDS = {
    "one-to-one": "一对一",
    "one-to-many": "一对多",
    "many-to-one": "多对一",
    "many-to-many (T_x = T_y)": "多对多（等长）",
    "many-to-many (T_x ≠ T_y)": "多对多（不等长）",
}
EXAMPLES = {
    "one-to-one": "a standard network",
    "one-to-many": "music generation",
    "many-to-one": "sentiment classification",
    "many-to-many (T_x = T_y)": "named-entity recognition",
    "many-to-many (T_x ≠ T_y)": "machine translation",
}

_W, _H = 0.9, 0.62  # cell box
_IO_W, _IO_H = 0.72, 0.46


def _layout(kind: str) -> tuple[list[bool], list[bool], list[bool], int]:
    """Per step: has an input, has an output, output fed back as the next input; and the encoder's length."""
    if kind == "one-to-one":
        return [True], [True], [False], 0
    if kind == "one-to-many":
        return [True, False, False, False], [True] * 4, [True, True, True, False], 0
    if kind == "many-to-one":
        return [True] * 4, [False, False, False, True], [False] * 4, 0
    if kind == "many-to-many (T_x = T_y)":
        return [True] * 4, [True] * 4, [False] * 4, 0
    if kind == "many-to-many (T_x ≠ T_y)":
        return [True] * 3 + [False] * 3, [False] * 3 + [True] * 3, [False] * 6, 3
    raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")


def draw_rnn_type(kind: str, ax=None, fontsize: float = 11.0):
    """One of the lecture's five RNN shapes, unrolled from left to right.

    Parameters
    ----------
    kind : str, one of :data:`KINDS`
    ax : matplotlib Axes, optional
    fontsize : float, size of the labels in the boxes

    Returns
    -------
    the Axes.
    """
    import matplotlib.pyplot as plt

    has_x, has_y, feedback, n_enc = _layout(kind)
    T = len(has_x)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * T + 1.4, 2.9))
    xs = [1.5 * (t + 1) for t in range(T)]
    y_in, y_cell, y_out = -1.15, 0.0, 1.15
    a0 = xs[0] - 1.35
    box(ax, (a0, y_cell), 0.62, 0.42, sup("a", 0), fc=STATE0[0], ec=STATE0[1],
               fontsize=fontsize - 1)
    t_x = t_y = 0
    for t, xc in enumerate(xs):
        enc = t < n_enc
        fc, ec = ("#eadcf7", "#5b2c83") if (n_enc and enc) else CELL
        box(ax, (xc, y_cell), _W, _H, sup("a", t + 1), fc=fc, ec=ec, fontsize=fontsize)
        left = (a0 + 0.31) if t == 0 else xs[t - 1] + _W / 2
        arrow(ax, (left, y_cell), (xc - _W / 2, y_cell), head=10)
        if has_x[t] or (t > 0 and feedback[t - 1]):
            t_x += 1
            label = sup("x", t_x) if has_x[t] else sup(r"\hat{y}", t_y)
            box(ax, (xc, y_in), _IO_W, _IO_H, label, fc=INPUT[0], ec=INPUT[1],
                       fontsize=fontsize - 1, rounding=0.06)
            arrow(ax, (xc, y_in + _IO_H / 2), (xc, y_cell - _H / 2), head=10)
        if has_y[t]:
            t_y += 1
            box(ax, (xc, y_out), _IO_W, _IO_H, sup(r"\hat{y}", t_y), fc=OUTPUT[0],
                       ec=OUTPUT[1], fontsize=fontsize - 1, rounding=0.06)
            arrow(ax, (xc, y_cell + _H / 2), (xc, y_out - _IO_H / 2), head=10)
        if feedback[t]:  # the output becomes the next step's input
            arrow(ax, (xc + _IO_W / 2, y_out - 0.1), (xs[t + 1] - _IO_W / 2, y_in + 0.1),
                         color=BACKWARD, dashed=True, head=9, lw=1.2)
    if n_enc:
        ax.text((xs[0] + xs[n_enc - 1]) / 2, y_in - 0.5, "encoder", ha="center", fontsize=fontsize - 1,
                color="#5b2c83")
        ax.text((xs[n_enc] + xs[-1]) / 2, y_in - 0.5, "decoder", ha="center", fontsize=fontsize - 1,
                color=CELL[1])
    title = f"{kind}\n({EXAMPLES[kind]})"
    ax.set_title(title, fontsize=fontsize)
    ax.set_xlim(a0 - 0.45, xs[-1] + 0.75)
    ax.set_ylim(y_in - 0.7, y_out + 0.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_rnn_types():
    """All five shapes, at one scale: one-to-one and one-to-many, many-to-one and many-to-many (T_x = T_y),
    then the encoder–decoder; returns the figure."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 7.2))
    rows = fig.add_gridspec(3, 1, hspace=0.25)
    widths = [(1, 4), (4, 4), (6,)]
    kinds = iter(KINDS)
    for r, steps in enumerate(widths):
        cols = rows[r].subgridspec(1, len(steps) + (len(steps) == 1), width_ratios=[1.5 * s + 2.2 for s in steps]
                                   + ([4.0] if len(steps) == 1 else []), wspace=0.05)
        for c in range(len(steps)):
            draw_rnn_type(next(kinds), ax=fig.add_subplot(cols[0, c]), fontsize=10)
    return fig


# --------------------------------------------------------------------------------------- one task per shape

HELD_OUT_SHARE = 0.25  # the share of all possible inputs that training never sees (part="test")


def held_out_inputs(n_symbols: int, length: int) -> np.ndarray:
    """The possible inputs (sequences of ``length`` symbols out of ``n_symbols``, numbered as base-``n_symbols``
    numbers, first symbol most significant) that are kept for testing: a fixed quarter of them, chosen by a
    fixed seed so that it is the same set on every run and every machine. Sorted int64 array."""
    n_inputs = n_symbols**length
    chosen = np.random.default_rng(0).permutation(n_inputs)[: round(HELD_OUT_SHARE * n_inputs)]
    return np.sort(chosen).astype(np.int64)


def _sequences(rng: np.random.Generator, m: int, length: int, n_symbols: int, part: str | None) -> np.ndarray:
    """``m`` input sequences (m, length): from every possible input (part=None), only from the inputs that
    training may see (part="train"), or only from the held-out ones (part="test")."""
    if part is None:
        return rng.integers(0, n_symbols, size=(m, length))
    if part not in ("train", "test"):
        raise ValueError(f'part must be None, "train" or "test"; got {part!r}')
    held = held_out_inputs(n_symbols, length)
    codes = held if part == "test" else np.setdiff1d(np.arange(n_symbols**length), held)
    drawn = codes[rng.integers(0, codes.size, size=m)]
    powers = n_symbols ** np.arange(length - 1, -1, -1)
    return (drawn[:, None] // powers) % n_symbols


def majority_task(rng: np.random.Generator, m: int, T_x: int = 9, part: str | None = None):
    """Sequences of bits, labelled by the bit that occurs more often (T_x odd, so there is no tie).

    ``part``: None draws from all 2**T_x sequences; "train" never draws the held-out quarter
    (:func:`held_out_inputs`), "test" draws only from it.

    Returns
    -------
    bits : int64 array (m, T_x), each 0 or 1
    labels : int64 array (m,), the majority bit of each row
    """
    if T_x % 2 == 0:
        raise ValueError(f"T_x must be odd so that every sequence has a majority; got {T_x}")
    bits = _sequences(rng, m, T_x, 2, part)
    return bits, (2 * bits.sum(axis=1) > T_x).astype(np.int64)


def counting_task(rng: np.random.Generator, m: int, length: int = 6, n_symbols: int = 3, part: str | None = None):
    """Sequences of ``length`` symbols, and how often each of the ``n_symbols`` symbols occurs in them: an
    encoder–decoder task whose output (one count per symbol, T_y = n_symbols) is shorter than its input.

    ``part``: None draws from all n_symbols**length sequences; "train" never draws the held-out quarter
    (:func:`held_out_inputs`), "test" draws only from it.

    Returns
    -------
    source : int64 array (m, length), symbols 0 .. n_symbols - 1
    counts : int64 array (m, n_symbols): counts[i, k] = number of k's in source[i], 0 .. length
    """
    source = _sequences(rng, m, length, n_symbols, part)
    counts = (source[:, :, None] == np.arange(n_symbols)).sum(axis=1)
    return source, counts.astype(np.int64)


MELODIES = ((0, 2, 4, 2, 0, 2, 4, 4), (1, 1, 3, 3, 5, 5, 3, 1), (5, 4, 3, 2, 1, 0, 1, 2))
NOTE_NAMES = ("C", "D", "E", "F", "G", "A")
