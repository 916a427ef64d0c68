"""Batch grading speed, and the same submissions graded by nbgrader, side by side, on every notebook of the course.

    python benchmarks/batch_speed.py [--students 100] [--nbgrader-students 3] [--jobs 2]

It makes a class of STUDENTS submissions of every notebook that has a spec in a temporary nbgrader course
(copies of the sample submission and of honest complete ones, alternately), then times

* `python -m autograde grade --jobs N --json` on all of them;
* `nbgrader autograde` of every notebook for the first NBGRADER_STUDENTS students, and ours on the same
  students, to compare (target, issue 12: ours at least 25x faster).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import STEMS, load, make_class, timed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--nbgrader-students", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    ours = [sys.executable, "-m", "autograde", "grade", "--json", "--jobs", str(args.jobs)]
    n = len(STEMS)
    if args.students:
        with tempfile.TemporaryDirectory() as tmp:
            subs = make_class(Path(tmp), args.students)
            t_all = timed(ours + [str(p) for p in subs])
            print(f"autograde --jobs {args.jobs}: {args.students} students x {n} notebooks in {t_all:.1f} s "
                  f"({t_all / args.students:.2f} s per student, {t_all / args.students / n:.3f} s per notebook; "
                  f"{load()})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        course, k = Path(tmp), args.nbgrader_students
        subs = make_class(course, k, course=True)
        t_ours = timed(ours + [str(p) for p in subs])
        with tempfile.TemporaryDirectory() as cache:  # and with no reference data kept from an earlier run
            t_cold = timed(ours + [str(p) for p in subs], env={**os.environ, "AUTOGRADE_CACHE_DIR": cache})
        for stem in STEMS:
            timed([sys.executable, "-m", "nbgrader", "generate_assignment", stem, "--force"], course, env)
        t_nbg = sum(timed([sys.executable, "-m", "nbgrader", "autograde", stem, "--force"], course, env)
                    for stem in STEMS)
        print(f"same {k} students x {n} notebooks: nbgrader autograde {t_nbg:.1f} s, autograde --jobs {args.jobs} "
              f"{t_ours:.1f} s: {t_nbg / t_ours:.1f}x faster; with an empty cache of reference data {t_cold:.1f} s: "
              f"{t_nbg / t_cold:.1f}x faster ({load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
