"""The hidden inputs of every notebook, for many seeds: what each seed's cases must give, checked against
something other than the reference itself (the reference always agrees with itself).

- The reference runs on every case (a case it cannot take is a broken spec, not a student's mistake).
- Its gradients agree with finite differences of the forward pass: the gradient check has a true answer, and
  the floor it allows a student (ten times the reference's own error) stays far below a real mistake's error.
- Its sampler's token frequencies agree with the softmax of the model: the distribution check has a true answer.
- Every check is able to fail on every seed: outputs off by 1 % fail the values on typical and edge sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograde import reference, specs, wire
from autograde.checks import _gradient_output, judge
from course_utils.gradcheck import relative_error

SEEDS = [17, 73, 141] + list(range(1000, 1009))
FUNCTIONS = [(stem, f.name) for stem, nb in specs.all_specs().items() for f in nb.functions]


def _nudged(v):
    """Every float off by 1 %, every integer by 1, every string changed."""
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return v * 1.01 + 1e-3
    if isinstance(v, np.ndarray) and v.dtype.kind in "iu":
        return v + 1
    if isinstance(v, float):
        return v * 1.01 + 1e-3
    if isinstance(v, int) and not isinstance(v, bool):
        return v + 1
    if isinstance(v, str):
        return v + "~"
    if isinstance(v, (tuple, list)):
        return type(v)(_nudged(x) for x in v)
    if isinstance(v, dict):
        return {k: _nudged(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize("stem, name", FUNCTIONS, ids=[n for _, n in FUNCTIONS])
def test_every_seed_gives_cases_with_true_answers_that_the_checks_can_miss(stem, name):
    for seed in SEEDS:
        prep = reference.prepare(stem, name, seed)  # raises CourseError if the reference cannot take a case
        fspec = prep.spec
        if fspec.gradient is not None:
            for expected, numeric in zip(prep.expected, prep.numeric):
                for key, num in numeric.items():
                    got = _gradient_output(expected, key, fspec)
                    # (the check forgives a student what the reference itself misses by, times ten: a reference
                    # far from its finite differences would make the check toothless)
                    assert relative_error(got, num) < 1e-5, (seed, key, relative_error(got, num))
        off = [{"outputs": _nudged(wire.copy(e)), "args_after": wire.copy(c.args), "error": None,
                "not_implemented": False} for e, c in zip(prep.expected, prep.cases)]
        failed = {c.name for c in judge(prep, off).checks if not c.passed}
        assert {"values", "values at edge sizes"} <= failed, (seed, failed)
        assert ("gradient check" in failed) == (fspec.gradient is not None), (seed, failed)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_sampler_follows_the_softmax_of_its_model(seed):
    """On the memoryless case (Waa = Wax = 0: every a⟨t⟩ = tanh(ba), every step draws from the same
    softmax((Wya tanh(ba) + by) / temperature)), the reference's
    token frequencies agree with those probabilities (chi-square goodness of fit, far from the edge)."""
    stem = "07_sampling_novel_sequences"
    prep = reference.prepare(stem, "sample", seed)
    (i,) = [i for i, c in enumerate(prep.cases) if c.context.get("distribution")]
    case, tokens = prep.cases[i], np.asarray(prep.expected[i])
    params, temperature = case.args["parameters"], case.args["temperature"]
    assert not params["Waa"].any() and not params["Wax"].any()  # what makes the case memoryless
    z = (params["Wya"] @ np.tanh(params["ba"]) + params["by"]).ravel() / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    counts = np.bincount(tokens, minlength=len(p))
    expected = p * len(tokens)
    seen = expected > 5  # the classes the test can judge
    chi2 = float(np.sum((counts[seen] - expected[seen]) ** 2 / expected[seen]))
    df = max(int(seen.sum()) - 1, 1)
    assert chi2 < df + 6 * np.sqrt(2 * df), (chi2, df)  # about 6 standard deviations above the mean
    assert counts[~seen].sum() <= max(10, 3 * expected[~seen].sum())
