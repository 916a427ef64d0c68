"""Grading a class into an output folder, resumably.

``DIR/`` holds ``report.json`` (the document of ``--json``), ``grades.csv``, and per submission
``submissions/<id>/`` with ``result.json`` (the result and the fingerprint of what was graded),
``feedback.html`` and Gradescope's ``results.json``, and the class report ``class.html`` and ``class.csv``
(:mod:`autograde.classreport`, from every result saved in the folder). Every file is written atomically, and a submission's
files as soon as it is graded: an interrupted batch keeps what it finished, and the next run with the same
``--out`` grades only the submissions that are new or changed (``--force`` regrades everything).

``DIR/autograde-batch.json`` (the marker, written before grading starts) says that the grader made the folder
and for which batch: the ids of its submissions, with their paths. A run refuses (:class:`OutError`), unless
``force``, a folder that

* is not empty and has no marker: it was not made by the grader;
* holds another batch: its marker lists a submission that this run does not grade, whose pages would stay
  beside this batch's report.

The same submissions, or more (a late student), are the same batch: an interrupted run resumes. With
``force`` the folder is taken over: the pages of the submissions that the marker lists and this run does not
grade are removed (only those: nothing the grader did not write), and everything is regraded.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

from autograde import classfiles, exports, feedback, report
from autograde.grade import Grader
from autograde.plan import Plan
from autograde.results import SubmissionResult


def _folder(out: Path, plan: Plan) -> Path:
    return out / "submissions" / plan.id


def cached(out: Path, plan: Plan, fingerprint: str) -> SubmissionResult | None:
    """The result saved by an earlier run for this very submission, if nothing that matters changed."""
    try:
        doc = json.loads((_folder(out, plan) / "result.json").read_text(encoding="utf-8"))
        if doc.get("fingerprint") == fingerprint:
            return SubmissionResult.from_json(doc["result"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def save(out: Path, plan: Plan, result: SubmissionResult, fingerprint: str) -> None:
    folder = _folder(out, plan)
    report.write_atomically(folder / "feedback.html", feedback.page(result))
    report.write_atomically(folder / "results.json", json.dumps(exports.gradescope(result), indent=1,
                                                                ensure_ascii=False) + "\n")
    # written last: its presence means the submission's files are complete
    doc = {"fingerprint": fingerprint, "graded_with": classfiles.graded_with(), "result": result.to_json()}
    report.write_atomically(folder / "result.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


MARKER = "autograde-batch.json"


class OutError(ValueError):
    """An output folder that this batch must not write into (see the module docstring)."""


def claim(out: Path, plans: list[Plan], force: bool = False) -> None:
    """Check that ``out`` may take this batch (else :class:`OutError`), and mark it as this batch's."""
    marker = out / MARKER
    if out.exists() and not out.is_dir():
        raise OutError(f"--out {out} is a file, not a folder")
    ids = [p.id for p in plans]
    earlier: list[str] = []
    if marker.is_file():
        try:
            doc = json.loads(marker.read_text(encoding="utf-8"))
            earlier = [str(i) for i in doc["submissions"]]
        except (OSError, ValueError, KeyError, TypeError):
            if not force:
                raise OutError(f"--out {out}: its {MARKER} cannot be read, so which batch the folder holds is "
                               "unknown; give a new folder, or add --force to take this one over") from None
    elif out.is_dir() and any(out.iterdir()) and not force:
        raise OutError(f"--out {out} is not empty and was not made by the grader (it has no {MARKER}); give a "
                       "new or empty folder, or add --force to write into this one")
    others = [i for i in earlier if i not in set(ids)]
    if others and not force:
        listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise OutError(f"--out {out} holds another batch: it has the pages of {listed}, which this run does not "
                       "grade, and they would stay beside this batch's report; give another folder, or add "
                       "--force to replace that batch with this one")
    for sid in others:  # with force: only what the grader wrote for the batch its marker names
        folder = out / "submissions" / sid
        if sid and os.sep not in sid and sid not in (".", "..") and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
    doc = {"written_by": "python -m autograde grade --out",
           "submissions": {p.id: str(Path(p.path).absolute()) for p in plans}}
    report.write_atomically(marker, json.dumps(doc, indent=1) + "\n")  # ASCII: a path may not be UTF-8


def run(grader: Grader, plans: list[Plan], out: Path, force: bool = False,
        on_start: Callable[[list[Plan]], None] = lambda todo: None,
        flag_below: float = classfiles.FLAG_BELOW) -> tuple[list[SubmissionResult], int]:
    """Grade ``plans`` into ``out``, reusing saved results; return all results (in order) and how many
    were reused. ``on_start`` is told which plans will be graded; the class report flags students below
    ``flag_below`` of their points."""
    claim(out, plans, force)
    fingerprints = {p.id: p.fingerprint(grader.options.seed, grader.options.limits) for p in plans}
    reused = {} if force else {p.id: r for p in plans if (r := cached(out, p, fingerprints[p.id])) is not None}
    todo = [p for p in plans if p.id not in reused]
    on_start(todo)
    fresh = {}

    def done(plan: Plan, result: SubmissionResult) -> None:
        save(out, plan, result, fingerprints[plan.id])
        fresh[plan.id] = result

    grader.grade_plans(todo, done)
    results = [reused.get(p.id) or fresh[p.id] for p in plans]
    report.write_out(out, results)
    classfiles.write(out, results, flag_below)
    return results, len(reused)
