"""Notebook 02's data (reused by 05): tokens, names, named-entity sentences and a Zipfian text corpus.

Everything is made by seeded code from ``rng``; nothing is downloaded. No graded exercise is answered here:
there is no vocabulary builder, no encoder and no one-hot code. The generators know which words they put
into a name slot and say so (``name_mask``): that is the data set's ground truth, not the matching of an
entity list that notebook 02 asks for.

Name lists. ``GIVEN_NAMES`` and ``SURNAMES`` are some of the most frequent given names and surnames of the
1990 United States Census name lists (a work of the U.S. government, in the public domain), chosen and
written out for this course; the rest of this file is under the repository's MIT licence.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

GIVEN_NAMES = ("James", "John", "Robert", "Michael", "William", "David", "Richard", "Charles", "Joseph",
               "Thomas", "Daniel", "Paul", "Mark", "George", "Kenneth", "Steven", "Edward", "Brian", "Ronald",
               "Anthony", "Mary", "Patricia", "Linda", "Barbara", "Elizabeth", "Jennifer", "Maria", "Susan",
               "Margaret", "Dorothy", "Lisa", "Nancy", "Karen", "Betty", "Helen", "Sandra", "Donna", "Carol",
               "Ruth", "Sharon")
SURNAMES = ("Smith", "Johnson", "Williams", "Jones", "Brown", "Davis", "Miller", "Wilson", "Moore", "Taylor",
            "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Garcia", "Martinez",
            "Robinson", "Clark", "Rodriguez", "Lewis", "Lee", "Walker", "Hall", "Allen", "Young", "King",
            "Wright")

# sentence templates: {N} is a person's name (one or two words), every other token is an ordinary word
TEMPLATES = (
    "{N} and {N} invented a new spell",
    "yesterday {N} met {N} in the library",
    "{N} said that the weather was fine",
    "the teacher asked {N} to read the letter",
    "after lunch {N} visited the old castle with {N}",
    "a new book about {N} was sold out",
    "{N} gave the red apple to {N}",
    "everyone in the village knew {N}",
    "the train left before {N} arrived",
    "on monday {N} wrote to {N} about the plan",
)

_TOKEN = re.compile(r"<[A-Z]+>|[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def tokenize(text: str, lower: bool = False) -> list[str]:
    """Split a sentence into words, dropping punctuation ("spell." -> "spell").

    Parameters
    ----------
    text : str
    lower : bool
        Lower-case every word (as a vocabulary usually does); special tokens such as ``<EOS>`` are kept.

    Returns
    -------
    list of str, the words in order.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize needs a string; got {type(text).__name__}")
    words = _TOKEN.findall(text)
    return [w if (w.startswith("<") or not lower) else w.lower() for w in words]


def _person(rng: np.random.Generator, full_share: float) -> list[str]:
    given = GIVEN_NAMES[rng.integers(len(GIVEN_NAMES))]
    if rng.random() < full_share:
        return [given, SURNAMES[rng.integers(len(SURNAMES))]]
    return [given]


def ner_sentences(rng: np.random.Generator, m: int, full_share: float = 0.6):
    """``m`` sentences with people's names in them, from the templates.

    Parameters
    ----------
    rng : numpy.random.Generator
    m : int ≥ 1
        Number of sentences.
    full_share : float in [0, 1]
        Share of names written in full ("Mary Smith"); the others are a given name alone ("Mary").

    Returns
    -------
    sentences : list of m lists of str
        The words of each sentence (names capitalised, other words lower-case).
    name_mask : list of m int64 arrays, shape (T_x⁽ⁱ⁾,)
        1 where the generator put a word of a name, 0 elsewhere: the sentence's named-entity labels.
    names : list of m lists of str
        The names used in each sentence, as strings ("Mary Smith").
    """
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a whole number ≥ 1; got {m!r}")
    sentences, masks, names = [], [], []
    for _ in range(m):
        template = TEMPLATES[rng.integers(len(TEMPLATES))]
        words, mask, used = [], [], []
        for token in template.split():
            if token == "{N}":
                person = _person(rng, full_share)
                words += person
                mask += [1] * len(person)
                used.append(" ".join(person))
            else:
                words.append(token)
                mask.append(0)
        sentences.append(words)
        masks.append(np.array(mask, dtype=np.int64))
        names.append(used)
    return sentences, masks, names


# --------------------------------------------------------------------------------------- a Zipfian corpus

_COMMON = tuple("""the of and to a in is it you that he was for on are with as his they be at one have this
from or had by not word but what some we can out other were all there when up use your how said an each she
which do their time if will way about many then them write would like so these her long make thing see him two
has look more day could go come did number sound no most people my over know water than call first who may
down side been now find any new work part take get place made live where after back little only round man year
came show every good me give our under name very through just form sentence great think say help low line
differ turn cause much mean before move right boy old too same tell does set three want air well also play
small end put home read hand port large spell add even land here must big high such follow act why ask men
change went light kind off need house picture try us again animal point mother world near build self earth
father head stand own page should country found answer school grow study still learn plant cover food sun four
between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left
late run while press close night real life few north open seem together next white children begin got walk
example ease paper group always music those both mark often letter until mile river car feet care second book
carry took science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face
wood main enough plain girl usual young ready above ever red list though feel talk bird soon body dog family
direct pose leave song measure door product black short numeral class wind question happen complete ship area
half rock order fire south problem piece told knew pass since top whole king space heard best hour better true
during hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
less morning ten simple several vowel toward war lay against pattern slow center love person money serve appear
road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark machine
note wait plan figure star box noun field rest correct able pound done beauty drive stood contain front teach
week final gave green oh quick develop ocean warm free minute strong special mind behind clear tail produce fact
street inch multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape
equate hot miss brought heat snow tire bring yes distant fill east paint language among""".split())

