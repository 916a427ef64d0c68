"""The check "distribution of random outputs": on the cases marked ``context["distribution"]``, the spec's
test finds the output consistent with the reference's distribution."""

from __future__ import annotations

from autograde.checks.base import Check, Seen
from autograde.spec import Case


class DistributionCheck(Check):
    id = "distribution"
    ok = "the outputs follow the reference's distribution"

    def takes(self, case: Case) -> bool:
        return bool(case.context.get("distribution"))

    def observe(self, seen: Seen) -> None:
        if seen.error:
            self.fail(seen, seen.error)
        elif seen.answered:  # (an answer with nothing usable fails the other checks, not this one)
            self.inspect(seen)

    def inspect(self, seen: Seen) -> None:
        try:
            wrong = self.prep.spec.distribution(seen.out, self.prep.expected[seen.index], seen.case)
        except Exception as exc:  # noqa: BLE001 - an output of the wrong kind cannot be tested
            wrong = f"the output could not be tested ({type(exc).__name__})"
        if wrong:
            self.fail(seen, wrong)
