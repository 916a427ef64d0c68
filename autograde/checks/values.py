"""The value checks: every output ``allclose`` to the reference's, on the typical sizes ("values") and on
the edge sizes ("values at edge sizes"), with a hint where the mistake is recognisable."""

from __future__ import annotations

from typing import Any

from autograde.checks.base import Check, Judged, Seen, Verdict, settle
from autograde.checks.compare import _values_text
from autograde.checks.gradients import _not_analytic, analytic_bound
from autograde.checks.hints import _hint_for
from autograde.checks.prepared import Prepared
from autograde.spec import Case


class ValuesCheck(Check):
    id = "values"
    edge = False  # which cases it sees: those of the edge sizes, or the others

    def __init__(self, prep: Prepared) -> None:
        super().__init__(prep)
        self.wrong: list[tuple[int, Any, list]] = []  # (case index, output, failing leaves): for the hint
        self.analytic = analytic_bound(prep)

    def takes(self, case: Case) -> bool:
        return bool(case.edge) == self.edge

    def observe(self, seen: Seen) -> None:
        if seen.error:
            self.fail(seen, seen.error)
        elif seen.values:
            self.fail(seen, _values_text(seen.values, seen.failing))
            if seen.answered:
                self.wrong.append((seen.index, seen.out, seen.failing))
        elif seen.gradients and self.analytic is not None:
            # right values, but gradients further from the reference's than backpropagation ever is
            far = [(g.label, g.err_ref) for g in seen.gradients if self.analytic < g.err_ref < 1e-4]
            if far:
                label, err_ref = max(far, key=lambda t: t[1])
                self.fail(seen, _not_analytic(label, err_ref, self.analytic, self.prep.hidden))

    def verdict(self, judged: Judged) -> Verdict:
        n = sum(bool(c.edge) == self.edge for c in self.prep.cases)
        ok = f"matches the reference solution on {_inputs(n)}"
        if not self.wrong:
            return settle(self.problems, ok)
        # the hint weighs the wrong answers of every value check of the function (see _hint_for)
        every_wrong = [w for check in judged.checks if isinstance(check, ValuesCheck) for w in check.wrong]
        return settle(self.problems, ok, _hint_for(self.prep, self.wrong, judged.answered, every_wrong))


class EdgeValuesCheck(ValuesCheck):
    id = "edge"
    edge = True


def _inputs(n: int) -> str:
    return {1: "the one input", 2: "both inputs"}.get(n, f"all {n} inputs")
