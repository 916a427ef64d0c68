"""The long-range agreement task of notebooks 08, 09 and 10 (a shared helper: notebook 08 and the training
harness, course_utils.training, both take it from here).

The lecture's example: "The cat, which already ate ……, was full" / "The cats, which already ate ……, were
full". Whether the verb is *was* or *were* depends on a word far back. Here the distance between the
subject and the verb is controlled exactly, and the words in between are random fillers that carry no hint,
so a model can only answer by remembering the subject.

Everything is made by seeded code from ``rng``; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

SINGULAR = ("cat", "dog", "bird", "child")
PLURAL = ("cats", "dogs", "birds", "children")
FILLERS = ("which", "already", "ate", "a", "lot", "of", "food", "and", "then", "slept", "on", "the", "mat",
           "after", "lunch", "in", "warm", "sun")
VERBS = ("was", "were")  # the two classes: 0 = singular, 1 = plural

# the input vocabulary: index 0 is "the", then subjects, then fillers
VOCAB = ("the",) + SINGULAR + PLURAL + FILLERS
WORD_INDEX = {w: i for i, w in enumerate(VOCAB)}


def agreement_data(rng: np.random.Generator, m: int, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """A batch of agreement sentences whose subject stands ``distance`` steps before the verb.

    Sentence i is "the <subject> <filler> … <filler>", of length T_x = distance + 1 (the subject is
    x⟨2⟩; the verb would follow x⟨T_x⟩, so the model answers after reading the last filler); it has
    distance − 1 random fillers.

    Parameters
    ----------
    rng : numpy.random.Generator
    m : int
        Number of sentences.
    distance : int ≥ 1
        Steps from the subject to the verb slot (1: the verb directly follows the subject).

    Returns
    -------
    x : np.ndarray, shape (len(VOCAB), m, distance + 1), float64
        One-hot words, the course's (n_x, m, T_x) layout.
    labels : np.ndarray, shape (m,), int64
        0 where the verb is "was" (singular subject), 1 where it is "were" (plural).
    """
    if not isinstance(distance, (int, np.integer)) or distance < 1:
        raise ValueError(f"distance must be a whole number ≥ 1; got {distance!r}")
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a whole number ≥ 1; got {m!r}")
    labels = rng.integers(0, 2, size=m)
    nouns = rng.integers(0, len(SINGULAR), size=m)
    subjects = np.where(labels == 0, 1 + nouns, 1 + len(SINGULAR) + nouns)
    fillers = 1 + 2 * len(SINGULAR) + rng.integers(0, len(FILLERS), size=(m, distance - 1))
    words = np.concatenate([np.zeros((m, 1), dtype=np.int64), subjects[:, None], fillers], axis=1)
    x = np.zeros((len(VOCAB), m, distance + 1))
    x[words.T, np.arange(m)[None, :], np.arange(distance + 1)[:, None]] = 1.0
    return x, labels.astype(np.int64)


def agreement_sentences(x: np.ndarray, labels: np.ndarray) -> list[str]:
    """The sentences of a batch in words, with their verb: "the cats which ate … were"."""
    words = np.argmax(x, axis=0)  # (m, T_x)
    return [" ".join(VOCAB[w] for w in row) + " " + VERBS[int(label)] for row, label in zip(words, labels)]
