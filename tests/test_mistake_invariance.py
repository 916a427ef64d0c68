"""A mistake costs the same in every class: mistakes that no test names — mechanical mutations of every graded
function's solution cell (benchmarks/mistake_invariance.py) — score the same under five secrets."""

from __future__ import annotations

import os
import sys

import pytest

import conftest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import mistake_invariance as mi  # noqa: E402

STEMS = conftest.STEMS
# the session's secrets (a fixed one, two fresh), and two more drawn for this run: five in all
SECRETS = (conftest.SECRETS + tuple(os.urandom(16).hex() for _ in range(5)))[:5]


@pytest.mark.parametrize("stem", STEMS)
def test_every_mutant_costs_the_same_under_five_secrets(stem, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_SECRET", os.environ["AUTOGRADE_SECRET"])  # restored after the test (score() sets it)
    varying, lose = [], 0
    mutants = [(name, label, mutated) for name, source in mi.solution_cells(stem).items()
               for label, mutated in mi.mutants(source, per_operator=1)]
    assert len(mutants) >= 3
    for name, label, mutated in mutants:
        results = [mi.score(stem, name, mutated, s) for s in SECRETS]
        lose += results[0][0] < conftest.specs_max(stem, name)
        if len(set(results)) > 1:
            varying.append((name, label, results))
    assert not varying, (f"secrets: AUTOGRADE_TEST_SECRETS={','.join(SECRETS)}", varying)
    assert lose > 0  # the mutants are mistakes: most lose points
