"""Notebook 10's figures (LSTM): the cell, forward and backward; several cells in a row with the memory line;
gradient norms against distance. The drawing and the optimiser come from :mod:`course_utils.nb09`.

No function here computes a gate, a cell or a gradient of the course: those are the exercises.
"""

from __future__ import annotations

import numpy as np

from course_utils.nb09 import draw_cell

_MEMORY = "#1f77b4"


def lstm_layout() -> tuple[dict, list]:
    """Nodes and edges of the LSTM cell: every gate reads [a⟨t-1⟩, x⟨t⟩] (the bus along the bottom)."""
    nodes = {
        "c_prev": (0.0, 4.6, r"$c^{\langle t-1\rangle}$", "state"),
        "a_prev": (0.0, 0.5, r"$a^{\langle t-1\rangle}$", "state"),
        "x": (1.3, -0.8, r"$x^{\langle t\rangle}$", "input"),
        "join": (1.3, 0.5, "", "dot"),
        "tap_f": (2.2, 0.5, "", "dot"), "tap_u": (3.8, 0.5, "", "dot"),
        "tap_c": (5.4, 0.5, "", "dot"), "tap_o": (7.0, 0.5, "", "dot"),
        "gf": (2.2, 1.8, r"$\sigma$: $\Gamma_f$", "gate"),
        "gu": (3.8, 1.8, r"$\sigma$: $\Gamma_u$", "gate"),
        "cand": (5.4, 1.8, r"tanh: $\tilde c$", "tanh"),
        "go": (7.0, 1.8, r"$\sigma$: $\Gamma_o$", "gate"),
        "fmul": (2.2, 4.6, r"$*$", "op"),
        "umul": (4.6, 3.2, r"$*$", "op"),
        "plus": (4.6, 4.6, r"$+$", "op"),
        "tap_cn": (8.6, 4.6, "", "dot"),
        "tanh": (8.6, 3.2, "tanh", "tanh"),
        "omul": (8.6, 1.8, r"$*$", "op"),
        "tap_a": (10.0, 1.8, "", "dot"),
        "c_next": (11.6, 4.6, r"$c^{\langle t\rangle}$", "state"),
        "a_next": (11.6, 1.8, r"$a^{\langle t\rangle}$", "state"),
        "y": (10.0, 6.1, r"$\hat y^{\langle t\rangle}$", "output"),
    }
    edges = [("a_prev", "join"), ("x", "join"), ("join", "tap_f"), ("tap_f", "tap_u"), ("tap_u", "tap_c"),
             ("tap_c", "tap_o"), ("tap_f", "gf"), ("tap_u", "gu"), ("tap_c", "cand"), ("tap_o", "go"),
             ("c_prev", "fmul"), ("gf", "fmul"), ("gu", "umul"), ("cand", "umul"), ("fmul", "plus"),
             ("umul", "plus"), ("plus", "tap_cn"), ("tap_cn", "c_next"), ("tap_cn", "tanh"), ("tanh", "omul"),
             ("go", "omul"), ("omul", "tap_a"), ("tap_a", "a_next"), ("tap_a", "y", "softmax")]
    return nodes, edges


def draw_lstm_cell(backward: bool = False, ax=None):
    """The LSTM cell: forward (what flows into each gate) or backward (what flows back, red)."""
    nodes, edges = lstm_layout()
    if backward:
        edges = [e if e[:2] != ("tap_a", "y") else ("tap_a", "y", "from above") for e in edges]
        edges = [e if e[:2] != ("tap_cn", "tanh") else ("tap_cn", "tanh", r"via $a^{\langle t\rangle}$") for e in edges]
        notes = {"gf": r"$dW_f, db_f$", "gu": r"$dW_u, db_u$", "cand": r"$dW_c, db_c$", "go": r"$dW_o, db_o$",
                 "x": r"$dx^{\langle t\rangle}$", "c_prev": r"$dc*\Gamma_f$"}
        title = "LSTM cell, backward: against every arrow; dc adds what comes from t+1 and through a⟨t⟩"
    else:
        notes = {}
        title = "LSTM cell, forward: every gate reads [a⟨t-1⟩, x⟨t⟩]; the memory c runs along the top"
    return draw_cell(nodes, edges, title, backward=backward, notes=notes, cell_box=(1.0, 1.0, 10.6, 5.3), ax=ax,
                     size=(9.0, 5.0))


