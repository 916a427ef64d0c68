"""The class report's files: ``DIR/class.html`` (:func:`page`, from ``templates/class.html.j2`` with the
histograms of :mod:`autograde.charts`) and ``DIR/class.csv`` (:func:`csv_text`), computed by :func:`write` from
every result saved in the output folder (not only the last batch), so that regrading and resuming keep the
report whole. The numbers themselves are :mod:`autograde.classreport`'s.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from autograde import charts, pages
from autograde.classreport import FLAG_BELOW, ClassReport, build
from autograde.report import _cell, write_atomically
from autograde.results import SubmissionResult

COLUMNS = ["notebook", "function", "students", "max_score", "mean_score", "points_lost", "full_marks",
           "not_attempted", "raised", "no_answer", "discrimination", "tells_nothing"]


def csv_text(report: ClassReport) -> str:
    """The function table (points lost, most first), one row per function; shares between 0 and 1."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in report.functions:
        writer.writerow([_cell(f.notebook), _cell(f.name), f.students, f"{f.max_score:g}", f"{f.mean:.4g}",
                         f"{f.lost:g}", f"{f.full:.4f}", f"{f.not_attempted:.4f}", f"{f.raised:.4f}",
                         f"{f.no_answer:.4f}", "" if f.discrimination is None else f"{f.discrimination:.3f}",
                         f.uninformative or ""])
    return buf.getvalue()


def course_commit() -> str | None:
    """The git commit of the course being graded, if it is a git checkout (``+changes`` when files differ)."""
    from autograde import paths

    try:
        commit = subprocess.run(["git", "-C", str(paths.root()), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(paths.root()), "status", "--porcelain", "--untracked-files=no",
                                "--", "autograde", "course_utils", "solutions"],
                               capture_output=True, text=True, timeout=10)
        return commit.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def identity() -> dict[str, str]:
    """What makes two reports comparable: when, which course and grader, which secret (its fingerprint)."""
    from autograde import __version__, secret
    from autograde.refcache import course_fingerprint

    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "course version": course_commit() or "unknown (not a git checkout)",
            "course fingerprint": course_fingerprint(), "grader version": __version__,
            "secret fingerprint": secret.fingerprint()}


def graded_with() -> dict[str, str]:
    """Stored with each result: the course and the secret it was graded with (fingerprints)."""
    from autograde import secret
    from autograde.refcache import course_fingerprint

    return {"course": course_fingerprint(), "secret": secret.fingerprint()}


def saved(out: Path, skip: set[str]) -> tuple[list[SubmissionResult], int, int]:
    """The results saved in ``out`` by earlier runs, but those of ``skip`` (ids); how many could not be read,
    and how many were graded with another course or secret."""
    results, unreadable, other = [], 0, 0
    now = graded_with()
    folder = out / "submissions"
    for path in sorted(folder.glob("*/result.json")) if folder.is_dir() else []:
        if path.parent.name in skip:
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            result = SubmissionResult.from_json(doc["result"])
        except (OSError, ValueError, KeyError, TypeError):
            unreadable += 1
            continue
        result.id = path.parent.name  # the folder holding its feedback page
        other += doc.get("graded_with") != now
        results.append(result)
    return results, unreadable, other


def page(report: ClassReport, notes: list[str] = ()) -> str:
    """The class report as one self-contained HTML page (the histograms are inside it)."""
    images = {"total": charts.histogram_png(report.total, wide=True)}
    for stem, hist, _ in report.notebooks:
        images[stem] = charts.histogram_png(hist, wide=False)
    ranked = sorted((f for f in report.functions if f.discrimination is not None), key=lambda f: f.discrimination)
    ranked += [f for f in report.functions if f.discrimination is None]
    return pages.render("class.html.j2", r=report, images=images, notes=list(notes), discrimination=ranked,
                        title="Recurrent neural networks — class report", open_functions=8)


def write(out: Path, results: list[SubmissionResult], flag_below: float = FLAG_BELOW) -> ClassReport:
    """Write ``out/class.html`` and ``out/class.csv`` for ``results`` and every other result saved in ``out``."""
    others, unreadable, other = saved(out, {r.id for r in results})
    everyone = sorted(results + others, key=lambda r: r.id)
    report = build(everyone, flag_below)
    report.identity = identity()
    notes = []
    if unreadable:
        notes.append(f"{unreadable} saved result file{'s' if unreadable > 1 else ''} in {out / 'submissions'} "
                     "could not be read and {} left out.".format("are" if unreadable > 1 else "is"))
    if other:
        notes.append(f"{other} of the {len(everyone)} students were graded by an earlier run into this folder with "
                     "another version of the course or another secret (or by one that did not record them): their "
                     "results are included as they were.")
    write_atomically(out / "class.html", page(report, notes))
    write_atomically(out / "class.csv", csv_text(report))
    return report
