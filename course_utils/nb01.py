"""Notebook 01's data, detectors and figures: why a standard network is a poor fit for sequences.

The experiment compares two pattern detectors on padded batches (the padding is the student's graded
``pad_batch``, not done here): one whose weights are tied to positions, like a standard network on the whole
padded sequence, and one small detector shared by every position (the idea of CNNs and RNNs). Both are trained
here by plain gradient descent with their own gradients; neither is a graded exercise.
Everything is made by seeded code from ``rng``; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

# the motif: two consecutive steps with these feature vectors (entries are ±1)
MOTIF = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])  # (n_x, 2): x<t> = MOTIF[:, 0], x<t+1> = MOTIF[:, 1]
N_X = MOTIF.shape[0]


def _has_motif(seq: np.ndarray) -> bool:
    return any(np.array_equal(seq[:, t:t + 2], MOTIF) for t in range(seq.shape[1] - 1))


def motif_sequences(rng: np.random.Generator, m: int, lengths: tuple[int, int], positions: tuple[int, int] | None):
    """Sequences of random ±1 feature vectors (n_x = 3), half of them with the motif.

    Parameters
    ----------
    rng : numpy.random.Generator
    m : int, the number of sequences
    lengths : (lo, hi), each sequence's length T_x⁽ⁱ⁾ drawn uniformly from lo..hi
    positions : (lo, hi) or None: where the motif starts in a positive sequence (t counted from 1, clipped to
        fit the sequence); None for anywhere

    Returns
    -------
    sequences : list of m float64 arrays of shape (3, T_x⁽ⁱ⁾)
    labels : int64 array (m,), 1 if the sequence contains the motif
    starts : int64 array (m,), where the motif starts (from 1), 0 for a sequence without it
    """
    sequences, labels, starts = [], np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
    for i in range(m):
        T = int(rng.integers(lengths[0], lengths[1] + 1))
        while True:
            seq = rng.choice([-1.0, 1.0], size=(N_X, T))
            if not _has_motif(seq):
                break
        if i % 2 == 0:
            lo, hi = positions if positions is not None else (1, T - 1)
            start = int(rng.integers(lo, min(hi, T - 1) + 1))
            seq[:, start - 1:start + 1] = MOTIF
            labels[i], starts[i] = 1, start
        sequences.append(seq)
    return sequences, labels, starts


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class WindowDetector:
    """A detector that looks at two consecutive steps, [x<t>; x<t+1>], at every position, with a soft maximum
    over positions (padding excluded) as the sequence's score.

    ``shared=True``: one set of weights for every position (3 × 2 numbers and a bias), the idea of CNNs and
    RNNs. ``shared=False``: a set of weights for each position (tied to positions, as in a standard network on
    the whole padded sequence), (T_x − 1) times as many. Otherwise the two are the same model, trained the same
    way (full-batch gradient descent on the cross-entropy), so that the comparison isolates the sharing.
    """

    def __init__(self, n_x: int, T_x: int, shared: bool, sharpness: float = 4.0):
        self.v = np.zeros((n_x, 2, 1 if shared else T_x - 1))
        self.c = 0.0
        self.sharpness = sharpness

    @property
    def n_parameters(self) -> int:
        return self.v.size + 1

    def _scores(self, x, mask):
        s = np.einsum("kt,kmt->mt", self.v[:, 0], x[:, :, :-1]) + np.einsum("kt,kmt->mt", self.v[:, 1], x[:, :, 1:])
        return s + self.c, (mask[:, :-1] * mask[:, 1:]) > 0

    def _pool(self, x, mask):
        s, valid = self._scores(x, mask)
        z = np.where(valid, self.sharpness * s, -np.inf)
        zmax = z.max(axis=1, keepdims=True)
        weights = np.exp(z - zmax)
        total = weights.sum(axis=1)
        return (zmax[:, 0] + np.log(total)) / self.sharpness, weights / total[:, None]

    def probability(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """x (n_x, m, T_x) padded, mask (m, T_x) with 1.0 at real steps: the probability of the motif, (m,)."""
        return _sigmoid(self._pool(x, mask)[0])

    def train(self, x, mask, labels, steps=300, lr=1.0):
        m = x.shape[1]
        for _ in range(steps):
            pooled, weights = self._pool(x, mask)
            ds = ((_sigmoid(pooled) - labels) / m)[:, None] * weights  # d loss / d score<t>
            dv0 = np.einsum("mt,kmt->kt", ds, x[:, :, :-1])
            dv1 = np.einsum("mt,kmt->kt", ds, x[:, :, 1:])
            if self.v.shape[2] == 1:
                dv0, dv1 = dv0.sum(axis=1, keepdims=True), dv1.sum(axis=1, keepdims=True)
            self.v[:, 0] -= lr * dv0
            self.v[:, 1] -= lr * dv1
            self.c -= lr * float(ds.sum())
        return self


# ---------------------------------------------------------------------------------------------- figures

def draw_standard_network(T: int = 4, ax=None):
    """The lecture's picture of a standard network on a sentence: all T inputs into one hidden layer whose
    weights are tied to positions, T outputs."""
    import matplotlib.pyplot as plt

    from course_utils.drawing import CELL, INPUT, OUTPUT, box, sup

    if ax is None:
        _, ax = plt.subplots(figsize=(1.45 * T + 1.5, 3.2))
    xs = [1.4 * t for t in range(T)]
    mid = (xs[0] + xs[-1]) / 2
    for t, xc in enumerate(xs):
        box(ax, (xc, 0.0), 0.8, 0.46, sup("x", t + 1), fc=INPUT[0], ec=INPUT[1], fontsize=11)
        box(ax, (xc, 2.6), 0.8, 0.46, sup(r"\hat{y}", t + 1), fc=OUTPUT[0], ec=OUTPUT[1],
                   fontsize=11)
        for xh in np.linspace(xs[0], xs[-1], 6):
            ax.plot([xc, xh], [0.23, 1.1], color="#999999", lw=0.5, zorder=1)
            ax.plot([xh, xc], [1.5, 2.37], color="#999999", lw=0.5, zorder=1)
    box(ax, (mid, 1.3), xs[-1] - xs[0] + 0.9, 0.4, "hidden layer: a weight for every input position",
               fc=CELL[0], ec=CELL[1], fontsize=10)
    ax.text(mid, -0.55, r"inputs padded to a fixed $T_x$ (here " + str(T) + ")", ha="center", fontsize=10)
    ax.set_xlim(xs[0] - 0.6, xs[-1] + 0.6)
    ax.set_ylim(-0.8, 3.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
