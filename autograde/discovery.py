"""Finding the course notebooks in what was given to grade: which notebook file answers for which course
notebook (by its name, or else by its cells), which paths stand for several students (an nbgrader course, a
class folder), and each submission's id.

Nothing here reads a notebook's code: :mod:`autograde.nbfile` reads a file safely, :mod:`autograde.plan`
turns what is found into a plan to grade.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from autograde import specs
from autograde.nbfile import read_bytes


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


# ------------------------------------------------------------------------------------------ submissions and ids

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
