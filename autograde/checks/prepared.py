"""What one function is judged against: its cases, the reference's outputs, the finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from autograde.spec import Case, FunctionSpec


@dataclass
class Prepared:
    """A function's cases with everything they are judged against.

    ``expected[i]`` is the reference output for case i; ``numeric[i]`` the finite-difference gradients
    (None when the function has no gradient check, or when they could not be computed: ``numeric_error``
    says why); ``mistake_outputs(i, j)`` what mistake j of the spec would give for case i.
    """

    spec: FunctionSpec
    cases: list[Case]
    expected: list[Any]
    mistake_outputs: Callable[[int, int], Any]
    numeric: list[dict] | None = None
    numeric_error: str | None = None
    # the smallest relative error to the reference that may still be taken for finite differences: the stored
    # self-check cases keep 12 significant digits, and answers replayed from them carry that rounding into the
    # student's gradients (~1e-11), so the self-check only flags what is clearly not backpropagation
    analytic_floor: float = 0.0
    # hidden inputs (the grader's): no message shows a value derived from them (see _Redact); the self-check's
    # visible cases say everything
    hidden: bool = True
