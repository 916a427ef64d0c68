"""Verdicts: the student's outputs against the expected ones, check by check.

Everything here runs in the grader's process (or, for a self-check, the student's kernel) on plain data
returned by :mod:`autograde.calls`; nothing the student's code says about itself is taken into account.
Messages name the output or key that is wrong and by how much, and give a hint where the mistake is
recognisable; they never show hidden inputs or reference code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograde.calls import NOT_IMPLEMENTED
from autograde.results import CheckResult, FunctionResult
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


# ------------------------------------------------------------------------------------------ comparing data

def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _kind(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if x is None:
        return "None"
    return {tuple: "a tuple", list: "a list", dict: "a dict", str: "a string", bool: "a bool"}.get(
        type(x), "a number" if _is_number(x) else type(x).__name__)


def _join(path: str, part: str) -> str:
    return part if not path else f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


def walk(out: Any, ref: Any, path: str, structure: list[str], leaves: list[tuple[str, Any, Any]]) -> None:
    """Compare two nested values: structural problems into ``structure``, number pairs into ``leaves``."""
    name = path or "the output"
    if isinstance(ref, np.ndarray) or _is_number(ref):
        ref_arr = np.asarray(ref)
        if isinstance(out, np.ndarray) or _is_number(out):
            out_arr = np.asarray(out)
            if isinstance(ref, np.ndarray) and not isinstance(out, np.ndarray):
                structure.append(f"{name} is a number, expected an array of shape {ref.shape}")
            elif out_arr.shape != ref_arr.shape:
                structure.append(f"{name} has shape {out_arr.shape}, expected {ref_arr.shape}")
            elif isinstance(out, np.ndarray) and isinstance(ref, np.ndarray) and out.dtype != ref.dtype:
                structure.append(f"{name} has dtype {out.dtype}, expected {ref.dtype}")
            leaves.append((name, out_arr, ref_arr))
        else:
            structure.append(f"{name} is {_kind(out)}, expected {_kind(ref)}")
    elif isinstance(ref, (tuple, list)):
        if not isinstance(out, (tuple, list)):
            structure.append(f"{name} is {_kind(out)}, expected a tuple of {len(ref)}")
            return
        if len(out) != len(ref):
            structure.append(f"{name} has {len(out)} items, expected {len(ref)}")
        for i, (o, r) in enumerate(zip(out, ref)):
            walk(o, r, _join(path, f"[{i}]"), structure, leaves)
    elif isinstance(ref, dict):
        if not isinstance(out, dict):
            structure.append(f"{name} is {_kind(out)}, expected a dict with keys {', '.join(ref)}")
            return
        missing = [k for k in ref if k not in out]
        if missing:
            structure.append(f"{name} has no key {', '.join(repr(k) for k in missing)}")
        for k in ref:
            if k in out:
                walk(out[k], ref[k], _join(path, f"['{k}']") if path else k, structure, leaves)
    elif out != ref:
        structure.append(f"{name} is {out!r}, expected {ref!r}")


def name_outputs(value: Any, spec: FunctionSpec) -> Any:
    """Top-level outputs by name: the spec's names for a tuple, the keys for a dict, "" for one value."""
    if spec.outputs is not None:
        if isinstance(value, (tuple, list)):
            return {n: v for n, v in zip(spec.outputs, value)}
        return {}
    if isinstance(value, dict):
        return value
    return {"": value}


