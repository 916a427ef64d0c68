"""Histograms of the class report, drawn with matplotlib as PNG ``data:`` URIs that sit inside the page.

Figures are made with matplotlib's object API (no pyplot, no global backend), so drawing touches no state
of the process that grades.
"""

from __future__ import annotations

import base64
import io

from markupsafe import Markup

from autograde.classreport import Histogram

BAR, EDGE, TEXT, GRID = "#0969da", "#ffffff", "#57606a", "#d0d7de"


def histogram_png(hist: Histogram, wide: bool) -> Markup:
    """The histogram as ``data:image/png;base64,...`` (wide: the class's total; else a small multiple)."""
    from matplotlib.figure import Figure

    size, dpi, font = ((8.4, 2.7), 130, 9) if wide else ((3.0, 1.55), 130, 7)
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0.075 if wide else 0.14, 0.2 if wide else 0.25, 0.91 if wide else 0.83,
                       0.74 if wide else 0.68))
    left = hist.edges[:-1]
    widths = [b - a for a, b in zip(hist.edges, hist.edges[1:])]
    ax.bar(left, hist.counts, width=widths, align="edge", color=BAR, edgecolor=EDGE, linewidth=0.6)
    ax.set_xlim(hist.edges[0], hist.edges[-1])
    top = max(hist.counts, default=0)
    ax.set_ylim(0, max(1, top) * 1.08)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(hist.label, fontsize=font, color=TEXT, labelpad=2)
    ax.set_ylabel("students", fontsize=font, color=TEXT, labelpad=2)
    ax.tick_params(labelsize=font - 1, colors=TEXT, length=2, pad=1.5)
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return Markup("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
