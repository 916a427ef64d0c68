"""Grading planned submissions (:mod:`autograde.plan`): run each graded function in its own process
(:mod:`autograde.runner`), judge what comes back (:mod:`autograde.checks`), and assemble each notebook's
result in one place (:func:`notebook_result`), whether it was graded, missing, unreadable or lost.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograde import reference, secret, specs
from autograde.checks import Prepared, judge
from autograde.discovery import name_id, unique_ids
from autograde.kernel import Cell, CellError
from autograde.plan import Plan, PlannedNotebook, ProblemKind, expect, plan
from autograde.results import CheckResult, FunctionResult, NotebookResult, Status, SubmissionResult
from autograde.runner import Limits, OutcomeKind, Workers, run_notebook
from autograde.spec import CHECKS, FunctionSpec, hidden_seed


@dataclass
class Options:
    seed: int = field(default_factory=hidden_seed)
    limits: Limits = field(default_factory=Limits)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)


# ------------------------------------------------------------------------------------------ one notebook's result

@dataclass
class Graded:
    """What running one notebook's cells gave: each graded function's judged result, and its cells' errors."""

    functions: list[FunctionResult]
    cell_errors: list[CellError] = field(default_factory=list)


def failed(fspec: FunctionSpec, message: str) -> FunctionResult:
    return FunctionResult(fspec.name, [CheckResult(CHECKS[c], False, message, float(p))
                                       for c, p in fspec.points.items()], Status.NO_ANSWER)


def taken_for(stem: str, path: Path) -> list[str]:
    """A note when a notebook was recognised by its content rather than its name."""
    if path.stem == stem:
        return []
    return [f"{path.name} was graded as {stem}.ipynb (recognised by its cells, not its name)"]


def notebook_result(nb: PlannedNotebook, graded: Graded | None = None, lost: str | None = None) -> NotebookResult:
    """The result of one planned notebook, the only place one is made: from what running it gave (``graded``);
    or, every function scoring 0 with the reason, for a notebook that could not be run (missing or unreadable:
    ``nb.problem``) or whose grading gave nothing back (``lost``: why, e.g. the cluster's worker died)."""
    functions = specs.get(nb.stem).functions
    if nb.problem is not None:
        missing = nb.problem.kind is ProblemKind.MISSING
        message = nb.problem.text if missing else f"the notebook could not be graded: {nb.problem.reason}"
        return NotebookResult(nb.stem, str(nb.path), [failed(f, message) for f in functions],
                              error=nb.problem.text, missing=missing)
    if lost is not None:
        graded = Graded([failed(f, lost) for f in functions])
    if graded is None:
        raise ValueError(f"{nb.stem} was read but neither graded nor lost")
    return NotebookResult(nb.stem, str(nb.path), graded.functions, notes=taken_for(nb.stem, nb.path),
                          cell_errors=graded.cell_errors)


# ------------------------------------------------------------------------------------------ reference data

