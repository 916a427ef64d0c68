"""A submission found and read, ready to grade: its notebooks, each either read (its code cells) or with a
typed problem (missing from the submission, or not a readable notebook), and the fingerprint of everything
that can change its grade (``--out`` regrades only what changed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from autograde import reference, secret, specs
from autograde.discovery import find_notebooks
from autograde.kernel import Cell
from autograde.nbfile import read_bytes, read_cells
from autograde.refcache import course_fingerprint
from autograde.sandbox import Limits


MISSING = "missing notebook"  # how a missing notebook is named to the student (and its digest in the fingerprint)


class ProblemKind(StrEnum):
    MISSING = "missing"  # the submission has no such notebook
    UNREADABLE = "unreadable"  # the file is not a readable notebook


@dataclass(frozen=True)
class Problem:
    """Why a planned notebook cannot be graded: each of its functions then scores 0 with this reason."""

    kind: ProblemKind
    reason: str  # for the student: "no 03_….ipynb in the submission", "the file is empty"

    @property
    def text(self) -> str:
        """The notebook's ``error`` in its result."""
        return f"{MISSING}: {self.reason}" if self.kind is ProblemKind.MISSING else self.reason


@dataclass
class PlannedNotebook:
    """One course notebook of a submission: read (``cells``), or not gradable (``problem``), never both."""

    stem: str
    path: Path  # the notebook file; for a missing notebook, the submission
    digest: str  # what the fingerprint hashes: the sha256 of the file's bytes, or MISSING
    cells: list[Cell] | None = None  # its code cells (autograde.kernel.code_cells)
    problem: Problem | None = None

    def __post_init__(self) -> None:
        if (self.cells is None) == (self.problem is None):
            raise ValueError(f"a planned notebook has cells or a problem, not both nor neither ({self.stem})")

    @classmethod
    def missing(cls, stem: str, submission: Path) -> "PlannedNotebook":
        return cls(stem, submission, MISSING,
                   problem=Problem(ProblemKind.MISSING, f"no {stem}.ipynb in the submission"))


@dataclass
class Plan:
    """A submission, found and read, ready to grade."""

    path: Path
    id: str  # a name for files: the student's id in an nbgrader tree, else made from the path
    error: str | None = None
    notebooks: list[PlannedNotebook] = field(default_factory=list)

    def fingerprint(self, seed: int, limits: Limits) -> str:
        """Changes when anything that can change the grade changes: the notebooks, the course, the secret, the
        seed and the limits it is graded with."""
        h = hashlib.sha256()
        h.update(f"{course_fingerprint()}|{secret.fingerprint()}|{seed}|{limits}|{self.error}"
                 .encode("utf-8", "surrogateescape"))
        for nb in self.notebooks:
            h.update(f"|{nb.stem}|{nb.path}|{nb.digest}".encode("utf-8", "surrogateescape"))
        return h.hexdigest()


def expect(plans: list[Plan], stems: list[str] | None = None) -> list[Plan]:
    """Make every submission answer for the same notebooks: ``stems`` (only those are graded), or else every
    notebook found in any submission of the batch. A notebook a submission lacks scores 0 with "missing
    notebook"."""
    wanted = stems if stems is not None else sorted({nb.stem for p in plans for nb in p.notebooks})
    for p in plans:
        p.notebooks = [nb for nb in p.notebooks if nb.stem in wanted]
        have = {nb.stem for nb in p.notebooks}
        p.notebooks += [PlannedNotebook.missing(stem, p.path) for stem in wanted if stem not in have]
        p.notebooks.sort(key=lambda nb: nb.stem)
    return plans


def plan(path: Path, submission_id: str) -> Plan:
    if not path.exists():
        return Plan(path, submission_id, "no such file or folder")
    found = find_notebooks(path)
    if not found:
        names = ", ".join(f"{s}.ipynb" for s in specs.all_specs())
        looked = f"(looked for {names}, or a notebook under another name holding their graded cells)"
        if path.is_file():  # a file given by itself: first, is it a notebook at all?
            try:
                read_cells(read_bytes(path, follow=True))
            except ValueError as exc:
                why = str(exc).replace(", so not a notebook", "")
                return Plan(path, submission_id, f"{path.name} is not a notebook: {why}")
            return Plan(path, submission_id, f"{path.name} is a notebook, but not one of the course's {looked}")
        return Plan(path, submission_id, f"no course notebook found {looked}")
    notebooks = []
    for stem, nb_path in found:
        raw = b""
        try:
            raw = read_bytes(nb_path)
            cells, problem = read_cells(raw, reference.demo_cell_ids(stem)), None
        except ValueError as exc:
            cells, problem = None, Problem(ProblemKind.UNREADABLE, str(exc))
        notebooks.append(PlannedNotebook(stem, nb_path, hashlib.sha256(raw).hexdigest(), cells, problem))
    return Plan(path, submission_id, None, notebooks)


def count_functions(plans: list[Plan]) -> int:
    """The graded functions that grading these plans runs (a progress bar's total)."""
    return sum(len(specs.get(nb.stem).functions) for p in plans for nb in p.notebooks if nb.problem is None)
