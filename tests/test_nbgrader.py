"""The repository as a plain nbgrader course: generate_assignment gives the same student notebooks as our
build, and `nbgrader autograde` gives honest submissions the same scores as our grader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, STEMS, edited_solution, write_submission

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def nbgrader(course, *args):
    # nbgrader runs the `alembic` command of its own environment to create its database
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_nbgrader_pipeline_matches_our_grader(tmp_path, grader):
    course = tmp_path / "course"
    course.mkdir()
    for item in ("solutions", "nbgrader_config.py"):
        (shutil.copytree if (ROOT / item).is_dir() else shutil.copy)(ROOT / item, course / item)
    for stem in STEMS:
        nbgrader(course, "generate_assignment", stem, "--force")
        for name in (f"{stem}.ipynb", f"{stem}.selfcheck.json"):
            assert (course / "assignments" / stem / name).read_bytes() == \
                (ROOT / "assignments" / stem / name).read_bytes(), f"nbgrader's {name} differs from our build's"

    # honest submissions: the sample (partly wrong) and one with a mistake in a forward function
    shutil.copytree(ROOT / "examples" / "sample_submission", course / "submitted" / "alice")
    bob = course / "submitted" / "bob"
    write_submission(bob, STEMS[0], edited_solution(STEMS[0], "rnn_cell_forward", "np.tanh(Waa", "(Waa"))
    write_submission(bob, STEMS[1], edited_solution(STEMS[1], "rnn_backward", "da[:, :, t] + da_prevt", "da[:, :, t]"))
    # our grader writes its scores into a copy of the gradebook as it is before nbgrader autogrades
    shutil.copy(course / "gradebook.db", course / "ours.db")
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", str(course), "--gradebook",
                           str(course / "ours.db"), "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0 and "gradebook:" not in proc.stderr, proc.stderr
    submitted = sorted({p.parent.name for p in (course / "submitted").glob("*/*/*.ipynb")})  # 03 and 04
    for stem in submitted:
        nbgrader(course, "autograde", stem, "--force")

    from nbgrader.api import Gradebook

    ours = {}
    for student in ("alice", "bob"):
        (result,) = grader.grade([course / "submitted" / student])
        ours[student] = {(nb.notebook, f.name): f.score for nb in result.notebooks for f in nb.functions}
    def scores_in(db):
        found = {}
        with Gradebook(f"sqlite:///{db}") as gb:
            for student in ("alice", "bob"):
                found[student] = {}
                for stem in submitted:
                    for nb in gb.find_submission(stem, student).notebooks:
                        for g in nb.grades:
                            found[student][(stem, g.name.removeprefix("check_"))] = g.score
        return found

    assert scores_in(course / "gradebook.db") == ours  # nbgrader's own autograde
    assert scores_in(course / "ours.db") == ours  # our scores, exported into its gradebook
    assert ours["alice"][(STEMS[0], "softmax")] < 6 and ours["bob"][(STEMS[0], "rnn_cell_forward")] < 6

    nbgrader(course, "generate_feedback", STEMS[0], "--force")
    assert (course / "feedback" / "alice" / STEMS[0] / f"{STEMS[0]}.html").is_file()
    nbgrader(course, "export")
    assert "alice" in (course / "grades.csv").read_text()
