"""Notebook 11's data and figure: the lecture's "Teddy" named-entity task, and the bidirectional RNN drawn.

The lecture's example: in "He said, Teddy Roosevelt was a great president" *Teddy* is part of a person's
name; in "He said, Teddy bears are on sale!" it is not. Reading left to right, the words up to *Teddy* are
the same in both, so only a word that comes **after** it can decide. :func:`teddy_data` generates such
sentences from templates: the words before the ambiguous word carry no hint, the word right after it decides.

:func:`draw_bidirectional_rnn` draws the unrolled bidirectional RNN, with the primitives of
:mod:`course_utils.drawing`. Everything is made by seeded code; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from course_utils.drawing import CELL, OUTPUT, STATE0, arrow, box, check_ax, check_title, diagram_axes, sup
from course_utils.unrolled import check_steps

PAD = "<pad>"
PREFIXES = (("he", "said"), ("she", "said"), ("they", "said"), ("i", "think"), ("we", "heard", "that"),
            ("yesterday",), ("my", "friend", "said"), ("everyone", "knows"))
# words that are a first name in one sentence and not a name in another, with the nouns that follow them
AMBIGUOUS = {"teddy": ("bears",), "grace": ("period", "notes"), "rose": ("garden", "petals"),
             "jordan": ("river", "valley"), "ruby": ("ring", "necklace")}
NAMES_ONLY = ("harry", "hermione", "alice", "ron")  # first names that are never anything else
SURNAMES = ("roosevelt", "kelly", "parks", "potter", "granger")
NAME_ENDINGS = (("was", "a", "great", "president"), ("is", "here"), ("called", "me"), ("won", "the", "prize"))
NOUN_ENDINGS = (("are", "on", "sale"), ("is", "lovely"), ("was", "long"), ("were", "sold", "out"))

T_X = 3 + 2 + 4  # longest prefix, the two words, longest ending; shorter sentences end in <pad>
NOUNS = tuple(dict.fromkeys(n for nouns in AMBIGUOUS.values() for n in nouns))
VOCAB = tuple(dict.fromkeys((PAD,) + sum(PREFIXES, ()) + tuple(AMBIGUOUS) + NOUNS + NAMES_ONLY + SURNAMES
                            + sum(NAME_ENDINGS, ()) + sum(NOUN_ENDINGS, ())))
WORD_INDEX = {w: i for i, w in enumerate(VOCAB)}
LABELS = ("other", "name")  # class 1: the word is part of a person's name

# the lecture's two sentences (lower-cased, without punctuation)
LECTURE_SENTENCES = ("he said teddy roosevelt was a great president", "he said teddy bears are on sale")


def _sentence(rng: np.random.Generator, kind: int) -> tuple[list[str], list[int], int]:
    """One sentence of a kind (0: ambiguous word as a name, 1: as a thing, 2: an unambiguous name), its
    labels, and the position of its first name-or-thing word."""
    prefix = list(PREFIXES[rng.integers(len(PREFIXES))])
    if kind == 2:
        first = NAMES_ONLY[rng.integers(len(NAMES_ONLY))]
    else:
        first = tuple(AMBIGUOUS)[rng.integers(len(AMBIGUOUS))]
    if kind == 1:
        nouns = AMBIGUOUS[first]
        second, ending, label = nouns[rng.integers(len(nouns))], NOUN_ENDINGS[rng.integers(len(NOUN_ENDINGS))], 0
    else:
        second, ending, label = SURNAMES[rng.integers(len(SURNAMES))], NAME_ENDINGS[rng.integers(len(NAME_ENDINGS))], 1
    words = prefix + [first, second] + list(ending)
    labels = [0] * len(prefix) + [label, label] + [0] * len(ending)
    return words, labels, len(prefix)


def _encode(sentences: list[list[str]]) -> np.ndarray:
    """The generator's sentences, padded to T_X, as one-hot columns (len(VOCAB), m, T_X)."""
    x = np.zeros((len(VOCAB), len(sentences), T_X))
    for i, words in enumerate(sentences):
        padded = words + [PAD] * (T_X - len(words))
        x[[WORD_INDEX[w] for w in padded], i, np.arange(T_X)] = 1.0
    return x


