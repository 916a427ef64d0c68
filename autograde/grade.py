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

from autograde import nbread, reference, secret, specs
from autograde.refcache import course_fingerprint
from autograde.checks import judge
from autograde.results import CheckResult, FunctionResult, NotebookResult, Status, SubmissionResult
from autograde.runner import Limits, OutcomeKind, Workers, run_notebook
from autograde.spec import CHECKS, FunctionSpec, hidden_seed
from autograde.kernel import Cell, code_cells, parse_notebook


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


@lru_cache(maxsize=None)
def _course_ids(stem: str) -> frozenset[str]:
    """The nbgrader grade_ids of the graded cells of a course notebook: its functions' cells and their checks."""
    names = {f.name for f in specs.get(stem).functions}
    return frozenset(names | {f"check_{n}" for n in names})


def stem_by_content(path: Path) -> str | None:
    """The course notebook a file is a copy of, whatever its name (``…-Copy1.ipynb``, ``my_rnn.ipynb``):
    the one whose graded cells' nbgrader ids it holds most of (at least half of them)."""
    try:
        nb = json.loads(read_bytes(path))
        ids = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
               if isinstance(c, dict) and isinstance(c.get("metadata", {}).get("nbgrader"), dict)
               and isinstance(c["metadata"]["nbgrader"].get("grade_id"), str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    best, share = None, 0.0
    for stem in specs.all_specs():
        wanted = _course_ids(stem)
        found = len(ids & wanted) / len(wanted)
        if found > share:
            best, share = stem, found
    return best if share >= 0.5 else None


def _files(folder: Path) -> list[Path]:
    """The notebooks under ``folder``, never following a symbolic link (to a file or a folder)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        out += [Path(dirpath) / f for f in filenames if f.endswith(".ipynb")]
    return out


def find_notebooks(submission: Path) -> list[tuple[str, Path]]:
    """The course notebooks in a submission (a notebook, or a folder searched at any depth), by stem.

    A notebook is taken for a course notebook by its name, or else by its content (:func:`stem_by_content`).
    Checkpoint copies (``.ipynb_checkpoints``) and symbolic links are ignored (a link could point out of the
    submission, at the reference). When a folder holds two notebooks of the same stem, one named by the stem
    is graded, then the shallowest, then the first by name.
    """
    if submission.is_file():
        stem = stem_of(submission) or stem_by_content(submission)
        return [(stem, submission)] if stem else []
    candidates = [p for p in sorted(_files(submission), key=lambda p: (len(p.parts), str(p)))
                  if ".ipynb_checkpoints" not in p.parts and not p.is_symlink() and p.is_file()]
    found: dict[str, Path] = {}
    for path in candidates:  # by name first
        stem = stem_of(path)
        if stem and stem not in found:
            found[stem] = path
    for path in candidates:  # then copies under other names, for the notebooks not found by name
        if stem_of(path) is None and len(found) < len(specs.all_specs()):
            stem = stem_by_content(path)
            if stem and stem not in found:
                found[stem] = path
    return sorted(found.items())


def taken_for(stem: str, path: Path) -> list[str]:
    """A note when a notebook was recognised by its content rather than its name."""
    if path.stem == stem:
        return []
    return [f"{path.name} was graded as {stem}.ipynb (recognised by its cells, not its name)"]


def read_bytes(path: Path, follow: bool = False) -> bytes:
    """A notebook file's JSON without the outputs of its cells (:mod:`autograde.nbread`: streamed, in bounded
    memory, whatever the file's size): a regular file, not reached through a symbolic link unless ``follow``
    (the path the instructor gave). Only a notebook whose sources exceed ``nbread.MAX_KEPT`` is refused."""
    with nbread.open_notebook(path, follow) as f:
        try:
            return nbread.read(f)
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
    except RecursionError:
        raise ValueError("the file is not a readable notebook (its JSON is nested too deeply)") from None
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
                                       for c, p in fspec.points.items()], Status.NO_ANSWER)


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
        h.update(f"{course_fingerprint()}|{secret.fingerprint()}|{options.seed}|{options.limits}|{self.error}"
                 .encode("utf-8", "surrogateescape"))
        for (stem, path, _), digest in zip(self.notebooks, self.digests):
            h.update(f"|{stem}|{path}|{digest}".encode("utf-8", "surrogateescape"))
        return h.hexdigest()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:100] or "submission"


NBGRADER_MARKERS = ("nbgrader_config.py", "gradebook.db")
NBGRADER_FOLDERS = ("submitted", "source", "release", "autograded", "feedback")


def is_course(p: Path, alone: bool = True) -> bool:
    """Whether ``p`` stands for an nbgrader course, whose ``submitted/`` sub-folders are students: a
    ``submitted/`` folder itself; a folder holding one and an nbgrader marker (nbgrader_config.py,
    gradebook.db); or, when it is the only path given, a folder holding one and no course notebook outside
    nbgrader's folders. A student's folder that merely holds a ``submitted/`` folder is a submission like any
    other, so that no submission can name other students."""
    if p.is_symlink() or not p.is_dir():
        return False
    if p.name == "submitted":
        return True
    if not (p / "submitted").is_dir() or (p / "submitted").is_symlink():
        return False
    if any((p / m).is_file() for m in NBGRADER_MARKERS):
        return True
    return alone and not any(stem_of(f) for f in _files(p)
                             if f.relative_to(p).parts[0] not in NBGRADER_FOLDERS)


class SubmissionError(ValueError):
    """A path given to grade that cannot be taken as one submission, nor as a class (a usage error)."""


def _course_files(folder: Path) -> list[tuple[str, Path]]:
    """Every course notebook under ``folder`` (by name or by content), with its stem; checkpoints and links
    left out, as :func:`find_notebooks` leaves them."""
    out = []
    for path in sorted(_files(folder), key=lambda p: (len(p.parts), str(p))):
        if ".ipynb_checkpoints" in path.parts or path.is_symlink() or not path.is_file():
            continue
        stem = stem_of(path) or stem_by_content(path)
        if stem:
            out.append((stem, path))
    return out


def class_members(folder: Path) -> list[Path] | None:
    """The students' folders when ``folder`` is a class: a folder whose sub-folders (two or more) each hold
    course notebooks, none of them named by a course stem (``03_recurrent_neural_network/`` is one
    student's notebook folder, not a student), with no course notebook directly in ``folder``. Sub-folders
    holding no course notebook are not students. ``None`` when ``folder`` is not a class."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    known = specs.all_specs()
    members, loose = [], False
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink() or entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            loose = loose or bool(stem_of(entry) or stem_by_content(entry))
        elif entry.is_dir() and _course_files(entry):
            if entry.name in known:
                return None
            members.append(entry)
    return members if len(members) >= 2 and not loose else None


def ignored_notebooks(folder: Path) -> list[tuple[Path, Path]]:
    """Course notebooks that grading ``folder`` as one submission would leave out although they lie in
    another of its sub-folders than the notebook graded for their stem (so they are likely another
    student's): each as (left out, graded instead). Copies in the same folder as the graded one
    (``…-Copy1.ipynb``) are not listed: the graded one is the student's, by the rule of :func:`find_notebooks`."""
    if not folder.is_dir():
        return []
    graded = dict(find_notebooks(folder))

    def top(path: Path) -> str:
        parts = path.relative_to(folder).parts
        return parts[0] if len(parts) > 1 else ""

    return [(path, graded[stem]) for stem, path in _course_files(folder)
            if stem in graded and path != graded[stem] and top(path) != top(graded[stem])]


def expand_with_notes(paths_given: list[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Submissions with their ids, and notes for the instructor about the ids.

    * An nbgrader course (see :func:`is_course`) stands for one submission per student, named by the
      student's folder.
    * A class (see :func:`class_members`) likewise stands for one submission per sub-folder.
    * Any other path is one submission, named by its folder's name (a notebook by its stem), so that the
      name is the student's id (Canvas's SIS id, nbgrader's student id). It is refused
      (:class:`SubmissionError`) when it would leave out course notebooks of other sub-folders
      (:func:`ignored_notebooks`): then it is neither one student's work nor a class.

    Ids are unique: where two submissions of the batch would share a name, each of them gets a short hash of
    its path after the name, and a note says so.
    """
    out: list[tuple[Path, str]] = []
    for p in paths_given:
        if is_course(p, alone=len(paths_given) == 1):
            root = p if p.name == "submitted" else p / "submitted"
            out += [(d, slug(d.name)) for d in sorted(root.iterdir())
                    if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")]
            continue
        members = class_members(p)
        if members is not None:
            out += [(d, slug(d.name)) for d in members]
            continue
        left_out = ignored_notebooks(p)
        if left_out:
            listed = "; ".join(f"{a} (beside {b})" for a, b in left_out[:10])
            more = f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
            raise SubmissionError(
                f"{p} is not one student's submission: grading it as one would leave out {listed}{more}. Give "
                "each student's folder, or a class folder whose sub-folders are the students (each holding "
                "course notebooks, and no course notebook beside them)")
        out.append((p, name_id(p)))
    return unique_ids(out)


def unique_ids(named: list[tuple[Path, str]]) -> tuple[list[tuple[Path, str]], list[str]]:
    """The submissions with ids made unique: a name that two or more of them share gets a short hash of each
    one's path, and a note says so."""
    seen: dict[str, int] = {}
    for _, sid in named:
        seen[sid] = seen.get(sid, 0) + 1
    notes = [f"{seen[sid]} submissions are named {sid}, so each one's id is {sid}-<a short hash of its path> "
             "(report.json gives each id with its path)" for sid in sorted(seen) if seen[sid] > 1]
    return [(p, sid if seen[sid] == 1 else path_id(p)) for p, sid in named], notes


def expand(paths_given: list[Path]) -> list[tuple[Path, str]]:
    """:func:`expand_with_notes` without the notes."""
    return expand_with_notes(paths_given)[0]


def name_id(p: Path) -> str:
    """An id for a submission given by path: the folder's name, or a notebook's stem."""
    return slug(p.stem if p.suffix == ".ipynb" else p.name)


def path_id(p: Path) -> str:
    """An id for a submission whose name another one of the batch has: its name, and a short hash of where
    it is."""
    digest = hashlib.sha1(os.fsencode(os.path.abspath(p))).hexdigest()[:8]
    return f"{name_id(p)}-{digest}"


MISSING = "missing notebook"


def expect(plans: list[Plan], stems: list[str] | None = None) -> list[Plan]:
    """Make every submission answer for the same notebooks: ``stems`` (only those are graded), or else every
    notebook found in any submission of the batch. A notebook a submission lacks scores 0 with "missing
    notebook"."""
    wanted = stems if stems is not None else sorted({stem for p in plans for stem, _, _ in p.notebooks})
    for p in plans:
        keep = [i for i, (stem, _, _) in enumerate(p.notebooks) if stem in wanted]
        p.notebooks, p.digests = [p.notebooks[i] for i in keep], [p.digests[i] for i in keep]
        have = {stem for stem, _, _ in p.notebooks}
        for stem in wanted:
            if stem not in have:
                p.notebooks.append((stem, p.path, f"{MISSING}: no {stem}.ipynb in the submission"))
                p.digests.append(MISSING)
        order = sorted(range(len(p.notebooks)), key=lambda i: p.notebooks[i][0])
        p.notebooks = [p.notebooks[i] for i in order]
        p.digests = [p.digests[i] for i in order]
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
        for stem in sorted({stem for p in plans for stem, _, _ in p.notebooks}):
            reference.namespace(stem)  # a broken course fails here, before any student's code runs
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.jobs))
        try:
            futures: dict[tuple[int, str], Future] = {}
            self.workers.hide(*(p.path for p in plans))  # no submission is shown to another's process
            for i, p in enumerate(plans):
                for stem, _, cells in p.notebooks:
                    if not isinstance(cells, str):
                        futures[(i, stem)] = pool.submit(self._run_notebook, stem, cells, None, i)
            self._prefetch(sorted({stem for p in plans for stem, _, cells in p.notebooks if not isinstance(cells, str)}))
            results = []
            for i, p in enumerate(plans):
                nb_results = [self._notebook(stem, path, cells, futures[(i, stem)].result() if (i, stem) in futures
                                             else None) for stem, path, cells in p.notebooks]
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

    def _prefetch(self, stems: list[str]) -> None:
        """Prepare the reference data of these notebooks' functions in the background, in order, so that it is
        ready (or under way) when each notebook's turn comes."""
        def work() -> None:
            for stem in stems:
                for f in specs.get(stem).functions:
                    try:
                        prepare(stem, f.name, self.options.seed)
                    except Exception:  # noqa: BLE001 - the notebook's own call raises it again, where it counts
                        return

        threading.Thread(target=work, daemon=True, name="autograde-prefetch").start()

    def _run_notebook(self, stem: str, cells: list[Cell], workers: Workers | None = None,
                      owner: object = None) -> tuple[list[FunctionResult], list[str]]:
        """Grade one notebook's cells; its worker is one of ``workers`` (default: this grader's), and serves
        only notebooks of the same ``owner`` (the submission; None: this notebook only)."""
        nb = specs.get(stem)
        # started: the student's process boots while the reference data is prepared (or found ready)
        session = (workers or self.workers).session(cells, owner)
        try:
            preps = [prepare(stem, f.name, self.options.seed) for f in nb.functions]
        except BaseException:
            session.close()
            raise
        work = [(f.name, [c.args for c in prep.cases], reference.dependencies(stem, f.name))
                for f, prep in zip(nb.functions, preps)]
        outcomes, cell_errors = run_notebook(session, work, self.progress)
        notes = [e.message for e in cell_errors]
        for f, o in zip(nb.functions, outcomes):
            if o.kind is OutcomeKind.UNDEFINED:
                o.failure = why_undefined(f.name, cells, notes) or o.failure
        judged = [judge(prep, o.cases if o.cases is not None else o.failure) for prep, o in zip(preps, outcomes)]
        return judged, notes

    def _notebook(self, stem: str, path: Path, cells: list[Cell] | str,
                  output: tuple[list[FunctionResult], list[str]] | None) -> NotebookResult:
        nb = specs.get(stem)
        if isinstance(cells, str):
            message = cells if cells.startswith(MISSING) else f"the notebook could not be graded: {cells}"
            return NotebookResult(stem, str(path), [failed(f, message) for f in nb.functions], error=cells,
                                  missing=cells.startswith(MISSING))
        functions, notes = output
        return NotebookResult(stem, str(path), functions, notes=list(dict.fromkeys(taken_for(stem, path) + notes)))


_WHERE = re.compile(r"\(cell (\d+), line (\d+)\)$")


def why_undefined(name: str, cells: list[Cell], cell_errors: list[str]) -> str | None:
    """When a function was not defined because the cell defining it failed (a syntax error, or an error
    raised before the ``def``): which cell, quoted by its first line, and what Python said."""
    for error in cell_errors:
        where = _WHERE.search(error)
        if not where:
            continue
        cell = next((c for c in cells if c.index == int(where.group(1))), None)
        if cell is None or not re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", cell.source, re.M):
            continue
        lines = cell.source.splitlines()
        first = next((line.strip() for line in lines if line.strip()), "")
        number = int(where.group(2))
        quoted = f" `{lines[number - 1].strip()[:80]}`" if 0 < number <= len(lines) and lines[number - 1].strip() else ""
        what = error[:where.start()].rstrip()
        place = f"the cell that starts `{first[:80]}` (cell {cell.index} from the top)"
        if what.startswith("SyntaxError"):
            return (f"{name} was not defined: {place} has a syntax error at line {number}{quoted}: "
                    f"{what.removeprefix('SyntaxError: ')}. Fix it and run the cell again")
        return f"{name} was not defined: {place} raised {what} at line {number}{quoted}, before defining it"
    return None


_prepared: dict[tuple[str, str, int, str], object] = {}
_prepare_locks: dict[tuple[str, str, int, str], threading.Lock] = {}
_prepare_guard = threading.Lock()


def prepare(stem: str, name: str, seed: int):
    """:func:`reference.prepare`, computed once per process and kept (for every function of the course, however
    many, and secret), even when several threads ask for it at the same time."""
    key = (stem, name, seed, secret.fingerprint())
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
