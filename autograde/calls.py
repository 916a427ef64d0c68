"""Calling a student's function on prepared inputs: the part of grading that runs student code.

This runs in the student's process when grading (:mod:`autograde.worker`) and in the notebook's kernel
for a self-check. It only calls and collects plain data; it never judges. What it returns for each case
is a dict ``{"outputs", "args_after", "error", "not_implemented"}`` of plain data (:mod:`autograde.wire`).
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Callable

import numpy as np

from autograde import wire
from autograde.kernel import describe_exception

NOT_IMPLEMENTED = "not implemented yet"
PLAIN_DATA = "outputs must be NumPy arrays, numbers, tuples, lists or dicts"

Resolver = Callable[[wire.FunctionRef], Callable]


def _resolve(value: Any, resolve: Resolver | None) -> Any:
    """Arguments as the student's function receives them: fresh copies, test functions made callable,
    generators made from their seeds."""
    if isinstance(value, wire.FunctionRef):
        if resolve is None:  # the caller's mistake, not the student's: every caller with test functions passes one
            raise TypeError(f"no resolver was given for the test function {value.name!r}")
        return resolve(value)
    if isinstance(value, wire.GeneratorRef):
        return value.make()
    if isinstance(value, dict):
        return {k: _resolve(v, resolve) for k, v in value.items()}
    return value


def _unresolve(value: Any, original: Any) -> Any:
    if isinstance(original, (wire.FunctionRef, wire.GeneratorRef)):
        return original
    if isinstance(original, dict) and isinstance(value, dict):
        return {k: _unresolve(v, original.get(k)) for k, v in value.items()}
    return value


def exception_type(exc: BaseException) -> str:
    """An exception's type as a hidden case's report may show it: the name of a built-in or NumPy exception
    class, never a name the student's code chose (a class made while the hidden inputs are at hand could be
    named after them)."""
    import builtins

    own = False  # a class of the student's own below the one named (NumPy's own, such as its MemoryError, are not)
    for cls in type(exc).__mro__:
        name = cls.__name__
        if any(getattr(m, name, None) is cls for m in (builtins, np.linalg, np.exceptions)):
            return f"an exception of the notebook's own class (a subclass of {name})" if own else name
        if not str(getattr(cls, "__module__", "")).startswith("numpy"):
            own = True
    return "an exception"


def where_raised(exc: BaseException) -> str:
    """`` (cell N, line M)``: the innermost line of the notebook's own cells in the traceback, if any."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<cell ") and frame.filename[6:-1].isdigit() and frame.lineno:
            return f" (cell {int(frame.filename[6:-1])}, line {int(frame.lineno)})"
    return ""


def describe_hidden(exc: BaseException) -> str:
    """An exception on a hidden input: its type and where in the notebook, never its message (which the
    student's code can fill with the hidden inputs)."""
    return f"{exception_type(exc)}{where_raised(exc)}"


WIRE_KINDS = wire.KINDS  # what a hidden case's report says of an output that cannot cross (wire.WireError.kind)


def call_case(fn: Callable, args: dict, resolve: Resolver | None = None, hidden: bool = False,
              watch: Any = None) -> dict:
    """Call ``fn`` positionally with a copy of ``args``; return its outputs and the arguments afterwards.
    With ``hidden`` (the grader's hidden inputs), an error is described without any text of the student's
    code: :func:`describe_hidden`, :data:`WIRE_KINDS`. ``watch``, a context manager, is entered around the
    call of ``fn`` alone (the worker's watch for complex numbers)."""
    given = {k: _resolve(v, resolve) for k, v in wire.copy(args).items()}
    result: dict[str, Any] = {"outputs": None, "args_after": None, "error": None, "not_implemented": False}
    try:
        with watch if watch is not None else contextlib.nullcontext():
            out = fn(*given.values())
    except NotImplementedError:
        result["error"], result["not_implemented"] = NOT_IMPLEMENTED, True
        return result
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are answers too
        result["error"] = "raised " + (describe_hidden(exc) if hidden else describe_exception(exc))
        return result
    try:
        result["outputs"] = wire.copy(out)
    except wire.WireError as exc:
        result["error"] = f"returned {exc.kind if hidden else exc}; {PLAIN_DATA}"
        return result
    try:
        result["args_after"] = wire.copy({k: _unresolve(v, args[k]) for k, v in given.items()})
    except wire.WireError as exc:
        result["error"] = f"replaced an input by {exc.kind if hidden else exc}"
    return result


def run_cases(fn: Callable, namespace: dict, cases: list[dict], deps: dict[str, Callable],
              resolve: Resolver | None = None, hidden: bool = False, watch: Any = None) -> list[dict]:
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
            return [call_case(fn, args, resolve, hidden, watch) for args in cases]
    finally:
        for name, value in reversed(saved):
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value
