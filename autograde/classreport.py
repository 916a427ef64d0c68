"""The class report: what a whole class got right and wrong, for the instructor (``DIR/class.html``, ``DIR/class.csv``).

:func:`build` turns the results of a class into numbers (no drawing, no HTML): score histograms, per graded
function the points lost, the shares at full marks, not attempted and raising, the mistakes grouped by the
check's hint, the students to help, and each function's discrimination. :mod:`autograde.classfiles` draws, renders and writes it
(``class.html``, ``class.csv``). Every figure states how many students are behind it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
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
