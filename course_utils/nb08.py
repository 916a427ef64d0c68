"""Notebook 08's helpers: the experiments' plots, and the long-range agreement task (from
:mod:`course_utils.agreement`, shared with notebooks 09 and 10 and the training harness).
"""

from __future__ import annotations

import numpy as np

from course_utils.agreement import (  # noqa: F401 - the notebooks take the task from here
    FILLERS, PLURAL, SINGULAR, VERBS, VOCAB, WORD_INDEX, agreement_data, agreement_sentences)


# ------------------------------------------------------------------------------------ experiments' helpers

def recurrent_weights(rng: np.random.Generator, n_a: int, spectral_radius: float) -> np.ndarray:
    """A random (n_a, n_a) matrix Waa scaled so that its largest eigenvalue modulus is ``spectral_radius``.

    Near a = 0, where tanh' ≈ 1, each step back through time multiplies the gradient by Waaᵀ: the spectral
    radius decides whether it shrinks (< 1) or grows (> 1) from step to step.
    """
    if spectral_radius <= 0:
        raise ValueError(f"spectral_radius must be positive; got {spectral_radius!r}")
    g = rng.normal(size=(n_a, n_a))
    return g * (spectral_radius / np.max(np.abs(np.linalg.eigvals(g))))


def plot_gradient_norms(norms: dict, ax=None, reference: bool = True):
    """‖∂L/∂a⟨T−k⟩‖ against the distance k, one line per spectral radius, on a log scale.

    ``norms`` maps a spectral radius ρ to a 1-D array whose entry k is the norm k steps before the loss
    (norm 1 at k = 0). Entries that overflowed (inf or NaN) are left out of the line. With ``reference``, ρᵏ
    is drawn dashed in the same colour: what the norm would do if every tanh' were 1 and the matrix power
    grew at its asymptotic rate; the vertical range is the measured values', so ρᵏ lines leave the plot.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(norms)))
    low, high = np.inf, -np.inf
    for (radius, values), color in zip(sorted(norms.items()), colors):
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values) & (values > 0)
        k = np.arange(len(values))
        ax.semilogy(k[finite], values[finite], color=color, lw=2, label=f"spectral radius ρ = {radius:g}")
        if reference:
            ax.semilogy(k, float(radius) ** k, color=color, lw=1.2, ls="--")
        if finite.any():
            low, high = min(low, values[finite].min()), max(high, values[finite].max())
    if reference:
        ax.plot([], [], color="grey", lw=1.2, ls="--", label="ρᵏ, dashed (same colour)")
    if np.isfinite(low):
        ax.set_ylim(low / 10, high * 10)
    ax.set_xlabel("distance k from the loss (time steps)")
    ax.set_ylabel(r"$\|\partial \mathcal{L} / \partial a^{\langle T-k \rangle}\|$")
    ax.set_title("Gradient reaching earlier hidden states of a basic RNN")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return ax


def plot_clipping(g: np.ndarray, by_value: np.ndarray, by_norm: np.ndarray, max_value: float, max_norm: float,
                  ax=None):
    """A 2-D gradient and its two clipped versions, as arrows from the origin, with the clipping regions."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6))
    ax.add_patch(Rectangle((-max_value, -max_value), 2 * max_value, 2 * max_value, fc="#fdebd3", ec="#b35900",
                           lw=1, label=f"|entry| ≤ {max_value:g} (by value)"))
    ax.add_patch(Circle((0, 0), max_norm, fc="none", ec="#1f4e79", lw=1.5, ls="--",
                        label=f"norm ≤ {max_norm:g} (by global norm)"))
    for vec, color, label in ((g, "#222222", "gradient"), (by_value, "#b35900", "clipped by value"),
                              (by_norm, "#1f4e79", "clipped by global norm")):
        ax.annotate("", xy=vec, xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color=color, lw=2))
        ax.plot([], [], color=color, lw=2, label=label)
    bound = 1.2 * max(max_norm, max_value)
    ax.set_xlim(min(-bound, 1.1 * g[0]), max(bound, 1.1 * g[0]))
    ax.set_ylim(min(-bound, 1.1 * g[1]), max(bound, 1.1 * g[1]))
    ax.set_aspect("equal")
    ax.set_xlabel("gradient entry 1")
    ax.set_ylabel("gradient entry 2")
    ax.set_title("By value the direction turns; by norm it is kept")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.grid(True, alpha=0.3)
    return ax


def plot_accuracy_by_distance(distances, accuracies, label: str = "basic RNN", ax=None):
    """Test accuracy on the agreement task against the subject–verb distance, with chance (50%) drawn.

    ``accuracies`` is one model's accuracy per distance (named by ``label``), or a dict {label: accuracies}
    for several models (notebooks 09 and 10): later lines are dashed and thinner, so that equal results stay
    visible one over the other.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    models = accuracies if isinstance(accuracies, dict) else {label: accuracies}
    markers = "osD^v"
    for i, (name, acc) in enumerate(models.items()):
        acc = 100 * np.asarray(acc, dtype=np.float64)
        seeds = acc.reshape(len(distances), -1)  # one column per seed (one column: one run)
        line = ax.plot(distances, np.median(seeds, axis=1), marker=markers[i % len(markers)], ms=10 - 2.5 * i,
                       lw=2.5 - 0.5 * i, ls=("-", "--", "-.", ":")[i % 4],
                       label=name + (f" (median of {seeds.shape[1]} seeds; dots: each seed)" if seeds.shape[1] > 1 else ""))
        if seeds.shape[1] > 1:
            offsets = 0.12 * (np.arange(seeds.shape[1]) - (seeds.shape[1] - 1) / 2) * (1 + i)
            for j in range(seeds.shape[1]):
                ax.plot(np.asarray(distances) + offsets[j], seeds[:, j], ".", ms=6, color=line[0].get_color(),
                        alpha=0.7)
    ax.axhline(50, color="grey", ls=":", label="guessing (50%: half the subjects are singular)")
    ax.set_xticks(list(distances))
    ax.set_xlabel("distance from the subject to the verb (words)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Was or were? Agreement over a growing distance")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_gradient_at_subject(distances, gradients, ax=None):
    """The norm of the verb's gradient at the subject's state, ‖∂L/∂a⟨2⟩‖, at initialisation, against the
    distance; ``gradients`` is {label: array (len(distances), seeds)}: the median line, and a dot per seed."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    markers = "osD^v"
    for i, (name, values) in enumerate(gradients.items()):
        values = np.asarray(values, dtype=np.float64).reshape(len(distances), -1)
        line = ax.semilogy(distances, np.median(values, axis=1), marker=markers[i % len(markers)], lw=2,
                           label=name + (f" (median of {values.shape[1]} seeds; dots: each seed)" if values.shape[1] > 1 else ""))
        for j in range(values.shape[1]):
            ax.semilogy(distances, values[:, j], ".", ms=6, color=line[0].get_color(), alpha=0.7)
    ax.set_xticks(list(distances))
    ax.set_xlabel("distance from the subject to the verb (words)")
    ax.set_ylabel(r"$\|\partial \mathcal{L}/\partial a^{\langle 2 \rangle}\|$ at the start")
    ax.set_title("What reaches the subject before training")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return ax
