"""Calling a student's function on prepared inputs: the part of grading that runs student code.

This runs in the student's process when grading (:mod:`autograde.worker`) and in the notebook's kernel
for a self-check. It only calls and collects plain data; it never judges. What it returns for each case
is a dict ``{"outputs", "args_after", "error", "not_implemented"}`` of plain data (:mod:`autograde.wire`).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from autograde import wire
from course_utils.notebooks import describe_exception

NOT_IMPLEMENTED = "not implemented yet"

Resolver = Callable[[wire.FunctionRef], Callable]


def local_test_function(ref: wire.FunctionRef) -> Callable:
    """A test function computed in this process (the grader's, or a self-check's kernel). In the sandbox the
    worker resolves them to calls answered by the grader instead: their code never enters it."""
    from autograde import testfunctions

    return testfunctions.function(ref.name)


def _resolve(value: Any, resolve: Resolver) -> Any:
    """Arguments as the student's function receives them: fresh copies, test functions made callable."""
    if isinstance(value, wire.FunctionRef):
        return resolve(value)
    if isinstance(value, dict):
        return {k: _resolve(v, resolve) for k, v in value.items()}
    return value


def _unresolve(value: Any, original: Any) -> Any:
    if isinstance(original, wire.FunctionRef):
        return original
    if isinstance(original, dict) and isinstance(value, dict):
        return {k: _unresolve(v, original.get(k)) for k, v in value.items()}
    return value


def call_case(fn: Callable, args: dict, resolve: Resolver = local_test_function) -> dict:
    """Call ``fn`` positionally with a copy of ``args``; return its outputs and the arguments afterwards."""
    given = {k: _resolve(v, resolve) for k, v in wire.copy(args).items()}
    result: dict[str, Any] = {"outputs": None, "args_after": None, "error": None, "not_implemented": False}
    try:
        out = fn(*given.values())
    except NotImplementedError:
        result["error"], result["not_implemented"] = NOT_IMPLEMENTED, True
        return result
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are answers too
        result["error"] = "raised " + describe_exception(exc)
        return result
    try:
        result["outputs"] = wire.copy(out)
    except wire.WireError as exc:
        result["error"] = f"returned {exc}; outputs must be NumPy arrays, numbers, tuples, lists or dicts"
        return result
    try:
        result["args_after"] = wire.copy({k: _unresolve(v, args[k]) for k, v in given.items()})
    except wire.WireError as exc:
        result["error"] = f"replaced an input by {exc}"
    return result


def run_cases(fn: Callable, namespace: dict, cases: list[dict], deps: dict[str, Callable],
              resolve: Resolver = local_test_function) -> list[dict]:
    """Call ``fn`` on each case's arguments with the functions in ``deps`` standing in for the graded
    functions it can reach in ``namespace`` (the globals ``fn`` sees): by name, and under any other name that
    holds the same function object (``cell = rnn_cell_forward``). Everything is restored afterwards."""
    missing = object()
    originals = {id(namespace[name]): dep for name, dep in deps.items()
                 if callable(namespace.get(name)) and namespace.get(name) is not fn}
    saved: list[tuple[str, Any]] = []
    for key, value in list(namespace.items()):
        if id(value) in originals and value is not fn:
            saved.append((key, value))
            namespace[key] = originals[id(value)]
    for name, dep in deps.items():
        saved.append((name, namespace.get(name, missing)))
        namespace[name] = dep
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return [call_case(fn, args, resolve) for args in cases]
    finally:
        for name, value in reversed(saved):
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value
