"""What the grader accepts from the student's process, message by message, and how it answers its calls.

Everything the student's process sends is checked here: which message may come when, its keys and the
types of its fields, and the size of what it holds. Nothing it wrote passes through as it is: texts are
cleaned and bounded; an error on a hidden input is rebuilt from what a report may say of it (:class:`Errors`);
a cell error is rebuilt from its fields (:func:`ready`); a cell or line that is not in the notebook is dropped.
A message that breaks the protocol raises :class:`Violation`, which costs the function its points and the
worker its life (:mod:`autograde.runner`). The calls a function makes back to the grader are answered by
:class:`Answerer`, within bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

import numpy as np

from autograde import calls, wire
from autograde.calls import call_case
from autograde.kernel import Cell, CellError

MAX_CALLS = 20_000  # calls back to the grader (reference functions, test functions) per graded function
MAX_CELL_ERRORS = 50
MAX_TEXT = 2000  # characters kept of any text from the student's process
MAX_KIND = 200  # characters kept of a cell error's exception class name
MAX_DETAIL = 301  # characters kept of what a cell error's exception said (kernel.locate keeps 300 and "…")
COMPLEX_REFUSED = ("refused: complex numbers are not used in this course, and this function used them while graded "
                   "(a backward pass must be computed by the chain rule, not by the complex-step method)")


class OutcomeKind(StrEnum):
    """What became of one graded function in the student's process."""

    ANSWERED = "answered"  # it ran on every input: ``cases`` holds what came back (values or errors)
    UNDEFINED = "undefined"  # the notebook defines no function of that name (or the name is not a function)
    NOTEBOOK_FAILED = "notebook_failed"  # the notebook's cells could not be run at all (for it or an earlier one)
    NOT_RUN = "not_run"  # the notebook's time limit was reached before the function ran
    TIMED_OUT = "timed_out"  # it did not finish within its time limit (or the notebook's)
    CRASHED = "crashed"  # its process ended or was killed (memory, CPU time) before answering
    REFUSED = "refused"  # it used complex numbers while graded
    BROKE_PROTOCOL = "broke_protocol"  # its process sent a message out of turn or malformed
    START_FAILED = "start_failed"  # its process (or its private /tmp) could not be started: no student code ran


@dataclass
class Outcome:
    """What came back for one function."""

    kind: OutcomeKind
    cases: list[dict] | None = None  # per-case results (autograde.calls), when ANSWERED
    failure: str | None = None  # why no results came back, otherwise


class Violation(Exception):
    """The student's process broke the protocol; the message says how."""


def text(value: Any) -> str:
    """Text from the student's process, as a report may hold it: cleaned, at most MAX_TEXT characters."""
    return wire.clean_text(value if isinstance(value, str) else str(value))[:MAX_TEXT]


def _lines(cells: list[Cell]) -> dict[int, int]:
    """The number of lines of each of the notebook's cells, by index."""
    return {c.index: c.source.count("\n") + 1 for c in cells}


def _place(cell: int | None, line: int | None, lines: dict[int, int]) -> tuple[int | None, int | None]:
    """(cell, line) when it is a line of one of the notebook's cells (``lines``: their lengths), else (None, None)."""
    if cell is None or line is None or not 0 <= line <= lines.get(cell, -1):
        return None, None
    return cell, line


_CELL_ERROR = {"index", "kind", "detail", "cell", "line"}


def _cell_error(value: Any, lines: dict[int, int]) -> CellError:
    """A cell error rebuilt from its fields: the running cell must be one of the notebook's; texts are
    cleaned and bounded; a place that is not a line of the notebook's cells is dropped."""
    if not isinstance(value, dict) or set(value) != _CELL_ERROR or type(value["index"]) is not int \
            or type(value["kind"]) is not str or type(value["detail"]) is not str \
            or not all(value[k] is None or type(value[k]) is int for k in ("cell", "line")):
        raise Violation("a malformed list of cell errors")
    if value["index"] not in lines:
        raise Violation("a cell error of a cell the notebook does not have")
    detail = text(value["detail"])
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL - 1] + "…"
    place = _place(value["cell"], value["line"], lines)
    return CellError(value["index"], text(value["kind"])[:MAX_KIND], detail, *place)


def ready(message: Any, cells: list[Cell]) -> tuple[list[CellError], str | None]:
    """(cell errors, why the function is missing or None) from the child's first message."""
    if not isinstance(message, dict) or message.get("type") != "ready" \
            or set(message) != {"type", "cell_errors", "missing"}:
        raise Violation("a message out of turn while the notebook's cells ran")
    errors, missing = message["cell_errors"], message["missing"]
    if not isinstance(errors, list):
        raise Violation("a malformed list of cell errors")
    lines = _lines(cells)
    rebuilt = [_cell_error(e, lines) for e in errors]
    if missing is not None and not isinstance(missing, str):
        raise Violation("a malformed answer about the function")
    return rebuilt[:MAX_CELL_ERRORS], None if missing is None else text(missing)


def _exception_names() -> frozenset[str]:
    import builtins

    return frozenset(n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)) | \
        frozenset(n for m in (np.linalg, np.exceptions) for n, v in vars(m).items()
                  if isinstance(v, type) and issubclass(v, BaseException))


_HIDDEN = {"what", "kind", "subclass", "cell", "line"}


