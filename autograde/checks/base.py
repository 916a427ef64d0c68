"""What every check shares: one case as the checks see it (:class:`Seen`), and the protocol of a check.

A check is a small class (see :class:`Check`): :func:`autograde.checks.judge` makes one of each kind the
spec gives points for, shows it every case it :meth:`~Check.takes` (compared with the reference once, for
all of them), then asks for its :meth:`~Check.verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np

from autograde.checks.compare import _answered, _gradient_output, _leaves, _value_problems
from autograde.checks.prepared import Prepared
from autograde.spec import Case
from course_utils.gradcheck import relative_error


@dataclass(frozen=True)
class GradientError:
    """One returned gradient of one case, against finite differences and against the reference's."""

    label: str  # the key, or "the output"
    err: float  # relative error against the finite differences
    err_ref: float  # ... against the reference's analytic gradient
    floor: float  # the smallest error that may be asked for against the finite differences on this input


@dataclass
class Seen:
    """One case as every check sees it: the student's result, compared with the reference's once.

    ``error`` is why the call failed (then nothing else is set); otherwise ``structure`` and ``values`` are
    the structural and value problems of ``out`` (see :func:`autograde.checks.compare._compare`),
    ``failing`` the leaves with wrong values, ``answered`` whether anything in ``out`` is usable at all, and
    ``gradients`` the relative errors of each returned gradient (None: no gradients to compare).
    """

    index: int
    case: Case
    result: dict
    error: str | None = None
    out: Any = None
    structure: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    failing: list[tuple] = field(default_factory=list)
    answered: bool = False
    gradients: list[GradientError] | None = None


def see(prep: Prepared, i: int, result: dict) -> Seen:
    """Case i's result (an :func:`autograde.calls.call_case` dict) compared with the reference's output.
    Called while the case's redaction holds (see :mod:`autograde.checks.redact`)."""
    case = prep.cases[i]
    if result.get("error"):
        return Seen(i, case, result, error=result["error"])
    out = result["outputs"]
    structure, leaves = _leaves(out, prep.expected[i], prep.spec)
    values, failing = _value_problems(leaves, prep.spec)
    seen = Seen(i, case, result, None, out, structure, values, failing, _answered(leaves))
    if seen.answered and prep.spec.gradient and prep.numeric is not None:
        seen.gradients = _gradient_errors(prep, i, out)
    return seen


def _gradient_errors(prep: Prepared, i: int, out: Any) -> list[GradientError]:
    spec, errors = prep.spec, []
    for key, num in prep.numeric[i].items():
        got = _gradient_output(out, key, spec)
        ref = _gradient_output(prep.expected[i], key, spec)
        ok = isinstance(got, np.ndarray) and got.size == num.size
        err = relative_error(got.reshape(num.shape), num) if ok else float("inf")
        err_ref = relative_error(got.reshape(ref.shape), ref) if ok else float("inf")
        # the reference's own error against the target is the floor of what can be asked (a finite
        # difference near a zero of the gradient cannot do better than the reference does there)
        floor = max(spec.gradient.tolerance, 10 * relative_error(ref.reshape(num.shape), num))
        errors.append(GradientError(key or "the output", err, err_ref, floor))
    return errors


class Verdict(NamedTuple):
    passed: bool
    message: str
    hint: str | None = None


def settle(problems: list[tuple[str, str]], ok: str, hint: str | None = None) -> Verdict:
    """Pass, or fail with the first problem, on how many inputs, and the hint."""
    if not problems:
        return Verdict(True, ok)
    label, text = problems[0]
    more = len(problems) - 1
    message = f"{text} (inputs: {label})" + (f"; wrong on {more} more input{'s' if more > 1 else ''}" if more else "")
    return Verdict(False, message, hint or None)


@dataclass
class Judged:
    """Everything one judging saw: each case (in order) and each check (in the order of spec.CHECKS)."""

    seen: list[Seen]
    checks: list["Check"]

    @property
    def answered(self) -> list[tuple[int, Any]]:
        """(case index, output) of every case that returned."""
        return [(s.index, s.out) for s in self.seen if not s.error]


class Check:
    """One kind of check. A subclass sets ``id`` (its key in :data:`autograde.spec.CHECKS` and in a spec's
    ``points``) and ``ok`` (its message when it passes), and says what it finds wrong in a case that returned
    something usable (:meth:`inspect`, by calling :meth:`fail`). By default a case that raised or returned
    nothing usable fails it; :meth:`takes` chooses the cases it sees (default: all)."""

    id: ClassVar[str]
    ok: ClassVar[str] = ""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.problems: list[tuple[str, str]] = []  # (the inputs' label, what is wrong), in the order of the cases

    def takes(self, case: Case) -> bool:
        return True

    def observe(self, seen: Seen) -> None:
        if seen.error:
            self.fail(seen, seen.error)
        elif not seen.answered:
            self.fail(seen, seen.structure[0] if seen.structure else "no output")
        else:
            self.inspect(seen)

    def inspect(self, seen: Seen) -> None:
        """Find what is wrong in a case with a usable answer."""

    def fail(self, seen: Seen, text: str) -> None:
        self.problems.append((seen.case.label, text))

    def verdict(self, judged: Judged) -> Verdict:
        return settle(self.problems, self.ok)
