"""What the benchmarks share: classes of submissions of every notebook of the course, made in temporary folders.

Every notebook that has a spec (``autograde.specs.all_specs()``) is included, so the figures cover the whole
course as it stands. Submissions alternate between the sample submission (where it has the notebook) and an
honest complete one (the reference answers in the student notebook), so both right and wrong code is graded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from autograde.build import completed_notebook
from autograde.specs import all_specs

ROOT = Path(__file__).resolve().parent.parent
STEMS = tuple(all_specs())
SAMPLE = ROOT / "examples" / "sample_submission"


def make_class(folder: Path, students: int, course: bool = False) -> list[Path]:
    """``folder/submitted/studentNNN/<stem>/<stem>.ipynb`` for every notebook; with ``course``, also what
    ``nbgrader`` needs to grade them there (its config and the source notebooks)."""
    if course:
        shutil.copytree(ROOT / "solutions", folder / "solutions")
        shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    honest = {stem: json.dumps(completed_notebook(stem)) for stem in STEMS}
    paths = []
    for i in range(students):
        student = folder / "submitted" / f"student{i:05d}"
        for stem in STEMS:
            target = student / stem / f"{stem}.ipynb"
            target.parent.mkdir(parents=True)
            sample = SAMPLE / stem / f"{stem}.ipynb"
            if i % 2 == 0 and sample.is_file():
                shutil.copy(sample, target)
            else:
                target.write_text(honest[stem])
        paths.append(student)
    return paths


def timed(command: list[str], cwd: Path = ROOT, env: dict | None = None) -> float:
    """Wall-clock seconds of a command; exits with its error output if it fails. (CPU time is not reported: the
    processes in the bubblewrap sandbox are not counted in the grader's resource usage.)"""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command[:5])}... failed:\n{proc.stderr[-2000:]}")
    return elapsed


def load() -> str:
    """The machine's load average, to print beside figures taken on a shared machine."""
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average unknown"