_ONSETS = ("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br", "cl", "dr",
           "fl", "gr", "pl", "st", "tr", "sh", "ch", "th")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "oo", "ou")
_CODAS = ("", "n", "r", "l", "s", "t", "m", "nd", "st", "ck")


@lru_cache(maxsize=4)
def lexicon(size: int = 30000) -> tuple[str, ...]:
    """The words of the synthetic language, most frequent first: common English words, then made-up words
    of two or three syllables (the same list on every machine: it comes from a fixed seed)."""
    rng = np.random.default_rng(2)
    words, seen = list(_COMMON), set(_COMMON)
    while len(words) < size:
        n = 4 * size
        parts = [rng.integers(len(k), size=(n, 3)) for k in (_ONSETS, _VOWELS, _CODAS)]
        three = rng.random(n) < 0.5
        for i in range(n):
            w = "".join(_ONSETS[parts[0][i, j]] + _VOWELS[parts[1][i, j]] + _CODAS[parts[2][i, j]]
                        for j in range(2 + int(three[i])))
            if w not in seen:
                seen.add(w)
                words.append(w)
                if len(words) == size:
                    break
    return tuple(words)


def zipf_corpus(rng: np.random.Generator, n_sentences: int, exponent: float = 1.1,
                lengths: tuple[int, int] = (5, 15), lexicon_size: int = 30000) -> list[list[str]]:
    """``n_sentences`` sentences of a synthetic language whose word frequencies follow Zipf's law: the word
    of rank r has probability proportional to 1 / r**exponent (over a lexicon of ``lexicon_size`` words), as
    in real text, so that new words keep appearing however much text one reads.

    Returns
    -------
    list of lists of str: each sentence's words, of length drawn uniformly from ``lengths`` (inclusive).
    """
    if not isinstance(n_sentences, (int, np.integer)) or n_sentences < 1:
        raise ValueError(f"n_sentences must be a whole number ≥ 1; got {n_sentences!r}")
    words = lexicon(lexicon_size)
    p = 1.0 / np.arange(1, len(words) + 1) ** exponent
    p /= p.sum()
    sizes = rng.integers(lengths[0], lengths[1] + 1, size=n_sentences)
    flat = rng.choice(len(words), size=int(sizes.sum()), p=p)
    ends = np.cumsum(sizes)
    return [[words[i] for i in flat[e - s:e]] for s, e in zip(sizes, ends)]


# ---------------------------------------------------------------------------------------------- figures

def plot_notation(words, labels, indices=None, title=None, ax=None):
    """The lecture's notation for one sentence: each word x⟨t⟩ with its position t, its label y⟨t⟩ and,
    if given, its index in the vocabulary.

    Parameters
    ----------
    words : list of str, the T_x words
    labels : sequence of T_x numbers (0 or 1), the named-entity labels
    indices : sequence of T_x ints, optional, each word's index in the vocabulary
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    the Axes.
    """
    words = list(words)
    T = len(words)
    if len(labels) != T or (indices is not None and len(indices) != T):
        raise ValueError(f"words, labels (and indices) must have the same length; got {T}, {len(labels)}"
                         + (f", {len(indices)}" if indices is not None else ""))
    import matplotlib.pyplot as plt

    step = max(1.0, 0.13 * max(len(w) for w in words))  # columns wide enough for the longest word
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.95 * step * T + 1.2), 2.4 if indices is None else 2.9))
    rows = [("$t$", [str(t) for t in range(1, T + 1)]),
            (r"$x^{\langle t \rangle}$", words),
            (r"$y^{\langle t \rangle}$", [str(int(v)) for v in labels])]
    if indices is not None:
        rows.append(("index", [str(int(i)) for i in indices]))
    for r, (head, cells) in enumerate(rows):
        y = len(rows) - r
        ax.text(0.3, y, head, ha="right", va="center", fontsize=12)
        for t, text in enumerate(cells):
            name = r == 2 and int(labels[t]) == 1 or (r == 1 and int(labels[t]) == 1)
            ax.text(step * (1 + t), y, text, ha="center", va="center", fontsize=11,
                    color="#1f4e79" if name else "#222222", weight="bold" if name else "normal",
                    bbox=dict(boxstyle="round,pad=0.25", fc="#dceaf7" if name else "#f4f4f4", ec="none"))
    ax.set_xlim(-0.6, step * T + 0.6)
    ax.set_ylim(0.4, len(rows) + 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_one_hot(x, words, vocabulary, title=None, ax=None):
    """A one-hot sentence as a picture: rows are the vocabulary's words, columns the time steps.

    Parameters
    ----------
    x : array (n_x, T_x), one example's one-hot columns (e.g. ``x[:, 0, :]`` of a batch)
    words : list of T_x str, the words written under the columns
    vocabulary : list of n_x str, the row labels
    title : str, optional
    ax : matplotlib Axes, optional
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape != (len(vocabulary), len(words)):
        raise ValueError(f"x must have shape (len(vocabulary), len(words)) = ({len(vocabulary)}, {len(words)}); "
                         f"got {x.shape}")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.5, 0.55 * len(words) + 2.5), max(3.0, 0.22 * len(vocabulary) + 1.2)))
    ax.imshow(x, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(vocabulary)), labels=[f"{i}: {w}" for i, w in enumerate(vocabulary)], fontsize=8)
    ax.set_xticks(range(len(words)), labels=[f"{w}\nt={t + 1}" for t, w in enumerate(words)], fontsize=8)
    ax.set_ylabel("index in the vocabulary (row of $x^{\\langle t \\rangle}$)")
    ax.set_xlabel("time step t")
    if title:
        ax.set_title(title)
    return ax
