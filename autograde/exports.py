"""Grades for other tools: Gradescope's results.json, Canvas's gradebook import CSV, and nbgrader's gradebook."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from autograde.results import SubmissionResult


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's autograder results: one test per graded function, with every check in its output; above them,
    what the feedback page says of each notebook (why it could not be graded, the grader's notes, its cells' errors)."""
    tests = []
    for nb in result.notebooks:
        for fn in nb.functions:
            lines = [f"{'✓' if c.passed else '✗'} {c.name} ({c.score:g}/{c.points:g}): {c.text}" for c in fn.checks]
            tests.append({"name": f"{nb.notebook}: {fn.name}", "score": fn.score, "max_score": fn.max_score,
                          "output": "\n".join(lines), "visibility": "visible"})
    doc: dict = {"score": result.score, "tests": tests, "visibility": "visible"}
    lines = [result.error] if result.error else []
    for nb in result.notebooks:
        lines += [f"{nb.notebook}: {nb.error}"] if nb.error else []
        lines += [f"{nb.notebook}: {note}" for note in nb.notes]
        lines += [f"{nb.notebook}: a cell of your notebook raised an error while it ran: {message}"
                  for message in nb.cell_error_messages]
    if lines:
        doc["output"] = "\n".join(lines)
    return doc


# Canvas's gradebook CSV: these identity columns, then one column per assignment; a second row gives each
# assignment's points. Canvas exports the same layout (Grades > Export), with "Name (assignment id)" headers.
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_ROW = "Points Possible"


def read_canvas_roster(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Students and assignment headers of a gradebook exported from Canvas; ValueError if it is not one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} could not be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if "Student" not in header or not {"ID", "SIS User ID", "SIS Login ID"} & set(header):
        raise ValueError(f"{path} is not a gradebook exported from Canvas (its first row must name the columns "
                         f"Student, ID, SIS User ID, SIS Login ID, Section, ...)")
    students = [{k: (row.get(k) or "").strip() for k in CANVAS_IDENTITY} for row in reader
                if (row.get("Student") or "").strip() not in (POINTS_ROW, "Student, Test", "")]
    assignments = [h for h in header if h not in CANVAS_IDENTITY]
    return students, assignments


def _canvas_column(stem: str, roster_assignments: list[str]) -> str:
    """The roster's column for the notebook (``stem (12345)``: an existing assignment), else a new one."""
    for header in roster_assignments:
        m = re.fullmatch(r"(.*) \((\d+)\)", header.strip())
        if m and m.group(1) == stem:
            return header
    return stem


def canvas_csv(results: list[SubmissionResult],
               roster: tuple[list[dict[str, str]], list[str]] | None = None) -> tuple[str, list[str]]:
    """A CSV for Canvas's gradebook import, and problems to tell the instructor.

    Without a roster there is one row per submission, its id as SIS User ID and SIS Login ID (so the
    submissions must be named by the students' SIS ids, as in an nbgrader ``submitted/<id>/`` tree). With a
    roster (Canvas's own export), every student of the roster has a row with Canvas's identity columns, and a
    submission is matched to the student whose SIS Login ID, SIS User ID or ID equals its id. A notebook that a
    submission lacks scores 0, as everywhere; a student of the roster with no submission gets blank cells,
    which Canvas's import leaves unchanged.
    """
    from autograde.discovery import slug  # the ids of submissions are slugs

    stems = sorted({nb.notebook for r in results for nb in r.notebooks})
    points = {nb.notebook: nb.max_score for r in results for nb in r.notebooks}
    students, assignments = roster if roster is not None else (None, [])
    problems = []
    if students is None:
        rows = [({"Student": r.id, "ID": "", "SIS User ID": r.id, "SIS Login ID": r.id, "Section": ""}, r)
                for r in results]
    else:
        by_key: dict[str, int] = {}
        for n, st in enumerate(students):
            for key in ("SIS Login ID", "SIS User ID", "ID"):
                for value in {st[key], slug(st[key])} - {""}:
                    by_key.setdefault(value, n)
        matched: dict[int, SubmissionResult] = {}
        for r in results:
            n = by_key.get(r.id)
            if n is None:
                problems.append(f"{r.id}: no student of the roster has this SIS Login ID, SIS User ID or ID; "
                                "not in the CSV")
            elif n in matched:
                problems.append(f"{r.id}: a second submission for {students[n]['Student']}; the first is kept")
            else:
                matched[n] = r
        rows = [(st, matched.get(n)) for n, st in enumerate(students)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CANVAS_IDENTITY + [_canvas_column(s, assignments) for s in stems])
    writer.writerow([POINTS_ROW, "", "", "", ""] + [f"{points[s]:g}" for s in stems])
    for identity, result in rows:
        scores = {nb.notebook: nb.score for nb in result.notebooks} if result is not None else {}
        writer.writerow([identity[k] for k in CANVAS_IDENTITY] + [f"{scores[s]:g}" if s in scores else ""
                                                                   for s in stems])
    return buf.getvalue(), problems


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
