"""Notebook 09's figures and training helper (GRU), also used by notebook 10 (LSTM).

* :func:`draw_cell` draws a gated cell from a list of nodes and edges: what flows into each gate (forward,
  black) or what flows back (backward, red dashed). :func:`draw_gru_cell` is the GRU's layout.
* the experiments train with :mod:`course_utils.training`, shared by notebooks 08, 09 and 10.
* :func:`plot_gate_trace` is the gate-trace plot; :func:`plot_accuracy_by_distance` is notebook 08's, re-exported.

No function here computes a gate, a cell or a gradient of the course: those are the exercises.
"""

from __future__ import annotations

import numpy as np

from course_utils.drawing import BACKWARD, CELL, FORWARD, INPUT, OUTPUT

# the agreement plot is notebook 08's, shared by 09 and 10 (they import it from here)
from course_utils.nb08 import plot_accuracy_by_distance  # noqa: F401

_FWD, _BWD = FORWARD, BACKWARD
_STYLE = {  # kind -> (face, edge): the course's colour scheme, and the gates' own
    "input": INPUT,
    "output": OUTPUT,
    "state": CELL,
    "gate": ("#fff2cc", "#a07800"),
    "tanh": ("#e4dcf2", "#5b3f8c"),
    "op": ("#ffffff", "#444444"),
}


def draw_cell(nodes: dict, edges: list, title: str, backward: bool = False, notes: dict | None = None,
              cell_box: tuple | None = None, ax=None, size: tuple = (8.0, 4.6)):
    """Draw a cell diagram.

    Parameters
    ----------
    nodes : dict name -> (x, y, label, kind)
        kind is one of input, output, state, gate (σ), tanh, op (∗, +, 1−).
    edges : list of (start, end), (start, end, label) or (start, end, label, colour) (drawn thick)
        Forward connections. With ``backward=True`` each is drawn reversed (red, dashed): the gradient flows
        from ``end`` back to ``start``; the label (e.g. "dc⟨t-1⟩") is written beside it.
    title : str
    notes : dict name -> text written under a node (e.g. which parameter gradients it yields)
    cell_box : (x0, y0, x1, y1) of the grey box around the cell's inside, optional
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    if cell_box is not None:
        x0, y0, x1, y1 = cell_box
        ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.3",
                                    fc="#f7f7f7", ec="#999999", lw=1.0, zorder=0))
    radius = {}
    for name, (x, y, label, kind) in nodes.items():
        if kind == "dot":
            radius[name] = (0.07, 0.07)
            ax.plot([x], [y], "o", ms=5, color=_BWD if backward else _FWD, zorder=3)
            continue
        fc, ec = _STYLE[kind]
        w, h = (0.55, 0.55) if kind == "op" else (1.35, 0.62)
        radius[name] = (w / 2, h / 2)
        rounding = 0.27 if kind == "op" else 0.12
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={rounding}",
                                    fc=fc, ec=ec, lw=1.4, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=12 if kind != "op" else 13, zorder=4)
        if notes and name in notes:
            ax.text(x, y - h / 2 - 0.06, notes[name], ha="center", va="top", fontsize=8.5,
                    color=_BWD if backward else "#555555", zorder=5,
                    bbox=dict(fc="white", ec="none", alpha=0.85, pad=0.3))

    def border(name, towards):
        """The point where the segment from a node's centre towards ``towards`` leaves its box."""
        x, y = nodes[name][:2]
        rx, ry = radius[name]
        dx, dy = towards[0] - x, towards[1] - y
        if dx == 0 and dy == 0:
            return x, y
        t = min(rx / abs(dx) if dx else np.inf, ry / abs(dy) if dy else np.inf)
        return x + dx * t, y + dy * t

    for edge in edges:
        start, end = edge[0], edge[1]
        label = edge[2] if len(edge) > 2 else None
        color = edge[3] if len(edge) > 3 else (_BWD if backward else _FWD)
        p0, p1 = nodes[start][:2], nodes[end][:2]
        a, b = border(start, p1), border(end, p0)
        if backward:
            a, b = b, a
        into_dot = nodes[start if backward else end][3] == "dot"
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-" if into_dot else "-|>", mutation_scale=12, shrinkA=1, shrinkB=1,
                                     color=color, linestyle="--" if backward else "-", zorder=2,
                                     linewidth=2.6 if len(edge) > 3 else 1.4))
        if label:
            mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
            horizontal = abs(b[1] - a[1]) < 1e-9
            ax.text(mx if horizontal else mx + 0.12, my + 0.12 if horizontal else my, label,
                    ha="center" if horizontal else "left", va="bottom" if horizontal else "center", fontsize=9.5,
                    color=_BWD if backward else "#333333", zorder=4,
                    bbox=dict(fc="white", ec="none", alpha=0.8, pad=0.5))
    xs = [v[0] for v in nodes.values()]
    ys = [v[1] for v in nodes.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=12)
    return ax


