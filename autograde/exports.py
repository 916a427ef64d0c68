"""Grades for other tools: Gradescope's results.json, and nbgrader's gradebook."""

from __future__ import annotations

from autograde.results import SubmissionResult


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's autograder results: one test per graded function, with every check in its output."""
    tests = []
    for nb in result.notebooks:
        for fn in nb.functions:
            lines = [f"{'✓' if c.passed else '✗'} {c.name} ({c.score:g}/{c.points:g}): {c.message}" for c in fn.checks]
            tests.append({"name": f"{nb.notebook}: {fn.name}", "score": fn.score, "max_score": fn.max_score,
                          "output": "\n".join(lines), "visibility": "visible"})
    doc: dict = {"score": result.score, "tests": tests, "visibility": "visible"}
    problems = [result.error] if result.error else []
    problems += [f"{nb.notebook}: {nb.error}" for nb in result.notebooks if nb.error]
    if problems:
        doc["output"] = "\n".join(problems)
    return doc


def to_gradebook(results: list[SubmissionResult], db_url: str) -> list[str]:
    """Write scores into an nbgrader gradebook as autograder scores, so that the formgrader shows them.

    Each submission's id is the student's id (as in an nbgrader ``submitted/<student>/`` tree); each notebook
    is the assignment of the same name, whose test cells are ``check_<function>``. The assignment must
    exist in the gradebook (``nbgrader generate_assignment`` puts it there). Returns one line per problem.
    """
    from nbgrader.api import Gradebook, MissingEntry

    problems = []
    with Gradebook(db_url) as gb:
        for result in results:
            if not result.id:
                problems.append(f"{result.submission}: no student id")
                continue
            gb.update_or_create_student(result.id)
            for nb in result.notebooks:
                try:
                    gb.find_assignment(nb.notebook)
                except MissingEntry:
                    problems.append(f"the gradebook has no assignment {nb.notebook}: run "
                                    f"`nbgrader generate_assignment {nb.notebook}` first")
                    continue
                try:
                    gb.find_submission(nb.notebook, result.id)
                except MissingEntry:
                    gb.add_submission(nb.notebook, result.id)
                for fn in nb.functions:
                    try:
                        grade = gb.find_grade(f"check_{fn.name}", nb.notebook, nb.notebook, result.id)
                    except MissingEntry:
                        problems.append(f"{result.id}: the gradebook's {nb.notebook} has no cell check_{fn.name}")
                        continue
                    grade.auto_score = fn.score
                gb.db.commit()
    return problems
