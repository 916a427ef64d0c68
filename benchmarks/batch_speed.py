"""Batch grading speed, and the same submissions graded by nbgrader, side by side.

    python benchmarks/batch_speed.py [--students 100] [--nbgrader-students 5] [--jobs 2]

It makes a class of STUDENTS submissions of notebooks 03 and 04 in a temporary nbgrader course (copies of
the sample submission and of honest complete ones, alternately), then times

* `python -m autograde grade --jobs N --json` on all of them (target: 100 students in <= 60 s with 2 jobs);
* `nbgrader autograde` of both notebooks for the first NBGRADER_STUDENTS students, and ours on the same
  students, to compare per-student times (target: ours at least 10x faster).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograde.build import completed_notebook

ROOT = Path(__file__).resolve().parent.parent
STEMS = ("03_recurrent_neural_network", "04_backpropagation_through_time")


def make_course(folder: Path, students: int) -> list[Path]:
    for item in ("solutions", "nbgrader_config.py"):
        (shutil.copytree if (ROOT / item).is_dir() else shutil.copy)(ROOT / item, folder / item)
    honest = {stem: json.dumps(completed_notebook(stem)) for stem in STEMS}
    paths = []
    for i in range(students):
        student = folder / "submitted" / f"student{i:03d}"
        for stem in STEMS:
            (student / stem).mkdir(parents=True)
            target = student / stem / f"{stem}.ipynb"
            if i % 2:
                target.write_text(honest[stem])
            else:
                shutil.copy(ROOT / "examples" / "sample_submission" / stem / f"{stem}.ipynb", target)
        paths.append(student)
    return paths


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}... failed:\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--nbgrader-students", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    ours = [sys.executable, "-m", "autograde", "grade", "--json", "--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_course(Path(tmp), args.students)
        t_all = timed(ours + [str(p) for p in subs], ROOT)
        print(f"autograde --jobs {args.jobs}: {args.students} students x 2 notebooks in {t_all:.1f} s "
              f"({t_all / args.students:.2f} s per student)")
    with tempfile.TemporaryDirectory() as tmp:
        course, k = Path(tmp), args.nbgrader_students
        subs = make_course(course, k)
        t_ours = timed(ours + [str(p) for p in subs], ROOT)
        for stem in STEMS:
            timed([sys.executable, "-m", "nbgrader", "generate_assignment", stem, "--force"], course, env)
        t_nbg = sum(timed([sys.executable, "-m", "nbgrader", "autograde", stem, "--force"], course, env)
                    for stem in STEMS)
        print(f"same {k} students: nbgrader autograde {t_nbg:.1f} s, autograde --jobs {args.jobs} {t_ours:.1f} s: "
              f"{t_nbg / t_ours:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
