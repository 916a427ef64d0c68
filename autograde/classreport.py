"""The class report: what a whole class got right and wrong, for the instructor (``DIR/class.html``, ``DIR/class.csv``).

:func:`build` turns the results of a class into numbers (no drawing, no HTML): score histograms, per graded
function the points lost, the shares at full marks, not attempted and raising, the mistakes grouped by the
check's hint, the students to help, and each function's discrimination. :func:`page` draws and renders it
(``templates/class.html.j2``, histograms from :mod:`autograde.charts`), :func:`csv_text` writes the function
table. :func:`write` does both for an output folder, from every result saved in it (not only the last batch),
so that regrading and resuming keep the report whole. Every figure states how many students are behind it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import numpy as np

from autograde.results import FunctionResult, Status, SubmissionResult

FLAG_BELOW = 0.5  # students under this share of the points are listed as needing help
MAX_GROUPS = 12  # mistake groups shown per function; the rest are counted
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass
class Histogram:
    edges: list[float]  # len(counts) + 1; the last bin includes its right edge
    counts: list[int]
    label: str  # what the horizontal axis counts

    @property
    def students(self) -> int:
        return int(sum(self.counts))


@dataclass
class MistakeGroup:
    students: int  # distinct students whose failed checks of the function carry this hint (or message)
    hint: str | None  # the checks' hint, the key of the group; None for failures without one
    text: str  # the hint, or the most common message with its numbers (which vary) left out
    checks: list[str]  # the checks that failed with it, most frequent first
    example: str  # the most common message of the group, as one student saw it (without the hint)
    variants: int  # how many different messages the group holds


@dataclass
class FunctionStats:
    notebook: str
    name: str
    students: int  # who submitted the notebook (the base of every share below)
    max_score: float
    mean: float
    lost: float  # points lost, summed over those students
    full: float  # shares of the students
    not_attempted: float
    raised: float
    no_answer: float
    discrimination: float | None  # correlation of the function's score with the rest of the student's score
    uninformative: str | None  # why the function tells nothing (everybody or nobody scores), if it does not
    failing: int  # students who lost points on it, apart from those who did not attempt it
    groups: list[MistakeGroup] = field(default_factory=list)
    other_groups: int = 0  # groups beyond MAX_GROUPS
    other_students: int = 0  # ... and the students in them (a student can be in several groups)


@dataclass
class Student:
    id: str
    href: str  # the feedback page, relative to the report
    score: float
    max_score: float


@dataclass
class ClassReport:
    students: int
    total: Histogram
    notebooks: list[tuple[str, Histogram, int]]  # per notebook: its histogram and how many lack it
    functions: list[FunctionStats]  # by points lost, most first
    flag_below: float
    flagged: list[Student]  # below flag_below, lowest first
    missing: list[tuple[str, list[Student]]]  # per notebook, the students who lack it
    identity: dict[str, str] = field(default_factory=dict)
    mean: float = 0.0
    median: float = 0.0
    max_score: float = 0.0  # of the total, when every student has the same (else 0: shares are shown)


# ------------------------------------------------------------------------------------------------ numbers

def _step(span: float, most: int) -> float:
    """A round bin width giving at most ``most`` bins over ``span``: 1, 2, 2.5, 5 times a power of ten."""
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def histogram(values: np.ndarray, top: float, label: str, most: int = 30) -> Histogram:
    """Counts of ``values`` (between 0 and ``top``): one bin per point up to ``most`` points, else round bins."""
    if top <= most and float(top).is_integer():
        edges = np.arange(-0.5, top + 1.0)
    elif top > 0:  # round bins, the last one ending at the top (narrower, or wider by less than a quarter)
        width = _step(top, most)
        edges = np.arange(0.0, top, width)
        if len(edges) > 1 and top - edges[-1] < width / 4:
            edges = edges[:-1]
        edges = np.append(edges, top)
    else:
        edges = np.array([0.0, 1.0])
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    assert counts.sum() == len(values)
    return Histogram([float(e) for e in edges], [int(c) for c in counts], label)


def _key(message: str) -> str:
    """A failure without a hint, with its numbers left out, so that the same failure on other inputs groups."""
    return _NUMBER.sub("…", message)


def _groups(failures: list[list[tuple[str, str | None, str]]]) -> list[MistakeGroup]:
    """Mistake groups from each failing student's (check, hint, message) triples, most students first."""
    students: Counter = Counter()
    checks: dict[tuple, Counter] = defaultdict(Counter)
    messages: dict[tuple, Counter] = defaultdict(Counter)
    for triples in failures:
        keys = set()
        for check, hint, message in triples:
            key = ("hint", hint) if hint else ("message", _key(message))
            keys.add(key)
            checks[key][check] += 1
            messages[key][message] += 1
        students.update(keys)
    out = []
    for key, n in students.items():
        example = messages[key].most_common(1)[0][0]
        out.append(MistakeGroup(n, key[1] if key[0] == "hint" else None,
                                key[1] if key[0] == "hint" else example,
                                [c for c, _ in checks[key].most_common()], example, len(messages[key])))
    out.sort(key=lambda g: (-g.students, g.text))
    return out


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _flat(scores: np.ndarray, top: float) -> str | None:
    """Why a function tells the instructor nothing about who understood: everybody scores the same."""
    if len(scores) == 0 or scores.min() != scores.max():
        return None
    if scores[0] == top:
        return "everybody has full marks"
    return "nobody scores" if scores[0] == 0 else "everybody scores the same"


