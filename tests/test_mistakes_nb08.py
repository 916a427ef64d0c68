"""Notebook 08's plausible mistakes (gradient clipping): each caught once, charged to its own function, explained."""

from __future__ import annotations

import pytest

from conftest import assert_mistake_caught_once

S08 = "08_vanishing_gradients"

# (id, stem, function, old text, new text, checks that must fail, text the feedback must contain)
MISTAKES = [
    ("value-clip-in-place", S08, "clip_by_value",
     "clipped = {key: np.clip(g, -max_value, max_value) for key, g in gradients.items()}",
     "clipped = {key: np.clip(g, -max_value, max_value, out=g) for key, g in gradients.items()}",
     {"inputs left unchanged"}, "instead of clipping the given ones in place"),
    ("value-clip-one-sided", S08, "clip_by_value", "np.clip(g, -max_value, max_value)", "np.minimum(g, max_value)",
     {"values", "values at edge sizes"}, "every entry must lie in [-max_value, max_value]"),
    ("norm-clip-per-array", S08, "clip_by_global_norm",
     "clipped = {key: g * scale for key, g in gradients.items()}",
     "clipped = {key: g * min(1.0, max_norm / np.linalg.norm(g)) for key, g in gradients.items()}",
     {"values", "values at edge sizes"}, "ONE norm over all entries"),
    ("norm-clip-in-place", S08, "clip_by_global_norm",
     "clipped = {key: g * scale for key, g in gradients.items()}",
     "for g in gradients.values():\n        g *= scale\n    clipped = {key: g.copy() for key, g in gradients.items()}",
     {"inputs left unchanged"}, "instead of scaling the given ones in place"),
    ("norm-squared", S08, "clip_by_global_norm",
     "norm = float(np.sqrt(sum(np.sum(g**2) for g in gradients.values())))",
     "norm = float(sum(np.sum(g**2) for g in gradients.values()))",
     {"values", "values at edge sizes"}, "take its square root"),
    ("norm-after-clipping", S08, "clip_by_global_norm",
     "    ### END SOLUTION\n    return clipped, norm",
     "    norm = float(np.sqrt(sum(np.sum(g**2) for g in clipped.values())))\n    ### END SOLUTION\n    return clipped, norm",
     {"values", "values at edge sizes"}, "before clipping"),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_once_with_feedback(grader, tmp_path, case, each_secret):
    assert_mistake_caught_once(grader, tmp_path, case)
