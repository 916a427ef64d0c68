"""Run a notebook's code outside Jupyter, as a kernel would: the grader's worker, the reference loader and
``course_utils.notebooks.import_functions`` all run notebooks with this module, so they agree on what a
notebook defines.

A notebook's *code* is its code cells minus two kinds that the course marks in cell metadata:

* self-check cells (nbgrader test cells: ``grade: true`` without ``solution``), which judge the code;
* demonstration cells (locked cells whose nbgrader ``grade_id`` starts with ``demo_``): figures and
  experiments, which take time and are no part of any graded function.

Everything else runs in order, the student's own extra cells included (:func:`code_cells`,
:func:`exec_cells`). This module imports nothing beyond the standard library (IPython only for a cell that
is not plain Python): the grader's sandboxed worker imports it.
"""

from __future__ import annotations

import contextvars
import json
import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any


DEMO_PREFIX = "demo_"

# the folder of the notebook whose code is running; import_functions looks for sibling notebooks from it
notebook_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("notebook_dir", default=None)

@dataclass(frozen=True)
class Cell:
    index: int  # position among all the notebook's cells, counting from 1
    source: str


@dataclass(frozen=True)
class CellError:
    """A cell that raised while the notebook's code ran: which cell was running, what was raised, and where
    in the notebook's cells it was raised (the innermost line of a cell's code in the traceback, which may lie
    in an earlier cell that defined the function called)."""

    index: int  # the cell that was running
    kind: str  # the exception's class name: "NameError", "SyntaxError"
    detail: str = ""  # what it said, at most 300 characters ("name 'np' is not defined"); may be empty
    cell: int | None = None  # where it was raised: a cell (its index) ...
    line: int | None = None  # ... and a line of that cell; None when not raised in a cell's own code

    @property
    def syntax(self) -> bool:
        return self.kind == "SyntaxError"

    @property
    def what(self) -> str:
        """What was raised, without where: "NameError: name 'np' is not defined"."""
        return f"{self.kind}: {self.detail}" if self.detail else self.kind

    @property
    def message(self) -> str:
        """One line, e.g. "NameError: name 'np' is not defined (cell 3, line 2)"."""
        where = f" (cell {self.cell}, line {self.line})" if self.cell is not None and self.line is not None else ""
        return self.what + where


def _meta(cell: Any) -> dict:
    meta = cell.get("metadata", {}) or {}
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def is_test_cell(cell: Any) -> bool:
    nbg = _meta(cell)
    return bool(nbg.get("grade")) and not nbg.get("solution")


def grade_id(cell: Any) -> str | None:
    """A cell's nbgrader grade_id, if it has one that is a string."""
    value = _meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_demo_cell(cell: Any) -> bool:
    nbg = _meta(cell)
    return nbg.get("locked") is True and (grade_id(cell) or "").startswith(DEMO_PREFIX)


# what IPython's transformers act on: escapes (%magic, !shell, ?help) at a line's start or after "=",
# help at a line's end, prompts, and a cell whose first line is indented
_IPYTHON_SYNTAX = re.compile(r"^\s*[%!?]|=\s*[%!]|\?\s*$|^(>>>|\.\.\.|In \[)|\A[ \t]+\S", re.M)


def to_python(source: str) -> str:
    """A cell's source as Python, the way IPython turns it into Python before running it.

    Plain Python is left as it is; anything else (``%magic``, ``!shell``, ``np.exp?``, prompts, indented cells)
    goes through IPython's own input transformers, which turn it into calls on ``get_ipython()`` (which
    :func:`kernel_namespace` provides outside a kernel).
    """
    if not _IPYTHON_SYNTAX.search(source):
        return source  # nothing IPython would change (checked cheaply: compiling costs more)
    try:
        compile(source, "<cell>", "exec")
        return source
    except (SyntaxError, ValueError):
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython comes with the course's Jupyter; without it the cell is run as it is
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - a cell IPython cannot read either: its SyntaxError is reported when run
        return source


class _Shell:
    """What student code may ask of ``get_ipython()`` outside a kernel: magics and shell commands do nothing,
    except that a cell magic that runs its cell (``%%time``, ``%%capture``...) runs it."""

    _RUNS_ITS_CELL = {"time", "timeit", "capture", "prun", "writefile"}

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self.user_ns = namespace

    def run_line_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in self._RUNS_ITS_CELL and name != "writefile":
            exec(compile(cell, "<cell magic>", "exec"), self._namespace)
        return None

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list:
        return []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _display(*objs: Any, **kwargs: Any) -> None:
    """IPython's display() outside a kernel: prints each object's repr."""
    for obj in objs:
        print(repr(obj))


