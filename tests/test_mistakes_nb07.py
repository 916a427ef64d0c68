"""Notebook 07's plausible mistakes (sampling): each caught once, charged to its own function, explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S07 = "07_sampling_novel_sequences"
DRAW = "index = int(rng.choice(n_y, p=p.ravel()))"
STOP = """        indices.append(index)
        if index == eos_index:
            break
"""

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("sample-argmax", S07, "sample", DRAW, "index = int(np.argmax(p))",
     {"shapes and dtypes", "values", "values at edge sizes", "distribution of random outputs"}, "(argmax)"),
    ("sample-temperature-after-softmax", S07, "sample", "z = (Wya @ a_prev + by) / temperature\n        p = np.exp(z - np.max(z))\n        p = p / np.sum(p)",
     "z = Wya @ a_prev + by\n        p = np.exp(z - np.max(z))\n        p = p / np.sum(p) / temperature\n        p = p / np.sum(p)",
     {"shapes and dtypes", "values", "distribution of random outputs"}, "BEFORE the softmax"),
    ("sample-eos-not-appended", S07, "sample", STOP, """        if index == eos_index:
            break
        indices.append(index)
""", {"shapes and dtypes", "values", "values at edge sizes", "inputs left unchanged"}, "append eos_index"),
    # (one case gives an empty list, which the grader takes as no answer: every check of that case fails)
    ("sample-not-stopped", S07, "sample", STOP, "        indices.append(index)\n",
     {"shapes and dtypes", "values", "values at edge sizes"}, "stop as soon as"),
    ("sample-other-draws", S07, "sample", DRAW, "index = int(np.argmax(rng.multinomial(1, p.ravel())))",
     {"shapes and dtypes", "values", "values at edge sizes"}, "exactly one rng.choice"),
    ("sample-mutates-parameters", S07, "sample", "a_prev = np.tanh(Waa @ a_prev + Wax @ x + ba)",
     "Waa *= 1.0 + 1e-12\n        a_prev = np.tanh(Waa @ a_prev + Wax @ x + ba)",
     {"inputs left unchanged"}, "do not change the parameters"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
