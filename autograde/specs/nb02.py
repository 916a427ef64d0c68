"""Notebook 02, Notation (数学符号): named-entity labels, a vocabulary, indices with <UNK>, one-hot and back.

Inputs are sentences (lists of words) and vocabularies (lists of words): they cross to the student's process
as plain lists of strings. Expected outputs come from the reference; the mistakes below are written here as
the *wrong* answers they give.
"""

from __future__ import annotations

import numpy as np

from autograde.spec import Case, FunctionSpec, Mistake, NotebookSpec, size_label
from autograde.specs._inputs import drawn
from course_utils import nb02

STEM = "02_notation"
UNK, EOS = "<UNK>", "<EOS>"

POINTS = {"shapes": 1, "values": 2, "edge": 1, "unchanged": 1}


def _one_hot(indices: np.ndarray, n: int) -> np.ndarray:
    """(m, T) indices -> (n, m, T) one-hot columns: for making inputs only (02 grades its own one_hot)."""
    return (np.arange(n)[:, None, None] == np.asarray(indices)[None]).astype(np.float64)


def _arrays_differ(out, ref) -> bool:
    return isinstance(out, np.ndarray) and out.shape == ref.shape and not np.array_equal(out, ref)


# ----------------------------------------------------------------------------------- named_entity_labels

def _other_surname(rng, surname=None):
    others = [s for s in nb02.SURNAMES if s != surname]
    return others[rng.integers(len(others))]


def labels_case(rng, size, fns):
    """A sentence whose first name is written in full and is in the list, and whose second name is not in it,
    though a name with the same given name is (a decoy): so that each recognisable mistake shows."""
    given = nb02.GIVEN_NAMES[rng.integers(len(nb02.GIVEN_NAMES))]
    if size.get("one_word"):  # a one-word sentence: its name, or a decoy with the same given name
        words = [given]
        entities = [given] if size["one_word"] == "exact" else [f"{given} {_other_surname(rng)}"]
        return Case(f"T_x=1, {len(entities)} name", {"words": words, "entities": entities})
    if size.get("two_words"):
        surname = _other_surname(rng)
        return Case("T_x=2, 1 name", {"words": [given, surname], "entities": [f"{given} {surname}"]})
    while True:
        (words,), _, (names,) = nb02.ner_sentences(rng, 1, full_share=0.7)
        if len(names) >= 2 and len(names[0].split()) == 2:
            break
    second = names[1].split()
    entities = [names[0], f"{second[0]} {_other_surname(rng, second[-1] if len(second) == 2 else None)}"]
    for _ in range(size.get("extra", 1)):  # names that are not in the sentence
        entities.append(f"{nb02.GIVEN_NAMES[rng.integers(len(nb02.GIVEN_NAMES))]} {_other_surname(rng)}")
    entities = [entities[i] for i in rng.permutation(len(entities))]
    return Case(f"T_x={len(words)}, {len(entities)} names", {"words": words, "entities": entities})


def _word_by_word(case, fns):
    parts = {p for e in case.args["entities"] for p in e.split()}
    return {"": np.array([int(w in parts) for w in case.args["words"]], dtype=np.int64)}


def _first_word_only(case, fns):
    words, y = case.args["words"], np.zeros(len(case.args["words"]), dtype=np.int64)
    for entity in case.args["entities"]:
        parts = entity.split()
        for t in range(len(words) - len(parts) + 1):
            if words[t:t + len(parts)] == parts:
                y[t] = 1
    return {"": y}


named_entity_labels = FunctionSpec(
    name="named_entity_labels",
    make_case=labels_case,
    points=POINTS,
    sizes=(dict(extra=1), dict(extra=2), dict(extra=0), dict(extra=1)),
    edge_sizes=(dict(one_word="exact"), dict(one_word="decoy"), dict(two_words=1)),
    mistakes=(
        Mistake("a word is labelled 1 because it occurs in some name, but a name counts only where all its words "
                "stand together in that order (\"Mary\" in \"Mary Jones\" is not the name \"Mary Smith\").",
                outputs=_word_by_word),
        Mistake("only the first word of each name is labelled: every word of a name gets y⟨t⟩ = 1 "
                "(\"Harry Potter\" gives 1 1).", outputs=_first_word_only),
    ),
)


# -------------------------------------------------------------------------------------- build_vocabulary

def vocabulary_case(rng, size, fns):
    if size.get("tiny"):
        sentences = [[nb02.lexicon(600)[rng.integers(600)]]]
    else:
        sentences = nb02.zipf_corpus(rng, size["sentences"], lengths=(3, 9), lexicon_size=600)
    args = {"sentences": sentences, "min_count": size["min_count"], "max_size": size.get("max_size")}
    label = "m=1 sentence of T_x=1 word, " + size_label(dict(size, tiny=None)) if size.get("tiny") else size_label(size)
    return Case(label.replace(", tiny=None", "").replace("tiny=None, ", ""), args)


def _counts(sentences):
    counts: dict[str, int] = {}
    for s in sentences:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    return counts


