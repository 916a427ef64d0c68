"""Plotting helpers for the recurrent-neural-network workbook: charts, and the diagrams' entry points.

Every function draws into a given :class:`~matplotlib.axes.Axes` (or creates a new figure when ``ax`` is
``None``), never calls ``plt.show()`` and never touches the global ``rcParams``. The diagrams of the lecture
are drawn with plain matplotlib, so that the notebooks do not depend on image files; their code lives in
:mod:`course_utils.unrolled` (the unrolled network, with backpropagation through time) and
:mod:`course_utils.cell` (one cell), both built on the primitives of :mod:`course_utils.drawing`, and is
importable from here too.

Functions
---------
draw_unrolled_rnn
    Schematic of an RNN unrolled over ``T`` time steps, optionally with the backward (BPTT) flow of gradients.
draw_rnn_cell
    One cell in detail: what flows into a<t> (forward), or what flows back.
plot_loss
    Training-loss curve, optionally with a centred moving average.
plot_gradient_check
    Relative errors of a numerical gradient check, one bar per parameter.
plot_gradient_checks
    Several gradient checks side by side (a passing one and a typical bug) on shared axes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from course_utils.cell import draw_rnn_cell
from course_utils.drawing import is_int, is_real, new_axes
from course_utils.unrolled import draw_unrolled_rnn

__all__ = ["draw_unrolled_rnn", "draw_rnn_cell", "plot_loss", "plot_gradient_check", "plot_gradient_checks"]


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
    if window is not None and (not is_int(window) or window < 3 or window % 2 == 0):
        raise ValueError(f"window must be an odd int of at least 3 (or None), got {window!r}.")
    for name, val in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(val, str):
            raise ValueError(f"{name} must be a str, got {type(val).__name__}.")
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got "
                         f"{type(ax).__name__}.")

    if ax is None:
        ax = new_axes((7.0, 3.5))

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
    names, values = _checked_errors(rel_errors)
    threshold = _checked_threshold(threshold)
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got "
                         f"{type(ax).__name__}.")
    if ax is None:
        ax = new_axes((8.0, 1.4 + 0.45 * len(names)))
    _draw_gradient_check(ax, names, values, threshold, _log_range([values], threshold), title)
    ax.legend(handles=_gradient_check_legend(threshold), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8.5, frameon=False, borderaxespad=0.0)
    return ax


def plot_gradient_checks(
    checks: Mapping[str, Mapping[str, float]],
    *,
    threshold: float = 1e-6,
    figsize: tuple[float, float] | None = None,
) -> list[Axes]:
    """Several gradient checks side by side, on shared axes: one panel per check, one legend below.

    The usual pair is your backward pass beside a typical bug. Every panel has the same logarithmic x-range
    (so that a bar's length compares across panels) and, when the checks name the same parameters, the same
    rows; the threshold and the colours are those of :func:`plot_gradient_check`.

    Parameters
    ----------
    checks : dict of str to dict of str to float
        Panel title -> the relative errors of that check (as :func:`plot_gradient_check` takes them). One
        to four panels, drawn left to right in dict order.
    threshold : float, default 1e-6
        Pass/fail threshold, a finite positive number.
    figsize : (float, float), optional
        Size of the new figure in inches; by default 6 inches wide per panel, its height growing with the
        number of parameters.

    Returns
    -------
    list of matplotlib.axes.Axes
        The panels, left to right.

    Raises
    ------
    ValueError
        If ``checks`` is not a mapping of one to four titles to valid relative errors, or ``threshold`` is
        not finite and positive.
    """
    if not isinstance(checks, Mapping) or not 1 <= len(checks) <= 4:
        raise ValueError("checks must be a dict of one to four panels, title -> {parameter: relative error}, got "
                         f"{len(checks) if isinstance(checks, Mapping) else type(checks).__name__}.")
    panels = []
    for title, rel_errors in checks.items():
        if not isinstance(title, str):
            raise ValueError(f"the panels' titles must be str, got {title!r}.")
        panels.append((title, *_checked_errors(rel_errors)))
    threshold = _checked_threshold(threshold)
    if figsize is None:
        figsize = (6.0 * len(panels), 1.8 + 0.45 * max(len(names) for _, names, _ in panels))
    same_rows = all(names == panels[0][1] for _, names, _ in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, sharey=same_rows, squeeze=False)
    x_range = _log_range([values for _, _, values in panels], threshold)
    for ax, (title, names, values) in zip(axes[0], panels):
        _draw_gradient_check(ax, names, values, threshold, x_range, title)
    fig.legend(handles=_gradient_check_legend(threshold), loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.3 / figsize[1], 1, 1))
    return list(axes[0])


def _checked_errors(rel_errors: object) -> tuple[list[str], np.ndarray]:
    """The names and relative errors of a gradient check; a clear ValueError if they are not valid."""
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
        if not is_real(err) or not math.isfinite(float(err)):
            raise ValueError(f"relative error of {name!r} must be a finite "
                             f"number, got {err!r}.")
        if float(err) < 0:
            raise ValueError(f"relative error of {name!r} must be >= 0, got {err!r}.")
        names.append(name)
        errs.append(float(err))
    return names, np.asarray(errs, dtype=float)


def _checked_threshold(threshold: object) -> float:
    if not is_real(threshold) or not math.isfinite(float(threshold)) or float(threshold) <= 0:
        raise ValueError(f"threshold must be a finite positive number, got {threshold!r}.")
    return float(threshold)


def _log_range(all_values: list[np.ndarray], threshold: float) -> tuple[float, float]:
    """Whole decades of the x-axis holding every positive error and the threshold, with one to spare."""
    values = np.concatenate(all_values)
    positive = values[values > 0]
    lo_val = min(positive.min() if positive.size else threshold, threshold)
    hi_val = max(values.max(), threshold)
    x_lo = 10.0 ** (math.floor(math.log10(lo_val)) - 1)
    x_hi = 10.0 ** (math.ceil(math.log10(hi_val)) + 1)
    if x_hi / x_lo < 1e3:  # keep at least a few decades visible
        x_lo, x_hi = x_lo / 10.0, x_hi * 10.0
    return x_lo, x_hi


def _draw_gradient_check(ax: Axes, names: list[str], values: np.ndarray, threshold: float,
                         x_range: tuple[float, float], title: str | None) -> None:
    """One gradient check's bars on ``ax``, over ``x_range`` (log scale); no legend."""
    x_lo, x_hi = x_range
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


def _gradient_check_legend(threshold: float) -> list:
    return [
        Patch(facecolor="#2ca02c", edgecolor="#333333", label=f"< {threshold:g} (pass)"),
        Patch(facecolor="#d62728", edgecolor="#333333", label=f">= {threshold:g} (fail)"),
        Line2D([], [], color="#333333", linestyle="--", lw=1.3,
               label=f"threshold {threshold:g}"),
    ]