def gru_layout(simplified: bool = False) -> tuple[dict, list]:
    """Nodes and edges of a GRU cell (the lecture's convention: each gate reads [c⟨t-1⟩, x⟨t⟩]).

    The memory line runs along the top; small dots on it are where c⟨t-1⟩ branches off to a gate.
    """
    nodes = {
        "c_prev": (0.0, 4.6, r"$c^{\langle t-1\rangle}$", "state"),
        "x": (3.6, -0.8, r"$x^{\langle t\rangle}$", "input"),
        "cand": (4.2, 1.4, r"tanh: $\tilde c$", "tanh"),
        "gu": (6.6, 1.4, r"$\sigma$: $\Gamma_u$", "gate"),
        "tap_c": (4.2, 4.6, "", "dot"),
        "tap_u": (6.6, 4.6, "", "dot"),
        "one_minus": (7.4, 3.2, r"$1-$", "op"),
        "keep": (8.0, 4.6, r"$*$", "op"),
        "write": (9.2, 2.6, r"$*$", "op"),
        "plus": (10.0, 4.6, r"$+$", "op"),
        "c_next": (11.8, 4.6, r"$c^{\langle t\rangle}$", "state"),
        "y": (11.8, 6.3, r"$\hat y^{\langle t\rangle}$", "output"),
    }
    edges = [("x", "gu"), ("x", "cand"), ("tap_u", "gu"), ("gu", "one_minus"), ("one_minus", "keep"),
             ("tap_u", "keep"), ("gu", "write"), ("cand", "write"), ("keep", "plus"), ("write", "plus"),
             ("plus", "c_next"), ("c_next", "y", "softmax")]
    if simplified:
        edges = [("c_prev", "tap_c"), ("tap_c", "tap_u"), ("tap_c", "cand")] + edges
    else:
        nodes["gr"] = (1.2, 1.4, r"$\sigma$: $\Gamma_r$", "gate")
        nodes["tap_r"] = (1.2, 4.6, "", "dot")
        nodes["rmul"] = (2.7, 2.9, r"$*$", "op")
        nodes["tap_c"] = (2.7, 4.6, "", "dot")
        edges = [("c_prev", "tap_r"), ("tap_r", "tap_c"), ("tap_c", "tap_u"), ("tap_r", "gr"), ("x", "gr"),
                 ("tap_c", "rmul"), ("gr", "rmul"), ("rmul", "cand")] + edges
    return nodes, edges


def draw_gru_cell(simplified: bool = False, backward: bool = False, ax=None):
    """The GRU cell of the lecture: forward (what flows into each gate) or backward (what flows back)."""
    nodes, edges = gru_layout(simplified)
    name = "simplified GRU" if simplified else "full GRU"
    if backward:
        edges = [e if e[:2] != ("tap_u", "keep") else ("tap_u", "keep", r"$dc*(1-\Gamma_u)$") for e in edges]
        edges = [e if e[:2] != ("c_next", "y") else ("c_next", "y", "from above") for e in edges]
        notes = {"gu": r"$dW_u, db_u$", "cand": r"$dW_c, db_c$", "gr": r"$dW_r, db_r$", "x": r"$dx^{\langle t\rangle}$",
                 "c_prev": r"$dc^{\langle t-1\rangle}$ (sum)", "c_next": r"+ $dc$ from $t+1$"}
        title = f"{name}, backward: against every arrow; gradients add up where paths meet"
    else:
        notes = {}
        title = f"{name}, forward: each gate reads [c⟨t-1⟩, x⟨t⟩]"
    return draw_cell(nodes, edges, title, backward=backward, notes=notes, cell_box=(0.6, 0.5, 10.6, 5.3), ax=ax)


# the optimiser of the experiments lives in the shared training harness (re-exported for older imports)
from course_utils.training import Adam  # noqa: E402,F401


# ------------------------------------------------------------------------------------------------- plots

def plot_gate_trace(words: list, traces: dict, gate: dict, gate_label: str, unit: int, ax=None):
    """A memory-cell unit and its gate along one or more sentences (one colour per sentence).

    ``traces[name]`` is the unit's value after each word, ``gate[name]`` the gate's value at each word.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    top, bottom = ax
    steps = np.arange(1, len(words) + 1)
    for i, name in enumerate(traces):
        top.plot(steps, traces[name], marker="o", lw=2, color=f"C{i}", label=name)
        bottom.plot(steps, gate[name], marker="o", lw=2, color=f"C{i}", label=name)
    top.set_ylabel(f"memory cell\nunit {unit}")
    top.axhline(0, color="grey", lw=0.8)
    top.legend(fontsize=9, loc="best")
    top.grid(True, alpha=0.3)
    bottom.set_ylabel(gate_label)
    bottom.set_ylim(-0.03, 1.03)
    bottom.grid(True, alpha=0.3)
    bottom.set_xticks(steps, labels=words, rotation=30, ha="right")
    bottom.set_xlabel("word read at step t")
    return ax