class ReferenceData:
    """Each graded function's reference data (:func:`reference.prepare`: hidden cases, expected outputs,
    finite-difference gradients, mistakes' outputs), per seed and secret, kept as long as this object: a
    :class:`Grader`'s, or a cluster worker's for all its tasks (``cluster.CoursePlugin``).

    ``reference.prepare``'s own cache is not enough for grading: it is bounded (64 functions, fewer than the
    course's times two seeds) and does not lock, so the notebooks' threads and the prefetching thread would
    compute the same function's data at the same time (up to half a second each). Here each function's data is
    computed once, under a lock of its own, by whichever thread asks first, and kept.
    """

    def __init__(self) -> None:
        self._data: dict[tuple[str, str, int, str], Prepared] = {}
        self._locks: dict[tuple[str, str, int, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, stem: str, name: str, seed: int) -> Prepared:
        key = (stem, name, seed, secret.fingerprint())
        if key in self._data:
            return self._data[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._data:
                self._data[key] = reference.prepare(stem, name, seed)
        return self._data[key]

    def warm(self, seed: int, stems: list[str] | None = None) -> None:
        """Prepare every function of these notebooks (default: the course's), in order."""
        for stem in specs.all_specs() if stems is None else stems:
            for f in specs.get(stem).functions:
                self.get(stem, f.name, seed)


# ------------------------------------------------------------------------------------------ grading

class Grader:
    """Grades submissions; reference data is computed once and shared by all of them."""

    def __init__(self, options: Options | None = None, progress: Callable[[int], None] | None = None,
                 reference_data: ReferenceData | None = None):
        self.options = options or Options()
        self.progress = progress or (lambda n: None)
        self.reference_data = reference_data or ReferenceData()
        # the student processes; in the sandbox, a worker serves one submission's notebooks (see WorkerPool);
        # idle ones closed by close_workers()
        self.workers = Workers(self.options.limits)

    def close_workers(self) -> None:
        """Stop the idle workers kept for the next notebooks."""
        self.workers.close()

    def grade(self, submissions: list[Path], notebooks: list[str] | None = None) -> list[SubmissionResult]:
        """Grade each path as one submission, each answering for ``notebooks`` (default: every notebook
        found in any of them)."""
        named, _ = unique_ids([(p, name_id(p)) for p in submissions])
        return self.grade_plans(expect([plan(p, sid) for p, sid in named], notebooks))

    def grade_plans(self, plans: list[Plan],
                    on_result: Callable[[Plan, SubmissionResult], None] = lambda p, r: None) -> list[SubmissionResult]:
        """Grade planned submissions, in parallel; ``on_result`` is called as each one is complete, in order."""
        for stem in sorted({nb.stem for p in plans for nb in p.notebooks}):
            reference.namespace(stem)  # a broken course fails here, before any student's code runs
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.jobs))
        try:
            futures: dict[tuple[int, str], Future] = {}
            self.workers.hide(*(p.path for p in plans))  # no submission is shown to another's process
            for i, p in enumerate(plans):
                for nb in p.notebooks:
                    if nb.problem is None:
                        futures[(i, nb.stem)] = pool.submit(self.grade_notebook, nb, i)
            self._prefetch(sorted({nb.stem for p in plans for nb in p.notebooks if nb.problem is None}))
            results = []
            for i, p in enumerate(plans):
                nb_results = [futures[(i, nb.stem)].result() if (i, nb.stem) in futures else notebook_result(nb)
                              for nb in p.notebooks]
                result = SubmissionResult(str(p.path), nb_results, p.error, id=p.id)
                on_result(p, result)
                results.append(result)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self.workers.kill_all()
            raise
        finally:
            self.close_workers()
        pool.shutdown()
        return results

    def grade_notebook(self, nb: PlannedNotebook, owner: object = None) -> NotebookResult:
        """Grade one planned notebook (a missing or unreadable one scores 0 with why, and nothing runs). Its
        worker is one of this grader's (:class:`~autograde.runner.Workers`) and serves only notebooks of the
        same ``owner`` (the submission; None: this notebook only)."""
        if nb.problem is not None:
            return notebook_result(nb)
        return notebook_result(nb, self._run_notebook(nb.stem, nb.cells, owner))

    def _prefetch(self, stems: list[str]) -> None:
        """Prepare the reference data of these notebooks' functions in the background, in order, so that it is
        ready (or under way) when each notebook's turn comes."""
        def work() -> None:
            try:
                self.reference_data.warm(self.options.seed, stems)
            except Exception:  # noqa: BLE001 - the notebook's own call raises it again, where it counts
                return

        threading.Thread(target=work, daemon=True, name="autograde-prefetch").start()

    def _run_notebook(self, stem: str, cells: list[Cell], owner: object = None) -> Graded:
        """Grade one notebook's cells; its worker is one of this grader's, and serves only notebooks of the
        same ``owner`` (the submission; None: this notebook only)."""
        nb = specs.get(stem)
        # started: the student's process boots while the reference data is prepared (or found ready)
        session = self.workers.session(cells, owner)
        try:
            preps = [self.reference_data.get(stem, f.name, self.options.seed) for f in nb.functions]
        except BaseException:
            session.close()
            raise
        work = [(f.name, [c.args for c in prep.cases], reference.dependencies(stem, f.name))
                for f, prep in zip(nb.functions, preps)]
        outcomes, cell_errors = run_notebook(session, work, self.progress)
        for f, o in zip(nb.functions, outcomes):
            if o.kind is OutcomeKind.UNDEFINED:
                o.failure = why_undefined(f.name, cells, cell_errors) or o.failure
        judged = [judge(prep, o.cases if o.cases is not None else o.failure) for prep, o in zip(preps, outcomes)]
        return Graded(judged, cell_errors)


def why_undefined(name: str, cells: list[Cell], cell_errors: list[CellError]) -> str | None:
    """When a function was not defined because the cell defining it failed (a syntax error, or an error
    raised before the ``def``): which cell, quoted by its first line, and what Python said."""
    for error in cell_errors:
        if error.cell is None or error.line is None:
            continue
        cell = next((c for c in cells if c.index == error.cell), None)
        if cell is None or not re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", cell.source, re.M):
            continue
        lines = cell.source.splitlines()
        first = next((line.strip() for line in lines if line.strip()), "")
        number = error.line
        quoted = f" `{lines[number - 1].strip()[:80]}`" if 0 < number <= len(lines) and lines[number - 1].strip() else ""
        place = f"the cell that starts `{first[:80]}` (cell {cell.index} from the top)"
        if error.syntax:
            return (f"{name} was not defined: {place} has a syntax error at line {number}{quoted}: "
                    f"{(error.detail or error.kind).rstrip()}. Fix it and run the cell again")
        return (f"{name} was not defined: {place} raised {error.what.rstrip()} at line {number}{quoted}, "
                "before defining it")
    return None
