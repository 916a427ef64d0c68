"""End-to-end grading: the reference scores full marks, the untouched student notebooks score 0, the JSON
schema holds, and a notebook that cannot be read still lists every graded function."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograde import specs
from conftest import ROOT, STEMS, function_result, load, solution_path, write_submission

S03 = "03_recurrent_neural_network"


def test_solutions_score_full_marks(grader):
    (result,) = grader.grade([ROOT / "solutions"])
    assert [nb.notebook for nb in result.notebooks] == list(STEMS)
    for nb in result.notebooks:
        for fn in nb.functions:
            failed = [f"{c.name}: {c.message}" for c in fn.checks if not c.passed]
            assert not failed, f"{fn.name}: {failed}"
    assert result.score == result.max_score == sum(specs.get(s).max_score for s in STEMS)


def test_untouched_assignments_score_zero_with_not_implemented(grader):
    (result,) = grader.grade([ROOT / "assignments"])
    assert result.max_score > 0 and result.score == 0
    for nb in result.notebooks:
        assert {f.name for f in nb.functions} == {f.name for f in specs.get(nb.notebook).functions}
        for fn in nb.functions:
            assert all(c.message == "not implemented yet" for c in fn.checks), fn.to_json()


def test_every_function_listed_when_notebook_unreadable(grader, tmp_path):
    path = tmp_path / "sub" / "03_recurrent_neural_network.ipynb"
    path.parent.mkdir()
    path.write_text("{ this is not json")
    (result,) = grader.grade([tmp_path / "sub"])
    (nb,) = result.notebooks
    assert [f.name for f in nb.functions] == [f.name for f in specs.get(nb.notebook).functions]
    for fn in nb.functions:
        assert fn.score == 0 and fn.max_score > 0
        assert all(not c.passed and "not valid JSON" in c.message for c in fn.checks)


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b'{"hello": "world"}', "not a notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "no cells"),
])
def test_bad_notebook_files_named_in_message(grader, tmp_path, content, reason):
    path = tmp_path / "04_backpropagation_through_time.ipynb"
    path.write_bytes(content)
    (result,) = grader.grade([path])
    (nb,) = result.notebooks
    assert nb.score == 0 and reason in nb.error
    assert len(nb.functions) == len(specs.get(nb.notebook).functions)


def test_folder_without_course_notebook(grader, tmp_path):
    (tmp_path / "notes.ipynb").write_text("{}")
    (result,) = grader.grade([tmp_path])
    assert result.notebooks == [] and "no course notebook found" in result.error


def test_missing_path_is_reported_not_raised(grader, tmp_path):
    (result,) = grader.grade([tmp_path / "nope"])
    assert result.error == "no such file or folder"


def test_renamed_function_and_syntax_error(grader, tmp_path):
    nb = load(solution_path(S03))
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if grade_id == "rnn_forward":
            cell["source"] = src.replace("def rnn_forward(", "def rnn_forward_v2(")
        if grade_id == "compact_parameters":
            cell["source"] = src.replace("np.hstack([", "np.hstack([[")
    (result,) = grader.grade([write_submission(tmp_path, S03, nb)])
    renamed = function_result(result, "rnn_forward")
    assert renamed.score == 0 and "no function named rnn_forward" in renamed.checks[0].message
    broken = function_result(result, "compact_parameters")
    assert broken.score == 0
    assert any("SyntaxError" in note for note in result.notebooks[0].notes)
    # the functions in other cells are still graded
    assert function_result(result, "rnn_cell_forward").score == function_result(result, "rnn_cell_forward").max_score


def test_same_score_every_run(grader, tmp_path):
    sub = ROOT / "examples" / "sample_submission"
    first = [r.to_json() for r in grader.grade([sub])]
    second = [r.to_json() for r in grader.grade([sub])]
    assert first == second


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograde", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_cli_json_is_one_document_with_the_fixed_schema(tmp_path):
    bad = tmp_path / "03_recurrent_neural_network.ipynb"
    bad.write_text("")
    proc = _cli("grade", "--json", "--jobs", "2", str(ROOT / "examples" / "sample_submission"), str(bad),
                "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # exactly one document: json.loads rejects trailing data
    assert set(doc) == {"submissions"} and len(doc["submissions"]) == 2
    for sub in doc["submissions"]:
        assert {"submission", "score", "max_score", "error", "notebooks"} <= set(sub)
        for nb in sub["notebooks"]:
            assert {"notebook", "score", "max_score", "functions"} <= set(nb)
            for fn in nb["functions"]:
                assert {"name", "score", "max_score", "checks"} <= set(fn)
                assert fn["score"] == sum(c["score"] for c in fn["checks"])
                for chk in fn["checks"]:
                    assert {"name", "passed", "message"} <= set(chk)
                    assert isinstance(chk["passed"], bool) and isinstance(chk["message"], str)
    assert doc["submissions"][1]["notebooks"][0]["score"] == 0
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == doc
    assert (tmp_path / "out" / "grades.csv").read_text().startswith("submission,id,score,max_score,")


def test_cli_table_and_usage_errors():
    proc = _cli("grade", str(ROOT / "examples" / "sample_submission"))
    assert proc.returncode == 0
    assert "rnn_cell_forward" in proc.stdout and "✗" in proc.stdout
    assert _cli("grade").returncode == 2
    assert _cli("grade", "--jobs", "0", "x").returncode == 2
    assert _cli("frobnicate").returncode == 2


def test_old_notebook_format_is_converted(grader, tmp_path):
    import nbformat

    nb = nbformat.read(str(solution_path(S03)), as_version=4)
    path = tmp_path / f"{S03}.ipynb"
    nbformat.write(nbformat.convert(nb, 3), str(path), version=3)
    assert '"worksheets"' in path.read_text()
    (result,) = grader.grade([path])
    assert result.score == result.max_score
