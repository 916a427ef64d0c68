"""Notebook 07's figures: the sampling loop unrolled, what temperature does to a distribution, and a table of
sampled names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def draw_sampling_rnn(T: int = 5, tokens: Sequence[str] = ("m", "a", "r", "y", "<EOS>"), *, title: str | None = None,
                      ax=None):
    r"""The sampling loop unrolled: a token drawn from each step's ŷ⟨t⟩ is the next step's input x⟨t+1⟩.

    The unrolled network of :mod:`course_utils.unrolled` (x⟨1⟩ = 0, the cells, the predictions) with the
    feedback drawn: an arrow leaves :math:`\hat{y}^{\langle t \rangle}`, passes the token drawn from it
    and enters :math:`x^{\langle t+1 \rangle}`, labelled "sampled from ŷ⟨t⟩" (with its Chinese, 从 ŷ⟨t⟩ 中采样,
    where a Chinese font is installed).

    Parameters
    ----------
    T : int, 1..12
        Number of time steps.
    tokens : sequence of str
        The tokens drawn at steps 1, 2, …: T − 1 of them (each fed back), or T, the last one (typically
        ``"<EOS>"``) ending the sequence instead of being fed back.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure if None.
    """
    from matplotlib.lines import Line2D

    from course_utils import drawing, unrolled as u

    T, _ = u.check_steps(T, None)
    if isinstance(tokens, str) or not isinstance(tokens, Sequence) or len(tokens) not in (T - 1, T) \
            or not all(isinstance(w, str) for w in tokens):
        raise ValueError(f"tokens must be a sequence of T - 1 = {T - 1} or T = {T} str (the tokens drawn), "
                         f"got {tokens!r}.")
    drawing.check_title(title)
    drawing.check_ax(ax)
    ends = len(tokens) == T  # the last draw ends the sequence
    route = 0.7  # the feedback runs down this far right of the step's centre
    x_max = u.DX * T + (route + 0.75 if ends else u.CELL_W / 2 + 0.1)
    d = u.layout(T, (u.X_MIN, x_max, u.Y_WORD - 0.36, u.Y_OUT + u.OUT_H / 2 + 0.1),
                 title=title, max_h=4.0, bottom_in=0.4, ax=ax)
    u.draw_chain(d, ["0"] + list(tokens[:T - 1]), list(range(1, T + 1)), lanes=False)
    colour, lw = drawing.OUTPUT[1], d.lw(1.4)
    y_token = (u.CELL_H / 2 + u.Y_OUT - u.OUT_H / 2) / 2  # the drawn token sits between the cells and ŷ
    for t, (xc, token) in enumerate(zip(d.xs, tokens), start=1):
        xr = xc + route
        d.box((xr, y_token), max(0.42, 0.13 * len(token) + 0.16), 0.34, token, 11, fc="#ffffff", ec=colour,
              rounding=0.06, lw=d.lw(1.1))
        if t == T:  # the last draw: nothing is fed back
            d.ax.add_line(Line2D([xc + u.OUT_W / 2, xr, xr], [u.Y_OUT, u.Y_OUT, y_token + 0.17], color=colour,
                                 lw=lw, zorder=1.5))
            d.text(xr, y_token - 0.22, "stop", 10, ha="center", va="top", color=colour)
            continue
        d.ax.add_line(Line2D([xc + u.OUT_W / 2, xr, xr, xr + 0.3], [u.Y_OUT, u.Y_OUT, u.Y_IN, u.Y_IN], color=colour,
                             lw=lw, zorder=1.5))
        d.arrow((xr + 0.25, u.Y_IN), (d.xs[t] - u.IN_W / 2, u.Y_IN), color=colour, lw=lw)
        drawn_from = rf"$\sim \hat{{y}}^{{\langle {t} \rangle}}$"
        d.text(xr + 0.06, (u.Y_IN + u.IN_H / 2 - u.CELL_H / 2) / 2, drawn_from, 11, ha="left", va="center",
               color=colour)
    # plain text, not mathtext: mathtext has no Chinese
    label, props = drawing.bilingual("sampled from ŷ⟨t⟩, fed in as x⟨t+1⟩", "从 ŷ⟨t⟩ 中采样")
    d.ax.legend(handles=[Line2D([], [], color=colour, lw=1.4, label=label)], loc="upper center",
                bbox_to_anchor=(0.5, 0.0), frameon=False, borderaxespad=0.1, prop={**props, "size": d.fs(11)})
    if title is not None:
        d.ax.set_title(title, fontsize=d.fs(13))
    return d.ax


def plot_temperature(logits: np.ndarray, temperatures, labels, ax=None, top: int = 12):
    """Bars of softmax(logits / T) for a few temperatures T, over the ``top`` most probable labels at T = 1.

    The softmax is computed here for the figure only (softmax is notebook 03's exercise, not this one's).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.4))
    z = np.asarray(logits, dtype=np.float64).ravel()
    order = np.argsort(-z)[:top]
    width = 0.8 / len(temperatures)
    for k, T in enumerate(temperatures):
        p = np.exp((z - z.max()) / T)
        p /= p.sum()
        ax.bar(np.arange(len(order)) + (k - (len(temperatures) - 1) / 2) * width, p[order], width,
               label=f"temperature {T:g}")
    ax.set_xticks(np.arange(len(order)))
    ax.set_xticklabels([repr(labels[i])[1:-1] for i in order])
    ax.set_xlabel(f"first letter of a name (the {len(order)} most probable at temperature 1)")
    ax.set_ylabel("probability")
    ax.set_title("softmax(z / temperature): low sharpens, high flattens")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    return ax


def sample_table(columns: dict, rows: int = 8) -> str:
    """A plain-text table: one column of strings per heading (e.g. names per temperature)."""
    heads = list(columns)
    width = max(12, *(len(h) for h in heads), *(len(s) for col in columns.values() for s in col[:rows])) + 2
    lines = ["".join(h.ljust(width) for h in heads), "".join(("-" * (width - 2)).ljust(width) for _ in heads)]
    for r in range(rows):
        lines.append("".join((columns[h][r] if r < len(columns[h]) else "").ljust(width) for h in heads))
    return "\n".join(lines)
