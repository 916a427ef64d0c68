"""Grading submissions: find the course notebooks in them, run each graded function in its own process
(:mod:`autograde.runner`) and judge what comes back (:mod:`autograde.checks`).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograde import reference, specs
from autograde.checks import judge
from autograde.results import CheckResult, FunctionResult, NotebookResult, SubmissionResult
from autograde.runner import Limits, run_notebook
from autograde.spec import CHECKS, HIDDEN_SEED, FunctionSpec, NotebookSpec
from course_utils.notebooks import Cell, code_cells, parse_notebook


@dataclass
class Options:
    seed: int = field(default_factory=lambda: int(os.environ.get("AUTOGRADE_SEED", HIDDEN_SEED)))
    limits: Limits = field(default_factory=Limits)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)


# ------------------------------------------------------------------------------------------ finding notebooks

def stem_of(path: Path) -> str | None:
    """The course stem a notebook file is named by, if any."""
    known = specs.all_specs()
    if path.stem in known:
        return path.stem
    return None


def find_notebooks(submission: Path) -> list[tuple[str, Path]]:
    """The course notebooks in a submission (a notebook, or a folder searched at any depth), by stem.

    Checkpoint copies (``.ipynb_checkpoints``) are ignored. When a folder holds two notebooks of the same
    stem, the shallowest (then the first by name) is graded.
    """
    if submission.is_file():
        stem = stem_of(submission)
        return [(stem, submission)] if stem else []
    found: dict[str, Path] = {}
    candidates = sorted(submission.rglob("*.ipynb"), key=lambda p: (len(p.parts), str(p)))
    for path in candidates:
        if ".ipynb_checkpoints" in path.parts or not path.is_file():
            continue
        stem = stem_of(path)
        if stem and stem not in found:
            found[stem] = path
    return sorted(found.items())


def read_cells(path: Path) -> list[Cell]:
    """The notebook's code cells; ValueError with a readable reason if it is not a readable notebook."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"the file could not be read ({exc.strerror})") from None
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start})") from None
    try:
        nb = parse_notebook(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the file is not valid JSON, so not a notebook ({exc.msg} at line {exc.lineno})") from None
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - nbformat's converter raises many kinds for bad input
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"the file is not a valid notebook ({reason[:200]})") from None
    if not nb["cells"]:
        raise ValueError("the notebook has no cells")
    return code_cells(nb)


# ------------------------------------------------------------------------------------------------ grading

def failed(fspec: FunctionSpec, message: str) -> FunctionResult:
    return FunctionResult(fspec.name, [CheckResult(CHECKS[c], False, message, float(p))
                                       for c, p in fspec.points.items()])


class Grader:
    """Grades submissions; reference data is computed once and shared by all of them."""

    def __init__(self, options: Options | None = None, progress: Callable[[int], None] | None = None):
        self.options = options or Options()
        self.progress = progress or (lambda n: None)

    def _prepare(self, nb: NotebookSpec) -> None:
        for fspec in nb.functions:
            reference.prepare(nb.stem, fspec.name, self.options.seed)

    def grade(self, submissions: list[Path]) -> list[SubmissionResult]:
        plans = []  # (submission, [(stem, path, cells or error)])
        for sub in submissions:
            if not sub.exists():
                plans.append((sub, "no such file or folder", []))
                continue
            found = find_notebooks(sub)
            if not found:
                names = ", ".join(f"{s}.ipynb" for s in specs.all_specs())
                plans.append((sub, f"no course notebook found (looked for {names})", []))
                continue
            notebooks = []
            for stem, path in found:
                try:
                    notebooks.append((stem, path, read_cells(path)))
                except ValueError as exc:
                    notebooks.append((stem, path, str(exc)))
            plans.append((sub, None, notebooks))
        for stem in sorted({stem for _, _, nbs in plans for stem, _, _ in nbs}):
            self._prepare(specs.get(stem))

        with ThreadPoolExecutor(max_workers=max(1, self.options.jobs)) as pool:
            futures: dict[tuple[int, str], Future] = {}
            for i, (_, _, notebooks) in enumerate(plans):
                for stem, _, cells in notebooks:
                    if not isinstance(cells, str):
                        futures[(i, stem)] = pool.submit(self._run_notebook, stem, cells)
            results = []
            for i, (sub, error, notebooks) in enumerate(plans):
                nb_results = [self._notebook(stem, path, cells, futures.get((i, stem)))
                              for stem, path, cells in notebooks]
                results.append(SubmissionResult(str(sub), nb_results, error))
        return results

    def _run_notebook(self, stem: str, cells: list[Cell]) -> tuple[list[FunctionResult], list[str]]:
        nb = specs.get(stem)
        preps = [reference.prepare(stem, f.name, self.options.seed) for f in nb.functions]
        work = [(f.name, [c.args for c in prep.cases], reference.dependencies(stem, f.name))
                for f, prep in zip(nb.functions, preps)]
        outcomes, cell_errors = run_notebook(cells, work, self.options.limits, self.progress)
        judged = [judge(prep, o.cases if o.cases is not None else o.failure) for prep, o in zip(preps, outcomes)]
        return judged, cell_errors

    def _notebook(self, stem: str, path: Path, cells: list[Cell] | str, future: Future | None) -> NotebookResult:
        nb = specs.get(stem)
        if isinstance(cells, str):
            message = f"the notebook could not be graded: {cells}"
            return NotebookResult(stem, str(path), [failed(f, message) for f in nb.functions], error=cells)
        functions, notes = future.result()
        return NotebookResult(stem, str(path), functions, notes=list(dict.fromkeys(notes)))

    def count_tasks(self, submissions: list[Path]) -> int:
        total = 0
        for sub in submissions:
            if sub.exists():
                total += sum(len(specs.get(stem).functions) for stem, _ in find_notebooks(sub))
        return total