def href(student_id: str) -> str:
    """The student's feedback page, relative to the report (``submissions/<id>/feedback.html``)."""
    return f"submissions/{quote(student_id, safe='')}/feedback.html"


def build(results: list[SubmissionResult], flag_below: float = FLAG_BELOW) -> ClassReport:
    """The class report's numbers, from one result per student."""
    n = len(results)
    # one pass over the class, each check read once: per notebook and function, who submitted what, how it went
    totals, maxes = np.zeros(n), np.zeros(n)
    nb_scores: dict[str, list[float]] = defaultdict(list)
    nb_max: dict[str, float] = {}
    missing: dict[str, list[int]] = defaultdict(list)
    order: dict[tuple[str, str], int] = {}
    fn_rows: dict[tuple[str, str], list[tuple[int, float, float, FunctionResult]]] = defaultdict(list)
    for i, r in enumerate(results):
        for nb in r.notebooks:
            nb_score = nb_top = 0.0
            rows = []
            for fn in nb.functions:
                score = top = 0.0
                for c in fn.checks:
                    top += c.points
                    if c.passed:
                        score += c.points
                nb_score, nb_top = nb_score + score, nb_top + top
                rows.append((fn, score, top))
            totals[i] += nb_score
            maxes[i] += nb_top
            if nb.missing:
                missing[nb.notebook].append(i)
                continue
            nb_scores[nb.notebook].append(nb_score)
            nb_max[nb.notebook] = max(nb_max.get(nb.notebook, 0.0), nb_top)
            for fn, score, top in rows:
                key = (nb.notebook, fn.name)
                order.setdefault(key, len(order))
                fn_rows[key].append((i, score, top, fn))

    same_max = n > 0 and maxes.min() == maxes.max()
    if same_max:
        total = histogram(totals, float(maxes[0]), f"total score (points, of {maxes[0]:g})")
    else:  # students answered for different notebooks (batches graded into one folder): shares
        total = histogram(100 * np.divide(totals, maxes, out=np.zeros(n), where=maxes > 0), 100.0,
                          "total score (% of each student's points)", most=20)
    stems = sorted(set(nb_scores) | set(missing))
    notebooks = [(s, histogram(np.array(nb_scores.get(s, []), dtype=float), nb_max.get(s, 0.0), "points"
                               + (f", of {nb_max[s]:g}" if s in nb_max else "")), len(missing.get(s, [])))
                 for s in stems]

    functions = []
    for (stem, name), rows in sorted(fn_rows.items(), key=lambda kv: order[kv[0]]):
        m = len(rows)
        idx = np.fromiter((row[0] for row in rows), dtype=np.int64, count=m)
        scores = np.fromiter((row[1] for row in rows), dtype=float, count=m)
        top = max(row[2] for row in rows)
        statuses = Counter(row[3].status for row in rows)
        failures = [[(c.name, c.hint, c.message) for c in fn.checks if not c.passed]
                    for _, score, most, fn in rows if fn.status != Status.NOT_IMPLEMENTED and score < most]
        groups = _groups(failures)
        shown, rest = groups[:MAX_GROUPS], groups[MAX_GROUPS:]
        functions.append(FunctionStats(
            stem, name, m, top, float(scores.mean()), float((top - scores).sum()), float((scores == top).mean()),
            statuses[Status.NOT_IMPLEMENTED] / m, statuses[Status.RAISED] / m, statuses[Status.NO_ANSWER] / m,
            _correlation(scores, totals[idx] - scores), _flat(scores, top), len(failures), shown, len(rest),
            sum(g.students for g in rest)))
    functions.sort(key=lambda f: (-f.lost, f.notebook, order[(f.notebook, f.name)]))

    def student(i: int) -> Student:
        r = results[i]
        return Student(r.id or r.submission, href(r.id or r.submission), float(totals[i]), float(maxes[i]))

    share = np.divide(totals, maxes, out=np.zeros(n), where=maxes > 0)
    low = [int(i) for i in np.argsort(share, kind="stable") if maxes[i] > 0 and share[i] < flag_below]
    return ClassReport(n, total, notebooks, functions, flag_below, [student(i) for i in low],
                       [(s, [student(i) for i in missing[s]]) for s in stems if missing.get(s)],
                       mean=float(totals.mean()) if n else 0.0, median=float(np.median(totals)) if n else 0.0,
                       max_score=float(maxes[0]) if same_max else 0.0)


# ------------------------------------------------------------------------------------------------ files

COLUMNS = ["notebook", "function", "students", "max_score", "mean_score", "points_lost", "full_marks",
           "not_attempted", "raised", "no_answer", "discrimination", "tells_nothing"]


def csv_text(report: ClassReport) -> str:
    """The function table (points lost, most first), one row per function; shares between 0 and 1."""
    from autograde.report import _cell

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
    from autograde import charts, pages

    images = {"total": charts.histogram_png(report.total, wide=True)}
    for stem, hist, _ in report.notebooks:
        images[stem] = charts.histogram_png(hist, wide=False)
    ranked = sorted((f for f in report.functions if f.discrimination is not None), key=lambda f: f.discrimination)
    ranked += [f for f in report.functions if f.discrimination is None]
    return pages.render("class.html.j2", r=report, images=images, notes=list(notes), discrimination=ranked,
                        title="Recurrent neural networks — class report", open_functions=8)


def write(out: Path, results: list[SubmissionResult], flag_below: float = FLAG_BELOW) -> ClassReport:
    """Write ``out/class.html`` and ``out/class.csv`` for ``results`` and every other result saved in ``out``."""
    from autograde.report import write_atomically

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
