"""Notebook 07's figures: the sampling loop unrolled, what temperature does to a distribution, and a table of
sampled names."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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


class Greedy:
    """Stands in for a random generator in ``sample``: its ``choice(n, p)`` returns the most probable index,
    argmax p, so that ``sample(parameters, eos_index, Greedy())`` follows the greedy path (贪心), no
    randomness at all."""

    def choice(self, n, p=None):
        return int(np.argmax(p))


def working(stem: str, **probes) -> bool:
    """Whether your functions from notebook ``stem`` run: each probe is a function of no arguments that calls one
    of them on tiny inputs. For each that fails, one line names the function, the notebook and the error."""
    ok = True
    for name, probe in probes.items():
        try:
            probe()
        except NotImplementedError:
            print(f"Note: your {name} (notebook {stem}) is not written yet. This notebook's exercises do not need "
                  f"it; the experiments that train a model with it are skipped until it is.")
            ok = False
        except Exception as exc:  # noqa: BLE001 - any error of the student's function is reported, not raised
            text = str(exc).splitlines()[0][:200] if str(exc) else ""
            print(f"Note: your {name} (notebook {stem}) fails on a tiny input ({type(exc).__name__}"
                  f"{': ' + text if text else ''}); its self-check in notebook {stem} says more. The experiments "
                  f"that need it are skipped.")
            ok = False
    return ok


def padded_batches(sequences, m: int, rng: np.random.Generator, pad: int = 0):
    """One pass over ``sequences`` (lists of indices, each ending with its <EOS>) in a random order, as batches of
    ``m``: (targets (m, T_y) padded with ``pad`` to the batch's longest sequence, mask (m, T_y) of the real
    steps). The last incomplete batch is left out."""
    order = rng.permutation(len(sequences))
    for start in range(0, len(sequences) - m + 1, m):
        batch = [sequences[i] for i in order[start:start + m]]
        T_y = max(len(s) for s in batch)
        targets = np.full((m, T_y), pad, dtype=np.int64)
        mask = np.zeros((m, T_y))
        for i, s in enumerate(batch):
            targets[i, :len(s)] = s
            mask[i, :len(s)] = 1.0
        yield targets, mask


def _kitchen_pattern(vocabulary: frozenset | None):
    import re

    from course_utils.nb06 import ADJECTIVES, FRUITS, ITEMS, PEOPLE

    classes = {"F": FRUITS, "I": ITEMS, "A": ADJECTIVES, "P": PEOPLE}
    templates = ("the F and F salad was A", "the F salad was A", "P made the F and F salad",
                 "P ate the F and F salad", "the F juice was A", "P bought a pair of I", "P wore a pair of I",
                 "the pair of I was new")

    def slot(words):
        # a place in a template: one of its words, each word outside the vocabulary written as <UNK>
        shown = dict.fromkeys(" ".join(part if vocabulary is None or part in vocabulary else "<UNK>"
                                       for part in w.split()) for w in words)
        return "(?:" + "|".join(re.escape(w) for w in shown) + ")"

    return re.compile("|".join(" ".join(slot(classes[w]) if w in classes else slot((w,)) for w in t.split())
                               for t in templates))


@lru_cache(maxsize=8)
def _pattern(vocabulary: frozenset | None):
    return _kitchen_pattern(vocabulary)


def is_kitchen_sentence(text: str, vocabulary=None) -> bool:
    """Whether ``text`` is a sentence that the kitchen corpus's templates (course_utils.nb06) can make: the right
    words in the right places, the long-range structure of the corpus. Given the model's ``vocabulary``, "<UNK>"
    stands for the words outside it (so "the pair of <UNK> was new" is well formed when the
    clothes are unknown words)."""
    return _pattern(None if vocabulary is None else frozenset(vocabulary)).fullmatch(text) is not None
