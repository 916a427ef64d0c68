r"""The unrolled RNN drawn: a core that lays out the time steps, and the backpropagation-through-time part.

:func:`layout` opens the drawing (the axes, with text and lines scaled to the size of a data unit) and
:func:`draw_chain` draws what every unrolled network has: a⟨0⟩, the cells a⟨t⟩ joined by W_aa, the inputs
x⟨t⟩ below and the predictions ŷ⟨t⟩ above. :func:`draw_unrolled_rnn` is the figure of notebooks 01, 03, 04,
06 and 08; with ``show_backward=True`` :func:`draw_bptt` adds the gradients flowing back. The other variants
live with their notebooks: sampling (:func:`course_utils.nb07.draw_sampling_rnn`, on this core), bidirectional
(:func:`course_utils.nb11.draw_bidirectional_rnn`) and deep (:func:`course_utils.nb12.draw_deep_rnn`), which
share the drawing primitives of :mod:`course_utils.drawing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from course_utils import drawing
from course_utils.drawing import BACKWARD, CELL, FORWARD, INPUT, LOSS, OUTPUT, STATE0, sup

MAX_T = 12
# Geometry of the drawing, in data units.
DX = 2.0  # horizontal distance between two time steps
CELL_W, CELL_H = 1.10, 0.80
IN_W, IN_H = 0.80, 0.52
OUT_W, OUT_H = 0.80, 0.52
A0_W, A0_H = 0.78, 0.52
Y_CELL, Y_IN, Y_OUT = 0.0, -1.35, 1.35
Y_WORD = Y_IN - IN_H / 2 - 0.12  # the words under the inputs
LOSS_W, LOSS_H = 0.80, 0.50
Y_LOSS, Y_BUS = 2.45, 3.1  # the losses, and the line that sums them into the total loss
TOT_W, TOT_H = 1.0, 0.56  # the total loss
PAR_W, PAR_H = 1.5, 0.62  # the shared parameters, collecting their gradients
X_MIN = DX - DX * 0.95 - A0_W / 2 - 0.1  # the left edge of every drawing: a<0>, and a margin


def check_steps(T: object, labels: object) -> tuple[int, list[str] | None]:
    """``T`` as an int in 1..MAX_T and ``labels`` as a list of T str (or None); a clear ValueError otherwise."""
    if not drawing.is_int(T):
        raise ValueError(f"T must be a positive int <= {MAX_T}, got {T!r} of type {type(T).__name__}.")
    T = int(T)
    if not 1 <= T <= MAX_T:
        raise ValueError(f"T must be a positive int <= {MAX_T}, got {T}.")
    if labels is None:
        return T, None
    if isinstance(labels, str) or not isinstance(labels, Iterable):
        raise ValueError(f"labels must be a sequence of T strings, got {type(labels).__name__}.")
    labels = list(labels)
    if len(labels) != T:
        raise ValueError(f"labels must have exactly T={T} entries, got {len(labels)}.")
    if not all(isinstance(w, str) for w in labels):
        raise ValueError("every entry of labels must be a str.")
    return T, labels


@dataclass
class Diagram:
    """An unrolled network being drawn: its axes, the scale ``k`` of text and lines, and the step centres."""

    ax: Axes
    k: float
    xs: list[float]

    @property
    def x_a0(self) -> float:
        return self.xs[0] - DX * 0.95

    @property
    def x_total(self) -> float:  # right of the last step: the total loss, the shared parameters
        return self.xs[-1] + DX * 0.95

    def fs(self, size: float) -> float:
        """A font size scaled to the drawing."""
        return size * self.k

    def lw(self, width: float) -> float:
        """A line width scaled to the drawing (never below 60 %)."""
        return width * max(self.k, 0.6)

    def arrow(self, start, end, **kw) -> None:
        kw.setdefault("lw", self.lw(1.5))
        drawing.arrow(self.ax, start, end, head=13.0 * self.k, **kw)

    def box(self, center, w, h, text, size, **kw) -> None:
        kw.setdefault("lw", self.lw(1.3))
        drawing.box(self.ax, center, w, h, text, fontsize=self.fs(size), **kw)

    def text(self, x, y, s, size, **kw) -> None:
        kw.setdefault("color", FORWARD)
        self.ax.text(x, y, s, fontsize=self.fs(size), zorder=4, **kw)


def layout(T: int, limits: tuple[float, float, float, float], *, title: str | None, max_h: float,
           bottom_in: float, ax: Axes | None) -> Diagram:
    """Open the drawing of ``T`` steps on data ``limits`` (x_min, x_max, y_min, y_max).

    With ``ax=None`` a new figure of about 0.9 inch per data unit, at most ``max_h`` inches high, with
    ``bottom_in`` inches below for a legend. Text sizes are in points while boxes are in data units: the
    returned scale ``k`` makes text, lines and arrow heads follow the real size of a data unit, so that the
    drawing stays legible in small axes as well.
    """
    x_min, x_max, y_min, y_max = limits
    data_w, data_h = x_max - x_min, y_max - y_min
    if ax is None:
        top_in = 0.45 if title is not None else 0.05
        scale = min(0.9, (max_h - top_in - bottom_in) / data_h)
        fig_w = data_w * scale + 0.1
        fig_h = data_h * scale + top_in + bottom_in
        fig, ax = plt.subplots(figsize=(fig_w, fig_h))
        fig.subplots_adjust(left=0.05 / fig_w, right=1 - 0.05 / fig_w, bottom=bottom_in / fig_h,
                            top=1 - top_in / fig_h)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    pos = ax.get_position()
    fig_w_in, fig_h_in = ax.figure.get_size_inches()
    inch_per_unit = min(pos.width * fig_w_in / data_w, pos.height * fig_h_in / data_h)
    k = float(np.clip(inch_per_unit / 0.75, 0.45, 1.2))
    return Diagram(ax, k, [DX * t for t in range(1, T + 1)])


def draw_chain(d: Diagram, labels: list[str] | None, outputs: Sequence[int], lanes: bool) -> None:
    """a⟨0⟩, the cells, the inputs (with ``labels`` under them), the predictions at the steps ``outputs``
    (1-based) and the recurrent arrows, with W_ax, W_ya and W_aa written once. ``lanes``: vertical arrows and
    the recurrence sit off-centre, leaving room for the gradients flowing back."""
    fwd_y = 0.13 if lanes else 0.0  # height of the recurrent arrows
    vx = 0.2 if lanes else 0.0  # horizontal offset of the vertical arrows
    d.box((d.x_a0, Y_CELL), A0_W, A0_H, sup("a", 0), 12, fc=STATE0[0], ec=STATE0[1], rounding=0.1)
    for i, xc in enumerate(d.xs):
        t = i + 1
        d.box((xc, Y_CELL), CELL_W, CELL_H, sup("a", t), 15, fc=CELL[0], ec=CELL[1], rounding=0.18,
              lw=d.lw(1.6))
        d.box((xc, Y_IN), IN_W, IN_H, sup("x", t), 13, fc=INPUT[0], ec=INPUT[1], rounding=0.08)
        d.arrow((xc - vx, Y_IN + IN_H / 2), (xc - vx, Y_CELL - CELL_H / 2))
        if t == 1:
            d.text(xc - vx - 0.08, (Y_IN + IN_H / 2 + Y_CELL - CELL_H / 2) / 2, r"$W_{ax}$", 12, ha="right",
                   va="center")
        if labels is not None:
            d.text(xc, Y_WORD, labels[i], 11, ha="center", va="top", style="italic", color="#333333")
        if t in outputs:
            d.box((xc, Y_OUT), OUT_W, OUT_H, sup(r"\hat{y}", t), 13, fc=OUTPUT[0], ec=OUTPUT[1], rounding=0.08)
            d.arrow((xc - vx, Y_CELL + CELL_H / 2), (xc - vx, Y_OUT - OUT_H / 2))
            if t == outputs[0]:
                d.text(xc - vx - 0.08, (Y_CELL + CELL_H / 2 + Y_OUT - OUT_H / 2) / 2, r"$W_{ya}$", 12,
                       ha="right", va="center")
        # recurrent connection from the previous state (shared W_aa)
        x_prev = (d.x_a0 + A0_W / 2) if t == 1 else (d.xs[i - 1] + CELL_W / 2)
        d.arrow((x_prev, fwd_y), (xc - CELL_W / 2, fwd_y))
        d.text((x_prev + xc - CELL_W / 2) / 2, fwd_y + 0.06, r"$W_{aa}$", 12, ha="center", va="bottom")


def draw_unrolled_rnn(T: int = 4, *, labels: Sequence[str] | None = None, direction: str = "forward",
                      show_outputs: bool = True, show_backward: bool = False, many_to_one: bool = False,
                      title: str | None = None, ax: Axes | None = None) -> Axes:
    r"""Draw a recurrent neural network unrolled over ``T`` time steps.

    Time runs from left to right. Each step ``t`` has an input box :math:`x^{\langle t \rangle}` at the
    bottom, a rounded cell box holding the activation :math:`a^{\langle t \rangle}` in the middle and
    (optionally) a prediction :math:`\hat{y}^{\langle t \rangle}` on top. An initial state
    :math:`a^{\langle 0 \rangle}` on the left feeds the first cell, and the shared weight matrices
    :math:`W_{ax}`, :math:`W_{aa}` and :math:`W_{ya}` are written next to the corresponding arrows.

    With ``show_backward=True`` the figure also shows backpropagation through time
    (:func:`course_utils.bptt.draw_bptt`): per-step losses :math:`\mathcal{L}^{\langle t \rangle}` above the
    predictions are summed into the total loss :math:`\mathcal{L}` on the right, and red dashed arrows carry
    the gradients back down to the cells and from right to left through the chain of activations (labelled
    :math:`W_{aa}^\top dz^{\langle t \rangle}`); a red dashed line below the inputs collects every step's
    share of the gradients of the shared parameters :math:`W_{aa}, W_{ax}, b_a`.

    Parameters
    ----------
    T : int, default 4
        Number of time steps to draw; a positive integer no larger than 12.
    labels : sequence of str, optional
        Words written under the inputs, one per time step (for example
        ``["Harry", "Potter", "and", "Hermione"]``). Must have length ``T``.
    direction : str, default "forward"
        Only ``"forward"``; the bidirectional network is notebook 11's figure,
        :func:`course_utils.nb11.draw_bidirectional_rnn`.
    show_outputs : bool, default True
        Whether to draw the predictions :math:`\hat{y}^{\langle t \rangle}` and the :math:`W_{ya}` arrows.
    show_backward : bool, default False
        Whether to draw the backpropagation-through-time flow (loss nodes, total loss and red dashed
        gradient arrows). Requires ``show_outputs=True`` because the losses are computed from the
        predictions.
    many_to_one : bool, default False
        A many-to-one network: one prediction :math:`\hat{y}^{\langle T \rangle}`, at the last step (and,
        with ``show_backward``, one loss there, whose gradient reaches the earlier steps only through the
        chain of activations).
    title : str, optional
        Title placed above the drawing.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. If ``None`` a new figure is created, about 1.9 inches wide per time step and 3
        to 4 inches high (up to 5.6 inches with ``show_backward``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes containing the drawing (ticks and frame hidden, equal aspect ratio).

    Raises
    ------
    ValueError
        If ``T`` is not an integer in ``1..12``, ``labels`` has the wrong length or type, ``direction`` is
        not "forward", or ``show_backward`` is requested without outputs.
    """
    T, labels = check_steps(T, labels)
    if direction == "bidirectional":
        raise ValueError("direction='bidirectional' is notebook 11's figure: call "
                         "course_utils.nb11.draw_bidirectional_rnn(T, labels=..., title=...).")
    if direction != "forward":
        raise ValueError(f"direction must be 'forward', got {direction!r} (the bidirectional network is "
                         "course_utils.nb11.draw_bidirectional_rnn).")
    show_outputs, show_backward, many_to_one = bool(show_outputs), bool(show_backward), bool(many_to_one)
    if show_backward and not show_outputs:
        raise ValueError("show_backward=True needs show_outputs=True: the losses L<t> are computed from the "
                         "predictions y_hat<t>.")
    if many_to_one and not show_outputs:
        raise ValueError("many_to_one=True needs show_outputs=True: it draws the one prediction y_hat<T>.")
    drawing.check_title(title)
    drawing.check_ax(ax)

    outputs = ([T] if many_to_one else list(range(1, T + 1))) if show_outputs else []
    if show_backward:
        d = draw_bptt(T, labels, outputs, title, ax, summed=not many_to_one)
    else:
        d = draw_forward(T, labels, outputs, title, ax)
    if title is not None:
        d.ax.set_title(title, fontsize=d.fs(13))
    return d.ax


def draw_forward(T: int, labels: list[str] | None, outputs: list[int], title: str | None, ax: Axes | None
                 ) -> Diagram:
    """The forward network alone (the arguments checked by the caller)."""
    x_max = DX * T + CELL_W / 2 + 0.1
    y_min = (Y_WORD - 0.36) if labels is not None else (Y_IN - IN_H / 2 - 0.1)
    y_max = (Y_OUT + OUT_H / 2 + 0.1) if outputs else (CELL_H / 2 + 0.15)
    d = layout(T, (X_MIN, x_max, y_min, y_max), title=title, max_h=4.0, bottom_in=0.05, ax=ax)
    draw_chain(d, labels, outputs, lanes=False)
    return d


def draw_bptt(T: int, labels: list[str] | None, outputs: list[int], title: str | None, ax: Axes | None, *,
              summed: bool) -> Diagram:
    """The network with backpropagation through time drawn over it: a loss at each of the steps ``outputs``
    (``summed`` into the total loss, or the one loss of a many-to-one network), the gradients flowing down from the losses and
    back through the chain, and every step's share of the shared parameters' gradients collected below."""
    x_max = DX * T + DX * 0.95 + max(TOT_W, PAR_W) / 2 + 0.1
    y_pbus = ((Y_WORD - 0.36) if labels is not None else (Y_IN - IN_H / 2 - 0.1)) - 0.35  # the parameters' line
    y_min = y_pbus - PAR_H / 2 - 0.55
    y_max = (Y_BUS + TOT_H / 2 + 0.08) if summed else (Y_LOSS + LOSS_H / 2 + 0.1)
    d = layout(T, (X_MIN, x_max, y_min, y_max), title=title, max_h=5.6, bottom_in=0.4, ax=ax)
    draw_chain(d, labels, outputs, lanes=True)
    lw, vx, bwd_y = d.lw(1.5), 0.2, -0.15
    for i, xc in enumerate(d.xs):
        t = i + 1
        x_prev = (d.x_a0 + A0_W / 2) if t == 1 else (d.xs[i - 1] + CELL_W / 2)
        if t in outputs:  # the loss, and its gradient flowing down: L<t> -> y_hat<t> -> a<t>
            d.box((xc, Y_LOSS), LOSS_W, LOSS_H, sup(r"\mathcal{L}", t) if summed else r"$\mathcal{L}$", 12,
                  fc=LOSS[0], ec=LOSS[1], rounding=0.08)
            d.arrow((xc - vx, Y_OUT + OUT_H / 2), (xc - vx, Y_LOSS - LOSS_H / 2))
            d.arrow((xc + vx, Y_LOSS - LOSS_H / 2), (xc + vx, Y_OUT + OUT_H / 2), color=BACKWARD, dashed=True)
            d.arrow((xc + vx, Y_OUT - OUT_H / 2), (xc + vx, Y_CELL + CELL_H / 2), color=BACKWARD, dashed=True)
        # back in time, right to left: a<t> -> a<t-1>
        d.arrow((xc - CELL_W / 2, bwd_y), (x_prev, bwd_y), color=BACKWARD, dashed=True)
        d.text((x_prev + xc - CELL_W / 2) / 2 - 0.04, bwd_y - 0.07, rf"$W_{{aa}}^{{\top}} dz^{{\langle {t} \rangle}}$",
               10, ha="center", va="top", color=BACKWARD)
        # this step's share of the shared parameters' gradients, down to the collecting line
        x_drop = xc + CELL_W / 2 - 0.08
        drawing.dashed_line(d.ax, [x_drop, x_drop], [Y_CELL - CELL_H / 2, y_pbus], lw=lw)
    if summed:  # the L<t> are summed into the total loss on the right via a "bus"
        for xc in d.xs:
            d.ax.add_line(Line2D([xc, xc], [Y_LOSS + LOSS_H / 2, Y_BUS], color=FORWARD, lw=d.lw(1.3), zorder=2))
        x_bus_end = d.x_total - TOT_W / 2
        d.ax.add_line(Line2D([d.xs[0], x_bus_end - 0.2], [Y_BUS, Y_BUS], color=FORWARD, lw=d.lw(1.3), zorder=2))
        d.arrow((x_bus_end - 0.25, Y_BUS), (x_bus_end, Y_BUS), lw=d.lw(1.3))
        d.box((d.x_total, Y_BUS), TOT_W, TOT_H, r"$\mathcal{L}$", 15, fc=LOSS[0], ec=LOSS[1], rounding=0.1,
              lw=d.lw(1.6))
        d.text(d.x_total, Y_BUS - TOT_H / 2 - 0.08, r"$=\sum_{t} \mathcal{L}^{\langle t \rangle}$", 10.5,
               ha="center", va="top", color="#333333")
    # the shared parameters collect every step's gradient
    x_first, x_par = d.xs[0] + CELL_W / 2 - 0.08, d.x_total - PAR_W / 2
    drawing.dashed_line(d.ax, [x_first, x_par - 0.25], [y_pbus, y_pbus], lw=lw)
    d.arrow((x_par - 0.3, y_pbus), (x_par, y_pbus), color=BACKWARD)
    d.box((d.x_total, y_pbus), PAR_W, PAR_H, r"$W_{aa}, W_{ax}, b_a$", 12, fc=CELL[0], ec=CELL[1], rounding=0.1)
    d.text((x_first + x_par) / 2, y_pbus - 0.1,
           r"$dW_{aa}$, $dW_{ax}$, $db_a$: each the sum of every time step's share", 11, ha="center", va="top",
           color=BACKWARD)
    handles = [Line2D([], [], color=FORWARD, lw=1.5, label="forward pass"),
               Line2D([], [], color=BACKWARD, lw=1.5, linestyle=drawing.DASHES,
                      label="backpropagation through time (right to left)")]
    d.ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=d.fs(11),
                frameon=False, handlelength=2.6, borderaxespad=0.1, columnspacing=2.0)
    return d
