"""Hints: where to look when values are wrong.

In order of evidence (see :func:`_hint_for`): a recognisable mistake of the spec whose outputs explain every
wrong answer; a stub (nothing computed yet); a mistake that the wrong answers fit; float32 rounding; the shape
of the error alone (:func:`_generic_hint`: NaN, sign, constant factor, transposition); and, for a function
returning gradients, which of them are wrong (:func:`gradient_hint`, which the gradient check gives too).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograde.checks.compare import _gradient_output, _is_number, _matches, _same, name_outputs
from autograde.checks.prepared import Prepared
from autograde.checks.redact import _factor
from autograde.spec import Case


def _generic_hint(failing: list[tuple]) -> str | None:
    """A hint from the shape of the first wrong output's error alone: sign, constant factor, transposition."""
    if not failing:
        return None
    name, o, r = failing[0]
    if not isinstance(o, np.ndarray) or not isinstance(r, np.ndarray):
        return None
    if o.size != r.size:
        return f"{name} looks transposed." if o.ndim == 2 and o.shape == r.shape[::-1] else None
    o = o.reshape(r.shape)
    if not np.all(np.isfinite(o)):
        return f"{name} has NaN or inf: look for an overflow (exp of a large number) or a division by zero."
    if np.any(r) and np.allclose(o, -r, rtol=1e-6, atol=1e-9):
        return f"{name} has the wrong sign."
    if o.ndim == 2 and r.shape[0] == r.shape[1] > 1 and np.allclose(o, r.T):
        return f"{name} looks transposed."
    mask = np.abs(r) > 1e-8
    if mask.sum() >= 4:  # fewer entries can be proportional by chance (two softmax gradients always are)
        ratio = o[mask] / r[mask]
        if np.allclose(ratio, ratio[0], rtol=1e-6) and not np.isclose(ratio[0], 1.0) and abs(ratio[0]) > 1e-9:
            factor = _factor(float(ratio[0]))  # on a hidden case, only a slip's factor is named (SLIP_FACTORS)
            return f"{name} is off by a constant factor{'' if factor is None else f' of {factor}'}."
    return None




# An error above this (relative) is the size of float32 rounding (its epsilon is 1.2e-7; a float32 intermediate
# cast back loses about 1e-8 to 1e-6): the right structure computed in the wrong precision. Centred finite
# differences of a float64 forward pass (step 1e-5) land far below it, at about 1e-10.
FLOAT32_BAND = float(np.finfo(np.float32).eps) / 16
FLOAT32_HINT = ("the error has the size of float32 rounding (about 7 significant digits): compute every array in "
                "float64, as the course does (no dtype=np.float32 or .astype(np.float32) on the way)")


def _float32_like(failing: list[tuple]) -> bool:
    """Whether every wrong leaf is off by a relative error in the float32 band (see FLOAT32_BAND)."""
    if not failing:
        return False
    for _, o, r in failing:
        if not isinstance(o, np.ndarray) or not isinstance(r, np.ndarray) or o.size != r.size or not r.size:
            return False
        o = o.reshape(r.shape).astype(np.float64)
        scale = float(np.max(np.abs(r)))
        if not np.all(np.isfinite(o)) or scale == 0:
            return False
        rel = float(np.max(np.abs(o - r))) / scale
        if not FLOAT32_BAND <= rel <= 1e-5:
            return False
    return True


def gradient_hint(grad, bad: list[str], keys: list[str]) -> str | None:
    """Where to look, from which gradients a gradient check finds wrong (``bad``, out of ``keys``): a hint of
    the spec (:class:`autograde.spec.GradientHint`), else one of the engine's, which every spec gets."""
    wrong, every = set(bad), set(keys)
    for h in grad.hints:
        if (wrong == set(h.keys)) if h.only else (set(h.keys) <= wrong):
            return h.hint
    if not wrong or len(every) == 1:
        return None
    names = ", ".join(k for k in keys if k in wrong)
    if wrong == every and len(every) > 1:
        return (f"every gradient is wrong, so the mistake is probably in what they all share: {grad.shared}, "
                "rather than in each one's formula.")
    through = set(grad.through_time) & every
    if through and wrong == through:
        return (f"only {names}, the gradient{'s' if len(wrong) > 1 else ''} flowing back in time, "
                f"{'are' if len(wrong) > 1 else 'is'} wrong: look at the path from the previous step's state "
                "into this one (the recurrent weights, transposed on the way back), not at the shared part.")
    right = ", ".join(k for k in keys if k not in wrong)
    if len(wrong) == 1:
        return f"only {names} is wrong ({right} {'is' if len(every) == 2 else 'are'} right): look at what only {names} uses."
    return f"{names} are wrong but {right} are right: look at what only the wrong ones have in common."


