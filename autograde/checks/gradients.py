"""The gradient check: every returned gradient against centred finite differences of the forward pass, and
against the reference's, which tells a gradient computed by backpropagation from one computed numerically."""

from __future__ import annotations

import math

from autograde.checks.base import Check, Judged, Seen, Verdict, settle
from autograde.checks.hints import FLOAT32_BAND, FLOAT32_HINT, gradient_hint
from autograde.checks.prepared import Prepared


def analytic_bound(prep: Prepared) -> float | None:
    """The largest relative error to the reference's gradient that backpropagation may show (None: not
    checked, when the gradients are checked against an exact gradient rather than a forward pass)."""
    spec = prep.spec
    analytic = getattr(spec.gradient, "analytic", None) if spec.gradient and spec.gradient.forward else None
    return None if analytic is None else max(analytic, prep.analytic_floor)


class GradientCheck(Check):
    id = "gradients"

    def __init__(self, prep: Prepared) -> None:
        super().__init__(prep)
        # per gradient key, over the inputs: the largest relative error against finite differences, against the
        # reference's analytic gradient, and the largest ratio of the first to what is allowed for the input
        self.worst: dict[str, float] = {}
        self.worst_ref: dict[str, float] = {}
        self.excess: dict[str, float] = {}

    def inspect(self, seen: Seen) -> None:
        for g in seen.gradients or ():
            self.worst[g.label] = max(self.worst.get(g.label, 0.0), g.err)
            self.worst_ref[g.label] = max(self.worst_ref.get(g.label, 0.0), g.err_ref)
            self.excess[g.label] = max(self.excess.get(g.label, 0.0), g.err / g.floor)

    def verdict(self, judged: Judged) -> Verdict:
        prep, worst, worst_ref = self.prep, self.worst, self.worst_ref
        grad, analytic = prep.spec.gradient, analytic_bound(prep)
        if prep.numeric is None:
            return Verdict(False, prep.numeric_error or "no finite-difference gradients to compare with")
        if self.problems:
            return settle(self.problems, "")
        against = f"finite differences of {grad.forward}" if grad.forward else "the exact gradient"
        bad = [k for k, v in self.excess.items() if not v < 1]
        summary = ", ".join(f"{k} {_e(v, prep.hidden)}{' ✗' if k in bad else ''}" for k, v in worst.items())
        reference = ", ".join(f"{k} {_e(v, prep.hidden)}" for k, v in worst_ref.items())
        text = f"relative error per key (worst input) against {against}: {summary}; against the reference: {reference}"
        if bad:
            hint = gradient_hint(grad, bad, list(worst))
            return Verdict(False, f"{text}. Above {grad.tolerance:g}: {', '.join(bad)}", hint)
        numeric_looking = [k for k, v in worst_ref.items() if analytic is not None and not v <= analytic]
        if numeric_looking:
            k = max(numeric_looking, key=lambda key: worst_ref[key])
            return Verdict(False, f"{_not_analytic(k, worst_ref[k], analytic, prep.hidden)} ({text})")
        return Verdict(True, text)


def _e(x: float, hidden: bool) -> str:
    """A relative error in a message: for hidden inputs, its order of magnitude only (see _known)."""
    if hidden and x > 0 and math.isfinite(x):
        return f"~1e{math.floor(math.log10(x)):+03d}"
    return f"{x:.1e}"


def _not_analytic(label: str, err: float, analytic: float, hidden: bool = False) -> str:
    if err >= FLOAT32_BAND:  # the right structure in the wrong precision: no accusation
        return (f"{label} agrees with the reference only to a relative error of {_e(err, hidden)}, where a "
                f"gradient computed in float64 agrees to better than {analytic:.0e}: {FLOAT32_HINT}")
    return (f"{label} agrees with the reference only to a relative error of {_e(err, hidden)}, where a gradient computed "
            f"by backpropagation agrees to better than {analytic:.0e}: it looks computed by finite differences, "
            "not by the chain rule")