def kernel_namespace(name: str = "__main__") -> dict:
    """A fresh namespace with what a Jupyter kernel provides to a notebook's code: ``display`` and
    ``get_ipython``."""
    namespace: dict = {"__name__": name, "display": _display}
    shell = _Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    return namespace


def _text(value: Any, index: int) -> str:
    """A cell's source: a string, or a list of strings (nbformat's two forms); ValueError otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    raise ValueError(f"cell {index} is malformed: its source is not text")


def code_cells(nb: Any, demo_ids: frozenset[str] | None = None) -> list[Cell]:
    """The cells that make up a notebook's code, in order (see the module docstring).

    ``demo_ids``, when given, are the grade_ids of the course's own demonstration cells (the grader takes them
    from the reference notebook, so that only the course decides what is skipped); otherwise a locked cell
    whose grade_id starts with ``demo_`` is one.
    """
    cells = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if not isinstance(cell, dict):
            raise ValueError(f"cell {i} is malformed: it is not a JSON object")
        if demo_ids is None:
            demo = is_demo_cell(cell)
        else:
            demo = grade_id(cell) in demo_ids
        if cell.get("cell_type") != "code" or is_test_cell(cell) or demo:
            continue
        cells.append(Cell(i, to_python(_text(cell.get("source", ""), i))))
    return cells


def _cell_number(filename: object) -> int | None:
    """N for the code of cell N (compiled as ``"<cell N>"``), else None."""
    if isinstance(filename, str) and filename.startswith("<cell ") and filename.endswith(">") \
            and filename[6:-1].isdigit():
        return int(filename[6:-1])
    return None


def locate(exc: BaseException) -> tuple[str, str, int | None, int | None]:
    """(class name, message, cell, line) of an exception raised by a notebook's code: the cell and line are
    the innermost frame of a cell's own code (or a SyntaxError's position), None if there is none."""
    cell = line = None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if _cell_number(frame.filename) is not None:  # "<cell 3>"; a "<cell magic>" frame is its cell's
            cell, line = _cell_number(frame.filename), frame.lineno
            break
    if isinstance(exc, SyntaxError) and _cell_number(exc.filename) is not None:
        return "SyntaxError", str(exc.msg), _cell_number(exc.filename), exc.lineno
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - an exception whose message itself raises
        text = "(its message could not be shown)"
    if len(text) > 300:
        text = text[:300] + "…"
    return type(exc).__name__, text, cell, line


def describe_exception(exc: BaseException) -> str:
    """One line naming an exception and where in the notebook's cells it was raised."""
    return CellError(0, *locate(exc)).message


@lru_cache(maxsize=256)
def compiled(cell: Cell) -> CodeType:
    """A cell's code object (cached: the grader's worker compiles once and runs the cells for every function)."""
    return compile(cell.source, f"<cell {cell.index}>", "exec")


def exec_cells(cells: list[Cell], namespace: dict, folder: Path | None = None,
               catch: type[BaseException] = Exception) -> list[CellError]:
    """Run cells in ``namespace``; a cell that raises ``catch`` is reported and the next one still runs.

    The grader passes ``catch=BaseException``, so that a cell calling ``exit()`` is reported too; in a
    kernel, an interrupt (KeyboardInterrupt) stops the import as the user asked.
    """
    errors = []
    token = notebook_dir.set(folder)
    try:
        for cell in cells:
            try:
                exec(compiled(cell), namespace)
            except catch as exc:  # a student's cell may raise anything
                errors.append(CellError(cell.index, *locate(exc)))
    finally:
        notebook_dir.reset(token)
    return errors


def parse_notebook(text: str) -> dict:
    """A notebook's JSON as a dict with a list of ``cells`` (format 4; older formats are converted).

    Plain ``json`` for the common case: importing nbformat costs about a second (its schema validator),
    which grading a notebook in well under that cannot afford. ValueError if it is not a notebook.
    """
    nb = json.loads(text)
    if not isinstance(nb, dict) or "nbformat" not in nb:
        raise ValueError("the file is JSON but not a notebook (it has no 'nbformat' field)")
    if nb.get("nbformat") != 4:
        import nbformat  # old formats are rare: let nbformat convert them

        nb = nbformat.reads(text, as_version=4)
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("the file is JSON but not a notebook (it has no list of cells)")
    return nb


def load_namespace(path: Path) -> tuple[dict, list[CellError]]:
    """Read a notebook and run its code in a fresh namespace."""
    nb = parse_notebook(path.read_text(encoding="utf-8"))
    namespace = kernel_namespace(f"notebook_{path.stem}")
    errors = exec_cells(code_cells(nb), namespace, folder=path.parent)
    return namespace, errors