STUB_HINT = ("nothing seems computed yet: the output is {what}. Write the function's body (see its docstring) "
             "before looking for a mistake.")


def _trivial_kind(value: Any, case: Case) -> str | None:
    """What a function that computes nothing returned, if ``value`` is that: ``"nothing"`` (None or empty),
    ``"zeros"``, or the name of the input passed through; None when the output shows work."""
    if value is None or isinstance(value, (str, list, tuple, dict)) and len(value) == 0:
        return "nothing"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and not np.any(value):
        return "zeros"
    if _is_number(value) and value == 0:
        return "zeros"
    for name, arg in case.args.items():
        if (isinstance(arg, (np.ndarray, list, tuple, dict)) or _is_number(arg)) and _same(value, arg):
            return name
    return None


def _trivial(value: Any, case: Case) -> bool:
    """Whether an output is what a function that computes nothing returns: one of its inputs passed through,
    zeros, or nothing."""
    return _trivial_kind(value, case) is not None


def _wrong_parts_trivial(prep: Prepared, i: int, out: Any) -> bool:
    """Whether case i's answer looks like a stub's: every top-level output that is wrong is trivial (see
    _trivial), and none that is right shows work (a right output that is not trivial, such as correctly
    clipped arrays beside a wrong norm, is work done)."""
    outs, refs = name_outputs(out, prep.spec), name_outputs(prep.expected[i], prep.spec)
    case = prep.cases[i]
    wrong = [k for k in refs if k not in outs or not _same(outs[k], refs[k])]
    right = [k for k in refs if k not in wrong]
    return bool(wrong) and all(k in outs and _trivial(outs[k], case) for k in wrong) \
        and all(_trivial(outs[k], case) for k in right)


def _wrong_parts_kinds(prep: Prepared, i: int, out: Any) -> list[str]:
    """The kinds (see _trivial_kind) of case i's wrong top-level outputs."""
    outs, refs = name_outputs(out, prep.spec), name_outputs(prep.expected[i], prep.spec)
    kinds = [_trivial_kind(outs.get(k), prep.cases[i]) for k in refs if k not in outs or not _same(outs[k], refs[k])]
    return [k for k in kinds if k is not None]


def _describe_trivial(kinds: list[str]) -> str:
    """What trivial outputs are, in words: "zeros", "nothing (None or empty)", "the input x returned unchanged"."""
    inputs = list(dict.fromkeys(k for k in kinds if k not in ("zeros", "nothing")))
    pieces = []
    if inputs:
        pieces.append(f"the input{'s' if len(inputs) > 1 else ''} {' and '.join(inputs)} returned unchanged")
    if "zeros" in kinds:
        pieces.append("zeros")
    if "nothing" in kinds:
        pieces.append("nothing (None or empty)")
    return " or ".join(pieces)


def _stub(prep: Prepared, wrong: list[tuple], answered: list[tuple[int, Any]]) -> str | None:
    """When the answers look like a stub's: what the output is, for STUB_HINT."""
    expected = [prep.expected[i] for i, _ in answered]
    if len(answered) >= 2 and all(_same(out, answered[0][1]) for _, out in answered[1:]) \
            and not all(_same(e, expected[0]) for e in expected[1:]):
        return "the same whatever the input"
    if all(_wrong_parts_trivial(prep, i, out) for i, out, _ in wrong):
        return _describe_trivial([k for i, out, _ in wrong for k in _wrong_parts_kinds(prep, i, out)])
    return None


