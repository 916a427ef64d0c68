"""What a student sees before the earlier notebooks are done: notes that do not mislead, a setup cell that names
what is unwritten or missing, and demonstrations that skip with one line."""

from __future__ import annotations

import json
import shutil

import pytest

from autograde.selfcheck import SelfCheck
from conftest import ROOT, edited_solution, load, solution_cell
from autograde.kernel import code_cells, exec_cells, kernel_namespace

S09 = "09_gru"
S03 = "03_recurrent_neural_network"


def _student_09(tmp_path, with_03: bool, replace: dict[str, str] | None = None) -> dict:
    """Notebook 09 as handed out, run as a kernel runs it (its code cells, in its folder), with notebook 03 as
    handed out beside it or not; ``replace`` gives some cells the student's code."""
    for stem in (S09, S03) if with_03 else (S09,):
        shutil.copytree(ROOT / "assignments" / stem, tmp_path / stem)
    nb = load(tmp_path / S09 / f"{S09}.ipynb")
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if replace and grade_id in replace:
            cell["source"] = replace[grade_id]
    namespace = kernel_namespace()
    exec_cells(code_cells(nb), namespace, folder=tmp_path / S09)
    return namespace


def test_a_blank_notebook_gets_no_note_about_the_functions_it_calls(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _student_09(tmp_path, with_03=True)
    setup = capsys.readouterr().out
    assert "softmax, in 03_recurrent_neural_network.ipynb, is not written yet" in setup, setup
    check = SelfCheck(S09)
    for name in ("simple_gru_cell_forward", "gru_cell_forward", "gru_forward", "gru_backward"):
        check(namespace[name])
        out = capsys.readouterr().out
        assert "Note:" not in out and "does not pass its own self-check" not in out, out
        assert "not implemented yet" in out


def _gru_forgetting_relevance() -> str:
    nb = edited_solution(S09, "gru_cell_forward", "np.concatenate([gr * c_prev, xt])", "np.concatenate([c_prev, xt])")
    source = solution_cell(nb, "gru_cell_forward")["source"]
    return "".join(source) if isinstance(source, list) else source


def test_a_missing_notebook_is_not_blamed_as_a_wrong_function(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _student_09(tmp_path, with_03=False, replace={"gru_cell_forward": _gru_forgetting_relevance()})
    setup = capsys.readouterr().out
    assert "softmax comes from notebook 03_recurrent_neural_network, but 03_recurrent_neural_network.ipynb was " \
           "not found" in setup, setup
    SelfCheck(S09)(namespace["gru_cell_forward"])
    out = capsys.readouterr().out
    assert "does not pass its own self-check" not in out and "fix softmax first" not in out, out
    assert "Note: softmax comes from your notebook 03_recurrent_neural_network, which could not be used" in out
    assert "The grader gives gru_cell_forward the reference softmax, so there gru_cell_forward may score more" in out
    assert "Likely cause: softmax is missing here" in out


def test_a_wrong_dependency_is_still_named(tmp_path, capsys, monkeypatch):
    """The notes that are right stay: a softmax that is written but wrong is named as the likely cause."""
    monkeypatch.chdir(tmp_path)
    namespace = _student_09(tmp_path, with_03=True, replace={"gru_cell_forward": _gru_forgetting_relevance()})
    namespace["softmax"] = lambda z: z  # written, and wrong
    capsys.readouterr()
    SelfCheck(S09)(namespace["gru_cell_forward"])
    out = capsys.readouterr().out
    assert "your softmax (notebook 03_recurrent_neural_network) does not pass its own self-check (" in out, out


# ------------------------------------------------------------------------------------- skipped cells

@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    from course_utils import skips

    sh = InteractiveShell.instance()
    skips._skipped.clear()
    assert skips.install() and skips.install()
    assert sum(isinstance(t, skips._Guard) for t in sh.ast_transformers) == 1
    yield sh
    sh.ast_transformers[:] = [t for t in sh.ast_transformers if not isinstance(t, skips._Guard)]
    skips._skipped.clear()


def test_cells_that_need_unwritten_functions_are_skipped_with_one_line(shell, capsys, tmp_path, monkeypatch):
    from course_utils.notebooks import import_functions

    shutil.copytree(ROOT / "assignments" / S03, tmp_path / S03)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    shell.user_ns["import_functions"] = import_functions
    assert shell.run_cell(f'softmax, = import_functions("{S03}", "softmax")\n'
                          f'rnn_backward, = import_functions("04_backpropagation_through_time", "rnn_backward")'
                          ).success
    capsys.readouterr()
    # an unwritten function of an earlier notebook: the rest of the cell is skipped, without an error
    result = shell.run_cell("import numpy as np\nresults = {}\np = softmax(np.zeros((2, 1)))\n"
                            "results['GRU'] = p\nprint('not reached')")
    out = capsys.readouterr().out
    assert result.success, result.error_in_exec
    assert out == ("Skipped the rest of this cell: softmax, from notebook 03_recurrent_neural_network, is not "
                   "written yet: write it there, then run this cell again.\n"), out
    # the cell after it, which needs what it did not make, is skipped too
    result = shell.run_cell("x = results['GRU']")
    out = capsys.readouterr().out
    assert result.success and out.startswith("Skipped the rest of this cell: it needs what a skipped cell above "
                                             "would have made (KeyError: 'GRU')"), out
    result = shell.run_cell("print(undefined_figure)")
    assert result.success and "NameError" in capsys.readouterr().out
    # a function from a notebook that is not there
    result = shell.run_cell("rnn_backward(None, None)")
    out = capsys.readouterr().out
    assert result.success and out.startswith("Skipped the rest of this cell: rnn_backward comes from notebook "
                                             "04_backpropagation_through_time, which could not be used"), out
    # this notebook's own unwritten function
    result = shell.run_cell("def gru_forward(x):\n    raise NotImplementedError()\n")
    result = shell.run_cell("c = gru_forward(1)")
    out = capsys.readouterr().out
    assert result.success and out == "Skipped the rest of this cell: gru_forward is not written yet: write it, " \
                                     "then run this cell again.\n", out


def test_real_errors_still_raise_and_outputs_still_show(shell, capsys):
    from course_utils import skips

    skips._skipped.append("an earlier skip")
    assert shell.run_cell("1 + 1").result == 2
    for cell in ("1 / 0", "def mine(d):\n    return d['missing']\nmine({})", "raise NotImplementedError('numpy')"):
        result = shell.run_cell(cell)
        assert not result.success, cell
        assert "Skipped" not in capsys.readouterr().out
