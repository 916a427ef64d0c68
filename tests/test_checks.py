"""The checks' registry: every check of spec.CHECKS has its class, and a check added there is judged."""

from __future__ import annotations

import dataclasses

from autograde import reference
from autograde.checks import REGISTRY, Check, Seen, judge
from autograde.spec import CHECKS, HIDDEN_SEED

S03 = "03_recurrent_neural_network"


def test_every_check_has_one_class_under_its_id():
    assert list(REGISTRY) == list(CHECKS)
    assert all(issubclass(cls, Check) and cls.id == key for key, cls in REGISTRY.items())


def _answers(prep):
    return [{"outputs": prep.expected[i],
             "args_after": case.args, "error": None, "not_implemented": False}
            for i, case in enumerate(prep.cases)]


def test_a_check_added_by_one_class_and_one_registry_line_is_judged(monkeypatch):
    class Positive(Check):
        """A toy check: the first output is never negative."""
        id = "positive"
        ok = "never negative"

        def inspect(self, seen: Seen) -> None:
            if (seen.out[0] < 0).any():
                self.fail(seen, "a_next has a negative entry")

    monkeypatch.setitem(CHECKS, "positive", "no negative output")
    monkeypatch.setitem(REGISTRY, "positive", Positive)
    prep = reference.prepare(S03, "rnn_cell_forward", HIDDEN_SEED)
    prep = dataclasses.replace(prep, spec=dataclasses.replace(prep.spec, points={**prep.spec.points, "positive": 2}))
    names = [c.name for c in judge(prep, _answers(prep)).checks]
    assert names == [CHECKS[c] for c in CHECKS if c in prep.spec.points]  # in the order of spec.CHECKS
    right = judge(prep, _answers(prep)).checks[-1]  # tanh has negative values: the toy check fails
    assert not right.passed and right.points == 2.0 and right.message.startswith("a_next has a negative entry (inputs: ")
    shifted = [{**r, "outputs": (abs(r["outputs"][0]),) + r["outputs"][1:]} for r in _answers(prep)]
    result = judge(prep, shifted)
    assert result.checks[-1].passed and result.checks[-1].message == "never negative"
    assert not result.checks[names.index(CHECKS["values"])].passed  # the other checks see the same answers
