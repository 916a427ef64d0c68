"""Verdicts: the student's outputs against the expected ones, check by check.

Everything here runs in the grader's process (or, for a self-check, the student's kernel) on plain data
returned by :mod:`autograde.calls`; nothing the student's code says about itself is taken into account.
Messages name the output or key that is wrong and by how much, and give a hint where the mistake is
recognisable; they never show hidden inputs or reference code.
"""

from __future__ import annotations

import contextvars
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograde.calls import NOT_IMPLEMENTED
from autograde.results import CheckResult, FunctionResult, Status
from autograde.spec import CHECKS, Case, FunctionSpec
from course_utils.gradcheck import relative_error


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


# ------------------------------------------------------------------------------------------ comparing data

# While a hidden case is judged: the sizes the report may show (those of the case's inputs and of the
# reference's outputs, which the input's label already gives away). Messages then show no number taken from the
# student's output (a shape, a count, a value, a ratio, an error's digits): the student's code computes them
# with the hidden inputs at hand, and could make them spell those inputs out. None: a visible case, say all.
_known: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar("known_sizes", default=None)


def _sizes(value: Any, out: set[int], depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(value, np.ndarray):
        out.update(value.shape)
        out.add(value.size)
    elif isinstance(value, dict):
        for v in value.values():
            _sizes(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        out.add(len(value))
        for v in value:
            _sizes(v, out, depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool):
        out.add(value)


def _shown(*numbers: int) -> bool:
    """Whether numbers taken from the student's output may be shown (always, for a visible case)."""
    known = _known.get()
    return known is None or all(n in known for n in numbers)


def _magnitude(x: float) -> str:
    """An error as a hidden case's report gives it: its order of magnitude only."""
    if _known.get() is None:
        return f"{x:.3g}"
    if not x > 0 or not math.isfinite(x):
        return f"{x:.3g}"
    return f"about 1e{math.floor(math.log10(x)):+03d}"

def _is_number(x: Any) -> bool:
    """A plain number: a Python or NumPy int or float (not a bool), as every check accepts one."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def index_sequence(out: Any) -> list[int] | None:
    """``out`` as a list of Python ints if it is what the value checks accept for a list of indices — a list or
    tuple of numbers with integral values (Python or NumPy) — else None. A check that needs indices (e.g. a
    distribution test) calls this, so that every check agrees on what a valid answer is."""
    if not isinstance(out, (list, tuple)) or not all(_is_number(i) and float(i).is_integer() for i in out):
        return None
    return [int(i) for i in out]


def _kind(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if x is None:
        return "None"
    return {tuple: "a tuple", list: "a list", dict: "a dict", str: "a string", bool: "a bool"}.get(
        type(x), "a number" if _is_number(x) else type(x).__name__)


def _join(path: str, part: str) -> str:
    return part if not path else f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


@dataclass(frozen=True)
class Missing:
    """Stands in a leaf for an output the reference has and the student's answer lacks or cannot be used."""

    text: str


def _missing_leaves(ref: Any, path: str, text: str, leaves: list) -> None:
    """Every leaf of ``ref`` below ``path`` is missing, for the reason ``text``."""
    if isinstance(ref, (tuple, list)):
        for i, r in enumerate(ref):
            _missing_leaves(r, _join(path, f"[{i}]"), text, leaves)
    elif isinstance(ref, dict):
        for k, r in ref.items():
            _missing_leaves(r, _join(path, f"['{k}']") if path else k, text, leaves)
    else:
        leaves.append((path or "the output", Missing(text), ref))


def walk(out: Any, ref: Any, path: str, structure: list[str], leaves: list[tuple[str, Any, Any]]) -> None:
    """Compare two nested values: structural problems into ``structure``, leaf pairs into ``leaves``.

    Every leaf of ``ref`` gets one entry in ``leaves``: (name, the student's value, the reference's), numbers as
    arrays; where the student's answer has nothing usable, the student's value is a :class:`Missing` saying why,
    so that a value check can never pass for an output that is not there.
    """
    name = path or "the output"
    if isinstance(ref, np.ndarray) or _is_number(ref):
        ref_arr = np.asarray(ref)
        usable = isinstance(out, np.ndarray) and out.dtype.kind in "biuf" or _is_number(out)
        if usable:
            out_arr = np.asarray(out)
            if isinstance(ref, np.ndarray) and not isinstance(out, np.ndarray):
                structure.append(f"{name} is a number, expected an array of shape {ref.shape}")
            elif out_arr.shape != ref_arr.shape:
                structure.append(f"{name} has shape {out_arr.shape}, expected {ref_arr.shape}"
                                 if _shown(*out_arr.shape) else f"{name} does not have the expected shape {ref_arr.shape}")
            elif isinstance(out, np.ndarray) and isinstance(ref, np.ndarray) and out.dtype != ref.dtype:
                structure.append(f"{name} has dtype {out.dtype}, expected {ref.dtype}")
            leaves.append((name, out_arr, ref_arr))
        else:
            text = f"{name} is {_kind(out)}, expected {_kind(ref)}"
            structure.append(text)
            leaves.append((name, Missing(text), ref_arr))
    elif isinstance(ref, (tuple, list)):
        if not isinstance(out, (tuple, list)):
            text = f"{name} is {_kind(out)}, expected a {'tuple' if isinstance(ref, tuple) else 'list'} of {len(ref)}"
            structure.append(text)
            _missing_leaves(ref, path, text, leaves)
            return
        if len(out) != len(ref):
            structure.append(f"{name} has {len(out)} items, expected {len(ref)}" if _shown(len(out)) else
                             f"{name} does not have the {len(ref)} items expected")
        if len(out) > len(ref):  # items the reference does not have are a wrong value too (words after <EOS>)
            leaves.append((f"the number of items of {name}", np.asarray(len(out)), np.asarray(len(ref))))
        for i, r in enumerate(ref):
            if i < len(out):
                walk(out[i], r, _join(path, f"[{i}]"), structure, leaves)
            else:
                _missing_leaves(r, _join(path, f"[{i}]"), f"{_join(path, f'[{i}]')} is missing", leaves)
    elif isinstance(ref, dict):
        if not isinstance(out, dict):
            keys = ", ".join(map(str, ref))
            text = f"{name} is {_kind(out)}, expected a dict with keys {keys}" if keys else \
                f"{name} is {_kind(out)}, expected a dict"
            structure.append(text)
            _missing_leaves(ref, path, text, leaves)
            return
        missing = [k for k in ref if k not in out]
        if missing:
            structure.append(f"{name} has no key {', '.join(repr(k) for k in missing)}" if path else
                             f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
        for k in ref:
            sub = _join(path, f"['{k}']") if path else k
            if k in out:
                walk(out[k], ref[k], sub, structure, leaves)
            else:
                _missing_leaves(ref[k], sub, f"{sub} is missing" if path else f"{k} is missing", leaves)
    else:  # a string, a bool, None: compared for equality
        if type(out) is not type(ref):
            text = f"{name} is {_kind(out)}, expected {_kind(ref)}"
            structure.append(text)
            leaves.append((name, Missing(text), ref))
        else:
            leaves.append((name, out, ref))


def name_outputs(value: Any, spec: FunctionSpec) -> Any:
    """Top-level outputs by name: the spec's names for a tuple, the keys for a dict, "" for one value."""
    if spec.outputs is not None:
        if isinstance(value, (tuple, list)):
            return {n: v for n, v in zip(spec.outputs, value)}
        return {}
    if isinstance(value, dict):
        return value
    return {"": value}


def _leaves(out: Any, ref: Any, spec: FunctionSpec) -> tuple[list[str], list[tuple[str, Any, Any]]]:
    """(structural problems, every leaf of the reference paired with the student's) of one case."""
    structure: list[str] = []
    leaves: list[tuple[str, Any, Any]] = []
    refs = name_outputs(ref, spec)
    if spec.outputs is not None and not isinstance(out, (tuple, list)):
        text = f"the function returned {_kind(out)}, expected a tuple ({', '.join(spec.outputs)})"
        structure.append(text)
        _missing_leaves(refs, "", text, leaves)
    elif spec.outputs is not None:
        if len(out) != len(spec.outputs):
            structure.append(f"the function returned {len(out) if _shown(len(out)) else 'another number of'} values, "
                             f"expected {len(spec.outputs)} ({', '.join(spec.outputs)})")
        walk(name_outputs(out, spec), refs, "", structure, leaves)
    else:
        walk(out, ref, "", structure, leaves)
        if (spec.lengths_are_values and isinstance(ref, (tuple, list)) and isinstance(out, (tuple, list))
                and len(out) != len(ref)):
            # walk's first problem for a sequence of another length is its length, worded by whether the case is
            # hidden ("has 3 items, expected 5" / "does not have the 5 items expected"): dropped by position, not
            # by its text, so that it is a value problem only (its leaves are Missing or extra) under any wording
            del structure[0]
    return structure, leaves


def _compare(out: Any, ref: Any, spec: FunctionSpec) -> tuple[list[str], list[str], list[tuple]]:
    """(structural problems, value problems, failing leaves) of one case.

    Every output the reference has is compared: one that is absent or unusable is a value problem too.
    """
    structure, leaves = _leaves(out, ref, spec)
    values, failing = [], []
    for name, o, r in leaves:
        if isinstance(o, Missing):
            values.append(o.text)
            failing.append((name, o, r))
            continue
        if not isinstance(r, np.ndarray):
            if o != r:
                values.append(f"{name} is {_short(o)}, expected {_short(r)}" if _known.get() is None else
                              f"{name} is not the expected {_kind(r).removeprefix('a ')}")
                failing.append((name, o, r))
            continue
        if o.size != r.size:
            what = 'items' if o.ndim == 1 and r.ndim == 1 else 'entries'
            values.append(f"{name} cannot be compared: it has {o.size} {what}, expected {r.size}" if _shown(o.size)
                          else f"{name} cannot be compared: it does not have the {r.size} {what} expected")
            failing.append((name, o, r))
            continue
        o = o.reshape(r.shape).astype(np.float64)
        rtol, atol = _tolerance(spec, name)
        if not np.all(np.isfinite(o)):
            values.append(f"{name} contains NaN or inf")
            failing.append((name, o, r))
        elif not np.allclose(o, r, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(o - r)))
            scale = float(np.max(np.abs(r))) if r.size else 0.0
            rel = (f", relative {err / scale:.2g}" if _known.get() is None else
                   f", relative {_magnitude(err / scale)}") if scale > 0 else ""
            values.append(f"{name} differs from the expected value by up to {_magnitude(err)}{rel}")
            failing.append((name, o, r))
    return structure, values, failing


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _tolerance(spec: FunctionSpec, name: str) -> tuple[float, float]:
    return spec.rtol, spec.atol


def _answered(out: Any, ref: Any, spec: FunctionSpec) -> bool:
    """Whether the output holds anything usable at all (if not, no check of the case can pass)."""
    _, leaves = _leaves(out, ref, spec)
    return not leaves or any(not isinstance(o, Missing) for _, o, _ in leaves)


def _matches(out: Any, mistake: dict, spec: FunctionSpec) -> bool:
    outs = name_outputs(out, spec)
    for key, value in mistake.items():
        if key not in outs:
            return False
        structure: list[str] = []
        leaves: list[tuple] = []
        walk(outs[key], value, "", structure, leaves)
        if not leaves or not all(_close(o, r) for _, o, r in leaves):
            return False
    return bool(mistake)


def _close(o: Any, r: Any) -> bool:
    if isinstance(o, Missing):
        return False
    if not isinstance(r, np.ndarray):
        return o == r
    return o.size == r.size and bool(np.allclose(o.reshape(r.shape), r, rtol=1e-6, atol=1e-8, equal_nan=False))


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
            simple = any(np.isclose(abs(ratio[0]), k) or np.isclose(abs(ratio[0]), 1 / k) for k in range(1, 11))
            if _known.get() is not None and not simple:  # a ratio of the student's choosing, not a slip's
                return f"{name} is off by a constant factor."
            return f"{name} is off by a constant factor of {ratio[0]:.4g}."
    return None


# ---------------------------------------------------------------------------------------------- verdicts

def _top(name: str) -> str:
    """The top-level output a leaf belongs to: ``caches[0][1]`` -> ``caches``."""
    for i, ch in enumerate(name):
        if ch in "[.":
            return name[:i]
    return name


def _values_text(values: list[str], failing: list[tuple]) -> str:
    first = _top(failing[0][0]) if failing else None
    # (items of a list output have no top-level name: "[3]")
    others = list(dict.fromkeys(_top(n) for n, _, _ in failing[1:] if _top(n) and _top(n) != first))
    return values[0] + (f"; also wrong: {', '.join(others)}" if others else "")


def judge(prep: Prepared, results: list[dict] | str) -> FunctionResult:
    """Score one function: ``results`` are :func:`autograde.calls.call_case` dicts, one per case, or a
    string saying why none came back (timed out, crashed...)."""
    spec = prep.spec
    ids = [c for c in CHECKS if c in spec.points]
    by_id = {c: CheckResult(CHECKS[c], False, "", float(spec.points[c])) for c in ids}
    checks = list(by_id.values())

    if isinstance(results, str) or len(results) != len(prep.cases) or all(r.get("not_implemented") for r in results):
        status = Status.NO_ANSWER
        if isinstance(results, str):
            message = results
        elif len(results) != len(prep.cases):
            message = f"the function was called on {len(prep.cases)} inputs but {len(results)} results came back"
        else:
            message, status = NOT_IMPLEMENTED, Status.NOT_IMPLEMENTED
        for chk in checks:
            chk.message = message
        return FunctionResult(spec.name, checks, status)

    # problems per check: (inputs label, what is wrong)
    problems: dict[str, list[tuple[str, str]]] = {c: [] for c in ids}
    hints: dict[str, str | None] = {"values": None, "edge": None}
    worst: dict[str, float] = {}  # per gradient key, the largest relative error against finite differences
    worst_ref: dict[str, float] = {}  # ... and against the reference's analytic gradient
    excess: dict[str, float] = {}  # ... and the largest ratio of that error to what is allowed for the input
    analytic = getattr(spec.gradient, "analytic", None) if spec.gradient and spec.gradient.forward else None
    if analytic is not None:
        analytic = max(analytic, prep.analytic_floor)
    for i, (case, res) in enumerate(zip(prep.cases, results)):
        value_check = "edge" if case.edge else "values"
        known: set[int] = set()
        if prep.hidden:
            _sizes(case.args, known)
            _sizes(prep.expected[i], known)
        token = _known.set(frozenset(known) if prep.hidden else None)
        try:
            _judge_case(prep, spec, i, case, res, value_check, problems, hints, worst, worst_ref, excess, analytic)
        finally:
            _known.reset(token)
    answered = [(i, r["outputs"]) for i, r in enumerate(results) if not r.get("error")]
    wrong_by_check = {c: hints.pop(f"{c}:cases", []) for c in ("values", "edge")}
    every_wrong = [w for ws in wrong_by_check.values() for w in ws]
    for c, wrong in wrong_by_check.items():
        if wrong:
            hints[c] = _hint_for(prep, wrong, answered, every_wrong)
    _finish(prep, spec, ids, by_id, problems, hints, worst, worst_ref, excess, analytic)
    return FunctionResult(spec.name, checks, Status.RAISED if any(r.get("error") for r in results) else Status.ANSWERED)


def _judge_case(prep: Prepared, spec: FunctionSpec, i: int, case: Case, res: dict, value_check: str,
                problems: dict, hints: dict, worst: dict, worst_ref: dict, excess: dict,
                analytic: float | None) -> None:
    if res.get("error"):
        for c in problems:
            if c in ("shapes", "unchanged", "gradients", value_check) or (c == "distribution"
                                                                       and case.context.get("distribution")):
                problems[c].append((case.label, res["error"]))
        return
    out = res["outputs"]
    structure, values, failing = _compare(out, prep.expected[i], spec)
    if not _answered(out, prep.expected[i], spec):
        for c in ("shapes", "unchanged", "gradients"):
            if c in problems:
                problems[c].append((case.label, structure[0] if structure else "no output"))
        if value_check in problems and values:
            problems[value_check].append((case.label, _values_text(values, failing)))
        return
    if structure and "shapes" in problems:
        problems["shapes"].append((case.label, structure[0]))
    if values and value_check in problems:
        problems[value_check].append((case.label, _values_text(values, failing)))
        hints.setdefault(f"{value_check}:cases", []).append((i, out, failing))
    if "distribution" in problems and case.context.get("distribution"):
        try:
            wrong = spec.distribution(out, prep.expected[i], case)
        except Exception as exc:  # noqa: BLE001 - an output of the wrong kind cannot be tested
            wrong = f"the output could not be tested ({type(exc).__name__})"
        if wrong:
            problems["distribution"].append((case.label, wrong))
    if "unchanged" in problems:
        changed = _changed_inputs(case.args, res.get("args_after"))
        if changed:
            problems["unchanged"].append((case.label, f"{changed} was modified in place; {spec.unchanged_hint}"))
    if spec.gradient and prep.numeric is not None:
        bad_analytic = []
        for key, num in prep.numeric[i].items():
            got = _gradient_output(out, key, spec)
            ref = _gradient_output(prep.expected[i], key, spec)
            label = key or "the output"
            ok = isinstance(got, np.ndarray) and got.size == num.size
            err = relative_error(got.reshape(num.shape), num) if ok else float("inf")
            err_ref = relative_error(got.reshape(ref.shape), ref) if ok else float("inf")
            # the reference's own error against the target is the floor of what can be asked (a finite
            # difference near a zero of the gradient cannot do better than the reference does there)
            floor = max(spec.gradient.tolerance, 10 * relative_error(ref.reshape(num.shape), num))
            worst[label] = max(worst.get(label, 0.0), err)
            worst_ref[label] = max(worst_ref.get(label, 0.0), err_ref)
            excess[label] = max(excess.get(label, 0.0), err / floor)
            if analytic is not None and analytic < err_ref < 1e-4:
                bad_analytic.append((label, err_ref))
        if bad_analytic and not values and value_check in problems:
            label, err_ref = max(bad_analytic, key=lambda t: t[1])
            problems[value_check].append((case.label, _not_analytic(label, err_ref, analytic, prep.hidden)))



def _finish(prep: Prepared, spec: FunctionSpec, ids: list[str], by_id: dict, problems: dict, hints: dict,
            worst: dict, worst_ref: dict, excess: dict, analytic: float | None) -> None:
    n_cases = {"values": sum(not c.edge for c in prep.cases), "edge": sum(c.edge for c in prep.cases)}
    oks = {"shapes": "every output has the expected shape and dtype",
           "values": f"matches the reference solution on {_inputs(n_cases['values'])}",
           "edge": f"matches the reference solution on {_inputs(n_cases['edge'])}",
           "unchanged": "no input array was modified",
           "distribution": "the outputs follow the reference's distribution"}
    for c in ids:
        if c != "gradients":
            _settle(by_id[c], problems[c], oks[c], hints.get(c))
    if "gradients" in by_id:
        _gradient_verdict(by_id["gradients"], prep, problems["gradients"], worst, worst_ref, excess, analytic)


def _inputs(n: int) -> str:
    return {1: "the one input", 2: "both inputs"}.get(n, f"all {n} inputs")


def _e(x: float, hidden: bool) -> str:
    """A relative error in a message: for hidden inputs, its order of magnitude only (see _known)."""
    if hidden and x > 0 and math.isfinite(x):
        return f"~1e{math.floor(math.log10(x)):+03d}"
    return f"{x:.1e}"


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


def _not_analytic(label: str, err: float, analytic: float, hidden: bool = False) -> str:
    if err >= FLOAT32_BAND:  # the right structure in the wrong precision: no accusation
        return (f"{label} agrees with the reference only to a relative error of {_e(err, hidden)}, where a "
                f"gradient computed in float64 agrees to better than {analytic:.0e}: {FLOAT32_HINT}")
    return (f"{label} agrees with the reference only to a relative error of {_e(err, hidden)}, where a gradient computed "
            f"by backpropagation agrees to better than {analytic:.0e}: it looks computed by finite differences, "
            "not by the chain rule")


def _gradient_verdict(chk: CheckResult, prep: Prepared, problems: list, worst: dict[str, float],
                      worst_ref: dict[str, float], excess: dict[str, float], analytic: float | None) -> None:
    grad = prep.spec.gradient
    if prep.numeric is None:
        chk.passed, chk.message = False, prep.numeric_error or "no finite-difference gradients to compare with"
        return
    if problems:
        _settle(chk, problems, "")
        return
    against = f"finite differences of {grad.forward}" if grad.forward else "the exact gradient"
    bad = [k for k, v in excess.items() if not v < 1]
    summary = ", ".join(f"{k} {_e(v, prep.hidden)}{' ✗' if k in bad else ''}" for k, v in worst.items())
    reference = ", ".join(f"{k} {_e(v, prep.hidden)}" for k, v in worst_ref.items())
    text = f"relative error per key (worst input) against {against}: {summary}; against the reference: {reference}"
    if bad:
        hint = gradient_hint(grad, bad, list(worst))
        chk.passed, chk.message, chk.hint = False, f"{text}. Above {grad.tolerance:g}: {', '.join(bad)}", hint
        return
    numeric_looking = [k for k, v in worst_ref.items() if analytic is not None and not v <= analytic]
    if numeric_looking:
        k = max(numeric_looking, key=lambda key: worst_ref[key])
        chk.passed, chk.message = False, f"{_not_analytic(k, worst_ref[k], analytic, prep.hidden)} ({text})"
    else:
        chk.passed, chk.message = True, text


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


def _settle(chk: CheckResult, problems: list[tuple[str, str]], ok: str, hint: str | None = None) -> None:
    """Pass the check, or fail it with the first problem, on how many inputs, and the hint."""
    if not problems:
        chk.passed, chk.message = True, ok
        return
    label, text = problems[0]
    more = len(problems) - 1
    message = f"{text} (inputs: {label})" + (f"; wrong on {more} more input{'s' if more > 1 else ''}" if more else "")
    chk.passed, chk.message, chk.hint = False, message, hint or None


STUB_HINT = ("nothing seems computed yet: the output is {what}. Write the function's body (see its docstring) "
             "before looking for a mistake.")


def _same(a: Any, b: Any) -> bool:
    """Whether two outputs are the same data (numbers to a tolerance)."""
    structure: list[str] = []
    leaves: list[tuple] = []
    try:
        walk(a, b, "", structure, leaves)
    except Exception:  # noqa: BLE001 - data of unexpected kinds are simply not the same
        return False
    return not structure and all(_close(o, r) for _, o, r in leaves)


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


def _gradient_output(out: Any, key: str, spec: FunctionSpec) -> Any:
    if spec.gradient and spec.gradient.within and spec.outputs:
        out = name_outputs(out, spec).get(spec.gradient.within)
    if isinstance(out, dict):
        return out[key] if key in out else _at_path(out, key)
    return out


def _at_path(value: Any, key: str) -> Any:
    """A nested entry named by a path such as ``layers[1].dWaa`` or ``da0[0]``; None if there is none."""
    for part in re.findall(r"\[\d+\]|[^.\[\]]+", key):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, (list, tuple)) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def _changed_inputs(before: dict, after: Any) -> str | None:
    """The first input (as a path) that differs after the call, or None."""
    if not isinstance(after, dict):
        return "the inputs"
    for name, value in before.items():
        structure: list[str] = []
        leaves: list[tuple] = []
        walk(after.get(name), value, name, structure, leaves)
        if structure:
            return name
        for path, o, r in leaves:
            if isinstance(o, Missing):
                return path
            if not isinstance(r, np.ndarray):
                if o != r:
                    return path
            elif o.shape != r.shape or not np.array_equal(o, r, equal_nan=True):
                return path
    return None
