"""End-to-end grading: the reference scores full marks, the untouched student notebooks score 0, the JSON
schema holds, and a notebook that cannot be read still lists every graded function."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograde import specs
from conftest import ROOT, STEMS, function_result, load, solution_path, write_submission

S03 = "03_recurrent_neural_network"
S04 = "04_backpropagation_through_time"


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
            lines = src.splitlines()
            at = next(i for i, line in enumerate(lines) if line.startswith("def compact_parameters(")) + 1
            cell["source"] = "\n".join(lines[:at] + ["    Wa = np.hstack([[1, 2]]"] + lines[at:])
            first_line = next(line for line in lines if line.strip())
            try:
                compile(cell["source"], "cell", "exec")
            except SyntaxError as exc:
                python_says = exc.msg
    (result,) = grader.grade([write_submission(tmp_path, S03, nb)])
    renamed = function_result(result, "rnn_forward")
    assert renamed.score == 0 and "no function named rnn_forward" in renamed.checks[0].message
    broken = function_result(result, "compact_parameters")
    assert broken.score == 0
    assert any(e.syntax for e in result.notebooks[0].cell_errors) and not result.notebooks[0].notes
    # the syntax error is reported as such: which cell (its first line), where, and what Python said
    message = broken.checks[0].message
    assert "no function named" not in message, message
    assert "compact_parameters was not defined" in message and "has a syntax error at line" in message, message
    assert f"`{first_line.strip()}`" in message and "`Wa = np.hstack([[1, 2]]`" in message, message
    assert f": {python_says}. " in message, message
    # the functions in other cells are still graded
    assert function_result(result, "rnn_cell_forward").score == function_result(result, "rnn_cell_forward").max_score


def test_why_a_function_was_not_defined_reads_the_typed_cell_errors():
    """The cell at fault is found from a cell error's fields (where it was raised), not from its message."""
    from autograde.grade import why_undefined
    from autograde.kernel import Cell, CellError

    cells = [Cell(2, "import numpy as np\n"), Cell(5, "# softmax\nx = 1 / 0\ndef softmax(z):\n    return z\n"),
             Cell(7, "def rnn(x):\n    return x +\n")]
    raised = CellError(5, "ZeroDivisionError", "division by zero", 5, 2)
    syntax = CellError(7, "SyntaxError", "invalid syntax", 7, 2)
    elsewhere = CellError(9, "NameError", "name 'q' is not defined", 2, 1)  # raised in a cell defining neither
    nowhere = CellError(8, "SystemExit")
    assert why_undefined("softmax", cells, [nowhere, elsewhere, syntax, raised]) == (
        "softmax was not defined: the cell that starts `# softmax` (cell 5 from the top) raised ZeroDivisionError: "
        "division by zero at line 2 `x = 1 / 0`, before defining it")
    assert why_undefined("rnn", cells, [raised, syntax]) == (
        "rnn was not defined: the cell that starts `def rnn(x):` (cell 7 from the top) has a syntax error at line 2 "
        "`return x +`: invalid syntax. Fix it and run the cell again")
    assert why_undefined("softmax", cells, [nowhere, elsewhere, syntax]) is None
    # the message's words decide nothing: a detail that reads like a place is not taken for one
    assert why_undefined("softmax", cells, [CellError(5, "ValueError", "bad (cell 5, line 2)")]) is None