def _compare(out: Any, ref: Any, spec: FunctionSpec) -> tuple[list[str], list[str], list[tuple]]:
    """(structural problems, value problems, failing leaves) of one case."""
    structure: list[str] = []
    leaves: list[tuple[str, Any, Any]] = []
    outs, refs = name_outputs(out, spec), name_outputs(ref, spec)
    if spec.outputs is not None and not isinstance(out, (tuple, list)):
        structure.append(f"the function returned {_kind(out)}, expected a tuple ({', '.join(spec.outputs)})")
    elif spec.outputs is not None and len(out) != len(spec.outputs):
        structure.append(f"the function returned {len(out)} values, expected {len(spec.outputs)} "
                         f"({', '.join(spec.outputs)})")
    else:
        walk(outs, refs, "", structure, leaves)
    values, failing = [], []
    if spec.outputs is not None and not leaves and structure:
        values.append(structure[0])
    for name, o, r in leaves:
        if o.size != r.size:
            values.append(f"{name} cannot be compared: it has {o.size} entries, expected {r.size}")
            failing.append((name, o, r))
            continue
        o = o.reshape(r.shape).astype(np.float64) if o.dtype.kind in "biuf" else o
        if not np.all(np.isfinite(o)):
            values.append(f"{name} contains NaN or inf")
            failing.append((name, o, r))
        elif not np.allclose(o, r, rtol=spec.rtol, atol=spec.atol):
            err = float(np.max(np.abs(o - r)))
            scale = float(np.max(np.abs(r))) if r.size else 0.0
            rel = f", relative {err / scale:.2g}" if scale > 0 else ""
            values.append(f"{name} differs from the expected value by up to {err:.3g}{rel}")
            failing.append((name, o, r))
    return structure, values, failing


def _matches(out: Any, mistake: dict, spec: FunctionSpec) -> bool:
    outs = name_outputs(out, spec)
    for key, value in mistake.items():
        if key not in outs:
            return False
        structure: list[str] = []
        leaves: list[tuple] = []
        walk(outs[key], value, "", structure, leaves)
        if not leaves or any(o.size != r.size or not np.allclose(o.reshape(r.shape), r, rtol=1e-6, atol=1e-8,
                                                                  equal_nan=False) for _, o, r in leaves):
            return False
    return bool(mistake)


def _generic_hint(failing: list[tuple]) -> str | None:
    """A hint from the shape of the first wrong output's error alone: sign, constant factor, transposition."""
    if not failing:
        return None
    name, o, r = failing[0]
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
        if np.allclose(ratio, ratio[0], rtol=1e-6) and not np.isclose(ratio[0], 1.0):
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
    others = list(dict.fromkeys(_top(n) for n, _, _ in failing[1:] if _top(n) != first))
    return values[0] + (f"; {', '.join(others)} also differ{'s' if len(others) == 1 else ''}" if others else "")


def judge(prep: Prepared, results: list[dict] | str) -> FunctionResult:
    """Score one function: ``results`` are :func:`autograde.calls.call_case` dicts, one per case, or a
    string saying why none came back (timed out, crashed...)."""
    spec = prep.spec
    ids = [c for c in CHECKS if c in spec.points]
    by_id = {c: CheckResult(CHECKS[c], False, "", float(spec.points[c])) for c in ids}
    checks = list(by_id.values())

    if isinstance(results, str) or len(results) != len(prep.cases) or all(r.get("not_implemented") for r in results):
        if isinstance(results, str):
            message = results
        elif len(results) != len(prep.cases):
            message = f"the function was called on {len(prep.cases)} inputs but {len(results)} results came back"
        else:
            message = NOT_IMPLEMENTED
        for chk in checks:
            chk.message = message
        return FunctionResult(spec.name, checks)

    # problems per check: (inputs label, what is wrong)
    problems: dict[str, list[tuple[str, str]]] = {c: [] for c in ids}
    hints: dict[str, str | None] = {"values": None, "edge": None}
    worst: dict[str, float] = {}  # per gradient key, the largest relative error against finite differences
    worst_ref: dict[str, float] = {}  # ... and against the reference's analytic gradient
    for i, (case, res) in enumerate(zip(prep.cases, results)):
        value_check = "edge" if case.edge else "values"
        if res.get("error"):
            for c in ids:
                if c in ("shapes", "unchanged", "gradients", value_check):
                    problems[c].append((case.label, res["error"]))
            continue
        out = res["outputs"]
        structure, values, failing = _compare(out, prep.expected[i], spec)
        if structure and "shapes" in problems:
            problems["shapes"].append((case.label, structure[0]))
        if values and value_check in problems:
            problems[value_check].append((case.label, _values_text(values, failing)))
            if hints[value_check] is None:
                hints[value_check] = _hint(prep, i, out, failing)
        if "unchanged" in problems:
            changed = _changed_inputs(case.args, res.get("args_after"))
            if changed:
                problems["unchanged"].append((case.label, f"{changed} was modified in place; {spec.unchanged_hint}"))
        if spec.gradient and prep.numeric is not None:
            for key, num in prep.numeric[i].items():
                got = _gradient_output(out, key, spec)
                ref = _gradient_output(prep.expected[i], key, spec)
                ok = isinstance(got, np.ndarray) and got.size == num.size
                for table, target in ((worst, num), (worst_ref, ref)):
                    err = relative_error(got.reshape(target.shape), target) if ok else float("inf")
                    table[key or "the output"] = max(table.get(key or "the output", 0.0), err)

    n_cases = {"values": sum(not c.edge for c in prep.cases), "edge": sum(c.edge for c in prep.cases)}
    oks = {"shapes": "every output has the expected shape and dtype",
           "values": f"all {n_cases['values']} inputs match the reference solution",
           "edge": f"all {n_cases['edge']} inputs match the reference solution",
           "unchanged": "no input array was modified"}
    for c in ids:
        if c != "gradients":
            _settle(by_id[c], problems[c], oks[c], hints.get(c))
    if "gradients" in by_id:
        _gradient_verdict(by_id["gradients"], prep, problems["gradients"], worst, worst_ref)
    return FunctionResult(spec.name, checks)


