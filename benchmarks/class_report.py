"""The class report of a large class: time, memory and size of ``class.html`` for 10,000 synthetic students.

The students are result objects made from the course's specs (every graded function, its checks and
points, and the hints of its known mistakes), with mistakes drawn at random: nothing is graded. What is timed
is what ``python -m autograde grade ... --out DIR`` adds at the end of a batch: the numbers
(:func:`autograde.classreport.build`), the histograms and the page (:func:`autograde.classfiles.page`) and
the CSV. Memory is the peak of what the report allocates (tracemalloc), beyond the class's results.

    python benchmarks/class_report.py [--students 10000] [--out DIR]

``--out DIR`` also writes DIR/class.html (and class.csv), e.g. to look at it in a browser. The same
generator makes the class of the README's screenshot (``synthetic_class``, 300 students).

On a shared 2-core machine (load average 7), 10,000 students: numbers 10.4 s, histograms and page 2.9 s of wall
time, 4.3 s of CPU time in all; class.html 0.73 MB, class.csv 4.5 kB; 67 MB of memory at the peak beyond the
results (the per-function rows); 855 students flagged, the total histogram 10,000 students in 30 bins.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograde import classfiles, classreport, specs  # noqa: E402
from autograde.calls import NOT_IMPLEMENTED  # noqa: E402
from autograde.plan import MISSING  # noqa: E402
from autograde.results import CheckResult, FunctionResult, NotebookResult, Status, SubmissionResult  # noqa: E402
from autograde.spec import CHECKS  # noqa: E402

ERRORS = ("raised ValueError: operands could not be broadcast together with shapes ({a},{b}) ({b},{a}) "
          "(cell {c}, line {d})",
          "raised IndexError: index {a} is out of bounds for axis 1 with size {b} (cell {c}, line {d})",
          "raised NameError: name 'np' is not defined (cell {c}, line {d})")


def _catalogue() -> list[tuple[str, str, dict[str, float], list[str]]]:
    """(notebook, function, points per check name, the hints of its known mistakes) for every graded function."""
    out = []
    for stem, nb in specs.all_specs().items():
        for f in nb.functions:
            points = {CHECKS[c]: float(p) for c, p in f.points.items()}
            hints = [m.hint for m in f.mistakes]
            if f.gradient is not None:
                hints += [h.hint for h in f.gradient.hints]
            out.append((stem, f.name, points, hints or [None]))
    return out


def synthetic_class(n: int, seed: int = 0) -> list[SubmissionResult]:
    """``n`` students, as item response theory draws them: a student of ability θ gets a function of difficulty
    b right with probability σ(a (θ − b)), else makes one of its known mistakes (the first ones more often),
    or, less able, leaves it unattempted or raising. Some stop before the last notebooks; one function
    (``parameter_counts``) everybody who submits gets right."""
    rng = np.random.default_rng(seed)
    catalogue = _catalogue()
    by_stem: dict[str, list] = {}
    for item in catalogue:
        by_stem.setdefault(item[0], []).append(item)
    difficulty = {name: (rng.uniform(-2.5, 0.3), rng.uniform(0.8, 2.5)) for _, name, _, _ in catalogue}
    ok = "matches the reference solution on all 4 inputs"  # (shared texts keep a large class small)
    results = []
    for s in range(n):
        theta = rng.normal()
        last = 12 if rng.random() > 0.12 else int(rng.integers(6, 12))  # some stop before the end
        notebooks = []
        for k, (stem, items) in enumerate(by_stem.items()):
            if k >= last or rng.random() < 0.01:
                text = f"{MISSING}: no {stem}.ipynb in the submission"
                notebooks.append(NotebookResult(stem, f"s{s}", [FunctionResult(name, [
                    CheckResult(c, False, text, p) for c, p in points.items()], Status.NO_ANSWER)
                    for _, name, points, _ in items], error=text, missing=True))
                continue
            functions = []
            for _, name, points, hints in items:
                b, a = difficulty[name]
                right = 1 / (1 + np.exp(-a * (theta - b)))
                u = rng.random()
                if name == "parameter_counts" or u < right:
                    functions.append(FunctionResult(name, [CheckResult(c, True, ok, p) for c, p in points.items()]))
                elif u < right + (1 - right) * 0.06:
                    checks = [CheckResult(c, False, NOT_IMPLEMENTED, p) for c, p in points.items()]
                    functions.append(FunctionResult(name, checks, Status.NOT_IMPLEMENTED))
                elif u < right + (1 - right) * 0.14:
                    error = ERRORS[int(rng.integers(len(ERRORS)))].format(
                        a=rng.integers(2, 9), b=rng.integers(2, 9), c=rng.integers(3, 30), d=rng.integers(1, 20))
                    checks = [CheckResult(c, c == "inputs left unchanged", error, p) for c, p in points.items()]
                    functions.append(FunctionResult(name, checks, Status.RAISED))
                else:
                    hint = hints[min(int(rng.zipf(1.8)) - 1, len(hints) - 1)]
                    failing = [c for c in points if c in ("values", "values at edge sizes", "gradient check")
                               or (c == "shapes and dtypes" and rng.random() < 0.2)] or list(points)[:1]
                    scale = rng.uniform(0.05, 3)
                    message = (f"the output differs from the expected value by up to {scale:.2g}, relative "
                               f"{scale / 2:.2g} (inputs: n_x={rng.integers(2, 6)}, n_a={rng.integers(2, 8)}, "
                               f"m={rng.integers(1, 10)})")
                    functions.append(FunctionResult(name, [
                        CheckResult(c, c not in failing, message if c in failing else ok, p,
                                    hint if c in failing else None) for c, p in points.items()]))
            notebooks.append(NotebookResult(stem, f"s{s}/{stem}.ipynb", functions))
        results.append(SubmissionResult(f"submitted/student{s:05d}", notebooks, id=f"student{s:05d}"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    t0 = time.perf_counter()
    klass = synthetic_class(args.students)
    made = time.perf_counter() - t0
    print(f"{args.students} synthetic students ({sum(len(nb.functions) for nb in klass[0].notebooks)} graded "
          f"functions each) made in {made:.1f} s")

    classfiles.page(classreport.build(klass[:50]))  # imports (matplotlib, Jinja2) not counted
    t0, c0 = time.perf_counter(), time.process_time()
    report = classreport.build(klass)
    t1 = time.perf_counter()
    report.identity = classfiles.identity()
    html = classfiles.page(report)
    t2 = time.perf_counter()
    text = classfiles.csv_text(report)
    t3, c3 = time.perf_counter(), time.process_time()
    print(f"numbers {t1 - t0:.2f} s, page (histograms and HTML) {t2 - t1:.2f} s, CSV {t3 - t2:.3f} s: "
          f"{t3 - t0:.2f} s in all ({c3 - c0:.2f} s of CPU time)")
    tracemalloc.start()  # again, for memory only (tracing slows everything down)
    classfiles.csv_text(classreport.build(klass))
    classfiles.page(report)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"class.html {len(html.encode()) / 1e6:.2f} MB, class.csv {len(text.encode()) / 1e3:.1f} kB; "
          f"peak memory of the report {peak / 1e6:.0f} MB (beyond the class's results)")
    print(f"{len(report.flagged)} students flagged, {sum(len(s) for _, s in report.missing)} missing notebooks, "
          f"total histogram {report.total.students} students in {len(report.total.counts)} bins")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "class.html").write_text(html, encoding="utf-8")
        (args.out / "class.csv").write_text(text, encoding="utf-8")
        print(f"wrote {args.out / 'class.html'}")


if __name__ == "__main__":
    main()
