"""The notebook-execution core (autograde.kernel): a cell that raises is reported with where, and the next cell
still runs, whatever the cell was (plain Python, a cell magic, a syntax error)."""

from __future__ import annotations

from autograde.kernel import Cell, exec_cells, kernel_namespace, to_python


def _run(*sources: str):
    namespace = kernel_namespace()
    errors = exec_cells([Cell(i, to_python(s)) for i, s in enumerate(sources, start=1)], namespace)
    return namespace, errors


def test_a_cell_magic_that_raises_is_reported_at_its_cell_and_the_next_cell_still_runs():
    namespace, errors = _run("%%time\nx = 1\n1 / 0\n", "def f():\n    return 2\n")
    assert [e.message for e in errors] == ["ZeroDivisionError: division by zero (cell 1, line 1)"]
    assert namespace["f"]() == 2


def test_an_error_raised_in_an_earlier_cells_function_is_placed_where_it_was_raised():
    _, (error,) = _run("def f(x):\n    return 1 / x\n", "y = 3\nf(0)\n")
    assert (error.index, error.kind, error.cell, error.line) == (2, "ZeroDivisionError", 1, 2)


def test_a_syntax_error_names_its_cell_and_line():
    _, (error,) = _run("a = 1\nb = (\n")
    assert error.syntax and (error.cell, error.line) == (1, 2), error
    assert error.message.startswith("SyntaxError: ") and error.message.endswith("(cell 1, line 2)")