def _fits(prep: Prepared, j: int, i: int, out: Any) -> tuple[bool, bool] | None:
    """(whether case i's answer fits mistake j, whether informatively: not by a trivial output), or None when
    the mistake says nothing about this case."""
    mistake = prep.spec.mistakes[j]
    try:
        if mistake.outputs is not None:
            expected_wrong = prep.mistake_outputs(i, j)
            if expected_wrong is None:
                return None
            fits = _matches(out, expected_wrong, prep.spec)
            return fits, fits and not all(_trivial(v, prep.cases[i]) for v in expected_wrong.values())
        fits = bool(mistake.when is not None and mistake.when(out, prep.expected[i], prep.cases[i]))
        return fits, fits and not _wrong_parts_trivial(prep, i, out)
    except Exception:  # noqa: BLE001 - a hint that cannot be computed is no evidence
        return None


def _predicts_the_reference(prep: Prepared, j: int, i: int) -> bool:
    """Whether mistake j's outputs on case i are the reference's (so that it predicts nothing wrong there)."""
    try:
        return _matches(prep.expected[i], prep.mistake_outputs(i, j), prep.spec)
    except Exception:  # noqa: BLE001 - no prediction is no evidence either
        return True


def _hint_for(prep: Prepared, wrong: list[tuple], answered: list[tuple[int, Any]],
              every_wrong: list[tuple] | None = None) -> str | None:
    """The hint of a value check from all its wrong answers ``(case index, output, failing leaves)``;
    ``every_wrong`` is the wrong answers of all the function's value checks (default: ``wrong``). A mistake's
    hint needs evidence that fits it. First a mistake given by its outputs that equal the student's on every
    wrong case of the function: it explains them all, even when they are trivial (a backward pass that never
    adds the gradient from above returns zeros, and that mistake is why). Else, when the answers look like a stub's, the stub is
    told so: a stub's output may equal some mistakes' by accident on some inputs (a per-array clip leaves
    small arrays as they are), but those mistakes do not explain every wrong answer. Else a mistake that every
    wrong answer fits, one of them by an output that is not trivial; else one that the first wrong answer fits
    by a non-trivial output (some mistakes show only on some inputs); otherwise the generic hints."""
    for j, mistake in enumerate(prep.spec.mistakes):
        if mistake.outputs is None:
            continue
        cases = every_wrong or wrong
        verdicts = [_fits(prep, j, i, out) for i, out, _ in cases]
        # (on each case the mistake must predict a wrong answer: one whose outputs here are the reference's
        # explains nothing, e.g. a mistake in x alone where only the mask is wrong)
        if verdicts and all(v is not None and v[0] for v in verdicts) and all(
                not _predicts_the_reference(prep, j, i) for i, _, _ in cases):
            return mistake.hint
    what = _stub(prep, wrong, answered)
    if what:
        return STUB_HINT.format(what=what)
    for j, mistake in enumerate(prep.spec.mistakes):
        verdicts = [v for v in (_fits(prep, j, i, out) for i, out, _ in wrong) if v is not None]
        if verdicts and all(fits for fits, _ in verdicts) and any(informative for _, informative in verdicts):
            return mistake.hint
    i, out, failing = wrong[0]
    for j, mistake in enumerate(prep.spec.mistakes):
        verdict = _fits(prep, j, i, out)
        if verdict is not None and verdict[1]:
            return mistake.hint
    if all(_float32_like(f) for _, _, f in wrong):
        return FLOAT32_HINT + "."
    return _generic_hint(failing) or _gradient_values_hint(prep, i, out)


def _gradient_values_hint(prep: Prepared, i: int, out: Any) -> str | None:
    """For a function returning gradients, the hint of :func:`gradient_hint` from which of them differ."""
    spec = prep.spec
    if spec.gradient is None or prep.numeric is None:
        return None
    keys = list(prep.numeric[i])
    bad = []
    for key in keys:
        got, ref = _gradient_output(out, key, spec), _gradient_output(prep.expected[i], key, spec)
        if not (isinstance(got, np.ndarray) and isinstance(ref, np.ndarray) and got.size == ref.size
                and np.allclose(got.reshape(ref.shape), ref, rtol=spec.rtol, atol=spec.atol)):
            bad.append(key)
    return gradient_hint(spec.gradient, bad, keys)
