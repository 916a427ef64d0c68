"""The drawing primitives of the course's diagrams: boxes, arrows, superscript labels and the colour scheme.

Every diagram of the notebooks (unrolled networks, cells, the RNN types, the bidirectional and deep
networks) is drawn with these few pieces, so that a box or an arrow looks the same in all twelve notebooks.
This module is the bottom layer of the drawing code: it imports nothing from ``course_utils``, and matplotlib
only when something is drawn, so that a module may take the colour scheme from it at no cost.

Colours come in (face, edge) pairs: :data:`CELL` for hidden states, :data:`INPUT`, :data:`OUTPUT`,
:data:`LOSS`, :data:`STATE0` for initial states; :data:`FORWARD` and :data:`BACKWARD` colour the forward
flow and the gradients (drawn dashed).
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FORWARD", "BACKWARD", "CELL", "INPUT", "OUTPUT", "LOSS", "STATE0", "DASHES", "box", "arrow",
           "dashed_line", "sup", "diagram_axes", "new_axes", "is_int", "is_real", "check_ax", "check_title",
           "cjk_font", "bilingual"]

# ---------------------------------------------------------------------------------------- the colour scheme
FORWARD = "#222222"  # the forward flow
BACKWARD = "#d62728"  # gradients flowing back (dashed)
CELL = ("#dceaf7", "#1f4e79")  # hidden states a<t>
INPUT = ("#e8f4e1", "#3b7a2a")  # inputs x<t>
OUTPUT = ("#fdebd3", "#b35900")  # predictions y_hat<t>
LOSS = ("#fbe0e0", "#a11d1d")  # losses
STATE0 = ("#f2f2f2", "#555555")  # initial states a<0>, and anything neutral
DASHES = (0, (4, 2.5))  # the dash pattern of the gradients


# ------------------------------------------------------------------------------------------------- shapes
def box(ax: Axes, center: tuple[float, float], width: float, height: float, text: str, *, fc: str, ec: str,
        rounding: float = 0.12, fontsize: float = 13, lw: float = 1.4) -> None:
    """Draw a rounded box of ``width`` × ``height`` data units centred on ``center``, with centred (mathtext)
    text; face colour ``fc``, edge colour ``ec`` (a pair of the colour scheme: ``fc=CELL[0], ec=CELL[1]``)."""
    from matplotlib.patches import FancyBboxPatch

    cx, cy = center
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle=f"round,pad=0,rounding_size={rounding}", fc=fc, ec=ec, lw=lw, zorder=3))
    ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize, color="#111111", zorder=4)


def arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *, color: str = FORWARD,
          dashed: bool = False, lw: float = 1.5, head: float = 13.0) -> None:
    """Draw an arrow from ``start`` to ``end`` (data coordinates).

    Dashed arrows are drawn as a dashed shaft plus a separate solid head, so that the head is not broken up
    by the dash pattern.
    """
    from matplotlib.patches import FancyArrowPatch

    (x0, y0), (x1, y1) = start, end
    if not dashed:
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=head, color=color,
                                     lw=lw, shrinkA=0, shrinkB=0, zorder=2))
        return
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    tail = min(0.22, 0.45 * length)  # length of the solid piece carrying the head
    xm, ym = x1 - ux * tail, y1 - uy * tail
    dashed_line(ax, [x0, xm], [y0, ym], color=color, lw=lw)
    ax.add_patch(FancyArrowPatch((xm, ym), (x1, y1), arrowstyle="-|>", mutation_scale=head, color=color, lw=lw,
                                 shrinkA=0, shrinkB=0, zorder=2))


def dashed_line(ax: Axes, xs, ys, *, color: str = BACKWARD, lw: float = 1.5) -> None:
    """A dashed polyline through the points (xs, ys), in the dash pattern of the gradients."""
    from matplotlib.lines import Line2D

    ax.add_line(Line2D(xs, ys, color=color, lw=lw, linestyle=DASHES, zorder=2, solid_capstyle="butt",
                       dash_capstyle="butt"))


def sup(symbol: str, t: int | str) -> str:
    """Mathtext for ``symbol`` with the time step ``t`` as a superscript in angle brackets: a⟨t⟩."""
    return rf"${symbol}^{{\langle {t} \rangle}}$"


# --------------------------------------------------------------------------------------------------- axes
def new_axes(figsize: tuple[float, float]) -> Axes:
    """A fresh figure with a single axes."""
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=figsize)
    return ax


def diagram_axes(ax: Axes | None, limits: tuple[float, float, float, float], height: float,
                 title: str | None) -> Axes:
    """Axes for a diagram drawn in data units (a new figure at most ``height`` inches high if ``ax`` is None),
    with equal aspect and no frame; room below for a legend."""
    import matplotlib.pyplot as plt

    x_min, x_max, y_min, y_max = limits
    if ax is None:
        scale = min(0.75, height / (y_max - y_min))
        fig, ax = plt.subplots(figsize=((x_max - x_min) * scale, (y_max - y_min) * scale + 0.8))
        fig.subplots_adjust(left=0.01, right=0.99, top=0.9 if title else 0.99, bottom=0.12)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    return ax


# ------------------------------------------------------------------------------------ checking arguments
def is_int(value: object) -> bool:
    """True for genuine integers (``bool`` is rejected)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """True for real numbers (``bool`` is rejected)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_ax(ax: object) -> None:
    """Raise a clear ValueError unless ``ax`` is a matplotlib Axes or None."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")


def check_title(title: object) -> None:
    """Raise a clear ValueError unless ``title`` is a str or None."""
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title must be a str or None, got {type(title).__name__}.")


# ------------------------------------------------------------------------------------------ Chinese labels
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
              "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB", "Arial Unicode MS",
              "Droid Sans Fallback", "AR PL UMing CN")


def cjk_font() -> str | None:
    """The name of an installed font with Chinese characters (the first of a list of common ones), or None.

    matplotlib's default font has no Chinese; without such a font Chinese text would be drawn as empty boxes.
    """
    from matplotlib import font_manager

    for name in _CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return None


def bilingual(english: str, chinese: str) -> tuple[str, dict]:
    """A label in English and Chinese, and the text properties that draw it: ``"english · chinese"`` in the
    default font falling back to an installed Chinese font; the English alone where no Chinese font is
    installed (it would be drawn as empty boxes)."""
    import matplotlib

    font = cjk_font()
    if font is None:
        return english, {}
    return f"{english} · {chinese}", {"family": [matplotlib.rcParams["font.family"][0], font]}
