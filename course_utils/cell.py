"""Notebooks 03 and 04's picture of one basic-RNN cell: what flows into a⟨t⟩ (03), or what flows back (04)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from course_utils.drawing import BACKWARD, CELL, FORWARD, OUTPUT, arrow, box

__all__ = ["draw_rnn_cell"]


def draw_rnn_cell(
    direction: str = "forward",
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Draw one basic-RNN cell: what flows into :math:`a^{\langle t \rangle}`, or what flows back.

    ``direction="forward"`` shows the computation of one time step:
    :math:`a^{\langle t-1 \rangle}` enters from the left and :math:`x^{\langle t \rangle}` from below,
    :math:`z^{\langle t \rangle} = W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a` goes
    through tanh, and :math:`a^{\langle t \rangle}` leaves to the right (to the next step) and upwards, where
    :math:`\hat{y}^{\langle t \rangle} = \mathrm{softmax}(W_{ya} a^{\langle t \rangle} + b_y)`.

    ``direction="backward"`` shows the same cell with the gradients flowing back (red, dashed): the
    gradient from above and the one from the right (step t+1) add up to the total
    :math:`\partial\mathcal{L}/\partial a^{\langle t \rangle}`, which goes back through tanh to
    :math:`dz^{\langle t \rangle}`, and from there to the previous state, to the input and into the shared
    parameters.

    Parameters
    ----------
    direction : {"forward", "backward"}
        Which flow to draw.
    title : str, optional
        Title placed above the drawing.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. If ``None`` a new 9 x 4.6 inch figure is created.

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the drawing (ticks and frame hidden).

    Raises
    ------
    ValueError
        If ``direction`` is not "forward" or "backward", ``title`` is not a str, or ``ax`` is not an Axes.
    """
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}.")
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title must be a str or None, got {type(title).__name__}.")
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")
    if ax is None:
        _fig, ax = plt.subplots(figsize=(10.0, 5.8))
        _fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93 if title else 0.99)
    ax.set_xlim(-3.6, 14.4)
    ax.set_ylim(-2.4, 8.0)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    backward = direction == "backward"
    fwd = "#a0a0a0" if backward else FORWARD  # the forward flow, greyed when the gradients are shown
    y_row, y_back = 2.6, 2.15  # the forward row, and the backward arrows just below it
    ax.add_patch(FancyBboxPatch((0.0, -0.8), 11.0, 6.6, boxstyle="round,pad=0,rounding_size=0.3",
                                fc="#f5f9fd", ec=CELL[1], lw=1.6, zorder=1))
    ax.text(0.25, 5.6, "one RNN cell: time step t", fontsize=11, color=CELL[1], va="top", zorder=4)
    # nodes
    box(ax, (3.3, y_row), 5.2, 1.0, r"$z^{\langle t \rangle} = W_{aa} a^{\langle t-1 \rangle}"
        r" + W_{ax} x^{\langle t \rangle} + b_a$", fc="#ffffff", ec=CELL[1], fontsize=13)
    box(ax, (7.0, y_row), 1.1, 0.8, r"$\tanh$", fc=CELL[0], ec=CELL[1], fontsize=13)
    box(ax, (8.8, 4.6), 3.8, 0.9, r"softmax$(W_{ya} a^{\langle t \rangle} + b_y)$", fc=OUTPUT[0], ec=OUTPUT[1],
        fontsize=12.5)
    # forward flow
    arrow(ax, (-2.4, y_row), (0.7, y_row), color=fwd)
    ax.text(-2.5, y_row, r"$a^{\langle t-1 \rangle}$", ha="right", va="center", fontsize=15, color=fwd)
    arrow(ax, (3.3, -1.8), (3.3, y_row - 0.5), color=fwd)
    ax.text(3.3, -1.9, r"$x^{\langle t \rangle}$", ha="center", va="top", fontsize=15, color=fwd)
    arrow(ax, (5.9, y_row), (6.45, y_row), color=fwd)
    arrow(ax, (7.55, y_row), (12.4, y_row), color=fwd)
    ax.text(12.5, y_row, r"$a^{\langle t \rangle}$", ha="left", va="center", fontsize=15, color=fwd)
    arrow(ax, (8.8, y_row), (8.8, 4.15), color=fwd)
    arrow(ax, (8.8, 5.05), (8.8, 6.9), color=fwd)
    ax.text(8.8, 7.0, r"$\hat{y}^{\langle t \rangle}$", ha="center", va="bottom", fontsize=15, color=fwd)
    if not backward:
        ax.text(-2.4, y_row + 0.25, "from step t-1", fontsize=11, color="#555555", va="bottom")
        ax.text(11.2, y_row + 0.25, "to step t+1", fontsize=11, color="#555555", va="bottom")
        ax.text(3.45, -1.2, "input", fontsize=11, color="#555555", va="center")
        ax.text(8.95, 6.3, "prediction", fontsize=11, color="#555555", va="center")
        ax.text(8.95, 3.35, r"$a^{\langle t \rangle}$", fontsize=13, color="#555555", va="center")
    else:
        red = BACKWARD
        # from above (the prediction) and from the right (step t+1)
        arrow(ax, (9.8, 6.9), (9.8, 5.05), color=red, dashed=True)
        ax.text(9.95, 6.1, r"$dz_y^{\langle t \rangle} = \hat{y}^{\langle t \rangle} - y^{\langle t \rangle}$",
                fontsize=13, color=red, va="center")
        arrow(ax, (9.8, 4.15), (9.8, y_row + 0.05), color=red, dashed=True)
        ax.text(11.2, 3.4, r"$W_{ya}^{\top} dz_y^{\langle t \rangle}$" "\n(from above)", fontsize=12.5,
                color=red, va="center")
        arrow(ax, (12.4, y_back), (7.55, y_back), color=red, dashed=True)
        ax.text(11.3, y_back - 0.15, "from step t+1\n" r"(0 at $t = T_x$)", ha="left", va="top", fontsize=12,
                color=red)
        ax.text(7.3, y_back - 0.2, r"sum $= \dfrac{\partial \mathcal{L}}{\partial a^{\langle t \rangle}}$",
                fontsize=13, color=red, va="top")
        # back through tanh
        arrow(ax, (6.45, y_back), (5.9, y_back), color=red, dashed=True)
        ax.text(4.2, 3.3, r"$dz^{\langle t \rangle} = \dfrac{\partial \mathcal{L}}{\partial a^{\langle t \rangle}}"
                r" \odot (1 - (a^{\langle t \rangle})^2)$", ha="center", va="bottom", fontsize=13, color=red)
        # to the previous state, the input and the parameters
        arrow(ax, (0.7, y_back), (-2.4, y_back), color=red, dashed=True)
        ax.text(-0.9, y_back - 0.25, r"$W_{aa}^{\top} dz^{\langle t \rangle}$", ha="center", va="top",
                fontsize=13, color=red)
        arrow(ax, (2.5, y_row - 0.5), (2.5, -1.8), color=red, dashed=True)
        ax.text(2.35, -1.2, r"$dx^{\langle t \rangle} = W_{ax}^{\top} dz^{\langle t \rangle}$", ha="right",
                fontsize=13, color=red, va="center")
        arrow(ax, (5.2, y_row - 0.5), (5.2, 1.05), color=red, dashed=True)
        ax.text(3.7, 0.95, r"into the shared parameters, added up over $t$:" "\n"
                r"$dW_{aa}$ += $dz^{\langle t \rangle} a^{\langle t-1 \rangle\top}$,   "
                r"$dW_{ax}$ += $dz^{\langle t \rangle} x^{\langle t \rangle\top}$," "\n"
                r"$db_a$ += $dz^{\langle t \rangle}$ summed over the examples",
                fontsize=11.5, color=red, va="top", linespacing=1.55)
    if title is not None:
        ax.set_title(title, fontsize=13)
    return ax
