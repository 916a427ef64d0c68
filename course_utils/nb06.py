"""Notebooks 06 and 07's data: a seeded kitchen corpus (word level) and a shipped list of names (character level).

Nothing is downloaded: the corpus is generated from templates by ``rng``; the names are the public-domain
1990 US Census first-name lists shipped in ``course_utils/names/`` (see the README there).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

FRUITS = ("apple", "pear", "orange", "banana", "grape", "mango", "peach")
ITEMS = ("shoes", "socks", "gloves", "scissors", "jeans")
ADJECTIVES = ("delicious", "fresh", "sweet", "good")
PEOPLE = ("she", "he", "my friend", "the cook")


def kitchen_sentence(rng: np.random.Generator) -> str:
    """One sentence in the spirit of the lecture's “the apple and pear salad was delicious”.

    Fruits appear in salads and juices; “pair” appears only in “a pair of …” (shoes, socks, …), never next to
    food — so a language model can learn that “pear salad” is likely and “pair salad” is not.
    """
    f1, f2 = rng.choice(len(FRUITS), size=2, replace=False)
    fruit1, fruit2 = FRUITS[f1], FRUITS[f2]
    adjective = ADJECTIVES[rng.integers(len(ADJECTIVES))]
    person = PEOPLE[rng.integers(len(PEOPLE))]
    item = ITEMS[rng.integers(len(ITEMS))]
    templates = (
        f"the {fruit1} and {fruit2} salad was {adjective}",
        f"the {fruit1} salad was {adjective}",
        f"{person} made the {fruit1} and {fruit2} salad",
        f"{person} ate the {fruit1} and {fruit2} salad",
        f"the {fruit1} juice was {adjective}",
        f"{person} bought a pair of {item}",
        f"{person} wore a pair of {item}",
        f"the pair of {item} was new",
    )
    return templates[rng.integers(len(templates))]


def kitchen_corpus(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` sentences made by :func:`kitchen_sentence`, lower case, words separated by single spaces."""
    return [kitchen_sentence(rng) for _ in range(n)]


@cache
def _names() -> tuple[str, ...]:
    path = Path(__file__).with_name("names") / "first_names.txt"
    return tuple(line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip())


def load_names() -> list[str]:
    """The 5163 first names (lower case a–z) of the 1990 US Census lists, shipped with the course."""
    return list(_names())


def name_streams(rng: np.random.Generator, names: list[str], chars: str, m: int) -> np.ndarray:
    """The names, shuffled, written one after another each followed by "\\n" (the <EOS> character), and cut
    into ``m`` equally long streams, as min-char-rnn reads a text: row i of the result is stream i, as
    indices into ``chars``. Shape (m, L)."""
    order = rng.permutation(len(names))
    text = "".join(names[i] + "\n" for i in order)
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    length = len(ids) // m
    return ids[: m * length].reshape(m, length)


def plot_perplexity(steps, train, valid, ax=None):
    """Perplexity against training steps (log scale), on the training batches and on held-out sentences."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.semilogy(steps, train, lw=1.5, alpha=0.8, label="training batch")
    ax.semilogy(steps, valid, "o-", lw=2, ms=3, label="held-out sentences")
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("perplexity per word")
    ax.set_title("Word-level language model on the kitchen corpus")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax
