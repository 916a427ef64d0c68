"""The self-check cells of the notebooks, and their hidden part that nbgrader runs when it autogrades.

In a notebook::

    from autograde.selfcheck import SelfCheck
    check = SelfCheck("03_recurrent_neural_network")
    ...
    check(rnn_cell_forward)        # a self-check cell: prints each check, returns the points

``check(fn)`` runs ``fn`` in the kernel on the *visible* cases stored beside the notebook by
``python -m autograde build`` (no solutions needed), with the same checks and messages as the grader, and
the same score on those cases: the stored file holds the reference's finite-difference gradients and its
answers to the calls the reference makes to other graded functions on those cases, which ``fn`` gets when it
makes the same calls (as the grader gives it the reference's). ``check.grade(fn)`` is the hidden test of
the nbgrader version: hidden inputs and the reference from ``solutions/``, dependencies replaced by the
reference, exactly as ``python -m autograde grade`` scores it (but in the kernel, where the student's code could interfere: see docs/design.md).

Both return the points as a float, the last value of the cell, which nbgrader reads as partial credit.
Nothing is printed to stderr (nbgrader would give such a cell 0 points).
"""

from __future__ import annotations

import inspect
import json
import time
import warnings
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograde import paths, specs, stored, testfunctions, wire
from autograde.calls import run_cases
from autograde.checks import Prepared, judge
from autograde.results import FunctionResult, Status
from autograde.spec import Case, hidden_seed


