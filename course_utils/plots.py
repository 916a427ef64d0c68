"""Plotting helpers for the recurrent-neural-network workbook.

The figures of the lecture (unrolled RNNs, backpropagation through time) are
re-drawn here with plain matplotlib so that the notebooks do not depend on
image files.  Every function draws into a given :class:`~matplotlib.axes.Axes`
(or creates a new figure when ``ax`` is ``None``), never calls ``plt.show()``
and never touches the global ``rcParams``.

Functions
---------
draw_unrolled_rnn
    Schematic of a many-to-many RNN unrolled over ``T`` time steps, optionally
    with the backward (BPTT) flow of gradients.
draw_rnn_cell
    One cell in detail: what flows into a<t> (forward), or what flows back.
plot_loss
    Training-loss curve, optionally with a centred moving average.
plot_gradient_check
    Relative errors of a numerical gradient check, one bar per parameter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import MaxNLocator

__all__ = ["draw_unrolled_rnn", "draw_rnn_cell", "plot_loss", "plot_gradient_check"]

# ---------------------------------------------------------------------------
# Styling constants (local to this module; no global rcParams are modified)
# ---------------------------------------------------------------------------
_MAX_T = 12

_FWD_COLOR = "#222222"
_BWD_COLOR = "#d62728"
_CELL_FC, _CELL_EC = "#dceaf7", "#1f4e79"
_IN_FC, _IN_EC = "#e8f4e1", "#3b7a2a"
_OUT_FC, _OUT_EC = "#fdebd3", "#b35900"
_LOSS_FC, _LOSS_EC = "#fbe0e0", "#a11d1d"
_A0_FC, _A0_EC = "#f2f2f2", "#555555"

# Geometry of the unrolled-RNN figure, in data units.
_DX = 2.0  # horizontal distance between two time steps
_CELL_W, _CELL_H = 1.10, 0.80
_IN_W, _IN_H = 0.80, 0.52
_OUT_W, _OUT_H = 0.80, 0.52
_LOSS_W, _LOSS_H = 0.80, 0.50
_Y_CELL = 0.0
_Y_IN = -1.35
_Y_OUT = 1.35
_Y_LOSS = 2.45
_Y_BUS = 3.1
_Y_WORD = _Y_IN - _IN_H / 2 - 0.12


def _is_int(value: object) -> bool:
    """Return True for genuine integers (``bool`` is rejected)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    """Return True for real numbers (``bool`` is rejected)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _new_axes(figsize: tuple[float, float]) -> Axes:
    """Create a fresh figure with a single axes (object-oriented API)."""
    _fig, ax = plt.subplots(figsize=figsize)
    return ax


def _box(
    ax: Axes,
    center: tuple[float, float],
    width: float,
    height: float,
    text: str,
    *,
    fc: str,
    ec: str,
    rounding: float = 0.12,
    fontsize: float = 13,
    lw: float = 1.4,
) -> None:
    """Draw a rounded box with centred (mathtext) text."""
    cx, cy = center
    patch = FancyBboxPatch(
        (cx - width / 2, cy - height / 2),
        width,
        height,
        boxstyle=f"round,pad=0,rounding_size={rounding}",
        fc=fc,
        ec=ec,
        lw=lw,
        zorder=3,
    )
    ax.add_patch(patch)
    ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize,
            color="#111111", zorder=4)


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    color: str = _FWD_COLOR,
    dashed: bool = False,
    lw: float = 1.5,
    head: float = 13.0,
) -> None:
    """Draw an arrow from ``start`` to ``end`` (data coordinates).

    Dashed arrows are drawn as a dashed shaft plus a separate solid head, so
    the arrow head is not broken up by the dash pattern.
    """
    (x0, y0), (x1, y1) = start, end
    if not dashed:
        ax.add_patch(FancyArrowPatch(
            (x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=head,
            color=color, lw=lw, shrinkA=0, shrinkB=0, zorder=2,
        ))
        return
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    tail = min(0.22, 0.45 * length)  # length of the solid piece carrying the head
    xm, ym = x1 - ux * tail, y1 - uy * tail
    ax.add_line(Line2D([x0, xm], [y0, ym], color=color, lw=lw,
                       linestyle=(0, (4, 2.5)), zorder=2,
                       solid_capstyle="butt", dash_capstyle="butt"))
    ax.add_patch(FancyArrowPatch(
        (xm, ym), (x1, y1), arrowstyle="-|>", mutation_scale=head,
        color=color, lw=lw, shrinkA=0, shrinkB=0, zorder=2,
    ))


def _sup(symbol: str, t: int | str) -> str:
    """Mathtext for ``symbol^<t>`` in the lecture's angle-bracket notation."""
    return rf"${symbol}^{{\langle {t} \rangle}}$"


