"""Notebook 07's figures: what temperature does to a distribution, and a table of sampled names."""

from __future__ import annotations

from functools import lru_cache

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
