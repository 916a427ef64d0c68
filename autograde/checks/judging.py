"""``judge``: one function's results, check by check, with the checks registered in :data:`REGISTRY`."""

from __future__ import annotations

from autograde.calls import NOT_IMPLEMENTED
from autograde.checks.base import Check, Judged, see
from autograde.checks.distribution import DistributionCheck
from autograde.checks.gradients import GradientCheck
from autograde.checks.prepared import Prepared
from autograde.checks.redact import redacting
from autograde.checks.shapes import ShapesCheck
from autograde.checks.unchanged import UnchangedCheck
from autograde.checks.values import EdgeValuesCheck, ValuesCheck
from autograde.results import CheckResult, FunctionResult, Status
from autograde.spec import CHECKS

# every kind of check, by its id in autograde.spec.CHECKS (which gives its name and the order of the report)
REGISTRY: dict[str, type[Check]] = {
    "shapes": ShapesCheck,
    "values": ValuesCheck,
    "edge": EdgeValuesCheck,
    "gradients": GradientCheck,
    "distribution": DistributionCheck,
    "unchanged": UnchangedCheck,
}


def judge(prep: Prepared, results: list[dict] | str) -> FunctionResult:
    """Score one function: ``results`` are :func:`autograde.calls.call_case` dicts, one per case, or a
    string saying why none came back (timed out, crashed...)."""
    spec = prep.spec
    ids = [c for c in CHECKS if c in spec.points]
    missing = _no_answer(prep, results)
    if missing is not None:
        message, status = missing
        return FunctionResult(spec.name, [CheckResult(CHECKS[c], False, message, float(spec.points[c])) for c in ids],
                              status)

    checks = [REGISTRY[c](prep) for c in ids]
    seen = []
    for i, result in enumerate(results):
        case = prep.cases[i]
        # every message about the case, redacted
        with redacting(prep.hidden, case.args, prep.expected[i], case.label):
            seen.append(see(prep, i, result))
            for check in checks:
                if check.takes(case):
                    check.observe(seen[-1])
    judged = Judged(seen, checks)
    # verdicts and hints weigh every case: they are written under the redaction of all the cases together (a
    # hidden case's hint names no ratio or size the student's output chose)
    with redacting(prep.hidden, [c.args for c in prep.cases], prep.expected, ", ".join(c.label for c in prep.cases)):
        verdicts = [check.verdict(judged) for check in checks]
    return FunctionResult(spec.name, [CheckResult(CHECKS[c.id], v.passed, v.message, float(spec.points[c.id]), v.hint)
                                      for c, v in zip(checks, verdicts)],
                          Status.RAISED if any(s.error for s in seen) else Status.ANSWERED)


def _no_answer(prep: Prepared, results: list[dict] | str) -> tuple[str, Status] | None:
    """(why, the function's status) when there is nothing to judge: no results, not one per case, or every
    case not implemented."""
    if isinstance(results, str):
        return results, Status.NO_ANSWER
    if len(results) != len(prep.cases):
        return (f"the function was called on {len(prep.cases)} inputs but {len(results)} results came back",
                Status.NO_ANSWER)
    if all(r.get("not_implemented") for r in results):
        return NOT_IMPLEMENTED, Status.NOT_IMPLEMENTED
    return None
