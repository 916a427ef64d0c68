"""`python -m autograde build`: deterministic, up to date, and free of solutions."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograde import build, paths, specs
from conftest import ROOT, STEMS, assignment_path, cell_source, load, solution_path


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "autograde", "build", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_committed_assignments_are_fresh():
    proc = _run("--check")
    assert proc.returncode == 0, f"assignments/ is stale; run `python -m autograde build`\n{proc.stdout}"


def _core_types() -> list[str]:
    """OpenBLAS kernels this CPU can run, at least two of them: those of the issue's two machines where
    possible (Haswell needs AVX2, SkylakeX AVX-512), else older x86 ones."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1).split())
    except (OSError, AttributeError):
        flags = set()
    if not flags:  # not x86 Linux: the kernel found by detection, and the generic ARMv8 one
        return ["", "ARMV8"]
    wanted = [("Haswell", "avx2"), ("SkylakeX", "avx512f"), ("Sandybridge", "avx"), ("Prescott", "sse3")]
    return [name for name, flag in wanted if flag in flags or (flag == "sse3" and "pni" in flags)][:2]


def test_build_changes_nothing_whatever_the_blas_kernel(tmp_path):
    """The last bits of BLAS results differ between kernels; the build must not see them. A fresh copy of
    the course is built with one kernel and checked with the others, and built again by each."""
    for folder in ("solutions", "assignments"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*.json"))}
    cores = _core_types()
    assert len(cores) >= 2, cores
    for core in cores:
        env = {**os.environ, "AUTOGRADE_ROOT": str(tmp_path), "OPENBLAS_CORETYPE": core}
        proc = _run("--check", env=env)
        assert proc.returncode == 0, f"OPENBLAS_CORETYPE={core}: {proc.stdout}{proc.stderr}"
        proc = _run(env=env)
        assert proc.returncode == 0 and "already up to date" in proc.stdout, (core, proc.stdout, proc.stderr)
    assert {p: p.read_bytes() for p in sorted(tmp_path.rglob("*.json"))} == before


def test_numbers_that_agree_to_a_tolerance_are_not_rewritten(tmp_path):
    """A stored file whose numbers differ in their last digits from this machine's (as another CPU's would)
    is up to date; one with a number really changed is stale, and the rebuild changes that number only."""
    for folder in ("solutions", "assignments"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    stem = STEMS[-1]
    files = [tmp_path / f / stem / f"{stem}.selfcheck.json" for f in ("assignments", "solutions")]
    doc = json.loads(files[0].read_text())
    nudged = stored_numbers(doc, lambda x: x * (1 + 3e-14) + 1e-17)
    for f in files:
        f.write_text(json.dumps(doc, indent=1) + "\n")
    assert nudged > 100
    env = {**os.environ, "AUTOGRADE_ROOT": str(tmp_path)}
    assert _run("--check", env=env).returncode == 0
    first = doc["functions"][next(iter(doc["functions"]))]["expected"]
    changed = stored_numbers(first, lambda x: x + 1e-3, limit=1)
    assert changed == 1
    for f in files:
        f.write_text(json.dumps(doc, indent=1) + "\n")
    proc = _run("--check", env=env)
    assert proc.returncode == 1 and stem in proc.stdout
    assert _run(env=env).returncode == 0
    rebuilt = files[0].read_text()
    assert rebuilt == files[1].read_text()
    diff = [(a, b) for a, b in zip(rebuilt.splitlines(), json.dumps(doc, indent=1).splitlines()) if a != b]
    assert len(diff) == 1, diff[:5]


def stored_numbers(tree, change, limit=None, _count=None):
    """Apply ``change`` in place to the floats of a JSON tree (at most ``limit``); return how many."""
    count = _count if _count is not None else [0]
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for key, value in items:
        if limit is not None and count[0] >= limit:
            break
        if type(value) is float and value != 0.0:
            tree[key] = change(value)
            count[0] += 1
        else:
            stored_numbers(value, change, limit, count)
    return count[0]


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


def test_resume_fingerprints_are_the_same_whatever_the_blas_kernel():
    """`--out` reuses a saved result when its fingerprint matches: it must not depend on the kernel either."""
    code = ("from pathlib import Path; from autograde.grade import Options; from autograde.plan import expect, plan; "
            "plans = expect([plan(Path('examples/sample_submission'), 'x')]); "
            "o = Options(); print(plans[0].fingerprint(o.seed, o.limits))")
    prints = set()
    for core in _core_types():
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, "OPENBLAS_CORETYPE": core})
        assert proc.returncode == 0, proc.stderr
        prints.add(proc.stdout.strip())
    assert len(prints) == 1 and len(prints.pop()) == 64
