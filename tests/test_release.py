"""The students' bundle (python -m autograde release DIR): only what the notebooks and self-checks need, no
reference code and no mistake generator, and self-checks that say exactly what the full install says."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys

import pytest

from autograde import specs
from autograde.release import release
from conftest import ROOT, STEMS, edited_solution, solution_cell

RUNNER = r"""
import io, json, contextlib, re, sys
from autograde.kernel import code_cells, exec_cells, kernel_namespace
from autograde.selfcheck import SelfCheck
stem, replace = sys.argv[1], json.loads(sys.argv[2])
nb = json.load(open(f"{stem}.ipynb"))
for cell in nb["cells"]:
    gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
    if gid in replace:
        cell["source"] = replace[gid]
ns = kernel_namespace()
with contextlib.redirect_stdout(io.StringIO()):
    exec_cells(code_cells(nb), ns)
check = SelfCheck(stem)
for f in check.spec.functions:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        check(ns[f.name])
    print(re.sub(r" +\[[0-9.]+ s\]", "", buf.getvalue()))  # all but the time it took
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "bundle"
    release(out)
    return out


def _generators() -> list[tuple[str, str]]:
    """(spec module, source) of every mistake's outputs generator and gradient's numeric function."""
    found = []
    for stem, nb in specs.all_specs().items():
        for f in nb.functions:
            fns = [m.outputs for m in f.mistakes if m.outputs is not None]
            if f.gradient is not None:
                fns.append(f.gradient.numeric)
            for fn in fns:
                try:
                    source = inspect.getsource(fn)
                except (OSError, TypeError):
                    continue
                found.append((stem, source))
    return found


def test_the_bundle_holds_no_reference_code_and_no_mistake_generator(bundle):
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert not [f for f in files if f.startswith("solutions/") or f.endswith(("reference.py", "build.py",
                                                                              "runner.py", "grade.py"))]
    assert {f for f in files if f.startswith("assignments/")} == {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "assignments").rglob("*") if p.is_file()}
    package = [f for f in files if f.startswith("package/")]
    text = "\n".join((bundle / f).read_text(encoding="utf-8") for f in package if f.endswith(".py"))
    generators = _generators()
    assert len(generators) > 100  # every notebook's: the test would prove nothing on a handful
    leaked = []
    for stem, source in generators:
        node = ast.parse(source.strip() if source.lstrip().startswith("def ") else "x = 0")
        if isinstance(node.body[0], ast.FunctionDef):  # a named generator: its definition is gone
            if f"def {node.body[0].name}(" in text:
                leaked.append((stem, node.body[0].name))
    assert leaked == []
    # the worst of them, by hand: nb09's tanh-for-sigmoid GRU cell, and centred differences (answer to 04)
    assert "_relevance_tanh" not in text and "x[idx] + eps" not in text.replace(" ", "")
    assert "def gradients(" in (bundle / "package" / "autograde" / "numeric.py").read_text()  # the stub
    assert "nbgrader" not in (bundle / "package" / "pyproject.toml").read_text()


@pytest.mark.parametrize("stem, name, old, new", [
    ("03_recurrent_neural_network", "rnn_cell_forward", "np.tanh(Waa", "(Waa"),
    ("08_vanishing_gradients", "clip_by_global_norm", "float(np.sqrt(sum(", "float((sum("),
    *((stem, None, None, None) for stem in STEMS),  # every notebook's spec still works, stripped
])
def test_self_checks_from_the_bundle_say_what_the_full_install_says(bundle, tmp_path, stem, name, old, new):
    nb = edited_solution(stem, name, old, new) if name else json.loads(
        (ROOT / "solutions" / stem / f"{stem}.ipynb").read_text(encoding="utf-8"))
    replace = {}  # every graded function as the reference writes it, but the one with a mistake
    for f in specs.get(stem).functions:
        source = solution_cell(nb, f.name)["source"]
        replace[f.name] = "".join(source) if isinstance(source, list) else source
    folder = bundle / "assignments" / stem
    outputs = []
    for pythonpath, root in ((bundle / "package", tmp_path / "nothing"), (ROOT, ROOT)):
        env = {**os.environ, "PYTHONPATH": str(pythonpath), "AUTOGRADE_ROOT": str(root)}
        proc = subprocess.run([sys.executable, "-c", RUNNER, stem, json.dumps(replace)],
                              capture_output=True, text=True, cwd=folder, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    bundled, full = outputs
    assert bundled == full
    assert f"{specs.get(stem).functions[0].name} (self-check)" in bundled
    if name:
        assert "Hint:" in bundled, bundled
    else:
        assert "not implemented" not in bundled and "✗" not in bundled, bundled


def test_every_package_of_the_bundle_and_of_the_course_is_installed(bundle):
    """pip installs only the packages pyproject.toml lists: every folder with an __init__.py (autograde.checks)."""
    import tomllib

    for root, pyproject in ((bundle / "package", bundle / "package" / "pyproject.toml"), (ROOT, ROOT / "pyproject.toml")):
        listed = set(tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
        found = {".".join(p.parent.relative_to(root).parts) for top in ("autograde", "course_utils")
                 for p in (root / top).rglob("__init__.py")}
        assert "autograde.checks" in found and listed == found, pyproject
