"""Comparing data: a student's outputs against the reference's, leaf by leaf.

:func:`walk` pairs every leaf of the reference's output with the student's (a missing or unusable one stands
as :class:`Missing`), :func:`_compare` turns the pairs into structural and value problems, worded under the
redaction of :mod:`autograde.checks.redact`. Nothing here gives a verdict: the checks do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograde.checks.redact import _known, _magnitude, _shown
from autograde.spec import FunctionSpec


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
    if isinstance(x, np.ndarray):  # (a hidden case's student's array: its shape only if made of known sizes)
        return f"an array of shape {x.shape}" if _shown(*x.shape) else "an array"
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
    return (structure, *_value_problems(leaves, spec))


def _value_problems(leaves: list[tuple[str, Any, Any]], spec: FunctionSpec) -> tuple[list[str], list[tuple]]:
    """(value problems, failing leaves) of the leaf pairs of one case (see _leaves)."""
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
    return values, failing


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _tolerance(spec: FunctionSpec, name: str) -> tuple[float, float]:
    return spec.rtol, spec.atol


def _answered(leaves: list[tuple[str, Any, Any]]) -> bool:
    """Whether an output, by its leaf pairs (see _leaves), holds anything usable at all (if not, no check of
    the case can pass)."""
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



def _same(a: Any, b: Any) -> bool:
    """Whether two outputs are the same data (numbers to a tolerance)."""
    structure: list[str] = []
    leaves: list[tuple] = []
    try:
        walk(a, b, "", structure, leaves)
    except Exception:  # noqa: BLE001 - data of unexpected kinds are simply not the same
        return False
    return not structure and all(_close(o, r) for _, o, r in leaves)


def _top(name: str) -> str:
    """The top-level output a leaf belongs to: ``caches[0][1]`` -> ``caches``."""
    for i, ch in enumerate(name):
        if ch in "[.":
            return name[:i]
    return name


def _values_text(values: list[str], failing: list[tuple]) -> str:
    """A value check's message for one case: its first problem, and the other top-level outputs also wrong."""
    first = _top(failing[0][0]) if failing else None
    # (items of a list output have no top-level name: "[3]")
    others = list(dict.fromkeys(_top(n) for n, _, _ in failing[1:] if _top(n) and _top(n) != first))
    return values[0] + (f"; also wrong: {', '.join(others)}" if others else "")


def _gradient_output(out: Any, key: str, spec: FunctionSpec) -> Any:
    """The gradient named ``key`` (see :class:`autograde.spec.Gradient`) in an output; None if there is none."""
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
