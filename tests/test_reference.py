"""The reference solution and the checks themselves: the reference passes its own gradient checks, and
the checks are able to fail."""

from __future__ import annotations

import numpy as np
import pytest

from autograde import reference, specs, wire
from autograde.checks import _gradient_output, judge
from autograde.spec import HIDDEN_SEED, VISIBLE_SEED
from course_utils.gradcheck import relative_error

FUNCTIONS = [(stem, f.name) for stem, nb in specs.all_specs().items() for f in nb.functions]


def honest(prep):
    return [{"outputs": wire.copy(e), "args_after": wire.copy(c.args), "error": None, "not_implemented": False}
            for e, c in zip(prep.expected, prep.cases)]


@pytest.mark.parametrize("stem, name", [(s, n) for s, n in FUNCTIONS
                                         if specs.get(s).function(n).gradient or specs.get(s).function(n).distribution])
def test_reference_passes_the_checks_that_do_not_compare_it_with_itself(stem, name):
    """(Shapes, values and unchanged inputs compare the reference with itself and pass by construction; the
    gradient check compares it with finite differences and the distribution check with a test.)"""
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    checks = {c.name: c for c in judge(prep, honest(prep)).checks}
    for name_ in ("gradient check", "distribution of random outputs"):
        assert name_ not in checks or checks[name_].passed, checks[name_].message


@pytest.mark.parametrize("stem, name", [(s, n) for s, n in FUNCTIONS if specs.get(s).function(n).gradient])
def test_reference_gradients_match_finite_differences(stem, name):
    prep = reference.prepare(stem, name, HIDDEN_SEED)
    fspec = prep.spec
    checked = set()  # keys with a nonzero gradient in some case (one may be zero by design, e.g. dWf at T_x = 1)
    for expected, numeric in zip(prep.expected, prep.numeric):
        for key, num in numeric.items():
            got = _gradient_output(expected, key, fspec)  # a key may name a nested entry: layers[1].dWaa
            if np.linalg.norm(num) > 0:
                checked.add(key)
            assert relative_error(got, num) < 1e-7, key
    assert checked == set(prep.numeric[0]), f"{set(prep.numeric[0]) - checked}: a zero gradient checks nothing"


# (that every check can fail, for many seeds of hidden inputs: tests/test_seeds.py)


@pytest.mark.parametrize("stem, name", FUNCTIONS)
def test_cases_are_reproducible_and_hidden_differ_from_visible(stem, name):
    nb = specs.get(stem)
    fns = reference.functions(nb)
    a = nb.function(name).cases(HIDDEN_SEED, fns, stem)
    b = nb.function(name).cases(HIDDEN_SEED, fns, stem)
    v = nb.function(name).cases(VISIBLE_SEED, fns, stem)
    assert wire.dumps([c.args for c in a]) == wire.dumps([c.args for c in b])
    assert wire.dumps([c.args for c in a]) != wire.dumps([c.args for c in v])
    sizes = [c.label for c in a if c.edge]
    # functions without a batch dimension (one example, a sentence, a set of sizes) have other edge sizes
    no_batch = ("numerical_gradient", "softmax", "compact_parameters", "clip_by_value", "clip_by_global_norm", "sample",
                "sample_words",
                "parameter_counts", "named_entity_labels")
    assert any("m=1" in s for s in sizes) or name in no_batch


def test_edge_sizes_cover_m1_T1_n1():
    for nb in specs.all_specs().values():
        for f in nb.functions:
            edges = f.edge_sizes
            if "T_x" in edges[0] and "m" in edges[0]:
                assert any(e["m"] == 1 for e in edges) and any(e["T_x"] == 1 for e in edges)
                # one of the sizes n_x, n_a, n_y... is 1 in some edge case (when the function has such sizes)
                smallest = [_smallest_size(e) for e in edges if _smallest_size(e) is not None]
                assert not smallest or 1 in smallest, f.name


def _smallest_size(size: dict) -> int | None:
    """The smallest of a case's vector sizes (None if it has none); n_a may list a stack's layer sizes (12)."""
    values = [v for k, v in size.items() if k.startswith("n_")]
    flat = [v for x in values for v in (x if isinstance(x, (tuple, list)) else (x,))]
    return min(flat) if flat else None
