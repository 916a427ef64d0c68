"""Grading submissions: find the course notebooks in them, run each graded function in its own process
(:mod:`autograde.runner`) and judge what comes back (:mod:`autograde.checks`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from autograde import paths, reference, specs
from autograde.checks import judge
from autograde.results import CheckResult, FunctionResult, NotebookResult, SubmissionResult
from autograde.runner import Limits, Session, kill_all_sessions, run_notebook
from autograde.spec import CHECKS, FunctionSpec, hidden_seed
from course_utils.notebooks import Cell, code_cells, parse_notebook


@dataclass
class Options:
    seed: int = field(default_factory=hidden_seed)
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


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"the file could not be read ({exc.strerror})") from None


def read_cells(raw: bytes, demo_ids: frozenset[str] | None = None) -> list[Cell]:
    """A notebook file's code cells; ValueError with a readable reason if it is not a readable notebook."""
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
    return code_cells(nb, demo_ids)


# ------------------------------------------------------------------------------------------------ grading

def failed(fspec: FunctionSpec, message: str) -> FunctionResult:
    return FunctionResult(fspec.name, [CheckResult(CHECKS[c], False, message, float(p))
                                       for c, p in fspec.points.items()])


@dataclass
class Plan:
    """A submission, found and read, ready to grade."""

    path: Path
    id: str  # a name for files: the student's id in an nbgrader tree, else made from the path
    error: str | None = None
    notebooks: list[tuple[str, Path, list[Cell] | str]] = field(default_factory=list)  # cells, or why unreadable
    digests: list[str] = field(default_factory=list)  # of each notebook file's bytes

    def fingerprint(self, options: Options) -> str:
        """Changes when anything that can change the grade changes: the notebooks, the course, the options."""
        h = hashlib.sha256()
        h.update(f"{course_fingerprint()}|{options.seed}|{options.limits}|{self.error}".encode())
        for (stem, path, _), digest in zip(self.notebooks, self.digests):
            h.update(f"|{stem}|{path}|{digest}".encode())
        return h.hexdigest()


@lru_cache(maxsize=1)
def course_fingerprint() -> str:
    """A hash of the grader's code, the specs and the reference notebooks."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(paths.solutions_dir().glob("*/*.ipynb"))
    files += sorted((package.parent / "course_utils").glob("*.py"))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "submission"


def expand(paths_given: list[Path]) -> list[tuple[Path, str]]:
    """Submissions with their ids. An nbgrader course (a folder holding ``submitted/``) or its
    ``submitted/`` folder stands for one submission per student, named by the student's id."""
    out = []
    for p in paths_given:
        root = p if p.name == "submitted" else p / "submitted"
        if p.is_dir() and root.is_dir():
            out += [(d, slug(d.name)) for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
        else:
            out.append((p, path_id(p)))
    return out


def path_id(p: Path) -> str:
    """An id for a submission given by path: its name, and a short hash of where it is."""
    digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]
    return f"{slug(p.stem if p.suffix == '.ipynb' else p.name)}-{digest}"


def plan(path: Path, submission_id: str) -> Plan:
    if not path.exists():
        return Plan(path, submission_id, "no such file or folder")
    found = find_notebooks(path)
    if not found:
        names = ", ".join(f"{s}.ipynb" for s in specs.all_specs())
        return Plan(path, submission_id, f"no course notebook found (looked for {names})")
    notebooks, digests = [], []
    for stem, nb_path in found:
        raw = b""
        try:
            raw = read_bytes(nb_path)
            notebooks.append((stem, nb_path, read_cells(raw, reference.demo_cell_ids(stem))))
        except ValueError as exc:
            notebooks.append((stem, nb_path, str(exc)))
        digests.append(hashlib.sha256(raw).hexdigest())
    return Plan(path, submission_id, None, notebooks, digests)


class Grader:
    """Grades submissions; reference data is computed once and shared by all of them."""

    def __init__(self, options: Options | None = None, progress: Callable[[int], None] | None = None):
        self.options = options or Options()
        self.progress = progress or (lambda n: None)

    def grade(self, submissions: list[Path]) -> list[SubmissionResult]:
        """Grade each path as one submission."""
        return self.grade_plans([plan(p, path_id(p)) for p in submissions])

    def grade_plans(self, plans: list[Plan],
                    on_result: Callable[[Plan, SubmissionResult], None] = lambda p, r: None) -> list[SubmissionResult]:
        """Grade planned submissions, in parallel; ``on_result`` is called as each one is complete, in order."""
        for stem in sorted({stem for p in plans for stem, _, _ in p.notebooks}):
            reference.namespace(stem)  # a broken course fails here, before any student's code runs
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.jobs))
        try:
            futures: dict[tuple[int, str], Future] = {}
            for i, p in enumerate(plans):
                for stem, _, cells in p.notebooks:
                    if not isinstance(cells, str):
                        futures[(i, stem)] = pool.submit(self._run_notebook, stem, cells)
            results = []
            for i, p in enumerate(plans):
                nb_results = [self._notebook(stem, path, cells, futures[(i, stem)].result() if (i, stem) in futures
                                             else None) for stem, path, cells in p.notebooks]
                result = SubmissionResult(str(p.path), nb_results, p.error, id=p.id)
                on_result(p, result)
                results.append(result)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            kill_all_sessions()
            raise
        pool.shutdown()
        return results

    def _run_notebook(self, stem: str, cells: list[Cell]) -> tuple[list[FunctionResult], list[str]]:
        nb = specs.get(stem)
        session = Session(cells, self.options.limits)
        session.start()  # the student's process boots while the reference data is prepared (or found ready)
        try:
            preps = [prepare(stem, f.name, self.options.seed) for f in nb.functions]
        except BaseException:
            session.close()
            raise
        work = [(f.name, [c.args for c in prep.cases], reference.dependencies(stem, f.name))
                for f, prep in zip(nb.functions, preps)]
        outcomes, cell_errors = run_notebook(cells, work, self.options.limits, self.progress, session)
        judged = [judge(prep, o.cases if o.cases is not None else o.failure) for prep, o in zip(preps, outcomes)]
        return judged, cell_errors

    def _notebook(self, stem: str, path: Path, cells: list[Cell] | str,
                  output: tuple[list[FunctionResult], list[str]] | None) -> NotebookResult:
        nb = specs.get(stem)
        if isinstance(cells, str):
            message = f"the notebook could not be graded: {cells}"
            return NotebookResult(stem, str(path), [failed(f, message) for f in nb.functions], error=cells)
        functions, notes = output
        return NotebookResult(stem, str(path), functions, notes=list(dict.fromkeys(notes)))


_prepared: dict[tuple[str, str, int], object] = {}
_prepare_locks: dict[tuple[str, str, int], threading.Lock] = {}
_prepare_guard = threading.Lock()


def prepare(stem: str, name: str, seed: int):
    """:func:`reference.prepare`, computed once per process and kept (for every function of the course, however
    many), even when several threads ask for it at the same time."""
    key = (stem, name, seed)
    if key in _prepared:
        return _prepared[key]
    with _prepare_guard:
        lock = _prepare_locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _prepared:
            _prepared[key] = reference.prepare(stem, name, seed)
    return _prepared[key]


def count_functions(plans: list[Plan]) -> int:
    return sum(len(specs.get(stem).functions) for p in plans for stem, _, cells in p.notebooks
               if not isinstance(cells, str))
