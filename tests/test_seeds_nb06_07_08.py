"""The reference of notebooks 06, 07 and 08 passes every check for many seeds of the hidden inputs."""

from __future__ import annotations

import pytest

from autograde import reference, specs, wire
from autograde.checks import judge

STEMS = ("06_language_model", "07_sampling_novel_sequences", "08_vanishing_gradients")
FUNCTIONS = [(stem, f.name) for stem in STEMS for f in specs.get(stem).functions]


@pytest.mark.parametrize("stem, name", FUNCTIONS)
def test_the_reference_passes_every_check_for_many_seeds(stem, name):
    for seed in [17, 73, 141] + list(range(1000, 1020)):
        prep = reference.prepare(stem, name, seed)
        results = [{"outputs": o, "args_after": wire.copy(c.args), "error": None, "not_implemented": False}
                   for o, c in zip(prep.expected, prep.cases)]
        result = judge(prep, results)
        failed = [f"{c.name}: {c.message}" for c in result.checks if not c.passed]
        assert not failed, (seed, failed)
