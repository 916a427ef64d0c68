"""Calling a student's function on prepared inputs: the part of grading that runs student code.

This runs in the student's process when grading (:mod:`autograde.worker`) and in the notebook's kernel
for a self-check. It only calls and collects plain data; it never judges. What it returns for each case
is a dict ``{"outputs", "args_after", "error", "not_implemented"}`` of plain data (:mod:`autograde.wire`), and
on hidden inputs ``"hidden"``: an error's :class:`HiddenError` fields, from which the grader makes its text.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import asdict, dataclass
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


RAISED, RETURNED, REPLACED = "raised", "returned", "replaced"


@dataclass(frozen=True)
class HiddenError:
    """What a hidden case's report may say of an error, as fields: never a text of the student's code (an
    exception's message, a class's name, a dict key), which it could fill with the hidden inputs at hand.

    ``what`` is RAISED (``kind``: a built-in or NumPy exception class's name, or "an exception"; ``subclass``:
    the notebook's own class, a subclass of ``kind``; ``cell``/``line``: where in the notebook's cells), or
    RETURNED / REPLACED (an output, or an input after the call, that cannot cross: ``kind`` is one of
    :data:`wire.KINDS`). The grader receives these fields from the student's process, checks them and makes
    the text from them (:mod:`autograde.protocol`)."""

    what: str
    kind: str
    subclass: bool = False
    cell: int | None = None
    line: int | None = None

    @property
    def described(self) -> str:
        """What was raised and where, e.g. "ValueError (cell 3, line 2)"."""
        kind = f"an exception of the notebook's own class (a subclass of {self.kind})" if self.subclass else self.kind
        where = f" (cell {self.cell}, line {self.line})" if self.cell is not None and self.line is not None else ""
        return kind + where

    @property
    def text(self) -> str:
        if self.what == RAISED:
            return f"raised {self.described}"
        if self.what == RETURNED:
            return f"returned {self.kind}; {PLAIN_DATA}"
        return f"replaced an input by {self.kind}"

    @classmethod
    def of(cls, exc: BaseException) -> "HiddenError":
        """An exception raised on a hidden input: its type as a built-in or NumPy exception class, never a
        name the student's code chose, and the innermost line of the notebook's own cells in the traceback."""
        import builtins
        import traceback

        kind, own = "an exception", False  # own: a class of the student's below the one named (NumPy's are not)
        for klass in type(exc).__mro__:
            name = klass.__name__
            if any(getattr(m, name, None) is klass for m in (builtins, np.linalg, np.exceptions)):
                kind, subclass = name, own
                break
            if not str(getattr(klass, "__module__", "")).startswith("numpy"):
                own = True
        else:
            subclass = False
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith("<cell ") and frame.filename[6:-1].isdigit() and frame.lineno:
                return cls(RAISED, kind, subclass, int(frame.filename[6:-1]), int(frame.lineno))
        return cls(RAISED, kind, subclass)


WIRE_KINDS = wire.KINDS  # what a hidden case's report says of an output that cannot cross (wire.WireError.kind)


def call_case(fn: Callable, args: dict, resolve: Resolver | None = None, hidden: bool = False,
              watch: Any = None) -> dict:
    """Call ``fn`` positionally with a copy of ``args``; return its outputs and the arguments afterwards.
    With ``hidden`` (the grader's hidden inputs), an error is described without any text of the student's
    code: only the fields of a :class:`HiddenError` (``result["hidden"]``, and its text as the error). ``watch``, a context manager, is entered around the
    call of ``fn`` alone (the worker's watch for complex numbers)."""
    given = {k: _resolve(v, resolve) for k, v in wire.copy(args).items()}
    result: dict[str, Any] = {"outputs": None, "args_after": None, "error": None, "not_implemented": False}
    if hidden:
        result["hidden"] = None  # a HiddenError's fields, when an error is met
    try:
        with watch if watch is not None else contextlib.nullcontext():
            out = fn(*given.values())
    except NotImplementedError:
        result["error"], result["not_implemented"] = NOT_IMPLEMENTED, True
        return result
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are answers too
        return _failed(result, HiddenError.of(exc) if hidden else None, f"raised {describe_exception(exc)}")
    try:
        result["outputs"] = wire.copy(out)
    except wire.WireError as exc:
        return _failed(result, HiddenError(RETURNED, exc.kind) if hidden else None, f"returned {exc}; {PLAIN_DATA}")
    try:
        result["args_after"] = wire.copy({k: _unresolve(v, args[k]) for k, v in given.items()})
    except wire.WireError as exc:
        return _failed(result, HiddenError(REPLACED, exc.kind) if hidden else None, f"replaced an input by {exc}")
    return result


def _failed(result: dict, hidden: HiddenError | None, visible: str) -> dict:
    """``result`` with its error: on a hidden input only what a :class:`HiddenError` says, else ``visible``."""
    if hidden is None:
        result["error"] = visible
    else:
        result["error"], result["hidden"] = hidden.text, asdict(hidden)
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
