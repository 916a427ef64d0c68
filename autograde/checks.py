"""Verdicts: the student's outputs against the expected ones, check by check.

Everything here runs in the grader's process (or, for a self-check, the student's kernel) on plain data
returned by :mod:`autograde.calls`; nothing the student's code says about itself is taken into account.
Messages name the output or key that is wrong and by how much, and give a hint where the mistake is
recognisable; they never show hidden inputs or reference code.
"""

from __future__ import annotations

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

def _case_error_message(label: str, error: str) -> str:
    return f"{error} (inputs: {label})"


def judge(prep: Prepared, results: list[dict] | str) -> FunctionResult:
    """Score one function: ``results`` are :func:`autograde.calls.call_case` dicts, one per case, or a
    string saying why none came back (timed out, crashed...)."""
    spec = prep.spec
    checks = [CheckResult(CHECKS[c], False, "", float(spec.points[c])) for c in CHECKS if c in spec.points]
    by_id = {c: chk for c, chk in zip([c for c in CHECKS if c in spec.points], checks)}

    def fail_all(message: str) -> FunctionResult:
        for chk in checks:
            chk.message = message
        return FunctionResult(spec.name, checks)

    if isinstance(results, str):
        return fail_all(results)
    if len(results) != len(prep.cases):
        return fail_all(f"the function was called on {len(prep.cases)} inputs but {len(results)} results came back")
    if all(r.get("not_implemented") for r in results):
        return fail_all(NOT_IMPLEMENTED)

    shapes_msgs, grad_msgs, unchanged_msgs = [], [], []
    value_msgs: dict[bool, list[str]] = {False: [], True: []}
    hints: dict[bool, str | None] = {False: None, True: None}
    worst: dict[str, float] = {}
    for i, (case, res) in enumerate(zip(prep.cases, results)):
        error = res.get("error")
        if error:
            msg = _case_error_message(case.label, error)
            for bucket in (shapes_msgs, value_msgs[case.edge], unchanged_msgs):
                bucket.append(msg)
            if spec.gradient:
                grad_msgs.append(msg)
            continue
        out = res["outputs"]
        structure, values, failing = _compare(out, prep.expected[i], spec)
        shapes_msgs += [f"{m} (inputs: {case.label})" for m in structure]
        if values:
            value_msgs[case.edge].append(f"{values[0]} (inputs: {case.label})"
                                         + (f"; {len(values) - 1} more output(s) differ" if len(values) > 1 else ""))
            if hints[case.edge] is None:
                hints[case.edge] = _hint(prep, i, out, failing)
        if "unchanged" in by_id:
            changed = _changed_inputs(case.args, res.get("args_after"))
            if changed:
                unchanged_msgs.append(f"{changed} was modified in place (inputs: {case.label}); {spec.unchanged_hint}")
        if spec.gradient:
            if prep.numeric is None:
                grad_msgs.append(prep.numeric_error or "no finite-difference gradients to compare with")
                continue
            for key, num in prep.numeric[i].items():
                got = _gradient_output(out, key, spec)
                err = relative_error(got, num) if isinstance(got, np.ndarray) and got.size == num.size else float("inf")
                if isinstance(got, np.ndarray) and got.size == num.size:
                    err = relative_error(got.reshape(num.shape), num)
                label = key or "the output"
                worst[label] = max(worst.get(label, 0.0), err)

    _settle(by_id.get("shapes"), shapes_msgs, "every output has the expected shape and dtype")
    for edge, cid in ((False, "values"), (True, "edge")):
        n = sum(1 for c in prep.cases if c.edge == edge)
        msgs = value_msgs[edge]
        if hints[edge]:
            msgs = msgs + [f"Hint: {hints[edge]}"]
        _settle(by_id.get(cid), msgs, f"all {n} inputs match the reference solution")
    if spec.gradient and "gradients" in by_id:
        chk = by_id["gradients"]
        tol = spec.gradient.tolerance
        against = f"finite differences of {spec.gradient.forward}" if spec.gradient.forward else "the exact gradient"
        summary = ", ".join(f"{k} {v:.1e}{'' if v < tol else ' ✗'}" for k, v in worst.items())
        bad = [k for k, v in worst.items() if not v < tol]
        if grad_msgs:
            _settle(chk, grad_msgs, "")
        elif bad:
            chk.passed, chk.message = False, (f"relative error against {against} (worst input): {summary}; "
                                              f"{', '.join(bad)} above {tol:g}")
        else:
            chk.passed, chk.message = True, f"relative error against {against}: {summary}"
    _settle(by_id.get("unchanged"), unchanged_msgs, "no input array was modified")
    return FunctionResult(spec.name, checks)


def _settle(chk: CheckResult | None, problems: list[str], ok: str) -> None:
    if chk is None:
        return
    if problems:
        extra = f" (+{len(problems) - 1} more)" if len(problems) > 2 and not problems[-1].startswith("Hint") else ""
        shown = [p for p in problems if not p.startswith("Hint")][:1] + [p for p in problems if p.startswith("Hint")]
        chk.passed, chk.message = False, "; ".join(shown) + extra
    else:
        chk.passed, chk.message = True, ok


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
        return out.get(key)
    return out


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