def _vocabulary_with(order=None, threshold=0, room=0, specials=(UNK, EOS), at_end=False):
    """A wrong vocabulary: another order, a cut-off moved by ``threshold``, ``room`` more words."""

    def outputs(case, fns):
        a = case.args
        counts = _counts(a["sentences"])
        kept = [w for w, c in counts.items() if c >= a["min_count"] + threshold and w not in (UNK, EOS)]
        kept.sort(key=order or (lambda w: (-counts[w], w)))
        if a["max_size"] is not None:
            kept = kept[:max(0, a["max_size"] - 2 + room)]
        return {"": kept + list(specials) if at_end else list(specials) + kept}

    return outputs


build_vocabulary = FunctionSpec(
    name="build_vocabulary",
    make_case=vocabulary_case,
    points={"shapes": 1, "values": 3, "edge": 1, "unchanged": 1},
    sizes=(dict(sentences=40, min_count=1), dict(sentences=60, min_count=2), dict(sentences=80, min_count=2, max_size=25),
           dict(sentences=30, min_count=3, max_size=12)),
    edge_sizes=(dict(tiny=1, min_count=1), dict(tiny=1, min_count=2), dict(sentences=20, min_count=1, max_size=2)),
    mistakes=(
        Mistake("the cut-off keeps only words seen more than min_count times: a word seen exactly min_count times "
                "is kept (count >= min_count).", outputs=_vocabulary_with(threshold=1)),
        Mistake("max_size counts the whole vocabulary, the two special tokens included: keep max_size - 2 words.",
                outputs=_vocabulary_with(room=2)),
        Mistake("\"<UNK>\" (index 0) and \"<EOS>\" (index 1) come first, before the words.",
                outputs=_vocabulary_with(at_end=True)),
        Mistake("the special tokens are missing: the vocabulary starts with \"<UNK>\", \"<EOS>\".",
                outputs=_vocabulary_with(specials=())),
        Mistake("the right words, in the wrong order: most frequent first, and words with the same count in "
                "alphabetical order (sort by the key (-count, word)), so that the order is the same on every run.",
                when=lambda out, ref, case: isinstance(out, list) and out != ref and sorted(map(str, out)) == sorted(ref)),
    ),
)


# ------------------------------------------------------------------------------------------------- encode

def _vocabulary_for(rng, sentences, n_known, shuffle):
    words = sorted({w for s in sentences for w in s})
    known = [words[i] for i in sorted(rng.permutation(len(words))[:n_known])]
    vocab = [UNK, EOS] + known + ["zyzzyva"]  # a word that no sentence has
    if shuffle:  # "<UNK>" anywhere but at index 0, so that assuming index 0 shows
        vocab = [vocab[i] for i in rng.permutation(len(vocab))]
        if vocab[0] == UNK:
            vocab[0], vocab[-1] = vocab[-1], vocab[0]
    return vocab


def encode_case(rng, size, fns):
    m, T = size["m"], size.get("T_x")
    if T is None:
        sentences = nb02.zipf_corpus(rng, m, lengths=(2, 8), lexicon_size=600)
    else:
        sentences = nb02.zipf_corpus(rng, m, lengths=(T, T), lexicon_size=600)
    n_words = len({w for s in sentences for w in s})
    # fewer known words than words, so that every case has an unknown one
    vocab = _vocabulary_for(rng, sentences, min(n_words - 1, int(n_words * size.get("known", 0.7))),
                            size.get("shuffle", True))
    return Case(size_label(size), {"sentences": sentences, "vocabulary": vocab, "add_eos": size["add_eos"]})


def _encoded_with(shift=0, unk=None, drop_unknown=False, eos=True):
    def outputs(case, fns):
        a = case.args
        index = {w: i + shift for i, w in enumerate(a["vocabulary"])}
        out = []
        for s in a["sentences"]:
            row = [index[w] if w in index else (unk if unk is not None else index[UNK]) for w in s
                   if w in index or not drop_unknown]
            if a["add_eos"] and eos:
                row.append(index[EOS])
            out.append(row)
        return {"": out}

    return outputs


encode = FunctionSpec(
    name="encode",
    make_case=encode_case,
    points=POINTS,
    sizes=(dict(m=4, add_eos=False), dict(m=5, add_eos=True), dict(m=3, add_eos=True, known=0.4),
           dict(m=4, add_eos=False, shuffle=False)),
    edge_sizes=(dict(m=1, T_x=1, add_eos=False, known=0.0), dict(m=1, T_x=1, add_eos=True), dict(m=3, T_x=1, add_eos=True)),
    mistakes=(
        Mistake("the indices are one too large: a word's index is its position in the vocabulary counting from 0 "
                "(the lecture's dictionary counts from 1; Python lists from 0).", outputs=_encoded_with(shift=1)),
        Mistake("words that are not in the vocabulary are left out: each must become the index of \"<UNK>\", "
                "so that the sentence keeps its length.", outputs=_encoded_with(drop_unknown=True)),
        Mistake("unknown words get index 0, but \"<UNK>\" is not always at index 0: look its index up in the "
                "vocabulary.", outputs=_encoded_with(unk=0)),
        Mistake("with add_eos=True every sentence's indices end with the index of \"<EOS>\".",
                outputs=_encoded_with(eos=False)),
    ),
    unchanged_hint="build a new list for each sentence instead of appending \"<EOS>\" to the sentence itself",
)


