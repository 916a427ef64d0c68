"""Wall-clock time of `python -m autograde grade` as a user runs it (a fresh process), on every notebook of the
course: one student's whole course at once, and each notebook alone.

    python benchmarks/grade_speed.py [--runs 7] [NOTEBOOK_OR_FOLDER...]

By default it makes one student's submission of every notebook that has a spec (the sample submission's
where there is one, honest complete ones otherwise) and prints the median, min and max over RUNS of the
whole course, then of each notebook. The reference data is kept on disk between runs (autograde.refcache):
the whole course is timed both as usual (the cache filled by an earlier run) and "cold", each run with an
empty cache, as after installing or changing the course. Targets: the whole course (twelve notebooks) <= 4 s
median on a 2-core machine (issue 12); one notebook <= 2-3 s (issue 2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import STEMS, load, make_class, timed  # noqa: E402


def measure(label: str, target: Path, runs: int, cold: bool = False) -> float:
    command = [sys.executable, "-m", "autograde", "grade", "--json", str(target)]
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "AUTOGRADE_CACHE_DIR": cache} if cold else None
            times.append(timed(command, env=env))
    print(f"{label}: median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"over {runs} runs ({load()})", flush=True)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.targets:
        for target in args.targets:
            measure(target.name, target, args.runs)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        (student,) = make_class(Path(tmp), 1)
        timed([sys.executable, "-m", "autograde", "grade", "--json", str(student)])  # fills the cache
        measure(f"whole course, one student ({len(STEMS)} notebooks)", student, args.runs)
        measure("  the same, cold (an empty cache each run)", student, args.runs, cold=True)
        for stem in STEMS:
            measure(f"  {stem}", student / stem / f"{stem}.ipynb", args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
