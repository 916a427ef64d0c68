"""Grading a class into an output folder, resumably.

``DIR/`` holds ``report.json`` (the document of ``--json``), ``grades.csv``, and per submission
``submissions/<id>/`` with ``result.json`` (the result and the fingerprint of what was graded),
``feedback.html`` and Gradescope's ``results.json``, and the class report ``class.html`` and ``class.csv``
(:mod:`autograde.classreport`, from every result saved in the folder). Every file is written atomically, and a submission's
files as soon as it is graded: an interrupted batch keeps what it finished, and the next run with the same
``--out`` grades only the submissions that are new or changed (``--force`` regrades everything).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from autograde import classreport, exports, feedback, report
from autograde.grade import Grader, Plan
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
    doc = {"fingerprint": fingerprint, "graded_with": classreport.graded_with(), "result": result.to_json()}
    report.write_atomically(folder / "result.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def run(grader: Grader, plans: list[Plan], out: Path, force: bool = False,
        on_start: Callable[[list[Plan]], None] = lambda todo: None,
        flag_below: float = classreport.FLAG_BELOW) -> tuple[list[SubmissionResult], int]:
    """Grade ``plans`` into ``out``, reusing saved results; return all results (in order) and how many
    were reused. ``on_start`` is told which plans will be graded; the class report flags students below
    ``flag_below`` of their points."""
    fingerprints = {p.id: p.fingerprint(grader.options) for p in plans}
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
    classreport.write(out, results, flag_below)
    return results, len(reused)