def test_notebook_saved_under_another_name_is_recognised_by_its_cells(grader, tmp_path):
    """Jupyter's "-Copy1" and a student's own name: graded as the notebook whose cells they hold, and said so;
    where the notebook is there under its own name too, that one is graded."""
    source = ROOT / "examples" / "sample_submission" / S03 / f"{S03}.ipynb"
    for name in (f"{S03}-Copy1.ipynb", "my_rnn.ipynb"):
        (tmp_path / name).write_bytes(source.read_bytes())
        (result,) = grader.grade([tmp_path / name])
        (nb,) = result.notebooks
        assert nb.notebook == S03 and nb.score > 0 and result.error is None
        assert nb.notes[0] == f"{name} was graded as {S03}.ipynb (recognised by its cells, not its name)"
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "my_rnn.ipynb").write_bytes(source.read_bytes())
    (folder / "scratch.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}')
    (result,) = grader.grade([folder])
    assert [(nb.notebook, Path(nb.path).name) for nb in result.notebooks] == [(S03, "my_rnn.ipynb")]
    write_submission(folder, S03, load(solution_path(S03)))
    (result,) = grader.grade([folder])
    assert [(nb.notebook, Path(nb.path).name) for nb in result.notebooks] == [(S03, f"{S03}.ipynb")]
    assert result.score == result.max_score and not result.notebooks[0].notes and not result.notebooks[0].cell_errors


def test_a_missing_notebook_scores_zero(grader, tmp_path):
    """In a batch, every submission answers for every notebook found in any of them."""
    only_04 = tmp_path / "only04"
    shutil.copytree(ROOT / "examples" / "sample_submission" / S04, only_04 / S04)
    both = ROOT / "examples" / "sample_submission"
    first, second = grader.grade([only_04, both])
    assert [nb.notebook for nb in first.notebooks] == [S03, S04]  # the notebooks the batch holds
    missing = first.notebooks[0]
    assert missing.score == 0 and missing.max_score == specs.get(S03).max_score
    assert missing.error.startswith("missing notebook")
    assert all("missing notebook" in c.message for f in missing.functions for c in f.checks)
    assert first.max_score == second.max_score
    # named notebooks: only those are graded, and each is expected
    (result,) = grader.grade([only_04], notebooks=[S03])
    assert [nb.notebook for nb in result.notebooks] == [S03] and result.score == 0


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


def test_cli_missing_notebook_in_every_output(tmp_path):
    only_04 = tmp_path / "only04"
    shutil.copytree(ROOT / "examples" / "sample_submission" / S04, only_04 / S04)
    out = tmp_path / "out"
    proc = _cli("grade", "--quiet", str(only_04), str(ROOT / "examples" / "sample_submission"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "missing notebook" in proc.stdout
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert rows[0][S03] == "0" and rows[0]["max_score"] == rows[1]["max_score"]
    (folder,) = [d for d in (out / "submissions").iterdir() if d.name.startswith("only04")]
    for name in ("feedback.html", "results.json", "result.json"):
        assert "missing notebook" in (folder / name).read_text(), name
    assert "missing notebook" in (out / "report.json").read_text()
    proc = _cli("grade", "--json", "--notebooks", "3,04", str(only_04))
    doc = json.loads(proc.stdout)
    assert [nb["notebook"] for nb in doc["submissions"][0]["notebooks"]] == [S03, S04]
    assert _cli("grade", "--notebooks", "99", str(only_04)).returncode == 2


def test_cli_a_mistyped_path_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    for extra in ([], ["--out", str(out)], ["--json"]):
        proc = _cli("grade", str(ROOT / "examples" / "sample_submission"), str(tmp_path / "does-not-exist"), *extra)
        assert proc.returncode == 2, proc.stdout
        assert "no such file or folder" in proc.stderr and str(tmp_path / "does-not-exist") in proc.stderr
        assert proc.stdout == "" and not out.exists()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_cli_out_files_follow_the_umask(tmp_path, umask, mode):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", "--quiet", "--out", str(out),
                           str(ROOT / "examples" / "sample_submission" / S03)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert sorted(p.relative_to(out).as_posix() for p in files) == [
        "autograde-batch.json", "class.csv", "class.html", "grades.csv", "report.json",
        f"submissions/{S03}/feedback.html", f"submissions/{S03}/result.json", f"submissions/{S03}/results.json"]
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(mode)}


def test_messages_read_well(grader):
    (result,) = grader.grade([ROOT / "examples" / "sample_submission"])
    messages = [c.message for nb in result.notebooks for f in nb.functions for c in f.checks]
    assert "matches the reference solution on both inputs" in messages
    assert any("; also wrong: " in m for m in messages)
    assert not any("inputs match" in m or "also differ" in m for m in messages)


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


def _doubled(name: str, args: str) -> str:
    """Student code appended to a function's cell: the function now returns its gradients doubled."""
    return (f"\n\n_right_{name} = {name}\n\ndef {name}({args}):\n"
            f"    return {{k: 2 * v for k, v in _right_{name}({args}).items()}}\n")


def test_self_check_charges_a_wrong_dependency_to_it_as_the_grader_does(grader, tmp_path, monkeypatch, capsys):
    """A wrong rnn_cell_backward under a right rnn_backward and rnn_loss_and_gradients: in the self-check, as
    in the grader, only rnn_cell_backward loses points, and the others say where the problem is."""
    from autograde.build import completed_notebook
    from autograde.selfcheck import SelfCheck
    from autograde.kernel import load_namespace

    course = tmp_path / "class"
    for stem in STEMS:
        shutil.copytree(ROOT / "assignments" / stem, course / stem)
        nb = completed_notebook(stem)
        if stem == S04:
            cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_cell_backward")
            cell["source"] += _doubled("rnn_cell_backward", "da_next, cache")
        (course / stem / f"{stem}.ipynb").write_text(json.dumps(nb))
    (graded,) = grader.grade([course])
    grader_scores = {f.name: f.score for nb in graded.notebooks for f in nb.functions}
    assert grader_scores["rnn_cell_backward"] < specs.get(S04).function("rnn_cell_backward").max_score

    monkeypatch.setenv("AUTOGRADE_ROOT", str(tmp_path / "empty"))  # only the class's files exist
    monkeypatch.chdir(course / S04)
    namespace, errors = load_namespace(course / S04 / f"{S04}.ipynb")
    assert not errors, errors
    check = SelfCheck(S04)
    capsys.readouterr()
    for fspec in specs.get(S04).functions:
        assert check(namespace[fspec.name]) == grader_scores[fspec.name], fspec.name
        text = capsys.readouterr().out
        if fspec.name in ("rnn_backward", "rnn_loss_and_gradients"):
            dep = "rnn_cell_backward" if fspec.name == "rnn_backward" else "rnn_backward"
            assert f"Note: your {dep} " in text and f"got the reference {dep}'s answers" in text, text
            assert "✗" not in text, text


def test_gradient_hints_from_which_keys_are_wrong():
    from autograde.checks import gradient_hint
    from autograde.spec import Gradient, GradientHint

    keys = ["dxt", "da_prev", "dWax", "dWaa", "dba"]
    plain = Gradient(forward="f", numeric=lambda f, c: {})
    rnn = Gradient(forward="f", numeric=lambda f, c: {}, through_time=("da_prev",), shared="tanh's derivative",
                   hints=(GradientHint(("dWax",), "look at xt.T"),))
    at_least = Gradient(forward="f", numeric=lambda f, c: {}, hints=(GradientHint(("dba",), "sum over m", only=False),))
    assert "what they all share: tanh's derivative" in gradient_hint(rnn, keys, keys)
    assert "the derivative of the activation" in gradient_hint(plain, keys, keys)
    assert "flowing back in time" in gradient_hint(rnn, ["da_prev"], keys)
    assert "only da_prev is wrong" in gradient_hint(plain, ["da_prev"], keys)
    assert gradient_hint(rnn, ["dWax"], keys) == "look at xt.T"
    assert gradient_hint(at_least, ["dWaa", "dba"], keys) == gradient_hint(at_least, keys, keys) == "sum over m"
    assert "only dWaa is wrong" in gradient_hint(at_least, ["dWaa"], keys)
    assert "dxt, dWaa are wrong but da_prev, dWax, dba are right" in gradient_hint(plain, ["dWaa", "dxt"], keys)
    assert gradient_hint(plain, [], keys) is None and gradient_hint(plain, ["grad"], ["grad"]) is None