def _gradient_verdict(chk: CheckResult, prep: Prepared, problems: list, worst: dict[str, float],
                      worst_ref: dict[str, float]) -> None:
    grad = prep.spec.gradient
    if prep.numeric is None:
        chk.passed, chk.message = False, prep.numeric_error or "no finite-difference gradients to compare with"
        return
    if problems:
        _settle(chk, problems, "")
        return
    against = f"finite differences of {grad.forward}" if grad.forward else "the exact gradient"
    summary = ", ".join(f"{k} {v:.1e}{'' if v < grad.tolerance else ' ✗'}" for k, v in worst.items())
    reference = ", ".join(f"{k} {v:.1e}" for k, v in worst_ref.items())
    bad = [k for k, v in worst.items() if not v < grad.tolerance]
    text = f"relative error per key (worst input) against {against}: {summary}; against the reference: {reference}"
    if bad:
        chk.passed, chk.message = False, f"{text}. Above {grad.tolerance:g}: {', '.join(bad)}"
    else:
        chk.passed, chk.message = True, text


def _settle(chk: CheckResult, problems: list[tuple[str, str]], ok: str, hint: str | None = None) -> None:
    """Pass the check, or fail it with the first problem, on how many inputs, and the hint."""
    if not problems:
        chk.passed, chk.message = True, ok
        return
    label, text = problems[0]
    more = len(problems) - 1
    message = f"{text} (inputs: {label})" + (f"; wrong on {more} more input{'s' if more > 1 else ''}" if more else "")
    chk.passed, chk.message = False, message + (f". Hint: {hint}" if hint else "")


def _hint(prep: Prepared, i: int, out: Any, failing: list[tuple]) -> str | None:
    for j, mistake in enumerate(prep.spec.mistakes):
        try:
            if mistake.outputs is not None:
                wrong = prep.mistake_outputs(i, j)
                if wrong is not None and _matches(out, wrong, prep.spec):
                    return mistake.hint
            elif mistake.when is not None and mistake.when(out, prep.expected[i], prep.cases[i]):
                return mistake.hint
        except Exception:  # noqa: BLE001 - a hint that cannot be computed is no hint
            continue
    return _generic_hint(failing)


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
            if o.shape != r.shape or not np.array_equal(o, r, equal_nan=True):
                return path
    return None