# ------------------------------------------------------------------------------------------------ one_hot

def one_hot_case(rng, size, fns):
    size = drawn(rng, size)
    m, T, n = size["m"], size["T_x"], size["n_x"]
    indices = np.array(size["indices"]) if "indices" in size else rng.integers(0, n, size=(m, T))
    return Case(size_label({k: v for k, v in size.items() if k != "indices"}), {"indices": indices, "n_x": n})


def _examples_first(case, fns):
    x = _one_hot(case.args["indices"], case.args["n_x"])
    return {"": np.transpose(x, (1, 0, 2))}


one_hot = FunctionSpec(
    name="one_hot",
    make_case=one_hot_case,
    points=POINTS,
    sizes=(dict(n_x=6, m=4, T_x=5), dict(n_x=10, m=3, T_x=7), dict(n_x=4, m=5, T_x=4)),
    # where nothing else is left to draw (one word; given indices), sizes are drawn: no hidden case is a visible one
    edge_sizes=(dict(n_x=5, m=1, T_x=1), dict(n_x=1, m=(2, 6), T_x=(2, 6)),
                dict(n_x=(3, 9), m=2, T_x=1, indices=((0,), (0,)))),
    mistakes=(
        Mistake("the axes are in the order (m, n_x, T_x): the course's layout is (n_x, m, T_x), one column "
                "x[:, i, t] per example and time step.",
                when=lambda out, ref, case: isinstance(out, np.ndarray) and out.ndim == 3
                and out.shape == (ref.shape[1], ref.shape[0], ref.shape[2]) and out.shape != ref.shape),
        Mistake("the 1 is one row too low: row k of x⟨t⟩ stands for the word of index k, counting from 0.",
                when=lambda out, ref, case: isinstance(out, np.ndarray) and out.shape == ref.shape
                and np.array_equal(out[1:], ref[:-1]) and not np.array_equal(out, ref)),
    ),
)


# ------------------------------------------------------------------------------------------------- decode

def decode_case(rng, size, fns):
    m, T, n_words = size["m"], size["T_x"], size["n_words"]
    vocab = [UNK, EOS] + sorted(set(nb02.lexicon(600)[i] for i in rng.permutation(600)[:n_words]))
    vocab = [vocab[i] for i in rng.permutation(len(vocab))] if size.get("shuffle", True) else vocab
    eos = vocab.index(EOS)
    others = [i for i in range(len(vocab)) if i != eos]
    indices = np.array(others)[rng.integers(0, len(others), size=(m, T))]
    for i in range(m):
        if rng.random() < size.get("p_eos", 0.6):
            # the sentence ends; <EOS> fills what is left, and something follows the first <EOS> when T_x > 1
            # (another <EOS>, or a word), so that keeping <EOS> and reading past it give different answers
            start = rng.integers(0, T - 1) if T > 1 else 0
            indices[i, start:] = eos
            if rng.random() < 0.5 and start < T - 1:
                indices[i, -1] = others[0]  # something after <EOS> is ignored too (never the <EOS> itself)
    return Case(size_label(size), {"x": _one_hot(indices, len(vocab)), "vocabulary": vocab})


def _decoded_with(stop=True, keep_eos=False, axis=0):
    def outputs(case, fns):
        x, vocab = case.args["x"], case.args["vocabulary"]
        idx = np.argmax(x, axis=axis)
        idx = idx if axis == 0 else idx.T
        out = []
        for row in idx:
            words = []
            for i in row:
                if vocab[i] == EOS and stop:
                    if keep_eos:
                        words.append(EOS)
                    break
                words.append(vocab[i])
            out.append(words)
        return {"": out}

    return outputs


decode = FunctionSpec(
    name="decode",
    make_case=decode_case,
    points=POINTS,
    sizes=(dict(n_words=8, m=4, T_x=6), dict(n_words=12, m=3, T_x=8, p_eos=1.0), dict(n_words=5, m=5, T_x=4)),
    edge_sizes=(dict(n_words=3, m=1, T_x=1, p_eos=0.0), dict(n_words=1, m=3, T_x=1), dict(n_words=4, m=1, T_x=3, p_eos=1.0)),
    mistakes=(
        Mistake("the words after \"<EOS>\" are kept: a sentence ends at its first \"<EOS>\".",
                outputs=_decoded_with(stop=False)),
        Mistake("\"<EOS>\" itself is kept: read the words up to the first \"<EOS>\", without it.",
                outputs=_decoded_with(keep_eos=True)),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(named_entity_labels, build_vocabulary, encode, one_hot, decode),
)