# ---------------------------------------------------------------------------
# 1. Unrolled RNN
# ---------------------------------------------------------------------------
def draw_unrolled_rnn(
    T: int = 4,
    *,
    labels: Sequence[str] | None = None,
    direction: str = "forward",
    show_outputs: bool = True,
    show_backward: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Draw a recurrent neural network unrolled over ``T`` time steps.

    Time runs from left to right.  Each step ``t`` has an input box
    :math:`x^{\langle t \rangle}` at the bottom, a rounded cell box holding the
    activation :math:`a^{\langle t \rangle}` in the middle and (optionally) a
    prediction :math:`\hat{y}^{\langle t \rangle}` on top.  An initial state
    :math:`a^{\langle 0 \rangle}` on the left feeds the first cell, and the
    shared weight matrices :math:`W_{ax}`, :math:`W_{aa}` and :math:`W_{ya}`
    are written next to the corresponding arrows.

    With ``show_backward=True`` the figure also shows backpropagation through
    time: per-step losses :math:`\mathcal{L}^{\langle t \rangle}` above the
    predictions are summed into the total loss :math:`\mathcal{L}` on the
    right, and red dashed arrows carry the gradients back down to the cells
    and from right to left through the chain of activations (labelled
    :math:`W_{aa}^\top dz^{\langle t \rangle}`); a red dashed line below the
    inputs collects every step's share of the gradients of the shared
    parameters :math:`W_{aa}, W_{ax}, b_a`.

    Parameters
    ----------
    T : int, default 4
        Number of time steps to draw; a positive integer no larger than 12.
    labels : sequence of str, optional
        Words written under the inputs, one per time step (for example
        ``["Harry", "Potter", "and", "Hermione"]``).  Must have length ``T``.
    direction : str, default "forward"
        ``"forward"``, or ``"bidirectional"``: a forward and a backward row
        of cells feeding each output (drawn by
        :func:`course_utils.nb11.draw_bidirectional_rnn`); anything else
        raises :class:`ValueError`.
    show_outputs : bool, default True
        Whether to draw the predictions :math:`\hat{y}^{\langle t \rangle}`
        and the :math:`W_{ya}` arrows.
    show_backward : bool, default False
        Whether to draw the backpropagation-through-time flow (loss nodes,
        total loss and red dashed gradient arrows).  Requires
        ``show_outputs=True`` because the losses are computed from the
        predictions.
    title : str, optional
        Title placed above the drawing.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.  If ``None`` a new figure is created, about 1.9
        inches wide per time step and 3 to 4 inches high (up to 5.6 inches
        with ``show_backward``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the drawing (ticks and frame hidden, equal
        aspect ratio).

    Raises
    ------
    ValueError
        If ``T`` is not an integer in ``1..12``, ``labels`` has the wrong
        length or type, ``direction`` is not one of the two, or
        ``show_backward`` is requested without outputs.
    """
    # ---- validation -------------------------------------------------------
    if not _is_int(T):
        raise ValueError(f"T must be a positive int <= {_MAX_T}, got {T!r} "
                         f"of type {type(T).__name__}.")
    T = int(T)
    if not 1 <= T <= _MAX_T:
        raise ValueError(f"T must be a positive int <= {_MAX_T}, got {T}.")
    if not isinstance(direction, str) or direction not in ("forward", "bidirectional"):
        raise ValueError(
            f"direction must be 'forward' or 'bidirectional', got {direction!r}."
        )
    if labels is not None:
        if isinstance(labels, str) or not isinstance(labels, Iterable):
            raise ValueError("labels must be a sequence of T strings, "
                             f"got {type(labels).__name__}.")
        labels = list(labels)
        if len(labels) != T:
            raise ValueError(f"labels must have exactly T={T} entries, "
                             f"got {len(labels)}.")
        if not all(isinstance(w, str) for w in labels):
            raise ValueError("every entry of labels must be a str.")
    show_outputs = bool(show_outputs)
    show_backward = bool(show_backward)
    if show_backward and not show_outputs:
        raise ValueError("show_backward=True needs show_outputs=True: the "
                         "losses L<t> are computed from the predictions y_hat<t>.")
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title must be a str or None, got {type(title).__name__}.")
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got "
                         f"{type(ax).__name__}.")

    if direction == "bidirectional":
        if show_backward:
            raise ValueError("show_backward=True is drawn for direction='forward' only.")
        from course_utils.nb11 import draw_bidirectional_rnn  # notebook 11's figure

        return draw_bidirectional_rnn(T, labels=labels, show_outputs=show_outputs, title=title, ax=ax)

    # ---- layout (data units) ----------------------------------------------
    xs = [_DX * t for t in range(1, T + 1)]  # centres of the cells
    x_a0 = xs[0] - _DX * 0.95
    x_total = xs[-1] + _DX * 0.95
    a0_w, a0_h = 0.78, 0.52
    tot_w, tot_h = 1.0, 0.56

    x_min = x_a0 - a0_w / 2 - 0.1
    x_max = (x_total + max(tot_w, 1.5) / 2 + 0.1) if show_backward else (xs[-1] + _CELL_W / 2 + 0.1)
    y_min = (_Y_WORD - 0.36) if labels is not None else (_Y_IN - _IN_H / 2 - 0.1)
    # backward: the shared parameters' gradients are collected on a line below the inputs
    y_pbus = y_min - 0.35
    par_w, par_h = 1.5, 0.62
    if show_backward:
        y_min = y_pbus - par_h / 2 - 0.55
    if show_backward:
        y_max = _Y_BUS + tot_h / 2 + 0.08
    elif show_outputs:
        y_max = _Y_OUT + _OUT_H / 2 + 0.1
    else:
        y_max = _CELL_H / 2 + 0.15
    data_w, data_h = x_max - x_min, y_max - y_min

    if ax is None:
        # ~0.9 inch per data unit (= 1.8 inch per step) unless that makes
        # the whole figure taller than 4 inches.
        top_in = 0.45 if title is not None else 0.05
        bottom_in = 0.4 if show_backward else 0.05  # room for the legend
        max_h = 5.6 if show_backward else 4.0
        scale = min(0.9, (max_h - top_in - bottom_in) / data_h)
        fig_w = data_w * scale + 0.1
        fig_h = data_h * scale + top_in + bottom_in
        fig, ax = plt.subplots(figsize=(fig_w, fig_h))
        fig.subplots_adjust(left=0.05 / fig_w, right=1 - 0.05 / fig_w,
                            bottom=bottom_in / fig_h, top=1 - top_in / fig_h)

    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)

    # Text sizes are in points while boxes are in data units: scale the text
    # (and line widths / arrow heads) with the real size of a data unit so the
    # figure stays legible in small user-supplied axes as well.
    fig = ax.figure
    pos = ax.get_position()
    fig_w_in, fig_h_in = fig.get_size_inches()
    inch_per_unit = min(pos.width * fig_w_in / data_w, pos.height * fig_h_in / data_h)
    k = float(np.clip(inch_per_unit / 0.75, 0.45, 1.2))

    def fs(size: float) -> float:
        return size * k

    def arrow(start, end, **kw):
        kw.setdefault("lw", 1.5 * max(k, 0.6))
        _arrow(ax, start, end, head=13.0 * k, **kw)

    def box(center, w, h, text, size, **kw):
        kw.setdefault("lw", 1.3 * max(k, 0.6))
        _box(ax, center, w, h, text, fontsize=fs(size), **kw)

    fwd_y = 0.13 if show_backward else 0.0  # recurrent arrow heights
    bwd_y = -0.15
    vx_off = 0.2 if show_backward else 0.0  # vertical arrows split in two lanes

    # ---- initial state a<0> ------------------------------------------------
    box((x_a0, _Y_CELL), a0_w, a0_h, _sup("a", 0), 12, fc=_A0_FC, ec=_A0_EC,
        rounding=0.1)

    for i, xc in enumerate(xs):
        t = i + 1
        # cell, input and the W_ax arrow
        box((xc, _Y_CELL), _CELL_W, _CELL_H, _sup("a", t), 15,
            fc=_CELL_FC, ec=_CELL_EC, rounding=0.18, lw=1.6 * max(k, 0.6))
        box((xc, _Y_IN), _IN_W, _IN_H, _sup("x", t), 13, fc=_IN_FC, ec=_IN_EC,
            rounding=0.08)
        arrow((xc - vx_off, _Y_IN + _IN_H / 2), (xc - vx_off, _Y_CELL - _CELL_H / 2))
        if t == 1:
            ax.text(xc - vx_off - 0.08, (_Y_IN + _IN_H / 2 + _Y_CELL - _CELL_H / 2) / 2,
                    r"$W_{ax}$", ha="right", va="center", fontsize=fs(12),
                    color=_FWD_COLOR, zorder=4)
        if labels is not None:
            ax.text(xc, _Y_WORD, labels[i], ha="center", va="top", fontsize=fs(11),
                    style="italic", color="#333333", zorder=4)

        # output and the W_ya arrow
        if show_outputs:
            box((xc, _Y_OUT), _OUT_W, _OUT_H, _sup(r"\hat{y}", t), 13,
                fc=_OUT_FC, ec=_OUT_EC, rounding=0.08)
            arrow((xc - vx_off, _Y_CELL + _CELL_H / 2), (xc - vx_off, _Y_OUT - _OUT_H / 2))
            if t == 1:
                ax.text(xc - vx_off - 0.08,
                        (_Y_CELL + _CELL_H / 2 + _Y_OUT - _OUT_H / 2) / 2,
                        r"$W_{ya}$", ha="right", va="center", fontsize=fs(12),
                        color=_FWD_COLOR, zorder=4)

        # recurrent connection from the previous state (shared W_aa)
        x_prev_right = (x_a0 + a0_w / 2) if t == 1 else (xs[i - 1] + _CELL_W / 2)
        x_left = xc - _CELL_W / 2
        x_mid = (x_prev_right + x_left) / 2
        arrow((x_prev_right, fwd_y), (x_left, fwd_y))
        ax.text(x_mid, fwd_y + 0.06, r"$W_{aa}$", ha="center", va="bottom",
                fontsize=fs(12), color=_FWD_COLOR, zorder=4)

        if show_backward:
            # loss node and forward arrow y_hat<t> -> L<t>
            box((xc, _Y_LOSS), _LOSS_W, _LOSS_H, _sup(r"\mathcal{L}", t), 12,
                fc=_LOSS_FC, ec=_LOSS_EC, rounding=0.08)
            arrow((xc - vx_off, _Y_OUT + _OUT_H / 2), (xc - vx_off, _Y_LOSS - _LOSS_H / 2))
            # gradient flowing back down: L<t> -> y_hat<t> -> a<t>
            arrow((xc + vx_off, _Y_LOSS - _LOSS_H / 2), (xc + vx_off, _Y_OUT + _OUT_H / 2),
                  color=_BWD_COLOR, dashed=True)
            arrow((xc + vx_off, _Y_OUT - _OUT_H / 2), (xc + vx_off, _Y_CELL + _CELL_H / 2),
                  color=_BWD_COLOR, dashed=True)
            # gradient flowing right to left ("back in time"): a<t> -> a<t-1>
            arrow((x_left, bwd_y), (x_prev_right, bwd_y), color=_BWD_COLOR, dashed=True)
            ax.text(x_mid - 0.04, bwd_y - 0.07, rf"$W_{{aa}}^{{\top}} dz^{{\langle {t} \rangle}}$",
                    ha="center", va="top", fontsize=fs(10), color=_BWD_COLOR,
                    zorder=4)
            # this step's share of the shared parameters' gradients, down to the collecting line
            x_drop = xc + _CELL_W / 2 - 0.08
            ax.add_line(Line2D([x_drop, x_drop], [_Y_CELL - _CELL_H / 2, y_pbus],
                               color=_BWD_COLOR, lw=1.5 * max(k, 0.6), linestyle=(0, (4, 2.5)), zorder=2))

    if show_backward:
        # the L<t> are summed into the total loss on the right via a "bus"
        lw_bus = 1.3 * max(k, 0.6)
        for xc in xs:
            ax.add_line(Line2D([xc, xc], [_Y_LOSS + _LOSS_H / 2, _Y_BUS],
                               color=_FWD_COLOR, lw=lw_bus, zorder=2))
        x_bus_end = x_total - tot_w / 2
        ax.add_line(Line2D([xs[0], x_bus_end - 0.2], [_Y_BUS, _Y_BUS],
                           color=_FWD_COLOR, lw=lw_bus, zorder=2))
        arrow((x_bus_end - 0.25, _Y_BUS), (x_bus_end, _Y_BUS), lw=lw_bus)
        box((x_total, _Y_BUS), tot_w, tot_h, r"$\mathcal{L}$", 15,
            fc=_LOSS_FC, ec=_LOSS_EC, rounding=0.1, lw=1.6 * max(k, 0.6))
        ax.text(x_total, _Y_BUS - tot_h / 2 - 0.08,
                r"$=\sum_{t} \mathcal{L}^{\langle t \rangle}$",
                ha="center", va="top", fontsize=fs(10.5), color="#333333", zorder=4)
        # the shared parameters collect every step's gradient
        x_first = xs[0] + _CELL_W / 2 - 0.08
        ax.add_line(Line2D([x_first, x_total - par_w / 2 - 0.25], [y_pbus, y_pbus], color=_BWD_COLOR,
                           lw=1.5 * max(k, 0.6), linestyle=(0, (4, 2.5)), zorder=2))
        arrow((x_total - par_w / 2 - 0.3, y_pbus), (x_total - par_w / 2, y_pbus), color=_BWD_COLOR)
        box((x_total, y_pbus), par_w, par_h, r"$W_{aa}, W_{ax}, b_a$", 12, fc=_CELL_FC, ec=_CELL_EC,
            rounding=0.1)
        ax.text((x_first + x_total - par_w / 2) / 2, y_pbus - 0.1,
                r"$dW_{aa}$, $dW_{ax}$, $db_a$: each the sum of every time step's share",
                ha="center", va="top", fontsize=fs(11), color=_BWD_COLOR, zorder=4)
        handles = [
            Line2D([], [], color=_FWD_COLOR, lw=1.5, label="forward pass"),
            Line2D([], [], color=_BWD_COLOR, lw=1.5, linestyle=(0, (4, 2.5)),
                   label="backpropagation through time (right to left)"),
        ]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=2, fontsize=fs(11), frameon=False, handlelength=2.6,
                  borderaxespad=0.1, columnspacing=2.0)

    if title is not None:
        ax.set_title(title, fontsize=fs(13))
    return ax


# ---------------------------------------------------------------------------
# 1b. One cell, forward or backward
# ---------------------------------------------------------------------------
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
    fwd = "#a0a0a0" if backward else _FWD_COLOR  # the forward flow, greyed when the gradients are shown
    y_row, y_back = 2.6, 2.15  # the forward row, and the backward arrows just below it
    ax.add_patch(FancyBboxPatch((0.0, -0.8), 11.0, 6.6, boxstyle="round,pad=0,rounding_size=0.3",
                                fc="#f5f9fd", ec=_CELL_EC, lw=1.6, zorder=1))
    ax.text(0.25, 5.6, "one RNN cell: time step t", fontsize=11, color=_CELL_EC, va="top", zorder=4)
    # nodes
    _box(ax, (3.3, y_row), 5.2, 1.0, r"$z^{\langle t \rangle} = W_{aa} a^{\langle t-1 \rangle}"
         r" + W_{ax} x^{\langle t \rangle} + b_a$", fc="#ffffff", ec=_CELL_EC, fontsize=13)
    _box(ax, (7.0, y_row), 1.1, 0.8, r"$\tanh$", fc=_CELL_FC, ec=_CELL_EC, fontsize=13)
    _box(ax, (8.8, 4.6), 3.8, 0.9, r"softmax$(W_{ya} a^{\langle t \rangle} + b_y)$", fc=_OUT_FC, ec=_OUT_EC,
         fontsize=12.5)
    # forward flow
    _arrow(ax, (-2.4, y_row), (0.7, y_row), color=fwd)
    ax.text(-2.5, y_row, r"$a^{\langle t-1 \rangle}$", ha="right", va="center", fontsize=15, color=fwd)
    _arrow(ax, (3.3, -1.8), (3.3, y_row - 0.5), color=fwd)
    ax.text(3.3, -1.9, r"$x^{\langle t \rangle}$", ha="center", va="top", fontsize=15, color=fwd)
    _arrow(ax, (5.9, y_row), (6.45, y_row), color=fwd)
    _arrow(ax, (7.55, y_row), (12.4, y_row), color=fwd)
    ax.text(12.5, y_row, r"$a^{\langle t \rangle}$", ha="left", va="center", fontsize=15, color=fwd)
    _arrow(ax, (8.8, y_row), (8.8, 4.15), color=fwd)
    _arrow(ax, (8.8, 5.05), (8.8, 6.9), color=fwd)
    ax.text(8.8, 7.0, r"$\hat{y}^{\langle t \rangle}$", ha="center", va="bottom", fontsize=15, color=fwd)
    if not backward:
        ax.text(-2.4, y_row + 0.25, "from step t-1", fontsize=11, color="#555555", va="bottom")
        ax.text(11.2, y_row + 0.25, "to step t+1", fontsize=11, color="#555555", va="bottom")
        ax.text(3.45, -1.2, "input", fontsize=11, color="#555555", va="center")
        ax.text(8.95, 6.3, "prediction", fontsize=11, color="#555555", va="center")
        ax.text(8.95, 3.35, r"$a^{\langle t \rangle}$", fontsize=13, color="#555555", va="center")
    else:
        red = _BWD_COLOR
        # from above (the prediction) and from the right (step t+1)
        _arrow(ax, (9.8, 6.9), (9.8, 5.05), color=red, dashed=True)
        ax.text(9.95, 6.1, r"$dz_y^{\langle t \rangle} = \hat{y}^{\langle t \rangle} - y^{\langle t \rangle}$",
                fontsize=13, color=red, va="center")
        _arrow(ax, (9.8, 4.15), (9.8, y_row + 0.05), color=red, dashed=True)
        ax.text(11.2, 3.4, r"$W_{ya}^{\top} dz_y^{\langle t \rangle}$" "\n(from above)", fontsize=12.5,
                color=red, va="center")
        _arrow(ax, (12.4, y_back), (7.55, y_back), color=red, dashed=True)
        ax.text(11.3, y_back - 0.15, "from step t+1\n" r"(0 at $t = T_x$)", ha="left", va="top", fontsize=12,
                color=red)
        ax.text(7.3, y_back - 0.2, r"sum $= \dfrac{\partial \mathcal{L}}{\partial a^{\langle t \rangle}}$",
                fontsize=13, color=red, va="top")
        # back through tanh
        _arrow(ax, (6.45, y_back), (5.9, y_back), color=red, dashed=True)
        ax.text(4.2, 3.3, r"$dz^{\langle t \rangle} = \dfrac{\partial \mathcal{L}}{\partial a^{\langle t \rangle}}"
                r" \odot (1 - (a^{\langle t \rangle})^2)$", ha="center", va="bottom", fontsize=13, color=red)
        # to the previous state, the input and the parameters
        _arrow(ax, (0.7, y_back), (-2.4, y_back), color=red, dashed=True)
        ax.text(-0.9, y_back - 0.25, r"$W_{aa}^{\top} dz^{\langle t \rangle}$", ha="center", va="top",
                fontsize=13, color=red)
        _arrow(ax, (2.5, y_row - 0.5), (2.5, -1.8), color=red, dashed=True)
        ax.text(2.35, -1.2, r"$dx^{\langle t \rangle} = W_{ax}^{\top} dz^{\langle t \rangle}$", ha="right",
                fontsize=13, color=red, va="center")
        _arrow(ax, (5.2, y_row - 0.5), (5.2, 1.05), color=red, dashed=True)
        ax.text(3.7, 0.95, r"into the shared parameters, added up over $t$:" "\n"
                r"$dW_{aa}$ += $dz^{\langle t \rangle} a^{\langle t-1 \rangle\top}$,   "
                r"$dW_{ax}$ += $dz^{\langle t \rangle} x^{\langle t \rangle\top}$," "\n"
                r"$db_a$ += $dz^{\langle t \rangle}$ summed over the examples",
                fontsize=11.5, color=red, va="top", linespacing=1.55)
    if title is not None:
        ax.set_title(title, fontsize=13)
    return ax


# ---------------------------------------------------------------------------
# 2. Loss curve
# ---------------------------------------------------------------------------
def _centred_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` points (odd); NaN where the window is not full or holds a NaN.

    Centred, so that the smoothed curve does not lag behind the raw one.
    """
    out = np.full(values.shape, np.nan)
    half = window // 2
    if values.size >= window:
        sums = np.convolve(values, np.ones(window) / window, mode="valid")  # NaN spreads over its windows
        out[half:values.size - half] = sums
    return out


def plot_loss(
    losses: Sequence[float] | np.ndarray,
    *,
    ax: Axes | None = None,
    title: str = "Training loss",
    xlabel: str = "iteration",
    ylabel: str = "loss",
    window: int | None = None,
) -> Axes:
    """Plot a sequence of loss values as a line.

    Parameters
    ----------
    losses : sequence of float or 1-D numpy.ndarray
        Loss values in order, one per iteration (plotted against
        ``0, 1, ..., len(losses) - 1``).  Must be non-empty.  Values must be
        finite, except that NaN entries are tolerated: they leave gaps in the
        curve and the title gets a warning with the number of NaNs.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.  If ``None`` a new 7 x 3.5 inch figure is created.
    title : str, default "Training loss"
        Title of the plot.
    xlabel : str, default "iteration"
        Label of the x-axis.
    ylabel : str, default "loss"
        Label of the y-axis.
    window : int, optional
        If given, an odd number of points, at least 3: a centred moving average over that many points is
        drawn bold over the faint raw curve. Being centred, it does not lag behind the raw values; it is
        left out where the window is not full (the first and last ``window // 2`` points).

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the plot (grid on).

    Raises
    ------
    ValueError
        If ``losses`` is empty, not one-dimensional, not numeric or contains
        infinite values, or if ``window`` is not an odd int of at least 3.
    """
    if isinstance(losses, (str, bytes)):
        raise ValueError("losses must be a sequence of numbers, got a string.")
    if not isinstance(losses, np.ndarray) and isinstance(losses, Iterable) \
            and not isinstance(losses, Sequence):
        losses = list(losses)
    try:
        values = np.asarray(losses, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"losses must be a sequence of numbers: {exc}") from None
    if values.ndim != 1:
        raise ValueError(f"losses must be one-dimensional, got shape {values.shape}.")
    if values.size == 0:
        raise ValueError("losses must be non-empty.")
    if np.isinf(values).any():
        n_inf = int(np.isinf(values).sum())
        raise ValueError(f"losses must be finite (NaN is tolerated), but "
                         f"{n_inf} value(s) are infinite.")
    if window is not None and (not _is_int(window) or window < 3 or window % 2 == 0):
        raise ValueError(f"window must be an odd int of at least 3 (or None), got {window!r}.")
    for name, val in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(val, str):
            raise ValueError(f"{name} must be a str, got {type(val).__name__}.")
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got "
                         f"{type(ax).__name__}.")

    if ax is None:
        ax = _new_axes((7.0, 3.5))

    it = np.arange(values.size)
    n_nan = int(np.isnan(values).sum())
    marker = "o" if values.size == 1 else None  # a single point has no line

    if window is None:
        ax.plot(it, values, color="C0", lw=1.6, marker=marker, label="loss")
    else:
        ax.plot(it, values, color="C0", lw=1.0, alpha=0.35, marker=marker, label="loss")
        ax.plot(it, _centred_mean(values, window), color="C0", lw=2.2,
                label=f"centred mean of {window} iterations")
        ax.legend(loc="best", fontsize=9)

    full_title = title
    if n_nan:
        warn = f"warning: {n_nan} of {values.size} values are NaN"
        full_title = f"{title}\n({warn})" if title else f"({warn})"
    title_artist = ax.set_title(full_title)
    if n_nan:
        title_artist.set_color("#b00000")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.4)
    if values.size == 1:
        ax.set_xlim(-1.0, 1.0)
        ax.set_xticks([0])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