@lru_cache(maxsize=None)
def _stored(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _find_stored(stem: str) -> Path | None:
    here = Path.cwd()
    name = f"{stem}.selfcheck.json"
    for candidate in (here / name, here.parent / stem / name, paths.expected_file(stem)):
        if candidate.is_file():
            return candidate
    return None


def _stored_function(stem: str, name: str) -> dict | str:
    """What the build stored for a function's visible cases, or a message saying why there is nothing."""
    path = _find_stored(stem)
    if path is None:
        return (f"the stored cases {stem}.selfcheck.json were not found beside the notebook; "
                "run `python -m autograde build` or copy the file from assignments/")
    data = _stored(str(path), path.stat().st_mtime).get("functions", {}).get(name)
    if data is None or "calls" not in data:
        return f"{path.name} has no cases for {name}; run `python -m autograde build`"
    return data


# see Prepared.analytic_floor: finite differences (eps 1e-5) of a smooth function agree with backpropagation to
# about 1e-10 to 1e-8, rounding of the stored cases to 12 digits moves an honest gradient by up to ~1e-11
STORED_ANALYTIC_FLOOR = 1e-9


def visible_prepared(stem: str, name: str) -> Prepared | str:
    """The visible cases of a function from the stored file, or a message saying why there are none."""
    fspec = specs.get(stem).function(name)
    data = _stored_function(stem, name)
    if isinstance(data, str):
        return data
    cases = [Case(c["label"], wire.from_json(c["args"]), wire.from_json(c["context"]), c["edge"])
             for c in data["cases"]]
    expected = [wire.from_json(e) for e in data["expected"]]
    mistakes = [[wire.from_json(m) for m in per_case] for per_case in data["mistakes"]]
    numeric = [wire.from_json(n) for n in data["numeric"]] if data.get("numeric") is not None else None
    return Prepared(fspec, cases, expected, lambda i, j: mistakes[i][j], numeric,
                    None if numeric is not None or fspec.gradient is None else f"{name} has no stored gradients",
                    analytic_floor=STORED_ANALYTIC_FLOOR, hidden=False)


class _Replay:
    """A dependency as a self-check calls it: the reference's recorded answer to a call the build recorded
    (the same call, to a tolerance), else the student's own function. ``fell_through`` tells whether the
    student's own was called."""

    def __init__(self, name: str, recorded: list[dict], own: Any):
        self.name, self.own, self.fell_through = name, own, False
        self.recorded = [(wire.from_json(c["args"]), c["outputs"]) for c in recorded if c["name"] == name]
        self.signature = None
        if callable(own):
            try:
                self.signature = inspect.signature(own)
            except (TypeError, ValueError):
                pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        given = args
        if kwargs and self.signature is not None:
            try:
                bound = self.signature.bind(*args, **kwargs)
                bound.apply_defaults()
                given = tuple(bound.arguments.values())
            except TypeError:
                pass
        for rec_args, outputs in self.recorded:
            if stored.close(tuple(given), rec_args, rtol=1e-7, atol=1e-10):
                return wire.from_json(outputs)
        self.fell_through = True
        if not callable(self.own):
            raise NameError(f"{self.name} is not defined in this notebook")
        return self.own(*args, **kwargs)


def _replays(stem: str, fspec, namespace: dict) -> dict[str, _Replay]:
    data = _stored_function(stem, fspec.name)
    calls = [c for per_case in data["calls"] for c in per_case] if isinstance(data, dict) else []
    return {dep: _Replay(dep, calls, namespace.get(dep)) for dep in fspec.depends}


def format_result(result: FunctionResult, mode: str, seconds: float) -> str:
    lines = [f"{result.name} ({mode}): {result.score:g} / {result.max_score:g} points  [{seconds:.2f} s]"]
    if result.score == 0 and len({c.text for c in result.checks}) == 1:
        return "\n".join(lines + [f"  ✗ every check: {result.checks[0].text}"])
    for chk in result.checks:
        lines.append(f"  {'✓' if chk.passed else '✗'} {chk.name} ({chk.points:g}): {chk.text}")
    return "\n".join(lines)


def _judge(fspec, fn: Callable, prep: Prepared | str, deps: dict[str, Callable]) -> FunctionResult:
    if isinstance(prep, str):
        return judge(Prepared(fspec, [], [], lambda i, j: None), prep)
    namespace = fn.__globals__ if hasattr(fn, "__globals__") else {}
    return judge(prep, run_cases(fn, namespace, [c.args for c in prep.cases], deps, testfunctions.resolve,
                                   hidden=prep.hidden))


def visible_result(stem: str, name: str, fn: Callable, depth: int = 0) -> tuple[FunctionResult, list[str]]:
    """``fn``'s result on the visible cases, and notes about the student's functions that it calls.

    ``fn`` calls the student's own dependencies, except for the calls the build recorded for these cases,
    which get the reference's recorded answer, as the grader's calls do: so the score is the grader's on
    these cases, and a mistake in a dependency is charged to it, not to ``fn``. When ``fn`` made another
    call to a dependency that fails its own self-check, the failures here are said to be likely its.
    """
    nb = specs.get(stem)
    fspec = nb.function(name)
    namespace = fn.__globals__ if hasattr(fn, "__globals__") else {}
    replays = _replays(stem, fspec, namespace)
    result = _judge(fspec, fn, visible_prepared(stem, name), replays)
    through = [dep for dep, replay in replays.items() if replay.fell_through]
    if _not_started(result) and not through:
        return result, []  # nothing about what it calls until the student has started it
    notes = []
    for dep, replay in replays.items():
        home = nb.home_of(dep)
        if depth > 4:
            continue
        state = _state(home, dep, replay.own, depth)
        if state is None:
            continue
        where = "" if home == stem else f" (notebook {home})"
        if state.kind is _Kind.UNUSABLE:
            failing = f"Note: {dep} {state.text}"
        else:
            failing = f"Note: your {dep}{where} {state.text}"
        if replay.fell_through and result.score < result.max_score:
            if state.kind in (_Kind.UNUSABLE, _Kind.UNDEFINED):
                notes.append(f"{failing}, and {name} called it on inputs other than the reference's, so the checks "
                             f"below that needed it could not pass here. The grader gives {name} the reference "
                             f"{dep}, so there {name} may score more.")
                cause = f"{dep} is missing here (see the note above)"
            else:
                notes.append(f"{failing}, and {name} called it on inputs other than the reference's, so it is the "
                             f"likely cause of what fails below: fix {dep} first. (The grader gives {name} the "
                             f"reference {dep}, so a mistake in {dep} costs points only once.)")
                cause = f"{dep} (see the note above)"
            for chk in result.checks:
                if not chk.passed:
                    chk.message, chk.hint = chk.message + f". Likely cause: {cause}.", None
        elif not _not_started(result):
            notes.append(f"{failing}. Here {name} got the reference {dep}'s answers to its calls, as in the grader, "
                         f"so the result below is {name}'s own.")
    return result, notes


def _not_started(result: FunctionResult) -> bool:
    """Whether the function is not written yet (it raises NotImplementedError on every input)."""
    return result.status == Status.NOT_IMPLEMENTED


class _Kind(Enum):
    UNUSABLE = "unusable"  # it comes from another notebook of the student's, which could not be imported
    UNDEFINED = "undefined"  # this notebook does not define it
    WRONG = "wrong"  # it is there, and it runs wrong (or not at all: not written yet)


@dataclass(frozen=True)
class _Wrong:
    kind: _Kind
    text: str  # the end of a sentence ("your softmax …", or "softmax …" for one that could not be imported)


def _state(home: str, dep: str, own: Any, depth: int) -> _Wrong | None:
    """What is wrong with the student's ``dep`` (of notebook ``home``) as it really runs; None if nothing is."""
    missing = getattr(own, "__course_missing__", None)
    if missing:  # the stand-in that import_functions gives for a notebook or function it could not use
        return _Wrong(_Kind.UNUSABLE, f"comes from your notebook {home}, which could not be used ({missing})")
    if not callable(own):
        return _Wrong(_Kind.UNDEFINED, "is not defined in this notebook")
    if not _wrong_as_it_runs(home, dep, own):  # (with the student's own functions below it)
        return None
    result, _ = visible_result(home, dep, own, depth + 1)  # as its own self-check cell shows it
    if _not_started(result):
        return _Wrong(_Kind.WRONG, "is not written yet")
    if result.score < result.max_score:
        return _Wrong(_Kind.WRONG, f"does not pass its own self-check ({result.score:g} / {result.max_score:g})")
    spec = specs.get(home)
    for d in spec.function(dep).depends:
        state = _state(spec.home_of(d), d, getattr(own, "__globals__", {}).get(d), depth + 1)
        if state is not None:
            return _Wrong(_Kind.WRONG, f"gives wrong answers because it calls {d}, which {state.text}")
    return _Wrong(_Kind.WRONG, "gives wrong answers because a function it calls does")


def _wrong_as_it_runs(stem: str, name: str, fn: Any) -> bool:
    """Whether the student's ``fn`` fails its visible cases as it really runs, calling the student's own
    functions (no recorded answers)."""
    if not callable(fn) or name not in {f.name for f in specs.get(stem).functions}:
        return False
    fspec = specs.get(stem).function(name)
    return _judge(fspec, fn, visible_prepared(stem, name), {}).score < fspec.max_score


class SelfCheck:
    """Self-checks for one notebook of the course."""

    def __init__(self, stem: str):
        self.stem = stem
        self.spec = specs.get(stem)
        from course_utils import skips

        skips.install()  # in Jupyter: a demonstration that calls an unwritten function is skipped with one line

    def _name(self, fn: Any) -> str:
        name = getattr(fn, "__name__", None)
        if not callable(fn) or name not in {f.name for f in self.spec.functions}:
            raise TypeError(f"pass one of this notebook's graded functions: "
                            f"{', '.join(f.name for f in self.spec.functions)}")
        return name

    def _run(self, fn: Callable, run: Callable[[str], tuple[FunctionResult, list[str]]], mode: str) -> float:
        start = time.perf_counter()
        name = self._name(fn)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result, lines = run(name)
        lines.append(format_result(result, mode, time.perf_counter() - start))
        print("\n".join(lines))
        return result.score

    def __call__(self, fn: Callable) -> float:
        """Check ``fn`` on the visible cases; print what passed and failed; return the points."""
        return self._run(fn, lambda name: visible_result(self.stem, name, fn), "self-check")

    def grade(self, fn: Callable, seed: int | None = None) -> float:
        """Grade ``fn`` as the grader does: hidden inputs, the reference from solutions/."""
        seed = hidden_seed() if seed is None else seed
        try:
            from autograde import reference  # the instructor's install only: not in the students' bundle
        except ImportError:
            raise RuntimeError("check.grade needs the reference solutions: it is nbgrader's hidden test, run by "
                               "the instructor; use check(fn) for your self-check") from None

        def run(name: str) -> tuple[FunctionResult, list[str]]:
            prep = reference.prepare(self.stem, name, seed)
            return _judge(prep.spec, fn, prep, reference.dependencies(self.stem, name)), []

        return self._run(fn, run, "graded")
