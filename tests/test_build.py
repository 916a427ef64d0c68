"""`python -m autograde build`: deterministic, up to date, and free of solutions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from autograde import build, paths, specs
from conftest import ROOT, STEMS, assignment_path, cell_source, load, solution_path


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "autograde", "build", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_committed_assignments_are_fresh():
    proc = _run("--check")
    assert proc.returncode == 0, f"assignments/ is stale; run `python -m autograde build`\n{proc.stdout}"


@pytest.mark.parametrize("stem", STEMS)
def test_build_is_deterministic(stem):
    assert build.student_notebook(stem) == build.student_notebook(stem)
    assert build.selfcheck_cases(stem) == build.selfcheck_cases(stem)


def test_check_detects_a_stale_file_and_build_repairs_it(tmp_path, monkeypatch):
    for folder in ("solutions", "assignments"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    stale = tmp_path / "assignments" / STEMS[0] / f"{STEMS[0]}.ipynb"
    stale.write_text(stale.read_text().replace("Exercise 1", "Exercise one"))
    env = {**__import__("os").environ, "AUTOGRADE_ROOT": str(tmp_path)}
    proc = _run("--check", env=env)
    assert proc.returncode == 1 and f"{STEMS[0]}.ipynb" in proc.stdout
    assert _run(env=env).returncode == 0
    assert _run("--check", env=env).returncode == 0
    assert stale.read_text() == assignment_path(STEMS[0]).read_text()


@pytest.mark.parametrize("stem", STEMS)
def test_student_notebooks_hold_no_solution(stem):
    text = assignment_path(stem).read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "check.grade" not in text
    student = load(assignment_path(stem))
    reference = load(solution_path(stem))
    for cell in reference["cells"]:
        src = cell_source(cell)
        match = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, re.S)
        if match:
            for line in match.group(1).splitlines():
                if line.strip():
                    assert line not in cell_source_of(student, cell), f"{stem}: solution line leaked: {line}"


def cell_source_of(nb, ref_cell):
    grade_id = ref_cell["metadata"]["nbgrader"]["grade_id"]
    return next(cell_source(c) for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("stem", STEMS)
def test_every_graded_function_has_a_locked_test_cell_with_the_spec_points(stem):
    nb = load(assignment_path(stem))
    tests = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade")}
    for fspec in specs.get(stem).functions:
        cell = tests.get(f"check_{fspec.name}")
        assert cell is not None, f"{stem}: no test cell for {fspec.name}"
        meta = cell["metadata"]
        assert meta["nbgrader"]["points"] == fspec.max_score
        assert meta["nbgrader"]["locked"] and meta.get("editable") is False
        assert cell_source(cell).strip() == f"check({fspec.name})"
    solutions = {c["metadata"]["nbgrader"]["grade_id"]: cell_source(c) for c in nb["cells"]
                 if c["metadata"].get("nbgrader", {}).get("solution")}
    assert {f.name for f in specs.get(stem).functions} <= set(solutions)
    # a solution cell that is not graded is an exercise that checks itself (e.g. 04's upstream_gradient_check):
    # it defines the function it is named after, so that the notebook still runs before it is done
    for grade_id, source in solutions.items():
        assert f"def {grade_id}(" in source, f"{stem}: solution cell {grade_id} defines no function {grade_id}"


def test_selfcheck_file_is_where_the_selfcheck_looks():
    for stem in STEMS:
        assert paths.expected_file(stem).is_file()
