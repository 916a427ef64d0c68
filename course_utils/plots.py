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
plot_loss
    Training-loss curve with optional exponential-moving-average smoothing.
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

__all__ = ["draw_unrolled_rnn", "plot_loss", "plot_gradient_check"]

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
    and from right to left through the chain of activations.

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
        inches wide per time step and 3 to 4 inches high.

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
    x_max = (x_total + tot_w / 2 + 0.1) if show_backward else (xs[-1] + _CELL_W / 2 + 0.1)
    y_min = (_Y_WORD - 0.36) if labels is not None else (_Y_IN - _IN_H / 2 - 0.1)
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
        scale = min(0.9, (4.0 - top_in - bottom_in) / data_h)
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
                    r"$W_{ax}$", ha="right", va="center", fontsize=fs(11),
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
                        r"$W_{ya}$", ha="right", va="center", fontsize=fs(11),
                        color=_FWD_COLOR, zorder=4)

        # recurrent connection from the previous state (shared W_aa)
        x_prev_right = (x_a0 + a0_w / 2) if t == 1 else (xs[i - 1] + _CELL_W / 2)
        x_left = xc - _CELL_W / 2
        x_mid = (x_prev_right + x_left) / 2
        arrow((x_prev_right, fwd_y), (x_left, fwd_y))
        ax.text(x_mid, fwd_y + 0.06, r"$W_{aa}$", ha="center", va="bottom",
                fontsize=fs(11), color=_FWD_COLOR, zorder=4)

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
            ax.text(x_mid, bwd_y - 0.07, r"$\partial\mathcal{L}/\partial a$",
                    ha="center", va="top", fontsize=fs(9.5), color=_BWD_COLOR,
                    zorder=4)

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
        handles = [
            Line2D([], [], color=_FWD_COLOR, lw=1.5, label="forward pass"),
            Line2D([], [], color=_BWD_COLOR, lw=1.5, linestyle=(0, (4, 2.5)),
                   label="backpropagation through time (right to left)"),
        ]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=2, fontsize=fs(9.5), frameon=False, handlelength=2.6,
                  borderaxespad=0.1, columnspacing=2.0)

    if title is not None:
        ax.set_title(title, fontsize=fs(13))
    return ax


# ---------------------------------------------------------------------------
# 2. Loss curve
# ---------------------------------------------------------------------------
def _ema(values: np.ndarray, smooth: float) -> np.ndarray:
    """Exponential moving average ``s_t = smooth * s_{t-1} + (1 - smooth) * v_t``.

    NaN entries do not update the running average and stay NaN in the output.
    The average starts at the first finite value.
    """
    out = np.full(values.shape, np.nan)
    state = None
    for i, v in enumerate(values):
        if np.isnan(v):
            continue
        state = v if state is None else smooth * state + (1.0 - smooth) * v
        out[i] = state
    return out


def plot_loss(
    losses: Sequence[float] | np.ndarray,
    *,
    ax: Axes | None = None,
    title: str = "Training loss",
    xlabel: str = "iteration",
    ylabel: str = "loss",
    smooth: float | None = None,
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
    smooth : float, optional
        If given, a number strictly between 0 and 1: the weight of the past
        in an exponential moving average
        ``s_t = smooth * s_{t-1} + (1 - smooth) * loss_t`` (the same form as
        the ``smooth_loss`` of the character-level language model, where
        ``smooth = 0.999``).  The raw curve is then drawn faint and the
        smoothed curve bold.

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the plot (grid on).

    Raises
    ------
    ValueError
        If ``losses`` is empty, not one-dimensional, not numeric or contains
        infinite values, or if ``smooth`` is not in the open interval (0, 1).
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
    if smooth is not None:
        if not _is_real(smooth) or not 0.0 < float(smooth) < 1.0:
            raise ValueError(f"smooth must be a float strictly between 0 and 1 "
                             f"(or None), got {smooth!r}.")
        smooth = float(smooth)
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

    if smooth is None:
        ax.plot(it, values, color="C0", lw=1.6, marker=marker, label="loss")
    else:
        ax.plot(it, values, color="C0", lw=1.0, alpha=0.3, marker=marker,
                label="raw")
        ax.plot(it, _ema(values, smooth), color="C0", lw=2.2, marker=marker,
                label=f"EMA (smooth={smooth:g})")
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
    ax.set_title(f"Gradient check ({status})")
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