# ---------------------------------------------------------------------------
# 3. Gradient check
# ---------------------------------------------------------------------------
def plot_gradient_check(
    rel_errors: Mapping[str, float],
    *,
    threshold: float = 1e-6,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Bar chart of gradient-check relative errors, one bar per parameter.

    Each bar shows the relative error
    :math:`\lVert g_{num} - g_{an} \rVert / (\lVert g_{num} \rVert + \lVert g_{an} \rVert)`
    of one parameter on a logarithmic x-axis.  Bars are green when the error
    is below ``threshold`` (check passed) and red otherwise; the threshold
    itself is drawn as a vertical dashed line.

    Parameters
    ----------
    rel_errors : dict of str to float
        Mapping from parameter name (e.g. ``"Wax"``, ``"Waa"``, ``"ba"``) to
        its relative error.  Must be non-empty; values must be finite and
        non-negative.  Parameters are listed top to bottom in dict order.  An
        error of exactly 0 is drawn at the left edge of the axis and labelled
        ``0``.
    threshold : float, default 1e-6
        Pass/fail threshold, a finite positive number.
    title : str, optional
        First line of the title; a second line says how many checks passed.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.  If ``None`` a new figure is created whose height
        grows with the number of parameters.

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the chart.

    Raises
    ------
    ValueError
        If ``rel_errors`` is not a non-empty mapping of str to finite,
        non-negative numbers, or ``threshold`` is not finite and positive.
    """
    if not isinstance(rel_errors, Mapping):
        raise ValueError(f"rel_errors must be a dict mapping parameter names to "
                         f"relative errors, got {type(rel_errors).__name__}.")
    if len(rel_errors) == 0:
        raise ValueError("rel_errors must be non-empty.")
    names: list[str] = []
    errs: list[float] = []
    for name, err in rel_errors.items():
        if not isinstance(name, str):
            raise ValueError(f"parameter names must be str, got {name!r}.")
        if not _is_real(err) or not math.isfinite(float(err)):
            raise ValueError(f"relative error of {name!r} must be a finite "
                             f"number, got {err!r}.")
        if float(err) < 0:
            raise ValueError(f"relative error of {name!r} must be >= 0, got {err!r}.")
        names.append(name)
        errs.append(float(err))
    if not _is_real(threshold) or not math.isfinite(float(threshold)) \
            or float(threshold) <= 0:
        raise ValueError(f"threshold must be a finite positive number, got "
                         f"{threshold!r}.")
    threshold = float(threshold)
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got "
                         f"{type(ax).__name__}.")

    values = np.asarray(errs, dtype=float)
    positive = values[values > 0]
    lo_val = min(positive.min() if positive.size else threshold, threshold)
    hi_val = max(values.max(), threshold)
    x_lo = 10.0 ** (math.floor(math.log10(lo_val)) - 1)
    x_hi = 10.0 ** (math.ceil(math.log10(hi_val)) + 1)
    if x_hi / x_lo < 1e3:  # keep at least a few decades visible
        x_lo, x_hi = x_lo / 10.0, x_hi * 10.0

    if ax is None:
        ax = _new_axes((8.0, 1.4 + 0.45 * len(names)))

    passed = values < threshold
    colors = np.where(passed, "#2ca02c", "#d62728")
    y = np.arange(len(names))
    drawn = np.where(values > 0, values, x_lo)
    ax.set_xscale("log")
    ax.barh(y, drawn - x_lo, left=x_lo, color=colors, height=0.6,
            edgecolor="#333333", linewidth=0.6, zorder=3)
    for yi, v, d in zip(y, values, drawn):
        ax.text(d * 1.35, yi, f"{v:.2e}" if v > 0 else "0", va="center",
                ha="left", fontsize=9, zorder=4)
    ax.axvline(threshold, color="#333333", linestyle="--", lw=1.3, zorder=4)

    ax.set_yticks(y, labels=names)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first parameter on top
    ax.set_xlim(x_lo, x_hi)
    ax.set_xlabel("relative error (log scale)")
    n_fail = int((~passed).sum())
    status = "all passed" if n_fail == 0 else f"{n_fail} of {len(names)} failed"
    ax.set_title(f"{title}\n({status})" if title else f"Gradient check ({status})")
    ax.grid(True, axis="x", which="major", alpha=0.35, zorder=0)
    handles = [
        Patch(facecolor="#2ca02c", edgecolor="#333333", label=f"< {threshold:g} (pass)"),
        Patch(facecolor="#d62728", edgecolor="#333333", label=f">= {threshold:g} (fail)"),
        Line2D([], [], color="#333333", linestyle="--", lw=1.3,
               label=f"threshold {threshold:g}"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8.5, frameon=False, borderaxespad=0.0)
    return ax
