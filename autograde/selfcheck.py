"""The self-check cells of the notebooks, and their hidden part that nbgrader runs when it autogrades.

In a notebook::

    from autograde.selfcheck import SelfCheck
    check = SelfCheck("03_recurrent_neural_network")
    ...
    check(rnn_cell_forward)        # a self-check cell: prints each check, returns the points

``check(fn)`` runs ``fn`` in the kernel on the *visible* cases stored beside the notebook by
``python -m autograde build`` (no solutions needed), with the same checks and messages as the grader.
A backward function's gradient check compares it with finite differences of the student's *own* forward
function. ``check.grade(fn)`` is the hidden test of the nbgrader version: hidden inputs and the reference
from ``solutions/``, dependencies replaced by the reference, exactly as ``python -m autograde grade``
scores it (but in the kernel, where the student's code could interfere: see docs/design.md).

Both return the points as a float, the last value of the cell, which nbgrader reads as partial credit.
Nothing is printed to stderr (nbgrader would give such a cell 0 points).
"""

from __future__ import annotations

import json
import time
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograde import paths, reference, specs, wire
from autograde.calls import run_cases
from autograde.checks import Prepared, judge
from autograde.results import FunctionResult
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


def visible_prepared(stem: str, name: str, fns: Callable[[str], Callable]) -> Prepared | str:
    """The visible cases of a function from the stored file, or a message saying why there are none."""
    nb = specs.get(stem)
    fspec = nb.function(name)
    path = _find_stored(stem)
    if path is None:
        return (f"the stored cases {stem}.selfcheck.json were not found beside the notebook; "
                "run `python -m autograde build` or copy the file from assignments/")
    data = _stored(str(path), path.stat().st_mtime).get("functions", {}).get(name)
    if data is None:
        return f"{path.name} has no cases for {name}; run `python -m autograde build`"
    cases = [Case(c["label"], wire.from_json(c["args"]), wire.from_json(c["context"]), c["edge"])
             for c in data["cases"]]
    expected = [wire.from_json(e) for e in data["expected"]]
    mistakes = [[wire.from_json(m) for m in per_case] for per_case in data["mistakes"]]
    numeric, numeric_error = reference.numeric_gradients(fspec, cases, fns)
    return Prepared(fspec, cases, expected, lambda i, j: mistakes[i][j], numeric, numeric_error)


def _student_fns(fn: Callable) -> Callable[[str], Callable]:
    namespace = getattr(fn, "__globals__", {})

    def fns(name: str) -> Callable:
        if not callable(namespace.get(name)):
            raise NameError(f"{name} is not defined in this notebook")
        return namespace[name]

    return fns


def _judge_in_kernel(fspec, fn: Callable, prep: Prepared | str, deps: dict[str, Callable]) -> FunctionResult:
    if isinstance(prep, str):
        return judge(Prepared(fspec, [], [], lambda i, j: None), prep)
    namespace = fn.__globals__ if hasattr(fn, "__globals__") else {}
    return judge(prep, run_cases(fn, namespace, [c.args for c in prep.cases], deps))


def format_result(result: FunctionResult, mode: str, seconds: float) -> str:
    lines = [f"{result.name} ({mode}): {result.score:g} / {result.max_score:g} points  [{seconds:.2f} s]"]
    if result.score == 0 and len({c.message for c in result.checks}) == 1:
        return "\n".join(lines + [f"  ✗ every check: {result.checks[0].message}"])
    for chk in result.checks:
        lines.append(f"  {'✓' if chk.passed else '✗'} {chk.name} ({chk.points:g}): {chk.message}")
    return "\n".join(lines)


class SelfCheck:
    """Self-checks for one notebook of the course."""

    def __init__(self, stem: str):
        self.stem = stem
        self.spec = specs.get(stem)

    def _name(self, fn: Any) -> str:
        name = getattr(fn, "__name__", None)
        if not callable(fn) or name not in {f.name for f in self.spec.functions}:
            raise TypeError(f"pass one of this notebook's graded functions: "
                            f"{', '.join(f.name for f in self.spec.functions)}")
        return name

    def _run(self, fn: Callable, prep: Callable[[], Prepared | str], deps: dict[str, Callable], mode: str,
             notes: Callable[[], list[str]] = list) -> float:
        start = time.perf_counter()
        name = self._name(fn)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = _judge_in_kernel(self.spec.function(name), fn, prep(), deps)
            lines = notes()
        lines.append(format_result(result, mode, time.perf_counter() - start))
        print("\n".join(lines))
        return result.score

    def __call__(self, fn: Callable) -> float:
        """Check ``fn`` on the visible cases; print what passed and failed; return the points."""
        name = self._name(fn)
        return self._run(fn, lambda: visible_prepared(self.stem, name, _student_fns(fn)), {}, "self-check",
                         notes=lambda: self._dependency_notes(fn))

    def _dependency_notes(self, fn: Callable) -> list[str]:
        """Warnings about the student's functions that ``fn`` relies on and that fail their own self-check.

        In a self-check ``fn`` calls the student's own versions (the grader gives it the reference ones), and a
        backward function is checked against the student's own forward: a mistake there shows up here too.
        """
        fspec = self.spec.function(fn.__name__)
        relied_on = list(fspec.depends)
        if fspec.gradient and fspec.gradient.forward and fspec.gradient.forward not in relied_on:
            relied_on.append(fspec.gradient.forward)
        notes = []
        for dep in relied_on:
            dep_fn = getattr(fn, "__globals__", {}).get(dep)
            home = self.spec.home_of(dep)
            if not callable(dep_fn) or dep not in {f.name for f in specs.get(home).functions}:
                continue
            dep_spec = specs.get(home).function(dep)
            result = _judge_in_kernel(dep_spec, dep_fn, visible_prepared(home, dep, _student_fns(dep_fn)), {})
            if result.score < result.max_score:
                where = "" if home == self.stem else f" (notebook {home})"
                notes.append(f"Note: your {dep}{where} does not pass its own self-check "
                             f"({result.score:g} / {result.max_score:g}), and this check relies on it: fix {dep} "
                             f"first. (The grader gives {fn.__name__} the reference {dep}, so a mistake in "
                             f"{dep} costs points only once.)")
        return notes

    def grade(self, fn: Callable, seed: int | None = None) -> float:
        """Grade ``fn`` as the grader does: hidden inputs, the reference from solutions/."""
        name = self._name(fn)
        seed = hidden_seed() if seed is None else seed
        deps = reference.dependencies(self.stem, name)
        return self._run(fn, lambda: reference.prepare(self.stem, name, seed), deps, "graded")