class Errors:
    """What a hidden case's report may say of an error (a :class:`calls.HiddenError`), rebuilt by the grader
    from the fields the child sends: a built-in or NumPy exception class's name (any other: "an exception"), a
    cell and line of the notebook that exist (else none), or one of the kinds of an output that cannot cross.
    Nothing the student's process wrote passes through as it is: its code can write anything on its own
    socket, the hidden inputs included."""

    def __init__(self, cells: list[Cell]):
        self.lines = _lines(cells)
        self.names = _exception_names()

    def __call__(self, fields: Any) -> calls.HiddenError:
        if not isinstance(fields, dict) or set(fields) != _HIDDEN or fields["what"] not in \
                (calls.RAISED, calls.RETURNED, calls.REPLACED) or type(fields["kind"]) is not str \
                or type(fields["subclass"]) is not bool \
                or not all(fields[k] is None or type(fields[k]) is int for k in ("cell", "line")):
            raise Violation("a malformed error")
        kind, cell, line = fields["kind"], fields["cell"], fields["line"]
        if fields["what"] != calls.RAISED:
            return calls.HiddenError(fields["what"], kind if kind in calls.WIRE_KINDS else calls.WIRE_KINDS[-1])
        if kind not in self.names:
            return calls.HiddenError(calls.RAISED, "an exception", False, *_place(cell, line, self.lines))
        return calls.HiddenError(calls.RAISED, kind, fields["subclass"], *_place(cell, line, self.lines))


_CASE = {"outputs", "args_after", "error", "not_implemented", "hidden"}


def results(message: dict, n_cases: int, memory: str, errors: Errors) -> list[dict]:
    """The cases of a result message, checked field by field; errors rebuilt by ``errors`` from their fields
    (never from a text of the child's); a MemoryError said to be the memory limit (``memory``, e.g. "2 GiB")."""
    cases = message.get("cases")
    if set(message) != {"type", "cases"} or not isinstance(cases, list) or len(cases) != n_cases:
        raise Violation("a result that is not one answer per input")
    clean = []
    for c in cases:
        if not isinstance(c, dict) or set(c) != _CASE or type(c["not_implemented"]) is not bool \
                or not (c["error"] is None or isinstance(c["error"], str)):
            raise Violation("a result whose answers are not of the form {outputs, args_after, error, "
                            "not_implemented, hidden}")
        error = None
        if c["not_implemented"]:
            error = calls.NOT_IMPLEMENTED
        elif c["hidden"] is not None:
            rebuilt = errors(c["hidden"])
            error = rebuilt.text
            if rebuilt.what == calls.RAISED and rebuilt.kind == "MemoryError" and not rebuilt.subclass:
                error = f"used more than {memory} of memory ({rebuilt.described})"
        elif c["error"] is not None:  # an error without its fields: nothing of it is shown
            error = calls.HiddenError(calls.RAISED, "an exception").text
        clean.append({"outputs": c["outputs"], "args_after": c["args_after"], "error": error,
                      "not_implemented": c["not_implemented"]})
    return clean


def _array_bounds(cases: list[dict]) -> tuple[int, int, int]:
    """(largest dimension, most dimensions, most entries) of the arrays in a function's inputs."""
    dims, ndims, sizes = [1], [1], [1]

    def visit(v: Any) -> None:
        if isinstance(v, np.ndarray):
            dims.extend(v.shape or (1,))
            ndims.append(v.ndim)
            sizes.append(v.size)
        elif isinstance(v, dict):
            for x in v.values():
                visit(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                visit(x)

    for case in cases:
        visit(case)
    return max(dims), max(ndims), max(sizes)


class Answerer:
    """Answers a function's calls back to the grader: the reference versions of the graded functions it can
    reach and the test functions its inputs carry, on arguments of the sizes its own inputs have (so that no
    call makes the grader compute something bigger than grading that function needs)."""

    def __init__(self, reference: dict[str, Callable], cases: list[dict]):
        self.reference = reference
        self.calls = 0
        max_dim, max_ndim, max_size = _array_bounds(cases)
        self.max_dim, self.max_ndim, self.max_size = 2 * max_dim + 8, max_ndim + 1, 4 * max_size + 64

    def _too_big(self, value: Any, depth: int = 0) -> str | None:
        if isinstance(value, np.ndarray):
            if value.ndim > self.max_ndim or value.size > self.max_size or any(n > self.max_dim for n in value.shape):
                return f"an array of shape {value.shape}, larger than anything grading this function needs"
        elif isinstance(value, (list, tuple)):
            if len(value) > 4 * self.max_size:
                return "a list longer than anything grading this function needs"
            return next((p for p in (self._too_big(v, depth + 1) for v in value) if p), None)
        elif isinstance(value, dict):
            return next((p for p in (self._too_big(v, depth + 1) for v in value.values()) if p), None)
        return None

    def __call__(self, message: dict) -> dict:
        name, args, kwargs = message.get("name"), message.get("args"), message.get("kwargs")
        if type(name) is not str or type(args) is not list or type(kwargs) is not dict:
            raise Violation("a call to the grader that is not of the form {name, args, kwargs}")
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise Violation(f"more than {MAX_CALLS} calls to the reference functions")
        if name.startswith("$test:"):
            from autograde import testfunctions

            if name[6:] not in testfunctions.NAMES:
                raise Violation("a call to an unknown test function")
            fn, label = testfunctions.function(name[6:]), "f"
        elif name in self.reference:
            fn, label = self.reference[name], f"the reference {name}"
        else:
            raise Violation(f"a call to {text(name)[:60]!r}, which is not a function it may call")
        problem = self._too_big([args, kwargs])
        if problem:
            return {"type": "raise", "message": f"{label} was called with {problem}"}
        res = call_case(lambda: fn(*args, **kwargs), {})
        if res["error"]:
            return {"type": "raise", "message": f"{label} {res['error']} on the arguments given to it"}
        return {"type": "return", "value": res["outputs"]}
