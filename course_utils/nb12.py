"""Notebook 12's data and figure: a task where depth helps, and the stacked RNN drawn (layers up, time across).

The task ("striped ruler"): at every time step a reading u⟨t⟩ in [0, 1] arrives; the target is whether the
mean of the last two readings, (u⟨t-1⟩ + u⟨t⟩) / 2, lies in an even or an odd one of ``bands`` equal stripes
of [0, 1] (u⟨0⟩ = 1/2; with an even number of bands both answers are then equally likely at every step).
The memory needed is one step; what is hard is the function of that mean, which flips ``bands - 1`` times.
One layer of tanh units must place one unit per flip; a stack can fold the input again at each layer.

Everything is made by seeded code; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from course_utils.drawing import OUTPUT, STATE0, arrow, box, diagram_axes, sup


def band_data(rng: np.random.Generator, m: int, T_x: int, bands: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A batch of the striped-ruler task.

    Parameters
    ----------
    rng : numpy.random.Generator
    m : int ≥ 1
        Number of sequences.
    T_x : int ≥ 1
        Length of each sequence.
    bands : int ≥ 2
        Number of equal stripes of [0, 1]; the target flips bands − 1 times along the mean.

    Returns
    -------
    x : np.ndarray, shape (1, m, T_x), float64
        The readings u⟨t⟩, uniform in [0, 1).
    y : np.ndarray, shape (2, m, T_x), float64
        One-hot targets: class 1 when ⌊bands · (u⟨t-1⟩ + u⟨t⟩) / 2⌋ is odd, with u⟨0⟩ = 1/2.
    """
    for name, value, low in (("m", m, 1), ("T_x", T_x, 1), ("bands", bands, 2)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be a whole number ≥ {low}; got {value!r}")
    u = rng.uniform(0.0, 1.0, size=(m, T_x))
    previous = np.concatenate([np.full((m, 1), 0.5), u[:, :-1]], axis=1)
    odd = np.floor(bands * (u + previous) / 2).astype(np.int64) % 2
    return u[None], np.stack([odd == 0, odd == 1]).astype(np.float64)


# ----------------------------------------------------------------------------------------------- the figure

_LAYER_COLOURS = (("#dceaf7", "#1f4e79"), ("#e3f4dc", "#2f6b1f"), ("#efe3f6", "#5b2a86"), ("#fbe9d8", "#9a4a00"))


def draw_deep_rnn(L: int = 3, T: int = 4, *, dense: int = 1, title: str | None = None,
                  ax: Axes | None = None) -> Axes:
    r"""Draw a deep RNN unrolled over time: ``L`` recurrent layers stacked upwards, time across.

    Cell :math:`a^{[l]\langle t \rangle}` receives :math:`a^{[l]\langle t-1 \rangle}` from its left (the same
    layer, one step earlier) and :math:`a^{[l-1]\langle t \rangle}` from below (the layer underneath, same
    step; :math:`a^{[0]} = x`). On top, ``dense`` per-time-step dense layers (no horizontal connection) lead
    to :math:`\hat{y}^{\langle t \rangle}`.

    Parameters
    ----------
    L : int, 1..4
        Number of recurrent layers.
    T : int, 1..6
        Number of time steps.
    dense : int, 0..2
        Number of per-time-step dense layers drawn between the top recurrent layer and the output.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure if None.
    """
    for name, value, low, high in (("L", L, 1, 4), ("T", T, 1, 6), ("dense", dense, 0, 2)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"{name} must be a whole number in {low}..{high}; got {value!r}")
    dx, dy, cw, ch = 2.0, 1.35, 1.05, 0.62
    xs = [dx * t for t in range(1, T + 1)]
    rows = [dy * (l + 1) for l in range(L)]  # recurrent layers
    dense_rows = [rows[-1] + dy * (k + 1) for k in range(dense)]
    y_out = (dense_rows or rows)[-1] + dy
    x_min, x_max, y_min, y_max = xs[0] - 2.1, xs[-1] + 0.8, -0.55, y_out + 0.45
    ax = diagram_axes(ax, (x_min, x_max, y_min, y_max), height=5.6, title=title)

    def name(symbol: str, layer: str, t: int | str) -> str:
        return rf"${symbol}^{{[{layer}]\langle {t} \rangle}}$"

    for i, xc in enumerate(xs):
        t = i + 1
        box(ax, (xc, 0.0), 0.8, 0.5, sup("x", t), fc=STATE0[0], ec=STATE0[1], fontsize=12)
        below = 0.25
        for l, yl in enumerate(rows):
            fc, ec = _LAYER_COLOURS[l]
            box(ax, (xc, yl), cw, ch, name("a", l + 1, t), fc=fc, ec=ec, fontsize=12)
            arrow(ax, (xc, below), (xc, yl - ch / 2), color=ec)
            below = yl + ch / 2
            left = xc - dx + cw / 2 if t > 1 else xs[0] - 1.35
            if t == 1:
                box(ax, (xs[0] - 1.7, yl), 0.7, 0.45, rf"$a^{{[{l + 1}]\langle 0 \rangle}}$", fc=STATE0[0],
                    ec=STATE0[1], fontsize=10)
            arrow(ax, (left, yl), (xc - cw / 2, yl), color=ec, lw=1.8)
        for yd in dense_rows:
            box(ax, (xc, yd), cw, ch, "dense", fc="#ffffff", ec="#333333", fontsize=11)
            arrow(ax, (xc, below), (xc, yd - ch / 2), color="#333333")
            below = yd + ch / 2
        box(ax, (xc, y_out), 0.8, 0.5, sup(r"\hat{y}", t), fc=OUTPUT[0], ec=OUTPUT[1],
            fontsize=12)
        arrow(ax, (xc, below), (xc, y_out - 0.25), color="#333333")
    handles = [Patch(fc=_LAYER_COLOURS[l][0], ec=_LAYER_COLOURS[l][1], label=f"layer {l + 1}: $W_a^{{[{l + 1}]}}, b_a^{{[{l + 1}]}}$")
               for l in range(L)]
    if dense:
        handles.append(Patch(fc="#ffffff", ec="#333333", label="dense, per time step"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False,
              fontsize=9)
    if title is not None:
        ax.set_title(title, fontsize=13)
    return ax