def teddy_data(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """A batch of named-entity sentences in which the word that decides comes after the ambiguous one.

    A third of the sentences use an ambiguous word (teddy, grace, rose, jordan, ruby) as a first name
    ("he said teddy roosevelt was a great president"), a third as a thing ("he said teddy bears are on
    sale"), a third use a name that is only a name ("she said harry potter called me"). The words before it
    are drawn independently of the kind, so they carry no hint. Sentences are padded with <pad> to T_X = 9.

    Parameters
    ----------
    rng : numpy.random.Generator
    m : int ≥ 1
        Number of sentences.

    Returns
    -------
    x : np.ndarray, shape (len(VOCAB), m, T_X), float64
        One-hot words, the course's (n_x, m, T_x) layout.
    y : np.ndarray, shape (2, m, T_X), float64
        One-hot labels: class 1 where the word is part of a person's name, class 0 elsewhere (padding too).
    ambiguous : np.ndarray, shape (m, T_X), bool
        True at the position of an ambiguous word (two thirds of the sentences have one).
    sentences : list of m str
        The sentences in words, without padding.
    """
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a whole number ≥ 1; got {m!r}")
    kinds = rng.integers(0, 3, size=m)
    words, labels = [], np.zeros((m, T_X), dtype=np.int64)
    ambiguous = np.zeros((m, T_X), dtype=bool)
    for i, kind in enumerate(kinds):
        w, lab, pos = _sentence(rng, int(kind))
        words.append(w)
        labels[i, :len(lab)] = lab
        ambiguous[i, pos] = kind != 2
    y = np.stack([labels == 0, labels == 1]).astype(np.float64)
    return _encode(words), y, ambiguous, [" ".join(w) for w in words]


def lecture_sentences() -> tuple[np.ndarray, list[list[str]]]:
    """The lecture's two Teddy sentences, one-hot (len(VOCAB), 2, T_X), and their words."""
    words = [s.split() for s in LECTURE_SENTENCES]
    return _encode(words), words


# ----------------------------------------------------------------------------------------------- the figure

_B_FC, _B_EC = "#e3f4dc", "#2f6b1f"  # backward cells (forward cells are drawing.CELL)


def draw_bidirectional_rnn(T: int = 4, *, labels: Sequence[str] | None = None, show_outputs: bool = True,
                           title: str | None = None, ax: Axes | None = None) -> Axes:
    r"""Draw a bidirectional RNN unrolled over ``T`` time steps.

    Inputs :math:`x^{\langle t \rangle}` at the bottom; a row of forward cells
    :math:`\overrightarrow{a}^{\langle t \rangle}` whose recurrence runs left to right from
    :math:`\overrightarrow{a}^{\langle 0 \rangle}`; above it a row of backward cells
    :math:`\overleftarrow{a}^{\langle t \rangle}` running right to left from
    :math:`\overleftarrow{a}^{\langle T+1 \rangle}`; on top the outputs
    :math:`\hat{y}^{\langle t \rangle}`, each fed by both cells of its time step. No arrow goes from one
    row to the other: the graph is acyclic.

    ``T`` (1..12), ``labels`` (T words under the inputs), ``title`` and ``ax`` are those of
    :func:`course_utils.plots.draw_unrolled_rnn`; ``show_outputs=False`` leaves out the outputs.
    """
    T, labels = check_steps(T, labels)
    check_title(title)
    check_ax(ax)
    dx, cw, ch = 2.0, 0.9, 0.62
    y_in, y_f, y_b, y_out = -1.45, 0.0, 1.45, 2.9
    xs = [dx * t for t in range(1, T + 1)]
    off = 0.42  # the two cells of a step sit left and right of the step's centre
    x_min, x_max = xs[0] - 2.05, xs[-1] + 2.05
    y_min = y_in - 0.75 if labels is not None else y_in - 0.4
    y_max = (y_out + 0.4) if show_outputs else y_b + 0.5
    ax = diagram_axes(ax, (x_min, x_max, y_min, y_max), height=4.2, title=title)

    fwd, bwd = r"\overrightarrow{a}", r"\overleftarrow{a}"
    box(ax, (xs[0] - dx * 0.75, y_f), 0.85, 0.5, sup(fwd, 0), fc=STATE0[0], ec=STATE0[1], fontsize=11)
    box(ax, (xs[-1] + dx * 0.75, y_b), 0.85, 0.5, sup(bwd, T + 1), fc=STATE0[0], ec=STATE0[1], fontsize=11)
    for i, xc in enumerate(xs):
        t = i + 1
        xf, xb = xc - off, xc + off
        box(ax, (xc, y_in), 0.8, 0.5, sup("x", t), fc=STATE0[0], ec=STATE0[1], fontsize=12)
        box(ax, (xf, y_f), cw, ch, sup(fwd, t), fc=CELL[0], ec=CELL[1], fontsize=13)
        box(ax, (xb, y_b), cw, ch, sup(bwd, t), fc=_B_FC, ec=_B_EC, fontsize=13)
        if labels is not None:
            ax.text(xc, y_in - 0.35, labels[i], ha="center", va="top", fontsize=11, style="italic")
        arrow(ax, (xf, y_in + 0.25), (xf, y_f - ch / 2), color=CELL[1])
        arrow(ax, (xb, y_in + 0.25), (xb, y_b - ch / 2), color=_B_EC)
        # forward recurrence: from the left neighbour (or a0) into this forward cell
        left = (xs[0] - dx * 0.75 + 0.425) if t == 1 else xs[i - 1] - off + cw / 2
        arrow(ax, (left, y_f), (xf - cw / 2, y_f), color=CELL[1], lw=1.8)
        # backward recurrence: from the right neighbour (or a<T+1>) into this backward cell
        right = (xs[-1] + dx * 0.75 - 0.425) if t == T else xs[i + 1] + off - cw / 2
        arrow(ax, (right, y_b), (xb + cw / 2, y_b), color=_B_EC, lw=1.8)
        if show_outputs:
            box(ax, (xc, y_out), 0.8, 0.5, sup(r"\hat{y}", t), fc=OUTPUT[0], ec=OUTPUT[1], fontsize=12)
            arrow(ax, (xf, y_f + ch / 2), (xc - 0.2, y_out - 0.25), color=CELL[1])
            arrow(ax, (xb, y_b + ch / 2), (xc + 0.2, y_out - 0.25), color=_B_EC)
    handles = [Patch(fc=CELL[0], ec=CELL[1], label="forward direction (reads left to right)"),
               Patch(fc=_B_FC, ec=_B_EC, label="backward direction (reads right to left)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False,
              fontsize=10)
    if title is not None:
        ax.set_title(title, fontsize=13)
    return ax
