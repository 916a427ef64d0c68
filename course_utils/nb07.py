"""Notebook 07's figures: what temperature does to a distribution, and a table of sampled names."""

from __future__ import annotations

import numpy as np


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
