"""Notebook 02's plausible mistakes: each is caught, charged to its own function only, and explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S02 = "02_notation"
VALUES = {"values", "values at edge sizes"}
LENGTHS = {"shapes and dtypes", "values", "values at edge sizes"}  # lists of the wrong length

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("labels-word-by-word", S02, "named_entity_labels",
     "        for t in range(len(words) - n + 1):\n            if n and list(words[t:t + n]) == parts:\n"
     "                y[t:t + n] = 1",
     "        for t, word in enumerate(words):\n            if word in parts:\n                y[t] = 1",
     VALUES, "all its words stand together"),
    ("labels-first-word-only", S02, "named_entity_labels", "y[t:t + n] = 1", "y[t] = 1",
     VALUES, "only the first word of each name"),
    ("labels-float", S02, "named_entity_labels", "y[t:t + n] = 1", "y = y.astype(float); y[t:t + n] = 1",
     {"shapes and dtypes"}, "dtype float64, expected int64"),
    ("vocabulary-cut-off-strict", S02, "build_vocabulary", "count >= min_count", "count > min_count",
     LENGTHS, "a word seen exactly min_count times is kept"),
    ("vocabulary-max-size-without-specials", S02, "build_vocabulary", "kept[:max_size - 2]", "kept[:max_size]",
     LENGTHS, "special tokens included"),
    ("vocabulary-no-specials", S02, "build_vocabulary", "vocabulary = [UNK, EOS] + kept", "vocabulary = kept",
     LENGTHS | {"inputs left unchanged"}, "the special tokens are missing"),
    ("vocabulary-ties-unordered", S02, "build_vocabulary", "key=lambda word: (-counts[word], word)",
     "key=lambda word: -counts[word]", {"values"}, "alphabetical order"),
    ("encode-off-by-one", S02, "encode", "index = {word: i for i, word in enumerate(vocabulary)}",
     "index = {word: i + 1 for i, word in enumerate(vocabulary)}", VALUES, "one too large"),
    ("encode-unknown-dropped", S02, "encode", "row = [index.get(word, unk) for word in sentence]",
     "row = [index[word] for word in sentence if word in index]",
     LENGTHS | {"inputs left unchanged"}, "must become the index of \"<UNK>\""),
    ("encode-unk-assumed-zero", S02, "encode", "row = [index.get(word, unk) for word in sentence]",
     "row = [index.get(word, 0) for word in sentence]", VALUES, "is not always at index 0"),
    ("encode-eos-in-place", S02, "encode",
     "        row = [index.get(word, unk) for word in sentence]\n        if add_eos:\n            row.append(index[EOS])",
     "        if add_eos:\n            sentence.append(EOS)\n        row = [index.get(word, unk) for word in sentence]",
     {"inputs left unchanged"}, "instead of appending"),
    ("one-hot-examples-first", S02, "one_hot",
     "    x = np.zeros((n_x, m, T_x))\n    x[indices, np.arange(m)[:, None], np.arange(T_x)[None, :]] = 1.0",
     "    x = np.zeros((m, n_x, T_x))\n    x[np.arange(m)[:, None], indices, np.arange(T_x)[None, :]] = 1.0",
     {"shapes and dtypes", "values", "values at edge sizes"}, "(m, n_x, T_x)"),
    ("one-hot-int", S02, "one_hot", "x = np.zeros((n_x, m, T_x))", "x = np.zeros((n_x, m, T_x), dtype=int)",
     {"shapes and dtypes"}, "dtype int64, expected float64"),
    ("decode-past-eos", S02, "decode", "            if vocabulary[k] == EOS:\n                break\n", "",
     LENGTHS, "a sentence ends at its first"),
    ("decode-keeps-eos", S02, "decode", "            if vocabulary[k] == EOS:\n                break\n            words.append(vocabulary[k])",
     "            words.append(vocabulary[k])\n            if vocabulary[k] == EOS:\n                break",
     LENGTHS, "itself is kept"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
