"""Cells that cannot run yet are skipped with one line, not a traceback.

A demonstration cell (a figure, an experiment) often calls a function the student has not written yet, here
or in an earlier notebook, or one from a notebook that is not beside this one. Without help it ends on a
bare ``NotImplementedError`` pointing into another notebook's cell, and the cells after it on ``KeyError``
or ``NameError`` for the results it did not make. :func:`install` (called by the setup cell, through
:func:`course_utils.notebooks.import_functions` and ``SelfCheck``) makes IPython run each cell so that, when
it raises one of these, the rest of the cell is skipped with one line saying why, and the cell ends without
an error (so "Run All" goes on to the next exercise):

* a function that is not written yet (it raises ``NotImplementedError``): its name, and its notebook when it
  comes from an earlier one;
* a function from a notebook that could not be used (not found beside this one): which, and why;
* after such a skip, a ``KeyError`` or ``NameError`` raised by a cell's own top-level code (not inside a
  function you wrote): what the skipped cell above would have made.

Anything else raises as usual, with its traceback. Outside IPython (the grader, scripts) nothing changes.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

SKIPPED = "Skipped the rest of this cell: "


class MissingFunction(RuntimeError):
    """Raised by the stand-in for a function from a notebook that could not be used."""

    def __init__(self, name: str, stem: str, reason: str):
        super().__init__(f"{name} comes from your notebook {stem}, which could not be used: {reason}")
        self.name, self.stem, self.reason = name, stem, reason


class UnwrittenFunction(NotImplementedError):
    """Raised when a function imported from an earlier notebook is called there before it is written."""

    def __init__(self, name: str, stem: str):
        super().__init__(f"{name} (notebook {stem}) is not written yet")
        self.name, self.stem = name, stem


_skipped: list[str] = []  # why cells of this kernel were skipped, in order


def _in_cell(filename: str) -> bool:
    """Whether code comes from a notebook cell (this kernel's, or another notebook's run by
    import_functions), rather than from a library."""
    return filename.startswith("<") or "ipykernel_" in filename or "ipython-input" in filename


def _innermost(exc: BaseException):
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def reason(exc: BaseException) -> str | None:
    """Why a cell that raised ``exc`` is skipped, or None when it is a real error, shown as usual."""
    if isinstance(exc, MissingFunction):
        return (f"{exc.name} comes from notebook {exc.stem}, which could not be used ({exc.reason}).")
    if isinstance(exc, UnwrittenFunction):
        return f"{exc.name}, from notebook {exc.stem}, is not written yet: write it there, then run this cell again."
    frames = _innermost(exc)
    if isinstance(exc, NotImplementedError) and frames:
        code = frames[-1].f_code
        if _in_cell(code.co_filename) and code.co_name != "<module>":
            return f"{code.co_name} is not written yet: write it, then run this cell again."
        return None
    if isinstance(exc, (KeyError, NameError)) and _skipped and frames:
        cells = [f for f in frames if _in_cell(f.f_code.co_filename)]
        if cells and cells[-1].f_code.co_name == "<module>":  # the cell's own code, not a function you wrote
            what = f"{type(exc).__name__}: {exc}"
            return f"it needs what a skipped cell above would have made ({what}); that cell said why."
    return None


def skipped(exc: BaseException) -> bool:
    """Called by every cell on an exception: print the one line and return True when the cell is skipped."""
    why = reason(exc)
    if why is None:
        return False
    _skipped.append(why)
    print(SKIPPED + why)
    return True


_LAST = "__course_last__"


class _Guard(ast.NodeTransformer):
    """Wraps a cell's code in ``try: … except Exception as e: if not skipped(e): raise``, keeping its last
    expression's value as the cell's output."""

    def visit_Module(self, node: ast.Module) -> Any:
        body = node.body
        if not body or any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in body):
            return node
        inner = list(body)
        tail: list[ast.stmt] = []
        if isinstance(body[-1], ast.Expr):  # shown as the cell's output, as before
            inner[-1] = ast.Assign(targets=[ast.Name(_LAST, ast.Store())], value=body[-1].value)
            tail = [ast.Assign(targets=[ast.Name(_LAST, ast.Store())], value=ast.Constant(None))]
        check = ast.parse("if not __import__('course_utils.skips', fromlist=['skipped']).skipped(__course_exc__):"
                          "\n    raise").body
        guarded = ast.Try(body=inner, handlers=[ast.ExceptHandler(type=ast.Name("Exception", ast.Load()),
                                                                  name="__course_exc__", body=check)],
                          orelse=[], finalbody=[])
        new = tail + [guarded]
        if tail:
            new.append(ast.Expr(ast.Name(_LAST, ast.Load())))
        node.body = new
        return ast.fix_missing_locations(node)


def install() -> bool:
    """Make the running IPython skip cells as described above; once per kernel. False outside IPython."""
    ipython = sys.modules.get("IPython")  # a kernel has imported it; elsewhere (the grader) it costs nothing
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    if shell is None or not hasattr(shell, "ast_transformers"):
        return False
    if not any(isinstance(t, _Guard) for t in shell.ast_transformers):
        shell.ast_transformers.append(_Guard())
    return True