def draw_lstm_chain(T: int = 3, ax=None):
    """Several LSTM cells in a row (the lecture's forward-propagation figure): the memory line along the top
    carries c⟨0⟩ = 0 through every cell, changed only by the forget (∗) and update (+) operations."""
    if not isinstance(T, (int, np.integer)) or not 1 <= T <= 6:
        raise ValueError(f"T must be a whole number from 1 to 6; got {T!r}")
    nodes = {"c0": (0.0, 3.2, r"$c^{\langle 0\rangle}$", "state"), "a0": (0.0, 1.4, r"$a^{\langle 0\rangle}$", "state")}
    edges = []
    c_from, a_from = "c0", "a0"
    for t in range(1, T + 1):
        x0 = 4.2 * t - 1.6
        nodes.update({
            f"g{t}": (x0, 1.4, "gates", "gate"),
            f"m{t}": (x0 - 0.7, 3.2, r"$*$", "op"),
            f"p{t}": (x0 + 0.7, 3.2, r"$+$", "op"),
            f"a{t}": (x0 + 1.9, 1.4, rf"$a^{{\langle {t}\rangle}}$", "state"),
            f"x{t}": (x0, -0.2, rf"$x^{{\langle {t}\rangle}}$", "input"),
            f"y{t}": (x0 + 1.9, 4.7, rf"$\hat y^{{\langle {t}\rangle}}$", "output"),
        })
        edges += [(c_from, f"m{t}", "", _MEMORY), (f"m{t}", f"p{t}", "", _MEMORY), (a_from, f"g{t}"),
                  (f"x{t}", f"g{t}"), (f"g{t}", f"m{t}"), (f"g{t}", f"p{t}"), (f"p{t}", f"a{t}"),
                  (f"g{t}", f"a{t}"), (f"a{t}", f"y{t}")]
        c_from, a_from = f"p{t}", f"a{t}"
    nodes["cT"] = (4.2 * T + 1.6, 3.2, rf"$c^{{\langle {T}\rangle}}$", "state")
    edges.append((c_from, "cT", "", _MEMORY))
    ax = draw_cell(nodes, edges, "LSTM forward propagation: the memory line (blue) from c⟨0⟩ = 0 runs along the top of every cell",
                   ax=ax, size=(3.3 * T + 2.5, 3.6))
    return ax


def plot_gradient_by_distance(norms: dict, ax=None, dashed=()):
    """Norm of the gradient reaching the state k steps before the loss, one line per model, log scale.

    ``norms[label]`` is a 1-D array whose entry k is the norm k steps before the last step. The labels in
    ``dashed`` are drawn dashed, in the colour of the line before them (a part of that line's total).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    color = None
    for i, (label, values) in enumerate(norms.items()):
        values = np.asarray(values, dtype=np.float64)
        ok = np.isfinite(values) & (values > 1e-300)
        if label in dashed and color is not None:
            ax.semilogy(np.arange(len(values))[ok], values[ok], lw=1.6, ls="--", color=color, label=label)
        else:
            color = ax.semilogy(np.arange(len(values))[ok], values[ok], lw=2, marker=".", label=label)[0].get_color()
    ax.set_xlabel("distance k from the verb's loss (time steps back)")
    ax.set_ylabel("gradient norm (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set_title("How much of the loss's gradient reaches k steps back")
    return ax


def plot_losses(curves: dict, ax=None):
    """Training losses (cross-entropy of the verb, nats) against the iteration, one line per label."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.4))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.8, label=label)
    ax.axhline(np.log(2), color="grey", ls=":", label="guessing (log 2)")
    ax.set_xlabel("training iteration (batch of sentences)")
    ax.set_ylabel("cross-entropy (nats)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    return ax
