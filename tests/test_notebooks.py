"""The notebooks as people use them: every solution notebook runs top to bottom in a fresh kernel, and the
student notebooks' self-checks work without solutions/ on disk, as in a class."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograde import specs
from autograde.build import completed_notebook
from conftest import ROOT, STEMS, executed_solution

S03 = "03_recurrent_neural_network"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def execute(path: Path, timeout: int = 120) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb, time.perf_counter() - start


def outputs_of(cell) -> tuple[str, list]:
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    results = [o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
    return text, results


def test_solution_notebooks_execute_with_full_self_check_points():
    for stem in STEMS:
        nb = executed_solution(stem)  # (how long it takes: benchmarks/notebook_times.py)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not any(o.output_type == "error" for o in cell.outputs), cell.source
            assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs), cell.source
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                _, results = outputs_of(cell)
                assert results == [f"{float(meta['points'])}"], (cell.source, results)
            if meta.get("grade_id", "").startswith("demo_"):
                assert cell.outputs, f"demo cell {meta['grade_id']} shows nothing"


def _as_student(tmp_path: Path, edits: dict[str, dict[str, str]]) -> Path:
    """A class's copy of the student notebooks (no solutions/ anywhere), filled in from the reference with
    ``edits[stem][function] = (old, new)`` applied."""
    course = tmp_path / "class"
    for stem in STEMS:
        shutil.copytree(ROOT / "assignments" / stem, course / stem)
        student = completed_notebook(stem)
        for cell in student["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            for old, new in edits.get(stem, {}).get(grade_id, []):
                assert old in cell["source"]
                cell["source"] = cell["source"].replace(old, new)
        (course / stem / f"{stem}.ipynb").write_text(json.dumps(student))
    return course


def test_self_checks_work_without_solutions_and_match_the_grader(tmp_path, monkeypatch, grader):
    course = _as_student(tmp_path, {
        "03_recurrent_neural_network": {"rnn_cell_forward": [("np.tanh(Waa", "(Waa")]},
        "04_backpropagation_through_time": {"rnn_backward": [('dWax += grads["dWax"]', 'dWax = grads["dWax"]')]},
    })
    (graded,) = grader.grade([course])
    grader_scores = {f.name: f.score for nb in graded.notebooks for f in nb.functions}
    # the kernels see AUTOGRADE_ROOT pointing at a folder with no solutions/ and no assignments/: only the
    # class's files exist
    monkeypatch.setenv("AUTOGRADE_ROOT", str(tmp_path / "empty"))
    seen = {}
    for stem in STEMS:
        nb, _ = execute(course / stem / f"{stem}.ipynb")
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                name = meta["grade_id"].removeprefix("check_")
                text, results = outputs_of(cell)
                assert len(results) == 1, text
                seen[name] = (float(results[0]), text)
    assert set(seen) == set(grader_scores)
    assert seen["rnn_cell_forward"][0] < specs.get(S03).function("rnn_cell_forward").max_score
    assert "is tanh applied?" in seen["rnn_cell_forward"][1]
    assert "instead of overwriting" in seen["rnn_backward"][1]
    # rnn_forward relies on the student's (wrong) rnn_cell_forward: the self-check says so, and that it gave
    # rnn_forward the reference's answers to its calls, as the grader does
    assert "your rnn_cell_forward does not pass its own self-check" in seen["rnn_forward"][1]
    assert "got the reference rnn_cell_forward's answers" in seen["rnn_forward"][1]
    # a backward pass is gradient-checked against finite differences of the reference forward, as in the
    # grader: a wrong forward in 03 is not charged to it
    assert "does not pass" not in seen["rnn_cell_backward"][1]
    # so on every function the self-check gives the grader's score
    for name in grader_scores:
        assert seen[name][0] == grader_scores[name], (name, seen[name], grader_scores[name])


def test_course_utils_holds_no_answer_to_a_graded_exercise():
    """Students can import course_utils: it must not define any graded function, nor the helpers that are
    answers under another name (one-hot encoding is graded in 02, centred differences in 04)."""
    import importlib
    import inspect
    import pkgutil

    import course_utils

    graded = {f.name for spec in specs.all_specs().values() for f in spec.functions}
    answers = graded | {"one_hot", "centred_differences", "central_differences", "finite_differences"}
    for info in pkgutil.iter_modules(course_utils.__path__):
        module = importlib.import_module(f"course_utils.{info.name}")
        defined = {name for name, obj in vars(module).items()
                   if inspect.isfunction(obj) and obj.__module__ == module.__name__}
        assert not defined & answers, f"course_utils.{info.name} defines {sorted(defined & answers)}"
